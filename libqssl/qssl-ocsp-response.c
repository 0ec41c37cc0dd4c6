/* qssl-ocsp-response.c: QsslOcspResponse, a stapled OCSP status (QOcspResponse)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "qssl.h"
#include "qssl-private.h"

/**
 * QsslOcspResponse:
 *
 * The status of one certificate as an OCSP responder stated it: good,
 * revoked (with a reason) or unknown, who said so, and about which
 * certificate.
 *
 * Mirrors `QOcspResponse`.
 *
 * Since: 1.0
 */
struct _QsslOcspResponse
{
  GObject                    parent_instance;

  QsslOcspCertificateStatus  status;
  QsslOcspRevocationReason   reason;
  QsslCertificate           *responder;
  QsslCertificate           *subject;
};

G_DEFINE_FINAL_TYPE (QsslOcspResponse, qssl_ocsp_response, G_TYPE_OBJECT)

static void
qssl_ocsp_response_finalize (GObject *object)
{
  QsslOcspResponse *self = QSSL_OCSP_RESPONSE (object);

  g_clear_object (&self->responder);
  g_clear_object (&self->subject);

  G_OBJECT_CLASS (qssl_ocsp_response_parent_class)->finalize (object);
}

static void
qssl_ocsp_response_class_init (QsslOcspResponseClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = qssl_ocsp_response_finalize;
}

static void
qssl_ocsp_response_init (QsslOcspResponse *self)
{
  self->status = QSSL_OCSP_CERTIFICATE_STATUS_UNKNOWN;
  self->reason = QSSL_OCSP_REVOCATION_REASON_NONE;
}

/**
 * qssl_ocsp_response_new:
 * @status: the certificate's status
 * @reason: why it was revoked, or %QSSL_OCSP_REVOCATION_REASON_NONE
 * @responder: (nullable): the certificate of the responder
 * @subject: (nullable): the certificate the status is about
 *
 * Makes a response value. Sockets fill these in from stapled responses.
 *
 * Mirrors `QOcspResponse`.
 *
 * Returns: (transfer full): a new response
 *
 * Since: 1.0
 */
QsslOcspResponse *
qssl_ocsp_response_new (QsslOcspCertificateStatus  status,
                        QsslOcspRevocationReason   reason,
                        QsslCertificate           *responder,
                        QsslCertificate           *subject)
{
  QsslOcspResponse *self = g_object_new (QSSL_TYPE_OCSP_RESPONSE, NULL);

  self->status = status;
  self->reason = reason;
  g_set_object (&self->responder, responder);
  g_set_object (&self->subject, subject);
  return self;
}

/**
 * qssl_ocsp_response_get_certificate_status:
 * @self: a #QsslOcspResponse
 *
 * The certificate's status.
 *
 * Mirrors `QOcspResponse::certificateStatus()`.
 *
 * Returns: the status
 *
 * Since: 1.0
 */
QsslOcspCertificateStatus
qssl_ocsp_response_get_certificate_status (QsslOcspResponse *self)
{
  g_return_val_if_fail (QSSL_IS_OCSP_RESPONSE (self), QSSL_OCSP_CERTIFICATE_STATUS_UNKNOWN);

  return self->status;
}

/**
 * qssl_ocsp_response_get_revocation_reason:
 * @self: a #QsslOcspResponse
 *
 * Why the certificate was revoked.
 *
 * Mirrors `QOcspResponse::revocationReason()`.
 *
 * Returns: the reason, %QSSL_OCSP_REVOCATION_REASON_NONE if not revoked
 *
 * Since: 1.0
 */
QsslOcspRevocationReason
qssl_ocsp_response_get_revocation_reason (QsslOcspResponse *self)
{
  g_return_val_if_fail (QSSL_IS_OCSP_RESPONSE (self), QSSL_OCSP_REVOCATION_REASON_NONE);

  return self->reason;
}

/**
 * qssl_ocsp_response_get_responder:
 * @self: a #QsslOcspResponse
 *
 * The certificate of the responder that signed the response.
 *
 * Mirrors `QOcspResponse::responder()`.
 *
 * Returns: (transfer none) (nullable): the responder's certificate
 *
 * Since: 1.0
 */
QsslCertificate *
qssl_ocsp_response_get_responder (QsslOcspResponse *self)
{
  g_return_val_if_fail (QSSL_IS_OCSP_RESPONSE (self), NULL);

  return self->responder;
}

/**
 * qssl_ocsp_response_get_subject:
 * @self: a #QsslOcspResponse
 *
 * The certificate the status is about.
 *
 * Mirrors `QOcspResponse::subject()`.
 *
 * Returns: (transfer none) (nullable): the certificate
 *
 * Since: 1.0
 */
QsslCertificate *
qssl_ocsp_response_get_subject (QsslOcspResponse *self)
{
  g_return_val_if_fail (QSSL_IS_OCSP_RESPONSE (self), NULL);

  return self->subject;
}

static gboolean
certificates_equal (QsslCertificate *a,
                    QsslCertificate *b)
{
  if (a == NULL || b == NULL)
    return a == b;
  return qssl_certificate_equal (a, b);
}

/**
 * qssl_ocsp_response_equal:
 * @self: a #QsslOcspResponse
 * @other: another #QsslOcspResponse
 *
 * Whether both responses say the same thing about the same certificate.
 *
 * Mirrors `QOcspResponse::operator==()`.
 *
 * Returns: %TRUE when equal
 *
 * Since: 1.0
 */
gboolean
qssl_ocsp_response_equal (QsslOcspResponse *self,
                          QsslOcspResponse *other)
{
  g_return_val_if_fail (QSSL_IS_OCSP_RESPONSE (self), FALSE);
  g_return_val_if_fail (QSSL_IS_OCSP_RESPONSE (other), FALSE);

  return self->status == other->status && self->reason == other->reason &&
         certificates_equal (self->responder, other->responder) &&
         certificates_equal (self->subject, other->subject);
}

/**
 * qssl_ocsp_response_hash:
 * @self: a #QsslOcspResponse
 *
 * A hash consistent with [method@Qssl.OcspResponse.equal].
 *
 * Mirrors `qHash(QOcspResponse)`.
 *
 * Returns: the hash value
 *
 * Since: 1.0
 */
guint
qssl_ocsp_response_hash (QsslOcspResponse *self)
{
  g_return_val_if_fail (QSSL_IS_OCSP_RESPONSE (self), 0);

  return (guint) self->status * 17u + (guint) (self->reason + 1) * 31u +
         (self->subject ? qssl_certificate_hash (self->subject) : 0);
}
