/* qssl-socket-observer-private.h: one party told of a socket's handshake
 * end before its signal handlers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * QsslServer follows each accepted socket until it is encrypted or fails.
 * A pair of signal handlers per socket did that at the cost of two
 * closures, their connection and their removal for every connection; the
 * observer is a pointer the socket's class handlers of encrypted and
 * error-occurred call, at the start of those emissions (before any
 * handler).
 */

#pragma once

#include "qssl.h"

G_BEGIN_DECLS

typedef struct
{
  void (*encrypted)      (QsslSocket      *socket,
                          gpointer         data);
  void (*error_occurred) (QsslSocket      *socket,
                          QsslSocketError  error,
                          gpointer         data);
} QsslSocketObserver;

/* @observer: NULL for none (the default). */
void _qssl_socket_set_observer (QsslSocket               *socket,
                                const QsslSocketObserver *observer,
                                gpointer                  data);

G_END_DECLS
