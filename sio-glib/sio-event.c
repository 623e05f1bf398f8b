/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * SioEvent:
 *
 * One incoming Socket.IO event, or the reply to an acknowledgement.
 *
 * An event has a name (%NULL for an ack reply), the namespace it arrived
 * on, its arguments as a [struct@Json.Array] and its binary attachments.
 * Binary arguments stay in the arguments as placeholder objects
 * `{"_placeholder": true, "num": N}`; attachment `N` is
 * [method@Sio.Event.get_attachment].
 *
 * When the server asked for an acknowledgement
 * ([method@Sio.Event.wants_ack]), answer once with [method@Sio.Event.ack]
 * — right away in the signal handler, or later after keeping a reference
 * to the event.
 *
 * ## Example
 *
 * ```c
 * static void
 * on_question (SioSocket *socket, SioEvent *event, gpointer user_data)
 * {
 *   g_autoptr(JsonArray) reply = json_array_new ();
 *
 *   json_array_add_string_element (reply, "42");
 *   if (sio_event_wants_ack (event))
 *     sio_event_ack (event, reply);
 * }
 *
 * g_signal_connect (socket, "event::question", G_CALLBACK (on_question), NULL);
 * ```
 *
 * Since: 1.0
 */
#include "sio-private.h"

#include "sio-json-private.h"
#include "sio-socket-private.h"

struct _SioEvent
{
  GObject     parent_instance;

  /* event name; NULL for an ack reply */
  char       *name;
  char       *nsp;
  /* the arguments (without the name) */
  JsonArray  *args;
  /* GBytes attachments, never NULL */
  GPtrArray  *attachments;
  /* the ack id the server asked for, -1 when none */
  gint64      ack_id;
  /* the socket to answer on, and the connection it came on */
  GWeakRef    socket;
  guint       generation;
  /* an ack was sent (or refused) already */
  gboolean    acked;
};

G_DEFINE_FINAL_TYPE (SioEvent, sio_event, G_TYPE_OBJECT)

static void
sio_event_finalize (GObject *object)
{
  SioEvent *self = SIO_EVENT (object);

  g_free (self->name);
  g_free (self->nsp);
  g_clear_pointer (&self->args, json_array_unref);
  g_clear_pointer (&self->attachments, g_ptr_array_unref);
  g_weak_ref_clear (&self->socket);

  G_OBJECT_CLASS (sio_event_parent_class)->finalize (object);
}

static void
sio_event_class_init (SioEventClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = sio_event_finalize;
}

static void
sio_event_init (SioEvent *self)
{
  /* an event built by g_object_new() (bindings) is empty, not broken */
  self->args = json_array_new ();
  self->attachments = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  self->ack_id = -1;
  g_weak_ref_init (&self->socket, NULL);
}

SioEvent *
_sio_event_new (SioSocket *socket,
                guint      generation,
                SioPacket *packet,
                gboolean   is_ack)
{
  SioEvent *self = g_object_new (SIO_TYPE_EVENT, NULL);
  JsonArray *array;

  self->nsp = g_strdup (packet->nsp);
  array = packet->data != NULL && JSON_NODE_HOLDS_ARRAY (packet->data)
          ? json_node_get_array (packet->data) : NULL;

  if (array == NULL)
    {
      /* keep the empty array from init */
    }
  else if (is_ack)
    {
      json_array_unref (self->args);
      self->args = json_array_ref (array);
    }
  else
    {
      JsonNode *first = json_array_get_element (array, 0);

      self->name = g_strdup (json_node_get_string (first));
      /* the packet is ours and about to be freed: drop the name in place */
      json_array_unref (self->args);
      self->args = json_array_ref (array);
      json_array_remove_element (self->args, 0);
    }

  if (!is_ack)
    self->ack_id = packet->id;

  if (packet->attachments != NULL)
    {
      g_ptr_array_unref (self->attachments);
      self->attachments = g_ptr_array_ref (packet->attachments);
    }

  g_weak_ref_set (&self->socket, socket);
  self->generation = generation;

  return self;
}

/**
 * sio_event_get_name:
 * @self: a #SioEvent
 *
 * The event name.
 *
 * Returns: (nullable): the name, or %NULL for an acknowledgement reply
 *
 * Since: 1.0
 */
const char *
sio_event_get_name (SioEvent *self)
{
  g_return_val_if_fail (SIO_IS_EVENT (self), NULL);
  return self->name;
}

/**
 * sio_event_get_namespace:
 * @self: a #SioEvent
 *
 * The namespace the event arrived on, such as `"/"` or `"/admin"`.
 *
 * Returns: the namespace
 *
 * Since: 1.0
 */
const char *
sio_event_get_namespace (SioEvent *self)
{
  g_return_val_if_fail (SIO_IS_EVENT (self), NULL);
  return self->nsp;
}

/**
 * sio_event_get_args:
 * @self: a #SioEvent
 *
 * The arguments of the event (without its name), or of the ack reply.
 * Binary arguments are placeholder objects `{"_placeholder": true, "num": N}`
 * standing for attachment `N`.
 *
 * Returns: (transfer none): the arguments, possibly empty
 *
 * Since: 1.0
 */
JsonArray *
sio_event_get_args (SioEvent *self)
{
  g_return_val_if_fail (SIO_IS_EVENT (self), NULL);
  return self->args;
}

/**
 * sio_event_get_args_json:
 * @self: a #SioEvent
 *
 * The arguments as compact JSON array text, as JavaScript's
 * `JSON.stringify` would write them.
 *
 * Returns: (transfer full): the JSON text
 *
 * Since: 1.0
 */
char *
sio_event_get_args_json (SioEvent *self)
{
  GString *out;

  g_return_val_if_fail (SIO_IS_EVENT (self), NULL);

  out = g_string_sized_new (64);
  _sio_json_write_array (out, self->args);
  return g_string_free (out, FALSE);
}

/**
 * sio_event_get_attachments:
 * @self: a #SioEvent
 *
 * The binary attachments, in placeholder order.
 *
 * Returns: (transfer none) (element-type GBytes): the attachments, possibly empty
 *
 * Since: 1.0
 */
GPtrArray *
sio_event_get_attachments (SioEvent *self)
{
  g_return_val_if_fail (SIO_IS_EVENT (self), NULL);
  return self->attachments;
}

/**
 * sio_event_get_n_attachments:
 * @self: a #SioEvent
 *
 * The number of binary attachments.
 *
 * Returns: the number of attachments
 *
 * Since: 1.0
 */
guint
sio_event_get_n_attachments (SioEvent *self)
{
  g_return_val_if_fail (SIO_IS_EVENT (self), 0);
  return self->attachments->len;
}

/**
 * sio_event_get_attachment:
 * @self: a #SioEvent
 * @index: the attachment number, as in the placeholder's `num`
 *
 * One binary attachment.
 *
 * Returns: (transfer none) (nullable): the attachment, or %NULL if @index
 *   is out of range
 *
 * Since: 1.0
 */
GBytes *
sio_event_get_attachment (SioEvent *self,
                          guint     index)
{
  g_return_val_if_fail (SIO_IS_EVENT (self), NULL);
  if (index >= self->attachments->len)
    return NULL;
  return g_ptr_array_index (self->attachments, index);
}

/**
 * sio_event_wants_ack:
 * @self: a #SioEvent
 *
 * Whether the server asked for an acknowledgement that has not been sent yet.
 *
 * Returns: %TRUE if [method@Sio.Event.ack] should be called
 *
 * Since: 1.0
 */
gboolean
sio_event_wants_ack (SioEvent *self)
{
  g_return_val_if_fail (SIO_IS_EVENT (self), FALSE);
  return self->ack_id >= 0 && !self->acked;
}

/**
 * sio_event_ack_full:
 * @self: a #SioEvent
 * @args: (nullable): the reply's arguments
 * @attachments: (nullable) (array length=n_attachments): binary attachments
 *   referenced from @args by placeholders
 * @n_attachments: the number of @attachments
 *
 * Answers the server's acknowledgement request, with binary data. May be
 * called once, during the signal handler or later.
 *
 * Returns: %TRUE if the reply was sent; %FALSE if the event asked for no
 *   ack, was already acked (a programming error), or the connection it came
 *   on is gone
 *
 * Since: 1.0
 */
gboolean
sio_event_ack_full (SioEvent   *self,
                    JsonArray  *args,
                    GBytes    **attachments,
                    guint       n_attachments)
{
  g_autoptr(SioSocket) socket = NULL;

  g_return_val_if_fail (SIO_IS_EVENT (self), FALSE);
  g_return_val_if_fail (n_attachments == 0 || attachments != NULL, FALSE);

  if (self->ack_id < 0)
    {
      g_critical ("sio_event_ack: the event \"%s\" did not ask for an acknowledgement",
                  self->name ? self->name : "(ack reply)");
      return FALSE;
    }
  if (self->acked)
    {
      g_critical ("sio_event_ack: the event \"%s\" was already acknowledged",
                  self->name ? self->name : "");
      return FALSE;
    }
  self->acked = TRUE;

  socket = g_weak_ref_get (&self->socket);
  if (socket == NULL)
    return FALSE;

  return _sio_socket_send_ack (socket, self->generation, self->ack_id,
                               args, attachments, n_attachments);
}

/**
 * sio_event_ack:
 * @self: a #SioEvent
 * @args: (nullable): the reply's arguments
 *
 * Answers the server's acknowledgement request. See
 * [method@Sio.Event.ack_full].
 *
 * Returns: %TRUE if the reply was sent
 *
 * Since: 1.0
 */
gboolean
sio_event_ack (SioEvent  *self,
               JsonArray *args)
{
  return sio_event_ack_full (self, args, NULL, 0);
}

/**
 * sio_event_ack_json:
 * @self: a #SioEvent
 * @args_json: (nullable): the reply's arguments as JSON array text
 * @error: return location for a #GError
 *
 * Answers the server's acknowledgement request with arguments given as JSON
 * text, such as `[1, "two"]`.
 *
 * Returns: %TRUE if the reply was sent; %FALSE with @error set to
 *   %SIO_ERROR_INVALID_ARGUMENT when @args_json is not a JSON array, or
 *   %SIO_ERROR_DISCONNECTED when it could not be sent
 *
 * Since: 1.0
 */
gboolean
sio_event_ack_json (SioEvent    *self,
                    const char  *args_json,
                    GError     **error)
{
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (SIO_IS_EVENT (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (args_json != NULL)
    {
      node = _sio_json_parse (args_json, strlen (args_json), &local_error);
      if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
        {
          g_set_error (error, SIO_ERROR, SIO_ERROR_INVALID_ARGUMENT,
                       _("The acknowledgement arguments must be a JSON array: %s"),
                       local_error != NULL ? local_error->message : _("not an array"));
          return FALSE;
        }
    }

  if (!sio_event_ack (self, node != NULL ? json_node_get_array (node) : NULL))
    {
      g_set_error (error, SIO_ERROR, SIO_ERROR_DISCONNECTED,
                   _("The acknowledgement could not be sent: the socket is disconnected"));
      return FALSE;
    }
  return TRUE;
}
