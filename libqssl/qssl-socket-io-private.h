/* qssl-socket-io-private.h: the socket's I/O layer (readiness, buffers, pumps)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "qssl-socket-private.h"

G_BEGIN_DECLS

/* Readiness */

/* Watches the GSocket for @condition on the socket's context (0: stop). */
void     _qssl_socket_watch                 (QsslSocket   *self,
                                             GIOCondition  condition);
/* Takes over @watch, which watches the socket's fd already (see
 * _qssl_socket_new_accepted()), before the socket has a watch of its own. */
void     _qssl_socket_adopt_watch           (QsslSocket   *self,
                                             QsslWatch    *watch);
/* Makes the watch follow watch_condition now (after a blocking wait). */
void     _qssl_socket_apply_watch           (QsslSocket   *self);
/* What the connection needs next: reading while there is room, writing
 * while the buffer holds data, an idle for what OpenSSL already holds. */
void     _qssl_socket_update_watch          (QsslSocket   *self);
/* Called when the fd is ready, from the watch and from the blocking waits. */
void     _qssl_socket_drive                 (QsslSocket   *self,
                                             GIOCondition  condition);

/* Buffers */

/* Unread bytes in the socket's buffer. */
gsize    _qssl_socket_buffered              (QsslSocket   *self);
/* Whether plaintext is left in OpenSSL for read() to take directly. */
gboolean _qssl_socket_reads_through         (QsslSocket   *self);
/* Decrypted plaintext OpenSSL holds for read(). */
gsize    _qssl_socket_held_plaintext        (QsslSocket   *self);
/* What read() can return now: the buffer and what OpenSSL holds. */
gsize    _qssl_socket_available             (QsslSocket   *self);
/* Moves what OpenSSL holds decrypted into the buffer; FALSE (and @error)
 * if the buffer cannot grow. */
gboolean _qssl_socket_keep_held_plaintext   (QsslSocket   *self,
                                             GError      **error);
/* Work for a pump that the fd will not announce. */
gboolean _qssl_socket_has_pending_plaintext (QsslSocket   *self);
/* Whether write() may send now (connected, and encrypted unless plain). */
gboolean _qssl_socket_can_send              (QsslSocket   *self);

/* Pumps */

/* Writes from @data; returns how much went out (never blocks), -1 when the
 * connection failed (and was closed). */
gssize   _qssl_socket_send_now              (QsslSocket   *self,
                                             const guint8 *data,
                                             gsize         size,
                                             gboolean     *would_block);
/* Around a run of send_now() calls for @size bytes: the records they make
 * are gathered and sent several per send() (see _qssl_bio_cork()). end()
 * sends them; FALSE when that failed, and the connection was closed. */
void     _qssl_socket_send_begin            (QsslSocket   *self,
                                             gsize         size);
gboolean _qssl_socket_send_end              (QsslSocket   *self);
/* Encrypted bytes OpenSSL has written that the kernel has not taken. */
gsize    _qssl_socket_unsent_ciphertext     (QsslSocket   *self);
/* What is still to go out: buffered plaintext and unsent ciphertext. */
gsize    _qssl_socket_write_pending         (QsslSocket   *self);
void     _qssl_socket_pump_write            (QsslSocket   *self);
void     _qssl_socket_pump_read             (QsslSocket   *self);
/* read() past the socket's buffer, straight from OpenSSL. */
gsize    _qssl_socket_read_directly         (QsslSocket   *self,
                                             guint8       *buffer,
                                             gsize         size);

/* bytes-written and encrypted-bytes-written, from the main loop. */
void     _qssl_socket_schedule_emission     (QsslSocket   *self);
gboolean _qssl_socket_emission_scheduled    (QsslSocket   *self);
/* Emits them now (and drops the scheduled call). */
void     _qssl_socket_emit_later            (QsslSocket   *self);
/* Drops the scheduled emission and pump (a connection that ends). */
void     _qssl_socket_cancel_deferred       (QsslSocket   *self);

G_END_DECLS
