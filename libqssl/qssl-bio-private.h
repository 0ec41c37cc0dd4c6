/* qssl-bio-private.h: the BIO through which OpenSSL reads and writes a socket
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>
#include <openssl/bio.h>

G_BEGIN_DECLS

/* A non-blocking BIO over @fd (not owned) that first hands OpenSSL the bytes
 * of @prefix (nullable): what was read in plain mode before STARTTLS but
 * belongs to the TLS stream. Writes use MSG_NOSIGNAL, so a vanished peer is
 * an error, never a SIGPIPE. */
BIO *_qssl_bio_new (int     fd,
                    GBytes *prefix);

/* Gathering the records of one application write (libqssl only): while
 * corked, records are kept and sent several per send(); uncork() sends
 * what is gathered. Records the kernel refused are kept (bounded), and
 * unsent() says how many bytes wait: the socket then waits for the fd to
 * become writable and calls flush(). FALSE with @error (an errno) when a
 * send() failed; the BIO then fails every later write. keep() ends the
 * gathering without sending: what was gathered goes out with the next
 * record, in the same send(), or at the next flush(). */
void     _qssl_bio_cork   (BIO *bio);
gboolean _qssl_bio_uncork (BIO *bio,
                           int *error);
void     _qssl_bio_keep   (BIO *bio);
gboolean _qssl_bio_flush  (BIO *bio,
                           int *error);
gsize    _qssl_bio_unsent (BIO *bio);

/* Makes every later read or write on @bio fail: for an SSL that outlives
 * its socket's fd while OpenSSL unwinds from a callback. */
void _qssl_bio_detach (BIO *bio);

G_END_DECLS
