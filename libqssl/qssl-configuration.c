/* qssl-configuration.c (skeleton: being written)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "qssl.h"
#include "qssl-configuration-private.h"
#include "qssl-private.h"

G_DEFINE_BOXED_TYPE (QsslConfiguration, qssl_configuration, qssl_configuration_copy, qssl_configuration_free)

QsslConfiguration *
qssl_configuration_copy (const QsslConfiguration *self)
{
  return g_memdup2 (self, sizeof *self);
}

void
qssl_configuration_free (QsslConfiguration *self)
{
  g_free (self);
}
