/* qssl-private.h: what every libqssl source file shares (i18n, OpenSSL errors)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "config.h"

#include <glib.h>
#include <glib/gi18n-lib.h>

G_BEGIN_DECLS

/* Binds the gettext domain once; every entry point that can return a
 * translated string calls it first. Cheap after the first call. */
void   _qssl_init                    (void);

/* The OpenSSL error queue of this thread as one readable line, and the
 * queue cleared; NULL when it was empty. */
char  *_qssl_take_openssl_errors     (void);

/* Sets @error (domain/code given) to "@message: <OpenSSL errors>" and clears
 * the OpenSSL error queue. */
void   _qssl_set_error_from_openssl  (GError     **error,
                                      GQuark       domain,
                                      int          code,
                                      const char  *message);

G_END_DECLS
