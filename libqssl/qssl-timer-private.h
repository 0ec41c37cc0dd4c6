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

G_END_DECLS
