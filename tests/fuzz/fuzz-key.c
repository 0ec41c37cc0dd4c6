/* fuzz-key.c: key parsing, PEM and DER, every algorithm, with passphrases
 *
 * The first input byte chooses: bit 0 DER (else PEM); bits 1-3 the algorithm
 * asked for (value mod 5: opaque, RSA, DSA, EC, DH); bit 4 a public key (else
 * private); bits 5-6 the passphrase (none, "secret", "", "wrong"); bit 7 also
 * write the key back as PEM encrypted with a passphrase. The rest is the data.
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
  g_autoptr(GError) error = NULL;
  QsslEncodingFormat format;
  QsslKeyAlgorithm algorithm;
  QsslKeyType key_type;

  if (size < 1)
    return 0;
  format = (data[0] & 1) ? QSSL_ENCODING_FORMAT_DER : QSSL_ENCODING_FORMAT_PEM;
  algorithm = ((data[0] >> 1) & 7) % 5;
  key_type = (data[0] & 0x10) ? QSSL_KEY_TYPE_PUBLIC_KEY : QSSL_KEY_TYPE_PRIVATE_KEY;
  bytes = g_bytes_new (data + 1, size - 1);

  key = qssl_key_new_from_data (bytes, algorithm, format, key_type, passphrases[(data[0] >> 5) & 3], &error);
  fuzz_check ((key == NULL) == (error != NULL), "a result and an error, or neither");
  if (key == NULL)
    return 0;
  fuzz_check (qssl_key_get_key_type (key) == key_type, "the key type changed");
  fuzz_check (algorithm == QSSL_KEY_ALGORITHM_OPAQUE || qssl_key_get_algorithm (key) == algorithm,
              "a key of another algorithm than asked for");
  fuzz_exercise_key (key);

  if ((data[0] & 0x80) && key_type == QSSL_KEY_TYPE_PRIVATE_KEY)
    {
      g_autoptr(GBytes) pem = qssl_key_to_pem (key, "fuzz", &error);

      if (pem != NULL)
        {
          g_autoptr(QsslKey) again = qssl_key_new_from_data (pem, QSSL_KEY_ALGORITHM_OPAQUE, QSSL_ENCODING_FORMAT_PEM,
                                                             key_type, "fuzz", &error);

          fuzz_check (again != NULL && qssl_key_equal (key, again), "an encrypted PEM key does not read back");
        }
    }
  return 0;
}
