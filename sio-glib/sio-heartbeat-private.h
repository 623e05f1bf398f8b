/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The Engine.IO heartbeat as one explicit state machine (protocol.md §1.7).
 *
 *   v4 (server pings):   WAIT_PING --ping/pong--> WAIT_PING
 *                        WAIT_PING --deadline (interval+timeout)--> DEAD
 *   v3 (client pings):   IDLE --interval elapsed / send ping--> WAIT_PONG
 *                        WAIT_PONG --pong / schedule ping--> IDLE
 *                        any packet: deadline = now + interval + timeout
 *                        after a ping: deadline = now + timeout
 *                        IDLE|WAIT_PONG --deadline--> DEAD
 *
 * One GSource on the owner's GMainContext, re-armed with a ready time
 * (no source is created per packet). Deadlines are kept in both monotonic
 * and wall-clock time so that a suspend/resume (monotonic time stops,
 * wall time does not) is noticed by _sio_heartbeat_check().
 */
#pragma once

#include <glib.h>

#include "sio-engine-packet-private.h"

G_BEGIN_DECLS

typedef enum
{
  SIO_HEARTBEAT_STOPPED,
  SIO_HEARTBEAT_WAIT_PING,
  SIO_HEARTBEAT_IDLE,
  SIO_HEARTBEAT_WAIT_PONG,
  SIO_HEARTBEAT_DEAD,
} SioHeartbeatState;

typedef struct
{
  /* v3: send a ping packet now */
  void (*send_ping) (gpointer user_data);
  /* v4: answer the server's ping now */
  void (*send_pong) (gpointer user_data);
  /* the link is dead; the machine is in DEAD and will do nothing more */
  void (*timeout)   (gpointer user_data);
  /* optional, v3: a pong came back, @rtt_ms after our ping */
  void (*rtt)       (gpointer user_data, gint64 rtt_ms);
} SioHeartbeatActions;

typedef struct _SioHeartbeat SioHeartbeat;

SioHeartbeat      *_sio_heartbeat_new      (guint                      eio,
                                            guint                      ping_interval_ms,
                                            guint                      ping_timeout_ms,
                                            GMainContext              *context,
                                            const SioHeartbeatActions *actions,
                                            gpointer                   user_data);
void               _sio_heartbeat_free     (SioHeartbeat              *heartbeat);
void               _sio_heartbeat_start    (SioHeartbeat              *heartbeat);
void               _sio_heartbeat_stop     (SioHeartbeat              *heartbeat);
void               _sio_heartbeat_received (SioHeartbeat              *heartbeat,
                                            SioEnginePacketType        type);
/* Checks the deadline now (before an emit, after a resume); may call
 * actions->timeout. Returns FALSE when the link is dead. */
gboolean           _sio_heartbeat_check    (SioHeartbeat              *heartbeat);
SioHeartbeatState  _sio_heartbeat_get_state (SioHeartbeat             *heartbeat);
/* Round trip of the last v3 ping, or time between ping and our pong (v4): ms, -1 unknown */
gint64             _sio_heartbeat_get_rtt  (SioHeartbeat              *heartbeat);

G_END_DECLS
