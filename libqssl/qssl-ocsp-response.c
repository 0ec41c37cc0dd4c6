/* qssl-ocsp-response.c (skeleton: being written)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "qssl.h"
#include "qssl-private.h"

struct _QsslOcspResponse
{
  GObject parent_instance;
};

G_DEFINE_FINAL_TYPE (QsslOcspResponse, qssl_ocsp_response, G_TYPE_OBJECT)

static void
qssl_ocsp_response_class_init (QsslOcspResponseClass *klass)
{
}

static void
qssl_ocsp_response_init (QsslOcspResponse *self)
{
}
