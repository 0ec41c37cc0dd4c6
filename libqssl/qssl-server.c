/* qssl-server.c: QsslServer, a TLS server on GSocketService (QSslServer)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* accept4() */
#endif
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib-unix.h>

#include "qssl.h"
#include "qssl-engine-private.h"
#include "qssl-main-context-private.h"
#include "qssl-private.h"
#include "qssl-proxy-protocol-private.h"
#include "qssl-timer-private.h"
#include "qssl-watch-private.h"
#include "qssl-virtual-host-private.h"

/**
 * QsslServer:
 *
 * Accepts TCP connections and turns each into a server-mode #QsslSocket:
 * the handshake starts at once, a client that does not finish it within the
 * handshake timeout is dropped, and only encrypted sockets are queued for
 * [method@Qssl.Server.next_pending_connection].
 *
 * Handshakes in flight have limits of their own, apart from the queue of
 * [method@Qssl.Server.set_max_pending_connections]: at most
 * [property@Qssl.Server:max-handshakes] of them (the oldest makes room for a
 * newcomer), optionally at most
 * [property@Qssl.Server:max-handshakes-per-address] from one address, each
 * within a deadline that counts from the accept. Until the client's first
 * TLS record is in, a connection has no #QsslSocket and no TLS state (about
 * 1.5 KiB instead of 45). A failed accept (out of file descriptors) is
 * retried with a backoff. Together they keep a server
 * with the defaults serving while peers connect and stay silent; see the
 * "Server limits" section of the server guide.
 *
 * It is a #GSocketService, so g_socket_listener_add_inet_port() and friends
 * work too; it runs on the #GMainContext that is the thread-default when
 * it starts accepting.
 *
 * Mirrors `QSslServer` (Qt 6.4).
 *
 * Since: 1.0
 */
struct _QsslServer
{
  GSocketService      parent_instance;

  QsslConfiguration  *configuration;
  QsslHostTable      *hosts;         /* SNI virtual hosts; NULL: none */
  int                 handshake_timeout;
  guint16             port;
  GInetAddress       *address;       /* as given to listen(); NULL: any */
  gboolean            listening;

  GHashTable         *handshaking;   /* QsslSocket -> Handshake, once it has one */
  GQueue              pending;       /* encrypted QsslSocket, owned */
  GQueue              accept_tasks;  /* accept_async() callers waiting */
  int                 max_pending;
  gboolean            paused;        /* by pause_accepting() */
  gboolean            throttled;     /* by the max_pending limit */
  GMainContext       *context;
  gboolean            reuse_port;
  gboolean            proxy_protocol;
  /* The accept in flight. The server accepts itself rather than through
   * GSocketService, which only logs a failed accept and retries at once
   * (a busy loop when out of file descriptors). Only close() cancels it:
   * GLib's accept source wakes up on the cancellation and calls accept(),
   * and the cancelled task then drops the connection it took from the
   * backlog. Pausing leaves it running instead (see held). */
  GCancellable       *accept_cancellable;
  /* Connections the accept in flight delivered while paused or throttled,
   * waiting (no handshake yet) until accepting resumes. */
  GQueue              held;
  /* The server's own accepting (see start_accepting()): the sockets that
   * listen() made, each watched on the context's shared readiness and
   * accepted from directly. A socket added through GSocketListener's API
   * (which may carry a source object) turns it off: GLib then accepts, as
   * before. */
  GPtrArray          *own_listeners;   /* Listener */
  gboolean            adding_own;      /* inside listen()'s add_*() */
  gboolean            own_accept;
  gboolean            accept_armed;    /* one accept wanted, as one in flight */

  /* Admission (admit_connection(), accept_failed()) */
  int                 max_handshakes;             /* 0: no limit */
  int                 max_handshakes_per_address; /* 0: no limit */
  int                 idle_timeout;               /* for the sockets handed out; 0: none */
  GQueue              handshake_order;            /* Handshake, oldest first */
  GHashTable         *per_address;                /* address text -> handshakes from it */
  guint               accept_backoff;             /* msecs; 0: the last accept worked */
  QsslTimer          *accept_retry;               /* running: the accept waits for it */

  /* Sockets whose handshake failed, released on the next iteration (see
   * on_error()) by one deferred call made with the server. */
  GPtrArray          *dropped;                    /* QsslSocket, owned */
  QsslDeferred       *drop_call;
};

/* A handshake in flight, owned by handshake_order: its deadline, its place
 * in the order of arrival, the address it counts against, and either its
 * socket or, until the client's first TLS record is in, only the accepted
 * connection and the bytes of that record read so far (see early_read()). */
typedef struct
{
  QsslServer        *server;
  QsslSocket        *socket;
  GSocketConnection *connection;   /* early only */
  QsslWatch         *early_watch;  /* early only: the fd is readable */
  GByteArray        *early_bytes;  /* early only */
  /* What the server served when the connection was accepted, for its
   * handshake: the hosts always, the configuration only once the server's
   * changed (NULL: the server's own is still it). */
  QsslHostTable     *hosts;
  QsslConfiguration *configuration;
  QsslTimer         *timer;        /* from the accept */
  GList              link;         /* in handshake_order, data = the Handshake */
  char              *address;      /* key in per_address; NULL: not counted */
} Handshake;

/* QsslServer:max-handshakes by default: well above what healthy clients
 * keep in flight (a handshake takes a round trip or two), well below what
 * a process may hold. */
#define QSSL_SERVER_DEFAULT_MAX_HANDSHAKES 1024

/* The first retry of a failed accept and the longest wait between retries. */
#define ACCEPT_BACKOFF_FIRST_MS 10
#define ACCEPT_BACKOFF_MAX_MS   1000


typedef struct
{
  QsslServer *server;
  GSocket    *socket;
  QsslWatch  *watch;
} Listener;

typedef struct
{
  GSocketConnection *connection;
  GObject           *source_object;
} Held;

static void
held_free (gpointer data)
{
  Held *held = data;

  g_object_unref (held->connection);
  g_clear_object (&held->source_object);
  g_free (held);
}

enum {
  PROP_0,
  PROP_REUSE_PORT,
  PROP_PROXY_PROTOCOL,
  PROP_MAX_HANDSHAKES,
  PROP_MAX_HANDSHAKES_PER_ADDRESS,
  PROP_IDLE_TIMEOUT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  SIGNAL_NEW_CONNECTION,
  SIGNAL_PENDING_CONNECTION_AVAILABLE,
  SIGNAL_STARTED_ENCRYPTION_HANDSHAKE,
  SIGNAL_SSL_ERRORS,
  SIGNAL_PEER_VERIFY_ERROR,
  SIGNAL_ERROR_OCCURRED,
  SIGNAL_PRE_SHARED_KEY_AUTHENTICATION_REQUIRED,
  SIGNAL_ALERT_SENT,
  SIGNAL_ALERT_RECEIVED,
  SIGNAL_HANDSHAKE_INTERRUPTED_ON_ERROR,
  SIGNAL_ACCEPT_ERROR,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (QsslServer, qssl_server, G_TYPE_SOCKET_SERVICE)

static void
destroy_source (gpointer source)
{
  g_source_destroy (source);
  g_source_unref (source);
}

/* Forgets a handshake (without a signal, without closing its socket). */
static void
handshake_free (gpointer data)
{
  Handshake *handshake = data;
  QsslServer *self = handshake->server;

  _qssl_timer_free (handshake->timer);
  g_clear_pointer (&handshake->early_watch, _qssl_watch_free);
  g_clear_pointer (&handshake->early_bytes, g_byte_array_unref);
  g_clear_pointer (&handshake->hosts, _qssl_host_table_unref);
  g_clear_pointer (&handshake->configuration, qssl_configuration_free);
  g_clear_object (&handshake->connection);
  g_queue_unlink (&self->handshake_order, &handshake->link);
  if (handshake->socket != NULL)
    g_hash_table_remove (self->handshaking, handshake->socket);
  if (handshake->address != NULL)
    {
      guint count = GPOINTER_TO_UINT (g_hash_table_lookup (self->per_address, handshake->address));

      if (count <= 1)
        g_hash_table_remove (self->per_address, handshake->address);
      else
        g_hash_table_insert (self->per_address, g_strdup (handshake->address), GUINT_TO_POINTER (count - 1));
      g_free (handshake->address);
    }
  g_clear_object (&handshake->socket);
  g_free (handshake);
}

/* Stops caring about @socket's handshake; the server's reference goes. */
static void
forget_handshake (QsslServer *self,
                  QsslSocket *socket)
{
  Handshake *handshake = g_hash_table_lookup (self->handshaking, socket);

  g_signal_handlers_disconnect_by_data (socket, self);
  if (handshake != NULL)
    handshake_free (handshake);
}

static void update_accepting (QsslServer *self);
static void drop_handshake (QsslServer      *self,
                            Handshake       *handshake,
                            QsslSocketError  error);

static QsslSocketError
accept_error_code (const GError *error)
{
  if (error->domain != G_IO_ERROR)
    return QSSL_SOCKET_ERROR_UNKNOWN_SOCKET;
  switch (error->code)
    {
    case G_IO_ERROR_TOO_MANY_OPEN_FILES:
    case G_IO_ERROR_NO_SPACE:
      return QSSL_SOCKET_ERROR_SOCKET_RESOURCE;
    case G_IO_ERROR_PERMISSION_DENIED:
      return QSSL_SOCKET_ERROR_SOCKET_ACCESS;
    case G_IO_ERROR_NETWORK_UNREACHABLE:
    case G_IO_ERROR_HOST_UNREACHABLE:
      return QSSL_SOCKET_ERROR_NETWORK;
    default:
      return QSSL_SOCKET_ERROR_UNKNOWN_SOCKET;
    }
}

static void
on_accept_retry (gpointer user_data)
{
  QsslServer *self = user_data;

  update_accepting (self);
}

/* Unlike QTcpServer, which pauses until the application resumes it (and
 * an application that does not, like most, then never accepts again), a
 * failed accept is retried by the server itself: after 10 ms, doubling up
 * to 1 s, so that a server out of descriptors neither spins nor stays deaf
 * once they are free again. Out of descriptors with handshakes in flight,
 * the oldest handshake is dropped instead, and the accept tried again at
 * once: it is what max-handshakes would drop for a newcomer anyway. */
static void
accept_failed (QsslServer   *self,
               const GError *error)
{
  Handshake *oldest = g_queue_peek_head (&self->handshake_order);

  if (oldest != NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TOO_MANY_OPEN_FILES))
    {
      g_debug ("server %p: accept failed (%s): dropping the oldest handshake for its descriptor",
               self, error->message);
      g_signal_emit (self, signals[SIGNAL_ACCEPT_ERROR], 0, accept_error_code (error), error->message);
      /* A handler may have dropped it, or closed the server. */
      oldest = g_queue_peek_head (&self->handshake_order);
      if (oldest != NULL && self->listening)
        drop_handshake (self, oldest, QSSL_SOCKET_ERROR_SOCKET_RESOURCE);
      return;
    }
  self->accept_backoff = self->accept_backoff == 0
                         ? ACCEPT_BACKOFF_FIRST_MS
                         : MIN (self->accept_backoff * 2, ACCEPT_BACKOFF_MAX_MS);
  g_debug ("server %p: accept failed: %s; trying again in %u ms", self, error->message, self->accept_backoff);
  if (!_qssl_timer_is_running (self->accept_retry))
    _qssl_timer_start (self->accept_retry, self->accept_backoff);
  g_signal_emit (self, signals[SIGNAL_ACCEPT_ERROR], 0, accept_error_code (error), error->message);
}

static void
accept_succeeded (QsslServer *self)
{
  if (self->accept_backoff == 0)
    return;
  g_debug ("server %p: accepting again", self);
  self->accept_backoff = 0;
}

static void
clear_accept_retry (QsslServer *self)
{
  if (self->accept_retry != NULL)
    _qssl_timer_stop (self->accept_retry);
}

/* What one accept brought (a connection or an error), whichever way it
 * was made. */
static void
accepted (QsslServer        *self,
          GSocketConnection *connection,
          GObject           *source_object,
          const GError      *error,
          gboolean           cancelled)
{
  if (connection != NULL)
    accept_succeeded (self);
  if (connection != NULL && (self->paused || self->throttled))
    {
      /* Accepted after a pause or the limit began: kept for resume. */
      Held *held = g_new0 (Held, 1);

      held->connection = g_object_ref (connection);
      held->source_object = source_object ? g_object_ref (source_object) : NULL;
      g_queue_push_tail (&self->held, held);
      return;
    }
  if (connection != NULL)
    {
      gboolean handled = FALSE;

      /* Through the signal, so that handlers of GSocketService::incoming
       * run as they would with GSocketService's own accepting. */
      g_signal_emit_by_name (self, "incoming", connection, source_object, &handled);
    }
  else if (!cancelled && self->listening)
    accept_failed (self, error);
  update_accepting (self);
}

static void
on_accepted (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  /* The accept's task holds the server until this runs. */
  QsslServer *self = QSSL_SERVER (source);
  g_autoptr(GCancellable) cancellable = user_data;
  g_autoptr(GError) error = NULL;
  GObject *source_object = NULL; /* transfer none */
  g_autoptr(GSocketConnection) connection = NULL;

  connection = g_socket_listener_accept_finish (G_SOCKET_LISTENER (source), result, &source_object, &error);
  if (self->accept_cancellable == cancellable)
    g_clear_object (&self->accept_cancellable);
  accepted (self, connection, source_object, error, g_cancellable_is_cancelled (cancellable));
}

/* The server's own accepting */

/* Connections taken per wakeup of one listening socket: a burst is
 * served in few wakeups, and the sockets already open still get their
 * turn. */
#define ACCEPT_BATCH 32

/* The listening sockets follow accept_armed; unchanged interest costs
 * nothing. */
static void
sync_listeners (QsslServer *self)
{
  if (self->own_listeners == NULL)
    return;
  for (guint i = 0; i < self->own_listeners->len; i++)
    {
      Listener *listener = g_ptr_array_index (self->own_listeners, i);

      _qssl_watch_set (listener->watch, g_socket_get_fd (listener->socket),
                       self->accept_armed && self->own_accept ? G_IO_IN : 0);
    }
}

/* A listening socket is readable: accept4() hands over a non-blocking,
 * close-on-exec fd in one call, as many times as the server wants one,
 * until the backlog is empty. Each connection takes the same path as
 * GLib's accept (accepted()), which decides whether to want another. */
static void
on_listener_ready (gpointer     user_data,
                   GIOCondition condition)
{
  Listener *listener = user_data;
  g_autoptr(QsslServer) self = g_object_ref (listener->server);
  int listen_fd = g_socket_get_fd (listener->socket);

  for (guint n = 0; n < ACCEPT_BATCH && self->accept_armed && self->own_accept && self->listening; n++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GSocket) socket = NULL;
      g_autoptr(GSocketConnection) connection = NULL;
      int fd;

      do
#ifdef __linux__
        fd = accept4 (listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
#else
        fd = -1, errno = ENOSYS; /* own_accept is never on */
#endif
      while (fd < 0 && errno == EINTR);
      if (fd < 0)
        {
          int errsv = errno;

          /* Gone from the backlog before we took it (reset by the client):
           * the next one, if any. */
          if (errsv == ECONNABORTED)
            continue;
          if (errsv == EAGAIN || errsv == EWOULDBLOCK)
            break;
          self->accept_armed = FALSE;
          g_set_error (&error, G_IO_ERROR, g_io_error_from_errno (errsv),
                       _("Error accepting connection: %s"), g_strerror (errsv));
          accepted (self, NULL, NULL, error, FALSE);
          break;
        }
      self->accept_armed = FALSE;
      socket = g_socket_new_from_fd (fd, &error);
      if (socket == NULL)
        {
          close (fd);
          accepted (self, NULL, NULL, error, FALSE);
          break;
        }
      connection = g_socket_connection_factory_create_connection (socket);
      accepted (self, connection, NULL, NULL, FALSE);
    }
  sync_listeners (self);
}

static void
listener_free (gpointer data)
{
  Listener *listener = data;

  _qssl_watch_free (listener->watch);
  g_object_unref (listener->socket);
  g_free (listener);
}

static void add_own_listener (QsslServer *self,
                              GSocket    *socket);

/* GSocketListener says which socket each of listen()'s add_*() calls made. */
static void
on_listener_event (GSocketListener      *socket_listener,
                   GSocketListenerEvent  event,
                   GSocket              *socket,
                   QsslServer           *self)
{
  if (event != G_SOCKET_LISTENER_LISTENED || !self->adding_own)
    return;
  add_own_listener (self, socket);
}

/* A listening socket the server accepts on itself (listen()'s, reuse-port's
 * and systemd's; not those a user adds through GSocketListener). */
static void
add_own_listener (QsslServer *self,
                  GSocket    *socket)
{
  Listener *listener;

  listener = g_new0 (Listener, 1);
  listener->server = self;
  listener->socket = g_object_ref (socket);
  listener->watch = _qssl_watch_new (self->context, on_listener_ready, listener);
  g_ptr_array_add (self->own_listeners, listener);
}

static void
forget_listeners (QsslServer *self)
{
  self->accept_armed = FALSE;
  g_ptr_array_set_size (self->own_listeners, 0);
#ifdef __linux__
  self->own_accept = TRUE;
#endif
}

/* One accept wanted. The server's own accepting (where it can) watches the
 * listening fds on the context's shared readiness and accepts with
 * accept4(): no source is attached and dropped per accept, and the fd
 * comes non-blocking and close-on-exec without more system calls.
 * Otherwise GLib's asynchronous accept runs, one at a time. */
static void
start_accepting (QsslServer *self)
{
  if (self->own_accept && self->own_listeners != NULL && self->own_listeners->len > 0)
    {
      self->accept_armed = TRUE;
      sync_listeners (self);
      return;
    }
  if (self->accept_cancellable != NULL)
    return;
  self->accept_cancellable = g_cancellable_new ();
  g_main_context_push_thread_default (self->context);
  g_socket_listener_accept_async (G_SOCKET_LISTENER (self), self->accept_cancellable, on_accepted,
                                  g_object_ref (self->accept_cancellable));
  g_main_context_pop_thread_default (self->context);
}

static void
stop_accepting (QsslServer *self)
{
  if (self->accept_armed)
    {
      self->accept_armed = FALSE;
      sync_listeners (self);
    }
  if (self->accept_cancellable == NULL)
    return;
  g_cancellable_cancel (self->accept_cancellable);
  g_clear_object (&self->accept_cancellable);
}

/* Accepting stops while the queue of encrypted sockets not yet taken is
 * full (Qt's maxPendingConnections); new connections then wait in the
 * kernel's backlog, none is dropped. Handshakes in flight do not count:
 * silent peers would otherwise hold the server (admit_connection() limits
 * them). */
static void
update_accepting (QsslServer *self)
{
  gboolean throttle = self->max_pending > 0 && g_queue_get_length (&self->pending) >= (guint) self->max_pending;

  self->throttled = throttle;
  if (!self->listening)
    stop_accepting (self);
  else if (!throttle && !self->paused)
    {
      Held *held = g_queue_pop_head (&self->held);

      if (held != NULL)
        {
          gboolean handled = FALSE;

          g_signal_emit_by_name (self, "incoming", held->connection, held->source_object, &handled);
          held_free (held);
          /* Again, in case a handler of incoming took it before ours. */
          update_accepting (self);
        }
      else if (!_qssl_timer_is_running (self->accept_retry))
        start_accepting (self);
    }
  /* Paused or throttled: an accept in flight stays; what it brings is held. */
}

/* Replaces GSocketService's handler, which is what starts its own accept
 * loop (see accept_cancellable), so that one never runs. Sockets added with
 * g_socket_listener_add_*() directly are served too, as they would be by a
 * GSocketService. */
static void
qssl_server_changed (GSocketListener *listener)
{
  QsslServer *self = QSSL_SERVER (listener);

  /* A socket that listen() did not make: GLib accepts on all of them. */
  if (!self->adding_own && self->own_accept)
    {
      self->own_accept = FALSE;
      if (self->accept_armed)
        {
          self->accept_armed = FALSE;
          sync_listeners (self);
          start_accepting (self);
        }
    }
  self->listening = TRUE;
  update_accepting (self);
}

static void
on_encrypted (QsslSocket *socket,
              QsslServer *self)
{
  GTask *task;

  g_object_ref (socket);
  forget_handshake (self, socket);
  /* From now on the socket is the application's (Qt's QSslServer drops
   * its connections too): a later error or alert is not the server's. */
  g_signal_handlers_disconnect_by_data (socket, self);
  if (self->idle_timeout > 0)
    qssl_socket_set_idle_timeout (socket, self->idle_timeout);
  task = g_queue_pop_head (&self->accept_tasks);
  if (task != NULL)
    {
      /* The cancellation source goes; it can no longer touch the task. */
      g_task_set_task_data (task, NULL, NULL);
      g_task_return_pointer (task, socket, g_object_unref);
      g_object_unref (task);
    }
  else
    g_queue_push_tail (&self->pending, socket);
  update_accepting (self);
  g_signal_emit (self, signals[SIGNAL_PENDING_CONNECTION_AVAILABLE], 0);
  g_signal_emit (self, signals[SIGNAL_NEW_CONNECTION], 0);
}

static void
on_psk (QsslSocket                    *socket,
        QsslPreSharedKeyAuthenticator *authenticator,
        QsslServer                    *self)
{
  g_signal_emit (self, signals[SIGNAL_PRE_SHARED_KEY_AUTHENTICATION_REQUIRED], 0, socket, authenticator);
}

static void
on_alert_sent (QsslSocket     *socket,
               QsslAlertLevel  level,
               QsslAlertType   type,
               const char     *description,
               QsslServer     *self)
{
  g_signal_emit (self, signals[SIGNAL_ALERT_SENT], 0, socket, level, type, description);
}

static void
on_alert_received (QsslSocket     *socket,
                   QsslAlertLevel  level,
                   QsslAlertType   type,
                   const char     *description,
                   QsslServer     *self)
{
  g_signal_emit (self, signals[SIGNAL_ALERT_RECEIVED], 0, socket, level, type, description);
}

static void
on_interrupted (QsslSocket *socket,
                QsslError  *error,
                QsslServer *self)
{
  g_signal_emit (self, signals[SIGNAL_HANDSHAKE_INTERRUPTED_ON_ERROR], 0, socket, error);
}

static void
on_ssl_errors (QsslSocket *socket,
               GPtrArray  *errors,
               QsslServer *self)
{
  g_signal_emit (self, signals[SIGNAL_SSL_ERRORS], 0, socket, errors);
}

static void
on_peer_verify_error (QsslSocket *socket,
                      QsslError  *error,
                      QsslServer *self)
{
  g_signal_emit (self, signals[SIGNAL_PEER_VERIFY_ERROR], 0, socket, error);
}

static void
release_dropped (gpointer user_data)
{
  g_autoptr(QsslServer) self = g_object_ref (user_data);

  /* A socket's last unref may run code that drops more: they go too. */
  while (self->dropped->len > 0)
    g_object_unref (g_ptr_array_steal_index_fast (self->dropped, self->dropped->len - 1));
}

static void
on_error (QsslSocket      *socket,
          QsslSocketError  error,
          QsslServer      *self)
{
  g_object_ref (socket);
  g_signal_emit (self, signals[SIGNAL_ERROR_OCCURRED], 0, socket, error);
  /* A failed handshake: the socket is dropped; the server goes on. */
  forget_handshake (self, socket);
  qssl_socket_abort (socket);
  update_accepting (self);
  /* Released on the next iteration: we are inside one of the socket's
   * own emissions. */
  g_ptr_array_add (self->dropped, socket);
  _qssl_deferred_queue (self->drop_call);
}

/* Ends a handshake the server gives up on (its deadline passed, or it
 * makes room for a newcomer): error-occurred, then the connection goes. */
static void
drop_handshake (QsslServer      *self,
                Handshake       *handshake,
                QsslSocketError  error)
{
  QsslSocket *socket;

  /* One still early gets a socket only now, for the signal (without TLS
   * state: it costs nothing it would keep). */
  if (handshake->socket != NULL)
    socket = g_object_ref (handshake->socket);
  else
    socket = qssl_socket_new_from_socket (g_socket_connection_get_socket (handshake->connection), NULL);
  g_debug ("server %p: dropping handshake of socket %p (%s)", self, socket,
           error == QSSL_SOCKET_ERROR_SOCKET_TIMEOUT ? "deadline" : "room for a newcomer");
  if (handshake->socket != NULL)
    g_signal_handlers_disconnect_by_data (socket, self);
  else if (socket == NULL)
    g_socket_close (g_socket_connection_get_socket (handshake->connection), NULL);
  /* Forgotten first: a handler sees the count without it. */
  handshake_free (handshake);
  if (socket == NULL)
    return;
  g_signal_emit (self, signals[SIGNAL_ERROR_OCCURRED], 0, socket, error);
  qssl_socket_abort (socket);
  g_object_unref (socket);
}

static void
forward_if_handled (QsslServer *self,
                    QsslSocket *socket,
                    guint       signal,
                    const char *name,
                    GCallback   forward)
{
  if (g_signal_has_handler_pending (self, signals[signal], 0, TRUE))
    g_signal_connect (socket, name, forward, self);
}

/* The deadline runs from the accept to encrypted and nothing the peer does
 * moves it: a ClientHello dripped a byte at a time gets no more time than
 * silence. */
static void
on_handshake_timeout (gpointer user_data)
{
  Handshake *handshake = user_data;
  QsslServer *self = handshake->server;

  drop_handshake (self, handshake, QSSL_SOCKET_ERROR_SOCKET_TIMEOUT);
  update_accepting (self);
}

static char *
connection_address (GSocketConnection *connection)
{
  g_autoptr(GSocketAddress) address = g_socket_connection_get_remote_address (connection, NULL);

  if (!G_IS_INET_SOCKET_ADDRESS (address))
    return NULL;
  return g_inet_address_to_string (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (address)));
}

/* Whether a new connection gets a handshake. One address over its
 * max-handshakes-per-address is refused (closed at once, before any
 * TLS state exists). At max-handshakes the oldest handshake in flight is
 * dropped instead of the newcomer: a peer that holds a handshake open is
 * what fills the table, and refusing newcomers would let it starve every
 * client; a healthy handshake takes milliseconds, so the oldest is the
 * likeliest to be one that will never finish. @address is where the
 * handshake is to be counted (NULL: not counted). */
static gboolean
admit_connection (QsslServer         *self,
                  GSocketConnection  *connection,
                  char              **address)
{
  *address = NULL;
  if (self->max_handshakes_per_address > 0)
    {
      g_autofree char *text = connection_address (connection);

      if (text != NULL &&
          GPOINTER_TO_UINT (g_hash_table_lookup (self->per_address, text)) >= (guint) self->max_handshakes_per_address)
        {
          g_debug ("server %p: refusing a connection from %s: %d handshakes from it already", self, text,
                   self->max_handshakes_per_address);
          g_socket_close (g_socket_connection_get_socket (connection), NULL);
          return FALSE;
        }
      *address = g_steal_pointer (&text);
    }
  while (self->max_handshakes > 0 && g_queue_get_length (&self->handshake_order) >= (guint) self->max_handshakes &&
         self->listening)
    drop_handshake (self, g_queue_peek_head (&self->handshake_order), QSSL_SOCKET_ERROR_SOCKET_RESOURCE);
  /* A handler of error-occurred may have closed the server. */
  if (!self->listening)
    {
      g_clear_pointer (address, g_free);
      g_socket_close (g_socket_connection_get_socket (connection), NULL);
      return FALSE;
    }
  return TRUE;
}

/* The socket, its TLS state and its handshake, for a connection whose
 * first record is in (@prefix: the bytes read of it). */
static void
begin_handshake (QsslServer *self,
                 Handshake  *handshake,
                 GByteArray *prefix)
{
  g_autoptr(GError) error = NULL;
  QsslSocket *socket;

  socket = qssl_socket_new_from_socket (g_socket_connection_get_socket (handshake->connection), &error);
  if (socket == NULL)
    {
      g_debug ("server %p: cannot adopt a connection: %s", self, error->message);
      handshake_free (handshake);
      return;
    }
  /* Nagle off by default (Qt leaves it on): the server's reply after the
   * handshake would otherwise wait behind the unacknowledged session
   * tickets. Before any signal, so a handler can turn it back on. */
  qssl_socket_set_socket_option (socket, QSSL_SOCKET_OPTION_LOW_DELAY, 1);
  handshake->socket = socket;
  g_hash_table_insert (self->handshaking, socket, handshake);
  if (prefix != NULL && prefix->len > 0)
    _qssl_socket_unread (socket, prefix->data, prefix->len);
  g_clear_object (&handshake->connection);
  /* The copy shares the server configuration's context cache, so every
   * accepted socket uses one SSL_CTX (one session cache, one set of ticket
   * keys). */
  qssl_socket_set_ssl_configuration (socket, handshake->configuration ? handshake->configuration : self->configuration);
  /* The header comes before the ClientHello; the handshake timeout below
   * covers both. */
  if (self->proxy_protocol)
    _qssl_socket_expect_proxy_header (socket);
  /* The hosts of the accept: a later change applies to later connections. */
  _qssl_socket_set_host_table (socket, handshake->hosts);
  g_signal_connect (socket, "encrypted", G_CALLBACK (on_encrypted), self);
  g_signal_connect (socket, "error-occurred", G_CALLBACK (on_error), self);
  /* The signals the server only forwards: connected when the server has a
   * handler to forward to (each connection and its removal in
   * on_encrypted() cost more than a whole GObject). A handler connected to
   * the server later hears the sockets accepted after it. */
  forward_if_handled (self, socket, SIGNAL_SSL_ERRORS, "ssl-errors", G_CALLBACK (on_ssl_errors));
  forward_if_handled (self, socket, SIGNAL_PEER_VERIFY_ERROR, "peer-verify-error", G_CALLBACK (on_peer_verify_error));
  /* Forwarded only to a handler of ours: the socket offers PSK suites
   * only when its signal has a handler, and without one nobody can supply
   * a key (a PSK suite without forward secrecy would be offered for
   * nothing). */
  if (g_signal_has_handler_pending (self, signals[SIGNAL_PRE_SHARED_KEY_AUTHENTICATION_REQUIRED], 0, TRUE))
    g_signal_connect (socket, "pre-shared-key-authentication-required", G_CALLBACK (on_psk), self);
  forward_if_handled (self, socket, SIGNAL_ALERT_SENT, "alert-sent", G_CALLBACK (on_alert_sent));
  forward_if_handled (self, socket, SIGNAL_ALERT_RECEIVED, "alert-received", G_CALLBACK (on_alert_received));
  forward_if_handled (self, socket, SIGNAL_HANDSHAKE_INTERRUPTED_ON_ERROR, "handshake-interrupted-on-error",
                      G_CALLBACK (on_interrupted));

  g_object_ref (socket);
  g_signal_emit (self, signals[SIGNAL_STARTED_ENCRYPTION_HANDSHAKE], 0, socket);
  /* A handler may have aborted it, or closed the server. */
  if (g_hash_table_lookup (self->handshaking, socket) == handshake)
    qssl_socket_start_server_encryption (socket);
  g_object_unref (socket);
}

/* TLS records: a 5-byte header (type, version, length), then the body.
 * The largest a ClientHello record may be is the largest plaintext
 * fragment. */
#define RECORD_HEADER_LENGTH       5
#define RECORD_TYPE_HANDSHAKE      22
#define RECORD_MAX_PLAINTEXT       16384

/* How many bytes of the first record are still to come; 0 when it is
 * complete, or when what came is not the start of a TLS handshake (the
 * socket is made at once then, and OpenSSL's error is the client's). */
static gsize
early_missing (GByteArray *bytes)
{
  gsize length;

  if (bytes->len < RECORD_HEADER_LENGTH)
    return bytes->len > 0 && bytes->data[0] != RECORD_TYPE_HANDSHAKE ? 0 : RECORD_HEADER_LENGTH - bytes->len;
  length = ((gsize) bytes->data[3] << 8) | bytes->data[4];
  if (bytes->data[0] != RECORD_TYPE_HANDSHAKE || bytes->data[1] != 3 || length > RECORD_MAX_PLAINTEXT)
    return 0;
  return RECORD_HEADER_LENGTH + length > bytes->len ? RECORD_HEADER_LENGTH + length - bytes->len : 0;
}

/* Until the client's first record is complete, a connection costs its
 * descriptor, its GSocket and a few hundred bytes here: no QsslSocket, no
 * SSL object, no OpenSSL buffers (some 45 KiB together). A peer that
 * connects and stays silent, or drips its hello, holds no more than that
 * until its deadline. The bytes read are handed to the socket's TLS
 * stream. */
static void
early_read (gpointer     user_data,
            GIOCondition condition)
{
  Handshake *handshake = user_data;
  QsslServer *self = handshake->server;
  GSocket *gsocket = g_socket_connection_get_socket (handshake->connection);
  g_autoptr(GByteArray) prefix = NULL;
  gsize missing;

  /* The header, then (in the same call, when it is there) the body. */
  while ((missing = early_missing (handshake->early_bytes)) > 0)
    {
      g_autoptr(GError) error = NULL;
      gsize old_length = handshake->early_bytes->len;
      gssize n;

      g_byte_array_set_size (handshake->early_bytes, old_length + missing);
      n = g_socket_receive (gsocket, (char *) handshake->early_bytes->data + old_length, missing, NULL, &error);
      g_byte_array_set_size (handshake->early_bytes, old_length + MAX (n, 0));
      if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        return;
      /* An end or an error is the socket's to report, as a complete
       * record is its to handle. */
      if (n <= 0)
        break;
    }
  g_debug ("server %p: first record in (%u bytes)", self, handshake->early_bytes->len);
  /* The socket registers the same fd: this watch goes first. */
  g_clear_pointer (&handshake->early_watch, _qssl_watch_free);
  prefix = g_steal_pointer (&handshake->early_bytes);
  begin_handshake (self, handshake, prefix);
  update_accepting (self);
}

static void
track_handshake (QsslServer        *self,
                 GSocketConnection *connection,
                 char              *address)
{
  Handshake *handshake = g_new0 (Handshake, 1);
  GSocket *gsocket = g_socket_connection_get_socket (connection);

  handshake->server = self;
  handshake->connection = g_object_ref (connection);
  handshake->early_bytes = g_byte_array_new ();
  handshake->link.data = handshake;
  handshake->address = address;
  handshake->hosts = self->hosts ? _qssl_host_table_ref (self->hosts) : NULL;
  if (address != NULL)
    g_hash_table_insert (self->per_address, g_strdup (address),
                         GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (self->per_address, address)) + 1));
  /* From the accept: what the client sends later does not move it. */
  handshake->timer = _qssl_timer_new (self->context, on_handshake_timeout, handshake);
  _qssl_timer_start (handshake->timer, self->handshake_timeout);
  g_queue_push_tail_link (&self->handshake_order, &handshake->link);
  g_debug ("server %p: accepted a connection; %u handshakes in flight", self,
           g_queue_get_length (&self->handshake_order));

  /* Behind a balancer the PROXY header comes first, which the socket
   * reads: no early phase. */
  if (self->proxy_protocol)
    {
      g_clear_pointer (&handshake->early_bytes, g_byte_array_unref);
      begin_handshake (self, handshake, NULL);
      return;
    }
  g_socket_set_blocking (gsocket, FALSE);
  handshake->early_watch = _qssl_watch_new (self->context, early_read, handshake);
  _qssl_watch_set (handshake->early_watch, g_socket_get_fd (gsocket), G_IO_IN);
  /* The hello is often there already: no main loop iteration lost. */
  early_read (handshake, G_IO_IN);
}

static gboolean
qssl_server_incoming (GSocketService    *service,
                      GSocketConnection *connection,
                      GObject           *source_object)
{
  QsslServer *self = QSSL_SERVER (service);
  char *address = NULL;

  if (!admit_connection (self, connection, &address))
    return TRUE;
  track_handshake (self, connection, address);
  update_accepting (self);
  return TRUE;
}

/* Every handshake in flight goes, without a signal (close, dispose). */
static void
abort_handshakes (QsslServer *self)
{
  Handshake *handshake;

  while ((handshake = g_queue_peek_head (&self->handshake_order)) != NULL)
    {
      QsslSocket *socket = handshake->socket ? g_object_ref (handshake->socket) : NULL;

      if (socket == NULL)
        g_socket_close (g_socket_connection_get_socket (handshake->connection), NULL);
      else
        g_signal_handlers_disconnect_by_data (socket, self);
      handshake_free (handshake);
      if (socket != NULL)
        {
          qssl_socket_abort (socket);
          g_object_unref (socket);
        }
    }
}

static void
qssl_server_dispose (GObject *object)
{
  QsslServer *self = QSSL_SERVER (object);

  abort_handshakes (self);
  g_clear_pointer (&self->handshaking, g_hash_table_unref);
  g_clear_pointer (&self->per_address, g_hash_table_unref);
  clear_accept_retry (self);
  g_queue_clear_full (&self->pending, g_object_unref);
  g_queue_clear_full (&self->held, held_free);
  g_clear_pointer (&self->own_listeners, g_ptr_array_unref);
  {
    GTask *task;

    while ((task = g_queue_pop_head (&self->accept_tasks)) != NULL)
      {
        g_task_set_task_data (task, NULL, NULL);
        g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CLOSED, "%s", _("The server was closed"));
        g_object_unref (task);
      }
  }

  G_OBJECT_CLASS (qssl_server_parent_class)->dispose (object);
}

static void
qssl_server_finalize (GObject *object)
{
  QsslServer *self = QSSL_SERVER (object);

  g_clear_pointer (&self->configuration, qssl_configuration_free);
  g_clear_pointer (&self->accept_retry, _qssl_timer_free);
  g_clear_pointer (&self->drop_call, _qssl_deferred_free);
  g_clear_pointer (&self->dropped, g_ptr_array_unref);
  g_clear_pointer (&self->hosts, _qssl_host_table_unref);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_object (&self->address);

  G_OBJECT_CLASS (qssl_server_parent_class)->finalize (object);
}

static void
qssl_server_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  QsslServer *self = QSSL_SERVER (object);

  switch (prop_id)
    {
    case PROP_REUSE_PORT:
      g_value_set_boolean (value, self->reuse_port);
      break;
    case PROP_PROXY_PROTOCOL:
      g_value_set_boolean (value, self->proxy_protocol);
      break;
    case PROP_MAX_HANDSHAKES:
      g_value_set_int (value, self->max_handshakes);
      break;
    case PROP_MAX_HANDSHAKES_PER_ADDRESS:
      g_value_set_int (value, self->max_handshakes_per_address);
      break;
    case PROP_IDLE_TIMEOUT:
      g_value_set_int (value, self->idle_timeout);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
qssl_server_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  QsslServer *self = QSSL_SERVER (object);

  switch (prop_id)
    {
    case PROP_REUSE_PORT:
      qssl_server_set_reuse_port (self, g_value_get_boolean (value));
      break;
    case PROP_PROXY_PROTOCOL:
      qssl_server_set_proxy_protocol (self, g_value_get_boolean (value));
      break;
    case PROP_MAX_HANDSHAKES:
      qssl_server_set_max_handshakes (self, g_value_get_int (value));
      break;
    case PROP_MAX_HANDSHAKES_PER_ADDRESS:
      qssl_server_set_max_handshakes_per_address (self, g_value_get_int (value));
      break;
    case PROP_IDLE_TIMEOUT:
      qssl_server_set_idle_timeout (self, g_value_get_int (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
install_admission_properties (GObjectClass *object_class)
{
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  /**
   * QsslServer:max-handshakes:
   *
   * The most handshakes in flight (accepted, not yet encrypted); 0 for no
   * limit. At the limit, the oldest handshake is dropped (error-occurred
   * with %QSSL_SOCKET_ERROR_SOCKET_RESOURCE) to admit the newcomer, so
   * peers that connect and stay silent cannot lock healthy clients out.
   * 1024 by default. Separate from
   * [method@Qssl.Server.set_max_pending_connections], which limits only the
   * queue of encrypted sockets waiting to be taken.
   *
   * libqssl only.
   *
   * Since: 1.0
   */
  properties[PROP_MAX_HANDSHAKES] =
    g_param_spec_int ("max-handshakes", NULL, NULL, 0, G_MAXINT, QSSL_SERVER_DEFAULT_MAX_HANDSHAKES, rw);
  /**
   * QsslServer:max-handshakes-per-address:
   *
   * The most handshakes in flight from one IP address; a connection beyond
   * it is closed as soon as it is accepted, before any TLS state is made.
   * 0 (the default) for no limit: clients behind one NAT share an
   * address. Applies to connections accepted from now on.
   *
   * libqssl only.
   *
   * Since: 1.0
   */
  properties[PROP_MAX_HANDSHAKES_PER_ADDRESS] =
    g_param_spec_int ("max-handshakes-per-address", NULL, NULL, 0, G_MAXINT, 0, rw);
  /**
   * QsslServer:idle-timeout:
   *
   * The [property@Qssl.Socket:idle-timeout] every socket the server hands
   * out gets, in milliseconds; 0 (the default) for none.
   *
   * libqssl only.
   *
   * Since: 1.0
   */
  properties[PROP_IDLE_TIMEOUT] = g_param_spec_int ("idle-timeout", NULL, NULL, 0, G_MAXINT, 0, rw);
}

static void
qssl_server_class_init (QsslServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = qssl_server_dispose;
  object_class->finalize = qssl_server_finalize;
  object_class->get_property = qssl_server_get_property;
  object_class->set_property = qssl_server_set_property;
  install_admission_properties (object_class);
  G_SOCKET_SERVICE_CLASS (klass)->incoming = qssl_server_incoming;
  G_SOCKET_LISTENER_CLASS (klass)->changed = qssl_server_changed;

  /**
   * QsslServer:reuse-port:
   *
   * Whether the sockets that [method@Qssl.Server.listen] creates get
   * `SO_REUSEPORT` before they are bound, so that several processes (or
   * several servers) can listen on one port and the kernel spreads the
   * connections over them. Every socket on the port must have it, and all
   * must belong to one user. Changing it while listening applies to the
   * next [method@Qssl.Server.listen].
   *
   * libqssl only.
   *
   * Since: 1.0
   */
  properties[PROP_REUSE_PORT] =
    g_param_spec_boolean ("reuse-port", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * QsslServer:proxy-protocol:
   *
   * Whether every accepted connection starts with a PROXY protocol header
   * (HAProxy's, version 1 or 2), as a load balancer in front of the server
   * sends with `send-proxy` or `send-proxy-v2`. The header is read before
   * the ClientHello, within the handshake timeout, and the socket's
   * [method@Qssl.Socket.get_peer_address], [method@Qssl.Socket.get_peer_port]
   * and [method@Qssl.Socket.get_peer_name] are then the original client's
   * (a v1 `UNKNOWN`, a v2 `LOCAL` or an unspecified family keeps the
   * connection's own peer). g_socket_connection_get_remote_address() on the
   * socket still returns the balancer's address.
   *
   * A connection whose header is missing, malformed or longer than the
   * protocol allows (107 bytes for version 1; 4096 bytes of addresses and
   * TLVs for version 2) is closed, with [signal@Qssl.Server::error-occurred]
   * and %QSSL_SOCKET_ERROR_PROXY_PROTOCOL; one that closes before the end
   * of its header gives %QSSL_SOCKET_ERROR_REMOTE_HOST_CLOSED. The server
   * goes on accepting. Only enable it when every client comes through the
   * balancer: anybody who can connect directly can claim any address.
   *
   * Applies to connections accepted from then on.
   *
   * libqssl only.
   *
   * Since: 1.0
   */
  properties[PROP_PROXY_PROTOCOL] =
    g_param_spec_boolean ("proxy-protocol", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * QsslServer::new-connection:
   * @self: the server
   *
   * An encrypted connection is waiting. Mirrors `QTcpServer::newConnection()`.
   */
  signals[SIGNAL_NEW_CONNECTION] = g_signal_new ("new-connection", G_TYPE_FROM_CLASS (klass),
                                                 G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /**
   * QsslServer::pending-connection-available:
   * @self: the server
   *
   * Mirrors `QTcpServer::pendingConnectionAvailable()`.
   */
  signals[SIGNAL_PENDING_CONNECTION_AVAILABLE] = g_signal_new ("pending-connection-available",
                                                               G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                                               0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /**
   * QsslServer::started-encryption-handshake:
   * @self: the server
   * @socket: the accepted socket
   *
   * The client's first TLS record has arrived and the socket's handshake
   * begins (unlike Qt's, not at the accept: until then a connection has no
   * socket, so that silent clients cost little; see #QsslServer). A
   * connection dropped before its first record is reported by
   * #QsslServer::error-occurred with a socket made for the report, never
   * by this signal.
   *
   * Mirrors `QSslServer::startedEncryptionHandshake()`.
   */
  signals[SIGNAL_STARTED_ENCRYPTION_HANDSHAKE] = g_signal_new ("started-encryption-handshake",
                                                               G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                                               0, NULL, NULL, NULL, G_TYPE_NONE, 1,
                                                               QSSL_TYPE_SOCKET);
  /**
   * QsslServer::ssl-errors:
   * @self: the server
   * @socket: the socket whose handshake found problems
   * @errors: (element-type QsslError): the problems
   *
   * Calling qssl_socket_ignore_ssl_errors() on @socket here lets its
   * handshake go on. Mirrors `QSslServer::sslErrors()`.
   */
  signals[SIGNAL_SSL_ERRORS] = g_signal_new ("ssl-errors", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                             0, NULL, NULL, NULL, G_TYPE_NONE, 2, QSSL_TYPE_SOCKET,
                                             G_TYPE_PTR_ARRAY);
  /**
   * QsslServer::peer-verify-error:
   * @self: the server
   * @socket: the socket
   * @error: one problem
   *
   * Mirrors `QSslServer::peerVerifyError()`.
   */
  signals[SIGNAL_PEER_VERIFY_ERROR] = g_signal_new ("peer-verify-error", G_TYPE_FROM_CLASS (klass),
                                                    G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                                                    QSSL_TYPE_SOCKET,
                                                    QSSL_TYPE_ERROR | G_SIGNAL_TYPE_STATIC_SCOPE);
  /**
   * QsslServer::error-occurred:
   * @self: the server
   * @socket: the socket that failed before it was encrypted
   * @error: what went wrong (%QSSL_SOCKET_ERROR_SOCKET_TIMEOUT for a
   *   client that did not finish its handshake in time)
   *
   * Mirrors `QSslServer::errorOccurred()`.
   */
  signals[SIGNAL_ERROR_OCCURRED] = g_signal_new ("error-occurred", G_TYPE_FROM_CLASS (klass),
                                                 G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                                                 QSSL_TYPE_SOCKET, QSSL_TYPE_SOCKET_ERROR);
  /**
   * QsslServer::pre-shared-key-authentication-required:
   * @self: the server
   * @socket: the socket
   * @authenticator: set the key for the client's identity
   *
   * The server offers pre-shared-key cipher suites only to connections
   * that arrive while this signal has a handler.
   *
   * Mirrors `QSslServer::preSharedKeyAuthenticationRequired()`.
   */
  signals[SIGNAL_PRE_SHARED_KEY_AUTHENTICATION_REQUIRED] =
    g_signal_new ("pre-shared-key-authentication-required", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, QSSL_TYPE_SOCKET, QSSL_TYPE_PRE_SHARED_KEY_AUTHENTICATOR);
  /**
   * QsslServer::alert-sent:
   * @self: the server
   * @socket: the socket
   * @level: the alert level
   * @type: the alert
   * @description: OpenSSL's description
   *
   * Mirrors `QSslServer::alertSent()`.
   */
  signals[SIGNAL_ALERT_SENT] = g_signal_new ("alert-sent", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                             0, NULL, NULL, NULL, G_TYPE_NONE, 4, QSSL_TYPE_SOCKET,
                                             QSSL_TYPE_ALERT_LEVEL, QSSL_TYPE_ALERT_TYPE, G_TYPE_STRING);
  /**
   * QsslServer::alert-received:
   * @self: the server
   * @socket: the socket
   * @level: the alert level
   * @type: the alert
   * @description: OpenSSL's description
   *
   * Mirrors `QSslServer::alertReceived()`.
   */
  signals[SIGNAL_ALERT_RECEIVED] = g_signal_new ("alert-received", G_TYPE_FROM_CLASS (klass),
                                                 G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 4,
                                                 QSSL_TYPE_SOCKET, QSSL_TYPE_ALERT_LEVEL,
                                                 QSSL_TYPE_ALERT_TYPE, G_TYPE_STRING);
  /**
   * QsslServer::handshake-interrupted-on-error:
   * @self: the server
   * @socket: the socket
   * @error: the problem
   *
   * Mirrors `QSslServer::handshakeInterruptedOnError()`.
   */
  signals[SIGNAL_HANDSHAKE_INTERRUPTED_ON_ERROR] =
    g_signal_new ("handshake-interrupted-on-error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, QSSL_TYPE_SOCKET,
                  QSSL_TYPE_ERROR | G_SIGNAL_TYPE_STATIC_SCOPE);

  /**
   * QsslServer::accept-error:
   * @self: the server
   * @error: what went wrong, for example
   *   %QSSL_SOCKET_ERROR_SOCKET_RESOURCE when the process is out of file
   *   descriptors
   * @message: the system's description of the failure
   *
   * Accepting a connection failed. Unlike Qt's, the server does not stay
   * paused: it tries again after 10 ms, then after twice as long each time
   * it fails again, up to 1 s; this signal comes for each failure.
   * Connections wait in the kernel's queue meanwhile. Out of file
   * descriptors with handshakes in flight, it drops the oldest handshake
   * (see #QsslServer:max-handshakes) and tries again at once instead. A
   * handler may call [method@Qssl.Server.pause_accepting] to wait for
   * [method@Qssl.Server.resume_accepting], as with Qt.
   *
   * Mirrors `QTcpServer::acceptError()`; @message is what
   * `QTcpServer::errorString()` would return.
   *
   * Since: 1.0
   */
  signals[SIGNAL_ACCEPT_ERROR] = g_signal_new ("accept-error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                               0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                                               QSSL_TYPE_SOCKET_ERROR, G_TYPE_STRING);
}

static void
qssl_server_init (QsslServer *self)
{
  _qssl_init ();
  self->configuration = qssl_configuration_get_default ();
  self->handshake_timeout = 5000;
  self->max_pending = 30;
  self->context = g_main_context_ref_thread_default ();
  /* Lives as long as the server: it also keeps the context's shared timer
   * source between handshakes, which would otherwise go and come back with
   * each one. */
  self->accept_retry = _qssl_timer_new (self->context, on_accept_retry, self);
  self->dropped = g_ptr_array_new_with_free_func (g_object_unref);
  self->drop_call = _qssl_deferred_new (self->context, release_dropped, self);
  self->own_listeners = g_ptr_array_new_with_free_func (listener_free);
#ifdef __linux__
  self->own_accept = TRUE;
#endif
  g_signal_connect (self, "event", G_CALLBACK (on_listener_event), self);
  self->handshaking = g_hash_table_new (g_direct_hash, g_direct_equal);
  self->per_address = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->max_handshakes = QSSL_SERVER_DEFAULT_MAX_HANDSHAKES;
}

/**
 * qssl_server_new:
 *
 * A server with a copy of the default configuration (set a local
 * certificate and key with [method@Qssl.Server.set_ssl_configuration]).
 *
 * Mirrors `QSslServer::QSslServer()`.
 *
 * Returns: (transfer full): a new server
 *
 * Since: 1.0
 */
QsslServer *
qssl_server_new (void)
{
  return g_object_new (QSSL_TYPE_SERVER, NULL);
}

/* A socket listening on @address (NULL: any of @family) and @port, with
 * SO_REUSEPORT set before the bind, which is why it is made here rather
 * than by GSocketListener. */
static GSocket *
reuse_port_socket (GSocketFamily   family,
                   GInetAddress   *address,
                   guint16         port,
                   GError        **error)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GInetAddress) any = NULL;
  g_autoptr(GSocketAddress) bind_address = NULL;

  socket = g_socket_new (family, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, error);
  if (socket == NULL)
    return NULL;
  /* SO_REUSEADDR as on GSocketListener's own sockets. */
  if (!g_socket_set_option (socket, SOL_SOCKET, SO_REUSEADDR, 1, error) ||
      !g_socket_set_option (socket, SOL_SOCKET, SO_REUSEPORT, 1, error))
    return NULL;
  if (address == NULL)
    address = any = g_inet_address_new_any (family);
  bind_address = g_inet_socket_address_new (address, port);
  /* bind(2) itself: g_socket_bind() clears SO_REUSEPORT on TCP sockets. */
  {
    struct sockaddr_storage native;
    gsize length = g_socket_address_get_native_size (bind_address);

    if (!g_socket_address_to_native (bind_address, &native, sizeof native, error))
      return NULL;
    if (bind (g_socket_get_fd (socket), (struct sockaddr *) &native, length) != 0)
      {
        int saved = errno;
        g_autofree char *text = g_inet_address_to_string (address);

        g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), _("Error binding to address %s port %u: %s"),
                     text, port, g_strerror (saved));
        return NULL;
      }
  }
  g_socket_set_listen_backlog (socket, SOMAXCONN);
  if (!g_socket_listen (socket, error))
    return NULL;
  return g_steal_pointer (&socket);
}

static guint16
local_port (GSocket *socket)
{
  g_autoptr(GSocketAddress) local = g_socket_get_local_address (socket, NULL);

  return G_IS_INET_SOCKET_ADDRESS (local) ? g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local)) : 0;
}

/* Adds a socket the server made or was given, and accepts on it itself. */
static gboolean
add_listening_socket (QsslServer  *self,
                      GSocket     *socket,
                      GError     **error)
{
  /* Known before GSocketListener's changed() asks to start accepting. */
  add_own_listener (self, socket);
  if (!g_socket_listener_add_socket (G_SOCKET_LISTENER (self), socket, NULL, error))
    {
      g_ptr_array_remove_index (self->own_listeners, self->own_listeners->len - 1);
      return FALSE;
    }
  return TRUE;
}

/* listen() with reuse-port: what g_socket_listener_add_inet_port() and
 * add_address() do, on sockets of our own. With no address, an IPv6
 * socket that also takes IPv4 (or, on a host without IPv6, an IPv4 one;
 * or both when the IPv6 one is IPv6-only). Returns the port, 0 on error. */
static guint16
listen_reusing_port (QsslServer    *self,
                     GInetAddress  *address,
                     guint16        port,
                     GError       **error)
{
  g_autoptr(GSocket) socket6 = NULL;
  g_autoptr(GSocket) socket4 = NULL;
  g_autoptr(GError) error6 = NULL;

  if (address != NULL)
    {
      g_autoptr(GSocket) socket = reuse_port_socket (g_inet_address_get_family (address), address, port, error);

      if (socket == NULL || !add_listening_socket (self, socket, error))
        return 0;
      return local_port (socket);
    }
  socket6 = reuse_port_socket (G_SOCKET_FAMILY_IPV6, NULL, port, &error6);
  if (socket6 == NULL && g_error_matches (error6, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE))
    {
      g_propagate_error (error, g_steal_pointer (&error6));
      return 0;
    }
  if (socket6 != NULL)
    {
      port = local_port (socket6);
      if (g_socket_speaks_ipv4 (socket6))
        return add_listening_socket (self, socket6, error) ? port : 0;
    }
  socket4 = reuse_port_socket (G_SOCKET_FAMILY_IPV4, NULL, port, error);
  if (socket4 == NULL)
    return 0;
  port = local_port (socket4);
  if (socket6 != NULL && !add_listening_socket (self, socket6, error))
    return 0;
  return add_listening_socket (self, socket4, error) ? port : 0;
}

/**
 * qssl_server_listen:
 * @self: a #QsslServer
 * @address: (nullable): the address to listen on, or %NULL for every address
 *   of both IPv4 and IPv6
 * @port: the port, or 0 to pick a free one
 * @error: return location for a #GError
 *
 * Starts listening and accepting.
 *
 * With [property@Qssl.Server:reuse-port] the listening sockets are the
 * server's own, with `SO_REUSEPORT`, and other processes may listen on the
 * same port.
 *
 * The server's [struct@Qssl.Configuration] is checked first: when no
 * handshake could succeed with it (for example a private key that does not
 * belong to the local certificate) the server does not listen and @error is
 * %QSSL_SOCKET_ERROR_SSL_INVALID_USER_DATA.
 *
 * Mirrors `QTcpServer::listen()`.
 *
 * Returns: %TRUE on success; %FALSE with %QSSL_SOCKET_ERROR_OPERATION when
 *   the server is already listening, or with GIO's error when the address
 *   cannot be bound
 *
 * Since: 1.0
 */
gboolean
qssl_server_listen (QsslServer    *self,
                    GInetAddress  *address,
                    guint16        port,
                    GError       **error)
{
  GSocketListener *listener = G_SOCKET_LISTENER (self);

  g_return_val_if_fail (QSSL_IS_SERVER (self), FALSE);

  /* As QTcpServer::listen(), which refuses ("called when already
   * listening") rather than adding a second port. */
  if (self->listening)
    {
      g_set_error_literal (error, QSSL_SOCKET_ERROR, QSSL_SOCKET_ERROR_OPERATION,
                           _("The server is already listening"));
      return FALSE;
    }

  /* Connections beyond max_pending wait in the kernel's queue: make it deep
   * enough that a burst of clients is queued rather than dropped (GLib's
   * default is 10; set here because construction resets it). */
  g_socket_listener_set_backlog (listener, SOMAXCONN);

  /* A server that cannot do a handshake would accept every client only to
   * reset it: refuse to listen instead (not checked by Qt). */
  if (!_qssl_engine_check_configuration (self->configuration, QSSL_MODE_SSL_SERVER, error))
    return FALSE;

  self->adding_own = TRUE;
  if (self->reuse_port)
    port = listen_reusing_port (self, address, port, error);
  else if (address == NULL)
    {
      if (port == 0)
        port = g_socket_listener_add_any_inet_port (listener, NULL, error);
      else if (!g_socket_listener_add_inet_port (listener, port, NULL, error))
        port = 0;
    }
  else
    {
      g_autoptr(GSocketAddress) socket_address = g_inet_socket_address_new (address, port);
      g_autoptr(GSocketAddress) effective = NULL;

      if (g_socket_listener_add_address (listener, socket_address, G_SOCKET_TYPE_STREAM,
                                         G_SOCKET_PROTOCOL_TCP, NULL, &effective, error))
        port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
      else
        port = 0;
    }
  self->adding_own = FALSE;
  if (port == 0)
    return FALSE;
  self->port = port;
  g_set_object (&self->address, address);
  self->listening = TRUE;
  update_accepting (self);
  return TRUE;
}

/**
 * qssl_server_is_listening:
 * @self: a #QsslServer
 *
 * Mirrors `QTcpServer::isListening()`.
 *
 * Returns: %TRUE while listening
 *
 * Since: 1.0
 */
gboolean
qssl_server_is_listening (QsslServer *self)
{
  g_return_val_if_fail (QSSL_IS_SERVER (self), FALSE);

  return self->listening;
}

/**
 * qssl_server_get_server_port:
 * @self: a #QsslServer
 *
 * The port the server listens on (the one picked when 0 was asked for).
 *
 * Mirrors `QTcpServer::serverPort()`.
 *
 * Returns: the port, or 0 when not listening
 *
 * Since: 1.0
 */
guint16
qssl_server_get_server_port (QsslServer *self)
{
  g_return_val_if_fail (QSSL_IS_SERVER (self), 0);

  return self->listening ? self->port : 0;
}

/**
 * qssl_server_get_server_address:
 * @self: a #QsslServer
 *
 * The address given to [method@Qssl.Server.listen]; the IPv6 "any" address
 * (which also accepts IPv4) when it was %NULL.
 *
 * Mirrors `QTcpServer::serverAddress()`.
 *
 * Returns: (transfer full) (nullable): the address, or %NULL when not listening
 *
 * Since: 1.0
 */
GInetAddress *
qssl_server_get_server_address (QsslServer *self)
{
  g_return_val_if_fail (QSSL_IS_SERVER (self), NULL);

  if (!self->listening)
    return NULL;
  return self->address ? g_object_ref (self->address) : g_inet_address_new_any (G_SOCKET_FAMILY_IPV6);
}

/**
 * qssl_server_close:
 * @self: a #QsslServer
 *
 * Stops listening. Encrypted sockets already queued stay available; those
 * still handshaking are dropped.
 *
 * Mirrors `QTcpServer::close()`.
 *
 * Since: 1.0
 */
void
qssl_server_close (QsslServer *self)
{

  g_return_if_fail (QSSL_IS_SERVER (self));

  self->listening = FALSE;
  /* Closed before the accept is cancelled, so that the cancellation has
   * nothing left to accept. Held connections go with the backlog. */
  stop_accepting (self);
  forget_listeners (self);
  g_socket_listener_close (G_SOCKET_LISTENER (self));
  stop_accepting (self);
  clear_accept_retry (self);
  self->accept_backoff = 0;
  g_queue_clear_full (&self->held, held_free);
  abort_handshakes (self);
}

/**
 * qssl_server_get_ssl_configuration:
 * @self: a #QsslServer
 *
 * Mirrors `QSslServer::sslConfiguration()`.
 *
 * Returns: (transfer full): a copy of the configuration new sockets get
 *
 * Since: 1.0
 */
QsslConfiguration *
qssl_server_get_ssl_configuration (QsslServer *self)
{
  g_return_val_if_fail (QSSL_IS_SERVER (self), NULL);

  return qssl_configuration_copy (self->configuration);
}

/**
 * qssl_server_set_ssl_configuration:
 * @self: a #QsslServer
 * @configuration: the configuration for connections accepted from now on
 *
 * Sets the configuration of the handshakes that start from now on, also
 * while the server is listening: this is how a server reloads its
 * certificate and key. Established connections and handshakes in flight
 * keep the configuration they started with. Unlike
 * [method@Qssl.Server.listen], this does not check @configuration: a
 * configuration that cannot do a handshake fails each handshake with
 * %QSSL_SOCKET_ERROR_SSL_INVALID_USER_DATA (reported by
 * [signal@Qssl.Server::error-occurred]).
 *
 * Mirrors `QSslServer::setSslConfiguration()`.
 *
 * Since: 1.0
 */
void
qssl_server_set_ssl_configuration (QsslServer              *self,
                                   const QsslConfiguration *configuration)
{
  g_return_if_fail (QSSL_IS_SERVER (self));
  g_return_if_fail (configuration != NULL);

  /* Connections accepted before keep what they were accepted with (their
   * ClientHello may not be in yet); copied only now, at a reload. */
  for (GList *l = self->handshake_order.head; l != NULL; l = l->next)
    {
      Handshake *handshake = l->data;

      if (handshake->socket == NULL && handshake->configuration == NULL)
        handshake->configuration = qssl_configuration_copy (self->configuration);
    }
  qssl_configuration_free (self->configuration);
  self->configuration = qssl_configuration_copy (configuration);
}

/**
 * qssl_server_set_host_configuration:
 * @self: a #QsslServer
 * @host_name: a host name such as `www.example.org`, or a wildcard pattern
 *   such as `*.example.org`
 * @configuration: the configuration for clients that ask for @host_name
 *
 * Serves a virtual host: a client that sends @host_name as its server name
 * (SNI) gets a handshake with @configuration instead of the server's own
 * (see [method@Qssl.Server.set_ssl_configuration]). The host is chosen
 * from the ClientHello before the server sends anything, and its
 * certificate, key and chain, CA certificates, verify mode and depth, ALPN
 * protocols, ciphers, protocol range, OCSP response and pre-shared key
 * identity hint apply; the accepted socket's
 * [method@Qssl.Socket.get_ssl_configuration] is then @configuration (with
 * the session's state), and [method@Qssl.Socket.get_requested_server_name]
 * the name the client sent.
 *
 * Names compare without regard to ASCII case or a trailing dot. A pattern
 * `*.example.org` matches exactly one more label, as in certificates:
 * `www.example.org` but neither `example.org` nor `a.b.example.org`. An
 * exact name wins over a pattern. A client that sends no name, or a name
 * no host matches, gets the server's own configuration. Setting a name
 * again replaces its configuration.
 *
 * Some settings are the server's, whatever the host: the session-ticket
 * keys (as in nginx: set them on the server's own configuration), the
 * elliptic curves when the host's configuration leaves them at the default,
 * and the server's signals and limits. Sessions never resume across hosts:
 * each host has a session ID context of its own, so a ticket or session ID
 * that a client got from one host is a full handshake on another.
 *
 * Changes apply from the next handshake on; established connections and
 * handshakes in flight keep what they started with. @configuration is not
 * checked here: when it cannot do a handshake (a key that does not belong
 * to its certificate, say), its clients' handshakes fail with
 * %QSSL_SOCKET_ERROR_SSL_INVALID_USER_DATA.
 *
 * libqssl only.
 *
 * Since: 1.0
 */
void
qssl_server_set_host_configuration (QsslServer              *self,
                                    const char              *host_name,
                                    const QsslConfiguration *configuration)
{
  g_autofree char *key = NULL;
  QsslHostTable *hosts;

  g_return_if_fail (QSSL_IS_SERVER (self));
  g_return_if_fail (host_name != NULL);
  g_return_if_fail (configuration != NULL);
  key = _qssl_host_name_normalize (host_name);
  g_return_if_fail (key != NULL);

  hosts = _qssl_host_table_with (self->hosts, key, configuration);
  g_clear_pointer (&self->hosts, _qssl_host_table_unref);
  self->hosts = hosts;
}

/**
 * qssl_server_remove_host_configuration:
 * @self: a #QsslServer
 * @host_name: a name given to [method@Qssl.Server.set_host_configuration]
 *   (compared the same way)
 *
 * Stops serving a virtual host: from the next handshake on, its clients
 * get the server's own configuration (or a wildcard pattern that matches
 * them). Nothing happens when @host_name is not a host of the server.
 *
 * libqssl only.
 *
 * Since: 1.0
 */
void
qssl_server_remove_host_configuration (QsslServer *self,
                                       const char *host_name)
{
  g_autofree char *key = NULL;
  QsslHostTable *hosts;

  g_return_if_fail (QSSL_IS_SERVER (self));
  g_return_if_fail (host_name != NULL);
  key = _qssl_host_name_normalize (host_name);
  g_return_if_fail (key != NULL);

  if (self->hosts == NULL)
    return;
  hosts = _qssl_host_table_with (self->hosts, key, NULL);
  g_clear_pointer (&self->hosts, _qssl_host_table_unref);
  self->hosts = hosts;
}

/**
 * qssl_server_get_handshake_timeout:
 * @self: a #QsslServer
 *
 * Mirrors `QSslServer::handshakeTimeout()`.
 *
 * Returns: the timeout in milliseconds
 *
 * Since: 1.0
 */
int
qssl_server_get_handshake_timeout (QsslServer *self)
{
  g_return_val_if_fail (QSSL_IS_SERVER (self), 0);

  return self->handshake_timeout;
}

/**
 * qssl_server_set_handshake_timeout:
 * @self: a #QsslServer
 * @msecs: how long a client may take to finish its handshake (default 5000)
 *
 * Applies to connections accepted from now on.
 *
 * Mirrors `QSslServer::setHandshakeTimeout()`.
 *
 * Since: 1.0
 */
void
qssl_server_set_handshake_timeout (QsslServer *self,
                                   int         msecs)
{
  g_return_if_fail (QSSL_IS_SERVER (self));
  g_return_if_fail (msecs >= 0);

  self->handshake_timeout = msecs;
}

/**
 * qssl_server_has_pending_connections:
 * @self: a #QsslServer
 *
 * Mirrors `QTcpServer::hasPendingConnections()`.
 *
 * Returns: %TRUE if an encrypted socket is waiting
 *
 * Since: 1.0
 */
gboolean
qssl_server_has_pending_connections (QsslServer *self)
{
  g_return_val_if_fail (QSSL_IS_SERVER (self), FALSE);

  return !g_queue_is_empty (&self->pending);
}

/**
 * qssl_server_next_pending_connection:
 * @self: a #QsslServer
 *
 * Takes the next encrypted socket, in the order their handshakes finished.
 *
 * Mirrors `QTcpServer::nextPendingConnection()`.
 *
 * Returns: (transfer full) (nullable): the socket, or %NULL
 *
 * Since: 1.0
 */
QsslSocket *
qssl_server_next_pending_connection (QsslServer *self)
{
  QsslSocket *socket;

  g_return_val_if_fail (QSSL_IS_SERVER (self), NULL);

  socket = g_queue_pop_head (&self->pending);
  update_accepting (self);
  return socket;
}

/**
 * qssl_server_pause_accepting:
 * @self: a #QsslServer
 *
 * Stops accepting; new connections wait in the kernel's backlog (one the
 * server had already taken waits with the server, its handshake not begun).
 * None is dropped: all get in after [method@Qssl.Server.resume_accepting].
 *
 * Mirrors `QTcpServer::pauseAccepting()`.
 *
 * Since: 1.0
 */
void
qssl_server_pause_accepting (QsslServer *self)
{
  g_return_if_fail (QSSL_IS_SERVER (self));

  self->paused = TRUE;
  update_accepting (self);
}

/**
 * qssl_server_resume_accepting:
 * @self: a #QsslServer
 *
 * Mirrors `QTcpServer::resumeAccepting()`.
 *
 * Since: 1.0
 */
void
qssl_server_resume_accepting (QsslServer *self)
{
  g_return_if_fail (QSSL_IS_SERVER (self));

  self->paused = FALSE;
  update_accepting (self);
}

/**
 * qssl_server_get_max_pending_connections:
 * @self: a #QsslServer
 *
 * Mirrors `QTcpServer::maxPendingConnections()`.
 *
 * Returns: the limit (encrypted sockets waiting to be taken; 0 for none)
 *
 * Since: 1.0
 */
int
qssl_server_get_max_pending_connections (QsslServer *self)
{
  g_return_val_if_fail (QSSL_IS_SERVER (self), 0);

  return self->max_pending;
}

/**
 * qssl_server_set_max_pending_connections:
 * @self: a #QsslServer
 * @max: the most encrypted sockets waiting to be taken (default 30, 0 for
 *   no limit); while the queue is full the server stops accepting and new
 *   connections wait in the kernel's backlog. Handshakes in flight do not
 *   count (they have #QsslServer:max-handshakes); those that finish while
 *   the queue is full are still queued.
 *
 * Mirrors `QTcpServer::setMaxPendingConnections()`.
 *
 * Since: 1.0
 */
void
qssl_server_set_max_pending_connections (QsslServer *self,
                                         int         max)
{
  g_return_if_fail (QSSL_IS_SERVER (self));
  g_return_if_fail (max >= 0);

  self->max_pending = max;
  update_accepting (self);
}

/**
 * qssl_server_wait_for_new_connection:
 * @self: a #QsslServer
 * @msecs: the timeout in milliseconds, -1 for none
 * @timed_out: (out) (optional): set to whether the time ran out
 * @error: return location for a #GError
 *
 * Blocks until an encrypted connection is pending, running the server's
 * main context (its accepts and handshakes) without a main loop.
 *
 * A server that is not listening (and has no connection queued) fails at
 * once with %QSSL_SOCKET_ERROR_OPERATION, whatever @msecs.
 *
 * Mirrors `QTcpServer::waitForNewConnection()`.
 *
 * Returns: %TRUE when a connection is pending
 *
 * Since: 1.0
 */
gboolean
qssl_server_wait_for_new_connection (QsslServer  *self,
                                     int          msecs,
                                     gboolean    *timed_out,
                                     GError     **error)
{
  gint64 deadline = msecs < 0 ? -1 : g_get_monotonic_time () + (gint64) msecs * 1000;

  g_return_val_if_fail (QSSL_IS_SERVER (self), FALSE);

  if (timed_out != NULL)
    *timed_out = FALSE;
  if (!g_main_context_acquire (self->context))
    {
      g_set_error_literal (error, QSSL_SOCKET_ERROR, QSSL_SOCKET_ERROR_OPERATION,
                           _("The server's main context is in use by another thread"));
      return FALSE;
    }
  while (g_queue_is_empty (&self->pending))
    {
      gint64 remaining = deadline < 0 ? -1 : deadline - g_get_monotonic_time ();

      /* Nothing can come (never listened, closed, or closed by a handler
       * meanwhile): as Qt, fail at once rather than wait out the time. */
      if (!self->listening)
        {
          g_main_context_release (self->context);
          g_set_error_literal (error, QSSL_SOCKET_ERROR, QSSL_SOCKET_ERROR_OPERATION,
                               _("The server is not listening"));
          return FALSE;
        }
      if (deadline >= 0 && remaining <= 0)
        {
          g_main_context_release (self->context);
          if (timed_out != NULL)
            *timed_out = TRUE;
          g_set_error_literal (error, QSSL_SOCKET_ERROR, QSSL_SOCKET_ERROR_SOCKET_TIMEOUT,
                               _("Socket operation timed out"));
          return FALSE;
        }
      _qssl_main_context_iterate (self->context, remaining);
    }
  g_main_context_release (self->context);
  return TRUE;
}

static gboolean
on_accept_cancelled (GCancellable *cancellable,
                     gpointer      user_data)
{
  GTask *task = user_data;
  QsslServer *self = g_task_get_source_object (task);

  /* Only a task still waiting is finished here; the socket it would have
   * received stays queued for the next caller. */
  if (g_queue_remove (&self->accept_tasks, task))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "%s", _("Operation was cancelled"));
      g_object_unref (task);
    }
  return G_SOURCE_REMOVE;
}

/**
 * qssl_server_accept_async:
 * @self: a #QsslServer
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the next encrypted socket
 * @user_data: data for @callback
 *
 * The next encrypted connection, as a GIO asynchronous call. @cancellable
 * may be cancelled from any thread; the cancellation is handled, and
 * @callback runs, on the server's main context.
 *
 * libqssl addition (GIO style of `QTcpServer::nextPendingConnection()`).
 *
 * Since: 1.0
 */
void
qssl_server_accept_async (QsslServer          *self,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (QSSL_IS_SERVER (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, qssl_server_accept_async);
  /* A socket handed to the task is delivered even if a cancellation follows
   * before the callback runs: dropping it would lose the connection. */
  g_task_set_check_cancellable (task, FALSE);
  if (!g_queue_is_empty (&self->pending))
    {
      g_task_return_pointer (task, g_queue_pop_head (&self->pending), g_object_unref);
      g_object_unref (task);
      update_accepting (self);
      return;
    }
  if (g_task_return_error_if_cancelled (task))
    {
      g_object_unref (task);
      return;
    }
  g_queue_push_tail (&self->accept_tasks, task);
  if (cancellable != NULL)
    {
      /* GCancellable::cancelled runs in the cancelling thread; a source
       * brings the cancellation to the server's context instead, where
       * the queue lives. It goes with the task (its task data). */
      GSource *source = g_cancellable_source_new (cancellable);

      g_source_set_callback (source, G_SOURCE_FUNC (on_accept_cancelled), task, NULL);
      g_source_set_static_name (source, "[qssl] accept cancelled");
      g_source_attach (source, self->context);
      g_task_set_task_data (task, source, destroy_source);
    }
}

/**
 * qssl_server_accept_finish:
 * @self: a #QsslServer
 * @result: the result given to the callback
 * @error: return location for a #GError
 *
 * Finishes [method@Qssl.Server.accept_async].
 *
 * Returns: (transfer full): the encrypted socket, or %NULL with @error set
 *
 * Since: 1.0
 */
QsslSocket *
qssl_server_accept_finish (QsslServer    *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * qssl_server_set_reuse_port:
 * @self: a #QsslServer
 * @reuse_port: whether [method@Qssl.Server.listen] sets `SO_REUSEPORT`
 *
 * Sets [property@Qssl.Server:reuse-port]. While listening it applies to the
 * next [method@Qssl.Server.listen].
 *
 * libqssl only.
 *
 * Since: 1.0
 */
void
qssl_server_set_reuse_port (QsslServer *self,
                            gboolean    reuse_port)
{
  g_return_if_fail (QSSL_IS_SERVER (self));

  reuse_port = !!reuse_port;
  if (self->reuse_port == reuse_port)
    return;
  self->reuse_port = reuse_port;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REUSE_PORT]);
}

/**
 * qssl_server_get_reuse_port:
 * @self: a #QsslServer
 *
 * libqssl only.
 *
 * Returns: the value of [property@Qssl.Server:reuse-port]
 *
 * Since: 1.0
 */
gboolean
qssl_server_get_reuse_port (QsslServer *self)
{
  g_return_val_if_fail (QSSL_IS_SERVER (self), FALSE);

  return self->reuse_port;
}

/**
 * qssl_server_set_proxy_protocol:
 * @self: a #QsslServer
 * @proxy_protocol: whether connections start with a PROXY protocol header
 *
 * Sets [property@Qssl.Server:proxy-protocol], for connections accepted from
 * now on.
 *
 * libqssl only.
 *
 * Since: 1.0
 */
void
qssl_server_set_proxy_protocol (QsslServer *self,
                                gboolean    proxy_protocol)
{
  g_return_if_fail (QSSL_IS_SERVER (self));

  proxy_protocol = !!proxy_protocol;
  if (self->proxy_protocol == proxy_protocol)
    return;
  self->proxy_protocol = proxy_protocol;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROXY_PROTOCOL]);
}

/**
 * qssl_server_get_proxy_protocol:
 * @self: a #QsslServer
 *
 * libqssl only.
 *
 * Returns: the value of [property@Qssl.Server:proxy-protocol]
 *
 * Since: 1.0
 */
gboolean
qssl_server_get_proxy_protocol (QsslServer *self)
{
  g_return_val_if_fail (QSSL_IS_SERVER (self), FALSE);

  return self->proxy_protocol;
}

/* systemd's sd_listen_fds(3) protocol: the first passed descriptor. */
#define LISTEN_FDS_START 3

/* The sockets systemd passed, checked as sd_listen_fds() checks them and
 * then some (each must be a listening stream socket), or NULL. */
static GPtrArray *
activated_sockets (GError **error)
{
  const char *pid_text = g_getenv ("LISTEN_PID");
  const char *fds_text = g_getenv ("LISTEN_FDS");
  const char *names_text = g_getenv ("LISTEN_FDNAMES");
  g_autoptr(GPtrArray) sockets = NULL;
  guint64 pid, count;

  if (pid_text == NULL || fds_text == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                           _("No sockets were passed to the process (LISTEN_PID and LISTEN_FDS are not set)"));
      return NULL;
    }
  if (!g_ascii_string_to_unsigned (pid_text, 10, 1, G_MAXINT, &pid, NULL))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("LISTEN_PID “%s” is not a process ID"), pid_text);
      return NULL;
    }
  /* Variables inherited from a parent that was activated are not ours. */
  if ((pid_t) pid != getpid ())
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   _("The sockets in LISTEN_FDS were passed to process %s, not to this one"), pid_text);
      return NULL;
    }
  if (!g_ascii_string_to_unsigned (fds_text, 10, 0, G_MAXINT - LISTEN_FDS_START, &count, NULL))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("LISTEN_FDS “%s” is not a number of sockets"),
                   fds_text);
      return NULL;
    }
  if (count == 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("No sockets were passed to the process"));
      return NULL;
    }
  if (names_text != NULL)
    {
      g_auto(GStrv) names = g_strsplit (names_text, ":", -1);

      if (g_strv_length (names) != count)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       _("LISTEN_FDNAMES names %u sockets, LISTEN_FDS passes %u"),
                       g_strv_length (names), (guint) count);
          return NULL;
        }
    }
  /* All are checked before one is adopted: a GSocket closes its fd. */
  for (int fd = LISTEN_FDS_START; fd < LISTEN_FDS_START + (int) count; fd++)
    {
      int type = 0, listening = 0;
      socklen_t length = sizeof type;

      if (getsockopt (fd, SOL_SOCKET, SO_TYPE, &type, &length) != 0)
        {
          int saved = errno;

          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       _("Descriptor %d from LISTEN_FDS is not a socket: %s"), fd, g_strerror (saved));
          return NULL;
        }
      length = sizeof listening;
      if (type != SOCK_STREAM || getsockopt (fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &length) != 0 ||
          !listening)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       _("Descriptor %d from LISTEN_FDS is not a listening stream socket"), fd);
          return NULL;
        }
    }
  sockets = g_ptr_array_new_with_free_func (g_object_unref);
  for (int fd = LISTEN_FDS_START; fd < LISTEN_FDS_START + (int) count; fd++)
    {
      GSocket *socket;

      /* Not for the programs this process may start. */
      fcntl (fd, F_SETFD, fcntl (fd, F_GETFD) | FD_CLOEXEC);
      socket = g_socket_new_from_fd (fd, error);
      if (socket == NULL)
        return NULL;
      g_ptr_array_add (sockets, socket);
    }
  return g_steal_pointer (&sockets);
}

/**
 * qssl_server_listen_activated:
 * @self: a #QsslServer
 * @error: return location for a #GError
 *
 * Listens on the sockets that the service manager passed to the process:
 * systemd's socket activation (`LISTEN_PID`, `LISTEN_FDS` and
 * `LISTEN_FDNAMES`, descriptors from 3 on), as `sd_listen_fds()` reads it,
 * or any launcher that follows the protocol, such as
 * `systemd-socket-activate`. No libsystemd is needed.
 *
 * The variables must name this process (`LISTEN_PID`) and each descriptor
 * must be a listening stream socket (TCP, or a Unix socket). The
 * descriptors get `FD_CLOEXEC`, and the three variables are removed from
 * the environment whatever they held, as `sd_listen_fds (1)` does, so that
 * processes started later do not take them for theirs (so call it before
 * the process starts threads that read the environment). The server's
 * [method@Qssl.Server.get_server_port] and
 * [method@Qssl.Server.get_server_address] are those of the first TCP socket.
 *
 * The server's [struct@Qssl.Configuration] is checked first, as by
 * [method@Qssl.Server.listen].
 *
 * libqssl only.
 *
 * Returns: %TRUE when the server listens on the passed sockets; %FALSE with
 *   %G_IO_ERROR_NOT_FOUND when none were passed to this process,
 *   %G_IO_ERROR_INVALID_DATA when the variables are malformed,
 *   %G_IO_ERROR_INVALID_ARGUMENT when a descriptor is not a listening stream
 *   socket, or %QSSL_SOCKET_ERROR_OPERATION when already listening
 *
 * Since: 1.0
 */
gboolean
qssl_server_listen_activated (QsslServer  *self,
                              GError     **error)
{
  g_autoptr(GPtrArray) sockets = NULL;

  g_return_val_if_fail (QSSL_IS_SERVER (self), FALSE);

  if (self->listening)
    {
      g_set_error_literal (error, QSSL_SOCKET_ERROR, QSSL_SOCKET_ERROR_OPERATION,
                           _("The server is already listening"));
      return FALSE;
    }
  if (!_qssl_engine_check_configuration (self->configuration, QSSL_MODE_SSL_SERVER, error))
    return FALSE;
  sockets = activated_sockets (error);
  g_unsetenv ("LISTEN_PID");
  g_unsetenv ("LISTEN_FDS");
  g_unsetenv ("LISTEN_FDNAMES");
  if (sockets == NULL)
    return FALSE;

  self->port = 0;
  g_clear_object (&self->address);
  for (guint i = 0; i < sockets->len; i++)
    {
      GSocket *socket = sockets->pdata[i];
      gboolean added;

      self->adding_own = TRUE;
      added = add_listening_socket (self, socket, error);
      self->adding_own = FALSE;
      if (!added)
        {
          g_socket_listener_close (G_SOCKET_LISTENER (self));
          self->listening = FALSE;
          stop_accepting (self);
          forget_listeners (self);
          return FALSE;
        }
      if (self->port == 0 && local_port (socket) != 0)
        {
          g_autoptr(GSocketAddress) local = g_socket_get_local_address (socket, NULL);
          GInetAddress *address = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (local));

          self->port = local_port (socket);
          if (!g_inet_address_get_is_any (address))
            self->address = g_object_ref (address);
        }
    }
  self->listening = TRUE;
  update_accepting (self);
  return TRUE;
}

/**
 * qssl_server_get_max_handshakes:
 * @self: a #QsslServer
 *
 * See #QsslServer:max-handshakes.
 *
 * libqssl only.
 *
 * Returns: the most handshakes in flight, 0 for no limit
 *
 * Since: 1.0
 */
int
qssl_server_get_max_handshakes (QsslServer *self)
{
  g_return_val_if_fail (QSSL_IS_SERVER (self), 0);

  return self->max_handshakes;
}

/**
 * qssl_server_set_max_handshakes:
 * @self: a #QsslServer
 * @max: the most handshakes in flight (default 1024), 0 for no limit
 *
 * See #QsslServer:max-handshakes. Lowering it below the number in flight
 * drops none at once: the oldest go as new connections arrive.
 *
 * libqssl only.
 *
 * Since: 1.0
 */
void
qssl_server_set_max_handshakes (QsslServer *self,
                                int         max)
{
  g_return_if_fail (QSSL_IS_SERVER (self));
  g_return_if_fail (max >= 0);

  if (self->max_handshakes == max)
    return;
  self->max_handshakes = max;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MAX_HANDSHAKES]);
}

/**
 * qssl_server_get_max_handshakes_per_address:
 * @self: a #QsslServer
 *
 * See #QsslServer:max-handshakes-per-address.
 *
 * libqssl only.
 *
 * Returns: the most handshakes in flight from one address, 0 for no limit
 *
 * Since: 1.0
 */
int
qssl_server_get_max_handshakes_per_address (QsslServer *self)
{
  g_return_val_if_fail (QSSL_IS_SERVER (self), 0);

  return self->max_handshakes_per_address;
}

/**
 * qssl_server_set_max_handshakes_per_address:
 * @self: a #QsslServer
 * @max: the most handshakes in flight from one IP address, 0 (the default)
 *   for no limit
 *
 * See #QsslServer:max-handshakes-per-address.
 *
 * libqssl only.
 *
 * Since: 1.0
 */
void
qssl_server_set_max_handshakes_per_address (QsslServer *self,
                                            int         max)
{
  g_return_if_fail (QSSL_IS_SERVER (self));
  g_return_if_fail (max >= 0);

  if (self->max_handshakes_per_address == max)
    return;
  self->max_handshakes_per_address = max;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MAX_HANDSHAKES_PER_ADDRESS]);
}

/**
 * qssl_server_get_idle_timeout:
 * @self: a #QsslServer
 *
 * See #QsslServer:idle-timeout.
 *
 * libqssl only.
 *
 * Returns: the idle timeout of the sockets handed out, in milliseconds
 *   (0: none)
 *
 * Since: 1.0
 */
int
qssl_server_get_idle_timeout (QsslServer *self)
{
  g_return_val_if_fail (QSSL_IS_SERVER (self), 0);

  return self->idle_timeout;
}

/**
 * qssl_server_set_idle_timeout:
 * @self: a #QsslServer
 * @msecs: the [property@Qssl.Socket:idle-timeout] of the sockets handed out
 *   from now on, 0 (the default) for none
 *
 * So that clients which connect and then say nothing cannot hold the
 * server's descriptors: see #QsslServer:idle-timeout.
 *
 * libqssl only.
 *
 * Since: 1.0
 */
void
qssl_server_set_idle_timeout (QsslServer *self,
                              int         msecs)
{
  g_return_if_fail (QSSL_IS_SERVER (self));
  g_return_if_fail (msecs >= 0);

  if (self->idle_timeout == msecs)
    return;
  self->idle_timeout = msecs;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_IDLE_TIMEOUT]);
}
