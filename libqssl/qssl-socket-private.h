/* qssl-socket-private.h: the QsslSocket record, shared by the socket's modules
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * One connection, in layers (docs/overview.md has the picture):
 *
 *   qssl-socket.c          the public API: state, settings, read/write calls
 *   qssl-socket-connect.c  resolving and connecting
 *   qssl-engine.c          the TLS engine: SSL object, handshake, Qt's checks
 *   qssl-socket-io.c       readiness, plaintext buffers, the read/write pumps
 *   qssl-socket-stream.c   the GIOStream view and the GIO async calls
 *   qssl-socket-wait.c     the blocking wait_for_*() calls
 *
 * The fields are grouped by the layer that owns them; another layer reads
 * them but changes them only through that layer's functions.
 */

#pragma once

#include <gio/gio.h>
#include <openssl/ssl.h>

#include "qssl.h"
#include "qssl-private.h"
#include "qssl-buffer-private.h"
#include "qssl-proxy-protocol-private.h"
#include "qssl-socket-observer-private.h"
#include "qssl-watch-private.h"
#include "qssl-timer-private.h"

G_BEGIN_DECLS

/* QsslSocket:close-timeout, in milliseconds. */
#define QSSL_SOCKET_DEFAULT_CLOSE_TIMEOUT 30000

struct _QsslSocket
{
  GSocketConnection   parent_instance;

  /* The socket (qssl-socket.c) */
  guint               trace_id;     /* names the socket in the debug trace */
  GMainContext       *context;
  /* The GSocket of the current connection (a placeholder without a file
   * descriptor before the first one). Every layer uses this one; the copy
   * GSocketConnection keeps for its own accessors follows it, see
   * _qssl_socket_replace_gsocket(). */
  GSocket            *socket;
  QsslConfiguration  *configuration;
  QsslSocketState     state;
  QsslMode            mode;
  gboolean            encrypted;
  QsslSocketError     error;
  char               *error_string;
  /* connect_to_host_encrypted_async() and handshake_async() callers waiting
   * for the end of the handshake. */
  GQueue              handshake_tasks;
  /* How long g_io_stream_close() and its async form wait for the write
   * buffer to drain before they abort (close-timeout, msecs). */
  int                 close_timeout;
#ifdef QSSL_ENABLE_THREAD_CHECKS
  /* The thread that made the socket: signals may come from it while no
   * thread runs the context, and otherwise only from the thread that does. */
  GThread            *owner_thread;
#endif

  /* Reentrancy (see _qssl_socket_enter()): how many emitting calls are
   * running, and which connection they work on. */
  guint               dispatch_depth;
  guint               connection_serial;
  /* Set in dispose: from then on nothing is emitted. */
  gboolean            disposing;
  /* Told of encrypted and error-occurred before their handlers (see
   * qssl-socket-observer-private.h). */
  const QsslSocketObserver *observer;
  gpointer            observer_data;

  /* Where to, and under which name to verify (connect, engine) */
  char               *host_name;
  guint16             port;
  char               *ssl_peer_name;
  char               *peer_verify_name;
  QsslNetworkLayerProtocol network_protocol;
  gboolean            encrypt_after_connect;

  /* Resolving and connecting (qssl-socket-connect.c) */
  GCancellable       *cancellable;
  GList              *addresses;
  GList              *next_address;
  /* An address literal is not looked up: the connection starts from this
   * deferred call, made on first use and kept until finalize. */
  QsslDeferred       *literal_call;

  /* The TLS engine (qssl-engine.c) */
  SSL                *ssl;
  gboolean            handshaking;
  gboolean            paused;
  GPtrArray          *handshake_errors;
  GPtrArray          *ignore_list;
  /* ignore_ssl_errors() for the handshake in progress, and for the next
   * one when called outside a handshake; never for later connections. */
  gboolean            ignore_all;
  gboolean            ignore_all_next;
  QsslPauseModes      pause_mode;
  gboolean            continue_interrupted;
  /* While OpenSSL is running (it may call back into the socket, and a
   * handler may abort), the SSL is not freed but retired, and freed once
   * OpenSSL has returned. */
  guint               openssl_depth;
  SSL                *retired_ssl;
  /* Alerts seen inside OpenSSL, emitted once it has returned. */
  GArray             *pending_alerts;
  /* A session the server sent, handled once OpenSSL has returned. */
  SSL_SESSION        *received_session;
  /* Results of the last handshake. */
  gboolean            session_resumed;
  gboolean            used_pre_shared_key;  /* our PSK callback gave a key */
  GPtrArray          *ocsp_responses;
  /* Server: the SNI virtual hosts (qssl-virtual-host.c), the name the
   * client asked for, and why a host's configuration could not be used. */
  struct _QsslHostTable *host_table;
  char               *requested_server_name;
  GError             *host_error;
  /* While a host's configuration is the socket's: the socket's own, which
   * the next handshake starts from again. */
  QsslConfiguration  *own_configuration;

  /* Readiness (qssl-socket-io.c over qssl-watch.c). watch_condition is
   * what the socket waits for; the watch follows it, except while a
   * blocking wait polls the fd itself (waiting). */
  QsslWatch          *watch;
  GIOCondition        watch_condition;
  guint               waiting;
  gboolean            emission_due;

  /* Plaintext buffers and pumps (qssl-socket-io.c):
   * read_buffer[read_offset..] is unread. */
  QsslBuffer         *read_buffer;
  gsize               read_offset;
  /* With an unbounded buffer, decrypted plaintext stays in OpenSSL until
   * read() copies it straight into the caller's buffer (see
   * pump_read_through()). held_announced: ready-read has told about the
   * record OpenSSL holds. direct_budget: how much more read() may decrypt
   * before the next ready-read. */
  gboolean            held_announced;
  gsize               direct_budget;
  /* The last read from OpenSSL wanted more from the network: what it holds
   * is an incomplete record, which only the fd can complete. */
  gboolean            read_starved;
  /* A read() met the end of the stream: reported from the main loop. */
  gboolean            deferred_finish;
  gboolean            deferred_clean;
  char               *deferred_protocol_error;
  gint64              read_buffer_size;
  QsslBuffer         *write_buffer;
  gboolean            read_channel_finished;
  gboolean            pending_close;
  /* close_notify found the kernel's send buffer full: it goes out once the
   * fd is writable, and the connection closes after it. */
  gboolean            close_notify_pending;
  /* Signals emitted later from the main loop, never from inside write():
   * a deferred call on the context's shared source (qssl-timer.c), made
   * on first use and kept until finalize. */
  QsslDeferred       *emit_call;
  gint64              pending_bytes_written;
  guint64             encrypted_written_reported;
  /* For wait_for_ready_read(). */
  guint               ready_read_count;
  /* Decrypted data OpenSSL still holds once the buffer has room again: the
   * fd will not become readable for it, so it is pumped from a deferred
   * call (as emit_call). */
  QsslDeferred       *pending_call;

  /* The PROXY protocol header that comes before the ClientHello when the
   * server sits behind a balancer (qssl-socket-proxy.c): the reader while
   * it is awaited, whether start_server_encryption() waits for it, and the
   * original client it named, which peer_address()/peer_port() report. */
  QsslProxyReader    *proxy_reader;
  gboolean            proxy_start_pending;
  GInetSocketAddress *proxy_peer;
  char               *proxy_peer_name;

  /* The GIOStream view, made on first request (qssl-socket-stream.c) */
  GInputStream       *input_stream;
  GOutputStream      *output_stream;

  /* Idle timeout (qssl-socket-idle.c): idle_plain_activity counts the
   * bytes moved without TLS (the BIO counts them with it); idle_seen is
   * the count at idle_since, when the connection last moved bytes. */
  int                 idle_timeout;
  int                 idle_check_timeout; /* idle_timeout when the check started */
  QsslTimer          *idle_check;         /* on the context's shared timers */
  guint64             idle_plain_activity;
  guint64             idle_seen;
  gint64              idle_since;
};

enum {
  PROP_0,
  PROP_MODE,
  PROP_IS_ENCRYPTED,
  PROP_STATE,
  PROP_PEER_VERIFY_MODE,
  PROP_PEER_VERIFY_DEPTH,
  PROP_PEER_VERIFY_NAME,
  PROP_PROTOCOL,
  PROP_LOCAL_CERTIFICATE,
  PROP_PRIVATE_KEY,
  PROP_SSL_CONFIGURATION,
  PROP_SESSION_PROTOCOL,
  PROP_SESSION_CIPHER,
  PROP_PEER_CERTIFICATE,
  PROP_READ_BUFFER_SIZE,
  PROP_PAUSE_MODE,
  PROP_CLOSE_TIMEOUT,
  PROP_IDLE_TIMEOUT,
  N_PROPS
};

enum {
  SIGNAL_ENCRYPTED,
  SIGNAL_ENCRYPTED_BYTES_WRITTEN,
  SIGNAL_MODE_CHANGED,
  SIGNAL_NEW_SESSION_TICKET_RECEIVED,
  SIGNAL_PEER_VERIFY_ERROR,
  SIGNAL_PRE_SHARED_KEY_AUTHENTICATION_REQUIRED,
  SIGNAL_SSL_ERRORS,
  SIGNAL_ALERT_SENT,
  SIGNAL_ALERT_RECEIVED,
  SIGNAL_HANDSHAKE_INTERRUPTED_ON_ERROR,
  SIGNAL_HOST_FOUND,
  SIGNAL_CONNECTED,
  SIGNAL_DISCONNECTED,
  SIGNAL_STATE_CHANGED,
  SIGNAL_ERROR_OCCURRED,
  SIGNAL_READY_READ,
  SIGNAL_BYTES_WRITTEN,
  SIGNAL_READ_CHANNEL_FINISHED,
  SIGNAL_ABOUT_TO_CLOSE,
  N_SIGNALS
};

extern GParamSpec *_qssl_socket_properties[N_PROPS];
extern guint _qssl_socket_signals[N_SIGNALS];

/* The socket (qssl-socket.c): state changes and errors, each with its
 * signal, and the end of a connection. */
GSocket *_qssl_socket_gsocket                  (QsslSocket      *self);
void     _qssl_socket_replace_gsocket          (QsslSocket      *self,
                                                GSocket         *socket);
void     _qssl_socket_set_state                (QsslSocket      *self,
                                                QsslSocketState  state);
void     _qssl_socket_set_mode                 (QsslSocket      *self,
                                                QsslMode         mode);
/* What error() and error_string() answer, without a signal. */
void     _qssl_socket_record_error             (QsslSocket      *self,
                                                QsslSocketError  error,
                                                const char      *message);
/* The debug trace (G_MESSAGES_DEBUG=Qssl): one line per step of a
 * connection's life, each prefixed with the socket's trace id
 * (_qssl_trace_enabled() is in qssl-private.h). */
void     _qssl_socket_trace_message            (QsslSocket      *self,
                                                const char      *format,
                                                ...) G_GNUC_PRINTF (2, 3);
#define _qssl_socket_trace(self, ...) \
  G_STMT_START { \
    if (G_UNLIKELY (_qssl_trace_enabled ())) \
      _qssl_socket_trace_message ((self), __VA_ARGS__); \
  } G_STMT_END

/* A call that cannot be done in the socket's state (Qt's OperationError):
 * recorded and announced with error-occurred; the connection, if any, and
 * its waiting handshake tasks go on untouched. */
void     _qssl_socket_operation_error          (QsslSocket      *self,
                                                const char      *message);
/* record_error(), error-occurred, and the waiting handshake tasks fail. */
void     _qssl_socket_set_error                (QsslSocket      *self,
                                                QsslSocketError  error,
                                                const char      *message);
/* set_error(), then the connection is dropped, unless an error-occurred
 * handler already ended it (or started a new one). */
void     _qssl_socket_fail                     (QsslSocket      *self,
                                                QsslSocketError  error,
                                                const char      *message);
/* Finishes every waiting handshake task: with success, or with @error. */
void     _qssl_socket_complete_handshake_tasks (QsslSocket      *self,
                                                const GError    *error);
/* The same for tasks taken from handshake_tasks before an emission, so
 * that tasks a handler queues for a new connection stay. */
void     _qssl_socket_complete_taken_tasks     (GQueue          *tasks,
                                                const GError    *error);
/* Reentrancy, one rule for every layer: a signal handler may do
 * anything, including abort(), close(), disconnect_from_host(), resume(),
 * a reconnect, or dropping its last reference. So every call that may emit
 * (the public ones, the sources' callbacks) runs between enter() and
 * leave(): the socket stays alive until the outermost leave(). enter()
 * answers the connection it works on; every reset_connection() starts a
 * new one. After each emission the code asks same_connection(): when a
 * handler has ended or replaced the connection, the work for the old one
 * stops there, so the socket does what the handler's call does and no
 * more. */
guint    _qssl_socket_enter                    (QsslSocket      *self);
void     _qssl_socket_leave                    (QsslSocket      *self);
/* The connection running now, to compare after an emission. */
guint    _qssl_socket_connection               (QsslSocket      *self);
gboolean _qssl_socket_same_connection          (QsslSocket      *self,
                                                guint            connection);

/* Resets what belongs to one connection; settings stay. */
void     _qssl_socket_reset_connection         (QsslSocket      *self);
/* Drops the connection; with @send_close_notify, tells the peer first. */
void     _qssl_socket_close_connection         (QsslSocket      *self,
                                                gboolean         send_close_notify);
/* The end of a graceful close, once the write buffer is empty. */
void     _qssl_socket_maybe_finish_close       (QsslSocket      *self);

/* Resolving and connecting (qssl-socket-connect.c) */
void     _qssl_socket_connect                  (QsslSocket               *self,
                                                const char               *host_name,
                                                guint16                   port,
                                                const char               *ssl_peer_name,
                                                QsslNetworkLayerProtocol  protocol,
                                                gboolean                  encrypted);
/* The fd became writable while connecting. */
void     _qssl_socket_check_connect            (QsslSocket      *self);
/* Runs the queued start of a connection to an address literal now (a
 * blocking wait, instead of iterating the context for it). */
void     _qssl_socket_start_literal            (QsslSocket      *self);

/* The PROXY protocol header (qssl-socket-proxy.c; expect() is declared in
 * qssl-proxy-protocol-private.h): the fd is readable while the header is
 * awaited; on a bad header the socket fails with
 * %QSSL_SOCKET_ERROR_PROXY_PROTOCOL. */
void     _qssl_socket_read_proxy_header        (QsslSocket      *self);
/* Forgets the header and the client it named (reset_connection()). */
void     _qssl_socket_clear_proxy              (QsslSocket      *self);

/* Blocking waits (qssl-socket-wait.c) */
typedef enum {
  WAIT_CONNECTED,
  WAIT_ENCRYPTED,
  WAIT_READY_READ,
  WAIT_BYTES_WRITTEN,
  WAIT_DISCONNECTED,
} WaitFor;

/* Runs the socket's own work, without a main loop, until @what happens or
 * @msecs pass. */
gboolean _qssl_socket_wait_for                 (QsslSocket      *self,
                                                WaitFor          what,
                                                int              msecs,
                                                gboolean        *timed_out,
                                                GError         **error);

/* Idle timeout (qssl-socket-idle.c): follows the state and the timeout. */
void     _qssl_socket_idle_update              (QsslSocket      *self);
void     _qssl_socket_idle_stop                (QsslSocket      *self);

/* The GIOStream view (qssl-socket-stream.c): GIOStream's vfuncs. */
GInputStream  *_qssl_socket_get_input_stream   (GIOStream       *io_stream);
GOutputStream *_qssl_socket_get_output_stream  (GIOStream       *io_stream);
gboolean       _qssl_socket_close_fn           (GIOStream       *io_stream,
                                                GCancellable    *cancellable,
                                                GError         **error);
void           _qssl_socket_close_async        (GIOStream           *io_stream,
                                                int                  io_priority,
                                                GCancellable        *cancellable,
                                                GAsyncReadyCallback  callback,
                                                gpointer             user_data);
gboolean       _qssl_socket_close_finish       (GIOStream       *io_stream,
                                                GAsyncResult    *result,
                                                GError         **error);

G_END_DECLS
