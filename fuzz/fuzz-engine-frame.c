/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target: one Engine.IO WebSocket frame.
 * Byte 0 picks the revision (bit 0: 0 = v3, 1 = v4) and the frame opcode
 * (bit 1: binary); the rest is the frame. A decoded packet must re-encode
 * to something that decodes to the same packet.
 */
#include "sio-private.h"

#include <stdlib.h>
#include <string.h>

#include "sio-engine-packet-private.h"

int LLVMFuzzerTestOneInput (const guint8 *data,
                            size_t        size);

static void
check_same (const SioEnginePacket *a,
            const SioEnginePacket *b)
{
  if (a->type != b->type || a->binary != b->binary || !g_bytes_equal (a->data, b->data))
    abort ();
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  g_autoptr(GBytes) frame = NULL;
  g_autoptr(GBytes) again = NULL;
  g_autoptr(GString) text = NULL;
  SioEnginePacket packet = { 0 };
  SioEnginePacket back = { 0 };
  guint eio;
  gboolean binary;
  gboolean again_binary;

  if (size < 1)
    return 0;

  eio = (data[0] & 1) ? 4 : 3;
  binary = (data[0] & 2) != 0;
  /* an exact-size copy, so that ASan sees any read past the end */
  frame = g_bytes_new_take (g_memdup2 (data + 1, size - 1), size - 1);

  if (!_sio_engine_packet_decode_frame (eio, binary, frame, &packet, NULL))
    return 0;

  again = _sio_engine_packet_encode_frame (eio, &packet, &again_binary);
  if (!_sio_engine_packet_decode_frame (eio, again_binary, again, &back, NULL))
    abort ();
  check_same (&packet, &back);
  _sio_engine_packet_clear (&back);

  /* the text form (polling, b64) too */
  text = g_string_new (NULL);
  _sio_engine_packet_encode_text (eio, &packet, text);
  g_clear_pointer (&again, g_bytes_unref);
  again = g_bytes_new (text->str, text->len);
  if (!_sio_engine_packet_decode_frame (eio, FALSE, again, &back, NULL))
    abort ();
  check_same (&packet, &back);
  _sio_engine_packet_clear (&back);

  _sio_engine_packet_clear (&packet);
  return 0;
}
