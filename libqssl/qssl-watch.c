/* qssl-watch.c: readiness of one fd on a GMainContext
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Two backends fill QsslWatchBackend:
 *
 * - "epoll" (Linux): the watches of one GMainContext share one epoll
 *   instance, attached to the context as a single GSource on the epoll fd.
 *   Each watch registers its fd once and changes its interest only when
 *   what it needs changes; a wakeup dispatches only the ready watches. An
 *   iteration of the context costs the same with 10 or 10,000 sockets.
 * - "gsource": one GSource per watch, whose fd events change in place. The
 *   portable fallback; GLib prepares, polls and checks every one of them on
 *   every iteration.
 *
 * QSSL_WATCH_BACKEND=gsource|epoll chooses one (read once); the default is
 * epoll where it exists.
 */

#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#ifdef __linux__
#include <pthread.h>
#include <sys/epoll.h>
#define HAVE_EPOLL 1
#endif

#include "qssl-main-context-private.h"
#include "qssl-timer-private.h"
#include "qssl-watch-private.h"

typedef struct _Poller Poller;

struct _QsslWatch
{
  GMainContext  *context;
  QsslWatchFunc  func;
  gpointer       user_data;

  /* gsource: the source follows the wanted condition in place (events);
   * it is recreated only when the fd changes. */
  GSource       *source;
  GIOCondition   events;
  int            fd;
  gpointer       tag;

  /* epoll: the context's poller (from the first set() with an fd to
   * destroy()), this watch's slot in it, and the registration. */
  Poller        *poller;
  guint          slot;
  /* Changes with every registration of an fd: an event read from the
   * kernel for an earlier registration (an fd since closed or replaced, a
   * slot since reused) no longer matches and is dropped. */
  guint32        generation;
  GIOCondition   wanted;
  guint32        kernel_events; /* what the kernel watches for; valid if registered */
  gboolean       registered;
  /* epoll_wait() round that last dispatched this watch (see dispatch). */
  guint64        delivered_round;
  /* Unregistered while its own callback runs a nested iteration. */
  gboolean       held;
};

/* The per-socket GSource backend */

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
watch_create (GMainContext  *context,
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

void
_qssl_watch_retarget (QsslWatch     *watch,
                      QsslWatchFunc  func,
                      gpointer       user_data)
{
  watch->func = func;
  watch->user_data = user_data;
}

GMainContext *
_qssl_watch_get_context (QsslWatch *watch)
{
  return watch->context;
}

/* One source per watch whose events change in place: a GSocket source
 * would be destroyed and attached again on every change, waking the
 * context twice each time. */
static void
source_watch_set (QsslWatch    *watch,
                  int           fd,
                  GIOCondition  condition)
{
  if (condition == 0 || fd < 0)
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
  watch_create,
  source_watch_set,
  source_watch_destroy,
};

#ifdef HAVE_EPOLL

/* The shared epoll backend */

/* Events read per wakeup: the rest waits for the next iteration (the
 * instance stays readable), so that other sources get their turn. */
#define EPOLL_BATCH 64

struct _Poller
{
  GSource       source;
  GMainContext *context;
  int           epfd;
  gpointer      tag;
  guint         n_watches;
  /* Which fork this instance belongs to (see poller_after_fork()). */
  guint         fork_generation;
  /* The kernel may hold a registration no watch can remove: a file whose
   * fd was closed behind its watch's back while it stays open elsewhere (a
   * dup, a forked child). Its events would come on every wakeup; the
   * instance is rebuilt when one does (see poller_rebuild()). */
  gboolean      maybe_stale;
  /* Watches by slot (NULL: free) and, for each fd number, the watch whose
   * registration it is: a socket that closed its fd without saying so
   * must not take the registration of the next one that gets the number. */
  GPtrArray    *slots;
  GArray       *free_slots;
  GPtrArray    *by_fd;
  guint32       next_generation;
  guint64       round;
  /* Watches whose callback is running, outermost first: a nested
   * iteration (a handler that waits) does not run them again, as GLib
   * does not dispatch a source that is dispatching. */
  GPtrArray    *running;
  /* The poller's own watches run on the context's thread; a last unref
   * (a socket finalized elsewhere) may destroy a watch from another one. */
  GMutex        lock;
};

/* GMainContext -> Poller. An instance lives as long as its context (the
 * context holds the only reference): a program that connects one socket
 * after another would otherwise create and close an epoll instance, and
 * attach and destroy a source, for each. Every watch holds its context, so
 * the context (and the poller) cannot go while a watch uses it. */
static GMutex registry_lock;
static GHashTable *registry;
static volatile guint fork_generation;

static guint32
condition_to_epoll (GIOCondition condition)
{
  guint32 events = 0;

  if (condition & G_IO_IN)
    events |= EPOLLIN;
  if (condition & G_IO_PRI)
    events |= EPOLLPRI;
  if (condition & G_IO_OUT)
    events |= EPOLLOUT;
  return events;
}

static GIOCondition
epoll_to_condition (guint32 events)
{
  GIOCondition condition = 0;

  if (events & EPOLLIN)
    condition |= G_IO_IN;
  if (events & EPOLLPRI)
    condition |= G_IO_PRI;
  if (events & EPOLLOUT)
    condition |= G_IO_OUT;
  if (events & EPOLLERR)
    condition |= G_IO_ERR;
  if (events & EPOLLHUP)
    condition |= G_IO_HUP;
  return condition;
}

static int
poller_ctl (Poller    *poller,
            int        op,
            QsslWatch *watch,
            guint32    events)
{
  struct epoll_event event = { 0 };

  event.events = events;
  event.data.u64 = ((guint64) watch->generation << 32) | watch->slot;
  return epoll_ctl (poller->epfd, op, watch->fd, &event);
}

static QsslWatch *
poller_fd_owner (Poller *poller,
                 int     fd)
{
  return (guint) fd < poller->by_fd->len ? g_ptr_array_index (poller->by_fd, fd) : NULL;
}

static void
poller_set_fd_owner (Poller    *poller,
                     int        fd,
                     QsslWatch *watch)
{
  if ((guint) fd >= poller->by_fd->len)
    {
      if (watch == NULL)
        return;
      g_ptr_array_set_size (poller->by_fd, MAX ((guint) fd + 1, poller->by_fd->len * 2));
    }
  poller->by_fd->pdata[fd] = watch;
}

/* Drops @watch's registration, with the lock held. */
static void
poller_unregister (Poller    *poller,
                   QsslWatch *watch)
{
  if (!watch->registered)
    return;
  watch->registered = FALSE;
  /* Only while the number is still this watch's: when another watch has
   * registered it since, this one's fd was closed already (the kernel
   * dropped its entry) and the entry there is the other's. ENOENT and
   * EBADF mean the same. */
  if (poller_fd_owner (poller, watch->fd) == watch)
    {
      if (poller_ctl (poller, EPOLL_CTL_DEL, watch, 0) < 0)
        poller->maybe_stale = TRUE;
      poller_set_fd_owner (poller, watch->fd, NULL);
    }
  else
    poller->maybe_stale = TRUE;
}

/* Registers @watch->fd for @events, with the lock held. */
static void
poller_register (Poller    *poller,
                 QsslWatch *watch,
                 guint32    events)
{
  QsslWatch *owner = poller_fd_owner (poller, watch->fd);

  /* Another watch still holds the number: its fd was closed without a
   * word, and this is a new file with the same number. */
  if (owner != NULL && owner != watch)
    {
      owner->registered = FALSE;
      poller->maybe_stale = TRUE;
    }
  watch->generation = ++poller->next_generation;
  if (poller_ctl (poller, EPOLL_CTL_ADD, watch, events) < 0 &&
      (errno != EEXIST || poller_ctl (poller, EPOLL_CTL_MOD, watch, events) < 0))
    {
      g_debug ("qssl: cannot watch fd %d: %s", watch->fd, g_strerror (errno));
      return;
    }
  poller_set_fd_owner (poller, watch->fd, watch);
  watch->registered = TRUE;
  watch->kernel_events = events;
}

/* Makes the kernel's interest follow watch->wanted, with the lock held.
 * Interest that only shrinks by G_IO_IN stays as it is: a socket stops
 * reading for a moment far more often than data comes meanwhile, and the
 * event that comes then narrows it (see poller_dispatch()). Writability,
 * true nearly always, is dropped at once. */
static void
poller_update (Poller    *poller,
               QsslWatch *watch)
{
  guint32 wanted = condition_to_epoll (watch->wanted);

  if (watch->held)
    return;
  if (!watch->registered)
    {
      if (wanted != 0)
        poller_register (poller, watch, wanted);
      return;
    }
  if (watch->kernel_events == wanted)
    return;
  if ((wanted & ~watch->kernel_events) == 0 && (watch->kernel_events & ~wanted) == EPOLLIN)
    return;
  if (wanted == 0)
    {
      /* Even an empty interest reports errors and hang-ups: unregister. */
      poller_unregister (poller, watch);
      return;
    }
  if (poller_ctl (poller, EPOLL_CTL_MOD, watch, wanted) < 0)
    {
      /* ENOENT: the fd was closed and the number taken again, by this
       * socket; register the new file. */
      watch->registered = FALSE;
      poller_register (poller, watch, wanted);
      return;
    }
  watch->kernel_events = wanted;
}

static void poller_check_fork (Poller *poller);
static void poller_rebuild (Poller *poller);

static gboolean
poller_dispatch (GSource     *source,
                 GSourceFunc  callback,
                 gpointer     user_data)
{
  Poller *poller = (Poller *) source;
  struct epoll_event events[EPOLL_BATCH];
  guint64 round;
  guint n_stale = 0, n_dispatched = 0;
  int n;

  /* A forked child that iterates the parent's context: its own instance
   * first, so that it reads no event of the parent's sockets. */
  g_mutex_lock (&poller->lock);
  poller_check_fork (poller);
  g_mutex_unlock (&poller->lock);
  do
    n = epoll_wait (poller->epfd, events, EPOLL_BATCH, 0);
  while (n < 0 && errno == EINTR);
  g_mutex_lock (&poller->lock);
  round = ++poller->round;
  g_mutex_unlock (&poller->lock);

  for (int i = 0; i < n; i++)
    {
      guint slot = (guint) (events[i].data.u64 & G_MAXUINT32);
      guint32 generation = (guint32) (events[i].data.u64 >> 32);
      GIOCondition condition;
      QsslWatch *watch;

      g_mutex_lock (&poller->lock);
      watch = slot < poller->slots->len ? g_ptr_array_index (poller->slots, slot) : NULL;
      /* Freed, re-registered or unregistered by an earlier handler of this
       * batch, or already run by a nested iteration that read the events
       * again (a handler that waits): nothing of this event is left. */
      if (watch == NULL || watch->generation != generation || !watch->registered ||
          watch->delivered_round > round)
        {
          if (watch == NULL || watch->generation != generation)
            n_stale++;
          g_mutex_unlock (&poller->lock);
          continue;
        }
      /* Its callback runs further up the stack: out of the kernel's
       * interest until it returns, or this nested iteration would spin on
       * it (level-triggered) without ever serving it. */
      if (g_ptr_array_find (poller->running, watch, NULL))
        {
          poller_unregister (poller, watch);
          watch->held = TRUE;
          g_mutex_unlock (&poller->lock);
          continue;
        }
      condition = epoll_to_condition (events[i].events);
      /* What the socket no longer asks for (its interest was left wider,
       * see poller_update()) is not reported, and the kernel stops
       * reporting it. */
      if (watch->wanted == 0)
        {
          poller_unregister (poller, watch);
          g_mutex_unlock (&poller->lock);
          continue;
        }
      if ((condition & ~(watch->wanted | G_IO_ERR | G_IO_HUP)) != 0 &&
          poller_ctl (poller, EPOLL_CTL_MOD, watch, condition_to_epoll (watch->wanted)) == 0)
        watch->kernel_events = condition_to_epoll (watch->wanted);
      condition &= watch->wanted | G_IO_ERR | G_IO_HUP;
      watch->delivered_round = round;
      if (condition == 0)
        {
          g_mutex_unlock (&poller->lock);
          continue;
        }
      g_ptr_array_add (poller->running, watch);
      g_mutex_unlock (&poller->lock);

      watch->func (watch->user_data, condition);
      n_dispatched++;

      g_mutex_lock (&poller->lock);
      g_ptr_array_remove_index (poller->running, poller->running->len - 1);
      /* Still there (it may have been freed): its interest comes back. */
      if (slot < poller->slots->len && g_ptr_array_index (poller->slots, slot) == watch && watch->held)
        {
          watch->held = FALSE;
          poller_update (poller, watch);
        }
      g_mutex_unlock (&poller->lock);
      /* The context went with a handler's last reference to it. */
      if (g_source_is_destroyed (source))
        return G_SOURCE_CONTINUE;
    }
  /* An event for no watch is usually one whose watch went earlier in this
   * batch; with a registration nobody can remove, it is that one. */
  g_mutex_lock (&poller->lock);
  if (n_stale > 0 && poller->maybe_stale)
    poller_rebuild (poller);
  g_mutex_unlock (&poller->lock);
  /* What the sockets deferred (bytes-written after a send, say) runs now,
   * after every ready socket, instead of after one more poll(). */
  if (n_dispatched > 0)
    _qssl_deferred_run_queued (poller->context);
  return G_SOURCE_CONTINUE;
}

static void
poller_finalize (GSource *source)
{
  Poller *poller = (Poller *) source;

  /* The context is being finalized (GLib calls this without its lock). */
  g_mutex_lock (&registry_lock);
  if (registry != NULL && g_hash_table_lookup (registry, poller->context) == poller)
    g_hash_table_remove (registry, poller->context);
  g_mutex_unlock (&registry_lock);
  if (poller->epfd >= 0)
    close (poller->epfd);
  g_ptr_array_unref (poller->slots);
  g_array_unref (poller->free_slots);
  g_ptr_array_unref (poller->by_fd);
  g_ptr_array_unref (poller->running);
  g_mutex_clear (&poller->lock);
}

/* Ready when the epoll fd is: no prepare or check needed. */
static GSourceFuncs poller_funcs = {
  NULL, NULL, poller_dispatch, poller_finalize, NULL, NULL,
};

static void
poller_after_fork (void)
{
  fork_generation++;
}

/* A new instance with the current watches' registrations, with the lock
 * held: for a forked child, and to shed registrations that no watch owns. */
static void
poller_rebuild (Poller *poller)
{
  int epfd = epoll_create1 (EPOLL_CLOEXEC);

  /* Out of descriptors: the old instance goes on serving, and a later
   * call tries again. */
  if (epfd < 0)
    {
      g_debug ("qssl: cannot renew the epoll instance: %s", g_strerror (errno));
      return;
    }
  poller->maybe_stale = FALSE;
  g_source_remove_unix_fd (&poller->source, poller->tag);
  close (poller->epfd);
  poller->epfd = epfd;
  poller->tag = g_source_add_unix_fd (&poller->source, poller->epfd, G_IO_IN);
  for (guint i = 0; i < poller->slots->len; i++)
    {
      QsslWatch *watch = g_ptr_array_index (poller->slots, i);

      if (watch != NULL && watch->registered)
        {
          watch->registered = FALSE;
          poller_register (poller, watch, watch->kernel_events);
        }
    }
}

/* A forked child shares the parent's epoll instance: what it registered
 * or dropped there would change the parent's. It gets an instance of its
 * own with the same registrations. */
static void
poller_check_fork (Poller *poller)
{
  if (G_LIKELY (poller->fork_generation == fork_generation))
    return;
  poller->fork_generation = fork_generation;
  poller_rebuild (poller);
}

/* The context's poller, made if needed, with @watch in a slot of it. */
static Poller *
poller_acquire (QsslWatch *watch)
{
  Poller *poller;

  g_mutex_lock (&registry_lock);
  if (registry == NULL)
    {
      registry = g_hash_table_new (NULL, NULL);
      pthread_atfork (NULL, NULL, poller_after_fork);
    }
  poller = g_hash_table_lookup (registry, watch->context);
  /* A destroyed one belongs to a context that is being finalized, and this
   * context is a new one at the same address. */
  if (poller == NULL || g_source_is_destroyed (&poller->source))
    {
      int epfd = epoll_create1 (EPOLL_CLOEXEC);

      if (epfd < 0)
        {
          g_mutex_unlock (&registry_lock);
          return NULL;
        }
      poller = (Poller *) g_source_new (&poller_funcs, sizeof (Poller));
      poller->context = watch->context;
      poller->epfd = epfd;
      poller->fork_generation = fork_generation;
      poller->slots = g_ptr_array_new ();
      poller->free_slots = g_array_new (FALSE, FALSE, sizeof (guint));
      poller->by_fd = g_ptr_array_new ();
      poller->running = g_ptr_array_new ();
      g_mutex_init (&poller->lock);
      poller->tag = g_source_add_unix_fd (&poller->source, epfd, G_IO_IN);
      /* A handler that waits iterates the context again: the other
       * sockets must still be served then, as with a source each. */
      g_source_set_can_recurse (&poller->source, TRUE);
      g_source_set_static_name (&poller->source, "[qssl] sockets (epoll)");
      g_source_attach (&poller->source, watch->context);
      g_source_unref (&poller->source);
      g_hash_table_replace (registry, watch->context, poller);
    }
  poller->n_watches++;
  g_mutex_unlock (&registry_lock);

  g_mutex_lock (&poller->lock);
  if (poller->free_slots->len > 0)
    {
      watch->slot = g_array_index (poller->free_slots, guint, poller->free_slots->len - 1);
      g_array_set_size (poller->free_slots, poller->free_slots->len - 1);
      poller->slots->pdata[watch->slot] = watch;
    }
  else
    {
      watch->slot = poller->slots->len;
      g_ptr_array_add (poller->slots, watch);
    }
  g_mutex_unlock (&poller->lock);
  return poller;
}

static void
poller_release (QsslWatch *watch)
{
  Poller *poller = watch->poller;

  g_mutex_lock (&poller->lock);
  poller_unregister (poller, watch);
  poller->slots->pdata[watch->slot] = NULL;
  g_array_append_val (poller->free_slots, watch->slot);
  g_mutex_unlock (&poller->lock);
  watch->poller = NULL;

  /* The last watch leaves the instance idle for the next socket of this
   * context. (A registration nobody could remove is shed when its event
   * comes, see poller_dispatch(); not here, where the socket that goes may
   * still close an fd number that is no longer its own.) */
  g_mutex_lock (&registry_lock);
  poller->n_watches--;
  g_mutex_unlock (&registry_lock);
}

static void
epoll_watch_set (QsslWatch    *watch,
                 int           fd,
                 GIOCondition  condition)
{
  Poller *poller = watch->poller;

  if (poller == NULL)
    {
      if (condition == 0 || fd < 0)
        return;
      poller = watch->poller = poller_acquire (watch);
      if (poller == NULL)
        {
          /* No epoll instance (out of fds): this watch falls back to a
           * source of its own. */
          source_watch_set (watch, fd, condition);
          return;
        }
    }
  g_mutex_lock (&poller->lock);
  poller_check_fork (poller);
  if (fd != watch->fd || fd < 0)
    {
      poller_unregister (poller, watch);
      watch->fd = fd;
    }
  watch->wanted = fd < 0 ? 0 : condition;
  poller_update (poller, watch);
  g_mutex_unlock (&poller->lock);
}

static void
epoll_watch_destroy (QsslWatch *watch)
{
  if (watch->poller != NULL)
    poller_release (watch);
  source_watch_destroy (watch);
}

static void
epoll_watch_set_any (QsslWatch    *watch,
                     int           fd,
                     GIOCondition  condition)
{
  /* A watch that could not get the poller keeps its own source. */
  if (watch->source != NULL && watch->poller == NULL)
    source_watch_set (watch, fd, condition);
  else
    epoll_watch_set (watch, fd, condition);
}

static const QsslWatchBackend epoll_backend = {
  watch_create,
  epoll_watch_set_any,
  epoll_watch_destroy,
};

#endif /* HAVE_EPOLL */

static const QsslWatchBackend *
choose_backend (void)
{
  const char *name = g_getenv ("QSSL_WATCH_BACKEND");

  if (name != NULL && g_strcmp0 (name, "gsource") == 0)
    return &source_backend;
#ifdef HAVE_EPOLL
  if (name == NULL || *name == '\0' || g_strcmp0 (name, "epoll") == 0)
    return &epoll_backend;
#endif
  if (name != NULL && *name != '\0' && g_strcmp0 (name, "epoll") != 0)
    g_warning ("QSSL_WATCH_BACKEND=%s: unknown backend (gsource, epoll)", name);
#ifdef HAVE_EPOLL
  return &epoll_backend;
#else
  return &source_backend;
#endif
}

const QsslWatchBackend *
_qssl_watch_get_backend (void)
{
  static gsize backend;

  if (g_once_init_enter (&backend))
    g_once_init_leave (&backend, (gsize) choose_backend ());
  return (const QsslWatchBackend *) backend;
}

const char *
_qssl_watch_backend_name (void)
{
  return _qssl_watch_get_backend () == &source_backend ? "gsource" : "epoll";
}
