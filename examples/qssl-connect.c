/* qssl-connect.c: `qssl connect`, an s_client for humans
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib-unix.h>
#include <glib/gi18n-lib.h>

#include "qssl-tool.h"

typedef struct {
  QsslSocket *socket;
  GMainLoop  *loop;
  guint       stdin_watch;
  guint       linger;
  gboolean    closed;
} Pipe;

/* A line from the server during the plain-text part of STARTTLS. */
static char *
read_plain_line (QsslSocket  *socket,
                 GError     **error)
{
  g_autoptr(GBytes) line = NULL;

  while (!qssl_socket_can_read_line (socket))
    if (!qssl_socket_wait_for_ready_read (socket, 10000, error))
      return NULL;
  line = qssl_socket_read_line (socket, 0);
  return g_strchomp (g_strndup (g_bytes_get_data (line, NULL), g_bytes_get_size (line)));
}

static gboolean
send_plain (QsslSocket  *socket,
            const char  *text,
            GError     **error)
{
  qssl_socket_write (socket, (const guint8 *) text, strlen (text));
  return qssl_socket_wait_for_bytes_written (socket, 10000, error);
}

/* Reads lines until one starts with @expected (and is not a continuation
 * line "250-..."). */
static gboolean
expect_reply (QsslSocket  *socket,
              const char  *expected,
              GError     **error)
{
  for (;;)
    {
      g_autofree char *line = read_plain_line (socket, error);

      if (line == NULL)
        return FALSE;
      fprintf (stderr, "%s\n", styled (stderr, STYLE_DIM, line));
      if (g_str_has_prefix (line, expected) && line[strlen (expected)] != '-')
        return TRUE;
      if (strlen (line) > 3 && line[3] == '-')
        continue;
      if (!g_ascii_isdigit (line[0]) && line[0] != '*')
        continue;
      if (g_ascii_isdigit (line[0]) || g_str_has_prefix (line, "a "))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("The server refused STARTTLS: %s"), line);
          return FALSE;
        }
    }
}

/* The plain-text dialogue before the handshake, per protocol. */
static gboolean
starttls (QsslSocket  *socket,
          const char  *protocol,
          GError     **error)
{
  if (g_str_equal (protocol, "smtp"))
    return expect_reply (socket, "220", error) && send_plain (socket, "EHLO qssl\r\n", error) &&
           expect_reply (socket, "250", error) && send_plain (socket, "STARTTLS\r\n", error) &&
           expect_reply (socket, "220", error);
  if (g_str_equal (protocol, "imap"))
    return expect_reply (socket, "* OK", error) && send_plain (socket, "a STARTTLS\r\n", error) &&
           expect_reply (socket, "a OK", error);
  if (g_str_equal (protocol, "ftp"))
    return expect_reply (socket, "220", error) && send_plain (socket, "AUTH TLS\r\n", error) &&
           expect_reply (socket, "234", error);
  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
               _("Unknown STARTTLS protocol “%s” (use smtp, imap or ftp)"), protocol);
  return FALSE;
}

static void
on_ready_read (QsslSocket *socket,
               Pipe       *pipe)
{
  g_autoptr(GBytes) data = qssl_socket_read_all (socket);
  gsize length;
  const char *bytes = g_bytes_get_data (data, &length);

  while (length > 0)
    {
      ssize_t n = write (STDOUT_FILENO, bytes, length);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          qssl_socket_abort (socket);
          return;
        }
      bytes += n;
      length -= n;
    }
}

static void
on_disconnected (QsslSocket *socket,
                 Pipe       *pipe)
{
  pipe->closed = TRUE;
  g_main_loop_quit (pipe->loop);
}

static gboolean
on_linger_done (gpointer user_data)
{
  Pipe *pipe = user_data;

  pipe->linger = 0;
  qssl_socket_disconnect_from_host (pipe->socket);
  g_main_loop_quit (pipe->loop);
  return G_SOURCE_REMOVE;
}

/* Input ended: send what is queued, give the server a moment to answer,
 * then close. */
static void
start_linger (Pipe *pipe)
{
  if (pipe->linger == 0)
    pipe->linger = g_timeout_add (1000, on_linger_done, pipe);
}

static void
on_ready_read_restart_linger (QsslSocket *socket,
                              Pipe       *pipe)
{
  if (pipe->linger != 0 && pipe->stdin_watch == 0)
    {
      g_source_remove (pipe->linger);
      pipe->linger = 0;
      start_linger (pipe);
    }
}

static gboolean
on_stdin (int          fd,
          GIOCondition condition,
          gpointer     user_data)
{
  Pipe *pipe = user_data;
  char buffer[16384];
  ssize_t n = read (fd, buffer, sizeof buffer);

  if (n < 0 && (errno == EINTR || errno == EAGAIN))
    return G_SOURCE_CONTINUE;
  if (n <= 0)
    {
      pipe->stdin_watch = 0;
      start_linger (pipe);
      return G_SOURCE_REMOVE;
    }
  qssl_socket_write (pipe->socket, (const guint8 *) buffer, n);
  return G_SOURCE_CONTINUE;
}

/* --insecure: the errors are printed after the handshake; go on. */
static void
ignore_errors (QsslSocket *socket,
               GPtrArray  *errors,
               gpointer    unused)
{
  qssl_socket_ignore_ssl_errors (socket);
}

int
qssl_tool_connect (int    argc,
                   char **argv)
{
  g_autofree char *ca_file = NULL;
  g_autofree char *starttls_protocol = NULL;
  g_autofree char *alpn = NULL;
  g_autofree char *host = NULL;
  gboolean insecure = FALSE, quiet = FALSE;
  GOptionEntry entries[] = {
    { "ca", 0, 0, G_OPTION_ARG_FILENAME, &ca_file, N_("Trust the CA certificates in FILE (PEM) instead of the system's"), N_("FILE") },
    { "starttls", 0, 0, G_OPTION_ARG_STRING, &starttls_protocol, N_("Speak PROTOCOL in plain text first, then start TLS (smtp, imap, ftp)"), N_("PROTOCOL") },
    { "alpn", 0, 0, G_OPTION_ARG_STRING, &alpn, N_("Offer these application protocols, comma-separated (h2,http/1.1)"), N_("LIST") },
    { "insecure", 0, 0, G_OPTION_ARG_NONE, &insecure, N_("Go on even if the server cannot be verified (shows the errors)"), NULL },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, N_("Do not describe the handshake"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) options = g_option_context_new (_("HOST:PORT"));
  g_autoptr(GError) error = NULL;
  g_autoptr(QsslConfiguration) configuration = qssl_configuration_get_default ();
  g_autoptr(QsslSocket) socket = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  Pipe pipe = { 0 };
  guint16 port;

  g_option_context_set_summary (options, _("Connects to a TLS server, shows the handshake and the server's "
                                           "certificates on stderr, then copies standard input to the "
                                           "server and the server's data to standard output.\n\n"
                                           "Exit status: 0 done, 2 bad usage, 3 cannot connect, "
                                           "4 TLS handshake or verification failed, 5 unreadable file."));
  g_option_context_add_main_entries (options, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (options, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return QSSL_TOOL_EXIT_USAGE;
    }
  if (argc != 2 || !parse_host_port (argv[1], &host, &port))
    {
      g_printerr (_("Give the server as HOST:PORT (see --help)\n"));
      return QSSL_TOOL_EXIT_USAGE;
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
    }
  if (alpn != NULL)
    {
      g_auto(GStrv) protocols = g_strsplit (alpn, ",", -1);

      qssl_configuration_set_allowed_next_protocols (configuration, (const char * const *) protocols);
    }

  socket = qssl_socket_new ();
  qssl_socket_set_ssl_configuration (socket, configuration);
  if (insecure)
    g_signal_connect (socket, "ssl-errors", G_CALLBACK (ignore_errors), NULL);
  if (!quiet)
    fprintf (stderr, _("Connecting to %s port %u…\n"), host, port);

  if (starttls_protocol != NULL)
    {
      qssl_socket_connect_to_host (socket, host, port, QSSL_NETWORK_LAYER_PROTOCOL_ANY_IP);
      if (!qssl_socket_wait_for_connected (socket, 10000, &error))
        {
          g_printerr (_("Cannot connect: %s\n"), error->message);
          return QSSL_TOOL_EXIT_CONNECT;
        }
      if (!starttls (socket, starttls_protocol, &error))
        {
          g_printerr ("%s\n", error->message);
          return error->domain == G_OPTION_ERROR ? QSSL_TOOL_EXIT_USAGE : QSSL_TOOL_EXIT_CONNECT;
        }
      qssl_socket_start_client_encryption (socket);
    }
  else
    qssl_socket_connect_to_host_encrypted (socket, host, port, QSSL_NETWORK_LAYER_PROTOCOL_ANY_IP);

  if (!qssl_socket_wait_for_encrypted (socket, 15000, &error))
    {
      g_autoptr(GPtrArray) problems = qssl_socket_get_ssl_handshake_errors (socket);

      for (guint i = 0; i < problems->len; i++)
        g_printerr ("  %s\n", styled (stderr, STYLE_BAD, qssl_error_get_error_string (g_ptr_array_index (problems, i))));
      g_printerr (_("Failed: %s\n"), qssl_socket_get_error_string (socket));
      return exit_code_for_socket_error (qssl_socket_get_error (socket));
    }
  if (!quiet)
    {
      g_autoptr(GPtrArray) problems = qssl_socket_get_ssl_handshake_errors (socket);

      for (guint i = 0; i < problems->len; i++)
        fprintf (stderr, "  %s %s\n", styled (stderr, STYLE_BAD, _("Ignored:")),
                 qssl_error_get_error_string (g_ptr_array_index (problems, i)));
      fprintf (stderr, "%s\n", styled (stderr, STYLE_GOOD, _("Encrypted.")));
      print_session (stderr, socket);
    }

  /* Now a pipe between stdin/stdout and the server. */
  loop = g_main_loop_new (NULL, FALSE);
  pipe.socket = socket;
  pipe.loop = loop;
  g_signal_connect (socket, "ready-read", G_CALLBACK (on_ready_read), &pipe);
  g_signal_connect (socket, "ready-read", G_CALLBACK (on_ready_read_restart_linger), &pipe);
  g_signal_connect (socket, "disconnected", G_CALLBACK (on_disconnected), &pipe);
  if (qssl_socket_bytes_available (socket) > 0)
    on_ready_read (socket, &pipe);
  pipe.stdin_watch = g_unix_fd_add (STDIN_FILENO, G_IO_IN | G_IO_HUP | G_IO_ERR, on_stdin, &pipe);
  g_main_loop_run (loop);
  if (pipe.stdin_watch != 0)
    g_source_remove (pipe.stdin_watch);
  if (pipe.linger != 0)
    g_source_remove (pipe.linger);
  g_signal_handlers_disconnect_by_data (socket, &pipe);
  if (qssl_socket_get_state (socket) != QSSL_SOCKET_STATE_UNCONNECTED)
    {
      qssl_socket_disconnect_from_host (socket);
      if (qssl_socket_get_state (socket) != QSSL_SOCKET_STATE_UNCONNECTED)
        qssl_socket_wait_for_disconnected (socket, 2000, NULL);
    }
  return QSSL_TOOL_EXIT_OK;
}
