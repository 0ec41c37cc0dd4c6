/* qssl-cipher.c: QsslCipher, a TLS cipher suite (QSslCipher)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "qssl.h"
#include "qssl-cipher-private.h"
#include "qssl-private.h"

/**
 * QsslCipher:
 *
 * A cipher suite: its OpenSSL name, key exchange, authentication, encryption
 * and strength. A cipher made from a name OpenSSL does not know is "null":
 * empty name, zero bits (see [method@Qssl.Cipher.is_null]).
 *
 * Mirrors `QSslCipher`.
 *
 * Since: 1.0
 */
struct _QsslCipher
{
  GObject       parent_instance;

  char         *name;
  char         *key_exchange;
  char         *authentication;
  char         *encryption;
  char         *protocol_string;
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
  g_free (self->key_exchange);
  g_free (self->authentication);
  g_free (self->encryption);
  g_free (self->protocol_string);

  G_OBJECT_CLASS (qssl_cipher_parent_class)->finalize (object);
}

static void
qssl_cipher_class_init (QsslCipherClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = qssl_cipher_finalize;
}

static void
qssl_cipher_init (QsslCipher *self)
{
  self->name = g_strdup ("");
  self->key_exchange = g_strdup ("");
  self->authentication = g_strdup ("");
  self->encryption = g_strdup ("");
  self->protocol_string = g_strdup ("");
  self->protocol = QSSL_PROTOCOL_UNKNOWN_PROTOCOL;
}

static QsslProtocol
protocol_from_version (const char *version)
{
  if (g_str_equal (version, "TLSv1.3"))
    return QSSL_PROTOCOL_TLS_V1_3;
  if (g_str_equal (version, "TLSv1.2"))
    return QSSL_PROTOCOL_TLS_V1_2;
  if (g_str_equal (version, "TLSv1.1"))
    return QSSL_PROTOCOL_TLS_V1_1;
  if (g_str_equal (version, "TLSv1.0") || g_str_equal (version, "TLSv1") || g_str_equal (version, "SSLv3"))
    return QSSL_PROTOCOL_TLS_V1_0;
  return QSSL_PROTOCOL_UNKNOWN_PROTOCOL;
}

/* Fields "Kx=ECDH Au=RSA Enc=AESGCM(128)" of SSL_CIPHER_description, which
 * is what Qt reports too. */
static char *
description_field (const char *description,
                   const char *key)
{
  const char *start = strstr (description, key);
  const char *end;

  if (start == NULL)
    return g_strdup ("");
  start += strlen (key);
  end = start;
  while (*end != '\0' && *end != ' ' && *end != '\n')
    end++;
  return g_strndup (start, end - start);
}

QsslCipher *
_qssl_cipher_new_from_ssl_cipher (const SSL_CIPHER *cipher)
{
  QsslCipher *self;
  char description[256];
  int alg_bits = 0;

  g_return_val_if_fail (cipher != NULL, NULL);

  self = g_object_new (QSSL_TYPE_CIPHER, NULL);
  g_free (self->name);
  self->name = g_strdup (SSL_CIPHER_get_name (cipher));
  g_free (self->protocol_string);
  self->protocol_string = g_strdup (SSL_CIPHER_get_version (cipher));
  self->protocol = protocol_from_version (self->protocol_string);
  self->used_bits = SSL_CIPHER_get_bits (cipher, &alg_bits);
  self->supported_bits = alg_bits;
  if (SSL_CIPHER_description (cipher, description, sizeof description) != NULL)
    {
      g_free (self->key_exchange);
      self->key_exchange = description_field (description, "Kx=");
      g_free (self->authentication);
      self->authentication = description_field (description, "Au=");
      g_free (self->encryption);
      self->encryption = description_field (description, "Enc=");
    }
  return self;
}

static const SSL_CIPHER *
find_cipher (const char   *name,
             QsslProtocol  protocol,
             SSL_CTX      *ctx)
{
  STACK_OF (SSL_CIPHER) *stack = SSL_CTX_get_ciphers (ctx);

  for (int i = 0; stack != NULL && i < sk_SSL_CIPHER_num (stack); i++)
    {
      const SSL_CIPHER *cipher = sk_SSL_CIPHER_value (stack, i);

      if (g_str_equal (SSL_CIPHER_get_name (cipher), name) &&
          (protocol == QSSL_PROTOCOL_UNKNOWN_PROTOCOL ||
           protocol_from_version (SSL_CIPHER_get_version (cipher)) == protocol))
        return cipher;
    }
  return NULL;
}

static QsslCipher *
cipher_new (const char   *name,
            QsslProtocol  protocol)
{
  SSL_CTX *ctx = SSL_CTX_new (TLS_method ());
  const SSL_CIPHER *cipher;
  QsslCipher *self;

  SSL_CTX_set_security_level (ctx, 0);
  SSL_CTX_set_cipher_list (ctx, "ALL:COMPLEMENTOFALL");
  cipher = find_cipher (name, protocol, ctx);
  self = cipher ? _qssl_cipher_new_from_ssl_cipher (cipher) : g_object_new (QSSL_TYPE_CIPHER, NULL);
  SSL_CTX_free (ctx);
  ERR_clear_error ();
  return self;
}

/**
 * qssl_cipher_new:
 * @name: an OpenSSL cipher name ("TLS_AES_128_GCM_SHA256",
 *   "ECDHE-ECDSA-AES128-GCM-SHA256")
 *
 * The cipher suite called @name; a null cipher (empty name) when OpenSSL has
 * none by that name.
 *
 * Mirrors `QSslCipher::QSslCipher(const QString &)`.
 *
 * Returns: (transfer full): the cipher
 *
 * Since: 1.0
 */
QsslCipher *
qssl_cipher_new (const char *name)
{
  g_return_val_if_fail (name != NULL, NULL);

  return cipher_new (name, QSSL_PROTOCOL_UNKNOWN_PROTOCOL);
}

/**
 * qssl_cipher_new_with_protocol:
 * @name: an OpenSSL cipher name
 * @protocol: the protocol version the cipher belongs to
 *
 * The cipher suite called @name for @protocol; a null cipher if there is none.
 *
 * Mirrors `QSslCipher::QSslCipher(const QString &, QSsl::SslProtocol)`.
 *
 * Returns: (transfer full): the cipher
 *
 * Since: 1.0
 */
QsslCipher *
qssl_cipher_new_with_protocol (const char   *name,
                               QsslProtocol  protocol)
{
  g_return_val_if_fail (name != NULL, NULL);

  return cipher_new (name, protocol);
}

/**
 * qssl_cipher_is_null:
 * @self: a #QsslCipher
 *
 * Whether this is the null cipher (made from an unknown name).
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
 * The OpenSSL name of the cipher, "" for the null cipher.
 *
 * Mirrors `QSslCipher::name()`.
 *
 * Returns: the name
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
 * The strength of the cipher's algorithm in bits.
 *
 * Mirrors `QSslCipher::supportedBits()`.
 *
 * Returns: the bits
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
 * The number of key bits the cipher actually uses.
 *
 * Mirrors `QSslCipher::usedBits()`.
 *
 * Returns: the bits
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
 * The key exchange, as OpenSSL describes it ("ECDH", "any" for TLS 1.3).
 *
 * Mirrors `QSslCipher::keyExchangeMethod()`.
 *
 * Returns: the key exchange method
 *
 * Since: 1.0
 */
const char *
qssl_cipher_get_key_exchange_method (QsslCipher *self)
{
  g_return_val_if_fail (QSSL_IS_CIPHER (self), NULL);

  return self->key_exchange;
}

/**
 * qssl_cipher_get_authentication_method:
 * @self: a #QsslCipher
 *
 * The authentication, as OpenSSL describes it ("RSA", "ECDSA", "any").
 *
 * Mirrors `QSslCipher::authenticationMethod()`.
 *
 * Returns: the authentication method
 *
 * Since: 1.0
 */
const char *
qssl_cipher_get_authentication_method (QsslCipher *self)
{
  g_return_val_if_fail (QSSL_IS_CIPHER (self), NULL);

  return self->authentication;
}

/**
 * qssl_cipher_get_encryption_method:
 * @self: a #QsslCipher
 *
 * The bulk encryption, as OpenSSL describes it ("AESGCM(128)").
 *
 * Mirrors `QSslCipher::encryptionMethod()`.
 *
 * Returns: the encryption method
 *
 * Since: 1.0
 */
const char *
qssl_cipher_get_encryption_method (QsslCipher *self)
{
  g_return_val_if_fail (QSSL_IS_CIPHER (self), NULL);

  return self->encryption;
}

/**
 * qssl_cipher_get_protocol:
 * @self: a #QsslCipher
 *
 * The protocol version the cipher belongs to.
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
 * The protocol version as OpenSSL names it ("TLSv1.3").
 *
 * Mirrors `QSslCipher::protocolString()`.
 *
 * Returns: the protocol name
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
 * Whether both ciphers have the same name and protocol.
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

  return g_str_equal (self->name, other->name) && self->protocol == other->protocol;
}
