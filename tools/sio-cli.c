/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sio-cli: a command-line Socket.IO client built on sio-glib.
 *
 * It connects to one namespace, prints every incoming event as one JSON
 * line on standard output (or in a coloured, human-readable form when
 * standard output is a terminal), emits the events it reads from standard
 * input, and reports the life of the connection on standard error.
 *
 * Everything runs on the GLib main loop: standard input is read with
 * g_data_input_stream_read_line_async(), signals are caught with
 * g_unix_signal_add(), and only the public sio-glib API is used.
 */

#include "config.h"

#include <fcntl.h>
#include <locale.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gi18n.h>
#include <glib-unix.h>
#include <gio/gio.h>
#include <gio/gunixinputstream.h>
#include <json-glib/json-glib.h>

#include <sio-glib/sio-glib.h>

/* Exit statuses, documented in --help and sio-cli(1). */
enum
{
  CLI_EXIT_OK = 0,
  CLI_EXIT_USAGE = 1,
  CLI_EXIT_CONNECT = 2,
  CLI_EXIT_LOST = 3,
  CLI_EXIT_ACK = 4,
  CLI_EXIT_SIGINT = 128 + SIGINT,
  CLI_EXIT_SIGTERM = 128 + SIGTERM,
};

/* How long stdin EOF waits for pending acks when no --ack-timeout is set. */
#define DEFAULT_ACK_GRACE_MS 5000
/* Extra time granted after --ack-timeout, so the library's own timeout
 * reports first. */
#define ACK_GRACE_MARGIN_MS 1000
/* Upper bound on the time spent closing the connection cleanly. */
#define CLOSE_GRACE_MS 1500
/* Binary attachments up to this size are shown in full in pretty output. */
#define PRETTY_BINARY_MAX 48
/* Width used to decide whether pretty arguments fit on the header line. */
#define PRETTY_LINE_WIDTH 80

#define ANSI_RESET   "\033[0m"
#define ANSI_BOLD    "\033[1m"
#define ANSI_DIM     "\033[2m"
#define ANSI_RED     "\033[31m"
#define ANSI_GREEN   "\033[32m"
#define ANSI_YELLOW  "\033[33m"
#define ANSI_BLUE    "\033[34m"
#define ANSI_MAGENTA "\033[35m"
#define ANSI_CYAN    "\033[36m"

/* ---------------------------------------------------------------------- */
/* Options                                                                 */
/* ---------------------------------------------------------------------- */

static char *opt_namespace;
static char *opt_auth;
static int opt_eio = 4;
static char **opt_transports;
static char **opt_headers;
static char **opt_queries;
static char *opt_path;
static char **opt_events;
static int opt_count;
static double opt_duration;
static int opt_timeout = -1;
static gboolean opt_no_reconnect;
static int opt_reconnect_attempts = G_MININT;
static char **opt_emits;
static gboolean opt_no_stdin;
static gboolean opt_stay;
static gboolean opt_ack;
static int opt_ack_timeout = -1;
static char *opt_reply_ack;
static gboolean opt_json;
static gboolean opt_no_color;
static gboolean opt_quiet;
static gboolean opt_verbose;
static gboolean opt_version;
static char **opt_remaining;

static const GOptionEntry option_entries[] = {
  { "namespace", 'n', 0, G_OPTION_ARG_STRING, &opt_namespace,
    N_("Join namespace NSP (overrides the path of URL)"), N_("NSP") },
  { "auth", 0, 0, G_OPTION_ARG_STRING, &opt_auth,
    N_("Send this JSON object as the CONNECT auth payload"), N_("JSON") },
  { "eio", 'E', 0, G_OPTION_ARG_INT, &opt_eio,
    N_("Engine.IO protocol version: 4 (default) or 3 for Socket.IO 2.x servers"), N_("3|4") },
  { "transport", 't', 0, G_OPTION_ARG_STRING_ARRAY, &opt_transports,
    N_("Transports to try, in order (repeatable or comma-separated)"), N_("websocket|polling") },
  { "header", 'H', 0, G_OPTION_ARG_STRING_ARRAY, &opt_headers,
    N_("Extra HTTP header for the handshake (repeatable)"), N_("\"NAME: VALUE\"") },
  { "query", 'q', 0, G_OPTION_ARG_STRING_ARRAY, &opt_queries,
    N_("Extra handshake query parameter (repeatable)"), N_("KEY=VALUE") },
  { "path", 0, 0, G_OPTION_ARG_STRING, &opt_path,
    N_("Engine.IO path on the server (default: /socket.io/)"), N_("PATH") },
  { "event", 'e', 0, G_OPTION_ARG_STRING_ARRAY, &opt_events,
    N_("Print only events named NAME (repeatable)"), N_("NAME") },
  { "count", 'c', 0, G_OPTION_ARG_INT, &opt_count,
    N_("Exit after N printed events"), N_("N") },
  { "duration", 0, 0, G_OPTION_ARG_DOUBLE, &opt_duration,
    N_("Exit after SECONDS"), N_("SECONDS") },
  { "timeout", 0, 0, G_OPTION_ARG_INT, &opt_timeout,
    N_("Connection (handshake) timeout in milliseconds (default: 20000)"), N_("MS") },
  { "no-reconnect", 0, 0, G_OPTION_ARG_NONE, &opt_no_reconnect,
    N_("Do not reconnect after the connection is lost"), NULL },
  { "reconnect-attempts", 0, 0, G_OPTION_ARG_INT, &opt_reconnect_attempts,
    N_("Give up after N reconnection attempts (default: -1, never)"), N_("N") },
  { "emit", 0, 0, G_OPTION_ARG_STRING_ARRAY, &opt_emits,
    N_("Emit this event once connected, before reading standard input (repeatable)"), N_("\"EVENT [JSON...]\"") },
  { "no-stdin", 0, 0, G_OPTION_ARG_NONE, &opt_no_stdin,
    N_("Do not read standard input; run until interrupted, --count or --duration"), NULL },
  { "stay", 0, 0, G_OPTION_ARG_NONE, &opt_stay,
    N_("Keep running after the end of standard input"), NULL },
  { "ack", 'a', 0, G_OPTION_ARG_NONE, &opt_ack,
    N_("Request an acknowledgement for every emitted event and print it"), NULL },
  { "ack-timeout", 0, 0, G_OPTION_ARG_INT, &opt_ack_timeout,
    N_("Fail an acknowledgement not received within MS milliseconds"), N_("MS") },
  { "reply-ack", 0, 0, G_OPTION_ARG_STRING, &opt_reply_ack,
    N_("Answer every server event that asks for an acknowledgement with this JSON array"), N_("JSON") },
  { "json", 0, 0, G_OPTION_ARG_NONE, &opt_json,
    N_("Print JSON lines even when standard output is a terminal"), NULL },
  { "no-color", 0, 0, G_OPTION_ARG_NONE, &opt_no_color,
    N_("Do not use colours (also when NO_COLOR is set)"), NULL },
  { "quiet", 0, 0, G_OPTION_ARG_NONE, &opt_quiet,
    N_("Do not report connection events on standard error, only errors"), NULL },
  { "verbose", 0, 0, G_OPTION_ARG_NONE, &opt_verbose,
    N_("Report state changes and trace packets (G_MESSAGES_DEBUG=sio-glib)"), NULL },
  { "version", 0, 0, G_OPTION_ARG_NONE, &opt_version,
    N_("Print the version and exit"), NULL },
  { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &opt_remaining,
    NULL, NULL },
  G_OPTION_ENTRY_NULL
};

static const char option_summary[] = N_(
  "Connects to a Socket.IO server, prints the events it sends on standard\n"
  "output and emits the events read from standard input, one per line.\n"
  "The path of URL names the namespace, as in the JavaScript client.\n"
  "\n"
  "Examples:\n"
  "  sio-cli http://localhost:3000\n"
  "  sio-cli http://localhost:3000/admin --auth '{\"token\":\"abc\"}'\n"
  "  echo 'chat \"hello\" {\"n\":1}' | sio-cli --ack http://localhost:3000\n"
  "  sio-cli --no-stdin -e chat -c 10 http://localhost:3000 > chat.jsonl\n"
  "  sio-cli -E 3 -t polling -q token=abc http://localhost:8080");

static const char option_description[] = N_(
  "Input: each line of standard input (and each --emit) is\n"
  "  EVENT [JSON [JSON...]]\n"
  "EVENT is the first word of the line, or a JSON string when it starts with\n"
  "a double quote. Each following JSON value, separated by spaces or a comma,\n"
  "is one argument: 'chat \"hi\" {\"n\":1}' emits chat with [\"hi\",{\"n\":1}].\n"
  "Strings must be double-quoted. An object {\"_binary\":\"BASE64\"} is sent as\n"
  "a binary attachment. Empty lines and lines starting with # are ignored.\n"
  "Reading starts once connected. At the end of input, sio-cli waits for the\n"
  "pending acknowledgements (at most --ack-timeout plus one second, or 5 s),\n"
  "then exits, unless --stay, --count or --duration is given.\n"
  "\n"
  "Output: one JSON object per line on standard output:\n"
  "  {\"event\":\"chat\",\"namespace\":\"/\",\"args\":[\"hi\",{\"n\":1}]}\n"
  "  {\"ack\":\"chat\",\"args\":[\"ok\"]}   (reply to an emit, with --ack)\n"
  "Binary attachments appear in place of their placeholders as\n"
  "{\"_binary\":\"BASE64\"}. On a terminal the output is coloured and\n"
  "human-readable instead (see --json, --no-color). Connection events and\n"
  "errors go to standard error. Server events asking for an acknowledgement\n"
  "are not answered unless --reply-ack is given.\n"
  "\n"
  "Exit status:\n"
  "  0    success\n"
  "  1    usage error (bad option, URL or JSON in an option)\n"
  "  2    could not connect, or the server refused the namespace\n"
  "  3    disconnected by the server, or connection lost for good\n"
  "  4    an acknowledgement timed out or failed\n"
  "  130  interrupted (SIGINT); 143 terminated (SIGTERM)");

/* ---------------------------------------------------------------------- */
/* State                                                                   */
/* ---------------------------------------------------------------------- */

/* An event to emit, or an ack reply: args with binary as placeholders. */
typedef struct
{
  char      *event;
  JsonArray *args;
  GPtrArray *attachments; /* of GBytes */
} Message;

typedef struct
{
  GMainLoop        *loop;
  SioClient        *client;
  SioSocket        *socket;       /* the namespace we talk to */
  char             *url;          /* as given on the command line */
  GCancellable     *cancellable;  /* cancelled when quitting */

  GPtrArray        *startup;      /* of Message, from --emit */
  Message          *reply_ack;    /* from --reply-ack, or NULL */
  GHashTable       *filter;       /* event names to print, or NULL */

  GInputStream     *stdin_base;
  GDataInputStream *stdin_data;
  guint             line_no;
  gboolean          stdin_eof;
  gboolean          stdin_closed; /* fd 0 was not open at start-up */

  gboolean          pretty;       /* human-readable stdout */
  gboolean          color_out;
  gboolean          color_err;

  gboolean          ever_connected;
  gboolean          session_started;
  gboolean          finishing;    /* done once the pending acks end */
  gboolean          count_reached;
  gboolean          quitting;
  gboolean          ack_failed;
  int               exit_code;
  guint             pending_acks;
  guint             n_events;

  GError           *last_connect_error;
  JsonNode         *last_connect_data;
  gboolean          last_connect_printed;

  guint             duration_id;
  guint             grace_id;
  guint             close_id;
  guint             quit_idle_id;
  guint             sigint_id;
  guint             sigterm_id;
} Cli;

static Cli cli;

typedef struct
{
  char *event;
} AckData;

typedef enum
{
  STATUS_DEBUG,   /* --verbose only */
  STATUS_INFO,
  STATUS_GOOD,
  STATUS_WARN,
  STATUS_ERROR,   /* shown even with --quiet */
} StatusKind;

static const char * const reserved_names[] = {
  "connect", "connect_error", "disconnect", "disconnecting",
  "newListener", "removeListener", NULL
};

static void cli_quit (int code);

/* ---------------------------------------------------------------------- */
/* Standard error                                                          */
/* ---------------------------------------------------------------------- */

static void status (StatusKind   kind,
                    const char  *format,
                    ...) G_GNUC_PRINTF (2, 3);

static void
status (StatusKind  kind,
        const char *format,
        ...)
{
  g_autofree char *message = NULL;
  const char *color = NULL;
  va_list args;

  if (kind == STATUS_DEBUG && !opt_verbose)
    return;
  if (kind != STATUS_ERROR && kind != STATUS_DEBUG && opt_quiet)
    return;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  if (cli.color_err)
    {
      switch (kind)
        {
        case STATUS_DEBUG:
          color = ANSI_DIM;
          break;
        case STATUS_INFO:
          color = NULL;
          break;
        case STATUS_GOOD:
          color = ANSI_GREEN;
          break;
        case STATUS_WARN:
          color = ANSI_YELLOW;
          break;
        case STATUS_ERROR:
          color = ANSI_BOLD ANSI_RED;
          break;
        default:
          g_assert_not_reached ();
        }
    }

  if (color != NULL)
    g_printerr ("%ssio-cli: %s%s\n", color, message, ANSI_RESET);
  else
    g_printerr ("sio-cli: %s\n", message);
}

static void
usage_error (const char *message)
{
  g_printerr ("sio-cli: %s\n", message);
  g_printerr (_("Try “%s --help” for more information."), g_get_prgname ());
  g_printerr ("\n");
}

/* ---------------------------------------------------------------------- */
/* JSON writing                                                            */
/* ---------------------------------------------------------------------- */

typedef struct
{
  GString   *out;
  GPtrArray *attachments; /* resolves placeholders; may be NULL */
  gboolean   color;
  gboolean   multiline;   /* one member per line, indented */
  gboolean   spaced;      /* ", " and ": " on one line */
  gboolean   abbreviate;  /* long binary as a size only */
} Writer;

static void write_node (Writer   *w,
                        JsonNode *node,
                        guint     depth);

static void
append_json_string (GString    *out,
                    const char *str)
{
  const unsigned char *p;

  g_string_append_c (out, '"');
  for (p = (const unsigned char *) str; *p != '\0'; p++)
    {
      switch (*p)
        {
        case '"':
          g_string_append (out, "\\\"");
          break;
        case '\\':
          g_string_append (out, "\\\\");
          break;
        case '\n':
          g_string_append (out, "\\n");
          break;
        case '\r':
          g_string_append (out, "\\r");
          break;
        case '\t':
          g_string_append (out, "\\t");
          break;
        case '\b':
          g_string_append (out, "\\b");
          break;
        case '\f':
          g_string_append (out, "\\f");
          break;
        default:
          if (*p < 0x20 || *p == 0x7f)
            g_string_append_printf (out, "\\u%04x", *p);
          else
            g_string_append_c (out, (char) *p);
        }
    }
  g_string_append_c (out, '"');
}

static void
writer_open_color (Writer     *w,
                   const char *color)
{
  if (w->color)
    g_string_append (w->out, color);
}

static void
writer_close_color (Writer *w)
{
  if (w->color)
    g_string_append (w->out, ANSI_RESET);
}

static void
writer_newline (Writer *w,
                guint   depth)
{
  guint i;

  g_string_append_c (w->out, '\n');
  for (i = 0; i < depth; i++)
    g_string_append (w->out, "  ");
}

static void
writer_separator (Writer *w)
{
  g_string_append_c (w->out, ',');
  if (w->spaced && !w->multiline)
    g_string_append_c (w->out, ' ');
}

static void
writer_colon (Writer *w)
{
  g_string_append_c (w->out, ':');
  if (w->spaced || w->multiline)
    g_string_append_c (w->out, ' ');
}

/* The attachment a {"_placeholder":true,"num":N} object stands for. */
static GBytes *
placeholder_attachment (JsonObject *object,
                        GPtrArray  *attachments)
{
  JsonNode *flag;
  JsonNode *num;
  gint64 index;

  if (attachments == NULL || attachments->len == 0)
    return NULL;
  if (json_object_get_size (object) != 2)
    return NULL;

  flag = json_object_get_member (object, "_placeholder");
  num = json_object_get_member (object, "num");
  if (flag == NULL || num == NULL)
    return NULL;
  if (!JSON_NODE_HOLDS_VALUE (flag) ||
      json_node_get_value_type (flag) != G_TYPE_BOOLEAN ||
      !json_node_get_boolean (flag))
    return NULL;
  if (!JSON_NODE_HOLDS_VALUE (num) ||
      json_node_get_value_type (num) != G_TYPE_INT64)
    return NULL;

  index = json_node_get_int (num);
  if (index < 0 || index >= attachments->len)
    return NULL;

  return g_ptr_array_index (attachments, index);
}

static void
write_binary (Writer *w,
              GBytes *bytes)
{
  gsize size = g_bytes_get_size (bytes);
  g_autofree char *encoded = NULL;

  writer_open_color (w, ANSI_MAGENTA);
  if (w->abbreviate && size > PRETTY_BINARY_MAX)
    {
      g_string_append_c (w->out, '<');
      g_string_append_printf (w->out,
                              g_dngettext (GETTEXT_PACKAGE,
                                           "%lu byte of binary data",
                                           "%lu bytes of binary data",
                                           size),
                              (gulong) size);
      g_string_append_c (w->out, '>');
    }
  else
    {
      encoded = g_base64_encode (g_bytes_get_data (bytes, NULL), size);
      g_string_append (w->out, "{\"_binary\"");
      writer_colon (w);
      append_json_string (w->out, encoded);
      g_string_append_c (w->out, '}');
    }
  writer_close_color (w);
}

/* The shortest decimal form of @d that reads back as @d. */
static void
append_double (GString *out,
               double   d)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];
  int precision;

  for (precision = 15; precision < 17; precision++)
    {
      g_ascii_formatd (buffer, sizeof buffer, precision == 15 ? "%.15g" : "%.16g", d);
      if (g_ascii_strtod (buffer, NULL) == d)
        break;
    }
  if (precision == 17)
    g_ascii_formatd (buffer, sizeof buffer, "%.17g", d);

  g_string_append (out, buffer);
  /* keep it a JSON number that reads back as a double */
  if (strpbrk (buffer, ".eE") == NULL)
    g_string_append (out, ".0");
}

static void
write_value (Writer   *w,
             JsonNode *node)
{
  double d;

  switch (json_node_get_value_type (node))
    {
    case G_TYPE_STRING:
      writer_open_color (w, ANSI_GREEN);
      append_json_string (w->out, json_node_get_string (node));
      writer_close_color (w);
      break;

    case G_TYPE_INT64:
      writer_open_color (w, ANSI_YELLOW);
      g_string_append_printf (w->out, "%" G_GINT64_FORMAT, json_node_get_int (node));
      writer_close_color (w);
      break;

    case G_TYPE_DOUBLE:
      d = json_node_get_double (node);
      writer_open_color (w, ANSI_YELLOW);
      /* JSON has no infinities or NaN */
      if (isfinite (d))
        append_double (w->out, d);
      else
        g_string_append (w->out, "null");
      writer_close_color (w);
      break;

    case G_TYPE_BOOLEAN:
      writer_open_color (w, ANSI_MAGENTA);
      g_string_append (w->out, json_node_get_boolean (node) ? "true" : "false");
      writer_close_color (w);
      break;

    default:
      writer_open_color (w, ANSI_MAGENTA);
      g_string_append (w->out, "null");
      writer_close_color (w);
      break;
    }
}

static void
write_array (Writer    *w,
             JsonArray *array,
             guint      depth)
{
  guint n = array != NULL ? json_array_get_length (array) : 0;
  guint i;

  if (n == 0)
    {
      g_string_append (w->out, "[]");
      return;
    }

  g_string_append_c (w->out, '[');
  for (i = 0; i < n; i++)
    {
      if (i > 0)
        writer_separator (w);
      if (w->multiline)
        writer_newline (w, depth + 1);
      write_node (w, json_array_get_element (array, i), depth + 1);
    }
  if (w->multiline)
    writer_newline (w, depth);
  g_string_append_c (w->out, ']');
}

static void
write_object (Writer     *w,
              JsonObject *object,
              guint       depth)
{
  GList *members;
  GList *l;
  GBytes *binary;

  binary = placeholder_attachment (object, w->attachments);
  if (binary != NULL)
    {
      write_binary (w, binary);
      return;
    }

  members = json_object_get_members (object);
  if (members == NULL)
    {
      g_string_append (w->out, "{}");
      return;
    }

  g_string_append_c (w->out, '{');
  for (l = members; l != NULL; l = l->next)
    {
      const char *name = l->data;

      if (l != members)
        writer_separator (w);
      if (w->multiline)
        writer_newline (w, depth + 1);
      writer_open_color (w, ANSI_BLUE);
      append_json_string (w->out, name);
      writer_close_color (w);
      writer_colon (w);
      write_node (w, json_object_get_member (object, name), depth + 1);
    }
  if (w->multiline)
    writer_newline (w, depth);
  g_string_append_c (w->out, '}');

  g_list_free (members);
}

static void
write_node (Writer   *w,
            JsonNode *node,
            guint     depth)
{
  switch (JSON_NODE_TYPE (node))
    {
    case JSON_NODE_OBJECT:
      write_object (w, json_node_get_object (node), depth);
      break;
    case JSON_NODE_ARRAY:
      write_array (w, json_node_get_array (node), depth);
      break;
    case JSON_NODE_VALUE:
      write_value (w, node);
      break;
    case JSON_NODE_NULL:
    default:
      writer_open_color (w, ANSI_MAGENTA);
      g_string_append (w->out, "null");
      writer_close_color (w);
      break;
    }
}

/* Compact JSON of @args, binary inlined as {"_binary":"BASE64"}. */
static void
append_args_json (GString   *out,
                  JsonArray *args,
                  GPtrArray *attachments)
{
  Writer w = { out, attachments, FALSE, FALSE, FALSE, FALSE };

  write_array (&w, args, 0);
}

/* The arguments on one line, space-separated as on input. */
static void
append_args_inline (GString   *out,
                    JsonArray *args,
                    GPtrArray *attachments,
                    gboolean   color)
{
  Writer w = { out, attachments, color, FALSE, TRUE, TRUE };
  guint n = args != NULL ? json_array_get_length (args) : 0;
  guint i;

  for (i = 0; i < n; i++)
    {
      if (i > 0)
        g_string_append_c (out, ' ');
      write_node (&w, json_array_get_element (args, i), 0);
    }
}

static gboolean
name_needs_quotes (const char *name)
{
  const unsigned char *p;

  if (*name == '\0')
    return TRUE;
  for (p = (const unsigned char *) name; *p != '\0'; p++)
    if (*p <= ' ' || *p == '"' || *p == 0x7f)
      return TRUE;
  return FALSE;
}

static void
append_event_name (GString    *out,
                   const char *name)
{
  if (name_needs_quotes (name))
    append_json_string (out, name);
  else
    g_string_append (out, name);
}

static void
write_stdout (GString *line)
{
  g_string_append_c (line, '\n');
  fwrite (line->str, 1, line->len, stdout);
  fflush (stdout);
}

/* Pretty form: a coloured header, then the arguments on the same line when
 * they fit, or one indented, multi-line value per argument otherwise. */
/* The number of characters of @str on screen, without escape sequences. */
static glong
visible_width (const char *str)
{
  glong width = 0;
  const char *p = str;

  while (*p != '\0')
    {
      if (*p == '\033' && p[1] == '[')
        {
          for (p += 2; *p != '\0' && !g_ascii_isalpha (*p); p++)
            ;
          if (*p != '\0')
            p++;
          continue;
        }
      width++;
      p = g_utf8_next_char (p);
    }
  return width;
}

static void
print_pretty (const char *header,
              JsonArray  *args,
              GPtrArray  *attachments)
{
  g_autoptr(GString) line = g_string_new (header);
  g_autoptr(GString) plain = g_string_new (NULL);
  guint n = args != NULL ? json_array_get_length (args) : 0;
  guint i;

  if (n == 0)
    {
      write_stdout (line);
      return;
    }

  append_args_inline (plain, args, attachments, FALSE);
  if (strchr (plain->str, '\n') == NULL &&
      visible_width (header) + 1 + g_utf8_strlen (plain->str, -1) <= PRETTY_LINE_WIDTH)
    {
      g_string_append_c (line, ' ');
      append_args_inline (line, args, attachments, cli.color_out);
    }
  else
    {
      Writer w = { line, attachments, cli.color_out, TRUE, TRUE, TRUE };

      for (i = 0; i < n; i++)
        {
          writer_newline (&w, 1);
          write_node (&w, json_array_get_element (args, i), 1);
        }
    }

  write_stdout (line);
}

static void
print_event (SioEvent *event,
             gboolean  answered)
{
  const char *name = sio_event_get_name (event);
  const char *nsp = sio_event_get_namespace (event);
  JsonArray *args = sio_event_get_args (event);
  GPtrArray *attachments = sio_event_get_attachments (event);
  g_autoptr(GString) out = g_string_new (NULL);

  if (name == NULL)
    name = "";
  if (nsp == NULL)
    nsp = "/";

  if (!cli.pretty)
    {
      g_string_append (out, "{\"event\":");
      append_json_string (out, name);
      g_string_append (out, ",\"namespace\":");
      append_json_string (out, nsp);
      g_string_append (out, ",\"args\":");
      append_args_json (out, args, attachments);
      g_string_append_c (out, '}');
      write_stdout (out);
      return;
    }

  if (cli.color_out)
    g_string_append (out, ANSI_BOLD ANSI_CYAN);
  append_event_name (out, name);
  if (cli.color_out)
    g_string_append (out, ANSI_RESET);
  if (g_strcmp0 (nsp, "/") != 0)
    {
      g_string_append_c (out, ' ');
      if (cli.color_out)
        g_string_append (out, ANSI_DIM);
      g_string_append_printf (out, "(%s)", nsp);
      if (cli.color_out)
        g_string_append (out, ANSI_RESET);
    }
  if (sio_event_wants_ack (event))
    {
      g_string_append_c (out, ' ');
      if (cli.color_out)
        g_string_append (out, ANSI_DIM);
      g_string_append_printf (out, "[%s]", answered ? _("acknowledged") : _("wants an ack"));
      if (cli.color_out)
        g_string_append (out, ANSI_RESET);
    }

  print_pretty (out->str, args, attachments);
}

static void
print_ack (const char *event_name,
           SioEvent   *reply)
{
  JsonArray *args = sio_event_get_args (reply);
  GPtrArray *attachments = sio_event_get_attachments (reply);
  g_autoptr(GString) out = g_string_new (NULL);

  if (!cli.pretty)
    {
      g_string_append (out, "{\"ack\":");
      append_json_string (out, event_name);
      g_string_append (out, ",\"args\":");
      append_args_json (out, args, attachments);
      g_string_append_c (out, '}');
      write_stdout (out);
      return;
    }

  if (cli.color_out)
    g_string_append (out, ANSI_BOLD ANSI_GREEN);
  g_string_append (out, "ack");
  if (cli.color_out)
    g_string_append (out, ANSI_RESET ANSI_CYAN);
  g_string_append_c (out, ' ');
  append_event_name (out, event_name);
  if (cli.color_out)
    g_string_append (out, ANSI_RESET);

  print_pretty (out->str, args, attachments);
}

static char *
node_to_string (JsonNode *node)
{
  g_autoptr(GString) out = g_string_new (NULL);
  Writer w = { out, NULL, FALSE, FALSE, FALSE, FALSE };

  write_node (&w, node, 0);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* ---------------------------------------------------------------------- */
/* Input parsing                                                           */
/* ---------------------------------------------------------------------- */

static void
message_free (Message *message)
{
  if (message == NULL)
    return;
  g_free (message->event);
  g_clear_pointer (&message->args, json_array_unref);
  g_clear_pointer (&message->attachments, g_ptr_array_unref);
  g_free (message);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Message, message_free)

static gboolean
is_space (char c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static const char *
skip_spaces (const char *p)
{
  while (is_space (*p))
    p++;
  return p;
}

/* Moves past the JSON string starting at the quote @p; NULL if unterminated. */
static const char *
skip_string (const char *p)
{
  for (p++; *p != '\0' && *p != '"'; p++)
    if (*p == '\\' && p[1] != '\0')
      p++;
  return *p == '"' ? p + 1 : NULL;
}

/* Finds where the JSON value starting at @p ends, without validating it. */
static const char *
scan_json_value (const char  *p,
                 GError     **error)
{
  const char *end;
  int depth = 0;

  if (*p == '"')
    {
      end = skip_string (p);
      if (end == NULL)
        g_set_error_literal (error, SIO_ERROR, SIO_ERROR_INVALID_ARGUMENT,
                             _("unterminated string"));
      return end;
    }

  if (*p == '[' || *p == '{')
    {
      while (*p != '\0')
        {
          if (*p == '"')
            {
              p = skip_string (p);
              if (p == NULL)
                {
                  g_set_error_literal (error, SIO_ERROR, SIO_ERROR_INVALID_ARGUMENT,
                                       _("unterminated string"));
                  return NULL;
                }
              continue;
            }
          if (*p == '[' || *p == '{')
            depth++;
          else if (*p == ']' || *p == '}')
            {
              if (--depth == 0)
                return p + 1;
            }
          p++;
        }
      g_set_error_literal (error, SIO_ERROR, SIO_ERROR_INVALID_ARGUMENT,
                           _("missing closing bracket"));
      return NULL;
    }

  /* a number, true, false or null: up to the next delimiter */
  end = p;
  while (*end != '\0' && !is_space (*end) && strchr (",[]{}\"", *end) == NULL)
    end++;
  if (end == p)
    {
      g_set_error (error, SIO_ERROR, SIO_ERROR_INVALID_ARGUMENT,
                   _("unexpected “%c”"), *p);
      return NULL;
    }
  return end;
}

/* json-glib prefixes its messages with "<data>:LINE:COLUMN: ", which is
 * meaningless here since each value is parsed on its own. */
static const char *
strip_parser_position (const char *message)
{
  const char *p;
  int colons = 0;

  if (!g_str_has_prefix (message, "<data>:"))
    return message;
  for (p = message; *p != '\0'; p++)
    {
      if (*p == ':' && ++colons == 3)
        return skip_spaces (p + 1);
    }
  return message;
}

/* Parses the single JSON value @text (@len bytes). */
static JsonNode *
parse_json_value (const char  *text,
                  gsize        len,
                  GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *wrapped = NULL;
  g_autoptr(GError) local_error = NULL;
  JsonNode *root;
  JsonArray *array;

  /* Wrapping in brackets accepts scalars with any json-glib version. */
  wrapped = g_strdup_printf ("[%.*s]", (int) len, text);
  if (!json_parser_load_from_data (parser, wrapped, -1, &local_error))
    {
      g_set_error_literal (error, SIO_ERROR, SIO_ERROR_INVALID_ARGUMENT,
                           strip_parser_position (local_error->message));
      return NULL;
    }

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_ARRAY (root) ||
      json_array_get_length (json_node_get_array (root)) != 1)
    {
      g_set_error_literal (error, SIO_ERROR, SIO_ERROR_INVALID_ARGUMENT,
                           _("not a single JSON value"));
      return NULL;
    }

  array = json_node_get_array (root);
  return json_node_copy (json_array_get_element (array, 0));
}

static GBytes *
decode_base64 (const char  *text,
               GError     **error)
{
  gsize len = strlen (text);
  gsize padding = 0;
  gsize i;
  guchar *data;
  gsize size;

  for (i = 0; i < len; i++)
    {
      char c = text[i];

      if (c == '=')
        padding++;
      else if (padding > 0 ||
               !(g_ascii_isalnum (c) || c == '+' || c == '/'))
        break;
    }
  if (i < len || len % 4 != 0 || padding > 2)
    {
      g_set_error_literal (error, SIO_ERROR, SIO_ERROR_INVALID_ARGUMENT,
                           _("“_binary” is not valid base64"));
      return NULL;
    }

  if (len == 0)
    return g_bytes_new (NULL, 0);

  data = g_base64_decode (text, &size);
  return g_bytes_new_take (data, size);
}

/* Copies @node, replacing each {"_binary":"BASE64"} object with a
 * {"_placeholder":true,"num":N} object and its bytes in @attachments. */
static JsonNode *
import_binary (JsonNode   *node,
               GPtrArray  *attachments,
               GError    **error)
{
  JsonNode *result;

  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);
      g_autoptr(JsonArray) copy = json_array_new ();
      guint i;

      for (i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *element = import_binary (json_array_get_element (array, i),
                                             attachments, error);
          if (element == NULL)
            return NULL;
          json_array_add_element (copy, element);
        }
      result = json_node_new (JSON_NODE_ARRAY);
      json_node_set_array (result, copy);
      return result;
    }

  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *object = json_node_get_object (node);
      JsonNode *binary = json_object_get_member (object, "_binary");
      g_autoptr(JsonObject) copy = json_object_new ();
      GList *members;
      GList *l;

      if (binary != NULL && json_object_get_size (object) == 1 &&
          JSON_NODE_HOLDS_VALUE (binary) &&
          json_node_get_value_type (binary) == G_TYPE_STRING)
        {
          GBytes *bytes = decode_base64 (json_node_get_string (binary), error);

          if (bytes == NULL)
            return NULL;
          json_object_set_boolean_member (copy, "_placeholder", TRUE);
          json_object_set_int_member (copy, "num", attachments->len);
          g_ptr_array_add (attachments, bytes);
        }
      else
        {
          members = json_object_get_members (object);
          for (l = members; l != NULL; l = l->next)
            {
              JsonNode *member = import_binary (json_object_get_member (object, l->data),
                                                attachments, error);
              if (member == NULL)
                {
                  g_list_free (members);
                  return NULL;
                }
              json_object_set_member (copy, l->data, member);
            }
          g_list_free (members);
        }

      result = json_node_new (JSON_NODE_OBJECT);
      json_node_set_object (result, copy);
      return result;
    }

  return json_node_copy (node);
}

/* Parses a sequence of JSON values separated by spaces or one comma. */
static gboolean
parse_args (const char  *text,
            Message     *message,
            GError     **error)
{
  const char *p = skip_spaces (text);
  guint index = 1;

  message->args = json_array_new ();
  message->attachments = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);

  while (*p != '\0')
    {
      g_autoptr(GError) local_error = NULL;
      g_autoptr(JsonNode) value = NULL;
      const char *end;
      JsonNode *imported;

      end = scan_json_value (p, &local_error);
      if (end != NULL)
        value = parse_json_value (p, end - p, &local_error);
      if (value == NULL)
        {
          g_autofree char *excerpt = NULL;
          gsize excerpt_len = end != NULL ? (gsize) (end - p) : strlen (p);
          gboolean bare_word = end != NULL && g_ascii_isalpha (*p);

          excerpt = g_strndup (p, MIN (excerpt_len, 40));
          g_set_error (error, SIO_ERROR, SIO_ERROR_INVALID_ARGUMENT,
                       _("argument %u (%s%s) is not valid JSON: %s%s%s"),
                       index, excerpt, excerpt_len > 40 ? "…" : "",
                       local_error->message,
                       bare_word ? " " : "",
                       bare_word ? _("(strings must be in double quotes)") : "");
          return FALSE;
        }

      imported = import_binary (value, message->attachments, &local_error);
      if (imported == NULL)
        {
          g_set_error (error, SIO_ERROR, SIO_ERROR_INVALID_ARGUMENT,
                       _("argument %u: %s"), index, local_error->message);
          return FALSE;
        }
      json_array_add_element (message->args, imported);
      index++;

      p = skip_spaces (end);
      if (*p == ',')
        {
          p = skip_spaces (p + 1);
          if (*p == '\0')
            {
              g_set_error_literal (error, SIO_ERROR, SIO_ERROR_INVALID_ARGUMENT,
                                   _("trailing comma after the last argument"));
              return FALSE;
            }
        }
    }

  return TRUE;
}

/* Parses "EVENT [JSON...]"; @line has no leading spaces. */
static Message *
parse_message (const char  *line,
               GError     **error)
{
  g_autoptr(Message) message = g_new0 (Message, 1);
  const char *p = skip_spaces (line);
  const char *end;
  guint i;

  if (*p == '"')
    {
      g_autoptr(JsonNode) name = NULL;

      end = skip_string (p);
      if (end != NULL)
        name = parse_json_value (p, end - p, error);
      else
        g_set_error_literal (error, SIO_ERROR, SIO_ERROR_INVALID_ARGUMENT,
                             _("unterminated event name"));
      if (name == NULL)
        return NULL;
      message->event = g_strdup (json_node_get_string (name));
      if (*end != '\0' && !is_space (*end))
        {
          g_set_error_literal (error, SIO_ERROR, SIO_ERROR_INVALID_ARGUMENT,
                               _("expected a space after the event name"));
          return NULL;
        }
    }
  else
    {
      end = p;
      while (*end != '\0' && !is_space (*end))
        end++;
      message->event = g_strndup (p, end - p);
    }

  if (message->event == NULL || message->event[0] == '\0')
    {
      g_set_error_literal (error, SIO_ERROR, SIO_ERROR_INVALID_ARGUMENT,
                           _("missing event name"));
      return NULL;
    }

  for (i = 0; reserved_names[i] != NULL; i++)
    {
      if (strcmp (message->event, reserved_names[i]) == 0)
        {
          g_set_error (error, SIO_ERROR, SIO_ERROR_INVALID_ARGUMENT,
                       _("“%s” is a reserved event name and cannot be emitted"),
                       message->event);
          return NULL;
        }
    }

  if (!parse_args (end, message, error))
    return NULL;

  return g_steal_pointer (&message);
}

/* --reply-ack: one JSON array. */
static Message *
parse_reply (const char  *text,
             GError     **error)
{
  g_autoptr(Message) message = g_new0 (Message, 1);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(JsonNode) imported = NULL;
  g_autoptr(GError) local_error = NULL;
  JsonNode *root;

  if (!json_parser_load_from_data (parser, text, -1, &local_error))
    {
      g_set_error_literal (error, SIO_ERROR, SIO_ERROR_INVALID_ARGUMENT,
                           strip_parser_position (local_error->message));
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_ARRAY (root))
    {
      g_set_error_literal (error, SIO_ERROR, SIO_ERROR_INVALID_ARGUMENT,
                           _("expected a JSON array, such as [\"ok\"]"));
      return NULL;
    }

  message->attachments = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  imported = import_binary (root, message->attachments, error);
  if (imported == NULL)
    return NULL;
  message->args = json_array_ref (json_node_get_array (imported));

  return g_steal_pointer (&message);
}

/* ---------------------------------------------------------------------- */
/* Emitting                                                                */
/* ---------------------------------------------------------------------- */

static void
ack_data_free (AckData *data)
{
  g_free (data->event);
  g_free (data);
}

static void maybe_finish (void);

static void
on_ack_ready (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  AckData *data = user_data;
  g_autoptr(SioEvent) reply = NULL;
  g_autoptr(GError) error = NULL;

  reply = sio_socket_emit_full_finish (SIO_SOCKET (source), result, &error);
  g_assert (cli.pending_acks > 0);
  cli.pending_acks--;

  if (reply != NULL)
    {
      if (!cli.quitting)
        print_ack (data->event, reply);
    }
  else if (!cli.quitting)
    {
      status (STATUS_ERROR, _("no acknowledgement for “%s”: %s"),
              data->event, error->message);
      cli.ack_failed = TRUE;
    }

  ack_data_free (data);
  maybe_finish ();
}

static void
emit_message (Message *message)
{
  g_autoptr(GError) error = NULL;
  GBytes **attachments = (GBytes **) message->attachments->pdata;
  guint n_attachments = message->attachments->len;

  if (n_attachments == 0)
    attachments = NULL;

  if (opt_ack)
    {
      AckData *data = g_new0 (AckData, 1);

      data->event = g_strdup (message->event);
      cli.pending_acks++;
      sio_socket_emit_full (cli.socket, message->event, message->args,
                            attachments, n_attachments, SIO_EMIT_NONE,
                            -1, cli.cancellable, on_ack_ready, data);
    }
  else if (n_attachments > 0)
    {
      sio_socket_emit_full (cli.socket, message->event, message->args,
                            attachments, n_attachments, SIO_EMIT_NONE,
                            -1, NULL, NULL, NULL);
    }
  else
    {
      g_autoptr(GString) json = g_string_new (NULL);

      append_args_json (json, message->args, NULL);
      if (!sio_socket_emit_json (cli.socket, message->event, json->str, &error))
        status (STATUS_ERROR, _("cannot emit “%s”: %s"), message->event, error->message);
    }

  status (STATUS_DEBUG, _("emitted “%s”"), message->event);
}

/* ---------------------------------------------------------------------- */
/* Standard input                                                          */
/* ---------------------------------------------------------------------- */

static void read_next_line (void);

static void
handle_line (const char *line)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(Message) message = NULL;
  const char *p = skip_spaces (line);

  if (*p == '\0' || *p == '#')
    return;

  message = parse_message (p, &error);
  if (message == NULL)
    {
      status (STATUS_ERROR, _("line %u: %s"), cli.line_no, error->message);
      return;
    }

  emit_message (message);
}

static void
on_stdin_eof (void)
{
  cli.stdin_eof = TRUE;
  status (STATUS_DEBUG, _("end of standard input"));

  if (opt_stay || opt_count > 0 || opt_duration > 0)
    return;

  cli.finishing = TRUE;
  maybe_finish ();
}

static void
on_line_read (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  gsize length = 0;

  line = g_data_input_stream_read_line_finish (G_DATA_INPUT_STREAM (source),
                                               result, &length, &error);
  if (line == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      if (error != NULL)
        status (STATUS_ERROR, _("cannot read standard input: %s"), error->message);
      on_stdin_eof ();
      return;
    }

  cli.line_no++;
  if (length > 0 && line[length - 1] == '\r')
    line[--length] = '\0';

  if (strlen (line) != length)
    status (STATUS_ERROR, _("line %u: contains a NUL byte; ignored"), cli.line_no);
  else if (!g_utf8_validate (line, length, NULL))
    status (STATUS_ERROR, _("line %u: not valid UTF-8; ignored"), cli.line_no);
  else
    handle_line (line);

  if (!cli.quitting)
    read_next_line ();
}

static void
read_next_line (void)
{
  g_data_input_stream_read_line_async (cli.stdin_data, G_PRIORITY_DEFAULT,
                                       cli.cancellable, on_line_read, NULL);
}

static void
start_stdin (void)
{
  if (cli.stdin_closed)
    {
      on_stdin_eof ();
      return;
    }

  cli.stdin_base = g_unix_input_stream_new (STDIN_FILENO, FALSE);
  cli.stdin_data = g_data_input_stream_new (cli.stdin_base);
  g_data_input_stream_set_newline_type (cli.stdin_data, G_DATA_STREAM_NEWLINE_TYPE_LF);
  read_next_line ();
}

/* ---------------------------------------------------------------------- */
/* Lifetime                                                                */
/* ---------------------------------------------------------------------- */

static gboolean
on_quit_idle (gpointer user_data)
{
  cli.quit_idle_id = 0;
  g_main_loop_quit (cli.loop);
  return G_SOURCE_REMOVE;
}

static gboolean
on_close_timeout (gpointer user_data)
{
  cli.close_id = 0;
  status (STATUS_DEBUG, _("the connection did not close in time"));
  g_main_loop_quit (cli.loop);
  return G_SOURCE_REMOVE;
}

/* While quitting: stop the loop once the connection is closed and every
 * pending ack has reported its cancellation. */
static void
check_quit_done (void)
{
  if (!cli.quitting || cli.quit_idle_id != 0)
    return;
  if (sio_client_get_state (cli.client) != SIO_CLIENT_STATE_CLOSED ||
      cli.pending_acks > 0)
    return;
  cli.quit_idle_id = g_idle_add (on_quit_idle, NULL);
}

static void
cli_quit (int code)
{
  if (cli.quitting)
    return;

  cli.quitting = TRUE;
  cli.exit_code = code;

  g_clear_handle_id (&cli.duration_id, g_source_remove);
  g_clear_handle_id (&cli.grace_id, g_source_remove);

  g_cancellable_cancel (cli.cancellable);
  if (sio_client_get_state (cli.client) != SIO_CLIENT_STATE_CLOSED)
    sio_client_close (cli.client);

  cli.close_id = g_timeout_add (CLOSE_GRACE_MS, on_close_timeout, NULL);
  check_quit_done ();
}

static gboolean
on_grace_timeout (gpointer user_data)
{
  cli.grace_id = 0;
  if (cli.pending_acks > 0)
    {
      status (STATUS_ERROR,
              g_dngettext (GETTEXT_PACKAGE,
                           "%u acknowledgement still pending; giving up",
                           "%u acknowledgements still pending; giving up",
                           cli.pending_acks),
              cli.pending_acks);
      cli.ack_failed = TRUE;
    }
  cli_quit (CLI_EXIT_OK);
  return G_SOURCE_REMOVE;
}

static void
maybe_finish (void)
{
  guint grace;

  if (cli.quitting)
    {
      check_quit_done ();
      return;
    }
  if (!cli.finishing)
    return;

  if (cli.pending_acks == 0)
    {
      cli_quit (CLI_EXIT_OK);
      return;
    }

  if (cli.grace_id == 0)
    {
      grace = opt_ack_timeout >= 0 ? (guint) opt_ack_timeout + ACK_GRACE_MARGIN_MS
                                   : DEFAULT_ACK_GRACE_MS;
      status (STATUS_DEBUG,
              g_dngettext (GETTEXT_PACKAGE,
                           "waiting for %u acknowledgement",
                           "waiting for %u acknowledgements",
                           cli.pending_acks),
              cli.pending_acks);
      cli.grace_id = g_timeout_add (grace, on_grace_timeout, NULL);
    }
}

static gboolean
on_duration (gpointer user_data)
{
  cli.duration_id = 0;
  if (!cli.ever_connected)
    {
      status (STATUS_ERROR, _("could not connect to %s within %g seconds"),
              cli.url, opt_duration);
      cli_quit (CLI_EXIT_CONNECT);
    }
  else
    {
      status (STATUS_DEBUG, _("duration elapsed"));
      cli_quit (CLI_EXIT_OK);
    }
  return G_SOURCE_REMOVE;
}

static gboolean
on_unix_signal (gpointer user_data)
{
  int signum = GPOINTER_TO_INT (user_data);

  if (cli.quitting)
    {
      /* second signal: stop waiting for a clean close */
      g_main_loop_quit (cli.loop);
      return G_SOURCE_CONTINUE;
    }

  status (STATUS_DEBUG, "%s", signum == SIGINT ? _("interrupted") : _("terminated"));
  cli_quit (signum == SIGINT ? CLI_EXIT_SIGINT : CLI_EXIT_SIGTERM);
  return G_SOURCE_CONTINUE;
}

/* Emits --emit events, then reads standard input; once, after the first
 * successful connection. */
static void
start_session (void)
{
  guint i;

  if (cli.session_started || cli.quitting)
    return;
  cli.session_started = TRUE;

  for (i = 0; i < cli.startup->len; i++)
    emit_message (g_ptr_array_index (cli.startup, i));

  if (opt_no_stdin)
    return;
  start_stdin ();
}

/* ---------------------------------------------------------------------- */
/* Connection                                                              */
/* ---------------------------------------------------------------------- */

static const char *
reason_to_string (SioDisconnectReason reason)
{
  /* the reason names of the JavaScript client */
  switch (reason)
    {
    case SIO_DISCONNECT_REASON_SERVER:
      return "io server disconnect";
    case SIO_DISCONNECT_REASON_CLIENT:
      return "io client disconnect";
    case SIO_DISCONNECT_REASON_PING_TIMEOUT:
      return "ping timeout";
    case SIO_DISCONNECT_REASON_TRANSPORT_CLOSE:
      return "transport close";
    case SIO_DISCONNECT_REASON_TRANSPORT_ERROR:
      return "transport error";
    case SIO_DISCONNECT_REASON_PARSE_ERROR:
      return "parse error";
    default:
      return "unknown";
    }
}

static const char *
state_to_string (SioClientState state)
{
  switch (state)
    {
    case SIO_CLIENT_STATE_CLOSED:
      return "closed";
    case SIO_CLIENT_STATE_OPENING:
      return "opening";
    case SIO_CLIENT_STATE_OPEN:
      return "open";
    case SIO_CLIENT_STATE_RECONNECTING:
      return "reconnecting";
    default:
      return "unknown";
    }
}

/* The final message of exit status 2, with the server's data if any. */
static void
report_connect_failure (const GError *error)
{
  g_autofree char *data = NULL;
  gboolean same;

  if (error == NULL)
    error = cli.last_connect_error;
  /* is @error the "connect-error" already shown, with its data? */
  same = error != NULL && cli.last_connect_error != NULL &&
         g_strcmp0 (error->message, cli.last_connect_error->message) == 0;

  if (error == NULL || (same && cli.last_connect_printed))
    status (STATUS_ERROR, _("could not connect to %s"), cli.url);
  else
    status (STATUS_ERROR, _("could not connect to %s: %s"), cli.url, error->message);

  if (same && !cli.last_connect_printed && cli.last_connect_data != NULL)
    {
      data = node_to_string (cli.last_connect_data);
      status (STATUS_ERROR, _("data sent by the server: %s"), data);
    }
}

static void
on_connected (SioSocket *socket,
              gpointer   user_data)
{
  const char *id = sio_socket_get_id (socket);
  const char *transport = sio_client_get_transport (cli.client);

  g_clear_error (&cli.last_connect_error);
  g_clear_pointer (&cli.last_connect_data, json_node_unref);
  cli.last_connect_printed = FALSE;

  status (STATUS_GOOD, _("connected to namespace %s (socket id %s, transport %s)%s"),
          sio_socket_get_namespace (socket),
          id != NULL ? id : "?",
          transport != NULL ? transport : "?",
          sio_socket_get_recovered (socket) ? _(", session recovered") : "");

  cli.ever_connected = TRUE;
  start_session ();
}

static void
on_disconnected (SioSocket           *socket,
                 SioDisconnectReason  reason,
                 gpointer             user_data)
{
  if (cli.quitting)
    {
      status (STATUS_DEBUG, _("disconnected (%s)"), reason_to_string (reason));
      return;
    }

  switch (reason)
    {
    case SIO_DISCONNECT_REASON_SERVER:
      status (STATUS_ERROR, _("disconnected by the server (%s)"), reason_to_string (reason));
      cli_quit (CLI_EXIT_LOST);
      break;

    case SIO_DISCONNECT_REASON_CLIENT:
      status (STATUS_WARN, _("disconnected (%s)"), reason_to_string (reason));
      cli_quit (CLI_EXIT_LOST);
      break;

    case SIO_DISCONNECT_REASON_PING_TIMEOUT:
    case SIO_DISCONNECT_REASON_TRANSPORT_CLOSE:
    case SIO_DISCONNECT_REASON_TRANSPORT_ERROR:
    case SIO_DISCONNECT_REASON_PARSE_ERROR:
    default:
      if (sio_client_get_reconnection (cli.client))
        {
          status (STATUS_WARN, _("connection lost (%s)"), reason_to_string (reason));
        }
      else
        {
          status (STATUS_ERROR, _("connection lost (%s)"), reason_to_string (reason));
          cli_quit (CLI_EXIT_LOST);
        }
      break;
    }
}

static void
on_connect_error (SioSocket *socket,
                  GError    *error,
                  JsonNode  *data,
                  gpointer   user_data)
{
  g_autofree char *data_text = NULL;

  g_clear_error (&cli.last_connect_error);
  g_clear_pointer (&cli.last_connect_data, json_node_unref);
  cli.last_connect_printed = FALSE;
  if (error != NULL)
    cli.last_connect_error = g_error_copy (error);
  if (data != NULL)
    cli.last_connect_data = json_node_copy (data);

  if (cli.quitting || opt_quiet || error == NULL)
    return;

  if (data != NULL)
    {
      data_text = node_to_string (data);
      status (STATUS_WARN, _("connection error: %s (data: %s)"), error->message, data_text);
    }
  else
    {
      status (STATUS_WARN, _("connection error: %s"), error->message);
    }
  cli.last_connect_printed = TRUE;
}

static void
on_open_ready (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  SioClientState state;

  if (sio_socket_open_finish (SIO_SOCKET (source), result, &error))
    {
      cli.ever_connected = TRUE;
      start_session ();
      return;
    }

  if (cli.quitting || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  /* A failed attempt the client is still retrying: wait for "connected"
   * or "reconnect-failed". A refused namespace is final. */
  state = sio_client_get_state (cli.client);
  if (!g_error_matches (error, SIO_ERROR, SIO_ERROR_CONNECT_REFUSED) &&
      sio_client_get_reconnection (cli.client) &&
      (state == SIO_CLIENT_STATE_RECONNECTING || state == SIO_CLIENT_STATE_OPENING))
    {
      if (!cli.last_connect_printed || cli.last_connect_error == NULL ||
          g_strcmp0 (error->message, cli.last_connect_error->message) != 0)
        status (STATUS_WARN, _("connection error: %s"), error->message);
      return;
    }

  report_connect_failure (error);
  cli_quit (CLI_EXIT_CONNECT);
}

static void
on_reconnect_attempt (SioClient *client,
                      guint      attempt,
                      gpointer   user_data)
{
  int max = sio_client_get_reconnection_attempts (client);

  if (max >= 0)
    status (STATUS_WARN, _("reconnecting (attempt %u of %d)…"), attempt, max);
  else
    status (STATUS_WARN, _("reconnecting (attempt %u)…"), attempt);
}

static void
on_reconnected (SioClient *client,
                guint      attempts,
                gpointer   user_data)
{
  status (STATUS_GOOD,
          g_dngettext (GETTEXT_PACKAGE,
                       "reconnected after %u attempt",
                       "reconnected after %u attempts",
                       attempts),
          attempts);
}

static void
on_reconnect_failed (SioClient *client,
                     gpointer   user_data)
{
  if (cli.quitting)
    return;

  if (!cli.ever_connected)
    {
      report_connect_failure (NULL);
      cli_quit (CLI_EXIT_CONNECT);
      return;
    }

  status (STATUS_ERROR, _("could not reconnect; giving up"));
  cli_quit (CLI_EXIT_LOST);
}

static gboolean
on_closed_idle (gpointer user_data)
{
  if (!cli.quitting &&
      sio_client_get_state (cli.client) == SIO_CLIENT_STATE_CLOSED)
    {
      status (STATUS_ERROR, _("the connection was closed"));
      cli_quit (CLI_EXIT_LOST);
    }
  return G_SOURCE_REMOVE;
}

static void
on_state_changed (GObject    *object,
                  GParamSpec *pspec,
                  gpointer    user_data)
{
  SioClientState state = sio_client_get_state (cli.client);

  status (STATUS_DEBUG, _("state: %s"), state_to_string (state));

  if (cli.quitting)
    {
      check_quit_done ();
      return;
    }

  /* Normally "disconnected" or "reconnect-failed" explains the closing
   * first; this catches anything else once connected. */
  if (state == SIO_CLIENT_STATE_CLOSED && cli.ever_connected)
    g_idle_add (on_closed_idle, NULL);
}

static void
on_event (SioSocket *socket,
          SioEvent  *event,
          gpointer   user_data)
{
  const char *name = sio_event_get_name (event);
  gboolean answered = FALSE;

  if (cli.quitting || cli.count_reached)
    return;

  if (cli.reply_ack != NULL && sio_event_wants_ack (event))
    {
      Message *reply = cli.reply_ack;

      if (reply->attachments->len > 0)
        answered = sio_event_ack_full (event, reply->args,
                                       (GBytes **) reply->attachments->pdata,
                                       reply->attachments->len);
      else
        answered = sio_event_ack (event, reply->args);
    }

  if (cli.filter != NULL && (name == NULL || !g_hash_table_contains (cli.filter, name)))
    return;

  print_event (event, answered);

  cli.n_events++;
  if (opt_count > 0 && cli.n_events >= (guint) opt_count)
    {
      cli.count_reached = TRUE;
      cli.finishing = TRUE;
      maybe_finish ();
    }
}

/* ---------------------------------------------------------------------- */
/* Setup                                                                   */
/* ---------------------------------------------------------------------- */

static char *
normalize_namespace (const char *nsp)
{
  if (nsp == NULL || *nsp == '\0')
    return g_strdup ("/");
  if (*nsp == '/')
    return g_strdup (nsp);
  return g_strconcat ("/", nsp, NULL);
}

/* Checks URL; with --namespace, returns it without its path. */
static char *
prepare_url (const char  *url,
             GError     **error)
{
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GUri) bare = NULL;
  const char *scheme;

  uri = g_uri_parse (url, G_URI_FLAGS_ENCODED, error);
  if (uri == NULL)
    return NULL;

  scheme = g_uri_get_scheme (uri);
  if (g_ascii_strcasecmp (scheme, "http") != 0 &&
      g_ascii_strcasecmp (scheme, "https") != 0 &&
      g_ascii_strcasecmp (scheme, "ws") != 0 &&
      g_ascii_strcasecmp (scheme, "wss") != 0)
    {
      g_set_error (error, G_URI_ERROR, G_URI_ERROR_BAD_SCHEME,
                   _("unsupported URL scheme “%s” (use http, https, ws or wss)"),
                   scheme);
      return NULL;
    }
  if (g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0')
    {
      g_set_error (error, G_URI_ERROR, G_URI_ERROR_BAD_HOST,
                   _("the URL “%s” has no host"), url);
      return NULL;
    }

  if (opt_namespace == NULL)
    return g_strdup (url);

  bare = g_uri_build (G_URI_FLAGS_ENCODED,
                      g_uri_get_scheme (uri), g_uri_get_userinfo (uri),
                      g_uri_get_host (uri), g_uri_get_port (uri),
                      "", g_uri_get_query (uri), g_uri_get_fragment (uri));
  return g_uri_to_string (bare);
}

static gboolean
parse_transports (GPtrArray  *out,
                  GError    **error)
{
  guint i;
  guint j;

  for (i = 0; opt_transports != NULL && opt_transports[i] != NULL; i++)
    {
      g_auto(GStrv) parts = g_strsplit (opt_transports[i], ",", -1);

      for (j = 0; parts[j] != NULL; j++)
        {
          char *name = g_strstrip (parts[j]);

          if (*name == '\0')
            continue;
          if (strcmp (name, "websocket") != 0 && strcmp (name, "polling") != 0)
            {
              g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           _("unknown transport “%s” (use websocket or polling)"), name);
              return FALSE;
            }
          if (!g_ptr_array_find_with_equal_func (out, name, g_str_equal, NULL))
            g_ptr_array_add (out, g_strdup (name));
        }
    }

  if (opt_transports != NULL && out->len == 0)
    {
      g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           _("--transport needs websocket or polling"));
      return FALSE;
    }

  g_ptr_array_add (out, NULL);
  return TRUE;
}

/* Checks the options that GOptionContext cannot. */
static gboolean
check_options (GError **error)
{
  if (opt_eio != 3 && opt_eio != 4)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("--eio must be 3 or 4, not %d"), opt_eio);
      return FALSE;
    }
  if (opt_count < 0)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("--count must be a positive number"));
      return FALSE;
    }
  if (opt_duration < 0 || opt_duration > G_MAXUINT / 1000.0 || isnan (opt_duration))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("--duration must be a positive number of seconds"));
      return FALSE;
    }
  if (opt_timeout < -1)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("--timeout must be a number of milliseconds"));
      return FALSE;
    }
  if (opt_ack_timeout < -1)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("--ack-timeout must be a number of milliseconds"));
      return FALSE;
    }
  if (opt_reconnect_attempts != G_MININT && opt_reconnect_attempts < -1)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("--reconnect-attempts must be -1 (never give up) or more"));
      return FALSE;
    }
  if (opt_remaining == NULL || opt_remaining[0] == NULL)
    {
      g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                           _("missing the server URL"));
      return FALSE;
    }
  if (opt_remaining[1] != NULL)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                   _("unexpected argument “%s”: give one URL"), opt_remaining[1]);
      return FALSE;
    }
  return TRUE;
}

/* Applies the connection options to the client and socket. */
static gboolean
configure (GError **error)
{
  g_autoptr(GPtrArray) transports = g_ptr_array_new_with_free_func (g_free);
  guint i;

  sio_client_set_engine_io_version (cli.client, opt_eio);

  if (!parse_transports (transports, error))
    return FALSE;
  if (transports->len > 1)
    sio_client_set_transports (cli.client, (const char * const *) transports->pdata);

  if (opt_path != NULL)
    sio_client_set_path (cli.client, opt_path);
  if (opt_timeout >= 0)
    sio_client_set_timeout (cli.client, opt_timeout);
  if (opt_no_reconnect)
    sio_client_set_reconnection (cli.client, FALSE);
  if (opt_reconnect_attempts != G_MININT)
    sio_client_set_reconnection_attempts (cli.client, opt_reconnect_attempts);

  for (i = 0; opt_headers != NULL && opt_headers[i] != NULL; i++)
    {
      const char *colon = strchr (opt_headers[i], ':');
      g_autofree char *name = NULL;
      g_autofree char *value = NULL;

      if (colon != NULL)
        {
          name = g_strstrip (g_strndup (opt_headers[i], colon - opt_headers[i]));
          value = g_strstrip (g_strdup (colon + 1));
        }
      if (name == NULL || *name == '\0' || strpbrk (name, " \t") != NULL)
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       _("invalid header “%s” (use \"Name: value\")"), opt_headers[i]);
          return FALSE;
        }
      sio_client_set_header (cli.client, name, value);
    }

  for (i = 0; opt_queries != NULL && opt_queries[i] != NULL; i++)
    {
      const char *equals = strchr (opt_queries[i], '=');
      g_autofree char *key = NULL;

      if (equals == NULL || equals == opt_queries[i])
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       _("invalid query parameter “%s” (use key=value)"), opt_queries[i]);
          return FALSE;
        }
      key = g_strndup (opt_queries[i], equals - opt_queries[i]);
      sio_client_set_query_param (cli.client, key, equals + 1);
    }

  if (opt_auth != NULL)
    {
      g_autoptr(JsonNode) auth = NULL;
      g_autoptr(GError) local_error = NULL;

      auth = json_from_string (opt_auth, &local_error);
      if (auth == NULL || !JSON_NODE_HOLDS_OBJECT (auth))
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       _("--auth needs a JSON object, such as {\"token\":\"abc\"}%s%s"),
                       local_error != NULL ? ": " : "",
                       local_error != NULL ? strip_parser_position (local_error->message) : "");
          return FALSE;
        }
      if (!sio_socket_set_auth_json (cli.socket, opt_auth, &local_error))
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       "--auth: %s", local_error->message);
          return FALSE;
        }
      if (opt_eio == 3)
        status (STATUS_WARN, _("--auth is ignored by Engine.IO 3 servers; use --query"));
    }

  if (opt_ack_timeout >= 0)
    sio_socket_set_ack_timeout (cli.socket, opt_ack_timeout);

  if (opt_reply_ack != NULL)
    {
      g_autoptr(GError) local_error = NULL;

      cli.reply_ack = parse_reply (opt_reply_ack, &local_error);
      if (cli.reply_ack == NULL)
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       "--reply-ack: %s", local_error->message);
          return FALSE;
        }
    }

  cli.startup = g_ptr_array_new_with_free_func ((GDestroyNotify) message_free);
  for (i = 0; opt_emits != NULL && opt_emits[i] != NULL; i++)
    {
      g_autoptr(GError) local_error = NULL;
      Message *message = parse_message (opt_emits[i], &local_error);

      if (message == NULL)
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       "--emit “%s”: %s", opt_emits[i], local_error->message);
          return FALSE;
        }
      g_ptr_array_add (cli.startup, message);
    }

  if (opt_events != NULL)
    {
      cli.filter = g_hash_table_new (g_str_hash, g_str_equal);
      for (i = 0; opt_events[i] != NULL; i++)
        g_hash_table_add (cli.filter, opt_events[i]);
    }

  return TRUE;
}

static gboolean
color_allowed (void)
{
  const char *no_color = g_getenv ("NO_COLOR");

  if (opt_no_color)
    return FALSE;
  if (no_color != NULL && *no_color != '\0')
    return FALSE;
  if (g_strcmp0 (g_getenv ("TERM"), "dumb") == 0)
    return FALSE;
  return TRUE;
}

static void
enable_packet_traces (void)
{
  const char *current = g_getenv ("G_MESSAGES_DEBUG");
  g_autofree char *domains = NULL;

  if (current == NULL || *current == '\0')
    domains = g_strdup ("sio-glib");
  else if (strstr (current, "all") != NULL || strstr (current, "sio-glib") != NULL)
    return;
  else
    domains = g_strconcat (current, " ", "sio-glib", NULL);

  g_setenv ("G_MESSAGES_DEBUG", domains, TRUE);
}

/* Opens /dev/null on the standard descriptors that are closed, so that no
 * socket or eventfd gets their numbers (we would read or write them). */
static void
guard_standard_fds (void)
{
  struct stat st;
  int fd;

  for (fd = STDIN_FILENO; fd <= STDERR_FILENO; fd++)
    {
      if (fstat (fd, &st) == 0)
        continue;
      if (fd == STDIN_FILENO)
        cli.stdin_closed = TRUE;
      /* the lowest free number: fd itself */
      if (open ("/dev/null", fd == STDIN_FILENO ? O_RDONLY : O_WRONLY) < 0)
        break;
    }
}

static void
drain_main_context (void)
{
  guint i;

  for (i = 0; i < 100 && g_main_context_iteration (NULL, FALSE); i++)
    ;
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  g_autofree char *nsp = NULL;
  int exit_code;

  guard_standard_fds ();

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  g_set_prgname ("sio-cli");
  /* standard output carries the events only */
  g_log_writer_default_set_use_stderr (TRUE);

  context = g_option_context_new (N_("URL"));
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_set_summary (context, option_summary);
  g_option_context_set_description (context, option_description);
  g_option_context_add_main_entries (context, option_entries, GETTEXT_PACKAGE);

  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      usage_error (error->message);
      return CLI_EXIT_USAGE;
    }

  if (opt_version)
    {
      g_print ("sio-cli %s (sio-glib %u.%u.%u)\n", PACKAGE_VERSION,
               sio_get_major_version (), sio_get_minor_version (),
               sio_get_micro_version ());
      return CLI_EXIT_OK;
    }

  if (!check_options (&error))
    {
      usage_error (error->message);
      return CLI_EXIT_USAGE;
    }

  cli.color_err = color_allowed () && isatty (STDERR_FILENO);
  cli.pretty = !opt_json && isatty (STDOUT_FILENO);
  cli.color_out = cli.pretty && color_allowed ();

  if (opt_verbose)
    enable_packet_traces ();

  cli.url = g_strdup (opt_remaining[0]);
  url = prepare_url (cli.url, &error);
  if (url == NULL)
    {
      usage_error (error->message);
      return CLI_EXIT_USAGE;
    }

  cli.client = sio_client_new (url);
  if (opt_namespace != NULL)
    {
      nsp = normalize_namespace (opt_namespace);
      if (strcmp (nsp, "/") == 0)
        cli.socket = g_object_ref (SIO_SOCKET (cli.client));
      else
        cli.socket = g_object_ref (sio_client_socket (cli.client, nsp));
    }
  else
    {
      cli.socket = g_object_ref (SIO_SOCKET (cli.client));
    }

  if (!configure (&error))
    {
      usage_error (error->message);
      g_clear_object (&cli.socket);
      g_clear_object (&cli.client);
      return CLI_EXIT_USAGE;
    }

  cli.loop = g_main_loop_new (NULL, FALSE);
  cli.cancellable = g_cancellable_new ();

  g_signal_connect (cli.socket, "connected", G_CALLBACK (on_connected), &cli);
  g_signal_connect (cli.socket, "disconnected", G_CALLBACK (on_disconnected), &cli);
  g_signal_connect (cli.socket, "connect-error", G_CALLBACK (on_connect_error), &cli);
  g_signal_connect (cli.socket, "event", G_CALLBACK (on_event), &cli);
  g_signal_connect (cli.client, "reconnect-attempt", G_CALLBACK (on_reconnect_attempt), &cli);
  g_signal_connect (cli.client, "reconnected", G_CALLBACK (on_reconnected), &cli);
  g_signal_connect (cli.client, "reconnect-failed", G_CALLBACK (on_reconnect_failed), &cli);
  g_signal_connect (cli.client, "notify::state", G_CALLBACK (on_state_changed), &cli);

  cli.sigint_id = g_unix_signal_add (SIGINT, on_unix_signal, GINT_TO_POINTER (SIGINT));
  cli.sigterm_id = g_unix_signal_add (SIGTERM, on_unix_signal, GINT_TO_POINTER (SIGTERM));

  if (opt_duration > 0)
    cli.duration_id = g_timeout_add ((guint) (opt_duration * 1000), on_duration, NULL);

  status (STATUS_INFO, _("connecting to %s (namespace %s)…"), cli.url,
          sio_socket_get_namespace (cli.socket));
  sio_socket_open_async (cli.socket, cli.cancellable, on_open_ready, NULL);

  g_main_loop_run (cli.loop);

  /* tear down; let the last packets go out */
  g_clear_handle_id (&cli.close_id, g_source_remove);
  g_clear_handle_id (&cli.quit_idle_id, g_source_remove);
  g_clear_handle_id (&cli.duration_id, g_source_remove);
  g_clear_handle_id (&cli.grace_id, g_source_remove);
  g_clear_handle_id (&cli.sigint_id, g_source_remove);
  g_clear_handle_id (&cli.sigterm_id, g_source_remove);
  g_signal_handlers_disconnect_by_data (cli.socket, &cli);
  g_signal_handlers_disconnect_by_data (cli.client, &cli);
  drain_main_context ();

  exit_code = cli.exit_code;
  if (exit_code == CLI_EXIT_OK && cli.ack_failed)
    exit_code = CLI_EXIT_ACK;

  g_clear_object (&cli.stdin_data);
  g_clear_object (&cli.stdin_base);
  g_clear_object (&cli.socket);
  g_clear_object (&cli.client);
  drain_main_context ();

  g_clear_object (&cli.cancellable);
  g_clear_pointer (&cli.loop, g_main_loop_unref);
  g_clear_pointer (&cli.startup, g_ptr_array_unref);
  g_clear_pointer (&cli.reply_ack, message_free);
  g_clear_pointer (&cli.filter, g_hash_table_unref);
  g_clear_error (&cli.last_connect_error);
  g_clear_pointer (&cli.last_connect_data, json_node_unref);
  g_clear_pointer (&cli.url, g_free);

  return exit_code;
}
