/* test-dtls.c: QsslDtls and QsslDtlsClientVerifier (Qt's QDtls family)
 * against openssl s_server / s_client, and Qt's DTLS examples translated
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include "qssl-test-utils.h"

#define PSK_IDENTITY "Qt DTLS example client"
#define PSK_HINT "Qt DTLS example server"
/* Qt's examples use this key. */
static const guint8 psk_key[] = { 0x1a, 0x2b, 0x3c, 0x4d, 0x5e, 0x6f };

static GSocket *
udp_socket (const char *ip,
            guint16     port)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) address = g_inet_address_new_from_string (ip);
  g_autoptr(GSocketAddress) local = g_inet_socket_address_new (address, port);
  GSocket *socket = g_socket_new (g_inet_address_get_family (address), G_SOCKET_TYPE_DATAGRAM,
                                  G_SOCKET_PROTOCOL_UDP, &error);

  g_assert_no_error (error);
  g_socket_set_blocking (socket, FALSE);
  g_socket_bind (socket, local, FALSE, &error);
  g_assert_no_error (error);
  return socket;
}

static guint16
local_port (GSocket *socket)
{
  g_autoptr(GSocketAddress) address = g_socket_get_local_address (socket, NULL);

  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (address));
}

static guint16
free_udp_port (void)
{
  g_autoptr(GSocket) socket = udp_socket ("127.0.0.1", 0);

  return local_port (socket);
}

/* One datagram from @socket, or NULL when none is waiting. */
static GBytes *
receive (GSocket         *socket,
         GSocketAddress **from)
{
  g_autoptr(GError) error = NULL;
  guint8 buffer[65536];
  gssize length = g_socket_receive_from (socket, from, (char *) buffer, sizeof buffer, NULL, &error);

  if (length < 0)
    {
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK);
      return NULL;
    }
  return g_bytes_new (buffer, length);
}

static void
on_psk_required (QsslDtls                      *dtls,
                 QsslPreSharedKeyAuthenticator *authenticator,
                 gpointer                       user_data)
{
  g_autoptr(GBytes) key = g_bytes_new_static (psk_key, sizeof psk_key);

  if (qssl_dtls_get_ssl_mode (dtls) == QSSL_MODE_SSL_CLIENT)
    {
      g_autoptr(GBytes) identity = g_bytes_new_static (PSK_IDENTITY, strlen (PSK_IDENTITY));

      qssl_pre_shared_key_authenticator_set_identity (authenticator, identity);
    }
  qssl_pre_shared_key_authenticator_set_pre_shared_key (authenticator, key);
}

static QsslConfiguration *
dtls_client_configuration (void)
{
  QsslConfiguration *configuration = qssl_test_client_configuration ();

  qssl_configuration_set_protocol (configuration, QSSL_PROTOCOL_DTLS_V1_2_OR_LATER);
  return configuration;
}

static QsslConfiguration *
dtls_server_configuration (void)
{
  QsslConfiguration *configuration = qssl_test_server_configuration ("server-rsa");

  qssl_configuration_set_protocol (configuration, QSSL_PROTOCOL_DTLS_V1_2_OR_LATER);
  return configuration;
}

/* ---------------------------------------------------------------------- */
/* Qt's secureudpserver example (DtlsServer), translated */

typedef struct
{
  GSocket                *socket;
  GSource                *source;
  QsslDtlsClientVerifier *cookie_sender;
  QsslConfiguration      *configuration;
  GPtrArray              *known_clients;   /* QsslDtls */
  GPtrArray              *received;        /* char *: what clients sent */
  gboolean                use_psk;
  guint                   closed_by_peer;
} ExampleServer;

static gboolean
server_do_handshake (ExampleServer *server,
                     QsslDtls      *connection,
                     GBytes        *client_hello)
{
  g_autoptr(GError) error = NULL;

  if (!qssl_dtls_do_handshake (connection, server->socket, client_hello, &error))
    {
      g_test_message ("server: handshake failed: %s", error->message);
      g_ptr_array_remove (server->known_clients, connection);
      return FALSE;
    }
  return TRUE;
}

static void
server_handle_new_connection (ExampleServer  *server,
                              GSocketAddress *from,
                              GBytes         *client_hello)
{
  GInetSocketAddress *peer = G_INET_SOCKET_ADDRESS (from);
  g_autoptr(GError) error = NULL;

  if (qssl_dtls_client_verifier_verify_client (server->cookie_sender, server->socket, client_hello,
                                               g_inet_socket_address_get_address (peer),
                                               g_inet_socket_address_get_port (peer), &error))
    {
      QsslDtls *connection = qssl_dtls_new (QSSL_MODE_SSL_SERVER);
      g_autoptr(GBytes) hello = qssl_dtls_client_verifier_get_verified_hello (server->cookie_sender);

      g_assert_true (qssl_dtls_set_dtls_configuration (connection, server->configuration, NULL));
      g_assert_true (qssl_dtls_set_peer (connection, g_inet_socket_address_get_address (peer),
                                         g_inet_socket_address_get_port (peer), NULL, NULL));
      if (server->use_psk)
        g_signal_connect (connection, "pre-shared-key-authentication-required", G_CALLBACK (on_psk_required), NULL);
      g_ptr_array_add (server->known_clients, connection);
      g_assert_true (g_bytes_equal (hello, client_hello));
      server_do_handshake (server, connection, client_hello);
    }
  else
    g_assert_no_error (error);
}

static gboolean
server_ready_read (GSocket      *socket,
                   GIOCondition  condition,
                   gpointer      user_data)
{
  ExampleServer *server = user_data;
  g_autoptr(GSocketAddress) from = NULL;
  g_autoptr(GBytes) dgram = receive (socket, &from);
  QsslDtls *client = NULL;

  if (dgram == NULL)
    return G_SOURCE_CONTINUE;
  for (guint i = 0; i < server->known_clients->len && client == NULL; i++)
    {
      QsslDtls *candidate = g_ptr_array_index (server->known_clients, i);

      if (g_inet_address_equal (qssl_dtls_get_peer_address (candidate),
                                g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (from))) &&
          qssl_dtls_get_peer_port (candidate) == g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (from)))
        client = candidate;
    }
  if (client == NULL)
    {
      server_handle_new_connection (server, from, dgram);
      return G_SOURCE_CONTINUE;
    }
  if (qssl_dtls_is_connection_encrypted (client))
    {
      g_autoptr(GBytes) message = qssl_dtls_decrypt_datagram (client, socket, dgram);

      if (message != NULL)
        {
          g_autofree char *text = g_strndup (g_bytes_get_data (message, NULL), g_bytes_get_size (message));
          g_autofree char *reply = g_strdup_printf ("to peer: %s", text);
          g_autoptr(GBytes) reply_bytes = g_bytes_new (reply, strlen (reply));
          g_autoptr(GError) error = NULL;

          g_ptr_array_add (server->received, g_steal_pointer (&text));
          g_assert_cmpint (qssl_dtls_write_datagram_encrypted (client, socket, reply_bytes, &error), ==,
                           strlen (reply));
          g_assert_no_error (error);
        }
      if (qssl_dtls_get_dtls_error (client) == QSSL_DTLS_ERROR_REMOTE_CLOSED_CONNECTION_ERROR)
        {
          server->closed_by_peer++;
          g_ptr_array_remove (server->known_clients, client);
        }
      return G_SOURCE_CONTINUE;
    }
  server_do_handshake (server, client, dgram);
  return G_SOURCE_CONTINUE;
}

static ExampleServer *
example_server_new (QsslConfiguration *configuration,
                    gboolean           use_psk)
{
  ExampleServer *server = g_new0 (ExampleServer, 1);

  server->socket = udp_socket ("127.0.0.1", 0);
  server->cookie_sender = qssl_dtls_client_verifier_new ();
  server->configuration = configuration;
  server->known_clients = g_ptr_array_new_with_free_func (g_object_unref);
  server->received = g_ptr_array_new_with_free_func (g_free);
  server->use_psk = use_psk;
  server->source = g_socket_create_source (server->socket, G_IO_IN, NULL);
  g_source_set_callback (server->source, G_SOURCE_FUNC (server_ready_read), server, NULL);
  g_source_attach (server->source, NULL);
  return server;
}

static void
example_server_free (ExampleServer *server)
{
  g_source_destroy (server->source);
  g_source_unref (server->source);
  g_ptr_array_unref (server->known_clients);
  g_ptr_array_unref (server->received);
  g_object_unref (server->cookie_sender);
  qssl_configuration_free (server->configuration);
  g_object_unref (server->socket);
  g_free (server);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ExampleServer, example_server_free)

/* ---------------------------------------------------------------------- */
/* Qt's secureudpclient example (DtlsAssociation), translated */

typedef struct
{
  GSocket   *socket;
  GSource   *source;
  QsslDtls  *crypto;
  GPtrArray *received;       /* char * */
  GError    *error;
  gboolean   encrypted;
  gboolean   failed;
  guint      timeouts;
  guint      pings;
} ExampleClient;

static void
client_send_ping (ExampleClient *client)
{
  g_autofree char *message = g_strdup_printf ("I am example client, please, accept our ping %u", client->pings++);
  g_autoptr(GBytes) bytes = g_bytes_new (message, strlen (message));
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (qssl_dtls_write_datagram_encrypted (client->crypto, client->socket, bytes, &error), ==,
                   strlen (message));
  g_assert_no_error (error);
}

static gboolean
client_ready_read (GSocket      *socket,
                   GIOCondition  condition,
                   gpointer      user_data)
{
  ExampleClient *client = user_data;
  g_autoptr(GBytes) dgram = receive (socket, NULL);

  if (dgram == NULL)
    return G_SOURCE_CONTINUE;
  if (qssl_dtls_is_connection_encrypted (client->crypto))
    {
      g_autoptr(GBytes) message = qssl_dtls_decrypt_datagram (client->crypto, socket, dgram);

      if (message != NULL)
        g_ptr_array_add (client->received,
                         g_strndup (g_bytes_get_data (message, NULL), g_bytes_get_size (message)));
      return G_SOURCE_CONTINUE;
    }
  if (!qssl_dtls_do_handshake (client->crypto, socket, dgram, &client->error))
    {
      client->failed = TRUE;
      return G_SOURCE_CONTINUE;
    }
  if (qssl_dtls_get_handshake_state (client->crypto) == QSSL_DTLS_HANDSHAKE_STATE_COMPLETE)
    client->encrypted = TRUE;
  return G_SOURCE_CONTINUE;
}

static void
client_handshake_timeout (QsslDtls *crypto,
                          gpointer  user_data)
{
  ExampleClient *client = user_data;

  client->timeouts++;
  if (!qssl_dtls_handle_timeout (crypto, client->socket, &client->error))
    client->failed = TRUE;
}

static ExampleClient *
example_client_new (guint16            port,
                    const char        *verification_name,
                    QsslConfiguration *configuration,
                    gboolean           use_psk)
{
  ExampleClient *client = g_new0 (ExampleClient, 1);
  g_autoptr(GInetAddress) address = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);

  client->socket = udp_socket ("127.0.0.1", 0);
  client->crypto = qssl_dtls_new (QSSL_MODE_SSL_CLIENT);
  client->received = g_ptr_array_new_with_free_func (g_free);
  g_assert_true (qssl_dtls_set_peer (client->crypto, address, port, verification_name, NULL));
  g_assert_true (qssl_dtls_set_dtls_configuration (client->crypto, configuration, NULL));
  g_signal_connect (client->crypto, "handshake-timeout", G_CALLBACK (client_handshake_timeout), client);
  if (use_psk)
    g_signal_connect (client->crypto, "pre-shared-key-authentication-required", G_CALLBACK (on_psk_required), NULL);
  client->source = g_socket_create_source (client->socket, G_IO_IN, NULL);
  g_source_set_callback (client->source, G_SOURCE_FUNC (client_ready_read), client, NULL);
  g_source_attach (client->source, NULL);
  return client;
}

static void
example_client_start (ExampleClient *client)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (qssl_dtls_do_handshake (client->crypto, client->socket, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (qssl_dtls_get_handshake_state (client->crypto), ==, QSSL_DTLS_HANDSHAKE_STATE_IN_PROGRESS);
}

static gboolean
client_finished (gpointer data)
{
  ExampleClient *client = data;

  return client->encrypted || client->failed;
}

static void
example_client_wait (ExampleClient *client)
{
  GMainContext *context = g_main_context_default ();
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

  while (!client_finished (client) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (context, TRUE);
}

static gboolean
wait_for_count (GPtrArray *array,
                guint      count)
{
  GMainContext *context = g_main_context_default ();
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  while (array->len < count && g_get_monotonic_time () < deadline)
    g_main_context_iteration (context, TRUE);
  return array->len >= count;
}

static void
example_client_free (ExampleClient *client)
{
  g_source_destroy (client->source);
  g_source_unref (client->source);
  g_object_unref (client->crypto);
  g_object_unref (client->socket);
  g_ptr_array_unref (client->received);
  g_clear_error (&client->error);
  g_free (client);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ExampleClient, example_client_free)

/* ---------------------------------------------------------------------- */
/* openssl s_server / s_client */

typedef struct
{
  GSubprocess *process;
  GString     *output;
  GSource     *source;
} OpensslPeer;

static gboolean
on_peer_output (GObject  *stream,
                gpointer  user_data)
{
  OpensslPeer *peer = user_data;
  char buffer[4096];
  gssize length = g_pollable_input_stream_read_nonblocking (G_POLLABLE_INPUT_STREAM (stream), buffer,
                                                            sizeof buffer, NULL, NULL);

  if (length > 0)
    g_string_append_len (peer->output, buffer, length);
  return length != 0 ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

static OpensslPeer *
openssl_peer_start (const char * const *argv)
{
  OpensslPeer *peer = g_new0 (OpensslPeer, 1);
  g_autoptr(GError) error = NULL;
  GInputStream *output;

  peer->process = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                           G_SUBPROCESS_FLAGS_STDERR_MERGE, &error);
  g_assert_no_error (error);
  peer->output = g_string_new (NULL);
  output = g_subprocess_get_stdout_pipe (peer->process);
  peer->source = g_pollable_input_stream_create_source (G_POLLABLE_INPUT_STREAM (output), NULL);
  g_source_set_callback (peer->source, G_SOURCE_FUNC (on_peer_output), peer, NULL);
  g_source_attach (peer->source, NULL);
  return peer;
}

static gboolean
output_contains (gpointer data)
{
  gpointer *pair = data;

  return strstr (((OpensslPeer *) pair[0])->output->str, pair[1]) != NULL;
}

static gboolean
openssl_peer_wait_for (OpensslPeer *peer,
                       const char  *text)
{
  GMainContext *context = g_main_context_default ();
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  gpointer pair[2] = { peer, (gpointer) text };

  while (!output_contains (pair) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (context, TRUE);
  if (!output_contains (pair))
    g_test_message ("openssl output so far:\n%s", peer->output->str);
  return output_contains (pair);
}

static void
openssl_peer_send (OpensslPeer *peer,
                   const char  *line)
{
  g_autoptr(GError) error = NULL;

  g_output_stream_write_all (g_subprocess_get_stdin_pipe (peer->process), line, strlen (line), NULL, NULL,
                             &error);
  g_assert_no_error (error);
}

static void
openssl_peer_free (OpensslPeer *peer)
{
  g_subprocess_force_exit (peer->process);
  g_subprocess_wait (peer->process, NULL, NULL);
  g_source_destroy (peer->source);
  g_source_unref (peer->source);
  g_object_unref (peer->process);
  g_string_free (peer->output, TRUE);
  g_free (peer);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OpensslPeer, openssl_peer_free)

static OpensslPeer *
start_s_server (guint16  port,
                gboolean psk)
{
  g_autofree char *accept = g_strdup_printf ("127.0.0.1:%u", port);
  g_autofree char *cert = qssl_test_pki_path ("server-rsa.pem");
  g_autofree char *chain = qssl_test_pki_path ("intermediate.pem");
  g_autofree char *key = qssl_test_pki_path ("server-rsa.key");
  g_autofree char *hex = g_strdup ("1a2b3c4d5e6f");
  OpensslPeer *peer;

  if (psk)
    {
      const char *argv[] = { "openssl", "s_server", "-dtls1_2", "-listen", "-accept", accept, "-nocert",
                             "-psk", hex, "-psk_hint", PSK_HINT, "-cipher", "PSK-AES128-GCM-SHA256", NULL };

      peer = openssl_peer_start (argv);
    }
  else
    {
      const char *argv[] = { "openssl", "s_server", "-dtls1_2", "-listen", "-accept", accept, "-cert", cert,
                             "-cert_chain", chain, "-key", key, NULL };

      peer = openssl_peer_start (argv);
    }
  g_assert_true (openssl_peer_wait_for (peer, "ACCEPT"));
  return peer;
}

/* ---------------------------------------------------------------------- */

static void
check_client_against_s_server (gboolean psk)
{
  guint16 port = free_udp_port ();
  g_autoptr(OpensslPeer) s_server = start_s_server (port, psk);
  g_autoptr(QsslConfiguration) configuration = dtls_client_configuration ();
  g_autoptr(ExampleClient) client = example_client_new (port, "localhost", configuration, psk);
  g_autoptr(QsslCipher) cipher = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(QsslConfiguration) after = NULL;

  example_client_start (client);
  example_client_wait (client);
  g_assert_no_error (client->error);
  g_assert_true (client->encrypted);
  g_assert_true (qssl_dtls_is_connection_encrypted (client->crypto));
  g_assert_cmpint (qssl_dtls_get_session_protocol (client->crypto), ==, QSSL_PROTOCOL_DTLS_V1_2);
  cipher = qssl_dtls_get_session_cipher (client->crypto);
  g_assert_nonnull (cipher);
  if (psk)
    g_assert_cmpstr (qssl_cipher_get_name (cipher), ==, "PSK-AES128-GCM-SHA256");
  {
    g_autoptr(GPtrArray) errors = qssl_dtls_get_peer_verification_errors (client->crypto);

    g_assert_cmpuint (errors->len, ==, 0);
  }
  after = qssl_dtls_get_dtls_configuration (client->crypto);
  g_assert_cmpint (qssl_configuration_get_session_protocol (after), ==, QSSL_PROTOCOL_DTLS_V1_2);
  if (!psk)
    g_assert_nonnull (qssl_configuration_get_peer_certificate (after));

  client_send_ping (client);
  g_assert_true (openssl_peer_wait_for (s_server, "accept our ping 0"));
  openssl_peer_send (s_server, "pong from s_server\n");
  g_assert_true (wait_for_count (client->received, 1));
  g_assert_cmpstr (g_ptr_array_index (client->received, 0), ==, "pong from s_server\n");

  g_assert_true (qssl_dtls_shutdown (client->crypto, client->socket, &error));
  g_assert_no_error (error);
  g_assert_cmpint (qssl_dtls_get_handshake_state (client->crypto), ==, QSSL_DTLS_HANDSHAKE_STATE_NOT_STARTED);
  g_assert_false (qssl_dtls_is_connection_encrypted (client->crypto));
}

static void
test_client_s_server_certificate (void)
{
  check_client_against_s_server (FALSE);
}

static void
test_client_s_server_psk (void)
{
  check_client_against_s_server (TRUE);
}

static void
check_server_against_s_client (gboolean psk)
{
  QsslConfiguration *configuration = psk ? qssl_configuration_get_default_dtls () : dtls_server_configuration ();
  g_autoptr(ExampleServer) server = NULL;
  g_autoptr(OpensslPeer) s_client = NULL;
  g_autofree char *connect = NULL;
  g_autofree char *ca = qssl_test_pki_path ("ca.pem");

  if (psk)
    {
      g_autoptr(GBytes) hint = g_bytes_new_static (PSK_HINT, strlen (PSK_HINT));

      qssl_configuration_set_pre_shared_key_identity_hint (configuration, hint);
      qssl_configuration_set_peer_verify_mode (configuration, QSSL_PEER_VERIFY_MODE_NONE);
    }
  server = example_server_new (configuration, psk);
  connect = g_strdup_printf ("127.0.0.1:%u", local_port (server->socket));
  if (psk)
    {
      const char *argv[] = { "openssl", "s_client", "-dtls1_2", "-connect", connect, "-psk", "1a2b3c4d5e6f",
                             "-psk_identity", PSK_IDENTITY, "-cipher", "PSK-AES128-GCM-SHA256", "-quiet", NULL };

      s_client = openssl_peer_start (argv);
    }
  else
    {
      const char *argv[] = { "openssl", "s_client", "-dtls1_2", "-connect", connect, "-CAfile", ca,
                             "-servername", "localhost", "-verify_return_error", "-verify_hostname", "localhost",
                             "-quiet", NULL };

      s_client = openssl_peer_start (argv);
    }
  openssl_peer_send (s_client, "hello from s_client\n");
  g_assert_true (wait_for_count (server->received, 1));
  g_assert_cmpstr (g_ptr_array_index (server->received, 0), ==, "hello from s_client\n");
  g_assert_cmpuint (server->known_clients->len, ==, 1);
  g_assert_cmpint (qssl_dtls_get_session_protocol (g_ptr_array_index (server->known_clients, 0)), ==,
                   QSSL_PROTOCOL_DTLS_V1_2);
  /* The example server's echo reaches s_client's stdout. */
  g_assert_true (openssl_peer_wait_for (s_client, "to peer: hello from s_client"));
}

static void
test_server_s_client_certificate (void)
{
  check_server_against_s_client (FALSE);
}

static void
test_server_s_client_psk (void)
{
  check_server_against_s_client (TRUE);
}

/* Qt's secureudpserver and secureudpclient, as in Qt's example: PSK, no
 * certificates, the client pings and the server answers each ping. */
static void
test_qt_examples (void)
{
  QsslConfiguration *server_configuration = qssl_configuration_get_default_dtls ();
  g_autoptr(QsslConfiguration) client_configuration = qssl_configuration_get_default_dtls ();
  g_autoptr(GBytes) hint = g_bytes_new_static (PSK_HINT, strlen (PSK_HINT));
  g_autoptr(ExampleServer) server = NULL;
  g_autoptr(ExampleClient) client = NULL;

  qssl_configuration_set_pre_shared_key_identity_hint (server_configuration, hint);
  qssl_configuration_set_peer_verify_mode (server_configuration, QSSL_PEER_VERIFY_MODE_NONE);
  server = example_server_new (server_configuration, TRUE);
  qssl_configuration_set_peer_verify_mode (client_configuration, QSSL_PEER_VERIFY_MODE_NONE);
  client = example_client_new (local_port (server->socket), NULL, client_configuration, TRUE);

  example_client_start (client);
  example_client_wait (client);
  g_assert_no_error (client->error);
  g_assert_true (client->encrypted);
  for (guint i = 0; i < 3; i++)
    client_send_ping (client);
  g_assert_true (wait_for_count (client->received, 3));
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *expected = g_strdup_printf ("to peer: I am example client, please, accept our ping %u", i);

      g_assert_cmpstr (g_ptr_array_index (server->received, i), ==, expected + strlen ("to peer: "));
      g_assert_cmpstr (g_ptr_array_index (client->received, i), ==, expected);
    }

  /* Shutting down reaches the server as RemoteClosedConnectionError. */
  g_assert_true (qssl_dtls_shutdown (client->crypto, client->socket, NULL));
  g_assert_true (qssl_test_wait_for_flag ((gboolean *) &server->closed_by_peer, 30000));
  g_assert_cmpuint (server->known_clients->len, ==, 0);
}

/* An untrusted certificate stops in PEER_VERIFICATION_FAILED; ignoring the
 * reported errors and resuming completes the handshake (Qt's flow). */
static void
test_verification_failed_then_resumed (void)
{
  g_autoptr(ExampleServer) server = example_server_new (dtls_server_configuration (), FALSE);
  g_autoptr(QsslConfiguration) untrusting = qssl_configuration_get_default_dtls ();
  g_autoptr(ExampleClient) client = NULL;
  g_autoptr(GPtrArray) errors = NULL;
  g_autoptr(GError) error = NULL;
  gboolean issuer_missing = FALSE;

  {
    g_autoptr(GPtrArray) none = g_ptr_array_new ();

    qssl_configuration_set_ca_certificates (untrusting, none);
  }
  client = example_client_new (local_port (server->socket), "localhost", untrusting, FALSE);
  example_client_start (client);
  example_client_wait (client);
  g_assert_true (client->failed);
  g_assert_error (client->error, QSSL_DTLS_ERROR, QSSL_DTLS_ERROR_PEER_VERIFICATION_ERROR);
  g_assert_cmpint (qssl_dtls_get_dtls_error (client->crypto), ==, QSSL_DTLS_ERROR_PEER_VERIFICATION_ERROR);
  g_assert_cmpint (qssl_dtls_get_handshake_state (client->crypto), ==,
                   QSSL_DTLS_HANDSHAKE_STATE_PEER_VERIFICATION_FAILED);
  g_assert_false (qssl_dtls_is_connection_encrypted (client->crypto));

  errors = qssl_dtls_get_peer_verification_errors (client->crypto);
  g_assert_cmpuint (errors->len, >, 0);
  for (guint i = 0; i < errors->len; i++)
    if (qssl_error_get_error (g_ptr_array_index (errors, i)) == QSSL_ERROR_CODE_UNABLE_TO_GET_LOCAL_ISSUER_CERTIFICATE)
      issuer_missing = TRUE;
  g_assert_true (issuer_missing);

  /* Nothing ignored yet: resuming fails again. */
  g_assert_false (qssl_dtls_resume_handshake (client->crypto, client->socket, &error));
  g_assert_error (error, QSSL_DTLS_ERROR, QSSL_DTLS_ERROR_PEER_VERIFICATION_ERROR);
  g_clear_error (&error);

  qssl_dtls_ignore_verification_errors (client->crypto, errors);
  g_assert_true (qssl_dtls_resume_handshake (client->crypto, client->socket, &error));
  g_assert_no_error (error);
  g_assert_cmpint (qssl_dtls_get_handshake_state (client->crypto), ==, QSSL_DTLS_HANDSHAKE_STATE_COMPLETE);
  client_send_ping (client);
  g_assert_true (wait_for_count (client->received, 1));
}

static void
test_host_name_mismatch (void)
{
  g_autoptr(ExampleServer) server = example_server_new (dtls_server_configuration (), FALSE);
  g_autoptr(QsslConfiguration) configuration = dtls_client_configuration ();
  g_autoptr(ExampleClient) client = example_client_new (local_port (server->socket), "other.example.test",
                                                        configuration, FALSE);
  g_autoptr(GPtrArray) errors = NULL;
  g_autoptr(GError) error = NULL;

  example_client_start (client);
  example_client_wait (client);
  g_assert_error (client->error, QSSL_DTLS_ERROR, QSSL_DTLS_ERROR_PEER_VERIFICATION_ERROR);
  errors = qssl_dtls_get_peer_verification_errors (client->crypto);
  g_assert_cmpuint (errors->len, ==, 1);
  g_assert_cmpint (qssl_error_get_error (g_ptr_array_index (errors, 0)), ==, QSSL_ERROR_CODE_HOST_NAME_MISMATCH);
  /* Abort: back to NOT_STARTED. */
  g_assert_true (qssl_dtls_abort_handshake (client->crypto, client->socket, &error));
  g_assert_no_error (error);
  g_assert_cmpint (qssl_dtls_get_handshake_state (client->crypto), ==, QSSL_DTLS_HANDSHAKE_STATE_NOT_STARTED);
}

/* Errors Qt reports, in the QSSL_DTLS_ERROR domain. */
static void
test_invalid_operations (void)
{
  g_autoptr(QsslDtls) client = qssl_dtls_new (QSSL_MODE_SSL_CLIENT);
  g_autoptr(QsslDtls) server = qssl_dtls_new (QSSL_MODE_SSL_SERVER);
  g_autoptr(GSocket) socket = udp_socket ("127.0.0.1", 0);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GInetAddress) multicast = g_inet_address_new_from_string ("224.0.0.1");
  g_autoptr(QsslConfiguration) tls = qssl_configuration_get_default ();
  g_autoptr(GBytes) secret = g_bytes_new_static ("", 0);
  g_autoptr(GBytes) data = g_bytes_new_static ("x", 1);
  g_autoptr(GError) error = NULL;

  g_assert_false (qssl_dtls_do_handshake (client, socket, NULL, &error));
  g_assert_error (error, QSSL_DTLS_ERROR, QSSL_DTLS_ERROR_INVALID_OPERATION);
  g_assert_cmpint (qssl_dtls_get_dtls_error (client), ==, QSSL_DTLS_ERROR_INVALID_OPERATION);
  g_assert_cmpstr (qssl_dtls_get_dtls_error_string (client), !=, "");
  g_clear_error (&error);

  g_assert_false (qssl_dtls_set_peer (client, multicast, 4433, NULL, &error));
  g_assert_error (error, QSSL_DTLS_ERROR, QSSL_DTLS_ERROR_INVALID_INPUT_PARAMETERS);
  g_clear_error (&error);

  g_assert_cmpint (qssl_dtls_write_datagram_encrypted (client, socket, data, &error), ==, -1);
  g_assert_error (error, QSSL_DTLS_ERROR, QSSL_DTLS_ERROR_INVALID_OPERATION);
  g_clear_error (&error);
  g_assert_null (qssl_dtls_decrypt_datagram (client, socket, data));
  g_assert_cmpint (qssl_dtls_get_dtls_error (client), ==, QSSL_DTLS_ERROR_INVALID_OPERATION);
  g_assert_false (qssl_dtls_handle_timeout (client, socket, NULL));
  g_assert_false (qssl_dtls_shutdown (client, socket, NULL));
  g_assert_false (qssl_dtls_abort_handshake (client, socket, NULL));

  g_assert_false (qssl_dtls_set_cookie_generator_parameters (client, G_CHECKSUM_SHA256, data, &error));
  g_assert_error (error, QSSL_DTLS_ERROR, QSSL_DTLS_ERROR_INVALID_OPERATION);
  g_clear_error (&error);
  g_assert_false (qssl_dtls_set_cookie_generator_parameters (server, G_CHECKSUM_SHA256, secret, &error));
  g_assert_error (error, QSSL_DTLS_ERROR, QSSL_DTLS_ERROR_INVALID_INPUT_PARAMETERS);
  g_clear_error (&error);

  /* A server starts from a verified ClientHello. */
  g_assert_true (qssl_dtls_set_peer (server, loopback, 4433, NULL, NULL));
  g_assert_false (qssl_dtls_do_handshake (server, socket, NULL, &error));
  g_assert_error (error, QSSL_DTLS_ERROR, QSSL_DTLS_ERROR_INVALID_INPUT_PARAMETERS);
  g_clear_error (&error);
  g_assert_false (qssl_dtls_do_handshake (server, socket, data, &error));
  g_assert_error (error, QSSL_DTLS_ERROR, QSSL_DTLS_ERROR_TLS_FATAL_ERROR);
  g_clear_error (&error);

  /* A TLS protocol is no DTLS configuration. */
  g_assert_true (qssl_dtls_set_peer (client, loopback, local_port (socket), NULL, NULL));
  g_assert_true (qssl_dtls_set_dtls_configuration (client, tls, NULL));
  g_assert_false (qssl_dtls_do_handshake (client, socket, NULL, &error));
  g_assert_error (error, QSSL_DTLS_ERROR, QSSL_DTLS_ERROR_TLS_INITIALIZATION_ERROR);
  g_clear_error (&error);
  g_assert_cmpint (qssl_dtls_get_handshake_state (client), ==, QSSL_DTLS_HANDSHAKE_STATE_NOT_STARTED);

  /* Settings are fixed while a handshake runs. */
  qssl_configuration_set_protocol (tls, QSSL_PROTOCOL_DTLS_V1_2);
  g_assert_true (qssl_dtls_set_dtls_configuration (client, tls, NULL));
  g_assert_true (qssl_dtls_do_handshake (client, socket, NULL, NULL));
  g_assert_false (qssl_dtls_set_peer (client, loopback, 1, NULL, &error));
  g_assert_error (error, QSSL_DTLS_ERROR, QSSL_DTLS_ERROR_INVALID_OPERATION);
  g_clear_error (&error);
  g_assert_false (qssl_dtls_set_dtls_configuration (client, tls, &error));
  g_assert_error (error, QSSL_DTLS_ERROR, QSSL_DTLS_ERROR_INVALID_OPERATION);
}

static void
on_timeout_count (QsslDtls *dtls,
                  gpointer  user_data)
{
  (*(guint *) user_data)++;
}

/* A peer that never answers: handshake-timeout fires from the main
 * context and handle_timeout() sends the ClientHello again. */
static void
test_handshake_timeout_retransmits (void)
{
  g_autoptr(GSocket) silent = udp_socket ("127.0.0.1", 0);
  g_autoptr(GSocket) socket = udp_socket ("127.0.0.1", 0);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(QsslDtls) client = qssl_dtls_new (QSSL_MODE_SSL_CLIENT);
  g_autoptr(GBytes) first = NULL;
  g_autoptr(GBytes) second = NULL;
  guint timeouts = 0;

  g_assert_true (qssl_dtls_set_peer (client, loopback, local_port (silent), NULL, NULL));
  g_signal_connect (client, "handshake-timeout", G_CALLBACK (on_timeout_count), &timeouts);
  g_assert_true (qssl_dtls_do_handshake (client, socket, NULL, NULL));
  first = receive (silent, NULL);
  g_assert_nonnull (first);
  g_assert_cmpint (((const guint8 *) g_bytes_get_data (first, NULL))[0], ==, 22); /* handshake */
  g_assert_cmpint (((const guint8 *) g_bytes_get_data (first, NULL))[13], ==, 1); /* client_hello */
  g_assert_null (receive (silent, NULL));

  g_assert_true (qssl_test_wait_for_flag ((gboolean *) &timeouts, 30000));
  g_assert_true (qssl_dtls_handle_timeout (client, socket, NULL));
  second = receive (silent, NULL);
  g_assert_nonnull (second);
  g_assert_cmpint (((const guint8 *) g_bytes_get_data (second, NULL))[13], ==, 1);
}

/* The verifier answers a hello without cookie with a HelloVerifyRequest no
 * larger than the hello, keeps nothing, and accepts the hello that carries
 * the cookie. */
static void
test_verifier_cookie_exchange (void)
{
  g_autoptr(GSocket) server_socket = udp_socket ("127.0.0.1", 0);
  g_autoptr(GSocket) client_socket = udp_socket ("127.0.0.1", 0);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(QsslDtls) client = qssl_dtls_new (QSSL_MODE_SSL_CLIENT);
  g_autoptr(QsslDtlsClientVerifier) verifier = qssl_dtls_client_verifier_new ();
  g_autoptr(QsslDtlsClientVerifier) other = qssl_dtls_client_verifier_new ();
  g_autoptr(GBytes) secret = g_bytes_new_static ("another secret", 14);
  g_autoptr(GBytes) hello = NULL;
  g_autoptr(GBytes) verify_request = NULL;
  g_autoptr(GBytes) second_hello = NULL;
  g_autoptr(GBytes) verified = NULL;
  g_autoptr(GError) error = NULL;
  guint16 client_port = local_port (client_socket);
  GChecksumType hash;

  g_assert_true (qssl_dtls_set_peer (client, loopback, local_port (server_socket), NULL, NULL));
  g_assert_true (qssl_dtls_do_handshake (client, client_socket, NULL, NULL));
  hello = receive (server_socket, NULL);
  g_assert_nonnull (hello);

  g_assert_false (qssl_dtls_client_verifier_verify_client (verifier, server_socket, hello, loopback, client_port,
                                                           &error));
  g_assert_no_error (error);
  g_assert_cmpint (qssl_dtls_client_verifier_get_dtls_error (verifier), ==, QSSL_DTLS_ERROR_NO_ERROR);
  g_assert_null (qssl_dtls_client_verifier_get_verified_hello (verifier));
  verify_request = receive (client_socket, NULL);
  g_assert_nonnull (verify_request);
  g_assert_cmpint (((const guint8 *) g_bytes_get_data (verify_request, NULL))[13], ==, 3); /* hello_verify_request */
  g_assert_cmpuint (g_bytes_get_size (verify_request), <=, g_bytes_get_size (hello));

  g_assert_true (qssl_dtls_do_handshake (client, client_socket, verify_request, NULL));
  second_hello = receive (server_socket, NULL);
  g_assert_nonnull (second_hello);

  /* Another secret, or another source port: not verified. */
  g_assert_true (qssl_dtls_client_verifier_set_cookie_generator_parameters (other, G_CHECKSUM_SHA256, secret, NULL));
  qssl_dtls_client_verifier_get_cookie_generator_parameters (other, &hash, NULL);
  g_assert_cmpint (hash, ==, G_CHECKSUM_SHA256);
  g_assert_false (qssl_dtls_client_verifier_verify_client (other, server_socket, second_hello, loopback,
                                                           client_port, NULL));
  g_assert_false (qssl_dtls_client_verifier_verify_client (verifier, server_socket, second_hello, loopback,
                                                           client_port + 1, NULL));
  g_assert_true (qssl_dtls_client_verifier_verify_client (verifier, server_socket, second_hello, loopback,
                                                          client_port, &error));
  g_assert_no_error (error);
  verified = qssl_dtls_client_verifier_get_verified_hello (verifier);
  g_assert_true (g_bytes_equal (verified, second_hello));

  g_assert_false (qssl_dtls_client_verifier_verify_client (verifier, server_socket, NULL, loopback, 1, &error));
  g_assert_error (error, QSSL_DTLS_ERROR, QSSL_DTLS_ERROR_INVALID_INPUT_PARAMETERS);
}

/* A datagram whose record does not fit the MTU is refused, and a smaller
 * one still goes through. */
static void
test_datagram_larger_than_mtu (void)
{
  g_autoptr(ExampleServer) server = example_server_new (dtls_server_configuration (), FALSE);
  g_autoptr(QsslConfiguration) configuration = dtls_client_configuration ();
  g_autoptr(ExampleClient) client = example_client_new (local_port (server->socket), "localhost", configuration,
                                                        FALSE);
  g_autofree char *big = g_malloc0 (1200);
  g_autoptr(GBytes) big_bytes = NULL;
  g_autoptr(GError) error = NULL;

  qssl_dtls_set_mtu_hint (client->crypto, 1000);
  g_assert_cmpuint (qssl_dtls_get_mtu_hint (client->crypto), ==, 1000);
  example_client_start (client);
  example_client_wait (client);
  g_assert_true (client->encrypted);

  memset (big, 'x', 1199);
  big_bytes = g_bytes_new (big, 1200);
  g_assert_cmpint (qssl_dtls_write_datagram_encrypted (client->crypto, client->socket, big_bytes, &error), ==, -1);
  g_assert_error (error, QSSL_DTLS_ERROR, QSSL_DTLS_ERROR_UNDERLYING_SOCKET_ERROR);
  g_assert_true (qssl_dtls_is_connection_encrypted (client->crypto));
  client_send_ping (client);
  g_assert_true (wait_for_count (client->received, 1));
}

/* ---------------------------------------------------------------------- */
/* QsslDtlsServer and QsslDtlsConnection */

typedef struct
{
  QsslDtlsConnection *connection;
  gboolean            done;
  GError             *error;
  GPtrArray          *received;   /* char * */
  gboolean            closed;
  gboolean            ignore_errors;
  guint               ssl_errors;
} Client;

static void
on_client_received (QsslDtlsConnection *connection,
                    GBytes             *datagram,
                    gpointer            user_data)
{
  Client *client = user_data;

  g_ptr_array_add (client->received, g_strndup (g_bytes_get_data (datagram, NULL), g_bytes_get_size (datagram)));
}

static void
on_client_closed (QsslDtlsConnection *connection,
                  gpointer            user_data)
{
  ((Client *) user_data)->closed = TRUE;
}

static void
on_client_ssl_errors (QsslDtlsConnection *connection,
                      GPtrArray          *errors,
                      gpointer            user_data)
{
  Client *client = user_data;

  client->ssl_errors++;
  g_assert_cmpuint (errors->len, >, 0);
  if (client->ignore_errors)
    qssl_dtls_connection_ignore_ssl_errors (connection);
}

static void
on_handshake_done (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  Client *client = user_data;

  qssl_dtls_connection_handshake_finish (QSSL_DTLS_CONNECTION (source), result, &client->error);
  client->done = TRUE;
}

static Client *
client_new (guint16            port,
            const char        *verification_name,
            QsslConfiguration *configuration)
{
  Client *client = g_new0 (Client, 1);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);

  client->connection = qssl_dtls_connection_new_client (loopback, port, verification_name, configuration);
  client->received = g_ptr_array_new_with_free_func (g_free);
  g_signal_connect (client->connection, "received", G_CALLBACK (on_client_received), client);
  g_signal_connect (client->connection, "closed", G_CALLBACK (on_client_closed), client);
  g_signal_connect (client->connection, "ssl-errors", G_CALLBACK (on_client_ssl_errors), client);
  return client;
}

static void
client_start (Client *client)
{
  qssl_dtls_connection_handshake_async (client->connection, NULL, on_handshake_done, client);
}

static void
client_free (Client *client)
{
  g_object_unref (client->connection);
  g_ptr_array_unref (client->received);
  g_clear_error (&client->error);
  g_free (client);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Client, client_free)

static void
client_send (Client     *client,
             const char *text)
{
  g_autoptr(GBytes) bytes = g_bytes_new (text, strlen (text));
  g_autoptr(GError) error = NULL;

  g_assert_true (qssl_dtls_connection_send (client->connection, bytes, &error));
  g_assert_no_error (error);
}

typedef struct
{
  QsslDtlsServer *server;
  GPtrArray      *connections;   /* QsslDtlsConnection, in new-connection order */
  guint           closed;
  guint           received;
} EchoServer;

static void
on_echo_received (QsslDtlsConnection *connection,
                  GBytes             *datagram,
                  gpointer            user_data)
{
  EchoServer *echo = user_data;
  g_autoptr(GError) error = NULL;

  echo->received++;
  g_assert_true (qssl_dtls_connection_send (connection, datagram, &error));
  g_assert_no_error (error);
}

static void
on_echo_closed (QsslDtlsConnection *connection,
                gpointer            user_data)
{
  ((EchoServer *) user_data)->closed++;
}

static void
on_new_connection (QsslDtlsServer     *server,
                   QsslDtlsConnection *connection,
                   gpointer            user_data)
{
  EchoServer *echo = user_data;

  g_assert_true (qssl_dtls_connection_is_encrypted (connection));
  g_ptr_array_add (echo->connections, g_object_ref (connection));
  g_signal_connect (connection, "received", G_CALLBACK (on_echo_received), echo);
  g_signal_connect (connection, "closed", G_CALLBACK (on_echo_closed), echo);
}

static void
on_server_psk (QsslDtlsServer                *server,
               QsslDtlsConnection            *connection,
               QsslPreSharedKeyAuthenticator *authenticator,
               gpointer                       user_data)
{
  g_autoptr(GBytes) identity = qssl_pre_shared_key_authenticator_get_identity (authenticator);
  g_autoptr(GBytes) key = g_bytes_new_static (psk_key, sizeof psk_key);

  g_assert_cmpmem (g_bytes_get_data (identity, NULL), g_bytes_get_size (identity), PSK_IDENTITY,
                   strlen (PSK_IDENTITY));
  qssl_pre_shared_key_authenticator_set_pre_shared_key (authenticator, key);
}

static EchoServer *
echo_server_new (QsslConfiguration *configuration)
{
  EchoServer *echo = g_new0 (EchoServer, 1);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GError) error = NULL;

  echo->server = qssl_dtls_server_new ();
  echo->connections = g_ptr_array_new_with_free_func (g_object_unref);
  if (configuration != NULL)
    qssl_dtls_server_set_dtls_configuration (echo->server, configuration);
  g_signal_connect (echo->server, "new-connection", G_CALLBACK (on_new_connection), echo);
  g_assert_true (qssl_dtls_server_listen (echo->server, loopback, 0, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (qssl_dtls_server_get_server_port (echo->server), >, 0);
  return echo;
}

static void
echo_server_free (EchoServer *echo)
{
  qssl_dtls_server_close (echo->server);
  g_object_unref (echo->server);
  g_ptr_array_unref (echo->connections);
  g_free (echo);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EchoServer, echo_server_free)

static guint
n_server_connections (QsslDtlsServer *server)
{
  g_autoptr(GPtrArray) connections = qssl_dtls_server_get_connections (server);

  return connections->len;
}

static void
test_server_echo (void)
{
  g_autoptr(QsslConfiguration) server_configuration = dtls_server_configuration ();
  g_autoptr(EchoServer) echo = echo_server_new (server_configuration);
  g_autoptr(QsslConfiguration) configuration = dtls_client_configuration ();
  g_autoptr(Client) client = client_new (qssl_dtls_server_get_server_port (echo->server), "localhost",
                                         configuration);
  g_autoptr(QsslCipher) cipher = NULL;

  client_start (client);
  g_assert_true (qssl_test_wait_for_flag (&client->done, 60000));
  g_assert_no_error (client->error);
  g_assert_true (qssl_dtls_connection_is_encrypted (client->connection));
  g_assert_cmpint (qssl_dtls_connection_get_session_protocol (client->connection), ==, QSSL_PROTOCOL_DTLS_V1_2);
  cipher = qssl_dtls_connection_get_session_cipher (client->connection);
  g_assert_nonnull (cipher);
  g_assert_cmpuint (echo->connections->len, ==, 1);
  g_assert_cmpuint (qssl_dtls_connection_get_peer_port (g_ptr_array_index (echo->connections, 0)), ==,
                    local_port (qssl_dtls_connection_get_socket (client->connection)));

  client_send (client, "hello through QsslDtlsServer");
  g_assert_true (wait_for_count (client->received, 1));
  g_assert_cmpstr (g_ptr_array_index (client->received, 0), ==, "hello through QsslDtlsServer");

  /* close_notify reaches the server, which forgets the peer. */
  qssl_dtls_connection_close (client->connection);
  g_assert_true (client->closed);
  g_assert_false (qssl_dtls_connection_is_encrypted (client->connection));
  g_assert_true (qssl_test_wait_for_flag ((gboolean *) &echo->closed, 30000));
  g_assert_cmpuint (n_server_connections (echo->server), ==, 0);
}

#define N_CLIENTS 50

static gboolean
all_done (Client **clients,
          guint    n,
          gboolean received)
{
  for (guint i = 0; i < n; i++)
    if (!(received ? clients[i]->received->len > 0 : clients[i]->done))
      return FALSE;
  return TRUE;
}

static void
wait_all (Client   **clients,
          guint      n,
          gboolean   received)
{
  gint64 deadline = g_get_monotonic_time () + 120 * G_USEC_PER_SEC;

  while (!all_done (clients, n, received) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (all_done (clients, n, received));
}

/* Fifty peers on one server socket, each with its own association. */
static void
test_server_fifty_clients (void)
{
  g_autoptr(QsslConfiguration) server_configuration = dtls_server_configuration ();
  g_autoptr(EchoServer) echo = echo_server_new (server_configuration);
  g_autoptr(QsslConfiguration) configuration = dtls_client_configuration ();
  Client *clients[N_CLIENTS];

  for (guint i = 0; i < N_CLIENTS; i++)
    {
      clients[i] = client_new (qssl_dtls_server_get_server_port (echo->server), "localhost", configuration);
      client_start (clients[i]);
    }
  wait_all (clients, N_CLIENTS, FALSE);
  for (guint i = 0; i < N_CLIENTS; i++)
    {
      g_autofree char *text = g_strdup_printf ("client %u", i);

      g_assert_no_error (clients[i]->error);
      client_send (clients[i], text);
    }
  wait_all (clients, N_CLIENTS, TRUE);
  for (guint i = 0; i < N_CLIENTS; i++)
    {
      g_autofree char *text = g_strdup_printf ("client %u", i);

      /* Each peer got its own answer, and only that. */
      g_assert_cmpuint (clients[i]->received->len, ==, 1);
      g_assert_cmpstr (g_ptr_array_index (clients[i]->received, 0), ==, text);
    }
  g_assert_cmpuint (echo->connections->len, ==, N_CLIENTS);
  g_assert_cmpuint (n_server_connections (echo->server), ==, N_CLIENTS);
  for (guint i = 0; i < N_CLIENTS; i++)
    client_free (clients[i]);
}

/* A relay between client and server that drops every third datagram,
 * holds every fifth back until after the next (reordering) and sends every
 * seventh twice. */
typedef struct
{
  GSocket        *client_side;     /* the client talks to this */
  GSocket        *server_side;     /* this talks to the server */
  GSocketAddress *server;
  GSocketAddress *client;          /* learnt from the first datagram */
  GSource        *sources[2];
  guint           count;
  GBytes         *held;
  GSocket        *held_socket;
  GSocketAddress *held_to;
  guint           dropped, reordered, duplicated;
} Relay;

static void
relay_send (GSocket        *socket,
            GSocketAddress *to,
            GBytes         *datagram)
{
  g_socket_send_to (socket, to, g_bytes_get_data (datagram, NULL), g_bytes_get_size (datagram), NULL, NULL);
}

static void
relay_forward (Relay          *relay,
               GSocket        *socket,
               GSocketAddress *to,
               GBytes         *datagram)
{
  guint n = ++relay->count;

  if (n % 3 == 0)
    {
      relay->dropped++;
      return;
    }
  if (n % 5 == 1 && relay->held == NULL)
    {
      relay->reordered++;
      relay->held = g_bytes_ref (datagram);
      relay->held_socket = socket;
      relay->held_to = g_object_ref (to);
      return;
    }
  relay_send (socket, to, datagram);
  if (n % 7 == 2)
    {
      relay->duplicated++;
      relay_send (socket, to, datagram);
    }
  if (relay->held != NULL)
    {
      relay_send (relay->held_socket, relay->held_to, relay->held);
      g_clear_pointer (&relay->held, g_bytes_unref);
      g_clear_object (&relay->held_to);
    }
}

static gboolean
on_relay_client_side (GSocket      *socket,
                      GIOCondition  condition,
                      gpointer      user_data)
{
  Relay *relay = user_data;
  g_autoptr(GSocketAddress) from = NULL;
  g_autoptr(GBytes) datagram = receive (socket, &from);

  if (datagram == NULL)
    return G_SOURCE_CONTINUE;
  if (relay->client == NULL)
    relay->client = g_object_ref (from);
  relay_forward (relay, relay->server_side, relay->server, datagram);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_relay_server_side (GSocket      *socket,
                      GIOCondition  condition,
                      gpointer      user_data)
{
  Relay *relay = user_data;
  g_autoptr(GBytes) datagram = receive (socket, NULL);

  if (datagram != NULL && relay->client != NULL)
    relay_forward (relay, relay->client_side, relay->client, datagram);
  return G_SOURCE_CONTINUE;
}

static Relay *
relay_new (guint16 server_port)
{
  Relay *relay = g_new0 (Relay, 1);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);

  relay->client_side = udp_socket ("127.0.0.1", 0);
  relay->server_side = udp_socket ("127.0.0.1", 0);
  relay->server = g_inet_socket_address_new (loopback, server_port);
  relay->sources[0] = g_socket_create_source (relay->client_side, G_IO_IN, NULL);
  g_source_set_callback (relay->sources[0], G_SOURCE_FUNC (on_relay_client_side), relay, NULL);
  g_source_attach (relay->sources[0], NULL);
  relay->sources[1] = g_socket_create_source (relay->server_side, G_IO_IN, NULL);
  g_source_set_callback (relay->sources[1], G_SOURCE_FUNC (on_relay_server_side), relay, NULL);
  g_source_attach (relay->sources[1], NULL);
  return relay;
}

static void
relay_free (Relay *relay)
{
  for (guint i = 0; i < 2; i++)
    {
      g_source_destroy (relay->sources[i]);
      g_source_unref (relay->sources[i]);
    }
  g_clear_pointer (&relay->held, g_bytes_unref);
  g_clear_object (&relay->held_to);
  g_clear_object (&relay->client);
  g_object_unref (relay->server);
  g_object_unref (relay->client_side);
  g_object_unref (relay->server_side);
  g_free (relay);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Relay, relay_free)

static gboolean
on_pace (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
test_server_lossy_relay (void)
{
  g_autoptr(QsslConfiguration) server_configuration = dtls_server_configuration ();
  g_autoptr(EchoServer) echo = echo_server_new (server_configuration);
  g_autoptr(Relay) relay = relay_new (qssl_dtls_server_get_server_port (echo->server));
  g_autoptr(QsslConfiguration) configuration = dtls_client_configuration ();
  g_autoptr(Client) client = client_new (local_port (relay->client_side), "localhost", configuration);
  g_autoptr(GHashTable) sent = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  guint next = 0;

  /* The handshake completes by retransmission, on both sides. */
  client_start (client);
  g_assert_true (qssl_test_wait_for_flag (&client->done, 120000));
  g_assert_no_error (client->error);
  g_assert_cmpuint (relay->dropped, >, 0);

  /* Application datagrams: each one that arrives is one that was sent,
   * whole, and arrives once, though the relay duplicates. */
  while (g_hash_table_size (seen) < 10 && next < 200)
    {
      g_autofree char *text = g_strdup_printf ("datagram %u: %s", next++, "0123456789abcdef");
      gboolean paced = FALSE;
      guint before = client->received->len;

      g_hash_table_add (sent, g_strdup (text));
      client_send (client, text);
      g_timeout_add (50, on_pace, &paced);
      while (!paced)
        g_main_context_iteration (NULL, TRUE);
      for (guint i = before; i < client->received->len; i++)
        {
          const char *got = g_ptr_array_index (client->received, i);

          g_assert_true (g_hash_table_contains (sent, got));
          g_assert_false (g_hash_table_contains (seen, got));
          g_hash_table_add (seen, (gpointer) got);
        }
    }
  g_assert_cmpuint (g_hash_table_size (seen), >=, 10);
  g_assert_cmpuint (relay->duplicated, >, 0);
  g_assert_cmpuint (relay->reordered, >, 0);
  /* Some were lost on the way: fewer echoes than datagrams sent. */
  g_assert_cmpuint (client->received->len, <, next);
}

static void
test_server_datagram_too_large (void)
{
  g_autoptr(QsslConfiguration) server_configuration = dtls_server_configuration ();
  g_autoptr(EchoServer) echo = echo_server_new (server_configuration);
  g_autoptr(QsslConfiguration) configuration = dtls_client_configuration ();
  g_autoptr(Client) client = client_new (qssl_dtls_server_get_server_port (echo->server), "localhost",
                                         configuration);
  g_autofree char *big = g_strnfill (700, 'x');
  g_autoptr(GBytes) big_bytes = g_bytes_new (big, 700);
  g_autoptr(GError) error = NULL;

  qssl_dtls_set_mtu_hint (qssl_dtls_connection_get_dtls (client->connection), 600);
  client_start (client);
  g_assert_true (qssl_test_wait_for_flag (&client->done, 60000));
  g_assert_no_error (client->error);

  g_assert_false (qssl_dtls_connection_send (client->connection, big_bytes, &error));
  g_assert_error (error, QSSL_SOCKET_ERROR, QSSL_SOCKET_ERROR_DATAGRAM_TOO_LARGE);
  /* Nothing went out, and the connection still works. */
  client_send (client, "small");
  g_assert_true (wait_for_count (client->received, 1));
  g_assert_cmpstr (g_ptr_array_index (client->received, 0), ==, "small");
  g_assert_cmpuint (echo->received, ==, 1);
}

static void
on_new_connection_count (QsslDtlsServer     *server,
                         QsslDtlsConnection *connection,
                         gpointer            user_data)
{
  (*(guint *) user_data)++;
}

/* Sources that cannot receive (spoofed) send ClientHellos: each gets only a
 * HelloVerifyRequest, no larger than its hello, and the server keeps no
 * state for any of them. */
static void
test_server_spoofed_flood (void)
{
  g_autoptr(QsslConfiguration) server_configuration = dtls_server_configuration ();
  g_autoptr(EchoServer) echo = echo_server_new (server_configuration);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) server = g_inet_socket_address_new (loopback, qssl_dtls_server_get_server_port (echo->server));
  g_autoptr(GSocket) capture = udp_socket ("127.0.0.1", 0);
  g_autoptr(GSocket) capture_client = udp_socket ("127.0.0.1", 0);
  g_autoptr(QsslDtls) dtls = qssl_dtls_new (QSSL_MODE_SSL_CLIENT);
  g_autoptr(GBytes) hello = NULL;
  g_autoptr(GPtrArray) sources = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(QsslConfiguration) configuration = dtls_client_configuration ();
  g_autoptr(Client) client = NULL;
  guint new_connections = 0, responses = 0;
  gint64 deadline;

  /* A real ClientHello, captured. */
  g_assert_true (qssl_dtls_set_peer (dtls, loopback, local_port (capture), NULL, NULL));
  g_assert_true (qssl_dtls_do_handshake (dtls, capture_client, NULL, NULL));
  hello = receive (capture, NULL);
  g_assert_nonnull (hello);

  g_signal_connect (echo->server, "new-connection", G_CALLBACK (on_new_connection_count), &new_connections);
  for (guint host = 2; host < 10; host++)
    for (guint port = 0; port < 4; port++)
      {
        g_autofree char *ip = g_strdup_printf ("127.0.0.%u", host);
        GSocket *socket = udp_socket (ip, 0);

        g_ptr_array_add (sources, socket);
        for (guint i = 0; i < 3; i++)
          g_assert_cmpint (g_socket_send_to (socket, server, g_bytes_get_data (hello, NULL),
                                             g_bytes_get_size (hello), NULL, NULL), ==, g_bytes_get_size (hello));
      }

  deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  while (responses < sources->len * 3 && g_get_monotonic_time () < deadline)
    {
      g_main_context_iteration (NULL, FALSE);
      for (guint i = 0; i < sources->len; i++)
        {
          GBytes *response;

          while ((response = receive (g_ptr_array_index (sources, i), NULL)) != NULL)
            {
              const guint8 *data = g_bytes_get_data (response, NULL);

              g_assert_cmpuint (g_bytes_get_size (response), >, 13);
              g_assert_cmpint (data[0], ==, 22);
              g_assert_cmpint (data[13], ==, 3); /* hello_verify_request, nothing else */
              g_assert_cmpuint (g_bytes_get_size (response), <=, g_bytes_get_size (hello));
              responses++;
              g_bytes_unref (response);
            }
        }
    }
  g_assert_cmpuint (responses, ==, sources->len * 3);
  g_assert_cmpuint (n_server_connections (echo->server), ==, 0);
  g_assert_cmpuint (new_connections, ==, 0);

  /* A real client is still served. */
  client = client_new (qssl_dtls_server_get_server_port (echo->server), "localhost", configuration);
  client_start (client);
  g_assert_true (qssl_test_wait_for_flag (&client->done, 60000));
  g_assert_no_error (client->error);
  g_assert_cmpuint (new_connections, ==, 1);
}

static void
test_server_idle_timeout (void)
{
  g_autoptr(QsslConfiguration) server_configuration = dtls_server_configuration ();
  g_autoptr(EchoServer) echo = NULL;
  g_autoptr(QsslConfiguration) configuration = dtls_client_configuration ();
  g_autoptr(Client) client = NULL;
  g_autoptr(QsslDtlsServer) plain = qssl_dtls_server_new ();

  g_assert_cmpuint (qssl_dtls_server_get_idle_timeout (plain), ==, 60000);
  echo = echo_server_new (server_configuration);
  qssl_dtls_server_set_idle_timeout (echo->server, 300);
  g_assert_cmpuint (qssl_dtls_server_get_idle_timeout (echo->server), ==, 300);
  client = client_new (qssl_dtls_server_get_server_port (echo->server), "localhost", configuration);
  client_start (client);
  g_assert_true (qssl_test_wait_for_flag (&client->done, 60000));
  g_assert_no_error (client->error);
  g_assert_cmpuint (n_server_connections (echo->server), ==, 1);

  /* The silent peer is forgotten, and told so. */
  g_assert_true (qssl_test_wait_for_flag ((gboolean *) &echo->closed, 30000));
  g_assert_cmpuint (n_server_connections (echo->server), ==, 0);
  g_assert_true (qssl_test_wait_for_flag (&client->closed, 30000));
}

static void
check_untrusted_server (gboolean ignore)
{
  g_autoptr(QsslConfiguration) server_configuration = dtls_server_configuration ();
  g_autoptr(EchoServer) echo = echo_server_new (server_configuration);
  g_autoptr(QsslConfiguration) untrusting = qssl_configuration_get_default_dtls ();
  g_autoptr(Client) client = NULL;

  {
    g_autoptr(GPtrArray) none = g_ptr_array_new ();

    qssl_configuration_set_ca_certificates (untrusting, none);
  }
  client = client_new (qssl_dtls_server_get_server_port (echo->server), "localhost", untrusting);
  client->ignore_errors = ignore;
  client_start (client);
  g_assert_true (qssl_test_wait_for_flag (&client->done, 60000));
  g_assert_cmpuint (client->ssl_errors, ==, 1);
  if (ignore)
    {
      g_assert_no_error (client->error);
      client_send (client, "accepted anyway");
      g_assert_true (wait_for_count (client->received, 1));
    }
  else
    {
      g_assert_error (client->error, QSSL_DTLS_ERROR, QSSL_DTLS_ERROR_PEER_VERIFICATION_ERROR);
      g_assert_false (qssl_dtls_connection_is_encrypted (client->connection));
    }
}

static void
test_server_untrusted_fails (void)
{
  check_untrusted_server (FALSE);
}

static void
test_server_untrusted_ignored (void)
{
  check_untrusted_server (TRUE);
}

static void
test_server_psk (void)
{
  QsslConfiguration *server_configuration = qssl_configuration_get_default_dtls ();
  g_autoptr(EchoServer) echo = NULL;
  g_autoptr(QsslConfiguration) configuration = qssl_configuration_get_default_dtls ();
  g_autoptr(Client) client = NULL;
  g_autoptr(QsslCipher) cipher = NULL;

  qssl_configuration_set_peer_verify_mode (server_configuration, QSSL_PEER_VERIFY_MODE_NONE);
  echo = echo_server_new (server_configuration);
  qssl_configuration_free (server_configuration);
  g_signal_connect (echo->server, "pre-shared-key-authentication-required", G_CALLBACK (on_server_psk), NULL);
  client = client_new (qssl_dtls_server_get_server_port (echo->server), NULL, configuration);
  g_signal_connect (qssl_dtls_connection_get_dtls (client->connection), "pre-shared-key-authentication-required",
                    G_CALLBACK (on_psk_required), NULL);
  client_start (client);
  g_assert_true (qssl_test_wait_for_flag (&client->done, 60000));
  g_assert_no_error (client->error);
  cipher = qssl_dtls_connection_get_session_cipher (client->connection);
  g_assert_true (g_str_has_prefix (qssl_cipher_get_name (cipher), "PSK-") ||
                 g_str_has_prefix (qssl_cipher_get_name (cipher), "ECDHE-PSK-"));
  client_send (client, "psk");
  g_assert_true (wait_for_count (client->received, 1));
}

/* openssl s_client against QsslDtlsServer. */
static void
test_server_s_client (void)
{
  g_autoptr(QsslConfiguration) server_configuration = dtls_server_configuration ();
  g_autoptr(EchoServer) echo = echo_server_new (server_configuration);
  g_autofree char *connect = g_strdup_printf ("127.0.0.1:%u", qssl_dtls_server_get_server_port (echo->server));
  g_autofree char *ca = qssl_test_pki_path ("ca.pem");
  const char *argv[] = { "openssl", "s_client", "-dtls1_2", "-connect", connect, "-CAfile", ca,
                         "-servername", "localhost", "-verify_return_error", "-verify_hostname", "localhost",
                         "-quiet", NULL };
  g_autoptr(OpensslPeer) s_client = openssl_peer_start (argv);

  openssl_peer_send (s_client, "echo me\n");
  g_assert_true (openssl_peer_wait_for (s_client, "echo me"));
  g_assert_cmpuint (echo->connections->len, ==, 1);
}

/* A client that restarts on the same port (its state lost) is served again
 * once it proves its address, and the old association is closed
 * (RFC 6347 4.2.8). */
static void
test_server_client_restart (void)
{
  g_autoptr(QsslConfiguration) server_configuration = dtls_server_configuration ();
  g_autoptr(EchoServer) echo = echo_server_new (server_configuration);
  g_autoptr(QsslConfiguration) configuration = dtls_client_configuration ();
  g_autoptr(ExampleClient) client = example_client_new (qssl_dtls_server_get_server_port (echo->server),
                                                        "localhost", configuration, FALSE);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);

  example_client_start (client);
  example_client_wait (client);
  g_assert_true (client->encrypted);
  client_send_ping (client);
  g_assert_true (wait_for_count (client->received, 1));

  /* Same socket, a new association. */
  g_object_unref (client->crypto);
  client->crypto = qssl_dtls_new (QSSL_MODE_SSL_CLIENT);
  client->encrypted = FALSE;
  g_assert_true (qssl_dtls_set_peer (client->crypto, loopback, qssl_dtls_server_get_server_port (echo->server),
                                     "localhost", NULL));
  g_assert_true (qssl_dtls_set_dtls_configuration (client->crypto, configuration, NULL));
  g_signal_connect (client->crypto, "handshake-timeout", G_CALLBACK (client_handshake_timeout), client);
  example_client_start (client);
  example_client_wait (client);
  g_assert_no_error (client->error);
  g_assert_true (client->encrypted);
  g_assert_cmpuint (echo->connections->len, ==, 2);
  g_assert_cmpuint (echo->closed, ==, 1);
  g_assert_cmpuint (n_server_connections (echo->server), ==, 1);
  client_send_ping (client);
  g_assert_true (wait_for_count (client->received, 2));
}

/* Garbage from unknown sources and from a known peer's address is dropped;
 * the server keeps no state for it and the association goes on. */
static void
test_server_garbage (void)
{
  g_autoptr(QsslConfiguration) server_configuration = dtls_server_configuration ();
  g_autoptr(EchoServer) echo = echo_server_new (server_configuration);
  g_autoptr(QsslConfiguration) configuration = dtls_client_configuration ();
  g_autoptr(ExampleClient) client = example_client_new (qssl_dtls_server_get_server_port (echo->server),
                                                        "localhost", configuration, FALSE);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) server = g_inet_socket_address_new (loopback, qssl_dtls_server_get_server_port (echo->server));
  g_autoptr(GSocket) stranger = udp_socket ("127.0.0.1", 0);
  g_autoptr(GRand) rand = g_rand_new_with_seed (20);
  guint8 record[600];

  example_client_start (client);
  example_client_wait (client);
  g_assert_true (client->encrypted);

  for (guint round = 0; round < 200; round++)
    {
      gsize length = g_rand_int_range (rand, 0, sizeof record);

      for (gsize i = 0; i < length; i++)
        record[i] = (guint8) g_rand_int (rand);
      /* Some look like DTLS 1.2 handshake or application records. */
      if (length > 13 && round % 2 == 0)
        {
          record[0] = round % 4 == 0 ? 22 : 23;
          record[1] = 0xfe;
          record[2] = 0xfd;
          if (round % 8 == 0)
            record[13] = 1; /* a client_hello */
        }
      g_socket_send_to (stranger, server, (const char *) record, length, NULL, NULL);
      g_socket_send_to (client->socket, server, (const char *) record, length, NULL, NULL);
      if (round % 20 == 0)
        g_main_context_iteration (NULL, FALSE);
    }
  client_send_ping (client);
  g_assert_true (wait_for_count (client->received, 1));
  g_assert_cmpuint (n_server_connections (echo->server), ==, 1);
  g_assert_cmpuint (echo->connections->len, ==, 1);
}

static gboolean
on_datagram_source (GDatagramBased *datagram_based,
                    GIOCondition    condition,
                    gpointer        user_data)
{
  *(GIOCondition *) user_data = condition;
  return G_SOURCE_REMOVE;
}

/* The connection is a GDatagramBased too: GIO code sends and receives
 * through it. */
static void
test_connection_datagram_based (void)
{
  g_autoptr(QsslConfiguration) server_configuration = dtls_server_configuration ();
  g_autoptr(EchoServer) echo = echo_server_new (server_configuration);
  g_autoptr(QsslConfiguration) configuration = dtls_client_configuration ();
  g_autoptr(Client) client = client_new (qssl_dtls_server_get_server_port (echo->server), "localhost",
                                         configuration);
  GDatagramBased *datagram_based = G_DATAGRAM_BASED (client->connection);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketAddress) from = NULL;
  g_autoptr(GSource) source = NULL;
  char first[] = "over ", second[] = "GDatagramBased";
  GOutputVector out[] = { { first, strlen (first) }, { second, strlen (second) } };
  GOutputMessage out_message = { NULL, out, 2, 0, NULL, 0 };
  char buffer[64];
  GInputVector in = { buffer, sizeof buffer };
  GInputMessage in_message = { &from, &in, 1, 0, 0, NULL, NULL };
  GIOCondition fired = 0;

  g_assert_true (G_IS_DATAGRAM_BASED (client->connection));
  g_assert_cmpint (g_datagram_based_condition_check (datagram_based, G_IO_OUT), ==, 0);
  client_start (client);
  g_assert_true (qssl_test_wait_for_flag (&client->done, 60000));
  g_assert_no_error (client->error);
  g_assert_cmpint (g_datagram_based_condition_check (datagram_based, G_IO_OUT), ==, G_IO_OUT);

  /* Nothing there yet: a non-blocking receive would block. */
  g_assert_cmpint (g_datagram_based_receive_messages (datagram_based, &in_message, 1, 0, 0, NULL, &error), ==, -1);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK);
  g_clear_error (&error);

  source = g_datagram_based_create_source (datagram_based, G_IO_IN, NULL);
  g_source_set_callback (source, G_SOURCE_FUNC (on_datagram_source), &fired, NULL);
  g_source_attach (source, NULL);
  g_assert_cmpint (g_datagram_based_send_messages (datagram_based, &out_message, 1, 0, -1, NULL, &error), ==, 1);
  g_assert_no_error (error);
  g_assert_cmpuint (out_message.bytes_sent, ==, strlen ("over GDatagramBased"));

  /* The source says when the echo is there; then a receive gets it. */
  g_assert_true (qssl_test_wait_for_flag ((gboolean *) &fired, 30000));
  g_assert_cmpint (fired & G_IO_IN, ==, G_IO_IN);
  g_assert_cmpint (g_datagram_based_receive_messages (datagram_based, &in_message, 1, 0, 0, NULL, &error), ==, 1);
  g_assert_no_error (error);
  g_assert_cmpmem (buffer, in_message.bytes_received, "over GDatagramBased", strlen ("over GDatagramBased"));
  g_assert_cmpuint (g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (from)), ==,
                    qssl_dtls_server_get_server_port (echo->server));
  /* The signal saw the same datagram. */
  g_assert_cmpuint (client->received->len, ==, 1);

  /* A blocking receive runs the main context until the next echo is there. */
  g_clear_object (&from);
  g_assert_cmpint (g_datagram_based_send_messages (datagram_based, &out_message, 1, 0, -1, NULL, &error), ==, 1);
  g_assert_cmpint (g_datagram_based_receive_messages (datagram_based, &in_message, 1, 0, -1, NULL, &error), ==, 1);
  g_assert_no_error (error);
  g_assert_cmpmem (buffer, in_message.bytes_received, "over GDatagramBased", strlen ("over GDatagramBased"));

  qssl_dtls_connection_close (client->connection);
  g_assert_cmpint (g_datagram_based_condition_check (datagram_based, G_IO_IN), ==, G_IO_HUP);
  g_assert_cmpint (g_datagram_based_receive_messages (datagram_based, &in_message, 1, 0, 0, NULL, &error), ==, 0);
  g_assert_no_error (error);
}

static void
test_connection_cancelled (void)
{
  g_autoptr(GSocket) silent = udp_socket ("127.0.0.1", 0);
  g_autoptr(Client) client = client_new (local_port (silent), NULL, NULL);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();

  qssl_dtls_connection_handshake_async (client->connection, cancellable, on_handshake_done, client);
  g_cancellable_cancel (cancellable);
  g_assert_true (qssl_test_wait_for_flag (&client->done, 30000));
  g_assert_error (client->error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

typedef struct
{
  GSocket *socket;
  GError  *abort_error;
} Reentrant;

static void
on_psk_abort (QsslDtls                      *dtls,
              QsslPreSharedKeyAuthenticator *authenticator,
              gpointer                       user_data)
{
  Reentrant *reentrant = user_data;

  /* From inside OpenSSL: refused, not a use-after-free. */
  g_assert_false (qssl_dtls_abort_handshake (dtls, reentrant->socket, &reentrant->abort_error));
  on_psk_required (dtls, authenticator, NULL);
}

static void
test_abort_from_psk_handler (void)
{
  QsslConfiguration *server_configuration = qssl_configuration_get_default_dtls ();
  g_autoptr(GBytes) hint = g_bytes_new_static (PSK_HINT, strlen (PSK_HINT));
  g_autoptr(ExampleServer) server = NULL;
  g_autoptr(QsslConfiguration) client_configuration = qssl_configuration_get_default_dtls ();
  g_autoptr(ExampleClient) client = NULL;
  Reentrant reentrant = { 0 };

  qssl_configuration_set_pre_shared_key_identity_hint (server_configuration, hint);
  qssl_configuration_set_peer_verify_mode (server_configuration, QSSL_PEER_VERIFY_MODE_NONE);
  server = example_server_new (server_configuration, TRUE);
  client = example_client_new (local_port (server->socket), NULL, client_configuration, FALSE);
  reentrant.socket = client->socket;
  g_signal_connect (client->crypto, "pre-shared-key-authentication-required", G_CALLBACK (on_psk_abort), &reentrant);
  example_client_start (client);
  example_client_wait (client);
  g_assert_error (reentrant.abort_error, QSSL_DTLS_ERROR, QSSL_DTLS_ERROR_INVALID_OPERATION);
  g_clear_error (&reentrant.abort_error);
  /* The handshake went on with the key the handler gave. */
  g_assert_no_error (client->error);
  g_assert_true (client->encrypted);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/qssl/dtls/client-s-server-certificate", test_client_s_server_certificate);
  g_test_add_func ("/qssl/dtls/client-s-server-psk", test_client_s_server_psk);
  g_test_add_func ("/qssl/dtls/server-s-client-certificate", test_server_s_client_certificate);
  g_test_add_func ("/qssl/dtls/server-s-client-psk", test_server_s_client_psk);
  g_test_add_func ("/qssl/dtls/qt-examples", test_qt_examples);
  g_test_add_func ("/qssl/dtls/verification-failed-then-resumed", test_verification_failed_then_resumed);
  g_test_add_func ("/qssl/dtls/host-name-mismatch", test_host_name_mismatch);
  g_test_add_func ("/qssl/dtls/invalid-operations", test_invalid_operations);
  g_test_add_func ("/qssl/dtls/handshake-timeout-retransmits", test_handshake_timeout_retransmits);
  g_test_add_func ("/qssl/dtls/verifier-cookie-exchange", test_verifier_cookie_exchange);
  g_test_add_func ("/qssl/dtls/datagram-larger-than-mtu", test_datagram_larger_than_mtu);

  g_test_add_func ("/qssl/dtls/abort-from-psk-handler", test_abort_from_psk_handler);
  g_test_add_func ("/qssl/dtls/server/echo", test_server_echo);
  g_test_add_func ("/qssl/dtls/server/fifty-clients", test_server_fifty_clients);
  g_test_add_func ("/qssl/dtls/server/lossy-relay", test_server_lossy_relay);
  g_test_add_func ("/qssl/dtls/server/datagram-too-large", test_server_datagram_too_large);
  g_test_add_func ("/qssl/dtls/server/spoofed-flood", test_server_spoofed_flood);
  g_test_add_func ("/qssl/dtls/server/idle-timeout", test_server_idle_timeout);
  g_test_add_func ("/qssl/dtls/server/untrusted-fails", test_server_untrusted_fails);
  g_test_add_func ("/qssl/dtls/server/untrusted-ignored", test_server_untrusted_ignored);
  g_test_add_func ("/qssl/dtls/server/psk", test_server_psk);
  g_test_add_func ("/qssl/dtls/server/s-client", test_server_s_client);
  g_test_add_func ("/qssl/dtls/server/client-restart", test_server_client_restart);
  g_test_add_func ("/qssl/dtls/server/garbage", test_server_garbage);
  g_test_add_func ("/qssl/dtls/connection/cancelled", test_connection_cancelled);
  g_test_add_func ("/qssl/dtls/connection/datagram-based", test_connection_datagram_based);

  return g_test_run ();
}
