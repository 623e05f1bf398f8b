/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: the JSON of an Engine.IO open packet. */
#include "sio-private.h"

#include <stdlib.h>

#include "sio-engine-packet-private.h"

int LLVMFuzzerTestOneInput (const guint8 *data,
                            size_t        size);

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  g_autofree char *copy = g_memdup2 (data, size);
  SioHandshake handshake = { 0 };

  if (!_sio_handshake_parse (copy, size, &handshake, NULL))
    {
      if (handshake.sid != NULL || handshake.upgrades != NULL)
        abort ();
      return 0;
    }

  if (handshake.sid == NULL || handshake.sid[0] == '\0' || handshake.upgrades == NULL)
    abort ();
  _sio_handshake_clear (&handshake);
  return 0;
}
