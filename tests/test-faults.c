/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fault tests against real servers, for both protocol generations
 * (socket.io 4.x = Engine.IO v4, socket.io 2.x = Engine.IO v3, and
 * python-socketio where it costs little):
 *
 *  - a burst of emits across a SIGKILL and a restart of the server on the
 *    same port, checked on the server side (node-server.js --records-file:
 *    every process appends what it received to one file): at most once,
 *    in order, and everything emitted after `disconnected` arrives;
 *  - a frozen (SIGSTOPped) server is declared dead within pingInterval +
 *    pingTimeout even while the client keeps sending, and again after it
 *    came back (test-client.c covers the idle freeze once per server);
 *  - a server frozen before the handshake, a listener that accepts but
 *    never answers, a port that refuses: connect-error codes, deadlines,
 *    reconnect-failed once and no attempt after it;
 *  - 1000 reconnection cycles in one process with the heap flat.
 */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <sio-glib/sio-glib.h>

#include "sio-test-recorder.h"
#include "sio-test-server.h"

/* How much later than the protocol's deadline a timeout may fire: timers,
 * a loaded 2-core CI machine, sanitizers. */
#define DEADLINE_MARGIN_MS 1500

/* The heartbeat settings of the freeze tests. */
#define PING_INTERVAL_MS 300
#define PING_TIMEOUT_MS  200

#if defined(__SANITIZE_ADDRESS__)
# define SIO_TEST_ASAN 1
#elif defined(__has_feature)
# if __has_feature(address_sanitizer)
#  define SIO_TEST_ASAN 1
# endif
#endif

#ifdef SIO_TEST_ASAN
/* from <sanitizer/allocator_interface.h>, which gcc does not install */
size_t __sanitizer_get_current_allocated_bytes (void);
#else
# include <malloc.h>
#endif

typedef struct
{
  SioTestServerKind  kind;
  /* transports = { "polling" } instead of the default */
  gboolean           polling;
  /* start the server with --records-file */
  gboolean           records;
  const char        *extra[6];
} ServerSpec;

typedef struct
{
  SioTestServer   *server;
  SioClient       *client;
  SioTestRecorder  r;
  /* --records-file: a private directory and the file in it */
  char            *records_dir;
  char            *records_path;
} Fixture;

/* ---- helpers -------------------------------------------------------- */

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  const ServerSpec *spec = data;
  g_autoptr(GPtrArray) args = g_ptr_array_new ();

  for (guint i = 0; spec->extra[i] != NULL; i++)
    g_ptr_array_add (args, (gpointer) spec->extra[i]);
  if (spec->records)
    {
      g_autoptr(GError) error = NULL;

      f->records_dir = g_dir_make_tmp ("sio-faults-XXXXXX", &error);
      g_assert_no_error (error);
      f->records_path = g_build_filename (f->records_dir, "records.jsonl", NULL);
      g_ptr_array_add (args, (gpointer) "--records-file");
      g_ptr_array_add (args, f->records_path);
    }
  g_ptr_array_add (args, NULL);

  f->server = sio_test_server_start (spec->kind, (const char * const *) args->pdata);
  f->client = sio_test_client_new (f->server, NULL);
  if (spec->polling)
    {
      const char *polling[] = { "polling", NULL };
      sio_client_set_transports (f->client, polling);
    }
  sio_test_recorder_init (&f->r);
  sio_test_recorder_watch_client (&f->r, f->client);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  sio_test_teardown (f->client, &f->r, f->server);
  if (f->records_path != NULL)
    {
      g_remove (f->records_path);
      g_rmdir (f->records_dir);
    }
  g_free (f->records_path);
  g_free (f->records_dir);
  /* let closing handshakes and deferred frees run */
  sio_test_spin (20);
}

static void
emit (SioSocket *socket, const char *event, const char *json)
{
  g_autoptr(GError) error = NULL;

  sio_socket_emit_json (socket, event, json, &error);
  g_assert_no_error (error);
}

static void
emit_record (SioSocket *socket, guint value)
{
  char json[32];

  g_snprintf (json, sizeof json, "[%u]", value);
  emit (socket, "record", json);
}

/* Runs whatever is ready on the default context, without blocking. */
static void
drain (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static gint64
now_ms (void)
{
  return g_get_monotonic_time () / 1000;
}

static void
on_ack_reply (GObject *source, GAsyncResult *result, gpointer user_data)
{
  JsonArray **out = user_data;
  g_autoptr(GError) error = NULL;

  *out = sio_socket_emit_with_ack_finish (SIO_SOCKET (source), result, &error);
  g_assert_no_error (error);
}

/* The running server's record list ("get-records"). Its ack also proves
 * that every emit made before it reached the server. */
static GArray *
server_records (Fixture *f)
{
  JsonArray *reply = NULL;
  JsonArray *list;
  GArray *values = g_array_new (FALSE, FALSE, sizeof (guint));

  sio_socket_emit_with_ack (SIO_SOCKET (f->client), "get-records", NULL, NULL,
                            on_ack_reply, &reply);
  sio_test_wait_pointer ((gpointer *) &reply, "get-records ack");
  g_assert_cmpuint (json_array_get_length (reply), ==, 1);
  list = json_array_get_array_element (reply, 0);
  for (guint i = 0; i < json_array_get_length (list); i++)
    {
      guint v = (guint) json_array_get_int_element (list, i);
      g_array_append_val (values, v);
    }
  json_array_unref (reply);
  return values;
}

/* Reads the --records-file lines: the values each server process got, in
 * the order it got them. old_values: those of old_pid; new_values: those
 * of new_pid; any other pid or namespace fails the test. */
static void
read_records_file (Fixture *f,
                   guint    old_pid,
                   guint    new_pid,
                   GArray  *old_values,
                   GArray  *new_values)
{
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GError) error = NULL;

  if (!g_file_get_contents (f->records_path, &contents, NULL, &error))
    {
      /* nothing recorded at all */
      g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
      return;
    }
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr(JsonNode) node = NULL;
      JsonObject *obj;
      guint pid;
      guint value;

      if (lines[i][0] == '\0')
        continue;
      node = json_from_string (lines[i], &error);
      g_assert_no_error (error);
      g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
      obj = json_node_get_object (node);
      g_assert_cmpstr (json_object_get_string_member (obj, "nsp"), ==, "/");
      pid = (guint) json_object_get_int_member (obj, "pid");
      value = (guint) json_object_get_int_member (obj, "value");
      if (pid == old_pid)
        g_array_append_val (old_values, value);
      else if (pid == new_pid)
        g_array_append_val (new_values, value);
      else
        g_error ("records file line from pid %u (expected %u or %u): %s",
                 pid, old_pid, new_pid, lines[i]);
    }
}

static char *
values_to_string (GArray *values)
{
  GString *s = g_string_new ("[");

  for (guint i = 0; i < values->len; i++)
    g_string_append_printf (s, "%s%u", i > 0 ? "," : "", g_array_index (values, guint, i));
  g_string_append_c (s, ']');
  return g_string_free (s, FALSE);
}

/* ---- a. bursts across a restart ------------------------------------- */

#define BURST_N            300
/* the client waits for the server's ack of this one: the old server has
 * 1..BURST_ACKED_AT at least (it could run before being killed) */
#define BURST_ACKED_AT      50
/* the server is SIGKILLed right before this value is emitted */
#define BURST_KILL_AT      100
/* ... and restarted on the same port right before this one */
#define BURST_RESTART_AT   200
/* the client waits to be connected again before emitting this one */
#define BURST_LIVE_AT      250

static void
test_burst_across_restart (Fixture *f, gconstpointer data)
{
  SioSocket *socket = SIO_SOCKET (f->client);
  g_autoptr(GArray) old_values = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr(GArray) new_values = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr(GArray) in_memory = NULL;
  g_autofree char *old_json = NULL;
  g_autofree char *new_json = NULL;
  guint old_pid, new_pid;
  guint first_offline = 0;  /* the first value emitted after `disconnected` */
  guint p, lost = 0;

  sio_socket_open (socket);
  sio_test_wait_count (&f->r.connected, 1, "connected");
  old_pid = sio_test_server_get_pid (f->server);
  g_assert_cmpuint (old_pid, !=, 0);

  for (guint v = 1; v <= BURST_N; v++)
    {
      if (v == BURST_KILL_AT)
        sio_test_server_kill (f->server);
      if (v == BURST_RESTART_AT)
        {
          /* the client must have noticed by now; if not, let it */
          sio_test_wait_count (&f->r.disconnected, 1, "disconnected after SIGKILL");
          if (first_offline == 0)
            first_offline = v;
          sio_test_server_restart (f->server);
        }
      if (v == BURST_LIVE_AT)
        sio_test_wait_count (&f->r.connected, 2, "reconnected to the restarted server");
      if (first_offline == 0 && f->r.disconnected > 0)
        first_offline = v;
      if (v == BURST_ACKED_AT)
        {
          g_autoptr(JsonArray) args = json_array_new ();
          JsonArray *reply = NULL;

          json_array_add_int_element (args, v);
          sio_socket_emit_with_ack (socket, "record", args, NULL, on_ack_reply, &reply);
          sio_test_wait_pointer ((gpointer *) &reply, "record ack");
          json_array_unref (reply);
        }
      else
        {
          emit_record (socket, v);
        }
      /* a tight loop that still lets the client read and write */
      if (v % 4 == 0)
        drain ();
    }
  new_pid = sio_test_server_get_pid (f->server);
  g_assert_cmpuint (new_pid, !=, 0);
  g_assert_cmpuint (new_pid, !=, old_pid);

  in_memory = server_records (f);
  read_records_file (f, old_pid, new_pid, old_values, new_values);
  old_json = values_to_string (old_values);
  new_json = values_to_string (new_values);
  g_test_message ("killed before %u, disconnected seen before %u, restarted before %u",
                  BURST_KILL_AT, first_offline, BURST_RESTART_AT);
  g_test_message ("old server (pid %u) got %u: %s", old_pid, old_values->len, old_json);
  g_test_message ("new server (pid %u) got %u: %s", new_pid, new_values->len, new_json);

  /* the file says what the new server's own list says */
  g_assert_cmpuint (in_memory->len, ==, new_values->len);
  g_assert_cmpmem (in_memory->data, in_memory->len * sizeof (guint),
                   new_values->data, new_values->len * sizeof (guint));

  /* the old server got a prefix 1..p of what was written before the kill:
   * the stream is ordered, the kill cut it */
  p = old_values->len;
  g_assert_cmpuint (p, >=, BURST_ACKED_AT);
  g_assert_cmpuint (p, <, BURST_KILL_AT);
  for (guint i = 0; i < p; i++)
    g_assert_cmpuint (g_array_index (old_values, guint, i), ==, i + 1);

  /* the new server: strictly increasing (nothing twice, nothing reordered),
   * nothing the old one had already, and every value emitted after the
   * client saw `disconnected` */
  for (guint i = 0; i < new_values->len; i++)
    {
      guint v = g_array_index (new_values, guint, i);

      g_assert_cmpuint (v, >, p);
      g_assert_cmpuint (v, <=, BURST_N);
      if (i > 0)
        g_assert_cmpuint (v, >, g_array_index (new_values, guint, i - 1));
    }
  g_assert_cmpuint (first_offline, >=, BURST_KILL_AT);
  g_assert_cmpuint (first_offline, <=, BURST_RESTART_AT);
  g_assert_cmpuint (new_values->len, >=, BURST_N - first_offline + 1);
  for (guint i = 0; i < BURST_N - first_offline + 1; i++)
    g_assert_cmpuint (g_array_index (new_values, guint, new_values->len - 1 - i),
                      ==, BURST_N - i);

  /* what is missing was all emitted before `disconnected`, on the dead socket */
  for (guint v = p + 1, i = 0; v < first_offline; v++)
    {
      if (i < new_values->len && g_array_index (new_values, guint, i) == v)
        i++;
      else
        lost++;
    }
  g_test_message ("lost on the dead connection: %u (of %u emitted before `disconnected`)",
                  lost, first_offline - 1);
  g_assert_cmpuint (p + new_values->len + lost, ==, BURST_N);

  /* one loss, one reconnection */
  g_assert_cmpuint (f->r.disconnected, ==, 1);
  /* closed under our writes: a reset (error) or an end of stream (close) */
  g_assert_true (f->r.last_reason == SIO_DISCONNECT_REASON_TRANSPORT_CLOSE ||
                 f->r.last_reason == SIO_DISCONNECT_REASON_TRANSPORT_ERROR);
  g_assert_cmpuint (f->r.connected, ==, 2);
  g_assert_cmpuint (f->r.reconnected, ==, 1);
}

static void
test_burst_while_offline (Fixture *f, gconstpointer data)
{
  SioSocket *socket = SIO_SOCKET (f->client);
  g_autoptr(GArray) old_values = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr(GArray) new_values = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr(GArray) in_memory = NULL;
  guint old_pid, new_pid;

  sio_socket_open (socket);
  sio_test_wait_count (&f->r.connected, 1, "connected");
  old_pid = sio_test_server_get_pid (f->server);
  sio_test_server_kill (f->server);
  sio_test_wait_count (&f->r.disconnected, 1, "disconnected after SIGKILL");
  g_assert_cmpint (f->r.last_reason, ==, SIO_DISCONNECT_REASON_TRANSPORT_CLOSE);

  /* the whole burst while nothing listens: attempts fail meanwhile */
  for (guint v = 1; v <= BURST_N; v++)
    {
      emit_record (socket, v);
      if (v % 4 == 0)
        drain ();
    }
  sio_test_spin (300);
  g_assert_cmpuint (f->r.connected, ==, 1);
  g_assert_cmpint (sio_client_get_state (f->client), ==, SIO_CLIENT_STATE_RECONNECTING);

  sio_test_server_restart (f->server);
  new_pid = sio_test_server_get_pid (f->server);
  sio_test_wait_count (&f->r.connected, 2, "reconnected to the restarted server");
  in_memory = server_records (f);
  read_records_file (f, old_pid, new_pid, old_values, new_values);

  /* exactly once, in order, all of them, and only to the new server */
  g_assert_cmpuint (old_values->len, ==, 0);
  g_assert_cmpuint (new_values->len, ==, BURST_N);
  for (guint i = 0; i < BURST_N; i++)
    g_assert_cmpuint (g_array_index (new_values, guint, i), ==, i + 1);
  g_assert_cmpuint (in_memory->len, ==, BURST_N);
  g_assert_cmpmem (in_memory->data, in_memory->len * sizeof (guint),
                   new_values->data, new_values->len * sizeof (guint));
  g_assert_cmpuint (f->r.disconnected, ==, 1);
  g_assert_cmpuint (f->r.reconnected, ==, 1);
  g_assert_cmpuint (f->r.reconnect_attempts, >=, 1);
}

/* ---- b. a frozen server, while the client keeps talking -------------- */

static gboolean
tick_cb (gpointer user_data)
{
  SioSocket *socket = user_data;
  static guint n;
  char json[32];

  /* an event the servers have no handler for: traffic, no answer */
  g_snprintf (json, sizeof json, "[%u]", ++n);
  emit (socket, "faults-tick", json);
  return G_SOURCE_CONTINUE;
}

/* Freezes the server and returns how long the client took to declare it
 * dead; the client emitted every 20 ms meanwhile. */
static gint64
freeze_and_measure (Fixture *f, guint disconnects_before)
{
  gint64 frozen_at, elapsed;

  sio_test_server_freeze (f->server);
  frozen_at = now_ms ();
  sio_test_wait_count (&f->r.disconnected, disconnects_before + 1, "ping timeout");
  elapsed = now_ms () - frozen_at;
  g_test_message ("frozen server declared dead after %" G_GINT64_FORMAT " ms "
                  "(pingInterval %u + pingTimeout %u)", elapsed,
                  PING_INTERVAL_MS, PING_TIMEOUT_MS);
  g_assert_cmpint (f->r.last_reason, ==, SIO_DISCONNECT_REASON_PING_TIMEOUT);
  return elapsed;
}

static void
test_freeze_while_emitting (Fixture *f, gconstpointer data)
{
  SioSocket *socket = SIO_SOCKET (f->client);
  guint tick;
  gint64 elapsed;

  sio_socket_open (socket);
  sio_test_wait_count (&f->r.connected, 1, "connected");
  tick = g_timeout_add (20, tick_cb, socket);

  for (guint round = 0; round < 2; round++)
    {
      /* several ping intervals under traffic: alive */
      sio_test_spin (4 * PING_INTERVAL_MS);
      g_assert_cmpuint (f->r.disconnected, ==, round);
      g_assert_true (sio_socket_get_connected (socket));

      /* our own writes must not pass for the server's liveness */
      elapsed = freeze_and_measure (f, round);
      g_assert_cmpint (elapsed, <=, PING_INTERVAL_MS + PING_TIMEOUT_MS + DEADLINE_MARGIN_MS);
      g_assert_cmpint (sio_client_get_state (f->client), ==, SIO_CLIENT_STATE_RECONNECTING);

      /* back: a new session whose heartbeat is armed again (round 2) */
      sio_test_server_thaw (f->server);
      sio_test_wait_count (&f->r.connected, round + 2, "reconnected after the thaw");
      g_assert_cmpint (sio_client_get_state (f->client), ==, SIO_CLIENT_STATE_OPEN);
    }
  g_source_remove (tick);
  g_assert_cmpuint (f->r.reconnected, ==, 2);
  g_assert_cmpuint (f->r.connect_errors, ==, 0);
}

/* A server frozen before the client arrives: the kernel completes the TCP
 * handshake, nobody answers the HTTP request, the connect timeout fires.
 * Once thawed, the next attempt gets through. */
static void
test_frozen_at_connect (Fixture *f, gconstpointer data)
{
  gint64 start, elapsed;
  const guint timeout_ms = 500;

  sio_client_set_timeout (f->client, timeout_ms);
  sio_test_server_freeze (f->server);
  start = now_ms ();
  sio_socket_open (SIO_SOCKET (f->client));
  sio_test_wait_count (&f->r.connect_errors, 1, "connect timeout");
  elapsed = now_ms () - start;
  g_test_message ("connect-error after %" G_GINT64_FORMAT " ms (timeout %u ms)",
                  elapsed, timeout_ms);
  g_assert_error (f->r.connect_error, SIO_ERROR, SIO_ERROR_TIMEOUT);
  g_assert_cmpint (elapsed, >=, timeout_ms - 10);
  g_assert_cmpint (elapsed, <=, timeout_ms + DEADLINE_MARGIN_MS);
  g_assert_cmpuint (f->r.connected, ==, 0);
  g_assert_cmpint (sio_client_get_state (f->client), ==, SIO_CLIENT_STATE_RECONNECTING);

  sio_test_server_thaw (f->server);
  sio_test_wait_count (&f->r.connected, 1, "connected after the thaw");
  g_assert_cmpint (sio_client_get_state (f->client), ==, SIO_CLIENT_STATE_OPEN);
  g_assert_cmpuint (f->r.reconnected, ==, 1);
  emit (SIO_SOCKET (f->client), "echo", "[\"thawed\"]");
  g_assert_cmpstr (sio_test_recorder_wait_event (&f->r, "echo"), ==, "[\"thawed\"]");
}

/* ---- c. nobody answers, nobody listens ------------------------------- */

/* A TCP listener on 127.0.0.1 that accepts every connection, keeps it
 * open and never writes a byte. */
typedef struct
{
  GSocketService *service;
  GPtrArray      *connections;
  guint           port;
} Silent;

static gboolean
on_silent_incoming (GSocketService    *service,
                    GSocketConnection *connection,
                    GObject           *source,
                    gpointer           user_data)
{
  Silent *s = user_data;

  g_ptr_array_add (s->connections, g_object_ref (connection));
  return TRUE;
}

static void
silent_start (Silent *s)
{
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) addr = g_inet_socket_address_new (lo, 0);
  g_autoptr(GSocketAddress) effective = NULL;
  g_autoptr(GError) error = NULL;

  s->service = g_socket_service_new ();
  s->connections = g_ptr_array_new_with_free_func (g_object_unref);
  g_socket_listener_add_address (G_SOCKET_LISTENER (s->service), addr,
                                 G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                 NULL, &effective, &error);
  g_assert_no_error (error);
  s->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
  g_signal_connect (s->service, "incoming", G_CALLBACK (on_silent_incoming), s);
  g_socket_service_start (s->service);
}

static void
silent_stop (Silent *s)
{
  g_socket_service_stop (s->service);
  g_socket_listener_close (G_SOCKET_LISTENER (s->service));
  g_clear_object (&s->service);
  g_clear_pointer (&s->connections, g_ptr_array_unref);
}

typedef struct
{
  guint        eio;
  gboolean     polling;
} SilentSpec;

static void
test_silent_connect_timeout (gconstpointer data)
{
  const SilentSpec *spec = data;
  Silent s = { 0, };
  g_autofree char *url = NULL;
  g_autoptr(SioClient) client = NULL;
  SioTestRecorder r;
  const guint timeout_ms = 400;
  gint64 start, elapsed;

  silent_start (&s);
  url = g_strdup_printf ("http://127.0.0.1:%u", s.port);
  client = sio_client_new (url);
  sio_client_set_engine_io_version (client, spec->eio);
  if (spec->polling)
    {
      const char *polling[] = { "polling", NULL };
      sio_client_set_transports (client, polling);
    }
  sio_client_set_reconnection (client, FALSE);
  sio_client_set_timeout (client, timeout_ms);
  sio_test_recorder_init (&r);
  sio_test_recorder_watch_client (&r, client);

  start = now_ms ();
  sio_socket_open (SIO_SOCKET (client));
  sio_test_wait_count (&r.connect_errors, 1, "connect timeout");
  elapsed = now_ms () - start;
  g_test_message ("connect-error after %" G_GINT64_FORMAT " ms (timeout %u ms)",
                  elapsed, timeout_ms);
  g_assert_error (r.connect_error, SIO_ERROR, SIO_ERROR_TIMEOUT);
  g_assert_cmpint (elapsed, >=, timeout_ms - 10);
  g_assert_cmpint (elapsed, <=, timeout_ms + DEADLINE_MARGIN_MS);
  g_assert_cmpint (sio_client_get_state (client), ==, SIO_CLIENT_STATE_CLOSED);
  /* the request did reach the listener */
  g_assert_cmpuint (s.connections->len, ==, 1);

  /* and nothing follows */
  sio_test_spin (300);
  g_assert_cmpuint (r.connect_errors, ==, 1);
  g_assert_cmpuint (r.reconnect_attempts, ==, 0);
  g_assert_cmpuint (s.connections->len, ==, 1);

  g_assert_finalize_object (g_steal_pointer (&client));
  sio_test_recorder_clear (&r);
  silent_stop (&s);
}

/* Every attempt times out; after the last one: reconnect-failed once,
 * CLOSED, and no connection is ever attempted again. Opening again starts
 * a new series, counted from 1. */
static void
test_silent_reconnect_failed (void)
{
  Silent s = { 0, };
  g_autofree char *url = NULL;
  g_autoptr(SioClient) client = NULL;
  SioTestRecorder r;
  gint64 start, elapsed;

  silent_start (&s);
  url = g_strdup_printf ("http://127.0.0.1:%u", s.port);
  client = sio_client_new (url);
  sio_client_set_timeout (client, 200);
  sio_client_set_reconnection_attempts (client, 2);
  sio_client_set_reconnection_delay (client, 50);
  sio_client_set_reconnection_delay_max (client, 100);
  sio_test_recorder_init (&r);
  sio_test_recorder_watch_client (&r, client);

  start = now_ms ();
  sio_socket_open (SIO_SOCKET (client));
  sio_test_wait_count (&r.reconnect_failed, 1, "reconnect-failed");
  elapsed = now_ms () - start;
  /* 3 timeouts of 200 ms and 2 delays of at most 150 ms (jitter) */
  g_test_message ("gave up after %" G_GINT64_FORMAT " ms", elapsed);
  g_assert_cmpint (elapsed, >=, 3 * 200 - 30);
  g_assert_cmpint (elapsed, <=, 3 * 200 + 2 * 150 + DEADLINE_MARGIN_MS);
  g_assert_cmpuint (r.connect_errors, ==, 3);
  g_assert_error (r.connect_error, SIO_ERROR, SIO_ERROR_TIMEOUT);
  g_assert_cmpuint (r.reconnect_attempts, ==, 2);
  g_assert_cmpuint (r.connected, ==, 0);
  g_assert_cmpint (sio_client_get_state (client), ==, SIO_CLIENT_STATE_CLOSED);
  g_assert_cmpuint (s.connections->len, ==, 3);

  /* several delays and timeouts later: still nothing */
  sio_test_spin (800);
  g_assert_cmpuint (r.reconnect_failed, ==, 1);
  g_assert_cmpuint (r.reconnect_attempts, ==, 2);
  g_assert_cmpuint (r.connect_errors, ==, 3);
  g_assert_cmpuint (s.connections->len, ==, 3);
  g_assert_cmpint (sio_client_get_state (client), ==, SIO_CLIENT_STATE_CLOSED);

  /* the application opens again: a fresh series */
  sio_socket_open (SIO_SOCKET (client));
  sio_test_wait_count (&r.reconnect_failed, 2, "second reconnect-failed");
  g_assert_cmpuint (r.reconnect_attempts, ==, 4);
  g_assert_cmpuint (r.connect_errors, ==, 6);
  g_assert_cmpuint (s.connections->len, ==, 6);
  g_assert_cmpint (sio_client_get_state (client), ==, SIO_CLIENT_STATE_CLOSED);

  g_assert_finalize_object (g_steal_pointer (&client));
  sio_test_recorder_clear (&r);
  silent_stop (&s);
}

static guint
closed_port (void)
{
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) addr = g_inet_socket_address_new (lo, 0);
  g_autoptr(GSocketAddress) effective = NULL;
  g_autoptr(GError) error = NULL;
  guint port;

  g_socket_listener_add_address (listener, addr, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                 NULL, &effective, &error);
  g_assert_no_error (error);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
  g_socket_listener_close (listener);
  return port;
}

static void
on_connect_error_code (SioSocket *socket, GError *error, JsonNode *data, gpointer user_data)
{
  guint *n_transport = user_data;

  if (g_error_matches (error, SIO_ERROR, SIO_ERROR_TRANSPORT))
    (*n_transport)++;
}

/* A refusing port, both generations and both transports: every attempt
 * fails with TRANSPORT, then reconnect-failed once and silence. */
static void
test_refused_reconnect_failed (gconstpointer data)
{
  const SilentSpec *spec = data;
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u", closed_port ());
  g_autoptr(SioClient) client = sio_client_new (url);
  SioTestRecorder r;
  guint n_transport = 0;

  sio_client_set_engine_io_version (client, spec->eio);
  if (spec->polling)
    {
      const char *polling[] = { "polling", NULL };
      sio_client_set_transports (client, polling);
    }
  sio_client_set_reconnection_attempts (client, 3);
  sio_client_set_reconnection_delay (client, 20);
  sio_client_set_reconnection_delay_max (client, 40);
  sio_test_recorder_init (&r);
  sio_test_recorder_watch_client (&r, client);
  g_signal_connect (client, "connect-error", G_CALLBACK (on_connect_error_code), &n_transport);

  sio_socket_open (SIO_SOCKET (client));
  sio_test_wait_count (&r.reconnect_failed, 1, "reconnect-failed");
  g_assert_cmpuint (r.connect_errors, ==, 4);
  g_assert_cmpuint (n_transport, ==, 4);
  g_assert_cmpuint (r.reconnect_attempts, ==, 3);
  g_assert_cmpint (sio_client_get_state (client), ==, SIO_CLIENT_STATE_CLOSED);

  sio_test_spin (400);
  g_assert_cmpuint (r.reconnect_failed, ==, 1);
  g_assert_cmpuint (r.reconnect_attempts, ==, 3);
  g_assert_cmpuint (r.connect_errors, ==, 4);
  g_assert_cmpint (sio_client_get_state (client), ==, SIO_CLIENT_STATE_CLOSED);

  g_assert_finalize_object (g_steal_pointer (&client));
  sio_test_recorder_clear (&r);
}

/* ---- d. 1000 reconnection cycles, heap flat --------------------------- */

#define CYCLES              1000
#define CYCLES_MEASURE_AT    100
#define CYCLES_BUDGET_MS   60000
#define CYCLES_MAX_GROWTH  (128 * 1024)

typedef struct
{
  guint  connected;
  guint  disconnected;
  guint  other_reasons;
  guint  connect_errors;
  gsize  heap_at_measure;
  gsize  heap_at_end;
  gsize  rss_at_measure;
  gsize  rss_at_end;
} Cycles;

/* Bytes handed out by malloc and not freed yet. */
static gsize
heap_in_use (void)
{
#ifdef SIO_TEST_ASAN
  return __sanitizer_get_current_allocated_bytes ();
#else
  struct mallinfo2 mi = mallinfo2 ();

  return mi.uordblks + mi.hblkhd;
#endif
}

static gsize
rss_bytes (void)
{
  g_autofree char *statm = NULL;
  g_auto(GStrv) fields = NULL;
  guint64 pages = 0;

  if (!g_file_get_contents ("/proc/self/statm", &statm, NULL, NULL))
    return 0;
  fields = g_strsplit (statm, " ", -1);
  if (fields[0] == NULL || fields[1] == NULL ||
      !g_ascii_string_to_unsigned (fields[1], 10, 0, G_MAXUINT64, &pages, NULL))
    return 0;
  return (gsize) pages * (gsize) sysconf (_SC_PAGESIZE);
}

static void
on_cycle_connected (SioSocket *socket, gpointer user_data)
{
  Cycles *c = user_data;

  c->connected++;
  if (c->connected == CYCLES_MEASURE_AT)
    {
      c->heap_at_measure = heap_in_use ();
      c->rss_at_measure = rss_bytes ();
    }
  if (c->connected == CYCLES)
    {
      c->heap_at_end = heap_in_use ();
      c->rss_at_end = rss_bytes ();
      return;
    }
  /* the server drops the connection without DISCONNECT: a loss */
  emit (socket, "close-transport", NULL);
}

static void
on_cycle_disconnected (SioSocket *socket, SioDisconnectReason reason, gpointer user_data)
{
  Cycles *c = user_data;

  c->disconnected++;
  if (reason != SIO_DISCONNECT_REASON_TRANSPORT_CLOSE)
    c->other_reasons++;
}

static void
on_cycle_connect_error (SioSocket *socket, GError *error, JsonNode *data, gpointer user_data)
{
  Cycles *c = user_data;

  g_test_message ("connect-error during the cycles: %s", error->message);
  c->connect_errors++;
}

static gboolean
cycles_done (gpointer user_data)
{
  Cycles *c = user_data;

  return c->connected >= CYCLES;
}

static void
test_reconnect_cycles (Fixture *f, gconstpointer data)
{
  Cycles c = { 0, };
  g_autofree char *url = sio_test_server_get_url (f->server, NULL);
  g_autoptr(SioClient) client = sio_client_new (url);
  gint64 start, elapsed;
  gssize growth;

  /* not the fixture's client: its recorder keeps every event */
  sio_client_set_engine_io_version (client, sio_test_server_get_engine_io (f->server));
  sio_client_set_reconnection_delay (client, 1);
  sio_client_set_reconnection_delay_max (client, 1);
  sio_client_set_randomization_factor (client, 0.0);
  g_signal_connect (client, "connected", G_CALLBACK (on_cycle_connected), &c);
  g_signal_connect (client, "disconnected", G_CALLBACK (on_cycle_disconnected), &c);
  g_signal_connect (client, "connect-error", G_CALLBACK (on_cycle_connect_error), &c);

  start = now_ms ();
  sio_socket_open (SIO_SOCKET (client));
  if (!sio_test_wait_for (cycles_done, &c, CYCLES_BUDGET_MS))
    g_error ("%u reconnection cycles of %u within %u ms", c.connected, CYCLES,
             CYCLES_BUDGET_MS);
  elapsed = now_ms () - start;

  growth = (gssize) c.heap_at_end - (gssize) c.heap_at_measure;
  g_test_message ("%u cycles in %" G_GINT64_FORMAT " ms", CYCLES, elapsed);
  g_test_message ("heap in use after cycle %u: %zu bytes; after cycle %u: %zu bytes; "
                  "growth %zd bytes (bound %d)", CYCLES_MEASURE_AT, c.heap_at_measure,
                  CYCLES, c.heap_at_end, growth, CYCLES_MAX_GROWTH);
  g_test_message ("RSS after cycle %u: %zu KiB; after cycle %u: %zu KiB",
                  CYCLES_MEASURE_AT, c.rss_at_measure / 1024, CYCLES, c.rss_at_end / 1024);

  /* a measurement that says nothing must not pass */
  g_assert_cmpuint (c.heap_at_measure, >, 0);
  g_assert_cmpint (growth, <, CYCLES_MAX_GROWTH);

  g_assert_cmpuint (c.connected, ==, CYCLES);
  g_assert_cmpuint (c.disconnected, ==, CYCLES - 1);
  g_assert_cmpuint (c.other_reasons, ==, 0);
  g_assert_cmpuint (c.connect_errors, ==, 0);
  g_assert_cmpint (sio_client_get_state (client), ==, SIO_CLIENT_STATE_OPEN);

  sio_client_close (client);
  g_assert_finalize_object (g_steal_pointer (&client));
}

/* ---- registration --------------------------------------------------- */

#define HEARTBEAT_ARGS "--ping-interval", G_STRINGIFY (PING_INTERVAL_MS), \
                       "--ping-timeout", G_STRINGIFY (PING_TIMEOUT_MS)

static const ServerSpec record_specs[] = {
  { SIO_TEST_SERVER_NODE4, FALSE, TRUE, { NULL } },
  { SIO_TEST_SERVER_NODE2, FALSE, TRUE, { NULL } },
  { SIO_TEST_SERVER_PYTHON, FALSE, TRUE, { NULL } },
};

static const ServerSpec freeze_specs[] = {
  { SIO_TEST_SERVER_NODE4, FALSE, FALSE, { HEARTBEAT_ARGS, NULL } },
  { SIO_TEST_SERVER_NODE2, FALSE, FALSE, { HEARTBEAT_ARGS, NULL } },
  { SIO_TEST_SERVER_PYTHON, FALSE, FALSE, { HEARTBEAT_ARGS, NULL } },
};

static const ServerSpec freeze_polling_specs[] = {
  { SIO_TEST_SERVER_NODE4, TRUE, FALSE, { HEARTBEAT_ARGS, NULL } },
  { SIO_TEST_SERVER_NODE2, TRUE, FALSE, { HEARTBEAT_ARGS, NULL } },
};

static const ServerSpec plain_specs[] = {
  { SIO_TEST_SERVER_NODE4, FALSE, FALSE, { NULL } },
  { SIO_TEST_SERVER_NODE2, FALSE, FALSE, { NULL } },
};

static const SilentSpec silent_specs[] = {
  { 4, FALSE },
  { 3, FALSE },
  { 4, TRUE },
  { 3, TRUE },
};

typedef void (*TestFunc) (Fixture *, gconstpointer);

static void
add (const char *name, TestFunc func, const ServerSpec *list, guint n)
{
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *path = g_strdup_printf ("/sio/faults/%s/%s",
                                               sio_test_server_kind_name (list[i].kind), name);

      g_test_add (path, Fixture, &list[i], fixture_setup, func, fixture_teardown);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  add ("burst-across-restart", test_burst_across_restart,
       record_specs, G_N_ELEMENTS (record_specs));
  add ("burst-while-offline", test_burst_while_offline,
       record_specs, G_N_ELEMENTS (record_specs));
  add ("freeze-while-emitting", test_freeze_while_emitting,
       freeze_specs, G_N_ELEMENTS (freeze_specs));
  add ("polling-freeze-while-emitting", test_freeze_while_emitting,
       freeze_polling_specs, G_N_ELEMENTS (freeze_polling_specs));
  add ("frozen-at-connect", test_frozen_at_connect,
       plain_specs, G_N_ELEMENTS (plain_specs));
  add ("reconnect-cycles", test_reconnect_cycles,
       plain_specs, G_N_ELEMENTS (plain_specs));

  for (guint i = 0; i < G_N_ELEMENTS (silent_specs); i++)
    {
      /* flat paths: `-p /sio/faults/refused` runs no nested suite (GLib 2.74) */
      g_autofree char *silent = g_strdup_printf ("/sio/faults/silent-listener/connect-timeout-eio%u-%s",
                                                 silent_specs[i].eio,
                                                 silent_specs[i].polling ? "polling" : "websocket");
      g_autofree char *refused = g_strdup_printf ("/sio/faults/refused/reconnect-failed-eio%u-%s",
                                                  silent_specs[i].eio,
                                                  silent_specs[i].polling ? "polling" : "websocket");

      g_test_add_data_func (silent, &silent_specs[i], test_silent_connect_timeout);
      g_test_add_data_func (refused, &silent_specs[i], test_refused_reconnect_failed);
    }
  g_test_add_func ("/sio/faults/silent-listener/reconnect-failed", test_silent_reconnect_failed);

  return g_test_run ();
}
