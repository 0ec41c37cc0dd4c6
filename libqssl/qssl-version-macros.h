/* qssl-version-macros.h: symbol visibility and availability macros
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(__QSSL_INSIDE__) && !defined(QSSL_COMPILATION)
# error "Only <libqssl/qssl.h> can be included directly."
#endif

#include <glib.h>

#include <libqssl/qssl-version.h>

/* The library is built with -fvisibility=hidden; only what carries one of
 * these macros is exported. */
#if defined(QSSL_COMPILATION) && defined(__GNUC__)
# define _QSSL_EXTERN __attribute__((visibility ("default"))) extern
#else
# define _QSSL_EXTERN extern
#endif

#define QSSL_VERSION_1_0 (G_ENCODE_VERSION (1, 0))

#ifndef QSSL_VERSION_MIN_REQUIRED
# define QSSL_VERSION_MIN_REQUIRED QSSL_VERSION_1_0
#endif

#ifndef QSSL_VERSION_MAX_ALLOWED
# define QSSL_VERSION_MAX_ALLOWED (G_ENCODE_VERSION (QSSL_MAJOR_VERSION, QSSL_MINOR_VERSION))
#endif

#if QSSL_VERSION_MAX_ALLOWED < QSSL_VERSION_MIN_REQUIRED
# error "QSSL_VERSION_MAX_ALLOWED must be >= QSSL_VERSION_MIN_REQUIRED"
#endif

#define QSSL_AVAILABLE_IN_ALL _QSSL_EXTERN

#if QSSL_VERSION_MAX_ALLOWED < QSSL_VERSION_1_0
# define QSSL_AVAILABLE_IN_1_0 G_UNAVAILABLE (1, 0) _QSSL_EXTERN
#else
# define QSSL_AVAILABLE_IN_1_0 _QSSL_EXTERN
#endif

#define QSSL_DEPRECATED_IN_1_0 G_DEPRECATED _QSSL_EXTERN
#define QSSL_DEPRECATED_IN_1_0_FOR(f) G_DEPRECATED_FOR (f) _QSSL_EXTERN
