/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * SioSocket:
 *
 * One Socket.IO namespace, multiplexed on the connection of a
 * [class@Sio.Client].
 *
 * A socket is obtained with [method@Sio.Client.socket] (the client itself
 * is the socket of the namespace named by its URI). Open it with
 * [method@Sio.Socket.open] or [method@Sio.Socket.open_async], listen to
 * [signal@Sio.Socket::event] (detailed by the event name) and send with
 * [method@Sio.Socket.emit] and its variants.
 *
 * Everything happens on the thread-default [struct@GLib.MainContext] that
 * was current when the client was created: signals are emitted there and
 * the socket must be used from that thread.
 *
 * Emits made while the socket is not connected are buffered and sent, in
 * order, once it is (unless %SIO_EMIT_VOLATILE is given). A pending
 * acknowledgement always ends: with the server's reply, its timeout,
 * cancellation, or %SIO_ERROR_DISCONNECTED.
 *
 * In Python and JavaScript, `emit()` on a socket is this class's
 * [method@Sio.Socket.emit], which hides GObject's signal-emitting `emit()`.
 * Should you ever need the latter, call `GObject.Object.emit (socket, …)`
 * in Python and `GObject.signal_emit_by_name (socket, …)` in GJS.
 *
 * ## Example
 *
 * ```c
 * static void
 * on_chat (SioSocket *socket, SioEvent *event, gpointer user_data)
 * {
 *   g_autofree char *args = sio_event_get_args_json (event);
 *   g_print ("chat: %s\n", args);
 * }
 *
 * SioSocket *admin = sio_client_socket (client, "/admin");
 * g_signal_connect (admin, "event::chat", G_CALLBACK (on_chat), NULL);
 * sio_socket_open (admin);
 * sio_socket_emit_json (admin, "chat", "[\"hello\"]", NULL);
 * ```
 *
 * Since: 1.0
 */
#include "sio-private.h"

#include "sio-enum-types.h"
#include "sio-json-private.h"
#include "sio-marshal.h"
#include "sio-socket-private.h"

typedef enum
{
  PHASE_IDLE,
  PHASE_CONNECTING,
  PHASE_CONNECTED,
} Phase;

typedef struct _AckCall AckCall;

/* An emit waiting in the send buffer. */
typedef struct
{
  /* the Engine.IO messages: the text packet, then the attachments */
  SioEnginePacket *packets;
  guint            n_packets;
  /* the ack waiting for this emit, or NULL */
  AckCall         *call;
  /* what the outgoing signal reports once it leaves (events only) */
  char            *event;
  JsonArray       *args;
} Outgoing;

/* An emit under the `retries` policy: queued, sent one at a time with an
 * ack asked, and sent again until the server acks it. */
typedef struct
{
  char          *event;
  JsonArray     *args;
  GBytes       **attachments;
  guint          n_attachments;
  int            timeout_ms;
  GCancellable  *cancellable;
  /* the application's task (it asked for the ack), or NULL */
  GTask         *task;
  /* sends so far */
  guint          tries;
  /* a send is waiting for its ack */
  gboolean       pending;
} RetryEntry;

struct _AckCall
{
  /* owns a reference to the socket (its source object) */
  GTask        *task;
  SioSocket    *socket;
  gint64        id;
  GSource      *timeout;
  GCancellable *cancellable;
  gulong        cancelled_id;
  /* the emit left the buffer: a disconnection fails it */
  gboolean      sent;
  /* completes a cancellation outside the cancelled handler */
  GSource      *cancel_idle;
};

typedef struct
{
  /* the namespace, such as "/" or "/admin" */
  char       *nsp;
  /* the connection; not a reference: the client owns its sockets */
  SioClient  *client;
  /* the socket id given by the server; NULL while not connected */
  char       *id;
  gboolean    recovered;
  /* the CONNECT payload (v5) */
  JsonNode   *auth;
  guint       ack_timeout;
  guint       retries;
  Phase       phase;
  /* the application wants the namespace joined (open and not closed) */
  gboolean    want_open;
  /* Outgoing emits waiting for the connection */
  GQueue      send_buffer;
  /* RetryEntry emits of the retries policy, head first */
  GQueue      retry_queue;
  /* SioPacket events that arrived before the CONNECT reply */
  GQueue      recv_buffer;
  /* ack id (gint64*) -> AckCall */
  GHashTable *acks;
  gint64      next_ack_id;
  /* GTask of open_async calls waiting for the outcome */
  GPtrArray  *open_tasks;
  /* connection state recovery: private session id and last offset */
  char       *pid;
  char       *offset;
  /* the pid sent with the last CONNECT, to tell whether it was recovered */
  char       *pid_sent;
  /* bumped on every (dis)connection: an ack is only sent on its own connection */
  guint       generation;
  /* the detail of the last event dispatched, when its name was a quark:
   * spares the quark table's lock and lookup for runs of the same event */
  GQuark      last_event_quark;
  /* the value of n-buffered last notified */
  guint       n_buffered;
  /* when the last CONNECT left (monotonic µs), for the round-trip time */
  gint64      connect_sent_at;
} SioSocketPrivate;

G_DEFINE_TYPE_WITH_PRIVATE (SioSocket, sio_socket, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_NAMESPACE,
  PROP_CLIENT,
  PROP_ID,
  PROP_CONNECTED,
  PROP_RECOVERED,
  PROP_AUTH,
  PROP_ACK_TIMEOUT,
  PROP_RETRIES,
  PROP_N_BUFFERED,
  N_PROPS
};

enum {
  SIGNAL_CONNECTED,
  SIGNAL_DISCONNECTED,
  SIGNAL_CONNECT_ERROR,
  SIGNAL_EVENT,
  SIGNAL_OUTGOING,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void drain_retry_queue (SioSocket *self);
static void buffered_changed  (SioSocket *self);
static void fail_retry_queue  (SioSocket *self);
static void retry_entry_free  (RetryEntry *entry);

static const char * const reserved_names[] = {
  "connect", "connect_error", "disconnect", "disconnecting",
  "newListener", "removeListener", NULL
};

#define PRIV(s) ((SioSocketPrivate *) sio_socket_get_instance_private (s))

gboolean
_sio_check_event_name (const char  *event,
                       GError     **error)
{
  if (event == NULL || event[0] == '\0')
    {
      g_set_error (error, SIO_ERROR, SIO_ERROR_INVALID_ARGUMENT,
                   _("An event needs a name"));
      return FALSE;
    }
  if (g_strv_contains (reserved_names, event))
    {
      g_set_error (error, SIO_ERROR, SIO_ERROR_INVALID_ARGUMENT,
                   _("“%s” is a reserved event name and cannot be emitted"), event);
      return FALSE;
    }
  if (!g_utf8_validate (event, -1, NULL))
    {
      g_set_error (error, SIO_ERROR, SIO_ERROR_INVALID_ARGUMENT,
                   _("The event name is not valid UTF-8"));
      return FALSE;
    }
  return TRUE;
}

/* ---- outgoing packets ------------------------------------------------ */

static void
outgoing_free (Outgoing *out)
{
  for (guint i = 0; i < out->n_packets; i++)
    _sio_engine_packet_clear (&out->packets[i]);
  g_free (out->packets);
  g_free (out->event);
  g_clear_pointer (&out->args, json_array_unref);
  g_free (out);
}

/* The outgoing signal, built only for someone listening. */
static void
notify_outgoing (SioSocket             *self,
                 const char            *event,
                 JsonArray             *args,
                 const SioEnginePacket *attachments,
                 guint                  n_attachments)
{
  GQuark detail;
  g_autoptr(SioEvent) outgoing = NULL;

  if (event == NULL)
    return;
  /* the common case, nobody listens: one look at the handler list */
  if (g_signal_handler_find (self, G_SIGNAL_MATCH_ID, signals[SIGNAL_OUTGOING],
                             0, NULL, NULL, NULL) == 0)
    return;
  /* a name never interned has no detailed handler */
  detail = g_quark_try_string (event);
  if (!g_signal_has_handler_pending (self, signals[SIGNAL_OUTGOING], detail, FALSE))
    return;
  outgoing = _sio_event_new_outgoing (self, event, args, attachments, n_attachments);
  g_signal_emit (self, signals[SIGNAL_OUTGOING], detail, outgoing);
}

static guint
protocol_of (SioSocket *self)
{
  SioSocketPrivate *priv = PRIV (self);

  return priv->client != NULL ? _sio_client_get_protocol (priv->client) : 5;
}

/* Builds the Engine.IO messages of an EVENT or ACK packet:
 * <type>[<n>-][<nsp>,][<id>][<name>, args...] and the attachments. */
static Outgoing *
build_outgoing (SioSocket   *self,
                gboolean     is_ack,
                gint64       id,
                const char  *event,
                JsonArray   *args,
                GBytes     **attachments,
                guint        n_attachments)
{
  SioSocketPrivate *priv = PRIV (self);
  Outgoing *out = g_new0 (Outgoing, 1);
  SioPacket header = { 0, };
  GString *text = g_string_sized_new (64);
  gboolean first = TRUE;

  if (is_ack)
    header.type = n_attachments > 0 ? SIO_PACKET_BINARY_ACK : SIO_PACKET_ACK;
  else
    header.type = n_attachments > 0 ? SIO_PACKET_BINARY_EVENT : SIO_PACKET_EVENT;
  header.nsp = priv->nsp;
  header.id = id;
  header.n_attachments = n_attachments;
  _sio_packet_encode (protocol_of (self), &header, text);

  g_string_append_c (text, '[');
  if (event != NULL)
    {
      _sio_json_write_string (text, event);
      first = FALSE;
    }
  if (args != NULL)
    {
      guint n = json_array_get_length (args);

      for (guint i = 0; i < n; i++)
        {
          if (!first)
            g_string_append_c (text, ',');
          first = FALSE;
          _sio_json_write (text, json_array_get_element (args, i));
        }
    }
  g_string_append_c (text, ']');

  out->n_packets = 1 + n_attachments;
  out->packets = g_new0 (SioEnginePacket, out->n_packets);
  {
    gsize len = text->len;
    GBytes *bytes = g_bytes_new_take (g_string_free (text, FALSE), len);

    _sio_engine_packet_init (&out->packets[0], SIO_ENGINE_PACKET_MESSAGE, FALSE, bytes);
    g_bytes_unref (bytes);
  }
  for (guint i = 0; i < n_attachments; i++)
    _sio_engine_packet_init (&out->packets[1 + i], SIO_ENGINE_PACKET_MESSAGE, TRUE, attachments[i]);

  return out;
}

static void
send_packets (SioSocket             *self,
              const SioEnginePacket *packets,
              guint                  n_packets)
{
  SioSocketPrivate *priv = PRIV (self);
  SioEngine *engine = priv->client != NULL ? _sio_client_get_engine (priv->client) : NULL;

  if (engine != NULL)
    _sio_engine_send (engine, packets, n_packets);
}

static void
send_simple (SioSocket     *self,
             SioPacketType  type,
             JsonNode      *data)
{
  SioPacket packet = { 0, };
  GString *text = g_string_sized_new (32);
  SioEnginePacket message;
  gsize len;

  packet.type = type;
  packet.nsp = PRIV (self)->nsp;
  packet.id = -1;
  packet.data = data;
  _sio_packet_encode (protocol_of (self), &packet, text);
  SIO_TRACE ("socket %s: send %.*s", packet.nsp, (int) MIN (text->len, 200), text->str);
  len = text->len;
  {
    g_autoptr(GBytes) bytes = g_bytes_new_take (g_string_free (text, FALSE), len);
    _sio_engine_packet_init (&message, SIO_ENGINE_PACKET_MESSAGE, FALSE, bytes);
  }
  send_packets (self, &message, 1);
  _sio_engine_packet_clear (&message);
}

/* ---- acks ----------------------------------------------------------- */

static void
ack_call_free (AckCall *call)
{
  if (call->cancel_idle != NULL)
    {
      g_source_destroy (call->cancel_idle);
      g_source_unref (call->cancel_idle);
    }
  if (call->timeout != NULL)
    {
      g_source_destroy (call->timeout);
      g_source_unref (call->timeout);
    }
  if (call->cancelled_id != 0)
    g_cancellable_disconnect (call->cancellable, call->cancelled_id);
  g_clear_object (&call->cancellable);
  g_clear_object (&call->task);
  g_free (call);
}

/* Ends the call: takes it out of the table (if still there) and returns
 * on its task. @event or @error (owned). */
static void
ack_call_finish (AckCall  *call,
                 SioEvent *event,
                 GError   *error)
{
  SioSocketPrivate *priv = PRIV (call->socket);
  GTask *task = g_object_ref (call->task);

  if (call->id >= 0)
    g_hash_table_steal (priv->acks, &call->id);
  ack_call_free (call);

  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, event, g_object_unref);
  g_object_unref (task);
}

/* Takes the emit of @call out of the send buffer, if it is still there. */
static void
drop_buffered (AckCall *call)
{
  SioSocketPrivate *priv = PRIV (call->socket);

  for (GList *l = priv->send_buffer.head; l != NULL; l = l->next)
    {
      Outgoing *out = l->data;

      if (out->call == call)
        {
          g_queue_delete_link (&priv->send_buffer, l);
          outgoing_free (out);
          buffered_changed (call->socket);
          return;
        }
    }
}

static gboolean
ack_timeout_cb (gpointer user_data)
{
  AckCall *call = user_data;

  g_clear_pointer (&call->timeout, g_source_unref);
  /* still in the buffer? take it out: it must not be sent after failing */
  drop_buffered (call);
  ack_call_finish (call, NULL,
                   g_error_new (SIO_ERROR, SIO_ERROR_TIMEOUT,
                                _("The server did not acknowledge the event in time")));
  return G_SOURCE_REMOVE;
}

static gboolean
ack_cancelled_idle (gpointer user_data)
{
  AckCall *call = user_data;

  g_clear_pointer (&call->cancel_idle, g_source_unref);
  drop_buffered (call);
  ack_call_finish (call, NULL,
                   g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                        _("The operation was cancelled")));
  return G_SOURCE_REMOVE;
}

static void
ack_cancelled (GCancellable *cancellable,
               gpointer      user_data)
{
  AckCall *call = user_data;

  /* not from inside the handler: g_cancellable_disconnect would deadlock */
  if (call->timeout != NULL)
    {
      g_source_destroy (call->timeout);
      g_clear_pointer (&call->timeout, g_source_unref);
    }
  if (call->cancel_idle != NULL)
    return;
  call->cancel_idle = g_idle_source_new ();
  g_source_set_callback (call->cancel_idle, ack_cancelled_idle, call, NULL);
  g_source_attach (call->cancel_idle, g_task_get_context (call->task));
}

/* How an acknowledgement ends when the socket goes away first. */
static GError *
ack_disconnected_error (void)
{
  return g_error_new_literal (SIO_ERROR, SIO_ERROR_DISCONNECTED,
                              _("The socket was disconnected before the server acknowledged the event"));
}

/* Fails every ack whose emit already left (or all of them). */
static void
fail_acks (SioSocket *self,
           gboolean   including_buffered)
{
  SioSocketPrivate *priv = PRIV (self);
  GHashTableIter iter;
  gpointer value;
  g_autoptr(GPtrArray) failed = g_ptr_array_new ();

  g_hash_table_iter_init (&iter, priv->acks);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      AckCall *call = value;

      if (call->sent || including_buffered)
        {
          g_hash_table_iter_steal (&iter);
          call->id = -1;
          g_ptr_array_add (failed, call);
        }
    }

  if (including_buffered)
    {
      Outgoing *out;
      while ((out = g_queue_pop_head (&priv->send_buffer)) != NULL)
        outgoing_free (out);
      buffered_changed (self);
    }

  for (guint i = 0; i < failed->len; i++)
    ack_call_finish (g_ptr_array_index (failed, i), NULL, ack_disconnected_error ());
}

/* ---- connection life ------------------------------------------------ */

static void
set_connected (SioSocket  *self,
               gboolean    connected,
               const char *id)
{
  SioSocketPrivate *priv = PRIV (self);
  gboolean was = priv->phase == PHASE_CONNECTED;

  priv->phase = connected ? PHASE_CONNECTED : PHASE_IDLE;
  if (g_strcmp0 (priv->id, id) != 0)
    {
      g_free (priv->id);
      priv->id = g_strdup (id);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ID]);
    }
  if (was != connected)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONNECTED]);
}

static void
complete_open_tasks (SioSocket    *self,
                     const GError *error)
{
  SioSocketPrivate *priv = PRIV (self);
  g_autoptr(GPtrArray) tasks = NULL;

  if (priv->open_tasks->len == 0)
    return;
  tasks = g_steal_pointer (&priv->open_tasks);
  priv->open_tasks = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < tasks->len; i++)
    {
      GTask *task = g_ptr_array_index (tasks, i);

      if (error != NULL)
        g_task_return_error (task, g_error_copy (error));
      else
        g_task_return_boolean (task, TRUE);
    }
}

static void
send_connect (SioSocket *self)
{
  SioSocketPrivate *priv = PRIV (self);
  guint protocol = protocol_of (self);
  g_autoptr(JsonNode) payload = NULL;

  priv->phase = PHASE_CONNECTING;

  if (protocol < 5)
    {
      /* v4: "/" is joined implicitly after the handshake */
      if (g_strcmp0 (priv->nsp, "/") != 0)
        send_simple (self, SIO_PACKET_CONNECT, NULL);
      return;
    }

  g_clear_pointer (&priv->pid_sent, g_free);
  if (priv->pid != NULL)
    {
      JsonObject *obj = json_object_new ();

      json_object_set_string_member (obj, "pid", priv->pid);
      if (priv->offset != NULL)
        json_object_set_string_member (obj, "offset", priv->offset);
      if (priv->auth != NULL && JSON_NODE_HOLDS_OBJECT (priv->auth))
        {
          JsonObjectIter iter;
          const char *name;
          JsonNode *node;

          json_object_iter_init_ordered (&iter, json_node_get_object (priv->auth));
          while (json_object_iter_next_ordered (&iter, &name, &node))
            if (g_strcmp0 (name, "pid") != 0 && g_strcmp0 (name, "offset") != 0)
              json_object_set_member (obj, name, json_node_copy (node));
        }
      payload = json_node_init_object (json_node_alloc (), obj);
      json_object_unref (obj);
      priv->pid_sent = g_strdup (priv->pid);
    }
  else if (priv->auth != NULL && JSON_NODE_HOLDS_OBJECT (priv->auth))
    {
      payload = json_node_ref (priv->auth);
    }

  priv->connect_sent_at = g_get_monotonic_time ();
  send_simple (self, SIO_PACKET_CONNECT, payload);
}

void
_sio_socket_engine_opened (SioSocket *self)
{
  SioSocketPrivate *priv = PRIV (self);

  if (priv->want_open && priv->phase == PHASE_IDLE)
    send_connect (self);
}

static void
flush_send_buffer (SioSocket *self)
{
  SioSocketPrivate *priv = PRIV (self);
  Outgoing *out;

  while (priv->phase == PHASE_CONNECTED &&
         (out = g_queue_pop_head (&priv->send_buffer)) != NULL)
    {
      if (out->call != NULL)
        out->call->sent = TRUE;
      notify_outgoing (self, out->event, out->args, out->packets + 1, out->n_packets - 1);
      send_packets (self, out->packets, out->n_packets);
      outgoing_free (out);
    }
  buffered_changed (self);
}

static void dispatch_event (SioSocket *self, SioPacket *packet);

static void
handle_connect (SioSocket *self,
                SioPacket *packet)
{
  SioSocketPrivate *priv = PRIV (self);
  g_autofree char *id = NULL;
  gboolean recovered = FALSE;
  SioPacket *buffered;
  gint64 rtt = -1;

  if (priv->phase == PHASE_CONNECTED)
    return;

  if (protocol_of (self) >= 5)
    {
      JsonObject *obj = packet->data != NULL && JSON_NODE_HOLDS_OBJECT (packet->data)
                        ? json_node_get_object (packet->data) : NULL;
      JsonNode *sid = obj != NULL ? json_object_get_member (obj, "sid") : NULL;
      JsonNode *pid = obj != NULL ? json_object_get_member (obj, "pid") : NULL;

      if (sid == NULL || json_node_get_value_type (sid) != G_TYPE_STRING)
        {
          g_autoptr(GError) error = g_error_new (SIO_ERROR, SIO_ERROR_PROTOCOL,
                                                 _("The server’s CONNECT reply has no session id; is it a Socket.IO 2.x server? Set engine-io-version to 3"));
          priv->want_open = FALSE;
          priv->phase = PHASE_IDLE;
          g_signal_emit (self, signals[SIGNAL_CONNECT_ERROR], 0, error, NULL);
          complete_open_tasks (self, error);
          fail_acks (self, TRUE);
          if (priv->client != NULL)
            _sio_client_socket_left (priv->client, self);
          return;
        }
      id = g_strdup (json_node_get_string (sid));
      if (priv->connect_sent_at > 0)
        rtt = (g_get_monotonic_time () - priv->connect_sent_at) / 1000;
      priv->connect_sent_at = 0;

      if (pid != NULL && json_node_get_value_type (pid) == G_TYPE_STRING)
        {
          recovered = priv->pid_sent != NULL &&
                      g_strcmp0 (priv->pid_sent, json_node_get_string (pid)) == 0;
          g_free (priv->pid);
          priv->pid = g_strdup (json_node_get_string (pid));
        }
      else
        {
          g_clear_pointer (&priv->pid, g_free);
        }
      if (!recovered)
        g_clear_pointer (&priv->offset, g_free);
    }
  else
    {
      SioEngine *engine = _sio_client_get_engine (priv->client);
      const char *sid = engine != NULL ? _sio_engine_get_sid (engine) : NULL;

      if (g_strcmp0 (priv->nsp, "/") == 0)
        id = g_strdup (sid);
      else
        id = g_strdup_printf ("%s#%s", priv->nsp, sid);
    }

  SIO_TRACE ("socket %s: connected as %s%s", priv->nsp, id, recovered ? " (recovered)" : "");
  priv->generation++;
  if (priv->recovered != recovered)
    {
      priv->recovered = recovered;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RECOVERED]);
    }
  set_connected (self, TRUE, id);

  /* reference order: events that came early, then our buffer, then `connected` */
  g_object_ref (self);
  while (priv->phase == PHASE_CONNECTED &&
         (buffered = g_queue_pop_head (&priv->recv_buffer)) != NULL)
    {
      dispatch_event (self, buffered);
      _sio_packet_free (buffered);
    }
  flush_send_buffer (self);
  drain_retry_queue (self);
  if (priv->phase == PHASE_CONNECTED)
    {
      g_signal_emit (self, signals[SIGNAL_CONNECTED], 0);
      complete_open_tasks (self, NULL);
    }
  /* v5: the CONNECT round trip is this connection's first measure */
  if (rtt >= 0 && priv->client != NULL)
    _sio_client_report_rtt (priv->client, rtt);
  g_object_unref (self);
}

static void
clear_recv_buffer (SioSocket *self)
{
  SioSocketPrivate *priv = PRIV (self);
  SioPacket *packet;

  while ((packet = g_queue_pop_head (&priv->recv_buffer)) != NULL)
    _sio_packet_free (packet);
}

void
_sio_socket_engine_lost (SioSocket           *self,
                         SioDisconnectReason  reason)
{
  SioSocketPrivate *priv = PRIV (self);
  gboolean was_connected = priv->phase == PHASE_CONNECTED;

  clear_recv_buffer (self);
  if (priv->phase == PHASE_IDLE)
    return;

  priv->generation++;
  set_connected (self, FALSE, NULL);
  g_object_ref (self);
  fail_acks (self, FALSE);
  if (was_connected)
    g_signal_emit (self, signals[SIGNAL_DISCONNECTED], 0, reason);
  g_object_unref (self);
}

void
_sio_socket_attempt_failed (SioSocket    *self,
                            const GError *error,
                            gboolean      giving_up)
{
  SioSocketPrivate *priv = PRIV (self);

  if (!priv->want_open)
    return;

  g_object_ref (self);
  /* the failure of the last attempt was reported already: giving up only ends what waits */
  if (!giving_up)
    g_signal_emit (self, signals[SIGNAL_CONNECT_ERROR], 0, error, NULL);
  complete_open_tasks (self, error);
  if (giving_up)
    {
      priv->want_open = FALSE;
      fail_acks (self, TRUE);
      fail_retry_queue (self);
    }
  g_object_unref (self);
}

void
_sio_socket_abandon (SioSocket *self,
                     gboolean   notify_client_close)
{
  SioSocketPrivate *priv = PRIV (self);
  gboolean was_connected = priv->phase == PHASE_CONNECTED;
  g_autoptr(GError) error = NULL;

  g_object_ref (self);
  if (was_connected && notify_client_close)
    send_simple (self, SIO_PACKET_DISCONNECT, NULL);
  priv->want_open = FALSE;
  clear_recv_buffer (self);
  if (priv->phase != PHASE_IDLE)
    {
      priv->generation++;
      set_connected (self, FALSE, NULL);
    }
  fail_acks (self, TRUE);
  fail_retry_queue (self);
  error = g_error_new (SIO_ERROR, SIO_ERROR_DISCONNECTED,
                       _("The socket was closed before it connected"));
  complete_open_tasks (self, error);
  if (was_connected)
    g_signal_emit (self, signals[SIGNAL_DISCONNECTED], 0,
                   notify_client_close ? SIO_DISCONNECT_REASON_CLIENT : SIO_DISCONNECT_REASON_TRANSPORT_CLOSE);
  g_object_unref (self);
}

/* ---- incoming packets ----------------------------------------------- */

static void
dispatch_event (SioSocket *self,
                SioPacket *packet)
{
  SioSocketPrivate *priv = PRIV (self);
  g_autoptr(SioEvent) event = NULL;
  const char *name;
  JsonArray *array = json_node_get_array (packet->data);

  /* connection state recovery: the server appends an offset to every
   * event it may replay; remember the last (it stays visible to handlers,
   * as in the reference client) */
  if (priv->pid != NULL && packet->id < 0)
    {
      guint n = json_array_get_length (array);
      JsonNode *last = n > 1 ? json_array_get_element (array, n - 1) : NULL;

      if (last != NULL && json_node_get_value_type (last) == G_TYPE_STRING)
        {
          g_free (priv->offset);
          priv->offset = g_strdup (json_node_get_string (last));
        }
    }

  event = _sio_event_new (self, priv->generation, packet, FALSE);
  name = sio_event_get_name (event);
  SIO_TRACE ("socket %s: event %s", priv->nsp, name);
  /* never intern a name that came from the server (quarks live forever,
   * so a remembered one stays right) */
  if (name == NULL ||
      priv->last_event_quark == 0 ||
      strcmp (name, g_quark_to_string (priv->last_event_quark)) != 0)
    priv->last_event_quark = g_quark_try_string (name);
  g_signal_emit (self, signals[SIGNAL_EVENT], priv->last_event_quark, event);
}

static void
handle_ack (SioSocket *self,
            SioPacket *packet)
{
  SioSocketPrivate *priv = PRIV (self);
  AckCall *call = g_hash_table_lookup (priv->acks, &packet->id);

  if (call == NULL)
    {
      SIO_TRACE ("socket %s: ack for unknown id %" G_GINT64_FORMAT " ignored", priv->nsp, packet->id);
      return;
    }
  ack_call_finish (call, _sio_event_new (self, priv->generation, packet, TRUE), NULL);
}

static void
handle_connect_error (SioSocket *self,
                      SioPacket *packet)
{
  SioSocketPrivate *priv = PRIV (self);
  g_autoptr(GError) error = NULL;
  const char *message = NULL;
  JsonNode *data = NULL;

  if (packet->data != NULL)
    {
      if (JSON_NODE_HOLDS_OBJECT (packet->data))
        {
          JsonObject *obj = json_node_get_object (packet->data);
          JsonNode *m = json_object_get_member (obj, "message");

          if (m != NULL && json_node_get_value_type (m) == G_TYPE_STRING)
            message = json_node_get_string (m);
          data = json_object_get_member (obj, "data");
        }
      else if (json_node_get_value_type (packet->data) == G_TYPE_STRING)
        {
          message = json_node_get_string (packet->data);
        }
      else if (protocol_of (self) < 5)
        {
          data = packet->data;
        }
    }

  if (message != NULL)
    error = g_error_new_literal (SIO_ERROR, SIO_ERROR_CONNECT_REFUSED, message);
  else
    error = g_error_new (SIO_ERROR, SIO_ERROR_CONNECT_REFUSED,
                         _("The server refused to connect the namespace “%s”"), priv->nsp);

  SIO_TRACE ("socket %s: connect error: %s", priv->nsp, error->message);
  g_object_ref (self);
  priv->want_open = FALSE;
  if (priv->phase != PHASE_IDLE)
    set_connected (self, FALSE, NULL);
  clear_recv_buffer (self);
  g_signal_emit (self, signals[SIGNAL_CONNECT_ERROR], 0, error, data);
  complete_open_tasks (self, error);
  fail_acks (self, TRUE);
  fail_retry_queue (self);
  if (priv->client != NULL)
    _sio_client_socket_left (priv->client, self);
  g_object_unref (self);
}

static void
handle_disconnect (SioSocket *self)
{
  SioSocketPrivate *priv = PRIV (self);
  gboolean was_connected = priv->phase == PHASE_CONNECTED;

  SIO_TRACE ("socket %s: disconnected by the server", priv->nsp);
  g_object_ref (self);
  priv->want_open = FALSE;
  priv->generation++;
  clear_recv_buffer (self);
  set_connected (self, FALSE, NULL);
  /* an explicit disconnect ends the session: no recovery */
  g_clear_pointer (&priv->pid, g_free);
  g_clear_pointer (&priv->offset, g_free);
  fail_acks (self, TRUE);
  fail_retry_queue (self);
  if (was_connected)
    g_signal_emit (self, signals[SIGNAL_DISCONNECTED], 0, SIO_DISCONNECT_REASON_SERVER);
  if (priv->client != NULL)
    _sio_client_socket_left (priv->client, self);
  g_object_unref (self);
}

void
_sio_socket_handle_packet (SioSocket *self,
                           SioPacket *packet)
{
  SioSocketPrivate *priv = PRIV (self);

  switch (packet->type)
    {
    case SIO_PACKET_CONNECT:
      if (priv->want_open)
        handle_connect (self, packet);
      break;

    case SIO_PACKET_DISCONNECT:
      if (priv->phase != PHASE_IDLE)
        handle_disconnect (self);
      break;

    case SIO_PACKET_EVENT:
    case SIO_PACKET_BINARY_EVENT:
      if (priv->phase == PHASE_CONNECTED)
        dispatch_event (self, packet);
      else if (priv->phase == PHASE_CONNECTING)
        {
          /* e.g. events replayed by connection state recovery */
          SioPacket *copy = _sio_packet_new (packet->type, packet->nsp);

          copy->id = packet->id;
          copy->data = g_steal_pointer (&packet->data);
          copy->n_attachments = packet->n_attachments;
          copy->attachments = g_steal_pointer (&packet->attachments);
          g_queue_push_tail (&priv->recv_buffer, copy);
        }
      break;

    case SIO_PACKET_ACK:
    case SIO_PACKET_BINARY_ACK:
      handle_ack (self, packet);
      break;

    case SIO_PACKET_CONNECT_ERROR:
      if (priv->want_open || priv->phase != PHASE_IDLE)
        handle_connect_error (self, packet);
      break;

    default:
      break;
    }
}

gboolean
_sio_socket_send_ack (SioSocket  *self,
                      guint       generation,
                      gint64      id,
                      JsonArray  *args,
                      GBytes    **attachments,
                      guint       n_attachments)
{
  SioSocketPrivate *priv = PRIV (self);
  Outgoing *out;

  if (priv->phase != PHASE_CONNECTED || priv->generation != generation)
    return FALSE;

  out = build_outgoing (self, TRUE, id, NULL, args, attachments, n_attachments);
  send_packets (self, out->packets, out->n_packets);
  outgoing_free (out);
  return TRUE;
}

/* ---- client plumbing ------------------------------------------------ */

void
_sio_socket_attach (SioSocket *self,
                    SioClient *client)
{
  PRIV (self)->client = client;
}

void
_sio_socket_detach (SioSocket *self)
{
  _sio_socket_abandon (self, FALSE);
  PRIV (self)->client = NULL;
}

void
_sio_socket_set_namespace (SioSocket  *self,
                           const char *nsp)
{
  SioSocketPrivate *priv = PRIV (self);

  g_free (priv->nsp);
  priv->nsp = g_strdup (nsp != NULL && nsp[0] != '\0' ? nsp : "/");
}

gboolean
_sio_socket_wants_open (SioSocket *self)
{
  return PRIV (self)->want_open;
}

gboolean
_sio_socket_is_joined (SioSocket *self)
{
  return PRIV (self)->phase != PHASE_IDLE;
}

static guint
count_buffered (SioSocket *self)
{
  SioSocketPrivate *priv = PRIV (self);
  guint n = priv->send_buffer.length;

  /* retried emits wait in their own queue; the one in flight is sent */
  for (GList *l = priv->retry_queue.head; l != NULL; l = l->next)
    if (!((RetryEntry *) l->data)->pending)
      n++;
  return n;
}

/* Notifies n-buffered when the count moved. */
static void
buffered_changed (SioSocket *self)
{
  SioSocketPrivate *priv = PRIV (self);
  guint n = count_buffered (self);

  if (n == priv->n_buffered)
    return;
  priv->n_buffered = n;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_BUFFERED]);
}

/* ---- GObject -------------------------------------------------------- */

static void
sio_socket_dispose (GObject *object)
{
  SioSocket *self = SIO_SOCKET (object);
  SioSocketPrivate *priv = PRIV (self);

  if (priv->acks != NULL)
    fail_acks (self, TRUE);
  fail_retry_queue (self);
  clear_recv_buffer (self);
  if (priv->open_tasks != NULL && priv->open_tasks->len > 0)
    {
      g_autoptr(GError) error = g_error_new (SIO_ERROR, SIO_ERROR_DISCONNECTED,
                                             _("The socket was closed before it connected"));
      complete_open_tasks (self, error);
    }

  G_OBJECT_CLASS (sio_socket_parent_class)->dispose (object);
}

static void
sio_socket_finalize (GObject *object)
{
  SioSocketPrivate *priv = PRIV (SIO_SOCKET (object));

  g_free (priv->nsp);
  g_free (priv->id);
  g_free (priv->pid);
  g_free (priv->pid_sent);
  g_free (priv->offset);
  g_clear_pointer (&priv->auth, json_node_unref);
  g_clear_pointer (&priv->acks, g_hash_table_unref);
  g_clear_pointer (&priv->open_tasks, g_ptr_array_unref);
  g_queue_clear_full (&priv->retry_queue, (GDestroyNotify) retry_entry_free);

  G_OBJECT_CLASS (sio_socket_parent_class)->finalize (object);
}

static void
sio_socket_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  SioSocket *self = SIO_SOCKET (object);
  SioSocketPrivate *priv = PRIV (self);

  switch (prop_id)
    {
    case PROP_NAMESPACE:
      g_value_set_string (value, priv->nsp);
      break;
    case PROP_CLIENT:
      g_value_set_object (value, priv->client);
      break;
    case PROP_ID:
      g_value_set_string (value, priv->id);
      break;
    case PROP_CONNECTED:
      g_value_set_boolean (value, priv->phase == PHASE_CONNECTED);
      break;
    case PROP_RECOVERED:
      g_value_set_boolean (value, priv->recovered);
      break;
    case PROP_AUTH:
      g_value_set_boxed (value, priv->auth);
      break;
    case PROP_ACK_TIMEOUT:
      g_value_set_uint (value, priv->ack_timeout);
      break;
    case PROP_RETRIES:
      g_value_set_uint (value, priv->retries);
      break;
    case PROP_N_BUFFERED:
      g_value_set_uint (value, priv->n_buffered);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sio_socket_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  SioSocket *self = SIO_SOCKET (object);

  switch (prop_id)
    {
    case PROP_NAMESPACE:
      if (g_value_get_string (value) != NULL)
        _sio_socket_set_namespace (self, g_value_get_string (value));
      break;
    case PROP_AUTH:
      sio_socket_set_auth (self, g_value_get_boxed (value));
      break;
    case PROP_ACK_TIMEOUT:
      sio_socket_set_ack_timeout (self, g_value_get_uint (value));
      break;
    case PROP_RETRIES:
      sio_socket_set_retries (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sio_socket_class_init (SioSocketClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = sio_socket_dispose;
  object_class->finalize = sio_socket_finalize;
  object_class->get_property = sio_socket_get_property;
  object_class->set_property = sio_socket_set_property;

  /**
   * SioSocket:namespace:
   *
   * The namespace, such as `"/"` or `"/admin"`.
   *
   * Since: 1.0
   */
  properties[PROP_NAMESPACE] =
    g_param_spec_string ("namespace", NULL, NULL, "/",
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * SioSocket:client:
   *
   * The [class@Sio.Client] whose connection this socket travels on.
   *
   * Since: 1.0
   */
  properties[PROP_CLIENT] =
    g_param_spec_object ("client", NULL, NULL, SIO_TYPE_CLIENT,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * SioSocket:id:
   *
   * The socket id the server assigned, or %NULL when not connected.
   * With Engine.IO v3 servers it is the engine id for `/` and
   * `<namespace>#<engine id>` for other namespaces, as the server names it.
   *
   * Since: 1.0
   */
  properties[PROP_ID] =
    g_param_spec_string ("id", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * SioSocket:connected:
   *
   * %TRUE between [signal@Sio.Socket::connected] and
   * [signal@Sio.Socket::disconnected].
   *
   * Since: 1.0
   */
  properties[PROP_CONNECTED] =
    g_param_spec_boolean ("connected", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * SioSocket:recovered:
   *
   * %TRUE when the last connection restored the previous session
   * (connection state recovery of Socket.IO 4.6 servers): the socket id,
   * rooms and the events missed meanwhile were kept.
   *
   * Since: 1.0
   */
  properties[PROP_RECOVERED] =
    g_param_spec_boolean ("recovered", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * SioSocket:auth:
   *
   * A JSON object sent with the CONNECT packet (the `auth` option of the
   * JavaScript client), read again on every (re)connection. Engine.IO v3
   * servers (Socket.IO 2.x) have no CONNECT payload: it is ignored there;
   * pass credentials with [method@Sio.Client.set_query_param] instead.
   *
   * Since: 1.0
   */
  properties[PROP_AUTH] =
    g_param_spec_boxed ("auth", NULL, NULL, JSON_TYPE_NODE,
                        G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * SioSocket:ack-timeout:
   *
   * The default acknowledgement timeout in milliseconds, used when an emit
   * passes a negative timeout; 0 waits until the socket disconnects.
   *
   * Since: 1.0
   */
  properties[PROP_ACK_TIMEOUT] =
    g_param_spec_uint ("ack-timeout", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * SioSocket:retries:
   *
   * Guaranteed delivery as in the reference client: with a non-zero value,
   * each emit (volatile ones excepted) is queued, sent one at a time with
   * an acknowledgement asked of the server, and sent again when no
   * acknowledgement comes (after the emit's timeout or
   * [property@Sio.Socket:ack-timeout]) or the connection is lost before
   * it comes, at most this many extra times. The next emit leaves only
   * once the previous one was acknowledged or gave up, so order is kept.
   *
   * The server's handler must acknowledge (call its ack callback) even
   * when the application asked for no reply. An emit that gives up ends
   * its callback with %SIO_ERROR_TIMEOUT (or %SIO_ERROR_DISCONNECTED);
   * closing the socket ends every queued emit with
   * %SIO_ERROR_DISCONNECTED. A server may see an event more than once
   * when its acknowledgement was lost: make handlers idempotent.
   *
   * Since: 1.0
   */
  properties[PROP_RETRIES] =
    g_param_spec_uint ("retries", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * SioSocket:n-buffered:
   *
   * How many emits wait to be sent: those made while the socket was not
   * connected (sent, in order, once it is), and those queued behind an
   * unacknowledged emit under [property@Sio.Socket:retries]. Notified
   * when it changes; bind it to show an "offline, N pending" badge.
   *
   * Since: 1.0
   */
  properties[PROP_N_BUFFERED] =
    g_param_spec_uint ("n-buffered", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * SioSocket::connected:
   * @self: the socket
   *
   * The namespace was joined. Emits buffered while offline have been sent.
   *
   * Since: 1.0
   */
  signals[SIGNAL_CONNECTED] =
    g_signal_new ("connected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  /**
   * SioSocket::disconnected:
   * @self: the socket
   * @reason: why, a #SioDisconnectReason
   *
   * The namespace was left. After %SIO_DISCONNECT_REASON_SERVER and
   * %SIO_DISCONNECT_REASON_CLIENT there is no automatic reconnection.
   *
   * Since: 1.0
   */
  signals[SIGNAL_DISCONNECTED] =
    g_signal_new ("disconnected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, g_cclosure_marshal_VOID__ENUM,
                  G_TYPE_NONE, 1, SIO_TYPE_DISCONNECT_REASON);
  g_signal_set_va_marshaller (signals[SIGNAL_DISCONNECTED], G_TYPE_FROM_CLASS (klass),
                              g_cclosure_marshal_VOID__ENUMv);

  /**
   * SioSocket::connect-error:
   * @self: the socket
   * @error: what happened: %SIO_ERROR_CONNECT_REFUSED with the server's
   *   message, or %SIO_ERROR_TRANSPORT / %SIO_ERROR_TIMEOUT when the
   *   connection attempt failed
   * @data: (nullable): the `data` the server attached to its refusal
   *
   * The server refused the namespace (there is no automatic retry of a
   * refused namespace), or a connection attempt failed (the client may
   * retry, see [property@Sio.Client:reconnection]).
   *
   * Since: 1.0
   */
  signals[SIGNAL_CONNECT_ERROR] =
    g_signal_new ("connect-error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, _sio_marshal_VOID__BOXED_BOXED, G_TYPE_NONE, 2,
                  G_TYPE_ERROR, JSON_TYPE_NODE);
  g_signal_set_va_marshaller (signals[SIGNAL_CONNECT_ERROR], G_TYPE_FROM_CLASS (klass),
                              _sio_marshal_VOID__BOXED_BOXEDv);

  /**
   * SioSocket::event:
   * @self: the socket
   * @event: the event
   *
   * An event arrived. The signal is detailed by the event name: connect to
   * `"event::chat"` for the `chat` event only, or to `"event"` for all.
   *
   * Since: 1.0
   */
  signals[SIGNAL_EVENT] =
    g_signal_new ("event", G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST | G_SIGNAL_DETAILED,
                  0, NULL, NULL, g_cclosure_marshal_VOID__OBJECT,
                  G_TYPE_NONE, 1, SIO_TYPE_EVENT);
  /* one emission per incoming event: the va_list marshaller lets GObject
   * call a single handler without boxing the event in a GValue (and
   * G_SIGNAL_NO_RECURSE would rule that out; it would also make an event
   * arriving in a handler's nested main loop restart the handler with the
   * previous event instead of delivering the new one) */
  g_signal_set_va_marshaller (signals[SIGNAL_EVENT], G_TYPE_FROM_CLASS (klass),
                              g_cclosure_marshal_VOID__OBJECTv);

  /**
   * SioSocket::outgoing:
   * @self: the socket
   * @event: the event being sent
   *
   * An event is being sent (the catch-all of outgoing events, like
   * `onAnyOutgoing` of the JavaScript client): emitted when the event
   * leaves for the server, so an emit made while offline is reported when
   * it is flushed, and an emit under [property@Sio.Socket:retries] on each
   * send. Detailed by the event name, like [signal@Sio.Socket::event].
   *
   * @event carries the name, the arguments and the attachments; it is not
   * an incoming event, so [method@Sio.Event.wants_ack] is %FALSE. Nothing
   * is built when no handler is connected.
   *
   * Since: 1.0
   */
  signals[SIGNAL_OUTGOING] =
    g_signal_new ("outgoing", G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST | G_SIGNAL_DETAILED,
                  0, NULL, NULL, g_cclosure_marshal_VOID__OBJECT,
                  G_TYPE_NONE, 1, SIO_TYPE_EVENT);
  g_signal_set_va_marshaller (signals[SIGNAL_OUTGOING], G_TYPE_FROM_CLASS (klass),
                              g_cclosure_marshal_VOID__OBJECTv);
}

static guint
int64_hash (gconstpointer v)
{
  return g_int64_hash (v);
}

static void
sio_socket_init (SioSocket *self)
{
  SioSocketPrivate *priv = PRIV (self);

  priv->nsp = g_strdup ("/");
  priv->acks = g_hash_table_new (int64_hash, g_int64_equal);
  priv->open_tasks = g_ptr_array_new_with_free_func (g_object_unref);
  g_queue_init (&priv->send_buffer);
  g_queue_init (&priv->recv_buffer);
}

/* ---- public API ----------------------------------------------------- */

/**
 * sio_socket_get_namespace:
 * @self: a #SioSocket
 *
 * The namespace of the socket.
 *
 * Returns: the namespace, such as `"/"`
 *
 * Since: 1.0
 */
const char *
sio_socket_get_namespace (SioSocket *self)
{
  g_return_val_if_fail (SIO_IS_SOCKET (self), NULL);
  return PRIV (self)->nsp;
}

/**
 * sio_socket_get_client:
 * @self: a #SioSocket
 *
 * The client whose connection the socket uses.
 *
 * Returns: (transfer none) (nullable): the client
 *
 * Since: 1.0
 */
SioClient *
sio_socket_get_client (SioSocket *self)
{
  g_return_val_if_fail (SIO_IS_SOCKET (self), NULL);
  return PRIV (self)->client;
}

/**
 * sio_socket_get_id:
 * @self: a #SioSocket
 *
 * The socket id the server assigned.
 *
 * Returns: (nullable): the id, or %NULL when not connected
 *
 * Since: 1.0
 */
const char *
sio_socket_get_id (SioSocket *self)
{
  g_return_val_if_fail (SIO_IS_SOCKET (self), NULL);
  return PRIV (self)->id;
}

/**
 * sio_socket_get_connected:
 * @self: a #SioSocket
 *
 * Whether the namespace is joined.
 *
 * Returns: %TRUE when connected
 *
 * Since: 1.0
 */
gboolean
sio_socket_get_connected (SioSocket *self)
{
  g_return_val_if_fail (SIO_IS_SOCKET (self), FALSE);
  return PRIV (self)->phase == PHASE_CONNECTED;
}

/**
 * sio_socket_get_recovered:
 * @self: a #SioSocket
 *
 * Whether the last connection restored the previous session.
 *
 * Returns: %TRUE if the session was recovered
 *
 * Since: 1.0
 */
gboolean
sio_socket_get_recovered (SioSocket *self)
{
  g_return_val_if_fail (SIO_IS_SOCKET (self), FALSE);
  return PRIV (self)->recovered;
}

/**
 * sio_socket_get_auth:
 * @self: a #SioSocket
 *
 * The CONNECT payload.
 *
 * Returns: (transfer none) (nullable): the auth object
 *
 * Since: 1.0
 */
JsonNode *
sio_socket_get_auth (SioSocket *self)
{
  g_return_val_if_fail (SIO_IS_SOCKET (self), NULL);
  return PRIV (self)->auth;
}

/**
 * sio_socket_set_auth:
 * @self: a #SioSocket
 * @auth: (nullable): a JSON object, or %NULL
 *
 * Sets the payload sent with CONNECT on every (re)connection.
 *
 * Since: 1.0
 */
void
sio_socket_set_auth (SioSocket *self,
                     JsonNode  *auth)
{
  SioSocketPrivate *priv;

  g_return_if_fail (SIO_IS_SOCKET (self));
  g_return_if_fail (auth == NULL || JSON_NODE_HOLDS_OBJECT (auth));

  priv = PRIV (self);
  if (priv->auth == auth)
    return;
  g_clear_pointer (&priv->auth, json_node_unref);
  if (auth != NULL)
    priv->auth = json_node_copy (auth);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_AUTH]);
}

/**
 * sio_socket_set_auth_json:
 * @self: a #SioSocket
 * @auth_json: (nullable): a JSON object as text, or %NULL
 * @error: return location for a #GError
 *
 * Sets [property@Sio.Socket:auth] from JSON text, such as
 * `{"token": "abc"}`.
 *
 * Returns: %TRUE on success; %FALSE with %SIO_ERROR_INVALID_ARGUMENT if the
 *   text is not a JSON object
 *
 * Since: 1.0
 */
gboolean
sio_socket_set_auth_json (SioSocket   *self,
                          const char  *auth_json,
                          GError     **error)
{
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (SIO_IS_SOCKET (self), FALSE);

  if (auth_json == NULL)
    {
      sio_socket_set_auth (self, NULL);
      return TRUE;
    }
  node = _sio_json_parse (auth_json, strlen (auth_json), &local_error);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, SIO_ERROR, SIO_ERROR_INVALID_ARGUMENT,
                   _("The auth payload must be a JSON object: %s"),
                   local_error != NULL ? local_error->message : _("not an object"));
      return FALSE;
    }
  sio_socket_set_auth (self, node);
  return TRUE;
}

/**
 * sio_socket_get_ack_timeout:
 * @self: a #SioSocket
 *
 * The default acknowledgement timeout.
 *
 * Returns: the timeout in milliseconds; 0 for none
 *
 * Since: 1.0
 */
guint
sio_socket_get_ack_timeout (SioSocket *self)
{
  g_return_val_if_fail (SIO_IS_SOCKET (self), 0);
  return PRIV (self)->ack_timeout;
}

/**
 * sio_socket_set_ack_timeout:
 * @self: a #SioSocket
 * @ack_timeout: milliseconds; 0 for none
 *
 * Sets [property@Sio.Socket:ack-timeout].
 *
 * Since: 1.0
 */
void
sio_socket_set_ack_timeout (SioSocket *self,
                            guint      ack_timeout)
{
  g_return_if_fail (SIO_IS_SOCKET (self));
  if (PRIV (self)->ack_timeout == ack_timeout)
    return;
  PRIV (self)->ack_timeout = ack_timeout;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ACK_TIMEOUT]);
}

/**
 * sio_socket_get_retries:
 * @self: a #SioSocket
 *
 * The number of extra delivery attempts.
 *
 * Returns: the retries
 *
 * Since: 1.0
 */
guint
sio_socket_get_retries (SioSocket *self)
{
  g_return_val_if_fail (SIO_IS_SOCKET (self), 0);
  return PRIV (self)->retries;
}

/**
 * sio_socket_set_retries:
 * @self: a #SioSocket
 * @retries: extra delivery attempts
 *
 * Sets [property@Sio.Socket:retries].
 *
 * Since: 1.0
 */
void
sio_socket_set_retries (SioSocket *self,
                        guint      retries)
{
  g_return_if_fail (SIO_IS_SOCKET (self));
  if (PRIV (self)->retries == retries)
    return;
  PRIV (self)->retries = retries;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RETRIES]);
}

/**
 * sio_socket_get_n_buffered:
 * @self: a #SioSocket
 *
 * Gets the number of emits waiting to be sent: made while the socket was
 * not connected, or queued behind an unacknowledged one under
 * [property@Sio.Socket:retries].
 *
 * Returns: the value of [property@Sio.Socket:n-buffered]
 *
 * Since: 1.0
 */
guint
sio_socket_get_n_buffered (SioSocket *self)
{
  g_return_val_if_fail (SIO_IS_SOCKET (self), 0);

  return PRIV (self)->n_buffered;
}

/**
 * sio_socket_open:
 * @self: a #SioSocket
 *
 * Joins the namespace, opening the client's connection if needed. Does
 * nothing if the socket is already open or opening.
 *
 * Since: 1.0
 */
void
sio_socket_open (SioSocket *self)
{
  SioSocketPrivate *priv;

  g_return_if_fail (SIO_IS_SOCKET (self));
  priv = PRIV (self);
  g_return_if_fail (priv->client != NULL);

  if (priv->want_open)
    return;
  priv->want_open = TRUE;
  _sio_client_socket_wants_open (priv->client, self);
}

/**
 * sio_socket_open_async:
 * @self: a #SioSocket
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the outcome is known
 * @user_data: data for @callback
 *
 * Opens the socket like [method@Sio.Socket.open] and completes on the first
 * [signal@Sio.Socket::connected] (success) or
 * [signal@Sio.Socket::connect-error] (failure).
 *
 * Since: 1.0
 */
void
sio_socket_open_async (SioSocket           *self,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  SioSocketPrivate *priv;

  g_return_if_fail (SIO_IS_SOCKET (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  priv = PRIV (self);
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sio_socket_open_async);
  g_task_set_check_cancellable (task, TRUE);

  if (priv->client == NULL)
    {
      g_task_return_new_error (task, SIO_ERROR, SIO_ERROR_FAILED,
                               _("The socket belongs to no client"));
      return;
    }
  if (priv->phase == PHASE_CONNECTED)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  g_ptr_array_add (priv->open_tasks, g_object_ref (task));
  sio_socket_open (self);
}

/**
 * sio_socket_open_finish:
 * @self: a #SioSocket
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Finishes [method@Sio.Socket.open_async].
 *
 * Returns: %TRUE if the namespace was joined; %FALSE with @error set
 *   (%SIO_ERROR_CONNECT_REFUSED, %SIO_ERROR_TRANSPORT, %SIO_ERROR_TIMEOUT,
 *   %SIO_ERROR_DISCONNECTED or %G_IO_ERROR_CANCELLED)
 *
 * Since: 1.0
 */
gboolean
sio_socket_open_finish (SioSocket     *self,
                        GAsyncResult  *result,
                        GError       **error)
{
  g_return_val_if_fail (SIO_IS_SOCKET (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == sio_socket_open_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * sio_socket_close:
 * @self: a #SioSocket
 *
 * Leaves the namespace (sends DISCONNECT). The socket is not reconnected
 * automatically; [method@Sio.Socket.open] joins again. When no namespace
 * remains joined, the client closes its connection.
 *
 * Since: 1.0
 */
void
sio_socket_close (SioSocket *self)
{
  SioSocketPrivate *priv;

  g_return_if_fail (SIO_IS_SOCKET (self));
  priv = PRIV (self);

  if (!priv->want_open && priv->phase == PHASE_IDLE)
    return;
  g_object_ref (self);
  _sio_socket_abandon (self, TRUE);
  if (priv->client != NULL)
    _sio_client_socket_left (priv->client, self);
  g_object_unref (self);
}

/* ---- retries -------------------------------------------------------- */

static void emit_internal (SioSocket            *self,
                           const char           *event,
                           JsonArray            *args,
                           GBytes              **attachments,
                           guint                 n_attachments,
                           SioEmitFlags          flags,
                           int                   timeout_ms,
                           GCancellable         *cancellable,
                           GAsyncReadyCallback   callback,
                           gpointer              user_data,
                           gpointer              source_tag);

static void
retry_entry_free (RetryEntry *entry)
{
  g_free (entry->event);
  g_clear_pointer (&entry->args, json_array_unref);
  for (guint i = 0; i < entry->n_attachments; i++)
    g_bytes_unref (entry->attachments[i]);
  g_free (entry->attachments);
  g_clear_object (&entry->cancellable);
  g_clear_object (&entry->task);
  g_free (entry);
}

/* Returns to the application (if it waits) and frees @entry, which has
 * left the queue. @event or @error (owned). */
static void
retry_entry_finish (RetryEntry *entry,
                    SioEvent   *event,
                    GError     *error)
{
  GTask *task = g_steal_pointer (&entry->task);

  retry_entry_free (entry);
  if (task == NULL)
    {
      g_clear_object (&event);
      g_clear_error (&error);
      return;
    }
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, event, g_object_unref);
  g_object_unref (task);
}

static void retry_ack_cb (GObject      *source,
                          GAsyncResult *result,
                          gpointer      user_data);

/* Sends the head of the queue, unless it waits for its ack already. */
static void
drain_retry_queue (SioSocket *self)
{
  SioSocketPrivate *priv = PRIV (self);
  RetryEntry *head;

  while ((head = g_queue_peek_head (&priv->retry_queue)) != NULL &&
         !head->pending && priv->phase == PHASE_CONNECTED)
    {
      if (head->cancellable != NULL && g_cancellable_is_cancelled (head->cancellable))
        {
          g_queue_pop_head (&priv->retry_queue);
          retry_entry_finish (head, NULL,
                              g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                                   _("The operation was cancelled")));
          continue;
        }
      head->pending = TRUE;
      head->tries++;
      SIO_TRACE ("socket %s: send %s, try %u of %u", priv->nsp, head->event,
                 head->tries, priv->retries + 1);
      emit_internal (self, head->event, head->args, head->attachments, head->n_attachments,
                     SIO_EMIT_NONE, head->timeout_ms, head->cancellable,
                     retry_ack_cb, head, sio_socket_emit_full);
      return;
    }
}

static void
retry_ack_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  SioSocket *self = SIO_SOCKET (source);
  SioSocketPrivate *priv = PRIV (self);
  RetryEntry *entry = user_data;
  g_autoptr(GError) error = NULL;
  SioEvent *reply;
  gboolean retry;

  reply = g_task_propagate_pointer (G_TASK (result), &error);
  /* only the head is ever sent, and it stays the head until it ends here */
  g_assert (g_queue_peek_head (&priv->retry_queue) == entry);
  entry->pending = FALSE;

  retry = reply == NULL && priv->want_open && entry->tries <= priv->retries &&
          (g_error_matches (error, SIO_ERROR, SIO_ERROR_TIMEOUT) ||
           g_error_matches (error, SIO_ERROR, SIO_ERROR_DISCONNECTED));
  if (retry)
    SIO_TRACE ("socket %s: %s not acknowledged (%s), will send it again",
               priv->nsp, entry->event, error->message);
  else
    {
      g_queue_pop_head (&priv->retry_queue);
      retry_entry_finish (entry, reply, g_steal_pointer (&error));
    }

  if (priv->want_open)
    {
      drain_retry_queue (self);
      buffered_changed (self);
    }
  else
    {
      /* closed: nothing is in flight any more, what waits ends here */
      fail_retry_queue (self);
    }
}

/* Ends every queued entry that is not waiting for an ack (those end through
 * their ack, which the caller fails). */
static void
fail_retry_queue (SioSocket *self)
{
  SioSocketPrivate *priv = PRIV (self);
  GList *l = priv->retry_queue.head;

  while (l != NULL)
    {
      GList *next = l->next;
      RetryEntry *entry = l->data;

      if (!entry->pending)
        {
          g_queue_delete_link (&priv->retry_queue, l);
          retry_entry_finish (entry, NULL, ack_disconnected_error ());
        }
      l = next;
    }
  buffered_changed (self);
}

static void
queue_retry (SioSocket            *self,
             const char           *event,
             JsonArray            *args,
             GBytes              **attachments,
             guint                 n_attachments,
             int                   timeout_ms,
             GCancellable         *cancellable,
             GAsyncReadyCallback   callback,
             gpointer              user_data,
             gpointer              source_tag)
{
  SioSocketPrivate *priv = PRIV (self);
  RetryEntry *entry = g_new0 (RetryEntry, 1);

  entry->event = g_strdup (event);
  entry->args = args != NULL ? json_array_ref (args) : NULL;
  entry->n_attachments = n_attachments;
  entry->attachments = g_new0 (GBytes *, MAX (n_attachments, 1));
  for (guint i = 0; i < n_attachments; i++)
    entry->attachments[i] = g_bytes_ref (attachments[i]);
  entry->timeout_ms = timeout_ms;
  entry->cancellable = cancellable != NULL ? g_object_ref (cancellable) : NULL;
  if (callback != NULL)
    {
      entry->task = g_task_new (self, NULL, callback, user_data);
      g_task_set_source_tag (entry->task, source_tag);
    }
  g_queue_push_tail (&priv->retry_queue, entry);
  drain_retry_queue (self);
  buffered_changed (self);
}

static void
emit_internal (SioSocket            *self,
               const char           *event,
               JsonArray            *args,
               GBytes              **attachments,
               guint                 n_attachments,
               SioEmitFlags          flags,
               int                   timeout_ms,
               GCancellable         *cancellable,
               GAsyncReadyCallback   callback,
               gpointer              user_data,
               gpointer              source_tag)
{
  SioSocketPrivate *priv = PRIV (self);
  g_autoptr(GError) error = NULL;
  AckCall *call = NULL;
  Outgoing *out;
  gboolean connected = priv->phase == PHASE_CONNECTED;

  if (!_sio_check_event_name (event, &error))
    goto fail;

  if (n_attachments > 0 && args != NULL)
    {
      g_autoptr(JsonNode) node = json_node_init_array (json_node_alloc (), args);
      if (!_sio_packet_check_placeholders (node, n_attachments, &error))
        {
          g_clear_error (&error);
          g_set_error (&error, SIO_ERROR, SIO_ERROR_INVALID_ARGUMENT,
                       _("A binary placeholder refers to an attachment that was not given"));
          goto fail;
        }
    }

  if (connected && priv->client != NULL)
    {
      SioEngine *engine = _sio_client_get_engine (priv->client);
      /* a suspended machine may come back with a dead link and a stale timer */
      if (engine != NULL && !_sio_engine_check_alive (engine))
        connected = priv->phase == PHASE_CONNECTED;
    }

  /* the retries policy takes every emit but volatile ones, and its own
   * sends (which come back here with retry_ack_cb) */
  if (priv->retries > 0 && (flags & SIO_EMIT_VOLATILE) == 0 && callback != retry_ack_cb)
    {
      queue_retry (self, event, args, attachments, n_attachments, timeout_ms,
                   cancellable, callback, user_data, source_tag);
      return;
    }

  if ((flags & SIO_EMIT_VOLATILE) != 0 && !connected)
    {
      SIO_TRACE ("socket %s: volatile event %s dropped", priv->nsp, event);
      if (callback != NULL)
        {
          g_set_error (&error, SIO_ERROR, SIO_ERROR_DISCONNECTED,
                       _("The volatile event was dropped: the socket is not connected"));
          goto fail;
        }
      return;
    }

  if (callback != NULL)
    {
      guint timeout = timeout_ms < 0 ? priv->ack_timeout : (guint) timeout_ms;

      call = g_new0 (AckCall, 1);
      call->socket = self;
      call->task = g_task_new (self, NULL, callback, user_data);
      g_task_set_source_tag (call->task, source_tag);
      call->id = priv->next_ack_id++;
      g_hash_table_insert (priv->acks, &call->id, call);
      if (timeout > 0)
        {
          call->timeout = g_timeout_source_new (timeout);
          g_source_set_static_name (call->timeout, "[sio-glib] ack timeout");
          g_source_set_callback (call->timeout, ack_timeout_cb, call, NULL);
          g_source_attach (call->timeout, g_task_get_context (call->task));
        }
      if (cancellable != NULL)
        {
          call->cancellable = g_object_ref (cancellable);
          call->cancelled_id = g_cancellable_connect (cancellable, G_CALLBACK (ack_cancelled), call, NULL);
        }
    }

  out = build_outgoing (self, FALSE, call != NULL ? call->id : -1, event, args,
                        attachments, n_attachments);
  out->call = call;

  if (priv->client != NULL && connected)
    {
      SioEngine *engine = _sio_client_get_engine (priv->client);
      guint64 max = engine != NULL ? _sio_engine_get_max_payload (engine) : 0;
      gsize len = g_bytes_get_size (out->packets[0].data) + 1;

      if (max > 0 && len > max)
        {
          outgoing_free (out);
          error = g_error_new (SIO_ERROR, SIO_ERROR_PAYLOAD_TOO_LARGE,
                               _("The event is %zu bytes, more than the %llu bytes the server accepts"),
                               len, (unsigned long long) max);
          if (call != NULL)
            ack_call_finish (call, NULL, g_steal_pointer (&error));
          else
            g_warning ("%s", error->message);
          return;
        }

      if (call != NULL)
        call->sent = TRUE;
      SIO_TRACE ("socket %s: send event %s", priv->nsp, event);
      notify_outgoing (self, event, args, out->packets + 1, n_attachments);
      send_packets (self, out->packets, out->n_packets);
      outgoing_free (out);
    }
  else
    {
      out->event = g_strdup (event);
      out->args = args != NULL ? json_array_ref (args) : NULL;
      g_queue_push_tail (&priv->send_buffer, out);
      buffered_changed (self);
    }
  return;

fail:
  if (callback != NULL)
    {
      g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
      g_task_set_source_tag (task, source_tag);
      g_task_return_error (task, g_steal_pointer (&error));
    }
  else
    {
      g_critical ("sio_socket_emit: %s", error->message);
    }
}

/**
 * sio_socket_emit:
 * @self: a #SioSocket
 * @event: the event name
 * @args: (nullable): the arguments
 *
 * Sends an event. Emitting a reserved name (`connect`, `connect_error`,
 * `disconnect`, `disconnecting`, `newListener`, `removeListener`) is a
 * programming error. While the socket is not connected the event is kept
 * and sent once it is.
 *
 * Since: 1.0
 */
void
sio_socket_emit (SioSocket   *self,
                 const char  *event,
                 JsonArray   *args)
{
  g_return_if_fail (SIO_IS_SOCKET (self));
  emit_internal (self, event, args, NULL, 0, SIO_EMIT_NONE, -1, NULL, NULL, NULL, NULL);
}

/**
 * sio_socket_emit_json:
 * @self: a #SioSocket
 * @event: the event name
 * @args_json: (nullable): the arguments as JSON array text, such as
 *   `["hello", {"n": 1}]`
 * @error: return location for a #GError
 *
 * Sends an event whose arguments are given as JSON text.
 *
 * Returns: %TRUE if the event was sent or buffered; %FALSE with
 *   %SIO_ERROR_INVALID_ARGUMENT for invalid JSON, a non-array or a reserved
 *   name
 *
 * Since: 1.0
 */
gboolean
sio_socket_emit_json (SioSocket   *self,
                      const char  *event,
                      const char  *args_json,
                      GError     **error)
{
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (SIO_IS_SOCKET (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!_sio_check_event_name (event, error))
    return FALSE;

  if (args_json != NULL)
    {
      node = _sio_json_parse (args_json, strlen (args_json), &local_error);
      if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
        {
          g_set_error (error, SIO_ERROR, SIO_ERROR_INVALID_ARGUMENT,
                       _("The event arguments must be a JSON array: %s"),
                       local_error != NULL ? local_error->message : _("not an array"));
          return FALSE;
        }
    }

  emit_internal (self, event, node != NULL ? json_node_get_array (node) : NULL,
                 NULL, 0, SIO_EMIT_NONE, -1, NULL, NULL, NULL, NULL);
  return TRUE;
}

/**
 * sio_socket_emit_full:
 * @self: a #SioSocket
 * @event: the event name
 * @args: (nullable): the arguments
 * @attachments: (nullable) (array length=n_attachments): binary
 *   attachments, referenced from @args by placeholder objects
 *   `{"_placeholder": true, "num": N}`
 * @n_attachments: the number of @attachments
 * @flags: #SioEmitFlags
 * @timeout_ms: the acknowledgement timeout in milliseconds: 0 for none, a
 *   negative value for [property@Sio.Socket:ack-timeout]
 * @cancellable: (nullable): a #GCancellable to stop waiting for the ack
 * @callback: (scope async) (nullable): called with the server's
 *   acknowledgement; %NULL asks for none
 * @user_data: data for @callback
 *
 * Sends an event: the complete form. With a @callback, the server is asked
 * for an acknowledgement; call [method@Sio.Socket.emit_full_finish] in it.
 *
 * Since: 1.0
 */
void
sio_socket_emit_full (SioSocket            *self,
                      const char           *event,
                      JsonArray            *args,
                      GBytes              **attachments,
                      guint                 n_attachments,
                      SioEmitFlags          flags,
                      int                   timeout_ms,
                      GCancellable         *cancellable,
                      GAsyncReadyCallback   callback,
                      gpointer              user_data)
{
  g_return_if_fail (SIO_IS_SOCKET (self));
  g_return_if_fail (n_attachments == 0 || attachments != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  emit_internal (self, event, args, attachments, n_attachments, flags, timeout_ms,
                 cancellable, callback, user_data, sio_socket_emit_full);
}

/**
 * sio_socket_emit_full_finish:
 * @self: a #SioSocket
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Finishes [method@Sio.Socket.emit_full].
 *
 * Returns: (transfer full): the acknowledgement as a #SioEvent (its name is
 *   %NULL; its arguments keep binary placeholders, see
 *   [method@Sio.Event.get_attachments]), or %NULL with @error set to
 *   %SIO_ERROR_TIMEOUT, %SIO_ERROR_DISCONNECTED, %G_IO_ERROR_CANCELLED or
 *   %SIO_ERROR_INVALID_ARGUMENT
 *
 * Since: 1.0
 */
SioEvent *
sio_socket_emit_full_finish (SioSocket     *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (SIO_IS_SOCKET (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == sio_socket_emit_full, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * sio_socket_emit_with_ack:
 * @self: a #SioSocket
 * @event: the event name
 * @args: (nullable): the arguments
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the acknowledgement
 * @user_data: data for @callback
 *
 * Sends an event and asks the server for an acknowledgement, waiting at
 * most [property@Sio.Socket:ack-timeout].
 *
 * Since: 1.0
 */
void
sio_socket_emit_with_ack (SioSocket            *self,
                          const char           *event,
                          JsonArray            *args,
                          GCancellable         *cancellable,
                          GAsyncReadyCallback   callback,
                          gpointer              user_data)
{
  g_return_if_fail (SIO_IS_SOCKET (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  emit_internal (self, event, args, NULL, 0, SIO_EMIT_NONE, -1,
                 cancellable, callback, user_data, sio_socket_emit_with_ack);
}

/**
 * sio_socket_emit_with_ack_finish:
 * @self: a #SioSocket
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Finishes [method@Sio.Socket.emit_with_ack].
 *
 * Returns: (transfer full): the arguments of the acknowledgement, or %NULL
 *   with @error set
 *
 * Since: 1.0
 */
JsonArray *
sio_socket_emit_with_ack_finish (SioSocket     *self,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  g_autoptr(SioEvent) event = NULL;

  g_return_val_if_fail (SIO_IS_SOCKET (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == sio_socket_emit_with_ack, NULL);

  event = g_task_propagate_pointer (G_TASK (result), error);
  if (event == NULL)
    return NULL;
  return json_array_ref (sio_event_get_args (event));
}
