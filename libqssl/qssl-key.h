/* qssl-key.h: QsslKey, a public or private key (QSslKey)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(__QSSL_INSIDE__) && !defined(QSSL_COMPILATION)
# error "Only <libqssl/qssl.h> can be included directly."
#endif

#include <gio/gio.h>

#include <libqssl/qssl-enums.h>
#include <libqssl/qssl-version-macros.h>

G_BEGIN_DECLS

#define QSSL_TYPE_KEY (qssl_key_get_type ())

QSSL_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (QsslKey, qssl_key, QSSL, KEY, GObject)

QSSL_AVAILABLE_IN_1_0
QsslKey          *qssl_key_new_from_data  (GBytes             *data,
                                           QsslKeyAlgorithm    algorithm,
                                           QsslEncodingFormat  format,
                                           QsslKeyType         key_type,
                                           const char         *passphrase,
                                           GError            **error);
QSSL_AVAILABLE_IN_1_0
QsslKey          *qssl_key_new_from_path  (const char         *path,
                                           QsslKeyAlgorithm    algorithm,
                                           QsslEncodingFormat  format,
                                           QsslKeyType         key_type,
                                           const char         *passphrase,
                                           GError            **error);
QSSL_AVAILABLE_IN_1_0
QsslKeyAlgorithm  qssl_key_get_algorithm  (QsslKey            *self);
QSSL_AVAILABLE_IN_1_0
QsslKeyType       qssl_key_get_key_type   (QsslKey            *self);
QSSL_AVAILABLE_IN_1_0
int               qssl_key_get_length     (QsslKey            *self);
QSSL_AVAILABLE_IN_1_0
GBytes           *qssl_key_to_pem         (QsslKey            *self,
                                           const char         *passphrase,
                                           GError            **error);
QSSL_AVAILABLE_IN_1_0
GBytes           *qssl_key_to_der         (QsslKey            *self);
QSSL_AVAILABLE_IN_1_0
gboolean          qssl_key_equal          (QsslKey            *self,
                                           QsslKey            *other);

G_END_DECLS
