/* qssl-dtls.c: QsslDtls, one DTLS association over a UDP GSocket (QDtls)
 *
 * The application owns the socket and hands each datagram in, as with
 * Qt's QDtls; OpenSSL writes its records straight to the socket through a
 * datagram BIO. Retransmission timers run on the GMainContext that was
 * thread-default when the object was made: they emit `handshake-timeout`,
 * and qssl_dtls_handle_timeout() retransmits (QsslDtlsConnection does that
 * by itself).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>

#include "qssl.h"
#include "qssl-certificate-private.h"
#include "qssl-cipher-private.h"
#include "qssl-configuration-private.h"
#include "qssl-context-private.h"
#include "qssl-dtls-private.h"
#include "qssl-error-private.h"
#include "qssl-private.h"
#include "qssl-psk-authenticator-private.h"

/* Link MTU when the application gives no hint: Ethernet's. */
#define DEFAULT_LINK_MTU 1500

/* ---------------------------------------------------------------------- */
/* The datagram BIO */

static BIO_METHOD *datagram_bio_method;

static int
datagram_bio_create (BIO *bio)
{
  BIO_set_data (bio, g_new0 (QsslDatagramBio, 1));
  BIO_set_init (bio, 1);
  return 1;
}

static int
datagram_bio_destroy (BIO *bio)
{
  QsslDatagramBio *state = BIO_get_data (bio);

  if (state == NULL)
    return 0;
  g_clear_object (&state->peer);
  g_clear_pointer (&state->cookie_secret, g_bytes_unref);
  g_clear_error (&state->write_error);
  g_free (state);
  BIO_set_data (bio, NULL);
  return 1;
}

/* The one datagram of this call; consumed unless OpenSSL only peeks
 * (DTLSv1_listen leaves a verified ClientHello for the handshake). */
static int
datagram_bio_read (BIO  *bio,
                   char *buffer,
                   int   size)
{
  QsslDatagramBio *state = BIO_get_data (bio);
  int length;

  BIO_clear_retry_flags (bio);
  if (state->datagram == NULL || size <= 0)
    {
      BIO_set_retry_read (bio);
      return -1;
    }
  length = (int) MIN (state->datagram_length, (gsize) size);
  memcpy (buffer, state->datagram, length);
  if (!state->peeking)
    {
      state->datagram = NULL;
      state->datagram_length = 0;
    }
  return length;
}

/* One record flight (or part of it) is one datagram. A send that would
 * block is a lost datagram, which DTLS retransmits. */
static int
datagram_bio_write (BIO        *bio,
                    const char *data,
                    int         length)
{
  QsslDatagramBio *state = BIO_get_data (bio);
  g_autoptr(GError) error = NULL;

  BIO_clear_retry_flags (bio);
  if (state->socket == NULL || state->peer == NULL)
    {
      if (state->write_error == NULL)
        g_set_error_literal (&state->write_error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                             _("No socket or peer to send to"));
      return -1;
    }
  if (g_socket_send_to (state->socket, state->peer, data, length, NULL, &error) >= 0 ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
    return length;
  if (state->write_error == NULL)
    state->write_error = g_steal_pointer (&error);
  return -1;
}

static long
datagram_bio_ctrl (BIO  *bio,
                   int   command,
                   long  number,
                   void *pointer)
{
  QsslDatagramBio *state = BIO_get_data (bio);

  switch (command)
    {
    case BIO_CTRL_FLUSH:
    case BIO_CTRL_DGRAM_SET_NEXT_TIMEOUT:
      return 1;
    case BIO_CTRL_DGRAM_SET_PEEK_MODE:
      state->peeking = number != 0;
      return 1;
    case BIO_CTRL_DGRAM_GET_MTU_OVERHEAD:
      /* IP and UDP headers: what DTLS_set_link_mtu() takes off. */
      if (state->peer != NULL &&
          g_socket_address_get_family (state->peer) == G_SOCKET_FAMILY_IPV6)
        return 40 + 8;
      return 20 + 8;
    case BIO_CTRL_PENDING:
      return state->datagram != NULL ? (long) state->datagram_length : 0;
    case BIO_CTRL_WPENDING:
      return 0;
    default:
      return 0;
    }
}

BIO *
_qssl_datagram_bio_new (QsslDatagramBio **state)
{
  static gsize initialized = 0;
  BIO *bio;

  if (g_once_init_enter (&initialized))
    {
      datagram_bio_method = BIO_meth_new (BIO_get_new_index () | BIO_TYPE_SOURCE_SINK, "qssl-datagram");
      BIO_meth_set_create (datagram_bio_method, datagram_bio_create);
      BIO_meth_set_destroy (datagram_bio_method, datagram_bio_destroy);
      BIO_meth_set_read (datagram_bio_method, datagram_bio_read);
      BIO_meth_set_write (datagram_bio_method, datagram_bio_write);
      BIO_meth_set_ctrl (datagram_bio_method, datagram_bio_ctrl);
      g_once_init_leave (&initialized, 1);
    }
  bio = BIO_new (datagram_bio_method);
  g_assert (bio != NULL);
  if (state != NULL)
    *state = BIO_get_data (bio);
  return bio;
}

QsslDatagramBio *
_qssl_datagram_bio_get_state (BIO *bio)
{
  return bio != NULL ? BIO_get_data (bio) : NULL;
}

void
_qssl_datagram_bio_set_peer (QsslDatagramBio *state,
                             GInetAddress    *address,
                             guint16          port)
{
  g_clear_object (&state->peer);
  if (address != NULL)
    state->peer = g_inet_socket_address_new (address, port);
}

/* ---------------------------------------------------------------------- */
/* Cookies (RFC 6347 4.2.1): HMAC (secret, address, port), so that a
 * server keeps no state for a peer until it proved it gets our datagrams. */

GBytes *
_qssl_dtls_default_cookie_secret (void)
{
  static GBytes *secret;

  if (g_once_init_enter (&secret))
    {
      guint8 *random = g_malloc (32);

      if (RAND_bytes (random, 32) != 1)
        g_error ("OpenSSL could not generate a cookie secret");
      g_once_init_leave (&secret, g_bytes_new_take (random, 32));
    }
  return g_bytes_ref (secret);
}

gboolean
_qssl_dtls_check_cookie_hash (GChecksumType   hash,
                              GError        **error)
{
  switch (hash)
    {
    case G_CHECKSUM_MD5:
    case G_CHECKSUM_SHA1:
    case G_CHECKSUM_SHA256:
    case G_CHECKSUM_SHA384:
    case G_CHECKSUM_SHA512:
      return TRUE;
    default:
      g_set_error_literal (error, QSSL_DTLS_ERROR, QSSL_DTLS_ERROR_INVALID_INPUT_PARAMETERS,
                           _("Unsupported hash algorithm for the cookie generator"));
      return FALSE;
    }
}

const char *
_qssl_dtls_store_cookie_parameters (GChecksumType   hash,
                                    GBytes         *secret,
                                    GChecksumType  *stored_hash,
                                    GBytes        **stored_secret)
{
  if (g_bytes_get_size (secret) == 0)
    return _("The cookie secret is empty");
  if (!_qssl_dtls_check_cookie_hash (hash, NULL))
    return _("Unsupported hash algorithm for the cookie generator");
  *stored_hash = hash;
  g_bytes_unref (*stored_secret);
  *stored_secret = g_bytes_ref (secret);
  return NULL;
}

static gboolean
compute_cookie (SSL          *ssl,
                guint8       *cookie,
                gsize        *length)
{
  QsslDatagramBio *state = _qssl_datagram_bio_get_state (SSL_get_rbio (ssl));
  g_autoptr(GHmac) hmac = NULL;
  GInetAddress *address;
  guint16 port;
  gsize secret_length;
  const guint8 *secret;

  if (state == NULL || state->peer == NULL || state->cookie_secret == NULL)
    return FALSE;
  secret = g_bytes_get_data (state->cookie_secret, &secret_length);
  hmac = g_hmac_new (state->cookie_hash, secret, secret_length);
  if (hmac == NULL)
    return FALSE;
  address = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (state->peer));
  port = GUINT16_TO_BE (g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (state->peer)));
  g_hmac_update (hmac, g_inet_address_to_bytes (address), g_inet_address_get_native_size (address));
  g_hmac_update (hmac, (const guint8 *) &port, sizeof port);
  g_hmac_get_digest (hmac, cookie, length);
  return TRUE;
}

static int
generate_cookie_callback (SSL           *ssl,
                          unsigned char *cookie,
                          unsigned int  *cookie_length)
{
  /* OpenSSL's buffer is DTLS1_COOKIE_LENGTH (255) bytes: any digest fits. */
  gsize length = 64;

  if (!compute_cookie (ssl, cookie, &length))
    return 0;
  *cookie_length = (unsigned int) length;
  return 1;
}

static int
verify_cookie_callback (SSL                 *ssl,
                        const unsigned char *cookie,
                        unsigned int         cookie_length)
{
  guint8 expected[64];
  gsize length = sizeof expected;

  if (!compute_cookie (ssl, expected, &length))
    return 0;
  return length == cookie_length && CRYPTO_memcmp (expected, cookie, length) == 0;
}

void
_qssl_dtls_setup_cookies (SSL_CTX *ctx)
{
  SSL_CTX_set_cookie_generate_cb (ctx, generate_cookie_callback);
  SSL_CTX_set_cookie_verify_cb (ctx, verify_cookie_callback);
}

/* ---------------------------------------------------------------------- */
/* QsslDtls */

/**
 * QsslDtls:
 *
 * One DTLS association over a UDP #GSocket the application owns and reads:
 * each datagram from the peer goes to [method@Qssl.Dtls.do_handshake]
 * until the handshake is complete, then to
 * [method@Qssl.Dtls.decrypt_datagram]. Retransmission timers run on the
 * #GMainContext that was thread-default at creation and emit
 * #QsslDtls::handshake-timeout. See [class@Qssl.DtlsConnection] for the
 * same without the chores.
 *
 * Mirrors `QDtls`.
 *
 * Since: 1.0
 */
struct _QsslDtls
{
  GObject                 parent_instance;

  QsslMode                mode;
  GInetAddress           *peer_address;
  guint16                 peer_port;
  char                   *verification_name;
  QsslConfiguration      *configuration;
  guint16                 mtu_hint;
  GChecksumType           cookie_hash;
  GBytes                 *cookie_secret;

  QsslContext            *context;
  SSL                    *ssl;
  QsslDatagramBio        *bio;             /* owned by ssl's BIO */
  QsslDtlsHandshakeState  state;
  gboolean                encrypted;
  GPtrArray              *verification_errors;  /* QsslError */
  GPtrArray              *ignored_errors;       /* QsslError */

  QsslDtlsError           error;
  char                   *error_string;

  GMainContext           *main_context;
  GSource                *timer;
  guint                   in_openssl;      /* calls into OpenSSL under way */
};

enum
{
  SIGNAL_HANDSHAKE_TIMEOUT,
  SIGNAL_PRE_SHARED_KEY_AUTHENTICATION_REQUIRED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];
static int ssl_dtls_index = -1;

G_DEFINE_FINAL_TYPE (QsslDtls, qssl_dtls, G_TYPE_OBJECT)

static void
stop_timer (QsslDtls *self)
{
  if (self->timer != NULL)
    {
      g_source_destroy (self->timer);
      g_clear_pointer (&self->timer, g_source_unref);
    }
}

static void
reset_connection (QsslDtls *self)
{
  /* From a handler inside an OpenSSL call (PSK): the SSL must outlive it;
   * the call that is under way resets when it returns. */
  g_return_if_fail (self->in_openssl == 0);
  stop_timer (self);
  g_clear_pointer (&self->ssl, SSL_free);
  self->bio = NULL;
  g_clear_pointer (&self->context, _qssl_context_unref);
  self->state = QSSL_DTLS_HANDSHAKE_STATE_NOT_STARTED;
  self->encrypted = FALSE;
}

static void
qssl_dtls_dispose (GObject *object)
{
  QsslDtls *self = QSSL_DTLS (object);

  reset_connection (self);
  G_OBJECT_CLASS (qssl_dtls_parent_class)->dispose (object);
}

static void
qssl_dtls_finalize (GObject *object)
{
  QsslDtls *self = QSSL_DTLS (object);

  g_clear_object (&self->peer_address);
  g_free (self->verification_name);
  qssl_configuration_free (self->configuration);
  g_clear_pointer (&self->cookie_secret, g_bytes_unref);
  g_ptr_array_unref (self->verification_errors);
  g_ptr_array_unref (self->ignored_errors);
  g_free (self->error_string);
  g_main_context_unref (self->main_context);
  G_OBJECT_CLASS (qssl_dtls_parent_class)->finalize (object);
}

static void
qssl_dtls_class_init (QsslDtlsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = qssl_dtls_dispose;
  object_class->finalize = qssl_dtls_finalize;

  /**
   * QsslDtls::handshake-timeout:
   * @self: the #QsslDtls
   *
   * A handshake datagram may have been lost: call
   * qssl_dtls_handle_timeout() to retransmit. Emitted on the main context
   * that was thread-default when @self was created. Mirrors
   * `QDtls::handshakeTimeout()`.
   *
   * Since: 1.0
   */
  signals[SIGNAL_HANDSHAKE_TIMEOUT] =
    g_signal_new ("handshake-timeout", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  /**
   * QsslDtls::pre-shared-key-authentication-required:
   * @self: the #QsslDtls
   * @authenticator: fill in the identity (client) and the key
   *
   * The handshake negotiates a PSK suite. PSK suites are only offered or
   * accepted when this signal has a handler. Mirrors
   * `QDtls::pskRequired()`.
   *
   * Since: 1.0
   */
  signals[SIGNAL_PRE_SHARED_KEY_AUTHENTICATION_REQUIRED] =
    g_signal_new ("pre-shared-key-authentication-required", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, QSSL_TYPE_PRE_SHARED_KEY_AUTHENTICATOR);

  ssl_dtls_index = SSL_get_ex_new_index (0, (void *) "QsslDtls", NULL, NULL, NULL);
}

static void
qssl_dtls_init (QsslDtls *self)
{
  self->configuration = qssl_configuration_get_default_dtls ();
  self->cookie_hash = G_CHECKSUM_SHA1;
  self->cookie_secret = _qssl_dtls_default_cookie_secret ();
  self->verification_errors = _qssl_error_list_new ();
  self->ignored_errors = _qssl_error_list_new ();
  self->main_context = g_main_context_ref_thread_default ();
}

/**
 * qssl_configuration_get_default_dtls:
 *
 * The default configuration for DTLS: the default configuration with
 * protocol %QSSL_PROTOCOL_DTLS_V1_2_OR_LATER. Mirrors
 * `QSslConfiguration::defaultDtlsConfiguration()`.
 *
 * Returns: (transfer full): a new configuration
 *
 * Since: 1.0
 */
QsslConfiguration *
qssl_configuration_get_default_dtls (void)
{
  QsslConfiguration *configuration = qssl_configuration_get_default ();

  qssl_configuration_set_protocol (configuration, QSSL_PROTOCOL_DTLS_V1_2_OR_LATER);
  return configuration;
}

/* Records a Qt-style error; also in @error when given. Returns FALSE so
 * callers can `return set_error (...)`. */
static gboolean
set_error (QsslDtls       *self,
           GError        **error,
           QsslDtlsError   code,
           const char     *message)
{
  self->error = code;
  g_free (self->error_string);
  self->error_string = g_strdup (message);
  g_set_error_literal (error, QSSL_DTLS_ERROR, code, message);
  return FALSE;
}

static void
clear_error (QsslDtls *self)
{
  self->error = QSSL_DTLS_ERROR_NO_ERROR;
  g_clear_pointer (&self->error_string, g_free);
}

/* What the calls that act on the association check first: that they do not
 * come from one of this object's signal handlers (OpenSSL is on the stack
 * then), and that the state is @allowed, else INVALID_OPERATION @refusal. */
static gboolean
begin_call (QsslDtls    *self,
            gboolean     allowed,
            const char  *refusal,
            GError     **error)
{
  if (self->in_openssl > 0)
    return set_error (self, error, QSSL_DTLS_ERROR_INVALID_OPERATION,
                      _("Not allowed from a handler of this object's signals"));
  if (!allowed)
    return set_error (self, error, QSSL_DTLS_ERROR_INVALID_OPERATION, refusal);
  return TRUE;
}

/* The OpenSSL error, or the socket's: a failed send is Qt's
 * UnderlyingSocketError. Resets the connection for fatal ones. */
static gboolean
set_openssl_error (QsslDtls       *self,
                   GError        **error,
                   QsslDtlsError   code,
                   const char     *what)
{
  g_autofree char *details = _qssl_take_openssl_errors ();
  g_autofree char *message = NULL;

  if (self->bio != NULL && self->bio->write_error != NULL)
    {
      message = g_strdup_printf ("%s: %s", what, self->bio->write_error->message);
      code = QSSL_DTLS_ERROR_UNDERLYING_SOCKET_ERROR;
    }
  else if (details != NULL)
    message = g_strdup_printf ("%s: %s", what, details);
  else
    message = g_strdup (what);
  return set_error (self, error, code, message);
}

/* Each call into OpenSSL sees the socket and datagram of that call only. */
static void
bind_call (QsslDtls *self,
           GSocket  *socket,
           GBytes   *datagram)
{
  self->bio->socket = socket;
  self->bio->datagram = datagram != NULL ? g_bytes_get_data (datagram, &self->bio->datagram_length) : NULL;
  if (self->bio->datagram == NULL)
    self->bio->datagram_length = 0;
  g_clear_error (&self->bio->write_error);
  _qssl_clear_openssl_errors ();
  self->in_openssl++;
}

static void
unbind_call (QsslDtls *self)
{
  if (self->in_openssl > 0)
    self->in_openssl--;
  if (self->bio == NULL)
    return;
  self->bio->socket = NULL;
  self->bio->datagram = NULL;
  self->bio->datagram_length = 0;
}

static QsslPeerVerifyMode
effective_verify_mode (QsslDtls *self)
{
  return _qssl_configuration_get_effective_peer_verify_mode (self->configuration, self->mode);
}

static void
add_verification_error (QsslDtls        *self,
                        QsslErrorCode    code,
                        QsslCertificate *certificate)
{
  _qssl_error_list_add_unique (self->verification_errors, code, certificate);
}

/* Collects every problem and lets the handshake finish; the decision is
 * taken after it (Qt's PeerVerificationFailed state). */
static int
verify_callback (int             ok,
                 X509_STORE_CTX *store)
{
  SSL *ssl = X509_STORE_CTX_get_ex_data (store, SSL_get_ex_data_X509_STORE_CTX_idx ());
  QsslDtls *self = SSL_get_ex_data (ssl, ssl_dtls_index);
  g_autoptr(QsslCertificate) certificate = NULL;
  X509 *current;

  if (ok || self == NULL)
    return 1;
  current = X509_STORE_CTX_get_current_cert (store);
  if (current != NULL)
    certificate = _qssl_certificate_new_ref (current);
  add_verification_error (self, _qssl_error_code_from_x509_verify_error (X509_STORE_CTX_get_error (store)),
                          certificate);
  return 1;
}

static QsslPreSharedKeyAuthenticator *
request_pre_shared_key (QsslDtls *self,
                        GBytes   *identity_hint,
                        GBytes   *identity,
                        int       maximum_identity_length,
                        int       maximum_key_length)
{
  QsslPreSharedKeyAuthenticator *authenticator =
    _qssl_pre_shared_key_authenticator_new_full (identity_hint, maximum_identity_length, maximum_key_length);

  if (identity != NULL)
    qssl_pre_shared_key_authenticator_set_identity (authenticator, identity);
  g_signal_emit (self, signals[SIGNAL_PRE_SHARED_KEY_AUTHENTICATION_REQUIRED], 0, authenticator);
  return authenticator;
}

static unsigned int
copy_pre_shared_key (QsslPreSharedKeyAuthenticator *authenticator,
                     unsigned char                 *psk,
                     unsigned int                   max_psk_len)
{
  g_autoptr(GBytes) key = qssl_pre_shared_key_authenticator_get_pre_shared_key (authenticator);
  gsize length = 0;
  const guint8 *data = key ? g_bytes_get_data (key, &length) : NULL;

  if (data == NULL || length == 0 || length > max_psk_len)
    return 0;
  memcpy (psk, data, length);
  return (unsigned int) length;
}

static unsigned int
psk_client_callback (SSL           *ssl,
                     const char    *hint,
                     char          *identity,
                     unsigned int   max_identity_len,
                     unsigned char *psk,
                     unsigned int   max_psk_len)
{
  QsslDtls *self = SSL_get_ex_data (ssl, ssl_dtls_index);
  g_autoptr(GBytes) hint_bytes = hint ? g_bytes_new (hint, strlen (hint)) : NULL;
  g_autoptr(QsslPreSharedKeyAuthenticator) authenticator = NULL;
  g_autoptr(GBytes) chosen = NULL;
  const char *chosen_data;
  gsize chosen_length = 0;
  unsigned int key_length;

  if (self == NULL)
    return 0;
  /* The identity is a C string for OpenSSL: keep room for its NUL. */
  authenticator = request_pre_shared_key (self, hint_bytes, NULL, (int) max_identity_len - 1, (int) max_psk_len);
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
  return key_length;
}

static unsigned int
psk_server_callback (SSL           *ssl,
                     const char    *identity,
                     unsigned char *psk,
                     unsigned int   max_psk_len)
{
  QsslDtls *self = SSL_get_ex_data (ssl, ssl_dtls_index);
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
  /* The context's resumption policy counts a PSK peer as authenticated. */
  if (key_length > 0)
    _qssl_context_set_used_pre_shared_key (ssl, TRUE);
  return key_length;
}

static gboolean
on_timer (gpointer user_data)
{
  g_autoptr(QsslDtls) self = g_object_ref (user_data);

  g_clear_pointer (&self->timer, g_source_unref);
  g_signal_emit (self, signals[SIGNAL_HANDSHAKE_TIMEOUT], 0);
  return G_SOURCE_REMOVE;
}

/* Follows OpenSSL's retransmission timer (1 s, doubling) with a GSource. */
static void
arm_timer (QsslDtls *self)
{
  struct timeval remaining;
  guint msecs;

  stop_timer (self);
  if (self->ssl == NULL || self->state != QSSL_DTLS_HANDSHAKE_STATE_IN_PROGRESS ||
      DTLSv1_get_timeout (self->ssl, &remaining) != 1)
    return;
  /* Round up: OpenSSL's clock must have passed the deadline when we ask. */
  msecs = (guint) (remaining.tv_sec * 1000 + (remaining.tv_usec + 999) / 1000) + 1;
  self->timer = g_timeout_source_new (msecs);
  g_source_set_static_name (self->timer, "[qssl] DTLS retransmission");
  g_source_set_callback (self->timer, on_timer, self, NULL);
  g_source_attach (self->timer, self->main_context);
}

static gboolean
create_connection (QsslDtls  *self,
                   GError   **error)
{
  g_autoptr(GError) local_error = NULL;
  QsslPeerVerifyMode verify;
  SSL_CTX *ctx;
  BIO *bio;

  self->context = _qssl_configuration_new_dtls_context (self->configuration, self->mode, &local_error);
  if (self->context == NULL)
    return set_error (self, error, QSSL_DTLS_ERROR_TLS_INITIALIZATION_ERROR, local_error->message);
  ctx = _qssl_context_get_ctx (self->context);
  _qssl_dtls_setup_cookies (ctx);
  self->ssl = SSL_new (ctx);
  if (self->ssl == NULL)
    {
      g_clear_pointer (&self->context, _qssl_context_unref);
      return set_openssl_error (self, error, QSSL_DTLS_ERROR_TLS_INITIALIZATION_ERROR,
                                _("Cannot create a DTLS connection"));
    }
  SSL_set_ex_data (self->ssl, ssl_dtls_index, self);
  bio = _qssl_datagram_bio_new (&self->bio);
  SSL_set_bio (self->ssl, bio, bio);
  _qssl_datagram_bio_set_peer (self->bio, self->peer_address, self->peer_port);
  self->bio->cookie_hash = self->cookie_hash;
  self->bio->cookie_secret = g_bytes_ref (self->cookie_secret);

  /* The MTU is ours to say: OpenSSL must not ask the (custom) BIO. */
  SSL_set_options (self->ssl, SSL_OP_NO_QUERY_MTU);
  DTLS_set_link_mtu (self->ssl, self->mtu_hint > 0 ? self->mtu_hint : DEFAULT_LINK_MTU);

  verify = effective_verify_mode (self);
  if (verify == QSSL_PEER_VERIFY_MODE_NONE)
    SSL_set_verify (self->ssl, SSL_VERIFY_NONE, NULL);
  else
    {
      int flags = SSL_VERIFY_PEER;

      if (self->mode == QSSL_MODE_SSL_SERVER && verify == QSSL_PEER_VERIFY_MODE_VERIFY_PEER &&
          qssl_configuration_get_missing_certificate_is_fatal (self->configuration))
        flags |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
      SSL_set_verify (self->ssl, flags, verify_callback);
    }
  if (g_signal_has_handler_pending (self, signals[SIGNAL_PRE_SHARED_KEY_AUTHENTICATION_REQUIRED], 0, TRUE))
    {
      if (self->mode == QSSL_MODE_SSL_CLIENT)
        SSL_set_psk_client_callback (self->ssl, psk_client_callback);
      else
        SSL_set_psk_server_callback (self->ssl, psk_server_callback);
    }

  if (self->mode == QSSL_MODE_SSL_CLIENT)
    {
      const char *name = self->verification_name;

      if (name != NULL && !g_hostname_is_ip_address (name) &&
          !qssl_configuration_test_ssl_option (self->configuration,
                                               QSSL_SSL_OPTIONS_DISABLE_SERVER_NAME_INDICATION))
        SSL_set_tlsext_host_name (self->ssl, name);
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
      SSL_set_options (self->ssl, SSL_OP_COOKIE_EXCHANGE);
      SSL_set_accept_state (self->ssl);
    }
  g_ptr_array_set_size (self->verification_errors, 0);
  _qssl_clear_openssl_errors ();
  return TRUE;
}

static const char *
verification_name (QsslDtls  *self,
                   char     **to_free)
{
  if (self->verification_name != NULL)
    return self->verification_name;
  return *to_free = g_inet_address_to_string (self->peer_address);
}

static gboolean
authenticated_by_psk (QsslDtls *self)
{
  const SSL_CIPHER *cipher = SSL_get_current_cipher (self->ssl);

  return cipher != NULL && SSL_CIPHER_get_auth_nid (cipher) == NID_auth_psk;
}

static gboolean
errors_ignored (QsslDtls *self)
{
  for (guint i = 0; i < self->verification_errors->len; i++)
    {
      gboolean listed = FALSE;

      for (guint j = 0; j < self->ignored_errors->len && !listed; j++)
        listed = qssl_error_equal (g_ptr_array_index (self->verification_errors, i),
                                   g_ptr_array_index (self->ignored_errors, j));
      if (!listed)
        return FALSE;
    }
  return TRUE;
}

/* Fills the configuration's read-only session fields (peer chain, cipher,
 * protocol), as a socket does. */
static void
store_session_state (QsslDtls *self)
{
  QsslConfiguration *configuration = self->configuration;
  STACK_OF (X509) *stack = SSL_get_peer_cert_chain (self->ssl);
  X509 *leaf = SSL_get0_peer_certificate (self->ssl);
  GPtrArray *chain = _qssl_certificate_list_from_stack (stack);

  /* A server's view of the chain lacks the client's leaf. */
  if (leaf != NULL && (chain->len == 0 ||
                       X509_cmp (_qssl_certificate_get_x509 (g_ptr_array_index (chain, 0)), leaf) != 0))
    g_ptr_array_insert (chain, 0, _qssl_certificate_new_ref (leaf));
  _qssl_configuration_clear_session_state (configuration);
  g_ptr_array_unref (configuration->peer_certificate_chain);
  configuration->peer_certificate_chain = chain;
  configuration->session_cipher = qssl_dtls_get_session_cipher (self);
  configuration->session_protocol = qssl_dtls_get_session_protocol (self);
}

/* OpenSSL finished: Qt's checks, then COMPLETE or PEER_VERIFICATION_FAILED. */
static gboolean
finish_handshake (QsslDtls  *self,
                  GError   **error)
{
  QsslPeerVerifyMode verify = effective_verify_mode (self);
  g_autoptr(QsslCertificate) peer = NULL;
  X509 *leaf = SSL_get0_peer_certificate (self->ssl);

  stop_timer (self);
  store_session_state (self);
  if (leaf != NULL)
    peer = _qssl_certificate_new_ref (leaf);
  if (verify != QSSL_PEER_VERIFY_MODE_NONE)
    {
      if (peer != NULL && qssl_certificate_is_blacklisted (peer))
        add_verification_error (self, QSSL_ERROR_CODE_CERTIFICATE_BLACKLISTED, peer);
      if (self->mode == QSSL_MODE_SSL_CLIENT && peer != NULL)
        {
          g_autofree char *address = NULL;

          if (!_qssl_certificate_matches_host (peer, verification_name (self, &address)))
            add_verification_error (self, QSSL_ERROR_CODE_HOST_NAME_MISMATCH, peer);
        }
      if (peer == NULL && !authenticated_by_psk (self))
        add_verification_error (self, QSSL_ERROR_CODE_NO_PEER_CERTIFICATE, NULL);
    }
  if (verify == QSSL_PEER_VERIFY_MODE_VERIFY_PEER && self->verification_errors->len > 0 &&
      !errors_ignored (self))
    {
      self->state = QSSL_DTLS_HANDSHAKE_STATE_PEER_VERIFICATION_FAILED;
      return set_error (self, error, QSSL_DTLS_ERROR_PEER_VERIFICATION_ERROR, _("Peer verification failed"));
    }
  self->state = QSSL_DTLS_HANDSHAKE_STATE_COMPLETE;
  self->encrypted = TRUE;
  g_debug ("dtls %p: encrypted (%s, %s)", self, SSL_get_version (self->ssl), SSL_get_cipher_name (self->ssl));
  return TRUE;
}

/* One handshake step; *fatal says the connection must be reset (after the
 * call into OpenSSL is over). */
static gboolean
continue_handshake (QsslDtls  *self,
                    gboolean  *fatal,
                    GError   **error)
{
  int result = SSL_do_handshake (self->ssl);
  int ssl_error;

  *fatal = FALSE;
  if (result == 1)
    return finish_handshake (self, error);
  ssl_error = SSL_get_error (self->ssl, result);
  if ((ssl_error == SSL_ERROR_WANT_READ || ssl_error == SSL_ERROR_WANT_WRITE) &&
      self->bio->write_error == NULL)
    {
      arm_timer (self);
      return TRUE;
    }
  set_openssl_error (self, error, QSSL_DTLS_ERROR_TLS_FATAL_ERROR, _("Error during the DTLS handshake"));
  *fatal = TRUE;
  return FALSE;
}

/**
 * qssl_dtls_new:
 * @mode: %QSSL_MODE_SSL_CLIENT or %QSSL_MODE_SSL_SERVER
 *
 * Creates the DTLS side of one association. Its timers run on the
 * thread-default main context of the caller. Mirrors `QDtls::QDtls()`.
 *
 * Returns: (transfer full): a new #QsslDtls
 *
 * Since: 1.0
 */
QsslDtls *
qssl_dtls_new (QsslMode mode)
{
  QsslDtls *self;

  g_return_val_if_fail (mode == QSSL_MODE_SSL_CLIENT || mode == QSSL_MODE_SSL_SERVER, NULL);

  _qssl_init ();
  self = g_object_new (QSSL_TYPE_DTLS, NULL);
  self->mode = mode;
  return self;
}

/**
 * qssl_dtls_get_ssl_mode:
 * @self: a #QsslDtls
 *
 * Mirrors `QDtls::sslMode()`.
 *
 * Returns: the mode @self was created with
 *
 * Since: 1.0
 */
QsslMode
qssl_dtls_get_ssl_mode (QsslDtls *self)
{
  g_return_val_if_fail (QSSL_IS_DTLS (self), QSSL_MODE_UNENCRYPTED);

  return self->mode;
}

static gboolean
check_not_started (QsslDtls  *self,
                   GError   **error,
                   const char *message)
{
  if (self->state != QSSL_DTLS_HANDSHAKE_STATE_NOT_STARTED || self->encrypted)
    return set_error (self, error, QSSL_DTLS_ERROR_INVALID_OPERATION, message);
  return TRUE;
}

/**
 * qssl_dtls_set_peer:
 * @self: a #QsslDtls
 * @address: the peer's address
 * @port: the peer's port
 * @verification_name: (nullable): the name the peer's certificate must
 *   carry (and the SNI a client sends); %NULL for @address itself
 * @error: return location for a #GError
 *
 * Sets the peer, before the handshake. Mirrors `QDtls::setPeer()`.
 *
 * Returns: %TRUE on success; %FALSE with a %QSSL_DTLS_ERROR during a
 *   handshake or for a multicast or broadcast address
 *
 * Since: 1.0
 */
gboolean
qssl_dtls_set_peer (QsslDtls      *self,
                    GInetAddress  *address,
                    guint16        port,
                    const char    *verification_name,
                    GError       **error)
{
  g_return_val_if_fail (QSSL_IS_DTLS (self), FALSE);
  g_return_val_if_fail (G_IS_INET_ADDRESS (address), FALSE);

  if (!check_not_started (self, error, _("Cannot set peer after handshake started")))
    return FALSE;
  if (g_inet_address_get_is_multicast (address) || g_inet_address_get_is_any (address))
    return set_error (self, error, QSSL_DTLS_ERROR_INVALID_INPUT_PARAMETERS,
                      _("Invalid address: a DTLS peer has a unicast address"));
  clear_error (self);
  g_set_object (&self->peer_address, address);
  self->peer_port = port;
  g_free (self->verification_name);
  self->verification_name = g_strdup (verification_name);
  return TRUE;
}

/**
 * qssl_dtls_set_peer_verification_name:
 * @self: a #QsslDtls
 * @name: (nullable): the name the peer's certificate must carry
 * @error: return location for a #GError
 *
 * Mirrors `QDtls::setPeerVerificationName()`.
 *
 * Returns: %TRUE on success; %FALSE during a handshake
 *
 * Since: 1.0
 */
gboolean
qssl_dtls_set_peer_verification_name (QsslDtls    *self,
                                      const char  *name,
                                      GError     **error)
{
  g_return_val_if_fail (QSSL_IS_DTLS (self), FALSE);

  if (!check_not_started (self, error, _("Cannot set verification name after handshake started")))
    return FALSE;
  clear_error (self);
  g_free (self->verification_name);
  self->verification_name = g_strdup (name);
  return TRUE;
}

/**
 * qssl_dtls_get_peer_verification_name:
 * @self: a #QsslDtls
 *
 * Mirrors `QDtls::peerVerificationName()`.
 *
 * Returns: (nullable): the verification name
 *
 * Since: 1.0
 */
const char *
qssl_dtls_get_peer_verification_name (QsslDtls *self)
{
  g_return_val_if_fail (QSSL_IS_DTLS (self), NULL);

  return self->verification_name;
}

/**
 * qssl_dtls_get_peer_address:
 * @self: a #QsslDtls
 *
 * Mirrors `QDtls::peerAddress()`.
 *
 * Returns: (transfer none) (nullable): the peer's address, %NULL before
 *   qssl_dtls_set_peer()
 *
 * Since: 1.0
 */
GInetAddress *
qssl_dtls_get_peer_address (QsslDtls *self)
{
  g_return_val_if_fail (QSSL_IS_DTLS (self), NULL);

  return self->peer_address;
}

/**
 * qssl_dtls_get_peer_port:
 * @self: a #QsslDtls
 *
 * Mirrors `QDtls::peerPort()`.
 *
 * Returns: the peer's port
 *
 * Since: 1.0
 */
guint16
qssl_dtls_get_peer_port (QsslDtls *self)
{
  g_return_val_if_fail (QSSL_IS_DTLS (self), 0);

  return self->peer_port;
}

/**
 * qssl_dtls_set_dtls_configuration:
 * @self: a #QsslDtls
 * @configuration: a configuration with a DTLS protocol
 * @error: return location for a #GError
 *
 * Sets the configuration of the next handshake. A protocol that is not a
 * DTLS one makes the handshake fail with
 * %QSSL_DTLS_ERROR_TLS_INITIALIZATION_ERROR. Mirrors
 * `QDtls::setDtlsConfiguration()`.
 *
 * Returns: %TRUE on success; %FALSE during a handshake or while encrypted
 *
 * Since: 1.0
 */
gboolean
qssl_dtls_set_dtls_configuration (QsslDtls           *self,
                                  QsslConfiguration  *configuration,
                                  GError            **error)
{
  g_return_val_if_fail (QSSL_IS_DTLS (self), FALSE);
  g_return_val_if_fail (configuration != NULL, FALSE);

  if (!check_not_started (self, error, _("Cannot set configuration after handshake started")))
    return FALSE;
  clear_error (self);
  qssl_configuration_free (self->configuration);
  self->configuration = qssl_configuration_copy (configuration);
  return TRUE;
}

/**
 * qssl_dtls_get_dtls_configuration:
 * @self: a #QsslDtls
 *
 * The configuration, with the session fields (peer certificate chain,
 * session cipher and protocol) of the last handshake. Mirrors
 * `QDtls::dtlsConfiguration()`.
 *
 * Returns: (transfer full): a copy of the configuration
 *
 * Since: 1.0
 */
QsslConfiguration *
qssl_dtls_get_dtls_configuration (QsslDtls *self)
{
  g_return_val_if_fail (QSSL_IS_DTLS (self), NULL);

  return qssl_configuration_copy (self->configuration);
}

/**
 * qssl_dtls_set_mtu_hint:
 * @self: a #QsslDtls
 * @mtu_hint: the link MTU in bytes (IP and UDP headers included), or 0
 *   for 1500
 *
 * The largest datagram the path carries; handshake messages are
 * fragmented to fit, and qssl_dtls_write_datagram_encrypted() refuses
 * what does not. Takes effect at the next handshake. Mirrors
 * `QDtls::setMtuHint()`.
 *
 * Since: 1.0
 */
void
qssl_dtls_set_mtu_hint (QsslDtls *self,
                        guint16   mtu_hint)
{
  g_return_if_fail (QSSL_IS_DTLS (self));

  self->mtu_hint = mtu_hint;
}

/**
 * qssl_dtls_get_mtu_hint:
 * @self: a #QsslDtls
 *
 * Mirrors `QDtls::mtuHint()`.
 *
 * Returns: the MTU hint (0 if none was set)
 *
 * Since: 1.0
 */
guint16
qssl_dtls_get_mtu_hint (QsslDtls *self)
{
  g_return_val_if_fail (QSSL_IS_DTLS (self), 0);

  return self->mtu_hint;
}

/**
 * qssl_dtls_set_cookie_generator_parameters:
 * @self: a server-side #QsslDtls
 * @hash: the HMAC hash (MD5, SHA-1, SHA-256, SHA-384 or SHA-512)
 * @secret: the HMAC key; not empty
 * @error: return location for a #GError
 *
 * The cookie parameters: they must equal those of the
 * #QsslDtlsClientVerifier that verified the ClientHello. By default both
 * use SHA-1 and one random secret per process. Mirrors
 * `QDtls::setCookieGeneratorParameters()`.
 *
 * Returns: %TRUE on success; %FALSE for a client, an empty secret or an
 *   unsupported hash
 *
 * Since: 1.0
 */
gboolean
qssl_dtls_set_cookie_generator_parameters (QsslDtls       *self,
                                           GChecksumType   hash,
                                           GBytes         *secret,
                                           GError        **error)
{
  const char *reason;

  g_return_val_if_fail (QSSL_IS_DTLS (self), FALSE);
  g_return_val_if_fail (secret != NULL, FALSE);

  if (self->mode != QSSL_MODE_SSL_SERVER)
    return set_error (self, error, QSSL_DTLS_ERROR_INVALID_OPERATION,
                      _("Cannot set cookie generator parameters on a client"));
  reason = _qssl_dtls_store_cookie_parameters (hash, secret, &self->cookie_hash, &self->cookie_secret);
  if (reason != NULL)
    return set_error (self, error, QSSL_DTLS_ERROR_INVALID_INPUT_PARAMETERS, reason);
  clear_error (self);
  return TRUE;
}

/**
 * qssl_dtls_get_cookie_generator_parameters:
 * @self: a #QsslDtls
 * @hash: (out) (optional): the HMAC hash
 * @secret: (out) (optional) (transfer full): the HMAC key
 *
 * Mirrors `QDtls::cookieGeneratorParameters()`.
 *
 * Since: 1.0
 */
void
qssl_dtls_get_cookie_generator_parameters (QsslDtls       *self,
                                           GChecksumType  *hash,
                                           GBytes        **secret)
{
  g_return_if_fail (QSSL_IS_DTLS (self));

  if (hash != NULL)
    *hash = self->cookie_hash;
  if (secret != NULL)
    *secret = g_bytes_ref (self->cookie_secret);
}

/**
 * qssl_dtls_do_handshake:
 * @self: a #QsslDtls
 * @socket: the UDP socket to send on
 * @datagram: (nullable): the datagram received from the peer; %NULL (or
 *   empty) for a client's first call
 * @error: return location for a #GError
 *
 * Starts or continues the handshake. A client starts with no datagram; a
 * server starts with the ClientHello that
 * qssl_dtls_client_verifier_verify_client() verified
 * (qssl_dtls_client_verifier_get_verified_hello()). Then each datagram
 * from the peer goes here until qssl_dtls_get_handshake_state() is
 * %QSSL_DTLS_HANDSHAKE_STATE_COMPLETE. Mirrors `QDtls::doHandshake()`.
 *
 * Returns: %TRUE if the handshake goes on or completed; %FALSE with a
 *   %QSSL_DTLS_ERROR otherwise (%QSSL_DTLS_ERROR_PEER_VERIFICATION_ERROR
 *   leaves the state at %QSSL_DTLS_HANDSHAKE_STATE_PEER_VERIFICATION_FAILED)
 *
 * Since: 1.0
 */
gboolean
qssl_dtls_do_handshake (QsslDtls  *self,
                        GSocket   *socket,
                        GBytes    *datagram,
                        GError   **error)
{
  g_autoptr(QsslDtls) keep_alive = NULL;
  gboolean ok, fatal;

  g_return_val_if_fail (QSSL_IS_DTLS (self), FALSE);
  g_return_val_if_fail (G_IS_SOCKET (socket), FALSE);

  if (!begin_call (self, TRUE, NULL, error))
    return FALSE;
  /* A PSK handler may drop the last reference. */
  keep_alive = g_object_ref (self);
  if (datagram != NULL && g_bytes_get_size (datagram) == 0)
    datagram = NULL;
  if (self->state == QSSL_DTLS_HANDSHAKE_STATE_PEER_VERIFICATION_FAILED ||
      self->state == QSSL_DTLS_HANDSHAKE_STATE_COMPLETE)
    return set_error (self, error, QSSL_DTLS_ERROR_INVALID_OPERATION,
                      _("Cannot start/continue handshake, invalid handshake state"));
  if (self->state == QSSL_DTLS_HANDSHAKE_STATE_NOT_STARTED)
    {
      if (self->peer_address == NULL)
        return set_error (self, error, QSSL_DTLS_ERROR_INVALID_OPERATION,
                          _("To start a handshake you must set peer's address and port first"));
      if (self->mode == QSSL_MODE_SSL_SERVER && datagram == NULL)
        return set_error (self, error, QSSL_DTLS_ERROR_INVALID_INPUT_PARAMETERS,
                          _("To start a handshake, DTLS server requires non-empty datagram (client hello)"));
      clear_error (self);
      if (!create_connection (self, error))
        return FALSE;
      self->state = QSSL_DTLS_HANDSHAKE_STATE_IN_PROGRESS;
      bind_call (self, socket, datagram);
      if (self->mode == QSSL_MODE_SSL_SERVER)
        {
          BIO_ADDR *client = BIO_ADDR_new ();
          int listened;

          /* Sets the sequence numbers past the cookie exchange; the hello
           * stays in the BIO for the handshake. */
          listened = DTLSv1_listen (self->ssl, client);
          BIO_ADDR_free (client);
          if (listened <= 0)
            {
              unbind_call (self);
              reset_connection (self);
              return set_error (self, error, QSSL_DTLS_ERROR_TLS_FATAL_ERROR,
                                _("Cannot start the handshake, verified client hello expected"));
            }
        }
    }
  else
    {
      clear_error (self);
      bind_call (self, socket, datagram);
    }
  ok = continue_handshake (self, &fatal, error);
  unbind_call (self);
  if (fatal)
    reset_connection (self);
  return ok;
}

/**
 * qssl_dtls_handle_timeout:
 * @self: a #QsslDtls
 * @socket: the UDP socket to send on
 * @error: return location for a #GError
 *
 * Retransmits the last flight after `handshake-timeout`. Mirrors
 * `QDtls::handleTimeout()`.
 *
 * Returns: %TRUE on success; %FALSE outside a handshake, or when OpenSSL
 *   gave up (too many retransmissions)
 *
 * Since: 1.0
 */
gboolean
qssl_dtls_handle_timeout (QsslDtls  *self,
                          GSocket   *socket,
                          GError   **error)
{
  int result;

  g_return_val_if_fail (QSSL_IS_DTLS (self), FALSE);
  g_return_val_if_fail (G_IS_SOCKET (socket), FALSE);

  if (!begin_call (self, self->state == QSSL_DTLS_HANDSHAKE_STATE_IN_PROGRESS,
                   _("No handshake in progress, nothing to do"), error))
    return FALSE;
  clear_error (self);
  bind_call (self, socket, NULL);
  result = DTLSv1_handle_timeout (self->ssl);
  if (result < 0 || self->bio->write_error != NULL)
    {
      set_openssl_error (self, error, QSSL_DTLS_ERROR_TLS_FATAL_ERROR, _("The DTLS handshake timed out"));
      unbind_call (self);
      reset_connection (self);
      return FALSE;
    }
  unbind_call (self);
  arm_timer (self);
  return TRUE;
}

/**
 * qssl_dtls_resume_handshake:
 * @self: a #QsslDtls
 * @socket: the UDP socket
 * @error: return location for a #GError
 *
 * After %QSSL_DTLS_HANDSHAKE_STATE_PEER_VERIFICATION_FAILED and
 * qssl_dtls_ignore_verification_errors(): completes the handshake if every
 * verification error is ignored. Mirrors `QDtls::resumeHandshake()`.
 *
 * Returns: %TRUE if the connection is now encrypted
 *
 * Since: 1.0
 */
gboolean
qssl_dtls_resume_handshake (QsslDtls  *self,
                            GSocket   *socket,
                            GError   **error)
{
  g_return_val_if_fail (QSSL_IS_DTLS (self), FALSE);
  g_return_val_if_fail (G_IS_SOCKET (socket), FALSE);

  if (!begin_call (self, self->state == QSSL_DTLS_HANDSHAKE_STATE_PEER_VERIFICATION_FAILED,
                   _("Cannot resume, there was no verification error"), error))
    return FALSE;
  if (!errors_ignored (self))
    return set_error (self, error, QSSL_DTLS_ERROR_PEER_VERIFICATION_ERROR, _("Peer verification failed"));
  clear_error (self);
  self->state = QSSL_DTLS_HANDSHAKE_STATE_COMPLETE;
  self->encrypted = TRUE;
  return TRUE;
}

/* close_notify to the peer; best effort, datagrams may be lost anyway. */
static void
send_shutdown_alert (QsslDtls *self,
                     GSocket  *socket)
{
  bind_call (self, socket, NULL);
  SSL_shutdown (self->ssl);
  unbind_call (self);
  _qssl_clear_openssl_errors ();
}

/**
 * qssl_dtls_abort_handshake:
 * @self: a #QsslDtls
 * @socket: the UDP socket
 * @error: return location for a #GError
 *
 * Abandons a handshake in progress or one whose verification failed
 * (the peer gets a close_notify then). The state goes back to
 * %QSSL_DTLS_HANDSHAKE_STATE_NOT_STARTED. Mirrors `QDtls::abortHandshake()`.
 *
 * Returns: %TRUE if there was a handshake to abort
 *
 * Since: 1.0
 */
gboolean
qssl_dtls_abort_handshake (QsslDtls  *self,
                           GSocket   *socket,
                           GError   **error)
{
  g_return_val_if_fail (QSSL_IS_DTLS (self), FALSE);
  g_return_val_if_fail (G_IS_SOCKET (socket), FALSE);

  if (!begin_call (self,
                   self->state == QSSL_DTLS_HANDSHAKE_STATE_IN_PROGRESS ||
                   self->state == QSSL_DTLS_HANDSHAKE_STATE_PEER_VERIFICATION_FAILED,
                   _("No handshake in progress, nothing to abort"), error))
    return FALSE;
  clear_error (self);
  if (self->state == QSSL_DTLS_HANDSHAKE_STATE_PEER_VERIFICATION_FAILED)
    send_shutdown_alert (self, socket);
  reset_connection (self);
  return TRUE;
}

/**
 * qssl_dtls_shutdown:
 * @self: an encrypted #QsslDtls
 * @socket: the UDP socket
 * @error: return location for a #GError
 *
 * Sends close_notify and ends the association; the state goes back to
 * %QSSL_DTLS_HANDSHAKE_STATE_NOT_STARTED. Mirrors `QDtls::shutdown()`.
 *
 * Returns: %TRUE on success; %FALSE when not encrypted
 *
 * Since: 1.0
 */
gboolean
qssl_dtls_shutdown (QsslDtls  *self,
                    GSocket   *socket,
                    GError   **error)
{
  g_return_val_if_fail (QSSL_IS_DTLS (self), FALSE);
  g_return_val_if_fail (G_IS_SOCKET (socket), FALSE);

  if (!begin_call (self, self->encrypted,
                   _("Cannot send shutdown alert, not encrypted"), error))
    return FALSE;
  clear_error (self);
  send_shutdown_alert (self, socket);
  reset_connection (self);
  return TRUE;
}

/**
 * qssl_dtls_ignore_verification_errors:
 * @self: a #QsslDtls
 * @errors: (element-type QsslError): the errors to accept
 *
 * The verification errors to accept: before the handshake (expected
 * errors), or in %QSSL_DTLS_HANDSHAKE_STATE_PEER_VERIFICATION_FAILED
 * before qssl_dtls_resume_handshake(). Mirrors
 * `QDtls::ignoreVerificationErrors()`.
 *
 * Since: 1.0
 */
void
qssl_dtls_ignore_verification_errors (QsslDtls  *self,
                                      GPtrArray *errors)
{
  g_return_if_fail (QSSL_IS_DTLS (self));
  g_return_if_fail (errors != NULL);

  g_ptr_array_set_size (self->ignored_errors, 0);
  /* GJS 1.74 hands boxed arrays over with NULL elements: skip them. */
  for (guint i = 0; i < errors->len; i++)
    if (g_ptr_array_index (errors, i) != NULL)
      g_ptr_array_add (self->ignored_errors, qssl_error_copy (g_ptr_array_index (errors, i)));
}

/**
 * qssl_dtls_get_peer_verification_errors:
 * @self: a #QsslDtls
 *
 * The problems found with the peer's certificate in the last handshake.
 * Mirrors `QDtls::peerVerificationErrors()`.
 *
 * Returns: (transfer container) (element-type QsslError): the errors
 *
 * Since: 1.0
 */
GPtrArray *
qssl_dtls_get_peer_verification_errors (QsslDtls *self)
{
  GPtrArray *errors;

  g_return_val_if_fail (QSSL_IS_DTLS (self), NULL);

  errors = _qssl_error_list_new ();
  for (guint i = 0; i < self->verification_errors->len; i++)
    g_ptr_array_add (errors, qssl_error_copy (g_ptr_array_index (self->verification_errors, i)));
  return errors;
}

/**
 * qssl_dtls_write_datagram_encrypted:
 * @self: an encrypted #QsslDtls
 * @socket: the UDP socket to send on
 * @datagram: the plaintext, sent as one record in one datagram
 * @error: return location for a #GError
 *
 * Encrypts @datagram and sends it to the peer. A datagram whose record
 * would not fit the MTU (qssl_dtls_set_mtu_hint()) is refused with
 * %QSSL_DTLS_ERROR_UNDERLYING_SOCKET_ERROR, Qt's code for a socket's
 * DatagramTooLargeError. Mirrors `QDtls::writeDatagramEncrypted()`.
 *
 * Returns: the number of plaintext bytes sent, or -1 with @error set
 *
 * Since: 1.0
 */
gssize
qssl_dtls_write_datagram_encrypted (QsslDtls  *self,
                                    GSocket   *socket,
                                    GBytes    *datagram,
                                    GError   **error)
{
  gsize length;
  const void *data;
  int written;

  g_return_val_if_fail (QSSL_IS_DTLS (self), -1);
  g_return_val_if_fail (G_IS_SOCKET (socket), -1);
  g_return_val_if_fail (datagram != NULL, -1);

  if (!self->encrypted)
    {
      set_error (self, error, QSSL_DTLS_ERROR_INVALID_OPERATION,
                 _("Cannot write a datagram, not in encrypted state"));
      return -1;
    }
  data = g_bytes_get_data (datagram, &length);
  if (length > DTLS_get_data_mtu (self->ssl))
    {
      g_autofree char *message =
        g_strdup_printf (_("Datagram was too large to send (%u bytes, at most %u fit)"),
                         (guint) length, (guint) DTLS_get_data_mtu (self->ssl));

      set_error (self, error, QSSL_DTLS_ERROR_UNDERLYING_SOCKET_ERROR, message);
      return -1;
    }
  clear_error (self);
  if (length == 0)
    return 0;
  bind_call (self, socket, NULL);
  written = SSL_write (self->ssl, data, (int) length);
  if (written <= 0)
    {
      int ssl_error = SSL_get_error (self->ssl, written);

      set_openssl_error (self, error,
                         ssl_error == SSL_ERROR_SSL ? QSSL_DTLS_ERROR_TLS_FATAL_ERROR
                                                    : QSSL_DTLS_ERROR_TLS_NON_FATAL_ERROR,
                         _("Error while writing a DTLS datagram"));
      unbind_call (self);
      if (ssl_error == SSL_ERROR_SSL)
        reset_connection (self);
      return -1;
    }
  unbind_call (self);
  return written;
}

/**
 * qssl_dtls_decrypt_datagram:
 * @self: an encrypted #QsslDtls
 * @socket: the UDP socket (OpenSSL may answer a retransmitted handshake
 *   message through it)
 * @datagram: a datagram received from the peer
 *
 * Decrypts @datagram. Records that fail to authenticate are dropped, as
 * RFC 6347 asks. A close_notify from the peer sets
 * %QSSL_DTLS_ERROR_REMOTE_CLOSED_CONNECTION_ERROR and ends the
 * association. Mirrors `QDtls::decryptDatagram()`.
 *
 * Returns: (transfer full) (nullable): the plaintext, or %NULL when
 *   @datagram held none (see qssl_dtls_get_dtls_error())
 *
 * Since: 1.0
 */
GBytes *
qssl_dtls_decrypt_datagram (QsslDtls *self,
                            GSocket  *socket,
                            GBytes   *datagram)
{
  g_autofree guint8 *buffer = NULL;
  int result, ssl_error;

  g_return_val_if_fail (QSSL_IS_DTLS (self), NULL);
  g_return_val_if_fail (G_IS_SOCKET (socket), NULL);
  g_return_val_if_fail (datagram != NULL, NULL);

  if (!self->encrypted)
    {
      set_error (self, NULL, QSSL_DTLS_ERROR_INVALID_OPERATION,
                 _("Cannot read a datagram, not in encrypted state"));
      return NULL;
    }
  clear_error (self);
  if (g_bytes_get_size (datagram) == 0)
    return NULL;
  buffer = g_malloc (g_bytes_get_size (datagram));
  bind_call (self, socket, datagram);
  result = SSL_read (self->ssl, buffer, (int) g_bytes_get_size (datagram));
  if (result > 0)
    {
      unbind_call (self);
      return g_bytes_new (buffer, result);
    }
  ssl_error = SSL_get_error (self->ssl, result);
  switch (ssl_error)
    {
    case SSL_ERROR_WANT_READ:
    case SSL_ERROR_WANT_WRITE:
      /* A handshake retransmission, or a record that was dropped. */
      unbind_call (self);
      _qssl_clear_openssl_errors ();
      return NULL;
    case SSL_ERROR_ZERO_RETURN:
      unbind_call (self);
      set_error (self, NULL, QSSL_DTLS_ERROR_REMOTE_CLOSED_CONNECTION_ERROR,
                 _("The DTLS connection has been closed"));
      reset_connection (self);
      return NULL;
    default:
      set_openssl_error (self, NULL, QSSL_DTLS_ERROR_TLS_FATAL_ERROR, _("Error while reading a DTLS datagram"));
      unbind_call (self);
      reset_connection (self);
      return NULL;
    }
}

/**
 * qssl_dtls_get_handshake_state:
 * @self: a #QsslDtls
 *
 * Mirrors `QDtls::handshakeState()`.
 *
 * Returns: the handshake state
 *
 * Since: 1.0
 */
QsslDtlsHandshakeState
qssl_dtls_get_handshake_state (QsslDtls *self)
{
  g_return_val_if_fail (QSSL_IS_DTLS (self), QSSL_DTLS_HANDSHAKE_STATE_NOT_STARTED);

  return self->state;
}

/**
 * qssl_dtls_is_connection_encrypted:
 * @self: a #QsslDtls
 *
 * Mirrors `QDtls::isConnectionEncrypted()`.
 *
 * Returns: %TRUE once the handshake completed, until shutdown or a close
 *   from the peer
 *
 * Since: 1.0
 */
gboolean
qssl_dtls_is_connection_encrypted (QsslDtls *self)
{
  g_return_val_if_fail (QSSL_IS_DTLS (self), FALSE);

  return self->encrypted;
}

/**
 * qssl_dtls_get_session_cipher:
 * @self: a #QsslDtls
 *
 * Mirrors `QDtls::sessionCipher()`.
 *
 * Returns: (transfer full) (nullable): the cipher of the association, or
 *   %NULL before the handshake
 *
 * Since: 1.0
 */
QsslCipher *
qssl_dtls_get_session_cipher (QsslDtls *self)
{
  const SSL_CIPHER *cipher;

  g_return_val_if_fail (QSSL_IS_DTLS (self), NULL);

  if (self->ssl == NULL || (cipher = SSL_get_current_cipher (self->ssl)) == NULL)
    return NULL;
  return _qssl_cipher_new_from_ssl_cipher (cipher);
}

/**
 * qssl_dtls_get_session_protocol:
 * @self: a #QsslDtls
 *
 * Mirrors `QDtls::sessionProtocol()`.
 *
 * Returns: %QSSL_PROTOCOL_DTLS_V1_2 or %QSSL_PROTOCOL_DTLS_V1_0, or
 *   %QSSL_PROTOCOL_UNKNOWN_PROTOCOL before the handshake
 *
 * Since: 1.0
 */
QsslProtocol
qssl_dtls_get_session_protocol (QsslDtls *self)
{
  g_return_val_if_fail (QSSL_IS_DTLS (self), QSSL_PROTOCOL_UNKNOWN_PROTOCOL);

  if (self->ssl == NULL || self->state == QSSL_DTLS_HANDSHAKE_STATE_NOT_STARTED)
    return QSSL_PROTOCOL_UNKNOWN_PROTOCOL;
  switch (SSL_version (self->ssl))
    {
    case DTLS1_2_VERSION: return QSSL_PROTOCOL_DTLS_V1_2;
    case DTLS1_VERSION: return QSSL_PROTOCOL_DTLS_V1_0;
    default: return QSSL_PROTOCOL_UNKNOWN_PROTOCOL;
    }
}

/**
 * qssl_dtls_get_dtls_error:
 * @self: a #QsslDtls
 *
 * The error of the last operation. Mirrors `QDtls::dtlsError()`.
 *
 * Returns: the error code, %QSSL_DTLS_ERROR_NO_ERROR after a success
 *
 * Since: 1.0
 */
QsslDtlsError
qssl_dtls_get_dtls_error (QsslDtls *self)
{
  g_return_val_if_fail (QSSL_IS_DTLS (self), QSSL_DTLS_ERROR_NO_ERROR);

  return self->error;
}

/**
 * qssl_dtls_get_dtls_error_string:
 * @self: a #QsslDtls
 *
 * Mirrors `QDtls::dtlsErrorString()`.
 *
 * Returns: (transfer none): a description of the last error, or ""
 *
 * Since: 1.0
 */
const char *
qssl_dtls_get_dtls_error_string (QsslDtls *self)
{
  g_return_val_if_fail (QSSL_IS_DTLS (self), "");

  return self->error_string != NULL ? self->error_string : "";
}

gsize
_qssl_dtls_get_data_mtu (QsslDtls *self)
{
  return self->ssl != NULL ? DTLS_get_data_mtu (self->ssl) : 0;
}
