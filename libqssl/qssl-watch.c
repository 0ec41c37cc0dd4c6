/* qssl-watch.c: readiness of one fd, one GSource per watch
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "qssl-main-context-private.h"
#include "qssl-watch-private.h"

struct _QsslWatch
{
  GMainContext  *context;
  QsslWatchFunc  func;
  gpointer       user_data;

  /* The source follows the wanted condition in place (events); it is
   * recreated only when the fd changes. */
  GSource       *source;
  GIOCondition   events;
  int            fd;
  gpointer       tag;
};

typedef struct {
  GSource    source;
  QsslWatch *watch;
} WatchSource;

static gboolean
watch_source_dispatch (GSource     *source,
                       GSourceFunc  callback,
                       gpointer     user_data)
{
  QsslWatch *watch = ((WatchSource *) source)->watch;
  GIOCondition condition = g_source_query_unix_fd (source, watch->tag);

  watch->func (watch->user_data, condition);
  return G_SOURCE_CONTINUE;
}

/* Ready when poll() says so: no prepare or check needed. */
static GSourceFuncs watch_source_funcs = {
  NULL, NULL, watch_source_dispatch, NULL, NULL, NULL,
};

static QsslWatch *
source_watch_create (GMainContext  *context,
                     QsslWatchFunc  func,
                     gpointer       user_data)
{
  QsslWatch *watch = g_new0 (QsslWatch, 1);

  watch->context = g_main_context_ref (context);
  watch->func = func;
  watch->user_data = user_data;
  watch->fd = -1;
  return watch;
}

/* One source per watch whose events change in place: a GSocket source
 * would be destroyed and attached again on every change, waking the
 * context twice each time. */
static void
source_watch_set (QsslWatch    *watch,
                  int           fd,
                  GIOCondition  condition)
{
  if (condition == 0)
    {
      _qssl_clear_source (&watch->source);
      return;
    }
  if (watch->source != NULL && watch->fd == fd)
    {
      if (watch->events != condition)
        {
          g_source_modify_unix_fd (watch->source, watch->tag, condition);
          watch->events = condition;
        }
      return;
    }
  _qssl_clear_source (&watch->source);
  watch->source = g_source_new (&watch_source_funcs, sizeof (WatchSource));
  ((WatchSource *) watch->source)->watch = watch;
  watch->fd = fd;
  watch->events = condition;
  watch->tag = g_source_add_unix_fd (watch->source, fd, condition);
  g_source_set_static_name (watch->source, "[qssl] socket");
  g_source_attach (watch->source, watch->context);
}

static void
source_watch_destroy (QsslWatch *watch)
{
  _qssl_clear_source (&watch->source);
  g_main_context_unref (watch->context);
  g_free (watch);
}

static const QsslWatchBackend source_backend = {
  source_watch_create,
  source_watch_set,
  source_watch_destroy,
};

const QsslWatchBackend *
_qssl_watch_get_backend (void)
{
  return &source_backend;
}
