/* test-features.c: protocol and cipher choice, session resumption, PSK, ALPN,
 * OCSP stapling and alerts, between a QsslServer and QsslSocket clients
 * over loopback in one main context
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include "qssl-test-utils.h"

/* What one side saw, in order. */
typedef struct {
  GString   *events;
  GPtrArray *ssl_errors;
  gboolean   encrypted;
  gboolean   finished;     /* encrypted, or failed / disconnected */
  int        error;
  guint      tickets;
} Side;

static void
side_record (Side       *side,
             const char *event)
{
  if (side->events->len > 0)
    g_string_append_c (side->events, ' ');
  g_string_append (side->events, event);
}

static void
side_init (Side *side)
{
  memset (side, 0, sizeof *side);
  side->events = g_string_new (NULL);
  side->error = -2;
}

static void
side_clear (Side *side)
{
  if (side->events != NULL)
    g_string_free (side->events, TRUE);
  g_clear_pointer (&side->ssl_errors, g_ptr_array_unref);
}

static void
alert_event (Side           *side,
             const char     *direction,
             QsslAlertLevel  level,
             QsslAlertType   type,
             const char     *description)
{
  g_autofree char *event = g_strdup_printf ("%s:%d:%d", direction, level, type);

  g_assert_nonnull (description);
  g_assert_cmpstr (description, !=, "");
  side_record (side, event);
}

/* Declared before the sockets, so that it outlives their last signals. */
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Side, side_clear)

/* Client-side handlers (the socket is the instance). */
static void
on_client_alert_sent (QsslSocket *s, QsslAlertLevel l, QsslAlertType t, const char *d, Side *side)
{
  alert_event (side, "alert-sent", l, t, d);
}

static void
on_client_alert_received (QsslSocket *s, QsslAlertLevel l, QsslAlertType t, const char *d, Side *side)
{
  alert_event (side, "alert-received", l, t, d);
}

static void
on_client_encrypted (QsslSocket *socket, Side *side)
{
  side_record (side, "encrypted");
  side->encrypted = side->finished = TRUE;
}

static void
on_client_error (QsslSocket *socket, QsslSocketError error, Side *side)
{
  g_autofree char *event = g_strdup_printf ("error:%d", error);

  side_record (side, event);
  side->error = error;
  side->finished = TRUE;
}

static void
on_client_disconnected (QsslSocket *socket, Side *side)
{
  side_record (side, "disconnected");
  side->finished = TRUE;
}

static void
on_client_ssl_errors (QsslSocket *socket, GPtrArray *errors, Side *side)
{
  side_record (side, "ssl-errors");
  g_clear_pointer (&side->ssl_errors, g_ptr_array_unref);
  side->ssl_errors = g_ptr_array_ref (errors);
}

static void
on_client_peer_verify_error (QsslSocket *socket, QsslError *error, Side *side)
{
  side_record (side, "peer-verify-error");
}

static void
on_client_ticket (QsslSocket *socket, Side *side)
{
  side_record (side, "new-session-ticket-received");
  side->tickets++;
}

static void
on_client_state (QsslSocket *socket, QsslSocketState state, Side *side)
{
  g_autofree char *event = g_strdup_printf ("state:%d", state);

  side_record (side, event);
}

static void
on_client_mode (QsslSocket *socket, QsslMode mode, Side *side)
{
  g_autofree char *event = g_strdup_printf ("mode:%d", mode);

  side_record (side, event);
}

static void on_client_host_found (QsslSocket *s, Side *side) { side_record (side, "host-found"); }
static void on_client_connected (QsslSocket *s, Side *side) { side_record (side, "connected"); }

/* Server-side handlers (QsslServer re-emits with the socket first). */
static void
on_server_alert_sent (QsslServer *v, QsslSocket *s, QsslAlertLevel l, QsslAlertType t, const char *d, Side *side)
{
  alert_event (side, "alert-sent", l, t, d);
}

static void
on_server_alert_received (QsslServer *v, QsslSocket *s, QsslAlertLevel l, QsslAlertType t, const char *d, Side *side)
{
  alert_event (side, "alert-received", l, t, d);
}

static void
on_server_error (QsslServer *server, QsslSocket *socket, QsslSocketError error, Side *side)
{
  g_autofree char *event = g_strdup_printf ("error:%d", error);

  side_record (side, event);
  side->error = error;
  side->finished = TRUE;
}

static void
on_server_pending (QsslServer *server, Side *side)
{
  side_record (side, "encrypted");
  side->encrypted = side->finished = TRUE;
}

static QsslServer *
server_new (QsslConfiguration *configuration,
            Side              *side)
{
  QsslServer *server = qssl_server_new ();
  g_autoptr(GError) error = NULL;

  qssl_server_set_ssl_configuration (server, configuration);
  g_assert_true (qssl_server_listen (server, NULL, 0, &error));
  g_assert_no_error (error);
  side_init (side);
  g_signal_connect (server, "alert-sent", G_CALLBACK (on_server_alert_sent), side);
  g_signal_connect (server, "alert-received", G_CALLBACK (on_server_alert_received), side);
  g_signal_connect (server, "error-occurred", G_CALLBACK (on_server_error), side);
  g_signal_connect (server, "pending-connection-available", G_CALLBACK (on_server_pending), side);
  return server;
}

static QsslSocket *
client_new (QsslConfiguration *configuration,
            Side              *side)
{
  QsslSocket *client = qssl_socket_new ();

  qssl_socket_set_ssl_configuration (client, configuration);
  side_init (side);
  g_signal_connect (client, "host-found", G_CALLBACK (on_client_host_found), side);
  g_signal_connect (client, "connected", G_CALLBACK (on_client_connected), side);
  g_signal_connect (client, "mode-changed", G_CALLBACK (on_client_mode), side);
  g_signal_connect (client, "state-changed", G_CALLBACK (on_client_state), side);
  g_signal_connect (client, "alert-sent", G_CALLBACK (on_client_alert_sent), side);
  g_signal_connect (client, "alert-received", G_CALLBACK (on_client_alert_received), side);
  g_signal_connect (client, "encrypted", G_CALLBACK (on_client_encrypted), side);
  g_signal_connect (client, "error-occurred", G_CALLBACK (on_client_error), side);
  g_signal_connect (client, "disconnected", G_CALLBACK (on_client_disconnected), side);
  g_signal_connect (client, "ssl-errors", G_CALLBACK (on_client_ssl_errors), side);
  g_signal_connect (client, "peer-verify-error", G_CALLBACK (on_client_peer_verify_error), side);
  g_signal_connect (client, "new-session-ticket-received", G_CALLBACK (on_client_ticket), side);
  return client;
}

static gboolean
on_deadline (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Iterates until both sides finished (or 10 s). */
static void
run_until_finished (Side *a,
                    Side *b)
{
  gboolean expired = FALSE;
  guint timeout = g_timeout_add (30000, on_deadline, &expired);

  while ((!a->finished || (b != NULL && !b->finished)) && !expired)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (expired);
  g_source_remove (timeout);
}

/* Iterates for a little while so that late records (tickets, alerts)
 * arrive: until @done says so, or 5 s. */
static void
run_until (gboolean (*done) (gpointer),
           gpointer   data)
{
  gboolean expired = FALSE;
  guint timeout = g_timeout_add (5000, on_deadline, &expired);

  while (!done (data) && !expired)
    g_main_context_iteration (NULL, TRUE);
  /* Expired, the source has gone by itself; the caller's check fails. */
  if (!expired)
    g_source_remove (timeout);
}

static gboolean
has_ticket (gpointer data)
{
  return ((Side *) data)->tickets > 0;
}

/* Sends a line from the client through the server's socket and back, so
 * that both have read what the other sent after the handshake. */
static void
exchange (QsslServer *server,
          QsslSocket *client)
{
  g_autoptr(QsslSocket) accepted = qssl_server_next_pending_connection (server);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) got = NULL;

  g_assert_nonnull (accepted);
  g_assert_cmpint (qssl_socket_write (client, (const guint8 *) "ping\n", 5), ==, 5);
  g_assert_true (qssl_socket_wait_for_bytes_written (client, 5000, &error));
  while (!qssl_socket_can_read_line (accepted))
    {
      g_assert_true (qssl_socket_wait_for_ready_read (accepted, 5000, &error));
      g_assert_no_error (error);
    }
  got = qssl_socket_read_line (accepted, 0);
  g_assert_cmpmem (g_bytes_get_data (got, NULL), g_bytes_get_size (got), "ping\n", 5);
  qssl_socket_write_bytes (accepted, got);
  g_clear_pointer (&got, g_bytes_unref);
  while (!qssl_socket_can_read_line (client))
    {
      g_assert_true (qssl_socket_wait_for_ready_read (client, 5000, &error));
      g_assert_no_error (error);
    }
  got = qssl_socket_read_line (client, 0);
  g_assert_cmpmem (g_bytes_get_data (got, NULL), g_bytes_get_size (got), "ping\n", 5);
}

static void
connect_client (QsslSocket *client,
                QsslServer *server)
{
  qssl_socket_connect_to_host_encrypted (client, "localhost", qssl_server_get_server_port (server),
                                         QSSL_NETWORK_LAYER_PROTOCOL_ANY_IP);
}

static void
set_ciphers (QsslConfiguration *configuration,
             const char        *ciphers)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (qssl_configuration_set_ciphers_from_string (configuration, ciphers, &error));
  g_assert_no_error (error);
}

/* Protocol choice */

static void
check_protocol (QsslProtocol client_protocol,
                QsslProtocol server_protocol,
                QsslProtocol expected)
{
  g_auto(Side) server_side = { 0 };
  g_auto(Side) client_side = { 0 };
  g_autoptr(QsslConfiguration) server_configuration = qssl_test_server_configuration ("server-ec");
  g_autoptr(QsslConfiguration) client_configuration = qssl_test_client_configuration ();
  g_autoptr(QsslServer) server = NULL;
  g_autoptr(QsslSocket) client = NULL;

  qssl_configuration_set_protocol (server_configuration, server_protocol);
  qssl_configuration_set_protocol (client_configuration, client_protocol);
  server = server_new (server_configuration, &server_side);
  client = client_new (client_configuration, &client_side);
  connect_client (client, server);
  run_until_finished (&client_side, &server_side);
  if (expected == QSSL_PROTOCOL_UNKNOWN_PROTOCOL)
    {
      /* No common version: both fail, and say so with a protocol_version alert. */
      g_assert_false (client_side.encrypted);
      g_assert_false (server_side.encrypted);
      g_assert_cmpint (client_side.error, ==, QSSL_SOCKET_ERROR_SSL_HANDSHAKE_FAILED);
      g_assert_cmpint (server_side.error, ==, QSSL_SOCKET_ERROR_SSL_HANDSHAKE_FAILED);
      g_assert_nonnull (strstr (server_side.events->str, "alert-sent:1:70"));
      g_assert_nonnull (strstr (client_side.events->str, "alert-received:1:70"));
      g_assert_cmpint (qssl_socket_get_state (client), ==, QSSL_SOCKET_STATE_UNCONNECTED);
    }
  else
    {
      g_assert_true (client_side.encrypted);
      g_assert_cmpint (qssl_socket_get_session_protocol (client), ==, expected);
      exchange (server, client);
    }
}

static void test_protocol_tls12_only (void) { check_protocol (QSSL_PROTOCOL_TLS_V1_2, QSSL_PROTOCOL_TLS_V1_2_OR_LATER, QSSL_PROTOCOL_TLS_V1_2); }
static void test_protocol_tls13_only (void) { check_protocol (QSSL_PROTOCOL_TLS_V1_3, QSSL_PROTOCOL_SECURE_PROTOCOLS, QSSL_PROTOCOL_TLS_V1_3); }
static void test_protocol_tls12_or_later (void) { check_protocol (QSSL_PROTOCOL_TLS_V1_2_OR_LATER, QSSL_PROTOCOL_TLS_V1_2, QSSL_PROTOCOL_TLS_V1_2); }
static void test_protocol_secure (void) { check_protocol (QSSL_PROTOCOL_SECURE_PROTOCOLS, QSSL_PROTOCOL_TLS_V1_3_OR_LATER, QSSL_PROTOCOL_TLS_V1_3); }
static void test_protocol_no_overlap (void) { check_protocol (QSSL_PROTOCOL_TLS_V1_3, QSSL_PROTOCOL_TLS_V1_2, QSSL_PROTOCOL_UNKNOWN_PROTOCOL); }

/* TLS 1.0 and 1.1: none of the default suites exists before TLS 1.2, and
 * OpenSSL 3 at its default security level has nothing to sign with for
 * them, so the client fails before or during the handshake with a clear
 * error instead of using TLS 1.2. */
static void
check_refused_protocol (QsslProtocol protocol,
                        gboolean     server_too)
{
  g_auto(Side) client_side = { 0 };
  g_auto(Side) server_side = { 0 };
  g_autoptr(QsslConfiguration) server_configuration = qssl_test_server_configuration ("server-ec");
  g_autoptr(QsslConfiguration) client_configuration = qssl_test_client_configuration ();
  g_autoptr(QsslServer) server = NULL;
  g_autoptr(QsslSocket) client = NULL;

  if (server_too)
    qssl_configuration_set_protocol (server_configuration, protocol);
  server = server_new (server_configuration, &server_side);
  qssl_configuration_set_protocol (client_configuration, protocol);
  client = client_new (client_configuration, &client_side);
  connect_client (client, server);
  run_until_finished (&client_side, &server_side);
  g_test_message ("client: %s (%s); server: %s", client_side.events->str,
                  qssl_socket_get_error_string (client), server_side.events->str);
  g_assert_false (client_side.encrypted);
  g_assert_false (server_side.encrypted);
  g_assert_cmpint (client_side.error, ==, QSSL_SOCKET_ERROR_SSL_HANDSHAKE_FAILED);
  g_assert_cmpstr (qssl_socket_get_error_string (client), !=, "");
  g_assert_cmpint (qssl_socket_get_state (client), ==, QSSL_SOCKET_STATE_UNCONNECTED);
}

static void test_protocol_tls10_refused (void) { check_refused_protocol (QSSL_PROTOCOL_TLS_V1_0, FALSE); }
static void test_protocol_tls11_refused (void) { check_refused_protocol (QSSL_PROTOCOL_TLS_V1_1, FALSE); }
static void test_protocol_tls10_both (void) { check_refused_protocol (QSSL_PROTOCOL_TLS_V1_0, TRUE); }
static void test_protocol_tls11_both (void) { check_refused_protocol (QSSL_PROTOCOL_TLS_V1_1, TRUE); }

/* Ciphers and groups */

static void
check_cipher (QsslProtocol  protocol,
              const char   *cipher)
{
  g_auto(Side) server_side = { 0 };
  g_auto(Side) client_side = { 0 };
  g_autoptr(QsslConfiguration) server_configuration = qssl_test_server_configuration ("server-ec");
  g_autoptr(QsslConfiguration) client_configuration = qssl_test_client_configuration ();
  g_autoptr(QsslServer) server = NULL;
  g_autoptr(QsslSocket) client = NULL;
  QsslCipher *used;

  qssl_configuration_set_protocol (client_configuration, protocol);
  set_ciphers (client_configuration, cipher);
  server = server_new (server_configuration, &server_side);
  client = client_new (client_configuration, &client_side);
  connect_client (client, server);
  run_until_finished (&client_side, &server_side);
  g_assert_true (client_side.encrypted);
  used = qssl_socket_get_session_cipher (client);
  g_assert_cmpstr (qssl_cipher_get_name (used), ==, cipher);
  g_assert_cmpint (qssl_cipher_get_protocol (used), ==, protocol);
  exchange (server, client);
}

static void test_cipher_tls12 (void) { check_cipher (QSSL_PROTOCOL_TLS_V1_2, "ECDHE-ECDSA-CHACHA20-POLY1305"); }
static void test_cipher_tls13 (void) { check_cipher (QSSL_PROTOCOL_TLS_V1_3, "TLS_CHACHA20_POLY1305_SHA256"); }

/* The server picks by its own order unless told not to. */
static void
check_server_preference (gboolean disable)
{
  g_auto(Side) server_side = { 0 };
  g_auto(Side) client_side = { 0 };
  g_autoptr(QsslConfiguration) server_configuration = qssl_test_server_configuration ("server-ec");
  g_autoptr(QsslConfiguration) client_configuration = qssl_test_client_configuration ();
  g_autoptr(QsslServer) server = NULL;
  g_autoptr(QsslSocket) client = NULL;
  QsslCipher *used;

  qssl_configuration_set_protocol (client_configuration, QSSL_PROTOCOL_TLS_V1_2);
  set_ciphers (server_configuration,
                                              "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-GCM-SHA256");
  set_ciphers (client_configuration,
                                              "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384");
  qssl_configuration_set_ssl_option (server_configuration, QSSL_SSL_OPTIONS_DISABLE_SERVER_CIPHER_PREFERENCE,
                                     disable);
  server = server_new (server_configuration, &server_side);
  client = client_new (client_configuration, &client_side);
  connect_client (client, server);
  run_until_finished (&client_side, &server_side);
  g_assert_true (client_side.encrypted);
  used = qssl_socket_get_session_cipher (client);
  g_assert_cmpstr (qssl_cipher_get_name (used), ==,
                   disable ? "ECDHE-ECDSA-AES128-GCM-SHA256" : "ECDHE-ECDSA-AES256-GCM-SHA384");
}

static void test_cipher_server_preference (void) { check_server_preference (FALSE); }
static void test_cipher_client_preference (void) { check_server_preference (TRUE); }

static void
check_group (const char *group,
             QsslKeyAlgorithm algorithm,
             int length,
             const char *expected_name)
{
  g_autoptr(QsslSocket) accepted = NULL;
  g_auto(Side) server_side = { 0 };
  g_auto(Side) client_side = { 0 };
  g_autoptr(QsslConfiguration) server_configuration = qssl_test_server_configuration ("server-ec");
  g_autoptr(QsslConfiguration) client_configuration = qssl_test_client_configuration ();
  g_autoptr(QsslServer) server = NULL;
  g_autoptr(QsslSocket) client = NULL;
  g_autoptr(QsslConfiguration) state = NULL;
  QsslKey *ephemeral;
  const char *groups[] = { group, NULL };

  qssl_configuration_set_elliptic_curves (client_configuration, groups);
  server = server_new (server_configuration, &server_side);
  client = client_new (client_configuration, &client_side);
  connect_client (client, server);
  run_until_finished (&client_side, &server_side);
  g_assert_true (client_side.encrypted);
  state = qssl_socket_get_ssl_configuration (client);
  ephemeral = qssl_configuration_get_ephemeral_server_key (state);
  g_assert_nonnull (ephemeral);
  g_assert_cmpint (qssl_key_get_algorithm (ephemeral), ==, algorithm);
  g_assert_cmpint (qssl_key_get_length (ephemeral), ==, length);
  /* The server names the group it agreed on too. */
  accepted = qssl_server_next_pending_connection (server);
  g_assert_nonnull (accepted);
  g_assert_cmpstr (qssl_socket_get_negotiated_group (accepted), ==, expected_name);
  g_assert_cmpstr (qssl_socket_get_negotiated_group (client), ==, expected_name);
}

static void test_group_p384 (void) { check_group ("P-384", QSSL_KEY_ALGORITHM_EC, 384, "secp384r1"); }
static void test_group_p521 (void) { check_group ("P-521", QSSL_KEY_ALGORITHM_EC, 521, "secp521r1"); }

/* The group named on both sides: the client against openssl s_server
 * offering only that group, over TLS 1.2 and 1.3. */
static void
check_negotiated_group_against_s_server (const char   *group,
                                         const char   *expected,
                                         QsslProtocol  protocol)
{
  g_autofree char *cert = qssl_test_pki_path ("server-ec.pem");
  g_autofree char *key = qssl_test_pki_path ("server-ec.key");
  g_autofree char *chain = qssl_test_pki_path ("intermediate.pem");
  const char *argv[] = { "openssl", "s_server", "-accept", "0", "-naccept", "1", "-rev", "-groups", group,
                         protocol == QSSL_PROTOCOL_TLS_V1_3 ? "-tls1_3" : "-tls1_2",
                         "-cert", cert, "-key", key, "-cert_chain", chain, NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) s_server = NULL;
  g_autoptr(GDataInputStream) output = NULL;
  g_autoptr(QsslConfiguration) configuration = qssl_test_client_configuration ();
  g_autoptr(QsslSocket) client = NULL;
  guint64 port = 0;
  g_autofree char *openssl = g_find_program_in_path ("openssl");

  if (openssl == NULL)
    {
      g_test_skip ("openssl is not installed");
      return;
    }
  s_server = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE, &error);
  g_assert_no_error (error);
  output = g_data_input_stream_new (g_subprocess_get_stdout_pipe (s_server));
  /* "ACCEPT [::]:PORT" (or 0.0.0.0:PORT) once it listens. */
  while (port == 0)
    {
      g_autofree char *line = g_data_input_stream_read_line (output, NULL, NULL, &error);
      const char *colon;

      g_assert_no_error (error);
      g_assert_nonnull (line);
      colon = strrchr (line, ':');
      if (g_str_has_prefix (line, "ACCEPT") && colon != NULL)
        port = g_ascii_strtoull (colon + 1, NULL, 10);
    }

  qssl_configuration_set_protocol (configuration, protocol);
  client = qssl_socket_new ();
  qssl_socket_set_ssl_configuration (client, configuration);
  g_assert_null (qssl_socket_get_negotiated_group (client));
  qssl_socket_connect_to_host_encrypted (client, "localhost", (guint16) port, QSSL_NETWORK_LAYER_PROTOCOL_IPV4);
  g_assert_true (qssl_socket_wait_for_encrypted (client, 30000, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (qssl_socket_get_negotiated_group (client), ==, expected);
  qssl_socket_abort (client);
  g_subprocess_force_exit (s_server);
  g_subprocess_wait (s_server, NULL, NULL);
}

static void test_negotiated_x25519_tls13 (void) { check_negotiated_group_against_s_server ("X25519", "X25519", QSSL_PROTOCOL_TLS_V1_3); }
static void test_negotiated_x25519_tls12 (void) { check_negotiated_group_against_s_server ("X25519", "X25519", QSSL_PROTOCOL_TLS_V1_2); }
static void test_negotiated_p256_tls13 (void) { check_negotiated_group_against_s_server ("P-256", "secp256r1", QSSL_PROTOCOL_TLS_V1_3); }
static void test_negotiated_p256_tls12 (void) { check_negotiated_group_against_s_server ("P-256", "secp256r1", QSSL_PROTOCOL_TLS_V1_2); }

/* A group the server does not have: no key exchange is possible. */
static void
test_group_no_overlap (void)
{
  g_auto(Side) server_side = { 0 };
  g_auto(Side) client_side = { 0 };
  g_autoptr(QsslConfiguration) server_configuration = qssl_test_server_configuration ("server-ec");
  g_autoptr(QsslConfiguration) client_configuration = qssl_test_client_configuration ();
  g_autoptr(QsslServer) server = NULL;
  g_autoptr(QsslSocket) client = NULL;
  const char *client_groups[] = { "P-384", NULL };
  const char *server_groups[] = { "P-256", NULL };

  qssl_configuration_set_elliptic_curves (client_configuration, client_groups);
  qssl_configuration_set_elliptic_curves (server_configuration, server_groups);
  server = server_new (server_configuration, &server_side);
  client = client_new (client_configuration, &client_side);
  connect_client (client, server);
  run_until_finished (&client_side, &server_side);
  g_assert_false (client_side.encrypted);
  g_assert_cmpint (client_side.error, ==, QSSL_SOCKET_ERROR_SSL_HANDSHAKE_FAILED);
  g_assert_nonnull (strstr (client_side.events->str, "alert-received:1:40"));
}

/* Session resumption */

typedef enum {
  RESUME_BY_TICKET,         /* persistence on: the configuration carries the ticket */
  RESUME_BY_SHARING,        /* persistence off: the shared context remembers */
  RESUME_SHARING_DISABLED,  /* neither: a full handshake again */
} ResumeWay;

static void
check_resumption (QsslProtocol protocol,
                  ResumeWay    way,
                  gboolean     server_tickets)
{
  g_auto(Side) server_side = { 0 };
  g_auto(Side) first_side = { 0 };
  g_auto(Side) second_side = { 0 };
  g_autoptr(QsslConfiguration) server_configuration = qssl_test_server_configuration ("server-ec");
  g_autoptr(QsslConfiguration) client_configuration = qssl_test_client_configuration ();
  g_autoptr(QsslConfiguration) after_first = NULL;
  g_autoptr(QsslServer) server = NULL;
  g_autoptr(QsslSocket) first = NULL;
  g_autoptr(QsslSocket) second = NULL;
  g_autoptr(GBytes) ticket = NULL;
  g_autoptr(GBytes) stored = NULL;

  qssl_configuration_set_protocol (client_configuration, protocol);
  qssl_configuration_set_ssl_option (client_configuration, QSSL_SSL_OPTIONS_DISABLE_SESSION_PERSISTENCE,
                                     way != RESUME_BY_TICKET);
  qssl_configuration_set_ssl_option (client_configuration, QSSL_SSL_OPTIONS_DISABLE_SESSION_SHARING,
                                     way == RESUME_SHARING_DISABLED);
  qssl_configuration_set_ssl_option (server_configuration, QSSL_SSL_OPTIONS_DISABLE_SESSION_TICKETS,
                                     !server_tickets);
  server = server_new (server_configuration, &server_side);

  first = client_new (client_configuration, &first_side);
  connect_client (first, server);
  run_until_finished (&first_side, &server_side);
  g_assert_true (first_side.encrypted);
  g_assert_false (qssl_socket_is_session_resumed (first));
  /* TLS 1.3 tickets follow the handshake: read something. */
  exchange (server, first);
  if (way == RESUME_BY_TICKET)
    {
      run_until (has_ticket, &first_side);
      g_assert_cmpuint (first_side.tickets, >, 0);
      after_first = qssl_socket_get_ssl_configuration (first);
      ticket = qssl_configuration_get_session_ticket (after_first);
      g_assert_nonnull (ticket);
      g_assert_cmpuint (g_bytes_get_size (ticket), >, 0);
      if (server_tickets)
        g_assert_cmpint (qssl_configuration_get_session_ticket_lifetime_hint (after_first), >, 0);
      /* A brand-new configuration given only a copy of the ticket's
       * bytes, as an application stores and reads it back, resumes too. */
      qssl_configuration_free (g_steal_pointer (&after_first));
      after_first = qssl_test_client_configuration ();
      qssl_configuration_set_protocol (after_first, protocol);
      stored = g_bytes_new (g_bytes_get_data (ticket, NULL), g_bytes_get_size (ticket));
      qssl_configuration_set_session_ticket (after_first, stored);
    }
  else
    {
      /* Persistence is off (Qt's default): no ticket, no signal. */
      after_first = qssl_socket_get_ssl_configuration (first);
      g_assert_null (qssl_configuration_get_session_ticket (after_first));
      g_assert_cmpuint (first_side.tickets, ==, 0);
    }
  qssl_socket_disconnect_from_host (first);

  server_side.finished = server_side.encrypted = FALSE;
  second = client_new (after_first, &second_side);
  connect_client (second, server);
  run_until_finished (&second_side, &server_side);
  g_assert_true (second_side.encrypted);
  /* An abbreviated handshake: nothing to verify, same signal order. */
  g_assert_cmpstr (second_side.events->str, ==,
                   "state:1 host-found state:2 state:3 connected mode:1 encrypted");
  g_assert_cmpint (qssl_socket_is_session_resumed (second), ==, way != RESUME_SHARING_DISABLED);
  g_assert_cmpint (qssl_socket_get_session_protocol (second), ==, protocol);
  /* The resumed session still knows who the peer is. */
  g_assert_nonnull (qssl_socket_get_peer_certificate (second));
  exchange (server, second);
  {
    g_autoptr(QsslSocket) none = qssl_server_next_pending_connection (server);
    g_assert_null (none);
  }
}

/* The server sends its TLS 1.3 tickets together with its first reply;
 * one that never replies must still send them, whether OpenSSL wrote them
 * inside the handshake or the server held them back until its checks
 * (@query_peer). The client reads; the server's socket stays pending. */
static void
check_tickets_without_reply (gboolean query_peer)
{
  g_auto(Side) server_side = { 0 };
  g_auto(Side) client_side = { 0 };
  g_autoptr(QsslConfiguration) server_configuration = qssl_test_server_configuration ("server-ec");
  g_autoptr(QsslConfiguration) client_configuration = qssl_test_client_configuration ();
  g_autoptr(QsslServer) server = NULL;
  g_autoptr(QsslSocket) client = NULL;
  g_autoptr(QsslConfiguration) after = NULL;
  g_autoptr(GBytes) ticket = NULL;

  qssl_configuration_set_protocol (client_configuration, QSSL_PROTOCOL_TLS_V1_3);
  qssl_configuration_set_ssl_option (client_configuration, QSSL_SSL_OPTIONS_DISABLE_SESSION_PERSISTENCE, FALSE);
  if (query_peer)
    qssl_configuration_set_peer_verify_mode (server_configuration, QSSL_PEER_VERIFY_MODE_QUERY_PEER);
  server = server_new (server_configuration, &server_side);
  client = client_new (client_configuration, &client_side);
  connect_client (client, server);
  run_until_finished (&client_side, &server_side);
  g_assert_true (client_side.encrypted);
  g_assert_true (server_side.encrypted);

  run_until (has_ticket, &client_side);
  g_assert_cmpuint (client_side.tickets, >, 0);
  after = qssl_socket_get_ssl_configuration (client);
  ticket = qssl_configuration_get_session_ticket (after);
  g_assert_nonnull (ticket);
}

static void test_tickets_without_reply (void) { check_tickets_without_reply (FALSE); }
static void test_tickets_without_reply_held (void) { check_tickets_without_reply (TRUE); }

static void test_resume_tls13_ticket (void) { check_resumption (QSSL_PROTOCOL_TLS_V1_3, RESUME_BY_TICKET, TRUE); }
static void test_resume_tls12_ticket (void) { check_resumption (QSSL_PROTOCOL_TLS_V1_2, RESUME_BY_TICKET, TRUE); }
static void test_resume_tls12_session_id (void) { check_resumption (QSSL_PROTOCOL_TLS_V1_2, RESUME_BY_TICKET, FALSE); }
static void test_resume_tls13_sharing (void) { check_resumption (QSSL_PROTOCOL_TLS_V1_3, RESUME_BY_SHARING, TRUE); }
static void test_resume_tls12_sharing (void) { check_resumption (QSSL_PROTOCOL_TLS_V1_2, RESUME_BY_SHARING, TRUE); }
static void test_resume_sharing_disabled (void) { check_resumption (QSSL_PROTOCOL_TLS_V1_3, RESUME_SHARING_DISABLED, TRUE); }

/* A session is offered only to the server name it was made with: a
 * ticket from "localhost" is not offered when connecting to 127.0.0.1
 * (the same server, whose certificate names both), so that handshake is
 * a full one. */
static void
test_resume_only_same_name (void)
{
  g_auto(Side) server_side = { 0 };
  g_auto(Side) first_side = { 0 };
  g_auto(Side) second_side = { 0 };
  g_autoptr(QsslConfiguration) server_configuration = qssl_test_server_configuration ("server-ec");
  g_autoptr(QsslConfiguration) client_configuration = qssl_test_client_configuration ();
  g_autoptr(QsslConfiguration) after_first = NULL;
  g_autoptr(QsslConfiguration) other_name = qssl_test_client_configuration ();
  g_autoptr(QsslServer) server = NULL;
  g_autoptr(QsslSocket) first = NULL;
  g_autoptr(QsslSocket) second = NULL;
  g_autoptr(GBytes) ticket = NULL;

  qssl_configuration_set_ssl_option (client_configuration, QSSL_SSL_OPTIONS_DISABLE_SESSION_PERSISTENCE, FALSE);
  server = server_new (server_configuration, &server_side);
  first = client_new (client_configuration, &first_side);
  connect_client (first, server);
  run_until_finished (&first_side, &server_side);
  g_assert_true (first_side.encrypted);
  exchange (server, first);
  run_until (has_ticket, &first_side);
  after_first = qssl_socket_get_ssl_configuration (first);
  ticket = qssl_configuration_get_session_ticket (after_first);
  g_assert_nonnull (ticket);
  qssl_socket_disconnect_from_host (first);

  qssl_configuration_set_session_ticket (other_name, ticket);
  server_side.finished = server_side.encrypted = FALSE;
  second = client_new (other_name, &second_side);
  qssl_socket_connect_to_host_encrypted (second, "127.0.0.1", qssl_server_get_server_port (server),
                                         QSSL_NETWORK_LAYER_PROTOCOL_ANY_IP);
  run_until_finished (&second_side, &server_side);
  g_assert_true (second_side.encrypted);
  g_assert_false (qssl_socket_is_session_resumed (second));
  exchange (server, second);
}

static void
ignore_all (QsslSocket *socket, GPtrArray *errors, gpointer unused)
{
  qssl_socket_ignore_ssl_errors (socket);
}

/* A session whose verification errors were ignored is not shared: the next
 * socket verifies (and sees the error) again. */
static void
test_resume_not_after_ignored_errors (void)
{
  g_auto(Side) server_side = { 0 };
  g_auto(Side) first_side = { 0 };
  g_auto(Side) second_side = { 0 };
  g_autoptr(QsslConfiguration) server_configuration = qssl_test_server_configuration ("wrong-host");
  g_autoptr(QsslConfiguration) client_configuration = qssl_test_client_configuration ();
  g_autoptr(QsslConfiguration) after_first = NULL;
  g_autoptr(QsslServer) server = NULL;
  g_autoptr(QsslSocket) first = NULL;
  g_autoptr(QsslSocket) second = NULL;

  server = server_new (server_configuration, &server_side);
  first = client_new (client_configuration, &first_side);
  g_signal_connect (first, "ssl-errors", G_CALLBACK (ignore_all), NULL);
  connect_client (first, server);
  run_until_finished (&first_side, &server_side);
  g_assert_true (first_side.encrypted);
  exchange (server, first);
  after_first = qssl_socket_get_ssl_configuration (first);
  qssl_socket_disconnect_from_host (first);

  server_side.finished = FALSE;
  second = client_new (after_first, &second_side);
  connect_client (second, server);
  run_until_finished (&second_side, &server_side);
  g_assert_false (second_side.encrypted);
  g_assert_false (qssl_socket_is_session_resumed (second));
  g_assert_cmpint (second_side.error, ==, QSSL_SOCKET_ERROR_SSL_HANDSHAKE_FAILED);
  g_assert_nonnull (second_side.ssl_errors);
  g_assert_cmpint (qssl_error_get_error (g_ptr_array_index (second_side.ssl_errors, 0)), ==,
                   QSSL_ERROR_CODE_HOST_NAME_MISMATCH);
}

/* PSK */

typedef struct {
  const char *identity;
  const char *key;
  guint       calls;
  char       *seen_identity;
  char       *seen_hint;
} PskAnswer;

static char *
bytes_to_string (GBytes *bytes)
{
  return bytes ? g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes)) : NULL;
}

static void
on_client_psk (QsslSocket                    *socket,
               QsslPreSharedKeyAuthenticator *authenticator,
               PskAnswer                     *answer)
{
  g_autoptr(GBytes) hint = qssl_pre_shared_key_authenticator_get_identity_hint (authenticator);
  g_autoptr(GBytes) identity = g_bytes_new_static (answer->identity, strlen (answer->identity));
  g_autoptr(GBytes) key = g_bytes_new_static (answer->key, strlen (answer->key));

  answer->calls++;
  g_free (answer->seen_hint);
  answer->seen_hint = bytes_to_string (hint);
  g_assert_cmpint (qssl_pre_shared_key_authenticator_get_maximum_identity_length (authenticator), >=, 128);
  g_assert_cmpint (qssl_pre_shared_key_authenticator_get_maximum_pre_shared_key_length (authenticator), >=, 64);
  qssl_pre_shared_key_authenticator_set_identity (authenticator, identity);
  qssl_pre_shared_key_authenticator_set_pre_shared_key (authenticator, key);
}

static void
on_server_psk (QsslServer                    *server,
               QsslSocket                    *socket,
               QsslPreSharedKeyAuthenticator *authenticator,
               PskAnswer                     *answer)
{
  g_autoptr(GBytes) hint = qssl_pre_shared_key_authenticator_get_identity_hint (authenticator);
  g_autoptr(GBytes) identity = qssl_pre_shared_key_authenticator_get_identity (authenticator);
  g_autoptr(GBytes) key = g_bytes_new_static (answer->key, strlen (answer->key));

  answer->calls++;
  g_free (answer->seen_identity);
  answer->seen_identity = bytes_to_string (identity);
  g_free (answer->seen_hint);
  answer->seen_hint = bytes_to_string (hint);
  qssl_pre_shared_key_authenticator_set_pre_shared_key (authenticator, key);
}

typedef enum {
  PSK_GOOD,
  PSK_WRONG_KEY,
  PSK_NO_SERVER_HANDLER,
} PskCase;

static void
check_psk (QsslProtocol  protocol,
           const char   *cipher,
           PskCase       psk_case)
{
  g_auto(Side) server_side = { 0 };
  g_auto(Side) client_side = { 0 };
  g_autoptr(QsslConfiguration) server_configuration = qssl_configuration_new ();
  g_autoptr(QsslConfiguration) client_configuration = qssl_test_client_configuration ();
  g_autoptr(GBytes) hint = g_bytes_new_static ("QtTestServerHint", 16);
  g_autoptr(QsslServer) server = NULL;
  g_autoptr(QsslSocket) client = NULL;
  PskAnswer client_answer = { "Client_identity", "secret-psk-key-1234567890" };
  PskAnswer server_answer = { NULL, psk_case == PSK_WRONG_KEY ? "another-key" : "secret-psk-key-1234567890" };

  /* No certificate at all: the key is the only credential. */
  qssl_configuration_set_protocol (server_configuration, protocol);
  set_ciphers (server_configuration, cipher);
  qssl_configuration_set_pre_shared_key_identity_hint (server_configuration, hint);
  qssl_configuration_set_protocol (client_configuration, protocol);
  set_ciphers (client_configuration, cipher);
  server = server_new (server_configuration, &server_side);
  if (psk_case != PSK_NO_SERVER_HANDLER)
    g_signal_connect (server, "pre-shared-key-authentication-required", G_CALLBACK (on_server_psk),
                      &server_answer);
  client = client_new (client_configuration, &client_side);
  g_signal_connect (client, "pre-shared-key-authentication-required", G_CALLBACK (on_client_psk), &client_answer);
  connect_client (client, server);
  run_until_finished (&client_side, &server_side);

  /* A server nobody answers for offers no PSK suite at all: the client is
   * never asked for a key. */
  g_assert_cmpuint (client_answer.calls, ==, psk_case == PSK_NO_SERVER_HANDLER ? 0 : 1);
  if (psk_case == PSK_NO_SERVER_HANDLER)
    g_assert_null (client_answer.seen_hint);
  else if (protocol == QSSL_PROTOCOL_TLS_V1_2)
    g_assert_cmpstr (client_answer.seen_hint, ==, "QtTestServerHint");
  else
    g_assert_null (client_answer.seen_hint); /* TLS 1.3 has no hint */
  if (psk_case == PSK_GOOD)
    {
      QsslCipher *used = qssl_socket_get_session_cipher (client);

      g_assert_true (client_side.encrypted);
      g_assert_null (client_side.ssl_errors); /* no certificate, and none missed */
      g_assert_cmpuint (server_answer.calls, ==, 1);
      g_assert_cmpstr (server_answer.seen_identity, ==, "Client_identity");
      g_assert_cmpstr (server_answer.seen_hint, ==, "QtTestServerHint");
      g_assert_cmpstr (qssl_cipher_get_name (used), ==, cipher);
      g_assert_null (qssl_socket_get_peer_certificate (client));
      exchange (server, client);
    }
  else
    {
      g_assert_false (client_side.encrypted);
      g_assert_false (server_side.encrypted);
      g_assert_cmpint (client_side.error, ==, QSSL_SOCKET_ERROR_SSL_HANDSHAKE_FAILED);
      g_assert_cmpint (server_side.error, ==, QSSL_SOCKET_ERROR_SSL_HANDSHAKE_FAILED);
      g_assert_nonnull (strstr (server_side.events->str, "alert-sent:1:"));
      g_assert_nonnull (strstr (client_side.events->str, "alert-received:1:"));
      g_assert_cmpint (qssl_socket_get_state (client), ==, QSSL_SOCKET_STATE_UNCONNECTED);
    }
  g_free (client_answer.seen_hint);
  g_free (server_answer.seen_hint);
  g_free (server_answer.seen_identity);
}

static void test_psk_tls12 (void) { check_psk (QSSL_PROTOCOL_TLS_V1_2, "PSK-AES128-GCM-SHA256", PSK_GOOD); }
static void test_psk_tls12_ecdhe (void) { check_psk (QSSL_PROTOCOL_TLS_V1_2, "ECDHE-PSK-CHACHA20-POLY1305", PSK_GOOD); }
static void test_psk_tls13 (void) { check_psk (QSSL_PROTOCOL_TLS_V1_3, "TLS_AES_128_GCM_SHA256", PSK_GOOD); }
static void test_psk_wrong_key (void) { check_psk (QSSL_PROTOCOL_TLS_V1_2, "PSK-AES128-GCM-SHA256", PSK_WRONG_KEY); }
static void test_psk_wrong_key_tls13 (void) { check_psk (QSSL_PROTOCOL_TLS_V1_3, "TLS_AES_128_GCM_SHA256", PSK_WRONG_KEY); }
static void test_psk_no_handler (void) { check_psk (QSSL_PROTOCOL_TLS_V1_2, "PSK-AES128-GCM-SHA256", PSK_NO_SERVER_HANDLER); }

/* A client with no handler offers no PSK suite, so a PSK-only server
 * finds nothing in common. */
static void
test_psk_client_without_handler (void)
{
  g_auto(Side) server_side = { 0 };
  g_auto(Side) client_side = { 0 };
  g_autoptr(QsslConfiguration) server_configuration = qssl_configuration_new ();
  g_autoptr(QsslConfiguration) client_configuration = qssl_test_client_configuration ();
  g_autoptr(QsslServer) server = NULL;
  g_autoptr(QsslSocket) client = NULL;

  qssl_configuration_set_protocol (server_configuration, QSSL_PROTOCOL_TLS_V1_2);
  set_ciphers (server_configuration, "PSK-AES128-GCM-SHA256");
  qssl_configuration_set_protocol (client_configuration, QSSL_PROTOCOL_TLS_V1_2);
  set_ciphers (client_configuration, "PSK-AES128-GCM-SHA256");
  server = server_new (server_configuration, &server_side);
  client = client_new (client_configuration, &client_side);
  connect_client (client, server);
  run_until_finished (&client_side, &server_side);
  g_assert_false (client_side.encrypted);
  g_assert_cmpint (client_side.error, ==, QSSL_SOCKET_ERROR_SSL_HANDSHAKE_FAILED);
}

static void
abort_in_psk (QsslSocket *socket, QsslPreSharedKeyAuthenticator *authenticator, gpointer unused)
{
  qssl_socket_abort (socket);
}

/* Aborting inside the handler, which runs inside OpenSSL: no crash, the
 * socket is closed, and it can connect again. */
static void
test_psk_abort_in_handler (void)
{
  g_auto(Side) server_side = { 0 };
  g_auto(Side) client_side = { 0 };
  g_autoptr(QsslConfiguration) server_configuration = qssl_configuration_new ();
  g_autoptr(QsslConfiguration) client_configuration = qssl_test_client_configuration ();
  g_autoptr(QsslServer) server = NULL;
  g_autoptr(QsslSocket) client = NULL;
  gulong handler;

  qssl_configuration_set_protocol (server_configuration, QSSL_PROTOCOL_TLS_V1_2);
  set_ciphers (server_configuration, "PSK-AES128-GCM-SHA256");
  qssl_configuration_set_protocol (client_configuration, QSSL_PROTOCOL_TLS_V1_2);
  set_ciphers (client_configuration, "PSK-AES128-GCM-SHA256");
  server = server_new (server_configuration, &server_side);
  client = client_new (client_configuration, &client_side);
  handler = g_signal_connect (client, "pre-shared-key-authentication-required", G_CALLBACK (abort_in_psk), NULL);
  connect_client (client, server);
  run_until_finished (&client_side, NULL);
  g_assert_false (client_side.encrypted);
  g_assert_cmpint (qssl_socket_get_state (client), ==, QSSL_SOCKET_STATE_UNCONNECTED);
  g_assert_nonnull (strstr (client_side.events->str, "disconnected"));

  /* Reusable: the next attempt with a real key succeeds. */
  {
    PskAnswer client_answer = { "id", "key-key-key-key" };
    PskAnswer server_answer = { NULL, "key-key-key-key" };

    g_signal_handler_disconnect (client, handler);
    g_signal_connect (client, "pre-shared-key-authentication-required", G_CALLBACK (on_client_psk), &client_answer);
    g_signal_connect (server, "pre-shared-key-authentication-required", G_CALLBACK (on_server_psk), &server_answer);
    client_side.finished = FALSE;
    server_side.finished = FALSE;
    connect_client (client, server);
    run_until_finished (&client_side, &server_side);
    g_assert_true (client_side.encrypted);
    g_free (client_answer.seen_hint);
    g_free (server_answer.seen_hint);
    g_free (server_answer.seen_identity);
  }
}

/* ALPN */

static void
check_alpn (const char * const *client_protocols,
            const char * const *server_protocols,
            const char         *expected)
{
  g_auto(Side) server_side = { 0 };
  g_auto(Side) client_side = { 0 };
  g_autoptr(QsslConfiguration) server_configuration = qssl_test_server_configuration ("server-ec");
  g_autoptr(QsslConfiguration) client_configuration = qssl_test_client_configuration ();
  g_autoptr(QsslServer) server = NULL;
  g_autoptr(QsslSocket) client = NULL;
  g_autoptr(QsslSocket) accepted = NULL;
  g_autoptr(QsslConfiguration) client_state = NULL;
  g_autoptr(QsslConfiguration) server_state = NULL;
  QsslNextProtocolNegotiationStatus status =
    expected ? QSSL_NEXT_PROTOCOL_NEGOTIATION_STATUS_NEGOTIATED : QSSL_NEXT_PROTOCOL_NEGOTIATION_STATUS_NONE;

  qssl_configuration_set_allowed_next_protocols (server_configuration, server_protocols);
  qssl_configuration_set_allowed_next_protocols (client_configuration, client_protocols);
  server = server_new (server_configuration, &server_side);
  client = client_new (client_configuration, &client_side);
  connect_client (client, server);
  run_until_finished (&client_side, &server_side);
  g_assert_true (client_side.encrypted);
  g_assert_true (server_side.encrypted);
  accepted = qssl_server_next_pending_connection (server);
  client_state = qssl_socket_get_ssl_configuration (client);
  server_state = qssl_socket_get_ssl_configuration (accepted);
  g_assert_cmpstr (qssl_configuration_get_next_negotiated_protocol (client_state), ==, expected);
  g_assert_cmpstr (qssl_configuration_get_next_negotiated_protocol (server_state), ==, expected);
  g_assert_cmpint (qssl_configuration_get_next_protocol_negotiation_status (client_state), ==, status);
  g_assert_cmpint (qssl_configuration_get_next_protocol_negotiation_status (server_state), ==, status);
}

static void
test_alpn_server_preference (void)
{
  const char *client[] = { QSSL_ALPN_HTTP2, QSSL_ALPN_HTTP_1_1, NULL };
  const char *server[] = { QSSL_ALPN_HTTP_1_1, QSSL_ALPN_HTTP2, NULL };

  check_alpn (client, server, "http/1.1");
}

static void
test_alpn_custom (void)
{
  const char *client[] = { "cool-protocol", NULL };
  const char *server[] = { "h2", "cool-protocol", NULL };

  check_alpn (client, server, "cool-protocol");
}

static void
test_alpn_no_overlap (void)
{
  const char *client[] = { "foo", NULL };
  const char *server[] = { "bar", NULL };

  check_alpn (client, server, NULL);
}

static void
test_alpn_server_none (void)
{
  const char *client[] = { "h2", NULL };

  check_alpn (client, NULL, NULL);
}

/* OCSP stapling */

typedef struct {
  const char   *server_cert;
  const char   *staple;          /* PKI file, "garbage", or NULL for none */
  gboolean      encrypted;
  QsslErrorCode errors[3];       /* expected ssl-errors, 0-terminated (or -1 none) */
  QsslOcspCertificateStatus status;
  QsslOcspRevocationReason reason;
  gboolean      has_response;
  const char   *responder;       /* PKI file of the signer; NULL: ocsp-responder.pem */
} OcspCase;

static void
check_ocsp (const OcspCase *ocsp)
{
  g_auto(Side) server_side = { 0 };
  g_auto(Side) client_side = { 0 };
  g_autoptr(QsslConfiguration) server_configuration = qssl_test_server_configuration (ocsp->server_cert);
  g_autoptr(QsslConfiguration) client_configuration = qssl_test_client_configuration ();
  g_autoptr(QsslServer) server = NULL;
  g_autoptr(QsslSocket) client = NULL;
  g_autoptr(GPtrArray) responses = NULL;

  if (ocsp->staple != NULL)
    {
      g_autoptr(GBytes) staple = strcmp (ocsp->staple, "garbage") == 0
                                   ? g_bytes_new_static ("\x30\x03\x0a\x01", 4)
                                   : qssl_test_pki_bytes (ocsp->staple);

      qssl_configuration_set_ocsp_response (server_configuration, staple);
    }
  qssl_configuration_set_ocsp_stapling_enabled (client_configuration, TRUE);
  server = server_new (server_configuration, &server_side);
  client = client_new (client_configuration, &client_side);
  connect_client (client, server);
  run_until_finished (&client_side, &server_side);

  g_assert_cmpint (client_side.encrypted, ==, ocsp->encrypted);
  if (!ocsp->encrypted)
    g_assert_cmpint (client_side.error, ==, QSSL_SOCKET_ERROR_SSL_HANDSHAKE_FAILED);
  if (ocsp->errors[0] == 0)
    g_assert_null (client_side.ssl_errors);
  else
    {
      guint expected = 0;

      g_assert_nonnull (client_side.ssl_errors);
      while (expected < G_N_ELEMENTS (ocsp->errors) && ocsp->errors[expected] != 0)
        expected++;
      g_assert_cmpuint (client_side.ssl_errors->len, ==, expected);
      for (guint i = 0; i < expected; i++)
        {
          QsslError *error = g_ptr_array_index (client_side.ssl_errors, i);
          QsslCertificate *certificate = qssl_error_get_certificate (error);

          g_assert_cmpint (qssl_error_get_error (error), ==, ocsp->errors[i]);
          g_assert_true (qssl_certificate_equal (certificate, qssl_socket_get_peer_certificate (client)));
        }
    }
  responses = qssl_socket_get_ocsp_responses (client);
  g_assert_cmpuint (responses->len, ==, (ocsp->has_response ? 1 : 0));
  if (ocsp->has_response)
    {
      QsslOcspResponse *response = g_ptr_array_index (responses, 0);
      QsslCertificate *responder = qssl_ocsp_response_get_responder (response);
      g_autofree char *peer_pem = g_strconcat (ocsp->server_cert, ".pem", NULL);
      g_autoptr(QsslCertificate) peer = qssl_test_pki_certificate (peer_pem);
      g_autoptr(QsslCertificate) signer =
        qssl_test_pki_certificate (ocsp->responder ? ocsp->responder : "ocsp-responder.pem");

      g_assert_cmpint (qssl_ocsp_response_get_certificate_status (response), ==, ocsp->status);
      g_assert_cmpint (qssl_ocsp_response_get_revocation_reason (response), ==, ocsp->reason);
      g_assert_true (qssl_certificate_equal (qssl_ocsp_response_get_subject (response), peer));
      g_assert_nonnull (responder);
      g_assert_true (qssl_certificate_equal (responder, signer));
    }
}

static void
test_ocsp_good (void)
{
  OcspCase c = { "server-rsa", "ocsp-good.der", TRUE, { 0 }, QSSL_OCSP_CERTIFICATE_STATUS_GOOD,
                 QSSL_OCSP_REVOCATION_REASON_NONE, TRUE };
  check_ocsp (&c);
}

static void
test_ocsp_revoked (void)
{
  OcspCase c = { "revoked", "ocsp-revoked.der", FALSE, { QSSL_ERROR_CODE_CERTIFICATE_REVOKED },
                 QSSL_OCSP_CERTIFICATE_STATUS_REVOKED, QSSL_OCSP_REVOCATION_REASON_KEY_COMPROMISE, TRUE };
  check_ocsp (&c);
}

static void
test_ocsp_unknown (void)
{
  OcspCase c = { "server-ec", "ocsp-unknown.der", FALSE, { QSSL_ERROR_CODE_OCSP_STATUS_UNKNOWN },
                 QSSL_OCSP_CERTIFICATE_STATUS_UNKNOWN, QSSL_OCSP_REVOCATION_REASON_NONE, TRUE };
  check_ocsp (&c);
}

static void
test_ocsp_missing (void)
{
  OcspCase c = { "server-rsa", NULL, FALSE, { QSSL_ERROR_CODE_OCSP_NO_RESPONSE_FOUND } };
  check_ocsp (&c);
}

static void
test_ocsp_wrong_certificate (void)
{
  OcspCase c = { "server-ec", "ocsp-good.der", FALSE, { QSSL_ERROR_CODE_OCSP_RESPONSE_CERT_ID_UNKNOWN } };
  check_ocsp (&c);
}

static void
test_ocsp_expired (void)
{
  OcspCase c = { "server-rsa", "ocsp-expired.der", FALSE, { QSSL_ERROR_CODE_OCSP_RESPONSE_EXPIRED },
                 QSSL_OCSP_CERTIFICATE_STATUS_GOOD, QSSL_OCSP_REVOCATION_REASON_NONE, TRUE };
  check_ocsp (&c);
}

static void
test_ocsp_untrusted_responder (void)
{
  OcspCase c = { "server-rsa", "ocsp-untrusted.der", FALSE, { QSSL_ERROR_CODE_OCSP_RESPONSE_CANNOT_BE_TRUSTED },
                 QSSL_OCSP_CERTIFICATE_STATUS_GOOD, QSSL_OCSP_REVOCATION_REASON_NONE, TRUE, "self-signed.pem" };
  check_ocsp (&c);
}

static void
test_ocsp_malformed (void)
{
  OcspCase c = { "server-rsa", "garbage", FALSE, { 0 } };
  check_ocsp (&c);
}

/* A server staples only in full handshakes: a client that requires a
 * staple does not offer its session (the status it checked may be stale),
 * so each connection verifies a fresh staple instead of failing with
 * OCSP_NO_RESPONSE_FOUND on resumption. */
static void
check_ocsp_resumption (QsslProtocol protocol)
{
  g_auto(Side) server_side = { 0 };
  g_auto(Side) first_side = { 0 };
  g_auto(Side) second_side = { 0 };
  g_autoptr(QsslConfiguration) server_configuration = qssl_test_server_configuration ("server-rsa");
  g_autoptr(QsslConfiguration) client_configuration = qssl_test_client_configuration ();
  g_autoptr(GBytes) staple = qssl_test_pki_bytes ("ocsp-good.der");
  g_autoptr(QsslConfiguration) after_first = NULL;
  g_autoptr(QsslServer) server = NULL;
  g_autoptr(QsslSocket) first = NULL;
  g_autoptr(QsslSocket) second = NULL;
  g_autoptr(GPtrArray) responses = NULL;
  g_autoptr(GBytes) ticket = NULL;

  qssl_configuration_set_ocsp_response (server_configuration, staple);
  qssl_configuration_set_protocol (client_configuration, protocol);
  qssl_configuration_set_ocsp_stapling_enabled (client_configuration, TRUE);
  /* Both ways of resuming: the shared context and the carried ticket. */
  qssl_configuration_set_ssl_option (client_configuration, QSSL_SSL_OPTIONS_DISABLE_SESSION_PERSISTENCE, FALSE);
  server = server_new (server_configuration, &server_side);
  first = client_new (client_configuration, &first_side);
  connect_client (first, server);
  run_until_finished (&first_side, &server_side);
  g_assert_true (first_side.encrypted);
  exchange (server, first);
  run_until (has_ticket, &first_side);
  g_assert_cmpuint (first_side.tickets, >, 0);
  after_first = qssl_socket_get_ssl_configuration (first);
  ticket = qssl_configuration_get_session_ticket (after_first);
  g_assert_nonnull (ticket);
  qssl_socket_disconnect_from_host (first);

  server_side.finished = server_side.encrypted = FALSE;
  second = client_new (after_first, &second_side);
  connect_client (second, server);
  run_until_finished (&second_side, &server_side);
  g_assert_true (second_side.encrypted);
  g_assert_null (second_side.ssl_errors);
  g_assert_false (qssl_socket_is_session_resumed (second));
  responses = qssl_socket_get_ocsp_responses (second);
  g_assert_cmpuint (responses->len, ==, 1);
  g_assert_cmpint (qssl_ocsp_response_get_certificate_status (g_ptr_array_index (responses, 0)), ==,
                   QSSL_OCSP_CERTIFICATE_STATUS_GOOD);
  exchange (server, second);
}

static void test_ocsp_resumption_tls12 (void) { check_ocsp_resumption (QSSL_PROTOCOL_TLS_V1_2); }
static void test_ocsp_resumption_tls13 (void) { check_ocsp_resumption (QSSL_PROTOCOL_TLS_V1_3); }

/* Without stapling enabled, a server's staple is not even asked for. */
static void
test_ocsp_not_requested (void)
{
  g_auto(Side) server_side = { 0 };
  g_auto(Side) client_side = { 0 };
  g_autoptr(QsslConfiguration) server_configuration = qssl_test_server_configuration ("revoked");
  g_autoptr(QsslConfiguration) client_configuration = qssl_test_client_configuration ();
  g_autoptr(GBytes) staple = qssl_test_pki_bytes ("ocsp-revoked.der");
  g_autoptr(QsslServer) server = NULL;
  g_autoptr(QsslSocket) client = NULL;
  g_autoptr(GPtrArray) responses = NULL;

  qssl_configuration_set_ocsp_response (server_configuration, staple);
  server = server_new (server_configuration, &server_side);
  client = client_new (client_configuration, &client_side);
  connect_client (client, server);
  run_until_finished (&client_side, &server_side);
  g_assert_true (client_side.encrypted);
  responses = qssl_socket_get_ocsp_responses (client);
  g_assert_cmpuint (responses->len, ==, 0);
}

/* Alerts */

/* Qt's alertMissingCertificate: the server requires a certificate, the
 * client has none. */
static void
test_alert_missing_certificate (void)
{
  g_auto(Side) server_side = { 0 };
  g_auto(Side) client_side = { 0 };
  g_autoptr(QsslConfiguration) server_configuration = qssl_test_server_configuration ("server-ec");
  g_autoptr(QsslConfiguration) client_configuration = qssl_test_client_configuration ();
  g_autoptr(QsslServer) server = NULL;
  g_autoptr(QsslSocket) client = NULL;

  qssl_configuration_set_peer_verify_mode (server_configuration, QSSL_PEER_VERIFY_MODE_VERIFY_PEER);
  qssl_configuration_set_missing_certificate_is_fatal (server_configuration, TRUE);
  server = server_new (server_configuration, &server_side);
  client = client_new (client_configuration, &client_side);
  connect_client (client, server);
  run_until_finished (&server_side, NULL);
  /* TLS 1.3: the client may finish first and learn of the alert later. */
  while (!strstr (client_side.events->str, "disconnected"))
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (server_side.encrypted);
  g_assert_cmpstr (server_side.events->str, ==, "alert-sent:1:116 error:13");
  g_assert_nonnull (strstr (client_side.events->str, "alert-received:1:116"));
}

/* Qt's alertInvalidCertificate: interrupt mode, and the client does not
 * continue: it sends the alert, the server receives it. */
static void
test_alert_invalid_certificate (void)
{
  g_auto(Side) server_side = { 0 };
  g_auto(Side) client_side = { 0 };
  g_autoptr(QsslConfiguration) server_configuration = qssl_test_server_configuration ("self-signed");
  g_autoptr(QsslConfiguration) client_configuration = qssl_test_client_configuration ();
  g_autoptr(QsslServer) server = NULL;
  g_autoptr(QsslSocket) client = NULL;

  qssl_configuration_set_handshake_must_interrupt_on_error (client_configuration, TRUE);
  server = server_new (server_configuration, &server_side);
  client = client_new (client_configuration, &client_side);
  connect_client (client, server);
  run_until_finished (&client_side, &server_side);
  g_assert_false (client_side.encrypted);
  g_assert_false (server_side.encrypted);
  g_assert_nonnull (strstr (client_side.events->str, "alert-sent:1:"));
  g_assert_nonnull (strstr (server_side.events->str, "alert-received:1:"));
  /* The alert comes before the error it causes. */
  g_assert_true (strstr (client_side.events->str, "alert-sent") < strstr (client_side.events->str, "error:13"));
}

static gboolean
has_close_notify (gpointer data)
{
  return strstr (((Side *) data)->events->str, "alert-received:0:0") != NULL;
}

/* A graceful close is a close_notify warning alert, on both ends. */
static void
test_alert_close_notify (void)
{
  g_auto(Side) server_side = { 0 };
  g_auto(Side) client_side = { 0 };
  g_auto(Side) accepted_side = { 0 };
  g_autoptr(QsslConfiguration) server_configuration = qssl_test_server_configuration ("server-ec");
  g_autoptr(QsslConfiguration) client_configuration = qssl_test_client_configuration ();
  g_autoptr(QsslServer) server = NULL;
  g_autoptr(QsslSocket) client = NULL;
  g_autoptr(QsslSocket) accepted = NULL;

  server = server_new (server_configuration, &server_side);
  client = client_new (client_configuration, &client_side);
  connect_client (client, server);
  run_until_finished (&client_side, &server_side);
  accepted = qssl_server_next_pending_connection (server);
  side_init (&accepted_side);
  g_signal_connect (accepted, "alert-received", G_CALLBACK (on_client_alert_received), &accepted_side);
  qssl_socket_disconnect_from_host (client);
  g_assert_nonnull (strstr (client_side.events->str, "alert-sent:0:0"));
  g_assert_true (strstr (client_side.events->str, "disconnected") < strstr (client_side.events->str, "alert-sent:0:0"));
  run_until (has_close_notify, &accepted_side);
  g_assert_cmpstr (accepted_side.events->str, ==, "alert-received:0:0");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/qssl/features/protocol/tls12-only", test_protocol_tls12_only);
  g_test_add_func ("/qssl/features/protocol/tls13-only", test_protocol_tls13_only);
  g_test_add_func ("/qssl/features/protocol/tls12-or-later", test_protocol_tls12_or_later);
  g_test_add_func ("/qssl/features/protocol/secure", test_protocol_secure);
  g_test_add_func ("/qssl/features/protocol/no-overlap", test_protocol_no_overlap);
  g_test_add_func ("/qssl/features/protocol/tls10-refused", test_protocol_tls10_refused);
  g_test_add_func ("/qssl/features/protocol/tls11-refused", test_protocol_tls11_refused);
  g_test_add_func ("/qssl/features/protocol/tls10-both", test_protocol_tls10_both);
  g_test_add_func ("/qssl/features/protocol/tls11-both", test_protocol_tls11_both);
  g_test_add_func ("/qssl/features/cipher/tls12", test_cipher_tls12);
  g_test_add_func ("/qssl/features/cipher/tls13", test_cipher_tls13);
  g_test_add_func ("/qssl/features/cipher/server-preference", test_cipher_server_preference);
  g_test_add_func ("/qssl/features/cipher/client-preference", test_cipher_client_preference);
  g_test_add_func ("/qssl/features/group/p384", test_group_p384);
  g_test_add_func ("/qssl/features/group/p521", test_group_p521);
  g_test_add_func ("/qssl/features/group/no-overlap", test_group_no_overlap);
  g_test_add_func ("/qssl/features/group/negotiated-x25519-tls13", test_negotiated_x25519_tls13);
  g_test_add_func ("/qssl/features/group/negotiated-x25519-tls12", test_negotiated_x25519_tls12);
  g_test_add_func ("/qssl/features/group/negotiated-p256-tls13", test_negotiated_p256_tls13);
  g_test_add_func ("/qssl/features/group/negotiated-p256-tls12", test_negotiated_p256_tls12);
  g_test_add_func ("/qssl/features/resume/tls13-ticket", test_resume_tls13_ticket);
  g_test_add_func ("/qssl/features/resume/tickets-without-reply", test_tickets_without_reply);
  g_test_add_func ("/qssl/features/resume/tickets-without-reply-held", test_tickets_without_reply_held);
  g_test_add_func ("/qssl/features/resume/only-same-name", test_resume_only_same_name);
  g_test_add_func ("/qssl/features/resume/tls12-ticket", test_resume_tls12_ticket);
  g_test_add_func ("/qssl/features/resume/tls12-session-id", test_resume_tls12_session_id);
  g_test_add_func ("/qssl/features/resume/tls13-sharing", test_resume_tls13_sharing);
  g_test_add_func ("/qssl/features/resume/tls12-sharing", test_resume_tls12_sharing);
  g_test_add_func ("/qssl/features/resume/sharing-disabled", test_resume_sharing_disabled);
  g_test_add_func ("/qssl/features/resume/not-after-ignored-errors", test_resume_not_after_ignored_errors);
  g_test_add_func ("/qssl/features/ocsp/resumption-tls12", test_ocsp_resumption_tls12);
  g_test_add_func ("/qssl/features/ocsp/resumption-tls13", test_ocsp_resumption_tls13);
  g_test_add_func ("/qssl/features/psk/tls12", test_psk_tls12);
  g_test_add_func ("/qssl/features/psk/tls12-ecdhe", test_psk_tls12_ecdhe);
  g_test_add_func ("/qssl/features/psk/tls13", test_psk_tls13);
  g_test_add_func ("/qssl/features/psk/wrong-key", test_psk_wrong_key);
  g_test_add_func ("/qssl/features/psk/wrong-key-tls13", test_psk_wrong_key_tls13);
  g_test_add_func ("/qssl/features/psk/no-server-handler", test_psk_no_handler);
  g_test_add_func ("/qssl/features/psk/no-client-handler", test_psk_client_without_handler);
  g_test_add_func ("/qssl/features/psk/abort-in-handler", test_psk_abort_in_handler);
  g_test_add_func ("/qssl/features/alpn/server-preference", test_alpn_server_preference);
  g_test_add_func ("/qssl/features/alpn/custom", test_alpn_custom);
  g_test_add_func ("/qssl/features/alpn/no-overlap", test_alpn_no_overlap);
  g_test_add_func ("/qssl/features/alpn/server-none", test_alpn_server_none);
  g_test_add_func ("/qssl/features/ocsp/good", test_ocsp_good);
  g_test_add_func ("/qssl/features/ocsp/revoked", test_ocsp_revoked);
  g_test_add_func ("/qssl/features/ocsp/unknown", test_ocsp_unknown);
  g_test_add_func ("/qssl/features/ocsp/missing", test_ocsp_missing);
  g_test_add_func ("/qssl/features/ocsp/wrong-certificate", test_ocsp_wrong_certificate);
  g_test_add_func ("/qssl/features/ocsp/expired", test_ocsp_expired);
  g_test_add_func ("/qssl/features/ocsp/untrusted-responder", test_ocsp_untrusted_responder);
  g_test_add_func ("/qssl/features/ocsp/malformed", test_ocsp_malformed);
  g_test_add_func ("/qssl/features/ocsp/not-requested", test_ocsp_not_requested);
  g_test_add_func ("/qssl/features/alert/missing-certificate", test_alert_missing_certificate);
  g_test_add_func ("/qssl/features/alert/invalid-certificate", test_alert_invalid_certificate);
  g_test_add_func ("/qssl/features/alert/close-notify", test_alert_close_notify);

  return g_test_run ();
}
