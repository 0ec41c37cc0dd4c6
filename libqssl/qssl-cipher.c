/* qssl-cipher.c (skeleton: being written)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "qssl.h"
#include "qssl-private.h"

struct _QsslCipher
{
  GObject parent_instance;
};

G_DEFINE_FINAL_TYPE (QsslCipher, qssl_cipher, G_TYPE_OBJECT)

static void
qssl_cipher_class_init (QsslCipherClass *klass)
{
}

static void
qssl_cipher_init (QsslCipher *self)
{
}
