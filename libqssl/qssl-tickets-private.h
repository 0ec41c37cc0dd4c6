/* qssl-tickets-private.h: session tickets decoded once per process
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>
#include <openssl/ssl.h>

G_BEGIN_DECLS

/* Session tickets (i2d_SSL_SESSION form) as sessions, decoded once per
 * process: decoding parses the peer certificate and its key, which costs
 * more than the resumed handshake. The table is by value (the bytes an
 * application hands back may be a copy read back from storage), holds at
 * most 256 tickets, and keeps a reference to each session, so that a
 * session OpenSSL marked not resumable stays so here, as in the shared
 * cache. Decode returns a new reference or NULL (not a session); remember
 * records what a ticket decodes to. */
SSL_SESSION *_qssl_ticket_decode   (GBytes      *ticket);
void         _qssl_ticket_remember (GBytes      *ticket,
                                    SSL_SESSION *session);

/* The table's hash of a ticket (a GBytes): depends on every byte. */
guint        _qssl_ticket_hash     (gconstpointer ticket);

G_END_DECLS
