/* qssl-certificate.c (skeleton: being written)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "qssl.h"
#include "qssl-private.h"

struct _QsslCertificate
{
  GObject parent_instance;
};

G_DEFINE_FINAL_TYPE (QsslCertificate, qssl_certificate, G_TYPE_OBJECT)

static void
qssl_certificate_class_init (QsslCertificateClass *klass)
{
}

static void
qssl_certificate_init (QsslCertificate *self)
{
}

struct _QsslCertificateExtension
{
  GObject parent_instance;
};

G_DEFINE_FINAL_TYPE (QsslCertificateExtension, qssl_certificate_extension, G_TYPE_OBJECT)

static void
qssl_certificate_extension_class_init (QsslCertificateExtensionClass *klass)
{
}

static void
qssl_certificate_extension_init (QsslCertificateExtension *self)
{
}
