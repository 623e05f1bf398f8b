/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(SIO_GLIB_INSIDE) && !defined(SIO_COMPILATION)
# error "Only <sio-glib/sio-glib.h> can be included directly."
#endif

#include <glib.h>

G_BEGIN_DECLS

/**
 * SioClientState:
 * @SIO_CLIENT_STATE_CLOSED: not connected and not trying to connect
 * @SIO_CLIENT_STATE_OPENING: the first connection is being made
 * @SIO_CLIENT_STATE_OPEN: the Engine.IO session is open
 * @SIO_CLIENT_STATE_RECONNECTING: the connection was lost and the client
 *   is waiting for, or making, a reconnection attempt
 *
 * The state of the connection of a [class@Sio.Client].
 *
 * Since: 1.0
 */
typedef enum
{
  SIO_CLIENT_STATE_CLOSED,
  SIO_CLIENT_STATE_OPENING,
  SIO_CLIENT_STATE_OPEN,
  SIO_CLIENT_STATE_RECONNECTING,
} SioClientState;

/**
 * SioDisconnectReason:
 * @SIO_DISCONNECT_REASON_SERVER: the server disconnected the socket; there is
 *   no automatic reconnection
 * @SIO_DISCONNECT_REASON_CLIENT: the application closed the socket or client
 * @SIO_DISCONNECT_REASON_PING_TIMEOUT: the heartbeat stopped: the server did
 *   not ping (Engine.IO v4) or answer our ping (Engine.IO v3) in time
 * @SIO_DISCONNECT_REASON_TRANSPORT_CLOSE: the connection was closed (by the
 *   server or the network)
 * @SIO_DISCONNECT_REASON_TRANSPORT_ERROR: the connection failed
 * @SIO_DISCONNECT_REASON_PARSE_ERROR: the server sent something that could
 *   not be decoded
 *
 * Why a [class@Sio.Socket] was disconnected.
 *
 * Since: 1.0
 */
typedef enum
{
  SIO_DISCONNECT_REASON_SERVER,
  SIO_DISCONNECT_REASON_CLIENT,
  SIO_DISCONNECT_REASON_PING_TIMEOUT,
  SIO_DISCONNECT_REASON_TRANSPORT_CLOSE,
  SIO_DISCONNECT_REASON_TRANSPORT_ERROR,
  SIO_DISCONNECT_REASON_PARSE_ERROR,
} SioDisconnectReason;

/**
 * SioEmitFlags:
 * @SIO_EMIT_NONE: no flags
 * @SIO_EMIT_VOLATILE: drop the event instead of buffering it when the socket
 *   is not connected
 *
 * Flags for [method@Sio.Socket.emit_full].
 *
 * Since: 1.0
 */
typedef enum /*< flags >*/
{
  SIO_EMIT_NONE     = 0,
  SIO_EMIT_VOLATILE = 1 << 0,
} SioEmitFlags;

G_END_DECLS
