/* qssl-socket.h: QsslSocket, a TLS socket that is a GSocketConnection (QSslSocket)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(__QSSL_INSIDE__) && !defined(QSSL_COMPILATION)
# error "Only <libqssl/qssl.h> can be included directly."
#endif

#include <gio/gio.h>

#include <libqssl/qssl-certificate.h>
#include <libqssl/qssl-cipher.h>
#include <libqssl/qssl-configuration.h>
#include <libqssl/qssl-enums.h>
#include <libqssl/qssl-error.h>
#include <libqssl/qssl-key.h>
#include <libqssl/qssl-version-macros.h>

G_BEGIN_DECLS

#define QSSL_TYPE_SOCKET (qssl_socket_get_type ())

QSSL_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (QsslSocket, qssl_socket, QSSL, SOCKET, GSocketConnection)

/* Construction */
QSSL_AVAILABLE_IN_1_0
QsslSocket         *qssl_socket_new                       (void);

/* The TLS library */
QSSL_AVAILABLE_IN_1_0
gboolean            qssl_socket_supports_ssl                      (void);
QSSL_AVAILABLE_IN_1_0
glong               qssl_socket_ssl_library_version_number        (void);
QSSL_AVAILABLE_IN_1_0
const char         *qssl_socket_ssl_library_version_string        (void);
QSSL_AVAILABLE_IN_1_0
glong               qssl_socket_ssl_library_build_version_number  (void);
QSSL_AVAILABLE_IN_1_0
const char         *qssl_socket_ssl_library_build_version_string  (void);

G_END_DECLS
