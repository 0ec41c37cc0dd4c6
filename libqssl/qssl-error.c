/* qssl-error.c (skeleton: being written)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "qssl.h"
#include "qssl-private.h"

struct _QsslError
{
  QsslErrorCode    code;
  QsslCertificate *certificate;
};

G_DEFINE_BOXED_TYPE (QsslError, qssl_error, qssl_error_copy, qssl_error_free)

QsslError *
qssl_error_copy (const QsslError *self)
{
  QsslError *copy = g_new0 (QsslError, 1);

  copy->code = self->code;
  copy->certificate = self->certificate ? g_object_ref (self->certificate) : NULL;
  return copy;
}

void
qssl_error_free (QsslError *self)
{
  g_clear_object (&self->certificate);
  g_free (self);
}
