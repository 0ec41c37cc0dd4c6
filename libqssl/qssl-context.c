/* qssl-context.c: QsslContext, an SSL_CTX shared by the sockets of one configuration
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "qssl.h"
#include "qssl-certificate-private.h"
#include "qssl-configuration-private.h"
#include "qssl-context-private.h"
#include "qssl-key-private.h"
#include "qssl-private.h"

struct _QsslContext
{
  gatomicrefcount  ref_count;
  SSL_CTX         *ctx;
  QsslMode         mode;
};

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

static gboolean
apply_ciphers (SSL_CTX                 *ctx,
               const QsslConfiguration *configuration)
{
  g_autoptr(GString) tls13 = g_string_new (NULL);
  g_autoptr(GString) tls12 = g_string_new (NULL);

  if (configuration->ciphers == NULL)
    return TRUE;

  for (guint i = 0; i < configuration->ciphers->len; i++)
    {
      QsslCipher *cipher = g_ptr_array_index (configuration->ciphers, i);
      GString *target = qssl_cipher_get_protocol (cipher) == QSSL_PROTOCOL_TLS_V1_3 ? tls13 : tls12;

      if (target->len > 0)
        g_string_append_c (target, ':');
      g_string_append (target, qssl_cipher_get_name (cipher));
    }
  if (SSL_CTX_set_ciphersuites (ctx, tls13->str) != 1)
    return FALSE;
  /* OpenSSL refuses an empty TLS 1.2 list; "no TLS 1.2 suite" is spelled this way. */
  if (SSL_CTX_set_cipher_list (ctx, tls12->len > 0 ? tls12->str : "-ALL") != 1 && tls12->len > 0)
    return FALSE;
  return TRUE;
}

static gboolean
apply_local_certificate (SSL_CTX                 *ctx,
                         const QsslConfiguration *configuration)
{
  GPtrArray *chain = configuration->local_certificate_chain;

  if (chain->len == 0)
    return TRUE;
  if (SSL_CTX_use_certificate (ctx, _qssl_certificate_get_x509 (g_ptr_array_index (chain, 0))) != 1)
    return FALSE;
  for (guint i = 1; i < chain->len; i++)
    if (SSL_CTX_add1_chain_cert (ctx, _qssl_certificate_get_x509 (g_ptr_array_index (chain, i))) != 1)
      return FALSE;
  if (configuration->private_key != NULL)
    {
      if (SSL_CTX_use_PrivateKey (ctx, _qssl_key_get_pkey (configuration->private_key)) != 1)
        return FALSE;
      if (SSL_CTX_check_private_key (ctx) != 1)
        return FALSE;
    }
  return TRUE;
}

QsslContext *
_qssl_context_new (const QsslConfiguration *configuration,
                   QsslMode                 mode,
                   GError                 **error)
{
  QsslContext *self;
  SSL_CTX *ctx;
  int min_version, max_version;
  uint64_t options;

  _qssl_init ();

  if (!protocol_range (configuration->protocol, &min_version, &max_version))
    {
      g_set_error_literal (error, QSSL_SOCKET_ERROR, QSSL_SOCKET_ERROR_SSL_INVALID_USER_DATA,
                           _("Attempted to use an unsupported protocol."));
      return NULL;
    }

  ctx = SSL_CTX_new (mode == QSSL_MODE_SSL_SERVER ? TLS_server_method () : TLS_client_method ());
  if (ctx == NULL)
    {
      _qssl_set_error_from_openssl (error, QSSL_SOCKET_ERROR, QSSL_SOCKET_ERROR_SSL_INTERNAL,
                                    _("Could not create the TLS context"));
      return NULL;
    }

  /* Secure defaults: no renegotiation, no compression. */
  options = SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION;
  if (mode == QSSL_MODE_SSL_SERVER &&
      !(configuration->ssl_options & QSSL_SSL_OPTIONS_DISABLE_SERVER_CIPHER_PREFERENCE))
    options |= SSL_OP_CIPHER_SERVER_PREFERENCE;
  if (configuration->ssl_options & QSSL_SSL_OPTIONS_DISABLE_SESSION_TICKETS)
    options |= SSL_OP_NO_TICKET;
  SSL_CTX_set_options (ctx, options);
  SSL_CTX_set_mode (ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  /* A server that asks for client certificates refuses to resume a session
   * (with an internal_error alert) unless it has a session id context. */
  if (mode == QSSL_MODE_SSL_SERVER)
    SSL_CTX_set_session_id_context (ctx, (const unsigned char *) "libqssl", strlen ("libqssl"));

  if (!SSL_CTX_set_min_proto_version (ctx, min_version) ||
      !SSL_CTX_set_max_proto_version (ctx, max_version) ||
      !apply_ciphers (ctx, configuration))
    goto invalid;
  if (configuration->elliptic_curves != NULL)
    {
      g_autofree char *groups = g_strjoinv (":", configuration->elliptic_curves);

      if (SSL_CTX_set1_groups_list (ctx, groups) != 1)
        goto invalid;
    }

  SSL_CTX_set_cert_store (ctx, _qssl_configuration_new_x509_store (configuration));
  if (configuration->peer_verify_depth > 0)
    SSL_CTX_set_verify_depth (ctx, configuration->peer_verify_depth);

  if (!apply_local_certificate (ctx, configuration))
    goto invalid;

  self = g_new0 (QsslContext, 1);
  g_atomic_ref_count_init (&self->ref_count);
  self->ctx = ctx;
  self->mode = mode;
  return self;

invalid:
  _qssl_set_error_from_openssl (error, QSSL_SOCKET_ERROR, QSSL_SOCKET_ERROR_SSL_INVALID_USER_DATA,
                                _("The TLS configuration is not usable"));
  SSL_CTX_free (ctx);
  return NULL;
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
      g_free (self);
    }
}

SSL_CTX *
_qssl_context_get_ctx (QsslContext *self)
{
  return self->ctx;
}
