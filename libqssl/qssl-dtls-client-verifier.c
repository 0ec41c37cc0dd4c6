/* qssl-dtls-client-verifier.c: QsslDtlsClientVerifier (QDtlsClientVerifier)
 *
 * Answers a ClientHello without a valid cookie with a HelloVerifyRequest
 * (smaller than the hello, so a spoofed source gains nothing) and keeps no
 * state for it: each call uses a throw-away SSL on one shared SSL_CTX.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <openssl/ssl.h>

#include "qssl.h"
#include "qssl-configuration-private.h"
#include "qssl-context-private.h"
#include "qssl-dtls-private.h"
#include "qssl-private.h"

/**
 * QsslDtlsClientVerifier:
 *
 * The stateless cookie exchange a DTLS server runs before it keeps any
 * state for a peer: [method@Qssl.DtlsClientVerifier.verify_client] answers
 * a ClientHello without a valid cookie with a HelloVerifyRequest and
 * accepts one that carries it.
 *
 * Mirrors `QDtlsClientVerifier`.
 *
 * Since: 1.0
 */
struct _QsslDtlsClientVerifier
{
  GObject        parent_instance;

  GChecksumType  cookie_hash;
  GBytes        *cookie_secret;
  QsslContext   *context;
  GBytes        *verified_hello;
  QsslDtlsError  error;
  char          *error_string;
};

G_DEFINE_FINAL_TYPE (QsslDtlsClientVerifier, qssl_dtls_client_verifier, G_TYPE_OBJECT)

static void
qssl_dtls_client_verifier_finalize (GObject *object)
{
  QsslDtlsClientVerifier *self = QSSL_DTLS_CLIENT_VERIFIER (object);

  g_bytes_unref (self->cookie_secret);
  g_clear_pointer (&self->context, _qssl_context_unref);
  g_clear_pointer (&self->verified_hello, g_bytes_unref);
  g_free (self->error_string);
  G_OBJECT_CLASS (qssl_dtls_client_verifier_parent_class)->finalize (object);
}

static void
qssl_dtls_client_verifier_class_init (QsslDtlsClientVerifierClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = qssl_dtls_client_verifier_finalize;
}

static void
qssl_dtls_client_verifier_init (QsslDtlsClientVerifier *self)
{
  self->cookie_hash = G_CHECKSUM_SHA1;
  self->cookie_secret = _qssl_dtls_default_cookie_secret ();
}

static gboolean
set_error (QsslDtlsClientVerifier  *self,
           GError                 **error,
           QsslDtlsError            code,
           const char              *message)
{
  self->error = code;
  g_free (self->error_string);
  self->error_string = g_strdup (message);
  g_set_error_literal (error, QSSL_DTLS_ERROR, code, message);
  return FALSE;
}

/**
 * qssl_dtls_client_verifier_new:
 *
 * Creates a verifier with SHA-1 and the process's random secret, the
 * defaults a server-side #QsslDtls shares. Mirrors
 * `QDtlsClientVerifier::QDtlsClientVerifier()`.
 *
 * Returns: (transfer full): a new #QsslDtlsClientVerifier
 *
 * Since: 1.0
 */
QsslDtlsClientVerifier *
qssl_dtls_client_verifier_new (void)
{
  _qssl_init ();
  return g_object_new (QSSL_TYPE_DTLS_CLIENT_VERIFIER, NULL);
}

/**
 * qssl_dtls_client_verifier_verify_client:
 * @self: a #QsslDtlsClientVerifier
 * @socket: the UDP socket the datagram came in on
 * @datagram: the datagram
 * @address: its source address
 * @port: its source port
 * @error: return location for a #GError
 *
 * Checks that @datagram is a ClientHello with the cookie this verifier
 * gave @address and @port. If not, a HelloVerifyRequest with that cookie
 * goes to the peer (or nothing, for what is not a ClientHello), and no
 * state is kept. Mirrors `QDtlsClientVerifier::verifyClient()`.
 *
 * Returns: %TRUE when the client proved it receives at its address (its
 *   hello is then in qssl_dtls_client_verifier_get_verified_hello()); %FALSE
 *   otherwise, with @error set only for a failure of the verifier itself
 *   (bad arguments, a socket error)
 *
 * Since: 1.0
 */
gboolean
qssl_dtls_client_verifier_verify_client (QsslDtlsClientVerifier  *self,
                                         GSocket                 *socket,
                                         GBytes                  *datagram,
                                         GInetAddress            *address,
                                         guint16                  port,
                                         GError                 **error)
{
  QsslDatagramBio *state;
  BIO_ADDR *client;
  SSL *ssl;
  BIO *bio;
  int result;

  g_return_val_if_fail (QSSL_IS_DTLS_CLIENT_VERIFIER (self), FALSE);
  g_return_val_if_fail (G_IS_SOCKET (socket), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  self->error = QSSL_DTLS_ERROR_NO_ERROR;
  g_clear_pointer (&self->error_string, g_free);
  if (datagram == NULL || g_bytes_get_size (datagram) == 0 || address == NULL ||
      g_inet_address_get_is_multicast (address) || g_inet_address_get_is_any (address))
    return set_error (self, error, QSSL_DTLS_ERROR_INVALID_INPUT_PARAMETERS,
                      _("A valid address, port and a non-empty datagram are required"));

  if (self->context == NULL)
    {
      g_autoptr(QsslConfiguration) configuration = qssl_configuration_get_default_dtls ();
      g_autoptr(GError) local_error = NULL;

      self->context = _qssl_configuration_new_dtls_context (configuration, QSSL_MODE_SSL_SERVER, &local_error);
      if (self->context == NULL)
        return set_error (self, error, QSSL_DTLS_ERROR_TLS_INITIALIZATION_ERROR, local_error->message);
      _qssl_dtls_setup_cookies (_qssl_context_get_ctx (self->context));
    }

  ssl = SSL_new (_qssl_context_get_ctx (self->context));
  if (ssl == NULL)
    {
      _qssl_take_openssl_errors ();
      return set_error (self, error, QSSL_DTLS_ERROR_TLS_INITIALIZATION_ERROR,
                        _("Cannot create a DTLS connection"));
    }
  bio = _qssl_datagram_bio_new (&state);
  SSL_set_bio (ssl, bio, bio);
  SSL_set_options (ssl, SSL_OP_COOKIE_EXCHANGE);
  _qssl_datagram_bio_set_peer (state, address, port);
  state->socket = socket;
  state->datagram = g_bytes_get_data (datagram, &state->datagram_length);
  state->cookie_hash = self->cookie_hash;
  state->cookie_secret = g_bytes_ref (self->cookie_secret);

  client = BIO_ADDR_new ();
  _qssl_clear_openssl_errors ();
  result = DTLSv1_listen (ssl, client);
  BIO_ADDR_free (client);
  if (state->write_error != NULL)
    {
      set_error (self, error, QSSL_DTLS_ERROR_UNDERLYING_SOCKET_ERROR, state->write_error->message);
      result = 0;
    }
  else if (result < 0)
    {
      g_autofree char *details = _qssl_take_openssl_errors ();

      /* Not fatal for the server: what it was sent is dropped. */
      g_debug ("DTLS client verifier: %s", details ? details : "DTLSv1_listen failed");
      result = 0;
    }
  _qssl_clear_openssl_errors ();
  state->socket = NULL;
  state->datagram = NULL;
  SSL_free (ssl);

  if (result > 0)
    {
      g_clear_pointer (&self->verified_hello, g_bytes_unref);
      self->verified_hello = g_bytes_ref (datagram);
      return TRUE;
    }
  return FALSE;
}

/**
 * qssl_dtls_client_verifier_get_verified_hello:
 * @self: a #QsslDtlsClientVerifier
 *
 * The ClientHello of the last successful
 * qssl_dtls_client_verifier_verify_client(), for qssl_dtls_do_handshake().
 * Mirrors `QDtlsClientVerifier::verifiedHello()`.
 *
 * Returns: (transfer full) (nullable): the datagram, or %NULL
 *
 * Since: 1.0
 */
GBytes *
qssl_dtls_client_verifier_get_verified_hello (QsslDtlsClientVerifier *self)
{
  g_return_val_if_fail (QSSL_IS_DTLS_CLIENT_VERIFIER (self), NULL);

  return self->verified_hello ? g_bytes_ref (self->verified_hello) : NULL;
}

/**
 * qssl_dtls_client_verifier_set_cookie_generator_parameters:
 * @self: a #QsslDtlsClientVerifier
 * @hash: the HMAC hash (MD5, SHA-1, SHA-256, SHA-384 or SHA-512)
 * @secret: the HMAC key; not empty
 * @error: return location for a #GError
 *
 * Mirrors `QDtlsClientVerifier::setCookieGeneratorParameters()`. A
 * server-side #QsslDtls that continues a hello verified here needs the
 * same parameters.
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
qssl_dtls_client_verifier_set_cookie_generator_parameters (QsslDtlsClientVerifier  *self,
                                                           GChecksumType            hash,
                                                           GBytes                  *secret,
                                                           GError                 **error)
{
  const char *reason;

  g_return_val_if_fail (QSSL_IS_DTLS_CLIENT_VERIFIER (self), FALSE);
  g_return_val_if_fail (secret != NULL, FALSE);

  reason = _qssl_dtls_store_cookie_parameters (hash, secret, &self->cookie_hash, &self->cookie_secret);
  if (reason != NULL)
    return set_error (self, error, QSSL_DTLS_ERROR_INVALID_INPUT_PARAMETERS, reason);
  self->error = QSSL_DTLS_ERROR_NO_ERROR;
  g_clear_pointer (&self->error_string, g_free);
  return TRUE;
}

/**
 * qssl_dtls_client_verifier_get_cookie_generator_parameters:
 * @self: a #QsslDtlsClientVerifier
 * @hash: (out) (optional): the HMAC hash
 * @secret: (out) (optional) (transfer full): the HMAC key
 *
 * Mirrors `QDtlsClientVerifier::cookieGeneratorParameters()`.
 *
 * Since: 1.0
 */
void
qssl_dtls_client_verifier_get_cookie_generator_parameters (QsslDtlsClientVerifier  *self,
                                                           GChecksumType           *hash,
                                                           GBytes                 **secret)
{
  g_return_if_fail (QSSL_IS_DTLS_CLIENT_VERIFIER (self));

  if (hash != NULL)
    *hash = self->cookie_hash;
  if (secret != NULL)
    *secret = g_bytes_ref (self->cookie_secret);
}

/**
 * qssl_dtls_client_verifier_get_dtls_error:
 * @self: a #QsslDtlsClientVerifier
 *
 * Mirrors `QDtlsClientVerifier::dtlsError()`.
 *
 * Returns: the error of the last call
 *
 * Since: 1.0
 */
QsslDtlsError
qssl_dtls_client_verifier_get_dtls_error (QsslDtlsClientVerifier *self)
{
  g_return_val_if_fail (QSSL_IS_DTLS_CLIENT_VERIFIER (self), QSSL_DTLS_ERROR_NO_ERROR);

  return self->error;
}

/**
 * qssl_dtls_client_verifier_get_dtls_error_string:
 * @self: a #QsslDtlsClientVerifier
 *
 * Mirrors `QDtlsClientVerifier::dtlsErrorString()`.
 *
 * Returns: (transfer none): the description of the last error, or ""
 *
 * Since: 1.0
 */
const char *
qssl_dtls_client_verifier_get_dtls_error_string (QsslDtlsClientVerifier *self)
{
  g_return_val_if_fail (QSSL_IS_DTLS_CLIENT_VERIFIER (self), "");

  return self->error_string != NULL ? self->error_string : "";
}
