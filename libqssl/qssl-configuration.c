/* qssl-configuration.c: QsslConfiguration, TLS settings by value (QSslConfiguration)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "qssl.h"
#include "qssl-certificate-private.h"
#include "qssl-cipher-private.h"
#include "qssl-configuration-private.h"
#include "qssl-private.h"

/**
 * QsslConfiguration:
 *
 * Every TLS setting of a socket, as a value: protocol versions, peer
 * verification, local certificate and key, trusted CAs, ciphers, curves,
 * ALPN, session ticket, options; and, once a handshake is done, what was
 * negotiated.
 *
 * A configuration is copied, never shared: a getter such as
 * `qssl_socket_get_ssl_configuration()` returns a copy, and changing it
 * changes nothing until it is set back. New sockets start from the
 * process-wide default ([func@Qssl.Configuration.get_default]), which trusts
 * the system CA certificates, requires TLS 1.2 or later, and verifies peers.
 *
 * Mirrors `QSslConfiguration`.
 *
 * Since: 1.0
 */

G_DEFINE_BOXED_TYPE (QsslConfiguration, qssl_configuration, qssl_configuration_copy, qssl_configuration_free)

static GPtrArray *
object_list_new (void)
{
  return g_ptr_array_new_with_free_func (g_object_unref);
}

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
configuration_init (QsslConfiguration *self)
{
  self->protocol = QSSL_PROTOCOL_SECURE_PROTOCOLS;
  self->peer_verify_mode = QSSL_PEER_VERIFY_MODE_AUTO_VERIFY_PEER;
  self->peer_verify_depth = 0;
  self->local_certificate_chain = object_list_new ();
  self->ca_certificates = object_list_new ();
  self->peer_certificate_chain = object_list_new ();
  self->session_protocol = QSSL_PROTOCOL_UNKNOWN_PROTOCOL;
  self->next_protocol_negotiation_status = QSSL_NEXT_PROTOCOL_NEGOTIATION_STATUS_NONE;
}

/**
 * qssl_configuration_new:
 *
 * An empty configuration: Qt's defaults for every setting (TLS 1.2 or later,
 * %QSSL_PEER_VERIFY_MODE_AUTO_VERIFY_PEER, unlimited depth) but no trusted CA
 * certificates at all, so a client using it trusts nobody until CAs are
 * added. Most programs want [func@Qssl.Configuration.get_default] instead.
 *
 * Mirrors `QSslConfiguration::QSslConfiguration()`.
 *
 * Returns: (transfer full): a new configuration
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
 * Copies a configuration; the copy is independent of @self.
 *
 * Mirrors `QSslConfiguration`'s copy constructor.
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

  copy = g_memdup2 (self, sizeof *self);
  copy->local_certificate_chain = object_list_copy (self->local_certificate_chain);
  copy->private_key = self->private_key ? g_object_ref (self->private_key) : NULL;
  copy->ciphers = object_list_copy (self->ciphers);
  copy->elliptic_curves = g_strdupv (self->elliptic_curves);
  copy->ca_certificates = object_list_copy (self->ca_certificates);
  copy->session_ticket = self->session_ticket ? g_bytes_ref (self->session_ticket) : NULL;
  copy->allowed_next_protocols = g_strdupv (self->allowed_next_protocols);
  copy->pre_shared_key_identity_hint =
    self->pre_shared_key_identity_hint ? g_bytes_ref (self->pre_shared_key_identity_hint) : NULL;
  copy->peer_certificate_chain = object_list_copy (self->peer_certificate_chain);
  copy->session_cipher = self->session_cipher ? g_object_ref (self->session_cipher) : NULL;
  copy->ephemeral_server_key = self->ephemeral_server_key ? g_object_ref (self->ephemeral_server_key) : NULL;
  copy->next_negotiated_protocol = g_strdup (self->next_negotiated_protocol);
  for (gsize i = 0; i < G_N_ELEMENTS (copy->contexts); i++)
    if (copy->contexts[i] != NULL)
      _qssl_context_ref (copy->contexts[i]);
  return copy;
}

/**
 * qssl_configuration_free:
 * @self: a #QsslConfiguration
 *
 * Frees a configuration.
 *
 * Since: 1.0
 */
void
qssl_configuration_free (QsslConfiguration *self)
{
  if (self == NULL)
    return;
  _qssl_configuration_invalidate (self);
  g_clear_pointer (&self->local_certificate_chain, g_ptr_array_unref);
  g_clear_object (&self->private_key);
  g_clear_pointer (&self->ciphers, g_ptr_array_unref);
  g_clear_pointer (&self->elliptic_curves, g_strfreev);
  g_clear_pointer (&self->ca_certificates, g_ptr_array_unref);
  g_clear_pointer (&self->session_ticket, g_bytes_unref);
  g_clear_pointer (&self->allowed_next_protocols, g_strfreev);
  g_clear_pointer (&self->pre_shared_key_identity_hint, g_bytes_unref);
  _qssl_configuration_clear_session_state (self);
  g_clear_pointer (&self->peer_certificate_chain, g_ptr_array_unref);
  g_free (self);
}

void
_qssl_configuration_invalidate (QsslConfiguration *self)
{
  for (gsize i = 0; i < G_N_ELEMENTS (self->contexts); i++)
    g_clear_pointer (&self->contexts[i], _qssl_context_unref);
}

void
_qssl_configuration_clear_session_state (QsslConfiguration *self)
{
  if (self->peer_certificate_chain != NULL)
    g_ptr_array_set_size (self->peer_certificate_chain, 0);
  g_clear_object (&self->session_cipher);
  g_clear_object (&self->ephemeral_server_key);
  g_clear_pointer (&self->next_negotiated_protocol, g_free);
  self->session_protocol = QSSL_PROTOCOL_UNKNOWN_PROTOCOL;
  self->next_protocol_negotiation_status = QSSL_NEXT_PROTOCOL_NEGOTIATION_STATUS_NONE;
}

QsslContext *
_qssl_configuration_get_context (QsslConfiguration  *self,
                                 QsslMode            mode,
                                 GError            **error)
{
  g_return_val_if_fail (mode == QSSL_MODE_SSL_CLIENT || mode == QSSL_MODE_SSL_SERVER, NULL);

  if (self->contexts[mode] == NULL)
    self->contexts[mode] = _qssl_context_new (self, mode, error);
  return self->contexts[mode];
}

static gboolean
object_lists_equal (GPtrArray *a,
                    GPtrArray *b,
                    gboolean (*equal) (gpointer, gpointer))
{
  if (a == NULL || b == NULL)
    return a == b;
  if (a->len != b->len)
    return FALSE;
  for (guint i = 0; i < a->len; i++)
    if (!equal (g_ptr_array_index (a, i), g_ptr_array_index (b, i)))
      return FALSE;
  return TRUE;
}

static gboolean
objects_equal (gpointer a,
               gpointer b,
               gboolean (*equal) (gpointer, gpointer))
{
  if (a == NULL || b == NULL)
    return a == b;
  return equal (a, b);
}

static gboolean
strv_equal_nullable (char **a,
                     char **b)
{
  if (a == NULL || b == NULL)
    return a == b;
  return g_strv_equal ((const char * const *) a, (const char * const *) b);
}

static gboolean
bytes_equal_nullable (GBytes *a,
                      GBytes *b)
{
  if (a == NULL || b == NULL)
    return a == b;
  return g_bytes_equal (a, b);
}

#define EQUAL_FUNC(f) ((gboolean (*) (gpointer, gpointer)) (f))

/**
 * qssl_configuration_equal:
 * @self: a #QsslConfiguration
 * @other: another #QsslConfiguration
 *
 * Whether both configurations hold the same settings and the same session
 * state.
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

  return self->protocol == other->protocol &&
         self->peer_verify_mode == other->peer_verify_mode &&
         self->peer_verify_depth == other->peer_verify_depth &&
         object_lists_equal (self->local_certificate_chain, other->local_certificate_chain,
                             EQUAL_FUNC (qssl_certificate_equal)) &&
         objects_equal (self->private_key, other->private_key, EQUAL_FUNC (qssl_key_equal)) &&
         object_lists_equal (self->ciphers, other->ciphers, EQUAL_FUNC (qssl_cipher_equal)) &&
         strv_equal_nullable (self->elliptic_curves, other->elliptic_curves) &&
         object_lists_equal (self->ca_certificates, other->ca_certificates,
                             EQUAL_FUNC (qssl_certificate_equal)) &&
         self->allow_system_ca_certificates == other->allow_system_ca_certificates &&
         self->ssl_options == other->ssl_options &&
         bytes_equal_nullable (self->session_ticket, other->session_ticket) &&
         self->session_ticket_lifetime_hint == other->session_ticket_lifetime_hint &&
         strv_equal_nullable (self->allowed_next_protocols, other->allowed_next_protocols) &&
         self->ocsp_stapling_enabled == other->ocsp_stapling_enabled &&
         bytes_equal_nullable (self->pre_shared_key_identity_hint, other->pre_shared_key_identity_hint) &&
         self->missing_certificate_is_fatal == other->missing_certificate_is_fatal &&
         self->handshake_must_interrupt_on_error == other->handshake_must_interrupt_on_error &&
         object_lists_equal (self->peer_certificate_chain, other->peer_certificate_chain,
                             EQUAL_FUNC (qssl_certificate_equal)) &&
         objects_equal (self->session_cipher, other->session_cipher, EQUAL_FUNC (qssl_cipher_equal)) &&
         self->session_protocol == other->session_protocol &&
         objects_equal (self->ephemeral_server_key, other->ephemeral_server_key,
                        EQUAL_FUNC (qssl_key_equal)) &&
         g_strcmp0 (self->next_negotiated_protocol, other->next_negotiated_protocol) == 0 &&
         self->next_protocol_negotiation_status == other->next_protocol_negotiation_status;
}

/**
 * qssl_configuration_is_null:
 * @self: a #QsslConfiguration
 *
 * Whether the configuration still equals a new, empty one.
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
  g_autoptr(QsslConfiguration) empty = qssl_configuration_new ();

  g_return_val_if_fail (self != NULL, TRUE);

  return qssl_configuration_equal (self, empty);
}

/* The process-wide default */

static GMutex default_lock;
static QsslConfiguration *default_configuration;

/**
 * qssl_configuration_get_default:
 *
 * A copy of the process-wide default configuration, which every new socket
 * starts from: Qt's defaults, trusting the system CA certificates (read by
 * OpenSSL on demand from its default locations, which `SSL_CERT_FILE` and
 * `SSL_CERT_DIR` override). Thread-safe.
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
    {
      default_configuration = qssl_configuration_new ();
      default_configuration->allow_system_ca_certificates = TRUE;
    }
  copy = qssl_configuration_copy (default_configuration);
  g_mutex_unlock (&default_lock);
  return copy;
}

/**
 * qssl_configuration_set_default:
 * @configuration: the new default
 *
 * Replaces the process-wide default configuration with a copy of
 * @configuration. Sockets created before keep theirs. Thread-safe.
 *
 * Mirrors `QSslConfiguration::setDefaultConfiguration()`.
 *
 * Since: 1.0
 */
void
qssl_configuration_set_default (const QsslConfiguration *configuration)
{
  QsslConfiguration *copy;

  g_return_if_fail (configuration != NULL);

  copy = qssl_configuration_copy (configuration);
  g_mutex_lock (&default_lock);
  g_clear_pointer (&default_configuration, qssl_configuration_free);
  default_configuration = copy;
  g_mutex_unlock (&default_lock);
}

/* System CA certificates */

static void
add_ca_file (GPtrArray  *list,
             GHashTable *seen,
             const char *path)
{
  g_autoptr(GPtrArray) found = NULL;
  g_autofree char *canonical = NULL;

  canonical = realpath (path, NULL);
  if (canonical == NULL || g_hash_table_contains (seen, canonical))
    return;
  found = qssl_certificate_list_from_path (canonical, QSSL_ENCODING_FORMAT_PEM,
                                           QSSL_PATTERN_SYNTAX_FIXED_STRING, NULL);
  g_hash_table_add (seen, g_steal_pointer (&canonical));
  for (guint i = 0; found != NULL && i < found->len; i++)
    {
      QsslCertificate *certificate = g_ptr_array_index (found, i);
      gboolean duplicate = FALSE;

      for (guint j = 0; j < list->len && !duplicate; j++)
        duplicate = qssl_certificate_equal (g_ptr_array_index (list, j), certificate);
      if (!duplicate)
        g_ptr_array_add (list, g_object_ref (certificate));
    }
}

static GPtrArray *
load_system_ca_certificates (void)
{
  GPtrArray *list = object_list_new ();
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, free, NULL);
  const char *file = g_getenv (X509_get_default_cert_file_env ());
  const char *dirs = g_getenv (X509_get_default_cert_dir_env ());
  g_auto(GStrv) dir_list = NULL;

  if (file == NULL)
    file = X509_get_default_cert_file ();
  if (dirs == NULL)
    dirs = X509_get_default_cert_dir ();

  add_ca_file (list, seen, file);
  dir_list = g_strsplit (dirs, G_SEARCHPATH_SEPARATOR_S, -1);
  for (int i = 0; dir_list[i] != NULL; i++)
    {
      g_autoptr(GDir) dir = g_dir_open (dir_list[i], 0, NULL);
      const char *name;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *path = g_build_filename (dir_list[i], name, NULL);

          add_ca_file (list, seen, path);
        }
    }
  return list;
}

static GPtrArray *
system_ca_certificates (void)
{
  static GPtrArray *certificates;

  if (g_once_init_enter (&certificates))
    g_once_init_leave (&certificates, load_system_ca_certificates ());
  return certificates;
}

/**
 * qssl_configuration_get_system_ca_certificates:
 *
 * The CA certificates the system trusts, read once per process from
 * OpenSSL's default file and directories (`SSL_CERT_FILE` and `SSL_CERT_DIR`
 * override them). Sockets do not need this list: OpenSSL looks roots up on
 * demand during verification.
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
  X509_STORE *store = X509_STORE_new ();
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();

  for (guint i = 0; i < self->ca_certificates->len; i++)
    {
      QsslCertificate *certificate = g_ptr_array_index (self->ca_certificates, i);
      g_autoptr(GDateTime) expiry = qssl_certificate_get_expiry_date (certificate);

      /* Like Qt: an expired CA would only produce confusing errors. */
      if (expiry != NULL && g_date_time_compare (expiry, now) < 0)
        continue;
      X509_STORE_add_cert (store, _qssl_certificate_get_x509 (certificate));
    }
  if (self->allow_system_ca_certificates)
    X509_STORE_set_default_paths (store);
  ERR_clear_error ();
  return store;
}

/* Ciphers and curves */

static GPtrArray *
ciphers_of_ctx (SSL_CTX *ctx)
{
  STACK_OF (SSL_CIPHER) *stack = SSL_CTX_get_ciphers (ctx);
  GPtrArray *list = object_list_new ();

  for (int i = 0; stack != NULL && i < sk_SSL_CIPHER_num (stack); i++)
    g_ptr_array_add (list, _qssl_cipher_new_from_ssl_cipher (sk_SSL_CIPHER_value (stack, i)));
  return list;
}

static GPtrArray *
load_cipher_list (gboolean all)
{
  SSL_CTX *ctx = SSL_CTX_new (TLS_method ());
  GPtrArray *list;

  if (all)
    {
      SSL_CTX_set_security_level (ctx, 0);
      SSL_CTX_set_cipher_list (ctx, "ALL:COMPLEMENTOFALL");
    }
  list = ciphers_of_ctx (ctx);
  SSL_CTX_free (ctx);
  ERR_clear_error ();
  return list;
}

static GPtrArray *
default_ciphers (void)
{
  static GPtrArray *ciphers;

  if (g_once_init_enter (&ciphers))
    g_once_init_leave (&ciphers, load_cipher_list (FALSE));
  return ciphers;
}

/**
 * qssl_configuration_get_supported_ciphers:
 *
 * Every cipher suite the running OpenSSL implements, TLS 1.3 suites first,
 * including those its security level would refuse by default.
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
  static GPtrArray *ciphers;

  if (g_once_init_enter (&ciphers))
    g_once_init_leave (&ciphers, load_cipher_list (TRUE));
  return object_list_copy (ciphers);
}

/* The TLS groups OpenSSL 3 can negotiate; it has no call that lists them. */
static const char * const known_groups[] = {
  "X25519", "X448", "P-256", "P-384", "P-521",
  "ffdhe2048", "ffdhe3072", "ffdhe4096", "ffdhe6144", "ffdhe8192",
  "brainpoolP256r1", "brainpoolP384r1", "brainpoolP512r1",
};

/**
 * qssl_configuration_get_supported_elliptic_curves:
 *
 * The key-exchange groups (elliptic curves and finite-field groups) the
 * running OpenSSL accepts, by the names [method@Qssl.Configuration.set_elliptic_curves]
 * takes ("X25519", "P-256", ...).
 *
 * Mirrors `QSslConfiguration::supportedEllipticCurves()`.
 *
 * Returns: (transfer full) (array zero-terminated=1): the group names
 *
 * Since: 1.0
 */
char **
qssl_configuration_get_supported_elliptic_curves (void)
{
  GPtrArray *names = g_ptr_array_new ();
  SSL_CTX *ctx = SSL_CTX_new (TLS_method ());

  for (gsize i = 0; i < G_N_ELEMENTS (known_groups); i++)
    if (SSL_CTX_set1_groups_list (ctx, known_groups[i]) == 1)
      g_ptr_array_add (names, g_strdup (known_groups[i]));
  SSL_CTX_free (ctx);
  ERR_clear_error ();
  g_ptr_array_add (names, NULL);
  return (char **) g_ptr_array_free (names, FALSE);
}

/**
 * qssl_configuration_get_ciphers:
 * @self: a #QsslConfiguration
 *
 * The cipher suites a socket may use, in order of preference. Unless set,
 * this is OpenSSL's default list.
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

  return object_list_copy (self->ciphers ? self->ciphers : default_ciphers ());
}

/**
 * qssl_configuration_set_ciphers:
 * @self: a #QsslConfiguration
 * @ciphers: (element-type QsslCipher): the ciphers to allow, in order
 *
 * Restricts the cipher suites, TLS 1.2 and TLS 1.3 alike (libqssl sorts
 * them into OpenSSL's two lists).
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
  g_return_if_fail (ciphers != NULL);

  g_clear_pointer (&self->ciphers, g_ptr_array_unref);
  self->ciphers = object_list_copy (ciphers);
  _qssl_configuration_invalidate (self);
}

/**
 * qssl_configuration_set_ciphers_from_string:
 * @self: a #QsslConfiguration
 * @ciphers: an OpenSSL cipher string ("TLS_AES_128_GCM_SHA256:ECDHE-ECDSA-AES128-GCM-SHA256",
 *   "HIGH:!aNULL", ...)
 * @error: return location for a #GError
 *
 * Restricts the cipher suites with an OpenSSL cipher string. Names starting
 * with "TLS_" are TLS 1.3 suites; the rest is a TLS 1.2 cipher list. A string
 * OpenSSL cannot use fails with %QSSL_SOCKET_ERROR_SSL_INVALID_USER_DATA and
 * leaves the configuration unchanged.
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
  g_auto(GStrv) parts = NULL;
  g_autoptr(GString) tls13 = g_string_new (NULL);
  g_autoptr(GString) tls12 = g_string_new (NULL);
  SSL_CTX *ctx;
  gboolean ok = TRUE;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (ciphers != NULL, FALSE);

  _qssl_init ();
  parts = g_strsplit (ciphers, ":", -1);
  for (int i = 0; parts[i] != NULL; i++)
    {
      GString *target = g_str_has_prefix (parts[i], "TLS_") ? tls13 : tls12;

      if (*parts[i] == '\0')
        continue;
      if (target->len > 0)
        g_string_append_c (target, ':');
      g_string_append (target, parts[i]);
    }

  ctx = SSL_CTX_new (TLS_method ());
  /* An empty half means "none of that kind". */
  ok = SSL_CTX_set_ciphersuites (ctx, tls13->str) == 1;
  if (ok && tls12->len > 0)
    ok = SSL_CTX_set_cipher_list (ctx, tls12->str) == 1;
  else if (ok)
    SSL_CTX_set_cipher_list (ctx, "-ALL");
  if (ok && sk_SSL_CIPHER_num (SSL_CTX_get_ciphers (ctx)) <= 0)
    ok = FALSE;
  if (!ok)
    {
      SSL_CTX_free (ctx);
      ERR_clear_error ();
      g_set_error (error, QSSL_SOCKET_ERROR, QSSL_SOCKET_ERROR_SSL_INVALID_USER_DATA,
                   _("Invalid or empty cipher list: %s"), ciphers);
      return FALSE;
    }
  g_clear_pointer (&self->ciphers, g_ptr_array_unref);
  self->ciphers = ciphers_of_ctx (ctx);
  SSL_CTX_free (ctx);
  ERR_clear_error ();
  _qssl_configuration_invalidate (self);
  return TRUE;
}

/**
 * qssl_configuration_get_elliptic_curves:
 * @self: a #QsslConfiguration
 *
 * The key-exchange groups a socket may use; empty means OpenSSL's default.
 *
 * Mirrors `QSslConfiguration::ellipticCurves()`.
 *
 * Returns: (transfer full) (array zero-terminated=1): the group names
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
 * @curves: (array zero-terminated=1) (nullable): group names ("X25519",
 *   "P-256", ...), or %NULL or empty for OpenSSL's default
 *
 * Restricts the key-exchange groups.
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
  if (curves != NULL && curves[0] != NULL)
    self->elliptic_curves = g_strdupv ((char **) curves);
  _qssl_configuration_invalidate (self);
}

/* Certificates and keys */

/**
 * qssl_configuration_get_peer_verify_depth:
 * @self: a #QsslConfiguration
 *
 * How many certificates of the peer's chain are checked; 0 means all.
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
 * @depth: the maximum chain depth, 0 for no limit
 *
 * Limits how deep the peer's chain may be. A negative depth is refused with a
 * warning, as in Qt.
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

/**
 * qssl_configuration_get_local_certificate:
 * @self: a #QsslConfiguration
 *
 * The certificate a socket presents to its peer (the first of the local
 * chain).
 *
 * Mirrors `QSslConfiguration::localCertificate()`.
 *
 * Returns: (transfer none) (nullable): the certificate
 *
 * Since: 1.0
 */
QsslCertificate *
qssl_configuration_get_local_certificate (const QsslConfiguration *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->local_certificate_chain->len > 0 ? g_ptr_array_index (self->local_certificate_chain, 0)
                                                : NULL;
}

/**
 * qssl_configuration_set_local_certificate:
 * @self: a #QsslConfiguration
 * @certificate: (nullable): the certificate to present, or %NULL for none
 *
 * Sets the certificate a socket presents; it replaces the whole local chain.
 *
 * Mirrors `QSslConfiguration::setLocalCertificate()`.
 *
 * Since: 1.0
 */
void
qssl_configuration_set_local_certificate (QsslConfiguration *self,
                                          QsslCertificate   *certificate)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (certificate == NULL || QSSL_IS_CERTIFICATE (certificate));

  g_ptr_array_set_size (self->local_certificate_chain, 0);
  if (certificate != NULL)
    g_ptr_array_add (self->local_certificate_chain, g_object_ref (certificate));
  _qssl_configuration_invalidate (self);
}

/**
 * qssl_configuration_get_local_certificate_chain:
 * @self: a #QsslConfiguration
 *
 * The certificates a socket presents: its own first, then intermediates.
 *
 * Mirrors `QSslConfiguration::localCertificateChain()`.
 *
 * Returns: (transfer container) (element-type QsslCertificate): the chain
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
 * @chain: (element-type QsslCertificate): the local certificate, then intermediates
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
  g_return_if_fail (chain != NULL);

  g_ptr_array_unref (self->local_certificate_chain);
  self->local_certificate_chain = object_list_copy (chain);
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
 * Returns: (transfer none) (nullable): the key
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
 * @key: (nullable): the private key of the local certificate
 *
 * Sets the private key of the local certificate.
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

/**
 * qssl_configuration_get_ca_certificates:
 * @self: a #QsslConfiguration
 *
 * The certificates trusted to issue the peer's certificate: those set or
 * added, plus, for a configuration derived from the default, the system's.
 *
 * Mirrors `QSslConfiguration::caCertificates()`.
 *
 * Returns: (transfer container) (element-type QsslCertificate): the CA certificates
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
    {
      GPtrArray *system = system_ca_certificates ();

      for (guint i = 0; i < system->len; i++)
        g_ptr_array_add (list, g_object_ref (g_ptr_array_index (system, i)));
    }
  return list;
}

/**
 * qssl_configuration_set_ca_certificates:
 * @self: a #QsslConfiguration
 * @certificates: (element-type QsslCertificate): the only CAs to trust
 *
 * Replaces the trusted CAs; the system's are no longer trusted unless they
 * are in @certificates.
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
  g_return_if_fail (certificates != NULL);

  g_ptr_array_unref (self->ca_certificates);
  self->ca_certificates = object_list_copy (certificates);
  self->allow_system_ca_certificates = FALSE;
  _qssl_configuration_invalidate (self);
}

/**
 * qssl_configuration_add_ca_certificate:
 * @self: a #QsslConfiguration
 * @certificate: a CA certificate to trust too
 *
 * Adds one trusted CA, keeping the others (and the system's, if trusted).
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
 * @certificates: (element-type QsslCertificate): CA certificates to trust too
 *
 * Adds trusted CAs, keeping the others.
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

  for (guint i = 0; i < certificates->len; i++)
    g_ptr_array_add (self->ca_certificates, g_object_ref (g_ptr_array_index (certificates, i)));
  _qssl_configuration_invalidate (self);
}

/**
 * qssl_configuration_add_ca_certificates_from_path:
 * @self: a #QsslConfiguration
 * @path: a file name or pattern, as for [func@Qssl.Certificate.list_from_path]
 * @format: the encoding of the files
 * @syntax: how to read @path
 * @error: return location for a #GError
 *
 * Adds every certificate found at @path as a trusted CA.
 *
 * Mirrors `QSslConfiguration::addCaCertificates(const QString &, ...)`.
 *
 * Returns: %TRUE if at least one certificate was added; %FALSE otherwise,
 *   with @error set only for an invalid pattern
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

  found = qssl_certificate_list_from_path (path, format, syntax, error);
  if (found == NULL || found->len == 0)
    return FALSE;
  qssl_configuration_add_ca_certificates (self, found);
  return TRUE;
}

/* Options, session, ALPN, PSK */

/**
 * qssl_configuration_test_ssl_option:
 * @self: a #QsslConfiguration
 * @option: one option
 *
 * Whether @option is set.
 *
 * Mirrors `QSslConfiguration::testSslOption()`.
 *
 * Returns: %TRUE if set
 *
 * Since: 1.0
 */
gboolean
qssl_configuration_test_ssl_option (const QsslConfiguration *self,
                                    QsslSslOptions           option)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return (self->ssl_options & option) == option && option != 0;
}

/**
 * qssl_configuration_set_ssl_option:
 * @self: a #QsslConfiguration
 * @option: one or more options
 * @on: whether to set or clear them
 *
 * Sets or clears options.
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
  g_return_if_fail (self != NULL);

  if (on)
    self->ssl_options |= option;
  else
    self->ssl_options &= ~option;
  _qssl_configuration_invalidate (self);
}

/**
 * qssl_configuration_get_ssl_options:
 * @self: a #QsslConfiguration
 *
 * Every option set.
 *
 * libqssl addition (Qt only tests one option at a time).
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

/**
 * qssl_configuration_get_session_ticket:
 * @self: a #QsslConfiguration
 *
 * The session a socket may resume (an opaque encoding of OpenSSL's session,
 * ticket included), as received after a handshake.
 *
 * Mirrors `QSslConfiguration::sessionTicket()`.
 *
 * Returns: (transfer full) (nullable): the session ticket
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
 * @ticket: (nullable): a session ticket from an earlier connection
 *
 * Sets the session a client tries to resume.
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

  g_clear_pointer (&self->session_ticket, g_bytes_unref);
  self->session_ticket = ticket ? g_bytes_ref (ticket) : NULL;
}

/**
 * qssl_configuration_get_session_ticket_lifetime_hint:
 * @self: a #QsslConfiguration
 *
 * The lifetime the server advertised for the session ticket, in seconds.
 *
 * Mirrors `QSslConfiguration::sessionTicketLifeTimeHint()`.
 *
 * Returns: the lifetime hint
 *
 * Since: 1.0
 */
int
qssl_configuration_get_session_ticket_lifetime_hint (const QsslConfiguration *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->session_ticket_lifetime_hint;
}

/**
 * qssl_configuration_get_allowed_next_protocols:
 * @self: a #QsslConfiguration
 *
 * The application protocols offered or accepted through ALPN.
 *
 * Mirrors `QSslConfiguration::allowedNextProtocols()`.
 *
 * Returns: (transfer full) (array zero-terminated=1): the protocol names
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
 * @protocols: (array zero-terminated=1) (nullable): protocol names such as
 *   %QSSL_ALPN_HTTP2 and %QSSL_ALPN_HTTP_1_1, in order of preference
 *
 * Sets the ALPN protocols.
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
  if (protocols != NULL && protocols[0] != NULL)
    self->allowed_next_protocols = g_strdupv ((char **) protocols);
  _qssl_configuration_invalidate (self);
}

/**
 * qssl_configuration_get_next_negotiated_protocol:
 * @self: a #QsslConfiguration
 *
 * The application protocol ALPN agreed on in the last handshake.
 *
 * Mirrors `QSslConfiguration::nextNegotiatedProtocol()`.
 *
 * Returns: (nullable): the protocol, or %NULL
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
 * Whether ALPN agreed on a protocol in the last handshake.
 *
 * Mirrors `QSslConfiguration::nextProtocolNegotiationStatus()`.
 *
 * Returns: the status
 *
 * Since: 1.0
 */
QsslNextProtocolNegotiationStatus
qssl_configuration_get_next_protocol_negotiation_status (const QsslConfiguration *self)
{
  g_return_val_if_fail (self != NULL, QSSL_NEXT_PROTOCOL_NEGOTIATION_STATUS_NONE);

  return self->next_protocol_negotiation_status;
}

/**
 * qssl_configuration_get_pre_shared_key_identity_hint:
 * @self: a #QsslConfiguration
 *
 * The identity hint a PSK server sends.
 *
 * Mirrors `QSslConfiguration::preSharedKeyIdentityHint()`.
 *
 * Returns: (transfer full) (nullable): the hint
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
 * @hint: (nullable): the identity hint
 *
 * Sets the identity hint a PSK server sends.
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
  self->pre_shared_key_identity_hint = hint ? g_bytes_ref (hint) : NULL;
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
 * Returns: (transfer none) (nullable): the certificate
 *
 * Since: 1.0
 */
QsslCertificate *
qssl_configuration_get_peer_certificate (const QsslConfiguration *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->peer_certificate_chain->len > 0 ? g_ptr_array_index (self->peer_certificate_chain, 0)
                                               : NULL;
}

/**
 * qssl_configuration_get_peer_certificate_chain:
 * @self: a #QsslConfiguration
 *
 * The chain the peer presented in the last handshake, its own first.
 *
 * Mirrors `QSslConfiguration::peerCertificateChain()`.
 *
 * Returns: (transfer container) (element-type QsslCertificate): the chain
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
 * The cipher suite of the last handshake.
 *
 * Mirrors `QSslConfiguration::sessionCipher()`.
 *
 * Returns: (transfer none) (nullable): the cipher
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
 * The protocol version of the last handshake, or
 * %QSSL_PROTOCOL_UNKNOWN_PROTOCOL.
 *
 * Mirrors `QSslConfiguration::sessionProtocol()`.
 *
 * Returns: the protocol
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
 * On a client, the server's ephemeral key-exchange key of the last
 * handshake.
 *
 * Mirrors `QSslConfiguration::ephemeralServerKey()`.
 *
 * Returns: (transfer none) (nullable): the key
 *
 * Since: 1.0
 */
QsslKey *
qssl_configuration_get_ephemeral_server_key (const QsslConfiguration *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->ephemeral_server_key;
}

/* Plain settings */

/**
 * qssl_configuration_get_protocol:
 * @self: a #QsslConfiguration
 *
 * The TLS versions a socket may use.
 *
 * Mirrors `QSslConfiguration::protocol()`.
 *
 * Returns: the current value
 *
 * Since: 1.0
 */
QsslProtocol
qssl_configuration_get_protocol (const QsslConfiguration *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->protocol;
}

/**
 * qssl_configuration_set_protocol:
 * @self: a #QsslConfiguration
 * @protocol: the new value
 *
 * Sets [method@Qssl.Configuration.get_protocol].
 *
 * Mirrors `QSslConfiguration::setProtocol()`.
 *
 * Since: 1.0
 */
void
qssl_configuration_set_protocol (QsslConfiguration *self,
                                 QsslProtocol protocol)
{
  g_return_if_fail (self != NULL);

  self->protocol = protocol;
  _qssl_configuration_invalidate (self);
}

/**
 * qssl_configuration_get_peer_verify_mode:
 * @self: a #QsslConfiguration
 *
 * How the peer's certificate is checked.
 *
 * Mirrors `QSslConfiguration::peerVerifyMode()`.
 *
 * Returns: the current value
 *
 * Since: 1.0
 */
QsslPeerVerifyMode
qssl_configuration_get_peer_verify_mode (const QsslConfiguration *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->peer_verify_mode;
}

/**
 * qssl_configuration_set_peer_verify_mode:
 * @self: a #QsslConfiguration
 * @mode: the new value
 *
 * Sets [method@Qssl.Configuration.get_peer_verify_mode].
 *
 * Mirrors `QSslConfiguration::setPeerVerifyMode()`.
 *
 * Since: 1.0
 */
void
qssl_configuration_set_peer_verify_mode (QsslConfiguration *self,
                                         QsslPeerVerifyMode mode)
{
  g_return_if_fail (self != NULL);

  self->peer_verify_mode = mode;
  _qssl_configuration_invalidate (self);
}

/**
 * qssl_configuration_get_ocsp_stapling_enabled:
 * @self: a #QsslConfiguration
 *
 * Whether a client asks the server for a stapled OCSP response and checks it.
 *
 * Mirrors `QSslConfiguration::ocspStaplingEnabled()`.
 *
 * Returns: the current value
 *
 * Since: 1.0
 */
gboolean
qssl_configuration_get_ocsp_stapling_enabled (const QsslConfiguration *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->ocsp_stapling_enabled;
}

/**
 * qssl_configuration_set_ocsp_stapling_enabled:
 * @self: a #QsslConfiguration
 * @enabled: the new value
 *
 * Sets [method@Qssl.Configuration.get_ocsp_stapling_enabled].
 *
 * Mirrors `QSslConfiguration::setOcspStaplingEnabled()`.
 *
 * Since: 1.0
 */
void
qssl_configuration_set_ocsp_stapling_enabled (QsslConfiguration *self,
                                              gboolean enabled)
{
  g_return_if_fail (self != NULL);

  self->ocsp_stapling_enabled = enabled;
  _qssl_configuration_invalidate (self);
}

/**
 * qssl_configuration_get_missing_certificate_is_fatal:
 * @self: a #QsslConfiguration
 *
 * Whether a server that verifies its peer fails the handshake at once when the client sends no certificate.
 *
 * Mirrors `QSslConfiguration::missingCertificateIsFatal()`.
 *
 * Returns: the current value
 *
 * Since: 1.0
 */
gboolean
qssl_configuration_get_missing_certificate_is_fatal (const QsslConfiguration *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->missing_certificate_is_fatal;
}

/**
 * qssl_configuration_set_missing_certificate_is_fatal:
 * @self: a #QsslConfiguration
 * @cannot_recover: the new value
 *
 * Sets [method@Qssl.Configuration.get_missing_certificate_is_fatal].
 *
 * Mirrors `QSslConfiguration::setMissingCertificateIsFatal()`.
 *
 * Since: 1.0
 */
void
qssl_configuration_set_missing_certificate_is_fatal (QsslConfiguration *self,
                                                     gboolean cannot_recover)
{
  g_return_if_fail (self != NULL);

  self->missing_certificate_is_fatal = cannot_recover;
  _qssl_configuration_invalidate (self);
}

/**
 * qssl_configuration_get_handshake_must_interrupt_on_error:
 * @self: a #QsslConfiguration
 *
 * Whether verification errors interrupt the handshake (the socket's `handshake-interrupted-on-error` signal).
 *
 * Mirrors `QSslConfiguration::handshakeMustInterruptOnError()`.
 *
 * Returns: the current value
 *
 * Since: 1.0
 */
gboolean
qssl_configuration_get_handshake_must_interrupt_on_error (const QsslConfiguration *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->handshake_must_interrupt_on_error;
}

/**
 * qssl_configuration_set_handshake_must_interrupt_on_error:
 * @self: a #QsslConfiguration
 * @interrupt: the new value
 *
 * Sets [method@Qssl.Configuration.get_handshake_must_interrupt_on_error].
 *
 * Mirrors `QSslConfiguration::setHandshakeMustInterruptOnError()`.
 *
 * Since: 1.0
 */
void
qssl_configuration_set_handshake_must_interrupt_on_error (QsslConfiguration *self,
                                                          gboolean interrupt)
{
  g_return_if_fail (self != NULL);

  self->handshake_must_interrupt_on_error = interrupt;
  _qssl_configuration_invalidate (self);
}
