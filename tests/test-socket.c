/* test-socket.c: QsslSocket over loopback against a QsslSocket server in another thread
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE  /* RTLD_NEXT */
#endif
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/resource.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include "qssl-test-utils.h"

/* A server in its own thread and GMainContext: it accepts connections,
 * adopts them with qssl_socket_new_from_socket() and starts the server
 * handshake. What it does after depends on its behaviour. */
typedef enum {
  SERVER_ECHO,            /* echo every byte back */
  SERVER_WRITE_FIRST,     /* write a greeting right after the handshake, then echo */
  SERVER_CLOSE_NOTIFY,    /* write a greeting, then disconnect gracefully */
  SERVER_DROP,            /* write a greeting, then drop TCP without close_notify */
  SERVER_SILENT,          /* accept TCP, never speak TLS */
  SERVER_STARTTLS,        /* plain "hello\n" exchange, then TLS, then echo */
  SERVER_STARTTLS_QUIET,  /* reads the STARTTLS line and switches without a reply */
  SERVER_FLOOD,           /* sends flood_total bytes of flood_chunk() data, then close_notify */
  SERVER_SINK,            /* reads and drops sink_total bytes, then answers one byte */
  SERVER_RESET,           /* resets the TCP connection once it has read a MiB */
} ServerBehaviour;

typedef struct {
  GThread          *thread;
  GMainContext     *context;
  GSocketListener  *listener;
  GCancellable     *cancellable;
  guint16           port;
  ServerBehaviour   behaviour;
  char             *cert_name;
  gboolean          leaf_only;
  const char       *chain_file;   /* present this whole file as the chain */
} Server;

/* SERVER_FLOOD: 1 MiB chunks, each filled with its own index, so that a
 * lost, repeated or reordered chunk shows. */
#define FLOOD_CHUNK (1024 * 1024)
static guint64 flood_total;
static guint64 flood_sent;

static void
flood_chunk (guint64  index,
             guint8  *chunk)
{
  for (gsize i = 0; i < FLOOD_CHUNK; i += sizeof index)
    memcpy (chunk + i, &index, sizeof index);
}

static void
flood_more (QsslSocket *socket)
{
  g_autofree guint8 *chunk = g_malloc (FLOOD_CHUNK);

  while (flood_sent < flood_total && qssl_socket_bytes_to_write (socket) < 4 * FLOOD_CHUNK)
    {
      flood_chunk (flood_sent / FLOOD_CHUNK, chunk);
      g_assert_cmpint (qssl_socket_write (socket, chunk, FLOOD_CHUNK), ==, FLOOD_CHUNK);
      flood_sent += FLOOD_CHUNK;
    }
  if (flood_sent == flood_total)
    qssl_socket_disconnect_from_host (socket);
}

static void
flood_written (QsslSocket *socket,
               gint64      bytes,
               gpointer    user_data)
{
  if (flood_sent < flood_total)
    flood_more (socket);
}

/* SERVER_SINK */
static guint64 sink_total;
static guint64 sink_received;

static void
sink_read (QsslSocket *socket,
           gpointer    user_data)
{
  g_autofree guint8 *buffer = g_malloc (256 * 1024);
  gssize n;

  while ((n = qssl_socket_read (socket, buffer, 256 * 1024)) > 0)
    {
      sink_received += n;
      if (sink_received == sink_total)
        qssl_socket_write (socket, (const guint8 *) "A", 1);
    }
}

static void
reset_read (QsslSocket *socket,
            gpointer    user_data)
{
  g_autofree guint8 *buffer = g_malloc (256 * 1024);
  guint64 received = GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (socket), "received"));
  gssize n;

  while ((n = qssl_socket_read (socket, buffer, 256 * 1024)) > 0)
    received += n;
  g_object_set_data (G_OBJECT (socket), "received", GSIZE_TO_POINTER (received));
  if (received >= 1024 * 1024)
    {
      /* SO_LINGER 0: the close sends RST, not FIN. */
      struct linger now = { 1, 0 };

      setsockopt (g_socket_get_fd (g_socket_connection_get_socket (G_SOCKET_CONNECTION (socket))),
                  SOL_SOCKET, SO_LINGER, &now, sizeof now);
      qssl_socket_abort (socket);
    }
}

static void
server_encrypted (QsslSocket *socket,
                  Server     *server)
{
  static const char greeting[] = "greeting\n";

  if (server->behaviour == SERVER_FLOOD)
    {
      g_signal_connect (socket, "bytes-written", G_CALLBACK (flood_written), NULL);
      flood_more (socket);
      return;
    }

  if (server->behaviour == SERVER_ECHO || server->behaviour == SERVER_STARTTLS ||
      server->behaviour == SERVER_STARTTLS_QUIET || server->behaviour == SERVER_SINK ||
      server->behaviour == SERVER_RESET)
    return;
  qssl_socket_write (socket, (const guint8 *) greeting, strlen (greeting));
  if (server->behaviour == SERVER_CLOSE_NOTIFY)
    qssl_socket_disconnect_from_host (socket);
  else if (server->behaviour == SERVER_DROP)
    {
      qssl_socket_flush (socket);
      qssl_socket_abort (socket);
    }
}

static void
server_starttls_read (QsslSocket *socket,
                      Server     *server)
{
  if (qssl_socket_get_mode (socket) != QSSL_MODE_UNENCRYPTED)
    {
      qssl_test_echo (socket, NULL);
      return;
    }
  if (qssl_socket_can_read_line (socket))
    {
      g_autoptr(GBytes) line = qssl_socket_read_line (socket, 0);

      if (server->behaviour == SERVER_STARTTLS)
        {
          qssl_socket_write (socket, (const guint8 *) "go ahead\n", 9);
          qssl_socket_flush (socket);
        }
      qssl_socket_start_server_encryption (socket);
    }
}

static gpointer
server_thread (gpointer user_data)
{
  Server *server = user_data;
  GPollFD cancel_fd;

  g_main_context_push_thread_default (server->context);
  /* An accept with a cancellable makes the cancellable's wakeup fd, and
   * frees it after, unless it is held: held, the server needs no new
   * descriptor between connections (the fd-exhaustion test leaves none). */
  g_cancellable_make_pollfd (server->cancellable, &cancel_fd);
  for (;;)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GSocketConnection) connection = g_socket_listener_accept (server->listener, NULL,
                                                                          server->cancellable, &error);
      g_autoptr(QsslSocket) socket = NULL;
      g_autoptr(QsslConfiguration) configuration = NULL;

      if (connection == NULL)
        break;
      if (server->behaviour == SERVER_SILENT)
        {
          /* Hold the TCP connection open until the test ends. */
          while (!g_cancellable_is_cancelled (server->cancellable))
            g_main_context_iteration (server->context, TRUE);
          break;
        }
      socket = qssl_socket_new_from_socket (g_socket_connection_get_socket (connection), &error);
      g_assert_no_error (error);
      configuration = qssl_test_server_configuration (server->cert_name);
      if (server->chain_file != NULL)
        {
          g_autoptr(GBytes) data = qssl_test_pki_bytes (server->chain_file);
          g_autoptr(GPtrArray) chain = qssl_certificate_list_from_data (data, QSSL_ENCODING_FORMAT_PEM);

          qssl_configuration_set_local_certificate_chain (configuration, chain);
        }
      if (server->leaf_only)
        {
          g_autoptr(GPtrArray) chain = qssl_configuration_get_local_certificate_chain (configuration);

          g_ptr_array_set_size (chain, 1);
          qssl_configuration_set_local_certificate_chain (configuration, chain);
        }
      qssl_socket_set_ssl_configuration (socket, configuration);
      g_signal_connect (socket, "encrypted", G_CALLBACK (server_encrypted), server);
      if (server->behaviour == SERVER_STARTTLS || server->behaviour == SERVER_STARTTLS_QUIET)
        g_signal_connect (socket, "ready-read", G_CALLBACK (server_starttls_read), server);
      else if (server->behaviour == SERVER_SINK || server->behaviour == SERVER_RESET)
        {
          g_signal_connect (socket, "ready-read",
                            server->behaviour == SERVER_SINK ? G_CALLBACK (sink_read) : G_CALLBACK (reset_read),
                            NULL);
          qssl_socket_start_server_encryption (socket);
        }
      else
        {
          g_signal_connect (socket, "ready-read", G_CALLBACK (qssl_test_echo), NULL);
          qssl_socket_start_server_encryption (socket);
        }
      while (qssl_socket_get_state (socket) != QSSL_SOCKET_STATE_UNCONNECTED &&
             !g_cancellable_is_cancelled (server->cancellable))
        g_main_context_iteration (server->context, TRUE);
    }
  g_cancellable_release_fd (server->cancellable);
  g_main_context_pop_thread_default (server->context);
  return NULL;
}

static Server *
server_start (const char      *cert_name,
              ServerBehaviour  behaviour)
{
  Server *server = g_new0 (Server, 1);
  g_autoptr(GError) error = NULL;

  server->context = g_main_context_new ();
  server->cancellable = g_cancellable_new ();
  server->listener = g_socket_listener_new ();
  server->port = g_socket_listener_add_any_inet_port (server->listener, NULL, &error);
  g_assert_no_error (error);
  server->behaviour = behaviour;
  server->cert_name = g_strdup (cert_name);
  return server;
}

static void
server_run (Server *server)
{
  server->thread = g_thread_new ("server", server_thread, server);
}

static void
server_stop (Server *server)
{
  g_cancellable_cancel (server->cancellable);
  g_main_context_wakeup (server->context);
  if (server->thread != NULL)
    g_thread_join (server->thread);
  g_socket_listener_close (server->listener);
  g_object_unref (server->listener);
  g_object_unref (server->cancellable);
  g_main_context_unref (server->context);
  g_free (server->cert_name);
  g_free (server);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Server, server_stop)

/* Records the client's signals in order. */
typedef struct {
  GString   *events;
  GPtrArray *ssl_errors;
  guint      peer_verify_errors;
  guint      ready_reads;
  gboolean   encrypted;
  gboolean   disconnected;
  gboolean   read_finished;
  int        error;
  gboolean   ignore_in_handler;
  gboolean   abort_in_verify_error;
} Recorder;

static void
record (Recorder   *recorder,
        const char *event)
{
  if (recorder->events->len > 0)
    g_string_append_c (recorder->events, ' ');
  g_string_append (recorder->events, event);
}

static void on_host_found (QsslSocket *s, Recorder *r) { record (r, "host-found"); }
static void on_connected (QsslSocket *s, Recorder *r) { record (r, "connected"); }
static void on_read_finished (QsslSocket *s, Recorder *r) { record (r, "read-channel-finished"); r->read_finished = TRUE; }

static void
on_state_changed (QsslSocket      *socket,
                  QsslSocketState  state,
                  Recorder        *recorder)
{
  g_autofree char *event = g_strdup_printf ("state:%d", state);

  record (recorder, event);
}

static void
on_mode_changed (QsslSocket *socket,
                 QsslMode    mode,
                 Recorder   *recorder)
{
  g_autofree char *event = g_strdup_printf ("mode:%d", mode);

  record (recorder, event);
}

static void
on_peer_verify_error (QsslSocket *socket,
                      QsslError  *error,
                      Recorder   *recorder)
{
  record (recorder, "peer-verify-error");
  recorder->peer_verify_errors++;
  if (recorder->abort_in_verify_error)
    qssl_socket_abort (socket);
}

static void
on_ssl_errors (QsslSocket *socket,
               GPtrArray  *errors,
               Recorder   *recorder)
{
  record (recorder, "ssl-errors");
  g_clear_pointer (&recorder->ssl_errors, g_ptr_array_unref);
  recorder->ssl_errors = g_ptr_array_ref (errors);
  if (recorder->ignore_in_handler)
    qssl_socket_ignore_ssl_errors (socket);
}

static void on_encrypted (QsslSocket *s, Recorder *r) { record (r, "encrypted"); r->encrypted = TRUE; }
static void on_disconnected (QsslSocket *s, Recorder *r) { record (r, "disconnected"); r->disconnected = TRUE; }
static void on_ready_read (QsslSocket *s, Recorder *r) { r->ready_reads++; }

static void
on_error (QsslSocket      *socket,
          QsslSocketError  error,
          Recorder        *recorder)
{
  g_autofree char *event = g_strdup_printf ("error:%d", error);

  record (recorder, event);
  recorder->error = error;
}

static QsslSocket *
client_new (Recorder *recorder)
{
  QsslSocket *socket = qssl_socket_new ();
  g_autoptr(QsslConfiguration) configuration = qssl_test_client_configuration ();

  recorder->events = g_string_new (NULL);
  recorder->error = -2;
  qssl_socket_set_ssl_configuration (socket, configuration);
  g_signal_connect (socket, "host-found", G_CALLBACK (on_host_found), recorder);
  g_signal_connect (socket, "connected", G_CALLBACK (on_connected), recorder);
  g_signal_connect (socket, "state-changed", G_CALLBACK (on_state_changed), recorder);
  g_signal_connect (socket, "mode-changed", G_CALLBACK (on_mode_changed), recorder);
  g_signal_connect (socket, "peer-verify-error", G_CALLBACK (on_peer_verify_error), recorder);
  g_signal_connect (socket, "ssl-errors", G_CALLBACK (on_ssl_errors), recorder);
  g_signal_connect (socket, "encrypted", G_CALLBACK (on_encrypted), recorder);
  g_signal_connect (socket, "disconnected", G_CALLBACK (on_disconnected), recorder);
  g_signal_connect (socket, "ready-read", G_CALLBACK (on_ready_read), recorder);
  g_signal_connect (socket, "error-occurred", G_CALLBACK (on_error), recorder);
  g_signal_connect (socket, "read-channel-finished", G_CALLBACK (on_read_finished), recorder);
  return socket;
}

static void
recorder_clear (Recorder *recorder)
{
  g_string_free (recorder->events, TRUE);
  g_clear_pointer (&recorder->ssl_errors, g_ptr_array_unref);
}

static gboolean
wait_until_done (Recorder *recorder)
{
  GMainContext *context = g_main_context_default ();
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (!recorder->encrypted && !recorder->disconnected && recorder->error == -2 &&
         g_get_monotonic_time () < deadline)
    g_main_context_iteration (context, TRUE);
  return recorder->encrypted;
}

static void
iterate_until_ready_reads (Recorder *recorder,
                           guint     count)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (recorder->ready_reads < count && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
}

static gboolean
keep_waking (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

static void
on_bytes_written (QsslSocket *socket,
                  gint64      bytes,
                  gint64     *total)
{
  *total += bytes;
}

static void
check_handshake (const char *cert_name,
                 const char *host)
{
  gint64 plain_written = 0, encrypted_written = 0;
  g_autoptr(Server) server = server_start (cert_name, SERVER_ECHO);
  Recorder recorder = { 0 };
  g_autoptr(QsslSocket) client = client_new (&recorder);
  g_autoptr(GBytes) echo = NULL;
  g_autoptr(QsslCertificate) expected = NULL;
  g_autofree char *expected_pem = g_strconcat (cert_name, ".pem", NULL);
  g_autoptr(GInetAddress) peer = NULL;
  GSocketFamily family;

  server_run (server);
  g_signal_connect (client, "bytes-written", G_CALLBACK (on_bytes_written), &plain_written);
  g_signal_connect (client, "encrypted-bytes-written", G_CALLBACK (on_bytes_written), &encrypted_written);
  qssl_socket_connect_to_host_encrypted (client, host, server->port, QSSL_NETWORK_LAYER_PROTOCOL_ANY_IP);
  /* Written before the handshake: queued, sent after encrypted (Qt). */
  g_assert_cmpint (qssl_socket_write (client, (const guint8 *) "ping\n", 5), ==, 5);
  g_assert_cmpint (qssl_socket_bytes_to_write (client), ==, 5);
  g_assert_true (wait_until_done (&recorder));
  g_assert_cmpstr (recorder.events->str, ==,
                   "state:1 host-found state:2 state:3 connected mode:1 encrypted");
  g_assert_true (qssl_socket_is_encrypted (client));
  g_assert_cmpint (qssl_socket_get_mode (client), ==, QSSL_MODE_SSL_CLIENT);
  g_assert_cmpint (qssl_socket_get_session_protocol (client), ==, QSSL_PROTOCOL_TLS_V1_3);
  g_assert_nonnull (qssl_socket_get_session_cipher (client));
  expected = qssl_test_pki_certificate (expected_pem);
  g_assert_true (qssl_certificate_equal (qssl_socket_get_peer_certificate (client), expected));
  peer = qssl_socket_get_peer_address (client);
  family = g_inet_address_get_family (peer);
  if (g_hostname_is_ip_address (host))
    {
      g_autofree char *text = g_inet_address_to_string (peer);
      g_assert_cmpstr (text, ==, host);
    }
  g_assert_cmpint (g_socket_get_family (g_socket_connection_get_socket (G_SOCKET_CONNECTION (client))), ==, family);
  g_assert_cmpuint (qssl_socket_get_peer_port (client), ==, server->port);

  iterate_until_ready_reads (&recorder, 1);
  while (qssl_socket_bytes_available (client) < 5 && recorder.ready_reads < 10)
    iterate_until_ready_reads (&recorder, recorder.ready_reads + 1);
  echo = qssl_socket_read_all (client);
  g_assert_cmpmem (g_bytes_get_data (echo, NULL), g_bytes_get_size (echo), "ping\n", 5);
  /* bytes-written counts plaintext; encrypted-bytes-written what reached the
   * kernel after the handshake, record overhead included. Both come from the
   * main loop, possibly after the echo. */
  {
    gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
    guint wake = g_timeout_add (50, keep_waking, NULL); /* bounds each blocking iteration */

    while ((plain_written < 5 || encrypted_written == 0) && g_get_monotonic_time () < deadline)
      g_main_context_iteration (NULL, TRUE);
    g_source_remove (wake);
  }
  g_assert_cmpint (plain_written, ==, 5);
  g_assert_cmpint (encrypted_written, >, 5);

  qssl_socket_disconnect_from_host (client);
  g_assert_cmpint (qssl_socket_get_state (client), ==, QSSL_SOCKET_STATE_UNCONNECTED);
  recorder_clear (&recorder);
}

static void test_handshake_rsa_ipv4 (void) { check_handshake ("server-rsa", "127.0.0.1"); }
static void test_handshake_ec_ipv6 (void) { check_handshake ("server-ec", "::1"); }
static void test_handshake_by_name (void) { check_handshake ("server-ec", "localhost"); }

static void
check_failure (const char          *cert_name,
               gboolean             leaf_only,
               const QsslErrorCode *codes,
               guint                n_codes)
{
  g_autoptr(Server) server = server_start (cert_name, SERVER_WRITE_FIRST);
  Recorder recorder = { 0 };
  g_autoptr(QsslSocket) client = client_new (&recorder);
  g_autoptr(GPtrArray) kept = NULL;

  server->leaf_only = leaf_only;
  server_run (server);
  qssl_socket_connect_to_host_encrypted (client, "localhost", server->port, QSSL_NETWORK_LAYER_PROTOCOL_IPV4);
  g_assert_false (wait_until_done (&recorder));
  g_assert_nonnull (recorder.ssl_errors);
  for (guint i = 0; i < recorder.ssl_errors->len; i++)
    g_test_message ("error %d", qssl_error_get_error (g_ptr_array_index (recorder.ssl_errors, i)));
  g_assert_cmpuint (recorder.ssl_errors->len, ==, n_codes);
  for (guint i = 0; i < n_codes; i++)
    g_assert_cmpint (qssl_error_get_error (g_ptr_array_index (recorder.ssl_errors, i)), ==, codes[i]);
  g_assert_cmpuint (recorder.peer_verify_errors, ==, n_codes);
  g_assert_cmpint (recorder.error, ==, QSSL_SOCKET_ERROR_SSL_HANDSHAKE_FAILED);
  g_assert_true (recorder.disconnected);
  g_assert_false (recorder.encrypted);
  /* Not one byte of application data before verification. */
  g_assert_cmpuint (recorder.ready_reads, ==, 0);
  g_assert_cmpint (qssl_socket_bytes_available (client), ==, 0);
  g_assert_cmpint (qssl_socket_get_state (client), ==, QSSL_SOCKET_STATE_UNCONNECTED);
  g_assert_true (g_str_has_suffix (recorder.events->str, "ssl-errors error:13 state:6 state:0 disconnected"));
  kept = qssl_socket_get_ssl_handshake_errors (client);
  g_assert_cmpuint (kept->len, ==, n_codes);
  recorder_clear (&recorder);
}

static void
test_verify_expired (void)
{
  const QsslErrorCode codes[] = { QSSL_ERROR_CODE_CERTIFICATE_EXPIRED };
  check_failure ("expired", FALSE, codes, G_N_ELEMENTS (codes));
}

static void
test_verify_not_yet_valid (void)
{
  const QsslErrorCode codes[] = { QSSL_ERROR_CODE_CERTIFICATE_NOT_YET_VALID };
  check_failure ("not-yet-valid", FALSE, codes, G_N_ELEMENTS (codes));
}

static void
test_verify_wrong_host (void)
{
  const QsslErrorCode codes[] = { QSSL_ERROR_CODE_HOST_NAME_MISMATCH };
  check_failure ("wrong-host", FALSE, codes, G_N_ELEMENTS (codes));
}

/* A CA-issued certificate for "localhost\0.evil.test" is not one for
 * "localhost". */
static void
test_verify_nul_in_san (void)
{
  const QsslErrorCode codes[] = { QSSL_ERROR_CODE_HOST_NAME_MISMATCH };
  check_failure ("nul-in-san", FALSE, codes, G_N_ELEMENTS (codes));
}

static void
test_verify_nul_in_cn (void)
{
  const QsslErrorCode codes[] = { QSSL_ERROR_CODE_HOST_NAME_MISMATCH };
  check_failure ("nul-in-cn", FALSE, codes, G_N_ELEMENTS (codes));
}

static void
test_verify_self_signed (void)
{
  const QsslErrorCode codes[] = { QSSL_ERROR_CODE_SELF_SIGNED_CERTIFICATE };
  check_failure ("self-signed", TRUE, codes, G_N_ELEMENTS (codes));
}

static void
test_verify_unknown_ca (void)
{
  const QsslErrorCode codes[] = {
    QSSL_ERROR_CODE_UNABLE_TO_GET_LOCAL_ISSUER_CERTIFICATE,
    QSSL_ERROR_CODE_UNABLE_TO_VERIFY_FIRST_CERTIFICATE,
  };
  check_failure ("unknown-ca", TRUE, codes, G_N_ELEMENTS (codes));
}

static void
test_verify_missing_intermediate (void)
{
  const QsslErrorCode codes[] = {
    QSSL_ERROR_CODE_UNABLE_TO_GET_LOCAL_ISSUER_CERTIFICATE,
    QSSL_ERROR_CODE_UNABLE_TO_VERIFY_FIRST_CERTIFICATE,
  };
  check_failure ("server-ec", TRUE, codes, G_N_ELEMENTS (codes));
}

typedef enum { IGNORE_IN_HANDLER, IGNORE_BEFORE, IGNORE_EXACT_LIST, IGNORE_WRONG_LIST } IgnoreHow;

static void
check_ignore (IgnoreHow how)
{
  g_autoptr(Server) server = server_start ("wrong-host", SERVER_ECHO);
  Recorder recorder = { 0 };
  g_autoptr(QsslSocket) client = client_new (&recorder);
  g_autoptr(QsslCertificate) leaf = qssl_test_pki_certificate ("wrong-host.pem");
  g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func ((GDestroyNotify) qssl_error_free);

  server_run (server);
  switch (how)
    {
    case IGNORE_IN_HANDLER:
      recorder.ignore_in_handler = TRUE;
      break;
    case IGNORE_BEFORE:
      qssl_socket_ignore_ssl_errors (client);
      break;
    case IGNORE_EXACT_LIST:
      g_ptr_array_add (list, qssl_error_new (QSSL_ERROR_CODE_HOST_NAME_MISMATCH, leaf));
      qssl_socket_ignore_ssl_errors_list (client, list);
      break;
    case IGNORE_WRONG_LIST:
      g_ptr_array_add (list, qssl_error_new (QSSL_ERROR_CODE_HOST_NAME_MISMATCH, NULL));
      qssl_socket_ignore_ssl_errors_list (client, list);
      break;
    }
  qssl_socket_connect_to_host_encrypted (client, "localhost", server->port, QSSL_NETWORK_LAYER_PROTOCOL_IPV4);
  if (how == IGNORE_WRONG_LIST)
    {
      g_assert_false (wait_until_done (&recorder));
      g_assert_cmpint (recorder.error, ==, QSSL_SOCKET_ERROR_SSL_HANDSHAKE_FAILED);
    }
  else
    {
      g_assert_true (wait_until_done (&recorder));
      g_assert_true (g_str_has_suffix (recorder.events->str, "peer-verify-error ssl-errors encrypted"));
    }
  qssl_socket_abort (client);
  recorder_clear (&recorder);
}

/* Ignoring, before connecting or in a handler, is for one handshake: the
 * same socket connecting again verifies again. */
static void
check_ignore_not_kept (IgnoreHow how)
{
  g_autoptr(Server) server = server_start ("wrong-host", SERVER_ECHO);
  Recorder recorder = { 0 };
  g_autoptr(QsslSocket) client = client_new (&recorder);

  server_run (server);
  if (how == IGNORE_BEFORE)
    qssl_socket_ignore_ssl_errors (client);
  else
    recorder.ignore_in_handler = TRUE;
  qssl_socket_connect_to_host_encrypted (client, "localhost", server->port, QSSL_NETWORK_LAYER_PROTOCOL_IPV4);
  g_assert_true (wait_until_done (&recorder));
  qssl_socket_abort (client);

  recorder.ignore_in_handler = FALSE;
  recorder.encrypted = FALSE;
  recorder.disconnected = FALSE;
  recorder.error = -2;
  qssl_socket_connect_to_host_encrypted (client, "localhost", server->port, QSSL_NETWORK_LAYER_PROTOCOL_IPV4);
  g_assert_false (wait_until_done (&recorder));
  g_assert_cmpint (recorder.error, ==, QSSL_SOCKET_ERROR_SSL_HANDSHAKE_FAILED);
  g_assert_false (recorder.encrypted);
  recorder_clear (&recorder);
}

/* The ignore rules, in a table: what is called before connecting and what
 * in the ssl-errors handler (ignore all, a list that covers the host-name
 * mismatch, one that does not, or both), and whether a second connection of
 * the same socket, with no further calls, is accepted. As in Qt, ignoring
 * all is for one handshake and a list is kept until replaced. Unlike Qt's
 * code (where a non-empty list masks it), ignoring all accepts whatever the
 * list says: that is what Qt documents for the handler. */
typedef enum { LIST_NONE, LIST_MATCHING, LIST_NOT_MATCHING, LIST_EMPTY } IgnoreList;

typedef struct {
  const char *name;
  gboolean    all_before;
  IgnoreList  list_before;
  gboolean    all_in_handler;
  IgnoreList  list_in_handler;
  gboolean    accepted;
  gboolean    accepted_again;
} IgnoreRule;

static const IgnoreRule ignore_rules[] = {
  { "nothing",                        FALSE, LIST_NONE,         FALSE, LIST_NONE,         FALSE, FALSE },
  { "all-before",                     TRUE,  LIST_NONE,         FALSE, LIST_NONE,         TRUE,  FALSE },
  { "list-matching-before",           FALSE, LIST_MATCHING,     FALSE, LIST_NONE,         TRUE,  TRUE },
  { "list-not-matching-before",       FALSE, LIST_NOT_MATCHING, FALSE, LIST_NONE,         FALSE, FALSE },
  { "both-before",                    TRUE,  LIST_NOT_MATCHING, FALSE, LIST_NONE,         TRUE,  FALSE },
  { "all-in-handler",                 FALSE, LIST_NONE,         TRUE,  LIST_NONE,         TRUE,  FALSE },
  { "list-matching-in-handler",       FALSE, LIST_NONE,         FALSE, LIST_MATCHING,     TRUE,  TRUE },
  { "list-not-matching-in-handler",   FALSE, LIST_NONE,         FALSE, LIST_NOT_MATCHING, FALSE, FALSE },
  { "both-in-handler",                FALSE, LIST_NONE,         TRUE,  LIST_NOT_MATCHING, TRUE,  FALSE },
  { "list-before-all-in-handler",     FALSE, LIST_NOT_MATCHING, TRUE,  LIST_NONE,         TRUE,  FALSE },
  { "all-before-list-in-handler",     TRUE,  LIST_NONE,         FALSE, LIST_NOT_MATCHING, TRUE,  FALSE },
  { "list-matching-then-cleared",     FALSE, LIST_MATCHING,     FALSE, LIST_EMPTY,        FALSE, FALSE },
};

typedef struct {
  const IgnoreRule *rule;
  QsslCertificate  *leaf;
  gboolean          first;
} IgnoreCase;

static void
set_ignore_list (QsslSocket      *socket,
                 IgnoreList       kind,
                 QsslCertificate *leaf)
{
  g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func ((GDestroyNotify) qssl_error_free);

  if (kind == LIST_NONE)
    return;
  /* The error is the mismatch for this certificate; without it, it is
   * another error (code and certificate must both match). */
  if (kind == LIST_MATCHING)
    g_ptr_array_add (list, qssl_error_new (QSSL_ERROR_CODE_HOST_NAME_MISMATCH, leaf));
  else if (kind == LIST_NOT_MATCHING)
    g_ptr_array_add (list, qssl_error_new (QSSL_ERROR_CODE_HOST_NAME_MISMATCH, NULL));
  qssl_socket_ignore_ssl_errors_list (socket, list);
}

static void
on_ssl_errors_apply_rule (QsslSocket *socket,
                          GPtrArray  *errors,
                          IgnoreCase *ignore_case)
{
  if (!ignore_case->first)
    return;
  if (ignore_case->rule->all_in_handler)
    qssl_socket_ignore_ssl_errors (socket);
  set_ignore_list (socket, ignore_case->rule->list_in_handler, ignore_case->leaf);
}

static void
test_ignore_rule (gconstpointer data)
{
  const IgnoreRule *rule = data;
  g_autoptr(Server) server = server_start ("wrong-host", SERVER_ECHO);
  Recorder recorder = { 0 };
  g_autoptr(QsslSocket) client = client_new (&recorder);
  g_autoptr(QsslCertificate) leaf = qssl_test_pki_certificate ("wrong-host.pem");
  IgnoreCase ignore_case = { rule, leaf, TRUE };

  server_run (server);
  g_signal_connect (client, "ssl-errors", G_CALLBACK (on_ssl_errors_apply_rule), &ignore_case);
  if (rule->all_before)
    qssl_socket_ignore_ssl_errors (client);
  set_ignore_list (client, rule->list_before, leaf);

  for (guint round = 0; round < 2; round++)
    {
      gboolean expected = round == 0 ? rule->accepted : rule->accepted_again;

      ignore_case.first = round == 0;
      recorder.encrypted = recorder.disconnected = FALSE;
      recorder.error = -2;
      qssl_socket_connect_to_host_encrypted (client, "localhost", server->port, QSSL_NETWORK_LAYER_PROTOCOL_IPV4);
      if (expected)
        {
          g_assert_true (wait_until_done (&recorder));
          g_assert_cmpint (recorder.error, ==, -2);
        }
      else
        {
          g_assert_false (wait_until_done (&recorder));
          g_assert_cmpint (recorder.error, ==, QSSL_SOCKET_ERROR_SSL_HANDSHAKE_FAILED);
        }
      /* Either way the mismatch was reported. */
      g_assert_nonnull (recorder.ssl_errors);
      g_assert_cmpuint (recorder.ssl_errors->len, ==, 1);
      g_assert_cmpint (qssl_error_get_error (g_ptr_array_index (recorder.ssl_errors, 0)), ==,
                       QSSL_ERROR_CODE_HOST_NAME_MISMATCH);
      g_clear_pointer (&recorder.ssl_errors, g_ptr_array_unref);
      qssl_socket_abort (client);
    }
  recorder_clear (&recorder);
}

static void test_ignore_in_handler (void) { check_ignore (IGNORE_IN_HANDLER); }
static void test_ignore_not_kept_before (void) { check_ignore_not_kept (IGNORE_BEFORE); }
static void test_ignore_not_kept_in_handler (void) { check_ignore_not_kept (IGNORE_IN_HANDLER); }
static void test_ignore_before_connect (void) { check_ignore (IGNORE_BEFORE); }
static void test_ignore_exact_list (void) { check_ignore (IGNORE_EXACT_LIST); }
static void test_ignore_wrong_list (void) { check_ignore (IGNORE_WRONG_LIST); }

static void
test_abort_in_peer_verify_error (void)
{
  g_autoptr(Server) server = server_start ("expired", SERVER_ECHO);
  Recorder recorder = { 0 };
  g_autoptr(QsslSocket) client = client_new (&recorder);

  server_run (server);
  recorder.abort_in_verify_error = TRUE;
  recorder.ignore_in_handler = TRUE;
  qssl_socket_connect_to_host_encrypted (client, "localhost", server->port, QSSL_NETWORK_LAYER_PROTOCOL_IPV4);
  g_assert_false (wait_until_done (&recorder));
  g_assert_null (recorder.ssl_errors);
  g_assert_false (recorder.encrypted);
  g_assert_cmpint (qssl_socket_get_state (client), ==, QSSL_SOCKET_STATE_UNCONNECTED);
  recorder_clear (&recorder);
}

static gboolean
resume_later (gpointer user_data)
{
  QsslSocket *client = user_data;

  qssl_socket_ignore_ssl_errors (client);
  qssl_socket_resume (client);
  return G_SOURCE_REMOVE;
}

static void
test_pause_and_resume (void)
{
  g_autoptr(Server) server = server_start ("wrong-host", SERVER_WRITE_FIRST);
  Recorder recorder = { 0 };
  g_autoptr(QsslSocket) client = client_new (&recorder);

  server_run (server);
  qssl_socket_set_pause_mode (client, QSSL_PAUSE_MODES_ON_SSL_ERRORS);
  qssl_socket_connect_to_host_encrypted (client, "localhost", server->port, QSSL_NETWORK_LAYER_PROTOCOL_IPV4);
  while (recorder.ssl_errors == NULL)
    g_main_context_iteration (NULL, TRUE);
  /* Paused: neither failed nor encrypted, and no data read. */
  g_assert_cmpint (qssl_socket_get_state (client), ==, QSSL_SOCKET_STATE_CONNECTED);
  g_assert_false (recorder.encrypted);
  g_assert_cmpint (recorder.error, ==, -2);
  g_timeout_add (100, resume_later, client);
  g_assert_true (wait_until_done (&recorder));
  iterate_until_ready_reads (&recorder, 1);
  g_assert_cmpuint (recorder.ready_reads, >=, 1);
  qssl_socket_abort (client);
  recorder_clear (&recorder);
}

/* The user's reference, in C: connect, wait for encryption, write a
 * request, read with wait_for_ready_read() — no main loop anywhere. */
static void
test_blocking_seed_example (void)
{
  g_autoptr(Server) server = server_start ("server-rsa", SERVER_ECHO);
  g_autoptr(QsslSocket) socket = qssl_socket_new ();
  g_autoptr(QsslConfiguration) configuration = qssl_test_client_configuration ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) received = g_string_new (NULL);
  const char request[] = "GET / HTTP/1.0\r\n\r\n";

  server_run (server);
  qssl_socket_set_ssl_configuration (socket, configuration);
  qssl_socket_connect_to_host_encrypted (socket, "localhost", server->port, QSSL_NETWORK_LAYER_PROTOCOL_ANY_IP);
  g_assert_true (qssl_socket_wait_for_encrypted (socket, 10000, &error));
  g_assert_no_error (error);
  qssl_socket_write (socket, (const guint8 *) request, strlen (request));
  while (received->len < strlen (request) && qssl_socket_wait_for_ready_read (socket, 10000, &error))
    {
      g_autoptr(GBytes) data = qssl_socket_read_all (socket);
      g_string_append_len (received, g_bytes_get_data (data, NULL), g_bytes_get_size (data));
    }
  g_assert_no_error (error);
  g_assert_cmpstr (received->str, ==, request);
  qssl_socket_disconnect_from_host (socket);
  g_assert_true (qssl_socket_wait_for_disconnected (socket, 1000, NULL));
}

/* Connects a blocking client to an echo server. */
static QsslSocket *
echo_client (Server *server)
{
  QsslSocket *socket = qssl_socket_new ();
  g_autoptr(QsslConfiguration) configuration = qssl_test_client_configuration ();
  g_autoptr(GError) error = NULL;

  server_run (server);
  qssl_socket_set_ssl_configuration (socket, configuration);
  qssl_socket_connect_to_host_encrypted (socket, "localhost", server->port, QSSL_NETWORK_LAYER_PROTOCOL_IPV4);
  g_assert_true (qssl_socket_wait_for_encrypted (socket, 10000, &error));
  g_assert_no_error (error);
  return socket;
}

static void
read_three_once (QsslSocket *socket,
                 Recorder   *recorder)
{
  guint8 head[3];

  if (recorder->ready_reads++ == 0)
    g_assert_cmpint (qssl_socket_read (socket, head, sizeof head), ==, 3);
}

/* A handler that leaves data unread gets no second ready-read until more
 * arrives, however long the loop runs, and the rest stays readable. */
static void
test_partial_read_announced_once (void)
{
  g_autoptr(Server) server = server_start ("server-ec", SERVER_ECHO);
  g_autoptr(QsslSocket) socket = echo_client (server);
  Recorder recorder = { 0 };
  g_autoptr(GBytes) rest = NULL;

  g_signal_connect (socket, "ready-read", G_CALLBACK (read_three_once), &recorder);
  qssl_socket_write (socket, (const guint8 *) "0123456789", 10);
  iterate_until_ready_reads (&recorder, 1);
  g_assert_cmpuint (recorder.ready_reads, ==, 1);
  /* Everything the loop has to do now, without blocking: no new signal. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpuint (recorder.ready_reads, ==, 1);
  g_assert_cmpint (qssl_socket_bytes_available (socket), ==, 7);
  rest = qssl_socket_peek_bytes (socket, 100);
  g_assert_cmpmem (g_bytes_get_data (rest, NULL), g_bytes_get_size (rest), "3456789", 7);
  g_clear_pointer (&rest, g_bytes_unref);
  g_assert_false (qssl_socket_can_read_line (socket));
  rest = qssl_socket_read_all (socket);
  g_assert_cmpmem (g_bytes_get_data (rest, NULL), g_bytes_get_size (rest), "3456789", 7);
  g_assert_cmpint (qssl_socket_bytes_available (socket), ==, 0);
  qssl_socket_abort (socket);
}

static void
expect_line (QsslSocket *socket,
             const char *line)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) got = NULL;

  while (!qssl_socket_can_read_line (socket))
    {
      g_assert_true (qssl_socket_wait_for_ready_read (socket, 10000, &error));
      g_assert_no_error (error);
    }
  got = qssl_socket_read_line (socket, 0);
  g_assert_cmpmem (g_bytes_get_data (got, NULL), g_bytes_get_size (got), line, strlen (line));
}

/* Lines that span records, each record echoed on its own: the tail of one
 * waits unread while the next arrives. */
static void
test_lines_across_records (void)
{
  g_autoptr(Server) server = server_start ("server-ec", SERVER_ECHO);
  g_autoptr(QsslSocket) socket = echo_client (server);

  qssl_socket_write (socket, (const guint8 *) "alpha\nbr", 8);
  expect_line (socket, "alpha\n");
  g_assert_cmpint (qssl_socket_bytes_available (socket), ==, 2);
  qssl_socket_write (socket, (const guint8 *) "avo\ncha", 7);
  expect_line (socket, "bravo\n");
  g_assert_cmpint (qssl_socket_bytes_available (socket), ==, 3);
  qssl_socket_write (socket, (const guint8 *) "rlie\n", 5);
  expect_line (socket, "charlie\n");
  g_assert_cmpint (qssl_socket_bytes_available (socket), ==, 0);
  g_assert_false (qssl_socket_at_end (socket));
  qssl_socket_abort (socket);
}

/* Bounding the buffer while data waits unread keeps every byte. */
static void
test_bound_buffer_with_data_waiting (void)
{
  g_autoptr(Server) server = server_start ("server-ec", SERVER_ECHO);
  g_autoptr(QsslSocket) socket = echo_client (server);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) data = NULL;

  qssl_socket_write (socket, (const guint8 *) "0123456789", 10);
  while (qssl_socket_bytes_available (socket) < 10)
    g_assert_true (qssl_socket_wait_for_ready_read (socket, 10000, &error));
  qssl_socket_set_read_buffer_size (socket, 4);
  g_assert_cmpint (qssl_socket_bytes_available (socket), ==, 10);
  data = qssl_socket_read_all (socket);
  g_assert_cmpmem (g_bytes_get_data (data, NULL), g_bytes_get_size (data), "0123456789", 10);
  qssl_socket_abort (socket);
}

typedef struct {
  GChecksum *sum;
  gsize      received;
} SmallReads;

static void
read_in_small_pieces (QsslSocket *socket,
                      SmallReads *reads)
{
  guint8 piece[777];
  gssize n;

  while ((n = qssl_socket_read (socket, piece, sizeof piece)) > 0)
    {
      g_checksum_update (reads->sum, piece, n);
      reads->received += n;
    }
}

/* Reads smaller than a record, and than what one ready-read lets a read
 * decrypt, still deliver every byte in order. */
static void
test_small_reads_in_handler (void)
{
  const gsize total = 4 * 1024 * 1024;
  g_autoptr(Server) server = server_start ("server-ec", SERVER_ECHO);
  g_autoptr(QsslSocket) socket = echo_client (server);
  g_autoptr(GChecksum) sent_sum = g_checksum_new (G_CHECKSUM_SHA256);
  SmallReads reads = { g_checksum_new (G_CHECKSUM_SHA256), 0 };
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  guint8 *block = g_malloc (total);

  for (gsize i = 0; i < total; i++)
    block[i] = (guint8) (i * 7 + i / 4096);
  g_checksum_update (sent_sum, block, total);
  g_signal_connect (socket, "ready-read", G_CALLBACK (read_in_small_pieces), &reads);
  qssl_socket_write (socket, block, total);
  while (reads.received < total && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (reads.received, ==, total);
  g_assert_cmpstr (g_checksum_get_string (reads.sum), ==, g_checksum_get_string (sent_sum));
  g_checksum_free (reads.sum);
  g_free (block);
  qssl_socket_abort (socket);
}

static void
test_wait_timeout (void)
{
  g_autoptr(Server) server = server_start ("server-rsa", SERVER_SILENT);
  Recorder recorder = { 0 };
  g_autoptr(QsslSocket) socket = client_new (&recorder);
  g_autoptr(GError) error = NULL;
  gint64 start;

  server_run (server);
  qssl_socket_connect_to_host_encrypted (socket, "127.0.0.1", server->port, QSSL_NETWORK_LAYER_PROTOCOL_ANY_IP);
  g_assert_true (qssl_socket_wait_for_connected (socket, 5000, &error));
  g_assert_no_error (error);
  g_string_truncate (recorder.events, 0);
  start = g_get_monotonic_time ();
  g_assert_false (qssl_socket_wait_for_encrypted (socket, 300, &error));
  g_assert_error (error, QSSL_SOCKET_ERROR, QSSL_SOCKET_ERROR_SOCKET_TIMEOUT);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 290 * 1000);
  /* As Qt's: error-occurred reports the timeout, and the socket stays
   * connected with its handshake still going. */
  g_assert_cmpstr (recorder.events->str, ==, "error:5");
  g_assert_cmpint (qssl_socket_get_error (socket), ==, QSSL_SOCKET_ERROR_SOCKET_TIMEOUT);
  g_assert_cmpint (qssl_socket_get_state (socket), ==, QSSL_SOCKET_STATE_CONNECTED);
  g_assert_cmpint (qssl_socket_get_mode (socket), ==, QSSL_MODE_SSL_CLIENT);
  g_clear_error (&error);
  g_assert_false (qssl_socket_wait_for_ready_read (socket, 100, &error));
  g_assert_error (error, QSSL_SOCKET_ERROR, QSSL_SOCKET_ERROR_SOCKET_TIMEOUT);
  g_assert_cmpstr (recorder.events->str, ==, "error:5 error:5");
  qssl_socket_abort (socket);
  recorder_clear (&recorder);
}

/* A listener whose backlog is full: the kernel ignores further SYNs, so a
 * connect to it stays in progress. */
static GSocket *
full_listener (guint16   *port,
               GPtrArray *fillers)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any_port = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  GSocket *listener = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);

  g_assert_nonnull (listener);
  g_socket_set_listen_backlog (listener, 0);
  g_assert_true (g_socket_bind (listener, any_port, FALSE, NULL));
  g_assert_true (g_socket_listen (listener, NULL));
  bound = g_socket_get_local_address (listener, NULL);
  *port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  for (int i = 0; i < 4; i++)
    {
      GSocket *filler = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);

      g_socket_set_blocking (filler, FALSE);
      g_socket_connect (filler, bound, NULL, NULL);
      g_ptr_array_add (fillers, filler);
    }
  return listener;
}

/* As QAbstractSocket::waitForConnected(): a timeout gives up the connection
 * attempt, with state UNCONNECTED and SocketTimeoutError. */
static void
test_wait_connect_timeout (void)
{
  g_autoptr(GPtrArray) fillers = g_ptr_array_new_with_free_func (g_object_unref);
  guint16 port = 0;
  g_autoptr(GSocket) listener = full_listener (&port, fillers);
  Recorder recorder = { 0 };
  g_autoptr(QsslSocket) socket = client_new (&recorder);
  g_autoptr(GError) error = NULL;

  qssl_socket_connect_to_host_encrypted (socket, "127.0.0.1", port, QSSL_NETWORK_LAYER_PROTOCOL_IPV4);
  if (qssl_socket_wait_for_connected (socket, 300, &error))
    {
      g_test_skip ("the kernel accepted a connection beyond the listen backlog");
      qssl_socket_abort (socket);
      recorder_clear (&recorder);
      return;
    }
  g_assert_error (error, QSSL_SOCKET_ERROR, QSSL_SOCKET_ERROR_SOCKET_TIMEOUT);
  g_assert_cmpint (qssl_socket_get_state (socket), ==, QSSL_SOCKET_STATE_UNCONNECTED);
  g_assert_cmpint (qssl_socket_get_error (socket), ==, QSSL_SOCKET_ERROR_SOCKET_TIMEOUT);
  g_assert_cmpstr (recorder.events->str, ==, "state:1 host-found state:2 state:0");
  g_clear_error (&error);

  /* A wait for encryption that times out while connecting does the same. */
  g_string_truncate (recorder.events, 0);
  qssl_socket_connect_to_host_encrypted (socket, "127.0.0.1", port, QSSL_NETWORK_LAYER_PROTOCOL_IPV4);
  g_assert_false (qssl_socket_wait_for_encrypted (socket, 300, &error));
  g_assert_error (error, QSSL_SOCKET_ERROR, QSSL_SOCKET_ERROR_SOCKET_TIMEOUT);
  g_assert_cmpint (qssl_socket_get_state (socket), ==, QSSL_SOCKET_STATE_UNCONNECTED);
  recorder_clear (&recorder);
}

static void
test_bulk_sha256 (void)
{
  const gsize total = 64 * 1024 * 1024;
  g_autoptr(Server) server = server_start ("server-ec", SERVER_ECHO);
  g_autoptr(QsslSocket) socket = qssl_socket_new ();
  g_autoptr(QsslConfiguration) configuration = qssl_test_client_configuration ();
  g_autoptr(GChecksum) sent_sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autoptr(GChecksum) received_sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autoptr(GError) error = NULL;
  guint8 *block = g_malloc (256 * 1024);
  gsize sent = 0, received = 0;
  guint32 seed = 42;

  server_run (server);
  qssl_socket_set_ssl_configuration (socket, configuration);
  qssl_socket_connect_to_host_encrypted (socket, "localhost", server->port, QSSL_NETWORK_LAYER_PROTOCOL_ANY_IP);
  g_assert_true (qssl_socket_wait_for_encrypted (socket, 10000, &error));
  while (received < total)
    {
      if (sent < total && qssl_socket_bytes_to_write (socket) < 1024 * 1024)
        {
          for (gsize i = 0; i < 256 * 1024; i++)
            {
              seed = seed * 1103515245u + 12345u;
              block[i] = seed >> 24;
            }
          g_checksum_update (sent_sum, block, 256 * 1024);
          qssl_socket_write (socket, block, 256 * 1024);
          sent += 256 * 1024;
        }
      if (qssl_socket_bytes_available (socket) == 0)
        g_assert_true (qssl_socket_wait_for_ready_read (socket, 10000, &error) ||
                       qssl_socket_bytes_to_write (socket) > 0);
      g_clear_error (&error);
      {
        g_autoptr(GBytes) data = qssl_socket_read_all (socket);
        g_checksum_update (received_sum, g_bytes_get_data (data, NULL), g_bytes_get_size (data));
        received += g_bytes_get_size (data);
      }
      if (qssl_socket_bytes_to_write (socket) > 0)
        qssl_socket_flush (socket);
    }
  g_assert_cmpuint (received, ==, total);
  g_assert_cmpstr (g_checksum_get_string (sent_sum), ==, g_checksum_get_string (received_sum));
  g_free (block);
  qssl_socket_abort (socket);
}

/* send(), sendto() and sendmsg() calls this thread has made: the library's
 * calls resolve to these wrappers, which count and then make the real
 * call. (/proc/thread-self/io does not count socket sends.) */
static __thread gint64 socket_sends;

#define REAL(name) \
  static __typeof__ (name) *real; \
  if (real == NULL) \
    real = (__typeof__ (name) *) dlsym (RTLD_NEXT, #name); \
  socket_sends++

ssize_t
send (int         fd,
      const void *data,
      size_t      size,
      int         flags)
{
  REAL (send);
  return real (fd, data, size, flags);
}

ssize_t
sendto (int                    fd,
        const void            *data,
        size_t                 size,
        int                    flags,
        const struct sockaddr *address,
        socklen_t              address_size)
{
  REAL (sendto);
  return real (fd, data, size, flags, address, address_size);
}

ssize_t
sendmsg (int                  fd,
         const struct msghdr *message,
         int                  flags)
{
  REAL (sendmsg);
  return real (fd, message, flags);
}

/* A large write leaves several TLS records per send(): 8 MiB are 512 full
 * records, which took 512 send() calls, one per record. Both ways out are
 * counted: a backlog the write pump drains (written before the handshake
 * ended), and a write the kernel takes at once. The bound leaves room for
 * partial sends should the kernel's buffer fill. */
static void
test_records_per_send (void)
{
  const gsize total = 8 * 1024 * 1024;
  const gint64 records = total / (16 * 1024);
  g_autoptr(Server) server = server_start ("server-ec", SERVER_SINK);
  g_autoptr(QsslSocket) socket = qssl_socket_new ();
  g_autoptr(QsslConfiguration) configuration = qssl_test_client_configuration ();
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *data = g_malloc0 (total);
  gint64 before, backlog_sends, direct_sends;

  sink_total = 2 * total;
  sink_received = 0;
  server_run (server);
  qssl_socket_set_ssl_configuration (socket, configuration);
  qssl_socket_connect_to_host_encrypted (socket, "localhost", server->port, QSSL_NETWORK_LAYER_PROTOCOL_ANY_IP);

  before = socket_sends;
  g_assert_cmpint (qssl_socket_write (socket, data, total), ==, total);
  g_assert_true (qssl_socket_wait_for_encrypted (socket, 10000, &error));
  while (qssl_socket_encrypted_bytes_to_write (socket) > 0)
    g_assert_true (qssl_socket_wait_for_bytes_written (socket, 10000, &error));
  /* Less the client's handshake flights. */
  backlog_sends = socket_sends - before - 2;

  before = socket_sends;
  g_assert_cmpint (qssl_socket_write (socket, data, total), ==, total);
  while (qssl_socket_encrypted_bytes_to_write (socket) > 0)
    g_assert_true (qssl_socket_wait_for_bytes_written (socket, 10000, &error));
  direct_sends = socket_sends - before;
  g_test_message ("%" G_GINT64_FORMAT " and %" G_GINT64_FORMAT " send calls for %" G_GINT64_FORMAT " records",
                  backlog_sends, direct_sends, records);

  /* Everything arrived: the sink answers once it has it all. */
  while (qssl_socket_bytes_available (socket) < 1)
    g_assert_true (qssl_socket_wait_for_ready_read (socket, 10000, &error));
  g_assert_cmpint (qssl_socket_read (socket, data, 1), ==, 1);
  g_assert_cmpint (data[0], ==, 'A');

  g_assert_cmpint (backlog_sends, <=, records / 2);
  g_assert_cmpint (direct_sends, <=, records / 2);
  qssl_socket_abort (socket);
}

/* A peer that resets the connection during a bulk write: however the
 * failure shows (a send() of gathered records, a write, a read), the
 * socket reports an error and closes, and the writer does not hang. */
static void
test_reset_during_bulk_write (void)
{
  const gsize chunk = 1024 * 1024;
  g_autoptr(Server) server = server_start ("server-ec", SERVER_RESET);
  g_autoptr(QsslSocket) socket = qssl_socket_new ();
  g_autoptr(QsslConfiguration) configuration = qssl_test_client_configuration ();
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *data = g_malloc0 (chunk);
  guint rounds = 0;

  server_run (server);
  qssl_socket_set_ssl_configuration (socket, configuration);
  qssl_socket_connect_to_host_encrypted (socket, "localhost", server->port, QSSL_NETWORK_LAYER_PROTOCOL_ANY_IP);
  g_assert_true (qssl_socket_wait_for_encrypted (socket, 10000, &error));
  while (qssl_socket_get_state (socket) != QSSL_SOCKET_STATE_UNCONNECTED && rounds++ < 1024)
    {
      if (qssl_socket_write (socket, data, chunk) < 0)
        break;
      while (qssl_socket_bytes_to_write (socket) > 0 &&
             qssl_socket_wait_for_bytes_written (socket, 10000, NULL))
        ;
    }
  g_assert_cmpint (qssl_socket_get_state (socket), ==, QSSL_SOCKET_STATE_UNCONNECTED);
  g_assert_true (qssl_socket_get_error (socket) == QSSL_SOCKET_ERROR_REMOTE_HOST_CLOSED ||
                 qssl_socket_get_error (socket) == QSSL_SOCKET_ERROR_SSL_INTERNAL);
  g_assert_nonnull (qssl_socket_get_error_string (socket));
  g_test_message ("after %u MiB: %s", rounds, qssl_socket_get_error_string (socket));
  g_assert_cmpint (qssl_socket_bytes_to_write (socket), ==, 0);
}

/* More unread plaintext than a 32-bit length can count (the default read
 * buffer is unbounded): none of it may be lost. Needs about 11 GiB of memory
 * and a minute, so only with QSSL_TEST_HUGE=<GiB> (5 is a good value). */
static void
test_huge_unread (void)
{
  const char *gib = g_getenv ("QSSL_TEST_HUGE");
  g_autoptr(Server) server = NULL;
  Recorder recorder = { 0 };
  g_autoptr(QsslSocket) client = NULL;
  g_autoptr(GBytes) all = NULL;
  g_autofree guint8 *expected = NULL;
  const guint8 *data;
  gint64 available, start, deadline;
  gsize size;
  struct rusage usage;

  if (gib == NULL || g_ascii_strtoull (gib, NULL, 10) == 0)
    {
      g_test_skip ("set QSSL_TEST_HUGE=5 to stream 5 GiB (about 11 GiB of memory)");
      return;
    }
  flood_total = g_ascii_strtoull (gib, NULL, 10) * 1024 * FLOOD_CHUNK;
  flood_sent = 0;
  server = server_start ("server-ec", SERVER_FLOOD);
  client = client_new (&recorder);
  server_run (server);
  start = g_get_monotonic_time ();
  qssl_socket_connect_to_host_encrypted (client, "localhost", server->port, QSSL_NETWORK_LAYER_PROTOCOL_IPV4);
  g_assert_true (wait_until_done (&recorder));
  /* Not a byte is read until the peer has sent everything and closed. */
  deadline = g_get_monotonic_time () + 600 * G_USEC_PER_SEC;
  while (!recorder.disconnected && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (recorder.disconnected);
  g_assert_true (recorder.read_finished);
  g_assert_cmpint (recorder.error, ==, -2);

  available = qssl_socket_bytes_available (client);
  g_test_message ("sent %" G_GUINT64_FORMAT ", bytes_available %" G_GINT64_FORMAT " after %.1f s",
                  flood_sent, available, (g_get_monotonic_time () - start) / 1e6);
  g_assert_cmpuint (flood_sent, ==, flood_total);
  g_assert_cmpint (available, ==, (gint64) flood_total);

  all = qssl_socket_read_all (client);
  data = g_bytes_get_data (all, &size);
  g_test_message ("read_all %" G_GSIZE_FORMAT, size);
  g_assert_cmpuint (size, ==, flood_total);
  expected = g_malloc (FLOOD_CHUNK);
  for (guint64 index = 0; index < flood_total / FLOOD_CHUNK; index++)
    {
      flood_chunk (index, expected);
      if (memcmp (data + index * FLOOD_CHUNK, expected, FLOOD_CHUNK) != 0)
        g_error ("chunk %" G_GUINT64_FORMAT " differs", index);
    }
  g_assert_cmpint (qssl_socket_bytes_available (client), ==, 0);
  getrusage (RUSAGE_SELF, &usage);
  g_test_message ("peak RSS %ld MiB, %.1f s in all", usage.ru_maxrss / 1024,
                  (g_get_monotonic_time () - start) / 1e6);
  recorder_clear (&recorder);
}

static void
check_close (ServerBehaviour behaviour)
{
  g_autoptr(Server) server = server_start ("server-ec", behaviour);
  Recorder recorder = { 0 };
  g_autoptr(QsslSocket) client = client_new (&recorder);
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  g_autoptr(GBytes) data = NULL;

  server_run (server);
  qssl_socket_connect_to_host_encrypted (client, "localhost", server->port, QSSL_NETWORK_LAYER_PROTOCOL_IPV4);
  g_assert_true (wait_until_done (&recorder));
  while (!recorder.disconnected && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (recorder.disconnected);
  /* Everything sent before the close arrived. */
  data = qssl_socket_read_all (client);
  g_assert_cmpmem (g_bytes_get_data (data, NULL), g_bytes_get_size (data), "greeting\n", 9);
  if (behaviour == SERVER_CLOSE_NOTIFY)
    {
      g_assert_true (recorder.read_finished);
      g_assert_cmpint (recorder.error, ==, -2);
    }
  else
    {
      g_assert_false (recorder.read_finished);
      g_assert_cmpint (recorder.error, ==, QSSL_SOCKET_ERROR_REMOTE_HOST_CLOSED);
    }
  recorder_clear (&recorder);
}

static void test_close_notify (void) { check_close (SERVER_CLOSE_NOTIFY); }
static void test_tcp_drop (void) { check_close (SERVER_DROP); }

static void
test_starttls (void)
{
  g_autoptr(Server) server = server_start ("server-ec", SERVER_STARTTLS);
  g_autoptr(QsslSocket) socket = qssl_socket_new ();
  g_autoptr(QsslConfiguration) configuration = qssl_test_client_configuration ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) reply = NULL;
  g_autoptr(GBytes) echo = NULL;

  server_run (server);
  qssl_socket_set_ssl_configuration (socket, configuration);
  qssl_socket_connect_to_host (socket, "localhost", server->port, QSSL_NETWORK_LAYER_PROTOCOL_IPV4);
  g_assert_true (qssl_socket_wait_for_connected (socket, 5000, &error));
  qssl_socket_write (socket, (const guint8 *) "STARTTLS\n", 9);
  while (!qssl_socket_can_read_line (socket))
    g_assert_true (qssl_socket_wait_for_ready_read (socket, 20000, &error));
  reply = qssl_socket_read_line (socket, 0);
  g_assert_cmpmem (g_bytes_get_data (reply, NULL), g_bytes_get_size (reply), "go ahead\n", 9);
  g_assert_false (qssl_socket_is_encrypted (socket));

  qssl_socket_start_client_encryption (socket);
  g_assert_cmpint (qssl_socket_get_mode (socket), ==, QSSL_MODE_SSL_CLIENT);
  g_assert_true (qssl_socket_wait_for_encrypted (socket, 20000, &error));
  g_assert_no_error (error);
  qssl_socket_write (socket, (const guint8 *) "secret\n", 7);
  while (qssl_socket_bytes_available (socket) < 7)
    g_assert_true (qssl_socket_wait_for_ready_read (socket, 20000, &error));
  echo = qssl_socket_read_all (socket);
  g_assert_cmpmem (g_bytes_get_data (echo, NULL), g_bytes_get_size (echo), "secret\n", 7);
  qssl_socket_abort (socket);
}

static void
test_read_buffer_limit (void)
{
  g_autoptr(Server) server = server_start ("server-ec", SERVER_ECHO);
  g_autoptr(QsslSocket) socket = qssl_socket_new ();
  g_autoptr(QsslConfiguration) configuration = qssl_test_client_configuration ();
  g_autoptr(GError) error = NULL;
  gsize total = 4 * 1024 * 1024, received = 0;
  guint8 *data = g_malloc0 (total);
  gboolean saw_backlog = FALSE;

  server_run (server);
  qssl_socket_set_ssl_configuration (socket, configuration);
  qssl_socket_set_read_buffer_size (socket, 40 * 1024);
  qssl_socket_connect_to_host_encrypted (socket, "localhost", server->port, QSSL_NETWORK_LAYER_PROTOCOL_IPV4);
  g_assert_true (qssl_socket_wait_for_encrypted (socket, 20000, &error));
  qssl_socket_write (socket, data, total);
  /* A slow reader: the buffer never holds more than the limit, and all
   * data still arrives. */
  while (received < total)
    {
      g_autoptr(GBytes) chunk = NULL;

      if (qssl_socket_bytes_available (socket) == 0)
        {
          if (!qssl_socket_wait_for_ready_read (socket, 20000, &error))
            break;
        }
      g_assert_cmpint (qssl_socket_bytes_available (socket), <=, 40 * 1024);
      if (qssl_socket_bytes_available (socket) == 40 * 1024)
        saw_backlog |= qssl_socket_encrypted_bytes_available (socket) > 0;
      chunk = qssl_socket_read_bytes (socket, 8 * 1024);
      received += g_bytes_get_size (chunk);
    }
  g_assert_no_error (error);
  g_assert_cmpuint (received, ==, total);
  /* With the buffer full, ciphertext waits (back-pressure), and is counted. */
  g_assert_true (saw_backlog);
  g_free (data);
  qssl_socket_abort (socket);
}

static void
test_connection_refused (void)
{
  Recorder recorder = { 0 };
  g_autoptr(QsslSocket) client = client_new (&recorder);
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  guint16 port = g_socket_listener_add_any_inet_port (listener, NULL, NULL);

  /* Nothing listens there any more. */
  g_socket_listener_close (listener);
  qssl_socket_connect_to_host_encrypted (client, "127.0.0.1", port, QSSL_NETWORK_LAYER_PROTOCOL_IPV4);
  g_assert_false (wait_until_done (&recorder));
  g_assert_cmpint (recorder.error, ==, QSSL_SOCKET_ERROR_CONNECTION_REFUSED);
  g_assert_cmpint (qssl_socket_get_state (client), ==, QSSL_SOCKET_STATE_UNCONNECTED);
  recorder_clear (&recorder);
}

static void
iterate_pending (void)
{
  for (int i = 0; i < 10; i++)
    while (g_main_context_iteration (NULL, FALSE))
      ;
}

static void
unref_when_unconnected (QsslSocket      *socket,
                        QsslSocketState  state)
{
  if (state == QSSL_SOCKET_STATE_UNCONNECTED)
    g_object_unref (socket);
}

static void
address_literal_child (void)
{
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  guint16 port = g_socket_listener_add_any_inet_port (listener, NULL, NULL);
  guint threads = qssl_test_count_entries ("/proc/self/task");
  Recorder recorder = { 0 };
  g_autoptr(QsslSocket) client = client_new (&recorder);
  g_autoptr(GError) error = NULL;
  QsslSocket *dropped;

  /* As after a lookup: host-found comes from the main loop, not from inside
   * the call. */
  qssl_socket_connect_to_host (client, "127.0.0.1", port, QSSL_NETWORK_LAYER_PROTOCOL_ANY_IP);
  g_assert_cmpstr (recorder.events->str, ==, "state:1");
  g_assert_cmpint (qssl_socket_get_state (client), ==, QSSL_SOCKET_STATE_HOST_LOOKUP);

  /* An abort before then ends it: nothing of that connection comes later. */
  qssl_socket_abort (client);
  iterate_pending ();
  g_assert_cmpstr (recorder.events->str, ==, "state:1 state:0");

  /* The families asked for still apply. */
  g_string_truncate (recorder.events, 0);
  qssl_socket_connect_to_host (client, "127.0.0.1", port, QSSL_NETWORK_LAYER_PROTOCOL_IPV6);
  g_assert_false (qssl_socket_wait_for_connected (client, 5000, &error));
  g_assert_error (error, QSSL_SOCKET_ERROR, QSSL_SOCKET_ERROR_HOST_NOT_FOUND);
  g_assert_cmpstr (recorder.events->str, ==, "state:1 state:0 error:2");
  g_clear_error (&error);

  /* A blocking wait and the main loop both get it connected, and a
   * connect right after an abort starts once. */
  g_string_truncate (recorder.events, 0);
  qssl_socket_connect_to_host (client, "127.0.0.1", port, QSSL_NETWORK_LAYER_PROTOCOL_IPV4);
  g_assert_true (qssl_socket_wait_for_connected (client, 5000, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (recorder.events->str, ==, "state:1 host-found state:2 state:3 connected");
  qssl_socket_abort (client);
  g_string_truncate (recorder.events, 0);
  qssl_socket_connect_to_host (client, "127.0.0.1", port, QSSL_NETWORK_LAYER_PROTOCOL_IPV4);
  qssl_socket_abort (client);
  qssl_socket_connect_to_host (client, "127.0.0.1", port, QSSL_NETWORK_LAYER_PROTOCOL_IPV4);
  while (qssl_socket_get_state (client) != QSSL_SOCKET_STATE_CONNECTED)
    g_main_context_iteration (NULL, TRUE);
  iterate_pending ();
  g_assert_cmpstr (recorder.events->str, ==, "state:1 state:0 state:1 host-found state:2 state:3 connected");

  /* The last reference may go while the start is queued, or in a handler
   * of the error it ends with. */
  dropped = qssl_socket_new ();
  qssl_socket_connect_to_host (dropped, "127.0.0.1", port, QSSL_NETWORK_LAYER_PROTOCOL_IPV4);
  g_object_unref (dropped);
  iterate_pending ();
  dropped = qssl_socket_new ();
  g_signal_connect (dropped, "error-occurred", G_CALLBACK (g_object_unref), NULL);
  qssl_socket_connect_to_host (dropped, "127.0.0.1", port, QSSL_NETWORK_LAYER_PROTOCOL_IPV6);
  iterate_pending ();
  dropped = qssl_socket_new ();
  g_signal_connect (dropped, "state-changed", G_CALLBACK (unref_when_unconnected), NULL);
  qssl_socket_connect_to_host (dropped, "127.0.0.1", port, QSSL_NETWORK_LAYER_PROTOCOL_IPV6);
  iterate_pending ();

  /* No lookup, so no task: the program stays on its own thread (GTask
   * starts GLib's worker thread the first time one is made). */
  g_assert_cmpuint (qssl_test_count_entries ("/proc/self/task"), ==, threads);
  qssl_socket_abort (client);
  recorder_clear (&recorder);
}

/* An address literal connects without GResolver: the same signals in the
 * same order, aborts and reconnects as with a lookup, and no thread. */
static void
test_address_literal (void)
{
  if (g_test_subprocess ())
    {
      address_literal_child ();
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
}

static void
test_unsupported_protocol (void)
{
  Recorder recorder = { 0 };
  g_autoptr(QsslSocket) client = client_new (&recorder);

  qssl_socket_set_protocol (client, QSSL_PROTOCOL_DTLS_V1_2);
  qssl_socket_connect_to_host_encrypted (client, "127.0.0.1", 1, QSSL_NETWORK_LAYER_PROTOCOL_IPV4);
  g_assert_cmpint (recorder.error, ==, QSSL_SOCKET_ERROR_SSL_INVALID_USER_DATA);
  g_assert_cmpint (qssl_socket_get_state (client), ==, QSSL_SOCKET_STATE_UNCONNECTED);
  recorder_clear (&recorder);
}

static void
count_signal (guint *count)
{
  (*count)++;
}

/* Runs in a child with a lowered descriptor limit, all of it used up. */
static void
fd_exhaustion_child (void)
{
  g_autoptr(Server) server = server_start ("server-rsa", SERVER_ECHO);
  g_autoptr(QsslConfiguration) configuration = qssl_test_client_configuration ();
  g_autoptr(GArray) fillers = g_array_new (FALSE, FALSE, sizeof (int));
  g_autoptr(GPtrArray) sockets = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(QsslSocket) warmup = NULL;
  g_autoptr(QsslSocket) client = NULL;
  g_autoptr(GError) error = NULL;
  struct rlimit limit;
  guint errors = 0;
  char reply[5] = { 0 };
  int fd;

  server_run (server);
  /* GLib itself aborts when it cannot make a wakeup pipe for a main context
   * (the default one, GTask's): a program that runs out has connected
   * before, so this one does too. That connection stays open until the
   * descriptors are free again: were it closed now, the server thread would
   * close its end at some point during the shortage, and a socket made
   * into that slot would connect to a server that can accept nothing. */
  warmup = qssl_socket_new ();
  qssl_socket_set_ssl_configuration (warmup, configuration);
  qssl_socket_connect_to_host_encrypted (warmup, "127.0.0.1", server->port, QSSL_NETWORK_LAYER_PROTOCOL_IPV4);
  g_assert_true (qssl_socket_wait_for_encrypted (warmup, 20000, &error));
  g_assert_no_error (error);

  g_assert_cmpint (getrlimit (RLIMIT_NOFILE, &limit), ==, 0);
  if (limit.rlim_cur > 256)
    limit.rlim_cur = 256;
  g_assert_cmpint (setrlimit (RLIMIT_NOFILE, &limit), ==, 0);
  while ((fd = dup (0)) >= 0)
    g_array_append_val (fillers, fd);
  g_assert_cmpint (errno, ==, EMFILE);

  /* Making sockets needs no descriptor; connecting reports the shortage. */
  for (guint i = 0; i < 8; i++)
    {
      QsslSocket *socket = qssl_socket_new ();

      g_ptr_array_add (sockets, socket);
      g_signal_connect_swapped (socket, "error-occurred", G_CALLBACK (count_signal), &errors);
      qssl_socket_set_ssl_configuration (socket, configuration);
      qssl_socket_connect_to_host_encrypted (socket, "127.0.0.1", server->port,
                                             QSSL_NETWORK_LAYER_PROTOCOL_IPV4);
      g_assert_false (qssl_socket_wait_for_encrypted (socket, 20000, &error));
      g_assert_error (error, QSSL_SOCKET_ERROR, QSSL_SOCKET_ERROR_SOCKET_RESOURCE);
      g_clear_error (&error);
      g_assert_cmpint (qssl_socket_get_error (socket), ==, QSSL_SOCKET_ERROR_SOCKET_RESOURCE);
      g_assert_cmpint (qssl_socket_get_state (socket), ==, QSSL_SOCKET_STATE_UNCONNECTED);
    }
  g_assert_cmpuint (errors, ==, 8);

  /* Once descriptors are free again, the same process connects. */
  for (guint i = 0; i < fillers->len; i++)
    close (g_array_index (fillers, int, i));
  qssl_socket_abort (warmup);
  client = g_object_ref (g_ptr_array_index (sockets, 0));
  qssl_socket_connect_to_host_encrypted (client, "127.0.0.1", server->port, QSSL_NETWORK_LAYER_PROTOCOL_IPV4);
  g_assert_true (qssl_socket_wait_for_encrypted (client, 20000, &error));
  g_assert_no_error (error);
  g_assert_cmpint (qssl_socket_write (client, (const guint8 *) "ping", 4), ==, 4);
  while (qssl_socket_bytes_available (client) < 4)
    {
      g_assert_true (qssl_socket_wait_for_ready_read (client, 20000, &error));
      g_assert_no_error (error);
    }
  g_assert_cmpint (qssl_socket_read (client, (guint8 *) reply, 4), ==, 4);
  g_assert_cmpstr (reply, ==, "ping");
  qssl_socket_abort (client);
}

static void
test_fd_exhaustion (void)
{
  if (g_test_subprocess ())
    {
      fd_exhaustion_child ();
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
}

static GMutex trace_lock;
static GPtrArray *trace_lines;

static GLogWriterOutput
capture_trace (GLogLevelFlags   level,
               const GLogField *fields,
               gsize            n_fields,
               gpointer         user_data)
{
  const char *domain = NULL, *message = NULL;

  if (!(level & G_LOG_LEVEL_DEBUG))
    return g_log_writer_default (level, fields, n_fields, user_data);
  for (gsize i = 0; i < n_fields; i++)
    {
      if (g_str_equal (fields[i].key, "GLIB_DOMAIN"))
        domain = fields[i].value;
      else if (g_str_equal (fields[i].key, "MESSAGE"))
        message = fields[i].value;
    }
  g_mutex_lock (&trace_lock);
  if (g_strcmp0 (domain, "Qssl") == 0 && message != NULL && trace_lines != NULL &&
      !g_log_writer_default_would_drop (level, domain))
    g_ptr_array_add (trace_lines, g_strdup (message));
  g_mutex_unlock (&trace_lock);
  return G_LOG_WRITER_HANDLED;
}

/* Whether the trace has a line starting with @prefix followed by @what. */
static gboolean
traced (const char *prefix,
        const char *what)
{
  g_autofree char *start = g_strconcat (prefix, what, NULL);
  gboolean found = FALSE;

  g_mutex_lock (&trace_lock);
  for (guint i = 0; i < trace_lines->len && !found; i++)
    found = g_str_has_prefix (g_ptr_array_index (trace_lines, i), start);
  g_mutex_unlock (&trace_lock);
  return found;
}

static void
trace_child (void)
{
  g_autoptr(Server) server = NULL;
  g_autoptr(QsslSocket) client = NULL;
  g_autoptr(QsslConfiguration) configuration = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *prefix = NULL;
  g_autofree char *lookup_suffix = NULL;
  guint id = 0;

  g_setenv ("G_MESSAGES_DEBUG", "Qssl", TRUE);
  g_mutex_lock (&trace_lock);
  trace_lines = g_ptr_array_new_with_free_func (g_free);
  g_mutex_unlock (&trace_lock);
  g_log_set_writer_func (capture_trace, NULL, NULL);

  server = server_start ("server-rsa", SERVER_ECHO);
  server_run (server);
  configuration = qssl_test_client_configuration ();
  client = qssl_socket_new ();
  qssl_socket_set_ssl_configuration (client, configuration);
  qssl_socket_connect_to_host_encrypted (client, "127.0.0.1", server->port, QSSL_NETWORK_LAYER_PROTOCOL_IPV4);
  g_assert_true (qssl_socket_wait_for_encrypted (client, 20000, &error));
  g_assert_no_error (error);
  qssl_socket_disconnect_from_host (client);
  if (qssl_socket_get_state (client) != QSSL_SOCKET_STATE_UNCONNECTED)
    g_assert_true (qssl_socket_wait_for_disconnected (client, 20000, &error));
  g_assert_no_error (error);

  /* The client's id, from the line that names its peer. */
  lookup_suffix = g_strdup_printf (", host 127.0.0.1 port %u", server->port);
  g_mutex_lock (&trace_lock);
  for (guint i = 0; i < trace_lines->len && id == 0; i++)
    {
      const char *line = g_ptr_array_index (trace_lines, i);
      guint candidate;

      if (sscanf (line, "socket %u: state connecting", &candidate) == 1 && g_str_has_suffix (line, lookup_suffix))
        id = candidate;
    }
  g_mutex_unlock (&trace_lock);
  g_assert_cmpuint (id, !=, 0);

  prefix = g_strdup_printf ("socket %u: ", id);
  g_assert_true (traced (prefix, "state host-lookup"));
  g_assert_true (traced (prefix, "state connected, peer 127.0.0.1"));
  g_assert_true (traced (prefix, "mode ssl-client"));
  g_assert_true (traced (prefix, "handshake: start"));
  g_assert_true (traced (prefix, "handshake: SSLv3/TLS write client hello"));
  g_assert_true (traced (prefix, "handshake: done"));
  g_assert_true (traced (prefix, "verification: 0 error(s)"));
  g_assert_true (traced (prefix, "encrypted: TLSv1."));
  g_assert_true (traced (prefix, "closing the connection with close_notify"));
  g_assert_true (traced (prefix, "alert sent: warning close notify"));
  g_assert_true (traced (prefix, "state unconnected"));
  /* Both sockets log while they go away. */
  g_clear_object (&client);
  g_clear_pointer (&server, server_stop);
  g_mutex_lock (&trace_lock);
  g_clear_pointer (&trace_lines, g_ptr_array_unref);
  g_mutex_unlock (&trace_lock);
}

static void
test_debug_trace (void)
{
  if (g_test_subprocess ())
    {
      trace_child ();
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
}

static void
expect_operation_error (QsslSocket *socket,
                        guint      *errors,
                        guint       expected_errors,
                        const char *message)
{
  g_assert_cmpuint (*errors, ==, expected_errors);
  g_assert_cmpint (qssl_socket_get_error (socket), ==, QSSL_SOCKET_ERROR_OPERATION);
  g_assert_cmpstr (qssl_socket_get_error_string (socket), ==, message);
}

/* Calls that make no sense in the socket's state say so, and change nothing. */
static void
test_misuse_reported (void)
{
  g_autoptr(Server) server = server_start ("server-rsa", SERVER_ECHO);
  g_autoptr(QsslConfiguration) configuration = qssl_test_client_configuration ();
  g_autoptr(QsslSocket) client = qssl_socket_new ();
  g_autoptr(GError) error = NULL;
  guint errors = 0;
  char reply[5] = { 0 };

  server_run (server);
  qssl_socket_set_ssl_configuration (client, configuration);
  g_signal_connect_swapped (client, "error-occurred", G_CALLBACK (count_signal), &errors);

  /* Before connecting. */
  g_assert_cmpint (qssl_socket_write (client, (const guint8 *) "ping", 4), ==, -1);
  expect_operation_error (client, &errors, 0, "Socket is not connected");
  qssl_socket_start_client_encryption (client);
  expect_operation_error (client, &errors, 1, "Cannot start a handshake when not connected");
  qssl_socket_start_server_encryption (client);
  expect_operation_error (client, &errors, 2, "Cannot start a handshake when not connected");
  g_assert_cmpint (qssl_socket_get_mode (client), ==, QSSL_MODE_UNENCRYPTED);
  /* Ignored, as in Qt, and without a warning: there is no descriptor yet. */
  qssl_socket_set_socket_option (client, QSSL_SOCKET_OPTION_KEEP_ALIVE, 1);
  g_assert_cmpint (qssl_socket_get_socket_option (client, QSSL_SOCKET_OPTION_KEEP_ALIVE), ==, 0);

  /* A second start while the first handshake runs leaves that one alone. */
  qssl_socket_connect_to_host (client, "127.0.0.1", server->port, QSSL_NETWORK_LAYER_PROTOCOL_IPV4);
  qssl_socket_connect_to_host_encrypted (client, "127.0.0.1", server->port, QSSL_NETWORK_LAYER_PROTOCOL_IPV4);
  expect_operation_error (client, &errors, 3, "Trying to connect while connection is in progress");
  g_assert_true (qssl_socket_wait_for_connected (client, 20000, &error));
  g_assert_no_error (error);
  qssl_socket_start_client_encryption (client);
  qssl_socket_start_client_encryption (client);
  expect_operation_error (client, &errors, 4, "Cannot start a handshake on a connection that is not plain");
  g_assert_true (qssl_socket_wait_for_encrypted (client, 20000, &error));
  g_assert_no_error (error);

  /* Encrypted: nothing restarts, nothing reconnects, the connection goes on. */
  qssl_socket_start_client_encryption (client);
  expect_operation_error (client, &errors, 5, "Cannot start a handshake on a connection that is not plain");
  qssl_socket_start_server_encryption (client);
  expect_operation_error (client, &errors, 6, "Cannot start a handshake on a connection that is not plain");
  qssl_socket_connect_to_host_encrypted (client, "127.0.0.1", server->port, QSSL_NETWORK_LAYER_PROTOCOL_IPV4);
  expect_operation_error (client, &errors, 7, "Trying to connect while connection is in progress");
  g_assert_cmpint (qssl_socket_get_state (client), ==, QSSL_SOCKET_STATE_CONNECTED);
  g_assert_cmpint (qssl_socket_get_mode (client), ==, QSSL_MODE_SSL_CLIENT);
  g_assert_true (qssl_socket_is_encrypted (client));
  g_assert_cmpint (qssl_socket_write (client, (const guint8 *) "ping", 4), ==, 4);
  while (qssl_socket_bytes_available (client) < 4)
    {
      g_assert_true (qssl_socket_wait_for_ready_read (client, 20000, &error));
      g_assert_no_error (error);
    }
  g_assert_cmpint (qssl_socket_read (client, (guint8 *) reply, 4), ==, 4);
  g_assert_cmpstr (reply, ==, "ping");

  /* After close. */
  qssl_socket_abort (client);
  g_assert_cmpint (qssl_socket_write (client, (const guint8 *) "ping", 4), ==, -1);
  expect_operation_error (client, &errors, 7, "Socket is not connected");
}

static void
test_placeholder_and_reuse (void)
{
  g_autoptr(QsslSocket) socket = g_object_new (QSSL_TYPE_SOCKET, NULL);
  GSocket *placeholder = g_socket_connection_get_socket (G_SOCKET_CONNECTION (socket));
  g_autoptr(Server) server = server_start ("server-ec", SERVER_ECHO);
  g_autoptr(QsslConfiguration) configuration = qssl_test_client_configuration ();
  g_autoptr(GError) error = NULL;

  g_object_add_weak_pointer (G_OBJECT (placeholder), (gpointer *) &placeholder);
  g_assert_cmpint (qssl_socket_get_state (socket), ==, QSSL_SOCKET_STATE_UNCONNECTED);
  g_assert_cmpint (qssl_socket_get_mode (socket), ==, QSSL_MODE_UNENCRYPTED);
  g_assert_cmpint (qssl_socket_get_protocol (socket), ==, QSSL_PROTOCOL_SECURE_PROTOCOLS);

  server_run (server);
  qssl_socket_set_ssl_configuration (socket, configuration);
  qssl_socket_connect_to_host_encrypted (socket, "::1", server->port, QSSL_NETWORK_LAYER_PROTOCOL_ANY_IP);
  g_assert_true (qssl_socket_wait_for_encrypted (socket, 20000, &error));
  /* The placeholder was replaced by an IPv6 socket, and released. */
  g_assert_null (placeholder);
  g_assert_cmpint (g_socket_get_family (g_socket_connection_get_socket (G_SOCKET_CONNECTION (socket))), ==,
                   G_SOCKET_FAMILY_IPV6);
  qssl_socket_abort (socket);

  /* Connect again after abort. */
  qssl_socket_connect_to_host_encrypted (socket, "127.0.0.1", server->port, QSSL_NETWORK_LAYER_PROTOCOL_ANY_IP);
  g_assert_true (qssl_socket_wait_for_encrypted (socket, 20000, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_socket_get_family (g_socket_connection_get_socket (G_SOCKET_CONNECTION (socket))), ==,
                   G_SOCKET_FAMILY_IPV4);
  qssl_socket_abort (socket);
}

static void
on_async_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  GError **error = user_data;
  gboolean ok = qssl_socket_connect_to_host_encrypted_finish (QSSL_SOCKET (source), result, error);

  if (ok)
    *error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_EXISTS, "success");
}

static GError *
run_async_connect (const char   *cert_name,
                   GCancellable *cancellable,
                   gboolean      cancel_soon)
{
  g_autoptr(Server) server = server_start (cert_name, SERVER_ECHO);
  g_autoptr(QsslSocket) client = qssl_socket_new ();
  g_autoptr(QsslConfiguration) configuration = qssl_test_client_configuration ();
  GError *outcome = NULL;

  server_run (server);
  qssl_socket_set_ssl_configuration (client, configuration);
  qssl_socket_connect_to_host_encrypted_async (client, "localhost", server->port, cancellable,
                                               on_async_done, &outcome);
  if (cancel_soon)
    g_cancellable_cancel (cancellable);
  qssl_test_wait_for_pointer ((gpointer *) &outcome, 10000);
  if (cancel_soon)
    g_assert_cmpint (qssl_socket_get_state (client), ==, QSSL_SOCKET_STATE_UNCONNECTED);
  return outcome;
}

/* An address literal's start waits on the socket's context like a lookup:
 * a cancellation from another thread before the context runs again ends
 * the connection before host-found. */
static void
test_async_connect_literal_cancel (void)
{
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  guint16 port = g_socket_listener_add_any_inet_port (listener, NULL, NULL);
  g_autoptr(QsslSocket) client = qssl_socket_new ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) outcome = NULL;
  guint host_found = 0;

  g_signal_connect_swapped (client, "host-found", G_CALLBACK (count_signal), &host_found);
  qssl_socket_connect_to_host_encrypted_async (client, "127.0.0.1", port, cancellable, on_async_done, &outcome);
  qssl_test_cancel_from_thread (cancellable);
  g_assert_true (qssl_test_wait_for_pointer ((gpointer *) &outcome, 10000));
  g_assert_error (outcome, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (qssl_socket_get_state (client), ==, QSSL_SOCKET_STATE_UNCONNECTED);
  g_assert_cmpuint (host_found, ==, 0);
}

static void
test_async_connect (void)
{
  g_autoptr(GError) success = run_async_connect ("server-ec", NULL, FALSE);
  g_autoptr(GError) failure = run_async_connect ("expired", NULL, FALSE);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) cancelled = run_async_connect ("server-ec", cancellable, TRUE);

  g_assert_error (success, G_IO_ERROR, G_IO_ERROR_EXISTS); /* the marker for success */
  g_assert_error (failure, QSSL_SOCKET_ERROR, QSSL_SOCKET_ERROR_SSL_HANDSHAKE_FAILED);
  g_assert_error (cancelled, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

static void
cancel_on_encrypted (QsslSocket   *socket,
                     GCancellable *cancellable)
{
  g_cancellable_cancel (cancellable);
}

/* A cancellation that arrives once the handshake has completed changes
 * nothing: the call reports success and the socket stays encrypted, so its
 * outcome always agrees with the socket's state. */
static void
test_async_cancel_after_completion (void)
{
  g_autoptr(Server) server = server_start ("server-ec", SERVER_ECHO);
  g_autoptr(QsslSocket) client = qssl_socket_new ();
  g_autoptr(QsslConfiguration) configuration = qssl_test_client_configuration ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) outcome = NULL;

  server_run (server);
  qssl_socket_set_ssl_configuration (client, configuration);
  g_signal_connect (client, "encrypted", G_CALLBACK (cancel_on_encrypted), cancellable);
  qssl_socket_connect_to_host_encrypted_async (client, "localhost", server->port, cancellable,
                                               on_async_done, &outcome);
  qssl_test_wait_for_pointer ((gpointer *) &outcome, 10000);
  g_assert_error (outcome, G_IO_ERROR, G_IO_ERROR_EXISTS); /* the marker for success */
  g_assert_true (g_cancellable_is_cancelled (cancellable));
  /* Let the cancellation's handler run: it must find nothing to abort. */
  for (int i = 0; i < 10; i++)
    g_main_context_iteration (NULL, FALSE);
  g_assert_true (qssl_socket_is_encrypted (client));
  g_assert_cmpint (qssl_socket_get_state (client), ==, QSSL_SOCKET_STATE_CONNECTED);
}

static void
test_gio_streams (void)
{
  g_autoptr(Server) server = server_start ("server-ec", SERVER_ECHO);
  g_autoptr(QsslSocket) socket = qssl_socket_new ();
  g_autoptr(QsslConfiguration) configuration = qssl_test_client_configuration ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GDataInputStream) lines = NULL;
  GOutputStream *output;
  char *line;
  gsize length;

  server_run (server);
  qssl_socket_set_ssl_configuration (socket, configuration);
  qssl_socket_connect_to_host_encrypted (socket, "localhost", server->port, QSSL_NETWORK_LAYER_PROTOCOL_ANY_IP);
  g_assert_true (qssl_socket_wait_for_encrypted (socket, 20000, &error));

  output = g_io_stream_get_output_stream (G_IO_STREAM (socket));
  g_assert_true (G_IS_POLLABLE_OUTPUT_STREAM (output));
  g_assert_true (g_output_stream_write_all (output, "first line\nsecond line\n", 23, NULL, NULL, &error));
  g_assert_true (g_output_stream_flush (output, NULL, &error));
  g_assert_no_error (error);

  g_assert_true (G_IS_POLLABLE_INPUT_STREAM (g_io_stream_get_input_stream (G_IO_STREAM (socket))));
  lines = g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (socket)));
  line = g_data_input_stream_read_line (lines, &length, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (line, ==, "first line");
  g_free (line);
  line = g_data_input_stream_read_line (lines, &length, NULL, &error);
  g_assert_cmpstr (line, ==, "second line");
  g_free (line);

  g_assert_true (g_io_stream_close (G_IO_STREAM (socket), NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (qssl_socket_get_state (socket), ==, QSSL_SOCKET_STATE_UNCONNECTED);
}

static void
on_interrupted (QsslSocket *socket,
                QsslError  *error,
                gpointer    user_data)
{
  guint *count = user_data;

  (*count)++;
  /* An unknown issuer, then (when going on) an unverifiable leaf. */
  g_assert_cmpint (qssl_error_get_error (error), ==,
                   *count == 1 ? QSSL_ERROR_CODE_UNABLE_TO_GET_LOCAL_ISSUER_CERTIFICATE
                               : QSSL_ERROR_CODE_UNABLE_TO_VERIFY_FIRST_CERTIFICATE);
  if (GPOINTER_TO_INT (g_object_get_data (G_OBJECT (socket), "continue")))
    qssl_socket_continue_interrupted_handshake (socket);
}

static void
check_interrupt (gboolean go_on)
{
  g_autoptr(Server) server = server_start ("unknown-ca", SERVER_ECHO);
  Recorder recorder = { 0 };
  g_autoptr(QsslSocket) client = client_new (&recorder);
  g_autoptr(QsslConfiguration) configuration = qssl_socket_get_ssl_configuration (client);
  guint interruptions = 0;

  server->leaf_only = TRUE;
  server_run (server);
  qssl_configuration_set_handshake_must_interrupt_on_error (configuration, TRUE);
  qssl_socket_set_ssl_configuration (client, configuration);
  g_object_set_data (G_OBJECT (client), "continue", GINT_TO_POINTER (go_on));
  g_signal_connect (client, "handshake-interrupted-on-error", G_CALLBACK (on_interrupted), &interruptions);
  qssl_socket_connect_to_host_encrypted (client, "localhost", server->port, QSSL_NETWORK_LAYER_PROTOCOL_IPV4);
  if (go_on)
    {
      g_assert_true (wait_until_done (&recorder));
      g_assert_cmpuint (recorder.peer_verify_errors, ==, 0);
    }
  else
    {
      g_assert_false (wait_until_done (&recorder));
      g_assert_cmpint (recorder.error, ==, QSSL_SOCKET_ERROR_SSL_HANDSHAKE_FAILED);
      g_assert_null (recorder.ssl_errors);
    }
  g_assert_cmpuint (interruptions, ==, go_on ? 2 : 1);
  qssl_socket_abort (client);
  recorder_clear (&recorder);
}

static void test_interrupt_and_fail (void) { check_interrupt (FALSE); }
static void test_interrupt_and_continue (void) { check_interrupt (TRUE); }

static void
on_handshake_done (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  GError **error = user_data;

  if (qssl_socket_handshake_finish (QSSL_SOCKET (source), result, error))
    *error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_EXISTS, "success");
}

static void
on_about_to_close (QsslSocket *socket,
                   gboolean   *seen)
{
  *seen = TRUE;
}

/* The server side the way Qt's incomingConnection() example does it: adopt a
 * descriptor, start server encryption, wait for the handshake with GIO's
 * async call; and a client using set_socket_descriptor() on a connected fd. */
static void
test_set_socket_descriptor_and_handshake_async (void)
{
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  guint16 port = g_socket_listener_add_any_inet_port (listener, NULL, NULL);
  g_autoptr(GSocketClient) connector = g_socket_client_new ();
  g_autoptr(GSocketConnection) plain = NULL;
  g_autoptr(GSocketConnection) accepted = NULL;
  g_autoptr(QsslSocket) server = qssl_socket_new ();
  g_autoptr(QsslSocket) client = qssl_socket_new ();
  g_autoptr(QsslConfiguration) server_configuration = qssl_test_server_configuration ("server-ec");
  g_autoptr(QsslConfiguration) client_configuration = qssl_test_client_configuration ();
  g_autoptr(GError) error = NULL;
  GError *server_outcome = NULL, *client_outcome = NULL;
  gboolean about_to_close = FALSE;

  plain = g_socket_client_connect_to_host (connector, "127.0.0.1", port, NULL, &error);
  g_assert_no_error (error);
  accepted = g_socket_listener_accept (listener, NULL, NULL, &error);
  g_assert_no_error (error);

  g_assert_true (qssl_socket_set_socket_descriptor (server, dup (g_socket_get_fd (g_socket_connection_get_socket (accepted))),
                                                    QSSL_SOCKET_STATE_CONNECTED, &error));
  g_assert_true (qssl_socket_set_socket_descriptor (client, dup (g_socket_get_fd (g_socket_connection_get_socket (plain))),
                                                    QSSL_SOCKET_STATE_CONNECTED, &error));
  g_io_stream_close (G_IO_STREAM (plain), NULL, NULL);
  g_io_stream_close (G_IO_STREAM (accepted), NULL, NULL);
  g_assert_cmpint (qssl_socket_get_state (server), ==, QSSL_SOCKET_STATE_CONNECTED);

  qssl_socket_set_ssl_configuration (server, server_configuration);
  qssl_socket_set_ssl_configuration (client, client_configuration);
  qssl_socket_set_peer_verify_name (client, "localhost");
  qssl_socket_start_server_encryption (server);
  qssl_socket_start_client_encryption (client);
  qssl_socket_handshake_async (server, G_PRIORITY_DEFAULT, NULL, on_handshake_done, &server_outcome);
  qssl_socket_handshake_async (client, G_PRIORITY_DEFAULT, NULL, on_handshake_done, &client_outcome);
  qssl_test_wait_for_pointer ((gpointer *) &server_outcome, 10000);
  qssl_test_wait_for_pointer ((gpointer *) &client_outcome, 10000);
  g_assert_error (server_outcome, G_IO_ERROR, G_IO_ERROR_EXISTS);
  g_assert_error (client_outcome, G_IO_ERROR, G_IO_ERROR_EXISTS);
  g_assert_cmpint (qssl_socket_get_mode (server), ==, QSSL_MODE_SSL_SERVER);
  g_clear_error (&server_outcome);
  g_clear_error (&client_outcome);

  /* Already encrypted: finishes at once. */
  qssl_socket_handshake_async (client, G_PRIORITY_DEFAULT, NULL, on_handshake_done, &client_outcome);
  qssl_test_wait_for_pointer ((gpointer *) &client_outcome, 1000);
  g_assert_error (client_outcome, G_IO_ERROR, G_IO_ERROR_EXISTS);
  g_clear_error (&client_outcome);

  g_signal_connect (client, "about-to-close", G_CALLBACK (on_about_to_close), &about_to_close);
  qssl_socket_close (client);
  g_assert_true (about_to_close);
  g_assert_cmpint (qssl_socket_get_state (client), ==, QSSL_SOCKET_STATE_UNCONNECTED);
  qssl_socket_abort (server);
}

static void
test_handshake_async_cancel (void)
{
  g_autoptr(Server) server = server_start ("server-rsa", SERVER_SILENT);
  g_autoptr(QsslSocket) client = qssl_socket_new ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  GError *outcome = NULL;

  server_run (server);
  qssl_socket_connect_to_host (client, "127.0.0.1", server->port, QSSL_NETWORK_LAYER_PROTOCOL_IPV4);
  g_assert_true (qssl_socket_wait_for_connected (client, 5000, &error));
  qssl_socket_start_client_encryption (client);
  qssl_socket_handshake_async (client, G_PRIORITY_DEFAULT, cancellable, on_handshake_done, &outcome);
  g_cancellable_cancel (cancellable);
  qssl_test_wait_for_pointer ((gpointer *) &outcome, 5000);
  g_assert_error (outcome, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (qssl_socket_get_state (client), ==, QSSL_SOCKET_STATE_UNCONNECTED);
  g_clear_error (&outcome);
}

static void
on_notify (GObject    *object,
           GParamSpec *pspec,
           GString    *names)
{
  g_string_append_printf (names, "%s ", pspec->name);
}

static void
test_property_notify (void)
{
  g_autoptr(QsslSocket) socket = qssl_socket_new ();
  g_autoptr(GString) names = g_string_new (NULL);

  g_signal_connect (socket, "notify", G_CALLBACK (on_notify), names);
  qssl_socket_set_protocol (socket, QSSL_PROTOCOL_TLS_V1_3);
  qssl_socket_set_protocol (socket, QSSL_PROTOCOL_TLS_V1_3); /* no change, no notify */
  qssl_socket_set_peer_verify_mode (socket, QSSL_PEER_VERIFY_MODE_QUERY_PEER);
  qssl_socket_set_peer_verify_depth (socket, 2);
  qssl_socket_set_peer_verify_name (socket, "example.test");
  qssl_socket_set_read_buffer_size (socket, 4096);
  qssl_socket_set_pause_mode (socket, QSSL_PAUSE_MODES_ON_SSL_ERRORS);
  g_assert_cmpstr (names->str, ==,
                   "protocol peer-verify-mode peer-verify-depth peer-verify-name read-buffer-size pause-mode ");
}

/* The client sends its ClientHello right behind the STARTTLS line, so the
 * server reads both at once: the bytes after the line must reach OpenSSL. */
static void
test_starttls_eager_client (void)
{
  g_autoptr(Server) server = server_start ("server-ec", SERVER_STARTTLS_QUIET);
  g_autoptr(QsslSocket) socket = qssl_socket_new ();
  g_autoptr(QsslConfiguration) configuration = qssl_test_client_configuration ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) echo = NULL;

  server_run (server);
  qssl_socket_set_ssl_configuration (socket, configuration);
  qssl_socket_connect_to_host (socket, "localhost", server->port, QSSL_NETWORK_LAYER_PROTOCOL_IPV4);
  g_assert_true (qssl_socket_wait_for_connected (socket, 5000, &error));
  /* Corking the TCP socket sends the line and the ClientHello in one
   * segment, so the server reads both in one go. */
  g_socket_set_option (g_socket_connection_get_socket (G_SOCKET_CONNECTION (socket)), IPPROTO_TCP, TCP_CORK, 1, NULL);
  qssl_socket_write (socket, (const guint8 *) "STARTTLS\n", 9);
  qssl_socket_start_client_encryption (socket);
  g_socket_set_option (g_socket_connection_get_socket (G_SOCKET_CONNECTION (socket)), IPPROTO_TCP, TCP_CORK, 0, NULL);
  g_assert_true (qssl_socket_wait_for_encrypted (socket, 20000, &error));
  g_assert_no_error (error);
  qssl_socket_write (socket, (const guint8 *) "after\n", 6);
  while (qssl_socket_bytes_available (socket) < 6)
    g_assert_true (qssl_socket_wait_for_ready_read (socket, 20000, &error));
  echo = qssl_socket_read_all (socket);
  g_assert_cmpmem (g_bytes_get_data (echo, NULL), g_bytes_get_size (echo), "after\n", 6);
  qssl_socket_abort (socket);
}

static void
test_splice (void)
{
  g_autoptr(Server) server = server_start ("server-rsa", SERVER_ECHO);
  g_autoptr(QsslSocket) socket = qssl_socket_new ();
  g_autoptr(QsslConfiguration) configuration = qssl_test_client_configuration ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) payload = NULL;
  g_autoptr(GInputStream) source = NULL;
  g_autoptr(GString) echo = g_string_new (NULL);
  GString *text = g_string_new (NULL);
  gssize spliced;

  for (int i = 0; i < 20000; i++)
    g_string_append_printf (text, "line %d\n", i);
  payload = g_string_free_to_bytes (text);
  source = g_memory_input_stream_new_from_bytes (payload);

  server_run (server);
  qssl_socket_set_ssl_configuration (socket, configuration);
  qssl_socket_connect_to_host_encrypted (socket, "localhost", server->port, QSSL_NETWORK_LAYER_PROTOCOL_IPV4);
  g_assert_true (qssl_socket_wait_for_encrypted (socket, 20000, &error));
  spliced = g_output_stream_splice (g_io_stream_get_output_stream (G_IO_STREAM (socket)), source,
                                    G_OUTPUT_STREAM_SPLICE_NONE, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (spliced, ==, g_bytes_get_size (payload));
  while (echo->len < g_bytes_get_size (payload))
    {
      char buffer[8192];
      gssize n = g_input_stream_read (g_io_stream_get_input_stream (G_IO_STREAM (socket)), buffer,
                                      sizeof buffer, NULL, &error);

      g_assert_no_error (error);
      g_assert_cmpint (n, >, 0);
      g_string_append_len (echo, buffer, n);
    }
  g_assert_cmpmem (echo->str, echo->len, g_bytes_get_data (payload, NULL), g_bytes_get_size (payload));
  qssl_socket_abort (socket);
}

/* root > deep-ca-1 > deep-ca-2 > leaf: a depth of 1 lets OpenSSL check the
 * leaf and two issuers, the last of which must then be the trust anchor. */
static void
check_depth (int      depth,
             gboolean passes)
{
  g_autoptr(Server) server = server_start ("deep", SERVER_ECHO);
  Recorder recorder = { 0 };
  g_autoptr(QsslSocket) client = client_new (&recorder);

  server->chain_file = "deep-chain.pem";
  server_run (server);
  qssl_socket_set_peer_verify_depth (client, depth);
  qssl_socket_connect_to_host_encrypted (client, "localhost", server->port, QSSL_NETWORK_LAYER_PROTOCOL_IPV4);
  g_assert_cmpint (wait_until_done (&recorder), ==, passes);
  if (!passes)
    g_assert_cmpint (recorder.error, ==, QSSL_SOCKET_ERROR_SSL_HANDSHAKE_FAILED);
  qssl_socket_abort (client);
  recorder_clear (&recorder);
}

static void
test_peer_verify_depth (void)
{
  check_depth (0, TRUE); /* no limit */
  check_depth (2, TRUE);
  check_depth (1, FALSE);
}

/* GSocketConnection's own accessors (get_socket, the addresses,
 * is_connected, the "socket" property) describe the live connection of a
 * socket that connects, disconnects and connects again over the other
 * address family, then adopts a descriptor; "socket" is notified each
 * time; every GSocket it leaves behind is freed, the live one only with
 * the socket. Run with fatal warnings: nothing GLib says is tolerated. */
static void
count_notify (GObject    *object,
              GParamSpec *pspec,
              guint      *count)
{
  (*count)++;
}

static void
assert_connection (QsslSocket    *client,
                   GSocketFamily  family,
                   guint16        port)
{
  GSocketConnection *connection = G_SOCKET_CONNECTION (client);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketAddress) remote = g_socket_connection_get_remote_address (connection, &error);
  g_autoptr(GSocketAddress) local = NULL;
  g_autoptr(GSocket) property = NULL;
  GSocket *socket = g_socket_connection_get_socket (connection);

  g_assert_no_error (error);
  local = g_socket_connection_get_local_address (connection, &error);
  g_assert_no_error (error);
  g_assert_true (g_socket_connection_is_connected (connection));
  g_assert_cmpint (g_socket_get_fd (socket), >=, 0);
  g_assert_cmpint (g_socket_get_family (socket), ==, family);
  g_assert_cmpint (g_socket_address_get_family (remote), ==, family);
  g_assert_cmpint (g_socket_address_get_family (local), ==, family);
  g_assert_cmpuint (g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (remote)), ==, port);
  g_object_get (client, "socket", &property, NULL);
  g_assert_true (property == socket);
}

static void
test_gsocket_follows_connection (void)
{
  g_autoptr(Server) server = server_start ("server-ec", SERVER_ECHO);
  Recorder recorder = { 0 };
  QsslSocket *client = client_new (&recorder);
  GSocketConnection *connection = G_SOCKET_CONNECTION (client);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketAddress) none = NULL;
  GSocket *first, *second, *placeholder;
  guint notified = 0;
  int fds[2];

  server_run (server);
  g_signal_connect (client, "notify::socket", G_CALLBACK (count_notify), &notified);

  /* Before connecting: a GSocket without a descriptor. */
  placeholder = g_socket_connection_get_socket (connection);
  g_assert_nonnull (placeholder);
  g_assert_cmpint (g_socket_get_fd (placeholder), ==, -1);
  g_assert_false (g_socket_connection_is_connected (connection));
  g_object_add_weak_pointer (G_OBJECT (placeholder), (gpointer *) &placeholder);

  qssl_socket_connect_to_host_encrypted (client, "localhost", server->port, QSSL_NETWORK_LAYER_PROTOCOL_IPV4);
  g_assert_true (qssl_socket_wait_for_encrypted (client, 10000, NULL));
  assert_connection (client, G_SOCKET_FAMILY_IPV4, server->port);
  g_assert_null (placeholder);
  g_assert_cmpuint (notified, ==, 1);
  first = g_socket_connection_get_socket (connection);
  g_object_add_weak_pointer (G_OBJECT (first), (gpointer *) &first);

  qssl_socket_disconnect_from_host (client);
  g_assert_true (qssl_socket_wait_for_disconnected (client, 10000, NULL));
  g_assert_false (g_socket_connection_is_connected (connection));

  qssl_socket_connect_to_host_encrypted (client, "::1", server->port, QSSL_NETWORK_LAYER_PROTOCOL_IPV6);
  g_assert_true (qssl_socket_wait_for_encrypted (client, 10000, NULL));
  assert_connection (client, G_SOCKET_FAMILY_IPV6, server->port);
  g_assert_null (first);
  g_assert_cmpuint (notified, ==, 2);
  second = g_socket_connection_get_socket (connection);
  g_object_add_weak_pointer (G_OBJECT (second), (gpointer *) &second);

  /* Adopting a descriptor: an AF_UNIX pair is connected, with no
   * remote address to cache. */
  qssl_socket_abort (client);
  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM, 0, fds), ==, 0);
  g_assert_true (qssl_socket_set_socket_descriptor (client, fds[0], QSSL_SOCKET_STATE_CONNECTED, &error));
  g_assert_no_error (error);
  g_assert_null (second);
  g_assert_cmpuint (notified, ==, 3);
  g_assert_cmpint (g_socket_get_fd (g_socket_connection_get_socket (connection)), ==, fds[0]);
  g_assert_cmpint (g_socket_get_family (g_socket_connection_get_socket (connection)), ==, G_SOCKET_FAMILY_UNIX);
  g_assert_true (g_socket_connection_is_connected (connection));
  none = g_socket_connection_get_local_address (connection, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_socket_address_get_family (none), ==, G_SOCKET_FAMILY_UNIX);

  /* The live one goes with the socket. */
  second = g_socket_connection_get_socket (connection);
  g_object_add_weak_pointer (G_OBJECT (second), (gpointer *) &second);
  g_object_unref (client);
  g_assert_null (second);
  close (fds[1]);
  g_string_free (recorder.events, TRUE);
}

/* notify::socket is an emission like any: a handler that aborts there ends
 * the attempt (no connect follows on the GSocket it was told about), and
 * the socket connects again afterwards. */
static void
abort_once (GObject    *object,
            GParamSpec *pspec,
            guint      *count)
{
  if ((*count)++ == 0)
    qssl_socket_abort (QSSL_SOCKET (object));
}

static void
test_abort_in_notify_socket (void)
{
  g_autoptr(Server) server = server_start ("server-ec", SERVER_ECHO);
  Recorder recorder = { 0 };
  g_autoptr(QsslSocket) client = client_new (&recorder);
  guint notified = 0;

  server_run (server);
  g_signal_connect (client, "notify::socket", G_CALLBACK (abort_once), &notified);
  qssl_socket_connect_to_host_encrypted (client, "127.0.0.1", server->port, QSSL_NETWORK_LAYER_PROTOCOL_IPV4);
  while (qssl_socket_get_state (client) != QSSL_SOCKET_STATE_UNCONNECTED)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (notified, ==, 1);
  g_assert_false (recorder.disconnected);
  g_assert_false (g_socket_connection_is_connected (G_SOCKET_CONNECTION (client)));
  /* Nothing of the attempt goes on from the main loop. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpint (qssl_socket_get_state (client), ==, QSSL_SOCKET_STATE_UNCONNECTED);
  g_assert_cmpint (recorder.error, ==, -2);

  qssl_socket_connect_to_host_encrypted (client, "127.0.0.1", server->port, QSSL_NETWORK_LAYER_PROTOCOL_IPV4);
  g_assert_true (qssl_socket_wait_for_encrypted (client, 10000, NULL));
  g_assert_cmpuint (notified, ==, 2);
  g_assert_true (g_socket_connection_is_connected (G_SOCKET_CONNECTION (client)));
  qssl_socket_abort (client);
  g_string_free (recorder.events, TRUE);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/qssl/socket/handshake/rsa-ipv4", test_handshake_rsa_ipv4);
  g_test_add_func ("/qssl/socket/handshake/ec-ipv6", test_handshake_ec_ipv6);
  g_test_add_func ("/qssl/socket/handshake/by-name", test_handshake_by_name);
  g_test_add_func ("/qssl/socket/gsocket-follows-connection", test_gsocket_follows_connection);
  g_test_add_func ("/qssl/socket/abort-in-notify-socket", test_abort_in_notify_socket);
  g_test_add_func ("/qssl/socket/verify/expired", test_verify_expired);
  g_test_add_func ("/qssl/socket/verify/not-yet-valid", test_verify_not_yet_valid);
  g_test_add_func ("/qssl/socket/verify/wrong-host", test_verify_wrong_host);
  g_test_add_func ("/qssl/socket/verify/nul-in-san", test_verify_nul_in_san);
  g_test_add_func ("/qssl/socket/verify/nul-in-cn", test_verify_nul_in_cn);
  g_test_add_func ("/qssl/socket/verify/self-signed", test_verify_self_signed);
  g_test_add_func ("/qssl/socket/verify/unknown-ca", test_verify_unknown_ca);
  g_test_add_func ("/qssl/socket/verify/missing-intermediate", test_verify_missing_intermediate);
  g_test_add_func ("/qssl/socket/ignore/in-handler", test_ignore_in_handler);
  g_test_add_func ("/qssl/socket/ignore/before-connect", test_ignore_before_connect);
  g_test_add_func ("/qssl/socket/ignore/exact-list", test_ignore_exact_list);
  g_test_add_func ("/qssl/socket/ignore/wrong-list", test_ignore_wrong_list);
  g_test_add_func ("/qssl/socket/ignore/before-connect-not-kept", test_ignore_not_kept_before);
  g_test_add_func ("/qssl/socket/ignore/in-handler-not-kept", test_ignore_not_kept_in_handler);
  for (guint i = 0; i < G_N_ELEMENTS (ignore_rules); i++)
    {
      g_autofree char *path = g_strconcat ("/qssl/socket/ignore/rule/", ignore_rules[i].name, NULL);

      g_test_add_data_func (path, &ignore_rules[i], test_ignore_rule);
    }
  g_test_add_func ("/qssl/socket/verify/abort-in-peer-verify-error", test_abort_in_peer_verify_error);
  g_test_add_func ("/qssl/socket/verify/pause-and-resume", test_pause_and_resume);
  g_test_add_func ("/qssl/socket/blocking/seed-example", test_blocking_seed_example);
  g_test_add_func ("/qssl/socket/blocking/timeout", test_wait_timeout);
  g_test_add_func ("/qssl/socket/blocking/connect-timeout", test_wait_connect_timeout);
  g_test_add_func ("/qssl/socket/io/bulk-sha256", test_bulk_sha256);
  g_test_add_func ("/qssl/socket/io/read-buffer-limit", test_read_buffer_limit);
  g_test_add_func ("/qssl/socket/io/records-per-send", test_records_per_send);
  g_test_add_func ("/qssl/socket/io/reset-during-bulk-write", test_reset_during_bulk_write);
  g_test_add_func ("/qssl/socket/io/huge-unread", test_huge_unread);
  g_test_add_func ("/qssl/socket/io/partial-read-announced-once", test_partial_read_announced_once);
  g_test_add_func ("/qssl/socket/io/lines-across-records", test_lines_across_records);
  g_test_add_func ("/qssl/socket/io/bound-buffer-with-data-waiting", test_bound_buffer_with_data_waiting);
  g_test_add_func ("/qssl/socket/io/small-reads-in-handler", test_small_reads_in_handler);
  g_test_add_func ("/qssl/socket/close/close-notify", test_close_notify);
  g_test_add_func ("/qssl/socket/close/tcp-drop", test_tcp_drop);
  g_test_add_func ("/qssl/socket/starttls", test_starttls);
  g_test_add_func ("/qssl/socket/starttls-eager-client", test_starttls_eager_client);
  g_test_add_func ("/qssl/socket/connect/refused", test_connection_refused);
  g_test_add_func ("/qssl/socket/connect/unsupported-protocol", test_unsupported_protocol);
  g_test_add_func ("/qssl/socket/connect/address-literal", test_address_literal);
  g_test_add_func ("/qssl/socket/construct/placeholder-and-reuse", test_placeholder_and_reuse);
  g_test_add_func ("/qssl/socket/construct/fd-exhaustion", test_fd_exhaustion);
  g_test_add_func ("/qssl/socket/debug-trace", test_debug_trace);
  g_test_add_func ("/qssl/socket/misuse-reported", test_misuse_reported);
  g_test_add_func ("/qssl/socket/async/connect-fail-cancel", test_async_connect);
  g_test_add_func ("/qssl/socket/async/connect-literal-cancel", test_async_connect_literal_cancel);
  g_test_add_func ("/qssl/socket/async/cancel-after-completion", test_async_cancel_after_completion);
  g_test_add_func ("/qssl/socket/io/gio-streams", test_gio_streams);
  g_test_add_func ("/qssl/socket/io/splice", test_splice);
  g_test_add_func ("/qssl/socket/verify/depth", test_peer_verify_depth);
  g_test_add_func ("/qssl/socket/verify/interrupt-and-fail", test_interrupt_and_fail);
  g_test_add_func ("/qssl/socket/verify/interrupt-and-continue", test_interrupt_and_continue);
  g_test_add_func ("/qssl/socket/construct/set-socket-descriptor", test_set_socket_descriptor_and_handshake_async);
  g_test_add_func ("/qssl/socket/async/handshake-cancel", test_handshake_async_cancel);
  g_test_add_func ("/qssl/socket/properties/notify", test_property_notify);

  return g_test_run ();
}
