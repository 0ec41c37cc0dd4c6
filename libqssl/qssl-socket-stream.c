/* qssl-socket-stream.c: the GIOStream view of QsslSocket and its GIO async calls
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Plaintext through the same buffers as read() and write(), pollable,
 * and the GTask-based connect and handshake calls.
 */

#include "config.h"

#include "qssl.h"
#include "qssl-private.h"
#include "qssl-socket-io-private.h"
#include "qssl-socket-private.h"

/* The GIOStream view: plaintext through the same buffers */

/* The streams hold a weak reference: once the socket is gone, reading or
 * writing fails with G_IO_ERROR_CLOSED instead of touching freed memory. */

#define QSSL_TYPE_SOCKET_INPUT_STREAM (qssl_socket_input_stream_get_type ())
G_DECLARE_FINAL_TYPE (QsslSocketInputStream, qssl_socket_input_stream, QSSL, SOCKET_INPUT_STREAM, GInputStream)

struct _QsslSocketInputStream
{
  GInputStream  parent_instance;
  GWeakRef      socket;
};

static void qssl_socket_input_stream_pollable_init (GPollableInputStreamInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (QsslSocketInputStream, qssl_socket_input_stream, G_TYPE_INPUT_STREAM,
                               G_IMPLEMENT_INTERFACE (G_TYPE_POLLABLE_INPUT_STREAM,
                                                      qssl_socket_input_stream_pollable_init))

#define QSSL_TYPE_SOCKET_OUTPUT_STREAM (qssl_socket_output_stream_get_type ())
G_DECLARE_FINAL_TYPE (QsslSocketOutputStream, qssl_socket_output_stream, QSSL, SOCKET_OUTPUT_STREAM, GOutputStream)

struct _QsslSocketOutputStream
{
  GOutputStream  parent_instance;
  GWeakRef       socket;
};

static void qssl_socket_output_stream_pollable_init (GPollableOutputStreamInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (QsslSocketOutputStream, qssl_socket_output_stream, G_TYPE_OUTPUT_STREAM,
                               G_IMPLEMENT_INTERFACE (G_TYPE_POLLABLE_OUTPUT_STREAM,
                                                      qssl_socket_output_stream_pollable_init))

/* A pollable write may queue this much before it says "would block". */
#define STREAM_WRITE_HIGH_WATER (256 * 1024)

static QsslSocket *
stream_socket (GWeakRef  *ref,
               GError   **error)
{
  QsslSocket *self = g_weak_ref_get (ref);

  if (self == NULL)
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CLOSED, _("The socket is gone"));
  return self;
}

static gboolean
stream_at_end (QsslSocket *self)
{
  return _qssl_socket_available (self) == 0 &&
         (self->read_channel_finished || self->state == QSSL_SOCKET_STATE_UNCONNECTED);
}

/* EOF after a clean close; an error after a close without close_notify or
 * a protocol error, so a truncated TLS stream never looks complete. */
static gssize
stream_end (QsslSocket  *self,
            GError     **error)
{
  if ((self->error == QSSL_SOCKET_ERROR_REMOTE_HOST_CLOSED || self->error == QSSL_SOCKET_ERROR_SSL_INTERNAL) &&
      self->mode != QSSL_MODE_UNENCRYPTED)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED, self->error_string);
      return -1;
    }
  return 0;
}

static gssize
qssl_socket_input_stream_read_nonblocking (GPollableInputStream  *pollable,
                                           void                  *buffer,
                                           gsize                  count,
                                           GError               **error)
{
  QsslSocketInputStream *stream = QSSL_SOCKET_INPUT_STREAM (pollable);
  g_autoptr(QsslSocket) self = stream_socket (&stream->socket, error);

  if (self == NULL)
    return -1;
  if (_qssl_socket_available (self) == 0 && !self->handshaking && !self->paused &&
      (self->state == QSSL_SOCKET_STATE_CONNECTED || self->state == QSSL_SOCKET_STATE_CLOSING))
    _qssl_socket_pump_read (self);
  if (_qssl_socket_available (self) > 0)
    return qssl_socket_read (self, buffer, count);
  if (stream_at_end (self))
    return stream_end (self, error);
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK, _("No data available yet"));
  return -1;
}

static gssize
qssl_socket_input_stream_read (GInputStream  *input,
                               void          *buffer,
                               gsize          count,
                               GCancellable  *cancellable,
                               GError       **error)
{
  QsslSocketInputStream *stream = QSSL_SOCKET_INPUT_STREAM (input);

  for (;;)
    {
      g_autoptr(GError) local_error = NULL;
      gssize n = qssl_socket_input_stream_read_nonblocking (G_POLLABLE_INPUT_STREAM (input), buffer, count,
                                                            &local_error);
      g_autoptr(QsslSocket) self = NULL;

      if (n >= 0 || !g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        {
          if (local_error != NULL)
            g_propagate_error (error, g_steal_pointer (&local_error));
          return n;
        }
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return -1;
      self = stream_socket (&stream->socket, error);
      if (self == NULL)
        return -1;
      /* Block in slices so that cancellation is noticed. */
      _qssl_socket_wait_for (self, WAIT_READY_READ, 100, NULL, NULL);
    }
}

static gboolean
qssl_socket_input_stream_is_readable (GPollableInputStream *pollable)
{
  QsslSocketInputStream *stream = QSSL_SOCKET_INPUT_STREAM (pollable);
  g_autoptr(QsslSocket) self = g_weak_ref_get (&stream->socket);

  return self == NULL || _qssl_socket_available (self) > 0 || stream_at_end (self) || _qssl_socket_has_pending_plaintext (self);
}

static GSource *
stream_source (GObject      *stream,
               QsslSocket   *self,
               gboolean      ready,
               GIOCondition  condition,
               GCancellable *cancellable)
{
  g_autoptr(GSource) child = NULL;
  GSource *source;

  if (ready || self == NULL || self->state == QSSL_SOCKET_STATE_UNCONNECTED)
    child = g_timeout_source_new (0);
  else
    child = g_socket_create_source (_qssl_socket_gsocket (self), condition, NULL);
  source = g_pollable_source_new_full (stream, child, cancellable);
  return source;
}

static GSource *
qssl_socket_input_stream_create_source (GPollableInputStream *pollable,
                                        GCancellable         *cancellable)
{
  QsslSocketInputStream *stream = QSSL_SOCKET_INPUT_STREAM (pollable);
  g_autoptr(QsslSocket) self = g_weak_ref_get (&stream->socket);

  return stream_source (G_OBJECT (pollable), self, qssl_socket_input_stream_is_readable (pollable),
                        G_IO_IN, cancellable);
}

static void
qssl_socket_input_stream_pollable_init (GPollableInputStreamInterface *iface)
{
  iface->is_readable = qssl_socket_input_stream_is_readable;
  iface->create_source = qssl_socket_input_stream_create_source;
  iface->read_nonblocking = qssl_socket_input_stream_read_nonblocking;
}

static void
qssl_socket_input_stream_finalize (GObject *object)
{
  g_weak_ref_clear (&QSSL_SOCKET_INPUT_STREAM (object)->socket);
  G_OBJECT_CLASS (qssl_socket_input_stream_parent_class)->finalize (object);
}

static gboolean
substream_close (GInputStream  *stream,
                 GCancellable  *cancellable,
                 GError       **error)
{
  /* Closing one direction leaves the connection alone, as for any
   * GSocketConnection; g_io_stream_close() closes the socket. */
  return TRUE;
}

static void
qssl_socket_input_stream_class_init (QsslSocketInputStreamClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = qssl_socket_input_stream_finalize;
  G_INPUT_STREAM_CLASS (klass)->read_fn = qssl_socket_input_stream_read;
  G_INPUT_STREAM_CLASS (klass)->close_fn = substream_close;
}

static void
qssl_socket_input_stream_init (QsslSocketInputStream *stream)
{
}

static gssize
qssl_socket_output_stream_write_nonblocking (GPollableOutputStream  *pollable,
                                             const void             *buffer,
                                             gsize                   count,
                                             GError                **error)
{
  QsslSocketOutputStream *stream = QSSL_SOCKET_OUTPUT_STREAM (pollable);
  g_autoptr(QsslSocket) self = stream_socket (&stream->socket, error);

  if (self == NULL)
    return -1;
  if (self->state == QSSL_SOCKET_STATE_UNCONNECTED || self->pending_close)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                           self->error_string ? self->error_string : _("The socket is not connected"));
      return -1;
    }
  if (self->write_buffer->len >= STREAM_WRITE_HIGH_WATER)
    {
      _qssl_socket_pump_write (self);
      if (self->write_buffer->len >= STREAM_WRITE_HIGH_WATER)
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK, _("The socket is busy"));
          return -1;
        }
    }
  return qssl_socket_write (self, buffer, count);
}

static gssize
qssl_socket_output_stream_write (GOutputStream  *output,
                                 const void     *buffer,
                                 gsize           count,
                                 GCancellable   *cancellable,
                                 GError        **error)
{
  QsslSocketOutputStream *stream = QSSL_SOCKET_OUTPUT_STREAM (output);

  for (;;)
    {
      g_autoptr(GError) local_error = NULL;
      g_autoptr(QsslSocket) self = NULL;
      gssize n = qssl_socket_output_stream_write_nonblocking (G_POLLABLE_OUTPUT_STREAM (output), buffer,
                                                              count, &local_error);

      if (n >= 0 || !g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        {
          if (local_error != NULL)
            g_propagate_error (error, g_steal_pointer (&local_error));
          return n;
        }
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return -1;
      self = stream_socket (&stream->socket, error);
      if (self == NULL)
        return -1;
      _qssl_socket_wait_for (self, WAIT_BYTES_WRITTEN, 100, NULL, NULL);
    }
}

static gboolean
qssl_socket_output_stream_flush (GOutputStream  *output,
                                 GCancellable   *cancellable,
                                 GError        **error)
{
  QsslSocketOutputStream *stream = QSSL_SOCKET_OUTPUT_STREAM (output);
  g_autoptr(QsslSocket) self = stream_socket (&stream->socket, error);

  if (self == NULL)
    return FALSE;
  while (self->write_buffer->len > 0 && self->state != QSSL_SOCKET_STATE_UNCONNECTED)
    {
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      _qssl_socket_wait_for (self, WAIT_BYTES_WRITTEN, 100, NULL, NULL);
    }
  if (self->write_buffer->len > 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                           self->error_string ? self->error_string : _("The socket is not connected"));
      return FALSE;
    }
  return TRUE;
}

static gboolean
qssl_socket_output_stream_is_writable (GPollableOutputStream *pollable)
{
  QsslSocketOutputStream *stream = QSSL_SOCKET_OUTPUT_STREAM (pollable);
  g_autoptr(QsslSocket) self = g_weak_ref_get (&stream->socket);

  return self == NULL || self->state == QSSL_SOCKET_STATE_UNCONNECTED ||
         self->write_buffer->len < STREAM_WRITE_HIGH_WATER;
}

static GSource *
qssl_socket_output_stream_create_source (GPollableOutputStream *pollable,
                                         GCancellable          *cancellable)
{
  QsslSocketOutputStream *stream = QSSL_SOCKET_OUTPUT_STREAM (pollable);
  g_autoptr(QsslSocket) self = g_weak_ref_get (&stream->socket);

  return stream_source (G_OBJECT (pollable), self, qssl_socket_output_stream_is_writable (pollable),
                        G_IO_OUT, cancellable);
}

static void
qssl_socket_output_stream_pollable_init (GPollableOutputStreamInterface *iface)
{
  iface->is_writable = qssl_socket_output_stream_is_writable;
  iface->create_source = qssl_socket_output_stream_create_source;
  iface->write_nonblocking = qssl_socket_output_stream_write_nonblocking;
}

static void
qssl_socket_output_stream_finalize (GObject *object)
{
  g_weak_ref_clear (&QSSL_SOCKET_OUTPUT_STREAM (object)->socket);
  G_OBJECT_CLASS (qssl_socket_output_stream_parent_class)->finalize (object);
}

static gboolean
output_substream_close (GOutputStream  *stream,
                        GCancellable   *cancellable,
                        GError        **error)
{
  return TRUE;
}

static void
qssl_socket_output_stream_class_init (QsslSocketOutputStreamClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = qssl_socket_output_stream_finalize;
  G_OUTPUT_STREAM_CLASS (klass)->write_fn = qssl_socket_output_stream_write;
  G_OUTPUT_STREAM_CLASS (klass)->flush = qssl_socket_output_stream_flush;
  G_OUTPUT_STREAM_CLASS (klass)->close_fn = output_substream_close;
}

static void
qssl_socket_output_stream_init (QsslSocketOutputStream *stream)
{
}

GInputStream *
_qssl_socket_get_input_stream (GIOStream *io_stream)
{
  QsslSocket *self = QSSL_SOCKET (io_stream);

  if (self->input_stream == NULL)
    {
      self->input_stream = g_object_new (QSSL_TYPE_SOCKET_INPUT_STREAM, NULL);
      g_weak_ref_init (&QSSL_SOCKET_INPUT_STREAM (self->input_stream)->socket, self);
    }
  return self->input_stream;
}

GOutputStream *
_qssl_socket_get_output_stream (GIOStream *io_stream)
{
  QsslSocket *self = QSSL_SOCKET (io_stream);

  if (self->output_stream == NULL)
    {
      self->output_stream = g_object_new (QSSL_TYPE_SOCKET_OUTPUT_STREAM, NULL);
      g_weak_ref_init (&QSSL_SOCKET_OUTPUT_STREAM (self->output_stream)->socket, self);
    }
  return self->output_stream;
}

/* g_io_stream_close(): what disconnect_from_host() does, then wait for it. */
gboolean
_qssl_socket_close_fn (GIOStream     *io_stream,
                       GCancellable  *cancellable,
                       GError       **error)
{
  QsslSocket *self = QSSL_SOCKET (io_stream);

  qssl_socket_disconnect_from_host (self);
  while (self->state != QSSL_SOCKET_STATE_UNCONNECTED)
    {
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        {
          qssl_socket_abort (self);
          return FALSE;
        }
      _qssl_socket_wait_for (self, WAIT_DISCONNECTED, 100, NULL, NULL);
    }
  return TRUE;
}

/* Asynchronous calls */

static void
destroy_cancel_source (gpointer source)
{
  g_source_destroy (source);
  g_source_unref (source);
}

static gboolean
abort_for_cancellation (GCancellable *cancellable,
                        gpointer      user_data)
{
  GTask *task = user_data;
  QsslSocket *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;

  if (g_queue_remove (&self->handshake_tasks, task))
    {
      g_cancellable_set_error_if_cancelled (cancellable, &error);
      g_task_return_error (task, g_steal_pointer (&error));
      /* Cancelling abandons the connection, as Qt's abort() would. */
      qssl_socket_abort (self);
      g_object_unref (task);
    }
  return G_SOURCE_REMOVE;
}

static GTask *
queue_handshake_task (QsslSocket          *self,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data,
                      gpointer             source_tag)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  /* The task reports what happened to the socket: a handshake that completed
   * before a cancellation was handled succeeded, and the socket stays
   * encrypted. */
  g_task_set_check_cancellable (task, FALSE);
  g_task_set_name (task, source_tag == qssl_socket_handshake_async ? "[qssl] handshake"
                                                                   : "[qssl] connect encrypted");
  if (cancellable != NULL)
    {
      /* GCancellable::cancelled runs in the cancelling thread, racing the
       * socket's own; a source handles the cancellation on the socket's
       * context instead. Ahead of the socket's I/O, so that a handshake
       * cannot complete between the cancellation and its handling. It
       * lives as long as the task waits (its task data, dropped by
       * _qssl_socket_complete_handshake_tasks()). */
      GSource *source = g_cancellable_source_new (cancellable);

      g_source_set_priority (source, G_PRIORITY_HIGH);
      g_source_set_callback (source, G_SOURCE_FUNC (abort_for_cancellation), task, NULL);
      g_source_set_static_name (source, "[qssl] cancel");
      g_source_attach (source, self->context);
      g_task_set_task_data (task, source, destroy_cancel_source);
    }
  g_queue_push_tail (&self->handshake_tasks, task);
  return task;
}

/**
 * qssl_socket_connect_to_host_encrypted_async:
 * @self: a #QsslSocket
 * @host_name: a host name or IP address, also the name to verify
 * @port: the TCP port
 * @cancellable: (nullable): cancels the connection (the socket is aborted);
 *   once the socket is encrypted, cancelling has no effect. It may be
 *   cancelled from any thread: the cancellation is handled, and @callback
 *   runs, on the socket's main context
 * @callback: (scope async): called once the socket is encrypted or has failed
 * @user_data: data for @callback
 *
 * [method@Qssl.Socket.connect_to_host_encrypted] as a GIO asynchronous
 * call; the socket's signals fire as usual meanwhile. A verification failure
 * nobody ignored finishes it with %QSSL_SOCKET_ERROR_SSL_HANDSHAKE_FAILED, and
 * the errors stay in [method@Qssl.Socket.get_ssl_handshake_errors].
 *
 * libqssl addition (GIO style of `QSslSocket::connectToHostEncrypted()`).
 *
 * Since: 1.0
 */
void
qssl_socket_connect_to_host_encrypted_async (QsslSocket          *self,
                                             const char          *host_name,
                                             guint16              port,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data)
{
  g_return_if_fail (QSSL_IS_SOCKET (self));
  g_return_if_fail (host_name != NULL);

  if (g_cancellable_is_cancelled (cancellable))
    {
      g_task_report_new_error (self, callback, user_data, qssl_socket_connect_to_host_encrypted_async,
                               G_IO_ERROR, G_IO_ERROR_CANCELLED, "%s", _("Operation was cancelled"));
      return;
    }
  /* Not queued: it would complete with the connection already under way. */
  if (self->state != QSSL_SOCKET_STATE_UNCONNECTED)
    {
      _qssl_socket_connect (self, host_name, port, NULL, QSSL_NETWORK_LAYER_PROTOCOL_ANY_IP, TRUE);
      g_task_report_new_error (self, callback, user_data, qssl_socket_connect_to_host_encrypted_async,
                               QSSL_SOCKET_ERROR, QSSL_SOCKET_ERROR_OPERATION, "%s",
                               _("Trying to connect while connection is in progress"));
      return;
    }
  queue_handshake_task (self, cancellable, callback, user_data, qssl_socket_connect_to_host_encrypted_async);
  _qssl_socket_connect (self, host_name, port, NULL, QSSL_NETWORK_LAYER_PROTOCOL_ANY_IP, TRUE);
}

/**
 * qssl_socket_connect_to_host_encrypted_finish:
 * @self: a #QsslSocket
 * @result: the result given to the callback
 * @error: return location for a #GError
 *
 * Finishes [method@Qssl.Socket.connect_to_host_encrypted_async].
 *
 * Returns: %TRUE once encrypted
 *
 * Since: 1.0
 */
gboolean
qssl_socket_connect_to_host_encrypted_finish (QsslSocket    *self,
                                              GAsyncResult  *result,
                                              GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * qssl_socket_handshake_async:
 * @self: a #QsslSocket
 * @io_priority: the I/O priority (unused: the handshake runs at the socket's priority)
 * @cancellable: (nullable): cancels the handshake (the socket is aborted);
 *   once the socket is encrypted, cancelling has no effect; already
 *   cancelled, the call fails with %G_IO_ERROR_CANCELLED and leaves the
 *   socket alone. It may be cancelled from any thread: the cancellation is
 *   handled, and @callback runs, on the socket's main context
 * @callback: (scope async): called once the handshake succeeded or failed
 * @user_data: data for @callback
 *
 * Waits for the handshake that [method@Qssl.Socket.start_client_encryption]
 * or [method@Qssl.Socket.start_server_encryption] began (or that connecting
 * began). Already encrypted: finishes at once with success.
 *
 * libqssl addition (GIO style, like g_tls_connection_handshake_async()).
 *
 * Since: 1.0
 */
void
qssl_socket_handshake_async (QsslSocket          *self,
                             int                  io_priority,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_return_if_fail (QSSL_IS_SOCKET (self));

  /* As GIO's calls: already cancelled, nothing happens to the socket. */
  if (g_cancellable_is_cancelled (cancellable))
    {
      g_task_report_new_error (self, callback, user_data, qssl_socket_handshake_async,
                               G_IO_ERROR, G_IO_ERROR_CANCELLED, "%s", _("Operation was cancelled"));
      return;
    }
  if (self->encrypted)
    {
      g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

      g_task_set_source_tag (task, qssl_socket_handshake_async);
      g_task_return_boolean (task, TRUE);
      return;
    }
  if (!self->handshaking && !self->encrypt_after_connect)
    {
      g_task_report_new_error (self, callback, user_data, qssl_socket_handshake_async,
                               QSSL_SOCKET_ERROR, QSSL_SOCKET_ERROR_OPERATION, "%s",
                               _("No handshake was started"));
      return;
    }
  queue_handshake_task (self, cancellable, callback, user_data, qssl_socket_handshake_async);
}

/**
 * qssl_socket_handshake_finish:
 * @self: a #QsslSocket
 * @result: the result given to the callback
 * @error: return location for a #GError
 *
 * Finishes [method@Qssl.Socket.handshake_async].
 *
 * Returns: %TRUE once encrypted
 *
 * Since: 1.0
 */
gboolean
qssl_socket_handshake_finish (QsslSocket    *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
