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
  /* a WebSocket failed to open in this session: do not probe for it */
  gboolean                  websocket_failed;
  /* upgrade (§1.8): the WebSocket being probed, NULL when none is */
  SioTransport             *probe;
  /* gives up a probe that does not answer */
  GSource                  *probe_timeout;
  /* the current transport is pausing for the switch to the probe */
  gboolean                  pausing;
  /* what we send while pausing, for the new transport */
  GArray                   *upgrade_queue;
};

G_DEFINE_FINAL_TYPE (SioEngine, _sio_engine, G_TYPE_OBJECT)

static void try_transport    (SioEngine    *self);
static void transport_paused (SioTransport *transport,
                              gpointer      user_data);
static void start_probe      (SioEngine    *self);
static gboolean wants_upgrade (SioEngine   *self);

static gboolean
free_transport_cb (gpointer data)
{
  _sio_transport_free (data);
  return G_SOURCE_REMOVE;
}

/* Transports are freed from an idle: we may be inside one of their callbacks. */
static void free_transport_later (SioEngine    *self,
                                  SioTransport *transport,
                                  gboolean      discard);

/* What a transport of this session needs; @sid joins an open session. The
 * pointers are borrowed: transports copy what they keep. */
static SioTransportConfig
transport_config (SioEngine  *self,
                  const char *sid)
{
  SioTransportConfig tc = {
    .session = self->config.session,
    .base_uri = self->config.base_uri,
    .headers = self->config.headers,
    .eio = self->config.eio,
    .sid = (char *) sid,
    .max_receive = self->config.max_receive,
    .context = self->config.context,
  };

  return tc;
}

/* Stops a timer of add_timeout() (if any) and forgets it. */
static void
drop_timeout (GSource **source)
{
  if (*source == NULL)
    return;
  g_source_destroy (*source);
  g_clear_pointer (source, g_source_unref);
}

/* A timer of this session, attached to its context. */
static GSource *
add_timeout (SioEngine   *self,
             guint        ms,
             const char  *name,
             GSourceFunc  func)
{
  GSource *source = g_timeout_source_new (ms);

  g_source_set_static_name (source, name);
  g_source_set_callback (source, func, self, NULL);
  g_source_attach (source, self->config.context);
  return source;
}

static void
drop_transport (SioEngine *self)
{
  SioTransport *transport = g_steal_pointer (&self->transport);

  if (transport != NULL)
    free_transport_later (self, transport, FALSE);
}

static void
free_transport_later (SioEngine    *self,
                      SioTransport *transport,
                      gboolean      discard)
{
  GSource *source;

  if (discard)
    _sio_transport_discard (transport);
  else
    _sio_transport_close (transport);
  source = g_idle_source_new ();
  g_source_set_static_name (source, "[sio-glib] free transport");
  g_source_set_callback (source, free_transport_cb, transport, NULL);
  g_source_attach (source, self->config.context);
  g_source_unref (source);
}

static void
stop_probe (SioEngine *self)
{
  SioTransport *probe = g_steal_pointer (&self->probe);

  drop_timeout (&self->probe_timeout);
  if (probe != NULL)
    free_transport_later (self, probe, FALSE);
}

static void
stop_timers (SioEngine *self)
{
  drop_timeout (&self->connect_timeout);
  g_clear_pointer (&self->heartbeat, _sio_heartbeat_free);
  stop_probe (self);
  self->pausing = FALSE;
  g_array_set_size (self->upgrade_queue, 0);
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

/* Everything we send goes through here: while the transport pauses for an
 * upgrade, packets wait and go out, in order, on the new transport. */
static void
send_packets (SioEngine             *self,
              const SioEnginePacket *packets,
              guint                  n_packets)
{
  if (self->pausing)
    {
      for (guint i = 0; i < n_packets; i++)
        {
          SioEnginePacket copy;

          _sio_engine_packet_init (&copy, packets[i].type, packets[i].binary, packets[i].data);
          g_array_append_val (self->upgrade_queue, copy);
        }
      return;
    }
  _sio_transport_send (self->transport, packets, n_packets);
}

static void
send_control (SioEngine           *self,
              SioEnginePacketType  type)
{
  SioEnginePacket packet;

  _sio_engine_packet_init (&packet, type, FALSE, NULL);
  SIO_TRACE ("engine: send %s", type == SIO_ENGINE_PACKET_PING ? "ping" : "pong");
  send_packets (self, &packet, 1);
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

static void
heartbeat_rtt (gpointer user_data,
               gint64   rtt_ms)
{
  SioEngine *self = user_data;

  if (self->callbacks->rtt != NULL)
    self->callbacks->rtt (self, rtt_ms, self->user_data);
}

static const SioHeartbeatActions heartbeat_actions = {
  .send_ping = heartbeat_send_ping,
  .send_pong = heartbeat_send_pong,
  .timeout = heartbeat_timeout,
  .rtt = heartbeat_rtt,
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

  drop_timeout (&self->connect_timeout);

  self->state = ENGINE_OPEN;
  self->heartbeat = _sio_heartbeat_new (self->config.eio,
                                        self->handshake.ping_interval,
                                        self->handshake.ping_timeout,
                                        self->config.context,
                                        &heartbeat_actions, self);
  _sio_heartbeat_start (self->heartbeat);

  self->callbacks->opened (self, self->user_data);

  if (self->state == ENGINE_OPEN && self->probe == NULL && wants_upgrade (self))
    start_probe (self);
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
      if (g_strcmp0 (_sio_transport_get_name (transport), "websocket") == 0)
        self->websocket_failed = TRUE;
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
  .paused = transport_paused,
};

/* ---- upgrade (§1.8) ---------------------------------------------------
 *
 * Over polling, when the server offers "websocket": open a WebSocket with
 * the same sid, send "2probe", wait for "3probe", pause polling (the GET in
 * flight comes back, queued packets are posted), send "5" (upgrade) on the
 * WebSocket and go on there with what was sent while pausing. Any failure
 * before the switch leaves the session on polling, as if nothing happened.
 */

static const SioTransportCallbacks probe_callbacks;

static void
flush_upgrade_queue (SioEngine *self)
{
  if (self->upgrade_queue->len == 0)
    return;
  _sio_transport_send (self->transport,
                       (const SioEnginePacket *) (gconstpointer) self->upgrade_queue->data,
                       self->upgrade_queue->len);
  g_array_set_size (self->upgrade_queue, 0);
}

static void
abandon_probe (SioEngine  *self,
               const char *why)
{
  SIO_TRACE ("engine: upgrade abandoned: %s", why);
  stop_probe (self);
  /* one try per session, as the reference client: a proxy that blocks
   * WebSocket blocks it the next time too */
  self->websocket_failed = TRUE;
  if (self->pausing)
    {
      self->pausing = FALSE;
      _sio_transport_pause (self->transport, FALSE);
      flush_upgrade_queue (self);
    }
}

static gboolean
on_probe_timeout (gpointer user_data)
{
  SioEngine *self = user_data;

  g_clear_pointer (&self->probe_timeout, g_source_unref);
  abandon_probe (self, "no answer in time");
  return G_SOURCE_REMOVE;
}

static void
finish_upgrade (SioEngine *self)
{
  SioTransport *old = self->transport;
  SioEnginePacket upgrade;

  drop_timeout (&self->probe_timeout);
  self->transport = g_steal_pointer (&self->probe);
  self->transport->callbacks = &transport_callbacks;
  self->pausing = FALSE;

  SIO_TRACE ("engine: upgraded to %s (%u packet(s) waited)",
             _sio_transport_get_name (self->transport), self->upgrade_queue->len);
  _sio_engine_packet_init (&upgrade, SIO_ENGINE_PACKET_UPGRADE, FALSE, NULL);
  _sio_transport_send (self->transport, &upgrade, 1);
  _sio_engine_packet_clear (&upgrade);
  flush_upgrade_queue (self);

  /* the server ends the polling side itself */
  free_transport_later (self, old, TRUE);

  if (self->callbacks->upgraded != NULL)
    self->callbacks->upgraded (self, self->user_data);
}

static void
probe_opened (SioTransport *transport,
              gpointer      user_data)
{
  SioEngine *self = user_data;
  g_autoptr(GBytes) data = NULL;
  SioEnginePacket ping;

  if (transport != self->probe)
    return;
  data = g_bytes_new_static ("probe", 5);
  _sio_engine_packet_init (&ping, SIO_ENGINE_PACKET_PING, FALSE, data);
  SIO_TRACE ("engine: probe open, send ping probe");
  _sio_transport_send (transport, &ping, 1);
  _sio_engine_packet_clear (&ping);
}

static void
probe_packet (SioTransport    *transport,
              SioEnginePacket *packet,
              gpointer         user_data)
{
  SioEngine *self = user_data;
  gsize len = 0;
  const char *data;

  if (transport != self->probe || self->pausing)
    return;

  data = packet->data != NULL ? g_bytes_get_data (packet->data, &len) : NULL;
  if (packet->type != SIO_ENGINE_PACKET_PONG || packet->binary ||
      len != 5 || memcmp (data, "probe", 5) != 0)
    {
      abandon_probe (self, "unexpected answer to the probe");
      return;
    }

  SIO_TRACE ("engine: probe answered, pausing %s", _sio_transport_get_name (self->transport));
  self->pausing = TRUE;
  g_object_ref (self);
  if (!_sio_transport_pause (self->transport, TRUE))
    abandon_probe (self, "the transport cannot pause");
  g_object_unref (self);
}

static void
probe_closed (SioTransport *transport,
              const GError *error,
              gpointer      user_data)
{
  SioEngine *self = user_data;

  if (transport != self->probe)
    return;
  abandon_probe (self, error != NULL ? error->message : "closed");
}

static void
transport_paused (SioTransport *transport,
                  gpointer      user_data)
{
  SioEngine *self = user_data;

  if (transport != self->transport || !self->pausing || self->probe == NULL)
    return;
  finish_upgrade (self);
}

static const SioTransportCallbacks probe_callbacks = {
  .opened = probe_opened,
  .packet = probe_packet,
  .closed = probe_closed,
};

static gboolean
wants_upgrade (SioEngine *self)
{
  const char * const *transports = (const char * const *) self->config.transports;

  return self->config.upgrade && !self->websocket_failed &&
         g_strcmp0 (_sio_transport_get_name (self->transport), "polling") == 0 &&
         g_strv_contains (transports, "websocket") &&
         self->handshake.upgrades != NULL &&
         g_strv_contains ((const char * const *) self->handshake.upgrades, "websocket");
}

static void
start_probe (SioEngine *self)
{
  SioTransportConfig tc = transport_config (self, self->handshake.sid);

  SIO_TRACE ("engine: probing websocket for sid %s", self->handshake.sid);
  self->probe = _sio_transport_websocket_new (&tc, &probe_callbacks, self);
  if (self->config.connect_timeout_ms > 0)
    {
      self->probe_timeout = add_timeout (self, self->config.connect_timeout_ms,
                                         "[sio-glib] upgrade probe timeout", on_probe_timeout);
    }
  _sio_transport_open (self->probe);
}

static void
try_transport (SioEngine *self)
{
  const char *name = self->config.transports[self->transport_index];
  SioTransportConfig tc = transport_config (self, NULL);

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
      self->connect_timeout = add_timeout (self, self->config.connect_timeout_ms,
                                           "[sio-glib] connect timeout", on_connect_timeout);
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
  send_packets (self, packets, n_packets);
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
  g_clear_pointer (&self->upgrade_queue, g_array_unref);
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
  self->upgrade_queue = g_array_new (FALSE, TRUE, sizeof (SioEnginePacket));
  g_array_set_clear_func (self->upgrade_queue, (GDestroyNotify) _sio_engine_packet_clear);
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
