/* qssl-psk-authenticator.c (skeleton: being written)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "qssl.h"
#include "qssl-private.h"

struct _QsslPreSharedKeyAuthenticator
{
  GObject parent_instance;
};

G_DEFINE_FINAL_TYPE (QsslPreSharedKeyAuthenticator, qssl_pre_shared_key_authenticator, G_TYPE_OBJECT)

static void
qssl_pre_shared_key_authenticator_class_init (QsslPreSharedKeyAuthenticatorClass *klass)
{
}

static void
qssl_pre_shared_key_authenticator_init (QsslPreSharedKeyAuthenticator *self)
{
}
