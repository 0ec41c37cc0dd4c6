/* test-library.c: the library loads, reports its versions, and registers its enums
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include <libqssl/qssl.h>

static void
test_version_macros (void)
{
  g_assert_cmpuint (qssl_get_major_version (), ==, QSSL_MAJOR_VERSION);
  g_assert_cmpuint (qssl_get_minor_version (), ==, QSSL_MINOR_VERSION);
  g_assert_cmpuint (qssl_get_micro_version (), ==, QSSL_MICRO_VERSION);
  g_assert_true (QSSL_CHECK_VERSION (1, 0, 0));
  g_assert_false (QSSL_CHECK_VERSION (QSSL_MAJOR_VERSION + 1, 0, 0));
  g_assert_true (qssl_check_version (QSSL_MAJOR_VERSION, QSSL_MINOR_VERSION, QSSL_MICRO_VERSION));
  g_assert_false (qssl_check_version (QSSL_MAJOR_VERSION, QSSL_MINOR_VERSION + 1, 0));
}

static void
test_ssl_library (void)
{
  const char *version = qssl_socket_ssl_library_version_string ();
  const char *build_version = qssl_socket_ssl_library_build_version_string ();

  g_assert_true (qssl_socket_supports_ssl ());
  g_assert_nonnull (version);
  g_assert_true (g_str_has_prefix (version, "OpenSSL 3."));
  g_assert_true (g_str_has_prefix (build_version, "OpenSSL 3."));
  /* 0xMNN00PP0L: major 3 */
  g_assert_cmpint (qssl_socket_ssl_library_version_number () >> 28, ==, 3);
  g_assert_cmpint (qssl_socket_ssl_library_build_version_number () >> 28, ==, 3);
}

/* Every enum and flags type of the API is registered with Qt's values. */
static void
test_enum_types (void)
{
  struct { GType type; const char *nick; int value; } cases[] = {
    { QSSL_TYPE_PEER_VERIFY_MODE, "auto-verify-peer", 3 },
    { QSSL_TYPE_MODE, "ssl-server", 2 },
    { QSSL_TYPE_PROTOCOL, "secure-protocols", 4 },
    { QSSL_TYPE_PROTOCOL, "tls-v1-3-or-later", 13 },
    { QSSL_TYPE_PROTOCOL, "unknown-protocol", -1 },
    { QSSL_TYPE_ERROR_CODE, "host-name-mismatch", 22 },
    { QSSL_TYPE_ERROR_CODE, "ocsp-status-unknown", 36 },
    { QSSL_TYPE_ERROR_CODE, "unspecified-error", -1 },
    { QSSL_TYPE_SOCKET_STATE, "closing", 6 },
    { QSSL_TYPE_SOCKET_ERROR, "ssl-handshake-failed", 13 },
    { QSSL_TYPE_SOCKET_ERROR, "unknown-socket", -1 },
    { QSSL_TYPE_NETWORK_LAYER_PROTOCOL, "any-ip", 2 },
    { QSSL_TYPE_SOCKET_OPTION, "keep-alive", 1 },
    { QSSL_TYPE_ENCODING_FORMAT, "der", 1 },
    { QSSL_TYPE_KEY_TYPE, "public-key", 1 },
    { QSSL_TYPE_KEY_ALGORITHM, "dh", 4 },
    { QSSL_TYPE_ALTERNATIVE_NAME_ENTRY_TYPE, "ip-address-entry", 2 },
    { QSSL_TYPE_SUBJECT_INFO, "email-address", 8 },
    { QSSL_TYPE_PATTERN_SYNTAX, "fixed-string", 2 },
    { QSSL_TYPE_ALERT_LEVEL, "unknown", 2 },
    { QSSL_TYPE_ALERT_TYPE, "no-application-protocol", 120 },
    { QSSL_TYPE_ALERT_TYPE, "unknown-alert-message", 255 },
    { QSSL_TYPE_NEXT_PROTOCOL_NEGOTIATION_STATUS, "unsupported", 2 },
    { QSSL_TYPE_OCSP_CERTIFICATE_STATUS, "unknown", 2 },
    { QSSL_TYPE_OCSP_REVOCATION_REASON, "none", -1 },
    { QSSL_TYPE_OCSP_REVOCATION_REASON, "remove-from-crl", 7 },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GEnumClass) klass = g_type_class_ref (cases[i].type);
      GEnumValue *value = g_enum_get_value_by_nick (klass, cases[i].nick);

      g_assert_true (G_TYPE_IS_ENUM (cases[i].type));
      g_assert_nonnull (value);
      g_assert_cmpint (value->value, ==, cases[i].value);
    }
}

static void
test_flags_types (void)
{
  g_autoptr(GFlagsClass) options = g_type_class_ref (QSSL_TYPE_SSL_OPTIONS);
  g_autoptr(GFlagsClass) pause = g_type_class_ref (QSSL_TYPE_PAUSE_MODES);

  g_assert_cmpuint (g_flags_get_value_by_nick (options, "disable-session-tickets")->value, ==, 0x02);
  g_assert_cmpuint (g_flags_get_value_by_nick (options, "disable-server-cipher-preference")->value, ==, 0x80);
  g_assert_cmpuint (g_flags_get_value_by_nick (pause, "on-ssl-errors")->value, ==, 1);
}

static void
test_error_domain (void)
{
  g_autoptr(GError) error = g_error_new_literal (QSSL_SOCKET_ERROR, QSSL_SOCKET_ERROR_SOCKET_TIMEOUT, "x");

  g_assert_cmpstr (g_quark_to_string (QSSL_SOCKET_ERROR), ==, "qssl-socket-error-quark");
  g_assert_error (error, QSSL_SOCKET_ERROR, 5);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/qssl/library/version-macros", test_version_macros);
  g_test_add_func ("/qssl/library/ssl-library", test_ssl_library);
  g_test_add_func ("/qssl/library/enum-types", test_enum_types);
  g_test_add_func ("/qssl/library/flags-types", test_flags_types);
  g_test_add_func ("/qssl/library/error-domain", test_error_domain);

  return g_test_run ();
}
