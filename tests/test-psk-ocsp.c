/* test-psk-ocsp.c: QsslPreSharedKeyAuthenticator and QsslOcspResponse values
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "qssl-test-utils.h"

static void
test_psk_authenticator (void)
{
  g_autoptr(QsslPreSharedKeyAuthenticator) a = qssl_pre_shared_key_authenticator_new ();
  g_autoptr(QsslPreSharedKeyAuthenticator) copy = NULL;
  g_autoptr(GBytes) identity = g_bytes_new_static ("Client X", 8);
  g_autoptr(GBytes) key = g_bytes_new_static ("\x01\x02\x03\x00\x04", 5);
  g_autoptr(GBytes) got_identity = NULL;
  g_autoptr(GBytes) got_key = NULL;
  g_autoptr(GBytes) hint = qssl_pre_shared_key_authenticator_get_identity_hint (a);

  g_assert_null (hint);
  g_assert_cmpint (qssl_pre_shared_key_authenticator_get_maximum_identity_length (a), ==, 0);
  g_assert_cmpint (qssl_pre_shared_key_authenticator_get_maximum_pre_shared_key_length (a), ==, 0);

  qssl_pre_shared_key_authenticator_set_identity (a, identity);
  qssl_pre_shared_key_authenticator_set_pre_shared_key (a, key);
  got_identity = qssl_pre_shared_key_authenticator_get_identity (a);
  got_key = qssl_pre_shared_key_authenticator_get_pre_shared_key (a);
  g_assert_true (g_bytes_equal (got_identity, identity));
  g_assert_true (g_bytes_equal (got_key, key));

  copy = qssl_pre_shared_key_authenticator_copy (a);
  g_assert_true (copy != a);
  g_assert_true (qssl_pre_shared_key_authenticator_equal (a, copy));
  qssl_pre_shared_key_authenticator_set_pre_shared_key (copy, identity);
  g_assert_false (qssl_pre_shared_key_authenticator_equal (a, copy));
}

static void
test_ocsp_response (void)
{
  g_autoptr(QsslCertificate) responder = qssl_test_pki_certificate ("ocsp-responder.pem");
  g_autoptr(QsslCertificate) subject = qssl_test_pki_certificate ("revoked.pem");
  g_autoptr(QsslOcspResponse) a = qssl_ocsp_response_new (QSSL_OCSP_CERTIFICATE_STATUS_REVOKED,
                                                          QSSL_OCSP_REVOCATION_REASON_KEY_COMPROMISE,
                                                          responder, subject);
  g_autoptr(QsslOcspResponse) b = qssl_ocsp_response_new (QSSL_OCSP_CERTIFICATE_STATUS_REVOKED,
                                                          QSSL_OCSP_REVOCATION_REASON_KEY_COMPROMISE,
                                                          responder, subject);
  g_autoptr(QsslOcspResponse) good = qssl_ocsp_response_new (QSSL_OCSP_CERTIFICATE_STATUS_GOOD,
                                                             QSSL_OCSP_REVOCATION_REASON_NONE,
                                                             responder, subject);
  g_autoptr(QsslOcspResponse) anonymous = qssl_ocsp_response_new (QSSL_OCSP_CERTIFICATE_STATUS_UNKNOWN,
                                                                  QSSL_OCSP_REVOCATION_REASON_NONE, NULL, NULL);

  g_assert_cmpint (qssl_ocsp_response_get_certificate_status (a), ==, QSSL_OCSP_CERTIFICATE_STATUS_REVOKED);
  g_assert_cmpint (qssl_ocsp_response_get_revocation_reason (a), ==, QSSL_OCSP_REVOCATION_REASON_KEY_COMPROMISE);
  g_assert_true (qssl_ocsp_response_get_responder (a) == responder);
  g_assert_true (qssl_ocsp_response_get_subject (a) == subject);
  g_assert_true (qssl_ocsp_response_equal (a, b));
  g_assert_cmpuint (qssl_ocsp_response_hash (a), ==, qssl_ocsp_response_hash (b));
  g_assert_false (qssl_ocsp_response_equal (a, good));
  g_assert_false (qssl_ocsp_response_equal (a, anonymous));
  g_assert_null (qssl_ocsp_response_get_subject (anonymous));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/qssl/psk-authenticator/values", test_psk_authenticator);
  g_test_add_func ("/qssl/ocsp-response/values", test_ocsp_response);

  return g_test_run ();
}
