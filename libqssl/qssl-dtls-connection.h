/* qssl-dtls-connection.h: QsslDtlsConnection, one DTLS peer with its chores done
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(__QSSL_INSIDE__) && !defined(QSSL_COMPILATION)
# error "Only <libqssl/qssl.h> can be included directly."
#endif

#include <gio/gio.h>

#include <libqssl/qssl-cipher.h>
#include <libqssl/qssl-configuration.h>
#include <libqssl/qssl-dtls.h>
#include <libqssl/qssl-enums.h>
#include <libqssl/qssl-version-macros.h>

G_BEGIN_DECLS

#define QSSL_TYPE_DTLS_CONNECTION (qssl_dtls_connection_get_type ())

QSSL_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (QsslDtlsConnection, qssl_dtls_connection, QSSL, DTLS_CONNECTION, GObject)

QSSL_AVAILABLE_IN_1_0
QsslDtlsConnection *qssl_dtls_connection_new_client        (GInetAddress         *address,
                                                            guint16               port,
                                                            const char           *verification_name,
                                                            QsslConfiguration    *configuration);
QSSL_AVAILABLE_IN_1_0
void                qssl_dtls_connection_handshake_async   (QsslDtlsConnection   *self,
                                                            GCancellable         *cancellable,
                                                            GAsyncReadyCallback   callback,
                                                            gpointer              user_data);
QSSL_AVAILABLE_IN_1_0
gboolean            qssl_dtls_connection_handshake_finish  (QsslDtlsConnection   *self,
                                                            GAsyncResult         *result,
                                                            GError              **error);
QSSL_AVAILABLE_IN_1_0
gboolean            qssl_dtls_connection_send              (QsslDtlsConnection   *self,
                                                            GBytes               *datagram,
                                                            GError              **error);
QSSL_AVAILABLE_IN_1_0
void                qssl_dtls_connection_close             (QsslDtlsConnection   *self);
QSSL_AVAILABLE_IN_1_0
void                qssl_dtls_connection_ignore_ssl_errors (QsslDtlsConnection   *self);
QSSL_AVAILABLE_IN_1_0
gboolean            qssl_dtls_connection_is_encrypted      (QsslDtlsConnection   *self);
QSSL_AVAILABLE_IN_1_0
GInetAddress       *qssl_dtls_connection_get_peer_address  (QsslDtlsConnection   *self);
QSSL_AVAILABLE_IN_1_0
guint16             qssl_dtls_connection_get_peer_port     (QsslDtlsConnection   *self);
QSSL_AVAILABLE_IN_1_0
QsslCipher         *qssl_dtls_connection_get_session_cipher (QsslDtlsConnection  *self);
QSSL_AVAILABLE_IN_1_0
QsslProtocol        qssl_dtls_connection_get_session_protocol (QsslDtlsConnection *self);
QSSL_AVAILABLE_IN_1_0
QsslDtls           *qssl_dtls_connection_get_dtls          (QsslDtlsConnection   *self);
QSSL_AVAILABLE_IN_1_0
GSocket            *qssl_dtls_connection_get_socket        (QsslDtlsConnection   *self);

G_END_DECLS
