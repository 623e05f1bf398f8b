/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Socket.IO codec cases beyond the vectors (test-vectors.c): the edge-case
 * table of ../shared/protocol.md §3, truncations, limits, placeholders,
 * encoder round trips and the reassembly state machine.
 */
#include "sio-private.h"

#include <string.h>

#include "sio-json-private.h"
#include "sio-packet-private.h"

/* Decodes @len bytes from a heap copy of exactly that size, so that
 * reading past the end is caught by valgrind / ASan. */
static gboolean
decode_len (guint                   sio,
            const char             *text,
            gsize                   len,
            const SioPacketLimits  *limits,
            SioPacket             **out,
            GError                **error)
{
  g_autofree char *copy = g_memdup2 (text, len);

  return _sio_packet_decode (sio, copy, len, limits, out, error);
}

static SioPacket *
assert_decodes (guint       sio,
                const char *text)
{
  g_autoptr(GError) error = NULL;
  SioPacket *packet = NULL;

  g_assert_true (decode_len (sio, text, strlen (text), NULL, &packet, &error));
  g_assert_no_error (error);
  g_assert_nonnull (packet);
  return packet;
}

static void
assert_fails_len (guint       sio,
                  const char *text,
                  gsize       len)
{
  g_autoptr(GError) error = NULL;
  SioPacket *packet = NULL;

  g_test_message ("v%u must reject: %.*s", sio, (int) len, text);
  g_assert_false (decode_len (sio, text, len, NULL, &packet, &error));
  g_assert_error (error, SIO_ERROR, SIO_ERROR_PROTOCOL);
  g_assert_null (packet);
  g_test_message ("v%u rejected: %s", sio, error->message);
}

static void
assert_fails (guint       sio,
              const char *text)
{
  assert_fails_len (sio, text, strlen (text));
}

static void
assert_fails_both (const char *text)
{
  assert_fails (4, text);
  assert_fails (5, text);
}

static char *
encode (guint            sio,
        const SioPacket *packet)
{
  GString *out = g_string_new (NULL);

  _sio_packet_encode (sio, packet, out);
  return g_string_free (out, FALSE);
}

/* Header */

static void
test_unknown_type (void)
{
  assert_fails_both ("999");
  assert_fails_both ("abc");
  assert_fails_both ("7");
  assert_fails_both ("9[\"a\"]");
  assert_fails_both ("-1");
  assert_fails_both (" 2[\"a\"]");
  assert_fails_both ("\xe2\x82\xac");
}

static void
test_empty (void)
{
  assert_fails_both ("");
  assert_fails_len (5, NULL, 0);
}

static void
test_bad_payload (void)
{
  const char * const bad[] = {
    "2{}", "1/admin,{}", "2[true,\"x\"]", "2[null]", "2[[\"a\"]]", "2[{}]",
    "2\"a\"", "21", "2/admin,", "2", "2[]", "3", "3/admin,12", "3{}", "3\"a\"", "4", "4/admin,",
    "4true", "41", "1\"x\"", "1[]", "1null", "2[\"a\"", "2[\"a\"]x", "2[\"a\"]]", "2[\"a\",]",
    "2/admin[\"a\"]", "0{\"a\":1", "2['a']", "51-{}", "61-\"a\"",
  };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (bad); i++)
    assert_fails_both (bad[i]);
  assert_fails_len (5, "2[\"a\"]\0", 7);
  assert_fails_len (5, "2[\"a\0\"]", 7);

  /* v5 only */
  assert_fails (5, "0[]");
  assert_fails (5, "0null");
  assert_fails (5, "0\"x\"");
  assert_fails (5, "4[]");
  assert_fails (5, "4null");
}

static void
test_whitespace (void)
{
  /* the reference reads a space as ack id 0; JSON would allow it */
  assert_fails_both ("2 [\"a\"]");
  assert_fails_both ("2\t[\"a\"]");
  assert_fails_both ("2\n[\"a\"]");
  assert_fails_both ("2\r[\"a\"]");
  assert_fails_both ("2/admin, [\"a\"]");
  assert_fails_both ("212 [\"a\"]");
  assert_fails_both ("51- [\"a\"]");
  assert_fails_both ("2 ");
}

static void
test_reserved_names (void)
{
  const char * const v5_reserved[] = {
    "connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener",
  };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (v5_reserved); i++)
    {
      g_autofree char *text = g_strdup_printf ("2[\"%s\",1]", v5_reserved[i]);
      g_autofree char *binary = g_strdup_printf ("51-[\"%s\",{\"_placeholder\":true,\"num\":0}]",
                                                 v5_reserved[i]);
      g_autoptr(SioPacket) p4 = NULL;

      assert_fails (5, text);
      assert_fails (5, binary);
      /* the v4 (3.x) decoder does not check names */
      p4 = assert_decodes (4, text);
    }

  /* not reserved: other names, case differences, a reserved name as a
   * later argument */
  _sio_packet_free (assert_decodes (5, "2[\"Connect\"]"));
  _sio_packet_free (assert_decodes (5, "2[\"error\"]"));
  _sio_packet_free (assert_decodes (5, "2[\"ping\"]"));
  _sio_packet_free (assert_decodes (5, "2[\"x\",\"connect\"]"));
  _sio_packet_free (assert_decodes (5, "2[\"\"]"));
}

static void
test_number_event_names (void)
{
  guint sio;

  for (sio = 4; sio <= 5; sio++)
    {
      _sio_packet_free (assert_decodes (sio, "2[1,\"a\"]"));
      _sio_packet_free (assert_decodes (sio, "2[-1.5]"));
      _sio_packet_free (assert_decodes (sio, "2[1e300]"));
      /* 8e7782 overflows to an infinity, which JSON writes back as null */
      assert_fails (sio, "2[8e7782]");
      assert_fails (sio, "2[-1e400,\"a\"]");
    }
}

static void
test_revision_payload_rules (void)
{
  SioPacket *p;

  /* socket.io-parser 3.x accepts anything typeof "object" for CONNECT and
   * ERROR; 4.x only plain objects (and strings for CONNECT_ERROR) */
  _sio_packet_free (assert_decodes (4, "0/admin,[]"));
  _sio_packet_free (assert_decodes (4, "0null"));
  _sio_packet_free (assert_decodes (4, "4[1]"));
  _sio_packet_free (assert_decodes (4, "4null"));
  assert_fails_both ("41");
  assert_fails_both ("4true");
  assert_fails_both ("0\"x\"");

  p = assert_decodes (5, "4/admin,{\"message\":\"no\",\"data\":{\"a\":1}}");
  g_assert_cmpint (p->type, ==, SIO_PACKET_CONNECT_ERROR);
  g_assert_cmpstr (p->nsp, ==, "/admin");
  g_assert_true (JSON_NODE_HOLDS_OBJECT (p->data));
  _sio_packet_free (p);

  p = assert_decodes (5, "0");
  g_assert_null (p->data);
  _sio_packet_free (p);

  p = assert_decodes (5, "3/admin,0[]");
  g_assert_cmpint (p->id, ==, 0);
  _sio_packet_free (p);
}

static void
test_namespace (void)
{
  SioPacket *p;

  p = assert_decodes (5, "0/admin");
  g_assert_cmpstr (p->nsp, ==, "/admin");
  g_assert_cmpint (p->id, ==, -1);
  _sio_packet_free (p);

  p = assert_decodes (5, "1/,");
  g_assert_cmpstr (p->nsp, ==, "/");
  _sio_packet_free (p);

  p = assert_decodes (4, "0/admin?token=1234&uid=abcd,");
  g_assert_cmpstr (p->nsp, ==, "/admin?token=1234&uid=abcd");
  _sio_packet_free (p);

  p = assert_decodes (5, "2/ünï😀,7[\"a\"]");
  g_assert_cmpstr (p->nsp, ==, "/ünï😀");
  g_assert_cmpint (p->id, ==, 7);
  _sio_packet_free (p);

  /* the namespace runs to the first comma */
  p = assert_decodes (5, "2/a,1[\"b,c\"]");
  g_assert_cmpstr (p->nsp, ==, "/a");
  _sio_packet_free (p);

  assert_fails_len (5, "0/ad\0min,", 9);
  assert_fails (5, "0/ad\xffmin,");
  assert_fails (5, "0/ad\xe2\x82,");
}

/* Ack ids */

static void
test_ack_id (void)
{
  SioPacket *p;

  p = assert_decodes (5, "29007199254740991[\"a\"]");
  g_assert_cmpint (p->id, ==, G_GINT64_CONSTANT (9007199254740991));
  _sio_packet_free (p);

  p = assert_decodes (5, "2/nsp,000000000000000000000000000012[\"x\"]");
  g_assert_cmpint (p->id, ==, 12);
  _sio_packet_free (p);

  p = assert_decodes (4, "30[]");
  g_assert_cmpint (p->id, ==, 0);
  _sio_packet_free (p);

  assert_fails_both ("29007199254740992[\"a\"]");
  assert_fails_both ("21234567890123456789[\"a\"]");
  assert_fails_both ("299999999999999999999999999999999999[\"a\"]");
  assert_fails_both ("2abc[\"a\"]");
  assert_fails_both ("21a[\"a\"]");
  assert_fails_both ("2-1[\"a\"]");
  assert_fails_both ("2+1[\"a\"]");
  assert_fails_both ("21.5[\"a\"]");
  assert_fails_both ("2\xd9\xa1[\"a\"]"); /* ARABIC-INDIC DIGIT ONE */
}

/* Attachments */

static void
test_attachments_header (void)
{
  const char * const bad[] = {
    "5", "51", "5a-", "51.23-", "50-[\"a\"]", "5-[\"a\"]", "500-[\"a\"]", "5 1-[\"a\"]",
    "5-1-[\"a\"]", "6", "61", "60-[]", "511-[\"x\"]", "599999999999999999999999999999-[\"a\"]",
    "51e0-[\"a\"]", "5+1-[\"a\"]",
  };
  SioPacket *p;
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (bad); i++)
    assert_fails_both (bad[i]);

  p = assert_decodes (5, "510-[\"a\"]");
  g_assert_cmpuint (p->n_attachments, ==, 10);
  _sio_packet_free (p);

  p = assert_decodes (4, "501-/x,5[\"a\"]");
  g_assert_cmpuint (p->n_attachments, ==, 1);
  g_assert_cmpstr (p->nsp, ==, "/x");
  g_assert_cmpint (p->id, ==, 5);
  g_assert_null (p->attachments);
  _sio_packet_free (p);

  /* only binary types have a count: here "1" is an ack id */
  assert_fails_both ("21-[\"a\"]");
}

static void
test_attachments_limits (void)
{
  SioPacketLimits limits = { 2 };
  g_autoptr(GError) error = NULL;
  SioPacket *p = NULL;

  g_assert_true (decode_len (5, "52-[\"a\"]", 8, &limits, &p, &error));
  g_assert_no_error (error);
  g_clear_pointer (&p, _sio_packet_free);

  g_assert_false (decode_len (5, "53-[\"a\"]", 8, &limits, &p, &error));
  g_assert_error (error, SIO_ERROR, SIO_ERROR_PROTOCOL);
  g_clear_error (&error);

  limits.max_attachments = 0;
  g_assert_false (decode_len (5, "51-[\"a\"]", 8, &limits, &p, &error));
  g_assert_error (error, SIO_ERROR, SIO_ERROR_PROTOCOL);
  g_clear_error (&error);

  limits.max_attachments = G_MAXUINT;
  g_assert_true (decode_len (5, "54294967295-[\"a\"]", 17, &limits, &p, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (p->n_attachments, ==, G_MAXUINT);
  g_clear_pointer (&p, _sio_packet_free);

  g_assert_false (decode_len (5, "54294967296-[\"a\"]", 17, &limits, &p, &error));
  g_assert_error (error, SIO_ERROR, SIO_ERROR_PROTOCOL);
  g_clear_error (&error);

  g_assert_false (decode_len (5, "518446744073709551617-[\"a\"]", 27, &limits, &p, &error));
  g_assert_error (error, SIO_ERROR, SIO_ERROR_PROTOCOL);
}

/* Placeholders */

static JsonNode *
parse (const char *json)
{
  g_autoptr(GError) error = NULL;
  JsonNode *node = _sio_json_parse (json, strlen (json), &error);

  g_assert_no_error (error);
  return node;
}

static void
assert_placeholders (const char *json,
                     guint       n,
                     gboolean    valid)
{
  g_autoptr(JsonNode) node = parse (json);
  g_autoptr(GError) error = NULL;

  if (valid)
    {
      g_assert_true (_sio_packet_check_placeholders (node, n, &error));
      g_assert_no_error (error);
    }
  else
    {
      g_assert_false (_sio_packet_check_placeholders (node, n, &error));
      g_assert_error (error, SIO_ERROR, SIO_ERROR_PROTOCOL);
    }
}

static void
test_placeholders (void)
{
  g_assert_true (_sio_packet_check_placeholders (NULL, 0, NULL));

  assert_placeholders ("[\"a\",{\"_placeholder\":true,\"num\":0}]", 1, TRUE);
  assert_placeholders ("[\"a\",{\"_placeholder\":true,\"num\":0}]", 2, TRUE);   /* fewer */
  assert_placeholders ("[{\"_placeholder\":true,\"num\":0},{\"_placeholder\":true,\"num\":0}]", 1, TRUE);
  assert_placeholders ("[{\"x\":[{\"y\":{\"_placeholder\":true,\"num\":1}}]}]", 2, TRUE);
  assert_placeholders ("[{\"num\":5,\"_placeholder\":true,\"extra\":{\"_placeholder\":true}}]", 6, TRUE);
  assert_placeholders ("[{\"_placeholder\":true,\"num\":0.0}]", 1, TRUE);
  /* only boolean true makes a placeholder */
  assert_placeholders ("[{\"_placeholder\":\"true\",\"num\":7}]", 1, TRUE);
  assert_placeholders ("[{\"_placeholder\":1,\"num\":7}]", 1, TRUE);
  assert_placeholders ("[{\"_placeholder\":false,\"num\":7}]", 1, TRUE);
  assert_placeholders ("{\"_placeholder\":null}", 1, TRUE);
  assert_placeholders ("\"_placeholder\"", 0, TRUE);

  assert_placeholders ("[{\"_placeholder\":true,\"num\":1}]", 1, FALSE);
  assert_placeholders ("[{\"_placeholder\":true,\"num\":-1}]", 1, FALSE);
  assert_placeholders ("[{\"_placeholder\":true,\"num\":0.5}]", 1, FALSE);
  assert_placeholders ("[{\"_placeholder\":true,\"num\":\"0\"}]", 1, FALSE);
  assert_placeholders ("[{\"_placeholder\":true,\"num\":\"splice\"}]", 1, FALSE);
  assert_placeholders ("[{\"_placeholder\":true,\"num\":null}]", 1, FALSE);
  assert_placeholders ("[{\"_placeholder\":true,\"num\":[0]}]", 1, FALSE);
  assert_placeholders ("[{\"_placeholder\":true}]", 1, FALSE);
  assert_placeholders ("[{\"_placeholder\":true,\"num\":1e300}]", 1, FALSE);
  assert_placeholders ("[{\"_placeholder\":true,\"num\":9223372036854775807}]", 1, FALSE);
  assert_placeholders ("[{\"_placeholder\":true,\"num\":0}]", 0, FALSE);
  assert_placeholders ("{\"a\":{\"b\":[1,2,{\"_placeholder\":true,\"num\":3}]}}", 3, FALSE);
}

/* Decoder state machine */

static GBytes *
bytes (const char *s)
{
  return g_bytes_new (s, strlen (s));
}

static void
test_decoder_binary_event (void)
{
  SioPacketDecoder *decoder = _sio_packet_decoder_new (5, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) a = bytes ("A");
  g_autoptr(GBytes) b = bytes ("B");
  const char *header = "52-/x,3[\"e\",{\"_placeholder\":true,\"num\":1},{\"_placeholder\":true,\"num\":0}]";
  SioPacket *p = NULL;

  g_assert_false (_sio_packet_decoder_is_waiting (decoder));
  g_assert_true (_sio_packet_decoder_feed_text (decoder, header, strlen (header), &p, &error));
  g_assert_no_error (error);
  g_assert_null (p);
  g_assert_true (_sio_packet_decoder_is_waiting (decoder));
  g_assert_true (_sio_packet_decoder_feed_binary (decoder, a, &p, &error));
  g_assert_null (p);
  g_assert_true (_sio_packet_decoder_is_waiting (decoder));
  g_assert_true (_sio_packet_decoder_feed_binary (decoder, b, &p, &error));
  g_assert_no_error (error);
  g_assert_nonnull (p);
  g_assert_false (_sio_packet_decoder_is_waiting (decoder));

  /* type kept, placeholders kept, attachments in order */
  g_assert_cmpint (p->type, ==, SIO_PACKET_BINARY_EVENT);
  g_assert_cmpstr (p->nsp, ==, "/x");
  g_assert_cmpint (p->id, ==, 3);
  g_assert_cmpuint (p->n_attachments, ==, 2);
  g_assert_cmpuint (p->attachments->len, ==, 2);
  g_assert_true (g_ptr_array_index (p->attachments, 0) == a);
  g_assert_true (g_ptr_array_index (p->attachments, 1) == b);
  {
    g_autofree char *again = encode (5, p);

    g_assert_cmpstr (again, ==, header);
  }
  _sio_packet_free (p);

  /* non-binary packets come out at once */
  g_assert_true (_sio_packet_decoder_feed_text (decoder, "2[\"x\"]", 6, &p, &error));
  g_assert_nonnull (p);
  g_assert_null (p->attachments);
  _sio_packet_free (p);

  _sio_packet_decoder_free (decoder);
}

static void
test_decoder_text_while_waiting (void)
{
  SioPacketDecoder *decoder = _sio_packet_decoder_new (4, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) a = bytes ("A");
  SioPacket *p = NULL;

  g_assert_true (_sio_packet_decoder_feed_text (decoder, "61-[{\"_placeholder\":true,\"num\":0}]", 34, &p, &error));
  g_assert_true (_sio_packet_decoder_is_waiting (decoder));
  g_assert_false (_sio_packet_decoder_feed_text (decoder, "2[\"x\"]", 6, &p, &error));
  g_assert_error (error, SIO_ERROR, SIO_ERROR_PROTOCOL);
  g_assert_null (p);
  g_clear_error (&error);

  /* reset after the error: the attachment is now unexpected ... */
  g_assert_false (_sio_packet_decoder_is_waiting (decoder));
  g_assert_false (_sio_packet_decoder_feed_binary (decoder, a, &p, &error));
  g_assert_error (error, SIO_ERROR, SIO_ERROR_PROTOCOL);
  g_clear_error (&error);

  /* ... and the decoder works again */
  g_assert_true (_sio_packet_decoder_feed_text (decoder, "2[\"x\"]", 6, &p, &error));
  g_assert_no_error (error);
  g_assert_nonnull (p);
  _sio_packet_free (p);

  _sio_packet_decoder_free (decoder);
}

static void
test_decoder_binary_not_waiting (void)
{
  SioPacketDecoder *decoder = _sio_packet_decoder_new (5, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) a = bytes ("A");
  g_autoptr(GBytes) empty = g_bytes_new (NULL, 0);
  SioPacket *p = NULL;

  g_assert_false (_sio_packet_decoder_feed_binary (decoder, a, &p, &error));
  g_assert_error (error, SIO_ERROR, SIO_ERROR_PROTOCOL);
  g_clear_error (&error);
  g_assert_false (_sio_packet_decoder_feed_binary (decoder, empty, &p, &error));
  g_assert_error (error, SIO_ERROR, SIO_ERROR_PROTOCOL);
  g_clear_error (&error);

  /* an empty attachment is still an attachment */
  g_assert_true (_sio_packet_decoder_feed_text (decoder, "51-[\"a\",{\"_placeholder\":true,\"num\":0}]", 38, &p, &error));
  g_assert_true (_sio_packet_decoder_feed_binary (decoder, empty, &p, &error));
  g_assert_no_error (error);
  g_assert_nonnull (p);
  g_assert_cmpuint (g_bytes_get_size (g_ptr_array_index (p->attachments, 0)), ==, 0);
  _sio_packet_free (p);

  _sio_packet_decoder_free (decoder);
}

static void
test_decoder_bad_placeholder (void)
{
  SioPacketDecoder *decoder = _sio_packet_decoder_new (5, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) a = bytes ("A");
  SioPacket *p = NULL;

  /* placeholders are checked only once all attachments are there */
  g_assert_true (_sio_packet_decoder_feed_text (decoder, "51-[\"a\",{\"_placeholder\":true,\"num\":1}]", 38, &p, &error));
  g_assert_no_error (error);
  g_assert_false (_sio_packet_decoder_feed_binary (decoder, a, &p, &error));
  g_assert_error (error, SIO_ERROR, SIO_ERROR_PROTOCOL);
  g_assert_null (p);
  g_assert_false (_sio_packet_decoder_is_waiting (decoder));
  g_clear_error (&error);

  /* a bad header leaves the decoder idle */
  g_assert_false (_sio_packet_decoder_feed_text (decoder, "5", 1, &p, &error));
  g_assert_error (error, SIO_ERROR, SIO_ERROR_PROTOCOL);
  g_assert_false (_sio_packet_decoder_is_waiting (decoder));

  _sio_packet_decoder_free (decoder);
}

static void
test_decoder_reset_and_free (void)
{
  SioPacketDecoder *decoder = _sio_packet_decoder_new (5, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) a = bytes ("A");
  SioPacket *p = NULL;

  g_assert_true (_sio_packet_decoder_feed_text (decoder, "52-[\"a\"]", 8, &p, &error));
  g_assert_true (_sio_packet_decoder_feed_binary (decoder, a, &p, &error));
  g_assert_true (_sio_packet_decoder_is_waiting (decoder));
  _sio_packet_decoder_reset (decoder);
  g_assert_false (_sio_packet_decoder_is_waiting (decoder));
  _sio_packet_decoder_reset (decoder);

  /* freed while waiting: nothing leaks (valgrind) */
  g_assert_true (_sio_packet_decoder_feed_text (decoder, "52-[\"a\"]", 8, &p, &error));
  g_assert_true (_sio_packet_decoder_feed_binary (decoder, a, &p, &error));
  g_assert_no_error (error);
  _sio_packet_decoder_free (decoder);
  _sio_packet_decoder_free (NULL);
}

static void
test_decoder_limits (void)
{
  SioPacketLimits limits = { 1 };
  SioPacketDecoder *decoder = _sio_packet_decoder_new (5, &limits);
  g_autoptr(GError) error = NULL;
  SioPacket *p = NULL;

  limits.max_attachments = 100; /* copied at creation */
  g_assert_false (_sio_packet_decoder_feed_text (decoder, "52-[\"a\"]", 8, &p, &error));
  g_assert_error (error, SIO_ERROR, SIO_ERROR_PROTOCOL);
  _sio_packet_decoder_free (decoder);
}

/* Encoder */

static void
test_encode (void)
{
  g_autoptr(SioPacket) p = _sio_packet_new (SIO_PACKET_EVENT, NULL);
  char *s;

  g_assert_cmpstr (p->nsp, ==, "/");
  g_assert_cmpint (p->id, ==, -1);

  p->data = parse ("[\"a\",1,{\"b\":null}]");
  s = encode (5, p);
  g_assert_cmpstr (s, ==, "2[\"a\",1,{\"b\":null}]");
  g_free (s);

  p->id = 0;
  s = encode (5, p);
  g_assert_cmpstr (s, ==, "20[\"a\",1,{\"b\":null}]");
  g_free (s);

  g_free (p->nsp);
  p->nsp = g_strdup ("/admin");
  p->id = G_GINT64_CONSTANT (9007199254740991);
  s = encode (4, p);
  g_assert_cmpstr (s, ==, "2/admin,9007199254740991[\"a\",1,{\"b\":null}]");
  g_free (s);

  p->type = SIO_PACKET_BINARY_ACK;
  p->n_attachments = 12;
  s = encode (5, p);
  g_assert_cmpstr (s, ==, "612-/admin,9007199254740991[\"a\",1,{\"b\":null}]");
  g_free (s);

  /* NULL is no payload; a null node is the JSON null (v4 accepts "4null") */
  p->type = SIO_PACKET_DISCONNECT;
  p->id = -1;
  g_clear_pointer (&p->data, json_node_unref);
  s = encode (5, p);
  g_assert_cmpstr (s, ==, "1/admin,");
  g_free (s);
  p->type = SIO_PACKET_CONNECT_ERROR;
  p->data = json_node_new (JSON_NODE_NULL);
  s = encode (4, p);
  g_assert_cmpstr (s, ==, "4/admin,null");
  g_free (s);
}

static void
test_encode_appends (void)
{
  g_autoptr(SioPacket) p = _sio_packet_new (SIO_PACKET_CONNECT, "/");
  g_autoptr(GString) out = g_string_new ("4");

  _sio_packet_encode (5, p, out);
  _sio_packet_encode (5, p, out);
  g_assert_cmpstr (out->str, ==, "400");
}

static void
test_round_trip (void)
{
  const char * const packets[] = {
    "0", "0/admin,", "0{\"token\":\"123\"}", "0/a,{\"x\":[1,2.5,\"é😀\\n\\u0001\"]}",
    "1", "1/admin,", "2[\"a\"]", "2/a,12[\"a\",{\"b\":[true,false,null]}]",
    "3/admin,13[]", "312[\"x\"]", "4{\"message\":\"no\"}", "4\"x\"",
    "51-/cool,23[\"a\",{\"b\":[\"c\",{\"_placeholder\":true,\"num\":0}]}]",
    "610-0[{\"_placeholder\":true,\"num\":9}]", "2[-0.5,1e+21,1e-7,123456789012345678]",
  };
  const char * const v4_only[] = { "4null", "0null", "4[1]", "0/x,[]" };
  guint sio;
  gsize i;

  for (sio = 4; sio <= 5; sio++)
    for (i = 0; i < G_N_ELEMENTS (packets); i++)
      {
        g_autoptr(SioPacket) p = assert_decodes (sio, packets[i]);
        g_autofree char *s = encode (sio, p);

        g_assert_cmpstr (s, ==, packets[i]);
      }

  for (i = 0; i < G_N_ELEMENTS (v4_only); i++)
    {
      g_autoptr(SioPacket) p = assert_decodes (4, v4_only[i]);
      g_autofree char *s = encode (4, p);

      g_assert_cmpstr (s, ==, v4_only[i]);
    }
}

/* Truncations: every prefix of valid packets decodes or fails cleanly. */
static void
test_truncation (void)
{
  const char * const packets[] = {
    "52-/cool,23[\"a\",{\"b\":[\"c\",{\"_placeholder\":true,\"num\":0}]},\"€😀\"]",
    "0/admin?x=1,{\"token\":\"abc\",\"n\":[1.5e3,-2,true,null]}",
    "3/admin,9007199254740991[]",
    "4/random,{\"message\":\"Invalid namespace\"}",
  };
  guint sio;
  gsize i, n;

  for (sio = 4; sio <= 5; sio++)
    for (i = 0; i < G_N_ELEMENTS (packets); i++)
      for (n = 0; n <= strlen (packets[i]); n++)
        {
          g_autoptr(GError) error = NULL;
          g_autoptr(SioPacket) p = NULL;

          if (!decode_len (sio, packets[i], n, NULL, &p, &error))
            g_assert_error (error, SIO_ERROR, SIO_ERROR_PROTOCOL);
          else
            g_assert_nonnull (p);
        }
}

static void
test_not_nul_terminated (void)
{
  /* only len bytes count */
  g_autoptr(GError) error = NULL;
  g_autoptr(SioPacket) p = NULL;
  static const char text[] = "2[\"a\"]garbage";

  g_assert_true (_sio_packet_decode (5, text, 6, NULL, &p, &error));
  g_assert_no_error (error);
  g_clear_pointer (&p, _sio_packet_free);

  g_assert_true (_sio_packet_decode (5, "1/admin,XYZ", 7, NULL, &p, &error));
  g_assert_cmpstr (p->nsp, ==, "/admin");
}

/* Fuzz regressions: inputs of fuzz/fuzz-packet.c (byte 0: bit 0 = v5,
 * bit 1 = stream of 0x1e-separated messages, 'B' = binary; bits 2-5 = the
 * attachment limit) replayed with the same checks: every decoded packet
 * encodes to a fixed point. */

static void
assert_fixed_point (guint                  sio,
                    const SioPacketLimits *limits,
                    SioPacket             *packet)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SioPacket) again = NULL;
  g_autofree char *first = encode (sio, packet);
  g_autofree char *second = NULL;

  g_assert_true (_sio_packet_decode (sio, first, strlen (first), limits, &again, &error));
  g_assert_no_error (error);
  second = encode (sio, again);
  g_assert_cmpstr (first, ==, second);
}

static void
replay_fuzz_input (const guint8 *data,
                   gsize         size)
{
  SioPacketLimits limits = { (data[0] >> 2) & 0xf };
  guint sio = (data[0] & 1) ? 5 : 4;
  const guint8 *p = data + 1;
  const guint8 *end = data + size;
  SioPacketDecoder *decoder;

  if ((data[0] & 2) == 0)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(SioPacket) packet = NULL;

      if (decode_len (sio, (const char *) p, end - p, &limits, &packet, &error))
        assert_fixed_point (sio, &limits, packet);
      else
        g_assert_error (error, SIO_ERROR, SIO_ERROR_PROTOCOL);
      return;
    }

  decoder = _sio_packet_decoder_new (sio, &limits);
  for (;;)
    {
      const guint8 *sep = memchr (p, 0x1e, end - p);
      const guint8 *record_end = sep != NULL ? sep : end;
      g_autoptr(SioPacket) packet = NULL;
      g_autoptr(GError) error = NULL;
      gboolean ok;

      if (record_end > p && *p == 'B')
        {
          g_autoptr(GBytes) b = g_bytes_new (p + 1, record_end - p - 1);

          ok = _sio_packet_decoder_feed_binary (decoder, b, &packet, &error);
        }
      else
        ok = _sio_packet_decoder_feed_text (decoder, (const char *) p, record_end - p,
                                            &packet, &error);

      g_assert_true (ok == (error == NULL));
      if (packet != NULL)
        assert_fixed_point (sio, &limits, packet);

      if (sep == NULL)
        break;
      p = sep + 1;
    }
  _sio_packet_decoder_free (decoder);
}

static void
test_fuzz_infinite_event_name (void)
{
  /* fuzz-packet crash-a8c78e5a: "2[8e7782]" decoded as an EVENT named
   * Infinity, which encodes as "2[null]", which does not decode */
  static const guint8 input[] = {
    0x2b, 0xff, 0xb8, 0xb8, 0xb8, 0xb8, 0xb8, 0xb8, 0xb8, 0xb8, 0xb8, 0xb8, 0x4b, 0x1e, 0x33, 0x5c,
    0x1e, 0x32, 0x5b, 0x38, 0x65, 0x37, 0x37, 0x38, 0x32, 0x5d, 0x1e, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0x01, 0x00, 0x06, 0x6d,
  };

  replay_fuzz_input (input, sizeof input);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/sio/packet/decode/unknown-type", test_unknown_type);
  g_test_add_func ("/sio/packet/decode/empty", test_empty);
  g_test_add_func ("/sio/packet/decode/bad-payload", test_bad_payload);
  g_test_add_func ("/sio/packet/decode/whitespace", test_whitespace);
  g_test_add_func ("/sio/packet/decode/reserved-names", test_reserved_names);
  g_test_add_func ("/sio/packet/decode/number-event-names", test_number_event_names);
  g_test_add_func ("/sio/packet/decode/revision-payload-rules", test_revision_payload_rules);
  g_test_add_func ("/sio/packet/decode/namespace", test_namespace);
  g_test_add_func ("/sio/packet/decode/ack-id", test_ack_id);
  g_test_add_func ("/sio/packet/decode/attachments-header", test_attachments_header);
  g_test_add_func ("/sio/packet/decode/attachments-limits", test_attachments_limits);
  g_test_add_func ("/sio/packet/decode/truncation", test_truncation);
  g_test_add_func ("/sio/packet/decode/not-nul-terminated", test_not_nul_terminated);
  g_test_add_func ("/sio/packet/placeholders", test_placeholders);
  g_test_add_func ("/sio/packet/decoder/binary-event", test_decoder_binary_event);
  g_test_add_func ("/sio/packet/decoder/text-while-waiting", test_decoder_text_while_waiting);
  g_test_add_func ("/sio/packet/decoder/binary-not-waiting", test_decoder_binary_not_waiting);
  g_test_add_func ("/sio/packet/decoder/bad-placeholder", test_decoder_bad_placeholder);
  g_test_add_func ("/sio/packet/decoder/reset-and-free", test_decoder_reset_and_free);
  g_test_add_func ("/sio/packet/decoder/limits", test_decoder_limits);
  g_test_add_func ("/sio/packet/encode/fields", test_encode);
  g_test_add_func ("/sio/packet/encode/appends", test_encode_appends);
  g_test_add_func ("/sio/packet/encode/round-trip", test_round_trip);
  g_test_add_func ("/sio/packet/fuzz/infinite-event-name", test_fuzz_infinite_event_name);

  return g_test_run ();
}
