/* qssl-demo.c: `qssl demo`, a tour of one handshake, made locally
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "qssl-tool.h"

typedef struct {
  GString   *events;
  GPtrArray *errors;
  gboolean   done;
} Attempt;

static void
note (Attempt    *attempt,
      const char *event)
{
  if (attempt->events->len > 0)
    g_string_append (attempt->events, " → ");
  g_string_append (attempt->events, event);
}

static void on_host_found (QsslSocket *s, Attempt *a) { note (a, "host-found"); }
static void on_connected (QsslSocket *s, Attempt *a) { note (a, "connected"); }
static void on_encrypted (QsslSocket *s, Attempt *a) { note (a, "encrypted"); a->done = TRUE; }
static void on_disconnected (QsslSocket *s, Attempt *a) { note (a, "disconnected"); a->done = TRUE; }

static void
on_ssl_errors (QsslSocket *socket,
               GPtrArray  *errors,
               Attempt    *attempt)
{
  note (attempt, "ssl-errors");
  g_clear_pointer (&attempt->errors, g_ptr_array_unref);
  attempt->errors = g_ptr_array_ref (errors);
}

static void
on_error (QsslSocket      *socket,
          QsslSocketError  error,
          Attempt         *attempt)
{
  note (attempt, "error-occurred");
  attempt->done = TRUE;
}

static gboolean
on_deadline (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Connects a new socket with @configuration and runs the main context
 * until the handshake ended. */
static QsslSocket *
attempt_connect (QsslConfiguration *configuration,
                 guint16            port,
                 const char        *peer_name,
                 Attempt           *attempt)
{
  QsslSocket *socket = qssl_socket_new ();
  gboolean expired = FALSE;
  guint timeout;

  attempt->events = g_string_new (NULL);
  qssl_socket_set_ssl_configuration (socket, configuration);
  g_signal_connect (socket, "host-found", G_CALLBACK (on_host_found), attempt);
  g_signal_connect (socket, "connected", G_CALLBACK (on_connected), attempt);
  g_signal_connect (socket, "ssl-errors", G_CALLBACK (on_ssl_errors), attempt);
  g_signal_connect (socket, "encrypted", G_CALLBACK (on_encrypted), attempt);
  g_signal_connect (socket, "error-occurred", G_CALLBACK (on_error), attempt);
  g_signal_connect (socket, "disconnected", G_CALLBACK (on_disconnected), attempt);
  qssl_socket_connect_to_host_encrypted_with_peer_name (socket, "localhost", port, peer_name,
                                                        QSSL_NETWORK_LAYER_PROTOCOL_IPV4);
  timeout = g_timeout_add_seconds (10, on_deadline, &expired);
  while (!attempt->done && !expired)
    g_main_context_iteration (NULL, TRUE);
  if (!expired)
    g_source_remove (timeout);
  return socket;
}

static void
attempt_clear (Attempt *attempt)
{
  if (attempt->events != NULL)
    g_string_free (attempt->events, TRUE);
  g_clear_pointer (&attempt->errors, g_ptr_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Attempt, attempt_clear)

/* The server side: echo whatever arrives. */
static void
echo (QsslSocket *socket,
      gpointer    unused)
{
  g_autoptr(GBytes) data = qssl_socket_read_all (socket);

  qssl_socket_write_bytes (socket, data);
}

static void
on_pending (QsslServer *server,
            GPtrArray  *accepted)
{
  QsslSocket *socket;

  while ((socket = qssl_server_next_pending_connection (server)) != NULL)
    {
      g_signal_connect (socket, "ready-read", G_CALLBACK (echo), NULL);
      g_ptr_array_add (accepted, socket);
    }
}

/* A line through the echo server; TLS 1.3 session tickets arrive with it.
 * The server runs in this thread, so this runs the main context (a
 * wait_for_*() call would only drive the client's own socket). */
static gboolean
exchange_line (QsslSocket *socket)
{
  static const char line[] = "hello\n";
  gboolean expired = FALSE;
  guint timeout = g_timeout_add_seconds (10, on_deadline, &expired);

  qssl_socket_write (socket, (const guint8 *) line, sizeof line - 1);
  while (!qssl_socket_can_read_line (socket) && !expired &&
         qssl_socket_get_state (socket) == QSSL_SOCKET_STATE_CONNECTED)
    g_main_context_iteration (NULL, TRUE);
  if (!expired)
    g_source_remove (timeout);
  if (!qssl_socket_can_read_line (socket))
    return FALSE;
  g_bytes_unref (qssl_socket_read_line (socket, 0));
  return TRUE;
}

static void
heading (const char *text)
{
  printf ("\n%s\n", styled (stdout, STYLE_BOLD, text));
}

int
qssl_tool_demo (int    argc,
                char **argv)
{
  /* Before the sockets, whose handlers write into them. */
  g_auto(Attempt) one = { 0 };
  g_auto(Attempt) two = { 0 };
  g_auto(Attempt) three = { 0 };
  g_autoptr(GOptionContext) options = g_option_context_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(QsslCertificate) ca = NULL;
  g_autoptr(QsslCertificate) leaf = NULL;
  g_autoptr(QsslKey) key = NULL;
  g_autoptr(QsslConfiguration) server_configuration = qssl_configuration_new ();
  g_autoptr(QsslConfiguration) client_configuration = qssl_configuration_get_default ();
  g_autoptr(QsslConfiguration) after_first = NULL;
  g_autoptr(QsslServer) server = qssl_server_new ();
  g_autoptr(GPtrArray) accepted = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) cas = g_ptr_array_new ();
  g_autoptr(QsslSocket) first = NULL;
  g_autoptr(QsslSocket) second = NULL;
  g_autoptr(QsslSocket) third = NULL;
  const char *protocols[] = { QSSL_ALPN_HTTP2, QSSL_ALPN_HTTP_1_1, NULL };
  int status = QSSL_TOOL_EXIT_OK;
  guint16 port;

  g_option_context_set_summary (options, _("Starts a local TLS server with a throwaway certificate, connects "
                                           "to it and shows what happens: the handshake, the peer's "
                                           "certificate chain, a resumed session, and a refused host name."));
  if (!g_option_context_parse (options, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return QSSL_TOOL_EXIT_USAGE;
    }

  printf (_("libqssl %u.%u.%u on %s\n"), qssl_get_major_version (), qssl_get_minor_version (),
          qssl_get_micro_version (), qssl_socket_ssl_library_version_string ());
  if (!make_throwaway_pki (&ca, &leaf, &key, &error))
    {
      g_printerr ("%s\n", error->message);
      return QSSL_TOOL_EXIT_FAILURE;
    }

  /* The server: the throwaway certificate, ALPN, echo. */
  {
    g_autoptr(GPtrArray) chain = g_ptr_array_new ();

    /* The CA too, so that the demo shows a chain. */
    g_ptr_array_add (chain, leaf);
    g_ptr_array_add (chain, ca);
    qssl_configuration_set_local_certificate_chain (server_configuration, chain);
  }
  qssl_configuration_set_private_key (server_configuration, key);
  qssl_configuration_set_allowed_next_protocols (server_configuration, protocols);
  qssl_server_set_ssl_configuration (server, server_configuration);
  {
    g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);

    if (!qssl_server_listen (server, loopback, 0, &error))
      {
        g_printerr (_("Cannot listen: %s\n"), error->message);
        return QSSL_TOOL_EXIT_CONNECT;
      }
  }
  port = qssl_server_get_server_port (server);
  g_signal_connect (server, "pending-connection-available", G_CALLBACK (on_pending), accepted);
  printf (_("A throwaway CA and a certificate for localhost were made in memory;\n"
            "a QsslServer listens on 127.0.0.1:%u with them.\n"), port);

  /* The client trusts that CA only, and offers the same protocols. */
  g_ptr_array_add (cas, ca);
  qssl_configuration_set_ca_certificates (client_configuration, cas);
  qssl_configuration_set_allowed_next_protocols (client_configuration, protocols);

  heading (_("1. Connecting to localhost, verifying against the throwaway CA"));
  first = attempt_connect (client_configuration, port, NULL, &one);
  printf ("   %s\n", one.events->str);
  if (!qssl_socket_is_encrypted (first))
    {
      printf ("   %s\n", styled (stdout, STYLE_BAD, qssl_socket_get_error_string (first)));
      return QSSL_TOOL_EXIT_TLS;
    }
  print_session (stdout, first);
  if (!exchange_line (first))
    status = QSSL_TOOL_EXIT_FAILURE;
  after_first = qssl_socket_get_ssl_configuration (first);
  qssl_socket_disconnect_from_host (first);

  heading (_("2. Connecting again with the first socket's configuration"));
  second = attempt_connect (after_first, port, NULL, &two);
  printf ("   %s\n", two.events->str);
  if (qssl_socket_is_session_resumed (second))
    printf ("   %s\n", styled (stdout, STYLE_GOOD, _("The session was resumed: an abbreviated handshake, "
                                                       "no certificate sent again.")));
  else
    {
      printf ("   %s\n", styled (stdout, STYLE_BAD, _("The session was not resumed.")));
      status = QSSL_TOOL_EXIT_FAILURE;
    }
  qssl_socket_disconnect_from_host (second);

  heading (_("3. Connecting under a name the certificate does not have (wrong.example)"));
  third = attempt_connect (client_configuration, port, "wrong.example", &three);
  printf ("   %s\n", three.events->str);
  for (guint i = 0; three.errors != NULL && i < three.errors->len; i++)
    printf ("   ssl-errors: %s\n",
            styled (stdout, STYLE_BAD, qssl_error_get_error_string (g_ptr_array_index (three.errors, i))));
  if (qssl_socket_is_encrypted (third) || three.errors == NULL)
    status = QSSL_TOOL_EXIT_FAILURE;
  else
    printf ("   %s %s\n", _("Refused, as it should be:"), qssl_socket_get_error_string (third));

  return status;
}
