/* qssl-engine.c: the TLS engine of QsslSocket (qtls_openssl.cpp's part)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The SSL object and the handshake state machine; OpenSSL's verification
 * collected and Qt's checks after it, then peer-verify-error, ssl-errors
 * and the decision (or a pause); alerts, PSK, ALPN, OCSP and sessions.
 */

#include "config.h"

#include <errno.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include "qssl.h"
#include "qssl-bio-private.h"
#include "qssl-certificate-private.h"
#include "qssl-cipher-private.h"
#include "qssl-configuration-private.h"
#include "qssl-engine-private.h"
#include "qssl-error-private.h"
#include "qssl-key-private.h"
#include "qssl-private.h"
#include "qssl-psk-authenticator-private.h"
#include "qssl-socket-io-private.h"
#include "qssl-socket-private.h"
#include "qssl-tickets-private.h"
#include "qssl-virtual-host-private.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SSL_SESSION, SSL_SESSION_free)

/* The handshake */

static int ssl_socket_index = -1;

static void setup_context (SSL_CTX *ctx, QsslMode mode);

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
  return _qssl_configuration_get_effective_peer_verify_mode (self->configuration, self->mode);
}

static void
add_handshake_error (QsslSocket      *self,
                     QsslErrorCode    code,
                     QsslCertificate *certificate)
{
  _qssl_error_list_add_unique (self->handshake_errors, code, certificate);
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
      g_signal_emit (self, _qssl_socket_signals[SIGNAL_HANDSHAKE_INTERRUPTED_ON_ERROR], 0, error);
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

  self = SSL_get_ex_data (ssl, ssl_socket_index);
  /* A retired SSL (a handler aborted inside OpenSSL) talks to nobody. */
  if (self == NULL || ssl != self->ssl)
    return;
  if (G_UNLIKELY (_qssl_trace_enabled ()))
    {
      if (where & SSL_CB_HANDSHAKE_START)
        _qssl_socket_trace_message (self, "handshake: start");
      if (where & SSL_CB_LOOP)
        _qssl_socket_trace_message (self, "handshake: %s", SSL_state_string_long (ssl));
      if (where & SSL_CB_HANDSHAKE_DONE)
        _qssl_socket_trace_message (self, "handshake: done");
      if (where & SSL_CB_ALERT)
        _qssl_socket_trace_message (self, "alert %s: %s %s", (where & SSL_CB_WRITE) ? "sent" : "received",
                                    SSL_alert_type_string_long (value), SSL_alert_desc_string_long (value));
    }
  if (!(where & SSL_CB_ALERT))
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
void
_qssl_engine_flush_alerts (QsslSocket *self)
{
  g_autoptr(GArray) alerts = g_steal_pointer (&self->pending_alerts);
  g_autoptr(GEnumClass) alert_types = NULL;
  guint connection = _qssl_socket_connection (self);

  if (alerts == NULL || self->disposing)
    return;
  alert_types = g_type_class_ref (QSSL_TYPE_ALERT_TYPE);
  /* A handler that ends the connection hears no more of its alerts. */
  for (guint i = 0; i < alerts->len && _qssl_socket_same_connection (self, connection); i++)
    {
      PendingAlert *alert = &g_array_index (alerts, PendingAlert, i);
      int type = alert->type;

      /* Types Qt has no name for are still reported, as UNKNOWN_ALERT_MESSAGE. */
      if (g_enum_get_value (alert_types, type) == NULL)
        type = QSSL_ALERT_TYPE_UNKNOWN_ALERT_MESSAGE;
      g_signal_emit (self, _qssl_socket_signals[alert->sent ? SIGNAL_ALERT_SENT : SIGNAL_ALERT_RECEIVED], 0,
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
 * when a stapled OCSP response is required (see _qssl_engine_start()),
 * and not to another server name than the one it was made with (recorded
 * by _qssl_engine_handle_received_session(); OpenSSL's client does not). */
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
void
_qssl_engine_handle_received_session (QsslSocket *self)
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
      QsslContext *context = _qssl_configuration_get_context (configuration, QSSL_MODE_SSL_CLIENT, setup_context, NULL);

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
      /* The application hands it back to resume: no need to decode it then. */
      _qssl_ticket_remember (configuration->session_ticket, session);
      configuration->session_ticket_lifetime_hint = (int) MIN (SSL_SESSION_get_ticket_lifetime_hint (session),
                                                               G_MAXINT);
      g_signal_emit (self, _qssl_socket_signals[SIGNAL_NEW_SESSION_TICKET_RECEIVED], 0);
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
  guint connection = _qssl_socket_connection (self);

  if (identity != NULL)
    qssl_pre_shared_key_authenticator_set_identity (authenticator, identity);
  g_signal_emit (self, _qssl_socket_signals[SIGNAL_PRE_SHARED_KEY_AUTHENTICATION_REQUIRED], 0, authenticator);
  if (!_qssl_socket_same_connection (self, connection))
    return NULL; /* ended from the handler */
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

/* Our PSK callback gave a key: for authenticated_by_psk(), and on the SSL
 * for the context's resumption policy, which knows no socket. */
static void
note_pre_shared_key (QsslSocket *self,
                     SSL        *ssl)
{
  self->used_pre_shared_key = TRUE;
  _qssl_context_set_used_pre_shared_key (ssl, TRUE);
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
  note_pre_shared_key (self, ssl);
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
    note_pre_shared_key (self, ssl);
  return key_length;
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

/* OpenSSL's verification settings for the socket's configuration (the
 * server's own, or a virtual host's). */
static void
apply_verify_mode (QsslSocket *self)
{
  QsslPeerVerifyMode verify = effective_verify_mode (self);
  int flags = SSL_VERIFY_NONE;

  if (verify != QSSL_PEER_VERIFY_MODE_NONE)
    {
      flags = SSL_VERIFY_PEER;
      if (self->mode == QSSL_MODE_SSL_SERVER && verify == QSSL_PEER_VERIFY_MODE_VERIFY_PEER &&
          qssl_configuration_get_missing_certificate_is_fatal (self->configuration))
        flags |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
    }
  SSL_set_verify (self->ssl, flags, verify != QSSL_PEER_VERIFY_MODE_NONE ? verify_callback : NULL);
}

static void
apply_identity_hint (QsslSocket *self)
{
  g_autoptr(GBytes) hint = qssl_configuration_get_pre_shared_key_identity_hint (self->configuration);
  g_autofree char *text = hint != NULL ? g_strndup (g_bytes_get_data (hint, NULL), g_bytes_get_size (hint)) : NULL;

  SSL_use_psk_identity_hint (self->ssl, text);
}

/* The host name of a ClientHello's server_name extension (RFC 6066: a
 * list of one host_name entry); NULL when there is none or it is not a
 * name OpenSSL would accept, which then fails the handshake itself. */
static char *
parse_server_name (const unsigned char *data,
                   size_t               length)
{
  size_t list_length, name_length;

  if (length < 5)
    return NULL;
  list_length = ((size_t) data[0] << 8) | data[1];
  if (list_length != length - 2 || data[2] != TLSEXT_NAMETYPE_host_name)
    return NULL;
  name_length = ((size_t) data[3] << 8) | data[4];
  if (name_length == 0 || name_length > TLSEXT_MAXLEN_host_name || name_length > length - 5 ||
      memchr (data + 5, '\0', name_length) != NULL)
    return NULL;
  return g_strndup ((const char *) data + 5, name_length);
}

/* Server, before OpenSSL looks at the ClientHello: the virtual host. Its
 * configuration becomes the socket's for this connection (what
 * get_ssl_configuration() returns, and what the ALPN, OCSP, PSK and
 * verification callbacks read), and its context the SSL's. */
static int
client_hello_callback (SSL  *ssl,
                       int  *alert,
                       void *data)
{
  QsslSocket *self = SSL_get_ex_data (ssl, ssl_socket_index);
  g_autoptr(GError) error = NULL;
  const unsigned char *extension = NULL;
  size_t length = 0;
  QsslConfiguration *host;
  QsslConfiguration *copy;
  QsslContext *context;
  const char *pattern = NULL;

  if (self == NULL || ssl != self->ssl || self->mode != QSSL_MODE_SSL_SERVER)
    return SSL_CLIENT_HELLO_SUCCESS;
  g_clear_pointer (&self->requested_server_name, g_free);
  if (SSL_client_hello_get0_ext (ssl, TLSEXT_TYPE_server_name, &extension, &length) == 1)
    self->requested_server_name = parse_server_name (extension, length);
  host = _qssl_host_table_lookup (self->host_table, self->requested_server_name, &pattern);
  if (host == NULL)
    return SSL_CLIENT_HELLO_SUCCESS;
  _qssl_socket_trace (self, "virtual host %s for %s", pattern, self->requested_server_name);

  context = _qssl_configuration_get_context (host, QSSL_MODE_SSL_SERVER, setup_context, &error);
  if (context == NULL || !_qssl_context_switch_server_ssl (context, ssl, pattern))
    {
      g_clear_error (&self->host_error);
      if (error == NULL)
        g_set_error (&error, QSSL_SOCKET_ERROR, QSSL_SOCKET_ERROR_SSL_INVALID_USER_DATA,
                     _("The configuration of the virtual host %s is not usable"), pattern);
      self->host_error = g_steal_pointer (&error);
      *alert = SSL_AD_INTERNAL_ERROR;
      return SSL_CLIENT_HELLO_ERROR;
    }
  /* Building the host's context may have queued errors OpenSSL then
   * ignored; a queued error fails the next SSL_get_error(). */
  _qssl_clear_openssl_errors ();
  copy = qssl_configuration_copy (host);
  /* Kept for the next handshake (a second ClientHello, after a
   * HelloRetryRequest, finds it kept already). */
  if (self->own_configuration == NULL)
    self->own_configuration = self->configuration;
  else
    qssl_configuration_free (self->configuration);
  self->configuration = copy;
  apply_verify_mode (self);
  apply_identity_hint (self);
  /* The host's ticket rule, not the first context's: held back until the
   * peer is accepted when the host verifies peers (see start), none when
   * the host issues none. */
  if (effective_verify_mode (self) != QSSL_PEER_VERIFY_MODE_NONE ||
      SSL_CTX_get_num_tickets (SSL_get_SSL_CTX (ssl)) == 0)
    SSL_set_num_tickets (ssl, 0);
  return SSL_CLIENT_HELLO_SUCCESS;
}

/* Given down to the context, which installs it on every SSL_CTX built
 * for the engine. */
static void
setup_context (SSL_CTX  *ctx,
               QsslMode  mode)
{
  if (mode == QSSL_MODE_SSL_CLIENT)
    SSL_CTX_sess_set_new_cb (ctx, new_session_callback);
  else
    {
      SSL_CTX_set_alpn_select_cb (ctx, alpn_select_callback, NULL);
      SSL_CTX_set_tlsext_status_cb (ctx, ocsp_status_callback);
      SSL_CTX_set_client_hello_cb (ctx, client_hello_callback, NULL);
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
  _qssl_clear_openssl_errors ();
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
  _qssl_clear_openssl_errors ();
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
  _qssl_clear_openssl_errors ();
  return readable;
}

gboolean
_qssl_engine_unsupported_protocol (QsslSocket *self)
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
  _qssl_socket_fail (self, error, message);
}

gboolean
_qssl_engine_check_configuration (QsslConfiguration *configuration,
                                  QsslMode           mode,
                                  GError           **error)
{
  return _qssl_configuration_get_context (configuration, mode, setup_context, error) != NULL;
}

void
_qssl_engine_start (QsslSocket *self,
                    QsslMode    mode)
{
  g_autoptr(GError) error = NULL;
  QsslContext *context;
  guint connection;

  if (self->state != QSSL_SOCKET_STATE_CONNECTED || self->mode != QSSL_MODE_UNENCRYPTED)
    {
      _qssl_socket_trace (self, "cannot start a handshake when not connected or already encrypting");
      return;
    }
  /* The last connection was a virtual host's: this one starts from the
   * socket's own configuration again. */
  if (self->own_configuration != NULL)
    {
      qssl_configuration_free (self->configuration);
      self->configuration = g_steal_pointer (&self->own_configuration);
    }
  if (_qssl_engine_unsupported_protocol (self))
    {
      _qssl_socket_fail (self, QSSL_SOCKET_ERROR_SSL_INVALID_USER_DATA, _("Attempted to use an unsupported protocol."));
      return;
    }

  connection = _qssl_socket_connection (self);
  _qssl_socket_set_mode (self, mode);
  if (!_qssl_socket_same_connection (self, connection) || self->state != QSSL_SOCKET_STATE_CONNECTED ||
      self->mode != mode)
    return;

  context = _qssl_configuration_get_context (self->configuration, mode, setup_context, &error);
  if (context == NULL)
    {
      fail_handshake (self, error->code, error->message);
      return;
    }
  self->ssl = SSL_new (_qssl_context_get_ctx (context));
  if (self->ssl == NULL)
    {
      _qssl_clear_openssl_errors ();
      fail_handshake (self, QSSL_SOCKET_ERROR_SOCKET_RESOURCE, _("Insufficient resources"));
      return;
    }
  SSL_set_ex_data (self->ssl, ssl_socket_index, self);
  /* The record buffers stay for the handshake instead of being freed and
   * allocated again for each flight; become_encrypted() hands them back. */
  SSL_clear_mode (self->ssl, SSL_MODE_RELEASE_BUFFERS);
  /* Server: set again by this handshake's ClientHello. */
  g_clear_pointer (&self->requested_server_name, g_free);
  g_clear_error (&self->host_error);
  SSL_set_info_callback (self->ssl, info_callback);
  {
    /* Bytes read in plain mode and not consumed belong to the TLS stream
     * (a STARTTLS peer may send its hello right after the go-ahead). */
    g_autoptr(GBytes) prefix = NULL;
    BIO *bio;

    if (_qssl_socket_buffered (self) > 0)
      {
        prefix = g_bytes_new (self->read_buffer->data + self->read_offset, _qssl_socket_buffered (self));
        _qssl_buffer_clear (self->read_buffer, TRUE);
        self->read_offset = 0;
      }
    bio = _qssl_bio_new (g_socket_get_fd (_qssl_socket_gsocket (self)), prefix);
    if (bio == NULL)
      {
        _qssl_clear_openssl_errors ();
        fail_handshake (self, QSSL_SOCKET_ERROR_SOCKET_RESOURCE, _("Insufficient resources"));
        return;
      }
    SSL_set_bio (self->ssl, bio, bio);
  }

  apply_verify_mode (self);

  /* PSK suites are only offered or accepted when someone can supply a key. */
  if (g_signal_has_handler_pending (self, _qssl_socket_signals[SIGNAL_PRE_SHARED_KEY_AUTHENTICATION_REQUIRED], 0, TRUE))
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
        session = _qssl_ticket_decode (ticket);
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
        apply_identity_hint (self);
      /* TLS 1.3 tickets wait until the peer is accepted (become_encrypted()).
       * A server that verifies nobody has nothing to refuse a peer for:
       * OpenSSL sends them inside the handshake, without a second pass
       * through its state machine (and its 16 KiB message buffer). A virtual
       * host that verifies peers holds them back again (see the ClientHello
       * callback). */
      if (effective_verify_mode (self) != QSSL_PEER_VERIFY_MODE_NONE)
        SSL_set_num_tickets (self->ssl, 0);
      SSL_set_accept_state (self->ssl);
    }
  _qssl_clear_openssl_errors ();

  g_ptr_array_set_size (self->handshake_errors, 0);
  g_ptr_array_set_size (self->ocsp_responses, 0);
  self->session_resumed = FALSE;
  self->used_pre_shared_key = FALSE;
  self->ignore_all = self->ignore_all_next;
  self->ignore_all_next = FALSE;
  self->handshaking = TRUE;
  _qssl_engine_handshake (self);
}

/* The group of the handshake's key exchange, spelled as
 * qssl_configuration_set_elliptic_curves() takes it: "X25519", "X448",
 * else OpenSSL's TLS name ("secp256r1", "ffdhe2048"). Interned: the name
 * tables belong to the SSL_CTX, which may go before the caller. */
static const char *
negotiated_group_name (SSL *ssl)
{
  int nid = SSL_get_negotiated_group (ssl);
  const char *name;

  if (nid == NID_undef || nid == 0)
    return NULL;
  if (nid == NID_X25519)
    return "X25519";
  if (nid == NID_X448)
    return "X448";
  name = SSL_group_to_name (ssl, nid);
  if (name == NULL && (nid & TLSEXT_nid_unknown) == 0)
    name = OBJ_nid2sn (nid);
  return name != NULL ? g_intern_string (name) : NULL;
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
  configuration->negotiated_group = negotiated_group_name (self->ssl);
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
  g_object_notify_by_pspec (G_OBJECT (self), _qssl_socket_properties[PROP_SESSION_PROTOCOL]);
  g_object_notify_by_pspec (G_OBJECT (self), _qssl_socket_properties[PROP_SESSION_CIPHER]);
  g_object_notify_by_pspec (G_OBJECT (self), _qssl_socket_properties[PROP_PEER_CERTIFICATE]);
}

/* ignore_ssl_errors() for this handshake accepts whatever the list says:
 * the documented contract is that calling it from the ssl-errors handler
 * continues the handshake. (Qt's code lets a non-empty list mask it, so an
 * application that set a list for one certificate could not accept another
 * one the user had confirmed.) Otherwise a non-empty list must hold every
 * error. */
static gboolean
errors_ignored (QsslSocket *self)
{
  if (self->ignore_all)
    return TRUE;
  if (self->ignore_list == NULL || self->ignore_list->len == 0)
    return FALSE;
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

/* Server, TLS 1.3: the tickets held back in _qssl_engine_start() go out
 * now that the peer was accepted (SSL_new_session_ticket() only queues
 * one; the handshake call writes it). Only an accepted peer can ever hold
 * a ticket. They are gathered in the BIO and kept there: the first reply
 * takes them along in its send(), or become_encrypted() sends them. */
static void
issue_session_tickets (QsslSocket *self)
{
  SSL *ssl = self->ssl;
  size_t count = SSL_CTX_get_num_tickets (SSL_get_SSL_CTX (ssl));

  if (self->mode != QSSL_MODE_SSL_SERVER || SSL_version (ssl) != TLS1_3_VERSION || count == 0 ||
      SSL_get_num_tickets (ssl) != 0 /* not held back: sent inside the handshake */)
    return;
  /* A resumed peer gets one ticket, its replacement, as from OpenSSL's own
   * server: each ticket costs an encryption and a serialized session. */
  if (SSL_session_reused (ssl) == 1)
    count = 1;
  for (size_t i = 0; i < count; i++)
    SSL_new_session_ticket (ssl);
  _qssl_bio_cork (SSL_get_wbio (ssl));
  enter_openssl (self);
  SSL_do_handshake (ssl);
  leave_openssl (self);
  _qssl_bio_keep (SSL_get_wbio (ssl));
  _qssl_clear_openssl_errors ();
}

/* A connection with nothing in flight gives OpenSSL's record buffers back
 * (16 KiB and more each way): after its handshake, while it is paused, and
 * after post-handshake messages (a TLS 1.3 client's session tickets), which
 * set up a write buffer that nothing then writes to and releases.
 * SSL_free_buffers() refuses while bytes wait in either buffer, but before
 * OpenSSL 3.0.14 it missed a decrypted record still unread and a record
 * whose header is in and whose body is not (CVE-2024-4741): hence the
 * checks that nothing is pending and that OpenSSL waits for a header. */
void
_qssl_engine_release_idle_buffers (QsslSocket *self)
{
  if (self->ssl != NULL && !SSL_has_pending (self->ssl) &&
      strcmp (SSL_rstate_string (self->ssl), "RH") == 0)
    SSL_free_buffers (self->ssl);
}

static void
become_encrypted (QsslSocket *self)
{
  guint connection = _qssl_socket_connection (self);
  GQueue tasks;

  self->handshaking = FALSE;
  self->paused = FALSE;
  self->encrypted = TRUE;
  issue_session_tickets (self);
  SSL_set_mode (self->ssl, SSL_MODE_RELEASE_BUFFERS);
  _qssl_engine_release_idle_buffers (self);
  g_object_notify_by_pspec (G_OBJECT (self), _qssl_socket_properties[PROP_IS_ENCRYPTED]);
  _qssl_socket_trace (self, "encrypted: %s, %s%s", SSL_get_version (self->ssl),
                      SSL_get_cipher_name (self->ssl), self->session_resumed ? ", resumed" : "");
  /* The tasks waiting now are this handshake's: not those a handler queues
   * for a new connection. */
  tasks = self->handshake_tasks;
  g_queue_init (&self->handshake_tasks);
  g_signal_emit (self, _qssl_socket_signals[SIGNAL_ENCRYPTED], 0);
  _qssl_socket_complete_taken_tasks (&tasks, NULL);
  if (!_qssl_socket_same_connection (self, connection))
    return;
  /* A TLS 1.2 session arrives within the handshake. */
  _qssl_engine_handle_received_session (self);
  if (!_qssl_socket_same_connection (self, connection))
    return;
  /* Data written before encrypted goes out now, with the tickets. */
  if (self->write_buffer->len > 0 || self->pending_close)
    {
      _qssl_socket_pump_write (self);
      if (!_qssl_socket_same_connection (self, connection))
        return;
    }
  _qssl_socket_pump_read (self);
  /* The tickets, when no reply from a ready-read took them along. */
  if (_qssl_socket_same_connection (self, connection) && _qssl_socket_unsent_ciphertext (self) > 0)
    _qssl_socket_pump_write (self);
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
  guint connection = _qssl_socket_connection (self);

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

  if (G_UNLIKELY (_qssl_trace_enabled ()))
    {
      g_autoptr(GEnumClass) modes = g_type_class_ref (QSSL_TYPE_PEER_VERIFY_MODE);
      GEnumValue *mode = g_enum_get_value (modes, verify);

      _qssl_socket_trace_message (self, "verification: %u error(s), peer verify mode %s",
                                  self->handshake_errors->len, mode != NULL ? mode->value_nick : "?");
      for (guint i = 0; i < self->handshake_errors->len; i++)
        _qssl_socket_trace_message (self, "verification error: %s",
                                    qssl_error_get_error_string (g_ptr_array_index (self->handshake_errors, i)));
    }

  for (guint i = 0; i < self->handshake_errors->len; i++)
    {
      g_signal_emit (self, _qssl_socket_signals[SIGNAL_PEER_VERIFY_ERROR], 0, g_ptr_array_index (self->handshake_errors, i));
      if (!_qssl_socket_same_connection (self, connection))
        return; /* ended from the handler */
    }

  if (self->handshake_errors->len > 0)
    {
      g_autoptr(GPtrArray) errors = g_ptr_array_ref (self->handshake_errors);

      g_signal_emit (self, _qssl_socket_signals[SIGNAL_SSL_ERRORS], 0, errors);
      if (!_qssl_socket_same_connection (self, connection))
        return;
    }

  /* QUERY_PEER and NONE report problems but never fail on them. */
  fatal = verify == QSSL_PEER_VERIFY_MODE_VERIFY_PEER && self->handshake_errors->len > 0 &&
          !errors_ignored (self);
  if (fatal && (self->pause_mode & QSSL_PAUSE_MODES_ON_SSL_ERRORS))
    {
      self->paused = TRUE;
      _qssl_socket_watch (self, 0);
      /* The application may take its time to decide. */
      _qssl_engine_release_idle_buffers (self);
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

static void handshake_step_done (QsslSocket *self, int result, int ssl_error);

/* Sends what a server's handshake step gathered. When TLS 1.3 completes,
 * what is left is the session tickets, which nobody waits for: they stay
 * in the BIO, for the first reply to take along in its send() (or
 * become_encrypted() sends them). What the kernel refused makes the step
 * wait for writability, as a refusal inside OpenSSL would; a failed send
 * ends the step as a vanished peer does, even one that completed (TLS
 * 1.2's last flight), unless OpenSSL failed it for a reason of its own. */
static void
finish_gathering (QsslSocket *self,
                  SSL        *ssl,
                  int        *result,
                  int        *ssl_error)
{
  BIO *bio = SSL_get_wbio (ssl);
  int send_error = 0;

  if (*result == 1 && SSL_version (ssl) == TLS1_3_VERSION)
    {
      _qssl_bio_keep (bio);
      return;
    }
  if (!_qssl_bio_uncork (bio, &send_error))
    {
      _qssl_socket_trace (self, "handshake records not sent: %s", g_strerror (send_error));
      if (*result == 1 || *ssl_error == SSL_ERROR_WANT_READ || *ssl_error == SSL_ERROR_WANT_WRITE)
        {
          _qssl_clear_openssl_errors ();
          *result = -1;
          *ssl_error = SSL_ERROR_SYSCALL;
        }
      return;
    }
  if (*result != 1 && *ssl_error == SSL_ERROR_WANT_READ && _qssl_bio_unsent (bio) > 0)
    *ssl_error = SSL_ERROR_WANT_WRITE;
}

void
_qssl_engine_handshake (QsslSocket *self)
{
  SSL *ssl = self->ssl;
  int result, ssl_error;
  guint connection = _qssl_socket_enter (self);
  /* A server's messages of one step go out in one send(), whatever
   * OpenSSL flushes between them. */
  gboolean gather = self->mode == QSSL_MODE_SSL_SERVER;

  _qssl_clear_openssl_errors ();
  enter_openssl (self);
  if (gather)
    _qssl_bio_cork (SSL_get_wbio (ssl));
  result = SSL_do_handshake (ssl);
  ssl_error = SSL_get_error (ssl, result);
  /* Before leave_openssl(), which frees an SSL a handler retired. */
  if (gather)
    finish_gathering (self, ssl, &result, &ssl_error);
  leave_openssl (self);
  _qssl_engine_flush_alerts (self);
  if (!_qssl_socket_same_connection (self, connection))
    {
      _qssl_clear_openssl_errors ();
      _qssl_socket_leave (self);
      return; /* ended from a handler */
    }
  handshake_step_done (self, result, ssl_error);
  _qssl_socket_leave (self);
}

static void
handshake_step_done (QsslSocket *self,
                     int         result,
                     int         ssl_error)
{
  if (result == 1)
    {
      _qssl_socket_watch (self, 0);
      check_handshake (self);
      return;
    }
  if (ssl_error == SSL_ERROR_WANT_READ)
    _qssl_socket_watch (self, G_IO_IN);
  else if (ssl_error == SSL_ERROR_WANT_WRITE)
    _qssl_socket_watch (self, G_IO_OUT);
  else if (self->host_error != NULL)
    {
      g_autoptr(GError) error = g_steal_pointer (&self->host_error);

      _qssl_clear_openssl_errors ();
      fail_handshake (self, error->code, error->message);
    }
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

/* The end of a connection */

gboolean
_qssl_engine_send_close_notify (QsslSocket *self)
{
  unsigned long reason;
  int result;
  int code;
  int saved_errno;

  if (self->ssl == NULL || !self->encrypted)
    return TRUE;
  /* Sent already. Called again, SSL_shutdown() would read from the peer,
   * waiting for its close_notify; only a send that found no room is
   * repeated, which just writes the pending alert. */
  if ((SSL_get_shutdown (self->ssl) & SSL_SENT_SHUTDOWN) && !self->close_notify_pending)
    return TRUE;
  _qssl_clear_openssl_errors ();
  enter_openssl (self);
  result = SSL_shutdown (self->ssl);
  saved_errno = errno;
  code = result < 0 ? SSL_get_error (self->ssl, result) : SSL_ERROR_NONE;
  reason = ERR_peek_error ();
  leave_openssl (self);
  _qssl_clear_openssl_errors ();
  self->close_notify_pending = FALSE;
  if (result >= 0)
    {
      _qssl_socket_trace (self, "close_notify sent");
      return TRUE;
    }
  if (code == SSL_ERROR_WANT_WRITE)
    {
      _qssl_socket_trace (self, "close_notify waits for room in the send buffer");
      self->close_notify_pending = TRUE;
      return FALSE;
    }
  if (code == SSL_ERROR_SYSCALL)
    _qssl_socket_trace (self, "close_notify not sent: %s",
                        saved_errno != 0 ? g_strerror (saved_errno) : "the connection is gone");
  else
    _qssl_socket_trace (self, "close_notify not sent: %s",
                        reason != 0 ? ERR_reason_error_string (reason) : "OpenSSL error");
  return TRUE;
}

void
_qssl_engine_reset (QsslSocket *self)
{
  /* A connection that ended without a TLS error leaves its session
   * resumable (OpenSSL drops sessions of SSLs freed without a shutdown;
   * fatal errors have already dropped theirs). */
  if (self->ssl != NULL && self->encrypted)
    SSL_set_shutdown (self->ssl, SSL_get_shutdown (self->ssl) | SSL_SENT_SHUTDOWN);
  /* Plaintext that arrived stays readable after the connection ends. */
  if (self->ssl != NULL && self->openssl_depth == 0)
    _qssl_socket_keep_held_plaintext (self, NULL);
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
}

void
_qssl_engine_resume (QsslSocket *self)
{
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

void
_qssl_engine_init (void)
{
  ssl_socket_index = SSL_get_ex_new_index (0, NULL, NULL, NULL, NULL);
}
