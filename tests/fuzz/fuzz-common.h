/* fuzz-common.h: shared parts of the libFuzzer harnesses in tests/fuzz
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <stddef.h>
#include <stdint.h>

#include <libqssl/qssl.h>

G_BEGIN_DECLS

/* The libFuzzer entry points; replay-main.c calls them too. */
int   LLVMFuzzerInitialize        (int             *argc,
                                   char          ***argv);
int   LLVMFuzzerTestOneInput      (const uint8_t   *data,
                                   size_t           size);

/* Makes criticals and warnings abort, so that a g_return_if_fail() reached
 * from input is reported as a crash; sets up the library. */
void             fuzz_init               (void);
extern volatile gsize fuzz_sink;
/* Absolute path of @name in the test PKI: $QSSL_TEST_PKI, else the build
 * tree's PKI the harness was compiled against. */
char            *fuzz_pki_path           (const char *name);
/* Contents of a PKI file; aborts when it cannot be read. */
GBytes          *fuzz_pki_bytes          (const char *name);
/* Calls every accessor of @certificate and checks that it survives a DER
 * and a PEM round trip. */
void             fuzz_exercise_certificate (QsslCertificate *certificate);
/* Calls every accessor of @key and checks that its DER form reads back as
 * an equal key. */
void             fuzz_exercise_key       (QsslKey *key);

/* Aborts with @message when @condition is false: a broken invariant is a
 * finding even in a build with G_DISABLE_ASSERT. */
#define fuzz_check(condition, message) \
  G_STMT_START { \
    if (G_UNLIKELY (!(condition))) \
      g_error ("%s:%d: %s (%s)", __FILE__, __LINE__, message, #condition); \
  } G_STMT_END

G_END_DECLS
