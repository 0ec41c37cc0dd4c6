/* qssl-main-context.c: blocking iterations of a GMainContext with a deadline
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "qssl-main-context-private.h"

/* Only there to end a blocking iteration at the deadline. */
static gboolean
wake_up (gpointer user_data)
{
  return G_SOURCE_REMOVE;
}

void
_qssl_main_context_iterate (GMainContext *context,
                            gint64        remaining_us)
{
  GSource *timer = NULL;

  if (remaining_us >= 0)
    {
      timer = g_timeout_source_new ((remaining_us + 999) / 1000);
      g_source_set_callback (timer, wake_up, NULL, NULL);
      g_source_attach (timer, context);
    }
  g_main_context_iteration (context, TRUE);
  if (timer != NULL)
    {
      g_source_destroy (timer);
      g_source_unref (timer);
    }
}

void
_qssl_clear_source (GSource **source)
{
  if (*source == NULL)
    return;
  g_source_destroy (*source);
  g_clear_pointer (source, g_source_unref);
}
