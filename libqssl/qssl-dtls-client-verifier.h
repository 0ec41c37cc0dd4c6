/* qssl-dtls-client-verifier.h: QsslDtlsClientVerifier, stateless cookie checks (QDtlsClientVerifier)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(__QSSL_INSIDE__) && !defined(QSSL_COMPILATION)
# error "Only <libqssl/qssl.h> can be included directly."
#endif

#include <gio/gio.h>

#include <libqssl/qssl-enums.h>
#include <libqssl/qssl-version-macros.h>

G_BEGIN_DECLS

#define QSSL_TYPE_DTLS_CLIENT_VERIFIER (qssl_dtls_client_verifier_get_type ())

QSSL_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (QsslDtlsClientVerifier, qssl_dtls_client_verifier, QSSL, DTLS_CLIENT_VERIFIER, GObject)

QSSL_AVAILABLE_IN_1_0
QsslDtlsClientVerifier *qssl_dtls_client_verifier_new            (void);
QSSL_AVAILABLE_IN_1_0
gboolean                qssl_dtls_client_verifier_verify_client  (QsslDtlsClientVerifier  *self,
                                                                  GSocket                 *socket,
                                                                  GBytes                  *datagram,
                                                                  GInetAddress            *address,
                                                                  guint16                  port,
                                                                  GError                 **error);
QSSL_AVAILABLE_IN_1_0
GBytes                 *qssl_dtls_client_verifier_get_verified_hello (QsslDtlsClientVerifier *self);
QSSL_AVAILABLE_IN_1_0
gboolean                qssl_dtls_client_verifier_set_cookie_generator_parameters (QsslDtlsClientVerifier  *self,
                                                                  GChecksumType            hash,
                                                                  GBytes                  *secret,
                                                                  GError                 **error);
QSSL_AVAILABLE_IN_1_0
void                    qssl_dtls_client_verifier_get_cookie_generator_parameters (QsslDtlsClientVerifier  *self,
                                                                  GChecksumType           *hash,
                                                                  GBytes                 **secret);
QSSL_AVAILABLE_IN_1_0
QsslDtlsError           qssl_dtls_client_verifier_get_dtls_error (QsslDtlsClientVerifier  *self);
QSSL_AVAILABLE_IN_1_0
const char             *qssl_dtls_client_verifier_get_dtls_error_string (QsslDtlsClientVerifier *self);

G_END_DECLS
