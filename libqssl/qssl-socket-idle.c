/* qssl-socket-idle.c: QsslSocket:idle-timeout, a connection that moves no
 * bytes for that long is dropped
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * No timestamp is taken on the I/O paths: a periodic check compares the
 * byte counts of the connection (the BIO's for TLS, the plaintext ones
 * otherwise) with what it saw last, and the connection is idle from the
 * last check that saw them change. Checking four times per timeout makes
 * the drop come between the timeout and a quarter more after the last byte.
 */

#include "config.h"

#include "qssl-main-context-private.h"
#include "qssl-private.h"
#include "qssl-socket-private.h"

static guint64
network_activity (QsslSocket *self)
{
  guint64 activity = self->idle_plain_activity;

  if (self->ssl != NULL)
    {
      BIO *rbio = SSL_get_rbio (self->ssl);
      BIO *wbio = SSL_get_wbio (self->ssl);

      if (rbio != NULL)
        activity += BIO_number_read (rbio);
      if (wbio != NULL)
        activity += BIO_number_written (wbio);
    }
  return activity;
}

static void
on_idle_check (gpointer user_data)
{
  QsslSocket *self = user_data;
  guint64 activity = network_activity (self);
  gint64 now = g_get_monotonic_time ();

  if (activity != self->idle_seen)
    {
      self->idle_seen = activity;
      self->idle_since = now;
      _qssl_timer_start (self->idle_check, MAX (self->idle_check_timeout / 4, 1));
      return;
    }
  if (now - self->idle_since < (gint64) self->idle_timeout * 1000)
    {
      _qssl_timer_start (self->idle_check, MAX (self->idle_check_timeout / 4, 1));
      return;
    }

  _qssl_socket_enter (self);
  _qssl_socket_trace (self, "idle for %d ms: dropping the connection", self->idle_timeout);
  _qssl_socket_fail (self, QSSL_SOCKET_ERROR_SOCKET_TIMEOUT, _("The connection was idle for too long"));
  _qssl_socket_leave (self);
}

void
_qssl_socket_idle_stop (QsslSocket *self)
{
  if (self->idle_check != NULL)
    _qssl_timer_stop (self->idle_check);
}

/* Starts or stops the check to follow the state and the timeout: it runs
 * while the socket is connected and has a timeout, on the context's
 * shared timers (made once, freed in finalize). */
void
_qssl_socket_idle_update (QsslSocket *self)
{
  gboolean wanted = self->idle_timeout > 0 && self->state == QSSL_SOCKET_STATE_CONNECTED && !self->disposing;

  if (!wanted)
    {
      _qssl_socket_idle_stop (self);
      return;
    }
  if (self->idle_check != NULL && _qssl_timer_is_running (self->idle_check) &&
      self->idle_check_timeout == self->idle_timeout)
    return;
  if (self->idle_check == NULL)
    self->idle_check = _qssl_timer_new (self->context, on_idle_check, self);
  self->idle_check_timeout = self->idle_timeout;
  self->idle_seen = network_activity (self);
  self->idle_since = g_get_monotonic_time ();
  _qssl_timer_start (self->idle_check, MAX (self->idle_timeout / 4, 1));
}
