/* qssl-dtls-private.h: the datagram BIO and cookies shared by the DTLS classes
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>
#include <openssl/ssl.h>

#include "qssl-dtls.h"

G_BEGIN_DECLS

/* The state of a datagram BIO: OpenSSL reads the one datagram the caller
 * handed in and writes each record flight straight to the GSocket, one
 * send per BIO_write (so datagram boundaries are OpenSSL's). */
typedef struct
{
  GSocket        *socket;          /* borrowed, for the duration of one call */
  GSocketAddress *peer;            /* owned; where writes go, and the cookie's input */
  const guint8   *datagram;        /* borrowed, likewise */
  gsize           datagram_length;
  gboolean        peeking;
  GError         *write_error;     /* the first send failure of the call */
  GChecksumType   cookie_hash;
  GBytes         *cookie_secret;   /* owned */
} QsslDatagramBio;

/* A BIO over a fresh QsslDatagramBio, owned (and freed) by the BIO. */
BIO             *_qssl_datagram_bio_new        (QsslDatagramBio **state);
QsslDatagramBio *_qssl_datagram_bio_get_state  (BIO              *bio);
void             _qssl_datagram_bio_set_peer   (QsslDatagramBio  *state,
                                                GInetAddress     *address,
                                                guint16           port);

/* Cookie callbacks on @ctx: HMAC of the peer's address and port, keyed by
 * the secret in the SSL's QsslDatagramBio. */
void             _qssl_dtls_setup_cookies      (SSL_CTX          *ctx);
/* The process-wide random secret both QsslDtls and QsslDtlsClientVerifier
 * use by default, so that a hello one verified the other accepts. */
GBytes          *_qssl_dtls_default_cookie_secret (void);
gboolean         _qssl_dtls_check_cookie_hash  (GChecksumType     hash,
                                                GError          **error);
/* The cookie generator setter of QsslDtls and QsslDtlsClientVerifier:
 * checks @hash and @secret the way Qt does and, if they pass, replaces the
 * stored pair; otherwise leaves it and returns why (the message of a
 * QSSL_DTLS_ERROR_INVALID_INPUT_PARAMETERS). */
const char      *_qssl_dtls_store_cookie_parameters (GChecksumType   hash,
                                                     GBytes         *secret,
                                                     GChecksumType  *stored_hash,
                                                     GBytes        **stored_secret);

G_END_DECLS

/* What QsslDtlsServer and QsslDtlsConnection share. */
#include "qssl-dtls-server.h"

G_BEGIN_DECLS

/* The largest plaintext one datagram carries now. */
gsize               _qssl_dtls_get_data_mtu            (QsslDtls           *self);

/* A server-side connection on the server's socket; the server feeds it. */
QsslDtlsConnection *_qssl_dtls_connection_new_server   (QsslDtlsServer     *server,
                                                        GSocket            *socket,
                                                        GInetAddress       *address,
                                                        guint16             port,
                                                        QsslConfiguration  *configuration,
                                                        guint               idle_timeout);
void                _qssl_dtls_connection_feed         (QsslDtlsConnection *self,
                                                        GBytes             *datagram);
/* Called by a server-side connection: its handshake completed (emit
 * new-connection), or it is over (forget it). */
void                _qssl_dtls_server_connection_ready (QsslDtlsServer     *self,
                                                        QsslDtlsConnection *connection);
void                _qssl_dtls_server_forget           (QsslDtlsServer     *self,
                                                        QsslDtlsConnection *connection);
void                _qssl_dtls_server_psk_required     (QsslDtlsServer     *self,
                                                        QsslDtlsConnection *connection,
                                                        QsslPreSharedKeyAuthenticator *authenticator);

G_END_DECLS
