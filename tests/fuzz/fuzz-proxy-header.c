/* fuzz-proxy-header.c: the PROXY protocol header a balancer sends before
 * the ClientHello
 *
 * The first input byte is the size of the pieces the rest is sent in (mod
 * 17; 0: all at once), through a socket pair to the reader a server uses,
 * which reads after each piece and then sees the end of the stream. The
 * reader must finish (never wait after the end), agree with the pure scan
 * and parse of the same bytes, and never take a byte after the header:
 * those are the ClientHello's.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <sys/socket.h>
#include <unistd.h>

#include "fuzz-common.h"
#include "qssl-proxy-protocol-private.h"

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  fuzz_init ();
  return 0;
}

static gsize
drain (int fd)
{
  guint8 buffer[4096];
  gsize total = 0;
  gssize n;

  while ((n = recv (fd, buffer, sizeof buffer, 0)) > 0)
    total += n;
  return total;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  QsslProxyReader *reader;
  g_autoptr(GInetSocketAddress) source = NULL;
  g_autoptr(GError) error = NULL;
  QsslProxyStatus status = QSSL_PROXY_INCOMPLETE;
  gsize piece, sent = 0;
  int fds[2];

  /* Beyond the longest header, more bytes only test the socket buffer. */
  if (size < 1 || size > QSSL_PROXY_V2_FIXED_LENGTH + QSSL_PROXY_V2_MAX_PAYLOAD + 64)
    return 0;
  piece = data[0] % 17;
  data++;
  size--;
  fuzz_check (socketpair (AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) == 0, "socketpair");
  reader = _qssl_proxy_reader_new ();
  while (status == QSSL_PROXY_INCOMPLETE)
    {
      gsize n = piece == 0 ? size - sent : MIN (piece, size - sent);

      if (n > 0)
        {
          fuzz_check (write (fds[0], data + sent, n) == (gssize) n, "short write to the socket pair");
          sent += n;
        }
      else
        shutdown (fds[0], SHUT_WR);
      g_clear_error (&error);
      g_clear_object (&source);
      status = _qssl_proxy_reader_read (reader, fds[1], &source, &error);
      fuzz_check ((status == QSSL_PROXY_FAILED) == (error != NULL), "an error without a failure, or the reverse");
      fuzz_check (status != QSSL_PROXY_INCOMPLETE || n > 0, "still waiting after the end of the stream");
    }

  if (status == QSSL_PROXY_COMPLETE)
    {
      g_autoptr(GError) scan_error = NULL;
      gsize length = 0;

      fuzz_check (_qssl_proxy_scan (data, size, &length, &scan_error) == QSSL_PROXY_COMPLETE,
                  "the reader took a header the scan does not see");
      fuzz_check (length <= size, "a header longer than the input");
      /* Everything after the header is still in the socket. */
      if (sent < size)
        {
          fuzz_check (write (fds[0], data + sent, size - sent) == (gssize) (size - sent), "short write");
          sent = size;
        }
      fuzz_check (drain (fds[1]) == size - length, "the reader took bytes after the header");
      if (source != NULL)
        fuzz_check (g_inet_socket_address_get_address (source) != NULL, "a source without an address");
    }
  _qssl_proxy_reader_free (reader);
  close (fds[0]);
  close (fds[1]);
  return 0;
}
