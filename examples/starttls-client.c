/* starttls-client.c: plain text first, then TLS on the same connection
 *
 * An SMTP-style STARTTLS: connect_to_host() in plain mode, read the
 * greeting, ask for TLS, and on the server's go-ahead call
 * start_client_encryption(). Bytes that arrive together with the go-ahead
 * are handed to the handshake, not lost.
 *
 *   starttls-client [HOST [PORT]] [--ca FILE]   (default: localhost 2525)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libqssl/qssl.h>

static GBytes *
read_line (QsslSocket *socket)
{
  while (!qssl_socket_can_read_line (socket))
    if (!qssl_socket_wait_for_ready_read (socket, 10000, NULL))
      return NULL;
  return qssl_socket_read_line (socket, 0);
}

static gboolean
expect (QsslSocket *socket,
        const char *code)
{
  g_autoptr(GBytes) line = read_line (socket);

  if (line == NULL)
    return FALSE;
  printf ("S: %.*s", (int) g_bytes_get_size (line), (const char *) g_bytes_get_data (line, NULL));
  return g_bytes_get_size (line) >= 3 && memcmp (g_bytes_get_data (line, NULL), code, 3) == 0;
}

static void
say (QsslSocket *socket,
     const char *text)
{
  printf ("C: %s", text);
  qssl_socket_write (socket, (const guint8 *) text, strlen (text));
}

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
  g_autoptr(QsslSocket) socket = qssl_socket_new ();

  g_option_context_add_main_entries (options, entries, NULL);
  if (!g_option_context_parse (options, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
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

  qssl_socket_connect_to_host (socket, argc > 1 ? argv[1] : "localhost", argc > 2 ? (guint16) atoi (argv[2]) : 2525,
                               QSSL_NETWORK_LAYER_PROTOCOL_ANY_IP);
  if (!qssl_socket_wait_for_connected (socket, 10000, &error))
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  if (!expect (socket, "220"))
    return 1;
  say (socket, "STARTTLS\r\n");
  if (!expect (socket, "220"))
    return 1;

  qssl_socket_start_client_encryption (socket);
  if (!qssl_socket_wait_for_encrypted (socket, 10000, &error))
    {
      g_printerr ("%s\n", qssl_socket_get_error_string (socket));
      return 1;
    }
  printf ("-- encrypted (%s) --\n", qssl_cipher_get_protocol_string (qssl_socket_get_session_cipher (socket)));
  say (socket, "NOOP\r\n");
  if (!expect (socket, "250"))
    return 1;
  say (socket, "QUIT\r\n");
  qssl_socket_disconnect_from_host (socket);
  return 0;
}
