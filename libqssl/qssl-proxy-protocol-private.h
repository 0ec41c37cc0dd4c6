/* qssl-proxy-protocol-private.h: the PROXY protocol header a balancer sends
 * before the TLS ClientHello
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>

#include "qssl.h"

G_BEGIN_DECLS

/* The longest version 1 header, CRLF included (the protocol's own limit). */
#define QSSL_PROXY_V1_MAX_LENGTH 107
/* Version 2: the fixed part, and the most we take after it (addresses and
 * TLVs; the protocol allows 65535, balancers send a few hundred at most). */
#define QSSL_PROXY_V2_FIXED_LENGTH 16
#define QSSL_PROXY_V2_MAX_PAYLOAD 4096

typedef enum {
  QSSL_PROXY_INCOMPLETE,
  QSSL_PROXY_COMPLETE,
  QSSL_PROXY_FAILED,
} QsslProxyStatus;

/* A header being read: what of it has been taken from the socket. Only the
 * part that is parsed is kept (a version 2 header's TLVs are skipped). */
typedef struct _QsslProxyReader QsslProxyReader;

QsslProxyReader *_qssl_proxy_reader_new      (void);
void             _qssl_proxy_reader_free     (QsslProxyReader *reader);

/* Takes exactly the header from @fd, a non-blocking connected socket, and
 * never a byte after it: it peeks first and consumes only bytes known to
 * belong to the header, so that the ClientHello behind it stays. Each call
 * takes what has arrived; INCOMPLETE means "call again when readable".
 * COMPLETE sets @source to the original client, or to %NULL when the
 * header says to keep the connection's own peer (v1 UNKNOWN, v2 LOCAL or
 * an unspecified family). FAILED sets @error: in the G_IO_ERROR domain,
 * G_IO_ERROR_CONNECTION_CLOSED when the peer closed before the end of the
 * header, G_IO_ERROR_INVALID_DATA when it is not a valid PROXY header. */
QsslProxyStatus  _qssl_proxy_reader_read     (QsslProxyReader     *reader,
                                              int                  fd,
                                              GInetSocketAddress **source,
                                              GError             **error);

/* The pure parts, for the fuzzer and the tests: how long the header at the
 * start of @data is (COMPLETE with @length), that more is needed, or that
 * it cannot be a PROXY header; and the parse of one complete header. */
QsslProxyStatus  _qssl_proxy_scan            (const guint8        *data,
                                              gsize                size,
                                              gsize               *length,
                                              GError             **error);
gboolean         _qssl_proxy_parse           (const guint8        *data,
                                              gsize                size,
                                              GInetSocketAddress **source,
                                              GError             **error);

/* On @socket, accepted and not yet encrypted: the next bytes are a PROXY
 * header, read before anything else. start_server_encryption() then waits
 * for it, and the socket's peer becomes the client the header names. */
void             _qssl_socket_expect_proxy_header (QsslSocket      *socket);

G_END_DECLS
