/* qssl.c: the `qssl` command: a tour of libqssl, an s_client and an
 * s_server for humans, and a certificate viewer
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <locale.h>

#include <glib/gi18n-lib.h>

#include "qssl-tool.h"

static const struct {
  const char *name;
  int       (*run) (int argc, char **argv);
  const char *summary;
} commands[] = {
  { "demo", qssl_tool_demo, N_("Make a local TLS server and show a handshake with it") },
  { "connect", qssl_tool_connect, N_("Connect to HOST:PORT, show the handshake, then pipe data") },
  { "serve", qssl_tool_serve, N_("Serve TLS with a certificate and key") },
  { "cert", qssl_tool_cert, N_("Show the certificates in a file") },
  { "dtls-connect", qssl_tool_dtls_connect, N_("Send lines as DTLS datagrams to HOST:PORT, print what comes back") },
  { "dtls-serve", qssl_tool_dtls_serve, N_("Serve DTLS on a UDP port (--echo sends datagrams back)") },
};

static void
print_usage (FILE *out)
{
  fprintf (out, "%s\n\n%s\n", _("Usage: qssl COMMAND [OPTION…]"), _("Commands:"));
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (out, "  %-12s %s\n", commands[i].name, _(commands[i].summary));
  fprintf (out, "\n%s\n", _("“qssl COMMAND --help” tells more about each."));
}

int
main (int   argc,
      char *argv[])
{
  const char *localedir = g_getenv ("QSSL_LOCALEDIR");

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, localedir ? localedir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");

  if (argc < 2)
    {
      print_usage (stderr);
      return QSSL_TOOL_EXIT_USAGE;
    }
  if (g_str_equal (argv[1], "--help") || g_str_equal (argv[1], "-h") || g_str_equal (argv[1], "help"))
    {
      print_usage (stdout);
      return QSSL_TOOL_EXIT_OK;
    }
  if (g_str_equal (argv[1], "--version"))
    {
      printf ("qssl %s (%s)\n", PACKAGE_VERSION, qssl_socket_ssl_library_version_string ());
      return QSSL_TOOL_EXIT_OK;
    }
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    if (g_str_equal (argv[1], commands[i].name))
      {
        /* "qssl connect" reads as one program name in --help. */
        g_autofree char *program = g_strdup_printf ("qssl %s", commands[i].name);

        g_set_prgname (program);
        return commands[i].run (argc - 1, argv + 1);
      }
  fprintf (stderr, _("Unknown command “%s”\n\n"), argv[1]);
  print_usage (stderr);
  return QSSL_TOOL_EXIT_USAGE;
}
