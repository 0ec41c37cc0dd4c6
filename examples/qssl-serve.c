/* qssl-serve.c: `qssl serve`, a QsslServer from the command line
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * One process, or with --workers a supervisor and N worker processes: each
 * worker is `qssl serve` again (started afresh, never a bare fork of a
 * process that has threads), listens on the same port with SO_REUSEPORT and
 * has the same session-ticket keys, so that a client resumes on whichever
 * worker the kernel gives it. The supervisor replaces a worker that dies,
 * forwards SIGHUP (reload the certificate and key) and stops them all on
 * SIGTERM or SIGINT.
 */

/* memfd_create() */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib-unix.h>
#include <glib/gi18n-lib.h>

#include "qssl-tool.h"

/* Where a worker finds what the supervisor passes it. */
#define WORKER_KEYS_FD 3
#define WORKER_READY_FD 4

typedef struct {
  GMainLoop  *loop;
  QsslServer *server;
  gboolean    echo;
  gboolean    verbose;
  int         remaining;   /* connections left to serve; -1 = no limit */
  guint       open;        /* sockets not yet closed */
  char       *tag;         /* before every line: "[PID] " in a worker */
  /* What SIGHUP reads again. */
  const char *cert_file;
  const char *key_file;
  const char *passphrase;
  char      **ticket_key_files;
} Service;

/* One line of the log, in one write: the workers share the file. */
static void G_GNUC_PRINTF (2, 3)
log_line (Service    *service,
          const char *format,
          ...)
{
  g_autofree char *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  g_printerr ("%s%s", service->tag, text);
}

static void
finish_one (Service *service)
{
  service->open--;
  if (service->remaining == 0 && service->open == 0)
    g_main_loop_quit (service->loop);
}

static void
on_disconnected (QsslSocket *socket,
                 Service    *service)
{
  g_signal_handlers_disconnect_by_data (socket, service);
  finish_one (service);
  /* The pending queue gave us the reference. */
  g_object_unref (socket);
}

static void
on_echo (QsslSocket *socket,
         Service    *service)
{
  g_autoptr(GBytes) data = qssl_socket_read_all (socket);

  qssl_socket_write_bytes (socket, data);
}

/* Without --echo: an HTTP/1.0 answer that describes the connection, so
 * browsers, curl and scanners get something meaningful. */
static void
on_request (QsslSocket *socket,
            Service    *service)
{
  g_autoptr(GBytes) request = qssl_socket_peek_bytes (socket, 65536);
  QsslCipher *cipher = qssl_socket_get_session_cipher (socket);
  g_autofree char *body = NULL;
  g_autofree char *response = NULL;

  if (g_strstr_len (g_bytes_get_data (request, NULL), g_bytes_get_size (request), "\r\n\r\n") == NULL &&
      g_strstr_len (g_bytes_get_data (request, NULL), g_bytes_get_size (request), "\n\n") == NULL &&
      g_bytes_get_size (request) < 65536)
    return; /* wait for the whole request head */
  g_bytes_unref (qssl_socket_read_all (socket));
  g_signal_handlers_disconnect_by_func (socket, on_request, service);
  body = g_strdup_printf ("Hello from libqssl.\nProtocol: %s\nCipher: %s\nResumed: %s\n",
                          cipher ? qssl_cipher_get_protocol_string (cipher) : "?",
                          cipher ? qssl_cipher_get_name (cipher) : "?",
                          qssl_socket_is_session_resumed (socket) ? "yes" : "no");
  response = g_strdup_printf ("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n"
                              "Connection: close\r\nStrict-Transport-Security: max-age=63072000\r\n\r\n%s",
                              strlen (body), body);
  qssl_socket_write (socket, (const guint8 *) response, strlen (response));
  qssl_socket_disconnect_from_host (socket);
}

/* "ADDRESS:PORT", the address in brackets when it is IPv6. */
static char *
format_endpoint (GInetAddress *address,
                 guint16       port)
{
  g_autofree char *text = address ? g_inet_address_to_string (address) : g_strdup ("*");

  return strchr (text, ':') ? g_strdup_printf ("[%s]:%u", text, port) : g_strdup_printf ("%s:%u", text, port);
}

static void
on_pending (QsslServer *server,
            Service    *service)
{
  QsslSocket *socket;

  while ((socket = qssl_server_next_pending_connection (server)) != NULL)
    {
      if (service->verbose)
        {
          /* Behind a balancer with --proxy-protocol: the real client. */
          g_autoptr(GInetAddress) peer = qssl_socket_get_peer_address (socket);
          g_autofree char *endpoint = format_endpoint (peer, qssl_socket_get_peer_port (socket));
          QsslCipher *cipher = qssl_socket_get_session_cipher (socket);

          log_line (service, _("Connection from %s: %s, %s%s\n"), endpoint,
                      cipher ? qssl_cipher_get_protocol_string (cipher) : "?",
                      cipher ? qssl_cipher_get_name (cipher) : "?",
                      qssl_socket_is_session_resumed (socket) ? _(", resumed") : "");
        }
      if (service->remaining > 0)
        service->remaining--;
      service->open++;
      if (service->remaining == 0)
        qssl_server_close (server);
      g_signal_connect (socket, "disconnected", G_CALLBACK (on_disconnected), service);
      g_signal_connect (socket, "ready-read", G_CALLBACK (service->echo ? on_echo : on_request), service);
      if (qssl_socket_bytes_available (socket) > 0)
        (service->echo ? on_echo : on_request) (socket, service);
    }
}

static void
on_error (QsslServer      *server,
          QsslSocket      *socket,
          QsslSocketError  error,
          Service         *service)
{
  if (service->verbose)
    {
      log_line (service, _("A client failed: %s\n"), qssl_socket_get_error_string (socket));
    }
}

/* The server tries again by itself (with a backoff); this only says so. */
static void
on_accept_error (QsslServer      *server,
                 QsslSocketError  error,
                 const char      *message,
                 Service         *service)
{
  if (service->verbose)
    g_printerr (_("Cannot accept a connection (trying again): %s\n"), message);
}

static gboolean
on_signal (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_CONTINUE;
}

/* The chain and key in the files, or FALSE with a message for the user. */
static gboolean
load_credentials (const char  *cert_file,
                  const char  *key_file,
                  const char  *passphrase,
                  GPtrArray  **chain_out,
                  QsslKey    **key_out,
                  char       **message)
{
  g_autoptr(GPtrArray) chain = NULL;
  g_autoptr(GBytes) data = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize length;

  chain = qssl_certificate_list_from_path (cert_file, QSSL_ENCODING_FORMAT_PEM, QSSL_PATTERN_SYNTAX_FIXED_STRING, NULL);
  if (chain->len == 0)
    {
      *message = g_strdup_printf (_("No certificate could be read from %s"), cert_file);
      return FALSE;
    }
  if (!g_file_get_contents (key_file, &contents, &length, &error))
    {
      *message = g_strdup (error->message);
      return FALSE;
    }
  data = g_bytes_new_static (contents, length);
  *key_out = qssl_key_new_from_data (data, QSSL_KEY_ALGORITHM_OPAQUE, QSSL_ENCODING_FORMAT_PEM,
                                     QSSL_KEY_TYPE_PRIVATE_KEY, passphrase, &error);
  /* The file's text is the key in clear: not left in freed memory. */
  explicit_bzero (contents, length);
  if (*key_out == NULL)
    {
      *message = g_strdup_printf (_("Cannot use the key in %s: %s"), key_file, error->message);
      return FALSE;
    }
  *chain_out = g_steal_pointer (&chain);
  return TRUE;
}

/* The keys in @files, concatenated in order (the first encrypts), as
 * nginx's ssl_session_ticket_key files are: 80 or 48 bytes each. */
static GBytes *
read_ticket_keys (char   **files,
                  char   **message)
{
  g_autoptr(GByteArray) keys = g_byte_array_new ();

  for (char **file = files; *file != NULL; file++)
    {
      g_autofree char *contents = NULL;
      g_autoptr(GError) error = NULL;
      gsize length;

      if (!g_file_get_contents (*file, &contents, &length, &error))
        {
          *message = g_strdup (error->message);
          return NULL;
        }
      g_byte_array_append (keys, (const guint8 *) contents, length);
      explicit_bzero (contents, length);
    }
  return g_byte_array_free_to_bytes (g_steal_pointer (&keys));
}

static gboolean
set_ticket_keys (QsslConfiguration  *configuration,
                 GBytes             *keys,
                 char              **message)
{
  g_autoptr(GError) error = NULL;

  if (!qssl_configuration_set_session_ticket_keys (configuration, keys, &error))
    {
      *message = g_strdup_printf (_("Cannot use the session-ticket keys: %s"), error->message);
      return FALSE;
    }
  return TRUE;
}

/* Whether a handshake could succeed with @configuration (a key that does
 * not belong to the certificate, say): listen() checks it, on loopback. */
static gboolean
check_configuration (const QsslConfiguration  *configuration,
                     char                    **message)
{
  g_autoptr(QsslServer) probe = qssl_server_new ();
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GError) error = NULL;

  qssl_server_set_ssl_configuration (probe, configuration);
  if (!qssl_server_listen (probe, loopback, 0, &error))
    {
      *message = g_strdup (error->message);
      return FALSE;
    }
  qssl_server_close (probe);
  return TRUE;
}

/* SIGHUP: the certificate, key and ticket keys from their files again, for
 * the handshakes from now on; established connections carry on. On any
 * problem the server keeps what it has. */
static gboolean
on_reload (gpointer user_data)
{
  Service *service = user_data;
  g_autoptr(QsslConfiguration) configuration = qssl_server_get_ssl_configuration (service->server);
  g_autoptr(GPtrArray) chain = NULL;
  g_autoptr(QsslKey) key = NULL;
  g_autofree char *message = NULL;

  if (!load_credentials (service->cert_file, service->key_file, service->passphrase, &chain, &key, &message))
    goto failed;
  qssl_configuration_set_local_certificate_chain (configuration, chain);
  qssl_configuration_set_private_key (configuration, key);
  if (service->ticket_key_files != NULL)
    {
      g_autoptr(GBytes) keys = read_ticket_keys (service->ticket_key_files, &message);

      if (keys == NULL || !set_ticket_keys (configuration, keys, &message))
        goto failed;
    }
  if (!check_configuration (configuration, &message))
    goto failed;
  qssl_server_set_ssl_configuration (service->server, configuration);
  log_line (service, _("Reloaded the certificate from %s\n"), service->cert_file);
  return G_SOURCE_CONTINUE;

failed:
  log_line (service, _("Reload failed, the server keeps its certificate: %s\n"), message);
  return G_SOURCE_CONTINUE;
}

/* The supervisor of --workers */

typedef struct {
  GMainLoop  *loop;
  char      **argv;       /* a worker's command line */
  int         keys_fd;    /* the shared ticket keys (a memfd), or -1 */
  int         ready_read; /* workers write their PID here once listening */
  int         ready_write;
  guint       wanted;
  GHashTable *workers;    /* PID -> GSubprocess */
  GHashTable *ready;      /* PIDs that are listening */
  gboolean    started;    /* all of the first workers listen */
  gboolean    stopping;
  int         exit_code;
  guint       kill_timer;
} Supervisor;

static void spawn_worker (Supervisor *supervisor);

static void
child_setup (gpointer user_data)
{
  /* A worker must not outlive a supervisor that was killed. */
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

static gboolean
respawn (gpointer user_data)
{
  Supervisor *supervisor = user_data;

  if (!supervisor->stopping)
    spawn_worker (supervisor);
  return G_SOURCE_REMOVE;
}

static void
on_worker_exited (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  Supervisor *supervisor = user_data;
  GSubprocess *worker = G_SUBPROCESS (source);
  int pid = GPOINTER_TO_INT (g_object_get_data (source, "qssl-pid"));
  gboolean was_ready = g_hash_table_remove (supervisor->ready, GINT_TO_POINTER (pid));

  g_subprocess_wait_finish (worker, result, NULL);
  if (supervisor->stopping)
    {
      g_hash_table_remove (supervisor->workers, GINT_TO_POINTER (pid));
      if (g_hash_table_size (supervisor->workers) == 0)
        g_main_loop_quit (supervisor->loop);
      return;
    }
  if (!supervisor->started)
    {
      /* A first worker that cannot listen: nor can the others. */
      supervisor->exit_code = g_subprocess_get_if_exited (worker) ? g_subprocess_get_exit_status (worker)
                                                                  : QSSL_TOOL_EXIT_FAILURE;
      if (supervisor->exit_code == QSSL_TOOL_EXIT_OK)
        supervisor->exit_code = QSSL_TOOL_EXIT_FAILURE;
      g_hash_table_remove (supervisor->workers, GINT_TO_POINTER (pid));
      supervisor->stopping = TRUE;
      if (g_hash_table_size (supervisor->workers) == 0)
        g_main_loop_quit (supervisor->loop);
      else
        {
          GHashTableIter iter;
          gpointer other;

          g_hash_table_iter_init (&iter, supervisor->workers);
          while (g_hash_table_iter_next (&iter, NULL, &other))
            g_subprocess_send_signal (other, SIGTERM);
        }
      return;
    }
  if (g_subprocess_get_if_signaled (worker))
    g_printerr (_("Worker %d was killed by signal %d; starting another\n"), pid,
                g_subprocess_get_term_sig (worker));
  else
    g_printerr (_("Worker %d exited with status %d; starting another\n"), pid,
                g_subprocess_get_exit_status (worker));
  g_hash_table_remove (supervisor->workers, GINT_TO_POINTER (pid));
  /* One that died before it listened would die again at once: not faster
   * than once a second, then. */
  g_timeout_add (was_ready ? 100 : 1000, respawn, supervisor);
}

static void
spawn_worker (Supervisor *supervisor)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autoptr(GError) error = NULL;
  GSubprocess *worker;
  int pid;

  if (supervisor->keys_fd >= 0)
    g_subprocess_launcher_take_fd (launcher, dup (supervisor->keys_fd), WORKER_KEYS_FD);
  g_subprocess_launcher_take_fd (launcher, dup (supervisor->ready_write), WORKER_READY_FD);
  g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);
  worker = g_subprocess_launcher_spawnv (launcher, (const char * const *) supervisor->argv, &error);
  if (worker == NULL)
    {
      g_printerr (_("Cannot start a worker: %s\n"), error->message);
      g_timeout_add_seconds (1, respawn, supervisor);
      return;
    }
  pid = atoi (g_subprocess_get_identifier (worker));
  g_object_set_data (G_OBJECT (worker), "qssl-pid", GINT_TO_POINTER (pid));
  g_hash_table_insert (supervisor->workers, GINT_TO_POINTER (pid), worker);
  g_subprocess_wait_async (worker, NULL, on_worker_exited, supervisor);
}

static gboolean
on_worker_ready (int          fd,
                 GIOCondition condition,
                 gpointer     user_data)
{
  Supervisor *supervisor = user_data;
  gint32 pids[64];
  gssize n = read (fd, pids, sizeof pids);

  /* Each worker writes its PID in one write(), atomic on a pipe. */
  for (gssize i = 0; i < n / (gssize) sizeof pids[0]; i++)
    g_hash_table_add (supervisor->ready, GINT_TO_POINTER (pids[i]));
  if (!supervisor->started && g_hash_table_size (supervisor->ready) >= supervisor->wanted)
    {
      supervisor->started = TRUE;
      g_main_loop_quit (supervisor->loop);
    }
  return G_SOURCE_CONTINUE;
}

static void
signal_workers (Supervisor *supervisor,
                int         signum)
{
  GHashTableIter iter;
  gpointer worker;

  g_hash_table_iter_init (&iter, supervisor->workers);
  while (g_hash_table_iter_next (&iter, NULL, &worker))
    g_subprocess_send_signal (worker, signum);
}

static gboolean
kill_workers (gpointer user_data)
{
  Supervisor *supervisor = user_data;

  supervisor->kill_timer = 0;
  signal_workers (supervisor, SIGKILL);
  return G_SOURCE_REMOVE;
}

static gboolean
on_stop (gpointer user_data)
{
  Supervisor *supervisor = user_data;

  if (!supervisor->stopping)
    {
      supervisor->stopping = TRUE;
      signal_workers (supervisor, SIGTERM);
      /* One that does not stop in time is made to. */
      supervisor->kill_timer = g_timeout_add_seconds (10, kill_workers, supervisor);
    }
  if (g_hash_table_size (supervisor->workers) == 0)
    g_main_loop_quit (supervisor->loop);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_hangup (gpointer user_data)
{
  signal_workers (user_data, SIGHUP);
  return G_SOURCE_CONTINUE;
}

/* With port 0 the supervisor picks the port: a socket bound to it with
 * SO_REUSEPORT, never listening (so that the kernel gives it no
 * connection), holds it for the workers while the supervisor lives. */
static int
reserve_port (GInetAddress  *address,
              guint16       *port,
              char         **message)
{
  GSocketFamily family = address ? g_inet_address_get_family (address) : G_SOCKET_FAMILY_IPV6;
  g_autoptr(GInetAddress) any = address ? NULL : g_inet_address_new_any (G_SOCKET_FAMILY_IPV6);
  g_autoptr(GSocketAddress) bind_address = g_inet_socket_address_new (address ? address : any, *port);
  struct sockaddr_storage native;
  socklen_t length = g_socket_address_get_native_size (bind_address);
  int fd, on = 1, off = 0;

  fd = socket (family == G_SOCKET_FAMILY_IPV6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 && address == NULL)
    {
      /* No IPv6 on this host. */
      g_clear_object (&bind_address);
      g_clear_object (&any);
      any = g_inet_address_new_any (G_SOCKET_FAMILY_IPV4);
      bind_address = g_inet_socket_address_new (any, *port);
      length = g_socket_address_get_native_size (bind_address);
      fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    }
  if (fd < 0)
    {
      *message = g_strdup (g_strerror (errno));
      return -1;
    }
  if (family == G_SOCKET_FAMILY_IPV6 && address == NULL)
    setsockopt (fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
  g_socket_address_to_native (bind_address, &native, sizeof native, NULL);
  if (setsockopt (fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) != 0 ||
      setsockopt (fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof on) != 0 ||
      bind (fd, (struct sockaddr *) &native, length) != 0 ||
      getsockname (fd, (struct sockaddr *) &native, &length) != 0)
    {
      *message = g_strdup (g_strerror (errno));
      close (fd);
      return -1;
    }
  *port = ntohs (native.ss_family == AF_INET6 ? ((struct sockaddr_in6 *) &native)->sin6_port
                                              : ((struct sockaddr_in *) &native)->sin_port);
  return fd;
}

/* Random ticket keys for the workers when no file gives them: one 80-byte
 * key, in a memory file that each worker (and each replacement) reads. */
static int
make_ticket_keys (char **message)
{
  guint8 key[80];
  int fd;

  if (getrandom (key, sizeof key, 0) != sizeof key)
    {
      *message = g_strdup (g_strerror (errno));
      return -1;
    }
  fd = memfd_create ("qssl-ticket-keys", MFD_CLOEXEC);
  if (fd < 0 || write (fd, key, sizeof key) != sizeof key)
    {
      *message = g_strdup (g_strerror (errno));
      explicit_bzero (key, sizeof key);
      if (fd >= 0)
        close (fd);
      return -1;
    }
  explicit_bzero (key, sizeof key);
  return fd;
}

static int
supervise (char         **argv,
           guint          workers,
           GInetAddress  *address,
           guint16        port,
           gboolean       make_keys,
           const char    *note)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(GPtrArray) worker_argv = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *message = NULL;
  Supervisor supervisor = { 0 };
  int reserved = -1, pipe_fds[2];
  guint sources[4], ready_source;
  int exit_code;

  if (port == 0 && (reserved = reserve_port (address, &port, &message)) < 0)
    {
      g_printerr (_("Cannot listen: %s\n"), message);
      return QSSL_TOOL_EXIT_CONNECT;
    }
  supervisor.keys_fd = -1;
  if (make_keys && (supervisor.keys_fd = make_ticket_keys (&message)) < 0)
    {
      g_printerr (_("Cannot make session-ticket keys: %s\n"), message);
      return QSSL_TOOL_EXIT_FAILURE;
    }
  if (!g_unix_open_pipe (pipe_fds, FD_CLOEXEC, NULL))
    return QSSL_TOOL_EXIT_FAILURE;
  supervisor.ready_read = pipe_fds[0];
  supervisor.ready_write = pipe_fds[1];

  /* The worker's command line: ours, with the port fixed and what it is
   * given; GOption takes the last of a repeated option. */
  {
    g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);

    g_ptr_array_add (worker_argv, g_strdup (self ? self : argv[0]));
  }
  g_ptr_array_add (worker_argv, g_strdup ("serve"));
  for (char **arg = argv + 1; *arg != NULL; arg++)
    g_ptr_array_add (worker_argv, g_strdup (*arg));
  g_ptr_array_add (worker_argv, g_strdup_printf ("--port=%u", port));
  g_ptr_array_add (worker_argv, g_strdup_printf ("--worker-fds=%d,%d",
                                                 make_keys ? WORKER_KEYS_FD : -1, WORKER_READY_FD));
  g_ptr_array_add (worker_argv, NULL);

  supervisor.loop = loop;
  supervisor.argv = (char **) worker_argv->pdata;
  supervisor.wanted = workers;
  supervisor.workers = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, g_object_unref);
  supervisor.ready = g_hash_table_new (g_direct_hash, g_direct_equal);
  ready_source = g_unix_fd_add (supervisor.ready_read, G_IO_IN, on_worker_ready, &supervisor);
  sources[0] = g_unix_signal_add (SIGINT, on_stop, &supervisor);
  sources[1] = g_unix_signal_add (SIGTERM, on_stop, &supervisor);
  sources[2] = g_unix_signal_add (SIGHUP, on_hangup, &supervisor);
  for (guint i = 0; i < workers; i++)
    spawn_worker (&supervisor);

  /* First until every worker listens (or one could not), then until the
   * end. */
  g_main_loop_run (loop);
  if (supervisor.started && !supervisor.stopping)
    {
      g_autofree char *endpoint = format_endpoint (address, port);

      if (address == NULL)
        {
          g_autoptr(GInetAddress) any = g_inet_address_new_any (G_SOCKET_FAMILY_IPV6);

          g_free (endpoint);
          endpoint = format_endpoint (any, port);
        }
      /* Not translated: scripts read the port from this line. */
      printf ("Listening on %s", endpoint);
      printf (g_dngettext (GETTEXT_PACKAGE, " (%u worker)", " (%u workers)", workers), workers);
      printf ("%s\n", note);
      fflush (stdout);
      g_main_loop_run (loop);
    }
  exit_code = supervisor.exit_code;

  for (guint i = 0; i < 3; i++)
    g_source_remove (sources[i]);
  g_source_remove (ready_source);
  if (supervisor.kill_timer != 0)
    g_source_remove (supervisor.kill_timer);
  g_hash_table_unref (supervisor.workers);
  g_hash_table_unref (supervisor.ready);
  close (supervisor.ready_read);
  close (supervisor.ready_write);
  if (supervisor.keys_fd >= 0)
    close (supervisor.keys_fd);
  if (reserved >= 0)
    close (reserved);
  return exit_code;
}

/* A worker's ticket keys, from the supervisor's memory file. */
static GBytes *
read_keys_fd (int fd)
{
  struct stat st;
  g_autofree guint8 *data = NULL;

  if (fstat (fd, &st) != 0 || st.st_size <= 0 || st.st_size > 65536)
    return NULL;
  data = g_malloc (st.st_size);
  if (pread (fd, data, st.st_size, 0) != st.st_size)
    return NULL;
  close (fd);
  return g_bytes_new_take (g_steal_pointer (&data), st.st_size);
}

int
qssl_tool_serve (int    argc,
                 char **argv)
{
  g_autofree char *cert_file = NULL;
  g_autofree char *key_file = NULL;
  g_autofree char *ca_file = NULL;
  g_autofree char *address = NULL;
  g_autofree char *alpn = NULL;
  g_autofree char *passphrase = NULL;
  g_autofree char *worker_fds = NULL;
  g_auto(GStrv) ticket_key_files = NULL;
  g_auto(GStrv) original_argv = g_strdupv (argv);
  int port = 0, connections = -1, workers = 0;
  int idle_timeout = 0, max_handshakes = -1, max_handshakes_per_address = 0;
  gboolean echo = FALSE, quiet = FALSE, require_client_cert = FALSE;
  gboolean activated = FALSE, proxy_protocol = FALSE, reuse_port = FALSE;
  GOptionEntry entries[] = {
    { "cert", 0, 0, G_OPTION_ARG_FILENAME, &cert_file, N_("The server's certificate chain (PEM, leaf first)"), N_("FILE") },
    { "key", 0, 0, G_OPTION_ARG_FILENAME, &key_file, N_("The server's private key (PEM)"), N_("FILE") },
    { "passphrase", 0, 0, G_OPTION_ARG_STRING, &passphrase, N_("Passphrase of an encrypted key"), N_("TEXT") },
    { "port", 'p', 0, G_OPTION_ARG_INT, &port, N_("Port to listen on (0, the default, picks a free one)"), N_("PORT") },
    { "address", 'a', 0, G_OPTION_ARG_STRING, &address, N_("Address to listen on (default: every address)"), N_("ADDRESS") },
    { "echo", 0, 0, G_OPTION_ARG_NONE, &echo, N_("Send every client its own data back (default: answer HTTP requests)"), NULL },
    { "alpn", 0, 0, G_OPTION_ARG_STRING, &alpn, N_("Accept these application protocols, comma-separated"), N_("LIST") },
    { "client-ca", 0, 0, G_OPTION_ARG_FILENAME, &ca_file, N_("Require client certificates issued by a CA in FILE"), N_("FILE") },
    { "connections", 'n', 0, G_OPTION_ARG_INT, &connections, N_("Exit after serving N connections"), N_("N") },
    { "workers", 'w', 0, G_OPTION_ARG_INT, &workers, N_("Serve from N worker processes that share the port and the session-ticket keys"), N_("N") },
    { "ticket-keys", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &ticket_key_files, N_("Session-ticket keys in nginx's format (80 or 48 bytes a key; repeat: the first encrypts)"), N_("FILE") },
    { "reuse-port", 0, 0, G_OPTION_ARG_NONE, &reuse_port, N_("Let other processes listen on the same port (SO_REUSEPORT)"), NULL },
    { "activated", 0, 0, G_OPTION_ARG_NONE, &activated, N_("Serve on the sockets systemd passes (socket activation)"), NULL },
    { "proxy-protocol", 0, 0, G_OPTION_ARG_NONE, &proxy_protocol, N_("Expect a PROXY protocol header from a load balancer before each handshake"), NULL },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, N_("Do not report connections"), NULL },
    /* What the supervisor passes a worker: "KEYS_FD,READY_FD". */
    { "worker-fds", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING, &worker_fds, NULL, NULL },
    { "idle-timeout", 0, 0, G_OPTION_ARG_INT, &idle_timeout, N_("Drop a connection that moves no data for MSECS (default: never)"), N_("MSECS") },
    { "max-handshakes", 0, 0, G_OPTION_ARG_INT, &max_handshakes, N_("Handshakes in flight at most; the oldest is dropped for a newcomer (default 1024, 0: no limit)"), N_("N") },
    { "max-handshakes-per-address", 0, 0, G_OPTION_ARG_INT, &max_handshakes_per_address, N_("Handshakes in flight from one IP address at most (default 0: no limit)"), N_("N") },
    { NULL }
  };
  g_autoptr(GOptionContext) options = g_option_context_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(QsslConfiguration) configuration = qssl_configuration_get_default ();
  g_autoptr(QsslServer) server = NULL;
  g_autoptr(GPtrArray) chain = NULL;
  g_autoptr(QsslKey) key = NULL;
  g_autoptr(GInetAddress) listen_address = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autofree char *message = NULL;
  g_autofree char *tag = NULL;
  Service service = { 0 };
  int keys_fd = -1, ready_fd = -1;
  guint sigint, sigterm, sighup;

  /* A SIGHUP before the reload handler is in place has nothing to reload
   * yet, and must not end the process (a worker the supervisor forwards one
   * to while it starts, say). */
  signal (SIGHUP, SIG_IGN);
  g_option_context_set_summary (options, _("Serves TLS on a port with a certificate and key; prints "
                                           "“Listening on ADDRESS:PORT” once ready. SIGHUP reloads the "
                                           "certificate, the key and the ticket keys from their files.\n\n"
                                           "Exit status: 0 done, 2 bad usage, 3 cannot listen, 5 unusable "
                                           "certificate or key."));
  g_option_context_add_main_entries (options, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (options, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return QSSL_TOOL_EXIT_USAGE;
    }
  if (argc != 1 || cert_file == NULL || key_file == NULL || port < 0 || port > 65535 || idle_timeout < 0 ||
      max_handshakes < -1 || max_handshakes_per_address < 0)
    {
      g_printerr (_("Give --cert FILE and --key FILE (see --help)\n"));
      return QSSL_TOOL_EXIT_USAGE;
    }
  if (worker_fds != NULL)
    {
      if (sscanf (worker_fds, "%d,%d", &keys_fd, &ready_fd) != 2 || ready_fd < 0)
        return QSSL_TOOL_EXIT_USAGE;
      workers = 0;
      reuse_port = TRUE;
      tag = g_strdup_printf ("[%d] ", (int) getpid ());
    }
  if (workers < 0 || workers > 1024 || (workers > 0 && (activated || connections > 0)))
    {
      g_printerr (_("--workers takes 1 to 1024 and goes with neither --activated nor --connections\n"));
      return QSSL_TOOL_EXIT_USAGE;
    }
  if (activated && (port != 0 || address != NULL || reuse_port))
    {
      g_printerr (_("With --activated, systemd gives the sockets: no --port, --address or --reuse-port\n"));
      return QSSL_TOOL_EXIT_USAGE;
    }
  if (!load_credentials (cert_file, key_file, passphrase, &chain, &key, &message))
    {
      g_printerr ("%s\n", message);
      return QSSL_TOOL_EXIT_INPUT;
    }
  qssl_configuration_set_local_certificate_chain (configuration, chain);
  qssl_configuration_set_private_key (configuration, key);
  if (alpn != NULL)
    {
      g_auto(GStrv) protocols = g_strsplit (alpn, ",", -1);

      qssl_configuration_set_allowed_next_protocols (configuration, (const char * const *) protocols);
    }
  if (ca_file != NULL)
    {
      g_autoptr(GPtrArray) cas = qssl_certificate_list_from_path (ca_file, QSSL_ENCODING_FORMAT_PEM,
                                                                  QSSL_PATTERN_SYNTAX_FIXED_STRING, NULL);

      if (cas->len == 0)
        {
          g_printerr (_("No certificate could be read from %s\n"), ca_file);
          return QSSL_TOOL_EXIT_INPUT;
        }
      qssl_configuration_set_ca_certificates (configuration, cas);
      qssl_configuration_set_peer_verify_mode (configuration, QSSL_PEER_VERIFY_MODE_VERIFY_PEER);
      qssl_configuration_set_missing_certificate_is_fatal (configuration, TRUE);
      require_client_cert = TRUE;
    }
  if (ticket_key_files != NULL)
    {
      g_autoptr(GBytes) keys = read_ticket_keys (ticket_key_files, &message);

      if (keys == NULL || !set_ticket_keys (configuration, keys, &message))
        {
          g_printerr ("%s\n", message);
          return QSSL_TOOL_EXIT_INPUT;
        }
    }
  else if (keys_fd >= 0)
    {
      g_autoptr(GBytes) keys = read_keys_fd (keys_fd);

      if (keys == NULL || !set_ticket_keys (configuration, keys, &message))
        {
          g_printerr ("%s\n", message ? message : _("Cannot read the session-ticket keys"));
          return QSSL_TOOL_EXIT_INPUT;
        }
    }
  if (address != NULL)
    {
      listen_address = g_inet_address_new_from_string (address);
      if (listen_address == NULL)
        {
          g_printerr (_("“%s” is not an IP address\n"), address);
          return QSSL_TOOL_EXIT_USAGE;
        }
    }

  if (workers > 0)
    {
      /* The certificate and key are checked once here, not N times. */
      if (!check_configuration (configuration, &message))
        {
          g_printerr (_("Cannot listen: %s\n"), message);
          return QSSL_TOOL_EXIT_INPUT;
        }
      return supervise (original_argv, workers, listen_address, (guint16) port, ticket_key_files == NULL,
                        require_client_cert ? _(" (client certificates required)") : "");
    }

  server = qssl_server_new ();
  qssl_server_set_ssl_configuration (server, configuration);
  qssl_server_set_reuse_port (server, reuse_port);
  qssl_server_set_proxy_protocol (server, proxy_protocol);
  qssl_server_set_idle_timeout (server, idle_timeout);
  if (max_handshakes >= 0)
    qssl_server_set_max_handshakes (server, max_handshakes);
  qssl_server_set_max_handshakes_per_address (server, max_handshakes_per_address);
  if (activated ? !qssl_server_listen_activated (server, &error)
                : !qssl_server_listen (server, listen_address, (guint16) port, &error))
    {
      g_autofree char *text = g_strdup_printf (_("Cannot listen: %s\n"), error->message);

      g_printerr ("%s%s", tag ? tag : "", text);
      return g_error_matches (error, QSSL_SOCKET_ERROR, QSSL_SOCKET_ERROR_SSL_INVALID_USER_DATA)
        ? QSSL_TOOL_EXIT_INPUT : QSSL_TOOL_EXIT_CONNECT;
    }
  loop = g_main_loop_new (NULL, FALSE);
  service.loop = loop;
  service.server = server;
  service.echo = echo;
  service.verbose = !quiet;
  service.remaining = connections > 0 ? connections : -1;
  service.tag = tag ? tag : "";
  service.cert_file = cert_file;
  service.key_file = key_file;
  service.passphrase = passphrase;
  service.ticket_key_files = ticket_key_files;
  g_signal_connect (server, "pending-connection-available", G_CALLBACK (on_pending), &service);
  g_signal_connect (server, "error-occurred", G_CALLBACK (on_error), &service);
  g_signal_connect (server, "accept-error", G_CALLBACK (on_accept_error), &service);
  sigint = g_unix_signal_add (SIGINT, on_signal, loop);
  sigterm = g_unix_signal_add (SIGTERM, on_signal, loop);
  sighup = g_unix_signal_add (SIGHUP, on_reload, &service);
  if (ready_fd >= 0)
    {
      /* To the supervisor: this worker listens. */
      gint32 pid = getpid ();

      if (write (ready_fd, &pid, sizeof pid) != sizeof pid)
        return QSSL_TOOL_EXIT_FAILURE;
      close (ready_fd);
    }
  else
    {
      g_autoptr(GInetAddress) bound = qssl_server_get_server_address (server);
      g_autofree char *endpoint = format_endpoint (bound, qssl_server_get_server_port (server));

      /* Not translated: scripts read the port from this line. */
      printf ("Listening on %s%s\n", endpoint, require_client_cert ? _(" (client certificates required)") : "");
      fflush (stdout);
    }
  g_main_loop_run (loop);
  g_source_remove (sigint);
  g_source_remove (sigterm);
  g_source_remove (sighup);
  qssl_server_close (server);
  return QSSL_TOOL_EXIT_OK;
}
