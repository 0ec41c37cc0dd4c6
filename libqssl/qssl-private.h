/* qssl-private.h: what every libqssl source file shares (i18n, OpenSSL errors)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "config.h"

#include <glib.h>
#include <glib/gi18n-lib.h>

G_BEGIN_DECLS

/* Binds the gettext domain once; every entry point that can return a
 * translated string calls it first. Cheap after the first call. */
void   _qssl_init                    (void);

/* Empties this thread's OpenSSL error queue: before an OpenSSL call whose
 * failure SSL_get_error() or the queue reports, and after one whose errors
 * are ignored. */
void   _qssl_clear_openssl_errors    (void);

/* The OpenSSL error queue of this thread as one readable line, and the
 * queue cleared; NULL when it was empty. */
char  *_qssl_take_openssl_errors     (void);

/* Sets @error (domain/code given) to "@message: <OpenSSL errors>" and clears
 * the OpenSSL error queue. */
void   _qssl_set_error_from_openssl  (GError     **error,
                                      GQuark       domain,
                                      int          code,
                                      const char  *message);

/* Overwrites @size bytes at @data (OPENSSL_cleanse: not optimised away), for
 * key material about to be freed. */
void    _qssl_wipe                   (gpointer       data,
                                      gsize          size);

/* A GBytes that owns @data (@size bytes, released with @free_func) and
 * wipes it before releasing it: for private keys, passphrases and
 * pre-shared keys handed around as GBytes. */
GBytes *_qssl_secret_bytes_new_take  (gpointer       data,
                                      gsize          size,
                                      GDestroyNotify free_func);
/* The same over a copy of @data. */
GBytes *_qssl_secret_bytes_new       (gconstpointer  data,
                                      gsize          size);

/* For QsslServer (qssl-socket-io.c): puts bytes read from the fd before
 * the socket was made (the client's first record) in the socket's buffer,
 * as if it had read them: the handshake started next takes them first. */
struct _QsslSocket;
void    _qssl_socket_unread          (struct _QsslSocket *socket,
                                      const guint8       *data,
                                      gsize               length);
/* For QsslServer (qssl-socket.c): qssl_socket_new_from_socket() for a
 * connected @socket the caller checked, taking over @watch (nullable),
 * the server's watch of the fd while the first record came in: the fd's
 * registration goes on as the socket's, instead of being dropped and made
 * again (the watch is freed if it belongs to another context). */
struct _GSocket;
struct _QsslWatch;
struct _QsslSocket *_qssl_socket_new_accepted (struct _GSocket   *socket,
                                               struct _QsslWatch *watch);

/* The debug trace (G_MESSAGES_DEBUG=Qssl) is decided once, so a disabled
 * trace costs a load and a branch; g_debug() itself formats its message
 * before it finds nobody wants it. */
gboolean _qssl_trace_enabled            (void);
#define _qssl_trace(...) \
  G_STMT_START { \
    if (G_UNLIKELY (_qssl_trace_enabled ())) \
      g_debug (__VA_ARGS__); \
  } G_STMT_END

G_END_DECLS
