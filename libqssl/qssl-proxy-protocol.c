/* qssl-proxy-protocol.c: the PROXY protocol header (HAProxy's, versions 1
 * and 2) that a load balancer sends before the TLS ClientHello
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The specification is HAProxy's "proxy-protocol.txt". A server that
 * expects the header reads it from the accepted socket before the
 * handshake, without blocking and without taking a byte of TLS: the bytes
 * are peeked, and only those known to belong to the header are consumed.
 * This file only reads and parses (the fuzzer builds it alone);
 * qssl-socket-proxy.c is the socket's phase that uses it.
 */

#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "qssl-private.h"
#include "qssl-proxy-protocol-private.h"

static const guint8 v1_signature[] = "PROXY ";
#define V1_SIGNATURE_LENGTH (sizeof v1_signature - 1)
static const guint8 v2_signature[12] = { 0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a };

/* What a version 2 header's parse needs: the fixed part and the largest
 * address block it reads (two IPv6 addresses and two ports). */
#define V2_KEPT_MAX (QSSL_PROXY_V2_FIXED_LENGTH + 36)
#define KEPT_MAX MAX (QSSL_PROXY_V1_MAX_LENGTH, V2_KEPT_MAX)

struct _QsslProxyReader
{
  guint8 kept[KEPT_MAX];
  gsize  consumed;   /* bytes of the header taken from the socket */
  gsize  length;     /* the whole header's, once known; else 0 */
};

QsslProxyReader *
_qssl_proxy_reader_new (void)
{
  return g_new0 (QsslProxyReader, 1);
}

void
_qssl_proxy_reader_free (QsslProxyReader *reader)
{
  g_free (reader);
}

static QsslProxyStatus
invalid (GError     **error,
         const char  *message)
{
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, message);
  return QSSL_PROXY_FAILED;
}

static gboolean
malformed (GError **error)
{
  invalid (error, _("The PROXY protocol header is malformed"));
  return FALSE;
}

QsslProxyStatus
_qssl_proxy_scan (const guint8  *data,
                  gsize          size,
                  gsize         *length,
                  GError       **error)
{
  *length = 0;
  if (size == 0)
    return QSSL_PROXY_INCOMPLETE;
  if (data[0] == 'P')
    {
      const guint8 *end;

      if (memcmp (data, v1_signature, MIN (size, V1_SIGNATURE_LENGTH)) != 0)
        return invalid (error, _("The connection did not start with a PROXY protocol header"));
      end = memchr (data, '\n', MIN (size, QSSL_PROXY_V1_MAX_LENGTH));
      if (end != NULL)
        {
          if (end == data || end[-1] != '\r')
            return invalid (error, _("The PROXY protocol header is malformed"));
          *length = end - data + 1;
          return QSSL_PROXY_COMPLETE;
        }
      if (size >= QSSL_PROXY_V1_MAX_LENGTH)
        return invalid (error, _("The PROXY protocol header is too long"));
      return QSSL_PROXY_INCOMPLETE;
    }
  if (data[0] == v2_signature[0])
    {
      gsize payload;

      if (memcmp (data, v2_signature, MIN (size, sizeof v2_signature)) != 0)
        return invalid (error, _("The connection did not start with a PROXY protocol header"));
      if (size < QSSL_PROXY_V2_FIXED_LENGTH)
        return QSSL_PROXY_INCOMPLETE;
      if ((data[12] >> 4) != 2)
        return invalid (error, _("The PROXY protocol header is malformed"));
      payload = ((gsize) data[14] << 8) | data[15];
      if (payload > QSSL_PROXY_V2_MAX_PAYLOAD)
        return invalid (error, _("The PROXY protocol header is too long"));
      *length = QSSL_PROXY_V2_FIXED_LENGTH + payload;
      return QSSL_PROXY_COMPLETE;
    }
  return invalid (error, _("The connection did not start with a PROXY protocol header"));
}

/* A port of a version 1 header: decimal, 0 to 65535. */
static gboolean
parse_port (const char *text,
            guint16    *port)
{
  guint64 value;

  if (text[0] == '\0' || strlen (text) > 5 || strspn (text, "0123456789") != strlen (text))
    return FALSE;
  value = g_ascii_strtoull (text, NULL, 10);
  if (value > 65535)
    return FALSE;
  *port = (guint16) value;
  return TRUE;
}

static gboolean
parse_v1 (const guint8        *data,
          gsize                size,
          GInetSocketAddress **source,
          GError             **error)
{
  /* Without the CRLF; checked by the scan. */
  g_autofree char *line = g_strndup ((const char *) data, size - 2);
  g_auto(GStrv) fields = NULL;
  g_autoptr(GInetAddress) address = NULL;
  GSocketFamily family;
  guint16 port, ignored;

  if (strlen (line) != size - 2)
    return malformed (error);
  for (const char *p = line; *p != '\0'; p++)
    if (!g_ascii_isprint (*p))
      return malformed (error);
  fields = g_strsplit (line, " ", -1);
  /* "PROXY UNKNOWN" and anything after it: the balancer does not know the
   * client (a health check, say); the connection's own peer stays. */
  if (g_strv_length (fields) >= 2 && g_str_equal (fields[1], "UNKNOWN"))
    {
      *source = NULL;
      return TRUE;
    }
  if (g_strv_length (fields) != 6)
    return malformed (error);
  if (g_str_equal (fields[1], "TCP4"))
    family = G_SOCKET_FAMILY_IPV4;
  else if (g_str_equal (fields[1], "TCP6"))
    family = G_SOCKET_FAMILY_IPV6;
  else
    return malformed (error);
  address = g_inet_address_new_from_string (fields[2]);
  {
    g_autoptr(GInetAddress) destination = g_inet_address_new_from_string (fields[3]);

    if (address == NULL || destination == NULL || g_inet_address_get_family (address) != family ||
        g_inet_address_get_family (destination) != family ||
        !parse_port (fields[4], &port) || !parse_port (fields[5], &ignored))
      return malformed (error);
  }
  *source = G_INET_SOCKET_ADDRESS (g_inet_socket_address_new (address, port));
  return TRUE;
}

static gboolean
parse_v2 (const guint8        *data,
          gsize                size,
          GInetSocketAddress **source,
          GError             **error)
{
  guint command = data[12] & 0x0f;
  guint family = data[13] >> 4;
  guint transport = data[13] & 0x0f;
  gsize payload = ((gsize) data[14] << 8) | data[15];
  gsize address_length;
  g_autoptr(GInetAddress) address = NULL;
  const guint8 *block = data + QSSL_PROXY_V2_FIXED_LENGTH;

  if ((data[12] >> 4) != 2 || command > 1 || family > 3 || transport > 2)
    return malformed (error);
  *source = NULL;
  /* LOCAL: the balancer's own connection (a health check); the addresses,
   * if any, are to be ignored. */
  if (command == 0)
    return TRUE;
  switch (family)
    {
    case 1:
      address_length = 12;
      break;
    case 2:
      address_length = 36;
      break;
    default:
      /* Unspecified or a Unix socket: the protocol says to use the
       * connection's own addresses. */
      return TRUE;
    }
  if (payload < address_length || size < QSSL_PROXY_V2_FIXED_LENGTH + address_length)
    return malformed (error);
  if (family == 1)
    {
      address = g_inet_address_new_from_bytes (block, G_SOCKET_FAMILY_IPV4);
      *source = G_INET_SOCKET_ADDRESS (g_inet_socket_address_new (address, ((guint16) block[8] << 8) | block[9]));
    }
  else
    {
      address = g_inet_address_new_from_bytes (block, G_SOCKET_FAMILY_IPV6);
      *source = G_INET_SOCKET_ADDRESS (g_inet_socket_address_new (address, ((guint16) block[32] << 8) | block[33]));
    }
  return TRUE;
}

gboolean
_qssl_proxy_parse (const guint8        *data,
                   gsize                size,
                   GInetSocketAddress **source,
                   GError             **error)
{
  *source = NULL;
  if (size >= V1_SIGNATURE_LENGTH && memcmp (data, v1_signature, V1_SIGNATURE_LENGTH) == 0)
    {
      if (size < 2 || data[size - 2] != '\r' || data[size - 1] != '\n')
        return malformed (error);
      return parse_v1 (data, size, source, error);
    }
  if (size >= QSSL_PROXY_V2_FIXED_LENGTH && memcmp (data, v2_signature, sizeof v2_signature) == 0)
    return parse_v2 (data, size, source, error);
  invalid (error, _("The connection did not start with a PROXY protocol header"));
  return FALSE;
}

/* recv() without EINTR; -1 with errno otherwise. */
static gssize
receive (int     fd,
         guint8 *buffer,
         gsize   size,
         int     flags)
{
  gssize n;

  do
    n = recv (fd, buffer, size, flags);
  while (n < 0 && errno == EINTR);
  return n;
}

static QsslProxyStatus
receive_failed (gssize   n,
                GError **error)
{
  int saved = errno;

  if (n == 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
                           _("The connection closed before its PROXY protocol header was complete"));
      return QSSL_PROXY_FAILED;
    }
  if (saved == EAGAIN || saved == EWOULDBLOCK)
    return QSSL_PROXY_INCOMPLETE;
  g_set_error_literal (error, G_IO_ERROR, g_io_error_from_errno (saved), g_strerror (saved));
  return QSSL_PROXY_FAILED;
}

/* How much of the header is kept for the parse. */
static gsize
kept_limit (QsslProxyReader *reader)
{
  if (reader->length == 0)
    return KEPT_MAX;
  if (reader->kept[0] == 'P')
    return reader->length;
  return MIN (reader->length, V2_KEPT_MAX);
}

QsslProxyStatus
_qssl_proxy_reader_read (QsslProxyReader     *reader,
                         int                  fd,
                         GInetSocketAddress **source,
                         GError             **error)
{
  *source = NULL;
  /* Every turn consumes at least one byte or returns: a peeked but
   * unconsumed partial header would keep the fd readable for nothing. */
  while (reader->length == 0 || reader->consumed < reader->length)
    {
      gsize limit = kept_limit (reader);
      QsslProxyStatus status;
      gsize take, length;
      gssize n;

      if (reader->consumed >= limit)
        {
          /* TLVs after the addresses: consumed, not kept. */
          guint8 skipped[512];

          n = receive (fd, skipped, MIN (sizeof skipped, reader->length - reader->consumed), 0);
          if (n <= 0)
            return receive_failed (n, error);
          reader->consumed += n;
          continue;
        }
      n = receive (fd, reader->kept + reader->consumed, limit - reader->consumed, MSG_PEEK);
      if (n <= 0)
        return receive_failed (n, error);
      status = _qssl_proxy_scan (reader->kept, reader->consumed + n, &length, error);
      if (status == QSSL_PROXY_FAILED)
        return status;
      if (status == QSSL_PROXY_COMPLETE)
        {
          reader->length = length;
          /* What is past the header in the peeked bytes is not taken. */
          take = MIN ((gsize) n, kept_limit (reader) - reader->consumed);
        }
      else
        take = n;  /* all of it is header: its end has not come yet */
      n = receive (fd, reader->kept + reader->consumed, take, 0);
      if (n <= 0)
        return receive_failed (n, error);
      reader->consumed += n;
    }
  if (!_qssl_proxy_parse (reader->kept, MIN (reader->consumed, kept_limit (reader)), source, error))
    return QSSL_PROXY_FAILED;
  return QSSL_PROXY_COMPLETE;
}

