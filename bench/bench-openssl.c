/* bench-openssl.c: the reference, raw OpenSSL 3
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Blocking sockets wherever one connection is served at a time (bulk,
 * download, handshakes, resumed, and every client but the "many" one); a poll() loop
 * over non-blocking sockets where one thread must hold many connections
 * (the idle and many servers, the many client; with --event-loop also the
 * handshakes and resumed servers, to show what an event loop itself costs
 * raw OpenSSL); an epoll loop for the echo
 * server, whose cost per event must not grow with the connections it holds
 * (the reference of the scaling, c10k, workers and hostile workloads).  One
 * SSL_CTX per process.
 *
 * The load clients (scaling, latency) and the attacker live here too: the
 * raw client costs least, so the numbers are the server's.
 */

#define _GNU_SOURCE  /* accept4 */

#include "bench-common.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/time.h>

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
  else if (opt.role == ROLE_ATTACKER)
    ; /* only writes a ClientHello */
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
  if (bench_is_worker ())
    setsockopt (fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
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
  if (opt.workload == WORKLOAD_SCALING || opt.workload == WORKLOAD_LATENCY)
    {
      /* A starved server must fail a load client, not hang it (connect
       * honours SO_SNDTIMEO too). */
      int ms = opt.workload == WORKLOAD_LATENCY ? opt.timeout_ms : 60000;
      struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = ms % 1000 * 1000 };

      setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      setsockopt (fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    }
  if (connect (fd, (struct sockaddr *) &address, sizeof address) < 0)
    {
      if (opt.workload == WORKLOAD_LATENCY)
        {
          close (fd);
          return -1;
        }
      bench_die ("cannot connect: %s", strerror (errno));
    }
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

      if (i == (opt.workload == WORKLOAD_BULK || opt.workload == WORKLOAD_DOWNLOAD ? 0 : opt.warmup))
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
      if (opt.workload == WORKLOAD_DOWNLOAD)
        {
          uint64_t sent = 0;

          memset (buffer, 0, opt.chunk);
          while (sent < opt.bytes)
            {
              size_t size = opt.bytes - sent < opt.chunk ? opt.bytes - sent : opt.chunk;

              if (SSL_write_ex (ssl, buffer, size, &n) != 1)
                die_ssl ("download: write");
              sent += n;
            }
        }
      else if (SSL_write_ex (ssl, "A", 1, &n) != 1)
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

/* Event-driven server (idle, many; handshakes and resumed with
 * --event-loop): non-blocking sockets, one poll(). */

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
  /* Below it every connection is closed: sequential clients (handshakes)
   * must not make each poll() pass over all those served before. */
  int first_open = 0;
  int sequential = opt.workload == WORKLOAD_HANDSHAKES || opt.workload == WORKLOAD_RESUMED;
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
      while (first_open < accepted && conns[first_open].ssl == NULL)
        first_open++;
      for (int i = first_open; i < accepted; i++)
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

                  /* As the blocking server: the warm-up is not measured. */
                  if (sequential && accepted == opt.warmup)
                    cpu_start = bench_cpu_seconds ();
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
                  if (SSL_session_reused (c->ssl) && (!sequential || i >= opt.warmup))
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

/* Timed from the request to the last byte read. */
static void
client_download (void)
{
  int fd;
  SSL *ssl = client_connect (&fd);
  char *buffer = malloc (opt.chunk);
  uint64_t got = 0;
  double start, elapsed;
  size_t n;

  start = bench_now ();
  if (SSL_write_ex (ssl, "D", 1, &n) != 1)
    die_ssl ("request");
  while (got < opt.bytes)
    {
      if (SSL_read_ex (ssl, buffer, opt.chunk, &n) != 1)
        die_ssl ("download: short read");
      got += n;
    }
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

/* The echo server (scaling, c10k, workers, hostile): non-blocking sockets in
 * one epoll set, level-triggered; a socket's interest changes only when
 * OpenSSL wants the other direction.  It runs until it is killed. */

typedef struct
{
  int       fd;
  SSL      *ssl;
  int       handshaking;
  uint32_t  events;
  char     *pending;      /* echo bytes the kernel has not taken yet */
  size_t    pending_len;
} EchoConn;

static char echo_buffer[16384];

static void
echo_step (int       ep,
           EchoConn *c)
{
  uint32_t want;
  size_t n, written;
  int r;

  for (;;)
    {
      if (c->handshaking)
        {
          r = SSL_do_handshake (c->ssl);
          if (r != 1)
            break;
          c->handshaking = 0;
        }
      if (c->pending_len > 0)
        {
          r = SSL_write_ex (c->ssl, c->pending, c->pending_len, &written);
          if (r != 1)
            break;
          free (c->pending);
          c->pending = NULL;
          c->pending_len = 0;
        }
      r = SSL_read_ex (c->ssl, echo_buffer, sizeof echo_buffer, &n);
      if (r != 1)
        break;
      r = SSL_write_ex (c->ssl, echo_buffer, n, &written);
      if (r != 1)
        {
          /* Retried later from a copy: the context accepts a moved buffer. */
          c->pending = malloc (n);
          if (c->pending == NULL)
            bench_die ("out of memory");
          memcpy (c->pending, echo_buffer, n);
          c->pending_len = n;
          break;
        }
    }
  switch (SSL_get_error (c->ssl, r))
    {
    case SSL_ERROR_WANT_READ:
      want = EPOLLIN;
      break;
    case SSL_ERROR_WANT_WRITE:
      want = EPOLLOUT;
      break;
    case SSL_ERROR_ZERO_RETURN:
      SSL_shutdown (c->ssl);
      /* fall through */
    default:
      /* close_notify, EOF or a failed handshake: the peer is done. */
      ERR_clear_error ();
      SSL_free (c->ssl);
      close (c->fd);  /* also leaves the epoll set */
      free (c->pending);
      free (c);
      return;
    }
  if (want != c->events)
    {
      struct epoll_event event = { .events = want, .data.ptr = c };

      epoll_ctl (ep, EPOLL_CTL_MOD, c->fd, &event);
      c->events = want;
    }
}

static void
serve_echo (int listener)
{
  struct epoll_event event = { .events = EPOLLIN, .data.ptr = NULL }, events[256];
  int ep = epoll_create1 (EPOLL_CLOEXEC);

  if (ep < 0)
    bench_die ("epoll_create1: %s", strerror (errno));
  SSL_CTX_set_mode (ctx, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  fcntl (listener, F_SETFL, O_NONBLOCK);
  epoll_ctl (ep, EPOLL_CTL_ADD, listener, &event);
  for (;;)
    {
      int n = epoll_wait (ep, events, sizeof events / sizeof events[0], -1);

      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          bench_die ("epoll_wait: %s", strerror (errno));
        }
      for (int k = 0; k < n; k++)
        {
          EchoConn *c = events[k].data.ptr;
          int fd, one = 1;

          if (c != NULL)
            {
              echo_step (ep, c);
              continue;
            }
          while ((fd = accept4 (listener, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0)
            {
              setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
              c = calloc (1, sizeof *c);
              if (c == NULL)
                bench_die ("out of memory");
              c->fd = fd;
              c->ssl = SSL_new (ctx);
              c->handshaking = 1;
              c->events = EPOLLIN;
              SSL_set_fd (c->ssl, fd);
              SSL_set_accept_state (c->ssl);
              event.events = EPOLLIN;
              event.data.ptr = c;
              epoll_ctl (ep, EPOLL_CTL_ADD, fd, &event);
            }
          if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
            {
              /* Out of descriptors: the listener stays readable, so wait a
               * little instead of spinning. */
              fprintf (stderr, "bench-openssl: accept: %s\n", strerror (errno));
              usleep (10000);
            }
        }
    }
}

/* The scaling client: holds idle connections, measures new ones and one
 * active one while they are open.  Each idle connection keeps only its fd:
 * the SSL object is freed once its byte came back (nothing is sent on
 * it again), so 10,000 of them cost the client little. */

static void
sync_point (const char *json)
{
  char line[64];

  printf ("SYNC %s\n", json);
  fflush (stdout);
  if (fgets (line, sizeof line, stdin) == NULL)
    exit (0);  /* run-bench went away */
}

static void
exchange_one (SSL *ssl)
{
  char byte;
  size_t n;

  if (SSL_write_ex (ssl, "Q", 1, &n) != 1 || !read_exact (ssl, &byte, 1))
    die_ssl ("exchange");
}

static int
open_idle (void)
{
  int fd;
  SSL *ssl = client_connect (&fd);

  exchange_one (ssl);
  SSL_free (ssl);
  return fd;
}

static void
client_scaling (void)
{
  int *fds = calloc (opt.warmup + opt.sizes[opt.n_sizes - 1], sizeof (int));
  int open = 0;
  char json[512];
  char *request = calloc (1, opt.req_size), *reply = malloc (opt.req_size);

  for (int i = 0; i < opt.warmup; i++)
    fds[open++] = open_idle ();
  snprintf (json, sizeof json, "{\"phase\": \"base\", \"size\": 0}");
  sync_point (json);
  for (int s = 0; s < opt.n_sizes; s++)
    {
      int size = opt.sizes[s];
      double start;

      start = bench_now ();
      while (open < opt.warmup + size)
        fds[open++] = open_idle ();
      snprintf (json, sizeof json, "{\"phase\": \"idle\", \"size\": %d, \"open_seconds\": %.6f}",
                size, bench_now () - start);
      sync_point (json);
      if (opt.new_count > 0)
        {
          double elapsed;

          start = bench_now ();
          for (int i = 0; i < opt.new_count; i++)
            {
              int fd;
              SSL *ssl = client_connect (&fd);

              exchange_one (ssl);
              client_bye (ssl, fd);
            }
          elapsed = bench_now () - start;
          snprintf (json, sizeof json, "{\"phase\": \"new\", \"size\": %d, \"count\": %d, \"hps\": %.6g}",
                    size, opt.new_count, opt.new_count / elapsed);
          sync_point (json);
        }
      if (opt.active_seconds > 0)
        {
          BenchSamples samples = { 0 };
          long requests = 0;
          double end;
          int fd;
          SSL *ssl = client_connect (&fd);

          exchange_one (ssl);
          snprintf (json, sizeof json, "{\"phase\": \"active-start\", \"size\": %d}", size);
          sync_point (json);
          start = bench_now ();
          end = start + opt.active_seconds;
          for (double now = start; now < end; requests++)
            {
              size_t n;
              double sent = now;

              if (SSL_write_ex (ssl, request, opt.req_size, &n) != 1 || !read_exact (ssl, reply, opt.req_size))
                die_ssl ("request");
              now = bench_now ();
              bench_samples_add (&samples, now - sent);
            }
          snprintf (json, sizeof json,
                    "{\"phase\": \"active\", \"size\": %d, \"requests\": %ld, \"rps\": %.6g, "
                    "\"p50_ms\": %.6g, \"p99_ms\": %.6g, \"max_ms\": %.6g}",
                    size, requests, requests / (bench_now () - start),
                    bench_samples_percentile (&samples, 50) * 1e3,
                    bench_samples_percentile (&samples, 99) * 1e3,
                    bench_samples_percentile (&samples, 100) * 1e3);
          client_bye (ssl, fd);
          free (samples.values);
          sync_point (json);
        }
    }
  bench_result_begin ();
  bench_result_num ("connections", open);
  bench_result_end ();
  /* The idle connections end with the process (FIN from the kernel). */
  free (fds);
  free (request);
  free (reply);
}

/* The latency client: sequential handshakes, each bounded, for a healthy
 * client's view of a loaded (or attacked) server.  A handshake that fails
 * or times out counts at the time it took, and is counted as failed. */
static void
client_latency (void)
{
  BenchSamples samples = { 0 };
  int ok = 0, failed = 0;
  double end = bench_now () + opt.seconds;

  for (int i = 0; i < opt.count && bench_now () < end; i++)
    {
      double start = bench_now ();
      int fd = connect_socket (), done = 0;

      if (fd >= 0)
        {
          SSL *ssl = SSL_new (ctx);
          char byte;
          size_t n;

          SSL_set_fd (ssl, fd);
          SSL_set_tlsext_host_name (ssl, opt.peer_name);
          SSL_set1_host (ssl, opt.peer_name);
          done = SSL_connect (ssl) == 1 && SSL_write_ex (ssl, "Q", 1, &n) == 1 && read_exact (ssl, &byte, 1);
          if (done)
            SSL_shutdown (ssl);
          ERR_clear_error ();
          SSL_free (ssl);
          close (fd);
        }
      bench_samples_add (&samples, bench_now () - start);
      if (done)
        ok++;
      else
        failed++;
      if (opt.interval_ms > 0)
        usleep (opt.interval_ms * 1000);
    }
  bench_result_begin ();
  bench_result_num ("attempts", ok + failed);
  bench_result_num ("ok", ok);
  bench_result_num ("failed", failed);
  bench_result_num ("p50_ms", bench_samples_percentile (&samples, 50) * 1e3);
  bench_result_num ("p99_ms", bench_samples_percentile (&samples, 99) * 1e3);
  bench_result_num ("max_ms", bench_samples_percentile (&samples, 100) * 1e3);
  bench_result_end ();
  free (samples.values);
}

/* The attacker: silent and dripping TCP peers that reconnect once dropped
 * (at the next tick, so a server that resets at once is not hammered in a
 * busy loop). */

typedef struct
{
  int    fd;      /* -1: to reconnect at the next tick */
  int    drip;
  size_t sent;
} Peer;

static volatile sig_atomic_t attacker_stop;
static unsigned char *hello;
static size_t hello_len;
static long peer_connects, peer_drops, drip_bytes;

static void
on_attacker_stop (int signum)
{
  attacker_stop = 1;
}

/* A real ClientHello, as our client would send it. */
static void
make_hello (void)
{
  SSL *ssl = SSL_new (ctx);
  BIO *in = BIO_new (BIO_s_mem ()), *out = BIO_new (BIO_s_mem ());
  char *data;
  long len;

  SSL_set_bio (ssl, in, out);
  SSL_set_tlsext_host_name (ssl, opt.peer_name);
  SSL_set_connect_state (ssl);
  SSL_do_handshake (ssl);
  len = BIO_get_mem_data (out, &data);
  if (len <= 0)
    die_ssl ("no ClientHello");
  hello = malloc (len);
  memcpy (hello, data, len);
  hello_len = len;
  ERR_clear_error ();
  SSL_free (ssl);
}

static void
peer_connect (int   ep,
              Peer *p)
{
  struct sockaddr_in address = { .sin_family = AF_INET, .sin_port = htons (opt.port) };
  struct epoll_event event = { .events = EPOLLIN | EPOLLRDHUP, .data.ptr = p };
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

  if (fd < 0)
    return;
  inet_pton (AF_INET, opt.host, &address.sin_addr);
  if (connect (fd, (struct sockaddr *) &address, sizeof address) < 0 && errno != EINPROGRESS)
    {
      close (fd);
      return;
    }
  p->fd = fd;
  p->sent = 0;
  peer_connects++;
  epoll_ctl (ep, EPOLL_CTL_ADD, fd, &event);
}

static void
peer_drop (Peer *p)
{
  close (p->fd);
  p->fd = -1;
  peer_drops++;
}

static void
run_attacker (void)
{
  int n_peers = opt.silent + opt.drip, ep = epoll_create1 (EPOLL_CLOEXEC);
  Peer *peers = calloc (n_peers ? n_peers : 1, sizeof (Peer));
  struct epoll_event events[256];
  struct sigaction action = { .sa_handler = on_attacker_stop };
  double next_tick = 0;
  int announced = 0;
  char junk[4096];

  sigaction (SIGTERM, &action, NULL);
  sigaction (SIGINT, &action, NULL);
  make_hello ();
  for (int i = 0; i < n_peers; i++)
    {
      peers[i].fd = -1;
      peers[i].drip = i >= opt.silent;
    }
  while (!attacker_stop)
    {
      double now = bench_now ();
      int n, timeout;

      if (now >= next_tick)
        {
          for (int i = 0; i < n_peers; i++)
            {
              Peer *p = &peers[i];

              if (p->fd < 0)
                peer_connect (ep, p);
              else if (p->drip && p->sent < hello_len)
                {
                  ssize_t r = send (p->fd, hello + p->sent, 1, MSG_NOSIGNAL | MSG_DONTWAIT);

                  if (r == 1)
                    {
                      p->sent++;
                      drip_bytes++;
                    }
                  else if (errno != EAGAIN && errno != ENOTCONN)
                    peer_drop (p);
                }
            }
          next_tick = now + opt.drip_ms / 1e3;
          if (!announced)
            {
              printf ("ATTACKING %d silent, %d dripping (ClientHello of %zu bytes)\n", opt.silent, opt.drip,
                      hello_len);
              fflush (stdout);
              announced = 1;
            }
        }
      timeout = (int) ((next_tick - bench_now ()) * 1e3) + 1;
      n = epoll_wait (ep, events, sizeof events / sizeof events[0], timeout < 0 ? 0 : timeout);
      for (int k = 0; k < n; k++)
        {
          Peer *p = events[k].data.ptr;
          ssize_t r;

          if (p->fd < 0)
            continue;
          /* Whatever the server sends is dropped; its close is a drop. */
          while ((r = recv (p->fd, junk, sizeof junk, MSG_DONTWAIT)) > 0)
            ;
          if (r == 0 || (errno != EAGAIN && errno != EINTR))
            peer_drop (p);
        }
    }
  bench_result_begin ();
  bench_result_num ("connects", peer_connects);
  bench_result_num ("drops", peer_drops);
  bench_result_num ("drip_bytes", drip_bytes);
  bench_result_end ();
  free (peers);
  free (hello);
}

int
main (int   argc,
      char *argv[])
{
  bench_parse_options (&opt, argc, argv, "bench-openssl");
  bench_raise_fd_limit ();
  if (opt.server)
    bench_fork_workers (&opt);   /* returns in each worker */
  make_context ();
  if (opt.role == ROLE_ATTACKER)
    run_attacker ();
  else if (opt.server)
    {
      int listener = listen_socket ();

      if (opt.workload == WORKLOAD_ECHO)
        serve_echo (listener);
      else if (opt.workload == WORKLOAD_IDLE || opt.workload == WORKLOAD_MANY ||
               (opt.event_loop && (opt.workload == WORKLOAD_HANDSHAKES || opt.workload == WORKLOAD_RESUMED)))
        serve_polling (listener);
      else
        serve_sequential (listener);
      close (listener);
    }
  else
    switch (opt.workload)
      {
      case WORKLOAD_BULK: client_bulk (); break;
      case WORKLOAD_DOWNLOAD: client_download (); break;
      case WORKLOAD_HANDSHAKES:
      case WORKLOAD_RESUMED: client_handshakes (); break;
      case WORKLOAD_IDLE: client_idle (); break;
      case WORKLOAD_MANY: client_many (); break;
      case WORKLOAD_SCALING: client_scaling (); break;
      case WORKLOAD_LATENCY: client_latency (); break;
      case WORKLOAD_ECHO: break;
      }
  SSL_CTX_free (ctx);
  return 0;
}
