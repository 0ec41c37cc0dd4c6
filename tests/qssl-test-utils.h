/* qssl-test-utils.h: helpers shared by the GTest programs
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <libqssl/qssl.h>

G_BEGIN_DECLS

/* Absolute path of @name inside the generated test PKI ($QSSL_TEST_PKI). */
char            *qssl_test_pki_path           (const char *name);
/* Contents of a PKI file; aborts the test when it cannot be read. */
GBytes          *qssl_test_pki_bytes          (const char *name);
/* First certificate of a PKI PEM file; aborts on failure. */
QsslCertificate *qssl_test_pki_certificate    (const char *name);
/* Unencrypted private key of a PKI file (any algorithm); aborts on failure. */
QsslKey         *qssl_test_pki_key            (const char *name);
/* A configuration that trusts only the test root CA (no system CAs). */
QsslConfiguration *qssl_test_client_configuration (void);
/* A server configuration with @cert_name's chain (NAME.pem, NAME.key and the
 * intermediate), peer verification QUERY_PEER. */
QsslConfiguration *qssl_test_server_configuration (const char *cert_name);

/* Iterates the thread-default main context until *@flag becomes TRUE or
 * @timeout_ms passes; returns whether the flag was set. Never sleeps. */
gboolean         qssl_test_wait_for_flag      (gboolean   *flag,
                                               guint       timeout_ms);
/* Same, for a pointer that becomes non-NULL. */
gboolean         qssl_test_wait_for_pointer   (gpointer   *pointer,
                                               guint       timeout_ms);

/* Output of a command (stdout), or NULL with the test failed. */
void             qssl_test_echo               (QsslSocket *socket,
                                               gpointer    user_data);

char            *qssl_test_run_command        (const char * const *argv);

/* How many entries a directory has (/proc/self/fd, /proc/self/task). */
guint            qssl_test_count_entries      (const char *path);

/* Cancels @cancellable from a thread of its own and returns once it has:
 * what a GIO user's worker thread does. */
void             qssl_test_cancel_from_thread (GCancellable *cancellable);

G_END_DECLS
