/* bench-qssl.c: libqssl, written as a Qt program would be
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The server is event-driven: a QsslServer on a GMainLoop, one
 * QsslConfiguration (certificate and key set once) for every connection,
 * work done in ready-read handlers.  The clients block with wait_for_*()
 * (as QSslSocket::waitFor*() code does), except the many client, which runs
 * all its sockets on one GMainLoop.
 *
 * The echo server keeps QsslServer's defaults (max-pending, handshake
 * timeout): the hostile workload measures them.  With --workers each worker
 * is a QsslServer accepting on a listening socket it makes itself, with
 * SO_REUSEPORT on the shared port (see add_shared_port_socket()).
 */

#include "bench-common.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <libqssl/qssl.h>

static BenchOptions opt;
static QsslConfiguration *configuration;
static GMainLoop *loop;

static void
die_error (const char *what,
           GError     *error)
{
  bench_die ("%s: %s", what, error ? error->message : "failed");
}

static void
make_configuration (void)
{
  g_autoptr(GError) error = NULL;
  const char *curves[] = { "X25519", NULL };

  configuration = qssl_configuration_get_default ();
  qssl_configuration_set_protocol (configuration, QSSL_PROTOCOL_TLS_V1_3);
  if (!qssl_configuration_set_ciphers_from_string (configuration, "TLS_AES_128_GCM_SHA256", &error))
    die_error ("ciphers", error);
  qssl_configuration_set_elliptic_curves (configuration, curves);
  if (opt.server)
    {
      g_autoptr(GPtrArray) chain = qssl_certificate_list_from_path (opt.cert, QSSL_ENCODING_FORMAT_PEM,
                                                                    QSSL_PATTERN_SYNTAX_FIXED_STRING, &error);
      g_autoptr(QsslKey) key = NULL;

      if (chain == NULL || chain->len == 0)
        die_error ("certificate", error);
      key = qssl_key_new_from_path (opt.key, QSSL_KEY_ALGORITHM_EC, QSSL_ENCODING_FORMAT_PEM,
                                    QSSL_KEY_TYPE_PRIVATE_KEY, NULL, &error);
      if (key == NULL)
        die_error ("key", error);
      qssl_configuration_set_local_certificate_chain (configuration, chain);
      qssl_configuration_set_private_key (configuration, key);
      /* Like the other servers: no CertificateRequest (Qt's AUTO_VERIFY_PEER
       * would query the client for one). */
      qssl_configuration_set_peer_verify_mode (configuration, QSSL_PEER_VERIFY_MODE_NONE);
    }
  else
    {
      g_autoptr(GPtrArray) cas = qssl_certificate_list_from_path (opt.ca, QSSL_ENCODING_FORMAT_PEM,
                                                                  QSSL_PATTERN_SYNTAX_FIXED_STRING, &error);

      if (cas == NULL || cas->len == 0)
        die_error ("CA", error);
      /* Only the bench CA: no system store. */
      qssl_configuration_set_ca_certificates (configuration, cas);
      qssl_configuration_set_peer_verify_mode (configuration, QSSL_PEER_VERIFY_MODE_VERIFY_PEER);
      /* Sockets sharing a configuration resume each other's sessions (kept
       * in memory, as the raw client keeps its SSL_SESSION): what the
       * resumed workload measures, and what the others must not do.
       * Persistence (sessionTicket()) stays off, as by default: it serializes
       * every session for an application that saves it. */
      qssl_configuration_set_ssl_option (configuration, QSSL_SSL_OPTIONS_DISABLE_SESSION_SHARING,
                                         opt.workload != WORKLOAD_RESUMED);
    }
}

static void
report_negotiated (QsslSocket *socket)
{
  QsslCipher *cipher = qssl_socket_get_session_cipher (socket);

  bench_result_str ("protocol", cipher ? qssl_cipher_get_protocol_string (cipher) : "");
  bench_result_str ("cipher", cipher ? qssl_cipher_get_name (cipher) : "");
  bench_result_str ("group", qssl_socket_get_negotiated_group (socket) ? qssl_socket_get_negotiated_group (socket) : "");
}

/* The server */

typedef struct
{
  QsslSocket *socket;
  guint64     received;
  guint64     sent;       /* download */
  gboolean    sending;    /* download: the request came */
} Conn;

static int accepted, closed, answered, resumed;
static long rss_base, rss_full;
static double cpu_start;
static guint8 *buffer;
static gsize buffer_size;
static guint8 *answer;

/* download: keep about two chunks queued in the socket, topped up as the
 * kernel takes them, so memory stays bounded as with bulk's client. */
static void
download_fill (QsslSocket *socket,
               Conn       *conn)
{
  while (conn->sent < opt.bytes && qssl_socket_bytes_to_write (socket) < (gint64) opt.chunk)
    {
      gsize size = MIN (opt.bytes - conn->sent, opt.chunk);

      if (qssl_socket_write (socket, buffer, size) < 0)
        bench_die ("download: write failed");
      conn->sent += size;
    }
}

static void
on_bytes_written (QsslSocket *socket,
                  gint64      written,
                  Conn       *conn)
{
  download_fill (socket, conn);
}

static void
on_ready_read (QsslSocket *socket,
               Conn       *conn)
{
  gssize n;

  switch (opt.workload)
    {
    case WORKLOAD_ECHO:
      while ((n = qssl_socket_read (socket, buffer, buffer_size)) > 0)
        qssl_socket_write (socket, buffer, n);
      break;
    case WORKLOAD_BULK:
      while ((n = qssl_socket_read (socket, buffer, buffer_size)) > 0)
        {
          conn->received += n;
          if (conn->received == opt.bytes)
            qssl_socket_write (socket, (const guint8 *) "A", 1);
        }
      break;
    case WORKLOAD_DOWNLOAD:
      while (qssl_socket_read (socket, answer, 1) == 1)
        if (!conn->sending)
          {
            conn->sending = TRUE;
            download_fill (socket, conn);
          }
      break;
    case WORKLOAD_MANY:
      while (qssl_socket_bytes_available (socket) >= (gint64) opt.req_size)
        {
          qssl_socket_read (socket, buffer, opt.req_size);
          qssl_socket_write (socket, answer, opt.req_size);
        }
      break;
    case WORKLOAD_HANDSHAKES:
    case WORKLOAD_RESUMED:
    case WORKLOAD_IDLE:
    default:
      while (qssl_socket_read (socket, buffer, 1) == 1)
        {
          if (opt.workload == WORKLOAD_IDLE)
            {
              answered++;
              if (answered == opt.warmup)
                rss_base = bench_vmrss_kib ();
              if (answered == opt.warmup + opt.count)
                rss_full = bench_vmrss_kib ();
            }
          qssl_socket_write (socket, (const guint8 *) "A", 1);
        }
      break;
    }
}

static void
on_disconnected (QsslSocket *socket,
                 Conn       *conn)
{
  g_signal_handlers_disconnect_by_data (socket, conn);
  /* The library holds its own reference while it emits. */
  g_object_unref (socket);
  g_free (conn);
  closed++;
  if (closed == bench_expected_connections (&opt))
    g_main_loop_quit (loop);
}

static void
on_pending_connection (QsslServer *server,
                       gpointer    user_data)
{
  QsslSocket *socket;

  while ((socket = qssl_server_next_pending_connection (server)) != NULL)
    {
      Conn *conn = g_new0 (Conn, 1);

      conn->socket = socket;
      accepted++;
      if (accepted == (opt.workload == WORKLOAD_BULK || opt.workload == WORKLOAD_DOWNLOAD ||
                       opt.workload == WORKLOAD_MANY ? 1 : opt.warmup + 1))
        cpu_start = bench_cpu_seconds ();
      if (accepted > opt.warmup && qssl_socket_is_session_resumed (socket))
        resumed++;
      g_signal_connect (socket, "ready-read", G_CALLBACK (on_ready_read), conn);
      g_signal_connect (socket, "disconnected", G_CALLBACK (on_disconnected), conn);
      if (opt.workload == WORKLOAD_DOWNLOAD)
        g_signal_connect (socket, "bytes-written", G_CALLBACK (on_bytes_written), conn);
      if (qssl_socket_bytes_available (socket) > 0)
        on_ready_read (socket, conn);
    }
}

/* Every program turns Nagle off before the handshake: libqssl does by
 * default, on accepted sockets and on those that connect_to_host() made,
 * so this one sets no option (and connects no handler for it). */

/* Workers share the port.  SO_REUSEPORT must be on before bind(), and
 * g_socket_bind() turns it off for TCP, so the listening socket is made
 * here and given to the server (a GSocketListener, which starts accepting
 * on a socket added so).  A libqssl with qssl_server_set_reuse_port() would
 * not need this. */
static void
add_shared_port_socket (QsslServer *server)
{
  struct sockaddr_in address = { .sin_family = AF_INET, .sin_port = htons (opt.port) };
  g_autoptr(GSocket) listening = NULL;
  g_autoptr(GError) error = NULL;
  int one = 1, fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

  inet_pton (AF_INET, opt.host, &address.sin_addr);
  setsockopt (fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  setsockopt (fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
  if (bind (fd, (struct sockaddr *) &address, sizeof address) < 0 || listen (fd, SOMAXCONN) < 0)
    bench_die ("cannot listen on the shared port: %s", strerror (errno));
  listening = g_socket_new_from_fd (fd, &error);
  if (listening == NULL || !g_socket_listener_add_socket (G_SOCKET_LISTENER (server), listening, NULL, &error))
    die_error ("shared port", error);
}

static void
run_server (void)
{
  g_autoptr(QsslServer) server = qssl_server_new ();
  g_autoptr(GInetAddress) address = g_inet_address_new_from_string (opt.host);
  g_autoptr(GError) error = NULL;

  buffer_size = opt.workload == WORKLOAD_ECHO ? 16384 : MAX (opt.chunk, opt.req_size);
  buffer = g_malloc0 (buffer_size);
  answer = g_malloc0 (opt.req_size);
  rss_base = bench_vmrss_kib ();
  cpu_start = bench_cpu_seconds ();
  loop = g_main_loop_new (NULL, FALSE);
  qssl_server_set_ssl_configuration (server, configuration);
  if (opt.handshake_timeout_ms > 0)
    qssl_server_set_handshake_timeout (server, opt.handshake_timeout_ms);
  g_signal_connect (server, "pending-connection-available", G_CALLBACK (on_pending_connection), NULL);
  if (bench_is_worker ())
    add_shared_port_socket (server);
  else if (!qssl_server_listen (server, address, opt.port, &error))
    die_error ("listen", error);
  bench_announce_port (bench_is_worker () ? opt.port : qssl_server_get_server_port (server));
  g_main_loop_run (loop);

  bench_result_begin ();
  bench_result_num ("cpu", bench_cpu_seconds () - cpu_start);
  bench_result_num ("resumed", resumed);
  if (opt.workload == WORKLOAD_IDLE)
    {
      bench_result_num ("rss_base_kib", rss_base);
      bench_result_num ("rss_full_kib", rss_full);
      bench_result_num ("rss_per_conn_kib", (double) (rss_full - rss_base) / opt.count);
    }
  bench_result_end ();
  qssl_server_close (server);
  g_main_loop_unref (loop);
  g_free (buffer);
  g_free (answer);
}

/* Blocking clients */

static QsslSocket *
client_connect (void)
{
  QsslSocket *socket = qssl_socket_new ();
  g_autoptr(GError) error = NULL;

  qssl_socket_set_ssl_configuration (socket, configuration);
  qssl_socket_connect_to_host_encrypted_with_peer_name (socket, opt.host, opt.port, opt.peer_name,
                                                        QSSL_NETWORK_LAYER_PROTOCOL_IPV4);
  if (!qssl_socket_wait_for_encrypted (socket, 30000, &error))
    die_error ("handshake", error);
  return socket;
}

static void
exchange_byte (QsslSocket *socket)
{
  g_autoptr(GError) error = NULL;
  guint8 byte;

  qssl_socket_write (socket, (const guint8 *) "Q", 1);
  while (qssl_socket_bytes_available (socket) < 1)
    if (!qssl_socket_wait_for_ready_read (socket, 30000, &error))
      die_error ("answer", error);
  qssl_socket_read (socket, &byte, 1);
}

static void
client_bye (QsslSocket *socket)
{
  qssl_socket_disconnect_from_host (socket);
  if (qssl_socket_get_state (socket) != QSSL_SOCKET_STATE_UNCONNECTED)
    qssl_socket_wait_for_disconnected (socket, 30000, NULL);
  g_object_unref (socket);
}

static void
client_bulk (void)
{
  QsslSocket *socket = client_connect ();
  g_autoptr(GError) error = NULL;
  guint8 *chunk = g_malloc0 (opt.chunk);
  guint64 sent = 0;
  double start, elapsed;

  start = bench_now ();
  while (sent < opt.bytes)
    {
      gsize size = MIN (opt.bytes - sent, opt.chunk);

      if (qssl_socket_write (socket, chunk, size) < 0)
        die_error ("write", NULL);
      sent += size;
      /* Keep memory bounded: wait for the kernel to take it, as Qt's
       * waitForBytesWritten() loops do. */
      while (qssl_socket_bytes_to_write (socket) > 0)
        if (!qssl_socket_wait_for_bytes_written (socket, 30000, &error))
          die_error ("write", error);
    }
  while (qssl_socket_bytes_available (socket) < 1)
    if (!qssl_socket_wait_for_ready_read (socket, 60000, &error))
      die_error ("no acknowledgement", error);
  elapsed = bench_now () - start;
  bench_result_begin ();
  bench_result_num ("mbps", opt.bytes / 1e6 / elapsed);
  bench_result_num ("seconds", elapsed);
  report_negotiated (socket);
  bench_result_end ();
  client_bye (socket);
  g_free (chunk);
}

/* Timed from the request to the last byte read. */
static void
client_download (void)
{
  QsslSocket *socket = client_connect ();
  g_autoptr(GError) error = NULL;
  guint8 *chunk = g_malloc (opt.chunk);
  guint64 got = 0;
  double start, elapsed;

  start = bench_now ();
  qssl_socket_write (socket, (const guint8 *) "D", 1);
  while (got < opt.bytes)
    {
      gint64 n = qssl_socket_read (socket, chunk, opt.chunk);

      if (n < 0)
        die_error ("download: read", NULL);
      if (n == 0 && !qssl_socket_wait_for_ready_read (socket, 60000, &error))
        die_error ("download: short read", error);
      got += n;
    }
  elapsed = bench_now () - start;
  bench_result_begin ();
  bench_result_num ("mbps", opt.bytes / 1e6 / elapsed);
  bench_result_num ("seconds", elapsed);
  report_negotiated (socket);
  bench_result_end ();
  client_bye (socket);
  g_free (chunk);
}

static void
client_handshakes (void)
{
  double start = 0, elapsed;
  int resumed_count = 0;

  for (int i = 0; i < opt.warmup + opt.count; i++)
    {
      QsslSocket *socket;

      if (i == opt.warmup)
        start = bench_now ();
      socket = client_connect ();
      if (i >= opt.warmup && qssl_socket_is_session_resumed (socket))
        resumed_count++;
      exchange_byte (socket);
      client_bye (socket);
    }
  elapsed = bench_now () - start;
  bench_result_begin ();
  bench_result_num ("hps", opt.count / elapsed);
  bench_result_num ("resumed", resumed_count);
  bench_result_end ();
}

static void
client_idle (void)
{
  int total = opt.warmup + opt.count;
  QsslSocket **sockets = g_new0 (QsslSocket *, total);

  for (int i = 0; i < total; i++)
    {
      sockets[i] = client_connect ();
      exchange_byte (sockets[i]);
    }
  for (int i = 0; i < total; i++)
    client_bye (sockets[i]);
  bench_result_begin ();
  bench_result_num ("connections", total);
  bench_result_end ();
  g_free (sockets);
}

/* The many client: all sockets on one GMainLoop. */

typedef struct
{
  QsslSocket *socket;
  double      started;
} Client;

static Client *clients;
static int many_ready;
static gboolean many_running;
static double many_start, many_end;
static long many_requests;
static BenchSamples many_samples;

static void
many_send (Client *client)
{
  client->started = bench_now ();
  qssl_socket_write (client->socket, answer, opt.req_size);
}

static void
on_many_ready_read (QsslSocket *socket,
                    Client     *client)
{
  while (many_running && qssl_socket_bytes_available (socket) >= (gint64) opt.req_size)
    {
      double now;

      qssl_socket_read (socket, buffer, opt.req_size);
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
}

static void
on_many_encrypted (QsslSocket *socket,
                   Client     *client)
{
  if (++many_ready < opt.clients)
    return;
  many_start = bench_now ();
  many_end = many_start + opt.seconds;
  many_running = TRUE;
  for (int i = 0; i < opt.clients; i++)
    many_send (&clients[i]);
}

static void
on_many_error (QsslSocket      *socket,
               QsslSocketError  error,
               Client          *client)
{
  bench_die ("many: %s", qssl_socket_get_error_string (socket));
}

static void
client_many (void)
{
  double elapsed;

  clients = g_new0 (Client, opt.clients);
  buffer = g_malloc (opt.req_size);
  answer = g_malloc0 (opt.req_size);
  loop = g_main_loop_new (NULL, FALSE);
  for (int i = 0; i < opt.clients; i++)
    {
      QsslSocket *socket = qssl_socket_new ();

      clients[i].socket = socket;
      qssl_socket_set_ssl_configuration (socket, configuration);
      g_signal_connect (socket, "encrypted", G_CALLBACK (on_many_encrypted), &clients[i]);
      g_signal_connect (socket, "ready-read", G_CALLBACK (on_many_ready_read), &clients[i]);
      g_signal_connect (socket, "error-occurred", G_CALLBACK (on_many_error), &clients[i]);
          qssl_socket_connect_to_host_encrypted_with_peer_name (socket, opt.host, opt.port, opt.peer_name,
                                                            QSSL_NETWORK_LAYER_PROTOCOL_IPV4);
    }
  g_main_loop_run (loop);
  elapsed = bench_now () - many_start;
  bench_result_begin ();
  bench_result_num ("rps", many_requests / elapsed);
  bench_result_num ("requests", many_requests);
  bench_result_num ("p50_ms", bench_samples_percentile (&many_samples, 50) * 1e3);
  bench_result_num ("p99_ms", bench_samples_percentile (&many_samples, 99) * 1e3);
  report_negotiated (clients[0].socket);
  bench_result_end ();
  for (int i = 0; i < opt.clients; i++)
    {
      g_signal_handlers_disconnect_by_data (clients[i].socket, &clients[i]);
      client_bye (clients[i].socket);
    }
  g_main_loop_unref (loop);
  g_free (clients);
  g_free (buffer);
  g_free (answer);
  g_free (many_samples.values);
}

int
main (int   argc,
      char *argv[])
{
  bench_parse_options (&opt, argc, argv, "bench-qssl");
  bench_raise_fd_limit ();
  if (opt.role == ROLE_ATTACKER)
    bench_die ("the attacker is bench-openssl's");
  if (opt.server)
    bench_fork_workers (&opt);   /* returns in each worker, before GLib starts anything */
  else if (opt.workload == WORKLOAD_SCALING || opt.workload == WORKLOAD_LATENCY)
    bench_die ("the load clients are bench-openssl's");
  make_configuration ();
  if (opt.server)
    run_server ();
  else
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
  qssl_configuration_free (configuration);
  return 0;
}
