/* echo-server.c: a QsslServer that sends every client its lines back
 *
 * QsslServer (Qt 6.4's QSslServer) accepts, encrypts with its
 * configuration, drops clients that do not finish the handshake in time,
 * and hands over only encrypted sockets.
 *
 *   echo-server --cert FILE --key FILE [--port N] [--connections N]
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <stdio.h>

#include <libqssl/qssl.h>

typedef struct {
  GMainLoop *loop;
  int        remaining;
} Echo;

static void
echo_lines (QsslSocket *socket,
            Echo       *echo)
{
  while (qssl_socket_can_read_line (socket))
    {
      g_autoptr(GBytes) line = qssl_socket_read_line (socket, 0);

      qssl_socket_write_bytes (socket, line);
    }
}

static void
client_gone (QsslSocket *socket,
             Echo       *echo)
{
  g_object_unref (socket);
  if (--echo->remaining == 0)
    g_main_loop_quit (echo->loop);
}

static void
new_connections (QsslServer *server,
                 Echo       *echo)
{
  QsslSocket *socket;

  while ((socket = qssl_server_next_pending_connection (server)) != NULL)
    {
      g_signal_connect (socket, "ready-read", G_CALLBACK (echo_lines), echo);
      g_signal_connect (socket, "disconnected", G_CALLBACK (client_gone), echo);
      echo_lines (socket, echo);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *cert_file = NULL;
  g_autofree char *key_file = NULL;
  int port = 4433, connections = -1;
  GOptionEntry entries[] = {
    { "cert", 0, 0, G_OPTION_ARG_FILENAME, &cert_file, "Certificate chain (PEM)", "FILE" },
    { "key", 0, 0, G_OPTION_ARG_FILENAME, &key_file, "Private key (PEM)", "FILE" },
    { "port", 'p', 0, G_OPTION_ARG_INT, &port, "Port (0 picks one)", "N" },
    { "connections", 'n', 0, G_OPTION_ARG_INT, &connections, "Exit after N connections", "N" },
    { NULL }
  };
  g_autoptr(GOptionContext) options = g_option_context_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(QsslConfiguration) configuration = qssl_configuration_get_default ();
  g_autoptr(QsslServer) server = qssl_server_new ();
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(GPtrArray) chain = NULL;
  g_autoptr(QsslKey) key = NULL;
  g_autoptr(GBytes) key_data = NULL;
  g_autofree char *key_text = NULL;
  gsize key_length;
  Echo echo = { 0 };

  g_option_context_add_main_entries (options, entries, NULL);
  if (!g_option_context_parse (options, &argc, &argv, &error) || cert_file == NULL || key_file == NULL)
    {
      g_printerr ("%s\n", error ? error->message : "give --cert and --key");
      return 2;
    }
  chain = qssl_certificate_list_from_path (cert_file, QSSL_ENCODING_FORMAT_PEM, QSSL_PATTERN_SYNTAX_FIXED_STRING, NULL);
  if (!g_file_get_contents (key_file, &key_text, &key_length, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  key_data = g_bytes_new_take (g_steal_pointer (&key_text), key_length);
  key = qssl_key_new_from_data (key_data, QSSL_KEY_ALGORITHM_OPAQUE, QSSL_ENCODING_FORMAT_PEM,
                                QSSL_KEY_TYPE_PRIVATE_KEY, NULL, &error);
  if (chain->len == 0 || key == NULL)
    {
      g_printerr ("unusable certificate or key\n");
      return 2;
    }
  qssl_configuration_set_local_certificate_chain (configuration, chain);
  qssl_configuration_set_private_key (configuration, key);
  qssl_server_set_ssl_configuration (server, configuration);
  if (!qssl_server_listen (server, NULL, (guint16) port, &error))
    {
      g_printerr ("%s\n", error->message);
      return 3;
    }
  echo.loop = loop;
  echo.remaining = connections;
  g_signal_connect (server, "pending-connection-available", G_CALLBACK (new_connections), &echo);
  printf ("Listening on port %u\n", qssl_server_get_server_port (server));
  fflush (stdout);
  g_main_loop_run (loop);
  return 0;
}
