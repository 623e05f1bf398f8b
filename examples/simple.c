/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A minimal sio-glib program: connects, prints events, emits with an ack,
 * sends binary, and quits after a few seconds.
 *
 *   node examples/server/server.js --port 3000 &
 *   _build/examples/simple http://127.0.0.1:3000
 */
#include <sio-glib/sio-glib.h>

static void
on_connected (SioSocket *socket,
              gpointer   user_data)
{
  g_print ("connected as %s\n", sio_socket_get_id (socket));
}

static void
on_event (SioSocket *socket,
          SioEvent  *event,
          gpointer   user_data)
{
  g_autofree char *args = sio_event_get_args_json (event);

  g_print ("event %s %s (%u attachments)\n", sio_event_get_name (event), args,
           sio_event_get_n_attachments (event));
}

static void
on_pong (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonArray) reply = sio_socket_emit_with_ack_finish (SIO_SOCKET (source), result, &error);

  if (reply == NULL)
    g_print ("no ack: %s\n", error->message);
  else
    g_print ("ack: %s\n", json_array_get_string_element (reply, 0));
}

static void
on_disconnected (SioSocket           *socket,
                 SioDisconnectReason  reason,
                 gpointer             user_data)
{
  g_print ("disconnected (%d)\n", reason);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(SioClient) client = sio_client_new (argc > 1 ? argv[1] : "http://127.0.0.1:3000");
  SioSocket *socket = SIO_SOCKET (client);
  g_autoptr(JsonArray) args = json_array_new ();
  g_autoptr(GBytes) data = g_bytes_new_static ("\x01\x02\x03", 3);
  g_autoptr(JsonNode) placeholder = json_from_string ("{\"_placeholder\":true,\"num\":0}", NULL);
  g_autoptr(JsonArray) binary_args = json_array_new ();
  GBytes *attachments[] = { data };

  g_signal_connect (client, "connected", G_CALLBACK (on_connected), NULL);
  g_signal_connect (client, "disconnected", G_CALLBACK (on_disconnected), NULL);
  g_signal_connect (client, "event", G_CALLBACK (on_event), NULL);

  /* emits made before the connection are buffered and sent in order */
  sio_socket_open (socket);
  sio_socket_emit_json (socket, "chat", "[\"hello from C\"]", NULL);

  json_array_add_int_element (args, 1);
  sio_socket_emit_with_ack (socket, "ping", args, NULL, on_pong, NULL);

  json_array_add_element (binary_args, json_node_ref (placeholder));
  sio_socket_emit_full (socket, "chat", binary_args, attachments, 1,
                        SIO_EMIT_NONE, 0, NULL, NULL, NULL);

  g_timeout_add_seconds (3, (GSourceFunc) g_main_loop_quit, loop);
  g_main_loop_run (loop);

  sio_client_close (client);
  return 0;
}
