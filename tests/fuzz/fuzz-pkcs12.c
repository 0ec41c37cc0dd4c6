/* fuzz-pkcs12.c: PKCS#12 import (qssl_certificate_import_pkcs12)
 *
 * The first input byte chooses the passphrase (value mod 4: none, "secret",
 * "", "wrong"); the rest is the bundle.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "fuzz-common.h"

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  fuzz_init ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  static const char * const passphrases[] = { NULL, "secret", "", "wrong" };
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(QsslKey) key = NULL;
  g_autoptr(QsslCertificate) certificate = NULL;
  g_autoptr(GPtrArray) cas = NULL;
  g_autoptr(GError) error = NULL;
  gboolean ok;

  if (size < 1)
    return 0;
  bytes = g_bytes_new (data + 1, size - 1);
  ok = qssl_certificate_import_pkcs12 (bytes, passphrases[data[0] & 3], &key, &certificate, &cas, &error);
  fuzz_check (ok == (error == NULL), "success with an error, or failure without one");
  if (!ok)
    {
      fuzz_check (key == NULL && certificate == NULL && cas == NULL, "failure leaves results behind");
      return 0;
    }
  /* A bundle may lack the key or the certificate: both are nullable. */
  fuzz_check (cas != NULL, "success without the CA list");
  if (key != NULL)
    {
      fuzz_check (qssl_key_get_key_type (key) == QSSL_KEY_TYPE_PRIVATE_KEY, "a public key from PKCS#12");
      fuzz_exercise_key (key);
    }
  if (certificate != NULL)
    fuzz_exercise_certificate (certificate);
  for (guint i = 0; cas != NULL && i < cas->len; i++)
    fuzz_exercise_certificate (g_ptr_array_index (cas, i));
  return 0;
}
