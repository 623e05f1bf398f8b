/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the client and the event need to reach inside a socket. */
#pragma once

#include "sio-client.h"
#include "sio-event.h"
#include "sio-socket.h"
#include "sio-engine-private.h"
#include "sio-packet-private.h"

G_BEGIN_DECLS

/* sio-socket.c, called by the client */
void         _sio_socket_attach             (SioSocket           *self,
                                             SioClient           *client);
void         _sio_socket_detach             (SioSocket           *self);
void         _sio_socket_set_namespace      (SioSocket           *self,
                                             const char          *nsp);
gboolean     _sio_socket_wants_open         (SioSocket           *self);
gboolean     _sio_socket_is_joined          (SioSocket           *self);
/* the engine opened: send CONNECT (v5) or wait for the implicit one (v4 "/") */
void         _sio_socket_engine_opened      (SioSocket           *self);
/* the engine is gone: acks that left fail, `disconnected` if it was connected */
void         _sio_socket_engine_lost        (SioSocket           *self,
                                             SioDisconnectReason  reason);
/* a connection attempt failed before the namespace was joined */
void         _sio_socket_attempt_failed     (SioSocket           *self,
                                             const GError        *error,
                                             gboolean             giving_up);
/* the client gave up or was closed: everything pending ends */
void         _sio_socket_abandon            (SioSocket           *self,
                                             gboolean             notify_client_close);
void         _sio_socket_handle_packet      (SioSocket           *self,
                                             SioPacket           *packet);

/* sio-socket.c, for SioEvent */
gboolean     _sio_socket_send_ack           (SioSocket           *self,
                                             guint                generation,
                                             gint64               id,
                                             JsonArray           *args,
                                             GBytes             **attachments,
                                             guint                n_attachments);

/* sio-client.c, for the sockets */
guint        _sio_client_get_protocol       (SioClient           *self);
SioEngine   *_sio_client_get_engine         (SioClient           *self);
void         _sio_client_report_rtt         (SioClient           *self,
                                             gint64               rtt_ms);
GMainContext *_sio_client_get_context       (SioClient           *self);
void         _sio_client_socket_wants_open  (SioClient           *self,
                                             SioSocket           *socket);
void         _sio_client_socket_left        (SioClient           *self,
                                             SioSocket           *socket);

/* sio-event.c */
SioEvent    *_sio_event_new                 (SioSocket           *socket,
                                             guint                generation,
                                             SioPacket           *packet,
                                             gboolean             is_ack);
/* An event on its way out, for the outgoing signal (no ack to give). */
SioEvent    *_sio_event_new_outgoing        (SioSocket             *socket,
                                             const char            *name,
                                             JsonArray             *args,
                                             const SioEnginePacket *attachments,
                                             guint                  n_attachments);

/* checks an event name given by the application */
gboolean     _sio_check_event_name          (const char          *event,
                                             GError             **error);

G_END_DECLS
