/* qssl-cipher.c: QsslCipher, a TLS cipher suite (QSslCipher)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include <openssl/ssl.h>

#include "qssl.h"
#include "qssl-cipher-private.h"
#include "qssl-private.h"

/**
 * QsslCipher:
 *
 * One cipher suite: its OpenSSL name, the protocol version it belongs to,
 * its key exchange, authentication and encryption methods and its strength,
 * all as OpenSSL describes them (`openssl ciphers -v` prints the same
 * fields).
 *
 * Ciphers are immutable. [ctor@Qssl.Cipher.new] looks a name up among the
 * ciphers the running OpenSSL implements
 * ([func@Qssl.Configuration.get_supported_ciphers]); a name it does not know
 * gives the *null cipher*: an object whose name and other strings are empty,
 * whose bit counts are 0 and whose protocol is
 * %QSSL_PROTOCOL_UNKNOWN_PROTOCOL ([method@Qssl.Cipher.is_null] is %TRUE),
 * as Qt's default-constructed `QSslCipher`.
 *
 * Mirrors `QSslCipher`.
 *
 * Since: 1.0
 */
struct _QsslCipher
{
  GObject       parent_instance;

  char         *name;
  char         *protocol_string;
  char         *key_exchange_method;
  char         *authentication_method;
  char         *encryption_method;
  QsslProtocol  protocol;
  int           supported_bits;
  int           used_bits;
};

G_DEFINE_FINAL_TYPE (QsslCipher, qssl_cipher, G_TYPE_OBJECT)

static void
qssl_cipher_finalize (GObject *object)
{
  QsslCipher *self = QSSL_CIPHER (object);

  g_free (self->name);
  g_free (self->protocol_string);
  g_free (self->key_exchange_method);
  g_free (self->authentication_method);
  g_free (self->encryption_method);

  G_OBJECT_CLASS (qssl_cipher_parent_class)->finalize (object);
}

static void
qssl_cipher_class_init (QsslCipherClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = qssl_cipher_finalize;
}

static void
qssl_cipher_init (QsslCipher *self)
{
  /* The null cipher: strings are empty, never NULL, as in Qt. */
  self->name = g_strdup ("");
  self->protocol_string = g_strdup ("");
  self->key_exchange_method = g_strdup ("");
  self->authentication_method = g_strdup ("");
  self->encryption_method = g_strdup ("");
  self->protocol = QSSL_PROTOCOL_UNKNOWN_PROTOCOL;
}

/* Qt 6's reading of the protocol column: "TLSv1" is TLS 1.0, "TLSv1.N" is
 * TLS 1.N; anything else ("SSLv3", which OpenSSL prints for suites that
 * date from SSL 3 and still work in TLS 1.2) has no QSsl value. */
static QsslProtocol
protocol_from_string (const char *text)
{
  const char *tail;

  if (!g_str_has_prefix (text, "TLSv1"))
    return QSSL_PROTOCOL_UNKNOWN_PROTOCOL;
  tail = text + strlen ("TLSv1");
  if (*tail == '\0')
    return QSSL_PROTOCOL_TLS_V1_0;
  if (g_str_equal (tail, ".1"))
    return QSSL_PROTOCOL_TLS_V1_1;
  if (g_str_equal (tail, ".2"))
    return QSSL_PROTOCOL_TLS_V1_2;
  if (g_str_equal (tail, ".3"))
    return QSSL_PROTOCOL_TLS_V1_3;
  return QSSL_PROTOCOL_UNKNOWN_PROTOCOL;
}

static void
take_field (char       **field,
            const char  *column,
            const char  *prefix)
{
  if (g_str_has_prefix (column, prefix))
    {
      g_free (*field);
      *field = g_strdup (column + strlen (prefix));
    }
}

static QsslCipher *cipher_new_from_ssl_cipher (const SSL_CIPHER *cipher);

/* Every handshake reports its suite: one QsslCipher per suite and process
 * (they are immutable) instead of parsing SSL_CIPHER_description() each
 * time (about 40,000 instructions per handshake, 1.5 % of a server's). */
QsslCipher *
_qssl_cipher_new_from_ssl_cipher (const SSL_CIPHER *cipher)
{
  static GMutex lock;
  static GHashTable *known;   /* SSL_CIPHER_get_id () -> QsslCipher */
  gpointer id;
  QsslCipher *self;

  g_return_val_if_fail (cipher != NULL, NULL);

  id = GUINT_TO_POINTER (SSL_CIPHER_get_id (cipher));
  g_mutex_lock (&lock);
  if (known == NULL)
    known = g_hash_table_new_full (NULL, NULL, NULL, g_object_unref);
  self = g_hash_table_lookup (known, id);
  if (self == NULL)
    {
      self = cipher_new_from_ssl_cipher (cipher);
      g_hash_table_insert (known, id, self);
    }
  g_object_ref (self);
  g_mutex_unlock (&lock);
  return self;
}

static QsslCipher *
cipher_new_from_ssl_cipher (const SSL_CIPHER *cipher)
{
  g_autoptr(QsslCipher) self = NULL;
  g_autoptr(GPtrArray) columns = NULL;
  g_auto(GStrv) words = NULL;
  char description[256] = { 0 };
  int supported_bits = 0;
  int used_bits;

  g_return_val_if_fail (cipher != NULL, NULL);

  self = g_object_new (QSSL_TYPE_CIPHER, NULL);

  /* Qt parses SSL_CIPHER_description(), e.g.
   * "ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 Kx=ECDH Au=RSA Enc=AESGCM(128) Mac=AEAD",
   * and so does this, so both report the same strings. */
  if (SSL_CIPHER_description (cipher, description, sizeof description) == NULL)
    return g_steal_pointer (&self);
  g_strchomp (description);
  words = g_strsplit_set (description, " \t", -1);
  columns = g_ptr_array_new ();
  for (int i = 0; words[i] != NULL; i++)
    if (words[i][0] != '\0')
      g_ptr_array_add (columns, words[i]);
  if (columns->len <= 5)
    return g_steal_pointer (&self);

  used_bits = SSL_CIPHER_get_bits (cipher, &supported_bits);

  g_free (self->name);
  self->name = g_strdup (g_ptr_array_index (columns, 0));
  g_free (self->protocol_string);
  self->protocol_string = g_strdup (g_ptr_array_index (columns, 1));
  self->protocol = protocol_from_string (self->protocol_string);
  take_field (&self->key_exchange_method, g_ptr_array_index (columns, 2), "Kx=");
  take_field (&self->authentication_method, g_ptr_array_index (columns, 3), "Au=");
  take_field (&self->encryption_method, g_ptr_array_index (columns, 4), "Enc=");
  self->used_bits = used_bits;
  self->supported_bits = supported_bits;

  return g_steal_pointer (&self);
}

GPtrArray *
_qssl_cipher_list_new_from_ctx (SSL_CTX *ctx)
{
  STACK_OF (SSL_CIPHER) *stack = SSL_CTX_get_ciphers (ctx);
  GPtrArray *list = g_ptr_array_new_with_free_func (g_object_unref);

  for (int i = 0; stack != NULL && i < sk_SSL_CIPHER_num (stack); i++)
    {
      QsslCipher *cipher = _qssl_cipher_new_from_ssl_cipher (sk_SSL_CIPHER_value (stack, i));

      if (qssl_cipher_is_null (cipher))
        g_object_unref (cipher);
      else
        g_ptr_array_add (list, cipher);
    }
  return list;
}

static GPtrArray *
load_cipher_list (gboolean everything)
{
  SSL_CTX *ctx = SSL_CTX_new (TLS_method ());
  GPtrArray *list;

  if (ctx == NULL)
    {
      _qssl_clear_openssl_errors ();
      return g_ptr_array_new_with_free_func (g_object_unref);
    }
  if (everything)
    {
      /* Level 0 so that nothing OpenSSL implements is left out. */
      SSL_CTX_set_security_level (ctx, 0);
      SSL_CTX_set_cipher_list (ctx, "ALL:COMPLEMENTOFALL");
      SSL_CTX_set_ciphersuites (ctx, QSSL_TLS13_ALL_CIPHERSUITES);
    }
  else
    SSL_CTX_set_cipher_list (ctx, QSSL_DEFAULT_TLS12_CIPHERS);
  list = _qssl_cipher_list_new_from_ctx (ctx);
  SSL_CTX_free (ctx);
  _qssl_clear_openssl_errors ();
  return list;
}

GPtrArray *
_qssl_cipher_get_supported (void)
{
  static GPtrArray *supported = NULL;

  if (g_once_init_enter (&supported))
    g_once_init_leave (&supported, load_cipher_list (TRUE));
  return supported;
}

GPtrArray *
_qssl_cipher_get_default (void)
{
  static GPtrArray *defaults = NULL;

  if (g_once_init_enter (&defaults))
    g_once_init_leave (&defaults, load_cipher_list (FALSE));
  return defaults;
}

static QsslCipher *
cipher_copy (QsslCipher *other)
{
  QsslCipher *self = g_object_new (QSSL_TYPE_CIPHER, NULL);

  g_free (self->name);
  self->name = g_strdup (other->name);
  g_free (self->protocol_string);
  self->protocol_string = g_strdup (other->protocol_string);
  g_free (self->key_exchange_method);
  self->key_exchange_method = g_strdup (other->key_exchange_method);
  g_free (self->authentication_method);
  self->authentication_method = g_strdup (other->authentication_method);
  g_free (self->encryption_method);
  self->encryption_method = g_strdup (other->encryption_method);
  self->protocol = other->protocol;
  self->supported_bits = other->supported_bits;
  self->used_bits = other->used_bits;
  return self;
}

static QsslCipher *
find_supported (const char   *name,
                gboolean      match_protocol,
                QsslProtocol  protocol)
{
  GPtrArray *supported = _qssl_cipher_get_supported ();

  for (guint i = 0; i < supported->len; i++)
    {
      QsslCipher *cipher = g_ptr_array_index (supported, i);

      if (g_str_equal (cipher->name, name) && (!match_protocol || cipher->protocol == protocol))
        return cipher_copy (cipher);
    }
  return g_object_new (QSSL_TYPE_CIPHER, NULL);
}

/**
 * qssl_cipher_new:
 * @name: an OpenSSL cipher name, such as "TLS_AES_128_GCM_SHA256" or
 *   "ECDHE-ECDSA-AES128-GCM-SHA256"
 *
 * The supported cipher called @name. When the running OpenSSL implements no
 * cipher of that name (the comparison is case-sensitive), the result is the
 * null cipher: check [method@Qssl.Cipher.is_null].
 *
 * Mirrors `QSslCipher::QSslCipher(const QString &name)`.
 *
 * Returns: (transfer full): the cipher, possibly the null cipher
 *
 * Since: 1.0
 */
QsslCipher *
qssl_cipher_new (const char *name)
{
  g_return_val_if_fail (name != NULL, NULL);

  return find_supported (name, FALSE, QSSL_PROTOCOL_UNKNOWN_PROTOCOL);
}

/**
 * qssl_cipher_new_with_protocol:
 * @name: an OpenSSL cipher name
 * @protocol: the protocol the cipher must belong to, as
 *   [method@Qssl.Cipher.get_protocol] reports it
 *
 * The supported cipher called @name whose protocol is @protocol; the null
 * cipher when there is none (for example "TLS_AES_128_GCM_SHA256" with
 * %QSSL_PROTOCOL_TLS_V1_2).
 *
 * Mirrors `QSslCipher::QSslCipher(const QString &name, QSsl::SslProtocol protocol)`.
 *
 * Returns: (transfer full): the cipher, possibly the null cipher
 *
 * Since: 1.0
 */
QsslCipher *
qssl_cipher_new_with_protocol (const char   *name,
                               QsslProtocol  protocol)
{
  g_return_val_if_fail (name != NULL, NULL);

  return find_supported (name, TRUE, protocol);
}

/**
 * qssl_cipher_is_null:
 * @self: a #QsslCipher
 *
 * Whether this is the null cipher, the result of looking up a name OpenSSL
 * does not know. Its name is the empty string.
 *
 * Mirrors `QSslCipher::isNull()`.
 *
 * Returns: %TRUE for the null cipher
 *
 * Since: 1.0
 */
gboolean
qssl_cipher_is_null (QsslCipher *self)
{
  g_return_val_if_fail (QSSL_IS_CIPHER (self), TRUE);

  return self->name[0] == '\0';
}

/**
 * qssl_cipher_get_name:
 * @self: a #QsslCipher
 *
 * The OpenSSL name of the cipher, or "" for the null cipher.
 *
 * Mirrors `QSslCipher::name()`.
 *
 * Returns: (transfer none): the name
 *
 * Since: 1.0
 */
const char *
qssl_cipher_get_name (QsslCipher *self)
{
  g_return_val_if_fail (QSSL_IS_CIPHER (self), NULL);

  return self->name;
}

/**
 * qssl_cipher_get_supported_bits:
 * @self: a #QsslCipher
 *
 * The key size of the cipher's algorithm in bits (the `alg_bits` of
 * `SSL_CIPHER_get_bits()`); 0 for the null cipher.
 *
 * Mirrors `QSslCipher::supportedBits()`.
 *
 * Returns: the number of bits
 *
 * Since: 1.0
 */
int
qssl_cipher_get_supported_bits (QsslCipher *self)
{
  g_return_val_if_fail (QSSL_IS_CIPHER (self), 0);

  return self->supported_bits;
}

/**
 * qssl_cipher_get_used_bits:
 * @self: a #QsslCipher
 *
 * The number of secret bits the cipher actually uses (the value
 * `SSL_CIPHER_get_bits()` returns): 128 for AES-128, 0 for a suite without
 * encryption or the null cipher.
 *
 * Mirrors `QSslCipher::usedBits()`.
 *
 * Returns: the number of bits
 *
 * Since: 1.0
 */
int
qssl_cipher_get_used_bits (QsslCipher *self)
{
  g_return_val_if_fail (QSSL_IS_CIPHER (self), 0);

  return self->used_bits;
}

/**
 * qssl_cipher_get_key_exchange_method:
 * @self: a #QsslCipher
 *
 * The key exchange method as OpenSSL's cipher description names it ("ECDH",
 * "DH", "RSA", "PSK", ...; "any" for TLS 1.3 suites, which do not fix it).
 *
 * Mirrors `QSslCipher::keyExchangeMethod()`.
 *
 * Returns: (transfer none): the method, "" for the null cipher
 *
 * Since: 1.0
 */
const char *
qssl_cipher_get_key_exchange_method (QsslCipher *self)
{
  g_return_val_if_fail (QSSL_IS_CIPHER (self), NULL);

  return self->key_exchange_method;
}

/**
 * qssl_cipher_get_authentication_method:
 * @self: a #QsslCipher
 *
 * The authentication method as OpenSSL's cipher description names it
 * ("RSA", "ECDSA", "PSK", ...; "any" for TLS 1.3 suites).
 *
 * Mirrors `QSslCipher::authenticationMethod()`.
 *
 * Returns: (transfer none): the method, "" for the null cipher
 *
 * Since: 1.0
 */
const char *
qssl_cipher_get_authentication_method (QsslCipher *self)
{
  g_return_val_if_fail (QSSL_IS_CIPHER (self), NULL);

  return self->authentication_method;
}

/**
 * qssl_cipher_get_encryption_method:
 * @self: a #QsslCipher
 *
 * The bulk encryption as OpenSSL's cipher description names it, with its
 * key size: "AESGCM(128)", "CHACHA20/POLY1305(256)", "None".
 *
 * Mirrors `QSslCipher::encryptionMethod()`.
 *
 * Returns: (transfer none): the method, "" for the null cipher
 *
 * Since: 1.0
 */
const char *
qssl_cipher_get_encryption_method (QsslCipher *self)
{
  g_return_val_if_fail (QSSL_IS_CIPHER (self), NULL);

  return self->encryption_method;
}

/**
 * qssl_cipher_get_protocol:
 * @self: a #QsslCipher
 *
 * The oldest protocol version the cipher can be used with, read from the
 * protocol string as Qt does: "TLSv1.3" gives %QSSL_PROTOCOL_TLS_V1_3,
 * "TLSv1.2" %QSSL_PROTOCOL_TLS_V1_2, "TLSv1" %QSSL_PROTOCOL_TLS_V1_0.
 * Suites OpenSSL dates back to SSL 3 ("SSLv3"; they work in TLS 1.2 too)
 * and the null cipher give %QSSL_PROTOCOL_UNKNOWN_PROTOCOL.
 *
 * Mirrors `QSslCipher::protocol()`.
 *
 * Returns: the protocol
 *
 * Since: 1.0
 */
QsslProtocol
qssl_cipher_get_protocol (QsslCipher *self)
{
  g_return_val_if_fail (QSSL_IS_CIPHER (self), QSSL_PROTOCOL_UNKNOWN_PROTOCOL);

  return self->protocol;
}

/**
 * qssl_cipher_get_protocol_string:
 * @self: a #QsslCipher
 *
 * The protocol version as OpenSSL prints it: "TLSv1.3", "TLSv1.2",
 * "TLSv1", "SSLv3".
 *
 * Mirrors `QSslCipher::protocolString()`.
 *
 * Returns: (transfer none): the protocol name, "" for the null cipher
 *
 * Since: 1.0
 */
const char *
qssl_cipher_get_protocol_string (QsslCipher *self)
{
  g_return_val_if_fail (QSSL_IS_CIPHER (self), NULL);

  return self->protocol_string;
}

/**
 * qssl_cipher_equal:
 * @self: a #QsslCipher
 * @other: another #QsslCipher
 *
 * Whether both ciphers have the same name and the same protocol; two null
 * ciphers are equal.
 *
 * Mirrors `QSslCipher::operator==()`.
 *
 * Returns: %TRUE when equal
 *
 * Since: 1.0
 */
gboolean
qssl_cipher_equal (QsslCipher *self,
                   QsslCipher *other)
{
  g_return_val_if_fail (QSSL_IS_CIPHER (self), FALSE);
  g_return_val_if_fail (QSSL_IS_CIPHER (other), FALSE);

  return self == other ||
         (g_str_equal (self->name, other->name) && self->protocol == other->protocol);
}
