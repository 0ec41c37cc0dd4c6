/* qssl-dtls.c: `qssl dtls-connect` and `qssl dtls-serve`, DTLS from the
 * command line (QsslDtlsConnection and QsslDtlsServer)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <glib-unix.h>
#include <glib/gi18n-lib.h>
#include <gio/gunixinputstream.h>

#include "qssl-tool.h"

static gboolean
on_signal (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_CONTINUE;
}

/* "1a2b..." into bytes; NULL for what is not hex. */
static GBytes *
parse_hex (const char *text)
{
  gsize length = strlen (text);
  g_autofree guint8 *data = NULL;

  if (length == 0 || length % 2 != 0)
    return NULL;
  data = g_malloc (length / 2);
  for (gsize i = 0; i < length / 2; i++)
    {
      int high = g_ascii_xdigit_value (text[2 * i]), low = g_ascii_xdigit_value (text[2 * i + 1]);

      if (high < 0 || low < 0)
        return NULL;
      data[i] = (guint8) (high << 4 | low);
    }
  return g_bytes_new_take (g_steal_pointer (&data), length / 2);
}

typedef struct {
  GBytes     *key;
  const char *identity;
} Psk;

static void
on_psk (QsslPreSharedKeyAuthenticator *authenticator,
        Psk                           *psk)
{
  if (psk->identity != NULL)
    {
      g_autoptr(GBytes) identity = g_bytes_new (psk->identity, strlen (psk->identity));

      qssl_pre_shared_key_authenticator_set_identity (authenticator, identity);
    }
  qssl_pre_shared_key_authenticator_set_pre_shared_key (authenticator, psk->key);
}

static void
on_client_psk (QsslDtls                      *dtls,
               QsslPreSharedKeyAuthenticator *authenticator,
               Psk                           *psk)
{
  on_psk (authenticator, psk);
}

static void
on_server_psk (QsslDtlsServer                *server,
               QsslDtlsConnection            *connection,
               QsslPreSharedKeyAuthenticator *authenticator,
               Psk                           *psk)
{
  on_psk (authenticator, psk);
}

static const char *
protocol_name (QsslProtocol protocol)
{
  switch (protocol)
    {
    case QSSL_PROTOCOL_DTLS_V1_2: return "DTLS 1.2";
    case QSSL_PROTOCOL_DTLS_V1_0: return "DTLS 1.0";
    default: return "?";
    }
}

static void
write_datagram (GBytes *datagram)
{
  fwrite (g_bytes_get_data (datagram, NULL), 1, g_bytes_get_size (datagram), stdout);
  if (g_bytes_get_size (datagram) == 0 ||
      ((const char *) g_bytes_get_data (datagram, NULL))[g_bytes_get_size (datagram) - 1] != '\n')
    fputc ('\n', stdout);
  fflush (stdout);
}

/* ---------------------------------------------------------------------- */
/* dtls-connect */

typedef struct {
  GMainLoop          *loop;
  QsslDtlsConnection *connection;
  GDataInputStream   *input;
  GCancellable       *cancellable;
  guint               linger;
  guint               linger_source;
  gboolean            input_done;
  int                 status;
} Client;

static gboolean
on_linger_over (gpointer user_data)
{
  Client *client = user_data;

  client->linger_source = 0;
  g_main_loop_quit (client->loop);
  return G_SOURCE_REMOVE;
}

/* After the input ended: wait for answers until the peer is quiet. */
static void
restart_linger (Client *client)
{
  if (!client->input_done)
    return;
  if (client->linger_source != 0)
    g_source_remove (client->linger_source);
  client->linger_source = g_timeout_add (client->linger, on_linger_over, client);
}

static void
on_received (QsslDtlsConnection *connection,
             GBytes             *datagram,
             Client             *client)
{
  write_datagram (datagram);
  restart_linger (client);
}

static void
on_closed (QsslDtlsConnection *connection,
           Client             *client)
{
  g_main_loop_quit (client->loop);
}

static void read_next_line (Client *client);

static void
on_line (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Client *client = user_data;
  g_autoptr(GError) error = NULL;
  gsize length;
  g_autofree char *line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source), result,
                                                                     &length, &error);
  g_autoptr(GBytes) datagram = NULL;

  if (line == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      client->input_done = TRUE;
      restart_linger (client);
      return;
    }
  datagram = g_bytes_new (line, length);
  if (!qssl_dtls_connection_send (client->connection, datagram, &error))
    g_printerr ("%s\n", error->message);
  read_next_line (client);
}

static void
read_next_line (Client *client)
{
  g_data_input_stream_read_line_async (client->input, G_PRIORITY_DEFAULT, client->cancellable, on_line, client);
}

static void
on_handshake (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Client *client = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(QsslCipher) cipher = NULL;

  if (!qssl_dtls_connection_handshake_finish (QSSL_DTLS_CONNECTION (source), result, &error))
    {
      g_printerr (_("DTLS handshake failed: %s\n"), error->message);
      client->status = QSSL_TOOL_EXIT_TLS;
      g_main_loop_quit (client->loop);
      return;
    }
  cipher = qssl_dtls_connection_get_session_cipher (client->connection);
  g_printerr (_("Connected: %s, %s\n"), protocol_name (qssl_dtls_connection_get_session_protocol (client->connection)),
              cipher ? qssl_cipher_get_name (cipher) : "?");
  read_next_line (client);
}

static void
on_ssl_errors (QsslDtlsConnection *connection,
               GPtrArray          *errors,
               gpointer            user_data)
{
  gboolean insecure = GPOINTER_TO_INT (user_data);

  for (guint i = 0; i < errors->len; i++)
    g_printerr ("%s\n", qssl_error_get_error_string (g_ptr_array_index (errors, i)));
  if (insecure)
    qssl_dtls_connection_ignore_ssl_errors (connection);
}

int
qssl_tool_dtls_connect (int    argc,
                        char **argv)
{
  g_autofree char *ca_file = NULL;
  g_autofree char *name = NULL;
  g_autofree char *psk_hex = NULL;
  g_autofree char *psk_identity = NULL;
  int mtu = 0, linger = 1000;
  gboolean insecure = FALSE;
  GOptionEntry entries[] = {
    { "ca", 0, 0, G_OPTION_ARG_FILENAME, &ca_file, N_("Trust the CA certificates in FILE (default: the system's)"), N_("FILE") },
    { "name", 0, 0, G_OPTION_ARG_STRING, &name, N_("The name the server's certificate must carry (default: HOST)"), N_("NAME") },
    { "insecure", 'k', 0, G_OPTION_ARG_NONE, &insecure, N_("Go on when the server cannot be verified"), NULL },
    { "psk", 0, 0, G_OPTION_ARG_STRING, &psk_hex, N_("Use this pre-shared key (hex)"), N_("HEX") },
    { "psk-identity", 0, 0, G_OPTION_ARG_STRING, &psk_identity, N_("The identity sent with the pre-shared key"), N_("ID") },
    { "mtu", 0, 0, G_OPTION_ARG_INT, &mtu, N_("Link MTU in bytes (default 1500)"), N_("BYTES") },
    { "linger", 0, 0, G_OPTION_ARG_INT, &linger, N_("After the input ends, wait this long for answers (ms)"), N_("MS") },
    { NULL }
  };
  g_autoptr(GOptionContext) options = g_option_context_new (N_("HOST:PORT"));
  g_autoptr(GError) error = NULL;
  g_autoptr(QsslConfiguration) configuration = qssl_configuration_get_default_dtls ();
  g_autoptr(GList) addresses = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autoptr(GInputStream) stdin_stream = NULL;
  g_autoptr(GBytes) key = NULL;
  g_autofree char *host = NULL;
  Psk psk = { 0 };
  Client client = { 0 };
  guint16 port;
  guint sigint;

  g_option_context_set_summary (options, _("Sends each line of standard input as one DTLS datagram and "
                                           "prints each datagram received.\n\n"
                                           "Exit status: 0 done, 2 bad usage, 3 host not found, 4 handshake "
                                           "failed, 5 unusable file."));
  g_option_context_add_main_entries (options, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (options, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return QSSL_TOOL_EXIT_USAGE;
    }
  if (argc != 2 || !parse_host_port (argv[1], &host, &port) || mtu < 0 || mtu > 65535 || linger < 0)
    {
      g_printerr (_("Give HOST:PORT (see --help)\n"));
      return QSSL_TOOL_EXIT_USAGE;
    }
  if (ca_file != NULL)
    {
      g_autoptr(GPtrArray) cas = qssl_certificate_from_file (ca_file, QSSL_ENCODING_FORMAT_PEM, &error);

      if (cas == NULL || cas->len == 0)
        {
          g_printerr (_("No certificate could be read from %s\n"), ca_file);
          return QSSL_TOOL_EXIT_INPUT;
        }
      qssl_configuration_set_ca_certificates (configuration, cas);
    }
  if (psk_hex != NULL && (key = parse_hex (psk_hex)) == NULL)
    {
      g_printerr (_("The pre-shared key is not hexadecimal\n"));
      return QSSL_TOOL_EXIT_USAGE;
    }
  addresses = g_resolver_lookup_by_name (g_resolver_get_default (), host, NULL, &error);
  if (addresses == NULL)
    {
      g_printerr ("%s\n", error->message);
      return QSSL_TOOL_EXIT_CONNECT;
    }

  loop = g_main_loop_new (NULL, FALSE);
  client.loop = loop;
  client.linger = (guint) linger;
  client.status = QSSL_TOOL_EXIT_OK;
  client.cancellable = g_cancellable_new ();
  client.connection = qssl_dtls_connection_new_client (addresses->data, port, name ? name : host, configuration);
  g_list_free_full (g_steal_pointer (&addresses), g_object_unref);
  if (mtu > 0)
    qssl_dtls_set_mtu_hint (qssl_dtls_connection_get_dtls (client.connection), (guint16) mtu);
  if (key != NULL)
    {
      psk.key = key;
      psk.identity = psk_identity ? psk_identity : "qssl";
      g_signal_connect (qssl_dtls_connection_get_dtls (client.connection), "pre-shared-key-authentication-required",
                        G_CALLBACK (on_client_psk), &psk);
    }
  g_signal_connect (client.connection, "received", G_CALLBACK (on_received), &client);
  g_signal_connect (client.connection, "closed", G_CALLBACK (on_closed), &client);
  g_signal_connect (client.connection, "ssl-errors", G_CALLBACK (on_ssl_errors), GINT_TO_POINTER (insecure));
  stdin_stream = g_unix_input_stream_new (0, FALSE);
  client.input = g_data_input_stream_new (stdin_stream);
  qssl_dtls_connection_handshake_async (client.connection, NULL, on_handshake, &client);
  sigint = g_unix_signal_add (SIGINT, on_signal, loop);
  g_main_loop_run (loop);
  g_source_remove (sigint);
  g_cancellable_cancel (client.cancellable);
  if (client.linger_source != 0)
    g_source_remove (client.linger_source);
  qssl_dtls_connection_close (client.connection);
  g_object_unref (client.connection);
  g_object_unref (client.input);
  g_object_unref (client.cancellable);
  return client.status;
}

/* ---------------------------------------------------------------------- */
/* dtls-serve */

typedef struct {
  gboolean echo;
  gboolean verbose;
} Service;

static void
on_server_received (QsslDtlsConnection *connection,
                    GBytes             *datagram,
                    Service            *service)
{
  g_autoptr(GError) error = NULL;

  if (!service->echo)
    {
      write_datagram (datagram);
      return;
    }
  if (!qssl_dtls_connection_send (connection, datagram, &error))
    g_printerr ("%s\n", error->message);
}

static void
on_server_closed (QsslDtlsConnection *connection,
                  Service            *service)
{
  if (service->verbose)
    {
      g_autofree char *address = g_inet_address_to_string (qssl_dtls_connection_get_peer_address (connection));

      g_printerr (_("%s:%u closed\n"), address, qssl_dtls_connection_get_peer_port (connection));
    }
}

static void
on_new_connection (QsslDtlsServer     *server,
                   QsslDtlsConnection *connection,
                   Service            *service)
{
  if (service->verbose)
    {
      g_autofree char *address = g_inet_address_to_string (qssl_dtls_connection_get_peer_address (connection));
      g_autoptr(QsslCipher) cipher = qssl_dtls_connection_get_session_cipher (connection);

      g_printerr (_("Connection from %s:%u: %s, %s\n"), address, qssl_dtls_connection_get_peer_port (connection),
                  protocol_name (qssl_dtls_connection_get_session_protocol (connection)),
                  cipher ? qssl_cipher_get_name (cipher) : "?");
    }
  g_signal_connect (connection, "received", G_CALLBACK (on_server_received), service);
  g_signal_connect (connection, "closed", G_CALLBACK (on_server_closed), service);
}

int
qssl_tool_dtls_serve (int    argc,
                      char **argv)
{
  g_autofree char *cert_file = NULL;
  g_autofree char *key_file = NULL;
  g_autofree char *address = NULL;
  g_autofree char *psk_hex = NULL;
  g_autofree char *psk_hint = NULL;
  int port = 0, idle = 60000;
  gboolean echo = FALSE, quiet = FALSE;
  GOptionEntry entries[] = {
    { "cert", 0, 0, G_OPTION_ARG_FILENAME, &cert_file, N_("The server's certificate chain (PEM, leaf first)"), N_("FILE") },
    { "key", 0, 0, G_OPTION_ARG_FILENAME, &key_file, N_("The server's private key (PEM)"), N_("FILE") },
    { "psk", 0, 0, G_OPTION_ARG_STRING, &psk_hex, N_("Accept clients with this pre-shared key (hex)"), N_("HEX") },
    { "psk-hint", 0, 0, G_OPTION_ARG_STRING, &psk_hint, N_("The identity hint sent to PSK clients"), N_("TEXT") },
    { "port", 'p', 0, G_OPTION_ARG_INT, &port, N_("Port to listen on (0, the default, picks a free one)"), N_("PORT") },
    { "address", 'a', 0, G_OPTION_ARG_STRING, &address, N_("Address to listen on (default: every IPv4 address)"), N_("ADDRESS") },
    { "echo", 0, 0, G_OPTION_ARG_NONE, &echo, N_("Send every datagram back (default: print it)"), NULL },
    { "idle", 0, 0, G_OPTION_ARG_INT, &idle, N_("Forget peers silent for this long (ms, default 60000)"), N_("MS") },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, N_("Do not report connections"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) options = g_option_context_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(QsslConfiguration) configuration = qssl_configuration_get_default_dtls ();
  g_autoptr(QsslDtlsServer) server = NULL;
  g_autoptr(GInetAddress) listen_address = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autoptr(GBytes) key_bytes = NULL;
  Psk psk = { 0 };
  Service service = { 0 };
  guint sigint, sigterm;

  g_option_context_set_summary (options, _("Serves DTLS on a UDP port; prints “Listening on ADDRESS:PORT” "
                                           "once ready.\n\n"
                                           "Exit status: 0 done, 2 bad usage, 3 cannot listen, 5 unusable "
                                           "certificate or key."));
  g_option_context_add_main_entries (options, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (options, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return QSSL_TOOL_EXIT_USAGE;
    }
  if (argc != 1 || ((cert_file == NULL || key_file == NULL) && psk_hex == NULL) || port < 0 || port > 65535 ||
      idle < 0)
    {
      g_printerr (_("Give --cert FILE and --key FILE, or --psk HEX (see --help)\n"));
      return QSSL_TOOL_EXIT_USAGE;
    }
  if (cert_file != NULL && key_file != NULL)
    {
      g_autoptr(GPtrArray) chain = qssl_certificate_from_file (cert_file, QSSL_ENCODING_FORMAT_PEM, NULL);
      g_autoptr(QsslKey) key = NULL;
      g_autoptr(GBytes) data = NULL;
      g_autofree char *contents = NULL;
      gsize length;

      if (chain == NULL || chain->len == 0)
        {
          g_printerr (_("No certificate could be read from %s\n"), cert_file);
          return QSSL_TOOL_EXIT_INPUT;
        }
      if (!g_file_get_contents (key_file, &contents, &length, &error))
        {
          g_printerr ("%s\n", error->message);
          return QSSL_TOOL_EXIT_INPUT;
        }
      data = g_bytes_new_take (g_steal_pointer (&contents), length);
      key = qssl_key_new_from_data (data, QSSL_KEY_ALGORITHM_OPAQUE, QSSL_ENCODING_FORMAT_PEM,
                                    QSSL_KEY_TYPE_PRIVATE_KEY, NULL, &error);
      if (key == NULL)
        {
          g_printerr (_("Cannot use the key in %s: %s\n"), key_file, error->message);
          return QSSL_TOOL_EXIT_INPUT;
        }
      qssl_configuration_set_local_certificate_chain (configuration, chain);
      qssl_configuration_set_private_key (configuration, key);
    }
  if (psk_hex != NULL)
    {
      if ((key_bytes = parse_hex (psk_hex)) == NULL)
        {
          g_printerr (_("The pre-shared key is not hexadecimal\n"));
          return QSSL_TOOL_EXIT_USAGE;
        }
      if (psk_hint != NULL)
        {
          g_autoptr(GBytes) hint = g_bytes_new (psk_hint, strlen (psk_hint));

          qssl_configuration_set_pre_shared_key_identity_hint (configuration, hint);
        }
      /* A PSK client brings no certificate. */
      qssl_configuration_set_peer_verify_mode (configuration, QSSL_PEER_VERIFY_MODE_NONE);
    }
  if (address != NULL && (listen_address = g_inet_address_new_from_string (address)) == NULL)
    {
      g_printerr (_("“%s” is not an IP address\n"), address);
      return QSSL_TOOL_EXIT_USAGE;
    }

  server = qssl_dtls_server_new ();
  qssl_dtls_server_set_dtls_configuration (server, configuration);
  qssl_dtls_server_set_idle_timeout (server, (guint) idle);
  if (key_bytes != NULL)
    {
      psk.key = key_bytes;
      g_signal_connect (server, "pre-shared-key-authentication-required", G_CALLBACK (on_server_psk), &psk);
    }
  if (!qssl_dtls_server_listen (server, listen_address, (guint16) port, &error))
    {
      g_printerr (_("Cannot listen: %s\n"), error->message);
      return QSSL_TOOL_EXIT_CONNECT;
    }
  service.echo = echo;
  service.verbose = !quiet;
  g_signal_connect (server, "new-connection", G_CALLBACK (on_new_connection), &service);
  loop = g_main_loop_new (NULL, FALSE);
  sigint = g_unix_signal_add (SIGINT, on_signal, loop);
  sigterm = g_unix_signal_add (SIGTERM, on_signal, loop);
  {
    g_autofree char *text = listen_address ? g_inet_address_to_string (listen_address) : g_strdup ("0.0.0.0");
    g_autofree char *shown = strchr (text, ':') ? g_strdup_printf ("[%s]", text) : g_strdup (text);

    /* Not translated: scripts read the port from this line. */
    printf ("Listening on %s:%u\n", shown, qssl_dtls_server_get_server_port (server));
    fflush (stdout);
  }
  g_main_loop_run (loop);
  g_source_remove (sigint);
  g_source_remove (sigterm);
  qssl_dtls_server_close (server);
  return QSSL_TOOL_EXIT_OK;
}
