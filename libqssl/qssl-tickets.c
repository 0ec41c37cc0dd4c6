/* qssl-tickets.c: session tickets decoded once per process
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include <openssl/err.h>

#include "qssl-tickets-private.h"

/* A bound, not a policy: a full table starts again empty. */
#define MAX_DECODED_TICKETS 256

static GMutex decoded_tickets_lock;
static GHashTable *decoded_tickets;   /* GBytes -> SSL_SESSION */

/* A ticket is a serialized session with the peer's certificate, about a
 * kilobyte, hashed two or three times per resumed connection: by words,
 * where g_bytes_hash() takes a multiply per byte. */
guint
_qssl_ticket_hash (gconstpointer ticket)
{
  gsize length, i;
  const guint8 *data = g_bytes_get_data ((GBytes *) ticket, &length);
  guint64 hash = length;

  for (i = 0; i + sizeof (guint64) <= length; i += sizeof (guint64))
    {
      guint64 word;

      memcpy (&word, data + i, sizeof word);
      hash = (hash ^ word) * G_GUINT64_CONSTANT (0x9e3779b97f4a7c15);
      hash ^= hash >> 32;
    }
  for (; i < length; i++)
    hash = (hash ^ data[i]) * G_GUINT64_CONSTANT (0x9e3779b97f4a7c15);
  /* MurmurHash3's finalizer: every bit of the last word reaches the low 32. */
  hash ^= hash >> 33;
  hash *= G_GUINT64_CONSTANT (0xff51afd7ed558ccd);
  hash ^= hash >> 33;
  return (guint) hash;
}

SSL_SESSION *
_qssl_ticket_decode (GBytes *ticket)
{
  const unsigned char *data;
  SSL_SESSION *session;
  gsize length;

  g_mutex_lock (&decoded_tickets_lock);
  session = decoded_tickets ? g_hash_table_lookup (decoded_tickets, ticket) : NULL;
  if (session != NULL)
    SSL_SESSION_up_ref (session);
  g_mutex_unlock (&decoded_tickets_lock);
  if (session != NULL)
    return session;

  data = g_bytes_get_data (ticket, &length);
  session = d2i_SSL_SESSION (NULL, &data, (long) MIN (length, G_MAXLONG));
  if (session == NULL)
    {
      ERR_clear_error ();
      return NULL;
    }
  _qssl_ticket_remember (ticket, session);
  return session;
}

void
_qssl_ticket_remember (GBytes      *ticket,
                       SSL_SESSION *session)
{
  g_mutex_lock (&decoded_tickets_lock);
  if (decoded_tickets == NULL)
    decoded_tickets = g_hash_table_new_full (_qssl_ticket_hash, g_bytes_equal, (GDestroyNotify) g_bytes_unref,
                                             (GDestroyNotify) SSL_SESSION_free);
  if (g_hash_table_size (decoded_tickets) >= MAX_DECODED_TICKETS &&
      !g_hash_table_contains (decoded_tickets, ticket))
    g_hash_table_remove_all (decoded_tickets);
  SSL_SESSION_up_ref (session);
  g_hash_table_replace (decoded_tickets, g_bytes_ref (ticket), session);
  g_mutex_unlock (&decoded_tickets_lock);
}
