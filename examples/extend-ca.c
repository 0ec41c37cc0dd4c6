/* extend-ca.c: extend the default CA list for every socket
 *
 * From QSslSocket's documentation: add certificates to the default
 * configuration, which every new socket copies; the system CAs stay
 * trusted too.
 *
 *   extend-ca CA-FILE [HOST [PORT]]
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <stdio.h>
#include <stdlib.h>

#include <libqssl/qssl.h>

static GPtrArray *
get_certificates (const char *path)
{
  return qssl_certificate_list_from_path (path, QSSL_ENCODING_FORMAT_PEM, QSSL_PATTERN_SYNTAX_FIXED_STRING, NULL);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GPtrArray) certificates = NULL;
  g_autoptr(QsslConfiguration) configuration = NULL;
  g_autoptr(QsslSocket) socket = NULL;

  if (argc < 2)
    {
      g_printerr ("usage: %s CA-FILE [HOST [PORT]]\n", argv[0]);
      return 2;
    }
  certificates = get_certificates (argv[1]);
  configuration = qssl_configuration_get_default ();
  qssl_configuration_add_ca_certificates (configuration, certificates);
  qssl_configuration_set_default (configuration);

  /* Any socket made from now on trusts them. */
  socket = qssl_socket_new ();
  qssl_socket_connect_to_host_encrypted (socket, argc > 2 ? argv[2] : "localhost",
                                         argc > 3 ? (guint16) atoi (argv[3]) : 4433,
                                         QSSL_NETWORK_LAYER_PROTOCOL_ANY_IP);
  if (!qssl_socket_wait_for_encrypted (socket, 30000, NULL))
    {
      g_printerr ("%s\n", qssl_socket_get_error_string (socket));
      return 1;
    }
  printf ("encrypted; %u CA certificates added to the default configuration\n", certificates->len);
  qssl_socket_disconnect_from_host (socket);
  return 0;
}
