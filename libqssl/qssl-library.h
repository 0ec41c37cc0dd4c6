/* qssl-library.h: run-time version of libqssl
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(__QSSL_INSIDE__) && !defined(QSSL_COMPILATION)
# error "Only <libqssl/qssl.h> can be included directly."
#endif

#include <glib.h>

#include <libqssl/qssl-version-macros.h>

G_BEGIN_DECLS

QSSL_AVAILABLE_IN_1_0
guint        qssl_get_major_version (void);
QSSL_AVAILABLE_IN_1_0
guint        qssl_get_minor_version (void);
QSSL_AVAILABLE_IN_1_0
guint        qssl_get_micro_version (void);
QSSL_AVAILABLE_IN_1_0
gboolean     qssl_check_version     (guint major,
                                     guint minor,
                                     guint micro);

G_END_DECLS
