/* bench-common.c: see bench-common.h
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "bench-common.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <signal.h>

#include <sys/resource.h>

static const char *workload_names[] = { "bulk", "handshakes", "resumed", "idle", "many" };

const char *
bench_workload_name (Workload workload)
{
  return workload_names[workload];
}

void
bench_die (const char *format, ...)
{
  va_list args;

  va_start (args, format);
  fputs ("bench: ", stderr);
  vfprintf (stderr, format, args);
  fputc ('\n', stderr);
  va_end (args);
  exit (1);
}

static void
usage (const char *program, FILE *out)
{
  fprintf (out,
           "Usage: %s server|client --workload bulk|handshakes|resumed|idle|many [OPTION...]\n"
           "  --host ADDR       address to listen on / connect to (127.0.0.1)\n"
           "  --port N          TCP port (server: 0 picks one and prints it)\n"
           "  --peer-name NAME  name the client verifies and sends as SNI (localhost)\n"
           "  --cert FILE --key FILE   server certificate and key (PEM)\n"
           "  --ca FILE         CA the client verifies the server against (PEM)\n"
           "  --bytes N         bulk: bytes to send (1073741824)\n"
           "  --chunk N         bulk: write size (65536)\n"
           "  --count N         handshakes/resumed/idle: measured connections (1000)\n"
           "  --warmup N        handshakes/resumed/idle: connections before measuring (20)\n"
           "  --clients N       many: concurrent clients (200)\n"
           "  --seconds S       many: measured time (5)\n"
           "  --req-size N      many: request and response size (100)\n",
           program);
}

void
bench_parse_options (BenchOptions *options,
                     int           argc,
                     char        **argv,
                     const char   *program)
{
  static const struct option long_options[] = {
    { "workload", required_argument, NULL, 'w' },
    { "host", required_argument, NULL, 'h' },
    { "port", required_argument, NULL, 'p' },
    { "peer-name", required_argument, NULL, 'n' },
    { "cert", required_argument, NULL, 'c' },
    { "key", required_argument, NULL, 'k' },
    { "ca", required_argument, NULL, 'a' },
    { "bytes", required_argument, NULL, 'b' },
    { "chunk", required_argument, NULL, 'z' },
    { "count", required_argument, NULL, 'N' },
    { "warmup", required_argument, NULL, 'W' },
    { "clients", required_argument, NULL, 'C' },
    { "seconds", required_argument, NULL, 's' },
    { "req-size", required_argument, NULL, 'r' },
    { "help", no_argument, NULL, '?' },
    { NULL, 0, NULL, 0 },
  };
  int c, have_workload = 0;

  /* A peer that exits without closing must not kill the other side. */
  signal (SIGPIPE, SIG_IGN);
  memset (options, 0, sizeof *options);
  options->host = "127.0.0.1";
  options->peer_name = "localhost";
  options->bytes = 1ull << 30;
  options->chunk = 64 * 1024;
  options->count = 1000;
  options->warmup = 20;
  options->clients = 200;
  options->seconds = 5;
  options->req_size = 100;

  if (argc < 2 || (strcmp (argv[1], "server") != 0 && strcmp (argv[1], "client") != 0))
    {
      usage (program, argc >= 2 && strcmp (argv[1], "--help") == 0 ? stdout : stderr);
      exit (argc >= 2 && strcmp (argv[1], "--help") == 0 ? 0 : 2);
    }
  options->server = strcmp (argv[1], "server") == 0;
  optind = 2;
  while ((c = getopt_long (argc, argv, "", long_options, NULL)) != -1)
    {
      switch (c)
        {
        case 'w':
          have_workload = 0;
          for (size_t i = 0; i < sizeof workload_names / sizeof workload_names[0]; i++)
            if (strcmp (optarg, workload_names[i]) == 0)
              {
                options->workload = (Workload) i;
                have_workload = 1;
              }
          if (!have_workload)
            bench_die ("unknown workload %s", optarg);
          break;
        case 'h': options->host = optarg; break;
        case 'p': options->port = atoi (optarg); break;
        case 'n': options->peer_name = optarg; break;
        case 'c': options->cert = optarg; break;
        case 'k': options->key = optarg; break;
        case 'a': options->ca = optarg; break;
        case 'b': options->bytes = strtoull (optarg, NULL, 10); break;
        case 'z': options->chunk = strtoul (optarg, NULL, 10); break;
        case 'N': options->count = atoi (optarg); break;
        case 'W': options->warmup = atoi (optarg); break;
        case 'C': options->clients = atoi (optarg); break;
        case 's': options->seconds = atof (optarg); break;
        case 'r': options->req_size = strtoul (optarg, NULL, 10); break;
        default:
          usage (program, stderr);
          exit (2);
        }
    }
  if (!have_workload)
    bench_die ("--workload is required");
  if (options->server && (options->cert == NULL || options->key == NULL))
    bench_die ("the server needs --cert and --key");
  if (!options->server && (options->ca == NULL || options->port == 0))
    bench_die ("the client needs --ca and --port");
  if (options->chunk == 0 || options->req_size == 0 || options->count < 1 || options->clients < 1)
    bench_die ("sizes and counts must be positive");
}

int
bench_expected_connections (const BenchOptions *options)
{
  switch (options->workload)
    {
    case WORKLOAD_BULK:
      return 1;
    case WORKLOAD_MANY:
      return options->clients;
    case WORKLOAD_HANDSHAKES:
    case WORKLOAD_RESUMED:
    case WORKLOAD_IDLE:
    default:
      return options->warmup + options->count;
    }
}

double
bench_now (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

double
bench_cpu_seconds (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 +
         usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6;
}

long
bench_vmrss_kib (void)
{
  FILE *file = fopen ("/proc/self/status", "r");
  char line[256];
  long kib = -1;

  if (file == NULL)
    return -1;
  while (fgets (line, sizeof line, file) != NULL)
    if (strncmp (line, "VmRSS:", 6) == 0)
      {
        kib = strtol (line + 6, NULL, 10);
        break;
      }
  fclose (file);
  return kib;
}

/* The idle workload holds more connections than the usual soft limit. */
void
bench_raise_fd_limit (void)
{
  struct rlimit limit;

  if (getrlimit (RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max)
    {
      limit.rlim_cur = limit.rlim_max;
      setrlimit (RLIMIT_NOFILE, &limit);
    }
}

void
bench_samples_add (BenchSamples *samples,
                   double        value)
{
  if (samples->len == samples->allocated)
    {
      samples->allocated = samples->allocated ? samples->allocated * 2 : 4096;
      samples->values = realloc (samples->values, samples->allocated * sizeof (double));
      if (samples->values == NULL)
        bench_die ("out of memory");
    }
  samples->values[samples->len++] = value;
}

static int
compare_doubles (const void *a,
                 const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

double
bench_samples_percentile (BenchSamples *samples,
                          double        p)
{
  size_t index;

  if (samples->len == 0)
    return 0;
  qsort (samples->values, samples->len, sizeof (double), compare_doubles);
  index = (size_t) (p / 100.0 * (samples->len - 1) + 0.5);
  return samples->values[index];
}

static int result_fields;

void
bench_result_begin (void)
{
  result_fields = 0;
  fputs ("RESULT {", stdout);
}

void
bench_result_num (const char *key,
                  double      value)
{
  printf ("%s\"%s\": %.9g", result_fields++ ? ", " : "", key, value);
}

void
bench_result_str (const char *key,
                  const char *value)
{
  printf ("%s\"%s\": \"", result_fields++ ? ", " : "", key);
  for (const char *p = value ? value : ""; *p; p++)
    if (*p == '"' || *p == '\\')
      printf ("\\%c", *p);
    else if ((unsigned char) *p >= 0x20)
      putchar (*p);
  putchar ('"');
}

void
bench_result_end (void)
{
  puts ("}");
  fflush (stdout);
}

void
bench_announce_port (int port)
{
  printf ("LISTENING %d\n", port);
  fflush (stdout);
}
