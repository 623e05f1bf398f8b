/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Transports move Engine.IO packets over one channel (a WebSocket, or HTTP
 * long-polling). They know nothing of Socket.IO. A transport reports to its
 * owner (the engine) through a table of callbacks; after `closed` it calls
 * nothing more.
 */
#pragma once

#include <libsoup/soup.h>

#include "sio-engine-packet-private.h"

G_BEGIN_DECLS

typedef struct _SioTransport SioTransport;

typedef struct
{
  /* the channel is open (for polling: the first response arrived) */
  void (*opened) (SioTransport *transport, gpointer user_data);
  /* one decoded packet; the callee may steal packet->data */
  void (*packet) (SioTransport *transport, SioEnginePacket *packet, gpointer user_data);
  /* the channel closed: @error NULL when the peer closed it cleanly,
   * SIO_ERROR_PROTOCOL for undecodable input, SIO_ERROR_TRANSPORT else */
  void (*closed) (SioTransport *transport, const GError *error, gpointer user_data);
  /* optional: a pause asked with _sio_transport_pause() completed: nothing
   * is in flight and nothing waits to be sent (upgrade, §1.8) */
  void (*paused) (SioTransport *transport, gpointer user_data);
} SioTransportCallbacks;

typedef struct
{
  const char *name;
  void      (*open)  (SioTransport *self);
  void      (*send)  (SioTransport *self, const SioEnginePacket *packets, guint n_packets);
  void      (*close) (SioTransport *self);
  void      (*free)  (SioTransport *self);
  /* optional: stop receiving and report paused once drained (TRUE), or go
   * on as before (FALSE) */
  void      (*pause) (SioTransport *self, gboolean pause);
} SioTransportClass;

/* What every transport needs to reach the server. */
typedef struct
{
  SoupSession         *session;
  /* http(s)://host:port/<path>?EIO=n&<user query>; sid and transport added by the transport */
  GUri                *base_uri;
  /* extra HTTP headers, name/value pairs */
  GPtrArray           *headers;
  guint                eio;
  /* the session id when joining an existing session (upgrade), else NULL */
  char                *sid;
  /* largest message accepted from the server, bytes */
  guint64              max_receive;
  GMainContext        *context;
} SioTransportConfig;

struct _SioTransport
{
  const SioTransportClass     *klass;
  const SioTransportCallbacks *callbacks;
  gpointer                     user_data;
  SioTransportConfig           config;
  /* set once closed has been reported */
  gboolean                     closed;
  /* close without telling the server: the session lives on in another
   * transport (after an upgrade) */
  gboolean                     discard;
};

SioTransport *_sio_transport_websocket_new (const SioTransportConfig    *config,
                                            const SioTransportCallbacks *callbacks,
                                            gpointer                     user_data);
SioTransport *_sio_transport_polling_new   (const SioTransportConfig    *config,
                                            const SioTransportCallbacks *callbacks,
                                            gpointer                     user_data);

/* Shared helpers (sio-transport.c) */
void          _sio_transport_init          (SioTransport                *self,
                                            const SioTransportClass     *klass,
                                            const SioTransportConfig    *config,
                                            const SioTransportCallbacks *callbacks,
                                            gpointer                     user_data);
void          _sio_transport_open          (SioTransport                *self);
void          _sio_transport_send          (SioTransport                *self,
                                            const SioEnginePacket       *packets,
                                            guint                        n_packets);
void          _sio_transport_close         (SioTransport                *self);
/* Closes without ending the Engine.IO session (no close packet). */
void          _sio_transport_discard       (SioTransport                *self);
/* Pauses (TRUE) or resumes (FALSE); FALSE if the transport cannot pause. */
gboolean      _sio_transport_pause         (SioTransport                *self,
                                            gboolean                     pause);
void          _sio_transport_free          (SioTransport                *self);
const char   *_sio_transport_get_name      (SioTransport                *self);
/* base_uri + transport=<name> (+ sid), with scheme http(s) or ws(s) */
GUri         *_sio_transport_build_uri     (SioTransport                *self,
                                            gboolean                     websocket);
void          _sio_transport_apply_headers (SioTransport                *self,
                                            SoupMessage                 *message);
/* reports closed once */
void          _sio_transport_emit_closed   (SioTransport                *self,
                                            const GError                *error);

void          _sio_transport_config_copy   (SioTransportConfig          *dest,
                                            const SioTransportConfig    *src);
void          _sio_transport_config_clear  (SioTransportConfig          *config);

G_END_DECLS
