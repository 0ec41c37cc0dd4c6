/* qssl-server-private.h: what the parts of QsslServer share
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * QsslServer is three files, each readable alone:
 *  - qssl-server.c: the public API, properties and signals, the queue of
 *    encrypted sockets (next_pending_connection(), accept_async(),
 *    wait_for_new_connection()), listen() and close();
 *  - qssl-server-accept.c: the listening sockets and the accept (the
 *    server's own accept4() on the context's shared readiness, or GLib's),
 *    what an accept brings, the retry of a failed one, pausing and the
 *    max-pending throttle, reuse-port sockets and systemd's sockets;
 *  - qssl-server-admission.c: a connection from the accept to encrypted:
 *    its handshake record and deadline, the early read of its first TLS
 *    record, the max-handshakes and per-address limits, the signals
 *    forwarded from its socket.
 * The accept hands a connection to the admission (GSocketService's
 * incoming), the admission hands an encrypted socket to the queue
 * (_qssl_server_hand_over()), and each of them asks the accept to follow
 * the state (_qssl_server_update_accepting()).
 */

#pragma once

#include <gio/gio.h>

#include "qssl.h"
#include "qssl-socket-observer-private.h"
#include "qssl-timer-private.h"
#include "qssl-virtual-host-private.h"
#include "qssl-watch-private.h"

G_BEGIN_DECLS

/* A handshake in flight (qssl-server-admission.c). */
typedef struct _Handshake Handshake;

struct _QsslServer
{
  GSocketService      parent_instance;

  QsslConfiguration  *configuration;
  QsslHostTable      *hosts;         /* SNI virtual hosts; NULL: none */
  int                 handshake_timeout;
  guint16             port;
  GInetAddress       *address;       /* as given to listen(); NULL: any */
  gboolean            listening;

  GHashTable         *handshaking;   /* QsslSocket -> Handshake, once it has one */
  GQueue              pending;       /* encrypted QsslSocket, owned */
  GQueue              accept_tasks;  /* accept_async() callers waiting */
  int                 max_pending;
  gboolean            paused;        /* by pause_accepting() */
  gboolean            throttled;     /* by the max_pending limit */
  GMainContext       *context;
  gboolean            reuse_port;
  gboolean            proxy_protocol;
  /* The accept in flight. The server accepts itself rather than through
   * GSocketService, which only logs a failed accept and retries at once
   * (a busy loop when out of file descriptors). Only close() cancels it:
   * GLib's accept source wakes up on the cancellation and calls accept(),
   * and the cancelled task then drops the connection it took from the
   * backlog. Pausing leaves it running instead (see held). */
  GCancellable       *accept_cancellable;
  /* Connections the accept in flight delivered while paused or throttled,
   * waiting (no handshake yet) until accepting resumes. */
  GQueue              held;
  /* The server's own accepting (qssl-server-accept.c): the sockets that
   * listen() made, each watched on the context's shared readiness and
   * accepted from directly. A socket added through GSocketListener's API
   * (which may carry a source object) turns it off: GLib then accepts, as
   * before. */
  GPtrArray          *own_listeners;   /* Listener */
  gboolean            adding_own;      /* inside listen()'s add_*() */
  gboolean            own_accept;
  gboolean            accept_armed;    /* one accept wanted, as one in flight */

  /* Admission (qssl-server-admission.c; the backoff: qssl-server-accept.c) */
  int                 max_handshakes;             /* 0: no limit */
  int                 max_handshakes_per_address; /* 0: no limit */
  int                 idle_timeout;               /* for the sockets handed out; 0: none */
  GQueue              handshake_order;            /* Handshake, oldest first */
  GHashTable         *per_address;                /* address text -> handshakes from it */
  guint               accept_backoff;             /* msecs; 0: the last accept worked */
  QsslTimer          *accept_retry;               /* running: the accept waits for it */

  /* Sockets whose handshake failed, released on the next iteration (see
   * on_error() in qssl-server-admission.c) by one deferred call. */
  GPtrArray          *dropped;                    /* QsslSocket, owned */
  QsslDeferred       *drop_call;
};

/* QsslServer:max-handshakes by default: well above what healthy clients
 * keep in flight (a handshake takes a round trip or two), well below what
 * a process may hold. */
#define QSSL_SERVER_DEFAULT_MAX_HANDSHAKES 1024

enum {
  SIGNAL_NEW_CONNECTION,
  SIGNAL_PENDING_CONNECTION_AVAILABLE,
  SIGNAL_STARTED_ENCRYPTION_HANDSHAKE,
  SIGNAL_SSL_ERRORS,
  SIGNAL_PEER_VERIFY_ERROR,
  SIGNAL_ERROR_OCCURRED,
  SIGNAL_PRE_SHARED_KEY_AUTHENTICATION_REQUIRED,
  SIGNAL_ALERT_SENT,
  SIGNAL_ALERT_RECEIVED,
  SIGNAL_HANDSHAKE_INTERRUPTED_ON_ERROR,
  SIGNAL_ACCEPT_ERROR,
  N_SIGNALS
};

extern guint _qssl_server_signals[N_SIGNALS];

/* qssl-server.c: an encrypted socket (transfer full) for the oldest
 * accept_async() caller, or for the queue. */
void      _qssl_server_hand_over              (QsslServer        *self,
                                               QsslSocket        *socket);

/* qssl-server-accept.c */
void      _qssl_server_accept_init            (QsslServer        *self);
/* Accepts, holds or stops as the state wants (listening, paused, the
 * queue against max-pending, a retry pending). */
void      _qssl_server_update_accepting       (QsslServer        *self);
void      _qssl_server_stop_accepting         (QsslServer        *self);
void      _qssl_server_clear_accept_retry     (QsslServer        *self);
void      _qssl_server_forget_listeners       (QsslServer        *self);
/* Connections accepted while paused or throttled go, with the backlog. */
void      _qssl_server_drop_held              (QsslServer        *self);
void      _qssl_server_changed                (GSocketListener   *listener);
gboolean  _qssl_server_add_listening_socket   (QsslServer        *self,
                                               GSocket           *socket,
                                               GError           **error);
guint16   _qssl_server_listen_reusing_port    (QsslServer        *self,
                                               GInetAddress      *address,
                                               guint16            port,
                                               GError           **error);
guint16   _qssl_server_local_port             (GSocket           *socket);
GPtrArray *_qssl_server_activated_sockets     (GError           **error);

/* qssl-server-admission.c */
void      _qssl_server_admission_init         (QsslServer        *self);
/* An accepted socket, as GSocketService::incoming's handler takes it
 * (the caller then updates the accepting). */
void      _qssl_server_admit                  (QsslServer        *self,
                                               GSocket           *gsocket);
gboolean  _qssl_server_incoming               (GSocketService    *service,
                                               GSocketConnection *connection,
                                               GObject           *source_object);
void      _qssl_server_drop_handshake         (QsslServer        *self,
                                               Handshake         *handshake,
                                               QsslSocketError    error);
/* Every handshake in flight goes, without a signal (close, dispose). */
void      _qssl_server_abort_handshakes       (QsslServer        *self);
/* Before the server's configuration changes: the handshakes whose socket
 * is not made yet keep the one they were accepted with. */
void      _qssl_server_keep_configuration     (QsslServer        *self);

G_END_DECLS
