/* test-cipher.c: QsslCipher, checked against what the openssl command reports
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <stdlib.h>
#include <string.h>

#include "qssl-test-utils.h"

#define ALL_TLS13_SUITES "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256:" \
                         "TLS_AES_128_CCM_SHA256:TLS_AES_128_CCM_8_SHA256"

/* One line of `openssl ciphers -v`:
 * "ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 Kx=ECDH Au=RSA Enc=AESGCM(128) Mac=AEAD" */
typedef struct
{
  char *name;
  char *protocol;
  char *kx;
  char *au;
  char *enc;
  int   bits;   /* from "Enc=...(N)", 0 for "Enc=None" */
} CipherLine;

static void
cipher_line_free (CipherLine *line)
{
  g_free (line->name);
  g_free (line->protocol);
  g_free (line->kx);
  g_free (line->au);
  g_free (line->enc);
  g_free (line);
}

/* The parsed output of `openssl ciphers -v [-ciphersuites SUITES] LIST`. */
static GPtrArray *
openssl_ciphers (const char *suites,
                 const char *list)
{
  const char *argv[7] = { "openssl", "ciphers", "-v" };
  int argc = 3;
  g_autofree char *output = NULL;
  g_auto(GStrv) lines = NULL;
  GPtrArray *result = g_ptr_array_new_with_free_func ((GDestroyNotify) cipher_line_free);

  if (suites != NULL)
    {
      argv[argc++] = "-ciphersuites";
      argv[argc++] = suites;
    }
  if (list != NULL)
    argv[argc++] = list;
  argv[argc] = NULL;
  output = qssl_test_run_command (argv);
  g_assert_nonnull (output);

  lines = g_strsplit (output, "\n", -1);
  for (int i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) words = g_strsplit_set (lines[i], " ", -1);
      g_autoptr(GPtrArray) columns = g_ptr_array_new ();
      CipherLine *line;
      const char *open;

      for (int j = 0; words[j] != NULL; j++)
        if (words[j][0] != '\0')
          g_ptr_array_add (columns, words[j]);
      if (columns->len < 6)
        continue;
      line = g_new0 (CipherLine, 1);
      line->name = g_strdup (g_ptr_array_index (columns, 0));
      line->protocol = g_strdup (g_ptr_array_index (columns, 1));
      g_assert_true (g_str_has_prefix (g_ptr_array_index (columns, 2), "Kx="));
      line->kx = g_strdup ((char *) g_ptr_array_index (columns, 2) + 3);
      g_assert_true (g_str_has_prefix (g_ptr_array_index (columns, 3), "Au="));
      line->au = g_strdup ((char *) g_ptr_array_index (columns, 3) + 3);
      g_assert_true (g_str_has_prefix (g_ptr_array_index (columns, 4), "Enc="));
      line->enc = g_strdup ((char *) g_ptr_array_index (columns, 4) + 4);
      open = strrchr (line->enc, '(');
      line->bits = open != NULL ? atoi (open + 1) : 0;
      g_ptr_array_add (result, line);
    }
  g_assert_cmpuint (result->len, >, 0);
  return result;
}

static CipherLine *
openssl_describe (const char *name)
{
  g_autoptr(GPtrArray) lines = NULL;

  /* A TLS 1.3 name goes to -ciphersuites, anything else to the list
   * (which must not be empty, hence one TLS 1.2 suite beside a TLS 1.3 one). */
  if (g_str_has_prefix (name, "TLS_"))
    lines = openssl_ciphers (name, "NULL-SHA256");
  else
    lines = openssl_ciphers ("", name);
  for (guint i = 0; i < lines->len; i++)
    {
      CipherLine *line = g_ptr_array_index (lines, i);

      if (g_str_equal (line->name, name))
        return g_ptr_array_steal_index (lines, i);
    }
  g_assert_not_reached ();
  return NULL;
}

/* Qt 6's mapping of OpenSSL's protocol column. */
static QsslProtocol
expected_protocol (const char *text)
{
  if (g_str_equal (text, "TLSv1.3"))
    return QSSL_PROTOCOL_TLS_V1_3;
  if (g_str_equal (text, "TLSv1.2"))
    return QSSL_PROTOCOL_TLS_V1_2;
  if (g_str_equal (text, "TLSv1.1"))
    return QSSL_PROTOCOL_TLS_V1_1;
  if (g_str_equal (text, "TLSv1"))
    return QSSL_PROTOCOL_TLS_V1_0;
  return QSSL_PROTOCOL_UNKNOWN_PROTOCOL;
}

static void
assert_cipher_matches (QsslCipher *cipher,
                       CipherLine *line)
{
  g_assert_false (qssl_cipher_is_null (cipher));
  g_assert_cmpstr (qssl_cipher_get_name (cipher), ==, line->name);
  g_assert_cmpstr (qssl_cipher_get_protocol_string (cipher), ==, line->protocol);
  g_assert_cmpint (qssl_cipher_get_protocol (cipher), ==, expected_protocol (line->protocol));
  g_assert_cmpstr (qssl_cipher_get_key_exchange_method (cipher), ==, line->kx);
  g_assert_cmpstr (qssl_cipher_get_authentication_method (cipher), ==, line->au);
  g_assert_cmpstr (qssl_cipher_get_encryption_method (cipher), ==, line->enc);
  g_assert_cmpint (qssl_cipher_get_used_bits (cipher), ==, line->bits);
  g_assert_cmpint (qssl_cipher_get_supported_bits (cipher), ==, line->bits);
}

static void
test_tls13_suite (void)
{
  g_autoptr(QsslCipher) cipher = qssl_cipher_new ("TLS_AES_128_GCM_SHA256");
  CipherLine *line = openssl_describe ("TLS_AES_128_GCM_SHA256");

  g_test_summary ("A TLS 1.3 suite reports what Qt reports: TLS_V1_3, 128/128 bits, AESGCM(128)");

  g_assert_cmpstr (qssl_cipher_get_name (cipher), ==, "TLS_AES_128_GCM_SHA256");
  g_assert_cmpint (qssl_cipher_get_protocol (cipher), ==, QSSL_PROTOCOL_TLS_V1_3);
  g_assert_cmpstr (qssl_cipher_get_protocol_string (cipher), ==, "TLSv1.3");
  g_assert_cmpint (qssl_cipher_get_used_bits (cipher), ==, 128);
  g_assert_cmpint (qssl_cipher_get_supported_bits (cipher), ==, 128);
  g_assert_cmpstr (qssl_cipher_get_encryption_method (cipher), ==, "AESGCM(128)");
  g_assert_cmpstr (qssl_cipher_get_key_exchange_method (cipher), ==, "any");
  g_assert_cmpstr (qssl_cipher_get_authentication_method (cipher), ==, "any");
  assert_cipher_matches (cipher, line);
  cipher_line_free (line);
}

static void
test_tls13_chacha (void)
{
  g_autoptr(QsslCipher) cipher = qssl_cipher_new ("TLS_CHACHA20_POLY1305_SHA256");
  CipherLine *line = openssl_describe ("TLS_CHACHA20_POLY1305_SHA256");

  g_assert_cmpint (qssl_cipher_get_protocol (cipher), ==, QSSL_PROTOCOL_TLS_V1_3);
  g_assert_cmpint (qssl_cipher_get_used_bits (cipher), ==, 256);
  assert_cipher_matches (cipher, line);
  cipher_line_free (line);
}

static void
test_tls12_suite (void)
{
  g_autoptr(QsslCipher) cipher = qssl_cipher_new ("ECDHE-ECDSA-AES128-GCM-SHA256");
  CipherLine *line = openssl_describe ("ECDHE-ECDSA-AES128-GCM-SHA256");

  g_assert_cmpint (qssl_cipher_get_protocol (cipher), ==, QSSL_PROTOCOL_TLS_V1_2);
  g_assert_cmpstr (qssl_cipher_get_protocol_string (cipher), ==, "TLSv1.2");
  g_assert_cmpstr (qssl_cipher_get_key_exchange_method (cipher), ==, "ECDH");
  g_assert_cmpstr (qssl_cipher_get_authentication_method (cipher), ==, "ECDSA");
  g_assert_cmpstr (qssl_cipher_get_encryption_method (cipher), ==, "AESGCM(128)");
  g_assert_cmpint (qssl_cipher_get_used_bits (cipher), ==, 128);
  assert_cipher_matches (cipher, line);
  cipher_line_free (line);
}

static void
test_tls10_suite (void)
{
  g_autoptr(QsslCipher) cipher = qssl_cipher_new ("ECDHE-RSA-AES256-SHA");
  CipherLine *line = openssl_describe ("ECDHE-RSA-AES256-SHA");

  g_test_summary ("OpenSSL's \"TLSv1\" is Qt's TlsV1_0");

  g_assert_cmpstr (qssl_cipher_get_protocol_string (cipher), ==, "TLSv1");
  g_assert_cmpint (qssl_cipher_get_protocol (cipher), ==, QSSL_PROTOCOL_TLS_V1_0);
  assert_cipher_matches (cipher, line);
  cipher_line_free (line);
}

static void
test_sslv3_suite (void)
{
  g_autoptr(QsslCipher) cipher = qssl_cipher_new ("AES128-SHA");
  CipherLine *line = openssl_describe ("AES128-SHA");

  g_test_summary ("Suites OpenSSL dates back to SSLv3 have no Qt 6 protocol value");

  g_assert_false (qssl_cipher_is_null (cipher));
  g_assert_cmpstr (qssl_cipher_get_protocol_string (cipher), ==, "SSLv3");
  g_assert_cmpint (qssl_cipher_get_protocol (cipher), ==, QSSL_PROTOCOL_UNKNOWN_PROTOCOL);
  g_assert_cmpstr (qssl_cipher_get_key_exchange_method (cipher), ==, "RSA");
  assert_cipher_matches (cipher, line);
  cipher_line_free (line);
}

static void
test_null_encryption (void)
{
  g_autoptr(QsslCipher) cipher = qssl_cipher_new ("NULL-SHA256");

  g_assert_false (qssl_cipher_is_null (cipher));
  g_assert_cmpstr (qssl_cipher_get_encryption_method (cipher), ==, "None");
  g_assert_cmpint (qssl_cipher_get_used_bits (cipher), ==, 0);
  g_assert_cmpint (qssl_cipher_get_supported_bits (cipher), ==, 0);
}

static void
test_unknown_name (void)
{
  g_autoptr(QsslCipher) cipher = qssl_cipher_new ("NO-SUCH-CIPHER");

  g_test_summary ("An unknown name gives Qt's null cipher: empty strings, no bits");

  g_assert_nonnull (cipher);
  g_assert_true (qssl_cipher_is_null (cipher));
  g_assert_cmpstr (qssl_cipher_get_name (cipher), ==, "");
  g_assert_cmpstr (qssl_cipher_get_protocol_string (cipher), ==, "");
  g_assert_cmpstr (qssl_cipher_get_key_exchange_method (cipher), ==, "");
  g_assert_cmpstr (qssl_cipher_get_authentication_method (cipher), ==, "");
  g_assert_cmpstr (qssl_cipher_get_encryption_method (cipher), ==, "");
  g_assert_cmpint (qssl_cipher_get_used_bits (cipher), ==, 0);
  g_assert_cmpint (qssl_cipher_get_supported_bits (cipher), ==, 0);
  g_assert_cmpint (qssl_cipher_get_protocol (cipher), ==, QSSL_PROTOCOL_UNKNOWN_PROTOCOL);
}

static void
test_name_is_case_sensitive (void)
{
  g_autoptr(QsslCipher) lower = qssl_cipher_new ("tls_aes_128_gcm_sha256");
  g_autoptr(QsslCipher) empty = qssl_cipher_new ("");

  g_assert_true (qssl_cipher_is_null (lower));
  g_assert_true (qssl_cipher_is_null (empty));
}

static void
test_with_protocol (void)
{
  g_autoptr(QsslCipher) match = qssl_cipher_new_with_protocol ("ECDHE-RSA-AES256-GCM-SHA384",
                                                               QSSL_PROTOCOL_TLS_V1_2);
  g_autoptr(QsslCipher) mismatch = qssl_cipher_new_with_protocol ("ECDHE-RSA-AES256-GCM-SHA384",
                                                                  QSSL_PROTOCOL_TLS_V1_3);
  g_autoptr(QsslCipher) tls13 = qssl_cipher_new_with_protocol ("TLS_AES_256_GCM_SHA384",
                                                               QSSL_PROTOCOL_TLS_V1_3);
  g_autoptr(QsslCipher) tls13_as_12 = qssl_cipher_new_with_protocol ("TLS_AES_256_GCM_SHA384",
                                                                     QSSL_PROTOCOL_TLS_V1_2);

  g_assert_false (qssl_cipher_is_null (match));
  g_assert_cmpint (qssl_cipher_get_protocol (match), ==, QSSL_PROTOCOL_TLS_V1_2);
  g_assert_true (qssl_cipher_is_null (mismatch));
  g_assert_false (qssl_cipher_is_null (tls13));
  g_assert_true (qssl_cipher_is_null (tls13_as_12));
}

static void
test_equal (void)
{
  g_autoptr(QsslCipher) a = qssl_cipher_new ("ECDHE-RSA-AES128-GCM-SHA256");
  g_autoptr(QsslCipher) b = qssl_cipher_new ("ECDHE-RSA-AES128-GCM-SHA256");
  g_autoptr(QsslCipher) with_protocol = qssl_cipher_new_with_protocol ("ECDHE-RSA-AES128-GCM-SHA256",
                                                                       QSSL_PROTOCOL_TLS_V1_2);
  g_autoptr(QsslCipher) other = qssl_cipher_new ("ECDHE-RSA-AES256-GCM-SHA384");
  g_autoptr(QsslCipher) null_a = qssl_cipher_new ("nothing");
  g_autoptr(QsslCipher) null_b = qssl_cipher_new ("something else");

  g_test_summary ("Ciphers are equal when name and protocol are, as in Qt");

  g_assert_true (a != b);
  g_assert_true (qssl_cipher_equal (a, b));
  g_assert_true (qssl_cipher_equal (a, with_protocol));
  g_assert_false (qssl_cipher_equal (a, other));
  g_assert_false (qssl_cipher_equal (a, null_a));
  g_assert_true (qssl_cipher_equal (null_a, null_b));
}

static void
test_supported_match_openssl (void)
{
  g_autoptr(GPtrArray) supported = qssl_configuration_get_supported_ciphers ();
  g_autoptr(GPtrArray) lines = openssl_ciphers (ALL_TLS13_SUITES, "ALL:COMPLEMENTOFALL:@SECLEVEL=0");

  g_test_summary ("Every supported cipher has the fields `openssl ciphers -v` prints, in its order");

  g_assert_cmpuint (supported->len, ==, lines->len);
  for (guint i = 0; i < supported->len; i++)
    assert_cipher_matches (g_ptr_array_index (supported, i), g_ptr_array_index (lines, i));
}

static void
test_supported_contents (void)
{
  g_autoptr(GPtrArray) supported = qssl_configuration_get_supported_ciphers ();
  guint n_tls13 = 0;

  for (guint i = 0; i < supported->len; i++)
    {
      QsslCipher *cipher = g_ptr_array_index (supported, i);

      g_assert_true (QSSL_IS_CIPHER (cipher));
      g_assert_false (qssl_cipher_is_null (cipher));
      if (qssl_cipher_get_protocol (cipher) == QSSL_PROTOCOL_TLS_V1_3)
        {
          /* TLS 1.3 suites come first. */
          g_assert_cmpuint (i, ==, n_tls13);
          n_tls13++;
        }
    }
  g_assert_cmpuint (n_tls13, ==, 5);
}

static void
test_lookup_every_supported (void)
{
  g_autoptr(GPtrArray) supported = qssl_configuration_get_supported_ciphers ();

  g_test_summary ("Each supported cipher can be made again by its name and by name + protocol");

  for (guint i = 0; i < supported->len; i++)
    {
      QsslCipher *cipher = g_ptr_array_index (supported, i);
      g_autoptr(QsslCipher) by_name = qssl_cipher_new (qssl_cipher_get_name (cipher));
      g_autoptr(QsslCipher) by_both = qssl_cipher_new_with_protocol (qssl_cipher_get_name (cipher),
                                                                     qssl_cipher_get_protocol (cipher));

      g_assert_true (qssl_cipher_equal (cipher, by_name));
      g_assert_true (qssl_cipher_equal (cipher, by_both));
      g_assert_cmpstr (qssl_cipher_get_encryption_method (by_name), ==,
                       qssl_cipher_get_encryption_method (cipher));
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/qssl/cipher/tls13-suite", test_tls13_suite);
  g_test_add_func ("/qssl/cipher/tls13-chacha", test_tls13_chacha);
  g_test_add_func ("/qssl/cipher/tls12-suite", test_tls12_suite);
  g_test_add_func ("/qssl/cipher/tls10-suite", test_tls10_suite);
  g_test_add_func ("/qssl/cipher/sslv3-suite", test_sslv3_suite);
  g_test_add_func ("/qssl/cipher/null-encryption", test_null_encryption);
  g_test_add_func ("/qssl/cipher/unknown-name", test_unknown_name);
  g_test_add_func ("/qssl/cipher/name-is-case-sensitive", test_name_is_case_sensitive);
  g_test_add_func ("/qssl/cipher/with-protocol", test_with_protocol);
  g_test_add_func ("/qssl/cipher/equal", test_equal);
  g_test_add_func ("/qssl/cipher/supported/match-openssl", test_supported_match_openssl);
  g_test_add_func ("/qssl/cipher/supported/contents", test_supported_contents);
  g_test_add_func ("/qssl/cipher/supported/lookup", test_lookup_every_supported);

  return g_test_run ();
}
