/* test-backend.c: Qt 6's backend queries and QSslCertificate::fromFile()
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <glib/gstdio.h>

#include "qssl-test-utils.h"

static gboolean
array_contains (GArray *array,
                int     value)
{
  for (guint i = 0; i < array->len; i++)
    if (g_array_index (array, int, i) == value)
      return TRUE;
  return FALSE;
}

static void
test_backend_names (void)
{
  g_auto(GStrv) names = qssl_socket_available_backends ();

  g_assert_cmpstr (qssl_socket_active_backend (), ==, "openssl");
  g_assert_cmpuint (g_strv_length (names), ==, 1);
  g_assert_cmpstr (names[0], ==, "openssl");
}

static void
test_features (void)
{
  g_autoptr(GArray) features = qssl_socket_supported_features ();

  /* Everything Qt's OpenSSL backend supports, libqssl does too. */
  for (int feature = QSSL_SUPPORTED_FEATURE_CERTIFICATE_VERIFICATION;
       feature <= QSSL_SUPPORTED_FEATURE_ALERTS; feature++)
    {
      g_assert_true (qssl_socket_is_feature_supported (feature));
      g_assert_true (array_contains (features, feature));
    }
  g_assert_cmpuint (features->len, ==, 7);
  g_assert_false (qssl_socket_is_feature_supported (99));
}

static void
test_classes (void)
{
  g_autoptr(GArray) classes = qssl_socket_implemented_classes ();

  g_assert_true (qssl_socket_is_class_implemented (QSSL_IMPLEMENTED_CLASS_SOCKET));
  g_assert_true (qssl_socket_is_class_implemented (QSSL_IMPLEMENTED_CLASS_CERTIFICATE));
  g_assert_true (qssl_socket_is_class_implemented (QSSL_IMPLEMENTED_CLASS_KEY));
  g_assert_true (qssl_socket_is_class_implemented (QSSL_IMPLEMENTED_CLASS_DTLS));
  g_assert_true (qssl_socket_is_class_implemented (QSSL_IMPLEMENTED_CLASS_DTLS_COOKIE));
  /* No QSslDiffieHellmanParameters counterpart. */
  g_assert_false (qssl_socket_is_class_implemented (QSSL_IMPLEMENTED_CLASS_DIFFIE_HELLMAN));
  g_assert_true (array_contains (classes, QSSL_IMPLEMENTED_CLASS_DTLS));
  g_assert_false (array_contains (classes, QSSL_IMPLEMENTED_CLASS_DIFFIE_HELLMAN));
  /* Each class listed is one the predicate accepts. */
  for (guint i = 0; i < classes->len; i++)
    g_assert_true (qssl_socket_is_class_implemented (g_array_index (classes, int, i)));
}

static void
test_protocols (void)
{
  g_autoptr(GArray) protocols = qssl_socket_supported_protocols ();

  g_assert_true (qssl_socket_is_protocol_supported (QSSL_PROTOCOL_TLS_V1_3));
  g_assert_true (qssl_socket_is_protocol_supported (QSSL_PROTOCOL_SECURE_PROTOCOLS));
  g_assert_true (qssl_socket_is_protocol_supported (QSSL_PROTOCOL_DTLS_V1_2));
  g_assert_true (qssl_socket_is_protocol_supported (QSSL_PROTOCOL_DTLS_V1_2_OR_LATER));
  g_assert_false (qssl_socket_is_protocol_supported (QSSL_PROTOCOL_UNKNOWN_PROTOCOL));
  g_assert_true (array_contains (protocols, QSSL_PROTOCOL_TLS_V1_2_OR_LATER));
  g_assert_false (array_contains (protocols, QSSL_PROTOCOL_UNKNOWN_PROTOCOL));
  g_assert_cmpuint (protocols->len, ==, 14);
}

static void
test_enum_values (void)
{
  /* Qt's numbers, so that values stored by a Qt program mean the same. */
  g_assert_cmpint (QSSL_IMPLEMENTED_CLASS_DTLS_COOKIE, ==, 6);
  g_assert_cmpint (QSSL_SUPPORTED_FEATURE_ALERTS, ==, 6);
  g_assert_cmpint (QSSL_DTLS_ERROR_TLS_NON_FATAL_ERROR, ==, 8);
  g_assert_cmpint (QSSL_DTLS_HANDSHAKE_STATE_COMPLETE, ==, 3);
  g_assert_true (G_TYPE_IS_ENUM (QSSL_TYPE_IMPLEMENTED_CLASS));
  g_assert_true (G_TYPE_IS_ENUM (QSSL_TYPE_SUPPORTED_FEATURE));
  g_assert_true (G_TYPE_IS_ENUM (QSSL_TYPE_DTLS_ERROR));
  g_assert_true (G_TYPE_IS_ENUM (QSSL_TYPE_DTLS_HANDSHAKE_STATE));
  g_assert_cmpstr (g_quark_to_string (QSSL_DTLS_ERROR), ==, "qssl-dtls-error-quark");
}

static void
test_from_file (void)
{
  g_autofree char *path = qssl_test_pki_path ("server-rsa-chain.pem");
  g_autoptr(QsslCertificate) leaf = qssl_test_pki_certificate ("server-rsa.pem");
  g_autoptr(QsslCertificate) intermediate = qssl_test_pki_certificate ("intermediate.pem");
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = qssl_certificate_from_file (path, QSSL_ENCODING_FORMAT_PEM, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 2);
  g_assert_true (qssl_certificate_equal (g_ptr_array_index (list, 0), leaf));
  g_assert_true (qssl_certificate_equal (g_ptr_array_index (list, 1), intermediate));
}

static void
test_from_file_der (void)
{
  g_autoptr(QsslCertificate) leaf = qssl_test_pki_certificate ("server-rsa.pem");
  g_autoptr(GBytes) der = qssl_certificate_to_der (leaf);
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = NULL;
  int fd = g_file_open_tmp ("qssl-der-XXXXXX", &path, &error);

  g_assert_no_error (error);
  g_assert_cmpint (write (fd, g_bytes_get_data (der, NULL), g_bytes_get_size (der)), ==, g_bytes_get_size (der));
  close (fd);
  list = qssl_certificate_from_file (path, QSSL_ENCODING_FORMAT_DER, &error);
  g_unlink (path);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 1);
  g_assert_true (qssl_certificate_equal (g_ptr_array_index (list, 0), leaf));
}

static void
test_from_file_errors (void)
{
  g_autofree char *key = qssl_test_pki_path ("server-rsa.key");
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) none = NULL;
  GPtrArray *missing;

  /* A file without certificates: an empty list, as Qt. */
  none = qssl_certificate_from_file (key, QSSL_ENCODING_FORMAT_PEM, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (none->len, ==, 0);

  missing = qssl_certificate_from_file ("/nonexistent/cert.pem", QSSL_ENCODING_FORMAT_PEM, &error);
  g_assert_null (missing);
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/qssl/backend/names", test_backend_names);
  g_test_add_func ("/qssl/backend/features", test_features);
  g_test_add_func ("/qssl/backend/classes", test_classes);
  g_test_add_func ("/qssl/backend/protocols", test_protocols);
  g_test_add_func ("/qssl/backend/enum-values", test_enum_values);
  g_test_add_func ("/qssl/backend/certificate-from-file", test_from_file);
  g_test_add_func ("/qssl/backend/certificate-from-file-der", test_from_file_der);
  g_test_add_func ("/qssl/backend/certificate-from-file-errors", test_from_file_errors);

  return g_test_run ();
}
