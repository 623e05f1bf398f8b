/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "sio-private.h"

#include <string.h>

#include "sio-json-private.h"
#include "sio-transport-private.h"

/*
 * HTTP long-polling (../shared/protocol.md §1.4, §1.5, §1.9).
 *
 * One GET is always waiting for the server's packets; one POST at a time
 * carries ours, and what is sent while it is in flight waits in a queue and
 * goes, batched, in the next one. Every request is a PollRequest that knows
 * its transport only through `owner`: closing or freeing the transport lets
 * go of the requests (owner = NULL) and cancels those that are no longer
 * wanted, so a request finishing later never touches freed memory.
 *
 * Closing sends what is still queued, then a close packet, after the POST
 * in flight if there is one, without waiting for the answers; requests still
 * running then are abandoned after DETACHED_TIMEOUT_S.
 */

/* our POST batches when the server did not say its maxPayload */
#define DEFAULT_MAX_POST       (1000 * 1000)
/* what we read of a POST answer ("ok") */
#define MAX_POST_ANSWER        (64 * 1024)
/* what we read of an error answer, for its message */
#define MAX_ERROR_ANSWER       4096
/* bytes asked for per read of a response body */
#define READ_CHUNK             (64 * 1024)
/* python-engineio (>= 3.10) drops a POST of more than 16 packets while
 * answering "ok" (its Payload.max_decode_packets; see
 * miguelgrinberg/python-engineio#142): never send more */
#define MAX_POST_PACKETS       16
/* per-packet allowance for the type character, separator and v3 length */
#define PACKET_OVERHEAD        16
/* a request still running after close is abandoned after this long */
#define DETACHED_TIMEOUT_S     5

typedef struct _SioTransportPolling SioTransportPolling;
typedef struct _PollRequest PollRequest;

struct _PollRequest
{
  /* the transport it reports to; NULL once the transport let go of it */
  SioTransportPolling *owner;
  /* a POST (sends packets) or a GET (receives them) */
  gboolean             is_post;
  /* kept so that a detached request can still send its follow-ups */
  SoupSession         *session;
  /* where the async calls run */
  GMainContext        *context;
  /* the request, and once answered its status and headers */
  SoupMessage         *msg;
  /* stops the request when the transport lets go of it, or on timeout */
  GCancellable        *cancellable;
  /* the response body, while reading it */
  GInputStream        *stream;
  /* the response body read so far */
  GByteArray          *body;
  /* read at most this many bytes of the body */
  guint64              limit;
  /* past the limit: keep what was read (TRUE) or fail (FALSE) */
  gboolean             truncate;
  /* POSTs (SoupMessage) to send once this one succeeded: the close flush */
  GList               *then;
  /* abandons a detached request that takes too long */
  GSource             *timeout;
};

struct _SioTransportPolling
{
  /* what the engine sees */
  SioTransport  parent;
  /* the owner's reference plus one per packet dispatch in progress, so that
   * free() from inside a callback does not pull the struct from under us */
  guint         ref_count;
  /* the GET in flight, NULL while none is */
  PollRequest  *get;
  /* the POST in flight, NULL while none is */
  PollRequest  *post;
  /* SioEnginePacket waiting for the POST in flight to finish, in order */
  GArray       *queue;
  /* the server's maxPayload from the handshake, 0 if it sent none */
  guint64       max_payload;
  /* numbers requests, for the t= cache buster */
  guint         request_count;
  /* the first response arrived and opened was reported */
  gboolean      opened;
  /* the server sent a close packet: its session is gone, no close POST */
  gboolean      peer_closed;
  /* the transport let go of its requests (closed, failed or freed) */
  gboolean      stopped;
  /* pause asked: no new GET; paused is reported once nothing is in flight */
  gboolean      pausing;
  /* paused was reported; a resume starts polling again */
  gboolean      paused;
};

static void request_start     (PollRequest         *req);
static void request_done      (PollRequest         *req,
                               const GError        *error);
static void start_get         (SioTransportPolling *self);
static void flush_queue       (SioTransportPolling *self);
static void check_paused      (SioTransportPolling *self);

/* ---- lifetime ------------------------------------------------------- */

static SioTransportPolling *
polling_ref (SioTransportPolling *self)
{
  self->ref_count++;
  return self;
}

static void
polling_unref (SioTransportPolling *self)
{
  g_assert (self->ref_count > 0);
  if (--self->ref_count > 0)
    return;
  g_assert (self->get == NULL && self->post == NULL);
  g_array_unref (self->queue);
  _sio_transport_config_clear (&self->parent.config);
  g_free (self);
}

static PollRequest *
request_new (SioTransportPolling *owner,
             SoupSession         *session,
             GMainContext        *context,
             SoupMessage         *msg,
             gboolean             is_post)
{
  PollRequest *req = g_new0 (PollRequest, 1);

  req->owner = owner;
  req->is_post = is_post;
  req->session = g_object_ref (session);
  req->context = g_main_context_ref (context);
  req->msg = msg;
  req->cancellable = g_cancellable_new ();
  return req;
}

static void
request_free (PollRequest *req)
{
  if (req->timeout != NULL)
    {
      g_source_destroy (req->timeout);
      g_source_unref (req->timeout);
    }
  g_clear_object (&req->stream);
  g_clear_pointer (&req->body, g_byte_array_unref);
  g_list_free_full (req->then, g_object_unref);
  g_clear_object (&req->msg);
  g_clear_object (&req->cancellable);
  g_clear_object (&req->session);
  g_main_context_unref (req->context);
  g_free (req);
}

static gboolean
on_detached_timeout (gpointer user_data)
{
  PollRequest *req = user_data;

  g_clear_pointer (&req->timeout, g_source_unref);
  SIO_TRACE ("polling: abandoning a request still running after close");
  /* may complete (and free) the request at once */
  g_cancellable_cancel (req->cancellable);
  return G_SOURCE_REMOVE;
}

/* The transport lets go of @req: it finishes (or not) on its own. */
static void
request_detach (PollRequest *req,
                gboolean     cancel)
{
  req->owner = NULL;
  if (cancel)
    {
      /* may complete (and free) the request at once */
      g_cancellable_cancel (req->cancellable);
      return;
    }
  req->timeout = g_timeout_source_new_seconds (DETACHED_TIMEOUT_S);
  g_source_set_static_name (req->timeout, "[sio-glib] polling close");
  g_source_set_callback (req->timeout, on_detached_timeout, req, NULL);
  g_source_attach (req->timeout, req->context);
}

/* Sends @msgs one after the other, owned by nobody. Takes the list. */
static void
send_detached (SoupSession  *session,
               GMainContext *context,
               GList        *msgs)
{
  PollRequest *req;

  if (msgs == NULL)
    return;
  req = request_new (NULL, session, context, msgs->data, TRUE);
  req->then = g_list_delete_link (msgs, msgs);
  request_detach (req, FALSE);
  request_start (req);
}

/* ---- requests ------------------------------------------------------- */

static SoupMessage *
make_message (SioTransportPolling *self,
              const char          *method,
              GBytes              *body)
{
  SioTransport *transport = &self->parent;
  g_autoptr(GUri) base = _sio_transport_build_uri (transport, FALSE);
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GString) query = g_string_new (g_uri_get_query (base));
  SoupMessage *msg;

  /* v3: never the XHR2 binary payload (we decode it anyway if it comes) */
  if (transport->config.eio == 3)
    g_string_append (query, "&b64=1");
  /* cache buster, unique per request */
  g_string_append_printf (query, "&t=%" G_GINT64_MODIFIER "x.%x",
                          g_get_real_time () / 1000, ++self->request_count);
  uri = g_uri_build (G_URI_FLAGS_ENCODED,
                     g_uri_get_scheme (base), NULL,
                     g_uri_get_host (base), g_uri_get_port (base),
                     g_uri_get_path (base), query->str, NULL);

  msg = soup_message_new_from_uri (method, uri);
  _sio_transport_apply_headers (transport, msg);
  if (body != NULL)
    soup_message_set_request_body_from_bytes (msg, "text/plain;charset=UTF-8", body);

  if (_sio_trace_enabled ())
    {
      g_autofree char *text = g_uri_to_string_partial (uri, G_URI_HIDE_PASSWORD);
      SIO_TRACE ("polling: %s %s (%" G_GSIZE_FORMAT " bytes)", method, text,
                 body != NULL ? g_bytes_get_size (body) : 0);
    }
  return msg;
}

static void
on_read (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  PollRequest *req = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) chunk = NULL;
  gsize len;

  chunk = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result, &error);
  if (chunk == NULL)
    {
      request_done (req, error);
      return;
    }

  len = g_bytes_get_size (chunk);
  if (len == 0 || req->owner == NULL)
    {
      /* the end, or nobody wants the rest */
      request_done (req, NULL);
      return;
    }

  if (req->body->len + (guint64) len > req->limit)
    {
      if (req->truncate)
        {
          request_done (req, NULL);
          return;
        }
      error = g_error_new (SIO_ERROR, SIO_ERROR_PAYLOAD_TOO_LARGE,
                           _("The server sent a polling response larger than the limit of %llu bytes"),
                           (unsigned long long) req->limit);
      request_done (req, error);
      return;
    }

  g_byte_array_append (req->body, g_bytes_get_data (chunk, NULL), len);

  g_main_context_push_thread_default (req->context);
  g_input_stream_read_bytes_async (req->stream, READ_CHUNK, G_PRIORITY_DEFAULT,
                                   req->cancellable, on_read, req);
  g_main_context_pop_thread_default (req->context);
}

static void
on_sent (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  PollRequest *req = user_data;
  g_autoptr(GError) error = NULL;
  SoupMessageHeaders *headers;
  guint status;

  req->stream = soup_session_send_finish (SOUP_SESSION (source), result, &error);
  if (req->stream == NULL)
    {
      request_done (req, error);
      return;
    }

  if (req->owner == NULL)
    {
      /* detached: the server answered, that is all we wanted */
      request_done (req, NULL);
      return;
    }

  status = soup_message_get_status (req->msg);
  headers = soup_message_get_response_headers (req->msg);
  if (!SOUP_STATUS_IS_SUCCESSFUL (status))
    {
      req->limit = MAX_ERROR_ANSWER;
      req->truncate = TRUE;
    }
  else if (req->is_post)
    {
      req->limit = MAX_POST_ANSWER;
      req->truncate = TRUE;
    }
  else
    {
      req->limit = req->owner->parent.config.max_receive;
      req->truncate = FALSE;
      if (soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH &&
          (guint64) soup_message_headers_get_content_length (headers) > req->limit)
        {
          error = g_error_new (SIO_ERROR, SIO_ERROR_PAYLOAD_TOO_LARGE,
                               _("The server sent a polling response larger than the limit of %llu bytes"),
                               (unsigned long long) req->limit);
          request_done (req, error);
          return;
        }
    }

  req->body = g_byte_array_new ();
  g_main_context_push_thread_default (req->context);
  g_input_stream_read_bytes_async (req->stream, READ_CHUNK, G_PRIORITY_DEFAULT,
                                   req->cancellable, on_read, req);
  g_main_context_pop_thread_default (req->context);
}

static void
request_start (PollRequest *req)
{
  g_main_context_push_thread_default (req->context);
  soup_session_send_async (req->session, req->msg, G_PRIORITY_DEFAULT,
                           req->cancellable, on_sent, req);
  g_main_context_pop_thread_default (req->context);
}

/* ---- failure -------------------------------------------------------- */

/* Lets go of every request; the queue is dropped. */
static void
stop_requests (SioTransportPolling *self)
{
  PollRequest *get = g_steal_pointer (&self->get);
  PollRequest *post = g_steal_pointer (&self->post);

  self->stopped = TRUE;
  if (self->queue->len > 0)
    g_array_remove_range (self->queue, 0, self->queue->len);
  if (get != NULL)
    request_detach (get, TRUE);
  if (post != NULL)
    request_detach (post, TRUE);
}

static void
fail (SioTransportPolling *self,
      const GError        *error)
{
  SIO_TRACE ("polling: failed: %s", error != NULL ? error->message : "closed by the server");
  stop_requests (self);
  _sio_transport_emit_closed (&self->parent, error);
}

/* The {"code":N,"message":"…"} body of an Engine.IO error answer (§1.11). */
static char *
error_answer_message (SoupMessage *msg,
                      GByteArray  *body)
{
  const char *type;
  g_autoptr(JsonNode) node = NULL;
  JsonObject *object;
  JsonNode *member;

  type = soup_message_headers_get_content_type (soup_message_get_response_headers (msg), NULL);
  if (body == NULL || body->len == 0 || g_strcmp0 (type, "application/json") != 0)
    return NULL;
  node = _sio_json_parse ((const char *) body->data, body->len, NULL);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  object = json_node_get_object (node);
  member = json_object_get_member (object, "message");
  if (member == NULL || json_node_get_value_type (member) != G_TYPE_STRING)
    return NULL;
  return g_strdup (json_node_get_string (member));
}

static GError *
status_error (SoupMessage *msg,
              GByteArray  *body)
{
  guint status = soup_message_get_status (msg);
  const char *reason = soup_message_get_reason_phrase (msg);
  g_autofree char *detail = error_answer_message (msg, body);

  if (reason == NULL)
    reason = "";
  if (detail != NULL)
    return g_error_new (SIO_ERROR, SIO_ERROR_TRANSPORT,
                        _("The server answered HTTP %u %s to a polling request: %s"),
                        status, reason, detail);
  return g_error_new (SIO_ERROR, SIO_ERROR_TRANSPORT,
                      _("The server answered HTTP %u %s to a polling request"),
                      status, reason);
}

/* ---- receiving ------------------------------------------------------ */

/* The first packet of the first response is the handshake: its sid goes
 * on every later request. The engine reads the handshake too. */
static void
learn_handshake (SioTransportPolling *self,
                 GArray              *packets)
{
  SioEnginePacket *first;
  SioHandshake handshake = { 0, };
  const char *data;
  gsize len;

  if (packets->len == 0)
    return;
  first = &g_array_index (packets, SioEnginePacket, 0);
  if (first->type != SIO_ENGINE_PACKET_OPEN || first->binary)
    return;
  data = g_bytes_get_data (first->data, &len);
  if (!_sio_handshake_parse (data, len, &handshake, NULL))
    return;
  self->parent.config.sid = g_steal_pointer (&handshake.sid);
  self->max_payload = handshake.max_payload;
  _sio_handshake_clear (&handshake);
}

static void
handle_poll (SioTransportPolling *self,
             GBytes              *body,
             gboolean             body_is_binary)
{
  SioTransport *transport = &self->parent;
  g_autoptr(GArray) packets = g_array_new (FALSE, TRUE, sizeof (SioEnginePacket));
  g_autoptr(GError) error = NULL;

  g_array_set_clear_func (packets, (GDestroyNotify) _sio_engine_packet_clear);
  polling_ref (self);

  if (!self->opened)
    {
      self->opened = TRUE;
      transport->callbacks->opened (transport, transport->user_data);
      if (transport->closed || self->stopped)
        goto out;
    }

  if (!_sio_engine_payload_decode (transport->config.eio, body, body_is_binary, packets, &error))
    {
      g_autoptr(GError) wrapped = g_error_new (SIO_ERROR, SIO_ERROR_PROTOCOL,
                                               _("The server sent an invalid polling payload: %s"),
                                               error->message);
      fail (self, wrapped);
      goto out;
    }

  if (transport->config.sid == NULL)
    learn_handshake (self, packets);

  for (guint i = 0; i < packets->len; i++)
    {
      SioEnginePacket *packet = &g_array_index (packets, SioEnginePacket, i);

      if (transport->closed || self->stopped)
        goto out;
      if (packet->type == SIO_ENGINE_PACKET_CLOSE)
        self->peer_closed = TRUE;
      transport->callbacks->packet (transport, packet, transport->user_data);
    }

  if (transport->closed || self->stopped)
    goto out;

  if (self->peer_closed)
    fail (self, NULL);
  else if (transport->config.sid == NULL)
    {
      g_autoptr(GError) no_handshake =
        g_error_new (SIO_ERROR, SIO_ERROR_PROTOCOL,
                     _("The server's first polling response did not start with an Engine.IO handshake"));
      fail (self, no_handshake);
    }
  else
    {
      if (!self->pausing && !self->paused)
        start_get (self);
      /* packets sent before the sid was known */
      flush_queue (self);
      check_paused (self);
    }

out:
  polling_unref (self);
}

/* Every request ends here exactly once; @req is freed. */
static void
request_done (PollRequest  *req,
              const GError *error)
{
  SioTransportPolling *self = req->owner;
  g_autoptr(GError) wrapped = NULL;
  g_autoptr(GBytes) body = NULL;
  gboolean body_is_binary = FALSE;
  const char *type;

  if (self == NULL)
    {
      SIO_TRACE ("polling: abandoned %s done: %s", req->is_post ? "POST" : "GET",
                 error != NULL ? error->message : soup_message_get_reason_phrase (req->msg));
      /* nobody waits for it; a close flush goes on after a success */
      if (error == NULL && req->then != NULL &&
          SOUP_STATUS_IS_SUCCESSFUL (soup_message_get_status (req->msg)))
        send_detached (req->session, req->context, g_steal_pointer (&req->then));
      request_free (req);
      return;
    }

  if (req->is_post)
    self->post = NULL;
  else
    self->get = NULL;

  if (error != NULL)
    {
      if (error->domain == SIO_ERROR)
        wrapped = g_error_copy (error);
      else
        wrapped = g_error_new (SIO_ERROR, SIO_ERROR_TRANSPORT,
                               _("The polling request failed: %s"), error->message);
      request_free (req);
      fail (self, wrapped);
      return;
    }

  if (!SOUP_STATUS_IS_SUCCESSFUL (soup_message_get_status (req->msg)))
    {
      wrapped = status_error (req->msg, req->body);
      request_free (req);
      fail (self, wrapped);
      return;
    }

  if (req->is_post)
    {
      request_free (req);
      flush_queue (self);
      check_paused (self);
      return;
    }

  type = soup_message_headers_get_content_type (soup_message_get_response_headers (req->msg), NULL);
  SIO_TRACE ("polling: received %u bytes (%s)", req->body->len, type != NULL ? type : "no type");
  body_is_binary = self->parent.config.eio == 3 &&
                   g_strcmp0 (type, "application/octet-stream") == 0;
  body = g_byte_array_free_to_bytes (g_steal_pointer (&req->body));
  request_free (req);
  handle_poll (self, body, body_is_binary);
}

static void
start_get (SioTransportPolling *self)
{
  SioTransport *transport = &self->parent;

  g_assert (self->get == NULL);
  self->get = request_new (self, transport->config.session, transport->config.context,
                           make_message (self, SOUP_METHOD_GET, NULL), FALSE);
  request_start (self->get);
}

/* ---- sending -------------------------------------------------------- */

/* How many queued packets, from the head, go in one POST: as many as fit
 * under the server's maxPayload (§1.10), up to MAX_POST_PACKETS, the first
 * one always. */
static guint
batch_length (SioTransportPolling *self)
{
  guint64 limit = self->max_payload > 0 ? self->max_payload : DEFAULT_MAX_POST;
  guint64 total = 0;
  guint n;

  for (n = 0; n < self->queue->len; n++)
    {
      SioEnginePacket *packet = &g_array_index (self->queue, SioEnginePacket, n);
      guint64 size = g_bytes_get_size (packet->data);
      guint64 cost = (packet->binary ? (size + 2) / 3 * 4 : size) + PACKET_OVERHEAD;

      if (n == MAX_POST_PACKETS || (n > 0 && total + cost > limit))
        break;
      total += cost;
    }
  return n;
}

/* A POST for the head of the queue, which loses those packets. */
static SoupMessage *
take_batch (SioTransportPolling *self)
{
  guint n = batch_length (self);
  g_autoptr(GBytes) body = _sio_engine_payload_encode (self->parent.config.eio,
                                                       (SioEnginePacket *) (gpointer) self->queue->data, n);

  g_array_remove_range (self->queue, 0, n);
  return make_message (self, SOUP_METHOD_POST, body);
}

static void
flush_queue (SioTransportPolling *self)
{
  SioTransport *transport = &self->parent;

  if (self->post != NULL || self->stopped || self->queue->len == 0 ||
      transport->config.sid == NULL)
    return;
  self->post = request_new (self, transport->config.session, transport->config.context,
                            take_batch (self), TRUE);
  request_start (self->post);
}

/* ---- pausing (upgrade) ---------------------------------------------- */

/* Reports paused once the GET has come back and every queued packet has
 * been posted: the server has nothing of ours in flight, and we have read
 * everything it sent over polling (§1.8). */
static void
check_paused (SioTransportPolling *self)
{
  SioTransport *transport = &self->parent;

  if (!self->pausing || self->stopped || self->get != NULL || self->post != NULL ||
      self->queue->len > 0)
    return;
  self->pausing = FALSE;
  self->paused = TRUE;
  SIO_TRACE ("polling: paused");
  if (transport->callbacks->paused != NULL)
    transport->callbacks->paused (transport, transport->user_data);
}

static void
polling_pause (SioTransport *transport,
               gboolean      pause)
{
  SioTransportPolling *self = (SioTransportPolling *) transport;

  if (self->stopped)
    return;
  if (pause)
    {
      if (self->pausing || self->paused)
        return;
      SIO_TRACE ("polling: pausing (%s in flight, %u queued)",
                 self->get != NULL ? (self->post != NULL ? "GET and POST" : "GET")
                                   : (self->post != NULL ? "POST" : "nothing"),
                 self->queue->len);
      self->pausing = TRUE;
      check_paused (self);
      return;
    }

  SIO_TRACE ("polling: resuming");
  self->pausing = FALSE;
  self->paused = FALSE;
  if (self->opened && self->get == NULL && transport->config.sid != NULL)
    start_get (self);
  flush_queue (self);
}

/* ---- the transport -------------------------------------------------- */

static void
polling_open (SioTransport *transport)
{
  SioTransportPolling *self = (SioTransportPolling *) transport;

  if (self->stopped || self->get != NULL)
    return;
  start_get (self);
}

static void
polling_send (SioTransport          *transport,
              const SioEnginePacket *packets,
              guint                  n_packets)
{
  SioTransportPolling *self = (SioTransportPolling *) transport;

  if (self->stopped)
    return;
  for (guint i = 0; i < n_packets; i++)
    {
      SioEnginePacket copy;

      _sio_engine_packet_init (&copy, packets[i].type, packets[i].binary, packets[i].data);
      g_array_append_val (self->queue, copy);
    }
  flush_queue (self);
}

static void
polling_close (SioTransport *transport)
{
  SioTransportPolling *self = (SioTransportPolling *) transport;
  PollRequest *get = g_steal_pointer (&self->get);
  PollRequest *post = g_steal_pointer (&self->post);
  GList *flush = NULL;

  transport->closed = TRUE;
  if (self->stopped)
    return;
  self->stopped = TRUE;

  /* what is still queued, then the close packet (§1.9) in a POST of its
   * own, as the JS client does: Socket.IO 4 servers drop the events they
   * read in the same payload as a close */
  if (transport->config.sid != NULL && !self->peer_closed && !transport->discard)
    {
      SioEnginePacket close_packet;

      while (self->queue->len > 0)
        flush = g_list_prepend (flush, take_batch (self));
      _sio_engine_packet_init (&close_packet, SIO_ENGINE_PACKET_CLOSE, FALSE, NULL);
      g_array_append_val (self->queue, close_packet);
      flush = g_list_prepend (flush, take_batch (self));
      flush = g_list_reverse (flush);
    }
  if (self->queue->len > 0)
    g_array_remove_range (self->queue, 0, self->queue->len);

  SIO_TRACE ("polling: closing (%u request(s) to flush)", g_list_length (flush));

  /* With something to flush, the GET is left to the server, which answers
   * it (noop) once it has read the close packet: aborting it first would
   * close the session on the server ("poll connection closed prematurely")
   * before it reads our last packets. */
  if (get != NULL)
    request_detach (get, flush == NULL);
  if (post != NULL)
    {
      /* the flush waits for the POST in flight: one POST at a time */
      post->then = flush;
      request_detach (post, FALSE);
    }
  else
    send_detached (transport->config.session, transport->config.context, flush);
}

static void
polling_free (SioTransport *transport)
{
  SioTransportPolling *self = (SioTransportPolling *) transport;

  if (!self->stopped)
    polling_close (transport);
  transport->closed = TRUE;
  polling_unref (self);
}

static const SioTransportClass polling_class = {
  .name = "polling",
  .open = polling_open,
  .send = polling_send,
  .close = polling_close,
  .free = polling_free,
  .pause = polling_pause,
};

SioTransport *
_sio_transport_polling_new (const SioTransportConfig    *config,
                            const SioTransportCallbacks *callbacks,
                            gpointer                     user_data)
{
  SioTransportPolling *self = g_new0 (SioTransportPolling, 1);

  _sio_transport_init (&self->parent, &polling_class, config, callbacks, user_data);
  self->ref_count = 1;
  self->queue = g_array_new (FALSE, TRUE, sizeof (SioEnginePacket));
  g_array_set_clear_func (self->queue, (GDestroyNotify) _sio_engine_packet_clear);
  return &self->parent;
}
