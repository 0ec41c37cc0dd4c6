/* qssl-buffer-private.h: the socket's plaintext buffers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A byte buffer whose sizes are all gsize: GByteArray counts in guint and
 * wraps at 4 GiB, which silently lost unread data. Growth checks for
 * overflow and for a failed allocation and reports either as an error,
 * leaving the contents as they were. Dropping bytes from the front is
 * O(1), and appending is amortised O(1) however the two interleave: the
 * space at the front is reclaimed only once it is no smaller than the
 * contents (see make_room()). */
typedef struct
{
  guint8 *data;       /* the contents, data[0..len) */
  gsize   len;
  /*< private >*/
  guint8 *storage;    /* start of the allocation, <= data */
  gsize   allocated;  /* bytes at storage */
  guint64 moved;      /* bytes copied to make room, for the tests */
} QsslBuffer;

QsslBuffer *_qssl_buffer_new (void);
void        _qssl_buffer_free (QsslBuffer *buffer);

/* How many bytes to allocate to hold @needed: at least @needed, doubling
 * @allocated when that is more, never wrapping. FALSE only if @needed is 0. */
gboolean    _qssl_buffer_next_allocation (gsize  allocated,
                                          gsize  needed,
                                          gsize *result);

/* Makes room for @extra more bytes at the end and counts them in len (their
 * contents are undefined until written); returns where they start. NULL with
 * @error set (G_IO_ERROR_NO_SPACE) if len + @extra overflows or the memory
 * cannot be had; the buffer is then unchanged. */
guint8     *_qssl_buffer_extend (QsslBuffer *buffer,
                                 gsize       extra,
                                 GError    **error);
/* Makes room for @size bytes in all without changing the contents. */
gboolean    _qssl_buffer_reserve (QsslBuffer *buffer,
                                  gsize       size,
                                  GError    **error);
gboolean    _qssl_buffer_append (QsslBuffer   *buffer,
                                 const guint8 *data,
                                 gsize         size,
                                 GError      **error);
/* Shortens the contents to @len (<= len). */
void        _qssl_buffer_truncate (QsslBuffer *buffer,
                                   gsize       len);
/* Drops @size (<= len) bytes from the front. */
void        _qssl_buffer_consume (QsslBuffer *buffer,
                                  gsize       size);
/* Empties the buffer; @release also gives the memory back. */
void        _qssl_buffer_clear (QsslBuffer *buffer,
                                gboolean    release);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QsslBuffer, _qssl_buffer_free)

G_END_DECLS
