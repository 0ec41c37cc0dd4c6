/* qssl-context-private.h: QsslContext, a shared reference-counted SSL_CTX
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>
#include <openssl/ssl.h>

#include "qssl-enums.h"

G_BEGIN_DECLS

typedef struct _QsslConfiguration QsslConfiguration;
typedef struct _QsslContext QsslContext;

/* Builds an SSL_CTX for @mode from @configuration: protocol range, ciphers
 * and groups, CA store, verify mode and depth, local chain and key, options
 * (tickets, renegotiation, compression off), ALPN and PSK hooks.
 * Fails with a QSSL_SOCKET_ERROR_SSL_INVALID_USER_DATA / _SSL_INTERNAL
 * GError when OpenSSL refuses a setting. */
QsslContext *_qssl_context_new      (const QsslConfiguration *configuration,
                                     QsslMode                 mode,
                                     GError                 **error);
QsslContext *_qssl_context_ref      (QsslContext             *self);
void         _qssl_context_unref    (QsslContext             *self);
SSL_CTX     *_qssl_context_get_ctx  (QsslContext             *self);

/* The client session cache shared by the sockets of one configuration,
 * keyed by "name:port". lookup returns a new reference or NULL; store
 * with a NULL session forgets the peer's. */
SSL_SESSION *_qssl_context_lookup_session (QsslContext       *self,
                                           const char        *peer);
void         _qssl_context_store_session  (QsslContext       *self,
                                           const char        *peer,
                                           SSL_SESSION       *session);

/* Server side: whether @session (a resumed one) was first made by a
 * handshake that an external pre-shared key authenticated. */
gboolean     _qssl_context_session_is_pre_shared (const SSL_SESSION *session);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QsslContext, _qssl_context_unref)

G_END_DECLS
