/* test-tickets.c: the process's table of decoded session tickets
 *
 * The table is what lets a resumed connection skip decoding its ticket
 * (the peer's certificate and key), so these tests look at what it hands
 * back: a ticket's bytes are garbage to d2i_SSL_SESSION() unless the table
 * knows them, which makes a hit tell apart from a miss.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include "qssl-tickets-private.h"

static GBytes *
pattern (gsize  length,
         guint8 seed)
{
  guint8 *data = g_malloc (length + 1);

  for (gsize i = 0; i < length; i++)
    data[i] = (guint8) (seed + i * 31);
  return g_bytes_new_take (data, length);
}

static GBytes *
copy_of (GBytes *bytes)
{
  return g_bytes_new (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
}

/* Bytes the application stored and read back find the session that the
 * library remembered, whatever their length. */
static void
test_copy_finds_the_session (void)
{
  static const gsize lengths[] = { 0, 1, 7, 8, 9, 15, 16, 17, 811, 812, 1023, 1024 };
  SSL_SESSION *session = SSL_SESSION_new ();

  for (gsize i = 0; i < G_N_ELEMENTS (lengths); i++)
    {
      g_autoptr(GBytes) ticket = pattern (lengths[i], 0x40);
      g_autoptr(GBytes) stored = copy_of (ticket);
      SSL_SESSION *found;

      _qssl_ticket_remember (ticket, session);
      g_assert_cmpuint (_qssl_ticket_hash (stored), ==, _qssl_ticket_hash (ticket));
      found = _qssl_ticket_decode (stored);
      g_assert_true (found == session);
      SSL_SESSION_free (found);
    }
  SSL_SESSION_free (session);
}

/* A ticket that differs in one byte, wherever it is, is another ticket:
 * the lookup misses (and the garbage decodes to nothing), and the hash
 * differs, so that tickets of one server, which share most of their
 * bytes, spread over the table. */
static void
test_one_byte_differs (void)
{
  static const gsize lengths[] = { 64, 811, 1024 };
  SSL_SESSION *session = SSL_SESSION_new ();

  for (gsize l = 0; l < G_N_ELEMENTS (lengths); l++)
    {
      g_autoptr(GBytes) ticket = pattern (lengths[l], 0x11);
      const guint8 *data = g_bytes_get_data (ticket, NULL);
      guint hash = _qssl_ticket_hash (ticket);

      _qssl_ticket_remember (ticket, session);
      for (gsize at = 0; at < lengths[l]; at++)
        {
          g_autofree guint8 *changed = g_memdup2 (data, lengths[l]);
          g_autoptr(GBytes) other = NULL;

          changed[at] ^= 0x80;
          other = g_bytes_new (changed, lengths[l]);
          if (_qssl_ticket_hash (other) == hash)
            g_error ("length %" G_GSIZE_FORMAT ": changing byte %" G_GSIZE_FORMAT " left the hash as it was",
                     lengths[l], at);
          if (at == 0 || at == lengths[l] - 1)
            g_assert_null (_qssl_ticket_decode (other));
        }
    }
  SSL_SESSION_free (session);
}

/* A real serialized session: decoded once, then found by value. */
static void
test_decoded_once (void)
{
  static const guint8 secret[32] = { 1, 2, 3 };
  static const unsigned char aes_128_gcm_sha256[2] = { 0x13, 0x01 };
  SSL_CTX *context = SSL_CTX_new (TLS_method ());
  SSL *ssl = SSL_new (context);
  SSL_SESSION *made = SSL_SESSION_new ();
  g_autoptr(GBytes) ticket = NULL;
  g_autoptr(GBytes) stored = NULL;
  SSL_SESSION *first, *again;
  guint8 *data, *end;
  int length;

  g_assert_true (SSL_SESSION_set_protocol_version (made, TLS1_3_VERSION));
  g_assert_true (SSL_SESSION_set1_master_key (made, secret, sizeof secret));
  g_assert_true (SSL_SESSION_set1_id (made, secret, 16));
  g_assert_true (SSL_SESSION_set_cipher (made, SSL_CIPHER_find (ssl, aes_128_gcm_sha256)));
  length = i2d_SSL_SESSION (made, NULL);
  g_assert_cmpint (length, >, 0);
  end = data = g_malloc (length);
  i2d_SSL_SESSION (made, &end);
  ticket = g_bytes_new_take (data, length);
  SSL_SESSION_free (made);

  first = _qssl_ticket_decode (ticket);
  g_assert_nonnull (first);
  g_assert_cmpint (SSL_SESSION_get_protocol_version (first), ==, TLS1_3_VERSION);
  stored = copy_of (ticket);
  again = _qssl_ticket_decode (stored);
  g_assert_true (again == first);
  SSL_SESSION_free (again);
  SSL_SESSION_free (first);
  SSL_free (ssl);
  SSL_CTX_free (context);
}

static GBytes *
numbered (guint n)
{
  guint8 id[8] = { 'b', 'o', 'u', 'n', 'd', (guint8) (n >> 16), (guint8) (n >> 8), (guint8) n };

  return g_bytes_new (id, sizeof id);
}

static gboolean
knows (GBytes      *ticket,
       SSL_SESSION *session)
{
  SSL_SESSION *found = _qssl_ticket_decode (ticket);

  if (found != NULL)
    SSL_SESSION_free (found);
  return found == session;
}

/* At most 256 tickets: the next new one starts the table again, a known
 * one does not. */
static void
test_bounded (void)
{
  SSL_SESSION *session = SSL_SESSION_new ();
  g_autoptr(GBytes) marker = numbered (0);
  g_autoptr(GBytes) first = NULL;
  guint n = 1;

  /* Whatever the other tests left in it: fill until the marker goes, when
   * the table holds just the ticket that emptied it. */
  _qssl_ticket_remember (marker, session);
  while (knows (marker, session))
    {
      g_autoptr(GBytes) ticket = numbered (n++);

      g_assert_cmpuint (n, <=, 258);
      g_clear_pointer (&first, g_bytes_unref);
      first = g_bytes_ref (ticket);
      _qssl_ticket_remember (ticket, session);
    }
  for (guint i = 1; i < 256; i++)
    {
      g_autoptr(GBytes) ticket = numbered (n++);

      _qssl_ticket_remember (ticket, session);
    }
  g_assert_true (knows (first, session));
  _qssl_ticket_remember (first, session);
  g_assert_true (knows (first, session));
  {
    g_autoptr(GBytes) newest = numbered (n - 1);
    g_autoptr(GBytes) one_more = numbered (n++);

    g_assert_true (knows (newest, session));
    _qssl_ticket_remember (one_more, session);
    g_assert_false (knows (first, session));
    g_assert_false (knows (newest, session));
    g_assert_true (knows (one_more, session));
  }
  SSL_SESSION_free (session);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/qssl/tickets/copy-finds-the-session", test_copy_finds_the_session);
  g_test_add_func ("/qssl/tickets/one-byte-differs", test_one_byte_differs);
  g_test_add_func ("/qssl/tickets/decoded-once", test_decoded_once);
  g_test_add_func ("/qssl/tickets/bounded", test_bounded);

  return g_test_run ();
}
