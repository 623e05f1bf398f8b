/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target: Socket.IO packets and reassembly.
 * Byte 0: bit 0 picks the revision (0 = v4, 1 = v5); bit 1 the mode:
 *  - 0: the rest is one text packet. If it decodes, its encoding must
 *    decode again and encode identically (a fixed point).
 *  - 1: the rest is a stream of Engine.IO messages separated by 0x1e; a
 *    message starting with 'B' is binary (the bytes after the 'B'), any
 *    other is text. All of it goes through one reassembling decoder.
 * Bits 2-5 give the attachment limit (0-15).
 */
#include "sio-private.h"

#include <stdlib.h>
#include <string.h>

#include "sio-packet-private.h"

int LLVMFuzzerTestOneInput (const guint8 *data,
                            size_t        size);

static void
check_fixed_point (guint                  sio,
                   const SioPacketLimits *limits,
                   SioPacket             *packet)
{
  g_autoptr(GString) first = g_string_new (NULL);
  g_autoptr(GString) second = g_string_new (NULL);
  g_autoptr(SioPacket) again = NULL;

  _sio_packet_encode (sio, packet, first);
  if (!_sio_packet_decode (sio, first->str, first->len, limits, &again, NULL))
    abort ();
  _sio_packet_encode (sio, again, second);
  if (strcmp (first->str, second->str) != 0)
    abort ();
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  SioPacketLimits limits;
  guint sio;
  const guint8 *p;
  const guint8 *end;

  if (size < 1)
    return 0;

  sio = (data[0] & 1) ? 5 : 4;
  limits.max_attachments = (data[0] >> 2) & 0xf;
  p = data + 1;
  end = data + size;

  if ((data[0] & 2) == 0)
    {
      g_autofree char *copy = g_memdup2 (p, end - p);
      g_autoptr(SioPacket) packet = NULL;

      if (_sio_packet_decode (sio, copy, end - p, &limits, &packet, NULL))
        {
          g_autoptr(GError) error = NULL;

          check_fixed_point (sio, &limits, packet);
          /* placeholders are only checked by the reassembler: run the
           * check alone too, it must never crash */
          if (!_sio_packet_check_placeholders (packet->data, packet->n_attachments, &error) &&
              error == NULL)
            abort ();
        }
      return 0;
    }
  else
    {
      SioPacketDecoder *decoder = _sio_packet_decoder_new (sio, &limits);

      while (p <= end)
        {
          const guint8 *sep = memchr (p, 0x1e, end - p);
          const guint8 *record_end = sep != NULL ? sep : end;
          g_autoptr(SioPacket) packet = NULL;
          g_autoptr(GError) error = NULL;
          gboolean ok;

          if (record_end > p && *p == 'B')
            {
              g_autoptr(GBytes) bytes = g_bytes_new (p + 1, record_end - p - 1);

              ok = _sio_packet_decoder_feed_binary (decoder, bytes, &packet, &error);
            }
          else
            {
              g_autofree char *copy = g_memdup2 (p, record_end - p);

              ok = _sio_packet_decoder_feed_text (decoder, copy, record_end - p, &packet, &error);
            }

          if (ok == (error != NULL))
            abort ();
          if (!ok && _sio_packet_decoder_is_waiting (decoder))
            abort ();
          if (packet != NULL)
            {
              if (_sio_packet_decoder_is_waiting (decoder))
                abort ();
              if ((packet->type == SIO_PACKET_BINARY_EVENT ||
                   packet->type == SIO_PACKET_BINARY_ACK) &&
                  packet->attachments->len != packet->n_attachments)
                abort ();
              check_fixed_point (sio, &limits, packet);
            }

          if (sep == NULL)
            break;
          p = sep + 1;
        }

      _sio_packet_decoder_free (decoder);
    }

  return 0;
}
