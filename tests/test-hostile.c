/* test-hostile.c: QsslSocket and QsslServer against peers that break the rules
 *
 * Each fake peer runs in its own thread with blocking I/O bounded by socket
 * timeouts: raw bytes where the peer must not speak TLS properly, OpenSSL
 * (with SECLEVEL=0 where needed) where it must. The libqssl side runs on the
 * default main context, iterated with a deadline, never slept on.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "qssl-test-utils.h"

/* Bounds every blocking call of a fake peer, so none can hang the test. */
#define PEER_IO_TIMEOUT_S 60
/* How long the libqssl side may take to reach the expected outcome. */
#define WAIT_MS 60000
/* TLS 1.2's largest legal ciphertext record is 2^14 + 2048 bytes. */
#define OVERSIZE_RECORD_LENGTH (16384 + 2048 + 1)
#define LONG_CHAIN_LENGTH 100
#define HUGE_EXTENSION_SIZE (1024 * 1024)

typedef enum {
  ACT_GARBAGE,          /* random bytes instead of a hello */
  ACT_HTTP,             /* an HTTP response (or request) */
  ACT_TRUNCATED_HELLO,  /* the first bytes of a real hello, then FIN */
  ACT_OVERSIZE_RECORD,  /* a handshake record longer than TLS allows */
  ACT_STALL,            /* the first bytes of a real hello, then nothing */
  ACT_LONG_CHAIN,       /* a valid chain of 100 certificates, then echo a line */
  ACT_HUGE_CERT,        /* a 1 MiB certificate */
  ACT_RENEGOTIATE,      /* TLS 1.2, then start a renegotiation */
  ACT_TLS1_0_ONLY,      /* accept nothing but TLS 1.0 */
  ACT_WEAK_CIPHERS,     /* offer only NULL, RC4 and export suites */
  ACT_CUT_MID_RECORD,   /* one whole record, half of the next, FIN without close_notify */
} Act;

static const char *act_names[] = {
  "garbage", "http", "truncated-hello", "oversize-record", "stall", "long-chain", "huge-cert",
  "renegotiate", "tls1.0-only", "weak-ciphers", "cut-mid-record",
};

/* Certificates made at test time with the OpenSSL API. */
typedef struct {
  X509           *root;
  EVP_PKEY       *leaf_key;
  X509           *leaf;
  STACK_OF (X509) *chain;   /* leaf's issuer up to and including the root */
  EVP_PKEY       *huge_key;
  X509           *huge;     /* self-signed, with a 1 MiB extension */
} Generated;

static Generated generated;

typedef struct {
  Act          act;
  gboolean     is_server;     /* the peer listens and libqssl connects */
  int          listen_fd;
  guint16      port;
  int          stop_pipe[2];  /* written by the test to release a peer that holds on */
  GThread     *thread;
  /* Results, read after the thread is joined. */
  gboolean     handshake_done;
  int          ssl_reason;    /* the OpenSSL reason of the peer's last failure */
  GByteArray  *received;      /* plaintext the peer read */
} Peer;

/* Certificates */

static void
add_extension (X509       *certificate,
               X509V3_CTX *ctx,
               int         nid,
               const char *value)
{
  X509_EXTENSION *extension = X509V3_EXT_conf_nid (NULL, ctx, nid, value);

  g_assert_nonnull (extension);
  g_assert_cmpint (X509_add_ext (certificate, extension, -1), ==, 1);
  X509_EXTENSION_free (extension);
}

static X509 *
new_certificate (const char *common_name,
                 EVP_PKEY   *key,
                 X509       *issuer,
                 EVP_PKEY   *issuer_key,
                 gboolean    is_ca,
                 gsize       padding)
{
  static long serial = 1;
  X509 *certificate = X509_new ();
  X509_NAME *name = X509_NAME_new ();
  X509V3_CTX ctx;

  X509_set_version (certificate, X509_VERSION_3);
  ASN1_INTEGER_set (X509_get_serialNumber (certificate), serial++);
  X509_NAME_add_entry_by_txt (name, "CN", MBSTRING_ASC, (const unsigned char *) common_name, -1, -1, 0);
  X509_set_subject_name (certificate, name);
  X509_set_issuer_name (certificate, issuer != NULL ? X509_get_subject_name (issuer) : name);
  X509_NAME_free (name);
  X509_gmtime_adj (X509_getm_notBefore (certificate), -86400);
  X509_gmtime_adj (X509_getm_notAfter (certificate), 30 * 86400);
  X509_set_pubkey (certificate, key);
  X509V3_set_ctx (&ctx, issuer != NULL ? issuer : certificate, certificate, NULL, NULL, 0);
  if (is_ca)
    {
      add_extension (certificate, &ctx, NID_basic_constraints, "critical,CA:TRUE");
      add_extension (certificate, &ctx, NID_key_usage, "critical,keyCertSign,cRLSign");
    }
  else
    {
      add_extension (certificate, &ctx, NID_basic_constraints, "critical,CA:FALSE");
      add_extension (certificate, &ctx, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1");
      add_extension (certificate, &ctx, NID_ext_key_usage, "serverAuth,clientAuth");
    }
  if (padding > 0)
    {
      /* A private, non-critical extension nobody understands, 1 MiB long. */
      ASN1_OBJECT *oid = OBJ_txt2obj ("1.3.6.1.4.1.99999.1", 1);
      ASN1_OCTET_STRING *value = ASN1_OCTET_STRING_new ();
      g_autofree guint8 *bytes = g_malloc (padding);
      X509_EXTENSION *extension;

      memset (bytes, 'x', padding);
      ASN1_OCTET_STRING_set (value, bytes, padding);
      extension = X509_EXTENSION_create_by_OBJ (NULL, oid, 0, value);
      g_assert_nonnull (extension);
      X509_add_ext (certificate, extension, -1);
      X509_EXTENSION_free (extension);
      ASN1_OCTET_STRING_free (value);
      ASN1_OBJECT_free (oid);
    }
  g_assert_cmpint (X509_sign (certificate, issuer_key != NULL ? issuer_key : key, EVP_sha256 ()), >, 0);
  return certificate;
}

/* A root, 98 intermediates and a localhost leaf: 100 certificates. */
static void
generate_certificates (void)
{
  EVP_PKEY *issuer_key = EVP_EC_gen ("P-256");
  X509 *issuer;

  generated.chain = sk_X509_new_null ();
  generated.root = new_certificate ("hostile root", issuer_key, NULL, NULL, TRUE, 0);
  issuer = generated.root;
  sk_X509_push (generated.chain, generated.root);
  for (int i = 0; i < LONG_CHAIN_LENGTH - 2; i++)
    {
      g_autofree char *name = g_strdup_printf ("hostile intermediate %d", i);
      EVP_PKEY *key = EVP_EC_gen ("P-256");
      X509 *certificate = new_certificate (name, key, issuer, issuer_key, TRUE, 0);

      /* Leaf first: each new intermediate goes before its issuer. */
      sk_X509_unshift (generated.chain, certificate);
      EVP_PKEY_free (issuer_key);
      issuer_key = key;
      issuer = certificate;
    }
  generated.leaf_key = EVP_EC_gen ("P-256");
  generated.leaf = new_certificate ("localhost", generated.leaf_key, issuer, issuer_key, FALSE, 0);
  EVP_PKEY_free (issuer_key);

  generated.huge_key = EVP_EC_gen ("P-256");
  generated.huge = new_certificate ("localhost", generated.huge_key, NULL, NULL, FALSE, HUGE_EXTENSION_SIZE);
  g_assert_cmpint (i2d_X509 (generated.huge, NULL), >, HUGE_EXTENSION_SIZE);
}

static void
free_certificates (void)
{
  sk_X509_pop_free (generated.chain, X509_free);
  X509_free (generated.leaf);
  EVP_PKEY_free (generated.leaf_key);
  X509_free (generated.huge);
  EVP_PKEY_free (generated.huge_key);
}

static QsslCertificate *
to_qssl_certificate (X509 *x509)
{
  BIO *bio = BIO_new (BIO_s_mem ());
  g_autoptr(GBytes) pem = NULL;
  g_autoptr(GError) error = NULL;
  QsslCertificate *certificate;
  char *data;
  long length;

  PEM_write_bio_X509 (bio, x509);
  length = BIO_get_mem_data (bio, &data);
  pem = g_bytes_new (data, length);
  BIO_free (bio);
  certificate = qssl_certificate_new_from_data (pem, QSSL_ENCODING_FORMAT_PEM, &error);
  g_assert_no_error (error);
  return certificate;
}

/* Raw I/O of the fake peers */

static void
send_all (int         fd,
          const void *data,
          gsize       size)
{
  const guint8 *bytes = data;

  /* The other side may have closed already: that is its right. */
  while (size > 0)
    {
      ssize_t n = send (fd, bytes, size, MSG_NOSIGNAL);

      if (n <= 0)
        return;
      bytes += n;
      size -= n;
    }
}

static gboolean
recv_exactly (int     fd,
              guint8 *buffer,
              gsize   size)
{
  while (size > 0)
    {
      ssize_t n = recv (fd, buffer, size, 0);

      if (n <= 0)
        return FALSE;
      buffer += n;
      size -= n;
    }
  return TRUE;
}

/* One TLS record (header and body), or NULL. */
static GByteArray *
recv_record (int fd)
{
  GByteArray *record = g_byte_array_sized_new (5);
  guint length;

  g_byte_array_set_size (record, 5);
  if (!recv_exactly (fd, record->data, 5))
    goto fail;
  length = (record->data[3] << 8) | record->data[4];
  g_byte_array_set_size (record, 5 + length);
  if (!recv_exactly (fd, record->data + 5, length))
    goto fail;
  return record;

fail:
  g_byte_array_unref (record);
  return NULL;
}

/* Waits until the test says stop or the other side goes away. */
static void
hold (Peer *peer,
      int   fd)
{
  for (;;)
    {
      struct pollfd fds[2] = { { peer->stop_pipe[0], POLLIN, 0 }, { fd, POLLIN, 0 } };
      guint8 sink[4096];

      if (poll (fds, 2, PEER_IO_TIMEOUT_S * 1000) <= 0 || fds[0].revents != 0)
        return;
      if (recv (fd, sink, sizeof sink, 0) <= 0)
        return;
    }
}

static void
fin_and_hold (Peer *peer,
              int   fd)
{
  shutdown (fd, SHUT_WR);
  hold (peer, fd);
}

/* The bytes OpenSSL would send first in this role: the ClientHello, or
 * the server's first flight in answer to @client_hello. */
static GByteArray *
first_flight (GByteArray *client_hello)
{
  SSL_CTX *ctx;
  SSL *ssl;
  BIO *in = BIO_new (BIO_s_mem ());
  BIO *out = BIO_new (BIO_s_mem ());
  GByteArray *flight = g_byte_array_new ();
  guint8 buffer[4096];
  int n;

  if (client_hello == NULL)
    ctx = SSL_CTX_new (TLS_client_method ());
  else
    {
      g_autofree char *chain = qssl_test_pki_path ("server-ec-chain.pem");
      g_autofree char *key = qssl_test_pki_path ("server-ec.key");

      ctx = SSL_CTX_new (TLS_server_method ());
      g_assert_cmpint (SSL_CTX_use_certificate_chain_file (ctx, chain), ==, 1);
      g_assert_cmpint (SSL_CTX_use_PrivateKey_file (ctx, key, SSL_FILETYPE_PEM), ==, 1);
      BIO_write (in, client_hello->data, client_hello->len);
    }
  ssl = SSL_new (ctx);
  SSL_set_bio (ssl, in, out);
  if (client_hello == NULL)
    SSL_set_connect_state (ssl);
  else
    SSL_set_accept_state (ssl);
  g_assert_cmpint (SSL_do_handshake (ssl), <, 1);
  while ((n = BIO_read (out, buffer, sizeof buffer)) > 0)
    g_byte_array_append (flight, buffer, n);
  g_assert_cmpuint (flight->len, >, 40);
  SSL_free (ssl);
  SSL_CTX_free (ctx);
  ERR_clear_error ();
  return flight;
}

/* Raw behaviours, before any TLS. */
static void
act_raw (Peer *peer,
         int   fd)
{
  g_autoptr(GByteArray) hello = NULL;

  /* A fake server lets the client speak first. */
  if (peer->is_server)
    {
      hello = recv_record (fd);
      if (hello == NULL)
        return;
    }

  switch (peer->act)
    {
    case ACT_GARBAGE:
      {
        g_autoptr(GRand) rand = g_rand_new_with_seed (20240601);
        guint8 garbage[512];

        for (gsize i = 0; i < sizeof garbage; i++)
          garbage[i] = g_rand_int_range (rand, 0, 256);
        send_all (fd, garbage, sizeof garbage);
        hold (peer, fd);
      }
      break;

    case ACT_HTTP:
      {
        const char *text = peer->is_server
          ? "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: 11\r\n"
            "Connection: close\r\n\r\nBad Request"
          : "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";

        send_all (fd, text, strlen (text));
        fin_and_hold (peer, fd);
      }
      break;

    case ACT_TRUNCATED_HELLO:
    case ACT_STALL:
      {
        g_autoptr(GByteArray) flight = first_flight (hello);

        /* 40 bytes: inside the first handshake message. */
        send_all (fd, flight->data, 40);
        if (peer->act == ACT_TRUNCATED_HELLO)
          fin_and_hold (peer, fd);
        else
          hold (peer, fd);
      }
      break;

    case ACT_OVERSIZE_RECORD:
      {
        g_autofree guint8 *record = g_malloc0 (5 + OVERSIZE_RECORD_LENGTH);

        record[0] = 0x16;
        record[1] = 0x03;
        record[2] = 0x03;
        record[3] = OVERSIZE_RECORD_LENGTH >> 8;
        record[4] = OVERSIZE_RECORD_LENGTH & 0xff;
        /* A handshake message header, so only the length is wrong. */
        record[5] = peer->is_server ? 0x02 : 0x01;
        record[6] = 0x00;
        record[7] = (OVERSIZE_RECORD_LENGTH - 4) >> 8;
        record[8] = (OVERSIZE_RECORD_LENGTH - 4) & 0xff;
        send_all (fd, record, 5 + OVERSIZE_RECORD_LENGTH);
        hold (peer, fd);
      }
      break;

    default:
      g_assert_not_reached ();
    }
}

/* OpenSSL behaviours */

static SSL_CTX *
peer_context (Peer *peer)
{
  SSL_CTX *ctx = SSL_CTX_new (peer->is_server ? TLS_server_method () : TLS_client_method ());

  /* The fake peer trusts anyone: it is not what is being tested. */
  SSL_CTX_set_verify (ctx, SSL_VERIFY_NONE, NULL);
  switch (peer->act)
    {
    case ACT_LONG_CHAIN:
      SSL_CTX_use_certificate (ctx, generated.leaf);
      SSL_CTX_use_PrivateKey (ctx, generated.leaf_key);
      for (int i = 0; i < sk_X509_num (generated.chain); i++)
        SSL_CTX_add1_chain_cert (ctx, sk_X509_value (generated.chain, i));
      return ctx;

    case ACT_HUGE_CERT:
      SSL_CTX_use_certificate (ctx, generated.huge);
      SSL_CTX_use_PrivateKey (ctx, generated.huge_key);
      return ctx;

    case ACT_RENEGOTIATE:
    case ACT_CUT_MID_RECORD:
      /* Renegotiation exists only up to TLS 1.2. */
      if (peer->act == ACT_RENEGOTIATE)
        SSL_CTX_set_max_proto_version (ctx, TLS1_2_VERSION);
      break;

    case ACT_TLS1_0_ONLY:
      SSL_CTX_set_min_proto_version (ctx, TLS1_VERSION);
      SSL_CTX_set_max_proto_version (ctx, TLS1_VERSION);
      g_assert_cmpint (SSL_CTX_set_cipher_list (ctx, "DEFAULT:@SECLEVEL=0"), ==, 1);
      break;

    case ACT_WEAK_CIPHERS:
      /* OpenSSL 3 has no export suites and RC4 only in the legacy
       * provider: what is left of this list is the NULL suites. */
      SSL_CTX_set_max_proto_version (ctx, TLS1_2_VERSION);
      g_assert_cmpint (SSL_CTX_set_cipher_list (ctx, "NULL-SHA256:NULL-SHA:RC4-SHA:RC4-MD5:EXP-RC4-MD5:@SECLEVEL=0"),
                       ==, 1);
      break;

    default:
      g_assert_not_reached ();
    }

  if (peer->is_server)
    {
      g_autofree char *chain = qssl_test_pki_path ("server-ec-chain.pem");
      g_autofree char *key = qssl_test_pki_path ("server-ec.key");

      g_assert_cmpint (SSL_CTX_use_certificate_chain_file (ctx, chain), ==, 1);
      g_assert_cmpint (SSL_CTX_use_PrivateKey_file (ctx, key, SSL_FILETYPE_PEM), ==, 1);
    }
  return ctx;
}

static void
record_failure (Peer *peer)
{
  unsigned long error = ERR_peek_last_error ();

  if (error != 0)
    peer->ssl_reason = ERR_GET_REASON (error);
  ERR_clear_error ();
}

/* Reads plaintext up to and including a newline. */
static gboolean
ssl_read_line (Peer *peer,
               SSL  *ssl)
{
  guint8 buffer[256];
  int n;

  while ((n = SSL_read (ssl, buffer, sizeof buffer)) > 0)
    {
      g_byte_array_append (peer->received, buffer, n);
      if (memchr (buffer, '\n', n) != NULL)
        return TRUE;
    }
  record_failure (peer);
  return FALSE;
}

static void
act_tls (Peer *peer,
         int   fd)
{
  SSL_CTX *ctx = peer_context (peer);
  SSL *ssl = SSL_new (ctx);

  SSL_set_fd (ssl, fd);
  if (peer->is_server)
    SSL_set_accept_state (ssl);
  else
    {
      SSL_set_connect_state (ssl);
      SSL_set_tlsext_host_name (ssl, "localhost");
    }
  if (SSL_do_handshake (ssl) != 1)
    {
      record_failure (peer);
      goto out;
    }
  peer->handshake_done = TRUE;

  switch (peer->act)
    {
    case ACT_LONG_CHAIN:
      /* Echo one line, in whichever role. */
      if (!peer->is_server)
        SSL_write (ssl, "ping\n", 5);
      if (ssl_read_line (peer, ssl) && peer->is_server)
        SSL_write (ssl, peer->received->data, peer->received->len);
      hold (peer, fd);
      break;

    case ACT_RENEGOTIATE:
      /* Once the other side has spoken, ask for a new handshake. */
      if (peer->is_server && !ssl_read_line (peer, ssl))
        break;
      g_assert_cmpint (SSL_renegotiate (ssl), ==, 1);
      if (SSL_do_handshake (ssl) != 1)
        record_failure (peer);
      else if (peer->is_server)
        {
          /* The server only sent a HelloRequest: the answer comes with
           * the next read. */
          guint8 buffer[256];

          if (SSL_read (ssl, buffer, sizeof buffer) <= 0)
            record_failure (peer);
        }
      hold (peer, fd);
      break;

    case ACT_CUT_MID_RECORD:
      {
        BIO *memory = BIO_new (BIO_s_mem ());
        char *data;
        long length;

        SSL_write (ssl, "first line\n", 11);
        /* The next record goes to memory, and half of it to the wire. */
        SSL_set0_wbio (ssl, memory);
        SSL_write (ssl, "second line that never ends\n", 28);
        length = BIO_get_mem_data (memory, &data);
        g_assert_cmpint (length, >, 10);
        send_all (fd, data, length / 2);
        /* FIN without close_notify. */
        fin_and_hold (peer, fd);
      }
      break;

    default:
      hold (peer, fd);
      break;
    }

out:
  SSL_free (ssl);
  SSL_CTX_free (ctx);
  ERR_clear_error ();
}

static gpointer
peer_thread (gpointer user_data)
{
  Peer *peer = user_data;
  struct timeval timeout = { PEER_IO_TIMEOUT_S, 0 };
  int fd;

  if (peer->is_server)
    {
      /* SO_RCVTIMEO on the listening socket bounds accept() too. */
      fd = accept (peer->listen_fd, NULL, NULL);
      if (fd < 0)
        return NULL;
    }
  else
    {
      struct sockaddr_in address = { .sin_family = AF_INET, .sin_port = htons (peer->port) };

      address.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
      fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      if (connect (fd, (struct sockaddr *) &address, sizeof address) != 0)
        {
          close (fd);
          return NULL;
        }
    }
  setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  setsockopt (fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);

  if (peer->act <= ACT_STALL)
    act_raw (peer, fd);
  else
    act_tls (peer, fd);
  close (fd);
  return NULL;
}

static Peer *
peer_new (Act      act,
          gboolean is_server,
          guint16  port)
{
  Peer *peer = g_new0 (Peer, 1);

  peer->act = act;
  peer->is_server = is_server;
  peer->port = port;
  peer->listen_fd = -1;
  peer->received = g_byte_array_new ();
  g_assert_cmpint (pipe (peer->stop_pipe), ==, 0);
  if (is_server)
    {
      struct sockaddr_in address = { .sin_family = AF_INET };
      socklen_t length = sizeof address;
      struct timeval timeout = { PEER_IO_TIMEOUT_S, 0 };

      address.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
      peer->listen_fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      g_assert_cmpint (bind (peer->listen_fd, (struct sockaddr *) &address, sizeof address), ==, 0);
      g_assert_cmpint (listen (peer->listen_fd, 4), ==, 0);
      setsockopt (peer->listen_fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
      getsockname (peer->listen_fd, (struct sockaddr *) &address, &length);
      peer->port = ntohs (address.sin_port);
    }
  peer->thread = g_thread_new (act_names[act], peer_thread, peer);
  return peer;
}

/* Releases the peer and waits for its thread. */
static void
peer_join (Peer *peer)
{
  if (peer->thread == NULL)
    return;
  g_assert_cmpint (write (peer->stop_pipe[1], "x", 1), ==, 1);
  g_thread_join (g_steal_pointer (&peer->thread));
}

static void
peer_free (Peer *peer)
{
  peer_join (peer);
  if (peer->listen_fd >= 0)
    close (peer->listen_fd);
  close (peer->stop_pipe[0]);
  close (peer->stop_pipe[1]);
  g_byte_array_unref (peer->received);
  g_free (peer);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Peer, peer_free)

/* What the libqssl side saw. */
typedef struct {
  int         error;          /* last error-occurred; -2 for none */
  guint       errors;
  gboolean    encrypted;
  gboolean    disconnected;
  gboolean    read_finished;
  int         sent_level, sent_type;          /* last alert sent; -1 for none */
  int         received_level, received_type;  /* last alert received */
  GByteArray *received;
} Seen;

static void
seen_init (Seen *seen)
{
  *seen = (Seen) { .error = -2, .sent_level = -1, .sent_type = -1, .received_level = -1,
                   .received_type = -1, .received = g_byte_array_new () };
}

static void
seen_clear (Seen *seen)
{
  g_clear_pointer (&seen->received, g_byte_array_unref);
}

static void
on_error (QsslSocket      *socket,
          QsslSocketError  error,
          Seen            *seen)
{
  seen->error = error;
  seen->errors++;
}

static void
on_encrypted (QsslSocket *socket,
              Seen       *seen)
{
  seen->encrypted = TRUE;
}

static void
on_disconnected (QsslSocket *socket,
                 Seen       *seen)
{
  seen->disconnected = TRUE;
}

static void
on_read_finished (QsslSocket *socket,
                  Seen       *seen)
{
  seen->read_finished = TRUE;
}

static void
on_ready_read (QsslSocket *socket,
               Seen       *seen)
{
  g_autoptr(GBytes) data = qssl_socket_read_all (socket);

  g_byte_array_append (seen->received, g_bytes_get_data (data, NULL), g_bytes_get_size (data));
}

static void
on_alert_sent (QsslSocket     *socket,
               QsslAlertLevel  level,
               QsslAlertType   type,
               const char     *description,
               Seen           *seen)
{
  seen->sent_level = level;
  seen->sent_type = type;
}

static void
on_alert_received (QsslSocket     *socket,
                   QsslAlertLevel  level,
                   QsslAlertType   type,
                   const char     *description,
                   Seen           *seen)
{
  seen->received_level = level;
  seen->received_type = type;
}

static void
watch_socket (QsslSocket *socket,
              Seen       *seen)
{
  g_signal_connect (socket, "error-occurred", G_CALLBACK (on_error), seen);
  g_signal_connect (socket, "encrypted", G_CALLBACK (on_encrypted), seen);
  g_signal_connect (socket, "disconnected", G_CALLBACK (on_disconnected), seen);
  g_signal_connect (socket, "read-channel-finished", G_CALLBACK (on_read_finished), seen);
  g_signal_connect (socket, "ready-read", G_CALLBACK (on_ready_read), seen);
  g_signal_connect (socket, "alert-sent", G_CALLBACK (on_alert_sent), seen);
  g_signal_connect (socket, "alert-received", G_CALLBACK (on_alert_received), seen);
}

static gboolean
error_seen (gpointer data)
{
  return ((Seen *) data)->error != -2;
}

static gboolean
on_deadline (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Iterates the default context until @done or the deadline. */
static gboolean
iterate_until (gboolean (*done) (gpointer),
               gpointer   data,
               guint      timeout_ms)
{
  gboolean expired = FALSE;
  GSource *timer = g_timeout_source_new (timeout_ms);

  g_source_set_callback (timer, on_deadline, &expired, NULL);
  g_source_attach (timer, NULL);
  while (!done (data) && !expired)
    g_main_context_iteration (NULL, TRUE);
  g_source_destroy (timer);
  g_source_unref (timer);
  return done (data);
}

/* Client side: libqssl connects to a hostile server */

typedef struct {
  Act               act;
  QsslSocketError   error;
  int               alert_sent;       /* -1: not checked */
  int               alert_received;   /* -1: not checked */
  int               peer_reason;      /* -1: not checked */
} ClientCase;

static QsslSocket *
client_for (Act   act,
            Seen *seen)
{
  QsslSocket *client = qssl_socket_new ();
  g_autoptr(QsslConfiguration) configuration = qssl_test_client_configuration ();

  if (act == ACT_LONG_CHAIN)
    {
      g_autoptr(QsslCertificate) root = to_qssl_certificate (generated.root);
      g_autoptr(GPtrArray) cas = g_ptr_array_new ();

      g_ptr_array_add (cas, root);
      qssl_configuration_set_ca_certificates (configuration, cas);
    }
  qssl_socket_set_ssl_configuration (client, configuration);
  watch_socket (client, seen);
  return client;
}

static void
test_client_against (gconstpointer data)
{
  const ClientCase *test = data;
  g_autoptr(Peer) peer = peer_new (test->act, TRUE, 0);
  Seen seen;
  g_autoptr(QsslSocket) client = NULL;

  seen_init (&seen);
  client = client_for (test->act, &seen);
  qssl_socket_connect_to_host_encrypted (client, "localhost", peer->port, QSSL_NETWORK_LAYER_PROTOCOL_IPV4);
  g_assert_true (iterate_until (error_seen, &seen, WAIT_MS));
  g_assert_cmpint (seen.error, ==, test->error);
  g_assert_cmpuint (seen.errors, ==, 1);
  g_assert_false (seen.encrypted);
  g_assert_cmpint (qssl_socket_get_state (client), ==, QSSL_SOCKET_STATE_UNCONNECTED);
  g_assert_false (qssl_socket_is_encrypted (client));
  if (test->alert_sent >= 0)
    {
      g_assert_cmpint (seen.sent_level, ==, QSSL_ALERT_LEVEL_FATAL);
      g_assert_cmpint (seen.sent_type, ==, test->alert_sent);
    }
  if (test->alert_received >= 0)
    {
      g_assert_cmpint (seen.received_level, ==, QSSL_ALERT_LEVEL_FATAL);
      g_assert_cmpint (seen.received_type, ==, test->alert_received);
    }
  peer_join (peer);
  if (test->peer_reason >= 0)
    g_assert_cmpint (peer->ssl_reason, ==, test->peer_reason);
  g_assert_false (peer->handshake_done);
  seen_clear (&seen);
}

/* A server that stops in the middle of its hello: no client-side timeout
 * exists (as in Qt), so the blocking wait is what ends it. */
static void
test_client_stalled_server (void)
{
  g_autoptr(Peer) peer = peer_new (ACT_STALL, TRUE, 0);
  g_autoptr(QsslSocket) client = NULL;
  g_autoptr(GError) error = NULL;
  Seen seen;

  seen_init (&seen);
  client = client_for (ACT_STALL, &seen);
  qssl_socket_connect_to_host_encrypted (client, "localhost", peer->port, QSSL_NETWORK_LAYER_PROTOCOL_IPV4);
  g_assert_false (qssl_socket_wait_for_encrypted (client, 300, &error));
  g_assert_error (error, QSSL_SOCKET_ERROR, QSSL_SOCKET_ERROR_SOCKET_TIMEOUT);
  /* A timed-out wait leaves the connection alone. */
  g_assert_cmpint (qssl_socket_get_state (client), ==, QSSL_SOCKET_STATE_CONNECTED);
  g_assert_false (seen.encrypted);
  qssl_socket_abort (client);
  g_assert_cmpint (qssl_socket_get_state (client), ==, QSSL_SOCKET_STATE_UNCONNECTED);
  peer_join (peer);
  seen_clear (&seen);
}

static gboolean
got_line (gpointer data)
{
  Seen *seen = data;

  return seen->error != -2 ||
         (seen->received->len > 0 && memchr (seen->received->data, '\n', seen->received->len) != NULL);
}

/* 100 certificates, valid, trusted at the root: accepted, and data flows. */
static void
test_client_long_chain (void)
{
  g_autoptr(Peer) peer = peer_new (ACT_LONG_CHAIN, TRUE, 0);
  g_autoptr(QsslSocket) client = NULL;
  g_autoptr(GPtrArray) chain = NULL;
  g_autoptr(QsslCertificate) leaf = to_qssl_certificate (generated.leaf);
  Seen seen;

  seen_init (&seen);
  client = client_for (ACT_LONG_CHAIN, &seen);
  qssl_socket_connect_to_host_encrypted (client, "localhost", peer->port, QSSL_NETWORK_LAYER_PROTOCOL_IPV4);
  qssl_socket_write (client, (const guint8 *) "ping\n", 5);
  g_assert_true (iterate_until (got_line, &seen, WAIT_MS));
  g_assert_cmpint (seen.error, ==, -2);
  g_assert_true (seen.encrypted);
  g_assert_cmpmem (seen.received->data, seen.received->len, "ping\n", 5);
  chain = qssl_socket_get_peer_certificate_chain (client);
  g_assert_cmpuint (chain->len, ==, LONG_CHAIN_LENGTH);
  g_assert_true (qssl_certificate_equal (g_ptr_array_index (chain, 0), leaf));
  qssl_socket_abort (client);
  peer_join (peer);
  g_assert_true (peer->handshake_done);
  seen_clear (&seen);
}

/* TLS 1.2 renegotiation started by the server is refused. */
static void
test_client_refuses_renegotiation (void)
{
  g_autoptr(Peer) peer = peer_new (ACT_RENEGOTIATE, TRUE, 0);
  g_autoptr(QsslSocket) client = NULL;
  Seen seen;

  seen_init (&seen);
  client = client_for (ACT_RENEGOTIATE, &seen);
  qssl_socket_connect_to_host_encrypted (client, "localhost", peer->port, QSSL_NETWORK_LAYER_PROTOCOL_IPV4);
  qssl_socket_write (client, (const guint8 *) "hello\n", 6);
  g_assert_true (iterate_until (error_seen, &seen, WAIT_MS));
  g_assert_true (seen.encrypted);
  /* Our refusal, then the peer's fatal answer to it. */
  g_assert_cmpint (seen.sent_level, ==, QSSL_ALERT_LEVEL_WARNING);
  g_assert_cmpint (seen.sent_type, ==, QSSL_ALERT_TYPE_NO_RENEGOTIATION);
  g_assert_cmpint (seen.received_level, ==, QSSL_ALERT_LEVEL_FATAL);
  g_assert_cmpint (seen.received_type, ==, QSSL_ALERT_TYPE_HANDSHAKE_FAILURE);
  g_assert_cmpint (seen.error, ==, QSSL_SOCKET_ERROR_SSL_INTERNAL);
  g_assert_cmpint (qssl_socket_get_state (client), ==, QSSL_SOCKET_STATE_UNCONNECTED);
  peer_join (peer);
  g_assert_cmpint (peer->ssl_reason, ==, SSL_R_NO_RENEGOTIATION);
  seen_clear (&seen);
}

static gboolean
disconnected (gpointer data)
{
  return ((Seen *) data)->disconnected;
}

/* Half a record, then FIN: what came whole is delivered, then the error. */
static void
test_client_cut_mid_record (void)
{
  g_autoptr(Peer) peer = peer_new (ACT_CUT_MID_RECORD, TRUE, 0);
  g_autoptr(QsslSocket) client = NULL;
  Seen seen;

  seen_init (&seen);
  client = client_for (ACT_CUT_MID_RECORD, &seen);
  qssl_socket_connect_to_host_encrypted (client, "localhost", peer->port, QSSL_NETWORK_LAYER_PROTOCOL_IPV4);
  g_assert_true (iterate_until (disconnected, &seen, WAIT_MS));
  g_assert_true (seen.encrypted);
  g_assert_cmpmem (seen.received->data, seen.received->len, "first line\n", 11);
  g_assert_cmpint (seen.error, ==, QSSL_SOCKET_ERROR_REMOTE_HOST_CLOSED);
  g_assert_cmpuint (seen.errors, ==, 1);
  g_assert_false (seen.read_finished);
  peer_join (peer);
  seen_clear (&seen);
}

/* Server side: hostile clients against a QsslServer, then a good one */

typedef struct {
  Seen        seen;        /* of the hostile connection */
  guint       ssl_errors;  /* ssl-errors emissions */
  QsslSocket *accepted;    /* the hostile one, if it got through */
  GPtrArray  *good;        /* accepted sockets after it */
  gboolean    echo;        /* echo on the sockets after the first */
} Served;

static void
on_server_error (QsslServer      *server,
                 QsslSocket      *socket,
                 QsslSocketError  error,
                 Served          *served)
{
  on_error (socket, error, &served->seen);
}

static void
on_server_alert_sent (QsslServer     *server,
                      QsslSocket     *socket,
                      QsslAlertLevel  level,
                      QsslAlertType   type,
                      const char     *description,
                      Served         *served)
{
  on_alert_sent (socket, level, type, description, &served->seen);
}

static void
on_server_alert_received (QsslServer     *server,
                          QsslSocket     *socket,
                          QsslAlertLevel  level,
                          QsslAlertType   type,
                          const char     *description,
                          Served         *served)
{
  on_alert_received (socket, level, type, description, &served->seen);
}

static void
on_server_ssl_errors (QsslServer *server,
                      QsslSocket *socket,
                      GPtrArray  *errors,
                      Served     *served)
{
  served->ssl_errors++;
}

static void
on_pending (QsslServer *server,
            Served     *served)
{
  QsslSocket *socket;

  while ((socket = qssl_server_next_pending_connection (server)) != NULL)
    {
      if (!served->echo)
        {
          /* The hostile one: watch it from here on. */
          served->accepted = socket;
          served->echo = TRUE;
          watch_socket (socket, &served->seen);
          served->seen.encrypted = TRUE;
          continue;
        }
      g_signal_connect (socket, "ready-read", G_CALLBACK (qssl_test_echo), NULL);
      g_ptr_array_add (served->good, socket);
    }
}

static QsslServer *
hostile_server_new (Act     act,
                    Served *served)
{
  QsslServer *server = qssl_server_new ();
  g_autoptr(QsslConfiguration) configuration = qssl_test_server_configuration ("server-ec");
  g_autoptr(GError) error = NULL;

  if (act == ACT_LONG_CHAIN)
    {
      g_autoptr(QsslCertificate) root = to_qssl_certificate (generated.root);
      g_autoptr(GPtrArray) cas = g_ptr_array_new ();

      g_ptr_array_add (cas, root);
      /* QUERY_PEER: the good client after it has no certificate; a
       * verification failure would still show as ssl-errors. */
      qssl_configuration_set_ca_certificates (configuration, cas);
    }
  qssl_server_set_ssl_configuration (server, configuration);
  g_assert_true (qssl_server_listen (server, NULL, 0, &error));
  g_assert_no_error (error);
  seen_init (&served->seen);
  served->good = g_ptr_array_new_with_free_func (g_object_unref);
  served->echo = act != ACT_LONG_CHAIN && act != ACT_RENEGOTIATE && act != ACT_CUT_MID_RECORD;
  g_signal_connect (server, "error-occurred", G_CALLBACK (on_server_error), served);
  g_signal_connect (server, "alert-sent", G_CALLBACK (on_server_alert_sent), served);
  g_signal_connect (server, "alert-received", G_CALLBACK (on_server_alert_received), served);
  g_signal_connect (server, "pending-connection-available", G_CALLBACK (on_pending), served);
  g_signal_connect (server, "ssl-errors", G_CALLBACK (on_server_ssl_errors), served);
  return server;
}

static void
served_clear (Served *served)
{
  g_clear_object (&served->accepted);
  g_clear_pointer (&served->good, g_ptr_array_unref);
  seen_clear (&served->seen);
}

static gboolean
good_client_done (gpointer data)
{
  Seen *seen = data;

  return seen->error != -2 || seen->received->len >= 5;
}

/* After whatever happened, the server still serves a well-behaved client. */
static void
check_still_serving (QsslServer *server,
                     Served     *served)
{
  g_autoptr(QsslSocket) client = NULL;
  Seen seen;

  seen_init (&seen);
  client = client_for (ACT_GARBAGE, &seen);
  qssl_socket_connect_to_host_encrypted (client, "localhost", qssl_server_get_server_port (server),
                                         QSSL_NETWORK_LAYER_PROTOCOL_IPV4);
  qssl_socket_write (client, (const guint8 *) "good\n", 5);
  g_assert_true (iterate_until (good_client_done, &seen, WAIT_MS));
  g_assert_cmpint (seen.error, ==, -2);
  g_assert_cmpmem (seen.received->data, seen.received->len, "good\n", 5);
  g_assert_cmpuint (served->good->len, ==, 1);
  qssl_socket_abort (client);
  seen_clear (&seen);
}

typedef struct {
  Act              act;
  QsslSocketError  error;
  int              alert_sent;
  int              alert_received;
} ServerCase;

static void
test_server_against (gconstpointer data)
{
  const ServerCase *test = data;
  Served served = { 0 };
  g_autoptr(QsslServer) server = hostile_server_new (test->act, &served);
  g_autoptr(Peer) peer = NULL;

  if (test->act == ACT_STALL)
    qssl_server_set_handshake_timeout (server, 300);
  peer = peer_new (test->act, FALSE, qssl_server_get_server_port (server));
  g_assert_true (iterate_until (error_seen, &served.seen, WAIT_MS));
  g_assert_cmpint (served.seen.error, ==, test->error);
  g_assert_cmpuint (served.seen.errors, ==, 1);
  g_assert_false (qssl_server_has_pending_connections (server));
  g_assert_null (served.accepted);
  if (test->alert_sent >= 0)
    {
      g_assert_cmpint (served.seen.sent_level, ==, QSSL_ALERT_LEVEL_FATAL);
      g_assert_cmpint (served.seen.sent_type, ==, test->alert_sent);
    }
  if (test->alert_received >= 0)
    {
      g_assert_cmpint (served.seen.received_level, ==, QSSL_ALERT_LEVEL_FATAL);
      g_assert_cmpint (served.seen.received_type, ==, test->alert_received);
    }
  peer_join (peer);
  /* A TLS 1.3 client is done once it has sent its Finished, which may be
   * before the server rejects the certificate that came with it. */
  if (test->act != ACT_HUGE_CERT)
    g_assert_false (peer->handshake_done);
  check_still_serving (server, &served);
  qssl_server_close (server);
  served_clear (&served);
}

static gboolean
accepted_and_line (gpointer data)
{
  Served *served = data;

  return served->seen.error != -2 ||
         (served->accepted != NULL && served->seen.received->len > 0 &&
          memchr (served->seen.received->data, '\n', served->seen.received->len) != NULL);
}

static void
test_server_long_chain (void)
{
  Served served = { 0 };
  g_autoptr(QsslServer) server = hostile_server_new (ACT_LONG_CHAIN, &served);
  g_autoptr(Peer) peer = peer_new (ACT_LONG_CHAIN, FALSE, qssl_server_get_server_port (server));
  g_autoptr(QsslCertificate) leaf = to_qssl_certificate (generated.leaf);
  g_autoptr(GPtrArray) chain = NULL;

  g_assert_true (iterate_until (accepted_and_line, &served, WAIT_MS));
  g_assert_cmpint (served.seen.error, ==, -2);
  g_assert_nonnull (served.accepted);
  g_assert_cmpmem (served.seen.received->data, served.seen.received->len, "ping\n", 5);
  g_assert_cmpuint (served.ssl_errors, ==, 0);
  chain = qssl_socket_get_peer_certificate_chain (served.accepted);
  g_assert_cmpuint (chain->len, ==, LONG_CHAIN_LENGTH);
  g_assert_true (qssl_certificate_equal (g_ptr_array_index (chain, 0), leaf));
  /* And back. */
  qssl_socket_write (served.accepted, (const guint8 *) "pong\n", 5);
  qssl_socket_flush (served.accepted);
  qssl_socket_disconnect_from_host (served.accepted);
  peer_join (peer);
  g_assert_true (peer->handshake_done);
  g_assert_cmpmem (peer->received->data, peer->received->len, "pong\n", 5);
  check_still_serving (server, &served);
  served_clear (&served);
}

/* The client asks for a new handshake: the server answers no_renegotiation
 * and the client gives up. */
static void
test_server_refuses_renegotiation (void)
{
  Served served = { 0 };
  g_autoptr(QsslServer) server = hostile_server_new (ACT_RENEGOTIATE, &served);
  g_autoptr(Peer) peer = peer_new (ACT_RENEGOTIATE, FALSE, qssl_server_get_server_port (server));

  g_assert_true (iterate_until (error_seen, &served.seen, WAIT_MS));
  g_assert_nonnull (served.accepted);
  g_assert_cmpint (served.seen.sent_level, ==, QSSL_ALERT_LEVEL_WARNING);
  g_assert_cmpint (served.seen.sent_type, ==, QSSL_ALERT_TYPE_NO_RENEGOTIATION);
  g_assert_cmpint (served.seen.received_level, ==, QSSL_ALERT_LEVEL_FATAL);
  g_assert_cmpint (served.seen.received_type, ==, QSSL_ALERT_TYPE_HANDSHAKE_FAILURE);
  g_assert_cmpint (served.seen.error, ==, QSSL_SOCKET_ERROR_SSL_INTERNAL);
  peer_join (peer);
  g_assert_cmpint (peer->ssl_reason, ==, SSL_R_NO_RENEGOTIATION);
  check_still_serving (server, &served);
  served_clear (&served);
}

static void
test_server_cut_mid_record (void)
{
  Served served = { 0 };
  g_autoptr(QsslServer) server = hostile_server_new (ACT_CUT_MID_RECORD, &served);
  g_autoptr(Peer) peer = peer_new (ACT_CUT_MID_RECORD, FALSE, qssl_server_get_server_port (server));

  g_assert_true (iterate_until (disconnected, &served.seen, WAIT_MS));
  g_assert_nonnull (served.accepted);
  g_assert_cmpmem (served.seen.received->data, served.seen.received->len, "first line\n", 11);
  g_assert_cmpint (served.seen.error, ==, QSSL_SOCKET_ERROR_REMOTE_HOST_CLOSED);
  g_assert_cmpuint (served.seen.errors, ==, 1);
  g_assert_false (served.seen.read_finished);
  peer_join (peer);
  check_still_serving (server, &served);
  served_clear (&served);
}

static const ClientCase client_cases[] = {
  { ACT_GARBAGE, QSSL_SOCKET_ERROR_SSL_HANDSHAKE_FAILED, -1, -1, -1 },
  { ACT_HTTP, QSSL_SOCKET_ERROR_SSL_HANDSHAKE_FAILED, -1, -1, -1 },
  { ACT_TRUNCATED_HELLO, QSSL_SOCKET_ERROR_REMOTE_HOST_CLOSED, -1, -1, -1 },
  { ACT_OVERSIZE_RECORD, QSSL_SOCKET_ERROR_SSL_HANDSHAKE_FAILED, QSSL_ALERT_TYPE_RECORD_OVERFLOW, -1, -1 },
  { ACT_HUGE_CERT, QSSL_SOCKET_ERROR_SSL_HANDSHAKE_FAILED, QSSL_ALERT_TYPE_ILLEGAL_PARAMETER, -1, -1 },
  { ACT_TLS1_0_ONLY, QSSL_SOCKET_ERROR_SSL_HANDSHAKE_FAILED, -1, QSSL_ALERT_TYPE_PROTOCOL_VERSION,
    SSL_R_UNSUPPORTED_PROTOCOL },
  { ACT_WEAK_CIPHERS, QSSL_SOCKET_ERROR_SSL_HANDSHAKE_FAILED, -1, QSSL_ALERT_TYPE_HANDSHAKE_FAILURE,
    SSL_R_NO_SHARED_CIPHER },
};

static const ServerCase server_cases[] = {
  { ACT_GARBAGE, QSSL_SOCKET_ERROR_SSL_HANDSHAKE_FAILED, -1, -1 },
  { ACT_HTTP, QSSL_SOCKET_ERROR_SSL_HANDSHAKE_FAILED, -1, -1 },
  { ACT_TRUNCATED_HELLO, QSSL_SOCKET_ERROR_REMOTE_HOST_CLOSED, -1, -1 },
  { ACT_OVERSIZE_RECORD, QSSL_SOCKET_ERROR_SSL_HANDSHAKE_FAILED, QSSL_ALERT_TYPE_RECORD_OVERFLOW, -1 },
  { ACT_STALL, QSSL_SOCKET_ERROR_SOCKET_TIMEOUT, -1, -1 },
  { ACT_HUGE_CERT, QSSL_SOCKET_ERROR_SSL_HANDSHAKE_FAILED, -1, -1 },
  { ACT_TLS1_0_ONLY, QSSL_SOCKET_ERROR_SSL_HANDSHAKE_FAILED, QSSL_ALERT_TYPE_PROTOCOL_VERSION, -1 },
  { ACT_WEAK_CIPHERS, QSSL_SOCKET_ERROR_SSL_HANDSHAKE_FAILED, QSSL_ALERT_TYPE_HANDSHAKE_FAILURE, -1 },
};

/* A TLS 1.2 client that sends its Finished and is gone before the server
 * answers: the server's last flight (ticket, ChangeCipherSpec, Finished)
 * cannot be sent, so the handshake fails as the peer's leaving, never
 * encrypted. The client runs on memory BIOs in this thread and closes its
 * end of a socketpair right after its flight, before the server reads it,
 * so that the server's send fails (EPIPE) every time. */
typedef struct
{
  guint           encrypted;
  QsslSocketError error;
  gboolean        failed;
} GoneSide;

static void
gone_encrypted (QsslSocket *socket,
                GoneSide   *side)
{
  side->encrypted++;
}

static void
gone_error (QsslSocket      *socket,
            QsslSocketError  error,
            GoneSide        *side)
{
  side->error = error;
  side->failed = TRUE;
}

static gboolean
gone_failed (gpointer data)
{
  return ((GoneSide *) data)->failed;
}

/* Moves what the client wrote to @fd. */
static void
gone_send (BIO *out,
           int  fd)
{
  guint8 buffer[4096];
  int n;

  while ((n = BIO_read (out, buffer, sizeof buffer)) > 0)
    g_assert_cmpint (write (fd, buffer, n), ==, n);
}

static void
test_server_peer_gone_before_last_flight (void)
{
  g_autoptr(QsslConfiguration) configuration = qssl_test_server_configuration ("server-ec");
  g_autoptr(QsslSocket) server = qssl_socket_new ();
  g_autoptr(GError) error = NULL;
  SSL_CTX *ctx = SSL_CTX_new (TLS_client_method ());
  BIO *in = BIO_new (BIO_s_mem ());
  BIO *out = BIO_new (BIO_s_mem ());
  GoneSide side = { 0 };
  gint64 deadline = g_get_monotonic_time () + (gint64) WAIT_MS * 1000;
  SSL *client;
  int fds[2];

  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), ==, 0);
  g_assert_cmpint (fcntl (fds[1], F_SETFL, O_NONBLOCK), ==, 0);
  qssl_configuration_set_peer_verify_mode (configuration, QSSL_PEER_VERIFY_MODE_NONE);
  qssl_socket_set_ssl_configuration (server, configuration);
  g_assert_true (qssl_socket_set_socket_descriptor (server, fds[0], QSSL_SOCKET_STATE_CONNECTED, &error));
  g_assert_no_error (error);
  g_signal_connect (server, "encrypted", G_CALLBACK (gone_encrypted), &side);
  g_signal_connect (server, "error-occurred", G_CALLBACK (gone_error), &side);
  qssl_socket_start_server_encryption (server);

  SSL_CTX_set_max_proto_version (ctx, TLS1_2_VERSION);
  client = SSL_new (ctx);
  SSL_set_bio (client, in, out);
  SSL_set_connect_state (client);
  /* Until the client has written its Finished, having read the server's
   * first flight. */
  for (;;)
    {
      struct pollfd pfd = { .fd = fds[1], .events = POLLIN };
      int result = SSL_do_handshake (client);
      guint8 buffer[4096];
      gssize n;

      g_assert_cmpint (result, <, 1);
      g_assert_cmpint (SSL_get_error (client, result), ==, SSL_ERROR_WANT_READ);
      if (SSL_get_state (client) == TLS_ST_CW_FINISHED)
        break;
      gone_send (out, fds[1]);
      /* The server's turn; then whatever it sent. */
      g_main_context_iteration (NULL, FALSE);
      poll (&pfd, 1, 10);
      while ((n = read (fds[1], buffer, sizeof buffer)) > 0)
        BIO_write (in, buffer, (int) n);
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
    }
  gone_send (out, fds[1]);
  close (fds[1]);

  g_assert_true (iterate_until (gone_failed, &side, WAIT_MS));
  g_assert_cmpint (side.error, ==, QSSL_SOCKET_ERROR_REMOTE_HOST_CLOSED);
  g_assert_cmpuint (side.encrypted, ==, 0);
  g_assert_false (qssl_socket_is_encrypted (server));
  SSL_free (client);
  SSL_CTX_free (ctx);
}

int
main (int   argc,
      char *argv[])
{
  int result;

  /* A fake peer writing to a socket libqssl already closed must not die. */
  signal (SIGPIPE, SIG_IGN);
  g_test_init (&argc, &argv, NULL);
  generate_certificates ();

  for (gsize i = 0; i < G_N_ELEMENTS (client_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/qssl/hostile/client/%s", act_names[client_cases[i].act]);

      g_test_add_data_func (path, &client_cases[i], test_client_against);
    }
  g_test_add_func ("/qssl/hostile/client/stall", test_client_stalled_server);
  g_test_add_func ("/qssl/hostile/client/long-chain", test_client_long_chain);
  g_test_add_func ("/qssl/hostile/client/renegotiate", test_client_refuses_renegotiation);
  g_test_add_func ("/qssl/hostile/client/cut-mid-record", test_client_cut_mid_record);
  for (gsize i = 0; i < G_N_ELEMENTS (server_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/qssl/hostile/server/%s", act_names[server_cases[i].act]);

      g_test_add_data_func (path, &server_cases[i], test_server_against);
    }
  g_test_add_func ("/qssl/hostile/server/long-chain", test_server_long_chain);
  g_test_add_func ("/qssl/hostile/server/renegotiate", test_server_refuses_renegotiation);
  g_test_add_func ("/qssl/hostile/server/cut-mid-record", test_server_cut_mid_record);
  g_test_add_func ("/qssl/hostile/server/peer-gone-before-last-flight", test_server_peer_gone_before_last_flight);

  result = g_test_run ();
  free_certificates ();
  return result;
}
