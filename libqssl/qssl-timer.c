/* qssl-timer.c: deadlines on a GMainContext, one source for all
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A GSource each, as g_timeout_source_new() gives, costs an attach and a
 * destroy (each a write to the context's wakeup fd) per deadline, and the
 * context prepares every one of them on every iteration. Here the timers
 * of a context sit in a binary heap behind one source whose ready time is
 * at or before the earliest deadline; it is set again only when a deadline
 * comes earlier than it, or when it has passed.
 *
 * Deferred calls wait in a FIFO list on the same source, which its
 * prepare() reports ready while the list is not empty: queueing one
 * changes no ready time, so it writes nothing to the wakeup fd either
 * (it is only ever queued from the context's own thread, which looks at
 * prepare() before it polls again).
 */

#include "config.h"

#include "qssl-timer-private.h"

typedef struct _TimerQueue TimerQueue;

struct _QsslTimer
{
  TimerQueue    *queue;
  QsslTimerFunc  func;
  gpointer       user_data;
  gboolean       running;   /* in queue->heap, at index */
  guint          index;
  gint64         deadline;  /* monotonic, µs */
};

struct _QsslDeferred
{
  TimerQueue    *queue;
  QsslTimerFunc  func;
  gpointer       user_data;
  GList          link;      /* in queue->deferred while queued */
  gboolean       queued;
  guint64        serial;    /* queue->serial when queued */
};

struct _TimerQueue
{
  GSource       source;
  GMainContext *context;
  GPtrArray    *heap;       /* QsslTimer, earliest first */
  gint64        ready_time; /* as last set on the source */
  guint         n_timers;   /* timers and deferred calls that exist */
  GQueue        deferred;   /* QsslDeferred, oldest first */
  guint64       serial;     /* of the last deferred call queued */
};

/* GMainContext -> TimerQueue, while timers of it exist. */
static GMutex registry_lock;
static GHashTable *registry;

static gboolean
earlier (QsslTimer *a,
         QsslTimer *b)
{
  return a->deadline < b->deadline;
}

static void
heap_place (TimerQueue *queue,
            guint       index,
            QsslTimer  *timer)
{
  queue->heap->pdata[index] = timer;
  timer->index = index;
}

static void
heap_up (TimerQueue *queue,
         guint       index)
{
  QsslTimer *timer = g_ptr_array_index (queue->heap, index);

  while (index > 0)
    {
      guint parent = (index - 1) / 2;
      QsslTimer *above = g_ptr_array_index (queue->heap, parent);

      if (!earlier (timer, above))
        break;
      heap_place (queue, index, above);
      index = parent;
    }
  heap_place (queue, index, timer);
}

static void
heap_down (TimerQueue *queue,
           guint       index)
{
  QsslTimer *timer = g_ptr_array_index (queue->heap, index);
  guint len = queue->heap->len;

  for (;;)
    {
      guint child = 2 * index + 1;
      QsslTimer *below;

      if (child >= len)
        break;
      if (child + 1 < len &&
          earlier (g_ptr_array_index (queue->heap, child + 1), g_ptr_array_index (queue->heap, child)))
        child++;
      below = g_ptr_array_index (queue->heap, child);
      if (!earlier (below, timer))
        break;
      heap_place (queue, index, below);
      index = child;
    }
  heap_place (queue, index, timer);
}

static void
heap_remove (TimerQueue *queue,
             QsslTimer  *timer)
{
  guint index = timer->index;
  QsslTimer *last = g_ptr_array_steal_index (queue->heap, queue->heap->len - 1);

  timer->running = FALSE;
  if (last == timer)
    return;
  heap_place (queue, index, last);
  heap_down (queue, index);
  heap_up (queue, last->index);
}

/* The source wakes at the earliest deadline. Setting its ready time
 * writes to the context's wakeup fd, so it is moved only earlier: a timer
 * stopped (a handshake done) leaves it as it is, and the source wakes at
 * the old time once, finds nothing due, and looks again (queue_dispatch()).
 * A server's handshakes, each starting a timer later than the last, then
 * cost no wakeup. */
static void
queue_arm (TimerQueue *queue,
           gint64      deadline)
{
  if (queue->ready_time < 0 || deadline < queue->ready_time)
    {
      queue->ready_time = deadline;
      g_source_set_ready_time (&queue->source, deadline);
    }
}

/* After a dispatch: the earliest deadline left, or none. */
static void
queue_rearm (TimerQueue *queue)
{
  gint64 ready = queue->heap->len > 0 ? ((QsslTimer *) g_ptr_array_index (queue->heap, 0))->deadline : -1;

  if (ready != queue->ready_time)
    {
      queue->ready_time = ready;
      g_source_set_ready_time (&queue->source, ready);
    }
}

static gboolean
queue_prepare (GSource *source,
               gint    *timeout)
{
  TimerQueue *queue = (TimerQueue *) source;

  *timeout = -1;
  return !g_queue_is_empty (&queue->deferred);
}

static gboolean
queue_check (GSource *source)
{
  TimerQueue *queue = (TimerQueue *) source;

  return !g_queue_is_empty (&queue->deferred);
}

/* The deferred calls queued up to @last. A callback may queue, cancel or
 * free any deferred call, and a nested iteration of the context (the
 * source may recurse) runs the older ones itself: the head is looked at
 * again each time. */
static void
run_deferred (TimerQueue *queue,
              guint64     last)
{
  while (!g_source_is_destroyed (&queue->source) && !g_queue_is_empty (&queue->deferred))
    {
      QsslDeferred *deferred = g_queue_peek_head (&queue->deferred);

      if (deferred->serial > last)
        break;
      g_queue_unlink (&queue->deferred, &deferred->link);
      deferred->queued = FALSE;
      deferred->func (deferred->user_data);
    }
}

static gboolean
queue_dispatch (GSource     *source,
                GSourceFunc  callback,
                gpointer     user_data)
{
  TimerQueue *queue = (TimerQueue *) source;
  gint64 now = g_source_get_time (source);
  /* Only the calls queued before this dispatch: one a callback queues
   * waits for the next iteration (as a new idle source would), so a call
   * that queues itself again cannot keep the loop here. */
  guint64 last = queue->serial;
  QsslTimer *timer;

  /* Each expired timer leaves the heap before its callback, which may
   * start, stop or free any timer (itself too). */
  while (!g_source_is_destroyed (source) && queue->heap->len > 0 &&
         (timer = g_ptr_array_index (queue->heap, 0))->deadline <= now)
    {
      heap_remove (queue, timer);
      timer->func (timer->user_data);
    }
  run_deferred (queue, last);
  /* Woken for deferred calls only, it keeps its ready time: moving it
   * later (to a deadline after a stopped one) would write to the wakeup
   * fd, once per call. */
  if (!g_source_is_destroyed (source) && queue->ready_time >= 0 && queue->ready_time <= now)
    queue_rearm (queue);
  return G_SOURCE_CONTINUE;
}

static void
queue_finalize (GSource *source)
{
  TimerQueue *queue = (TimerQueue *) source;

  g_ptr_array_unref (queue->heap);
}

static GSourceFuncs queue_funcs = {
  queue_prepare, queue_check, queue_dispatch, queue_finalize, NULL, NULL,
};

/* The context's queue, with a reference for one more timer: it lives
 * while timers of the context exist (running or not). */
static TimerQueue *
queue_get (GMainContext *context)
{
  TimerQueue *queue;

  g_mutex_lock (&registry_lock);
  if (registry == NULL)
    registry = g_hash_table_new (NULL, NULL);
  queue = g_hash_table_lookup (registry, context);
  if (queue == NULL)
    {
      queue = (TimerQueue *) g_source_new (&queue_funcs, sizeof (TimerQueue));
      queue->context = g_main_context_ref (context);
      queue->heap = g_ptr_array_new ();
      queue->ready_time = -1;
      g_queue_init (&queue->deferred);
      g_source_set_static_name (&queue->source, "[qssl] timers");
      /* As separate sources would: a handler that iterates the context
       * (a blocking wait) still sees the other timers and calls. */
      g_source_set_can_recurse (&queue->source, TRUE);
      g_source_attach (&queue->source, context);
      g_hash_table_insert (registry, context, queue);
    }
  queue->n_timers++;
  g_mutex_unlock (&registry_lock);
  return queue;
}

static void
queue_put (TimerQueue *queue)
{
  g_mutex_lock (&registry_lock);
  if (--queue->n_timers == 0)
    {
      /* A dispatch running now keeps the memory until it returns. */
      g_hash_table_remove (registry, queue->context);
      g_source_destroy (&queue->source);
      g_main_context_unref (queue->context);
      g_source_unref (&queue->source);
    }
  g_mutex_unlock (&registry_lock);
}

QsslTimer *
_qssl_timer_new (GMainContext  *context,
                 QsslTimerFunc  func,
                 gpointer       user_data)
{
  QsslTimer *timer = g_new0 (QsslTimer, 1);

  timer->queue = queue_get (context);
  timer->func = func;
  timer->user_data = user_data;
  return timer;
}

void
_qssl_timer_start (QsslTimer *timer,
                   guint      msecs)
{
  TimerQueue *queue = timer->queue;

  if (timer->running)
    heap_remove (queue, timer);
  timer->deadline = g_get_monotonic_time () + (gint64) msecs * 1000;
  timer->running = TRUE;
  g_ptr_array_add (queue->heap, timer);
  heap_up (queue, queue->heap->len - 1);
  queue_arm (queue, timer->deadline);
}

void
_qssl_timer_stop (QsslTimer *timer)
{
  if (!timer->running)
    return;
  heap_remove (timer->queue, timer);
}

gboolean
_qssl_timer_is_running (QsslTimer *timer)
{
  return timer->running;
}

void
_qssl_timer_free (QsslTimer *timer)
{
  if (timer == NULL)
    return;
  _qssl_timer_stop (timer);
  queue_put (timer->queue);
  g_free (timer);
}

/* Deferred calls */

QsslDeferred *
_qssl_deferred_new (GMainContext  *context,
                    QsslTimerFunc  func,
                    gpointer       user_data)
{
  QsslDeferred *deferred = g_new0 (QsslDeferred, 1);

  deferred->queue = queue_get (context);
  deferred->func = func;
  deferred->user_data = user_data;
  deferred->link.data = deferred;
  return deferred;
}

void
_qssl_deferred_queue (QsslDeferred *deferred)
{
  TimerQueue *queue = deferred->queue;

  if (deferred->queued)
    return;
  deferred->queued = TRUE;
  deferred->serial = ++queue->serial;
  g_queue_push_tail_link (&queue->deferred, &deferred->link);
}

void
_qssl_deferred_cancel (QsslDeferred *deferred)
{
  if (deferred == NULL || !deferred->queued)
    return;
  g_queue_unlink (&deferred->queue->deferred, &deferred->link);
  deferred->queued = FALSE;
}

gboolean
_qssl_deferred_is_queued (QsslDeferred *deferred)
{
  return deferred != NULL && deferred->queued;
}

void
_qssl_deferred_free (QsslDeferred *deferred)
{
  if (deferred == NULL)
    return;
  _qssl_deferred_cancel (deferred);
  queue_put (deferred->queue);
  g_free (deferred);
}

void
_qssl_deferred_run_queued (GMainContext *context)
{
  TimerQueue *queue;

  g_mutex_lock (&registry_lock);
  queue = registry != NULL ? g_hash_table_lookup (registry, context) : NULL;
  if (queue != NULL && !g_queue_is_empty (&queue->deferred))
    g_source_ref (&queue->source);
  else
    queue = NULL;
  g_mutex_unlock (&registry_lock);
  if (queue == NULL)
    return;
  /* Held: a call may free the last timer of the context, and the queue. */
  run_deferred (queue, queue->serial);
  g_source_unref (&queue->source);
}
