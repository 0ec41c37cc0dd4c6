/* qssl-server-accept.c: QsslServer's listening sockets and its accept
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * One accept is wanted at a time, while the server listens and is neither
 * paused nor throttled by max-pending (_qssl_server_update_accepting()).
 * On the sockets listen() makes the server accepts itself, with accept4()
 * on the context's shared readiness; on a socket added through
 * GSocketListener's API, GLib accepts. Either way what the accept brings
 * goes through accepted(): a connection to GSocketService's incoming
 * (qssl-server-admission.c), or held while paused; a failure is retried
 * with a backoff. While nobody but the server handles incoming, its own
 * accepts hand the GSocket straight to the admission, without a
 * GTcpConnection made only to be dropped and a signal emitted to nobody.
 * Also here: the reuse-port sockets and the sockets systemd passed.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* accept4() */
#endif
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "qssl-private.h"
#include "qssl-server-private.h"

/* The first retry of a failed accept and the longest wait between retries. */
#define ACCEPT_BACKOFF_FIRST_MS 10
#define ACCEPT_BACKOFF_MAX_MS   1000

/* A listening socket the server accepts on itself. */
typedef struct
{
  QsslServer *server;
  GSocket    *socket;
  QsslWatch  *watch;
} Listener;

/* A connection accepted while paused or throttled, until accepting resumes. */
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

  _qssl_server_update_accepting (self);
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
      g_signal_emit (self, _qssl_server_signals[SIGNAL_ACCEPT_ERROR], 0, accept_error_code (error), error->message);
      /* A handler may have dropped it, or closed the server. */
      oldest = g_queue_peek_head (&self->handshake_order);
      if (oldest != NULL && self->listening)
        _qssl_server_drop_handshake (self, oldest, QSSL_SOCKET_ERROR_SOCKET_RESOURCE);
      return;
    }
  self->accept_backoff = self->accept_backoff == 0
                         ? ACCEPT_BACKOFF_FIRST_MS
                         : MIN (self->accept_backoff * 2, ACCEPT_BACKOFF_MAX_MS);
  g_debug ("server %p: accept failed: %s; trying again in %u ms", self, error->message, self->accept_backoff);
  if (!_qssl_timer_is_running (self->accept_retry))
    _qssl_timer_start (self->accept_retry, self->accept_backoff);
  g_signal_emit (self, _qssl_server_signals[SIGNAL_ACCEPT_ERROR], 0, accept_error_code (error), error->message);
}

static void
accept_succeeded (QsslServer *self)
{
  if (self->accept_backoff == 0)
    return;
  g_debug ("server %p: accepting again", self);
  self->accept_backoff = 0;
}

void
_qssl_server_clear_accept_retry (QsslServer *self)
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
  _qssl_server_update_accepting (self);
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

/* Whether GSocketService::incoming has a handler besides the server's
 * own class handler (which only admits the connection). */
static gboolean
incoming_is_handled (QsslServer *self)
{
  static guint incoming_signal;

  if (G_UNLIKELY (incoming_signal == 0))
    incoming_signal = g_signal_lookup ("incoming", G_TYPE_SOCKET_SERVICE);
  return g_signal_has_handler_pending (self, incoming_signal, 0, FALSE);
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
      if (!self->paused && !self->throttled && !incoming_is_handled (self))
        {
          accept_succeeded (self);
          _qssl_server_admit (self, socket);
          _qssl_server_update_accepting (self);
          continue;
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

void
_qssl_server_forget_listeners (QsslServer *self)
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

void
_qssl_server_stop_accepting (QsslServer *self)
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
void
_qssl_server_update_accepting (QsslServer *self)
{
  gboolean throttle = self->max_pending > 0 && g_queue_get_length (&self->pending) >= (guint) self->max_pending;

  self->throttled = throttle;
  if (!self->listening)
    _qssl_server_stop_accepting (self);
  else if (!throttle && !self->paused)
    {
      Held *held = g_queue_pop_head (&self->held);

      if (held != NULL)
        {
          gboolean handled = FALSE;

          g_signal_emit_by_name (self, "incoming", held->connection, held->source_object, &handled);
          held_free (held);
          /* Again, in case a handler of incoming took it before ours. */
          _qssl_server_update_accepting (self);
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
void
_qssl_server_changed (GSocketListener *listener)
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
  _qssl_server_update_accepting (self);
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

guint16
_qssl_server_local_port (GSocket *socket)
{
  g_autoptr(GSocketAddress) local = g_socket_get_local_address (socket, NULL);

  return G_IS_INET_SOCKET_ADDRESS (local) ? g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local)) : 0;
}

/* Adds a socket the server made or was given, and accepts on it itself. */
gboolean
_qssl_server_add_listening_socket (QsslServer  *self,
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
guint16
_qssl_server_listen_reusing_port (QsslServer    *self,
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

      if (socket == NULL || !_qssl_server_add_listening_socket (self, socket, error))
        return 0;
      return _qssl_server_local_port (socket);
    }
  socket6 = reuse_port_socket (G_SOCKET_FAMILY_IPV6, NULL, port, &error6);
  if (socket6 == NULL && g_error_matches (error6, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE))
    {
      g_propagate_error (error, g_steal_pointer (&error6));
      return 0;
    }
  if (socket6 != NULL)
    {
      port = _qssl_server_local_port (socket6);
      if (g_socket_speaks_ipv4 (socket6))
        return _qssl_server_add_listening_socket (self, socket6, error) ? port : 0;
    }
  socket4 = reuse_port_socket (G_SOCKET_FAMILY_IPV4, NULL, port, error);
  if (socket4 == NULL)
    return 0;
  port = _qssl_server_local_port (socket4);
  if (socket6 != NULL && !_qssl_server_add_listening_socket (self, socket6, error))
    return 0;
  return _qssl_server_add_listening_socket (self, socket4, error) ? port : 0;
}

/* systemd's sd_listen_fds(3) protocol: the first passed descriptor. */
#define LISTEN_FDS_START 3

/* The sockets systemd passed, checked as sd_listen_fds() checks them and
 * then some (each must be a listening stream socket), or NULL. */
GPtrArray *
_qssl_server_activated_sockets (GError **error)
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


/* The accepting state of a new server (its context is set). */
void
_qssl_server_accept_init (QsslServer *self)
{
  /* Lives as long as the server: it also keeps the context's shared timer
   * source between handshakes, which would otherwise go and come back with
   * each one. */
  self->accept_retry = _qssl_timer_new (self->context, on_accept_retry, self);
  self->own_listeners = g_ptr_array_new_with_free_func (listener_free);
#ifdef __linux__
  self->own_accept = TRUE;
#endif
  g_signal_connect (self, "event", G_CALLBACK (on_listener_event), self);
}

void
_qssl_server_drop_held (QsslServer *self)
{
  g_queue_clear_full (&self->held, held_free);
}
