/* qssl-error-private.h: QsslError internals shared with other modules
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "qssl-error.h"

G_BEGIN_DECLS

/* Maps an OpenSSL X509_V_ERR_* code to Qt's QSslError::SslError, the way
 * Qt's OpenSSL backend does (unknown codes give UNSPECIFIED_ERROR). */
QsslErrorCode _qssl_error_code_from_x509_verify_error (int x509_error);

/* The untranslated (English) text of @code, as Qt words it. */
const char   *_qssl_error_code_get_message           (QsslErrorCode code);

/* A GPtrArray of QsslError with qssl_error_free as free func. */
GPtrArray    *_qssl_error_list_new                    (void);

/* Appends a new QsslError for @code and @certificate to @list unless an
 * equal one is there already (OpenSSL reports some problems twice). */
void          _qssl_error_list_add_unique             (GPtrArray       *list,
                                                       QsslErrorCode    code,
                                                       QsslCertificate *certificate);

G_END_DECLS
