/* qssl-server.h: QsslServer, a TLS server on GSocketService (QSslServer)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(__QSSL_INSIDE__) && !defined(QSSL_COMPILATION)
# error "Only <libqssl/qssl.h> can be included directly."
#endif

#include <gio/gio.h>

#include <libqssl/qssl-configuration.h>
#include <libqssl/qssl-socket.h>
#include <libqssl/qssl-version-macros.h>

G_BEGIN_DECLS

#define QSSL_TYPE_SERVER (qssl_server_get_type ())

QSSL_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (QsslServer, qssl_server, QSSL, SERVER, GSocketService)

QSSL_AVAILABLE_IN_1_0
QsslServer        *qssl_server_new                      (void);
QSSL_AVAILABLE_IN_1_0
gboolean           qssl_server_listen                   (QsslServer              *self,
                                                         GInetAddress            *address,
                                                         guint16                  port,
                                                         GError                 **error);
QSSL_AVAILABLE_IN_1_0
gboolean           qssl_server_is_listening             (QsslServer              *self);
QSSL_AVAILABLE_IN_1_0
guint16            qssl_server_get_server_port          (QsslServer              *self);
QSSL_AVAILABLE_IN_1_0
GInetAddress      *qssl_server_get_server_address       (QsslServer              *self);
QSSL_AVAILABLE_IN_1_0
void               qssl_server_close                    (QsslServer              *self);
QSSL_AVAILABLE_IN_1_0
QsslConfiguration *qssl_server_get_ssl_configuration    (QsslServer              *self);
QSSL_AVAILABLE_IN_1_0
void               qssl_server_set_ssl_configuration    (QsslServer              *self,
                                                         const QsslConfiguration *configuration);
QSSL_AVAILABLE_IN_1_0
void               qssl_server_set_host_configuration   (QsslServer              *self,
                                                         const char              *host_name,
                                                         const QsslConfiguration *configuration);
QSSL_AVAILABLE_IN_1_0
void               qssl_server_remove_host_configuration (QsslServer             *self,
                                                         const char              *host_name);
QSSL_AVAILABLE_IN_1_0
int                qssl_server_get_handshake_timeout    (QsslServer              *self);
QSSL_AVAILABLE_IN_1_0
void               qssl_server_set_handshake_timeout    (QsslServer              *self,
                                                         int                      msecs);
QSSL_AVAILABLE_IN_1_0
gboolean           qssl_server_has_pending_connections  (QsslServer              *self);
QSSL_AVAILABLE_IN_1_0
QsslSocket        *qssl_server_next_pending_connection  (QsslServer              *self);
QSSL_AVAILABLE_IN_1_0
void               qssl_server_pause_accepting          (QsslServer              *self);
QSSL_AVAILABLE_IN_1_0
void               qssl_server_resume_accepting         (QsslServer              *self);
QSSL_AVAILABLE_IN_1_0
int                qssl_server_get_max_pending_connections (QsslServer           *self);
QSSL_AVAILABLE_IN_1_0
void               qssl_server_set_max_pending_connections (QsslServer           *self,
                                                         int                      max);
QSSL_AVAILABLE_IN_1_0
gboolean           qssl_server_wait_for_new_connection  (QsslServer              *self,
                                                         int                      msecs,
                                                         gboolean                *timed_out,
                                                         GError                 **error);
QSSL_AVAILABLE_IN_1_0
void               qssl_server_accept_async             (QsslServer              *self,
                                                         GCancellable            *cancellable,
                                                         GAsyncReadyCallback      callback,
                                                         gpointer                 user_data);
QSSL_AVAILABLE_IN_1_0
QsslSocket        *qssl_server_accept_finish            (QsslServer              *self,
                                                         GAsyncResult            *result,
                                                         GError                 **error);
QSSL_AVAILABLE_IN_1_0
int                qssl_server_get_max_handshakes       (QsslServer              *self);
QSSL_AVAILABLE_IN_1_0
void               qssl_server_set_max_handshakes       (QsslServer              *self,
                                                         int                      max);
QSSL_AVAILABLE_IN_1_0
int                qssl_server_get_max_handshakes_per_address (QsslServer        *self);
QSSL_AVAILABLE_IN_1_0
void               qssl_server_set_max_handshakes_per_address (QsslServer        *self,
                                                         int                      max);
QSSL_AVAILABLE_IN_1_0
int                qssl_server_get_idle_timeout         (QsslServer              *self);
QSSL_AVAILABLE_IN_1_0
void               qssl_server_set_idle_timeout         (QsslServer              *self,
                                                         int                      msecs);

QSSL_AVAILABLE_IN_1_0
void               qssl_server_set_reuse_port           (QsslServer              *self,
                                                         gboolean                 reuse_port);
QSSL_AVAILABLE_IN_1_0
gboolean           qssl_server_get_reuse_port           (QsslServer              *self);
QSSL_AVAILABLE_IN_1_0
void               qssl_server_set_proxy_protocol       (QsslServer              *self,
                                                         gboolean                 proxy_protocol);
QSSL_AVAILABLE_IN_1_0
gboolean           qssl_server_get_proxy_protocol       (QsslServer              *self);
QSSL_AVAILABLE_IN_1_0
gboolean           qssl_server_listen_activated         (QsslServer              *self,
                                                         GError                 **error);

G_END_DECLS
