/* qssl-output.c: readable output for the `qssl` command
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <unistd.h>

#include <glib/gi18n-lib.h>

#include "qssl-tool.h"

static gboolean
use_colour (FILE *out)
{
  const char *term = g_getenv ("TERM");

  return isatty (fileno (out)) && g_getenv ("NO_COLOR") == NULL && term != NULL && strcmp (term, "dumb") != 0;
}

const char *
styled (FILE       *out,
        Style       style,
        const char *text)
{
  static char *ring[8];
  static guint next;
  static const char *codes[] = {
    [STYLE_BOLD] = "1", [STYLE_DIM] = "2", [STYLE_GOOD] = "32", [STYLE_BAD] = "31;1", [STYLE_NOTE] = "36",
  };
  char **slot;

  if (!use_colour (out))
    return text;
  slot = &ring[next++ % G_N_ELEMENTS (ring)];
  g_free (*slot);
  *slot = g_strdup_printf ("\033[%sm%s\033[0m", codes[style], text);
  return *slot;
}

void
print_field (FILE       *out,
             int         indent,
             const char *label,
             const char *value)
{
  /* Labels are translated: pad by display columns (CJK characters take two). */
  long width = 0;

  for (const char *p = label; *p != '\0'; p = g_utf8_next_char (p))
    width += g_unichar_iswide (g_utf8_get_char (p)) ? 2 : 1;

  fprintf (out, "%*s%s%*s %s\n", indent, "", styled (out, STYLE_DIM, label),
           (int) MAX (0, 12 - width), "", value);
}

static char *
join_names (QsslCertificate *certificate)
{
  static const struct { QsslAlternativeNameEntryType type; const char *prefix; } kinds[] = {
    { QSSL_ALTERNATIVE_NAME_ENTRY_TYPE_DNS_ENTRY, "DNS:" },
    { QSSL_ALTERNATIVE_NAME_ENTRY_TYPE_IP_ADDRESS_ENTRY, "IP:" },
    { QSSL_ALTERNATIVE_NAME_ENTRY_TYPE_EMAIL_ENTRY, "email:" },
  };
  g_autoptr(GString) text = g_string_new (NULL);

  for (gsize k = 0; k < G_N_ELEMENTS (kinds); k++)
    {
      g_auto(GStrv) names = qssl_certificate_get_subject_alternative_names (certificate, kinds[k].type);

      for (gsize i = 0; names != NULL && names[i] != NULL; i++)
        g_string_append_printf (text, "%s%s%s", text->len ? ", " : "", kinds[k].prefix, names[i]);
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static char *
fingerprint (QsslCertificate *certificate,
             GChecksumType    type)
{
  g_autoptr(GBytes) digest = qssl_certificate_digest (certificate, type);
  gsize length;
  const guint8 *data = g_bytes_get_data (digest, &length);
  GString *text = g_string_new (NULL);

  for (gsize i = 0; i < length; i++)
    g_string_append_printf (text, "%s%02X", i ? ":" : "", data[i]);
  return g_string_free (text, FALSE);
}

static char *
format_date (GDateTime *date)
{
  return date ? g_date_time_format (date, "%Y-%m-%d %H:%M:%S UTC") : g_strdup ("?");
}

static const char *
key_algorithm_name (QsslKey *key)
{
  /* X25519 and X448 keys have no algorithm of their own in Qt's enum. */
  if (qssl_key_get_algorithm (key) == QSSL_KEY_ALGORITHM_OPAQUE)
    return qssl_key_get_length (key) == 253 ? "X25519" : qssl_key_get_length (key) == 448 ? "X448" : "?";
  switch (qssl_key_get_algorithm (key))
    {
    case QSSL_KEY_ALGORITHM_RSA: return "RSA";
    case QSSL_KEY_ALGORITHM_DSA: return "DSA";
    case QSSL_KEY_ALGORITHM_EC: return "EC";
    case QSSL_KEY_ALGORITHM_DH: return "DH";
    case QSSL_KEY_ALGORITHM_OPAQUE:
    default: return "?";
    }
}

void
print_certificate (FILE            *out,
                   int              indent,
                   QsslCertificate *certificate)
{
  g_autofree char *subject = qssl_certificate_get_subject_display_name (certificate);
  g_autofree char *issuer = qssl_certificate_get_issuer_display_name (certificate);
  g_autoptr(GDateTime) from = qssl_certificate_get_effective_date (certificate);
  g_autoptr(GDateTime) until = qssl_certificate_get_expiry_date (certificate);
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *from_text = format_date (from);
  g_autofree char *until_text = format_date (until);
  g_autofree char *validity = NULL;
  g_autofree char *names = join_names (certificate);
  g_autofree char *serial = qssl_certificate_get_serial_number (certificate);
  g_autofree char *sha256 = fingerprint (certificate, G_CHECKSUM_SHA256);
  g_autoptr(QsslKey) key = qssl_certificate_get_public_key (certificate);
  gboolean current = from && until && g_date_time_compare (from, now) <= 0 && g_date_time_compare (now, until) <= 0;

  validity = g_strdup_printf (_("%s to %s (%s)"), from_text, until_text,
                              styled (out, current ? STYLE_GOOD : STYLE_BAD,
                                      current ? _("valid now") : _("not valid now")));
  print_field (out, indent, _("Subject"), styled (out, STYLE_BOLD, subject));
  print_field (out, indent, _("Issuer"), issuer);
  print_field (out, indent, _("Validity"), validity);
  if (*names != '\0')
    print_field (out, indent, _("Names"), names);
  if (key != NULL)
    {
      g_autofree char *text = g_strdup_printf (_("%s, %d bits"), key_algorithm_name (key),
                                               qssl_key_get_length (key));
      print_field (out, indent, _("Public key"), text);
    }
  print_field (out, indent, _("Serial"), serial);
  print_field (out, indent, "SHA-256", sha256);
  if (qssl_certificate_is_self_signed (certificate))
    print_field (out, indent, "", styled (out, STYLE_NOTE, _("self-signed")));
  if (qssl_certificate_is_blacklisted (certificate))
    print_field (out, indent, "", styled (out, STYLE_BAD, _("blacklisted")));
}

void
print_session (FILE       *out,
               QsslSocket *socket)
{
  g_autoptr(QsslConfiguration) state = qssl_socket_get_ssl_configuration (socket);
  QsslCipher *cipher = qssl_socket_get_session_cipher (socket);
  g_autoptr(GPtrArray) chain = qssl_socket_get_peer_certificate_chain (socket);
  const char *alpn = qssl_configuration_get_next_negotiated_protocol (state);
  QsslKey *ephemeral = qssl_configuration_get_ephemeral_server_key (state);

  print_field (out, 3, _("Protocol"),
               cipher ? qssl_cipher_get_protocol_string (cipher) : "?");
  if (cipher != NULL)
    {
      g_autofree char *text = g_strdup_printf (_("%s (%d bits)"), qssl_cipher_get_name (cipher),
                                               qssl_cipher_get_used_bits (cipher));
      print_field (out, 3, _("Cipher"), text);
    }
  if (ephemeral != NULL)
    {
      g_autofree char *text = g_strdup_printf (_("%s, %d bits"), key_algorithm_name (ephemeral),
                                               qssl_key_get_length (ephemeral));
      print_field (out, 3, _("Key exchange"), text);
    }
  print_field (out, 3, "ALPN", alpn ? alpn : _("none"));
  print_field (out, 3, _("Resumed"), qssl_socket_is_session_resumed (socket) ? _("yes") : _("no"));
  for (guint i = 0; i < chain->len; i++)
    {
      g_autofree char *heading = g_strdup_printf (_("Peer certificate %u of %u"), i + 1, chain->len);

      fprintf (out, "   %s\n", styled (out, STYLE_NOTE, heading));
      print_certificate (out, 5, g_ptr_array_index (chain, i));
    }
}

int
exit_code_for_socket_error (QsslSocketError error)
{
  switch (error)
    {
    case QSSL_SOCKET_ERROR_SSL_HANDSHAKE_FAILED:
    case QSSL_SOCKET_ERROR_SSL_INTERNAL:
    case QSSL_SOCKET_ERROR_SSL_INVALID_USER_DATA:
      return QSSL_TOOL_EXIT_TLS;
    default:
      return QSSL_TOOL_EXIT_CONNECT;
    }
}

gboolean
parse_host_port (const char  *text,
                 char       **host,
                 guint16     *port)
{
  const char *colon;
  guint64 number;
  char *end;

  if (text == NULL)
    return FALSE;
  if (text[0] == '[')
    {
      const char *close = strchr (text, ']');

      if (close == NULL || close[1] != ':')
        return FALSE;
      *host = g_strndup (text + 1, close - text - 1);
      colon = close + 1;
    }
  else
    {
      colon = strrchr (text, ':');
      if (colon == NULL || colon == text)
        return FALSE;
      *host = g_strndup (text, colon - text);
    }
  number = g_ascii_strtoull (colon + 1, &end, 10);
  if (*end != '\0' || colon[1] == '\0' || number == 0 || number > 65535)
    {
      g_clear_pointer (host, g_free);
      return FALSE;
    }
  *port = (guint16) number;
  return TRUE;
}
