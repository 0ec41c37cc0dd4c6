/* qssl-server-admission.c: QsslServer's connections, from the accept to
 * encrypted
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Each accepted connection gets a Handshake record: its deadline (from the
 * accept), its place in the order of arrival and the address it counts
 * against. Until its first TLS record is in, it is only a GSocketConnection
 * read here (early_read()); then it gets its QsslSocket and TLS state
 * (begin_handshake()). max-handshakes drops the oldest for a newcomer,
 * max-handshakes-per-address refuses one address's excess. Encrypted, the
 * socket goes to the queue (_qssl_server_hand_over()); failed, it is
 * dropped with error-occurred.
 */

#include "config.h"

#include "qssl-private.h"
#include "qssl-proxy-protocol-private.h"
#include "qssl-server-private.h"

/* A handshake in flight, owned by handshake_order: its deadline, its place
 * in the order of arrival, the address it counts against, and either its
 * socket or, until the client's first TLS record is in, only the accepted
 * GSocket and the bytes of that record read so far (see early_read()). */
struct _Handshake
{
  QsslServer        *server;
  QsslSocket        *socket;
  GSocket           *gsocket;      /* early only */
  QsslWatch         *early_watch;  /* early only: the fd is readable */
  GByteArray        *early_bytes;  /* early only */
  /* What the server served when the connection was accepted, for its
   * handshake: the hosts always, the configuration only once the server's
   * changed (NULL: the server's own is still it). */
  QsslHostTable     *hosts;
  QsslConfiguration *configuration;
  QsslTimer         *timer;        /* from the accept */
  GList              link;         /* in handshake_order, data = the Handshake */
  char              *address;      /* key in per_address; NULL: not counted */
};

/* Forgets a handshake (without a signal, without closing its socket). */
static void
handshake_free (gpointer data)
{
  Handshake *handshake = data;
  QsslServer *self = handshake->server;

  _qssl_timer_free (handshake->timer);
  g_clear_pointer (&handshake->early_watch, _qssl_watch_free);
  g_clear_pointer (&handshake->early_bytes, g_byte_array_unref);
  g_clear_pointer (&handshake->hosts, _qssl_host_table_unref);
  g_clear_pointer (&handshake->configuration, qssl_configuration_free);
  g_clear_object (&handshake->gsocket);
  g_queue_unlink (&self->handshake_order, &handshake->link);
  if (handshake->socket != NULL)
    g_hash_table_remove (self->handshaking, handshake->socket);
  if (handshake->address != NULL)
    {
      guint count = GPOINTER_TO_UINT (g_hash_table_lookup (self->per_address, handshake->address));

      if (count <= 1)
        g_hash_table_remove (self->per_address, handshake->address);
      else
        g_hash_table_insert (self->per_address, g_strdup (handshake->address), GUINT_TO_POINTER (count - 1));
      g_free (handshake->address);
    }
  g_clear_object (&handshake->socket);
  g_free (handshake);
}

/* The server no longer hears @socket: neither as its observer nor through
 * the signals it forwards. */
static void
release_socket (QsslServer *self,
                QsslSocket *socket)
{
  _qssl_socket_set_observer (socket, NULL, NULL);
  g_signal_handlers_disconnect_by_data (socket, self);
}

/* Stops caring about @socket's handshake; the server's reference goes. */
static void
forget_handshake (QsslServer *self,
                  QsslSocket *socket)
{
  Handshake *handshake = g_hash_table_lookup (self->handshaking, socket);

  release_socket (self, socket);
  if (handshake != NULL)
    handshake_free (handshake);
}

static void
on_encrypted (QsslSocket *socket,
              gpointer    data)
{
  QsslServer *self = data;

  g_object_ref (socket);
  /* From now on the socket is the application's (Qt's QSslServer drops
   * its connections too): a later error or alert is not the server's. */
  forget_handshake (self, socket);
  if (self->idle_timeout > 0)
    qssl_socket_set_idle_timeout (socket, self->idle_timeout);
  _qssl_server_hand_over (self, socket);
}

static void
on_psk (QsslSocket                    *socket,
        QsslPreSharedKeyAuthenticator *authenticator,
        QsslServer                    *self)
{
  g_signal_emit (self, _qssl_server_signals[SIGNAL_PRE_SHARED_KEY_AUTHENTICATION_REQUIRED], 0, socket, authenticator);
}

static void
on_alert_sent (QsslSocket     *socket,
               QsslAlertLevel  level,
               QsslAlertType   type,
               const char     *description,
               QsslServer     *self)
{
  g_signal_emit (self, _qssl_server_signals[SIGNAL_ALERT_SENT], 0, socket, level, type, description);
}

static void
on_alert_received (QsslSocket     *socket,
                   QsslAlertLevel  level,
                   QsslAlertType   type,
                   const char     *description,
                   QsslServer     *self)
{
  g_signal_emit (self, _qssl_server_signals[SIGNAL_ALERT_RECEIVED], 0, socket, level, type, description);
}

static void
on_interrupted (QsslSocket *socket,
                QsslError  *error,
                QsslServer *self)
{
  g_signal_emit (self, _qssl_server_signals[SIGNAL_HANDSHAKE_INTERRUPTED_ON_ERROR], 0, socket, error);
}

static void
on_ssl_errors (QsslSocket *socket,
               GPtrArray  *errors,
               QsslServer *self)
{
  g_signal_emit (self, _qssl_server_signals[SIGNAL_SSL_ERRORS], 0, socket, errors);
}

static void
on_peer_verify_error (QsslSocket *socket,
                      QsslError  *error,
                      QsslServer *self)
{
  g_signal_emit (self, _qssl_server_signals[SIGNAL_PEER_VERIFY_ERROR], 0, socket, error);
}

static void
release_dropped (gpointer user_data)
{
  g_autoptr(QsslServer) self = g_object_ref (user_data);

  /* A socket's last unref may run code that drops more: they go too. */
  while (self->dropped->len > 0)
    g_object_unref (g_ptr_array_steal_index_fast (self->dropped, self->dropped->len - 1));
}

static void
on_error (QsslSocket      *socket,
          QsslSocketError  error,
          gpointer         data)
{
  QsslServer *self = data;

  g_object_ref (socket);
  g_signal_emit (self, _qssl_server_signals[SIGNAL_ERROR_OCCURRED], 0, socket, error);
  /* A failed handshake: the socket is dropped; the server goes on. */
  forget_handshake (self, socket);
  qssl_socket_abort (socket);
  _qssl_server_update_accepting (self);
  /* Released on the next iteration: we are inside one of the socket's
   * own emissions. */
  g_ptr_array_add (self->dropped, socket);
  _qssl_deferred_queue (self->drop_call);
}

/* The end of a handshake, heard before the socket's own handlers: a
 * handler connected in started-encryption-handshake sees the socket
 * handed over (or dropped) already, as it would after a handler the
 * server connected first. */
static const QsslSocketObserver handshake_observer = {
  .encrypted = on_encrypted,
  .error_occurred = on_error,
};

/* Ends a handshake the server gives up on (its deadline passed, or it
 * makes room for a newcomer): error-occurred, then the connection goes. */
void
_qssl_server_drop_handshake (QsslServer      *self,
                Handshake       *handshake,
                QsslSocketError  error)
{
  QsslSocket *socket;

  /* One still early gets a socket only now, for the signal (without TLS
   * state: it costs nothing it would keep). */
  if (handshake->socket != NULL)
    socket = g_object_ref (handshake->socket);
  else
    socket = qssl_socket_new_from_socket (handshake->gsocket, NULL);
  g_debug ("server %p: dropping handshake of socket %p (%s)", self, socket,
           error == QSSL_SOCKET_ERROR_SOCKET_TIMEOUT ? "deadline" : "room for a newcomer");
  if (handshake->socket != NULL)
    release_socket (self, socket);
  else if (socket == NULL)
    g_socket_close (handshake->gsocket, NULL);
  /* Forgotten first: a handler sees the count without it. */
  handshake_free (handshake);
  if (socket == NULL)
    return;
  g_signal_emit (self, _qssl_server_signals[SIGNAL_ERROR_OCCURRED], 0, socket, error);
  qssl_socket_abort (socket);
  g_object_unref (socket);
}

static void
forward_if_handled (QsslServer *self,
                    QsslSocket *socket,
                    guint       signal,
                    const char *name,
                    GCallback   forward)
{
  if (g_signal_has_handler_pending (self, _qssl_server_signals[signal], 0, TRUE))
    g_signal_connect (socket, name, forward, self);
}

/* The deadline runs from the accept to encrypted and nothing the peer does
 * moves it: a ClientHello dripped a byte at a time gets no more time than
 * silence. */
static void
on_handshake_timeout (gpointer user_data)
{
  Handshake *handshake = user_data;
  QsslServer *self = handshake->server;

  _qssl_server_drop_handshake (self, handshake, QSSL_SOCKET_ERROR_SOCKET_TIMEOUT);
  _qssl_server_update_accepting (self);
}

static char *
peer_address (GSocket *gsocket)
{
  g_autoptr(GSocketAddress) address = g_socket_get_remote_address (gsocket, NULL);

  if (!G_IS_INET_SOCKET_ADDRESS (address))
    return NULL;
  return g_inet_address_to_string (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (address)));
}

/* Whether a new connection gets a handshake. One address over its
 * max-handshakes-per-address is refused (closed at once, before any
 * TLS state exists). At max-handshakes the oldest handshake in flight is
 * dropped instead of the newcomer: a peer that holds a handshake open is
 * what fills the table, and refusing newcomers would let it starve every
 * client; a healthy handshake takes milliseconds, so the oldest is the
 * likeliest to be one that will never finish. @address is where the
 * handshake is to be counted (NULL: not counted). */
static gboolean
admit_connection (QsslServer  *self,
                  GSocket     *gsocket,
                  char       **address)
{
  *address = NULL;
  if (self->max_handshakes_per_address > 0)
    {
      g_autofree char *text = peer_address (gsocket);

      if (text != NULL &&
          GPOINTER_TO_UINT (g_hash_table_lookup (self->per_address, text)) >= (guint) self->max_handshakes_per_address)
        {
          g_debug ("server %p: refusing a connection from %s: %d handshakes from it already", self, text,
                   self->max_handshakes_per_address);
          g_socket_close (gsocket, NULL);
          return FALSE;
        }
      *address = g_steal_pointer (&text);
    }
  while (self->max_handshakes > 0 && g_queue_get_length (&self->handshake_order) >= (guint) self->max_handshakes &&
         self->listening)
    _qssl_server_drop_handshake (self, g_queue_peek_head (&self->handshake_order), QSSL_SOCKET_ERROR_SOCKET_RESOURCE);
  /* A handler of error-occurred may have closed the server. */
  if (!self->listening)
    {
      g_clear_pointer (address, g_free);
      g_socket_close (gsocket, NULL);
      return FALSE;
    }
  return TRUE;
}

/* The socket, its TLS state and its handshake, for a connection whose
 * first record is in (@prefix: the bytes read of it). */
static void
begin_handshake (QsslServer *self,
                 Handshake  *handshake,
                 GByteArray *prefix)
{
  /* Made in the early phase: the socket watches the same fd with it. */
  QsslWatch *early_watch = g_steal_pointer (&handshake->early_watch);
  QsslSocket *socket;

  /* A peer that reset the connection already. */
  if (!g_socket_is_connected (handshake->gsocket))
    {
      _qssl_trace ("server %p: the connection was gone before its handshake", self);
      g_clear_pointer (&early_watch, _qssl_watch_free);
      handshake_free (handshake);
      return;
    }
  socket = _qssl_socket_new_accepted (handshake->gsocket, early_watch);
  /* Nagle off by default (Qt leaves it on): the server's reply after the
   * handshake would otherwise wait behind the unacknowledged session
   * tickets. Before any signal, so a handler can turn it back on. */
  qssl_socket_set_socket_option (socket, QSSL_SOCKET_OPTION_LOW_DELAY, 1);
  handshake->socket = socket;
  g_hash_table_insert (self->handshaking, socket, handshake);
  if (prefix != NULL && prefix->len > 0)
    _qssl_socket_unread (socket, prefix->data, prefix->len);
  g_clear_object (&handshake->gsocket);
  /* The copy shares the server configuration's context cache, so every
   * accepted socket uses one SSL_CTX (one session cache, one set of ticket
   * keys). */
  qssl_socket_set_ssl_configuration (socket, handshake->configuration ? handshake->configuration : self->configuration);
  /* The header comes before the ClientHello; the handshake timeout below
   * covers both. */
  if (self->proxy_protocol)
    _qssl_socket_expect_proxy_header (socket);
  /* The hosts of the accept: a later change applies to later connections. */
  _qssl_socket_set_host_table (socket, handshake->hosts);
  _qssl_socket_set_observer (socket, &handshake_observer, self);
  /* The signals the server only forwards: connected when the server has a
   * handler to forward to (each connection and its removal in
   * on_encrypted() cost more than a whole GObject). A handler connected to
   * the server later hears the sockets accepted after it. */
  forward_if_handled (self, socket, SIGNAL_SSL_ERRORS, "ssl-errors", G_CALLBACK (on_ssl_errors));
  forward_if_handled (self, socket, SIGNAL_PEER_VERIFY_ERROR, "peer-verify-error", G_CALLBACK (on_peer_verify_error));
  /* Forwarded only to a handler of ours: the socket offers PSK suites
   * only when its signal has a handler, and without one nobody can supply
   * a key (a PSK suite without forward secrecy would be offered for
   * nothing). */
  if (g_signal_has_handler_pending (self, _qssl_server_signals[SIGNAL_PRE_SHARED_KEY_AUTHENTICATION_REQUIRED], 0, TRUE))
    g_signal_connect (socket, "pre-shared-key-authentication-required", G_CALLBACK (on_psk), self);
  forward_if_handled (self, socket, SIGNAL_ALERT_SENT, "alert-sent", G_CALLBACK (on_alert_sent));
  forward_if_handled (self, socket, SIGNAL_ALERT_RECEIVED, "alert-received", G_CALLBACK (on_alert_received));
  forward_if_handled (self, socket, SIGNAL_HANDSHAKE_INTERRUPTED_ON_ERROR, "handshake-interrupted-on-error",
                      G_CALLBACK (on_interrupted));

  g_object_ref (socket);
  g_signal_emit (self, _qssl_server_signals[SIGNAL_STARTED_ENCRYPTION_HANDSHAKE], 0, socket);
  /* A handler may have aborted it, or closed the server. */
  if (g_hash_table_lookup (self->handshaking, socket) == handshake)
    qssl_socket_start_server_encryption (socket);
  g_object_unref (socket);
}

/* TLS records: a 5-byte header (type, version, length), then the body.
 * The largest a ClientHello record may be is the largest plaintext
 * fragment. */
#define RECORD_HEADER_LENGTH       5
#define RECORD_TYPE_HANDSHAKE      22
#define RECORD_MAX_PLAINTEXT       16384
/* The first read takes up to this much, which holds a whole ClientHello
 * as browsers and TLS libraries send it (a few hundred bytes; some 1,800
 * with a post-quantum key share): the header and the body in one call. */
#define FIRST_READ_LENGTH          2048

/* How many bytes of the first record are still to come; 0 when it is
 * complete, or when what came is not the start of a TLS handshake (the
 * socket is made at once then, and OpenSSL's error is the client's). */
static gsize
early_missing (GByteArray *bytes)
{
  gsize length;

  if (bytes->len < RECORD_HEADER_LENGTH)
    return bytes->len > 0 && bytes->data[0] != RECORD_TYPE_HANDSHAKE ? 0 : RECORD_HEADER_LENGTH - bytes->len;
  length = ((gsize) bytes->data[3] << 8) | bytes->data[4];
  if (bytes->data[0] != RECORD_TYPE_HANDSHAKE || bytes->data[1] != 3 || length > RECORD_MAX_PLAINTEXT)
    return 0;
  return RECORD_HEADER_LENGTH + length > bytes->len ? RECORD_HEADER_LENGTH + length - bytes->len : 0;
}

/* Until the client's first record is complete, a connection costs its
 * descriptor, its GSocket and a few hundred bytes here: no QsslSocket, no
 * SSL object, no OpenSSL buffers (some 45 KiB together). A peer that
 * connects and stays silent, or drips its hello, holds no more than that
 * until its deadline. The bytes read are handed to the socket's TLS
 * stream. FALSE while the record is still coming. */
static gboolean
early_read (Handshake *handshake)
{
  QsslServer *self = handshake->server;
  GSocket *gsocket = handshake->gsocket;
  g_autoptr(GByteArray) prefix = NULL;
  gsize missing;

  /* Whatever is there first (often the whole record), then what the
   * record's header says is missing. Bytes past the record, if a client
   * sent any, go to the socket with the rest. */
  while ((missing = early_missing (handshake->early_bytes)) > 0)
    {
      g_autoptr(GError) error = NULL;
      gsize old_length = handshake->early_bytes->len;
      gssize n;

      if (old_length == 0)
        {
          guint8 first[FIRST_READ_LENGTH];

          n = g_socket_receive (gsocket, (char *) first, sizeof first, NULL, &error);
          if (n > 0)
            g_byte_array_append (handshake->early_bytes, first, n);
        }
      else
        {
          g_byte_array_set_size (handshake->early_bytes, old_length + missing);
          n = g_socket_receive (gsocket, (char *) handshake->early_bytes->data + old_length, missing, NULL, &error);
          g_byte_array_set_size (handshake->early_bytes, old_length + MAX (n, 0));
        }
      if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        return FALSE;
      /* An end or an error is the socket's to report, as a complete
       * record is its to handle. */
      if (n <= 0)
        break;
    }
  _qssl_trace ("server %p: first record in (%u bytes)", self, handshake->early_bytes->len);
  prefix = g_steal_pointer (&handshake->early_bytes);
  begin_handshake (self, handshake, prefix);
  _qssl_server_update_accepting (self);
  return TRUE;
}

static void
on_early_readable (gpointer     user_data,
                   GIOCondition condition)
{
  early_read (user_data);
}

static void
track_handshake (QsslServer *self,
                 GSocket    *gsocket,
                 char       *address)
{
  Handshake *handshake = g_new0 (Handshake, 1);

  handshake->server = self;
  handshake->gsocket = g_object_ref (gsocket);
  handshake->early_bytes = g_byte_array_new ();
  handshake->link.data = handshake;
  handshake->address = address;
  handshake->hosts = self->hosts ? _qssl_host_table_ref (self->hosts) : NULL;
  if (address != NULL)
    g_hash_table_insert (self->per_address, g_strdup (address),
                         GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (self->per_address, address)) + 1));
  /* From the accept: what the client sends later does not move it. */
  handshake->timer = _qssl_timer_new (self->context, on_handshake_timeout, handshake);
  _qssl_timer_start (handshake->timer, self->handshake_timeout);
  g_queue_push_tail_link (&self->handshake_order, &handshake->link);
  _qssl_trace ("server %p: accepted a connection; %u handshakes in flight", self,
               g_queue_get_length (&self->handshake_order));

  /* Behind a balancer the PROXY header comes first, which the socket
   * reads: no early phase. */
  if (self->proxy_protocol)
    {
      g_clear_pointer (&handshake->early_bytes, g_byte_array_unref);
      begin_handshake (self, handshake, NULL);
      return;
    }
  g_socket_set_blocking (gsocket, FALSE);
  /* The hello is often there already: no watch to register and remove, no
   * main loop iteration lost. */
  if (early_read (handshake))
    return;
  handshake->early_watch = _qssl_watch_new (self->context, on_early_readable, handshake);
  _qssl_watch_set (handshake->early_watch, g_socket_get_fd (gsocket), G_IO_IN);
}

void
_qssl_server_admit (QsslServer *self,
                    GSocket    *gsocket)
{
  char *address = NULL;

  if (admit_connection (self, gsocket, &address))
    track_handshake (self, gsocket, address);
}

gboolean
_qssl_server_incoming (GSocketService    *service,
                      GSocketConnection *connection,
                      GObject           *source_object)
{
  QsslServer *self = QSSL_SERVER (service);

  _qssl_server_admit (self, g_socket_connection_get_socket (connection));
  _qssl_server_update_accepting (self);
  return TRUE;
}

/* Every handshake in flight goes, without a signal (close, dispose). */
void
_qssl_server_abort_handshakes (QsslServer *self)
{
  Handshake *handshake;

  while ((handshake = g_queue_peek_head (&self->handshake_order)) != NULL)
    {
      QsslSocket *socket = handshake->socket ? g_object_ref (handshake->socket) : NULL;

      if (socket == NULL)
        g_socket_close (handshake->gsocket, NULL);
      else
        release_socket (self, socket);
      handshake_free (handshake);
      if (socket != NULL)
        {
          qssl_socket_abort (socket);
          g_object_unref (socket);
        }
    }
}


void
_qssl_server_admission_init (QsslServer *self)
{
  self->handshaking = g_hash_table_new (g_direct_hash, g_direct_equal);
  self->per_address = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->max_handshakes = QSSL_SERVER_DEFAULT_MAX_HANDSHAKES;
  self->dropped = g_ptr_array_new_with_free_func (g_object_unref);
  self->drop_call = _qssl_deferred_new (self->context, release_dropped, self);
}

void
_qssl_server_keep_configuration (QsslServer *self)
{
  /* Connections accepted before keep what they were accepted with (their
   * ClientHello may not be in yet); copied only now, at a reload. */
  for (GList *l = self->handshake_order.head; l != NULL; l = l->next)
    {
      Handshake *handshake = l->data;

      if (handshake->socket == NULL && handshake->configuration == NULL)
        handshake->configuration = qssl_configuration_copy (self->configuration);
    }
}
