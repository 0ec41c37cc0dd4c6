/* qssl-configuration-private.h: the QsslConfiguration record, shared with the socket
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <openssl/x509_vfy.h>

#include "qssl-configuration.h"
#include "qssl-context-private.h"

G_BEGIN_DECLS

typedef struct _QsslContextCache QsslContextCache;

/* OpenSSL's SSL_SESSION_CACHE_MAX_SIZE_DEFAULT. */
#define QSSL_DEFAULT_SESSION_CACHE_SIZE (1024 * 20)

struct _QsslConfiguration
{
  /* What users set (Qt's configurable fields). */
  QsslProtocol         protocol;
  QsslPeerVerifyMode   peer_verify_mode;
  int                  peer_verify_depth;
  GPtrArray           *local_certificate_chain;   /* QsslCertificate, leaf first; never NULL */
  QsslKey             *private_key;               /* nullable */
  GPtrArray           *ciphers;                   /* QsslCipher; NULL = library default */
  char               **elliptic_curves;           /* group names; NULL = OpenSSL default */
  GPtrArray           *ca_certificates;           /* explicit CAs; never NULL */
  gboolean             allow_system_ca_certificates; /* Qt's on-demand root loading */
  QsslSslOptions       ssl_options;
  GBytes              *session_ticket;            /* nullable: ASN.1 SSL_SESSION */
  int                  session_ticket_lifetime_hint;
  char               **allowed_next_protocols;    /* NULL = no ALPN */
  gboolean             ocsp_stapling_enabled;
  GBytes              *ocsp_response;             /* nullable: DER staple a server sends */
  GBytes              *pre_shared_key_identity_hint; /* nullable */
  GBytes              *session_ticket_keys;       /* nullable: nginx-format keys, a wiped secret */
  gboolean             missing_certificate_is_fatal;
  gboolean             handshake_must_interrupt_on_error;
  int                  session_cache_size;        /* server's stateful sessions; 0 = none */

  /* Session state, filled in by a socket; read-only for users. */
  GPtrArray           *peer_certificate_chain;    /* QsslCertificate; never NULL */
  QsslCipher          *session_cipher;            /* nullable */
  QsslProtocol         session_protocol;
  QsslKey             *ephemeral_server_key;      /* nullable */
  char                *next_negotiated_protocol;  /* nullable */
  QsslNextProtocolNegotiationStatus next_protocol_negotiation_status;
  const char          *negotiated_group;          /* nullable; interned */

  /* OpenSSL contexts built from the fields above, indexed by QsslMode
   * (client, server), in a cache that copies share: a context built for
   * any copy serves them all, so equal settings reuse one SSL_CTX and its
   * loaded CA store and session-ticket keys. Every setter of a field that
   * goes into an SSL_CTX gives its record a new, empty cache. */
  QsslContextCache    *context_cache;
};

/* Detaches the record from the cached OpenSSL contexts (called by setters). */
void         _qssl_configuration_invalidate        (QsslConfiguration       *self);

/* A new X509_STORE with the configuration's CAs: the explicit ones that
 * have not expired, plus OpenSSL's default locations (honouring
 * SSL_CERT_FILE/SSL_CERT_DIR, loaded on demand by subject hash) when
 * allow_system_ca_certificates is set. */
X509_STORE  *_qssl_configuration_new_x509_store     (const QsslConfiguration *self);

/* The context for @mode (QSSL_MODE_SSL_CLIENT or _SERVER), built on first
 * use (with @setup installing the caller's callbacks) and cached in the
 * record (hence the non-const self). Every caller passes the same @setup.
 * Transfer none. */
QsslContext *_qssl_configuration_get_context        (QsslConfiguration       *self,
                                                     QsslMode                 mode,
                                                     QsslContextSetupFunc     setup,
                                                     GError                 **error);
/* A new DTLS context from @self for QsslDtls (protocol a DTLS one), not
 * cached. Transfer full. */
QsslContext *_qssl_configuration_new_dtls_context   (const QsslConfiguration *self,
                                                     QsslMode                 mode,
                                                     GError                 **error);

/* The verify mode a socket or DTLS object in @mode applies: AUTO_VERIFY_PEER
 * resolved the way Qt does (servers query, clients verify). */
QsslPeerVerifyMode _qssl_configuration_get_effective_peer_verify_mode (const QsslConfiguration *self,
                                                                       QsslMode                 mode);

/* Clears the session state fields (peer chain, cipher, protocol, ...). */
void         _qssl_configuration_clear_session_state (QsslConfiguration      *self);

G_END_DECLS
