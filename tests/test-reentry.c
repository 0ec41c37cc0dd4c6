/* test-reentry.c: what a signal handler may do to its own socket
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * From any signal a handler may abort, close, disconnect, reconnect or drop
 * its last reference; the socket then does what that call does from the
 * main loop, and nothing of the old connection follows. The peer is a
 * QsslServer on the same context: real TLS over loopback.
 */

#include <string.h>

#include "qssl-test-utils.h"

/* What the peer does, and how the client is set up to meet it. */
typedef enum {
  SCENE_NORMAL,       /* "hello\n" once encrypted; on "bye", a graceful close */
  SCENE_GREET_CLOSE,  /* "hello\n" and close_notify at once; the client's buffer is bounded */
  SCENE_BAD_NAME,     /* the client verifies a name the certificate lacks */
  SCENE_INTERRUPT,    /* an untrusted chain, with must-interrupt-on-error: the client sends an alert */
  SCENE_PSK,          /* PSK only, no certificates */
} Scene;

#define PSK_KEY "secret-psk-key-1234567890"

/* The peer */

typedef struct {
  QsslServer *server;
  Scene       scene;
  GPtrArray  *sockets;   /* accepted */
} Peer;

static void
peer_read (QsslSocket *socket,
           Peer       *peer)
{
  g_autoptr(GBytes) data = qssl_socket_read_all (socket);
  gsize size;
  const char *text = g_bytes_get_data (data, &size);

  if (size > 0 && g_strstr_len (text, size, "bye") != NULL)
    qssl_socket_disconnect_from_host (socket);
}

static void
peer_pending (QsslServer *server,
              Peer       *peer)
{
  QsslSocket *socket;

  while ((socket = qssl_server_next_pending_connection (server)) != NULL)
    {
      g_ptr_array_add (peer->sockets, socket);
      g_signal_connect (socket, "ready-read", G_CALLBACK (peer_read), peer);
      qssl_socket_write (socket, (const guint8 *) "hello\n", 6);
      if (peer->scene == SCENE_GREET_CLOSE)
        qssl_socket_disconnect_from_host (socket);
    }
}

static void
peer_psk (QsslServer                    *server,
          QsslSocket                    *socket,
          QsslPreSharedKeyAuthenticator *authenticator,
          Peer                          *peer)
{
  g_autoptr(GBytes) key = g_bytes_new_static (PSK_KEY, strlen (PSK_KEY));

  qssl_pre_shared_key_authenticator_set_pre_shared_key (authenticator, key);
}

static void
set_psk_ciphers (QsslConfiguration *configuration)
{
  g_autoptr(GError) error = NULL;

  qssl_configuration_set_protocol (configuration, QSSL_PROTOCOL_TLS_V1_2);
  g_assert_true (qssl_configuration_set_ciphers_from_string (configuration, "PSK-AES128-GCM-SHA256", &error));
  g_assert_no_error (error);
}

static Peer *
peer_new (Scene scene)
{
  Peer *peer = g_new0 (Peer, 1);
  g_autoptr(QsslConfiguration) configuration = NULL;
  g_autoptr(GError) error = NULL;

  peer->scene = scene;
  peer->sockets = g_ptr_array_new_with_free_func (g_object_unref);
  peer->server = qssl_server_new ();
  if (scene == SCENE_PSK)
    {
      g_autoptr(GBytes) hint = g_bytes_new_static ("hint", 4);

      configuration = qssl_configuration_new ();
      set_psk_ciphers (configuration);
      qssl_configuration_set_pre_shared_key_identity_hint (configuration, hint);
      g_signal_connect (peer->server, "pre-shared-key-authentication-required", G_CALLBACK (peer_psk), peer);
    }
  else
    configuration = qssl_test_server_configuration ("server-rsa");
  qssl_server_set_ssl_configuration (peer->server, configuration);
  g_signal_connect (peer->server, "pending-connection-available", G_CALLBACK (peer_pending), peer);
  g_assert_true (qssl_server_listen (peer->server, NULL, 0, &error));
  g_assert_no_error (error);
  return peer;
}

static void
peer_free (Peer *peer)
{
  qssl_server_close (peer->server);
  g_object_unref (peer->server);
  g_ptr_array_unref (peer->sockets);
  g_free (peer);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Peer, peer_free)

/* The client */

static void
client_psk (QsslSocket                    *socket,
            QsslPreSharedKeyAuthenticator *authenticator,
            gpointer                       user_data)
{
  g_autoptr(GBytes) identity = g_bytes_new_static ("client", 6);
  g_autoptr(GBytes) key = g_bytes_new_static (PSK_KEY, strlen (PSK_KEY));

  qssl_pre_shared_key_authenticator_set_identity (authenticator, identity);
  qssl_pre_shared_key_authenticator_set_pre_shared_key (authenticator, key);
}

/* Sets @socket up for @scene; SCENE_NORMAL undoes the others. */
static void
client_prepare (QsslSocket *socket,
                Scene       scene)
{
  g_autoptr(QsslConfiguration) configuration = NULL;

  if (scene == SCENE_INTERRUPT)
    {
      /* No test CA: the chain is untrusted, and OpenSSL is told so. */
      configuration = qssl_configuration_new ();
      qssl_configuration_set_handshake_must_interrupt_on_error (configuration, TRUE);
    }
  else
    configuration = qssl_test_client_configuration ();
  if (scene == SCENE_PSK)
    set_psk_ciphers (configuration);
  /* Session tickets are reported (Qt keeps them only on request). */
  qssl_configuration_set_ssl_option (configuration, QSSL_SSL_OPTIONS_DISABLE_SESSION_PERSISTENCE, FALSE);
  qssl_socket_set_ssl_configuration (socket, configuration);
  qssl_socket_set_peer_verify_name (socket, scene == SCENE_BAD_NAME ? "wrong.invalid" : NULL);
  qssl_socket_set_read_buffer_size (socket, scene == SCENE_GREET_CLOSE ? 1024 * 1024 : 0);
  g_signal_handlers_disconnect_by_func (socket, client_psk, NULL);
  if (scene == SCENE_PSK)
    g_signal_connect (socket, "pre-shared-key-authentication-required", G_CALLBACK (client_psk), NULL);
}

static void
client_connect (QsslSocket *socket,
                Peer       *peer)
{
  qssl_socket_connect_to_host_encrypted (socket, "localhost", qssl_server_get_server_port (peer->server),
                                         QSSL_NETWORK_LAYER_PROTOCOL_ANY_IP);
}

/* Every signal of the socket under test, in order, as "name" or
 * "state-changed:N". Recorded by emission hooks, so that nothing a handler
 * does can hide a signal (and nothing emitted during dispose escapes). */

static const char * const socket_signals[] = {
  "encrypted", "ssl-errors", "peer-verify-error", "ready-read", "bytes-written",
  "encrypted-bytes-written", "disconnected", "state-changed", "error-occurred", "alert-sent",
  "alert-received", "mode-changed", "new-session-ticket-received",
  "pre-shared-key-authentication-required", "read-channel-finished", "about-to-close",
  "host-found", "connected", "handshake-interrupted-on-error",
};

typedef struct {
  gpointer  socket;      /* compared only, never used: it may be finalized */
  gboolean  finalized;
  GString  *events;
  gulong    hooks[G_N_ELEMENTS (socket_signals)];
} Recorder;

static Recorder *recording;

static gboolean
record_hook (GSignalInvocationHint *hint,
             guint                  n_params,
             const GValue          *params,
             gpointer               user_data)
{
  Recorder *recorder = recording;

  if (recorder == NULL || recorder->finalized || g_value_get_object (&params[0]) != recorder->socket)
    return TRUE;
  if (recorder->events->len > 0)
    g_string_append_c (recorder->events, ' ');
  g_string_append (recorder->events, g_signal_name (hint->signal_id));
  if (hint->signal_id == g_signal_lookup ("state-changed", QSSL_TYPE_SOCKET))
    g_string_append_printf (recorder->events, ":%d", g_value_get_enum (&params[1]));
  return TRUE;
}

static void
on_finalized (gpointer  data,
              GObject  *where)
{
  ((Recorder *) data)->finalized = TRUE;
}

static void
recorder_start (Recorder   *recorder,
                QsslSocket *socket)
{
  memset (recorder, 0, sizeof *recorder);
  recorder->socket = socket;
  recorder->events = g_string_new (NULL);
  g_object_weak_ref (G_OBJECT (socket), on_finalized, recorder);
  for (guint i = 0; i < G_N_ELEMENTS (socket_signals); i++)
    recorder->hooks[i] = g_signal_add_emission_hook (g_signal_lookup (socket_signals[i], QSSL_TYPE_SOCKET), 0,
                                                     record_hook, NULL, NULL);
  recording = recorder;
}

static void
recorder_stop (Recorder *recorder)
{
  for (guint i = 0; i < G_N_ELEMENTS (socket_signals); i++)
    g_signal_remove_emission_hook (g_signal_lookup (socket_signals[i], QSSL_TYPE_SOCKET), recorder->hooks[i]);
  if (!recorder->finalized)
    g_object_weak_unref (G_OBJECT (recorder->socket), on_finalized, recorder);
  g_string_free (recorder->events, TRUE);
  recording = NULL;
}

static void
mark (Recorder   *recorder,
      const char *text)
{
  if (recorder->events->len > 0)
    g_string_append_c (recorder->events, ' ');
  g_string_append (recorder->events, text);
}

/* What was recorded after the last "|". */
static const char *
after_mark (Recorder *recorder)
{
  const char *bar = strrchr (recorder->events->str, '|');

  g_assert_nonnull (bar);
  return bar[1] == ' ' ? bar + 2 : bar + 1;
}

static gboolean
flag_set (gpointer data)
{
  return *(gboolean *) data;
}

static gboolean
on_deadline (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs the context until @done, then whatever is ready at that point
 * (idles, an fd with data). Fails after 10 s: a guard against a hang, not
 * a measurement. */
static void
run_until (gboolean (*done) (gpointer),
           gpointer   data)
{
  gboolean expired = FALSE;
  guint deadline = g_timeout_add_seconds (10, on_deadline, &expired);

  while (!done (data) && !expired)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (expired);
  g_source_remove (deadline);
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* The client's part of the conversation: on "hello", "bye". */
typedef struct {
  gboolean hello;
  gboolean done;
} Conversation;

static void
client_read (QsslSocket   *socket,
             Conversation *conversation)
{
  g_autoptr(GBytes) data = NULL;
  gsize size;
  const char *text;

  if (qssl_socket_get_state (socket) != QSSL_SOCKET_STATE_CONNECTED)
    return;
  data = qssl_socket_read_all (socket);
  text = g_bytes_get_data (data, &size);
  if (size > 0 && g_strstr_len (text, size, "hello") != NULL)
    {
      conversation->hello = TRUE;
      qssl_socket_write (socket, (const guint8 *) "bye\n", 4);
    }
}

static void
client_disconnected (QsslSocket   *socket,
                     Conversation *conversation)
{
  conversation->done = TRUE;
}

static void assert_whole_conversation (const char *events);

/* A whole conversation on @socket with a normal peer: the socket is
 * reusable. */
static void
check_reusable (QsslSocket *socket,
                Recorder   *recorder)
{
  g_autoptr(Peer) peer = peer_new (SCENE_NORMAL);
  Conversation conversation = { 0 };
  gulong reader = g_signal_connect (socket, "ready-read", G_CALLBACK (client_read), &conversation);
  gulong end = g_signal_connect (socket, "disconnected", G_CALLBACK (client_disconnected), &conversation);

  client_prepare (socket, SCENE_NORMAL);
  mark (recorder, "|");
  client_connect (socket, peer);
  run_until (flag_set, &conversation.done);
  g_assert_true (conversation.hello);
  assert_whole_conversation (after_mark (recorder));
  g_signal_handler_disconnect (socket, reader);
  g_signal_handler_disconnect (socket, end);
}

/* The signals of a whole connection to a normal peer. */
static void
assert_whole_conversation (const char *events)
{
  g_test_message ("new connection: %s", events);
  /* A mode left from the last connection goes back first. */
  if (g_str_has_prefix (events, "mode-changed "))
    events += strlen ("mode-changed ");
  /* The server sends one or two tickets, in one record or two. */
  g_assert_true (g_str_has_prefix (events,
                                   "state-changed:1 host-found state-changed:2 state-changed:3 connected "
                                   "mode-changed encrypted new-session-ticket-received "));
  g_assert_true (g_str_has_suffix (events,
                                   " ready-read bytes-written encrypted-bytes-written alert-received "
                                   "read-channel-finished state-changed:6 state-changed:0 disconnected"));
  g_assert_null (strstr (events, "error-occurred"));
}

/* Gone, or unconnected. */
static gboolean
settled (gpointer data)
{
  Recorder *recorder = data;

  return recorder->finalized || qssl_socket_get_state (recorder->socket) == QSSL_SOCKET_STATE_UNCONNECTED;
}

/* The peer's end of the connection is closed too. */
static gboolean
settled_peer (gpointer data)
{
  return qssl_socket_get_state (data) == QSSL_SOCKET_STATE_UNCONNECTED;
}

static gboolean
new_connection_ended (gpointer data)
{
  Recorder *recorder = data;

  return strstr (after_mark (recorder), "disconnected") != NULL;
}

/* The table: one signal, where it comes from, what the handler does. */

typedef enum {
  ACT_ABORT,
  ACT_CLOSE,
  ACT_DISCONNECT,
  ACT_UNREF,
  ACT_RECONNECT,   /* abort, then connect anew (to a normal peer) */
} Act;

static const char * const act_names[] = { "abort", "close", "disconnect", "unref", "reconnect" };

typedef struct {
  const char *signal;
  int         state;     /* for state-changed: which one; else -1 */
  Scene       scene;
} Row;

static const Row rows[] = {
  { "state-changed", QSSL_SOCKET_STATE_HOST_LOOKUP, SCENE_NORMAL },
  { "state-changed", QSSL_SOCKET_STATE_CONNECTED, SCENE_NORMAL },
  { "mode-changed", -1, SCENE_NORMAL },
  { "encrypted", -1, SCENE_NORMAL },
  { "new-session-ticket-received", -1, SCENE_NORMAL },
  { "ready-read", -1, SCENE_NORMAL },
  { "ready-read", -1, SCENE_GREET_CLOSE },
  { "bytes-written", -1, SCENE_NORMAL },
  { "encrypted-bytes-written", -1, SCENE_NORMAL },
  { "alert-received", -1, SCENE_NORMAL },
  { "read-channel-finished", -1, SCENE_NORMAL },
  { "state-changed", QSSL_SOCKET_STATE_CLOSING, SCENE_NORMAL },
  { "state-changed", QSSL_SOCKET_STATE_UNCONNECTED, SCENE_NORMAL },
  { "disconnected", -1, SCENE_NORMAL },
  { "peer-verify-error", -1, SCENE_BAD_NAME },
  { "ssl-errors", -1, SCENE_BAD_NAME },
  { "error-occurred", -1, SCENE_BAD_NAME },
  { "alert-sent", -1, SCENE_INTERRUPT },
  { "pre-shared-key-authentication-required", -1, SCENE_PSK },
};

typedef struct {
  const Row       *row;
  Act              act;
  QsslSocket      *socket;
  Recorder        *recorder;
  Peer            *normal_peer;
  GClosure        *closure;
  gboolean         acted;
  QsslSocketState  state;      /* when the handler acted */
  gboolean         encrypted;
} Run;

static void
act_marshal (GClosure     *closure,
             GValue       *return_value,
             guint         n_params,
             const GValue *params,
             gpointer      hint,
             gpointer      marshal_data)
{
  Run *run = closure->data;
  QsslSocket *socket = g_value_get_object (&params[0]);

  if (run->acted || (run->row->state >= 0 && g_value_get_enum (&params[1]) != run->row->state))
    return;
  run->acted = TRUE;
  run->state = qssl_socket_get_state (socket);
  run->encrypted = qssl_socket_is_encrypted (socket);
  mark (run->recorder, "|");
  switch (run->act)
    {
    case ACT_ABORT:
      qssl_socket_abort (socket);
      break;
    case ACT_CLOSE:
      qssl_socket_close (socket);
      break;
    case ACT_DISCONNECT:
      qssl_socket_disconnect_from_host (socket);
      break;
    case ACT_UNREF:
      /* The test's only reference. */
      g_object_unref (socket);
      break;
    case ACT_RECONNECT:
      qssl_socket_abort (socket);
      mark (run->recorder, "|");
      /* Done acting (and a PSK handler would make the client offer PSK). */
      g_signal_handlers_disconnect_matched (socket, G_SIGNAL_MATCH_CLOSURE, 0, 0, run->closure, NULL, NULL);
      client_prepare (socket, SCENE_NORMAL);
      client_connect (socket, run->normal_peer);
      break;
    }
}

/* What the call emits by itself, from the state the socket was in. */
static char *
expected_after (const Run *run)
{
  const Row *row = run->row;
  GString *expected = g_string_new (NULL);
  gboolean in_unconnected = row->state == QSSL_SOCKET_STATE_UNCONNECTED;

  /* Dropping the last reference: nothing more, from anywhere. */
  if (run->act == ACT_UNREF)
    return g_string_free (expected, FALSE);
  if (run->act == ACT_CLOSE)
    g_string_append (expected, "about-to-close ");
  switch (run->state)
    {
    case QSSL_SOCKET_STATE_CONNECTED:
      g_string_append (expected, "state-changed:6 state-changed:0 disconnected");
      /* A graceful close tells the peer. */
      if ((run->act == ACT_CLOSE || run->act == ACT_DISCONNECT) && run->encrypted)
        g_string_append (expected, " alert-sent");
      break;
    case QSSL_SOCKET_STATE_CLOSING:
      /* abort() ends it now; the others let the close that runs finish,
       * which says the same. */
      g_string_append (expected, "state-changed:0 disconnected");
      break;
    case QSSL_SOCKET_STATE_HOST_LOOKUP:
    case QSSL_SOCKET_STATE_CONNECTING:
      g_string_append (expected, "state-changed:0");
      break;
    default:
      /* Already closed: only what the close that runs still says, unless
       * the handler started a new connection. */
      if (in_unconnected && run->act != ACT_RECONNECT)
        g_string_append (expected, "disconnected");
      break;
    }
  g_strchomp (expected->str);
  return g_string_free (expected, FALSE);
}

static void
run_row (const Row *row,
         Act        act)
{
  g_autoptr(Peer) peer = peer_new (row->scene);
  g_autoptr(Peer) normal_peer = peer_new (SCENE_NORMAL);
  g_autofree char *expected = NULL;
  Conversation conversation = { 0 };
  Recorder recorder;
  Run run = { row, act };
  GClosure *closure;

  run.normal_peer = normal_peer;
  g_test_message ("%s in %s (state %d, scene %d)", act_names[act], row->signal, row->state, row->scene);
  run.socket = qssl_socket_new ();
  run.recorder = &recorder;
  recorder_start (&recorder, run.socket);
  /* The handler that acts runs first: the others see what it did. */
  closure = g_closure_new_simple (sizeof (GClosure), &run);
  g_closure_set_marshal (closure, act_marshal);
  run.closure = closure;
  g_signal_connect_closure (run.socket, row->signal, closure, FALSE);
  g_signal_connect (run.socket, "ready-read", G_CALLBACK (client_read), &conversation);
  client_prepare (run.socket, row->scene);
  client_connect (run.socket, peer);

  run_until (flag_set, &run.acted);
  if (act == ACT_RECONNECT)
    {
      g_autofree char *abort_part = NULL;
      const char *first;

      /* The new connection runs to its end; before it, what abort() says. */
      run_until (new_connection_ended, &recorder);
      g_test_message ("events: %s", recorder.events->str);
      first = strchr (recorder.events->str, '|');
      abort_part = g_strndup (first + 1, strrchr (recorder.events->str, '|') - first - 1);
      g_strstrip (abort_part);
      expected = expected_after (&run);
      g_assert_cmpstr (abort_part, ==, expected);
      assert_whole_conversation (after_mark (&recorder));
      g_assert_true (conversation.hello);
      g_object_unref (run.socket);
      recorder_stop (&recorder);
      return;
    }
  run_until (settled, &recorder);

  expected = expected_after (&run);
  g_test_message ("events: %s", recorder.events->str);
  g_assert_cmpstr (after_mark (&recorder), ==, expected);
  if (act == ACT_UNREF)
    g_assert_true (recorder.finalized);
  else
    {
      g_assert_cmpint (qssl_socket_get_state (run.socket), ==, QSSL_SOCKET_STATE_UNCONNECTED);
      g_signal_handlers_disconnect_by_func (run.socket, client_read, &conversation);
      g_signal_handlers_disconnect_matched (run.socket, G_SIGNAL_MATCH_CLOSURE, 0, 0, closure, NULL, NULL);
      check_reusable (run.socket, &recorder);
      g_object_unref (run.socket);
    }
  recorder_stop (&recorder);
}

static void
test_table (gconstpointer data)
{
  Act act = GPOINTER_TO_INT (data);

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    run_row (&rows[i], act);
}

/* The calls a user makes from the main loop, each of which emits. */

typedef enum {
  CALL_ABORT,
  CALL_CLOSE,
  CALL_DISCONNECT,
  CALL_RESUME,
} Call;

typedef struct {
  const char *signal;
  int         state;
  gboolean    dropped;
} Dropper;

static void
drop_marshal (GClosure     *closure,
              GValue       *return_value,
              guint         n_params,
              const GValue *params,
              gpointer      hint,
              gpointer      marshal_data)
{
  Dropper *dropper = closure->data;

  if (dropper->dropped || (dropper->state >= 0 && g_value_get_enum (&params[1]) != dropper->state))
    return;
  dropper->dropped = TRUE;
  g_object_unref (g_value_get_object (&params[0]));
}

static gboolean
peer_accepted (gpointer data)
{
  return ((Peer *) data)->sockets->len > 0;
}

static void
read_hello (QsslSocket   *socket,
            Conversation *conversation)
{
  g_autoptr(GBytes) data = qssl_socket_read_all (socket);

  conversation->hello = TRUE;
}

static void
on_ssl_errors_seen (QsslSocket *socket,
                    GPtrArray  *errors,
                    gboolean   *seen)
{
  *seen = TRUE;
}

/* The last reference dropped in @signal while @call runs: the call
 * finishes, the socket is finalized after it, nothing is emitted after the
 * handler, and the peer sees the connection end. */
static void
check_drop_during_call (Call        call,
                        const char *signal,
                        int         state)
{
  g_autoptr(Peer) peer = peer_new (SCENE_NORMAL);
  QsslSocket *socket = qssl_socket_new ();
  Dropper dropper = { signal, state };
  GClosure *closure = g_closure_new_simple (sizeof (GClosure), &dropper);
  Conversation conversation = { 0 };
  gboolean ssl_errors = FALSE;
  g_autofree char *last = state >= 0 ? g_strdup_printf ("%s:%d", signal, state) : g_strdup (signal);
  Recorder recorder;
  QsslSocket *accepted;

  g_closure_set_marshal (closure, drop_marshal);
  recorder_start (&recorder, socket);
  client_prepare (socket, SCENE_NORMAL);
  if (call == CALL_RESUME)
    {
      /* Paused on the wrong name; resume() without ignoring fails it. */
      qssl_socket_set_peer_verify_name (socket, "wrong.invalid");
      qssl_socket_set_pause_mode (socket, QSSL_PAUSE_MODES_ON_SSL_ERRORS);
      g_signal_connect (socket, "ssl-errors", G_CALLBACK (on_ssl_errors_seen), &ssl_errors);
    }
  client_connect (socket, peer);
  if (call == CALL_RESUME)
    run_until (flag_set, &ssl_errors);
  else
    {
      /* Encrypted, and the peer's greeting read: a live connection. */
      conversation.hello = FALSE;
      g_signal_connect (socket, "ready-read", G_CALLBACK (read_hello), &conversation);
      run_until (flag_set, &conversation.hello);
      g_signal_handlers_disconnect_by_func (socket, read_hello, &conversation);
    }
  run_until (peer_accepted, peer);
  accepted = g_ptr_array_index (peer->sockets, 0);

  g_signal_connect_closure (socket, signal, closure, FALSE);
  mark (&recorder, "|");
  switch (call)
    {
    case CALL_ABORT:
      qssl_socket_abort (socket);
      break;
    case CALL_CLOSE:
      qssl_socket_close (socket);
      break;
    case CALL_DISCONNECT:
      qssl_socket_disconnect_from_host (socket);
      break;
    case CALL_RESUME:
      qssl_socket_resume (socket);
      break;
    }
  g_assert_true (dropper.dropped);
  g_assert_true (recorder.finalized);
  /* Nothing after the handler that dropped it. */
  g_test_message ("events: %s", recorder.events->str);
  g_assert_true (g_str_has_suffix (recorder.events->str, last));
  recorder_stop (&recorder);
  run_until (settled_peer, accepted);
}

static void test_drop_in_disconnected_abort (void) { check_drop_during_call (CALL_ABORT, "disconnected", -1); }
static void test_drop_in_disconnected_close (void) { check_drop_during_call (CALL_CLOSE, "disconnected", -1); }
static void test_drop_in_disconnected_disconnect (void) { check_drop_during_call (CALL_DISCONNECT, "disconnected", -1); }
static void test_drop_in_disconnected_resume (void) { check_drop_during_call (CALL_RESUME, "disconnected", -1); }
static void test_drop_in_closing_abort (void) { check_drop_during_call (CALL_ABORT, "state-changed", QSSL_SOCKET_STATE_CLOSING); }
static void test_drop_in_closing_close (void) { check_drop_during_call (CALL_CLOSE, "state-changed", QSSL_SOCKET_STATE_CLOSING); }
static void test_drop_in_closing_disconnect (void) { check_drop_during_call (CALL_DISCONNECT, "state-changed", QSSL_SOCKET_STATE_CLOSING); }
static void test_drop_in_unconnected_abort (void) { check_drop_during_call (CALL_ABORT, "state-changed", QSSL_SOCKET_STATE_UNCONNECTED); }
static void test_drop_in_unconnected_resume (void) { check_drop_during_call (CALL_RESUME, "state-changed", QSSL_SOCKET_STATE_UNCONNECTED); }

/* abort() and a new connection in ready-read, with the end of the stream
 * in the same pump: the rest of the pump belongs to the old connection. */

typedef struct {
  Peer    *peer;
  guint    hellos;
  gboolean reconnect;
} Reconnector;

static void
reconnect_in_ready_read (QsslSocket  *socket,
                         Reconnector *reconnector)
{
  g_autoptr(GBytes) data = qssl_socket_read_all (socket);

  if (g_bytes_get_size (data) > 0 && g_strstr_len (g_bytes_get_data (data, NULL), -1, "hello") != NULL)
    reconnector->hellos++;
  if (reconnector->hellos != 1 || qssl_socket_get_state (socket) != QSSL_SOCKET_STATE_CONNECTED)
    return;
  qssl_socket_abort (socket);
  mark (recording, "|");
  if (reconnector->reconnect)
    client_connect (socket, reconnector->peer);
}

static gboolean
one_hello (gpointer data)
{
  return ((Reconnector *) data)->hellos == 1;
}

static gboolean
two_hellos_and_closed (gpointer data)
{
  Reconnector *reconnector = data;

  return reconnector->hellos == 2 && strstr (after_mark (recording), "disconnected") != NULL;
}

static void
check_abort_in_ready_read (gboolean reconnect)
{
  g_autoptr(Peer) peer = peer_new (SCENE_GREET_CLOSE);
  g_autoptr(QsslSocket) socket = qssl_socket_new ();
  Reconnector reconnector = { peer, 0, reconnect };
  Recorder recorder;

  recorder_start (&recorder, socket);
  client_prepare (socket, SCENE_GREET_CLOSE);
  g_signal_connect (socket, "ready-read", G_CALLBACK (reconnect_in_ready_read), &reconnector);
  client_connect (socket, peer);
  if (!reconnect)
    {
      run_until (one_hello, &reconnector);
      /* What the rest of the pump saw (the end of the stream) is not
       * reported for a connection the handler dropped. */
      g_test_message ("events: %s", recorder.events->str);
      g_assert_cmpstr (after_mark (&recorder), ==, "");
      g_assert_true (g_str_has_suffix (recorder.events->str,
                                       "ready-read state-changed:6 state-changed:0 disconnected |"));
    }
  else
    {
      run_until (two_hellos_and_closed, &reconnector);
      g_test_message ("events: %s", recorder.events->str);
      /* The new connection reads, and ends as the peer closes it. */
      g_assert_true (g_str_has_prefix (after_mark (&recorder), "mode-changed state-changed:1 host-found "));
      g_assert_true (g_str_has_suffix (recorder.events->str,
                                       " alert-received ready-read read-channel-finished "
                                       "state-changed:6 state-changed:0 disconnected"));
      g_assert_null (strstr (recorder.events->str, "error-occurred"));
    }
  recorder_stop (&recorder);
}

static void test_abort_in_ready_read (void) { check_abort_in_ready_read (FALSE); }
static void test_reconnect_in_ready_read (void) { check_abort_in_ready_read (TRUE); }

/* Dropping the last reference from the main loop: dispose says nothing to
 * handlers still attached, and the peer gets close_notify. */
static void
on_peer_finished (QsslSocket *socket,
                  gboolean   *finished)
{
  *finished = TRUE;
}

static void
test_dispose_is_silent (void)
{
  g_autoptr(Peer) peer = peer_new (SCENE_NORMAL);
  QsslSocket *socket = qssl_socket_new ();
  Conversation conversation = { 0 };
  gboolean peer_finished = FALSE;
  Recorder recorder;

  recorder_start (&recorder, socket);
  client_prepare (socket, SCENE_NORMAL);
  g_signal_connect (socket, "ready-read", G_CALLBACK (read_hello), &conversation);
  client_connect (socket, peer);
  run_until (flag_set, &conversation.hello);
  run_until (peer_accepted, peer);
  g_signal_connect (g_ptr_array_index (peer->sockets, 0), "read-channel-finished",
                    G_CALLBACK (on_peer_finished), &peer_finished);

  mark (&recorder, "|");
  g_object_unref (socket);
  g_assert_true (recorder.finalized);
  g_assert_cmpstr (after_mark (&recorder), ==, "");
  run_until (flag_set, &peer_finished);
  recorder_stop (&recorder);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_data_func ("/qssl/reentry/table/abort", GINT_TO_POINTER (ACT_ABORT), test_table);
  g_test_add_data_func ("/qssl/reentry/table/close", GINT_TO_POINTER (ACT_CLOSE), test_table);
  g_test_add_data_func ("/qssl/reentry/table/disconnect", GINT_TO_POINTER (ACT_DISCONNECT), test_table);
  g_test_add_data_func ("/qssl/reentry/table/unref", GINT_TO_POINTER (ACT_UNREF), test_table);
  g_test_add_data_func ("/qssl/reentry/table/reconnect", GINT_TO_POINTER (ACT_RECONNECT), test_table);
  g_test_add_func ("/qssl/reentry/drop/disconnected/abort", test_drop_in_disconnected_abort);
  g_test_add_func ("/qssl/reentry/drop/disconnected/close", test_drop_in_disconnected_close);
  g_test_add_func ("/qssl/reentry/drop/disconnected/disconnect", test_drop_in_disconnected_disconnect);
  g_test_add_func ("/qssl/reentry/drop/disconnected/resume", test_drop_in_disconnected_resume);
  g_test_add_func ("/qssl/reentry/drop/closing/abort", test_drop_in_closing_abort);
  g_test_add_func ("/qssl/reentry/drop/closing/close", test_drop_in_closing_close);
  g_test_add_func ("/qssl/reentry/drop/closing/disconnect", test_drop_in_closing_disconnect);
  g_test_add_func ("/qssl/reentry/drop/unconnected/abort", test_drop_in_unconnected_abort);
  g_test_add_func ("/qssl/reentry/drop/unconnected/resume", test_drop_in_unconnected_resume);
  g_test_add_func ("/qssl/reentry/ready-read/abort", test_abort_in_ready_read);
  g_test_add_func ("/qssl/reentry/ready-read/reconnect", test_reconnect_in_ready_read);
  g_test_add_func ("/qssl/reentry/dispose/silent", test_dispose_is_silent);
  return g_test_run ();
}
