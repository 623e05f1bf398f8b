/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Bare libsoup baseline (see bench/README.md): a SoupWebsocketConnection to
 * the bench server's /raw endpoint exchanging the same frames a Socket.IO
 * client would (42["up",i,"payload-xxxxxxxx"], 43<id>[count], ...), with no
 * Engine.IO / Socket.IO layer: frames are built with g_snprintf and matched
 * by prefix.  This is the floor the library's cost is compared to.
 *
 *   bench-raw --url http://127.0.0.1:PORT [same options as bench-sio]
 */
#include <stdio.h>
#include <string.h>

#include <libsoup/soup.h>

#include "bench-common.h"

static BenchOptions opts;
static char *raw_uri;
static SoupSession *session;

typedef enum
{
  MODE_COUNT,   /* count "d" / "echo" / binary frames, wait for *-done or an ack */
  MODE_ACK,     /* sequential request / response pairs */
} Mode;

typedef struct
{
  SoupWebsocketConnection *conn;
  Mode      mode;
  guint     count;
  gint64    sum;
  guint     bad;
  gboolean  done;
  gint64    ack_value;
  guint     next_id;
  /* MODE_ACK */
  guint     n;
  guint     i;
  gint64   *rtt;
  gint64    sent_at;
  guint     expect_id;
  char     *error;
} Raw;

/* ---- frames --------------------------------------------------------- */

static void
send_textf (SoupWebsocketConnection *conn, const char *fmt, ...) G_GNUC_PRINTF (2, 3);

static void
send_textf (SoupWebsocketConnection *conn, const char *fmt, ...)
{
  char buf[256];
  va_list ap;

  va_start (ap, fmt);
  g_vsnprintf (buf, sizeof buf, fmt, ap);
  va_end (ap);
  soup_websocket_connection_send_text (conn, buf);
}

static gboolean
has_prefix (const char *p, gsize len, const char *prefix)
{
  gsize l = strlen (prefix);
  return len >= l && memcmp (p, prefix, l) == 0;
}

static gint64
parse_uint (const char *p, gsize len, gsize *pos)
{
  gint64 v = 0;

  while (*pos < len && p[*pos] >= '0' && p[*pos] <= '9')
    v = v * 10 + (p[(*pos)++] - '0');
  return v;
}

static void ack_send (Raw *st);

static void
on_message (SoupWebsocketConnection *conn, gint type, GBytes *message, gpointer data)
{
  Raw *st = data;
  gsize len;
  const char *p = g_bytes_get_data (message, &len);

  if (type == SOUP_WEBSOCKET_DATA_BINARY)
    {
      if (len != BENCH_BIN_SIZE)
        st->bad++;
      st->count++;
      return;
    }
  if (has_prefix (p, len, "42[\"d\","))
    {
      gsize pos = 7;
      st->sum += parse_uint (p, len, &pos);
      st->count++;
    }
  else if (has_prefix (p, len, "42[\"echo\","))
    st->count++;
  else if (has_prefix (p, len, "43"))
    {
      gsize pos = 2;
      guint id = parse_uint (p, len, &pos);
      gint64 v;

      if (pos >= len || p[pos] != '[')
        {
          st->bad++;
          return;
        }
      pos++;
      v = parse_uint (p, len, &pos);
      if (st->mode == MODE_ACK)
        {
          st->rtt[st->i] = bench_now_us () - st->sent_at;
          if (id != st->expect_id || v != st->i)
            {
              st->error = g_strdup_printf ("ack %u: wrong reply", st->i);
              st->done = TRUE;
            }
          else if (++st->i == st->n)
            st->done = TRUE;
          else
            ack_send (st);
        }
      else
        {
          st->ack_value = v;
          st->done = TRUE;
        }
    }
  else if (has_prefix (p, len, "42[\"down-done\"") || has_prefix (p, len, "42[\"bin-down-done\""))
    st->done = TRUE;
  /* 451-["b",...] binary headers: the binary frame that follows is counted */
}

static void
ack_send (Raw *st)
{
  st->expect_id = st->next_id++;
  st->sent_at = bench_now_us ();
  send_textf (st->conn, "42%u[\"ack\",%u,\"" BENCH_PAYLOAD "\"]", st->expect_id, st->i);
}

/* ---- connecting ----------------------------------------------------- */

typedef struct
{
  gboolean                 done;
  SoupWebsocketConnection *conn;
  GError                  *error;
} OpenState;

static void
on_connected (GObject *source, GAsyncResult *result, gpointer data)
{
  OpenState *st = data;

  st->conn = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &st->error);
  st->done = TRUE;
}

static void
connect_start (OpenState *st)
{
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", raw_uri);

  soup_session_websocket_connect_async (session, msg, NULL, NULL, G_PRIORITY_DEFAULT,
                                        NULL, on_connected, st);
}

static void
conn_setup (SoupWebsocketConnection *conn)
{
  soup_websocket_connection_set_max_incoming_payload_size (conn, 4 * 1024 * 1024);
  soup_websocket_connection_set_keepalive_interval (conn, 0);
}

static SoupWebsocketConnection *
connect_raw (GError **error)
{
  OpenState st = { 0 };

  connect_start (&st);
  if (!bench_wait_flag (&st.done, opts.phase_timeout_s * 1000))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "connect timed out");
      return NULL;
    }
  if (st.conn == NULL)
    {
      g_propagate_prefixed_error (error, st.error, "connect failed: ");
      return NULL;
    }
  conn_setup (st.conn);
  return st.conn;
}

static void
drop_conn (SoupWebsocketConnection *conn)
{
  if (conn == NULL)
    return;
  if (soup_websocket_connection_get_state (conn) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (conn, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  g_object_unref (conn);
  bench_spin (20);
}

static Raw *
raw_open (GError **error)
{
  SoupWebsocketConnection *conn = connect_raw (error);
  Raw *st;

  if (conn == NULL)
    return NULL;
  st = g_new0 (Raw, 1);
  st->conn = conn;
  st->next_id = 1;
  g_signal_connect (conn, "message", G_CALLBACK (on_message), st);
  return st;
}

static void
raw_close (Raw *st)
{
  if (st == NULL)
    return;
  g_signal_handlers_disconnect_by_data (st->conn, st);
  drop_conn (st->conn);
  g_free (st->rtt);
  g_free (st->error);
  g_free (st);
}

/* ---- phases --------------------------------------------------------- */

static void
report_pair (const char *fig_rate, const char *unit_rate, double rate,
             const char *fig_cpu, double cpu, const GError *error)
{
  if (error != NULL)
    {
      bench_print_error (&opts, fig_rate, unit_rate, "%s", error->message);
      bench_print_error (&opts, fig_cpu, "us/event", "%s", error->message);
      return;
    }
  bench_print (&opts, fig_rate, rate, unit_rate, NULL);
  bench_print (&opts, fig_cpu, cpu, "us/event", NULL);
}

/* The workloads, out of line so that callgrind.sh can collect inside them
 * only (--toggle-collect=run_down ...), as for bench-sio. */
G_GNUC_NO_INLINE static void
run_up (Raw *st, guint n)
{
  for (guint i = 0; i < n; i++)
    send_textf (st->conn, "42[\"up\",%u,\"" BENCH_PAYLOAD "\"]", i);
  send_textf (st->conn, "42%u[\"up-done\"]", st->next_id++);
  bench_wait_flag (&st->done, opts.phase_timeout_s * 1000);
}

G_GNUC_NO_INLINE static void
run_down (Raw *st, guint n)
{
  send_textf (st->conn, "42[\"down\",%u]", n);
  bench_wait_flag (&st->done, opts.phase_timeout_s * 1000);
}

G_GNUC_NO_INLINE static void
run_ack (Raw *st)
{
  ack_send (st);
  bench_wait_flag (&st->done, opts.phase_timeout_s * 1000);
}

G_GNUC_NO_INLINE static void
run_bin_up (Raw *st, guint n, const guint8 *blob)
{
  for (guint i = 0; i < n; i++)
    {
      soup_websocket_connection_send_text (st->conn, "451-[\"bin\",{\"_placeholder\":true,\"num\":0}]");
      soup_websocket_connection_send_binary (st->conn, blob, BENCH_BIN_SIZE);
    }
  send_textf (st->conn, "42%u[\"bin-done\"]", st->next_id++);
  bench_wait_flag (&st->done, opts.phase_timeout_s * 1000);
}

G_GNUC_NO_INLINE static void
run_bin_down (Raw *st, guint n)
{
  send_textf (st->conn, "42[\"bin-down\",%u]", n);
  bench_wait_flag (&st->done, opts.phase_timeout_s * 1000);
}

static void
phase_up (void)
{
  g_autoptr(GError) error = NULL;
  Raw *st = raw_open (&error);
  guint n = opts.events;
  gint64 t0 = 0, c0 = 0, t1 = 1, c1 = 0;

  if (st != NULL)
    {
      t0 = bench_now_us ();
      c0 = bench_cpu_us ();
      run_up (st, n);
      t1 = bench_now_us ();
      c1 = bench_cpu_us ();
      if (!st->done)
        error = g_error_new (G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "no up-done ack within %u s", opts.phase_timeout_s);
      else if (st->ack_value != n)
        error = g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED, "server counted %" G_GINT64_FORMAT ", sent %u",
                             st->ack_value, n);
      raw_close (st);
    }
  report_pair ("up_throughput", "events/s", n / ((t1 - t0) / 1e6),
               "up_cpu_per_event", (double) (c1 - c0) / MAX (n, 1), error);
}

static void
phase_down (void)
{
  g_autoptr(GError) error = NULL;
  Raw *st = raw_open (&error);
  guint n = opts.events;
  gint64 t0 = 0, c0 = 0, t1 = 1, c1 = 0;

  if (st != NULL)
    {
      t0 = bench_now_us ();
      c0 = bench_cpu_us ();
      run_down (st, n);
      t1 = bench_now_us ();
      c1 = bench_cpu_us ();
      if (!st->done)
        error = g_error_new (G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "no down-done within %u s (%u of %u)",
                             opts.phase_timeout_s, st->count, n);
      else if (st->count != n || st->sum != (gint64) n * (n > 0 ? n - 1 : 0) / 2)
        error = g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED, "received %u frames, expected %u", st->count, n);
      raw_close (st);
    }
  report_pair ("down_throughput", "events/s", n / ((t1 - t0) / 1e6),
               "down_cpu_per_event", (double) (c1 - c0) / MAX (n, 1), error);
}

static void
phase_echo (void)
{
  g_autoptr(GError) error = NULL;
  Raw *st = raw_open (&error);
  guint n = opts.events;
  gint64 t0 = 0, c0 = 0, t1 = 1, c1 = 0;

  if (st != NULL)
    {
      t0 = bench_now_us ();
      c0 = bench_cpu_us ();
      for (guint i = 0; i < n; i++)
        send_textf (st->conn, "42[\"echo\",%u,\"" BENCH_PAYLOAD "\"]", i);
      bench_wait_count (&st->count, n, opts.phase_timeout_s * 1000);
      t1 = bench_now_us ();
      c1 = bench_cpu_us ();
      if (st->count < n)
        error = g_error_new (G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "%u of %u echoes within %u s",
                             st->count, n, opts.phase_timeout_s);
      raw_close (st);
    }
  report_pair ("echo_throughput", "events/s", n / ((t1 - t0) / 1e6),
               "echo_cpu_per_event", (double) (c1 - c0) / MAX (n, 1), error);
}

static void
phase_ack (void)
{
  g_autoptr(GError) error = NULL;
  Raw *st = raw_open (&error);
  guint n = opts.acks;
  gint64 c0 = 0, c1 = 0;

  if (st != NULL && n > 0)
    {
      st->mode = MODE_ACK;
      st->rtt = g_new0 (gint64, n);
      st->n = MIN (100, n);     /* warm-up */
      ack_send (st);
      bench_wait_flag (&st->done, opts.phase_timeout_s * 1000);
      if (st->done && st->error == NULL)
        {
          st->done = FALSE;
          st->i = 0;
          st->n = n;
          c0 = bench_cpu_us ();
          run_ack (st);
          c1 = bench_cpu_us ();
        }
      if (st->error != NULL)
        error = g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED, "%s", st->error);
      else if (!st->done)
        error = g_error_new (G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "%u of %u acks within %u s",
                             st->i, n, opts.phase_timeout_s);
    }
  if (error != NULL)
    {
      bench_print_error (&opts, "ack_rtt_p50", "us", "%s", error->message);
      bench_print_error (&opts, "ack_rtt_p99", "us", "%s", error->message);
      bench_print_error (&opts, "ack_cpu_per_roundtrip", "us/ack", "%s", error->message);
    }
  else if (n > 0)
    {
      qsort (st->rtt, n, sizeof (gint64), (int (*)(const void *, const void *)) bench_cmp_gint64);
      bench_print (&opts, "ack_rtt_p50", bench_percentile (st->rtt, n, 50), "us", NULL);
      bench_print (&opts, "ack_rtt_p99", bench_percentile (st->rtt, n, 99), "us", NULL);
      bench_print (&opts, "ack_cpu_per_roundtrip", (double) (c1 - c0) / n, "us/ack", NULL);
    }
  raw_close (st);
}

static void
phase_bin_up (void)
{
  g_autoptr(GError) error = NULL;
  Raw *st = raw_open (&error);
  guint n = opts.bin;
  gint64 t0 = 0, c0 = 0, t1 = 1, c1 = 0;
  guint8 *blob = g_malloc (BENCH_BIN_SIZE);

  for (guint i = 0; i < BENCH_BIN_SIZE; i++)
    blob[i] = i & 0xff;
  if (st != NULL)
    {
      t0 = bench_now_us ();
      c0 = bench_cpu_us ();
      run_bin_up (st, n, blob);
      t1 = bench_now_us ();
      c1 = bench_cpu_us ();
      if (!st->done)
        error = g_error_new (G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "no bin-done ack within %u s", opts.phase_timeout_s);
      else if (st->ack_value != n)
        error = g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED, "server counted %" G_GINT64_FORMAT ", sent %u",
                             st->ack_value, n);
      raw_close (st);
    }
  g_free (blob);
  report_pair ("bin_up_throughput", "MB/s", (double) n * BENCH_BIN_SIZE / ((t1 - t0) / 1e6) / 1e6,
               "bin_up_cpu_per_event", (double) (c1 - c0) / MAX (n, 1), error);
}

static void
phase_bin_down (void)
{
  g_autoptr(GError) error = NULL;
  Raw *st = raw_open (&error);
  guint n = opts.bin;
  gint64 t0 = 0, c0 = 0, t1 = 1, c1 = 0;

  if (st != NULL)
    {
      t0 = bench_now_us ();
      c0 = bench_cpu_us ();
      run_bin_down (st, n);
      t1 = bench_now_us ();
      c1 = bench_cpu_us ();
      if (!st->done)
        error = g_error_new (G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "no bin-down-done within %u s (%u of %u)",
                             opts.phase_timeout_s, st->count, n);
      else if (st->count != n || st->bad != 0)
        error = g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED, "received %u binary frames (%u bad), expected %u",
                             st->count, st->bad, n);
      raw_close (st);
    }
  report_pair ("bin_down_throughput", "MB/s", (double) n * BENCH_BIN_SIZE / ((t1 - t0) / 1e6) / 1e6,
               "bin_down_cpu_per_event", (double) (c1 - c0) / MAX (n, 1), error);
}

static void
phase_connect (void)
{
  g_autoptr(GError) error = NULL;
  guint n = opts.connects;
  gint64 total = 0;
  g_autofree gint64 *times = g_new0 (gint64, MAX (n, 1));

  drop_conn (connect_raw (&error));     /* warm-up */
  for (guint i = 0; i < n && error == NULL; i++)
    {
      gint64 t0 = bench_now_us ();
      SoupWebsocketConnection *conn = connect_raw (&error);
      times[i] = bench_now_us () - t0;
      total += times[i];
      drop_conn (conn);
    }
  if (error != NULL)
    {
      bench_print_error (&opts, "connect_time", "ms", "%s", error->message);
      return;
    }
  if (n == 0)
    return;
  qsort (times, n, sizeof (gint64), (int (*)(const void *, const void *)) bench_cmp_gint64);
  {
    g_autofree char *extra = g_strdup_printf ("\"p50_ms\":%.3f", bench_percentile (times, n, 50) / 1000.0);
    bench_print (&opts, "connect_time", total / 1000.0 / n, "ms", extra);
  }
}

static void
phase_idle (void)
{
  g_autoptr(GError) error = NULL;
  guint n = opts.idle;
  OpenState *st = g_new0 (OpenState, MAX (n, 1));
  gint64 rss0, rss1;
  guint opened = 0, failed = 0, finished = 0;
  const guint batch = 50;

  if (n == 0)
    goto out;
  drop_conn (connect_raw (&error));
  if (error != NULL)
    {
      bench_print_error (&opts, "rss_per_idle_connection", "KiB", "%s", error->message);
      goto out;
    }
  bench_spin (200);
  rss0 = bench_rss_kib ();
  for (guint i = 0; i < n; i += batch)
    {
      guint end = MIN (n, i + batch);
      for (guint k = i; k < end; k++)
        connect_start (&st[k]);
      for (guint k = i; k < end; k++)
        {
          if (!bench_wait_flag (&st[k].done, opts.phase_timeout_s * 1000))
            break;
          finished++;
          if (st[k].conn != NULL)
            {
              conn_setup (st[k].conn);
              opened++;
            }
          else if (failed++ == 0)
            g_printerr ("bench-raw: idle connection failed: %s\n", st[k].error->message);
        }
      if (finished < end)
        break;
    }
  if (opened < n)
    {
      bench_print_error (&opts, "rss_per_idle_connection", "KiB", "%u of %u connections opened, %u failed",
                         opened, n, failed);
      goto close;
    }
  bench_spin (1000);
  rss1 = bench_rss_kib ();
  {
    g_autofree char *extra = g_strdup_printf ("\"connections\":%u,\"rss_before_kib\":%" G_GINT64_FORMAT
                                              ",\"rss_after_kib\":%" G_GINT64_FORMAT, n, rss0, rss1);
    bench_print (&opts, "rss_per_idle_connection", (double) (rss1 - rss0) / n, "KiB", extra);
  }

close:
  for (guint i = 0; i < n; i++)
    {
      if (st[i].conn != NULL)
        {
          soup_websocket_connection_close (st[i].conn, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
          g_object_unref (st[i].conn);
        }
      g_clear_error (&st[i].error);
    }
  bench_spin (200);
out:
  g_free (st);
}

int
main (int argc, char **argv)
{
  g_autoptr(GUri) base = NULL;

  bench_parse_options (&opts, &argc, &argv, "raw-libsoup");
  base = g_uri_parse (opts.url, G_URI_FLAGS_NONE, NULL);
  if (base == NULL)
    {
      g_printerr ("bench-raw: bad --url %s\n", opts.url);
      return 2;
    }
  raw_uri = g_strdup_printf ("ws://%s:%d/raw", g_uri_get_host (base), g_uri_get_port (base));
  session = soup_session_new ();

  if (bench_phase_enabled (&opts, "up"))
    phase_up ();
  if (bench_phase_enabled (&opts, "down"))
    phase_down ();
  if (bench_phase_enabled (&opts, "echo"))
    phase_echo ();
  if (bench_phase_enabled (&opts, "ack"))
    phase_ack ();
  if (bench_phase_enabled (&opts, "bin-up"))
    phase_bin_up ();
  if (bench_phase_enabled (&opts, "bin-down"))
    phase_bin_down ();
  if (bench_phase_enabled (&opts, "connect"))
    phase_connect ();
  if (bench_phase_enabled (&opts, "idle"))
    phase_idle ();

  g_object_unref (session);
  g_free (raw_uri);
  return 0;
}
