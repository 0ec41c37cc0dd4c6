/* test-configuration.c: QsslConfiguration values, defaults, CAs and ciphers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "qssl-test-utils.h"

#define ALL_TLS13_SUITES "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256:" \
                         "TLS_AES_128_CCM_SHA256:TLS_AES_128_CCM_8_SHA256"

/* Qt's QSslConfigurationPrivate::defaultSslOptions. */
#define QT_DEFAULT_OPTIONS (QSSL_SSL_OPTIONS_DISABLE_EMPTY_FRAGMENTS | \
                            QSSL_SSL_OPTIONS_DISABLE_LEGACY_RENEGOTIATION | \
                            QSSL_SSL_OPTIONS_DISABLE_COMPRESSION | \
                            QSSL_SSL_OPTIONS_DISABLE_SESSION_PERSISTENCE)

static GPtrArray *
certificate_list (QsslCertificate *first,
                  ...)
{
  GPtrArray *list = g_ptr_array_new_with_free_func (g_object_unref);
  va_list args;

  va_start (args, first);
  for (QsslCertificate *c = first; c != NULL; c = va_arg (args, QsslCertificate *))
    g_ptr_array_add (list, g_object_ref (c));
  va_end (args);
  return list;
}

static gboolean
list_contains_certificate (GPtrArray       *list,
                           QsslCertificate *certificate)
{
  for (guint i = 0; i < list->len; i++)
    if (qssl_certificate_equal (g_ptr_array_index (list, i), certificate))
      return TRUE;
  return FALSE;
}

static char **
cipher_names (GPtrArray *ciphers)
{
  GStrvBuilder *builder = g_strv_builder_new ();
  char **names;

  for (guint i = 0; i < ciphers->len; i++)
    g_strv_builder_add (builder, qssl_cipher_get_name (g_ptr_array_index (ciphers, i)));
  names = g_strv_builder_end (builder);
  g_strv_builder_unref (builder);
  return names;
}

/* The names `openssl ciphers [-ciphersuites SUITES] [LIST]` prints. */
static char **
openssl_cipher_names (const char *suites,
                      const char *list)
{
  const char *argv[6] = { "openssl", "ciphers" };
  int argc = 2;
  g_autofree char *output = NULL;

  if (suites != NULL)
    {
      argv[argc++] = "-ciphersuites";
      argv[argc++] = suites;
    }
  if (list != NULL)
    argv[argc++] = list;
  argv[argc] = NULL;
  output = qssl_test_run_command (argv);
  g_assert_nonnull (output);
  return g_strsplit (g_strstrip (output), ":", -1);
}

/* Defaults */

static void
test_defaults_new (void)
{
  g_autoptr(QsslConfiguration) c = qssl_configuration_new ();
  g_autoptr(GPtrArray) chain = qssl_configuration_get_local_certificate_chain (c);
  g_autoptr(GPtrArray) cas = qssl_configuration_get_ca_certificates (c);
  g_autoptr(GPtrArray) peer_chain = qssl_configuration_get_peer_certificate_chain (c);
  g_auto(GStrv) curves = qssl_configuration_get_elliptic_curves (c);
  g_auto(GStrv) alpn = qssl_configuration_get_allowed_next_protocols (c);
  g_autoptr(GBytes) ticket = qssl_configuration_get_session_ticket (c);
  g_autoptr(GBytes) hint = qssl_configuration_get_pre_shared_key_identity_hint (c);

  g_test_summary ("A new configuration has Qt's defaults and trusts no CA");

  g_assert_true (qssl_configuration_is_null (c));
  g_assert_cmpint (qssl_configuration_get_protocol (c), ==, QSSL_PROTOCOL_SECURE_PROTOCOLS);
  g_assert_cmpint (qssl_configuration_get_peer_verify_mode (c), ==, QSSL_PEER_VERIFY_MODE_AUTO_VERIFY_PEER);
  g_assert_cmpint (qssl_configuration_get_peer_verify_depth (c), ==, 0);
  g_assert_cmpuint (qssl_configuration_get_ssl_options (c), ==, QT_DEFAULT_OPTIONS);
  g_assert_false (qssl_configuration_get_ocsp_stapling_enabled (c));
  g_assert_false (qssl_configuration_get_missing_certificate_is_fatal (c));
  g_assert_false (qssl_configuration_get_handshake_must_interrupt_on_error (c));
  g_assert_null (qssl_configuration_get_local_certificate (c));
  g_assert_cmpuint (chain->len, ==, 0);
  g_assert_null (qssl_configuration_get_private_key (c));
  g_assert_cmpuint (cas->len, ==, 0);
  g_assert_cmpstrv (curves, ((const char *[]) { NULL }));
  g_assert_cmpstrv (alpn, ((const char *[]) { NULL }));
  g_assert_null (ticket);
  g_assert_cmpint (qssl_configuration_get_session_ticket_lifetime_hint (c), ==, -1);
  g_assert_null (hint);

  /* No session yet. */
  g_assert_null (qssl_configuration_get_peer_certificate (c));
  g_assert_cmpuint (peer_chain->len, ==, 0);
  g_assert_null (qssl_configuration_get_session_cipher (c));
  g_assert_cmpint (qssl_configuration_get_session_protocol (c), ==, QSSL_PROTOCOL_UNKNOWN_PROTOCOL);
  g_assert_null (qssl_configuration_get_ephemeral_server_key (c));
  g_assert_null (qssl_configuration_get_next_negotiated_protocol (c));
  g_assert_cmpint (qssl_configuration_get_next_protocol_negotiation_status (c), ==,
                   QSSL_NEXT_PROTOCOL_NEGOTIATION_STATUS_NONE);
}

static void
test_defaults_options (void)
{
  g_autoptr(QsslConfiguration) c = qssl_configuration_new ();
  GFlagsClass *klass = g_type_class_ref (QSSL_TYPE_SSL_OPTIONS);

  g_test_summary ("Exactly Qt's four default options are on");

  for (guint i = 0; i < klass->n_values; i++)
    {
      QsslSslOptions option = klass->values[i].value;

      if (option == QSSL_SSL_OPTIONS_NONE)
        continue;
      g_assert_cmpint (qssl_configuration_test_ssl_option (c, option), ==,
                       (option & QT_DEFAULT_OPTIONS) == option);
    }
  g_assert_false (qssl_configuration_test_ssl_option (c, 0));
  g_type_class_unref (klass);
}

static void
test_defaults_default (void)
{
  g_autoptr(QsslConfiguration) fallback = qssl_configuration_get_default ();
  g_autoptr(QsslConfiguration) empty = qssl_configuration_new ();
  g_autoptr(GPtrArray) cas = qssl_configuration_get_ca_certificates (fallback);
  g_autoptr(GPtrArray) system = qssl_configuration_get_system_ca_certificates ();

  g_test_summary ("The default configuration is a new one that trusts the system's CAs");

  g_assert_false (qssl_configuration_is_null (fallback));
  g_assert_false (qssl_configuration_equal (fallback, empty));
  g_assert_cmpint (qssl_configuration_get_protocol (fallback), ==, QSSL_PROTOCOL_SECURE_PROTOCOLS);
  g_assert_cmpint (qssl_configuration_get_peer_verify_mode (fallback), ==, QSSL_PEER_VERIFY_MODE_AUTO_VERIFY_PEER);
  g_assert_cmpint (qssl_configuration_get_peer_verify_depth (fallback), ==, 0);
  g_assert_cmpuint (qssl_configuration_get_ssl_options (fallback), ==, QT_DEFAULT_OPTIONS);
  g_assert_false (qssl_configuration_get_ocsp_stapling_enabled (fallback));
  g_assert_cmpuint (cas->len, ==, system->len);
  g_assert_cmpuint (cas->len, >, 0);
  for (guint i = 0; i < cas->len; i++)
    g_assert_true (qssl_certificate_equal (g_ptr_array_index (cas, i), g_ptr_array_index (system, i)));
}

/* Copies */

static void
test_copy_leaves_default (void)
{
  g_autoptr(QsslConfiguration) copy = qssl_configuration_get_default ();
  g_autoptr(QsslConfiguration) again = NULL;
  g_autoptr(QsslCertificate) root = qssl_test_pki_certificate ("ca.pem");
  g_autoptr(GPtrArray) cas = NULL;
  g_autoptr(GPtrArray) system = qssl_configuration_get_system_ca_certificates ();

  g_test_summary ("Changing a copy of the default leaves the default as it was");

  qssl_configuration_set_protocol (copy, QSSL_PROTOCOL_TLS_V1_3);
  qssl_configuration_set_peer_verify_mode (copy, QSSL_PEER_VERIFY_MODE_NONE);
  qssl_configuration_add_ca_certificate (copy, root);
  qssl_configuration_set_ssl_option (copy, QSSL_SSL_OPTIONS_DISABLE_SESSION_TICKETS, TRUE);

  again = qssl_configuration_get_default ();
  g_assert_cmpint (qssl_configuration_get_protocol (again), ==, QSSL_PROTOCOL_SECURE_PROTOCOLS);
  g_assert_cmpint (qssl_configuration_get_peer_verify_mode (again), ==, QSSL_PEER_VERIFY_MODE_AUTO_VERIFY_PEER);
  g_assert_false (qssl_configuration_test_ssl_option (again, QSSL_SSL_OPTIONS_DISABLE_SESSION_TICKETS));
  cas = qssl_configuration_get_ca_certificates (again);
  g_assert_cmpuint (cas->len, ==, system->len);
  g_assert_false (qssl_configuration_equal (copy, again));
}

static void
test_copy_default_independent (void)
{
  g_autoptr(QsslConfiguration) a = qssl_configuration_get_default ();
  g_autoptr(QsslConfiguration) b = qssl_configuration_get_default ();

  g_test_summary ("Each get_default() returns its own copy");

  g_assert_true (a != b);
  g_assert_true (qssl_configuration_equal (a, b));
  qssl_configuration_set_peer_verify_depth (a, 4);
  g_assert_cmpint (qssl_configuration_get_peer_verify_depth (b), ==, 0);
  g_assert_false (qssl_configuration_equal (a, b));
}

static void
test_copy_deep (void)
{
  g_autoptr(QsslConfiguration) original = qssl_configuration_new ();
  g_autoptr(QsslConfiguration) copy = NULL;
  g_autoptr(QsslCertificate) leaf = qssl_test_pki_certificate ("server-rsa.pem");
  g_autoptr(QsslCertificate) intermediate = qssl_test_pki_certificate ("intermediate.pem");
  g_autoptr(QsslCertificate) root = qssl_test_pki_certificate ("ca.pem");
  g_autoptr(GPtrArray) chain = certificate_list (leaf, intermediate, NULL);
  g_autoptr(GPtrArray) cas = certificate_list (root, NULL);
  g_autoptr(GPtrArray) got = NULL;
  const char *alpn[] = { "h2", NULL };

  g_test_summary ("A copy shares nothing mutable with the original");

  qssl_configuration_set_local_certificate_chain (original, chain);
  qssl_configuration_set_ca_certificates (original, cas);
  qssl_configuration_set_allowed_next_protocols (original, alpn);
  copy = qssl_configuration_copy (original);
  g_assert_true (qssl_configuration_equal (original, copy));

  /* Arrays given to a setter are copied... */
  g_ptr_array_set_size (chain, 0);
  g_ptr_array_set_size (cas, 0);
  got = qssl_configuration_get_local_certificate_chain (original);
  g_assert_cmpuint (got->len, ==, 2);
  g_clear_pointer (&got, g_ptr_array_unref);

  /* ...so are arrays a getter returns... */
  got = qssl_configuration_get_ca_certificates (original);
  g_ptr_array_set_size (got, 0);
  g_clear_pointer (&got, g_ptr_array_unref);
  got = qssl_configuration_get_ca_certificates (original);
  g_assert_cmpuint (got->len, ==, 1);
  g_clear_pointer (&got, g_ptr_array_unref);

  /* ...and changing the copy leaves the original alone. */
  qssl_configuration_set_local_certificate (copy, root);
  qssl_configuration_add_ca_certificate (copy, leaf);
  qssl_configuration_set_allowed_next_protocols (copy, NULL);
  got = qssl_configuration_get_local_certificate_chain (original);
  g_assert_cmpuint (got->len, ==, 2);
  g_assert_true (qssl_certificate_equal (g_ptr_array_index (got, 0), leaf));
  g_clear_pointer (&got, g_ptr_array_unref);
  got = qssl_configuration_get_ca_certificates (original);
  g_assert_cmpuint (got->len, ==, 1);
  g_clear_pointer (&got, g_ptr_array_unref);
  {
    g_auto(GStrv) protocols = qssl_configuration_get_allowed_next_protocols (original);

    g_assert_cmpstrv (protocols, alpn);
  }
  g_assert_false (qssl_configuration_equal (original, copy));
}

static void
test_copy_boxed (void)
{
  g_autoptr(QsslConfiguration) c = qssl_configuration_new ();
  g_auto(GValue) value = G_VALUE_INIT;
  QsslConfiguration *boxed;

  g_test_summary ("QsslConfiguration is a boxed type with value copies");

  g_assert_true (G_TYPE_IS_BOXED (QSSL_TYPE_CONFIGURATION));
  qssl_configuration_set_peer_verify_depth (c, 2);
  g_value_init (&value, QSSL_TYPE_CONFIGURATION);
  g_value_set_boxed (&value, c);
  boxed = g_value_get_boxed (&value);
  g_assert_true (boxed != c);
  g_assert_true (qssl_configuration_equal (boxed, c));
  qssl_configuration_set_peer_verify_depth (c, 3);
  g_assert_cmpint (qssl_configuration_get_peer_verify_depth (boxed), ==, 2);
}

/* The process-wide default */

static void
test_set_default_round_trip (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(QsslConfiguration) configuration = qssl_configuration_get_default ();
      g_autoptr(QsslConfiguration) back = NULL;
      g_autoptr(QsslCertificate) root = qssl_test_pki_certificate ("ca.pem");
      g_autoptr(GPtrArray) cas = certificate_list (root, NULL);

      qssl_configuration_set_protocol (configuration, QSSL_PROTOCOL_TLS_V1_3_OR_LATER);
      qssl_configuration_set_ca_certificates (configuration, cas);
      qssl_configuration_set_default (configuration);
      back = qssl_configuration_get_default ();
      g_assert_true (back != configuration);
      g_assert_true (qssl_configuration_equal (configuration, back));

      /* set_default() copied: later changes do not reach the default. */
      qssl_configuration_set_protocol (configuration, QSSL_PROTOCOL_TLS_V1_2);
      g_clear_pointer (&back, qssl_configuration_free);
      back = qssl_configuration_get_default ();
      g_assert_cmpint (qssl_configuration_get_protocol (back), ==, QSSL_PROTOCOL_TLS_V1_3_OR_LATER);
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

static void
test_set_default_reset (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(QsslConfiguration) builtin = qssl_configuration_get_default ();
      g_autoptr(QsslConfiguration) changed = qssl_configuration_new ();
      g_autoptr(QsslConfiguration) back = NULL;

      qssl_configuration_set_default (changed);
      back = qssl_configuration_get_default ();
      g_assert_true (qssl_configuration_is_null (back));
      g_clear_pointer (&back, qssl_configuration_free);

      qssl_configuration_set_default (NULL);
      back = qssl_configuration_get_default ();
      g_assert_true (qssl_configuration_equal (back, builtin));
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

static gpointer
default_worker (gpointer data)
{
  QsslProtocol protocol = GPOINTER_TO_INT (data);

  for (int i = 0; i < 200; i++)
    {
      g_autoptr(QsslConfiguration) c = qssl_configuration_get_default ();
      QsslProtocol seen = qssl_configuration_get_protocol (c);

      /* Always a whole configuration, never a half-written one. */
      g_assert_true (seen == QSSL_PROTOCOL_TLS_V1_2_OR_LATER || seen == QSSL_PROTOCOL_TLS_V1_3_OR_LATER);
      qssl_configuration_set_protocol (c, protocol);
      qssl_configuration_set_default (c);
    }
  return NULL;
}

static void
test_set_default_threads (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(QsslConfiguration) start = qssl_configuration_get_default ();
      GThread *threads[4];

      qssl_configuration_set_protocol (start, QSSL_PROTOCOL_TLS_V1_2_OR_LATER);
      qssl_configuration_set_default (start);
      for (gsize i = 0; i < G_N_ELEMENTS (threads); i++)
        threads[i] = g_thread_new ("default", default_worker,
                                   GINT_TO_POINTER (i % 2 ? QSSL_PROTOCOL_TLS_V1_3_OR_LATER
                                                          : QSSL_PROTOCOL_TLS_V1_2_OR_LATER));
      for (gsize i = 0; i < G_N_ELEMENTS (threads); i++)
        g_thread_join (threads[i]);
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

/* equal() and the setters */

typedef struct
{
  const char *name;
  void      (*change) (QsslConfiguration *c);
} Change;

static void
change_protocol (QsslConfiguration *c)
{
  qssl_configuration_set_protocol (c, QSSL_PROTOCOL_TLS_V1_3);
}

static void
change_verify_mode (QsslConfiguration *c)
{
  qssl_configuration_set_peer_verify_mode (c, QSSL_PEER_VERIFY_MODE_QUERY_PEER);
}

static void
change_verify_depth (QsslConfiguration *c)
{
  qssl_configuration_set_peer_verify_depth (c, 1);
}

static void
change_local_certificate (QsslConfiguration *c)
{
  g_autoptr(QsslCertificate) leaf = qssl_test_pki_certificate ("server-rsa.pem");

  qssl_configuration_set_local_certificate (c, leaf);
}

static void
change_local_chain (QsslConfiguration *c)
{
  g_autoptr(QsslCertificate) leaf = qssl_test_pki_certificate ("server-rsa.pem");
  g_autoptr(QsslCertificate) intermediate = qssl_test_pki_certificate ("intermediate.pem");
  g_autoptr(GPtrArray) chain = certificate_list (leaf, intermediate, NULL);

  qssl_configuration_set_local_certificate_chain (c, chain);
}

static void
change_private_key (QsslConfiguration *c)
{
  g_autoptr(QsslKey) key = qssl_test_pki_key ("server-rsa.key");

  qssl_configuration_set_private_key (c, key);
}

static void
change_ciphers (QsslConfiguration *c)
{
  g_autoptr(QsslCipher) cipher = qssl_cipher_new ("TLS_AES_256_GCM_SHA384");
  g_autoptr(GPtrArray) ciphers = g_ptr_array_new ();

  g_ptr_array_add (ciphers, cipher);
  qssl_configuration_set_ciphers (c, ciphers);
}

static void
change_cipher_string (QsslConfiguration *c)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (qssl_configuration_set_ciphers_from_string (c, "ECDHE-RSA-AES128-GCM-SHA256", &error));
  g_assert_no_error (error);
}

static void
change_curves (QsslConfiguration *c)
{
  const char *curves[] = { "X25519", NULL };

  qssl_configuration_set_elliptic_curves (c, curves);
}

static void
change_ca_set (QsslConfiguration *c)
{
  g_autoptr(QsslCertificate) root = qssl_test_pki_certificate ("ca.pem");
  g_autoptr(GPtrArray) cas = certificate_list (root, NULL);

  qssl_configuration_set_ca_certificates (c, cas);
}

static void
change_ca_add (QsslConfiguration *c)
{
  g_autoptr(QsslCertificate) root = qssl_test_pki_certificate ("other-ca.pem");

  qssl_configuration_add_ca_certificate (c, root);
}

static void
change_ssl_option (QsslConfiguration *c)
{
  qssl_configuration_set_ssl_option (c, QSSL_SSL_OPTIONS_DISABLE_SERVER_NAME_INDICATION, TRUE);
}

static void
change_ssl_option_off (QsslConfiguration *c)
{
  qssl_configuration_set_ssl_option (c, QSSL_SSL_OPTIONS_DISABLE_COMPRESSION, FALSE);
}

static void
change_session_ticket (QsslConfiguration *c)
{
  g_autoptr(GBytes) ticket = g_bytes_new_static ("\x30\x03\x02\x01\x01", 5);

  qssl_configuration_set_session_ticket (c, ticket);
}

static void
change_alpn (QsslConfiguration *c)
{
  const char *protocols[] = { QSSL_ALPN_HTTP2, QSSL_ALPN_HTTP_1_1, NULL };

  qssl_configuration_set_allowed_next_protocols (c, protocols);
}

static void
change_ocsp (QsslConfiguration *c)
{
  qssl_configuration_set_ocsp_stapling_enabled (c, TRUE);
}

static void
change_psk_hint (QsslConfiguration *c)
{
  g_autoptr(GBytes) hint = g_bytes_new_static ("Server Y", 8);

  qssl_configuration_set_pre_shared_key_identity_hint (c, hint);
}

static void
change_missing_certificate (QsslConfiguration *c)
{
  qssl_configuration_set_missing_certificate_is_fatal (c, TRUE);
}

static void
change_interrupt (QsslConfiguration *c)
{
  qssl_configuration_set_handshake_must_interrupt_on_error (c, TRUE);
}

static const Change changes[] = {
  { "protocol", change_protocol },
  { "peer-verify-mode", change_verify_mode },
  { "peer-verify-depth", change_verify_depth },
  { "local-certificate", change_local_certificate },
  { "local-certificate-chain", change_local_chain },
  { "private-key", change_private_key },
  { "ciphers", change_ciphers },
  { "ciphers-from-string", change_cipher_string },
  { "elliptic-curves", change_curves },
  { "set-ca-certificates", change_ca_set },
  { "add-ca-certificate", change_ca_add },
  { "ssl-option-on", change_ssl_option },
  { "ssl-option-off", change_ssl_option_off },
  { "session-ticket", change_session_ticket },
  { "allowed-next-protocols", change_alpn },
  { "ocsp-stapling", change_ocsp },
  { "pre-shared-key-identity-hint", change_psk_hint },
  { "missing-certificate-is-fatal", change_missing_certificate },
  { "handshake-must-interrupt-on-error", change_interrupt },
};

static void
test_equal_sees_every_field (void)
{
  g_test_summary ("Changing any one setting makes a configuration unequal; copies stay equal");

  for (gsize i = 0; i < G_N_ELEMENTS (changes); i++)
    {
      g_autoptr(QsslConfiguration) base = qssl_configuration_new ();
      g_autoptr(QsslConfiguration) changed = qssl_configuration_new ();
      g_autoptr(QsslConfiguration) copy = NULL;

      g_test_message ("changing %s", changes[i].name);
      changes[i].change (changed);
      g_assert_false (qssl_configuration_equal (base, changed));
      g_assert_false (qssl_configuration_equal (changed, base));
      g_assert_false (qssl_configuration_is_null (changed));
      copy = qssl_configuration_copy (changed);
      g_assert_true (qssl_configuration_equal (copy, changed));
      /* Two configurations changed the same way are equal. */
      changes[i].change (base);
      g_assert_true (qssl_configuration_equal (base, changed));

      /* And each change is distinct from every other one. */
      for (gsize j = 0; j < G_N_ELEMENTS (changes); j++)
        {
          g_autoptr(QsslConfiguration) other = qssl_configuration_new ();

          if (j == i)
            continue;
          changes[j].change (other);
          g_assert_false (qssl_configuration_equal (other, changed));
        }
    }
}

static void
test_equal_default_cipher_list (void)
{
  g_autoptr(QsslConfiguration) unset = qssl_configuration_new ();
  g_autoptr(QsslConfiguration) explicit = qssl_configuration_new ();
  g_autoptr(GPtrArray) defaults = qssl_configuration_get_ciphers (unset);

  g_test_summary ("An explicit list equal to the default list compares equal, but is not null");

  qssl_configuration_set_ciphers (explicit, defaults);
  g_assert_true (qssl_configuration_equal (unset, explicit));
  g_assert_false (qssl_configuration_is_null (explicit));
}

/* Round trips */

static void
test_round_trip_scalars (void)
{
  g_autoptr(QsslConfiguration) c = qssl_configuration_new ();

  for (int p = QSSL_PROTOCOL_TLS_V1_0; p <= QSSL_PROTOCOL_TLS_V1_3_OR_LATER; p++)
    {
      qssl_configuration_set_protocol (c, p);
      g_assert_cmpint (qssl_configuration_get_protocol (c), ==, p);
    }
  for (int m = QSSL_PEER_VERIFY_MODE_NONE; m <= QSSL_PEER_VERIFY_MODE_AUTO_VERIFY_PEER; m++)
    {
      qssl_configuration_set_peer_verify_mode (c, m);
      g_assert_cmpint (qssl_configuration_get_peer_verify_mode (c), ==, m);
    }
  qssl_configuration_set_peer_verify_depth (c, 7);
  g_assert_cmpint (qssl_configuration_get_peer_verify_depth (c), ==, 7);
  qssl_configuration_set_peer_verify_depth (c, 0);
  g_assert_cmpint (qssl_configuration_get_peer_verify_depth (c), ==, 0);

  qssl_configuration_set_ocsp_stapling_enabled (c, TRUE);
  qssl_configuration_set_missing_certificate_is_fatal (c, TRUE);
  qssl_configuration_set_handshake_must_interrupt_on_error (c, TRUE);
  g_assert_true (qssl_configuration_get_ocsp_stapling_enabled (c));
  g_assert_true (qssl_configuration_get_missing_certificate_is_fatal (c));
  g_assert_true (qssl_configuration_get_handshake_must_interrupt_on_error (c));
  qssl_configuration_set_ocsp_stapling_enabled (c, FALSE);
  qssl_configuration_set_missing_certificate_is_fatal (c, FALSE);
  qssl_configuration_set_handshake_must_interrupt_on_error (c, FALSE);
  g_assert_false (qssl_configuration_get_ocsp_stapling_enabled (c));
  g_assert_false (qssl_configuration_get_missing_certificate_is_fatal (c));
  g_assert_false (qssl_configuration_get_handshake_must_interrupt_on_error (c));
}

static void
test_round_trip_ssl_options (void)
{
  g_autoptr(QsslConfiguration) c = qssl_configuration_new ();
  GFlagsClass *klass = g_type_class_ref (QSSL_TYPE_SSL_OPTIONS);

  g_test_summary ("Each option turns on and off by itself");

  for (guint i = 0; i < klass->n_values; i++)
    {
      QsslSslOptions option = klass->values[i].value;
      QsslSslOptions before = qssl_configuration_get_ssl_options (c);

      if (option == QSSL_SSL_OPTIONS_NONE)
        continue;
      qssl_configuration_set_ssl_option (c, option, TRUE);
      g_assert_true (qssl_configuration_test_ssl_option (c, option));
      g_assert_cmpuint (qssl_configuration_get_ssl_options (c), ==, before | option);
      qssl_configuration_set_ssl_option (c, option, FALSE);
      g_assert_false (qssl_configuration_test_ssl_option (c, option));
      g_assert_cmpuint (qssl_configuration_get_ssl_options (c), ==, before & ~option);
      qssl_configuration_set_ssl_option (c, option, (before & option) != 0);
    }
  g_assert_cmpuint (qssl_configuration_get_ssl_options (c), ==, QT_DEFAULT_OPTIONS);
  g_type_class_unref (klass);
}

static void
test_round_trip_local_chain (void)
{
  g_autoptr(QsslConfiguration) c = qssl_configuration_new ();
  g_autoptr(QsslCertificate) leaf = qssl_test_pki_certificate ("server-ec.pem");
  g_autoptr(QsslCertificate) intermediate = qssl_test_pki_certificate ("intermediate.pem");
  g_autoptr(GPtrArray) chain = certificate_list (leaf, intermediate, NULL);
  g_autoptr(GPtrArray) got = NULL;
  g_autoptr(QsslKey) key = qssl_test_pki_key ("server-ec.key");

  qssl_configuration_set_local_certificate_chain (c, chain);
  got = qssl_configuration_get_local_certificate_chain (c);
  g_assert_cmpuint (got->len, ==, 2);
  g_assert_true (qssl_certificate_equal (g_ptr_array_index (got, 0), leaf));
  g_assert_true (qssl_certificate_equal (g_ptr_array_index (got, 1), intermediate));
  g_assert_true (qssl_configuration_get_local_certificate (c) == leaf);

  qssl_configuration_set_private_key (c, key);
  g_assert_true (qssl_configuration_get_private_key (c) == key);
  qssl_configuration_set_private_key (c, NULL);
  g_assert_null (qssl_configuration_get_private_key (c));

  qssl_configuration_set_local_certificate_chain (c, NULL);
  g_assert_null (qssl_configuration_get_local_certificate (c));
}

static void
test_local_certificate_replaces_leaf (void)
{
  g_autoptr(QsslConfiguration) c = qssl_configuration_new ();
  g_autoptr(QsslCertificate) rsa = qssl_test_pki_certificate ("server-rsa.pem");
  g_autoptr(QsslCertificate) ec = qssl_test_pki_certificate ("server-ec.pem");
  g_autoptr(QsslCertificate) intermediate = qssl_test_pki_certificate ("intermediate.pem");
  g_autoptr(GPtrArray) chain = certificate_list (rsa, intermediate, NULL);
  g_autoptr(GPtrArray) got = NULL;

  g_test_summary ("set_local_certificate replaces the leaf and keeps the intermediates");

  qssl_configuration_set_local_certificate (c, rsa);
  got = qssl_configuration_get_local_certificate_chain (c);
  g_assert_cmpuint (got->len, ==, 1);
  g_clear_pointer (&got, g_ptr_array_unref);

  qssl_configuration_set_local_certificate_chain (c, chain);
  qssl_configuration_set_local_certificate (c, ec);
  got = qssl_configuration_get_local_certificate_chain (c);
  g_assert_cmpuint (got->len, ==, 2);
  g_assert_true (g_ptr_array_index (got, 0) == ec);
  g_assert_true (g_ptr_array_index (got, 1) == intermediate);
  g_assert_true (qssl_configuration_get_local_certificate (c) == ec);
  g_clear_pointer (&got, g_ptr_array_unref);

  qssl_configuration_set_local_certificate (c, NULL);
  got = qssl_configuration_get_local_certificate_chain (c);
  g_assert_cmpuint (got->len, ==, 0);
}

static void
test_round_trip_bytes (void)
{
  g_autoptr(QsslConfiguration) c = qssl_configuration_new ();
  g_autoptr(GBytes) ticket = g_bytes_new_static ("\x30\x00\x01\x02", 4);
  g_autoptr(GBytes) hint = g_bytes_new_static ("hint\0with nul", 13);
  g_autoptr(GBytes) empty = g_bytes_new_static ("", 0);
  g_autoptr(GBytes) got_ticket = NULL;
  g_autoptr(GBytes) got_hint = NULL;
  g_autoptr(GBytes) none = NULL;

  qssl_configuration_set_session_ticket (c, ticket);
  got_ticket = qssl_configuration_get_session_ticket (c);
  g_assert_true (g_bytes_equal (got_ticket, ticket));
  /* Setting a ticket is not receiving one: the hint stays unset. */
  g_assert_cmpint (qssl_configuration_get_session_ticket_lifetime_hint (c), ==, -1);

  qssl_configuration_set_pre_shared_key_identity_hint (c, hint);
  got_hint = qssl_configuration_get_pre_shared_key_identity_hint (c);
  g_assert_true (g_bytes_equal (got_hint, hint));

  /* Empty means none, as a null QByteArray does in Qt. */
  qssl_configuration_set_session_ticket (c, empty);
  none = qssl_configuration_get_session_ticket (c);
  g_assert_null (none);
  qssl_configuration_set_pre_shared_key_identity_hint (c, NULL);
  none = qssl_configuration_get_pre_shared_key_identity_hint (c);
  g_assert_null (none);
}

static void
test_round_trip_strv (void)
{
  g_autoptr(QsslConfiguration) c = qssl_configuration_new ();
  const char *alpn[] = { QSSL_ALPN_HTTP2, QSSL_ALPN_HTTP_1_1, "cool-protocol", NULL };
  const char *curves[] = { "X25519", "prime256v1", "secp384r1", NULL };
  const char *empty[] = { NULL };
  g_auto(GStrv) got_alpn = NULL;
  g_auto(GStrv) got_curves = NULL;
  g_autoptr(QsslConfiguration) cleared = qssl_configuration_new ();

  qssl_configuration_set_allowed_next_protocols (c, alpn);
  got_alpn = qssl_configuration_get_allowed_next_protocols (c);
  g_assert_cmpstrv (got_alpn, alpn);
  qssl_configuration_set_elliptic_curves (c, curves);
  got_curves = qssl_configuration_get_elliptic_curves (c);
  g_assert_cmpstrv (got_curves, curves);

  /* An empty list and NULL both clear. */
  qssl_configuration_set_allowed_next_protocols (c, empty);
  qssl_configuration_set_elliptic_curves (c, NULL);
  g_assert_true (qssl_configuration_equal (c, cleared));
}

static void
test_negative_depth (void)
{
  g_autoptr(QsslConfiguration) c = qssl_configuration_new ();

  g_test_summary ("A negative depth is refused with Qt's warning and changes nothing");

  qssl_configuration_set_peer_verify_depth (c, 5);
  g_test_expect_message ("Qssl", G_LOG_LEVEL_WARNING, "*cannot set negative depth of -1*");
  qssl_configuration_set_peer_verify_depth (c, -1);
  g_test_assert_expected_messages ();
  g_assert_cmpint (qssl_configuration_get_peer_verify_depth (c), ==, 5);
}

/* CA certificates */

static void
test_ca_set_replaces_system (void)
{
  g_autoptr(QsslConfiguration) c = qssl_configuration_get_default ();
  g_autoptr(QsslCertificate) root = qssl_test_pki_certificate ("ca.pem");
  g_autoptr(GPtrArray) only_root = certificate_list (root, NULL);
  g_autoptr(GPtrArray) got = NULL;

  g_test_summary ("set_ca_certificates makes the list the only trusted CAs, as in Qt");

  qssl_configuration_set_ca_certificates (c, only_root);
  got = qssl_configuration_get_ca_certificates (c);
  g_assert_cmpuint (got->len, ==, 1);
  g_assert_true (qssl_certificate_equal (g_ptr_array_index (got, 0), root));
  g_clear_pointer (&got, g_ptr_array_unref);

  qssl_configuration_set_ca_certificates (c, NULL);
  got = qssl_configuration_get_ca_certificates (c);
  g_assert_cmpuint (got->len, ==, 0);
}

static void
test_ca_add_keeps_system (void)
{
  g_autoptr(QsslConfiguration) c = qssl_configuration_get_default ();
  g_autoptr(QsslCertificate) root = qssl_test_pki_certificate ("ca.pem");
  g_autoptr(QsslCertificate) other = qssl_test_pki_certificate ("other-ca.pem");
  g_autoptr(GPtrArray) both = certificate_list (root, other, NULL);
  g_autoptr(GPtrArray) system = qssl_configuration_get_system_ca_certificates ();
  g_autoptr(GPtrArray) got = NULL;

  qssl_configuration_add_ca_certificate (c, root);
  got = qssl_configuration_get_ca_certificates (c);
  g_assert_cmpuint (got->len, ==, system->len + 1);
  g_assert_true (qssl_certificate_equal (g_ptr_array_index (got, 0), root));
  g_clear_pointer (&got, g_ptr_array_unref);

  qssl_configuration_add_ca_certificates (c, both);
  got = qssl_configuration_get_ca_certificates (c);
  g_assert_cmpuint (got->len, ==, system->len + 3);
  g_assert_true (qssl_certificate_equal (g_ptr_array_index (got, 2), other));
}

static void
test_ca_from_path (void)
{
  g_autoptr(QsslConfiguration) c = qssl_configuration_new ();
  g_autofree char *wildcard = qssl_test_pki_path ("*-ca.pem");
  g_autofree char *fixed = qssl_test_pki_path ("ca-bundle.pem");
  g_autoptr(QsslCertificate) other = qssl_test_pki_certificate ("other-ca.pem");
  g_autoptr(QsslCertificate) root = qssl_test_pki_certificate ("ca.pem");
  g_autoptr(GPtrArray) got = NULL;
  g_autoptr(GError) error = NULL;

  g_test_summary ("add_ca_certificates_from_path adds what the files hold, Qt's bool result");

  /* "*-ca.pem" matches other-ca.pem and unknown-ca.pem... */
  g_assert_true (qssl_configuration_add_ca_certificates_from_path (c, wildcard, QSSL_ENCODING_FORMAT_PEM,
                                                                   QSSL_PATTERN_SYNTAX_WILDCARD, &error));
  g_assert_no_error (error);
  got = qssl_configuration_get_ca_certificates (c);
  g_assert_true (list_contains_certificate (got, other));
  g_clear_pointer (&got, g_ptr_array_unref);

  /* ...the bundle holds the root and the intermediate. */
  g_assert_true (qssl_configuration_add_ca_certificates_from_path (c, fixed, QSSL_ENCODING_FORMAT_PEM,
                                                                   QSSL_PATTERN_SYNTAX_FIXED_STRING, &error));
  g_assert_no_error (error);
  got = qssl_configuration_get_ca_certificates (c);
  g_assert_true (list_contains_certificate (got, root));
  g_clear_pointer (&got, g_ptr_array_unref);
}

static void
test_ca_from_path_nothing (void)
{
  g_autoptr(QsslConfiguration) c = qssl_configuration_new ();
  g_autofree char *garbage = qssl_test_pki_path ("garbage.pem");
  g_autoptr(GPtrArray) got = NULL;
  g_autoptr(GError) error = NULL;

  g_test_summary ("A path without certificates gives FALSE and no error, as Qt's bool");

  g_assert_false (qssl_configuration_add_ca_certificates_from_path (c, "nonexisting/nonexisting.pem",
                                                                    QSSL_ENCODING_FORMAT_PEM,
                                                                    QSSL_PATTERN_SYNTAX_FIXED_STRING, &error));
  g_assert_no_error (error);
  g_assert_false (qssl_configuration_add_ca_certificates_from_path (c, garbage, QSSL_ENCODING_FORMAT_PEM,
                                                                    QSSL_PATTERN_SYNTAX_FIXED_STRING, &error));
  g_assert_no_error (error);
  got = qssl_configuration_get_ca_certificates (c);
  g_assert_cmpuint (got->len, ==, 0);
  g_assert_true (qssl_configuration_is_null (c));
}

static void
test_ca_from_path_bad_pattern (void)
{
  g_autoptr(QsslConfiguration) c = qssl_configuration_new ();
  g_autoptr(GError) error = NULL;

  g_assert_false (qssl_configuration_add_ca_certificates_from_path (c, "/tmp/(unclosed", QSSL_ENCODING_FORMAT_PEM,
                                                                    QSSL_PATTERN_SYNTAX_REGULAR_EXPRESSION,
                                                                    &error));
  g_assert_nonnull (error);
  g_assert_true (qssl_configuration_is_null (c));
}

/* System CA certificates */

static void
test_system_ca_present (void)
{
  g_autoptr(GPtrArray) system = qssl_configuration_get_system_ca_certificates ();
  g_autoptr(GPtrArray) again = qssl_configuration_get_system_ca_certificates ();

  g_test_summary ("This machine has system CAs; the list is read once and has no duplicates");

  g_assert_cmpuint (system->len, >, 1);
  g_assert_true (system != again);
  g_assert_cmpuint (system->len, ==, again->len);
  for (guint i = 0; i < system->len; i++)
    {
      g_assert_true (QSSL_IS_CERTIFICATE (g_ptr_array_index (system, i)));
      g_assert_true (g_ptr_array_index (system, i) == g_ptr_array_index (again, i));
      for (guint j = i + 1; j < system->len; j++)
        g_assert_false (qssl_certificate_equal (g_ptr_array_index (system, i), g_ptr_array_index (system, j)));
    }
}

static void
test_system_ca_ssl_cert_file (void)
{
  if (g_test_subprocess ())
    {
      g_autofree char *root = qssl_test_pki_path ("ca.pem");
      g_autoptr(GError) error = NULL;
      g_autofree char *empty_dir = g_dir_make_tmp ("qssl-test-XXXXXX", &error);
      g_autoptr(QsslCertificate) expected = qssl_test_pki_certificate ("ca.pem");
      g_autoptr(GPtrArray) system = NULL;
      g_autoptr(GPtrArray) trusted = NULL;
      g_autoptr(QsslConfiguration) fallback = NULL;

      g_assert_no_error (error);
      /* Before anything read the system list. */
      g_setenv ("SSL_CERT_FILE", root, TRUE);
      g_setenv ("SSL_CERT_DIR", empty_dir, TRUE);
      system = qssl_configuration_get_system_ca_certificates ();
      g_assert_cmpuint (system->len, ==, 1);
      g_assert_true (qssl_certificate_equal (g_ptr_array_index (system, 0), expected));

      fallback = qssl_configuration_get_default ();
      trusted = qssl_configuration_get_ca_certificates (fallback);
      g_assert_cmpuint (trusted->len, ==, 1);
      g_rmdir (empty_dir);
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

static void
write_pem (const char *dir,
           const char *name,
           const char *pki_name)
{
  g_autoptr(GBytes) pem = qssl_test_pki_bytes (pki_name);
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, g_bytes_get_data (pem, NULL), g_bytes_get_size (pem), &error);
  g_assert_no_error (error);
}

static void
remove_dir (const char *dir)
{
  g_autoptr(GDir) handle = g_dir_open (dir, 0, NULL);
  const char *name;

  while (handle != NULL && (name = g_dir_read_name (handle)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      g_unlink (path);
    }
  g_rmdir (dir);
}

static void
test_system_ca_ssl_cert_dir (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *dir = g_dir_make_tmp ("qssl-test-XXXXXX", &error);
      g_autofree char *link = NULL;
      g_autoptr(QsslCertificate) root = qssl_test_pki_certificate ("ca.pem");
      g_autoptr(QsslCertificate) other = qssl_test_pki_certificate ("other-ca.pem");
      g_autoptr(GPtrArray) system = NULL;

      g_assert_no_error (error);
      write_pem (dir, "root.pem", "ca.pem");
      link = g_build_filename (dir, "0123abcd.0", NULL);
      g_assert_cmpint (symlink ("root.pem", link), ==, 0);
      write_pem (dir, "other.crt", "other-ca.pem");
      /* Names OpenSSL's directory lookup does not use are skipped. */
      write_pem (dir, "README", "intermediate.pem");
      write_pem (dir, "deadbeef.r0", "self-signed.pem");

      g_setenv ("SSL_CERT_FILE", "/nonexistent/cert.pem", TRUE);
      g_setenv ("SSL_CERT_DIR", dir, TRUE);
      system = qssl_configuration_get_system_ca_certificates ();
      remove_dir (dir);

      /* root.pem once, though the hash link names it too. */
      g_assert_cmpuint (system->len, ==, 2);
      g_assert_true (list_contains_certificate (system, root));
      g_assert_true (list_contains_certificate (system, other));
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

static void
test_system_ca_bundle_count (void)
{
  const char *bundle = g_getenv ("SSL_CERT_FILE");

  if (bundle == NULL || !g_file_test (bundle, G_FILE_TEST_EXISTS))
    bundle = "/etc/ssl/certs/ca-certificates.crt";
  if (!g_file_test (bundle, G_FILE_TEST_EXISTS))
    {
      g_test_skip ("no system CA bundle on this machine");
      return;
    }

  if (g_test_subprocess ())
    {
      const char *argv[] = { "openssl", "storeutl", "-noout", "-certs", bundle, NULL };
      g_autofree char *output = qssl_test_run_command (argv);
      const char *total;
      g_autoptr(GError) error = NULL;
      g_autofree char *empty_dir = g_dir_make_tmp ("qssl-test-XXXXXX", &error);
      g_autoptr(GPtrArray) system = NULL;

      g_assert_no_error (error);
      g_assert_nonnull (output);
      total = strstr (output, "Total found: ");
      g_assert_nonnull (total);

      g_setenv ("SSL_CERT_FILE", bundle, TRUE);
      g_setenv ("SSL_CERT_DIR", empty_dir, TRUE);
      system = qssl_configuration_get_system_ca_certificates ();
      g_rmdir (empty_dir);
      g_assert_cmpuint (system->len, ==, strtoul (total + strlen ("Total found: "), NULL, 10));
      return;
    }
  g_test_summary ("The system bundle gives as many certificates as `openssl storeutl` counts");
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

static GPtrArray *
verify_server_rsa (void)
{
  g_autoptr(QsslCertificate) leaf = qssl_test_pki_certificate ("server-rsa.pem");
  g_autoptr(QsslCertificate) intermediate = qssl_test_pki_certificate ("intermediate.pem");
  g_autoptr(GPtrArray) chain = certificate_list (leaf, intermediate, NULL);

  return qssl_certificate_verify (chain, "localhost");
}

static void
test_system_store_trusts_cert_file (void)
{
  if (g_test_subprocess ())
    {
      g_autofree char *root = qssl_test_pki_path ("ca.pem");
      g_autoptr(GError) error = NULL;
      g_autofree char *empty_dir = g_dir_make_tmp ("qssl-test-XXXXXX", &error);
      g_autoptr(GPtrArray) errors = NULL;

      g_assert_no_error (error);
      g_setenv ("SSL_CERT_FILE", root, TRUE);
      g_setenv ("SSL_CERT_DIR", empty_dir, TRUE);
      errors = verify_server_rsa ();
      g_rmdir (empty_dir);
      g_assert_cmpuint (errors->len, ==, 0);
      return;
    }
  g_test_summary ("The default configuration verifies against the roots of SSL_CERT_FILE");
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

static void
test_system_store_looks_up_cert_dir (void)
{
  if (g_test_subprocess ())
    {
      g_autofree char *root = qssl_test_pki_path ("ca.pem");
      const char *argv[] = { "openssl", "x509", "-hash", "-noout", "-in", root, NULL };
      g_autofree char *hash = qssl_test_run_command (argv);
      g_autoptr(GError) error = NULL;
      g_autofree char *dir = g_dir_make_tmp ("qssl-test-XXXXXX", &error);
      g_autofree char *name = NULL;
      g_autoptr(GPtrArray) errors = NULL;

      g_assert_no_error (error);
      g_assert_nonnull (hash);
      /* OpenSSL finds roots in a directory by subject hash, on demand. */
      name = g_strconcat (g_strstrip (hash), ".0", NULL);
      write_pem (dir, name, "ca.pem");
      g_setenv ("SSL_CERT_FILE", "/nonexistent/cert.pem", TRUE);
      g_setenv ("SSL_CERT_DIR", dir, TRUE);
      errors = verify_server_rsa ();
      remove_dir (dir);
      g_assert_cmpuint (errors->len, ==, 0);
      return;
    }
  g_test_summary ("The default configuration finds roots in SSL_CERT_DIR by subject hash");
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

static void
test_system_store_not_trusted_after_set (void)
{
  if (g_test_subprocess ())
    {
      g_autofree char *root = qssl_test_pki_path ("ca.pem");
      g_autoptr(QsslCertificate) other = qssl_test_pki_certificate ("other-ca.pem");
      g_autoptr(GPtrArray) only_other = certificate_list (other, NULL);
      g_autoptr(QsslConfiguration) c = qssl_configuration_get_default ();
      g_autoptr(GPtrArray) errors = NULL;

      g_setenv ("SSL_CERT_FILE", root, TRUE);
      qssl_configuration_set_ca_certificates (c, only_other);
      qssl_configuration_set_default (c);
      errors = verify_server_rsa ();
      g_assert_cmpuint (errors->len, ==, 1);
      g_assert_cmpint (qssl_error_get_error (g_ptr_array_index (errors, 0)), ==,
                       QSSL_ERROR_CODE_UNABLE_TO_GET_LOCAL_ISSUER_CERTIFICATE);
      return;
    }
  g_test_summary ("After set_ca_certificates the system roots are no longer trusted");
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

/* Ciphers */

static void
test_ciphers_default_match_openssl (void)
{
  g_autoptr(QsslConfiguration) c = qssl_configuration_new ();
  g_autoptr(GPtrArray) ciphers = qssl_configuration_get_ciphers (c);
  g_auto(GStrv) names = cipher_names (ciphers);
  /* The documented default: OpenSSL's TLS 1.3 suites, then TLS 1.2 suites
   * with forward secrecy and AEAD only. */
  g_auto(GStrv) expected = openssl_cipher_names (NULL,
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "ECDHE-PSK-CHACHA20-POLY1305:PSK-AES128-GCM-SHA256:PSK-AES256-GCM-SHA384:PSK-CHACHA20-POLY1305");

  g_test_summary ("Unset, the cipher list is the secure default, as `openssl ciphers` prints it");

  g_assert_cmpstrv (names, expected);
  for (guint i = 0; i < ciphers->len; i++)
    {
      QsslCipher *cipher = g_ptr_array_index (ciphers, i);

      /* No CBC, no SHA-1 MAC, no static RSA key exchange. */
      g_assert_null (strstr (qssl_cipher_get_name (cipher), "CBC"));
      g_assert_null (strstr (qssl_cipher_get_name (cipher), "-SHA:"));
      g_assert_false (g_str_has_suffix (qssl_cipher_get_name (cipher), "-SHA"));
      g_assert_cmpstr (qssl_cipher_get_key_exchange_method (cipher), !=, "RSA");
    }
}

static void
test_ciphers_supported (void)
{
  g_autoptr(GPtrArray) supported = qssl_configuration_get_supported_ciphers ();
  g_auto(GStrv) names = cipher_names (supported);
  g_auto(GStrv) expected = openssl_cipher_names (ALL_TLS13_SUITES, "ALL:COMPLEMENTOFALL:@SECLEVEL=0");
  g_autoptr(QsslConfiguration) c = qssl_configuration_new ();
  g_autoptr(GPtrArray) defaults = qssl_configuration_get_ciphers (c);

  g_test_summary ("Supported ciphers are everything OpenSSL implements, each described");

  g_assert_cmpstrv (names, expected);
  g_assert_cmpuint (supported->len, >, defaults->len);
  for (guint i = 0; i < supported->len; i++)
    {
      QsslCipher *cipher = g_ptr_array_index (supported, i);
      const char *version = qssl_cipher_get_protocol_string (cipher);

      g_assert_nonnull (cipher);
      g_assert_false (qssl_cipher_is_null (cipher));
      g_assert_cmpstr (qssl_cipher_get_encryption_method (cipher), !=, "");
      if (g_str_equal (version, "TLSv1.3"))
        g_assert_cmpint (qssl_cipher_get_protocol (cipher), ==, QSSL_PROTOCOL_TLS_V1_3);
      else if (g_str_equal (version, "TLSv1.2"))
        g_assert_cmpint (qssl_cipher_get_protocol (cipher), ==, QSSL_PROTOCOL_TLS_V1_2);
      else if (g_str_equal (version, "TLSv1"))
        g_assert_cmpint (qssl_cipher_get_protocol (cipher), ==, QSSL_PROTOCOL_TLS_V1_0);
      else
        g_assert_cmpint (qssl_cipher_get_protocol (cipher), ==, QSSL_PROTOCOL_UNKNOWN_PROTOCOL);
      g_assert_cmpint (qssl_cipher_get_used_bits (cipher), <=, qssl_cipher_get_supported_bits (cipher));
    }
}

static void
test_ciphers_set_list (void)
{
  g_autoptr(QsslConfiguration) c = qssl_configuration_new ();
  g_autoptr(QsslCipher) a = qssl_cipher_new ("TLS_CHACHA20_POLY1305_SHA256");
  g_autoptr(QsslCipher) b = qssl_cipher_new ("ECDHE-ECDSA-AES256-GCM-SHA384");
  g_autoptr(GPtrArray) list = g_ptr_array_new ();
  g_autoptr(GPtrArray) got = NULL;
  g_autoptr(GPtrArray) none = g_ptr_array_new ();
  g_autoptr(QsslConfiguration) fresh = qssl_configuration_new ();

  g_ptr_array_add (list, b);
  g_ptr_array_add (list, a);
  qssl_configuration_set_ciphers (c, list);
  got = qssl_configuration_get_ciphers (c);
  g_assert_cmpuint (got->len, ==, 2);
  g_assert_true (qssl_cipher_equal (g_ptr_array_index (got, 0), b));
  g_assert_true (qssl_cipher_equal (g_ptr_array_index (got, 1), a));
  g_clear_pointer (&got, g_ptr_array_unref);

  /* An empty list allows nothing... */
  qssl_configuration_set_ciphers (c, none);
  got = qssl_configuration_get_ciphers (c);
  g_assert_cmpuint (got->len, ==, 0);
  g_clear_pointer (&got, g_ptr_array_unref);

  /* ...and NULL restores the library default. */
  qssl_configuration_set_ciphers (c, NULL);
  g_assert_true (qssl_configuration_is_null (c));
  g_assert_true (qssl_configuration_equal (c, fresh));
}

static void
test_ciphers_string_tls13 (void)
{
  g_autoptr(QsslConfiguration) c = qssl_configuration_new ();
  g_autoptr(GPtrArray) got = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (qssl_configuration_set_ciphers_from_string (c, "TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256",
                                                             &error));
  g_assert_no_error (error);
  got = qssl_configuration_get_ciphers (c);
  g_assert_cmpuint (got->len, ==, 2);
  g_assert_cmpstr (qssl_cipher_get_name (g_ptr_array_index (got, 0)), ==, "TLS_CHACHA20_POLY1305_SHA256");
  g_assert_cmpstr (qssl_cipher_get_name (g_ptr_array_index (got, 1)), ==, "TLS_AES_128_GCM_SHA256");
  g_assert_cmpint (qssl_cipher_get_protocol (g_ptr_array_index (got, 1)), ==, QSSL_PROTOCOL_TLS_V1_3);
}

static void
test_ciphers_string_tls12 (void)
{
  g_autoptr(QsslConfiguration) c = qssl_configuration_new ();
  g_autoptr(GPtrArray) got = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) names = NULL;
  g_auto(GStrv) expected = openssl_cipher_names ("", "HIGH:!aNULL:!kRSA");

  g_test_summary ("A TLS 1.2 cipher string selects what `openssl ciphers` selects, and no TLS 1.3 suite");

  g_assert_true (qssl_configuration_set_ciphers_from_string (c, "HIGH:!aNULL:!kRSA", &error));
  g_assert_no_error (error);
  got = qssl_configuration_get_ciphers (c);
  names = cipher_names (got);
  g_assert_cmpstrv (names, expected);
  for (guint i = 0; i < got->len; i++)
    g_assert_cmpint (qssl_cipher_get_protocol (g_ptr_array_index (got, i)), !=, QSSL_PROTOCOL_TLS_V1_3);
}

static void
test_ciphers_string_mixed (void)
{
  g_autoptr(QsslConfiguration) c = qssl_configuration_new ();
  g_autoptr(GPtrArray) got = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) names = NULL;
  const char *expected[] = { "TLS_AES_256_GCM_SHA384", "ECDHE-ECDSA-AES128-GCM-SHA256",
                             "ECDHE-RSA-AES128-GCM-SHA256", NULL };

  g_assert_true (qssl_configuration_set_ciphers_from_string (c,
                                                             "ECDHE-ECDSA-AES128-GCM-SHA256:TLS_AES_256_GCM_SHA384:"
                                                             "ECDHE-RSA-AES128-GCM-SHA256",
                                                             &error));
  g_assert_no_error (error);
  got = qssl_configuration_get_ciphers (c);
  names = cipher_names (got);
  /* OpenSSL puts TLS 1.3 suites first. */
  g_assert_cmpstrv (names, expected);
}

static void
assert_cipher_string_refused (const char *string)
{
  g_autoptr(QsslConfiguration) c = qssl_configuration_new ();
  g_autoptr(QsslConfiguration) before = NULL;
  g_autoptr(GError) error = NULL;

  g_test_message ("cipher string \"%s\"", string);
  g_assert_true (qssl_configuration_set_ciphers_from_string (c, "TLS_AES_128_GCM_SHA256", &error));
  g_assert_no_error (error);
  before = qssl_configuration_copy (c);
  g_assert_false (qssl_configuration_set_ciphers_from_string (c, string, &error));
  g_assert_error (error, QSSL_SOCKET_ERROR, QSSL_SOCKET_ERROR_SSL_INVALID_USER_DATA);
  g_assert_nonnull (strstr (error->message, string));
  g_assert_true (qssl_configuration_equal (c, before));
}

static void
test_ciphers_string_garbage (void)
{
  g_test_summary ("A string OpenSSL cannot use fails with SSL_INVALID_USER_DATA and changes nothing");

  assert_cipher_string_refused ("garbage");
  assert_cipher_string_refused ("NOT-A-CIPHER:ALSO-NOT");
  assert_cipher_string_refused ("");
  assert_cipher_string_refused (":::");
  assert_cipher_string_refused ("TLS_NO_SUCH_SUITE");
  /* One good half does not excuse a bad one. */
  assert_cipher_string_refused ("TLS_NO_SUCH_SUITE:ECDHE-RSA-AES128-GCM-SHA256");
  assert_cipher_string_refused ("TLS_AES_128_GCM_SHA256:garbage");
}

/* Elliptic curves */

static void
test_supported_curves (void)
{
  g_auto(GStrv) curves = qssl_configuration_get_supported_elliptic_curves ();
  const char *argv[] = { "openssl", "ecparam", "-list_curves", NULL };
  g_autofree char *output = qssl_test_run_command (argv);

  g_test_summary ("Supported curves are TLS curves the running OpenSSL knows, by short name");

  g_assert_nonnull (output);
  g_assert_true (g_strv_contains ((const char * const *) curves, "prime256v1"));
  g_assert_true (g_strv_contains ((const char * const *) curves, "secp384r1"));
  g_assert_true (g_strv_contains ((const char * const *) curves, "X25519"));
  for (int i = 0; curves[i] != NULL; i++)
    {
      g_autofree char *listed = g_strdup_printf ("  %s", curves[i]);

      if (g_str_equal (curves[i], "X25519") || g_str_equal (curves[i], "X448"))
        continue;
      /* Every EC curve is one `openssl ecparam -list_curves` lists. */
      g_assert_nonnull (strstr (output, listed));
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/qssl/configuration/defaults/new", test_defaults_new);
  g_test_add_func ("/qssl/configuration/defaults/options", test_defaults_options);
  g_test_add_func ("/qssl/configuration/defaults/default", test_defaults_default);
  g_test_add_func ("/qssl/configuration/copy/leaves-default", test_copy_leaves_default);
  g_test_add_func ("/qssl/configuration/copy/default-independent", test_copy_default_independent);
  g_test_add_func ("/qssl/configuration/copy/deep", test_copy_deep);
  g_test_add_func ("/qssl/configuration/copy/boxed", test_copy_boxed);
  g_test_add_func ("/qssl/configuration/default/round-trip", test_set_default_round_trip);
  g_test_add_func ("/qssl/configuration/default/reset", test_set_default_reset);
  g_test_add_func ("/qssl/configuration/default/threads", test_set_default_threads);
  g_test_add_func ("/qssl/configuration/equal/every-field", test_equal_sees_every_field);
  g_test_add_func ("/qssl/configuration/equal/default-cipher-list", test_equal_default_cipher_list);
  g_test_add_func ("/qssl/configuration/round-trip/scalars", test_round_trip_scalars);
  g_test_add_func ("/qssl/configuration/round-trip/ssl-options", test_round_trip_ssl_options);
  g_test_add_func ("/qssl/configuration/round-trip/local-chain", test_round_trip_local_chain);
  g_test_add_func ("/qssl/configuration/round-trip/bytes", test_round_trip_bytes);
  g_test_add_func ("/qssl/configuration/round-trip/strv", test_round_trip_strv);
  g_test_add_func ("/qssl/configuration/local-certificate/replaces-leaf", test_local_certificate_replaces_leaf);
  g_test_add_func ("/qssl/configuration/peer-verify-depth/negative", test_negative_depth);
  g_test_add_func ("/qssl/configuration/ca/set-replaces-system", test_ca_set_replaces_system);
  g_test_add_func ("/qssl/configuration/ca/add-keeps-system", test_ca_add_keeps_system);
  g_test_add_func ("/qssl/configuration/ca/from-path", test_ca_from_path);
  g_test_add_func ("/qssl/configuration/ca/from-path-nothing", test_ca_from_path_nothing);
  g_test_add_func ("/qssl/configuration/ca/from-path-bad-pattern", test_ca_from_path_bad_pattern);
  g_test_add_func ("/qssl/configuration/system-ca/present", test_system_ca_present);
  g_test_add_func ("/qssl/configuration/system-ca/ssl-cert-file", test_system_ca_ssl_cert_file);
  g_test_add_func ("/qssl/configuration/system-ca/ssl-cert-dir", test_system_ca_ssl_cert_dir);
  g_test_add_func ("/qssl/configuration/system-ca/bundle-count", test_system_ca_bundle_count);
  g_test_add_func ("/qssl/configuration/system-ca/store-file", test_system_store_trusts_cert_file);
  g_test_add_func ("/qssl/configuration/system-ca/store-dir", test_system_store_looks_up_cert_dir);
  g_test_add_func ("/qssl/configuration/system-ca/store-replaced", test_system_store_not_trusted_after_set);
  g_test_add_func ("/qssl/configuration/ciphers/default-match-openssl", test_ciphers_default_match_openssl);
  g_test_add_func ("/qssl/configuration/ciphers/supported", test_ciphers_supported);
  g_test_add_func ("/qssl/configuration/ciphers/set-list", test_ciphers_set_list);
  g_test_add_func ("/qssl/configuration/ciphers/string-tls13", test_ciphers_string_tls13);
  g_test_add_func ("/qssl/configuration/ciphers/string-tls12", test_ciphers_string_tls12);
  g_test_add_func ("/qssl/configuration/ciphers/string-mixed", test_ciphers_string_mixed);
  g_test_add_func ("/qssl/configuration/ciphers/string-garbage", test_ciphers_string_garbage);
  g_test_add_func ("/qssl/configuration/elliptic-curves/supported", test_supported_curves);

  return g_test_run ();
}
