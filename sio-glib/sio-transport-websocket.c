/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "sio-private.h"

#include "sio-marshal.h"
#include "sio-transport-private.h"

typedef struct
{
  SioTransport             parent;
  /* cancels the handshake when closed before it completes */
  GCancellable            *cancellable;
  /* the open connection, NULL before the handshake */
  SoupWebsocketConnection *conn;
  /* the handshake is in flight and owns the struct until it returns */
  gboolean                 connecting;
  /* free() was called while connecting: the callback frees */
  gboolean                 free_pending;
  /* the first error libsoup reported, for the closed callback */
  GError                  *error;
  /* we asked to close: a close is not a loss */
  gboolean                 closing;
  /* the handshake request, for its HTTP status on failure */
  SoupMessage             *msg;
} SioTransportWebsocket;

static void websocket_free_now (SioTransportWebsocket *self);

static void
on_message (SoupWebsocketConnection *conn,
            gint                     type,
            GBytes                  *message,
            gpointer                 user_data)
{
  SioTransportWebsocket *self = user_data;
  SioTransport *transport = &self->parent;
  SioEnginePacket packet;
  g_autoptr(GError) error = NULL;

  if (transport->closed)
    return;

  /* libsoup refuses text messages that are not UTF-8 */
  if (!_sio_engine_packet_decode_ws_frame (transport->config.eio,
                                           type == SOUP_WEBSOCKET_DATA_BINARY,
                                           message, &packet, &error))
    {
      self->closing = TRUE;
      _sio_transport_emit_closed (transport, error);
      if (soup_websocket_connection_get_state (conn) == SOUP_WEBSOCKET_STATE_OPEN)
        soup_websocket_connection_close (conn, SOUP_WEBSOCKET_CLOSE_PROTOCOL_ERROR, NULL);
      return;
    }

  transport->callbacks->packet (transport, &packet, transport->user_data);
  _sio_engine_packet_clear (&packet);
}

/* libsoup's "message" signal has the generic marshaller, which calls every
 * handler through libffi: once per frame, so give our handler a C one. */
static void
connect_message_handler (SoupWebsocketConnection *conn,
                         SioTransportWebsocket   *self)
{
  GClosure *closure = g_cclosure_new (G_CALLBACK (on_message), self, NULL);

  g_closure_set_marshal (closure, _sio_marshal_VOID__INT_BOXED);
  g_signal_connect_closure (conn, "message", closure, FALSE);
}

static void
on_error (SoupWebsocketConnection *conn,
          GError                  *error,
          gpointer                 user_data)
{
  SioTransportWebsocket *self = user_data;

  if (self->error == NULL)
    self->error = g_error_copy (error);
}

static void
on_closed (SoupWebsocketConnection *conn,
           gpointer                 user_data)
{
  SioTransportWebsocket *self = user_data;
  SioTransport *transport = &self->parent;
  g_autoptr(GError) error = NULL;
  gushort code;

  if (transport->closed)
    return;

  code = soup_websocket_connection_get_close_code (conn);
  if (self->error != NULL)
    error = g_error_new (SIO_ERROR, SIO_ERROR_TRANSPORT,
                         _("The WebSocket connection failed: %s"),
                         self->error->message);
  else if (code == SOUP_WEBSOCKET_CLOSE_TOO_BIG)
    error = g_error_new (SIO_ERROR, SIO_ERROR_PAYLOAD_TOO_LARGE,
                         _("The WebSocket connection was closed because a message was too large"));
  else if (code != 0 && code != SOUP_WEBSOCKET_CLOSE_NORMAL &&
           code != SOUP_WEBSOCKET_CLOSE_GOING_AWAY &&
           code != SOUP_WEBSOCKET_CLOSE_NO_STATUS)
    error = g_error_new (SIO_ERROR, SIO_ERROR_TRANSPORT,
                         _("The server closed the WebSocket connection with code %u"),
                         code);

  _sio_transport_emit_closed (transport, error);
}

static void
on_connected (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  SioTransportWebsocket *self = user_data;
  SioTransport *transport = &self->parent;
  SoupMessage *msg = self->msg;
  g_autoptr(GError) error = NULL;
  SoupWebsocketConnection *conn;

  conn = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &error);
  self->connecting = FALSE;

  if (self->free_pending)
    {
      g_clear_object (&conn);
      websocket_free_now (self);
      return;
    }

  if (transport->closed)
    {
      g_clear_object (&conn);
      return;
    }

  if (conn == NULL)
    {
      g_autoptr(GError) wrapped = NULL;

      if (msg != NULL && soup_message_get_status (msg) >= 300)
        wrapped = g_error_new (SIO_ERROR, SIO_ERROR_TRANSPORT,
                               _("The server refused the WebSocket connection: HTTP %u %s"),
                               soup_message_get_status (msg),
                               soup_message_get_reason_phrase (msg) ? soup_message_get_reason_phrase (msg) : "");
      else
        wrapped = g_error_new (SIO_ERROR, SIO_ERROR_TRANSPORT,
                               _("Could not open a WebSocket connection: %s"),
                               error->message);
      _sio_transport_emit_closed (transport, wrapped);
      return;
    }

  self->conn = conn;
  soup_websocket_connection_set_keepalive_interval (conn, 0);
  soup_websocket_connection_set_max_incoming_payload_size (conn, transport->config.max_receive);
  connect_message_handler (conn, self);
  g_signal_connect (conn, "error", G_CALLBACK (on_error), self);
  g_signal_connect (conn, "closed", G_CALLBACK (on_closed), self);

  transport->callbacks->opened (transport, transport->user_data);
}

static void
websocket_open (SioTransport *transport)
{
  SioTransportWebsocket *self = (SioTransportWebsocket *) transport;
  g_autoptr(GUri) uri = _sio_transport_build_uri (transport, TRUE);
  g_autoptr(SoupMessage) msg = soup_message_new_from_uri (SOUP_METHOD_GET, uri);

  _sio_transport_apply_headers (transport, msg);
  g_set_object (&self->msg, msg);
  self->connecting = TRUE;
  if (_sio_trace_enabled ())
    {
      g_autofree char *text = g_uri_to_string_partial (uri, G_URI_HIDE_PASSWORD);
      SIO_TRACE ("websocket: connecting to %s", text);
    }
  soup_session_websocket_connect_async (transport->config.session, msg,
                                        NULL, NULL, G_PRIORITY_DEFAULT,
                                        self->cancellable, on_connected, self);
}

static void
websocket_send (SioTransport          *transport,
                const SioEnginePacket *packets,
                guint                  n_packets)
{
  SioTransportWebsocket *self = (SioTransportWebsocket *) transport;

  if (self->conn == NULL ||
      soup_websocket_connection_get_state (self->conn) != SOUP_WEBSOCKET_STATE_OPEN)
    return;

  for (guint i = 0; i < n_packets; i++)
    {
      gboolean binary = FALSE;
      g_autoptr(GBytes) frame = _sio_engine_packet_encode_frame (transport->config.eio,
                                                                 &packets[i], &binary);

      soup_websocket_connection_send_message (self->conn,
                                              binary ? SOUP_WEBSOCKET_DATA_BINARY : SOUP_WEBSOCKET_DATA_TEXT,
                                              frame);
    }
}

static void
on_closed_release (SoupWebsocketConnection *conn,
                   gpointer                 user_data)
{
  g_signal_handlers_disconnect_by_func (conn, on_closed_release, user_data);
  g_object_unref (conn);
}

static void
release_connection (SioTransportWebsocket *self)
{
  SoupWebsocketConnection *conn = g_steal_pointer (&self->conn);

  if (conn == NULL)
    return;

  g_signal_handlers_disconnect_by_data (conn, self);
  if (soup_websocket_connection_get_state (conn) == SOUP_WEBSOCKET_STATE_CLOSED)
    {
      g_object_unref (conn);
      return;
    }
  /* let the closing handshake finish; the connection keeps our ref until then */
  g_signal_connect (conn, "closed", G_CALLBACK (on_closed_release), NULL);
  if (soup_websocket_connection_get_state (conn) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (conn, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
}

static void
websocket_close (SioTransport *transport)
{
  SioTransportWebsocket *self = (SioTransportWebsocket *) transport;

  self->closing = TRUE;
  g_cancellable_cancel (self->cancellable);
  transport->closed = TRUE;
  release_connection (self);
}

static void
websocket_free_now (SioTransportWebsocket *self)
{
  release_connection (self);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->msg);
  g_clear_error (&self->error);
  _sio_transport_config_clear (&self->parent.config);
  g_free (self);
}

static void
websocket_free (SioTransport *transport)
{
  SioTransportWebsocket *self = (SioTransportWebsocket *) transport;

  transport->closed = TRUE;
  if (self->connecting)
    {
      self->free_pending = TRUE;
      g_cancellable_cancel (self->cancellable);
      return;
    }
  websocket_free_now (self);
}

static const SioTransportClass websocket_class = {
  .name = "websocket",
  .open = websocket_open,
  .send = websocket_send,
  .close = websocket_close,
  .free = websocket_free,
};

SioTransport *
_sio_transport_websocket_new (const SioTransportConfig    *config,
                              const SioTransportCallbacks *callbacks,
                              gpointer                     user_data)
{
  SioTransportWebsocket *self = g_new0 (SioTransportWebsocket, 1);

  _sio_transport_init (&self->parent, &websocket_class, config, callbacks, user_data);
  self->cancellable = g_cancellable_new ();
  return &self->parent;
}
