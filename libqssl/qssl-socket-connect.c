/* qssl-socket-connect.c: resolving and connecting a QsslSocket
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A host name is resolved on the socket's context (an address literal is
 * taken as it is), then every address is tried in turn without blocking;
 * the engine takes over when encrypted.
 */

#include "config.h"

#include <netinet/in.h>
#include <netinet/tcp.h>

#include "qssl.h"
#include "qssl-configuration-private.h"
#include "qssl-engine-private.h"
#include "qssl-private.h"
#include "qssl-socket-io-private.h"
#include "qssl-socket-private.h"

/* Resolving and connecting */

static void try_next_address (QsslSocket *self);

static void
fail_connect (QsslSocket      *self,
              QsslSocketError  error,
              const char      *message)
{
  _qssl_socket_reset_connection (self);
  _qssl_socket_set_state (self, QSSL_SOCKET_STATE_UNCONNECTED);
  _qssl_socket_set_error (self, error, message);
}

/* Keeps the addresses of the families asked for; takes @addresses. */
static void
keep_addresses (QsslSocket *self,
                GList      *addresses)
{
  for (GList *l = addresses; l != NULL; l = l->next)
    {
      GSocketFamily family = g_inet_address_get_family (l->data);

      if ((self->network_protocol == QSSL_NETWORK_LAYER_PROTOCOL_IPV4 && family != G_SOCKET_FAMILY_IPV4) ||
          (self->network_protocol == QSSL_NETWORK_LAYER_PROTOCOL_IPV6 && family != G_SOCKET_FAMILY_IPV6))
        continue;
      self->addresses = g_list_append (self->addresses, g_object_ref (l->data));
    }
  g_resolver_free_addresses (addresses);
}

/* The lookup is over: self->addresses holds what to try. */
static void
start_connecting (QsslSocket *self)
{
  guint connection;

  if (self->addresses == NULL)
    {
      fail_connect (self, QSSL_SOCKET_ERROR_HOST_NOT_FOUND, _("Host not found"));
      return;
    }
  connection = _qssl_socket_enter (self);
  g_signal_emit (self, _qssl_socket_signals[SIGNAL_HOST_FOUND], 0);
  if (_qssl_socket_same_connection (self, connection))
    {
      self->next_address = self->addresses;
      _qssl_socket_set_state (self, QSSL_SOCKET_STATE_CONNECTING);
      if (_qssl_socket_same_connection (self, connection))
        try_next_address (self);
    }
  _qssl_socket_leave (self);
}

static void
on_resolved (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(QsslSocket) self = user_data;
  g_autoptr(GError) error = NULL;
  GList *addresses;

  addresses = g_resolver_lookup_by_name_finish (G_RESOLVER (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || self->state != QSSL_SOCKET_STATE_HOST_LOOKUP)
    {
      g_resolver_free_addresses (addresses);
      return;
    }
  keep_addresses (self, addresses);
  start_connecting (self);
}

void
_qssl_socket_start_literal (QsslSocket *self)
{
  _qssl_deferred_cancel (self->literal_call);
  start_connecting (self);
}

static void
on_literal (gpointer user_data)
{
  QsslSocket *self = user_data;

  /* A handler may drop the last reference (the failure's state-changed
   * comes before any emission that holds one). */
  _qssl_socket_enter (self);
  start_connecting (self);
  _qssl_socket_leave (self);
}

static void
on_connected (QsslSocket *self)
{
  guint connection = _qssl_socket_connection (self);

  _qssl_socket_watch (self, 0);
  _qssl_socket_set_state (self, QSSL_SOCKET_STATE_CONNECTED);
  if (!_qssl_socket_same_connection (self, connection))
    return;
  g_signal_emit (self, _qssl_socket_signals[SIGNAL_CONNECTED], 0);
  if (!_qssl_socket_same_connection (self, connection) || self->state != QSSL_SOCKET_STATE_CONNECTED)
    return;
  if (self->encrypt_after_connect)
    _qssl_engine_start (self, QSSL_MODE_SSL_CLIENT);
  else
    _qssl_socket_watch (self, G_IO_IN);
}

/* Whether a failure to create a socket is the process running out of
 * something (descriptors, memory) rather than the address being unusable. */
static gboolean
is_resource_error (const GError *error)
{
  return g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TOO_MANY_OPEN_FILES) ||
         g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE);
}

static void
try_next_address (QsslSocket *self)
{
  gboolean out_of_resources = FALSE;
  guint connection;

  while (self->next_address != NULL)
    {
      GInetAddress *address = self->next_address->data;
      g_autoptr(GSocketAddress) socket_address = g_inet_socket_address_new (address, self->port);
      g_autoptr(GSocket) socket = NULL;
      g_autoptr(GError) error = NULL;

      self->next_address = self->next_address->next;
      socket = g_socket_new (g_inet_address_get_family (address), G_SOCKET_TYPE_STREAM,
                             G_SOCKET_PROTOCOL_TCP, &error);
      if (socket == NULL)
        {
          _qssl_socket_trace (self, "cannot create a socket: %s", error->message);
          out_of_resources |= is_resource_error (error);
          continue;
        }
      g_socket_set_blocking (socket, FALSE);
      /* Nagle off by default, as asyncio and nginx do (Qt leaves it on): a
       * request written after the handshake would otherwise wait for the
       * ACK of the last flight. LOW_DELAY 0 turns it back on. */
      g_socket_set_option (socket, IPPROTO_TCP, TCP_NODELAY, 1, NULL);
      connection = _qssl_socket_connection (self);
      _qssl_socket_replace_gsocket (self, socket);
      /* A notify::socket handler may have ended the attempt. */
      if (!_qssl_socket_same_connection (self, connection))
        return;
      if (g_socket_connect (socket, socket_address, NULL, &error))
        {
          on_connected (self);
          return;
        }
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_PENDING))
        {
          _qssl_socket_watch (self, G_IO_OUT);
          return;
        }
      _qssl_socket_trace (self, "connect failed: %s", error->message);
    }
  if (out_of_resources)
    fail_connect (self, QSSL_SOCKET_ERROR_SOCKET_RESOURCE, _("Insufficient resources"));
  else
    fail_connect (self, QSSL_SOCKET_ERROR_CONNECTION_REFUSED, _("Connection refused"));
}

void
_qssl_socket_check_connect (QsslSocket *self)
{
  g_autoptr(GError) error = NULL;

  if (g_socket_check_connect_result (_qssl_socket_gsocket (self), &error))
    on_connected (self);
  else
    {
      _qssl_socket_trace (self, "connect failed: %s", error->message);
      _qssl_socket_watch (self, 0);
      try_next_address (self);
    }
}

void
_qssl_socket_connect (QsslSocket               *self,
                      const char               *host_name,
                      guint16                   port,
                      const char               *ssl_peer_name,
                      QsslNetworkLayerProtocol  protocol,
                      gboolean                  encrypted)
{
  g_autoptr(GResolver) resolver = NULL;
  guint connection;

  /* Qt: QAbstractSocket::connectToHost() sets OperationError. */
  if (self->state != QSSL_SOCKET_STATE_UNCONNECTED)
    {
      _qssl_socket_operation_error (self, _("Trying to connect while connection is in progress"));
      return;
    }
  if (encrypted && _qssl_engine_unsupported_protocol (self))
    {
      _qssl_socket_set_error (self, QSSL_SOCKET_ERROR_SSL_INVALID_USER_DATA, _("Attempted to use an unsupported protocol."));
      return;
    }

  _qssl_socket_reset_connection (self);
  g_ptr_array_set_size (self->handshake_errors, 0);
  _qssl_configuration_clear_session_state (self->configuration);
  _qssl_buffer_clear (self->read_buffer, TRUE);
  self->read_offset = 0;
  g_free (self->host_name);
  self->host_name = g_strdup (host_name);
  g_free (self->ssl_peer_name);
  self->ssl_peer_name = g_strdup (ssl_peer_name);
  self->port = port;
  self->network_protocol = protocol;
  self->encrypt_after_connect = encrypted;
  if (self->mode != QSSL_MODE_UNENCRYPTED)
    _qssl_socket_set_mode (self, QSSL_MODE_UNENCRYPTED);

  connection = _qssl_socket_enter (self);
  _qssl_socket_set_state (self, QSSL_SOCKET_STATE_HOST_LOOKUP);
  /* A handler may have aborted, or aborted and connected anew. */
  if (_qssl_socket_same_connection (self, connection) && self->state == QSSL_SOCKET_STATE_HOST_LOOKUP &&
      self->cancellable == NULL)
    {
      GInetAddress *literal = g_inet_address_new_from_string (host_name);

      if (literal != NULL)
        {
          /* What GResolver answers for a literal, without the task (and
           * the worker thread GTask starts) or a source of its own;
           * host-found still comes from the main loop, as after a lookup. */
          keep_addresses (self, g_list_prepend (NULL, literal));
          if (self->literal_call == NULL)
            self->literal_call = _qssl_deferred_new (self->context, on_literal, self);
          _qssl_deferred_queue (self->literal_call);
        }
      else
        {
          self->cancellable = g_cancellable_new ();
          resolver = g_resolver_get_default ();
          /* The lookup's answer must arrive on the socket's own context. */
          g_main_context_push_thread_default (self->context);
          g_resolver_lookup_by_name_async (resolver, host_name, self->cancellable, on_resolved, g_object_ref (self));
          g_main_context_pop_thread_default (self->context);
        }
    }
  _qssl_socket_leave (self);
}

/**
 * qssl_socket_connect_to_host:
 * @self: a #QsslSocket
 * @host_name: a host name or IP address
 * @port: the TCP port
 * @protocol: which address families to try
 *
 * Connects without encryption (for STARTTLS, call
 * [method@Qssl.Socket.start_client_encryption] later). Resolves without
 * blocking, then tries every address until one connects. An IP address is
 * used as it is, without a lookup; [signal@Qssl.Socket::host-found] still
 * comes from the main loop, after this call returns.
 *
 * Mirrors `QAbstractSocket::connectToHost()`.
 *
 * Since: 1.0
 */
void
qssl_socket_connect_to_host (QsslSocket               *self,
                             const char               *host_name,
                             guint16                   port,
                             QsslNetworkLayerProtocol  protocol)
{
  g_return_if_fail (QSSL_IS_SOCKET (self));
  g_return_if_fail (host_name != NULL);

  _qssl_socket_connect (self, host_name, port, NULL, protocol, FALSE);
}

/**
 * qssl_socket_connect_to_host_encrypted:
 * @self: a #QsslSocket
 * @host_name: a host name or IP address; also the name the server's
 *   certificate must carry
 * @port: the TCP port
 * @protocol: which address families to try
 *
 * Connects and starts the TLS handshake as a client. Data written before
 * #QsslSocket::encrypted is sent after it.
 *
 * Mirrors `QSslSocket::connectToHostEncrypted()`.
 *
 * Since: 1.0
 */
void
qssl_socket_connect_to_host_encrypted (QsslSocket               *self,
                                       const char               *host_name,
                                       guint16                   port,
                                       QsslNetworkLayerProtocol  protocol)
{
  g_return_if_fail (QSSL_IS_SOCKET (self));
  g_return_if_fail (host_name != NULL);

  _qssl_socket_connect (self, host_name, port, NULL, protocol, TRUE);
}

/**
 * qssl_socket_connect_to_host_encrypted_with_peer_name:
 * @self: a #QsslSocket
 * @host_name: a host name or IP address to connect to
 * @port: the TCP port
 * @ssl_peer_name: the name to send as SNI and to verify the certificate against
 * @protocol: which address families to try
 *
 * Like [method@Qssl.Socket.connect_to_host_encrypted], verifying the server
 * under another name.
 *
 * Mirrors `QSslSocket::connectToHostEncrypted(hostName, port, sslPeerName, ...)`.
 *
 * Since: 1.0
 */
void
qssl_socket_connect_to_host_encrypted_with_peer_name (QsslSocket               *self,
                                                      const char               *host_name,
                                                      guint16                   port,
                                                      const char               *ssl_peer_name,
                                                      QsslNetworkLayerProtocol  protocol)
{
  g_return_if_fail (QSSL_IS_SOCKET (self));
  g_return_if_fail (host_name != NULL);

  _qssl_socket_connect (self, host_name, port, ssl_peer_name, protocol, TRUE);
}
