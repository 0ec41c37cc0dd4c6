/* qssl-key.c: QsslKey, a public or private key (QSslKey)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include <openssl/decoder.h>
#include <openssl/encoder.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "qssl.h"
#include "qssl-key-private.h"
#include "qssl-private.h"

/**
 * QsslKey:
 *
 * A public or private key: RSA, DSA, elliptic curve, Diffie-Hellman, or any
 * other algorithm OpenSSL knows (an "opaque" key).
 *
 * Keys are immutable. Load one with [ctor@Qssl.Key.new_from_data] or
 * [ctor@Qssl.Key.new_from_path]; encrypted PEM keys need their passphrase, and a
 * wrong or missing passphrase is reported as a #GError, never by a prompt on the
 * terminal.
 *
 * Mirrors `QSslKey`.
 *
 * Since: 1.0
 */
struct _QsslKey
{
  GObject      parent_instance;

  EVP_PKEY    *pkey;
  QsslKeyType  key_type;
};

G_DEFINE_FINAL_TYPE (QsslKey, qssl_key, G_TYPE_OBJECT)

static void
qssl_key_finalize (GObject *object)
{
  QsslKey *self = QSSL_KEY (object);

  /* OpenSSL clears a private key's material as it frees it (BN_clear_free,
   * OPENSSL_secure_clear_free); the key holds no other copy. */
  g_clear_pointer (&self->pkey, EVP_PKEY_free);

  G_OBJECT_CLASS (qssl_key_parent_class)->finalize (object);
}

static void
qssl_key_class_init (QsslKeyClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = qssl_key_finalize;
}

static void
qssl_key_init (QsslKey *self)
{
}

QsslKey *
_qssl_key_new_take (EVP_PKEY    *pkey,
                    QsslKeyType  key_type)
{
  QsslKey *self;

  g_return_val_if_fail (pkey != NULL, NULL);

  self = g_object_new (QSSL_TYPE_KEY, NULL);
  self->pkey = pkey;
  self->key_type = key_type;
  return self;
}

EVP_PKEY *
_qssl_key_get_pkey (QsslKey *self)
{
  g_return_val_if_fail (QSSL_IS_KEY (self), NULL);

  return self->pkey;
}

static QsslKeyAlgorithm
algorithm_of (EVP_PKEY *pkey)
{
  switch (EVP_PKEY_get_base_id (pkey))
    {
    case EVP_PKEY_RSA:
    case EVP_PKEY_RSA_PSS:
      return QSSL_KEY_ALGORITHM_RSA;
    case EVP_PKEY_DSA:
      return QSSL_KEY_ALGORITHM_DSA;
    case EVP_PKEY_EC:
      return QSSL_KEY_ALGORITHM_EC;
    case EVP_PKEY_DH:
    case EVP_PKEY_DHX:
      return QSSL_KEY_ALGORITHM_DH;
    default:
      return QSSL_KEY_ALGORITHM_OPAQUE;
    }
}

static const char *
algorithm_name (QsslKeyAlgorithm algorithm)
{
  switch (algorithm)
    {
    case QSSL_KEY_ALGORITHM_RSA:
      return "RSA";
    case QSSL_KEY_ALGORITHM_DSA:
      return "DSA";
    case QSSL_KEY_ALGORITHM_EC:
      return "EC";
    case QSSL_KEY_ALGORITHM_DH:
      return "DH";
    case QSSL_KEY_ALGORITHM_OPAQUE:
    default:
      return "opaque";
    }
}

typedef struct
{
  const char *passphrase;
  gboolean    asked;
} PassphraseRequest;

/* OpenSSL asks for the passphrase only when the data is encrypted; answering
 * from here (and never from the terminal) is what keeps a missing passphrase an
 * error instead of a prompt. */
static int
passphrase_cb (char *buffer,
               int   size,
               int   rwflag,
               void *user_data)
{
  PassphraseRequest *request = user_data;
  size_t length;

  request->asked = TRUE;
  if (request->passphrase == NULL)
    return -1;
  length = strlen (request->passphrase);
  if (length > (size_t) size)
    return -1;
  memcpy (buffer, request->passphrase, length);
  return (int) length;
}

static EVP_PKEY *
decode_key (GBytes             *data,
            QsslEncodingFormat  format,
            QsslKeyType         key_type,
            PassphraseRequest  *request)
{
  OSSL_DECODER_CTX *decoder;
  EVP_PKEY *pkey = NULL;
  const unsigned char *bytes;
  size_t length;
  int selection;

  bytes = g_bytes_get_data (data, &length);
  if (length == 0)
    return NULL;

  /* Selecting the private half alone keeps a public key file from passing
   * as a private key. */
  selection = key_type == QSSL_KEY_TYPE_PRIVATE_KEY ? OSSL_KEYMGMT_SELECT_PRIVATE_KEY
                                                    : OSSL_KEYMGMT_SELECT_PUBLIC_KEY;
  decoder = OSSL_DECODER_CTX_new_for_pkey (&pkey,
                                           format == QSSL_ENCODING_FORMAT_PEM ? "PEM" : "DER",
                                           NULL, NULL, selection, NULL, NULL);
  if (decoder == NULL)
    return NULL;
  OSSL_DECODER_CTX_set_pem_password_cb (decoder, passphrase_cb, request);
  if (!OSSL_DECODER_from_data (decoder, &bytes, &length))
    pkey = NULL;
  OSSL_DECODER_CTX_free (decoder);
  return pkey;
}

/**
 * qssl_key_new_from_data:
 * @data: the encoded key
 * @algorithm: the expected algorithm; %QSSL_KEY_ALGORITHM_OPAQUE accepts any
 * @format: PEM or DER
 * @key_type: whether @data holds a private or a public key
 * @passphrase: (nullable): the passphrase of an encrypted private key
 * @error: return location for a #GError
 *
 * Decodes a key. Private keys may be PKCS#8 (encrypted or not) or the
 * traditional per-algorithm forms (with `Proc-Type`/`DEK-Info` encryption);
 * public keys are SubjectPublicKeyInfo. An unencrypted key loads whatever
 * @passphrase is given, like Qt.
 *
 * Errors: %G_TLS_ERROR_BAD_CERTIFICATE_PASSWORD when the key is encrypted and
 * @passphrase is missing or wrong, %G_TLS_ERROR_BAD_CERTIFICATE when the data is
 * not a key of the expected type or algorithm.
 *
 * Mirrors `QSslKey::QSslKey(const QByteArray &, QSsl::KeyAlgorithm, ...)`.
 *
 * Returns: (transfer full): the key, or %NULL with @error set
 *
 * Since: 1.0
 */
QsslKey *
qssl_key_new_from_data (GBytes             *data,
                        QsslKeyAlgorithm    algorithm,
                        QsslEncodingFormat  format,
                        QsslKeyType         key_type,
                        const char         *passphrase,
                        GError            **error)
{
  PassphraseRequest request = { passphrase, FALSE };
  QsslKeyAlgorithm actual;
  EVP_PKEY *pkey;

  g_return_val_if_fail (data != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  _qssl_init ();

  pkey = decode_key (data, format, key_type, &request);
  _qssl_clear_openssl_errors ();
  if (pkey == NULL)
    {
      if (request.asked)
        g_set_error_literal (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE_PASSWORD,
                             passphrase == NULL
                               ? _("The key is encrypted and no passphrase was given")
                               : _("The passphrase of the key is wrong"));
      else
        g_set_error_literal (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE,
                             key_type == QSSL_KEY_TYPE_PRIVATE_KEY
                               ? _("Could not read a private key from the data")
                               : _("Could not read a public key from the data"));
      return NULL;
    }

  actual = algorithm_of (pkey);
  if (algorithm != QSSL_KEY_ALGORITHM_OPAQUE && algorithm != actual)
    {
      g_set_error (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE,
                   _("The key is not an %s key"), algorithm_name (algorithm));
      EVP_PKEY_free (pkey);
      return NULL;
    }

  return _qssl_key_new_take (pkey, key_type);
}

/**
 * qssl_key_new_from_path:
 * @path: (type filename): a file holding the key
 * @algorithm: the expected algorithm; %QSSL_KEY_ALGORITHM_OPAQUE accepts any
 * @format: PEM or DER
 * @key_type: whether the file holds a private or a public key
 * @passphrase: (nullable): the passphrase of an encrypted private key
 * @error: return location for a #GError
 *
 * Reads @path and decodes it like [ctor@Qssl.Key.new_from_data]. File errors
 * are reported in the %G_FILE_ERROR domain.
 *
 * Mirrors `QSslKey::QSslKey(QIODevice *, QSsl::KeyAlgorithm, ...)`.
 *
 * Returns: (transfer full): the key, or %NULL with @error set
 *
 * Since: 1.0
 */
QsslKey *
qssl_key_new_from_path (const char         *path,
                        QsslKeyAlgorithm    algorithm,
                        QsslEncodingFormat  format,
                        QsslKeyType         key_type,
                        const char         *passphrase,
                        GError            **error)
{
  g_autoptr(GBytes) data = NULL;
  char *contents = NULL;
  gsize length = 0;

  g_return_val_if_fail (path != NULL, NULL);

  if (!g_file_get_contents (path, &contents, &length, error))
    return NULL;
  /* The file may hold a private key in clear: wiped once decoded. */
  data = _qssl_secret_bytes_new_take (contents, length, g_free);
  return qssl_key_new_from_data (data, algorithm, format, key_type, passphrase, error);
}

/**
 * qssl_key_get_algorithm:
 * @self: a #QsslKey
 *
 * The key's algorithm; keys of algorithms Qt does not name (Ed25519, X25519,
 * ...) are %QSSL_KEY_ALGORITHM_OPAQUE.
 *
 * Mirrors `QSslKey::algorithm()`.
 *
 * Returns: the algorithm
 *
 * Since: 1.0
 */
QsslKeyAlgorithm
qssl_key_get_algorithm (QsslKey *self)
{
  g_return_val_if_fail (QSSL_IS_KEY (self), QSSL_KEY_ALGORITHM_OPAQUE);

  return algorithm_of (self->pkey);
}

/**
 * qssl_key_get_key_type:
 * @self: a #QsslKey
 *
 * Whether this is a private or a public key.
 *
 * Mirrors `QSslKey::type()`.
 *
 * Returns: the key type
 *
 * Since: 1.0
 */
QsslKeyType
qssl_key_get_key_type (QsslKey *self)
{
  g_return_val_if_fail (QSSL_IS_KEY (self), QSSL_KEY_TYPE_PRIVATE_KEY);

  return self->key_type;
}

/**
 * qssl_key_get_length:
 * @self: a #QsslKey
 *
 * The key's size in bits (the modulus for RSA, DSA and DH, the curve's order
 * for EC).
 *
 * Mirrors `QSslKey::length()`.
 *
 * Returns: the length in bits
 *
 * Since: 1.0
 */
int
qssl_key_get_length (QsslKey *self)
{
  g_return_val_if_fail (QSSL_IS_KEY (self), -1);

  return EVP_PKEY_get_bits (self->pkey);
}

static GBytes *
encode_key (QsslKey    *self,
            const char *output_type,
            const char *passphrase,
            GError    **error)
{
  OSSL_ENCODER_CTX *encoder;
  unsigned char *buffer = NULL;
  size_t length = 0;
  int selection;

  selection = self->key_type == QSSL_KEY_TYPE_PRIVATE_KEY ? OSSL_KEYMGMT_SELECT_ALL
                                                          : OSSL_KEYMGMT_SELECT_PUBLIC_KEY;
  encoder = OSSL_ENCODER_CTX_new_for_pkey (self->pkey, selection, output_type,
                                           self->key_type == QSSL_KEY_TYPE_PRIVATE_KEY
                                             ? "PrivateKeyInfo" : "SubjectPublicKeyInfo",
                                           NULL);
  if (encoder == NULL)
    goto fail;
  if (passphrase != NULL && self->key_type == QSSL_KEY_TYPE_PRIVATE_KEY)
    {
      if (!OSSL_ENCODER_CTX_set_cipher (encoder, "AES-256-CBC", NULL) ||
          !OSSL_ENCODER_CTX_set_passphrase (encoder, (const unsigned char *) passphrase,
                                            strlen (passphrase)))
        goto fail;
    }
  if (!OSSL_ENCODER_to_data (encoder, &buffer, &length))
    goto fail;
  OSSL_ENCODER_CTX_free (encoder);
  {
    /* Wiped when the caller drops it, as is OpenSSL's own buffer now. */
    GBytes *bytes = self->key_type == QSSL_KEY_TYPE_PRIVATE_KEY ? _qssl_secret_bytes_new (buffer, length)
                                                                : g_bytes_new (buffer, length);
    OPENSSL_clear_free (buffer, length);
    return bytes;
  }

fail:
  OSSL_ENCODER_CTX_free (encoder);
  _qssl_set_error_from_openssl (error, G_TLS_ERROR, G_TLS_ERROR_MISC, _("Could not encode the key"));
  return NULL;
}

/**
 * qssl_key_to_pem:
 * @self: a #QsslKey
 * @passphrase: (nullable): encrypt a private key with this passphrase
 * @error: return location for a #GError
 *
 * The key in PEM: a private key as PKCS#8 (`PRIVATE KEY`, or `ENCRYPTED
 * PRIVATE KEY` with AES-256-CBC when @passphrase is given), a public key as
 * SubjectPublicKeyInfo (`PUBLIC KEY`, never encrypted). What this writes reads
 * back through [ctor@Qssl.Key.new_from_data] with the same passphrase. Qt
 * writes the traditional per-algorithm forms; PKCS#8 is what current OpenSSL
 * and other libraries expect.
 *
 * Mirrors `QSslKey::toPem()`.
 *
 * Returns: (transfer full): the PEM text, or %NULL with @error set
 *
 * Since: 1.0
 */
GBytes *
qssl_key_to_pem (QsslKey     *self,
                 const char  *passphrase,
                 GError     **error)
{
  g_return_val_if_fail (QSSL_IS_KEY (self), NULL);

  _qssl_init ();
  return encode_key (self, "PEM", passphrase, error);
}

/**
 * qssl_key_to_der:
 * @self: a #QsslKey
 *
 * The key in DER, unencrypted: PKCS#8 for a private key, SubjectPublicKeyInfo
 * for a public one.
 *
 * Mirrors `QSslKey::toDer()`.
 *
 * Returns: (transfer full): the DER bytes
 *
 * Since: 1.0
 */
GBytes *
qssl_key_to_der (QsslKey *self)
{
  g_autoptr(GError) error = NULL;
  GBytes *bytes;

  g_return_val_if_fail (QSSL_IS_KEY (self), NULL);

  bytes = encode_key (self, "DER", NULL, &error);
  if (bytes == NULL)
    {
      g_debug ("%s", error->message);
      return g_bytes_new (NULL, 0);
    }
  return bytes;
}

/**
 * qssl_key_equal:
 * @self: a #QsslKey
 * @other: another #QsslKey
 *
 * Whether both keys are of the same type and hold the same key material (for
 * a private and a public key of one pair, the answer is %FALSE, as in Qt).
 *
 * Mirrors `QSslKey::operator==()`.
 *
 * Returns: %TRUE when the keys are equal
 *
 * Since: 1.0
 */
gboolean
qssl_key_equal (QsslKey *self,
                QsslKey *other)
{
  g_return_val_if_fail (QSSL_IS_KEY (self), FALSE);
  g_return_val_if_fail (QSSL_IS_KEY (other), FALSE);

  if (self == other)
    return TRUE;
  return self->key_type == other->key_type && EVP_PKEY_eq (self->pkey, other->pkey) == 1;
}
