/* bench-common.h: the command line, clock, usage counters and result line
 * shared by bench-openssl, bench-qssl and bench-gtls
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Every program runs as `PROG server|client --workload W [options]` and
 * speaks the same protocol on the wire, so any client can be pointed at any
 * server.  The server prints "LISTENING <port>" once it accepts, and each
 * side prints one "RESULT {json}" line at the end.
 *
 * Wire protocol (plaintext inside TLS):
 *   bulk        client sends --bytes bytes; the server answers one byte
 *               once it has them all.
 *   handshakes, resumed
 *               per connection the client sends one byte, the server
 *               answers one byte, both close.
 *   idle        as handshakes, but the connections stay open until the
 *               client has made all of them; the server reads VmRSS just
 *               before answering the last one.
 *   many        each client sends --req-size byte requests, the server
 *               answers each with --req-size bytes.
 *
 * The server counts connections: it exits once it has seen --warmup +
 * --count of them (--clients for many; one for bulk) and all have closed.
 */

#pragma once

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef enum
{
  WORKLOAD_BULK,
  WORKLOAD_HANDSHAKES,
  WORKLOAD_RESUMED,
  WORKLOAD_IDLE,
  WORKLOAD_MANY,
} Workload;

typedef struct
{
  int         server;        /* 1: server role, 0: client */
  Workload    workload;
  const char *host;          /* address to connect to / listen on */
  int         port;
  const char *peer_name;     /* name the client verifies and sends as SNI */
  const char *cert;
  const char *key;
  const char *ca;
  uint64_t    bytes;         /* bulk */
  size_t      chunk;         /* bulk write size */
  int         count;         /* handshakes, resumed, idle */
  int         warmup;        /* handshakes, resumed, idle (not measured) */
  int         clients;       /* many */
  double      seconds;       /* many: measured time */
  size_t      req_size;      /* many */
} BenchOptions;

/* Parses argv; exits with a usage message on errors. */
void        bench_parse_options      (BenchOptions *options, int argc, char **argv, const char *program);

/* How many connections the server handles before it exits. */
int         bench_expected_connections (const BenchOptions *options);
const char *bench_workload_name      (Workload workload);

double      bench_now                (void);   /* monotonic seconds */
double      bench_cpu_seconds        (void);   /* user + system of this process */
long        bench_vmrss_kib          (void);   /* VmRSS from /proc/self/status */
void        bench_raise_fd_limit     (void);

/* Latency samples (seconds) and their percentiles. */
typedef struct
{
  double *values;
  size_t  len;
  size_t  allocated;
} BenchSamples;

void        bench_samples_add        (BenchSamples *samples, double value);
double      bench_samples_percentile (BenchSamples *samples, double p);  /* sorts */

/* The result line: "RESULT {" key: value, ... "}" on stdout, flushed. */
void        bench_result_begin       (void);
void        bench_result_num         (const char *key, double value);
void        bench_result_str         (const char *key, const char *value);
void        bench_result_end         (void);

void        bench_announce_port      (int port);
void        bench_die                (const char *format, ...) __attribute__ ((format (printf, 1, 2), noreturn));
