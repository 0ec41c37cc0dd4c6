/* fuzz-certificate.c: certificate parsing, PEM and DER, one or a list
 *
 * The first input byte chooses: bit 0 DER (else PEM), bit 1 a list
 * (qssl_certificate_list_from_data, then qssl_certificate_verify on it) instead
 * of qssl_certificate_new_from_data. The rest is the data.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "fuzz-common.h"

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  g_autoptr(GBytes) root_data = NULL;
  g_autoptr(QsslCertificate) root = NULL;
  g_autoptr(QsslConfiguration) configuration = NULL;
  g_autoptr(GPtrArray) cas = g_ptr_array_new ();

  fuzz_init ();
  /* qssl_certificate_verify() checks against the default configuration:
   * trust only the test root, so that no input pays for the system store. */
  root_data = fuzz_pki_bytes ("ca.pem");
  root = qssl_certificate_new_from_data (root_data, QSSL_ENCODING_FORMAT_PEM, NULL);
  fuzz_check (root != NULL, "cannot read the test root");
  g_ptr_array_add (cas, root);
  configuration = qssl_configuration_get_default ();
  qssl_configuration_set_ca_certificates (configuration, cas);
  qssl_configuration_set_default (configuration);
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GBytes) bytes = NULL;
  QsslEncodingFormat format;
  g_autoptr(GError) error = NULL;

  if (size < 1)
    return 0;
  format = (data[0] & 1) ? QSSL_ENCODING_FORMAT_DER : QSSL_ENCODING_FORMAT_PEM;
  bytes = g_bytes_new (data + 1, size - 1);

  if (data[0] & 2)
    {
      g_autoptr(GPtrArray) list = qssl_certificate_list_from_data (bytes, format);

      fuzz_check (list != NULL, "no list");
      for (guint i = 0; i < list->len; i++)
        fuzz_exercise_certificate (g_ptr_array_index (list, i));
      if (list->len > 0)
        {
          g_autoptr(GPtrArray) errors = qssl_certificate_verify (list, "localhost");

          for (guint i = 0; i < errors->len; i++)
            qssl_error_get_error_string (g_ptr_array_index (errors, i));
        }
    }
  else
    {
      g_autoptr(QsslCertificate) certificate = qssl_certificate_new_from_data (bytes, format, &error);

      fuzz_check ((certificate == NULL) == (error != NULL), "a result and an error, or neither");
      if (certificate != NULL)
        fuzz_exercise_certificate (certificate);
    }
  return 0;
}
