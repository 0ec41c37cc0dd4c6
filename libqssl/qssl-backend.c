/* qssl-backend.c: what the TLS backend offers (Qt 6's QSslSocket statics)
 *
 * libqssl has one backend, OpenSSL; these answer Qt 6.1's questions about
 * it so that code written against Qt's plugin-based backends ports as is.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "qssl-backend.h"
#include "qssl-private.h"

/* What the OpenSSL backend of Qt 6 lists, less what libqssl has no class
 * for (Diffie-Hellman parameters: OpenSSL's built-in groups are used). */
static const QsslImplementedClass implemented_classes[] = {
  QSSL_IMPLEMENTED_CLASS_KEY,
  QSSL_IMPLEMENTED_CLASS_CERTIFICATE,
  QSSL_IMPLEMENTED_CLASS_SOCKET,
  QSSL_IMPLEMENTED_CLASS_ELLIPTIC_CURVE,
  QSSL_IMPLEMENTED_CLASS_DTLS,
  QSSL_IMPLEMENTED_CLASS_DTLS_COOKIE,
};

static const QsslSupportedFeature supported_features[] = {
  QSSL_SUPPORTED_FEATURE_CERTIFICATE_VERIFICATION,
  QSSL_SUPPORTED_FEATURE_CLIENT_SIDE_ALPN,
  QSSL_SUPPORTED_FEATURE_SERVER_SIDE_ALPN,
  QSSL_SUPPORTED_FEATURE_OCSP,
  QSSL_SUPPORTED_FEATURE_PSK,
  QSSL_SUPPORTED_FEATURE_SESSION_TICKET,
  QSSL_SUPPORTED_FEATURE_ALERTS,
};

/* Every protocol value a configuration accepts, in Qt's order. TLS 1.0 and
 * 1.1 are accepted (OpenSSL's security level may still refuse them at
 * handshake time, as with Qt). */
static const QsslProtocol supported_protocols[] = {
  QSSL_PROTOCOL_ANY_PROTOCOL,
  QSSL_PROTOCOL_SECURE_PROTOCOLS,
  QSSL_PROTOCOL_TLS_V1_0,
  QSSL_PROTOCOL_TLS_V1_0_OR_LATER,
  QSSL_PROTOCOL_TLS_V1_1,
  QSSL_PROTOCOL_TLS_V1_1_OR_LATER,
  QSSL_PROTOCOL_TLS_V1_2,
  QSSL_PROTOCOL_TLS_V1_2_OR_LATER,
  QSSL_PROTOCOL_TLS_V1_3,
  QSSL_PROTOCOL_TLS_V1_3_OR_LATER,
  QSSL_PROTOCOL_DTLS_V1_0,
  QSSL_PROTOCOL_DTLS_V1_0_OR_LATER,
  QSSL_PROTOCOL_DTLS_V1_2,
  QSSL_PROTOCOL_DTLS_V1_2_OR_LATER,
};

static GArray *
int_array (const int *values,
           gsize      n_values)
{
  GArray *array = g_array_sized_new (FALSE, FALSE, sizeof (int), n_values);

  g_array_append_vals (array, values, n_values);
  return array;
}

static gboolean
int_listed (const int *values,
            gsize      n_values,
            int        value)
{
  for (gsize i = 0; i < n_values; i++)
    if (values[i] == value)
      return TRUE;
  return FALSE;
}

/**
 * qssl_socket_is_feature_supported:
 * @feature: a feature
 *
 * Whether the active backend supports @feature. Mirrors
 * `QSslSocket::isFeatureSupported()` (Qt 6.1).
 *
 * Returns: %TRUE if @feature is supported
 *
 * Since: 1.0
 */
gboolean
qssl_socket_is_feature_supported (QsslSupportedFeature feature)
{
  return int_listed ((const int *) supported_features, G_N_ELEMENTS (supported_features), feature);
}

/**
 * qssl_socket_supported_features:
 *
 * The features the active backend supports. Mirrors
 * `QSslSocket::supportedFeatures()` (Qt 6.1).
 *
 * Returns: (transfer full) (element-type QsslSupportedFeature): the features
 *
 * Since: 1.0
 */
GArray *
qssl_socket_supported_features (void)
{
  return int_array ((const int *) supported_features, G_N_ELEMENTS (supported_features));
}

/**
 * qssl_socket_is_class_implemented:
 * @klass: a class
 *
 * Whether the active backend implements @klass. Mirrors
 * `QSslSocket::isClassImplemented()` (Qt 6.1).
 *
 * Returns: %TRUE if @klass is implemented
 *
 * Since: 1.0
 */
gboolean
qssl_socket_is_class_implemented (QsslImplementedClass klass)
{
  return int_listed ((const int *) implemented_classes, G_N_ELEMENTS (implemented_classes), klass);
}

/**
 * qssl_socket_implemented_classes:
 *
 * The classes the active backend implements. Mirrors
 * `QSslSocket::implementedClasses()` (Qt 6.1).
 *
 * Returns: (transfer full) (element-type QsslImplementedClass): the classes
 *
 * Since: 1.0
 */
GArray *
qssl_socket_implemented_classes (void)
{
  return int_array ((const int *) implemented_classes, G_N_ELEMENTS (implemented_classes));
}

/**
 * qssl_socket_is_protocol_supported:
 * @protocol: a protocol
 *
 * Whether a configuration may use @protocol: the TLS values with a
 * #QsslSocket, the DTLS values with #QsslDtls. Mirrors
 * `QSslSocket::isProtocolSupported()` (Qt 6.1).
 *
 * Returns: %TRUE if @protocol is supported
 *
 * Since: 1.0
 */
gboolean
qssl_socket_is_protocol_supported (QsslProtocol protocol)
{
  return int_listed ((const int *) supported_protocols, G_N_ELEMENTS (supported_protocols), protocol);
}

/**
 * qssl_socket_supported_protocols:
 *
 * The protocols qssl_socket_is_protocol_supported() accepts. Mirrors
 * `QSslSocket::supportedProtocols()` (Qt 6.1).
 *
 * Returns: (transfer full) (element-type QsslProtocol): the protocols
 *
 * Since: 1.0
 */
GArray *
qssl_socket_supported_protocols (void)
{
  return int_array ((const int *) supported_protocols, G_N_ELEMENTS (supported_protocols));
}

/**
 * qssl_socket_active_backend:
 *
 * The name of the TLS backend in use: always "openssl". Mirrors
 * `QSslSocket::activeBackend()` (Qt 6.1).
 *
 * Returns: (transfer none): "openssl"
 *
 * Since: 1.0
 */
const char *
qssl_socket_active_backend (void)
{
  return "openssl";
}

/**
 * qssl_socket_available_backends:
 *
 * The names of the TLS backends that can be used: only "openssl". Mirrors
 * `QSslSocket::availableBackends()` (Qt 6.1).
 *
 * Returns: (transfer full) (array zero-terminated=1): the backend names
 *
 * Since: 1.0
 */
char **
qssl_socket_available_backends (void)
{
  const char *names[] = { "openssl", NULL };

  return g_strdupv ((char **) names);
}
