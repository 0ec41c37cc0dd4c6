/* qssl-main-context.c: blocking iterations of a GMainContext with a deadline
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "qssl-main-context-private.h"

/* g_main_context_iteration() with the poll's timeout capped at the
 * deadline: GLib's own steps, so that no timer source is attached and
 * destroyed (each a write to the wakeup fd) for every blocking iteration. */
void
_qssl_main_context_iterate (GMainContext *context,
                            gint64        remaining_us)
{
  GPollFD stack_fds[16];
  GPollFD *fds = stack_fds;
  gint n_fds = G_N_ELEMENTS (stack_fds);
  gint max_priority, timeout, needed;
  GPollFunc poll_func;

  g_main_context_prepare (context, &max_priority);
  while ((needed = g_main_context_query (context, max_priority, &timeout, fds, n_fds)) > n_fds)
    {
      if (fds != stack_fds)
        g_free (fds);
      n_fds = needed;
      fds = g_new (GPollFD, n_fds);
    }
  if (remaining_us >= 0)
    {
      gint64 remaining_ms = (remaining_us + 999) / 1000;

      if (timeout < 0 || timeout > remaining_ms)
        timeout = (gint) MIN (remaining_ms, G_MAXINT);
    }
  poll_func = g_main_context_get_poll_func (context);
  if (needed > 0 || timeout != 0)
    (void) poll_func (fds, needed, timeout);
  g_main_context_check (context, max_priority, fds, needed);
  g_main_context_dispatch (context);
  if (fds != stack_fds)
    g_free (fds);
}

void
_qssl_clear_source (GSource **source)
{
  if (*source == NULL)
    return;
  g_source_destroy (*source);
  g_clear_pointer (source, g_source_unref);
}
