/* qssl-socket.c: QsslSocket, a TLS socket that is a GSocketConnection (QSslSocket)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The public API: construction, the state and the error every layer reports
 * through, the handshake calls, reading and writing, closing, and the
 * accessors. The work is done by the layers listed in qssl-socket-private.h.
 */

#include "config.h"

#include <errno.h>
#include <string.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <openssl/crypto.h>
#include <openssl/opensslv.h>
#include <openssl/ssl.h>

#include "qssl.h"
#include "qssl-configuration-private.h"
#include "qssl-engine-private.h"
#include "qssl-error-private.h"
#include "qssl-main-context-private.h"
#include "qssl-private.h"
#include "qssl-bio-private.h"
#include "qssl-socket-io-private.h"
#include "qssl-socket-private.h"
#include "qssl-virtual-host-private.h"

/**
 * QsslSocket:
 *
 * A TCP socket that speaks TLS, with Qt's `QSslSocket` API and signals, and a
 * #GSocketConnection (so a #GIOStream) for GIO code.
 *
 * A socket belongs to the #GMainContext that was the thread-default when it
 * was created; its handshake and I/O run there, driven by socket readiness,
 * and every signal is emitted there. The `wait_for_*()` calls run the same
 * work without a main loop. GIO's asynchronous calls on the socket and its
 * streams (read, skip, write, writev, splice, flush, close) run there too,
 * never in a worker thread; their callbacks come in the caller's
 * thread-default context, as GIO says. g_io_stream_close_async() and
 * g_io_stream_close() wait at most #QsslSocket:close-timeout for the peer
 * to take what is buffered, then abort with %G_IO_ERROR_TIMED_OUT.
 *
 * `g_object_new (QSSL_TYPE_SOCKET, NULL)` (what `Qssl.Socket()` in Python and
 * `new Qssl.Socket()` in GJS do) and [ctor@Qssl.Socket.new] give the same
 * unconnected socket. #GSocketConnection needs a #GSocket from construction
 * on, so an unconnected socket holds a placeholder one, which has no file
 * descriptor (every call on it fails with %G_IO_ERROR_NOT_INITIALIZED);
 * connecting installs a new #GSocket of the right address family. Creating a
 * socket never fails; running out of file descriptors or memory when
 * connecting is reported as %QSSL_SOCKET_ERROR_SOCKET_RESOURCE.
 * After [method@Qssl.Socket.abort] or a disconnect the object can connect
 * again, and it then has a new #GSocket: do not keep the one
 * g_socket_connection_get_socket() returned across connections.
 * g_socket_connection_get_socket(), get_local_address(),
 * get_remote_address(), is_connected() and the #GSocketConnection:socket
 * property always describe the current connection, and `notify::socket`
 * is emitted each time a new #GSocket comes in (each connection attempt,
 * set_socket_descriptor()); its handler may abort or connect anew, as any.
 *
 * Mirrors `QSslSocket`.
 *
 * Since: 1.0
 */
GParamSpec *_qssl_socket_properties[N_PROPS];
guint _qssl_socket_signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (QsslSocket, qssl_socket, G_TYPE_SOCKET_CONNECTION)

/* Construction */

/* GSocketConnection asserts in constructed() that it was given a GSocket.
 * An unconnected socket (Qt style: made first, connected later) gets a
 * placeholder here; connecting installs the real one. The placeholder has
 * no address family, so GSocket opens no descriptor for it (its
 * construction records an error that every GSocket call then reports):
 * making a socket cannot run out of file descriptors and cannot fail. It
 * is deliberately not passed through g_initable_init(), whose only effect
 * would be to return that recorded error. */
static GObject *
qssl_socket_constructor (GType                  type,
                         guint                  n_properties,
                         GObjectConstructParam *construct_properties)
{
  GObject *object;

  for (guint i = 0; i < n_properties; i++)
    {
      if (g_str_equal (construct_properties[i].pspec->name, "socket") &&
          g_value_get_object (construct_properties[i].value) == NULL)
        {
          g_autoptr(GSocket) placeholder = g_object_new (G_TYPE_SOCKET,
                                                         "family", G_SOCKET_FAMILY_INVALID,
                                                         "type", G_SOCKET_TYPE_STREAM,
                                                         "protocol", G_SOCKET_PROTOCOL_TCP,
                                                         NULL);
          g_value_set_object (construct_properties[i].value, placeholder);
        }
    }

  object = G_OBJECT_CLASS (qssl_socket_parent_class)->constructor (type, n_properties, construct_properties);
  QSSL_SOCKET (object)->socket = g_object_ref (g_socket_connection_get_socket (G_SOCKET_CONNECTION (object)));
  return object;
}

/* Makes @socket the connection's GSocket.
 *
 * libqssl itself only uses self->socket. GSocketConnection keeps a GSocket
 * of its own, given at construction, and its accessors read that one
 * directly: g_socket_connection_get_socket(), get_local_address(),
 * get_remote_address(), is_connected(), connect() and the "socket" property
 * (gio/gsocketconnection.c; none is a virtual method, so a subclass cannot
 * override them). A QsslSocket outlives its connections, and each
 * connection needs a new GSocket (a TCP socket connects once and cannot
 * change address family), while GObject lets nobody set the construct-only
 * "socket" after construction. For those accessors to describe the live
 * connection, the copy is updated through GSocketConnection's own
 * set_property, the one step that depends on how GLib implements it: it
 * stores a new reference and does not drop the old one (GLib 2.32 to
 * 2.89), so the old one is dropped here. /socket/gsocket-follows-
 * connection checks exactly that, so that a GLib that changes it fails the
 * tests rather than leaking or crashing; nothing in libqssl's own I/O
 * depends on it. "socket" is notified, as for any property that changes. */
void
_qssl_socket_replace_gsocket (QsslSocket *self,
                              GSocket    *socket)
{
  GParamSpec *pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (self), "socket");
  GObjectClass *owner = g_type_class_peek (pspec->owner_type);
  GSocket *old = self->socket;
  GValue value = G_VALUE_INIT;

  if (old == socket)
    return;
  self->socket = g_object_ref (socket);
  g_value_init (&value, G_TYPE_SOCKET);
  g_value_set_object (&value, socket);
  owner->set_property (G_OBJECT (self), pspec->param_id, &value, pspec);
  g_value_unset (&value);
  if (g_socket_connection_get_socket (G_SOCKET_CONNECTION (self)) == socket)
    g_object_unref (old);   /* GSocketConnection's reference */
  else
    g_warning ("GSocketConnection did not take the new GSocket: its accessors describe an old connection");
  g_object_unref (old);     /* ours */
  if (!self->disposing)
    g_object_notify_by_pspec (G_OBJECT (self), pspec);
}

/* Tracing */

gboolean
_qssl_trace_enabled (void)
{
  static gint enabled = -1;
  gint value = g_atomic_int_get (&enabled);

  if (G_UNLIKELY (value < 0))
    {
      value = !g_log_writer_default_would_drop (G_LOG_LEVEL_DEBUG, G_LOG_DOMAIN);
      g_atomic_int_set (&enabled, value);
    }
  return value;
}

void
_qssl_socket_trace_message (QsslSocket *self,
                            const char *format,
                            ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_debug ("socket %u: %s", self->trace_id, message);
}

static const char *
enum_nick (GType type,
           int   value)
{
  GEnumClass *klass = g_type_class_ref (type);
  GEnumValue *found = g_enum_get_value (klass, value);
  const char *nick = found != NULL ? found->value_nick : "?";

  /* Enum classes of a loaded library stay alive: the nick outlives the unref. */
  g_type_class_unref (klass);
  return nick;
}

GSocket *
_qssl_socket_gsocket (QsslSocket *self)
{
  return self->socket;
}

/* Reentrancy: see qssl-socket-private.h. */

static void wind_down (QsslSocket *self);

guint
_qssl_socket_enter (QsslSocket *self)
{
  g_object_ref (self);
  self->dispatch_depth++;
  return self->connection_serial;
}

void
_qssl_socket_leave (QsslSocket *self)
{
  g_assert (self->dispatch_depth > 0);
  self->dispatch_depth--;
  /* Possibly the last reference, dropped by a handler: dispose runs now,
   * outside every emission. */
  g_object_unref (self);
}

guint
_qssl_socket_connection (QsslSocket *self)
{
  return self->connection_serial;
}

gboolean
_qssl_socket_same_connection (QsslSocket *self,
                              guint       connection)
{
  /* Only the running calls hold the socket: a handler dropped the last
   * reference, and the socket is as good as disposed. */
  if (!self->disposing && (guint) g_atomic_int_get (&G_OBJECT (self)->ref_count) <= self->dispatch_depth)
    wind_down (self);
  return self->connection_serial == connection && !self->disposing;
}

void
_qssl_socket_set_state (QsslSocket      *self,
                        QsslSocketState  state)
{
  if (self->state == state)
    return;
  self->state = state;
  _qssl_socket_idle_update (self);
  if (G_UNLIKELY (_qssl_trace_enabled ()))
    {
      const char *nick = enum_nick (QSSL_TYPE_SOCKET_STATE, state);

      if (state == QSSL_SOCKET_STATE_HOST_LOOKUP || state == QSSL_SOCKET_STATE_CONNECTING)
        _qssl_socket_trace_message (self, "state %s, host %s port %u", nick,
                                    self->host_name != NULL ? self->host_name : "?", self->port);
      else if (state == QSSL_SOCKET_STATE_CONNECTED)
        {
          g_autoptr(GInetAddress) address = qssl_socket_get_peer_address (self);
          g_autofree char *text = address != NULL ? g_inet_address_to_string (address) : NULL;

          _qssl_socket_trace_message (self, "state %s, peer %s port %u", nick, text != NULL ? text : "?",
                                      qssl_socket_get_peer_port (self));
        }
      else
        _qssl_socket_trace_message (self, "state %s", nick);
    }
  if (self->disposing)
    return;
  g_object_notify_by_pspec (G_OBJECT (self), _qssl_socket_properties[PROP_STATE]);
  g_signal_emit (self, _qssl_socket_signals[SIGNAL_STATE_CHANGED], 0, state);
}

void
_qssl_socket_set_mode (QsslSocket *self,
                       QsslMode    mode)
{
  if (self->mode == mode)
    return;
  self->mode = mode;
  _qssl_socket_trace (self, "mode %s", enum_nick (QSSL_TYPE_MODE, mode));
  if (self->disposing)
    return;
  g_object_notify_by_pspec (G_OBJECT (self), _qssl_socket_properties[PROP_MODE]);
  g_signal_emit (self, _qssl_socket_signals[SIGNAL_MODE_CHANGED], 0, mode);
}

/* Finishes the tasks in @tasks. A caller that emits takes the tasks of its
 * connection first, so that tasks a handler queues for a new connection
 * stay. */
void
_qssl_socket_complete_taken_tasks (GQueue       *tasks,
                                   const GError *error)
{
  GTask *task;

  while ((task = g_queue_pop_head (tasks)) != NULL)
    {
      /* Its cancellation source goes: nothing else touches the task. */
      g_task_set_task_data (task, NULL, NULL);
      if (error != NULL)
        g_task_return_error (task, g_error_copy (error));
      else
        g_task_return_boolean (task, TRUE);
      g_object_unref (task);
    }
}

/* Finishes every waiting handshake task: with success, or with @error. */
void
_qssl_socket_complete_handshake_tasks (QsslSocket   *self,
                                       const GError *error)
{
  _qssl_socket_complete_taken_tasks (&self->handshake_tasks, error);
}

/* What error() and error_string() answer, without a signal. */
void
_qssl_socket_record_error (QsslSocket      *self,
                           QsslSocketError  error,
                           const char      *message)
{
  self->error = error;
  g_free (self->error_string);
  self->error_string = g_strdup (message);
}

void
_qssl_socket_set_error (QsslSocket      *self,
                        QsslSocketError  error,
                        const char      *message)
{
  GQueue tasks = G_QUEUE_INIT;

  _qssl_socket_record_error (self, error, message);
  _qssl_socket_trace (self, "error %s: %s", enum_nick (QSSL_TYPE_SOCKET_ERROR, error), message);
  _qssl_socket_enter (self);
  if (!self->encrypted)
    {
      tasks = self->handshake_tasks;
      g_queue_init (&self->handshake_tasks);
    }
  if (!self->disposing)
    g_signal_emit (self, _qssl_socket_signals[SIGNAL_ERROR_OCCURRED], 0, error);
  if (!g_queue_is_empty (&tasks))
    {
      g_autoptr(GError) task_error = g_error_new_literal (QSSL_SOCKET_ERROR, error, message);

      _qssl_socket_complete_taken_tasks (&tasks, task_error);
    }
  _qssl_socket_leave (self);
}

void
_qssl_socket_set_observer (QsslSocket               *self,
                           const QsslSocketObserver *observer,
                           gpointer                  data)
{
  self->observer = observer;
  self->observer_data = data;
}

/* The class handlers of encrypted and error-occurred (run first): the
 * observer hears of them inside the emission, so what it connects there
 * (an application handler of the server's new-connection taking the socket,
 * say) misses this emission as handlers connected from a handler do. */
static void
tell_observer_encrypted (QsslSocket *self)
{
  if (self->observer != NULL)
    self->observer->encrypted (self, self->observer_data);
}

static void
tell_observer_error (QsslSocket      *self,
                     QsslSocketError  error)
{
  if (self->observer != NULL)
    self->observer->error_occurred (self, error, self->observer_data);
}

void
_qssl_socket_fail (QsslSocket      *self,
                   QsslSocketError  error,
                   const char      *message)
{
  guint connection = _qssl_socket_enter (self);

  _qssl_socket_set_error (self, error, message);
  if (_qssl_socket_same_connection (self, connection))
    _qssl_socket_close_connection (self, FALSE);
  _qssl_socket_leave (self);
}

void
_qssl_socket_operation_error (QsslSocket *self,
                              const char *message)
{
  _qssl_socket_record_error (self, QSSL_SOCKET_ERROR_OPERATION, message);
  _qssl_socket_trace (self, "error operation: %s", message);
  _qssl_socket_enter (self);
  if (!self->disposing)
    g_signal_emit (self, _qssl_socket_signals[SIGNAL_ERROR_OCCURRED], 0, QSSL_SOCKET_ERROR_OPERATION);
  _qssl_socket_leave (self);
}

/* Qt's startClientEncryption() and startServerEncryption() warn and do
 * nothing when not connected or not in plain mode; here the same refusal
 * is an OPERATION error, so that it is seen without a warning log. */
static gboolean
can_start_encryption (QsslSocket *self)
{
  if (self->state != QSSL_SOCKET_STATE_CONNECTED)
    {
      _qssl_socket_operation_error (self, _("Cannot start a handshake when not connected"));
      return FALSE;
    }
  if (self->mode != QSSL_MODE_UNENCRYPTED)
    {
      _qssl_socket_operation_error (self, _("Cannot start a handshake on a connection that is not plain"));
      return FALSE;
    }
  return TRUE;
}

/* Resets what belongs to one connection; settings stay. */
void
_qssl_socket_reset_connection (QsslSocket *self)
{
  /* Whatever runs for the connection ending here stops after its next
   * emission. An unconnected socket has no connection to end. */
  if (self->state != QSSL_SOCKET_STATE_UNCONNECTED)
    self->connection_serial++;
  if (self->watch != NULL)
    _qssl_watch_set (self->watch, -1, 0);
  self->watch_condition = 0;
  if (self->cancellable != NULL)
    {
      g_cancellable_cancel (self->cancellable);
      g_clear_object (&self->cancellable);
    }
  _qssl_deferred_cancel (self->literal_call);
  g_list_free_full (g_steal_pointer (&self->addresses), g_object_unref);
  self->next_address = NULL;
  _qssl_engine_reset (self);
  self->handshaking = FALSE;
  self->paused = FALSE;
  self->encrypted = FALSE;
  self->pending_close = FALSE;
  self->close_notify_pending = FALSE;
  self->read_channel_finished = FALSE;
  self->held_announced = FALSE;
  self->direct_budget = 0;
  self->read_starved = FALSE;
  self->deferred_finish = FALSE;
  g_clear_pointer (&self->deferred_protocol_error, g_free);
  _qssl_buffer_clear (self->write_buffer, TRUE);
  _qssl_socket_cancel_deferred (self);
  self->pending_bytes_written = 0;
  self->encrypted_written_reported = 0;
  _qssl_socket_clear_proxy (self);
}

/* The last reference is gone: in dispose, or inside a handler (then only
 * the running calls hold the socket, see _qssl_socket_same_connection()).
 * From here on the socket emits nothing, and it never waits: what the
 * kernel takes of the unsent data goes out, then close_notify; the rest is
 * dropped. GIOStream's dispose then finds the socket closed. */
static void
wind_down (QsslSocket *self)
{
  if (self->disposing)
    return;
  self->disposing = TRUE;
  if (self->state == QSSL_SOCKET_STATE_CONNECTED || self->state == QSSL_SOCKET_STATE_CLOSING)
    {
      gsize sent = 0;
      int error;

      _qssl_socket_send_begin (self, self->write_buffer->len);
      while (sent < self->write_buffer->len && _qssl_socket_can_send (self))
        {
          gboolean would_block;
          gssize n = _qssl_socket_send_now (self, self->write_buffer->data + sent,
                                            self->write_buffer->len - sent, &would_block);

          if (n <= 0 || would_block)
            break;
          sent += n;
        }
      /* Nothing is reported any more: a failure only drops the rest. */
      if (self->ssl != NULL)
        _qssl_bio_uncork (SSL_get_wbio (self->ssl), &error);
      if (self->write_buffer->len > sent)
        _qssl_socket_trace (self, "dropped with %u bytes unsent", (guint) (self->write_buffer->len - sent));
      _qssl_socket_close_connection (self, TRUE);
    }
  _qssl_socket_reset_connection (self);
  self->state = QSSL_SOCKET_STATE_UNCONNECTED;
}

static void
qssl_socket_dispose (GObject *object)
{
  QsslSocket *self = QSSL_SOCKET (object);

  wind_down (self);
  _qssl_socket_idle_stop (self);
  if (!g_queue_is_empty (&self->handshake_tasks))
    {
      g_autoptr(GError) error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CLOSED, "socket disposed");

      _qssl_socket_complete_handshake_tasks (self, error);
    }

  G_OBJECT_CLASS (qssl_socket_parent_class)->dispose (object);
}

static void
qssl_socket_finalize (GObject *object)
{
  QsslSocket *self = QSSL_SOCKET (object);

  g_clear_pointer (&self->configuration, qssl_configuration_free);
  g_clear_pointer (&self->error_string, g_free);
  g_clear_pointer (&self->host_name, g_free);
  g_clear_pointer (&self->ssl_peer_name, g_free);
  g_clear_pointer (&self->peer_verify_name, g_free);
  _qssl_socket_clear_proxy (self);
  _qssl_socket_set_host_table (self, NULL);
  g_clear_pointer (&self->requested_server_name, g_free);
  g_clear_error (&self->host_error);
  g_clear_pointer (&self->own_configuration, qssl_configuration_free);
  g_clear_pointer (&self->handshake_errors, g_ptr_array_unref);
  g_clear_pointer (&self->ignore_list, g_ptr_array_unref);
  g_clear_pointer (&self->ocsp_responses, g_ptr_array_unref);
  g_clear_pointer (&self->pending_alerts, g_array_unref);
  g_clear_pointer (&self->retired_ssl, SSL_free);
  g_clear_pointer (&self->watch, _qssl_watch_free);
  g_clear_pointer (&self->emit_call, _qssl_deferred_free);
  g_clear_pointer (&self->pending_call, _qssl_deferred_free);
  g_clear_pointer (&self->literal_call, _qssl_deferred_free);
  g_clear_pointer (&self->idle_check, _qssl_timer_free);
  g_clear_pointer (&self->read_buffer, _qssl_buffer_free);
  g_free (self->deferred_protocol_error);
  g_clear_pointer (&self->write_buffer, _qssl_buffer_free);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_object (&self->input_stream);
  g_clear_object (&self->output_stream);
  g_clear_object (&self->socket);

  G_OBJECT_CLASS (qssl_socket_parent_class)->finalize (object);
}

static void
qssl_socket_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  QsslSocket *self = QSSL_SOCKET (object);

  switch (prop_id)
    {
    case PROP_MODE:
      g_value_set_enum (value, self->mode);
      break;
    case PROP_IS_ENCRYPTED:
      g_value_set_boolean (value, self->encrypted);
      break;
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_PEER_VERIFY_MODE:
      g_value_set_enum (value, qssl_configuration_get_peer_verify_mode (self->configuration));
      break;
    case PROP_PEER_VERIFY_DEPTH:
      g_value_set_int (value, qssl_configuration_get_peer_verify_depth (self->configuration));
      break;
    case PROP_PEER_VERIFY_NAME:
      g_value_set_string (value, self->peer_verify_name);
      break;
    case PROP_PROTOCOL:
      g_value_set_enum (value, qssl_configuration_get_protocol (self->configuration));
      break;
    case PROP_LOCAL_CERTIFICATE:
      g_value_set_object (value, qssl_configuration_get_local_certificate (self->configuration));
      break;
    case PROP_PRIVATE_KEY:
      g_value_set_object (value, qssl_configuration_get_private_key (self->configuration));
      break;
    case PROP_SSL_CONFIGURATION:
      g_value_take_boxed (value, qssl_socket_get_ssl_configuration (self));
      break;
    case PROP_SESSION_PROTOCOL:
      g_value_set_enum (value, qssl_configuration_get_session_protocol (self->configuration));
      break;
    case PROP_SESSION_CIPHER:
      g_value_set_object (value, qssl_configuration_get_session_cipher (self->configuration));
      break;
    case PROP_PEER_CERTIFICATE:
      g_value_set_object (value, qssl_configuration_get_peer_certificate (self->configuration));
      break;
    case PROP_READ_BUFFER_SIZE:
      g_value_set_int64 (value, self->read_buffer_size);
      break;
    case PROP_PAUSE_MODE:
      g_value_set_flags (value, self->pause_mode);
      break;
    case PROP_CLOSE_TIMEOUT:
      g_value_set_int (value, self->close_timeout);
      break;
    case PROP_IDLE_TIMEOUT:
      g_value_set_int (value, self->idle_timeout);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
qssl_socket_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  QsslSocket *self = QSSL_SOCKET (object);

  switch (prop_id)
    {
    case PROP_PEER_VERIFY_MODE:
      qssl_socket_set_peer_verify_mode (self, g_value_get_enum (value));
      break;
    case PROP_PEER_VERIFY_DEPTH:
      qssl_socket_set_peer_verify_depth (self, g_value_get_int (value));
      break;
    case PROP_PEER_VERIFY_NAME:
      qssl_socket_set_peer_verify_name (self, g_value_get_string (value));
      break;
    case PROP_PROTOCOL:
      qssl_socket_set_protocol (self, g_value_get_enum (value));
      break;
    case PROP_LOCAL_CERTIFICATE:
      qssl_socket_set_local_certificate (self, g_value_get_object (value));
      break;
    case PROP_PRIVATE_KEY:
      qssl_socket_set_private_key (self, g_value_get_object (value));
      break;
    case PROP_SSL_CONFIGURATION:
      if (g_value_get_boxed (value) != NULL)
        qssl_socket_set_ssl_configuration (self, g_value_get_boxed (value));
      break;
    case PROP_READ_BUFFER_SIZE:
      qssl_socket_set_read_buffer_size (self, g_value_get_int64 (value));
      break;
    case PROP_PAUSE_MODE:
      qssl_socket_set_pause_mode (self, g_value_get_flags (value));
      break;
    case PROP_CLOSE_TIMEOUT:
      qssl_socket_set_close_timeout (self, g_value_get_int (value));
      break;
    case PROP_IDLE_TIMEOUT:
      qssl_socket_set_idle_timeout (self, g_value_get_int (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

#ifdef QSSL_ENABLE_THREAD_CHECKS
/* One thread, one context: a signal comes from the thread that runs the
 * socket's context, or, while none does, from the thread that made the
 * socket. Anything else is a pump or a callback on a foreign thread (a GLib
 * worker, say), racing the context's own. */
static gboolean
check_emission_thread (GSignalInvocationHint *hint,
                       guint                  n_param_values,
                       const GValue          *param_values,
                       gpointer               user_data)
{
  QsslSocket *self = g_value_get_object (&param_values[0]);
  gboolean owner = g_main_context_is_owner (self->context);

  if (!owner && g_main_context_acquire (self->context))
    {
      owner = self->owner_thread == g_thread_self ();
      g_main_context_release (self->context);
    }
  if (!owner)
    g_error ("socket %p: signal %s emitted outside the thread of its main context", self,
             g_signal_name (hint->signal_id));
  return TRUE;
}
#endif

static void
qssl_socket_class_init (QsslSocketClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;
  GParamSpec **properties = _qssl_socket_properties;
  guint *signals = _qssl_socket_signals;

  object_class->constructor = qssl_socket_constructor;
  object_class->dispose = qssl_socket_dispose;
  object_class->finalize = qssl_socket_finalize;
  object_class->get_property = qssl_socket_get_property;
  object_class->set_property = qssl_socket_set_property;
  G_IO_STREAM_CLASS (klass)->get_input_stream = _qssl_socket_get_input_stream;
  G_IO_STREAM_CLASS (klass)->get_output_stream = _qssl_socket_get_output_stream;
  G_IO_STREAM_CLASS (klass)->close_fn = _qssl_socket_close_fn;
  /* GSocketConnection's close_async runs close_fn, which would wait inside
   * the call: a native one completes from the socket's context. */
  G_IO_STREAM_CLASS (klass)->close_async = _qssl_socket_close_async;
  G_IO_STREAM_CLASS (klass)->close_finish = _qssl_socket_close_finish;

  _qssl_engine_init ();

  /**
   * QsslSocket:mode:
   *
   * Whether the socket is plain, a TLS client or a TLS server. Mirrors `QSslSocket::mode()`.
   */
  properties[PROP_MODE] = g_param_spec_enum ("mode", NULL, NULL, QSSL_TYPE_MODE,
                                             QSSL_MODE_UNENCRYPTED, ro);
  /**
   * QsslSocket:is-encrypted:
   *
   * Whether the handshake succeeded and data is encrypted. Mirrors `QSslSocket::isEncrypted()`.
   */
  properties[PROP_IS_ENCRYPTED] = g_param_spec_boolean ("is-encrypted", NULL, NULL, FALSE, ro);
  /**
   * QsslSocket:state:
   *
   * The connection state. Mirrors `QAbstractSocket::state()`.
   */
  properties[PROP_STATE] = g_param_spec_enum ("state", NULL, NULL, QSSL_TYPE_SOCKET_STATE,
                                              QSSL_SOCKET_STATE_UNCONNECTED, ro);
  /**
   * QsslSocket:peer-verify-mode:
   *
   * How the peer is verified. Mirrors `QSslSocket::peerVerifyMode()`.
   */
  properties[PROP_PEER_VERIFY_MODE] = g_param_spec_enum ("peer-verify-mode", NULL, NULL,
                                                         QSSL_TYPE_PEER_VERIFY_MODE,
                                                         QSSL_PEER_VERIFY_MODE_AUTO_VERIFY_PEER, rw);
  /**
   * QsslSocket:peer-verify-depth:
   *
   * The deepest peer chain accepted, 0 for any. Mirrors `QSslSocket::peerVerifyDepth()`.
   */
  properties[PROP_PEER_VERIFY_DEPTH] = g_param_spec_int ("peer-verify-depth", NULL, NULL,
                                                         0, G_MAXINT, 0, rw);
  /**
   * QsslSocket:peer-verify-name:
   *
   * The name the peer's certificate is checked against, when it differs
   * from the host name. Mirrors `QSslSocket::peerVerifyName()`.
   */
  properties[PROP_PEER_VERIFY_NAME] = g_param_spec_string ("peer-verify-name", NULL, NULL, NULL, rw);
  /**
   * QsslSocket:protocol:
   *
   * The protocol versions allowed. Mirrors `QSslSocket::protocol()`.
   */
  properties[PROP_PROTOCOL] = g_param_spec_enum ("protocol", NULL, NULL, QSSL_TYPE_PROTOCOL,
                                                 QSSL_PROTOCOL_SECURE_PROTOCOLS, rw);
  /**
   * QsslSocket:local-certificate:
   *
   * The certificate presented to the peer. Mirrors `QSslSocket::localCertificate()`.
   */
  properties[PROP_LOCAL_CERTIFICATE] = g_param_spec_object ("local-certificate", NULL, NULL,
                                                            QSSL_TYPE_CERTIFICATE, rw);
  /**
   * QsslSocket:private-key:
   *
   * The key of the local certificate. Mirrors `QSslSocket::privateKey()`.
   */
  properties[PROP_PRIVATE_KEY] = g_param_spec_object ("private-key", NULL, NULL, QSSL_TYPE_KEY, rw);
  /**
   * QsslSocket:ssl-configuration:
   *
   * A copy of the socket's configuration, with the session state of the
   * last handshake. Mirrors `QSslSocket::sslConfiguration()`.
   */
  properties[PROP_SSL_CONFIGURATION] = g_param_spec_boxed ("ssl-configuration", NULL, NULL,
                                                           QSSL_TYPE_CONFIGURATION, rw);
  /**
   * QsslSocket:session-protocol:
   *
   * The protocol version negotiated. Mirrors `QSslSocket::sessionProtocol()`.
   */
  properties[PROP_SESSION_PROTOCOL] = g_param_spec_enum ("session-protocol", NULL, NULL,
                                                         QSSL_TYPE_PROTOCOL,
                                                         QSSL_PROTOCOL_UNKNOWN_PROTOCOL, ro);
  /**
   * QsslSocket:session-cipher:
   *
   * The cipher suite negotiated. Mirrors `QSslSocket::sessionCipher()`.
   */
  properties[PROP_SESSION_CIPHER] = g_param_spec_object ("session-cipher", NULL, NULL,
                                                         QSSL_TYPE_CIPHER, ro);
  /**
   * QsslSocket:peer-certificate:
   *
   * The peer's certificate. Mirrors `QSslSocket::peerCertificate()`.
   */
  properties[PROP_PEER_CERTIFICATE] = g_param_spec_object ("peer-certificate", NULL, NULL,
                                                           QSSL_TYPE_CERTIFICATE, ro);
  /**
   * QsslSocket:read-buffer-size:
   *
   * The most plaintext kept unread, 0 for no limit. Mirrors `QAbstractSocket::readBufferSize()`.
   */
  properties[PROP_READ_BUFFER_SIZE] = g_param_spec_int64 ("read-buffer-size", NULL, NULL,
                                                          0, G_MAXINT64, 0, rw);
  /**
   * QsslSocket:pause-mode:
   *
   * When the socket pauses for the application. Mirrors `QAbstractSocket::pauseMode()`.
   */
  properties[PROP_PAUSE_MODE] = g_param_spec_flags ("pause-mode", NULL, NULL, QSSL_TYPE_PAUSE_MODES,
                                                    QSSL_PAUSE_MODES_NEVER, rw);
  /**
   * QsslSocket:close-timeout:
   *
   * How long, in milliseconds, g_io_stream_close() and
   * g_io_stream_close_async() wait for the peer to take what is still
   * buffered and the close_notify. Past it the connection is aborted and
   * the close fails with %G_IO_ERROR_TIMED_OUT. 30 seconds by default.
   *
   * libqssl addition (Qt's close has no GIO form).
   *
   * Since: 1.0
   */
  properties[PROP_CLOSE_TIMEOUT] = g_param_spec_int ("close-timeout", NULL, NULL,
                                                     0, G_MAXINT, QSSL_SOCKET_DEFAULT_CLOSE_TIMEOUT, rw);
  /**
   * QsslSocket:idle-timeout:
   *
   * How long, in milliseconds, a connected socket may go without sending
   * or receiving a byte; past it the connection is dropped with
   * %QSSL_SOCKET_ERROR_SOCKET_TIMEOUT (error-occurred, then disconnected).
   * It is checked four times per period, so the drop comes between the
   * timeout and a quarter more after the last byte. A peer that stops
   * reading while the socket has data to send is idle too. 0 (the
   * default) for none. #QsslServer:idle-timeout sets it on the sockets a
   * server hands out.
   *
   * libqssl only.
   *
   * Since: 1.0
   */
  properties[PROP_IDLE_TIMEOUT] = g_param_spec_int ("idle-timeout", NULL, NULL, 0, G_MAXINT, 0, rw);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * QsslSocket::encrypted:
   * @self: the socket
   *
   * The handshake succeeded (and verification passed or was ignored); data
   * written now is encrypted. Mirrors `QSslSocket::encrypted()`.
   */
  signals[SIGNAL_ENCRYPTED] = g_signal_new_class_handler ("encrypted", G_TYPE_FROM_CLASS (klass),
                                                          G_SIGNAL_RUN_FIRST, G_CALLBACK (tell_observer_encrypted),
                                                          NULL, NULL, NULL, G_TYPE_NONE, 0);
  /**
   * QsslSocket::encrypted-bytes-written:
   * @self: the socket
   * @written: encrypted bytes that reached the kernel since the last emission
   *
   * Mirrors `QSslSocket::encryptedBytesWritten()`.
   */
  signals[SIGNAL_ENCRYPTED_BYTES_WRITTEN] = g_signal_new ("encrypted-bytes-written", G_TYPE_FROM_CLASS (klass),
                                                          G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                                          G_TYPE_NONE, 1, G_TYPE_INT64);
  /**
   * QsslSocket::mode-changed:
   * @self: the socket
   * @mode: the new mode
   *
   * Mirrors `QSslSocket::modeChanged()`.
   */
  signals[SIGNAL_MODE_CHANGED] = g_signal_new ("mode-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                               0, NULL, NULL, NULL, G_TYPE_NONE, 1, QSSL_TYPE_MODE);
  /**
   * QsslSocket::new-session-ticket-received:
   * @self: the socket
   *
   * The server sent a session to resume later, and the socket's
   * configuration now carries it as its session ticket (with the lifetime
   * hint). Emitted only when %QSSL_SSL_OPTIONS_DISABLE_SESSION_PERSISTENCE
   * is off, as in Qt; for TLS 1.3 it comes after #QsslSocket::encrypted,
   * when the ticket is read with the first data.
   *
   * Mirrors `QSslSocket::newSessionTicketReceived()`.
   */
  signals[SIGNAL_NEW_SESSION_TICKET_RECEIVED] = g_signal_new ("new-session-ticket-received",
                                                              G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                                              0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /**
   * QsslSocket::peer-verify-error:
   * @self: the socket
   * @error: one problem with the peer's identity
   *
   * Emitted for each problem found while verifying the peer, before
   * #QsslSocket::ssl-errors; calling [method@Qssl.Socket.abort] here stops
   * the handshake. Mirrors `QSslSocket::peerVerifyError()`.
   */
  signals[SIGNAL_PEER_VERIFY_ERROR] = g_signal_new ("peer-verify-error", G_TYPE_FROM_CLASS (klass),
                                                    G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                                    G_TYPE_NONE, 1, QSSL_TYPE_ERROR | G_SIGNAL_TYPE_STATIC_SCOPE);
  /**
   * QsslSocket::pre-shared-key-authentication-required:
   * @self: the socket
   * @authenticator: fill in the identity and key
   *
   * Mirrors `QSslSocket::preSharedKeyAuthenticationRequired()`.
   */
  signals[SIGNAL_PRE_SHARED_KEY_AUTHENTICATION_REQUIRED] =
    g_signal_new ("pre-shared-key-authentication-required", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, QSSL_TYPE_PRE_SHARED_KEY_AUTHENTICATOR);
  /**
   * QsslSocket::ssl-errors:
   * @self: the socket
   * @errors: (element-type QsslError): every problem found
   *
   * Emitted once after the handshake when verification found problems.
   * Unless a handler calls [method@Qssl.Socket.ignore_ssl_errors] (or the
   * exact list was given to [method@Qssl.Socket.ignore_ssl_errors_list]
   * before), the connection is then dropped. Mirrors `QSslSocket::sslErrors()`.
   */
  signals[SIGNAL_SSL_ERRORS] = g_signal_new ("ssl-errors", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                             0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_PTR_ARRAY);
  /**
   * QsslSocket::alert-sent:
   * @self: the socket
   * @level: the alert level
   * @type: the alert
   * @description: OpenSSL's description
   *
   * Mirrors `QSslSocket::alertSent()`.
   */
  signals[SIGNAL_ALERT_SENT] = g_signal_new ("alert-sent", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                             0, NULL, NULL, NULL, G_TYPE_NONE, 3, QSSL_TYPE_ALERT_LEVEL,
                                             QSSL_TYPE_ALERT_TYPE, G_TYPE_STRING);
  /**
   * QsslSocket::alert-received:
   * @self: the socket
   * @level: the alert level
   * @type: the alert
   * @description: OpenSSL's description
   *
   * Mirrors `QSslSocket::alertReceived()`.
   */
  signals[SIGNAL_ALERT_RECEIVED] = g_signal_new ("alert-received", G_TYPE_FROM_CLASS (klass),
                                                 G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 3,
                                                 QSSL_TYPE_ALERT_LEVEL, QSSL_TYPE_ALERT_TYPE, G_TYPE_STRING);
  /**
   * QsslSocket::handshake-interrupted-on-error:
   * @self: the socket
   * @error: the problem found
   *
   * Mirrors `QSslSocket::handshakeInterruptedOnError()`.
   */
  signals[SIGNAL_HANDSHAKE_INTERRUPTED_ON_ERROR] =
    g_signal_new ("handshake-interrupted-on-error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, QSSL_TYPE_ERROR | G_SIGNAL_TYPE_STATIC_SCOPE);
  /**
   * QsslSocket::host-found:
   * @self: the socket
   *
   * The host name was resolved. Mirrors `QAbstractSocket::hostFound()`.
   */
  signals[SIGNAL_HOST_FOUND] = g_signal_new ("host-found", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                             0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /**
   * QsslSocket::connected:
   * @self: the socket
   *
   * The TCP connection is established. Mirrors `QAbstractSocket::connected()`.
   */
  signals[SIGNAL_CONNECTED] = g_signal_new ("connected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                            0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /**
   * QsslSocket::disconnected:
   * @self: the socket
   *
   * The connection was closed. Mirrors `QAbstractSocket::disconnected()`.
   */
  signals[SIGNAL_DISCONNECTED] = g_signal_new ("disconnected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                               0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /**
   * QsslSocket::state-changed:
   * @self: the socket
   * @state: the new state
   *
   * Mirrors `QAbstractSocket::stateChanged()`.
   */
  signals[SIGNAL_STATE_CHANGED] = g_signal_new ("state-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                                0, NULL, NULL, NULL, G_TYPE_NONE, 1, QSSL_TYPE_SOCKET_STATE);
  /**
   * QsslSocket::error-occurred:
   * @self: the socket
   * @error: what went wrong; [method@Qssl.Socket.get_error_string] says more
   *
   * Mirrors `QAbstractSocket::errorOccurred()`.
   */
  signals[SIGNAL_ERROR_OCCURRED] = g_signal_new_class_handler ("error-occurred", G_TYPE_FROM_CLASS (klass),
                                                               G_SIGNAL_RUN_FIRST, G_CALLBACK (tell_observer_error),
                                                               NULL, NULL, NULL, G_TYPE_NONE, 1,
                                                               QSSL_TYPE_SOCKET_ERROR);
  /**
   * QsslSocket::ready-read:
   * @self: the socket
   *
   * New data can be read (emitted once per batch). Mirrors `QIODevice::readyRead()`.
   */
  signals[SIGNAL_READY_READ] = g_signal_new ("ready-read", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                             0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /**
   * QsslSocket::bytes-written:
   * @self: the socket
   * @bytes: plaintext bytes accepted for sending since the last emission
   *
   * Mirrors `QIODevice::bytesWritten()`.
   */
  signals[SIGNAL_BYTES_WRITTEN] = g_signal_new ("bytes-written", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                                0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT64);
  /**
   * QsslSocket::read-channel-finished:
   * @self: the socket
   *
   * The peer closed its side cleanly; what is buffered can still be read.
   * Mirrors `QIODevice::readChannelFinished()`.
   */
  signals[SIGNAL_READ_CHANNEL_FINISHED] = g_signal_new ("read-channel-finished", G_TYPE_FROM_CLASS (klass),
                                                        G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                                        G_TYPE_NONE, 0);
  /**
   * QsslSocket::about-to-close:
   * @self: the socket
   *
   * [method@Qssl.Socket.close] was called. Mirrors `QIODevice::aboutToClose()`.
   */
  signals[SIGNAL_ABOUT_TO_CLOSE] = g_signal_new ("about-to-close", G_TYPE_FROM_CLASS (klass),
                                                 G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);

#ifdef QSSL_ENABLE_THREAD_CHECKS
  for (guint i = 0; i < N_SIGNALS; i++)
    g_signal_add_emission_hook (signals[i], 0, check_emission_thread, NULL, NULL);
#endif
}

static void
qssl_socket_init (QsslSocket *self)
{
  static guint last_trace_id;

  _qssl_init ();
  self->trace_id = g_atomic_int_add (&last_trace_id, 1) + 1;
  self->context = g_main_context_ref_thread_default ();
#ifdef QSSL_ENABLE_THREAD_CHECKS
  self->owner_thread = g_thread_self ();
#endif
  self->close_timeout = QSSL_SOCKET_DEFAULT_CLOSE_TIMEOUT;
  self->configuration = qssl_configuration_get_default ();
  self->handshake_errors = _qssl_error_list_new ();
  self->ocsp_responses = g_ptr_array_new_with_free_func (g_object_unref);
  self->read_buffer = _qssl_buffer_new ();
  self->write_buffer = _qssl_buffer_new ();
  self->network_protocol = QSSL_NETWORK_LAYER_PROTOCOL_ANY_IP;
  self->error = QSSL_SOCKET_ERROR_UNKNOWN_SOCKET;
}

/**
 * qssl_socket_new:
 *
 * An unconnected socket, ready for signal handlers and settings before it
 * connects. It starts with a copy of the default configuration
 * ([func@Qssl.Configuration.get_default]).
 *
 * Mirrors `QSslSocket::QSslSocket()`.
 *
 * Returns: (transfer full): a new socket
 *
 * Since: 1.0
 */
QsslSocket *
qssl_socket_new (void)
{
  return g_object_new (QSSL_TYPE_SOCKET, NULL);
}

/**
 * qssl_socket_new_from_socket:
 * @socket: a connected #GSocket, such as one a #GSocketListener accepted
 * @error: return location for a #GError
 *
 * A socket in the connected state over @socket, in plain mode: call
 * [method@Qssl.Socket.start_server_encryption] (the server side) or
 * [method@Qssl.Socket.start_client_encryption] (STARTTLS) next.
 *
 * Mirrors `QSslSocket::setSocketDescriptor()`, the GIO way.
 *
 * Returns: (transfer full): the socket, or %NULL with @error set when
 *   @socket is not connected
 *
 * Since: 1.0
 */
QsslSocket *
qssl_socket_new_from_socket (GSocket  *socket,
                             GError  **error)
{
  g_return_val_if_fail (G_IS_SOCKET (socket), NULL);

  _qssl_init ();
  if (!g_socket_is_connected (socket))
    {
      g_set_error_literal (error, QSSL_SOCKET_ERROR, QSSL_SOCKET_ERROR_OPERATION,
                           _("The socket is not connected"));
      return NULL;
    }
  return _qssl_socket_new_accepted (socket, NULL);
}

QsslSocket *
_qssl_socket_new_accepted (GSocket   *socket,
                           QsslWatch *watch)
{
  QsslSocket *self;

  g_socket_set_blocking (socket, FALSE);
  self = g_object_new (QSSL_TYPE_SOCKET, "socket", socket, NULL);
  self->state = QSSL_SOCKET_STATE_CONNECTED;
  if (watch != NULL)
    _qssl_socket_adopt_watch (self, watch);
  _qssl_socket_watch (self, G_IO_IN);
  return self;
}

/**
 * qssl_socket_set_socket_descriptor:
 * @self: a #QsslSocket
 * @fd: a connected TCP socket's file descriptor; the socket takes it over
 * @state: the state to enter, normally %QSSL_SOCKET_STATE_CONNECTED
 * @error: return location for a #GError
 *
 * Adopts an already connected socket, as Qt's `incomingConnection()`
 * example does; any previous connection is dropped.
 *
 * Mirrors `QSslSocket::setSocketDescriptor()`.
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
qssl_socket_set_socket_descriptor (QsslSocket       *self,
                                   int               fd,
                                   QsslSocketState   state,
                                   GError          **error)
{
  g_autoptr(GSocket) socket = NULL;
  guint connection;

  g_return_val_if_fail (QSSL_IS_SOCKET (self), FALSE);

  socket = g_socket_new_from_fd (fd, error);
  if (socket == NULL)
    return FALSE;
  _qssl_socket_enter (self);
  _qssl_socket_reset_connection (self);
  g_socket_set_blocking (socket, FALSE);
  connection = _qssl_socket_connection (self);
  _qssl_socket_replace_gsocket (self, socket);
  /* A notify::socket handler may have moved on already. */
  if (_qssl_socket_same_connection (self, connection))
    {
      _qssl_socket_set_mode (self, QSSL_MODE_UNENCRYPTED);
      _qssl_socket_set_state (self, state);
      if (state == QSSL_SOCKET_STATE_CONNECTED && self->state == QSSL_SOCKET_STATE_CONNECTED)
        _qssl_socket_watch (self, G_IO_IN);
    }
  _qssl_socket_leave (self);
  return TRUE;
}

/* The handshake (qssl-engine.c does the work) */

/**
 * qssl_socket_start_client_encryption:
 * @self: a connected #QsslSocket in plain mode
 *
 * Starts the TLS handshake as a client on an established connection (the
 * STARTTLS step). When the socket is not connected or not in plain mode it
 * does nothing else than report %QSSL_SOCKET_ERROR_OPERATION with
 * #QsslSocket::error-occurred (Qt only logs a warning); an established
 * connection is not affected.
 *
 * Mirrors `QSslSocket::startClientEncryption()`.
 *
 * Since: 1.0
 */
void
qssl_socket_start_client_encryption (QsslSocket *self)
{
  g_return_if_fail (QSSL_IS_SOCKET (self));

  _qssl_socket_enter (self);
  if (can_start_encryption (self))
    _qssl_engine_start (self, QSSL_MODE_SSL_CLIENT);
  _qssl_socket_leave (self);
}

/**
 * qssl_socket_start_server_encryption:
 * @self: a connected #QsslSocket in plain mode, with a local certificate and
 *   private key
 *
 * Starts the TLS handshake as a server on an accepted connection. When the
 * socket is not connected or not in plain mode it only reports
 * %QSSL_SOCKET_ERROR_OPERATION, as qssl_socket_start_client_encryption()
 * does; a private key that does not belong to the certificate fails with
 * %QSSL_SOCKET_ERROR_SSL_INVALID_USER_DATA.
 *
 * Mirrors `QSslSocket::startServerEncryption()`.
 *
 * Since: 1.0
 */
void
qssl_socket_start_server_encryption (QsslSocket *self)
{
  g_return_if_fail (QSSL_IS_SOCKET (self));

  _qssl_socket_enter (self);
  /* Behind a balancer, the handshake begins once its header is read. */
  if (!can_start_encryption (self))
    ;
  else if (self->proxy_reader != NULL)
    self->proxy_start_pending = TRUE;
  else
    _qssl_engine_start (self, QSSL_MODE_SSL_SERVER);
  _qssl_socket_leave (self);
}

/**
 * qssl_socket_ignore_ssl_errors:
 * @self: a #QsslSocket
 *
 * Lets the handshake go on despite verification errors: called in a
 * #QsslSocket::ssl-errors handler it holds for that handshake; called before
 * connecting it holds for the next one only, never for later connections.
 * It accepts every error even when a list given to
 * [method@Qssl.Socket.ignore_ssl_errors_list] does not cover them (Qt's
 * code lets such a list take precedence; its documentation does not).
 * Use with care: the peer's identity is then not established.
 *
 * Mirrors `QSslSocket::ignoreSslErrors()`.
 *
 * Since: 1.0
 */
void
qssl_socket_ignore_ssl_errors (QsslSocket *self)
{
  g_return_if_fail (QSSL_IS_SOCKET (self));

  if (self->handshaking)
    self->ignore_all = TRUE;
  else
    self->ignore_all_next = TRUE;
}

/**
 * qssl_socket_ignore_ssl_errors_list:
 * @self: a #QsslSocket
 * @errors: (element-type QsslError): the errors to expect (code and certificate)
 *
 * Ignores exactly these errors: the handshake goes on only if every error
 * found is in @errors. Replaces an earlier list; an empty list clears it.
 * Unlike [method@Qssl.Socket.ignore_ssl_errors], the list is kept for later
 * connections of this socket, as in Qt; it can be given before connecting
 * or from a #QsslSocket::ssl-errors handler.
 *
 * Mirrors `QSslSocket::ignoreSslErrors(const QList<QSslError> &)`.
 *
 * Since: 1.0
 */
void
qssl_socket_ignore_ssl_errors_list (QsslSocket *self,
                                    GPtrArray  *errors)
{
  g_return_if_fail (QSSL_IS_SOCKET (self));
  g_return_if_fail (errors != NULL);

  g_clear_pointer (&self->ignore_list, g_ptr_array_unref);
  self->ignore_list = _qssl_error_list_new ();
  for (guint i = 0; i < errors->len; i++)
    g_ptr_array_add (self->ignore_list, qssl_error_copy (g_ptr_array_index (errors, i)));
}

/**
 * qssl_socket_continue_interrupted_handshake:
 * @self: a #QsslSocket
 *
 * Called from a #QsslSocket::handshake-interrupted-on-error handler, lets
 * the handshake go on past that error (for example, a certificate the user
 * has trusted before).
 *
 * Mirrors `QSslSocket::continueInterruptedHandshake()`.
 *
 * Since: 1.0
 */
void
qssl_socket_continue_interrupted_handshake (QsslSocket *self)
{
  g_return_if_fail (QSSL_IS_SOCKET (self));

  self->continue_interrupted = TRUE;
}

/**
 * qssl_socket_get_ssl_handshake_errors:
 * @self: a #QsslSocket
 *
 * The errors found in the last handshake.
 *
 * Mirrors `QSslSocket::sslHandshakeErrors()`.
 *
 * Returns: (transfer container) (element-type QsslError): the errors
 *
 * Since: 1.0
 */
GPtrArray *
qssl_socket_get_ssl_handshake_errors (QsslSocket *self)
{
  GPtrArray *copy;

  g_return_val_if_fail (QSSL_IS_SOCKET (self), NULL);

  copy = _qssl_error_list_new ();
  for (guint i = 0; i < self->handshake_errors->len; i++)
    g_ptr_array_add (copy, qssl_error_copy (g_ptr_array_index (self->handshake_errors, i)));
  return copy;
}

/**
 * qssl_socket_get_ocsp_responses:
 * @self: a #QsslSocket
 *
 * The OCSP responses the server stapled in the last handshake and that
 * were checked (only when [method@Qssl.Configuration.set_ocsp_stapling_enabled]
 * is on, on a client that verifies its peer). Problems with them are
 * reported as #QsslError values through #QsslSocket::ssl-errors.
 *
 * Mirrors `QSslSocket::ocspResponses()`.
 *
 * Returns: (transfer container) (element-type QsslOcspResponse): the
 *   responses, possibly none
 *
 * Since: 1.0
 */
GPtrArray *
qssl_socket_get_ocsp_responses (QsslSocket *self)
{
  GPtrArray *responses;

  g_return_val_if_fail (QSSL_IS_SOCKET (self), NULL);

  responses = g_ptr_array_new_full (self->ocsp_responses->len, g_object_unref);
  for (guint i = 0; i < self->ocsp_responses->len; i++)
    g_ptr_array_add (responses, g_object_ref (g_ptr_array_index (self->ocsp_responses, i)));
  return responses;
}

/**
 * qssl_socket_is_session_resumed:
 * @self: a #QsslSocket
 *
 * Whether the last handshake resumed an earlier TLS session (an
 * abbreviated handshake, from a session ticket or a session shared by
 * sockets of the same configuration) instead of a full one.
 *
 * libqssl addition: Qt has no way to ask.
 *
 * Returns: %TRUE if the session was resumed
 *
 * Since: 1.0
 */
gboolean
qssl_socket_is_session_resumed (QsslSocket *self)
{
  g_return_val_if_fail (QSSL_IS_SOCKET (self), FALSE);

  return self->session_resumed;
}

/**
 * qssl_socket_resume:
 * @self: a #QsslSocket paused after #QsslSocket::ssl-errors
 *
 * Continues a handshake paused by %QSSL_PAUSE_MODES_ON_SSL_ERRORS: if the
 * errors were ignored meanwhile the socket becomes encrypted, otherwise it
 * fails.
 *
 * Mirrors `QAbstractSocket::resume()`.
 *
 * Since: 1.0
 */
void
qssl_socket_resume (QsslSocket *self)
{
  g_return_if_fail (QSSL_IS_SOCKET (self));

  _qssl_socket_enter (self);
  _qssl_engine_resume (self);
  _qssl_socket_leave (self);
}

/**
 * qssl_socket_get_pause_mode:
 * @self: a #QsslSocket
 *
 * When the socket pauses. Mirrors `QAbstractSocket::pauseMode()`.
 *
 * Returns: the pause mode
 *
 * Since: 1.0
 */
QsslPauseModes
qssl_socket_get_pause_mode (QsslSocket *self)
{
  g_return_val_if_fail (QSSL_IS_SOCKET (self), QSSL_PAUSE_MODES_NEVER);

  return self->pause_mode;
}

/**
 * qssl_socket_set_pause_mode:
 * @self: a #QsslSocket
 * @pause_mode: %QSSL_PAUSE_MODES_ON_SSL_ERRORS to pause after
 *   #QsslSocket::ssl-errors until [method@Qssl.Socket.resume], so the user
 *   can be asked without blocking
 *
 * Mirrors `QAbstractSocket::setPauseMode()`.
 *
 * Since: 1.0
 */
void
qssl_socket_set_pause_mode (QsslSocket     *self,
                            QsslPauseModes  pause_mode)
{
  g_return_if_fail (QSSL_IS_SOCKET (self));

  if (self->pause_mode == pause_mode)
    return;
  self->pause_mode = pause_mode;
  g_object_notify_by_pspec (G_OBJECT (self), _qssl_socket_properties[PROP_PAUSE_MODE]);
}

/**
 * qssl_socket_get_close_timeout:
 * @self: a #QsslSocket
 *
 * How long a GIO close waits for the peer: see #QsslSocket:close-timeout.
 *
 * Returns: the deadline, in milliseconds
 *
 * Since: 1.0
 */
int
qssl_socket_get_close_timeout (QsslSocket *self)
{
  g_return_val_if_fail (QSSL_IS_SOCKET (self), QSSL_SOCKET_DEFAULT_CLOSE_TIMEOUT);

  return self->close_timeout;
}

/**
 * qssl_socket_set_close_timeout:
 * @self: a #QsslSocket
 * @msecs: how long g_io_stream_close() and g_io_stream_close_async() wait
 *   for the peer to take the buffered data and the close_notify before
 *   they abort the connection and fail with %G_IO_ERROR_TIMED_OUT
 *
 * libqssl addition.
 *
 * Since: 1.0
 */
void
qssl_socket_set_close_timeout (QsslSocket *self,
                               int         msecs)
{
  g_return_if_fail (QSSL_IS_SOCKET (self));
  g_return_if_fail (msecs >= 0);

  if (self->close_timeout == msecs)
    return;
  self->close_timeout = msecs;
  g_object_notify_by_pspec (G_OBJECT (self), _qssl_socket_properties[PROP_CLOSE_TIMEOUT]);
}

/**
 * qssl_socket_get_idle_timeout:
 * @self: a #QsslSocket
 *
 * See #QsslSocket:idle-timeout.
 *
 * libqssl only.
 *
 * Returns: the idle timeout in milliseconds, 0 for none
 *
 * Since: 1.0
 */
int
qssl_socket_get_idle_timeout (QsslSocket *self)
{
  g_return_val_if_fail (QSSL_IS_SOCKET (self), 0);

  return self->idle_timeout;
}

/**
 * qssl_socket_set_idle_timeout:
 * @self: a #QsslSocket
 * @msecs: how long the connection may move no bytes before it is dropped
 *   with %QSSL_SOCKET_ERROR_SOCKET_TIMEOUT, 0 for no limit
 *
 * See #QsslSocket:idle-timeout. On a connected socket the period starts
 * now.
 *
 * libqssl only.
 *
 * Since: 1.0
 */
void
qssl_socket_set_idle_timeout (QsslSocket *self,
                              int         msecs)
{
  g_return_if_fail (QSSL_IS_SOCKET (self));
  g_return_if_fail (msecs >= 0);

  if (self->idle_timeout == msecs)
    return;
  self->idle_timeout = msecs;
  _qssl_socket_idle_update (self);
  g_object_notify_by_pspec (G_OBJECT (self), _qssl_socket_properties[PROP_IDLE_TIMEOUT]);
}

/* Reading and writing (qssl-socket-io.c does the work) */

/**
 * qssl_socket_write:
 * @self: a #QsslSocket
 * @data: (array length=size): the bytes to send
 * @size: how many
 *
 * Sends plaintext: encrypted once the socket is, raw in plain mode. Data
 * written before #QsslSocket::encrypted waits and is sent after it. As much
 * as the kernel takes goes out at once; #QsslSocket::bytes-written follows
 * from the main loop.
 *
 * Mirrors `QIODevice::write()`.
 *
 * Returns: @size, or -1 if the socket is not open for writing (not
 *   connected, or closing): qssl_socket_get_error() is then
 *   %QSSL_SOCKET_ERROR_OPERATION and the error string says which
 *
 * Since: 1.0
 */
gssize
qssl_socket_write (QsslSocket   *self,
                   const guint8 *data,
                   gsize         size)
{
  gsize sent = 0;

  g_return_val_if_fail (QSSL_IS_SOCKET (self), -1);
  g_return_val_if_fail (data != NULL || size == 0, -1);
  g_return_val_if_fail (size <= G_MAXSSIZE, -1);

  /* Qt logs "device not open"; the error string says it here. Recorded
   * without error-occurred, as Qt emits nothing either. */
  if (self->state == QSSL_SOCKET_STATE_UNCONNECTED)
    {
      _qssl_socket_record_error (self, QSSL_SOCKET_ERROR_OPERATION, _("Socket is not connected"));
      return -1;
    }
  if (self->pending_close)
    {
      _qssl_socket_record_error (self, QSSL_SOCKET_ERROR_OPERATION, _("Socket is closing"));
      return -1;
    }
  if (size == 0)
    return 0;
  if (self->write_buffer->len == 0 && _qssl_socket_can_send (self))
    {
      gboolean failed = FALSE;

      /* A failed send reports the error and closes, with handlers. */
      _qssl_socket_enter (self);
      /* OpenSSL returns after each record (partial writes): keep going
       * while the kernel takes them, so that only what it refuses is
       * copied into the write buffer. The records are gathered and sent
       * several per send(). */
      _qssl_socket_send_begin (self, size);
      while (sent < size)
        {
          gboolean would_block;
          gssize n = _qssl_socket_send_now (self, data + sent, size - sent, &would_block);

          if (n < 0)
            {
              failed = TRUE;
              break;
            }
          if (would_block || n == 0)
            break;
          sent += n;
        }
      if (!failed && !_qssl_socket_send_end (self))
        failed = TRUE;
      _qssl_socket_leave (self);
      if (failed)
        return -1;
      if (sent > 0)
        {
          self->pending_bytes_written += sent;
          _qssl_socket_schedule_emission (self);
        }
    }
  if (sent < size)
    {
      g_autoptr(GError) error = NULL;

      /* What the buffer cannot take is refused, never dropped unseen: the
       * caller gets a short count or -1. */
      if (!_qssl_buffer_append (self->write_buffer, data + sent, size - sent, &error))
        {
          _qssl_socket_record_error (self, QSSL_SOCKET_ERROR_SOCKET_RESOURCE, error->message);
          _qssl_socket_update_watch (self);
          return sent > 0 ? (gssize) sent : -1;
        }
    }
  _qssl_socket_update_watch (self);
  return size;
}

/**
 * qssl_socket_write_bytes:
 * @self: a #QsslSocket
 * @bytes: the bytes to send
 *
 * [method@Qssl.Socket.write] for a #GBytes.
 *
 * Mirrors `QIODevice::write(const QByteArray &)`.
 *
 * Returns: the number of bytes accepted, or -1
 *
 * Since: 1.0
 */
gssize
qssl_socket_write_bytes (QsslSocket *self,
                         GBytes     *bytes)
{
  gsize size;
  const guint8 *data;

  g_return_val_if_fail (bytes != NULL, -1);

  data = g_bytes_get_data (bytes, &size);
  return qssl_socket_write (self, data, size);
}

/**
 * qssl_socket_read:
 * @self: a #QsslSocket
 * @buffer: (array length=size) (element-type guint8) (out caller-allocates): where to put the data
 * @size: (in): the most to read, the size of @buffer
 *
 * Reads buffered plaintext without blocking.
 *
 * PyGObject and GJS cannot fill a buffer the caller allocates: there the
 * Python override and the GJS helper (`bindings/gjs/qssl.js`) make
 * `read(size)` return at most @size bytes, as
 * [method@Qssl.Socket.read_bytes] does.
 *
 * Mirrors `QIODevice::read(char *, qint64)`.
 *
 * Returns: the number of bytes read (0 when none is buffered), or -1 when the
 *   socket is closed and nothing is left
 *
 * Since: 1.0
 */
gssize
qssl_socket_read (QsslSocket *self,
                  guint8     *buffer,
                  gsize       size)
{
  gsize n;

  g_return_val_if_fail (QSSL_IS_SOCKET (self), -1);
  g_return_val_if_fail (buffer != NULL || size == 0, -1);

  n = MIN (size, _qssl_socket_buffered (self));
  if (n > 0)
    {
      memcpy (buffer, self->read_buffer->data + self->read_offset, n);
      self->read_offset += n;
      if (self->read_offset == self->read_buffer->len)
        {
          /* All read: give the storage back. A pump grows the buffer by
           * READ_CHUNK even for one byte, and an idle connection should
           * not keep that. */
          _qssl_buffer_clear (self->read_buffer, TRUE);
          self->read_offset = 0;
        }
    }
  if (n < size && _qssl_socket_reads_through (self) && !self->read_channel_finished && !self->deferred_finish &&
      self->openssl_depth == 0)
    n += _qssl_socket_read_directly (self, buffer + n, size - n);
  if (n == 0)
    return self->state == QSSL_SOCKET_STATE_UNCONNECTED && size > 0 ? -1 : 0;
  /* Room again: reading may resume (back-pressure released). */
  if (self->read_buffer_size > 0)
    _qssl_socket_update_watch (self);
  return n;
}

/**
 * qssl_socket_read_bytes:
 * @self: a #QsslSocket
 * @max_size: the most to read
 *
 * Reads up to @max_size buffered bytes.
 *
 * Mirrors `QIODevice::read(qint64)`.
 *
 * Returns: (transfer full): the bytes (possibly empty)
 *
 * Since: 1.0
 */
GBytes *
qssl_socket_read_bytes (QsslSocket *self,
                        gsize       max_size)
{
  gsize n;
  gssize got;
  guint8 *data;

  g_return_val_if_fail (QSSL_IS_SOCKET (self), NULL);

  n = MIN (max_size, _qssl_socket_available (self));
  data = g_malloc (n);
  got = qssl_socket_read (self, data, n);
  return g_bytes_new_take (data, MAX (got, 0));
}

/**
 * qssl_socket_read_all:
 * @self: a #QsslSocket
 *
 * Reads everything buffered.
 *
 * Mirrors `QIODevice::readAll()`.
 *
 * Returns: (transfer full): the bytes (possibly empty)
 *
 * Since: 1.0
 */
GBytes *
qssl_socket_read_all (QsslSocket *self)
{
  g_return_val_if_fail (QSSL_IS_SOCKET (self), NULL);

  return qssl_socket_read_bytes (self, _qssl_socket_available (self));
}

static gssize
line_length (QsslSocket *self)
{
  const guint8 *start, *newline;

  /* Lines need the bytes in one place. */
  if (_qssl_socket_held_plaintext (self) > 0)
    _qssl_socket_keep_held_plaintext (self, NULL);
  if (_qssl_socket_buffered (self) == 0)
    return -1;
  start = self->read_buffer->data + self->read_offset;
  newline = memchr (start, '\n', _qssl_socket_buffered (self));
  return newline ? newline - start + 1 : -1;
}

/**
 * qssl_socket_can_read_line:
 * @self: a #QsslSocket
 *
 * Whether a whole line (ending in '\n') is buffered.
 *
 * Mirrors `QIODevice::canReadLine()`.
 *
 * Returns: %TRUE if a line can be read
 *
 * Since: 1.0
 */
gboolean
qssl_socket_can_read_line (QsslSocket *self)
{
  g_return_val_if_fail (QSSL_IS_SOCKET (self), FALSE);

  return line_length (self) >= 0;
}

/**
 * qssl_socket_read_line:
 * @self: a #QsslSocket
 * @max_size: the longest line to return, 0 for no limit
 *
 * Reads one line, newline included; without a full line buffered, what is
 * buffered (up to @max_size).
 *
 * Mirrors `QIODevice::readLine()`.
 *
 * Returns: (transfer full): the line
 *
 * Since: 1.0
 */
GBytes *
qssl_socket_read_line (QsslSocket *self,
                       gsize       max_size)
{
  gssize length;

  g_return_val_if_fail (QSSL_IS_SOCKET (self), NULL);

  length = line_length (self);
  if (length < 0)
    length = _qssl_socket_buffered (self);
  if (max_size > 0)
    length = MIN ((gsize) length, max_size);
  return qssl_socket_read_bytes (self, length);
}

/**
 * qssl_socket_peek_bytes:
 * @self: a #QsslSocket
 * @max_size: the most to look at
 *
 * The next buffered bytes, left in the buffer.
 *
 * Mirrors `QIODevice::peek()`.
 *
 * Returns: (transfer full): the bytes
 *
 * Since: 1.0
 */
GBytes *
qssl_socket_peek_bytes (QsslSocket *self,
                        gsize       max_size)
{
  g_return_val_if_fail (QSSL_IS_SOCKET (self), NULL);

  if (_qssl_socket_held_plaintext (self) > 0)
    _qssl_socket_keep_held_plaintext (self, NULL);
  if (_qssl_socket_buffered (self) == 0)
    return g_bytes_new (NULL, 0);
  return g_bytes_new (self->read_buffer->data + self->read_offset, MIN (max_size, _qssl_socket_buffered (self)));
}

/**
 * qssl_socket_bytes_available:
 * @self: a #QsslSocket
 *
 * How much plaintext can be read now.
 *
 * Mirrors `QSslSocket::bytesAvailable()`.
 *
 * Returns: the number of bytes
 *
 * Since: 1.0
 */
gint64
qssl_socket_bytes_available (QsslSocket *self)
{
  g_return_val_if_fail (QSSL_IS_SOCKET (self), 0);

  return _qssl_socket_available (self);
}

/**
 * qssl_socket_bytes_to_write:
 * @self: a #QsslSocket
 *
 * How much written plaintext still waits to be sent.
 *
 * Mirrors `QSslSocket::bytesToWrite()`.
 *
 * Returns: the number of bytes
 *
 * Since: 1.0
 */
gint64
qssl_socket_bytes_to_write (QsslSocket *self)
{
  g_return_val_if_fail (QSSL_IS_SOCKET (self), 0);

  return self->write_buffer->len;
}

/**
 * qssl_socket_encrypted_bytes_available:
 * @self: a #QsslSocket
 *
 * How many bytes have arrived from the peer but are not decrypted yet: in
 * the kernel's receive queue, or read before STARTTLS and waiting for OpenSSL.
 *
 * Mirrors `QSslSocket::encryptedBytesAvailable()`.
 *
 * Returns: the number of bytes
 *
 * Since: 1.0
 */
gint64
qssl_socket_encrypted_bytes_available (QsslSocket *self)
{
  g_return_val_if_fail (QSSL_IS_SOCKET (self), 0);

  int queued = 0;

  if (self->ssl == NULL)
    return 0;
  if (ioctl (g_socket_get_fd (_qssl_socket_gsocket (self)), FIONREAD, &queued) < 0)
    queued = 0;
  return (gint64) queued + (gint64) BIO_ctrl_pending (SSL_get_rbio (self->ssl));
}

/**
 * qssl_socket_encrypted_bytes_to_write:
 * @self: a #QsslSocket
 *
 * How many bytes wait to be encrypted and sent.
 *
 * Mirrors `QSslSocket::encryptedBytesToWrite()`.
 *
 * Returns: the number of bytes
 *
 * Since: 1.0
 */
gint64
qssl_socket_encrypted_bytes_to_write (QsslSocket *self)
{
  g_return_val_if_fail (QSSL_IS_SOCKET (self), 0);

  return self->encrypted ? _qssl_socket_write_pending (self) : 0;
}

/**
 * qssl_socket_at_end:
 * @self: a #QsslSocket
 *
 * Whether nothing is buffered and nothing more can arrive.
 *
 * Mirrors `QSslSocket::atEnd()`.
 *
 * Returns: %TRUE at the end
 *
 * Since: 1.0
 */
gboolean
qssl_socket_at_end (QsslSocket *self)
{
  g_return_val_if_fail (QSSL_IS_SOCKET (self), TRUE);

  return _qssl_socket_available (self) == 0 &&
         (self->read_channel_finished || self->state == QSSL_SOCKET_STATE_UNCONNECTED);
}

/**
 * qssl_socket_flush:
 * @self: a #QsslSocket
 *
 * Sends as much buffered data as the kernel takes now, without blocking.
 *
 * Mirrors `QAbstractSocket::flush()`.
 *
 * Returns: %TRUE if something was sent
 *
 * Since: 1.0
 */
gboolean
qssl_socket_flush (QsslSocket *self)
{
  gint64 before;
  gboolean progress;

  g_return_val_if_fail (QSSL_IS_SOCKET (self), FALSE);

  before = self->write_buffer->len;
  _qssl_socket_enter (self);
  _qssl_socket_pump_write (self);
  progress = (gint64) self->write_buffer->len < before;
  _qssl_socket_leave (self);
  return progress;
}

/**
 * qssl_socket_get_read_buffer_size:
 * @self: a #QsslSocket
 *
 * The read buffer limit. Mirrors `QAbstractSocket::readBufferSize()`.
 *
 * Returns: the limit in bytes, 0 for none
 *
 * Since: 1.0
 */
gint64
qssl_socket_get_read_buffer_size (QsslSocket *self)
{
  g_return_val_if_fail (QSSL_IS_SOCKET (self), 0);

  return self->read_buffer_size;
}

/**
 * qssl_socket_set_read_buffer_size:
 * @self: a #QsslSocket
 * @size: the most plaintext to hold unread, 0 for no limit
 *
 * Bounds memory: when the buffer is full the socket stops reading, so the
 * peer is slowed down by TCP; nothing is lost.
 *
 * Mirrors `QAbstractSocket::setReadBufferSize()`.
 *
 * Since: 1.0
 */
void
qssl_socket_set_read_buffer_size (QsslSocket *self,
                                  gint64      size)
{
  g_return_if_fail (QSSL_IS_SOCKET (self));
  g_return_if_fail (size >= 0);

  if (self->read_buffer_size == size)
    return;
  /* A bound counts the socket's buffer: what OpenSSL holds goes there. */
  if (size > 0 && self->read_buffer_size == 0 && self->ssl != NULL && self->openssl_depth == 0)
    _qssl_socket_keep_held_plaintext (self, NULL);
  self->read_buffer_size = size;
  g_object_notify_by_pspec (G_OBJECT (self), _qssl_socket_properties[PROP_READ_BUFFER_SIZE]);
  _qssl_socket_update_watch (self);
}

/* Closing */

/* A graceful close reads at most this much that nobody will read. */
#define DRAIN_LIMIT (1024 * 1024)

/* close(2) on a TCP socket with unread bytes in its receive queue sends an
 * RST instead of a FIN, and the kernel throws away what it had not sent
 * yet: the peer could lose our last data and the close_notify, and sees a
 * reset. Unread bytes are common: the session tickets a TLS 1.3 server
 * sends after the handshake, or data the application did not read. A
 * graceful close reads and discards them first (they could not be read
 * once the connection is gone anyway). Bounded, so that a peer that keeps
 * sending cannot hold the close; that peer gets the reset. */
static void
drain_received (QsslSocket *self)
{
  int fd = g_socket_get_fd (_qssl_socket_gsocket (self));
  char scratch[16384];
  gsize total = 0;

  if (fd < 0)
    return;
  while (total < DRAIN_LIMIT)
    {
      ssize_t n = recv (fd, scratch, sizeof scratch, MSG_DONTWAIT);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      total += (gsize) n;
    }
  if (total > 0)
    _qssl_socket_trace (self, "discarded %" G_GSIZE_FORMAT " unread bytes before closing", total);
}

/* Drops the connection; with @send_close_notify, tells the peer first (if
 * the kernel has room for it) and closes with a FIN. */
void
_qssl_socket_close_connection (QsslSocket *self,
                               gboolean    send_close_notify)
{
  QsslSocketState previous = self->state;
  gboolean was_encrypted = self->encrypted;
  GQueue tasks = G_QUEUE_INIT;
  GArray *alerts;
  guint connection = _qssl_socket_enter (self);

  _qssl_socket_trace (self, "closing the connection%s", send_close_notify ? " with close_notify" : "");
  if (send_close_notify)
    _qssl_engine_send_close_notify (self);
  if (previous == QSSL_SOCKET_STATE_CONNECTED)
    {
      _qssl_socket_set_state (self, QSSL_SOCKET_STATE_CLOSING);
      /* A handler closed the connection itself (say, abort() in
       * state-changed): it has said disconnected already. */
      if (!self->disposing && !_qssl_socket_same_connection (self, connection))
        goto out;
    }
  _qssl_socket_reset_connection (self);
  connection = _qssl_socket_connection (self);
  if (send_close_notify)
    drain_received (self);
  g_socket_close (_qssl_socket_gsocket (self), NULL);
  self->encrypted = FALSE;
  /* Everything below reports this connection's end: what a handler starts
   * meanwhile (a reconnect) is not affected. */
  tasks = self->handshake_tasks;
  g_queue_init (&self->handshake_tasks);
  alerts = g_steal_pointer (&self->pending_alerts);
  if (was_encrypted && !self->disposing)
    g_object_notify_by_pspec (G_OBJECT (self), _qssl_socket_properties[PROP_IS_ENCRYPTED]);
  _qssl_socket_set_state (self, QSSL_SOCKET_STATE_UNCONNECTED);
  if ((previous == QSSL_SOCKET_STATE_CONNECTED || previous == QSSL_SOCKET_STATE_CLOSING) &&
      !self->disposing && _qssl_socket_same_connection (self, connection) &&
      self->state == QSSL_SOCKET_STATE_UNCONNECTED)
    g_signal_emit (self, _qssl_socket_signals[SIGNAL_DISCONNECTED], 0);
  if (!g_queue_is_empty (&tasks))
    {
      g_autoptr(GError) error = g_error_new_literal (QSSL_SOCKET_ERROR, QSSL_SOCKET_ERROR_REMOTE_HOST_CLOSED,
                                                     _("The connection was closed before the handshake finished"));

      _qssl_socket_complete_taken_tasks (&tasks, error);
    }
  /* The close_notify we sent, if any, unless a handler moved on. */
  if (alerts != NULL && _qssl_socket_same_connection (self, connection) && self->pending_alerts == NULL)
    {
      self->pending_alerts = alerts;
      _qssl_engine_flush_alerts (self);
    }
  else if (alerts != NULL)
    g_array_unref (alerts);
out:
  _qssl_socket_leave (self);
}

void
_qssl_socket_maybe_finish_close (QsslSocket *self)
{
  guint connection = _qssl_socket_connection (self);

  self->pending_close = FALSE;
  /* Emit the last bytes-written before the socket goes away. */
  if (_qssl_socket_emission_scheduled (self))
    {
      _qssl_socket_emit_later (self);
      if (!_qssl_socket_same_connection (self, connection))
        return;
    }
  if (!_qssl_engine_send_close_notify (self))
    {
      /* No room for close_notify: wait for it as for buffered data. */
      self->pending_close = TRUE;
      if (self->state == QSSL_SOCKET_STATE_CONNECTED)
        _qssl_socket_set_state (self, QSSL_SOCKET_STATE_CLOSING);
      if (_qssl_socket_same_connection (self, connection))
        _qssl_socket_update_watch (self);
      return;
    }
  _qssl_socket_close_connection (self, TRUE);
}

static void
disconnect (QsslSocket *self)
{
  guint connection;

  switch (self->state)
    {
    case QSSL_SOCKET_STATE_UNCONNECTED:
    case QSSL_SOCKET_STATE_CLOSING:
      return;
    case QSSL_SOCKET_STATE_HOST_LOOKUP:
    case QSSL_SOCKET_STATE_CONNECTING:
      _qssl_socket_reset_connection (self);
      _qssl_socket_set_state (self, QSSL_SOCKET_STATE_UNCONNECTED);
      return;
    default:
      break;
    }
  if (_qssl_socket_write_pending (self) > 0 && _qssl_socket_can_send (self))
    {
      connection = _qssl_socket_connection (self);
      self->pending_close = TRUE;
      _qssl_socket_set_state (self, QSSL_SOCKET_STATE_CLOSING);
      if (_qssl_socket_same_connection (self, connection))
        _qssl_socket_update_watch (self);
      return;
    }
  _qssl_socket_maybe_finish_close (self);
}

/**
 * qssl_socket_disconnect_from_host:
 * @self: a #QsslSocket
 *
 * Closes gracefully: sends what is buffered (state CLOSING meanwhile), then
 * close_notify (waiting, still CLOSING, while the kernel has no room for
 * it), then closes; #QsslSocket::disconnected follows. Bytes that arrived
 * but were never decrypted (such as TLS 1.3 session tickets) are discarded
 * first, so that the peer sees the end of the stream rather than a reset.
 *
 * Mirrors `QSslSocket::disconnectFromHost()`.
 *
 * Since: 1.0
 */
void
qssl_socket_disconnect_from_host (QsslSocket *self)
{
  g_return_if_fail (QSSL_IS_SOCKET (self));

  _qssl_socket_enter (self);
  disconnect (self);
  _qssl_socket_leave (self);
}

/**
 * qssl_socket_abort:
 * @self: a #QsslSocket
 *
 * Drops the connection at once, discarding unsent data. Safe in any signal
 * handler; in a handshake handler it stops the handshake.
 *
 * Mirrors `QAbstractSocket::abort()`.
 *
 * Since: 1.0
 */
void
qssl_socket_abort (QsslSocket *self)
{
  g_return_if_fail (QSSL_IS_SOCKET (self));

  if (self->state == QSSL_SOCKET_STATE_UNCONNECTED)
    {
      _qssl_socket_reset_connection (self);
      return;
    }
  _qssl_socket_enter (self);
  _qssl_socket_close_connection (self, FALSE);
  _qssl_socket_leave (self);
}

/**
 * qssl_socket_close:
 * @self: a #QsslSocket
 *
 * Emits #QsslSocket::about-to-close, then disconnects gracefully and drops
 * buffered input.
 *
 * Mirrors `QSslSocket::close()`.
 *
 * Since: 1.0
 */
void
qssl_socket_close (QsslSocket *self)
{
  g_return_if_fail (QSSL_IS_SOCKET (self));

  _qssl_socket_enter (self);
  g_signal_emit (self, _qssl_socket_signals[SIGNAL_ABOUT_TO_CLOSE], 0);
  disconnect (self);
  _qssl_buffer_clear (self->read_buffer, TRUE);
  self->read_offset = 0;
  _qssl_socket_leave (self);
}

/* State */

/**
 * qssl_socket_get_state:
 * @self: a #QsslSocket
 *
 * The connection state. Mirrors `QAbstractSocket::state()`.
 *
 * Returns: the state
 *
 * Since: 1.0
 */
QsslSocketState
qssl_socket_get_state (QsslSocket *self)
{
  g_return_val_if_fail (QSSL_IS_SOCKET (self), QSSL_SOCKET_STATE_UNCONNECTED);

  return self->state;
}

/**
 * qssl_socket_get_error:
 * @self: a #QsslSocket
 *
 * The last error. Mirrors `QAbstractSocket::error()`.
 *
 * Returns: the error, %QSSL_SOCKET_ERROR_UNKNOWN_SOCKET if none happened
 *
 * Since: 1.0
 */
QsslSocketError
qssl_socket_get_error (QsslSocket *self)
{
  g_return_val_if_fail (QSSL_IS_SOCKET (self), QSSL_SOCKET_ERROR_UNKNOWN_SOCKET);

  return self->error;
}

/**
 * qssl_socket_get_error_string:
 * @self: a #QsslSocket
 *
 * A translated description of the last error. Mirrors `QIODevice::errorString()`.
 *
 * Returns: the description ("Unknown error" if none happened)
 *
 * Since: 1.0
 */
const char *
qssl_socket_get_error_string (QsslSocket *self)
{
  g_return_val_if_fail (QSSL_IS_SOCKET (self), NULL);

  return self->error_string ? self->error_string : _("Unknown error");
}

/**
 * qssl_socket_get_peer_name:
 * @self: a #QsslSocket
 *
 * The host name given to connect. Mirrors `QAbstractSocket::peerName()`.
 *
 * A socket accepted by a [class@Qssl.Server] has none, unless the server
 * reads a PROXY protocol header (see [property@Qssl.Server:proxy-protocol]):
 * then it is the original client's address, as text.
 *
 * Returns: (nullable): the name
 *
 * Since: 1.0
 */
const char *
qssl_socket_get_peer_name (QsslSocket *self)
{
  g_return_val_if_fail (QSSL_IS_SOCKET (self), NULL);

  return self->host_name != NULL ? self->host_name : self->proxy_peer_name;
}

static GInetSocketAddress *
socket_address (QsslSocket *self,
                gboolean    remote)
{
  GSocketAddress *address;

  if (self->state != QSSL_SOCKET_STATE_CONNECTED && self->state != QSSL_SOCKET_STATE_CLOSING)
    return NULL;
  if (remote && self->proxy_peer != NULL)
    return g_object_ref (self->proxy_peer);
  address = remote ? g_socket_get_remote_address (_qssl_socket_gsocket (self), NULL)
                   : g_socket_get_local_address (_qssl_socket_gsocket (self), NULL);
  if (address != NULL && !G_IS_INET_SOCKET_ADDRESS (address))
    g_clear_object (&address);
  return (GInetSocketAddress *) address;
}

/**
 * qssl_socket_get_peer_port:
 * @self: a #QsslSocket
 *
 * The peer's port when connected. Mirrors `QAbstractSocket::peerPort()`.
 *
 * Behind a balancer that sends a PROXY protocol header (see
 * [property@Qssl.Server:proxy-protocol]) it is the original client's;
 * g_socket_connection_get_remote_address() still gives the balancer's.
 *
 * Returns: the port, or 0
 *
 * Since: 1.0
 */
guint16
qssl_socket_get_peer_port (QsslSocket *self)
{
  g_autoptr(GInetSocketAddress) address = NULL;

  g_return_val_if_fail (QSSL_IS_SOCKET (self), 0);

  address = socket_address (self, TRUE);
  return address ? g_inet_socket_address_get_port (address) : 0;
}

/**
 * qssl_socket_get_peer_address:
 * @self: a #QsslSocket
 *
 * The peer's address when connected. Mirrors `QAbstractSocket::peerAddress()`.
 *
 * Behind a balancer that sends a PROXY protocol header (see
 * [property@Qssl.Server:proxy-protocol]) it is the original client's;
 * g_socket_connection_get_remote_address() still gives the balancer's.
 *
 * Returns: (transfer full) (nullable): the address
 *
 * Since: 1.0
 */
GInetAddress *
qssl_socket_get_peer_address (QsslSocket *self)
{
  g_autoptr(GInetSocketAddress) address = NULL;

  g_return_val_if_fail (QSSL_IS_SOCKET (self), NULL);

  address = socket_address (self, TRUE);
  return address ? g_object_ref (g_inet_socket_address_get_address (address)) : NULL;
}

/**
 * qssl_socket_get_local_address:
 * @self: a #QsslSocket
 *
 * This end's address when connected. Mirrors `QAbstractSocket::localAddress()`.
 *
 * Returns: (transfer full) (nullable): the address
 *
 * Since: 1.0
 */
GInetAddress *
qssl_socket_get_local_address (QsslSocket *self)
{
  g_autoptr(GInetSocketAddress) address = NULL;

  g_return_val_if_fail (QSSL_IS_SOCKET (self), NULL);

  address = socket_address (self, FALSE);
  return address ? g_object_ref (g_inet_socket_address_get_address (address)) : NULL;
}

/**
 * qssl_socket_get_local_port:
 * @self: a #QsslSocket
 *
 * This end's port when connected. Mirrors `QAbstractSocket::localPort()`.
 *
 * Returns: the port, or 0
 *
 * Since: 1.0
 */
guint16
qssl_socket_get_local_port (QsslSocket *self)
{
  g_autoptr(GInetSocketAddress) address = NULL;

  g_return_val_if_fail (QSSL_IS_SOCKET (self), 0);

  address = socket_address (self, FALSE);
  return address ? g_inet_socket_address_get_port (address) : 0;
}

/**
 * qssl_socket_set_socket_option:
 * @self: a #QsslSocket
 * @option: the option
 * @value: its value (0 or 1)
 *
 * Sets a TCP option on the connection. Mirrors `QSslSocket::setSocketOption()`.
 *
 * Unlike Qt, %QSSL_SOCKET_OPTION_LOW_DELAY is already 1 on a socket that
 * connected with [method@Qssl.Socket.connect_to_host] (and its encrypted
 * forms) and on one a [class@Qssl.Server] accepted: a small write goes out
 * without waiting for the peer's ACK, as with asyncio and nginx. Set it to
 * 0 (in the `connected` or the server's `started-encryption-handshake`
 * handler, or later) for Qt's behaviour. Adopted sockets keep their own.
 *
 * Since: 1.0
 */
void
qssl_socket_set_socket_option (QsslSocket       *self,
                               QsslSocketOption  option,
                               int               value)
{
  g_return_if_fail (QSSL_IS_SOCKET (self));

  /* Qt too ignores options set before there is a connection; the
   * placeholder GSocket has no descriptor to set them on. */
  if (g_socket_get_fd (_qssl_socket_gsocket (self)) < 0)
    return;
  if (option == QSSL_SOCKET_OPTION_KEEP_ALIVE)
    g_socket_set_keepalive (_qssl_socket_gsocket (self), value != 0);
  else
    g_socket_set_option (_qssl_socket_gsocket (self), IPPROTO_TCP, TCP_NODELAY, value != 0, NULL);
}

/**
 * qssl_socket_get_socket_option:
 * @self: a #QsslSocket
 * @option: the option
 *
 * Reads a TCP option. Mirrors `QSslSocket::socketOption()`.
 *
 * Returns: its value
 *
 * Since: 1.0
 */
int
qssl_socket_get_socket_option (QsslSocket       *self,
                               QsslSocketOption  option)
{
  int value = 0;

  g_return_val_if_fail (QSSL_IS_SOCKET (self), 0);

  if (option == QSSL_SOCKET_OPTION_KEEP_ALIVE)
    return g_socket_get_keepalive (_qssl_socket_gsocket (self));
  g_socket_get_option (_qssl_socket_gsocket (self), IPPROTO_TCP, TCP_NODELAY, &value, NULL);
  return value != 0;
}

/* TLS settings and session */

/**
 * qssl_socket_is_encrypted:
 * @self: a #QsslSocket
 *
 * Mirrors `QSslSocket::isEncrypted()`.
 *
 * Returns: %TRUE once the handshake succeeded
 *
 * Since: 1.0
 */
gboolean
qssl_socket_is_encrypted (QsslSocket *self)
{
  g_return_val_if_fail (QSSL_IS_SOCKET (self), FALSE);

  return self->encrypted;
}

/**
 * qssl_socket_get_mode:
 * @self: a #QsslSocket
 *
 * Mirrors `QSslSocket::mode()`.
 *
 * Returns: the mode
 *
 * Since: 1.0
 */
QsslMode
qssl_socket_get_mode (QsslSocket *self)
{
  g_return_val_if_fail (QSSL_IS_SOCKET (self), QSSL_MODE_UNENCRYPTED);

  return self->mode;
}

/**
 * qssl_socket_get_peer_verify_mode:
 * @self: a #QsslSocket
 *
 * Mirrors `QSslSocket::peerVerifyMode()`.
 *
 * Returns: the verify mode
 *
 * Since: 1.0
 */
QsslPeerVerifyMode
qssl_socket_get_peer_verify_mode (QsslSocket *self)
{
  g_return_val_if_fail (QSSL_IS_SOCKET (self), QSSL_PEER_VERIFY_MODE_AUTO_VERIFY_PEER);

  return qssl_configuration_get_peer_verify_mode (self->configuration);
}

/**
 * qssl_socket_set_peer_verify_mode:
 * @self: a #QsslSocket
 * @mode: the verify mode for the next handshake
 *
 * Mirrors `QSslSocket::setPeerVerifyMode()`.
 *
 * Since: 1.0
 */
void
qssl_socket_set_peer_verify_mode (QsslSocket         *self,
                                  QsslPeerVerifyMode  mode)
{
  g_return_if_fail (QSSL_IS_SOCKET (self));

  if (qssl_configuration_get_peer_verify_mode (self->configuration) == mode)
    return;
  qssl_configuration_set_peer_verify_mode (self->configuration, mode);
  g_object_notify_by_pspec (G_OBJECT (self), _qssl_socket_properties[PROP_PEER_VERIFY_MODE]);
}

/**
 * qssl_socket_get_peer_verify_depth:
 * @self: a #QsslSocket
 *
 * Mirrors `QSslSocket::peerVerifyDepth()`.
 *
 * Returns: the depth, 0 for no limit
 *
 * Since: 1.0
 */
int
qssl_socket_get_peer_verify_depth (QsslSocket *self)
{
  g_return_val_if_fail (QSSL_IS_SOCKET (self), 0);

  return qssl_configuration_get_peer_verify_depth (self->configuration);
}

/**
 * qssl_socket_set_peer_verify_depth:
 * @self: a #QsslSocket
 * @depth: the deepest chain accepted, 0 for no limit
 *
 * Mirrors `QSslSocket::setPeerVerifyDepth()`.
 *
 * Since: 1.0
 */
void
qssl_socket_set_peer_verify_depth (QsslSocket *self,
                                   int         depth)
{
  g_return_if_fail (QSSL_IS_SOCKET (self));

  if (depth < 0 || qssl_configuration_get_peer_verify_depth (self->configuration) == depth)
    {
      if (depth < 0)
        g_warning ("qssl_socket_set_peer_verify_depth: cannot set negative depth of %d", depth);
      return;
    }
  qssl_configuration_set_peer_verify_depth (self->configuration, depth);
  g_object_notify_by_pspec (G_OBJECT (self), _qssl_socket_properties[PROP_PEER_VERIFY_DEPTH]);
}

/**
 * qssl_socket_get_peer_verify_name:
 * @self: a #QsslSocket
 *
 * Mirrors `QSslSocket::peerVerifyName()`.
 *
 * Returns: (nullable): the name, if one was set
 *
 * Since: 1.0
 */
const char *
qssl_socket_get_peer_verify_name (QsslSocket *self)
{
  g_return_val_if_fail (QSSL_IS_SOCKET (self), NULL);

  return self->peer_verify_name;
}

/**
 * qssl_socket_set_peer_verify_name:
 * @self: a #QsslSocket
 * @host_name: (nullable): the name to verify the peer's certificate against
 *
 * Mirrors `QSslSocket::setPeerVerifyName()`.
 *
 * Since: 1.0
 */
void
qssl_socket_set_peer_verify_name (QsslSocket *self,
                                  const char *host_name)
{
  g_return_if_fail (QSSL_IS_SOCKET (self));

  if (g_strcmp0 (self->peer_verify_name, host_name) == 0)
    return;
  g_free (self->peer_verify_name);
  self->peer_verify_name = g_strdup (host_name);
  g_object_notify_by_pspec (G_OBJECT (self), _qssl_socket_properties[PROP_PEER_VERIFY_NAME]);
}

/**
 * qssl_socket_get_protocol:
 * @self: a #QsslSocket
 *
 * Mirrors `QSslSocket::protocol()`.
 *
 * Returns: the allowed protocol versions
 *
 * Since: 1.0
 */
QsslProtocol
qssl_socket_get_protocol (QsslSocket *self)
{
  g_return_val_if_fail (QSSL_IS_SOCKET (self), QSSL_PROTOCOL_UNKNOWN_PROTOCOL);

  return qssl_configuration_get_protocol (self->configuration);
}

/**
 * qssl_socket_set_protocol:
 * @self: a #QsslSocket
 * @protocol: the protocol versions for the next handshake
 *
 * Mirrors `QSslSocket::setProtocol()`.
 *
 * Since: 1.0
 */
void
qssl_socket_set_protocol (QsslSocket   *self,
                          QsslProtocol  protocol)
{
  g_return_if_fail (QSSL_IS_SOCKET (self));

  if (qssl_configuration_get_protocol (self->configuration) == protocol)
    return;
  qssl_configuration_set_protocol (self->configuration, protocol);
  g_object_notify_by_pspec (G_OBJECT (self), _qssl_socket_properties[PROP_PROTOCOL]);
}

/**
 * qssl_socket_get_local_certificate:
 * @self: a #QsslSocket
 *
 * Mirrors `QSslSocket::localCertificate()`.
 *
 * Returns: (transfer none) (nullable): the certificate presented to the peer
 *
 * Since: 1.0
 */
QsslCertificate *
qssl_socket_get_local_certificate (QsslSocket *self)
{
  g_return_val_if_fail (QSSL_IS_SOCKET (self), NULL);

  return qssl_configuration_get_local_certificate (self->configuration);
}

/**
 * qssl_socket_set_local_certificate:
 * @self: a #QsslSocket
 * @certificate: (nullable): the certificate to present
 *
 * Mirrors `QSslSocket::setLocalCertificate()`.
 *
 * Since: 1.0
 */
void
qssl_socket_set_local_certificate (QsslSocket      *self,
                                   QsslCertificate *certificate)
{
  g_return_if_fail (QSSL_IS_SOCKET (self));

  qssl_configuration_set_local_certificate (self->configuration, certificate);
  g_object_notify_by_pspec (G_OBJECT (self), _qssl_socket_properties[PROP_LOCAL_CERTIFICATE]);
}

/**
 * qssl_socket_set_local_certificate_from_path:
 * @self: a #QsslSocket
 * @path: (type filename): a certificate file
 * @format: its encoding
 * @error: return location for a #GError
 *
 * Mirrors `QSslSocket::setLocalCertificate(const QString &, QSsl::EncodingFormat)`.
 *
 * Returns: %TRUE if a certificate was read
 *
 * Since: 1.0
 */
gboolean
qssl_socket_set_local_certificate_from_path (QsslSocket          *self,
                                             const char          *path,
                                             QsslEncodingFormat   format,
                                             GError             **error)
{
  g_autoptr(GPtrArray) certificates = NULL;

  g_return_val_if_fail (QSSL_IS_SOCKET (self), FALSE);

  certificates = qssl_certificate_list_from_path (path, format, QSSL_PATTERN_SYNTAX_FIXED_STRING, error);
  if (certificates == NULL)
    return FALSE;
  if (certificates->len == 0)
    {
      g_set_error (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE,
                   _("No certificate could be read from %s"), path);
      return FALSE;
    }
  qssl_socket_set_local_certificate (self, g_ptr_array_index (certificates, 0));
  return TRUE;
}

/**
 * qssl_socket_get_local_certificate_chain:
 * @self: a #QsslSocket
 *
 * Mirrors `QSslSocket::localCertificateChain()`.
 *
 * Returns: (transfer container) (element-type QsslCertificate): the chain
 *
 * Since: 1.0
 */
GPtrArray *
qssl_socket_get_local_certificate_chain (QsslSocket *self)
{
  g_return_val_if_fail (QSSL_IS_SOCKET (self), NULL);

  return qssl_configuration_get_local_certificate_chain (self->configuration);
}

/**
 * qssl_socket_set_local_certificate_chain:
 * @self: a #QsslSocket
 * @chain: (element-type QsslCertificate): the local certificate, then intermediates
 *
 * Mirrors `QSslSocket::setLocalCertificateChain()`.
 *
 * Since: 1.0
 */
void
qssl_socket_set_local_certificate_chain (QsslSocket *self,
                                         GPtrArray  *chain)
{
  g_return_if_fail (QSSL_IS_SOCKET (self));

  qssl_configuration_set_local_certificate_chain (self->configuration, chain);
  g_object_notify_by_pspec (G_OBJECT (self), _qssl_socket_properties[PROP_LOCAL_CERTIFICATE]);
}

/**
 * qssl_socket_get_private_key:
 * @self: a #QsslSocket
 *
 * Mirrors `QSslSocket::privateKey()`.
 *
 * Returns: (transfer none) (nullable): the private key
 *
 * Since: 1.0
 */
QsslKey *
qssl_socket_get_private_key (QsslSocket *self)
{
  g_return_val_if_fail (QSSL_IS_SOCKET (self), NULL);

  return qssl_configuration_get_private_key (self->configuration);
}

/**
 * qssl_socket_set_private_key:
 * @self: a #QsslSocket
 * @key: (nullable): the key of the local certificate
 *
 * Mirrors `QSslSocket::setPrivateKey()`.
 *
 * Since: 1.0
 */
void
qssl_socket_set_private_key (QsslSocket *self,
                             QsslKey    *key)
{
  g_return_if_fail (QSSL_IS_SOCKET (self));

  qssl_configuration_set_private_key (self->configuration, key);
  g_object_notify_by_pspec (G_OBJECT (self), _qssl_socket_properties[PROP_PRIVATE_KEY]);
}

/**
 * qssl_socket_set_private_key_from_path:
 * @self: a #QsslSocket
 * @path: (type filename): a key file
 * @algorithm: its algorithm
 * @format: its encoding
 * @passphrase: (nullable): its passphrase
 * @error: return location for a #GError
 *
 * Mirrors `QSslSocket::setPrivateKey(const QString &, ...)`.
 *
 * Returns: %TRUE if the key was read
 *
 * Since: 1.0
 */
gboolean
qssl_socket_set_private_key_from_path (QsslSocket          *self,
                                       const char          *path,
                                       QsslKeyAlgorithm     algorithm,
                                       QsslEncodingFormat   format,
                                       const char          *passphrase,
                                       GError             **error)
{
  g_autoptr(QsslKey) key = NULL;

  g_return_val_if_fail (QSSL_IS_SOCKET (self), FALSE);

  key = qssl_key_new_from_path (path, algorithm, format, QSSL_KEY_TYPE_PRIVATE_KEY, passphrase, error);
  if (key == NULL)
    return FALSE;
  qssl_socket_set_private_key (self, key);
  return TRUE;
}

/**
 * qssl_socket_get_ssl_configuration:
 * @self: a #QsslSocket
 *
 * A copy of the socket's configuration with the session state of the last
 * handshake (peer chain, cipher, protocol).
 *
 * Mirrors `QSslSocket::sslConfiguration()`.
 *
 * Returns: (transfer full): the configuration
 *
 * Since: 1.0
 */
QsslConfiguration *
qssl_socket_get_ssl_configuration (QsslSocket *self)
{
  g_return_val_if_fail (QSSL_IS_SOCKET (self), NULL);

  return qssl_configuration_copy (self->configuration);
}

/**
 * qssl_socket_set_ssl_configuration:
 * @self: a #QsslSocket
 * @configuration: the settings for the next handshake
 *
 * Copies the settings of @configuration (not its session state).
 *
 * Mirrors `QSslSocket::setSslConfiguration()`.
 *
 * Since: 1.0
 */
void
qssl_socket_set_ssl_configuration (QsslSocket              *self,
                                   const QsslConfiguration *configuration)
{
  QsslConfiguration *copy;

  g_return_if_fail (QSSL_IS_SOCKET (self));
  g_return_if_fail (configuration != NULL);

  copy = qssl_configuration_copy (configuration);
  _qssl_configuration_clear_session_state (copy);
  if (self->configuration->peer_certificate_chain->len > 0)
    {
      /* Keep the state of a finished handshake readable. */
      for (guint i = 0; i < self->configuration->peer_certificate_chain->len; i++)
        g_ptr_array_add (copy->peer_certificate_chain,
                         g_object_ref (g_ptr_array_index (self->configuration->peer_certificate_chain, i)));
      g_set_object (&copy->session_cipher, self->configuration->session_cipher);
      copy->session_protocol = self->configuration->session_protocol;
    }
  qssl_configuration_free (self->configuration);
  self->configuration = copy;
  /* It replaces the socket's own configuration, not only a host's. */
  g_clear_pointer (&self->own_configuration, qssl_configuration_free);
  g_object_notify_by_pspec (G_OBJECT (self), _qssl_socket_properties[PROP_SSL_CONFIGURATION]);
}

/**
 * qssl_socket_get_peer_certificate:
 * @self: a #QsslSocket
 *
 * Mirrors `QSslSocket::peerCertificate()`.
 *
 * Returns: (transfer none) (nullable): the peer's certificate
 *
 * Since: 1.0
 */
QsslCertificate *
qssl_socket_get_peer_certificate (QsslSocket *self)
{
  g_return_val_if_fail (QSSL_IS_SOCKET (self), NULL);

  return qssl_configuration_get_peer_certificate (self->configuration);
}

/**
 * qssl_socket_get_peer_certificate_chain:
 * @self: a #QsslSocket
 *
 * Mirrors `QSslSocket::peerCertificateChain()`.
 *
 * Returns: (transfer container) (element-type QsslCertificate): the peer's chain
 *
 * Since: 1.0
 */
GPtrArray *
qssl_socket_get_peer_certificate_chain (QsslSocket *self)
{
  g_return_val_if_fail (QSSL_IS_SOCKET (self), NULL);

  return qssl_configuration_get_peer_certificate_chain (self->configuration);
}

/**
 * qssl_socket_get_session_cipher:
 * @self: a #QsslSocket
 *
 * Mirrors `QSslSocket::sessionCipher()`.
 *
 * Returns: (transfer none) (nullable): the negotiated cipher
 *
 * Since: 1.0
 */
QsslCipher *
qssl_socket_get_session_cipher (QsslSocket *self)
{
  g_return_val_if_fail (QSSL_IS_SOCKET (self), NULL);

  return qssl_configuration_get_session_cipher (self->configuration);
}

/**
 * qssl_socket_get_negotiated_group:
 * @self: a #QsslSocket
 *
 * The group of the last handshake's (EC)DHE key exchange, on either side:
 * "X25519" or "X448", else the name TLS gives it ("secp256r1" for P-256,
 * "secp384r1", "ffdhe2048", ...). Each is a name
 * [method@Qssl.Configuration.set_elliptic_curves] takes. %NULL before a
 * handshake, and after one without a key exchange (a resumed TLS 1.2
 * session, RSA key transport, a pre-shared key alone).
 *
 * libqssl only: Qt 6 has no counterpart.
 *
 * Returns: (transfer none) (nullable): the group's name, valid for the
 *   life of the process
 *
 * Since: 1.0
 */
const char *
qssl_socket_get_negotiated_group (QsslSocket *self)
{
  g_return_val_if_fail (QSSL_IS_SOCKET (self), NULL);

  return self->configuration->negotiated_group;
}

/**
 * qssl_socket_get_session_protocol:
 * @self: a #QsslSocket
 *
 * Mirrors `QSslSocket::sessionProtocol()`.
 *
 * Returns: the negotiated protocol version
 *
 * Since: 1.0
 */
QsslProtocol
qssl_socket_get_session_protocol (QsslSocket *self)
{
  g_return_val_if_fail (QSSL_IS_SOCKET (self), QSSL_PROTOCOL_UNKNOWN_PROTOCOL);

  return qssl_configuration_get_session_protocol (self->configuration);
}

/* The TLS library */

/**
 * qssl_socket_supports_ssl:
 *
 * Whether TLS is available. libqssl links OpenSSL at build time, so this is
 * always %TRUE; it exists for code ported from Qt.
 *
 * Mirrors `QSslSocket::supportsSsl()`.
 *
 * Returns: %TRUE
 *
 * Since: 1.0
 */
gboolean
qssl_socket_supports_ssl (void)
{
  return OPENSSL_init_ssl (0, NULL) == 1;
}

/**
 * qssl_socket_ssl_library_version_number:
 *
 * The version number of the OpenSSL library in use (`OpenSSL_version_num()`,
 * 0xMNN00PP0L).
 *
 * Mirrors `QSslSocket::sslLibraryVersionNumber()`.
 *
 * Returns: the version number
 *
 * Since: 1.0
 */
glong
qssl_socket_ssl_library_version_number (void)
{
  return (glong) OpenSSL_version_num ();
}

/**
 * qssl_socket_ssl_library_version_string:
 *
 * The version of the OpenSSL library in use, as it names itself
 * ("OpenSSL 3.0.11 19 Sep 2023").
 *
 * Mirrors `QSslSocket::sslLibraryVersionString()`.
 *
 * Returns: the version string
 *
 * Since: 1.0
 */
const char *
qssl_socket_ssl_library_version_string (void)
{
  return OpenSSL_version (OPENSSL_VERSION);
}

/**
 * qssl_socket_ssl_library_build_version_number:
 *
 * The version number of the OpenSSL headers libqssl was built against.
 *
 * Mirrors `QSslSocket::sslLibraryBuildVersionNumber()`.
 *
 * Returns: the version number
 *
 * Since: 1.0
 */
glong
qssl_socket_ssl_library_build_version_number (void)
{
  return (glong) OPENSSL_VERSION_NUMBER;
}

/**
 * qssl_socket_ssl_library_build_version_string:
 *
 * The version of the OpenSSL headers libqssl was built against.
 *
 * Mirrors `QSslSocket::sslLibraryBuildVersionString()`.
 *
 * Returns: the version string
 *
 * Since: 1.0
 */
const char *
qssl_socket_ssl_library_build_version_string (void)
{
  return OPENSSL_VERSION_TEXT;
}
