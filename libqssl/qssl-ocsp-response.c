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

enum {
  PROP_0,
  PROP_CERTIFICATE_STATUS,
  PROP_REVOCATION_REASON,
  PROP_RESPONDER,
  PROP_SUBJECT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
qssl_ocsp_response_finalize (GObject *object)
{
  QsslOcspResponse *self = QSSL_OCSP_RESPONSE (object);

  g_clear_object (&self->responder);
  g_clear_object (&self->subject);

  G_OBJECT_CLASS (qssl_ocsp_response_parent_class)->finalize (object);
}

static void
qssl_ocsp_response_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  QsslOcspResponse *self = QSSL_OCSP_RESPONSE (object);

  switch (prop_id)
    {
    case PROP_CERTIFICATE_STATUS:
      g_value_set_enum (value, self->status);
      break;
    case PROP_REVOCATION_REASON:
      g_value_set_enum (value, self->reason);
      break;
    case PROP_RESPONDER:
      g_value_set_object (value, self->responder);
      break;
    case PROP_SUBJECT:
      g_value_set_object (value, self->subject);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
qssl_ocsp_response_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  QsslOcspResponse *self = QSSL_OCSP_RESPONSE (object);

  /* Construct-only: a response never changes once made. */
  switch (prop_id)
    {
    case PROP_CERTIFICATE_STATUS:
      self->status = g_value_get_enum (value);
      break;
    case PROP_REVOCATION_REASON:
      self->reason = g_value_get_enum (value);
      break;
    case PROP_RESPONDER:
      g_set_object (&self->responder, g_value_get_object (value));
      break;
    case PROP_SUBJECT:
      g_set_object (&self->subject, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
qssl_ocsp_response_class_init (QsslOcspResponseClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = qssl_ocsp_response_finalize;
  object_class->get_property = qssl_ocsp_response_get_property;
  object_class->set_property = qssl_ocsp_response_set_property;

  /**
   * QsslOcspResponse:certificate-status:
   *
   * The status the responder gave the certificate.
   *
   * Since: 1.0
   */
  properties[PROP_CERTIFICATE_STATUS] =
    g_param_spec_enum ("certificate-status", NULL, NULL,
                       QSSL_TYPE_OCSP_CERTIFICATE_STATUS, QSSL_OCSP_CERTIFICATE_STATUS_UNKNOWN,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * QsslOcspResponse:revocation-reason:
   *
   * Why the certificate was revoked; %QSSL_OCSP_REVOCATION_REASON_NONE
   * unless it was.
   *
   * Since: 1.0
   */
  properties[PROP_REVOCATION_REASON] =
    g_param_spec_enum ("revocation-reason", NULL, NULL,
                       QSSL_TYPE_OCSP_REVOCATION_REASON, QSSL_OCSP_REVOCATION_REASON_NONE,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * QsslOcspResponse:responder:
   *
   * The certificate of the responder that signed the response.
   *
   * Since: 1.0
   */
  properties[PROP_RESPONDER] =
    g_param_spec_object ("responder", NULL, NULL, QSSL_TYPE_CERTIFICATE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * QsslOcspResponse:subject:
   *
   * The certificate the response is about.
   *
   * Since: 1.0
   */
  properties[PROP_SUBJECT] =
    g_param_spec_object ("subject", NULL, NULL, QSSL_TYPE_CERTIFICATE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
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
 * Makes a response. Sockets make them from the OCSP responses servers
 * staple; applications rarely need to.
 *
 * Mirrors `QOcspResponse::QOcspResponse()` (libqssl takes the values at
 * construction, since responses are immutable).
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
  g_return_val_if_fail (responder == NULL || QSSL_IS_CERTIFICATE (responder), NULL);
  g_return_val_if_fail (subject == NULL || QSSL_IS_CERTIFICATE (subject), NULL);

  return g_object_new (QSSL_TYPE_OCSP_RESPONSE,
                       "certificate-status", status,
                       "revocation-reason", reason,
                       "responder", responder,
                       "subject", subject,
                       NULL);
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
  guint hash;

  g_return_val_if_fail (QSSL_IS_OCSP_RESPONSE (self), 0);

  hash = (guint) self->status;
  hash = hash * 31u + (guint) (self->reason + 1);
  hash = hash * 31u + (self->responder ? qssl_certificate_hash (self->responder) : 0);
  hash = hash * 31u + (self->subject ? qssl_certificate_hash (self->subject) : 0);
  return hash;
}
