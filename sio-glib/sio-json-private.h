/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sio-json: the JSON codec of the wire layer.
 *
 * json-glib's JsonParser/JsonGenerator are too slow for a per-event hot path
 * and json-glib 1.6's generator writes invalid JSON for some doubles
 * (`1e+21.0`), so the wire layer reads and writes JSON itself, into and out
 * of ordinary json-glib nodes.
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Nesting deeper than this is refused by the parser. */
#define SIO_JSON_MAX_DEPTH 256

/*
 * _sio_json_parse:
 * @data: (array length=len): UTF-8 text, not necessarily nul-terminated
 * @len: length of @data in bytes
 * @error: SIO_ERROR_PROTOCOL on any failure
 *
 * Strict RFC 8259 parser (no trailing commas, no comments, no leading zeros,
 * no NaN, whitespace only where allowed). Validates UTF-8. Integers that
 * fit in gint64 become G_TYPE_INT64 values, every other number a double.
 * \u escapes are decoded, surrogate pairs joined; a lone surrogate becomes
 * U+FFFD. Duplicate object keys: the last one wins (as JSON.parse).
 *
 * Returns: (transfer full): the node, or NULL with @error set.
 */
JsonNode *_sio_json_parse        (const char  *data,
                                  gsize        len,
                                  GError     **error);

/*
 * _sio_json_write:
 * Appends @node to @out exactly as JavaScript's JSON.stringify would:
 * compact, object member order kept, strings escaped as JS does
 * (\" \\ \b \f \n \r \t, other control characters as \u00xx, everything
 * else raw UTF-8), int64 values as integers, doubles as JS
 * Number.prototype.toString (shortest round-trip: 0.1 -> "0.1",
 * 100.0 -> "100", 1e21 -> "1e+21", 1e-7 -> "1e-7", -0 -> "0"), NaN and
 * infinities as "null". A NULL node or a JSON_NODE_NULL writes "null".
 */
void      _sio_json_write        (GString     *out,
                                  JsonNode    *node);
void      _sio_json_write_array  (GString     *out,
                                  JsonArray   *array);
void      _sio_json_write_string (GString     *out,
                                  const char  *str);
void      _sio_json_write_double (GString     *out,
                                  double       value);
/* An integer in decimal, without printf (the packet encoder's ack ids). */
void      _sio_json_write_int    (GString     *out,
                                  gint64       value);

/* Convenience: a newly allocated string. */
char     *_sio_json_to_string    (JsonNode    *node);

G_END_DECLS
