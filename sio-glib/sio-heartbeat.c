/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "sio-private.h"

#include "sio-heartbeat-private.h"

struct _SioHeartbeat
{
  /* protocol revision: 3 = client pings, 4 = server pings */
  guint                      eio;
  /* from the handshake, in microseconds */
  gint64                     interval;
  gint64                     timeout;
  SioHeartbeatState          state;
  /* monotonic and wall-clock deadlines of the liveness check */
  gint64                     dead_at;
  gint64                     dead_at_wall;
  /* v3: when to send the next ping (monotonic) */
  gint64                     ping_at;
  /* v3: when the last ping left (monotonic), for the round trip */
  gint64                     ping_sent_at;
  gint64                     rtt;
  /* the one timer, re-armed with g_source_set_ready_time */
  GSource                   *source;
  const SioHeartbeatActions *actions;
  gpointer                   user_data;
};

static void
rearm (SioHeartbeat *self)
{
  gint64 when;

  if (self->state == SIO_HEARTBEAT_STOPPED || self->state == SIO_HEARTBEAT_DEAD)
    {
      g_source_set_ready_time (self->source, -1);
      return;
    }

  when = self->dead_at;
  if (self->state == SIO_HEARTBEAT_IDLE && self->ping_at < when)
    when = self->ping_at;
  g_source_set_ready_time (self->source, when);
}

static void
set_deadline (SioHeartbeat *self,
              gint64        delay)
{
  self->dead_at = g_get_monotonic_time () + delay;
  self->dead_at_wall = g_get_real_time () + delay;
}

static gboolean
expired (SioHeartbeat *self)
{
  /* Monotonic time stands still during a suspend: the wall clock tells
   * how long we really slept. */
  return g_get_monotonic_time () >= self->dead_at ||
         g_get_real_time () >= self->dead_at_wall;
}

static void
die (SioHeartbeat *self)
{
  self->state = SIO_HEARTBEAT_DEAD;
  rearm (self);
  self->actions->timeout (self->user_data);
}

static gboolean
on_timer (gpointer user_data)
{
  SioHeartbeat *self = user_data;

  if (expired (self))
    {
      die (self);
      return G_SOURCE_CONTINUE;
    }

  if (self->state == SIO_HEARTBEAT_IDLE &&
      g_get_monotonic_time () >= self->ping_at)
    {
      self->state = SIO_HEARTBEAT_WAIT_PONG;
      self->ping_sent_at = g_get_monotonic_time ();
      /* the reference client expects an answer within pingTimeout */
      set_deadline (self, self->timeout);
      rearm (self);
      self->actions->send_ping (self->user_data);
      return G_SOURCE_CONTINUE;
    }

  rearm (self);
  return G_SOURCE_CONTINUE;
}

static gboolean
heartbeat_source_dispatch (GSource     *source,
                           GSourceFunc  callback,
                           gpointer     user_data)
{
  return callback (user_data);
}

static GSourceFuncs heartbeat_source_funcs = {
  .dispatch = heartbeat_source_dispatch,
};

SioHeartbeat *
_sio_heartbeat_new (guint                      eio,
                    guint                      ping_interval_ms,
                    guint                      ping_timeout_ms,
                    GMainContext              *context,
                    const SioHeartbeatActions *actions,
                    gpointer                   user_data)
{
  SioHeartbeat *self = g_new0 (SioHeartbeat, 1);

  self->eio = eio;
  self->interval = (gint64) ping_interval_ms * 1000;
  self->timeout = (gint64) ping_timeout_ms * 1000;
  self->state = SIO_HEARTBEAT_STOPPED;
  self->rtt = -1;
  self->actions = actions;
  self->user_data = user_data;
  self->source = g_source_new (&heartbeat_source_funcs, sizeof (GSource));
  g_source_set_static_name (self->source, "[sio-glib] heartbeat");
  g_source_set_callback (self->source, on_timer, self, NULL);
  g_source_set_ready_time (self->source, -1);
  g_source_attach (self->source, context);

  return self;
}

void
_sio_heartbeat_free (SioHeartbeat *self)
{
  if (self == NULL)
    return;
  g_source_destroy (self->source);
  g_source_unref (self->source);
  g_free (self);
}

void
_sio_heartbeat_start (SioHeartbeat *self)
{
  set_deadline (self, self->interval + self->timeout);
  if (self->eio >= 4)
    {
      self->state = SIO_HEARTBEAT_WAIT_PING;
    }
  else
    {
      self->state = SIO_HEARTBEAT_IDLE;
      self->ping_at = g_get_monotonic_time () + self->interval;
    }
  rearm (self);
}

void
_sio_heartbeat_stop (SioHeartbeat *self)
{
  self->state = SIO_HEARTBEAT_STOPPED;
  rearm (self);
}

void
_sio_heartbeat_received (SioHeartbeat        *self,
                         SioEnginePacketType  type)
{
  gboolean measured = FALSE;

  switch (self->state)
    {
    case SIO_HEARTBEAT_WAIT_PING:
      if (type == SIO_ENGINE_PACKET_PING)
        {
          set_deadline (self, self->interval + self->timeout);
          rearm (self);
          self->actions->send_pong (self->user_data);
        }
      break;

    case SIO_HEARTBEAT_WAIT_PONG:
      if (type == SIO_ENGINE_PACKET_PONG)
        {
          self->rtt = (g_get_monotonic_time () - self->ping_sent_at) / 1000;
          self->state = SIO_HEARTBEAT_IDLE;
          self->ping_at = g_get_monotonic_time () + self->interval;
          measured = TRUE;
        }
      G_GNUC_FALLTHROUGH;
    case SIO_HEARTBEAT_IDLE:
      /* v3: any packet shows the server is alive */
      set_deadline (self, self->interval + self->timeout);
      rearm (self);
      break;

    case SIO_HEARTBEAT_STOPPED:
    case SIO_HEARTBEAT_DEAD:
    default:
      break;
    }

  /* last: the owner may free us from its callback */
  if (measured && self->actions->rtt != NULL)
    self->actions->rtt (self->user_data, self->rtt);
}

gboolean
_sio_heartbeat_check (SioHeartbeat *self)
{
  if (self->state == SIO_HEARTBEAT_DEAD)
    return FALSE;
  if (self->state == SIO_HEARTBEAT_STOPPED)
    return TRUE;
  if (expired (self))
    {
      die (self);
      return FALSE;
    }
  return TRUE;
}

SioHeartbeatState
_sio_heartbeat_get_state (SioHeartbeat *self)
{
  return self->state;
}

gint64
_sio_heartbeat_get_rtt (SioHeartbeat *self)
{
  return self->rtt;
}
