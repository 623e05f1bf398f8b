/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(SIO_GLIB_INSIDE) && !defined(SIO_COMPILATION)
# error "Only <sio-glib/sio-glib.h> can be included directly."
#endif

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "sio-enums.h"
#include "sio-event.h"
#include "sio-version-macros.h"

G_BEGIN_DECLS

#define SIO_TYPE_SOCKET (sio_socket_get_type ())

SIO_AVAILABLE_IN_ALL
G_DECLARE_DERIVABLE_TYPE (SioSocket, sio_socket, SIO, SOCKET, GObject)

typedef struct _SioClient SioClient;

/**
 * SioSocketClass:
 * @parent_class: the parent class
 *
 * The class structure of [class@Sio.Socket].
 *
 * Since: 1.0
 */
struct _SioSocketClass
{
  GObjectClass parent_class;

  /*< private >*/
  gpointer _reserved[8];
};

SIO_AVAILABLE_IN_ALL
const char *sio_socket_get_namespace       (SioSocket            *self);
SIO_AVAILABLE_IN_ALL
SioClient  *sio_socket_get_client          (SioSocket            *self);
SIO_AVAILABLE_IN_ALL
const char *sio_socket_get_id              (SioSocket            *self);
SIO_AVAILABLE_IN_ALL
gboolean    sio_socket_get_connected       (SioSocket            *self);
SIO_AVAILABLE_IN_ALL
gboolean    sio_socket_get_recovered       (SioSocket            *self);
SIO_AVAILABLE_IN_ALL
JsonNode   *sio_socket_get_auth            (SioSocket            *self);
SIO_AVAILABLE_IN_ALL
void        sio_socket_set_auth            (SioSocket            *self,
                                            JsonNode             *auth);
SIO_AVAILABLE_IN_ALL
gboolean    sio_socket_set_auth_json       (SioSocket            *self,
                                            const char           *auth_json,
                                            GError              **error);
SIO_AVAILABLE_IN_ALL
guint       sio_socket_get_ack_timeout     (SioSocket            *self);
SIO_AVAILABLE_IN_ALL
void        sio_socket_set_ack_timeout     (SioSocket            *self,
                                            guint                 ack_timeout);
SIO_AVAILABLE_IN_ALL
guint       sio_socket_get_retries         (SioSocket            *self);
SIO_AVAILABLE_IN_ALL
void        sio_socket_set_retries         (SioSocket            *self,
                                            guint                 retries);
SIO_AVAILABLE_IN_ALL
guint       sio_socket_get_n_buffered      (SioSocket            *self);

SIO_AVAILABLE_IN_ALL
void        sio_socket_open                (SioSocket            *self);
SIO_AVAILABLE_IN_ALL
void        sio_socket_open_async          (SioSocket            *self,
                                            GCancellable         *cancellable,
                                            GAsyncReadyCallback   callback,
                                            gpointer              user_data);
SIO_AVAILABLE_IN_ALL
gboolean    sio_socket_open_finish         (SioSocket            *self,
                                            GAsyncResult         *result,
                                            GError              **error);
SIO_AVAILABLE_IN_ALL
void        sio_socket_close               (SioSocket            *self);

SIO_AVAILABLE_IN_ALL
void        sio_socket_emit                (SioSocket            *self,
                                            const char           *event,
                                            JsonArray            *args);
SIO_AVAILABLE_IN_ALL
gboolean    sio_socket_emit_json           (SioSocket            *self,
                                            const char           *event,
                                            const char           *args_json,
                                            GError              **error);
SIO_AVAILABLE_IN_ALL
void        sio_socket_emit_full           (SioSocket            *self,
                                            const char           *event,
                                            JsonArray            *args,
                                            GBytes              **attachments,
                                            guint                 n_attachments,
                                            SioEmitFlags          flags,
                                            int                   timeout_ms,
                                            GCancellable         *cancellable,
                                            GAsyncReadyCallback   callback,
                                            gpointer              user_data);
SIO_AVAILABLE_IN_ALL
SioEvent   *sio_socket_emit_full_finish    (SioSocket            *self,
                                            GAsyncResult         *result,
                                            GError              **error);
SIO_AVAILABLE_IN_ALL
void        sio_socket_emit_with_ack       (SioSocket            *self,
                                            const char           *event,
                                            JsonArray            *args,
                                            GCancellable         *cancellable,
                                            GAsyncReadyCallback   callback,
                                            gpointer              user_data);
SIO_AVAILABLE_IN_ALL
JsonArray  *sio_socket_emit_with_ack_finish (SioSocket           *self,
                                            GAsyncResult         *result,
                                            GError              **error);

G_END_DECLS
