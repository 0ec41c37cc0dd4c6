/* qssl-timer-private.h: deadlines on a GMainContext, one source for all
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * What the server (and any other per-connection deadline) needs of the
 * main loop: "call me at this time", re-armed or stopped as often as
 * needed. The timers of one context share one GSource whose ready time is
 * the earliest deadline (a binary heap): starting or stopping a timer
 * attaches, destroys or wakes nothing unless a deadline comes earlier
 * than all others.
 *
 * The same source runs deferred calls: work a caller must not do inside
 * its own call (a signal emitted from write(), a pump of what OpenSSL
 * already decrypted), run on the context's next iteration at
 * G_PRIORITY_DEFAULT. A QsslDeferred is made once per object and queued
 * or cancelled in O(1), without a source of its own: no attach, destroy
 * or wakeup per call.
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _QsslTimer QsslTimer;

/* Called once per expiry, on the timer's context. */
typedef void (*QsslTimerFunc) (gpointer user_data);

QsslTimer *_qssl_timer_new   (GMainContext  *context,
                              QsslTimerFunc  func,
                              gpointer       user_data);
/* Expires in @msecs (re-armed when running). */
void       _qssl_timer_start (QsslTimer     *timer,
                              guint          msecs);
void       _qssl_timer_stop  (QsslTimer     *timer);
gboolean   _qssl_timer_is_running (QsslTimer *timer);
/* Stops and frees @timer; allowed from its own callback. */
void       _qssl_timer_free  (QsslTimer     *timer);

typedef struct _QsslDeferred QsslDeferred;

QsslDeferred *_qssl_deferred_new    (GMainContext  *context,
                                     QsslTimerFunc  func,
                                     gpointer       user_data);
/* Runs @func once on the next iteration of the context (from the
 * context's thread; queued twice, it still runs once). Calls queued while
 * the deferred calls run wait for the next iteration, as an idle source
 * attached then would. */
void          _qssl_deferred_queue  (QsslDeferred  *deferred);
/* Cancel and is_queued take NULL (a call not made yet). */
void          _qssl_deferred_cancel (QsslDeferred  *deferred);
gboolean      _qssl_deferred_is_queued (QsslDeferred *deferred);
/* Cancels and frees @deferred; allowed from its own callback. */
void          _qssl_deferred_free   (QsslDeferred  *deferred);
/* Runs now the calls queued on @context so far, from a source that
 * dispatched the callbacks which queued them (the sockets' poller, once
 * all ready sockets ran): they need not wait for another iteration, and
 * its poll(). On the context's thread. */
void          _qssl_deferred_run_queued (GMainContext *context);

G_END_DECLS
