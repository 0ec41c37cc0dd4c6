/* qssl-socket.c (skeleton: being written)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "qssl.h"
#include "qssl-private.h"

struct _QsslSocket
{
  GSocketConnection parent_instance;
};

G_DEFINE_FINAL_TYPE (QsslSocket, qssl_socket, G_TYPE_SOCKET_CONNECTION)

static void
qssl_socket_class_init (QsslSocketClass *klass)
{
}

static void
qssl_socket_init (QsslSocket *self)
{
}
