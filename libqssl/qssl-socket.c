/* qssl-socket.c: QsslSocket, a TLS socket that is a GSocketConnection (QSslSocket)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <openssl/crypto.h>
#include <openssl/opensslv.h>
#include <openssl/ssl.h>

#include "qssl.h"
#include "qssl-private.h"

/**
 * QsslSocket:
 *
 * A TCP socket that speaks TLS, with Qt's `QSslSocket` API and signals, and a
 * #GSocketConnection (so a #GIOStream) for GIO code.
 *
 * A socket belongs to the #GMainContext that was the thread-default when it
 * was created; its handshake and I/O run there, driven by socket readiness.
 *
 * `g_object_new (QSSL_TYPE_SOCKET, NULL)` (what `Qssl.Socket()` in Python and
 * `new Qssl.Socket()` in GJS do) and [ctor@Qssl.Socket.new] give the same
 * unconnected socket. #GSocketConnection needs a #GSocket from construction
 * on, so an unconnected socket holds a placeholder one until it connects.
 *
 * Mirrors `QSslSocket`.
 *
 * Since: 1.0
 */
struct _QsslSocket
{
  GSocketConnection  parent_instance;

  GMainContext      *context;
};

G_DEFINE_FINAL_TYPE (QsslSocket, qssl_socket, G_TYPE_SOCKET_CONNECTION)

/* GSocketConnection asserts in constructed() that it was given a GSocket.
 * An unconnected socket (Qt style: made first, connected later) gets a
 * placeholder here; connecting installs the real one. */
static GObject *
qssl_socket_constructor (GType                  type,
                         guint                  n_properties,
                         GObjectConstructParam *properties)
{
  g_autoptr(GSocket) placeholder = NULL;

  for (guint i = 0; i < n_properties; i++)
    {
      if (g_str_equal (properties[i].pspec->name, "socket") &&
          g_value_get_object (properties[i].value) == NULL)
        {
          g_autoptr(GError) error = NULL;

          placeholder = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                      G_SOCKET_PROTOCOL_TCP, &error);
          if (placeholder == NULL)
            g_error ("QsslSocket: cannot create a socket: %s", error->message);
          g_value_set_object (properties[i].value, placeholder);
        }
    }

  return G_OBJECT_CLASS (qssl_socket_parent_class)->constructor (type, n_properties, properties);
}

static void
qssl_socket_finalize (GObject *object)
{
  QsslSocket *self = QSSL_SOCKET (object);

  g_clear_pointer (&self->context, g_main_context_unref);

  G_OBJECT_CLASS (qssl_socket_parent_class)->finalize (object);
}

static void
qssl_socket_class_init (QsslSocketClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructor = qssl_socket_constructor;
  object_class->finalize = qssl_socket_finalize;
}

static void
qssl_socket_init (QsslSocket *self)
{
  self->context = g_main_context_ref_thread_default ();
}

/**
 * qssl_socket_new:
 *
 * An unconnected socket, ready for signal handlers and settings before it
 * connects.
 *
 * Mirrors `QSslSocket::QSslSocket()`.
 *
 * Returns: (transfer full): a new socket
 *
 * Since: 1.0
 */
QsslSocket *
qssl_socket_new (void)
{
  return g_object_new (QSSL_TYPE_SOCKET, NULL);
}

/**
 * qssl_socket_supports_ssl:
 *
 * Whether TLS is available. libqssl links OpenSSL at build time, so this is
 * always %TRUE; it exists for code ported from Qt.
 *
 * Mirrors `QSslSocket::supportsSsl()`.
 *
 * Returns: %TRUE
 *
 * Since: 1.0
 */
gboolean
qssl_socket_supports_ssl (void)
{
  return OPENSSL_init_ssl (0, NULL) == 1;
}

/**
 * qssl_socket_ssl_library_version_number:
 *
 * The version number of the OpenSSL library in use (`OpenSSL_version_num()`,
 * 0xMNN00PP0L).
 *
 * Mirrors `QSslSocket::sslLibraryVersionNumber()`.
 *
 * Returns: the version number
 *
 * Since: 1.0
 */
glong
qssl_socket_ssl_library_version_number (void)
{
  return (glong) OpenSSL_version_num ();
}

/**
 * qssl_socket_ssl_library_version_string:
 *
 * The version of the OpenSSL library in use, as it names itself
 * ("OpenSSL 3.0.11 19 Sep 2023").
 *
 * Mirrors `QSslSocket::sslLibraryVersionString()`.
 *
 * Returns: the version string
 *
 * Since: 1.0
 */
const char *
qssl_socket_ssl_library_version_string (void)
{
  return OpenSSL_version (OPENSSL_VERSION);
}

/**
 * qssl_socket_ssl_library_build_version_number:
 *
 * The version number of the OpenSSL headers libqssl was built against.
 *
 * Mirrors `QSslSocket::sslLibraryBuildVersionNumber()`.
 *
 * Returns: the version number
 *
 * Since: 1.0
 */
glong
qssl_socket_ssl_library_build_version_number (void)
{
  return (glong) OPENSSL_VERSION_NUMBER;
}

/**
 * qssl_socket_ssl_library_build_version_string:
 *
 * The version of the OpenSSL headers libqssl was built against.
 *
 * Mirrors `QSslSocket::sslLibraryBuildVersionString()`.
 *
 * Returns: the version string
 *
 * Since: 1.0
 */
const char *
qssl_socket_ssl_library_build_version_string (void)
{
  return OPENSSL_VERSION_TEXT;
}
