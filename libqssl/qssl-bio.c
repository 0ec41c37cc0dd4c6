/* qssl-bio.c: the BIO through which OpenSSL reads and writes a socket
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "qssl-bio-private.h"

typedef struct
{
  int     fd;
  GBytes *prefix;
  gsize   prefix_offset;
} SocketBio;

static gboolean
would_block (int error)
{
  return error == EAGAIN || error == EWOULDBLOCK || error == EINTR;
}

static int
socket_bio_write (BIO        *bio,
                  const char *data,
                  size_t      size,
                  size_t     *written)
{
  SocketBio *self = BIO_get_data (bio);
  ssize_t n;

  BIO_clear_retry_flags (bio);
  if (self->fd < 0)
    return 0;
  n = send (self->fd, data, size, MSG_NOSIGNAL);
  if (n < 0)
    {
      if (would_block (errno))
        BIO_set_retry_write (bio);
      return 0;
    }
  *written = n;
  return 1;
}

static int
socket_bio_read (BIO    *bio,
                 char   *data,
                 size_t  size,
                 size_t *read_bytes)
{
  SocketBio *self = BIO_get_data (bio);
  ssize_t n;

  BIO_clear_retry_flags (bio);
  if (self->prefix != NULL)
    {
      gsize length;
      const guint8 *prefix = g_bytes_get_data (self->prefix, &length);
      gsize take = MIN (size, length - self->prefix_offset);

      memcpy (data, prefix + self->prefix_offset, take);
      self->prefix_offset += take;
      if (self->prefix_offset == length)
        g_clear_pointer (&self->prefix, g_bytes_unref);
      *read_bytes = take;
      return 1;
    }

  if (self->fd < 0)
    return 0;
  n = recv (self->fd, data, size, 0);
  if (n < 0)
    {
      if (would_block (errno))
        BIO_set_retry_read (bio);
      return 0;
    }
  /* 0 is the peer's FIN: OpenSSL reports it as an unexpected EOF. */
  *read_bytes = n;
  return n > 0 ? 1 : 0;
}

static long
socket_bio_ctrl (BIO  *bio,
                 int   command,
                 long  number,
                 void *pointer)
{
  SocketBio *self = BIO_get_data (bio);

  switch (command)
    {
    case BIO_CTRL_FLUSH:
      return 1;
    case BIO_CTRL_PENDING:
      return self->prefix ? (long) (g_bytes_get_size (self->prefix) - self->prefix_offset) : 0;
    case BIO_CTRL_EOF:
      return 0;
    default:
      return 0;
    }
}

static int
socket_bio_destroy (BIO *bio)
{
  SocketBio *self = BIO_get_data (bio);

  if (self != NULL)
    {
      g_clear_pointer (&self->prefix, g_bytes_unref);
      g_free (self);
      BIO_set_data (bio, NULL);
    }
  return 1;
}

static BIO_METHOD *
socket_bio_method (void)
{
  static gsize method = 0;

  if (g_once_init_enter (&method))
    {
      BIO_METHOD *m = BIO_meth_new (BIO_get_new_index () | BIO_TYPE_SOURCE_SINK, "qssl socket");

      BIO_meth_set_write_ex (m, socket_bio_write);
      BIO_meth_set_read_ex (m, socket_bio_read);
      BIO_meth_set_ctrl (m, socket_bio_ctrl);
      BIO_meth_set_destroy (m, socket_bio_destroy);
      g_once_init_leave (&method, (gsize) m);
    }
  return (BIO_METHOD *) method;
}

BIO *
_qssl_bio_new (int     fd,
               GBytes *prefix)
{
  BIO *bio = BIO_new (socket_bio_method ());
  SocketBio *self;

  if (bio == NULL)
    return NULL;
  self = g_new0 (SocketBio, 1);
  self->fd = fd;
  if (prefix != NULL && g_bytes_get_size (prefix) > 0)
    self->prefix = g_bytes_ref (prefix);
  BIO_set_data (bio, self);
  BIO_set_init (bio, 1);
  return bio;
}

void
_qssl_bio_detach (BIO *bio)
{
  SocketBio *self = bio ? BIO_get_data (bio) : NULL;

  if (self != NULL)
    self->fd = -1;
}
