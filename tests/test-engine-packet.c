/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Engine.IO codec cases beyond the vectors (test-vectors.c): the edge-case
 * table of ../shared/protocol.md §3, truncations, encoder round trips and
 * the handshake parser.
 */
#include "sio-private.h"

#include <string.h>

#include "sio-engine-packet-private.h"

/* A heap copy of exactly @len bytes, so that reading past the end is
 * caught by valgrind / ASan. */
static GBytes *
exact_bytes (const void *data,
             gsize       len)
{
  return g_bytes_new_take (g_memdup2 (data, len), len);
}

static GArray *
packet_array_new (void)
{
  GArray *packets = g_array_new (FALSE, TRUE, sizeof (SioEnginePacket));

  g_array_set_clear_func (packets, (GDestroyNotify) _sio_engine_packet_clear);
  return packets;
}

static gboolean
decode_frame (guint             eio,
              gboolean          binary,
              const void       *data,
              gsize             len,
              SioEnginePacket  *out,
              GError          **error)
{
  g_autoptr(GBytes) frame = exact_bytes (data, len);

  return _sio_engine_packet_decode_frame (eio, binary, frame, out, error);
}

static void
assert_frame_fails (guint       eio,
                    gboolean    binary,
                    const void *data,
                    gsize       len)
{
  g_autoptr(GError) error = NULL;
  SioEnginePacket packet = { 0 };

  g_assert_false (decode_frame (eio, binary, data, len, &packet, &error));
  g_assert_error (error, SIO_ERROR, SIO_ERROR_PROTOCOL);
  g_assert_null (packet.data);
  g_test_message ("rejected: %s", error->message);
}

static void
assert_text_frame (guint                eio,
                   const char          *text,
                   SioEnginePacketType  type,
                   gboolean             binary,
                   const void          *data,
                   gsize                len)
{
  g_autoptr(GError) error = NULL;
  SioEnginePacket packet = { 0 };

  g_assert_true (decode_frame (eio, FALSE, text, strlen (text), &packet, &error));
  g_assert_no_error (error);
  g_assert_cmpint (packet.type, ==, type);
  g_assert_cmpint (packet.binary, ==, binary);
  g_assert_cmpmem (g_bytes_get_data (packet.data, NULL), g_bytes_get_size (packet.data), data, len);
  _sio_engine_packet_clear (&packet);
}

static guint
assert_payload (guint       eio,
                gboolean    binary,
                const void *data,
                gsize       len,
                gboolean    valid)
{
  g_autoptr(GBytes) body = exact_bytes (data, len);
  g_autoptr(GArray) packets = packet_array_new ();
  g_autoptr(GError) error = NULL;
  gboolean ok = _sio_engine_payload_decode (eio, body, binary, packets, &error);

  if (valid)
    {
      g_assert_no_error (error);
      g_assert_true (ok);
    }
  else
    {
      g_assert_error (error, SIO_ERROR, SIO_ERROR_PROTOCOL);
      g_assert_false (ok);
      g_assert_cmpuint (packets->len, ==, 0);
      g_test_message ("rejected: %s", error->message);
    }

  return packets->len;
}

/* Frames */

static void
test_frame_empty (void)
{
  assert_frame_fails (4, FALSE, "", 0);
  assert_frame_fails (3, FALSE, "", 0);
  /* v3 binary frames need the type byte */
  assert_frame_fails (3, TRUE, "", 0);
}

static void
test_frame_empty_v4_binary (void)
{
  g_autoptr(GError) error = NULL;
  SioEnginePacket packet = { 0 };

  /* an empty attachment (Buffer.alloc(0)) is a legal empty binary frame */
  g_assert_true (decode_frame (4, TRUE, "", 0, &packet, &error));
  g_assert_no_error (error);
  g_assert_true (packet.binary);
  g_assert_cmpint (packet.type, ==, SIO_ENGINE_PACKET_MESSAGE);
  g_assert_cmpuint (g_bytes_get_size (packet.data), ==, 0);
  _sio_engine_packet_clear (&packet);
}

static void
test_frame_unknown_type (void)
{
  const char * const bad[] = { "a123", "7", "9", "/", ":", "abc", "\x1e", " 4", "B4AQ==" };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      assert_frame_fails (4, FALSE, bad[i], strlen (bad[i]));
      assert_frame_fails (3, FALSE, bad[i], strlen (bad[i]));
    }
  assert_frame_fails (4, FALSE, "\0", 1);
}

static void
test_frame_invalid_utf8 (void)
{
  assert_frame_fails (4, FALSE, "4\xff", 2);
  assert_frame_fails (4, FALSE, "4\xe2\x82", 3);
  assert_frame_fails (3, FALSE, "4\xed\xa0\x80", 4); /* a surrogate */
  assert_frame_fails (4, FALSE, "4a\0b", 4);
}

static void
test_frame_v3_binary_type (void)
{
  const guint8 bad[][2] = { { 0, 1 }, { 3, 1 }, { 5, 1 }, { '4', 1 }, { 0xff, 1 } };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (bad); i++)
    assert_frame_fails (3, TRUE, bad[i], 2);
}

static void
test_frame_all_types (void)
{
  guint eio;
  int t;

  for (eio = 3; eio <= 4; eio++)
    for (t = 0; t <= 6; t++)
      {
        char text[] = { '0' + t, 'x', 'y', 0 };

        assert_text_frame (eio, text, t, FALSE, "xy", 2);
      }
}

static void
test_frame_zero_copy (void)
{
  g_autoptr(GError) error = NULL;
  static const char text[] = "4hello";
  static const guint8 bin[] = { 4, 1, 2, 3 };
  g_autoptr(GBytes) frame = g_bytes_new_static (text, 6);
  g_autoptr(GBytes) bframe = g_bytes_new_static (bin, 4);
  SioEnginePacket packet = { 0 };

  g_assert_true (_sio_engine_packet_decode_frame (4, FALSE, frame, &packet, &error));
  g_assert_true ((const char *) g_bytes_get_data (packet.data, NULL) == text + 1);
  _sio_engine_packet_clear (&packet);

  g_assert_true (_sio_engine_packet_decode_frame (3, TRUE, bframe, &packet, &error));
  g_assert_true ((const guint8 *) g_bytes_get_data (packet.data, NULL) == bin + 1);
  _sio_engine_packet_clear (&packet);

  g_assert_true (_sio_engine_packet_decode_frame (4, TRUE, bframe, &packet, &error));
  g_assert_true (packet.data == bframe);
  _sio_engine_packet_clear (&packet);
  g_assert_no_error (error);
}

/* Base64 */

static void
test_base64_strict (void)
{
  const char * const bad[] = {
    "b!!!", "bA", "bAQ=", "bAQ===", "bA===", "bAQ=A", "bA=Q=", "bAQ ID", "bAQ\nID",
    "bAQ-_", "b====", "b=", "bAQIDB", "bAQIDBA=A", "bAQIDBA=\x1f",
  };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (bad); i++)
    assert_frame_fails (4, FALSE, bad[i], strlen (bad[i]));

  /* v3: "b" + type digit; only a message can be binary */
  assert_frame_fails (3, FALSE, "b", 1);
  assert_frame_fails (3, FALSE, "b5AQ==", 6);
  assert_frame_fails (3, FALSE, "bAQ==", 5);
  assert_frame_fails (3, FALSE, "b4!", 3);
}

static void
test_base64_valid (void)
{
  assert_text_frame (4, "bAQIDBA==", SIO_ENGINE_PACKET_MESSAGE, TRUE, "\1\2\3\4", 4);
  assert_text_frame (4, "bAQIDBA", SIO_ENGINE_PACKET_MESSAGE, TRUE, "\1\2\3\4", 4);
  assert_text_frame (4, "bAQID", SIO_ENGINE_PACKET_MESSAGE, TRUE, "\1\2\3", 3);
  assert_text_frame (4, "bAQI=", SIO_ENGINE_PACKET_MESSAGE, TRUE, "\1\2", 2);
  assert_text_frame (4, "b", SIO_ENGINE_PACKET_MESSAGE, TRUE, "", 0);
  assert_text_frame (4, "b+/+/", SIO_ENGINE_PACKET_MESSAGE, TRUE, "\xfb\xff\xbf", 3);
  assert_text_frame (3, "b4AQIDBA==", SIO_ENGINE_PACKET_MESSAGE, TRUE, "\1\2\3\4", 4);
  assert_text_frame (3, "b4", SIO_ENGINE_PACKET_MESSAGE, TRUE, "", 0);
}

static void
test_base64_round_trip (void)
{
  guint8 data[70];
  gsize len;
  guint eio;

  for (len = 0; len < sizeof data; len++)
    data[len] = g_test_rand_int_range (0, 256);

  for (eio = 3; eio <= 4; eio++)
    for (len = 0; len <= sizeof data; len++)
      {
        g_autoptr(GBytes) bytes = g_bytes_new (data, len);
        g_autoptr(GString) text = g_string_new (NULL);
        g_autofree char *expected = g_base64_encode (data, len);
        SioEnginePacket packet;

        _sio_engine_packet_init (&packet, SIO_ENGINE_PACKET_MESSAGE, TRUE, bytes);
        _sio_engine_packet_encode_text (eio, &packet, text);
        g_assert_cmpstr (text->str + (eio == 3 ? 2 : 1), ==, expected);
        _sio_engine_packet_clear (&packet);

        assert_text_frame (eio, text->str, SIO_ENGINE_PACKET_MESSAGE, TRUE, data, len);
      }
}

/* v4 payloads */

static void
test_payload_v4_errors (void)
{
  assert_payload (4, FALSE, "", 0, FALSE);
  assert_payload (4, FALSE, "\x1e", 1, FALSE);
  assert_payload (4, FALSE, "4a\x1e", 3, FALSE);
  assert_payload (4, FALSE, "\x1e" "4a", 3, FALSE);
  assert_payload (4, FALSE, "4a\x1e\x1e" "4b", 6, FALSE);
  assert_payload (4, FALSE, "4a\x1e" "7", 4, FALSE);
  assert_payload (4, FALSE, "4a\x1e" "b!", 5, FALSE);
  assert_payload (4, FALSE, "4\xff\x1e" "4a", 5, FALSE);
}

static void
test_payload_keeps_existing (void)
{
  g_autoptr(GArray) packets = packet_array_new ();
  g_autoptr(GBytes) good = g_bytes_new_static ("4a\x1e" "2", 4);
  g_autoptr(GBytes) bad = g_bytes_new_static ("4a\x1e" "2\x1e", 5);
  g_autoptr(GError) error = NULL;

  g_assert_true (_sio_engine_payload_decode (4, good, FALSE, packets, &error));
  g_assert_cmpuint (packets->len, ==, 2);
  /* a failing payload adds nothing */
  g_assert_false (_sio_engine_payload_decode (4, bad, FALSE, packets, &error));
  g_assert_error (error, SIO_ERROR, SIO_ERROR_PROTOCOL);
  g_assert_cmpuint (packets->len, ==, 2);
}

/* v3 text payloads */

static void
test_payload_v3_text_errors (void)
{
  const char * const bad[] = {
    "", "1:", "3:99:", "1:aa", "1!", ":::", "))", "1:a2:b", ":4a", "2:4", "2:4a1", "1:4:",
    "a:4", "-1:4", "+1:4", " 1:4", "1 :4", "1:€", "2:4😀", "99999999999999999999999999:4",
    "18446744073709551617:4", "1:43", "3:b4A", "1:7", "3:b5A",
  };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (bad); i++)
    assert_payload (3, FALSE, bad[i], strlen (bad[i]), FALSE);
}

static void
test_payload_v3_text_valid (void)
{
  g_assert_cmpuint (assert_payload (3, FALSE, "0:", 2, TRUE), ==, 0);
  g_assert_cmpuint (assert_payload (3, FALSE, "0:0:1:6", 7, TRUE), ==, 1);
  g_assert_cmpuint (assert_payload (3, FALSE, "01:2", 4, TRUE), ==, 1);
  g_assert_cmpuint (assert_payload (3, FALSE, "3:4😀1:2", strlen ("3:4😀1:2"), TRUE), ==, 2);
  g_assert_cmpuint (assert_payload (3, FALSE, "5:4😀😀", strlen ("5:4😀😀"), TRUE), ==, 1);
  g_assert_cmpuint (assert_payload (3, FALSE, "4:4a€b", strlen ("4:4a€b"), TRUE), ==, 1);
  g_assert_cmpuint (assert_payload (3, FALSE, "2:b4", 4, TRUE), ==, 1);
  g_assert_cmpuint (assert_payload (3, FALSE, "1:40:", 5, TRUE), ==, 1);
  g_assert_cmpuint (assert_payload (3, FALSE, "4:b4AQ", 6, TRUE), ==, 1);
}

/* v3 binary payloads */

static void
test_payload_v3_binary_errors (void)
{
  static const struct
  {
    const char *data;
    gsize len;
  } bad[] = {
    { "", 0 },
    { "\x02\x01\xff" "4", 4 },              /* kind byte */
    { "\x00\x0a\xff" "4", 4 },              /* digit > 9 */
    { "\x00\x01", 2 },                      /* no 0xff */
    { "\x00", 1 },
    { "\x00\xff", 2 },                      /* no digit */
    { "\x00\x00\xff", 3 },                  /* length 0 */
    { "\x00\x02\xff" "4", 4 },              /* truncated */
    { "\x00\x09\xff" "4a", 5 },             /* eio3-q-bin-short */
    { "\x00\x01\xff" "9", 4 },              /* unknown type */
    { "\x00\x02\xff" "4\xff", 5 },          /* invalid UTF-8 */
    { "\x01\x01\xff\x09", 4 },              /* binary type byte 9 */
    { "\x01\x01\xff\x00", 4 },              /* binary type byte 0 */
    { "\x01\x02\xff" "4" "a", 5 },          /* binary type '4' (0x34) */
    { "\x01\x00\xff", 3 },                  /* binary without type byte */
    { "\x00\x01\xff" "4" "\x03", 5 },       /* trailing kind byte */
    { "\x00\x01\xff" "4" "\x00\x01\xff", 7 },
  };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (bad); i++)
    assert_payload (3, TRUE, bad[i].data, bad[i].len, FALSE);
}

/* kind 0, @n_digits length digits (leading zeros, then @last), 0xff, then
 * the text packet "2" */
static GByteArray *
binary_body (guint  n_digits,
             guint8 last)
{
  GByteArray *body = g_byte_array_new ();
  guint8 zero = 0;
  guint i;

  g_byte_array_append (body, &zero, 1);
  for (i = 0; i + 1 < n_digits; i++)
    g_byte_array_append (body, &zero, 1);
  g_byte_array_append (body, &last, 1);
  g_byte_array_append (body, (const guint8 *) "\xff" "2", 2);
  return body;
}

static void
test_payload_v3_binary_digits (void)
{
  GByteArray *body;
  guint i;

  /* 310 length digits (leading zeros) are accepted, 311 are not */
  body = binary_body (310, 1);
  g_assert_cmpuint (assert_payload (3, TRUE, body->data, body->len, TRUE), ==, 1);
  g_byte_array_unref (body);

  body = binary_body (311, 1);
  assert_payload (3, TRUE, body->data, body->len, FALSE);
  g_byte_array_unref (body);

  /* a huge length never overflows */
  body = binary_body (300, 9);
  for (i = 1; i < 300; i++)
    body->data[i] = 9;
  assert_payload (3, TRUE, body->data, body->len, FALSE);
  g_byte_array_unref (body);
}

static void
test_payload_v3_binary_mixed (void)
{
  static const guint8 body[] = {
    0x00, 0x01, 0xff, '6',
    0x01, 0x01, 0xff, 0x04,                 /* empty binary message */
    0x00, 0x06, 0xff, 'b', '4', 'A', 'Q', '=', '=',
    0x01, 0x03, 0xff, 0x04, 0xaa, 0xbb,
  };
  g_autoptr(GBytes) bytes = g_bytes_new_static (body, sizeof body);
  g_autoptr(GArray) packets = packet_array_new ();
  g_autoptr(GError) error = NULL;
  SioEnginePacket *p;

  g_assert_true (_sio_engine_payload_decode (3, bytes, TRUE, packets, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (packets->len, ==, 4);
  p = (SioEnginePacket *) packets->data;
  g_assert_cmpint (p[0].type, ==, SIO_ENGINE_PACKET_NOOP);
  g_assert_true (p[1].binary);
  g_assert_cmpuint (g_bytes_get_size (p[1].data), ==, 0);
  g_assert_true (p[2].binary);
  g_assert_cmpmem (g_bytes_get_data (p[2].data, NULL), g_bytes_get_size (p[2].data), "\1", 1);
  g_assert_true (p[3].binary);
  /* zero copy: a slice of the body */
  g_assert_true ((const guint8 *) g_bytes_get_data (p[3].data, NULL) == body + 21);
}

/* Truncations: every prefix of valid inputs decodes or fails cleanly. */

static void
truncate_all (guint        eio,
              int          what, /* 0 text frame, 1 binary frame, 2 text payload, 3 binary payload */
              const guint8 *data,
              gsize         len)
{
  gsize n;

  for (n = 0; n <= len; n++)
    {
      g_autoptr(GBytes) bytes = exact_bytes (data, n);
      g_autoptr(GError) error = NULL;

      if (what < 2)
        {
          SioEnginePacket packet = { 0 };

          if (_sio_engine_packet_decode_frame (eio, what == 1, bytes, &packet, &error))
            _sio_engine_packet_clear (&packet);
          else
            g_assert_error (error, SIO_ERROR, SIO_ERROR_PROTOCOL);
        }
      else
        {
          g_autoptr(GArray) packets = packet_array_new ();

          if (!_sio_engine_payload_decode (eio, bytes, what == 3, packets, &error))
            {
              g_assert_error (error, SIO_ERROR, SIO_ERROR_PROTOCOL);
              g_assert_cmpuint (packets->len, ==, 0);
            }
        }
    }
}

static void
test_truncation (void)
{
  static const char * const v4_payloads[] = {
    "4hello\x1e" "2\x1e" "4world", "4test\x1e" "bAQIDBA==", "0{\"sid\":\"x\"}\x1e" "40",
    "4€😀\x1e" "6",
  };
  static const char * const v3_payloads[] = {
    "6:4hello6:4world", "2:4€10:b4AQIDBA==", "3:4😀", "0:", "1:21:3",
  };
  static const guint8 v3_binary[] = {
    0x00, 0x04, 0xff, 0x34, 0xe2, 0x82, 0xac, 0x01, 0x05, 0xff, 0x04, 0x01, 0x02, 0x03, 0x04,
    0x00, 0x01, 0x02, 0xff, '4', 'h', 'e', 'l', 'l', 'o', ' ', 'w', 'o', 'r', 'l', 'd',
  };
  static const char * const frames[] = { "4hello", "2probe", "bAQIDBA==", "b4AQIDBA==", "4😀€" };
  gsize i;
  guint eio;

  for (i = 0; i < G_N_ELEMENTS (v4_payloads); i++)
    truncate_all (4, 2, (const guint8 *) v4_payloads[i], strlen (v4_payloads[i]));
  for (i = 0; i < G_N_ELEMENTS (v3_payloads); i++)
    truncate_all (3, 2, (const guint8 *) v3_payloads[i], strlen (v3_payloads[i]));
  truncate_all (3, 3, v3_binary, sizeof v3_binary);

  for (eio = 3; eio <= 4; eio++)
    {
      for (i = 0; i < G_N_ELEMENTS (frames); i++)
        truncate_all (eio, 0, (const guint8 *) frames[i], strlen (frames[i]));
      truncate_all (eio, 1, (const guint8 *) "\x04\x01\x02\x03", 4);
    }
}

/* Encoding */

static void
random_packets (GArray *packets,
                guint   n)
{
  static const char * const texts[] = {
    "", "hello", "€", "😀", "a😀b€c", "probe", "{\"sid\":\"x\"}", "4:4\x1f", "\x7f",
  };
  guint i;

  for (i = 0; i < n; i++)
    {
      SioEnginePacket packet;

      if (g_test_rand_bit ())
        {
          gsize len = g_test_rand_int_range (0, 40);
          guint8 *data = g_malloc (len);
          gsize k;

          for (k = 0; k < len; k++)
            data[k] = g_test_rand_int_range (0, 256);
          packet.type = SIO_ENGINE_PACKET_MESSAGE;
          packet.binary = TRUE;
          packet.data = g_bytes_new_take (data, len);
        }
      else
        _sio_engine_packet_init_text (&packet, g_test_rand_int_range (0, 7),
                                      texts[g_test_rand_int_range (0, G_N_ELEMENTS (texts))], -1);
      g_array_append_val (packets, packet);
    }
}

static void
assert_same_packets (GArray *a,
                     GArray *b)
{
  guint i;

  g_assert_cmpuint (a->len, ==, b->len);
  for (i = 0; i < a->len; i++)
    {
      SioEnginePacket *pa = &g_array_index (a, SioEnginePacket, i);
      SioEnginePacket *pb = &g_array_index (b, SioEnginePacket, i);

      g_assert_cmpint (pa->type, ==, pb->type);
      g_assert_cmpint (pa->binary, ==, pb->binary);
      g_assert_true (g_bytes_equal (pa->data, pb->data));
    }
}

static void
test_round_trip (void)
{
  guint round;

  for (round = 0; round < 200; round++)
    {
      g_autoptr(GArray) packets = packet_array_new ();
      guint n = g_test_rand_int_range (1, 6);
      guint eio = g_test_rand_bit () ? 3 : 4;
      g_autoptr(GBytes) text = NULL;
      g_autoptr(GArray) back = packet_array_new ();
      g_autoptr(GError) error = NULL;
      guint i;

      random_packets (packets, n);

      text = _sio_engine_payload_encode (eio, (SioEnginePacket *) packets->data, n);
      g_assert_true (_sio_engine_payload_decode (eio, text, FALSE, back, &error));
      g_assert_no_error (error);
      assert_same_packets (packets, back);

      if (eio == 3)
        {
          g_autoptr(GBytes) bin = _sio_engine_payload_encode_binary ((SioEnginePacket *) packets->data, n);
          g_autoptr(GArray) back2 = packet_array_new ();

          g_assert_true (_sio_engine_payload_decode (3, bin, TRUE, back2, &error));
          g_assert_no_error (error);
          assert_same_packets (packets, back2);
        }

      for (i = 0; i < n; i++)
        {
          SioEnginePacket *p = &g_array_index (packets, SioEnginePacket, i);
          SioEnginePacket q = { 0 };
          gboolean binary;
          g_autoptr(GBytes) frame = _sio_engine_packet_encode_frame (eio, p, &binary);

          g_assert_cmpint (binary, ==, p->binary);
          g_assert_true (_sio_engine_packet_decode_frame (eio, binary, frame, &q, &error));
          g_assert_no_error (error);
          g_assert_cmpint (q.type, ==, p->type);
          g_assert_cmpint (q.binary, ==, p->binary);
          g_assert_true (g_bytes_equal (q.data, p->data));
          _sio_engine_packet_clear (&q);
        }
    }
}

static void
test_encode_utf16_length (void)
{
  SioEnginePacket packets[3];
  g_autoptr(GBytes) out = NULL;
  g_autoptr(GBytes) bin = NULL;
  static const char expected[] = "3:4😀2:4€1:6";
  static const guint8 expected_bin[] = {
    0x00, 0x05, 0xff, '4', 0xf0, 0x9f, 0x98, 0x80,
    0x00, 0x04, 0xff, '4', 0xe2, 0x82, 0xac,
    0x00, 0x01, 0xff, '6',
  };

  _sio_engine_packet_init_text (&packets[0], SIO_ENGINE_PACKET_MESSAGE, "😀", -1);
  _sio_engine_packet_init_text (&packets[1], SIO_ENGINE_PACKET_MESSAGE, "€", -1);
  _sio_engine_packet_init (&packets[2], SIO_ENGINE_PACKET_NOOP, FALSE, NULL);

  out = _sio_engine_payload_encode (3, packets, 3);
  g_assert_cmpmem (g_bytes_get_data (out, NULL), g_bytes_get_size (out), expected, strlen (expected));
  bin = _sio_engine_payload_encode_binary (packets, 3);
  g_assert_cmpmem (g_bytes_get_data (bin, NULL), g_bytes_get_size (bin), expected_bin, sizeof expected_bin);

  _sio_engine_packet_clear (&packets[0]);
  _sio_engine_packet_clear (&packets[1]);
  _sio_engine_packet_clear (&packets[2]);
}

static void
test_encode_empty (void)
{
  g_autoptr(GBytes) v3 = _sio_engine_payload_encode (3, NULL, 0);
  g_autoptr(GBytes) v4 = _sio_engine_payload_encode (4, NULL, 0);
  g_autoptr(GBytes) bin = _sio_engine_payload_encode_binary (NULL, 0);

  g_assert_cmpmem (g_bytes_get_data (v3, NULL), g_bytes_get_size (v3), "0:", 2);
  g_assert_cmpuint (g_bytes_get_size (v4), ==, 0);
  g_assert_cmpuint (g_bytes_get_size (bin), ==, 0);
}

static void
test_encode_multi_digit_binary (void)
{
  guint8 data[1234] = { 0 };
  g_autoptr(GBytes) bytes = g_bytes_new_static (data, sizeof data);
  g_autoptr(GBytes) out = NULL;
  SioEnginePacket packet;
  const guint8 *p;

  _sio_engine_packet_init (&packet, SIO_ENGINE_PACKET_MESSAGE, TRUE, bytes);
  out = _sio_engine_payload_encode_binary (&packet, 1);
  p = g_bytes_get_data (out, NULL);
  /* 1235 = 1 type byte + 1234 */
  g_assert_cmpmem (p, 7, "\x01\x01\x02\x03\x05\xff\x04", 7);
  g_assert_cmpuint (g_bytes_get_size (out), ==, 6 + 1235);
  _sio_engine_packet_clear (&packet);
}

static void
test_init (void)
{
  SioEnginePacket packet;

  _sio_engine_packet_init (&packet, SIO_ENGINE_PACKET_PING, FALSE, NULL);
  g_assert_nonnull (packet.data);
  g_assert_cmpuint (g_bytes_get_size (packet.data), ==, 0);
  _sio_engine_packet_clear (&packet);
  g_assert_null (packet.data);
  _sio_engine_packet_clear (&packet);

  _sio_engine_packet_init_text (&packet, SIO_ENGINE_PACKET_PING, "probe!", 5);
  g_assert_cmpmem (g_bytes_get_data (packet.data, NULL), g_bytes_get_size (packet.data), "probe", 5);
  _sio_engine_packet_clear (&packet);

  _sio_engine_packet_init_text (&packet, SIO_ENGINE_PACKET_PONG, NULL, -1);
  g_assert_cmpuint (g_bytes_get_size (packet.data), ==, 0);
  _sio_engine_packet_clear (&packet);
}

/* Handshake */

static gboolean
parse_handshake (const char    *json,
                 SioHandshake  *out,
                 GError       **error)
{
  g_autoptr(GBytes) bytes = exact_bytes (json, strlen (json));

  return _sio_handshake_parse (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), out, error);
}

static void
test_handshake_valid (void)
{
  g_autoptr(GError) error = NULL;
  SioHandshake hs = { 0 };

  g_assert_true (parse_handshake ("{\"sid\":\"lv_VI97HAXpY6yYWAAAC\",\"upgrades\":[\"websocket\"],"
                                  "\"pingInterval\":25000,\"pingTimeout\":20000,\"maxPayload\":1000000}",
                                  &hs, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (hs.sid, ==, "lv_VI97HAXpY6yYWAAAC");
  g_assert_cmpuint (g_strv_length (hs.upgrades), ==, 1);
  g_assert_cmpstr (hs.upgrades[0], ==, "websocket");
  g_assert_cmpuint (hs.ping_interval, ==, 25000);
  g_assert_cmpuint (hs.ping_timeout, ==, 20000);
  g_assert_cmpuint (hs.max_payload, ==, 1000000);
  _sio_handshake_clear (&hs);
  g_assert_null (hs.sid);
  _sio_handshake_clear (&hs);

  /* optional fields, unknown fields, non-string upgrades skipped */
  g_assert_true (parse_handshake ("{\"extra\":{\"a\":[1]},\"pingTimeout\":0,\"sid\":\"s\","
                                  "\"pingInterval\":4294967295,\"upgrades\":[1,\"websocket\",null,\"x\"]}",
                                  &hs, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (hs.ping_interval, ==, G_MAXUINT);
  g_assert_cmpuint (hs.ping_timeout, ==, 0);
  g_assert_cmpuint (hs.max_payload, ==, 0);
  g_assert_cmpuint (g_strv_length (hs.upgrades), ==, 2);
  g_assert_cmpstr (hs.upgrades[1], ==, "x");
  _sio_handshake_clear (&hs);

  g_assert_true (parse_handshake ("{\"sid\":\"s\",\"pingInterval\":1,\"pingTimeout\":2,"
                                  "\"maxPayload\":9223372036854775807}", &hs, &error));
  g_assert_no_error (error);
  g_assert_nonnull (hs.upgrades);
  g_assert_null (hs.upgrades[0]);
  g_assert_cmpuint (hs.max_payload, ==, G_MAXINT64);
  _sio_handshake_clear (&hs);

  /* an integral number written as a double is the same number in JS */
  g_assert_true (parse_handshake ("{\"sid\":\"s\",\"pingInterval\":25000.0,\"pingTimeout\":2e4}",
                                  &hs, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (hs.ping_interval, ==, 25000);
  g_assert_cmpuint (hs.ping_timeout, ==, 20000);
  _sio_handshake_clear (&hs);
}

static void
test_handshake_invalid (void)
{
  const char * const bad[] = {
    "",
    "{",
    "[]",
    "\"sid\"",
    "null",
    "{\"sid\":\"s\",\"pingInterval\":1,\"pingTimeout\":2} x",
    "{\"pingInterval\":1,\"pingTimeout\":2}",
    "{\"sid\":\"\",\"pingInterval\":1,\"pingTimeout\":2}",
    "{\"sid\":1,\"pingInterval\":1,\"pingTimeout\":2}",
    "{\"sid\":null,\"pingInterval\":1,\"pingTimeout\":2}",
    "{\"sid\":\"s\",\"pingTimeout\":2}",
    "{\"sid\":\"s\",\"pingInterval\":1}",
    "{\"sid\":\"s\",\"pingInterval\":-1,\"pingTimeout\":2}",
    "{\"sid\":\"s\",\"pingInterval\":\"25000\",\"pingTimeout\":2}",
    "{\"sid\":\"s\",\"pingInterval\":1.5,\"pingTimeout\":2}",
    "{\"sid\":\"s\",\"pingInterval\":4294967296,\"pingTimeout\":2}",
    "{\"sid\":\"s\",\"pingInterval\":1e300,\"pingTimeout\":2}",
    "{\"sid\":\"s\",\"pingInterval\":null,\"pingTimeout\":2}",
    "{\"sid\":\"s\",\"pingInterval\":true,\"pingTimeout\":2}",
    "{\"sid\":\"s\",\"pingInterval\":1,\"pingTimeout\":[2]}",
    "{\"sid\":\"s\",\"pingInterval\":1,\"pingTimeout\":2,\"maxPayload\":-5}",
    "{\"sid\":\"s\",\"pingInterval\":1,\"pingTimeout\":2,\"maxPayload\":\"1\"}",
    "{\"sid\":\"s\",\"pingInterval\":1,\"pingTimeout\":2,\"maxPayload\":1e30}",
    "{\"sid\":\"s\",\"pingInterval\":1,\"pingTimeout\":2,\"upgrades\":\"websocket\"}",
    "{\"sid\":\"s\",\"pingInterval\":1,\"pingTimeout\":2,\"upgrades\":{}}",
  };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      SioHandshake hs = { 0 };

      g_assert_false (parse_handshake (bad[i], &hs, &error));
      g_assert_error (error, SIO_ERROR, SIO_ERROR_PROTOCOL);
      g_assert_null (hs.sid);
      g_assert_null (hs.upgrades);
      g_test_message ("rejected %s: %s", bad[i], error->message);
    }
}

static void
test_handshake_truncation (void)
{
  static const char json[] =
    "{\"sid\":\"lv_VI97HAXpY6yYWAAAC\",\"upgrades\":[\"websocket\"],\"pingInterval\":25000,"
    "\"pingTimeout\":20000,\"maxPayload\":1000000}";
  gsize n;

  for (n = 0; n < strlen (json); n++)
    {
      g_autoptr(GBytes) bytes = exact_bytes (json, n);
      g_autoptr(GError) error = NULL;
      SioHandshake hs = { 0 };

      g_assert_false (_sio_handshake_parse (g_bytes_get_data (bytes, NULL), n, &hs, &error));
      g_assert_error (error, SIO_ERROR, SIO_ERROR_PROTOCOL);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/sio/engine-packet/frame/empty", test_frame_empty);
  g_test_add_func ("/sio/engine-packet/frame/empty-v4-binary", test_frame_empty_v4_binary);
  g_test_add_func ("/sio/engine-packet/frame/unknown-type", test_frame_unknown_type);
  g_test_add_func ("/sio/engine-packet/frame/invalid-utf8", test_frame_invalid_utf8);
  g_test_add_func ("/sio/engine-packet/frame/v3-binary-type", test_frame_v3_binary_type);
  g_test_add_func ("/sio/engine-packet/frame/all-types", test_frame_all_types);
  g_test_add_func ("/sio/engine-packet/frame/zero-copy", test_frame_zero_copy);
  g_test_add_func ("/sio/engine-packet/base64/strict", test_base64_strict);
  g_test_add_func ("/sio/engine-packet/base64/valid", test_base64_valid);
  g_test_add_func ("/sio/engine-packet/base64/round-trip", test_base64_round_trip);
  g_test_add_func ("/sio/engine-packet/payload-v4/errors", test_payload_v4_errors);
  g_test_add_func ("/sio/engine-packet/payload-v4/keeps-existing", test_payload_keeps_existing);
  g_test_add_func ("/sio/engine-packet/payload-v3/text-errors", test_payload_v3_text_errors);
  g_test_add_func ("/sio/engine-packet/payload-v3/text-valid", test_payload_v3_text_valid);
  g_test_add_func ("/sio/engine-packet/payload-v3/binary-errors", test_payload_v3_binary_errors);
  g_test_add_func ("/sio/engine-packet/payload-v3/binary-digits", test_payload_v3_binary_digits);
  g_test_add_func ("/sio/engine-packet/payload-v3/binary-mixed", test_payload_v3_binary_mixed);
  g_test_add_func ("/sio/engine-packet/truncation", test_truncation);
  g_test_add_func ("/sio/engine-packet/encode/round-trip", test_round_trip);
  g_test_add_func ("/sio/engine-packet/encode/utf16-length", test_encode_utf16_length);
  g_test_add_func ("/sio/engine-packet/encode/empty", test_encode_empty);
  g_test_add_func ("/sio/engine-packet/encode/multi-digit-binary", test_encode_multi_digit_binary);
  g_test_add_func ("/sio/engine-packet/init", test_init);
  g_test_add_func ("/sio/engine-packet/handshake/valid", test_handshake_valid);
  g_test_add_func ("/sio/engine-packet/handshake/invalid", test_handshake_invalid);
  g_test_add_func ("/sio/engine-packet/handshake/truncation", test_handshake_truncation);

  return g_test_run ();
}
