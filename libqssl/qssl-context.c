/* qssl-context.c: QsslContext, an SSL_CTX shared by the sockets of one configuration
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "qssl.h"
#include "qssl-certificate-private.h"
#include "qssl-cipher-private.h"
#include "qssl-context-private.h"
#include "qssl-key-private.h"
#include "qssl-private.h"

/* Client sessions kept for resumption, per peer; a bound, not a policy. */
#define MAX_CACHED_SESSIONS 256

struct _QsslContext
{
  gatomicrefcount  ref_count;
  SSL_CTX         *ctx;
  QsslMode         mode;

  /* Server: what a virtual host's context gives an SSL that started in
   * another context, which SSL_set_SSL_CTX() leaves as they were (see
   * _qssl_context_switch_server_ssl()). */
  char            *cipher_list;       /* TLS 1.2 */
  char            *ciphersuites;      /* TLS 1.3 */
  char            *groups;            /* NULL: the configuration left them alone */
  guint8           sid_ctx[32];

  /* Client mode: "name:port" -> SSL_SESSION, for sockets sharing this
   * context (Qt's session sharing). Contexts are shared across threads. */
  GMutex           sessions_lock;
  GHashTable      *sessions;
};

/* Warns once per refused SSLKEYLOGFILE, not once per secret. */
static void
refuse_key_log (const char *path,
                const char *reason)
{
  static GMutex lock;
  static char *warned_path;

  g_mutex_lock (&lock);
  if (g_strcmp0 (warned_path, path) != 0)
    {
      g_free (warned_path);
      warned_path = g_strdup (path);
      g_warning ("SSLKEYLOGFILE %s not used (%s): TLS secrets are not logged", path, reason);
    }
  g_mutex_unlock (&lock);
}

/* SSLKEYLOGFILE: a debugging aid that lets Wireshark decrypt a capture.
 * Whoever controls the file reads the traffic, so it is only ever a regular
 * file of our own, reached without following a symlink at its end (another
 * user's link in /tmp must not redirect secrets) and created 0600. Each
 * line goes out in one append-mode write, so concurrent connections (and
 * processes) never interleave within a line. */
static void
write_key_log_line (const SSL  *ssl,
                    const char *line)
{
  const char *path = g_getenv ("SSLKEYLOGFILE");
  struct stat info;
  struct iovec pieces[2];
  gsize length;
  int fd;

  if (path == NULL || *path == '\0')
    return;
  /* O_NONBLOCK: a FIFO put there must not hang the handshake. */
  fd = open (path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0600);
  if (fd < 0)
    {
      refuse_key_log (path, errno == ELOOP ? "a symbolic link" : g_strerror (errno));
      return;
    }
  if (fstat (fd, &info) != 0 || !S_ISREG (info.st_mode))
    refuse_key_log (path, "not a regular file");
  else if (info.st_uid != geteuid ())
    refuse_key_log (path, "owned by another user");
  else
    {
      /* One writev(), not a copy of the secret with its newline. */
      pieces[0].iov_base = (void *) line;
      pieces[0].iov_len = strlen (line);
      pieces[1].iov_base = (void *) "\n";
      pieces[1].iov_len = 1;
      length = pieces[0].iov_len + 1;
      if (writev (fd, pieces, 2) != (gssize) length)
        g_debug ("could not append to SSLKEYLOGFILE %s", path);
    }
  close (fd);
}

/* Maps a QsslProtocol onto OpenSSL's version range; FALSE for what a TCP
 * socket cannot do (DTLS, unknown). */
static gboolean
protocol_range (QsslProtocol  protocol,
                int          *min_version,
                int          *max_version)
{
  *max_version = 0;
  switch (protocol)
    {
    case QSSL_PROTOCOL_TLS_V1_0:
      *min_version = *max_version = TLS1_VERSION;
      return TRUE;
    case QSSL_PROTOCOL_TLS_V1_1:
      *min_version = *max_version = TLS1_1_VERSION;
      return TRUE;
    case QSSL_PROTOCOL_TLS_V1_2:
      *min_version = *max_version = TLS1_2_VERSION;
      return TRUE;
    case QSSL_PROTOCOL_TLS_V1_3:
      *min_version = *max_version = TLS1_3_VERSION;
      return TRUE;
    case QSSL_PROTOCOL_ANY_PROTOCOL:
    case QSSL_PROTOCOL_TLS_V1_0_OR_LATER:
      *min_version = TLS1_VERSION;
      return TRUE;
    case QSSL_PROTOCOL_TLS_V1_1_OR_LATER:
      *min_version = TLS1_1_VERSION;
      return TRUE;
    case QSSL_PROTOCOL_SECURE_PROTOCOLS:
    case QSSL_PROTOCOL_TLS_V1_2_OR_LATER:
      *min_version = TLS1_2_VERSION;
      return TRUE;
    case QSSL_PROTOCOL_TLS_V1_3_OR_LATER:
      *min_version = TLS1_3_VERSION;
      return TRUE;
    case QSSL_PROTOCOL_DTLS_V1_0:
    case QSSL_PROTOCOL_DTLS_V1_0_OR_LATER:
    case QSSL_PROTOCOL_DTLS_V1_2:
    case QSSL_PROTOCOL_DTLS_V1_2_OR_LATER:
    case QSSL_PROTOCOL_UNKNOWN_PROTOCOL:
    default:
      return FALSE;
    }
}

/* OpenSSL keeps TLS 1.2 and TLS 1.3 suites apart, and a server fails when
 * its highest version has no suite: a list with suites of one version only
 * also chooses that version. */
static void
restrict_range_to_ciphers (const QsslContextSettings *settings,
                           int                       *min_version,
                           int                       *max_version)
{
  gboolean tls13 = FALSE, tls12 = FALSE;

  if (settings->ciphers == NULL || settings->ciphers->len == 0)
    return;
  for (guint i = 0; i < settings->ciphers->len; i++)
    {
      if (qssl_cipher_get_protocol (g_ptr_array_index (settings->ciphers, i)) == QSSL_PROTOCOL_TLS_V1_3)
        tls13 = TRUE;
      else
        tls12 = TRUE;
    }
  if (!tls13 && *min_version <= TLS1_2_VERSION && (*max_version == 0 || *max_version >= TLS1_3_VERSION))
    *max_version = TLS1_2_VERSION;
  if (!tls12 && *min_version < TLS1_3_VERSION && (*max_version == 0 || *max_version >= TLS1_3_VERSION))
    *min_version = TLS1_3_VERSION;
}

/* Sets the suites; *cipher_list and *ciphersuites get the strings used. */
static gboolean
apply_ciphers (SSL_CTX                   *ctx,
               const QsslContextSettings *settings,
               char                     **cipher_list,
               char                     **ciphersuites)
{
  g_autoptr(GString) tls13 = g_string_new (NULL);
  g_autoptr(GString) tls12 = g_string_new (NULL);

  if (settings->ciphers == NULL)
    {
      *cipher_list = g_strdup (QSSL_DEFAULT_TLS12_CIPHERS);
      *ciphersuites = g_strdup (OSSL_default_ciphersuites ());
      return SSL_CTX_set_cipher_list (ctx, QSSL_DEFAULT_TLS12_CIPHERS) == 1;
    }

  for (guint i = 0; i < settings->ciphers->len; i++)
    {
      QsslCipher *cipher = g_ptr_array_index (settings->ciphers, i);
      GString *target = qssl_cipher_get_protocol (cipher) == QSSL_PROTOCOL_TLS_V1_3 ? tls13 : tls12;

      if (target->len > 0)
        g_string_append_c (target, ':');
      g_string_append (target, qssl_cipher_get_name (cipher));
    }
  if (SSL_CTX_set_ciphersuites (ctx, tls13->str) != 1)
    return FALSE;
  /* OpenSSL refuses an empty TLS 1.2 list; "no TLS 1.2 suite" is spelled this way. */
  if (SSL_CTX_set_cipher_list (ctx, tls12->len > 0 ? tls12->str : "-ALL") != 1)
    {
      if (tls12->len > 0)
        return FALSE;
      /* Refused as expected: leave no error for a handshake running now
       * (a virtual host's context is built in its ClientHello). */
      _qssl_clear_openssl_errors ();
    }
  *cipher_list = g_strdup (tls12->len > 0 ? tls12->str : "-ALL");
  *ciphersuites = g_strdup (tls13->str);
  return TRUE;
}

static gboolean
apply_local_certificate (SSL_CTX                   *ctx,
                         const QsslContextSettings *settings)
{
  GPtrArray *chain = settings->local_certificate_chain;

  if (chain->len == 0)
    return TRUE;
  if (SSL_CTX_use_certificate (ctx, _qssl_certificate_get_x509 (g_ptr_array_index (chain, 0))) != 1)
    return FALSE;
  for (guint i = 1; i < chain->len; i++)
    if (SSL_CTX_add1_chain_cert (ctx, _qssl_certificate_get_x509 (g_ptr_array_index (chain, i))) != 1)
      return FALSE;
  if (settings->private_key != NULL)
    {
      if (SSL_CTX_use_PrivateKey (ctx, _qssl_key_get_pkey (settings->private_key)) != 1)
        return FALSE;
      if (SSL_CTX_check_private_key (ctx) != 1)
        return FALSE;
    }
  /* A leaf alone: OpenSSL would complete its chain from the CA store on
   * every handshake (a verification with a signature check, and a file
   * lookup in the system store, per connection). Complete it once here,
   * with the same result; a chain that cannot be completed stays as
   * given, as it would be. Needs the store set first. */
  if (chain->len == 1)
    {
      SSL_CTX_build_cert_chain (ctx, SSL_BUILD_CHAIN_FLAG_IGNORE_ERROR | SSL_BUILD_CHAIN_FLAG_CLEAR_ERROR);
      _qssl_clear_openssl_errors ();
    }
  return TRUE;
}

/* Server-side resumption policy.
 *
 * Resuming skips the verification of the peer, so a session may only be
 * resumed by a peer that a full handshake would accept. Tickets are held
 * back until the peer was accepted where OpenSSL allows it (TLS 1.3: the
 * socket sends them after its checks, see issue_session_tickets() in
 * qssl-engine.c). A TLS 1.2 ticket or session ID goes out inside the
 * handshake, before the application could decide, so each session also
 * records how its peer was authenticated when it was made (in the
 * ticket's application data), and:
 *   - a ticket is decrypted into a session only if that record allows it
 *     under this context's verify mode; otherwise OpenSSL falls back to a
 *     full handshake (SSL_TICKET_RETURN_IGNORE_RENEW), which verifies the
 *     peer and asks the application again;
 *   - a stateful session (TLS 1.2 session ID) that the record does not
 *     allow leaves the server's cache as soon as OpenSSL adds it.
 * A peer whose verification found any problem is never resumed, even if
 * the application ignored it: the next handshake is a full one (clients
 * do the same, see _qssl_engine_handle_received_session()). The engine
 * also rejects a resumed session without a certificate under VERIFY_PEER,
 * whatever produced it. Refusing the resumption rather than failing the handshake
 * keeps legitimate peers connecting. */

/* How the peer of a session was authenticated (one byte of ticket data). */
#define PEER_VERIFIED      'v'  /* a certificate, verified without error */
#define PEER_UNVERIFIED    'u'  /* a certificate with verification errors */
#define PEER_PRE_SHARED    'p'  /* an external pre-shared key */
#define PEER_ANONYMOUS     'a'  /* nothing */

static int verify_mode_index = -1;
static int used_pre_shared_key_index = -1;
static int ticket_keys_index = -1;
static int session_ctx_index = -1;
static gsize ex_data_indexes_set = 0;

static void ticket_keys_free_ex_data (void *parent, void *pointer, CRYPTO_EX_DATA *data, int index,
                                      long argl, void *argp);

static void
init_ex_data_indexes (void)
{
  if (g_once_init_enter (&ex_data_indexes_set))
    {
      verify_mode_index = SSL_CTX_get_ex_new_index (0, NULL, NULL, NULL, NULL);
      used_pre_shared_key_index = SSL_get_ex_new_index (0, NULL, NULL, NULL, NULL);
      ticket_keys_index = SSL_CTX_get_ex_new_index (0, NULL, NULL, NULL, ticket_keys_free_ex_data);
      session_ctx_index = SSL_get_ex_new_index (0, NULL, NULL, NULL, NULL);
      g_once_init_leave (&ex_data_indexes_set, 1);
    }
}

/* The layer above (the engine's PSK callbacks) says so on the SSL; the
 * policy below reads it without knowing the socket. */
void
_qssl_context_set_used_pre_shared_key (SSL      *ssl,
                                       gboolean  used)
{
  init_ex_data_indexes ();
  SSL_set_ex_data (ssl, used_pre_shared_key_index, GINT_TO_POINTER (used ? 1 : 0));
}

gboolean
_qssl_context_get_used_pre_shared_key (const SSL *ssl)
{
  init_ex_data_indexes ();
  return SSL_get_ex_data (ssl, used_pre_shared_key_index) != NULL;
}

/* The context OpenSSL keeps the server's session cache and ticket
 * callbacks in: the one the SSL was made with (its session_ctx), which a
 * virtual host does not change. SSL_get_SSL_CTX() is the host's. */
static SSL_CTX *
session_context (const SSL *ssl)
{
  SSL_CTX *ctx = SSL_get_ex_data (ssl, session_ctx_index);

  return ctx != NULL ? ctx : SSL_get_SSL_CTX (ssl);
}

/* The verify mode the sockets of @ctx apply (AUTO resolved). */
static QsslPeerVerifyMode
context_verify_mode (SSL_CTX *ctx)
{
  return GPOINTER_TO_INT (SSL_CTX_get_ex_data (ctx, verify_mode_index)) - 1;
}

static char
session_peer_class (const SSL_SESSION *session)
{
  void *data = NULL;
  size_t length = 0;

  if (session == NULL ||
      SSL_SESSION_get0_ticket_appdata ((SSL_SESSION *) session, &data, &length) != 1 || length != 1)
    return '\0';
  return *(const char *) data;
}

gboolean
_qssl_context_session_is_pre_shared (const SSL_SESSION *session)
{
  return session_peer_class (session) == PEER_PRE_SHARED;
}

static char
peer_class (SSL *ssl)
{
  if (SSL_get0_peer_certificate (ssl) != NULL)
    return SSL_get_verify_result (ssl) == X509_V_OK ? PEER_VERIFIED : PEER_UNVERIFIED;
  if (_qssl_context_get_used_pre_shared_key (ssl) ||
      (SSL_session_reused (ssl) == 1 && _qssl_context_session_is_pre_shared (SSL_get0_session (ssl))))
    return PEER_PRE_SHARED;
  return PEER_ANONYMOUS;
}

static gboolean
peer_class_may_resume (char               peer,
                       QsslPeerVerifyMode verify)
{
  switch (peer)
    {
    case PEER_VERIFIED:
    case PEER_PRE_SHARED:
      return TRUE;
    case PEER_ANONYMOUS:
      /* QUERY_PEER accepts a peer without a certificate (and reports it
       * again on resumption); VERIFY_PEER does not. */
      return verify != QSSL_PEER_VERIFY_MODE_VERIFY_PEER;
    default:
      return FALSE;
    }
}

static int
generate_ticket_callback (SSL  *ssl,
                          void *data)
{
  char peer = peer_class (ssl);

  return SSL_SESSION_set1_ticket_appdata (SSL_get0_session (ssl), &peer, 1);
}

static SSL_TICKET_RETURN
decrypt_ticket_callback (SSL                 *ssl,
                         SSL_SESSION         *session,
                         const unsigned char *key_name,
                         size_t               key_name_length,
                         SSL_TICKET_STATUS    status,
                         void                *data)
{
  switch (status)
    {
    case SSL_TICKET_SUCCESS:
    case SSL_TICKET_SUCCESS_RENEW:
      if (!peer_class_may_resume (session_peer_class (session), context_verify_mode (SSL_get_SSL_CTX (ssl))))
        return SSL_TICKET_RETURN_IGNORE_RENEW;
      return status == SSL_TICKET_SUCCESS ? SSL_TICKET_RETURN_USE : SSL_TICKET_RETURN_USE_RENEW;
    case SSL_TICKET_EMPTY:
    case SSL_TICKET_NO_DECRYPT:
      return SSL_TICKET_RETURN_IGNORE_RENEW;
    default:
      return SSL_TICKET_RETURN_ABORT;
    }
}

/* OpenSSL has just added @session to the server cache. */
static int
server_session_cached (SSL         *ssl,
                       SSL_SESSION *session)
{
  if (!peer_class_may_resume (peer_class (ssl), context_verify_mode (SSL_get_SSL_CTX (ssl))))
    SSL_CTX_remove_session (session_context (ssl), session);
  return 0; /* no reference kept */
}

/* Session-ticket keys.
 *
 * Every server context encrypts its tickets through ticket_key_callback()
 * with keys kept on the SSL_CTX (freed, wiped, with it): the application's
 * (qssl_configuration_set_session_ticket_keys(), nginx's format, so a fleet
 * can share them) or, without those, a random key of the context's own that
 * rotates. Either way OpenSSL's ticket format and the resumption policy
 * above (the peer class in the ticket's application data) stay as they are:
 * the callback only chooses the key. */

/* The context's own key is replaced after this long; the one before it
 * still decrypts for another period. */
#define OWN_TICKET_KEY_PERIOD_US (G_GINT64_CONSTANT (12) * 60 * 60 * G_USEC_PER_SEC)

#define TICKET_KEY_NAME_LENGTH 16

typedef struct
{
  guint8 name[TICKET_KEY_NAME_LENGTH];
  guint8 hmac_secret[32];
  guint8 aes_key[32];
  gsize  length;                      /* of each secret: 16 (48-byte keys) or 32 */
} TicketKey;

typedef struct
{
  GMutex    lock;                     /* contexts are shared by threads; own keys change */
  gboolean  own;                      /* random and rotating, not the application's */
  gint64    rotated_at;               /* own keys: monotonic time of the current key */
  guint     n_keys;
  guint     n_allocated;
  TicketKey keys[];                   /* the first encrypts */
} TicketKeys;

static gsize
ticket_keys_size (guint n_keys)
{
  return sizeof (TicketKeys) + n_keys * sizeof (TicketKey);
}

static void
ticket_keys_free (TicketKeys *keys)
{
  if (keys == NULL)
    return;
  g_mutex_clear (&keys->lock);
  _qssl_wipe (keys, ticket_keys_size (keys->n_allocated));
  g_free (keys);
}

static void
ticket_keys_free_ex_data (void           *parent,
                          void           *pointer,
                          CRYPTO_EX_DATA *data,
                          int             index,
                          long            argl,
                          void           *argp)
{
  ticket_keys_free (pointer);
}

static TicketKeys *
ticket_keys_new (guint n_keys)
{
  TicketKeys *keys = g_malloc0 (ticket_keys_size (n_keys));

  g_mutex_init (&keys->lock);
  keys->n_allocated = n_keys;
  return keys;
}

/* nginx's layouts: 48 bytes are name, AES-128 key, HMAC secret; 80 bytes
 * are name, HMAC secret, AES-256 key. The configuration checked the length. */
static TicketKeys *
ticket_keys_new_from_bytes (GBytes *bytes)
{
  gsize length;
  const guint8 *data = g_bytes_get_data (bytes, &length);
  gsize size = length % 80 == 0 ? 80 : 48;
  TicketKeys *keys;

  g_return_val_if_fail (length > 0 && length % size == 0, NULL);
  keys = ticket_keys_new (length / size);
  keys->n_keys = length / size;
  for (guint i = 0; i < keys->n_keys; i++, data += size)
    {
      TicketKey *key = &keys->keys[i];

      memcpy (key->name, data, TICKET_KEY_NAME_LENGTH);
      if (size == 80)
        {
          key->length = 32;
          memcpy (key->hmac_secret, data + 16, 32);
          memcpy (key->aes_key, data + 48, 32);
        }
      else
        {
          key->length = 16;
          memcpy (key->aes_key, data + 16, 16);
          memcpy (key->hmac_secret, data + 32, 16);
        }
    }
  return keys;
}

static gboolean
random_ticket_key (TicketKey *key)
{
  key->length = 32;
  return RAND_bytes (key->name, sizeof key->name) == 1 &&
         RAND_priv_bytes (key->hmac_secret, sizeof key->hmac_secret) == 1 &&
         RAND_priv_bytes (key->aes_key, sizeof key->aes_key) == 1;
}

static TicketKeys *
own_ticket_keys_new (void)
{
  TicketKeys *keys = ticket_keys_new (2);

  keys->own = TRUE;
  keys->n_keys = 1;
  keys->rotated_at = g_get_monotonic_time ();
  if (!random_ticket_key (&keys->keys[0]))
    {
      ticket_keys_free (keys);
      return NULL;
    }
  return keys;
}

/* Own keys: a new current key once a period is over; the old one stays for
 * decryption during the next period only. Called with the lock held. */
static gboolean
rotate_own_ticket_key (TicketKeys *keys)
{
  gint64 now = g_get_monotonic_time ();
  gint64 age = now - keys->rotated_at;
  TicketKey fresh;
  gboolean ok;

  if (!keys->own || age < OWN_TICKET_KEY_PERIOD_US)
    return TRUE;
  ok = random_ticket_key (&fresh);
  if (ok)
    {
      if (age < 2 * OWN_TICKET_KEY_PERIOD_US)
        {
          keys->keys[1] = keys->keys[0];
          keys->n_keys = 2;
        }
      else
        keys->n_keys = 1;
      keys->keys[0] = fresh;
      keys->rotated_at = now;
    }
  _qssl_wipe (&fresh, sizeof fresh);
  return ok;
}

/* OpenSSL's ticket key callback: 1 to use the key set up, 2 (decryption)
 * to use it and issue a new ticket under the first key, 0 (decryption)
 * for a key we do not have (a full handshake), -1 to fail. */
static int
ticket_key_callback (SSL            *ssl,
                     unsigned char  *key_name,
                     unsigned char  *iv,
                     EVP_CIPHER_CTX *cipher_ctx,
                     EVP_MAC_CTX    *mac_ctx,
                     int             encrypt)
{
  /* The server's own configuration's keys, for its virtual hosts too (as
   * nginx does): one set of keys to share across a fleet. The session ID
   * context keeps the hosts' sessions apart. */
  TicketKeys *keys = SSL_CTX_get_ex_data (session_context (ssl), ticket_keys_index);
  TicketKey key;
  gboolean found = FALSE, first = FALSE, ok;
  const EVP_CIPHER *cipher;
  OSSL_PARAM params[2];
  int result = -1;

  if (keys == NULL)
    return encrypt ? -1 : 0;
  g_mutex_lock (&keys->lock);
  ok = rotate_own_ticket_key (keys);
  for (guint i = 0; ok && i < keys->n_keys && !found; i++)
    {
      if (encrypt || CRYPTO_memcmp (key_name, keys->keys[i].name, TICKET_KEY_NAME_LENGTH) == 0)
        {
          key = keys->keys[i];
          found = TRUE;
          first = i == 0;
        }
    }
  g_mutex_unlock (&keys->lock);
  if (!ok)
    return -1;
  if (!found)
    return 0;

  cipher = key.length == 32 ? EVP_aes_256_cbc () : EVP_aes_128_cbc ();
  params[0] = OSSL_PARAM_construct_utf8_string (OSSL_MAC_PARAM_DIGEST, (char *) "SHA256", 0);
  params[1] = OSSL_PARAM_construct_end ();
  if (encrypt)
    {
      memcpy (key_name, key.name, TICKET_KEY_NAME_LENGTH);
      if (RAND_bytes (iv, EVP_CIPHER_get_iv_length (cipher)) == 1 &&
          EVP_EncryptInit_ex (cipher_ctx, cipher, NULL, key.aes_key, iv) == 1 &&
          EVP_MAC_init (mac_ctx, key.hmac_secret, key.length, params) == 1)
        result = 1;
    }
  else if (EVP_MAC_init (mac_ctx, key.hmac_secret, key.length, params) == 1 &&
           EVP_DecryptInit_ex (cipher_ctx, cipher, NULL, key.aes_key, iv) == 1)
    /* TLS 1.3 replaces a ticket at each resumption (OpenSSL's own keys do
     * too: one new ticket); TLS 1.2 only when an older key decrypted it. */
    result = first && SSL_version (ssl) != TLS1_3_VERSION ? 1 : 2;
  _qssl_wipe (&key, sizeof key);
  return result;
}

/* Installs @settings' ticket keys, or an own rotating key, on a server @ctx. */
static gboolean
set_ticket_keys (SSL_CTX                   *ctx,
                 const QsslContextSettings *settings)
{
  TicketKeys *keys = settings->session_ticket_keys != NULL
                       ? ticket_keys_new_from_bytes (settings->session_ticket_keys)
                       : own_ticket_keys_new ();

  if (keys == NULL)
    return FALSE;
  if (SSL_CTX_set_ex_data (ctx, ticket_keys_index, keys) != 1)
    {
      ticket_keys_free (keys);
      return FALSE;
    }
  return SSL_CTX_set_tlsext_ticket_key_evp_cb (ctx, ticket_key_callback) == 1;
}

/* The session ID context names everything that decides who may resume:
 * a session made under other rules is never resumed under these. */
static gboolean
set_session_id_context (SSL_CTX                   *ctx,
                        const QsslContextSettings *settings,
                        QsslPeerVerifyMode         verify,
                        guint8                     digest[32])
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  gsize length = 32;
  gint32 numbers[4] = {
    verify, settings->missing_certificate_is_fatal, settings->allow_system_ca_certificates,
    settings->peer_verify_depth,
  };

  g_checksum_update (checksum, (const guchar *) "libqssl session v2", strlen ("libqssl session v2") + 1);
  g_checksum_update (checksum, (const guchar *) numbers, sizeof numbers);
  for (guint i = 0; i < settings->ca_certificates->len; i++)
    {
      X509 *x509 = _qssl_certificate_get_x509 (g_ptr_array_index (settings->ca_certificates, i));
      unsigned char md[EVP_MAX_MD_SIZE];
      unsigned int md_length = 0;

      X509_digest (x509, EVP_sha256 (), md, &md_length);
      g_checksum_update (checksum, md, md_length);
    }
  if (settings->pre_shared_key_identity_hint != NULL)
    {
      gsize hint_length;
      const guint8 *hint = g_bytes_get_data (settings->pre_shared_key_identity_hint, &hint_length);
      guint64 prefix = hint_length;

      g_checksum_update (checksum, (const guchar *) &prefix, sizeof prefix);
      g_checksum_update (checksum, hint, hint_length);
    }
  g_checksum_get_digest (checksum, digest, &length);
  G_STATIC_ASSERT (32 <= SSL_MAX_SID_CTX_LENGTH);
  return SSL_CTX_set_session_id_context (ctx, digest, length) == 1;
}

/* The DTLS counterpart of protocol_range(). */
static gboolean
dtls_protocol_range (QsslProtocol  protocol,
                     int          *min_version,
                     int          *max_version)
{
  *max_version = 0;
  switch (protocol)
    {
    case QSSL_PROTOCOL_DTLS_V1_0:
      *min_version = *max_version = DTLS1_VERSION;
      return TRUE;
    case QSSL_PROTOCOL_DTLS_V1_0_OR_LATER:
      *min_version = DTLS1_VERSION;
      return TRUE;
    case QSSL_PROTOCOL_DTLS_V1_2:
      *min_version = *max_version = DTLS1_2_VERSION;
      return TRUE;
    case QSSL_PROTOCOL_DTLS_V1_2_OR_LATER:
      *min_version = DTLS1_2_VERSION;
      return TRUE;
    default:
      return FALSE;
    }
}

static QsslContext *
context_new (const QsslContextSettings *settings,
             QsslMode                   mode,
             gboolean                   datagram,
             GError                   **error)
{
  QsslContext *self;
  SSL_CTX *ctx;
  int min_version, max_version;
  uint64_t options;
  g_autofree char *cipher_list = NULL;
  g_autofree char *ciphersuites = NULL;
  guint8 sid_ctx[32] = { 0 };

  _qssl_init ();
  init_ex_data_indexes ();

  if (!(datagram ? dtls_protocol_range : protocol_range) (settings->protocol, &min_version, &max_version))
    {
      g_set_error_literal (error, QSSL_SOCKET_ERROR, QSSL_SOCKET_ERROR_SSL_INVALID_USER_DATA,
                           _("Attempted to use an unsupported protocol."));
      return NULL;
    }

  if (datagram)
    ctx = SSL_CTX_new (mode == QSSL_MODE_SSL_SERVER ? DTLS_server_method () : DTLS_client_method ());
  else
    ctx = SSL_CTX_new (mode == QSSL_MODE_SSL_SERVER ? TLS_server_method () : TLS_client_method ());
  if (ctx == NULL)
    {
      /* Only an allocation fails here. */
      _qssl_set_error_from_openssl (error, QSSL_SOCKET_ERROR, QSSL_SOCKET_ERROR_SOCKET_RESOURCE,
                                    _("Could not create the TLS context"));
      return NULL;
    }

  /* Secure defaults: no renegotiation, no compression. */
  options = SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION;
  if (mode == QSSL_MODE_SSL_SERVER &&
      !(settings->ssl_options & QSSL_SSL_OPTIONS_DISABLE_SERVER_CIPHER_PREFERENCE))
    options |= SSL_OP_CIPHER_SERVER_PREFERENCE;
  /* No ticket of any kind: SSL_OP_NO_TICKET alone still lets a TLS 1.3
   * server send stateful tickets. TLS 1.2 session IDs remain (they are not
   * tickets; Qt and OpenSSL keep them too). */
  if (settings->ssl_options & QSSL_SSL_OPTIONS_DISABLE_SESSION_TICKETS)
    {
      options |= SSL_OP_NO_TICKET;
      SSL_CTX_set_num_tickets (ctx, 0);
    }
  SSL_CTX_set_options (ctx, options);
  if (mode == QSSL_MODE_SSL_CLIENT)
    {
      /* Sessions are handed to the socket (new_session callback), which
       * decides whether to keep them; OpenSSL's own client cache is unused. */
      SSL_CTX_set_session_cache_mode (ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
    }
  {
    const char *key_log = g_getenv ("SSLKEYLOGFILE");

    if (key_log != NULL && *key_log != '\0')
      SSL_CTX_set_keylog_callback (ctx, write_key_log_line);
  }
  /* The callbacks of the layer above (the TLS engine: sessions, ALPN,
   * OCSP), given down to keep this module below it. */
  if (settings->setup != NULL)
    settings->setup (ctx, mode);
  /* RELEASE_BUFFERS: an idle connection does not keep OpenSSL's 16 KiB+
   * record buffers (Qt sets it too). */
  SSL_CTX_set_mode (ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                         SSL_MODE_RELEASE_BUFFERS);
  /* Read whole bursts of records per recv() instead of a header and then a
   * body per record: half the system calls on a busy connection. */
  SSL_CTX_set_read_ahead (ctx, 1);

  if (!datagram) /* DTLS has no 1.3 here, and its version numbers count down */
    restrict_range_to_ciphers (settings, &min_version, &max_version);
  if (!SSL_CTX_set_min_proto_version (ctx, min_version) ||
      !SSL_CTX_set_max_proto_version (ctx, max_version) ||
      !apply_ciphers (ctx, settings, &cipher_list, &ciphersuites))
    goto invalid;
  if (settings->elliptic_curves != NULL)
    {
      g_autofree char *groups = g_strjoinv (":", settings->elliptic_curves);

      if (SSL_CTX_set1_groups_list (ctx, groups) != 1)
        goto invalid;
    }

  /* A server that asks for client certificates refuses to resume a
   * session without an ID context (an internal_error alert). */
  if (mode == QSSL_MODE_SSL_SERVER)
    {
      QsslPeerVerifyMode verify = settings->peer_verify_mode;

      if (verify == QSSL_PEER_VERIFY_MODE_AUTO_VERIFY_PEER)
        verify = QSSL_PEER_VERIFY_MODE_QUERY_PEER;
      if (!set_session_id_context (ctx, settings, verify, sid_ctx))
        goto invalid;
      SSL_CTX_set_ex_data (ctx, verify_mode_index, GINT_TO_POINTER (verify + 1));
      SSL_CTX_set_session_ticket_cb (ctx, generate_ticket_callback, decrypt_ticket_callback, NULL);
      SSL_CTX_sess_set_new_cb (ctx, server_session_cached);
      /* Stateful sessions only (TLS 1.2 session IDs; TLS 1.3 ones with
       * tickets off send none): stateless tickets are not kept. OpenSSL's
       * 0 is "no limit"; ours is "no cache", since a cache without a bound
       * lets clients grow the server. The oldest session goes first. */
      if (settings->session_cache_size > 0)
        SSL_CTX_sess_set_cache_size (ctx, settings->session_cache_size);
      else
        SSL_CTX_set_session_cache_mode (ctx, SSL_SESS_CACHE_OFF);
      if (!set_ticket_keys (ctx, settings))
        goto invalid;
    }

  SSL_CTX_set1_cert_store (ctx, settings->ca_store);
  if (settings->peer_verify_depth > 0)
    SSL_CTX_set_verify_depth (ctx, settings->peer_verify_depth);

  if (!apply_local_certificate (ctx, settings))
    goto invalid;

  self = g_new0 (QsslContext, 1);
  g_atomic_ref_count_init (&self->ref_count);
  self->ctx = ctx;
  self->mode = mode;
  self->cipher_list = g_steal_pointer (&cipher_list);
  self->ciphersuites = g_steal_pointer (&ciphersuites);
  self->groups = settings->elliptic_curves != NULL ? g_strjoinv (":", settings->elliptic_curves) : NULL;
  memcpy (self->sid_ctx, sid_ctx, sizeof sid_ctx);
  g_mutex_init (&self->sessions_lock);
  self->sessions = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) SSL_SESSION_free);
  return self;

invalid:
  _qssl_set_error_from_openssl (error, QSSL_SOCKET_ERROR, QSSL_SOCKET_ERROR_SSL_INVALID_USER_DATA,
                                _("The TLS configuration is not usable"));
  SSL_CTX_free (ctx);
  return NULL;
}

QsslContext *
_qssl_context_new (const QsslContextSettings *settings,
                   QsslMode                   mode,
                   GError                   **error)
{
  return context_new (settings, mode, FALSE, error);
}

QsslContext *
_qssl_context_new_dtls (const QsslContextSettings *settings,
                        QsslMode                   mode,
                        GError                   **error)
{
  return context_new (settings, mode, TRUE, error);
}

QsslContext *
_qssl_context_ref (QsslContext *self)
{
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
_qssl_context_unref (QsslContext *self)
{
  if (g_atomic_ref_count_dec (&self->ref_count))
    {
      SSL_CTX_free (self->ctx);
      g_free (self->cipher_list);
      g_free (self->ciphersuites);
      g_free (self->groups);
      g_hash_table_unref (self->sessions);
      g_mutex_clear (&self->sessions_lock);
      g_free (self);
    }
}

SSL_CTX *
_qssl_context_get_ctx (QsslContext *self)
{
  return self->ctx;
}

/* Virtual hosts. OpenSSL's SSL_set_SSL_CTX() only swaps the certificate,
 * key and chain (and, with the context, the CA store, the ALPN, OCSP and
 * ClientHello callbacks); what SSL_new() copied from the first context is
 * copied again here. Called from the ClientHello callback, before OpenSSL
 * chooses the version, the suites and the key share, so all of these
 * follow the host. The session cache and the ticket keys stay the first
 * context's (OpenSSL's session_ctx), and so does the group list when the
 * host's configuration does not set one. */
gboolean
_qssl_context_switch_server_ssl (QsslContext *self,
                                 SSL         *ssl,
                                 const char  *host)
{
  SSL_CTX *ctx = self->ctx;
  g_autoptr(GChecksum) checksum = NULL;
  guint8 sid_ctx[32];
  gsize length = sizeof sid_ctx;
  uint64_t options;

  g_return_val_if_fail (self->mode == QSSL_MODE_SSL_SERVER, FALSE);

  init_ex_data_indexes ();
  if (SSL_get_ex_data (ssl, session_ctx_index) == NULL)
    SSL_set_ex_data (ssl, session_ctx_index, SSL_get_SSL_CTX (ssl));
  if (SSL_set_SSL_CTX (ssl, ctx) == NULL)
    return FALSE;
  options = SSL_CTX_get_options (ctx);
  SSL_clear_options (ssl, SSL_get_options (ssl) & ~options);
  SSL_set_options (ssl, options);
  SSL_set_verify_depth (ssl, SSL_CTX_get_verify_depth (ctx));
  if (!SSL_set_min_proto_version (ssl, SSL_CTX_get_min_proto_version (ctx)) ||
      !SSL_set_max_proto_version (ssl, SSL_CTX_get_max_proto_version (ctx)) ||
      !SSL_set_ciphersuites (ssl, self->ciphersuites) ||
      /* "-ALL" (no TLS 1.2 suite) is refused, as in apply_ciphers(); the
       * range is TLS 1.3 then. An error left queued would turn the next
       * SSL_get_error() into a failure. */
      (strcmp (self->cipher_list, "-ALL") != 0 && SSL_set_cipher_list (ssl, self->cipher_list) != 1) ||
      (self->groups != NULL && SSL_set1_groups_list (ssl, self->groups) != 1))
    return FALSE;
  /* A session ID context of the host's own: a session made for one host
   * never resumes on another, even when both have equal settings (and so
   * one context). */
  checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_checksum_update (checksum, (const guchar *) "libqssl virtual host", strlen ("libqssl virtual host") + 1);
  g_checksum_update (checksum, self->sid_ctx, sizeof self->sid_ctx);
  g_checksum_update (checksum, (const guchar *) host, strlen (host) + 1);
  g_checksum_get_digest (checksum, sid_ctx, &length);
  return SSL_set_session_id_context (ssl, sid_ctx, length) == 1;
}

/* Transfer full; NULL when nothing is kept for @peer. */
SSL_SESSION *
_qssl_context_lookup_session (QsslContext *self,
                              const char  *peer)
{
  SSL_SESSION *session;

  g_mutex_lock (&self->sessions_lock);
  session = g_hash_table_lookup (self->sessions, peer);
  if (session != NULL)
    SSL_SESSION_up_ref (session);
  g_mutex_unlock (&self->sessions_lock);
  return session;
}

/* Keeps a reference to @session for @peer; NULL forgets @peer's. */
void
_qssl_context_store_session (QsslContext *self,
                             const char  *peer,
                             SSL_SESSION *session)
{
  g_mutex_lock (&self->sessions_lock);
  if (session == NULL)
    g_hash_table_remove (self->sessions, peer);
  else
    {
      if (g_hash_table_size (self->sessions) >= MAX_CACHED_SESSIONS &&
          !g_hash_table_contains (self->sessions, peer))
        g_hash_table_remove_all (self->sessions);
      SSL_SESSION_up_ref (session);
      g_hash_table_replace (self->sessions, g_strdup (peer), session);
    }
  g_mutex_unlock (&self->sessions_lock);
}
