/* qssl.c: the `qssl` command
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>

#include <glib/gi18n.h>
#include <libqssl/qssl.h>

static int
run_demo (void)
{
  printf ("libqssl %u.%u.%u\n",
          qssl_get_major_version (), qssl_get_minor_version (), qssl_get_micro_version ());
  printf ("TLS library: %s (built against %s)\n",
          qssl_socket_ssl_library_version_string (),
          qssl_socket_ssl_library_build_version_string ());
  printf ("TLS supported: %s\n", qssl_socket_supports_ssl () ? "yes" : "no");
  return qssl_socket_supports_ssl () ? 0 : 1;
}

static void
print_usage (FILE *out)
{
  fprintf (out, "Usage: qssl COMMAND\n\nCommands:\n  demo     show the library and TLS versions\n");
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "");

  if (argc < 2)
    {
      print_usage (stderr);
      return 2;
    }
  if (strcmp (argv[1], "demo") == 0)
    return run_demo ();
  if (strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "help") == 0)
    {
      print_usage (stdout);
      return 0;
    }
  print_usage (stderr);
  return 2;
}
