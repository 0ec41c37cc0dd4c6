/* test-key.c: QsslKey over every algorithm, encoding and passphrase case
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "qssl-test-utils.h"

static QsslKey *
load (const char          *name,
      QsslKeyAlgorithm     algorithm,
      QsslEncodingFormat   format,
      QsslKeyType          type,
      const char          *passphrase,
      GError             **error)
{
  g_autoptr(GBytes) data = qssl_test_pki_bytes (name);

  return qssl_key_new_from_data (data, algorithm, format, type, passphrase, error);
}

static void
test_algorithms_and_lengths (void)
{
  struct {
    const char *file; QsslKeyAlgorithm algorithm; QsslEncodingFormat format; QsslKeyType type;
    int bits; QsslKeyAlgorithm reported;
  } cases[] = {
    { "keys/rsa-2048.key", QSSL_KEY_ALGORITHM_RSA, QSSL_ENCODING_FORMAT_PEM, QSSL_KEY_TYPE_PRIVATE_KEY, 2048, QSSL_KEY_ALGORITHM_RSA },
    { "keys/rsa-2048.pub.pem", QSSL_KEY_ALGORITHM_RSA, QSSL_ENCODING_FORMAT_PEM, QSSL_KEY_TYPE_PUBLIC_KEY, 2048, QSSL_KEY_ALGORITHM_RSA },
    { "keys/rsa-2048.key.der", QSSL_KEY_ALGORITHM_RSA, QSSL_ENCODING_FORMAT_DER, QSSL_KEY_TYPE_PRIVATE_KEY, 2048, QSSL_KEY_ALGORITHM_RSA },
    { "keys/rsa-2048.pub.der", QSSL_KEY_ALGORITHM_RSA, QSSL_ENCODING_FORMAT_DER, QSSL_KEY_TYPE_PUBLIC_KEY, 2048, QSSL_KEY_ALGORITHM_RSA },
    { "keys/rsa-1024.key", QSSL_KEY_ALGORITHM_RSA, QSSL_ENCODING_FORMAT_PEM, QSSL_KEY_TYPE_PRIVATE_KEY, 1024, QSSL_KEY_ALGORITHM_RSA },
    { "keys/ec-p256.key", QSSL_KEY_ALGORITHM_EC, QSSL_ENCODING_FORMAT_PEM, QSSL_KEY_TYPE_PRIVATE_KEY, 256, QSSL_KEY_ALGORITHM_EC },
    { "keys/ec-p256.pub.der", QSSL_KEY_ALGORITHM_EC, QSSL_ENCODING_FORMAT_DER, QSSL_KEY_TYPE_PUBLIC_KEY, 256, QSSL_KEY_ALGORITHM_EC },
    { "keys/ec-p384.key", QSSL_KEY_ALGORITHM_EC, QSSL_ENCODING_FORMAT_PEM, QSSL_KEY_TYPE_PRIVATE_KEY, 384, QSSL_KEY_ALGORITHM_EC },
    { "keys/dsa-2048.key", QSSL_KEY_ALGORITHM_DSA, QSSL_ENCODING_FORMAT_PEM, QSSL_KEY_TYPE_PRIVATE_KEY, 2048, QSSL_KEY_ALGORITHM_DSA },
    { "keys/dsa-2048.pub.pem", QSSL_KEY_ALGORITHM_DSA, QSSL_ENCODING_FORMAT_PEM, QSSL_KEY_TYPE_PUBLIC_KEY, 2048, QSSL_KEY_ALGORITHM_DSA },
    { "keys/dh-2048.key", QSSL_KEY_ALGORITHM_DH, QSSL_ENCODING_FORMAT_PEM, QSSL_KEY_TYPE_PRIVATE_KEY, 2048, QSSL_KEY_ALGORITHM_DH },
    { "keys/dh-2048.pub.pem", QSSL_KEY_ALGORITHM_DH, QSSL_ENCODING_FORMAT_PEM, QSSL_KEY_TYPE_PUBLIC_KEY, 2048, QSSL_KEY_ALGORITHM_DH },
    { "keys/ed25519.key", QSSL_KEY_ALGORITHM_OPAQUE, QSSL_ENCODING_FORMAT_PEM, QSSL_KEY_TYPE_PRIVATE_KEY, 256, QSSL_KEY_ALGORITHM_OPAQUE },
    { "keys/ec-p256.key", QSSL_KEY_ALGORITHM_OPAQUE, QSSL_ENCODING_FORMAT_PEM, QSSL_KEY_TYPE_PRIVATE_KEY, 256, QSSL_KEY_ALGORITHM_EC },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(QsslKey) key = load (cases[i].file, cases[i].algorithm, cases[i].format, cases[i].type, NULL, &error);

      g_test_message ("%s", cases[i].file);
      g_assert_no_error (error);
      g_assert_cmpint (qssl_key_get_algorithm (key), ==, cases[i].reported);
      g_assert_cmpint (qssl_key_get_key_type (key), ==, cases[i].type);
      g_assert_cmpint (qssl_key_get_length (key), ==, cases[i].bits);
    }
}

static void
test_wrong_algorithm_or_type (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(QsslKey) as_dsa = load ("keys/rsa-2048.key", QSSL_KEY_ALGORITHM_DSA, QSSL_ENCODING_FORMAT_PEM,
                                    QSSL_KEY_TYPE_PRIVATE_KEY, NULL, &error);
  g_autoptr(QsslKey) public_as_private = NULL;
  g_autoptr(QsslKey) garbage = NULL;

  g_assert_null (as_dsa);
  g_assert_error (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE);
  g_clear_error (&error);
  public_as_private = load ("keys/rsa-2048.pub.pem", QSSL_KEY_ALGORITHM_RSA, QSSL_ENCODING_FORMAT_PEM,
                            QSSL_KEY_TYPE_PRIVATE_KEY, NULL, &error);
  g_assert_null (public_as_private);
  g_assert_error (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE);
  g_clear_error (&error);
  garbage = load ("garbage.pem", QSSL_KEY_ALGORITHM_OPAQUE, QSSL_ENCODING_FORMAT_PEM,
                  QSSL_KEY_TYPE_PRIVATE_KEY, NULL, &error);
  g_assert_null (garbage);
  g_assert_error (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE);
}

static void
test_passphrases (void)
{
  const char *files[] = { "server-rsa-encrypted.key", "server-rsa-encrypted-legacy.key" };
  g_autoptr(QsslKey) plain = qssl_test_pki_key ("server-rsa.key");

  for (gsize i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(QsslKey) right = load (files[i], QSSL_KEY_ALGORITHM_RSA, QSSL_ENCODING_FORMAT_PEM,
                                       QSSL_KEY_TYPE_PRIVATE_KEY, "secret", &error);
      g_autoptr(QsslKey) wrong = NULL;
      g_autoptr(QsslKey) missing = NULL;

      g_assert_no_error (error);
      g_assert_true (qssl_key_equal (right, plain));
      wrong = load (files[i], QSSL_KEY_ALGORITHM_RSA, QSSL_ENCODING_FORMAT_PEM,
                    QSSL_KEY_TYPE_PRIVATE_KEY, "wrong", &error);
      g_assert_null (wrong);
      g_assert_error (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE_PASSWORD);
      g_clear_error (&error);
      missing = load (files[i], QSSL_KEY_ALGORITHM_RSA, QSSL_ENCODING_FORMAT_PEM,
                      QSSL_KEY_TYPE_PRIVATE_KEY, NULL, &error);
      g_assert_null (missing);
      g_assert_error (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE_PASSWORD);
    }

  {
    /* An unencrypted key loads whatever passphrase is given (Qt). */
    g_autoptr(GError) error = NULL;
    g_autoptr(QsslKey) key = load ("server-rsa.key", QSSL_KEY_ALGORITHM_RSA, QSSL_ENCODING_FORMAT_PEM,
                                   QSSL_KEY_TYPE_PRIVATE_KEY, "anything", &error);
    g_assert_no_error (error);
    g_assert_nonnull (key);
  }
}

static void
test_encode_round_trip (void)
{
  const char *files[] = { "keys/rsa-2048.key", "keys/ec-p256.key", "keys/dsa-2048.key", "keys/ed25519.key" };

  for (gsize i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autoptr(QsslKey) key = qssl_test_pki_key (files[i]);
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) pem = qssl_key_to_pem (key, NULL, &error);
      g_autoptr(GBytes) encrypted = NULL;
      g_autoptr(GBytes) der = qssl_key_to_der (key);
      g_autoptr(QsslKey) from_pem = NULL;
      g_autoptr(QsslKey) from_encrypted = NULL;
      g_autoptr(QsslKey) from_der = NULL;

      g_assert_no_error (error);
      g_assert_true (g_str_has_prefix (g_bytes_get_data (pem, NULL), "-----BEGIN PRIVATE KEY-----"));
      from_pem = qssl_key_new_from_data (pem, QSSL_KEY_ALGORITHM_OPAQUE, QSSL_ENCODING_FORMAT_PEM,
                                         QSSL_KEY_TYPE_PRIVATE_KEY, NULL, &error);
      g_assert_no_error (error);
      g_assert_true (qssl_key_equal (from_pem, key));

      encrypted = qssl_key_to_pem (key, "foo bar", &error);
      g_assert_no_error (error);
      g_assert_true (g_str_has_prefix (g_bytes_get_data (encrypted, NULL), "-----BEGIN ENCRYPTED PRIVATE KEY-----"));
      from_encrypted = qssl_key_new_from_data (encrypted, QSSL_KEY_ALGORITHM_OPAQUE, QSSL_ENCODING_FORMAT_PEM,
                                               QSSL_KEY_TYPE_PRIVATE_KEY, "foo bar", &error);
      g_assert_no_error (error);
      g_assert_true (qssl_key_equal (from_encrypted, key));

      from_der = qssl_key_new_from_data (der, QSSL_KEY_ALGORITHM_OPAQUE, QSSL_ENCODING_FORMAT_DER,
                                         QSSL_KEY_TYPE_PRIVATE_KEY, NULL, &error);
      g_assert_no_error (error);
      g_assert_true (qssl_key_equal (from_der, key));
    }

  {
    /* Public keys are never encrypted. */
    g_autoptr(GError) error = NULL;
    g_autoptr(QsslKey) key = load ("keys/rsa-2048.pub.pem", QSSL_KEY_ALGORITHM_RSA, QSSL_ENCODING_FORMAT_PEM,
                                   QSSL_KEY_TYPE_PUBLIC_KEY, NULL, &error);
    g_autoptr(GBytes) pem = qssl_key_to_pem (key, "secret", &error);
    g_autoptr(GBytes) file = qssl_test_pki_bytes ("keys/rsa-2048.pub.pem");

    g_assert_no_error (error);
    g_assert_true (g_bytes_equal (pem, file));
  }
}

static void
test_equal (void)
{
  g_autoptr(QsslKey) a = qssl_test_pki_key ("keys/ec-p256.key");
  g_autoptr(QsslKey) b = qssl_test_pki_key ("keys/ec-p256.key");
  g_autoptr(QsslKey) other = qssl_test_pki_key ("keys/ec-p384.key");
  g_autoptr(GError) error = NULL;
  g_autoptr(QsslKey) public_half = load ("keys/ec-p256.pub.pem", QSSL_KEY_ALGORITHM_EC, QSSL_ENCODING_FORMAT_PEM,
                                         QSSL_KEY_TYPE_PUBLIC_KEY, NULL, &error);

  g_assert_true (qssl_key_equal (a, b));
  g_assert_false (qssl_key_equal (a, other));
  g_assert_false (qssl_key_equal (a, public_half));
}

static void
test_from_path (void)
{
  g_autofree char *path = qssl_test_pki_path ("keys/ec-p256.key");
  g_autoptr(GError) error = NULL;
  g_autoptr(QsslKey) key = qssl_key_new_from_path (path, QSSL_KEY_ALGORITHM_EC, QSSL_ENCODING_FORMAT_PEM,
                                                   QSSL_KEY_TYPE_PRIVATE_KEY, NULL, &error);
  g_autoptr(QsslKey) missing = qssl_key_new_from_path ("/nonexistent/key.pem", QSSL_KEY_ALGORITHM_EC,
                                                       QSSL_ENCODING_FORMAT_PEM, QSSL_KEY_TYPE_PRIVATE_KEY,
                                                       NULL, NULL);

  g_assert_no_error (error);
  g_assert_nonnull (key);
  g_assert_null (missing);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/qssl/key/algorithms-and-lengths", test_algorithms_and_lengths);
  g_test_add_func ("/qssl/key/wrong-algorithm-or-type", test_wrong_algorithm_or_type);
  g_test_add_func ("/qssl/key/passphrases", test_passphrases);
  g_test_add_func ("/qssl/key/encode-round-trip", test_encode_round_trip);
  g_test_add_func ("/qssl/key/equal", test_equal);
  g_test_add_func ("/qssl/key/from-path", test_from_path);

  return g_test_run ();
}
