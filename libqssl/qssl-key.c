/* qssl-key.c (skeleton: being written)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "qssl.h"
#include "qssl-private.h"

struct _QsslKey
{
  GObject parent_instance;
};

G_DEFINE_FINAL_TYPE (QsslKey, qssl_key, G_TYPE_OBJECT)

static void
qssl_key_class_init (QsslKeyClass *klass)
{
}

static void
qssl_key_init (QsslKey *self)
{
}
