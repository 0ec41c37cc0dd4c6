/* test-psk-ocsp.c: QsslPreSharedKeyAuthenticator and QsslOcspResponse values
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "qssl-test-utils.h"

/* QsslPreSharedKeyAuthenticator */

static void
test_psk_new (void)
{
  g_autoptr(QsslPreSharedKeyAuthenticator) psk = qssl_pre_shared_key_authenticator_new ();
  g_autoptr(GBytes) hint = qssl_pre_shared_key_authenticator_get_identity_hint (psk);
  g_autoptr(GBytes) identity = qssl_pre_shared_key_authenticator_get_identity (psk);
  g_autoptr(GBytes) key = qssl_pre_shared_key_authenticator_get_pre_shared_key (psk);

  g_test_summary ("A new authenticator is empty with maximum lengths of 0, as in Qt");

  g_assert_null (hint);
  g_assert_null (identity);
  g_assert_null (key);
  g_assert_cmpint (qssl_pre_shared_key_authenticator_get_maximum_identity_length (psk), ==, 0);
  g_assert_cmpint (qssl_pre_shared_key_authenticator_get_maximum_pre_shared_key_length (psk), ==, 0);
}

static void
test_psk_setters (void)
{
  g_autoptr(QsslPreSharedKeyAuthenticator) psk = qssl_pre_shared_key_authenticator_new ();
  g_autoptr(GBytes) identity = g_bytes_new_static ("Client X", 8);
  /* Binary, with a NUL inside, and longer than the maximum length (0):
   * stored whole, since Qt truncates only when the key is used. */
  g_autoptr(GBytes) key = g_bytes_new_static ("\x01\x02\x03\x00\x04\xff", 6);
  g_autoptr(GBytes) got_identity = NULL;
  g_autoptr(GBytes) got_key = NULL;
  g_autoptr(GBytes) cleared = NULL;

  qssl_pre_shared_key_authenticator_set_identity (psk, identity);
  qssl_pre_shared_key_authenticator_set_pre_shared_key (psk, key);
  got_identity = qssl_pre_shared_key_authenticator_get_identity (psk);
  got_key = qssl_pre_shared_key_authenticator_get_pre_shared_key (psk);
  g_assert_true (g_bytes_equal (got_identity, identity));
  g_assert_true (g_bytes_equal (got_key, key));
  g_assert_cmpuint (g_bytes_get_size (got_key), ==, 6);

  qssl_pre_shared_key_authenticator_set_identity (psk, NULL);
  cleared = qssl_pre_shared_key_authenticator_get_identity (psk);
  g_assert_null (cleared);
}

static void
count_notify (GObject    *object,
              GParamSpec *pspec,
              gpointer    user_data)
{
  (*(int *) user_data)++;
}

static void
test_psk_properties (void)
{
  g_autoptr(QsslPreSharedKeyAuthenticator) psk = qssl_pre_shared_key_authenticator_new ();
  g_autoptr(GBytes) identity = g_bytes_new_static ("Client X", 8);
  g_autoptr(GBytes) same = g_bytes_new_static ("Client X", 8);
  g_autoptr(GBytes) key = g_bytes_new_static ("secret", 6);
  g_autoptr(GBytes) got = NULL;
  int identity_notifies = 0, key_notifies = 0;
  int maximum = -1;

  g_test_summary ("identity and pre-shared-key are properties that notify on real changes only");

  g_signal_connect (psk, "notify::identity", G_CALLBACK (count_notify), &identity_notifies);
  g_signal_connect (psk, "notify::pre-shared-key", G_CALLBACK (count_notify), &key_notifies);

  qssl_pre_shared_key_authenticator_set_identity (psk, identity);
  g_assert_cmpint (identity_notifies, ==, 1);
  qssl_pre_shared_key_authenticator_set_identity (psk, same);
  g_assert_cmpint (identity_notifies, ==, 1);

  g_object_set (psk, "pre-shared-key", key, NULL);
  g_assert_cmpint (key_notifies, ==, 1);
  got = qssl_pre_shared_key_authenticator_get_pre_shared_key (psk);
  g_assert_true (g_bytes_equal (got, key));
  g_clear_pointer (&got, g_bytes_unref);

  g_object_get (psk, "identity", &got, "maximum-identity-length", &maximum, NULL);
  g_assert_true (g_bytes_equal (got, identity));
  g_assert_cmpint (maximum, ==, 0);
  g_assert_cmpint (key_notifies, ==, 1);
}

static void
test_psk_copy (void)
{
  g_autoptr(QsslPreSharedKeyAuthenticator) psk = qssl_pre_shared_key_authenticator_new ();
  g_autoptr(QsslPreSharedKeyAuthenticator) copy = NULL;
  g_autoptr(GBytes) identity = g_bytes_new_static ("Client X", 8);
  g_autoptr(GBytes) key = g_bytes_new_static ("\x0a\x0b", 2);
  g_autoptr(GBytes) other = g_bytes_new_static ("other", 5);
  g_autoptr(GBytes) got = NULL;

  g_test_summary ("A copy is a new object with the same values, independent afterwards");

  qssl_pre_shared_key_authenticator_set_identity (psk, identity);
  qssl_pre_shared_key_authenticator_set_pre_shared_key (psk, key);
  copy = qssl_pre_shared_key_authenticator_copy (psk);
  g_assert_true (copy != psk);
  g_assert_true (qssl_pre_shared_key_authenticator_equal (psk, copy));

  qssl_pre_shared_key_authenticator_set_pre_shared_key (copy, other);
  got = qssl_pre_shared_key_authenticator_get_pre_shared_key (psk);
  g_assert_true (g_bytes_equal (got, key));
  g_assert_false (qssl_pre_shared_key_authenticator_equal (psk, copy));
}

static void
test_psk_equal (void)
{
  g_autoptr(QsslPreSharedKeyAuthenticator) a = qssl_pre_shared_key_authenticator_new ();
  g_autoptr(QsslPreSharedKeyAuthenticator) b = qssl_pre_shared_key_authenticator_new ();
  g_autoptr(GBytes) identity = g_bytes_new_static ("Client X", 8);
  g_autoptr(GBytes) identity_too = g_bytes_new_static ("Client X", 8);
  g_autoptr(GBytes) key = g_bytes_new_static ("k", 1);
  g_autoptr(GBytes) empty = g_bytes_new_static ("", 0);

  g_test_summary ("Authenticators are equal when every field is; empty equals none");

  g_assert_true (qssl_pre_shared_key_authenticator_equal (a, b));
  qssl_pre_shared_key_authenticator_set_identity (a, identity);
  g_assert_false (qssl_pre_shared_key_authenticator_equal (a, b));
  qssl_pre_shared_key_authenticator_set_identity (b, identity_too);
  g_assert_true (qssl_pre_shared_key_authenticator_equal (a, b));
  qssl_pre_shared_key_authenticator_set_pre_shared_key (b, key);
  g_assert_false (qssl_pre_shared_key_authenticator_equal (a, b));
  g_assert_false (qssl_pre_shared_key_authenticator_equal (b, a));
  qssl_pre_shared_key_authenticator_set_pre_shared_key (b, empty);
  g_assert_true (qssl_pre_shared_key_authenticator_equal (a, b));
}

/* QsslOcspResponse */

static void
test_ocsp_construct (void)
{
  g_autoptr(QsslCertificate) responder = qssl_test_pki_certificate ("ocsp-responder.pem");
  g_autoptr(QsslCertificate) subject = qssl_test_pki_certificate ("revoked.pem");
  g_autoptr(QsslOcspResponse) response = qssl_ocsp_response_new (QSSL_OCSP_CERTIFICATE_STATUS_REVOKED,
                                                                 QSSL_OCSP_REVOCATION_REASON_KEY_COMPROMISE,
                                                                 responder, subject);
  g_autoptr(QsslOcspResponse) anonymous = qssl_ocsp_response_new (QSSL_OCSP_CERTIFICATE_STATUS_UNKNOWN,
                                                                  QSSL_OCSP_REVOCATION_REASON_NONE, NULL, NULL);

  g_assert_cmpint (qssl_ocsp_response_get_certificate_status (response), ==, QSSL_OCSP_CERTIFICATE_STATUS_REVOKED);
  g_assert_cmpint (qssl_ocsp_response_get_revocation_reason (response), ==,
                   QSSL_OCSP_REVOCATION_REASON_KEY_COMPROMISE);
  g_assert_true (qssl_ocsp_response_get_responder (response) == responder);
  g_assert_true (qssl_ocsp_response_get_subject (response) == subject);

  g_assert_cmpint (qssl_ocsp_response_get_certificate_status (anonymous), ==, QSSL_OCSP_CERTIFICATE_STATUS_UNKNOWN);
  g_assert_cmpint (qssl_ocsp_response_get_revocation_reason (anonymous), ==, QSSL_OCSP_REVOCATION_REASON_NONE);
  g_assert_null (qssl_ocsp_response_get_responder (anonymous));
  g_assert_null (qssl_ocsp_response_get_subject (anonymous));
}

static void
test_ocsp_properties (void)
{
  g_autoptr(QsslCertificate) subject = qssl_test_pki_certificate ("server-rsa.pem");
  g_autoptr(QsslOcspResponse) response = qssl_ocsp_response_new (QSSL_OCSP_CERTIFICATE_STATUS_GOOD,
                                                                 QSSL_OCSP_REVOCATION_REASON_NONE,
                                                                 NULL, subject);
  g_autoptr(QsslCertificate) got_subject = NULL;
  g_autoptr(QsslCertificate) got_responder = NULL;
  QsslOcspCertificateStatus status = QSSL_OCSP_CERTIFICATE_STATUS_UNKNOWN;
  QsslOcspRevocationReason reason = QSSL_OCSP_REVOCATION_REASON_UNSPECIFIED;

  g_object_get (response,
                "certificate-status", &status,
                "revocation-reason", &reason,
                "responder", &got_responder,
                "subject", &got_subject,
                NULL);
  g_assert_cmpint (status, ==, QSSL_OCSP_CERTIFICATE_STATUS_GOOD);
  g_assert_cmpint (reason, ==, QSSL_OCSP_REVOCATION_REASON_NONE);
  g_assert_null (got_responder);
  g_assert_true (got_subject == subject);
}

static void
test_ocsp_equal_and_hash (void)
{
  g_autoptr(QsslCertificate) responder = qssl_test_pki_certificate ("ocsp-responder.pem");
  g_autoptr(QsslCertificate) responder_too = qssl_test_pki_certificate ("ocsp-responder.pem");
  g_autoptr(QsslCertificate) subject = qssl_test_pki_certificate ("revoked.pem");
  g_autoptr(QsslCertificate) subject_too = qssl_test_pki_certificate ("revoked.pem");
  g_autoptr(QsslCertificate) other = qssl_test_pki_certificate ("server-rsa.pem");
  g_autoptr(QsslOcspResponse) a = qssl_ocsp_response_new (QSSL_OCSP_CERTIFICATE_STATUS_REVOKED,
                                                          QSSL_OCSP_REVOCATION_REASON_KEY_COMPROMISE,
                                                          responder, subject);
  /* Equal certificates loaded separately: compared by value. */
  g_autoptr(QsslOcspResponse) b = qssl_ocsp_response_new (QSSL_OCSP_CERTIFICATE_STATUS_REVOKED,
                                                          QSSL_OCSP_REVOCATION_REASON_KEY_COMPROMISE,
                                                          responder_too, subject_too);
  QsslOcspResponse *differing[] = {
    qssl_ocsp_response_new (QSSL_OCSP_CERTIFICATE_STATUS_GOOD, QSSL_OCSP_REVOCATION_REASON_KEY_COMPROMISE,
                            responder, subject),
    qssl_ocsp_response_new (QSSL_OCSP_CERTIFICATE_STATUS_REVOKED, QSSL_OCSP_REVOCATION_REASON_SUPERSEDED,
                            responder, subject),
    qssl_ocsp_response_new (QSSL_OCSP_CERTIFICATE_STATUS_REVOKED, QSSL_OCSP_REVOCATION_REASON_KEY_COMPROMISE,
                            other, subject),
    qssl_ocsp_response_new (QSSL_OCSP_CERTIFICATE_STATUS_REVOKED, QSSL_OCSP_REVOCATION_REASON_KEY_COMPROMISE,
                            responder, other),
    qssl_ocsp_response_new (QSSL_OCSP_CERTIFICATE_STATUS_REVOKED, QSSL_OCSP_REVOCATION_REASON_KEY_COMPROMISE,
                            NULL, subject),
    qssl_ocsp_response_new (QSSL_OCSP_CERTIFICATE_STATUS_REVOKED, QSSL_OCSP_REVOCATION_REASON_KEY_COMPROMISE,
                            responder, NULL),
  };
  g_autoptr(QsslOcspResponse) empty_a = qssl_ocsp_response_new (QSSL_OCSP_CERTIFICATE_STATUS_UNKNOWN,
                                                                QSSL_OCSP_REVOCATION_REASON_NONE, NULL, NULL);
  g_autoptr(QsslOcspResponse) empty_b = qssl_ocsp_response_new (QSSL_OCSP_CERTIFICATE_STATUS_UNKNOWN,
                                                                QSSL_OCSP_REVOCATION_REASON_NONE, NULL, NULL);

  g_test_summary ("Responses are equal when status, reason, responder and subject are; hash agrees");

  g_assert_true (qssl_ocsp_response_equal (a, b));
  g_assert_cmpuint (qssl_ocsp_response_hash (a), ==, qssl_ocsp_response_hash (b));
  g_assert_true (qssl_ocsp_response_equal (empty_a, empty_b));
  g_assert_cmpuint (qssl_ocsp_response_hash (empty_a), ==, qssl_ocsp_response_hash (empty_b));
  for (gsize i = 0; i < G_N_ELEMENTS (differing); i++)
    {
      g_assert_false (qssl_ocsp_response_equal (a, differing[i]));
      g_assert_false (qssl_ocsp_response_equal (differing[i], a));
      g_object_unref (differing[i]);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/qssl/psk-authenticator/new", test_psk_new);
  g_test_add_func ("/qssl/psk-authenticator/setters", test_psk_setters);
  g_test_add_func ("/qssl/psk-authenticator/properties", test_psk_properties);
  g_test_add_func ("/qssl/psk-authenticator/copy", test_psk_copy);
  g_test_add_func ("/qssl/psk-authenticator/equal", test_psk_equal);
  g_test_add_func ("/qssl/ocsp-response/construct", test_ocsp_construct);
  g_test_add_func ("/qssl/ocsp-response/properties", test_ocsp_properties);
  g_test_add_func ("/qssl/ocsp-response/equal-and-hash", test_ocsp_equal_and_hash);

  return g_test_run ();
}
