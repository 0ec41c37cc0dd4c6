/* qssl-context-private.h: QsslContext, a shared reference-counted SSL_CTX
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include "qssl-enums.h"
#include "qssl-cipher.h"
#include "qssl-key.h"

G_BEGIN_DECLS

typedef struct _QsslContext QsslContext;

/* Installs the callbacks of the layer that uses the context (the TLS
 * engine: new sessions, ALPN selection, OCSP stapling). */
typedef void (*QsslContextSetupFunc) (SSL_CTX  *ctx,
                                      QsslMode  mode);

/* What a context is built from. The configuration fills it in; the context
 * knows neither the configuration nor the socket. Nothing is taken over. */
typedef struct
{
  QsslProtocol          protocol;
  QsslSslOptions        ssl_options;
  GPtrArray            *ciphers;                 /* QsslCipher; NULL = library default */
  char                **elliptic_curves;         /* NULL = OpenSSL default */
  int                   peer_verify_depth;
  GPtrArray            *local_certificate_chain; /* QsslCertificate, leaf first */
  QsslKey              *private_key;             /* nullable */
  X509_STORE           *ca_store;                /* the context takes a reference */
  /* What decides who may resume a server's sessions (the session ID
   * context and the resumption policy). */
  QsslPeerVerifyMode    peer_verify_mode;
  gboolean              missing_certificate_is_fatal;
  gboolean              allow_system_ca_certificates;
  GPtrArray            *ca_certificates;         /* QsslCertificate, never NULL */
  GBytes               *pre_shared_key_identity_hint; /* nullable */
  int                   session_cache_size;      /* server: stateful sessions kept; 0 = none */
  /* Server: nginx-format session-ticket keys, validated by the
   * configuration; NULL: the context's own rotating key. */
  GBytes               *session_ticket_keys;
  QsslContextSetupFunc  setup;                   /* nullable */
} QsslContextSettings;

/* Builds an SSL_CTX for @mode from @settings: protocol range, ciphers
 * and groups, CA store, verify depth, local chain and key, options
 * (tickets, renegotiation, compression off) and the caller's callbacks.
 * Fails with a QSSL_SOCKET_ERROR_SSL_INVALID_USER_DATA / _SSL_INTERNAL
 * GError when OpenSSL refuses a setting. */
QsslContext *_qssl_context_new      (const QsslContextSettings *settings,
                                     QsslMode                   mode,
                                     GError                   **error);
/* The same for DTLS (QsslDtls): the protocol must be a DTLS one. */
QsslContext *_qssl_context_new_dtls (const QsslContextSettings *settings,
                                     QsslMode                   mode,
                                     GError                   **error);
QsslContext *_qssl_context_ref      (QsslContext             *self);
void         _qssl_context_unref    (QsslContext             *self);
SSL_CTX     *_qssl_context_get_ctx  (QsslContext             *self);

/* Server: moves @ssl, from its ClientHello callback, to @self, the
 * context of the virtual host @host (its normalised name or pattern):
 * certificate, key and chain, CA store, verify depth, options, protocol
 * range, suites, groups (when set) and a session ID context bound to
 * @host. The verify mode is the caller's (it owns the verify callback).
 * FALSE when OpenSSL refuses. */
gboolean     _qssl_context_switch_server_ssl (QsslContext *self,
                                              SSL         *ssl,
                                              const char  *host);

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
/* Whether an external pre-shared key authenticated @ssl's handshake: set
 * by the layer that supplies keys (the engine's PSK callbacks), read by the
 * resumption policy here. */
void         _qssl_context_set_used_pre_shared_key (SSL      *ssl,
                                                    gboolean  used);
gboolean     _qssl_context_get_used_pre_shared_key (const SSL *ssl);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QsslContext, _qssl_context_unref)

G_END_DECLS
