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
 *   download    client sends one byte; the server answers with --bytes
 *               bytes in --chunk-sized writes; the client reads them all,
 *               then closes.  Both sides are given the same --bytes.
 *   handshakes, resumed
 *               per connection the client sends one byte, the server
 *               answers one byte, both close.
 *   idle        as handshakes, but the connections stay open until the
 *               client has made all of them; the server reads VmRSS just
 *               before answering the last one.
 *   many        each client sends --req-size byte requests, the server
 *               answers each with --req-size bytes.
 *
 *   echo        (server only) every byte read is written back; the server
 *               never exits on its own (run-bench kills it).  The load
 *               workloads below all run against an echo server.
 *   scaling     (client only) holds --warmup connections, then for each
 *               of --sizes opens idle connections up to that many (one byte
 *               each way, then silent), and while they stay open makes --new
 *               sequential new connections (one byte each way, close) and,
 *               with --active-seconds, runs one connection doing --req-size
 *               request/response.  Between phases it prints "SYNC {json}"
 *               and waits for a line on stdin, so that run-bench can read
 *               the server's CPU time and VmRSS from /proc.
 *   latency     (client only) --count sequential handshakes (one byte each
 *               way, close), --interval-ms apart, each bounded by
 *               --timeout-ms, for at most --seconds: p50/p99 latency.
 *
 * The attacker role (`PROG attacker --silent K --drip D --port P`) keeps K
 * TCP connections that send nothing and D that send a TLS ClientHello one
 * byte every --drip-ms, reconnecting each one the server drops, until it
 * gets SIGTERM.
 *
 * --workers N on a server forks N processes, each listening on the same
 * port with SO_REUSEPORT; the parent prints "LISTENING <port>" once all of
 * them listen, then "WORKERS <pid>...", and on SIGTERM stops them.
 *
 * The server counts connections: it exits once it has seen --warmup +
 * --count of them (--clients for many; one for bulk and download) and all have closed
 * (never for echo).
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
  WORKLOAD_ECHO,
  WORKLOAD_SCALING,
  WORKLOAD_LATENCY,
  WORKLOAD_DOWNLOAD,
} Workload;

typedef enum
{
  ROLE_CLIENT,
  ROLE_SERVER,
  ROLE_ATTACKER,
} Role;

typedef struct
{
  int         server;        /* 1: server role, 0: client or attacker */
  Role        role;
  Workload    workload;
  const char *host;          /* address to connect to / listen on */
  int         port;
  const char *peer_name;     /* name the client verifies and sends as SNI */
  const char *cert;
  const char *key;
  const char *ca;
  uint64_t    bytes;         /* bulk, download */
  size_t      chunk;         /* bulk, download: write size */
  int         count;         /* handshakes, resumed, idle */
  int         warmup;        /* handshakes, resumed, idle (not measured) */
  int         clients;       /* many */
  double      seconds;       /* many: measured time */
  size_t      req_size;      /* many, scaling (active phase) */
  int        *sizes;         /* scaling: idle connection counts, ascending */
  int         n_sizes;
  int         new_count;     /* scaling: new connections per size */
  double      active_seconds;/* scaling: request/response time per size */
  int         interval_ms;   /* latency */
  int         timeout_ms;    /* latency: bound on one handshake */
  int         handshake_timeout_ms; /* qssl server: its handshake deadline (0: the default) */
  int         workers;       /* server: processes sharing the port (0: none) */
  int         event_loop;    /* bench-openssl server: handshakes and resumed from
                              * its poll() loop instead of blocking sockets */
  int         silent;        /* attacker */
  int         drip;          /* attacker */
  int         drip_ms;       /* attacker */
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

/* With --workers: forks the workers and returns in each of them (with
 * options->port set to the shared port); the parent never returns. */
void        bench_fork_workers       (BenchOptions *options);
/* Whether listening sockets need SO_REUSEPORT (a worker). */
int         bench_is_worker          (void);

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
