/* test-configuration.c: QsslConfiguration value semantics and defaults, QsslCipher
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "qssl-test-utils.h"

static void
test_defaults (void)
{
  g_autoptr(QsslConfiguration) empty = qssl_configuration_new ();
  g_autoptr(QsslConfiguration) fallback = qssl_configuration_get_default ();
  g_autoptr(GPtrArray) empty_cas = qssl_configuration_get_ca_certificates (empty);
  g_autoptr(GPtrArray) default_cas = qssl_configuration_get_ca_certificates (fallback);

  g_assert_cmpint (qssl_configuration_get_protocol (fallback), ==, QSSL_PROTOCOL_SECURE_PROTOCOLS);
  g_assert_cmpint (qssl_configuration_get_peer_verify_mode (fallback), ==, QSSL_PEER_VERIFY_MODE_AUTO_VERIFY_PEER);
  g_assert_cmpint (qssl_configuration_get_peer_verify_depth (fallback), ==, 0);
  g_assert_false (qssl_configuration_get_ocsp_stapling_enabled (fallback));
  g_assert_cmpint (qssl_configuration_get_session_protocol (fallback), ==, QSSL_PROTOCOL_UNKNOWN_PROTOCOL);
  g_assert_null (qssl_configuration_get_peer_certificate (fallback));
  g_assert_null (qssl_configuration_get_session_cipher (fallback));
  g_assert_null (qssl_configuration_get_local_certificate (fallback));
  g_assert_cmpint (qssl_configuration_get_ssl_options (fallback), ==, 0);
  g_assert_true (qssl_configuration_is_null (empty));
  g_assert_false (qssl_configuration_equal (empty, fallback));
  /* The empty configuration trusts nobody; the default trusts the system. */
  g_assert_cmpuint (empty_cas->len, ==, 0);
  g_assert_cmpuint (default_cas->len, >, 0);
}

static void
test_copy_semantics (void)
{
  g_autoptr(QsslConfiguration) a = qssl_configuration_get_default ();
  g_autoptr(QsslConfiguration) b = qssl_configuration_get_default ();
  g_autoptr(QsslConfiguration) again = NULL;
  g_autoptr(QsslConfiguration) copy = NULL;

  g_assert_true (a != b);
  g_assert_true (qssl_configuration_equal (a, b));

  qssl_configuration_set_protocol (a, QSSL_PROTOCOL_TLS_V1_3);
  qssl_configuration_set_peer_verify_mode (a, QSSL_PEER_VERIFY_MODE_NONE);
  again = qssl_configuration_get_default ();
  g_assert_cmpint (qssl_configuration_get_protocol (again), ==, QSSL_PROTOCOL_SECURE_PROTOCOLS);
  g_assert_cmpint (qssl_configuration_get_peer_verify_mode (again), ==, QSSL_PEER_VERIFY_MODE_AUTO_VERIFY_PEER);
  g_assert_false (qssl_configuration_equal (a, again));

  copy = qssl_configuration_copy (a);
  g_assert_true (qssl_configuration_equal (a, copy));
  qssl_configuration_set_protocol (copy, QSSL_PROTOCOL_TLS_V1_2);
  g_assert_cmpint (qssl_configuration_get_protocol (a), ==, QSSL_PROTOCOL_TLS_V1_3);
}

static void
test_set_default (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(QsslConfiguration) configuration = qssl_configuration_get_default ();
      g_autoptr(QsslConfiguration) back = NULL;

      qssl_configuration_set_protocol (configuration, QSSL_PROTOCOL_TLS_V1_3_OR_LATER);
      qssl_configuration_set_default (configuration);
      back = qssl_configuration_get_default ();
      g_assert_true (qssl_configuration_equal (configuration, back));
      /* Changing the value after set_default does not reach the default. */
      qssl_configuration_set_protocol (configuration, QSSL_PROTOCOL_TLS_V1_2);
      g_clear_pointer (&back, qssl_configuration_free);
      back = qssl_configuration_get_default ();
      g_assert_cmpint (qssl_configuration_get_protocol (back), ==, QSSL_PROTOCOL_TLS_V1_3_OR_LATER);
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

static void
test_round_trips (void)
{
  g_autoptr(QsslConfiguration) c = qssl_configuration_new ();
  g_autoptr(QsslCertificate) leaf = qssl_test_pki_certificate ("server-ec.pem");
  g_autoptr(QsslCertificate) intermediate = qssl_test_pki_certificate ("intermediate.pem");
  g_autoptr(QsslKey) key = qssl_test_pki_key ("server-ec.key");
  g_autoptr(GPtrArray) chain = g_ptr_array_new ();
  g_autoptr(GPtrArray) got_chain = NULL;
  g_autoptr(GBytes) ticket = g_bytes_new_static ("ticket", 6);
  g_autoptr(GBytes) got_ticket = NULL;
  g_autoptr(GBytes) hint = g_bytes_new_static ("hint", 4);
  g_autoptr(GBytes) got_hint = NULL;
  const char *alpn[] = { QSSL_ALPN_HTTP2, QSSL_ALPN_HTTP_1_1, NULL };
  const char *curves[] = { "X25519", "P-256", NULL };
  g_auto(GStrv) got_alpn = NULL;
  g_auto(GStrv) got_curves = NULL;
  g_autoptr(QsslConfiguration) copy = NULL;

  g_ptr_array_add (chain, leaf);
  g_ptr_array_add (chain, intermediate);
  qssl_configuration_set_local_certificate_chain (c, chain);
  got_chain = qssl_configuration_get_local_certificate_chain (c);
  g_assert_cmpuint (got_chain->len, ==, 2);
  g_assert_true (qssl_configuration_get_local_certificate (c) == leaf);

  qssl_configuration_set_private_key (c, key);
  g_assert_true (qssl_configuration_get_private_key (c) == key);

  qssl_configuration_set_peer_verify_depth (c, 3);
  g_assert_cmpint (qssl_configuration_get_peer_verify_depth (c), ==, 3);

  qssl_configuration_set_session_ticket (c, ticket);
  got_ticket = qssl_configuration_get_session_ticket (c);
  g_assert_true (g_bytes_equal (got_ticket, ticket));

  qssl_configuration_set_pre_shared_key_identity_hint (c, hint);
  got_hint = qssl_configuration_get_pre_shared_key_identity_hint (c);
  g_assert_true (g_bytes_equal (got_hint, hint));

  qssl_configuration_set_allowed_next_protocols (c, alpn);
  got_alpn = qssl_configuration_get_allowed_next_protocols (c);
  g_assert_cmpstrv (got_alpn, alpn);

  qssl_configuration_set_elliptic_curves (c, curves);
  got_curves = qssl_configuration_get_elliptic_curves (c);
  g_assert_cmpstrv (got_curves, curves);

  qssl_configuration_set_ssl_option (c, QSSL_SSL_OPTIONS_DISABLE_SESSION_TICKETS, TRUE);
  qssl_configuration_set_ssl_option (c, QSSL_SSL_OPTIONS_DISABLE_SERVER_NAME_INDICATION, TRUE);
  qssl_configuration_set_ssl_option (c, QSSL_SSL_OPTIONS_DISABLE_SERVER_NAME_INDICATION, FALSE);
  g_assert_true (qssl_configuration_test_ssl_option (c, QSSL_SSL_OPTIONS_DISABLE_SESSION_TICKETS));
  g_assert_false (qssl_configuration_test_ssl_option (c, QSSL_SSL_OPTIONS_DISABLE_SERVER_NAME_INDICATION));

  qssl_configuration_set_ocsp_stapling_enabled (c, TRUE);
  qssl_configuration_set_missing_certificate_is_fatal (c, TRUE);
  qssl_configuration_set_handshake_must_interrupt_on_error (c, TRUE);
  g_assert_true (qssl_configuration_get_ocsp_stapling_enabled (c));
  g_assert_true (qssl_configuration_get_missing_certificate_is_fatal (c));
  g_assert_true (qssl_configuration_get_handshake_must_interrupt_on_error (c));

  copy = qssl_configuration_copy (c);
  g_assert_true (qssl_configuration_equal (c, copy));
  qssl_configuration_set_allowed_next_protocols (copy, NULL);
  g_assert_false (qssl_configuration_equal (c, copy));
}

static void
test_negative_depth (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(QsslConfiguration) c = qssl_configuration_new ();

      qssl_configuration_set_peer_verify_depth (c, -1);
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*cannot set negative depth of -1*");
}

static void
test_ca_certificates (void)
{
  g_autoptr(QsslConfiguration) c = qssl_configuration_get_default ();
  g_autoptr(QsslCertificate) root = qssl_test_pki_certificate ("ca.pem");
  g_autoptr(GPtrArray) system = qssl_configuration_get_system_ca_certificates ();
  g_autoptr(GPtrArray) before = qssl_configuration_get_ca_certificates (c);
  g_autoptr(GPtrArray) after_add = NULL;
  g_autoptr(GPtrArray) after_set = NULL;
  g_autoptr(GPtrArray) only_root = g_ptr_array_new ();
  g_autofree char *pattern = qssl_test_pki_path ("o*-ca.pem");
  g_autoptr(QsslConfiguration) from_path = qssl_configuration_new ();
  g_autoptr(GPtrArray) path_cas = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpuint (system->len, >, 0);
  g_assert_cmpuint (before->len, ==, system->len);
  qssl_configuration_add_ca_certificate (c, root);
  after_add = qssl_configuration_get_ca_certificates (c);
  g_assert_cmpuint (after_add->len, ==, system->len + 1);

  g_ptr_array_add (only_root, root);
  qssl_configuration_set_ca_certificates (c, only_root);
  after_set = qssl_configuration_get_ca_certificates (c);
  g_assert_cmpuint (after_set->len, ==, 1);

  g_assert_true (qssl_configuration_add_ca_certificates_from_path (from_path, pattern, QSSL_ENCODING_FORMAT_PEM,
                                                                   QSSL_PATTERN_SYNTAX_WILDCARD, &error));
  g_assert_no_error (error);
  path_cas = qssl_configuration_get_ca_certificates (from_path);
  g_assert_cmpuint (path_cas->len, ==, 1); /* other-ca.pem */
  g_assert_false (qssl_configuration_add_ca_certificates_from_path (from_path, "/nonexistent/x.pem",
                                                                    QSSL_ENCODING_FORMAT_PEM,
                                                                    QSSL_PATTERN_SYNTAX_FIXED_STRING, &error));
  g_assert_no_error (error);
}

static void
test_ssl_cert_file (void)
{
  if (g_test_subprocess ())
    {
      g_autofree char *root = qssl_test_pki_path ("ca.pem");
      g_autofree char *empty_dir = qssl_test_pki_path ("keys");
      g_autoptr(GPtrArray) system = NULL;
      g_autoptr(QsslCertificate) expected = qssl_test_pki_certificate ("ca.pem");

      g_setenv ("SSL_CERT_FILE", root, TRUE);
      g_setenv ("SSL_CERT_DIR", empty_dir, TRUE);
      system = qssl_configuration_get_system_ca_certificates ();
      g_assert_cmpuint (system->len, ==, 1);
      g_assert_true (qssl_certificate_equal (g_ptr_array_index (system, 0), expected));
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

static void
test_ciphers (void)
{
  g_autoptr(GPtrArray) supported = qssl_configuration_get_supported_ciphers ();
  g_autoptr(QsslConfiguration) c = qssl_configuration_new ();
  g_autoptr(GPtrArray) defaults = qssl_configuration_get_ciphers (c);
  g_autoptr(GPtrArray) chosen = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) curves = qssl_configuration_get_supported_elliptic_curves ();

  g_assert_cmpuint (supported->len, >, defaults->len);
  g_assert_cmpuint (defaults->len, >, 0);
  for (guint i = 0; i < supported->len; i++)
    {
      QsslCipher *cipher = g_ptr_array_index (supported, i);

      g_assert_false (qssl_cipher_is_null (cipher));
      g_assert_cmpint (qssl_cipher_get_protocol (cipher), !=, QSSL_PROTOCOL_UNKNOWN_PROTOCOL);
    }

  g_assert_true (qssl_configuration_set_ciphers_from_string (c, "TLS_AES_128_GCM_SHA256:ECDHE-ECDSA-AES128-GCM-SHA256", &error));
  g_assert_no_error (error);
  chosen = qssl_configuration_get_ciphers (c);
  g_assert_cmpuint (chosen->len, ==, 2);
  g_assert_cmpstr (qssl_cipher_get_name (g_ptr_array_index (chosen, 0)), ==, "TLS_AES_128_GCM_SHA256");
  g_assert_cmpstr (qssl_cipher_get_name (g_ptr_array_index (chosen, 1)), ==, "ECDHE-ECDSA-AES128-GCM-SHA256");

  g_assert_false (qssl_configuration_set_ciphers_from_string (c, "NOT-A-CIPHER:ALSO-NOT", &error));
  g_assert_error (error, QSSL_SOCKET_ERROR, QSSL_SOCKET_ERROR_SSL_INVALID_USER_DATA);
  g_clear_pointer (&chosen, g_ptr_array_unref);
  chosen = qssl_configuration_get_ciphers (c);
  g_assert_cmpuint (chosen->len, ==, 2);

  g_assert_true (g_strv_contains ((const char * const *) curves, "X25519"));
  g_assert_true (g_strv_contains ((const char * const *) curves, "P-256"));
}

static void
test_cipher_details (void)
{
  g_autoptr(QsslCipher) tls13 = qssl_cipher_new ("TLS_AES_128_GCM_SHA256");
  g_autoptr(QsslCipher) tls12 = qssl_cipher_new ("ECDHE-RSA-AES256-GCM-SHA384");
  g_autoptr(QsslCipher) same = qssl_cipher_new_with_protocol ("ECDHE-RSA-AES256-GCM-SHA384", QSSL_PROTOCOL_TLS_V1_2);
  g_autoptr(QsslCipher) wrong_protocol = qssl_cipher_new_with_protocol ("ECDHE-RSA-AES256-GCM-SHA384", QSSL_PROTOCOL_TLS_V1_3);
  g_autoptr(QsslCipher) unknown = qssl_cipher_new ("NO-SUCH-CIPHER");

  g_assert_cmpstr (qssl_cipher_get_name (tls13), ==, "TLS_AES_128_GCM_SHA256");
  g_assert_cmpint (qssl_cipher_get_protocol (tls13), ==, QSSL_PROTOCOL_TLS_V1_3);
  g_assert_cmpstr (qssl_cipher_get_protocol_string (tls13), ==, "TLSv1.3");
  g_assert_cmpint (qssl_cipher_get_used_bits (tls13), ==, 128);
  g_assert_cmpint (qssl_cipher_get_supported_bits (tls13), ==, 128);
  g_assert_cmpstr (qssl_cipher_get_encryption_method (tls13), ==, "AESGCM(128)");
  g_assert_cmpstr (qssl_cipher_get_key_exchange_method (tls13), ==, "any");

  g_assert_cmpint (qssl_cipher_get_protocol (tls12), ==, QSSL_PROTOCOL_TLS_V1_2);
  g_assert_cmpstr (qssl_cipher_get_key_exchange_method (tls12), ==, "ECDH");
  g_assert_cmpstr (qssl_cipher_get_authentication_method (tls12), ==, "RSA");
  g_assert_cmpstr (qssl_cipher_get_encryption_method (tls12), ==, "AESGCM(256)");
  g_assert_cmpint (qssl_cipher_get_used_bits (tls12), ==, 256);
  g_assert_true (qssl_cipher_equal (tls12, same));
  g_assert_false (qssl_cipher_equal (tls12, tls13));

  g_assert_true (qssl_cipher_is_null (wrong_protocol));
  g_assert_true (qssl_cipher_is_null (unknown));
  g_assert_cmpstr (qssl_cipher_get_name (unknown), ==, "");
  g_assert_cmpint (qssl_cipher_get_used_bits (unknown), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/qssl/configuration/defaults", test_defaults);
  g_test_add_func ("/qssl/configuration/copy-semantics", test_copy_semantics);
  g_test_add_func ("/qssl/configuration/set-default", test_set_default);
  g_test_add_func ("/qssl/configuration/round-trips", test_round_trips);
  g_test_add_func ("/qssl/configuration/negative-depth", test_negative_depth);
  g_test_add_func ("/qssl/configuration/ca-certificates", test_ca_certificates);
  g_test_add_func ("/qssl/configuration/ssl-cert-file", test_ssl_cert_file);
  g_test_add_func ("/qssl/configuration/ciphers", test_ciphers);
  g_test_add_func ("/qssl/cipher/details", test_cipher_details);

  return g_test_run ();
}
