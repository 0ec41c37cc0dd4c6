/* fuzz-socket.c: the socket's receive path, fed arbitrary bytes as the peer
 *
 * A QsslSocket adopts one end of a socketpair and starts the handshake as a
 * client (or, built with FUZZ_SOCKET_SERVER, as a server); the input is
 * written to the other end as everything the peer ever sends, then that end
 * shuts down its writing half. The peer end keeps reading and discarding
 * what the socket sends, so that the socket reads all of the input instead of
 * failing early on a write to a closed peer. The socket's context is then
 * iterated until the socket is unconnected again: after the peer's EOF it must
 * get there, whatever came before. A socket that does not is reported as a
 * hang (abort), and a critical or warning as a crash.
 *
 * Both sides accept any certificate error (ignore_ssl_errors from
 * ssl-errors), so that an input with a certificate gets past verification;
 * the client offers ALPN and asks for OCSP stapling, the server asks for a
 * client certificate (QUERY_PEER), so that those paths of the library see
 * input too.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include <glib-unix.h>

#include "fuzz-common.h"

#ifndef FUZZ_SOCKET_SERVER
# define FUZZ_SOCKET_SERVER 0
#endif

/* No input needs more iterations than this; a socket that does is stuck. */
#define MAX_ITERATIONS 100000
/* Only a hang ever gets here: a run takes milliseconds. */
#define HANG_SECONDS 20

static QsslConfiguration *configuration;
/* QSSL_FUZZ_VERBOSE=1: say how each input ended (for checking seeds). */
static gboolean verbose;

typedef struct {
  int           peer;
  const guint8 *data;
  gsize         size;
  gsize         written;
  GSource      *writer;
  GSource      *reader;
  gboolean      hung;
  guint         encrypted;
} Run;

static QsslCertificate *
pki_certificate (const char *name)
{
  g_autoptr(GBytes) bytes = fuzz_pki_bytes (name);
  QsslCertificate *certificate = qssl_certificate_new_from_data (bytes, QSSL_ENCODING_FORMAT_PEM, NULL);

  fuzz_check (certificate != NULL, "cannot read a PKI certificate");
  return certificate;
}

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  static const char * const protocols[] = { QSSL_ALPN_HTTP2, QSSL_ALPN_HTTP_1_1, NULL };
  const char *leaf_name = FUZZ_SOCKET_SERVER ? "server-rsa.pem" : "client.pem";
  const char *key_name = FUZZ_SOCKET_SERVER ? "server-rsa.key" : "client.key";
  g_autoptr(QsslCertificate) root = NULL;
  g_autoptr(QsslCertificate) leaf = NULL;
  g_autoptr(QsslCertificate) intermediate = NULL;
  g_autoptr(GBytes) key_data = NULL;
  g_autoptr(QsslKey) key = NULL;
  g_autoptr(GPtrArray) cas = g_ptr_array_new ();
  g_autoptr(GPtrArray) chain = g_ptr_array_new ();

  fuzz_init ();
  verbose = g_getenv ("QSSL_FUZZ_VERBOSE") != NULL;
  root = pki_certificate ("ca.pem");
  leaf = pki_certificate (leaf_name);
  intermediate = pki_certificate ("intermediate.pem");
  key_data = fuzz_pki_bytes (key_name);
  key = qssl_key_new_from_data (key_data, QSSL_KEY_ALGORITHM_OPAQUE, QSSL_ENCODING_FORMAT_PEM,
                                QSSL_KEY_TYPE_PRIVATE_KEY, NULL, NULL);
  fuzz_check (key != NULL, "cannot read a PKI key");

  configuration = qssl_configuration_new ();
  g_ptr_array_add (cas, root);
  qssl_configuration_set_ca_certificates (configuration, cas);
  g_ptr_array_add (chain, leaf);
  g_ptr_array_add (chain, intermediate);
  qssl_configuration_set_local_certificate_chain (configuration, chain);
  qssl_configuration_set_private_key (configuration, key);
  qssl_configuration_set_allowed_next_protocols (configuration, protocols);
  if (FUZZ_SOCKET_SERVER)
    qssl_configuration_set_peer_verify_mode (configuration, QSSL_PEER_VERIFY_MODE_QUERY_PEER);
  else
    {
      qssl_configuration_set_peer_verify_mode (configuration, QSSL_PEER_VERIFY_MODE_VERIFY_PEER);
      qssl_configuration_set_ocsp_stapling_enabled (configuration, TRUE);
    }
  return 0;
}

static gboolean
on_peer_writable (int           fd,
                  GIOCondition  condition,
                  gpointer      user_data)
{
  Run *run = user_data;

  while (run->written < run->size)
    {
      gssize n = send (fd, run->data + run->written, run->size - run->written, MSG_NOSIGNAL | MSG_DONTWAIT);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && errno == EAGAIN)
        return G_SOURCE_CONTINUE;
      if (n < 0)
        break; /* the socket closed its end: nothing more to say */
      run->written += n;
    }
  shutdown (fd, SHUT_WR);
  g_clear_pointer (&run->writer, g_source_unref);
  return G_SOURCE_REMOVE;
}

static gboolean
on_peer_readable (int           fd,
                  GIOCondition  condition,
                  gpointer      user_data)
{
  Run *run = user_data;
  guint8 buffer[16384];

  for (;;)
    {
      gssize n = recv (fd, buffer, sizeof buffer, MSG_DONTWAIT);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && errno == EAGAIN)
        return G_SOURCE_CONTINUE;
      if (n <= 0)
        break;
    }
  g_clear_pointer (&run->reader, g_source_unref);
  return G_SOURCE_REMOVE;
}

static gboolean
on_hang (gpointer user_data)
{
  Run *run = user_data;

  run->hung = TRUE;
  return G_SOURCE_REMOVE;
}

static void
on_ssl_errors (QsslSocket *socket,
               GPtrArray  *errors,
               gpointer    user_data)
{
  for (guint i = 0; i < errors->len; i++)
    qssl_error_get_error_string (g_ptr_array_index (errors, i));
  qssl_socket_ignore_ssl_errors (socket);
}

static void
on_encrypted (QsslSocket *socket,
              Run        *run)
{
  g_autoptr(QsslCertificate) peer = qssl_socket_get_peer_certificate (socket);
  g_autoptr(QsslCipher) cipher = qssl_socket_get_session_cipher (socket);
  g_autoptr(QsslConfiguration) session = qssl_socket_get_ssl_configuration (socket);

  run->encrypted++;
  if (peer != NULL)
    fuzz_exercise_certificate (peer);
  if (cipher != NULL)
    qssl_cipher_get_name (cipher);
  qssl_socket_get_session_protocol (socket);
  qssl_configuration_get_next_negotiated_protocol (session);
  qssl_socket_write (socket, (const guint8 *) "hello\n", 6);
}

static void
on_ready_read (QsslSocket *socket,
               gpointer    user_data)
{
  g_bytes_unref (qssl_socket_read_all (socket));
}

static GSource *
add_fd_source (GMainContext *context,
               int           fd,
               GIOCondition  condition,
               GUnixFDSourceFunc callback,
               Run          *run)
{
  GSource *source = g_unix_fd_source_new (fd, condition);

  g_source_set_callback (source, G_SOURCE_FUNC (callback), run, NULL);
  g_source_attach (source, context);
  return source;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(QsslSocket) socket = NULL;
  g_autoptr(GError) error = NULL;
  GSource *hang;
  Run run = { -1, data, size, 0, NULL, NULL, FALSE, 0 };
  int fds[2];
  guint iterations = 0;

  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0)
    g_error ("socketpair: %s", g_strerror (errno));
  run.peer = fds[1];

  g_main_context_push_thread_default (context);
  socket = qssl_socket_new ();
  if (!qssl_socket_set_socket_descriptor (socket, fds[0], QSSL_SOCKET_STATE_CONNECTED, &error))
    g_error ("set_socket_descriptor: %s", error->message);
  qssl_socket_set_ssl_configuration (socket, configuration);
  g_signal_connect (socket, "ssl-errors", G_CALLBACK (on_ssl_errors), NULL);
  g_signal_connect (socket, "encrypted", G_CALLBACK (on_encrypted), &run);
  g_signal_connect (socket, "ready-read", G_CALLBACK (on_ready_read), NULL);

  run.writer = add_fd_source (context, run.peer, G_IO_OUT, on_peer_writable, &run);
  run.reader = add_fd_source (context, run.peer, G_IO_IN, on_peer_readable, &run);
  hang = g_timeout_source_new_seconds (HANG_SECONDS);
  g_source_set_callback (hang, on_hang, &run, NULL);
  g_source_attach (hang, context);

  if (FUZZ_SOCKET_SERVER)
    qssl_socket_start_server_encryption (socket);
  else
    {
      qssl_socket_set_peer_verify_name (socket, "localhost");
      qssl_socket_start_client_encryption (socket);
    }

  while (qssl_socket_get_state (socket) != QSSL_SOCKET_STATE_UNCONNECTED &&
         !run.hung && iterations++ < MAX_ITERATIONS)
    g_main_context_iteration (context, TRUE);
  if (qssl_socket_get_state (socket) != QSSL_SOCKET_STATE_UNCONNECTED)
    g_error ("the socket is still in state %d after the peer's EOF (%u iterations, %" G_GSIZE_FORMAT
             " of %" G_GSIZE_FORMAT " bytes written)",
             qssl_socket_get_state (socket), iterations, run.written, run.size);

  if (verbose)
    g_printerr ("%" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT " bytes taken, %u iterations, encrypted %u, error %d: %s\n",
                run.written, run.size, iterations, run.encrypted, qssl_socket_get_error (socket),
                qssl_socket_get_error_string (socket));

  g_source_destroy (hang);
  g_source_unref (hang);
  if (run.writer != NULL)
    {
      g_source_destroy (run.writer);
      g_clear_pointer (&run.writer, g_source_unref);
    }
  if (run.reader != NULL)
    {
      g_source_destroy (run.reader);
      g_clear_pointer (&run.reader, g_source_unref);
    }
  g_clear_object (&socket);
  /* Let whatever the socket left on its context run and free itself. */
  for (int i = 0; i < 100 && g_main_context_iteration (context, FALSE); i++)
    ;
  g_main_context_pop_thread_default (context);
  close (run.peer);
  return 0;
}
