/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The heartbeat state machine, driven with real (short) timers. */
#include "config.h"

#include "sio-heartbeat-private.h"

typedef struct
{
  guint pings;
  guint pongs;
  guint timeouts;
  gint64 died_at;
} Counts;

static void
count_ping (gpointer data)
{
  ((Counts *) data)->pings++;
}

static void
count_pong (gpointer data)
{
  ((Counts *) data)->pongs++;
}

static void
count_timeout (gpointer data)
{
  Counts *c = data;
  c->timeouts++;
  c->died_at = g_get_monotonic_time ();
}

static const SioHeartbeatActions actions = {
  .send_ping = count_ping,
  .send_pong = count_pong,
  .timeout = count_timeout,
};

static gboolean
flag_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
spin (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, flag_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

/* v4: the server pings; every ping is answered and re-arms the deadline. */
static void
test_v4_answers_and_times_out (void)
{
  Counts c = { 0, };
  SioHeartbeat *hb = _sio_heartbeat_new (4, 100, 50, NULL, &actions, &c);
  gint64 last_ping;

  _sio_heartbeat_start (hb);
  g_assert_cmpint (_sio_heartbeat_get_state (hb), ==, SIO_HEARTBEAT_WAIT_PING);
  for (int i = 0; i < 4; i++)
    {
      spin (100);
      _sio_heartbeat_received (hb, SIO_ENGINE_PACKET_PING);
    }
  g_assert_cmpuint (c.pongs, ==, 4);
  g_assert_cmpuint (c.pings, ==, 0);
  g_assert_cmpuint (c.timeouts, ==, 0);

  /* other packets do not keep the link alive in v4 */
  last_ping = g_get_monotonic_time ();
  for (int i = 0; i < 20 && c.timeouts == 0; i++)
    {
      _sio_heartbeat_received (hb, SIO_ENGINE_PACKET_MESSAGE);
      spin (10);
    }
  while (c.timeouts == 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (c.timeouts, ==, 1);
  g_assert_cmpint (c.died_at - last_ping, >=, 150 * 1000);
  g_assert_cmpint (c.died_at - last_ping, <, 400 * 1000);
  g_assert_cmpint (_sio_heartbeat_get_state (hb), ==, SIO_HEARTBEAT_DEAD);
  g_assert_false (_sio_heartbeat_check (hb));

  /* dead is final */
  _sio_heartbeat_received (hb, SIO_ENGINE_PACKET_PING);
  spin (200);
  g_assert_cmpuint (c.timeouts, ==, 1);
  g_assert_cmpuint (c.pongs, ==, 4);
  _sio_heartbeat_free (hb);
}

/* v3: the client pings every interval; a pong schedules the next one. */
static void
test_v3_pings_and_times_out (void)
{
  Counts c = { 0, };
  SioHeartbeat *hb = _sio_heartbeat_new (3, 50, 80, NULL, &actions, &c);
  gint64 ping_sent;

  _sio_heartbeat_start (hb);
  g_assert_cmpint (_sio_heartbeat_get_state (hb), ==, SIO_HEARTBEAT_IDLE);
  for (guint i = 1; i <= 3; i++)
    {
      while (c.pings < i)
        g_main_context_iteration (NULL, TRUE);
      g_assert_cmpint (_sio_heartbeat_get_state (hb), ==, SIO_HEARTBEAT_WAIT_PONG);
      _sio_heartbeat_received (hb, SIO_ENGINE_PACKET_PONG);
      g_assert_cmpint (_sio_heartbeat_get_state (hb), ==, SIO_HEARTBEAT_IDLE);
      g_assert_cmpint (_sio_heartbeat_get_rtt (hb), >=, 0);
    }
  g_assert_cmpuint (c.pongs, ==, 0);

  /* no pong: dead pingTimeout after the ping */
  while (c.pings < 4)
    g_main_context_iteration (NULL, TRUE);
  ping_sent = g_get_monotonic_time ();
  while (c.timeouts == 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (c.died_at - ping_sent, >=, 70 * 1000);
  g_assert_cmpint (c.died_at - ping_sent, <, 300 * 1000);
  g_assert_cmpuint (c.pings, ==, 4);
  _sio_heartbeat_free (hb);
}

static void
test_stop (void)
{
  Counts c = { 0, };
  SioHeartbeat *hb = _sio_heartbeat_new (4, 20, 20, NULL, &actions, &c);

  _sio_heartbeat_start (hb);
  _sio_heartbeat_stop (hb);
  spin (100);
  g_assert_cmpuint (c.timeouts, ==, 0);
  g_assert_true (_sio_heartbeat_check (hb));
  _sio_heartbeat_free (hb);
  /* freeing removes the source: nothing fires later */
  spin (60);
  g_assert_cmpuint (c.timeouts, ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/sio/heartbeat/v4", test_v4_answers_and_times_out);
  g_test_add_func ("/sio/heartbeat/v3", test_v3_pings_and_times_out);
  g_test_add_func ("/sio/heartbeat/stop", test_stop);
  return g_test_run ();
}
