/* qssl-socket-private.h: what the TLS context needs from the socket
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <openssl/ssl.h>

#include "qssl-enums.h"

G_BEGIN_DECLS

/* Installs the context-wide OpenSSL callbacks that call back into the
 * socket owning an SSL (new sessions, ALPN selection, OCSP stapling). */
void _qssl_socket_setup_context (SSL_CTX  *ctx,
                                 QsslMode  mode);

/* Whether the pre-shared-key callback of @ssl's socket supplied a key
 * in the current handshake. */
gboolean _qssl_socket_used_pre_shared_key (const SSL *ssl);

G_END_DECLS
