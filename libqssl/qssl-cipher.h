/* qssl-cipher.h: QsslCipher, a TLS cipher suite (QSslCipher)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(__QSSL_INSIDE__) && !defined(QSSL_COMPILATION)
# error "Only <libqssl/qssl.h> can be included directly."
#endif

#include <glib-object.h>

#include <libqssl/qssl-enums.h>
#include <libqssl/qssl-version-macros.h>

G_BEGIN_DECLS

#define QSSL_TYPE_CIPHER (qssl_cipher_get_type ())

QSSL_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (QsslCipher, qssl_cipher, QSSL, CIPHER, GObject)

QSSL_AVAILABLE_IN_1_0
QsslCipher   *qssl_cipher_new                       (const char   *name);
QSSL_AVAILABLE_IN_1_0
QsslCipher   *qssl_cipher_new_with_protocol         (const char   *name,
                                                     QsslProtocol  protocol);
QSSL_AVAILABLE_IN_1_0
gboolean      qssl_cipher_is_null                   (QsslCipher   *self);
QSSL_AVAILABLE_IN_1_0
const char   *qssl_cipher_get_name                  (QsslCipher   *self);
QSSL_AVAILABLE_IN_1_0
int           qssl_cipher_get_supported_bits        (QsslCipher   *self);
QSSL_AVAILABLE_IN_1_0
int           qssl_cipher_get_used_bits             (QsslCipher   *self);
QSSL_AVAILABLE_IN_1_0
const char   *qssl_cipher_get_key_exchange_method   (QsslCipher   *self);
QSSL_AVAILABLE_IN_1_0
const char   *qssl_cipher_get_authentication_method (QsslCipher   *self);
QSSL_AVAILABLE_IN_1_0
const char   *qssl_cipher_get_encryption_method     (QsslCipher   *self);
QSSL_AVAILABLE_IN_1_0
QsslProtocol  qssl_cipher_get_protocol              (QsslCipher   *self);
QSSL_AVAILABLE_IN_1_0
const char   *qssl_cipher_get_protocol_string       (QsslCipher   *self);
QSSL_AVAILABLE_IN_1_0
gboolean      qssl_cipher_equal                     (QsslCipher   *self,
                                                     QsslCipher   *other);

G_END_DECLS
