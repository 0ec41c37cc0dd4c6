/* qssl-error.h: QsslError, one verification error (QSslError)
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

#define QSSL_TYPE_ERROR (qssl_error_get_type ())

typedef struct _QsslError QsslError;

QSSL_AVAILABLE_IN_1_0
GType            qssl_error_get_type         (void) G_GNUC_CONST;
QSSL_AVAILABLE_IN_1_0
QsslError       *qssl_error_new              (QsslErrorCode    code,
                                              QsslCertificate *certificate);
QSSL_AVAILABLE_IN_1_0
QsslError       *qssl_error_copy             (const QsslError *self);
QSSL_AVAILABLE_IN_1_0
void             qssl_error_free             (QsslError       *self);
QSSL_AVAILABLE_IN_1_0
QsslErrorCode    qssl_error_get_error        (const QsslError *self);
QSSL_AVAILABLE_IN_1_0
QsslCertificate *qssl_error_get_certificate  (const QsslError *self);
QSSL_AVAILABLE_IN_1_0
const char      *qssl_error_get_error_string (const QsslError *self);
QSSL_AVAILABLE_IN_1_0
gboolean         qssl_error_equal            (const QsslError *self,
                                              const QsslError *other);
QSSL_AVAILABLE_IN_1_0
guint            qssl_error_hash             (const QsslError *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QsslError, qssl_error_free)

G_END_DECLS
