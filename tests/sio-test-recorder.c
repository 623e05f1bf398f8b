/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "sio-test-recorder.h"

static gboolean
flag_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

gboolean
sio_test_wait_for (gboolean (*cond) (gpointer),
                   gpointer   data,
                   guint      timeout_ms)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add (timeout_ms, flag_cb, &timed_out);

  while (!cond (data) && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (id);
  return !timed_out;
}

void
sio_test_spin (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, flag_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

typedef struct
{
  guint *counter;
  guint  target;
} CountWait;

static gboolean
count_reached (gpointer data)
{
  CountWait *w = data;
  return *w->counter >= w->target;
}

void
sio_test_wait_count (guint      *counter,
                     guint       target,
                     const char *what)
{
  CountWait w = { counter, target };

  if (!sio_test_wait_for (count_reached, &w, SIO_TEST_TIMEOUT_MS))
    g_error ("timed out waiting for %s (have %u, want %u)", what, *counter, target);
}

static gboolean
pointer_set (gpointer data)
{
  return *(gpointer *) data != NULL;
}

void
sio_test_wait_pointer (gpointer   *ptr,
                       const char *what)
{
  if (!sio_test_wait_for (pointer_set, ptr, SIO_TEST_TIMEOUT_MS))
    g_error ("timed out waiting for %s", what);
}

static const char *
find_event (SioTestRecorder *r,
            const char      *name,
            guint            nth)
{
  gsize len = strlen (name);

  for (guint i = 0; i < r->events->len; i++)
    {
      const char *e = g_ptr_array_index (r->events, i);

      if (strncmp (e, name, len) == 0 && e[len] == ' ' && nth-- == 0)
        return e + len + 1;
    }
  return NULL;
}

typedef struct
{
  SioTestRecorder *r;
  const char      *name;
  guint            nth;
} EventWait;

static gboolean
event_arrived (gpointer data)
{
  EventWait *w = data;
  return find_event (w->r, w->name, w->nth) != NULL;
}

const char *
sio_test_recorder_wait_event_nth (SioTestRecorder *r,
                                  const char      *name,
                                  guint            nth)
{
  EventWait w = { r, name, nth };

  if (!sio_test_wait_for (event_arrived, &w, SIO_TEST_TIMEOUT_MS))
    g_error ("timed out waiting for event %s #%u", name, nth);
  return find_event (r, name, nth);
}

const char *
sio_test_recorder_wait_event (SioTestRecorder *r,
                              const char      *name)
{
  return sio_test_recorder_wait_event_nth (r, name, 0);
}

SioEvent *
sio_test_recorder_find_event (SioTestRecorder *r,
                              const char      *name)
{
  for (guint i = 0; i < r->event_objects->len; i++)
    {
      SioEvent *e = g_ptr_array_index (r->event_objects, i);

      if (g_strcmp0 (sio_event_get_name (e), name) == 0)
        return e;
    }
  return NULL;
}

static void
on_event (SioSocket *socket,
          SioEvent  *event,
          gpointer   user_data)
{
  SioTestRecorder *r = user_data;
  g_autofree char *args = sio_event_get_args_json (event);

  g_test_message ("event %s %s on %s", sio_event_get_name (event), args,
                  sio_socket_get_namespace (socket));
  g_ptr_array_add (r->events, g_strdup_printf ("%s %s", sio_event_get_name (event), args));
  g_ptr_array_add (r->event_objects, g_object_ref (event));
}

static void
on_connected (SioSocket *socket,
              gpointer   user_data)
{
  SioTestRecorder *r = user_data;
  r->connected++;
}

static void
on_disconnected (SioSocket           *socket,
                 SioDisconnectReason  reason,
                 gpointer             user_data)
{
  SioTestRecorder *r = user_data;

  g_test_message ("disconnected: reason %d", reason);
  r->disconnected++;
  r->last_reason = reason;
}

static void
on_connect_error (SioSocket *socket,
                  GError    *error,
                  JsonNode  *data,
                  gpointer   user_data)
{
  SioTestRecorder *r = user_data;

  g_test_message ("connect-error: %s", error->message);
  r->connect_errors++;
  g_clear_error (&r->connect_error);
  r->connect_error = g_error_copy (error);
  g_clear_pointer (&r->connect_error_data, json_node_unref);
  if (data != NULL)
    r->connect_error_data = json_node_copy (data);
}

static void
on_reconnect_attempt (SioClient *client,
                      guint      attempt,
                      gpointer   user_data)
{
  SioTestRecorder *r = user_data;

  g_test_message ("reconnect attempt %u", attempt);
  r->reconnect_attempts++;
}

static void
on_reconnected (SioClient *client,
                guint      attempts,
                gpointer   user_data)
{
  SioTestRecorder *r = user_data;
  r->reconnected++;
}

static void
on_reconnect_failed (SioClient *client,
                     gpointer   user_data)
{
  SioTestRecorder *r = user_data;
  r->reconnect_failed++;
}

SioClient *
sio_test_client_new (SioTestServer *server,
                     const char    *nsp)
{
  g_autofree char *url = sio_test_server_get_url (server, nsp);
  SioClient *client = sio_client_new (url);

  sio_client_set_engine_io_version (client, sio_test_server_get_engine_io (server));
  sio_client_set_reconnection_delay (client, 100);
  sio_client_set_reconnection_delay_max (client, 500);
  return client;
}

void
sio_test_teardown (SioClient       *client,
                   SioTestRecorder *r,
                   SioTestServer   *server)
{
  if (client != NULL)
    {
      sio_client_close (client);
      g_assert_finalize_object (client);
    }
  sio_test_recorder_clear (r);
  sio_test_server_free (server);
}

void
sio_test_recorder_init (SioTestRecorder *r)
{
  memset (r, 0, sizeof *r);
  r->events = g_ptr_array_new_with_free_func (g_free);
  r->event_objects = g_ptr_array_new_with_free_func (g_object_unref);
}

void
sio_test_recorder_clear (SioTestRecorder *r)
{
  g_clear_pointer (&r->events, g_ptr_array_unref);
  g_clear_pointer (&r->event_objects, g_ptr_array_unref);
  g_clear_error (&r->connect_error);
  g_clear_pointer (&r->connect_error_data, json_node_unref);
}

void
sio_test_recorder_watch_socket (SioTestRecorder *r,
                                SioSocket       *socket)
{
  g_signal_connect (socket, "event", G_CALLBACK (on_event), r);
  g_signal_connect (socket, "connected", G_CALLBACK (on_connected), r);
  g_signal_connect (socket, "disconnected", G_CALLBACK (on_disconnected), r);
  g_signal_connect (socket, "connect-error", G_CALLBACK (on_connect_error), r);
}

void
sio_test_recorder_watch_client (SioTestRecorder *r,
                                SioClient       *client)
{
  sio_test_recorder_watch_socket (r, SIO_SOCKET (client));
  g_signal_connect (client, "reconnect-attempt", G_CALLBACK (on_reconnect_attempt), r);
  g_signal_connect (client, "reconnected", G_CALLBACK (on_reconnected), r);
  g_signal_connect (client, "reconnect-failed", G_CALLBACK (on_reconnect_failed), r);
}
