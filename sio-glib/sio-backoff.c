/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "sio-private.h"

#include <math.h>

#include "sio-backoff-private.h"

guint
_sio_backoff_next_with (SioBackoff *self,
                        double      random01)
{
  double delay;
  double factor = CLAMP (self->factor, 0.0, 1.0);
  guint max_ms = MAX (self->max_ms, self->min_ms);

  /* min * 2^attempts, capped before it can overflow */
  delay = self->min_ms * ldexp (1.0, (int) MIN (self->attempts, 40));
  delay = MIN (delay, (double) max_ms);
  /* jitter after the cap: +/- factor around the capped delay */
  delay = delay * (1.0 + factor * (2.0 * random01 - 1.0));

  self->attempts++;
  return (guint) MAX (0.0, MIN (delay, (double) G_MAXUINT));
}

guint
_sio_backoff_next (SioBackoff *self)
{
  return _sio_backoff_next_with (self, g_random_double ());
}

void
_sio_backoff_reset (SioBackoff *self)
{
  self->attempts = 0;
}
