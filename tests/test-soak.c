/* test-soak.c: many connections at once, then many in a row, on one thread;
 * afterwards no file descriptor, socket object or memory may be left over
 *
 * Counts: 1,000 concurrent connections and 20,000 sequential handshakes.
 * Under AddressSanitizer, where each handshake is many times slower and the
 * whole suite must fit in CI, the counts are 250 and 500 (the full counts run
 * in the normal build), and RSS is not compared, as ASan's quarantine holds
 * freed memory on purpose; LeakSanitizer checks leaks instead.
 * QSSL_SOAK_CONCURRENT and QSSL_SOAK_SEQUENTIAL override the counts.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#ifdef __GLIBC__
# include <malloc.h>
#endif

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

/* What may be left after a run: a few fds for GLib's own wakeups and no
 * socket; RSS may move by the allocator's whims, not by a leak per
 * connection (a 1 KiB leak per handshake would be ~20 MiB here). */
#define FD_ALLOWANCE 4
#define RSS_ALLOWANCE_KIB (8 * 1024)

typedef struct {
  guint fds;
  guint live;
  guint rss_kib;
} Sample;

typedef struct {
  QsslServer *server;
  GPtrArray  *served;     /* server-side sockets */
  guint       live;       /* QsslSockets not finalized yet */
  guint       echoed;     /* clients that got their echo back */
  guint       failed;     /* clients that reported an error */
} Soak;

static guint
count_open_fds (void)
{
  return qssl_test_count_entries ("/proc/self/fd") - 1; /* the directory's own fd */
}

static guint
rss_kib (void)
{
  g_autofree char *status = NULL;
  const char *line;

  g_assert_true (g_file_get_contents ("/proc/self/status", &status, NULL, NULL));
  line = strstr (status, "\nVmRSS:");
  g_assert_nonnull (line);
  return (guint) g_ascii_strtoull (line + strlen ("\nVmRSS:"), NULL, 10);
}

static Sample
sample (Soak       *soak,
        const char *when)
{
  Sample s;

#ifdef __GLIBC__
  /* Give freed memory back, so RSS shows what is still in use. */
  malloc_trim (0);
#endif
  static gint64 start;

  if (start == 0)
    start = g_get_monotonic_time ();
  s = (Sample) { count_open_fds (), soak->live, rss_kib () };

  g_test_message ("%.1f s, %s: %u fds, %u live sockets, RSS %u KiB",
                  (g_get_monotonic_time () - start) / 1e6, when, s.fds, s.live, s.rss_kib);
  return s;
}

static guint
count_from_env (const char *name,
                guint       fallback)
{
  const char *value = g_getenv (name);

  return value != NULL ? (guint) atoi (value) : fallback;
}

static void
on_finalized (gpointer  data,
              GObject  *where_the_object_was)
{
  Soak *soak = data;

  soak->live--;
}

static void
track (Soak       *soak,
       QsslSocket *socket)
{
  g_object_weak_ref (G_OBJECT (socket), on_finalized, soak);
  soak->live++;
}

static void
on_pending (QsslServer *server,
            Soak       *soak)
{
  QsslSocket *socket;

  while ((socket = qssl_server_next_pending_connection (server)) != NULL)
    {
      track (soak, socket);
      g_signal_connect (socket, "ready-read", G_CALLBACK (qssl_test_echo), NULL);
      g_ptr_array_add (soak->served, socket);
      /* Data may have come with the handshake. */
      if (qssl_socket_bytes_available (socket) > 0)
        qssl_test_echo (socket, NULL);
    }
}

/* Without it, Nagle's algorithm and delayed ACKs cost ~40 ms per round
 * trip of small writes, and the run would mostly wait. */
static void
set_low_delay (QsslSocket *socket)
{
  qssl_socket_set_socket_option (socket, QSSL_SOCKET_OPTION_LOW_DELAY, 1);
}

static void
on_handshake_started (QsslServer *server,
                      QsslSocket *socket,
                      gpointer    user_data)
{
  set_low_delay (socket);
}

static void
on_client_encrypted (QsslSocket *socket,
                     gpointer    user_data)
{
  qssl_socket_write (socket, (const guint8 *) "ping", 4);
}

static void
on_client_ready_read (QsslSocket *socket,
                      Soak       *soak)
{
  if (qssl_socket_bytes_available (socket) >= 4)
    {
      g_autoptr(GBytes) data = qssl_socket_read_all (socket);

      g_assert_cmpmem (g_bytes_get_data (data, NULL), g_bytes_get_size (data), "ping", 4);
      soak->echoed++;
    }
}

static void
on_client_error (QsslSocket      *socket,
                 QsslSocketError  error,
                 Soak            *soak)
{
  g_test_message ("client error %d: %s", error, qssl_socket_get_error_string (socket));
  soak->failed++;
}

static QsslSocket *
client_new (Soak              *soak,
            QsslConfiguration *configuration)
{
  QsslSocket *client = qssl_socket_new ();

  track (soak, client);
  qssl_socket_set_ssl_configuration (client, configuration);
  g_signal_connect (client, "connected", G_CALLBACK (set_low_delay), NULL);
  g_signal_connect (client, "encrypted", G_CALLBACK (on_client_encrypted), NULL);
  g_signal_connect (client, "ready-read", G_CALLBACK (on_client_ready_read), soak);
  g_signal_connect (client, "error-occurred", G_CALLBACK (on_client_error), soak);
  /* An IP literal: no resolver thread per connection. */
  qssl_socket_connect_to_host_encrypted (client, "127.0.0.1", qssl_server_get_server_port (soak->server),
                                         QSSL_NETWORK_LAYER_PROTOCOL_IPV4);
  return client;
}

static void
soak_start (Soak *soak)
{
  g_autoptr(QsslConfiguration) configuration = qssl_test_server_configuration ("server-ec");
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GError) error = NULL;

  soak->served = g_ptr_array_new_with_free_func (g_object_unref);
  soak->server = qssl_server_new ();
  qssl_server_set_ssl_configuration (soak->server, configuration);
  qssl_server_set_max_pending_connections (soak->server, 0);
  /* A thousand handshakes queue up on one thread, for longer than the
   * default 5 s under ASan: the timeout is not what is tested here. */
  qssl_server_set_handshake_timeout (soak->server, 300000);
  g_assert_true (qssl_server_listen (soak->server, loopback, 0, &error));
  g_assert_no_error (error);
  g_signal_connect (soak->server, "pending-connection-available", G_CALLBACK (on_pending), soak);
  g_signal_connect (soak->server, "started-encryption-handshake", G_CALLBACK (on_handshake_started), NULL);
}

static void
soak_stop (Soak *soak)
{
  g_ptr_array_unref (soak->served);
  qssl_server_close (soak->server);
  g_clear_object (&soak->server);
  /* Let the sockets' idle sources and closes run. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static gboolean
on_deadline (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Iterates until @soak has @n answers (echoes or failures) or @timeout_ms. */
static void
wait_for_answers (Soak  *soak,
                  guint  n,
                  guint  timeout_ms)
{
  gboolean expired = FALSE;
  GSource *timer = g_timeout_source_new (timeout_ms);

  g_source_set_callback (timer, on_deadline, &expired, NULL);
  g_source_attach (timer, NULL);
  while (soak->echoed + soak->failed < n && !expired)
    g_main_context_iteration (NULL, TRUE);
  g_source_destroy (timer);
  g_source_unref (timer);
}

static gboolean
raise_fd_limit (guint needed)
{
  struct rlimit limit;

  g_assert_cmpint (getrlimit (RLIMIT_NOFILE, &limit), ==, 0);
  g_test_message ("RLIMIT_NOFILE: soft %lu, hard %lu", (gulong) limit.rlim_cur, (gulong) limit.rlim_max);
  limit.rlim_cur = limit.rlim_max;
  g_assert_cmpint (setrlimit (RLIMIT_NOFILE, &limit), ==, 0);
  return limit.rlim_cur == RLIM_INFINITY || limit.rlim_cur >= needed;
}

/* One connection through, so GLib's and OpenSSL's one-time state (the
 * context's wakeup fd, the parsed CA store, error strings) exists before
 * the first sample. */
static void
warm_up (void)
{
  Soak soak = { 0 };
  g_autoptr(QsslConfiguration) configuration = qssl_test_client_configuration ();
  QsslSocket *client;

  soak_start (&soak);
  client = client_new (&soak, configuration);
  wait_for_answers (&soak, 1, 60000);
  g_assert_cmpuint (soak.echoed, ==, 1);
  g_object_unref (client);
  soak_stop (&soak);
  g_assert_cmpuint (soak.live, ==, 0);
}

/* All clients at once, then all gone; twice, since the first burst leaves
 * the allocator's high-water mark behind and only the second can tell a
 * leak per connection from that. */
static void
test_concurrent (void)
{
  const guint n = count_from_env ("QSSL_SOAK_CONCURRENT", UNDER_ASAN ? 250 : 1000);
  g_autoptr(QsslConfiguration) configuration = qssl_test_client_configuration ();
  Sample before, first = { 0 };

  /* Two fds per connection (client and server end), plus slack. */
  if (!raise_fd_limit (2 * n + 64))
    {
      g_test_skip ("RLIMIT_NOFILE's hard limit is too low for this many connections");
      return;
    }
  warm_up ();
  {
    Soak nobody = { 0 };
    before = sample (&nobody, "before");
  }

  for (guint round = 1; round <= 2; round++)
    {
      g_autoptr(GPtrArray) clients = g_ptr_array_new_with_free_func (g_object_unref);
      Soak soak = { 0 };
      Sample during, after;

      soak_start (&soak);
      for (guint i = 0; i < n; i++)
        g_ptr_array_add (clients, client_new (&soak, configuration));
      wait_for_answers (&soak, n, 300000);
      during = sample (&soak, "all connected");
      g_assert_cmpuint (soak.failed, ==, 0);
      g_assert_cmpuint (soak.echoed, ==, n);
      g_assert_cmpuint (soak.served->len, ==, n);
      g_assert_cmpuint (during.live, ==, 2 * n);
      g_assert_cmpuint (during.fds, >=, before.fds + 2 * n);

      g_ptr_array_set_size (clients, 0);
      soak_stop (&soak);
      after = sample (&soak, "all gone");
      g_assert_cmpuint (after.live, ==, 0);
      g_assert_cmpuint (after.fds, <=, before.fds + FD_ALLOWANCE);
      if (round == 1)
        first = after;
      else if (!UNDER_ASAN)
        g_assert_cmpuint (after.rss_kib, <=, first.rss_kib + RSS_ALLOWANCE_KIB);
    }
}

static void
test_sequential (void)
{
  const guint n = count_from_env ("QSSL_SOAK_SEQUENTIAL", UNDER_ASAN ? 500 : 20000);
  const guint warm = MAX (n / 10, 1);
  g_autoptr(QsslConfiguration) configuration = qssl_test_client_configuration ();
  Soak soak = { 0 };
  Sample before, settled = { 0 }, after;

  warm_up ();
  before = sample (&soak, "before");
  soak_start (&soak);
  for (guint i = 0; i < n; i++)
    {
      QsslSocket *client = client_new (&soak, configuration);

      wait_for_answers (&soak, i + 1, 60000);
      g_assert_cmpuint (soak.failed, ==, 0);
      g_assert_cmpuint (soak.echoed, ==, i + 1);
      /* The server's end closes first, so TIME_WAIT stays off the
       * client's ephemeral ports. */
      g_assert_cmpuint (soak.served->len, ==, 1);
      qssl_socket_abort (g_ptr_array_index (soak.served, 0));
      g_ptr_array_set_size (soak.served, 0);
      qssl_socket_abort (client);
      g_object_unref (client);
      while (g_main_context_iteration (NULL, FALSE))
        ;
      g_assert_cmpuint (soak.live, ==, 0);
      if (i + 1 == warm)
        settled = sample (&soak, "after the first tenth");
      else if ((i + 1) % (n / 4 > 0 ? n / 4 : 1) == 0)
        {
          g_autofree char *when = g_strdup_printf ("after %u", i + 1);
          Sample during = sample (&soak, when);

          g_assert_cmpuint (during.fds, <=, before.fds + FD_ALLOWANCE + 2);
        }
    }
  soak_stop (&soak);
  after = sample (&soak, "after");
  g_assert_cmpuint (after.live, ==, 0);
  g_assert_cmpuint (after.fds, <=, before.fds + FD_ALLOWANCE);
  if (!UNDER_ASAN)
    g_assert_cmpuint (after.rss_kib, <=, settled.rss_kib + RSS_ALLOWANCE_KIB);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/qssl/soak/concurrent", test_concurrent);
  g_test_add_func ("/qssl/soak/sequential", test_sequential);

  return g_test_run ();
}
