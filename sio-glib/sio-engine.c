/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "sio-private.h"

#include "sio-engine-private.h"
#include "sio-heartbeat-private.h"
#include "sio-transport-private.h"

typedef enum
{
  ENGINE_NEW,
  ENGINE_OPENING,
  ENGINE_OPEN,
  ENGINE_CLOSED,
} EngineState;

struct _SioEngine
{
  GObject                   parent_instance;

  /* what to connect to and how */
  SioEngineConfig           config;
  const SioEngineCallbacks *callbacks;
  gpointer                  user_data;
  EngineState               state;
  /* index in config.transports of the transport being tried */
  guint                     transport_index;
  SioTransport             *transport;
  /* handshake data */
  SioHandshake              handshake;
  SioHeartbeat             *heartbeat;
  /* fails the opening after config.connect_timeout_ms */
  GSource                  *connect_timeout;
  /* why the first transport failed: reported if every other one fails too */
  GError                   *first_error;
};

G_DEFINE_FINAL_TYPE (SioEngine, _sio_engine, G_TYPE_OBJECT)

static void try_transport (SioEngine *self);

static gboolean
free_transport_cb (gpointer data)
{
  _sio_transport_free (data);
  return G_SOURCE_REMOVE;
}

/* Transports are freed from an idle: we may be inside one of their callbacks. */
static void
drop_transport (SioEngine *self)
{
  SioTransport *transport = g_steal_pointer (&self->transport);
  GSource *source;

  if (transport == NULL)
    return;
  _sio_transport_close (transport);
  source = g_idle_source_new ();
  g_source_set_static_name (source, "[sio-glib] free transport");
  g_source_set_callback (source, free_transport_cb, transport, NULL);
  g_source_attach (source, self->config.context);
  g_source_unref (source);
}

static void
stop_timers (SioEngine *self)
{
  if (self->connect_timeout != NULL)
    {
      g_source_destroy (self->connect_timeout);
      g_clear_pointer (&self->connect_timeout, g_source_unref);
    }
  g_clear_pointer (&self->heartbeat, _sio_heartbeat_free);
}

static void
fail (SioEngine           *self,
      SioDisconnectReason  reason,
      const GError        *error)
{
  if (self->state == ENGINE_CLOSED)
    return;

  SIO_TRACE ("engine: closed (reason %d): %s", reason,
             error != NULL ? error->message : "no error");
  self->state = ENGINE_CLOSED;
  stop_timers (self);
  drop_transport (self);

  g_object_ref (self);
  self->callbacks->closed (self, reason, error, self->user_data);
  g_object_unref (self);
}

static void
send_control (SioEngine           *self,
              SioEnginePacketType  type)
{
  SioEnginePacket packet;

  _sio_engine_packet_init (&packet, type, FALSE, NULL);
  SIO_TRACE ("engine: send %s", type == SIO_ENGINE_PACKET_PING ? "ping" : "pong");
  _sio_transport_send (self->transport, &packet, 1);
  _sio_engine_packet_clear (&packet);
}

static void
heartbeat_send_ping (gpointer user_data)
{
  send_control (user_data, SIO_ENGINE_PACKET_PING);
}

static void
heartbeat_send_pong (gpointer user_data)
{
  send_control (user_data, SIO_ENGINE_PACKET_PONG);
}

static void
heartbeat_timeout (gpointer user_data)
{
  SioEngine *self = user_data;
  g_autoptr(GError) error = NULL;

  error = g_error_new (SIO_ERROR, SIO_ERROR_TIMEOUT,
                       _("The server stopped answering (no heartbeat for %u ms)"),
                       self->handshake.ping_interval + self->handshake.ping_timeout);
  fail (self, SIO_DISCONNECT_REASON_PING_TIMEOUT, error);
}

static const SioHeartbeatActions heartbeat_actions = {
  .send_ping = heartbeat_send_ping,
  .send_pong = heartbeat_send_pong,
  .timeout = heartbeat_timeout,
};

static void
handle_handshake (SioEngine       *self,
                  SioEnginePacket *packet)
{
  g_autoptr(GError) error = NULL;
  gsize len;
  const char *data;

  if (packet->type != SIO_ENGINE_PACKET_OPEN || packet->binary)
    {
      error = g_error_new (SIO_ERROR, SIO_ERROR_PROTOCOL,
                           _("The server did not start with an Engine.IO handshake"));
      fail (self, SIO_DISCONNECT_REASON_PARSE_ERROR, error);
      return;
    }

  data = g_bytes_get_data (packet->data, &len);
  if (!_sio_handshake_parse (data, len, &self->handshake, &error))
    {
      fail (self, SIO_DISCONNECT_REASON_PARSE_ERROR, error);
      return;
    }

  SIO_TRACE ("engine: open sid=%s pingInterval=%u pingTimeout=%u maxPayload=%" G_GUINT64_FORMAT,
             self->handshake.sid, self->handshake.ping_interval,
             self->handshake.ping_timeout, self->handshake.max_payload);

  if (self->connect_timeout != NULL)
    {
      g_source_destroy (self->connect_timeout);
      g_clear_pointer (&self->connect_timeout, g_source_unref);
    }

  self->state = ENGINE_OPEN;
  self->heartbeat = _sio_heartbeat_new (self->config.eio,
                                        self->handshake.ping_interval,
                                        self->handshake.ping_timeout,
                                        self->config.context,
                                        &heartbeat_actions, self);
  _sio_heartbeat_start (self->heartbeat);

  self->callbacks->opened (self, self->user_data);
}

static void
transport_opened (SioTransport *transport,
                  gpointer      user_data)
{
  /* WebSocket: the handshake is the first frame; nothing to do yet */
}

static void
transport_packet (SioTransport    *transport,
                  SioEnginePacket *packet,
                  gpointer         user_data)
{
  SioEngine *self = user_data;

  if (transport != self->transport)
    return;

  if (self->state == ENGINE_OPENING)
    {
      g_object_ref (self);
      handle_handshake (self, packet);
      g_object_unref (self);
      return;
    }

  if (self->state != ENGINE_OPEN)
    return;

  _sio_heartbeat_received (self->heartbeat, packet->type);

  switch (packet->type)
    {
    case SIO_ENGINE_PACKET_MESSAGE:
      self->callbacks->message (self, packet, self->user_data);
      break;

    case SIO_ENGINE_PACKET_CLOSE:
      fail (self, SIO_DISCONNECT_REASON_TRANSPORT_CLOSE, NULL);
      break;

    case SIO_ENGINE_PACKET_OPEN:
    case SIO_ENGINE_PACKET_PING:
    case SIO_ENGINE_PACKET_PONG:
    case SIO_ENGINE_PACKET_UPGRADE:
    case SIO_ENGINE_PACKET_NOOP:
    default:
      /* heartbeat handled above; a second open, stray upgrade or noop is ignored */
      break;
    }
}

static void
transport_closed (SioTransport *transport,
                  const GError *error,
                  gpointer      user_data)
{
  SioEngine *self = user_data;

  if (transport != self->transport)
    return;

  if (self->state == ENGINE_OPENING &&
      self->config.transports[self->transport_index] != NULL &&
      self->config.transports[self->transport_index + 1] != NULL)
    {
      SIO_TRACE ("engine: transport %s failed (%s), trying the next",
                 _sio_transport_get_name (transport),
                 error != NULL ? error->message : "closed");
      if (self->first_error == NULL && error != NULL)
        self->first_error = g_error_copy (error);
      drop_transport (self);
      self->transport_index++;
      try_transport (self);
      return;
    }

  if (self->state == ENGINE_OPENING && self->first_error != NULL)
    error = self->first_error;

  if (error == NULL)
    fail (self, SIO_DISCONNECT_REASON_TRANSPORT_CLOSE, NULL);
  else if (g_error_matches (error, SIO_ERROR, SIO_ERROR_PROTOCOL))
    fail (self, SIO_DISCONNECT_REASON_PARSE_ERROR, error);
  else
    fail (self, SIO_DISCONNECT_REASON_TRANSPORT_ERROR, error);
}

static const SioTransportCallbacks transport_callbacks = {
  .opened = transport_opened,
  .packet = transport_packet,
  .closed = transport_closed,
};

static void
try_transport (SioEngine *self)
{
  const char *name = self->config.transports[self->transport_index];
  SioTransportConfig tc = {
    .session = self->config.session,
    .base_uri = self->config.base_uri,
    .headers = self->config.headers,
    .eio = self->config.eio,
    .sid = NULL,
    .max_receive = self->config.max_receive,
    .context = self->config.context,
  };

  if (g_strcmp0 (name, "polling") == 0)
    self->transport = _sio_transport_polling_new (&tc, &transport_callbacks, self);
  else
    self->transport = _sio_transport_websocket_new (&tc, &transport_callbacks, self);

  _sio_transport_open (self->transport);
}

static gboolean
on_connect_timeout (gpointer user_data)
{
  SioEngine *self = user_data;
  g_autoptr(GError) error = NULL;

  g_clear_pointer (&self->connect_timeout, g_source_unref);
  error = g_error_new (SIO_ERROR, SIO_ERROR_TIMEOUT,
                       _("Timed out after %u ms waiting for the server to accept the connection"),
                       self->config.connect_timeout_ms);
  fail (self, SIO_DISCONNECT_REASON_TRANSPORT_ERROR, error);
  return G_SOURCE_REMOVE;
}

void
_sio_engine_open (SioEngine *self)
{
  g_return_if_fail (self->state == ENGINE_NEW);

  self->state = ENGINE_OPENING;
  if (self->config.connect_timeout_ms > 0)
    {
      self->connect_timeout = g_timeout_source_new (self->config.connect_timeout_ms);
      g_source_set_static_name (self->connect_timeout, "[sio-glib] connect timeout");
      g_source_set_callback (self->connect_timeout, on_connect_timeout, self, NULL);
      g_source_attach (self->connect_timeout, self->config.context);
    }
  try_transport (self);
}

void
_sio_engine_send (SioEngine             *self,
                  const SioEnginePacket *packets,
                  guint                  n_packets)
{
  if (self->state != ENGINE_OPEN)
    return;
  _sio_transport_send (self->transport, packets, n_packets);
}

void
_sio_engine_close (SioEngine *self)
{
  if (self->state == ENGINE_CLOSED)
    return;
  self->state = ENGINE_CLOSED;
  stop_timers (self);
  drop_transport (self);
}

gboolean
_sio_engine_is_open (SioEngine *self)
{
  return self->state == ENGINE_OPEN;
}

gboolean
_sio_engine_check_alive (SioEngine *self)
{
  if (self->state != ENGINE_OPEN)
    return FALSE;
  return _sio_heartbeat_check (self->heartbeat);
}

const char *
_sio_engine_get_sid (SioEngine *self)
{
  return self->handshake.sid;
}

const char *
_sio_engine_get_transport_name (SioEngine *self)
{
  if (self->state != ENGINE_OPEN || self->transport == NULL)
    return NULL;
  return _sio_transport_get_name (self->transport);
}

guint64
_sio_engine_get_max_payload (SioEngine *self)
{
  return self->handshake.max_payload;
}

gint64
_sio_engine_get_rtt (SioEngine *self)
{
  return self->heartbeat != NULL ? _sio_heartbeat_get_rtt (self->heartbeat) : -1;
}

static void
_sio_engine_finalize (GObject *object)
{
  SioEngine *self = SIO_ENGINE (object);

  stop_timers (self);
  if (self->transport != NULL)
    {
      _sio_transport_close (self->transport);
      g_clear_pointer (&self->transport, _sio_transport_free);
    }
  _sio_handshake_clear (&self->handshake);
  g_clear_error (&self->first_error);
  g_clear_object (&self->config.session);
  g_clear_pointer (&self->config.base_uri, g_uri_unref);
  g_clear_pointer (&self->config.headers, g_ptr_array_unref);
  g_clear_pointer (&self->config.transports, g_strfreev);
  g_clear_pointer (&self->config.context, g_main_context_unref);

  G_OBJECT_CLASS (_sio_engine_parent_class)->finalize (object);
}

static void
_sio_engine_class_init (SioEngineClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = _sio_engine_finalize;
}

static void
_sio_engine_init (SioEngine *self)
{
}

SioEngine *
_sio_engine_new (const SioEngineConfig    *config,
                 const SioEngineCallbacks *callbacks,
                 gpointer                  user_data)
{
  SioEngine *self = g_object_new (SIO_TYPE_ENGINE, NULL);
  static const char *default_transports[] = { "websocket", NULL };

  self->config.session = g_object_ref (config->session);
  self->config.base_uri = g_uri_ref (config->base_uri);
  self->config.headers = config->headers != NULL ? g_ptr_array_ref (config->headers) : NULL;
  self->config.eio = config->eio;
  self->config.transports = g_strdupv (config->transports != NULL && config->transports[0] != NULL
                                       ? config->transports : (char **) default_transports);
  self->config.upgrade = config->upgrade;
  self->config.connect_timeout_ms = config->connect_timeout_ms;
  self->config.max_receive = config->max_receive;
  self->config.context = g_main_context_ref (config->context);
  self->callbacks = callbacks;
  self->user_data = user_data;

  return self;
}
