/* qssl-configuration.h: QsslConfiguration, TLS settings by value (QSslConfiguration)
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
#include <libqssl/qssl-enums.h>
#include <libqssl/qssl-key.h>
#include <libqssl/qssl-version-macros.h>

G_BEGIN_DECLS

/**
 * QSSL_ALPN_HTTP_1_1:
 *
 * The ALPN identifier of HTTP/1.1, "http/1.1".
 * Mirrors `QSslConfiguration::NextProtocolHttp1_1`.
 */
#define QSSL_ALPN_HTTP_1_1 "http/1.1"

/**
 * QSSL_ALPN_HTTP2:
 *
 * The ALPN identifier of HTTP/2, "h2".
 * Mirrors `QSslConfiguration::ALPNProtocolHTTP2`.
 */
#define QSSL_ALPN_HTTP2 "h2"

#define QSSL_TYPE_CONFIGURATION (qssl_configuration_get_type ())

typedef struct _QsslConfiguration QsslConfiguration;

QSSL_AVAILABLE_IN_1_0
GType               qssl_configuration_get_type                 (void) G_GNUC_CONST;

QSSL_AVAILABLE_IN_1_0
QsslConfiguration  *qssl_configuration_new                      (void);
QSSL_AVAILABLE_IN_1_0
QsslConfiguration  *qssl_configuration_copy                     (const QsslConfiguration *self);
QSSL_AVAILABLE_IN_1_0
void                qssl_configuration_free                     (QsslConfiguration       *self);
QSSL_AVAILABLE_IN_1_0
gboolean            qssl_configuration_equal                    (const QsslConfiguration *self,
                                                                 const QsslConfiguration *other);
QSSL_AVAILABLE_IN_1_0
gboolean            qssl_configuration_is_null                  (const QsslConfiguration *self);

QSSL_AVAILABLE_IN_1_0
QsslConfiguration  *qssl_configuration_get_default              (void);
QSSL_AVAILABLE_IN_1_0
void                qssl_configuration_set_default              (const QsslConfiguration *configuration);
QSSL_AVAILABLE_IN_1_0
GPtrArray          *qssl_configuration_get_system_ca_certificates (void);
QSSL_AVAILABLE_IN_1_0
GPtrArray          *qssl_configuration_get_supported_ciphers    (void);
QSSL_AVAILABLE_IN_1_0
char              **qssl_configuration_get_supported_elliptic_curves (void);

QSSL_AVAILABLE_IN_1_0
QsslProtocol        qssl_configuration_get_protocol             (const QsslConfiguration *self);
QSSL_AVAILABLE_IN_1_0
void                qssl_configuration_set_protocol             (QsslConfiguration       *self,
                                                                 QsslProtocol             protocol);
QSSL_AVAILABLE_IN_1_0
QsslPeerVerifyMode  qssl_configuration_get_peer_verify_mode     (const QsslConfiguration *self);
QSSL_AVAILABLE_IN_1_0
void                qssl_configuration_set_peer_verify_mode     (QsslConfiguration       *self,
                                                                 QsslPeerVerifyMode       mode);
QSSL_AVAILABLE_IN_1_0
int                 qssl_configuration_get_peer_verify_depth    (const QsslConfiguration *self);
QSSL_AVAILABLE_IN_1_0
void                qssl_configuration_set_peer_verify_depth    (QsslConfiguration       *self,
                                                                 int                      depth);

QSSL_AVAILABLE_IN_1_0
QsslCertificate    *qssl_configuration_get_local_certificate    (const QsslConfiguration *self);
QSSL_AVAILABLE_IN_1_0
void                qssl_configuration_set_local_certificate    (QsslConfiguration       *self,
                                                                 QsslCertificate         *certificate);
QSSL_AVAILABLE_IN_1_0
GPtrArray          *qssl_configuration_get_local_certificate_chain (const QsslConfiguration *self);
QSSL_AVAILABLE_IN_1_0
void                qssl_configuration_set_local_certificate_chain (QsslConfiguration    *self,
                                                                 GPtrArray               *chain);
QSSL_AVAILABLE_IN_1_0
QsslKey            *qssl_configuration_get_private_key          (const QsslConfiguration *self);
QSSL_AVAILABLE_IN_1_0
void                qssl_configuration_set_private_key          (QsslConfiguration       *self,
                                                                 QsslKey                 *key);

QSSL_AVAILABLE_IN_1_0
GPtrArray          *qssl_configuration_get_ciphers              (const QsslConfiguration *self);
QSSL_AVAILABLE_IN_1_0
void                qssl_configuration_set_ciphers              (QsslConfiguration       *self,
                                                                 GPtrArray               *ciphers);
QSSL_AVAILABLE_IN_1_0
gboolean            qssl_configuration_set_ciphers_from_string  (QsslConfiguration       *self,
                                                                 const char              *ciphers,
                                                                 GError                 **error);
QSSL_AVAILABLE_IN_1_0
char              **qssl_configuration_get_elliptic_curves      (const QsslConfiguration *self);
QSSL_AVAILABLE_IN_1_0
void                qssl_configuration_set_elliptic_curves      (QsslConfiguration       *self,
                                                                 const char * const      *curves);

QSSL_AVAILABLE_IN_1_0
GPtrArray          *qssl_configuration_get_ca_certificates      (const QsslConfiguration *self);
QSSL_AVAILABLE_IN_1_0
void                qssl_configuration_set_ca_certificates      (QsslConfiguration       *self,
                                                                 GPtrArray               *certificates);
QSSL_AVAILABLE_IN_1_0
void                qssl_configuration_add_ca_certificate       (QsslConfiguration       *self,
                                                                 QsslCertificate         *certificate);
QSSL_AVAILABLE_IN_1_0
void                qssl_configuration_add_ca_certificates      (QsslConfiguration       *self,
                                                                 GPtrArray               *certificates);
QSSL_AVAILABLE_IN_1_0
gboolean            qssl_configuration_add_ca_certificates_from_path (QsslConfiguration  *self,
                                                                 const char              *path,
                                                                 QsslEncodingFormat       format,
                                                                 QsslPatternSyntax        syntax,
                                                                 GError                 **error);

QSSL_AVAILABLE_IN_1_0
gboolean            qssl_configuration_test_ssl_option          (const QsslConfiguration *self,
                                                                 QsslSslOptions           option);
QSSL_AVAILABLE_IN_1_0
void                qssl_configuration_set_ssl_option           (QsslConfiguration       *self,
                                                                 QsslSslOptions           option,
                                                                 gboolean                 on);
QSSL_AVAILABLE_IN_1_0
QsslSslOptions      qssl_configuration_get_ssl_options          (const QsslConfiguration *self);

QSSL_AVAILABLE_IN_1_0
GBytes             *qssl_configuration_get_session_ticket       (const QsslConfiguration *self);
QSSL_AVAILABLE_IN_1_0
void                qssl_configuration_set_session_ticket       (QsslConfiguration       *self,
                                                                 GBytes                  *ticket);
QSSL_AVAILABLE_IN_1_0
int                 qssl_configuration_get_session_ticket_lifetime_hint (const QsslConfiguration *self);
QSSL_AVAILABLE_IN_1_0
gboolean            qssl_configuration_set_session_ticket_keys  (QsslConfiguration       *self,
                                                                 GBytes                  *keys,
                                                                 GError                 **error);

QSSL_AVAILABLE_IN_1_0
char              **qssl_configuration_get_allowed_next_protocols (const QsslConfiguration *self);
QSSL_AVAILABLE_IN_1_0
void                qssl_configuration_set_allowed_next_protocols (QsslConfiguration     *self,
                                                                 const char * const      *protocols);
QSSL_AVAILABLE_IN_1_0
const char         *qssl_configuration_get_next_negotiated_protocol (const QsslConfiguration *self);
QSSL_AVAILABLE_IN_1_0
QsslNextProtocolNegotiationStatus
                    qssl_configuration_get_next_protocol_negotiation_status (const QsslConfiguration *self);

QSSL_AVAILABLE_IN_1_0
gboolean            qssl_configuration_get_ocsp_stapling_enabled (const QsslConfiguration *self);
QSSL_AVAILABLE_IN_1_0
void                qssl_configuration_set_ocsp_stapling_enabled (QsslConfiguration     *self,
                                                                 gboolean                 enabled);
QSSL_AVAILABLE_IN_1_0
GBytes             *qssl_configuration_get_ocsp_response (const QsslConfiguration *self);
QSSL_AVAILABLE_IN_1_0
void                qssl_configuration_set_ocsp_response (QsslConfiguration       *self,
                                                          GBytes                  *response);
QSSL_AVAILABLE_IN_1_0
GBytes             *qssl_configuration_get_pre_shared_key_identity_hint (const QsslConfiguration *self);
QSSL_AVAILABLE_IN_1_0
void                qssl_configuration_set_pre_shared_key_identity_hint (QsslConfiguration *self,
                                                                 GBytes                  *hint);
QSSL_AVAILABLE_IN_1_0
gboolean            qssl_configuration_get_missing_certificate_is_fatal (const QsslConfiguration *self);
QSSL_AVAILABLE_IN_1_0
void                qssl_configuration_set_missing_certificate_is_fatal (QsslConfiguration *self,
                                                                 gboolean                 cannot_recover);
QSSL_AVAILABLE_IN_1_0
gboolean            qssl_configuration_get_handshake_must_interrupt_on_error (const QsslConfiguration *self);
QSSL_AVAILABLE_IN_1_0
void                qssl_configuration_set_handshake_must_interrupt_on_error (QsslConfiguration *self,
                                                                 gboolean                 interrupt);
QSSL_AVAILABLE_IN_1_0
int                 qssl_configuration_get_session_cache_size   (const QsslConfiguration *self);
QSSL_AVAILABLE_IN_1_0
void                qssl_configuration_set_session_cache_size   (QsslConfiguration       *self,
                                                                 int                      size);

/* Filled in by a socket after its handshake; read-only for users. */
QSSL_AVAILABLE_IN_1_0
QsslCertificate    *qssl_configuration_get_peer_certificate     (const QsslConfiguration *self);
QSSL_AVAILABLE_IN_1_0
GPtrArray          *qssl_configuration_get_peer_certificate_chain (const QsslConfiguration *self);
QSSL_AVAILABLE_IN_1_0
QsslCipher         *qssl_configuration_get_session_cipher       (const QsslConfiguration *self);
QSSL_AVAILABLE_IN_1_0
QsslProtocol        qssl_configuration_get_session_protocol     (const QsslConfiguration *self);
QSSL_AVAILABLE_IN_1_0
QsslKey            *qssl_configuration_get_ephemeral_server_key (const QsslConfiguration *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QsslConfiguration, qssl_configuration_free)

G_END_DECLS
