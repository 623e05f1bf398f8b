/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Network awareness and observability against the real servers: a
 * GNetworkMonitor the test drives (network down / back) while the server
 * is killed and restarted; the rtt and n-buffered properties; the outgoing
 * signal.
 */
#include "config.h"

#include <string.h>

#include <sio-glib/sio-glib.h>

#include "sio-test-recorder.h"
#include "sio-test-server.h"

/* ---- a network monitor the test switches ----------------------------- */

#define TEST_TYPE_MONITOR (test_monitor_get_type ())
G_DECLARE_FINAL_TYPE (TestMonitor, test_monitor, TEST, MONITOR, GObject)

struct _TestMonitor
{
  GObject  parent_instance;
  gboolean available;
  /* how many reachability questions were asked */
  guint    n_can_reach;
};

enum {
  MON_PROP_0,
  MON_PROP_NETWORK_AVAILABLE,
  MON_PROP_NETWORK_METERED,
  MON_PROP_CONNECTIVITY,
};

static void test_monitor_iface_init (GNetworkMonitorInterface *iface);
static void test_monitor_initable_init (GInitableIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TestMonitor, test_monitor, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_INITABLE, test_monitor_initable_init)
                               G_IMPLEMENT_INTERFACE (G_TYPE_NETWORK_MONITOR, test_monitor_iface_init))

static gboolean
test_monitor_initable_init_fn (GInitable *initable, GCancellable *cancellable, GError **error)
{
  return TRUE;
}

static void
test_monitor_initable_init (GInitableIface *iface)
{
  iface->init = test_monitor_initable_init_fn;
}

static gboolean
test_monitor_can_reach (GNetworkMonitor *monitor, GSocketConnectable *connectable,
                        GCancellable *cancellable, GError **error)
{
  TestMonitor *self = TEST_MONITOR (monitor);

  self->n_can_reach++;
  if (self->available)
    return TRUE;
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NETWORK_UNREACHABLE, "test network down");
  return FALSE;
}

static void
test_monitor_can_reach_async (GNetworkMonitor *monitor, GSocketConnectable *connectable,
                              GCancellable *cancellable, GAsyncReadyCallback callback,
                              gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (monitor, cancellable, callback, user_data);
  GError *error = NULL;

  if (test_monitor_can_reach (monitor, connectable, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static gboolean
test_monitor_can_reach_finish (GNetworkMonitor *monitor, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
test_monitor_iface_init (GNetworkMonitorInterface *iface)
{
  iface->can_reach = test_monitor_can_reach;
  iface->can_reach_async = test_monitor_can_reach_async;
  iface->can_reach_finish = test_monitor_can_reach_finish;
}

static void
test_monitor_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  TestMonitor *self = TEST_MONITOR (object);

  switch (prop_id)
    {
    case MON_PROP_NETWORK_AVAILABLE:
      g_value_set_boolean (value, self->available);
      break;
    case MON_PROP_NETWORK_METERED:
      g_value_set_boolean (value, FALSE);
      break;
    case MON_PROP_CONNECTIVITY:
      g_value_set_enum (value, self->available ? G_NETWORK_CONNECTIVITY_FULL
                                               : G_NETWORK_CONNECTIVITY_LOCAL);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
test_monitor_class_init (TestMonitorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = test_monitor_get_property;
  g_object_class_override_property (object_class, MON_PROP_NETWORK_AVAILABLE, "network-available");
  g_object_class_override_property (object_class, MON_PROP_NETWORK_METERED, "network-metered");
  g_object_class_override_property (object_class, MON_PROP_CONNECTIVITY, "connectivity");
}

static void
test_monitor_init (TestMonitor *self)
{
  self->available = TRUE;
}

static void
test_monitor_set_available (TestMonitor *self, gboolean available)
{
  self->available = available;
  g_object_notify (G_OBJECT (self), "network-available");
  g_signal_emit_by_name (self, "network-changed", available);
}

/* ---- fixture -------------------------------------------------------- */

typedef struct
{
  SioTestServer *server;
  SioClient     *client;
  TestMonitor   *monitor;
  SioTestRecorder r;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  SioTestServerKind kind = GPOINTER_TO_INT (data);

  /* short ping interval: v3 clients measure the round trip on pongs */
  static const char *extra[] = { "--ping-interval", "400", "--ping-timeout", "5000", NULL };

  f->server = sio_test_server_start (kind, extra);
  sio_test_recorder_init (&f->r);
  f->client = sio_test_client_new (f->server, NULL);
  f->monitor = g_object_new (TEST_TYPE_MONITOR, NULL);
  sio_test_recorder_watch_client (&f->r, f->client);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  sio_test_teardown (f->client, &f->r, f->server);
  /* the client held the only other reference */
  g_assert_finalize_object (f->monitor);
  sio_test_spin (20);
}

/* ---- network awareness ---------------------------------------------- */

static void
test_network_down_and_back (Fixture *f, gconstpointer data)
{
  gint64 back_at;

  /* a long back-off: only the network coming back can make it quick */
  sio_client_set_reconnection_delay (f->client, 30000);
  sio_client_set_reconnection_delay_max (f->client, 30000);
  sio_client_set_network_monitor (f->client, G_NETWORK_MONITOR (f->monitor));
  g_assert_true (sio_client_get_network_monitor (f->client) == G_NETWORK_MONITOR (f->monitor));

  sio_socket_open (SIO_SOCKET (f->client));
  sio_test_wait_count (&f->r.connected, 1, "connected");

  /* the network goes, and the server with it */
  test_monitor_set_available (f->monitor, FALSE);
  g_assert_cmpuint (f->r.disconnected, ==, 0);
  sio_test_server_kill (f->server);
  sio_test_wait_count (&f->r.disconnected, 1, "disconnected");

  /* no attempt is spent while the network is down */
  sio_test_spin (1000);
  g_assert_cmpuint (f->r.reconnect_attempts, ==, 0);
  g_assert_cmpint (sio_client_get_state (f->client), ==, SIO_CLIENT_STATE_RECONNECTING);
  g_assert_cmpuint (f->monitor->n_can_reach, >=, 1);

  /* offline emits are kept meanwhile */
  sio_socket_emit_json (SIO_SOCKET (f->client), "echo", "[\"while away\"]", NULL);
  g_assert_cmpuint (sio_socket_get_n_buffered (SIO_SOCKET (f->client)), ==, 1);

  /* back: the client tries at once, not after its 30 s back-off */
  sio_test_server_restart (f->server);
  back_at = g_get_monotonic_time ();
  test_monitor_set_available (f->monitor, TRUE);
  sio_test_wait_count (&f->r.reconnected, 1, "reconnected");
  g_assert_cmpint (g_get_monotonic_time () - back_at, <, 10 * G_USEC_PER_SEC);
  g_assert_cmpuint (f->r.reconnect_attempts, ==, 1);
  g_assert_cmpstr (sio_test_recorder_wait_event (&f->r, "echo"), ==, "[\"while away\"]");
  g_assert_cmpuint (sio_socket_get_n_buffered (SIO_SOCKET (f->client)), ==, 0);
}

/* Without a monitor (NULL) the back-off rules alone. */
static void
test_network_monitor_off (Fixture *f, gconstpointer data)
{
  g_assert_nonnull (sio_client_get_network_monitor (f->client));
  sio_client_set_network_monitor (f->client, NULL);
  g_assert_null (sio_client_get_network_monitor (f->client));
  sio_client_set_reconnection_delay (f->client, 100);
  sio_client_set_reconnection_delay_max (f->client, 100);

  sio_socket_open (SIO_SOCKET (f->client));
  sio_test_wait_count (&f->r.connected, 1, "connected");
  test_monitor_set_available (f->monitor, FALSE);
  sio_test_server_kill (f->server);
  sio_test_wait_count (&f->r.reconnect_attempts, 2, "attempts go on");
  sio_test_server_restart (f->server);
  sio_test_wait_count (&f->r.reconnected, 1, "reconnected");
}

/* ---- observability -------------------------------------------------- */

typedef struct
{
  /* "name args" of each outgoing signal, and of the detailed one */
  GPtrArray *all;
  GPtrArray *echo_only;
  guint      attachments;
  guint      n_buffered_notifies;
  guint      rtt_notifies;
} Observed;

static void
on_outgoing (SioSocket *socket, SioEvent *event, gpointer user_data)
{
  GPtrArray *list = user_data;
  g_autofree char *args = sio_event_get_args_json (event);

  g_assert_false (sio_event_wants_ack (event));
  g_assert_cmpstr (sio_event_get_namespace (event), ==, "/");
  g_ptr_array_add (list, g_strdup_printf ("%s %s", sio_event_get_name (event), args));
}

static void
on_outgoing_count_attachments (SioSocket *socket, SioEvent *event, gpointer user_data)
{
  Observed *o = user_data;

  o->attachments += sio_event_get_n_attachments (event);
}

static void
count_notify (GObject *object, GParamSpec *pspec, gpointer user_data)
{
  (*(guint *) user_data)++;
}

static void
test_observability (Fixture *f, gconstpointer data)
{
  Observed o = { g_ptr_array_new_with_free_func (g_free), g_ptr_array_new_with_free_func (g_free), 0, };
  g_autoptr(GBytes) blob = g_bytes_new_static ("\x00\x01\x02", 3);
  g_autoptr(JsonNode) args = json_from_string ("[{\"_placeholder\":true,\"num\":0}]", NULL);
  GBytes *attachments[1] = { blob };
  gint64 rtt;

  g_signal_connect (f->client, "outgoing", G_CALLBACK (on_outgoing), o.all);
  g_signal_connect (f->client, "outgoing::echo", G_CALLBACK (on_outgoing), o.echo_only);
  g_signal_connect (f->client, "outgoing", G_CALLBACK (on_outgoing_count_attachments), &o);
  g_signal_connect (f->client, "notify::n-buffered", G_CALLBACK (count_notify), &o.n_buffered_notifies);
  g_signal_connect (f->client, "notify::rtt", G_CALLBACK (count_notify), &o.rtt_notifies);

  g_assert_cmpint (sio_client_get_rtt (f->client), ==, -1);

  /* buffered while offline: counted, reported when they leave */
  sio_socket_emit_json (SIO_SOCKET (f->client), "echo", "[1]", NULL);
  sio_socket_emit_json (SIO_SOCKET (f->client), "ack", "[2]", NULL);
  sio_socket_emit_full (SIO_SOCKET (f->client), "record", NULL, NULL, 0,
                        SIO_EMIT_VOLATILE, 0, NULL, NULL, NULL);
  g_assert_cmpuint (sio_socket_get_n_buffered (SIO_SOCKET (f->client)), ==, 2);
  g_assert_cmpuint (o.n_buffered_notifies, ==, 2);
  g_assert_cmpuint (o.all->len, ==, 0);

  sio_socket_open (SIO_SOCKET (f->client));
  sio_test_wait_count (&f->r.connected, 1, "connected");
  g_assert_cmpuint (sio_socket_get_n_buffered (SIO_SOCKET (f->client)), ==, 0);
  g_assert_cmpuint (o.n_buffered_notifies, ==, 3);
  g_assert_cmpuint (o.all->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (o.all, 0), ==, "echo [1]");
  g_assert_cmpstr (g_ptr_array_index (o.all, 1), ==, "ack [2]");

  /* live emits, with an attachment */
  sio_socket_emit_full (SIO_SOCKET (f->client), "echo", json_node_get_array (args),
                        attachments, 1, SIO_EMIT_NONE, 0, NULL, NULL, NULL);
  g_assert_cmpuint (o.all->len, ==, 3);
  g_assert_cmpstr (g_ptr_array_index (o.all, 2), ==, "echo [{\"_placeholder\":true,\"num\":0}]");
  g_assert_cmpuint (o.attachments, ==, 1);
  g_assert_cmpuint (o.echo_only->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (o.echo_only, 0), ==, "echo [1]");

  /* the round trip: v5 times the CONNECT, v3 its heartbeat pings */
  if (sio_client_get_engine_io_version (f->client) == 3)
    sio_test_wait_count (&o.rtt_notifies, 1, "the first pong");
  rtt = sio_client_get_rtt (f->client);
  g_assert_cmpint (rtt, >=, 0);
  g_assert_cmpint (rtt, <, 5000);
  g_assert_cmpuint (o.rtt_notifies, >=, 1);
  {
    gint64 from_property = -2;
    g_object_get (f->client, "rtt", &from_property, NULL);
    g_assert_cmpint (from_property, ==, sio_client_get_rtt (f->client));
  }

  g_signal_handlers_disconnect_by_data (f->client, o.all);
  g_signal_handlers_disconnect_by_data (f->client, o.echo_only);
  g_signal_handlers_disconnect_by_data (f->client, &o);
  g_signal_handlers_disconnect_by_data (f->client, &o.n_buffered_notifies);
  g_signal_handlers_disconnect_by_data (f->client, &o.rtt_notifies);
  g_ptr_array_unref (o.all);
  g_ptr_array_unref (o.echo_only);
}

int
main (int argc, char **argv)
{
  static const SioTestServerKind kinds[] = { SIO_TEST_SERVER_NODE4, SIO_TEST_SERVER_NODE2 };

  g_test_init (&argc, &argv, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    {
      const char *kind = sio_test_server_kind_name (kinds[i]);
      g_autofree char *down = g_strdup_printf ("/sio/network/%s/down-and-back", kind);
      g_autofree char *off = g_strdup_printf ("/sio/network/%s/monitor-off", kind);
      g_autofree char *obs = g_strdup_printf ("/sio/observability/%s/properties-and-outgoing", kind);

      g_test_add (down, Fixture, GINT_TO_POINTER (kinds[i]), fixture_setup,
                  test_network_down_and_back, fixture_teardown);
      g_test_add (off, Fixture, GINT_TO_POINTER (kinds[i]), fixture_setup,
                  test_network_monitor_off, fixture_teardown);
      g_test_add (obs, Fixture, GINT_TO_POINTER (kinds[i]), fixture_setup,
                  test_observability, fixture_teardown);
    }

  return g_test_run ();
}
