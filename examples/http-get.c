/* http-get.c: the blocking client from QSslSocket's documentation
 *
 * Connects, waits for the handshake with wait_for_encrypted(), sends an
 * HTTP/1.0 request and prints the answer while wait_for_ready_read() says
 * more arrived. No main loop.
 *
 *   http-get [HOST [PORT]] [--ca FILE]     (default: localhost 4433)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libqssl/qssl.h>

int
main (int   argc,
      char *argv[])
{
  g_autofree char *ca_file = NULL;
  GOptionEntry entries[] = {
    { "ca", 0, 0, G_OPTION_ARG_FILENAME, &ca_file, "Trust the CA certificates in FILE", "FILE" },
    { NULL }
  };
  g_autoptr(GOptionContext) options = g_option_context_new ("[HOST [PORT]]");
  g_autoptr(GError) error = NULL;
  g_autoptr(QsslSocket) socket = NULL;
  const char *host;
  guint16 port;
  const char request[] = "GET / HTTP/1.0\r\n\r\n";

  g_option_context_add_main_entries (options, entries, NULL);
  if (!g_option_context_parse (options, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  host = argc > 1 ? argv[1] : "localhost";
  port = argc > 2 ? (guint16) atoi (argv[2]) : 4433;

  socket = qssl_socket_new ();
  if (ca_file != NULL)
    {
      g_autoptr(QsslConfiguration) configuration = qssl_socket_get_ssl_configuration (socket);

      if (!qssl_configuration_add_ca_certificates_from_path (configuration, ca_file, QSSL_ENCODING_FORMAT_PEM,
                                                             QSSL_PATTERN_SYNTAX_FIXED_STRING, &error))
        {
          g_printerr ("%s\n", error->message);
          return 2;
        }
      qssl_socket_set_ssl_configuration (socket, configuration);
    }

  qssl_socket_connect_to_host_encrypted (socket, host, port, QSSL_NETWORK_LAYER_PROTOCOL_ANY_IP);
  if (!qssl_socket_wait_for_encrypted (socket, 30000, NULL))
    {
      g_printerr ("%s\n", qssl_socket_get_error_string (socket));
      return 1;
    }

  qssl_socket_write (socket, (const guint8 *) request, strlen (request));
  while (qssl_socket_wait_for_ready_read (socket, 30000, NULL))
    {
      g_autoptr(GBytes) data = qssl_socket_read_all (socket);

      fwrite (g_bytes_get_data (data, NULL), 1, g_bytes_get_size (data), stdout);
    }
  return 0;
}
