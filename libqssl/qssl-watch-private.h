/* qssl-watch-private.h: readiness of one fd on a GMainContext
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * What the socket's I/O layer asks of the main loop: "call me when this fd
 * is ready for these conditions", changed as often as the socket's needs
 * change, and "stop watching". A backend fills in QsslWatchBackend
 * (qssl-watch.c): on Linux the watches of a context share one epoll
 * instance, elsewhere (or with QSSL_WATCH_BACKEND=gsource) each has a
 * GSource of its own.
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _QsslWatch QsslWatch;

/* Called on the watch's context with what poll() reported. */
typedef void (*QsslWatchFunc) (gpointer     user_data,
                               GIOCondition condition);

typedef struct
{
  QsslWatch *(*create)  (GMainContext  *context,
                         QsslWatchFunc  func,
                         gpointer       user_data);
  /* Watches @fd for @condition; 0 stops watching (nothing stays attached).
   * A new @fd replaces the old one. */
  void       (*set)     (QsslWatch     *watch,
                         int            fd,
                         GIOCondition   condition);
  /* Stops watching and frees @watch. Events of the current wakeup that
   * are still to be dispatched never reach a freed or changed watch. */
  void       (*destroy) (QsslWatch     *watch);
} QsslWatchBackend;

/* Hands @watch, and the registration of its fd, to a new owner, whose
 * @func hears its events from now on (on the watch's context): a
 * connection that changes hands keeps watching its fd without dropping
 * the registration and making it again. */
void          _qssl_watch_retarget    (QsslWatch     *watch,
                                       QsslWatchFunc  func,
                                       gpointer       user_data);
GMainContext *_qssl_watch_get_context (QsslWatch     *watch);

/* The backend in use, chosen once. */
const QsslWatchBackend *_qssl_watch_get_backend (void);
/* "epoll" or "gsource". */
const char             *_qssl_watch_backend_name (void);

static inline QsslWatch *
_qssl_watch_new (GMainContext  *context,
                 QsslWatchFunc  func,
                 gpointer       user_data)
{
  return _qssl_watch_get_backend ()->create (context, func, user_data);
}

static inline void
_qssl_watch_set (QsslWatch    *watch,
                 int           fd,
                 GIOCondition  condition)
{
  _qssl_watch_get_backend ()->set (watch, fd, condition);
}

static inline void
_qssl_watch_free (QsslWatch *watch)
{
  _qssl_watch_get_backend ()->destroy (watch);
}

G_END_DECLS
