/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A hostile server: an in-process SoupServer on 127.0.0.1 that completes
 * the Engine.IO v4 handshake and the CONNECT of "/", then sends crafted
 * frames from the edge-case table of protocol.md §3. Each bad input must
 * end the connection cleanly with PARSE_ERROR (no crash, no leak), and the
 * client must then try to reconnect as for any other loss. Harmless inputs
 * (an ack for an unknown id, a packet for an unknown namespace) must be
 * ignored.
 */
#include "config.h"

#include <sio-glib/sio-glib.h>

typedef struct
{
  /* frames sent after the CONNECT reply: "t:<text>" or "b:<hex>" */
  const char *const *frames;
  /* the handshake JSON; NULL for a valid one */
  const char        *open;
} Script;

typedef struct
{
  SoupServer  *server;
  const Script *script;
  GPtrArray   *conns;
  guint        port;
} Hostile;

static void
send_frame (SoupWebsocketConnection *conn, const char *frame)
{
  if (g_str_has_prefix (frame, "t:"))
    {
      g_autoptr(GBytes) bytes = g_bytes_new (frame + 2, strlen (frame + 2));
      soup_websocket_connection_send_message (conn, SOUP_WEBSOCKET_DATA_TEXT, bytes);
    }
  else
    {
      const char *hex = frame + 2;
      gsize n = strlen (hex) / 2;
      guint8 *data = g_malloc (n + 1);
      g_autoptr(GBytes) bytes = NULL;

      for (gsize i = 0; i < n; i++)
        data[i] = (g_ascii_xdigit_value (hex[2 * i]) << 4) | g_ascii_xdigit_value (hex[2 * i + 1]);
      bytes = g_bytes_new_take (data, n);
      soup_websocket_connection_send_message (conn, SOUP_WEBSOCKET_DATA_BINARY, bytes);
    }
}

static void
on_server_message (SoupWebsocketConnection *conn, gint type, GBytes *message, gpointer user_data)
{
  Hostile *h = user_data;
  gsize len;
  const char *data = g_bytes_get_data (message, &len);

  /* the client's CONNECT to "/": accept it, then misbehave */
  if (type == SOUP_WEBSOCKET_DATA_TEXT && len >= 2 && data[0] == '4' && data[1] == '0')
    {
      send_frame (conn, "t:40{\"sid\":\"hostile-sid\"}");
      for (guint i = 0; h->script->frames[i] != NULL; i++)
        send_frame (conn, h->script->frames[i]);
    }
}

static void
on_websocket (SoupServer *server, SoupServerMessage *msg, const char *path,
              SoupWebsocketConnection *conn, gpointer user_data)
{
  Hostile *h = user_data;
  g_autofree char *open = g_strconcat ("t:0", h->script->open != NULL ? h->script->open :
                                       "{\"sid\":\"e1\",\"upgrades\":[],\"pingInterval\":25000,"
                                       "\"pingTimeout\":20000,\"maxPayload\":1000000}", NULL);

  g_ptr_array_add (h->conns, g_object_ref (conn));
  g_signal_connect (conn, "message", G_CALLBACK (on_server_message), h);
  send_frame (conn, open);
}

static Hostile *
hostile_new (const Script *script)
{
  Hostile *h = g_new0 (Hostile, 1);
  g_autoptr(GError) error = NULL;
  GSList *uris;

  h->script = script;
  h->conns = g_ptr_array_new_with_free_func (g_object_unref);
  h->server = soup_server_new (NULL, NULL);
  soup_server_add_websocket_handler (h->server, "/socket.io/", NULL, NULL, on_websocket, h, NULL);
  soup_server_listen_local (h->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (h->server);
  h->port = g_uri_get_port (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  return h;
}

static gboolean flag_cb (gpointer data);

static void
spin (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, flag_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

static void
hostile_free (Hostile *h)
{
  for (guint i = 0; i < h->conns->len; i++)
    {
      SoupWebsocketConnection *c = g_ptr_array_index (h->conns, i);
      g_signal_handlers_disconnect_by_data (c, h);
      if (soup_websocket_connection_get_state (c) == SOUP_WEBSOCKET_STATE_OPEN)
        soup_websocket_connection_close (c, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
    }
  /* let both ends finish closing before the server goes */
  spin (50);
  g_ptr_array_unref (h->conns);
  soup_server_disconnect (h->server);
  g_object_unref (h->server);
  spin (10);
  g_free (h);
}

typedef struct
{
  guint connected;
  guint disconnected;
  SioDisconnectReason reason;
  guint attempts;
  guint events;
  guint connect_errors;
  GError *error;
} Seen;

static void
on_connected (SioSocket *s, gpointer d)
{
  ((Seen *) d)->connected++;
}

static void
on_disconnected (SioSocket *s, SioDisconnectReason reason, gpointer d)
{
  Seen *seen = d;
  seen->disconnected++;
  seen->reason = reason;
}

static void
on_attempt (SioClient *c, guint n, gpointer d)
{
  ((Seen *) d)->attempts++;
}

static void
on_event (SioSocket *s, SioEvent *e, gpointer d)
{
  ((Seen *) d)->events++;
}

static void
on_connect_error (SioSocket *s, GError *error, JsonNode *data, gpointer d)
{
  Seen *seen = d;
  seen->connect_errors++;
  g_clear_error (&seen->error);
  seen->error = g_error_copy (error);
}

static gboolean
flag_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
wait_until (guint *counter, guint target, guint ms)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add (ms, flag_cb, &timed_out);

  while (*counter < target && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (id);
  return *counter >= target;
}

static SioClient *
client_for (Hostile *h, Seen *seen)
{
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u", h->port);
  SioClient *client = sio_client_new (url);
  const char *ws[] = { "websocket", NULL };

  sio_client_set_transports (client, ws);
  sio_client_set_reconnection_delay (client, 30);
  sio_client_set_reconnection_delay_max (client, 60);
  sio_client_set_reconnection_attempts (client, 1);
  g_signal_connect (client, "connected", G_CALLBACK (on_connected), seen);
  g_signal_connect (client, "disconnected", G_CALLBACK (on_disconnected), seen);
  g_signal_connect (client, "reconnect-attempt", G_CALLBACK (on_attempt), seen);
  g_signal_connect (client, "event", G_CALLBACK (on_event), seen);
  g_signal_connect (client, "connect-error", G_CALLBACK (on_connect_error), seen);
  return client;
}

/* Bad input: the client disconnects with PARSE_ERROR and tries again. */
static void
test_bad_input (gconstpointer data)
{
  const Script *script = data;
  Hostile *h = hostile_new (script);
  Seen seen = { 0, };
  SioClient *client = client_for (h, &seen);

  sio_socket_open (SIO_SOCKET (client));
  g_assert_true (wait_until (&seen.connected, 1, 5000));
  g_assert_true (wait_until (&seen.disconnected, 1, 5000));
  g_assert_cmpint (seen.reason, ==, SIO_DISCONNECT_REASON_PARSE_ERROR);
  g_assert_true (wait_until (&seen.attempts, 1, 5000));

  sio_client_close (client);
  g_assert_finalize_object (client);
  g_clear_error (&seen.error);
  hostile_free (h);
}

/* Harmless input: ignored; the connection stays up and later events arrive. */
static void
test_ignored_input (gconstpointer data)
{
  const Script *script = data;
  Hostile *h = hostile_new (script);
  Seen seen = { 0, };
  SioClient *client = client_for (h, &seen);

  sio_socket_open (SIO_SOCKET (client));
  g_assert_true (wait_until (&seen.connected, 1, 5000));
  /* every script ends with one good event */
  g_assert_true (wait_until (&seen.events, 1, 5000));
  g_assert_cmpuint (seen.disconnected, ==, 0);
  g_assert_true (sio_socket_get_connected (SIO_SOCKET (client)));

  sio_client_close (client);
  g_assert_finalize_object (client);
  hostile_free (h);
}

/* A broken handshake fails the attempt with a protocol error. */
static void
test_bad_handshake (gconstpointer data)
{
  const Script *script = data;
  Hostile *h = hostile_new (script);
  Seen seen = { 0, };
  SioClient *client = client_for (h, &seen);

  sio_client_set_reconnection (client, FALSE);
  sio_socket_open (SIO_SOCKET (client));
  g_assert_true (wait_until (&seen.connect_errors, 1, 5000));
  g_assert_error (seen.error, SIO_ERROR, SIO_ERROR_PROTOCOL);
  g_assert_cmpuint (seen.connected, ==, 0);
  g_assert_cmpint (sio_client_get_state (client), ==, SIO_CLIENT_STATE_CLOSED);

  sio_client_close (client);
  g_assert_finalize_object (client);
  g_clear_error (&seen.error);
  hostile_free (h);
}

/* 42["x",[[[...]]]] nested deeper than the JSON reader allows; built in main() */
static char deep_frame[2 + 2 + 6 + 2 * 1000 + 4];

#define FRAMES(...) (const char *const []) { __VA_ARGS__, NULL }

static const struct { const char *name; Script script; } bad[] = {
  { "empty-frame",            { FRAMES ("t:") } },
  { "unknown-engine-type",    { FRAMES ("t:a123") } },
  { "engine-type-7",          { FRAMES ("t:7") } },
  { "unknown-socketio-type",  { FRAMES ("t:4999") } },
  { "socketio-type-letters",  { FRAMES ("t:4abc") } },
  { "event-object-payload",   { FRAMES ("t:42{}") } },
  { "event-no-payload",       { FRAMES ("t:42") } },
  { "event-empty-array",      { FRAMES ("t:42[]") } },
  { "event-bad-name-type",    { FRAMES ("t:42[true,\"x\"]") } },
  { "event-bad-json",         { FRAMES ("t:42[\"x\",") } },
  { "event-space-before",     { FRAMES ("t:42 [\"x\"]") } },
  { "disconnect-payload",     { FRAMES ("t:41/admin,{}") } },
  { "ack-id-too-large",       { FRAMES ("t:4399999999999999999[]") } },
  { "attachments-missing",    { FRAMES ("t:45[\"x\"]") } },
  { "attachments-letters",    { FRAMES ("t:45a-[\"x\"]") } },
  { "attachments-zero",       { FRAMES ("t:450-[\"x\"]") } },
  { "attachments-too-many",   { FRAMES ("t:4511-[\"x\"]") } },
  { "attachments-huge",       { FRAMES ("t:4599999999999999999999-[\"x\"]") } },
  { "placeholder-out-of-range", { FRAMES ("t:451-[\"x\",{\"_placeholder\":true,\"num\":5}]", "b:0102") } },
  { "placeholder-not-integer", { FRAMES ("t:451-[\"x\",{\"_placeholder\":true,\"num\":\"0\"}]", "b:0102") } },
  { "text-while-attachments", { FRAMES ("t:451-[\"x\",{\"_placeholder\":true,\"num\":0}]", "t:42[\"y\"]") } },
  { "binary-unexpected",      { FRAMES ("b:0102") } },
  { "deep-nesting",           { FRAMES (deep_frame) } },
};

static const struct { const char *name; Script script; } ignored[] = {
  { "ack-unknown-id",         { FRAMES ("t:43999[\"late\"]", "t:42[\"ok\"]") } },
  { "unknown-namespace",      { FRAMES ("t:42/nowhere,[\"x\"]", "t:42[\"ok\"]") } },
  { "second-open",            { FRAMES ("t:0{\"sid\":\"again\",\"pingInterval\":1,\"pingTimeout\":1}", "t:42[\"ok\"]") } },
  { "stray-upgrade-noop",     { FRAMES ("t:5", "t:6", "t:2probe", "t:42[\"ok\"]") } },
  { "duplicate-placeholder",  { FRAMES ("t:451-[\"x\",{\"_placeholder\":true,\"num\":0},{\"_placeholder\":true,\"num\":0}]", "b:01") } },
};

static const struct { const char *name; Script script; } bad_open[] = {
  { "open-invalid-json",  { FRAMES ("t:42[\"x\"]"), "{\"sid\":" } },
  { "open-no-sid",        { FRAMES ("t:42[\"x\"]"), "{\"pingInterval\":100,\"pingTimeout\":100}" } },
  { "open-timer-string",  { FRAMES ("t:42[\"x\"]"), "{\"sid\":\"s\",\"pingInterval\":\"100\",\"pingTimeout\":100}" } },
  { "open-not-object",    { FRAMES ("t:42[\"x\"]"), "[1,2]" } },
};

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  {
    GString *deep = g_string_new ("t:42[\"x\",");
    for (int i = 0; i < 1000; i++)
      g_string_append_c (deep, '[');
    for (int i = 0; i < 1000; i++)
      g_string_append_c (deep, ']');
    g_string_append_c (deep, ']');
    g_assert_cmpuint (deep->len, <, sizeof deep_frame);
    memcpy (deep_frame, deep->str, deep->len + 1);
    g_string_free (deep, TRUE);
  }

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *path = g_strdup_printf ("/sio/hostile/parse-error/%s", bad[i].name);
      g_test_add_data_func (path, &bad[i].script, test_bad_input);
    }
  for (guint i = 0; i < G_N_ELEMENTS (ignored); i++)
    {
      g_autofree char *path = g_strdup_printf ("/sio/hostile/ignored/%s", ignored[i].name);
      g_test_add_data_func (path, &ignored[i].script, test_ignored_input);
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad_open); i++)
    {
      g_autofree char *path = g_strdup_printf ("/sio/hostile/handshake/%s", bad_open[i].name);
      g_test_add_data_func (path, &bad_open[i].script, test_bad_handshake);
    }
  return g_test_run ();
}
