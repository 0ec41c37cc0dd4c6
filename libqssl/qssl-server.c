/* qssl-server.c: QsslServer, a TLS server on GSocketService (QSslServer)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The public API, properties and signals, the queue of encrypted sockets
 * and the ways to take them; the accept is in qssl-server-accept.c, the
 * handshakes in flight in qssl-server-admission.c (see
 * qssl-server-private.h).
 */

#include "config.h"

#include <sys/socket.h>

#include "qssl.h"
#include "qssl-engine-private.h"
#include "qssl-main-context-private.h"
#include "qssl-private.h"
#include "qssl-server-private.h"

/**
 * QsslServer:
 *
 * Accepts TCP connections and turns each into a server-mode #QsslSocket:
 * the handshake starts at once, a client that does not finish it within the
 * handshake timeout is dropped, and only encrypted sockets are queued for
 * [method@Qssl.Server.next_pending_connection].
 *
 * Handshakes in flight have limits of their own, apart from the queue of
 * [method@Qssl.Server.set_max_pending_connections]: at most
 * [property@Qssl.Server:max-handshakes] of them (the oldest makes room for a
 * newcomer), optionally at most
 * [property@Qssl.Server:max-handshakes-per-address] from one address, each
 * within a deadline that counts from the accept. Until the client's first
 * TLS record is in, a connection has no #QsslSocket and no TLS state (about
 * 1.5 KiB instead of 45). A failed accept (out of file descriptors) is
 * retried with a backoff. Together they keep a server
 * with the defaults serving while peers connect and stay silent; see the
 * "Server limits" section of the server guide.
 *
 * It is a #GSocketService, so g_socket_listener_add_inet_port() and friends
 * work too; it runs on the #GMainContext that is the thread-default when
 * it starts accepting.
 *
 * Mirrors `QSslServer` (Qt 6.4).
 *
 * Since: 1.0
 */

enum {
  PROP_0,
  PROP_REUSE_PORT,
  PROP_PROXY_PROTOCOL,
  PROP_MAX_HANDSHAKES,
  PROP_MAX_HANDSHAKES_PER_ADDRESS,
  PROP_IDLE_TIMEOUT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

guint _qssl_server_signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (QsslServer, qssl_server, G_TYPE_SOCKET_SERVICE)

static void
destroy_source (gpointer source)
{
  g_source_destroy (source);
  g_source_unref (source);
}

/* The queue of encrypted sockets */

void
_qssl_server_hand_over (QsslServer *self,
                        QsslSocket *socket)
{
  GTask *task = g_queue_pop_head (&self->accept_tasks);

  if (task != NULL)
    {
      /* The cancellation source goes; it can no longer touch the task. */
      g_task_set_task_data (task, NULL, NULL);
      g_task_return_pointer (task, socket, g_object_unref);
      g_object_unref (task);
    }
  else
    g_queue_push_tail (&self->pending, socket);
  _qssl_server_update_accepting (self);
  g_signal_emit (self, _qssl_server_signals[SIGNAL_PENDING_CONNECTION_AVAILABLE], 0);
  g_signal_emit (self, _qssl_server_signals[SIGNAL_NEW_CONNECTION], 0);
}

static void
qssl_server_dispose (GObject *object)
{
  QsslServer *self = QSSL_SERVER (object);

  _qssl_server_abort_handshakes (self);
  g_clear_pointer (&self->handshaking, g_hash_table_unref);
  g_clear_pointer (&self->per_address, g_hash_table_unref);
  _qssl_server_clear_accept_retry (self);
  g_queue_clear_full (&self->pending, g_object_unref);
  _qssl_server_drop_held (self);
  g_clear_pointer (&self->own_listeners, g_ptr_array_unref);
  {
    GTask *task;

    while ((task = g_queue_pop_head (&self->accept_tasks)) != NULL)
      {
        g_task_set_task_data (task, NULL, NULL);
        g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CLOSED, "%s", _("The server was closed"));
        g_object_unref (task);
      }
  }

  G_OBJECT_CLASS (qssl_server_parent_class)->dispose (object);
}

static void
qssl_server_finalize (GObject *object)
{
  QsslServer *self = QSSL_SERVER (object);

  g_clear_pointer (&self->configuration, qssl_configuration_free);
  g_clear_pointer (&self->accept_retry, _qssl_timer_free);
  g_clear_pointer (&self->drop_call, _qssl_deferred_free);
  g_clear_pointer (&self->dropped, g_ptr_array_unref);
  g_clear_pointer (&self->hosts, _qssl_host_table_unref);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_object (&self->address);

  G_OBJECT_CLASS (qssl_server_parent_class)->finalize (object);
}

static void
qssl_server_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  QsslServer *self = QSSL_SERVER (object);

  switch (prop_id)
    {
    case PROP_REUSE_PORT:
      g_value_set_boolean (value, self->reuse_port);
      break;
    case PROP_PROXY_PROTOCOL:
      g_value_set_boolean (value, self->proxy_protocol);
      break;
    case PROP_MAX_HANDSHAKES:
      g_value_set_int (value, self->max_handshakes);
      break;
    case PROP_MAX_HANDSHAKES_PER_ADDRESS:
      g_value_set_int (value, self->max_handshakes_per_address);
      break;
    case PROP_IDLE_TIMEOUT:
      g_value_set_int (value, self->idle_timeout);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
qssl_server_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  QsslServer *self = QSSL_SERVER (object);

  switch (prop_id)
    {
    case PROP_REUSE_PORT:
      qssl_server_set_reuse_port (self, g_value_get_boolean (value));
      break;
    case PROP_PROXY_PROTOCOL:
      qssl_server_set_proxy_protocol (self, g_value_get_boolean (value));
      break;
    case PROP_MAX_HANDSHAKES:
      qssl_server_set_max_handshakes (self, g_value_get_int (value));
      break;
    case PROP_MAX_HANDSHAKES_PER_ADDRESS:
      qssl_server_set_max_handshakes_per_address (self, g_value_get_int (value));
      break;
    case PROP_IDLE_TIMEOUT:
      qssl_server_set_idle_timeout (self, g_value_get_int (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
install_admission_properties (GObjectClass *object_class)
{
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  /**
   * QsslServer:max-handshakes:
   *
   * The most handshakes in flight (accepted, not yet encrypted); 0 for no
   * limit. At the limit, the oldest handshake is dropped (error-occurred
   * with %QSSL_SOCKET_ERROR_SOCKET_RESOURCE) to admit the newcomer, so
   * peers that connect and stay silent cannot lock healthy clients out.
   * 1024 by default. Separate from
   * [method@Qssl.Server.set_max_pending_connections], which limits only the
   * queue of encrypted sockets waiting to be taken.
   *
   * libqssl only.
   *
   * Since: 1.0
   */
  properties[PROP_MAX_HANDSHAKES] =
    g_param_spec_int ("max-handshakes", NULL, NULL, 0, G_MAXINT, QSSL_SERVER_DEFAULT_MAX_HANDSHAKES, rw);
  /**
   * QsslServer:max-handshakes-per-address:
   *
   * The most handshakes in flight from one IP address; a connection beyond
   * it is closed as soon as it is accepted, before any TLS state is made.
   * 0 (the default) for no limit: clients behind one NAT share an
   * address. Applies to connections accepted from now on.
   *
   * libqssl only.
   *
   * Since: 1.0
   */
  properties[PROP_MAX_HANDSHAKES_PER_ADDRESS] =
    g_param_spec_int ("max-handshakes-per-address", NULL, NULL, 0, G_MAXINT, 0, rw);
  /**
   * QsslServer:idle-timeout:
   *
   * The [property@Qssl.Socket:idle-timeout] every socket the server hands
   * out gets, in milliseconds; 0 (the default) for none.
   *
   * libqssl only.
   *
   * Since: 1.0
   */
  properties[PROP_IDLE_TIMEOUT] = g_param_spec_int ("idle-timeout", NULL, NULL, 0, G_MAXINT, 0, rw);
}

static void
qssl_server_class_init (QsslServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = qssl_server_dispose;
  object_class->finalize = qssl_server_finalize;
  object_class->get_property = qssl_server_get_property;
  object_class->set_property = qssl_server_set_property;
  install_admission_properties (object_class);
  G_SOCKET_SERVICE_CLASS (klass)->incoming = _qssl_server_incoming;
  G_SOCKET_LISTENER_CLASS (klass)->changed = _qssl_server_changed;

  /**
   * QsslServer:reuse-port:
   *
   * Whether the sockets that [method@Qssl.Server.listen] creates get
   * `SO_REUSEPORT` before they are bound, so that several processes (or
   * several servers) can listen on one port and the kernel spreads the
   * connections over them. Every socket on the port must have it, and all
   * must belong to one user. Changing it while listening applies to the
   * next [method@Qssl.Server.listen].
   *
   * libqssl only.
   *
   * Since: 1.0
   */
  properties[PROP_REUSE_PORT] =
    g_param_spec_boolean ("reuse-port", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * QsslServer:proxy-protocol:
   *
   * Whether every accepted connection starts with a PROXY protocol header
   * (HAProxy's, version 1 or 2), as a load balancer in front of the server
   * sends with `send-proxy` or `send-proxy-v2`. The header is read before
   * the ClientHello, within the handshake timeout, and the socket's
   * [method@Qssl.Socket.get_peer_address], [method@Qssl.Socket.get_peer_port]
   * and [method@Qssl.Socket.get_peer_name] are then the original client's
   * (a v1 `UNKNOWN`, a v2 `LOCAL` or an unspecified family keeps the
   * connection's own peer). g_socket_connection_get_remote_address() on the
   * socket still returns the balancer's address.
   *
   * A connection whose header is missing, malformed or longer than the
   * protocol allows (107 bytes for version 1; 4096 bytes of addresses and
   * TLVs for version 2) is closed, with [signal@Qssl.Server::error-occurred]
   * and %QSSL_SOCKET_ERROR_PROXY_PROTOCOL; one that closes before the end
   * of its header gives %QSSL_SOCKET_ERROR_REMOTE_HOST_CLOSED. The server
   * goes on accepting. Only enable it when every client comes through the
   * balancer: anybody who can connect directly can claim any address.
   *
   * Applies to connections accepted from then on.
   *
   * libqssl only.
   *
   * Since: 1.0
   */
  properties[PROP_PROXY_PROTOCOL] =
    g_param_spec_boolean ("proxy-protocol", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * QsslServer::new-connection:
   * @self: the server
   *
   * An encrypted connection is waiting. Mirrors `QTcpServer::newConnection()`.
   */
  _qssl_server_signals[SIGNAL_NEW_CONNECTION] = g_signal_new ("new-connection", G_TYPE_FROM_CLASS (klass),
                                                 G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /**
   * QsslServer::pending-connection-available:
   * @self: the server
   *
   * Mirrors `QTcpServer::pendingConnectionAvailable()`.
   */
  _qssl_server_signals[SIGNAL_PENDING_CONNECTION_AVAILABLE] = g_signal_new ("pending-connection-available",
                                                               G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                                               0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /**
   * QsslServer::started-encryption-handshake:
   * @self: the server
   * @socket: the accepted socket
   *
   * The client's first TLS record has arrived and the socket's handshake
   * begins (unlike Qt's, not at the accept: until then a connection has no
   * socket, so that silent clients cost little; see #QsslServer). A
   * connection dropped before its first record is reported by
   * #QsslServer::error-occurred with a socket made for the report, never
   * by this signal.
   *
   * Mirrors `QSslServer::startedEncryptionHandshake()`.
   */
  _qssl_server_signals[SIGNAL_STARTED_ENCRYPTION_HANDSHAKE] = g_signal_new ("started-encryption-handshake",
                                                               G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                                               0, NULL, NULL, NULL, G_TYPE_NONE, 1,
                                                               QSSL_TYPE_SOCKET);
  /**
   * QsslServer::ssl-errors:
   * @self: the server
   * @socket: the socket whose handshake found problems
   * @errors: (element-type QsslError): the problems
   *
   * Calling qssl_socket_ignore_ssl_errors() on @socket here lets its
   * handshake go on. Mirrors `QSslServer::sslErrors()`.
   */
  _qssl_server_signals[SIGNAL_SSL_ERRORS] = g_signal_new ("ssl-errors", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                             0, NULL, NULL, NULL, G_TYPE_NONE, 2, QSSL_TYPE_SOCKET,
                                             G_TYPE_PTR_ARRAY);
  /**
   * QsslServer::peer-verify-error:
   * @self: the server
   * @socket: the socket
   * @error: one problem
   *
   * Mirrors `QSslServer::peerVerifyError()`.
   */
  _qssl_server_signals[SIGNAL_PEER_VERIFY_ERROR] = g_signal_new ("peer-verify-error", G_TYPE_FROM_CLASS (klass),
                                                    G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                                                    QSSL_TYPE_SOCKET,
                                                    QSSL_TYPE_ERROR | G_SIGNAL_TYPE_STATIC_SCOPE);
  /**
   * QsslServer::error-occurred:
   * @self: the server
   * @socket: the socket that failed before it was encrypted
   * @error: what went wrong (%QSSL_SOCKET_ERROR_SOCKET_TIMEOUT for a
   *   client that did not finish its handshake in time)
   *
   * Mirrors `QSslServer::errorOccurred()`.
   */
  _qssl_server_signals[SIGNAL_ERROR_OCCURRED] = g_signal_new ("error-occurred", G_TYPE_FROM_CLASS (klass),
                                                 G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                                                 QSSL_TYPE_SOCKET, QSSL_TYPE_SOCKET_ERROR);
  /**
   * QsslServer::pre-shared-key-authentication-required:
   * @self: the server
   * @socket: the socket
   * @authenticator: set the key for the client's identity
   *
   * The server offers pre-shared-key cipher suites only to connections
   * that arrive while this signal has a handler.
   *
   * Mirrors `QSslServer::preSharedKeyAuthenticationRequired()`.
   */
  _qssl_server_signals[SIGNAL_PRE_SHARED_KEY_AUTHENTICATION_REQUIRED] =
    g_signal_new ("pre-shared-key-authentication-required", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, QSSL_TYPE_SOCKET, QSSL_TYPE_PRE_SHARED_KEY_AUTHENTICATOR);
  /**
   * QsslServer::alert-sent:
   * @self: the server
   * @socket: the socket
   * @level: the alert level
   * @type: the alert
   * @description: OpenSSL's description
   *
   * Mirrors `QSslServer::alertSent()`.
   */
  _qssl_server_signals[SIGNAL_ALERT_SENT] = g_signal_new ("alert-sent", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                             0, NULL, NULL, NULL, G_TYPE_NONE, 4, QSSL_TYPE_SOCKET,
                                             QSSL_TYPE_ALERT_LEVEL, QSSL_TYPE_ALERT_TYPE, G_TYPE_STRING);
  /**
   * QsslServer::alert-received:
   * @self: the server
   * @socket: the socket
   * @level: the alert level
   * @type: the alert
   * @description: OpenSSL's description
   *
   * Mirrors `QSslServer::alertReceived()`.
   */
  _qssl_server_signals[SIGNAL_ALERT_RECEIVED] = g_signal_new ("alert-received", G_TYPE_FROM_CLASS (klass),
                                                 G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 4,
                                                 QSSL_TYPE_SOCKET, QSSL_TYPE_ALERT_LEVEL,
                                                 QSSL_TYPE_ALERT_TYPE, G_TYPE_STRING);
  /**
   * QsslServer::handshake-interrupted-on-error:
   * @self: the server
   * @socket: the socket
   * @error: the problem
   *
   * Mirrors `QSslServer::handshakeInterruptedOnError()`.
   */
  _qssl_server_signals[SIGNAL_HANDSHAKE_INTERRUPTED_ON_ERROR] =
    g_signal_new ("handshake-interrupted-on-error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, QSSL_TYPE_SOCKET,
                  QSSL_TYPE_ERROR | G_SIGNAL_TYPE_STATIC_SCOPE);

  /**
   * QsslServer::accept-error:
   * @self: the server
   * @error: what went wrong, for example
   *   %QSSL_SOCKET_ERROR_SOCKET_RESOURCE when the process is out of file
   *   descriptors
   * @message: the system's description of the failure
   *
   * Accepting a connection failed. Unlike Qt's, the server does not stay
   * paused: it tries again after 10 ms, then after twice as long each time
   * it fails again, up to 1 s; this signal comes for each failure.
   * Connections wait in the kernel's queue meanwhile. Out of file
   * descriptors with handshakes in flight, it drops the oldest handshake
   * (see #QsslServer:max-handshakes) and tries again at once instead. A
   * handler may call [method@Qssl.Server.pause_accepting] to wait for
   * [method@Qssl.Server.resume_accepting], as with Qt.
   *
   * Mirrors `QTcpServer::acceptError()`; @message is what
   * `QTcpServer::errorString()` would return.
   *
   * Since: 1.0
   */
  _qssl_server_signals[SIGNAL_ACCEPT_ERROR] = g_signal_new ("accept-error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                               0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                                               QSSL_TYPE_SOCKET_ERROR, G_TYPE_STRING);
}

static void
qssl_server_init (QsslServer *self)
{
  _qssl_init ();
  self->configuration = qssl_configuration_get_default ();
  self->handshake_timeout = 5000;
  self->max_pending = 30;
  self->context = g_main_context_ref_thread_default ();
  _qssl_server_accept_init (self);
  _qssl_server_admission_init (self);
}

/**
 * qssl_server_new:
 *
 * A server with a copy of the default configuration (set a local
 * certificate and key with [method@Qssl.Server.set_ssl_configuration]).
 *
 * Mirrors `QSslServer::QSslServer()`.
 *
 * Returns: (transfer full): a new server
 *
 * Since: 1.0
 */
QsslServer *
qssl_server_new (void)
{
  return g_object_new (QSSL_TYPE_SERVER, NULL);
}

/**
 * qssl_server_listen:
 * @self: a #QsslServer
 * @address: (nullable): the address to listen on, or %NULL for every address
 *   of both IPv4 and IPv6
 * @port: the port, or 0 to pick a free one
 * @error: return location for a #GError
 *
 * Starts listening and accepting.
 *
 * With [property@Qssl.Server:reuse-port] the listening sockets are the
 * server's own, with `SO_REUSEPORT`, and other processes may listen on the
 * same port.
 *
 * The server's [struct@Qssl.Configuration] is checked first: when no
 * handshake could succeed with it (for example a private key that does not
 * belong to the local certificate) the server does not listen and @error is
 * %QSSL_SOCKET_ERROR_SSL_INVALID_USER_DATA.
 *
 * Mirrors `QTcpServer::listen()`.
 *
 * Returns: %TRUE on success; %FALSE with %QSSL_SOCKET_ERROR_OPERATION when
 *   the server is already listening, or with GIO's error when the address
 *   cannot be bound
 *
 * Since: 1.0
 */
gboolean
qssl_server_listen (QsslServer    *self,
                    GInetAddress  *address,
                    guint16        port,
                    GError       **error)
{
  GSocketListener *listener = G_SOCKET_LISTENER (self);

  g_return_val_if_fail (QSSL_IS_SERVER (self), FALSE);

  /* As QTcpServer::listen(), which refuses ("called when already
   * listening") rather than adding a second port. */
  if (self->listening)
    {
      g_set_error_literal (error, QSSL_SOCKET_ERROR, QSSL_SOCKET_ERROR_OPERATION,
                           _("The server is already listening"));
      return FALSE;
    }

  /* Connections beyond max_pending wait in the kernel's queue: make it deep
   * enough that a burst of clients is queued rather than dropped (GLib's
   * default is 10; set here because construction resets it). */
  g_socket_listener_set_backlog (listener, SOMAXCONN);

  /* A server that cannot do a handshake would accept every client only to
   * reset it: refuse to listen instead (not checked by Qt). */
  if (!_qssl_engine_check_configuration (self->configuration, QSSL_MODE_SSL_SERVER, error))
    return FALSE;

  self->adding_own = TRUE;
  if (self->reuse_port)
    port = _qssl_server_listen_reusing_port (self, address, port, error);
  else if (address == NULL)
    {
      if (port == 0)
        port = g_socket_listener_add_any_inet_port (listener, NULL, error);
      else if (!g_socket_listener_add_inet_port (listener, port, NULL, error))
        port = 0;
    }
  else
    {
      g_autoptr(GSocketAddress) socket_address = g_inet_socket_address_new (address, port);
      g_autoptr(GSocketAddress) effective = NULL;

      if (g_socket_listener_add_address (listener, socket_address, G_SOCKET_TYPE_STREAM,
                                         G_SOCKET_PROTOCOL_TCP, NULL, &effective, error))
        port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
      else
        port = 0;
    }
  self->adding_own = FALSE;
  if (port == 0)
    return FALSE;
  self->port = port;
  g_set_object (&self->address, address);
  self->listening = TRUE;
  _qssl_server_update_accepting (self);
  return TRUE;
}

/**
 * qssl_server_is_listening:
 * @self: a #QsslServer
 *
 * Mirrors `QTcpServer::isListening()`.
 *
 * Returns: %TRUE while listening
 *
 * Since: 1.0
 */
gboolean
qssl_server_is_listening (QsslServer *self)
{
  g_return_val_if_fail (QSSL_IS_SERVER (self), FALSE);

  return self->listening;
}

/**
 * qssl_server_get_server_port:
 * @self: a #QsslServer
 *
 * The port the server listens on (the one picked when 0 was asked for).
 *
 * Mirrors `QTcpServer::serverPort()`.
 *
 * Returns: the port, or 0 when not listening
 *
 * Since: 1.0
 */
guint16
qssl_server_get_server_port (QsslServer *self)
{
  g_return_val_if_fail (QSSL_IS_SERVER (self), 0);

  return self->listening ? self->port : 0;
}

/**
 * qssl_server_get_server_address:
 * @self: a #QsslServer
 *
 * The address given to [method@Qssl.Server.listen]; the IPv6 "any" address
 * (which also accepts IPv4) when it was %NULL.
 *
 * Mirrors `QTcpServer::serverAddress()`.
 *
 * Returns: (transfer full) (nullable): the address, or %NULL when not listening
 *
 * Since: 1.0
 */
GInetAddress *
qssl_server_get_server_address (QsslServer *self)
{
  g_return_val_if_fail (QSSL_IS_SERVER (self), NULL);

  if (!self->listening)
    return NULL;
  return self->address ? g_object_ref (self->address) : g_inet_address_new_any (G_SOCKET_FAMILY_IPV6);
}

/**
 * qssl_server_close:
 * @self: a #QsslServer
 *
 * Stops listening. Encrypted sockets already queued stay available; those
 * still handshaking are dropped.
 *
 * Mirrors `QTcpServer::close()`.
 *
 * Since: 1.0
 */
void
qssl_server_close (QsslServer *self)
{

  g_return_if_fail (QSSL_IS_SERVER (self));

  self->listening = FALSE;
  /* Closed before the accept is cancelled, so that the cancellation has
   * nothing left to accept. Held connections go with the backlog. */
  _qssl_server_stop_accepting (self);
  _qssl_server_forget_listeners (self);
  g_socket_listener_close (G_SOCKET_LISTENER (self));
  _qssl_server_stop_accepting (self);
  _qssl_server_clear_accept_retry (self);
  self->accept_backoff = 0;
  _qssl_server_drop_held (self);
  _qssl_server_abort_handshakes (self);
}

/**
 * qssl_server_get_ssl_configuration:
 * @self: a #QsslServer
 *
 * Mirrors `QSslServer::sslConfiguration()`.
 *
 * Returns: (transfer full): a copy of the configuration new sockets get
 *
 * Since: 1.0
 */
QsslConfiguration *
qssl_server_get_ssl_configuration (QsslServer *self)
{
  g_return_val_if_fail (QSSL_IS_SERVER (self), NULL);

  return qssl_configuration_copy (self->configuration);
}

/**
 * qssl_server_set_ssl_configuration:
 * @self: a #QsslServer
 * @configuration: the configuration for connections accepted from now on
 *
 * Sets the configuration of the handshakes that start from now on, also
 * while the server is listening: this is how a server reloads its
 * certificate and key. Established connections and handshakes in flight
 * keep the configuration they started with. Unlike
 * [method@Qssl.Server.listen], this does not check @configuration: a
 * configuration that cannot do a handshake fails each handshake with
 * %QSSL_SOCKET_ERROR_SSL_INVALID_USER_DATA (reported by
 * [signal@Qssl.Server::error-occurred]).
 *
 * Mirrors `QSslServer::setSslConfiguration()`.
 *
 * Since: 1.0
 */
void
qssl_server_set_ssl_configuration (QsslServer              *self,
                                   const QsslConfiguration *configuration)
{
  g_return_if_fail (QSSL_IS_SERVER (self));
  g_return_if_fail (configuration != NULL);

  _qssl_server_keep_configuration (self);
  qssl_configuration_free (self->configuration);
  self->configuration = qssl_configuration_copy (configuration);
}

/**
 * qssl_server_set_host_configuration:
 * @self: a #QsslServer
 * @host_name: a host name such as `www.example.org`, or a wildcard pattern
 *   such as `*.example.org`
 * @configuration: the configuration for clients that ask for @host_name
 *
 * Serves a virtual host: a client that sends @host_name as its server name
 * (SNI) gets a handshake with @configuration instead of the server's own
 * (see [method@Qssl.Server.set_ssl_configuration]). The host is chosen
 * from the ClientHello before the server sends anything, and its
 * certificate, key and chain, CA certificates, verify mode and depth, ALPN
 * protocols, ciphers, protocol range, OCSP response and pre-shared key
 * identity hint apply; the accepted socket's
 * [method@Qssl.Socket.get_ssl_configuration] is then @configuration (with
 * the session's state), and [method@Qssl.Socket.get_requested_server_name]
 * the name the client sent.
 *
 * Names compare without regard to ASCII case or a trailing dot. A pattern
 * `*.example.org` matches exactly one more label, as in certificates:
 * `www.example.org` but neither `example.org` nor `a.b.example.org`. An
 * exact name wins over a pattern. A client that sends no name, or a name
 * no host matches, gets the server's own configuration. Setting a name
 * again replaces its configuration.
 *
 * Some settings are the server's, whatever the host: the session-ticket
 * keys (as in nginx: set them on the server's own configuration), the
 * elliptic curves when the host's configuration leaves them at the default,
 * and the server's signals and limits. Sessions never resume across hosts:
 * each host has a session ID context of its own, so a ticket or session ID
 * that a client got from one host is a full handshake on another.
 *
 * Changes apply from the next handshake on; established connections and
 * handshakes in flight keep what they started with. @configuration is not
 * checked here: when it cannot do a handshake (a key that does not belong
 * to its certificate, say), its clients' handshakes fail with
 * %QSSL_SOCKET_ERROR_SSL_INVALID_USER_DATA.
 *
 * libqssl only.
 *
 * Since: 1.0
 */
void
qssl_server_set_host_configuration (QsslServer              *self,
                                    const char              *host_name,
                                    const QsslConfiguration *configuration)
{
  g_autofree char *key = NULL;
  QsslHostTable *hosts;

  g_return_if_fail (QSSL_IS_SERVER (self));
  g_return_if_fail (host_name != NULL);
  g_return_if_fail (configuration != NULL);
  key = _qssl_host_name_normalize (host_name);
  g_return_if_fail (key != NULL);

  hosts = _qssl_host_table_with (self->hosts, key, configuration);
  g_clear_pointer (&self->hosts, _qssl_host_table_unref);
  self->hosts = hosts;
}

/**
 * qssl_server_remove_host_configuration:
 * @self: a #QsslServer
 * @host_name: a name given to [method@Qssl.Server.set_host_configuration]
 *   (compared the same way)
 *
 * Stops serving a virtual host: from the next handshake on, its clients
 * get the server's own configuration (or a wildcard pattern that matches
 * them). Nothing happens when @host_name is not a host of the server.
 *
 * libqssl only.
 *
 * Since: 1.0
 */
void
qssl_server_remove_host_configuration (QsslServer *self,
                                       const char *host_name)
{
  g_autofree char *key = NULL;
  QsslHostTable *hosts;

  g_return_if_fail (QSSL_IS_SERVER (self));
  g_return_if_fail (host_name != NULL);
  key = _qssl_host_name_normalize (host_name);
  g_return_if_fail (key != NULL);

  if (self->hosts == NULL)
    return;
  hosts = _qssl_host_table_with (self->hosts, key, NULL);
  g_clear_pointer (&self->hosts, _qssl_host_table_unref);
  self->hosts = hosts;
}

/**
 * qssl_server_get_handshake_timeout:
 * @self: a #QsslServer
 *
 * Mirrors `QSslServer::handshakeTimeout()`.
 *
 * Returns: the timeout in milliseconds
 *
 * Since: 1.0
 */
int
qssl_server_get_handshake_timeout (QsslServer *self)
{
  g_return_val_if_fail (QSSL_IS_SERVER (self), 0);

  return self->handshake_timeout;
}

/**
 * qssl_server_set_handshake_timeout:
 * @self: a #QsslServer
 * @msecs: how long a client may take to finish its handshake (default 5000)
 *
 * Applies to connections accepted from now on.
 *
 * Mirrors `QSslServer::setHandshakeTimeout()`.
 *
 * Since: 1.0
 */
void
qssl_server_set_handshake_timeout (QsslServer *self,
                                   int         msecs)
{
  g_return_if_fail (QSSL_IS_SERVER (self));
  g_return_if_fail (msecs >= 0);

  self->handshake_timeout = msecs;
}

/**
 * qssl_server_has_pending_connections:
 * @self: a #QsslServer
 *
 * Mirrors `QTcpServer::hasPendingConnections()`.
 *
 * Returns: %TRUE if an encrypted socket is waiting
 *
 * Since: 1.0
 */
gboolean
qssl_server_has_pending_connections (QsslServer *self)
{
  g_return_val_if_fail (QSSL_IS_SERVER (self), FALSE);

  return !g_queue_is_empty (&self->pending);
}

/**
 * qssl_server_next_pending_connection:
 * @self: a #QsslServer
 *
 * Takes the next encrypted socket, in the order their handshakes finished.
 *
 * Mirrors `QTcpServer::nextPendingConnection()`.
 *
 * Returns: (transfer full) (nullable): the socket, or %NULL
 *
 * Since: 1.0
 */
QsslSocket *
qssl_server_next_pending_connection (QsslServer *self)
{
  QsslSocket *socket;

  g_return_val_if_fail (QSSL_IS_SERVER (self), NULL);

  socket = g_queue_pop_head (&self->pending);
  _qssl_server_update_accepting (self);
  return socket;
}

/**
 * qssl_server_pause_accepting:
 * @self: a #QsslServer
 *
 * Stops accepting; new connections wait in the kernel's backlog (one the
 * server had already taken waits with the server, its handshake not begun).
 * None is dropped: all get in after [method@Qssl.Server.resume_accepting].
 *
 * Mirrors `QTcpServer::pauseAccepting()`.
 *
 * Since: 1.0
 */
void
qssl_server_pause_accepting (QsslServer *self)
{
  g_return_if_fail (QSSL_IS_SERVER (self));

  self->paused = TRUE;
  _qssl_server_update_accepting (self);
}

/**
 * qssl_server_resume_accepting:
 * @self: a #QsslServer
 *
 * Mirrors `QTcpServer::resumeAccepting()`.
 *
 * Since: 1.0
 */
void
qssl_server_resume_accepting (QsslServer *self)
{
  g_return_if_fail (QSSL_IS_SERVER (self));

  self->paused = FALSE;
  _qssl_server_update_accepting (self);
}

/**
 * qssl_server_get_max_pending_connections:
 * @self: a #QsslServer
 *
 * Mirrors `QTcpServer::maxPendingConnections()`.
 *
 * Returns: the limit (encrypted sockets waiting to be taken; 0 for none)
 *
 * Since: 1.0
 */
int
qssl_server_get_max_pending_connections (QsslServer *self)
{
  g_return_val_if_fail (QSSL_IS_SERVER (self), 0);

  return self->max_pending;
}

/**
 * qssl_server_set_max_pending_connections:
 * @self: a #QsslServer
 * @max: the most encrypted sockets waiting to be taken (default 30, 0 for
 *   no limit); while the queue is full the server stops accepting and new
 *   connections wait in the kernel's backlog. Handshakes in flight do not
 *   count (they have #QsslServer:max-handshakes); those that finish while
 *   the queue is full are still queued.
 *
 * Mirrors `QTcpServer::setMaxPendingConnections()`.
 *
 * Since: 1.0
 */
void
qssl_server_set_max_pending_connections (QsslServer *self,
                                         int         max)
{
  g_return_if_fail (QSSL_IS_SERVER (self));
  g_return_if_fail (max >= 0);

  self->max_pending = max;
  _qssl_server_update_accepting (self);
}

/**
 * qssl_server_wait_for_new_connection:
 * @self: a #QsslServer
 * @msecs: the timeout in milliseconds, -1 for none
 * @timed_out: (out) (optional): set to whether the time ran out
 * @error: return location for a #GError
 *
 * Blocks until an encrypted connection is pending, running the server's
 * main context (its accepts and handshakes) without a main loop.
 *
 * A server that is not listening (and has no connection queued) fails at
 * once with %QSSL_SOCKET_ERROR_OPERATION, whatever @msecs.
 *
 * Mirrors `QTcpServer::waitForNewConnection()`.
 *
 * Returns: %TRUE when a connection is pending
 *
 * Since: 1.0
 */
gboolean
qssl_server_wait_for_new_connection (QsslServer  *self,
                                     int          msecs,
                                     gboolean    *timed_out,
                                     GError     **error)
{
  gint64 deadline = msecs < 0 ? -1 : g_get_monotonic_time () + (gint64) msecs * 1000;

  g_return_val_if_fail (QSSL_IS_SERVER (self), FALSE);

  if (timed_out != NULL)
    *timed_out = FALSE;
  if (!g_main_context_acquire (self->context))
    {
      g_set_error_literal (error, QSSL_SOCKET_ERROR, QSSL_SOCKET_ERROR_OPERATION,
                           _("The server's main context is in use by another thread"));
      return FALSE;
    }
  while (g_queue_is_empty (&self->pending))
    {
      gint64 remaining = deadline < 0 ? -1 : deadline - g_get_monotonic_time ();

      /* Nothing can come (never listened, closed, or closed by a handler
       * meanwhile): as Qt, fail at once rather than wait out the time. */
      if (!self->listening)
        {
          g_main_context_release (self->context);
          g_set_error_literal (error, QSSL_SOCKET_ERROR, QSSL_SOCKET_ERROR_OPERATION,
                               _("The server is not listening"));
          return FALSE;
        }
      if (deadline >= 0 && remaining <= 0)
        {
          g_main_context_release (self->context);
          if (timed_out != NULL)
            *timed_out = TRUE;
          g_set_error_literal (error, QSSL_SOCKET_ERROR, QSSL_SOCKET_ERROR_SOCKET_TIMEOUT,
                               _("Socket operation timed out"));
          return FALSE;
        }
      _qssl_main_context_iterate (self->context, remaining);
    }
  g_main_context_release (self->context);
  return TRUE;
}

static gboolean
on_accept_cancelled (GCancellable *cancellable,
                     gpointer      user_data)
{
  GTask *task = user_data;
  QsslServer *self = g_task_get_source_object (task);

  /* Only a task still waiting is finished here; the socket it would have
   * received stays queued for the next caller. */
  if (g_queue_remove (&self->accept_tasks, task))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "%s", _("Operation was cancelled"));
      g_object_unref (task);
    }
  return G_SOURCE_REMOVE;
}

/**
 * qssl_server_accept_async:
 * @self: a #QsslServer
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the next encrypted socket
 * @user_data: data for @callback
 *
 * The next encrypted connection, as a GIO asynchronous call. @cancellable
 * may be cancelled from any thread; the cancellation is handled, and
 * @callback runs, on the server's main context.
 *
 * libqssl addition (GIO style of `QTcpServer::nextPendingConnection()`).
 *
 * Since: 1.0
 */
void
qssl_server_accept_async (QsslServer          *self,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (QSSL_IS_SERVER (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, qssl_server_accept_async);
  /* A socket handed to the task is delivered even if a cancellation follows
   * before the callback runs: dropping it would lose the connection. */
  g_task_set_check_cancellable (task, FALSE);
  if (!g_queue_is_empty (&self->pending))
    {
      g_task_return_pointer (task, g_queue_pop_head (&self->pending), g_object_unref);
      g_object_unref (task);
      _qssl_server_update_accepting (self);
      return;
    }
  if (g_task_return_error_if_cancelled (task))
    {
      g_object_unref (task);
      return;
    }
  g_queue_push_tail (&self->accept_tasks, task);
  if (cancellable != NULL)
    {
      /* GCancellable::cancelled runs in the cancelling thread; a source
       * brings the cancellation to the server's context instead, where
       * the queue lives. It goes with the task (its task data). */
      GSource *source = g_cancellable_source_new (cancellable);

      g_source_set_callback (source, G_SOURCE_FUNC (on_accept_cancelled), task, NULL);
      g_source_set_static_name (source, "[qssl] accept cancelled");
      g_source_attach (source, self->context);
      g_task_set_task_data (task, source, destroy_source);
    }
}

/**
 * qssl_server_accept_finish:
 * @self: a #QsslServer
 * @result: the result given to the callback
 * @error: return location for a #GError
 *
 * Finishes [method@Qssl.Server.accept_async].
 *
 * Returns: (transfer full): the encrypted socket, or %NULL with @error set
 *
 * Since: 1.0
 */
QsslSocket *
qssl_server_accept_finish (QsslServer    *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * qssl_server_set_reuse_port:
 * @self: a #QsslServer
 * @reuse_port: whether [method@Qssl.Server.listen] sets `SO_REUSEPORT`
 *
 * Sets [property@Qssl.Server:reuse-port]. While listening it applies to the
 * next [method@Qssl.Server.listen].
 *
 * libqssl only.
 *
 * Since: 1.0
 */
void
qssl_server_set_reuse_port (QsslServer *self,
                            gboolean    reuse_port)
{
  g_return_if_fail (QSSL_IS_SERVER (self));

  reuse_port = !!reuse_port;
  if (self->reuse_port == reuse_port)
    return;
  self->reuse_port = reuse_port;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REUSE_PORT]);
}

/**
 * qssl_server_get_reuse_port:
 * @self: a #QsslServer
 *
 * libqssl only.
 *
 * Returns: the value of [property@Qssl.Server:reuse-port]
 *
 * Since: 1.0
 */
gboolean
qssl_server_get_reuse_port (QsslServer *self)
{
  g_return_val_if_fail (QSSL_IS_SERVER (self), FALSE);

  return self->reuse_port;
}

/**
 * qssl_server_set_proxy_protocol:
 * @self: a #QsslServer
 * @proxy_protocol: whether connections start with a PROXY protocol header
 *
 * Sets [property@Qssl.Server:proxy-protocol], for connections accepted from
 * now on.
 *
 * libqssl only.
 *
 * Since: 1.0
 */
void
qssl_server_set_proxy_protocol (QsslServer *self,
                                gboolean    proxy_protocol)
{
  g_return_if_fail (QSSL_IS_SERVER (self));

  proxy_protocol = !!proxy_protocol;
  if (self->proxy_protocol == proxy_protocol)
    return;
  self->proxy_protocol = proxy_protocol;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROXY_PROTOCOL]);
}

/**
 * qssl_server_get_proxy_protocol:
 * @self: a #QsslServer
 *
 * libqssl only.
 *
 * Returns: the value of [property@Qssl.Server:proxy-protocol]
 *
 * Since: 1.0
 */
gboolean
qssl_server_get_proxy_protocol (QsslServer *self)
{
  g_return_val_if_fail (QSSL_IS_SERVER (self), FALSE);

  return self->proxy_protocol;
}

/**
 * qssl_server_listen_activated:
 * @self: a #QsslServer
 * @error: return location for a #GError
 *
 * Listens on the sockets that the service manager passed to the process:
 * systemd's socket activation (`LISTEN_PID`, `LISTEN_FDS` and
 * `LISTEN_FDNAMES`, descriptors from 3 on), as `sd_listen_fds()` reads it,
 * or any launcher that follows the protocol, such as
 * `systemd-socket-activate`. No libsystemd is needed.
 *
 * The variables must name this process (`LISTEN_PID`) and each descriptor
 * must be a listening stream socket (TCP, or a Unix socket). The
 * descriptors get `FD_CLOEXEC`, and the three variables are removed from
 * the environment whatever they held, as `sd_listen_fds (1)` does, so that
 * processes started later do not take them for theirs (so call it before
 * the process starts threads that read the environment). The server's
 * [method@Qssl.Server.get_server_port] and
 * [method@Qssl.Server.get_server_address] are those of the first TCP socket.
 *
 * The server's [struct@Qssl.Configuration] is checked first, as by
 * [method@Qssl.Server.listen].
 *
 * libqssl only.
 *
 * Returns: %TRUE when the server listens on the passed sockets; %FALSE with
 *   %G_IO_ERROR_NOT_FOUND when none were passed to this process,
 *   %G_IO_ERROR_INVALID_DATA when the variables are malformed,
 *   %G_IO_ERROR_INVALID_ARGUMENT when a descriptor is not a listening stream
 *   socket, or %QSSL_SOCKET_ERROR_OPERATION when already listening
 *
 * Since: 1.0
 */
gboolean
qssl_server_listen_activated (QsslServer  *self,
                              GError     **error)
{
  g_autoptr(GPtrArray) sockets = NULL;

  g_return_val_if_fail (QSSL_IS_SERVER (self), FALSE);

  if (self->listening)
    {
      g_set_error_literal (error, QSSL_SOCKET_ERROR, QSSL_SOCKET_ERROR_OPERATION,
                           _("The server is already listening"));
      return FALSE;
    }
  if (!_qssl_engine_check_configuration (self->configuration, QSSL_MODE_SSL_SERVER, error))
    return FALSE;
  sockets = _qssl_server_activated_sockets (error);
  g_unsetenv ("LISTEN_PID");
  g_unsetenv ("LISTEN_FDS");
  g_unsetenv ("LISTEN_FDNAMES");
  if (sockets == NULL)
    return FALSE;

  self->port = 0;
  g_clear_object (&self->address);
  for (guint i = 0; i < sockets->len; i++)
    {
      GSocket *socket = sockets->pdata[i];
      gboolean added;

      self->adding_own = TRUE;
      added = _qssl_server_add_listening_socket (self, socket, error);
      self->adding_own = FALSE;
      if (!added)
        {
          g_socket_listener_close (G_SOCKET_LISTENER (self));
          self->listening = FALSE;
          _qssl_server_stop_accepting (self);
          _qssl_server_forget_listeners (self);
          return FALSE;
        }
      if (self->port == 0 && _qssl_server_local_port (socket) != 0)
        {
          g_autoptr(GSocketAddress) local = g_socket_get_local_address (socket, NULL);
          GInetAddress *address = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (local));

          self->port = _qssl_server_local_port (socket);
          if (!g_inet_address_get_is_any (address))
            self->address = g_object_ref (address);
        }
    }
  self->listening = TRUE;
  _qssl_server_update_accepting (self);
  return TRUE;
}

/**
 * qssl_server_get_max_handshakes:
 * @self: a #QsslServer
 *
 * See #QsslServer:max-handshakes.
 *
 * libqssl only.
 *
 * Returns: the most handshakes in flight, 0 for no limit
 *
 * Since: 1.0
 */
int
qssl_server_get_max_handshakes (QsslServer *self)
{
  g_return_val_if_fail (QSSL_IS_SERVER (self), 0);

  return self->max_handshakes;
}

/**
 * qssl_server_set_max_handshakes:
 * @self: a #QsslServer
 * @max: the most handshakes in flight (default 1024), 0 for no limit
 *
 * See #QsslServer:max-handshakes. Lowering it below the number in flight
 * drops none at once: the oldest go as new connections arrive.
 *
 * libqssl only.
 *
 * Since: 1.0
 */
void
qssl_server_set_max_handshakes (QsslServer *self,
                                int         max)
{
  g_return_if_fail (QSSL_IS_SERVER (self));
  g_return_if_fail (max >= 0);

  if (self->max_handshakes == max)
    return;
  self->max_handshakes = max;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MAX_HANDSHAKES]);
}

/**
 * qssl_server_get_max_handshakes_per_address:
 * @self: a #QsslServer
 *
 * See #QsslServer:max-handshakes-per-address.
 *
 * libqssl only.
 *
 * Returns: the most handshakes in flight from one address, 0 for no limit
 *
 * Since: 1.0
 */
int
qssl_server_get_max_handshakes_per_address (QsslServer *self)
{
  g_return_val_if_fail (QSSL_IS_SERVER (self), 0);

  return self->max_handshakes_per_address;
}

/**
 * qssl_server_set_max_handshakes_per_address:
 * @self: a #QsslServer
 * @max: the most handshakes in flight from one IP address, 0 (the default)
 *   for no limit
 *
 * See #QsslServer:max-handshakes-per-address.
 *
 * libqssl only.
 *
 * Since: 1.0
 */
void
qssl_server_set_max_handshakes_per_address (QsslServer *self,
                                            int         max)
{
  g_return_if_fail (QSSL_IS_SERVER (self));
  g_return_if_fail (max >= 0);

  if (self->max_handshakes_per_address == max)
    return;
  self->max_handshakes_per_address = max;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MAX_HANDSHAKES_PER_ADDRESS]);
}

/**
 * qssl_server_get_idle_timeout:
 * @self: a #QsslServer
 *
 * See #QsslServer:idle-timeout.
 *
 * libqssl only.
 *
 * Returns: the idle timeout of the sockets handed out, in milliseconds
 *   (0: none)
 *
 * Since: 1.0
 */
int
qssl_server_get_idle_timeout (QsslServer *self)
{
  g_return_val_if_fail (QSSL_IS_SERVER (self), 0);

  return self->idle_timeout;
}

/**
 * qssl_server_set_idle_timeout:
 * @self: a #QsslServer
 * @msecs: the [property@Qssl.Socket:idle-timeout] of the sockets handed out
 *   from now on, 0 (the default) for none
 *
 * So that clients which connect and then say nothing cannot hold the
 * server's descriptors: see #QsslServer:idle-timeout.
 *
 * libqssl only.
 *
 * Since: 1.0
 */
void
qssl_server_set_idle_timeout (QsslServer *self,
                              int         msecs)
{
  g_return_if_fail (QSSL_IS_SERVER (self));
  g_return_if_fail (msecs >= 0);

  if (self->idle_timeout == msecs)
    return;
  self->idle_timeout = msecs;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_IDLE_TIMEOUT]);
}

