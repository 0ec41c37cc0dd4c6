/* test-secret.c: key material is wiped before its memory is freed
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include "qssl-private.h"

typedef struct {
  gsize    size;
  gboolean freed;
  gboolean wiped;
} Release;

static Release *current;

/* Stands in for g_free: sees the bytes as they are when released. */
static void
release_checking (gpointer data)
{
  const guint8 *bytes = data;

  current->freed = TRUE;
  current->wiped = TRUE;
  for (gsize i = 0; i < current->size; i++)
    if (bytes[i] != 0)
      current->wiped = FALSE;
  g_free (data);
}

static void
test_secret_bytes_wiped_on_last_unref (void)
{
  static const char key[] = "-----BEGIN PRIVATE KEY-----\nnot really\n";
  Release release = { sizeof key, FALSE, FALSE };
  GBytes *bytes, *extra;

  current = &release;
  bytes = _qssl_secret_bytes_new_take (g_memdup2 (key, sizeof key), sizeof key, release_checking);
  g_assert_cmpmem (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), key, sizeof key);

  /* Readable as long as anyone holds it. */
  extra = g_bytes_ref (bytes);
  g_bytes_unref (bytes);
  g_assert_false (release.freed);
  g_assert_cmpmem (g_bytes_get_data (extra, NULL), g_bytes_get_size (extra), key, sizeof key);

  g_bytes_unref (extra);
  g_assert_true (release.freed);
  g_assert_true (release.wiped);
  current = NULL;
}

static void
test_secret_bytes_copy (void)
{
  guint8 source[32];
  g_autoptr(GBytes) bytes = NULL;

  for (guint i = 0; i < sizeof source; i++)
    source[i] = (guint8) (i + 1);
  bytes = _qssl_secret_bytes_new (source, sizeof source);
  /* A copy: the caller's memory is the caller's. */
  g_assert_true (g_bytes_get_data (bytes, NULL) != (gconstpointer) source);
  g_assert_cmpmem (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), source, sizeof source);
  g_assert_cmpuint (source[0], ==, 1);

  g_clear_pointer (&bytes, g_bytes_unref);
  bytes = _qssl_secret_bytes_new (NULL, 0);
  g_assert_cmpuint (g_bytes_get_size (bytes), ==, 0);
}

static void
test_wipe (void)
{
  char passphrase[] = "correct horse battery staple";

  _qssl_wipe (passphrase, strlen (passphrase));
  for (gsize i = 0; i < sizeof passphrase; i++)
    g_assert_cmpint (passphrase[i], ==, 0);
  _qssl_wipe (NULL, 10);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/qssl/secret/wiped-on-last-unref", test_secret_bytes_wiped_on_last_unref);
  g_test_add_func ("/qssl/secret/copy", test_secret_bytes_copy);
  g_test_add_func ("/qssl/secret/wipe", test_wipe);

  return g_test_run ();
}
