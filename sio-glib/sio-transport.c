/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "sio-private.h"

#include "sio-transport-private.h"

void
_sio_transport_config_copy (SioTransportConfig       *dest,
                            const SioTransportConfig *src)
{
  dest->session = g_object_ref (src->session);
  dest->base_uri = g_uri_ref (src->base_uri);
  dest->headers = src->headers != NULL ? g_ptr_array_ref (src->headers) : NULL;
  dest->eio = src->eio;
  dest->sid = g_strdup (src->sid);
  dest->max_receive = src->max_receive;
  dest->context = g_main_context_ref (src->context);
}

void
_sio_transport_config_clear (SioTransportConfig *config)
{
  g_clear_object (&config->session);
  g_clear_pointer (&config->base_uri, g_uri_unref);
  g_clear_pointer (&config->headers, g_ptr_array_unref);
  g_clear_pointer (&config->sid, g_free);
  g_clear_pointer (&config->context, g_main_context_unref);
}

void
_sio_transport_init (SioTransport                *self,
                     const SioTransportClass     *klass,
                     const SioTransportConfig    *config,
                     const SioTransportCallbacks *callbacks,
                     gpointer                     user_data)
{
  self->klass = klass;
  self->callbacks = callbacks;
  self->user_data = user_data;
  _sio_transport_config_copy (&self->config, config);
}

void
_sio_transport_open (SioTransport *self)
{
  self->klass->open (self);
}

void
_sio_transport_send (SioTransport          *self,
                     const SioEnginePacket *packets,
                     guint                  n_packets)
{
  if (!self->closed)
    self->klass->send (self, packets, n_packets);
}

void
_sio_transport_close (SioTransport *self)
{
  if (!self->closed)
    self->klass->close (self);
}

void
_sio_transport_discard (SioTransport *self)
{
  self->discard = TRUE;
  _sio_transport_close (self);
}

gboolean
_sio_transport_pause (SioTransport *self,
                      gboolean      pause)
{
  if (self->closed || self->klass->pause == NULL)
    return FALSE;
  self->klass->pause (self, pause);
  return TRUE;
}

void
_sio_transport_free (SioTransport *self)
{
  if (self == NULL)
    return;
  self->klass->free (self);
}

const char *
_sio_transport_get_name (SioTransport *self)
{
  return self->klass->name;
}

GUri *
_sio_transport_build_uri (SioTransport *self,
                          gboolean      websocket)
{
  GUri *base = self->config.base_uri;
  const char *scheme = g_uri_get_scheme (base);
  gboolean secure = g_ascii_strcasecmp (scheme, "https") == 0 ||
                    g_ascii_strcasecmp (scheme, "wss") == 0;
  const char *query = g_uri_get_query (base);
  GString *q = g_string_new (query);

  if (q->len > 0)
    g_string_append_c (q, '&');
  g_string_append_printf (q, "transport=%s", websocket ? "websocket" : "polling");
  if (self->config.sid != NULL)
    {
      g_string_append (q, "&sid=");
      g_string_append_uri_escaped (q, self->config.sid, NULL, FALSE);
    }

  {
    GUri *uri = g_uri_build (G_URI_FLAGS_ENCODED,
                             websocket ? (secure ? "wss" : "ws") : (secure ? "https" : "http"),
                             NULL,
                             g_uri_get_host (base),
                             g_uri_get_port (base),
                             g_uri_get_path (base),
                             q->str,
                             NULL);
    g_string_free (q, TRUE);
    return uri;
  }
}

void
_sio_transport_apply_headers (SioTransport *self,
                              SoupMessage  *message)
{
  SoupMessageHeaders *h = soup_message_get_request_headers (message);

  if (self->config.headers == NULL)
    return;
  for (guint i = 0; i + 1 < self->config.headers->len; i += 2)
    soup_message_headers_replace (h,
                                  g_ptr_array_index (self->config.headers, i),
                                  g_ptr_array_index (self->config.headers, i + 1));
}

void
_sio_transport_emit_closed (SioTransport *self,
                            const GError *error)
{
  if (self->closed)
    return;
  self->closed = TRUE;
  self->callbacks->closed (self, error, self->user_data);
}
