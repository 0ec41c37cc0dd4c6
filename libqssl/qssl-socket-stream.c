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

/* The GIO async calls of both streams, native (see "Asynchronous stream
 * calls" below). */
static void     input_read_async    (GInputStream *input, void *buffer, gsize count, int io_priority,
                                     GCancellable *cancellable, GAsyncReadyCallback callback,
                                     gpointer user_data);
static gssize   input_read_finish   (GInputStream *input, GAsyncResult *result, GError **error);
static void     input_skip_async    (GInputStream *input, gsize count, int io_priority,
                                     GCancellable *cancellable, GAsyncReadyCallback callback,
                                     gpointer user_data);
static gssize   input_skip_finish   (GInputStream *input, GAsyncResult *result, GError **error);
static void     input_close_async   (GInputStream *input, int io_priority, GCancellable *cancellable,
                                     GAsyncReadyCallback callback, gpointer user_data);
static gboolean input_close_finish  (GInputStream *input, GAsyncResult *result, GError **error);
static void     output_write_async  (GOutputStream *output, const void *buffer, gsize count,
                                     int io_priority, GCancellable *cancellable,
                                     GAsyncReadyCallback callback, gpointer user_data);
static gssize   output_write_finish (GOutputStream *output, GAsyncResult *result, GError **error);
static void     output_writev_async (GOutputStream *output, const GOutputVector *vectors, gsize n_vectors,
                                     int io_priority, GCancellable *cancellable,
                                     GAsyncReadyCallback callback, gpointer user_data);
static gboolean output_writev_finish (GOutputStream *output, GAsyncResult *result, gsize *bytes_written,
                                      GError **error);
static void     output_splice_async (GOutputStream *output, GInputStream *source,
                                     GOutputStreamSpliceFlags flags, int io_priority,
                                     GCancellable *cancellable, GAsyncReadyCallback callback,
                                     gpointer user_data);
static gssize   output_splice_finish (GOutputStream *output, GAsyncResult *result, GError **error);
static void     output_flush_async  (GOutputStream *output, int io_priority, GCancellable *cancellable,
                                     GAsyncReadyCallback callback, gpointer user_data);
static gboolean output_flush_finish (GOutputStream *output, GAsyncResult *result, GError **error);
static void     output_close_async  (GOutputStream *output, int io_priority, GCancellable *cancellable,
                                     GAsyncReadyCallback callback, gpointer user_data);
static gboolean output_close_finish (GOutputStream *output, GAsyncResult *result, GError **error);

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
  G_INPUT_STREAM_CLASS (klass)->read_async = input_read_async;
  G_INPUT_STREAM_CLASS (klass)->read_finish = input_read_finish;
  G_INPUT_STREAM_CLASS (klass)->skip_async = input_skip_async;
  G_INPUT_STREAM_CLASS (klass)->skip_finish = input_skip_finish;
  G_INPUT_STREAM_CLASS (klass)->close_async = input_close_async;
  G_INPUT_STREAM_CLASS (klass)->close_finish = input_close_finish;
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
  gssize n;

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
  n = qssl_socket_write (self, buffer, count);
  /* A write that failed closed the connection; say why. */
  if (n < 0)
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                         self->error_string ? self->error_string : _("The socket is not connected"));
  return n;
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
  while (_qssl_socket_write_pending (self) > 0 && self->state != QSSL_SOCKET_STATE_UNCONNECTED)
    {
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      _qssl_socket_wait_for (self, WAIT_BYTES_WRITTEN, 100, NULL, NULL);
    }
  if (_qssl_socket_write_pending (self) > 0)
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
  G_OUTPUT_STREAM_CLASS (klass)->write_async = output_write_async;
  G_OUTPUT_STREAM_CLASS (klass)->write_finish = output_write_finish;
  G_OUTPUT_STREAM_CLASS (klass)->writev_async = output_writev_async;
  G_OUTPUT_STREAM_CLASS (klass)->writev_finish = output_writev_finish;
  G_OUTPUT_STREAM_CLASS (klass)->splice_async = output_splice_async;
  G_OUTPUT_STREAM_CLASS (klass)->splice_finish = output_splice_finish;
  G_OUTPUT_STREAM_CLASS (klass)->flush_async = output_flush_async;
  G_OUTPUT_STREAM_CLASS (klass)->flush_finish = output_flush_finish;
  G_OUTPUT_STREAM_CLASS (klass)->close_async = output_close_async;
  G_OUTPUT_STREAM_CLASS (klass)->close_finish = output_close_finish;
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

static void
set_close_timed_out (QsslSocket  *self,
                     GError     **error)
{
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
               _("The peer did not take the rest of the data within %d ms; the connection was aborted"),
               self->close_timeout);
}

/* g_io_stream_close(): what disconnect_from_host() does, then wait for it,
 * at most close-timeout: a peer that stopped reading must not hold the
 * caller (or a dispose) forever. */
gboolean
_qssl_socket_close_fn (GIOStream     *io_stream,
                       GCancellable  *cancellable,
                       GError       **error)
{
  QsslSocket *self = QSSL_SOCKET (io_stream);
  gint64 deadline = g_get_monotonic_time () + (gint64) self->close_timeout * G_TIME_SPAN_MILLISECOND;

  qssl_socket_disconnect_from_host (self);
  while (self->state != QSSL_SOCKET_STATE_UNCONNECTED)
    {
      gint64 left = deadline - g_get_monotonic_time ();

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        {
          qssl_socket_abort (self);
          return FALSE;
        }
      if (left <= 0)
        {
          qssl_socket_abort (self);
          set_close_timed_out (self, error);
          return FALSE;
        }
      _qssl_socket_wait_for (self, WAIT_DISCONNECTED,
                             (int) MIN (100, (left + G_TIME_SPAN_MILLISECOND - 1) / G_TIME_SPAN_MILLISECOND),
                             NULL, NULL);
    }
  return TRUE;
}

/* Asynchronous stream calls, on the socket's own context
 *
 * GLib's default _async vfuncs run the blocking method in a worker thread
 * (flush, close, skip, and read or write when the stream cannot poll),
 * where the pumps and the signals would race the socket's own. Here each
 * call is a GTask whose work runs from a StreamSource attached to the
 * socket's context. The source is ready when the socket's state says the
 * call can make progress; it asks before every poll, so whatever changed
 * the state (the watch, an idle, a call from the application) wakes it on
 * the next iteration, and no fd is watched twice. The step it then runs
 * never blocks. The callback comes, as GIO says, in the thread-default
 * context of the caller; for a socket used from its own thread that is
 * the socket's context. */

/* Whether the call can make progress now. */
typedef gboolean (*StreamReady) (GTask *task);
/* Makes progress without blocking; TRUE once the task has returned. */
typedef gboolean (*StreamStep)  (GTask *task);
/* Called when the task's cancellable fires, before it returns. */
typedef void     (*StreamAbort) (GTask *task);

typedef struct
{
  GSource      source;
  GTask       *task;
  StreamReady  ready;
  StreamStep   step;
  StreamAbort  on_cancel;
} StreamSource;

static gboolean
stream_source_prepare (GSource *source,
                       int     *timeout)
{
  StreamSource *stream_source = (StreamSource *) source;

  *timeout = -1;
  return stream_source->ready (stream_source->task);
}

static gboolean
stream_source_check (GSource *source)
{
  StreamSource *stream_source = (StreamSource *) source;

  return stream_source->ready (stream_source->task);
}

static gboolean
stream_source_dispatch (GSource     *source,
                        GSourceFunc  callback,
                        gpointer     user_data)
{
  StreamSource *stream_source = (StreamSource *) source;
  GTask *task = stream_source->task;

  if (g_cancellable_is_cancelled (g_task_get_cancellable (task)))
    {
      if (stream_source->on_cancel != NULL)
        stream_source->on_cancel (task);
      g_task_return_error_if_cancelled (task);
      return G_SOURCE_REMOVE;
    }
  return stream_source->step (task) ? G_SOURCE_REMOVE : G_SOURCE_CONTINUE;
}

static void
stream_source_finalize (GSource *source)
{
  g_clear_object (&((StreamSource *) source)->task);
}

static GSourceFuncs stream_source_funcs = {
  .prepare = stream_source_prepare,
  .check = stream_source_check,
  .dispatch = stream_source_dispatch,
  .finalize = stream_source_finalize,
};

/* Runs @task (taking it) on @self's context; a @deadline (monotonic time,
 * or -1) wakes it once more then. */
static void
stream_task_run (QsslSocket  *self,
                 GTask       *task,
                 StreamReady  ready,
                 StreamStep   step,
                 StreamAbort  on_cancel,
                 gint64       deadline)
{
  GSource *source = g_source_new (&stream_source_funcs, sizeof (StreamSource));
  StreamSource *stream_source = (StreamSource *) source;
  GCancellable *cancellable = g_task_get_cancellable (task);

  stream_source->task = task;
  stream_source->ready = ready;
  stream_source->step = step;
  stream_source->on_cancel = on_cancel;
  g_source_set_priority (source, g_task_get_priority (task));
  g_source_set_static_name (source, g_task_get_name (task));
  if (deadline >= 0)
    g_source_set_ready_time (source, deadline);
  if (cancellable != NULL)
    {
      GSource *cancel_source = g_cancellable_source_new (cancellable);

      /* The cancellation only wakes the parent, which returns the task. */
      g_source_set_dummy_callback (cancel_source);
      g_source_add_child_source (source, cancel_source);
      g_source_unref (cancel_source);
    }
  g_source_attach (source, self->context);
  g_source_unref (source);
}

static GTask *
stream_task_new (gpointer             source_object,
                 int                  io_priority,
                 GCancellable        *cancellable,
                 GAsyncReadyCallback  callback,
                 gpointer             user_data,
                 gpointer             source_tag,
                 const char          *name)
{
  GTask *task = g_task_new (source_object, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  g_task_set_name (task, name);
  g_task_set_priority (task, io_priority);
  return task;
}

/* The input stream: read and skip */

typedef struct
{
  void  *buffer;
  gsize  count;
  /* skip_async(): no caller's buffer, so a scratch one. */
  guint8 *scratch;
} StreamRead;

static void
stream_read_free (gpointer data)
{
  StreamRead *op = data;

  g_free (op->scratch);
  g_free (op);
}

static gboolean
input_ready (GTask *task)
{
  QsslSocketInputStream *stream = g_task_get_source_object (task);
  g_autoptr(QsslSocket) self = g_weak_ref_get (&stream->socket);

  return self == NULL || _qssl_socket_available (self) > 0 || stream_at_end (self);
}

static gboolean
input_read_step (GTask *task)
{
  StreamRead *op = g_task_get_task_data (task);
  GError *error = NULL;
  gssize n = qssl_socket_input_stream_read_nonblocking (g_task_get_source_object (task), op->buffer, op->count,
                                                        &error);

  if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
    {
      g_error_free (error);
      return FALSE;
    }
  if (n < 0)
    g_task_return_error (task, error);
  else
    g_task_return_int (task, n);
  return TRUE;
}

static void
input_read_start (GInputStream        *input,
                  void                *buffer,
                  gsize                count,
                  int                  io_priority,
                  GCancellable        *cancellable,
                  GAsyncReadyCallback  callback,
                  gpointer             user_data,
                  gpointer             source_tag,
                  const char          *name)
{
  QsslSocketInputStream *stream = QSSL_SOCKET_INPUT_STREAM (input);
  GTask *task = stream_task_new (input, io_priority, cancellable, callback, user_data, source_tag, name);
  g_autoptr(QsslSocket) self = NULL;
  StreamRead *op = g_new0 (StreamRead, 1);
  GError *error = NULL;

  op->count = count;
  if (buffer == NULL)
    {
      op->count = MIN (count, 64 * 1024);
      buffer = op->scratch = g_malloc (MAX (op->count, 1));
    }
  op->buffer = buffer;
  g_task_set_task_data (task, op, stream_read_free);
  self = stream_socket (&stream->socket, &error);
  if (self == NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  stream_task_run (self, task, input_ready, input_read_step, NULL, -1);
}

static void
input_read_async (GInputStream        *input,
                  void                *buffer,
                  gsize                count,
                  int                  io_priority,
                  GCancellable        *cancellable,
                  GAsyncReadyCallback  callback,
                  gpointer             user_data)
{
  input_read_start (input, buffer, count, io_priority, cancellable, callback, user_data, input_read_async,
                    "[qssl] read");
}

static gssize
input_read_finish (GInputStream  *input,
                   GAsyncResult  *result,
                   GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, input), -1);

  return g_task_propagate_int (G_TASK (result), error);
}

/* What is skipped is read into a scratch buffer: the same path as a read,
 * so the same end-of-stream rules. */
static void
input_skip_async (GInputStream        *input,
                  gsize                count,
                  int                  io_priority,
                  GCancellable        *cancellable,
                  GAsyncReadyCallback  callback,
                  gpointer             user_data)
{
  input_read_start (input, NULL, count, io_priority, cancellable, callback, user_data, input_skip_async,
                    "[qssl] skip");
}

static gssize
input_skip_finish (GInputStream  *input,
                   GAsyncResult  *result,
                   GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, input), -1);

  return g_task_propagate_int (G_TASK (result), error);
}

/* Closing one direction does nothing (see substream_close()): nothing to
 * wait for, and no thread. */
static void
input_close_async (GInputStream        *input,
                   int                  io_priority,
                   GCancellable        *cancellable,
                   GAsyncReadyCallback  callback,
                   gpointer             user_data)
{
  g_autoptr(GTask) task = stream_task_new (input, io_priority, cancellable, callback, user_data,
                                           input_close_async, "[qssl] close input");

  g_task_return_boolean (task, TRUE);
}

static gboolean
input_close_finish (GInputStream  *input,
                    GAsyncResult  *result,
                    GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, input), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* The output stream: write, writev, flush, close, splice */

typedef struct
{
  /* write_async()'s buffer, as the one vector. */
  GOutputVector        one;
  const GOutputVector *vectors;
  gsize                n_vectors;
} StreamWrite;

static gboolean
output_ready (GTask *task)
{
  QsslSocketOutputStream *stream = g_task_get_source_object (task);
  g_autoptr(QsslSocket) self = g_weak_ref_get (&stream->socket);

  return self == NULL || self->state == QSSL_SOCKET_STATE_UNCONNECTED || self->pending_close ||
         self->write_buffer->len < STREAM_WRITE_HIGH_WATER;
}

/* Writes the vectors in turn until one would block; what went out is the
 * result, an error only when nothing did. */
static gboolean
output_write_step (GTask *task)
{
  StreamWrite *op = g_task_get_task_data (task);
  GPollableOutputStream *pollable = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  gsize total = 0;

  for (gsize i = 0; i < op->n_vectors; i++)
    {
      gssize n;

      if (op->vectors[i].size == 0)
        continue;
      n = qssl_socket_output_stream_write_nonblocking (pollable, op->vectors[i].buffer, op->vectors[i].size,
                                                       &error);
      if (n < 0)
        break;
      total += n;
      if ((gsize) n < op->vectors[i].size)
        break;
    }
  if (total == 0 && error != NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        return FALSE;
      g_task_return_error (task, g_steal_pointer (&error));
      return TRUE;
    }
  g_task_return_int (task, total);
  return TRUE;
}

static void
output_write_start (GOutputStream       *output,
                    StreamWrite         *op,
                    int                  io_priority,
                    GCancellable        *cancellable,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data,
                    gpointer             source_tag)
{
  QsslSocketOutputStream *stream = QSSL_SOCKET_OUTPUT_STREAM (output);
  GTask *task = stream_task_new (output, io_priority, cancellable, callback, user_data, source_tag,
                                 "[qssl] write");
  g_autoptr(QsslSocket) self = NULL;
  GError *error = NULL;

  g_task_set_task_data (task, op, g_free);
  self = stream_socket (&stream->socket, &error);
  if (self == NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  stream_task_run (self, task, output_ready, output_write_step, NULL, -1);
}

static void
output_write_async (GOutputStream       *output,
                    const void          *buffer,
                    gsize                count,
                    int                  io_priority,
                    GCancellable        *cancellable,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data)
{
  StreamWrite *op = g_new0 (StreamWrite, 1);

  op->one.buffer = buffer;
  op->one.size = count;
  op->vectors = &op->one;
  op->n_vectors = 1;
  output_write_start (output, op, io_priority, cancellable, callback, user_data, output_write_async);
}

static gssize
output_write_finish (GOutputStream  *output,
                     GAsyncResult   *result,
                     GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, output), -1);

  return g_task_propagate_int (G_TASK (result), error);
}

static void
output_writev_async (GOutputStream       *output,
                     const GOutputVector *vectors,
                     gsize                n_vectors,
                     int                  io_priority,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  StreamWrite *op = g_new0 (StreamWrite, 1);

  op->vectors = vectors;
  op->n_vectors = n_vectors;
  output_write_start (output, op, io_priority, cancellable, callback, user_data, output_writev_async);
}

static gboolean
output_writev_finish (GOutputStream  *output,
                      GAsyncResult   *result,
                      gsize          *bytes_written,
                      GError        **error)
{
  gssize n;

  g_return_val_if_fail (g_task_is_valid (result, output), FALSE);

  n = g_task_propagate_int (G_TASK (result), error);
  if (bytes_written != NULL)
    *bytes_written = MAX (n, 0);
  return n >= 0;
}

/* flush: until the write buffer is empty, or the connection is gone. */
static gboolean
output_flush_ready (GTask *task)
{
  QsslSocketOutputStream *stream = g_task_get_source_object (task);
  g_autoptr(QsslSocket) self = g_weak_ref_get (&stream->socket);

  return self == NULL || self->state == QSSL_SOCKET_STATE_UNCONNECTED || _qssl_socket_write_pending (self) == 0;
}

static gboolean
output_flush_step (GTask *task)
{
  QsslSocketOutputStream *stream = g_task_get_source_object (task);
  GError *error = NULL;
  g_autoptr(QsslSocket) self = stream_socket (&stream->socket, &error);

  if (self == NULL)
    g_task_return_error (task, error);
  else if (_qssl_socket_write_pending (self) > 0)
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED, "%s",
                             self->error_string ? self->error_string : _("The socket is not connected"));
  else
    g_task_return_boolean (task, TRUE);
  return TRUE;
}

static void
output_flush_start (GOutputStream       *output,
                    int                  io_priority,
                    GCancellable        *cancellable,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data,
                    gpointer             source_tag,
                    const char          *name)
{
  QsslSocketOutputStream *stream = QSSL_SOCKET_OUTPUT_STREAM (output);
  GTask *task = stream_task_new (output, io_priority, cancellable, callback, user_data, source_tag, name);
  GError *error = NULL;
  g_autoptr(QsslSocket) self = stream_socket (&stream->socket, &error);

  if (self == NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  stream_task_run (self, task, output_flush_ready, output_flush_step, NULL, -1);
}

static void
output_flush_async (GOutputStream       *output,
                    int                  io_priority,
                    GCancellable        *cancellable,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data)
{
  output_flush_start (output, io_priority, cancellable, callback, user_data, output_flush_async,
                      "[qssl] flush");
}

static gboolean
output_flush_finish (GOutputStream  *output,
                     GAsyncResult   *result,
                     GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, output), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Closing the output direction sends what is buffered, as the blocking
 * close does (g_output_stream_close() flushes first); the connection stays
 * open (see output_substream_close()). */
static void
output_close_async (GOutputStream       *output,
                    int                  io_priority,
                    GCancellable        *cancellable,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data)
{
  output_flush_start (output, io_priority, cancellable, callback, user_data, output_close_async,
                      "[qssl] close output");
}

static gboolean
output_close_finish (GOutputStream  *output,
                     GAsyncResult   *result,
                     GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, output), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* splice: read @source asynchronously, write each block through
 * output_write_async() (the stream is pending, so not the public call),
 * then close what the flags say. */

#define SPLICE_BLOCK (64 * 1024)

typedef struct
{
  GInputStream             *source;
  GOutputStreamSpliceFlags  flags;
  guint8                   *buffer;
  gsize                     length;
  gsize                     written;
  gssize                    total;
  GError                   *error;
  guint                     closing;
} StreamSplice;

static void
stream_splice_free (gpointer data)
{
  StreamSplice *op = data;

  g_clear_object (&op->source);
  g_clear_error (&op->error);
  g_free (op->buffer);
  g_free (op);
}

static void splice_read (GTask *task);

static void
splice_return (GTask *task)
{
  StreamSplice *op = g_task_get_task_data (task);

  if (op->error != NULL)
    g_task_return_error (task, g_steal_pointer (&op->error));
  else
    g_task_return_int (task, op->total);
  g_object_unref (task);
}

static void
splice_closed (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  GTask *task = user_data;
  StreamSplice *op = g_task_get_task_data (task);
  GError *error = NULL;
  gboolean ok = G_IS_INPUT_STREAM (object)
              ? g_input_stream_close_finish (G_INPUT_STREAM (object), result, &error)
              : output_close_finish (G_OUTPUT_STREAM (object), result, &error);

  /* The first error is the one reported. */
  if (!ok && op->error == NULL)
    op->error = error;
  else
    g_clear_error (&error);
  if (--op->closing == 0)
    splice_return (task);
}

static void
splice_close (GTask *task)
{
  StreamSplice *op = g_task_get_task_data (task);
  int priority = g_task_get_priority (task);

  op->closing = 1;
  if (op->flags & G_OUTPUT_STREAM_SPLICE_CLOSE_SOURCE)
    {
      op->closing++;
      g_input_stream_close_async (op->source, priority, NULL, splice_closed, task);
    }
  if (op->flags & G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET)
    {
      op->closing++;
      output_close_async (g_task_get_source_object (task), priority, NULL, splice_closed, task);
    }
  if (--op->closing == 0)
    splice_return (task);
}

static void
splice_written (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  GTask *task = user_data;
  StreamSplice *op = g_task_get_task_data (task);
  gssize n = output_write_finish (G_OUTPUT_STREAM (object), result, &op->error);

  if (n < 0)
    {
      splice_close (task);
      return;
    }
  op->written += n;
  op->total += n;
  if (op->written < op->length)
    output_write_async (G_OUTPUT_STREAM (object), op->buffer + op->written, op->length - op->written,
                        g_task_get_priority (task), g_task_get_cancellable (task), splice_written, task);
  else
    splice_read (task);
}

static void
splice_got (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  GTask *task = user_data;
  StreamSplice *op = g_task_get_task_data (task);
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (object), result, &op->error);

  if (n <= 0)
    {
      splice_close (task);
      return;
    }
  op->length = n;
  op->written = 0;
  output_write_async (g_task_get_source_object (task), op->buffer, op->length, g_task_get_priority (task),
                      g_task_get_cancellable (task), splice_written, task);
}

static void
splice_read (GTask *task)
{
  StreamSplice *op = g_task_get_task_data (task);

  g_input_stream_read_async (op->source, op->buffer, SPLICE_BLOCK, g_task_get_priority (task),
                             g_task_get_cancellable (task), splice_got, task);
}

static void
output_splice_async (GOutputStream            *output,
                     GInputStream             *source,
                     GOutputStreamSpliceFlags  flags,
                     int                       io_priority,
                     GCancellable             *cancellable,
                     GAsyncReadyCallback       callback,
                     gpointer                  user_data)
{
  GTask *task = stream_task_new (output, io_priority, cancellable, callback, user_data, output_splice_async,
                                 "[qssl] splice");
  StreamSplice *op = g_new0 (StreamSplice, 1);

  op->source = g_object_ref (source);
  op->flags = flags;
  op->buffer = g_malloc (SPLICE_BLOCK);
  g_task_set_task_data (task, op, stream_splice_free);
  splice_read (task);
}

static gssize
output_splice_finish (GOutputStream  *output,
                      GAsyncResult   *result,
                      GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, output), -1);

  return g_task_propagate_int (G_TASK (result), error);
}

/* g_io_stream_close_async(): disconnect_from_host(), from the socket's
 * context, then done once the socket is unconnected (the write buffer
 * drained and close_notify sent), or aborted with G_IO_ERROR_TIMED_OUT at
 * close-timeout. Never waits inside the call. */

typedef struct
{
  gboolean started;
  gint64   deadline;
} StreamClose;

static gboolean
close_ready (GTask *task)
{
  QsslSocket *self = g_task_get_source_object (task);
  StreamClose *op = g_task_get_task_data (task);

  return !op->started || self->state == QSSL_SOCKET_STATE_UNCONNECTED;
}

static gboolean
close_step (GTask *task)
{
  QsslSocket *self = g_task_get_source_object (task);
  StreamClose *op = g_task_get_task_data (task);
  GError *error = NULL;

  if (!op->started)
    {
      op->started = TRUE;
      qssl_socket_disconnect_from_host (self);
    }
  if (self->state == QSSL_SOCKET_STATE_UNCONNECTED)
    {
      g_task_return_boolean (task, TRUE);
      return TRUE;
    }
  if (g_get_monotonic_time () < op->deadline)
    return FALSE;
  qssl_socket_abort (self);
  set_close_timed_out (self, &error);
  g_task_return_error (task, error);
  return TRUE;
}

static void
close_cancelled (GTask *task)
{
  /* As the blocking close does. */
  qssl_socket_abort (g_task_get_source_object (task));
}

void
_qssl_socket_close_async (GIOStream           *io_stream,
                          int                  io_priority,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  QsslSocket *self = QSSL_SOCKET (io_stream);
  GTask *task = stream_task_new (self, io_priority, cancellable, callback, user_data, _qssl_socket_close_async,
                                 "[qssl] close");
  StreamClose *op = g_new0 (StreamClose, 1);

  op->deadline = g_get_monotonic_time () + (gint64) self->close_timeout * G_TIME_SPAN_MILLISECOND;
  g_task_set_task_data (task, op, g_free);
  stream_task_run (self, task, close_ready, close_step, close_cancelled, op->deadline);
}

gboolean
_qssl_socket_close_finish (GIOStream     *io_stream,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, io_stream), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
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
