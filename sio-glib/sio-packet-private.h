/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Socket.IO v4 (Engine.IO v3 servers, socket.io 2.x) and v5 (socket.io
 * 3.x/4.x) packet codec and binary reassembly. Pure code: no I/O.
 * See ../shared/protocol.md §2.
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef enum
{
  SIO_PACKET_CONNECT       = 0,
  SIO_PACKET_DISCONNECT    = 1,
  SIO_PACKET_EVENT         = 2,
  SIO_PACKET_ACK           = 3,
  SIO_PACKET_CONNECT_ERROR = 4,
  SIO_PACKET_BINARY_EVENT  = 5,
  SIO_PACKET_BINARY_ACK    = 6,
} SioPacketType;

typedef struct
{
  SioPacketType  type;
  /* namespace; "/" when omitted on the wire; never NULL. Decoded packets
   * without one share a static "/": free with _sio_packet_free() only */
  char          *nsp;
  /* ack id, -1 when absent */
  gint64         id;
  /* payload; NULL when absent */
  JsonNode      *data;
  /* BINARY_*: number of attachments announced in the header */
  guint          n_attachments;
  /* BINARY_*: the GBytes attachments collected so far; NULL otherwise */
  GPtrArray     *attachments;
} SioPacket;

SioPacket *_sio_packet_new    (SioPacketType  type,
                               const char    *nsp);
void       _sio_packet_free   (SioPacket     *packet);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SioPacket, _sio_packet_free)

/*
 * Appends the text form of @packet to @out (§2.2): type, "<n>-" for
 * BINARY_* (n = packet->n_attachments), nsp + "," unless "/", id, JSON.
 * The caller picks BINARY_EVENT/BINARY_ACK when there are attachments.
 * @sio is the Socket.IO protocol revision, 4 or 5.
 */
void       _sio_packet_encode (guint           sio,
                               const SioPacket *packet,
                               GString        *out);

typedef struct
{
  /* most attachments one BINARY_* header may announce (default 10) */
  guint max_attachments;
} SioPacketLimits;

#define SIO_PACKET_LIMITS_INIT { 10 }

/*
 * Decodes one text packet. Validates the payload per type and revision
 * (§2.1, §3 and the vectors): e.g. v5 CONNECT payload must be an object,
 * EVENT a non-empty array starting with a string or a finite number (v5:
 * not a reserved name), ACK an array, DISCONNECT no payload,
 * CONNECT_ERROR an object (string tolerated; v4 also array/null), ack
 * id only digits and <= 2^53-1, attachments count 1..max, no whitespace
 * before the JSON. Placeholders are NOT checked here (see the decoder).
 * @limits may be NULL (defaults). Errors are SIO_ERROR_PROTOCOL.
 */
gboolean   _sio_packet_decode (guint                  sio,
                               const char            *data,
                               gsize                  len,
                               const SioPacketLimits *limits,
                               SioPacket            **out,
                               GError               **error);

/*
 * Checks every {"_placeholder": true, "num": N} object in @node: N must be
 * an integer in [0, n_attachments). Returns FALSE + SIO_ERROR_PROTOCOL.
 */
gboolean   _sio_packet_check_placeholders (JsonNode  *node,
                                           guint      n_attachments,
                                           GError   **error);

/*
 * Reassembly (§2.7): feed every Engine.IO message in order. A BINARY_*
 * header makes the decoder wait for n_attachments binary messages; then
 * the placeholders are checked and the packet is returned with its
 * attachments (type stays BINARY_EVENT/BINARY_ACK). Text while
 * attachments are pending, or binary when none is pending, is an error.
 * On success *out is the completed packet, or NULL if more is needed.
 * After an error the decoder is reset.
 */
typedef struct _SioPacketDecoder SioPacketDecoder;

SioPacketDecoder *_sio_packet_decoder_new         (guint                  sio,
                                                   const SioPacketLimits *limits);
void              _sio_packet_decoder_free        (SioPacketDecoder      *decoder);
void              _sio_packet_decoder_reset       (SioPacketDecoder      *decoder);
gboolean          _sio_packet_decoder_feed_text   (SioPacketDecoder      *decoder,
                                                   const char            *data,
                                                   gsize                  len,
                                                   SioPacket            **out,
                                                   GError               **error);
gboolean          _sio_packet_decoder_feed_binary (SioPacketDecoder      *decoder,
                                                   GBytes                *data,
                                                   SioPacket            **out,
                                                   GError               **error);
gboolean          _sio_packet_decoder_is_waiting  (SioPacketDecoder      *decoder);

G_END_DECLS
