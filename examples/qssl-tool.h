/* qssl-tool.h: what the parts of the `qssl` command share
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <stdio.h>

#include <glib.h>
#include <libqssl/qssl.h>

G_BEGIN_DECLS

/* Exit codes, for scripts. */
enum {
  QSSL_TOOL_EXIT_OK = 0,
  QSSL_TOOL_EXIT_FAILURE = 1,      /* the demo found something wrong */
  QSSL_TOOL_EXIT_USAGE = 2,        /* bad command line */
  QSSL_TOOL_EXIT_CONNECT = 3,      /* host not found, refused, timed out, closed */
  QSSL_TOOL_EXIT_TLS = 4,          /* handshake or verification failed */
  QSSL_TOOL_EXIT_INPUT = 5,        /* a file could not be read or used */
};

typedef enum {
  STYLE_BOLD,
  STYLE_DIM,
  STYLE_GOOD,
  STYLE_BAD,
  STYLE_NOTE,
} Style;

/* @text in @style when @out is a colour terminal, else @text itself; the
 * result stays valid for the next few calls (a small ring of buffers). */
const char *styled            (FILE       *out,
                               Style       style,
                               const char *text);

/* "Label      value" lines, indented. */
void        print_field       (FILE       *out,
                               int         indent,
                               const char *label,
                               const char *value);

/* Subject, issuer, validity, SANs, key and fingerprints of @certificate. */
void        print_certificate (FILE            *out,
                               int              indent,
                               QsslCertificate *certificate);

/* Protocol, cipher, ALPN, resumption and the peer chain of an encrypted
 * socket. */
void        print_session     (FILE       *out,
                               QsslSocket *socket);

/* The exit code for a socket that failed. */
int         exit_code_for_socket_error (QsslSocketError error);

/* Parses "HOST:PORT", "[V6]:PORT"; FALSE on a bad string. */
gboolean    parse_host_port   (const char  *text,
                               char       **host,
                               guint16     *port);

/* A throwaway CA and a certificate for localhost and 127.0.0.1 it signed,
 * made in memory. */
gboolean    make_throwaway_pki (QsslCertificate **ca,
                                QsslCertificate **leaf,
                                QsslKey         **leaf_key,
                                GError          **error);

int         qssl_tool_demo    (int argc, char **argv);
int         qssl_tool_connect (int argc, char **argv);
int         qssl_tool_serve   (int argc, char **argv);
int         qssl_tool_cert    (int argc, char **argv);
int         qssl_tool_dtls_connect (int argc, char **argv);
int         qssl_tool_dtls_serve   (int argc, char **argv);

G_END_DECLS
