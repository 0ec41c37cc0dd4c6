/* test-streams.c: GIO's generic async calls on a QsslSocket: one thread, one context
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Splice, flush_async, close_async, read_async and skip_async through GIO's
 * own entry points, as GIO code (a proxy, a GDBus connection, a HTTP
 * library) calls them. Each socket of the test lives on the main thread:
 * every signal it emits must come from there, and the loop must keep
 * running while a call is pending.
 */

#include <string.h>
#include <sys/socket.h>

#include "qssl-test-utils.h"

static GThread *main_thread;

/* Peers in their own thread and GMainContext. */
typedef enum {
  PEER_ECHO,   /* echo every byte back */
  PEER_SINK,   /* once the test opens the gate, read and count every byte */
  PEER_STALL,  /* handshake, then never read again */
} PeerBehaviour;

typedef struct {
  GThread         *thread;
  GMainContext    *context;
  GSocketListener *listener;
  GCancellable    *cancellable;
  guint16          port;
  PeerBehaviour    behaviour;
  gint64           received;  /* atomic */
  GMutex           lock;
  GCond            changed;   /* stopping or gate_open */
  gboolean         stopping;
  gboolean         gate_open;
} Peer;

static void
peer_sink (QsslSocket *socket,
           Peer       *peer)
{
  g_autoptr(GBytes) data = NULL;

  g_mutex_lock (&peer->lock);
  while (!peer->gate_open && !peer->stopping)
    g_cond_wait (&peer->changed, &peer->lock);
  g_mutex_unlock (&peer->lock);
  data = qssl_socket_read_all (socket);

  g_atomic_pointer_add (&peer->received, g_bytes_get_size (data));
}

static void
peer_stall (QsslSocket *socket,
            Peer       *peer)
{
  /* Wait for the end of the test without running the context: the
   * kernel buffers fill, and the client's stay full. */
  g_mutex_lock (&peer->lock);
  while (!peer->stopping)
    g_cond_wait (&peer->changed, &peer->lock);
  g_mutex_unlock (&peer->lock);
}

static gpointer
peer_thread (gpointer user_data)
{
  Peer *peer = user_data;

  g_main_context_push_thread_default (peer->context);
  for (;;)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GSocketConnection) connection = g_socket_listener_accept (peer->listener, NULL,
                                                                          peer->cancellable, &error);
      g_autoptr(QsslSocket) socket = NULL;
      g_autoptr(QsslConfiguration) configuration = NULL;

      if (connection == NULL)
        break;
      socket = qssl_socket_new_from_socket (g_socket_connection_get_socket (connection), &error);
      g_assert_no_error (error);
      configuration = qssl_test_server_configuration ("server-rsa");
      qssl_socket_set_ssl_configuration (socket, configuration);
      switch (peer->behaviour)
        {
        case PEER_ECHO:
          g_signal_connect (socket, "ready-read", G_CALLBACK (qssl_test_echo), NULL);
          break;
        case PEER_SINK:
          g_signal_connect (socket, "ready-read", G_CALLBACK (peer_sink), peer);
          break;
        case PEER_STALL:
          g_signal_connect (socket, "encrypted", G_CALLBACK (peer_stall), peer);
          break;
        }
      qssl_socket_start_server_encryption (socket);
      while (qssl_socket_get_state (socket) != QSSL_SOCKET_STATE_UNCONNECTED &&
             !g_cancellable_is_cancelled (peer->cancellable))
        g_main_context_iteration (peer->context, TRUE);
    }
  g_main_context_pop_thread_default (peer->context);
  return NULL;
}

static Peer *
peer_start (PeerBehaviour behaviour)
{
  Peer *peer = g_new0 (Peer, 1);
  g_autoptr(GError) error = NULL;

  g_mutex_init (&peer->lock);
  g_cond_init (&peer->changed);
  peer->context = g_main_context_new ();
  peer->cancellable = g_cancellable_new ();
  peer->listener = g_socket_listener_new ();
  if (behaviour != PEER_ECHO)
    {
      g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                                G_SOCKET_PROTOCOL_TCP, &error);
      g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
      g_autoptr(GSocketAddress) any_port = g_inet_socket_address_new (loopback, 0);
      g_autoptr(GSocketAddress) bound = NULL;

      /* A small receive window, inherited by the accepted socket: the
       * kernel soon holds all it will, whatever the machine's defaults. */
      g_assert_no_error (error);
      g_assert_true (g_socket_set_option (socket, SOL_SOCKET, SO_RCVBUF, 4096, &error));
      g_assert_true (g_socket_bind (socket, any_port, TRUE, &error));
      g_assert_true (g_socket_listen (socket, &error));
      g_assert_true (g_socket_listener_add_socket (peer->listener, socket, NULL, &error));
      bound = g_socket_get_local_address (socket, &error);
      g_assert_no_error (error);
      peer->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
    }
  else
    peer->port = g_socket_listener_add_any_inet_port (peer->listener, NULL, &error);
  g_assert_no_error (error);
  peer->behaviour = behaviour;
  peer->thread = g_thread_new ("peer", peer_thread, peer);
  return peer;
}

static void
peer_open_gate (Peer *peer)
{
  g_mutex_lock (&peer->lock);
  peer->gate_open = TRUE;
  g_cond_broadcast (&peer->changed);
  g_mutex_unlock (&peer->lock);
}

static void
peer_stop (Peer *peer)
{
  g_mutex_lock (&peer->lock);
  peer->stopping = TRUE;
  g_cond_broadcast (&peer->changed);
  g_mutex_unlock (&peer->lock);
  g_cancellable_cancel (peer->cancellable);
  g_main_context_wakeup (peer->context);
  g_thread_join (peer->thread);
  g_mutex_clear (&peer->lock);
  g_cond_clear (&peer->changed);
  g_socket_listener_close (peer->listener);
  g_object_unref (peer->listener);
  g_object_unref (peer->cancellable);
  g_main_context_unref (peer->context);
  g_free (peer);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Peer, peer_stop)

/* Every signal of a main-thread socket comes from the main thread: a pump
 * on a GLib worker thread would show here (and race the main loop). */
static void
on_any_signal (QsslSocket *socket)
{
  g_assert_true (g_thread_self () == main_thread);
}

static void
watch_threads (QsslSocket *socket)
{
  static const char * const names[] = {
    "ready-read", "bytes-written", "encrypted-bytes-written", "state-changed", "disconnected",
    "error-occurred", "read-channel-finished", "encrypted", "mode-changed",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    g_signal_connect (socket, names[i], G_CALLBACK (on_any_signal), NULL);
}

static void
set_flag (QsslSocket *socket,
          gboolean   *flag)
{
  *flag = TRUE;
}

/* Caps what the kernel takes from @socket, so that the rest stays in the
 * socket's buffer when the peer does not read. */
static void
small_send_buffer (QsslSocket *socket)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (g_socket_set_option (g_socket_connection_get_socket (G_SOCKET_CONNECTION (socket)),
                                      SOL_SOCKET, SO_SNDBUF, 8192, &error));
  g_assert_no_error (error);
}

/* A client on the main context, encrypted with @port's peer. */
static QsslSocket *
client_connect (guint16 port)
{
  g_autoptr(QsslConfiguration) configuration = qssl_test_client_configuration ();
  QsslSocket *client = qssl_socket_new ();
  gboolean encrypted = FALSE;
  gulong id;

  qssl_socket_set_ssl_configuration (client, configuration);
  watch_threads (client);
  id = g_signal_connect (client, "encrypted", G_CALLBACK (set_flag), &encrypted);
  qssl_socket_connect_to_host_encrypted (client, "localhost", port, QSSL_NETWORK_LAYER_PROTOCOL_IPV4);
  g_assert_true (qssl_test_wait_for_flag (&encrypted, 20000));
  g_signal_handler_disconnect (client, id);
  return client;
}

static void
store_result (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  GAsyncResult **store = user_data;

  g_assert_true (g_thread_self () == main_thread);
  *store = g_object_ref (result);
}

static GBytes *
pattern (gsize size)
{
  guint8 *data = g_malloc (size);

  for (gsize i = 0; i < size; i++)
    data[i] = (guint8) (i * 7 + i / 251);
  return g_bytes_new_take (data, size);
}

/* A few MB through a GIO splice of two QsslSockets: a client P talks to a
 * server-side socket X of ours; X is spliced with Y, a client of a TLS echo
 * peer; what P sends comes back through the echo. P disconnecting ends the
 * splice, which closes X and Y (CLOSE_STREAM1|2) from the main loop. */

typedef struct {
  QsslSocket *socket;
  GSocketConnection *connection;
  gboolean encrypted;
} Accepted;

static void
on_accepted (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  Accepted *accepted = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(QsslConfiguration) configuration = qssl_test_server_configuration ("server-rsa");

  accepted->connection = g_socket_listener_accept_finish (G_SOCKET_LISTENER (object), result, NULL, &error);
  g_assert_no_error (error);
  accepted->socket = qssl_socket_new_from_socket (g_socket_connection_get_socket (accepted->connection), &error);
  g_assert_no_error (error);
  qssl_socket_set_ssl_configuration (accepted->socket, configuration);
  watch_threads (accepted->socket);
  g_signal_connect (accepted->socket, "encrypted", G_CALLBACK (set_flag), &accepted->encrypted);
  qssl_socket_start_server_encryption (accepted->socket);
}

typedef struct {
  GByteArray *data;
  gsize       expected;
} Collected;

static void
collect (QsslSocket *socket,
         Collected  *collected)
{
  g_autoptr(GBytes) data = qssl_socket_read_all (socket);

  g_byte_array_append (collected->data, g_bytes_get_data (data, NULL), g_bytes_get_size (data));
  if (collected->data->len == collected->expected)
    qssl_socket_disconnect_from_host (socket);
}

static void
test_splice_through_echo (void)
{
  const gsize size = 4 * 1024 * 1024;
  g_autoptr(Peer) echo = peer_start (PEER_ECHO);
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(QsslConfiguration) configuration = qssl_test_client_configuration ();
  g_autoptr(QsslSocket) p = qssl_socket_new ();
  g_autoptr(QsslSocket) y = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GBytes) sent = pattern (size);
  Accepted accepted = { 0 };
  Collected collected = { g_byte_array_new (), size };
  gboolean p_encrypted = FALSE;
  guint16 port;

  port = g_socket_listener_add_any_inet_port (listener, NULL, &error);
  g_assert_no_error (error);
  g_socket_listener_accept_async (listener, NULL, on_accepted, &accepted);

  qssl_socket_set_ssl_configuration (p, configuration);
  watch_threads (p);
  g_signal_connect (p, "encrypted", G_CALLBACK (set_flag), &p_encrypted);
  g_signal_connect (p, "ready-read", G_CALLBACK (collect), &collected);
  qssl_socket_connect_to_host_encrypted (p, "localhost", port, QSSL_NETWORK_LAYER_PROTOCOL_IPV4);
  g_assert_true (qssl_test_wait_for_flag (&p_encrypted, 20000));
  g_assert_true (qssl_test_wait_for_flag (&accepted.encrypted, 20000));
  y = client_connect (echo->port);

  g_io_stream_splice_async (G_IO_STREAM (accepted.socket), G_IO_STREAM (y),
                            G_IO_STREAM_SPLICE_CLOSE_STREAM1 | G_IO_STREAM_SPLICE_CLOSE_STREAM2,
                            G_PRIORITY_DEFAULT, NULL, store_result, &result);
  g_assert_cmpint (qssl_socket_write_bytes (p, sent), ==, size);
  g_assert_true (qssl_test_wait_for_pointer ((gpointer *) &result, 60000));
  g_assert_true (g_io_stream_splice_finish (result, &error));
  g_assert_no_error (error);

  g_assert_cmpuint (collected.data->len, ==, size);
  g_assert_true (memcmp (collected.data->data, g_bytes_get_data (sent, NULL), size) == 0);
  g_assert_true (g_io_stream_is_closed (G_IO_STREAM (accepted.socket)));
  g_assert_true (g_io_stream_is_closed (G_IO_STREAM (y)));
  g_assert_cmpint (qssl_socket_get_state (accepted.socket), ==, QSSL_SOCKET_STATE_UNCONNECTED);
  g_assert_cmpint (qssl_socket_get_state (y), ==, QSSL_SOCKET_STATE_UNCONNECTED);

  g_byte_array_unref (collected.data);
  g_clear_object (&accepted.socket);
  g_clear_object (&accepted.connection);
}

/* The same splice, with a far end that stopped reading: P's graceful
 * disconnect ends the splice, whose close of Y (which the peer will never
 * drain) fails at Y's close-timeout, while the main loop keeps running. */

typedef struct {
  gboolean pending;
  guint    ticks;
} Ticker;

static gboolean
tick (gpointer user_data)
{
  Ticker *ticker = user_data;

  if (ticker->pending)
    ticker->ticks++;
  return G_SOURCE_CONTINUE;
}

static void
test_splice_stalled_far_end (void)
{
  /* More than the kernel holds for Y, less than the stream's high water
   * mark: every write of the splice is taken, and Y ends with a backlog. */
  const gsize size = 192 * 1024;
  g_autoptr(Peer) stall = peer_start (PEER_STALL);
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(QsslConfiguration) configuration = qssl_test_client_configuration ();
  g_autoptr(QsslSocket) p = qssl_socket_new ();
  g_autoptr(QsslSocket) y = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GBytes) sent = pattern (size);
  Accepted accepted = { 0 };
  Ticker ticker = { TRUE, 0 };
  gboolean p_encrypted = FALSE;
  guint ticker_id;
  guint16 port;

  port = g_socket_listener_add_any_inet_port (listener, NULL, &error);
  g_assert_no_error (error);
  g_socket_listener_accept_async (listener, NULL, on_accepted, &accepted);
  /* TLS 1.3: X's session tickets reach P after P stopped reading; P's
   * close discards them, so that the connection ends rather than resets. */
  qssl_socket_set_ssl_configuration (p, configuration);
  watch_threads (p);
  g_signal_connect (p, "encrypted", G_CALLBACK (set_flag), &p_encrypted);
  qssl_socket_connect_to_host_encrypted (p, "localhost", port, QSSL_NETWORK_LAYER_PROTOCOL_IPV4);
  g_assert_true (qssl_test_wait_for_flag (&p_encrypted, 20000));
  g_assert_true (qssl_test_wait_for_flag (&accepted.encrypted, 20000));
  y = client_connect (stall->port);
  small_send_buffer (y);
  qssl_socket_set_close_timeout (y, 300);

  ticker_id = g_timeout_add (10, tick, &ticker);
  g_io_stream_splice_async (G_IO_STREAM (accepted.socket), G_IO_STREAM (y),
                            G_IO_STREAM_SPLICE_CLOSE_STREAM1 | G_IO_STREAM_SPLICE_CLOSE_STREAM2,
                            G_PRIORITY_DEFAULT, NULL, store_result, &result);
  g_assert_cmpint (qssl_socket_write_bytes (p, sent), ==, size);
  qssl_socket_disconnect_from_host (p);
  g_assert_true (qssl_test_wait_for_pointer ((gpointer *) &result, 60000));
  g_source_remove (ticker_id);

  /* The loop ran while the splice and its close were pending. */
  g_assert_cmpuint (ticker.ticks, >=, 5);
  g_assert_false (g_io_stream_splice_finish (result, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_assert_true (g_io_stream_is_closed (G_IO_STREAM (accepted.socket)));
  g_assert_true (g_io_stream_is_closed (G_IO_STREAM (y)));
  g_assert_cmpint (qssl_socket_get_state (accepted.socket), ==, QSSL_SOCKET_STATE_UNCONNECTED);
  g_assert_cmpint (qssl_socket_get_state (y), ==, QSSL_SOCKET_STATE_UNCONNECTED);

  g_clear_object (&accepted.socket);
  g_clear_object (&accepted.connection);
}

/* g_output_stream_flush_async() with 30 MB queued: done from the main loop
 * once the peer has it all (it once ran the blocking flush on a worker
 * thread, against the main loop's pumps, and crashed).  The peer reads
 * only once the flush is under way: a sink that drains as fast as the
 * write fills could take all 30 MB inside write_bytes() and leave the
 * flush nothing to wait for. */
static void
test_flush_async_large (void)
{
  const gsize size = 30 * 1024 * 1024;
  g_autoptr(Peer) sink = peer_start (PEER_SINK);
  g_autoptr(QsslSocket) client = client_connect (sink->port);
  g_autoptr(GBytes) data = pattern (size);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GOutputStream *output = g_io_stream_get_output_stream (G_IO_STREAM (client));

  g_assert_cmpint (qssl_socket_write_bytes (client, data), ==, size);
  g_assert_cmpint (qssl_socket_bytes_to_write (client), >, 0);
  g_output_stream_flush_async (output, G_PRIORITY_DEFAULT, NULL, store_result, &result);
  g_assert_null (result);
  peer_open_gate (sink);
  g_assert_true (qssl_test_wait_for_pointer ((gpointer *) &result, 120000));
  g_assert_true (g_output_stream_flush_finish (output, result, &error));
  g_assert_no_error (error);
  g_assert_cmpint (qssl_socket_bytes_to_write (client), ==, 0);

  /* And the close that follows, also from the loop. */
  g_clear_object (&result);
  g_io_stream_close_async (G_IO_STREAM (client), G_PRIORITY_DEFAULT, NULL, store_result, &result);
  g_assert_true (qssl_test_wait_for_pointer ((gpointer *) &result, 60000));
  g_assert_true (g_io_stream_close_finish (G_IO_STREAM (client), result, &error));
  g_assert_no_error (error);
  g_assert_cmpint (qssl_socket_get_state (client), ==, QSSL_SOCKET_STATE_UNCONNECTED);
  while ((gsize) g_atomic_pointer_get (&sink->received) < size)
    g_main_context_iteration (NULL, FALSE);
}

/* g_io_stream_close_async() against a peer that stopped reading: it returns
 * at once, the loop keeps running (a 10 ms timeout keeps firing) while the
 * close waits, and the close fails with G_IO_ERROR_TIMED_OUT at the
 * socket's close-timeout, the connection aborted. */

static void
close_done (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  Ticker *ticker = g_object_get_data (object, "ticker");

  ticker->pending = FALSE;
  store_result (object, result, user_data);
}

static void
test_close_async_stalled_peer (void)
{
  const gsize size = 4 * 1024 * 1024;
  g_autoptr(Peer) stall = peer_start (PEER_STALL);
  g_autoptr(QsslSocket) client = client_connect (stall->port);
  g_autoptr(GBytes) data = pattern (size);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  Ticker ticker = { FALSE, 0 };
  guint ticker_id;

  g_object_set (client, "close-timeout", 500, NULL);
  g_assert_cmpint (qssl_socket_get_close_timeout (client), ==, 500);
  g_assert_cmpint (qssl_socket_write_bytes (client, data), ==, size);
  g_object_set_data (G_OBJECT (client), "ticker", &ticker);
  ticker_id = g_timeout_add (10, tick, &ticker);

  ticker.pending = TRUE;
  g_io_stream_close_async (G_IO_STREAM (client), G_PRIORITY_DEFAULT, NULL, close_done, &result);
  /* Returned without waiting, and without running the loop. */
  g_assert_null (result);
  g_assert_cmpuint (ticker.ticks, ==, 0);
  g_assert_true (qssl_test_wait_for_pointer ((gpointer *) &result, 60000));
  g_source_remove (ticker_id);

  g_assert_cmpuint (ticker.ticks, >=, 5);
  g_assert_false (g_io_stream_close_finish (G_IO_STREAM (client), result, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_assert_cmpint (qssl_socket_get_state (client), ==, QSSL_SOCKET_STATE_UNCONNECTED);
  g_assert_true (g_io_stream_is_closed (G_IO_STREAM (client)));
}

/* The blocking close is bounded the same way. */
static void
test_close_stalled_peer (void)
{
  const gsize size = 4 * 1024 * 1024;
  g_autoptr(Peer) stall = peer_start (PEER_STALL);
  g_autoptr(QsslSocket) client = client_connect (stall->port);
  g_autoptr(GBytes) data = pattern (size);
  g_autoptr(GError) error = NULL;

  qssl_socket_set_close_timeout (client, 300);
  g_assert_cmpint (qssl_socket_write_bytes (client, data), ==, size);
  g_assert_false (g_io_stream_close (G_IO_STREAM (client), NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_assert_cmpint (qssl_socket_get_state (client), ==, QSSL_SOCKET_STATE_UNCONNECTED);
}

/* g_input_stream_read_async() and g_input_stream_skip_async(): GIO's
 * generic calls, finished from the socket's context. */
static void
test_read_skip_async (void)
{
  g_autoptr(Peer) echo = peer_start (PEER_ECHO);
  g_autoptr(QsslSocket) client = client_connect (echo->port);
  GInputStream *input = g_io_stream_get_input_stream (G_IO_STREAM (client));
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  static const char message[] = "0123456789abcdefghij";
  char buffer[64] = { 0 };
  gsize total = 0;

  /* Nothing to skip yet: pending until the echo arrives, with the loop
   * running. */
  g_input_stream_skip_async (input, 10, G_PRIORITY_DEFAULT, NULL, store_result, &result);
  g_assert_null (result);
  qssl_socket_write (client, (const guint8 *) message, 10);
  g_assert_true (qssl_test_wait_for_pointer ((gpointer *) &result, 20000));
  g_assert_cmpint (g_input_stream_skip_finish (input, result, &error), ==, 10);
  g_assert_no_error (error);

  /* Nothing to read yet either. */
  g_clear_object (&result);
  g_input_stream_read_async (input, buffer, 10, G_PRIORITY_DEFAULT, NULL, store_result, &result);
  g_assert_null (result);
  qssl_socket_write (client, (const guint8 *) message + 10, strlen (message) - 10);
  g_assert_true (qssl_test_wait_for_pointer ((gpointer *) &result, 20000));
  g_assert_cmpint (g_input_stream_read_finish (input, result, &error), ==, 10);
  g_assert_no_error (error);
  g_assert_cmpmem (buffer, 10, message + 10, 10);

  /* Skip and read what is left, whether here already or on its way. */
  qssl_socket_write (client, (const guint8 *) message, 10);
  while (total < 5)
    {
      gssize n;

      g_clear_object (&result);
      g_input_stream_skip_async (input, 5 - total, G_PRIORITY_DEFAULT, NULL, store_result, &result);
      g_assert_true (qssl_test_wait_for_pointer ((gpointer *) &result, 20000));
      n = g_input_stream_skip_finish (input, result, &error);
      g_assert_no_error (error);
      g_assert_cmpint (n, >, 0);
      total += n;
    }
  total = 0;
  while (total < 5)
    {
      gssize n;

      g_clear_object (&result);
      g_input_stream_read_async (input, buffer + total, 5 - total, G_PRIORITY_DEFAULT, NULL, store_result, &result);
      g_assert_true (qssl_test_wait_for_pointer ((gpointer *) &result, 20000));
      n = g_input_stream_read_finish (input, result, &error);
      g_assert_no_error (error);
      g_assert_cmpint (n, >, 0);
      total += n;
    }
  g_assert_cmpmem (buffer, 5, message + 5, 5);

  /* A pending read that is cancelled finishes with CANCELLED. */
  g_clear_object (&result);
  g_input_stream_read_async (input, buffer, 10, G_PRIORITY_DEFAULT, cancellable, store_result, &result);
  g_cancellable_cancel (cancellable);
  g_assert_true (qssl_test_wait_for_pointer ((gpointer *) &result, 20000));
  g_assert_cmpint (g_input_stream_read_finish (input, result, &error), ==, -1);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (qssl_socket_get_state (client), ==, QSSL_SOCKET_STATE_CONNECTED);
}

#ifdef QSSL_ENABLE_THREAD_CHECKS
static gpointer
connect_elsewhere (gpointer user_data)
{
  qssl_socket_connect_to_host (user_data, "localhost", 9, QSSL_NETWORK_LAYER_PROTOCOL_IPV4);
  return NULL;
}

/* The test builds check the rule at every emission: a signal from a
 * thread that neither runs the socket's context nor made the socket
 * aborts with a message naming the signal. */
static void
test_thread_check (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(QsslSocket) socket = qssl_socket_new ();

      g_thread_join (g_thread_new ("elsewhere", connect_elsewhere, socket));
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*signal state-changed emitted outside the thread of its main context*");
}
#endif

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  main_thread = g_thread_self ();

  g_test_add_func ("/qssl/streams/splice-through-echo", test_splice_through_echo);
  g_test_add_func ("/qssl/streams/splice-stalled-far-end", test_splice_stalled_far_end);
  g_test_add_func ("/qssl/streams/flush-async-large", test_flush_async_large);
  g_test_add_func ("/qssl/streams/close-async-stalled-peer", test_close_async_stalled_peer);
  g_test_add_func ("/qssl/streams/close-stalled-peer", test_close_stalled_peer);
  g_test_add_func ("/qssl/streams/read-skip-async", test_read_skip_async);
#ifdef QSSL_ENABLE_THREAD_CHECKS
  g_test_add_func ("/qssl/streams/thread-check", test_thread_check);
#endif
  return g_test_run ();
}
