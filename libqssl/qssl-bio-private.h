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

/* Makes every later read or write on @bio fail: for an SSL that outlives
 * its socket's fd while OpenSSL unwinds from a callback. */
void _qssl_bio_detach (BIO *bio);

G_END_DECLS
