/* imap-client.c: writing before the connection is encrypted
 *
 * The example from QSslSocket's documentation: connect encrypted, write the
 * IMAP command right away (it waits in the socket until #QsslSocket::encrypted),
 * and print what the server answers. Signals and a GMainLoop, no blocking.
 *
 *   imap-client [HOST [PORT]] [--ca FILE]   (default: localhost 4433)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libqssl/qssl.h>

typedef struct {
  GMainLoop *loop;
  int        status;
} App;

static void
socket_encrypted (QsslSocket *socket,
                  App        *app)
{
  printf ("encrypted with %s\n", qssl_cipher_get_name (qssl_socket_get_session_cipher (socket)));
}

static void
ready_read (QsslSocket *socket,
            App        *app)
{
  while (qssl_socket_can_read_line (socket))
    {
      g_autoptr(GBytes) line = qssl_socket_read_line (socket, 0);

      printf ("server: %.*s", (int) g_bytes_get_size (line), (const char *) g_bytes_get_data (line, NULL));
      app->status = 0;
      g_main_loop_quit (app->loop);
    }
}

static void
error_occurred (QsslSocket      *socket,
                QsslSocketError  error,
                App             *app)
{
  g_printerr ("%s\n", qssl_socket_get_error_string (socket));
  g_main_loop_quit (app->loop);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *ca_file = NULL;
  GOptionEntry entries[] = {
    { "ca", 0, 0, G_OPTION_ARG_FILENAME, &ca_file, "Trust the CA certificates in FILE", "FILE" },
    { NULL }
  };
  g_autoptr(GOptionContext) options = g_option_context_new ("[HOST [PORT]]");
  g_autoptr(GError) error = NULL;
  g_autoptr(QsslSocket) socket = NULL;
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  App app = { loop, 1 };
  const char command[] = "1 CAPABILITY\r\n";

  g_option_context_add_main_entries (options, entries, NULL);
  if (!g_option_context_parse (options, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }

  socket = qssl_socket_new ();
  if (ca_file != NULL)
    {
      g_autoptr(QsslConfiguration) configuration = qssl_socket_get_ssl_configuration (socket);

      if (!qssl_configuration_add_ca_certificates_from_path (configuration, ca_file, QSSL_ENCODING_FORMAT_PEM,
                                                             QSSL_PATTERN_SYNTAX_FIXED_STRING, &error))
        {
          g_printerr ("%s\n", error->message);
          return 2;
        }
      qssl_socket_set_ssl_configuration (socket, configuration);
    }
  g_signal_connect (socket, "encrypted", G_CALLBACK (socket_encrypted), &app);
  g_signal_connect (socket, "ready-read", G_CALLBACK (ready_read), &app);
  g_signal_connect (socket, "error-occurred", G_CALLBACK (error_occurred), &app);

  qssl_socket_connect_to_host_encrypted (socket, argc > 1 ? argv[1] : "localhost",
                                         argc > 2 ? (guint16) atoi (argv[2]) : 4433,
                                         QSSL_NETWORK_LAYER_PROTOCOL_ANY_IP);
  /* Queued: it goes out once the socket is encrypted. */
  qssl_socket_write (socket, (const guint8 *) command, strlen (command));

  g_main_loop_run (loop);
  return app.status;
}
