/* qssl-error.c: QsslError, one verification error (QSslError)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <openssl/x509_vfy.h>

#include "qssl.h"
#include "qssl-error-private.h"
#include "qssl-private.h"

/**
 * QsslError:
 *
 * One problem found while verifying a peer: an error code and, for most
 * codes, the certificate it concerns.
 *
 * Errors are plain values: [method@Qssl.Error.copy] and
 * [method@Qssl.Error.free] them; two errors are equal when code and
 * certificate are ([method@Qssl.Error.equal]), which is what
 * `qssl_socket_ignore_ssl_errors_list()` matches on.
 *
 * Mirrors `QSslError`.
 *
 * Since: 1.0
 */
struct _QsslError
{
  QsslErrorCode    code;
  QsslCertificate *certificate;
};

G_DEFINE_BOXED_TYPE (QsslError, qssl_error, qssl_error_copy, qssl_error_free)

/* Qt's wording, indexed by code (UNSPECIFIED_ERROR handled apart). */
static const char * const messages[] = {
  [QSSL_ERROR_CODE_NO_ERROR] = N_("No error"),
  [QSSL_ERROR_CODE_UNABLE_TO_GET_ISSUER_CERTIFICATE] = N_("The issuer certificate could not be found"),
  [QSSL_ERROR_CODE_UNABLE_TO_DECRYPT_CERTIFICATE_SIGNATURE] = N_("The certificate signature could not be decrypted"),
  [QSSL_ERROR_CODE_UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY] = N_("The public key in the certificate could not be read"),
  [QSSL_ERROR_CODE_CERTIFICATE_SIGNATURE_FAILED] = N_("The signature of the certificate is invalid"),
  [QSSL_ERROR_CODE_CERTIFICATE_NOT_YET_VALID] = N_("The certificate is not yet valid"),
  [QSSL_ERROR_CODE_CERTIFICATE_EXPIRED] = N_("The certificate has expired"),
  [QSSL_ERROR_CODE_INVALID_NOT_BEFORE_FIELD] = N_("The certificate's notBefore field contains an invalid time"),
  [QSSL_ERROR_CODE_INVALID_NOT_AFTER_FIELD] = N_("The certificate's notAfter field contains an invalid time"),
  [QSSL_ERROR_CODE_SELF_SIGNED_CERTIFICATE] = N_("The certificate is self-signed, and untrusted"),
  [QSSL_ERROR_CODE_SELF_SIGNED_CERTIFICATE_IN_CHAIN] = N_("The root certificate of the certificate chain is self-signed, and untrusted"),
  [QSSL_ERROR_CODE_UNABLE_TO_GET_LOCAL_ISSUER_CERTIFICATE] = N_("The issuer certificate of a locally looked up certificate could not be found"),
  [QSSL_ERROR_CODE_UNABLE_TO_VERIFY_FIRST_CERTIFICATE] = N_("No certificates could be verified"),
  [QSSL_ERROR_CODE_CERTIFICATE_REVOKED] = N_("The certificate has been revoked"),
  [QSSL_ERROR_CODE_INVALID_CA_CERTIFICATE] = N_("One of the CA certificates is invalid"),
  [QSSL_ERROR_CODE_PATH_LENGTH_EXCEEDED] = N_("The basicConstraints path length parameter has been exceeded"),
  [QSSL_ERROR_CODE_INVALID_PURPOSE] = N_("The supplied certificate is unsuitable for this purpose"),
  [QSSL_ERROR_CODE_CERTIFICATE_UNTRUSTED] = N_("The root CA certificate is not trusted for this purpose"),
  [QSSL_ERROR_CODE_CERTIFICATE_REJECTED] = N_("The root CA certificate is marked to reject the specified purpose"),
  [QSSL_ERROR_CODE_SUBJECT_ISSUER_MISMATCH] = N_("The current candidate issuer certificate was rejected because its subject name did not match the issuer name of the current certificate"),
  [QSSL_ERROR_CODE_AUTHORITY_ISSUER_SERIAL_NUMBER_MISMATCH] = N_("The current candidate issuer certificate was rejected because its issuer name and serial number was present and did not match the authority key identifier of the current certificate"),
  [QSSL_ERROR_CODE_NO_PEER_CERTIFICATE] = N_("The peer did not present any certificate"),
  [QSSL_ERROR_CODE_HOST_NAME_MISMATCH] = N_("The host name did not match any of the valid hosts for this certificate"),
  [QSSL_ERROR_CODE_NO_SSL_SUPPORT] = N_("TLS is not supported"),
  [QSSL_ERROR_CODE_CERTIFICATE_BLACKLISTED] = N_("The peer certificate is blacklisted"),
  [QSSL_ERROR_CODE_CERTIFICATE_STATUS_UNKNOWN] = N_("The revocation status of the certificate could not be checked"),
  [QSSL_ERROR_CODE_OCSP_NO_RESPONSE_FOUND] = N_("No OCSP status response found"),
  [QSSL_ERROR_CODE_OCSP_MALFORMED_REQUEST] = N_("The OCSP status request had invalid syntax"),
  [QSSL_ERROR_CODE_OCSP_MALFORMED_RESPONSE] = N_("OCSP response contains an unexpected number of SingleResponse structures"),
  [QSSL_ERROR_CODE_OCSP_INTERNAL_ERROR] = N_("OCSP responder reached an inconsistent internal state"),
  [QSSL_ERROR_CODE_OCSP_TRY_LATER] = N_("OCSP responder was unable to return a status for the requested certificate"),
  [QSSL_ERROR_CODE_OCSP_SIG_REQUIRED] = N_("The server requires the client to sign the OCSP request in order to construct a response"),
  [QSSL_ERROR_CODE_OCSP_UNAUTHORIZED] = N_("The client is not authorized to request OCSP status from this server"),
  [QSSL_ERROR_CODE_OCSP_RESPONSE_CANNOT_BE_TRUSTED] = N_("OCSP responder's identity cannot be verified"),
  [QSSL_ERROR_CODE_OCSP_RESPONSE_CERT_ID_UNKNOWN] = N_("The identity of a certificate in an OCSP response cannot be established"),
  [QSSL_ERROR_CODE_OCSP_RESPONSE_EXPIRED] = N_("The certificate status response has expired"),
  [QSSL_ERROR_CODE_OCSP_STATUS_UNKNOWN] = N_("The certificate's status is unknown"),
};

const char *
_qssl_error_code_get_message (QsslErrorCode code)
{
  if (code >= 0 && (gsize) code < G_N_ELEMENTS (messages) && messages[code] != NULL)
    return messages[code];
  return N_("Unknown error");
}

QsslErrorCode
_qssl_error_code_from_x509_verify_error (int x509_error)
{
  switch (x509_error)
    {
    case X509_V_OK:
      return QSSL_ERROR_CODE_NO_ERROR;
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
      return QSSL_ERROR_CODE_UNABLE_TO_GET_ISSUER_CERTIFICATE;
    case X509_V_ERR_UNABLE_TO_DECRYPT_CERT_SIGNATURE:
      return QSSL_ERROR_CODE_UNABLE_TO_DECRYPT_CERTIFICATE_SIGNATURE;
    case X509_V_ERR_UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY:
      return QSSL_ERROR_CODE_UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY;
    case X509_V_ERR_CERT_SIGNATURE_FAILURE:
      return QSSL_ERROR_CODE_CERTIFICATE_SIGNATURE_FAILED;
    case X509_V_ERR_CERT_NOT_YET_VALID:
      return QSSL_ERROR_CODE_CERTIFICATE_NOT_YET_VALID;
    case X509_V_ERR_CERT_HAS_EXPIRED:
      return QSSL_ERROR_CODE_CERTIFICATE_EXPIRED;
    case X509_V_ERR_ERROR_IN_CERT_NOT_BEFORE_FIELD:
      return QSSL_ERROR_CODE_INVALID_NOT_BEFORE_FIELD;
    case X509_V_ERR_ERROR_IN_CERT_NOT_AFTER_FIELD:
      return QSSL_ERROR_CODE_INVALID_NOT_AFTER_FIELD;
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
      return QSSL_ERROR_CODE_SELF_SIGNED_CERTIFICATE;
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
      return QSSL_ERROR_CODE_SELF_SIGNED_CERTIFICATE_IN_CHAIN;
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
      return QSSL_ERROR_CODE_UNABLE_TO_GET_LOCAL_ISSUER_CERTIFICATE;
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
      return QSSL_ERROR_CODE_UNABLE_TO_VERIFY_FIRST_CERTIFICATE;
    case X509_V_ERR_CERT_REVOKED:
      return QSSL_ERROR_CODE_CERTIFICATE_REVOKED;
    case X509_V_ERR_INVALID_CA:
      return QSSL_ERROR_CODE_INVALID_CA_CERTIFICATE;
    case X509_V_ERR_PATH_LENGTH_EXCEEDED:
      return QSSL_ERROR_CODE_PATH_LENGTH_EXCEEDED;
    case X509_V_ERR_INVALID_PURPOSE:
      return QSSL_ERROR_CODE_INVALID_PURPOSE;
    case X509_V_ERR_CERT_UNTRUSTED:
      return QSSL_ERROR_CODE_CERTIFICATE_UNTRUSTED;
    case X509_V_ERR_CERT_REJECTED:
      return QSSL_ERROR_CODE_CERTIFICATE_REJECTED;
    case X509_V_ERR_SUBJECT_ISSUER_MISMATCH:
      return QSSL_ERROR_CODE_SUBJECT_ISSUER_MISMATCH;
    case X509_V_ERR_AKID_ISSUER_SERIAL_MISMATCH:
      return QSSL_ERROR_CODE_AUTHORITY_ISSUER_SERIAL_NUMBER_MISMATCH;
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH:
      return QSSL_ERROR_CODE_HOST_NAME_MISMATCH;
    default:
      return QSSL_ERROR_CODE_UNSPECIFIED_ERROR;
    }
}

GPtrArray *
_qssl_error_list_new (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) qssl_error_free);
}

void
_qssl_error_list_add_unique (GPtrArray       *list,
                             QsslErrorCode    code,
                             QsslCertificate *certificate)
{
  QsslError *error = qssl_error_new (code, certificate);

  for (guint i = 0; i < list->len; i++)
    if (qssl_error_equal (g_ptr_array_index (list, i), error))
      {
        qssl_error_free (error);
        return;
      }
  g_ptr_array_add (list, error);
}

/**
 * qssl_error_new:
 * @code: the error
 * @certificate: (nullable): the certificate it concerns
 *
 * Makes an error value, for example to list the errors one expects in
 * `qssl_socket_ignore_ssl_errors_list()`.
 *
 * Mirrors `QSslError::QSslError(SslError, const QSslCertificate &)`.
 *
 * Returns: (transfer full): a new #QsslError
 *
 * Since: 1.0
 */
QsslError *
qssl_error_new (QsslErrorCode    code,
                QsslCertificate *certificate)
{
  QsslError *self;

  g_return_val_if_fail (certificate == NULL || QSSL_IS_CERTIFICATE (certificate), NULL);

  self = g_new0 (QsslError, 1);
  self->code = code;
  self->certificate = certificate ? g_object_ref (certificate) : NULL;
  return self;
}

/**
 * qssl_error_copy:
 * @self: a #QsslError
 *
 * Copies an error.
 *
 * Mirrors `QSslError`'s copy constructor.
 *
 * Returns: (transfer full): the copy
 *
 * Since: 1.0
 */
QsslError *
qssl_error_copy (const QsslError *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return qssl_error_new (self->code, self->certificate);
}

/**
 * qssl_error_free:
 * @self: (nullable): a #QsslError
 *
 * Frees an error.
 *
 * Mirrors `QSslError::~QSslError()`.
 *
 * Since: 1.0
 */
void
qssl_error_free (QsslError *self)
{
  if (self == NULL)
    return;
  g_clear_object (&self->certificate);
  g_free (self);
}

/**
 * qssl_error_get_error:
 * @self: a #QsslError
 *
 * The error code.
 *
 * Mirrors `QSslError::error()`.
 *
 * Returns: the code
 *
 * Since: 1.0
 */
QsslErrorCode
qssl_error_get_error (const QsslError *self)
{
  g_return_val_if_fail (self != NULL, QSSL_ERROR_CODE_UNSPECIFIED_ERROR);

  return self->code;
}

/**
 * qssl_error_get_certificate:
 * @self: a #QsslError
 *
 * The certificate the error concerns, if any.
 *
 * Mirrors `QSslError::certificate()`.
 *
 * Returns: (transfer none) (nullable): the certificate
 *
 * Since: 1.0
 */
QsslCertificate *
qssl_error_get_certificate (const QsslError *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->certificate;
}

/**
 * qssl_error_get_error_string:
 * @self: a #QsslError
 *
 * A sentence describing the error, in Qt's English wording translated to
 * the user's language.
 *
 * Mirrors `QSslError::errorString()`.
 *
 * Returns: the translated description
 *
 * Since: 1.0
 */
const char *
qssl_error_get_error_string (const QsslError *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  _qssl_init ();
  return _(_qssl_error_code_get_message (self->code));
}

/**
 * qssl_error_equal:
 * @self: a #QsslError
 * @other: another #QsslError
 *
 * Whether both errors have the same code and the same certificate (or both
 * none).
 *
 * Mirrors `QSslError::operator==()`.
 *
 * Returns: %TRUE when equal
 *
 * Since: 1.0
 */
gboolean
qssl_error_equal (const QsslError *self,
                  const QsslError *other)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (other != NULL, FALSE);

  if (self->code != other->code)
    return FALSE;
  if (self->certificate == NULL || other->certificate == NULL)
    return self->certificate == other->certificate;
  return qssl_certificate_equal (self->certificate, other->certificate);
}

/**
 * qssl_error_hash:
 * @self: a #QsslError
 *
 * A hash consistent with [method@Qssl.Error.equal].
 *
 * Mirrors `qHash(QSslError)`.
 *
 * Returns: the hash value
 *
 * Since: 1.0
 */
guint
qssl_error_hash (const QsslError *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return (guint) self->code * 31u + (self->certificate ? qssl_certificate_hash (self->certificate) : 0);
}
