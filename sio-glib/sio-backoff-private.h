/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Reconnection back-off: exponential between min and max, then jitter
 * applied after the cap so that clients never retry in lockstep. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  guint   min_ms;
  guint   max_ms;
  double  factor;   /* randomization factor, 0..1 */
  guint   attempts; /* attempts made so far */
} SioBackoff;

/* Delay before the next attempt; increments attempts. @random01 in [0,1). */
guint _sio_backoff_next_with (SioBackoff *backoff,
                              double      random01);
guint _sio_backoff_next      (SioBackoff *backoff);
void  _sio_backoff_reset     (SioBackoff *backoff);

G_END_DECLS
