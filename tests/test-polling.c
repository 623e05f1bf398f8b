/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * HTTP long-polling against the real servers (socket.io 4.x over Engine.IO
 * v4, socket.io 2.x over Engine.IO v3, python-socketio), and against an
 * in-process SoupServer that answers with crafted errors.
 */
#include "config.h"

#include <string.h>

#include <sio-glib/sio-glib.h>

#include "sio-test-recorder.h"
#include "sio-test-server.h"
#include "sio-transport-private.h"


typedef struct
{
  SioTestServer       *server;
  SioClient           *client;
  /* what the client's signals said */
  SioTestRecorder      r;
} Fixture;

typedef struct
{
  SioTestServerKind  kind;
  /* TRUE: keep the client's default transports (websocket, then polling) */
  gboolean           default_transports;
  const char        *extra[8];
} ServerSpec;

static const char * const polling_only[] = { "polling", NULL };

/* ---- fixture -------------------------------------------------------- */

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  const ServerSpec *spec = data;

  sio_test_recorder_init (&f->r);
  f->server = sio_test_server_start (spec->kind, spec->extra[0] != NULL ? spec->extra : NULL);
  f->client = sio_test_client_new (f->server, NULL);
  if (!spec->default_transports)
    sio_client_set_transports (f->client, polling_only);
  sio_test_recorder_watch_client (&f->r, f->client);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  sio_test_teardown (f->client, &f->r, f->server);
  /* let abandoned requests and deferred frees finish */
  sio_test_spin (50);
}

static void
open_and_wait (Fixture *f)
{
  guint before = f->r.connected;

  sio_socket_open (SIO_SOCKET (f->client));
  sio_test_wait_count (&f->r.connected, before + 1, "connected");
  g_assert_cmpstr (sio_client_get_transport (f->client), ==, "polling");
}

static void
emit (SioSocket *socket, const char *event, const char *json)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (sio_socket_emit_json (socket, event, json, &error));
  g_assert_no_error (error);
}

static void
on_ack (GObject *source, GAsyncResult *result, gpointer user_data)
{
  JsonArray **out = user_data;
  g_autoptr(GError) error = NULL;

  *out = sio_socket_emit_with_ack_finish (SIO_SOCKET (source), result, &error);
  g_assert_no_error (error);
}

/* Emits @event with an ack request and returns the ack's args as JSON. */
static char *
call (Fixture *f, const char *event)
{
  JsonArray *reply = NULL;
  JsonNode *node;
  char *json;

  sio_socket_emit_with_ack (SIO_SOCKET (f->client), event, NULL, NULL, on_ack, &reply);
  sio_test_wait_pointer ((gpointer *) &reply, event);
  node = json_node_init_array (json_node_alloc (), reply);
  json = json_to_string (node, FALSE);
  json_node_unref (node);
  json_array_unref (reply);
  return json;
}

/* ---- tests against the real servers --------------------------------- */

static void
test_connect (Fixture *f, gconstpointer data)
{
  const char *welcome;
  g_autofree char *expected = NULL;

  open_and_wait (f);
  g_assert_cmpint (sio_client_get_state (f->client), ==, SIO_CLIENT_STATE_OPEN);
  g_assert_nonnull (sio_client_get_engine_id (f->client));
  g_assert_nonnull (sio_socket_get_id (SIO_SOCKET (f->client)));

  welcome = sio_test_recorder_wait_event (&f->r, "welcome");
  expected = g_strdup_printf ("[{\"nsp\":\"/\",\"id\":\"%s\"}]",
                              sio_socket_get_id (SIO_SOCKET (f->client)));
  g_assert_cmpstr (welcome, ==, expected);

  /* polling carries the session across requests: a long wait changes nothing */
  sio_test_spin (300);
  g_assert_cmpuint (f->r.disconnected, ==, 0);

  sio_client_close (f->client);
  g_assert_cmpuint (f->r.disconnected, ==, 1);
  g_assert_cmpint (f->r.last_reason, ==, SIO_DISCONNECT_REASON_CLIENT);
  g_assert_null (sio_client_get_transport (f->client));
}

static void
test_echo (Fixture *f, gconstpointer data)
{
  /* v3 payload lengths count UTF-16 units: astral characters count two */
  const char *args = "[\"héllo 😀€\",\"😀\",\"€\",\"\",42,-0.5,true,null,"
                     "{\"k\":[\"a\\nb\",\"\\\"q\\\"\",\"\\u0001\"]}]";
  g_autoptr(GString) big = g_string_new ("[\"");

  for (guint i = 0; i < 1500; i++)
    g_string_append (big, i % 3 == 0 ? "😀" : i % 3 == 1 ? "€" : "x");
  g_string_append (big, "\"]");

  open_and_wait (f);
  emit (SIO_SOCKET (f->client), "echo", args);
  emit (SIO_SOCKET (f->client), "echo", "[\"😀\"]");
  emit (SIO_SOCKET (f->client), "echo", big->str);
  emit (SIO_SOCKET (f->client), "echo", NULL);
  g_assert_cmpstr (sio_test_recorder_wait_event_nth (&f->r, "echo", 0), ==, args);
  g_assert_cmpstr (sio_test_recorder_wait_event_nth (&f->r, "echo", 1), ==, "[\"😀\"]");
  g_assert_cmpstr (sio_test_recorder_wait_event_nth (&f->r, "echo", 2), ==, big->str);
  g_assert_cmpstr (sio_test_recorder_wait_event_nth (&f->r, "echo", 3), ==, "[]");
}

static void
test_burst (Fixture *f, gconstpointer data)
{
  g_autofree char *cleared = NULL;
  g_autofree char *records = NULL;
  g_autoptr(GString) expected = g_string_new ("[[");

  open_and_wait (f);
  cleared = call (f, "clear-records");

  /* sent while a POST is in flight: queued, batched, in order */
  for (guint i = 0; i < 200; i++)
    {
      g_autofree char *json = g_strdup_printf ("[%u]", i);

      emit (SIO_SOCKET (f->client), "record", json);
      g_string_append_printf (expected, i == 0 ? "%u" : ",%u", i);
    }
  g_string_append (expected, "]]");

  records = call (f, "get-records");
  g_assert_cmpstr (records, ==, expected->str);
  g_assert_cmpuint (f->r.disconnected, ==, 0);
}

static void
on_full_reply (GObject *source, GAsyncResult *result, gpointer user_data)
{
  SioEvent **out = user_data;
  g_autoptr(GError) error = NULL;

  *out = sio_socket_emit_full_finish (SIO_SOCKET (source), result, &error);
  g_assert_no_error (error);
}

static void
test_binary (Fixture *f, gconstpointer data)
{
  const char *json = "[\"bin\",{\"a\":{\"_placeholder\":true,\"num\":0}},"
                     "{\"_placeholder\":true,\"num\":1},{\"_placeholder\":true,\"num\":2}]";
  g_autoptr(JsonNode) args = json_from_string (json, NULL);
  g_autoptr(GBytes) small = g_bytes_new ("\x00\x01\xfe\xff\x1e:", 6);
  g_autoptr(GBytes) empty = g_bytes_new ("", 0);
  g_autoptr(GBytes) large = NULL;
  GBytes *attachments[3];
  SioEvent *echo;
  SioEvent *reply = NULL;
  /* python-engineio 4.3 under aiohttp reads a POST body with one
   * StreamReader.read(length), which returns what has arrived so far: a
   * body that comes in several TCP reads is cut short there. Keep its
   * bodies small. */
  gsize large_size = sio_test_server_get_kind (f->server) == SIO_TEST_SERVER_PYTHON ? 3000 : 50000;
  guint8 *bytes = g_malloc (large_size);

  for (gsize i = 0; i < large_size; i++)
    bytes[i] = (i * 13) & 0xff;
  large = g_bytes_new_take (bytes, large_size);
  attachments[0] = small;
  attachments[1] = empty;
  attachments[2] = large;

  open_and_wait (f);

  /* ours to the server and back (v4 "b<base64>", v3 "b4<base64>") */
  sio_socket_emit_full (SIO_SOCKET (f->client), "echo", json_node_get_array (args),
                        attachments, 3, SIO_EMIT_NONE, 0, NULL, NULL, NULL);
  sio_test_recorder_wait_event (&f->r, "echo");
  echo = sio_test_recorder_find_event (&f->r, "echo");
  g_assert_cmpuint (sio_event_get_n_attachments (echo), ==, 3);
  g_assert_cmpuint (g_bytes_get_size (sio_event_get_attachment (echo, 0)), ==, 6);
  g_assert_cmpuint (g_bytes_get_size (sio_event_get_attachment (echo, 1)), ==, 0);
  g_assert_cmpuint (g_bytes_get_size (sio_event_get_attachment (echo, 2)), ==, large_size);
  g_assert_true (g_bytes_equal (sio_event_get_attachment (echo, 0), small));
  g_assert_true (g_bytes_equal (sio_event_get_attachment (echo, 1), empty));
  g_assert_true (g_bytes_equal (sio_event_get_attachment (echo, 2), large));

  /* binary in an ack */
  sio_socket_emit_full (SIO_SOCKET (f->client), "ack", json_node_get_array (args),
                        attachments, 3, SIO_EMIT_NONE, 5000, NULL, on_full_reply, &reply);
  sio_test_wait_pointer ((gpointer *) &reply, "binary ack");
  g_assert_cmpuint (sio_event_get_n_attachments (reply), ==, 3);
  g_assert_true (g_bytes_equal (sio_event_get_attachment (reply, 0), small));
  g_assert_true (g_bytes_equal (sio_event_get_attachment (reply, 2), large));
  g_object_unref (reply);

  /* the server's own */
  emit (SIO_SOCKET (f->client), "binary", "[3000]");
  sio_test_recorder_wait_event (&f->r, "binary");
  {
    GBytes *got = sio_event_get_attachment (sio_test_recorder_find_event (&f->r, "binary"), 0);
    const guint8 *p;
    gsize len;

    g_assert_nonnull (got);
    p = g_bytes_get_data (got, &len);
    g_assert_cmpuint (len, ==, 3000);
    for (gsize i = 0; i < len; i++)
      g_assert_cmpuint (p[i], ==, i % 256);
  }
}

static void
test_server_asks_ack (Fixture *f, gconstpointer data)
{
  g_autoptr(JsonArray) reply = json_array_new ();
  SioEvent *question;

  open_and_wait (f);
  emit (SIO_SOCKET (f->client), "ask", "[\"question\",\"q1\",{\"n\":1}]");
  g_assert_cmpstr (sio_test_recorder_wait_event (&f->r, "question"), ==, "[\"q1\",{\"n\":1}]");
  question = sio_test_recorder_find_event (&f->r, "question");
  g_assert_true (sio_event_wants_ack (question));
  json_array_add_string_element (reply, "a1 😀");
  json_array_add_int_element (reply, 7);
  g_assert_true (sio_event_ack (question, reply));
  g_assert_cmpstr (sio_test_recorder_wait_event (&f->r, "answer"), ==, "[\"a1 😀\",7]");
}

static void
test_heartbeat (Fixture *f, gconstpointer data)
{
  gint64 frozen_at;
  gint64 elapsed_ms;

  open_and_wait (f);
  /* several ping intervals pass over polling requests */
  sio_test_spin (1500);
  g_assert_cmpuint (f->r.disconnected, ==, 0);
  g_assert_true (sio_socket_get_connected (SIO_SOCKET (f->client)));
  emit (SIO_SOCKET (f->client), "echo", "[\"alive\"]");
  g_assert_cmpstr (sio_test_recorder_wait_event (&f->r, "echo"), ==, "[\"alive\"]");

  /* the server stops answering: the GET hangs, the heartbeat notices */
  sio_test_server_freeze (f->server);
  frozen_at = g_get_monotonic_time ();
  sio_test_wait_count (&f->r.disconnected, 1, "ping timeout");
  elapsed_ms = (g_get_monotonic_time () - frozen_at) / 1000;
  g_assert_cmpint (f->r.last_reason, ==, SIO_DISCONNECT_REASON_PING_TIMEOUT);
  g_assert_cmpint (elapsed_ms, <=, 300 + 200 + 1000);

  sio_test_server_thaw (f->server);
  sio_test_wait_count (&f->r.connected, 2, "reconnected");
  g_assert_cmpstr (sio_client_get_transport (f->client), ==, "polling");
}

static void
test_close_engine (Fixture *f, gconstpointer data)
{
  open_and_wait (f);
  emit (SIO_SOCKET (f->client), "close-engine", NULL);
  sio_test_wait_count (&f->r.disconnected, 1, "disconnected");
  g_assert_cmpint (f->r.last_reason, ==, SIO_DISCONNECT_REASON_SERVER);
  g_assert_cmpint (sio_client_get_state (f->client), ==, SIO_CLIENT_STATE_CLOSED);
  sio_test_spin (300);
  g_assert_cmpuint (f->r.reconnect_attempts, ==, 0);
  g_assert_cmpuint (f->r.connected, ==, 1);
}

static void
test_close_transport (Fixture *f, gconstpointer data)
{
  g_autofree char *first_engine_id = NULL;

  open_and_wait (f);
  first_engine_id = g_strdup (sio_client_get_engine_id (f->client));
  /* the server drops the Engine.IO session: a close packet in a poll */
  emit (SIO_SOCKET (f->client), "close-transport", NULL);
  sio_test_wait_count (&f->r.disconnected, 1, "disconnected");
  g_assert_cmpint (f->r.last_reason, ==, SIO_DISCONNECT_REASON_TRANSPORT_CLOSE);
  sio_test_wait_count (&f->r.connected, 2, "reconnected");
  g_assert_cmpuint (f->r.reconnect_attempts, >=, 1);
  g_assert_cmpstr (sio_client_get_transport (f->client), ==, "polling");
  g_assert_cmpstr (sio_client_get_engine_id (f->client), !=, first_engine_id);
  emit (SIO_SOCKET (f->client), "echo", "[\"back\"]");
  g_assert_cmpstr (sio_test_recorder_wait_event (&f->r, "echo"), ==, "[\"back\"]");
}

static void
test_fallback (Fixture *f, gconstpointer data)
{
  /* the client tries websocket first; the server only polls */
  g_assert_cmpstr (sio_client_get_transports (f->client)[0], ==, "websocket");
  open_and_wait (f);
  g_assert_cmpuint (f->r.connect_errors, ==, 0);
  emit (SIO_SOCKET (f->client), "echo", "[\"via polling 😀\"]");
  g_assert_cmpstr (sio_test_recorder_wait_event (&f->r, "echo"), ==, "[\"via polling 😀\"]");
}

/* ---- the transport alone, against the real servers ----------------- */

typedef struct
{
  /* "opened", then "<type>:<text>" per packet ("<type>:#<size>" for binary) */
  GPtrArray    *log;
  guint         packets;
  gboolean      closed;
  GError       *error;
  /* free the transport from inside the callback for this packet number */
  guint         free_at;
  SioTransport *transport;
} TransportLog;

static void
log_opened (SioTransport *transport, gpointer user_data)
{
  TransportLog *l = user_data;

  g_ptr_array_add (l->log, g_strdup ("opened"));
}

static void
log_packet (SioTransport *transport, SioEnginePacket *packet, gpointer user_data)
{
  TransportLog *l = user_data;
  gsize len;
  const char *data = g_bytes_get_data (packet->data, &len);

  if (packet->binary)
    g_ptr_array_add (l->log, g_strdup_printf ("%d:#%" G_GSIZE_FORMAT, packet->type, len));
  else
    g_ptr_array_add (l->log, g_strdup_printf ("%d:%.*s", packet->type, (int) len, data));
  l->packets++;
  if (l->free_at != 0 && l->packets == l->free_at)
    {
      /* from inside the callback, at once: the transport must cope */
      _sio_transport_close (transport);
      _sio_transport_free (transport);
      l->transport = NULL;
    }
}

static void
log_closed (SioTransport *transport, const GError *error, gpointer user_data)
{
  TransportLog *l = user_data;

  l->closed = TRUE;
  if (error != NULL)
    l->error = g_error_copy (error);
}

static const SioTransportCallbacks log_callbacks = {
  .opened = log_opened,
  .packet = log_packet,
  .closed = log_closed,
};

static SioTransport *
transport_new (Fixture *f, SoupSession *session, TransportLog *l)
{
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u/socket.io/?EIO=%u",
                                          sio_test_server_get_port (f->server),
                                          sio_test_server_get_engine_io (f->server));
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_ENCODED, NULL);
  SioTransportConfig config = {
    .session = session,
    .base_uri = uri,
    .headers = NULL,
    .eio = sio_test_server_get_engine_io (f->server),
    .sid = NULL,
    .max_receive = 1024 * 1024,
    .context = g_main_context_default (),
  };

  l->log = g_ptr_array_new_with_free_func (g_free);
  l->transport = _sio_transport_polling_new (&config, &log_callbacks, l);
  return l->transport;
}

static void
transport_log_clear (TransportLog *l)
{
  g_ptr_array_unref (l->log);
  g_clear_error (&l->error);
}

static const char *
log_find (TransportLog *l, const char *prefix)
{
  for (guint i = 0; i < l->log->len; i++)
    if (g_str_has_prefix (g_ptr_array_index (l->log, i), prefix))
      return g_ptr_array_index (l->log, i);
  return NULL;
}

typedef struct
{
  TransportLog *l;
  const char   *prefix;
} LogWait;

static gboolean
log_has (gpointer data)
{
  LogWait *w = data;
  return log_find (w->l, w->prefix) != NULL;
}

static void
wait_log (TransportLog *l, const char *prefix)
{
  LogWait w = { l, prefix };

  if (!sio_test_wait_for (log_has, &w, SIO_TEST_TIMEOUT_MS))
    g_error ("timed out waiting for a packet %s", prefix);
}

static void
send_text (SioTransport *transport, const char *text)
{
  SioEnginePacket packet;

  _sio_engine_packet_init_text (&packet, SIO_ENGINE_PACKET_MESSAGE, text, -1);
  _sio_transport_send (transport, &packet, 1);
  _sio_engine_packet_clear (&packet);
}

static void
test_transport_flush_on_close (Fixture *f, gconstpointer data)
{
  g_autoptr(SoupSession) session = soup_session_new_with_options ("timeout", 0, NULL);
  TransportLog l = { 0, };
  SioTransport *transport = transport_new (f, session, &l);
  g_autofree char *records = NULL;

  _sio_transport_open (transport);
  wait_log (&l, "0:");
  /* opened comes first, then the handshake, then the rest in order */
  g_assert_cmpstr (g_ptr_array_index (l.log, 0), ==, "opened");
  g_assert_true (g_str_has_prefix (g_ptr_array_index (l.log, 1), "0:{\"sid\":"));

  /* join "/" (Socket.IO v4 servers connect it without being asked) */
  if (sio_test_server_get_engine_io (f->server) == 4)
    {
      send_text (transport, "0");
      wait_log (&l, "4:0{\"sid\":");
    }
  else
    wait_log (&l, "4:0");

  /* the first POST goes, the rest queues behind it; close and free at
   * once: the queue still goes, then the close packet, in order */
  for (guint i = 0; i < 5; i++)
    {
      g_autofree char *text = g_strdup_printf ("2[\"record\",%u]", i);
      send_text (transport, text);
    }
  _sio_transport_close (transport);
  g_assert_false (l.closed);
  _sio_transport_free (transport);

  sio_test_spin (300);
  open_and_wait (f);
  records = call (f, "get-records");
  g_assert_cmpstr (records, ==, "[[0,1,2,3,4]]");
  transport_log_clear (&l);
}

static void
test_transport_free_in_callback (Fixture *f, gconstpointer data)
{
  g_autoptr(SoupSession) session = soup_session_new_with_options ("timeout", 0, NULL);
  TransportLog l = { 0, };
  SioTransport *transport = transport_new (f, session, &l);

  /* freed while reporting the handshake (v3: more packets follow in the
   * same payload and must not be reported) */
  l.free_at = 1;
  _sio_transport_open (transport);
  wait_log (&l, "0:");
  sio_test_spin (200);
  g_assert_null (l.transport);
  g_assert_cmpuint (l.packets, ==, 1);
  g_assert_false (l.closed);
  transport_log_clear (&l);
}

static void
test_transport_server_close (Fixture *f, gconstpointer data)
{
  g_autoptr(SoupSession) session = soup_session_new_with_options ("timeout", 0, NULL);
  TransportLog l = { 0, };
  SioTransport *transport = transport_new (f, session, &l);

  _sio_transport_open (transport);
  wait_log (&l, "0:");
  if (sio_test_server_get_engine_io (f->server) == 4)
    send_text (transport, "0");
  wait_log (&l, "4:0");
  send_text (transport, "2[\"close-transport\"]");
  /* the close packet comes in a poll; with nobody to act on it, the
   * transport reports a clean close itself */
  sio_test_wait_count ((guint *) &l.closed, 1, "closed");
  g_assert_no_error (l.error);
  g_assert_nonnull (log_find (&l, "1:"));
  _sio_transport_free (transport);
  transport_log_clear (&l);
}

static void
close_on_echo (SioSocket *socket, SioEvent *event, gpointer user_data)
{
  Fixture *f = user_data;

  if (g_strcmp0 (sio_event_get_name (event), "echo") == 0)
    sio_client_close (f->client);
}

static void
test_close_in_handler (Fixture *f, gconstpointer data)
{
  open_and_wait (f);
  g_signal_connect (f->client, "event", G_CALLBACK (close_on_echo), f);
  /* several packets in one poll: the transport stops after the first */
  emit (SIO_SOCKET (f->client), "echo", "[1]");
  emit (SIO_SOCKET (f->client), "echo", "[2]");
  emit (SIO_SOCKET (f->client), "echo", "[3]");
  sio_test_wait_count (&f->r.disconnected, 1, "closed from the handler");
  g_assert_cmpint (f->r.last_reason, ==, SIO_DISCONNECT_REASON_CLIENT);
  sio_test_spin (200);
  g_assert_cmpint (sio_client_get_state (f->client), ==, SIO_CLIENT_STATE_CLOSED);
}

static void
test_close_while_opening (Fixture *f, gconstpointer data)
{
  /* the first GET is in flight, nothing is known about the session yet */
  sio_socket_open (SIO_SOCKET (f->client));
  sio_test_spin (1);
  sio_client_close (f->client);
  g_assert_finalize_object (g_steal_pointer (&f->client));
  sio_test_spin (200);
}

/* ---- an HTTP server that answers badly ------------------------------ */

/* A minimal HTTP/1.1 responder on GIO sockets, one request per connection
 * (libsoup 3.2's SoupServer leaks the sockets of closed connections, which
 * would hide our own leaks under valgrind). */

typedef enum
{
  CRAFT_500,
  CRAFT_400_JSON,
  CRAFT_GARBAGE,
  CRAFT_NO_HANDSHAKE,
  CRAFT_TOO_LARGE,
  CRAFT_TOO_LARGE_CHUNKED,
  CRAFT_LATER_400,
} CraftMode;

typedef struct
{
  CraftMode         mode;
  /* requests seen */
  guint             requests;
  /* "METHOD query" of each request, in order */
  GPtrArray        *queries;
  GSocketService   *service;
  /* connections still being served */
  guint             open_connections;
  char             *url;
} Crafted;

typedef struct
{
  Crafted           *c;
  GSocketConnection *conn;
  /* what was read of the request */
  GByteArray        *request;
  /* the answer being written */
  GBytes            *answer;
} CraftedConn;

#define HANDSHAKE "0{\"sid\":\"crafted-sid\",\"upgrades\":[],\"pingInterval\":25000," \
                  "\"pingTimeout\":20000,\"maxPayload\":1000000}"

static GBytes *
crafted_answer (Crafted    *c,
                const char *method,
                const char *target)
{
  const char *query = strchr (target, '?');
  const char *status = "200 OK";
  const char *type = "text/plain; charset=UTF-8";
  g_autofree char *body = NULL;
  gboolean chunked = FALSE;
  GString *out = g_string_new (NULL);

  c->requests++;
  g_ptr_array_add (c->queries, g_strdup_printf ("%s %s", method, query != NULL ? query + 1 : ""));

  switch (c->mode)
    {
    case CRAFT_500:
      status = "500 Internal Server Error";
      body = g_strdup ("oops");
      break;

    case CRAFT_400_JSON:
      status = "400 Bad Request";
      type = "application/json";
      body = g_strdup ("{\"code\":5,\"message\":\"Unsupported protocol version\"}");
      break;

    case CRAFT_GARBAGE:
      body = g_strdup ("zz\x1e");
      break;

    case CRAFT_NO_HANDSHAKE:
      body = g_strdup ("4hello");
      break;

    case CRAFT_TOO_LARGE:
    case CRAFT_TOO_LARGE_CHUNKED:
      body = g_strnfill (4000, 'x');
      body[0] = '4';
      chunked = c->mode == CRAFT_TOO_LARGE_CHUNKED;
      break;

    case CRAFT_LATER_400:
      /* a good handshake, then the session is unknown */
      if (c->requests == 1)
        body = g_strdup (HANDSHAKE);
      else
        {
          status = "400 Bad Request";
          type = "application/json";
          body = g_strdup ("{\"code\":1,\"message\":\"Session ID unknown\"}");
        }
      break;
    }

  g_string_append_printf (out, "HTTP/1.1 %s\r\nContent-Type: %s\r\nConnection: close\r\n", status, type);
  if (chunked)
    g_string_append_printf (out, "Transfer-Encoding: chunked\r\n\r\n%zx\r\n%s\r\n0\r\n\r\n",
                            strlen (body), body);
  else
    g_string_append_printf (out, "Content-Length: %zu\r\n\r\n%s", strlen (body), body);
  return g_string_free_to_bytes (out);
}

static void
crafted_conn_free (CraftedConn *cc)
{
  cc->c->open_connections--;
  g_object_unref (cc->conn);
  g_byte_array_unref (cc->request);
  g_clear_pointer (&cc->answer, g_bytes_unref);
  g_free (cc);
}

static void
crafted_closed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_io_stream_close_finish (G_IO_STREAM (source), result, NULL);
  crafted_conn_free (user_data);
}

static void
crafted_written (GObject *source, GAsyncResult *result, gpointer user_data)
{
  CraftedConn *cc = user_data;

  g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, NULL);
  g_io_stream_close_async (G_IO_STREAM (cc->conn), G_PRIORITY_DEFAULT, NULL, crafted_closed, cc);
}

static void crafted_read (GObject *source, GAsyncResult *result, gpointer user_data);

/* The request is complete once its head and Content-Length bytes are in. */
static gboolean
crafted_request_complete (CraftedConn *cc,
                          char       **method,
                          char       **target)
{
  const char *data = (const char *) cc->request->data;
  const char *end = g_strstr_len (data, cc->request->len, "\r\n\r\n");
  g_autofree char *head = NULL;
  g_auto(GStrv) lines = NULL;
  g_auto(GStrv) words = NULL;
  gsize length = 0;

  if (end == NULL)
    return FALSE;
  head = g_strndup (data, end - data);
  lines = g_strsplit (head, "\r\n", -1);
  for (guint i = 1; lines[i] != NULL; i++)
    if (g_ascii_strncasecmp (lines[i], "Content-Length:", 15) == 0)
      length = g_ascii_strtoull (lines[i] + 15, NULL, 10);
  if ((gsize) (end + 4 - data) + length > cc->request->len)
    return FALSE;
  words = g_strsplit (lines[0], " ", 3);
  g_assert_cmpuint (g_strv_length (words), ==, 3);
  *method = g_strdup (words[0]);
  *target = g_strdup (words[1]);
  return TRUE;
}

static void
crafted_read_more (CraftedConn *cc)
{
  GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (cc->conn));

  g_input_stream_read_bytes_async (in, 4096, G_PRIORITY_DEFAULT, NULL, crafted_read, cc);
}

static void
crafted_read (GObject *source, GAsyncResult *result, gpointer user_data)
{
  CraftedConn *cc = user_data;
  g_autoptr(GBytes) chunk = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result, NULL);
  g_autofree char *method = NULL;
  g_autofree char *target = NULL;
  GOutputStream *out;

  if (chunk == NULL || g_bytes_get_size (chunk) == 0)
    {
      /* the client went away */
      g_io_stream_close_async (G_IO_STREAM (cc->conn), G_PRIORITY_DEFAULT, NULL, crafted_closed, cc);
      return;
    }
  g_byte_array_append (cc->request, g_bytes_get_data (chunk, NULL), g_bytes_get_size (chunk));
  if (!crafted_request_complete (cc, &method, &target))
    {
      crafted_read_more (cc);
      return;
    }

  cc->answer = crafted_answer (cc->c, method, target);
  out = g_io_stream_get_output_stream (G_IO_STREAM (cc->conn));
  g_output_stream_write_all_async (out, g_bytes_get_data (cc->answer, NULL),
                                   g_bytes_get_size (cc->answer), G_PRIORITY_DEFAULT,
                                   NULL, crafted_written, cc);
}

static gboolean
crafted_incoming (GSocketService    *service,
                  GSocketConnection *conn,
                  GObject           *source,
                  gpointer           user_data)
{
  CraftedConn *cc = g_new0 (CraftedConn, 1);

  cc->c = user_data;
  cc->c->open_connections++;
  cc->conn = g_object_ref (conn);
  cc->request = g_byte_array_new ();
  crafted_read_more (cc);
  return TRUE;
}

static Crafted *
crafted_new (CraftMode mode)
{
  Crafted *c = g_new0 (Crafted, 1);
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) addr = g_inet_socket_address_new (lo, 0);
  g_autoptr(GSocketAddress) bound = NULL;

  c->mode = mode;
  c->queries = g_ptr_array_new_with_free_func (g_free);
  c->service = g_socket_service_new ();
  g_socket_listener_add_address (G_SOCKET_LISTENER (c->service), addr, G_SOCKET_TYPE_STREAM,
                                 G_SOCKET_PROTOCOL_TCP, NULL, &bound, &error);
  g_assert_no_error (error);
  g_signal_connect (c->service, "incoming", G_CALLBACK (crafted_incoming), c);
  g_socket_service_start (c->service);
  c->url = g_strdup_printf ("http://127.0.0.1:%u",
                            g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
  return c;
}

static gboolean
crafted_idle (gpointer data)
{
  Crafted *c = data;
  return c->open_connections == 0;
}

static void
crafted_free (Crafted *c)
{
  g_socket_service_stop (c->service);
  g_socket_listener_close (G_SOCKET_LISTENER (c->service));
  if (!sio_test_wait_for (crafted_idle, c, SIO_TEST_TIMEOUT_MS))
    g_error ("the crafted server still has %u connection(s)", c->open_connections);
  g_signal_handlers_disconnect_by_data (c->service, c);
  g_object_unref (c->service);
  g_ptr_array_unref (c->queries);
  g_free (c->url);
  g_free (c);
}

/* Connects to a crafted server and checks the connect-error. */
static void
run_crafted (CraftMode  mode,
             guint      eio,
             GQuark     domain,
             int        code,
             const char *message_part)
{
  Crafted *c = crafted_new (mode);
  SioTestRecorder r;
  SioClient *client = sio_client_new (c->url);

  sio_test_recorder_init (&r);
  sio_client_set_transports (client, polling_only);
  sio_client_set_engine_io_version (client, eio);
  sio_client_set_reconnection (client, FALSE);
  g_object_set (client, "max-payload", (guint64) 1024, NULL);
  sio_test_recorder_watch_client (&r, client);

  sio_socket_open (SIO_SOCKET (client));
  sio_test_wait_count (&r.connect_errors, 1, "connect-error");
  g_assert_error (r.connect_error, domain, code);
  if (message_part != NULL)
    g_assert_nonnull (strstr (r.connect_error->message, message_part));
  g_assert_cmpuint (r.connected, ==, 0);
  g_assert_cmpint (sio_client_get_state (client), ==, SIO_CLIENT_STATE_CLOSED);

  /* the first request: no sid yet, our cache buster, b64 for v3 */
  g_assert_cmpuint (c->queries->len, >=, 1);
  {
    const char *q = g_ptr_array_index (c->queries, 0);
    g_autofree char *eio_param = g_strdup_printf ("EIO=%u", eio);

    g_assert_true (g_str_has_prefix (q, "GET "));
    g_assert_nonnull (strstr (q, eio_param));
    g_assert_nonnull (strstr (q, "transport=polling"));
    g_assert_nonnull (strstr (q, "&t="));
    g_assert_null (strstr (q, "sid="));
    g_assert_true ((strstr (q, "b64=1") != NULL) == (eio == 3));
  }
  sio_client_close (client);
  g_assert_finalize_object (client);
  sio_test_spin (50);
  crafted_free (c);
  sio_test_recorder_clear (&r);
}

static void
test_crafted_500 (void)
{
  run_crafted (CRAFT_500, 4, SIO_ERROR, SIO_ERROR_TRANSPORT, "500");
  run_crafted (CRAFT_500, 3, SIO_ERROR, SIO_ERROR_TRANSPORT, "500");
}

static void
test_crafted_400 (void)
{
  run_crafted (CRAFT_400_JSON, 4, SIO_ERROR, SIO_ERROR_TRANSPORT, "Unsupported protocol version");
  run_crafted (CRAFT_400_JSON, 3, SIO_ERROR, SIO_ERROR_TRANSPORT, "400");
}

static void
test_crafted_garbage (void)
{
  run_crafted (CRAFT_GARBAGE, 4, SIO_ERROR, SIO_ERROR_PROTOCOL, NULL);
  run_crafted (CRAFT_GARBAGE, 3, SIO_ERROR, SIO_ERROR_PROTOCOL, NULL);
}

static void
test_crafted_no_handshake (void)
{
  run_crafted (CRAFT_NO_HANDSHAKE, 4, SIO_ERROR, SIO_ERROR_PROTOCOL, NULL);
}

static void
test_crafted_too_large (void)
{
  run_crafted (CRAFT_TOO_LARGE, 4, SIO_ERROR, SIO_ERROR_PAYLOAD_TOO_LARGE, NULL);
  run_crafted (CRAFT_TOO_LARGE_CHUNKED, 4, SIO_ERROR, SIO_ERROR_PAYLOAD_TOO_LARGE, NULL);
}

/* After a good handshake the session is unknown: the transport alone,
 * to see what it reports. */
static void
test_crafted_later_400 (void)
{
  Crafted *c = crafted_new (CRAFT_LATER_400);
  g_autoptr(SoupSession) session = soup_session_new_with_options ("timeout", 0, NULL);
  g_autofree char *url = g_strconcat (c->url, "/socket.io/?EIO=4&x=y%20z", NULL);
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_ENCODED, NULL);
  SioTransportConfig config = {
    .session = session,
    .base_uri = uri,
    .eio = 4,
    .max_receive = 1024 * 1024,
    .context = g_main_context_default (),
  };
  TransportLog l = { 0, };
  SioTransport *transport;

  l.log = g_ptr_array_new_with_free_func (g_free);
  transport = _sio_transport_polling_new (&config, &log_callbacks, &l);
  _sio_transport_open (transport);
  wait_log (&l, "0:");
  g_assert_cmpstr (g_ptr_array_index (l.log, 0), ==, "opened");
  send_text (transport, "0");
  sio_test_wait_count ((guint *) &l.closed, 1, "closed");
  g_test_message ("error: %s", l.error->message);
  g_assert_error (l.error, SIO_ERROR, SIO_ERROR_TRANSPORT);
  g_assert_nonnull (strstr (l.error->message, "400"));
  g_assert_nonnull (strstr (l.error->message, "Session ID unknown"));

  /* later requests carry the sid from the handshake, and the user query */
  g_assert_cmpuint (c->queries->len, >=, 2);
  for (guint i = 0; i < c->queries->len; i++)
    {
      const char *q = g_ptr_array_index (c->queries, i);

      g_assert_nonnull (strstr (q, "x=y%20z"));
      g_assert_true ((strstr (q, "&sid=crafted-sid") != NULL) == (i > 0));
    }
  /* sending after the failure is harmless */
  send_text (transport, "2[\"late\"]");
  _sio_transport_close (transport);
  _sio_transport_free (transport);
  sio_test_spin (50);
  crafted_free (c);
  transport_log_clear (&l);
}

/* ---- registration --------------------------------------------------- */

static const ServerSpec specs[] = {
  { SIO_TEST_SERVER_NODE4, FALSE, { NULL } },
  { SIO_TEST_SERVER_NODE2, FALSE, { NULL } },
  { SIO_TEST_SERVER_PYTHON, FALSE, { NULL } },
};

static const ServerSpec heartbeat_specs[] = {
  { SIO_TEST_SERVER_NODE4, FALSE, { "--ping-interval", "300", "--ping-timeout", "200", NULL } },
  { SIO_TEST_SERVER_NODE2, FALSE, { "--ping-interval", "300", "--ping-timeout", "200", NULL } },
  { SIO_TEST_SERVER_PYTHON, FALSE, { "--ping-interval", "300", "--ping-timeout", "200", NULL } },
};

static const ServerSpec fallback_specs[] = {
  { SIO_TEST_SERVER_NODE4, TRUE, { "--transports", "polling", NULL } },
  { SIO_TEST_SERVER_NODE2, TRUE, { "--transports", "polling", NULL } },
  { SIO_TEST_SERVER_PYTHON, TRUE, { "--transports", "polling", NULL } },
};

/* ---- upgrade to WebSocket -------------------------------------------- */

static const char * const polling_then_websocket[] = { "polling", "websocket", NULL };

typedef struct
{
  Fixture *f;
  /* next value to emit, and how many to emit in all */
  guint    next;
  guint    total;
  /* the transports the client reported, in order, comma-separated */
  GString *transports;
} Stream;

static void
on_transport_changed (GObject *object, GParamSpec *pspec, gpointer user_data)
{
  Stream *st = user_data;
  const char *name = sio_client_get_transport (SIO_CLIENT (object));

  if (name != NULL)
    g_string_append_printf (st->transports, "%s%s", st->transports->len > 0 ? "," : "", name);
}

static gboolean
emit_some (gpointer user_data)
{
  Stream *st = user_data;

  /* a few per tick, from before the connection opens until well after
   * the switch: some go out over polling, some wait during the pause,
   * the rest over the WebSocket */
  for (guint k = 0; k < 3 && st->next < st->total; k++, st->next++)
    {
      g_autofree char *json = g_strdup_printf ("[%u]", st->next);

      emit (SIO_SOCKET (st->f->client), "echo", json);
    }
  return st->next < st->total ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

static void
test_upgrade_stream (Fixture *f, gconstpointer data)
{
  Stream st = { f, 0, 600, g_string_new (NULL) };
  g_autofree char *acked = NULL;

  sio_client_set_transports (f->client, polling_then_websocket);
  g_signal_connect (f->client, "notify::transport", G_CALLBACK (on_transport_changed), &st);

  sio_socket_open (SIO_SOCKET (f->client));
  g_timeout_add (2, emit_some, &st);

  /* every echo comes back once, in order: nothing lost, doubled or
   * reordered across the switch, in either direction */
  for (guint i = 0; i < st.total; i++)
    {
      g_autofree char *expected = g_strdup_printf ("[%u]", i);

      g_assert_cmpstr (sio_test_recorder_wait_event_nth (&f->r, "echo", i), ==, expected);
    }
  /* the source removed itself with the last emit */
  g_assert_cmpuint (st.next, ==, st.total);

  g_assert_cmpstr (st.transports->str, ==, "polling,websocket");
  g_assert_cmpstr (sio_client_get_transport (f->client), ==, "websocket");
  acked = call (f, "ack");
  g_assert_cmpstr (acked, ==, "[]");

  sio_test_spin (100);
  g_assert_cmpuint (f->r.disconnected, ==, 0);
  g_assert_cmpuint (f->r.connected, ==, 1);
  {
    guint echoes = 0;

    for (guint i = 0; i < f->r.events->len; i++)
      if (g_str_has_prefix (g_ptr_array_index (f->r.events, i), "echo "))
        echoes++;
    g_assert_cmpuint (echoes, ==, st.total);
  }

  g_signal_handlers_disconnect_by_data (f->client, &st);
  g_string_free (st.transports, TRUE);
}

/* The server does not offer WebSocket: the client stays on polling. */
static void
test_upgrade_not_offered (Fixture *f, gconstpointer data)
{
  g_autofree char *acked = NULL;

  sio_client_set_transports (f->client, polling_then_websocket);
  open_and_wait (f);
  acked = call (f, "ack");
  g_assert_cmpstr (acked, ==, "[]");
  g_assert_cmpstr (sio_client_get_transport (f->client), ==, "polling");
  g_assert_cmpuint (f->r.disconnected, ==, 0);
}

/* With upgrade FALSE the client stays on polling. */
static void
test_upgrade_disabled (Fixture *f, gconstpointer data)
{
  g_autofree char *acked = NULL;

  sio_client_set_transports (f->client, polling_then_websocket);
  sio_client_set_upgrade (f->client, FALSE);
  open_and_wait (f);
  sio_test_spin (300);
  acked = call (f, "ack");
  g_assert_cmpstr (acked, ==, "[]");
  g_assert_cmpstr (sio_client_get_transport (f->client), ==, "polling");
}

typedef void (*TestFunc) (Fixture *, gconstpointer);

static void
add (const char *name, TestFunc func, const ServerSpec *list)
{
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *path = g_strdup_printf ("/sio/polling/%s/%s",
                                               sio_test_server_kind_name (list[i].kind), name);

      g_test_add (path, Fixture, &list[i], fixture_setup, func, fixture_teardown);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  add ("connect", test_connect, specs);
  add ("echo", test_echo, specs);
  add ("burst", test_burst, specs);
  add ("binary", test_binary, specs);
  add ("server-asks-ack", test_server_asks_ack, specs);
  add ("heartbeat", test_heartbeat, heartbeat_specs);
  add ("close-engine", test_close_engine, specs);
  add ("close-transport", test_close_transport, specs);
  add ("fallback", test_fallback, fallback_specs);
  add ("upgrade/stream", test_upgrade_stream, specs);
  add ("upgrade/not-offered", test_upgrade_not_offered, fallback_specs);
  add ("upgrade/disabled", test_upgrade_disabled, specs);
  add ("transport/flush-on-close", test_transport_flush_on_close, specs);
  add ("transport/free-in-callback", test_transport_free_in_callback, specs);
  add ("transport/server-close", test_transport_server_close, specs);
  add ("close-in-handler", test_close_in_handler, specs);
  add ("close-while-opening", test_close_while_opening, specs);

  g_test_add_func ("/sio/polling/crafted/500", test_crafted_500);
  g_test_add_func ("/sio/polling/crafted/400", test_crafted_400);
  g_test_add_func ("/sio/polling/crafted/garbage", test_crafted_garbage);
  g_test_add_func ("/sio/polling/crafted/no-handshake", test_crafted_no_handshake);
  g_test_add_func ("/sio/polling/crafted/too-large", test_crafted_too_large);
  g_test_add_func ("/sio/polling/crafted/later-400", test_crafted_later_400);

  return g_test_run ();
}
