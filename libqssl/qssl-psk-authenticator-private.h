/* qssl-psk-authenticator-private.h: constructor used by the socket
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "qssl-psk-authenticator.h"

G_BEGIN_DECLS

QsslPreSharedKeyAuthenticator *
_qssl_pre_shared_key_authenticator_new_full (GBytes *identity_hint,
                                             int     maximum_identity_length,
                                             int     maximum_pre_shared_key_length);

G_END_DECLS
