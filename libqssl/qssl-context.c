/* qssl-context.c: QsslContext, an SSL_CTX shared by the sockets of one configuration
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "qssl-context-private.h"
#include "qssl-configuration-private.h"
#include "qssl-private.h"

struct _QsslContext
{
  gatomicrefcount  ref_count;
  SSL_CTX         *ctx;
  QsslMode         mode;
};

QsslContext *
_qssl_context_new (const QsslConfiguration *configuration,
                   QsslMode                 mode,
                   GError                 **error)
{
  QsslContext *self;
  SSL_CTX *ctx;

  ctx = SSL_CTX_new (mode == QSSL_MODE_SSL_SERVER ? TLS_server_method () : TLS_client_method ());
  if (ctx == NULL)
    {
      _qssl_set_error_from_openssl (error, QSSL_SOCKET_ERROR, QSSL_SOCKET_ERROR_SSL_INTERNAL,
                                    _("Could not create the TLS context"));
      return NULL;
    }

  self = g_new0 (QsslContext, 1);
  g_atomic_ref_count_init (&self->ref_count);
  self->ctx = ctx;
  self->mode = mode;
  return self;
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
