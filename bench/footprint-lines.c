/* footprint-lines: the distinct cache lines a process touches between two
 * calls of one function, by the mapping they fall in.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 *   valgrind --tool=lackey --trace-mem=yes --log-file=FIFO PROGRAM ... &
 *   footprint-lines CONTROL < FIFO
 *
 * Reads lackey's trace ("I  addr,size" for an instruction, " L", " S" and
 * " M" for data) on stdin. The trace of start-up is skipped until CONTROL
 * exists: its first line is the address of the marker function (hex), the
 * rest the process's /proc/PID/maps, sorted. From then on, each time the
 * marker runs (at least a million instructions after the previous window
 * began, so that a retried call does not cut a window short) it prints one
 * line per mapping, "window N LIBRARY code|data LINES", and "window N
 * total LINES", then starts counting again. Lines are 64 bytes.
 */

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LINE_SHIFT 6
#define TABLE_BITS 24 /* 16 M lines (1 GiB) touched per window at most */
#define MAX_MAPPINGS 4096
#define MIN_WINDOW 1000000

typedef struct {
  uint64_t start, end;
  char     name[96];
} Mapping;

static Mapping mappings[MAX_MAPPINGS + 1];
static int n_mappings;
static long counts[MAX_MAPPINGS + 1][2]; /* [mapping][0 code, 1 data] */

/* Lines seen in this window: open addressing, emptied by a new generation. */
static uint64_t *seen_line;
static uint32_t *seen_generation;
static uint32_t generation = 1;

static int
first_time (uint64_t line)
{
  uint64_t slot = (line * 0x9E3779B97F4A7C15ull) >> (64 - TABLE_BITS);

  while (seen_generation[slot] == generation)
    {
      if (seen_line[slot] == line)
        return 0;
      slot = (slot + 1) & ((1u << TABLE_BITS) - 1);
    }
  seen_generation[slot] = generation;
  seen_line[slot] = line;
  return 1;
}

static int
mapping_of (uint64_t address)
{
  int low = 0, high = n_mappings - 1;

  while (low <= high)
    {
      int middle = (low + high) / 2;

      if (address < mappings[middle].start)
        high = middle - 1;
      else if (address >= mappings[middle].end)
        low = middle + 1;
      else
        return middle;
    }
  return n_mappings; /* "unmapped": what valgrind keeps for the client */
}

/* "libssl.so.3" → "libssl"; anonymous mappings are "anon". */
static void
name_mapping (Mapping    *mapping,
              const char *path)
{
  const char *base = strrchr (path, '/');
  char *dot;

  snprintf (mapping->name, sizeof mapping->name, "%s",
            base != NULL ? base + 1 : *path != '\0' ? path : "anon");
  dot = strstr (mapping->name, ".so");
  if (dot != NULL)
    *dot = '\0';
}

static FILE *
wait_for_control (const char *path)
{
  char line[512];
  long lines = 0;
  FILE *control = NULL;

  /* Keep draining the trace, or valgrind blocks on its log. */
  while (control == NULL)
    {
      if (fgets (line, sizeof line, stdin) == NULL)
        return NULL;
      if (++lines % 1000000 == 0 && access (path, R_OK) == 0)
        control = fopen (path, "r");
    }
  return control;
}

static void
read_mappings (FILE *control)
{
  char line[1024];

  while (n_mappings < MAX_MAPPINGS && fgets (line, sizeof line, control) != NULL)
    {
      uint64_t start, end;
      char path[512] = "";

      if (sscanf (line, "%" SCNx64 "-%" SCNx64 " %*s %*s %*s %*s %511s", &start, &end, path) < 2)
        continue;
      mappings[n_mappings].start = start;
      mappings[n_mappings].end = end;
      name_mapping (&mappings[n_mappings], path);
      n_mappings++;
    }
  snprintf (mappings[n_mappings].name, sizeof mappings[n_mappings].name, "unmapped");
}

static void
print_window (long window)
{
  long total = 0;

  for (int i = 0; i <= n_mappings; i++)
    for (int kind = 0; kind < 2; kind++)
      if (counts[i][kind] > 0)
        {
          printf ("window %ld %s %s %ld\n", window, mappings[i].name, kind == 0 ? "code" : "data",
                  counts[i][kind]);
          total += counts[i][kind];
        }
  printf ("window %ld total %ld\n", window, total);
  fflush (stdout);
  memset (counts, 0, sizeof counts);
  generation++;
}

int
main (int    argc,
      char **argv)
{
  char line[512], marker_line[64];
  uint64_t marker;
  long instructions = 0, window = 0;
  FILE *control;

  if (argc != 2)
    {
      fprintf (stderr, "usage: footprint-lines CONTROL < lackey-trace\n");
      return 2;
    }
  seen_line = malloc (sizeof *seen_line << TABLE_BITS);
  seen_generation = calloc ((size_t) 1 << TABLE_BITS, sizeof *seen_generation);
  if (seen_line == NULL || seen_generation == NULL)
    return 1;
  control = wait_for_control (argv[1]);
  if (control == NULL || fgets (marker_line, sizeof marker_line, control) == NULL)
    {
      fprintf (stderr, "footprint-lines: the trace ended before %s was there\n", argv[1]);
      return 1;
    }
  marker = strtoull (marker_line, NULL, 16);
  read_mappings (control);
  fclose (control);

  while (fgets (line, sizeof line, stdin) != NULL)
    {
      uint64_t address, first, last;
      int size, kind;

      if (line[0] == 'I')
        {
          if (sscanf (line + 1, " %" SCNx64 ",%d", &address, &size) != 2)
            continue;
          kind = 0;
          if (++instructions > MIN_WINDOW && address == marker)
            {
              print_window (window++);
              instructions = 0;
            }
        }
      else if (line[0] == ' ' && (line[1] == 'L' || line[1] == 'S' || line[1] == 'M'))
        {
          if (sscanf (line + 2, " %" SCNx64 ",%d", &address, &size) != 2)
            continue;
          kind = 1;
        }
      else
        continue;
      first = address >> LINE_SHIFT;
      last = (address + (uint64_t) (size > 0 ? size : 1) - 1) >> LINE_SHIFT;
      for (uint64_t l = first; l <= last; l++)
        if (first_time (l))
          counts[mapping_of (l << LINE_SHIFT)][kind]++;
    }
  return 0;
}
