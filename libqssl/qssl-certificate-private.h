/* qssl-certificate-private.h: QsslCertificate internals shared with other modules
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "qssl-certificate.h"

G_BEGIN_DECLS

/* Wraps @x509, taking over the caller's reference. */
QsslCertificate *_qssl_certificate_new_take      (X509            *x509);
/* Wraps @x509, adding a reference of its own. */
QsslCertificate *_qssl_certificate_new_ref       (X509            *x509);
/* The wrapped X509 (transfer none). */
X509            *_qssl_certificate_get_x509      (QsslCertificate *self);
/* A GPtrArray of QsslCertificate (free func set) from an OpenSSL stack,
 * order kept; the stack is not modified. */
GPtrArray       *_qssl_certificate_list_from_stack (STACK_OF (X509) *stack);
/* Qt's host-name rules (RFC 6125), checked by X509_check_host() and
 * X509_check_ip_asc(): IP literals match IP SANs only (never the CN), DNS
 * names match DNS SANs with a wildcard only as the whole leftmost label
 * (not for an A-label "xn--..." host), and the CN is consulted only when
 * there is no DNS/IP SAN at all. A name with an embedded NUL never matches.
 * Case-insensitive; a trailing dot on @host_name is ignored. */
gboolean         _qssl_certificate_matches_host  (QsslCertificate *self,
                                                  const char      *host_name);

/* qssl_certificate_verify() against @store (borrowed): a QsslError list. */
GPtrArray       *_qssl_certificate_verify_with_store (GPtrArray   *chain,
                                                      const char  *host_name,
                                                      X509_STORE  *store);

G_END_DECLS
