/* qssl-main-context-private.h: blocking iterations of a GMainContext with a deadline
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* One blocking iteration of @context, which the caller has acquired, that
 * returns after at most @remaining_us (-1: unbounded). What the blocking
 * waits of the socket and the server share. */
void _qssl_main_context_iterate (GMainContext *context,
                                 gint64        remaining_us);

/* Sources live on a context of their own, which g_source_remove() (default
 * context only) cannot reach: keep the GSource itself, and destroy and
 * drop it here. */
void _qssl_clear_source         (GSource     **source);

G_END_DECLS
