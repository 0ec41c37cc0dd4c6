/* qssl-psk-authenticator.h: QsslPreSharedKeyAuthenticator (QSslPreSharedKeyAuthenticator)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(__QSSL_INSIDE__) && !defined(QSSL_COMPILATION)
# error "Only <libqssl/qssl.h> can be included directly."
#endif

#include <glib-object.h>

#include <libqssl/qssl-version-macros.h>

G_BEGIN_DECLS

#define QSSL_TYPE_PRE_SHARED_KEY_AUTHENTICATOR (qssl_pre_shared_key_authenticator_get_type ())

QSSL_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (QsslPreSharedKeyAuthenticator, qssl_pre_shared_key_authenticator,
                      QSSL, PRE_SHARED_KEY_AUTHENTICATOR, GObject)

QSSL_AVAILABLE_IN_1_0
QsslPreSharedKeyAuthenticator *qssl_pre_shared_key_authenticator_new                            (void);
QSSL_AVAILABLE_IN_1_0
QsslPreSharedKeyAuthenticator *qssl_pre_shared_key_authenticator_copy                           (QsslPreSharedKeyAuthenticator *self);
QSSL_AVAILABLE_IN_1_0
gboolean                       qssl_pre_shared_key_authenticator_equal                          (QsslPreSharedKeyAuthenticator *self,
                                                                                                 QsslPreSharedKeyAuthenticator *other);
QSSL_AVAILABLE_IN_1_0
GBytes                        *qssl_pre_shared_key_authenticator_get_identity_hint              (QsslPreSharedKeyAuthenticator *self);
QSSL_AVAILABLE_IN_1_0
void                           qssl_pre_shared_key_authenticator_set_identity                   (QsslPreSharedKeyAuthenticator *self,
                                                                                                 GBytes                        *identity);
QSSL_AVAILABLE_IN_1_0
GBytes                        *qssl_pre_shared_key_authenticator_get_identity                   (QsslPreSharedKeyAuthenticator *self);
QSSL_AVAILABLE_IN_1_0
int                            qssl_pre_shared_key_authenticator_get_maximum_identity_length    (QsslPreSharedKeyAuthenticator *self);
QSSL_AVAILABLE_IN_1_0
void                           qssl_pre_shared_key_authenticator_set_pre_shared_key             (QsslPreSharedKeyAuthenticator *self,
                                                                                                 GBytes                        *key);
QSSL_AVAILABLE_IN_1_0
GBytes                        *qssl_pre_shared_key_authenticator_get_pre_shared_key             (QsslPreSharedKeyAuthenticator *self);
QSSL_AVAILABLE_IN_1_0
int                            qssl_pre_shared_key_authenticator_get_maximum_pre_shared_key_length (QsslPreSharedKeyAuthenticator *self);

G_END_DECLS
