/* qssl-server.c (skeleton: being written)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "qssl.h"
#include "qssl-private.h"

struct _QsslServer
{
  GSocketService parent_instance;
};

G_DEFINE_FINAL_TYPE (QsslServer, qssl_server, G_TYPE_SOCKET_SERVICE)

static void
qssl_server_class_init (QsslServerClass *klass)
{
}

static void
qssl_server_init (QsslServer *self)
{
}
