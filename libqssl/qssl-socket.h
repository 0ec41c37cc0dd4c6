/* qssl-socket.h: QsslSocket, a TLS socket that is a GSocketConnection (QSslSocket)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(__QSSL_INSIDE__) && !defined(QSSL_COMPILATION)
# error "Only <libqssl/qssl.h> can be included directly."
#endif

#include <gio/gio.h>

#include <libqssl/qssl-certificate.h>
#include <libqssl/qssl-cipher.h>
#include <libqssl/qssl-configuration.h>
#include <libqssl/qssl-enums.h>
#include <libqssl/qssl-error.h>
#include <libqssl/qssl-key.h>
#include <libqssl/qssl-version-macros.h>

G_BEGIN_DECLS

#define QSSL_TYPE_SOCKET (qssl_socket_get_type ())

QSSL_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (QsslSocket, qssl_socket, QSSL, SOCKET, GSocketConnection)

/* Construction */
QSSL_AVAILABLE_IN_1_0
QsslSocket         *qssl_socket_new                       (void);
QSSL_AVAILABLE_IN_1_0
QsslSocket         *qssl_socket_new_from_socket           (GSocket                  *socket,
                                                           GError                  **error);
QSSL_AVAILABLE_IN_1_0
gboolean            qssl_socket_set_socket_descriptor     (QsslSocket               *self,
                                                           int                       fd,
                                                           QsslSocketState           state,
                                                           GError                  **error);

/* Connecting and encryption */
QSSL_AVAILABLE_IN_1_0
void                qssl_socket_connect_to_host           (QsslSocket               *self,
                                                           const char               *host_name,
                                                           guint16                   port,
                                                           QsslNetworkLayerProtocol  protocol);
QSSL_AVAILABLE_IN_1_0
void                qssl_socket_connect_to_host_encrypted (QsslSocket               *self,
                                                           const char               *host_name,
                                                           guint16                   port,
                                                           QsslNetworkLayerProtocol  protocol);
QSSL_AVAILABLE_IN_1_0
void                qssl_socket_connect_to_host_encrypted_with_peer_name
                                                          (QsslSocket               *self,
                                                           const char               *host_name,
                                                           guint16                   port,
                                                           const char               *ssl_peer_name,
                                                           QsslNetworkLayerProtocol  protocol);
QSSL_AVAILABLE_IN_1_0
void                qssl_socket_start_client_encryption   (QsslSocket               *self);
QSSL_AVAILABLE_IN_1_0
void                qssl_socket_start_server_encryption   (QsslSocket               *self);
QSSL_AVAILABLE_IN_1_0
void                qssl_socket_disconnect_from_host      (QsslSocket               *self);
QSSL_AVAILABLE_IN_1_0
void                qssl_socket_abort                     (QsslSocket               *self);
QSSL_AVAILABLE_IN_1_0
void                qssl_socket_close                     (QsslSocket               *self);


QSSL_AVAILABLE_IN_1_0
void                qssl_socket_connect_to_host_encrypted_async  (QsslSocket          *self,
                                                                  const char          *host_name,
                                                                  guint16              port,
                                                                  GCancellable        *cancellable,
                                                                  GAsyncReadyCallback  callback,
                                                                  gpointer             user_data);
QSSL_AVAILABLE_IN_1_0
gboolean            qssl_socket_connect_to_host_encrypted_finish (QsslSocket          *self,
                                                                  GAsyncResult        *result,
                                                                  GError             **error);
QSSL_AVAILABLE_IN_1_0
void                qssl_socket_handshake_async           (QsslSocket               *self,
                                                           int                       io_priority,
                                                           GCancellable             *cancellable,
                                                           GAsyncReadyCallback       callback,
                                                           gpointer                  user_data);
QSSL_AVAILABLE_IN_1_0
gboolean            qssl_socket_handshake_finish          (QsslSocket               *self,
                                                           GAsyncResult             *result,
                                                           GError                  **error);

/* Verification */
QSSL_AVAILABLE_IN_1_0
void                qssl_socket_ignore_ssl_errors         (QsslSocket               *self);
QSSL_AVAILABLE_IN_1_0
void                qssl_socket_ignore_ssl_errors_list    (QsslSocket               *self,
                                                           GPtrArray                *errors);
QSSL_AVAILABLE_IN_1_0
void                qssl_socket_continue_interrupted_handshake (QsslSocket          *self);
QSSL_AVAILABLE_IN_1_0
void                qssl_socket_resume                    (QsslSocket               *self);
QSSL_AVAILABLE_IN_1_0
QsslPauseModes      qssl_socket_get_pause_mode            (QsslSocket               *self);
QSSL_AVAILABLE_IN_1_0
void                qssl_socket_set_pause_mode            (QsslSocket               *self,
                                                           QsslPauseModes            pause_mode);
QSSL_AVAILABLE_IN_1_0
int                 qssl_socket_get_close_timeout         (QsslSocket               *self);
QSSL_AVAILABLE_IN_1_0
void                qssl_socket_set_close_timeout         (QsslSocket               *self,
                                                           int                       msecs);
QSSL_AVAILABLE_IN_1_0
int                 qssl_socket_get_idle_timeout          (QsslSocket               *self);
QSSL_AVAILABLE_IN_1_0
void                qssl_socket_set_idle_timeout          (QsslSocket               *self,
                                                           int                       msecs);
QSSL_AVAILABLE_IN_1_0
GPtrArray          *qssl_socket_get_ocsp_responses           (QsslSocket               *self);
QSSL_AVAILABLE_IN_1_0
gboolean            qssl_socket_is_session_resumed           (QsslSocket               *self);
QSSL_AVAILABLE_IN_1_0
const char         *qssl_socket_get_requested_server_name    (QsslSocket               *self);
QSSL_AVAILABLE_IN_1_0
void                qssl_socket_set_host_configuration       (QsslSocket               *self,
                                                              const char               *host_name,
                                                              const QsslConfiguration  *configuration);
QSSL_AVAILABLE_IN_1_0
void                qssl_socket_remove_host_configuration    (QsslSocket               *self,
                                                              const char               *host_name);
QSSL_AVAILABLE_IN_1_0
GPtrArray          *qssl_socket_get_ssl_handshake_errors  (QsslSocket               *self);

/* Reading and writing plaintext */
QSSL_AVAILABLE_IN_1_0
gssize              qssl_socket_read                      (QsslSocket               *self,
                                                           guint8                   *buffer,
                                                           gsize                     size);
QSSL_AVAILABLE_IN_1_0
GBytes             *qssl_socket_read_bytes                (QsslSocket               *self,
                                                           gsize                     max_size);
QSSL_AVAILABLE_IN_1_0
GBytes             *qssl_socket_read_all                  (QsslSocket               *self);
QSSL_AVAILABLE_IN_1_0
GBytes             *qssl_socket_read_line                 (QsslSocket               *self,
                                                           gsize                     max_size);
QSSL_AVAILABLE_IN_1_0
gboolean            qssl_socket_can_read_line             (QsslSocket               *self);
QSSL_AVAILABLE_IN_1_0
GBytes             *qssl_socket_peek_bytes                (QsslSocket               *self,
                                                           gsize                     max_size);
QSSL_AVAILABLE_IN_1_0
gssize              qssl_socket_write                     (QsslSocket               *self,
                                                           const guint8             *data,
                                                           gsize                     size);
QSSL_AVAILABLE_IN_1_0
gssize              qssl_socket_write_bytes               (QsslSocket               *self,
                                                           GBytes                   *bytes);
QSSL_AVAILABLE_IN_1_0
gboolean            qssl_socket_flush                     (QsslSocket               *self);
QSSL_AVAILABLE_IN_1_0
gint64              qssl_socket_bytes_available           (QsslSocket               *self);
QSSL_AVAILABLE_IN_1_0
gint64              qssl_socket_bytes_to_write            (QsslSocket               *self);
QSSL_AVAILABLE_IN_1_0
gint64              qssl_socket_encrypted_bytes_available (QsslSocket               *self);
QSSL_AVAILABLE_IN_1_0
gint64              qssl_socket_encrypted_bytes_to_write  (QsslSocket               *self);
QSSL_AVAILABLE_IN_1_0
gboolean            qssl_socket_at_end                    (QsslSocket               *self);
QSSL_AVAILABLE_IN_1_0
gint64              qssl_socket_get_read_buffer_size      (QsslSocket               *self);
QSSL_AVAILABLE_IN_1_0
void                qssl_socket_set_read_buffer_size      (QsslSocket               *self,
                                                           gint64                    size);
QSSL_AVAILABLE_IN_1_0
void                qssl_socket_set_socket_option         (QsslSocket               *self,
                                                           QsslSocketOption          option,
                                                           int                       value);
QSSL_AVAILABLE_IN_1_0
int                 qssl_socket_get_socket_option         (QsslSocket               *self,
                                                           QsslSocketOption          option);

/* Blocking calls: each runs the socket's own work without a main loop */
QSSL_AVAILABLE_IN_1_0
gboolean            qssl_socket_wait_for_connected        (QsslSocket               *self,
                                                           int                       msecs,
                                                           GError                  **error);
QSSL_AVAILABLE_IN_1_0
gboolean            qssl_socket_wait_for_encrypted        (QsslSocket               *self,
                                                           int                       msecs,
                                                           GError                  **error);
QSSL_AVAILABLE_IN_1_0
gboolean            qssl_socket_wait_for_ready_read       (QsslSocket               *self,
                                                           int                       msecs,
                                                           GError                  **error);
QSSL_AVAILABLE_IN_1_0
gboolean            qssl_socket_wait_for_bytes_written    (QsslSocket               *self,
                                                           int                       msecs,
                                                           GError                  **error);
QSSL_AVAILABLE_IN_1_0
gboolean            qssl_socket_wait_for_disconnected     (QsslSocket               *self,
                                                           int                       msecs,
                                                           GError                  **error);

/* State */
QSSL_AVAILABLE_IN_1_0
QsslSocketState     qssl_socket_get_state                 (QsslSocket               *self);
QSSL_AVAILABLE_IN_1_0
QsslSocketError     qssl_socket_get_error                 (QsslSocket               *self);
QSSL_AVAILABLE_IN_1_0
const char         *qssl_socket_get_error_string          (QsslSocket               *self);
QSSL_AVAILABLE_IN_1_0
const char         *qssl_socket_get_peer_name             (QsslSocket               *self);
QSSL_AVAILABLE_IN_1_0
guint16             qssl_socket_get_peer_port             (QsslSocket               *self);
QSSL_AVAILABLE_IN_1_0
GInetAddress       *qssl_socket_get_peer_address          (QsslSocket               *self);
QSSL_AVAILABLE_IN_1_0
GInetAddress       *qssl_socket_get_local_address         (QsslSocket               *self);
QSSL_AVAILABLE_IN_1_0
guint16             qssl_socket_get_local_port            (QsslSocket               *self);

/* TLS settings and session */
QSSL_AVAILABLE_IN_1_0
gboolean            qssl_socket_is_encrypted              (QsslSocket               *self);
QSSL_AVAILABLE_IN_1_0
QsslMode            qssl_socket_get_mode                  (QsslSocket               *self);
QSSL_AVAILABLE_IN_1_0
QsslPeerVerifyMode  qssl_socket_get_peer_verify_mode      (QsslSocket               *self);
QSSL_AVAILABLE_IN_1_0
void                qssl_socket_set_peer_verify_mode      (QsslSocket               *self,
                                                           QsslPeerVerifyMode        mode);
QSSL_AVAILABLE_IN_1_0
int                 qssl_socket_get_peer_verify_depth     (QsslSocket               *self);
QSSL_AVAILABLE_IN_1_0
void                qssl_socket_set_peer_verify_depth     (QsslSocket               *self,
                                                           int                       depth);
QSSL_AVAILABLE_IN_1_0
const char         *qssl_socket_get_peer_verify_name      (QsslSocket               *self);
QSSL_AVAILABLE_IN_1_0
void                qssl_socket_set_peer_verify_name      (QsslSocket               *self,
                                                           const char               *host_name);
QSSL_AVAILABLE_IN_1_0
QsslProtocol        qssl_socket_get_protocol              (QsslSocket               *self);
QSSL_AVAILABLE_IN_1_0
void                qssl_socket_set_protocol              (QsslSocket               *self,
                                                           QsslProtocol              protocol);
QSSL_AVAILABLE_IN_1_0
QsslCertificate    *qssl_socket_get_local_certificate     (QsslSocket               *self);
QSSL_AVAILABLE_IN_1_0
void                qssl_socket_set_local_certificate     (QsslSocket               *self,
                                                           QsslCertificate          *certificate);
QSSL_AVAILABLE_IN_1_0
gboolean            qssl_socket_set_local_certificate_from_path (QsslSocket         *self,
                                                           const char               *path,
                                                           QsslEncodingFormat        format,
                                                           GError                  **error);
QSSL_AVAILABLE_IN_1_0
GPtrArray          *qssl_socket_get_local_certificate_chain (QsslSocket             *self);
QSSL_AVAILABLE_IN_1_0
void                qssl_socket_set_local_certificate_chain (QsslSocket             *self,
                                                           GPtrArray                *chain);
QSSL_AVAILABLE_IN_1_0
QsslKey            *qssl_socket_get_private_key           (QsslSocket               *self);
QSSL_AVAILABLE_IN_1_0
void                qssl_socket_set_private_key           (QsslSocket               *self,
                                                           QsslKey                  *key);
QSSL_AVAILABLE_IN_1_0
gboolean            qssl_socket_set_private_key_from_path (QsslSocket               *self,
                                                           const char               *path,
                                                           QsslKeyAlgorithm          algorithm,
                                                           QsslEncodingFormat        format,
                                                           const char               *passphrase,
                                                           GError                  **error);
QSSL_AVAILABLE_IN_1_0
QsslConfiguration  *qssl_socket_get_ssl_configuration     (QsslSocket               *self);
QSSL_AVAILABLE_IN_1_0
void                qssl_socket_set_ssl_configuration     (QsslSocket               *self,
                                                           const QsslConfiguration  *configuration);
QSSL_AVAILABLE_IN_1_0
QsslCertificate    *qssl_socket_get_peer_certificate      (QsslSocket               *self);
QSSL_AVAILABLE_IN_1_0
GPtrArray          *qssl_socket_get_peer_certificate_chain (QsslSocket              *self);
QSSL_AVAILABLE_IN_1_0
QsslCipher         *qssl_socket_get_session_cipher        (QsslSocket               *self);
QSSL_AVAILABLE_IN_1_0
QsslProtocol        qssl_socket_get_session_protocol      (QsslSocket               *self);
QSSL_AVAILABLE_IN_1_0
const char         *qssl_socket_get_negotiated_group      (QsslSocket               *self);

/* The TLS library */
QSSL_AVAILABLE_IN_1_0
gboolean            qssl_socket_supports_ssl                      (void);
QSSL_AVAILABLE_IN_1_0
glong               qssl_socket_ssl_library_version_number        (void);
QSSL_AVAILABLE_IN_1_0
const char         *qssl_socket_ssl_library_version_string        (void);
QSSL_AVAILABLE_IN_1_0
glong               qssl_socket_ssl_library_build_version_number  (void);
QSSL_AVAILABLE_IN_1_0
const char         *qssl_socket_ssl_library_build_version_string  (void);

G_END_DECLS
