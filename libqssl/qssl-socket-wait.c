/* qssl-socket-wait.c: the blocking wait_for_*() calls of QsslSocket
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The socket's own work, run without a main loop: the waits poll the fd
 * themselves and drive the I/O layer, as Qt's waitFor*() do.
 */

#include "config.h"

#include <errno.h>
#include <poll.h>

#include "qssl.h"
#include "qssl-main-context-private.h"
#include "qssl-private.h"
#include "qssl-socket-io-private.h"
#include "qssl-socket-private.h"

/* Blocking calls */

static gboolean
wait_done (QsslSocket *self,
           WaitFor     what,
           guint       ready_reads)
{
  switch (what)
    {
    case WAIT_CONNECTED:
      return self->state == QSSL_SOCKET_STATE_CONNECTED || self->state == QSSL_SOCKET_STATE_UNCONNECTED;
    case WAIT_ENCRYPTED:
      return self->encrypted || self->state == QSSL_SOCKET_STATE_UNCONNECTED;
    case WAIT_READY_READ:
      return self->ready_read_count != ready_reads || self->state == QSSL_SOCKET_STATE_UNCONNECTED;
    case WAIT_BYTES_WRITTEN:
      return _qssl_socket_write_pending (self) == 0 || self->state == QSSL_SOCKET_STATE_UNCONNECTED;
    case WAIT_DISCONNECTED:
    default:
      return self->state == QSSL_SOCKET_STATE_UNCONNECTED;
    }
}

static gboolean
wait_success (QsslSocket *self,
              WaitFor     what,
              guint       ready_reads)
{
  switch (what)
    {
    case WAIT_CONNECTED:
      return self->state == QSSL_SOCKET_STATE_CONNECTED;
    case WAIT_ENCRYPTED:
      return self->encrypted;
    case WAIT_READY_READ:
      return self->ready_read_count != ready_reads;
    case WAIT_BYTES_WRITTEN:
      return self->state != QSSL_SOCKET_STATE_UNCONNECTED;
    case WAIT_DISCONNECTED:
    default:
      return TRUE;
    }
}

/* One blocking iteration of the socket's context, bounded by @remaining_us
 * (-1: unbounded). FALSE when another thread owns the context. */
static gboolean
iterate_context (QsslSocket *self,
                 gint64      remaining_us)
{
  if (!g_main_context_acquire (self->context))
    return FALSE;
  _qssl_main_context_iterate (self->context, remaining_us);
  g_main_context_release (self->context);
  return TRUE;
}

/* The socket's own work runs here, without a main loop. Only the host
 * lookup, whose answer GResolver delivers on the main context, needs the
 * socket's context iterated. */
static gboolean wait_for_inner (QsslSocket *self, WaitFor what, int msecs, gboolean *timed_out, GError **error);

gboolean
_qssl_socket_wait_for (QsslSocket  *self,
                       WaitFor      what,
                       int          msecs,
                       gboolean    *timed_out,
                       GError     **error)
{
  g_autoptr(QsslSocket) keep = g_object_ref (self);
  gboolean done;

  self->waiting++;
  done = wait_for_inner (self, what, msecs, timed_out, error);
  self->waiting--;
  if (self->waiting == 0)
    {
      _qssl_socket_apply_watch (self);
      if (self->emission_due)
        _qssl_socket_schedule_emission (self);
    }
  return done;
}

/* Waits on the fd with poll() itself: it tells which condition came, so
 * that only the side that is ready is driven. */
static void
poll_and_drive (QsslSocket *self,
                gint64      remaining)
{
  struct pollfd pfd = { 0 };
  int timeout = remaining < 0 ? -1 : (int) MIN ((remaining + 999) / 1000, G_MAXINT);
  int result;

  pfd.fd = g_socket_get_fd (_qssl_socket_gsocket (self));
  pfd.events = self->watch_condition;
  do
    result = poll (&pfd, 1, timeout);
  while (result < 0 && errno == EINTR);
  /* GIOCondition has poll()'s values. */
  if (result > 0)
    _qssl_socket_drive (self, (GIOCondition) pfd.revents);
}

static gboolean
wait_for_inner (QsslSocket  *self,
                WaitFor      what,
                int          msecs,
                gboolean    *timed_out,
                GError     **error)
{
  gint64 deadline = msecs < 0 ? -1 : g_get_monotonic_time () + (gint64) msecs * 1000;
  guint ready_reads = self->ready_read_count;

  _qssl_init ();
  if (self->state == QSSL_SOCKET_STATE_UNCONNECTED && what != WAIT_DISCONNECTED)
    {
      g_set_error_literal (error, QSSL_SOCKET_ERROR, QSSL_SOCKET_ERROR_OPERATION,
                           _("The socket is not connected"));
      return FALSE;
    }

  while (!wait_done (self, what, ready_reads))
    {
      gint64 remaining = deadline < 0 ? -1 : deadline - g_get_monotonic_time ();

      if (deadline >= 0 && remaining <= 0)
        {
          if (timed_out != NULL)
            *timed_out = TRUE;
          g_set_error_literal (error, QSSL_SOCKET_ERROR, QSSL_SOCKET_ERROR_SOCKET_TIMEOUT,
                               _("Socket operation timed out"));
          return FALSE;
        }
      if (self->state == QSSL_SOCKET_STATE_HOST_LOOKUP && _qssl_deferred_is_queued (self->literal_call))
        {
          _qssl_socket_start_literal (self);
          continue;
        }
      if (self->state == QSSL_SOCKET_STATE_HOST_LOOKUP)
        {
          /* GResolver answers on the socket's context: run it, blocking
           * until something happens or the time is up. */
          _qssl_socket_apply_watch (self);
          if (!iterate_context (self, remaining))
            {
              g_set_error_literal (error, QSSL_SOCKET_ERROR, QSSL_SOCKET_ERROR_OPERATION,
                                   _("The socket's main context is in use by another thread"));
              return FALSE;
            }
          continue;
        }
      if (_qssl_socket_emission_scheduled (self) || self->emission_due)
        {
          _qssl_socket_emit_later (self);
          continue;
        }
      if (_qssl_socket_has_pending_plaintext (self))
        {
          _qssl_deferred_cancel (self->pending_call);
          _qssl_socket_pump_read (self);
          continue;
        }
      /* Encrypted inside this very dispatch (a wait in a handler of
       * encrypted, or of the server's pending-connection-available): the
       * handshake stopped watching and the pumps have not asked yet, for
       * input nor for the session tickets a server keeps for its first
       * reply. */
      if (self->watch_condition == 0 && self->encrypted && !self->handshaking && !self->paused)
        {
          _qssl_socket_update_watch (self);
          if (self->watch_condition != 0)
            continue;
        }
      if (self->watch_condition == 0 || self->paused)
        {
          /* Nothing to wait for on the fd (paused for the application):
           * only the application's own sources can move things on. */
          _qssl_socket_apply_watch (self);
          if (!iterate_context (self, remaining))
            g_usleep (remaining < 0 ? G_USEC_PER_SEC : MIN (remaining, G_USEC_PER_SEC));
          continue;
        }
      poll_and_drive (self, remaining);
    }

  /* Deliver the pending bytes-written now, as Qt's waits do. */
  if (_qssl_socket_emission_scheduled (self) || self->emission_due)
    _qssl_socket_emit_later (self);
  if (!wait_success (self, what, ready_reads))
    {
      g_set_error_literal (error, QSSL_SOCKET_ERROR, self->error,
                           self->error_string ? self->error_string : _("The socket is not connected"));
      return FALSE;
    }
  return TRUE;
}

/* A timeout in a public wait does what Qt's waitFor*() do: a socket still
 * looking up or connecting gives up the attempt (QAbstractSocket::
 * waitForConnected()), and one that is connected stays as it is and reports
 * SocketTimeoutError through error-occurred; a handshake in progress goes on. */
static void
report_timeout (QsslSocket *self)
{
  const char *message = _("Socket operation timed out");

  if (self->state == QSSL_SOCKET_STATE_HOST_LOOKUP || self->state == QSSL_SOCKET_STATE_CONNECTING)
    {
      g_autoptr(GError) task_error = g_error_new_literal (QSSL_SOCKET_ERROR, QSSL_SOCKET_ERROR_SOCKET_TIMEOUT,
                                                          message);

      _qssl_socket_complete_handshake_tasks (self, task_error);
      qssl_socket_abort (self);
      _qssl_socket_record_error (self, QSSL_SOCKET_ERROR_SOCKET_TIMEOUT, message);
      return;
    }
  _qssl_socket_record_error (self, QSSL_SOCKET_ERROR_SOCKET_TIMEOUT, message);
  g_signal_emit (self, _qssl_socket_signals[SIGNAL_ERROR_OCCURRED], 0, QSSL_SOCKET_ERROR_SOCKET_TIMEOUT);
}

static gboolean
wait_as_qt (QsslSocket  *self,
            WaitFor      what,
            int          msecs,
            GError     **error)
{
  gboolean timed_out = FALSE;

  if (_qssl_socket_wait_for (self, what, msecs, &timed_out, error))
    return TRUE;
  if (timed_out)
    report_timeout (self);
  return FALSE;
}

/**
 * qssl_socket_wait_for_connected:
 * @self: a #QsslSocket
 * @msecs: the timeout in milliseconds, -1 for none
 * @error: return location for a #GError
 *
 * Blocks until the TCP connection is established, running the socket's work
 * (and emitting its signals) without a main loop.
 *
 * Mirrors `QAbstractSocket::waitForConnected()`.
 *
 * On a timeout the connection attempt is given up: the socket is
 * %QSSL_SOCKET_STATE_UNCONNECTED and its error %QSSL_SOCKET_ERROR_SOCKET_TIMEOUT,
 * as in Qt (without #QsslSocket::error-occurred). Every `wait_for_*()` call
 * that times out while the socket is still connecting does the same; one that
 * times out on a connected socket leaves it as it is and emits
 * #QsslSocket::error-occurred with %QSSL_SOCKET_ERROR_SOCKET_TIMEOUT.
 *
 * Returns: %TRUE once connected; %FALSE with %QSSL_SOCKET_ERROR_SOCKET_TIMEOUT
 *   or the connection's error
 *
 * Since: 1.0
 */
gboolean
qssl_socket_wait_for_connected (QsslSocket  *self,
                                int          msecs,
                                GError     **error)
{
  g_return_val_if_fail (QSSL_IS_SOCKET (self), FALSE);

  return wait_as_qt (self, WAIT_CONNECTED, msecs, error);
}

/**
 * qssl_socket_wait_for_encrypted:
 * @self: a #QsslSocket
 * @msecs: the timeout in milliseconds, -1 for none
 * @error: return location for a #GError
 *
 * Blocks until #QsslSocket::encrypted (or a failure).
 *
 * A timeout is reported as [method@Qssl.Socket.wait_for_connected] describes.
 *
 * Mirrors `QSslSocket::waitForEncrypted()`.
 *
 * Returns: %TRUE once encrypted
 *
 * Since: 1.0
 */
gboolean
qssl_socket_wait_for_encrypted (QsslSocket  *self,
                                int          msecs,
                                GError     **error)
{
  g_return_val_if_fail (QSSL_IS_SOCKET (self), FALSE);

  return wait_as_qt (self, WAIT_ENCRYPTED, msecs, error);
}

/**
 * qssl_socket_wait_for_ready_read:
 * @self: a #QsslSocket
 * @msecs: the timeout in milliseconds, -1 for none
 * @error: return location for a #GError
 *
 * Blocks until new data can be read (#QsslSocket::ready-read).
 *
 * A timeout is reported as [method@Qssl.Socket.wait_for_connected] describes.
 *
 * Mirrors `QAbstractSocket::waitForReadyRead()`.
 *
 * Returns: %TRUE when new data arrived
 *
 * Since: 1.0
 */
gboolean
qssl_socket_wait_for_ready_read (QsslSocket  *self,
                                 int          msecs,
                                 GError     **error)
{
  g_return_val_if_fail (QSSL_IS_SOCKET (self), FALSE);

  return wait_as_qt (self, WAIT_READY_READ, msecs, error);
}

/**
 * qssl_socket_wait_for_bytes_written:
 * @self: a #QsslSocket
 * @msecs: the timeout in milliseconds, -1 for none
 * @error: return location for a #GError
 *
 * Blocks until everything written has been handed to the kernel.
 *
 * A timeout is reported as [method@Qssl.Socket.wait_for_connected] describes.
 *
 * Mirrors `QAbstractSocket::waitForBytesWritten()`.
 *
 * Returns: %TRUE when the write buffer is empty
 *
 * Since: 1.0
 */
gboolean
qssl_socket_wait_for_bytes_written (QsslSocket  *self,
                                    int          msecs,
                                    GError     **error)
{
  g_return_val_if_fail (QSSL_IS_SOCKET (self), FALSE);

  return wait_as_qt (self, WAIT_BYTES_WRITTEN, msecs, error);
}

/**
 * qssl_socket_wait_for_disconnected:
 * @self: a #QsslSocket
 * @msecs: the timeout in milliseconds, -1 for none
 * @error: return location for a #GError
 *
 * Blocks until the socket is unconnected.
 *
 * A timeout is reported as [method@Qssl.Socket.wait_for_connected] describes.
 *
 * Mirrors `QAbstractSocket::waitForDisconnected()`.
 *
 * Returns: %TRUE once disconnected
 *
 * Since: 1.0
 */
gboolean
qssl_socket_wait_for_disconnected (QsslSocket  *self,
                                   int          msecs,
                                   GError     **error)
{
  g_return_val_if_fail (QSSL_IS_SOCKET (self), FALSE);

  return wait_as_qt (self, WAIT_DISCONNECTED, msecs, error);
}
