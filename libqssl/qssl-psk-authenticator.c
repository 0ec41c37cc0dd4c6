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

enum {
  PROP_0,
  PROP_IDENTITY_HINT,
  PROP_IDENTITY,
  PROP_MAXIMUM_IDENTITY_LENGTH,
  PROP_PRE_SHARED_KEY,
  PROP_MAXIMUM_PRE_SHARED_KEY_LENGTH,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Qt does not tell a null QByteArray from an empty one. */
static gboolean
bytes_equal0 (GBytes *a,
              GBytes *b)
{
  gsize a_size = a ? g_bytes_get_size (a) : 0;
  gsize b_size = b ? g_bytes_get_size (b) : 0;

  if (a_size == 0 || b_size == 0)
    return a_size == b_size;
  return g_bytes_equal (a, b);
}

/* Stores @value in @field; whether it changed. */
static gboolean
set_bytes (GBytes **field,
           GBytes  *value)
{
  if (bytes_equal0 (*field, value))
    return FALSE;
  g_clear_pointer (field, g_bytes_unref);
  if (value != NULL && g_bytes_get_size (value) > 0)
    *field = g_bytes_ref (value);
  return TRUE;
}

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
qssl_pre_shared_key_authenticator_get_property (GObject    *object,
                                                guint       prop_id,
                                                GValue     *value,
                                                GParamSpec *pspec)
{
  QsslPreSharedKeyAuthenticator *self = QSSL_PRE_SHARED_KEY_AUTHENTICATOR (object);

  switch (prop_id)
    {
    case PROP_IDENTITY_HINT:
      g_value_set_boxed (value, self->identity_hint);
      break;
    case PROP_IDENTITY:
      g_value_set_boxed (value, self->identity);
      break;
    case PROP_MAXIMUM_IDENTITY_LENGTH:
      g_value_set_int (value, self->maximum_identity_length);
      break;
    case PROP_PRE_SHARED_KEY:
      g_value_set_boxed (value, self->pre_shared_key);
      break;
    case PROP_MAXIMUM_PRE_SHARED_KEY_LENGTH:
      g_value_set_int (value, self->maximum_pre_shared_key_length);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
qssl_pre_shared_key_authenticator_set_property (GObject      *object,
                                                guint         prop_id,
                                                const GValue *value,
                                                GParamSpec   *pspec)
{
  QsslPreSharedKeyAuthenticator *self = QSSL_PRE_SHARED_KEY_AUTHENTICATOR (object);

  switch (prop_id)
    {
    case PROP_IDENTITY:
      qssl_pre_shared_key_authenticator_set_identity (self, g_value_get_boxed (value));
      break;
    case PROP_PRE_SHARED_KEY:
      qssl_pre_shared_key_authenticator_set_pre_shared_key (self, g_value_get_boxed (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
qssl_pre_shared_key_authenticator_class_init (QsslPreSharedKeyAuthenticatorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = qssl_pre_shared_key_authenticator_finalize;
  object_class->get_property = qssl_pre_shared_key_authenticator_get_property;
  object_class->set_property = qssl_pre_shared_key_authenticator_set_property;

  /**
   * QsslPreSharedKeyAuthenticator:identity-hint:
   *
   * The identity hint: on a client, what the server sent; on a server, its
   * configured hint. %NULL when there is none.
   *
   * Since: 1.0
   */
  properties[PROP_IDENTITY_HINT] =
    g_param_spec_boxed ("identity-hint", NULL, NULL, G_TYPE_BYTES,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * QsslPreSharedKeyAuthenticator:identity:
   *
   * The client's identity: set by a client, read by a server. %NULL when
   * empty.
   *
   * Since: 1.0
   */
  properties[PROP_IDENTITY] =
    g_param_spec_boxed ("identity", NULL, NULL, G_TYPE_BYTES,
                        G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * QsslPreSharedKeyAuthenticator:maximum-identity-length:
   *
   * The longest identity the handshake can carry, in bytes; 0 on a server,
   * which cannot set one.
   *
   * Since: 1.0
   */
  properties[PROP_MAXIMUM_IDENTITY_LENGTH] =
    g_param_spec_int ("maximum-identity-length", NULL, NULL, 0, G_MAXINT, 0,
                      G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * QsslPreSharedKeyAuthenticator:pre-shared-key:
   *
   * The pre-shared key. %NULL when empty, which fails the handshake.
   *
   * Since: 1.0
   */
  properties[PROP_PRE_SHARED_KEY] =
    g_param_spec_boxed ("pre-shared-key", NULL, NULL, G_TYPE_BYTES,
                        G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * QsslPreSharedKeyAuthenticator:maximum-pre-shared-key-length:
   *
   * The longest key the handshake can use, in bytes.
   *
   * Since: 1.0
   */
  properties[PROP_MAXIMUM_PRE_SHARED_KEY_LENGTH] =
    g_param_spec_int ("maximum-pre-shared-key-length", NULL, NULL, 0, G_MAXINT, 0,
                      G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);
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

  set_bytes (&self->identity_hint, identity_hint);
  self->maximum_identity_length = MAX (maximum_identity_length, 0);
  self->maximum_pre_shared_key_length = MAX (maximum_pre_shared_key_length, 0);
  return self;
}

/**
 * qssl_pre_shared_key_authenticator_new:
 *
 * An empty authenticator: no hint, identity or key, and maximum lengths of
 * 0. Sockets hand out authenticators with the hint and the lengths of the
 * handshake in progress.
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
 * A new authenticator with the same hint, identity, key and maximum
 * lengths; changing either leaves the other as it was.
 *
 * Mirrors `QSslPreSharedKeyAuthenticator::QSslPreSharedKeyAuthenticator(const QSslPreSharedKeyAuthenticator &)`.
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
  set_bytes (&copy->identity, self->identity);
  set_bytes (&copy->pre_shared_key, self->pre_shared_key);
  return copy;
}

/**
 * qssl_pre_shared_key_authenticator_equal:
 * @self: a #QsslPreSharedKeyAuthenticator
 * @other: another #QsslPreSharedKeyAuthenticator
 *
 * Whether hint, identity, key and maximum lengths are all the same (an
 * empty value equals none).
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

  return bytes_equal0 (self->identity_hint, other->identity_hint) &&
         bytes_equal0 (self->identity, other->identity) &&
         bytes_equal0 (self->pre_shared_key, other->pre_shared_key) &&
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
 * Returns: (transfer full) (nullable): the hint, or %NULL if none
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
 * @identity: (nullable): the client's identity, or %NULL or empty for none
 *
 * Sets the identity a client sends. It is stored whole; the socket
 * truncates it to [method@Qssl.PreSharedKeyAuthenticator.get_maximum_identity_length]
 * bytes when it answers the server, as Qt does.
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

  if (set_bytes (&self->identity, identity))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_IDENTITY]);
}

/**
 * qssl_pre_shared_key_authenticator_get_identity:
 * @self: a #QsslPreSharedKeyAuthenticator
 *
 * The client's identity.
 *
 * Mirrors `QSslPreSharedKeyAuthenticator::identity()`.
 *
 * Returns: (transfer full) (nullable): the identity, or %NULL if none
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
 * @key: (nullable): the pre-shared key, or %NULL or empty for none
 *
 * Sets the pre-shared key. It is stored whole; the socket truncates it to
 * [method@Qssl.PreSharedKeyAuthenticator.get_maximum_pre_shared_key_length]
 * bytes when it uses it, as Qt does. Leaving it empty fails the handshake.
 *
 * Mirrors `QSslPreSharedKeyAuthenticator::setPreSharedKey()`.
 *
 * Since: 1.0
 */
void
qssl_pre_shared_key_authenticator_set_pre_shared_key (QsslPreSharedKeyAuthenticator *self,
                                                      GBytes                        *key)
{
  g_autoptr(GBytes) secret = NULL;

  g_return_if_fail (QSSL_IS_PRE_SHARED_KEY_AUTHENTICATOR (self));

  if (bytes_equal0 (self->pre_shared_key, key))
    return;
  /* A copy of our own, wiped when its last reference goes: the caller's
   * bytes may be static or shared, so not ours to wipe. */
  if (key != NULL && g_bytes_get_size (key) > 0)
    secret = _qssl_secret_bytes_new (g_bytes_get_data (key, NULL), g_bytes_get_size (key));
  if (set_bytes (&self->pre_shared_key, secret))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PRE_SHARED_KEY]);
}

/**
 * qssl_pre_shared_key_authenticator_get_pre_shared_key:
 * @self: a #QsslPreSharedKeyAuthenticator
 *
 * The pre-shared key.
 *
 * Mirrors `QSslPreSharedKeyAuthenticator::preSharedKey()`.
 *
 * Returns: (transfer full) (nullable): the key, or %NULL if none
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
