/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(SIO_GLIB_INSIDE) && !defined(SIO_COMPILATION)
# error "Only <sio-glib/sio-glib.h> can be included directly."
#endif

#include <glib.h>

#include "sio-version-macros.h"

G_BEGIN_DECLS

/**
 * SIO_ERROR:
 *
 * The error domain of sio-glib. Its codes are [error@Sio.Error].
 *
 * Since: 1.0
 */
#define SIO_ERROR (sio_error_quark ())

/**
 * SioError:
 * @SIO_ERROR_FAILED: an unspecified failure
 * @SIO_ERROR_TRANSPORT: the HTTP request or the WebSocket failed
 * @SIO_ERROR_PROTOCOL: the server sent malformed or unexpected data
 * @SIO_ERROR_CONNECT_REFUSED: the server refused to let the socket join its
 *   namespace; the message is the server's
 * @SIO_ERROR_TIMEOUT: the operation did not complete in time
 * @SIO_ERROR_DISCONNECTED: the socket was disconnected before the operation
 *   completed
 * @SIO_ERROR_INVALID_ARGUMENT: an argument was invalid: a reserved event
 *   name, invalid JSON, or a bad namespace
 * @SIO_ERROR_PAYLOAD_TOO_LARGE: a message is larger than the limit
 *
 * Error codes in the %SIO_ERROR domain.
 *
 * Since: 1.0
 */
typedef enum
{
  SIO_ERROR_FAILED,
  SIO_ERROR_TRANSPORT,
  SIO_ERROR_PROTOCOL,
  SIO_ERROR_CONNECT_REFUSED,
  SIO_ERROR_TIMEOUT,
  SIO_ERROR_DISCONNECTED,
  SIO_ERROR_INVALID_ARGUMENT,
  SIO_ERROR_PAYLOAD_TOO_LARGE,
} SioError;

SIO_AVAILABLE_IN_ALL
GQuark sio_error_quark (void);

G_END_DECLS
