/* test-buffer.c: the plaintext buffers' arithmetic past 4 GiB
 *
 * The sizes that matter (just under and over G_MAXUINT32, and near
 * G_MAXSIZE) are far too large to allocate in a test run: the growth rule is
 * a pure function, and the overflow checks fail before any memory is
 * touched, so both are tested on the sizes themselves. A real 5 GiB stream
 * is /qssl/socket/huge-unread in test-socket (QSSL_TEST_HUGE=1).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include <gio/gio.h>

#include "qssl-buffer-private.h"

#if defined(__SANITIZE_ADDRESS__)
# define UNDER_ASAN 1
#elif defined(__has_feature)
# if __has_feature(address_sanitizer)
#  define UNDER_ASAN 1
# endif
#endif

static const gsize four_gib = (gsize) G_MAXUINT32 + 1;

static void
test_next_allocation (void)
{
  gsize result = 0;

  g_assert_true (sizeof (gsize) > 4);

  /* Growing a 4 GiB - 1 allocation by a byte doubles it; a 32-bit length
   * wrapped here (the bug: 4 GiB of unread data became 64 MiB). */
  g_assert_true (_qssl_buffer_next_allocation (G_MAXUINT32, four_gib, &result));
  g_assert_cmpuint (result, ==, (gsize) G_MAXUINT32 * 2);
  g_assert_cmpuint (result, >, G_MAXUINT32);

  /* A request bigger than doubling gets exactly what it needs. */
  g_assert_true (_qssl_buffer_next_allocation (4096, four_gib + 123, &result));
  g_assert_cmpuint (result, ==, four_gib + 123);

  g_assert_true (_qssl_buffer_next_allocation (G_MAXUINT32 - 10, G_MAXUINT32 - 5, &result));
  g_assert_cmpuint (result, ==, ((gsize) G_MAXUINT32 - 10) * 2);

  /* Past G_MAXSIZE / 2 doubling would wrap: only what is needed. */
  g_assert_true (_qssl_buffer_next_allocation (G_MAXSIZE / 2 + 1, G_MAXSIZE / 2 + 2, &result));
  g_assert_cmpuint (result, ==, G_MAXSIZE / 2 + 2);
  g_assert_true (_qssl_buffer_next_allocation (G_MAXSIZE - 1, G_MAXSIZE, &result));
  g_assert_cmpuint (result, ==, G_MAXSIZE);

  g_assert_true (_qssl_buffer_next_allocation (0, 1, &result));
  g_assert_cmpuint (result, >=, 1);
  g_assert_false (_qssl_buffer_next_allocation (0, 0, &result));
}

/* A buffer that claims @len bytes over a small real allocation: for the
 * checks that must fail before they touch the contents. */
static QsslBuffer *
claimed_buffer (gsize len)
{
  QsslBuffer *buffer = _qssl_buffer_new ();

  g_assert_true (_qssl_buffer_append (buffer, (const guint8 *) "abcdefgh", 8, NULL));
  buffer->len = len;
  return buffer;
}

static void
test_extend_overflow (void)
{
  QsslBuffer *buffer = claimed_buffer (G_MAXSIZE - 4);
  guint8 *storage = buffer->storage;
  GError *error = NULL;

  g_assert_null (_qssl_buffer_extend (buffer, 8, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE);
  g_clear_error (&error);
  g_assert_false (_qssl_buffer_append (buffer, (const guint8 *) "x", 5, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE);
  g_clear_error (&error);
  /* Nothing changed: the contents are intact, not wrapped or moved. */
  g_assert_cmpuint (buffer->len, ==, G_MAXSIZE - 4);
  g_assert_true (buffer->storage == storage);
  g_assert_cmpmem (buffer->data, 8, "abcdefgh", 8);

  buffer->len = 8;
  _qssl_buffer_free (buffer);
}

static void
test_extend_out_of_memory (void)
{
  QsslBuffer *buffer;
  guint8 *storage;
  GError *error = NULL;

#ifdef UNDER_ASAN
  /* ASan aborts on impossible allocations instead of returning NULL. */
  g_test_skip ("an impossible allocation aborts under AddressSanitizer");
  return;
#endif
  /* len + extra fits in a gsize, but no machine has that memory. */
  buffer = claimed_buffer (G_MAXSIZE / 4);
  storage = buffer->storage;
  g_assert_null (_qssl_buffer_extend (buffer, G_MAXSIZE / 4, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE);
  g_clear_error (&error);
  g_assert_cmpuint (buffer->len, ==, G_MAXSIZE / 4);
  g_assert_true (buffer->storage == storage);
  g_assert_cmpmem (buffer->data, 8, "abcdefgh", 8);

  buffer->len = 8;
  _qssl_buffer_free (buffer);
}

/* Contents survive growth, consumption from the front and the compaction
 * that reclaims the front. */
static void
test_contents (void)
{
  g_autoptr(QsslBuffer) buffer = _qssl_buffer_new ();
  g_autoptr(GByteArray) expected = g_byte_array_new ();
  guint8 chunk[1000];
  guint8 *tail;

  g_assert_cmpuint (buffer->len, ==, 0);
  g_assert_nonnull (_qssl_buffer_extend (buffer, 0, NULL));

  for (guint round = 0; round < 200; round++)
    {
      gsize take = (round * 37) % 900;

      for (guint i = 0; i < sizeof chunk; i++)
        chunk[i] = (guint8) (round * 31 + i);
      g_assert_true (_qssl_buffer_append (buffer, chunk, sizeof chunk, NULL));
      g_byte_array_append (expected, chunk, sizeof chunk);

      /* extend() then truncate(), as a read into the buffer does. */
      tail = _qssl_buffer_extend (buffer, 500, NULL);
      g_assert_nonnull (tail);
      memcpy (tail, chunk, 100);
      _qssl_buffer_truncate (buffer, buffer->len - 400);
      g_byte_array_append (expected, chunk, 100);

      take = MIN (take, buffer->len);
      _qssl_buffer_consume (buffer, take);
      g_byte_array_remove_range (expected, 0, take);
      g_assert_cmpmem (buffer->data, buffer->len, expected->data, expected->len);
    }

  /* Consumed space is reused rather than the allocation growing forever. */
  g_assert_cmpuint (buffer->allocated, <, 4 * (expected->len + 1500));

  _qssl_buffer_consume (buffer, buffer->len);
  g_assert_cmpuint (buffer->len, ==, 0);
  g_assert_true (buffer->data == buffer->storage);
  g_assert_true (_qssl_buffer_reserve (buffer, 65536, NULL));
  g_assert_cmpuint (buffer->allocated, >=, 65536);
  g_assert_cmpuint (buffer->len, ==, 0);
  _qssl_buffer_clear (buffer, TRUE);
  g_assert_null (buffer->storage);
  g_assert_cmpuint (buffer->allocated, ==, 0);
}

/* A write buffer with a large backlog that is sent from the front, a record
 * or less at a time, while the application keeps appending: the bytes
 * moved to make room stay within a small multiple of the bytes appended.
 * Moving the whole backlog to the front on every append that met the end
 * of the allocation made draining a backlog of n bytes cost O(n^2). */
static void
test_backlog_not_moved (void)
{
  const gsize backlog = 4 * 1024 * 1024;
  g_autoptr(QsslBuffer) buffer = _qssl_buffer_new ();
  g_autofree guint8 *chunk = g_malloc (16 * 1024);
  guint64 appended = 0, consumed = 0;
  guint32 seed = 7;

  /* The contents are a counter, so that the order can be checked. */
  for (gsize i = 0; i < backlog; i += 4)
    {
      guint32 word = i / 4;
      g_assert_true (_qssl_buffer_append (buffer, (const guint8 *) &word, 4, NULL));
    }
  appended = backlog;
  buffer->moved = 0;

  for (guint round = 0; round < 4096; round++)
    {
      gsize take, give;

      seed = seed * 1103515245u + 12345u;
      take = 1 + (seed >> 8) % (16 * 1024);
      /* Send, as a partial send() would, then append the next write. */
      take = MAX (take - take % 4, 4);
      g_assert_cmpuint (*(const guint32 *) buffer->data, ==, (guint32) (consumed / 4));
      _qssl_buffer_consume (buffer, take);
      consumed += take;
      give = take;
      for (gsize i = 0; i < give; i += 4)
        {
          guint32 word = (appended + i) / 4;
          memcpy (chunk + i, &word, 4);
        }
      g_assert_true (_qssl_buffer_append (buffer, chunk, give, NULL));
      appended += give;
    }
  g_assert_cmpuint (buffer->len, ==, appended - consumed);
  for (gsize i = 0; i < buffer->len; i += 4)
    g_assert_cmpuint (*(const guint32 *) (buffer->data + i), ==, (guint32) ((consumed + i) / 4));
  /* Amortised O(1): each byte moved was paid for by a byte consumed. */
  g_assert_cmpuint (buffer->moved, <=, 2 * (appended - backlog) + 2 * backlog);
  g_assert_cmpuint (buffer->allocated, <=, 4 * backlog + 64 * 1024);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/qssl/buffer/next-allocation", test_next_allocation);
  g_test_add_func ("/qssl/buffer/extend-overflow", test_extend_overflow);
  g_test_add_func ("/qssl/buffer/extend-out-of-memory", test_extend_out_of_memory);
  g_test_add_func ("/qssl/buffer/contents", test_contents);
  g_test_add_func ("/qssl/buffer/backlog-not-moved", test_backlog_not_moved);

  return g_test_run ();
}
