/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sio-glib benchmark client in C (see bench/README.md).
 *
 *   bench-sio --url http://127.0.0.1:PORT [--events N] [--acks N] [--bin N]
 *             [--connects N] [--idle N] [--only up,down,...] [--shared-session]
 *
 * Prints one JSON line per figure.  Every phase runs on a fresh connection;
 * CPU time is getrusage (RUSAGE_SELF) user + system of this process only.
 * A phase that fails or times out prints its figures with "value": null and
 * an "error" field, and the next phase still runs.
 */
#include <stdio.h>
#include <string.h>

#include <sio-glib/sio-glib.h>

#include "bench-common.h"

static BenchOptions opts;

/* ---- connecting ----------------------------------------------------- */

typedef struct
{
  gboolean done;
  gboolean ok;
  GError  *error;
} OpenState;

static void
on_open (GObject *source, GAsyncResult *result, gpointer data)
{
  OpenState *st = data;

  st->ok = sio_socket_open_finish (SIO_SOCKET (source), result, &st->error);
  st->done = TRUE;
}

static SioClient *
new_client (SoupSession *session)
{
  static const char *const transports[] = { "websocket", NULL };
  SioClient *client;

  client = session != NULL ? sio_client_new_with_session (opts.url, session)
                           : sio_client_new (opts.url);
  sio_client_set_transports (client, transports);
  sio_client_set_reconnection (client, FALSE);
  return client;
}

/* Returns a connected client, or NULL with *error set. */
static SioClient *
connect_client (SoupSession *session, GError **error)
{
  SioClient *client = new_client (session);
  OpenState st = { 0 };

  sio_socket_open_async (SIO_SOCKET (client), NULL, on_open, &st);
  if (!bench_wait_flag (&st.done, opts.phase_timeout_s * 1000))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "connect timed out");
      sio_client_close (client);
      /* the pending open completes (with an error) on close */
      bench_wait_flag (&st.done, 1000);
      g_clear_error (&st.error);
      g_object_unref (client);
      return NULL;
    }
  if (!st.ok)
    {
      g_propagate_prefixed_error (error, st.error, "connect failed: ");
      g_object_unref (client);
      return NULL;
    }
  return client;
}

static void
drop_client (SioClient *client)
{
  if (client == NULL)
    return;
  sio_client_close (client);
  g_object_unref (client);
  /* let the close handshake and the finalizers run */
  bench_spin (20);
}

/* ---- small events up ------------------------------------------------ */

typedef struct
{
  gboolean   done;
  gint64     count;
  GError    *error;
} AckCount;

static void
on_count_ack (GObject *source, GAsyncResult *result, gpointer data)
{
  AckCount *st = data;
  g_autoptr(JsonArray) args = sio_socket_emit_with_ack_finish (SIO_SOCKET (source), result, &st->error);

  if (args != NULL && json_array_get_length (args) >= 1)
    st->count = json_array_get_int_element (args, 0);
  else
    st->count = -1;
  st->done = TRUE;
}

G_GNUC_NO_INLINE static void
run_up (SioSocket *sock, guint n, AckCount *st)
{
  for (guint i = 0; i < n; i++)
    {
      JsonArray *args = json_array_sized_new (2);
      json_array_add_int_element (args, i);
      json_array_add_string_element (args, BENCH_PAYLOAD);
      sio_socket_emit (sock, "up", args);
      json_array_unref (args);
    }
  sio_socket_emit_with_ack (sock, "up-done", NULL, NULL, on_count_ack, st);
  bench_wait_flag (&st->done, opts.phase_timeout_s * 1000);
}

static void
phase_up (void)
{
  g_autoptr(GError) error = NULL;
  SioClient *client = connect_client (NULL, &error);
  AckCount st = { 0 };
  gint64 t0, c0, t1, c1;
  guint n = opts.events;

  if (client == NULL)
    goto fail;
  t0 = bench_now_us ();
  c0 = bench_cpu_us ();
  run_up (SIO_SOCKET (client), n, &st);
  t1 = bench_now_us ();
  c1 = bench_cpu_us ();
  if (!st.done)
    error = g_error_new (G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "no up-done ack within %u s", opts.phase_timeout_s);
  else if (st.error != NULL)
    error = g_steal_pointer (&st.error);
  else if (st.count != n)
    error = g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED, "server counted %" G_GINT64_FORMAT " events, sent %u", st.count, n);
  drop_client (client);
  if (error != NULL)
    goto fail;
  bench_print (&opts, "up_throughput", n / ((t1 - t0) / 1e6), "events/s", NULL);
  bench_print (&opts, "up_cpu_per_event", (double) (c1 - c0) / n, "us/event", NULL);
  return;

fail:
  bench_print_error (&opts, "up_throughput", "events/s", "%s", error->message);
  bench_print_error (&opts, "up_cpu_per_event", "us/event", "%s", error->message);
}

/* ---- small events down ---------------------------------------------- */

typedef struct
{
  guint    count;
  gint64   sum;
  gboolean done;
} DownState;

static void
on_d (SioSocket *sock, SioEvent *event, gpointer data)
{
  DownState *st = data;
  JsonArray *args = sio_event_get_args (event);

  st->sum += json_array_get_int_element (args, 0);
  st->count++;
}

static void
on_done (SioSocket *sock, SioEvent *event, gpointer data)
{
  *(gboolean *) data = TRUE;
}

static void
emit_count (SioSocket *sock, const char *event, guint n)
{
  JsonArray *args = json_array_sized_new (1);

  json_array_add_int_element (args, n);
  sio_socket_emit (sock, event, args);
  json_array_unref (args);
}

G_GNUC_NO_INLINE static void
run_down (SioSocket *sock, guint n, DownState *st)
{
  emit_count (sock, "down", n);
  bench_wait_flag (&st->done, opts.phase_timeout_s * 1000);
}

static void
phase_down (void)
{
  g_autoptr(GError) error = NULL;
  SioClient *client = connect_client (NULL, &error);
  DownState st = { 0 };
  gint64 t0, c0, t1, c1;
  guint n = opts.events;

  if (client == NULL)
    goto fail;
  g_signal_connect (client, "event::d", G_CALLBACK (on_d), &st);
  g_signal_connect (client, "event::down-done", G_CALLBACK (on_done), &st.done);
  t0 = bench_now_us ();
  c0 = bench_cpu_us ();
  run_down (SIO_SOCKET (client), n, &st);
  t1 = bench_now_us ();
  c1 = bench_cpu_us ();
  if (!st.done)
    error = g_error_new (G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "no down-done within %u s (%u of %u events)",
                         opts.phase_timeout_s, st.count, n);
  else if (st.count != n || st.sum != (gint64) n * (n > 0 ? n - 1 : 0) / 2)
    error = g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED, "received %u events, expected %u", st.count, n);
  drop_client (client);
  if (error != NULL)
    goto fail;
  if (n == 0)
    return;
  bench_print (&opts, "down_throughput", n / ((t1 - t0) / 1e6), "events/s", NULL);
  bench_print (&opts, "down_cpu_per_event", (double) (c1 - c0) / n, "us/event", NULL);
  return;

fail:
  bench_print_error (&opts, "down_throughput", "events/s", "%s", error->message);
  bench_print_error (&opts, "down_cpu_per_event", "us/event", "%s", error->message);
}

/* ---- echo ----------------------------------------------------------- */

static void
on_echo (SioSocket *sock, SioEvent *event, gpointer data)
{
  (*(guint *) data)++;
}

static void
phase_echo (void)
{
  g_autoptr(GError) error = NULL;
  SioClient *client = connect_client (NULL, &error);
  guint count = 0;
  gint64 t0, c0, t1, c1;
  guint n = opts.events;

  if (client == NULL)
    goto fail;
  g_signal_connect (client, "event::echo", G_CALLBACK (on_echo), &count);
  t0 = bench_now_us ();
  c0 = bench_cpu_us ();
  for (guint i = 0; i < n; i++)
    {
      JsonArray *args = json_array_sized_new (2);
      json_array_add_int_element (args, i);
      json_array_add_string_element (args, BENCH_PAYLOAD);
      sio_socket_emit (SIO_SOCKET (client), "echo", args);
      json_array_unref (args);
    }
  bench_wait_count (&count, n, opts.phase_timeout_s * 1000);
  t1 = bench_now_us ();
  c1 = bench_cpu_us ();
  if (count < n)
    error = g_error_new (G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "%u of %u echoes within %u s",
                         count, n, opts.phase_timeout_s);
  drop_client (client);
  if (error != NULL)
    goto fail;
  bench_print (&opts, "echo_throughput", n / ((t1 - t0) / 1e6), "events/s", NULL);
  bench_print (&opts, "echo_cpu_per_event", (double) (c1 - c0) / n, "us/event", NULL);
  return;

fail:
  bench_print_error (&opts, "echo_throughput", "events/s", "%s", error->message);
  bench_print_error (&opts, "echo_cpu_per_event", "us/event", "%s", error->message);
}

/* ---- sequential acks ------------------------------------------------ */

typedef struct
{
  SioSocket *sock;
  guint      n;
  guint      i;
  gint64    *rtt;
  gint64     sent_at;
  gboolean   done;
  GError    *error;
} AckState;

static void ack_send (AckState *st);

static void
on_ack_reply (GObject *source, GAsyncResult *result, gpointer data)
{
  AckState *st = data;
  g_autoptr(JsonArray) args = sio_socket_emit_with_ack_finish (SIO_SOCKET (source), result, &st->error);

  if (args == NULL)
    {
      if (st->error == NULL)
        st->error = g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED, "ack %u: no args", st->i);
      st->done = TRUE;
      return;
    }
  st->rtt[st->i] = bench_now_us () - st->sent_at;
  if (json_array_get_length (args) != 2 || json_array_get_int_element (args, 0) != st->i)
    {
      st->error = g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED, "ack %u: wrong reply", st->i);
      st->done = TRUE;
      return;
    }
  if (++st->i == st->n)
    st->done = TRUE;
  else
    ack_send (st);
}

static void
ack_send (AckState *st)
{
  JsonArray *args = json_array_sized_new (2);

  json_array_add_int_element (args, st->i);
  json_array_add_string_element (args, BENCH_PAYLOAD);
  st->sent_at = bench_now_us ();
  sio_socket_emit_with_ack (st->sock, "ack", args, NULL, on_ack_reply, st);
  json_array_unref (args);
}

G_GNUC_NO_INLINE static void
run_ack (AckState *st)
{
  ack_send (st);
  bench_wait_flag (&st->done, opts.phase_timeout_s * 1000);
}

static void
phase_ack (void)
{
  g_autoptr(GError) error = NULL;
  SioClient *client = connect_client (NULL, &error);
  guint n = opts.acks;
  AckState st = { 0 };
  gint64 c0 = 0, c1 = 0;

  if (client == NULL || n == 0)
    goto out;
  st.sock = SIO_SOCKET (client);
  st.rtt = g_new0 (gint64, n);
  /* warm-up: 100 acks, not measured */
  st.n = MIN (100, n);
  ack_send (&st);
  bench_wait_flag (&st.done, opts.phase_timeout_s * 1000);
  if (st.error == NULL && st.done)
    {
      st.done = FALSE;
      st.i = 0;
      st.n = n;
      c0 = bench_cpu_us ();
      run_ack (&st);
      c1 = bench_cpu_us ();
    }
  if (st.error != NULL)
    error = g_steal_pointer (&st.error);
  else if (!st.done)
    error = g_error_new (G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "%u of %u acks within %u s", st.i, n, opts.phase_timeout_s);
  drop_client (client);

out:
  if (error != NULL)
    {
      bench_print_error (&opts, "ack_rtt_p50", "us", "%s", error->message);
      bench_print_error (&opts, "ack_rtt_p99", "us", "%s", error->message);
      bench_print_error (&opts, "ack_cpu_per_roundtrip", "us/ack", "%s", error->message);
    }
  else if (n > 0)
    {
      qsort (st.rtt, n, sizeof (gint64), (int (*)(const void *, const void *)) bench_cmp_gint64);
      bench_print (&opts, "ack_rtt_p50", bench_percentile (st.rtt, n, 50), "us", NULL);
      bench_print (&opts, "ack_rtt_p99", bench_percentile (st.rtt, n, 99), "us", NULL);
      bench_print (&opts, "ack_cpu_per_roundtrip", (double) (c1 - c0) / n, "us/ack", NULL);
    }
  g_free (st.rtt);
}

/* ---- binary --------------------------------------------------------- */

static GBytes *
make_blob (void)
{
  guint8 *data = g_malloc (BENCH_BIN_SIZE);

  for (guint i = 0; i < BENCH_BIN_SIZE; i++)
    data[i] = i & 0xff;
  return g_bytes_new_take (data, BENCH_BIN_SIZE);
}

G_GNUC_NO_INLINE static void
run_bin_up (SioSocket *sock, guint n, JsonArray *args, GBytes *blob, AckCount *st)
{
  for (guint i = 0; i < n; i++)
    sio_socket_emit_full (sock, "bin", args, &blob, 1, SIO_EMIT_NONE, -1, NULL, NULL, NULL);
  sio_socket_emit_with_ack (sock, "bin-done", NULL, NULL, on_count_ack, st);
  bench_wait_flag (&st->done, opts.phase_timeout_s * 1000);
}

static void
phase_bin_up (void)
{
  g_autoptr(GError) error = NULL;
  SioClient *client = connect_client (NULL, &error);
  g_autoptr(GBytes) blob = make_blob ();
  g_autoptr(JsonNode) args_node = NULL;
  AckCount st = { 0 };
  guint n = opts.bin;
  gint64 t0, c0, t1, c1;

  if (client == NULL)
    goto fail;
  args_node = json_from_string ("[{\"_placeholder\":true,\"num\":0}]", NULL);
  t0 = bench_now_us ();
  c0 = bench_cpu_us ();
  run_bin_up (SIO_SOCKET (client), n, json_node_get_array (args_node), blob, &st);
  t1 = bench_now_us ();
  c1 = bench_cpu_us ();
  if (!st.done)
    error = g_error_new (G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "no bin-done ack within %u s", opts.phase_timeout_s);
  else if (st.error != NULL)
    error = g_steal_pointer (&st.error);
  else if (st.count != n)
    error = g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED, "server counted %" G_GINT64_FORMAT " binary events, sent %u", st.count, n);
  drop_client (client);
  if (error != NULL)
    goto fail;
  bench_print (&opts, "bin_up_throughput", (double) n * BENCH_BIN_SIZE / ((t1 - t0) / 1e6) / 1e6, "MB/s", NULL);
  bench_print (&opts, "bin_up_cpu_per_event", (double) (c1 - c0) / n, "us/event", NULL);
  return;

fail:
  bench_print_error (&opts, "bin_up_throughput", "MB/s", "%s", error->message);
  bench_print_error (&opts, "bin_up_cpu_per_event", "us/event", "%s", error->message);
}

typedef struct
{
  guint    count;
  guint    bad;
  gboolean done;
} BinState;

static void
on_b (SioSocket *sock, SioEvent *event, gpointer data)
{
  BinState *st = data;
  GBytes *b = sio_event_get_attachment (event, 0);

  if (b == NULL || g_bytes_get_size (b) != BENCH_BIN_SIZE)
    st->bad++;
  st->count++;
}

G_GNUC_NO_INLINE static void
run_bin_down (SioSocket *sock, guint n, BinState *st)
{
  emit_count (sock, "bin-down", n);
  bench_wait_flag (&st->done, opts.phase_timeout_s * 1000);
}

static void
phase_bin_down (void)
{
  g_autoptr(GError) error = NULL;
  SioClient *client = connect_client (NULL, &error);
  BinState st = { 0 };
  guint n = opts.bin;
  gint64 t0, c0, t1, c1;

  if (client == NULL)
    goto fail;
  g_signal_connect (client, "event::b", G_CALLBACK (on_b), &st);
  g_signal_connect (client, "event::bin-down-done", G_CALLBACK (on_done), &st.done);
  t0 = bench_now_us ();
  c0 = bench_cpu_us ();
  run_bin_down (SIO_SOCKET (client), n, &st);
  t1 = bench_now_us ();
  c1 = bench_cpu_us ();
  if (!st.done)
    error = g_error_new (G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "no bin-down-done within %u s (%u of %u events)",
                         opts.phase_timeout_s, st.count, n);
  else if (st.count != n || st.bad != 0)
    error = g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED, "received %u binary events (%u malformed), expected %u",
                         st.count, st.bad, n);
  drop_client (client);
  if (error != NULL)
    goto fail;
  bench_print (&opts, "bin_down_throughput", (double) n * BENCH_BIN_SIZE / ((t1 - t0) / 1e6) / 1e6, "MB/s", NULL);
  bench_print (&opts, "bin_down_cpu_per_event", (double) (c1 - c0) / n, "us/event", NULL);
  return;

fail:
  bench_print_error (&opts, "bin_down_throughput", "MB/s", "%s", error->message);
  bench_print_error (&opts, "bin_down_cpu_per_event", "us/event", "%s", error->message);
}

/* ---- connect time --------------------------------------------------- */

static void
phase_connect (void)
{
  g_autoptr(GError) error = NULL;
  guint n = opts.connects;
  gint64 total = 0;
  g_autofree gint64 *times = g_new0 (gint64, MAX (n, 1));

  /* warm-up (type registration, GIO modules), not measured */
  drop_client (connect_client (NULL, &error));
  for (guint i = 0; i < n && error == NULL; i++)
    {
      gint64 t0 = bench_now_us ();
      SioClient *client = connect_client (NULL, &error);
      times[i] = bench_now_us () - t0;
      total += times[i];
      drop_client (client);
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

/* ---- idle connections ----------------------------------------------- */

static void
on_idle_open (GObject *source, GAsyncResult *result, gpointer data)
{
  guint *counts = data;       /* [0] finished, [1] failed */
  g_autoptr(GError) error = NULL;

  if (!sio_socket_open_finish (SIO_SOCKET (source), result, &error))
    {
      if (counts[1]++ == 0)
        g_printerr ("bench-sio: idle connection failed: %s\n", error->message);
    }
  counts[0]++;
}

static void
phase_idle (void)
{
  const char *figure = opts.shared_session ? "rss_per_idle_connection_shared_session"
                                           : "rss_per_idle_connection";
  g_autoptr(GError) error = NULL;
  g_autoptr(SoupSession) session = opts.shared_session ? soup_session_new () : NULL;
  guint n = opts.idle;
  SioClient **clients = g_new0 (SioClient *, MAX (n, 1));
  guint counts[2] = { 0, 0 };
  gint64 rss0, rss1;
  const guint batch = 50;

  if (n == 0)
    goto out;
  drop_client (connect_client (session, &error));
  if (error != NULL)
    {
      bench_print_error (&opts, figure, "KiB", "%s", error->message);
      goto out;
    }
  bench_spin (200);
  rss0 = bench_rss_kib ();
  for (guint i = 0; i < n; i += batch)
    {
      guint end = MIN (n, i + batch);
      for (guint k = i; k < end; k++)
        {
          clients[k] = new_client (session);
          sio_socket_open_async (SIO_SOCKET (clients[k]), NULL, on_idle_open, counts);
        }
      if (!bench_wait_count (&counts[0], end, opts.phase_timeout_s * 1000))
        break;
    }
  if (counts[0] < n || counts[1] > 0)
    {
      bench_print_error (&opts, figure, "KiB", "%u of %u connections opened, %u failed",
                         counts[0] - counts[1], n, counts[1]);
      goto close;
    }
  bench_spin (1000);
  rss1 = bench_rss_kib ();
  {
    g_autofree char *extra = g_strdup_printf ("\"connections\":%u,\"rss_before_kib\":%" G_GINT64_FORMAT
                                              ",\"rss_after_kib\":%" G_GINT64_FORMAT, n, rss0, rss1);
    bench_print (&opts, figure, (double) (rss1 - rss0) / n, "KiB", extra);
  }

close:
  for (guint i = 0; i < n; i++)
    if (clients[i] != NULL)
      {
        sio_client_close (clients[i]);
        g_object_unref (clients[i]);
      }
  bench_spin (200);
out:
  g_free (clients);
}

int
main (int argc, char **argv)
{
  bench_parse_options (&opts, &argc, &argv, "sio-glib-c");

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
  return 0;
}
