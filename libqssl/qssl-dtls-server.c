/* qssl-dtls-server.c: QsslDtlsServer, a DTLS server on one UDP socket
 *
 * What a QDtls server makes the application write: it demultiplexes
 * datagrams by source, runs the cookie exchange for unknown sources before
 * keeping anything about them (a spoofed source only ever gets a
 * HelloVerifyRequest, smaller than its hello), makes one
 * QsslDtlsConnection per verified peer, retransmits, and forgets peers
 * that stay silent for the idle timeout.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "qssl.h"
#include "qssl-dtls-private.h"
#include "qssl-private.h"

/* Peers that send nothing for this long are forgotten. */
#define DEFAULT_IDLE_TIMEOUT_MS 60000

/**
 * QsslDtlsServer:
 *
 * A DTLS server on one UDP socket: it tells peers apart, runs the cookie
 * exchange for unknown ones before keeping any state, makes one
 * [class@Qssl.DtlsConnection] per verified peer, retransmits, and forgets
 * peers that stay silent for the idle timeout. It runs on the #GMainContext
 * that was thread-default when it was created.
 *
 * Since: 1.0
 */
struct _QsslDtlsServer
{
  GObject                 parent_instance;

  GSocket                *socket;
  GSource                *source;
  QsslConfiguration      *configuration;
  guint                   idle_timeout;
  GHashTable             *connections;    /* "address:port" -> QsslDtlsConnection */
  QsslDtlsClientVerifier *verifier;
  GMainContext           *context;
};

enum
{
  SIGNAL_NEW_CONNECTION,
  SIGNAL_PRE_SHARED_KEY_AUTHENTICATION_REQUIRED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (QsslDtlsServer, qssl_dtls_server, G_TYPE_OBJECT)

static void
qssl_dtls_server_dispose (GObject *object)
{
  QsslDtlsServer *self = QSSL_DTLS_SERVER (object);

  qssl_dtls_server_close (self);
  G_OBJECT_CLASS (qssl_dtls_server_parent_class)->dispose (object);
}

static void
qssl_dtls_server_finalize (GObject *object)
{
  QsslDtlsServer *self = QSSL_DTLS_SERVER (object);

  g_hash_table_unref (self->connections);
  qssl_configuration_free (self->configuration);
  g_object_unref (self->verifier);
  g_main_context_unref (self->context);
  G_OBJECT_CLASS (qssl_dtls_server_parent_class)->finalize (object);
}

static void
qssl_dtls_server_class_init (QsslDtlsServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = qssl_dtls_server_dispose;
  object_class->finalize = qssl_dtls_server_finalize;

  /**
   * QsslDtlsServer::new-connection:
   * @self: the server
   * @connection: an encrypted connection to a verified peer
   *
   * A peer completed its handshake. Connect to its
   * #QsslDtlsConnection::received and #QsslDtlsConnection::closed
   * signals; the server keeps it until it is closed or idle.
   *
   * Since: 1.0
   */
  signals[SIGNAL_NEW_CONNECTION] =
    g_signal_new ("new-connection", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, QSSL_TYPE_DTLS_CONNECTION);

  /**
   * QsslDtlsServer::pre-shared-key-authentication-required:
   * @self: the server
   * @connection: the connection in its handshake
   * @authenticator: holds the client's identity; set the key
   *
   * A client negotiates a PSK suite. PSK suites are only accepted when
   * this signal has a handler.
   *
   * Since: 1.0
   */
  signals[SIGNAL_PRE_SHARED_KEY_AUTHENTICATION_REQUIRED] =
    g_signal_new ("pre-shared-key-authentication-required", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, QSSL_TYPE_DTLS_CONNECTION,
                  QSSL_TYPE_PRE_SHARED_KEY_AUTHENTICATOR);
}

static void
qssl_dtls_server_init (QsslDtlsServer *self)
{
  self->configuration = qssl_configuration_get_default_dtls ();
  self->idle_timeout = DEFAULT_IDLE_TIMEOUT_MS;
  self->connections = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->verifier = qssl_dtls_client_verifier_new ();
  self->context = g_main_context_ref_thread_default ();
}

/**
 * qssl_dtls_server_new:
 *
 * A DTLS server; it does nothing before qssl_dtls_server_listen(). Its
 * socket and timers run on the caller's thread-default main context.
 *
 * Returns: (transfer full): a new #QsslDtlsServer
 *
 * Since: 1.0
 */
QsslDtlsServer *
qssl_dtls_server_new (void)
{
  _qssl_init ();
  return g_object_new (QSSL_TYPE_DTLS_SERVER, NULL);
}

static char *
peer_key (GInetAddress *address,
          guint16       port)
{
  g_autofree char *text = g_inet_address_to_string (address);

  return g_strdup_printf ("%s:%u", text, port);
}

/* An epoch-0 ClientHello for an encrypted association: the peer lost its
 * state (a restart on the same port). Inside the association, handshake
 * records are encrypted (epoch 1 or later). */
static gboolean
is_new_client_hello (QsslDtlsConnection *connection,
                     GBytes             *datagram)
{
  gsize length;
  const guint8 *data = g_bytes_get_data (datagram, &length);

  return qssl_dtls_connection_is_encrypted (connection) && length > 13 &&
         data[0] == 22 && data[3] == 0 && data[4] == 0 && data[13] == 1;
}

static void
on_datagram (QsslDtlsServer *self,
             GSocketAddress *from,
             GBytes         *datagram)
{
  GInetSocketAddress *inet = G_INET_SOCKET_ADDRESS (from);
  GInetAddress *address = g_inet_socket_address_get_address (inet);
  guint16 port = g_inet_socket_address_get_port (inet);
  g_autofree char *key = peer_key (address, port);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) hello = NULL;
  QsslDtlsConnection *connection = g_hash_table_lookup (self->connections, key);

  if (connection != NULL && !is_new_client_hello (connection, datagram))
    {
      _qssl_dtls_connection_feed (connection, datagram);
      return;
    }
  /* Unknown source: nothing is kept unless its hello carries our cookie. */
  if (!qssl_dtls_client_verifier_verify_client (self->verifier, self->socket, datagram, address, port, &error))
    {
      if (error != NULL)
        g_debug ("dtls server %p: %s", self, error->message);
      return;
    }
  /* RFC 6347 4.2.8: a verified hello from a known peer is a client that
   * restarted on the same port; the old association is gone. */
  if (connection != NULL)
    {
      g_debug ("dtls server %p: %s restarted its association", self, key);
      qssl_dtls_connection_close (connection);
    }
  hello = qssl_dtls_client_verifier_get_verified_hello (self->verifier);
  connection = _qssl_dtls_connection_new_server (self, self->socket, address, port, self->configuration,
                                                 self->idle_timeout);
  g_hash_table_insert (self->connections, g_steal_pointer (&key), connection);
  _qssl_dtls_connection_feed (connection, hello);
}

static gboolean
on_readable (GSocket      *socket,
             GIOCondition  condition,
             gpointer      user_data)
{
  QsslDtlsServer *self = user_data;
  g_autoptr(QsslDtlsServer) keep_alive = g_object_ref (self);
  guint8 buffer[65536];

  /* A bounded batch, then back to the main loop. */
  for (guint i = 0; i < 64 && self->socket != NULL; i++)
    {
      g_autoptr(GSocketAddress) from = NULL;
      g_autoptr(GBytes) datagram = NULL;
      g_autoptr(GError) error = NULL;
      gssize length = g_socket_receive_from (socket, &from, (char *) buffer, sizeof buffer, NULL, &error);

      if (length < 0)
        {
          if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            break;
          continue; /* an ICMP error for an earlier send: not ours to act on */
        }
      if (!G_IS_INET_SOCKET_ADDRESS (from) || length == 0)
        continue;
      datagram = g_bytes_new (buffer, length);
      on_datagram (self, from, datagram);
    }
  return G_SOURCE_CONTINUE;
}

/**
 * qssl_dtls_server_listen:
 * @self: a #QsslDtlsServer
 * @address: (nullable): the address to bind; %NULL for any IPv4 address
 * @port: the port; 0 picks one (see qssl_dtls_server_get_server_port())
 * @error: return location for a #GError
 *
 * Binds a UDP socket and starts serving.
 *
 * Returns: %TRUE on success; %FALSE with a %QSSL_DTLS_ERROR
 *
 * Since: 1.0
 */
gboolean
qssl_dtls_server_listen (QsslDtlsServer  *self,
                         GInetAddress    *address,
                         guint16          port,
                         GError         **error)
{
  g_autoptr(GInetAddress) any = NULL;
  g_autoptr(GSocketAddress) local = NULL;
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (QSSL_IS_DTLS_SERVER (self), FALSE);
  g_return_val_if_fail (address == NULL || G_IS_INET_ADDRESS (address), FALSE);

  if (self->socket != NULL)
    {
      g_set_error_literal (error, QSSL_DTLS_ERROR, QSSL_DTLS_ERROR_INVALID_OPERATION,
                           _("The server is already listening"));
      return FALSE;
    }
  if (address == NULL)
    address = any = g_inet_address_new_any (G_SOCKET_FAMILY_IPV4);
  local = g_inet_socket_address_new (address, port);
  socket = g_socket_new (g_inet_address_get_family (address), G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP,
                         &local_error);
  if (socket == NULL || !g_socket_bind (socket, local, FALSE, &local_error))
    {
      g_set_error (error, QSSL_DTLS_ERROR, QSSL_DTLS_ERROR_UNDERLYING_SOCKET_ERROR, "%s", local_error->message);
      return FALSE;
    }
  g_socket_set_blocking (socket, FALSE);
  self->socket = g_steal_pointer (&socket);
  self->source = g_socket_create_source (self->socket, G_IO_IN, NULL);
  g_source_set_static_name (self->source, "[qssl] DTLS server socket");
  g_source_set_callback (self->source, G_SOURCE_FUNC (on_readable), self, NULL);
  g_source_attach (self->source, self->context);
  return TRUE;
}

/**
 * qssl_dtls_server_get_server_port:
 * @self: a #QsslDtlsServer
 *
 * Returns: the bound port, or 0 when not listening
 *
 * Since: 1.0
 */
guint16
qssl_dtls_server_get_server_port (QsslDtlsServer *self)
{
  g_autoptr(GSocketAddress) local = NULL;

  g_return_val_if_fail (QSSL_IS_DTLS_SERVER (self), 0);

  if (self->socket == NULL || (local = g_socket_get_local_address (self->socket, NULL)) == NULL)
    return 0;
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
}

/**
 * qssl_dtls_server_set_dtls_configuration:
 * @self: a #QsslDtlsServer
 * @configuration: a configuration with a DTLS protocol (and, unless PSK
 *   is used, a certificate and key)
 *
 * The configuration of the connections made from now on.
 *
 * Since: 1.0
 */
void
qssl_dtls_server_set_dtls_configuration (QsslDtlsServer    *self,
                                         QsslConfiguration *configuration)
{
  g_return_if_fail (QSSL_IS_DTLS_SERVER (self));
  g_return_if_fail (configuration != NULL);

  qssl_configuration_free (self->configuration);
  self->configuration = qssl_configuration_copy (configuration);
}

/**
 * qssl_dtls_server_get_dtls_configuration:
 * @self: a #QsslDtlsServer
 *
 * Returns: (transfer full): a copy of the configuration
 *
 * Since: 1.0
 */
QsslConfiguration *
qssl_dtls_server_get_dtls_configuration (QsslDtlsServer *self)
{
  g_return_val_if_fail (QSSL_IS_DTLS_SERVER (self), NULL);

  return qssl_configuration_copy (self->configuration);
}

/**
 * qssl_dtls_server_set_idle_timeout:
 * @self: a #QsslDtlsServer
 * @msecs: milliseconds; 0 keeps peers until they close
 *
 * Peers that send nothing for @msecs (in or after the handshake) are
 * forgotten: an encrypted one gets close_notify and emits
 * #QsslDtlsConnection::closed. The default is 60 s. Applies to
 * connections made from now on.
 *
 * Since: 1.0
 */
void
qssl_dtls_server_set_idle_timeout (QsslDtlsServer *self,
                                   guint           msecs)
{
  g_return_if_fail (QSSL_IS_DTLS_SERVER (self));

  self->idle_timeout = msecs;
}

/**
 * qssl_dtls_server_get_idle_timeout:
 * @self: a #QsslDtlsServer
 *
 * Returns: the idle timeout in milliseconds
 *
 * Since: 1.0
 */
guint
qssl_dtls_server_get_idle_timeout (QsslDtlsServer *self)
{
  g_return_val_if_fail (QSSL_IS_DTLS_SERVER (self), 0);

  return self->idle_timeout;
}

/**
 * qssl_dtls_server_get_connections:
 * @self: a #QsslDtlsServer
 *
 * The peers the server keeps state for: verified ones in their handshake
 * and encrypted ones. Unverified sources never appear here.
 *
 * Returns: (transfer container) (element-type QsslDtlsConnection): the
 *   connections
 *
 * Since: 1.0
 */
GPtrArray *
qssl_dtls_server_get_connections (QsslDtlsServer *self)
{
  GPtrArray *connections;
  GHashTableIter iter;
  gpointer value;

  g_return_val_if_fail (QSSL_IS_DTLS_SERVER (self), NULL);

  connections = g_ptr_array_new_with_free_func (g_object_unref);
  g_hash_table_iter_init (&iter, self->connections);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (connections, g_object_ref (value));
  return connections;
}

/**
 * qssl_dtls_server_close:
 * @self: a #QsslDtlsServer
 *
 * Closes every connection (close_notify to the encrypted ones) and the
 * socket.
 *
 * Since: 1.0
 */
void
qssl_dtls_server_close (QsslDtlsServer *self)
{
  g_autoptr(GPtrArray) connections = NULL;

  g_return_if_fail (QSSL_IS_DTLS_SERVER (self));

  connections = qssl_dtls_server_get_connections (self);
  for (guint i = 0; i < connections->len; i++)
    qssl_dtls_connection_close (g_ptr_array_index (connections, i));
  g_hash_table_remove_all (self->connections);
  if (self->source != NULL)
    {
      g_source_destroy (self->source);
      g_clear_pointer (&self->source, g_source_unref);
    }
  if (self->socket != NULL)
    g_socket_close (self->socket, NULL);
  g_clear_object (&self->socket);
}

void
_qssl_dtls_server_connection_ready (QsslDtlsServer     *self,
                                    QsslDtlsConnection *connection)
{
  g_signal_emit (self, signals[SIGNAL_NEW_CONNECTION], 0, connection);
}

void
_qssl_dtls_server_forget (QsslDtlsServer     *self,
                          QsslDtlsConnection *connection)
{
  g_autofree char *key = peer_key (qssl_dtls_connection_get_peer_address (connection),
                                   qssl_dtls_connection_get_peer_port (connection));

  if (g_hash_table_lookup (self->connections, key) == connection)
    g_hash_table_remove (self->connections, key);
}

void
_qssl_dtls_server_psk_required (QsslDtlsServer                *self,
                                QsslDtlsConnection            *connection,
                                QsslPreSharedKeyAuthenticator *authenticator)
{
  g_signal_emit (self, signals[SIGNAL_PRE_SHARED_KEY_AUTHENTICATION_REQUIRED], 0, connection, authenticator);
}
