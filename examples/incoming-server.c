/* incoming-server.c: the server from QSslSocket's documentation
 *
 * Qt subclasses QTcpServer and overrides incomingConnection(); in GIO a
 * GSocketService's "incoming" signal plays that part. Each connection is
 * adopted with qssl_socket_new_from_socket() (Qt: setSocketDescriptor()),
 * kept as a pending connection, and encrypted with
 * qssl_socket_start_server_encryption(); once "encrypted", it echoes lines.
 *
 *   incoming-server --cert FILE --key FILE [--port N] [--connections N]
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <stdio.h>

#include <libqssl/qssl.h>

typedef struct {
  QsslConfiguration *configuration;
  GQueue             pending;       /* Qt's addPendingConnection() */
  GMainLoop         *loop;
  int                remaining;
} SslServer;

static void
ready (QsslSocket *socket,
       SslServer  *server)
{
  printf ("client encrypted (%s)\n", qssl_cipher_get_name (qssl_socket_get_session_cipher (socket)));
  fflush (stdout);
}

static void
echo (QsslSocket *socket,
      SslServer  *server)
{
  while (qssl_socket_can_read_line (socket))
    {
      g_autoptr(GBytes) line = qssl_socket_read_line (socket, 0);

      qssl_socket_write_bytes (socket, line);
    }
}

static void
gone (QsslSocket *socket,
      SslServer  *server)
{
  g_queue_remove (&server->pending, socket);
  g_object_unref (socket);
  if (--server->remaining == 0)
    g_main_loop_quit (server->loop);
}

static gboolean
incoming_connection (GSocketService    *service,
                     GSocketConnection *connection,
                     GObject           *source_object,
                     SslServer         *server)
{
  g_autoptr(GError) error = NULL;
  QsslSocket *server_socket = qssl_socket_new_from_socket (g_socket_connection_get_socket (connection), &error);

  if (server_socket == NULL)
    {
      g_printerr ("%s\n", error->message);
      return TRUE;
    }
  qssl_socket_set_ssl_configuration (server_socket, server->configuration);
  g_queue_push_tail (&server->pending, server_socket);
  g_signal_connect (server_socket, "encrypted", G_CALLBACK (ready), server);
  g_signal_connect (server_socket, "ready-read", G_CALLBACK (echo), server);
  g_signal_connect (server_socket, "disconnected", G_CALLBACK (gone), server);
  qssl_socket_start_server_encryption (server_socket);
  return TRUE;
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
  g_autoptr(GSocketService) service = g_socket_service_new ();
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(QsslConfiguration) configuration = qssl_configuration_get_default ();
  g_autoptr(GPtrArray) chain = NULL;
  g_autoptr(GBytes) key_data = NULL;
  g_autoptr(QsslKey) key = NULL;
  g_autofree char *key_text = NULL;
  gsize key_length;
  SslServer server = { 0 };
  guint16 bound;

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

  server.configuration = configuration;
  server.loop = loop;
  server.remaining = connections;
  g_queue_init (&server.pending);
  if (port == 0)
    bound = g_socket_listener_add_any_inet_port (G_SOCKET_LISTENER (service), NULL, &error);
  else if (g_socket_listener_add_inet_port (G_SOCKET_LISTENER (service), (guint16) port, NULL, &error))
    bound = (guint16) port;
  else
    bound = 0;
  if (bound == 0)
    {
      g_printerr ("%s\n", error->message);
      return 3;
    }
  g_signal_connect (service, "incoming", G_CALLBACK (incoming_connection), &server);
  printf ("Listening on port %u\n", bound);
  fflush (stdout);
  g_main_loop_run (loop);
  g_queue_clear_full (&server.pending, g_object_unref);
  return 0;
}
