/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Reconnection back-off: doubling, cap, and jitter applied after the cap. */
#include "config.h"

#include "sio-backoff-private.h"

static void
test_doubling_and_cap (void)
{
  SioBackoff b = { .min_ms = 1000, .max_ms = 5000, .factor = 0.0 };

  g_assert_cmpuint (_sio_backoff_next_with (&b, 0.3), ==, 1000);
  g_assert_cmpuint (_sio_backoff_next_with (&b, 0.3), ==, 2000);
  g_assert_cmpuint (_sio_backoff_next_with (&b, 0.3), ==, 4000);
  g_assert_cmpuint (_sio_backoff_next_with (&b, 0.3), ==, 5000);
  for (int i = 0; i < 100; i++)
    g_assert_cmpuint (_sio_backoff_next_with (&b, 0.3), ==, 5000);
  _sio_backoff_reset (&b);
  g_assert_cmpuint (_sio_backoff_next_with (&b, 0.3), ==, 1000);
}

static void
test_jitter_after_cap (void)
{
  SioBackoff b = { .min_ms = 1000, .max_ms = 5000, .factor = 0.5 };
  guint lo = G_MAXUINT, hi = 0;

  for (int i = 0; i < 10; i++)
    _sio_backoff_next_with (&b, 0.5);
  /* at the cap the delay still spreads over [2500, 7500] */
  g_assert_cmpuint (_sio_backoff_next_with (&b, 0.0), ==, 2500);
  g_assert_cmpuint (_sio_backoff_next_with (&b, 0.5), ==, 5000);
  g_assert_cmpuint (_sio_backoff_next_with (&b, 0.999999), >=, 7499);

  for (int i = 0; i < 2000; i++)
    {
      guint d = _sio_backoff_next (&b);
      lo = MIN (lo, d);
      hi = MAX (hi, d);
    }
  g_assert_cmpuint (lo, >=, 2500);
  g_assert_cmpuint (hi, <=, 7500);
  /* a thousand clients do not retry in lockstep */
  g_assert_cmpuint (hi - lo, >, 4000);
}

static void
test_no_overflow (void)
{
  SioBackoff b = { .min_ms = G_MAXUINT / 2, .max_ms = G_MAXUINT, .factor = 1.0 };

  for (int i = 0; i < 100; i++)
    g_assert_cmpuint (_sio_backoff_next_with (&b, 0.999), <=, G_MAXUINT);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/sio/backoff/doubling-and-cap", test_doubling_and_cap);
  g_test_add_func ("/sio/backoff/jitter-after-cap", test_jitter_after_cap);
  g_test_add_func ("/sio/backoff/no-overflow", test_no_overflow);
  return g_test_run ();
}
