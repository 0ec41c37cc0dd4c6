/* cold-code.c: an LD_PRELOAD module that runs code nobody else runs, once
 * per accepted connection, in a server that does not otherwise have it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * What a handshake of libqssl's server adds to raw OpenSSL's is mostly
 * code that runs once per connection: GObject, GLib, GIO and libqssl,
 * about 94 KiB of distinct code between one accept() and the next
 * (bench/footprint-handshakes). Preloaded into the raw OpenSSL server,
 * this module wraps accept() and accept4() and, after each connection is
 * accepted, calls COLD_FUNCTIONS small functions that are all different
 * (about the same amount of code, some 12,000 instructions) and writes
 * QSSL_BENCH_COLD_DATA_KIB KiB of a buffer of its own. bench/split-cpu
 * (impl openssl-loop+cold) then shows what such code costs to run, in the
 * "other" column, and what it costs OpenSSL's own code, which finds the
 * caches and branch predictors holding the other code instead.
 *
 *   QSSL_BENCH_COLD_CODE=0       no code run (data only)
 *   QSSL_BENCH_COLD_DATA_KIB=N   also write N KiB, one byte per 64-byte line
 */

#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* Each expansion is a function of its own: __COUNTER__ makes the
 * constants differ, so that the compiler cannot fold them into one. */
#define COLD_CONSTANT (UINT64_C (0x9e3779b97f4a7c15) * (__COUNTER__ + 1))
#define COLD_FUNCTION(n)                                        \
  static __attribute__ ((noinline)) uint64_t                    \
  cold_##n (uint64_t x)                                         \
  {                                                             \
    if (x % (n % 89 + 3) == n % 3)                              \
      x ^= COLD_CONSTANT;                                       \
    else                                                        \
      x += COLD_CONSTANT;                                       \
    if (x & (UINT64_C (1) << (n % 41)))                         \
      x = (x >> 3) * (n % 97 + 5);                              \
    for (int k = 0; k < (int) (x & 3); k++)                     \
      x += (uint64_t) k * COLD_CONSTANT;                        \
    return x ^ COLD_CONSTANT;                                   \
  }

#define COLD_10(n)                                                      \
  COLD_FUNCTION (n##0) COLD_FUNCTION (n##1) COLD_FUNCTION (n##2)        \
  COLD_FUNCTION (n##3) COLD_FUNCTION (n##4) COLD_FUNCTION (n##5)        \
  COLD_FUNCTION (n##6) COLD_FUNCTION (n##7) COLD_FUNCTION (n##8)        \
  COLD_FUNCTION (n##9)
#define COLD_100(n)                                                     \
  COLD_10 (n##0) COLD_10 (n##1) COLD_10 (n##2) COLD_10 (n##3)           \
  COLD_10 (n##4) COLD_10 (n##5) COLD_10 (n##6) COLD_10 (n##7)           \
  COLD_10 (n##8) COLD_10 (n##9)

/* 500 functions: cold_1000 … cold_1499. */
COLD_100 (10) COLD_100 (11) COLD_100 (12) COLD_100 (13) COLD_100 (14)

#define CALL_10(n)                                                      \
  x = cold_##n##0 (x); x = cold_##n##1 (x); x = cold_##n##2 (x);        \
  x = cold_##n##3 (x); x = cold_##n##4 (x); x = cold_##n##5 (x);        \
  x = cold_##n##6 (x); x = cold_##n##7 (x); x = cold_##n##8 (x);        \
  x = cold_##n##9 (x);
#define CALL_100(n)                                                     \
  CALL_10 (n##0) CALL_10 (n##1) CALL_10 (n##2) CALL_10 (n##3)           \
  CALL_10 (n##4) CALL_10 (n##5) CALL_10 (n##6) CALL_10 (n##7)           \
  CALL_10 (n##8) CALL_10 (n##9)

static volatile uint64_t cold_sink;

static void
run_cold_code (void)
{
  uint64_t x = cold_sink;

  CALL_100 (10) CALL_100 (11) CALL_100 (12) CALL_100 (13) CALL_100 (14)
  cold_sink = x;
}

static int configured;
static int code_enabled = 1;
static volatile unsigned char *data;
static size_t data_size;

static void
after_accept (void)
{
  unsigned char sum = 0;

  if (!configured)
    {
      const char *code = getenv ("QSSL_BENCH_COLD_CODE");
      const char *kib = getenv ("QSSL_BENCH_COLD_DATA_KIB");

      configured = 1;
      code_enabled = code == NULL || strcmp (code, "0") != 0;
      data_size = kib != NULL ? (size_t) strtoul (kib, NULL, 10) * 1024 : 0;
      if (data_size > 0 && (data = calloc (1, data_size)) == NULL)
        data_size = 0;
    }
  if (code_enabled)
    run_cold_code ();
  for (size_t i = 0; i < data_size; i += 64)
    {
      sum += data[i];
      data[i] = sum;
    }
}

int
accept (int fd, struct sockaddr *address, socklen_t *length)
{
  static int (*real_accept) (int, struct sockaddr *, socklen_t *);
  int accepted;

  if (real_accept == NULL)
    real_accept = (int (*) (int, struct sockaddr *, socklen_t *)) dlsym (RTLD_NEXT, "accept");
  accepted = real_accept (fd, address, length);
  if (accepted >= 0)
    after_accept ();
  return accepted;
}

int
accept4 (int fd, struct sockaddr *address, socklen_t *length, int flags)
{
  static int (*real_accept4) (int, struct sockaddr *, socklen_t *, int);
  int accepted;

  if (real_accept4 == NULL)
    real_accept4 = (int (*) (int, struct sockaddr *, socklen_t *, int)) dlsym (RTLD_NEXT, "accept4");
  accepted = real_accept4 (fd, address, length, flags);
  if (accepted >= 0)
    after_accept ();
  return accepted;
}
