/* qssl-socket.c: QsslSocket, a TLS socket that is a GSocketConnection (QSslSocket)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The file reads as the life of a connection: construction, resolving and
 * connecting, the handshake and its verification, the read and write pumps,
 * closing, then the blocking calls and the accessors.
 */

#include "config.h"

#include <errno.h>
#include <string.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/ioctl.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <openssl/opensslv.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include "qssl.h"
#include "qssl-bio-private.h"
#include "qssl-certificate-private.h"
#include "qssl-cipher-private.h"
#include "qssl-configuration-private.h"
#include "qssl-error-private.h"
#include "qssl-key-private.h"
#include "qssl-private.h"
#include "qssl-psk-authenticator-private.h"
#include "qssl-socket-private.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SSL_SESSION, SSL_SESSION_free)

/* Plaintext is read from OpenSSL in blocks of this size. */
#define READ_CHUNK (16 * 1024)

/* At most this much is read per readiness before ready-read: a peer that
 * sends as fast as we decrypt must not keep us in the loop, with the
 * buffer growing, until it stops. */
#define PUMP_LIMIT (4 * READ_CHUNK)

/**
 * QsslSocket:
 *
 * A TCP socket that speaks TLS, with Qt's `QSslSocket` API and signals, and a
 * #GSocketConnection (so a #GIOStream) for GIO code.
 *
 * A socket belongs to the #GMainContext that was the thread-default when it
 * was created; its handshake and I/O run there, driven by socket readiness,
 * and every signal is emitted there. The `wait_for_*()` calls run the same
 * work without a main loop.
 *
 * `g_object_new (QSSL_TYPE_SOCKET, NULL)` (what `Qssl.Socket()` in Python and
 * `new Qssl.Socket()` in GJS do) and [ctor@Qssl.Socket.new] give the same
 * unconnected socket. #GSocketConnection needs a #GSocket from construction
 * on, so an unconnected socket holds a placeholder one; connecting installs a
 * new #GSocket of the right address family. After [method@Qssl.Socket.abort]
 * or a disconnect the object can connect again, and it then has a new
 * #GSocket: do not keep the one g_socket_connection_get_socket() returned
 * across connections.
 *
 * Mirrors `QSslSocket`.
 *
 * Since: 1.0
 */
struct _QsslSocket
{
  GSocketConnection   parent_instance;

  GMainContext       *context;
  QsslConfiguration  *configuration;

  QsslSocketState     state;
  QsslMode            mode;
  gboolean            encrypted;
  QsslSocketError     error;
  char               *error_string;

  /* Where to, and under which name to verify. */
  char               *host_name;
  guint16             port;
  char               *ssl_peer_name;
  char               *peer_verify_name;
  QsslNetworkLayerProtocol network_protocol;
  gboolean            encrypt_after_connect;

  /* Resolving and connecting. */
  GCancellable       *cancellable;
  GList              *addresses;
  GList              *next_address;

  /* Readiness of the fd on self->context. source_condition is what the
   * socket waits for; the source follows it, in place (source_events), and
   * not while a blocking wait polls the fd itself (waiting). */
  GSource            *source;
  GIOCondition        source_condition;
  GIOCondition        source_events;
  int                 source_fd;
  gpointer            source_tag;
  guint               waiting;
  gboolean            emission_due;

  SSL                *ssl;
  gboolean            handshaking;
  gboolean            paused;
  GPtrArray          *handshake_errors;
  GPtrArray          *ignore_list;
  /* ignore_ssl_errors() for the handshake in progress, and for the next
   * one when called outside a handshake; never for later connections. */
  gboolean            ignore_all;
  gboolean            ignore_all_next;
  QsslPauseModes      pause_mode;
  gboolean            continue_interrupted;

  /* While OpenSSL is running (it may call back into the socket, and a
   * handler may abort), the SSL is not freed but retired, and freed once
   * OpenSSL has returned. */
  guint               openssl_depth;
  SSL                *retired_ssl;
  /* Alerts seen inside OpenSSL, emitted once it has returned. */
  GArray             *pending_alerts;
  /* A session the server sent, handled once OpenSSL has returned. */
  SSL_SESSION        *received_session;

  /* Results of the last handshake. */
  gboolean            session_resumed;
  gboolean            used_pre_shared_key;  /* our PSK callback gave a key */
  GPtrArray          *ocsp_responses;

  /* Plaintext buffers: read_buffer[read_offset..] is unread. */
  GByteArray         *read_buffer;
  gsize               read_offset;
  /* With an unbounded buffer, decrypted plaintext stays in OpenSSL until
   * read() copies it straight into the caller's buffer (see
   * pump_read_through()). held_announced: ready-read has told about the
   * record OpenSSL holds. direct_budget: how much more read() may decrypt
   * before the next ready-read. */
  gboolean            held_announced;
  gsize               direct_budget;
  /* The last read from OpenSSL wanted more from the network: what it holds
   * is an incomplete record, which only the fd can complete. */
  gboolean            read_starved;
  /* A read() met the end of the stream: reported from the main loop. */
  gboolean            deferred_finish;
  gboolean            deferred_clean;
  char               *deferred_protocol_error;
  gint64              read_buffer_size;
  GByteArray         *write_buffer;
  gboolean            read_channel_finished;
  gboolean            pending_close;

  /* Signals emitted later from the main loop, never from inside write(). */
  GSource            *emit_idle;
  gint64              pending_bytes_written;
  guint64             encrypted_written_reported;

  /* For wait_for_ready_read(). */
  guint               ready_read_count;

  /* Decrypted data OpenSSL still holds once the buffer has room again: the
   * fd will not become readable for it, so it is pumped from an idle. */
  GSource            *pending_idle;

  /* connect_to_host_encrypted_async() and handshake_async() callers waiting
   * for the end of the handshake. */
  GQueue              handshake_tasks;

  /* The GIOStream view, made on first request. */
  GInputStream       *input_stream;
  GOutputStream      *output_stream;
};

enum {
  PROP_0,
  PROP_MODE,
  PROP_IS_ENCRYPTED,
  PROP_STATE,
  PROP_PEER_VERIFY_MODE,
  PROP_PEER_VERIFY_DEPTH,
  PROP_PEER_VERIFY_NAME,
  PROP_PROTOCOL,
  PROP_LOCAL_CERTIFICATE,
  PROP_PRIVATE_KEY,
  PROP_SSL_CONFIGURATION,
  PROP_SESSION_PROTOCOL,
  PROP_SESSION_CIPHER,
  PROP_PEER_CERTIFICATE,
  PROP_READ_BUFFER_SIZE,
  PROP_PAUSE_MODE,
  N_PROPS
};

enum {
  SIGNAL_ENCRYPTED,
  SIGNAL_ENCRYPTED_BYTES_WRITTEN,
  SIGNAL_MODE_CHANGED,
  SIGNAL_NEW_SESSION_TICKET_RECEIVED,
  SIGNAL_PEER_VERIFY_ERROR,
  SIGNAL_PRE_SHARED_KEY_AUTHENTICATION_REQUIRED,
  SIGNAL_SSL_ERRORS,
  SIGNAL_ALERT_SENT,
  SIGNAL_ALERT_RECEIVED,
  SIGNAL_HANDSHAKE_INTERRUPTED_ON_ERROR,
  SIGNAL_HOST_FOUND,
  SIGNAL_CONNECTED,
  SIGNAL_DISCONNECTED,
  SIGNAL_STATE_CHANGED,
  SIGNAL_ERROR_OCCURRED,
  SIGNAL_READY_READ,
  SIGNAL_BYTES_WRITTEN,
  SIGNAL_READ_CHANNEL_FINISHED,
  SIGNAL_ABOUT_TO_CLOSE,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];
static int ssl_socket_index = -1;

G_DEFINE_FINAL_TYPE (QsslSocket, qssl_socket, G_TYPE_SOCKET_CONNECTION)

static void watch (QsslSocket *self, GIOCondition condition);
static gsize buffered (QsslSocket *self);
static gboolean unsupported_protocol (QsslSocket *self);
static GInputStream *qssl_socket_get_input_stream (GIOStream *io_stream);
static GOutputStream *qssl_socket_get_output_stream (GIOStream *io_stream);
static gboolean qssl_socket_close_fn (GIOStream *io_stream, GCancellable *cancellable, GError **error);
static void drive (QsslSocket *self, GIOCondition condition);
static void start_encryption (QsslSocket *self, QsslMode mode);
static void close_connection (QsslSocket *self, gboolean send_close_notify);
static void keep_held_plaintext (QsslSocket *self);

/* Construction */

/* GSocketConnection asserts in constructed() that it was given a GSocket.
 * An unconnected socket (Qt style: made first, connected later) gets a
 * placeholder here; connecting installs the real one. */
static GObject *
qssl_socket_constructor (GType                  type,
                         guint                  n_properties,
                         GObjectConstructParam *construct_properties)
{
  for (guint i = 0; i < n_properties; i++)
    {
      if (g_str_equal (construct_properties[i].pspec->name, "socket") &&
          g_value_get_object (construct_properties[i].value) == NULL)
        {
          g_autoptr(GError) error = NULL;
          g_autoptr(GSocket) placeholder = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                                         G_SOCKET_PROTOCOL_TCP, &error);
          if (placeholder == NULL)
            g_error ("QsslSocket: cannot create a socket: %s", error->message);
          g_value_set_object (construct_properties[i].value, placeholder);
        }
    }

  return G_OBJECT_CLASS (qssl_socket_parent_class)->constructor (type, n_properties, construct_properties);
}

/* Installs @socket as the connection's GSocket. GSocketConnection's
 * "socket" property is construct-only and has no setter, and a GSocket
 * cannot be reopened or change address family; so the owner class's setter
 * is called directly. That setter takes a reference on the new socket and
 * does not release the old one, which is done here. */
static void
replace_gsocket (QsslSocket *self,
                 GSocket    *socket)
{
  GParamSpec *pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (self), "socket");
  GObjectClass *owner = g_type_class_peek (pspec->owner_type);
  GSocket *old = g_socket_connection_get_socket (G_SOCKET_CONNECTION (self));
  GValue value = G_VALUE_INIT;

  if (old == socket)
    return;
  g_value_init (&value, G_TYPE_SOCKET);
  g_value_set_object (&value, socket);
  owner->set_property (G_OBJECT (self), pspec->param_id, &value, pspec);
  g_value_unset (&value);
  g_object_unref (old);
}

static GSocket *
gsocket (QsslSocket *self)
{
  return g_socket_connection_get_socket (G_SOCKET_CONNECTION (self));
}

/* Sources live on the socket's own context, which g_source_remove() (default
 * context only) cannot reach: keep and destroy the GSource itself. */
static void
clear_source (GSource **source)
{
  if (*source == NULL)
    return;
  g_source_destroy (*source);
  g_clear_pointer (source, g_source_unref);
}

static void
set_state (QsslSocket      *self,
           QsslSocketState  state)
{
  if (self->state == state)
    return;
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
  g_signal_emit (self, signals[SIGNAL_STATE_CHANGED], 0, state);
}

static void
set_mode (QsslSocket *self,
          QsslMode    mode)
{
  if (self->mode == mode)
    return;
  self->mode = mode;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MODE]);
  g_signal_emit (self, signals[SIGNAL_MODE_CHANGED], 0, mode);
}

/* Finishes every waiting handshake task: with success, or with @error. */
static void
complete_handshake_tasks (QsslSocket   *self,
                          const GError *error)
{
  GTask *task;

  while ((task = g_queue_pop_head (&self->handshake_tasks)) != NULL)
    {
      GCancellable *cancellable = g_task_get_cancellable (task);

      if (cancellable != NULL)
        g_signal_handlers_disconnect_by_data (cancellable, task);
      if (error != NULL)
        g_task_return_error (task, g_error_copy (error));
      else
        g_task_return_boolean (task, TRUE);
      g_object_unref (task);
    }
}

/* What error() and error_string() answer, without a signal. */
static void
record_error (QsslSocket      *self,
              QsslSocketError  error,
              const char      *message)
{
  self->error = error;
  g_free (self->error_string);
  self->error_string = g_strdup (message);
}

static void
set_error (QsslSocket      *self,
           QsslSocketError  error,
           const char      *message)
{
  record_error (self, error, message);
  g_debug ("socket %p: error %d: %s", self, error, message);
  g_signal_emit (self, signals[SIGNAL_ERROR_OCCURRED], 0, error);
  if (!self->encrypted && !g_queue_is_empty (&self->handshake_tasks))
    {
      g_autoptr(GError) task_error = g_error_new_literal (QSSL_SOCKET_ERROR, error, message);

      complete_handshake_tasks (self, task_error);
    }
}

/* Resets what belongs to one connection; settings stay. */
static void
reset_connection (QsslSocket *self)
{
  clear_source (&self->source);
  self->source_condition = 0;
  if (self->cancellable != NULL)
    {
      g_cancellable_cancel (self->cancellable);
      g_clear_object (&self->cancellable);
    }
  g_list_free_full (g_steal_pointer (&self->addresses), g_object_unref);
  self->next_address = NULL;
  /* A connection that ended without a TLS error leaves its session
   * resumable (OpenSSL drops sessions of SSLs freed without a shutdown;
   * fatal errors have already dropped theirs). */
  if (self->ssl != NULL && self->encrypted)
    SSL_set_shutdown (self->ssl, SSL_get_shutdown (self->ssl) | SSL_SENT_SHUTDOWN);
  /* Plaintext that arrived stays readable after the connection ends. */
  if (self->ssl != NULL && self->openssl_depth == 0)
    keep_held_plaintext (self);
  if (self->ssl != NULL && self->openssl_depth > 0)
    {
      /* Inside an OpenSSL callback: the fd closes next, so cut the BIO
       * loose; the SSL is freed when OpenSSL returns. */
      _qssl_bio_detach (SSL_get_rbio (self->ssl));
      g_clear_pointer (&self->retired_ssl, SSL_free);
      self->retired_ssl = g_steal_pointer (&self->ssl);
    }
  g_clear_pointer (&self->ssl, SSL_free);
  g_clear_pointer (&self->received_session, SSL_SESSION_free);
  self->handshaking = FALSE;
  self->paused = FALSE;
  self->encrypted = FALSE;
  self->pending_close = FALSE;
  self->read_channel_finished = FALSE;
  self->held_announced = FALSE;
  self->direct_budget = 0;
  self->read_starved = FALSE;
  self->deferred_finish = FALSE;
  g_clear_pointer (&self->deferred_protocol_error, g_free);
  g_byte_array_set_size (self->write_buffer, 0);
  clear_source (&self->emit_idle);
  clear_source (&self->pending_idle);
  self->pending_bytes_written = 0;
  self->encrypted_written_reported = 0;
}

static void
qssl_socket_dispose (GObject *object)
{
  QsslSocket *self = QSSL_SOCKET (object);

  reset_connection (self);
  if (!g_queue_is_empty (&self->handshake_tasks))
    {
      g_autoptr(GError) error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CLOSED, "socket disposed");

      complete_handshake_tasks (self, error);
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
  g_clear_pointer (&self->handshake_errors, g_ptr_array_unref);
  g_clear_pointer (&self->ignore_list, g_ptr_array_unref);
  g_clear_pointer (&self->ocsp_responses, g_ptr_array_unref);
  g_clear_pointer (&self->pending_alerts, g_array_unref);
  g_clear_pointer (&self->retired_ssl, SSL_free);
  g_clear_pointer (&self->read_buffer, g_byte_array_unref);
  g_free (self->deferred_protocol_error);
  g_clear_pointer (&self->write_buffer, g_byte_array_unref);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_object (&self->input_stream);
  g_clear_object (&self->output_stream);

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
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
qssl_socket_class_init (QsslSocketClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->constructor = qssl_socket_constructor;
  object_class->dispose = qssl_socket_dispose;
  object_class->finalize = qssl_socket_finalize;
  object_class->get_property = qssl_socket_get_property;
  object_class->set_property = qssl_socket_set_property;
  G_IO_STREAM_CLASS (klass)->get_input_stream = qssl_socket_get_input_stream;
  G_IO_STREAM_CLASS (klass)->get_output_stream = qssl_socket_get_output_stream;
  G_IO_STREAM_CLASS (klass)->close_fn = qssl_socket_close_fn;

  ssl_socket_index = SSL_get_ex_new_index (0, NULL, NULL, NULL, NULL);

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
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * QsslSocket::encrypted:
   * @self: the socket
   *
   * The handshake succeeded (and verification passed or was ignored); data
   * written now is encrypted. Mirrors `QSslSocket::encrypted()`.
   */
  signals[SIGNAL_ENCRYPTED] = g_signal_new ("encrypted", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                            0, NULL, NULL, NULL, G_TYPE_NONE, 0);
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
  signals[SIGNAL_ERROR_OCCURRED] = g_signal_new ("error-occurred", G_TYPE_FROM_CLASS (klass),
                                                 G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 1,
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
}

static void
qssl_socket_init (QsslSocket *self)
{
  _qssl_init ();
  self->context = g_main_context_ref_thread_default ();
  self->configuration = qssl_configuration_get_default ();
  self->handshake_errors = _qssl_error_list_new ();
  self->ocsp_responses = g_ptr_array_new_with_free_func (g_object_unref);
  self->read_buffer = g_byte_array_new ();
  self->write_buffer = g_byte_array_new ();
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
  QsslSocket *self;

  g_return_val_if_fail (G_IS_SOCKET (socket), NULL);

  _qssl_init ();
  if (!g_socket_is_connected (socket))
    {
      g_set_error_literal (error, QSSL_SOCKET_ERROR, QSSL_SOCKET_ERROR_OPERATION,
                           _("The socket is not connected"));
      return NULL;
    }
  g_socket_set_blocking (socket, FALSE);
  self = g_object_new (QSSL_TYPE_SOCKET, "socket", socket, NULL);
  self->state = QSSL_SOCKET_STATE_CONNECTED;
  watch (self, G_IO_IN);
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

  g_return_val_if_fail (QSSL_IS_SOCKET (self), FALSE);

  socket = g_socket_new_from_fd (fd, error);
  if (socket == NULL)
    return FALSE;
  reset_connection (self);
  g_socket_set_blocking (socket, FALSE);
  replace_gsocket (self, socket);
  set_mode (self, QSSL_MODE_UNENCRYPTED);
  set_state (self, state);
  if (state == QSSL_SOCKET_STATE_CONNECTED)
    watch (self, G_IO_IN);
  return TRUE;
}

/* Readiness */

typedef struct {
  GSource     source;
  QsslSocket *socket;
} SocketSource;

static gboolean
socket_source_dispatch (GSource     *source,
                        GSourceFunc  callback,
                        gpointer     user_data)
{
  QsslSocket *self = ((SocketSource *) source)->socket;
  GIOCondition condition = g_source_query_unix_fd (source, self->source_tag);

  g_object_ref (self);
  drive (self, condition);
  g_object_unref (self);
  return G_SOURCE_CONTINUE;
}

/* Ready when poll() says so: no prepare or check needed. */
static GSourceFuncs socket_source_funcs = {
  NULL, NULL, socket_source_dispatch, NULL, NULL, NULL,
};

/* Makes the source wait for source_condition. One source per connection
 * whose events change in place: a GSocket source would be destroyed and
 * attached again on every change, waking the context twice each time. */
static void
apply_watch (QsslSocket *self)
{
  GIOCondition condition = self->source_condition;
  int fd;

  if (condition == 0)
    {
      clear_source (&self->source);
      return;
    }
  fd = g_socket_get_fd (gsocket (self));
  if (self->source != NULL && self->source_fd == fd)
    {
      if (self->source_events != condition)
        {
          g_source_modify_unix_fd (self->source, self->source_tag, condition);
          self->source_events = condition;
        }
      return;
    }
  clear_source (&self->source);
  self->source = g_source_new (&socket_source_funcs, sizeof (SocketSource));
  ((SocketSource *) self->source)->socket = self;
  self->source_fd = fd;
  self->source_events = condition;
  self->source_tag = g_source_add_unix_fd (self->source, fd, condition);
  g_source_set_static_name (self->source, "[qssl] socket");
  g_source_attach (self->source, self->context);
}

/* Watches the GSocket for @condition on the socket's context (0: stop). */
static void
watch (QsslSocket   *self,
       GIOCondition  condition)
{
  self->source_condition = condition;
  /* A blocking wait polls the fd itself; the source catches up after. */
  if (self->waiting == 0)
    apply_watch (self);
}

/* Resolving and connecting */

static void try_next_address (QsslSocket *self);

static void
fail_connect (QsslSocket      *self,
              QsslSocketError  error,
              const char      *message)
{
  reset_connection (self);
  set_state (self, QSSL_SOCKET_STATE_UNCONNECTED);
  set_error (self, error, message);
}

static void
on_resolved (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(QsslSocket) self = user_data;
  g_autoptr(GError) error = NULL;
  GList *addresses;

  addresses = g_resolver_lookup_by_name_finish (G_RESOLVER (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || self->state != QSSL_SOCKET_STATE_HOST_LOOKUP)
    {
      g_resolver_free_addresses (addresses);
      return;
    }
  /* Keep the families asked for. */
  for (GList *l = addresses; l != NULL; l = l->next)
    {
      GSocketFamily family = g_inet_address_get_family (l->data);

      if ((self->network_protocol == QSSL_NETWORK_LAYER_PROTOCOL_IPV4 && family != G_SOCKET_FAMILY_IPV4) ||
          (self->network_protocol == QSSL_NETWORK_LAYER_PROTOCOL_IPV6 && family != G_SOCKET_FAMILY_IPV6))
        continue;
      self->addresses = g_list_append (self->addresses, g_object_ref (l->data));
    }
  g_resolver_free_addresses (addresses);
  if (self->addresses == NULL)
    {
      fail_connect (self, QSSL_SOCKET_ERROR_HOST_NOT_FOUND, _("Host not found"));
      return;
    }
  g_signal_emit (self, signals[SIGNAL_HOST_FOUND], 0);
  if (self->state != QSSL_SOCKET_STATE_HOST_LOOKUP)
    return;
  self->next_address = self->addresses;
  set_state (self, QSSL_SOCKET_STATE_CONNECTING);
  try_next_address (self);
}

static void
on_connected (QsslSocket *self)
{
  watch (self, 0);
  set_state (self, QSSL_SOCKET_STATE_CONNECTED);
  g_signal_emit (self, signals[SIGNAL_CONNECTED], 0);
  if (self->state != QSSL_SOCKET_STATE_CONNECTED)
    return;
  if (self->encrypt_after_connect)
    start_encryption (self, QSSL_MODE_SSL_CLIENT);
  else
    watch (self, G_IO_IN);
}

static void
try_next_address (QsslSocket *self)
{
  while (self->next_address != NULL)
    {
      GInetAddress *address = self->next_address->data;
      g_autoptr(GSocketAddress) socket_address = g_inet_socket_address_new (address, self->port);
      g_autoptr(GSocket) socket = NULL;
      g_autoptr(GError) error = NULL;

      self->next_address = self->next_address->next;
      socket = g_socket_new (g_inet_address_get_family (address), G_SOCKET_TYPE_STREAM,
                             G_SOCKET_PROTOCOL_TCP, &error);
      if (socket == NULL)
        continue;
      g_socket_set_blocking (socket, FALSE);
      replace_gsocket (self, socket);
      if (g_socket_connect (socket, socket_address, NULL, &error))
        {
          on_connected (self);
          return;
        }
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_PENDING))
        {
          watch (self, G_IO_OUT);
          return;
        }
      g_debug ("socket %p: connect failed: %s", self, error->message);
    }
  fail_connect (self, QSSL_SOCKET_ERROR_CONNECTION_REFUSED, _("Connection refused"));
}

static void
check_connect (QsslSocket *self)
{
  g_autoptr(GError) error = NULL;

  if (g_socket_check_connect_result (gsocket (self), &error))
    on_connected (self);
  else
    {
      g_debug ("socket %p: connect failed: %s", self, error->message);
      watch (self, 0);
      try_next_address (self);
    }
}

static void
connect_to_host (QsslSocket               *self,
                 const char               *host_name,
                 guint16                   port,
                 const char               *ssl_peer_name,
                 QsslNetworkLayerProtocol  protocol,
                 gboolean                  encrypted)
{
  g_autoptr(GResolver) resolver = NULL;

  if (self->state != QSSL_SOCKET_STATE_UNCONNECTED)
    {
      g_debug ("socket %p: connect_to_host called when not unconnected", self);
      return;
    }
  if (encrypted && unsupported_protocol (self))
    {
      set_error (self, QSSL_SOCKET_ERROR_SSL_INVALID_USER_DATA, _("Attempted to use an unsupported protocol."));
      return;
    }

  reset_connection (self);
  g_ptr_array_set_size (self->handshake_errors, 0);
  _qssl_configuration_clear_session_state (self->configuration);
  g_byte_array_set_size (self->read_buffer, 0);
  self->read_offset = 0;
  g_free (self->host_name);
  self->host_name = g_strdup (host_name);
  g_free (self->ssl_peer_name);
  self->ssl_peer_name = g_strdup (ssl_peer_name);
  self->port = port;
  self->network_protocol = protocol;
  self->encrypt_after_connect = encrypted;
  if (self->mode != QSSL_MODE_UNENCRYPTED)
    set_mode (self, QSSL_MODE_UNENCRYPTED);

  set_state (self, QSSL_SOCKET_STATE_HOST_LOOKUP);
  if (self->state != QSSL_SOCKET_STATE_HOST_LOOKUP)
    return;
  self->cancellable = g_cancellable_new ();
  resolver = g_resolver_get_default ();
  /* The lookup's answer must arrive on the socket's own context. */
  g_main_context_push_thread_default (self->context);
  g_resolver_lookup_by_name_async (resolver, host_name, self->cancellable, on_resolved, g_object_ref (self));
  g_main_context_pop_thread_default (self->context);
}

/**
 * qssl_socket_connect_to_host:
 * @self: a #QsslSocket
 * @host_name: a host name or IP address
 * @port: the TCP port
 * @protocol: which address families to try
 *
 * Connects without encryption (for STARTTLS, call
 * [method@Qssl.Socket.start_client_encryption] later). Resolves without
 * blocking, then tries every address until one connects.
 *
 * Mirrors `QAbstractSocket::connectToHost()`.
 *
 * Since: 1.0
 */
void
qssl_socket_connect_to_host (QsslSocket               *self,
                             const char               *host_name,
                             guint16                   port,
                             QsslNetworkLayerProtocol  protocol)
{
  g_return_if_fail (QSSL_IS_SOCKET (self));
  g_return_if_fail (host_name != NULL);

  connect_to_host (self, host_name, port, NULL, protocol, FALSE);
}

/**
 * qssl_socket_connect_to_host_encrypted:
 * @self: a #QsslSocket
 * @host_name: a host name or IP address; also the name the server's
 *   certificate must carry
 * @port: the TCP port
 * @protocol: which address families to try
 *
 * Connects and starts the TLS handshake as a client. Data written before
 * #QsslSocket::encrypted is sent after it.
 *
 * Mirrors `QSslSocket::connectToHostEncrypted()`.
 *
 * Since: 1.0
 */
void
qssl_socket_connect_to_host_encrypted (QsslSocket               *self,
                                       const char               *host_name,
                                       guint16                   port,
                                       QsslNetworkLayerProtocol  protocol)
{
  g_return_if_fail (QSSL_IS_SOCKET (self));
  g_return_if_fail (host_name != NULL);

  connect_to_host (self, host_name, port, NULL, protocol, TRUE);
}

/**
 * qssl_socket_connect_to_host_encrypted_with_peer_name:
 * @self: a #QsslSocket
 * @host_name: a host name or IP address to connect to
 * @port: the TCP port
 * @ssl_peer_name: the name to send as SNI and to verify the certificate against
 * @protocol: which address families to try
 *
 * Like [method@Qssl.Socket.connect_to_host_encrypted], verifying the server
 * under another name.
 *
 * Mirrors `QSslSocket::connectToHostEncrypted(hostName, port, sslPeerName, ...)`.
 *
 * Since: 1.0
 */
void
qssl_socket_connect_to_host_encrypted_with_peer_name (QsslSocket               *self,
                                                      const char               *host_name,
                                                      guint16                   port,
                                                      const char               *ssl_peer_name,
                                                      QsslNetworkLayerProtocol  protocol)
{
  g_return_if_fail (QSSL_IS_SOCKET (self));
  g_return_if_fail (host_name != NULL);

  connect_to_host (self, host_name, port, ssl_peer_name, protocol, TRUE);
}

/* The handshake */

static const char *
verification_name (QsslSocket *self)
{
  if (self->peer_verify_name != NULL)
    return self->peer_verify_name;
  if (self->ssl_peer_name != NULL)
    return self->ssl_peer_name;
  return self->host_name;
}

static QsslPeerVerifyMode
effective_verify_mode (QsslSocket *self)
{
  QsslPeerVerifyMode mode = qssl_configuration_get_peer_verify_mode (self->configuration);

  if (mode == QSSL_PEER_VERIFY_MODE_AUTO_VERIFY_PEER)
    return self->mode == QSSL_MODE_SSL_SERVER ? QSSL_PEER_VERIFY_MODE_QUERY_PEER
                                              : QSSL_PEER_VERIFY_MODE_VERIFY_PEER;
  return mode;
}

static void
add_handshake_error (QsslSocket      *self,
                     QsslErrorCode    code,
                     QsslCertificate *certificate)
{
  QsslError *error = qssl_error_new (code, certificate);

  for (guint i = 0; i < self->handshake_errors->len; i++)
    if (qssl_error_equal (g_ptr_array_index (self->handshake_errors, i), error))
      {
        qssl_error_free (error);
        return;
      }
  g_ptr_array_add (self->handshake_errors, error);
}

/* Records every problem OpenSSL finds and lets the handshake finish, so all
 * of them can be reported at once after it (Qt's way). */
static int
verify_callback (int             ok,
                 X509_STORE_CTX *store)
{
  SSL *ssl = X509_STORE_CTX_get_ex_data (store, SSL_get_ex_data_X509_STORE_CTX_idx ());
  QsslSocket *self = SSL_get_ex_data (ssl, ssl_socket_index);
  g_autoptr(QsslCertificate) certificate = NULL;
  X509 *current;

  if (ok)
    return 1;
  current = X509_STORE_CTX_get_current_cert (store);
  if (current != NULL)
    certificate = _qssl_certificate_new_ref (current);

  /* Qt 6's interrupt mode: ask the application right now, from inside
   * verification; unless it calls continue_interrupted_handshake(), OpenSSL
   * fails the handshake and sends the peer an alert. */
  if (qssl_configuration_get_handshake_must_interrupt_on_error (self->configuration))
    {
      g_autoptr(QsslError) error =
        qssl_error_new (_qssl_error_code_from_x509_verify_error (X509_STORE_CTX_get_error (store)), certificate);

      self->continue_interrupted = FALSE;
      g_signal_emit (self, signals[SIGNAL_HANDSHAKE_INTERRUPTED_ON_ERROR], 0, error);
      return self->continue_interrupted ? 1 : 0;
    }

  add_handshake_error (self, _qssl_error_code_from_x509_verify_error (X509_STORE_CTX_get_error (store)),
                       certificate);
  return 1;
}

/* Calls into OpenSSL that may call back (verification, PSK, alerts) run
 * between these: a handler that aborts then only retires the SSL. */
static void
enter_openssl (QsslSocket *self)
{
  self->openssl_depth++;
}

static void
leave_openssl (QsslSocket *self)
{
  if (--self->openssl_depth == 0)
    g_clear_pointer (&self->retired_ssl, SSL_free);
}

typedef struct
{
  gboolean       sent;
  QsslAlertLevel level;
  int            type;
  int            value;
} PendingAlert;

static void
info_callback (const SSL *ssl,
               int        where,
               int        value)
{
  QsslSocket *self;
  PendingAlert alert;
  const char *type;

  if (!(where & SSL_CB_ALERT))
    return;
  self = SSL_get_ex_data (ssl, ssl_socket_index);
  if (self == NULL)
    return;
  type = SSL_alert_type_string (value);
  alert.sent = (where & SSL_CB_WRITE) != 0;
  alert.level = type[0] == 'W' ? QSSL_ALERT_LEVEL_WARNING : type[0] == 'F' ? QSSL_ALERT_LEVEL_FATAL
                                                                           : QSSL_ALERT_LEVEL_UNKNOWN;
  alert.type = value & 0xff;
  alert.value = value;
  if (self->pending_alerts == NULL)
    self->pending_alerts = g_array_new (FALSE, FALSE, sizeof (PendingAlert));
  g_array_append_val (self->pending_alerts, alert);
}

/* Emits alert-sent / alert-received for what OpenSSL reported, in order. */
static void
flush_alerts (QsslSocket *self)
{
  g_autoptr(GArray) alerts = g_steal_pointer (&self->pending_alerts);
  g_autoptr(GEnumClass) alert_types = NULL;

  if (alerts == NULL)
    return;
  alert_types = g_type_class_ref (QSSL_TYPE_ALERT_TYPE);
  for (guint i = 0; i < alerts->len; i++)
    {
      PendingAlert *alert = &g_array_index (alerts, PendingAlert, i);
      int type = alert->type;

      /* Types Qt has no name for are still reported, as UNKNOWN_ALERT_MESSAGE. */
      if (g_enum_get_value (alert_types, type) == NULL)
        type = QSSL_ALERT_TYPE_UNKNOWN_ALERT_MESSAGE;
      g_signal_emit (self, signals[alert->sent ? SIGNAL_ALERT_SENT : SIGNAL_ALERT_RECEIVED], 0,
                     alert->level, type, SSL_alert_desc_string_long (alert->value));
    }
}

/* The server sent a session (a TLS 1.3 ticket after the handshake, or a
 * TLS 1.2 session during it): keep it until OpenSSL returns. */
static int
new_session_callback (SSL         *ssl,
                      SSL_SESSION *session)
{
  QsslSocket *self = SSL_get_ex_data (ssl, ssl_socket_index);

  if (self == NULL || !SSL_SESSION_is_resumable (session))
    return 0;
  g_clear_pointer (&self->received_session, SSL_SESSION_free);
  self->received_session = session;
  return 1; /* the reference is ours */
}

static char *
session_cache_key (QsslSocket *self)
{
  const char *name = self->ssl_peer_name ? self->ssl_peer_name : self->host_name;

  if (name == NULL)
    return NULL;
  return g_strdup_printf ("%s:%u:%s", name, self->port,
                          self->peer_verify_name ? self->peer_verify_name : "");
}

/* A client offers a session only where it could have been made: not
 * when a stapled OCSP response is required (see start_encryption()), and
 * not to another server name than the one it was made with (recorded by
 * handle_received_session(); OpenSSL's client does not). */
static gboolean
session_may_be_offered (QsslSocket  *self,
                        SSL_SESSION *session)
{
  const char *made_for = SSL_SESSION_get0_hostname (session);
  const char *name = verification_name (self);

  if (qssl_configuration_get_ocsp_stapling_enabled (self->configuration))
    return FALSE;
  if (made_for != NULL && g_strcmp0 (made_for, name) != 0)
    return FALSE;
  return TRUE;
}

/* After the handshake was accepted: Qt's session sharing (the context
 * remembers the session for the next socket of this configuration) and
 * persistence (the configuration carries it as a ticket). Only a session
 * whose peer was verified without any error is shared: resuming skips
 * verification. */
static void
handle_received_session (QsslSocket *self)
{
  g_autoptr(SSL_SESSION) session = g_steal_pointer (&self->received_session);
  QsslConfiguration *configuration = self->configuration;
  gboolean clean;

  if (session == NULL || !self->encrypted)
    return;
  if (verification_name (self) != NULL)
    SSL_SESSION_set1_hostname (session, verification_name (self));
  clean = effective_verify_mode (self) == QSSL_PEER_VERIFY_MODE_VERIFY_PEER &&
          self->handshake_errors->len == 0;
  if (clean && !qssl_configuration_test_ssl_option (configuration, QSSL_SSL_OPTIONS_DISABLE_SESSION_SHARING))
    {
      g_autofree char *key = session_cache_key (self);
      QsslContext *context = _qssl_configuration_get_context (configuration, QSSL_MODE_SSL_CLIENT, NULL);

      if (key != NULL && context != NULL)
        _qssl_context_store_session (context, key, session);
    }
  if (!qssl_configuration_test_ssl_option (configuration, QSSL_SSL_OPTIONS_DISABLE_SESSION_PERSISTENCE))
    {
      int length = i2d_SSL_SESSION (session, NULL);
      guint8 *data, *end;

      if (length <= 0)
        return;
      end = data = g_malloc (length);
      i2d_SSL_SESSION (session, &end);
      g_clear_pointer (&configuration->session_ticket, g_bytes_unref);
      configuration->session_ticket = g_bytes_new_take (data, length);
      configuration->session_ticket_lifetime_hint = (int) MIN (SSL_SESSION_get_ticket_lifetime_hint (session),
                                                               G_MAXINT);
      g_signal_emit (self, signals[SIGNAL_NEW_SESSION_TICKET_RECEIVED], 0);
    }
}

static QsslPreSharedKeyAuthenticator *
request_pre_shared_key (QsslSocket *self,
                        GBytes     *identity_hint,
                        GBytes     *identity,
                        int         maximum_identity_length,
                        int         maximum_key_length)
{
  g_autoptr(QsslPreSharedKeyAuthenticator) authenticator =
    _qssl_pre_shared_key_authenticator_new_full (identity_hint, maximum_identity_length, maximum_key_length);
  SSL *ssl = self->ssl;

  if (identity != NULL)
    qssl_pre_shared_key_authenticator_set_identity (authenticator, identity);
  g_signal_emit (self, signals[SIGNAL_PRE_SHARED_KEY_AUTHENTICATION_REQUIRED], 0, authenticator);
  if (self->ssl != ssl)
    return NULL; /* aborted from the handler */
  return g_steal_pointer (&authenticator);
}

/* Copies @key into OpenSSL's buffer; 0 (no PSK, the handshake fails) when
 * the handler gave none or one that does not fit. */
static unsigned int
copy_pre_shared_key (QsslPreSharedKeyAuthenticator *authenticator,
                     unsigned char                 *psk,
                     unsigned int                   max_psk_len)
{
  g_autoptr(GBytes) key = authenticator ? qssl_pre_shared_key_authenticator_get_pre_shared_key (authenticator)
                                        : NULL;
  gsize length;
  const guint8 *data = key ? g_bytes_get_data (key, &length) : NULL;

  if (data == NULL || length == 0 || length > max_psk_len)
    return 0;
  memcpy (psk, data, length);
  return length;
}

static unsigned int
psk_client_callback (SSL           *ssl,
                     const char    *hint,
                     char          *identity,
                     unsigned int   max_identity_len,
                     unsigned char *psk,
                     unsigned int   max_psk_len)
{
  QsslSocket *self = SSL_get_ex_data (ssl, ssl_socket_index);
  g_autoptr(GBytes) hint_bytes = hint ? g_bytes_new (hint, strlen (hint)) : NULL;
  g_autoptr(QsslPreSharedKeyAuthenticator) authenticator = NULL;
  g_autoptr(GBytes) chosen = NULL;
  const char *chosen_data;
  gsize chosen_length;
  unsigned int key_length;

  if (self == NULL)
    return 0;
  /* The identity is a C string for OpenSSL: keep room for its NUL. */
  authenticator = request_pre_shared_key (self, hint_bytes, NULL, (int) max_identity_len - 1, (int) max_psk_len);
  if (authenticator == NULL)
    return 0;
  chosen = qssl_pre_shared_key_authenticator_get_identity (authenticator);
  chosen_data = chosen ? g_bytes_get_data (chosen, &chosen_length) : NULL;
  if (chosen_data == NULL || chosen_length == 0 || chosen_length >= max_identity_len ||
      memchr (chosen_data, '\0', chosen_length) != NULL)
    return 0;
  key_length = copy_pre_shared_key (authenticator, psk, max_psk_len);
  if (key_length == 0)
    return 0;
  memcpy (identity, chosen_data, chosen_length);
  identity[chosen_length] = '\0';
  self->used_pre_shared_key = TRUE;
  return key_length;
}

static unsigned int
psk_server_callback (SSL           *ssl,
                     const char    *identity,
                     unsigned char *psk,
                     unsigned int   max_psk_len)
{
  QsslSocket *self = SSL_get_ex_data (ssl, ssl_socket_index);
  g_autoptr(GBytes) hint = NULL;
  g_autoptr(GBytes) identity_bytes = NULL;
  g_autoptr(QsslPreSharedKeyAuthenticator) authenticator = NULL;
  unsigned int key_length;

  if (self == NULL)
    return 0;
  hint = qssl_configuration_get_pre_shared_key_identity_hint (self->configuration);
  identity_bytes = identity ? g_bytes_new (identity, strlen (identity)) : NULL;
  authenticator = request_pre_shared_key (self, hint, identity_bytes, PSK_MAX_IDENTITY_LEN, (int) max_psk_len);
  key_length = copy_pre_shared_key (authenticator, psk, max_psk_len);
  if (key_length > 0)
    self->used_pre_shared_key = TRUE;
  return key_length;
}

gboolean
_qssl_socket_used_pre_shared_key (const SSL *ssl)
{
  QsslSocket *self = SSL_get_ex_data (ssl, ssl_socket_index);

  return self != NULL && self->used_pre_shared_key;
}

/* ALPN wire format: each protocol prefixed by its length. */
static GByteArray *
alpn_wire_format (char **protocols)
{
  GByteArray *wire = g_byte_array_new ();

  for (gsize i = 0; protocols != NULL && protocols[i] != NULL; i++)
    {
      gsize length = strlen (protocols[i]);
      guint8 prefix = (guint8) length;

      if (length == 0 || length > 255)
        continue; /* not expressible; the rest still is */
      g_byte_array_append (wire, &prefix, 1);
      g_byte_array_append (wire, (const guint8 *) protocols[i], length);
    }
  return wire;
}

/* Server side of ALPN: the first of our protocols that the client offers
 * (server preference, as Qt). No overlap: go on without ALPN. */
static int
alpn_select_callback (SSL                  *ssl,
                      const unsigned char **out,
                      unsigned char        *out_length,
                      const unsigned char  *in,
                      unsigned int          in_length,
                      void                 *data)
{
  QsslSocket *self = SSL_get_ex_data (ssl, ssl_socket_index);
  char **ours;

  if (self == NULL)
    return SSL_TLSEXT_ERR_NOACK;
  ours = self->configuration->allowed_next_protocols;
  for (gsize i = 0; ours != NULL && ours[i] != NULL; i++)
    {
      gsize length = strlen (ours[i]);

      for (unsigned int offset = 0; offset < in_length; offset += 1 + in[offset])
        {
          unsigned int offered = in[offset];

          if (offset + 1 + offered > in_length)
            break;
          if (offered == length && memcmp (in + offset + 1, ours[i], length) == 0)
            {
              *out = in + offset + 1;
              *out_length = (unsigned char) offered;
              return SSL_TLSEXT_ERR_OK;
            }
        }
    }
  return SSL_TLSEXT_ERR_NOACK;
}

/* Server side of OCSP stapling: send the configured response, if any. */
static int
ocsp_status_callback (SSL  *ssl,
                      void *data)
{
  QsslSocket *self = SSL_get_ex_data (ssl, ssl_socket_index);
  GBytes *response;
  gsize length;
  const guint8 *bytes;

  if (self == NULL || (response = self->configuration->ocsp_response) == NULL)
    return SSL_TLSEXT_ERR_NOACK;
  bytes = g_bytes_get_data (response, &length);
  if (length == 0 || length > G_MAXINT)
    return SSL_TLSEXT_ERR_NOACK;
  /* OpenSSL takes ownership of the copy. */
  SSL_set_tlsext_status_ocsp_resp (ssl, OPENSSL_memdup (bytes, length), (long) length);
  return SSL_TLSEXT_ERR_OK;
}

void
_qssl_socket_setup_context (SSL_CTX  *ctx,
                            QsslMode  mode)
{
  if (mode == QSSL_MODE_SSL_CLIENT)
    SSL_CTX_sess_set_new_cb (ctx, new_session_callback);
  else
    {
      SSL_CTX_set_alpn_select_cb (ctx, alpn_select_callback, NULL);
      SSL_CTX_set_tlsext_status_cb (ctx, ocsp_status_callback);
    }
}

static QsslOcspRevocationReason
revocation_reason (int reason)
{
  switch (reason)
    {
    case OCSP_REVOKED_STATUS_UNSPECIFIED: return QSSL_OCSP_REVOCATION_REASON_UNSPECIFIED;
    case OCSP_REVOKED_STATUS_KEYCOMPROMISE: return QSSL_OCSP_REVOCATION_REASON_KEY_COMPROMISE;
    case OCSP_REVOKED_STATUS_CACOMPROMISE: return QSSL_OCSP_REVOCATION_REASON_CA_COMPROMISE;
    case OCSP_REVOKED_STATUS_AFFILIATIONCHANGED: return QSSL_OCSP_REVOCATION_REASON_AFFILIATION_CHANGED;
    case OCSP_REVOKED_STATUS_SUPERSEDED: return QSSL_OCSP_REVOCATION_REASON_SUPERSEDED;
    case OCSP_REVOKED_STATUS_CESSATIONOFOPERATION: return QSSL_OCSP_REVOCATION_REASON_CESSATION_OF_OPERATION;
    case OCSP_REVOKED_STATUS_CERTIFICATEHOLD: return QSSL_OCSP_REVOCATION_REASON_CERTIFICATE_HOLD;
    case OCSP_REVOKED_STATUS_REMOVEFROMCRL: return QSSL_OCSP_REVOCATION_REASON_REMOVE_FROM_CRL;
    default: return QSSL_OCSP_REVOCATION_REASON_NONE;
    }
}

static QsslErrorCode
ocsp_response_status_error (int status)
{
  switch (status)
    {
    case OCSP_RESPONSE_STATUS_MALFORMEDREQUEST: return QSSL_ERROR_CODE_OCSP_MALFORMED_REQUEST;
    case OCSP_RESPONSE_STATUS_INTERNALERROR: return QSSL_ERROR_CODE_OCSP_INTERNAL_ERROR;
    case OCSP_RESPONSE_STATUS_TRYLATER: return QSSL_ERROR_CODE_OCSP_TRY_LATER;
    case OCSP_RESPONSE_STATUS_SIGREQUIRED: return QSSL_ERROR_CODE_OCSP_SIG_REQUIRED;
    case OCSP_RESPONSE_STATUS_UNAUTHORIZED: return QSSL_ERROR_CODE_OCSP_UNAUTHORIZED;
    default: return QSSL_ERROR_CODE_UNSPECIFIED_ERROR;
    }
}

/* The issuer of @leaf: next in the chain the peer sent, else from the trust
 * store. Transfer full. */
static X509 *
find_issuer (SSL  *ssl,
             X509 *leaf)
{
  STACK_OF (X509) *chain = SSL_get_peer_cert_chain (ssl);
  X509_STORE *store = SSL_CTX_get_cert_store (SSL_get_SSL_CTX (ssl));
  X509_STORE_CTX *store_ctx;
  X509 *issuer = NULL;

  for (int i = 0; chain != NULL && i < sk_X509_num (chain); i++)
    {
      X509 *candidate = sk_X509_value (chain, i);

      if (candidate != leaf && X509_check_issued (candidate, leaf) == X509_V_OK)
        {
          X509_up_ref (candidate);
          return candidate;
        }
    }
  store_ctx = X509_STORE_CTX_new ();
  if (store_ctx != NULL && X509_STORE_CTX_init (store_ctx, store, leaf, chain) == 1)
    X509_STORE_CTX_get1_issuer (&issuer, store_ctx, leaf);
  X509_STORE_CTX_free (store_ctx);
  return issuer;
}

/* Checks the stapled OCSP response as Qt does: each problem becomes a
 * handshake error (reported through ssl-errors); FALSE when the response is
 * unreadable, which fails the handshake outright. */
static gboolean
check_ocsp_staple (QsslSocket      *self,
                   QsslCertificate *peer)
{
  const unsigned char *data = NULL;
  long length = SSL_get_tlsext_status_ocsp_resp (self->ssl, &data);
  X509 *leaf = SSL_get0_peer_certificate (self->ssl);
  OCSP_RESPONSE *response;
  OCSP_BASICRESP *basic = NULL;
  OCSP_SINGLERESP *single;
  OCSP_CERTID *expected = NULL;
  ASN1_OBJECT *digest_object = NULL;
  ASN1_GENERALIZEDTIME *revoked_at, *this_update, *next_update;
  X509 *issuer = NULL, *signer = NULL;
  int status, reason = OCSP_REVOKED_STATUS_NOSTATUS;
  gboolean readable = TRUE;
  g_autoptr(QsslCertificate) responder = NULL;

  if (length <= 0 || data == NULL)
    {
      add_handshake_error (self, QSSL_ERROR_CODE_OCSP_NO_RESPONSE_FOUND, peer);
      return TRUE;
    }
  response = d2i_OCSP_RESPONSE (NULL, &data, length);
  if (response == NULL)
    return FALSE;
  status = OCSP_response_status (response);
  if (status != OCSP_RESPONSE_STATUS_SUCCESSFUL)
    {
      /* An error message from the responder, not a signed answer. */
      add_handshake_error (self, ocsp_response_status_error (status), peer);
      goto out;
    }
  basic = OCSP_response_get1_basic (response);
  if (basic == NULL)
    {
      readable = FALSE;
      goto out;
    }
  if (OCSP_basic_verify (basic, SSL_get_peer_cert_chain (self->ssl),
                         SSL_CTX_get_cert_store (SSL_get_SSL_CTX (self->ssl)), 0) <= 0)
    add_handshake_error (self, QSSL_ERROR_CODE_OCSP_RESPONSE_CANNOT_BE_TRUSTED, peer);
  ERR_clear_error ();
  if (OCSP_resp_count (basic) != 1)
    {
      add_handshake_error (self, QSSL_ERROR_CODE_OCSP_MALFORMED_RESPONSE, peer);
      goto out;
    }
  single = OCSP_resp_get0 (basic, 0);
  if (OCSP_resp_get0_signer (basic, &signer, SSL_get_peer_cert_chain (self->ssl)) == 1 && signer != NULL)
    responder = _qssl_certificate_new_ref (signer);

  /* The response must be about the peer's certificate. */
  issuer = leaf ? find_issuer (self->ssl, leaf) : NULL;
  OCSP_id_get0_info (NULL, &digest_object, NULL, NULL, (OCSP_CERTID *) OCSP_SINGLERESP_get0_id (single));
  if (issuer != NULL && digest_object != NULL)
    {
      const EVP_MD *digest = EVP_get_digestbyobj (digest_object);

      if (digest != NULL)
        expected = OCSP_cert_to_id (digest, leaf, issuer);
    }
  if (expected == NULL || OCSP_id_cmp (expected, OCSP_SINGLERESP_get0_id (single)) != 0)
    {
      add_handshake_error (self, QSSL_ERROR_CODE_OCSP_RESPONSE_CERT_ID_UNKNOWN, peer);
      goto out;
    }

  status = OCSP_single_get0_status (single, &reason, &revoked_at, &this_update, &next_update);
  if (OCSP_check_validity (this_update, next_update, 60, -1) != 1)
    add_handshake_error (self, QSSL_ERROR_CODE_OCSP_RESPONSE_EXPIRED, peer);
  ERR_clear_error ();
  switch (status)
    {
    case V_OCSP_CERTSTATUS_GOOD:
      g_ptr_array_add (self->ocsp_responses,
                       qssl_ocsp_response_new (QSSL_OCSP_CERTIFICATE_STATUS_GOOD, QSSL_OCSP_REVOCATION_REASON_NONE,
                                               responder, peer));
      break;
    case V_OCSP_CERTSTATUS_REVOKED:
      g_ptr_array_add (self->ocsp_responses,
                       qssl_ocsp_response_new (QSSL_OCSP_CERTIFICATE_STATUS_REVOKED, revocation_reason (reason),
                                               responder, peer));
      add_handshake_error (self, QSSL_ERROR_CODE_CERTIFICATE_REVOKED, peer);
      break;
    default:
      g_ptr_array_add (self->ocsp_responses,
                       qssl_ocsp_response_new (QSSL_OCSP_CERTIFICATE_STATUS_UNKNOWN, QSSL_OCSP_REVOCATION_REASON_NONE,
                                               responder, peer));
      add_handshake_error (self, QSSL_ERROR_CODE_OCSP_STATUS_UNKNOWN, peer);
      break;
    }

out:
  OCSP_CERTID_free (expected);
  X509_free (issuer);
  OCSP_BASICRESP_free (basic);
  OCSP_RESPONSE_free (response);
  ERR_clear_error ();
  return readable;
}

static gboolean
unsupported_protocol (QsslSocket *self)
{
  QsslProtocol requested = qssl_configuration_get_protocol (self->configuration);

  return requested == QSSL_PROTOCOL_UNKNOWN_PROTOCOL ||
         (requested >= QSSL_PROTOCOL_DTLS_V1_0 && requested <= QSSL_PROTOCOL_DTLS_V1_2_OR_LATER);
}

static void
fail_handshake (QsslSocket      *self,
                QsslSocketError  error,
                const char      *message)
{
  set_error (self, error, message);
  close_connection (self, FALSE);
}

static void do_handshake (QsslSocket *self);

static void
start_encryption (QsslSocket *self,
                  QsslMode    mode)
{
  g_autoptr(GError) error = NULL;
  QsslContext *context;
  QsslPeerVerifyMode verify;
  int verify_flags;

  if (self->state != QSSL_SOCKET_STATE_CONNECTED || self->mode != QSSL_MODE_UNENCRYPTED)
    {
      g_debug ("socket %p: cannot start a handshake when not connected or already encrypting", self);
      return;
    }
  if (unsupported_protocol (self))
    {
      set_error (self, QSSL_SOCKET_ERROR_SSL_INVALID_USER_DATA, _("Attempted to use an unsupported protocol."));
      close_connection (self, FALSE);
      return;
    }

  set_mode (self, mode);
  if (self->state != QSSL_SOCKET_STATE_CONNECTED)
    return;

  context = _qssl_configuration_get_context (self->configuration, mode, &error);
  if (context == NULL)
    {
      fail_handshake (self, error->code, error->message);
      return;
    }
  self->ssl = SSL_new (_qssl_context_get_ctx (context));
  SSL_set_ex_data (self->ssl, ssl_socket_index, self);
  SSL_set_info_callback (self->ssl, info_callback);
  {
    /* Bytes read in plain mode and not consumed belong to the TLS stream
     * (a STARTTLS peer may send its hello right after the go-ahead). */
    g_autoptr(GBytes) prefix = NULL;
    BIO *bio;

    if (buffered (self) > 0)
      {
        prefix = g_bytes_new (self->read_buffer->data + self->read_offset, buffered (self));
        g_byte_array_set_size (self->read_buffer, 0);
        self->read_offset = 0;
      }
    bio = _qssl_bio_new (g_socket_get_fd (gsocket (self)), prefix);
    SSL_set_bio (self->ssl, bio, bio);
  }

  verify = effective_verify_mode (self);
  verify_flags = SSL_VERIFY_NONE;
  if (verify != QSSL_PEER_VERIFY_MODE_NONE)
    {
      verify_flags = SSL_VERIFY_PEER;
      if (mode == QSSL_MODE_SSL_SERVER && verify == QSSL_PEER_VERIFY_MODE_VERIFY_PEER &&
          qssl_configuration_get_missing_certificate_is_fatal (self->configuration))
        verify_flags |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
    }
  SSL_set_verify (self->ssl, verify_flags, verify != QSSL_PEER_VERIFY_MODE_NONE ? verify_callback : NULL);

  /* PSK suites are only offered or accepted when someone can supply a key. */
  if (g_signal_has_handler_pending (self, signals[SIGNAL_PRE_SHARED_KEY_AUTHENTICATION_REQUIRED], 0, TRUE))
    {
      if (mode == QSSL_MODE_SSL_CLIENT)
        SSL_set_psk_client_callback (self->ssl, psk_client_callback);
      else
        SSL_set_psk_server_callback (self->ssl, psk_server_callback);
    }

  if (mode == QSSL_MODE_SSL_CLIENT)
    {
      /* Qt's order: the verification name, else the peer name, else the host. */
      const char *name = verification_name (self);
      g_autoptr(GBytes) ticket = qssl_configuration_get_session_ticket (self->configuration);
      g_autoptr(GByteArray) alpn = alpn_wire_format (self->configuration->allowed_next_protocols);
      SSL_SESSION *session = NULL;

      /* SNI carries names, never IP literals. */
      if (name != NULL && !g_hostname_is_ip_address (name) &&
          !qssl_configuration_test_ssl_option (self->configuration,
                                               QSSL_SSL_OPTIONS_DISABLE_SERVER_NAME_INDICATION))
        SSL_set_tlsext_host_name (self->ssl, name);
      if (alpn->len > 0)
        SSL_set_alpn_protos (self->ssl, alpn->data, alpn->len);
      if (qssl_configuration_get_ocsp_stapling_enabled (self->configuration))
        SSL_set_tlsext_status_type (self->ssl, TLSEXT_STATUSTYPE_ocsp);

      /* A session to resume: the application's ticket, else one kept by the
       * context for this peer (keyed by name, port and verification name).
       * None when a stapled OCSP response is required: a server staples
       * only in full handshakes, and a status checked earlier may be stale
       * (revoked since). */
      if (ticket != NULL)
        {
          const unsigned char *data = g_bytes_get_data (ticket, NULL);

          session = d2i_SSL_SESSION (NULL, &data, g_bytes_get_size (ticket));
        }
      if (session == NULL &&
          !qssl_configuration_test_ssl_option (self->configuration, QSSL_SSL_OPTIONS_DISABLE_SESSION_SHARING))
        {
          g_autofree char *key = session_cache_key (self);

          if (key != NULL)
            session = _qssl_context_lookup_session (context, key);
        }
      if (session != NULL && !session_may_be_offered (self, session))
        g_clear_pointer (&session, SSL_SESSION_free);
      if (session != NULL)
        {
          SSL_set_session (self->ssl, session);
          SSL_SESSION_free (session);
        }
      SSL_set_connect_state (self->ssl);
    }
  else
    {
      g_autoptr(GBytes) hint = qssl_configuration_get_pre_shared_key_identity_hint (self->configuration);

      if (hint != NULL)
        {
          g_autofree char *text = g_strndup (g_bytes_get_data (hint, NULL), g_bytes_get_size (hint));

          SSL_use_psk_identity_hint (self->ssl, text);
        }
      /* TLS 1.3 tickets wait until the peer is accepted (become_encrypted()). */
      SSL_set_num_tickets (self->ssl, 0);
      SSL_set_accept_state (self->ssl);
    }
  ERR_clear_error ();

  g_ptr_array_set_size (self->handshake_errors, 0);
  g_ptr_array_set_size (self->ocsp_responses, 0);
  self->session_resumed = FALSE;
  self->used_pre_shared_key = FALSE;
  self->ignore_all = self->ignore_all_next;
  self->ignore_all_next = FALSE;
  self->handshaking = TRUE;
  do_handshake (self);
}

/**
 * qssl_socket_start_client_encryption:
 * @self: a connected #QsslSocket in plain mode
 *
 * Starts the TLS handshake as a client on an established connection (the
 * STARTTLS step). Does nothing when the socket is not connected or already
 * encrypting.
 *
 * Mirrors `QSslSocket::startClientEncryption()`.
 *
 * Since: 1.0
 */
void
qssl_socket_start_client_encryption (QsslSocket *self)
{
  g_return_if_fail (QSSL_IS_SOCKET (self));

  start_encryption (self, QSSL_MODE_SSL_CLIENT);
}

/**
 * qssl_socket_start_server_encryption:
 * @self: a connected #QsslSocket in plain mode, with a local certificate and
 *   private key
 *
 * Starts the TLS handshake as a server on an accepted connection.
 *
 * Mirrors `QSslSocket::startServerEncryption()`.
 *
 * Since: 1.0
 */
void
qssl_socket_start_server_encryption (QsslSocket *self)
{
  g_return_if_fail (QSSL_IS_SOCKET (self));

  start_encryption (self, QSSL_MODE_SSL_SERVER);
}

static void
store_session_state (QsslSocket *self)
{
  QsslConfiguration *configuration = self->configuration;
  STACK_OF (X509) *chain = SSL_get_peer_cert_chain (self->ssl);
  X509 *peer = SSL_get0_peer_certificate (self->ssl);
  const SSL_CIPHER *cipher = SSL_get_current_cipher (self->ssl);
  int version = SSL_version (self->ssl);

  _qssl_configuration_clear_session_state (configuration);
  /* A server's chain from OpenSSL lacks the client's own certificate, and
   * a resumed session (from a ticket) carries the certificate only. */
  if (peer != NULL &&
      (self->mode == QSSL_MODE_SSL_SERVER || chain == NULL || sk_X509_num (chain) == 0))
    g_ptr_array_add (configuration->peer_certificate_chain, _qssl_certificate_new_ref (peer));
  for (int i = 0; chain != NULL && i < sk_X509_num (chain); i++)
    g_ptr_array_add (configuration->peer_certificate_chain, _qssl_certificate_new_ref (sk_X509_value (chain, i)));
  if (cipher != NULL)
    configuration->session_cipher = _qssl_cipher_new_from_ssl_cipher (cipher);
  configuration->session_protocol = version == TLS1_3_VERSION ? QSSL_PROTOCOL_TLS_V1_3
                                  : version == TLS1_2_VERSION ? QSSL_PROTOCOL_TLS_V1_2
                                  : version == TLS1_1_VERSION ? QSSL_PROTOCOL_TLS_V1_1
                                  : version == TLS1_VERSION ? QSSL_PROTOCOL_TLS_V1_0
                                  : QSSL_PROTOCOL_UNKNOWN_PROTOCOL;
  self->session_resumed = SSL_session_reused (self->ssl) == 1;
  {
    const unsigned char *protocol = NULL;
    unsigned int length = 0;

    SSL_get0_alpn_selected (self->ssl, &protocol, &length);
    if (length > 0)
      {
        configuration->next_negotiated_protocol = g_strndup ((const char *) protocol, length);
        configuration->next_protocol_negotiation_status = QSSL_NEXT_PROTOCOL_NEGOTIATION_STATUS_NEGOTIATED;
      }
  }
  if (self->mode == QSSL_MODE_SSL_CLIENT)
    {
      EVP_PKEY *key = NULL;

      if (SSL_get_peer_tmp_key (self->ssl, &key) == 1 && key != NULL)
        configuration->ephemeral_server_key = _qssl_key_new_take (key, QSSL_KEY_TYPE_PUBLIC_KEY);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SESSION_PROTOCOL]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SESSION_CIPHER]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PEER_CERTIFICATE]);
}

static gboolean
errors_ignored (QsslSocket *self)
{
  if (self->ignore_list != NULL && self->ignore_list->len > 0)
    {
      for (guint i = 0; i < self->handshake_errors->len; i++)
        {
          gboolean listed = FALSE;

          for (guint j = 0; j < self->ignore_list->len && !listed; j++)
            listed = qssl_error_equal (g_ptr_array_index (self->handshake_errors, i),
                                       g_ptr_array_index (self->ignore_list, j));
          if (!listed)
            return FALSE;
        }
      return TRUE;
    }
  return self->ignore_all;
}

static void pump_write (QsslSocket *self);
static void pump_read (QsslSocket *self);

/* Server, TLS 1.3: the tickets held back in start_encryption() go out
 * now that the peer was accepted (SSL_new_session_ticket() only queues
 * one; the handshake call sends it, or the next read or write if the
 * socket is full). Only an accepted peer can ever hold a ticket. */
static void
issue_session_tickets (QsslSocket *self)
{
  SSL *ssl = self->ssl;
  size_t count = SSL_CTX_get_num_tickets (SSL_get_SSL_CTX (ssl));

  if (self->mode != QSSL_MODE_SSL_SERVER || SSL_version (ssl) != TLS1_3_VERSION || count == 0)
    return;
  for (size_t i = 0; i < count; i++)
    SSL_new_session_ticket (ssl);
  enter_openssl (self);
  SSL_do_handshake (ssl);
  leave_openssl (self);
  ERR_clear_error ();
}

static void
become_encrypted (QsslSocket *self)
{
  self->handshaking = FALSE;
  self->paused = FALSE;
  self->encrypted = TRUE;
  issue_session_tickets (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_IS_ENCRYPTED]);
  g_debug ("socket %p: encrypted (%s, %s)", self, SSL_get_version (self->ssl),
           SSL_get_cipher_name (self->ssl));
  g_signal_emit (self, signals[SIGNAL_ENCRYPTED], 0);
  complete_handshake_tasks (self, NULL);
  if (self->state != QSSL_SOCKET_STATE_CONNECTED && self->state != QSSL_SOCKET_STATE_CLOSING)
    return;
  /* A TLS 1.2 session arrives within the handshake. */
  handle_received_session (self);
  if (self->state != QSSL_SOCKET_STATE_CONNECTED && self->state != QSSL_SOCKET_STATE_CLOSING)
    return;
  /* Data written before encrypted goes out now. */
  pump_write (self);
  if (self->ssl != NULL)
    pump_read (self);
}

static gboolean
authenticated_by_psk (QsslSocket *self)
{
  const SSL_CIPHER *cipher = SSL_get_current_cipher (self->ssl);

  if (cipher != NULL && SSL_CIPHER_get_auth_nid (cipher) == NID_auth_psk)
    return TRUE;
  /* TLS 1.3 with an external PSK looks like a resumption without a
   * certificate, and so does the resumption of a session whose peer had
   * none: only a key our callback supplied, or (server) a session first
   * made with one, counts. */
  if (SSL_version (self->ssl) != TLS1_3_VERSION || SSL_session_reused (self->ssl) != 1 ||
      SSL_get0_peer_certificate (self->ssl) != NULL)
    return FALSE;
  return self->used_pre_shared_key ||
         (self->mode == QSSL_MODE_SSL_SERVER && _qssl_context_session_is_pre_shared (SSL_get0_session (self->ssl)));
}

/* After OpenSSL completed the handshake: Qt's checks, the signals, and the
 * decision. No application data is read before it. */
static void
check_handshake (QsslSocket *self)
{
  QsslPeerVerifyMode verify = effective_verify_mode (self);
  QsslCertificate *peer;
  gboolean fatal;

  store_session_state (self);
  peer = qssl_configuration_get_peer_certificate (self->configuration);

  if (verify != QSSL_PEER_VERIFY_MODE_NONE)
    {
      if (peer != NULL && qssl_certificate_is_blacklisted (peer))
        add_handshake_error (self, QSSL_ERROR_CODE_CERTIFICATE_BLACKLISTED, peer);
      if (self->mode == QSSL_MODE_SSL_CLIENT && peer != NULL &&
          !_qssl_certificate_matches_host (peer, verification_name (self)))
        add_handshake_error (self, QSSL_ERROR_CODE_HOST_NAME_MISMATCH, peer);
      /* A resumed session skips verification: report what the session
       * recorded when it was first verified. */
      if (self->session_resumed && peer != NULL && SSL_get_verify_result (self->ssl) != X509_V_OK)
        add_handshake_error (self, _qssl_error_code_from_x509_verify_error (SSL_get_verify_result (self->ssl)),
                             peer);
      /* With a PSK suite the key itself authenticates the peer. */
      if (peer == NULL && !authenticated_by_psk (self))
        add_handshake_error (self, QSSL_ERROR_CODE_NO_PEER_CERTIFICATE, NULL);
      if (self->mode == QSSL_MODE_SSL_CLIENT && peer != NULL &&
          qssl_configuration_get_ocsp_stapling_enabled (self->configuration) &&
          !check_ocsp_staple (self, peer))
        {
          fail_handshake (self, QSSL_SOCKET_ERROR_SSL_HANDSHAKE_FAILED, _("Failed to decode OCSP response"));
          return;
        }
    }

  for (guint i = 0; i < self->handshake_errors->len; i++)
    {
      g_signal_emit (self, signals[SIGNAL_PEER_VERIFY_ERROR], 0, g_ptr_array_index (self->handshake_errors, i));
      if (self->ssl == NULL)
        return; /* aborted from the handler */
    }

  if (self->handshake_errors->len > 0)
    {
      g_autoptr(GPtrArray) errors = g_ptr_array_ref (self->handshake_errors);

      g_signal_emit (self, signals[SIGNAL_SSL_ERRORS], 0, errors);
      if (self->ssl == NULL)
        return;
    }

  /* QUERY_PEER and NONE report problems but never fail on them. */
  fatal = verify == QSSL_PEER_VERIFY_MODE_VERIFY_PEER && self->handshake_errors->len > 0 &&
          !errors_ignored (self);
  if (fatal && (self->pause_mode & QSSL_PAUSE_MODES_ON_SSL_ERRORS))
    {
      self->paused = TRUE;
      watch (self, 0);
      return;
    }
  if (fatal)
    {
      g_autofree char *message =
        g_strdup (qssl_error_get_error_string (g_ptr_array_index (self->handshake_errors, 0)));

      fail_handshake (self, QSSL_SOCKET_ERROR_SSL_HANDSHAKE_FAILED, message);
      return;
    }
  become_encrypted (self);
}

static void
do_handshake (QsslSocket *self)
{
  g_autoptr(QsslSocket) keep_alive = g_object_ref (self);
  SSL *ssl = self->ssl;
  int result, ssl_error;

  ERR_clear_error ();
  enter_openssl (self);
  result = SSL_do_handshake (ssl);
  ssl_error = SSL_get_error (ssl, result);
  leave_openssl (self);
  flush_alerts (self);
  if (self->ssl != ssl)
    {
      ERR_clear_error ();
      return; /* aborted from a handler */
    }
  if (result == 1)
    {
      watch (self, 0);
      check_handshake (self);
      return;
    }
  if (ssl_error == SSL_ERROR_WANT_READ)
    watch (self, G_IO_IN);
  else if (ssl_error == SSL_ERROR_WANT_WRITE)
    watch (self, G_IO_OUT);
  else
    {
      gboolean no_protocol = ERR_GET_LIB (ERR_peek_error ()) == ERR_LIB_SSL &&
                             ERR_GET_REASON (ERR_peek_error ()) == SSL_R_NO_PROTOCOLS_AVAILABLE;
      /* The peer went away (EOF or reset) without an alert: Qt reports
       * what its TCP socket saw, not a failed negotiation. */
      gboolean vanished = (ssl_error == SSL_ERROR_SSL &&
                           ERR_GET_REASON (ERR_peek_last_error ()) == SSL_R_UNEXPECTED_EOF_WHILE_READING) ||
                          (ssl_error == SSL_ERROR_SYSCALL && ERR_peek_error () == 0);
      g_autofree char *details = _qssl_take_openssl_errors ();
      g_autofree char *message = NULL;

      /* A version this OpenSSL refuses (TLS 1.0/1.1 below its security
       * level): a setting the user chose, not a failed negotiation. */
      if (no_protocol)
        {
          message = g_strdup_printf ("%s (%s)", _("Attempted to use an unsupported protocol."), details);
          fail_handshake (self, QSSL_SOCKET_ERROR_SSL_INVALID_USER_DATA, message);
          return;
        }
      if (vanished)
        {
          fail_handshake (self, QSSL_SOCKET_ERROR_REMOTE_HOST_CLOSED, _("The remote host closed the connection"));
          return;
        }
      message = g_strdup_printf (_("Error during SSL handshake: %s"), details ? details : _("unknown error"));
      fail_handshake (self, QSSL_SOCKET_ERROR_SSL_HANDSHAKE_FAILED, message);
    }
}

/**
 * qssl_socket_ignore_ssl_errors:
 * @self: a #QsslSocket
 *
 * Lets the handshake go on despite verification errors: called in a
 * #QsslSocket::ssl-errors handler it holds for that handshake; called before
 * connecting it holds for the next one only, never for later connections.
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

  if (!self->paused || self->ssl == NULL)
    return;
  self->paused = FALSE;
  if (errors_ignored (self))
    become_encrypted (self);
  else
    {
      g_autofree char *message =
        g_strdup (qssl_error_get_error_string (g_ptr_array_index (self->handshake_errors, 0)));

      fail_handshake (self, QSSL_SOCKET_ERROR_SSL_HANDSHAKE_FAILED, message);
    }
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
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PAUSE_MODE]);
}

/* Reading and writing */

static gsize
buffered (QsslSocket *self)
{
  return self->read_buffer->len - self->read_offset;
}

/* Whether plaintext is left in OpenSSL for read() to take directly. With a
 * bounded buffer it is moved into the buffer instead, which is what the
 * bound counts. */
static gboolean
reads_through (QsslSocket *self)
{
  return self->encrypted && self->ssl != NULL && self->read_buffer_size == 0;
}

/* Decrypted plaintext OpenSSL holds for read(). */
static gsize
held_plaintext (QsslSocket *self)
{
  return reads_through (self) ? (gsize) SSL_pending (self->ssl) : 0;
}

static gsize
available (QsslSocket *self)
{
  return buffered (self) + held_plaintext (self);
}

/* Moves what OpenSSL holds decrypted into the buffer: no network I/O, as
 * the record is already decrypted. For line reads and peeks, which need the
 * bytes in one place, and before the SSL goes away. */
static void
keep_held_plaintext (QsslSocket *self)
{
  gsize held;

  if (self->ssl == NULL || !self->encrypted)
    return;
  while ((held = SSL_pending (self->ssl)) > 0)
    {
      gsize old_length = self->read_buffer->len;
      size_t n = 0;

      if (self->read_offset > 0 && self->read_offset == old_length)
        {
          old_length = 0;
          self->read_offset = 0;
        }
      g_byte_array_set_size (self->read_buffer, old_length + held);
      ERR_clear_error ();
      if (SSL_read_ex (self->ssl, self->read_buffer->data + old_length, held, &n) != 1)
        n = 0;
      g_byte_array_set_size (self->read_buffer, old_length + n);
      if (n == 0)
        break;
    }
  self->held_announced = FALSE;
}

static gboolean
emit_later (gpointer user_data)
{
  QsslSocket *self = user_data;
  gint64 plain = self->pending_bytes_written;
  guint64 written = 0;

  clear_source (&self->emit_idle);
  self->emission_due = FALSE;
  self->pending_bytes_written = 0;
  g_object_ref (self);
  if (self->ssl != NULL)
    written = BIO_number_written (SSL_get_wbio (self->ssl));
  if (plain > 0)
    g_signal_emit (self, signals[SIGNAL_BYTES_WRITTEN], 0, plain);
  if (self->encrypted && written > self->encrypted_written_reported)
    {
      gint64 delta = written - self->encrypted_written_reported;

      self->encrypted_written_reported = written;
      g_signal_emit (self, signals[SIGNAL_ENCRYPTED_BYTES_WRITTEN], 0, delta);
    }
  g_object_unref (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_emission (QsslSocket *self)
{
  GSource *source;

  if (self->emit_idle != NULL)
    return;
  /* A blocking wait emits it itself, without a source to attach and drop. */
  if (self->waiting > 0)
    {
      self->emission_due = TRUE;
      return;
    }
  source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, emit_later, self, NULL);
  g_source_set_static_name (source, "[qssl] bytes-written");
  g_source_attach (source, self->context);
  self->emit_idle = source;
}

/* Writes from @data; returns how much went out (never blocks). */
static gssize
send_now (QsslSocket   *self,
          const guint8 *data,
          gsize         size,
          gboolean     *would_block)
{
  *would_block = FALSE;
  if (self->encrypted)
    {
      size_t written = 0;
      int result;

      ERR_clear_error ();
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
            set_error (self, QSSL_SOCKET_ERROR_SSL_INTERNAL, message);
            close_connection (self, FALSE);
            return -1;
          }
        }
    }
  else
    {
      g_autoptr(GError) error = NULL;
      gssize written = g_socket_send (gsocket (self), (const char *) data, size, NULL, &error);

      if (written >= 0)
        return written;
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        {
          *would_block = TRUE;
          return 0;
        }
      set_error (self, QSSL_SOCKET_ERROR_REMOTE_HOST_CLOSED, error->message);
      close_connection (self, FALSE);
      return -1;
    }
}

static gboolean
can_send (QsslSocket *self)
{
  if (self->state != QSSL_SOCKET_STATE_CONNECTED && self->state != QSSL_SOCKET_STATE_CLOSING)
    return FALSE;
  return self->mode == QSSL_MODE_UNENCRYPTED ? TRUE : self->encrypted;
}

static void maybe_finish_close (QsslSocket *self);

static gboolean
room_to_read (QsslSocket *self)
{
  return self->read_buffer_size == 0 || (gint64) buffered (self) < self->read_buffer_size;
}

/* Work for a pump that the fd will not announce: data OpenSSL has already
 * read from the network (decrypted, or whole records read ahead), an end of
 * stream a read() met, or a session ticket or alert seen inside a read().
 * What OpenSSL holds after it last wanted more from the network is only an
 * incomplete record: that waits for the fd. */
static gboolean
has_pending_plaintext (QsslSocket *self)
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

static gboolean
pump_pending (gpointer user_data)
{
  QsslSocket *self = user_data;

  clear_source (&self->pending_idle);
  g_object_ref (self);
  if (has_pending_plaintext (self))
    pump_read (self);
  g_object_unref (self);
  return G_SOURCE_REMOVE;
}

static void
update_watch (QsslSocket *self)
{
  GIOCondition condition = 0;

  if (self->state != QSSL_SOCKET_STATE_CONNECTED && self->state != QSSL_SOCKET_STATE_CLOSING)
    return;
  if (self->handshaking || self->paused)
    return;
  if (!self->read_channel_finished &&
      (self->read_buffer_size == 0 || (gint64) buffered (self) < self->read_buffer_size))
    condition |= G_IO_IN;
  if (self->write_buffer->len > 0)
    condition |= G_IO_OUT;
  watch (self, condition);
  if (has_pending_plaintext (self) && self->pending_idle == NULL)
    {
      GSource *source = g_idle_source_new ();

      g_source_set_priority (source, G_PRIORITY_DEFAULT);
      g_source_set_callback (source, pump_pending, self, NULL);
      g_source_set_static_name (source, "[qssl] pending plaintext");
      g_source_attach (source, self->context);
      self->pending_idle = source;
    }
}

static void
pump_write (QsslSocket *self)
{
  gsize sent_total = 0;

  while (self->write_buffer->len > sent_total && can_send (self))
    {
      gboolean would_block;
      gssize sent = send_now (self, self->write_buffer->data + sent_total,
                              self->write_buffer->len - sent_total, &would_block);

      if (sent < 0)
        return;
      if (would_block)
        break;
      sent_total += sent;
    }
  if (sent_total > 0)
    {
      g_byte_array_remove_range (self->write_buffer, 0, sent_total);
      self->pending_bytes_written += sent_total;
      schedule_emission (self);
    }
  if (self->write_buffer->len == 0 && self->pending_close)
    {
      maybe_finish_close (self);
      return;
    }
  update_watch (self);
}

/* @protocol_error: what OpenSSL said when the peer broke the protocol (a
 * fatal alert, a bad record) rather than just going away; Qt reports that
 * as an internal error, a plain EOF as the remote host closing. */
static void
finish_read_side (QsslSocket *self,
                  gboolean    clean,
                  const char *protocol_error)
{
  self->read_channel_finished = TRUE;
  if (clean)
    g_signal_emit (self, signals[SIGNAL_READ_CHANNEL_FINISHED], 0);
  else if (protocol_error != NULL)
    {
      g_autofree char *message = g_strdup_printf (_("Error while reading: %s"), protocol_error);

      set_error (self, QSSL_SOCKET_ERROR_SSL_INTERNAL, message);
    }
  else
    set_error (self, QSSL_SOCKET_ERROR_REMOTE_HOST_CLOSED, _("The remote host closed the connection"));
  if (self->state == QSSL_SOCKET_STATE_CONNECTED || self->state == QSSL_SOCKET_STATE_CLOSING)
    close_connection (self, FALSE);
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
        keep_held_plaintext (self);
      ERR_clear_error ();
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
static void
pump_read (QsslSocket *self)
{
  gsize got = 0;
  gboolean finished = FALSE, clean = FALSE;
  g_autofree char *protocol_error = NULL;

  if (reads_through (self) || self->deferred_finish)
    {
      pump_read_through (self);
      return;
    }
  /* An empty buffer (given back when it was all read) gets the room for a
   * whole pump at once, instead of growing by doubling and copying. */
  if (self->read_buffer->len == 0 && self->read_buffer_size == 0)
    {
      g_byte_array_unref (self->read_buffer);
      self->read_buffer = g_byte_array_sized_new (PUMP_LIMIT);
      self->read_offset = 0;
    }

  while ((self->read_buffer_size == 0 || (gint64) buffered (self) < self->read_buffer_size) &&
         got < PUMP_LIMIT)
    {
      gsize old_length = self->read_buffer->len;
      gsize room = READ_CHUNK;

      if (self->read_buffer_size > 0)
        room = MIN (room, (gsize) (self->read_buffer_size - buffered (self)));
      /* Keep the buffer from growing forever when the reader keeps up. */
      if (self->read_offset > 0 && self->read_offset == self->read_buffer->len)
        {
          g_byte_array_set_size (self->read_buffer, 0);
          self->read_offset = 0;
          old_length = 0;
        }
      g_byte_array_set_size (self->read_buffer, old_length + room);

      if (self->encrypted)
        {
          size_t n = 0;
          int result;

          ERR_clear_error ();
          result = SSL_read_ex (self->ssl, self->read_buffer->data + old_length, room, &n);
          g_byte_array_set_size (self->read_buffer, old_length + n);
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
          g_autoptr(GError) error = NULL;
          gssize n = g_socket_receive (gsocket (self), (char *) self->read_buffer->data + old_length,
                                       room, NULL, &error);

          g_byte_array_set_size (self->read_buffer, old_length + MAX (n, 0));
          if (n > 0)
            {
              got += n;
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
  /* A TLS 1.3 session ticket arrives after the handshake, as a record. */
  if (self->received_session != NULL)
    {
      handle_received_session (self);
      if (self->state == QSSL_SOCKET_STATE_UNCONNECTED)
        return;
    }
  if (got)
    {
      self->ready_read_count++;
      g_signal_emit (self, signals[SIGNAL_READY_READ], 0);
    }
  if (self->pending_alerts != NULL)
    {
      flush_alerts (self);
      if (self->state == QSSL_SOCKET_STATE_UNCONNECTED)
        return;
    }
  if (finished && !self->read_channel_finished)
    {
      /* Without close_notify, a TLS stream may have been cut short. */
      finish_read_side (self, clean, protocol_error);
      return;
    }
  update_watch (self);
}

/* Called from the GSource and from the blocking waits. */
static void
drive (QsslSocket   *self,
       GIOCondition  condition)
{
  switch (self->state)
    {
    case QSSL_SOCKET_STATE_CONNECTING:
      check_connect (self);
      return;
    case QSSL_SOCKET_STATE_CONNECTED:
    case QSSL_SOCKET_STATE_CLOSING:
      if (self->handshaking)
        {
          if (!self->paused)
            do_handshake (self);
          return;
        }
      if (condition & (G_IO_OUT | G_IO_ERR | G_IO_HUP))
        pump_write (self);
      if (condition & (G_IO_IN | G_IO_ERR | G_IO_HUP))
        pump_read (self);
      return;
    default:
      watch (self, 0);
      return;
    }
}

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
 * Returns: @size, or -1 if the socket is not open for writing
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

  if (self->state == QSSL_SOCKET_STATE_UNCONNECTED || self->pending_close)
    return -1;
  if (size == 0)
    return 0;
  if (self->write_buffer->len == 0 && can_send (self))
    {
      /* OpenSSL returns after each record (partial writes): keep going
       * while the kernel takes them, so that only what it refuses is
       * copied into the write buffer. */
      while (sent < size)
        {
          gboolean would_block;
          gssize n = send_now (self, data + sent, size - sent, &would_block);

          if (n < 0)
            return -1;
          if (would_block || n == 0)
            break;
          sent += n;
        }
      if (sent > 0)
        {
          self->pending_bytes_written += sent;
          schedule_emission (self);
        }
    }
  if (sent < size)
    g_byte_array_append (self->write_buffer, data + sent, size - sent);
  update_watch (self);
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

/* read() past the socket's buffer: what OpenSSL holds decrypted, then, up
 * to the budget a ready-read gives, new records, decrypted straight into
 * @buffer. What happens on the way (the end of the stream, a ticket, an
 * alert) is reported from the main loop, never from inside read(). */
static gsize
read_directly (QsslSocket *self,
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
      ERR_clear_error ();
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
      has_pending_plaintext (self))
    update_watch (self);
  return total;
}

/**
 * qssl_socket_read:
 * @self: a #QsslSocket
 * @buffer: (array length=size) (element-type guint8) (out caller-allocates): where to put the data
 * @size: the most to read
 *
 * Reads buffered plaintext without blocking.
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

  n = MIN (size, buffered (self));
  if (n > 0)
    {
      memcpy (buffer, self->read_buffer->data + self->read_offset, n);
      self->read_offset += n;
      if (self->read_offset == self->read_buffer->len)
        {
          /* All read: give the storage back. A pump grows the buffer by
           * READ_CHUNK even for one byte, and an idle connection should
           * not keep that. */
          g_byte_array_unref (self->read_buffer);
          self->read_buffer = g_byte_array_new ();
          self->read_offset = 0;
        }
    }
  if (n < size && reads_through (self) && !self->read_channel_finished && !self->deferred_finish &&
      self->openssl_depth == 0)
    n += read_directly (self, buffer + n, size - n);
  if (n == 0)
    return self->state == QSSL_SOCKET_STATE_UNCONNECTED && size > 0 ? -1 : 0;
  /* Room again: reading may resume (back-pressure released). */
  if (self->read_buffer_size > 0)
    update_watch (self);
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

  n = MIN (max_size, available (self));
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

  return qssl_socket_read_bytes (self, available (self));
}

static gssize
line_length (QsslSocket *self)
{
  const guint8 *start, *newline;

  /* Lines need the bytes in one place. */
  if (held_plaintext (self) > 0)
    keep_held_plaintext (self);
  if (buffered (self) == 0)
    return -1;
  start = self->read_buffer->data + self->read_offset;
  newline = memchr (start, '\n', buffered (self));
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
    length = buffered (self);
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

  if (held_plaintext (self) > 0)
    keep_held_plaintext (self);
  if (buffered (self) == 0)
    return g_bytes_new (NULL, 0);
  return g_bytes_new (self->read_buffer->data + self->read_offset, MIN (max_size, buffered (self)));
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

  return available (self);
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
  if (ioctl (g_socket_get_fd (gsocket (self)), FIONREAD, &queued) < 0)
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

  return self->encrypted ? self->write_buffer->len : 0;
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

  return available (self) == 0 &&
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

  g_return_val_if_fail (QSSL_IS_SOCKET (self), FALSE);

  before = self->write_buffer->len;
  pump_write (self);
  return (gint64) self->write_buffer->len < before;
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
    keep_held_plaintext (self);
  self->read_buffer_size = size;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_READ_BUFFER_SIZE]);
  update_watch (self);
}

/* Closing */

/* Drops the connection; with @send_close_notify, tells the peer first. */
static void
close_connection (QsslSocket *self,
                  gboolean    send_close_notify)
{
  QsslSocketState previous = self->state;

  if (self->ssl != NULL && send_close_notify && self->encrypted)
    {
      ERR_clear_error ();
      SSL_shutdown (self->ssl);
      ERR_clear_error ();
    }
  if (previous == QSSL_SOCKET_STATE_CONNECTED)
    set_state (self, QSSL_SOCKET_STATE_CLOSING);
  reset_connection (self);
  g_socket_close (gsocket (self), NULL);
  if (self->encrypted)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_IS_ENCRYPTED]);
  self->encrypted = FALSE;
  set_state (self, QSSL_SOCKET_STATE_UNCONNECTED);
  if (previous == QSSL_SOCKET_STATE_CONNECTED || previous == QSSL_SOCKET_STATE_CLOSING)
    g_signal_emit (self, signals[SIGNAL_DISCONNECTED], 0);
  if (!g_queue_is_empty (&self->handshake_tasks))
    {
      g_autoptr(GError) error = g_error_new_literal (QSSL_SOCKET_ERROR, QSSL_SOCKET_ERROR_REMOTE_HOST_CLOSED,
                                                     _("The connection was closed before the handshake finished"));

      complete_handshake_tasks (self, error);
    }
  /* The close_notify we sent, if any. */
  flush_alerts (self);
}

static void
maybe_finish_close (QsslSocket *self)
{
  self->pending_close = FALSE;
  /* Emit the last bytes-written before the socket goes away. */
  if (self->emit_idle != NULL)
    {
      clear_source (&self->emit_idle);
      emit_later (self);
    }
  close_connection (self, TRUE);
}

/**
 * qssl_socket_disconnect_from_host:
 * @self: a #QsslSocket
 *
 * Closes gracefully: sends what is buffered (state CLOSING meanwhile), then
 * close_notify, then closes; #QsslSocket::disconnected follows.
 *
 * Mirrors `QSslSocket::disconnectFromHost()`.
 *
 * Since: 1.0
 */
void
qssl_socket_disconnect_from_host (QsslSocket *self)
{
  g_return_if_fail (QSSL_IS_SOCKET (self));

  switch (self->state)
    {
    case QSSL_SOCKET_STATE_UNCONNECTED:
    case QSSL_SOCKET_STATE_CLOSING:
      return;
    case QSSL_SOCKET_STATE_HOST_LOOKUP:
    case QSSL_SOCKET_STATE_CONNECTING:
      reset_connection (self);
      set_state (self, QSSL_SOCKET_STATE_UNCONNECTED);
      return;
    default:
      break;
    }
  if (self->write_buffer->len > 0 && can_send (self))
    {
      self->pending_close = TRUE;
      set_state (self, QSSL_SOCKET_STATE_CLOSING);
      update_watch (self);
      return;
    }
  maybe_finish_close (self);
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
      reset_connection (self);
      return;
    }
  close_connection (self, FALSE);
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

  g_signal_emit (self, signals[SIGNAL_ABOUT_TO_CLOSE], 0);
  qssl_socket_disconnect_from_host (self);
  g_byte_array_set_size (self->read_buffer, 0);
  self->read_offset = 0;
}

/* Blocking calls */

typedef enum {
  WAIT_CONNECTED,
  WAIT_ENCRYPTED,
  WAIT_READY_READ,
  WAIT_BYTES_WRITTEN,
  WAIT_DISCONNECTED,
} WaitFor;

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
      return self->write_buffer->len == 0 || self->state == QSSL_SOCKET_STATE_UNCONNECTED;
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

static gboolean
on_wait_deadline (gpointer user_data)
{
  return G_SOURCE_REMOVE;
}

/* One blocking iteration of the socket's context, bounded by @remaining_us
 * (-1: unbounded). FALSE when another thread owns the context. */
static gboolean
iterate_context (QsslSocket *self,
                 gint64      remaining_us)
{
  GSource *deadline = NULL;

  if (!g_main_context_acquire (self->context))
    return FALSE;
  if (remaining_us >= 0)
    {
      deadline = g_timeout_source_new ((remaining_us + 999) / 1000);
      g_source_set_callback (deadline, on_wait_deadline, NULL, NULL);
      g_source_attach (deadline, self->context);
    }
  g_main_context_iteration (self->context, TRUE);
  if (deadline != NULL)
    {
      g_source_destroy (deadline);
      g_source_unref (deadline);
    }
  g_main_context_release (self->context);
  return TRUE;
}

/* Runs the socket's own work, without a main loop, until @what happens or
 * @msecs pass. Only the host lookup, whose answer GResolver delivers on the
 * main context, needs the socket's context iterated. */
static gboolean wait_for_inner (QsslSocket *self, WaitFor what, int msecs, gboolean *timed_out, GError **error);

static gboolean
wait_for (QsslSocket  *self,
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
      apply_watch (self);
      if (self->emission_due)
        schedule_emission (self);
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

  pfd.fd = g_socket_get_fd (gsocket (self));
  pfd.events = self->source_condition;
  do
    result = poll (&pfd, 1, timeout);
  while (result < 0 && errno == EINTR);
  /* GIOCondition has poll()'s values. */
  if (result > 0)
    drive (self, (GIOCondition) pfd.revents);
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
      if (self->state == QSSL_SOCKET_STATE_HOST_LOOKUP)
        {
          /* GResolver answers on the socket's context: run it, blocking
           * until something happens or the time is up. */
          apply_watch (self);
          if (!iterate_context (self, remaining))
            {
              g_set_error_literal (error, QSSL_SOCKET_ERROR, QSSL_SOCKET_ERROR_OPERATION,
                                   _("The socket's main context is in use by another thread"));
              return FALSE;
            }
          continue;
        }
      if (self->emit_idle != NULL || self->emission_due)
        {
          clear_source (&self->emit_idle);
          emit_later (self);
          continue;
        }
      if (has_pending_plaintext (self))
        {
          clear_source (&self->pending_idle);
          pump_read (self);
          continue;
        }
      if (self->source_condition == 0 || self->paused)
        {
          /* Nothing to wait for on the fd (paused for the application):
           * only the application's own sources can move things on. */
          apply_watch (self);
          if (!iterate_context (self, remaining))
            g_usleep (remaining < 0 ? G_USEC_PER_SEC : MIN (remaining, G_USEC_PER_SEC));
          continue;
        }
      poll_and_drive (self, remaining);
    }

  /* Deliver the pending bytes-written now, as Qt's waits do. */
  if (self->emit_idle != NULL || self->emission_due)
    {
      clear_source (&self->emit_idle);
      emit_later (self);
    }
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

      complete_handshake_tasks (self, task_error);
      qssl_socket_abort (self);
      record_error (self, QSSL_SOCKET_ERROR_SOCKET_TIMEOUT, message);
      return;
    }
  record_error (self, QSSL_SOCKET_ERROR_SOCKET_TIMEOUT, message);
  g_signal_emit (self, signals[SIGNAL_ERROR_OCCURRED], 0, QSSL_SOCKET_ERROR_SOCKET_TIMEOUT);
}

static gboolean
wait_as_qt (QsslSocket  *self,
            WaitFor      what,
            int          msecs,
            GError     **error)
{
  gboolean timed_out = FALSE;

  if (wait_for (self, what, msecs, &timed_out, error))
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
  return available (self) == 0 &&
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
  if (available (self) == 0 && !self->handshaking && !self->paused &&
      (self->state == QSSL_SOCKET_STATE_CONNECTED || self->state == QSSL_SOCKET_STATE_CLOSING))
    pump_read (self);
  if (available (self) > 0)
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
      wait_for (self, WAIT_READY_READ, 100, NULL, NULL);
    }
}

static gboolean
qssl_socket_input_stream_is_readable (GPollableInputStream *pollable)
{
  QsslSocketInputStream *stream = QSSL_SOCKET_INPUT_STREAM (pollable);
  g_autoptr(QsslSocket) self = g_weak_ref_get (&stream->socket);

  return self == NULL || available (self) > 0 || stream_at_end (self) || has_pending_plaintext (self);
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
    child = g_socket_create_source (gsocket (self), condition, NULL);
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
      pump_write (self);
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
      wait_for (self, WAIT_BYTES_WRITTEN, 100, NULL, NULL);
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
      wait_for (self, WAIT_BYTES_WRITTEN, 100, NULL, NULL);
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

static GInputStream *
qssl_socket_get_input_stream (GIOStream *io_stream)
{
  QsslSocket *self = QSSL_SOCKET (io_stream);

  if (self->input_stream == NULL)
    {
      self->input_stream = g_object_new (QSSL_TYPE_SOCKET_INPUT_STREAM, NULL);
      g_weak_ref_init (&QSSL_SOCKET_INPUT_STREAM (self->input_stream)->socket, self);
    }
  return self->input_stream;
}

static GOutputStream *
qssl_socket_get_output_stream (GIOStream *io_stream)
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
static gboolean
qssl_socket_close_fn (GIOStream     *io_stream,
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
      wait_for (self, WAIT_DISCONNECTED, 100, NULL, NULL);
    }
  return TRUE;
}

/* Asynchronous calls */

static gboolean
abort_for_cancellation (gpointer user_data)
{
  GTask *task = user_data;
  QsslSocket *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;

  if (g_queue_remove (&self->handshake_tasks, task))
    {
      g_cancellable_set_error_if_cancelled (g_task_get_cancellable (task), &error);
      g_task_return_error (task, g_steal_pointer (&error));
      /* Cancelling abandons the connection, as Qt's abort() would. */
      qssl_socket_abort (self);
      g_object_unref (task);
    }
  return G_SOURCE_REMOVE;
}

/* GCancellable::cancelled may fire in any thread: finish on the socket's own
 * context. */
static void
on_task_cancelled (GCancellable *cancellable,
                   GTask        *task)
{
  QsslSocket *self = g_task_get_source_object (task);
  GSource *source = g_idle_source_new ();

  /* Ahead of the socket's I/O, so that a handshake cannot complete between
   * the cancellation and its handling. */
  g_source_set_priority (source, G_PRIORITY_HIGH);
  g_source_set_callback (source, abort_for_cancellation, g_object_ref (task), g_object_unref);
  g_source_set_static_name (source, "[qssl] cancel");
  g_source_attach (source, self->context);
  g_source_unref (source);
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
    g_signal_connect (cancellable, "cancelled", G_CALLBACK (on_task_cancelled), task);
  g_queue_push_tail (&self->handshake_tasks, task);
  return task;
}

/**
 * qssl_socket_connect_to_host_encrypted_async:
 * @self: a #QsslSocket
 * @host_name: a host name or IP address, also the name to verify
 * @port: the TCP port
 * @cancellable: (nullable): cancels the connection (the socket is aborted);
 *   once the socket is encrypted, cancelling has no effect
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
  queue_handshake_task (self, cancellable, callback, user_data, qssl_socket_connect_to_host_encrypted_async);
  connect_to_host (self, host_name, port, NULL, QSSL_NETWORK_LAYER_PROTOCOL_ANY_IP, TRUE);
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
 *   once the socket is encrypted, cancelling has no effect
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
 * Returns: (nullable): the name
 *
 * Since: 1.0
 */
const char *
qssl_socket_get_peer_name (QsslSocket *self)
{
  g_return_val_if_fail (QSSL_IS_SOCKET (self), NULL);

  return self->host_name;
}

static GInetSocketAddress *
socket_address (QsslSocket *self,
                gboolean    remote)
{
  GSocketAddress *address;

  if (self->state != QSSL_SOCKET_STATE_CONNECTED && self->state != QSSL_SOCKET_STATE_CLOSING)
    return NULL;
  address = remote ? g_socket_get_remote_address (gsocket (self), NULL)
                   : g_socket_get_local_address (gsocket (self), NULL);
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
 * Since: 1.0
 */
void
qssl_socket_set_socket_option (QsslSocket       *self,
                               QsslSocketOption  option,
                               int               value)
{
  g_return_if_fail (QSSL_IS_SOCKET (self));

  if (option == QSSL_SOCKET_OPTION_KEEP_ALIVE)
    g_socket_set_keepalive (gsocket (self), value != 0);
  else
    g_socket_set_option (gsocket (self), IPPROTO_TCP, TCP_NODELAY, value != 0, NULL);
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
    return g_socket_get_keepalive (gsocket (self));
  g_socket_get_option (gsocket (self), IPPROTO_TCP, TCP_NODELAY, &value, NULL);
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
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PEER_VERIFY_MODE]);
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
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PEER_VERIFY_DEPTH]);
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
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PEER_VERIFY_NAME]);
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
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROTOCOL]);
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
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOCAL_CERTIFICATE]);
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
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOCAL_CERTIFICATE]);
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
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PRIVATE_KEY]);
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
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SSL_CONFIGURATION]);
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
