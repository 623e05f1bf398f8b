/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Runs every vector of tests/data/engineio.json and tests/data/socketio.json
 * (see their "conventions" key and ../shared/protocol.md §4) through the
 * wire codecs, one GTest case per vector: /sio/vectors/<id>.
 *
 * A vector that this runner does not know how to check (unknown key, kind,
 * direction, option or shape) fails: nothing is skipped silently.
 *
 * The vector files are read with json-glib's own JsonParser, independently
 * of the sio-json code under test.
 */
#include "sio-private.h"

#include <string.h>

#include "sio-engine-packet-private.h"
#include "sio-packet-private.h"

typedef struct
{
  gboolean    engine;  /* from engineio.json, else socketio.json */
  JsonObject *vector;
} Vector;

static void
vector_free (gpointer data)
{
  Vector *v = data;

  json_object_unref (v->vector);
  g_free (v);
}

/* Helpers */

static GBytes *
bytes_from_hex (const char *hex)
{
  gsize len = strlen (hex);
  guint8 *buf;
  gsize i;

  g_assert_cmpuint (len % 2, ==, 0);
  buf = g_malloc (len / 2 + 1);
  for (i = 0; i < len / 2; i++)
    {
      int hi = g_ascii_xdigit_value (hex[2 * i]);
      int lo = g_ascii_xdigit_value (hex[2 * i + 1]);

      g_assert_cmpint (hi, >=, 0);
      g_assert_cmpint (lo, >=, 0);
      buf[i] = hi << 4 | lo;
    }

  return g_bytes_new_take (buf, len / 2);
}

static char *
hex_from_bytes (GBytes *bytes)
{
  gsize size;
  const guint8 *data = g_bytes_get_data (bytes, &size);
  GString *s = g_string_sized_new (size * 2 + 1);
  gsize i;

  for (i = 0; i < size; i++)
    g_string_append_printf (s, "%02x", data[i]);

  return g_string_free (s, FALSE);
}

static void
assert_bytes_equal (GBytes *actual,
                    GBytes *expected)
{
  g_autofree char *a = hex_from_bytes (actual);
  g_autofree char *e = hex_from_bytes (expected);

  g_assert_cmpstr (a, ==, e);
}

/* Fails the test if @object has a key outside @known. */
static void
check_keys (JsonObject         *object,
            const char * const *known)
{
  JsonObjectIter iter;
  const char *name;

  json_object_iter_init (&iter, object);
  while (json_object_iter_next (&iter, &name, NULL))
    {
      if (!g_strv_contains (known, name))
        {
          g_test_message ("the runner does not know the key “%s”", name);
          g_test_fail ();
        }
    }
}

static const char *
get_string (JsonObject *object,
            const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL)
    return NULL;
  g_assert_true (JSON_NODE_HOLDS_VALUE (node));
  g_assert_true (json_node_get_value_type (node) == G_TYPE_STRING);
  return json_node_get_string (node);
}

static gboolean
get_bool (JsonObject *object,
          const char *name,
          gboolean    default_value)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL)
    return default_value;
  g_assert_true (JSON_NODE_HOLDS_VALUE (node));
  g_assert_true (json_node_get_value_type (node) == G_TYPE_BOOLEAN);
  return json_node_get_boolean (node);
}

/* {"$hex": "..."} */
static const char *
hex_of (JsonNode *node)
{
  JsonObject *object;
  JsonNode *hex;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  object = json_node_get_object (node);
  hex = json_object_get_member (object, "$hex");
  if (hex == NULL || json_object_get_size (object) != 1 || !JSON_NODE_HOLDS_VALUE (hex))
    return NULL;
  return json_node_get_string (hex);
}

/* JSON equality; member order matters; integers and doubles compare by
 * value (the two parsers may pick different representations). */
static gboolean
json_equal (JsonNode *a,
            JsonNode *b)
{
  if (a == NULL || b == NULL)
    return a == b;

  if (JSON_NODE_TYPE (a) != JSON_NODE_TYPE (b))
    return FALSE;

  switch (JSON_NODE_TYPE (a))
    {
    case JSON_NODE_NULL:
      return TRUE;

    case JSON_NODE_VALUE:
      {
        GType ta = json_node_get_value_type (a);
        GType tb = json_node_get_value_type (b);
        gboolean na = ta == G_TYPE_INT64 || ta == G_TYPE_DOUBLE;
        gboolean nb = tb == G_TYPE_INT64 || tb == G_TYPE_DOUBLE;

        if (na && nb)
          {
            if (ta == G_TYPE_INT64 && tb == G_TYPE_INT64)
              return json_node_get_int (a) == json_node_get_int (b);
            return json_node_get_double (a) == json_node_get_double (b);
          }
        if (ta != tb)
          return FALSE;
        if (ta == G_TYPE_STRING)
          return g_strcmp0 (json_node_get_string (a), json_node_get_string (b)) == 0;
        if (ta == G_TYPE_BOOLEAN)
          return json_node_get_boolean (a) == json_node_get_boolean (b);
        return FALSE;
      }

    case JSON_NODE_ARRAY:
      {
        JsonArray *aa = json_node_get_array (a);
        JsonArray *ab = json_node_get_array (b);
        guint i, n = json_array_get_length (aa);

        if (n != json_array_get_length (ab))
          return FALSE;
        for (i = 0; i < n; i++)
          if (!json_equal (json_array_get_element (aa, i), json_array_get_element (ab, i)))
            return FALSE;
        return TRUE;
      }

    case JSON_NODE_OBJECT:
      {
        JsonObject *oa = json_node_get_object (a);
        JsonObject *ob = json_node_get_object (b);
        g_autoptr(GList) ma = json_object_get_members (oa);
        g_autoptr(GList) mb = json_object_get_members (ob);
        GList *la, *lb;

        for (la = ma, lb = mb; la != NULL && lb != NULL; la = la->next, lb = lb->next)
          {
            if (strcmp (la->data, lb->data) != 0)
              return FALSE;
            if (!json_equal (json_object_get_member (oa, la->data),
                             json_object_get_member (ob, lb->data)))
              return FALSE;
          }
        return la == NULL && lb == NULL;
      }

    default:
      return FALSE;
    }
}

static void
assert_json_equal (JsonNode *actual,
                   JsonNode *expected)
{
  if (!json_equal (actual, expected))
    {
      g_autofree char *a = actual != NULL ? json_to_string (actual, FALSE) : g_strdup ("(none)");
      g_autofree char *e = expected != NULL ? json_to_string (expected, FALSE) : g_strdup ("(none)");

      g_test_message ("JSON differs: got %s, expected %s", a, e);
      g_test_fail ();
    }
}

/* Engine.IO */

static SioEnginePacketType
engine_type_from_name (const char *name)
{
  static const char * const names[] = {
    "open", "close", "ping", "pong", "message", "upgrade", "noop",
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (names); i++)
    if (g_strcmp0 (name, names[i]) == 0)
      return i;

  g_test_message ("unknown Engine.IO packet type name “%s”", name);
  g_test_fail ();
  return SIO_ENGINE_PACKET_NOOP;
}

/* Builds the expected packets of a vector's "packets" (or accepted quirk's
 * "reference_result") list. */
static GArray *
engine_expected_packets (JsonArray *list)
{
  GArray *packets = g_array_new (FALSE, TRUE, sizeof (SioEnginePacket));
  guint i;

  g_array_set_clear_func (packets, (GDestroyNotify) _sio_engine_packet_clear);

  for (i = 0; i < json_array_get_length (list); i++)
    {
      static const char * const keys[] = { "type", "data", NULL };
      JsonObject *object = json_array_get_object_element (list, i);
      JsonNode *data = json_object_get_member (object, "data");
      SioEnginePacketType type;
      SioEnginePacket packet;

      check_keys (object, keys);
      type = engine_type_from_name (get_string (object, "type"));

      if (data == NULL)
        _sio_engine_packet_init (&packet, type, FALSE, NULL);
      else if (hex_of (data) != NULL)
        {
          g_autoptr(GBytes) bytes = bytes_from_hex (hex_of (data));

          _sio_engine_packet_init (&packet, type, TRUE, bytes);
        }
      else
        _sio_engine_packet_init_text (&packet, type, get_string (object, "data"), -1);

      g_array_append_val (packets, packet);
    }

  return packets;
}

static void
assert_engine_packet_equal (const SioEnginePacket *actual,
                            const SioEnginePacket *expected)
{
  g_assert_cmpint (actual->type, ==, expected->type);
  g_assert_cmpint (actual->binary, ==, expected->binary);
  assert_bytes_equal (actual->data, expected->data);

  /* the server's handshake must also pass the handshake parser */
  if (actual->type == SIO_ENGINE_PACKET_OPEN && g_bytes_get_size (actual->data) > 0)
    {
      g_autoptr(GError) error = NULL;
      SioHandshake handshake = { 0 };
      gsize size;
      const char *json = g_bytes_get_data (actual->data, &size);

      g_assert_true (_sio_handshake_parse (json, size, &handshake, &error));
      g_assert_no_error (error);
      g_assert_cmpstr (handshake.sid, !=, "");
      _sio_handshake_clear (&handshake);
    }
}

static GArray *
new_packet_array (void)
{
  GArray *packets = g_array_new (FALSE, TRUE, sizeof (SioEnginePacket));

  g_array_set_clear_func (packets, (GDestroyNotify) _sio_engine_packet_clear);
  return packets;
}

/*
 * WebTransport (Engine.IO 4.1, eio4-wt-*): each packet on the stream is
 * preceded by a length header (bit 7 of the first byte = binary; length in
 * the low 7 bits, or 126 + 16-bit / 127 + 64-bit big-endian length).
 * sio-glib has no WebTransport transport (libsoup offers none), so the codec
 * has no such framing: this framing belongs to a transport, not to the
 * packet codec. What the vectors can honestly check is that the bytes
 * inside the framing are exactly a v4 WebSocket frame of our codec, in both
 * directions. The tiny header parse/build lives here in the test.
 */
static GBytes *
webtransport_unframe (GBytes   *stream,
                      gboolean *binary)
{
  gsize size;
  const guint8 *p = g_bytes_get_data (stream, &size);
  guint64 length;
  gsize header;
  gsize i;

  g_assert_cmpuint (size, >=, 1);
  *binary = (p[0] & 0x80) != 0;
  length = p[0] & 0x7f;
  header = 1;
  if (length == 126 || length == 127)
    {
      gsize n = length == 126 ? 2 : 8;

      g_assert_cmpuint (size, >=, 1 + n);
      for (length = 0, i = 0; i < n; i++)
        length = length << 8 | p[1 + i];
      header += n;
    }
  g_assert_cmpuint (size - header, ==, length);

  return g_bytes_new_from_bytes (stream, header, length);
}

static GBytes *
webtransport_frame (GBytes   *frame,
                    gboolean  binary)
{
  gsize size = g_bytes_get_size (frame);
  GByteArray *out = g_byte_array_new ();
  guint8 header[9];
  gsize n = 1;
  gsize i;

  if (size < 126)
    header[0] = size;
  else if (size < 65536)
    {
      header[0] = 126;
      header[1] = size >> 8;
      header[2] = size & 0xff;
      n = 3;
    }
  else
    {
      header[0] = 127;
      for (i = 0; i < 8; i++)
        header[1 + i] = ((guint64) size >> (8 * (7 - i))) & 0xff;
      n = 9;
    }
  if (binary)
    header[0] |= 0x80;

  g_byte_array_append (out, header, n);
  g_byte_array_append (out, g_bytes_get_data (frame, NULL), size);
  return g_byte_array_free_to_bytes (out);
}

static void run_wire_vector (JsonObject *vector,
                             guint       eio);

static void
run_engine_vector (JsonObject *vector)
{
  static const char * const keys[] = {
    "id", "engineio", "kind", "transport", "description", "packets",
    "encoded", "encoded_hex", "encoded_is_binary", "content_type", "options",
    "valid", "decoded", "quirk", "recommended", "reference_result", "frames",
    "source", "verified_with", "note", NULL,
  };
  g_autoptr(GBytes) input = NULL;
  g_autoptr(GArray) expected = NULL;
  g_autoptr(GArray) decoded = new_packet_array ();
  g_autoptr(GError) error = NULL;
  const char *kind = get_string (vector, "kind");
  const char *transport = get_string (vector, "transport");
  guint eio = json_object_get_int_member (vector, "engineio");
  gboolean valid = get_bool (vector, "valid", TRUE);
  gboolean quirk = get_bool (vector, "quirk", FALSE);
  gboolean input_is_binary = get_bool (vector, "encoded_is_binary", FALSE);
  JsonNode *options = json_object_get_member (vector, "options");
  gboolean ok;
  guint i;

  check_keys (vector, keys);
  g_assert_true (eio == 3 || eio == 4);

  if (options != NULL)
    {
      static const char * const option_keys[] = { "supportsBinary", NULL };

      check_keys (json_node_get_object (options), option_keys);
    }

  if (g_strcmp0 (kind, "wire") == 0)
    {
      run_wire_vector (vector, eio);
      return;
    }

  if (quirk)
    {
      const char *recommended = get_string (vector, "recommended");

      /* what we do is "recommended"; it must agree with "valid" */
      g_assert_nonnull (recommended);
      g_assert_cmpstr (recommended, ==, valid ? "accept" : "reject");
    }

  if (json_object_has_member (vector, "encoded_hex"))
    {
      g_assert_true (input_is_binary);
      g_assert_false (json_object_has_member (vector, "encoded"));
      input = bytes_from_hex (get_string (vector, "encoded_hex"));
    }
  else
    {
      const char *encoded = get_string (vector, "encoded");

      g_assert_nonnull (encoded);
      g_assert_false (input_is_binary);
      input = g_bytes_new (encoded, strlen (encoded));
    }

  if (valid)
    {
      if (json_object_has_member (vector, "packets"))
        expected = engine_expected_packets (json_object_get_array_member (vector, "packets"));
      else
        {
          /* an accepted quirk: the reference result is what we do too */
          g_assert_true (quirk);
          expected = engine_expected_packets (json_object_get_array_member (vector, "reference_result"));
        }
    }

  if (g_strcmp0 (kind, "packet") == 0)
    {
      SioEnginePacket packet = { 0 };
      gboolean binary_frame;
      g_autoptr(GBytes) frame = NULL;

      if (valid)
        g_assert_cmpuint (expected->len, ==, 1);

      if (g_strcmp0 (transport, "webtransport") == 0)
        {
          g_assert_true (input_is_binary);
          frame = webtransport_unframe (input, &binary_frame);
        }
      else
        {
          /* Bytes given as hex are a binary frame when they carry binary
           * data; eio3-pkt-utf8encode lists the UTF-8 bytes of a text
           * packet. */
          frame = g_bytes_ref (input);
          binary_frame = input_is_binary &&
                         (!valid || g_array_index (expected, SioEnginePacket, 0).binary);
        }

      ok = _sio_engine_packet_decode_frame (eio, binary_frame, frame, &packet, &error);
      if (!valid)
        {
          g_assert_error (error, SIO_ERROR, SIO_ERROR_PROTOCOL);
          g_assert_false (ok);
          return;
        }
      g_assert_no_error (error);
      g_assert_true (ok);
      assert_engine_packet_equal (&packet, &g_array_index (expected, SioEnginePacket, 0));
      _sio_engine_packet_clear (&packet);

      /* encode the expected packet */
      {
        const SioEnginePacket *e = &g_array_index (expected, SioEnginePacket, 0);
        gboolean out_binary;
        g_autoptr(GBytes) out = _sio_engine_packet_encode_frame (eio, e, &out_binary);
        g_autoptr(GString) text = g_string_new (NULL);

        if (e->binary && !binary_frame)
          {
            /* binary in a text form: "b[4]<base64>" */
            g_autoptr(GBytes) t = NULL;

            _sio_engine_packet_encode_text (eio, e, text);
            t = g_bytes_new (text->str, text->len);
            assert_bytes_equal (t, frame);
          }
        else if (g_strcmp0 (transport, "webtransport") == 0)
          {
            g_autoptr(GBytes) framed = webtransport_frame (out, out_binary);

            g_assert_cmpint (out_binary, ==, binary_frame);
            assert_bytes_equal (framed, input);
          }
        else
          {
            g_assert_cmpint (out_binary, ==, binary_frame);
            assert_bytes_equal (out, frame);
            if (!e->binary)
              {
                g_autoptr(GBytes) t = NULL;

                _sio_engine_packet_encode_text (eio, e, text);
                t = g_bytes_new (text->str, text->len);
                assert_bytes_equal (t, frame);
              }
          }
      }
      return;
    }

  g_assert_cmpstr (kind, ==, "payload");
  g_assert_cmpstr (transport, ==, "polling");

  /* the XHR2 binary payload form (v3) arrives as application/octet-stream */
  if (input_is_binary)
    g_assert_cmpint (eio, ==, 3);
  if (json_object_has_member (vector, "content_type"))
    g_assert_cmpint (input_is_binary, ==,
                     g_strcmp0 (get_string (vector, "content_type"), "application/octet-stream") == 0);

  ok = _sio_engine_payload_decode (eio, input, input_is_binary, decoded, &error);
  if (!valid)
    {
      g_assert_error (error, SIO_ERROR, SIO_ERROR_PROTOCOL);
      g_assert_false (ok);
      g_assert_cmpuint (decoded->len, ==, 0);
      return;
    }
  g_assert_no_error (error);
  g_assert_true (ok);
  g_assert_cmpuint (decoded->len, ==, expected->len);
  for (i = 0; i < decoded->len; i++)
    assert_engine_packet_equal (&g_array_index (decoded, SioEnginePacket, i),
                                &g_array_index (expected, SioEnginePacket, i));

  /* Encode the expected packets. Quirk vectors record a non-canonical input
   * the decoder tolerates ("bAQ"); for them, check that our canonical
   * encoding decodes to the same packets instead. */
  {
    g_autoptr(GBytes) out = NULL;
    g_autoptr(GArray) again = new_packet_array ();

    if (input_is_binary)
      {
        g_assert_true (get_bool (json_node_get_object (options), "supportsBinary", FALSE));
        out = _sio_engine_payload_encode_binary ((SioEnginePacket *) expected->data, expected->len);
      }
    else
      out = _sio_engine_payload_encode (eio, (SioEnginePacket *) expected->data, expected->len);

    if (!quirk)
      assert_bytes_equal (out, input);

    g_assert_true (_sio_engine_payload_decode (eio, out, input_is_binary, again, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (again->len, ==, expected->len);
    for (i = 0; i < again->len; i++)
      assert_engine_packet_equal (&g_array_index (again, SioEnginePacket, i),
                                  &g_array_index (expected, SioEnginePacket, i));
  }
}

/* Socket.IO */

/* Our decoded data with every placeholder replaced by {"$hex": …} of its
 * attachment, the form the vectors use. */
static JsonNode *
resolve_placeholders (JsonNode  *node,
                      GPtrArray *attachments)
{
  JsonNode *copy;

  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *object = json_node_get_object (node);
      JsonNode *flag = json_object_get_member (object, "_placeholder");
      JsonObject *out = json_object_new ();
      g_autoptr(GList) members = NULL;
      g_autofree char *hex = NULL;
      GList *l;

      if (flag != NULL && JSON_NODE_HOLDS_VALUE (flag) &&
          json_node_get_value_type (flag) == G_TYPE_BOOLEAN && json_node_get_boolean (flag))
        {
          gint64 num = json_object_get_int_member (object, "num");

          g_assert_nonnull (attachments);
          g_assert_cmpint (num, >=, 0);
          g_assert_cmpint (num, <, attachments->len);
          hex = hex_from_bytes (g_ptr_array_index (attachments, num));
          json_object_set_string_member (out, "$hex", hex);
        }
      else
        {
          members = json_object_get_members (object);
          for (l = members; l != NULL; l = l->next)
            json_object_set_member (out, l->data,
                                    resolve_placeholders (json_object_get_member (object, l->data),
                                                          attachments));
        }

      copy = json_node_init_object (json_node_alloc (), out);
      json_object_unref (out);
      return copy;
    }

  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);
      JsonArray *out = json_array_new ();
      guint i;

      for (i = 0; i < json_array_get_length (array); i++)
        json_array_add_element (out, resolve_placeholders (json_array_get_element (array, i),
                                                           attachments));
      copy = json_node_init_array (json_node_alloc (), out);
      json_array_unref (out);
      return copy;
    }

  return json_node_copy (node);
}

/* The expected data with every {"$hex": …} replaced by a placeholder,
 * numbered depth-first; the hex strings are collected in @hexes. */
static JsonNode *
make_placeholders (JsonNode  *node,
                   GPtrArray *hexes)
{
  JsonNode *copy;

  if (hex_of (node) != NULL)
    {
      JsonObject *out = json_object_new ();

      json_object_set_boolean_member (out, "_placeholder", TRUE);
      json_object_set_int_member (out, "num", hexes->len);
      g_ptr_array_add (hexes, (gpointer) hex_of (node));
      copy = json_node_init_object (json_node_alloc (), out);
      json_object_unref (out);
      return copy;
    }

  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *object = json_node_get_object (node);
      JsonObject *out = json_object_new ();
      g_autoptr(GList) members = json_object_get_members (object);
      GList *l;

      for (l = members; l != NULL; l = l->next)
        json_object_set_member (out, l->data,
                                make_placeholders (json_object_get_member (object, l->data), hexes));
      copy = json_node_init_object (json_node_alloc (), out);
      json_object_unref (out);
      return copy;
    }

  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);
      JsonArray *out = json_array_new ();
      guint i;

      for (i = 0; i < json_array_get_length (array); i++)
        json_array_add_element (out, make_placeholders (json_array_get_element (array, i), hexes));
      copy = json_node_init_array (json_node_alloc (), out);
      json_array_unref (out);
      return copy;
    }

  return json_node_copy (node);
}

static void
check_expected_packet_keys (JsonObject *expected)
{
  static const char * const keys[] = {
    "type", "type_name", "nsp", "id", "data", "wire_type", "wire_type_name",
    "attachments", NULL,
  };
  static const char * const v5_names[] = {
    "CONNECT", "DISCONNECT", "EVENT", "ACK", "CONNECT_ERROR", "BINARY_EVENT", "BINARY_ACK",
  };
  gint64 type = json_object_get_int_member (expected, "type");
  const char *name = get_string (expected, "type_name");

  check_keys (expected, keys);
  g_assert_cmpint (type, >=, 0);
  g_assert_cmpint (type, <=, 6);
  if (name != NULL && !(type == 4 && g_strcmp0 (name, "ERROR") == 0))
    g_assert_cmpstr (name, ==, v5_names[type]);
}

/* The type on the wire, which our decoder keeps: "wire_type" for binary
 * packets given as EVENT/ACK; for a quirk's "reference_result" (which has
 * no wire_type), the BINARY_* twin when attachments were sent. */
static SioPacketType
expected_wire_type (JsonObject *expected,
                    JsonArray  *attachments_hex)
{
  SioPacketType type = json_object_get_int_member (expected, "type");

  if (json_object_has_member (expected, "wire_type"))
    return json_object_get_int_member (expected, "wire_type");
  if (attachments_hex != NULL && json_array_get_length (attachments_hex) > 0)
    {
      if (type == SIO_PACKET_EVENT)
        return SIO_PACKET_BINARY_EVENT;
      if (type == SIO_PACKET_ACK)
        return SIO_PACKET_BINARY_ACK;
    }
  return type;
}

static void
assert_sio_packet_equal (SioPacket  *actual,
                         JsonObject *expected,
                         JsonArray  *attachments_hex)
{
  JsonNode *data = json_object_get_member (expected, "data");
  guint n_attachments = 0;

  check_expected_packet_keys (expected);

  g_assert_cmpint (actual->type, ==, expected_wire_type (expected, attachments_hex));
  g_assert_cmpstr (actual->nsp, ==, get_string (expected, "nsp"));
  if (json_object_has_member (expected, "id"))
    g_assert_cmpint (actual->id, ==, json_object_get_int_member (expected, "id"));
  else
    g_assert_cmpint (actual->id, ==, -1);

  if (attachments_hex != NULL)
    n_attachments = json_array_get_length (attachments_hex);
  if (json_object_has_member (expected, "attachments"))
    g_assert_cmpint (json_object_get_int_member (expected, "attachments"), ==, n_attachments);

  g_assert_cmpuint (actual->n_attachments, ==, n_attachments);
  if (actual->type == SIO_PACKET_BINARY_EVENT || actual->type == SIO_PACKET_BINARY_ACK)
    {
      guint i;

      g_assert_nonnull (actual->attachments);
      g_assert_cmpuint (actual->attachments->len, ==, n_attachments);
      for (i = 0; i < n_attachments; i++)
        {
          g_autofree char *hex = hex_from_bytes (g_ptr_array_index (actual->attachments, i));

          g_assert_cmpstr (hex, ==, json_array_get_string_element (attachments_hex, i));
        }
    }
  else
    g_assert_null (actual->attachments);

  if (actual->data == NULL)
    g_assert_null (data);
  else
    {
      g_autoptr(JsonNode) resolved = resolve_placeholders (actual->data, actual->attachments);

      assert_json_equal (resolved, data);
    }
}

/* One input fed to the decoder: text, or binary when @binary != NULL. */
typedef struct
{
  const char *text;
  GBytes     *binary;
} Input;

static void
input_clear (Input *input)
{
  g_clear_pointer (&input->binary, g_bytes_unref);
}

static void
run_sio_encode (guint       sio,
                JsonObject *vector,
                JsonObject *expected)
{
  g_autoptr(SioPacket) packet = NULL;
  g_autoptr(GPtrArray) hexes = g_ptr_array_new ();
  g_autoptr(GString) out = g_string_new (NULL);
  JsonArray *attachments_hex = NULL;
  JsonNode *data = json_object_get_member (expected, "data");
  guint i;

  check_expected_packet_keys (expected);

  if (json_object_has_member (vector, "attachments_hex"))
    attachments_hex = json_object_get_array_member (vector, "attachments_hex");

  packet = _sio_packet_new (expected_wire_type (expected, attachments_hex),
                            get_string (expected, "nsp"));
  if (json_object_has_member (expected, "id"))
    packet->id = json_object_get_int_member (expected, "id");
  if (data != NULL)
    packet->data = make_placeholders (data, hexes);
  packet->n_attachments = hexes->len;
  g_assert_cmpuint (hexes->len, ==, attachments_hex != NULL ? json_array_get_length (attachments_hex) : 0);
  for (i = 0; i < hexes->len; i++)
    g_assert_cmpstr (g_ptr_array_index (hexes, i), ==, json_array_get_string_element (attachments_hex, i));
  if (json_object_has_member (expected, "attachments"))
    g_assert_cmpint (json_object_get_int_member (expected, "attachments"), ==, hexes->len);

  _sio_packet_encode (sio, packet, out);
  g_assert_cmpstr (out->str, ==, get_string (vector, "encoded"));
}

static void
run_sio_vector (JsonObject *vector)
{
  static const char * const keys[] = {
    "id", "socketio", "description", "packet", "encoded", "valid",
    "direction", "attachments_hex", "followed_by_text", "decoder_options",
    "error", "quirk", "recommended", "reference_result",
    "decoded_by_reference", "source", "verified_with", "note", NULL,
  };
  SioPacketLimits limits = SIO_PACKET_LIMITS_INIT;
  g_autoptr(GArray) inputs = g_array_new (FALSE, TRUE, sizeof (Input));
  g_autoptr(GError) error = NULL;
  SioPacketDecoder *decoder;
  SioPacket *result = NULL;
  JsonObject *expected = NULL;
  JsonNode *encoded = json_object_get_member (vector, "encoded");
  JsonArray *attachments_hex = NULL;
  const char *direction = get_string (vector, "direction");
  guint sio = json_object_get_int_member (vector, "socketio");
  gboolean valid = get_bool (vector, "valid", TRUE);
  gboolean quirk = get_bool (vector, "quirk", FALSE);
  gboolean decode = TRUE;
  gboolean encode = TRUE;
  guint i;

  check_keys (vector, keys);
  g_assert_true (sio == 4 || sio == 5);

  if (g_strcmp0 (direction, "decode-only") == 0)
    encode = FALSE;
  else if (g_strcmp0 (direction, "encode-only") == 0)
    decode = FALSE;
  else if (direction != NULL)
    {
      g_test_message ("unknown direction “%s”", direction);
      g_test_fail ();
      return;
    }
  if (!valid)
    encode = FALSE;

  if (quirk)
    {
      const char *recommended = get_string (vector, "recommended");

      /* We follow "recommended". "reject-or-generic-error" (a CONNECT_ERROR
       * without payload): we reject, the connection then fails with a
       * parse error. */
      g_assert_nonnull (recommended);
      if (valid)
        g_assert_cmpstr (recommended, ==, "accept");
      else
        g_assert_true (g_str_has_prefix (recommended, "reject"));
    }

  if (json_object_has_member (vector, "decoder_options"))
    {
      static const char * const option_keys[] = { "maxAttachments", NULL };
      JsonObject *options = json_object_get_object_member (vector, "decoder_options");

      check_keys (options, option_keys);
      if (json_object_has_member (options, "maxAttachments"))
        limits.max_attachments = json_object_get_int_member (options, "maxAttachments");
    }

  if (json_object_has_member (vector, "packet"))
    expected = json_object_get_object_member (vector, "packet");
  else if (quirk && valid)
    expected = json_object_get_object_member (vector, "reference_result");

  if (json_object_has_member (vector, "attachments_hex"))
    attachments_hex = json_object_get_array_member (vector, "attachments_hex");

  if (encode)
    {
      if (expected != NULL)
        run_sio_encode (sio, vector, expected);
      else if (g_strcmp0 (json_object_get_string_member (vector, "id"), "sio4-p-circular") == 0)
        {
          /* The v4 reference encoder turns data it cannot stringify
           * (circular) into this fixed ERROR packet. A JsonNode tree cannot
           * be circular, so our encoder has no such failure; what can be
           * checked is that the same fallback packet encodes identically,
           * and decodes back. */
          g_autoptr(SioPacket) packet = _sio_packet_new (SIO_PACKET_CONNECT_ERROR, "/");
          g_autoptr(SioPacket) back = NULL;
          g_autoptr(GString) out = g_string_new (NULL);

          packet->data = json_node_init_string (json_node_alloc (), "encode error");
          _sio_packet_encode (sio, packet, out);
          g_assert_cmpstr (out->str, ==, get_string (vector, "encoded"));
          g_assert_true (_sio_packet_decode (sio, out->str, out->len, NULL, &back, &error));
          g_assert_no_error (error);
          g_assert_cmpint (back->type, ==, SIO_PACKET_CONNECT_ERROR);
          g_assert_cmpstr (json_node_get_string (back->data), ==, "encode error");
        }
      else
        {
          g_test_message ("encode vector without an expected packet");
          g_test_fail ();
        }
    }

  if (!decode)
    return;

  if (valid && expected == NULL)
    {
      g_test_message ("valid decode vector without an expected packet");
      g_test_fail ();
      return;
    }

  /* the inputs, in order */
  g_array_set_clear_func (inputs, (GDestroyNotify) input_clear);
  {
    Input input = { NULL, NULL };

    g_assert_nonnull (encoded);
    if (hex_of (encoded) != NULL)
      input.binary = bytes_from_hex (hex_of (encoded));
    else
      input.text = json_node_get_string (encoded);
    g_array_append_val (inputs, input);
  }
  if (attachments_hex != NULL)
    for (i = 0; i < json_array_get_length (attachments_hex); i++)
      {
        Input input = { NULL, bytes_from_hex (json_array_get_string_element (attachments_hex, i)) };

        g_array_append_val (inputs, input);
      }
  if (json_object_has_member (vector, "followed_by_text"))
    {
      JsonArray *texts = json_object_get_array_member (vector, "followed_by_text");

      for (i = 0; i < json_array_get_length (texts); i++)
        {
          Input input = { json_array_get_string_element (texts, i), NULL };

          g_array_append_val (inputs, input);
        }
    }

  /* Valid: every input is accepted and the last one completes the packet.
   * Invalid: every input but the last is accepted, the last one fails. */
  decoder = _sio_packet_decoder_new (sio, &limits);
  for (i = 0; i < inputs->len; i++)
    {
      Input *input = &g_array_index (inputs, Input, i);
      gboolean last = i + 1 == inputs->len;
      gboolean ok;

      if (input->binary != NULL)
        ok = _sio_packet_decoder_feed_binary (decoder, input->binary, &result, &error);
      else
        ok = _sio_packet_decoder_feed_text (decoder, input->text, strlen (input->text),
                                            &result, &error);

      if (!valid && last)
        {
          g_assert_error (error, SIO_ERROR, SIO_ERROR_PROTOCOL);
          g_assert_false (ok);
          g_assert_null (result);
          g_assert_false (_sio_packet_decoder_is_waiting (decoder));
          g_test_message ("rejected: %s", error->message);
          break;
        }

      g_assert_no_error (error);
      g_assert_true (ok);
      if (!last)
        {
          g_assert_null (result);
          g_assert_true (_sio_packet_decoder_is_waiting (decoder));
        }
      else
        {
          g_assert_nonnull (result);
          g_assert_false (_sio_packet_decoder_is_waiting (decoder));
          assert_sio_packet_equal (result, expected, attachments_hex);
          _sio_packet_free (result);
        }
    }
  _sio_packet_decoder_free (decoder);
}

/* kind=wire: whole frames through the Engine.IO then the Socket.IO layer.
 * The vectors give no expected packets, so the check is that everything
 * decodes, no attachment is left pending, and re-encoding gives back the
 * same bytes at both layers (each Socket.IO packet encodes to the text
 * message that carried it, its attachments are the binary messages that
 * followed, and each frame / body re-encodes identically). */
static void
run_wire_vector (JsonObject *vector,
                 guint       eio)
{
  JsonArray *frames = json_object_get_array_member (vector, "frames");
  const char *transport = get_string (vector, "transport");
  gboolean websocket = g_strcmp0 (transport, "websocket") == 0;
  guint sio = eio == 4 ? 5 : 4;
  SioPacketDecoder *decoder = _sio_packet_decoder_new (sio, NULL);
  g_autoptr(GBytes) header_text = NULL;
  g_autoptr(GPtrArray) binaries = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  guint n_sio_packets = 0;
  guint i, j;

  g_assert_true (websocket || g_strcmp0 (transport, "polling") == 0);
  g_assert_false (json_object_has_member (vector, "valid"));
  g_assert_cmpuint (json_array_get_length (frames), >, 0);

  for (i = 0; i < json_array_get_length (frames); i++)
    {
      static const char * const frame_keys[] = { "text", "hex", NULL };
      JsonObject *frame = json_array_get_object_element (frames, i);
      g_autoptr(GArray) packets = new_packet_array ();
      g_autoptr(GBytes) bytes = NULL;
      g_autoptr(GBytes) again = NULL;
      g_autoptr(GError) error = NULL;
      gboolean binary = json_object_has_member (frame, "hex");

      check_keys (frame, frame_keys);
      g_assert_cmpuint (json_object_get_size (frame), ==, 1);
      if (binary)
        bytes = bytes_from_hex (get_string (frame, "hex"));
      else
        bytes = g_bytes_new (get_string (frame, "text"), strlen (get_string (frame, "text")));

      if (websocket)
        {
          SioEnginePacket packet;
          gboolean out_binary;

          g_assert_true (_sio_engine_packet_decode_frame (eio, binary, bytes, &packet, &error));
          g_assert_no_error (error);
          g_array_append_val (packets, packet);
          again = _sio_engine_packet_encode_frame (eio, &packet, &out_binary);
          g_assert_cmpint (out_binary, ==, binary);
        }
      else
        {
          g_assert_true (_sio_engine_payload_decode (eio, bytes, binary, packets, &error));
          g_assert_no_error (error);
          if (binary)
            again = _sio_engine_payload_encode_binary ((SioEnginePacket *) packets->data,
                                                       packets->len);
          else
            again = _sio_engine_payload_encode (eio, (SioEnginePacket *) packets->data,
                                                packets->len);
        }
      assert_bytes_equal (again, bytes);

      for (j = 0; j < packets->len; j++)
        {
          SioEnginePacket *packet = &g_array_index (packets, SioEnginePacket, j);
          SioPacket *result = NULL;
          gsize size;
          const char *data = g_bytes_get_data (packet->data, &size);

          if (packet->type == SIO_ENGINE_PACKET_OPEN)
            {
              SioHandshake handshake = { 0 };

              g_assert_true (_sio_handshake_parse (data, size, &handshake, &error));
              g_assert_no_error (error);
              _sio_handshake_clear (&handshake);
              continue;
            }

          g_assert_cmpint (packet->type, ==, SIO_ENGINE_PACKET_MESSAGE);
          if (packet->binary)
            {
              g_assert_true (_sio_packet_decoder_feed_binary (decoder, packet->data, &result, &error));
              g_ptr_array_add (binaries, g_bytes_ref (packet->data));
            }
          else
            {
              g_assert_false (_sio_packet_decoder_is_waiting (decoder));
              g_clear_pointer (&header_text, g_bytes_unref);
              header_text = g_bytes_ref (packet->data);
              g_ptr_array_set_size (binaries, 0);
              g_assert_true (_sio_packet_decoder_feed_text (decoder, data, size, &result, &error));
            }
          g_assert_no_error (error);

          if (result != NULL)
            {
              g_autoptr(GString) text = g_string_new (NULL);
              g_autoptr(GBytes) text_bytes = NULL;
              guint k;

              n_sio_packets++;
              _sio_packet_encode (sio, result, text);
              text_bytes = g_bytes_new (text->str, text->len);
              assert_bytes_equal (text_bytes, header_text);
              g_test_message ("Socket.IO packet: %s (+%u attachments)", text->str,
                              result->n_attachments);

              g_assert_cmpuint (binaries->len, ==, result->n_attachments);
              for (k = 0; k < binaries->len; k++)
                assert_bytes_equal (g_ptr_array_index (result->attachments, k),
                                    g_ptr_array_index (binaries, k));
              _sio_packet_free (result);
            }
        }
    }

  g_assert_false (_sio_packet_decoder_is_waiting (decoder));
  g_assert_cmpuint (n_sio_packets, >, 0);
  _sio_packet_decoder_free (decoder);
}

static void
test_vector (gconstpointer data)
{
  const Vector *v = data;

  if (v->engine)
    run_engine_vector (v->vector);
  else
    run_sio_vector (v->vector);
}

static JsonNode *
load_vectors (const char *name)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", name, NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_file (parser, path, &error);
  g_assert_no_error (error);

  return json_parser_steal_root (parser);
}

static void
add_vectors (JsonNode   *root,
             gboolean    engine,
             GHashTable *seen)
{
  JsonArray *vectors = json_object_get_array_member (json_node_get_object (root), "vectors");
  guint i;

  g_assert_nonnull (vectors);
  g_assert_cmpuint (json_array_get_length (vectors), >, 0);

  for (i = 0; i < json_array_get_length (vectors); i++)
    {
      JsonObject *object = json_array_get_object_element (vectors, i);
      const char *id = json_object_get_string_member (object, "id");
      g_autofree char *path = NULL;
      Vector *v;

      g_assert_nonnull (id);
      if (!g_hash_table_add (seen, (gpointer) id))
        g_error ("duplicate vector id %s", id);

      v = g_new0 (Vector, 1);
      v->engine = engine;
      v->vector = json_object_ref (object);
      path = g_strdup_printf ("/sio/vectors/%s", id);
      g_test_add_data_func_full (path, v, test_vector, vector_free);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(JsonNode) engine = NULL;
  g_autoptr(JsonNode) socket = NULL;
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  int ret;

  g_test_init (&argc, &argv, NULL);

  engine = load_vectors ("engineio.json");
  socket = load_vectors ("socketio.json");
  add_vectors (engine, TRUE, seen);
  add_vectors (socket, FALSE, seen);

  ret = g_test_run ();

  return ret;
}
