/* fuzz-path.c: qssl_certificate_list_from_path with the input as the pattern
 *
 * The first input byte chooses the pattern syntax (value mod 3: regular
 * expression, wildcard, fixed string) and, bit 2, DER (else PEM). The rest,
 * up to the first NUL, is a pattern relative to a private temporary directory
 * with a few certificate files, which it is always prefixed with. Patterns
 * with ".." are skipped, so no walk leaves that directory: the walk follows
 * the literal prefix of the pattern and the directory holds no symbolic links.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <stdlib.h>
#include <string.h>

#include <glib/gstdio.h>

#include "fuzz-common.h"

static char *root;

/* What goes where below the root: a small tree with a match at several
 * depths, a DER file and files that are no certificates. */
static const struct {
  const char *source;
  const char *target;
} tree[] = {
  { "ca.pem", "certs/ca.pem" },
  { "server-rsa.pem", "certs/server-rsa.pem" },
  { "ca-bundle.pem", "certs/bundle.pem" },
  { "server-ec.der", "certs/server-ec.der" },
  { "garbage.pem", "certs/garbage.pem" },
  { "client.pem", "c1/client.pem" },
  { "client-ec.pem", "c2/client-ec.pem" },
  { "intermediate.pem", "sub/deeper/intermediate.pem" },
  { "self-signed.der", "sub/deeper/self-signed.der" },
  { "empty.pem", "empty.pem" },
  { "deep-chain.pem", "deep-chain.pem" },
};

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

static void
remove_root (void)
{
  if (root != NULL)
    remove_tree (root);
  g_clear_pointer (&root, g_free);
}

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  g_autoptr(GError) error = NULL;

  fuzz_init ();
  root = g_dir_make_tmp ("qssl-fuzz-path-XXXXXX", &error);
  if (root == NULL)
    g_error ("%s", error->message);
  /* The root must be a literal prefix of every pattern, in both syntaxes. */
  if (strpbrk (root, "\\^$.|?*+()[]{}") != NULL)
    g_error ("the temporary directory %s holds pattern syntax: set TMPDIR", root);
  atexit (remove_root);
  for (gsize i = 0; i < G_N_ELEMENTS (tree); i++)
    {
      g_autoptr(GBytes) bytes = fuzz_pki_bytes (tree[i].source);
      g_autofree char *target = g_build_filename (root, tree[i].target, NULL);
      g_autofree char *parent = g_path_get_dirname (target);

      g_mkdir_with_parents (parent, 0700);
      if (!g_file_set_contents (target, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), &error))
        g_error ("%s", error->message);
    }
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *relative = NULL;
  g_autofree char *pattern = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GError) error = NULL;
  QsslPatternSyntax syntax;
  QsslEncodingFormat format;

  /* Long patterns only make the walk slower, not different. */
  if (size < 1 || size > 256)
    return 0;
  syntax = data[0] % 3;
  format = (data[0] & 4) ? QSSL_ENCODING_FORMAT_DER : QSSL_ENCODING_FORMAT_PEM;
  relative = g_strndup ((const char *) data + 1, size - 1);
  if (strstr (relative, "..") != NULL)
    return 0;
  pattern = g_strconcat (root, "/", relative, NULL);

  list = qssl_certificate_list_from_path (pattern, format, syntax, &error);
  if (syntax != QSSL_PATTERN_SYNTAX_REGULAR_EXPRESSION)
    fuzz_check (list != NULL && error == NULL, "only a regular expression can be invalid");
  fuzz_check ((list == NULL) == (error != NULL), "a result and an error, or neither");
  for (guint i = 0; list != NULL && i < list->len; i++)
    fuzz_check (QSSL_IS_CERTIFICATE (g_ptr_array_index (list, i)), "not a certificate");

  /* A fixed string names one file: it gives what that file's data gives. */
  if (syntax == QSSL_PATTERN_SYNTAX_FIXED_STRING && g_file_test (pattern, G_FILE_TEST_IS_REGULAR))
    {
      char *contents = NULL;
      gsize length = 0;

      if (g_file_get_contents (pattern, &contents, &length, NULL))
        {
          g_autoptr(GBytes) bytes = g_bytes_new_take (contents, length);
          g_autoptr(GPtrArray) expected = qssl_certificate_list_from_data (bytes, format);

          fuzz_check (expected->len == list->len, "a file and its data give different certificates");
        }
    }
  return 0;
}
