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

G_END_DECLS
