/* qssl-virtual-host-private.h: the SNI host table of a server and its sockets
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "qssl-configuration.h"
#include "qssl-socket.h"

G_BEGIN_DECLS

/* Host name or "*.suffix" pattern -> QsslConfiguration. Never changed once
 * made: a change makes a new table, so a socket keeps the table it was
 * given (a handshake in flight keeps its hosts) and tables are shared by
 * reference across threads. */
typedef struct _QsslHostTable QsslHostTable;

QsslHostTable *_qssl_host_table_ref    (QsslHostTable *self);
void           _qssl_host_table_unref  (QsslHostTable *self);

/* A copy of @self (nullable) with @host_name set to a copy of @configuration,
 * or removed when @configuration is NULL; NULL when nothing is left. Names
 * are checked by the public functions (_qssl_host_name_normalize()). */
QsslHostTable *_qssl_host_table_with   (QsslHostTable           *self,
                                        const char              *host_name,
                                        const QsslConfiguration *configuration);

/* The configuration for the server name a client sent: the exact name
 * first, then "*." and the name without its first label; NULL for none.
 * *pattern gets the entry that matched. Transfer none: the configuration
 * lives as long as the table (its SSL_CTX cache is thread-safe). */
QsslConfiguration *_qssl_host_table_lookup (QsslHostTable *self,
                                            const char    *server_name,
                                            const char   **pattern);

/* Lower case without a trailing dot; NULL for what is neither a name nor
 * a "*.suffix" pattern (empty, a "*" elsewhere, empty labels). */
char          *_qssl_host_name_normalize (const char *host_name);

/* QsslServer gives each socket it accepts its hosts (a new reference;
 * NULL for none). */
void           _qssl_socket_set_host_table (QsslSocket    *socket,
                                            QsslHostTable *table);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QsslHostTable, _qssl_host_table_unref)

G_END_DECLS
