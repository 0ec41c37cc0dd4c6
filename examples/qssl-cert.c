/* qssl-cert.c: `qssl cert`, QsslCertificate's view of a file
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "qssl-tool.h"

int
qssl_tool_cert (int    argc,
                char **argv)
{
  gboolean der = FALSE, pem = FALSE;
  g_autofree char *passphrase = NULL;
  GOptionEntry entries[] = {
    { "der", 0, 0, G_OPTION_ARG_NONE, &der, N_("The file is DER, not PEM"), NULL },
    { "pkcs12", 0, 0, G_OPTION_ARG_STRING, &passphrase, N_("The file is a PKCS#12 bundle with this passphrase (\"\" for none)"), N_("TEXT") },
    { "pem", 0, 0, G_OPTION_ARG_NONE, &pem, N_("Also print each certificate as PEM"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) options = g_option_context_new (_("FILE…"));
  g_autoptr(GError) error = NULL;
  int status = QSSL_TOOL_EXIT_OK;

  g_option_context_set_summary (options, _("Shows the certificates in each FILE as libqssl reads them: "
                                           "subject, issuer, validity, names, key and fingerprint.\n\n"
                                           "Exit status: 0 done, 2 bad usage, 5 a file held no readable "
                                           "certificate."));
  g_option_context_add_main_entries (options, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (options, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return QSSL_TOOL_EXIT_USAGE;
    }
  if (argc < 2)
    {
      g_printerr (_("Give at least one certificate file (see --help)\n"));
      return QSSL_TOOL_EXIT_USAGE;
    }

  for (int i = 1; i < argc; i++)
    {
      g_autoptr(GPtrArray) certificates = NULL;

      if (passphrase != NULL)
        {
          g_autofree char *contents = NULL;
          gsize length;
          g_autoptr(GBytes) data = NULL;
          g_autoptr(QsslKey) key = NULL;
          g_autoptr(QsslCertificate) leaf = NULL;
          g_autoptr(GPtrArray) cas = NULL;

          if (!g_file_get_contents (argv[i], &contents, &length, &error))
            {
              g_printerr ("%s\n", error->message);
              g_clear_error (&error);
              status = QSSL_TOOL_EXIT_INPUT;
              continue;
            }
          data = g_bytes_new_take (g_steal_pointer (&contents), length);
          if (!qssl_certificate_import_pkcs12 (data, passphrase, &key, &leaf, &cas, &error))
            {
              g_printerr (_("%s: %s\n"), argv[i], error->message);
              g_clear_error (&error);
              status = QSSL_TOOL_EXIT_INPUT;
              continue;
            }
          certificates = g_ptr_array_new_with_free_func (g_object_unref);
          g_ptr_array_add (certificates, g_object_ref (leaf));
          for (guint j = 0; cas != NULL && j < cas->len; j++)
            g_ptr_array_add (certificates, g_object_ref (g_ptr_array_index (cas, j)));
        }
      else
        certificates = qssl_certificate_list_from_path (argv[i], der ? QSSL_ENCODING_FORMAT_DER : QSSL_ENCODING_FORMAT_PEM,
                                                        QSSL_PATTERN_SYNTAX_FIXED_STRING, NULL);
      if (certificates->len == 0)
        {
          g_printerr (_("No certificate could be read from %s\n"), argv[i]);
          status = QSSL_TOOL_EXIT_INPUT;
          continue;
        }
      for (guint j = 0; j < certificates->len; j++)
        {
          QsslCertificate *certificate = g_ptr_array_index (certificates, j);
          g_autofree char *heading = g_strdup_printf (_("%s: certificate %u of %u"), argv[i], j + 1,
                                                      certificates->len);

          printf ("%s\n", styled (stdout, STYLE_NOTE, heading));
          print_certificate (stdout, 2, certificate);
          if (pem)
            {
              g_autoptr(GBytes) text = qssl_certificate_to_pem (certificate);

              fwrite (g_bytes_get_data (text, NULL), 1, g_bytes_get_size (text), stdout);
            }
        }
    }
  return status;
}
