/* qssl-bio.c: the BIO through which OpenSSL reads and writes a socket
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "qssl-bio-private.h"
#include "qssl-buffer-private.h"

/* While corked, records are gathered up to this much before they are sent:
 * four full TLS records per send() instead of one. It also bounds what the
 * BIO takes beyond what the kernel took (one more record at most). */
#define GATHER_LIMIT (64 * 1024)
/* A corked write of at least this much is bulk: the buffer takes room for
 * a whole batch at once. Smaller records (session tickets) grow it only as
 * far as they need. */
#define BULK_RECORD 4096

typedef struct
{
  int         fd;
  GBytes     *prefix;
  gsize       prefix_offset;
  /* Records OpenSSL has written that the kernel has not taken yet. */
  QsslBuffer *out;
  gboolean    corked;
  /* A send() that failed outside OpenSSL (a flush): every later write
   * fails with it, so that OpenSSL reports it like one of its own. */
  int         error;
} SocketBio;

static gboolean
would_block (int error)
{
  return error == EAGAIN || error == EWOULDBLOCK || error == EINTR;
}

/* Sends out[] and then @data[0..size) with one sendmsg(); keeps in out
 * what the kernel did not take. FALSE with errno on a failure other than a
 * full socket. */
static gboolean
send_gathered (SocketBio    *self,
               const guint8 *data,
               gsize         size)
{
  struct iovec iov[2];
  struct msghdr message = { 0 };
  int count = 0;
  ssize_t n;

  if (self->out->len > 0)
    iov[count++] = (struct iovec) { self->out->data, self->out->len };
  if (size > 0)
    iov[count++] = (struct iovec) { (void *) data, size };
  if (count == 0)
    return TRUE;
  message.msg_iov = iov;
  message.msg_iovlen = count;
  do
    n = sendmsg (self->fd, &message, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    {
      if (!would_block (errno))
        return FALSE;
      n = 0;
    }
  else
    {
      gsize from_out = MIN ((gsize) n, self->out->len);

      _qssl_buffer_consume (self->out, from_out);
      data += n - from_out;
      size -= n - from_out;
    }
  if (size > 0 && !_qssl_buffer_append (self->out, data, size, NULL))
    {
      errno = ENOMEM;
      return FALSE;
    }
  /* An idle connection keeps no gathering buffer. */
  if (self->out->len == 0 && !self->corked)
    _qssl_buffer_clear (self->out, TRUE);
  return TRUE;
}

/* Tries to send what is gathered: 1 once it is all gone, else 0 with a
 * retry flag (the kernel is full) or without (it failed). */
static int
flush_out (BIO       *bio,
           SocketBio *self)
{
  if (self->out->len == 0)
    return 1;
  if (self->fd < 0 || self->error != 0)
    {
      errno = self->error != 0 ? self->error : EBADF;
      return 0;
    }
  if (!send_gathered (self, NULL, 0))
    {
      self->error = errno;
      return 0;
    }
  if (self->out->len > 0)
    {
      BIO_set_retry_write (bio);
      return 0;
    }
  return 1;
}

/* A record from OpenSSL. Uncorked and with nothing gathered, it goes
 * straight to send() as before; corked, it is kept until GATHER_LIMIT
 * bytes are there, then everything goes out in one sendmsg(). What the
 * kernel refuses of a record it partly took is kept (OpenSSL counts the
 * record as written), so the BIO holds at most GATHER_LIMIT plus one
 * record; beyond that it asks OpenSSL to retry. */
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
  if (self->error != 0)
    {
      errno = self->error;
      return 0;
    }
  if (self->out->len >= GATHER_LIMIT && flush_out (bio, self) == 0)
    return 0;
  if (self->out->len > 0 || (self->corked && size < GATHER_LIMIT))
    {
      if (self->corked && self->out->len + size < GATHER_LIMIT)
        {
          /* Room for a whole batch at once, rather than growing by
           * doubling and copying. */
          if (self->out->allocated == 0 && size >= BULK_RECORD)
            _qssl_buffer_reserve (self->out, GATHER_LIMIT, NULL);
          if (!_qssl_buffer_append (self->out, (const guint8 *) data, size, NULL))
            {
              errno = ENOMEM;
              return 0;
            }
        }
      else if (!send_gathered (self, (const guint8 *) data, size))
        {
          self->error = errno;
          return 0;
        }
      *written = size;
      return 1;
    }
  n = send (self->fd, data, size, MSG_NOSIGNAL);
  if (n < 0)
    {
      if (would_block (errno))
        BIO_set_retry_write (bio);
      return 0;
    }
  if ((size_t) n < size && !_qssl_buffer_append (self->out, (const guint8 *) data + n, size - n, NULL))
    {
      /* Report the part that went, as a plain socket BIO does. */
      *written = n;
      return 1;
    }
  *written = size;
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
      BIO_clear_retry_flags (bio);
      /* Corked, OpenSSL's flush after each message (each session ticket)
       * leaves the records gathered: uncork() sends them together. */
      if (self->corked && self->out->len < GATHER_LIMIT)
        return 1;
      return flush_out (bio, self);
    case BIO_CTRL_WPENDING:
      return (long) self->out->len;
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
      _qssl_buffer_free (self->out);
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
  self->out = _qssl_buffer_new ();
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

void
_qssl_bio_cork (BIO *bio)
{
  SocketBio *self = BIO_get_data (bio);

  self->corked = TRUE;
}

gboolean
_qssl_bio_uncork (BIO *bio,
                  int *error)
{
  SocketBio *self = BIO_get_data (bio);

  self->corked = FALSE;
  return _qssl_bio_flush (bio, error);
}

void
_qssl_bio_keep (BIO *bio)
{
  SocketBio *self = BIO_get_data (bio);

  self->corked = FALSE;
}

gboolean
_qssl_bio_flush (BIO *bio,
                 int *error)
{
  SocketBio *self = BIO_get_data (bio);

  if (self->fd < 0)
    return TRUE;
  if (flush_out (bio, self) == 0 && !BIO_should_retry (bio))
    {
      *error = self->error;
      return FALSE;
    }
  BIO_clear_retry_flags (bio);
  if (self->out->len == 0 && !self->corked)
    _qssl_buffer_clear (self->out, TRUE);
  return TRUE;
}

gsize
_qssl_bio_unsent (BIO *bio)
{
  SocketBio *self = bio != NULL ? BIO_get_data (bio) : NULL;

  return self != NULL && self->fd >= 0 ? self->out->len : 0;
}
