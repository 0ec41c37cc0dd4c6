/* qssl-engine-private.h: the TLS engine of a QsslSocket
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The engine owns the SSL object and runs the handshake as Qt does:
 * OpenSSL's verification is collected, Qt's checks come after it, then the
 * signals (peer-verify-error, ssl-errors) and the decision. Alerts, PSK,
 * ALPN, OCSP and session callbacks are its own. It knows nothing about the
 * main loop: it asks the I/O layer for readiness by condition
 * (_qssl_socket_watch()), and hands over to the pumps once encrypted.
 */

#pragma once

#include <openssl/ssl.h>

#include "qssl.h"

G_BEGIN_DECLS

/* Once per process, before the first SSL (the socket's class_init). */
void     _qssl_engine_init                   (void);

/* Starts the handshake in @mode on a connected socket in plain mode. */
void     _qssl_engine_start                  (QsslSocket *self,
                                              QsslMode    mode);
/* Builds (and caches) @configuration's context for @mode, so that what no
 * handshake could use, such as a private key that does not belong to the
 * certificate, is refused once and early rather than on every connection. */
gboolean _qssl_engine_check_configuration    (QsslConfiguration *configuration,
                                              QsslMode           mode,
                                              GError           **error);
/* One step of the handshake, when the fd is ready. */
void     _qssl_engine_handshake              (QsslSocket *self);
/* Continues a handshake paused after ssl-errors (resume()). */
void     _qssl_engine_resume                 (QsslSocket *self);
/* A requested protocol that TLS over TCP cannot do (DTLS, unknown). */
gboolean _qssl_engine_unsupported_protocol   (QsslSocket *self);

/* Emits alert-sent / alert-received for what OpenSSL reported. */
void     _qssl_engine_flush_alerts           (QsslSocket *self);
/* A session the server sent: shared and persisted as Qt does. */
void     _qssl_engine_handle_received_session (QsslSocket *self);
/* Frees OpenSSL's record buffers when nothing is in flight. */
void     _qssl_engine_release_idle_buffers    (QsslSocket *self);

/* close_notify to the peer, when encrypted. FALSE: the kernel has no room
 * for it yet; call again once the fd is writable. A failure is traced and
 * counts as done: the connection closes all the same. */
gboolean _qssl_engine_send_close_notify      (QsslSocket *self);
/* Drops the SSL of the connection that ends (retired while OpenSSL runs). */
void     _qssl_engine_reset                  (QsslSocket *self);

G_END_DECLS
