/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(SIO_GLIB_INSIDE) && !defined(SIO_COMPILATION)
# error "Only <sio-glib/sio-glib.h> can be included directly."
#endif

#include <libsoup/soup.h>

#include "sio-socket.h"
#include "sio-enums.h"
#include "sio-version-macros.h"

G_BEGIN_DECLS

#define SIO_TYPE_CLIENT (sio_client_get_type ())

SIO_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (SioClient, sio_client, SIO, CLIENT, SioSocket)

SIO_AVAILABLE_IN_ALL
SioClient      *sio_client_new                        (const char   *uri);
SIO_AVAILABLE_IN_ALL
SioClient      *sio_client_new_with_session           (const char   *uri,
                                                       SoupSession  *session);

SIO_AVAILABLE_IN_ALL
const char     *sio_client_get_uri                    (SioClient    *self);
SIO_AVAILABLE_IN_ALL
const char     *sio_client_get_path                   (SioClient    *self);
SIO_AVAILABLE_IN_ALL
void            sio_client_set_path                   (SioClient    *self,
                                                       const char   *path);
SIO_AVAILABLE_IN_ALL
guint           sio_client_get_engine_io_version      (SioClient    *self);
SIO_AVAILABLE_IN_ALL
void            sio_client_set_engine_io_version      (SioClient    *self,
                                                       guint         version);
SIO_AVAILABLE_IN_ALL
const char * const *sio_client_get_transports         (SioClient    *self);
SIO_AVAILABLE_IN_ALL
void            sio_client_set_transports             (SioClient    *self,
                                                       const char * const *transports);
SIO_AVAILABLE_IN_ALL
gboolean        sio_client_get_upgrade                (SioClient    *self);
SIO_AVAILABLE_IN_ALL
void            sio_client_set_upgrade                (SioClient    *self,
                                                       gboolean      upgrade);
SIO_AVAILABLE_IN_ALL
SoupSession    *sio_client_get_session                (SioClient    *self);
SIO_AVAILABLE_IN_ALL
gboolean        sio_client_get_reconnection           (SioClient    *self);
SIO_AVAILABLE_IN_ALL
void            sio_client_set_reconnection           (SioClient    *self,
                                                       gboolean      reconnection);
SIO_AVAILABLE_IN_ALL
int             sio_client_get_reconnection_attempts  (SioClient    *self);
SIO_AVAILABLE_IN_ALL
void            sio_client_set_reconnection_attempts  (SioClient    *self,
                                                       int           attempts);
SIO_AVAILABLE_IN_ALL
guint           sio_client_get_reconnection_delay     (SioClient    *self);
SIO_AVAILABLE_IN_ALL
void            sio_client_set_reconnection_delay     (SioClient    *self,
                                                       guint         delay_ms);
SIO_AVAILABLE_IN_ALL
guint           sio_client_get_reconnection_delay_max (SioClient    *self);
SIO_AVAILABLE_IN_ALL
void            sio_client_set_reconnection_delay_max (SioClient    *self,
                                                       guint         delay_ms);
SIO_AVAILABLE_IN_ALL
double          sio_client_get_randomization_factor   (SioClient    *self);
SIO_AVAILABLE_IN_ALL
void            sio_client_set_randomization_factor   (SioClient    *self,
                                                       double        factor);
SIO_AVAILABLE_IN_ALL
guint           sio_client_get_timeout                (SioClient    *self);
SIO_AVAILABLE_IN_ALL
void            sio_client_set_timeout                (SioClient    *self,
                                                       guint         timeout_ms);
SIO_AVAILABLE_IN_ALL
SioClientState  sio_client_get_state                  (SioClient    *self);
SIO_AVAILABLE_IN_ALL
const char     *sio_client_get_engine_id              (SioClient    *self);
SIO_AVAILABLE_IN_ALL
const char     *sio_client_get_transport              (SioClient    *self);
SIO_AVAILABLE_IN_ALL
gint64          sio_client_get_rtt                    (SioClient    *self);
SIO_AVAILABLE_IN_ALL
GNetworkMonitor *sio_client_get_network_monitor       (SioClient    *self);
SIO_AVAILABLE_IN_ALL
void            sio_client_set_network_monitor        (SioClient       *self,
                                                       GNetworkMonitor *monitor);

SIO_AVAILABLE_IN_ALL
SioSocket      *sio_client_socket                     (SioClient    *self,
                                                       const char   *namespace_);
SIO_AVAILABLE_IN_ALL
void            sio_client_set_query_param            (SioClient    *self,
                                                       const char   *key,
                                                       const char   *value);
SIO_AVAILABLE_IN_ALL
void            sio_client_set_header                 (SioClient    *self,
                                                       const char   *name,
                                                       const char   *value);
SIO_AVAILABLE_IN_ALL
void            sio_client_close                      (SioClient    *self);

G_END_DECLS
