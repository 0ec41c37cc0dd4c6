/* qssl-secret.c: key material that is wiped before its memory is freed
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <openssl/crypto.h>

#include "qssl-private.h"

typedef struct
{
  gpointer       data;
  gsize          size;
  GDestroyNotify free_func;
} Secret;

void
_qssl_wipe (gpointer data,
            gsize    size)
{
  if (data != NULL && size > 0)
    OPENSSL_cleanse (data, size);
}

static void
secret_free (gpointer user_data)
{
  Secret *secret = user_data;

  _qssl_wipe (secret->data, secret->size);
  if (secret->free_func != NULL)
    secret->free_func (secret->data);
  g_free (secret);
}

GBytes *
_qssl_secret_bytes_new_take (gpointer       data,
                             gsize          size,
                             GDestroyNotify free_func)
{
  Secret *secret = g_new (Secret, 1);

  secret->data = data;
  secret->size = size;
  secret->free_func = free_func;
  return g_bytes_new_with_free_func (data, size, secret_free, secret);
}

GBytes *
_qssl_secret_bytes_new (gconstpointer data,
                        gsize         size)
{
  return _qssl_secret_bytes_new_take (g_memdup2 (data, size), size, g_free);
}
