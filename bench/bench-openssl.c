/* bench-openssl.c: the reference, raw OpenSSL 3
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Blocking sockets wherever one connection is served at a time (bulk,
 * handshakes, resumed, and every client but the "many" one); a poll() loop
 * over non-blocking sockets where one thread must hold many connections
 * (the idle and many servers, the many client).  One SSL_CTX per process.
 */

#include "bench-common.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

static BenchOptions opt;
static SSL_CTX *ctx;
static SSL_SESSION *last_session;

static void
die_ssl (const char *what)
{
  fprintf (stderr, "bench-openssl: %s\n", what);
  ERR_print_errors_fp (stderr);
  exit (1);
}

static void
pin_parameters (SSL_CTX *c)
{
  if (!SSL_CTX_set_min_proto_version (c, TLS1_3_VERSION) ||
      SSL_CTX_set_ciphersuites (c, "TLS_AES_128_GCM_SHA256") != 1 ||
      SSL_CTX_set1_groups_list (c, "X25519") != 1)
    die_ssl ("cannot pin TLS 1.3, TLS_AES_128_GCM_SHA256, X25519");
}

static int
new_session (SSL         *ssl,
             SSL_SESSION *session)
{
  if (last_session != NULL)
    SSL_SESSION_free (last_session);
  last_session = session;
  return 1; /* we keep the reference */
}

static void
make_context (void)
{
  ctx = SSL_CTX_new (opt.server ? TLS_server_method () : TLS_client_method ());
  if (ctx == NULL)
    die_ssl ("SSL_CTX_new");
  pin_parameters (ctx);
  if (opt.server)
    {
      if (SSL_CTX_use_certificate_chain_file (ctx, opt.cert) != 1 ||
          SSL_CTX_use_PrivateKey_file (ctx, opt.key, SSL_FILETYPE_PEM) != 1)
        die_ssl ("cannot load the server certificate");
    }
  else
    {
      if (SSL_CTX_load_verify_locations (ctx, opt.ca, NULL) != 1)
        die_ssl ("cannot load the CA");
      SSL_CTX_set_verify (ctx, SSL_VERIFY_PEER, NULL);
      SSL_CTX_set_session_cache_mode (ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
      SSL_CTX_sess_set_new_cb (ctx, new_session);
    }
}

static int
listen_socket (void)
{
  struct sockaddr_in address = { .sin_family = AF_INET, .sin_port = htons (opt.port) };
  socklen_t length = sizeof address;
  int one = 1, fd = socket (AF_INET, SOCK_STREAM, 0);

  inet_pton (AF_INET, opt.host, &address.sin_addr);
  setsockopt (fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind (fd, (struct sockaddr *) &address, sizeof address) < 0 || listen (fd, 1024) < 0)
    bench_die ("cannot listen: %s", strerror (errno));
  getsockname (fd, (struct sockaddr *) &address, &length);
  bench_announce_port (ntohs (address.sin_port));
  return fd;
}

static int
connect_socket (void)
{
  struct sockaddr_in address = { .sin_family = AF_INET, .sin_port = htons (opt.port) };
  int one = 1, fd = socket (AF_INET, SOCK_STREAM, 0);

  inet_pton (AF_INET, opt.host, &address.sin_addr);
  if (connect (fd, (struct sockaddr *) &address, sizeof address) < 0)
    bench_die ("cannot connect: %s", strerror (errno));
  setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

static void
report_negotiated (SSL *ssl)
{
  int group = SSL_get_negotiated_group (ssl);

  bench_result_str ("protocol", SSL_get_version (ssl));
  bench_result_str ("cipher", SSL_get_cipher_name (ssl));
  bench_result_str ("group", group ? OBJ_nid2sn (group) : "");
}

static int
read_exact (SSL    *ssl,
            void   *buffer,
            size_t  size)
{
  size_t got = 0, n;

  while (got < size)
    {
      if (SSL_read_ex (ssl, (char *) buffer + got, size - got, &n) != 1)
        return 0;
      got += n;
    }
  return 1;
}

/* Blocking server: one connection at a time. */

static void
serve_sequential (int listener)
{
  int expected = bench_expected_connections (&opt);
  double cpu_start = 0;
  int resumed = 0;
  char *buffer = malloc (opt.chunk);

  for (int i = 0; i < expected; i++)
    {
      int one = 1, fd = accept (listener, NULL, NULL);
      SSL *ssl;
      size_t n;

      if (i == (opt.workload == WORKLOAD_BULK ? 0 : opt.warmup))
        cpu_start = bench_cpu_seconds ();
      setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      ssl = SSL_new (ctx);
      SSL_set_fd (ssl, fd);
      if (SSL_accept (ssl) != 1)
        die_ssl ("SSL_accept");
      if (i >= opt.warmup && SSL_session_reused (ssl))
        resumed++;
      if (opt.workload == WORKLOAD_BULK)
        {
          uint64_t total = 0;

          while (total < opt.bytes && SSL_read_ex (ssl, buffer, opt.chunk, &n) == 1)
            total += n;
          if (total < opt.bytes)
            die_ssl ("bulk: short read");
        }
      else if (!read_exact (ssl, buffer, 1))
        die_ssl ("request");
      if (SSL_write_ex (ssl, "A", 1, &n) != 1)
        die_ssl ("answer");
      /* Wait for the client's close_notify, then answer it. */
      while (SSL_read_ex (ssl, buffer, opt.chunk, &n) == 1)
        ;
      SSL_shutdown (ssl);
      SSL_free (ssl);
      close (fd);
    }
  bench_result_begin ();
  bench_result_num ("cpu", bench_cpu_seconds () - cpu_start);
  bench_result_num ("resumed", resumed);
  bench_result_end ();
  free (buffer);
}

/* Event-driven server (idle, many): non-blocking sockets, one poll(). */

typedef struct
{
  int    fd;
  SSL   *ssl;
  int    handshaking;
  size_t got;        /* request bytes read so far */
  size_t to_send;    /* answer bytes still to write */
  int    closing;
} Conn;

static void
serve_polling (int listener)
{
  int expected = bench_expected_connections (&opt);
  int accepted = 0, open = 0, answered = 0, resumed = 0;
  size_t request = opt.workload == WORKLOAD_MANY ? opt.req_size : 1;
  Conn *conns = calloc (expected, sizeof (Conn));
  struct pollfd *fds = calloc (expected + 1, sizeof (struct pollfd));
  char *buffer = malloc (request > 16384 ? request : 16384);
  char *answer = calloc (1, request);
  long rss_base = bench_vmrss_kib (), rss_full = 0;
  double cpu_start = bench_cpu_seconds ();

  fcntl (listener, F_SETFL, O_NONBLOCK);
  while (accepted < expected || open > 0)
    {
      int nfds = 0;
      int map[expected + 1];

      if (accepted < expected)
        {
          fds[nfds].fd = listener;
          fds[nfds].events = POLLIN;
          map[nfds++] = -1;
        }
      for (int i = 0; i < accepted; i++)
        if (conns[i].ssl != NULL)
          {
            int want = SSL_want_write (conns[i].ssl) || (conns[i].to_send > 0 && !SSL_want_read (conns[i].ssl));

            fds[nfds].fd = conns[i].fd;
            fds[nfds].events = want ? POLLOUT : POLLIN;
            map[nfds++] = i;
          }
      if (poll (fds, nfds, -1) < 0 && errno != EINTR)
        bench_die ("poll: %s", strerror (errno));
      for (int k = 0; k < nfds; k++)
        {
          Conn *c;
          int i = map[k], r;
          size_t n;

          if (fds[k].revents == 0)
            continue;
          if (i < 0)
            {
              int fd;

              while (accepted < expected && (fd = accept (listener, NULL, NULL)) >= 0)
                {
                  int one = 1;

                  fcntl (fd, F_SETFL, O_NONBLOCK);
                  setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                  conns[accepted].fd = fd;
                  conns[accepted].ssl = SSL_new (ctx);
                  conns[accepted].handshaking = 1;
                  SSL_set_fd (conns[accepted].ssl, fd);
                  SSL_set_accept_state (conns[accepted].ssl);
                  accepted++;
                  open++;
                }
              continue;
            }
          c = &conns[i];
          for (;;)
            {
              if (c->handshaking)
                {
                  r = SSL_do_handshake (c->ssl);
                  if (r != 1)
                    goto check;
                  c->handshaking = 0;
                  if (SSL_session_reused (c->ssl))
                    resumed++;
                }
              if (c->to_send > 0)
                {
                  r = SSL_write_ex (c->ssl, answer, c->to_send, &n);
                  if (r != 1)
                    goto check;
                  c->to_send = 0;
                }
              r = SSL_read_ex (c->ssl, buffer, request - c->got, &n);
              if (r != 1)
                goto check;
              c->got += n;
              if (c->got == request)
                {
                  c->got = 0;
                  c->to_send = request;
                  if (opt.workload == WORKLOAD_IDLE)
                    {
                      answered++;
                      if (answered == opt.warmup)
                        rss_base = bench_vmrss_kib ();
                      if (answered == expected)
                        rss_full = bench_vmrss_kib ();
                    }
                }
              continue;
            check:
              switch (SSL_get_error (c->ssl, r))
                {
                case SSL_ERROR_WANT_READ:
                case SSL_ERROR_WANT_WRITE:
                  break;
                default:
                  /* close_notify or EOF: the client is done. */
                  ERR_clear_error ();
                  SSL_shutdown (c->ssl);
                  SSL_free (c->ssl);
                  close (c->fd);
                  c->ssl = NULL;
                  open--;
                  break;
                }
              break;
            }
        }
    }
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
  free (conns);
  free (fds);
  free (buffer);
  free (answer);
}

/* Blocking clients */

static SSL *
client_connect (int *fd_out)
{
  int fd = connect_socket ();
  SSL *ssl = SSL_new (ctx);

  SSL_set_fd (ssl, fd);
  SSL_set_tlsext_host_name (ssl, opt.peer_name);
  SSL_set1_host (ssl, opt.peer_name);
  if (opt.workload == WORKLOAD_RESUMED && last_session != NULL)
    SSL_set_session (ssl, last_session);
  if (SSL_connect (ssl) != 1)
    die_ssl ("SSL_connect");
  *fd_out = fd;
  return ssl;
}

static void
client_bye (SSL *ssl,
            int  fd)
{
  SSL_shutdown (ssl);
  SSL_free (ssl);
  close (fd);
}

static void
client_bulk (void)
{
  int fd;
  SSL *ssl = client_connect (&fd);
  char *buffer = calloc (1, opt.chunk), ack;
  uint64_t sent = 0;
  double start, elapsed;
  size_t n;

  start = bench_now ();
  while (sent < opt.bytes)
    {
      size_t size = opt.bytes - sent < opt.chunk ? opt.bytes - sent : opt.chunk;

      if (SSL_write_ex (ssl, buffer, size, &n) != 1)
        die_ssl ("write");
      sent += n;
    }
  if (!read_exact (ssl, &ack, 1))
    die_ssl ("no acknowledgement");
  elapsed = bench_now () - start;
  bench_result_begin ();
  bench_result_num ("mbps", opt.bytes / 1e6 / elapsed);
  bench_result_num ("seconds", elapsed);
  report_negotiated (ssl);
  bench_result_end ();
  client_bye (ssl, fd);
  free (buffer);
}

static void
client_handshakes (void)
{
  double start = 0, elapsed;
  int resumed = 0;

  for (int i = 0; i < opt.warmup + opt.count; i++)
    {
      char byte;
      size_t n;
      int fd;
      SSL *ssl;

      if (i == opt.warmup)
        start = bench_now ();
      ssl = client_connect (&fd);
      if (i >= opt.warmup && SSL_session_reused (ssl))
        resumed++;
      if (SSL_write_ex (ssl, "Q", 1, &n) != 1 || !read_exact (ssl, &byte, 1))
        die_ssl ("exchange");
      client_bye (ssl, fd);
    }
  elapsed = bench_now () - start;
  bench_result_begin ();
  bench_result_num ("hps", opt.count / elapsed);
  bench_result_num ("resumed", resumed);
  bench_result_end ();
}

static void
client_idle (void)
{
  int total = opt.warmup + opt.count;
  SSL **ssls = calloc (total, sizeof (SSL *));
  int *fds = calloc (total, sizeof (int));

  for (int i = 0; i < total; i++)
    {
      char byte;
      size_t n;

      ssls[i] = client_connect (&fds[i]);
      if (SSL_write_ex (ssls[i], "Q", 1, &n) != 1 || !read_exact (ssls[i], &byte, 1))
        die_ssl ("exchange");
    }
  for (int i = 0; i < total; i++)
    client_bye (ssls[i], fds[i]);
  bench_result_begin ();
  bench_result_num ("connections", total);
  bench_result_end ();
  free (ssls);
  free (fds);
}

/* The many client: every connection in one poll() loop. */

typedef struct
{
  int    fd;
  SSL   *ssl;
  int    handshaking;
  size_t sent;
  size_t got;
  double started;
} Client;

static int many_ready, many_done;
static double many_end;
static long many_requests;
static BenchSamples many_samples;
static char *many_request, *many_buffer;

/* Moves one client on as far as it goes without blocking. */
static void
many_step (Client *c)
{
  int r;
  size_t n;

  for (;;)
    {
      if (c->handshaking)
        {
          r = SSL_do_handshake (c->ssl);
          if (r != 1)
            goto check;
          c->handshaking = 0;
          many_ready++;
          return; /* requests start once every client is connected */
        }
      if (many_end == 0)
        {
          /* Not started: only take in the session tickets. */
          r = SSL_read_ex (c->ssl, many_buffer, opt.req_size, &n);
          if (r != 1)
            goto check;
          continue;
        }
      if (c->sent < opt.req_size)
        {
          if (c->sent == 0)
            c->started = bench_now ();
          r = SSL_write_ex (c->ssl, many_request, opt.req_size - c->sent, &n);
          if (r != 1)
            goto check;
          c->sent += n;
          continue;
        }
      r = SSL_read_ex (c->ssl, many_buffer, opt.req_size - c->got, &n);
      if (r != 1)
        goto check;
      c->got += n;
      if (c->got == opt.req_size)
        {
          double now = bench_now ();

          bench_samples_add (&many_samples, now - c->started);
          many_requests++;
          c->got = c->sent = 0;
          if (now >= many_end)
            {
              many_done = 1;
              return;
            }
        }
    }
check:
  r = SSL_get_error (c->ssl, r);
  if (r != SSL_ERROR_WANT_READ && r != SSL_ERROR_WANT_WRITE)
    die_ssl ("many: connection failed");
}

static void
client_many (void)
{
  int n_clients = opt.clients;
  Client *clients = calloc (n_clients, sizeof (Client));
  struct pollfd *fds = calloc (n_clients, sizeof (struct pollfd));
  double start = 0;

  many_request = calloc (1, opt.req_size);
  many_buffer = malloc (opt.req_size);
  for (int i = 0; i < n_clients; i++)
    {
      Client *c = &clients[i];

      c->fd = connect_socket ();
      fcntl (c->fd, F_SETFL, O_NONBLOCK);
      c->ssl = SSL_new (ctx);
      SSL_set_fd (c->ssl, c->fd);
      SSL_set_tlsext_host_name (c->ssl, opt.peer_name);
      SSL_set1_host (c->ssl, opt.peer_name);
      SSL_set_connect_state (c->ssl);
      c->handshaking = 1;
      many_step (c);
    }
  while (!many_done)
    {
      int was_ready = many_ready;

      for (int i = 0; i < n_clients; i++)
        {
          fds[i].fd = clients[i].fd;
          fds[i].events = SSL_want_write (clients[i].ssl) ? POLLOUT : POLLIN;
        }
      if (poll (fds, n_clients, -1) < 0 && errno != EINTR)
        bench_die ("poll: %s", strerror (errno));
      for (int i = 0; i < n_clients && !many_done; i++)
        if (fds[i].revents != 0)
          many_step (&clients[i]);
      if (was_ready < n_clients && many_ready == n_clients)
        {
          start = bench_now ();
          many_end = start + opt.seconds;
          for (int i = 0; i < n_clients && !many_done; i++)
            many_step (&clients[i]);
        }
    }
  {
    double elapsed = bench_now () - start;

    bench_result_begin ();
    bench_result_num ("rps", many_requests / elapsed);
    bench_result_num ("requests", many_requests);
    bench_result_num ("p50_ms", bench_samples_percentile (&many_samples, 50) * 1e3);
    bench_result_num ("p99_ms", bench_samples_percentile (&many_samples, 99) * 1e3);
    report_negotiated (clients[0].ssl);
    bench_result_end ();
  }
  for (int i = 0; i < n_clients; i++)
    {
      fcntl (clients[i].fd, F_SETFL, 0);
      client_bye (clients[i].ssl, clients[i].fd);
    }
  free (clients);
  free (fds);
  free (many_request);
  free (many_buffer);
  free (many_samples.values);
}

int
main (int   argc,
      char *argv[])
{
  bench_parse_options (&opt, argc, argv, "bench-openssl");
  bench_raise_fd_limit ();
  make_context ();
  if (opt.server)
    {
      int listener = listen_socket ();

      if (opt.workload == WORKLOAD_IDLE || opt.workload == WORKLOAD_MANY)
        serve_polling (listener);
      else
        serve_sequential (listener);
      close (listener);
    }
  else
    switch (opt.workload)
      {
      case WORKLOAD_BULK: client_bulk (); break;
      case WORKLOAD_HANDSHAKES:
      case WORKLOAD_RESUMED: client_handshakes (); break;
      case WORKLOAD_IDLE: client_idle (); break;
      case WORKLOAD_MANY: client_many (); break;
      }
  SSL_CTX_free (ctx);
  return 0;
}
