/* test-server.c: QsslServer accepting, queueing and dropping clients on one main context
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <malloc.h>
#include <string.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "qssl-test-utils.h"

/* The bytes of OpenSSL's record layer (its read and write buffers) alive
 * on the heap: allocator hooks that main() installs before anything
 * allocates through OpenSSL count what is allocated and freed in its
 * ssl/record/ sources. */
static gssize record_layer_bytes;
static gssize record_layer_allocated;  /* ever: that the hooks see anything */
static gboolean record_layer_counted;

static void
count_record_layer (const char *file,
                    gssize      delta)
{
  if (file != NULL && strstr (file, "/record/") != NULL)
    {
      g_atomic_pointer_add (&record_layer_bytes, delta);
      if (delta > 0)
        g_atomic_pointer_add (&record_layer_allocated, delta);
    }
}

static void *
counting_malloc (size_t      size,
                 const char *file,
                 int         line)
{
  void *block = malloc (size);

  if (block != NULL)
    count_record_layer (file, (gssize) malloc_usable_size (block));
  return block;
}

static void *
counting_realloc (void       *old,
                  size_t      size,
                  const char *file,
                  int         line)
{
  gssize before = old != NULL ? (gssize) malloc_usable_size (old) : 0;
  void *block;

  if (size == 0)
    {
      free (old);
      count_record_layer (file, -before);
      return NULL;
    }
  block = realloc (old, size);
  if (block != NULL)
    count_record_layer (file, (gssize) malloc_usable_size (block) - before);
  return block;
}

static void
counting_free (void       *block,
               const char *file,
               int         line)
{
  if (block == NULL)
    return;
  count_record_layer (file, -(gssize) malloc_usable_size (block));
  free (block);
}

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

/* GSocketService::incoming, before the server's handler: the server took
 * the connection from the backlog. Its handshake (and
 * started-encryption-handshake) waits for the client's first record, which
 * the raw clients here never send. */
static gboolean
count_incoming (GSocketService    *service,
                GSocketConnection *connection,
                GObject           *source_object,
                guint             *count)
{
  (*count)++;
  return FALSE;
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
test_silent_client_times_out (gconstpointer half_handshake)
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
  if (GPOINTER_TO_INT (half_handshake))
    {
      /* Half a handshake: a TLS record header announcing data that never comes. */
      static const guint8 header[] = { 0x16, 0x03, 0x01, 0x02, 0x00, 0x01 };

      g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (silent)), header,
                                 sizeof header, NULL, NULL, &error);
      g_assert_no_error (error);
    }
  good = client_connect (qssl_server_get_server_port (server));
  while (available < 1 || last_error == -2)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (last_error, ==, QSSL_SOCKET_ERROR_SOCKET_TIMEOUT);
  g_assert_true (qssl_socket_is_encrypted (good));
}

/* An HTTP request where the server expects a ClientHello; the
 * connection stays open until the caller drops it. */
static GSocketConnection *
send_plaintext_request (QsslServer *server)
{
  g_autoptr(GSocketClient) tcp = g_socket_client_new ();
  g_autoptr(GError) error = NULL;
  GSocketConnection *plain;
  const char request[] = "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";

  plain = g_socket_client_connect_to_host (tcp, "127.0.0.1", qssl_server_get_server_port (server), NULL, &error);
  g_assert_no_error (error);
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (plain)), request, strlen (request),
                             NULL, NULL, &error);
  g_assert_no_error (error);
  return plain;
}

static void
test_plaintext_client_dropped (void)
{
  g_autoptr(QsslServer) server = server_new ();
  g_autoptr(GSocketConnection) plain = NULL;
  int last_error = -2;

  g_signal_connect (server, "error-occurred", G_CALLBACK (on_error_occurred), &last_error);
  plain = send_plaintext_request (server);
  while (last_error == -2)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (last_error, ==, QSSL_SOCKET_ERROR_SSL_HANDSHAKE_FAILED);
  g_assert_false (qssl_server_has_pending_connections (server));
  g_assert_true (qssl_server_is_listening (server));
}

/* The server hears a handshake's end before the socket's own handlers,
 * even those connected in started-encryption-handshake: the encrypted
 * socket is queued already, the failed one reported. */
typedef struct
{
  QsslServer *server;
  guint       server_errors;
  guint       socket_encrypted;
  guint       socket_errors;
  gboolean    pending_when_encrypted;
  guint       server_errors_when_failed;
} HandshakeEnd;

static void
end_on_socket_encrypted (QsslSocket   *socket,
                         HandshakeEnd *end)
{
  end->pending_when_encrypted = qssl_server_has_pending_connections (end->server);
  end->socket_encrypted++;
}

static void
end_on_socket_error (QsslSocket      *socket,
                     QsslSocketError  error,
                     HandshakeEnd    *end)
{
  end->server_errors_when_failed = end->server_errors;
  end->socket_errors++;
}

static void
end_on_started (QsslServer   *server,
                QsslSocket   *socket,
                HandshakeEnd *end)
{
  g_signal_connect (socket, "encrypted", G_CALLBACK (end_on_socket_encrypted), end);
  g_signal_connect (socket, "error-occurred", G_CALLBACK (end_on_socket_error), end);
}

static void
end_on_server_error (QsslServer      *server,
                     QsslSocket      *socket,
                     QsslSocketError  error,
                     HandshakeEnd    *end)
{
  end->server_errors++;
}

static void
test_handshake_end_before_socket_handlers (void)
{
  g_autoptr(QsslServer) server = server_new ();
  g_autoptr(QsslSocket) client = NULL;
  g_autoptr(QsslSocket) served = NULL;
  g_autoptr(GSocketConnection) plain = NULL;
  HandshakeEnd end = { .server = server };

  g_signal_connect (server, "started-encryption-handshake", G_CALLBACK (end_on_started), &end);
  g_signal_connect (server, "error-occurred", G_CALLBACK (end_on_server_error), &end);

  client = client_connect (qssl_server_get_server_port (server));
  while (end.socket_encrypted == 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (end.pending_when_encrypted);
  served = qssl_server_next_pending_connection (server);
  g_assert_nonnull (served);
  g_assert_true (qssl_socket_is_encrypted (served));

  plain = send_plaintext_request (server);
  while (end.socket_errors == 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (end.server_errors_when_failed, ==, 1);
  g_assert_cmpuint (end.server_errors, ==, 1);
  /* Handed over, the socket is the application's: its later errors are
   * not the server's. */
  qssl_socket_abort (client);
  qssl_socket_write (served, (const guint8 *) "x", 1);
  while (qssl_socket_get_state (served) != QSSL_SOCKET_STATE_UNCONNECTED)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (end.server_errors, ==, 1);
  g_assert_true (qssl_server_is_listening (server));
}

/* A socket taken from the queue in pending-connection-available is
 * encrypted already: a handler the application connects to its encrypted
 * there (or to the error-occurred of a dropped one, from the server's)
 * starts with the next emission, as one connected inside an emission does
 * in GLib, and so as in Qt, where pendingConnectionAvailable comes after
 * encrypted. */
typedef struct
{
  QsslServer *server;
  QsslSocket *taken;
  guint       late_encrypted;
  guint       late_errors;
  guint       server_errors;
} LateHandlers;

static void
late_count_encrypted (QsslSocket   *socket,
                      LateHandlers *late)
{
  late->late_encrypted++;
}

static void
late_count_error (QsslSocket      *socket,
                  QsslSocketError  error,
                  LateHandlers    *late)
{
  late->late_errors++;
}

static void
late_take (QsslServer   *server,
           LateHandlers *late)
{
  g_assert_null (late->taken);
  late->taken = qssl_server_next_pending_connection (server);
  g_signal_connect (late->taken, "encrypted", G_CALLBACK (late_count_encrypted), late);
}

static void
late_on_server_error (QsslServer      *server,
                      QsslSocket      *socket,
                      QsslSocketError  error,
                      LateHandlers    *late)
{
  late->server_errors++;
  g_signal_connect (socket, "error-occurred", G_CALLBACK (late_count_error), late);
}

static void
test_handlers_connected_late (void)
{
  g_autoptr(QsslServer) server = server_new ();
  g_autoptr(QsslSocket) client = NULL;
  g_autoptr(GSocketConnection) plain = NULL;
  LateHandlers late = { .server = server };

  g_signal_connect (server, "pending-connection-available", G_CALLBACK (late_take), &late);
  g_signal_connect (server, "error-occurred", G_CALLBACK (late_on_server_error), &late);

  client = client_connect (qssl_server_get_server_port (server));
  while (late.taken == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (qssl_socket_is_encrypted (late.taken));

  plain = send_plaintext_request (server);
  while (late.server_errors == 0)
    g_main_context_iteration (NULL, TRUE);
  /* Whatever the dropped socket has left to emit comes in the next
   * iterations, if at all. */
  for (guint i = 0; i < 10; i++)
    g_main_context_iteration (NULL, FALSE);
  g_assert_cmpuint (late.late_encrypted, ==, 0);
  g_assert_cmpuint (late.late_errors, ==, 0);
  g_clear_object (&late.taken);
}

/* A handler of GSocketService::incoming sees every connection while it is
 * connected; without one the server admits connections on its own. Both
 * ways the clients are served. */
static void
test_incoming_handler_comes_and_goes (void)
{
  g_autoptr(QsslServer) server = server_new ();
  guint16 port = qssl_server_get_server_port (server);
  guint incoming = 0;
  gulong handler;

  for (guint round = 0; round < 3; round++)
    {
      g_autoptr(QsslSocket) client = NULL;
      g_autoptr(QsslSocket) served = NULL;

      handler = round == 1 ? g_signal_connect (server, "incoming", G_CALLBACK (count_incoming), &incoming) : 0;
      client = client_connect (port);
      while (!qssl_server_has_pending_connections (server))
        g_main_context_iteration (NULL, TRUE);
      served = qssl_server_next_pending_connection (server);
      g_assert_true (qssl_socket_is_encrypted (served));
      g_assert_cmpuint (incoming, ==, round == 0 ? 0 : 1);
      if (handler != 0)
        g_signal_handler_disconnect (server, handler);
    }
}

static void
on_accepted (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  GObject **out = user_data;
  g_autoptr(GError) error = NULL;
  QsslSocket *socket = qssl_server_accept_finish (QSSL_SERVER (source), result, &error);

  if (socket != NULL)
    *out = G_OBJECT (socket);
  else
    *out = G_OBJECT (g_cancellable_new ()); /* a marker for "failed" */
  if (error != NULL)
    g_object_set_data_full (*out, "error", g_error_copy (error), (GDestroyNotify) g_error_free);
}

static void
test_accept_async_and_wait (void)
{
  g_autoptr(QsslServer) server = server_new ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GObject) cancelled = NULL;
  g_autoptr(GObject) accepted = NULL;
  g_autoptr(QsslSocket) client = NULL;
  g_autoptr(QsslSocket) waited = NULL;
  g_autoptr(QsslSocket) client2 = NULL;
  g_autoptr(QsslSocket) client3 = NULL;
  g_autoptr(GCancellable) late_cancellable = g_cancellable_new ();
  g_autoptr(GObject) late = NULL;
  g_autoptr(GError) error = NULL;
  gboolean timed_out = FALSE;
  GError *cancel_error;

  /* Nothing comes: the wait times out. */
  g_assert_false (qssl_server_wait_for_new_connection (server, 200, &timed_out, &error));
  g_assert_true (timed_out);
  g_assert_error (error, QSSL_SOCKET_ERROR, QSSL_SOCKET_ERROR_SOCKET_TIMEOUT);
  g_clear_error (&error);

  /* A cancelled accept finishes with CANCELLED. */
  qssl_server_accept_async (server, cancellable, on_accepted, &cancelled);
  g_cancellable_cancel (cancellable);
  qssl_test_wait_for_pointer ((gpointer *) &cancelled, 1000);
  cancel_error = g_object_get_data (cancelled, "error");
  g_assert_error (cancel_error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  /* A waiting accept gets the next encrypted socket. */
  qssl_server_accept_async (server, NULL, on_accepted, &accepted);
  client = client_connect (qssl_server_get_server_port (server));
  qssl_test_wait_for_pointer ((gpointer *) &accepted, 10000);
  g_assert_true (QSSL_IS_SOCKET (accepted));
  g_assert_true (qssl_socket_is_encrypted (QSSL_SOCKET (accepted)));

  /* wait_for_new_connection() runs the handshake without a main loop. */
  client2 = client_connect (qssl_server_get_server_port (server));
  g_assert_true (qssl_server_wait_for_new_connection (server, 10000, &timed_out, &error));
  g_assert_no_error (error);
  waited = qssl_server_next_pending_connection (server);
  g_assert_nonnull (waited);

  /* A pending socket handed to an accept is delivered even if the accept is
   * cancelled before its callback runs: the connection is not lost. */
  client3 = client_connect (qssl_server_get_server_port (server));
  g_assert_true (qssl_server_wait_for_new_connection (server, 10000, &timed_out, &error));
  g_assert_no_error (error);
  qssl_server_accept_async (server, late_cancellable, on_accepted, &late);
  g_cancellable_cancel (late_cancellable);
  qssl_test_wait_for_pointer ((gpointer *) &late, 1000);
  g_assert_true (QSSL_IS_SOCKET (late));
  g_assert_false (qssl_server_has_pending_connections (server));
}

static QsslConfiguration *
mutual_server_configuration (QsslPeerVerifyMode mode)
{
  QsslConfiguration *configuration = qssl_test_server_configuration ("server-ec");
  g_autoptr(QsslCertificate) root = qssl_test_pki_certificate ("ca.pem");
  g_autoptr(GPtrArray) cas = g_ptr_array_new ();

  g_ptr_array_add (cas, root);
  qssl_configuration_set_ca_certificates (configuration, cas);
  qssl_configuration_set_peer_verify_mode (configuration, mode);
  return configuration;
}

static void
on_client_error (QsslSocket      *socket,
                 QsslSocketError  error,
                 int             *last)
{
  *last = error;
}

/* client_cert NULL: no certificate. Returns the server socket or NULL. */
static QsslSocket *
mutual_handshake (QsslPeerVerifyMode  mode,
                  const char         *client_cert,
                  int                *server_error,
                  int                *client_error)
{
  g_autoptr(QsslServer) server = qssl_server_new ();
  g_autoptr(QsslConfiguration) configuration = mutual_server_configuration (mode);
  g_autoptr(QsslSocket) client = NULL;
  g_autoptr(GError) error = NULL;
  QsslSocket *accepted = NULL;
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  qssl_server_set_ssl_configuration (server, configuration);
  g_assert_true (qssl_server_listen (server, NULL, 0, &error));
  g_signal_connect (server, "error-occurred", G_CALLBACK (on_error_occurred), server_error);
  client = qssl_socket_new ();
  {
    g_autoptr(QsslConfiguration) client_configuration = qssl_test_client_configuration ();

    if (client_cert != NULL)
      {
        g_autofree char *pem = g_strconcat (client_cert, ".pem", NULL);
        g_autofree char *key_name = g_strconcat (client_cert, ".key", NULL);
        g_autoptr(QsslCertificate) certificate = qssl_test_pki_certificate (pem);
        g_autoptr(QsslKey) key = qssl_test_pki_key (key_name);
        g_autoptr(QsslCertificate) intermediate = qssl_test_pki_certificate ("intermediate.pem");
        g_autoptr(GPtrArray) chain = g_ptr_array_new ();

        g_ptr_array_add (chain, certificate);
        g_ptr_array_add (chain, intermediate);
        qssl_configuration_set_local_certificate_chain (client_configuration, chain);
        qssl_configuration_set_private_key (client_configuration, key);
      }
    qssl_socket_set_ssl_configuration (client, client_configuration);
  }
  g_signal_connect (client, "error-occurred", G_CALLBACK (on_client_error), client_error);
  qssl_socket_connect_to_host_encrypted (client, "localhost", qssl_server_get_server_port (server),
                                         QSSL_NETWORK_LAYER_PROTOCOL_IPV4);
  while (!qssl_server_has_pending_connections (server) && *server_error == -2 &&
         g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  /* TLS 1.3: the client may finish first and learn of a rejection later. */
  while (*server_error != -2 && *client_error == -2 && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  accepted = qssl_server_next_pending_connection (server);
  return accepted;
}

static void
test_mutual_tls (void)
{
  struct {
    QsslPeerVerifyMode mode; const char *cert; gboolean accepted;
  } cases[] = {
    { QSSL_PEER_VERIFY_MODE_VERIFY_PEER, "client", TRUE },
    { QSSL_PEER_VERIFY_MODE_VERIFY_PEER, NULL, FALSE },
    { QSSL_PEER_VERIFY_MODE_VERIFY_PEER, "client-untrusted", FALSE },
    { QSSL_PEER_VERIFY_MODE_VERIFY_PEER, "client-expired", FALSE },
    { QSSL_PEER_VERIFY_MODE_QUERY_PEER, NULL, TRUE },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      int server_error = -2, client_error = -2;
      g_autoptr(QsslSocket) accepted = mutual_handshake (cases[i].mode, cases[i].cert,
                                                         &server_error, &client_error);

      g_test_message ("case %" G_GSIZE_FORMAT, i);
      if (cases[i].accepted)
        {
          g_assert_nonnull (accepted);
          if (cases[i].cert != NULL)
            {
              g_autoptr(QsslCertificate) expected = qssl_test_pki_certificate ("client.pem");
              g_assert_true (qssl_certificate_equal (qssl_socket_get_peer_certificate (accepted), expected));
            }
          else
            g_assert_null (qssl_socket_get_peer_certificate (accepted));
        }
      else
        {
          g_assert_null (accepted);
          g_assert_cmpint (server_error, ==, QSSL_SOCKET_ERROR_SSL_HANDSHAKE_FAILED);
        }
    }
}

static guint
count_open_fds (void)
{
  return qssl_test_count_entries ("/proc/self/fd");
}

typedef struct {
  GPtrArray *served;      /* server-side sockets */
  guint      echoed;      /* clients that got their reply */
  guint      live;        /* sockets not finalized yet */
  guint      failed;      /* clients that reported an error */
} Crowd;

static void
on_pending (QsslServer *server,
            Crowd      *crowd)
{
  QsslSocket *socket;

  while ((socket = qssl_server_next_pending_connection (server)) != NULL)
    {
      g_signal_connect (socket, "ready-read", G_CALLBACK (qssl_test_echo), NULL);
      g_ptr_array_add (crowd->served, socket);
      /* Data may have arrived with the handshake. */
      if (qssl_socket_bytes_available (socket) > 0)
        qssl_test_echo (socket, NULL);
    }
}

static void
on_client_encrypted (QsslSocket *socket,
                     gpointer    user_data)
{
  qssl_socket_write (socket, (const guint8 *) "ping", 4);
}

static void
on_client_ready_read (QsslSocket *socket,
                      Crowd      *crowd)
{
  if (qssl_socket_bytes_available (socket) >= 4)
    {
      g_autoptr(GBytes) data = qssl_socket_read_all (socket);
      crowd->echoed++;
    }
}

static void
count_failure (Crowd *crowd)
{
  crowd->failed++;
}

static void
on_finalized (gpointer  data,
              GObject  *where_the_object_was)
{
  Crowd *crowd = data;

  crowd->live--;
}

static void
count_encrypted (QsslSocket *socket,
                 guint      *counter)
{
  (*counter)++;
}

/* An encrypted connection that has gone quiet right after its handshake
 * keeps none of OpenSSL's record buffers (16 KiB and more each way) on
 * either side, the client's after it read the server's session tickets
 * too: that is what keeps many idle connections small. */
static void
test_idle_holds_no_record_buffers (void)
{
  const guint n = 20;
  g_autoptr(QsslServer) server = server_new ();
  g_autoptr(GPtrArray) clients = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) served = g_ptr_array_new_with_free_func (g_object_unref);
  guint encrypted = 0;
  gssize before, allocated;

  /* main() installs the hooks before anything uses OpenSSL. */
  g_assert_true (record_layer_counted);
  qssl_server_set_max_pending_connections (server, 0);
  qssl_server_set_handshake_timeout (server, 100000);
  /* What earlier tests left behind goes first. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  before = (gssize) g_atomic_pointer_get (&record_layer_bytes);
  allocated = (gssize) g_atomic_pointer_get (&record_layer_allocated);
  for (guint i = 0; i < n; i++)
    {
      QsslSocket *client = client_connect (qssl_server_get_server_port (server));

      g_signal_connect (client, "encrypted", G_CALLBACK (count_encrypted), &encrypted);
      g_ptr_array_add (clients, client);
    }
  while (encrypted < n || served->len < n)
    {
      QsslSocket *socket;

      g_main_context_iteration (NULL, TRUE);
      while ((socket = qssl_server_next_pending_connection (server)) != NULL)
        g_ptr_array_add (served, socket);
    }
  /* The server's session tickets reach the clients and are read. */
  for (guint spins = 0; spins < 50; spins++)
    {
      while (g_main_context_iteration (NULL, FALSE))
        ;
      g_usleep (1000);
    }
  for (guint i = 0; i < n; i++)
    {
      g_assert_true (qssl_socket_is_encrypted (g_ptr_array_index (served, i)));
      g_assert_true (qssl_socket_is_encrypted (g_ptr_array_index (clients, i)));
    }
  if ((gssize) g_atomic_pointer_get (&record_layer_allocated) == allocated)
    {
      /* Built with OPENSSL_NO_FILENAMES: the hooks cannot tell the buffers. */
      g_test_skip ("this OpenSSL names no source file to its allocator");
      qssl_server_close (server);
      return;
    }
  g_assert_cmpint ((gssize) g_atomic_pointer_get (&record_layer_bytes) - before, ==, 0);

  /* And again after data went both ways. */
  for (guint i = 0; i < n; i++)
    qssl_socket_write (g_ptr_array_index (clients, i), (const guint8 *) "ping", 4);
  for (guint i = 0; i < n; i++)
    {
      QsslSocket *socket = g_ptr_array_index (served, i);

      while (qssl_socket_bytes_available (socket) < 4)
        g_main_context_iteration (NULL, TRUE);
      g_bytes_unref (qssl_socket_read_all (socket));
      qssl_socket_write (socket, (const guint8 *) "pong", 4);
    }
  for (guint i = 0; i < n; i++)
    {
      QsslSocket *client = g_ptr_array_index (clients, i);

      while (qssl_socket_bytes_available (client) < 4)
        g_main_context_iteration (NULL, TRUE);
      g_bytes_unref (qssl_socket_read_all (client));
    }
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpint ((gssize) g_atomic_pointer_get (&record_layer_bytes) - before, ==, 0);
  qssl_server_close (server);
}

/* Many clients at once, one thread, one context; afterwards every socket is
 * gone and the fd count is back where it was. */
static void
test_many_clients (void)
{
  /* QSSL_TEST_CLIENTS overrides the count, to try bigger crowds by hand. */
  const guint n_clients = g_getenv ("QSSL_TEST_CLIENTS") ? atoi (g_getenv ("QSSL_TEST_CLIENTS")) : 500;
  Crowd crowd = { g_ptr_array_new_with_free_func (g_object_unref), 0, 0, 0 };
  g_autoptr(GPtrArray) clients = g_ptr_array_new_with_free_func (g_object_unref);
  QsslServer *server;
  guint fds_before;
  gint64 deadline;
  struct rlimit limit;

  /* 2 fds per connection: raise the soft limit to the hard one. */
  getrlimit (RLIMIT_NOFILE, &limit);
  limit.rlim_cur = limit.rlim_max;
  setrlimit (RLIMIT_NOFILE, &limit);
  if (limit.rlim_cur < 2 * n_clients + 64)
    {
      g_test_skip ("not enough file descriptors for this test");
      return;
    }

  /* Warm up with a throwaway server: the resolver's threads and GLib's own
   * fds exist from the first connection on and are not the test's business. */
  {
    g_autoptr(QsslServer) warm_up = server_new ();
    g_autoptr(QsslSocket) first = client_connect (qssl_server_get_server_port (warm_up));
    g_autoptr(QsslSocket) accepted = NULL;

    while (!qssl_server_has_pending_connections (warm_up))
      g_main_context_iteration (NULL, TRUE);
    accepted = qssl_server_next_pending_connection (warm_up);
    qssl_socket_abort (first);
    qssl_socket_abort (accepted);
    qssl_server_close (warm_up);
  }
  while (g_main_context_iteration (NULL, FALSE))
    ;
  fds_before = count_open_fds ();
  server = server_new ();
  qssl_server_set_max_pending_connections (server, 0);
  /* About concurrency, not the timeout: a slow (sanitized, loaded) machine
   * may take more than the default 5 s for the last of 500 handshakes. */
  qssl_server_set_handshake_timeout (server, 100000);
  g_signal_connect (server, "pending-connection-available", G_CALLBACK (on_pending), &crowd);
  for (guint i = 0; i < n_clients; i++)
    {
      QsslSocket *client = client_connect (qssl_server_get_server_port (server));

      g_signal_connect (client, "encrypted", G_CALLBACK (on_client_encrypted), NULL);
      g_signal_connect (client, "ready-read", G_CALLBACK (on_client_ready_read), &crowd);
      g_signal_connect_swapped (client, "error-occurred", G_CALLBACK (count_failure), &crowd);
      g_object_weak_ref (G_OBJECT (client), on_finalized, &crowd);
      crowd.live++;
      g_ptr_array_add (clients, client);
    }
  deadline = g_get_monotonic_time () + 120 * G_USEC_PER_SEC;
  while (crowd.echoed + crowd.failed < n_clients && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (crowd.echoed, ==, n_clients);
  g_assert_cmpuint (crowd.served->len, ==, n_clients);

  for (guint i = 0; i < crowd.served->len; i++)
    {
      g_object_weak_ref (g_ptr_array_index (crowd.served, i), on_finalized, &crowd);
      crowd.live++;
    }
  g_ptr_array_set_size (clients, 0);
  g_ptr_array_set_size (crowd.served, 0);
  qssl_server_close (server);
  g_object_unref (server);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpuint (crowd.live, ==, 0);
  g_assert_cmpuint (count_open_fds (), ==, fds_before);
  g_ptr_array_unref (crowd.served);
}

static void
check_listen (const char *address_text,
              const char *connect_to)
{
  g_autoptr(QsslServer) server = qssl_server_new ();
  g_autoptr(QsslConfiguration) configuration = qssl_test_server_configuration ("server-ec");
  g_autoptr(GInetAddress) address = address_text ? g_inet_address_new_from_string (address_text) : NULL;
  g_autoptr(GInetAddress) reported = NULL;
  g_autoptr(QsslSocket) client = NULL;
  g_autoptr(GError) error = NULL;

  qssl_server_set_ssl_configuration (server, configuration);
  g_assert_true (qssl_server_listen (server, address, 0, &error));
  g_assert_no_error (error);
  reported = qssl_server_get_server_address (server);
  if (address != NULL)
    g_assert_true (g_inet_address_equal (reported, address));
  client = qssl_socket_new ();
  {
    g_autoptr(QsslConfiguration) client_configuration = qssl_test_client_configuration ();
    qssl_socket_set_ssl_configuration (client, client_configuration);
  }
  qssl_socket_connect_to_host_encrypted (client, connect_to, qssl_server_get_server_port (server),
                                         QSSL_NETWORK_LAYER_PROTOCOL_ANY_IP);
  g_assert_true (qssl_server_wait_for_new_connection (server, 10000, NULL, &error));
  g_assert_no_error (error);
  qssl_server_close (server);
  g_assert_false (qssl_server_is_listening (server));
  g_assert_cmpuint (qssl_server_get_server_port (server), ==, 0);
}

static void
test_listen_families (void)
{
  check_listen ("127.0.0.1", "127.0.0.1");
  check_listen ("::1", "::1");
  check_listen (NULL, "127.0.0.1");
  check_listen (NULL, "::1");
}

/* With a limit of 2 and nobody taking sockets, a third client waits in the
 * kernel's backlog; taking one lets it in. */
static void
test_max_pending (void)
{
  g_autoptr(QsslServer) server = server_new ();
  g_autoptr(QsslSocket) a = NULL;
  g_autoptr(QsslSocket) b = NULL;
  g_autoptr(QsslSocket) c = NULL;
  g_autoptr(QsslSocket) taken = NULL;
  guint available = 0;
  gboolean never;

  qssl_server_set_max_pending_connections (server, 2);
  g_signal_connect (server, "pending-connection-available", G_CALLBACK (count), &available);
  a = client_connect (qssl_server_get_server_port (server));
  b = client_connect (qssl_server_get_server_port (server));
  while (available < 2)
    g_main_context_iteration (NULL, TRUE);
  c = client_connect (qssl_server_get_server_port (server));
  /* Give it half a second of main loop: it must not get in. */
  never = FALSE;
  qssl_test_wait_for_flag (&never, 500);
  g_assert_cmpuint (available, ==, 2);
  g_assert_false (qssl_socket_is_encrypted (c));
  taken = qssl_server_next_pending_connection (server);
  while (available < 3)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (qssl_socket_is_encrypted (c));
}

static void
ignore_on_server (QsslServer *server,
                  QsslSocket *socket,
                  GPtrArray  *errors,
                  guint      *calls)
{
  (*calls)++;
  g_assert_cmpuint (errors->len, >, 0);
  qssl_socket_ignore_ssl_errors (socket);
}

/* A server handler calling ignore_ssl_errors() on the socket lets that
 * handshake go on (an untrusted client certificate, here). */
static void
test_ignore_in_server_handler (void)
{
  g_autoptr(QsslServer) server = qssl_server_new ();
  g_autoptr(QsslConfiguration) configuration = mutual_server_configuration (QSSL_PEER_VERIFY_MODE_VERIFY_PEER);
  g_autoptr(QsslSocket) client = qssl_socket_new ();
  g_autoptr(QsslConfiguration) client_configuration = qssl_test_client_configuration ();
  g_autoptr(QsslCertificate) certificate = qssl_test_pki_certificate ("client-untrusted.pem");
  g_autoptr(QsslKey) key = qssl_test_pki_key ("client-untrusted.key");
  g_autoptr(QsslSocket) accepted = NULL;
  g_autoptr(GError) error = NULL;
  guint calls = 0;

  qssl_server_set_ssl_configuration (server, configuration);
  g_assert_true (qssl_server_listen (server, NULL, 0, &error));
  g_signal_connect (server, "ssl-errors", G_CALLBACK (ignore_on_server), &calls);
  qssl_configuration_set_local_certificate (client_configuration, certificate);
  qssl_configuration_set_private_key (client_configuration, key);
  qssl_socket_set_ssl_configuration (client, client_configuration);
  qssl_socket_connect_to_host_encrypted (client, "localhost", qssl_server_get_server_port (server),
                                         QSSL_NETWORK_LAYER_PROTOCOL_IPV4);
  g_assert_true (qssl_server_wait_for_new_connection (server, 10000, NULL, &error));
  g_assert_cmpuint (calls, ==, 1);
  accepted = qssl_server_next_pending_connection (server);
  g_assert_true (qssl_certificate_equal (qssl_socket_get_peer_certificate (accepted), certificate));
}

static void
test_pause_accepting (void)
{
  g_autoptr(QsslServer) server = server_new ();
  g_autoptr(QsslSocket) client = NULL;
  g_autoptr(GError) error = NULL;
  gboolean timed_out = FALSE;

  qssl_server_pause_accepting (server);
  client = client_connect (qssl_server_get_server_port (server));
  g_assert_false (qssl_server_wait_for_new_connection (server, 300, &timed_out, &error));
  g_assert_true (timed_out);
  g_clear_error (&error);
  /* The connection waited in the backlog and gets in once accepting resumes. */
  qssl_server_resume_accepting (server);
  g_assert_true (qssl_server_wait_for_new_connection (server, 10000, &timed_out, &error));
  g_assert_no_error (error);
}

/* Clients already in the kernel's backlog when the server pauses (the loop
 * has not run since they connected) are not lost: GLib's accept, once
 * cancelled, takes one from the backlog and drops it. Once accepting
 * resumes, the server starts a handshake with each, and none sees its
 * connection closed. */
static gboolean
tick (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

static void
test_pause_with_backlog (void)
{
  g_autoptr(QsslServer) server = server_new ();
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, qssl_server_get_server_port (server));
  GSocket *clients[3];
  guint started = 0;
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  guint ticker;

  g_signal_connect (server, "incoming", G_CALLBACK (count_incoming), &started);
  for (guint i = 0; i < G_N_ELEMENTS (clients); i++)
    {
      g_autoptr(GError) error = NULL;

      clients[i] = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
      g_assert_no_error (error);
      /* The kernel completes it; the server has not run yet. */
      g_assert_true (g_socket_connect (clients[i], address, NULL, &error));
      g_assert_no_error (error);
    }
  qssl_server_pause_accepting (server);
  for (guint i = 0; i < 100; i++)
    g_main_context_iteration (NULL, FALSE);
  qssl_server_resume_accepting (server);
  /* The deadline only bounds a broken run; the tick lets it be seen. */
  ticker = g_timeout_add (100, tick, NULL);
  while (started < G_N_ELEMENTS (clients) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (ticker);
  g_assert_cmpuint (started, ==, G_N_ELEMENTS (clients));

  for (guint i = 0; i < G_N_ELEMENTS (clients); i++)
    {
      g_autoptr(GError) error = NULL;
      char byte;

      /* Open, waiting for its ClientHello: no EOF, no reset. */
      g_assert_cmpint (g_socket_receive_with_blocking (clients[i], &byte, 1, FALSE, NULL, &error), ==, -1);
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK);
      g_object_unref (clients[i]);
    }
  qssl_server_close (server);
}

typedef struct {
  QsslServer *server;
  GPtrArray  *finished;     /* clients done with, freed at the end */
  guint       started;
  guint       served;
  guint       failed;
  guint       in_flight;
  guint       taken;
} Churn;

#define CHURN_CLIENTS 200
#define CHURN_IN_FLIGHT 8

static void churn_start_client (Churn *churn);

static void
churn_client_done (QsslSocket *client,
                   Churn      *churn,
                   gboolean    served)
{
  g_signal_handlers_disconnect_by_data (client, churn);
  if (served)
    churn->served++;
  else
    churn->failed++;
  churn->in_flight--;
  g_ptr_array_add (churn->finished, g_object_ref (client));
  if (churn->started < CHURN_CLIENTS)
    churn_start_client (churn);
}

static void
churn_encrypted (QsslSocket *client,
                 Churn      *churn)
{
  churn_client_done (client, churn, TRUE);
}

static void
churn_error (QsslSocket      *client,
             QsslSocketError  error,
             Churn           *churn)
{
  g_test_message ("client %p: error %d: %s", client, error, qssl_socket_get_error_string (client));
  churn_client_done (client, churn, FALSE);
}

static void
churn_start_client (Churn *churn)
{
  g_autoptr(QsslSocket) client = qssl_socket_new ();
  g_autoptr(QsslConfiguration) configuration = qssl_test_client_configuration ();

  qssl_socket_set_ssl_configuration (client, configuration);
  g_signal_connect (client, "encrypted", G_CALLBACK (churn_encrypted), churn);
  g_signal_connect (client, "error-occurred", G_CALLBACK (churn_error), churn);
  churn->started++;
  churn->in_flight++;
  qssl_socket_connect_to_host_encrypted_with_peer_name (client, "127.0.0.1",
                                                        qssl_server_get_server_port (churn->server),
                                                        "localhost", QSSL_NETWORK_LAYER_PROTOCOL_IPV4);
  /* The client holds itself while connecting; finished ones are kept. */
  g_ptr_array_add (churn->finished, g_steal_pointer (&client));
}

static void
churn_take (QsslServer *server,
            Churn      *churn)
{
  QsslSocket *socket;

  while ((socket = qssl_server_next_pending_connection (server)) != NULL)
    {
      churn->taken++;
      g_ptr_array_add (churn->finished, socket);
    }
}

static gboolean
churn_toggle (gpointer user_data)
{
  Churn *churn = user_data;
  static gboolean paused;

  paused = !paused;
  if (paused)
    qssl_server_pause_accepting (churn->server);
  else
    qssl_server_resume_accepting (churn->server);
  return G_SOURCE_CONTINUE;
}

/* Clients keep connecting while the server pauses and resumes every 15 ms,
 * and a limit of 2 throttles it in between: every client is served, none
 * is reset (a connection accepted as a pause begins waits for the resume). */
static void
test_pause_resume_churn (void)
{
  g_autoptr(QsslServer) server = server_new ();
  Churn churn = { server, g_ptr_array_new_with_free_func (g_object_unref), 0, 0, 0, 0, 0 };
  gint64 deadline = g_get_monotonic_time () + 120 * G_USEC_PER_SEC;
  guint toggler;

  qssl_server_set_max_pending_connections (server, 2);
  g_signal_connect (server, "pending-connection-available", G_CALLBACK (churn_take), &churn);
  toggler = g_timeout_add (15, churn_toggle, &churn);
  for (guint i = 0; i < CHURN_IN_FLIGHT; i++)
    churn_start_client (&churn);
  /* The deadline only bounds a broken run; nothing here is timed. */
  while (churn.served + churn.failed < CHURN_CLIENTS && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (toggler);
  qssl_server_resume_accepting (server);
  while (churn.taken < churn.served && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);

  g_assert_cmpuint (churn.failed, ==, 0);
  g_assert_cmpuint (churn.served, ==, CHURN_CLIENTS);
  g_assert_cmpuint (churn.taken, ==, CHURN_CLIENTS);
  qssl_server_close (server);
  g_ptr_array_unref (churn.finished);
}

typedef struct {
  guint            count;
  QsslSocketError  error;
  char            *message;
} AcceptErrors;

static void
on_accept_error (QsslServer      *server,
                 QsslSocketError  error,
                 const char      *message,
                 AcceptErrors    *errors)
{
  errors->count++;
  errors->error = error;
  g_free (errors->message);
  errors->message = g_strdup (message);
}

static gboolean
keep_waking (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

/* Out of file descriptors, accept() fails: accept-error with Qt's resource
 * error, and the server tries again with a backoff, not in a loop; once a
 * descriptor is free the waiting connection gets in without
 * resume_accepting() (Qt's server would stay paused until it). In a process
 * of its own: a descriptor freed by an earlier test's leftovers would let
 * accept() work. */
static void
test_accept_error_retries (void)
{
  if (!g_test_subprocess ())
    {
      g_test_trap_subprocess (NULL, 60 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDERR);
      g_test_trap_assert_passed ();
      return;
    }

  g_autoptr(QsslServer) server = server_new ();
  g_autoptr(GSocket) client = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GError) error = NULL;
  AcceptErrors errors = { 0 };
  guint handshakes = 0;
  struct rlimit saved, limit;
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  int lowest_free;
  gint64 first_error, elapsed_ms;
  guint waker = g_timeout_add (100, keep_waking, NULL);

  g_signal_connect (server, "accept-error", G_CALLBACK (on_accept_error), &errors);
  g_signal_connect (server, "incoming", G_CALLBACK (count_incoming), &handshakes);
  client = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  address = g_inet_socket_address_new (loopback, qssl_server_get_server_port (server));

  /* No descriptor left for the accepted connection. */
  lowest_free = dup (0);
  g_assert_cmpint (lowest_free, >=, 0);
  close (lowest_free);
  getrlimit (RLIMIT_NOFILE, &saved);
  limit = saved;
  limit.rlim_cur = lowest_free;
  g_assert_cmpint (setrlimit (RLIMIT_NOFILE, &limit), ==, 0);
  /* The kernel completes the connection; accept() is what fails. */
  g_assert_true (g_socket_connect (client, address, NULL, &error));
  while (errors.count == 0 && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  first_error = g_get_monotonic_time ();
  /* A while longer: tried again, but no retry loop (10, 20, 40 ... ms). */
  while (g_get_monotonic_time () - first_error < 300 * 1000)
    g_main_context_iteration (NULL, TRUE);
  elapsed_ms = (g_get_monotonic_time () - first_error) / 1000;
  g_assert_cmpint (setrlimit (RLIMIT_NOFILE, &saved), ==, 0);

  g_assert_cmpuint (errors.count, >=, 2);
  g_assert_cmpuint (errors.count, <=, 2 + g_bit_storage (elapsed_ms / 10 + 1));
  g_assert_cmpint (errors.error, ==, QSSL_SOCKET_ERROR_SOCKET_RESOURCE);
  g_assert_nonnull (errors.message);
  g_assert_cmpuint (handshakes, ==, 0);
  g_assert_true (qssl_server_is_listening (server));

  /* No resume_accepting(). */
  while (handshakes == 0 && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (handshakes, ==, 1);
  g_free (errors.message);
  g_source_remove (waker);
  qssl_server_close (server);
}

/* A private key that does not belong to the certificate: the server does
 * not listen (it would reset every client), and a socket refuses it. */
static void
test_mismatched_key_refused (void)
{
  g_autoptr(QsslServer) server = qssl_server_new ();
  g_autoptr(QsslConfiguration) configuration = qssl_test_server_configuration ("server-rsa");
  g_autoptr(QsslConfiguration) good = qssl_test_server_configuration ("server-rsa");
  g_autoptr(QsslKey) wrong_key = qssl_test_pki_key ("server-ec.key");
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  g_autoptr(GSocketClient) tcp = g_socket_client_new ();
  g_autoptr(GSocketConnection) outgoing = NULL;
  g_autoptr(GSocketConnection) incoming = NULL;
  g_autoptr(QsslSocket) adopted = NULL;
  guint16 port;

  qssl_configuration_set_private_key (configuration, wrong_key);
  qssl_server_set_ssl_configuration (server, configuration);
  g_assert_false (qssl_server_listen (server, NULL, 0, &error));
  g_assert_error (error, QSSL_SOCKET_ERROR, QSSL_SOCKET_ERROR_SSL_INVALID_USER_DATA);
  g_clear_error (&error);
  g_assert_false (qssl_server_is_listening (server));

  qssl_server_set_ssl_configuration (server, good);
  g_assert_true (qssl_server_listen (server, NULL, 0, &error));
  g_assert_no_error (error);
  g_assert_true (qssl_server_is_listening (server));

  /* The socket itself: the handshake does not start. */
  port = g_socket_listener_add_any_inet_port (listener, NULL, &error);
  g_assert_no_error (error);
  outgoing = g_socket_client_connect_to_host (tcp, "127.0.0.1", port, NULL, &error);
  g_assert_no_error (error);
  incoming = g_socket_listener_accept (listener, NULL, NULL, &error);
  g_assert_no_error (error);
  adopted = qssl_socket_new_from_socket (g_socket_connection_get_socket (incoming), &error);
  g_assert_no_error (error);
  qssl_socket_set_ssl_configuration (adopted, configuration);
  qssl_socket_start_server_encryption (adopted);
  g_assert_cmpint (qssl_socket_get_error (adopted), ==, QSSL_SOCKET_ERROR_SSL_INVALID_USER_DATA);
  g_assert_cmpint (qssl_socket_get_state (adopted), ==, QSSL_SOCKET_STATE_UNCONNECTED);
  g_socket_listener_close (listener);
}

/* wait_for_new_connection() on a server that is not listening fails at
 * once, whatever the timeout (it used to block forever with -1, and sleep
 * out a finite one to report a timeout); listen() twice is an error. */
static void
test_misuse (void)
{
  g_autoptr(QsslServer) server = qssl_server_new ();
  g_autoptr(GError) error = NULL;
  gboolean timed_out = TRUE;
  int timeouts[] = { -1, 0, 60000 };

  for (guint i = 0; i < G_N_ELEMENTS (timeouts); i++)
    {
      timed_out = TRUE;
      g_assert_false (qssl_server_wait_for_new_connection (server, timeouts[i], &timed_out, &error));
      g_assert_error (error, QSSL_SOCKET_ERROR, QSSL_SOCKET_ERROR_OPERATION);
      g_assert_false (timed_out);
      g_clear_error (&error);
    }

  g_assert_true (qssl_server_listen (server, NULL, 0, &error));
  g_assert_no_error (error);
  g_assert_false (qssl_server_listen (server, NULL, 0, &error));
  g_assert_error (error, QSSL_SOCKET_ERROR, QSSL_SOCKET_ERROR_OPERATION);
  g_clear_error (&error);
  /* The first listen stands. */
  g_assert_true (qssl_server_is_listening (server));
  g_assert_cmpuint (qssl_server_get_server_port (server), >, 0);

  qssl_server_close (server);
  g_assert_false (qssl_server_wait_for_new_connection (server, -1, &timed_out, &error));
  g_assert_error (error, QSSL_SOCKET_ERROR, QSSL_SOCKET_ERROR_OPERATION);
  g_assert_false (timed_out);
}

/* Cancellation from another thread */

static GThread *main_thread;

#define CANCEL_ROUNDS 200

typedef struct {
  GCancellable *cancellable;
  gulong        delay_us;
} Canceller;

static gpointer
cancel_later (gpointer data)
{
  Canceller *canceller = data;

  if (canceller->delay_us > 0)
    g_usleep (canceller->delay_us);
  g_cancellable_cancel (canceller->cancellable);
  return NULL;
}

/* Round @i cancels after 0 to 1.5 ms: before, during and after the handshake. */
static GThread *
cancel_from_thread (GCancellable *cancellable,
                    guint         i,
                    Canceller    *canceller)
{
  canceller->cancellable = cancellable;
  canceller->delay_us = (i % 25) * 60;
  return g_thread_new ("canceller", cancel_later, canceller);
}

typedef struct {
  gboolean  done;
  gboolean  ok;
  GObject  *object;
  GError   *error;
} Outcome;

static void
outcome_clear (Outcome *outcome)
{
  g_clear_object (&outcome->object);
  g_clear_error (&outcome->error);
  outcome->done = FALSE;
  outcome->ok = FALSE;
}

static void
accept_outcome (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  Outcome *outcome = user_data;

  g_assert_true (g_thread_self () == main_thread);
  g_assert_false (outcome->done);
  outcome->object = G_OBJECT (qssl_server_accept_finish (QSSL_SERVER (source), result, &outcome->error));
  outcome->ok = outcome->object != NULL;
  outcome->done = TRUE;
}

static void
connect_outcome (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Outcome *outcome = user_data;

  g_assert_true (g_thread_self () == main_thread);
  g_assert_false (outcome->done);
  outcome->ok = qssl_socket_connect_to_host_encrypted_finish (QSSL_SOCKET (source), result, &outcome->error);
  outcome->done = TRUE;
}

static void
handshake_outcome (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  Outcome *outcome = user_data;

  g_assert_true (g_thread_self () == main_thread);
  g_assert_false (outcome->done);
  outcome->ok = qssl_socket_handshake_finish (QSSL_SOCKET (source), result, &outcome->error);
  /* What the socket is when the callback runs is what the result says. */
  if (outcome->ok)
    g_assert_true (qssl_socket_is_encrypted (QSSL_SOCKET (source)));
  else
    g_assert_cmpint (qssl_socket_get_state (QSSL_SOCKET (source)), ==, QSSL_SOCKET_STATE_UNCONNECTED);
  outcome->done = TRUE;
}

static void
connect_outcome_any (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  Outcome *outcome = user_data;

  g_assert_true (g_thread_self () == main_thread);
  outcome->ok = qssl_socket_handshake_finish (QSSL_SOCKET (source), result, &outcome->error);
  outcome->done = TRUE;
}

static void
iterate_until (gboolean *flag)
{
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  /* The deadline only bounds a broken run. */
  while (!*flag && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (*flag);
}

static QsslSocket *
client_ipv4 (void)
{
  QsslSocket *client = qssl_socket_new ();
  g_autoptr(QsslConfiguration) configuration = qssl_test_client_configuration ();

  qssl_socket_set_ssl_configuration (client, configuration);
  qssl_socket_set_peer_verify_name (client, "localhost");
  return client;
}

static void
drop_pending (QsslServer *server,
              gpointer    user_data)
{
  QsslSocket *socket;

  while ((socket = qssl_server_next_pending_connection (server)) != NULL)
    {
      qssl_socket_abort (socket);
      g_object_unref (socket);
    }
}

/* An accept cancelled from another thread while a client connects either
 * gets the socket or fails with CANCELLED; then the socket is queued, not
 * lost. The callback runs on the server's thread. */
static void
test_cancel_accept_from_thread (void)
{
  g_autoptr(QsslServer) server = server_new ();

  qssl_server_set_handshake_timeout (server, 60000);
  guint completed = 0;

  for (guint i = 0; i < CANCEL_ROUNDS; i++)
    {
      g_autoptr(GCancellable) cancellable = g_cancellable_new ();
      g_autoptr(QsslSocket) client = client_ipv4 ();
      g_autoptr(QsslSocket) queued = NULL;
      Outcome outcome = { 0 };
      Canceller canceller;
      GThread *thread;

      qssl_server_accept_async (server, cancellable, accept_outcome, &outcome);
      qssl_socket_connect_to_host_encrypted (client, "127.0.0.1", qssl_server_get_server_port (server),
                                             QSSL_NETWORK_LAYER_PROTOCOL_IPV4);
      thread = cancel_from_thread (cancellable, i, &canceller);
      iterate_until (&outcome.done);
      g_thread_join (thread);
      completed += outcome.ok;
      if (outcome.ok)
        {
          g_assert_true (qssl_socket_is_encrypted (QSSL_SOCKET (outcome.object)));
          g_assert_false (qssl_server_has_pending_connections (server));
        }
      else
        {
          g_autoptr(GError) error = NULL;

          g_assert_error (outcome.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
          g_assert_true (qssl_server_wait_for_new_connection (server, 30000, NULL, &error));
          g_assert_no_error (error);
          queued = qssl_server_next_pending_connection (server);
          g_assert_true (qssl_socket_is_encrypted (queued));
        }
      g_assert_false (qssl_server_has_pending_connections (server));
      qssl_socket_abort (client);
      outcome_clear (&outcome);
    }
  g_test_message ("%u of %u completed before the cancellation", completed, CANCEL_ROUNDS);
}

/* connect_to_host_encrypted_async() cancelled from another thread at any
 * point: encrypted and TRUE, or CANCELLED and aborted. */
static void
test_cancel_connect_from_thread (void)
{
  g_autoptr(QsslServer) server = server_new ();

  g_signal_connect (server, "pending-connection-available", G_CALLBACK (drop_pending), NULL);
  guint completed = 0;

  for (guint i = 0; i < CANCEL_ROUNDS; i++)
    {
      g_autoptr(GCancellable) cancellable = g_cancellable_new ();
      g_autoptr(QsslSocket) client = client_ipv4 ();
      Outcome outcome = { 0 };
      Canceller canceller;
      GThread *thread;

      qssl_socket_connect_to_host_encrypted_async (client, "127.0.0.1", qssl_server_get_server_port (server),
                                                   cancellable, connect_outcome, &outcome);
      thread = cancel_from_thread (cancellable, i, &canceller);
      iterate_until (&outcome.done);
      g_thread_join (thread);
      completed += outcome.ok;
      if (outcome.ok)
        g_assert_true (qssl_socket_is_encrypted (client));
      else
        {
          g_assert_error (outcome.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
          g_assert_cmpint (qssl_socket_get_state (client), ==, QSSL_SOCKET_STATE_UNCONNECTED);
          g_assert_false (qssl_socket_is_encrypted (client));
        }
      qssl_socket_abort (client);
      outcome_clear (&outcome);
    }
  g_test_message ("%u of %u completed before the cancellation", completed, CANCEL_ROUNDS);
}

static void
on_connected (QsslSocket *socket,
              gboolean   *flag)
{
  *flag = TRUE;
}

/* A ClientHello that comes after the server took the connection: the
 * server waits for it with a watch of its own, which the socket it makes
 * takes over with the fd. The connection then works both ways and ends
 * cleanly. */
static void
test_late_client_hello (void)
{
  g_autoptr(QsslServer) server = server_new ();
  g_autoptr(QsslSocket) client = client_ipv4 ();
  g_autoptr(QsslSocket) accepted = NULL;
  guint incoming = 0, available = 0, disconnected = 0;
  gboolean connected = FALSE;
  char buffer[5] = { 0 };

  g_signal_connect (server, "incoming", G_CALLBACK (count_incoming), &incoming);
  g_signal_connect (server, "pending-connection-available", G_CALLBACK (count), &available);
  g_signal_connect (client, "connected", G_CALLBACK (on_connected), &connected);
  qssl_socket_connect_to_host (client, "127.0.0.1", qssl_server_get_server_port (server),
                               QSSL_NETWORK_LAYER_PROTOCOL_IPV4);
  iterate_until (&connected);
  while (incoming < 1)
    g_main_context_iteration (NULL, TRUE);
  /* Taken from the backlog, and nothing to read yet. */
  g_assert_false (qssl_server_has_pending_connections (server));

  qssl_socket_start_client_encryption (client);
  while (available < 1)
    g_main_context_iteration (NULL, TRUE);
  accepted = qssl_server_next_pending_connection (server);
  g_assert_nonnull (accepted);
  g_assert_true (qssl_socket_is_encrypted (accepted));
  g_signal_connect (accepted, "disconnected", G_CALLBACK (count), &disconnected);

  g_assert_cmpint (qssl_socket_write (client, (const guint8 *) "ping", 4), ==, 4);
  while (qssl_socket_bytes_available (accepted) < 4)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (qssl_socket_read (accepted, (guint8 *) buffer, 4), ==, 4);
  g_assert_cmpstr (buffer, ==, "ping");
  g_assert_cmpint (qssl_socket_write (accepted, (const guint8 *) "pong", 4), ==, 4);
  while (qssl_socket_bytes_available (client) < 4)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (qssl_socket_read (client, (guint8 *) buffer, 4), ==, 4);
  g_assert_cmpstr (buffer, ==, "pong");

  qssl_socket_disconnect_from_host (client);
  while (disconnected < 1)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (qssl_socket_get_state (accepted), ==, QSSL_SOCKET_STATE_UNCONNECTED);
}

/* pending-connection-available comes inside the new socket's encrypted
 * emission, with its TLS 1.3 session tickets kept for its first reply: a
 * blocking flush or wait_for_bytes_written() there sends them and returns,
 * rather than waiting for a writability nobody watches for. */
typedef struct
{
  gboolean    use_stream;
  QsslSocket *accepted;
  gboolean    flushed;
  gint64      left;
} FlushInHandler;

static void
flush_in_pending (QsslServer     *server,
                  FlushInHandler *flush)
{
  g_autoptr(GError) error = NULL;

  flush->accepted = qssl_server_next_pending_connection (server);
  g_assert_nonnull (flush->accepted);
  /* The tickets wait for a reply. */
  g_assert_cmpint (qssl_socket_encrypted_bytes_to_write (flush->accepted), >, 0);
  if (flush->use_stream)
    flush->flushed = g_output_stream_flush (g_io_stream_get_output_stream (G_IO_STREAM (flush->accepted)),
                                            NULL, &error);
  else
    flush->flushed = qssl_socket_wait_for_bytes_written (flush->accepted, 20000, &error);
  g_assert_no_error (error);
  flush->left = qssl_socket_encrypted_bytes_to_write (flush->accepted);
}

static void
test_flush_in_pending_handler (gconstpointer use_stream)
{
  g_autoptr(QsslServer) server = server_new ();
  g_autoptr(QsslSocket) client = client_connect (qssl_server_get_server_port (server));
  FlushInHandler flush = { .use_stream = GPOINTER_TO_INT (use_stream) };

  g_signal_connect (server, "pending-connection-available", G_CALLBACK (flush_in_pending), &flush);
  while (flush.accepted == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (flush.flushed);
  g_assert_cmpint (flush.left, ==, 0);
  g_assert_cmpint (qssl_socket_get_session_protocol (flush.accepted), ==, QSSL_PROTOCOL_TLS_V1_3);
  g_object_unref (flush.accepted);
}

/* A blocking wait_for_ready_read() inside pending-connection-available
 * (inside the new socket's encrypted emission, which stopped the
 * handshake's watching) reads what the client sends then, for TLS 1.2 (no
 * tickets kept) and TLS 1.3 alike. The client runs in a thread of its own
 * with its own context, on blocking calls. */
typedef struct
{
  guint16      port;
  QsslProtocol protocol;
} LateWriter;

static gpointer
write_after_handshake (gpointer data)
{
  LateWriter *writer = data;
  g_autoptr(GMainContext) context = g_main_context_new ();

  g_main_context_push_thread_default (context);
  {
    g_autoptr(QsslSocket) client = client_ipv4 ();
    g_autoptr(QsslConfiguration) configuration = qssl_socket_get_ssl_configuration (client);
    g_autoptr(GError) error = NULL;

    qssl_configuration_set_protocol (configuration, writer->protocol);
    qssl_socket_set_ssl_configuration (client, configuration);
    qssl_socket_connect_to_host_encrypted (client, "127.0.0.1", writer->port, QSSL_NETWORK_LAYER_PROTOCOL_IPV4);
    g_assert_true (qssl_socket_wait_for_encrypted (client, 20000, &error));
    g_assert_no_error (error);
    g_assert_cmpint (qssl_socket_write (client, (const guint8 *) "ping", 4), ==, 4);
    g_assert_true (qssl_socket_wait_for_bytes_written (client, 20000, &error));
    g_assert_no_error (error);
    /* Until the server has read it and closed. */
    qssl_socket_wait_for_disconnected (client, 20000, NULL);
  }
  g_main_context_pop_thread_default (context);
  return NULL;
}

typedef struct
{
  QsslSocket *accepted;
  gboolean    done;
  gboolean    ready;
  char        data[5];
} ReadInHandler;

static void
read_in_pending (QsslServer    *server,
                 ReadInHandler *reader)
{
  g_autoptr(GError) error = NULL;

  reader->accepted = qssl_server_next_pending_connection (server);
  reader->ready = qssl_socket_wait_for_ready_read (reader->accepted, 20000, &error);
  g_assert_no_error (error);
  g_assert_cmpint (qssl_socket_read (reader->accepted, (guint8 *) reader->data, 4), ==, 4);
  qssl_socket_disconnect_from_host (reader->accepted);
  reader->done = TRUE;
}

static void
test_wait_in_pending_handler (gconstpointer protocol)
{
  g_autoptr(QsslServer) server = server_new ();
  LateWriter writer = { qssl_server_get_server_port (server), GPOINTER_TO_INT (protocol) };
  ReadInHandler reader = { 0 };
  GThread *thread;

  g_signal_connect (server, "pending-connection-available", G_CALLBACK (read_in_pending), &reader);
  thread = g_thread_new ("late-writer", write_after_handshake, &writer);
  iterate_until (&reader.done);
  g_assert_true (reader.ready);
  g_assert_cmpstr (reader.data, ==, "ping");
  /* The client sees the close. */
  while (qssl_socket_get_state (reader.accepted) != QSSL_SOCKET_STATE_UNCONNECTED)
    g_main_context_iteration (NULL, TRUE);
  g_thread_join (thread);
  g_object_unref (reader.accepted);
}

/* handshake_async() on a connected client, cancelled from another thread. */
static void
test_cancel_handshake_from_thread (void)
{
  g_autoptr(QsslServer) server = server_new ();

  g_signal_connect (server, "pending-connection-available", G_CALLBACK (drop_pending), NULL);
  guint completed = 0;

  for (guint i = 0; i < CANCEL_ROUNDS; i++)
    {
      g_autoptr(GCancellable) cancellable = g_cancellable_new ();
      g_autoptr(QsslSocket) client = client_ipv4 ();
      Outcome outcome = { 0 };
      Canceller canceller;
      gboolean connected = FALSE;
      GThread *thread;

      g_signal_connect (client, "connected", G_CALLBACK (on_connected), &connected);
      qssl_socket_connect_to_host (client, "127.0.0.1", qssl_server_get_server_port (server),
                                   QSSL_NETWORK_LAYER_PROTOCOL_IPV4);
      iterate_until (&connected);
      qssl_socket_start_client_encryption (client);
      qssl_socket_handshake_async (client, G_PRIORITY_DEFAULT, cancellable, handshake_outcome, &outcome);
      thread = cancel_from_thread (cancellable, i, &canceller);
      iterate_until (&outcome.done);
      g_thread_join (thread);
      completed += outcome.ok;
      if (!outcome.ok)
        g_assert_error (outcome.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      qssl_socket_abort (client);
      outcome_clear (&outcome);
    }
  g_test_message ("%u of %u completed before the cancellation", completed, CANCEL_ROUNDS);
}

/* Many accepts queued and cancelled from another thread while the server's
 * thread keeps queueing more and clients connect: the cancelling thread
 * runs exactly when the server's thread works on the same queue. Each
 * callback runs once, on the server's thread, with a socket or CANCELLED,
 * and every connection the server made is either returned or still
 * pending. The first version handled the cancellation in the cancelling
 * thread, racing the server's thread on its queue; too narrow a race to
 * lose a callback here, it is what tests/check-cancel-thread.py catches by
 * running this test under helgrind. */
#define RACE_TASKS 2000
#define RACE_CLIENTS 20

/* Fewer under valgrind (tests/check-cancel-thread.py): QSSL_TEST_RACE_TASKS. */
static guint
race_tasks (void)
{
  const char *value = g_getenv ("QSSL_TEST_RACE_TASKS");

  return value != NULL ? CLAMP ((guint) atoi (value), RACE_CLIENTS, RACE_TASKS) : RACE_TASKS;
}

/* And fewer TLS clients (QSSL_TEST_RACE_CLIENTS): under helgrind each
 * handshake costs seconds, and the race is between the cancellations and
 * the accept queue, which the tasks exercise. */
static guint
race_clients (void)
{
  const char *value = g_getenv ("QSSL_TEST_RACE_CLIENTS");

  return value != NULL ? CLAMP ((guint) atoi (value), 1, RACE_CLIENTS) : RACE_CLIENTS;
}

typedef struct {
  GCancellable *cancellables[RACE_TASKS];
  gint          created;
  guint         n_tasks;
} RaceShared;

typedef struct {
  guint      calls;
  QsslSocket *socket;
  GError    *error;
} RaceOutcome;

static gpointer
cancel_as_created (gpointer data)
{
  RaceShared *shared = data;

  for (gint i = 0; i < (gint) shared->n_tasks; i++)
    {
      /* Spins (briefly: the server's thread makes them quickly), so as
       * to cancel each call just as the next one is queued. */
      while (g_atomic_int_get (&shared->created) <= i)
        ;
      g_cancellable_cancel (shared->cancellables[i]);
    }
  return NULL;
}

static void
race_outcome (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  RaceOutcome *outcome = user_data;

  g_assert_true (g_thread_self () == main_thread);
  outcome->calls++;
  if (outcome->calls == 1)
    outcome->socket = qssl_server_accept_finish (QSSL_SERVER (source), result, &outcome->error);
}

static void
test_cancel_accept_race (void)
{
  g_autoptr(QsslServer) server = server_new ();
  RaceShared *shared = g_new0 (RaceShared, 1);
  RaceOutcome *outcomes = g_new0 (RaceOutcome, RACE_TASKS);
  QsslSocket *clients[RACE_CLIENTS] = { NULL };
  guint n_clients = 0, returned = 0, cancelled = 0, pending = 0;
  gint64 deadline;
  GThread *thread;
  QsslSocket *socket;
  guint n_tasks = race_tasks ();
  guint max_clients = race_clients ();

  qssl_server_set_handshake_timeout (server, 60000);
  qssl_server_set_max_pending_connections (server, RACE_CLIENTS);
  shared->n_tasks = n_tasks;
  thread = g_thread_new ("canceller", cancel_as_created, shared);
  for (guint i = 0; i < n_tasks; i++)
    {
      shared->cancellables[i] = g_cancellable_new ();
      qssl_server_accept_async (server, shared->cancellables[i], race_outcome, &outcomes[i]);
      g_atomic_int_set (&shared->created, i + 1);
      if (i % (n_tasks / max_clients) == 0 && n_clients < max_clients)
        {
          clients[n_clients] = client_ipv4 ();
          qssl_socket_connect_to_host_encrypted (clients[n_clients], "127.0.0.1",
                                                 qssl_server_get_server_port (server),
                                                 QSSL_NETWORK_LAYER_PROTOCOL_IPV4);
          n_clients++;
        }
      if (i % 64 == 63)
        g_main_context_iteration (NULL, FALSE);
    }
  g_thread_join (thread);

  /* Every client gets through, and every callback comes. */
  deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  for (;;)
    {
      guint done = 0, encrypted = 0;

      for (guint i = 0; i < n_tasks; i++)
        done += outcomes[i].calls > 0;
      for (guint i = 0; i < n_clients; i++)
        encrypted += qssl_socket_is_encrypted (clients[i]);
      if (done == n_tasks && encrypted == n_clients)
        break;
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, TRUE);
    }
  /* The server side of each client is either returned or still queued;
   * let any handshake still finishing on the server side land. */
  deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  for (;;)
    {
      guint queued = 0;

      returned = 0;
      for (guint i = 0; i < n_tasks; i++)
        returned += outcomes[i].socket != NULL;
      while ((socket = qssl_server_next_pending_connection (server)) != NULL)
        {
          g_assert_true (qssl_socket_is_encrypted (socket));
          g_object_unref (socket);
          queued++;
        }
      pending += queued;
      if (returned + pending == n_clients)
        break;
      g_assert_cmpuint (returned + pending, <, n_clients);
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, TRUE);
    }
  while (g_main_context_iteration (NULL, FALSE))
    ;
  for (guint i = 0; i < n_tasks; i++)
    {
      g_assert_cmpuint (outcomes[i].calls, ==, 1);
      if (outcomes[i].socket != NULL)
        {
          g_assert_no_error (outcomes[i].error);
          g_assert_true (qssl_socket_is_encrypted (outcomes[i].socket));
          g_object_unref (outcomes[i].socket);
        }
      else
        {
          g_assert_error (outcomes[i].error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
          g_error_free (outcomes[i].error);
          cancelled++;
        }
      g_object_unref (shared->cancellables[i]);
    }
  g_test_message ("%u returned, %u still pending, %u cancelled", returned, pending, cancelled);
  for (guint i = 0; i < n_clients; i++)
    {
      qssl_socket_abort (clients[i]);
      g_object_unref (clients[i]);
    }
  g_free (outcomes);
  g_free (shared);
}

/* A cancellable reset and cancelled again after its call finished does
 * not reach back into that call (it is long gone), and serves a new one. */
static void
test_cancellable_reused (void)
{
  g_autoptr(QsslServer) server = server_new ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(QsslSocket) client = client_ipv4 ();
  Outcome outcome = { 0 };
  gboolean connected = FALSE;

  /* accept_async() */
  qssl_server_accept_async (server, cancellable, accept_outcome, &outcome);
  qssl_test_cancel_from_thread (cancellable);
  iterate_until (&outcome.done);
  g_assert_error (outcome.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  outcome_clear (&outcome);
  g_cancellable_reset (cancellable);
  qssl_test_cancel_from_thread (cancellable);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_cancellable_reset (cancellable);

  /* handshake_async() */
  g_signal_connect (client, "connected", G_CALLBACK (on_connected), &connected);
  qssl_socket_connect_to_host (client, "127.0.0.1", qssl_server_get_server_port (server),
                               QSSL_NETWORK_LAYER_PROTOCOL_IPV4);
  iterate_until (&connected);
  qssl_socket_start_client_encryption (client);
  qssl_socket_handshake_async (client, G_PRIORITY_DEFAULT, cancellable, handshake_outcome, &outcome);
  qssl_test_cancel_from_thread (cancellable);
  iterate_until (&outcome.done);
  g_assert_error (outcome.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  outcome_clear (&outcome);
  g_cancellable_reset (cancellable);
  qssl_test_cancel_from_thread (cancellable);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_cancellable_reset (cancellable);

  /* And it still works for a call that succeeds. */
  qssl_socket_connect_to_host_encrypted_async (client, "127.0.0.1", qssl_server_get_server_port (server),
                                               cancellable, connect_outcome, &outcome);
  iterate_until (&outcome.done);
  g_assert_no_error (outcome.error);
  g_assert_true (qssl_socket_is_encrypted (client));
  outcome_clear (&outcome);
}

/* As GIO's calls: a cancellable already cancelled fails the call at once
 * and leaves the connection alone (here, its handshake goes on). */
static void
test_handshake_already_cancelled (void)
{
  g_autoptr(QsslServer) server = server_new ();
  g_autoptr(QsslSocket) client = client_ipv4 ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(QsslSocket) accepted = NULL;
  g_autoptr(GError) error = NULL;
  Outcome outcome = { 0 };
  gboolean connected = FALSE;

  g_signal_connect (client, "connected", G_CALLBACK (on_connected), &connected);
  qssl_socket_connect_to_host (client, "127.0.0.1", qssl_server_get_server_port (server),
                                   QSSL_NETWORK_LAYER_PROTOCOL_IPV4);
  iterate_until (&connected);
  qssl_socket_start_client_encryption (client);
  g_cancellable_cancel (cancellable);
  qssl_socket_handshake_async (client, G_PRIORITY_DEFAULT, cancellable, connect_outcome_any, &outcome);
  iterate_until (&outcome.done);
  g_assert_false (outcome.ok);
  g_assert_error (outcome.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (qssl_socket_get_state (client), ==, QSSL_SOCKET_STATE_CONNECTED);
  outcome_clear (&outcome);

  g_assert_true (qssl_socket_wait_for_encrypted (client, 10000, &error));
  g_assert_no_error (error);
  g_assert_true (qssl_server_wait_for_new_connection (server, 10000, NULL, &error));
  g_assert_no_error (error);
  accepted = qssl_server_next_pending_connection (server);

  /* Encrypted already: the same. */
  qssl_socket_handshake_async (client, G_PRIORITY_DEFAULT, cancellable, connect_outcome_any, &outcome);
  iterate_until (&outcome.done);
  g_assert_error (outcome.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_true (qssl_socket_is_encrypted (client));
  outcome_clear (&outcome);
}

int
main (int   argc,
      char *argv[])
{
  record_layer_counted = CRYPTO_set_mem_functions (counting_malloc, counting_realloc, counting_free) == 1;
  g_test_init (&argc, &argv, NULL);
  main_thread = g_thread_self ();

  g_test_add_func ("/qssl/server/accept-and-queue", test_accept_and_queue);
  g_test_add_data_func ("/qssl/server/silent-client-times-out", GINT_TO_POINTER (FALSE), test_silent_client_times_out);
  g_test_add_data_func ("/qssl/server/half-handshake-times-out", GINT_TO_POINTER (TRUE), test_silent_client_times_out);
  g_test_add_func ("/qssl/server/plaintext-client-dropped", test_plaintext_client_dropped);
  g_test_add_func ("/qssl/server/accept-async-and-wait", test_accept_async_and_wait);
  g_test_add_func ("/qssl/server/mutual-tls", test_mutual_tls);
  g_test_add_func ("/qssl/server/many-clients", test_many_clients);
  g_test_add_func ("/qssl/server/idle-holds-no-record-buffers", test_idle_holds_no_record_buffers);
  g_test_add_func ("/qssl/server/listen-families", test_listen_families);
  g_test_add_func ("/qssl/server/max-pending", test_max_pending);
  g_test_add_func ("/qssl/server/ignore-in-server-handler", test_ignore_in_server_handler);
  g_test_add_func ("/qssl/server/pause-accepting", test_pause_accepting);
  g_test_add_func ("/qssl/server/pause-with-backlog", test_pause_with_backlog);
  g_test_add_func ("/qssl/server/pause-resume-churn", test_pause_resume_churn);
  g_test_add_func ("/qssl/server/misuse", test_misuse);
  g_test_add_func ("/qssl/server/cancel-accept-from-thread", test_cancel_accept_from_thread);
  g_test_add_func ("/qssl/server/cancel-connect-from-thread", test_cancel_connect_from_thread);
  g_test_add_func ("/qssl/server/cancel-handshake-from-thread", test_cancel_handshake_from_thread);
  g_test_add_func ("/qssl/server/handshake-already-cancelled", test_handshake_already_cancelled);
  g_test_add_func ("/qssl/server/cancel-accept-race", test_cancel_accept_race);
  g_test_add_func ("/qssl/server/cancellable-reused", test_cancellable_reused);
  g_test_add_func ("/qssl/server/accept-error-retries", test_accept_error_retries);
  g_test_add_func ("/qssl/server/mismatched-key-refused", test_mismatched_key_refused);
  g_test_add_func ("/qssl/server/handshake-end-before-socket-handlers", test_handshake_end_before_socket_handlers);
  g_test_add_func ("/qssl/server/incoming-handler-comes-and-goes", test_incoming_handler_comes_and_goes);
  g_test_add_func ("/qssl/server/handlers-connected-late", test_handlers_connected_late);
  g_test_add_func ("/qssl/server/late-client-hello", test_late_client_hello);
  g_test_add_data_func ("/qssl/server/wait-in-pending-handler/tls1.2", GINT_TO_POINTER (QSSL_PROTOCOL_TLS_V1_2),
                        test_wait_in_pending_handler);
  g_test_add_data_func ("/qssl/server/wait-in-pending-handler/tls1.3", GINT_TO_POINTER (QSSL_PROTOCOL_TLS_V1_3),
                        test_wait_in_pending_handler);
  g_test_add_data_func ("/qssl/server/flush-in-pending-handler/wait", GINT_TO_POINTER (FALSE),
                        test_flush_in_pending_handler);
  g_test_add_data_func ("/qssl/server/flush-in-pending-handler/stream", GINT_TO_POINTER (TRUE),
                        test_flush_in_pending_handler);

  return g_test_run ();
}
