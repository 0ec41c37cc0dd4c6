/* ignore-self-signed.c: accept exactly one expected error
 *
 * From QSslSocket::ignoreSslErrors(const QList<QSslError> &): to talk to a
 * server whose self-signed certificate you already hold, ignore that one
 * error for that one certificate. Any other problem (another certificate,
 * a wrong host name) still fails the handshake.
 *
 *   ignore-self-signed server-certificate.pem [HOST [PORT]]
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <stdio.h>
#include <stdlib.h>

#include <libqssl/qssl.h>

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GPtrArray) cert = NULL;
  g_autoptr(GPtrArray) expected_ssl_errors = g_ptr_array_new_with_free_func ((GDestroyNotify) qssl_error_free);
  g_autoptr(QsslSocket) socket = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) reply = NULL;

  if (argc < 2)
    {
      g_printerr ("usage: %s server-certificate.pem [HOST [PORT]]\n", argv[0]);
      return 2;
    }
  cert = qssl_certificate_list_from_path (argv[1], QSSL_ENCODING_FORMAT_PEM, QSSL_PATTERN_SYNTAX_FIXED_STRING,
                                          &error);
  if (cert == NULL || cert->len == 0)
    {
      g_printerr ("no certificate in %s\n", argv[1]);
      return 2;
    }
  g_ptr_array_add (expected_ssl_errors,
                   qssl_error_new (QSSL_ERROR_CODE_SELF_SIGNED_CERTIFICATE, g_ptr_array_index (cert, 0)));

  socket = qssl_socket_new ();
  qssl_socket_ignore_ssl_errors_list (socket, expected_ssl_errors);
  qssl_socket_connect_to_host_encrypted (socket, argc > 2 ? argv[2] : "localhost",
                                         argc > 3 ? (guint16) atoi (argv[3]) : 4433,
                                         QSSL_NETWORK_LAYER_PROTOCOL_ANY_IP);
  if (!qssl_socket_wait_for_encrypted (socket, 30000, &error))
    {
      g_printerr ("%s\n", qssl_socket_get_error_string (socket));
      return 1;
    }
  printf ("encrypted, the expected self-signed certificate accepted\n");
  qssl_socket_write (socket, (const guint8 *) "hello\n", 6);
  while (!qssl_socket_can_read_line (socket) && qssl_socket_wait_for_ready_read (socket, 10000, NULL))
    ;
  reply = qssl_socket_read_line (socket, 0);
  printf ("server: %.*s", (int) g_bytes_get_size (reply), (const char *) g_bytes_get_data (reply, NULL));
  qssl_socket_disconnect_from_host (socket);
  return 0;
}
