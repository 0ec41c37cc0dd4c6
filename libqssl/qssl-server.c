/* qssl-server.c: QsslServer, a TLS server on GSocketService (QSslServer)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "qssl.h"
#include "qssl-private.h"

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
  int                 handshake_timeout;
  guint16             port;
  gboolean            listening;

  GHashTable         *handshaking;   /* QsslSocket -> GSource (timeout) */
  GQueue              pending;       /* encrypted QsslSocket, owned */
};

enum {
  SIGNAL_NEW_CONNECTION,
  SIGNAL_PENDING_CONNECTION_AVAILABLE,
  SIGNAL_STARTED_ENCRYPTION_HANDSHAKE,
  SIGNAL_SSL_ERRORS,
  SIGNAL_PEER_VERIFY_ERROR,
  SIGNAL_ERROR_OCCURRED,
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

static void
on_encrypted (QsslSocket *socket,
              QsslServer *self)
{
  g_object_ref (socket);
  forget_handshake (self, socket);
  g_queue_push_tail (&self->pending, socket);
  g_signal_emit (self, signals[SIGNAL_PENDING_CONNECTION_AVAILABLE], 0);
  g_signal_emit (self, signals[SIGNAL_NEW_CONNECTION], 0);
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
  /* Released from an idle: we are inside one of the socket's own emissions. */
  {
    GSource *source = g_idle_source_new ();

    g_source_set_callback (source, drop_later, socket, g_object_unref);
    g_source_attach (source, g_main_context_get_thread_default ());
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
  qssl_socket_set_ssl_configuration (socket, self->configuration);
  g_signal_connect (socket, "encrypted", G_CALLBACK (on_encrypted), self);
  g_signal_connect (socket, "ssl-errors", G_CALLBACK (on_ssl_errors), self);
  g_signal_connect (socket, "peer-verify-error", G_CALLBACK (on_peer_verify_error), self);
  g_signal_connect (socket, "error-occurred", G_CALLBACK (on_error), self);

  timeout = g_new0 (Timeout, 1);
  timeout->server = self;
  timeout->socket = socket;
  timer = g_timeout_source_new (self->handshake_timeout);
  g_source_set_callback (timer, on_handshake_timeout, timeout, g_free);
  g_source_set_static_name (timer, "[qssl] handshake timeout");
  g_source_attach (timer, g_main_context_get_thread_default ());
  g_hash_table_insert (self->handshaking, g_object_ref (socket), timer);

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

  G_OBJECT_CLASS (qssl_server_parent_class)->dispose (object);
}

static void
qssl_server_finalize (GObject *object)
{
  QsslServer *self = QSSL_SERVER (object);

  g_clear_pointer (&self->configuration, qssl_configuration_free);

  G_OBJECT_CLASS (qssl_server_parent_class)->finalize (object);
}

static void
qssl_server_class_init (QsslServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = qssl_server_dispose;
  object_class->finalize = qssl_server_finalize;
  G_SOCKET_SERVICE_CLASS (klass)->incoming = qssl_server_incoming;

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
}

static void
qssl_server_init (QsslServer *self)
{
  _qssl_init ();
  self->configuration = qssl_configuration_get_default ();
  self->handshake_timeout = 5000;
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
 * Mirrors `QTcpServer::listen()`.
 *
 * Returns: %TRUE on success
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
  self->listening = TRUE;
  g_socket_service_start (G_SOCKET_SERVICE (self));
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

  g_socket_service_stop (G_SOCKET_SERVICE (self));
  g_socket_listener_close (G_SOCKET_LISTENER (self));
  self->listening = FALSE;
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
  g_return_val_if_fail (QSSL_IS_SERVER (self), NULL);

  return g_queue_pop_head (&self->pending);
}
