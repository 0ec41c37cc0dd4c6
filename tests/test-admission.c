/* test-admission.c: QsslServer's admission limits against silent and slow peers
 *
 * Handshakes in flight apart from the pending queue, the oldest dropped at
 * max-handshakes, a deadline a slow drip cannot move, a per-address limit,
 * accepting again after running out of descriptors, and the idle timeout.
 * The hostile peers are raw TCP sockets, driven by a thread of their own
 * with poll(); the healthy clients and the server run on the default main
 * context.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <openssl/ssl.h>

#include "qssl-test-utils.h"

#if defined(__SANITIZE_ADDRESS__)
# define UNDER_ASAN 1
#elif defined(__has_feature)
# if __has_feature(address_sanitizer)
#  define UNDER_ASAN 1
# endif
#endif
#ifndef UNDER_ASAN
# define UNDER_ASAN 0
#endif

/* The server's own descriptors beyond its handshakes and its queue: the
 * listening sockets and a few GLib wakeups. */
#define SERVER_FD_ALLOWANCE 8

static guint
count_from_env (const char *name,
                guint       fallback)
{
  const char *value = g_getenv (name);

  return value != NULL ? (guint) atoi (value) : fallback;
}

static void
raise_fd_limit (void)
{
  struct rlimit limit;

  g_assert_cmpint (getrlimit (RLIMIT_NOFILE, &limit), ==, 0);
  limit.rlim_cur = limit.rlim_max;
  g_assert_cmpint (setrlimit (RLIMIT_NOFILE, &limit), ==, 0);
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
  return server;
}

static QsslSocket *
client_connect (guint16 port)
{
  QsslSocket *client = qssl_socket_new ();
  g_autoptr(QsslConfiguration) configuration = qssl_test_client_configuration ();

  qssl_socket_set_ssl_configuration (client, configuration);
  qssl_socket_connect_to_host_encrypted (client, "127.0.0.1", port, QSSL_NETWORK_LAYER_PROTOCOL_IPV4);
  return client;
}

/* Iterates the main context (the server's work and the client's) until
 * @client is encrypted or fails. */
static gboolean
wait_encrypted (QsslSocket *client,
                guint       timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (!qssl_socket_is_encrypted (client) && qssl_socket_get_state (client) != QSSL_SOCKET_STATE_UNCONNECTED &&
         g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  return qssl_socket_is_encrypted (client);
}

/* A TCP connection to the server that says nothing (non-blocking). */
static int
tcp_connect (guint16     port,
             const char *address)
{
  gboolean v6 = strchr (address, ':') != NULL;
  int fd = socket (v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int result;

  g_assert_cmpint (fd, >=, 0);
  if (v6)
    {
      struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6, .sin6_port = htons (port) };

      inet_pton (AF_INET6, address, &sin6.sin6_addr);
      result = connect (fd, (struct sockaddr *) &sin6, sizeof sin6);
    }
  else
    {
      struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons (port) };

      inet_pton (AF_INET, address, &sin.sin_addr);
      result = connect (fd, (struct sockaddr *) &sin, sizeof sin);
    }
  g_assert_true (result == 0 || errno == EINPROGRESS);
  return fd;
}

static guint16
local_port (int fd)
{
  struct sockaddr_storage address;
  socklen_t length = sizeof address;

  if (getsockname (fd, (struct sockaddr *) &address, &length) != 0)
    return 0;
  if (address.ss_family == AF_INET)
    return ntohs (((struct sockaddr_in *) &address)->sin_port);
  if (address.ss_family == AF_INET6)
    return ntohs (((struct sockaddr_in6 *) &address)->sin6_port);
  return 0;
}

/* Whether the server has closed @fd's connection (EOF or reset). */
static gboolean
peer_closed (int fd)
{
  struct pollfd poll_fd = { .fd = fd, .events = POLLIN };
  char byte;

  if (poll (&poll_fd, 1, 0) <= 0)
    return FALSE;
  return recv (fd, &byte, 1, MSG_DONTWAIT) <= 0;
}

/* The server's descriptors: those whose local port is the server's (its
 * listening sockets and every connection it accepted). The test's own
 * peers, in the same process, have it as their remote port. */
static guint
count_server_fds (guint16 port)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/fd", 0, NULL);
  const char *name;
  guint n = 0;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    if (local_port (atoi (name)) == port)
      n++;
  return n;
}

/* A real ClientHello, as OpenSSL sends it. */
static GBytes *
client_hello (void)
{
  SSL_CTX *context = SSL_CTX_new (TLS_client_method ());
  SSL *ssl = SSL_new (context);
  BIO *in = BIO_new (BIO_s_mem ());
  BIO *out = BIO_new (BIO_s_mem ());
  char *data;
  long length;
  GBytes *hello;

  SSL_set_bio (ssl, in, out);
  SSL_set_tlsext_host_name (ssl, "localhost");
  g_assert_cmpint (SSL_connect (ssl), <=, 0);
  length = BIO_get_mem_data (out, &data);
  g_assert_cmpint (length, >, 5);
  hello = g_bytes_new (data, length);
  SSL_free (ssl);
  SSL_CTX_free (context);
  return hello;
}

/* Hostile peers: @silent connect and say nothing, @dripping send a
 * ClientHello one byte every DRIP_INTERVAL_MS; both connect again as soon
 * as the server drops them, until the test stops them. */
#define DRIP_INTERVAL_MS 100

typedef struct {
  guint16         port;
  guint           silent;
  guint           dripping;
  GBytes         *hello;
  gint            stop;
  GThread        *thread;
  /* Counted by the thread, read once it is joined. */
  guint           reconnects;
} Horde;

static gpointer
horde_run (gpointer data)
{
  Horde *horde = data;
  guint n = horde->silent + horde->dripping;
  struct pollfd *fds = g_new0 (struct pollfd, n);
  gsize *sent = g_new0 (gsize, n);
  gsize hello_length;
  const guint8 *hello = g_bytes_get_data (horde->hello, &hello_length);
  gint64 next_drip = g_get_monotonic_time ();

  for (guint i = 0; i < n; i++)
    {
      fds[i].fd = tcp_connect (horde->port, "127.0.0.1");
      fds[i].events = POLLIN;
    }
  while (!g_atomic_int_get (&horde->stop))
    {
      gint64 now = g_get_monotonic_time ();
      int wait = MAX (0, (int) ((next_drip - now) / 1000));

      if (poll (fds, n, MIN (wait, DRIP_INTERVAL_MS)) > 0)
        for (guint i = 0; i < n; i++)
          if (fds[i].revents != 0)
            {
              char buffer[512];

              /* Whatever the server says (an alert) is read; its end is
               * the cue to come back. */
              if (recv (fds[i].fd, buffer, sizeof buffer, MSG_DONTWAIT) > 0 || errno == EAGAIN)
                continue;
              close (fds[i].fd);
              fds[i].fd = tcp_connect (horde->port, "127.0.0.1");
              fds[i].revents = 0;
              sent[i] = 0;
              horde->reconnects++;
            }
      if (g_get_monotonic_time () >= next_drip)
        {
          next_drip += DRIP_INTERVAL_MS * 1000;
          for (guint i = horde->silent; i < n; i++)
            if (sent[i] < hello_length && send (fds[i].fd, hello + sent[i], 1, MSG_NOSIGNAL | MSG_DONTWAIT) == 1)
              sent[i]++;
        }
    }
  for (guint i = 0; i < n; i++)
    close (fds[i].fd);
  g_free (sent);
  g_free (fds);
  return NULL;
}

typedef struct {
  guint16  port;
  guint    server_fds_max;
  guint    served;          /* server side: sockets taken from the queue */
  guint    timed_out;       /* server side: handshakes dropped at the deadline */
  guint    made_room;       /* server side: the oldest dropped for a newcomer */
} Watch;

static void
on_pending_take (QsslServer *server,
                 Watch      *watch)
{
  QsslSocket *socket;

  while ((socket = qssl_server_next_pending_connection (server)) != NULL)
    {
      watch->served++;
      qssl_socket_abort (socket);
      g_object_unref (socket);
    }
}

static void
on_server_error (QsslServer      *server,
                 QsslSocket      *socket,
                 QsslSocketError  error,
                 Watch           *watch)
{
  if (error == QSSL_SOCKET_ERROR_SOCKET_TIMEOUT)
    watch->timed_out++;
  else if (error == QSSL_SOCKET_ERROR_SOCKET_RESOURCE)
    watch->made_room++;
}

static gboolean
sample_server_fds (gpointer data)
{
  Watch *watch = data;

  watch->server_fds_max = MAX (watch->server_fds_max, count_server_fds (watch->port));
  return G_SOURCE_CONTINUE;
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

/* A server with the default settings, 1,000 silent and 100 dripping peers
 * that keep coming back, and healthy clients one after another: each of
 * them gets its handshake done (within a generous 10 s, where before they
 * waited in the backlog behind the silent peers for 30 s and more) and is
 * served, and the server's descriptors stay within its limits. */
static void
test_hostile_load (void)
{
  Horde horde = { 0 };
  Watch watch = { 0 };
  g_autoptr(QsslServer) server = NULL;
  g_autoptr(GArray) latencies = g_array_new (FALSE, FALSE, sizeof (double));
  const guint n_healthy = count_from_env ("QSSL_ADMISSION_HEALTHY", UNDER_ASAN ? 20 : 25);
  guint sampler;
  guint bound;

  horde.silent = count_from_env ("QSSL_ADMISSION_SILENT", UNDER_ASAN ? 400 : 1000);
  horde.dripping = count_from_env ("QSSL_ADMISSION_DRIPPING", UNDER_ASAN ? 40 : 100);
  raise_fd_limit ();
  {
    struct rlimit limit;

    getrlimit (RLIMIT_NOFILE, &limit);
    if (limit.rlim_cur < 2 * (horde.silent + horde.dripping) + 2 * 1024 + 256)
      {
        g_test_skip ("RLIMIT_NOFILE's hard limit is too low for this many peers");
        return;
      }
  }

  server = server_new ();
  /* The defaults, which this is about. */
  g_assert_cmpint (qssl_server_get_max_pending_connections (server), ==, 30);
  g_assert_cmpint (qssl_server_get_max_handshakes (server), ==, 1024);
  g_assert_cmpint (qssl_server_get_handshake_timeout (server), ==, 5000);
  watch.port = qssl_server_get_server_port (server);
  g_signal_connect (server, "pending-connection-available", G_CALLBACK (on_pending_take), &watch);
  g_signal_connect (server, "error-occurred", G_CALLBACK (on_server_error), &watch);
  sampler = g_timeout_add (50, sample_server_fds, &watch);

  horde.port = watch.port;
  horde.hello = client_hello ();
  horde.thread = g_thread_new ("horde", horde_run, &horde);
  /* Let the horde fill the server first. */
  {
    gboolean never = FALSE;

    qssl_test_wait_for_flag (&never, 1500);
  }

  for (guint i = 0; i < n_healthy; i++)
    {
      g_autoptr(QsslSocket) client = client_connect (watch.port);
      g_autoptr(GError) error = NULL;
      guint served = watch.served;
      gint64 start = g_get_monotonic_time ();
      double latency;
      gboolean pause = FALSE;

      g_assert_true (wait_encrypted (client, 10000));
      g_assert_no_error (error);
      latency = (g_get_monotonic_time () - start) / 1000.0;
      g_array_append_val (latencies, latency);
      /* And the server hands it out: no healthy connection is lost. */
      while (watch.served == served && g_get_monotonic_time () - start < 10 * G_USEC_PER_SEC)
        g_main_context_iteration (NULL, TRUE);
      g_assert_cmpuint (watch.served, >, served);
      qssl_socket_abort (client);
      /* Spread over the handshake timeout, so that dropped peers come back
       * while healthy clients arrive. */
      qssl_test_wait_for_flag (&pause, 300);
    }

  g_atomic_int_set (&horde.stop, 1);
  g_thread_join (horde.thread);
  g_source_remove (sampler);
  g_bytes_unref (horde.hello);

  g_array_sort (latencies, compare_doubles);
  g_test_message ("%u healthy handshakes under %u silent + %u dripping peers: "
                  "min %.1f ms, median %.1f ms, max %.1f ms; %u reconnects, %u dropped at the deadline, "
                  "%u dropped for room; at most %u server fds",
                  n_healthy, horde.silent, horde.dripping, g_array_index (latencies, double, 0),
                  g_array_index (latencies, double, latencies->len / 2),
                  g_array_index (latencies, double, latencies->len - 1), horde.reconnects,
                  watch.timed_out, watch.made_room, watch.server_fds_max);
  /* The documented bound: max-handshakes + max-pending-connections, the
   * connections taken and not yet closed, and a few of the server's own. */
  bound = qssl_server_get_max_handshakes (server) + qssl_server_get_max_pending_connections (server) +
          SERVER_FD_ALLOWANCE;
  g_assert_cmpuint (watch.served, >=, n_healthy);
  g_assert_cmpuint (watch.server_fds_max, <=, bound);
  qssl_server_close (server);
}

/* GSocketService::incoming, before the server's own handler: the server
 * has taken the connection from the backlog (its handshake waits for the
 * client's first record). */
static gboolean
count_incoming (GSocketService    *service,
                GSocketConnection *connection,
                GObject           *source_object,
                guint             *count)
{
  (*count)++;
  return FALSE;
}

typedef struct {
  guint16          peer_port;
  QsslSocketError  error;
  guint            count;
} Dropped;

static void
on_dropped (QsslServer      *server,
            QsslSocket      *socket,
            QsslSocketError  error,
            Dropped         *dropped)
{
  dropped->peer_port = qssl_socket_get_peer_port (socket);
  dropped->error = error;
  dropped->count++;
}

static void
wait_for_count (guint *count,
                guint  at_least)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (*count < at_least && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (*count, >=, at_least);
}

/* max-handshakes 2 and three silent peers, one after another: the first
 * one's handshake is dropped to let the third in, not the third. */
static void
test_oldest_dropped (void)
{
  g_autoptr(QsslServer) server = server_new ();
  guint accepted = 0;
  Dropped dropped = { 0 };
  int peers[3];
  guint16 port = qssl_server_get_server_port (server);

  qssl_server_set_max_handshakes (server, 2);
  g_signal_connect (server, "incoming", G_CALLBACK (count_incoming), &accepted);
  g_signal_connect (server, "error-occurred", G_CALLBACK (on_dropped), &dropped);
  for (guint i = 0; i < 3; i++)
    {
      peers[i] = tcp_connect (port, "127.0.0.1");
      wait_for_count (&accepted, i + 1);
    }
  g_assert_cmpuint (dropped.count, ==, 1);
  g_assert_cmpint (dropped.error, ==, QSSL_SOCKET_ERROR_SOCKET_RESOURCE);
  g_assert_cmpuint (dropped.peer_port, ==, local_port (peers[0]));
  {
    gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

    while (!peer_closed (peers[0]) && g_get_monotonic_time () < deadline)
      g_main_context_iteration (NULL, FALSE);
  }
  g_assert_true (peer_closed (peers[0]));
  g_assert_false (peer_closed (peers[1]));
  g_assert_false (peer_closed (peers[2]));

  /* A healthy client still gets in (and drops the second). */
  {
    g_autoptr(QsslSocket) client = client_connect (port);
    g_autoptr(GError) error = NULL;

    g_assert_true (wait_encrypted (client, 10000));
    g_assert_no_error (error);
    g_assert_cmpuint (dropped.count, ==, 2);
    g_assert_cmpuint (dropped.peer_port, ==, local_port (peers[1]));
  }
  for (guint i = 0; i < 3; i++)
    close (peers[i]);
  qssl_server_close (server);
}

typedef struct {
  int     fd;
  GBytes *hello;
  gsize   sent;
} Drip;

static gboolean
drip_one (gpointer data)
{
  Drip *drip = data;
  gsize length;
  const guint8 *hello = g_bytes_get_data (drip->hello, &length);

  if (drip->sent < length && send (drip->fd, hello + drip->sent, 1, MSG_NOSIGNAL) == 1)
    drip->sent++;
  return G_SOURCE_CONTINUE;
}

/* A ClientHello sent a byte at a time does not keep the handshake alive:
 * the deadline counts from the accept, and the peer is dropped with
 * SocketTimeout long before its hello is complete. */
static void
test_drip_deadline (void)
{
  g_autoptr(QsslServer) server = server_new ();
  Dropped dropped = { 0 };
  Drip drip = { -1, client_hello (), 0 };
  gsize length = g_bytes_get_size (drip.hello);
  guint dripper;

  /* A byte per 20 ms: the hello would take length / 50 seconds, ten times
   * the deadline or more. */
  qssl_server_set_handshake_timeout (server, MAX (100, (int) length * 2));
  g_signal_connect (server, "error-occurred", G_CALLBACK (on_dropped), &dropped);
  drip.fd = tcp_connect (qssl_server_get_server_port (server), "127.0.0.1");
  dripper = g_timeout_add (20, drip_one, &drip);
  wait_for_count (&dropped.count, 1);
  g_source_remove (dripper);
  g_assert_cmpint (dropped.error, ==, QSSL_SOCKET_ERROR_SOCKET_TIMEOUT);
  g_test_message ("dropped after %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT " bytes", drip.sent, length);
  g_assert_cmpuint (drip.sent, >, 0);
  g_assert_cmpuint (drip.sent, <, length);
  close (drip.fd);
  g_bytes_unref (drip.hello);
  qssl_server_close (server);
}

static void
count_call (guint *count)
{
  (*count)++;
}

static gboolean
have_ipv6_loopback (void)
{
  int fd = socket (AF_INET6, SOCK_STREAM, 0);
  struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
  gboolean ok = fd >= 0 && bind (fd, (struct sockaddr *) &sin6, sizeof sin6) == 0;

  if (fd >= 0)
    close (fd);
  return ok;
}

/* max-handshakes-per-address 2: a third silent peer from 127.0.0.1 is
 * closed at once while the first two wait; another address is not
 * affected; once the two are gone, 127.0.0.1 gets in again. */
static void
test_per_address (void)
{
  g_autoptr(QsslServer) server = server_new ();
  guint16 port = qssl_server_get_server_port (server);
  guint accepted = 0, failed = 0;
  int peers[3];
  gint64 deadline;

  g_assert_cmpint (qssl_server_get_max_handshakes_per_address (server), ==, 0);
  qssl_server_set_max_handshakes_per_address (server, 2);
  g_signal_connect (server, "incoming", G_CALLBACK (count_incoming), &accepted);
  g_signal_connect_swapped (server, "error-occurred", G_CALLBACK (count_call), &failed);
  for (guint i = 0; i < 3; i++)
    {
      peers[i] = tcp_connect (port, "127.0.0.1");
      wait_for_count (&accepted, i + 1);
    }
  deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (!peer_closed (peers[2]) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, FALSE);
  g_assert_true (peer_closed (peers[2]));
  g_assert_false (peer_closed (peers[0]));
  g_assert_false (peer_closed (peers[1]));

  if (have_ipv6_loopback ())
    {
      int other = tcp_connect (port, "::1");

      wait_for_count (&accepted, 4);
      g_assert_false (peer_closed (other));
      close (other);
    }

  /* The two go; a healthy client from the same address is served. */
  close (peers[0]);
  close (peers[1]);
  close (peers[2]);
  {
    g_autoptr(QsslSocket) client = NULL;
    g_autoptr(GError) error = NULL;

    /* Their handshakes end (at the EOF) before the client comes. */
    wait_for_count (&failed, have_ipv6_loopback () ? 3 : 2);
    client = client_connect (port);
    g_assert_true (wait_encrypted (client, 10000));
    g_assert_no_error (error);
  }
  qssl_server_close (server);
}

typedef struct {
  guint            count;
  QsslSocketError  error;
} AcceptErrors;

static void
on_accept_error (QsslServer      *server,
                 QsslSocketError  error,
                 const char      *message,
                 AcceptErrors    *errors)
{
  errors->count++;
  errors->error = error;
}

static gboolean
keep_waking (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

/* In a process with RLIMIT_NOFILE 64: every descriptor taken, a client
 * connects and accept() fails; once the descriptors are free again the
 * server accepts it and completes its handshake by itself (no
 * resume_accepting()), and it did not spin meanwhile. */
static void
test_emfile_recovers (void)
{
  if (!g_test_subprocess ())
    {
      g_test_trap_subprocess (NULL, 60 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDERR);
      g_test_trap_assert_passed ();
      return;
    }

  struct rlimit limit = { 64, 64 };
  g_autoptr(QsslServer) server = NULL;
  guint accepted = 0;
  g_autoptr(GArray) hogs = g_array_new (FALSE, FALSE, sizeof (int));
  g_autoptr(GSocket) raw = NULL;
  g_autoptr(QsslSocket) client = NULL;
  g_autoptr(QsslConfiguration) client_configuration = qssl_test_client_configuration ();
  g_autoptr(GError) error = NULL;
  AcceptErrors errors = { 0 };
  guint waker = g_timeout_add (50, keep_waking, NULL);
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  gint64 first_error = 0, elapsed_ms;
  int fd, client_fd;

  getrlimit (RLIMIT_NOFILE, &limit);
  limit.rlim_cur = MIN ((rlim_t) 64, limit.rlim_max);
  g_assert_cmpint (setrlimit (RLIMIT_NOFILE, &limit), ==, 0);
  server = server_new ();
  g_signal_connect (server, "accept-error", G_CALLBACK (on_accept_error), &errors);
  g_signal_connect (server, "incoming", G_CALLBACK (count_incoming), &accepted);

  /* Every descriptor but one, which the client takes. */
  while ((fd = dup (0)) >= 0)
    g_array_append_val (hogs, fd);
  g_assert_cmpint (errno, ==, EMFILE);
  close (g_array_index (hogs, int, hogs->len - 1));
  g_array_set_size (hogs, hogs->len - 1);
  client_fd = tcp_connect (qssl_server_get_server_port (server), "127.0.0.1");

  while (errors.count == 0 && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (errors.count, >=, 1);
  g_assert_cmpint (errors.error, ==, QSSL_SOCKET_ERROR_SOCKET_RESOURCE);
  first_error = g_get_monotonic_time ();
  /* A while out of descriptors: the server tries again, with a backoff. */
  while (g_get_monotonic_time () - first_error < 500 * 1000)
    g_main_context_iteration (NULL, TRUE);
  elapsed_ms = (g_get_monotonic_time () - first_error) / 1000;
  g_test_message ("%u failed accepts in %" G_GINT64_FORMAT " ms", errors.count, elapsed_ms);
  g_assert_cmpuint (errors.count, >=, 2);
  /* Waits of 10, 20, 40 ... ms: a retry loop would fail thousands of times. */
  g_assert_cmpuint (errors.count, <=, 2 + g_bit_storage (elapsed_ms / 10 + 1));
  g_assert_cmpuint (accepted, ==, 0);

  for (guint i = 0; i < hogs->len; i++)
    close (g_array_index (hogs, int, i));
  /* No resume_accepting(): the server comes back by itself. */
  wait_for_count (&accepted, 1);
  g_assert_true (qssl_server_is_listening (server));

  /* And the connection it took is served. */
  fcntl (client_fd, F_SETFL, fcntl (client_fd, F_GETFL) & ~O_NONBLOCK);
  raw = g_socket_new_from_fd (client_fd, &error);
  g_assert_no_error (error);
  client = qssl_socket_new_from_socket (raw, &error);
  g_assert_no_error (error);
  qssl_socket_set_ssl_configuration (client, client_configuration);
  qssl_socket_set_peer_verify_name (client, "localhost");
  qssl_socket_start_client_encryption (client);
  g_assert_true (wait_encrypted (client, 10000));
  g_assert_no_error (error);
  g_source_remove (waker);
  qssl_server_close (server);
}

static void
on_taken (QsslServer  *server,
          QsslSocket **taken)
{
  if (*taken == NULL)
    *taken = qssl_server_next_pending_connection (server);
}

static void
on_socket_error (QsslSocket      *socket,
                 QsslSocketError  error,
                 Dropped         *dropped)
{
  dropped->error = error;
  dropped->count++;
}

/* idle-timeout on the server: an established connection that moves no
 * bytes is dropped with SocketTimeout, at both ends; one that keeps
 * talking for several periods is not. */
static void
test_idle_timeout (void)
{
  g_autoptr(QsslServer) server = server_new ();
  g_autoptr(QsslSocket) idle_client = NULL;
  g_autoptr(QsslSocket) busy_client = NULL;
  QsslSocket *idle_served = NULL, *busy_served = NULL;
  Dropped idle_dropped = { 0 }, busy_dropped = { 0 };
  g_autoptr(GError) error = NULL;
  guint16 port = qssl_server_get_server_port (server);
  gint64 start;

  g_assert_cmpint (qssl_server_get_idle_timeout (server), ==, 0);
  qssl_server_set_idle_timeout (server, 400);
  g_signal_connect (server, "pending-connection-available", G_CALLBACK (on_taken), &idle_served);
  idle_client = client_connect (port);
  g_assert_true (wait_encrypted (idle_client, 10000));
  g_assert_no_error (error);
  g_assert_true (qssl_test_wait_for_pointer ((gpointer *) &idle_served, 10000));
  g_assert_cmpint (qssl_socket_get_idle_timeout (idle_served), ==, 400);
  g_assert_cmpint (qssl_socket_get_idle_timeout (idle_client), ==, 0);
  g_signal_connect (idle_served, "error-occurred", G_CALLBACK (on_socket_error), &idle_dropped);

  g_signal_handlers_disconnect_by_func (server, on_taken, &idle_served);
  g_signal_connect (server, "pending-connection-available", G_CALLBACK (on_taken), &busy_served);
  busy_client = client_connect (port);
  g_assert_true (wait_encrypted (busy_client, 10000));
  g_assert_no_error (error);
  g_assert_true (qssl_test_wait_for_pointer ((gpointer *) &busy_served, 10000));
  g_signal_connect (busy_served, "error-occurred", G_CALLBACK (on_socket_error), &busy_dropped);

  /* The busy client writes every 100 ms for five periods. */
  start = g_get_monotonic_time ();
  while (g_get_monotonic_time () - start < 2 * G_USEC_PER_SEC)
    {
      gboolean never = FALSE;

      qssl_socket_write (busy_client, (const guint8 *) "x", 1);
      qssl_test_wait_for_flag (&never, 100);
      if (qssl_socket_bytes_available (busy_served) > 0)
        g_bytes_unref (qssl_socket_read_all (busy_served));
    }
  g_assert_cmpuint (idle_dropped.count, ==, 1);
  g_assert_cmpint (idle_dropped.error, ==, QSSL_SOCKET_ERROR_SOCKET_TIMEOUT);
  g_assert_cmpint (qssl_socket_get_state (idle_served), ==, QSSL_SOCKET_STATE_UNCONNECTED);
  g_assert_cmpuint (busy_dropped.count, ==, 0);
  g_assert_cmpint (qssl_socket_get_state (busy_served), ==, QSSL_SOCKET_STATE_CONNECTED);
  /* The idle client learns it too. */
  start = g_get_monotonic_time ();
  while (qssl_socket_get_state (idle_client) != QSSL_SOCKET_STATE_UNCONNECTED &&
         g_get_monotonic_time () - start < 10 * G_USEC_PER_SEC)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (qssl_socket_get_state (idle_client), ==, QSSL_SOCKET_STATE_UNCONNECTED);
  g_object_unref (idle_served);
  g_object_unref (busy_served);
  qssl_server_close (server);
}

static guint64
rss_bytes (void)
{
  g_autofree char *statm = NULL;
  guint64 pages = 0;

  if (g_file_get_contents ("/proc/self/statm", &statm, NULL, NULL))
    pages = g_ascii_strtoull (strchr (statm, ' ') + 1, NULL, 10);
  return pages * sysconf (_SC_PAGESIZE);
}

/* What a silent connection costs the server until its ClientHello: the
 * RSS over 2,000 of them, reported (the allocator makes it a measure, not
 * a bound to assert). */
static void
test_silent_memory (void)
{
  const guint n = count_from_env ("QSSL_ADMISSION_MEMORY_PEERS", 2000);
  g_autoptr(QsslServer) server = NULL;
  guint accepted = 0;
  g_autofree int *peers = g_new (int, n);
  guint64 before, after;

  if (UNDER_ASAN)
    {
      g_test_skip ("the RSS of a sanitized build says nothing");
      return;
    }
  raise_fd_limit ();
  server = server_new ();
  qssl_server_set_max_handshakes (server, 0);
  qssl_server_set_handshake_timeout (server, 60000);
  g_signal_connect (server, "incoming", G_CALLBACK (count_incoming), &accepted);
  /* Warm up: the first connections allocate what every later one shares. */
  for (guint i = 0; i < 50; i++)
    peers[i] = tcp_connect (qssl_server_get_server_port (server), "127.0.0.1");
  wait_for_count (&accepted, 50);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  before = rss_bytes ();
  for (guint i = 50; i < n; i++)
    peers[i] = tcp_connect (qssl_server_get_server_port (server), "127.0.0.1");
  wait_for_count (&accepted, n);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  after = rss_bytes ();
  /* The list of sockets is the test's, not the server's: 8 bytes each. */
  g_test_message ("%.1f KiB per silent connection (%u connections, RSS %+.1f MiB)",
                  (double) (after - before) / 1024.0 / (n - 50), n - 50,
                  (double) (after - before) / 1048576.0);
  for (guint i = 0; i < n; i++)
    close (peers[i]);
  qssl_server_close (server);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/qssl/admission/hostile-load", test_hostile_load);
  g_test_add_func ("/qssl/admission/oldest-dropped", test_oldest_dropped);
  g_test_add_func ("/qssl/admission/drip-deadline", test_drip_deadline);
  g_test_add_func ("/qssl/admission/per-address", test_per_address);
  g_test_add_func ("/qssl/admission/emfile-recovers", test_emfile_recovers);
  g_test_add_func ("/qssl/admission/idle-timeout", test_idle_timeout);
  g_test_add_func ("/qssl/admission/silent-memory", test_silent_memory);
  return g_test_run ();
}
