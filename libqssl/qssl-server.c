/* qssl-server.c: QsslServer, a TLS server on GSocketService (QSslServer)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <sys/socket.h>

#include "qssl.h"
#include "qssl-engine-private.h"
#include "qssl-main-context-private.h"
#include "qssl-private.h"
#include "qssl-virtual-host-private.h"

/**
 * QsslServer:
 *
 * Accepts TCP connections and turns each into a server-mode #QsslSocket:
 * the handshake starts at once, a client that does not finish it within the
 * handshake timeout is dropped, and only encrypted sockets are queued for
 * [method@Qssl.Server.next_pending_connection].
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

  GHashTable         *handshaking;   /* QsslSocket -> GSource (timeout) */
  GQueue              pending;       /* encrypted QsslSocket, owned */
  GQueue              accept_tasks;  /* accept_async() callers waiting */
  int                 max_pending;
  gboolean            paused;        /* by pause_accepting() */
  gboolean            throttled;     /* by the max_pending limit */
  GMainContext       *context;
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
};

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
destroy_timeout (gpointer source)
{
  g_source_destroy (source);
  g_source_unref (source);
}

/* Stops caring about @socket's handshake; the server's reference goes. */
static void
forget_handshake (QsslServer *self,
                  QsslSocket *socket)
{
  g_signal_handlers_disconnect_by_data (socket, self);
  g_hash_table_remove (self->handshaking, socket);
}

static void update_accepting (QsslServer *self);

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
on_accepted (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  /* The accept's task holds the server until this runs. */
  QsslServer *self = QSSL_SERVER (source);
  g_autoptr(GCancellable) cancellable = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GObject) source_object = NULL;
  g_autoptr(GSocketConnection) connection = NULL;

  connection = g_socket_listener_accept_finish (G_SOCKET_LISTENER (source), result, &source_object, &error);
  if (self->accept_cancellable == cancellable)
    g_clear_object (&self->accept_cancellable);

  if (connection != NULL && (self->paused || self->throttled))
    {
      /* Accepted after a pause or the limit began: kept for resume. */
      Held *held = g_new0 (Held, 1);

      held->connection = g_steal_pointer (&connection);
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
  else if (!g_cancellable_is_cancelled (cancellable) && self->listening)
    {
      /* As QTcpServer: a failed accept pauses accepting, and the
       * application decides when to try again (resume_accepting()). */
      g_debug ("server %p: accept failed: %s", self, error->message);
      self->paused = TRUE;
      g_signal_emit (self, signals[SIGNAL_ACCEPT_ERROR], 0, accept_error_code (error), error->message);
    }
  update_accepting (self);
}

static void
start_accepting (QsslServer *self)
{
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
  if (self->accept_cancellable == NULL)
    return;
  g_cancellable_cancel (self->accept_cancellable);
  g_clear_object (&self->accept_cancellable);
}

/* Accepting stops while handshaking + pending sockets reach the limit; new
 * connections then wait in the kernel's backlog, none is dropped. */
static void
update_accepting (QsslServer *self)
{
  guint in_flight = g_hash_table_size (self->handshaking) + g_queue_get_length (&self->pending);
  gboolean throttle = self->max_pending > 0 && in_flight >= (guint) self->max_pending;

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
      else
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

static gboolean
drop_later (gpointer user_data)
{
  return G_SOURCE_REMOVE;
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
  /* Released from an idle: we are inside one of the socket's own emissions. */
  {
    GSource *source = g_idle_source_new ();

    g_source_set_callback (source, drop_later, socket, g_object_unref);
    g_source_attach (source, self->context);
    g_source_unref (source);
  }
}

typedef struct
{
  QsslServer *server;
  QsslSocket *socket;
} Timeout;

static gboolean
on_handshake_timeout (gpointer user_data)
{
  Timeout *timeout = user_data;
  QsslServer *self = timeout->server;
  QsslSocket *socket = g_object_ref (timeout->socket);

  g_debug ("server %p: handshake timeout, dropping socket %p", self, socket);
  g_signal_handlers_disconnect_by_data (socket, self);
  g_signal_emit (self, signals[SIGNAL_ERROR_OCCURRED], 0, socket, QSSL_SOCKET_ERROR_SOCKET_TIMEOUT);
  qssl_socket_abort (socket);
  g_hash_table_remove (self->handshaking, socket);
  update_accepting (self);
  g_object_unref (socket);
  return G_SOURCE_REMOVE;
}

static gboolean
qssl_server_incoming (GSocketService    *service,
                      GSocketConnection *connection,
                      GObject           *source_object)
{
  QsslServer *self = QSSL_SERVER (service);
  g_autoptr(GError) error = NULL;
  g_autoptr(QsslSocket) socket = NULL;
  Timeout *timeout;
  GSource *timer;

  socket = qssl_socket_new_from_socket (g_socket_connection_get_socket (connection), &error);
  if (socket == NULL)
    {
      g_debug ("server %p: cannot adopt a connection: %s", self, error->message);
      return TRUE;
    }
  /* The copy shares the server configuration's context cache, so every
   * accepted socket uses one SSL_CTX (one session cache, one set of ticket
   * keys). */
  qssl_socket_set_ssl_configuration (socket, self->configuration);
  /* The hosts of now: a later change applies to later handshakes. */
  _qssl_socket_set_host_table (socket, self->hosts);
  g_signal_connect (socket, "encrypted", G_CALLBACK (on_encrypted), self);
  g_signal_connect (socket, "ssl-errors", G_CALLBACK (on_ssl_errors), self);
  g_signal_connect (socket, "peer-verify-error", G_CALLBACK (on_peer_verify_error), self);
  g_signal_connect (socket, "error-occurred", G_CALLBACK (on_error), self);
  /* Forwarded only to a handler of ours: the socket offers PSK suites
   * only when its signal has a handler, and without one nobody can supply
   * a key (a PSK suite without forward secrecy would be offered for
   * nothing). */
  if (g_signal_has_handler_pending (self, signals[SIGNAL_PRE_SHARED_KEY_AUTHENTICATION_REQUIRED], 0, TRUE))
    g_signal_connect (socket, "pre-shared-key-authentication-required", G_CALLBACK (on_psk), self);
  g_signal_connect (socket, "alert-sent", G_CALLBACK (on_alert_sent), self);
  g_signal_connect (socket, "alert-received", G_CALLBACK (on_alert_received), self);
  g_signal_connect (socket, "handshake-interrupted-on-error", G_CALLBACK (on_interrupted), self);

  timeout = g_new0 (Timeout, 1);
  timeout->server = self;
  timeout->socket = socket;
  timer = g_timeout_source_new (self->handshake_timeout);
  g_source_set_callback (timer, on_handshake_timeout, timeout, g_free);
  g_source_set_static_name (timer, "[qssl] handshake timeout");
  g_source_attach (timer, self->context);
  g_hash_table_insert (self->handshaking, g_object_ref (socket), timer);

  update_accepting (self);
  g_signal_emit (self, signals[SIGNAL_STARTED_ENCRYPTION_HANDSHAKE], 0, socket);
  qssl_socket_start_server_encryption (socket);
  return TRUE;
}

static void
qssl_server_dispose (GObject *object)
{
  QsslServer *self = QSSL_SERVER (object);
  GHashTableIter iter;
  gpointer socket;

  if (self->handshaking != NULL)
    {
      g_hash_table_iter_init (&iter, self->handshaking);
      while (g_hash_table_iter_next (&iter, &socket, NULL))
        {
          g_signal_handlers_disconnect_by_data (socket, self);
          qssl_socket_abort (socket);
        }
      g_clear_pointer (&self->handshaking, g_hash_table_unref);
    }
  g_queue_clear_full (&self->pending, g_object_unref);
  g_queue_clear_full (&self->held, held_free);
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
  g_clear_pointer (&self->hosts, _qssl_host_table_unref);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_object (&self->address);

  G_OBJECT_CLASS (qssl_server_parent_class)->finalize (object);
}

static void
qssl_server_class_init (QsslServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = qssl_server_dispose;
  object_class->finalize = qssl_server_finalize;
  G_SOCKET_SERVICE_CLASS (klass)->incoming = qssl_server_incoming;
  G_SOCKET_LISTENER_CLASS (klass)->changed = qssl_server_changed;

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
   * Accepting a connection failed. The server then pauses accepting, as
   * Qt's does: connections wait in the kernel's queue until
   * [method@Qssl.Server.resume_accepting] is called, for example once
   * descriptors have been freed.
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
  self->handshaking = g_hash_table_new_full (g_direct_hash, g_direct_equal, g_object_unref, destroy_timeout);
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

  if (address == NULL)
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
  GHashTableIter iter;
  gpointer socket;

  g_return_if_fail (QSSL_IS_SERVER (self));

  self->listening = FALSE;
  /* Closed before the accept is cancelled, so that the cancellation has
   * nothing left to accept. Held connections go with the backlog. */
  g_socket_listener_close (G_SOCKET_LISTENER (self));
  stop_accepting (self);
  g_queue_clear_full (&self->held, held_free);
  g_hash_table_iter_init (&iter, self->handshaking);
  while (g_hash_table_iter_next (&iter, &socket, NULL))
    {
      g_signal_handlers_disconnect_by_data (socket, self);
      qssl_socket_abort (socket);
      g_hash_table_iter_remove (&iter);
    }
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
 * Returns: the limit (handshaking and queued sockets together; 0 for none)
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
 * @max: the most sockets handshaking or waiting to be taken (default 30, 0
 *   for no limit); beyond it connections wait in the kernel's backlog
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
      g_task_set_task_data (task, source, destroy_timeout /* any GSource */);
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
