/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Engine.IO v3 and v4 packet codecs (see ../shared/protocol.md §1).
 *
 * Decoders never copy text: every packet's data is a slice of the input
 * GBytes (g_bytes_new_from_bytes). Only base64 and the v3 binary frame type
 * byte force a new buffer. Inputs are never assumed to be nul-terminated.
 */
#include "sio-private.h"

#include <string.h>

#include "sio-engine-packet-private.h"
#include "sio-json-private.h"

/* The v4 payload record separator. */
#define RECORD_SEPARATOR 0x1e

/* The reference decoder gives up on v3 binary payload lengths with more
 * digits than this. */
#define MAX_BINARY_LENGTH_DIGITS 310

static GBytes *
empty_bytes (void)
{
  static GBytes *empty = NULL;

  if (g_once_init_enter (&empty))
    g_once_init_leave (&empty, g_bytes_new_static ("", 0));

  return g_bytes_ref (empty);
}

void
_sio_engine_packet_init (SioEnginePacket     *packet,
                         SioEnginePacketType  type,
                         gboolean             binary,
                         GBytes              *data)
{
  g_return_if_fail (packet != NULL);

  packet->type = type;
  packet->binary = binary;
  packet->data = data != NULL ? g_bytes_ref (data) : empty_bytes ();
}

void
_sio_engine_packet_init_text (SioEnginePacket     *packet,
                              SioEnginePacketType  type,
                              const char          *text,
                              gssize               len)
{
  g_return_if_fail (packet != NULL);

  if (text == NULL)
    len = 0;
  else if (len < 0)
    len = strlen (text);

  packet->type = type;
  packet->binary = FALSE;
  packet->data = len > 0 ? g_bytes_new (text, len) : empty_bytes ();
}

void
_sio_engine_packet_clear (SioEnginePacket *packet)
{
  if (packet == NULL)
    return;

  g_clear_pointer (&packet->data, g_bytes_unref);
}

/* Base64 (RFC 4648 alphabet). */

static const char base64_alphabet[] =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static inline int
base64_value (guchar c)
{
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 26;
  if (c >= '0' && c <= '9')
    return c - '0' + 52;
  if (c == '+')
    return 62;
  if (c == '/')
    return 63;
  return -1;
}

/* Strict decoder: only the standard alphabet, '=' only as final padding
 * (at most two, and then the length is a multiple of 4). Unpadded input is
 * accepted, as Node does; a lone trailing character is not. */
static GBytes *
base64_decode (const guchar  *in,
               gsize          len,
               GError       **error)
{
  gsize n = len;
  gsize out_len;
  guchar *out;
  guchar *o;
  gsize i;

  while (n > 0 && len - n < 2 && in[n - 1] == '=')
    n--;

  if ((n != len && len % 4 != 0) || n % 4 == 1)
    {
      g_set_error_literal (error, SIO_ERROR, SIO_ERROR_PROTOCOL,
                           _("Invalid base64 data in a binary Engine.IO packet: bad length or padding"));
      return NULL;
    }

  out_len = n / 4 * 3 + (n % 4 == 0 ? 0 : n % 4 - 1);
  out = g_malloc (out_len);
  o = out;

  for (i = 0; i < n; i += 4)
    {
      gsize group = MIN (4, n - i);
      guint32 v = 0;
      gsize k;

      for (k = 0; k < group; k++)
        {
          int d = base64_value (in[i + k]);

          if (d < 0)
            {
              g_free (out);
              g_set_error (error, SIO_ERROR, SIO_ERROR_PROTOCOL,
                           _("Invalid base64 data in a binary Engine.IO packet: unexpected character 0x%02x"),
                           in[i + k]);
              return NULL;
            }
          v |= (guint32) d << (18 - 6 * k);
        }

      *o++ = v >> 16;
      if (group > 2)
        *o++ = (v >> 8) & 0xff;
      if (group > 3)
        *o++ = v & 0xff;
    }

  g_assert ((gsize) (o - out) == out_len);

  return g_bytes_new_take (out, out_len);
}

static void
base64_append (GString      *out,
               const guchar *in,
               gsize         len)
{
  gsize start = out->len;
  char *o;
  gsize i;

  g_string_set_size (out, start + (len + 2) / 3 * 4);
  o = out->str + start;

  for (i = 0; i + 3 <= len; i += 3)
    {
      guint32 v = ((guint32) in[i] << 16) | ((guint32) in[i + 1] << 8) | in[i + 2];

      *o++ = base64_alphabet[v >> 18];
      *o++ = base64_alphabet[(v >> 12) & 0x3f];
      *o++ = base64_alphabet[(v >> 6) & 0x3f];
      *o++ = base64_alphabet[v & 0x3f];
    }

  if (i < len)
    {
      guint32 v = (guint32) in[i] << 16;

      if (i + 1 < len)
        v |= (guint32) in[i + 1] << 8;

      *o++ = base64_alphabet[v >> 18];
      *o++ = base64_alphabet[(v >> 12) & 0x3f];
      *o++ = i + 1 < len ? base64_alphabet[(v >> 6) & 0x3f] : '=';
      *o++ = '=';
    }
}

/* Decoding */

/* Decodes the text packet at @p (@len bytes, already known to be valid
 * UTF-8) inside @bytes. */
static gboolean
decode_text_packet (guint             eio,
                    GBytes           *bytes,
                    const guchar     *p,
                    gsize             len,
                    SioEnginePacket  *out,
                    GError          **error)
{
  const guchar *base = g_bytes_get_data (bytes, NULL);
  gsize skip;
  GBytes *data;

  if (len == 0)
    {
      g_set_error_literal (error, SIO_ERROR, SIO_ERROR_PROTOCOL,
                           _("Empty Engine.IO packet"));
      return FALSE;
    }

  if (p[0] == 'b')
    {
      /* base64 binary message: "b<base64>" in v4, "b4<base64>" in v3 */
      skip = 1;
      if (eio == 3)
        {
          if (len < 2 || p[1] != '0' + SIO_ENGINE_PACKET_MESSAGE)
            {
              g_set_error_literal (error, SIO_ERROR, SIO_ERROR_PROTOCOL,
                                   _("Invalid base64 Engine.IO packet: only a message can be binary"));
              return FALSE;
            }
          skip = 2;
        }

      data = base64_decode (p + skip, len - skip, error);
      if (data == NULL)
        return FALSE;

      out->type = SIO_ENGINE_PACKET_MESSAGE;
      out->binary = TRUE;
      out->data = data;
      return TRUE;
    }

  if (p[0] < '0' || p[0] > '0' + SIO_ENGINE_PACKET_NOOP)
    {
      g_set_error (error, SIO_ERROR, SIO_ERROR_PROTOCOL,
                   _("Unknown Engine.IO packet type 0x%02x"), p[0]);
      return FALSE;
    }

  out->type = p[0] - '0';
  out->binary = FALSE;
  out->data = g_bytes_new_from_bytes (bytes, p + 1 - base, len - 1);
  return TRUE;
}

static gboolean
validate_utf8 (const guchar  *p,
               gsize          len,
               GError       **error)
{
  if (!g_utf8_validate_len ((const char *) p, len, NULL))
    {
      g_set_error_literal (error, SIO_ERROR, SIO_ERROR_PROTOCOL,
                           _("Engine.IO text is not valid UTF-8"));
      return FALSE;
    }

  return TRUE;
}

static gboolean
decode_frame (guint             eio,
              gboolean          binary_frame,
              gboolean          utf8_checked,
              GBytes           *frame,
              SioEnginePacket  *out,
              GError          **error)
{
  gsize size;
  const guchar *p;

  g_return_val_if_fail (eio == 3 || eio == 4, FALSE);
  g_return_val_if_fail (frame != NULL, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  p = g_bytes_get_data (frame, &size);

  if (!binary_frame)
    return (utf8_checked || validate_utf8 (p, size, error)) &&
           decode_text_packet (eio, frame, p, size, out, error);

  if (eio == 4)
    {
      /* Raw message bytes; an empty frame is an empty binary message. */
      out->type = SIO_ENGINE_PACKET_MESSAGE;
      out->binary = TRUE;
      out->data = g_bytes_ref (frame);
      return TRUE;
    }

  if (size == 0)
    {
      g_set_error_literal (error, SIO_ERROR, SIO_ERROR_PROTOCOL,
                           _("Empty Engine.IO binary frame"));
      return FALSE;
    }

  if (p[0] != SIO_ENGINE_PACKET_MESSAGE)
    {
      g_set_error (error, SIO_ERROR, SIO_ERROR_PROTOCOL,
                   _("Invalid Engine.IO binary frame: type byte %u is not a message"),
                   p[0]);
      return FALSE;
    }

  out->type = SIO_ENGINE_PACKET_MESSAGE;
  out->binary = TRUE;
  out->data = g_bytes_new_from_bytes (frame, 1, size - 1);
  return TRUE;
}

gboolean
_sio_engine_packet_decode_frame (guint             eio,
                                 gboolean          binary_frame,
                                 GBytes           *frame,
                                 SioEnginePacket  *out,
                                 GError          **error)
{
  return decode_frame (eio, binary_frame, FALSE, frame, out, error);
}

gboolean
_sio_engine_packet_decode_ws_frame (guint             eio,
                                    gboolean          binary_frame,
                                    GBytes           *frame,
                                    SioEnginePacket  *out,
                                    GError          **error)
{
  return decode_frame (eio, binary_frame, TRUE, frame, out, error);
}

static gboolean
decode_payload_v4 (GBytes  *body,
                   GArray  *out,
                   GError **error)
{
  gsize size;
  const guchar *p = g_bytes_get_data (body, &size);
  const guchar *end;

  /* (an empty GBytes may hold NULL: no pointer arithmetic before this) */
  if (size == 0)
    {
      g_set_error_literal (error, SIO_ERROR, SIO_ERROR_PROTOCOL,
                           _("Empty Engine.IO payload"));
      return FALSE;
    }
  end = p + size;

  if (!validate_utf8 (p, size, error))
    return FALSE;

  for (;;)
    {
      const guchar *sep = memchr (p, RECORD_SEPARATOR, end - p);
      const guchar *record_end = sep != NULL ? sep : end;
      SioEnginePacket packet;

      if (record_end == p)
        {
          g_set_error_literal (error, SIO_ERROR, SIO_ERROR_PROTOCOL,
                               _("Empty record in an Engine.IO payload"));
          return FALSE;
        }

      if (!decode_text_packet (4, body, p, record_end - p, &packet, error))
        return FALSE;
      g_array_append_val (out, packet);

      if (sep == NULL)
        return TRUE;
      p = sep + 1;
    }
}

/* Length of the UTF-8 sequence starting with @c (valid UTF-8 assumed). */
static inline gsize
utf8_sequence_length (guchar c)
{
  if (c < 0x80)
    return 1;
  if (c < 0xe0)
    return 2;
  if (c < 0xf0)
    return 3;
  return 4;
}

static gboolean
decode_payload_v3_text (GBytes  *body,
                        GArray  *out,
                        GError **error)
{
  gsize size;
  const guchar *p = g_bytes_get_data (body, &size);
  const guchar *end;

  /* (an empty GBytes may hold NULL: no pointer arithmetic before this) */
  if (size == 0)
    {
      g_set_error_literal (error, SIO_ERROR, SIO_ERROR_PROTOCOL,
                           _("Empty Engine.IO payload"));
      return FALSE;
    }
  end = p + size;

  if (!validate_utf8 (p, size, error))
    return FALSE;

  while (p < end)
    {
      const guchar *start = p;
      const guchar *packet_end;
      gsize units = 0;
      gsize n = 0;

      /* A length in UTF-16 code units is never more than the byte count,
       * which also keeps the accumulation from overflowing. */
      while (p < end && g_ascii_isdigit (*p))
        {
          n = n * 10 + (*p++ - '0');
          if (n > size)
            {
              g_set_error_literal (error, SIO_ERROR, SIO_ERROR_PROTOCOL,
                                   _("Engine.IO payload length prefix exceeds the payload"));
              return FALSE;
            }
        }

      if (p == start || p == end || *p != ':')
        {
          g_set_error_literal (error, SIO_ERROR, SIO_ERROR_PROTOCOL,
                               _("Invalid length prefix in an Engine.IO payload"));
          return FALSE;
        }
      p++;

      packet_end = p;
      while (units < n && packet_end < end)
        {
          gsize seq = utf8_sequence_length (*packet_end);

          packet_end += seq;
          units += seq == 4 ? 2 : 1;
        }

      if (units != n)
        {
          g_set_error_literal (error, SIO_ERROR, SIO_ERROR_PROTOCOL,
                               _("Engine.IO payload length prefix does not match the packet"));
          return FALSE;
        }

      /* The reference decoder skips empty entries ("0:"). */
      if (packet_end > p)
        {
          SioEnginePacket packet;

          if (!decode_text_packet (3, body, p, packet_end - p, &packet, error))
            return FALSE;
          g_array_append_val (out, packet);
        }

      p = packet_end;
    }

  return TRUE;
}

static gboolean
decode_payload_v3_binary (GBytes  *body,
                          GArray  *out,
                          GError **error)
{
  gsize size;
  const guchar *base = g_bytes_get_data (body, &size);
  const guchar *p = base;
  const guchar *end;

  if (size == 0)
    {
      g_set_error_literal (error, SIO_ERROR, SIO_ERROR_PROTOCOL,
                           _("Empty Engine.IO payload"));
      return FALSE;
    }
  end = base + size;

  while (p < end)
    {
      SioEnginePacket packet;
      guchar kind = *p++;
      gsize n_digits = 0;
      gsize n = 0;

      if (kind > 1)
        {
          g_set_error (error, SIO_ERROR, SIO_ERROR_PROTOCOL,
                       _("Invalid Engine.IO binary payload: unknown packet kind %u"),
                       kind);
          return FALSE;
        }

      while (p < end && *p != 0xff)
        {
          if (*p > 9 || ++n_digits > MAX_BINARY_LENGTH_DIGITS)
            {
              g_set_error_literal (error, SIO_ERROR, SIO_ERROR_PROTOCOL,
                                   _("Invalid Engine.IO binary payload: bad length"));
              return FALSE;
            }
          n = n * 10 + *p++;
          if (n > size)
            break;
        }

      if (p == end || n_digits == 0 || n > (gsize) (end - p - 1))
        {
          g_set_error_literal (error, SIO_ERROR, SIO_ERROR_PROTOCOL,
                               _("Invalid Engine.IO binary payload: truncated or bad length"));
          return FALSE;
        }
      p++;

      if (n == 0)
        {
          g_set_error_literal (error, SIO_ERROR, SIO_ERROR_PROTOCOL,
                               _("Empty packet in an Engine.IO binary payload"));
          return FALSE;
        }

      if (kind == 0)
        {
          if (!validate_utf8 (p, n, error) ||
              !decode_text_packet (3, body, p, n, &packet, error))
            return FALSE;
        }
      else
        {
          if (*p != SIO_ENGINE_PACKET_MESSAGE)
            {
              g_set_error (error, SIO_ERROR, SIO_ERROR_PROTOCOL,
                           _("Invalid Engine.IO binary payload: type byte %u is not a message"),
                           *p);
              return FALSE;
            }
          packet.type = SIO_ENGINE_PACKET_MESSAGE;
          packet.binary = TRUE;
          packet.data = g_bytes_new_from_bytes (body, p + 1 - base, n - 1);
        }

      g_array_append_val (out, packet);
      p += n;
    }

  return TRUE;
}

gboolean
_sio_engine_payload_decode (guint     eio,
                            GBytes   *body,
                            gboolean  body_is_binary,
                            GArray   *out,
                            GError  **error)
{
  guint old_len;
  gboolean ok;

  g_return_val_if_fail (eio == 3 || eio == 4, FALSE);
  g_return_val_if_fail (body != NULL, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  old_len = out->len;

  if (eio == 4)
    ok = decode_payload_v4 (body, out, error);
  else if (body_is_binary)
    ok = decode_payload_v3_binary (body, out, error);
  else
    ok = decode_payload_v3_text (body, out, error);

  if (!ok)
    g_array_set_size (out, old_len);

  return ok;
}

/* Encoding */

GBytes *
_sio_engine_packet_encode_frame (guint                  eio,
                                 const SioEnginePacket *packet,
                                 gboolean              *binary_frame)
{
  gsize size;
  const guchar *data;
  guchar *frame;

  g_return_val_if_fail (eio == 3 || eio == 4, NULL);
  g_return_val_if_fail (packet != NULL && packet->data != NULL, NULL);
  g_return_val_if_fail (binary_frame != NULL, NULL);

  *binary_frame = packet->binary;

  if (packet->binary && eio == 4)
    return g_bytes_ref (packet->data);

  data = g_bytes_get_data (packet->data, &size);
  frame = g_malloc (size + 1);
  frame[0] = packet->binary ? SIO_ENGINE_PACKET_MESSAGE : '0' + packet->type;
  if (size > 0)
    memcpy (frame + 1, data, size);

  return g_bytes_new_take (frame, size + 1);
}

void
_sio_engine_packet_encode_text (guint                  eio,
                                const SioEnginePacket *packet,
                                GString               *out)
{
  gsize size;
  const guchar *data;

  g_return_if_fail (eio == 3 || eio == 4);
  g_return_if_fail (packet != NULL && packet->data != NULL);
  g_return_if_fail (out != NULL);

  data = g_bytes_get_data (packet->data, &size);

  if (packet->binary)
    {
      g_string_append_c (out, 'b');
      if (eio == 3)
        g_string_append_c (out, '0' + SIO_ENGINE_PACKET_MESSAGE);
      base64_append (out, data, size);
    }
  else
    {
      g_string_append_c (out, '0' + packet->type);
      g_string_append_len (out, (const char *) data, size);
    }
}

/* Length of the text form of @packet in UTF-16 code units (JS string
 * length), for the v3 length prefix. */
static gsize
text_form_utf16_length (const SioEnginePacket *packet)
{
  gsize size;
  const guchar *data = g_bytes_get_data (packet->data, &size);
  gsize units = 0;
  gsize i;

  if (packet->binary)
    return 2 + (size + 2) / 3 * 4;

  /* one unit per UTF-8 lead byte, two for 4-byte sequences */
  for (i = 0; i < size; i++)
    {
      if ((data[i] & 0xc0) != 0x80)
        units++;
      if (data[i] >= 0xf0)
        units++;
    }

  return 1 + units;
}

GBytes *
_sio_engine_payload_encode (guint                  eio,
                            const SioEnginePacket *packets,
                            guint                  n_packets)
{
  GString *out;
  guint i;

  g_return_val_if_fail (eio == 3 || eio == 4, NULL);
  g_return_val_if_fail (packets != NULL || n_packets == 0, NULL);

  out = g_string_sized_new (64);

  if (eio == 3 && n_packets == 0)
    g_string_append (out, "0:");

  for (i = 0; i < n_packets; i++)
    {
      if (eio == 4 && i > 0)
        g_string_append_c (out, RECORD_SEPARATOR);
      if (eio == 3)
        g_string_append_printf (out, "%" G_GSIZE_FORMAT ":",
                                text_form_utf16_length (&packets[i]));
      _sio_engine_packet_encode_text (eio, &packets[i], out);
    }

  return g_string_free_to_bytes (out);
}

GBytes *
_sio_engine_payload_encode_binary (const SioEnginePacket *packets,
                                   guint                  n_packets)
{
  GByteArray *out;
  guint i;

  g_return_val_if_fail (packets != NULL || n_packets == 0, NULL);

  out = g_byte_array_new ();

  for (i = 0; i < n_packets; i++)
    {
      const SioEnginePacket *packet = &packets[i];
      gsize size;
      const guint8 *data = g_bytes_get_data (packet->data, &size);
      char digits[32];
      guint8 type;
      gsize k;

      g_byte_array_append (out, (const guint8 *) (packet->binary ? "\1" : "\0"), 1);

      g_snprintf (digits, sizeof digits, "%" G_GSIZE_FORMAT, size + 1);
      for (k = 0; digits[k] != '\0'; k++)
        {
          guint8 d = digits[k] - '0';

          g_byte_array_append (out, &d, 1);
        }
      g_byte_array_append (out, (const guint8 *) "\xff", 1);

      type = packet->binary ? SIO_ENGINE_PACKET_MESSAGE : '0' + packet->type;
      g_byte_array_append (out, &type, 1);
      g_byte_array_append (out, data, size);
    }

  return g_byte_array_free_to_bytes (out);
}

/* Handshake */

/* Reads a non-negative integral JSON number no larger than @max. */
static gboolean
get_unsigned (JsonNode *node,
              guint64   max,
              guint64  *out)
{
  GType type;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;

  type = json_node_get_value_type (node);
  if (type == G_TYPE_INT64)
    {
      gint64 v = json_node_get_int (node);

      if (v < 0 || (guint64) v > max)
        return FALSE;
      *out = v;
      return TRUE;
    }
  if (type == G_TYPE_DOUBLE)
    {
      double d = json_node_get_double (node);

      /* 2^64 is the first double past G_MAXUINT64 */
      if (!(d >= 0 && d < 18446744073709551616.0) ||
          d != (double) (guint64) d || (guint64) d > max)
        return FALSE;
      *out = (guint64) d;
      return TRUE;
    }

  return FALSE;
}

static gboolean
get_timer (JsonObject  *object,
           const char  *name,
           guint       *out,
           GError     **error)
{
  guint64 v;

  if (!get_unsigned (json_object_get_member (object, name), G_MAXUINT, &v))
    {
      g_set_error (error, SIO_ERROR, SIO_ERROR_PROTOCOL,
                   _("Invalid Engine.IO handshake: “%s” is missing or not a non-negative integer"),
                   name);
      return FALSE;
    }

  *out = v;
  return TRUE;
}

gboolean
_sio_handshake_parse (const char    *data,
                      gsize          len,
                      SioHandshake  *out,
                      GError       **error)
{
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GPtrArray) upgrades = NULL;
  JsonObject *object;
  JsonNode *node;
  guint ping_interval;
  guint ping_timeout;
  guint64 max_payload = 0;

  g_return_val_if_fail (data != NULL || len == 0, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (len == 0)
    {
      g_set_error_literal (error, SIO_ERROR, SIO_ERROR_PROTOCOL,
                           _("Invalid Engine.IO handshake: the open packet has no data"));
      return FALSE;
    }

  root = _sio_json_parse (data, len, error);
  if (root == NULL)
    {
      g_prefix_error (error, "%s", _("Invalid Engine.IO handshake: "));
      return FALSE;
    }

  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error_literal (error, SIO_ERROR, SIO_ERROR_PROTOCOL,
                           _("Invalid Engine.IO handshake: not a JSON object"));
      return FALSE;
    }
  object = json_node_get_object (root);

  node = json_object_get_member (object, "sid");
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING ||
      json_node_get_string (node)[0] == '\0')
    {
      g_set_error_literal (error, SIO_ERROR, SIO_ERROR_PROTOCOL,
                           _("Invalid Engine.IO handshake: “sid” is missing or not a non-empty string"));
      return FALSE;
    }

  if (!get_timer (object, "pingInterval", &ping_interval, error) ||
      !get_timer (object, "pingTimeout", &ping_timeout, error))
    return FALSE;

  node = json_object_get_member (object, "maxPayload");
  if (node != NULL && !get_unsigned (node, G_MAXUINT64, &max_payload))
    {
      g_set_error_literal (error, SIO_ERROR, SIO_ERROR_PROTOCOL,
                           _("Invalid Engine.IO handshake: “maxPayload” is not a non-negative integer"));
      return FALSE;
    }

  upgrades = g_ptr_array_new_with_free_func (g_free);
  node = json_object_get_member (object, "upgrades");
  if (node != NULL)
    {
      JsonArray *array;
      guint i, n;

      if (!JSON_NODE_HOLDS_ARRAY (node))
        {
          g_set_error_literal (error, SIO_ERROR, SIO_ERROR_PROTOCOL,
                               _("Invalid Engine.IO handshake: “upgrades” is not an array"));
          return FALSE;
        }

      /* Entries that are not strings name nothing we could use: skip them. */
      array = json_node_get_array (node);
      n = json_array_get_length (array);
      for (i = 0; i < n; i++)
        {
          JsonNode *element = json_array_get_element (array, i);

          if (JSON_NODE_HOLDS_VALUE (element) &&
              json_node_get_value_type (element) == G_TYPE_STRING)
            g_ptr_array_add (upgrades, g_strdup (json_node_get_string (element)));
        }
    }
  g_ptr_array_add (upgrades, NULL);

  out->sid = g_strdup (json_object_get_string_member (object, "sid"));
  out->upgrades = (char **) g_ptr_array_free (g_steal_pointer (&upgrades), FALSE);
  out->ping_interval = ping_interval;
  out->ping_timeout = ping_timeout;
  out->max_payload = max_payload;

  return TRUE;
}

void
_sio_handshake_clear (SioHandshake *handshake)
{
  if (handshake == NULL)
    return;

  g_clear_pointer (&handshake->sid, g_free);
  g_clear_pointer (&handshake->upgrades, g_strfreev);
}
