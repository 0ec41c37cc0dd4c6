/* qssl-virtual-host.c: SNI virtual hosts, the host table and the socket's side of it
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A server-side socket chooses its configuration from the server name the
 * client sends in its ClientHello (the engine's ClientHello callback looks
 * it up here). QsslServer hands each socket it accepts its table; a socket
 * that an application accepted itself is given hosts with
 * qssl_socket_set_host_configuration().
 */

#include "config.h"

#include <string.h>

#include "qssl.h"
#include "qssl-configuration-private.h"
#include "qssl-private.h"
#include "qssl-socket-private.h"
#include "qssl-virtual-host-private.h"

struct _QsslHostTable
{
  gatomicrefcount  ref_count;
  GHashTable      *hosts;   /* normalised name or pattern -> QsslConfiguration */
};

QsslHostTable *
_qssl_host_table_ref (QsslHostTable *self)
{
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
_qssl_host_table_unref (QsslHostTable *self)
{
  if (self != NULL && g_atomic_ref_count_dec (&self->ref_count))
    {
      g_hash_table_unref (self->hosts);
      g_free (self);
    }
}

char *
_qssl_host_name_normalize (const char *host_name)
{
  g_autofree char *name = NULL;
  gsize length;
  const char *labels;

  if (host_name == NULL)
    return NULL;
  name = g_ascii_strdown (host_name, -1);
  length = strlen (name);
  if (length > 0 && name[length - 1] == '.')
    name[--length] = '\0';
  if (length == 0 || length > 255)
    return NULL;
  /* "*." and at least one label, as a certificate's wildcard. */
  labels = name;
  if (name[0] == '*')
    {
      if (name[1] != '.')
        return NULL;
      labels = name + 2;
    }
  if (*labels == '\0' || strchr (labels, '*') != NULL || labels[0] == '.' || strstr (labels, "..") != NULL)
    return NULL;
  return g_steal_pointer (&name);
}

QsslHostTable *
_qssl_host_table_with (QsslHostTable           *self,
                       const char              *host_name,
                       const QsslConfiguration *configuration)
{
  g_autofree char *key = _qssl_host_name_normalize (host_name);
  QsslHostTable *table;
  GHashTableIter iter;
  gpointer name, value;

  g_return_val_if_fail (key != NULL, self != NULL ? _qssl_host_table_ref (self) : NULL);

  table = g_new0 (QsslHostTable, 1);
  g_atomic_ref_count_init (&table->ref_count);
  table->hosts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) qssl_configuration_free);
  if (self != NULL)
    {
      /* Copies share their contexts: the hosts that did not change keep
       * their SSL_CTX, sessions and loaded CAs. */
      g_hash_table_iter_init (&iter, self->hosts);
      while (g_hash_table_iter_next (&iter, &name, &value))
        g_hash_table_insert (table->hosts, g_strdup (name), qssl_configuration_copy (value));
    }
  if (configuration != NULL)
    {
      QsslConfiguration *copy = qssl_configuration_copy (configuration);

      _qssl_configuration_clear_session_state (copy);
      g_hash_table_replace (table->hosts, g_steal_pointer (&key), copy);
    }
  else
    g_hash_table_remove (table->hosts, key);
  if (g_hash_table_size (table->hosts) == 0)
    {
      _qssl_host_table_unref (table);
      return NULL;
    }
  return table;
}

QsslConfiguration *
_qssl_host_table_lookup (QsslHostTable  *self,
                         const char     *server_name,
                         const char    **pattern)
{
  g_autofree char *name = NULL;
  g_autofree char *wildcard = NULL;
  gpointer key = NULL, value = NULL;
  const char *dot;

  if (self == NULL || server_name == NULL)
    return NULL;
  name = _qssl_host_name_normalize (server_name);
  /* A client's name never matches as a pattern. */
  if (name == NULL || name[0] == '*')
    return NULL;
  if (!g_hash_table_lookup_extended (self->hosts, name, &key, &value))
    {
      /* One label, as in certificates: "*.example.org" is not
       * "example.org" nor "a.b.example.org". */
      dot = strchr (name, '.');
      if (dot == NULL || dot == name)
        return NULL;
      wildcard = g_strconcat ("*", dot, NULL);
      if (!g_hash_table_lookup_extended (self->hosts, wildcard, &key, &value))
        return NULL;
    }
  if (pattern != NULL)
    *pattern = key;
  return value;
}

void
_qssl_socket_set_host_table (QsslSocket    *self,
                             QsslHostTable *table)
{
  if (table != NULL)
    _qssl_host_table_ref (table);
  _qssl_host_table_unref (self->host_table);
  self->host_table = table;
}

/**
 * qssl_socket_set_host_configuration:
 * @self: a #QsslSocket
 * @host_name: a host name, or a `*.` wildcard pattern such as
 *   `*.example.org`
 * @configuration: the configuration for clients that ask for @host_name
 *
 * Serves @host_name with @configuration when this socket is a server: a
 * client that sends @host_name as its server name (SNI) gets its
 * certificate, key and chain, CA certificates, verify mode and depth, ALPN
 * protocols, ciphers, protocol range, OCSP response and pre-shared key
 * identity hint, chosen from the ClientHello before anything is sent.
 * Other clients get the socket's own configuration. The rules are those of
 * [method@Qssl.Server.set_host_configuration], which a #QsslServer applies
 * to every socket it accepts (those sockets start with the server's hosts;
 * this changes them for one socket only). This is for a socket an
 * application accepted itself and encrypts with
 * [method@Qssl.Socket.start_server_encryption]; it applies from the next
 * handshake on.
 *
 * Once a host has served a handshake, [method@Qssl.Socket.get_ssl_configuration]
 * is the host's configuration (with the session's state) until the next
 * handshake, which starts from the socket's own configuration again.
 *
 * libqssl only.
 *
 * Since: 1.0
 */
void
qssl_socket_set_host_configuration (QsslSocket              *self,
                                    const char              *host_name,
                                    const QsslConfiguration *configuration)
{
  g_autofree char *key = NULL;
  g_autoptr(QsslHostTable) table = NULL;

  g_return_if_fail (QSSL_IS_SOCKET (self));
  g_return_if_fail (host_name != NULL);
  g_return_if_fail (configuration != NULL);
  key = _qssl_host_name_normalize (host_name);
  g_return_if_fail (key != NULL);

  table = _qssl_host_table_with (self->host_table, key, configuration);
  _qssl_socket_set_host_table (self, table);
}

/**
 * qssl_socket_remove_host_configuration:
 * @self: a #QsslSocket
 * @host_name: a name given to [method@Qssl.Socket.set_host_configuration]
 *   (compared the same way: case and a trailing dot do not matter)
 *
 * Stops serving @host_name with a configuration of its own; from the next
 * handshake on its clients get the socket's configuration. Nothing happens
 * when @host_name has none.
 *
 * libqssl only.
 *
 * Since: 1.0
 */
void
qssl_socket_remove_host_configuration (QsslSocket *self,
                                       const char *host_name)
{
  g_autofree char *key = NULL;
  g_autoptr(QsslHostTable) table = NULL;

  g_return_if_fail (QSSL_IS_SOCKET (self));
  g_return_if_fail (host_name != NULL);
  key = _qssl_host_name_normalize (host_name);
  g_return_if_fail (key != NULL);

  if (self->host_table == NULL)
    return;
  table = _qssl_host_table_with (self->host_table, key, NULL);
  _qssl_socket_set_host_table (self, table);
}

/**
 * qssl_socket_get_requested_server_name:
 * @self: a #QsslSocket
 *
 * The server name (SNI) the client sent in its ClientHello, as it sent
 * it, on a server-side socket: what virtual hosts are chosen by. It is
 * known from the start of the handshake (a handler of
 * [signal@Qssl.Socket::peer-verify-error] or
 * [signal@Qssl.Socket::pre-shared-key-authentication-required] can read
 * it) until the next handshake starts.
 *
 * libqssl only.
 *
 * Returns: (nullable): the name, or %NULL on a client socket, before the
 *   ClientHello, or when the client sent no server name
 *
 * Since: 1.0
 */
const char *
qssl_socket_get_requested_server_name (QsslSocket *self)
{
  g_return_val_if_fail (QSSL_IS_SOCKET (self), NULL);

  return self->requested_server_name;
}
