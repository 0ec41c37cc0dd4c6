/* qssl-cipher-private.h: QsslCipher internals shared with other modules
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <openssl/ssl.h>

#include "qssl-cipher.h"

G_BEGIN_DECLS

/* A QsslCipher describing @cipher (never NULL for a non-NULL @cipher). */
QsslCipher *_qssl_cipher_new_from_ssl_cipher (const SSL_CIPHER *cipher);

G_END_DECLS
