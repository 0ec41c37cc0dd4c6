/* qssl-serve.c: `qssl serve`, a QsslServer from the command line
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include <glib-unix.h>
#include <glib/gi18n-lib.h>

#include "qssl-tool.h"

typedef struct {
  GMainLoop *loop;
  gboolean   echo;
  gboolean   verbose;
  int        remaining;   /* connections left to serve; -1 = no limit */
  guint      open;        /* sockets not yet closed */
} Service;

static void
finish_one (Service *service)
{
  service->open--;
  if (service->remaining == 0 && service->open == 0)
    g_main_loop_quit (service->loop);
}

static void
on_disconnected (QsslSocket *socket,
                 Service    *service)
{
  g_signal_handlers_disconnect_by_data (socket, service);
  finish_one (service);
  /* The pending queue gave us the reference. */
  g_object_unref (socket);
}

static void
on_echo (QsslSocket *socket,
         Service    *service)
{
  g_autoptr(GBytes) data = qssl_socket_read_all (socket);

  qssl_socket_write_bytes (socket, data);
}

/* Without --echo: an HTTP/1.0 answer that describes the connection, so
 * browsers, curl and scanners get something meaningful. */
static void
on_request (QsslSocket *socket,
            Service    *service)
{
  g_autoptr(GBytes) request = qssl_socket_peek_bytes (socket, 65536);
  QsslCipher *cipher = qssl_socket_get_session_cipher (socket);
  g_autofree char *body = NULL;
  g_autofree char *response = NULL;

  if (g_strstr_len (g_bytes_get_data (request, NULL), g_bytes_get_size (request), "\r\n\r\n") == NULL &&
      g_strstr_len (g_bytes_get_data (request, NULL), g_bytes_get_size (request), "\n\n") == NULL &&
      g_bytes_get_size (request) < 65536)
    return; /* wait for the whole request head */
  g_bytes_unref (qssl_socket_read_all (socket));
  g_signal_handlers_disconnect_by_func (socket, on_request, service);
  body = g_strdup_printf ("Hello from libqssl.\nProtocol: %s\nCipher: %s\nResumed: %s\n",
                          cipher ? qssl_cipher_get_protocol_string (cipher) : "?",
                          cipher ? qssl_cipher_get_name (cipher) : "?",
                          qssl_socket_is_session_resumed (socket) ? "yes" : "no");
  response = g_strdup_printf ("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n"
                              "Connection: close\r\nStrict-Transport-Security: max-age=63072000\r\n\r\n%s",
                              strlen (body), body);
  qssl_socket_write (socket, (const guint8 *) response, strlen (response));
  qssl_socket_disconnect_from_host (socket);
}

static void
on_pending (QsslServer *server,
            Service    *service)
{
  QsslSocket *socket;

  while ((socket = qssl_server_next_pending_connection (server)) != NULL)
    {
      if (service->verbose)
        {
          g_autoptr(GInetAddress) peer = qssl_socket_get_peer_address (socket);
          g_autofree char *address = g_inet_address_to_string (peer);
          QsslCipher *cipher = qssl_socket_get_session_cipher (socket);

          g_printerr (_("Connection from %s: %s, %s%s\n"), address,
                      cipher ? qssl_cipher_get_protocol_string (cipher) : "?",
                      cipher ? qssl_cipher_get_name (cipher) : "?",
                      qssl_socket_is_session_resumed (socket) ? _(", resumed") : "");
        }
      if (service->remaining > 0)
        service->remaining--;
      service->open++;
      if (service->remaining == 0)
        qssl_server_close (server);
      g_signal_connect (socket, "disconnected", G_CALLBACK (on_disconnected), service);
      g_signal_connect (socket, "ready-read", G_CALLBACK (service->echo ? on_echo : on_request), service);
      if (qssl_socket_bytes_available (socket) > 0)
        (service->echo ? on_echo : on_request) (socket, service);
    }
}

static void
on_error (QsslServer      *server,
          QsslSocket      *socket,
          QsslSocketError  error,
          Service         *service)
{
  if (service->verbose)
    g_printerr (_("A client failed: %s\n"), qssl_socket_get_error_string (socket));
}

/* The server tries again by itself (with a backoff); this only says so. */
static void
on_accept_error (QsslServer      *server,
                 QsslSocketError  error,
                 const char      *message,
                 Service         *service)
{
  if (service->verbose)
    g_printerr (_("Cannot accept a connection (trying again): %s\n"), message);
}

static gboolean
on_signal (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_CONTINUE;
}

int
qssl_tool_serve (int    argc,
                 char **argv)
{
  g_autofree char *cert_file = NULL;
  g_autofree char *key_file = NULL;
  g_autofree char *ca_file = NULL;
  g_autofree char *address = NULL;
  g_autofree char *alpn = NULL;
  g_autofree char *passphrase = NULL;
  int port = 0, connections = -1;
  int idle_timeout = 0, max_handshakes = -1, max_handshakes_per_address = 0;
  gboolean echo = FALSE, quiet = FALSE, require_client_cert = FALSE;
  GOptionEntry entries[] = {
    { "cert", 0, 0, G_OPTION_ARG_FILENAME, &cert_file, N_("The server's certificate chain (PEM, leaf first)"), N_("FILE") },
    { "key", 0, 0, G_OPTION_ARG_FILENAME, &key_file, N_("The server's private key (PEM)"), N_("FILE") },
    { "passphrase", 0, 0, G_OPTION_ARG_STRING, &passphrase, N_("Passphrase of an encrypted key"), N_("TEXT") },
    { "port", 'p', 0, G_OPTION_ARG_INT, &port, N_("Port to listen on (0, the default, picks a free one)"), N_("PORT") },
    { "address", 'a', 0, G_OPTION_ARG_STRING, &address, N_("Address to listen on (default: every address)"), N_("ADDRESS") },
    { "echo", 0, 0, G_OPTION_ARG_NONE, &echo, N_("Send every client its own data back (default: answer HTTP requests)"), NULL },
    { "alpn", 0, 0, G_OPTION_ARG_STRING, &alpn, N_("Accept these application protocols, comma-separated"), N_("LIST") },
    { "client-ca", 0, 0, G_OPTION_ARG_FILENAME, &ca_file, N_("Require client certificates issued by a CA in FILE"), N_("FILE") },
    { "connections", 'n', 0, G_OPTION_ARG_INT, &connections, N_("Exit after serving N connections"), N_("N") },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, N_("Do not report connections"), NULL },
    { "idle-timeout", 0, 0, G_OPTION_ARG_INT, &idle_timeout, N_("Drop a connection that moves no data for MSECS (default: never)"), N_("MSECS") },
    { "max-handshakes", 0, 0, G_OPTION_ARG_INT, &max_handshakes, N_("Handshakes in flight at most; the oldest is dropped for a newcomer (default 1024, 0: no limit)"), N_("N") },
    { "max-handshakes-per-address", 0, 0, G_OPTION_ARG_INT, &max_handshakes_per_address, N_("Handshakes in flight from one IP address at most (default 0: no limit)"), N_("N") },
    { NULL }
  };
  g_autoptr(GOptionContext) options = g_option_context_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(QsslConfiguration) configuration = qssl_configuration_get_default ();
  g_autoptr(QsslServer) server = NULL;
  g_autoptr(GPtrArray) chain = NULL;
  g_autoptr(QsslKey) key = NULL;
  g_autoptr(GInetAddress) listen_address = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  Service service = { 0 };
  guint sigint, sigterm;

  g_option_context_set_summary (options, _("Serves TLS on a port with a certificate and key; prints "
                                           "“Listening on ADDRESS:PORT” once ready.\n\n"
                                           "Exit status: 0 done, 2 bad usage, 3 cannot listen, 5 unusable "
                                           "certificate or key."));
  g_option_context_add_main_entries (options, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (options, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return QSSL_TOOL_EXIT_USAGE;
    }
  if (argc != 1 || cert_file == NULL || key_file == NULL || port < 0 || port > 65535 || idle_timeout < 0 ||
      max_handshakes < -1 || max_handshakes_per_address < 0)
    {
      g_printerr (_("Give --cert FILE and --key FILE (see --help)\n"));
      return QSSL_TOOL_EXIT_USAGE;
    }
  chain = qssl_certificate_list_from_path (cert_file, QSSL_ENCODING_FORMAT_PEM, QSSL_PATTERN_SYNTAX_FIXED_STRING, NULL);
  if (chain->len == 0)
    {
      g_printerr (_("No certificate could be read from %s\n"), cert_file);
      return QSSL_TOOL_EXIT_INPUT;
    }
  {
    g_autoptr(GBytes) data = NULL;
    g_autofree char *contents = NULL;
    gsize length;

    if (!g_file_get_contents (key_file, &contents, &length, &error))
      {
        g_printerr ("%s\n", error->message);
        return QSSL_TOOL_EXIT_INPUT;
      }
    data = g_bytes_new_static (contents, length);
    key = qssl_key_new_from_data (data, QSSL_KEY_ALGORITHM_OPAQUE, QSSL_ENCODING_FORMAT_PEM,
                                  QSSL_KEY_TYPE_PRIVATE_KEY, passphrase, &error);
    /* The file's text is the key in clear: not left in freed memory. */
    explicit_bzero (contents, length);
    if (key == NULL)
      {
        g_printerr (_("Cannot use the key in %s: %s\n"), key_file, error->message);
        return QSSL_TOOL_EXIT_INPUT;
      }
  }
  qssl_configuration_set_local_certificate_chain (configuration, chain);
  qssl_configuration_set_private_key (configuration, key);
  if (alpn != NULL)
    {
      g_auto(GStrv) protocols = g_strsplit (alpn, ",", -1);

      qssl_configuration_set_allowed_next_protocols (configuration, (const char * const *) protocols);
    }
  if (ca_file != NULL)
    {
      g_autoptr(GPtrArray) cas = qssl_certificate_list_from_path (ca_file, QSSL_ENCODING_FORMAT_PEM,
                                                                  QSSL_PATTERN_SYNTAX_FIXED_STRING, NULL);

      if (cas->len == 0)
        {
          g_printerr (_("No certificate could be read from %s\n"), ca_file);
          return QSSL_TOOL_EXIT_INPUT;
        }
      qssl_configuration_set_ca_certificates (configuration, cas);
      qssl_configuration_set_peer_verify_mode (configuration, QSSL_PEER_VERIFY_MODE_VERIFY_PEER);
      qssl_configuration_set_missing_certificate_is_fatal (configuration, TRUE);
      require_client_cert = TRUE;
    }
  if (address != NULL)
    {
      listen_address = g_inet_address_new_from_string (address);
      if (listen_address == NULL)
        {
          g_printerr (_("“%s” is not an IP address\n"), address);
          return QSSL_TOOL_EXIT_USAGE;
        }
    }

  server = qssl_server_new ();
  qssl_server_set_ssl_configuration (server, configuration);
  qssl_server_set_idle_timeout (server, idle_timeout);
  if (max_handshakes >= 0)
    qssl_server_set_max_handshakes (server, max_handshakes);
  qssl_server_set_max_handshakes_per_address (server, max_handshakes_per_address);
  if (!qssl_server_listen (server, listen_address, (guint16) port, &error))
    {
      g_printerr (_("Cannot listen: %s\n"), error->message);
      return QSSL_TOOL_EXIT_CONNECT;
    }
  loop = g_main_loop_new (NULL, FALSE);
  service.loop = loop;
  service.echo = echo;
  service.verbose = !quiet;
  service.remaining = connections > 0 ? connections : -1;
  g_signal_connect (server, "pending-connection-available", G_CALLBACK (on_pending), &service);
  g_signal_connect (server, "error-occurred", G_CALLBACK (on_error), &service);
  g_signal_connect (server, "accept-error", G_CALLBACK (on_accept_error), &service);
  sigint = g_unix_signal_add (SIGINT, on_signal, loop);
  sigterm = g_unix_signal_add (SIGTERM, on_signal, loop);
  {
    g_autoptr(GInetAddress) bound = qssl_server_get_server_address (server);
    g_autofree char *text = bound ? g_inet_address_to_string (bound) : g_strdup ("*");
    g_autofree char *shown = strchr (text, ':') ? g_strdup_printf ("[%s]", text) : g_strdup (text);

    /* Not translated: scripts read the port from this line. */
    printf ("Listening on %s:%u%s\n", shown, qssl_server_get_server_port (server),
            require_client_cert ? _(" (client certificates required)") : "");
    fflush (stdout);
  }
  g_main_loop_run (loop);
  g_source_remove (sigint);
  g_source_remove (sigterm);
  qssl_server_close (server);
  return QSSL_TOOL_EXIT_OK;
}
