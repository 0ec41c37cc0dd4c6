/* fuzz-common.c: shared parts of the libFuzzer harnesses in tests/fuzz
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <stdlib.h>
#include <string.h>

#include "fuzz-common.h"

#ifndef QSSL_FUZZ_PKI_DIR
# define QSSL_FUZZ_PKI_DIR NULL
#endif

/* Where exercise_strv() adds up string lengths, so that the reads stay. */
volatile gsize fuzz_sink;

static GLogWriterOutput
log_writer (GLogLevelFlags   log_level,
            const GLogField *fields,
            gsize            n_fields,
            gpointer         user_data)
{
  /* Debug output of the library on every rejected input would drown the
   * fuzzer's own. */
  if (log_level & (G_LOG_LEVEL_DEBUG | G_LOG_LEVEL_INFO))
    return G_LOG_WRITER_HANDLED;
  g_log_writer_default (log_level, fields, n_fields, user_data);
  /* A critical or warning from input is a bug. GLib would stop on a fatal
   * message with SIGTRAP, which libFuzzer does not catch: abort instead, so
   * that the input is saved as a crash. */
  if (log_level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING))
    abort ();
  return G_LOG_WRITER_HANDLED;
}

void
fuzz_init (void)
{
  static gboolean done;

  if (done)
    return;
  done = TRUE;
  g_log_set_writer_func (log_writer, NULL, NULL);
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  qssl_socket_supports_ssl ();
}

char *
fuzz_pki_path (const char *name)
{
  const char *dir = g_getenv ("QSSL_TEST_PKI");

  if (dir == NULL || *dir == '\0')
    dir = QSSL_FUZZ_PKI_DIR;
  if (dir == NULL)
    g_error ("QSSL_TEST_PKI is not set and no PKI was compiled in");
  return g_build_filename (dir, name, NULL);
}

GBytes *
fuzz_pki_bytes (const char *name)
{
  g_autofree char *path = fuzz_pki_path (name);
  g_autoptr(GError) error = NULL;
  char *contents = NULL;
  gsize length = 0;

  if (!g_file_get_contents (path, &contents, &length, &error))
    g_error ("cannot read the test PKI: %s", error->message);
  return g_bytes_new_take (contents, length);
}

/* Reads every string of @strv (so that ASan sees a bad one), frees it. */
static void
exercise_strv (char **strv)
{
  for (char **s = strv; s != NULL && *s != NULL; s++)
    fuzz_sink += strlen (*s);
  g_strfreev (strv);
}

void
fuzz_exercise_certificate (QsslCertificate *certificate)
{
  static const GChecksumType digests[] = { G_CHECKSUM_MD5, G_CHECKSUM_SHA1, G_CHECKSUM_SHA256,
                                           G_CHECKSUM_SHA384, G_CHECKSUM_SHA512 };
  g_autoptr(GBytes) der = NULL;
  g_autoptr(GBytes) pem = NULL;
  g_autoptr(QsslCertificate) from_der = NULL;
  g_autoptr(QsslCertificate) from_pem = NULL;
  g_autoptr(QsslKey) public_key = NULL;
  g_autoptr(GPtrArray) extensions = NULL;
  g_autoptr(GDateTime) effective = NULL;
  g_autoptr(GDateTime) expiry = NULL;
  g_auto(GStrv) subject_attributes = NULL;
  g_auto(GStrv) issuer_attributes = NULL;
  g_autoptr(GError) error = NULL;

  fuzz_check (QSSL_IS_CERTIFICATE (certificate), "not a certificate");
  qssl_certificate_is_self_signed (certificate);
  qssl_certificate_is_blacklisted (certificate);
  g_free (qssl_certificate_get_version (certificate));
  g_free (qssl_certificate_get_serial_number (certificate));
  for (gsize i = 0; i < G_N_ELEMENTS (digests); i++)
    g_bytes_unref (qssl_certificate_digest (certificate, digests[i]));
  for (int info = QSSL_SUBJECT_INFO_ORGANIZATION; info <= QSSL_SUBJECT_INFO_EMAIL_ADDRESS; info++)
    {
      exercise_strv (qssl_certificate_get_subject_info (certificate, info));
      exercise_strv (qssl_certificate_get_issuer_info (certificate, info));
    }
  subject_attributes = qssl_certificate_get_subject_info_attributes (certificate);
  for (char **a = subject_attributes; a != NULL && *a != NULL; a++)
    exercise_strv (qssl_certificate_get_subject_info_attribute (certificate, *a));
  issuer_attributes = qssl_certificate_get_issuer_info_attributes (certificate);
  for (char **a = issuer_attributes; a != NULL && *a != NULL; a++)
    exercise_strv (qssl_certificate_get_issuer_info_attribute (certificate, *a));
  g_free (qssl_certificate_get_subject_display_name (certificate));
  g_free (qssl_certificate_get_issuer_display_name (certificate));
  for (int type = QSSL_ALTERNATIVE_NAME_ENTRY_TYPE_EMAIL_ENTRY;
       type <= QSSL_ALTERNATIVE_NAME_ENTRY_TYPE_IP_ADDRESS_ENTRY; type++)
    exercise_strv (qssl_certificate_get_subject_alternative_names (certificate, type));
  effective = qssl_certificate_get_effective_date (certificate);
  expiry = qssl_certificate_get_expiry_date (certificate);
  public_key = qssl_certificate_get_public_key (certificate);
  if (public_key != NULL)
    fuzz_exercise_key (public_key);
  extensions = qssl_certificate_get_extensions (certificate);
  for (guint i = 0; extensions != NULL && i < extensions->len; i++)
    {
      QsslCertificateExtension *extension = g_ptr_array_index (extensions, i);
      GVariant *value = qssl_certificate_extension_get_value (extension);

      fuzz_check (qssl_certificate_extension_get_oid (extension) != NULL, "extension without OID");
      qssl_certificate_extension_get_name (extension);
      qssl_certificate_extension_is_critical (extension);
      qssl_certificate_extension_is_supported (extension);
      if (value != NULL)
        {
          g_free (g_variant_print (value, TRUE));
          g_variant_unref (value);
        }
    }
  g_free (qssl_certificate_to_text (certificate));
  qssl_certificate_hash (certificate);

  /* What the library writes it must read back as the same certificate. */
  der = qssl_certificate_to_der (certificate);
  fuzz_check (der != NULL && g_bytes_get_size (der) > 0, "no DER form");
  from_der = qssl_certificate_new_from_data (der, QSSL_ENCODING_FORMAT_DER, &error);
  fuzz_check (from_der != NULL, "the DER form does not read back");
  fuzz_check (qssl_certificate_equal (certificate, from_der), "the DER form reads back as another certificate");
  fuzz_check (qssl_certificate_hash (certificate) == qssl_certificate_hash (from_der), "equal but hashes differ");
  pem = qssl_certificate_to_pem (certificate);
  fuzz_check (pem != NULL && g_bytes_get_size (pem) > 0, "no PEM form");
  from_pem = qssl_certificate_new_from_data (pem, QSSL_ENCODING_FORMAT_PEM, &error);
  fuzz_check (from_pem != NULL, "the PEM form does not read back");
  fuzz_check (qssl_certificate_equal (certificate, from_pem), "the PEM form reads back as another certificate");
}

void
fuzz_exercise_key (QsslKey *key)
{
  g_autoptr(GBytes) der = NULL;
  g_autoptr(GBytes) pem = NULL;
  g_autoptr(GError) error = NULL;

  fuzz_check (QSSL_IS_KEY (key), "not a key");
  qssl_key_get_algorithm (key);
  qssl_key_get_length (key);
  fuzz_check (qssl_key_equal (key, key), "a key differs from itself");

  der = qssl_key_to_der (key);
  if (der != NULL && g_bytes_get_size (der) > 0)
    {
      g_autoptr(QsslKey) again = qssl_key_new_from_data (der, QSSL_KEY_ALGORITHM_OPAQUE, QSSL_ENCODING_FORMAT_DER,
                                                         qssl_key_get_key_type (key), NULL, &error);

      fuzz_check (again != NULL, "the DER form of a key does not read back");
      fuzz_check (qssl_key_get_algorithm (again) == qssl_key_get_algorithm (key), "the DER form changes the algorithm");
      fuzz_check (qssl_key_equal (key, again), "the DER form reads back as another key");
    }
  g_clear_error (&error);
  pem = qssl_key_to_pem (key, NULL, &error);
  if (pem != NULL)
    {
      g_autoptr(QsslKey) again = qssl_key_new_from_data (pem, QSSL_KEY_ALGORITHM_OPAQUE, QSSL_ENCODING_FORMAT_PEM,
                                                         qssl_key_get_key_type (key), NULL, &error);

      fuzz_check (again != NULL, "the PEM form of a key does not read back");
      fuzz_check (qssl_key_equal (key, again), "the PEM form reads back as another key");
    }
}
