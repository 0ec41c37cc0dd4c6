/* qssl-key-private.h: QsslKey internals shared with other modules
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <openssl/evp.h>

#include "qssl-key.h"

G_BEGIN_DECLS

/* Wraps @pkey, taking over the caller's reference. */
QsslKey  *_qssl_key_new_take  (EVP_PKEY    *pkey,
                               QsslKeyType  key_type);
/* The wrapped EVP_PKEY (transfer none). */
EVP_PKEY *_qssl_key_get_pkey  (QsslKey     *self);

G_END_DECLS
