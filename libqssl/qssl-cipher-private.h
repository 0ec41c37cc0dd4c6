/* qssl-cipher-private.h: QsslCipher internals shared with other modules
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <openssl/ssl.h>

#include "qssl-cipher.h"

G_BEGIN_DECLS

/* A QsslCipher describing @cipher (never NULL for a non-NULL @cipher). */
QsslCipher *_qssl_cipher_new_from_ssl_cipher  (const SSL_CIPHER *cipher);

/* The ciphers of @ctx in its order of preference, as a new GPtrArray of
 * QsslCipher (free func set). */
GPtrArray  *_qssl_cipher_list_new_from_ctx    (SSL_CTX          *ctx);

/* Every cipher the running OpenSSL implements ("ALL:COMPLEMENTOFALL" at
 * security level 0, plus every TLS 1.3 suite), built once per process.
 * Transfer none; the list and its ciphers never change. */
GPtrArray  *_qssl_cipher_get_supported        (void);

/* The ciphers a socket offers unless told otherwise: OpenSSL's TLS 1.3
 * suites and QSSL_DEFAULT_TLS12_CIPHERS, built once per process. Transfer
 * none. */
GPtrArray  *_qssl_cipher_get_default          (void);

/* Every TLS 1.3 suite OpenSSL 3 implements, in its preference order, as
 * SSL_CTX_set_ciphersuites() takes them. */
/* libqssl's default TLS 1.2 suites: forward secrecy and AEAD only (no CBC,
 * so no Lucky13-class padding oracles, no SHA-1 MACs, no static RSA key
 * exchange), as scanners expect of a secure server. The PSK suites are only
 * ever used when a pre-shared-key handler is connected. TLS 1.3 keeps
 * OpenSSL's default suites, all of which are AEAD. */
#define QSSL_DEFAULT_TLS12_CIPHERS \
  "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:" \
  "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:" \
  "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:" \
  "ECDHE-PSK-CHACHA20-POLY1305:PSK-AES128-GCM-SHA256:PSK-AES256-GCM-SHA384:PSK-CHACHA20-POLY1305"

#define QSSL_TLS13_ALL_CIPHERSUITES \
  "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256:" \
  "TLS_AES_128_CCM_SHA256:TLS_AES_128_CCM_8_SHA256"

G_END_DECLS
