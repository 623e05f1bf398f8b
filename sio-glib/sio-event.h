/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(SIO_GLIB_INSIDE) && !defined(SIO_COMPILATION)
# error "Only <sio-glib/sio-glib.h> can be included directly."
#endif

#include <glib-object.h>
#include <json-glib/json-glib.h>

#include "sio-version-macros.h"

G_BEGIN_DECLS

#define SIO_TYPE_EVENT (sio_event_get_type ())

SIO_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (SioEvent, sio_event, SIO, EVENT, GObject)

SIO_AVAILABLE_IN_ALL
const char *sio_event_get_name        (SioEvent      *self);
SIO_AVAILABLE_IN_ALL
const char *sio_event_get_namespace   (SioEvent      *self);
SIO_AVAILABLE_IN_ALL
JsonArray  *sio_event_get_args        (SioEvent      *self);
SIO_AVAILABLE_IN_ALL
char       *sio_event_get_args_json   (SioEvent      *self);
SIO_AVAILABLE_IN_ALL
GPtrArray  *sio_event_get_attachments (SioEvent      *self);
SIO_AVAILABLE_IN_ALL
guint       sio_event_get_n_attachments (SioEvent    *self);
SIO_AVAILABLE_IN_ALL
GBytes     *sio_event_get_attachment  (SioEvent      *self,
                                       guint          index);
SIO_AVAILABLE_IN_ALL
gboolean    sio_event_wants_ack       (SioEvent      *self);
SIO_AVAILABLE_IN_ALL
gboolean    sio_event_ack             (SioEvent      *self,
                                       JsonArray     *args);
SIO_AVAILABLE_IN_ALL
gboolean    sio_event_ack_json        (SioEvent      *self,
                                       const char    *args_json,
                                       GError       **error);
SIO_AVAILABLE_IN_ALL
gboolean    sio_event_ack_full        (SioEvent      *self,
                                       JsonArray     *args,
                                       GBytes       **attachments,
                                       guint          n_attachments);

G_END_DECLS
