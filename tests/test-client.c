/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * End-to-end tests against real Socket.IO servers: Node socket.io 4.x
 * (Engine.IO v4), Node socket.io 2.x (Engine.IO v3) and python-socketio.
 * Every test body runs against every server where the protocol has the
 * feature; each test starts and stops its own server on a free port.
 */
#include "config.h"

#include <sio-glib/sio-glib.h>

#include "sio-test-recorder.h"
#include "sio-test-server.h"

typedef struct
{
  SioTestServer   *server;
  SioClient       *client;
  /* the one transport clients use, NULL for the default list */
  const char      *transport;
  SioTestServerKind kind;
  /* what the client's signals said */
  SioTestRecorder  r;
} Fixture;

typedef struct
{
  SioTestServerKind  kind;
  const char        *extra[8];
  /* the one transport to use; NULL: the default list (WebSocket first) */
  const char        *transport;
} ServerSpec;

/* ---- helpers -------------------------------------------------------- */

/* Attempts are numbered from 1 within one loss; connected after the
 * recorder, which has counted this attempt already. */
static void
check_attempt_sequence (SioClient *client, guint attempt, gpointer user_data)
{
  SioTestRecorder *r = user_data;

  g_assert_cmpuint (attempt, ==, r->reconnect_attempts);
}

static SioClient *
make_client (Fixture *f, const char *nsp)
{
  SioClient *client = sio_test_client_new (f->server, nsp);

  if (f->transport != NULL)
    {
      const char *only[] = { f->transport, NULL };
      sio_client_set_transports (client, only);
    }
  return client;
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  const ServerSpec *spec = data;

  f->server = sio_test_server_start (spec->kind, spec->extra[0] ? spec->extra : NULL);
  f->transport = spec->transport;
  f->kind = spec->kind;
  sio_test_recorder_init (&f->r);
  f->client = make_client (f, NULL);
  sio_test_recorder_watch_client (&f->r, f->client);
  g_signal_connect (f->client, "reconnect-attempt", G_CALLBACK (check_attempt_sequence), &f->r);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  sio_test_teardown (f->client, &f->r, f->server);
  /* let closing handshakes and deferred frees run */
  sio_test_spin (20);
}

static gboolean
is_v3 (Fixture *f)
{
  return sio_test_server_get_engine_io (f->server) == 3;
}

static void
open_and_wait (Fixture *f)
{
  sio_socket_open (SIO_SOCKET (f->client));
  sio_test_wait_count (&f->r.connected, 1, "connected");
}

static void
emit (SioSocket *socket, const char *event, const char *json)
{
  g_autoptr(GError) error = NULL;

  sio_socket_emit_json (socket, event, json, &error);
  g_assert_no_error (error);
}

/* ---- tests ---------------------------------------------------------- */

static void
test_connect (Fixture *f, gconstpointer data)
{
  const char *welcome;
  g_autofree char *expected = NULL;

  g_assert_cmpint (sio_client_get_state (f->client), ==, SIO_CLIENT_STATE_CLOSED);
  g_assert_false (sio_socket_get_connected (SIO_SOCKET (f->client)));
  g_assert_null (sio_socket_get_id (SIO_SOCKET (f->client)));

  open_and_wait (f);
  g_assert_cmpint (sio_client_get_state (f->client), ==, SIO_CLIENT_STATE_OPEN);
  g_assert_true (sio_socket_get_connected (SIO_SOCKET (f->client)));
  g_assert_nonnull (sio_socket_get_id (SIO_SOCKET (f->client)));
  g_assert_nonnull (sio_client_get_engine_id (f->client));
  g_assert_cmpstr (sio_client_get_transport (f->client), ==,
                   f->transport != NULL ? f->transport : "websocket");
  g_assert_true (sio_socket_get_client (SIO_SOCKET (f->client)) == f->client);

  /* the server greets us with the id it knows us by */
  welcome = sio_test_recorder_wait_event (&f->r, "welcome");
  expected = g_strdup_printf ("[{\"nsp\":\"/\",\"id\":\"%s\"}]",
                              sio_socket_get_id (SIO_SOCKET (f->client)));
  g_assert_cmpstr (welcome, ==, expected);

  sio_client_close (f->client);
  g_assert_cmpint (sio_client_get_state (f->client), ==, SIO_CLIENT_STATE_CLOSED);
  g_assert_cmpuint (f->r.disconnected, ==, 1);
  g_assert_cmpint (f->r.last_reason, ==, SIO_DISCONNECT_REASON_CLIENT);
  g_assert_null (sio_socket_get_id (SIO_SOCKET (f->client)));
}

static void
test_echo (Fixture *f, gconstpointer data)
{
  /* numbers, unicode, escapes, nesting: what we write must come back equal */
  const char *args = "[\"héllo 😀\",42,-7,0.1,1e+21,1.5e-7,true,false,null,"
                     "{\"a\":[1,{\"b\":\"c\\n\\\"q\\\"\"}],\"e\":{}},[]]";

  open_and_wait (f);
  emit (SIO_SOCKET (f->client), "echo", args);
  emit (SIO_SOCKET (f->client), "echo", NULL);
  g_assert_cmpstr (sio_test_recorder_wait_event_nth (&f->r, "echo", 0), ==, args);
  g_assert_cmpstr (sio_test_recorder_wait_event_nth (&f->r, "echo", 1), ==, "[]");
}

static void
on_ack_reply (GObject *source, GAsyncResult *result, gpointer user_data)
{
  JsonArray **out = user_data;
  g_autoptr(GError) error = NULL;

  *out = sio_socket_emit_with_ack_finish (SIO_SOCKET (source), result, &error);
  g_assert_no_error (error);
}

static void
test_ack (Fixture *f, gconstpointer data)
{
  g_autoptr(JsonArray) args = json_array_new ();
  JsonArray *reply = NULL;

  json_array_add_int_element (args, 1);
  json_array_add_string_element (args, "two");

  open_and_wait (f);
  sio_socket_emit_with_ack (SIO_SOCKET (f->client), "ack", args, NULL, on_ack_reply, &reply);
  sio_test_wait_pointer ((gpointer *) &reply, "ack reply");
  g_assert_cmpuint (json_array_get_length (reply), ==, 2);
  g_assert_cmpint (json_array_get_int_element (reply, 0), ==, 1);
  g_assert_cmpstr (json_array_get_string_element (reply, 1), ==, "two");
  json_array_unref (reply);
}

static gboolean
ack_later (gpointer data)
{
  SioEvent *event = data;
  g_autoptr(GError) error = NULL;

  g_assert_true (sio_event_wants_ack (event));
  g_assert_true (sio_event_ack_json (event, "[\"later\",2]", &error));
  g_assert_no_error (error);
  g_assert_false (sio_event_wants_ack (event));
  return G_SOURCE_REMOVE;
}

static void
test_server_asks_ack (Fixture *f, gconstpointer data)
{
  SioEvent *question;
  g_autoptr(JsonArray) reply = json_array_new ();

  open_and_wait (f);

  /* answered now, from the handler's point of view */
  emit (SIO_SOCKET (f->client), "ask", "[\"question\",\"q1\"]");
  sio_test_recorder_wait_event (&f->r, "question");
  question = sio_test_recorder_find_event (&f->r, "question");
  g_assert_cmpstr (sio_test_recorder_wait_event (&f->r, "question"), ==, "[\"q1\"]");
  g_assert_true (sio_event_wants_ack (question));
  json_array_add_string_element (reply, "a1");
  g_assert_true (sio_event_ack (question, reply));
  g_assert_cmpstr (sio_test_recorder_wait_event (&f->r, "answer"), ==, "[\"a1\"]");

  /* a second ack is a programming error */
  g_test_expect_message ("sio-glib", G_LOG_LEVEL_CRITICAL, "*already acknowledged*");
  g_assert_false (sio_event_ack (question, reply));
  g_test_assert_expected_messages ();

  /* answered later, after keeping the event */
  emit (SIO_SOCKET (f->client), "ask", "[\"later-question\"]");
  sio_test_recorder_wait_event (&f->r, "later-question");
  g_idle_add_full (G_PRIORITY_DEFAULT, ack_later,
                   g_object_ref (sio_test_recorder_find_event (&f->r, "later-question")), g_object_unref);
  g_assert_cmpstr (sio_test_recorder_wait_event_nth (&f->r, "answer", 1), ==, "[\"later\",2]");

  /* an event without ack request says so */
  emit (SIO_SOCKET (f->client), "echo", "[1]");
  sio_test_recorder_wait_event (&f->r, "echo");
  g_assert_false (sio_event_wants_ack (sio_test_recorder_find_event (&f->r, "echo")));
}

static void
on_full_reply (GObject *source, GAsyncResult *result, gpointer user_data)
{
  SioEvent **out = user_data;
  g_autoptr(GError) error = NULL;

  *out = sio_socket_emit_full_finish (SIO_SOCKET (source), result, &error);
  g_assert_no_error (error);
}

static JsonNode *
parse (const char *json)
{
  return json_from_string (json, NULL);
}

static void
test_binary (Fixture *f, gconstpointer data)
{
  g_autoptr(GBytes) a = g_bytes_new ("\x00\x01\x02\xff", 4);
  g_autoptr(GBytes) b = g_bytes_new ("", 0);
  g_autoptr(GBytes) c = NULL;
  GBytes *attachments[3];
  g_autoptr(JsonNode) args = parse ("[\"x\",{\"nested\":[{\"_placeholder\":true,\"num\":0}]},"
                                    "{\"_placeholder\":true,\"num\":1},{\"_placeholder\":true,\"num\":2}]");
  SioEvent *echo;
  SioEvent *reply = NULL;
  gsize big_len = 70000;
  guint8 *big = g_malloc (big_len);

  for (guint i = 0; i < big_len; i++)
    big[i] = i * 7;
  c = g_bytes_new_take (big, big_len);
  attachments[0] = a;
  attachments[1] = b;
  attachments[2] = c;

  open_and_wait (f);
  sio_socket_emit_full (SIO_SOCKET (f->client), "echo", json_node_get_array (args),
                        attachments, 3, SIO_EMIT_NONE, 0, NULL, NULL, NULL);
  sio_test_recorder_wait_event (&f->r, "echo");
  echo = sio_test_recorder_find_event (&f->r, "echo");
  g_assert_cmpuint (sio_event_get_n_attachments (echo), ==, 3);
  g_assert_true (g_bytes_equal (sio_event_get_attachment (echo, 0), a));
  g_assert_true (g_bytes_equal (sio_event_get_attachment (echo, 1), b));
  g_assert_true (g_bytes_equal (sio_event_get_attachment (echo, 2), c));
  g_assert_true (g_bytes_equal (g_ptr_array_index (sio_event_get_attachments (echo), 2), c));
  g_assert_null (sio_event_get_attachment (echo, 3));
  {
    g_autofree char *json = sio_event_get_args_json (echo);
    g_assert_cmpstr (json, ==, "[\"x\",{\"nested\":[{\"_placeholder\":true,\"num\":0}]},"
                               "{\"_placeholder\":true,\"num\":1},{\"_placeholder\":true,\"num\":2}]");
  }

  /* binary in the ack reply */
  sio_socket_emit_full (SIO_SOCKET (f->client), "ack", json_node_get_array (args),
                        attachments, 3, SIO_EMIT_NONE, 5000, NULL, on_full_reply, &reply);
  sio_test_wait_pointer ((gpointer *) &reply, "binary ack");
  g_assert_null (sio_event_get_name (reply));
  g_assert_cmpuint (sio_event_get_n_attachments (reply), ==, 3);
  g_assert_true (g_bytes_equal (sio_event_get_attachment (reply, 2), c));
  g_object_unref (reply);

  /* binary from the server */
  emit (SIO_SOCKET (f->client), "binary", "[1000]");
  sio_test_recorder_wait_event (&f->r, "binary");
  {
    SioEvent *bin = sio_test_recorder_find_event (&f->r, "binary");
    GBytes *bytes = sio_event_get_attachment (bin, 0);
    const guint8 *p;
    gsize len;

    g_assert_nonnull (bytes);
    p = g_bytes_get_data (bytes, &len);
    g_assert_cmpuint (len, ==, 1000);
    for (guint i = 0; i < len; i++)
      g_assert_cmpuint (p[i], ==, i % 256);
  }
}

static void
test_namespaces (Fixture *f, gconstpointer data)
{
  SioSocket *admin = sio_client_socket (f->client, "/admin");
  g_autofree char *expected = NULL;

  g_assert_true (sio_client_socket (f->client, "/admin") == admin);
  g_assert_true (sio_client_socket (f->client, "/") == SIO_SOCKET (f->client));
  g_assert_cmpstr (sio_socket_get_namespace (admin), ==, "/admin");
  sio_test_recorder_watch_socket (&f->r, admin);

  open_and_wait (f);
  sio_socket_open (admin);
  sio_test_wait_count (&f->r.connected, 2, "/admin connected");
  g_assert_true (sio_socket_get_connected (admin));

  if (is_v3 (f))
    expected = g_strdup_printf ("/admin#%s", sio_client_get_engine_id (f->client));
  else
    expected = NULL;
  if (expected != NULL)
    g_assert_cmpstr (sio_socket_get_id (admin), ==, expected);

  emit (admin, "echo", "[\"from admin\"]");
  emit (SIO_SOCKET (f->client), "echo", "[\"from main\"]");
  sio_test_recorder_wait_event_nth (&f->r, "echo", 1);
  for (guint i = 0; i < f->r.event_objects->len; i++)
    {
      SioEvent *e = g_ptr_array_index (f->r.event_objects, i);
      g_autofree char *args = sio_event_get_args_json (e);

      if (g_strcmp0 (sio_event_get_name (e), "echo") != 0)
        continue;
      if (g_strcmp0 (sio_event_get_namespace (e), "/admin") == 0)
        g_assert_cmpstr (args, ==, "[\"from admin\"]");
      else
        g_assert_cmpstr (args, ==, "[\"from main\"]");
    }

  /* leaving one namespace keeps the other */
  sio_socket_close (admin);
  g_assert_false (sio_socket_get_connected (admin));
  g_assert_cmpint (sio_client_get_state (f->client), ==, SIO_CLIENT_STATE_OPEN);
  emit (SIO_SOCKET (f->client), "echo", "[\"still here\"]");
  g_assert_cmpstr (sio_test_recorder_wait_event_nth (&f->r, "echo", 2), ==, "[\"still here\"]");
}

static void
test_auth_refused (Fixture *f, gconstpointer data)
{
  SioSocket *auth = sio_client_socket (f->client, "/auth");

  sio_test_recorder_watch_socket (&f->r, auth);
  open_and_wait (f);
  sio_socket_open (auth);
  sio_test_wait_count (&f->r.connect_errors, 1, "connect-error");
  g_assert_error (f->r.connect_error, SIO_ERROR, SIO_ERROR_CONNECT_REFUSED);
  g_assert_cmpstr (f->r.connect_error->message, ==, "Not authorized");
  if (sio_test_server_get_kind (f->server) == SIO_TEST_SERVER_NODE4)
    {
      g_autofree char *data_json = NULL;
      g_assert_nonnull (f->r.connect_error_data);
      data_json = json_to_string (f->r.connect_error_data, FALSE);
      g_assert_cmpstr (data_json, ==, "{\"code\":401}");
    }
  g_assert_false (sio_socket_get_connected (auth));
  /* the main namespace is unaffected */
  g_assert_true (sio_socket_get_connected (SIO_SOCKET (f->client)));
}

static void
test_auth_accepted (Fixture *f, gconstpointer data)
{
  SioSocket *auth;
  g_autoptr(GError) error = NULL;

  if (is_v3 (f))
    sio_client_set_query_param (f->client, "token", "secret");
  auth = sio_client_socket (f->client, "/auth");
  g_assert_true (sio_socket_set_auth_json (auth, "{\"token\":\"secret\"}", &error));
  g_assert_no_error (error);
  g_assert_false (sio_socket_set_auth_json (auth, "[1]", &error));
  g_assert_error (error, SIO_ERROR, SIO_ERROR_INVALID_ARGUMENT);
  sio_test_recorder_watch_socket (&f->r, auth);

  sio_socket_open (auth);
  sio_socket_open (SIO_SOCKET (f->client));
  sio_test_wait_count (&f->r.connected, 2, "both connected");
  g_assert_true (sio_socket_get_connected (auth));
  g_assert_cmpuint (f->r.connect_errors, ==, 0);
}

static void
test_unknown_namespace (Fixture *f, gconstpointer data)
{
  SioSocket *nope = sio_client_socket (f->client, "/nope");

  sio_test_recorder_watch_socket (&f->r, nope);
  open_and_wait (f);
  sio_socket_open (nope);
  sio_test_wait_count (&f->r.connect_errors, 1, "connect-error");
  g_assert_error (f->r.connect_error, SIO_ERROR, SIO_ERROR_CONNECT_REFUSED);
  /* the server's own words: python-socketio says it differently */
  if (sio_test_server_get_kind (f->server) == SIO_TEST_SERVER_PYTHON)
    g_assert_cmpstr (f->r.connect_error->message, ==, "Unable to connect");
  else
    g_assert_cmpstr (f->r.connect_error->message, ==, "Invalid namespace");
  g_assert_cmpint (sio_client_get_state (f->client), ==, SIO_CLIENT_STATE_OPEN);
}

static void
test_server_disconnect (Fixture *f, gconstpointer data)
{
  open_and_wait (f);
  emit (SIO_SOCKET (f->client), "disconnect-me", NULL);
  sio_test_wait_count (&f->r.disconnected, 1, "disconnected");
  g_assert_cmpint (f->r.last_reason, ==, SIO_DISCONNECT_REASON_SERVER);
  g_assert_false (sio_socket_get_connected (SIO_SOCKET (f->client)));
  /* the last namespace is gone: the client closes, and does not come back */
  g_assert_cmpint (sio_client_get_state (f->client), ==, SIO_CLIENT_STATE_CLOSED);
  sio_test_spin (400);
  g_assert_cmpuint (f->r.reconnect_attempts, ==, 0);
  g_assert_cmpuint (f->r.connected, ==, 1);
}

static void
test_reserved_names (Fixture *f, gconstpointer data)
{
  const char *names[] = { "connect", "connect_error", "disconnect", "disconnecting",
                          "newListener", "removeListener" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr(GError) error = NULL;
      g_assert_false (sio_socket_emit_json (SIO_SOCKET (f->client), names[i], "[]", &error));
      g_assert_error (error, SIO_ERROR, SIO_ERROR_INVALID_ARGUMENT);
    }
  {
    g_autoptr(GError) error = NULL;
    g_assert_false (sio_socket_emit_json (SIO_SOCKET (f->client), "ok", "{bad json", &error));
    g_assert_error (error, SIO_ERROR, SIO_ERROR_INVALID_ARGUMENT);
  }
  {
    g_autoptr(GError) error = NULL;
    g_assert_false (sio_socket_emit_json (SIO_SOCKET (f->client), "ok", "{\"not\":\"array\"}", &error));
    g_assert_error (error, SIO_ERROR, SIO_ERROR_INVALID_ARGUMENT);
  }
  /* nothing was buffered for them */
  open_and_wait (f);
  emit (SIO_SOCKET (f->client), "echo", "[\"after\"]");
  g_assert_cmpstr (sio_test_recorder_wait_event (&f->r, "echo"), ==, "[\"after\"]");
  g_assert_cmpuint (f->r.events->len, <=, 2);
}

typedef struct
{
  GError *error;
  gboolean done;
  /* the reply's args, when there is one */
  char *json;
} AckResult;

static void
on_ack_error (GObject *source, GAsyncResult *result, gpointer user_data)
{
  AckResult *r = user_data;
  g_autoptr(SioEvent) event = sio_socket_emit_full_finish (SIO_SOCKET (source), result, &r->error);

  g_assert_null (event);
  r->done = TRUE;
}

static void
test_ack_timeout_cancel_disconnect (Fixture *f, gconstpointer data)
{
  AckResult timeout = { 0, }, cancelled = { 0, }, disconnected = { 0, };
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  gint64 start;

  open_and_wait (f);

  /* the server never acks an event it has no handler for */
  start = g_get_monotonic_time ();
  sio_socket_emit_full (SIO_SOCKET (f->client), "no-such-handler", NULL, NULL, 0,
                        SIO_EMIT_NONE, 200, NULL, on_ack_error, &timeout);
  sio_socket_emit_full (SIO_SOCKET (f->client), "no-such-handler", NULL, NULL, 0,
                        SIO_EMIT_NONE, 0, cancellable, on_ack_error, &cancelled);
  sio_socket_emit_full (SIO_SOCKET (f->client), "no-such-handler", NULL, NULL, 0,
                        SIO_EMIT_NONE, 0, NULL, on_ack_error, &disconnected);
  sio_test_wait_count ((guint *) &timeout.done, 1, "ack timeout");
  g_assert_error (timeout.error, SIO_ERROR, SIO_ERROR_TIMEOUT);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 190 * 1000);

  g_cancellable_cancel (cancellable);
  sio_test_wait_count ((guint *) &cancelled.done, 1, "ack cancelled");
  g_assert_error (cancelled.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  g_assert_false (disconnected.done);
  sio_client_close (f->client);
  sio_test_wait_count ((guint *) &disconnected.done, 1, "ack failed by close");
  g_assert_error (disconnected.error, SIO_ERROR, SIO_ERROR_DISCONNECTED);

  g_clear_error (&timeout.error);
  g_clear_error (&cancelled.error);
  g_clear_error (&disconnected.error);
}

/* ---- retries -------------------------------------------------------- */

static void
on_full_result (GObject *source, GAsyncResult *result, gpointer user_data)
{
  AckResult *r = user_data;
  g_autoptr(SioEvent) event = sio_socket_emit_full_finish (SIO_SOCKET (source), result, &r->error);

  if (event != NULL)
    r->json = sio_event_get_args_json (event);
  r->done = TRUE;
}

static char *
records_json (Fixture *f)
{
  JsonArray *records = NULL;
  JsonNode *node;
  char *json;

  sio_socket_emit_with_ack (SIO_SOCKET (f->client), "get-records", NULL, NULL, on_ack_reply, &records);
  sio_test_wait_pointer ((gpointer *) &records, "records");
  node = json_node_init_array (json_node_alloc (), records);
  json = json_to_string (node, FALSE);
  json_node_unref (node);
  json_array_unref (records);
  return json;
}

static void
test_retries (Fixture *f, gconstpointer data)
{
  AckResult third = { 0, }, never = { 0, };
  g_autofree char *records = NULL;
  g_autofree char *after = NULL;
  g_autoptr(JsonNode) a3 = parse ("[\"a\",3]");
  g_autoptr(JsonNode) b9 = parse ("[\"b\",9]");

  sio_socket_set_retries (SIO_SOCKET (f->client), 3);
  sio_socket_set_ack_timeout (SIO_SOCKET (f->client), 150);
  g_assert_cmpuint (sio_socket_get_retries (SIO_SOCKET (f->client)), ==, 3);
  open_and_wait (f);
  emit (SIO_SOCKET (f->client), "clear-records", NULL);

  /* acked at the third receipt: two re-sends, then the reply */
  sio_socket_emit_full (SIO_SOCKET (f->client), "flaky", json_node_get_array (a3), NULL, 0, SIO_EMIT_NONE, -1,
                        NULL, on_full_result, &third);
  /* never acked in 1 + 3 sends: gives up with a timeout */
  sio_socket_emit_full (SIO_SOCKET (f->client), "flaky", json_node_get_array (b9), NULL, 0, SIO_EMIT_NONE, -1,
                        NULL, on_full_result, &never);
  /* plain emits wait for the ones before them: order is kept */
  for (int i = 0; i < 5; i++)
    {
      g_autofree char *json = g_strdup_printf ("[%d]", i);
      emit (SIO_SOCKET (f->client), "record", json);
    }

  sio_test_wait_count ((guint *) &third.done, 1, "flaky a acked");
  g_assert_no_error (third.error);
  g_assert_cmpstr (third.json, ==, "[\"a\"]");
  g_assert_false (never.done);

  sio_test_wait_count ((guint *) &never.done, 1, "flaky b given up");
  g_assert_error (never.error, SIO_ERROR, SIO_ERROR_TIMEOUT);

  records = records_json (f);
  g_assert_cmpstr (records, ==, "[[\"a\",\"a\",\"a\",\"b\",\"b\",\"b\",\"b\",0,1,2,3,4]]");

  /* nothing more is sent afterwards */
  sio_test_spin (400);
  after = records_json (f);
  g_assert_cmpstr (after, ==, records);
  g_assert_cmpuint (f->r.disconnected, ==, 0);

  g_clear_error (&never.error);
  g_free (third.json);
}

/* An emit whose ack is lost with the connection is sent again once the
 * client is back (the loss counts as a try). */
static void
test_retries_across_loss (Fixture *f, gconstpointer data)
{
  AckResult result = { 0, };
  g_autoptr(JsonNode) c2 = parse ("[\"c\",2]");
  g_autofree char *records = NULL;
  SioSocket *admin = sio_client_socket (f->client, "/admin");

  open_and_wait (f);
  emit (SIO_SOCKET (f->client), "clear-records", NULL);
  sio_socket_open (admin);
  sio_test_wait_for ((gboolean (*) (gpointer)) sio_socket_get_connected, admin, SIO_TEST_TIMEOUT_MS);
  g_assert_true (sio_socket_get_connected (admin));

  sio_socket_set_retries (SIO_SOCKET (f->client), 2);
  sio_socket_emit_full (SIO_SOCKET (f->client), "flaky", json_node_get_array (c2), NULL, 0,
                        SIO_EMIT_NONE, -1, NULL, on_full_result, &result);
  sio_test_spin (200);
  g_assert_false (result.done);

  /* the server drops the connection: no ack for the first send */
  emit (admin, "close-transport", NULL);
  sio_test_wait_count (&f->r.reconnected, 1, "reconnected");
  sio_test_wait_count ((guint *) &result.done, 1, "flaky c acked after the reconnection");
  g_assert_no_error (result.error);
  g_assert_cmpstr (result.json, ==, "[\"c\"]");

  records = records_json (f);
  g_assert_cmpstr (records, ==, "[[\"c\",\"c\"]]");
  g_free (result.json);
}

static void
test_retries_end_on_close (Fixture *f, gconstpointer data)
{
  AckResult results[3] = { { 0, }, };

  sio_socket_set_retries (SIO_SOCKET (f->client), 2);
  open_and_wait (f);
  /* no ack-timeout: the first waits for an ack that never comes, the
   * others wait behind it */
  for (guint i = 0; i < G_N_ELEMENTS (results); i++)
    sio_socket_emit_full (SIO_SOCKET (f->client), "no-such-handler", NULL, NULL, 0,
                          SIO_EMIT_NONE, -1, NULL, on_full_result, &results[i]);
  sio_test_spin (200);
  for (guint i = 0; i < G_N_ELEMENTS (results); i++)
    g_assert_false (results[i].done);

  sio_client_close (f->client);
  for (guint i = 0; i < G_N_ELEMENTS (results); i++)
    {
      sio_test_wait_count ((guint *) &results[i].done, 1, "retried emit ended by close");
      g_assert_error (results[i].error, SIO_ERROR, SIO_ERROR_DISCONNECTED);
      g_clear_error (&results[i].error);
    }
}

static void
test_buffered_before_open (Fixture *f, gconstpointer data)
{
  JsonArray *records = NULL;

  emit (SIO_SOCKET (f->client), "clear-records", NULL);
  for (int i = 0; i < 5; i++)
    {
      g_autofree char *json = g_strdup_printf ("[%d]", i);
      emit (SIO_SOCKET (f->client), "record", json);
    }
  /* volatile emits are dropped while offline */
  sio_socket_emit_full (SIO_SOCKET (f->client), "record", NULL, NULL, 0,
                        SIO_EMIT_VOLATILE, 0, NULL, NULL, NULL);
  open_and_wait (f);
  sio_socket_emit_with_ack (SIO_SOCKET (f->client), "get-records", NULL, NULL, on_ack_reply, &records);
  sio_test_wait_pointer ((gpointer *) &records, "records");
  {
    JsonNode *node = json_node_init_array (json_node_alloc (), records);
    g_autofree char *json = json_to_string (node, FALSE);
    g_assert_cmpstr (json, ==, "[[0,1,2,3,4]]");
    json_node_unref (node);
  }
  json_array_unref (records);
}

static void
test_heartbeat (Fixture *f, gconstpointer data)
{
  gint64 frozen_at;
  gint64 elapsed_ms;

  open_and_wait (f);
  /* several ping intervals (300 ms) pass: the heartbeat keeps us connected */
  sio_test_spin (1500);
  g_assert_cmpuint (f->r.disconnected, ==, 0);
  g_assert_true (sio_socket_get_connected (SIO_SOCKET (f->client)));

  /* the server stops answering: declared dead within interval + timeout */
  sio_test_server_freeze (f->server);
  frozen_at = g_get_monotonic_time ();
  sio_test_wait_count (&f->r.disconnected, 1, "ping timeout");
  elapsed_ms = (g_get_monotonic_time () - frozen_at) / 1000;
  g_test_message ("ping timeout detected after %" G_GINT64_FORMAT " ms", elapsed_ms);
  g_assert_cmpint (f->r.last_reason, ==, SIO_DISCONNECT_REASON_PING_TIMEOUT);
  g_assert_cmpint (elapsed_ms, <=, 300 + 200 + 1000);
  g_assert_cmpint (sio_client_get_state (f->client), ==, SIO_CLIENT_STATE_RECONNECTING);

  /* it comes back: so do we */
  sio_test_server_thaw (f->server);
  sio_test_wait_count (&f->r.connected, 2, "reconnected");
  g_assert_cmpuint (f->r.reconnected, >=, 1);
  g_assert_cmpint (sio_client_get_state (f->client), ==, SIO_CLIENT_STATE_OPEN);
}

static void
test_server_restart (Fixture *f, gconstpointer data)
{
  open_and_wait (f);
  sio_test_server_kill (f->server);
  sio_test_wait_count (&f->r.disconnected, 1, "disconnected");
  /* a WebSocket sees its TCP connection close; a poll in flight fails */
  g_assert_cmpint (f->r.last_reason, ==,
                   g_strcmp0 (f->transport, "polling") == 0 ? SIO_DISCONNECT_REASON_TRANSPORT_ERROR
                                                            : SIO_DISCONNECT_REASON_TRANSPORT_CLOSE);
  sio_test_server_restart (f->server);
  sio_test_wait_count (&f->r.connected, 2, "reconnected");
  emit (SIO_SOCKET (f->client), "echo", "[\"back\"]");
  g_assert_cmpstr (sio_test_recorder_wait_event (&f->r, "echo"), ==, "[\"back\"]");
}

static void
on_open_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  AckResult *r = user_data;

  if (sio_socket_open_finish (SIO_SOCKET (source), result, &r->error))
    g_assert_no_error (r->error);
  r->done = TRUE;
}

static void
test_open_async (Fixture *f, gconstpointer data)
{
  AckResult ok = { 0, }, refused = { 0, };
  SioSocket *nope = sio_client_socket (f->client, "/nope");

  sio_socket_open_async (SIO_SOCKET (f->client), NULL, on_open_done, &ok);
  sio_test_wait_count ((guint *) &ok.done, 1, "open_async");
  g_assert_no_error (ok.error);
  g_assert_true (sio_socket_get_connected (SIO_SOCKET (f->client)));

  sio_socket_open_async (nope, NULL, on_open_done, &refused);
  sio_test_wait_count ((guint *) &refused.done, 1, "open_async refused");
  g_assert_error (refused.error, SIO_ERROR, SIO_ERROR_CONNECT_REFUSED);
  g_clear_error (&refused.error);
}

/* Servers that are not there: nothing listens, or a listener never answers. */

static guint
closed_port (void)
{
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) addr = g_inet_socket_address_new (lo, 0);
  g_autoptr(GSocketAddress) effective = NULL;
  guint port;

  g_socket_listener_add_address (listener, addr, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                 NULL, &effective, NULL);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
  g_socket_listener_close (listener);
  return port;
}

static void
test_no_server (void)
{
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u", closed_port ());
  g_autoptr(SioClient) client = sio_client_new (url);
  SioTestRecorder r;
  AckResult open = { 0, };

  sio_test_recorder_init (&r);
  sio_client_set_reconnection_attempts (client, 2);
  sio_client_set_reconnection_delay (client, 50);
  sio_client_set_reconnection_delay_max (client, 100);
  sio_test_recorder_watch_client (&r, client);
  g_signal_connect (client, "reconnect-attempt", G_CALLBACK (check_attempt_sequence), &r);

  sio_socket_open_async (SIO_SOCKET (client), NULL, on_open_done, &open);
  sio_test_wait_count ((guint *) &open.done, 1, "open failed");
  g_assert_error (open.error, SIO_ERROR, SIO_ERROR_TRANSPORT);
  g_clear_error (&open.error);
  g_assert_cmpint (sio_client_get_state (client), ==, SIO_CLIENT_STATE_RECONNECTING);

  sio_test_wait_count (&r.reconnect_failed, 1, "reconnect-failed");
  g_assert_cmpuint (r.reconnect_attempts, ==, 2);
  g_assert_cmpuint (r.connect_errors, ==, 3);
  g_assert_cmpint (sio_client_get_state (client), ==, SIO_CLIENT_STATE_CLOSED);
  g_clear_object (&client);
  sio_test_recorder_clear (&r);
}

static void
test_connect_timeout (void)
{
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  guint port = g_socket_listener_add_any_inet_port (listener, NULL, NULL);
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u", port);
  g_autoptr(SioClient) client = sio_client_new (url);
  SioTestRecorder r;
  gint64 start = g_get_monotonic_time ();

  /* the listener accepts (the kernel does) but never answers */
  sio_client_set_reconnection (client, FALSE);
  sio_client_set_timeout (client, 300);
  sio_test_recorder_init (&r);
  sio_test_recorder_watch_client (&r, client);
  sio_socket_open (SIO_SOCKET (client));
  sio_test_wait_count (&r.connect_errors, 1, "connect timeout");
  g_assert_error (r.connect_error, SIO_ERROR, SIO_ERROR_TIMEOUT);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 290 * 1000);
  g_assert_cmpint (sio_client_get_state (client), ==, SIO_CLIENT_STATE_CLOSED);
  g_clear_object (&client);
  sio_test_recorder_clear (&r);
}

static void
test_uri_namespace (void)
{
  g_autoptr(SioClient) a = sio_client_new ("http://127.0.0.1:1/admin");
  g_autoptr(SioClient) b = sio_client_new ("wss://example.com");
  g_autoptr(SioClient) c = sio_client_new ("ws://example.com:8080/chat?x=1");

  g_assert_cmpstr (sio_socket_get_namespace (SIO_SOCKET (a)), ==, "/admin");
  g_assert_cmpstr (sio_socket_get_namespace (SIO_SOCKET (b)), ==, "/");
  g_assert_cmpstr (sio_socket_get_namespace (SIO_SOCKET (c)), ==, "/chat");
  g_assert_cmpstr (sio_client_get_path (a), ==, "/socket.io/");
  g_assert_cmpuint (sio_client_get_engine_io_version (a), ==, 4);
  g_assert_cmpint (sio_client_get_reconnection_attempts (a), ==, -1);
  g_assert_cmpuint (sio_client_get_reconnection_delay (a), ==, 1000);
  g_assert_cmpuint (sio_client_get_reconnection_delay_max (a), ==, 5000);
  g_assert_cmpfloat (sio_client_get_randomization_factor (a), ==, 0.5);
  g_assert_cmpuint (sio_client_get_timeout (a), ==, 20000);
  g_assert_cmpstr (sio_client_get_transports (a)[0], ==, "websocket");
  g_assert_cmpstr (sio_client_get_transports (a)[1], ==, "polling");
  g_assert_true (sio_client_get_upgrade (a));
  g_assert_nonnull (sio_client_get_session (a));
  g_assert_cmpuint (sio_get_major_version (), ==, SIO_MAJOR_VERSION);
  g_assert_true (sio_check_version (1, 0, 0));
  g_assert_false (sio_check_version (99, 0, 0));
}

static void
test_transport_close_reconnects (Fixture *f, gconstpointer data)
{
  SioSocket *admin = sio_client_socket (f->client, "/admin");
  JsonArray *records = NULL;

  sio_test_recorder_watch_socket (&f->r, admin);
  open_and_wait (f);
  sio_socket_open (admin);
  sio_test_wait_count (&f->r.connected, 2, "both connected");
  emit (admin, "clear-records", NULL);

  /* the server drops the connection without a DISCONNECT */
  emit (SIO_SOCKET (f->client), "close-transport", NULL);
  sio_test_wait_count (&f->r.disconnected, 2, "both disconnected");
  g_assert_cmpint (f->r.last_reason, ==, SIO_DISCONNECT_REASON_TRANSPORT_CLOSE);

  /* emitted while away: kept, sent once back, in order */
  for (int i = 0; i < 3; i++)
    {
      g_autofree char *json = g_strdup_printf ("[%d]", i);
      emit (admin, "record", json);
    }
  sio_test_wait_count (&f->r.connected, 4, "both namespaces rejoined");
  g_assert_cmpuint (f->r.reconnected, ==, 1);
  g_assert_cmpuint (f->r.reconnect_attempts, >=, 1);
  g_assert_true (sio_socket_get_connected (admin));

  sio_socket_emit_with_ack (admin, "get-records", NULL, NULL, on_ack_reply, &records);
  sio_test_wait_pointer ((gpointer *) &records, "records");
  {
    JsonNode *node = json_node_init_array (json_node_alloc (), records);
    g_autofree char *json = json_to_string (node, FALSE);
    g_assert_cmpstr (json, ==, "[[0,1,2]]");
    json_node_unref (node);
  }
  json_array_unref (records);
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
}

static void
test_recovery (Fixture *f, gconstpointer data)
{
  g_autofree char *first_id = NULL;

  open_and_wait (f);
  g_assert_false (sio_socket_get_recovered (SIO_SOCKET (f->client)));
  first_id = g_strdup (sio_socket_get_id (SIO_SOCKET (f->client)));
  /* an event with an offset, so the server has something to resume from */
  emit (SIO_SOCKET (f->client), "echo", "[\"before\"]");
  sio_test_recorder_wait_event (&f->r, "echo");

  emit (SIO_SOCKET (f->client), "close-transport", NULL);
  sio_test_wait_count (&f->r.disconnected, 1, "disconnected");
  sio_test_wait_count (&f->r.connected, 2, "reconnected");
  g_assert_true (sio_socket_get_recovered (SIO_SOCKET (f->client)));
  g_assert_cmpstr (sio_socket_get_id (SIO_SOCKET (f->client)), ==, first_id);
}

static void
test_invalid_uri (void)
{
  g_autoptr(SioClient) client = NULL;
  SioTestRecorder r;

  g_test_expect_message ("sio-glib", G_LOG_LEVEL_CRITICAL, "*not an http*");
  client = sio_client_new ("ftp://example.com/");
  g_test_assert_expected_messages ();
  sio_test_recorder_init (&r);
  sio_test_recorder_watch_client (&r, client);
  sio_socket_open (SIO_SOCKET (client));
  g_assert_cmpuint (r.connect_errors, ==, 1);
  g_assert_error (r.connect_error, SIO_ERROR, SIO_ERROR_INVALID_ARGUMENT);
  g_assert_cmpint (sio_client_get_state (client), ==, SIO_CLIENT_STATE_CLOSED);
  g_clear_object (&client);
  sio_test_recorder_clear (&r);
}

/* ---- registration --------------------------------------------------- */

static const ServerSpec specs[] = {
  { SIO_TEST_SERVER_NODE4, { NULL } },
  { SIO_TEST_SERVER_NODE2, { NULL } },
  { SIO_TEST_SERVER_PYTHON, { NULL } },
};

static const ServerSpec heartbeat_specs[] = {
  { SIO_TEST_SERVER_NODE4, { "--ping-interval", "300", "--ping-timeout", "200", NULL } },
  { SIO_TEST_SERVER_NODE2, { "--ping-interval", "300", "--ping-timeout", "200", NULL } },
  { SIO_TEST_SERVER_PYTHON, { "--ping-interval", "300", "--ping-timeout", "200", NULL } },
};

static const ServerSpec recovery_spec =
  { SIO_TEST_SERVER_NODE4, { "--recovery", NULL } };

typedef void (*TestFunc) (Fixture *, gconstpointer);

/* the polling twins of the specs, alive until the end */
static GPtrArray *polling_specs;

/* One test body, both transports: each test runs over WebSocket
 * (/sio/client/<server>/<name>) and over HTTP long-polling
 * (/sio/client/<server>/polling/<name>). */
static void
add (const char *name, TestFunc func, const ServerSpec *list, gboolean node_only)
{
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *path = NULL;
      g_autofree char *polling_path = NULL;
      ServerSpec *polling;

      if (node_only && list[i].kind == SIO_TEST_SERVER_PYTHON)
        continue;
      path = g_strdup_printf ("/sio/client/%s/%s",
                              sio_test_server_kind_name (list[i].kind), name);
      g_test_add (path, Fixture, &list[i], fixture_setup, func, fixture_teardown);

      polling = g_memdup2 (&list[i], sizeof list[i]);
      polling->transport = "polling";
      g_ptr_array_add (polling_specs, polling);
      polling_path = g_strdup_printf ("/sio/client/%s/polling/%s",
                                      sio_test_server_kind_name (list[i].kind), name);
      g_test_add (polling_path, Fixture, polling, fixture_setup, func, fixture_teardown);
    }
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  polling_specs = g_ptr_array_new_with_free_func (g_free);

  g_test_add_func ("/sio/client/uri-and-defaults", test_uri_namespace);
  g_test_add_func ("/sio/client/invalid-uri", test_invalid_uri);
  g_test_add_func ("/sio/client/no-server/reconnect-failed", test_no_server);
  g_test_add_func ("/sio/client/no-answer/connect-timeout", test_connect_timeout);

  add ("connect", test_connect, specs, FALSE);
  add ("echo", test_echo, specs, FALSE);
  add ("ack", test_ack, specs, FALSE);
  add ("server-asks-ack", test_server_asks_ack, specs, FALSE);
  add ("binary", test_binary, specs, FALSE);
  add ("namespaces", test_namespaces, specs, FALSE);
  add ("auth-refused", test_auth_refused, specs, FALSE);
  add ("auth-accepted", test_auth_accepted, specs, FALSE);
  add ("unknown-namespace", test_unknown_namespace, specs, FALSE);
  add ("server-disconnect", test_server_disconnect, specs, FALSE);
  add ("reserved-names", test_reserved_names, specs, FALSE);
  add ("ack-timeout-cancel-disconnect", test_ack_timeout_cancel_disconnect, specs, FALSE);
  add ("buffered-before-open", test_buffered_before_open, specs, FALSE);
  add ("open-async", test_open_async, specs, FALSE);
  add ("heartbeat", test_heartbeat, heartbeat_specs, FALSE);
  add ("server-restart", test_server_restart, specs, FALSE);
  add ("transport-close-reconnects", test_transport_close_reconnects, specs, FALSE);
  add ("close-engine", test_close_engine, specs, FALSE);
  add ("retries", test_retries, specs, TRUE);
  add ("retries-across-loss", test_retries_across_loss, specs, TRUE);
  add ("retries-end-on-close", test_retries_end_on_close, specs, FALSE);
  g_test_add ("/sio/client/node4/recovery", Fixture, &recovery_spec,
              fixture_setup, test_recovery, fixture_teardown);

  status = g_test_run ();
  g_ptr_array_unref (polling_specs);
  return status;
}
