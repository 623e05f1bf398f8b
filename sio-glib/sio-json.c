/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sio-json: a strict, fast JSON reader and a JSON.stringify-compatible
 * writer working directly on json-glib nodes.
 *
 * The parser is a recursive descent parser bounded by SIO_JSON_MAX_DEPTH.
 * It never reads past the end of its input (which is not nul-terminated)
 * and decodes every string into one scratch buffer sized after the input,
 * so the inner loops need no capacity checks: a decoded string, with its
 * nul terminator, is never longer than its quoted source text. Object keys
 * stay on that buffer, stacked, until their member is stored.
 *
 * Decisions worth knowing:
 *  - "-0" is the integer 0 (as json-glib's parser reads it); "-0.0" is the
 *    double -0.0, which the writer prints as "0" like JavaScript.
 *  - \u0000 and lone surrogates decode to U+FFFD: a C string can hold
 *    neither.
 *  - Numbers out of the double range become infinities (as JSON.parse);
 *    the writer prints them as null.
 *  - Duplicate keys: the last value wins, at the position of the first
 *    occurrence (as JSON.parse).
 *  - An object with more than MAX_COLLIDING_KEYS member names of the same
 *    g_str_hash() value is refused: JsonObject's hash table would make it
 *    quadratic (see count_key_hash()).
 *  - The writer replaces bytes that are not UTF-8 with U+FFFD, so that its
 *    output is always valid JSON text. It recurses once per nesting level
 *    of the tree it is given.
 */
#include "sio-private.h"

#include <float.h>
#include <string.h>

#include "sio-json-private.h"

/* Byte classes, shared by the parser and the writer. */
enum
{
  __ = 0,  /* any other printable ASCII byte, copied as is */
  QQ,      /* '"' */
  BS,      /* '\\' */
  CC,      /* control character, 0x00-0x1f */
  XX,      /* never valid in UTF-8 */
  U2,      /* lead byte of a 2-byte sequence */
  E0,      /* 0xe0: 3 bytes, second byte 0xa0-0xbf (no overlongs) */
  U3,      /* other leads of 3-byte sequences */
  ED,      /* 0xed: 3 bytes, second byte 0x80-0x9f (no surrogates) */
  F0,      /* 0xf0: 4 bytes, second byte 0x90-0xbf (no overlongs) */
  U4,      /* 0xf1-0xf3: 4 bytes */
  F4,      /* 0xf4: 4 bytes, second byte 0x80-0x8f (up to U+10FFFF) */
};

static const guint8 byte_class[256] = {
  CC, CC, CC, CC, CC, CC, CC, CC, CC, CC, CC, CC, CC, CC, CC, CC,  /* 00 */
  CC, CC, CC, CC, CC, CC, CC, CC, CC, CC, CC, CC, CC, CC, CC, CC,  /* 10 */
  __, __, QQ, __, __, __, __, __, __, __, __, __, __, __, __, __,  /* 20 */
  __, __, __, __, __, __, __, __, __, __, __, __, __, __, __, __,  /* 30 */
  __, __, __, __, __, __, __, __, __, __, __, __, __, __, __, __,  /* 40 */
  __, __, __, __, __, __, __, __, __, __, __, __, BS, __, __, __,  /* 50 */
  __, __, __, __, __, __, __, __, __, __, __, __, __, __, __, __,  /* 60 */
  __, __, __, __, __, __, __, __, __, __, __, __, __, __, __, __,  /* 70 */
  XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX,  /* 80 */
  XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX,  /* 90 */
  XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX,  /* A0 */
  XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX,  /* B0 */
  XX, XX, U2, U2, U2, U2, U2, U2, U2, U2, U2, U2, U2, U2, U2, U2,  /* C0 */
  U2, U2, U2, U2, U2, U2, U2, U2, U2, U2, U2, U2, U2, U2, U2, U2,  /* D0 */
  E0, U3, U3, U3, U3, U3, U3, U3, U3, U3, U3, U3, U3, ED, U3, U3,  /* E0 */
  F0, U4, U4, U4, F4, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX,  /* F0 */
};

#define IS_DIGIT(c) ((guint) (c) - '0' < 10u)
#define IS_SPACE(c) ((c) == ' ' || (c) == '\n' || (c) == '\r' || (c) == '\t')

/* The UTF-8 encoding of U+FFFD REPLACEMENT CHARACTER. */
#define REPLACEMENT_CHARACTER "\xef\xbf\xbd"

/*
 * Checks the multi-byte sequence at @p, whose lead byte has class @cls,
 * against Unicode's table of well-formed UTF-8 (no overlong forms, no
 * surrogates, nothing above U+10FFFF). At most @avail bytes are available;
 * bytes are looked at in order, so a nul terminator stops the check.
 * Returns the length of the sequence, or 0 if it is not well-formed.
 */
static inline gsize
utf8_sequence_length (guint         cls,
                      const guchar *p,
                      gsize         avail)
{
  guchar lo = 0x80, hi = 0xbf;
  gsize n, i;

  switch (cls)
    {
    case U2:
      n = 2;
      break;
    case E0:
      n = 3;
      lo = 0xa0;
      break;
    case U3:
      n = 3;
      break;
    case ED:
      n = 3;
      hi = 0x9f;
      break;
    case F0:
      n = 4;
      lo = 0x90;
      break;
    case U4:
      n = 4;
      break;
    case F4:
      n = 4;
      hi = 0x8f;
      break;
    default:
      return 0;
    }

  if (avail < n || p[1] < lo || p[1] > hi)
    return 0;
  for (i = 2; i < n; i++)
    if ((p[i] & 0xc0) != 0x80)
      return 0;

  return n;
}

/* Powers of ten that doubles hold exactly. */
static const double exact_powers_of_ten[] = {
  1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
  1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

/* The exact shortcuts below need plain IEEE double arithmetic, without
 * extended intermediate precision (x87). */
#if defined(FLT_EVAL_METHOD) && FLT_EVAL_METHOD == 0
# define EXACT_DOUBLE_ARITHMETIC 1
#else
# define EXACT_DOUBLE_ARITHMETIC 0
#endif

/* ------------------------------------------------------------------------
 * Parser
 * ------------------------------------------------------------------------ */

typedef struct
{
  const guchar *start;
  const guchar *end;
  const guchar *p;
  /* Decoded strings; at least as large as the input, plus one byte. */
  char         *scratch;
  /* Bytes of @scratch used by the keys of the members being parsed. */
  gsize         top;
  /* The first error: an untranslated message and its position. */
  const char   *reason;
  const guchar *where;
} ParseState;

static JsonNode *parse_value (ParseState *ps,
                              guint       depth);

static inline gpointer
parse_error (ParseState   *ps,
             const guchar *where,
             const char   *reason)
{
  if (ps->reason == NULL)
    {
      ps->reason = reason;
      ps->where = where;
    }

  return NULL;
}

static inline const guchar *
skip_space (const guchar *p,
            const guchar *end)
{
  while (p < end && IS_SPACE (*p))
    p++;

  return p;
}

static inline int
hex_digit (guchar c)
{
  if (IS_DIGIT (c))
    return c - '0';
  c |= 0x20;
  if ((guint) c - 'a' < 6u)
    return c - 'a' + 10;

  return -1;
}

/* The code unit of the four hex digits at @p, or -1. */
static inline int
hex_code_unit (const guchar *p)
{
  int a = hex_digit (p[0]);
  int b = hex_digit (p[1]);
  int c = hex_digit (p[2]);
  int d = hex_digit (p[3]);

  if ((a | b | c | d) < 0)
    return -1;

  return (a << 12) | (b << 8) | (c << 4) | d;
}

static inline char *
put_utf8 (char    *out,
          guint32  c)
{
  if (c < 0x80)
    {
      *out++ = c;
    }
  else if (c < 0x800)
    {
      *out++ = 0xc0 | (c >> 6);
      *out++ = 0x80 | (c & 0x3f);
    }
  else if (c < 0x10000)
    {
      *out++ = 0xe0 | (c >> 12);
      *out++ = 0x80 | ((c >> 6) & 0x3f);
      *out++ = 0x80 | (c & 0x3f);
    }
  else
    {
      *out++ = 0xf0 | (c >> 18);
      *out++ = 0x80 | ((c >> 12) & 0x3f);
      *out++ = 0x80 | ((c >> 6) & 0x3f);
      *out++ = 0x80 | (c & 0x3f);
    }

  return out;
}

#define ONES G_GUINT64_CONSTANT (0x0101010101010101)
#define HIGHS G_GUINT64_CONSTANT (0x8080808080808080)

static inline guint64
load64 (const guchar *p)
{
  guint64 v;

  memcpy (&v, p, sizeof v);
  return v;
}

/* Whether one of the eight bytes in @v is a control character, '"', '\\'
 * or not ASCII (the classic "has zero byte" and "has byte less than"
 * tests, without false positives in the absence of true ones). */
static inline gboolean
has_special_byte (guint64 v)
{
  guint64 quote = v ^ (ONES * '"');
  guint64 backslash = v ^ (ONES * '\\');

  return ((((v - ONES * 0x20) & ~v) |
          ((quote - ONES) & ~quote) |
          ((backslash - ONES) & ~backslash) |
          v) & HIGHS) != 0;
}

/*
 * Decodes the string whose opening quote is at ps->p into the scratch
 * buffer at ps->top. Returns the nul-terminated text and its length, or
 * NULL on error. ps->p is left after the closing quote.
 */
static char *
parse_string (ParseState *ps,
              gsize      *length)
{
  const guchar *p = ps->p + 1;
  const guchar *end = ps->end;
  char *text = ps->scratch + ps->top;
  char *out = text;

  for (;;)
    {
      const guchar *run = p;
      guint cls;
      gsize n;
      int unit;

      /* The longest run of bytes copied as they are. Short runs go byte by
       * byte; past eight bytes, eight bytes at a time. */
      for (;;)
        {
          const guchar *stop = end - p > 8 ? p + 8 : end;

          while (p < stop && byte_class[*p] == __)
            p++;
          if (p == stop && p < end)
            {
              while (end - p >= 8 && !has_special_byte (load64 (p)))
                p += 8;
              while (p < end && byte_class[*p] == __)
                p++;
            }

          if (G_UNLIKELY (p >= end))
            return parse_error (ps, p, N_("unexpected end of input"));

          cls = byte_class[*p];
          if (cls < U2)
            break;

          n = utf8_sequence_length (cls, p, end - p);
          if (n == 0)
            return parse_error (ps, p, N_("invalid UTF-8"));
          p += n;
        }

      memcpy (out, run, p - run);
      out += p - run;

      switch (cls)
        {
        case QQ:
          *out = '\0';
          ps->p = p + 1;
          *length = out - text;
          return text;

        case CC:
          if (*p == '\0')
            return parse_error (ps, p, N_("NUL byte"));
          return parse_error (ps, p, N_("unescaped control character in string"));

        case XX:
          return parse_error (ps, p, N_("invalid UTF-8"));

        default:
          break;
        }

      /* A backslash. */
      if (G_UNLIKELY (end - p < 2))
        return parse_error (ps, end, N_("unexpected end of input"));

      switch (p[1])
        {
        case '"':
          *out++ = '"';
          break;
        case '\\':
          *out++ = '\\';
          break;
        case '/':
          *out++ = '/';
          break;
        case 'b':
          *out++ = '\b';
          break;
        case 'f':
          *out++ = '\f';
          break;
        case 'n':
          *out++ = '\n';
          break;
        case 'r':
          *out++ = '\r';
          break;
        case 't':
          *out++ = '\t';
          break;

        case 'u':
          if (end - p < 6)
            {
              const guchar *q;

              for (q = p + 2; q < end; q++)
                if (hex_digit (*q) < 0)
                  return parse_error (ps, p, N_("invalid \\u escape"));
              return parse_error (ps, end, N_("unexpected end of input"));
            }

          unit = hex_code_unit (p + 2);
          if (unit < 0)
            return parse_error (ps, p, N_("invalid \\u escape"));

          if (unit >= 0xd800 && unit <= 0xdbff)
            {
              int low = -1;

              if (end - p >= 12 && p[6] == '\\' && p[7] == 'u')
                low = hex_code_unit (p + 8);

              if (low >= 0xdc00 && low <= 0xdfff)
                {
                  unit = 0x10000 + ((unit - 0xd800) << 10) + (low - 0xdc00);
                  p += 6;
                }
              else
                {
                  /* A lone high surrogate; what follows is read on its own. */
                  unit = 0xfffd;
                }
            }
          else if ((unit >= 0xdc00 && unit <= 0xdfff) || unit == 0)
            {
              unit = 0xfffd;
            }

          out = put_utf8 (out, unit);
          p += 4;
          break;

        default:
          return parse_error (ps, p, N_("invalid escape sequence"));
        }

      p += 2;
    }
}

static JsonNode *
parse_number (ParseState *ps)
{
  const guchar *p = ps->p;
  const guchar *end = ps->end;
  const guchar *start = p;
  const guchar *int_start, *int_end;
  const guchar *frac_start = NULL, *frac_end = NULL;
  gboolean negative = FALSE;
  gboolean has_exponent = FALSE;
  gint64 exponent = 0;
  double value;

  if (*p == '-')
    {
      negative = TRUE;
      p++;
      if (p >= end)
        return parse_error (ps, p, N_("unexpected end of input"));
    }

  int_start = p;
  if (*p == '0')
    {
      p++;
      if (p < end && IS_DIGIT (*p))
        return parse_error (ps, int_start, N_("leading zeros are not allowed"));
    }
  else if (IS_DIGIT (*p))
    {
      do
        p++;
      while (p < end && IS_DIGIT (*p));
    }
  else
    {
      return parse_error (ps, p, N_("invalid number"));
    }
  int_end = p;

  if (p < end && *p == '.')
    {
      frac_start = ++p;
      while (p < end && IS_DIGIT (*p))
        p++;
      if (p == frac_start)
        return parse_error (ps, p, p < end ? N_("invalid number")
                                           : N_("unexpected end of input"));
      frac_end = p;
    }

  if (p < end && (*p == 'e' || *p == 'E'))
    {
      gboolean exponent_negative = FALSE;
      const guchar *digits;

      has_exponent = TRUE;
      p++;
      if (p < end && (*p == '+' || *p == '-'))
        {
          exponent_negative = *p == '-';
          p++;
        }
      digits = p;
      while (p < end && IS_DIGIT (*p))
        {
          /* Saturates far beyond any double, without overflowing. */
          if (exponent < 100000000)
            exponent = exponent * 10 + (*p - '0');
          p++;
        }
      if (p == digits)
        return parse_error (ps, p, p < end ? N_("invalid number")
                                           : N_("unexpected end of input"));
      if (exponent_negative)
        exponent = -exponent;
    }

  ps->p = p;

  /* An integer literal: int64 when it fits (19 digits always fit in 64
   * unsigned bits). */
  if (frac_start == NULL && !has_exponent && int_end - int_start <= 19)
    {
      guint64 v = 0;
      const guchar *q;

      for (q = int_start; q < int_end; q++)
        v = v * 10 + (*q - '0');

      if (!negative && v <= (guint64) G_MAXINT64)
        return json_node_init_int (json_node_alloc (), (gint64) v);
      if (negative && v <= (guint64) G_MAXINT64)
        return json_node_init_int (json_node_alloc (), -(gint64) v);
      if (negative && v == (guint64) G_MAXINT64 + 1)
        return json_node_init_int (json_node_alloc (), G_MININT64);
    }

#if EXACT_DOUBLE_ARITHMETIC
  /* Clinger's fast path: with at most 15 significant digits and a power of
   * ten that a double holds exactly, one correctly rounded multiplication
   * or division gives the correctly rounded result. */
  {
    guint64 mantissa = 0;
    gint64 e10 = exponent;
    int digits = 0;
    const guchar *q;

    for (q = int_start; q < int_end && digits <= 15; q++)
      {
        if (mantissa != 0 || *q != '0')
          digits++;
        mantissa = mantissa * 10 + (*q - '0');
      }
    if (frac_start != NULL)
      {
        while (frac_end > frac_start && frac_end[-1] == '0')
          frac_end--;
        for (q = frac_start; q < frac_end && digits <= 15; q++)
          {
            if (mantissa != 0 || *q != '0')
              digits++;
            mantissa = mantissa * 10 + (*q - '0');
            e10--;
          }
      }

    if (digits <= 15 && e10 >= -22 && e10 <= 22)
      {
        value = (double) mantissa;
        if (e10 < 0)
          value /= exact_powers_of_ten[-e10];
        else
          value *= exact_powers_of_ten[e10];

        return json_node_init_double (json_node_alloc (),
                                      negative ? -value : value);
      }
  }
#endif

  /* The scratch buffer has room for the number: it is no longer than the
   * input left, and the stacked keys came from the input already read. */
  memcpy (ps->scratch + ps->top, start, p - start);
  ps->scratch[ps->top + (p - start)] = '\0';
  value = g_ascii_strtod (ps->scratch + ps->top, NULL);

  return json_node_init_double (json_node_alloc (), value);
}

static JsonNode *
parse_literal (ParseState *ps,
               const char *word,
               gsize       word_len)
{
  const guchar *p = ps->p;
  gsize avail = ps->end - p;
  JsonNode *node;

  if (avail < word_len || memcmp (p, word, word_len) != 0)
    {
      gsize i;

      for (i = 0; i < word_len && i < avail; i++)
        if (p[i] != (guchar) word[i])
          return parse_error (ps, p + i, N_("unexpected character"));
      return parse_error (ps, ps->end, N_("unexpected end of input"));
    }

  ps->p = p + word_len;
  node = json_node_alloc ();
  switch (word[0])
    {
    case 't':
      return json_node_init_boolean (node, TRUE);
    case 'f':
      return json_node_init_boolean (node, FALSE);
    default:
      return json_node_init_null (node);
    }
}

static JsonNode *
parse_array (ParseState *ps,
             guint       depth)
{
  JsonArray *array;
  JsonNode *node;
  const guchar *end = ps->end;

  if (depth >= SIO_JSON_MAX_DEPTH)
    return parse_error (ps, ps->p, N_("nesting too deep"));

  array = json_array_new ();
  node = json_node_init (json_node_alloc (), JSON_NODE_ARRAY);
  json_node_take_array (node, array);

  ps->p = skip_space (ps->p + 1, end);
  if (ps->p < end && *ps->p == ']')
    {
      ps->p++;
      return node;
    }

  for (;;)
    {
      JsonNode *element = parse_value (ps, depth + 1);

      if (element == NULL)
        goto fail;
      json_node_set_parent (element, node);
      json_array_add_element (array, element);

      ps->p = skip_space (ps->p, end);
      if (G_UNLIKELY (ps->p >= end))
        {
          parse_error (ps, end, N_("unexpected end of input"));
          goto fail;
        }
      if (*ps->p == ',')
        {
          ps->p = skip_space (ps->p + 1, end);
          continue;
        }
      if (*ps->p == ']')
        {
          ps->p++;
          return node;
        }
      parse_error (ps, ps->p, N_("expected ‘,’ or ‘]’"));
      goto fail;
    }

fail:
  json_node_unref (node);
  return NULL;
}

/*
 * The members of an object that repeats a key. json_object_set_member()
 * replaces a member in time linear in the number of members, which hostile
 * input could turn quadratic, so once a key repeats the members are
 * gathered here and the object is rebuilt at its end.
 */
typedef struct
{
  GPtrArray  *names;  /* owned strings */
  GPtrArray  *nodes;  /* owned nodes */
  GHashTable *index;  /* name (borrowed from names) -> position + 1 */
} Members;

/* Returns TRUE if @name is a new member. */
static gboolean
members_set (Members    *members,
             const char *name,
             JsonNode   *node)
{
  gpointer position = g_hash_table_lookup (members->index, name);
  char *copy;

  if (position != NULL)
    {
      guint i = GPOINTER_TO_UINT (position) - 1;

      json_node_unref (g_ptr_array_index (members->nodes, i));
      g_ptr_array_index (members->nodes, i) = node;
      return FALSE;
    }

  copy = g_strdup (name);
  g_ptr_array_add (members->names, copy);
  g_ptr_array_add (members->nodes, node);
  g_hash_table_insert (members->index, copy,
                       GUINT_TO_POINTER (members->nodes->len));
  return TRUE;
}

static void
members_init (Members    *members,
              JsonObject *object)
{
  JsonObjectIter iter;
  const char *name;
  JsonNode *node;

  members->names = g_ptr_array_new_with_free_func (g_free);
  members->nodes = g_ptr_array_new ();
  members->index = g_hash_table_new (g_str_hash, g_str_equal);

  json_object_iter_init_ordered (&iter, object);
  while (json_object_iter_next_ordered (&iter, &name, &node))
    members_set (members, name, json_node_ref (node));
}

static void
members_clear (Members *members)
{
  guint i;

  if (members->nodes == NULL)
    return;

  for (i = 0; i < members->nodes->len; i++)
    json_node_unref (g_ptr_array_index (members->nodes, i));
  g_ptr_array_unref (members->nodes);
  g_ptr_array_unref (members->names);
  g_hash_table_unref (members->index);
  members->nodes = NULL;
}

/* Stores the gathered members into @node, in their order. */
static void
members_finish (Members  *members,
                JsonNode *node)
{
  JsonObject *object = json_object_new ();
  guint i;

  for (i = 0; i < members->nodes->len; i++)
    {
      json_object_set_member (object,
                              g_ptr_array_index (members->names, i),
                              g_ptr_array_index (members->nodes, i));
    }
  g_ptr_array_set_size (members->nodes, 0);
  members_clear (members);

  json_node_take_object (node, object);
}

/*
 * JsonObject hashes its keys with g_str_hash(), for which colliding keys
 * are easy to make: a megabyte of them would keep the parser busy for tens
 * of seconds. Past COLLISION_CHECK_AFTER members, an object may hold at
 * most MAX_COLLIDING_KEYS keys of the same hash; legitimate documents never
 * come close.
 */
#define COLLISION_CHECK_AFTER 64
#define MAX_COLLIDING_KEYS 32

static gboolean
count_key_hash (GHashTable **counts,
                const char  *key)
{
  gpointer hash = GUINT_TO_POINTER (g_str_hash (key));
  guint n;

  if (*counts == NULL)
    *counts = g_hash_table_new (NULL, NULL);

  n = GPOINTER_TO_UINT (g_hash_table_lookup (*counts, hash)) + 1;
  if (n > MAX_COLLIDING_KEYS)
    return FALSE;
  g_hash_table_insert (*counts, hash, GUINT_TO_POINTER (n));

  return TRUE;
}

static JsonNode *
parse_object (ParseState *ps,
              guint       depth)
{
  JsonObject *object;
  JsonNode *node;
  const guchar *end = ps->end;
  Members members = { NULL, NULL, NULL };
  GHashTable *hash_counts = NULL;
  guint size = 0;

  if (depth >= SIO_JSON_MAX_DEPTH)
    return parse_error (ps, ps->p, N_("nesting too deep"));

  object = json_object_new ();
  node = json_node_init (json_node_alloc (), JSON_NODE_OBJECT);
  json_node_take_object (node, object);

  ps->p = skip_space (ps->p + 1, end);
  if (ps->p < end && *ps->p == '}')
    {
      ps->p++;
      return node;
    }

  for (;;)
    {
      const guchar *key_start = ps->p;
      gsize saved_top = ps->top;
      gboolean is_new;
      JsonNode *member;
      gsize key_len;
      char *key;

      if (G_UNLIKELY (ps->p >= end))
        {
          parse_error (ps, end, N_("unexpected end of input"));
          goto fail;
        }
      if (*ps->p != '"')
        {
          parse_error (ps, ps->p, N_("expected a string as member name"));
          goto fail;
        }

      key = parse_string (ps, &key_len);
      if (key == NULL)
        goto fail;
      ps->top += key_len + 1;

      ps->p = skip_space (ps->p, end);
      if (G_UNLIKELY (ps->p >= end))
        {
          parse_error (ps, end, N_("unexpected end of input"));
          goto fail;
        }
      if (*ps->p != ':')
        {
          parse_error (ps, ps->p, N_("expected ‘:’"));
          goto fail;
        }
      ps->p = skip_space (ps->p + 1, end);

      member = parse_value (ps, depth + 1);
      if (member == NULL)
        goto fail;
      json_node_set_parent (member, node);

      if (G_LIKELY (members.nodes == NULL))
        {
          /* The object only stays the same size when the key repeats. */
          json_object_set_member (object, key, member);
          is_new = json_object_get_size (object) != size;
          if (G_UNLIKELY (!is_new))
            members_init (&members, object);
        }
      else
        {
          is_new = members_set (&members, key, member);
        }

      if (is_new && ++size > COLLISION_CHECK_AFTER &&
          !count_key_hash (&hash_counts, key))
        {
          parse_error (ps, key_start, N_("too many member names with the same hash"));
          goto fail;
        }

      ps->top = saved_top;

      ps->p = skip_space (ps->p, end);
      if (G_UNLIKELY (ps->p >= end))
        {
          parse_error (ps, end, N_("unexpected end of input"));
          goto fail;
        }
      if (*ps->p == ',')
        {
          ps->p = skip_space (ps->p + 1, end);
          continue;
        }
      if (*ps->p == '}')
        {
          ps->p++;
          if (members.nodes != NULL)
            members_finish (&members, node);
          g_clear_pointer (&hash_counts, g_hash_table_unref);
          return node;
        }
      parse_error (ps, ps->p, N_("expected ‘,’ or ‘}’"));
      goto fail;
    }

fail:
  g_clear_pointer (&hash_counts, g_hash_table_unref);
  members_clear (&members);
  json_node_unref (node);
  return NULL;
}

/* Parses the value at ps->p, which is not white space. */
static JsonNode *
parse_value (ParseState *ps,
             guint       depth)
{
  const guchar *p = ps->p;
  gsize len;
  char *text;

  if (G_UNLIKELY (p >= ps->end))
    return parse_error (ps, p, N_("unexpected end of input"));

  switch (*p)
    {
    case '"':
      text = parse_string (ps, &len);
      if (text == NULL)
        return NULL;
      return json_node_init_string (json_node_alloc (), text);

    case '{':
      return parse_object (ps, depth);

    case '[':
      return parse_array (ps, depth);

    case '-':
    case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9':
      return parse_number (ps);

    case 't':
      return parse_literal (ps, "true", 4);

    case 'f':
      return parse_literal (ps, "false", 5);

    case 'n':
      return parse_literal (ps, "null", 4);

    case '\0':
      return parse_error (ps, p, N_("NUL byte"));

    default:
      if (byte_class[*p] >= XX)
        {
          if (utf8_sequence_length (byte_class[*p], p, ps->end - p) == 0)
            return parse_error (ps, p, N_("invalid UTF-8"));
        }
      return parse_error (ps, p, N_("unexpected character"));
    }
}

JsonNode *
_sio_json_parse (const char  *data,
                 gsize        len,
                 GError     **error)
{
  char stack_scratch[512];
  ParseState ps;
  JsonNode *node = NULL;

  g_return_val_if_fail (data != NULL || len == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (len == 0)
    {
      g_set_error (error, SIO_ERROR, SIO_ERROR_PROTOCOL,
                   _("Invalid JSON at byte %zu: %s"), (size_t) 0,
                   _("unexpected end of input"));
      return NULL;
    }

  ps.start = (const guchar *) data;
  ps.end = ps.start + len;
  ps.top = 0;
  ps.reason = NULL;
  ps.where = NULL;
  if (len < sizeof stack_scratch)
    ps.scratch = stack_scratch;
  else
    ps.scratch = g_malloc (len + 1);

  ps.p = skip_space (ps.start, ps.end);
  node = parse_value (&ps, 0);
  if (node != NULL)
    {
      ps.p = skip_space (ps.p, ps.end);
      if (ps.p != ps.end)
        {
          if (*ps.p == '\0')
            parse_error (&ps, ps.p, N_("NUL byte"));
          else
            parse_error (&ps, ps.p, N_("unexpected data after the value"));
          g_clear_pointer (&node, json_node_unref);
        }
    }

  if (ps.scratch != stack_scratch)
    g_free (ps.scratch);

  if (node == NULL && error != NULL)
    {
      g_assert (ps.reason != NULL);
      g_set_error (error, SIO_ERROR, SIO_ERROR_PROTOCOL,
                   _("Invalid JSON at byte %zu: %s"),
                   (size_t) (ps.where - ps.start), _(ps.reason));
    }

  return node;
}

/* ------------------------------------------------------------------------
 * Writer
 * ------------------------------------------------------------------------ */

static const char hex_lower[] = "0123456789abcdef";

/* g_string_append_len() without its overhead (GLib 2.76 inlines the same)
 * when the bytes fit. */
static inline void
append (GString    *out,
        const char *bytes,
        gsize       n)
{
  if (G_LIKELY (out->len + n < out->allocated_len))
    {
      memcpy (out->str + out->len, bytes, n);
      out->len += n;
      out->str[out->len] = '\0';
    }
  else
    {
      g_string_append_len (out, bytes, n);
    }
}

void
_sio_json_write_string (GString    *out,
                        const char *str)
{
  const guchar *p = (const guchar *) str;
  const guchar *run;

  g_return_if_fail (out != NULL);

  if (str == NULL)
    {
      append (out, "null", 4);
      return;
    }

  g_string_append_c (out, '"');

  for (;;)
    {
      guint cls;
      guchar c;

      run = p;
      for (;;)
        {
          cls = byte_class[*p];
          if (G_LIKELY (cls == __))
            {
              p++;
            }
          else if (cls >= U2)
            {
              /* The nul terminator stops the check. */
              gsize n = utf8_sequence_length (cls, p, 4);

              if (n == 0)
                break;
              p += n;
            }
          else
            {
              break;
            }
        }

      if (p > run)
        append (out, (const char *) run, p - run);

      c = *p;
      switch (cls)
        {
        case QQ:
          append (out, "\\\"", 2);
          break;

        case BS:
          append (out, "\\\\", 2);
          break;

        case CC:
          switch (c)
            {
            case '\0':
              g_string_append_c (out, '"');
              return;
            case '\b':
              append (out, "\\b", 2);
              break;
            case '\f':
              append (out, "\\f", 2);
              break;
            case '\n':
              append (out, "\\n", 2);
              break;
            case '\r':
              append (out, "\\r", 2);
              break;
            case '\t':
              append (out, "\\t", 2);
              break;
            default:
              {
                char esc[6] = { '\\', 'u', '0', '0',
                                hex_lower[c >> 4], hex_lower[c & 0xf] };

                append (out, esc, 6);
              }
              break;
            }
          break;

        default:
          /* Not UTF-8: JSON text cannot carry it, write U+FFFD instead. */
          append (out, REPLACEMENT_CHARACTER, 3);
          break;
        }
      p++;
    }
}

static void
write_uint64 (GString  *out,
              guint64   v,
              gboolean  negative)
{
  char buf[24];
  char *end = buf + sizeof buf;
  char *q = end;

  do
    {
      *--q = '0' + (v % 10);
      v /= 10;
    }
  while (v != 0);
  if (negative)
    *--q = '-';

  append (out, q, end - q);
}

static inline void
write_int64 (GString *out,
             gint64   v)
{
  if (v < 0)
    write_uint64 (out, -(guint64) v, TRUE);
  else
    write_uint64 (out, (guint64) v, FALSE);
}

void
_sio_json_write_int (GString *out,
                     gint64   value)
{
  write_int64 (out, value);
}

/*
 * Lays out the decimal digits @digits (no trailing zeros, @k of them) of a
 * number worth 0.digits × 10^@n as ECMAScript's Number::toString does.
 */
static void
write_number_layout (GString    *out,
                     gboolean    negative,
                     const char *digits,
                     int         k,
                     int         n)
{
  char buf[48];
  char *q = buf;
  int i;

  if (negative)
    *q++ = '-';

  if (k <= n && n <= 21)
    {
      memcpy (q, digits, k);
      q += k;
      for (i = k; i < n; i++)
        *q++ = '0';
    }
  else if (0 < n && n <= 21)
    {
      memcpy (q, digits, n);
      q += n;
      *q++ = '.';
      memcpy (q, digits + n, k - n);
      q += k - n;
    }
  else if (-6 < n && n <= 0)
    {
      *q++ = '0';
      *q++ = '.';
      for (i = n; i < 0; i++)
        *q++ = '0';
      memcpy (q, digits, k);
      q += k;
    }
  else
    {
      int e = n - 1;
      char ebuf[8];
      char *eq = ebuf + sizeof ebuf;

      *q++ = digits[0];
      if (k > 1)
        {
          *q++ = '.';
          memcpy (q, digits + 1, k - 1);
          q += k - 1;
        }
      *q++ = 'e';
      *q++ = e < 0 ? '-' : '+';
      if (e < 0)
        e = -e;
      do
        {
          *--eq = '0' + (e % 10);
          e /= 10;
        }
      while (e != 0);
      memcpy (q, eq, ebuf + sizeof ebuf - eq);
      q += ebuf + sizeof ebuf - eq;
    }

  append (out, buf, q - buf);
}

/* The "%.*e" formats for 1 to 17 significant digits. */
static const char * const exponent_formats[] = {
  "%.0e", "%.1e", "%.2e", "%.3e", "%.4e", "%.5e", "%.6e", "%.7e", "%.8e",
  "%.9e", "%.10e", "%.11e", "%.12e", "%.13e", "%.14e", "%.15e", "%.16e",
};

/*
 * Formats the positive finite @x with @precision significant digits and
 * reads it back. Returns TRUE if it reads back as @x, and then its digits
 * (trailing zeros removed) and decimal exponent n (x = 0.digits × 10^n).
 */
static gboolean
try_precision (double  x,
               int     precision,
               char   *digits,
               int    *k,
               int    *n)
{
  char buf[40];
  const char *q;
  int count = 0, e = 0;
  gboolean e_negative;

  g_ascii_formatd (buf, sizeof buf, exponent_formats[precision - 1], x);
  if (g_ascii_strtod (buf, NULL) != x)
    return FALSE;

  /* buf is "d[.ddd]e±dd". */
  for (q = buf; *q != 'e'; q++)
    if (IS_DIGIT (*q))
      digits[count++] = *q;
  while (count > 1 && digits[count - 1] == '0')
    count--;
  q++;
  e_negative = *q == '-';
  q++;
  for (; IS_DIGIT (*q); q++)
    e = e * 10 + (*q - '0');

  *k = count;
  *n = (e_negative ? -e : e) + 1;
  return TRUE;
}

void
_sio_json_write_double (GString *out,
                        double   value)
{
  char digits[24];
  double x;
  int k = 0, n = 0;
  gboolean negative;

  g_return_if_fail (out != NULL);

  /* NaN and infinities. */
  if (!(value - value == 0.0))
    {
      append (out, "null", 4);
      return;
    }

  negative = value < 0;
  x = negative ? -value : value;

  /* Integers that doubles hold exactly are their own shortest form (this
   * covers 0 and -0). */
  if (x < 9007199254740992.0 && x == (double) (gint64) x)
    {
      write_uint64 (out, (guint64) x, negative);
      return;
    }

#if EXACT_DOUBLE_ARITHMETIC
  /*
   * Short decimals. If x × 10^j rounds to an integer y of at most 15 digits
   * and y / 10^j (correctly rounded, y and 10^j being exact) is x, then the
   * decimal y × 10^-j reads back as x. For a normal double, all decimals of
   * at most 15 significant digits that read back as x are equal (DBL_DIG),
   * so it is the shortest one.
   */
  if (x >= DBL_MIN)
    {
      int j;

      for (j = 1; j <= 22; j++)
        {
          double y = x * exact_powers_of_ten[j];

          if (y >= 1e15)
            break;
          if (y == (double) (gint64) y && y / exact_powers_of_ten[j] == x)
            {
              guint64 v = (guint64) y;
              char *q = digits + sizeof digits;
              int count;

              while (v % 10 == 0)
                v /= 10;
              do
                {
                  *--q = '0' + (v % 10);
                  v /= 10;
                }
              while (v != 0);
              count = digits + sizeof digits - q;
              memmove (digits, q, count);

              /* The number of digits before the point, trailing zeros
               * included. */
              for (n = 0, v = (guint64) y; v != 0; v /= 10)
                n++;
              write_number_layout (out, negative, digits, count, n - j);
              return;
            }
        }
    }
#endif

  if (x >= DBL_MIN)
    {
      /* Any decimal of at most 15 significant digits reading back as a
       * normal double is that double printed with 15 digits (DBL_DIG),
       * trailing zeros removed. Beyond, the correctly rounded 16 and 17
       * digit forms are the closest of their lengths. */
      if (!try_precision (x, 15, digits, &k, &n) &&
          !try_precision (x, 16, digits, &k, &n))
        try_precision (x, 17, digits, &k, &n);
    }
  else
    {
      int precision;

      /* Subnormals carry fewer digits: search them all. */
      for (precision = 1; precision <= 17; precision++)
        if (try_precision (x, precision, digits, &k, &n))
          break;
    }

  write_number_layout (out, negative, digits, k, n);
}

static void write_node (GString  *out,
                        JsonNode *node);

static void
write_object (GString    *out,
              JsonObject *object)
{
  JsonObjectIter iter;
  const char *name;
  JsonNode *member;
  gboolean first = TRUE;

  g_string_append_c (out, '{');
  json_object_iter_init_ordered (&iter, object);
  while (json_object_iter_next_ordered (&iter, &name, &member))
    {
      if (!first)
        g_string_append_c (out, ',');
      first = FALSE;
      _sio_json_write_string (out, name);
      g_string_append_c (out, ':');
      write_node (out, member);
    }
  g_string_append_c (out, '}');
}

static void
write_array (GString   *out,
             JsonArray *array)
{
  guint i, n = json_array_get_length (array);

  g_string_append_c (out, '[');
  for (i = 0; i < n; i++)
    {
      if (i > 0)
        g_string_append_c (out, ',');
      write_node (out, json_array_get_element (array, i));
    }
  g_string_append_c (out, ']');
}

/* Values of types json-glib does not store itself (it converts every
 * integer to int64 and every float to double). */
static void
write_other_value (GString  *out,
                   JsonNode *node)
{
  GValue value = G_VALUE_INIT;
  GValue converted = G_VALUE_INIT;

  json_node_get_value (node, &value);

  if (G_VALUE_HOLDS_UINT64 (&value))
    {
      write_uint64 (out, g_value_get_uint64 (&value), FALSE);
    }
  else if (g_value_type_transformable (G_VALUE_TYPE (&value), G_TYPE_INT64))
    {
      g_value_init (&converted, G_TYPE_INT64);
      g_value_transform (&value, &converted);
      write_int64 (out, g_value_get_int64 (&converted));
    }
  else if (g_value_type_transformable (G_VALUE_TYPE (&value), G_TYPE_DOUBLE))
    {
      g_value_init (&converted, G_TYPE_DOUBLE);
      g_value_transform (&value, &converted);
      _sio_json_write_double (out, g_value_get_double (&converted));
    }
  else
    {
      append (out, "null", 4);
    }

  if (G_IS_VALUE (&converted))
    g_value_unset (&converted);
  g_value_unset (&value);
}

static void
write_node (GString  *out,
            JsonNode *node)
{
  if (node == NULL)
    {
      append (out, "null", 4);
      return;
    }

  switch (json_node_get_node_type (node))
    {
    case JSON_NODE_OBJECT:
      {
        JsonObject *object = json_node_get_object (node);

        if (object != NULL)
          write_object (out, object);
        else
          append (out, "null", 4);
      }
      break;

    case JSON_NODE_ARRAY:
      {
        JsonArray *array = json_node_get_array (node);

        if (array != NULL)
          write_array (out, array);
        else
          append (out, "null", 4);
      }
      break;

    case JSON_NODE_VALUE:
      {
        GType type = json_node_get_value_type (node);

        if (type == G_TYPE_STRING)
          _sio_json_write_string (out, json_node_get_string (node));
        else if (type == G_TYPE_INT64)
          write_int64 (out, json_node_get_int (node));
        else if (type == G_TYPE_DOUBLE)
          _sio_json_write_double (out, json_node_get_double (node));
        else if (type == G_TYPE_BOOLEAN)
          {
            if (json_node_get_boolean (node))
              append (out, "true", 4);
            else
              append (out, "false", 5);
          }
        else if (type == G_TYPE_INVALID)
          append (out, "null", 4);
        else
          write_other_value (out, node);
      }
      break;

    case JSON_NODE_NULL:
    default:
      append (out, "null", 4);
      break;
    }
}

void
_sio_json_write (GString  *out,
                 JsonNode *node)
{
  g_return_if_fail (out != NULL);

  write_node (out, node);
}

void
_sio_json_write_array (GString   *out,
                       JsonArray *array)
{
  g_return_if_fail (out != NULL);

  if (array == NULL)
    append (out, "null", 4);
  else
    write_array (out, array);
}

char *
_sio_json_to_string (JsonNode *node)
{
  GString *out = g_string_sized_new (64);

  write_node (out, node);

  return g_string_free (out, FALSE);
}
