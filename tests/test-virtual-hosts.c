/* test-virtual-hosts.c: SNI virtual hosts of QsslServer against libqssl's own client
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The client verifies the server's certificate against the name it sends
 * as SNI, so a handshake without errors proves the right host served it;
 * the accepted socket reports the name and the host's configuration.
 */

#include "qssl-test-utils.h"

typedef struct {
  gboolean   encrypted;
  gboolean   failed;
  GPtrArray *errors;
} Client;

static void
on_client_encrypted (QsslSocket *socket,
                     Client     *client)
{
  client->encrypted = TRUE;
}

static void
on_client_error (QsslSocket      *socket,
                 QsslSocketError  error,
                 Client          *client)
{
  client->failed = TRUE;
}

static void
on_client_ssl_errors (QsslSocket *socket,
                      GPtrArray  *errors,
                      Client     *client)
{
  for (guint i = 0; i < errors->len; i++)
    g_ptr_array_add (client->errors, g_strdup (qssl_error_get_error_string (g_ptr_array_index (errors, i))));
}

static QsslServer *
new_server (void)
{
  QsslServer *server = qssl_server_new ();
  g_autoptr(QsslConfiguration) fallback = qssl_test_server_configuration ("server-ec");
  g_autoptr(QsslConfiguration) a = qssl_test_server_configuration ("vhost-a");
  g_autoptr(QsslConfiguration) c = qssl_test_server_configuration ("vhost-c");
  g_autoptr(QsslConfiguration) wildcard = qssl_test_server_configuration ("wildcard");
  g_autoptr(GError) error = NULL;

  qssl_server_set_ssl_configuration (server, fallback);
  qssl_server_set_host_configuration (server, "a.example.test", a);
  qssl_server_set_host_configuration (server, "C.EXAMPLE.ORG.", c);
  qssl_server_set_host_configuration (server, "*.example.test", wildcard);
  g_assert_true (qssl_server_listen (server, NULL, 0, &error));
  return server;
}

/* Connects with @name as SNI and verification name; returns the accepted
 * socket (or NULL) and fills @client. */
static QsslSocket *
connect_as (QsslServer *server,
            const char *name,
            Client     *client,
            QsslSocket **client_socket)
{
  g_autoptr(QsslConfiguration) configuration = qssl_test_client_configuration ();
  QsslSocket *socket = qssl_socket_new ();
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  qssl_socket_set_ssl_configuration (socket, configuration);
  g_signal_connect (socket, "encrypted", G_CALLBACK (on_client_encrypted), client);
  g_signal_connect (socket, "error-occurred", G_CALLBACK (on_client_error), client);
  g_signal_connect (socket, "ssl-errors", G_CALLBACK (on_client_ssl_errors), client);
  qssl_socket_connect_to_host_encrypted_with_peer_name (socket, "127.0.0.1", qssl_server_get_server_port (server),
                                                        name, QSSL_NETWORK_LAYER_PROTOCOL_IPV4);
  while ((!qssl_server_has_pending_connections (server) || !client->encrypted) && !client->failed &&
         g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  *client_socket = socket;
  return qssl_server_next_pending_connection (server);
}

static void
test_hosts (void)
{
  struct {
    const char *name; const char *served; const char *requested;
  } cases[] = {
    { "a.example.test", "vhost-a.pem", "a.example.test" },
    { "c.example.org", "vhost-c.pem", "c.example.org" },       /* set as "C.EXAMPLE.ORG." */
    { "b.example.test", "wildcard.pem", "b.example.test" },    /* no exact host: the wildcard */
    { "localhost", "server-ec.pem", "localhost" },             /* no match: the server's own */
  };
  g_autoptr(QsslServer) server = new_server ();

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      Client client = { .errors = g_ptr_array_new_with_free_func (g_free) };
      g_autoptr(QsslSocket) socket = NULL;
      g_autoptr(QsslSocket) accepted = connect_as (server, cases[i].name, &client, &socket);
      g_autoptr(QsslCertificate) expected = qssl_test_pki_certificate (cases[i].served);
      g_autoptr(QsslConfiguration) served = NULL;

      g_test_message ("%s", cases[i].name);
      g_assert_true (client.encrypted);
      /* The certificate matched the name the client sent. */
      g_assert_cmpuint (client.errors->len, ==, 0);
      g_assert_true (qssl_certificate_equal (qssl_socket_get_peer_certificate (socket), expected));
      g_assert_nonnull (accepted);
      g_assert_cmpstr (qssl_socket_get_requested_server_name (accepted), ==, cases[i].requested);
      served = qssl_socket_get_ssl_configuration (accepted);
      g_assert_true (qssl_certificate_equal (qssl_configuration_get_local_certificate (served), expected));
      /* A client socket never has a requested name. */
      g_assert_null (qssl_socket_get_requested_server_name (socket));
      qssl_socket_abort (socket);
      g_ptr_array_unref (client.errors);
    }
}

static void
test_invalid_names (void)
{
  const char *invalid[] = { "", ".", "*", "*.", "a.*.example.org", "*a.example.org", "a..example.org",
                            ".example.org", "**.example.org" };
  g_autoptr(QsslServer) server = qssl_server_new ();
  g_autoptr(QsslSocket) socket = qssl_socket_new ();
  g_autoptr(QsslConfiguration) configuration = qssl_test_server_configuration ("vhost-a");

  for (gsize i = 0; i < G_N_ELEMENTS (invalid); i++)
    {
      g_test_message ("\"%s\"", invalid[i]);
      g_test_expect_message ("Qssl", G_LOG_LEVEL_CRITICAL, "*key != NULL*");
      qssl_server_set_host_configuration (server, invalid[i], configuration);
      g_test_assert_expected_messages ();
      g_test_expect_message ("Qssl", G_LOG_LEVEL_CRITICAL, "*key != NULL*");
      qssl_socket_set_host_configuration (socket, invalid[i], configuration);
      g_test_assert_expected_messages ();
    }
  /* Removing what was never set is fine. */
  qssl_server_remove_host_configuration (server, "a.example.test");
  qssl_socket_remove_host_configuration (socket, "*.example.test");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/qssl/virtual-hosts/hosts", test_hosts);
  g_test_add_func ("/qssl/virtual-hosts/invalid-names", test_invalid_names);
  return g_test_run ();
}
