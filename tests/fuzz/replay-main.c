/* replay-main.c: runs a fuzz target over saved inputs, without libFuzzer
 *
 *   fuzz-NAME-replay PATH...
 *
 * Each PATH is an input file or a directory whose regular files (sorted,
 * dot files skipped) are inputs. Every input goes through
 * LLVMFuzzerTestOneInput once; a crash or a failed check aborts. Exits 1 when
 * a PATH does not exist or no input was found at all, so that a missing
 * corpus is not mistaken for a passing one.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <stdio.h>
#include <string.h>

#include "fuzz-common.h"

static gboolean
replay_file (const char *path)
{
  g_autoptr(GError) error = NULL;
  char *contents = NULL;
  gsize length = 0;

  if (!g_file_get_contents (path, &contents, &length, &error))
    {
      fprintf (stderr, "%s\n", error->message);
      return FALSE;
    }
  /* A copy of exactly @length bytes, so that ASan catches a read past the
   * input as libFuzzer would. */
  {
    guint8 *copy = g_memdup2 (contents, length);

    LLVMFuzzerTestOneInput (copy, length);
    g_free (copy);
  }
  g_free (contents);
  return TRUE;
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

int
main (int    argc,
      char **argv)
{
  guint count = 0;
  gboolean ok = TRUE;

  LLVMFuzzerInitialize (&argc, &argv);
  for (int i = 1; i < argc; i++)
    {
      if (g_file_test (argv[i], G_FILE_TEST_IS_DIR))
        {
          g_autoptr(GDir) dir = g_dir_open (argv[i], 0, NULL);
          g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
          const char *name;

          while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
            if (name[0] != '.')
              g_ptr_array_add (names, g_build_filename (argv[i], name, NULL));
          g_ptr_array_sort (names, compare_strings);
          for (guint j = 0; j < names->len; j++)
            {
              const char *path = g_ptr_array_index (names, j);

              if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
                continue;
              ok = replay_file (path) && ok;
              count++;
            }
        }
      else if (g_file_test (argv[i], G_FILE_TEST_IS_REGULAR))
        {
          ok = replay_file (argv[i]) && ok;
          count++;
        }
      else
        {
          fprintf (stderr, "%s: no such file or directory\n", argv[i]);
          ok = FALSE;
        }
    }
  printf ("replayed %u inputs\n", count);
  if (count == 0)
    {
      fprintf (stderr, "no inputs: is the corpus generated?\n");
      return 1;
    }
  return ok ? 0 : 1;
}
