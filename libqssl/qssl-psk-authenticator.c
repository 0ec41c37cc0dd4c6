/* qssl-psk-authenticator.c: QsslPreSharedKeyAuthenticator (QSslPreSharedKeyAuthenticator)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "qssl.h"
#include "qssl-private.h"
#include "qssl-psk-authenticator-private.h"

/**
 * QsslPreSharedKeyAuthenticator:
 *
 * What a PSK handshake needs from the application: a client sets the identity
 * and the key; a server sees the client's identity and sets the key. Handed to
 * the socket's `pre-shared-key-authentication-required` signal handlers.
 *
 * Mirrors `QSslPreSharedKeyAuthenticator`.
 *
 * Since: 1.0
 */
struct _QsslPreSharedKeyAuthenticator
{
  GObject  parent_instance;

  GBytes  *identity_hint;
  GBytes  *identity;
  GBytes  *pre_shared_key;
  int      maximum_identity_length;
  int      maximum_pre_shared_key_length;
};

G_DEFINE_FINAL_TYPE (QsslPreSharedKeyAuthenticator, qssl_pre_shared_key_authenticator, G_TYPE_OBJECT)

static void
qssl_pre_shared_key_authenticator_finalize (GObject *object)
{
  QsslPreSharedKeyAuthenticator *self = QSSL_PRE_SHARED_KEY_AUTHENTICATOR (object);

  g_clear_pointer (&self->identity_hint, g_bytes_unref);
  g_clear_pointer (&self->identity, g_bytes_unref);
  g_clear_pointer (&self->pre_shared_key, g_bytes_unref);

  G_OBJECT_CLASS (qssl_pre_shared_key_authenticator_parent_class)->finalize (object);
}

static void
qssl_pre_shared_key_authenticator_class_init (QsslPreSharedKeyAuthenticatorClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = qssl_pre_shared_key_authenticator_finalize;
}

static void
qssl_pre_shared_key_authenticator_init (QsslPreSharedKeyAuthenticator *self)
{
}

QsslPreSharedKeyAuthenticator *
_qssl_pre_shared_key_authenticator_new_full (GBytes *identity_hint,
                                             int     maximum_identity_length,
                                             int     maximum_pre_shared_key_length)
{
  QsslPreSharedKeyAuthenticator *self = qssl_pre_shared_key_authenticator_new ();

  self->identity_hint = identity_hint ? g_bytes_ref (identity_hint) : NULL;
  self->maximum_identity_length = maximum_identity_length;
  self->maximum_pre_shared_key_length = maximum_pre_shared_key_length;
  return self;
}

/**
 * qssl_pre_shared_key_authenticator_new:
 *
 * An empty authenticator (no hint, identity or key; maximum lengths 0).
 *
 * Mirrors `QSslPreSharedKeyAuthenticator::QSslPreSharedKeyAuthenticator()`.
 *
 * Returns: (transfer full): a new authenticator
 *
 * Since: 1.0
 */
QsslPreSharedKeyAuthenticator *
qssl_pre_shared_key_authenticator_new (void)
{
  return g_object_new (QSSL_TYPE_PRE_SHARED_KEY_AUTHENTICATOR, NULL);
}

/**
 * qssl_pre_shared_key_authenticator_copy:
 * @self: a #QsslPreSharedKeyAuthenticator
 *
 * A new authenticator with the same contents.
 *
 * Mirrors the copy constructor of `QSslPreSharedKeyAuthenticator`.
 *
 * Returns: (transfer full): the copy
 *
 * Since: 1.0
 */
QsslPreSharedKeyAuthenticator *
qssl_pre_shared_key_authenticator_copy (QsslPreSharedKeyAuthenticator *self)
{
  QsslPreSharedKeyAuthenticator *copy;

  g_return_val_if_fail (QSSL_IS_PRE_SHARED_KEY_AUTHENTICATOR (self), NULL);

  copy = _qssl_pre_shared_key_authenticator_new_full (self->identity_hint,
                                                      self->maximum_identity_length,
                                                      self->maximum_pre_shared_key_length);
  qssl_pre_shared_key_authenticator_set_identity (copy, self->identity);
  qssl_pre_shared_key_authenticator_set_pre_shared_key (copy, self->pre_shared_key);
  return copy;
}

static gboolean
bytes_equal_nullable (GBytes *a,
                      GBytes *b)
{
  if (a == NULL || b == NULL)
    return (a == NULL || g_bytes_get_size (a) == 0) && (b == NULL || g_bytes_get_size (b) == 0);
  return g_bytes_equal (a, b);
}

/**
 * qssl_pre_shared_key_authenticator_equal:
 * @self: a #QsslPreSharedKeyAuthenticator
 * @other: another #QsslPreSharedKeyAuthenticator
 *
 * Whether hint, identity, key and maximum lengths are all the same.
 *
 * Mirrors `QSslPreSharedKeyAuthenticator::operator==()`.
 *
 * Returns: %TRUE when equal
 *
 * Since: 1.0
 */
gboolean
qssl_pre_shared_key_authenticator_equal (QsslPreSharedKeyAuthenticator *self,
                                         QsslPreSharedKeyAuthenticator *other)
{
  g_return_val_if_fail (QSSL_IS_PRE_SHARED_KEY_AUTHENTICATOR (self), FALSE);
  g_return_val_if_fail (QSSL_IS_PRE_SHARED_KEY_AUTHENTICATOR (other), FALSE);

  return bytes_equal_nullable (self->identity_hint, other->identity_hint) &&
         bytes_equal_nullable (self->identity, other->identity) &&
         bytes_equal_nullable (self->pre_shared_key, other->pre_shared_key) &&
         self->maximum_identity_length == other->maximum_identity_length &&
         self->maximum_pre_shared_key_length == other->maximum_pre_shared_key_length;
}

/**
 * qssl_pre_shared_key_authenticator_get_identity_hint:
 * @self: a #QsslPreSharedKeyAuthenticator
 *
 * On a client, the hint the server sent; on a server, its configured hint.
 *
 * Mirrors `QSslPreSharedKeyAuthenticator::identityHint()`.
 *
 * Returns: (transfer full) (nullable): the hint
 *
 * Since: 1.0
 */
GBytes *
qssl_pre_shared_key_authenticator_get_identity_hint (QsslPreSharedKeyAuthenticator *self)
{
  g_return_val_if_fail (QSSL_IS_PRE_SHARED_KEY_AUTHENTICATOR (self), NULL);

  return self->identity_hint ? g_bytes_ref (self->identity_hint) : NULL;
}

/**
 * qssl_pre_shared_key_authenticator_set_identity:
 * @self: a #QsslPreSharedKeyAuthenticator
 * @identity: (nullable): the client's identity
 *
 * Sets the identity a client sends (truncated to the maximum length when
 * used).
 *
 * Mirrors `QSslPreSharedKeyAuthenticator::setIdentity()`.
 *
 * Since: 1.0
 */
void
qssl_pre_shared_key_authenticator_set_identity (QsslPreSharedKeyAuthenticator *self,
                                                GBytes                        *identity)
{
  g_return_if_fail (QSSL_IS_PRE_SHARED_KEY_AUTHENTICATOR (self));

  g_clear_pointer (&self->identity, g_bytes_unref);
  self->identity = identity ? g_bytes_ref (identity) : NULL;
}

/**
 * qssl_pre_shared_key_authenticator_get_identity:
 * @self: a #QsslPreSharedKeyAuthenticator
 *
 * The client's identity.
 *
 * Mirrors `QSslPreSharedKeyAuthenticator::identity()`.
 *
 * Returns: (transfer full) (nullable): the identity
 *
 * Since: 1.0
 */
GBytes *
qssl_pre_shared_key_authenticator_get_identity (QsslPreSharedKeyAuthenticator *self)
{
  g_return_val_if_fail (QSSL_IS_PRE_SHARED_KEY_AUTHENTICATOR (self), NULL);

  return self->identity ? g_bytes_ref (self->identity) : NULL;
}

/**
 * qssl_pre_shared_key_authenticator_get_maximum_identity_length:
 * @self: a #QsslPreSharedKeyAuthenticator
 *
 * The longest identity the handshake can carry (0 on a server).
 *
 * Mirrors `QSslPreSharedKeyAuthenticator::maximumIdentityLength()`.
 *
 * Returns: the length in bytes
 *
 * Since: 1.0
 */
int
qssl_pre_shared_key_authenticator_get_maximum_identity_length (QsslPreSharedKeyAuthenticator *self)
{
  g_return_val_if_fail (QSSL_IS_PRE_SHARED_KEY_AUTHENTICATOR (self), 0);

  return self->maximum_identity_length;
}

/**
 * qssl_pre_shared_key_authenticator_set_pre_shared_key:
 * @self: a #QsslPreSharedKeyAuthenticator
 * @key: (nullable): the pre-shared key
 *
 * Sets the key (truncated to the maximum length when used). Leaving it empty
 * fails the handshake.
 *
 * Mirrors `QSslPreSharedKeyAuthenticator::setPreSharedKey()`.
 *
 * Since: 1.0
 */
void
qssl_pre_shared_key_authenticator_set_pre_shared_key (QsslPreSharedKeyAuthenticator *self,
                                                      GBytes                        *key)
{
  g_return_if_fail (QSSL_IS_PRE_SHARED_KEY_AUTHENTICATOR (self));

  g_clear_pointer (&self->pre_shared_key, g_bytes_unref);
  self->pre_shared_key = key ? g_bytes_ref (key) : NULL;
}

/**
 * qssl_pre_shared_key_authenticator_get_pre_shared_key:
 * @self: a #QsslPreSharedKeyAuthenticator
 *
 * The pre-shared key.
 *
 * Mirrors `QSslPreSharedKeyAuthenticator::preSharedKey()`.
 *
 * Returns: (transfer full) (nullable): the key
 *
 * Since: 1.0
 */
GBytes *
qssl_pre_shared_key_authenticator_get_pre_shared_key (QsslPreSharedKeyAuthenticator *self)
{
  g_return_val_if_fail (QSSL_IS_PRE_SHARED_KEY_AUTHENTICATOR (self), NULL);

  return self->pre_shared_key ? g_bytes_ref (self->pre_shared_key) : NULL;
}

/**
 * qssl_pre_shared_key_authenticator_get_maximum_pre_shared_key_length:
 * @self: a #QsslPreSharedKeyAuthenticator
 *
 * The longest key the handshake can use.
 *
 * Mirrors `QSslPreSharedKeyAuthenticator::maximumPreSharedKeyLength()`.
 *
 * Returns: the length in bytes
 *
 * Since: 1.0
 */
int
qssl_pre_shared_key_authenticator_get_maximum_pre_shared_key_length (QsslPreSharedKeyAuthenticator *self)
{
  g_return_val_if_fail (QSSL_IS_PRE_SHARED_KEY_AUTHENTICATOR (self), 0);

  return self->maximum_pre_shared_key_length;
}
