/* qssl-dtls.h: QsslDtls, one DTLS association over a UDP GSocket (QDtls)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(__QSSL_INSIDE__) && !defined(QSSL_COMPILATION)
# error "Only <libqssl/qssl.h> can be included directly."
#endif

#include <gio/gio.h>

#include <libqssl/qssl-cipher.h>
#include <libqssl/qssl-configuration.h>
#include <libqssl/qssl-enums.h>
#include <libqssl/qssl-version-macros.h>

G_BEGIN_DECLS

#define QSSL_TYPE_DTLS (qssl_dtls_get_type ())

QSSL_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (QsslDtls, qssl_dtls, QSSL, DTLS, GObject)

QSSL_AVAILABLE_IN_1_0
QsslConfiguration     *qssl_configuration_get_default_dtls    (void);

QSSL_AVAILABLE_IN_1_0
QsslDtls              *qssl_dtls_new                          (QsslMode             mode);
QSSL_AVAILABLE_IN_1_0
QsslMode               qssl_dtls_get_ssl_mode                 (QsslDtls            *self);

QSSL_AVAILABLE_IN_1_0
gboolean               qssl_dtls_set_peer                     (QsslDtls            *self,
                                                               GInetAddress        *address,
                                                               guint16              port,
                                                               const char          *verification_name,
                                                               GError             **error);
QSSL_AVAILABLE_IN_1_0
gboolean               qssl_dtls_set_peer_verification_name   (QsslDtls            *self,
                                                               const char          *name,
                                                               GError             **error);
QSSL_AVAILABLE_IN_1_0
const char            *qssl_dtls_get_peer_verification_name   (QsslDtls            *self);
QSSL_AVAILABLE_IN_1_0
GInetAddress          *qssl_dtls_get_peer_address             (QsslDtls            *self);
QSSL_AVAILABLE_IN_1_0
guint16                qssl_dtls_get_peer_port                (QsslDtls            *self);

QSSL_AVAILABLE_IN_1_0
gboolean               qssl_dtls_set_dtls_configuration       (QsslDtls            *self,
                                                               QsslConfiguration   *configuration,
                                                               GError             **error);
QSSL_AVAILABLE_IN_1_0
QsslConfiguration     *qssl_dtls_get_dtls_configuration       (QsslDtls            *self);
QSSL_AVAILABLE_IN_1_0
void                   qssl_dtls_set_mtu_hint                 (QsslDtls            *self,
                                                               guint16              mtu_hint);
QSSL_AVAILABLE_IN_1_0
guint16                qssl_dtls_get_mtu_hint                 (QsslDtls            *self);
QSSL_AVAILABLE_IN_1_0
gboolean               qssl_dtls_set_cookie_generator_parameters (QsslDtls         *self,
                                                               GChecksumType        hash,
                                                               GBytes              *secret,
                                                               GError             **error);
QSSL_AVAILABLE_IN_1_0
void                   qssl_dtls_get_cookie_generator_parameters (QsslDtls         *self,
                                                               GChecksumType       *hash,
                                                               GBytes             **secret);

QSSL_AVAILABLE_IN_1_0
gboolean               qssl_dtls_do_handshake                 (QsslDtls            *self,
                                                               GSocket             *socket,
                                                               GBytes              *datagram,
                                                               GError             **error);
QSSL_AVAILABLE_IN_1_0
gboolean               qssl_dtls_handle_timeout               (QsslDtls            *self,
                                                               GSocket             *socket,
                                                               GError             **error);
QSSL_AVAILABLE_IN_1_0
gboolean               qssl_dtls_resume_handshake             (QsslDtls            *self,
                                                               GSocket             *socket,
                                                               GError             **error);
QSSL_AVAILABLE_IN_1_0
gboolean               qssl_dtls_abort_handshake              (QsslDtls            *self,
                                                               GSocket             *socket,
                                                               GError             **error);
QSSL_AVAILABLE_IN_1_0
gboolean               qssl_dtls_shutdown                     (QsslDtls            *self,
                                                               GSocket             *socket,
                                                               GError             **error);

QSSL_AVAILABLE_IN_1_0
void                   qssl_dtls_ignore_verification_errors   (QsslDtls            *self,
                                                               GPtrArray           *errors);
QSSL_AVAILABLE_IN_1_0
GPtrArray             *qssl_dtls_get_peer_verification_errors (QsslDtls            *self);

QSSL_AVAILABLE_IN_1_0
gssize                 qssl_dtls_write_datagram_encrypted     (QsslDtls            *self,
                                                               GSocket             *socket,
                                                               GBytes              *datagram,
                                                               GError             **error);
QSSL_AVAILABLE_IN_1_0
GBytes                *qssl_dtls_decrypt_datagram             (QsslDtls            *self,
                                                               GSocket             *socket,
                                                               GBytes              *datagram);

QSSL_AVAILABLE_IN_1_0
QsslDtlsHandshakeState qssl_dtls_get_handshake_state          (QsslDtls            *self);
QSSL_AVAILABLE_IN_1_0
gboolean               qssl_dtls_is_connection_encrypted      (QsslDtls            *self);
QSSL_AVAILABLE_IN_1_0
QsslCipher            *qssl_dtls_get_session_cipher           (QsslDtls            *self);
QSSL_AVAILABLE_IN_1_0
QsslProtocol           qssl_dtls_get_session_protocol         (QsslDtls            *self);
QSSL_AVAILABLE_IN_1_0
QsslDtlsError          qssl_dtls_get_dtls_error               (QsslDtls            *self);
QSSL_AVAILABLE_IN_1_0
const char            *qssl_dtls_get_dtls_error_string        (QsslDtls            *self);

G_END_DECLS
