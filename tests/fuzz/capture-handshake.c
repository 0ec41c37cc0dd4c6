/* capture-handshake.c: real TLS byte streams as seeds for the socket fuzzers
 *
 *   fuzz-capture-handshake PKI_DIR OUT_DIR
 *
 * Runs an OpenSSL client and server against each other through memory BIOs,
 * once per scenario (TLS 1.3, a HelloRetryRequest, TLS 1.2 with ECDHE-RSA,
 * ECDHE-ECDSA and RSA key exchange, with a client certificate, ALPN and a
 * stapled OCSP response), and writes what each side sent:
 * OUT_DIR/socket-server/NAME-{client-hello,client-stream} for the server
 * fuzzer, OUT_DIR/socket-client/NAME-{server-flight,server-stream} for the
 * client fuzzer. A stream is everything one side sent: handshake, a request or
 * response and close_notify.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

typedef struct {
  const char *name;
  int         max_version;
  const char *ciphers;        /* TLS 1.2 cipher list, or NULL */
  const char *server_groups;  /* server's groups, or NULL */
  const char *server;         /* PKI base name of the server certificate */
  int         staple;         /* staple ocsp-good.der */
} Scenario;

static const Scenario scenarios[] = {
  { "tls13", 0, NULL, NULL, "server-rsa", 1 },
  { "tls13-hrr", 0, NULL, "P-384", "server-ec", 0 },
  { "tls12-ecdhe-rsa", TLS1_2_VERSION, "ECDHE-RSA-AES128-GCM-SHA256", NULL, "server-rsa", 1 },
  { "tls12-ecdhe-ecdsa", TLS1_2_VERSION, "ECDHE-ECDSA-CHACHA20-POLY1305", NULL, "server-ec", 0 },
  { "tls12-rsa", TLS1_2_VERSION, "AES256-GCM-SHA384", NULL, "server-rsa", 0 },
};

typedef struct {
  unsigned char *data;
  size_t         length;
  size_t         first;  /* length of the first flight */
} Stream;

static const char *pki;
static unsigned char *ocsp_response;
static long ocsp_length;

static void
die (const char *what)
{
  fprintf (stderr, "capture-handshake: %s\n", what);
  ERR_print_errors_fp (stderr);
  exit (1);
}

static char *
pki_file (const char *name, const char *suffix)
{
  static char path[4096];

  snprintf (path, sizeof path, "%s/%s%s", pki, name, suffix);
  return path;
}

static void
write_file (const char *dir, const char *subdir, const char *name, const char *suffix,
            const unsigned char *data, size_t length)
{
  char path[4096];
  FILE *file;

  snprintf (path, sizeof path, "%s/%s/%s-%s", dir, subdir, name, suffix);
  file = fopen (path, "wb");
  if (file == NULL || fwrite (data, 1, length, file) != length || fclose (file) != 0)
    die (path);
}

/* Moves what @from wrote into @to's input and appends it to @stream. */
static void
pump (BIO *from, BIO *to, Stream *stream)
{
  char buffer[16384];
  int n;

  while ((n = BIO_read (from, buffer, sizeof buffer)) > 0)
    {
      stream->data = realloc (stream->data, stream->length + n);
      memcpy (stream->data + stream->length, buffer, n);
      stream->length += n;
      if (BIO_write (to, buffer, n) != n)
        die ("BIO_write");
    }
}

static int
accept_any (int ok, X509_STORE_CTX *ctx)
{
  return 1;
}

static int
select_alpn (SSL *ssl, const unsigned char **out, unsigned char *outlen,
             const unsigned char *in, unsigned int inlen, void *arg)
{
  if (inlen < 1 || in[0] + 1u > inlen)
    return SSL_TLSEXT_ERR_NOACK;
  *out = in + 1;
  *outlen = in[0];
  return SSL_TLSEXT_ERR_OK;
}

static int
staple (SSL *ssl, void *arg)
{
  unsigned char *copy;

  if (ocsp_response == NULL)
    return SSL_TLSEXT_ERR_NOACK;
  copy = OPENSSL_memdup (ocsp_response, ocsp_length);
  SSL_set_tlsext_status_ocsp_resp (ssl, copy, ocsp_length);
  return SSL_TLSEXT_ERR_OK;
}

/* Runs @scenario once. @for_server: the seeds are for the server target,
 * whose peer is this client, so the client sends SNI and asks for a stapled
 * OCSP response; for the client target, whose QsslSocket sends neither (it
 * adopts a descriptor, so it has no host name), the server must not answer
 * with extensions the QsslSocket would find unsolicited. */
static void
run (const Scenario *scenario, const char *out, int for_server)
{
  static const unsigned char alpn[] = "\x02h2\x08http/1.1";
  static const char request[] = "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";
  static const char response[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
  SSL_CTX *client_ctx = SSL_CTX_new (TLS_client_method ());
  SSL_CTX *server_ctx = SSL_CTX_new (TLS_server_method ());
  SSL *client, *server;
  BIO *client_in = BIO_new (BIO_s_mem ()), *client_out = BIO_new (BIO_s_mem ());
  BIO *server_in = BIO_new (BIO_s_mem ()), *server_out = BIO_new (BIO_s_mem ());
  Stream to_server = { 0 }, to_client = { 0 };
  char buffer[4096];

  if (client_ctx == NULL || server_ctx == NULL)
    die ("SSL_CTX_new");
  if (SSL_CTX_use_certificate_chain_file (server_ctx, pki_file (scenario->server, "-chain.pem")) != 1 ||
      SSL_CTX_use_PrivateKey_file (server_ctx, pki_file (scenario->server, ".key"), SSL_FILETYPE_PEM) != 1 ||
      SSL_CTX_use_certificate_chain_file (client_ctx, pki_file ("client", "-chain.pem")) != 1 ||
      SSL_CTX_use_PrivateKey_file (client_ctx, pki_file ("client", ".key"), SSL_FILETYPE_PEM) != 1)
    die ("loading the PKI");
  SSL_CTX_set_verify (server_ctx, SSL_VERIFY_PEER, accept_any);
  SSL_CTX_set_verify (client_ctx, SSL_VERIFY_PEER, accept_any);
  SSL_CTX_set_alpn_select_cb (server_ctx, select_alpn, NULL);
  if (for_server && SSL_CTX_set_alpn_protos (client_ctx, alpn, sizeof alpn - 1) != 0)
    die ("ALPN");
  if (scenario->staple && for_server)
    {
      SSL_CTX_set_tlsext_status_cb (server_ctx, staple);
      SSL_CTX_set_tlsext_status_type (client_ctx, TLSEXT_STATUSTYPE_ocsp);
    }
  if (scenario->max_version != 0)
    {
      SSL_CTX_set_max_proto_version (client_ctx, scenario->max_version);
      SSL_CTX_set_max_proto_version (server_ctx, scenario->max_version);
    }
  if (scenario->ciphers != NULL &&
      (SSL_CTX_set_cipher_list (client_ctx, scenario->ciphers) != 1 ||
       SSL_CTX_set_cipher_list (server_ctx, scenario->ciphers) != 1))
    die ("cipher list");
  if (scenario->server_groups != NULL && SSL_CTX_set1_groups_list (server_ctx, scenario->server_groups) != 1)
    die ("groups");

  client = SSL_new (client_ctx);
  server = SSL_new (server_ctx);
  SSL_set_bio (client, client_in, client_out);
  SSL_set_bio (server, server_in, server_out);
  SSL_set_connect_state (client);
  SSL_set_accept_state (server);
  if (for_server)
    SSL_set_tlsext_host_name (client, "localhost");

  for (int round = 0; round < 20 && !(SSL_is_init_finished (client) && SSL_is_init_finished (server)); round++)
    {
      SSL_do_handshake (client);
      pump (client_out, server_in, &to_server);
      if (to_server.first == 0)
        to_server.first = to_server.length;
      SSL_do_handshake (server);
      pump (server_out, client_in, &to_client);
      if (to_client.first == 0)
        to_client.first = to_client.length;
    }
  if (!SSL_is_init_finished (client) || !SSL_is_init_finished (server))
    die (scenario->name);

  if (SSL_write (client, request, sizeof request - 1) <= 0)
    die ("SSL_write");
  pump (client_out, server_in, &to_server);
  if (SSL_read (server, buffer, sizeof buffer) <= 0)
    die ("SSL_read");
  pump (server_out, client_in, &to_client);
  if (SSL_write (server, response, sizeof response - 1) <= 0)
    die ("SSL_write");
  pump (server_out, client_in, &to_client);
  if (SSL_read (client, buffer, sizeof buffer) <= 0)
    die ("SSL_read");
  pump (client_out, server_in, &to_server);
  SSL_shutdown (client);
  pump (client_out, server_in, &to_server);
  SSL_shutdown (server);
  pump (server_out, client_in, &to_client);

  if (for_server)
    {
      write_file (out, "socket-server", scenario->name, "client-hello", to_server.data, to_server.first);
      write_file (out, "socket-server", scenario->name, "client-stream", to_server.data, to_server.length);
    }
  else
    {
      write_file (out, "socket-client", scenario->name, "server-flight", to_client.data, to_client.first);
      write_file (out, "socket-client", scenario->name, "server-stream", to_client.data, to_client.length);
    }
  free (to_server.data);
  free (to_client.data);
  SSL_free (client);
  SSL_free (server);
  SSL_CTX_free (client_ctx);
  SSL_CTX_free (server_ctx);
}

int
main (int argc, char **argv)
{
  FILE *file;

  if (argc != 3)
    {
      fprintf (stderr, "usage: %s PKI_DIR OUT_DIR\n", argv[0]);
      return 2;
    }
  pki = argv[1];
  file = fopen (pki_file ("ocsp-good", ".der"), "rb");
  if (file == NULL)
    die ("ocsp-good.der");
  fseek (file, 0, SEEK_END);
  ocsp_length = ftell (file);
  rewind (file);
  ocsp_response = malloc (ocsp_length);
  if (fread (ocsp_response, 1, ocsp_length, file) != (size_t) ocsp_length)
    die ("ocsp-good.der");
  fclose (file);

  for (size_t i = 0; i < sizeof scenarios / sizeof scenarios[0]; i++)
    {
      run (&scenarios[i], argv[2], 1);
      run (&scenarios[i], argv[2], 0);
    }
  free (ocsp_response);
  return 0;
}
