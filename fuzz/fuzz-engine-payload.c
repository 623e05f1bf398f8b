/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target: one Engine.IO polling body.
 * Byte 0 picks the revision (bit 0: 0 = v3, 1 = v4) and, for v3, the XHR2
 * binary form (bit 1); the rest is the body. A decoded payload must
 * re-encode to a body that decodes to the same packets.
 */
#include "sio-private.h"

#include <stdlib.h>
#include <string.h>

#include "sio-engine-packet-private.h"

int LLVMFuzzerTestOneInput (const guint8 *data,
                            size_t        size);

static GArray *
packet_array_new (void)
{
  GArray *packets = g_array_new (FALSE, TRUE, sizeof (SioEnginePacket));

  g_array_set_clear_func (packets, (GDestroyNotify) _sio_engine_packet_clear);
  return packets;
}

static void
check_round_trip (guint    eio,
                  gboolean binary,
                  GArray  *packets)
{
  g_autoptr(GArray) back = packet_array_new ();
  g_autoptr(GBytes) body = NULL;
  guint i;

  if (binary)
    body = _sio_engine_payload_encode_binary ((SioEnginePacket *) packets->data, packets->len);
  else
    body = _sio_engine_payload_encode (eio, (SioEnginePacket *) packets->data, packets->len);

  /* an empty v4 list encodes to an empty body, which is not a payload */
  if (eio == 4 && packets->len == 0)
    return;
  if (binary && packets->len == 0)
    return;

  if (!_sio_engine_payload_decode (eio, body, binary, back, NULL))
    abort ();
  if (back->len != packets->len)
    abort ();
  for (i = 0; i < packets->len; i++)
    {
      SioEnginePacket *a = &g_array_index (packets, SioEnginePacket, i);
      SioEnginePacket *b = &g_array_index (back, SioEnginePacket, i);

      if (a->type != b->type || a->binary != b->binary || !g_bytes_equal (a->data, b->data))
        abort ();
    }
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GArray) packets = NULL;
  guint eio;
  gboolean binary;

  if (size < 1)
    return 0;

  eio = (data[0] & 1) ? 4 : 3;
  binary = eio == 3 && (data[0] & 2) != 0;
  body = g_bytes_new_take (g_memdup2 (data + 1, size - 1), size - 1);
  packets = packet_array_new ();

  if (!_sio_engine_payload_decode (eio, body, binary, packets, NULL))
    {
      if (packets->len != 0)
        abort ();
      return 0;
    }

  check_round_trip (eio, FALSE, packets);
  if (eio == 3)
    check_round_trip (eio, TRUE, packets);

  return 0;
}
