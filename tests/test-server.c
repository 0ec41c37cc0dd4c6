/* test-server.c: QsslServer accepting, queueing and dropping clients on one main context
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include "qssl-test-utils.h"

static QsslServer *
server_new (void)
{
  QsslServer *server = qssl_server_new ();
  g_autoptr(QsslConfiguration) configuration = qssl_test_server_configuration ("server-ec");
  g_autoptr(GError) error = NULL;

  qssl_server_set_ssl_configuration (server, configuration);
  g_assert_true (qssl_server_listen (server, NULL, 0, &error));
  g_assert_no_error (error);
  g_assert_true (qssl_server_is_listening (server));
  g_assert_cmpuint (qssl_server_get_server_port (server), >, 0);
  return server;
}

static QsslSocket *
client_connect (guint16 port)
{
  QsslSocket *client = qssl_socket_new ();
  g_autoptr(QsslConfiguration) configuration = qssl_test_client_configuration ();

  qssl_socket_set_ssl_configuration (client, configuration);
  qssl_socket_connect_to_host_encrypted (client, "localhost", port, QSSL_NETWORK_LAYER_PROTOCOL_ANY_IP);
  return client;
}

static void
count (gpointer instance,
       guint   *counter)
{
  (*counter)++;
}

static void
count_started (QsslServer *server,
               QsslSocket *socket,
               guint      *counter)
{
  g_assert_true (QSSL_IS_SOCKET (socket));
  g_assert_cmpint (qssl_socket_get_mode (socket), ==, QSSL_MODE_UNENCRYPTED);
  (*counter)++;
}

static void
test_accept_and_queue (void)
{
  g_autoptr(QsslServer) server = server_new ();
  g_autoptr(QsslSocket) first = client_connect (qssl_server_get_server_port (server));
  g_autoptr(QsslSocket) second = NULL;
  g_autoptr(QsslSocket) accepted = NULL;
  guint started = 0, available = 0;
  gpointer pending = NULL;

  g_signal_connect (server, "started-encryption-handshake", G_CALLBACK (count_started), &started);
  g_signal_connect (server, "pending-connection-available", G_CALLBACK (count), &available);
  g_assert_false (qssl_server_has_pending_connections (server));
  while (available < 1)
    g_main_context_iteration (NULL, TRUE);
  second = client_connect (qssl_server_get_server_port (server));
  while (available < 2)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (started, ==, 2);
  g_assert_true (qssl_server_has_pending_connections (server));

  accepted = qssl_server_next_pending_connection (server);
  g_assert_nonnull (accepted);
  g_assert_true (qssl_socket_is_encrypted (accepted));
  g_assert_cmpint (qssl_socket_get_mode (accepted), ==, QSSL_MODE_SSL_SERVER);
  /* The queue is in handshake order: the first client is the first socket. */
  g_assert_cmpuint (qssl_socket_get_peer_port (accepted), ==, qssl_socket_get_local_port (first));
  pending = qssl_server_next_pending_connection (server);
  g_assert_nonnull (pending);
  g_object_unref (pending);
  g_assert_null (qssl_server_next_pending_connection (server));

  /* The accepted socket talks to its client. */
  qssl_socket_write (accepted, (const guint8 *) "hi\n", 3);
  while (qssl_socket_bytes_available (first) < 3)
    g_main_context_iteration (NULL, TRUE);
}

static void
on_error_occurred (QsslServer      *server,
                   QsslSocket      *socket,
                   QsslSocketError  error,
                   int             *last)
{
  *last = error;
}

/* A client that connects and says nothing is dropped after the timeout, and
 * a well-behaved client arriving meanwhile is still served. */
static void
test_silent_client_times_out (void)
{
  g_autoptr(QsslServer) server = server_new ();
  g_autoptr(GSocketClient) tcp = g_socket_client_new ();
  g_autoptr(GSocketConnection) silent = NULL;
  g_autoptr(QsslSocket) good = NULL;
  g_autoptr(GError) error = NULL;
  int last_error = -2;
  guint available = 0;

  qssl_server_set_handshake_timeout (server, 300);
  g_signal_connect (server, "error-occurred", G_CALLBACK (on_error_occurred), &last_error);
  g_signal_connect (server, "pending-connection-available", G_CALLBACK (count), &available);
  silent = g_socket_client_connect_to_host (tcp, "127.0.0.1", qssl_server_get_server_port (server), NULL, &error);
  g_assert_no_error (error);
  good = client_connect (qssl_server_get_server_port (server));
  while (available < 1 || last_error == -2)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (last_error, ==, QSSL_SOCKET_ERROR_SOCKET_TIMEOUT);
  g_assert_true (qssl_socket_is_encrypted (good));
}

static void
test_plaintext_client_dropped (void)
{
  g_autoptr(QsslServer) server = server_new ();
  g_autoptr(GSocketClient) tcp = g_socket_client_new ();
  g_autoptr(GSocketConnection) plain = NULL;
  g_autoptr(GError) error = NULL;
  int last_error = -2;
  const char request[] = "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";

  g_signal_connect (server, "error-occurred", G_CALLBACK (on_error_occurred), &last_error);
  plain = g_socket_client_connect_to_host (tcp, "127.0.0.1", qssl_server_get_server_port (server), NULL, &error);
  g_assert_no_error (error);
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (plain)), request, strlen (request),
                             NULL, NULL, &error);
  while (last_error == -2)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (last_error, ==, QSSL_SOCKET_ERROR_SSL_HANDSHAKE_FAILED);
  g_assert_false (qssl_server_has_pending_connections (server));
  g_assert_true (qssl_server_is_listening (server));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/qssl/server/accept-and-queue", test_accept_and_queue);
  g_test_add_func ("/qssl/server/silent-client-times-out", test_silent_client_times_out);
  g_test_add_func ("/qssl/server/plaintext-client-dropped", test_plaintext_client_dropped);

  return g_test_run ();
}
