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

#include <errno.h>
#include <signal.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>

static const char *workload_names[] = { "bulk", "handshakes", "resumed", "idle", "many",
                                        "echo", "scaling", "latency", "download" };

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

static void parse_sizes (BenchOptions *options, const char *text);

static void
usage (const char *program, FILE *out)
{
  fprintf (out,
           "Usage: %s server|client --workload bulk|download|handshakes|resumed|idle|many|echo|scaling|latency [OPTION...]\n"
           "       %s attacker --port N [--silent K] [--drip D] [--drip-ms MS]\n"
           "  --host ADDR       address to listen on / connect to (127.0.0.1)\n"
           "  --port N          TCP port (server: 0 picks one and prints it)\n"
           "  --peer-name NAME  name the client verifies and sends as SNI (localhost)\n"
           "  --cert FILE --key FILE   server certificate and key (PEM)\n"
           "  --ca FILE         CA the client verifies the server against (PEM)\n"
           "  --bytes N         bulk, download: bytes to send (1073741824)\n"
           "  --chunk N         bulk, download: write size (65536)\n"
           "  --count N         handshakes/resumed/idle: measured connections (1000)\n"
           "  --warmup N        handshakes/resumed/idle: connections before measuring (20)\n"
           "  --clients N       many: concurrent clients (200)\n"
           "  --seconds S       many: measured time (5)\n"
           "  --req-size N      many, scaling: request and response size (100)\n"
           "  --sizes N,N,...   scaling: idle connections to hold, ascending (500,2000,4000,10000)\n"
           "  --new N           scaling: new connections per size (1000)\n"
           "  --active-seconds S  scaling: request/response time per size (0: none)\n"
           "  --interval-ms MS  latency: pause between handshakes (100)\n"
           "  --timeout-ms MS   latency: bound on one handshake (10000)\n"
           "  --handshake-timeout-ms MS  bench-qssl server: its handshake deadline\n"
           "                    (0: the library's default, 5 s)\n"
           "  --workers N       server: N processes sharing the port with SO_REUSEPORT\n"
           "  --event-loop      bench-openssl server: handshakes and resumed on non-blocking\n"
           "                    sockets in its poll() loop, not one blocking socket at a time\n"
           "  --silent K        attacker: connections that send nothing (1000)\n"
           "  --drip D          attacker: connections that drip a ClientHello (100)\n"
           "  --drip-ms MS      attacker: one byte per MS per dripping connection (100)\n",
           program, program);
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
    { "sizes", required_argument, NULL, 'S' },
    { "new", required_argument, NULL, 'e' },
    { "active-seconds", required_argument, NULL, 'A' },
    { "interval-ms", required_argument, NULL, 'i' },
    { "timeout-ms", required_argument, NULL, 't' },
    { "handshake-timeout-ms", required_argument, NULL, 'H' },
    { "workers", required_argument, NULL, 'P' },
    { "event-loop", no_argument, NULL, 'E' },
    { "silent", required_argument, NULL, 'K' },
    { "drip", required_argument, NULL, 'D' },
    { "drip-ms", required_argument, NULL, 'd' },
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
  options->new_count = 1000;
  options->interval_ms = 100;
  options->timeout_ms = 10000;
  options->silent = 1000;
  options->drip = 100;
  options->drip_ms = 100;
  parse_sizes (options, "500,2000,4000,10000");

  if (argc < 2 || (strcmp (argv[1], "server") != 0 && strcmp (argv[1], "client") != 0 &&
                   strcmp (argv[1], "attacker") != 0))
    {
      usage (program, argc >= 2 && strcmp (argv[1], "--help") == 0 ? stdout : stderr);
      exit (argc >= 2 && strcmp (argv[1], "--help") == 0 ? 0 : 2);
    }
  options->server = strcmp (argv[1], "server") == 0;
  options->role = options->server ? ROLE_SERVER
                : strcmp (argv[1], "attacker") == 0 ? ROLE_ATTACKER : ROLE_CLIENT;
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
        case 'S': parse_sizes (options, optarg); break;
        case 'e': options->new_count = atoi (optarg); break;
        case 'A': options->active_seconds = atof (optarg); break;
        case 'i': options->interval_ms = atoi (optarg); break;
        case 't': options->timeout_ms = atoi (optarg); break;
        case 'H': options->handshake_timeout_ms = atoi (optarg); break;
        case 'P': options->workers = atoi (optarg); break;
        case 'E': options->event_loop = 1; break;
        case 'K': options->silent = atoi (optarg); break;
        case 'D': options->drip = atoi (optarg); break;
        case 'd': options->drip_ms = atoi (optarg); break;
        default:
          usage (program, stderr);
          exit (2);
        }
    }
  if (options->role == ROLE_ATTACKER)
    {
      if (options->port == 0)
        bench_die ("the attacker needs --port");
      if (options->silent < 0 || options->drip < 0 || options->drip_ms < 1)
        bench_die ("--silent and --drip must not be negative, --drip-ms positive");
      return;
    }
  if (!have_workload)
    bench_die ("--workload is required");
  if (options->server && (options->cert == NULL || options->key == NULL))
    bench_die ("the server needs --cert and --key");
  if (!options->server && (options->ca == NULL || options->port == 0))
    bench_die ("the client needs --ca and --port");
  if (options->server ? options->workload == WORKLOAD_SCALING || options->workload == WORKLOAD_LATENCY
                      : options->workload == WORKLOAD_ECHO)
    bench_die ("workload %s is for the %s only", workload_names[options->workload],
               options->server ? "client" : "server");
  if (options->workers < 0 || options->new_count < 0 || options->interval_ms < 0 || options->timeout_ms < 1 ||
      options->handshake_timeout_ms < 0)
    bench_die ("--workers, --new, --interval-ms and --handshake-timeout-ms must not be negative, "
               "--timeout-ms positive");
  if (options->chunk == 0 || options->req_size == 0 || options->count < 1 || options->clients < 1)
    bench_die ("sizes and counts must be positive");
}

/* "500,2000,4000": ascending positive counts. */
static void
parse_sizes (BenchOptions *options,
             const char   *text)
{
  const char *p = text;

  free (options->sizes);
  options->sizes = NULL;
  options->n_sizes = 0;
  while (*p)
    {
      char *end;
      long n = strtol (p, &end, 10);

      if (end == p || n < 1 || (options->n_sizes > 0 && n <= options->sizes[options->n_sizes - 1]))
        bench_die ("--sizes wants ascending positive counts, like 500,2000");
      options->sizes = realloc (options->sizes, (options->n_sizes + 1) * sizeof (int));
      if (options->sizes == NULL)
        bench_die ("out of memory");
      options->sizes[options->n_sizes++] = (int) n;
      p = *end == ',' ? end + 1 : end;
      if (*end != ',' && *end != '\0')
        bench_die ("--sizes wants ascending positive counts, like 500,2000");
    }
  if (options->n_sizes == 0)
    bench_die ("--sizes is empty");
}

int
bench_expected_connections (const BenchOptions *options)
{
  switch (options->workload)
    {
    case WORKLOAD_ECHO:
    case WORKLOAD_SCALING:
    case WORKLOAD_LATENCY:
      return -1; /* never reached: the echo server runs until stopped */
    case WORKLOAD_BULK:
    case WORKLOAD_DOWNLOAD:
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

/* The idle and scaling workloads hold more connections than the usual
 * soft limit of 1,024: take the hard limit (run-bench says when even that
 * is too low for the sizes asked). */
void
bench_raise_fd_limit (void)
{
  struct rlimit limit;

  if (getrlimit (RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max)
    {
      limit.rlim_cur = limit.rlim_max;
      if (setrlimit (RLIMIT_NOFILE, &limit) != 0)
        fprintf (stderr, "bench: cannot raise the fd limit to %llu: %s\n",
                 (unsigned long long) limit.rlim_max, strerror (errno));
    }
}

/* Workers: the parent holds the port with a bound, never listening socket
 * until every worker listens on it, so that port 0 can pick one. */

static int worker_ready_fd = -1;

int
bench_is_worker (void)
{
  return worker_ready_fd != -1;
}

static volatile sig_atomic_t stop_workers;

static void
on_stop (int signum)
{
  stop_workers = signum;
}

void
bench_fork_workers (BenchOptions *options)
{
  struct sockaddr_in address = { .sin_family = AF_INET, .sin_port = htons (options->port) };
  socklen_t length = sizeof address;
  struct sigaction action = { .sa_handler = on_stop };
  int one = 1, ready[2], reserve;
  pid_t *pids;
  char byte;

  if (options->workers < 1)
    return;
  reserve = socket (AF_INET, SOCK_STREAM, 0);
  pids = calloc (options->workers, sizeof (pid_t));
  if (inet_pton (AF_INET, options->host, &address.sin_addr) != 1)
    bench_die ("--workers needs an IPv4 --host");
  setsockopt (reserve, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  setsockopt (reserve, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
  if (bind (reserve, (struct sockaddr *) &address, sizeof address) < 0)
    bench_die ("cannot bind: %s", strerror (errno));
  getsockname (reserve, (struct sockaddr *) &address, &length);
  options->port = ntohs (address.sin_port);
  if (pipe (ready) < 0)
    bench_die ("pipe: %s", strerror (errno));
  fflush (stdout);
  for (int i = 0; i < options->workers; i++)
    {
      pids[i] = fork ();
      if (pids[i] < 0)
        bench_die ("fork: %s", strerror (errno));
      if (pids[i] == 0)
        {
          /* A worker must not outlive a parent killed outright. */
          prctl (PR_SET_PDEATHSIG, SIGTERM);
          close (ready[0]);
          close (reserve);
          worker_ready_fd = ready[1];
          free (pids);
          return;
        }
    }
  close (ready[1]);
  for (int i = 0; i < options->workers; i++)
    if (read (ready[0], &byte, 1) != 1)
      bench_die ("a worker did not start");
  close (reserve);
  sigaction (SIGTERM, &action, NULL);
  sigaction (SIGINT, &action, NULL);
  printf ("LISTENING %d\nWORKERS", options->port);
  for (int i = 0; i < options->workers; i++)
    printf (" %d", (int) pids[i]);
  printf ("\n");
  fflush (stdout);
  /* Until stopped or a worker dies: then stop them all. */
  while (!stop_workers)
    {
      int status;
      pid_t pid = wait (&status);

      if (pid > 0)
        {
          fprintf (stderr, "bench: worker %d ended (status %d)\n", (int) pid, status);
          break;
        }
      if (errno != EINTR)
        break;
    }
  for (int i = 0; i < options->workers; i++)
    kill (pids[i], SIGTERM);
  while (wait (NULL) > 0 || errno == EINTR)
    ;
  exit (stop_workers ? 0 : 1);
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
  if (worker_ready_fd >= 0)
    {
      /* The parent announces the port once every worker listens. */
      if (write (worker_ready_fd, "R", 1) != 1)
        bench_die ("cannot tell the parent: %s", strerror (errno));
      close (worker_ready_fd);
      worker_ready_fd = -2;  /* still a worker */
      return;
    }
  printf ("LISTENING %d\n", port);
  fflush (stdout);
}
