/* qssl-library.c: run-time version, gettext set-up and OpenSSL error text
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <openssl/err.h>

#include "qssl-enums.h"
#include "qssl-library.h"
#include "qssl-private.h"

/**
 * qssl_get_major_version:
 *
 * The major version of the libqssl library in use, which may differ from
 * %QSSL_MAJOR_VERSION the program was compiled against.
 *
 * Returns: the major version
 *
 * Since: 1.0
 */
guint
qssl_get_major_version (void)
{
  return QSSL_MAJOR_VERSION;
}

/**
 * qssl_get_minor_version:
 *
 * The minor version of the libqssl library in use.
 *
 * Returns: the minor version
 *
 * Since: 1.0
 */
guint
qssl_get_minor_version (void)
{
  return QSSL_MINOR_VERSION;
}

/**
 * qssl_get_micro_version:
 *
 * The micro version of the libqssl library in use.
 *
 * Returns: the micro version
 *
 * Since: 1.0
 */
guint
qssl_get_micro_version (void)
{
  return QSSL_MICRO_VERSION;
}

/**
 * qssl_check_version:
 * @major: required major version
 * @minor: required minor version
 * @micro: required micro version
 *
 * Run-time twin of QSSL_CHECK_VERSION(): whether the library in use is at
 * least @major.@minor.@micro.
 *
 * Returns: %TRUE if the library is recent enough
 *
 * Since: 1.0
 */
gboolean
qssl_check_version (guint major,
                    guint minor,
                    guint micro)
{
  return QSSL_CHECK_VERSION (major, minor, micro);
}

void
_qssl_init (void)
{
  static gsize initialized = 0;

  if (g_once_init_enter (&initialized))
    {
      /* QSSL_LOCALEDIR lets an uninstalled build (the test suite) find its
       * own catalogues. */
      const char *localedir = g_getenv ("QSSL_LOCALEDIR");

      bindtextdomain (GETTEXT_PACKAGE, localedir ? localedir : LOCALEDIR);
      bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
      g_once_init_leave (&initialized, 1);
    }
}

/* ERR_clear_error() resets all sixteen slots of the queue, some 850
 * instructions in OpenSSL 3.0, even when it is empty, as it nearly always
 * is before a read, a write or a handshake step; ERR_peek_error() costs a
 * quarter of that. It is also what SSL_get_error() looks at. */
void
_qssl_clear_openssl_errors (void)
{
  if (ERR_peek_error () != 0)
    ERR_clear_error ();
}

char *
_qssl_take_openssl_errors (void)
{
  GString *text = NULL;
  unsigned long code;
  char buffer[256];

  while ((code = ERR_get_error ()) != 0)
    {
      ERR_error_string_n (code, buffer, sizeof buffer);
      if (text == NULL)
        text = g_string_new (buffer);
      else
        g_string_append_printf (text, "; %s", buffer);
    }

  return text ? g_string_free (text, FALSE) : NULL;
}

void
_qssl_set_error_from_openssl (GError     **error,
                              GQuark       domain,
                              int          code,
                              const char  *message)
{
  g_autofree char *details = _qssl_take_openssl_errors ();

  if (details != NULL)
    g_set_error (error, domain, code, "%s: %s", message, details);
  else
    g_set_error_literal (error, domain, code, message);
}

/**
 * qssl_socket_error_quark:
 *
 * The quark of the %QSSL_SOCKET_ERROR #GError domain.
 *
 * Returns: the error domain quark
 *
 * Since: 1.0
 */
G_DEFINE_QUARK (qssl-socket-error-quark, qssl_socket_error)

/**
 * qssl_dtls_error_quark:
 *
 * The quark of the %QSSL_DTLS_ERROR #GError domain.
 *
 * Returns: the error domain quark
 *
 * Since: 1.0
 */
G_DEFINE_QUARK (qssl-dtls-error-quark, qssl_dtls_error)
