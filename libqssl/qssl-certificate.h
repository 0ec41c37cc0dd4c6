/* qssl-certificate.h: QsslCertificate, an X.509 certificate (QSslCertificate)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(__QSSL_INSIDE__) && !defined(QSSL_COMPILATION)
# error "Only <libqssl/qssl.h> can be included directly."
#endif

#include <gio/gio.h>

#include <libqssl/qssl-enums.h>
#include <libqssl/qssl-key.h>
#include <libqssl/qssl-version-macros.h>

G_BEGIN_DECLS

#define QSSL_TYPE_CERTIFICATE_EXTENSION (qssl_certificate_extension_get_type ())

QSSL_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (QsslCertificateExtension, qssl_certificate_extension,
                      QSSL, CERTIFICATE_EXTENSION, GObject)

QSSL_AVAILABLE_IN_1_0
const char *qssl_certificate_extension_get_oid      (QsslCertificateExtension *self);
QSSL_AVAILABLE_IN_1_0
const char *qssl_certificate_extension_get_name     (QsslCertificateExtension *self);
QSSL_AVAILABLE_IN_1_0
GVariant   *qssl_certificate_extension_get_value    (QsslCertificateExtension *self);
QSSL_AVAILABLE_IN_1_0
gboolean    qssl_certificate_extension_is_critical  (QsslCertificateExtension *self);
QSSL_AVAILABLE_IN_1_0
gboolean    qssl_certificate_extension_is_supported (QsslCertificateExtension *self);

#define QSSL_TYPE_CERTIFICATE (qssl_certificate_get_type ())

QSSL_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (QsslCertificate, qssl_certificate, QSSL, CERTIFICATE, GObject)

QSSL_AVAILABLE_IN_1_0
QsslCertificate  *qssl_certificate_new_from_data              (GBytes                       *data,
                                                               QsslEncodingFormat            format,
                                                               GError                      **error);
QSSL_AVAILABLE_IN_1_0
QsslCertificate  *qssl_certificate_new_from_tls_certificate   (GTlsCertificate              *tls_certificate,
                                                               GError                      **error);
QSSL_AVAILABLE_IN_1_0
GPtrArray        *qssl_certificate_list_from_data             (GBytes                       *data,
                                                               QsslEncodingFormat            format);
QSSL_AVAILABLE_IN_1_0
GPtrArray        *qssl_certificate_list_from_path             (const char                   *path,
                                                               QsslEncodingFormat            format,
                                                               QsslPatternSyntax             syntax,
                                                               GError                      **error);
QSSL_AVAILABLE_IN_1_0
GPtrArray        *qssl_certificate_list_from_stream           (GInputStream                 *stream,
                                                               QsslEncodingFormat            format,
                                                               GCancellable                 *cancellable,
                                                               GError                      **error);
QSSL_AVAILABLE_IN_1_0
GPtrArray        *qssl_certificate_verify                     (GPtrArray                    *chain,
                                                               const char                   *host_name);
QSSL_AVAILABLE_IN_1_0
gboolean          qssl_certificate_import_pkcs12              (GBytes                       *data,
                                                               const char                   *passphrase,
                                                               QsslKey                     **key,
                                                               QsslCertificate             **certificate,
                                                               GPtrArray                   **ca_certificates,
                                                               GError                      **error);

QSSL_AVAILABLE_IN_1_0
gboolean          qssl_certificate_is_self_signed             (QsslCertificate              *self);
QSSL_AVAILABLE_IN_1_0
gboolean          qssl_certificate_is_blacklisted             (QsslCertificate              *self);
QSSL_AVAILABLE_IN_1_0
char             *qssl_certificate_get_version                (QsslCertificate              *self);
QSSL_AVAILABLE_IN_1_0
char             *qssl_certificate_get_serial_number          (QsslCertificate              *self);
QSSL_AVAILABLE_IN_1_0
GBytes           *qssl_certificate_digest                     (QsslCertificate              *self,
                                                               GChecksumType                 algorithm);
QSSL_AVAILABLE_IN_1_0
char            **qssl_certificate_get_subject_info           (QsslCertificate              *self,
                                                               QsslSubjectInfo               info);
QSSL_AVAILABLE_IN_1_0
char            **qssl_certificate_get_issuer_info            (QsslCertificate              *self,
                                                               QsslSubjectInfo               info);
QSSL_AVAILABLE_IN_1_0
char            **qssl_certificate_get_subject_info_attribute (QsslCertificate              *self,
                                                               const char                   *attribute);
QSSL_AVAILABLE_IN_1_0
char            **qssl_certificate_get_issuer_info_attribute  (QsslCertificate              *self,
                                                               const char                   *attribute);
QSSL_AVAILABLE_IN_1_0
char            **qssl_certificate_get_subject_info_attributes (QsslCertificate             *self);
QSSL_AVAILABLE_IN_1_0
char            **qssl_certificate_get_issuer_info_attributes (QsslCertificate              *self);
QSSL_AVAILABLE_IN_1_0
char             *qssl_certificate_get_subject_display_name   (QsslCertificate              *self);
QSSL_AVAILABLE_IN_1_0
char             *qssl_certificate_get_issuer_display_name    (QsslCertificate              *self);
QSSL_AVAILABLE_IN_1_0
char            **qssl_certificate_get_subject_alternative_names (QsslCertificate           *self,
                                                               QsslAlternativeNameEntryType  type);
QSSL_AVAILABLE_IN_1_0
GDateTime        *qssl_certificate_get_effective_date         (QsslCertificate              *self);
QSSL_AVAILABLE_IN_1_0
GDateTime        *qssl_certificate_get_expiry_date            (QsslCertificate              *self);
QSSL_AVAILABLE_IN_1_0
QsslKey          *qssl_certificate_get_public_key             (QsslCertificate              *self);
QSSL_AVAILABLE_IN_1_0
GPtrArray        *qssl_certificate_get_extensions             (QsslCertificate              *self);
QSSL_AVAILABLE_IN_1_0
GBytes           *qssl_certificate_to_pem                     (QsslCertificate              *self);
QSSL_AVAILABLE_IN_1_0
GBytes           *qssl_certificate_to_der                     (QsslCertificate              *self);
QSSL_AVAILABLE_IN_1_0
char             *qssl_certificate_to_text                    (QsslCertificate              *self);
QSSL_AVAILABLE_IN_1_0
GTlsCertificate  *qssl_certificate_to_tls_certificate         (QsslCertificate              *self,
                                                               QsslKey                      *private_key,
                                                               GError                      **error);
QSSL_AVAILABLE_IN_1_0
gboolean          qssl_certificate_equal                      (QsslCertificate              *self,
                                                               QsslCertificate              *other);
QSSL_AVAILABLE_IN_1_0
guint             qssl_certificate_hash                       (QsslCertificate              *self);

QSSL_AVAILABLE_IN_1_0
GPtrArray        *qssl_certificate_from_file                  (const char                   *path,
                                                               QsslEncodingFormat            format,
                                                               GError                      **error);

G_END_DECLS
