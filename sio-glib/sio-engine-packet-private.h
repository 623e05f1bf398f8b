/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Engine.IO v3 and v4 packet codecs. Pure code: no I/O, no GObject.
 * See ../shared/protocol.md §1.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  SIO_ENGINE_PACKET_OPEN    = 0,
  SIO_ENGINE_PACKET_CLOSE   = 1,
  SIO_ENGINE_PACKET_PING    = 2,
  SIO_ENGINE_PACKET_PONG    = 3,
  SIO_ENGINE_PACKET_MESSAGE = 4,
  SIO_ENGINE_PACKET_UPGRADE = 5,
  SIO_ENGINE_PACKET_NOOP    = 6,
} SioEnginePacketType;

typedef struct
{
  SioEnginePacketType  type;
  /* TRUE when data is binary (only for MESSAGE) */
  gboolean             binary;
  /* the payload without the type character/byte; never NULL (may be empty).
   * For text it is UTF-8 and NOT nul-terminated. Decoders slice the input
   * with g_bytes_new_from_bytes() instead of copying it. */
  GBytes              *data;
} SioEnginePacket;

/* Fills @packet; takes a reference on @data (NULL = empty). */
void      _sio_engine_packet_init         (SioEnginePacket      *packet,
                                           SioEnginePacketType   type,
                                           gboolean              binary,
                                           GBytes               *data);
void      _sio_engine_packet_init_text    (SioEnginePacket      *packet,
                                           SioEnginePacketType   type,
                                           const char           *text,
                                           gssize                len);
void      _sio_engine_packet_clear        (SioEnginePacket      *packet);

/*
 * One WebSocket frame is one packet (§1.3).
 * v4: text frame "<digit><text>"; binary frame = raw message bytes.
 * v3: text frame the same; binary frame = 0x04 type byte + bytes.
 * Errors (SIO_ERROR_PROTOCOL): empty text frame, empty v3 binary frame,
 * unknown type, v3 binary frame whose first byte is not 4 (only message can
 * be binary), invalid UTF-8 in a text frame, invalid base64 after "b".
 * An empty v4 binary frame is an empty binary message (an empty Buffer
 * attachment), not an error.
 */
gboolean  _sio_engine_packet_decode_frame (guint                 eio,
                                           gboolean              binary_frame,
                                           GBytes               *frame,
                                           SioEnginePacket      *out,
                                           GError              **error);
/* The same for a frame from a WebSocket connection that has checked the
 * UTF-8 of its text messages already (RFC 6455 §8.1; libsoup closes the
 * connection on invalid text): no second pass over every frame. */
gboolean  _sio_engine_packet_decode_ws_frame (guint              eio,
                                              gboolean           binary_frame,
                                              GBytes            *frame,
                                              SioEnginePacket   *out,
                                              GError           **error);
/* Returns the frame bytes; *binary_frame tells the frame opcode to use. */
GBytes   *_sio_engine_packet_encode_frame (guint                 eio,
                                           const SioEnginePacket *packet,
                                           gboolean             *binary_frame);
/* Appends the text form of one packet to @out: "<digit><text>", or for a
 * binary message "b<base64>" (v4) / "b4<base64>" (v3). Used by polling
 * payloads and by text-only (b64=1) WebSockets. */
void      _sio_engine_packet_encode_text  (guint                 eio,
                                           const SioEnginePacket *packet,
                                           GString              *out);

/*
 * Polling payloads (§1.4). @out is a GArray of SioEnginePacket created by
 * the caller with g_array_set_clear_func (_sio_engine_packet_clear).
 * v4: records separated by 0x1E; binary as "b<base64>".
 * v3: if @body_is_binary, the XHR2 binary format; else "<len>:<packet>"
 *     with len in UTF-16 code units; binary as "b4<base64>".
 * Any error rejects the whole payload (@out is left empty).
 */
gboolean  _sio_engine_payload_decode      (guint                 eio,
                                           GBytes               *body,
                                           gboolean              body_is_binary,
                                           GArray               *out,
                                           GError              **error);
/* Text form (v4 records, or v3 length-prefixed with b4 base64 binary). */
GBytes   *_sio_engine_payload_encode      (guint                 eio,
                                           const SioEnginePacket *packets,
                                           guint                 n_packets);
/* v3 only: the XHR2 binary payload (§1.4), sent as
 * application/octet-stream; binary messages travel without base64. */
GBytes   *_sio_engine_payload_encode_binary (const SioEnginePacket *packets,
                                             guint                 n_packets);

/* The open packet's JSON (§1.6). */
typedef struct
{
  char    *sid;
  char   **upgrades;       /* NULL-terminated, never NULL */
  guint    ping_interval;  /* ms */
  guint    ping_timeout;   /* ms */
  guint64  max_payload;    /* bytes; 0 when the server sent none */
} SioHandshake;

/* Errors: invalid JSON, not an object, missing/empty sid, missing or
 * non-numeric/negative timers. Unknown fields are ignored. */
gboolean  _sio_handshake_parse            (const char           *data,
                                           gsize                 len,
                                           SioHandshake         *out,
                                           GError              **error);
void      _sio_handshake_clear            (SioHandshake         *handshake);

G_END_DECLS
