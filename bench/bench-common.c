/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "bench-common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>

void
bench_parse_options (BenchOptions *opts, int *argc, char ***argv, const char *default_name)
{
  int events = 100000, acks = 5000, bin = 2000, connects = 50, idle = 1000, timeout = 120;
  char *only = NULL;
  gboolean shared = FALSE;
  char *name = NULL;
  char *url = NULL;
  GOptionEntry entries[] = {
    { "url", 'u', 0, G_OPTION_ARG_STRING, &url, "Server URL (http://127.0.0.1:PORT)", "URL" },
    { "name", 0, 0, G_OPTION_ARG_STRING, &name, "Client name in the output", "NAME" },
    { "events", 'n', 0, G_OPTION_ARG_INT, &events, "Small events for up/down/echo (100000)", "N" },
    { "acks", 0, 0, G_OPTION_ARG_INT, &acks, "Sequential acks (5000)", "N" },
    { "bin", 0, 0, G_OPTION_ARG_INT, &bin, "64 KiB binary events per direction (2000)", "N" },
    { "connects", 0, 0, G_OPTION_ARG_INT, &connects, "Sequential connects (50)", "N" },
    { "idle", 0, 0, G_OPTION_ARG_INT, &idle, "Idle connections held at once (1000)", "N" },
    { "timeout", 0, 0, G_OPTION_ARG_INT, &timeout, "Per-phase timeout in seconds (120)", "S" },
    { "only", 0, 0, G_OPTION_ARG_STRING, &only,
      "Comma-separated phases: up,down,echo,ack,bin-up,bin-down,connect,idle", "LIST" },
    { "shared-session", 0, 0, G_OPTION_ARG_NONE, &shared,
      "idle: all connections on one SoupSession", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("- sio-glib benchmark client");
  g_autoptr(GError) error = NULL;

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, argc, argv, &error))
    {
      fprintf (stderr, "%s\n", error->message);
      exit (2);
    }
  if (url == NULL)
    {
      fprintf (stderr, "--url is required\n");
      exit (2);
    }
  if (events < 0 || acks < 0 || bin < 0 || connects < 0 || idle < 0 || timeout <= 0)
    {
      fprintf (stderr, "counts must be >= 0\n");
      exit (2);
    }
  opts->url = url;
  opts->client_name = name != NULL ? name : g_strdup (default_name);
  opts->events = events;
  opts->acks = acks;
  opts->bin = bin;
  opts->connects = connects;
  opts->idle = idle;
  opts->phase_timeout_s = timeout;
  opts->shared_session = shared;
  opts->only = only != NULL ? g_strsplit (only, ",", -1) : NULL;
  g_free (only);
}

gboolean
bench_phase_enabled (const BenchOptions *opts, const char *phase)
{
  return opts->only == NULL || g_strv_contains ((const char * const *) opts->only, phase);
}

gint64
bench_now_us (void)
{
  return g_get_monotonic_time ();
}

gint64
bench_cpu_us (void)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  return (gint64) ru.ru_utime.tv_sec * 1000000 + ru.ru_utime.tv_usec +
         (gint64) ru.ru_stime.tv_sec * 1000000 + ru.ru_stime.tv_usec;
}

gint64
bench_rss_kib (void)
{
  g_autofree char *status = NULL;
  const char *p;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return -1;
  p = strstr (status, "VmRSS:");
  if (p == NULL)
    return -1;
  return g_ascii_strtoll (p + 6, NULL, 10);
}

static char *
json_escape (const char *s)
{
  GString *out = g_string_new (NULL);

  for (; *s; s++)
    {
      unsigned char c = *s;
      if (c == '"' || c == '\\')
        g_string_append_printf (out, "\\%c", c);
      else if (c < 0x20)
        g_string_append_printf (out, "\\u%04x", c);
      else
        g_string_append_c (out, c);
    }
  return g_string_free (out, FALSE);
}

void
bench_print (const BenchOptions *opts, const char *figure, double value,
             const char *unit, const char *extra_json)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  g_ascii_formatd (buf, sizeof buf, "%.6g", value);
  printf ("{\"client\":\"%s\",\"figure\":\"%s\",\"value\":%s,\"unit\":\"%s\"%s%s}\n",
          opts->client_name, figure, buf, unit,
          extra_json != NULL ? "," : "", extra_json != NULL ? extra_json : "");
  fflush (stdout);
}

void
bench_print_error (const BenchOptions *opts, const char *figure, const char *unit,
                   const char *fmt, ...)
{
  va_list ap;
  g_autofree char *msg = NULL;
  g_autofree char *esc = NULL;

  va_start (ap, fmt);
  msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  esc = json_escape (msg);
  printf ("{\"client\":\"%s\",\"figure\":\"%s\",\"value\":null,\"unit\":\"%s\",\"error\":\"%s\"}\n",
          opts->client_name, figure, unit, esc);
  fflush (stdout);
}

static gboolean
set_flag_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

gboolean
bench_wait_flag (const gboolean *flag, guint timeout_ms)
{
  gboolean timed_out = FALSE;
  guint id;

  if (*flag)
    return TRUE;
  id = g_timeout_add (timeout_ms, set_flag_cb, &timed_out);
  while (!*flag && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (id);
  return *flag;
}

gboolean
bench_wait_count (const guint *counter, guint target, guint timeout_ms)
{
  gboolean timed_out = FALSE;
  guint id;

  if (*counter >= target)
    return TRUE;
  id = g_timeout_add (timeout_ms, set_flag_cb, &timed_out);
  while (*counter < target && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (id);
  return *counter >= target;
}

void
bench_spin (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, set_flag_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

int
bench_cmp_gint64 (gconstpointer a, gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;
  return x < y ? -1 : x > y;
}

gint64
bench_percentile (gint64 *sorted, guint n, double p)
{
  guint idx;

  if (n == 0)
    return 0;
  /* nearest-rank */
  idx = (guint) (p / 100.0 * n + 0.999999);
  if (idx < 1)
    idx = 1;
  if (idx > n)
    idx = n;
  return sorted[idx - 1];
}
