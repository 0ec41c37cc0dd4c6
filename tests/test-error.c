/* test-error.c: QsslError values, Qt's wording, and its Chinese translation
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <locale.h>

#include "qssl-test-utils.h"

/* QSslError::errorString() of Qt 6 (qsslerror.cpp), for the codes Qt words. */
static const struct
{
  QsslErrorCode  code;
  const char    *text;
} qt_wording[] = {
  { QSSL_ERROR_CODE_NO_ERROR, "No error" },
  { QSSL_ERROR_CODE_UNABLE_TO_GET_ISSUER_CERTIFICATE, "The issuer certificate could not be found" },
  { QSSL_ERROR_CODE_UNABLE_TO_DECRYPT_CERTIFICATE_SIGNATURE, "The certificate signature could not be decrypted" },
  { QSSL_ERROR_CODE_UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY, "The public key in the certificate could not be read" },
  { QSSL_ERROR_CODE_CERTIFICATE_SIGNATURE_FAILED, "The signature of the certificate is invalid" },
  { QSSL_ERROR_CODE_CERTIFICATE_NOT_YET_VALID, "The certificate is not yet valid" },
  { QSSL_ERROR_CODE_CERTIFICATE_EXPIRED, "The certificate has expired" },
  { QSSL_ERROR_CODE_INVALID_NOT_BEFORE_FIELD, "The certificate's notBefore field contains an invalid time" },
  { QSSL_ERROR_CODE_INVALID_NOT_AFTER_FIELD, "The certificate's notAfter field contains an invalid time" },
  { QSSL_ERROR_CODE_SELF_SIGNED_CERTIFICATE, "The certificate is self-signed, and untrusted" },
  { QSSL_ERROR_CODE_SELF_SIGNED_CERTIFICATE_IN_CHAIN,
    "The root certificate of the certificate chain is self-signed, and untrusted" },
  { QSSL_ERROR_CODE_UNABLE_TO_GET_LOCAL_ISSUER_CERTIFICATE,
    "The issuer certificate of a locally looked up certificate could not be found" },
  { QSSL_ERROR_CODE_UNABLE_TO_VERIFY_FIRST_CERTIFICATE, "No certificates could be verified" },
  { QSSL_ERROR_CODE_INVALID_CA_CERTIFICATE, "One of the CA certificates is invalid" },
  { QSSL_ERROR_CODE_PATH_LENGTH_EXCEEDED, "The basicConstraints path length parameter has been exceeded" },
  { QSSL_ERROR_CODE_INVALID_PURPOSE, "The supplied certificate is unsuitable for this purpose" },
  { QSSL_ERROR_CODE_CERTIFICATE_UNTRUSTED, "The root CA certificate is not trusted for this purpose" },
  { QSSL_ERROR_CODE_CERTIFICATE_REJECTED, "The root CA certificate is marked to reject the specified purpose" },
  { QSSL_ERROR_CODE_SUBJECT_ISSUER_MISMATCH,
    "The current candidate issuer certificate was rejected because its subject name did not match the "
    "issuer name of the current certificate" },
  { QSSL_ERROR_CODE_AUTHORITY_ISSUER_SERIAL_NUMBER_MISMATCH,
    "The current candidate issuer certificate was rejected because its issuer name and serial number was "
    "present and did not match the authority key identifier of the current certificate" },
  { QSSL_ERROR_CODE_NO_PEER_CERTIFICATE, "The peer did not present any certificate" },
  { QSSL_ERROR_CODE_HOST_NAME_MISMATCH, "The host name did not match any of the valid hosts for this certificate" },
  { QSSL_ERROR_CODE_CERTIFICATE_BLACKLISTED, "The peer certificate is blacklisted" },
  { QSSL_ERROR_CODE_OCSP_NO_RESPONSE_FOUND, "No OCSP status response found" },
  { QSSL_ERROR_CODE_OCSP_MALFORMED_REQUEST, "The OCSP status request had invalid syntax" },
  { QSSL_ERROR_CODE_OCSP_MALFORMED_RESPONSE,
    "OCSP response contains an unexpected number of SingleResponse structures" },
  { QSSL_ERROR_CODE_OCSP_INTERNAL_ERROR, "OCSP responder reached an inconsistent internal state" },
  { QSSL_ERROR_CODE_OCSP_TRY_LATER, "OCSP responder was unable to return a status for the requested certificate" },
  { QSSL_ERROR_CODE_OCSP_SIG_REQUIRED,
    "The server requires the client to sign the OCSP request in order to construct a response" },
  { QSSL_ERROR_CODE_OCSP_UNAUTHORIZED, "The client is not authorized to request OCSP status from this server" },
  { QSSL_ERROR_CODE_OCSP_RESPONSE_CANNOT_BE_TRUSTED, "OCSP responder's identity cannot be verified" },
  { QSSL_ERROR_CODE_OCSP_RESPONSE_CERT_ID_UNKNOWN,
    "The identity of a certificate in an OCSP response cannot be established" },
  { QSSL_ERROR_CODE_OCSP_RESPONSE_EXPIRED, "The certificate status response has expired" },
  { QSSL_ERROR_CODE_OCSP_STATUS_UNKNOWN, "The certificate's status is unknown" },
  { QSSL_ERROR_CODE_UNSPECIFIED_ERROR, "Unknown error" },
};

static void
test_construct (void)
{
  g_autoptr(QsslCertificate) leaf = qssl_test_pki_certificate ("server-rsa.pem");
  g_autoptr(QsslError) with = qssl_error_new (QSSL_ERROR_CODE_CERTIFICATE_EXPIRED, leaf);
  g_autoptr(QsslError) without = qssl_error_new (QSSL_ERROR_CODE_NO_PEER_CERTIFICATE, NULL);

  g_assert_cmpint (qssl_error_get_error (with), ==, QSSL_ERROR_CODE_CERTIFICATE_EXPIRED);
  g_assert_true (qssl_error_get_certificate (with) == leaf);
  g_assert_cmpint (qssl_error_get_error (without), ==, QSSL_ERROR_CODE_NO_PEER_CERTIFICATE);
  g_assert_null (qssl_error_get_certificate (without));
}

static void
test_construct_holds_certificate (void)
{
  QsslCertificate *leaf = qssl_test_pki_certificate ("server-rsa.pem");
  g_autoptr(QsslCertificate) same = qssl_test_pki_certificate ("server-rsa.pem");
  g_autoptr(QsslError) error = qssl_error_new (QSSL_ERROR_CODE_CERTIFICATE_EXPIRED, leaf);
  g_autoptr(QsslError) copy = NULL;

  g_test_summary ("An error keeps its own reference on the certificate");

  g_object_add_weak_pointer (G_OBJECT (leaf), (gpointer *) &leaf);
  g_object_unref (leaf);
  g_assert_nonnull (leaf);
  copy = qssl_error_copy (error);
  g_clear_pointer (&error, qssl_error_free);
  g_assert_nonnull (leaf);
  g_assert_true (qssl_certificate_equal (qssl_error_get_certificate (copy), same));
  g_clear_pointer (&copy, qssl_error_free);
  g_assert_null (leaf);
}

static void
test_equal (void)
{
  g_autoptr(QsslCertificate) leaf = qssl_test_pki_certificate ("server-rsa.pem");
  g_autoptr(QsslCertificate) same = qssl_test_pki_certificate ("server-rsa.pem");
  g_autoptr(QsslCertificate) other = qssl_test_pki_certificate ("server-ec.pem");
  g_autoptr(QsslError) a = qssl_error_new (QSSL_ERROR_CODE_CERTIFICATE_EXPIRED, leaf);
  g_autoptr(QsslError) b = qssl_error_new (QSSL_ERROR_CODE_CERTIFICATE_EXPIRED, same);
  g_autoptr(QsslError) other_certificate = qssl_error_new (QSSL_ERROR_CODE_CERTIFICATE_EXPIRED, other);
  g_autoptr(QsslError) other_code = qssl_error_new (QSSL_ERROR_CODE_HOST_NAME_MISMATCH, leaf);
  g_autoptr(QsslError) no_certificate = qssl_error_new (QSSL_ERROR_CODE_CERTIFICATE_EXPIRED, NULL);
  g_autoptr(QsslError) no_certificate_too = qssl_error_new (QSSL_ERROR_CODE_CERTIFICATE_EXPIRED, NULL);
  g_autoptr(QsslError) copy = qssl_error_copy (a);

  g_test_summary ("Errors are equal when code and certificate (by value, or both none) are");

  g_assert_true (qssl_error_equal (a, b));
  g_assert_true (qssl_error_equal (a, copy));
  g_assert_false (qssl_error_equal (a, other_certificate));
  g_assert_false (qssl_error_equal (a, other_code));
  g_assert_false (qssl_error_equal (a, no_certificate));
  g_assert_false (qssl_error_equal (no_certificate, a));
  g_assert_true (qssl_error_equal (no_certificate, no_certificate_too));
}

static void
test_hash (void)
{
  g_autoptr(QsslCertificate) leaf = qssl_test_pki_certificate ("server-rsa.pem");
  g_autoptr(QsslCertificate) same = qssl_test_pki_certificate ("server-rsa.pem");
  g_autoptr(QsslCertificate) other = qssl_test_pki_certificate ("server-ec.pem");
  g_autoptr(GHashTable) set = g_hash_table_new_full ((GHashFunc) qssl_error_hash, (GEqualFunc) qssl_error_equal,
                                                     (GDestroyNotify) qssl_error_free, NULL);
  QsslError *a = qssl_error_new (QSSL_ERROR_CODE_CERTIFICATE_EXPIRED, leaf);
  QsslError *b = qssl_error_new (QSSL_ERROR_CODE_CERTIFICATE_EXPIRED, same);
  QsslError *none = qssl_error_new (QSSL_ERROR_CODE_CERTIFICATE_EXPIRED, NULL);
  QsslError *none_too = qssl_error_new (QSSL_ERROR_CODE_CERTIFICATE_EXPIRED, NULL);

  g_test_summary ("Equal errors hash alike, so errors can key a hash table");

  g_assert_cmpuint (qssl_error_hash (a), ==, qssl_error_hash (b));
  g_assert_cmpuint (qssl_error_hash (none), ==, qssl_error_hash (none_too));

  g_assert_true (g_hash_table_add (set, a));
  g_assert_false (g_hash_table_add (set, b));
  g_assert_true (g_hash_table_add (set, none));
  g_assert_false (g_hash_table_add (set, none_too));
  g_assert_true (g_hash_table_add (set, qssl_error_new (QSSL_ERROR_CODE_CERTIFICATE_EXPIRED, other)));
  g_assert_true (g_hash_table_add (set, qssl_error_new (QSSL_ERROR_CODE_HOST_NAME_MISMATCH, leaf)));
  g_assert_cmpuint (g_hash_table_size (set), ==, 4);
}

static void
test_boxed_type (void)
{
  g_autoptr(QsslCertificate) leaf = qssl_test_pki_certificate ("server-rsa.pem");
  g_autoptr(QsslError) error = qssl_error_new (QSSL_ERROR_CODE_CERTIFICATE_REVOKED, leaf);
  g_auto(GValue) value = G_VALUE_INIT;
  QsslError *copy;

  g_assert_true (G_TYPE_IS_BOXED (QSSL_TYPE_ERROR));
  copy = g_boxed_copy (QSSL_TYPE_ERROR, error);
  g_assert_true (copy != error);
  g_assert_true (qssl_error_equal (error, copy));
  g_boxed_free (QSSL_TYPE_ERROR, copy);

  g_value_init (&value, QSSL_TYPE_ERROR);
  g_value_set_boxed (&value, error);
  g_assert_true (qssl_error_equal (g_value_get_boxed (&value), error));
}

static void
test_english_every_code (void)
{
  GEnumClass *klass = g_type_class_ref (QSSL_TYPE_ERROR_CODE);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  g_test_summary ("Every QsslErrorCode has its own non-empty English sentence");

  for (guint i = 0; i < klass->n_values; i++)
    {
      g_autoptr(QsslError) error = qssl_error_new (klass->values[i].value, NULL);
      const char *text = qssl_error_get_error_string (error);

      g_test_message ("%s: %s", klass->values[i].value_nick, text);
      g_assert_nonnull (text);
      g_assert_cmpstr (text, !=, "");
      g_assert_true (g_utf8_validate (text, -1, NULL));
      /* Only UNSPECIFIED_ERROR falls back to "Unknown error". */
      g_assert_true (g_hash_table_add (seen, (gpointer) text));
    }
  g_assert_cmpuint (g_hash_table_size (seen), ==, klass->n_values);
  g_type_class_unref (klass);
}

static void
test_english_qt_wording (void)
{
  g_test_summary ("The English sentences are Qt's own");

  for (gsize i = 0; i < G_N_ELEMENTS (qt_wording); i++)
    {
      g_autoptr(QsslError) error = qssl_error_new (qt_wording[i].code, NULL);

      g_assert_cmpstr (qssl_error_get_error_string (error), ==, qt_wording[i].text);
    }
}

static void
test_english_out_of_range (void)
{
  g_autoptr(QsslError) error = qssl_error_new ((QsslErrorCode) 1000, NULL);

  g_assert_cmpstr (qssl_error_get_error_string (error), ==, "Unknown error");
}

static void
test_chinese (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(QsslError) expired = qssl_error_new (QSSL_ERROR_CODE_CERTIFICATE_EXPIRED, NULL);
      g_autoptr(QsslError) host = qssl_error_new (QSSL_ERROR_CODE_HOST_NAME_MISMATCH, NULL);
      g_autoptr(QsslError) self_signed = qssl_error_new (QSSL_ERROR_CODE_SELF_SIGNED_CERTIFICATE, NULL);
      g_autoptr(QsslError) unknown = qssl_error_new (QSSL_ERROR_CODE_UNSPECIFIED_ERROR, NULL);

      /* Before the first translated string. */
      g_setenv ("LC_ALL", "C.UTF-8", TRUE);
      g_setenv ("LANGUAGE", "zh_CN", TRUE);
      setlocale (LC_ALL, "");

      g_assert_cmpstr (qssl_error_get_error_string (expired), ==, "证书已过期");
      g_assert_cmpstr (qssl_error_get_error_string (host), ==, "主机名与此证书的任何有效主机都不匹配");
      g_assert_cmpstr (qssl_error_get_error_string (self_signed), ==, "证书是自签名的，且不受信任");
      g_assert_cmpstr (qssl_error_get_error_string (unknown), ==, "未知错误");
      return;
    }
  g_test_summary ("Under LANGUAGE=zh_CN the sentences come from the zh_CN catalogue");
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

static void
test_chinese_every_code (void)
{
  if (g_test_subprocess ())
    {
      GEnumClass *klass = g_type_class_ref (QSSL_TYPE_ERROR_CODE);

      g_setenv ("LC_ALL", "C.UTF-8", TRUE);
      g_setenv ("LANGUAGE", "zh_CN", TRUE);
      setlocale (LC_ALL, "");

      for (guint i = 0; i < klass->n_values; i++)
        {
          g_autoptr(QsslError) error = qssl_error_new (klass->values[i].value, NULL);
          const char *text = qssl_error_get_error_string (error);
          gboolean has_chinese = FALSE;

          /* Translated: at least one CJK character in each sentence. */
          for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
            if (g_utf8_get_char (p) >= 0x4e00 && g_utf8_get_char (p) <= 0x9fff)
              has_chinese = TRUE;
          if (!has_chinese)
            g_error ("%s is not translated: %s", klass->values[i].value_nick, text);
        }
      g_type_class_unref (klass);
      return;
    }
  g_test_summary ("zh_CN ships a translation of every error sentence");
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/qssl/error/construct", test_construct);
  g_test_add_func ("/qssl/error/construct-holds-certificate", test_construct_holds_certificate);
  g_test_add_func ("/qssl/error/equal", test_equal);
  g_test_add_func ("/qssl/error/hash", test_hash);
  g_test_add_func ("/qssl/error/boxed-type", test_boxed_type);
  g_test_add_func ("/qssl/error/string/every-code", test_english_every_code);
  g_test_add_func ("/qssl/error/string/qt-wording", test_english_qt_wording);
  g_test_add_func ("/qssl/error/string/out-of-range", test_english_out_of_range);
  g_test_add_func ("/qssl/error/string/zh-CN", test_chinese);
  g_test_add_func ("/qssl/error/string/zh-CN-every-code", test_chinese_every_code);

  return g_test_run ();
}
