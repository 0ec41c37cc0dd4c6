/* test-certificate.c: QsslCertificate against what `openssl x509` says of the same files
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include "qssl-test-utils.h"

static const char *fixtures[] = {
  "ca", "intermediate", "server-rsa", "server-ec", "expired", "not-yet-valid", "wrong-host",
  "self-signed", "wildcard", "ip-only", "cn-only", "other-ca", "unknown-ca", "client",
  "client-ec", "ocsp-responder", "revoked",
};

/* `openssl x509 -in FILE ARGS...` output, trailing newline removed. */
static char *
openssl_x509 (const char *file,
              ...)
{
  g_autofree char *path = qssl_test_pki_path (file);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  const char *arg;
  va_list args;
  char *output;

  g_ptr_array_add (argv, (char *) "openssl");
  g_ptr_array_add (argv, (char *) "x509");
  g_ptr_array_add (argv, (char *) "-noout");
  g_ptr_array_add (argv, (char *) "-in");
  g_ptr_array_add (argv, path);
  va_start (args, file);
  while ((arg = va_arg (args, const char *)) != NULL)
    g_ptr_array_add (argv, (char *) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  output = qssl_test_run_command ((const char * const *) argv->pdata);
  g_assert_nonnull (output);
  g_strchomp (output);
  return output;
}

/* A date the way `openssl x509 -dates` prints it. */
static char *
openssl_date (GDateTime *date)
{
  g_autofree char *month = g_date_time_format (date, "%b");

  return g_strdup_printf ("%s %2d %02d:%02d:%02d %d GMT", month, g_date_time_get_day_of_month (date),
                          g_date_time_get_hour (date), g_date_time_get_minute (date),
                          g_date_time_get_second (date), g_date_time_get_year (date));
}

/* The part after "key=" of "key=value". */
static const char *
after_equals (const char *line)
{
  const char *equals = strchr (line, '=');

  g_assert_nonnull (equals);
  return equals + 1;
}

static void
test_parse_every_fixture (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (fixtures); i++)
    {
      g_autofree char *pem_name = g_strconcat (fixtures[i], ".pem", NULL);
      g_autofree char *der_name = g_strconcat (fixtures[i], ".der", NULL);
      g_autoptr(GBytes) der_data = qssl_test_pki_bytes (der_name);
      g_autoptr(QsslCertificate) pem = qssl_test_pki_certificate (pem_name);
      g_autoptr(GError) error = NULL;
      g_autoptr(QsslCertificate) der = qssl_certificate_new_from_data (der_data, QSSL_ENCODING_FORMAT_DER, &error);
      g_autoptr(GBytes) der_out = NULL;

      g_assert_no_error (error);
      g_assert_true (qssl_certificate_equal (pem, der));
      g_assert_cmpuint (qssl_certificate_hash (pem), ==, qssl_certificate_hash (der));
      der_out = qssl_certificate_to_der (pem);
      g_assert_true (g_bytes_equal (der_out, der_data));
    }
}

static void
test_pem_round_trip (void)
{
  g_autoptr(GBytes) file = qssl_test_pki_bytes ("server-rsa.pem");
  g_autoptr(QsslCertificate) certificate = qssl_test_pki_certificate ("server-rsa.pem");
  g_autoptr(GBytes) pem = qssl_certificate_to_pem (certificate);

  g_assert_true (g_bytes_equal (pem, file));
}

static void
test_accessors_match_openssl (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (fixtures); i++)
    {
      g_autofree char *name = g_strconcat (fixtures[i], ".pem", NULL);
      g_autoptr(QsslCertificate) certificate = qssl_test_pki_certificate (name);
      g_autofree char *serial_line = openssl_x509 (name, "-serial", NULL);
      g_autofree char *serial = qssl_certificate_get_serial_number (certificate);
      g_autofree char *expected_serial = NULL;
      g_autoptr(GString) ours = g_string_new (NULL);

      /* openssl prints "serial=0A1B..." (uppercase, no colons); Qt's form is
       * "0a:1b:...". */
      for (const char *p = serial; *p != '\0'; p++)
        if (*p != ':')
          g_string_append_c (ours, g_ascii_toupper (*p));
      expected_serial = g_strdup (after_equals (serial_line));
      /* openssl drops a leading zero nibble */
      if (ours->str[0] == '0' && strlen (expected_serial) % 2 == 1)
        g_string_erase (ours, 0, 1);
      g_assert_cmpstr (ours->str, ==, expected_serial);

      for (int alg = 0; alg < 3; alg++)
        {
          const char *flags[] = { "-md5", "-sha1", "-sha256" };
          GChecksumType types[] = { G_CHECKSUM_MD5, G_CHECKSUM_SHA1, G_CHECKSUM_SHA256 };
          g_autofree char *line = openssl_x509 (name, "-fingerprint", flags[alg], NULL);
          g_autoptr(GBytes) digest = qssl_certificate_digest (certificate, types[alg]);
          g_autoptr(GString) hex = g_string_new (NULL);
          const guint8 *bytes;
          gsize size;

          bytes = g_bytes_get_data (digest, &size);
          for (gsize b = 0; b < size; b++)
            g_string_append_printf (hex, b ? ":%02X" : "%02X", bytes[b]);
          g_assert_cmpstr (hex->str, ==, after_equals (line));
        }

      {
        g_autofree char *line = openssl_x509 (name, "-startdate", NULL);
        g_autoptr(GDateTime) date = qssl_certificate_get_effective_date (certificate);
        g_autofree char *formatted = openssl_date (date);

        g_assert_cmpstr (formatted, ==, after_equals (line));
      }
      {
        g_autofree char *line = openssl_x509 (name, "-enddate", NULL);
        g_autoptr(GDateTime) date = qssl_certificate_get_expiry_date (certificate);
        g_autofree char *formatted = openssl_date (date);

        g_assert_cmpstr (formatted, ==, after_equals (line));
        g_assert_cmpint (g_date_time_get_utc_offset (date), ==, 0);
      }
      {
        /* RFC 2253 order is reversed; oneline with sep_multiline gives one
         * "KEY=value" per line in certificate order. */
        g_autofree char *subject = openssl_x509 (name, "-subject", "-nameopt",
                                                 "sep_multiline,sname,utf8,-esc_msb", NULL);
        g_auto(GStrv) lines = g_strsplit (subject, "\n", -1);
        g_auto(GStrv) attributes = qssl_certificate_get_subject_info_attributes (certificate);
        guint seen = 0;

        for (int l = 1; lines[l] != NULL; l++)
          {
            g_autofree char *entry = g_strstrip (g_strdup (lines[l]));
            g_autofree char *key = g_strndup (entry, strchr (entry, '=') - entry);
            g_auto(GStrv) values = qssl_certificate_get_subject_info_attribute (certificate, key);

            g_assert_true (g_strv_contains ((const char * const *) values, after_equals (entry)));
            g_assert_true (g_strv_contains ((const char * const *) attributes, key));
            seen++;
          }
        g_assert_cmpuint (seen, ==, g_strv_length (attributes));
      }
      {
        g_autofree char *line = openssl_x509 (name, "-text", NULL);
        g_autofree char *version = qssl_certificate_get_version (certificate);
        g_autofree char *expected = g_strdup_printf ("Version: %s ", version);

        g_assert_nonnull (strstr (line, expected));
      }
    }
}

static void
test_subject_and_issuer (void)
{
  g_autoptr(QsslCertificate) leaf = qssl_test_pki_certificate ("server-rsa.pem");
  g_auto(GStrv) cn = qssl_certificate_get_subject_info (leaf, QSSL_SUBJECT_INFO_COMMON_NAME);
  g_auto(GStrv) org = qssl_certificate_get_subject_info (leaf, QSSL_SUBJECT_INFO_ORGANIZATION);
  g_auto(GStrv) by_oid = qssl_certificate_get_subject_info_attribute (leaf, "2.5.4.3");
  g_auto(GStrv) issuer_cn = qssl_certificate_get_issuer_info (leaf, QSSL_SUBJECT_INFO_COMMON_NAME);
  g_auto(GStrv) nothing = qssl_certificate_get_subject_info (leaf, QSSL_SUBJECT_INFO_SERIAL_NUMBER);
  g_autofree char *display = qssl_certificate_get_subject_display_name (leaf);
  g_autofree char *issuer_display = qssl_certificate_get_issuer_display_name (leaf);
  g_autoptr(QsslCertificate) ip_only = qssl_test_pki_certificate ("ip-only.pem");
  g_autofree char *ip_display = qssl_certificate_get_subject_display_name (ip_only);
  g_autoptr(QsslCertificate) client = qssl_test_pki_certificate ("client.pem");
  g_auto(GStrv) email = qssl_certificate_get_subject_info (client, QSSL_SUBJECT_INFO_EMAIL_ADDRESS);

  g_assert_cmpstrv (cn, ((const char *[]) { "localhost", NULL }));
  g_assert_cmpstrv (org, ((const char *[]) { "libqssl tests", NULL }));
  g_assert_cmpstrv (by_oid, ((const char *[]) { "localhost", NULL }));
  g_assert_cmpstrv (issuer_cn, ((const char *[]) { "libqssl Test Intermediate CA", NULL }));
  g_assert_cmpstrv (nothing, ((const char *[]) { NULL }));
  g_assert_cmpstr (display, ==, "localhost");
  g_assert_cmpstr (issuer_display, ==, "libqssl Test Intermediate CA");
  g_assert_cmpstr (ip_display, ==, "libqssl tests");
  g_assert_cmpstrv (email, ((const char *[]) { "client@example.test", NULL }));
}

static void
test_alternative_names (void)
{
  g_autoptr(QsslCertificate) leaf = qssl_test_pki_certificate ("server-rsa.pem");
  g_auto(GStrv) dns = qssl_certificate_get_subject_alternative_names (leaf, QSSL_ALTERNATIVE_NAME_ENTRY_TYPE_DNS_ENTRY);
  g_auto(GStrv) ips = qssl_certificate_get_subject_alternative_names (leaf, QSSL_ALTERNATIVE_NAME_ENTRY_TYPE_IP_ADDRESS_ENTRY);
  g_auto(GStrv) mail = qssl_certificate_get_subject_alternative_names (leaf, QSSL_ALTERNATIVE_NAME_ENTRY_TYPE_EMAIL_ENTRY);
  g_autoptr(QsslCertificate) cn_only = qssl_test_pki_certificate ("cn-only.pem");
  g_auto(GStrv) none = qssl_certificate_get_subject_alternative_names (cn_only, QSSL_ALTERNATIVE_NAME_ENTRY_TYPE_DNS_ENTRY);

  g_assert_cmpstrv (dns, ((const char *[]) { "localhost", NULL }));
  g_assert_cmpstrv (ips, ((const char *[]) { "127.0.0.1", "::1", NULL }));
  g_assert_cmpstrv (mail, ((const char *[]) { "server@example.test", NULL }));
  g_assert_cmpstrv (none, ((const char *[]) { NULL }));
}

/* A forged name with a NUL inside reads as itself, never as the part before
 * the NUL. */
static void
test_nul_in_names (void)
{
  g_autoptr(QsslCertificate) in_san = qssl_test_pki_certificate ("nul-in-san.pem");
  g_autoptr(QsslCertificate) in_cn = qssl_test_pki_certificate ("nul-in-cn.pem");
  g_auto(GStrv) dns = qssl_certificate_get_subject_alternative_names (in_san, QSSL_ALTERNATIVE_NAME_ENTRY_TYPE_DNS_ENTRY);
  g_auto(GStrv) cn = qssl_certificate_get_subject_info (in_cn, QSSL_SUBJECT_INFO_COMMON_NAME);
  g_auto(GStrv) by_name = qssl_certificate_get_subject_info_attribute (in_cn, "CN");
  g_autofree char *display = qssl_certificate_get_subject_display_name (in_cn);

  g_assert_cmpstrv (dns, ((const char *[]) { "localhost\\0.evil.test", NULL }));
  g_assert_cmpstrv (cn, ((const char *[]) { "localhost\\0.evil.test", NULL }));
  g_assert_cmpstrv (by_name, ((const char *[]) { "localhost\\0.evil.test", NULL }));
  g_assert_cmpstr (display, ==, "localhost\\0.evil.test");
}

static void
test_self_signed (void)
{
  g_autoptr(QsslCertificate) self_signed = qssl_test_pki_certificate ("self-signed.pem");
  g_autoptr(QsslCertificate) root = qssl_test_pki_certificate ("ca.pem");
  g_autoptr(QsslCertificate) leaf = qssl_test_pki_certificate ("server-ec.pem");

  g_assert_true (qssl_certificate_is_self_signed (self_signed));
  g_assert_true (qssl_certificate_is_self_signed (root));
  g_assert_false (qssl_certificate_is_self_signed (leaf));
  g_assert_false (qssl_certificate_is_blacklisted (leaf));
}

static void
test_public_key (void)
{
  g_autoptr(QsslCertificate) rsa = qssl_test_pki_certificate ("server-rsa.pem");
  g_autoptr(QsslCertificate) ec = qssl_test_pki_certificate ("server-ec.pem");
  g_autoptr(QsslKey) rsa_key = qssl_certificate_get_public_key (rsa);
  g_autoptr(QsslKey) ec_key = qssl_certificate_get_public_key (ec);

  g_assert_cmpint (qssl_key_get_algorithm (rsa_key), ==, QSSL_KEY_ALGORITHM_RSA);
  g_assert_cmpint (qssl_key_get_length (rsa_key), ==, 2048);
  g_assert_cmpint (qssl_key_get_key_type (rsa_key), ==, QSSL_KEY_TYPE_PUBLIC_KEY);
  g_assert_cmpint (qssl_key_get_algorithm (ec_key), ==, QSSL_KEY_ALGORITHM_EC);
  g_assert_cmpint (qssl_key_get_length (ec_key), ==, 256);
}

static QsslCertificateExtension *
find_extension (GPtrArray  *extensions,
                const char *name)
{
  for (guint i = 0; i < extensions->len; i++)
    if (g_str_equal (qssl_certificate_extension_get_name (g_ptr_array_index (extensions, i)), name))
      return g_ptr_array_index (extensions, i);
  return NULL;
}

static void
test_extensions (void)
{
  g_autoptr(QsslCertificate) intermediate = qssl_test_pki_certificate ("intermediate.pem");
  g_autoptr(QsslCertificate) leaf = qssl_test_pki_certificate ("server-rsa.pem");
  g_autoptr(GPtrArray) extensions = qssl_certificate_get_extensions (intermediate);
  g_autoptr(GPtrArray) leaf_extensions = qssl_certificate_get_extensions (leaf);
  QsslCertificateExtension *bc = find_extension (extensions, "basicConstraints");
  QsslCertificateExtension *aia = find_extension (extensions, "authorityInfoAccess");
  QsslCertificateExtension *san = find_extension (leaf_extensions, "subjectAltName");
  QsslCertificateExtension *eku = find_extension (leaf_extensions, "extendedKeyUsage");
  g_autoptr(GVariant) bc_value = NULL;
  g_autoptr(GVariant) aia_value = NULL;
  g_autoptr(GVariant) san_value = NULL;
  g_autoptr(GVariant) eku_value = NULL;
  gboolean ca = FALSE;
  int path_length = -1;
  const char *ocsp = NULL, *issuers = NULL;

  g_assert_nonnull (bc);
  g_assert_cmpstr (qssl_certificate_extension_get_oid (bc), ==, "2.5.29.19");
  g_assert_true (qssl_certificate_extension_is_critical (bc));
  g_assert_true (qssl_certificate_extension_is_supported (bc));
  bc_value = qssl_certificate_extension_get_value (bc);
  g_assert_true (g_variant_lookup (bc_value, "ca", "b", &ca));
  g_assert_true (ca);
  g_assert_true (g_variant_lookup (bc_value, "pathLenConstraint", "i", &path_length));
  g_assert_cmpint (path_length, ==, 0);

  g_assert_nonnull (aia);
  g_assert_false (qssl_certificate_extension_is_critical (aia));
  aia_value = qssl_certificate_extension_get_value (aia);
  g_assert_true (g_variant_lookup (aia_value, "OCSP", "&s", &ocsp));
  g_assert_cmpstr (ocsp, ==, "http://ocsp.example.test/");
  g_assert_true (g_variant_lookup (aia_value, "caIssuers", "&s", &issuers));
  g_assert_cmpstr (issuers, ==, "http://ca.example.test/root.der");

  g_assert_nonnull (san);
  san_value = qssl_certificate_extension_get_value (san);
  g_assert_nonnull (strstr (g_variant_get_string (san_value, NULL), "DNS:localhost"));
  g_assert_nonnull (eku);
  eku_value = qssl_certificate_extension_get_value (eku);
  g_assert_nonnull (strstr (g_variant_get_string (eku_value, NULL), "TLS Web Server Authentication"));
}

static void
test_to_text (void)
{
  g_autoptr(QsslCertificate) leaf = qssl_test_pki_certificate ("server-ec.pem");
  g_autofree char *text = qssl_certificate_to_text (leaf);
  g_autofree char *expected = openssl_x509 ("server-ec.pem", "-text", NULL);

  g_strchomp (text);
  g_assert_cmpstr (text, ==, expected);
}

static void
test_bundle (void)
{
  g_autoptr(GBytes) bundle = qssl_test_pki_bytes ("ca-bundle.pem");
  g_autoptr(GPtrArray) list = qssl_certificate_list_from_data (bundle, QSSL_ENCODING_FORMAT_PEM);
  g_autoptr(QsslCertificate) root = qssl_test_pki_certificate ("ca.pem");
  g_autoptr(QsslCertificate) intermediate = qssl_test_pki_certificate ("intermediate.pem");
  g_autoptr(QsslCertificate) first = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpuint (list->len, ==, 2);
  g_assert_true (qssl_certificate_equal (g_ptr_array_index (list, 0), root));
  g_assert_true (qssl_certificate_equal (g_ptr_array_index (list, 1), intermediate));
  first = qssl_certificate_new_from_data (bundle, QSSL_ENCODING_FORMAT_PEM, &error);
  g_assert_no_error (error);
  g_assert_true (qssl_certificate_equal (first, root));
}

static void
test_bad_input (void)
{
  const char *files[] = { "garbage.pem", "empty.pem", "truncated.pem", "begin-only.pem", "random.der" };

  for (gsize i = 0; i < G_N_ELEMENTS (files); i++)
    for (int format = QSSL_ENCODING_FORMAT_PEM; format <= QSSL_ENCODING_FORMAT_DER; format++)
      {
        g_autoptr(GBytes) data = qssl_test_pki_bytes (files[i]);
        g_autoptr(GPtrArray) list = qssl_certificate_list_from_data (data, format);
        g_autoptr(GError) error = NULL;
        g_autoptr(QsslCertificate) certificate = qssl_certificate_new_from_data (data, format, &error);

        g_assert_cmpuint (list->len, ==, 0);
        g_assert_null (certificate);
        g_assert_error (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE);
      }

  {
    /* PEM read as DER and DER read as PEM give nothing. */
    g_autoptr(GBytes) pem = qssl_test_pki_bytes ("server-rsa.pem");
    g_autoptr(GBytes) der = qssl_test_pki_bytes ("server-rsa.der");
    g_autoptr(GPtrArray) a = qssl_certificate_list_from_data (pem, QSSL_ENCODING_FORMAT_DER);
    g_autoptr(GPtrArray) b = qssl_certificate_list_from_data (der, QSSL_ENCODING_FORMAT_PEM);

    g_assert_cmpuint (a->len, ==, 0);
    g_assert_cmpuint (b->len, ==, 0);
  }
}

static void
test_list_from_path (void)
{
  g_autofree char *dir = qssl_test_pki_path ("");
  g_autofree char *fixed = qssl_test_pki_path ("server-rsa.pem");
  g_autofree char *wildcard = qssl_test_pki_path ("client*.pem");
  g_autofree char *classes = qssl_test_pki_path ("server-[er]*[!n].pem");
  g_autofree char *regex = g_build_filename (dir, "(ca|wildcard)\\.pem", NULL);
  g_autofree char *bad_regex = g_build_filename (dir, "(unclosed", NULL);
  g_autoptr(GPtrArray) one = qssl_certificate_list_from_path (fixed, QSSL_ENCODING_FORMAT_PEM, QSSL_PATTERN_SYNTAX_FIXED_STRING, NULL);
  g_autoptr(GPtrArray) directory = qssl_certificate_list_from_path (dir, QSSL_ENCODING_FORMAT_PEM, QSSL_PATTERN_SYNTAX_FIXED_STRING, NULL);
  g_autoptr(GPtrArray) clients = qssl_certificate_list_from_path (wildcard, QSSL_ENCODING_FORMAT_PEM, QSSL_PATTERN_SYNTAX_WILDCARD, NULL);
  g_autoptr(GPtrArray) servers = qssl_certificate_list_from_path (classes, QSSL_ENCODING_FORMAT_PEM, QSSL_PATTERN_SYNTAX_WILDCARD, NULL);
  g_autoptr(GPtrArray) matched = qssl_certificate_list_from_path (regex, QSSL_ENCODING_FORMAT_PEM, QSSL_PATTERN_SYNTAX_REGULAR_EXPRESSION, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) invalid = qssl_certificate_list_from_path (bad_regex, QSSL_ENCODING_FORMAT_PEM, QSSL_PATTERN_SYNTAX_REGULAR_EXPRESSION, &error);

  g_assert_cmpuint (one->len, ==, 1);
  g_assert_cmpuint (directory->len, ==, 0);
  /* client.pem, client-ec.pem, client-expired.pem, client-untrusted.pem (one
   * each) and their -chain.pem files (two each) */
  g_assert_cmpuint (clients->len, ==, 4 + 4 * 2);
  /* server-rsa.pem, server-ec.pem; not the -chain.pem files (end in n) */
  g_assert_cmpuint (servers->len, ==, 2);
  g_assert_cmpuint (matched->len, ==, 2);
  g_assert_null (invalid);
  g_assert_error (error, G_REGEX_ERROR, G_REGEX_ERROR_UNMATCHED_PARENTHESIS);
}

static void
test_list_from_stream (void)
{
  g_autoptr(GBytes) bundle = qssl_test_pki_bytes ("ca-bundle.pem");
  g_autoptr(GInputStream) stream = g_memory_input_stream_new_from_bytes (bundle);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = qssl_certificate_list_from_stream (stream, QSSL_ENCODING_FORMAT_PEM, NULL, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 2);
}

static GPtrArray *
chain_of (const char *first,
          ...)
{
  GPtrArray *chain = g_ptr_array_new_with_free_func (g_object_unref);
  const char *name = first;
  va_list args;

  va_start (args, first);
  while (name != NULL)
    {
      g_ptr_array_add (chain, qssl_test_pki_certificate (name));
      name = va_arg (args, const char *);
    }
  va_end (args);
  return chain;
}

static void
assert_codes (GPtrArray           *errors,
              const QsslErrorCode *expected,
              guint                n_expected)
{
  if (errors->len != n_expected)
    {
      for (guint i = 0; i < errors->len; i++)
        g_test_message ("got %d", qssl_error_get_error (g_ptr_array_index (errors, i)));
    }
  g_assert_cmpuint (errors->len, ==, n_expected);
  for (guint i = 0; i < n_expected; i++)
    g_assert_cmpint (qssl_error_get_error (g_ptr_array_index (errors, i)), ==, expected[i]);
}

/* verify() uses the default configuration's CAs: trust the test root there. */
static void
trust_test_root (void)
{
  g_autoptr(QsslConfiguration) configuration = qssl_configuration_get_default ();
  g_autoptr(QsslCertificate) root = qssl_test_pki_certificate ("ca.pem");
  g_autoptr(GPtrArray) cas = g_ptr_array_new ();

  g_ptr_array_add (cas, root);
  qssl_configuration_set_ca_certificates (configuration, cas);
  qssl_configuration_set_default (configuration);
}

static void
test_verify (void)
{
  trust_test_root ();

  {
    g_autoptr(GPtrArray) chain = chain_of ("server-rsa.pem", "intermediate.pem", NULL);
    g_autoptr(GPtrArray) errors = qssl_certificate_verify (chain, "localhost");
    g_autoptr(GPtrArray) by_ip = qssl_certificate_verify (chain, "::1");

    assert_codes (errors, NULL, 0);
    assert_codes (by_ip, NULL, 0);
  }
  {
    g_autoptr(GPtrArray) chain = chain_of ("expired.pem", "intermediate.pem", NULL);
    g_autoptr(GPtrArray) errors = qssl_certificate_verify (chain, "localhost");
    const QsslErrorCode expected[] = { QSSL_ERROR_CODE_CERTIFICATE_EXPIRED };
    g_autoptr(QsslCertificate) leaf = qssl_test_pki_certificate ("expired.pem");

    assert_codes (errors, expected, 1);
    g_assert_true (qssl_certificate_equal (qssl_error_get_certificate (g_ptr_array_index (errors, 0)), leaf));
  }
  {
    g_autoptr(GPtrArray) chain = chain_of ("wrong-host.pem", "intermediate.pem", NULL);
    g_autoptr(GPtrArray) errors = qssl_certificate_verify (chain, "localhost");
    const QsslErrorCode expected[] = { QSSL_ERROR_CODE_HOST_NAME_MISMATCH };

    assert_codes (errors, expected, 1);
  }
  {
    g_autoptr(GPtrArray) chain = chain_of ("self-signed.pem", NULL);
    g_autoptr(GPtrArray) errors = qssl_certificate_verify (chain, "localhost");
    const QsslErrorCode expected[] = { QSSL_ERROR_CODE_SELF_SIGNED_CERTIFICATE };

    assert_codes (errors, expected, 1);
  }
  {
    g_autoptr(GPtrArray) chain = chain_of ("server-ec.pem", NULL);
    g_autoptr(GPtrArray) errors = qssl_certificate_verify (chain, NULL);
    const QsslErrorCode expected[] = {
      QSSL_ERROR_CODE_UNABLE_TO_GET_LOCAL_ISSUER_CERTIFICATE,
      QSSL_ERROR_CODE_UNABLE_TO_VERIFY_FIRST_CERTIFICATE,
    };

    assert_codes (errors, expected, 2);
  }
  {
    g_autoptr(GPtrArray) chain = chain_of ("not-yet-valid.pem", "intermediate.pem", NULL);
    g_autoptr(GPtrArray) errors = qssl_certificate_verify (chain, NULL);
    const QsslErrorCode expected[] = { QSSL_ERROR_CODE_CERTIFICATE_NOT_YET_VALID };

    assert_codes (errors, expected, 1);
  }
  {
    /* verify() must leave the default configuration as it was. */
    g_autoptr(QsslConfiguration) before = qssl_configuration_get_default ();
    g_autoptr(GPtrArray) chain = chain_of ("server-ec.pem", "intermediate.pem", NULL);
    g_autoptr(GPtrArray) errors = qssl_certificate_verify (chain, "localhost");
    g_autoptr(QsslConfiguration) after = qssl_configuration_get_default ();

    assert_codes (errors, NULL, 0);
    g_assert_true (qssl_configuration_equal (before, after));
  }
}

static void
test_host_names (void)
{
  struct { const char *file; const char *host; gboolean matches; } cases[] = {
    { "server-rsa.pem", "localhost", TRUE },
    { "server-rsa.pem", "LOCALHOST.", TRUE },
    { "server-rsa.pem", "127.0.0.1", TRUE },
    { "server-rsa.pem", "::1", TRUE },
    { "server-rsa.pem", "0:0:0:0:0:0:0:1", TRUE },
    { "server-rsa.pem", "127.0.0.2", FALSE },
    { "server-rsa.pem", "other", FALSE },
    { "wildcard.pem", "a.example.test", TRUE },
    { "wildcard.pem", "example.test", FALSE },
    { "wildcard.pem", "a.b.example.test", FALSE },
    { "wildcard.pem", "xn--a.example.test", FALSE },
    { "ip-only.pem", "127.0.0.1", TRUE },
    { "ip-only.pem", "localhost", FALSE },
    { "cn-only.pem", "localhost", TRUE },
    { "wrong-host.pem", "localhost", FALSE },
    /* Never the part before an embedded NUL, in a SAN or in the CN. */
    { "nul-in-san.pem", "localhost", FALSE },
    { "nul-in-cn.pem", "localhost", FALSE },
    /* An IP address is never matched against the CN. */
    { "ip-in-cn.pem", "127.0.0.1", FALSE },
    /* Nor is a name, when the certificate has an IP SAN. */
    { "ip-and-cn.pem", "localhost", FALSE },
    { "ip-and-cn.pem", "127.0.0.1", TRUE },
    /* A leading dot is not a pattern for every subdomain. */
    { "wildcard.pem", ".example.test", FALSE },
    { "server-rsa.pem", "[::1]", TRUE },
    { "server-rsa.pem", "", FALSE },
  };

  trust_test_root ();
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *name = g_strdup (cases[i].file);
      g_autoptr(GPtrArray) chain = chain_of (name, "intermediate.pem", NULL);
      g_autoptr(GPtrArray) errors = qssl_certificate_verify (chain, cases[i].host);

      g_test_message ("%s vs %s", cases[i].file, cases[i].host);
      g_assert_cmpuint (errors->len, ==, cases[i].matches ? 0 : 1);
      if (!cases[i].matches)
        g_assert_cmpint (qssl_error_get_error (g_ptr_array_index (errors, 0)), ==, QSSL_ERROR_CODE_HOST_NAME_MISMATCH);
    }
}

static void
test_pkcs12 (void)
{
  g_autoptr(GBytes) data = qssl_test_pki_bytes ("server-rsa.p12");
  g_autoptr(GBytes) nopass = qssl_test_pki_bytes ("server-rsa-nopass.p12");
  g_autoptr(GBytes) garbage = qssl_test_pki_bytes ("random.der");
  g_autoptr(QsslCertificate) expected_cert = qssl_test_pki_certificate ("server-rsa.pem");
  g_autoptr(QsslKey) expected_key = qssl_test_pki_key ("server-rsa.key");
  g_autoptr(QsslKey) key = NULL;
  g_autoptr(QsslCertificate) certificate = NULL;
  g_autoptr(GPtrArray) cas = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (qssl_certificate_import_pkcs12 (data, "secret", &key, &certificate, &cas, &error));
  g_assert_no_error (error);
  g_assert_true (qssl_certificate_equal (certificate, expected_cert));
  g_assert_true (qssl_key_equal (key, expected_key));
  g_assert_cmpuint (cas->len, ==, 2);

  g_assert_false (qssl_certificate_import_pkcs12 (data, "wrong", NULL, NULL, NULL, &error));
  g_assert_error (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE_PASSWORD);
  g_clear_error (&error);
  g_assert_false (qssl_certificate_import_pkcs12 (data, NULL, NULL, NULL, NULL, &error));
  g_assert_error (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE_PASSWORD);
  g_clear_error (&error);
  g_assert_false (qssl_certificate_import_pkcs12 (garbage, "secret", NULL, NULL, NULL, &error));
  g_assert_error (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE);
  g_clear_error (&error);
  g_assert_true (qssl_certificate_import_pkcs12 (nopass, NULL, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
}

static void
test_tls_certificate (void)
{
  g_autoptr(QsslCertificate) certificate = qssl_test_pki_certificate ("server-ec.pem");
  g_autoptr(QsslKey) key = qssl_test_pki_key ("server-ec.key");
  g_autoptr(GError) error = NULL;
  g_autoptr(GTlsCertificate) tls = NULL;
  g_autoptr(QsslCertificate) back = NULL;

  if (!g_tls_backend_supports_tls (g_tls_backend_get_default ()))
    {
      g_test_skip ("GIO has no TLS backend (glib-networking)");
      return;
    }
  tls = qssl_certificate_to_tls_certificate (certificate, key, &error);
  g_assert_no_error (error);
  g_assert_nonnull (tls);
  back = qssl_certificate_new_from_tls_certificate (tls, &error);
  g_assert_no_error (error);
  g_assert_true (qssl_certificate_equal (back, certificate));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/qssl/certificate/parse-every-fixture", test_parse_every_fixture);
  g_test_add_func ("/qssl/certificate/pem-round-trip", test_pem_round_trip);
  g_test_add_func ("/qssl/certificate/accessors-match-openssl", test_accessors_match_openssl);
  g_test_add_func ("/qssl/certificate/subject-and-issuer", test_subject_and_issuer);
  g_test_add_func ("/qssl/certificate/alternative-names", test_alternative_names);
  g_test_add_func ("/qssl/certificate/nul-in-names", test_nul_in_names);
  g_test_add_func ("/qssl/certificate/self-signed", test_self_signed);
  g_test_add_func ("/qssl/certificate/public-key", test_public_key);
  g_test_add_func ("/qssl/certificate/extensions", test_extensions);
  g_test_add_func ("/qssl/certificate/to-text", test_to_text);
  g_test_add_func ("/qssl/certificate/bundle", test_bundle);
  g_test_add_func ("/qssl/certificate/bad-input", test_bad_input);
  g_test_add_func ("/qssl/certificate/list-from-path", test_list_from_path);
  g_test_add_func ("/qssl/certificate/list-from-stream", test_list_from_stream);
  g_test_add_func ("/qssl/certificate/verify", test_verify);
  g_test_add_func ("/qssl/certificate/host-names", test_host_names);
  g_test_add_func ("/qssl/certificate/pkcs12", test_pkcs12);
  g_test_add_func ("/qssl/certificate/tls-certificate", test_tls_certificate);

  return g_test_run ();
}
