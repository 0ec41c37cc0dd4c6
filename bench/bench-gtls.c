/* bench-gtls.c: GIO's GTlsConnection (glib-networking), written as a GNOME
 * program would be
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The server is a GSocketService on a GMainLoop that wraps each connection
 * in a GTlsServerConnection and does everything with *_async() calls.  The
 * clients use the synchronous stream calls, except the many client, which
 * runs all its connections asynchronously on one GMainLoop.  GTls has no API
 * to pick the version, suites or groups: run-bench pins them through
 * glib-networking's G_TLS_GNUTLS_PRIORITY.
 */

#include "bench-common.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>

#include <gio/gio.h>

static BenchOptions opt;
static GMainLoop *loop;
static GTlsCertificate *certificate;   /* server */
static GTlsDatabase *database;         /* client: the bench CA only */
static GSocketConnectable *identity;   /* client: the name to verify */

static void
die_error (const char *what,
           GError     *error)
{
  bench_die ("%s: %s", what, error ? error->message : "failed");
}

static void
no_delay (GSocketConnection *connection)
{
  g_socket_set_option (g_socket_connection_get_socket (connection), IPPROTO_TCP, TCP_NODELAY, TRUE, NULL);
}

static void
report_negotiated (GTlsConnection *tls)
{
  GTlsProtocolVersion version = g_tls_connection_get_protocol_version (tls);
  g_autofree char *suite = g_tls_connection_get_ciphersuite_name (tls);

  bench_result_str ("protocol", version == G_TLS_PROTOCOL_VERSION_TLS_1_3 ? "TLSv1.3"
                              : version == G_TLS_PROTOCOL_VERSION_TLS_1_2 ? "TLSv1.2" : "other");
  bench_result_str ("cipher", suite);
  /* GnuTLS names the suite only; the group is what the priority allows. */
  bench_result_str ("group", g_getenv ("G_TLS_GNUTLS_PRIORITY") ? "X25519 (pinned)" : "GnuTLS default");
}

/* The server */

typedef struct
{
  GIOStream *tls;
  guint8    *buffer;
  gsize      size;
  guint64    received;
  guint64    sent;       /* download */
} Conn;

static int accepted, closed, answered;
static long rss_base, rss_full;
static double cpu_start;
static guint8 *answer;

static void conn_read (Conn *conn);

static void
conn_closed (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Conn *conn = user_data;

  g_io_stream_close_finish (G_IO_STREAM (source), result, NULL);
  g_object_unref (conn->tls);
  g_free (conn->buffer);
  g_free (conn);
  if (++closed == bench_expected_connections (&opt))
    g_main_loop_quit (loop);
}

static void
conn_finish (Conn *conn)
{
  g_io_stream_close_async (conn->tls, G_PRIORITY_DEFAULT, NULL, conn_closed, conn);
}

static void
conn_written (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Conn *conn = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, &error))
    {
      conn_finish (conn);
      return;
    }
  conn_read (conn);
}

static void
conn_answer (Conn  *conn,
             gsize  size)
{
  g_output_stream_write_all_async (g_io_stream_get_output_stream (conn->tls), answer, size,
                                   G_PRIORITY_DEFAULT, NULL, conn_written, conn);
}

/* download: one chunk at a time, the next once the last is written. */
static void
download_written (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  Conn *conn = user_data;
  g_autoptr(GError) error = NULL;
  gsize size;

  if (result != NULL && !g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, &error))
    {
      conn_finish (conn);
      return;
    }
  if (conn->sent == opt.bytes)
    {
      conn_read (conn);   /* until the client closes */
      return;
    }
  size = MIN (opt.bytes - conn->sent, conn->size);
  conn->sent += size;
  g_output_stream_write_all_async (g_io_stream_get_output_stream (conn->tls), conn->buffer, size,
                                   G_PRIORITY_DEFAULT, NULL, download_written, conn);
}

static void
conn_got (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  Conn *conn = user_data;
  g_autoptr(GError) error = NULL;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &error);

  if (n <= 0)
    {
      /* The client closed (or failed): done with this one. */
      conn_finish (conn);
      return;
    }
  conn->received += n;
  switch (opt.workload)
    {
    case WORKLOAD_ECHO:
      conn->received = 0;
      g_output_stream_write_all_async (g_io_stream_get_output_stream (conn->tls), conn->buffer, n,
                                       G_PRIORITY_DEFAULT, NULL, conn_written, conn);
      return;
    case WORKLOAD_BULK:
      if (conn->received == opt.bytes)
        {
          conn_answer (conn, 1);
          return;
        }
      break;
    case WORKLOAD_DOWNLOAD:
      if (conn->received == 1)
        {
          memset (conn->buffer, 0, conn->size);
          download_written (NULL, NULL, conn);
          return;
        }
      break;
    case WORKLOAD_MANY:
      if (conn->received == opt.req_size)
        {
          conn->received = 0;
          conn_answer (conn, opt.req_size);
          return;
        }
      break;
    case WORKLOAD_HANDSHAKES:
    case WORKLOAD_RESUMED:
    case WORKLOAD_IDLE:
    default:
      conn->received = 0;
      if (opt.workload == WORKLOAD_IDLE)
        {
          answered++;
          if (answered == opt.warmup)
            rss_base = bench_vmrss_kib ();
          if (answered == opt.warmup + opt.count)
            rss_full = bench_vmrss_kib ();
        }
      conn_answer (conn, 1);
      return;
    }
  conn_read (conn);
}

static void
conn_read (Conn *conn)
{
  gsize want = conn->size;

  if (opt.workload == WORKLOAD_MANY)
    want = opt.req_size - conn->received;
  g_input_stream_read_async (g_io_stream_get_input_stream (conn->tls), conn->buffer, want,
                             G_PRIORITY_DEFAULT, NULL, conn_got, conn);
}

static void
conn_handshaken (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Conn *conn = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_tls_connection_handshake_finish (G_TLS_CONNECTION (source), result, &error))
    die_error ("handshake", error);
  conn_read (conn);
}

static gboolean
on_incoming (GSocketService    *service,
             GSocketConnection *connection,
             GObject           *source_object,
             gpointer           user_data)
{
  g_autoptr(GError) error = NULL;
  Conn *conn;
  GIOStream *tls;

  accepted++;
  if (accepted == (opt.workload == WORKLOAD_BULK || opt.workload == WORKLOAD_DOWNLOAD ||
                   opt.workload == WORKLOAD_MANY ? 1 : opt.warmup + 1))
    cpu_start = bench_cpu_seconds ();
  no_delay (connection);
  tls = g_tls_server_connection_new (G_IO_STREAM (connection), certificate, &error);
  if (tls == NULL)
    die_error ("server connection", error);
  conn = g_new0 (Conn, 1);
  conn->tls = tls;
  /* A GNOME server keeps one read buffer per connection. */
  conn->size = opt.workload == WORKLOAD_BULK || opt.workload == WORKLOAD_DOWNLOAD ? opt.chunk
             : opt.workload == WORKLOAD_MANY || opt.workload == WORKLOAD_ECHO ? opt.req_size : 1;
  conn->buffer = g_malloc (conn->size);
  g_tls_connection_handshake_async (G_TLS_CONNECTION (tls), G_PRIORITY_DEFAULT, NULL, conn_handshaken, conn);
  return TRUE;
}

static void
run_server (void)
{
  g_autoptr(GSocketService) service = g_socket_service_new ();
  g_autoptr(GInetAddress) inet = g_inet_address_new_from_string (opt.host);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (inet, opt.port);
  g_autoptr(GSocketAddress) effective = NULL;
  g_autoptr(GError) error = NULL;

  certificate = g_tls_certificate_new_from_files (opt.cert, opt.key, &error);
  if (certificate == NULL)
    die_error ("certificate", error);
  answer = g_malloc0 (MAX (opt.req_size, 1));
  rss_base = bench_vmrss_kib ();
  cpu_start = bench_cpu_seconds ();
  loop = g_main_loop_new (NULL, FALSE);
  g_socket_listener_set_backlog (G_SOCKET_LISTENER (service), 1024);
  if (!g_socket_listener_add_address (G_SOCKET_LISTENER (service), address, G_SOCKET_TYPE_STREAM,
                                      G_SOCKET_PROTOCOL_TCP, NULL, &effective, &error))
    die_error ("listen", error);
  g_signal_connect (service, "incoming", G_CALLBACK (on_incoming), NULL);
  g_socket_service_start (service);
  bench_announce_port (g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective)));
  g_main_loop_run (loop);

  bench_result_begin ();
  bench_result_num ("cpu", bench_cpu_seconds () - cpu_start);
  if (opt.workload == WORKLOAD_IDLE)
    {
      bench_result_num ("rss_base_kib", rss_base);
      bench_result_num ("rss_full_kib", rss_full);
      bench_result_num ("rss_per_conn_kib", (double) (rss_full - rss_base) / opt.count);
    }
  bench_result_end ();
  g_socket_service_stop (service);
  g_main_loop_unref (loop);
  g_object_unref (certificate);
  g_free (answer);
}

/* Synchronous clients */

static GSocketClient *socket_client;

static GIOStream *
client_connect (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketConnection) connection = NULL;
  GIOStream *tls;

  connection = g_socket_client_connect_to_host (socket_client, opt.host, opt.port, NULL, &error);
  if (connection == NULL)
    die_error ("connect", error);
  no_delay (connection);
  tls = g_tls_client_connection_new (G_IO_STREAM (connection), identity, &error);
  if (tls == NULL)
    die_error ("client connection", error);
  g_tls_connection_set_database (G_TLS_CONNECTION (tls), database);
  if (!g_tls_connection_handshake (G_TLS_CONNECTION (tls), NULL, &error))
    die_error ("handshake", error);
  return tls;
}

static void
exchange_byte (GIOStream *tls)
{
  g_autoptr(GError) error = NULL;
  guint8 byte;

  if (!g_output_stream_write_all (g_io_stream_get_output_stream (tls), "Q", 1, NULL, NULL, &error) ||
      !g_input_stream_read_all (g_io_stream_get_input_stream (tls), &byte, 1, NULL, NULL, &error))
    die_error ("exchange", error);
}

static void
client_bye (GIOStream *tls)
{
  g_io_stream_close (tls, NULL, NULL);
  g_object_unref (tls);
}

static void
client_bulk (void)
{
  GIOStream *tls = client_connect ();
  GOutputStream *out = g_io_stream_get_output_stream (tls);
  g_autoptr(GError) error = NULL;
  guint8 *chunk = g_malloc0 (opt.chunk), ack;
  guint64 sent = 0;
  double start, elapsed;

  start = bench_now ();
  while (sent < opt.bytes)
    {
      gsize size = MIN (opt.bytes - sent, opt.chunk);

      if (!g_output_stream_write_all (out, chunk, size, NULL, NULL, &error))
        die_error ("write", error);
      sent += size;
    }
  if (!g_input_stream_read_all (g_io_stream_get_input_stream (tls), &ack, 1, NULL, NULL, &error))
    die_error ("no acknowledgement", error);
  elapsed = bench_now () - start;
  bench_result_begin ();
  bench_result_num ("mbps", opt.bytes / 1e6 / elapsed);
  bench_result_num ("seconds", elapsed);
  report_negotiated (G_TLS_CONNECTION (tls));
  bench_result_end ();
  client_bye (tls);
  g_free (chunk);
}

/* Timed from the request to the last byte read. */
static void
client_download (void)
{
  GIOStream *tls = client_connect ();
  GInputStream *in = g_io_stream_get_input_stream (tls);
  g_autoptr(GError) error = NULL;
  guint8 *buffer = g_malloc (opt.chunk);
  guint64 got = 0;
  double start, elapsed;

  start = bench_now ();
  if (!g_output_stream_write_all (g_io_stream_get_output_stream (tls), "D", 1, NULL, NULL, &error))
    die_error ("request", error);
  while (got < opt.bytes)
    {
      gssize n = g_input_stream_read (in, buffer, opt.chunk, NULL, &error);

      if (n <= 0)
        die_error ("download: short read", error);
      got += n;
    }
  elapsed = bench_now () - start;
  bench_result_begin ();
  bench_result_num ("mbps", opt.bytes / 1e6 / elapsed);
  bench_result_num ("seconds", elapsed);
  report_negotiated (G_TLS_CONNECTION (tls));
  bench_result_end ();
  client_bye (tls);
  g_free (buffer);
}

static void
client_handshakes (void)
{
  double start = 0, elapsed;

  for (int i = 0; i < opt.warmup + opt.count; i++)
    {
      GIOStream *tls;

      if (i == opt.warmup)
        start = bench_now ();
      tls = client_connect ();
      exchange_byte (tls);
      client_bye (tls);
    }
  elapsed = bench_now () - start;
  bench_result_begin ();
  bench_result_num ("hps", opt.count / elapsed);
  bench_result_end ();
}

static void
client_idle (void)
{
  int total = opt.warmup + opt.count;
  GIOStream **conns = g_new0 (GIOStream *, total);

  for (int i = 0; i < total; i++)
    {
      conns[i] = client_connect ();
      exchange_byte (conns[i]);
    }
  for (int i = 0; i < total; i++)
    client_bye (conns[i]);
  bench_result_begin ();
  bench_result_num ("connections", total);
  bench_result_end ();
  g_free (conns);
}

/* The many client: every connection asynchronous on one GMainLoop. */

typedef struct
{
  GIOStream *tls;
  guint8    *buffer;
  gsize      got;
  double     started;
} Client;

static Client *clients;
static int many_ready;
static gboolean many_running;
static double many_start, many_end;
static long many_requests;
static BenchSamples many_samples;

static void many_send (Client *client);

static void
many_got (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  Client *client = user_data;
  g_autoptr(GError) error = NULL;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &error);
  double now;

  if (!many_running)
    return;
  if (n <= 0)
    die_error ("many: read", error);
  client->got += n;
  if (client->got < opt.req_size)
    {
      g_input_stream_read_async (G_INPUT_STREAM (source), client->buffer + client->got, opt.req_size - client->got,
                                 G_PRIORITY_DEFAULT, NULL, many_got, client);
      return;
    }
  now = bench_now ();
  bench_samples_add (&many_samples, now - client->started);
  many_requests++;
  if (now >= many_end)
    {
      many_running = FALSE;
      g_main_loop_quit (loop);
      return;
    }
  many_send (client);
}

static void
many_sent (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Client *client = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, &error))
    die_error ("many: write", error);
  if (!many_running)
    return;
  client->got = 0;
  g_input_stream_read_async (g_io_stream_get_input_stream (client->tls), client->buffer, opt.req_size,
                             G_PRIORITY_DEFAULT, NULL, many_got, client);
}

static void
many_send (Client *client)
{
  client->started = bench_now ();
  g_output_stream_write_all_async (g_io_stream_get_output_stream (client->tls), answer, opt.req_size,
                                   G_PRIORITY_DEFAULT, NULL, many_sent, client);
}

static void
many_handshaken (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!g_tls_connection_handshake_finish (G_TLS_CONNECTION (source), result, &error))
    die_error ("many: handshake", error);
  if (++many_ready < opt.clients)
    return;
  many_start = bench_now ();
  many_end = many_start + opt.seconds;
  many_running = TRUE;
  for (int i = 0; i < opt.clients; i++)
    many_send (&clients[i]);
}

static void
many_connected (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  Client *client = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketConnection) connection = g_socket_client_connect_to_host_finish (G_SOCKET_CLIENT (source),
                                                                                    result, &error);

  if (connection == NULL)
    die_error ("many: connect", error);
  no_delay (connection);
  client->tls = g_tls_client_connection_new (G_IO_STREAM (connection), identity, &error);
  if (client->tls == NULL)
    die_error ("many: client connection", error);
  g_tls_connection_set_database (G_TLS_CONNECTION (client->tls), database);
  g_tls_connection_handshake_async (G_TLS_CONNECTION (client->tls), G_PRIORITY_DEFAULT, NULL,
                                    many_handshaken, client);
}

static void
client_many (void)
{
  double elapsed;

  clients = g_new0 (Client, opt.clients);
  answer = g_malloc0 (opt.req_size);
  loop = g_main_loop_new (NULL, FALSE);
  for (int i = 0; i < opt.clients; i++)
    {
      clients[i].buffer = g_malloc (opt.req_size);
      g_socket_client_connect_to_host_async (socket_client, opt.host, opt.port, NULL, many_connected, &clients[i]);
    }
  g_main_loop_run (loop);
  elapsed = bench_now () - many_start;
  bench_result_begin ();
  bench_result_num ("rps", many_requests / elapsed);
  bench_result_num ("requests", many_requests);
  bench_result_num ("p50_ms", bench_samples_percentile (&many_samples, 50) * 1e3);
  bench_result_num ("p99_ms", bench_samples_percentile (&many_samples, 99) * 1e3);
  report_negotiated (G_TLS_CONNECTION (clients[0].tls));
  bench_result_end ();
  /* Outstanding reads hold references; closing cancels nothing they need.
   * The process exits right after, as a client would. */
  g_main_loop_unref (loop);
  g_free (answer);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;

  bench_parse_options (&opt, argc, argv, "bench-gtls");
  bench_raise_fd_limit ();
  if (opt.role == ROLE_ATTACKER || opt.workload == WORKLOAD_SCALING || opt.workload == WORKLOAD_LATENCY)
    bench_die ("the load clients and the attacker are bench-openssl's");
  if (opt.workers > 0)
    bench_die ("--workers: only bench-openssl and bench-qssl");
  if (g_tls_backend_supports_tls (g_tls_backend_get_default ()) == FALSE)
    bench_die ("no GIO TLS backend (install glib-networking)");
  if (opt.server)
    {
      run_server ();
      return 0;
    }
  database = g_tls_file_database_new (opt.ca, &error);
  if (database == NULL)
    die_error ("CA", error);
  identity = g_network_address_new (opt.peer_name, opt.port);
  socket_client = g_socket_client_new ();
  switch (opt.workload)
    {
    case WORKLOAD_BULK: client_bulk (); break;
    case WORKLOAD_DOWNLOAD: client_download (); break;
    case WORKLOAD_HANDSHAKES:
    case WORKLOAD_RESUMED: client_handshakes (); break;
    case WORKLOAD_IDLE: client_idle (); break;
    case WORKLOAD_MANY: client_many (); break;
    default: break;
    }
  g_object_unref (socket_client);
  g_object_unref (identity);
  g_object_unref (database);
  return 0;
}
