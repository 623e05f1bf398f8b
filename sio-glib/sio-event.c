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

#include <string.h>

#include "sio-json-private.h"
#include "sio-socket-private.h"

/* Events are built once per incoming packet: the fields below are filled
 * without copies where the packet allows, and the empty ones are made only
 * when asked for. */
struct _SioEvent
{
  GObject     parent_instance;

  /* event name; NULL for an ack reply. Points into name_node when set. */
  char       *name;
  /* the packet's name element, which holds the name string; else the
   * name is our own copy */
  JsonNode   *name_node;
  /* ROOT_NSP (static) or our own copy */
  char       *nsp;
  /* the arguments (without the name); NULL until asked for when empty */
  JsonArray  *args;
  /* GBytes attachments; NULL until asked for when there are none */
  GPtrArray  *attachments;
  /* the ack id the server asked for, -1 when none */
  gint64      ack_id;
  /* the socket to answer on, and the connection it came on: set only for
   * events that can be acknowledged (a weak reference costs a global lock
   * and a list walk on the socket, twice per event) */
  GWeakRef    socket;
  gboolean    has_socket;
  guint       generation;
  /* an ack was sent (or refused) already */
  gboolean    acked;
};

/* nearly every event is on the main namespace */
static const char ROOT_NSP[] = "/";

G_DEFINE_FINAL_TYPE (SioEvent, sio_event, G_TYPE_OBJECT)

static void
sio_event_finalize (GObject *object)
{
  SioEvent *self = SIO_EVENT (object);

  if (self->name_node != NULL)
    json_node_unref (self->name_node);
  else
    g_free (self->name);
  if (self->nsp != ROOT_NSP)
    g_free (self->nsp);
  g_clear_pointer (&self->args, json_array_unref);
  g_clear_pointer (&self->attachments, g_ptr_array_unref);
  if (self->has_socket)
    g_weak_ref_clear (&self->socket);

  G_OBJECT_CLASS (sio_event_parent_class)->finalize (object);
}

static void
set_socket (SioEvent  *self,
            SioSocket *socket)
{
  g_weak_ref_set (&self->socket, socket);
  self->has_socket = TRUE;
}

static char *
dup_nsp (const char *nsp)
{
  return strcmp (nsp, ROOT_NSP) == 0 ? (char *) ROOT_NSP : g_strdup (nsp);
}

/* The empty arrays, made on first use (atomically: a getter may be
 * called from two threads on an event that is only read). */
static JsonArray *
ensure_args (SioEvent *self)
{
  JsonArray *args = g_atomic_pointer_get (&self->args);

  if (G_UNLIKELY (args == NULL))
    {
      JsonArray *fresh = json_array_new ();

      if (g_atomic_pointer_compare_and_exchange (&self->args, NULL, fresh))
        return fresh;
      json_array_unref (fresh);
      args = g_atomic_pointer_get (&self->args);
    }
  return args;
}

static GPtrArray *
ensure_attachments (SioEvent *self)
{
  GPtrArray *attachments = g_atomic_pointer_get (&self->attachments);

  if (G_UNLIKELY (attachments == NULL))
    {
      GPtrArray *fresh = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);

      if (g_atomic_pointer_compare_and_exchange (&self->attachments, NULL, fresh))
        return fresh;
      g_ptr_array_unref (fresh);
      attachments = g_atomic_pointer_get (&self->attachments);
    }
  return attachments;
}

static void
sio_event_class_init (SioEventClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = sio_event_finalize;
}

static void
sio_event_init (SioEvent *self)
{
  /* an event built by g_object_new() (bindings) is empty, not broken: the
   * getters make the empty arrays */
  self->nsp = (char *) ROOT_NSP;
  self->ack_id = -1;
  g_weak_ref_init (&self->socket, NULL);
}

SioEvent *
_sio_event_new (SioSocket *socket,
                guint      generation,
                SioPacket *packet,
                gboolean   is_ack)
{
  SioEvent *self = (SioEvent *) g_object_new_with_properties (SIO_TYPE_EVENT, 0, NULL, NULL);
  JsonArray *array;

  if (packet->nsp != NULL && strcmp (packet->nsp, ROOT_NSP) != 0)
    self->nsp = g_strdup (packet->nsp);
  array = packet->data != NULL && JSON_NODE_HOLDS_ARRAY (packet->data)
          ? json_node_get_array (packet->data) : NULL;

  if (array == NULL)
    {
      /* args stay NULL: empty */
    }
  else if (is_ack)
    {
      self->args = json_array_ref (array);
    }
  else
    {
      JsonNode *first = json_array_get_element (array, 0);

      /* the packet is ours and about to be freed: drop the name in place,
       * keeping its node for the name string instead of copying it */
      self->name = (char *) json_node_get_string (first);
      if (self->name != NULL)
        self->name_node = json_node_ref (first);
      self->args = json_array_ref (array);
      json_array_remove_element (self->args, 0);
    }

  if (!is_ack)
    self->ack_id = packet->id;

  if (packet->attachments != NULL)
    self->attachments = g_ptr_array_ref (packet->attachments);

  /* only an event the server wants acknowledged needs its socket back */
  if (self->ack_id >= 0)
    set_socket (self, socket);
  self->generation = generation;

  return self;
}

SioEvent *
_sio_event_new_outgoing (SioSocket             *socket,
                         const char            *name,
                         JsonArray             *args,
                         const SioEnginePacket *attachments,
                         guint                  n_attachments)
{
  SioEvent *self = g_object_new (SIO_TYPE_EVENT, NULL);

  self->name = g_strdup (name);
  self->nsp = dup_nsp (sio_socket_get_namespace (socket));
  if (args != NULL)
    self->args = json_array_ref (args);
  for (guint i = 0; i < n_attachments; i++)
    g_ptr_array_add (ensure_attachments (self), g_bytes_ref (attachments[i].data));
  /* ack_id stays -1: nothing to answer; the socket is kept for reference */
  set_socket (self, socket);
  self->generation = G_MAXUINT;
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
  return ensure_args (self);
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
  _sio_json_write_array (out, ensure_args (self));
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
  return ensure_attachments (self);
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
  return self->attachments != NULL ? self->attachments->len : 0;
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
  if (self->attachments == NULL || index >= self->attachments->len)
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
