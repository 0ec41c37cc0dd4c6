/* qssl-socket-proxy.c: an accepted socket's phase before TLS when a load
 * balancer sends a PROXY protocol header first
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The header is read on the socket's own watch (drive() calls
 * _qssl_socket_read_proxy_header() while the reader exists), bounded by the
 * server's handshake timeout; the handshake that start_server_encryption()
 * asked for begins once it is complete.
 */

#include "config.h"

#include "qssl.h"
#include "qssl-engine-private.h"
#include "qssl-private.h"
#include "qssl-proxy-protocol-private.h"
#include "qssl-socket-io-private.h"
#include "qssl-socket-private.h"

void
_qssl_socket_expect_proxy_header (QsslSocket *self)
{
  if (self->proxy_reader == NULL)
    self->proxy_reader = _qssl_proxy_reader_new ();
  _qssl_socket_watch (self, G_IO_IN);
}

void
_qssl_socket_clear_proxy (QsslSocket *self)
{
  g_clear_pointer (&self->proxy_reader, _qssl_proxy_reader_free);
  self->proxy_start_pending = FALSE;
  g_clear_object (&self->proxy_peer);
  g_clear_pointer (&self->proxy_peer_name, g_free);
}

void
_qssl_socket_read_proxy_header (QsslSocket *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetSocketAddress) source = NULL;
  QsslProxyStatus status;

  status = _qssl_proxy_reader_read (self->proxy_reader, g_socket_get_fd (_qssl_socket_gsocket (self)),
                                    &source, &error);
  if (status == QSSL_PROXY_INCOMPLETE)
    return;
  g_clear_pointer (&self->proxy_reader, _qssl_proxy_reader_free);
  if (status == QSSL_PROXY_FAILED)
    {
      _qssl_socket_trace (self, "PROXY header: %s", error->message);
      self->proxy_start_pending = FALSE;
      _qssl_socket_fail (self,
                         g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED)
                           ? QSSL_SOCKET_ERROR_REMOTE_HOST_CLOSED
                           : QSSL_SOCKET_ERROR_PROXY_PROTOCOL,
                         error->message);
      return;
    }
  if (source != NULL)
    {
      g_autofree char *text = g_inet_address_to_string (g_inet_socket_address_get_address (source));

      _qssl_socket_trace (self, "PROXY header: the client is %s port %u", text,
                          g_inet_socket_address_get_port (source));
      self->proxy_peer = g_steal_pointer (&source);
      self->proxy_peer_name = g_steal_pointer (&text);
    }
  else
    _qssl_socket_trace (self, "PROXY header: the connection's own peer stays");
  if (self->proxy_start_pending)
    {
      self->proxy_start_pending = FALSE;
      _qssl_engine_start (self, QSSL_MODE_SSL_SERVER);
    }
}
