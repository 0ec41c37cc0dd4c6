/* qssl-backend.h: what the TLS backend offers (Qt 6's QSslSocket statics)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(__QSSL_INSIDE__) && !defined(QSSL_COMPILATION)
# error "Only <libqssl/qssl.h> can be included directly."
#endif

#include <glib.h>

#include <libqssl/qssl-enums.h>
#include <libqssl/qssl-version-macros.h>

G_BEGIN_DECLS

QSSL_AVAILABLE_IN_1_0
gboolean     qssl_socket_is_feature_supported  (QsslSupportedFeature  feature);
QSSL_AVAILABLE_IN_1_0
GArray      *qssl_socket_supported_features    (void);
QSSL_AVAILABLE_IN_1_0
gboolean     qssl_socket_is_class_implemented  (QsslImplementedClass  klass);
QSSL_AVAILABLE_IN_1_0
GArray      *qssl_socket_implemented_classes   (void);
QSSL_AVAILABLE_IN_1_0
gboolean     qssl_socket_is_protocol_supported (QsslProtocol          protocol);
QSSL_AVAILABLE_IN_1_0
GArray      *qssl_socket_supported_protocols   (void);
QSSL_AVAILABLE_IN_1_0
const char  *qssl_socket_active_backend        (void);
QSSL_AVAILABLE_IN_1_0
char       **qssl_socket_available_backends    (void);

G_END_DECLS
