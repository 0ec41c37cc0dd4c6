/* qssl-configuration.c: QsslConfiguration, TLS settings by value (QSslConfiguration)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "qssl.h"
#include "qssl-certificate-private.h"
#include "qssl-cipher-private.h"
#include "qssl-configuration-private.h"
#include "qssl-error-private.h"
#include "qssl-private.h"

/**
 * QsslConfiguration:
 *
 * Every TLS setting of a socket, as a value: protocol versions, peer
 * verification, local certificate chain and key, trusted CA certificates,
 * ciphers, elliptic curves, ALPN protocols, session ticket and options; and,
 * once a handshake is done, what was negotiated (peer chain, session cipher
 * and protocol, ...), which users can read but not set.
 *
 * A configuration has value semantics, as in Qt: a getter such as
 * [method@Qssl.Socket.get_ssl_configuration] or
 * [func@Qssl.Configuration.get_default] returns an independent copy, and
 * changing it changes nothing until it is set back.
 *
 * [ctor@Qssl.Configuration.new] makes Qt's default-constructed
 * configuration: TLS 1.2 or later, %QSSL_PEER_VERIFY_MODE_AUTO_VERIFY_PEER,
 * unlimited verification depth, no CA certificates at all
 * ([method@Qssl.Configuration.is_null] is %TRUE). The process-wide default
 * configuration, which new sockets copy, is the same except that it trusts
 * the system's CA certificates.
 *
 * Mirrors `QSslConfiguration`.
 *
 * Since: 1.0
 */

G_DEFINE_BOXED_TYPE (QsslConfiguration, qssl_configuration, qssl_configuration_copy, qssl_configuration_free)

/* Qt's QSslConfigurationPrivate::defaultSslOptions. */
#define DEFAULT_SSL_OPTIONS (QSSL_SSL_OPTIONS_DISABLE_EMPTY_FRAGMENTS | \
                             QSSL_SSL_OPTIONS_DISABLE_LEGACY_RENEGOTIATION | \
                             QSSL_SSL_OPTIONS_DISABLE_COMPRESSION | \
                             QSSL_SSL_OPTIONS_DISABLE_SESSION_PERSISTENCE)

static GPtrArray *
object_list_new (void)
{
  return g_ptr_array_new_with_free_func (g_object_unref);
}

/* A new array holding its own references; @list may be NULL. */
static GPtrArray *
object_list_copy (GPtrArray *list)
{
  GPtrArray *copy;

  if (list == NULL)
    return NULL;
  copy = g_ptr_array_new_full (list->len, g_object_unref);
  for (guint i = 0; i < list->len; i++)
    g_ptr_array_add (copy, g_object_ref (g_ptr_array_index (list, i)));
  return copy;
}

static void
object_list_append (GPtrArray *list,
                    GPtrArray *items)
{
  for (guint i = 0; items != NULL && i < items->len; i++)
    g_ptr_array_add (list, g_object_ref (g_ptr_array_index (items, i)));
}

/* An empty string list and NULL mean the same: "nothing set". */
static char **
strv_copy_or_null (const char * const *strv)
{
  if (strv == NULL || strv[0] == NULL)
    return NULL;
  return g_strdupv ((char **) strv);
}

/* Likewise for bytes: Qt does not tell a null QByteArray from an empty one. */
static GBytes *
bytes_ref_or_null (GBytes *bytes)
{
  if (bytes == NULL || g_bytes_get_size (bytes) == 0)
    return NULL;
  return g_bytes_ref (bytes);
}

struct _QsslContextCache
{
  gatomicrefcount  ref_count;
  QsslContext     *contexts[3];
};

/* Guards the context slots of every cache: a context is looked up once per
 * handshake, so one lock costs nothing. */
static GMutex cache_lock;

static QsslContextCache *
context_cache_new (void)
{
  QsslContextCache *cache = g_new0 (QsslContextCache, 1);

  g_atomic_ref_count_init (&cache->ref_count);
  return cache;
}

static QsslContextCache *
context_cache_ref (QsslContextCache *cache)
{
  g_atomic_ref_count_inc (&cache->ref_count);
  return cache;
}

static void
context_cache_unref (QsslContextCache *cache)
{
  if (!g_atomic_ref_count_dec (&cache->ref_count))
    return;
  for (gsize i = 0; i < G_N_ELEMENTS (cache->contexts); i++)
    g_clear_pointer (&cache->contexts[i], _qssl_context_unref);
  g_free (cache);
}

/* The cached context for @mode, or NULL. Transfer none. */
static QsslContext *
context_cache_get (QsslContextCache *cache,
                   QsslMode          mode)
{
  QsslContext *context;

  g_mutex_lock (&cache_lock);
  context = cache->contexts[mode];
  g_mutex_unlock (&cache_lock);
  return context;
}

/* Stores @context (transfer full) unless another copy got there first;
 * returns the cached one. Transfer none. */
static QsslContext *
context_cache_offer (QsslContextCache *cache,
                     QsslMode          mode,
                     QsslContext      *context)
{
  QsslContext *cached;

  g_mutex_lock (&cache_lock);
  if (cache->contexts[mode] == NULL)
    {
      cache->contexts[mode] = context;
      context = NULL;
    }
  cached = cache->contexts[mode];
  g_mutex_unlock (&cache_lock);
  if (context != NULL)
    _qssl_context_unref (context);
  return cached;
}

static void
configuration_init (QsslConfiguration *self)
{
  self->context_cache = context_cache_new ();
  self->protocol = QSSL_PROTOCOL_SECURE_PROTOCOLS;
  self->peer_verify_mode = QSSL_PEER_VERIFY_MODE_AUTO_VERIFY_PEER;
  self->peer_verify_depth = 0;
  self->local_certificate_chain = object_list_new ();
  self->ca_certificates = object_list_new ();
  self->allow_system_ca_certificates = FALSE;
  self->ssl_options = DEFAULT_SSL_OPTIONS;
  self->session_ticket_lifetime_hint = -1;
  self->session_cache_size = QSSL_DEFAULT_SESSION_CACHE_SIZE;
  self->peer_certificate_chain = object_list_new ();
  self->session_protocol = QSSL_PROTOCOL_UNKNOWN_PROTOCOL;
  self->next_protocol_negotiation_status = QSSL_NEXT_PROTOCOL_NEGOTIATION_STATUS_NONE;
}

/**
 * qssl_configuration_new:
 *
 * A configuration with Qt's default settings (TLS 1.2 or later,
 * %QSSL_PEER_VERIFY_MODE_AUTO_VERIFY_PEER, unlimited depth, Qt's default
 * options) and no trusted CA certificates at all: a client using it trusts
 * no server until CA certificates are added. Most programs start from
 * [func@Qssl.Configuration.get_default] instead, which trusts the system's
 * CA certificates.
 *
 * Mirrors `QSslConfiguration::QSslConfiguration()`.
 *
 * Returns: (transfer full): a new configuration, for which
 *   [method@Qssl.Configuration.is_null] is %TRUE
 *
 * Since: 1.0
 */
QsslConfiguration *
qssl_configuration_new (void)
{
  QsslConfiguration *self = g_new0 (QsslConfiguration, 1);

  configuration_init (self);
  return self;
}

/**
 * qssl_configuration_copy:
 * @self: a #QsslConfiguration
 *
 * Copies a configuration. The copy is independent: changing either leaves
 * the other as it was.
 *
 * Mirrors `QSslConfiguration::QSslConfiguration(const QSslConfiguration &)`.
 *
 * Returns: (transfer full): the copy
 *
 * Since: 1.0
 */
QsslConfiguration *
qssl_configuration_copy (const QsslConfiguration *self)
{
  QsslConfiguration *copy;

  g_return_val_if_fail (self != NULL, NULL);

  /* Scalars by value; certificates, keys and ciphers are immutable, so new
   * arrays holding references give value semantics. */
  copy = g_memdup2 (self, sizeof *self);
  copy->local_certificate_chain = object_list_copy (self->local_certificate_chain);
  copy->private_key = self->private_key ? g_object_ref (self->private_key) : NULL;
  copy->ciphers = object_list_copy (self->ciphers);
  copy->elliptic_curves = g_strdupv (self->elliptic_curves);
  copy->ca_certificates = object_list_copy (self->ca_certificates);
  copy->session_ticket = self->session_ticket ? g_bytes_ref (self->session_ticket) : NULL;
  copy->allowed_next_protocols = g_strdupv (self->allowed_next_protocols);
  copy->ocsp_response = self->ocsp_response ? g_bytes_ref (self->ocsp_response) : NULL;
  copy->pre_shared_key_identity_hint =
    self->pre_shared_key_identity_hint ? g_bytes_ref (self->pre_shared_key_identity_hint) : NULL;
  copy->session_ticket_keys = self->session_ticket_keys ? g_bytes_ref (self->session_ticket_keys) : NULL;
  copy->peer_certificate_chain = object_list_copy (self->peer_certificate_chain);
  copy->session_cipher = self->session_cipher ? g_object_ref (self->session_cipher) : NULL;
  copy->ephemeral_server_key = self->ephemeral_server_key ? g_object_ref (self->ephemeral_server_key) : NULL;
  copy->next_negotiated_protocol = g_strdup (self->next_negotiated_protocol);
  copy->context_cache = context_cache_ref (self->context_cache);
  return copy;
}

/**
 * qssl_configuration_free:
 * @self: (nullable): a #QsslConfiguration
 *
 * Frees a configuration.
 *
 * Mirrors `QSslConfiguration::~QSslConfiguration()`.
 *
 * Since: 1.0
 */
void
qssl_configuration_free (QsslConfiguration *self)
{
  if (self == NULL)
    return;

  g_clear_pointer (&self->context_cache, context_cache_unref);
  _qssl_configuration_clear_session_state (self);
  g_clear_pointer (&self->local_certificate_chain, g_ptr_array_unref);
  g_clear_object (&self->private_key);
  g_clear_pointer (&self->ciphers, g_ptr_array_unref);
  g_clear_pointer (&self->elliptic_curves, g_strfreev);
  g_clear_pointer (&self->ca_certificates, g_ptr_array_unref);
  g_clear_pointer (&self->session_ticket, g_bytes_unref);
  g_clear_pointer (&self->allowed_next_protocols, g_strfreev);
  g_clear_pointer (&self->ocsp_response, g_bytes_unref);
  g_clear_pointer (&self->pre_shared_key_identity_hint, g_bytes_unref);
  g_clear_pointer (&self->session_ticket_keys, g_bytes_unref);
  g_clear_pointer (&self->peer_certificate_chain, g_ptr_array_unref);
  g_free (self);
}

void
_qssl_configuration_invalidate (QsslConfiguration *self)
{
  /* Copies made before keep the contexts that match their settings. */
  context_cache_unref (self->context_cache);
  self->context_cache = context_cache_new ();
}

QsslPeerVerifyMode
_qssl_configuration_get_effective_peer_verify_mode (const QsslConfiguration *self,
                                                    QsslMode                 mode)
{
  QsslPeerVerifyMode verify = self->peer_verify_mode;

  if (verify == QSSL_PEER_VERIFY_MODE_AUTO_VERIFY_PEER)
    return mode == QSSL_MODE_SSL_SERVER ? QSSL_PEER_VERIFY_MODE_QUERY_PEER
                                        : QSSL_PEER_VERIFY_MODE_VERIFY_PEER;
  return verify;
}

void
_qssl_configuration_clear_session_state (QsslConfiguration *self)
{
  if (self->peer_certificate_chain != NULL)
    g_ptr_array_set_size (self->peer_certificate_chain, 0);
  g_clear_object (&self->session_cipher);
  g_clear_object (&self->ephemeral_server_key);
  g_clear_pointer (&self->next_negotiated_protocol, g_free);
  self->negotiated_group = NULL;
  self->session_protocol = QSSL_PROTOCOL_UNKNOWN_PROTOCOL;
  self->next_protocol_negotiation_status = QSSL_NEXT_PROTOCOL_NEGOTIATION_STATUS_NONE;
}

/* Comparison */

static gboolean
certificate_lists_equal (GPtrArray *a,
                         GPtrArray *b)
{
  if (a->len != b->len)
    return FALSE;
  for (guint i = 0; i < a->len; i++)
    if (!qssl_certificate_equal (g_ptr_array_index (a, i), g_ptr_array_index (b, i)))
      return FALSE;
  return TRUE;
}

static gboolean
cipher_lists_equal (GPtrArray *a,
                    GPtrArray *b)
{
  /* Unset means OpenSSL's default list, which is what a getter shows. */
  if (a == NULL)
    a = _qssl_cipher_get_default ();
  if (b == NULL)
    b = _qssl_cipher_get_default ();
  if (a->len != b->len)
    return FALSE;
  for (guint i = 0; i < a->len; i++)
    if (!qssl_cipher_equal (g_ptr_array_index (a, i), g_ptr_array_index (b, i)))
      return FALSE;
  return TRUE;
}

static gboolean
keys_equal (QsslKey *a,
            QsslKey *b)
{
  if (a == NULL || b == NULL)
    return a == b;
  return qssl_key_equal (a, b);
}

static gboolean
strv_equal0 (char **a,
             char **b)
{
  if (a == NULL || b == NULL)
    return a == b;
  return g_strv_equal ((const char * const *) a, (const char * const *) b);
}

static gboolean
bytes_equal0 (GBytes *a,
              GBytes *b)
{
  if (a == NULL || b == NULL)
    return a == b;
  return g_bytes_equal (a, b);
}

/* Secrets compare in constant time: an equality test must not become an
 * oracle for their bytes. */
static gboolean
secrets_equal0 (GBytes *a,
                GBytes *b)
{
  gsize a_length, b_length;
  const void *a_data, *b_data;

  if (a == NULL || b == NULL)
    return a == b;
  a_data = g_bytes_get_data (a, &a_length);
  b_data = g_bytes_get_data (b, &b_length);
  return a_length == b_length && CRYPTO_memcmp (a_data, b_data, a_length) == 0;
}

/* The fields an SSL_CTX is built from: equal settings can share one. */
static gboolean
context_settings_equal (const QsslConfiguration *a,
                        const QsslConfiguration *b)
{
  return a->protocol == b->protocol &&
         a->peer_verify_mode == b->peer_verify_mode &&
         a->peer_verify_depth == b->peer_verify_depth &&
         certificate_lists_equal (a->local_certificate_chain, b->local_certificate_chain) &&
         keys_equal (a->private_key, b->private_key) &&
         cipher_lists_equal (a->ciphers, b->ciphers) &&
         strv_equal0 (a->elliptic_curves, b->elliptic_curves) &&
         certificate_lists_equal (a->ca_certificates, b->ca_certificates) &&
         a->allow_system_ca_certificates == b->allow_system_ca_certificates &&
         a->ssl_options == b->ssl_options &&
         strv_equal0 (a->allowed_next_protocols, b->allowed_next_protocols) &&
         a->ocsp_stapling_enabled == b->ocsp_stapling_enabled &&
         bytes_equal0 (a->ocsp_response, b->ocsp_response) &&
         bytes_equal0 (a->pre_shared_key_identity_hint, b->pre_shared_key_identity_hint) &&
         secrets_equal0 (a->session_ticket_keys, b->session_ticket_keys) &&
         a->missing_certificate_is_fatal == b->missing_certificate_is_fatal &&
         a->handshake_must_interrupt_on_error == b->handshake_must_interrupt_on_error &&
         a->session_cache_size == b->session_cache_size;
}

/**
 * qssl_configuration_equal:
 * @self: a #QsslConfiguration
 * @other: another #QsslConfiguration
 *
 * Whether both configurations hold the same settings and the same session
 * state. Certificates, keys and ciphers are compared by value; an unset
 * cipher list equals an explicit list identical to OpenSSL's default one.
 *
 * Mirrors `QSslConfiguration::operator==()`.
 *
 * Returns: %TRUE when equal
 *
 * Since: 1.0
 */
gboolean
qssl_configuration_equal (const QsslConfiguration *self,
                          const QsslConfiguration *other)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (other != NULL, FALSE);

  if (self == other)
    return TRUE;

  return context_settings_equal (self, other) &&
         bytes_equal0 (self->session_ticket, other->session_ticket) &&
         self->session_ticket_lifetime_hint == other->session_ticket_lifetime_hint &&
         certificate_lists_equal (self->peer_certificate_chain, other->peer_certificate_chain) &&
         ((self->session_cipher == NULL && other->session_cipher == NULL) ||
          (self->session_cipher != NULL && other->session_cipher != NULL &&
           qssl_cipher_equal (self->session_cipher, other->session_cipher))) &&
         self->session_protocol == other->session_protocol &&
         keys_equal (self->ephemeral_server_key, other->ephemeral_server_key) &&
         g_strcmp0 (self->next_negotiated_protocol, other->next_negotiated_protocol) == 0 &&
         self->negotiated_group == other->negotiated_group &&
         self->next_protocol_negotiation_status == other->next_protocol_negotiation_status;
}

/**
 * qssl_configuration_is_null:
 * @self: a #QsslConfiguration
 *
 * Whether @self still equals a configuration fresh from
 * [ctor@Qssl.Configuration.new]: no setter changed anything and no
 * handshake filled in session state. The default configuration is not null,
 * since it trusts the system's CA certificates.
 *
 * Mirrors `QSslConfiguration::isNull()`.
 *
 * Returns: %TRUE for an untouched configuration
 *
 * Since: 1.0
 */
gboolean
qssl_configuration_is_null (const QsslConfiguration *self)
{
  g_autoptr(QsslConfiguration) empty = NULL;

  g_return_val_if_fail (self != NULL, TRUE);

  /* Qt: a set cipher list, even one equal to the defaults, is a change. */
  if (self->ciphers != NULL)
    return FALSE;
  empty = qssl_configuration_new ();
  return qssl_configuration_equal (self, empty);
}

/* The process-wide default */

static GMutex default_lock;
static QsslConfiguration *default_configuration = NULL;

static QsslConfiguration *
builtin_default_new (void)
{
  QsslConfiguration *self = qssl_configuration_new ();

  self->allow_system_ca_certificates = TRUE;
  return self;
}

/**
 * qssl_configuration_get_default:
 *
 * A copy of the process-wide default configuration, which every new socket
 * starts from. Unless [method@Qssl.Configuration.set_default] replaced it, it
 * has Qt's default settings and trusts the system's CA certificates, which
 * OpenSSL reads on demand from its default locations (`SSL_CERT_FILE` and
 * `SSL_CERT_DIR` override them). Each call returns a new, independent copy.
 * Thread-safe.
 *
 * Mirrors `QSslConfiguration::defaultConfiguration()`.
 *
 * Returns: (transfer full): a copy of the default configuration
 *
 * Since: 1.0
 */
QsslConfiguration *
qssl_configuration_get_default (void)
{
  QsslConfiguration *copy;

  g_mutex_lock (&default_lock);
  if (default_configuration == NULL)
    default_configuration = builtin_default_new ();
  copy = qssl_configuration_copy (default_configuration);
  g_mutex_unlock (&default_lock);
  return copy;
}

/**
 * qssl_configuration_set_default:
 * @configuration: (nullable): the new default, or %NULL to restore the
 *   built-in one
 *
 * Replaces the process-wide default configuration with a copy of
 * @configuration. Sockets created before keep the configuration they
 * copied. Thread-safe.
 *
 * Mirrors `QSslConfiguration::setDefaultConfiguration()`.
 *
 * Since: 1.0
 */
void
qssl_configuration_set_default (const QsslConfiguration *configuration)
{
  QsslConfiguration *replacement;
  QsslConfiguration *old;

  replacement = configuration ? qssl_configuration_copy (configuration) : builtin_default_new ();
  g_mutex_lock (&default_lock);
  old = default_configuration;
  default_configuration = replacement;
  g_mutex_unlock (&default_lock);
  /* Freed outside the lock: dropping contexts may take a while. */
  qssl_configuration_free (old);
}

static X509_STORE *new_x509_store (const QsslConfiguration *self,
                                   gboolean                 with_system);

/* What the context of @self for @mode is built from; the caller frees
 * ca_store. A context that verifies no peer never parses the system CA
 * bundle (about 35 ms of CPU and 0.9 MiB, once per process): its store
 * holds the explicit CAs only, which still complete a local chain. */
static void
context_settings_fill (const QsslConfiguration *self,
                       QsslMode                 mode,
                       QsslContextSetupFunc     setup,
                       QsslContextSettings     *settings)
{
  gboolean verifies = _qssl_configuration_get_effective_peer_verify_mode (self, mode) != QSSL_PEER_VERIFY_MODE_NONE;

  *settings = (QsslContextSettings) {
    .protocol = self->protocol,
    .ssl_options = self->ssl_options,
    .ciphers = self->ciphers,
    .elliptic_curves = self->elliptic_curves,
    .peer_verify_depth = self->peer_verify_depth,
    .local_certificate_chain = self->local_certificate_chain,
    .private_key = self->private_key,
    .ca_store = new_x509_store (self, self->allow_system_ca_certificates &&
                                      (verifies || self->ocsp_stapling_enabled)),
    .setup = setup,
    .peer_verify_mode = self->peer_verify_mode,
    .missing_certificate_is_fatal = self->missing_certificate_is_fatal,
    .allow_system_ca_certificates = self->allow_system_ca_certificates,
    .ca_certificates = self->ca_certificates,
    .pre_shared_key_identity_hint = self->pre_shared_key_identity_hint,
    .session_cache_size = self->session_cache_size,
    .session_ticket_keys = self->session_ticket_keys,
  };
}

/* Every socket starts from a copy of the default, and most never change
 * it: let those share the default's SSL_CTX (one CA store, one set of
 * session-ticket keys) instead of building one per socket. Returns a new
 * reference or NULL. */
static QsslContext *
default_context_lookup (const QsslConfiguration *self,
                        QsslMode                 mode)
{
  QsslContext *context = NULL;

  g_mutex_lock (&default_lock);
  if (default_configuration != NULL && default_configuration != self &&
      context_settings_equal (default_configuration, self))
    {
      context = context_cache_get (default_configuration->context_cache, mode);
      if (context != NULL)
        _qssl_context_ref (context);
    }
  g_mutex_unlock (&default_lock);
  return context;
}

static void
default_context_offer (const QsslConfiguration *self,
                       QsslMode                 mode,
                       QsslContext             *context)
{
  g_mutex_lock (&default_lock);
  if (default_configuration != NULL && default_configuration != self &&
      default_configuration->context_cache != self->context_cache &&
      context_settings_equal (default_configuration, self))
    context_cache_offer (default_configuration->context_cache, mode, _qssl_context_ref (context));
  g_mutex_unlock (&default_lock);
}

QsslContext *
_qssl_configuration_get_context (QsslConfiguration     *self,
                                 QsslMode               mode,
                                 QsslContextSetupFunc   setup,
                                 GError               **error)
{
  QsslContext *context;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (mode == QSSL_MODE_SSL_CLIENT || mode == QSSL_MODE_SSL_SERVER, NULL);

  context = context_cache_get (self->context_cache, mode);
  if (context != NULL)
    return context;

  context = default_context_lookup (self, mode);
  if (context == NULL)
    {
      /* Built without holding a lock: the builder may read the default. */
      QsslContextSettings settings;

      context_settings_fill (self, mode, setup, &settings);
      context = _qssl_context_new (&settings, mode, error);
      X509_STORE_free (settings.ca_store);
      if (context == NULL)
        return NULL;
      default_context_offer (self, mode, context);
    }
  return context_cache_offer (self->context_cache, mode, context);
}

QsslContext *
_qssl_configuration_new_dtls_context (const QsslConfiguration  *self,
                                      QsslMode                  mode,
                                      GError                  **error)
{
  QsslContextSettings settings;
  QsslContext *context;

  g_return_val_if_fail (self != NULL, NULL);

  /* No setup callbacks: the engine's are for stream sockets, and QsslDtls
   * installs its own (cookies, verification) on the SSL_CTX it gets. */
  context_settings_fill (self, mode, NULL, &settings);
  context = _qssl_context_new_dtls (&settings, mode, error);
  X509_STORE_free (settings.ca_store);
  return context;
}

/* System CA certificates */

/* The names OpenSSL's hash-directory lookup uses ("5ad8a5d6.0") and the
 * extensions Qt reads; other files in a certificate directory are left
 * alone. */
static gboolean
is_certificate_file_name (const char *name)
{
  const char *dot = strchr (name, '.');

  if (g_str_has_suffix (name, ".pem") || g_str_has_suffix (name, ".crt"))
    return TRUE;
  if (dot == NULL || dot - name != 8 || dot[1] == '\0')
    return FALSE;
  for (const char *p = name; p < dot; p++)
    if (!g_ascii_isxdigit (*p))
      return FALSE;
  for (const char *p = dot + 1; *p != '\0'; p++)
    if (!g_ascii_isdigit (*p))
      return FALSE;
  return TRUE;
}

/* Every certificate of a PEM file, in order (none if it cannot be read). */
static GPtrArray *
read_pem_file (const char *path)
{
  GPtrArray *list = object_list_new ();
  BIO *bio = BIO_new_file (path, "r");
  X509 *x509;

  if (bio == NULL)
    {
      _qssl_clear_openssl_errors ();
      return list;
    }
  while ((x509 = PEM_read_bio_X509_AUX (bio, NULL, NULL, NULL)) != NULL)
    g_ptr_array_add (list, _qssl_certificate_new_take (x509));
  BIO_free (bio);
  /* The loop ends on "no start line". */
  _qssl_clear_openssl_errors ();
  return list;
}

static char *
default_cert_file_path (void)
{
  const char *file = g_getenv (X509_get_default_cert_file_env ());

  return g_strdup (file != NULL ? file : X509_get_default_cert_file ());
}

/* OpenSSL's default CA file (`SSL_CERT_FILE`), read once per process: every
 * store that trusts the system takes these certificates by reference
 * instead of parsing the bundle again (about 25 ms for 144 certificates,
 * against 0.4 ms to add them). */
static GPtrArray *
default_file_certificates (void)
{
  static GPtrArray *certificates = NULL;

  if (g_once_init_enter (&certificates))
    {
      g_autofree char *path = default_cert_file_path ();

      g_once_init_leave (&certificates, read_pem_file (path));
    }
  return certificates;
}

static void
add_system_certificates (GPtrArray  *list,
                         GHashTable *seen_certificates,
                         GPtrArray  *certificates)
{
  for (guint i = 0; i < certificates->len; i++)
    {
      QsslCertificate *certificate = g_ptr_array_index (certificates, i);

      if (g_hash_table_add (seen_certificates, g_object_ref (certificate)))
        g_ptr_array_add (list, g_object_ref (certificate));
    }
}

static int
compare_file_names (gconstpointer a,
                    gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static void
add_system_file (GPtrArray  *list,
                 GHashTable *seen_certificates,
                 GHashTable *seen_files,
                 const char *path)
{
  char *canonical = realpath (path, NULL);
  g_autoptr(GPtrArray) certificates = NULL;

  /* Hash links and *.pem links name the same files: read each once. */
  if (canonical == NULL || g_hash_table_contains (seen_files, canonical))
    {
      free (canonical);
      return;
    }
  g_hash_table_add (seen_files, canonical);
  certificates = read_pem_file (canonical);
  add_system_certificates (list, seen_certificates, certificates);
}

static GPtrArray *
load_system_ca_certificates (void)
{
  GPtrArray *list = object_list_new ();
  g_autoptr(GHashTable) seen_certificates = NULL;
  g_autoptr(GHashTable) seen_files = NULL;
  g_auto(GStrv) directories = NULL;
  g_autofree char *file = default_cert_file_path ();
  char *canonical_file = realpath (file, NULL);
  const char *dirs = g_getenv (X509_get_default_cert_dir_env ());

  seen_certificates = g_hash_table_new_full ((GHashFunc) qssl_certificate_hash,
                                             (GEqualFunc) qssl_certificate_equal,
                                             g_object_unref, NULL);
  seen_files = g_hash_table_new_full (g_str_hash, g_str_equal, free, NULL);

  /* The same places, in the same order, as X509_STORE_set_default_paths(). */
  add_system_certificates (list, seen_certificates, default_file_certificates ());
  if (canonical_file != NULL)
    g_hash_table_add (seen_files, canonical_file);
  directories = g_strsplit (dirs != NULL ? dirs : X509_get_default_cert_dir (),
                            G_SEARCHPATH_SEPARATOR_S, -1);
  for (int i = 0; directories[i] != NULL; i++)
    {
      g_autoptr(GDir) dir = NULL;
      g_autoptr(GPtrArray) names = NULL;
      const char *name;

      if (directories[i][0] == '\0')
        continue;
      dir = g_dir_open (directories[i], 0, NULL);
      if (dir == NULL)
        continue;
      names = g_ptr_array_new_with_free_func (g_free);
      while ((name = g_dir_read_name (dir)) != NULL)
        if (is_certificate_file_name (name))
          g_ptr_array_add (names, g_strdup (name));
      /* Sorted, so that the list does not depend on the file system. */
      g_ptr_array_sort (names, compare_file_names);
      for (guint j = 0; j < names->len; j++)
        {
          g_autofree char *path = g_build_filename (directories[i], g_ptr_array_index (names, j), NULL);

          add_system_file (list, seen_certificates, seen_files, path);
        }
    }
  return list;
}

static GPtrArray *
system_ca_certificates (void)
{
  static GPtrArray *certificates = NULL;

  if (g_once_init_enter (&certificates))
    g_once_init_leave (&certificates, load_system_ca_certificates ());
  return certificates;
}

/**
 * qssl_configuration_get_system_ca_certificates:
 *
 * The CA certificates the system trusts: those of OpenSSL's default
 * certificate file and of every certificate (`*.pem`, `*.crt` and hash
 * links) in its default certificate directories, without duplicates.
 * `SSL_CERT_FILE` and `SSL_CERT_DIR` (a colon-separated list) replace the
 * defaults, as they do for OpenSSL. The files are read once per process, on
 * the first call (or the first handshake that trusts the system); later
 * calls return the same certificates.
 *
 * Sockets do not need this list: OpenSSL looks roots up by subject hash
 * while verifying.
 *
 * Mirrors `QSslConfiguration::systemCaCertificates()`.
 *
 * Returns: (transfer container) (element-type QsslCertificate): the certificates
 *
 * Since: 1.0
 */
GPtrArray *
qssl_configuration_get_system_ca_certificates (void)
{
  return object_list_copy (system_ca_certificates ());
}

X509_STORE *
_qssl_configuration_new_x509_store (const QsslConfiguration *self)
{
  return new_x509_store (self, self->allow_system_ca_certificates);
}

static X509_STORE *
new_x509_store (const QsslConfiguration *self,
                gboolean                 with_system)
{
  X509_STORE *store = X509_STORE_new ();

  g_return_val_if_fail (self != NULL, store);

  for (guint i = 0; i < self->ca_certificates->len; i++)
    {
      X509 *x509 = _qssl_certificate_get_x509 (g_ptr_array_index (self->ca_certificates, i));

      /* As in Qt: an expired CA can only produce confusing errors. */
      if (X509_cmp_current_time (X509_get0_notAfter (x509)) <= 0)
        continue;
      X509_STORE_add_cert (store, x509);
    }
  if (with_system)
    {
      GPtrArray *file_certificates = default_file_certificates ();
      X509_LOOKUP *lookup;

      /* What X509_STORE_set_default_paths() does, without parsing the CA
       * file again: its certificates, then OpenSSL's on-demand lookup by
       * subject hash in the default directories (`SSL_CERT_DIR`). */
      for (guint i = 0; i < file_certificates->len; i++)
        X509_STORE_add_cert (store, _qssl_certificate_get_x509 (g_ptr_array_index (file_certificates, i)));
      lookup = X509_STORE_add_lookup (store, X509_LOOKUP_hash_dir ());
      if (lookup != NULL)
        X509_LOOKUP_add_dir (lookup, NULL, X509_FILETYPE_DEFAULT);
    }
  /* A duplicate CA is no error. */
  _qssl_clear_openssl_errors ();
  return store;
}

/* Verification against the default configuration's CAs: a certificate
 * function, here because the certificate module sits below the
 * configuration and does not reach up to it. */

/**
 * qssl_certificate_verify:
 * @chain: (element-type QsslCertificate): the certificate to check first,
 *   then the untrusted intermediates that lead to a trusted root
 * @host_name: (nullable): check the first certificate against this name too
 *
 * Verifies @chain against the CA certificates of the default configuration
 * (see [func@Qssl.Configuration.get_default]) and, with @host_name, that the
 * first certificate is valid for that name. The default configuration is not
 * changed.
 *
 * Mirrors `QSslCertificate::verify()`.
 *
 * Returns: (transfer container) (element-type QsslError): every problem found, each
 *   with the certificate it concerns; empty when the chain is valid
 *
 * Since: 1.0
 */
GPtrArray *
qssl_certificate_verify (GPtrArray  *chain,
                         const char *host_name)
{
  g_autoptr(QsslConfiguration) configuration = NULL;
  X509_STORE *store;
  GPtrArray *errors;

  g_return_val_if_fail (chain != NULL, _qssl_error_list_new ());

  if (chain->len == 0)
    return _qssl_error_list_new ();
  configuration = qssl_configuration_get_default ();
  store = _qssl_configuration_new_x509_store (configuration);
  errors = _qssl_certificate_verify_with_store (chain, host_name, store);
  X509_STORE_free (store);
  return errors;
}

/* Ciphers and elliptic curves */

/**
 * qssl_configuration_get_supported_ciphers:
 *
 * Every cipher suite the running OpenSSL implements, including those its
 * default security level would refuse: what OpenSSL's cipher string
 * "ALL:COMPLEMENTOFALL" selects, plus every TLS 1.3 suite. TLS 1.3 suites
 * come first.
 *
 * Mirrors `QSslConfiguration::supportedCiphers()`.
 *
 * Returns: (transfer container) (element-type QsslCipher): the ciphers
 *
 * Since: 1.0
 */
GPtrArray *
qssl_configuration_get_supported_ciphers (void)
{
  return object_list_copy (_qssl_cipher_get_supported ());
}

static char **
load_supported_curves (void)
{
  GPtrArray *names = g_ptr_array_new ();
  SSL_CTX *ctx = SSL_CTX_new (TLS_method ());
  g_autofree EC_builtin_curve *curves = NULL;
  g_autoptr(GArray) nids = g_array_new (FALSE, FALSE, sizeof (int));
  size_t n_curves = EC_get_builtin_curves (NULL, 0);
  int extra[] = { NID_X25519, NID_X448 };

  curves = g_new0 (EC_builtin_curve, MAX (n_curves, 1));
  n_curves = EC_get_builtin_curves (curves, n_curves);
  for (size_t i = 0; i < n_curves; i++)
    g_array_append_val (nids, curves[i].nid);
  g_array_append_vals (nids, extra, G_N_ELEMENTS (extra));

  /* OpenSSL 3.0 cannot list its TLS groups; keep the curves it accepts as
   * one, by the short names Qt's QSslEllipticCurve::shortName() gives. */
  for (guint i = 0; ctx != NULL && i < nids->len; i++)
    {
      const char *name = OBJ_nid2sn (g_array_index (nids, int, i));

      if (name != NULL && SSL_CTX_set1_groups_list (ctx, name) == 1)
        g_ptr_array_add (names, g_strdup (name));
    }
  SSL_CTX_free (ctx);
  _qssl_clear_openssl_errors ();
  g_ptr_array_add (names, NULL);
  return (char **) g_ptr_array_free (names, FALSE);
}

/**
 * qssl_configuration_get_supported_elliptic_curves:
 *
 * The elliptic curves the running OpenSSL can use for a TLS key exchange,
 * by their OpenSSL short names ("prime256v1", "secp384r1", "X25519", ...),
 * each of which [method@Qssl.Configuration.set_elliptic_curves] accepts.
 *
 * Mirrors `QSslConfiguration::supportedEllipticCurves()`.
 *
 * Returns: (transfer full) (array zero-terminated=1): the curve names
 *
 * Since: 1.0
 */
char **
qssl_configuration_get_supported_elliptic_curves (void)
{
  static char **curves = NULL;

  if (g_once_init_enter (&curves))
    g_once_init_leave (&curves, load_supported_curves ());
  return g_strdupv (curves);
}

/**
 * qssl_configuration_get_ciphers:
 * @self: a #QsslConfiguration
 *
 * The cipher suites a socket may negotiate, most preferred first. Until
 * [method@Qssl.Configuration.set_ciphers] or
 * [method@Qssl.Configuration.set_ciphers_from_string] is called, this is
 * libqssl's secure default: OpenSSL's TLS 1.3 suites, and for TLS 1.2 only
 * suites with forward secrecy and authenticated encryption (ECDHE with
 * AES-GCM or ChaCha20-Poly1305; PSK ones for PSK handlers).
 *
 * Mirrors `QSslConfiguration::ciphers()`.
 *
 * Returns: (transfer container) (element-type QsslCipher): the ciphers
 *
 * Since: 1.0
 */
GPtrArray *
qssl_configuration_get_ciphers (const QsslConfiguration *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return object_list_copy (self->ciphers != NULL ? self->ciphers : _qssl_cipher_get_default ());
}

/**
 * qssl_configuration_set_ciphers:
 * @self: a #QsslConfiguration
 * @ciphers: (nullable) (element-type QsslCipher): the ciphers to allow, most
 *   preferred first; %NULL restores the default list
 *
 * Restricts the cipher suites, TLS 1.3 and earlier alike. An empty list
 * allows none, so every handshake fails.
 *
 * Mirrors `QSslConfiguration::setCiphers(const QList<QSslCipher> &)`.
 *
 * Since: 1.0
 */
void
qssl_configuration_set_ciphers (QsslConfiguration *self,
                                GPtrArray         *ciphers)
{
  g_return_if_fail (self != NULL);

  g_clear_pointer (&self->ciphers, g_ptr_array_unref);
  self->ciphers = object_list_copy (ciphers);
  _qssl_configuration_invalidate (self);
}

static gboolean
is_tls13_cipher (const SSL_CIPHER *cipher)
{
  return g_str_equal (SSL_CIPHER_get_version (cipher), "TLSv1.3");
}

/**
 * qssl_configuration_set_ciphers_from_string:
 * @self: a #QsslConfiguration
 * @ciphers: an OpenSSL cipher string, elements separated by ':'
 *   ("TLS_AES_128_GCM_SHA256:ECDHE-ECDSA-AES128-GCM-SHA256",
 *   "TLS_CHACHA20_POLY1305_SHA256:HIGH:!aNULL")
 * @error: return location for a #GError
 *
 * Restricts the cipher suites with an OpenSSL cipher string. Elements that
 * start with "TLS_" name TLS 1.3 suites (`SSL_CTX_set_ciphersuites()`); the
 * others form a TLS 1.2 cipher list (`SSL_CTX_set_cipher_list()`, so
 * aliases such as "HIGH" and "!aNULL" work). A string without elements of
 * one kind allows no suite of that kind.
 *
 * The string is checked with OpenSSL at once, and what it selects is stored
 * as an explicit list ([method@Qssl.Configuration.get_ciphers] shows it).
 * When OpenSSL refuses a part, or a part selects no cipher at all, this
 * fails with %QSSL_SOCKET_ERROR_SSL_INVALID_USER_DATA and leaves @self
 * unchanged.
 *
 * Mirrors `QSslConfiguration::setCiphers(const QString &)`.
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
qssl_configuration_set_ciphers_from_string (QsslConfiguration  *self,
                                            const char         *ciphers,
                                            GError            **error)
{
  g_autoptr(GString) tls13 = g_string_new (NULL);
  g_autoptr(GString) tls12 = g_string_new (NULL);
  g_auto(GStrv) elements = NULL;
  g_autoptr(GPtrArray) selected = NULL;
  STACK_OF (SSL_CIPHER) *stack;
  gboolean ok = TRUE;
  guint n_tls13 = 0, n_tls12 = 0;
  SSL_CTX *ctx;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (ciphers != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  _qssl_init ();

  elements = g_strsplit (ciphers, ":", -1);
  for (int i = 0; elements[i] != NULL; i++)
    {
      const char *element = g_strstrip (elements[i]);
      GString *target = g_str_has_prefix (element, "TLS_") ? tls13 : tls12;

      if (element[0] == '\0')
        continue;
      if (target->len > 0)
        g_string_append_c (target, ':');
      g_string_append (target, element);
    }

  ctx = SSL_CTX_new (TLS_method ());
  if (ctx == NULL)
    {
      _qssl_set_error_from_openssl (error, QSSL_SOCKET_ERROR, QSSL_SOCKET_ERROR_SSL_INTERNAL,
                                    _("Could not create the TLS context"));
      return FALSE;
    }
  /* The list is checked, not used: no security level may hide a suite the
   * user named on purpose. */
  SSL_CTX_set_security_level (ctx, 0);
  ok = SSL_CTX_set_ciphersuites (ctx, tls13->str) == 1;
  if (ok && tls12->len > 0)
    ok = SSL_CTX_set_cipher_list (ctx, tls12->str) == 1;

  stack = ok ? SSL_CTX_get_ciphers (ctx) : NULL;
  selected = object_list_new ();
  for (int i = 0; stack != NULL && i < sk_SSL_CIPHER_num (stack); i++)
    {
      const SSL_CIPHER *cipher = sk_SSL_CIPHER_value (stack, i);
      gboolean tls13_cipher = is_tls13_cipher (cipher);

      /* Without TLS 1.2 elements, OpenSSL's default TLS 1.2 list stays in
       * the context: the string asked for none of it. */
      if (!tls13_cipher && tls12->len == 0)
        continue;
      if (tls13_cipher)
        n_tls13++;
      else
        n_tls12++;
      g_ptr_array_add (selected, _qssl_cipher_new_from_ssl_cipher (cipher));
    }
  SSL_CTX_free (ctx);

  if (!ok || selected->len == 0 || (tls13->len > 0 && n_tls13 == 0) || (tls12->len > 0 && n_tls12 == 0))
    {
      g_autofree char *details = _qssl_take_openssl_errors ();

      if (details != NULL)
        g_set_error (error, QSSL_SOCKET_ERROR, QSSL_SOCKET_ERROR_SSL_INVALID_USER_DATA,
                     _("Invalid or empty cipher list (%s): %s"), ciphers, details);
      else
        g_set_error (error, QSSL_SOCKET_ERROR, QSSL_SOCKET_ERROR_SSL_INVALID_USER_DATA,
                     _("Invalid or empty cipher list (%s)"), ciphers);
      return FALSE;
    }
  _qssl_clear_openssl_errors ();

  g_clear_pointer (&self->ciphers, g_ptr_array_unref);
  self->ciphers = g_steal_pointer (&selected);
  _qssl_configuration_invalidate (self);
  return TRUE;
}

/**
 * qssl_configuration_get_elliptic_curves:
 * @self: a #QsslConfiguration
 *
 * The elliptic curves (TLS groups) a socket may use for the key exchange,
 * most preferred first. Empty means OpenSSL's default choice.
 *
 * Mirrors `QSslConfiguration::ellipticCurves()`.
 *
 * Returns: (transfer full) (array zero-terminated=1): the curve names,
 *   possibly empty
 *
 * Since: 1.0
 */
char **
qssl_configuration_get_elliptic_curves (const QsslConfiguration *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->elliptic_curves ? g_strdupv (self->elliptic_curves) : g_new0 (char *, 1);
}

/**
 * qssl_configuration_set_elliptic_curves:
 * @self: a #QsslConfiguration
 * @curves: (nullable) (array zero-terminated=1): curve or group names as
 *   OpenSSL knows them ("X25519", "prime256v1", "P-384", ...), most
 *   preferred first; %NULL or empty for OpenSSL's default choice
 *
 * Restricts the elliptic curves used for the key exchange. The names are
 * checked when a socket uses the configuration: an unknown one makes the
 * handshake fail with %QSSL_SOCKET_ERROR_SSL_INVALID_USER_DATA.
 *
 * Mirrors `QSslConfiguration::setEllipticCurves()`.
 *
 * Since: 1.0
 */
void
qssl_configuration_set_elliptic_curves (QsslConfiguration  *self,
                                        const char * const *curves)
{
  g_return_if_fail (self != NULL);

  g_clear_pointer (&self->elliptic_curves, g_strfreev);
  self->elliptic_curves = strv_copy_or_null (curves);
  _qssl_configuration_invalidate (self);
}

/* Protocol and verification */

/**
 * qssl_configuration_get_protocol:
 * @self: a #QsslConfiguration
 *
 * The protocol versions a socket may negotiate; the default is
 * %QSSL_PROTOCOL_SECURE_PROTOCOLS (TLS 1.2 or later).
 *
 * Mirrors `QSslConfiguration::protocol()`.
 *
 * Returns: the protocol
 *
 * Since: 1.0
 */
QsslProtocol
qssl_configuration_get_protocol (const QsslConfiguration *self)
{
  g_return_val_if_fail (self != NULL, QSSL_PROTOCOL_UNKNOWN_PROTOCOL);

  return self->protocol;
}

/**
 * qssl_configuration_set_protocol:
 * @self: a #QsslConfiguration
 * @protocol: the protocol versions to allow
 *
 * Sets the protocol versions a socket may negotiate. DTLS values and
 * %QSSL_PROTOCOL_UNKNOWN_PROTOCOL are stored, but a socket using them fails
 * with %QSSL_SOCKET_ERROR_SSL_INVALID_USER_DATA, as in Qt.
 *
 * Mirrors `QSslConfiguration::setProtocol()`.
 *
 * Since: 1.0
 */
void
qssl_configuration_set_protocol (QsslConfiguration *self,
                                 QsslProtocol       protocol)
{
  g_return_if_fail (self != NULL);

  self->protocol = protocol;
  _qssl_configuration_invalidate (self);
}

/**
 * qssl_configuration_get_peer_verify_mode:
 * @self: a #QsslConfiguration
 *
 * How the peer's certificate is checked; the default is
 * %QSSL_PEER_VERIFY_MODE_AUTO_VERIFY_PEER (verify servers, only query
 * clients).
 *
 * Mirrors `QSslConfiguration::peerVerifyMode()`.
 *
 * Returns: the verify mode
 *
 * Since: 1.0
 */
QsslPeerVerifyMode
qssl_configuration_get_peer_verify_mode (const QsslConfiguration *self)
{
  g_return_val_if_fail (self != NULL, QSSL_PEER_VERIFY_MODE_AUTO_VERIFY_PEER);

  return self->peer_verify_mode;
}

/**
 * qssl_configuration_set_peer_verify_mode:
 * @self: a #QsslConfiguration
 * @mode: how to check the peer's certificate
 *
 * Sets how the peer's certificate is checked.
 *
 * Mirrors `QSslConfiguration::setPeerVerifyMode()`.
 *
 * Since: 1.0
 */
void
qssl_configuration_set_peer_verify_mode (QsslConfiguration  *self,
                                         QsslPeerVerifyMode  mode)
{
  g_return_if_fail (self != NULL);

  self->peer_verify_mode = mode;
  _qssl_configuration_invalidate (self);
}

/**
 * qssl_configuration_get_peer_verify_depth:
 * @self: a #QsslConfiguration
 *
 * How many certificates of the peer's chain are checked, starting with the
 * peer's own; 0 (the default) means the whole chain.
 *
 * Mirrors `QSslConfiguration::peerVerifyDepth()`.
 *
 * Returns: the depth
 *
 * Since: 1.0
 */
int
qssl_configuration_get_peer_verify_depth (const QsslConfiguration *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->peer_verify_depth;
}

/**
 * qssl_configuration_set_peer_verify_depth:
 * @self: a #QsslConfiguration
 * @depth: the maximum number of certificates to check, 0 for no limit
 *
 * Limits how many certificates of the peer's chain are checked. A negative
 * depth is refused with a warning and changes nothing, as in Qt.
 *
 * Mirrors `QSslConfiguration::setPeerVerifyDepth()`.
 *
 * Since: 1.0
 */
void
qssl_configuration_set_peer_verify_depth (QsslConfiguration *self,
                                          int                depth)
{
  g_return_if_fail (self != NULL);

  if (depth < 0)
    {
      g_warning ("qssl_configuration_set_peer_verify_depth: cannot set negative depth of %d", depth);
      return;
    }
  self->peer_verify_depth = depth;
  _qssl_configuration_invalidate (self);
}

/* Local certificate and key */

/**
 * qssl_configuration_get_local_certificate:
 * @self: a #QsslConfiguration
 *
 * The certificate a socket presents to its peer: the first certificate of
 * the local chain.
 *
 * Mirrors `QSslConfiguration::localCertificate()`.
 *
 * Returns: (transfer none) (nullable): the certificate, or %NULL if none
 *
 * Since: 1.0
 */
QsslCertificate *
qssl_configuration_get_local_certificate (const QsslConfiguration *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  if (self->local_certificate_chain->len == 0)
    return NULL;
  return g_ptr_array_index (self->local_certificate_chain, 0);
}

/**
 * qssl_configuration_set_local_certificate:
 * @self: a #QsslConfiguration
 * @certificate: (nullable): the certificate to present, or %NULL for none
 *
 * Sets the certificate a socket presents to its peer. It replaces the first
 * certificate of the local chain and keeps the intermediates after it; on
 * an empty chain it makes a chain of one.
 *
 * Mirrors `QSslConfiguration::setLocalCertificate()`.
 *
 * Since: 1.0
 */
void
qssl_configuration_set_local_certificate (QsslConfiguration *self,
                                          QsslCertificate   *certificate)
{
  GPtrArray *chain;

  g_return_if_fail (self != NULL);
  g_return_if_fail (certificate == NULL || QSSL_IS_CERTIFICATE (certificate));

  chain = self->local_certificate_chain;
  if (certificate == NULL)
    g_ptr_array_set_size (chain, 0);
  else if (chain->len == 0)
    g_ptr_array_add (chain, g_object_ref (certificate));
  else
    {
      g_object_unref (g_ptr_array_index (chain, 0));
      chain->pdata[0] = g_object_ref (certificate);
    }
  _qssl_configuration_invalidate (self);
}

/**
 * qssl_configuration_get_local_certificate_chain:
 * @self: a #QsslConfiguration
 *
 * The certificates a socket presents: its own first, then the
 * intermediates.
 *
 * Mirrors `QSslConfiguration::localCertificateChain()`.
 *
 * Returns: (transfer container) (element-type QsslCertificate): the chain,
 *   possibly empty
 *
 * Since: 1.0
 */
GPtrArray *
qssl_configuration_get_local_certificate_chain (const QsslConfiguration *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return object_list_copy (self->local_certificate_chain);
}

/**
 * qssl_configuration_set_local_certificate_chain:
 * @self: a #QsslConfiguration
 * @chain: (nullable) (element-type QsslCertificate): the local certificate
 *   followed by its intermediates; %NULL or empty for none
 *
 * Sets the certificates a socket presents.
 *
 * Mirrors `QSslConfiguration::setLocalCertificateChain()`.
 *
 * Since: 1.0
 */
void
qssl_configuration_set_local_certificate_chain (QsslConfiguration *self,
                                                GPtrArray         *chain)
{
  g_return_if_fail (self != NULL);

  g_ptr_array_set_size (self->local_certificate_chain, 0);
  object_list_append (self->local_certificate_chain, chain);
  _qssl_configuration_invalidate (self);
}

/**
 * qssl_configuration_get_private_key:
 * @self: a #QsslConfiguration
 *
 * The private key of the local certificate.
 *
 * Mirrors `QSslConfiguration::privateKey()`.
 *
 * Returns: (transfer none) (nullable): the key, or %NULL if none
 *
 * Since: 1.0
 */
QsslKey *
qssl_configuration_get_private_key (const QsslConfiguration *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->private_key;
}

/**
 * qssl_configuration_set_private_key:
 * @self: a #QsslConfiguration
 * @key: (nullable): the private key of the local certificate, or %NULL
 *
 * Sets the private key that goes with the local certificate. Servers need
 * both; clients only when the server asks for a certificate.
 *
 * Mirrors `QSslConfiguration::setPrivateKey()`.
 *
 * Since: 1.0
 */
void
qssl_configuration_set_private_key (QsslConfiguration *self,
                                    QsslKey           *key)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (key == NULL || QSSL_IS_KEY (key));

  g_set_object (&self->private_key, key);
  _qssl_configuration_invalidate (self);
}

/* CA certificates */

/**
 * qssl_configuration_get_ca_certificates:
 * @self: a #QsslConfiguration
 *
 * The CA certificates a socket trusts: those set or added explicitly,
 * followed, while the configuration trusts the system's CA certificates
 * (as the default configuration does), by
 * [func@Qssl.Configuration.get_system_ca_certificates]. The system list is
 * read once per process, on the first call that needs it.
 *
 * Mirrors `QSslConfiguration::caCertificates()`.
 *
 * Returns: (transfer container) (element-type QsslCertificate): the certificates
 *
 * Since: 1.0
 */
GPtrArray *
qssl_configuration_get_ca_certificates (const QsslConfiguration *self)
{
  GPtrArray *list;

  g_return_val_if_fail (self != NULL, NULL);

  list = object_list_copy (self->ca_certificates);
  if (self->allow_system_ca_certificates)
    object_list_append (list, system_ca_certificates ());
  return list;
}

/**
 * qssl_configuration_set_ca_certificates:
 * @self: a #QsslConfiguration
 * @certificates: (nullable) (element-type QsslCertificate): the CA
 *   certificates to trust; %NULL or empty for none
 *
 * Makes @certificates the only CA certificates a socket trusts: the
 * system's CA certificates are no longer trusted (Qt turns its on-demand
 * loading of system roots off the same way). Expired certificates are kept
 * in the list but never used.
 *
 * Mirrors `QSslConfiguration::setCaCertificates()`.
 *
 * Since: 1.0
 */
void
qssl_configuration_set_ca_certificates (QsslConfiguration *self,
                                        GPtrArray         *certificates)
{
  g_return_if_fail (self != NULL);

  g_ptr_array_set_size (self->ca_certificates, 0);
  object_list_append (self->ca_certificates, certificates);
  self->allow_system_ca_certificates = FALSE;
  _qssl_configuration_invalidate (self);
}

/**
 * qssl_configuration_add_ca_certificate:
 * @self: a #QsslConfiguration
 * @certificate: a CA certificate to trust
 *
 * Adds a CA certificate to trust, next to those already trusted (including
 * the system's, if they are).
 *
 * Mirrors `QSslConfiguration::addCaCertificate()`.
 *
 * Since: 1.0
 */
void
qssl_configuration_add_ca_certificate (QsslConfiguration *self,
                                       QsslCertificate   *certificate)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (QSSL_IS_CERTIFICATE (certificate));

  g_ptr_array_add (self->ca_certificates, g_object_ref (certificate));
  _qssl_configuration_invalidate (self);
}

/**
 * qssl_configuration_add_ca_certificates:
 * @self: a #QsslConfiguration
 * @certificates: (element-type QsslCertificate): CA certificates to trust
 *
 * Adds CA certificates to trust, next to those already trusted (including
 * the system's, if they are).
 *
 * Mirrors `QSslConfiguration::addCaCertificates(const QList<QSslCertificate> &)`.
 *
 * Since: 1.0
 */
void
qssl_configuration_add_ca_certificates (QsslConfiguration *self,
                                        GPtrArray         *certificates)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (certificates != NULL);

  if (certificates->len == 0)
    return;
  object_list_append (self->ca_certificates, certificates);
  _qssl_configuration_invalidate (self);
}

/**
 * qssl_configuration_add_ca_certificates_from_path:
 * @self: a #QsslConfiguration
 * @path: a file name, or a pattern as @syntax says
 * @format: the encoding of the files
 * @syntax: how to read @path (see [func@Qssl.Certificate.list_from_path])
 * @error: return location for a #GError
 *
 * Adds the certificates of the files @path names to the trusted CA
 * certificates.
 *
 * Mirrors `QSslConfiguration::addCaCertificates(const QString &path,
 * QSsl::EncodingFormat format, QSslCertificate::PatternSyntax syntax)`.
 *
 * Returns: %TRUE if at least one certificate was added; %FALSE without
 *   setting @error when the files hold none (or do not exist), as Qt's
 *   `bool`; %FALSE with @error set when @path is an invalid pattern
 *
 * Since: 1.0
 */
gboolean
qssl_configuration_add_ca_certificates_from_path (QsslConfiguration   *self,
                                                  const char          *path,
                                                  QsslEncodingFormat   format,
                                                  QsslPatternSyntax    syntax,
                                                  GError             **error)
{
  g_autoptr(GPtrArray) found = NULL;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  found = qssl_certificate_list_from_path (path, format, syntax, error);
  if (found == NULL || found->len == 0)
    return FALSE;
  qssl_configuration_add_ca_certificates (self, found);
  return TRUE;
}

/* Options */

/**
 * qssl_configuration_test_ssl_option:
 * @self: a #QsslConfiguration
 * @option: one option (or several, which must then all be on)
 *
 * Whether @option is on. By default, as in Qt,
 * %QSSL_SSL_OPTIONS_DISABLE_EMPTY_FRAGMENTS,
 * %QSSL_SSL_OPTIONS_DISABLE_LEGACY_RENEGOTIATION,
 * %QSSL_SSL_OPTIONS_DISABLE_COMPRESSION and
 * %QSSL_SSL_OPTIONS_DISABLE_SESSION_PERSISTENCE are on.
 *
 * Mirrors `QSslConfiguration::testSslOption()`.
 *
 * Returns: %TRUE if every bit of @option is set
 *
 * Since: 1.0
 */
gboolean
qssl_configuration_test_ssl_option (const QsslConfiguration *self,
                                    QsslSslOptions           option)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return option != 0 && (self->ssl_options & option) == option;
}

/**
 * qssl_configuration_set_ssl_option:
 * @self: a #QsslConfiguration
 * @option: one option (or several)
 * @on: whether to turn @option on or off
 *
 * Turns options on or off.
 *
 * Mirrors `QSslConfiguration::setSslOption()`.
 *
 * Since: 1.0
 */
void
qssl_configuration_set_ssl_option (QsslConfiguration *self,
                                   QsslSslOptions     option,
                                   gboolean           on)
{
  QsslSslOptions options;

  g_return_if_fail (self != NULL);

  options = on ? (self->ssl_options | option) : (self->ssl_options & ~option);
  if (options == self->ssl_options)
    return;
  self->ssl_options = options;
  _qssl_configuration_invalidate (self);
}

/**
 * qssl_configuration_get_ssl_options:
 * @self: a #QsslConfiguration
 *
 * Every option that is on. libqssl addition: Qt only tests them one by one.
 *
 * Returns: the options
 *
 * Since: 1.0
 */
QsslSslOptions
qssl_configuration_get_ssl_options (const QsslConfiguration *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->ssl_options;
}

/* Session ticket */

/**
 * qssl_configuration_get_session_ticket:
 * @self: a #QsslConfiguration
 *
 * The TLS session to resume: set by a socket when the server sends a
 * session ticket (unless %QSSL_SSL_OPTIONS_DISABLE_SESSION_PERSISTENCE is
 * on), or by the application from an earlier connection.
 *
 * Mirrors `QSslConfiguration::sessionTicket()`.
 *
 * Returns: (transfer full) (nullable): the session (an ASN.1 encoded
 *   `SSL_SESSION`), or %NULL if none
 *
 * Since: 1.0
 */
GBytes *
qssl_configuration_get_session_ticket (const QsslConfiguration *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->session_ticket ? g_bytes_ref (self->session_ticket) : NULL;
}

/**
 * qssl_configuration_set_session_ticket:
 * @self: a #QsslConfiguration
 * @ticket: (nullable): a session from
 *   [method@Qssl.Configuration.get_session_ticket], or %NULL or empty for
 *   none
 *
 * Sets the TLS session a client socket offers to resume.
 *
 * Mirrors `QSslConfiguration::setSessionTicket()`.
 *
 * Since: 1.0
 */
void
qssl_configuration_set_session_ticket (QsslConfiguration *self,
                                       GBytes            *ticket)
{
  g_return_if_fail (self != NULL);

  /* Per connection, so the cached contexts stay valid. */
  g_clear_pointer (&self->session_ticket, g_bytes_unref);
  self->session_ticket = bytes_ref_or_null (ticket);
}

/**
 * qssl_configuration_set_session_ticket_keys:
 * @self: a #QsslConfiguration
 * @keys: (nullable): one or more session-ticket keys in the format of
 *   nginx's `ssl_session_ticket_key` files, concatenated, or %NULL for the
 *   server's own rotating key
 * @error: return location for a #GError
 *
 * Sets the keys a server encrypts and decrypts its session tickets with,
 * so that servers sharing them (worker processes, the nodes behind a load
 * balancer) resume each other's sessions.
 *
 * Each key is 80 bytes (a 16-byte name, a 32-byte HMAC-SHA256 secret and a
 * 32-byte AES-256-CBC key, in this order) or 48 bytes (a 16-byte name, a
 * 16-byte AES-128-CBC key and a 16-byte HMAC-SHA256 secret, in this order),
 * exactly as nginx reads them; all keys are of one size. A length that is a
 * multiple of both (240, 480, ...) is read as 80-byte keys. Keys of
 * `openssl rand 80` are fine.
 *
 * The first key encrypts new tickets; every key decrypts. A client whose
 * ticket was decrypted with another key than the first gets a new ticket
 * under the first, so the keys can be rotated by putting a new key first
 * and dropping the last one later. A ticket under a key that is not in the
 * list (or that fails its integrity check) is not an error: that client
 * gets a full handshake and a new ticket.
 *
 * With %NULL (the default) each server configuration encrypts with a
 * random key of its own that it replaces every 12 hours; tickets made
 * under the previous key still resume for another 12 hours. Sessions
 * themselves expire earlier (OpenSSL's two hours), so rotation never cuts
 * one short.
 *
 * The resumption policy does not change with shared keys: a ticket only
 * resumes where its peer would be accepted again (see
 * [method@Qssl.Configuration.set_peer_verify_mode]). The keys are a secret:
 * libqssl copies them into memory that it wipes when freed, never logs
 * them and has no getter for them; [method@Qssl.Configuration.equal]
 * compares them. Only servers use them, and a server with virtual hosts
 * uses those of its own configuration for every host (see
 * [method@Qssl.Server.set_host_configuration]).
 *
 * libqssl only.
 *
 * Returns: %TRUE when the keys were taken; %FALSE with
 *   %QSSL_SOCKET_ERROR_SSL_INVALID_USER_DATA when @keys is empty or its
 *   length is not a multiple of 48 or 80 bytes (the configuration is then
 *   unchanged)
 *
 * Since: 1.0
 */
gboolean
qssl_configuration_set_session_ticket_keys (QsslConfiguration  *self,
                                            GBytes             *keys,
                                            GError            **error)
{
  gsize length = 0;
  const void *data = NULL;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (keys != NULL)
    {
      data = g_bytes_get_data (keys, &length);
      if (length == 0 || (length % 80 != 0 && length % 48 != 0))
        {
          g_set_error (error, QSSL_SOCKET_ERROR, QSSL_SOCKET_ERROR_SSL_INVALID_USER_DATA,
                       _("Session ticket keys must be one or more keys of 48 or 80 bytes each, not %lu bytes"),
                       (unsigned long) length);
          return FALSE;
        }
    }
  g_clear_pointer (&self->session_ticket_keys, g_bytes_unref);
  if (keys != NULL)
    self->session_ticket_keys = _qssl_secret_bytes_new (data, length);
  _qssl_configuration_invalidate (self);
  return TRUE;
}

/**
 * qssl_configuration_get_session_ticket_lifetime_hint:
 * @self: a #QsslConfiguration
 *
 * How long, in seconds, the server said its session ticket stays valid;
 * -1 when no ticket was received.
 *
 * Mirrors `QSslConfiguration::sessionTicketLifeTimeHint()`.
 *
 * Returns: the lifetime hint in seconds, or -1
 *
 * Since: 1.0
 */
int
qssl_configuration_get_session_ticket_lifetime_hint (const QsslConfiguration *self)
{
  g_return_val_if_fail (self != NULL, -1);

  return self->session_ticket_lifetime_hint;
}

/* ALPN */

/**
 * qssl_configuration_get_allowed_next_protocols:
 * @self: a #QsslConfiguration
 *
 * The application protocols offered (client) or accepted (server) through
 * ALPN, most preferred first.
 *
 * Mirrors `QSslConfiguration::allowedNextProtocols()`.
 *
 * Returns: (transfer full) (array zero-terminated=1): the protocols,
 *   possibly empty
 *
 * Since: 1.0
 */
char **
qssl_configuration_get_allowed_next_protocols (const QsslConfiguration *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->allowed_next_protocols ? g_strdupv (self->allowed_next_protocols) : g_new0 (char *, 1);
}

/**
 * qssl_configuration_set_allowed_next_protocols:
 * @self: a #QsslConfiguration
 * @protocols: (nullable) (array zero-terminated=1): ALPN protocol names
 *   such as %QSSL_ALPN_HTTP2 and %QSSL_ALPN_HTTP_1_1, most preferred first;
 *   %NULL or empty for no ALPN
 *
 * Sets the application protocols to negotiate through ALPN.
 *
 * Mirrors `QSslConfiguration::setAllowedNextProtocols()`.
 *
 * Since: 1.0
 */
void
qssl_configuration_set_allowed_next_protocols (QsslConfiguration  *self,
                                               const char * const *protocols)
{
  g_return_if_fail (self != NULL);

  g_clear_pointer (&self->allowed_next_protocols, g_strfreev);
  self->allowed_next_protocols = strv_copy_or_null (protocols);
  _qssl_configuration_invalidate (self);
}

/**
 * qssl_configuration_get_next_negotiated_protocol:
 * @self: a #QsslConfiguration
 *
 * The application protocol ALPN settled on in the last handshake.
 *
 * Mirrors `QSslConfiguration::nextNegotiatedProtocol()`.
 *
 * Returns: (transfer none) (nullable): the protocol, or %NULL if none
 *
 * Since: 1.0
 */
const char *
qssl_configuration_get_next_negotiated_protocol (const QsslConfiguration *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->next_negotiated_protocol;
}

/**
 * qssl_configuration_get_next_protocol_negotiation_status:
 * @self: a #QsslConfiguration
 *
 * How ALPN went in the last handshake.
 *
 * Mirrors `QSslConfiguration::nextProtocolNegotiationStatus()`.
 *
 * Returns: the status; %QSSL_NEXT_PROTOCOL_NEGOTIATION_STATUS_NONE before a
 *   handshake
 *
 * Since: 1.0
 */
QsslNextProtocolNegotiationStatus
qssl_configuration_get_next_protocol_negotiation_status (const QsslConfiguration *self)
{
  g_return_val_if_fail (self != NULL, QSSL_NEXT_PROTOCOL_NEGOTIATION_STATUS_NONE);

  return self->next_protocol_negotiation_status;
}

/* Flags */

/**
 * qssl_configuration_get_ocsp_stapling_enabled:
 * @self: a #QsslConfiguration
 *
 * Whether a client socket asks the server for a stapled OCSP response and
 * checks it; off by default.
 *
 * Mirrors `QSslConfiguration::ocspStaplingEnabled()`.
 *
 * Returns: %TRUE if OCSP stapling is on
 *
 * Since: 1.0
 */
gboolean
qssl_configuration_get_ocsp_stapling_enabled (const QsslConfiguration *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return self->ocsp_stapling_enabled;
}

/**
 * qssl_configuration_set_ocsp_stapling_enabled:
 * @self: a #QsslConfiguration
 * @enabled: whether to ask for and check a stapled OCSP response
 *
 * Turns OCSP stapling on or off (client sockets only).
 *
 * Mirrors `QSslConfiguration::setOcspStaplingEnabled()`.
 *
 * Since: 1.0
 */
void
qssl_configuration_set_ocsp_stapling_enabled (QsslConfiguration *self,
                                              gboolean           enabled)
{
  g_return_if_fail (self != NULL);

  self->ocsp_stapling_enabled = !!enabled;
  _qssl_configuration_invalidate (self);
}

/**
 * qssl_configuration_get_ocsp_response:
 * @self: a #QsslConfiguration
 *
 * The OCSP response a server socket staples to its certificate when a
 * client asks for one.
 *
 * libqssl addition: Qt sets it through a private backend option
 * ("Qt-OCSP-response").
 *
 * Returns: (transfer full) (nullable): the DER encoded OCSP response, or
 *   %NULL if none
 *
 * Since: 1.0
 */
GBytes *
qssl_configuration_get_ocsp_response (const QsslConfiguration *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->ocsp_response ? g_bytes_ref (self->ocsp_response) : NULL;
}

/**
 * qssl_configuration_set_ocsp_response:
 * @self: a #QsslConfiguration
 * @response: (nullable): a DER encoded OCSP response (as `openssl ocsp
 *   -respout` writes), or %NULL or empty for none
 *
 * Sets the OCSP response a server socket staples to its certificate for
 * clients that ask for one (OCSP stapling, RFC 6066 status_request). The
 * server sends it as it is: producing a fresh one before it expires is the
 * application's job.
 *
 * libqssl addition: Qt sets it through a private backend option.
 *
 * Since: 1.0
 */
void
qssl_configuration_set_ocsp_response (QsslConfiguration *self,
                                      GBytes            *response)
{
  g_return_if_fail (self != NULL);

  /* Read per connection, so the cached contexts stay valid. */
  g_clear_pointer (&self->ocsp_response, g_bytes_unref);
  self->ocsp_response = bytes_ref_or_null (response);
}

/**
 * qssl_configuration_get_pre_shared_key_identity_hint:
 * @self: a #QsslConfiguration
 *
 * The identity hint a server sends to PSK clients.
 *
 * Mirrors `QSslConfiguration::preSharedKeyIdentityHint()`.
 *
 * Returns: (transfer full) (nullable): the hint, or %NULL if none
 *
 * Since: 1.0
 */
GBytes *
qssl_configuration_get_pre_shared_key_identity_hint (const QsslConfiguration *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->pre_shared_key_identity_hint ? g_bytes_ref (self->pre_shared_key_identity_hint) : NULL;
}

/**
 * qssl_configuration_set_pre_shared_key_identity_hint:
 * @self: a #QsslConfiguration
 * @hint: (nullable): the hint, or %NULL or empty for none
 *
 * Sets the identity hint a server sends to PSK clients.
 *
 * Mirrors `QSslConfiguration::setPreSharedKeyIdentityHint()`.
 *
 * Since: 1.0
 */
void
qssl_configuration_set_pre_shared_key_identity_hint (QsslConfiguration *self,
                                                     GBytes            *hint)
{
  g_return_if_fail (self != NULL);

  g_clear_pointer (&self->pre_shared_key_identity_hint, g_bytes_unref);
  self->pre_shared_key_identity_hint = bytes_ref_or_null (hint);
  _qssl_configuration_invalidate (self);
}

/**
 * qssl_configuration_get_missing_certificate_is_fatal:
 * @self: a #QsslConfiguration
 *
 * Whether a server that verifies its clients fails the handshake when a
 * client sends no certificate; off by default.
 *
 * Mirrors `QSslConfiguration::missingCertificateIsFatal()`.
 *
 * Returns: %TRUE if a missing client certificate is fatal
 *
 * Since: 1.0
 */
gboolean
qssl_configuration_get_missing_certificate_is_fatal (const QsslConfiguration *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return self->missing_certificate_is_fatal;
}

/**
 * qssl_configuration_set_missing_certificate_is_fatal:
 * @self: a #QsslConfiguration
 * @cannot_recover: whether a missing client certificate fails the handshake
 *
 * Makes a server with %QSSL_PEER_VERIFY_MODE_VERIFY_PEER end the handshake
 * with an alert when the client sends no certificate.
 *
 * Mirrors `QSslConfiguration::setMissingCertificateIsFatal()`.
 *
 * Since: 1.0
 */
void
qssl_configuration_set_missing_certificate_is_fatal (QsslConfiguration *self,
                                                     gboolean           cannot_recover)
{
  g_return_if_fail (self != NULL);

  self->missing_certificate_is_fatal = !!cannot_recover;
  _qssl_configuration_invalidate (self);
}

/**
 * qssl_configuration_get_session_cache_size:
 * @self: a #QsslConfiguration
 *
 * How many sessions a server keeps for resumption by session ID; see
 * [method@Qssl.Configuration.set_session_cache_size]. The default is
 * OpenSSL's, 20480.
 *
 * libqssl only (Qt has no counterpart).
 *
 * Returns: the number of sessions, 0 for none
 *
 * Since: 1.0
 */
int
qssl_configuration_get_session_cache_size (const QsslConfiguration *self)
{
  g_return_val_if_fail (self != NULL, QSSL_DEFAULT_SESSION_CACHE_SIZE);

  return self->session_cache_size;
}

/**
 * qssl_configuration_set_session_cache_size:
 * @self: a #QsslConfiguration
 * @size: the number of sessions, 0 for no cache
 *
 * Bounds a server's cache of stateful sessions, those a TLS 1.2 client
 * resumes by session ID. Session tickets are stateless and do not need it
 * (with %QSSL_SSL_OPTIONS_DISABLE_SESSION_TICKETS set, session IDs are all
 * a TLS 1.2 client can resume with). When the cache is full, a new session
 * pushes out the oldest one; a client whose session was pushed out gets a
 * full handshake. Sockets using copies of one configuration on a
 * [class@Qssl.Server] share one cache. 0 keeps no session at all (unlike
 * OpenSSL's 0, which means no limit: a cache without a bound lets clients
 * grow the server's memory). Clients keep their sessions elsewhere and
 * ignore this.
 *
 * libqssl only (Qt has no counterpart).
 *
 * Since: 1.0
 */
void
qssl_configuration_set_session_cache_size (QsslConfiguration *self,
                                           int                size)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (size >= 0);

  self->session_cache_size = size;
  _qssl_configuration_invalidate (self);
}

/**
 * qssl_configuration_get_handshake_must_interrupt_on_error:
 * @self: a #QsslConfiguration
 *
 * Whether verification errors interrupt the handshake at once (the socket's
 * `handshake-interrupted-on-error` signal) instead of being collected for
 * `ssl-errors`; off by default.
 *
 * Mirrors `QSslConfiguration::handshakeMustInterruptOnError()`.
 *
 * Returns: %TRUE if errors interrupt the handshake
 *
 * Since: 1.0
 */
gboolean
qssl_configuration_get_handshake_must_interrupt_on_error (const QsslConfiguration *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return self->handshake_must_interrupt_on_error;
}

/**
 * qssl_configuration_set_handshake_must_interrupt_on_error:
 * @self: a #QsslConfiguration
 * @interrupt: whether verification errors interrupt the handshake
 *
 * Chooses Qt 6's early error reporting: each verification error interrupts
 * the handshake until the application continues it or gives up.
 *
 * Mirrors `QSslConfiguration::setHandshakeMustInterruptOnError()`.
 *
 * Since: 1.0
 */
void
qssl_configuration_set_handshake_must_interrupt_on_error (QsslConfiguration *self,
                                                          gboolean           interrupt)
{
  g_return_if_fail (self != NULL);

  self->handshake_must_interrupt_on_error = !!interrupt;
  _qssl_configuration_invalidate (self);
}

/* Session state (read-only) */

/**
 * qssl_configuration_get_peer_certificate:
 * @self: a #QsslConfiguration
 *
 * The certificate the peer presented in the last handshake.
 *
 * Mirrors `QSslConfiguration::peerCertificate()`.
 *
 * Returns: (transfer none) (nullable): the certificate, or %NULL if none
 *
 * Since: 1.0
 */
QsslCertificate *
qssl_configuration_get_peer_certificate (const QsslConfiguration *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  if (self->peer_certificate_chain->len == 0)
    return NULL;
  return g_ptr_array_index (self->peer_certificate_chain, 0);
}

/**
 * qssl_configuration_get_peer_certificate_chain:
 * @self: a #QsslConfiguration
 *
 * The chain the peer presented in the last handshake, its own certificate
 * first.
 *
 * Mirrors `QSslConfiguration::peerCertificateChain()`.
 *
 * Returns: (transfer container) (element-type QsslCertificate): the chain,
 *   possibly empty
 *
 * Since: 1.0
 */
GPtrArray *
qssl_configuration_get_peer_certificate_chain (const QsslConfiguration *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return object_list_copy (self->peer_certificate_chain);
}

/**
 * qssl_configuration_get_session_cipher:
 * @self: a #QsslConfiguration
 *
 * The cipher negotiated in the last handshake.
 *
 * Mirrors `QSslConfiguration::sessionCipher()`.
 *
 * Returns: (transfer none) (nullable): the cipher, or %NULL before a
 *   handshake
 *
 * Since: 1.0
 */
QsslCipher *
qssl_configuration_get_session_cipher (const QsslConfiguration *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->session_cipher;
}

/**
 * qssl_configuration_get_session_protocol:
 * @self: a #QsslConfiguration
 *
 * The protocol version negotiated in the last handshake.
 *
 * Mirrors `QSslConfiguration::sessionProtocol()`.
 *
 * Returns: the protocol, %QSSL_PROTOCOL_UNKNOWN_PROTOCOL before a handshake
 *
 * Since: 1.0
 */
QsslProtocol
qssl_configuration_get_session_protocol (const QsslConfiguration *self)
{
  g_return_val_if_fail (self != NULL, QSSL_PROTOCOL_UNKNOWN_PROTOCOL);

  return self->session_protocol;
}

/**
 * qssl_configuration_get_ephemeral_server_key:
 * @self: a #QsslConfiguration
 *
 * On a client, the server's ephemeral key of the last (EC)DHE key exchange.
 *
 * Mirrors `QSslConfiguration::ephemeralServerKey()`.
 *
 * Returns: (transfer none) (nullable): the public key, or %NULL if none
 *
 * Since: 1.0
 */
QsslKey *
qssl_configuration_get_ephemeral_server_key (const QsslConfiguration *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->ephemeral_server_key;
}
