/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "sio-private.h"

#include "sio-transport-private.h"

/* HTTP long-polling. Not implemented yet: opening fails at once, so that a
 * transports list ending with "polling" falls back cleanly. */

typedef struct
{
  SioTransport parent;
  /* the idle that reports the failure */
  guint        idle_id;
} SioTransportPolling;

static gboolean
report_unsupported (gpointer user_data)
{
  SioTransportPolling *self = user_data;
  g_autoptr(GError) error = NULL;

  self->idle_id = 0;
  error = g_error_new (SIO_ERROR, SIO_ERROR_TRANSPORT,
                       _("The HTTP long-polling transport is not available yet; use the WebSocket transport"));
  _sio_transport_emit_closed (&self->parent, error);
  return G_SOURCE_REMOVE;
}

static void
polling_open (SioTransport *transport)
{
  SioTransportPolling *self = (SioTransportPolling *) transport;
  GSource *source = g_idle_source_new ();

  g_source_set_callback (source, report_unsupported, self, NULL);
  self->idle_id = g_source_attach (source, transport->config.context);
  g_source_unref (source);
}

static void
polling_send (SioTransport          *transport,
              const SioEnginePacket *packets,
              guint                  n_packets)
{
}

static void
polling_close (SioTransport *transport)
{
  SioTransportPolling *self = (SioTransportPolling *) transport;

  transport->closed = TRUE;
  if (self->idle_id != 0)
    {
      GSource *source = g_main_context_find_source_by_id (transport->config.context, self->idle_id);
      if (source != NULL)
        g_source_destroy (source);
      self->idle_id = 0;
    }
}

static void
polling_free (SioTransport *transport)
{
  polling_close (transport);
  _sio_transport_config_clear (&transport->config);
  g_free (transport);
}

static const SioTransportClass polling_class = {
  .name = "polling",
  .open = polling_open,
  .send = polling_send,
  .close = polling_close,
  .free = polling_free,
};

SioTransport *
_sio_transport_polling_new (const SioTransportConfig    *config,
                            const SioTransportCallbacks *callbacks,
                            gpointer                     user_data)
{
  SioTransportPolling *self = g_new0 (SioTransportPolling, 1);

  _sio_transport_init (&self->parent, &polling_class, config, callbacks, user_data);
  return &self->parent;
}
