/* qssl-dtls-server.h: QsslDtlsServer, a DTLS server on one UDP socket
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(__QSSL_INSIDE__) && !defined(QSSL_COMPILATION)
# error "Only <libqssl/qssl.h> can be included directly."
#endif

#include <gio/gio.h>

#include <libqssl/qssl-configuration.h>
#include <libqssl/qssl-dtls-connection.h>
#include <libqssl/qssl-version-macros.h>

G_BEGIN_DECLS

#define QSSL_TYPE_DTLS_SERVER (qssl_dtls_server_get_type ())

QSSL_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (QsslDtlsServer, qssl_dtls_server, QSSL, DTLS_SERVER, GObject)

QSSL_AVAILABLE_IN_1_0
QsslDtlsServer     *qssl_dtls_server_new                    (void);
QSSL_AVAILABLE_IN_1_0
gboolean            qssl_dtls_server_listen                 (QsslDtlsServer     *self,
                                                             GInetAddress       *address,
                                                             guint16             port,
                                                             GError            **error);
QSSL_AVAILABLE_IN_1_0
guint16             qssl_dtls_server_get_server_port        (QsslDtlsServer     *self);
QSSL_AVAILABLE_IN_1_0
void                qssl_dtls_server_set_dtls_configuration (QsslDtlsServer     *self,
                                                             QsslConfiguration  *configuration);
QSSL_AVAILABLE_IN_1_0
QsslConfiguration  *qssl_dtls_server_get_dtls_configuration (QsslDtlsServer     *self);
QSSL_AVAILABLE_IN_1_0
void                qssl_dtls_server_set_idle_timeout       (QsslDtlsServer     *self,
                                                             guint               msecs);
QSSL_AVAILABLE_IN_1_0
guint               qssl_dtls_server_get_idle_timeout       (QsslDtlsServer     *self);
QSSL_AVAILABLE_IN_1_0
GPtrArray          *qssl_dtls_server_get_connections        (QsslDtlsServer     *self);
QSSL_AVAILABLE_IN_1_0
void                qssl_dtls_server_close                  (QsslDtlsServer     *self);

G_END_DECLS
