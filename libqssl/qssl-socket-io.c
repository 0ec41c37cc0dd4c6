/* qssl-socket-io.c: the I/O layer of QsslSocket: readiness, plaintext buffers, pumps
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The fd's readiness (through qssl-watch.c) drives the socket: the
 * connect check, a handshake step (the engine), or the pumps, which move
 * plaintext between the socket's buffers and OpenSSL (or the fd, in plain
 * mode) and emit ready-read, bytes-written and the end of the stream.
 */

#include "config.h"

#include <errno.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "qssl.h"
#include "qssl-bio-private.h"
#include "qssl-buffer-private.h"
#include "qssl-engine-private.h"
#include "qssl-main-context-private.h"
#include "qssl-private.h"
#include "qssl-socket-io-private.h"
#include "qssl-socket-private.h"

/* Plaintext is read from OpenSSL in blocks of this size. */
#define READ_CHUNK (16 * 1024)

/* At most this much is read per readiness before ready-read: a peer that
 * sends as fast as we decrypt must not keep us in the loop, with the
 * buffer growing, until it stops. Each return to the main loop costs a
 * poll() and GLib's wakeup (about four system calls), so a pump takes
 * sixteen records, not four. */
#define PUMP_LIMIT (16 * READ_CHUNK)

/* What an empty unbounded buffer is given at once. */
#define PUMP_RESERVE (4 * READ_CHUNK)

static void finish_pump (QsslSocket *self, gboolean got, gboolean finished, gboolean clean,
                         const char *protocol_error);

/* Readiness */

static void
on_ready (gpointer     user_data,
          GIOCondition condition)
{
  QsslSocket *self = user_data;

  _qssl_socket_enter (self);
  _qssl_socket_drive (self, condition);
  _qssl_socket_leave (self);
}

/* Makes the watch follow watch_condition. */
void
_qssl_socket_apply_watch (QsslSocket *self)
{
  if (self->watch == NULL)
    {
      if (self->watch_condition == 0)
        return;
      self->watch = _qssl_watch_new (self->context, on_ready, self);
    }
  _qssl_watch_set (self->watch, g_socket_get_fd (_qssl_socket_gsocket (self)), self->watch_condition);
}

void
_qssl_socket_adopt_watch (QsslSocket *self,
                          QsslWatch  *watch)
{
  if (self->watch != NULL || _qssl_watch_get_context (watch) != self->context)
    {
      _qssl_watch_free (watch);
      return;
    }
  _qssl_watch_retarget (watch, on_ready, self);
  self->watch = watch;
}

/* Watches the GSocket for @condition on the socket's context (0: stop). */
void
_qssl_socket_watch (QsslSocket   *self,
                    GIOCondition  condition)
{
  self->watch_condition = condition;
  /* A blocking wait polls the fd itself; the watch catches up after. */
  if (self->waiting == 0)
    _qssl_socket_apply_watch (self);
}

/* Buffers and pumps */

void
_qssl_socket_unread (QsslSocket   *self,
                     const guint8 *data,
                     gsize         length)
{
  /* One record at most; a buffer that cannot take it loses the handshake. */
  if (!_qssl_buffer_append (self->read_buffer, data, length, NULL))
    g_debug ("socket %p: cannot buffer %" G_GSIZE_FORMAT " bytes", self, length);
}

gsize
_qssl_socket_buffered (QsslSocket *self)
{
  return self->read_buffer->len - self->read_offset;
}

/* Whether plaintext is left in OpenSSL for read() to take directly. With a
 * bounded buffer it is moved into the buffer instead, which is what the
 * bound counts. */
gboolean
_qssl_socket_reads_through (QsslSocket *self)
{
  return self->encrypted && self->ssl != NULL && self->read_buffer_size == 0;
}

/* Decrypted plaintext OpenSSL holds for read(). */
gsize
_qssl_socket_held_plaintext (QsslSocket *self)
{
  return _qssl_socket_reads_through (self) ? (gsize) SSL_pending (self->ssl) : 0;
}

gsize
_qssl_socket_available (QsslSocket *self)
{
  return _qssl_socket_buffered (self) + _qssl_socket_held_plaintext (self);
}

/* Moves what OpenSSL holds decrypted into the buffer: no network I/O, as
 * the record is already decrypted. For line reads and peeks, which need the
 * bytes in one place, and before the SSL goes away. FALSE if the buffer
 * cannot grow: the rest then stays in OpenSSL. */
gboolean
_qssl_socket_keep_held_plaintext (QsslSocket  *self,
                                  GError     **error)
{
  gsize held;

  if (self->ssl == NULL || !self->encrypted)
    return TRUE;
  while ((held = SSL_pending (self->ssl)) > 0)
    {
      gsize old_length;
      guint8 *tail;
      size_t n = 0;

      if (self->read_offset > 0 && self->read_offset == self->read_buffer->len)
        {
          _qssl_buffer_truncate (self->read_buffer, 0);
          self->read_offset = 0;
        }
      old_length = self->read_buffer->len;
      tail = _qssl_buffer_extend (self->read_buffer, held, error);
      if (tail == NULL)
        return FALSE;
      _qssl_clear_openssl_errors ();
      if (SSL_read_ex (self->ssl, tail, held, &n) != 1)
        n = 0;
      _qssl_buffer_truncate (self->read_buffer, old_length + n);
      if (n == 0)
        break;
    }
  self->held_announced = FALSE;
  return TRUE;
}

/* The read buffer could not grow: the connection ends with an error rather
 * than losing data. What is buffered stays readable. */
static void
fail_buffer (QsslSocket *self,
             GError     *error)
{
  _qssl_socket_set_error (self, QSSL_SOCKET_ERROR_SOCKET_RESOURCE, error->message);
  if (self->state == QSSL_SOCKET_STATE_CONNECTED || self->state == QSSL_SOCKET_STATE_CLOSING)
    _qssl_socket_close_connection (self, FALSE);
}

void
_qssl_socket_emit_later (QsslSocket *self)
{
  gint64 plain = self->pending_bytes_written;
  guint64 written = 0;
  guint connection;

  _qssl_deferred_cancel (self->emit_call);
  self->emission_due = FALSE;
  self->pending_bytes_written = 0;
  connection = _qssl_socket_enter (self);
  /* What the kernel took, not what the BIO still holds. */
  if (self->ssl != NULL)
    written = BIO_number_written (SSL_get_wbio (self->ssl)) - _qssl_socket_unsent_ciphertext (self);
  if (plain > 0)
    g_signal_emit (self, _qssl_socket_signals[SIGNAL_BYTES_WRITTEN], 0, plain);
  if (_qssl_socket_same_connection (self, connection) && self->encrypted &&
      written > self->encrypted_written_reported)
    {
      gint64 delta = written - self->encrypted_written_reported;

      self->encrypted_written_reported = written;
      g_signal_emit (self, _qssl_socket_signals[SIGNAL_ENCRYPTED_BYTES_WRITTEN], 0, delta);
    }
  _qssl_socket_leave (self);
}

static void
emit_deferred (gpointer user_data)
{
  _qssl_socket_emit_later (user_data);
}

gboolean
_qssl_socket_emission_scheduled (QsslSocket *self)
{
  return _qssl_deferred_is_queued (self->emit_call);
}

void
_qssl_socket_cancel_deferred (QsslSocket *self)
{
  _qssl_deferred_cancel (self->emit_call);
  _qssl_deferred_cancel (self->pending_call);
}

void
_qssl_socket_schedule_emission (QsslSocket *self)
{
  if (_qssl_socket_emission_scheduled (self))
    return;
  /* A blocking wait emits it itself, without a source to attach and drop. */
  if (self->waiting > 0)
    {
      self->emission_due = TRUE;
      return;
    }
  /* The socket cancels it whenever its connection ends, and frees it in
   * finalize. */
  if (self->emit_call == NULL)
    self->emit_call = _qssl_deferred_new (self->context, emit_deferred, self);
  _qssl_deferred_queue (self->emit_call);
}

/* Writes from @data; returns how much went out (never blocks). */
gssize
_qssl_socket_send_now (QsslSocket   *self,
                       const guint8 *data,
                       gsize         size,
                       gboolean     *would_block)
{
  *would_block = FALSE;
  if (self->encrypted)
    {
      size_t written = 0;
      int result;

      _qssl_clear_openssl_errors ();
      result = SSL_write_ex (self->ssl, data, size, &written);
      if (result == 1)
        return written;
      switch (SSL_get_error (self->ssl, result))
        {
        case SSL_ERROR_WANT_WRITE:
        case SSL_ERROR_WANT_READ:
          *would_block = TRUE;
          return 0;
        default:
          {
            g_autofree char *details = _qssl_take_openssl_errors ();
            g_autofree char *message = g_strdup_printf (_("Unable to write data: %s"),
                                                        details ? details : g_strerror (errno));
            _qssl_socket_fail (self, QSSL_SOCKET_ERROR_SSL_INTERNAL, message);
            return -1;
          }
        }
    }
  else
    {
      g_autoptr(GError) error = NULL;
      gssize written = g_socket_send (_qssl_socket_gsocket (self), (const char *) data, size, NULL, &error);

      if (written >= 0)
        {
          self->idle_plain_activity += written;
          return written;
        }
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        {
          *would_block = TRUE;
          return 0;
        }
      _qssl_socket_fail (self, QSSL_SOCKET_ERROR_REMOTE_HOST_CLOSED, error->message);
      return -1;
    }
}

gsize
_qssl_socket_unsent_ciphertext (QsslSocket *self)
{
  return self->ssl != NULL ? _qssl_bio_unsent (SSL_get_wbio (self->ssl)) : 0;
}

gsize
_qssl_socket_write_pending (QsslSocket *self)
{
  return self->write_buffer->len + _qssl_socket_unsent_ciphertext (self);
}

void
_qssl_socket_send_begin (QsslSocket *self,
                         gsize       size)
{
  /* One record has nothing to be gathered with: it goes straight from
   * OpenSSL's buffer, without a copy. */
  if (self->encrypted && self->ssl != NULL && size > SSL3_RT_MAX_PLAIN_LENGTH)
    _qssl_bio_cork (SSL_get_wbio (self->ssl));
}

gboolean
_qssl_socket_send_end (QsslSocket *self)
{
  g_autofree char *message = NULL;
  int error = 0;

  /* A failure on the way has closed the connection, and freed its SSL. */
  if (self->ssl == NULL || _qssl_bio_uncork (SSL_get_wbio (self->ssl), &error))
    return TRUE;
  /* As a send() that fails inside SSL_write_ex() reports it. */
  message = g_strdup_printf (_("Unable to write data: %s"), g_strerror (error));
  _qssl_socket_fail (self, QSSL_SOCKET_ERROR_SSL_INTERNAL, message);
  return FALSE;
}

gboolean
_qssl_socket_can_send (QsslSocket *self)
{
  if (self->state != QSSL_SOCKET_STATE_CONNECTED && self->state != QSSL_SOCKET_STATE_CLOSING)
    return FALSE;
  return self->mode == QSSL_MODE_UNENCRYPTED ? TRUE : self->encrypted;
}

static gboolean
room_to_read (QsslSocket *self)
{
  return self->read_buffer_size == 0 || (gint64) _qssl_socket_buffered (self) < self->read_buffer_size;
}

/* Work for a pump that the fd will not announce: data OpenSSL has already
 * read from the network (decrypted, or whole records read ahead), an end of
 * stream a read() met, or a session ticket or alert seen inside a read().
 * What OpenSSL holds after it last wanted more from the network is only an
 * incomplete record: that waits for the fd. */
gboolean
_qssl_socket_has_pending_plaintext (QsslSocket *self)
{
  if (!self->encrypted || self->ssl == NULL || self->read_channel_finished)
    return FALSE;
  if (self->deferred_finish || self->received_session != NULL || self->pending_alerts != NULL)
    return TRUE;
  if (!room_to_read (self))
    return FALSE;
  /* Held plaintext that was announced and is left unread is moved aside by
   * the pump, so that the records behind it can be announced too. */
  return SSL_pending (self->ssl) > 0 || (!self->read_starved && SSL_has_pending (self->ssl));
}

static void
pump_pending (gpointer user_data)
{
  QsslSocket *self = user_data;

  _qssl_socket_enter (self);
  if (_qssl_socket_has_pending_plaintext (self))
    _qssl_socket_pump_read (self);
  _qssl_socket_leave (self);
}

void
_qssl_socket_update_watch (QsslSocket *self)
{
  GIOCondition condition = 0;

  if (self->state != QSSL_SOCKET_STATE_CONNECTED && self->state != QSSL_SOCKET_STATE_CLOSING)
    return;
  if (self->handshaking || self->paused)
    return;
  if (!self->read_channel_finished &&
      (self->read_buffer_size == 0 || (gint64) _qssl_socket_buffered (self) < self->read_buffer_size))
    condition |= G_IO_IN;
  if (_qssl_socket_write_pending (self) > 0 || self->close_notify_pending)
    condition |= G_IO_OUT;
  _qssl_socket_watch (self, condition);
  if (_qssl_socket_has_pending_plaintext (self))
    {
      if (self->pending_call == NULL)
        self->pending_call = _qssl_deferred_new (self->context, pump_pending, self);
      _qssl_deferred_queue (self->pending_call);
    }
}

void
_qssl_socket_pump_write (QsslSocket *self)
{
  gsize sent_total = 0;

  _qssl_socket_send_begin (self, self->write_buffer->len);
  while (self->write_buffer->len > sent_total && _qssl_socket_can_send (self))
    {
      gboolean would_block;
      gssize sent = _qssl_socket_send_now (self, self->write_buffer->data + sent_total,
                                           self->write_buffer->len - sent_total, &would_block);

      /* A failure closed the connection (and emptied the buffer). */
      if (sent < 0)
        return;
      if (would_block)
        break;
      sent_total += sent;
    }
  /* Sends what was gathered, and what the kernel refused before. */
  if (!_qssl_socket_send_end (self))
    return;
  if (sent_total > 0)
    {
      _qssl_buffer_consume (self->write_buffer, sent_total);
      self->pending_bytes_written += sent_total;
      _qssl_socket_schedule_emission (self);
    }
  if (_qssl_socket_write_pending (self) == 0 && self->pending_close)
    {
      _qssl_socket_maybe_finish_close (self);
      return;
    }
  _qssl_socket_update_watch (self);
}

/* @protocol_error: what OpenSSL said when the peer broke the protocol (a
 * fatal alert, a bad record) rather than just going away; Qt reports that
 * as an internal error, a plain EOF as the remote host closing. */
static void
finish_read_side (QsslSocket *self,
                  gboolean    clean,
                  const char *protocol_error)
{
  guint connection = _qssl_socket_connection (self);

  self->read_channel_finished = TRUE;
  if (clean)
    g_signal_emit (self, _qssl_socket_signals[SIGNAL_READ_CHANNEL_FINISHED], 0);
  else if (protocol_error != NULL)
    {
      g_autofree char *message = g_strdup_printf (_("Error while reading: %s"), protocol_error);

      _qssl_socket_set_error (self, QSSL_SOCKET_ERROR_SSL_INTERNAL, message);
    }
  else
    _qssl_socket_set_error (self, QSSL_SOCKET_ERROR_REMOTE_HOST_CLOSED, _("The remote host closed the connection"));
  if (_qssl_socket_same_connection (self, connection))
    _qssl_socket_close_connection (self, FALSE);
}

/* What a failed SSL_read_ex() or SSL_peek_ex() means for the read side:
 * FALSE when it only wants more from the network. */
static gboolean
read_failure_ends_stream (QsslSocket  *self,
                          int          result,
                          gboolean    *clean,
                          char       **protocol_error)
{
  switch (SSL_get_error (self->ssl, result))
    {
    case SSL_ERROR_WANT_READ:
      self->read_starved = TRUE;
      _qssl_engine_release_idle_buffers (self);
      return FALSE;
    case SSL_ERROR_WANT_WRITE:
      return FALSE;
    case SSL_ERROR_ZERO_RETURN:
      *clean = TRUE;
      return TRUE;
    case SSL_ERROR_SSL:
      *clean = FALSE;
      if (ERR_GET_REASON (ERR_peek_last_error ()) != SSL_R_UNEXPECTED_EOF_WHILE_READING)
        *protocol_error = _qssl_take_openssl_errors ();
      return TRUE;
    default:
      *clean = FALSE;
      return TRUE;
    }
}

static void finish_pump (QsslSocket *self, gboolean got, gboolean finished, gboolean clean,
                         const char *protocol_error);

/* The read path with an unbounded buffer: plaintext is left in OpenSSL and
 * read() copies it straight into the caller's buffer, one copy fewer than
 * going through the socket's buffer. A pump only makes sure that a record
 * is decrypted (SSL_peek_ex) and announces it with ready-read; read() may
 * then go on decrypting up to PUMP_LIMIT more before the next ready-read. */
static void
pump_read_through (QsslSocket *self)
{
  gboolean got = FALSE, finished = FALSE, clean = FALSE;
  g_autofree char *protocol_error = NULL;

  if (self->deferred_finish)
    {
      /* A read() met the end: report it now, from the main loop. */
      self->deferred_finish = FALSE;
      finished = TRUE;
      clean = self->deferred_clean;
      protocol_error = g_steal_pointer (&self->deferred_protocol_error);
    }
  else
    {
      guint8 byte;
      size_t n = 0;
      int result;

      /* OpenSSL holds one decrypted record at a time: one that was
       * announced and is still unread moves aside for the next. */
      if (self->held_announced && SSL_pending (self->ssl) > 0)
        {
          g_autoptr(GError) error = NULL;

          if (!_qssl_socket_keep_held_plaintext (self, &error))
            {
              fail_buffer (self, error);
              return;
            }
        }
      _qssl_clear_openssl_errors ();
      result = SSL_peek_ex (self->ssl, &byte, 1, &n);
      if (result == 1)
        {
          got = TRUE;
          self->read_starved = FALSE;
          self->held_announced = TRUE;
          self->direct_budget = PUMP_LIMIT;
        }
      else
        finished = read_failure_ends_stream (self, result, &clean, &protocol_error);
    }
  finish_pump (self, got, finished, clean, protocol_error);
}

/* Reads what is there into the plaintext buffer, then one ready-read. */
void
_qssl_socket_pump_read (QsslSocket *self)
{
  gsize got = 0;
  gboolean finished = FALSE, clean = FALSE;
  g_autofree char *protocol_error = NULL;

  if (_qssl_socket_reads_through (self) || self->deferred_finish)
    {
      pump_read_through (self);
      return;
    }
  /* An empty buffer (given back when it was all read) gets the room for
   * several records at once, instead of growing by doubling and copying. */
  if (self->read_buffer->len == 0 && self->read_buffer_size == 0)
    {
      _qssl_buffer_clear (self->read_buffer, TRUE);
      _qssl_buffer_reserve (self->read_buffer, PUMP_RESERVE, NULL);
      self->read_offset = 0;
    }

  while ((self->read_buffer_size == 0 || (gint64) _qssl_socket_buffered (self) < self->read_buffer_size) &&
         got < PUMP_LIMIT)
    {
      gsize old_length;
      gsize room = READ_CHUNK;
      guint8 *tail;
      g_autoptr(GError) error = NULL;

      if (self->read_buffer_size > 0)
        room = MIN (room, (gsize) (self->read_buffer_size - _qssl_socket_buffered (self)));
      /* Keep the buffer from growing forever when the reader keeps up. */
      if (self->read_offset > 0 && self->read_offset == self->read_buffer->len)
        {
          _qssl_buffer_truncate (self->read_buffer, 0);
          self->read_offset = 0;
        }
      old_length = self->read_buffer->len;
      tail = _qssl_buffer_extend (self->read_buffer, room, &error);
      if (tail == NULL)
        {
          fail_buffer (self, error);
          return;
        }

      if (self->encrypted)
        {
          size_t n = 0;
          int result;

          _qssl_clear_openssl_errors ();
          result = SSL_read_ex (self->ssl, tail, room, &n);
          _qssl_buffer_truncate (self->read_buffer, old_length + n);
          if (result == 1)
            {
              got += n;
              self->read_starved = FALSE;
              continue;
            }
          finished = read_failure_ends_stream (self, result, &clean, &protocol_error);
          break;
        }
      else
        {
          gssize n = g_socket_receive (_qssl_socket_gsocket (self), (char *) tail, room, NULL, &error);

          _qssl_buffer_truncate (self->read_buffer, old_length + MAX (n, 0));
          if (n > 0)
            {
              got += n;
              self->idle_plain_activity += n;
              continue;
            }
          if (n == 0)
            finished = clean = TRUE;
          else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            finished = TRUE;
          break;
        }
    }

  finish_pump (self, got > 0, finished, clean, protocol_error);
}

/* The end of a pump: what OpenSSL saw on the way, ready-read, the end of
 * the stream. */
static void
finish_pump (QsslSocket *self,
             gboolean    got,
             gboolean    finished,
             gboolean    clean,
             const char *protocol_error)
{
  guint connection = _qssl_socket_connection (self);

  /* After each emission: a handler that aborted, closed or reconnected has
   * ended this pump's connection, and what the pump saw belongs to it. */
  /* A TLS 1.3 session ticket arrives after the handshake, as a record. */
  if (self->received_session != NULL)
    {
      _qssl_engine_handle_received_session (self);
      if (!_qssl_socket_same_connection (self, connection))
        return;
    }
  /* Alerts before ready-read, as Qt, which emits them from inside the
   * read: a handler that aborts in ready-read has heard them already. */
  if (self->pending_alerts != NULL)
    {
      _qssl_engine_flush_alerts (self);
      if (!_qssl_socket_same_connection (self, connection))
        return;
    }
  if (got)
    {
      self->ready_read_count++;
      g_signal_emit (self, _qssl_socket_signals[SIGNAL_READY_READ], 0);
      if (!_qssl_socket_same_connection (self, connection))
        return;
    }
  if (finished && !self->read_channel_finished)
    {
      /* Without close_notify, a TLS stream may have been cut short. */
      finish_read_side (self, clean, protocol_error);
      return;
    }
  _qssl_socket_update_watch (self);
}

/* Called from the GSource and from the blocking waits. */
void
_qssl_socket_drive (QsslSocket   *self,
                    GIOCondition  condition)
{
  switch (self->state)
    {
    case QSSL_SOCKET_STATE_CONNECTING:
      _qssl_socket_check_connect (self);
      return;
    case QSSL_SOCKET_STATE_CONNECTED:
    case QSSL_SOCKET_STATE_CLOSING:
      if (self->proxy_reader != NULL)
        {
          _qssl_socket_read_proxy_header (self);
          return;
        }
      if (self->handshaking)
        {
          if (!self->paused)
            _qssl_engine_handshake (self);
          return;
        }
      {
        guint connection = _qssl_socket_connection (self);

        if (condition & (G_IO_OUT | G_IO_ERR | G_IO_HUP))
          _qssl_socket_pump_write (self);
        if (!_qssl_socket_same_connection (self, connection))
          return;
        if (condition & (G_IO_IN | G_IO_ERR | G_IO_HUP))
          _qssl_socket_pump_read (self);
        return;
      }
    default:
      _qssl_socket_watch (self, 0);
      return;
    }
}

/* read() past the socket's buffer: what OpenSSL holds decrypted, then, up
 * to the budget a ready-read gives, new records, decrypted straight into
 * @buffer. What happens on the way (the end of the stream, a ticket, an
 * alert) is reported from the main loop, never from inside read(). */
gsize
_qssl_socket_read_directly (QsslSocket *self,
                            guint8     *buffer,
                            gsize       size)
{
  gsize total = 0;
  gboolean finished = FALSE;

  while (total < size)
    {
      gsize held = SSL_pending (self->ssl);
      gsize want = size - total;
      size_t n = 0;
      int result;

      if (held == 0 && self->direct_budget == 0)
        break;
      if (held == 0)
        want = MIN (want, self->direct_budget);
      _qssl_clear_openssl_errors ();
      result = SSL_read_ex (self->ssl, buffer + total, want, &n);
      if (result != 1)
        {
          g_autofree char *protocol_error = NULL;
          gboolean clean = FALSE;

          finished = read_failure_ends_stream (self, result, &clean, &protocol_error);
          if (finished)
            {
              self->deferred_finish = TRUE;
              self->deferred_clean = clean;
              g_free (self->deferred_protocol_error);
              self->deferred_protocol_error = g_steal_pointer (&protocol_error);
            }
          break;
        }
      self->read_starved = FALSE;
      total += n;
      /* Bytes beyond the record that was held count against the budget. */
      self->direct_budget -= MIN (self->direct_budget, n > held ? n - held : 0);
    }
  /* What is left of a record the caller's buffer could not take counts as
   * announced: the caller is reading, and bytes_available() shows it. */
  self->held_announced = SSL_pending (self->ssl) > 0;
  if (finished || self->received_session != NULL || self->pending_alerts != NULL ||
      _qssl_socket_has_pending_plaintext (self))
    _qssl_socket_update_watch (self);
  return total;
}
