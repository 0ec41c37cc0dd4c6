/* qssl-buffer.c: the socket's plaintext buffers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include <gio/gio.h>
#include <glib/gi18n-lib.h>

#include "qssl-buffer-private.h"

QsslBuffer *
_qssl_buffer_new (void)
{
  return g_new0 (QsslBuffer, 1);
}

void
_qssl_buffer_free (QsslBuffer *buffer)
{
  if (buffer == NULL)
    return;
  g_free (buffer->storage);
  g_free (buffer);
}

gboolean
_qssl_buffer_next_allocation (gsize  allocated,
                              gsize  needed,
                              gsize *result)
{
  gsize doubled;

  if (needed == 0)
    return FALSE;
  /* Doubling keeps appends amortised O(1); past G_MAXSIZE / 2 it would
   * wrap, and then only what is needed is asked for. */
  if (!g_size_checked_mul (&doubled, allocated, 2))
    doubled = needed;
  *result = MAX (needed, MAX (doubled, 64));
  return TRUE;
}

static gboolean
no_space (GError **error,
          gsize    len,
          gsize    extra)
{
  g_debug ("buffer of %" G_GSIZE_FORMAT " bytes cannot grow by %" G_GSIZE_FORMAT, len, extra);
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE,
                       _("Not enough memory to buffer the data"));
  return FALSE;
}

/* Room for @needed bytes from data on. Bytes dropped from the front leave a
 * gap there; moving the contents down to reuse it costs len bytes, so it is
 * done only when the gap is at least as large as the contents: every byte
 * moved is then paid for by a byte consumed since the last move, and a
 * large backlog that is sent a record at a time while more is appended is
 * not moved once per append (that was O(n^2)). Otherwise the buffer grows
 * and only the contents are copied. */
static gboolean
make_room (QsslBuffer *buffer,
           gsize       needed,
           GError    **error)
{
  gsize front = buffer->data != NULL ? (gsize) (buffer->data - buffer->storage) : 0;
  gsize end, allocation;
  guint8 *storage;

  if (g_size_checked_add (&end, front, needed) && end <= buffer->allocated)
    return TRUE;
  if (front > 0 && front >= buffer->len && needed <= buffer->allocated)
    {
      memmove (buffer->storage, buffer->data, buffer->len);
      buffer->moved += buffer->len;
      buffer->data = buffer->storage;
      return TRUE;
    }
  if (!_qssl_buffer_next_allocation (buffer->allocated, needed, &allocation))
    return TRUE;
  if (front == 0)
    {
      storage = g_try_realloc (buffer->storage, allocation);
      if (storage == NULL && allocation > needed)
        storage = g_try_realloc (buffer->storage, allocation = needed);
      if (storage == NULL)
        return no_space (error, buffer->len, needed - buffer->len);
    }
  else
    {
      /* realloc() would copy the dead front too. */
      storage = g_try_malloc (allocation);
      if (storage == NULL && allocation > needed)
        storage = g_try_malloc (allocation = needed);
      if (storage == NULL)
        return no_space (error, buffer->len, needed - buffer->len);
      memcpy (storage, buffer->data, buffer->len);
      buffer->moved += buffer->len;
      g_free (buffer->storage);
    }
  buffer->storage = buffer->data = storage;
  buffer->allocated = allocation;
  return TRUE;
}

guint8 *
_qssl_buffer_extend (QsslBuffer *buffer,
                     gsize       extra,
                     GError    **error)
{
  gsize needed, old_len = buffer->len;

  if (!g_size_checked_add (&needed, buffer->len, extra))
    {
      no_space (error, buffer->len, extra);
      return NULL;
    }
  if (!make_room (buffer, needed, error))
    return NULL;
  buffer->len = needed;
  /* Never NULL, even for an empty buffer asked for 0 bytes. */
  return buffer->data != NULL ? buffer->data + old_len : (guint8 *) "";
}

gboolean
_qssl_buffer_reserve (QsslBuffer *buffer,
                      gsize       size,
                      GError    **error)
{
  return make_room (buffer, MAX (size, buffer->len), error);
}

gboolean
_qssl_buffer_append (QsslBuffer   *buffer,
                     const guint8 *data,
                     gsize         size,
                     GError      **error)
{
  guint8 *tail;

  if (size == 0)
    return TRUE;
  tail = _qssl_buffer_extend (buffer, size, error);
  if (tail == NULL)
    return FALSE;
  memcpy (tail, data, size);
  return TRUE;
}

void
_qssl_buffer_truncate (QsslBuffer *buffer,
                       gsize       len)
{
  g_return_if_fail (len <= buffer->len);

  buffer->len = len;
  if (len == 0)
    buffer->data = buffer->storage;
}

void
_qssl_buffer_consume (QsslBuffer *buffer,
                      gsize       size)
{
  g_return_if_fail (size <= buffer->len);

  buffer->len -= size;
  buffer->data = buffer->len > 0 ? buffer->data + size : buffer->storage;
}

void
_qssl_buffer_clear (QsslBuffer *buffer,
                    gboolean    release)
{
  buffer->len = 0;
  if (release)
    {
      g_clear_pointer (&buffer->storage, g_free);
      buffer->allocated = 0;
    }
  buffer->data = buffer->storage;
}
