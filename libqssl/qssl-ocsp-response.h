/* qssl-ocsp-response.h: QsslOcspResponse, a stapled OCSP status (QOcspResponse)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(__QSSL_INSIDE__) && !defined(QSSL_COMPILATION)
# error "Only <libqssl/qssl.h> can be included directly."
#endif

#include <glib-object.h>

#include <libqssl/qssl-certificate.h>
#include <libqssl/qssl-enums.h>
#include <libqssl/qssl-version-macros.h>

G_BEGIN_DECLS

#define QSSL_TYPE_OCSP_RESPONSE (qssl_ocsp_response_get_type ())

QSSL_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (QsslOcspResponse, qssl_ocsp_response, QSSL, OCSP_RESPONSE, GObject)

QSSL_AVAILABLE_IN_1_0
QsslOcspResponse          *qssl_ocsp_response_new                    (QsslOcspCertificateStatus  status,
                                                                      QsslOcspRevocationReason   reason,
                                                                      QsslCertificate           *responder,
                                                                      QsslCertificate           *subject);
QSSL_AVAILABLE_IN_1_0
QsslOcspCertificateStatus  qssl_ocsp_response_get_certificate_status (QsslOcspResponse          *self);
QSSL_AVAILABLE_IN_1_0
QsslOcspRevocationReason   qssl_ocsp_response_get_revocation_reason  (QsslOcspResponse          *self);
QSSL_AVAILABLE_IN_1_0
QsslCertificate           *qssl_ocsp_response_get_responder          (QsslOcspResponse          *self);
QSSL_AVAILABLE_IN_1_0
QsslCertificate           *qssl_ocsp_response_get_subject            (QsslOcspResponse          *self);
QSSL_AVAILABLE_IN_1_0
gboolean                   qssl_ocsp_response_equal                  (QsslOcspResponse          *self,
                                                                      QsslOcspResponse          *other);
QSSL_AVAILABLE_IN_1_0
guint                      qssl_ocsp_response_hash                   (QsslOcspResponse          *self);

G_END_DECLS
