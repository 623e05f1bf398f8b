/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * SioEngine: one Engine.IO session. Opens a transport (trying the
 * configured ones in order), waits for the handshake within the connect
 * timeout, runs the heartbeat, and reports messages and the end of the
 * session. It knows nothing of namespaces, acks or reconnection.
 */
#pragma once

#include <glib-object.h>
#include <libsoup/soup.h>

#include "sio-enums.h"
#include "sio-engine-packet-private.h"

G_BEGIN_DECLS

#define SIO_TYPE_ENGINE (_sio_engine_get_type ())
G_DECLARE_FINAL_TYPE (SioEngine, _sio_engine, SIO, ENGINE, GObject)

typedef struct
{
  /* the handshake completed */
  void (*opened)  (SioEngine *engine, gpointer user_data);
  /* a MESSAGE packet (text or binary); the callee may steal packet->data */
  void (*message) (SioEngine *engine, SioEnginePacket *packet, gpointer user_data);
  /* the session ended without _sio_engine_close(); called once */
  void (*closed)  (SioEngine *engine, SioDisconnectReason reason, const GError *error, gpointer user_data);
  /* optional: the session moved to another transport (upgrade) */
  void (*upgraded) (SioEngine *engine, gpointer user_data);
  /* optional: a heartbeat round trip was measured (v3, the client pings) */
  void (*rtt)      (SioEngine *engine, gint64 rtt_ms, gpointer user_data);
} SioEngineCallbacks;

typedef struct
{
  SoupSession   *session;
  /* http(s)://host:port/<engine path>?EIO=n&<user query> */
  GUri          *base_uri;
  /* name, value, name, value, ... */
  GPtrArray     *headers;
  guint          eio;
  /* ordered list of "websocket" / "polling" */
  char         **transports;
  gboolean       upgrade;
  guint          connect_timeout_ms;
  guint64        max_receive;
  GMainContext  *context;
} SioEngineConfig;

SioEngine   *_sio_engine_new              (const SioEngineConfig    *config,
                                           const SioEngineCallbacks *callbacks,
                                           gpointer                  user_data);
void         _sio_engine_open             (SioEngine                *self);
/* Sends MESSAGE packets (no-op unless open). */
void         _sio_engine_send             (SioEngine                *self,
                                           const SioEnginePacket    *packets,
                                           guint                     n_packets);
/* Closes without calling closed. */
void         _sio_engine_close            (SioEngine                *self);
gboolean     _sio_engine_is_open          (SioEngine                *self);
/* Checks the heartbeat deadline against the clock (suspend/resume). */
gboolean     _sio_engine_check_alive      (SioEngine                *self);
const char  *_sio_engine_get_sid          (SioEngine                *self);
const char  *_sio_engine_get_transport_name (SioEngine              *self);
guint64      _sio_engine_get_max_payload  (SioEngine                *self);
gint64       _sio_engine_get_rtt          (SioEngine                *self);

G_END_DECLS
