/* test-error.c: QsslError values, Qt's wording, and its Chinese translation
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <locale.h>

#include "qssl-test-utils.h"

static void
test_equality (void)
{
  g_autoptr(QsslCertificate) leaf = qssl_test_pki_certificate ("server-rsa.pem");
  g_autoptr(QsslCertificate) same = qssl_test_pki_certificate ("server-rsa.pem");
  g_autoptr(QsslCertificate) other = qssl_test_pki_certificate ("server-ec.pem");
  g_autoptr(QsslError) a = qssl_error_new (QSSL_ERROR_CODE_CERTIFICATE_EXPIRED, leaf);
  g_autoptr(QsslError) b = qssl_error_new (QSSL_ERROR_CODE_CERTIFICATE_EXPIRED, same);
  g_autoptr(QsslError) other_cert = qssl_error_new (QSSL_ERROR_CODE_CERTIFICATE_EXPIRED, other);
  g_autoptr(QsslError) other_code = qssl_error_new (QSSL_ERROR_CODE_HOST_NAME_MISMATCH, leaf);
  g_autoptr(QsslError) no_cert = qssl_error_new (QSSL_ERROR_CODE_CERTIFICATE_EXPIRED, NULL);
  g_autoptr(QsslError) no_cert2 = qssl_error_new (QSSL_ERROR_CODE_CERTIFICATE_EXPIRED, NULL);
  g_autoptr(QsslError) copy = qssl_error_copy (a);

  g_assert_true (qssl_error_equal (a, b));
  g_assert_cmpuint (qssl_error_hash (a), ==, qssl_error_hash (b));
  g_assert_false (qssl_error_equal (a, other_cert));
  g_assert_false (qssl_error_equal (a, other_code));
  g_assert_false (qssl_error_equal (a, no_cert));
  g_assert_true (qssl_error_equal (no_cert, no_cert2));
  g_assert_true (qssl_error_equal (a, copy));
  g_assert_true (qssl_error_get_certificate (copy) == leaf);
  g_assert_cmpint (qssl_error_get_error (other_code), ==, QSSL_ERROR_CODE_HOST_NAME_MISMATCH);
}

static void
test_english_strings (void)
{
  g_autoptr(GEnumClass) klass = g_type_class_ref (QSSL_TYPE_ERROR_CODE);
  struct { QsslErrorCode code; const char *text; } qt[] = {
    { QSSL_ERROR_CODE_NO_ERROR, "No error" },
    { QSSL_ERROR_CODE_CERTIFICATE_EXPIRED, "The certificate has expired" },
    { QSSL_ERROR_CODE_SELF_SIGNED_CERTIFICATE, "The certificate is self-signed, and untrusted" },
    { QSSL_ERROR_CODE_HOST_NAME_MISMATCH, "The host name did not match any of the valid hosts for this certificate" },
    { QSSL_ERROR_CODE_UNABLE_TO_VERIFY_FIRST_CERTIFICATE, "No certificates could be verified" },
    { QSSL_ERROR_CODE_NO_PEER_CERTIFICATE, "The peer did not present any certificate" },
    { QSSL_ERROR_CODE_UNSPECIFIED_ERROR, "Unknown error" },
  };

  /* Every code has its own sentence. */
  for (guint i = 0; i < klass->n_values; i++)
    {
      g_autoptr(QsslError) error = qssl_error_new (klass->values[i].value, NULL);
      const char *text = qssl_error_get_error_string (error);

      g_assert_nonnull (text);
      g_assert_cmpstr (text, !=, "");
      if (klass->values[i].value != QSSL_ERROR_CODE_UNSPECIFIED_ERROR)
        g_assert_cmpstr (text, !=, "Unknown error");
    }
  for (gsize i = 0; i < G_N_ELEMENTS (qt); i++)
    {
      g_autoptr(QsslError) error = qssl_error_new (qt[i].code, NULL);

      g_assert_cmpstr (qssl_error_get_error_string (error), ==, qt[i].text);
    }
}

static void
test_chinese_strings (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(QsslError) expired = qssl_error_new (QSSL_ERROR_CODE_CERTIFICATE_EXPIRED, NULL);
      g_autoptr(QsslError) host = qssl_error_new (QSSL_ERROR_CODE_HOST_NAME_MISMATCH, NULL);
      g_autoptr(QsslError) self_signed = qssl_error_new (QSSL_ERROR_CODE_SELF_SIGNED_CERTIFICATE, NULL);

      g_setenv ("LANGUAGE", "zh_CN", TRUE);
      setlocale (LC_ALL, "C.UTF-8");
      g_assert_cmpstr (qssl_error_get_error_string (expired), ==, "证书已过期");
      g_assert_cmpstr (qssl_error_get_error_string (host), ==, "主机名与此证书的任何有效主机都不匹配");
      g_assert_cmpstr (qssl_error_get_error_string (self_signed), ==, "证书是自签名的，且不受信任");
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

static void
test_boxed_type (void)
{
  g_autoptr(QsslError) error = qssl_error_new (QSSL_ERROR_CODE_CERTIFICATE_REVOKED, NULL);
  QsslError *copy = g_boxed_copy (QSSL_TYPE_ERROR, error);

  g_assert_true (G_TYPE_IS_BOXED (QSSL_TYPE_ERROR));
  g_assert_true (qssl_error_equal (error, copy));
  g_boxed_free (QSSL_TYPE_ERROR, copy);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/qssl/error/equality", test_equality);
  g_test_add_func ("/qssl/error/english-strings", test_english_strings);
  g_test_add_func ("/qssl/error/chinese-strings", test_chinese_strings);
  g_test_add_func ("/qssl/error/boxed-type", test_boxed_type);

  return g_test_run ();
}
