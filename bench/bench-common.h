/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Shared helpers of the C benchmark clients (bench-sio.c, bench-raw.c):
 * options, clocks, CPU time, resident memory, JSON output, bounded waits.
 */
#pragma once

#include <glib.h>

#define BENCH_PAYLOAD "payload-xxxxxxxx"
#define BENCH_BIN_SIZE (64 * 1024)

typedef struct
{
  char    *url;          /* http://127.0.0.1:PORT */
  char    *client_name;  /* "client" field of the output lines */
  guint    events;       /* small events for up / down / echo */
  guint    acks;         /* sequential acks */
  guint    bin;          /* 64 KiB binary events, each direction */
  guint    connects;     /* sequential connects */
  guint    idle;         /* idle connections held at once */
  guint    phase_timeout_s;
  gboolean shared_session;
  char   **only;         /* phases to run, NULL = all */
} BenchOptions;

void      bench_parse_options (BenchOptions *opts, int *argc, char ***argv,
                               const char *default_name);
gboolean  bench_phase_enabled (const BenchOptions *opts, const char *phase);

gint64    bench_now_us (void);
gint64    bench_cpu_us (void);
gint64    bench_rss_kib (void);

void      bench_print (const BenchOptions *opts, const char *figure,
                       double value, const char *unit, const char *extra_json);
void      bench_print_error (const BenchOptions *opts, const char *figure,
                             const char *unit, const char *fmt, ...) G_GNUC_PRINTF (4, 5);

/* Iterates the thread-default main context until *flag is TRUE or
 * timeout_ms passes; returns whether the flag was set. */
gboolean  bench_wait_flag (const gboolean *flag, guint timeout_ms);
/* Same, until *counter >= target. */
gboolean  bench_wait_count (const guint *counter, guint target, guint timeout_ms);
/* Iterates for about ms milliseconds. */
void      bench_spin (guint ms);

int       bench_cmp_gint64 (gconstpointer a, gconstpointer b);
gint64    bench_percentile (gint64 *sorted, guint n, double p);
