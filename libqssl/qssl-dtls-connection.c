/* qssl-dtls-connection.c: QsslDtlsConnection, one DTLS peer with its chores done
 *
 * What Qt leaves to a QDtls user happens here: reading the socket,
 * retransmitting on handshake-timeout, decrypting into a signal. A client
 * owns its UDP socket; a server-side connection shares the server's socket
 * and is fed by the server. All of it runs on the GMainContext that was
 * thread-default when the connection was made.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "qssl.h"
#include "qssl-dtls-private.h"
#include "qssl-private.h"

/**
 * QsslDtlsConnection:
 *
 * One DTLS peer with the chores done: a client opens its own UDP socket
 * ([ctor@Qssl.DtlsConnection.new_client] and
 * [method@Qssl.DtlsConnection.handshake_async]); a server-side one comes
 * from [signal@Qssl.DtlsServer::new-connection]. Both retransmit by
 * themselves and emit #QsslDtlsConnection::received for each datagram.
 *
 * It is also a #GDatagramBased: g_datagram_based_receive_messages() gets
 * the same datagrams (the last 64 that nobody read), and its waits iterate
 * the connection's main context, so call them from that context's thread.
 *
 * Since: 1.0
 */
struct _QsslDtlsConnection
{
  GObject         parent_instance;

  QsslDtls       *dtls;
  GSocket        *socket;
  GSource        *read_source;       /* client side: the connection reads its socket */
  QsslDtlsServer *server;            /* server side; weak */
  GInetAddress   *address;
  guint16         port;
  GTask          *handshake_task;
  GSource        *cancel_source;
  gboolean        ignore_errors;
  gboolean        closed;
  guint           idle_timeout;
  gint64          last_activity;
  GSource        *idle_source;
  GMainContext   *context;
  GQueue          incoming;          /* GBytes, for GDatagramBased readers */
};

/* GDatagramBased readers get the most recent datagrams; like a socket
 * buffer, it drops when nobody reads. */
#define MAX_QUEUED_DATAGRAMS 64

enum
{
  SIGNAL_RECEIVED,
  SIGNAL_CLOSED,
  SIGNAL_SSL_ERRORS,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void qssl_dtls_connection_datagram_based_init (GDatagramBasedInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (QsslDtlsConnection, qssl_dtls_connection, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_DATAGRAM_BASED,
                                                      qssl_dtls_connection_datagram_based_init))

static void
destroy_source (GSource **source)
{
  if (*source != NULL)
    {
      g_source_destroy (*source);
      g_clear_pointer (source, g_source_unref);
    }
}

static void
stop (QsslDtlsConnection *self)
{
  destroy_source (&self->read_source);
  destroy_source (&self->idle_source);
  destroy_source (&self->cancel_source);
}

static void
qssl_dtls_connection_dispose (GObject *object)
{
  QsslDtlsConnection *self = QSSL_DTLS_CONNECTION (object);

  stop (self);
  if (self->dtls != NULL)
    g_signal_handlers_disconnect_by_data (self->dtls, self);
  g_clear_object (&self->dtls);
  g_clear_object (&self->handshake_task);
  if (self->server != NULL)
    g_object_remove_weak_pointer (G_OBJECT (self->server), (gpointer *) &self->server);
  self->server = NULL;
  G_OBJECT_CLASS (qssl_dtls_connection_parent_class)->dispose (object);
}

static void
qssl_dtls_connection_finalize (GObject *object)
{
  QsslDtlsConnection *self = QSSL_DTLS_CONNECTION (object);

  g_clear_object (&self->socket);
  g_clear_object (&self->address);
  g_queue_clear_full (&self->incoming, (GDestroyNotify) g_bytes_unref);
  g_main_context_unref (self->context);
  G_OBJECT_CLASS (qssl_dtls_connection_parent_class)->finalize (object);
}

static void
qssl_dtls_connection_class_init (QsslDtlsConnectionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = qssl_dtls_connection_dispose;
  object_class->finalize = qssl_dtls_connection_finalize;

  /**
   * QsslDtlsConnection::received:
   * @self: the connection
   * @datagram: the decrypted datagram
   *
   * A datagram arrived from the peer, whole: DTLS never delivers part of
   * one, and drops duplicates and forgeries.
   *
   * Since: 1.0
   */
  signals[SIGNAL_RECEIVED] =
    g_signal_new ("received", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_BYTES);

  /**
   * QsslDtlsConnection::closed:
   * @self: the connection
   *
   * The association ended: qssl_dtls_connection_close(), a close_notify
   * from the peer, or (server side) the idle timeout. Emitted once.
   *
   * Since: 1.0
   */
  signals[SIGNAL_CLOSED] =
    g_signal_new ("closed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);

  /**
   * QsslDtlsConnection::ssl-errors:
   * @self: the connection
   * @errors: (element-type QsslError): what is wrong with the peer's
   *   certificate
   *
   * The peer could not be verified. Unless a handler calls
   * qssl_dtls_connection_ignore_ssl_errors(), the handshake fails with
   * %QSSL_DTLS_ERROR_PEER_VERIFICATION_ERROR.
   *
   * Since: 1.0
   */
  signals[SIGNAL_SSL_ERRORS] =
    g_signal_new ("ssl-errors", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_PTR_ARRAY);
}

static void
qssl_dtls_connection_init (QsslDtlsConnection *self)
{
  self->context = g_main_context_ref_thread_default ();
}

static void
touch (QsslDtlsConnection *self)
{
  self->last_activity = g_get_monotonic_time ();
}

static void
emit_closed (QsslDtlsConnection *self)
{
  g_autoptr(QsslDtlsConnection) keep_alive = g_object_ref (self);

  if (self->closed)
    return;
  self->closed = TRUE;
  stop (self);
  g_main_context_wakeup (self->context);
  g_signal_emit (self, signals[SIGNAL_CLOSED], 0);
  if (self->server != NULL)
    _qssl_dtls_server_forget (self->server, self);
}

/* The handshake is over, one way or the other. */
static void
handshake_done (QsslDtlsConnection *self,
                GError             *error)
{
  g_autoptr(QsslDtlsConnection) keep_alive = g_object_ref (self);
  g_autoptr(GTask) task = g_steal_pointer (&self->handshake_task);

  destroy_source (&self->cancel_source);
  if (error != NULL)
    {
      g_debug ("dtls connection %p: handshake failed: %s", self, error->message);
      self->closed = TRUE;
      stop (self);
      if (task != NULL)
        g_task_return_error (task, error);
      else
        g_error_free (error);
      if (self->server != NULL)
        _qssl_dtls_server_forget (self->server, self);
      return;
    }
  if (task != NULL)
    g_task_return_boolean (task, TRUE);
  if (self->server != NULL)
    _qssl_dtls_server_connection_ready (self->server, self);
}

static void
verification_failed (QsslDtlsConnection *self,
                     GError             *error)
{
  g_autoptr(GPtrArray) errors = qssl_dtls_get_peer_verification_errors (self->dtls);
  g_autoptr(QsslDtlsConnection) keep_alive = g_object_ref (self);

  self->ignore_errors = FALSE;
  g_signal_emit (self, signals[SIGNAL_SSL_ERRORS], 0, errors);
  if (self->closed)
    {
      g_error_free (error);
      return;
    }
  if (self->ignore_errors)
    {
      qssl_dtls_ignore_verification_errors (self->dtls, errors);
      if (qssl_dtls_resume_handshake (self->dtls, self->socket, NULL))
        {
          g_error_free (error);
          handshake_done (self, NULL);
          return;
        }
    }
  qssl_dtls_abort_handshake (self->dtls, self->socket, NULL);
  handshake_done (self, error);
}

static void
handshake_step (QsslDtlsConnection *self,
                GBytes             *datagram)
{
  GError *error = NULL;

  if (!qssl_dtls_do_handshake (self->dtls, self->socket, datagram, &error))
    {
      if (g_error_matches (error, QSSL_DTLS_ERROR, QSSL_DTLS_ERROR_PEER_VERIFICATION_ERROR))
        verification_failed (self, error);
      else
        handshake_done (self, error);
      return;
    }
  if (qssl_dtls_get_handshake_state (self->dtls) == QSSL_DTLS_HANDSHAKE_STATE_COMPLETE)
    handshake_done (self, NULL);
}

void
_qssl_dtls_connection_feed (QsslDtlsConnection *self,
                            GBytes             *datagram)
{
  g_autoptr(QsslDtlsConnection) keep_alive = g_object_ref (self);

  if (self->closed)
    return;
  touch (self);
  if (qssl_dtls_get_handshake_state (self->dtls) == QSSL_DTLS_HANDSHAKE_STATE_IN_PROGRESS ||
      (self->server != NULL && qssl_dtls_get_handshake_state (self->dtls) == QSSL_DTLS_HANDSHAKE_STATE_NOT_STARTED))
    {
      handshake_step (self, datagram);
      return;
    }
  if (qssl_dtls_is_connection_encrypted (self->dtls))
    {
      g_autoptr(GBytes) plain = qssl_dtls_decrypt_datagram (self->dtls, self->socket, datagram);

      if (plain != NULL)
        {
          if (g_queue_get_length (&self->incoming) >= MAX_QUEUED_DATAGRAMS)
            g_bytes_unref (g_queue_pop_head (&self->incoming));
          g_queue_push_tail (&self->incoming, g_bytes_ref (plain));
          g_main_context_wakeup (self->context);
          g_signal_emit (self, signals[SIGNAL_RECEIVED], 0, plain);
        }
      else if (!qssl_dtls_is_connection_encrypted (self->dtls))
        emit_closed (self); /* close_notify, or a fatal error */
    }
}

static void
on_handshake_timeout (QsslDtls *dtls,
                      gpointer  user_data)
{
  QsslDtlsConnection *self = user_data;
  GError *error = NULL;

  if (!qssl_dtls_handle_timeout (dtls, self->socket, &error))
    handshake_done (self, error);
}

static void
on_psk_required (QsslDtls                      *dtls,
                 QsslPreSharedKeyAuthenticator *authenticator,
                 gpointer                       user_data)
{
  QsslDtlsConnection *self = user_data;

  if (self->server != NULL)
    _qssl_dtls_server_psk_required (self->server, self, authenticator);
}

static gboolean
on_idle_check (gpointer user_data)
{
  QsslDtlsConnection *self = user_data;
  gint64 idle_until = self->last_activity + (gint64) self->idle_timeout * 1000;
  gint64 now = g_get_monotonic_time ();

  g_clear_pointer (&self->idle_source, g_source_unref);
  if (now < idle_until)
    {
      self->idle_source = g_timeout_source_new ((guint) ((idle_until - now + 999) / 1000));
      g_source_set_static_name (self->idle_source, "[qssl] DTLS idle timeout");
      g_source_set_callback (self->idle_source, on_idle_check, self, NULL);
      g_source_attach (self->idle_source, self->context);
      return G_SOURCE_REMOVE;
    }
  g_debug ("dtls connection %p: idle for %u ms, forgotten", self, self->idle_timeout);
  if (qssl_dtls_get_handshake_state (self->dtls) != QSSL_DTLS_HANDSHAKE_STATE_COMPLETE)
    {
      handshake_done (self, g_error_new_literal (QSSL_DTLS_ERROR, QSSL_DTLS_ERROR_TLS_FATAL_ERROR,
                                                 _("The peer went silent during the handshake")));
      return G_SOURCE_REMOVE;
    }
  qssl_dtls_shutdown (self->dtls, self->socket, NULL);
  emit_closed (self);
  return G_SOURCE_REMOVE;
}

static QsslDtlsConnection *
connection_new (QsslMode           mode,
                GInetAddress      *address,
                guint16            port,
                const char        *verification_name,
                QsslConfiguration *configuration)
{
  QsslDtlsConnection *self = g_object_new (QSSL_TYPE_DTLS_CONNECTION, NULL);

  self->dtls = qssl_dtls_new (mode);
  self->address = g_object_ref (address);
  self->port = port;
  qssl_dtls_set_peer (self->dtls, address, port, verification_name, NULL);
  if (configuration != NULL)
    qssl_dtls_set_dtls_configuration (self->dtls, configuration, NULL);
  g_signal_connect (self->dtls, "handshake-timeout", G_CALLBACK (on_handshake_timeout), self);
  return self;
}

QsslDtlsConnection *
_qssl_dtls_connection_new_server (QsslDtlsServer    *server,
                                  GSocket           *socket,
                                  GInetAddress      *address,
                                  guint16            port,
                                  QsslConfiguration *configuration,
                                  guint              idle_timeout)
{
  QsslDtlsConnection *self = connection_new (QSSL_MODE_SSL_SERVER, address, port, NULL, configuration);

  self->server = server;
  g_object_add_weak_pointer (G_OBJECT (server), (gpointer *) &self->server);
  self->socket = g_object_ref (socket);
  g_signal_connect (self->dtls, "pre-shared-key-authentication-required", G_CALLBACK (on_psk_required), self);
  self->idle_timeout = idle_timeout;
  touch (self);
  if (idle_timeout > 0)
    {
      self->idle_source = g_timeout_source_new (idle_timeout);
      g_source_set_static_name (self->idle_source, "[qssl] DTLS idle timeout");
      g_source_set_callback (self->idle_source, on_idle_check, self, NULL);
      g_source_attach (self->idle_source, self->context);
    }
  return self;
}

/**
 * qssl_dtls_connection_new_client:
 * @address: the server's address
 * @port: the server's port
 * @verification_name: (nullable): the name the server's certificate must
 *   carry (and the SNI); %NULL for @address itself
 * @configuration: (nullable): a configuration with a DTLS protocol; %NULL
 *   for qssl_configuration_get_default_dtls()
 *
 * A client connection to one server. Nothing is sent before
 * qssl_dtls_connection_handshake_async(). Connect to
 * #QsslDtls::pre-shared-key-authentication-required on
 * qssl_dtls_connection_get_dtls() for PSK.
 *
 * Returns: (transfer full): a new connection
 *
 * Since: 1.0
 */
QsslDtlsConnection *
qssl_dtls_connection_new_client (GInetAddress      *address,
                                 guint16            port,
                                 const char        *verification_name,
                                 QsslConfiguration *configuration)
{
  g_return_val_if_fail (G_IS_INET_ADDRESS (address), NULL);

  _qssl_init ();
  return connection_new (QSSL_MODE_SSL_CLIENT, address, port, verification_name, configuration);
}

static gboolean
on_readable (GSocket      *socket,
             GIOCondition  condition,
             gpointer      user_data)
{
  QsslDtlsConnection *self = user_data;
  g_autoptr(QsslDtlsConnection) keep_alive = g_object_ref (self);
  guint8 buffer[65536];

  /* A bounded batch, then back to the main loop. */
  for (guint i = 0; i < 64 && !self->closed; i++)
    {
      g_autoptr(GSocketAddress) from = NULL;
      g_autoptr(GBytes) datagram = NULL;
      GInetSocketAddress *inet;
      gssize length = g_socket_receive_from (socket, &from, (char *) buffer, sizeof buffer, NULL, NULL);

      if (length < 0)
        break;
      inet = G_INET_SOCKET_ADDRESS (from);
      /* Only the server's datagrams; anyone can send to our port. */
      if (g_inet_socket_address_get_port (inet) != self->port ||
          !g_inet_address_equal (g_inet_socket_address_get_address (inet), self->address))
        continue;
      datagram = g_bytes_new (buffer, length);
      _qssl_dtls_connection_feed (self, datagram);
    }
  return G_SOURCE_CONTINUE;
}

static gboolean
on_cancelled (GCancellable *cancellable,
              gpointer      user_data)
{
  QsslDtlsConnection *self = user_data;

  g_clear_pointer (&self->cancel_source, g_source_unref);
  if (self->handshake_task != NULL)
    {
      GError *error = NULL;

      if (qssl_dtls_get_handshake_state (self->dtls) != QSSL_DTLS_HANDSHAKE_STATE_NOT_STARTED)
        qssl_dtls_abort_handshake (self->dtls, self->socket, NULL);
      g_cancellable_set_error_if_cancelled (cancellable, &error);
      handshake_done (self, error);
    }
  return G_SOURCE_REMOVE;
}

/**
 * qssl_dtls_connection_handshake_async:
 * @self: a client #QsslDtlsConnection
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the handshake completed or failed
 * @user_data: data for @callback
 *
 * Opens a UDP socket and performs the handshake, retransmitting as needed
 * (OpenSSL's timers: 1 s, doubling, up to 12 times). Afterwards every
 * datagram from the server is emitted as #QsslDtlsConnection::received.
 *
 * Since: 1.0
 */
void
qssl_dtls_connection_handshake_async (QsslDtlsConnection  *self,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GSocketAddress) any = NULL;
  g_autoptr(GInetAddress) any_address = NULL;
  GError *error = NULL;

  g_return_if_fail (QSSL_IS_DTLS_CONNECTION (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, qssl_dtls_connection_handshake_async);
  if (self->server != NULL || self->socket != NULL || self->closed)
    {
      g_task_return_new_error (task, QSSL_DTLS_ERROR, QSSL_DTLS_ERROR_INVALID_OPERATION,
                               _("The handshake was already started"));
      return;
    }
  if (g_task_return_error_if_cancelled (task))
    return;

  self->socket = g_socket_new (g_inet_address_get_family (self->address), G_SOCKET_TYPE_DATAGRAM,
                               G_SOCKET_PROTOCOL_UDP, &error);
  if (self->socket != NULL)
    {
      g_socket_set_blocking (self->socket, FALSE);
      any_address = g_inet_address_new_any (g_inet_address_get_family (self->address));
      any = g_inet_socket_address_new (any_address, 0);
      g_socket_bind (self->socket, any, FALSE, &error);
    }
  if (error != NULL)
    {
      g_task_return_new_error (task, QSSL_DTLS_ERROR, QSSL_DTLS_ERROR_UNDERLYING_SOCKET_ERROR, "%s",
                               error->message);
      g_error_free (error);
      return;
    }
  self->handshake_task = g_steal_pointer (&task);
  self->read_source = g_socket_create_source (self->socket, G_IO_IN, NULL);
  g_source_set_static_name (self->read_source, "[qssl] DTLS client socket");
  g_source_set_callback (self->read_source, G_SOURCE_FUNC (on_readable), self, NULL);
  g_source_attach (self->read_source, self->context);
  if (cancellable != NULL)
    {
      self->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (self->cancel_source, G_SOURCE_FUNC (on_cancelled), self, NULL);
      g_source_attach (self->cancel_source, self->context);
    }
  handshake_step (self, NULL);
}

/**
 * qssl_dtls_connection_handshake_finish:
 * @self: a #QsslDtlsConnection
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Returns: %TRUE when the connection is encrypted; %FALSE with a
 *   %QSSL_DTLS_ERROR (or %G_IO_ERROR_CANCELLED)
 *
 * Since: 1.0
 */
gboolean
qssl_dtls_connection_handshake_finish (QsslDtlsConnection  *self,
                                       GAsyncResult        *result,
                                       GError             **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == qssl_dtls_connection_handshake_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * qssl_dtls_connection_send:
 * @self: an encrypted #QsslDtlsConnection
 * @datagram: the plaintext, sent as one datagram
 * @error: return location for a #GError
 *
 * Encrypts and sends @datagram. One that would not fit the MTU (see
 * qssl_dtls_set_mtu_hint() on qssl_dtls_connection_get_dtls()) fails with
 * %QSSL_SOCKET_ERROR_DATAGRAM_TOO_LARGE, as a QUdpSocket does.
 *
 * Returns: %TRUE if it was sent
 *
 * Since: 1.0
 */
gboolean
qssl_dtls_connection_send (QsslDtlsConnection  *self,
                           GBytes              *datagram,
                           GError             **error)
{
  g_return_val_if_fail (QSSL_IS_DTLS_CONNECTION (self), FALSE);
  g_return_val_if_fail (datagram != NULL, FALSE);

  if (self->closed || !qssl_dtls_is_connection_encrypted (self->dtls))
    {
      g_set_error_literal (error, QSSL_DTLS_ERROR, QSSL_DTLS_ERROR_INVALID_OPERATION,
                           _("Cannot write a datagram, not in encrypted state"));
      return FALSE;
    }
  if (g_bytes_get_size (datagram) > _qssl_dtls_get_data_mtu (self->dtls))
    {
      g_set_error (error, QSSL_SOCKET_ERROR, QSSL_SOCKET_ERROR_DATAGRAM_TOO_LARGE,
                   _("Datagram was too large to send (%u bytes, at most %u fit)"),
                   (guint) g_bytes_get_size (datagram), (guint) _qssl_dtls_get_data_mtu (self->dtls));
      return FALSE;
    }
  touch (self);
  return qssl_dtls_write_datagram_encrypted (self->dtls, self->socket, datagram, error) >= 0;
}

/**
 * qssl_dtls_connection_close:
 * @self: a #QsslDtlsConnection
 *
 * Sends close_notify (when encrypted), stops reading and emits
 * #QsslDtlsConnection::closed. A pending handshake fails.
 *
 * Since: 1.0
 */
void
qssl_dtls_connection_close (QsslDtlsConnection *self)
{
  g_autoptr(QsslDtlsConnection) keep_alive = NULL;

  g_return_if_fail (QSSL_IS_DTLS_CONNECTION (self));

  if (self->closed)
    return;
  keep_alive = g_object_ref (self);
  if (self->handshake_task != NULL)
    {
      qssl_dtls_abort_handshake (self->dtls, self->socket, NULL);
      handshake_done (self, g_error_new_literal (QSSL_DTLS_ERROR, QSSL_DTLS_ERROR_INVALID_OPERATION,
                                                 _("The connection was closed")));
    }
  if (self->socket != NULL && qssl_dtls_is_connection_encrypted (self->dtls))
    qssl_dtls_shutdown (self->dtls, self->socket, NULL);
  emit_closed (self);
}

/**
 * qssl_dtls_connection_ignore_ssl_errors:
 * @self: a #QsslDtlsConnection
 *
 * Called from a #QsslDtlsConnection::ssl-errors handler: accept the peer
 * anyway.
 *
 * Since: 1.0
 */
void
qssl_dtls_connection_ignore_ssl_errors (QsslDtlsConnection *self)
{
  g_return_if_fail (QSSL_IS_DTLS_CONNECTION (self));

  self->ignore_errors = TRUE;
}

/**
 * qssl_dtls_connection_is_encrypted:
 * @self: a #QsslDtlsConnection
 *
 * Returns: %TRUE between a completed handshake and the close
 *
 * Since: 1.0
 */
gboolean
qssl_dtls_connection_is_encrypted (QsslDtlsConnection *self)
{
  g_return_val_if_fail (QSSL_IS_DTLS_CONNECTION (self), FALSE);

  return !self->closed && qssl_dtls_is_connection_encrypted (self->dtls);
}

/**
 * qssl_dtls_connection_get_peer_address:
 * @self: a #QsslDtlsConnection
 *
 * Returns: (transfer none): the peer's address
 *
 * Since: 1.0
 */
GInetAddress *
qssl_dtls_connection_get_peer_address (QsslDtlsConnection *self)
{
  g_return_val_if_fail (QSSL_IS_DTLS_CONNECTION (self), NULL);

  return self->address;
}

/**
 * qssl_dtls_connection_get_peer_port:
 * @self: a #QsslDtlsConnection
 *
 * Returns: the peer's port
 *
 * Since: 1.0
 */
guint16
qssl_dtls_connection_get_peer_port (QsslDtlsConnection *self)
{
  g_return_val_if_fail (QSSL_IS_DTLS_CONNECTION (self), 0);

  return self->port;
}

/**
 * qssl_dtls_connection_get_session_cipher:
 * @self: a #QsslDtlsConnection
 *
 * Returns: (transfer full) (nullable): the cipher, %NULL before the
 *   handshake
 *
 * Since: 1.0
 */
QsslCipher *
qssl_dtls_connection_get_session_cipher (QsslDtlsConnection *self)
{
  g_return_val_if_fail (QSSL_IS_DTLS_CONNECTION (self), NULL);

  return qssl_dtls_get_session_cipher (self->dtls);
}

/**
 * qssl_dtls_connection_get_session_protocol:
 * @self: a #QsslDtlsConnection
 *
 * Returns: the DTLS version, %QSSL_PROTOCOL_UNKNOWN_PROTOCOL before the
 *   handshake
 *
 * Since: 1.0
 */
QsslProtocol
qssl_dtls_connection_get_session_protocol (QsslDtlsConnection *self)
{
  g_return_val_if_fail (QSSL_IS_DTLS_CONNECTION (self), QSSL_PROTOCOL_UNKNOWN_PROTOCOL);

  return qssl_dtls_get_session_protocol (self->dtls);
}

/**
 * qssl_dtls_connection_get_dtls:
 * @self: a #QsslDtlsConnection
 *
 * The #QsslDtls underneath, for its settings (MTU hint, PSK signal) and
 * state; do not drive its handshake yourself.
 *
 * Returns: (transfer none): the #QsslDtls
 *
 * Since: 1.0
 */
QsslDtls *
qssl_dtls_connection_get_dtls (QsslDtlsConnection *self)
{
  g_return_val_if_fail (QSSL_IS_DTLS_CONNECTION (self), NULL);

  return self->dtls;
}

/**
 * qssl_dtls_connection_get_socket:
 * @self: a #QsslDtlsConnection
 *
 * Returns: (transfer none) (nullable): the UDP socket (the server's, for a
 *   server-side connection); %NULL for a client before the handshake
 *
 * Since: 1.0
 */
GSocket *
qssl_dtls_connection_get_socket (QsslDtlsConnection *self)
{
  g_return_val_if_fail (QSSL_IS_DTLS_CONNECTION (self), NULL);

  return self->socket;
}

/* ---------------------------------------------------------------------- */
/* GDatagramBased: the same datagrams, for code written against GIO. The
 * waits iterate the connection's main context, like QsslSocket's
 * wait_for_*(): call them from that context's thread. */

static GIOCondition
datagram_condition_check (GDatagramBased *datagram_based,
                          GIOCondition    condition)
{
  QsslDtlsConnection *self = QSSL_DTLS_CONNECTION (datagram_based);
  GIOCondition ready = 0;

  if (self->incoming.length > 0)
    ready |= G_IO_IN;
  if (self->closed)
    ready |= G_IO_HUP;
  else if (qssl_dtls_is_connection_encrypted (self->dtls))
    ready |= G_IO_OUT;
  return ready & (condition | G_IO_HUP | G_IO_ERR);
}

typedef struct
{
  GSource             source;
  QsslDtlsConnection *connection;
  GIOCondition        condition;
} DatagramSource;

static gboolean
datagram_source_prepare (GSource *source,
                         gint    *timeout)
{
  DatagramSource *datagram_source = (DatagramSource *) source;

  *timeout = -1;
  return datagram_condition_check (G_DATAGRAM_BASED (datagram_source->connection), datagram_source->condition) != 0;
}

static gboolean
datagram_source_check (GSource *source)
{
  gint timeout;

  return datagram_source_prepare (source, &timeout);
}

static gboolean
datagram_source_dispatch (GSource     *source,
                          GSourceFunc  callback,
                          gpointer     user_data)
{
  DatagramSource *datagram_source = (DatagramSource *) source;
  GDatagramBasedSourceFunc func = (GDatagramBasedSourceFunc) (void (*) (void)) callback;

  if (func == NULL)
    return G_SOURCE_REMOVE;
  return func (G_DATAGRAM_BASED (datagram_source->connection),
               datagram_condition_check (G_DATAGRAM_BASED (datagram_source->connection), datagram_source->condition),
               user_data);
}

static void
datagram_source_finalize (GSource *source)
{
  g_object_unref (((DatagramSource *) source)->connection);
}

static GSourceFuncs datagram_source_funcs = {
  datagram_source_prepare,
  datagram_source_check,
  datagram_source_dispatch,
  datagram_source_finalize,
  NULL,
  NULL,
};

static GSource *
datagram_create_source (GDatagramBased *datagram_based,
                        GIOCondition    condition,
                        GCancellable   *cancellable)
{
  GSource *source = g_source_new (&datagram_source_funcs, sizeof (DatagramSource));
  DatagramSource *datagram_source = (DatagramSource *) source;

  g_source_set_static_name (source, "[qssl] DTLS connection");
  datagram_source->connection = g_object_ref (QSSL_DTLS_CONNECTION (datagram_based));
  datagram_source->condition = condition;
  if (cancellable != NULL)
    {
      GSource *cancelled = g_cancellable_source_new (cancellable);

      g_source_set_dummy_callback (cancelled);
      g_source_add_child_source (source, cancelled);
      g_source_unref (cancelled);
    }
  return source;
}

static gboolean
on_wait_over (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
datagram_condition_wait (GDatagramBased  *datagram_based,
                         GIOCondition     condition,
                         gint64           timeout,
                         GCancellable    *cancellable,
                         GError         **error)
{
  QsslDtlsConnection *self = QSSL_DTLS_CONNECTION (datagram_based);
  g_autoptr(QsslDtlsConnection) keep_alive = g_object_ref (self);
  GSource *deadline = NULL;
  gboolean expired = FALSE;

  if (datagram_condition_check (datagram_based, condition) != 0)
    return TRUE;
  if (!g_main_context_acquire (self->context))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                           _("Waiting is only possible on the thread of the connection's main context"));
      return FALSE;
    }
  if (timeout > 0)
    {
      deadline = g_timeout_source_new ((guint) MIN ((timeout + 999) / 1000, G_MAXUINT));
      g_source_set_callback (deadline, on_wait_over, &expired, NULL);
      g_source_attach (deadline, self->context);
    }
  while (datagram_condition_check (datagram_based, condition) == 0 && !expired && timeout != 0 &&
         !g_cancellable_is_cancelled (cancellable))
    g_main_context_iteration (self->context, TRUE);
  if (deadline != NULL)
    {
      g_source_destroy (deadline);
      g_source_unref (deadline);
    }
  g_main_context_release (self->context);
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  if (datagram_condition_check (datagram_based, condition) == 0)
    {
      g_set_error_literal (error, G_IO_ERROR, timeout == 0 ? G_IO_ERROR_WOULD_BLOCK : G_IO_ERROR_TIMED_OUT,
                           _("No datagram arrived in time"));
      return FALSE;
    }
  return TRUE;
}

static gint
datagram_receive_messages (GDatagramBased  *datagram_based,
                           GInputMessage   *messages,
                           guint            num_messages,
                           gint             flags,
                           gint64           timeout,
                           GCancellable    *cancellable,
                           GError         **error)
{
  QsslDtlsConnection *self = QSSL_DTLS_CONNECTION (datagram_based);
  guint received = 0;

  while (received < num_messages)
    {
      g_autoptr(GBytes) datagram = NULL;
      GInputMessage *message = &messages[received];
      const guint8 *data;
      gsize length, offset = 0;

      if (self->incoming.length == 0)
        {
          if (received > 0)
            break;
          if (self->closed)
            return 0; /* the end, as for a closed socket */
          if (!datagram_condition_wait (datagram_based, G_IO_IN, timeout, cancellable, error))
            return -1;
          if (self->incoming.length == 0)
            return 0;
        }
      datagram = g_queue_pop_head (&self->incoming);
      data = g_bytes_get_data (datagram, &length);
      for (guint i = 0; i < message->num_vectors && offset < length; i++)
        {
          gsize chunk = MIN (message->vectors[i].size, length - offset);

          memcpy (message->vectors[i].buffer, data + offset, chunk);
          offset += chunk;
        }
      message->bytes_received = offset;
      message->flags = 0;
      if (message->address != NULL)
        *message->address = g_inet_socket_address_new (self->address, self->port);
      if (message->num_control_messages != NULL)
        *message->num_control_messages = 0;
      if (message->control_messages != NULL)
        *message->control_messages = NULL;
      received++;
    }
  return (gint) received;
}

static gint
datagram_send_messages (GDatagramBased  *datagram_based,
                        GOutputMessage  *messages,
                        guint            num_messages,
                        gint             flags,
                        gint64           timeout,
                        GCancellable    *cancellable,
                        GError         **error)
{
  QsslDtlsConnection *self = QSSL_DTLS_CONNECTION (datagram_based);

  if (!qssl_dtls_connection_is_encrypted (self) &&
      !datagram_condition_wait (datagram_based, G_IO_OUT, timeout, cancellable, error))
    return -1;
  for (guint sent = 0; sent < num_messages; sent++)
    {
      g_autoptr(GByteArray) joined = g_byte_array_new ();
      g_autoptr(GBytes) datagram = NULL;
      GError *local_error = NULL;

      for (guint i = 0; i < messages[sent].num_vectors; i++)
        g_byte_array_append (joined, messages[sent].vectors[i].buffer, messages[sent].vectors[i].size);
      datagram = g_byte_array_free_to_bytes (g_steal_pointer (&joined));
      if (!qssl_dtls_connection_send (self, datagram, &local_error))
        {
          if (sent > 0)
            {
              g_error_free (local_error);
              return (gint) sent;
            }
          g_propagate_error (error, local_error);
          return -1;
        }
      messages[sent].bytes_sent = g_bytes_get_size (datagram);
    }
  return (gint) num_messages;
}

static void
qssl_dtls_connection_datagram_based_init (GDatagramBasedInterface *iface)
{
  iface->receive_messages = datagram_receive_messages;
  iface->send_messages = datagram_send_messages;
  iface->create_source = datagram_create_source;
  iface->condition_check = datagram_condition_check;
  iface->condition_wait = datagram_condition_wait;
}
