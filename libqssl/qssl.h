/* qssl.h: the only header users include
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#define __QSSL_INSIDE__

#include <libqssl/qssl-version.h>
#include <libqssl/qssl-version-macros.h>
#include <libqssl/qssl-enums.h>
#include <libqssl/qssl-enum-types.h>
#include <libqssl/qssl-library.h>
#include <libqssl/qssl-key.h>
#include <libqssl/qssl-certificate.h>
#include <libqssl/qssl-cipher.h>
#include <libqssl/qssl-error.h>
#include <libqssl/qssl-ocsp-response.h>
#include <libqssl/qssl-psk-authenticator.h>
#include <libqssl/qssl-configuration.h>
#include <libqssl/qssl-socket.h>
#include <libqssl/qssl-server.h>
#include <libqssl/qssl-backend.h>
#include <libqssl/qssl-dtls.h>
#include <libqssl/qssl-dtls-client-verifier.h>
#include <libqssl/qssl-dtls-connection.h>
#include <libqssl/qssl-dtls-server.h>

#undef __QSSL_INSIDE__
