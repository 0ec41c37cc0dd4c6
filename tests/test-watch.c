/* test-watch.c: many sockets on one GMainContext share its readiness
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The sockets of a context are woken through one shared readiness source
 * (epoll on Linux) or, with QSSL_WATCH_BACKEND=gsource, a source each.
 * What a user relies on either way: a handler may close or drop any other
 * socket while the events of the same wakeup are still being delivered; an
 * fd number that comes back belongs to the new socket only; sockets of
 * different contexts (and threads) never see each other's events; and
 * nothing is left open once the sockets are gone.
 */

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gio/gio.h>

#include "qssl-test-utils.h"

static gboolean
backend_is_epoll (void)
{
  const char *name = g_getenv ("QSSL_WATCH_BACKEND");

#ifdef __linux__
  return name == NULL || *name == '\0' || g_strcmp0 (name, "epoll") == 0;
#else
  return FALSE;
#endif
}

/* Open fds of the process, and how many of them are epoll instances. */
static guint
count_fds (guint *n_epoll)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/fd", 0, NULL);
  const char *name;
  guint count = 0;

  *n_epoll = 0;
  if (dir == NULL)
    return 0;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename ("/proc/self/fd", name, NULL);
      g_autofree char *target = g_file_read_link (path, NULL);

      count++;
      if (target != NULL && strstr (target, "eventpoll") != NULL)
        (*n_epoll)++;
    }
  return count - 1; /* the GDir's own */
}

/* A plain QsslSocket on one end of a socketpair; the test keeps the other. */
static QsslSocket *
adopt_pair (int *peer_fd)
{
  g_autoptr(GError) error = NULL;
  QsslSocket *socket = qssl_socket_new ();
  int fds[2];

  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), ==, 0);
  g_assert_true (qssl_socket_set_socket_descriptor (socket, fds[0], QSSL_SOCKET_STATE_CONNECTED, &error));
  g_assert_no_error (error);
  *peer_fd = fds[1];
  return socket;
}

static void
send_byte (int fd)
{
  g_assert_cmpint (write (fd, "x", 1), ==, 1);
}

/* Many sockets, one wakeup: handlers that kill other sockets */

#define N_SOCKETS 300

typedef struct {
  QsslSocket *sockets[N_SOCKETS];
  int         peers[N_SOCKETS];
  gboolean    got[N_SOCKETS];
  gboolean    killed[N_SOCKETS];
  guint       n_got;
  guint       n_killed;
  guint       n_done;    /* got or killed */
  int         how;
} Table;

typedef struct {
  Table *table;
  guint  index;
} Entry;

static Entry entries[N_SOCKETS];

static void
table_kill (Table *table,
            guint  victim)
{
  if (table->sockets[victim] == NULL)
    return;
  switch ((victim + table->how) % 3)
    {
    case 0:
      qssl_socket_abort (table->sockets[victim]);
      break;
    case 1:
      qssl_socket_close (table->sockets[victim]);
      break;
    default:
      break;
    }
  /* The last reference: the victim's watch is freed now, with its event
   * perhaps still to come in this wakeup. */
  g_clear_object (&table->sockets[victim]);
  table->killed[victim] = TRUE;
  table->n_killed++;
  if (!table->got[victim])
    table->n_done++;
}

static void
table_ready_read (QsslSocket *socket,
                  Entry      *entry)
{
  Table *table = entry->table;
  guint i = entry->index;
  char byte;

  g_assert_false (table->killed[i]);
  g_assert_false (table->got[i]);
  g_assert_cmpint (qssl_socket_read (socket, (guint8 *) &byte, 1), ==, 1);
  table->got[i] = TRUE;
  table->n_got++;
  table->n_done++;
  /* Neighbours late in the same batch and far ones in later batches. */
  table_kill (table, (i + 1) % N_SOCKETS);
  table_kill (table, (i * 7 + 150) % N_SOCKETS);
  /* And a socket that takes a freed slot and perhaps the freed fd. */
  if (i % 5 == 0)
    {
      guint j = (i + 1) % N_SOCKETS;

      if (table->sockets[j] == NULL && table->peers[j] >= 0)
        {
          close (table->peers[j]);
          table->peers[j] = -1;
        }
    }
}

static void
test_table_kill_others (void)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  Table *table = g_new0 (Table, 1);
  guint base_epoll, n_epoll, base_fds;
  gint64 deadline;

  g_main_context_push_thread_default (context);
  /* After the context's own wakeup fd, its epoll instance and what a
   * first socket opens once for the process (GLib's and OpenSSL's). */
  {
    int peer;
    QsslSocket *first = adopt_pair (&peer);

    g_object_unref (first);
    close (peer);
  }
  base_fds = count_fds (&base_epoll);
  for (guint round = 0; round < 3; round++)
    {
      memset (table, 0, sizeof *table);
      table->how = round;
      for (guint i = 0; i < N_SOCKETS; i++)
        {
          entries[i].table = table;
          entries[i].index = i;
          table->sockets[i] = adopt_pair (&table->peers[i]);
          g_signal_connect (table->sockets[i], "ready-read", G_CALLBACK (table_ready_read), &entries[i]);
        }
      /* Every socket readable before the loop runs: one wakeup reports
       * them all, in batches. */
      for (guint i = 0; i < N_SOCKETS; i++)
        send_byte (table->peers[i]);
      deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
      while (table->n_done < N_SOCKETS && g_get_monotonic_time () < deadline)
        g_main_context_iteration (context, TRUE);
      g_assert_cmpuint (table->n_done, ==, N_SOCKETS);
      g_assert_cmpuint (table->n_killed, >, N_SOCKETS / 4);
      /* Nothing comes for the dead, even after more iterations. */
      while (g_main_context_iteration (context, FALSE))
        ;
      for (guint i = 0; i < N_SOCKETS; i++)
        {
          g_assert_true (table->got[i] || table->killed[i]);
          g_clear_object (&table->sockets[i]);
          if (table->peers[i] >= 0)
            close (table->peers[i]);
        }
      while (g_main_context_iteration (context, FALSE))
        ;
    }
  g_main_context_pop_thread_default (context);
  g_free (table);
  /* No fd more than after the first socket: the context's one instance
   * served every round. */
  g_assert_cmpuint (count_fds (&n_epoll), ==, base_fds);
  g_assert_cmpuint (n_epoll, ==, base_epoll);
}

/* One wakeup polls the same number of fds for 1 or 300 sockets. */
static guint
context_poll_fds (GMainContext *context)
{
  GPollFD fds[1024];
  gint priority, timeout;
  gint n;

  g_assert_true (g_main_context_acquire (context));
  g_main_context_prepare (context, &priority);
  n = g_main_context_query (context, G_MAXINT, &timeout, fds, G_N_ELEMENTS (fds));
  g_main_context_check (context, priority, fds, MIN (n, (gint) G_N_ELEMENTS (fds)));
  g_main_context_release (context);
  return (guint) n;
}

static void
test_shared_poll (void)
{
  GMainContext *context;
  QsslSocket *sockets[N_SOCKETS];
  int peers[N_SOCKETS];
  guint one, all, n_epoll, base_epoll;

  if (!backend_is_epoll ())
    {
      g_test_skip ("a source per socket with QSSL_WATCH_BACKEND=gsource");
      return;
    }
  context = g_main_context_new ();
  (void) count_fds (&base_epoll);
  g_main_context_push_thread_default (context);
  sockets[0] = adopt_pair (&peers[0]);
  one = context_poll_fds (context);
  for (guint i = 1; i < N_SOCKETS; i++)
    sockets[i] = adopt_pair (&peers[i]);
  all = context_poll_fds (context);
  g_assert_cmpuint (all, ==, one);
  (void) count_fds (&n_epoll);
  g_assert_cmpuint (n_epoll, ==, base_epoll + 1);
  for (guint i = 0; i < N_SOCKETS; i++)
    {
      g_object_unref (sockets[i]);
      close (peers[i]);
    }
  /* Idle with its context, for the next socket: the same instance. */
  while (g_main_context_iteration (context, FALSE))
    ;
  (void) count_fds (&n_epoll);
  g_assert_cmpuint (n_epoll, ==, base_epoll + 1);
  sockets[0] = adopt_pair (&peers[0]);
  g_assert_cmpuint (context_poll_fds (context), ==, one);
  (void) count_fds (&n_epoll);
  g_assert_cmpuint (n_epoll, ==, base_epoll + 1);
  g_object_unref (sockets[0]);
  close (peers[0]);
  g_main_context_pop_thread_default (context);
  /* It goes with the context. */
  g_main_context_unref (context);
  (void) count_fds (&n_epoll);
  g_assert_cmpuint (n_epoll, ==, base_epoll);
}

/* fd numbers that come back */

typedef struct {
  guint reads;
} Counter;

static void
count_read (QsslSocket *socket,
            Counter    *counter)
{
  g_autoptr(GBytes) data = qssl_socket_read_all (socket);

  counter->reads += g_bytes_get_size (data);
}

static gboolean
iterate_until (GMainContext *context,
               guint        *value,
               guint         wanted)
{
  gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

  while (*value < wanted && g_get_monotonic_time () < deadline)
    g_main_context_iteration (context, FALSE) || (g_usleep (1000), TRUE);
  return *value >= wanted;
}

/* A socket closed, and the next one opened at once gets its fd number: the
 * new socket is woken, the old one is not. */
static void
test_fd_reuse_after_close (void)
{
  GMainContext *context = g_main_context_ref_thread_default ();
  Counter a_count = { 0 }, b_count = { 0 };
  int a_peer, b_peer, a_fd;
  QsslSocket *a = adopt_pair (&a_peer);
  QsslSocket *b;

  g_signal_connect (a, "ready-read", G_CALLBACK (count_read), &a_count);
  send_byte (a_peer);
  g_assert_true (iterate_until (context, &a_count.reads, 1));
  a_fd = g_socket_get_fd (g_socket_connection_get_socket (G_SOCKET_CONNECTION (a)));
  qssl_socket_abort (a);
  close (a_peer);
  b = adopt_pair (&b_peer);
  g_signal_connect (b, "ready-read", G_CALLBACK (count_read), &b_count);
  g_assert_cmpint (g_socket_get_fd (g_socket_connection_get_socket (G_SOCKET_CONNECTION (b))), ==, a_fd);
  /* The old socket goes only now: what it drops is not the new one's. */
  g_object_unref (a);
  send_byte (b_peer);
  g_assert_true (iterate_until (context, &b_count.reads, 1));
  g_assert_cmpuint (a_count.reads, ==, 1);
  g_object_unref (b);
  close (b_peer);
  g_main_context_unref (context);
}

/* The application closed a socket's fd behind its back and the number was
 * given to a new socket: the events of that fd are the new socket's only. */
static void
test_fd_reuse_behind_back (void)
{
  GMainContext *context = g_main_context_ref_thread_default ();
  Counter a_count = { 0 }, b_count = { 0 };
  int a_peer, b_peer, a_fd;
  QsslSocket *a, *b;

  if (!backend_is_epoll ())
    {
      /* Both sources poll the number; the older one takes the data. */
      g_test_skip ("a source per socket cannot tell the two files apart");
      g_main_context_unref (context);
      return;
    }
  a = adopt_pair (&a_peer);
  g_signal_connect (a, "ready-read", G_CALLBACK (count_read), &a_count);
  /* A registered and watching its fd. */
  while (g_main_context_iteration (context, FALSE))
    ;
  a_fd = g_socket_get_fd (g_socket_connection_get_socket (G_SOCKET_CONNECTION (a)));
  close (a_fd);
  b = adopt_pair (&b_peer);
  g_signal_connect (b, "ready-read", G_CALLBACK (count_read), &b_count);
  g_assert_cmpint (g_socket_get_fd (g_socket_connection_get_socket (G_SOCKET_CONNECTION (b))), ==, a_fd);
  send_byte (b_peer);
  g_assert_true (iterate_until (context, &b_count.reads, 1));
  g_assert_cmpuint (a_count.reads, ==, 0);
  /* B goes first: A's close then meets a closed number. */
  g_object_unref (b);
  close (b_peer);
  g_object_unref (a);
  close (a_peer);
  g_main_context_unref (context);
}

/* A socket's fd closed behind its back while the file stays open
 * elsewhere (a dup here; a forked child alike): the kernel keeps that
 * registration and no epoll_ctl() can reach it any more. Its events must
 * not keep the context busy, with other sockets or with none left. */
static guint
busy_iterations (GMainContext *context)
{
  guint n = 0;

  while (n < 50 && g_main_context_iteration (context, FALSE))
    n++;
  return n;
}

static void
test_fd_closed_behind_back_kept_open (void)
{
  GMainContext *context = g_main_context_new ();
  int a_peer, b_peer, a_fd, kept;
  QsslSocket *a, *b;

  if (!backend_is_epoll ())
    {
      g_test_skip ("a GSource per socket goes with its socket");
      g_main_context_unref (context);
      return;
    }
  g_main_context_push_thread_default (context);
  a = adopt_pair (&a_peer);
  b = adopt_pair (&b_peer);
  g_assert_cmpuint (busy_iterations (context), <, 50);
  a_fd = g_socket_get_fd (g_socket_connection_get_socket (G_SOCKET_CONNECTION (a)));
  kept = dup (a_fd);
  close (a_fd);
  /* The file, still open through the dup, becomes readable for good. */
  send_byte (a_peer);
  g_object_unref (a);
  g_assert_cmpuint (busy_iterations (context), <, 50);
  /* The same with no socket left on the context. */
  g_object_unref (b);
  close (b_peer);
  send_byte (a_peer);
  g_assert_cmpuint (busy_iterations (context), <, 50);
  close (kept);
  close (a_peer);
  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);
}

/* A handler that iterates its context (as a blocking wait may) */

typedef struct {
  QsslSocket *a, *b;
  int         a_peer, b_peer;
  guint       a_depth, a_calls, b_calls;
} Nested;

static void
nested_b_read (QsslSocket *socket,
               Nested     *nested)
{
  g_autoptr(GBytes) data = qssl_socket_read_all (socket);

  nested->b_calls++;
}

static void
nested_a_read (QsslSocket *socket,
               Nested     *nested)
{
  g_autoptr(GBytes) data = qssl_socket_read_all (socket);
  gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

  g_assert_cmpuint (nested->a_depth, ==, 0);
  nested->a_calls++;
  if (nested->a_calls > 1)
    return;
  nested->a_depth++;
  /* A is readable again while its handler runs, and B too: the nested
   * iterations serve B and leave A to its running handler. */
  send_byte (nested->a_peer);
  send_byte (nested->b_peer);
  while (nested->b_calls == 0 && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  nested->a_depth--;
}

static void
test_nested_iteration (void)
{
  GMainContext *context = g_main_context_ref_thread_default ();
  Nested nested = { 0 };

  nested.a = adopt_pair (&nested.a_peer);
  nested.b = adopt_pair (&nested.b_peer);
  g_signal_connect (nested.a, "ready-read", G_CALLBACK (nested_a_read), &nested);
  g_signal_connect (nested.b, "ready-read", G_CALLBACK (nested_b_read), &nested);
  send_byte (nested.a_peer);
  g_assert_true (iterate_until (context, &nested.a_calls, 1));
  g_assert_cmpuint (nested.b_calls, ==, 1);
  /* A's second byte comes once its handler has returned. */
  g_assert_true (iterate_until (context, &nested.a_calls, 2));
  g_object_unref (nested.a);
  g_object_unref (nested.b);
  close (nested.a_peer);
  close (nested.b_peer);
  g_main_context_unref (context);
}

/* A forked child that drops the sockets it inherited leaves the parent's
 * watched (it shares the parent's epoll instance until it touches it). */
static void
test_fork_child_drops_sockets (void)
{
  GMainContext *context = g_main_context_ref_thread_default ();
  Counter count = { 0 };
  int peer, status;
  QsslSocket *socket = adopt_pair (&peer);
  pid_t child;

  g_signal_connect (socket, "ready-read", G_CALLBACK (count_read), &count);
  send_byte (peer);
  g_assert_true (iterate_until (context, &count.reads, 1));

  child = fork ();
  g_assert_cmpint (child, >=, 0);
  if (child == 0)
    {
      /* Stops watching and closes its copy of the fd. */
      qssl_socket_abort (socket);
      _exit (0);
    }
  g_assert_cmpint (waitpid (child, &status, 0), ==, child);
  g_assert_true (WIFEXITED (status) && WEXITSTATUS (status) == 0);

  send_byte (peer);
  g_assert_true (iterate_until (context, &count.reads, 2));
  g_object_unref (socket);
  close (peer);
  g_main_context_unref (context);
}

/* Contexts and threads */

typedef struct {
  GMainContext *context;
  QsslSocket   *sockets[50];
  int           peers[50];
  Counter       counter;
} Side;

static void
side_open (Side *side)
{
  side->context = g_main_context_new ();
  g_main_context_push_thread_default (side->context);
  for (guint i = 0; i < G_N_ELEMENTS (side->sockets); i++)
    {
      side->sockets[i] = adopt_pair (&side->peers[i]);
      g_signal_connect (side->sockets[i], "ready-read", G_CALLBACK (count_read), &side->counter);
    }
  g_main_context_pop_thread_default (side->context);
}

static void
side_close (Side *side)
{
  for (guint i = 0; i < G_N_ELEMENTS (side->sockets); i++)
    {
      g_object_unref (side->sockets[i]);
      close (side->peers[i]);
    }
  while (g_main_context_iteration (side->context, FALSE))
    ;
  g_main_context_unref (side->context);
}

static gpointer
side_thread (gpointer data)
{
  Side *side = data;

  g_main_context_push_thread_default (side->context);
  for (guint round = 1; round <= 20; round++)
    {
      for (guint i = 0; i < G_N_ELEMENTS (side->sockets); i++)
        send_byte (side->peers[i]);
      g_assert_true (iterate_until (side->context, &side->counter.reads, round * G_N_ELEMENTS (side->sockets)));
    }
  g_main_context_pop_thread_default (side->context);
  return NULL;
}

/* Sockets of two contexts: each context wakes only its own, also while the
 * other runs in a thread of its own; each context's instance goes with
 * the context. */
static void
test_two_contexts (void)
{
  Side one = { 0 }, two = { 0 };
  guint base_epoll, n_epoll;
  GThread *thread;

  (void) count_fds (&base_epoll);
  side_open (&one);
  side_open (&two);
  (void) count_fds (&n_epoll);
  if (backend_is_epoll ())
    g_assert_cmpuint (n_epoll, ==, base_epoll + 2);

  for (guint i = 0; i < G_N_ELEMENTS (one.sockets); i++)
    send_byte (one.peers[i]);
  g_assert_true (iterate_until (one.context, &one.counter.reads, G_N_ELEMENTS (one.sockets)));
  /* Nothing of context one reached context two. */
  while (g_main_context_iteration (two.context, FALSE))
    ;
  g_assert_cmpuint (two.counter.reads, ==, 0);

  /* Both at once, one of them in another thread. */
  one.counter.reads = 0;
  thread = g_thread_new ("two", side_thread, &two);
  g_main_context_push_thread_default (one.context);
  for (guint round = 1; round <= 20; round++)
    {
      for (guint i = 0; i < G_N_ELEMENTS (one.sockets); i++)
        send_byte (one.peers[i]);
      g_assert_true (iterate_until (one.context, &one.counter.reads, round * G_N_ELEMENTS (one.sockets)));
    }
  g_main_context_pop_thread_default (one.context);
  g_thread_join (thread);
  g_assert_cmpuint (one.counter.reads, ==, 20 * G_N_ELEMENTS (one.sockets));
  g_assert_cmpuint (two.counter.reads, ==, 20 * G_N_ELEMENTS (two.sockets));

  side_close (&one);
  (void) count_fds (&n_epoll);
  if (backend_is_epoll ())
    g_assert_cmpuint (n_epoll, ==, base_epoll + 1);
  side_close (&two);
  (void) count_fds (&n_epoll);
  g_assert_cmpuint (n_epoll, ==, base_epoll);
}

/* A server with handshakes in flight */

static guint
source_id_mark (GMainContext *context)
{
  GSource *mark = g_idle_source_new ();
  guint id = g_source_attach (mark, context);

  g_source_destroy (mark);
  g_source_unref (mark);
  return id;
}

/* Sources of @context attached between two marks, and how many of them
 * are called @name. */
static guint
count_sources (GMainContext *context,
               guint         from,
               guint         to,
               const char   *name,
               guint        *named)
{
  guint count = 0;

  *named = 0;
  for (guint id = from + 1; id < to; id++)
    {
      GSource *source = g_main_context_find_source_by_id (context, id);

      if (source == NULL || g_source_is_destroyed (source))
        continue;
      count++;
      if (g_strcmp0 (g_source_get_name (source), name) == 0)
        (*named)++;
    }
  return count;
}

/* Round trips on sockets that stay open */

static void
count_signal_uint (guint      *count,
                   QsslSocket *socket)
{
  (*count)++;
}

typedef struct {
  guint reads;     /* bytes the socket read */
  guint written;   /* bytes-written emissions */
  guint encrypted_written;
  gboolean echo;   /* answers each 4 bytes with 4 */
} Trips;

static void
trips_ready_read (QsslSocket *socket,
                  Trips      *trips)
{
  char byte;

  /* One byte at a time: what OpenSSL decrypted beyond it is delivered by
   * the socket's pending-plaintext pump, not by the fd. */
  while (qssl_socket_read (socket, (guint8 *) &byte, 1) == 1)
    {
      trips->reads++;
      if (trips->echo && trips->reads % 4 == 0)
        g_assert_cmpint (qssl_socket_write (socket, (const guint8 *) "pong", 4), ==, 4);
      if (qssl_socket_get_read_buffer_size (socket) > 0)
        break;
    }
}

static void
trips_bytes_written (QsslSocket *socket,
                     gint64      bytes,
                     Trips      *trips)
{
  trips->written++;
}

static void
trips_encrypted_bytes_written (QsslSocket *socket,
                               gint64      bytes,
                               Trips      *trips)
{
  trips->encrypted_written++;
}

static void
trips_watch (QsslSocket *socket,
             Trips      *trips)
{
  g_signal_connect (socket, "ready-read", G_CALLBACK (trips_ready_read), trips);
  g_signal_connect (socket, "bytes-written", G_CALLBACK (trips_bytes_written), trips);
  g_signal_connect (socket, "encrypted-bytes-written", G_CALLBACK (trips_encrypted_bytes_written), trips);
}

#define N_TRIPS 20

/* A plain socket: each write's bytes-written comes from the main loop,
 * through a call the socket made once, not a source per write. */
static void
test_round_trips_plain (void)
{
  GMainContext *context = g_main_context_ref_thread_default ();
  Trips trips = { 0 };
  int peer;
  QsslSocket *socket = adopt_pair (&peer);
  guint from = 0, to;

  trips_watch (socket, &trips);
  for (guint round = 1; round <= N_TRIPS; round++)
    {
      char request[4];

      /* The first round may make what the context's sockets share. */
      if (round == 2)
        from = source_id_mark (context);
      g_assert_cmpint (qssl_socket_write (socket, (const guint8 *) "ping", 4), ==, 4);
      g_assert_true (iterate_until (context, &trips.written, round));
      g_assert_cmpint (read (peer, request, sizeof request), ==, 4);
      g_assert_cmpint (write (peer, "pong", 4), ==, 4);
      g_assert_true (iterate_until (context, &trips.reads, round * 4));
    }
  to = source_id_mark (context);
  g_assert_cmpuint (trips.written, ==, N_TRIPS);
  if (backend_is_epoll ())
    g_assert_cmpuint (to, ==, from + 1);

  g_object_unref (socket);
  close (peer);
  while (g_main_context_iteration (context, FALSE))
    ;
  g_main_context_unref (context);
}

/* What a socket defers from a wakeup (the bytes-written of a reply written
 * in ready-read) comes after the handler returns, never from inside
 * write(); with the shared readiness it comes in the same iteration of the
 * context, without one more poll(). A bytes-written handler that writes
 * again gets the next one an iteration later, never in the same run, so
 * such a chain cannot hold the loop. */
typedef struct
{
  guint ready_reads;
  guint written;
  guint chain;
} Deferred;

static void
deferred_ready_read (QsslSocket *socket,
                     Deferred   *deferred)
{
  char byte;

  deferred->ready_reads++;
  g_assert_cmpint (qssl_socket_read (socket, (guint8 *) &byte, 1), ==, 1);
  g_assert_cmpint (qssl_socket_write (socket, (const guint8 *) "y", 1), ==, 1);
  g_assert_cmpuint (deferred->written, ==, 0);
}

static void
deferred_bytes_written (QsslSocket *socket,
                        gint64      bytes,
                        Deferred   *deferred)
{
  deferred->written++;
  if (deferred->written < deferred->chain)
    g_assert_cmpint (qssl_socket_write (socket, (const guint8 *) "z", 1), ==, 1);
}

static void
test_deferred_after_wakeup (void)
{
  GMainContext *context = g_main_context_ref_thread_default ();
  Deferred deferred = { .chain = 5 };
  char echo[8];
  int peer;
  QsslSocket *socket = adopt_pair (&peer);

  g_signal_connect (socket, "ready-read", G_CALLBACK (deferred_ready_read), &deferred);
  g_signal_connect (socket, "bytes-written", G_CALLBACK (deferred_bytes_written), &deferred);
  send_byte (peer);
  while (deferred.ready_reads == 0)
    g_main_context_iteration (context, TRUE);
  if (backend_is_epoll ())
    g_assert_cmpuint (deferred.written, ==, 1);
  else
    g_assert_true (iterate_until (context, &deferred.written, 1));
  for (guint i = 2; i <= deferred.chain; i++)
    {
      g_main_context_iteration (context, FALSE);
      g_assert_cmpuint (deferred.written, ==, i);
    }
  g_assert_cmpint (read (peer, echo, sizeof echo), ==, (gssize) deferred.chain);

  g_object_unref (socket);
  close (peer);
  while (g_main_context_iteration (context, FALSE))
    ;
  g_main_context_unref (context);
}

/* TLS on both ends, on one context: requests, answers, bytes-written and
 * encrypted-bytes-written on both sides and a server that reads one byte at a
 * time (its read buffer holds one) attach nothing after the first round.
 * The idle-timeout checks of both sockets are timers of the context's shared
 * source, not a source each. */
static void
test_round_trips_tls (void)
{
  GMainContext *context = g_main_context_ref_thread_default ();
  g_autoptr(QsslConfiguration) server_configuration = qssl_test_server_configuration ("server-ec");
  g_autoptr(QsslConfiguration) client_configuration = qssl_test_client_configuration ();
  g_autoptr(QsslServer) server = qssl_server_new ();
  g_autoptr(QsslSocket) client = qssl_socket_new ();
  g_autoptr(QsslSocket) accepted = NULL;
  g_autoptr(GError) error = NULL;
  Trips client_trips = { 0 }, server_trips = { .echo = TRUE };
  guint encrypted = 0, from = 0, to, start, named;
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  start = source_id_mark (context);
  qssl_server_set_ssl_configuration (server, server_configuration);
  qssl_server_set_idle_timeout (server, 60000);
  qssl_socket_set_idle_timeout (client, 60000);
  g_assert_true (qssl_server_listen (server, NULL, 0, &error));
  g_assert_no_error (error);
  qssl_socket_set_ssl_configuration (client, client_configuration);
  g_signal_connect_swapped (client, "encrypted", G_CALLBACK (count_signal_uint), &encrypted);
  qssl_socket_connect_to_host_encrypted (client, "localhost", qssl_server_get_server_port (server),
                                         QSSL_NETWORK_LAYER_PROTOCOL_IPV4);
  while ((accepted == NULL || encrypted == 0) && g_get_monotonic_time () < deadline)
    {
      g_main_context_iteration (context, FALSE) || (g_usleep (1000), TRUE);
      if (accepted == NULL)
        accepted = qssl_server_next_pending_connection (server);
    }
  g_assert_nonnull (accepted);
  g_assert_cmpuint (encrypted, ==, 1);
  qssl_socket_set_read_buffer_size (accepted, 1);
  trips_watch (accepted, &server_trips);
  trips_watch (client, &client_trips);

  for (guint round = 1; round <= N_TRIPS; round++)
    {
      if (round == 2)
        from = source_id_mark (context);
      g_assert_cmpint (qssl_socket_write (client, (const guint8 *) "ping", 4), ==, 4);
      g_assert_true (iterate_until (context, &client_trips.reads, round * 4));
      g_assert_true (iterate_until (context, &server_trips.written, round));
    }
  to = source_id_mark (context);
  g_assert_cmpuint (server_trips.reads, ==, 4 * N_TRIPS);
  g_assert_cmpuint (client_trips.written, >=, N_TRIPS / 2);
  g_assert_cmpuint (client_trips.encrypted_written, >=, 1);
  g_assert_cmpuint (server_trips.encrypted_written, >=, 1);
  if (backend_is_epoll ())
    g_assert_cmpuint (to, ==, from + 1);
  (void) count_sources (context, start, to, "[qssl] idle timeout", &named);
  g_assert_cmpuint (named, ==, 0);

  qssl_socket_abort (client);
  qssl_socket_abort (accepted);
  qssl_server_close (server);
  while (g_main_context_iteration (context, FALSE))
    ;
  g_main_context_unref (context);
}

static void
count_timeouts (QsslServer      *server,
                QsslSocket      *socket,
                QsslSocketError  error,
                guint           *timed_out)
{
  g_assert_cmpint (error, ==, QSSL_SOCKET_ERROR_SOCKET_TIMEOUT);
  (*timed_out)++;
}

static gboolean
count_incoming (GSocketService    *service,
                GSocketConnection *connection,
                GObject           *source_object,
                guint             *count)
{
  (*count)++;
  return FALSE;
}

#define N_SILENT 50

/* Clients that connect and say nothing: the server's handshakes wait on the
 * context's shared readiness and timer sources, not on a source each, and
 * each one still times out. */
static void
test_server_handshakes_in_flight (void)
{
  GMainContext *context = g_main_context_ref_thread_default ();
  g_autoptr(QsslConfiguration) configuration = qssl_test_server_configuration ("server-ec");
  g_autoptr(QsslServer) server = qssl_server_new ();
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GError) error = NULL;
  GSocketConnection *connections[N_SILENT];
  guint started = 0, timed_out = 0, named, one, all, from;
  guint16 port;

  qssl_server_set_ssl_configuration (server, configuration);
  qssl_server_set_max_pending_connections (server, 0);
  qssl_server_set_handshake_timeout (server, 500);
  /* Accepted, not started: a silent client's handshake starts with its
   * first record. */
  g_signal_connect (server, "incoming", G_CALLBACK (count_incoming), &started);
  g_signal_connect (server, "error-occurred", G_CALLBACK (count_timeouts), &timed_out);
  g_assert_true (qssl_server_listen (server, NULL, 0, &error));
  g_assert_no_error (error);
  port = qssl_server_get_server_port (server);

  from = source_id_mark (context);
  connections[0] = g_socket_client_connect_to_host (client, "127.0.0.1", port, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (iterate_until (context, &started, 1));
  one = count_sources (context, from, source_id_mark (context), "[qssl] handshake timeout", &named);
  g_assert_cmpuint (named, ==, 0);
  for (guint i = 1; i < N_SILENT; i++)
    {
      connections[i] = g_socket_client_connect_to_host (client, "127.0.0.1", port, NULL, &error);
      g_assert_no_error (error);
    }
  g_assert_true (iterate_until (context, &started, N_SILENT));
  all = count_sources (context, from, source_id_mark (context), "[qssl] handshake timeout", &named);
  g_assert_cmpuint (named, ==, 0);
  if (backend_is_epoll ())
    g_assert_cmpuint (all, ==, one);

  g_assert_true (iterate_until (context, &timed_out, N_SILENT));
  g_assert_cmpuint (timed_out, ==, N_SILENT);
  for (guint i = 0; i < N_SILENT; i++)
    g_object_unref (connections[i]);
  qssl_server_close (server);
  while (g_main_context_iteration (context, FALSE))
    ;
  g_main_context_unref (context);
}

static gboolean
record_incoming (GSocketService    *service,
                 GSocketConnection *connection,
                 GObject           *source_object,
                 GObject          **seen)
{
  g_set_object (seen, source_object);
  return FALSE;
}

/* Sockets added through GSocketListener's own API are served too, with
 * their source object, beside the ones listen() made. */
static void
test_server_listener_api (void)
{
  GMainContext *context = g_main_context_ref_thread_default ();
  g_autoptr(QsslConfiguration) configuration = qssl_test_server_configuration ("server-ec");
  g_autoptr(QsslServer) server = qssl_server_new ();
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GObject) tag = g_object_new (G_TYPE_OBJECT, NULL);
  g_autoptr(GObject) seen = NULL;
  g_autoptr(GSocketConnection) first = NULL;
  g_autoptr(GSocketConnection) second = NULL;
  guint started = 0;
  guint16 port;

  qssl_server_set_ssl_configuration (server, configuration);
  g_signal_connect (server, "incoming", G_CALLBACK (count_incoming), &started);
  g_signal_connect (server, "incoming", G_CALLBACK (record_incoming), &seen);
  g_assert_true (qssl_server_listen (server, NULL, 0, &error));
  g_assert_no_error (error);
  first = g_socket_client_connect_to_host (client, "127.0.0.1", qssl_server_get_server_port (server), NULL, &error);
  g_assert_no_error (error);
  g_assert_true (iterate_until (context, &started, 1));
  g_assert_null (seen);

  port = g_socket_listener_add_any_inet_port (G_SOCKET_LISTENER (server), tag, &error);
  g_assert_no_error (error);
  second = g_socket_client_connect_to_host (client, "127.0.0.1", port, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (iterate_until (context, &started, 2));
  g_assert_true (seen == tag);

  qssl_server_close (server);
  while (g_main_context_iteration (context, FALSE))
    ;
  g_main_context_unref (context);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/qssl/watch/table-kill-others", test_table_kill_others);
  g_test_add_func ("/qssl/watch/shared-poll", test_shared_poll);
  g_test_add_func ("/qssl/watch/fd-reuse/after-close", test_fd_reuse_after_close);
  g_test_add_func ("/qssl/watch/fd-reuse/behind-back", test_fd_reuse_behind_back);
  g_test_add_func ("/qssl/watch/fd-closed-behind-back-kept-open", test_fd_closed_behind_back_kept_open);
  g_test_add_func ("/qssl/watch/nested-iteration", test_nested_iteration);
  g_test_add_func ("/qssl/watch/fork-child-drops-sockets", test_fork_child_drops_sockets);
  g_test_add_func ("/qssl/watch/two-contexts", test_two_contexts);
  g_test_add_func ("/qssl/watch/round-trips/plain", test_round_trips_plain);
  g_test_add_func ("/qssl/watch/round-trips/tls", test_round_trips_tls);
  g_test_add_func ("/qssl/watch/deferred-after-wakeup", test_deferred_after_wakeup);
  g_test_add_func ("/qssl/watch/server-handshakes-in-flight", test_server_handshakes_in_flight);
  g_test_add_func ("/qssl/watch/server-listener-api", test_server_listener_api);

  return g_test_run ();
}
