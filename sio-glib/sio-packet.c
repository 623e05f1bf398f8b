/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Socket.IO v4 and v5 packet codec and binary reassembly (see
 * ../shared/protocol.md §2 and §3).
 *
 * The header is parsed in place; the JSON part goes straight to
 * _sio_json_parse(). v5 follows socket.io-parser 4.x, v4 socket.io-parser
 * 3.x, except where the reference is lax and the vectors recommend
 * rejecting (empty packet, whitespace as ack id, EVENT/ACK/CONNECT_ERROR
 * without payload, ack ids beyond 2^53-1).
 */
#include "sio-private.h"

#include <math.h>
#include <string.h>

#include "sio-json-private.h"
#include "sio-packet-private.h"

/* Largest integer a JS number holds exactly (Number.MAX_SAFE_INTEGER). */
#define MAX_ACK_ID G_GINT64_CONSTANT (9007199254740991)

/* Event names a v5 decoder refuses (socket.io-parser >= 4.2.4). */
static const char * const reserved_events[] = {
  "connect",
  "connect_error",
  "disconnect",
  "disconnecting",
  "newListener",
  "removeListener",
};

/* For error messages. */
static const char * const type_names[] = {
  "CONNECT",
  "DISCONNECT",
  "EVENT",
  "ACK",
  "CONNECT_ERROR",
  "BINARY_EVENT",
  "BINARY_ACK",
};

/* The namespace of decoded packets that name none: shared, not copied. */
static const char root_nsp[] = "/";

SioPacket *
_sio_packet_new (SioPacketType  type,
                 const char    *nsp)
{
  SioPacket *packet = g_new0 (SioPacket, 1);

  packet->type = type;
  packet->nsp = g_strdup (nsp != NULL ? nsp : "/");
  packet->id = -1;

  return packet;
}

void
_sio_packet_free (SioPacket *packet)
{
  if (packet == NULL)
    return;

  if (packet->nsp != root_nsp)
    g_free (packet->nsp);
  g_clear_pointer (&packet->data, json_node_unref);
  g_clear_pointer (&packet->attachments, g_ptr_array_unref);
  g_free (packet);
}

static inline gboolean
is_binary_type (SioPacketType type)
{
  return type == SIO_PACKET_BINARY_EVENT || type == SIO_PACKET_BINARY_ACK;
}

void
_sio_packet_encode (guint            sio,
                    const SioPacket *packet,
                    GString         *out)
{
  g_return_if_fail (sio == 4 || sio == 5);
  g_return_if_fail (packet != NULL);
  g_return_if_fail (out != NULL);

  g_string_append_c (out, '0' + packet->type);

  if (is_binary_type (packet->type))
    {
      _sio_json_write_int (out, packet->n_attachments);
      g_string_append_c (out, '-');
    }

  if (packet->nsp != NULL && strcmp (packet->nsp, "/") != 0)
    {
      g_string_append (out, packet->nsp);
      g_string_append_c (out, ',');
    }

  if (packet->id >= 0)
    _sio_json_write_int (out, packet->id);

  /* NULL is an absent payload; a JSON null node is written as "null" so
   * that whatever decodes encodes back the same. */
  if (packet->data != NULL)
    _sio_json_write (out, packet->data);
}

static inline gboolean
is_number (JsonNode *node)
{
  GType type;

  if (!JSON_NODE_HOLDS_VALUE (node))
    return FALSE;

  type = json_node_get_value_type (node);
  return type == G_TYPE_INT64 || type == G_TYPE_DOUBLE;
}

static inline gboolean
is_string (JsonNode *node)
{
  return JSON_NODE_HOLDS_VALUE (node) &&
         json_node_get_value_type (node) == G_TYPE_STRING;
}

static gboolean
is_reserved_event (const char *name)
{
  gsize i;

  /* once per incoming event: skip the string compares unless the name
   * starts like one of them ("co", "di", "ne", "re") */
  switch (name[0])
    {
    case 'c':
      if (name[1] != 'o')
        return FALSE;
      break;
    case 'd':
      if (name[1] != 'i')
        return FALSE;
      break;
    case 'n':
    case 'r':
      if (name[1] != 'e')
        return FALSE;
      break;
    default:
      return FALSE;
    }

  for (i = 0; i < G_N_ELEMENTS (reserved_events); i++)
    if (strcmp (name, reserved_events[i]) == 0)
      return TRUE;

  return FALSE;
}

/* EVENT payload: a non-empty array whose first element is a finite number
 * or a string (v5: not a reserved name). */
static gboolean
is_valid_event (guint     sio,
                JsonNode *data)
{
  JsonArray *array;
  JsonNode *name;

  if (!JSON_NODE_HOLDS_ARRAY (data))
    return FALSE;

  array = json_node_get_array (data);
  if (json_array_get_length (array) == 0)
    return FALSE;

  /* A number too large for a double (1e999) parses as an infinity, which
   * JSON can only write back as null: not a usable name. */
  name = json_array_get_element (array, 0);
  if (is_number (name))
    return json_node_get_value_type (name) == G_TYPE_INT64 ||
           isfinite (json_node_get_double (name));
  if (!is_string (name))
    return FALSE;

  return sio == 4 || !is_reserved_event (json_node_get_string (name));
}

/* The per-type payload check of §2.1; @data is NULL when absent. */
static gboolean
is_valid_payload (guint          sio,
                  SioPacketType  type,
                  JsonNode      *data)
{
  switch (type)
    {
    case SIO_PACKET_CONNECT:
      /* v5: optional plain object; v4 (3.x): anything typeof "object" */
      if (data == NULL || JSON_NODE_HOLDS_OBJECT (data))
        return TRUE;
      return sio == 4 && (JSON_NODE_HOLDS_ARRAY (data) || JSON_NODE_HOLDS_NULL (data));

    case SIO_PACKET_DISCONNECT:
      return data == NULL;

    case SIO_PACKET_EVENT:
    case SIO_PACKET_BINARY_EVENT:
      return data != NULL && is_valid_event (sio, data);

    case SIO_PACKET_ACK:
    case SIO_PACKET_BINARY_ACK:
      return data != NULL && JSON_NODE_HOLDS_ARRAY (data);

    case SIO_PACKET_CONNECT_ERROR:
      /* v5: object or string; v4 (3.x): string or typeof "object" */
      if (data == NULL)
        return FALSE;
      if (is_string (data) || JSON_NODE_HOLDS_OBJECT (data))
        return TRUE;
      return sio == 4 && (JSON_NODE_HOLDS_ARRAY (data) || JSON_NODE_HOLDS_NULL (data));

    default:
      g_assert_not_reached ();
    }

  return FALSE;
}

gboolean
_sio_packet_decode (guint                   sio,
                    const char             *data,
                    gsize                   len,
                    const SioPacketLimits  *limits,
                    SioPacket             **out,
                    GError                **error)
{
  static const SioPacketLimits default_limits = SIO_PACKET_LIMITS_INIT;
  const char *p = data;
  const char *end;
  SioPacketType type;
  guint n_attachments = 0;
  const char *nsp = NULL;
  gsize nsp_len = 0;
  gint64 id = -1;
  JsonNode *payload = NULL;
  SioPacket *packet;

  g_return_val_if_fail (sio == 4 || sio == 5, FALSE);
  g_return_val_if_fail (data != NULL || len == 0, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (limits == NULL)
    limits = &default_limits;

  if (len == 0)
    {
      g_set_error_literal (error, SIO_ERROR, SIO_ERROR_PROTOCOL,
                           _("Empty Socket.IO packet"));
      return FALSE;
    }
  end = data + len;

  if (*p < '0' || *p > '0' + SIO_PACKET_BINARY_ACK)
    {
      g_set_error (error, SIO_ERROR, SIO_ERROR_PROTOCOL,
                   _("Unknown Socket.IO packet type 0x%02x"), (guchar) *p);
      return FALSE;
    }
  type = *p++ - '0';

  if (is_binary_type (type))
    {
      const char *digits = p;
      guint64 n = 0;

      for (; p < end && g_ascii_isdigit (*p); p++)
        {
          n = n * 10 + (*p - '0');
          if (n > limits->max_attachments)
            n = (guint64) limits->max_attachments + 1; /* saturate */
        }

      if (p == digits || p == end || *p != '-' || n == 0)
        {
          g_set_error_literal (error, SIO_ERROR, SIO_ERROR_PROTOCOL,
                               _("Illegal attachment count in a binary Socket.IO packet"));
          return FALSE;
        }
      if (n > limits->max_attachments)
        {
          g_set_error (error, SIO_ERROR, SIO_ERROR_PROTOCOL,
                       _("Too many attachments in a binary Socket.IO packet (limit %u)"),
                       limits->max_attachments);
          return FALSE;
        }
      n_attachments = n;
      p++;
    }

  if (p < end && *p == '/')
    {
      const char *comma = memchr (p, ',', end - p);

      nsp = p;
      nsp_len = (comma != NULL ? comma : end) - p;
      p = comma != NULL ? comma + 1 : end;

      if (!g_utf8_validate_len (nsp, nsp_len, NULL))
        {
          g_set_error_literal (error, SIO_ERROR, SIO_ERROR_PROTOCOL,
                               _("Invalid Socket.IO namespace: not valid UTF-8"));
          return FALSE;
        }
    }

  if (p < end && g_ascii_isdigit (*p))
    {
      id = 0;
      for (; p < end && g_ascii_isdigit (*p); p++)
        {
          int d = *p - '0';

          if (id > (MAX_ACK_ID - d) / 10)
            {
              g_set_error_literal (error, SIO_ERROR, SIO_ERROR_PROTOCOL,
                                   _("Socket.IO ack id is too large"));
              return FALSE;
            }
          id = id * 10 + d;
        }
    }

  if (p < end)
    {
      /* JSON would allow it, but here it is junk (the reference reads a
       * space as ack id 0). */
      if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
        {
          g_set_error_literal (error, SIO_ERROR, SIO_ERROR_PROTOCOL,
                               _("Invalid Socket.IO packet: whitespace before the payload"));
          return FALSE;
        }

      payload = _sio_json_parse (p, end - p, error);
      if (payload == NULL)
        {
          g_prefix_error (error, "%s", _("Invalid Socket.IO packet payload: "));
          return FALSE;
        }
    }

  if (!is_valid_payload (sio, type, payload))
    {
      if (payload == NULL)
        g_set_error (error, SIO_ERROR, SIO_ERROR_PROTOCOL,
                     _("Invalid Socket.IO %s packet: the payload is missing"),
                     type_names[type]);
      else
        g_set_error (error, SIO_ERROR, SIO_ERROR_PROTOCOL,
                     _("Invalid payload for a Socket.IO %s packet"),
                     type_names[type]);
      g_clear_pointer (&payload, json_node_unref);
      return FALSE;
    }

  packet = g_new0 (SioPacket, 1);
  packet->type = type;
  packet->nsp = nsp != NULL ? g_strndup (nsp, nsp_len) : (char *) root_nsp;
  packet->id = id;
  packet->data = payload;
  packet->n_attachments = n_attachments;
  *out = packet;

  return TRUE;
}

/* Placeholders */

static gboolean
check_placeholder_num (JsonNode *num,
                       guint     n_attachments)
{
  GType type;

  if (num == NULL || !JSON_NODE_HOLDS_VALUE (num))
    return FALSE;

  type = json_node_get_value_type (num);
  if (type == G_TYPE_INT64)
    {
      gint64 v = json_node_get_int (num);

      return v >= 0 && v < n_attachments;
    }
  if (type == G_TYPE_DOUBLE)
    {
      /* e.g. 0.0 or 1e0: the same number as 0 or 1 for JavaScript */
      double d = json_node_get_double (num);

      return d >= 0 && d < n_attachments && d == (double) (guint) d;
    }

  return FALSE;
}

static gboolean
is_placeholder (JsonObject *object)
{
  JsonNode *flag = json_object_get_member (object, "_placeholder");

  return flag != NULL && JSON_NODE_HOLDS_VALUE (flag) &&
         json_node_get_value_type (flag) == G_TYPE_BOOLEAN &&
         json_node_get_boolean (flag);
}

gboolean
_sio_packet_check_placeholders (JsonNode  *node,
                                guint      n_attachments,
                                GError   **error)
{
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (node == NULL)
    return TRUE;

  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *object = json_node_get_object (node);
      JsonObjectIter iter;
      JsonNode *member;

      /* Like the reference, a placeholder is replaced whole: its other
       * members are not looked into. */
      if (is_placeholder (object))
        {
          if (!check_placeholder_num (json_object_get_member (object, "num"), n_attachments))
            {
              g_set_error (error, SIO_ERROR, SIO_ERROR_PROTOCOL,
                           _("Illegal attachments: a placeholder does not name one of the %u attachments"),
                           n_attachments);
              return FALSE;
            }
          return TRUE;
        }

      json_object_iter_init (&iter, object);
      while (json_object_iter_next (&iter, NULL, &member))
        if (!_sio_packet_check_placeholders (member, n_attachments, error))
          return FALSE;
    }
  else if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);
      guint i, n = json_array_get_length (array);

      for (i = 0; i < n; i++)
        if (!_sio_packet_check_placeholders (json_array_get_element (array, i),
                                             n_attachments, error))
          return FALSE;
    }

  return TRUE;
}

/* Reassembly */

struct _SioPacketDecoder
{
  /* Socket.IO revision, 4 or 5, for _sio_packet_decode() */
  guint            sio;
  /* limits given at creation */
  SioPacketLimits  limits;
  /* BINARY_* packet whose attachments are being collected, or NULL */
  SioPacket       *pending;
};

SioPacketDecoder *
_sio_packet_decoder_new (guint                  sio,
                         const SioPacketLimits *limits)
{
  static const SioPacketLimits default_limits = SIO_PACKET_LIMITS_INIT;
  SioPacketDecoder *decoder;

  g_return_val_if_fail (sio == 4 || sio == 5, NULL);

  decoder = g_new0 (SioPacketDecoder, 1);
  decoder->sio = sio;
  decoder->limits = limits != NULL ? *limits : default_limits;

  return decoder;
}

void
_sio_packet_decoder_free (SioPacketDecoder *decoder)
{
  if (decoder == NULL)
    return;

  _sio_packet_decoder_reset (decoder);
  g_free (decoder);
}

void
_sio_packet_decoder_reset (SioPacketDecoder *decoder)
{
  g_return_if_fail (decoder != NULL);

  g_clear_pointer (&decoder->pending, _sio_packet_free);
}

gboolean
_sio_packet_decoder_is_waiting (SioPacketDecoder *decoder)
{
  g_return_val_if_fail (decoder != NULL, FALSE);

  return decoder->pending != NULL;
}

gboolean
_sio_packet_decoder_feed_text (SioPacketDecoder  *decoder,
                               const char        *data,
                               gsize              len,
                               SioPacket        **out,
                               GError           **error)
{
  SioPacket *packet = NULL;

  g_return_val_if_fail (decoder != NULL, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  *out = NULL;

  if (decoder->pending != NULL)
    {
      g_set_error_literal (error, SIO_ERROR, SIO_ERROR_PROTOCOL,
                           _("Got a text Socket.IO packet while binary attachments were expected"));
      _sio_packet_decoder_reset (decoder);
      return FALSE;
    }

  if (!_sio_packet_decode (decoder->sio, data, len, &decoder->limits, &packet, error))
    return FALSE;

  if (is_binary_type (packet->type))
    {
      packet->attachments = g_ptr_array_new_full (packet->n_attachments,
                                                  (GDestroyNotify) g_bytes_unref);
      decoder->pending = packet;
      return TRUE;
    }

  *out = packet;
  return TRUE;
}

gboolean
_sio_packet_decoder_feed_binary (SioPacketDecoder  *decoder,
                                 GBytes            *data,
                                 SioPacket        **out,
                                 GError           **error)
{
  SioPacket *packet;

  g_return_val_if_fail (decoder != NULL, FALSE);
  g_return_val_if_fail (data != NULL, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  *out = NULL;
  packet = decoder->pending;

  if (packet == NULL)
    {
      g_set_error_literal (error, SIO_ERROR, SIO_ERROR_PROTOCOL,
                           _("Got a binary Socket.IO attachment while none was expected"));
      return FALSE;
    }

  g_ptr_array_add (packet->attachments, g_bytes_ref (data));
  if (packet->attachments->len < packet->n_attachments)
    return TRUE;

  decoder->pending = NULL;
  if (!_sio_packet_check_placeholders (packet->data, packet->n_attachments, error))
    {
      _sio_packet_free (packet);
      return FALSE;
    }

  *out = packet;
  return TRUE;
}
