/* fuzz-cipher.c: cipher strings and cipher names
 *
 * The first input byte chooses the QsslProtocol for
 * qssl_cipher_new_with_protocol() (value mod 15, minus one: -1 is
 * QSSL_PROTOCOL_UNKNOWN_PROTOCOL, 3 TLS 1.2, 13 TLS 1.3); the rest is read as a
 * string (up to the first NUL) by qssl_configuration_set_ciphers_from_string(),
 * qssl_cipher_new() and qssl_cipher_new_with_protocol().
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

static void
exercise_cipher (QsslCipher *cipher)
{
  fuzz_check (QSSL_IS_CIPHER (cipher), "not a cipher");
  fuzz_check (qssl_cipher_get_name (cipher) != NULL, "a cipher without a name");
  qssl_cipher_get_supported_bits (cipher);
  qssl_cipher_get_used_bits (cipher);
  qssl_cipher_get_key_exchange_method (cipher);
  qssl_cipher_get_authentication_method (cipher);
  qssl_cipher_get_encryption_method (cipher);
  qssl_cipher_get_protocol (cipher);
  qssl_cipher_get_protocol_string (cipher);
  fuzz_check (qssl_cipher_equal (cipher, cipher), "a cipher differs from itself");
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *text = NULL;
  g_autoptr(QsslConfiguration) configuration = NULL;
  g_autoptr(QsslCipher) by_name = NULL;
  g_autoptr(QsslCipher) by_protocol = NULL;
  g_autoptr(GError) error = NULL;
  QsslProtocol protocol;
  gboolean ok;

  /* Longer strings add nothing but time spent in OpenSSL's list parser. */
  if (size < 1 || size > 4096)
    return 0;
  protocol = (QsslProtocol) (data[0] % 15) - 1;
  text = g_strndup ((const char *) data + 1, size - 1);

  configuration = qssl_configuration_new ();
  ok = qssl_configuration_set_ciphers_from_string (configuration, text, &error);
  fuzz_check (ok == (error == NULL), "success with an error, or failure without one");
  if (ok)
    {
      g_autoptr(GPtrArray) ciphers = qssl_configuration_get_ciphers (configuration);

      for (guint i = 0; ciphers != NULL && i < ciphers->len; i++)
        {
          QsslCipher *cipher = g_ptr_array_index (ciphers, i);
          g_autoptr(QsslCipher) again = NULL;

          exercise_cipher (cipher);
          fuzz_check (!qssl_cipher_is_null (cipher), "a null cipher in a configuration");
          /* Every cipher a string selects can be looked up by its name. */
          again = qssl_cipher_new_with_protocol (qssl_cipher_get_name (cipher), qssl_cipher_get_protocol (cipher));
          fuzz_check (!qssl_cipher_is_null (again) && qssl_cipher_equal (cipher, again),
                      "a selected cipher cannot be found by its name");
        }
    }

  by_name = qssl_cipher_new (text);
  exercise_cipher (by_name);
  fuzz_check (qssl_cipher_is_null (by_name) || g_strcmp0 (qssl_cipher_get_name (by_name), text) == 0,
              "a cipher by name has another name");
  by_protocol = qssl_cipher_new_with_protocol (text, protocol);
  exercise_cipher (by_protocol);
  fuzz_check (qssl_cipher_is_null (by_protocol) || qssl_cipher_get_protocol (by_protocol) == protocol,
              "a cipher of another protocol than asked for");
  return 0;
}
