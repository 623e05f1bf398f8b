/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * SioClient:
 *
 * A connection to a Socket.IO server, and the socket of its main namespace.
 *
 * `SioClient` speaks Engine.IO v4 / Socket.IO v5 (servers 3.x and 4.x,
 * the default) and Engine.IO v3 / Socket.IO v4 (servers 2.x, with
 * [property@Sio.Client:engine-io-version] set to 3) over a libsoup
 * WebSocket, entirely on the [struct@GLib.MainContext] that was the
 * thread-default when it was created: no threads.
 *
 * The URI's path names the main namespace, like the JavaScript client:
 * `http://localhost:3000/admin` joins `/admin`. The client is itself the
 * [class@Sio.Socket] of that namespace; [method@Sio.Client.socket] gives the
 * sockets of other namespaces, multiplexed on the same connection.
 *
 * The client runs the heartbeat, and after an unintended loss reconnects
 * with exponential back-off and rejoins every open namespace (see
 * [property@Sio.Client:reconnection]).
 *
 * ## Example
 *
 * ```c
 * static void
 * on_chat (SioSocket *socket, SioEvent *event, gpointer user_data)
 * {
 *   JsonArray *args = sio_event_get_args (event);
 *   g_print ("chat: %s\n", json_array_get_string_element (args, 0));
 * }
 *
 * g_autoptr(SioClient) client = sio_client_new ("http://localhost:3000");
 * g_signal_connect (client, "event::chat", G_CALLBACK (on_chat), NULL);
 * sio_socket_open (SIO_SOCKET (client));
 * sio_socket_emit_json (SIO_SOCKET (client), "chat", "[\"hello\"]", NULL);
 * ```
 *
 * Since: 1.0
 */
#include "sio-private.h"

#include "sio-backoff-private.h"
#include "sio-enum-types.h"
#include "sio-socket-private.h"

#define DEFAULT_MAX_RECEIVE (100 * 1024 * 1024)

struct _SioClient
{
  SioSocket          parent_instance;

  /* configuration, as given */
  char              *uri;
  /* the parsed URI, scheme normalized to http/https */
  GUri              *guri;
  /* the URI was unusable: opening fails instead of connecting anywhere */
  gboolean           uri_invalid;
  char              *path;
  guint              eio;
  char             **transports;
  gboolean           upgrade;
  SoupSession       *session;
  gboolean           reconnection;
  int                reconnection_attempts;
  double             randomization_factor;
  guint              timeout;
  /* limits on what the server may send */
  guint64            max_receive;
  guint              max_attachments;
  /* extra query parameters and headers: key, value, key, value... */
  GPtrArray         *query;
  GPtrArray         *headers;

  SioClientState     state;
  /* the sockets of other namespaces (references), by namespace */
  GHashTable        *sockets;
  /* the current Engine.IO session, NULL when there is none */
  SioEngine         *engine;
  SioPacketDecoder  *decoder;
  /* the context we belong to */
  GMainContext      *context;
  SioBackoff         backoff;
  /* waits before the next reconnection attempt */
  GSource           *reconnect_timer;
  /* the attempt being made or waited for (1-based), 0 when not reconnecting */
  guint              attempt;
  /* the last measured round trip, ms; -1 before the first */
  gint64             rtt;
  /* network awareness: no attempt is spent while the network is down */
  GNetworkMonitor   *network_monitor;
  gulong             network_changed_id;
  /* a reachability check of the server is in flight */
  GCancellable      *reach_cancellable;
  /* the network is down: the next attempt waits for it */
  gboolean           waiting_for_network;
};

G_DEFINE_FINAL_TYPE (SioClient, sio_client, SIO_TYPE_SOCKET)

enum {
  PROP_0,
  PROP_URI,
  PROP_PATH,
  PROP_ENGINE_IO_VERSION,
  PROP_TRANSPORTS,
  PROP_UPGRADE,
  PROP_SESSION,
  PROP_RECONNECTION,
  PROP_RECONNECTION_ATTEMPTS,
  PROP_RECONNECTION_DELAY,
  PROP_RECONNECTION_DELAY_MAX,
  PROP_RANDOMIZATION_FACTOR,
  PROP_TIMEOUT,
  PROP_STATE,
  PROP_ENGINE_ID,
  PROP_TRANSPORT,
  PROP_MAX_PAYLOAD,
  PROP_MAX_ATTACHMENTS,
  PROP_RTT,
  PROP_NETWORK_MONITOR,
  N_PROPS
};

enum {
  SIGNAL_RECONNECT_ATTEMPT,
  SIGNAL_RECONNECTED,
  SIGNAL_RECONNECT_FAILED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void start_engine (SioClient *self);

/* ---- sockets -------------------------------------------------------- */

static void
collect_sockets (SioClient *self,
                 GPtrArray *out)
{
  GHashTableIter iter;
  gpointer value;

  g_ptr_array_add (out, g_object_ref (self));
  g_hash_table_iter_init (&iter, self->sockets);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (out, g_object_ref (value));
}

static GPtrArray *
all_sockets (SioClient *self)
{
  GPtrArray *sockets = g_ptr_array_new_with_free_func (g_object_unref);

  collect_sockets (self, sockets);
  return sockets;
}

static SioSocket *
lookup_socket (SioClient  *self,
               const char *nsp)
{
  if (g_strcmp0 (nsp, sio_socket_get_namespace (SIO_SOCKET (self))) == 0)
    return SIO_SOCKET (self);
  return g_hash_table_lookup (self->sockets, nsp);
}

static gboolean
any_socket_wants_open (SioClient *self)
{
  g_autoptr(GPtrArray) sockets = all_sockets (self);

  for (guint i = 0; i < sockets->len; i++)
    if (_sio_socket_wants_open (g_ptr_array_index (sockets, i)))
      return TRUE;
  return FALSE;
}

/* ---- state ---------------------------------------------------------- */

static void
set_state (SioClient      *self,
           SioClientState  state)
{
  if (self->state == state)
    return;
  SIO_TRACE ("client: state %d -> %d", self->state, state);
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

/* Stops what waits for the next attempt: its timer, or the wait for the
 * network. */
static void
clear_reconnect_timer (SioClient *self)
{
  if (self->reconnect_timer != NULL)
    {
      g_source_destroy (self->reconnect_timer);
      g_clear_pointer (&self->reconnect_timer, g_source_unref);
    }
  if (self->reach_cancellable != NULL)
    {
      g_cancellable_cancel (self->reach_cancellable);
      g_clear_object (&self->reach_cancellable);
    }
  self->waiting_for_network = FALSE;
}

static void
drop_engine (SioClient *self)
{
  if (self->engine != NULL)
    {
      _sio_engine_close (self->engine);
      g_clear_object (&self->engine);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ENGINE_ID]);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TRANSPORT]);
    }
  if (self->decoder != NULL)
    _sio_packet_decoder_reset (self->decoder);
}

/* ---- reconnection --------------------------------------------------- */

static gboolean
on_reconnect_timer (gpointer user_data)
{
  SioClient *self = user_data;

  g_clear_pointer (&self->reconnect_timer, g_source_unref);
  SIO_TRACE ("client: reconnection attempt %u", self->attempt);
  g_object_ref (self);
  g_signal_emit (self, signals[SIGNAL_RECONNECT_ATTEMPT], 0, self->attempt);
  if (self->state == SIO_CLIENT_STATE_RECONNECTING && self->engine == NULL)
    start_engine (self);
  g_object_unref (self);
  return G_SOURCE_REMOVE;
}

static void
give_up (SioClient    *self,
         const GError *error)
{
  g_autoptr(GPtrArray) sockets = all_sockets (self);

  clear_reconnect_timer (self);
  drop_engine (self);
  self->attempt = 0;
  _sio_backoff_reset (&self->backoff);
  set_state (self, SIO_CLIENT_STATE_CLOSED);
  for (guint i = 0; i < sockets->len; i++)
    _sio_socket_attempt_failed (g_ptr_array_index (sockets, i), error, TRUE);
}

/* The next attempt, after the back-off delay or at once. */
static void
schedule_attempt (SioClient *self,
                  gboolean   now)
{
  guint delay;

  self->attempt++;
  delay = now ? 0 : _sio_backoff_next (&self->backoff);
  SIO_TRACE ("client: reconnecting in %u ms (attempt %u)", delay, self->attempt);
  clear_reconnect_timer (self);
  self->reconnect_timer = g_timeout_source_new (delay);
  g_source_set_static_name (self->reconnect_timer, "[sio-glib] reconnect");
  g_source_set_callback (self->reconnect_timer, on_reconnect_timer, self, NULL);
  g_source_attach (self->reconnect_timer, self->context);
}

/* ---- network awareness ---------------------------------------------- */

static gboolean
host_is_local (SioClient *self)
{
  const char *host = self->guri != NULL ? g_uri_get_host (self->guri) : NULL;
  g_autoptr(GInetAddress) address = NULL;

  if (host == NULL)
    return FALSE;
  if (g_ascii_strcasecmp (host, "localhost") == 0)
    return TRUE;
  address = g_inet_address_new_from_string (host);
  return address != NULL && g_inet_address_get_is_loopback (address);
}

/* The monitor says there is no network. The system's monitor knows
 * nothing of loopback (an offline machine with a local server has no
 * network, yet reaches the server): a loopback server is always there for
 * it. A monitor the application set is taken at its word. */
static gboolean
network_seems_down (SioClient *self)
{
  if (self->network_monitor == NULL || self->guri == NULL ||
      g_uri_get_host (self->guri) == NULL ||
      g_network_monitor_get_network_available (self->network_monitor))
    return FALSE;
  return self->network_monitor != g_network_monitor_get_default () || !host_is_local (self);
}

/* One reachability check: the client, and the cancellable that ends it
 * (a later check has its own). */
typedef struct
{
  SioClient    *client;
  GCancellable *cancellable;
} ReachCheck;

static void
on_reachable (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  ReachCheck *check = user_data;
  SioClient *self = check->client;
  g_autoptr(GError) error = NULL;
  gboolean reachable = g_network_monitor_can_reach_finish (G_NETWORK_MONITOR (source), result, &error);
  gboolean cancelled = g_cancellable_is_cancelled (check->cancellable);

  g_object_unref (check->cancellable);
  g_free (check);
  if (cancelled)
    {
      g_object_unref (self);
      return;
    }
  g_clear_object (&self->reach_cancellable);
  if (reachable)
    {
      /* no default route, but a route to the server (a LAN) */
      schedule_attempt (self, FALSE);
    }
  else
    {
      SIO_TRACE ("client: no network (%s): waiting for it before attempt %u",
                 error != NULL ? error->message : "unreachable", self->attempt + 1);
      self->waiting_for_network = TRUE;
    }
  g_object_unref (self);
}

/* The monitor says the network is down: maybe the server can still be
 * reached; if not, wait for the network instead of spending attempts. */
static void
check_reachable (SioClient *self)
{
  g_autoptr(GSocketConnectable) address = NULL;
  int port = g_uri_get_port (self->guri);
  ReachCheck *check = g_new0 (ReachCheck, 1);

  if (port <= 0)
    port = g_ascii_strcasecmp (g_uri_get_scheme (self->guri), "https") == 0 ? 443 : 80;
  address = g_network_address_new (g_uri_get_host (self->guri), port);
  self->reach_cancellable = g_cancellable_new ();
  check->client = g_object_ref (self);
  check->cancellable = g_object_ref (self->reach_cancellable);
  g_network_monitor_can_reach_async (self->network_monitor, address, self->reach_cancellable,
                                     on_reachable, check);
}

static void
network_changed (SioClient *self)
{
  gboolean available = self->network_monitor != NULL &&
                       g_network_monitor_get_network_available (self->network_monitor);

  SIO_TRACE ("client: network changed (available: %s)", available ? "yes" : "no");

  /* a link that changed under an open connection may be dead: the
   * heartbeat deadline is checked against the clock (after a resume, too) */
  if (self->state == SIO_CLIENT_STATE_OPEN && self->engine != NULL)
    {
      _sio_engine_check_alive (self->engine);
      return;
    }

  if (!available || self->state != SIO_CLIENT_STATE_RECONNECTING || self->engine != NULL)
    return;

  /* back: try at once, the back-off starting over */
  if (self->waiting_for_network || self->reconnect_timer != NULL || self->reach_cancellable != NULL)
    {
      SIO_TRACE ("client: the network is back, reconnecting now");
      _sio_backoff_reset (&self->backoff);
      clear_reconnect_timer (self);
      schedule_attempt (self, TRUE);
    }
}

static gboolean
network_changed_idle (gpointer user_data)
{
  network_changed (user_data);
  return G_SOURCE_REMOVE;
}

static void
on_network_changed (GNetworkMonitor *monitor,
                    gboolean         available,
                    gpointer         user_data)
{
  SioClient *self = user_data;
  GSource *source;

  if (g_main_context_is_owner (self->context))
    {
      network_changed (self);
      return;
    }
  /* the monitor lives in another context: act in ours */
  source = g_idle_source_new ();
  g_source_set_static_name (source, "[sio-glib] network changed");
  g_source_set_callback (source, network_changed_idle, g_object_ref (self), g_object_unref);
  g_source_attach (source, self->context);
  g_source_unref (source);
}

static void
set_network_monitor (SioClient       *self,
                     GNetworkMonitor *monitor)
{
  if (self->network_monitor == monitor)
    return;
  if (self->network_monitor != NULL)
    {
      g_clear_signal_handler (&self->network_changed_id, self->network_monitor);
      g_clear_object (&self->network_monitor);
    }
  if (monitor != NULL)
    {
      self->network_monitor = g_object_ref (monitor);
      self->network_changed_id = g_signal_connect (monitor, "network-changed",
                                                   G_CALLBACK (on_network_changed), self);
    }
}

/* Decides what follows a loss: another attempt after a delay, or the end. */
static void
schedule_reconnect (SioClient    *self,
                    const GError *error)
{

  if (!self->reconnection || !any_socket_wants_open (self))
    {
      give_up (self, error);
      return;
    }

  if (self->reconnection_attempts >= 0 &&
      self->attempt >= (guint) self->reconnection_attempts)
    {
      g_autoptr(GError) failed = g_error_new (SIO_ERROR, SIO_ERROR_TRANSPORT,
                                              _("Could not reconnect after %u attempts"),
                                              self->attempt);
      SIO_TRACE ("client: giving up after %u attempts", self->attempt);
      g_object_ref (self);
      give_up (self, error != NULL ? error : failed);
      g_signal_emit (self, signals[SIGNAL_RECONNECT_FAILED], 0);
      g_object_unref (self);
      return;
    }

  set_state (self, SIO_CLIENT_STATE_RECONNECTING);
  clear_reconnect_timer (self);
  if (network_seems_down (self))
    check_reachable (self);
  else
    schedule_attempt (self, FALSE);
}

/* ---- engine callbacks ----------------------------------------------- */

static void
engine_opened (SioEngine *engine,
               gpointer   user_data)
{
  SioClient *self = user_data;
  g_autoptr(GPtrArray) sockets = NULL;
  guint attempts = self->attempt;

  self->attempt = 0;
  _sio_backoff_reset (&self->backoff);
  set_state (self, SIO_CLIENT_STATE_OPEN);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ENGINE_ID]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TRANSPORT]);

  sockets = all_sockets (self);
  for (guint i = 0; i < sockets->len && self->engine == engine; i++)
    _sio_socket_engine_opened (g_ptr_array_index (sockets, i));

  if (attempts > 0 && self->engine == engine)
    g_signal_emit (self, signals[SIGNAL_RECONNECTED], 0, attempts);
}

static void
lose_connection (SioClient           *self,
                 SioDisconnectReason  reason,
                 const GError        *error)
{
  g_autoptr(GPtrArray) sockets = all_sockets (self);
  gboolean was_open = self->state == SIO_CLIENT_STATE_OPEN;

  g_object_ref (self);
  drop_engine (self);

  for (guint i = 0; i < sockets->len; i++)
    _sio_socket_engine_lost (g_ptr_array_index (sockets, i), reason);

  if (!was_open)
    {
      /* a failed attempt: tell the sockets waiting to join */
      g_autoptr(GError) fallback = NULL;

      if (error == NULL)
        fallback = g_error_new (SIO_ERROR, SIO_ERROR_TRANSPORT,
                                _("The connection closed before the handshake"));
      for (guint i = 0; i < sockets->len; i++)
        _sio_socket_attempt_failed (g_ptr_array_index (sockets, i),
                                    error != NULL ? error : fallback, FALSE);
    }

  if (self->state != SIO_CLIENT_STATE_CLOSED && self->engine == NULL)
    schedule_reconnect (self, error);
  g_object_unref (self);
}

static void
engine_closed (SioEngine           *engine,
               SioDisconnectReason  reason,
               const GError        *error,
               gpointer             user_data)
{
  SioClient *self = user_data;

  if (engine != self->engine)
    return;
  lose_connection (self, reason, error);
}

static void
route_packet (SioClient *self,
              SioPacket *packet)
{
  SioSocket *socket = lookup_socket (self, packet->nsp);

  if (socket == NULL)
    {
      SIO_TRACE ("client: packet for unknown namespace %s ignored", packet->nsp);
      return;
    }
  g_object_ref (socket);
  _sio_socket_handle_packet (socket, packet);
  g_object_unref (socket);
}

static void
engine_message (SioEngine       *engine,
                SioEnginePacket *message,
                gpointer         user_data)
{
  SioClient *self = user_data;
  g_autoptr(SioPacket) packet = NULL;
  g_autoptr(GError) error = NULL;
  gboolean ok;

  if (message->binary)
    {
      ok = _sio_packet_decoder_feed_binary (self->decoder, message->data, &packet, &error);
    }
  else
    {
      gsize len;
      const char *data = g_bytes_get_data (message->data, &len);

      SIO_TRACE ("client: recv %.*s", (int) MIN (len, 200), data);
      ok = _sio_packet_decoder_feed_text (self->decoder, data, len, &packet, &error);
    }

  if (!ok)
    {
      SIO_TRACE ("client: parse error: %s", error->message);
      lose_connection (self, SIO_DISCONNECT_REASON_PARSE_ERROR, error);
      return;
    }
  if (packet != NULL)
    {
      g_object_ref (self);
      route_packet (self, packet);
      g_object_unref (self);
    }
}

static void
engine_rtt (SioEngine *engine,
            gint64     rtt_ms,
            gpointer   user_data)
{
  SioClient *self = user_data;

  if (self->engine == engine)
    _sio_client_report_rtt (self, rtt_ms);
}

static void
engine_upgraded (SioEngine *engine,
                 gpointer   user_data)
{
  SioClient *self = user_data;

  if (self->engine == engine)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TRANSPORT]);
}

static const SioEngineCallbacks engine_callbacks = {
  .opened = engine_opened,
  .message = engine_message,
  .closed = engine_closed,
  .upgraded = engine_upgraded,
  .rtt = engine_rtt,
};

static GUri *
build_base_uri (SioClient *self)
{
  GString *query = g_string_new (NULL);
  const char *path = self->path != NULL ? self->path : "/socket.io/";
  g_autofree char *full_path = NULL;
  const char *user_query = g_uri_get_query (self->guri);
  GUri *uri;

  g_string_append_printf (query, "EIO=%u", self->eio);
  if (user_query != NULL && user_query[0] != '\0')
    {
      g_string_append_c (query, '&');
      g_string_append (query, user_query);
    }
  for (guint i = 0; i + 1 < self->query->len; i += 2)
    {
      g_string_append_c (query, '&');
      g_string_append_uri_escaped (query, g_ptr_array_index (self->query, i), NULL, FALSE);
      g_string_append_c (query, '=');
      g_string_append_uri_escaped (query, g_ptr_array_index (self->query, i + 1), NULL, FALSE);
    }

  full_path = path[0] == '/' ? g_strdup (path) : g_strconcat ("/", path, NULL);
  uri = g_uri_build (G_URI_FLAGS_ENCODED,
                     g_uri_get_scheme (self->guri),
                     NULL,
                     g_uri_get_host (self->guri),
                     g_uri_get_port (self->guri),
                     full_path,
                     query->str,
                     NULL);
  g_string_free (query, TRUE);
  return uri;
}

static void
start_engine (SioClient *self)
{
  g_autoptr(GUri) base = build_base_uri (self);
  SioEngineConfig config = {
    .session = self->session,
    .base_uri = base,
    .headers = self->headers,
    .eio = self->eio,
    .transports = self->transports,
    .upgrade = self->upgrade,
    .connect_timeout_ms = self->timeout,
    .max_receive = self->max_receive,
    .context = self->context,
  };
  SioPacketLimits limits = SIO_PACKET_LIMITS_INIT;

  limits.max_attachments = self->max_attachments;
  if (self->decoder == NULL)
    self->decoder = _sio_packet_decoder_new (_sio_client_get_protocol (self), &limits);
  else
    _sio_packet_decoder_reset (self->decoder);

  self->engine = _sio_engine_new (&config, &engine_callbacks, self);
  _sio_engine_open (self->engine);
}

/* ---- for the sockets ------------------------------------------------ */

guint
_sio_client_get_protocol (SioClient *self)
{
  return self->eio >= 4 ? 5 : 4;
}

SioEngine *
_sio_client_get_engine (SioClient *self)
{
  return self->engine;
}

GMainContext *
_sio_client_get_context (SioClient *self)
{
  return self->context;
}

void
_sio_client_socket_wants_open (SioClient *self,
                               SioSocket *socket)
{
  if (self->uri_invalid)
    {
      g_autoptr(GError) error = g_error_new (SIO_ERROR, SIO_ERROR_INVALID_ARGUMENT,
                                             _("“%s” is not an http://, https://, ws:// or wss:// URI"),
                                             self->uri != NULL ? self->uri : "");
      _sio_socket_attempt_failed (socket, error, FALSE);
      _sio_socket_attempt_failed (socket, error, TRUE);
      return;
    }

  switch (self->state)
    {
    case SIO_CLIENT_STATE_CLOSED:
      set_state (self, SIO_CLIENT_STATE_OPENING);
      start_engine (self);
      break;
    case SIO_CLIENT_STATE_OPEN:
      _sio_socket_engine_opened (socket);
      break;
    case SIO_CLIENT_STATE_OPENING:
    case SIO_CLIENT_STATE_RECONNECTING:
    default:
      /* joined when the connection opens */
      break;
    }
}

void
_sio_client_socket_left (SioClient *self,
                         SioSocket *socket)
{
  if (any_socket_wants_open (self))
    return;
  /* no namespace remains joined: close the connection */
  clear_reconnect_timer (self);
  drop_engine (self);
  self->attempt = 0;
  _sio_backoff_reset (&self->backoff);
  set_state (self, SIO_CLIENT_STATE_CLOSED);
}

/* ---- GObject -------------------------------------------------------- */

static void
sio_client_constructed (GObject *object)
{
  SioClient *self = SIO_CLIENT (object);
  g_autoptr(GError) error = NULL;
  g_autoptr(GUri) parsed = NULL;
  const char *scheme;
  const char *nsp;

  G_OBJECT_CLASS (sio_client_parent_class)->constructed (object);

  _sio_socket_attach (SIO_SOCKET (self), self);

  if (self->uri != NULL)
    parsed = g_uri_parse (self->uri, G_URI_FLAGS_ENCODED, &error);
  scheme = parsed != NULL ? g_uri_get_scheme (parsed) : NULL;
  if (parsed == NULL || g_uri_get_host (parsed) == NULL ||
      !(g_ascii_strcasecmp (scheme, "http") == 0 || g_ascii_strcasecmp (scheme, "https") == 0 ||
        g_ascii_strcasecmp (scheme, "ws") == 0 || g_ascii_strcasecmp (scheme, "wss") == 0))
    {
      g_critical ("SioClient: “%s” is not an http://, https://, ws:// or wss:// URI%s%s",
                  self->uri ? self->uri : "(null)",
                  error ? ": " : "", error ? error->message : "");
      g_clear_pointer (&parsed, g_uri_unref);
      parsed = g_uri_parse ("http://localhost/", G_URI_FLAGS_ENCODED, NULL);
      self->uri_invalid = TRUE;
    }
  else
    {
      gboolean secure = g_ascii_strcasecmp (scheme, "https") == 0 ||
                        g_ascii_strcasecmp (scheme, "wss") == 0;
      GUri *normalized = g_uri_build (G_URI_FLAGS_ENCODED,
                                      secure ? "https" : "http",
                                      g_uri_get_userinfo (parsed),
                                      g_uri_get_host (parsed),
                                      g_uri_get_port (parsed),
                                      g_uri_get_path (parsed),
                                      g_uri_get_query (parsed),
                                      NULL);
      g_uri_unref (parsed);
      parsed = normalized;
    }
  self->guri = g_steal_pointer (&parsed);

  nsp = g_uri_get_path (self->guri);
  if (nsp == NULL || nsp[0] == '\0')
    nsp = "/";
  {
    g_autofree char *unescaped = g_uri_unescape_string (nsp, NULL);
    _sio_socket_set_namespace (SIO_SOCKET (self), unescaped != NULL ? unescaped : nsp);
  }

  if (self->session == NULL)
    {
      self->session = soup_session_new_with_options ("timeout", 0,
                                                     "idle-timeout", 0,
                                                     "user-agent", "sio-glib/" PACKAGE_VERSION " ",
                                                     NULL);
      /* One cookie jar for every request of this client (polling and the
       * WebSocket handshake): load balancers pin sessions with cookies. */
      g_autoptr(SoupCookieJar) jar = soup_cookie_jar_new ();
      soup_session_add_feature (self->session, SOUP_SESSION_FEATURE (jar));
    }
}

static void
sio_client_dispose (GObject *object)
{
  SioClient *self = SIO_CLIENT (object);

  clear_reconnect_timer (self);
  drop_engine (self);
  set_network_monitor (self, NULL);
  if (self->sockets != NULL)
    {
      GHashTableIter iter;
      gpointer value;

      g_hash_table_iter_init (&iter, self->sockets);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        _sio_socket_detach (value);
      g_hash_table_remove_all (self->sockets);
    }

  G_OBJECT_CLASS (sio_client_parent_class)->dispose (object);
}

static void
sio_client_finalize (GObject *object)
{
  SioClient *self = SIO_CLIENT (object);

  g_free (self->uri);
  g_clear_pointer (&self->guri, g_uri_unref);
  g_free (self->path);
  g_strfreev (self->transports);
  g_clear_object (&self->session);
  g_clear_pointer (&self->query, g_ptr_array_unref);
  g_clear_pointer (&self->headers, g_ptr_array_unref);
  g_clear_pointer (&self->sockets, g_hash_table_unref);
  g_clear_pointer (&self->decoder, _sio_packet_decoder_free);
  g_clear_pointer (&self->context, g_main_context_unref);

  G_OBJECT_CLASS (sio_client_parent_class)->finalize (object);
}

static void
sio_client_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  SioClient *self = SIO_CLIENT (object);

  switch (prop_id)
    {
    case PROP_URI:
      g_value_set_string (value, self->uri);
      break;
    case PROP_PATH:
      g_value_set_string (value, sio_client_get_path (self));
      break;
    case PROP_ENGINE_IO_VERSION:
      g_value_set_uint (value, self->eio);
      break;
    case PROP_TRANSPORTS:
      g_value_set_boxed (value, self->transports);
      break;
    case PROP_UPGRADE:
      g_value_set_boolean (value, self->upgrade);
      break;
    case PROP_SESSION:
      g_value_set_object (value, self->session);
      break;
    case PROP_RECONNECTION:
      g_value_set_boolean (value, self->reconnection);
      break;
    case PROP_RECONNECTION_ATTEMPTS:
      g_value_set_int (value, self->reconnection_attempts);
      break;
    case PROP_RECONNECTION_DELAY:
      g_value_set_uint (value, self->backoff.min_ms);
      break;
    case PROP_RECONNECTION_DELAY_MAX:
      g_value_set_uint (value, self->backoff.max_ms);
      break;
    case PROP_RANDOMIZATION_FACTOR:
      g_value_set_double (value, self->backoff.factor);
      break;
    case PROP_TIMEOUT:
      g_value_set_uint (value, self->timeout);
      break;
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_ENGINE_ID:
      g_value_set_string (value, sio_client_get_engine_id (self));
      break;
    case PROP_TRANSPORT:
      g_value_set_string (value, sio_client_get_transport (self));
      break;
    case PROP_MAX_PAYLOAD:
      g_value_set_uint64 (value, self->max_receive);
      break;
    case PROP_MAX_ATTACHMENTS:
      g_value_set_uint (value, self->max_attachments);
      break;
    case PROP_RTT:
      g_value_set_int64 (value, self->rtt);
      break;
    case PROP_NETWORK_MONITOR:
      g_value_set_object (value, self->network_monitor);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sio_client_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  SioClient *self = SIO_CLIENT (object);

  switch (prop_id)
    {
    case PROP_URI:
      self->uri = g_value_dup_string (value);
      break;
    case PROP_PATH:
      sio_client_set_path (self, g_value_get_string (value));
      break;
    case PROP_ENGINE_IO_VERSION:
      sio_client_set_engine_io_version (self, g_value_get_uint (value));
      break;
    case PROP_TRANSPORTS:
      sio_client_set_transports (self, g_value_get_boxed (value));
      break;
    case PROP_UPGRADE:
      sio_client_set_upgrade (self, g_value_get_boolean (value));
      break;
    case PROP_SESSION:
      self->session = g_value_dup_object (value);
      break;
    case PROP_RECONNECTION:
      sio_client_set_reconnection (self, g_value_get_boolean (value));
      break;
    case PROP_RECONNECTION_ATTEMPTS:
      sio_client_set_reconnection_attempts (self, g_value_get_int (value));
      break;
    case PROP_RECONNECTION_DELAY:
      sio_client_set_reconnection_delay (self, g_value_get_uint (value));
      break;
    case PROP_RECONNECTION_DELAY_MAX:
      sio_client_set_reconnection_delay_max (self, g_value_get_uint (value));
      break;
    case PROP_RANDOMIZATION_FACTOR:
      sio_client_set_randomization_factor (self, g_value_get_double (value));
      break;
    case PROP_TIMEOUT:
      sio_client_set_timeout (self, g_value_get_uint (value));
      break;
    case PROP_MAX_PAYLOAD:
      if (self->max_receive != g_value_get_uint64 (value))
        {
          self->max_receive = g_value_get_uint64 (value);
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    case PROP_MAX_ATTACHMENTS:
      if (self->max_attachments != g_value_get_uint (value))
        {
          self->max_attachments = g_value_get_uint (value);
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    case PROP_NETWORK_MONITOR:
      sio_client_set_network_monitor (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sio_client_class_init (SioClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = sio_client_constructed;
  object_class->dispose = sio_client_dispose;
  object_class->finalize = sio_client_finalize;
  object_class->get_property = sio_client_get_property;
  object_class->set_property = sio_client_set_property;

  /**
   * SioClient:uri:
   *
   * The server URI: `http://`, `https://`, `ws://` or `wss://`. Its path
   * names the main namespace (none means `"/"`); its query is sent with
   * every request.
   *
   * Since: 1.0
   */
  properties[PROP_URI] =
    g_param_spec_string ("uri", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * SioClient:path:
   *
   * The server's Engine.IO path, `"/socket.io/"` by default.
   *
   * Since: 1.0
   */
  properties[PROP_PATH] =
    g_param_spec_string ("path", NULL, NULL, "/socket.io/",
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * SioClient:engine-io-version:
   *
   * The protocol generation: 4 (the default) speaks to Socket.IO 3.x and
   * 4.x servers, 3 to Socket.IO 2.x servers. Takes effect on the next
   * connection.
   *
   * Since: 1.0
   */
  properties[PROP_ENGINE_IO_VERSION] =
    g_param_spec_uint ("engine-io-version", NULL, NULL, 3, 4, 4,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * SioClient:transports:
   *
   * The transports to try, in order: `"websocket"` and `"polling"`. The
   * first that opens is used.
   *
   * Since: 1.0
   */
  properties[PROP_TRANSPORTS] =
    g_param_spec_boxed ("transports", NULL, NULL, G_TYPE_STRV,
                        G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * SioClient:upgrade:
   *
   * Whether to upgrade from long-polling to WebSocket when the server
   * offers it and "websocket" is one of [property@Sio.Client:transports].
   *
   * The client probes a WebSocket on the same Engine.IO session, pauses
   * polling once the probe is answered, and goes on over the WebSocket:
   * packets sent meanwhile wait and go out in order, nothing is lost or
   * sent twice. [property@Sio.Client:transport] changes (with a notify)
   * when the switch is done. If the probe fails, the session stays on
   * polling; there is one probe per connection.
   *
   * Since: 1.0
   */
  properties[PROP_UPGRADE] =
    g_param_spec_boolean ("upgrade", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * SioClient:session:
   *
   * The HTTP session used for every request (TLS, proxy, cookies, user
   * agent). A private one is created when none is given. It must belong to
   * the same main context as the client.
   *
   * Since: 1.0
   */
  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL, SOUP_TYPE_SESSION,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * SioClient:reconnection:
   *
   * Whether to reconnect after an unintended loss of the connection (not
   * after [method@Sio.Client.close] or a disconnection by the server).
   *
   * Since: 1.0
   */
  properties[PROP_RECONNECTION] =
    g_param_spec_boolean ("reconnection", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * SioClient:reconnection-attempts:
   *
   * How many reconnection attempts to make before giving up with
   * [signal@Sio.Client::reconnect-failed]; -1 for no limit.
   *
   * Since: 1.0
   */
  properties[PROP_RECONNECTION_ATTEMPTS] =
    g_param_spec_int ("reconnection-attempts", NULL, NULL, -1, G_MAXINT, -1,
                      G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * SioClient:reconnection-delay:
   *
   * The first delay before reconnecting, in milliseconds; it doubles with
   * every attempt up to [property@Sio.Client:reconnection-delay-max].
   *
   * Since: 1.0
   */
  properties[PROP_RECONNECTION_DELAY] =
    g_param_spec_uint ("reconnection-delay", NULL, NULL, 0, G_MAXUINT, 1000,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * SioClient:reconnection-delay-max:
   *
   * The longest delay between reconnection attempts, in milliseconds,
   * before jitter.
   *
   * Since: 1.0
   */
  properties[PROP_RECONNECTION_DELAY_MAX] =
    g_param_spec_uint ("reconnection-delay-max", NULL, NULL, 0, G_MAXUINT, 5000,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * SioClient:randomization-factor:
   *
   * Jitter on every reconnection delay, between 0 and 1: a delay `d`
   * becomes a random value in `[d × (1 − f), d × (1 + f)]`. It applies
   * after the cap, so that clients that lost the same server never retry in
   * lockstep.
   *
   * Since: 1.0
   */
  properties[PROP_RANDOMIZATION_FACTOR] =
    g_param_spec_double ("randomization-factor", NULL, NULL, 0.0, 1.0, 0.5,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * SioClient:timeout:
   *
   * How long a connection attempt may take until the handshake, in
   * milliseconds; 0 for no limit.
   *
   * Since: 1.0
   */
  properties[PROP_TIMEOUT] =
    g_param_spec_uint ("timeout", NULL, NULL, 0, G_MAXUINT, 20000,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * SioClient:state:
   *
   * The state of the connection.
   *
   * Since: 1.0
   */
  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, SIO_TYPE_CLIENT_STATE, SIO_CLIENT_STATE_CLOSED,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * SioClient:engine-id:
   *
   * The Engine.IO session id, or %NULL when not connected.
   *
   * Since: 1.0
   */
  properties[PROP_ENGINE_ID] =
    g_param_spec_string ("engine-id", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * SioClient:transport:
   *
   * The transport in use while open, `"websocket"` or `"polling"`, else
   * %NULL.
   *
   * Since: 1.0
   */
  properties[PROP_TRANSPORT] =
    g_param_spec_string ("transport", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * SioClient:max-payload:
   *
   * The largest message accepted from the server, in bytes. A larger one
   * ends the connection (and the client reconnects).
   *
   * Since: 1.0
   */
  properties[PROP_MAX_PAYLOAD] =
    g_param_spec_uint64 ("max-payload", NULL, NULL, 1024, G_MAXUINT64, DEFAULT_MAX_RECEIVE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * SioClient:max-attachments:
   *
   * The most binary attachments one incoming packet may announce. More is
   * a protocol error.
   *
   * Since: 1.0
   */
  properties[PROP_MAX_ATTACHMENTS] =
    g_param_spec_uint ("max-attachments", NULL, NULL, 1, 100000, 10,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * SioClient:rtt:
   *
   * The last measured round-trip time to the server, in milliseconds, or
   * -1 before the first measure. With Engine.IO v3 the client pings and
   * times every pong; with v4, where the server pings, the client times
   * each namespace CONNECT and its reply. Notified on every measure.
   *
   * Since: 1.0
   */
  properties[PROP_RTT] =
    g_param_spec_int64 ("rtt", NULL, NULL, -1, G_MAXINT64, -1,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * SioClient:network-monitor:
   *
   * The network monitor the client listens to, by default
   * g_network_monitor_get_default(); %NULL turns network awareness off.
   *
   * While the monitor says the network is down (and the server cannot be
   * reached through a remaining route) a lost client does not spend
   * reconnection attempts: it waits in
   * %SIO_CLIENT_STATE_RECONNECTING, and when the network comes back it
   * reconnects at once with the back-off starting over. A change of
   * network while connected makes the client check the heartbeat against
   * the clock, so a link that died (for example across a suspend) is
   * noticed at once.
   *
   * The system's monitor knows nothing of loopback: with it, a server on
   * `localhost` or a loopback address is always taken as reachable. A
   * monitor set here is taken at its word.
   *
   * Since: 1.0
   */
  properties[PROP_NETWORK_MONITOR] =
    g_param_spec_object ("network-monitor", NULL, NULL, G_TYPE_NETWORK_MONITOR,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * SioClient::reconnect-attempt:
   * @self: the client
   * @attempt: the attempt number, from 1
   *
   * Emitted before each reconnection attempt.
   *
   * Since: 1.0
   */
  signals[SIGNAL_RECONNECT_ATTEMPT] =
    g_signal_new ("reconnect-attempt", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);

  /**
   * SioClient::reconnected:
   * @self: the client
   * @attempts: how many attempts it took
   *
   * A reconnection succeeded; the open namespaces are being rejoined.
   *
   * Since: 1.0
   */
  signals[SIGNAL_RECONNECTED] =
    g_signal_new ("reconnected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);

  /**
   * SioClient::reconnect-failed:
   * @self: the client
   *
   * [property@Sio.Client:reconnection-attempts] were exhausted; the client
   * is %SIO_CLIENT_STATE_CLOSED.
   *
   * Since: 1.0
   */
  signals[SIGNAL_RECONNECT_FAILED] =
    g_signal_new ("reconnect-failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
sio_client_init (SioClient *self)
{
  static const char * const default_transports[] = { "websocket", "polling", NULL };

  self->path = g_strdup ("/socket.io/");
  self->eio = 4;
  self->transports = g_strdupv ((char **) default_transports);
  self->upgrade = TRUE;
  self->reconnection = TRUE;
  self->reconnection_attempts = -1;
  self->backoff.min_ms = 1000;
  self->backoff.max_ms = 5000;
  self->backoff.factor = 0.5;
  self->timeout = 20000;
  self->max_receive = DEFAULT_MAX_RECEIVE;
  self->max_attachments = 10;
  self->query = g_ptr_array_new_with_free_func (g_free);
  self->headers = g_ptr_array_new_with_free_func (g_free);
  self->state = SIO_CLIENT_STATE_CLOSED;
  self->sockets = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->context = g_main_context_ref_thread_default ();
  self->rtt = -1;
  set_network_monitor (self, g_network_monitor_get_default ());
}

/* ---- public API ----------------------------------------------------- */

/**
 * sio_client_new:
 * @uri: the server URI, such as `http://localhost:3000` or
 *   `https://example.com/admin`
 *
 * Creates a client for @uri. Nothing happens on the network until a socket
 * is opened.
 *
 * Returns: (transfer full): a new #SioClient
 *
 * Since: 1.0
 */
SioClient *
sio_client_new (const char *uri)
{
  g_return_val_if_fail (uri != NULL, NULL);
  return g_object_new (SIO_TYPE_CLIENT, "uri", uri, NULL);
}

/**
 * sio_client_new_with_session:
 * @uri: the server URI
 * @session: (nullable): the #SoupSession to use
 *
 * Creates a client that makes its requests with @session (for TLS
 * settings, a proxy, a cookie jar shared with other requests…).
 *
 * Returns: (transfer full): a new #SioClient
 *
 * Since: 1.0
 */
SioClient *
sio_client_new_with_session (const char  *uri,
                             SoupSession *session)
{
  g_return_val_if_fail (uri != NULL, NULL);
  g_return_val_if_fail (session == NULL || SOUP_IS_SESSION (session), NULL);
  return g_object_new (SIO_TYPE_CLIENT, "uri", uri, "session", session, NULL);
}

/**
 * sio_client_get_uri:
 * @self: a #SioClient
 *
 * The server URI.
 *
 * Returns: the URI
 *
 * Since: 1.0
 */
const char *
sio_client_get_uri (SioClient *self)
{
  g_return_val_if_fail (SIO_IS_CLIENT (self), NULL);
  return self->uri;
}

/**
 * sio_client_get_path:
 * @self: a #SioClient
 *
 * The Engine.IO path.
 *
 * Returns: the path
 *
 * Since: 1.0
 */
const char *
sio_client_get_path (SioClient *self)
{
  g_return_val_if_fail (SIO_IS_CLIENT (self), NULL);
  return self->path;
}

/**
 * sio_client_set_path:
 * @self: a #SioClient
 * @path: (nullable): the Engine.IO path; %NULL for `"/socket.io/"`
 *
 * Sets [property@Sio.Client:path].
 *
 * Since: 1.0
 */
void
sio_client_set_path (SioClient  *self,
                     const char *path)
{
  g_return_if_fail (SIO_IS_CLIENT (self));
  if (path == NULL)
    path = "/socket.io/";
  if (g_strcmp0 (self->path, path) == 0)
    return;
  g_free (self->path);
  self->path = g_strdup (path);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PATH]);
}

/**
 * sio_client_get_engine_io_version:
 * @self: a #SioClient
 *
 * The Engine.IO protocol revision.
 *
 * Returns: 3 or 4
 *
 * Since: 1.0
 */
guint
sio_client_get_engine_io_version (SioClient *self)
{
  g_return_val_if_fail (SIO_IS_CLIENT (self), 4);
  return self->eio;
}

/**
 * sio_client_set_engine_io_version:
 * @self: a #SioClient
 * @version: 3 or 4
 *
 * Sets [property@Sio.Client:engine-io-version].
 *
 * Since: 1.0
 */
void
sio_client_set_engine_io_version (SioClient *self,
                                  guint      version)
{
  g_return_if_fail (SIO_IS_CLIENT (self));
  g_return_if_fail (version == 3 || version == 4);
  if (self->eio == version)
    return;
  self->eio = version;
  g_clear_pointer (&self->decoder, _sio_packet_decoder_free);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ENGINE_IO_VERSION]);
}

/**
 * sio_client_get_transports:
 * @self: a #SioClient
 *
 * The transports to try, in order.
 *
 * Returns: (transfer none) (array zero-terminated=1): the transport names
 *
 * Since: 1.0
 */
const char * const *
sio_client_get_transports (SioClient *self)
{
  g_return_val_if_fail (SIO_IS_CLIENT (self), NULL);
  return (const char * const *) self->transports;
}

/**
 * sio_client_set_transports:
 * @self: a #SioClient
 * @transports: (array zero-terminated=1) (nullable): transport names,
 *   `"websocket"` and/or `"polling"`; %NULL for the default
 *
 * Sets [property@Sio.Client:transports].
 *
 * Since: 1.0
 */
void
sio_client_set_transports (SioClient          *self,
                           const char * const *transports)
{
  static const char * const default_transports[] = { "websocket", "polling", NULL };

  g_return_if_fail (SIO_IS_CLIENT (self));
  if (transports == NULL || transports[0] == NULL)
    transports = default_transports;
  for (guint i = 0; transports[i] != NULL; i++)
    if (g_strcmp0 (transports[i], "websocket") != 0 && g_strcmp0 (transports[i], "polling") != 0)
      {
        g_critical ("sio_client_set_transports: unknown transport “%s”", transports[i]);
        return;
      }
  if (self->transports != NULL && g_strv_equal ((const char * const *) self->transports, transports))
    return;
  g_strfreev (self->transports);
  self->transports = g_strdupv ((char **) transports);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TRANSPORTS]);
}

/**
 * sio_client_get_upgrade:
 * @self: a #SioClient
 *
 * Whether the client upgrades from polling to WebSocket.
 *
 * Returns: the value of [property@Sio.Client:upgrade]
 *
 * Since: 1.0
 */
gboolean
sio_client_get_upgrade (SioClient *self)
{
  g_return_val_if_fail (SIO_IS_CLIENT (self), FALSE);
  return self->upgrade;
}

/**
 * sio_client_set_upgrade:
 * @self: a #SioClient
 * @upgrade: whether to upgrade
 *
 * Sets [property@Sio.Client:upgrade].
 *
 * Since: 1.0
 */
void
sio_client_set_upgrade (SioClient *self,
                        gboolean   upgrade)
{
  g_return_if_fail (SIO_IS_CLIENT (self));
  upgrade = !!upgrade;
  if (self->upgrade == upgrade)
    return;
  self->upgrade = upgrade;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_UPGRADE]);
}

/**
 * sio_client_get_session:
 * @self: a #SioClient
 *
 * The HTTP session of the client.
 *
 * Returns: (transfer none): the session
 *
 * Since: 1.0
 */
SoupSession *
sio_client_get_session (SioClient *self)
{
  g_return_val_if_fail (SIO_IS_CLIENT (self), NULL);
  return self->session;
}

/**
 * sio_client_get_reconnection:
 * @self: a #SioClient
 *
 * Whether the client reconnects automatically.
 *
 * Returns: the value of [property@Sio.Client:reconnection]
 *
 * Since: 1.0
 */
gboolean
sio_client_get_reconnection (SioClient *self)
{
  g_return_val_if_fail (SIO_IS_CLIENT (self), FALSE);
  return self->reconnection;
}

/**
 * sio_client_set_reconnection:
 * @self: a #SioClient
 * @reconnection: whether to reconnect
 *
 * Sets [property@Sio.Client:reconnection].
 *
 * Since: 1.0
 */
void
sio_client_set_reconnection (SioClient *self,
                             gboolean   reconnection)
{
  g_return_if_fail (SIO_IS_CLIENT (self));
  reconnection = !!reconnection;
  if (self->reconnection == reconnection)
    return;
  self->reconnection = reconnection;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RECONNECTION]);
}

/**
 * sio_client_get_reconnection_attempts:
 * @self: a #SioClient
 *
 * The most reconnection attempts.
 *
 * Returns: the number of attempts, -1 for no limit
 *
 * Since: 1.0
 */
int
sio_client_get_reconnection_attempts (SioClient *self)
{
  g_return_val_if_fail (SIO_IS_CLIENT (self), -1);
  return self->reconnection_attempts;
}

/**
 * sio_client_set_reconnection_attempts:
 * @self: a #SioClient
 * @attempts: the most attempts, -1 for no limit
 *
 * Sets [property@Sio.Client:reconnection-attempts].
 *
 * Since: 1.0
 */
void
sio_client_set_reconnection_attempts (SioClient *self,
                                      int        attempts)
{
  g_return_if_fail (SIO_IS_CLIENT (self));
  if (attempts < -1)
    attempts = -1;
  if (self->reconnection_attempts == attempts)
    return;
  self->reconnection_attempts = attempts;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RECONNECTION_ATTEMPTS]);
}

/**
 * sio_client_get_reconnection_delay:
 * @self: a #SioClient
 *
 * The first reconnection delay.
 *
 * Returns: milliseconds
 *
 * Since: 1.0
 */
guint
sio_client_get_reconnection_delay (SioClient *self)
{
  g_return_val_if_fail (SIO_IS_CLIENT (self), 0);
  return self->backoff.min_ms;
}

/**
 * sio_client_set_reconnection_delay:
 * @self: a #SioClient
 * @delay_ms: milliseconds
 *
 * Sets [property@Sio.Client:reconnection-delay].
 *
 * Since: 1.0
 */
void
sio_client_set_reconnection_delay (SioClient *self,
                                   guint      delay_ms)
{
  g_return_if_fail (SIO_IS_CLIENT (self));
  if (self->backoff.min_ms == delay_ms)
    return;
  self->backoff.min_ms = delay_ms;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RECONNECTION_DELAY]);
}

/**
 * sio_client_get_reconnection_delay_max:
 * @self: a #SioClient
 *
 * The longest reconnection delay before jitter.
 *
 * Returns: milliseconds
 *
 * Since: 1.0
 */
guint
sio_client_get_reconnection_delay_max (SioClient *self)
{
  g_return_val_if_fail (SIO_IS_CLIENT (self), 0);
  return self->backoff.max_ms;
}

/**
 * sio_client_set_reconnection_delay_max:
 * @self: a #SioClient
 * @delay_ms: milliseconds
 *
 * Sets [property@Sio.Client:reconnection-delay-max].
 *
 * Since: 1.0
 */
void
sio_client_set_reconnection_delay_max (SioClient *self,
                                       guint      delay_ms)
{
  g_return_if_fail (SIO_IS_CLIENT (self));
  if (self->backoff.max_ms == delay_ms)
    return;
  self->backoff.max_ms = delay_ms;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RECONNECTION_DELAY_MAX]);
}

/**
 * sio_client_get_randomization_factor:
 * @self: a #SioClient
 *
 * The reconnection jitter.
 *
 * Returns: a factor between 0 and 1
 *
 * Since: 1.0
 */
double
sio_client_get_randomization_factor (SioClient *self)
{
  g_return_val_if_fail (SIO_IS_CLIENT (self), 0.0);
  return self->backoff.factor;
}

/**
 * sio_client_set_randomization_factor:
 * @self: a #SioClient
 * @factor: between 0 and 1
 *
 * Sets [property@Sio.Client:randomization-factor].
 *
 * Since: 1.0
 */
void
sio_client_set_randomization_factor (SioClient *self,
                                     double     factor)
{
  g_return_if_fail (SIO_IS_CLIENT (self));
  factor = CLAMP (factor, 0.0, 1.0);
  if (self->backoff.factor == factor)
    return;
  self->backoff.factor = factor;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RANDOMIZATION_FACTOR]);
}

/**
 * sio_client_get_timeout:
 * @self: a #SioClient
 *
 * The connection timeout.
 *
 * Returns: milliseconds
 *
 * Since: 1.0
 */
guint
sio_client_get_timeout (SioClient *self)
{
  g_return_val_if_fail (SIO_IS_CLIENT (self), 0);
  return self->timeout;
}

/**
 * sio_client_set_timeout:
 * @self: a #SioClient
 * @timeout_ms: milliseconds, 0 for none
 *
 * Sets [property@Sio.Client:timeout].
 *
 * Since: 1.0
 */
void
sio_client_set_timeout (SioClient *self,
                        guint      timeout_ms)
{
  g_return_if_fail (SIO_IS_CLIENT (self));
  if (self->timeout == timeout_ms)
    return;
  self->timeout = timeout_ms;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TIMEOUT]);
}

/**
 * sio_client_get_state:
 * @self: a #SioClient
 *
 * The state of the connection.
 *
 * Returns: a #SioClientState
 *
 * Since: 1.0
 */
SioClientState
sio_client_get_state (SioClient *self)
{
  g_return_val_if_fail (SIO_IS_CLIENT (self), SIO_CLIENT_STATE_CLOSED);
  return self->state;
}

/**
 * sio_client_get_engine_id:
 * @self: a #SioClient
 *
 * The Engine.IO session id.
 *
 * Returns: (nullable): the id, or %NULL when not connected
 *
 * Since: 1.0
 */
const char *
sio_client_get_engine_id (SioClient *self)
{
  g_return_val_if_fail (SIO_IS_CLIENT (self), NULL);
  if (self->engine == NULL || !_sio_engine_is_open (self->engine))
    return NULL;
  return _sio_engine_get_sid (self->engine);
}

/**
 * sio_client_get_transport:
 * @self: a #SioClient
 *
 * The transport in use.
 *
 * Returns: (nullable): `"websocket"` or `"polling"`, or %NULL when not open
 *
 * Since: 1.0
 */
const char *
sio_client_get_transport (SioClient *self)
{
  g_return_val_if_fail (SIO_IS_CLIENT (self), NULL);
  if (self->engine == NULL)
    return NULL;
  return _sio_engine_get_transport_name (self->engine);
}

/**
 * sio_client_get_rtt:
 * @self: a #SioClient
 *
 * The last measured round-trip time to the server.
 *
 * Returns: the value of [property@Sio.Client:rtt], in milliseconds, or -1
 *
 * Since: 1.0
 */
gint64
sio_client_get_rtt (SioClient *self)
{
  g_return_val_if_fail (SIO_IS_CLIENT (self), -1);
  return self->rtt;
}

/**
 * sio_client_get_network_monitor:
 * @self: a #SioClient
 *
 * The network monitor the client listens to.
 *
 * Returns: (transfer none) (nullable): the value of
 *   [property@Sio.Client:network-monitor]
 *
 * Since: 1.0
 */
GNetworkMonitor *
sio_client_get_network_monitor (SioClient *self)
{
  g_return_val_if_fail (SIO_IS_CLIENT (self), NULL);
  return self->network_monitor;
}

/**
 * sio_client_set_network_monitor:
 * @self: a #SioClient
 * @monitor: (nullable): a #GNetworkMonitor, or %NULL
 *
 * Sets [property@Sio.Client:network-monitor].
 *
 * Since: 1.0
 */
void
sio_client_set_network_monitor (SioClient       *self,
                                GNetworkMonitor *monitor)
{
  g_return_if_fail (SIO_IS_CLIENT (self));
  g_return_if_fail (monitor == NULL || G_IS_NETWORK_MONITOR (monitor));

  if (self->network_monitor == monitor)
    return;
  set_network_monitor (self, monitor);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NETWORK_MONITOR]);
}

void
_sio_client_report_rtt (SioClient *self,
                        gint64     rtt_ms)
{
  self->rtt = rtt_ms;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RTT]);
}

/**
 * sio_client_socket:
 * @self: a #SioClient
 * @namespace_: a namespace, starting with `/` and without `,`
 *
 * The socket of a namespace, multiplexed on this client's connection. The
 * same object is returned for the same namespace; the client's own
 * namespace gives the client itself.
 *
 * Returns: (transfer none) (nullable): the socket, or %NULL (with a
 *   critical warning) if @namespace_ is invalid
 *
 * Since: 1.0
 */
SioSocket *
sio_client_socket (SioClient  *self,
                   const char *namespace_)
{
  SioSocket *socket;

  g_return_val_if_fail (SIO_IS_CLIENT (self), NULL);
  g_return_val_if_fail (namespace_ != NULL, NULL);
  g_return_val_if_fail (namespace_[0] == '/', NULL);
  g_return_val_if_fail (strchr (namespace_, ',') == NULL, NULL);
  g_return_val_if_fail (g_utf8_validate (namespace_, -1, NULL), NULL);

  socket = lookup_socket (self, namespace_);
  if (socket != NULL)
    return socket;

  socket = g_object_new (SIO_TYPE_SOCKET, "namespace", namespace_, NULL);
  _sio_socket_attach (socket, self);
  g_hash_table_insert (self->sockets, g_strdup (namespace_), socket);
  return socket;
}

static void
set_pair (GPtrArray  *pairs,
          const char *key,
          const char *value,
          gboolean    case_insensitive)
{
  for (guint i = 0; i + 1 < pairs->len; i += 2)
    {
      const char *k = g_ptr_array_index (pairs, i);

      if (case_insensitive ? g_ascii_strcasecmp (k, key) == 0 : strcmp (k, key) == 0)
        {
          if (value == NULL)
            {
              g_ptr_array_remove_range (pairs, i, 2);
            }
          else
            {
              g_free (pairs->pdata[i + 1]);
              pairs->pdata[i + 1] = g_strdup (value);
            }
          return;
        }
    }
  if (value != NULL)
    {
      g_ptr_array_add (pairs, g_strdup (key));
      g_ptr_array_add (pairs, g_strdup (value));
    }
}

/**
 * sio_client_set_query_param:
 * @self: a #SioClient
 * @key: the parameter name
 * @value: (nullable): its value, or %NULL to remove it
 *
 * Adds a query parameter to every request of the next connections (the
 * `query` option of the JavaScript client). With Engine.IO v3 servers this
 * is how credentials are passed.
 *
 * Since: 1.0
 */
void
sio_client_set_query_param (SioClient  *self,
                            const char *key,
                            const char *value)
{
  g_return_if_fail (SIO_IS_CLIENT (self));
  g_return_if_fail (key != NULL && key[0] != '\0');
  set_pair (self->query, key, value, FALSE);
}

/**
 * sio_client_set_header:
 * @self: a #SioClient
 * @name: the HTTP header name
 * @value: (nullable): its value, or %NULL to remove it
 *
 * Adds an HTTP header to the handshake requests of the next connections
 * (the `extraHeaders` option of the JavaScript client).
 *
 * Since: 1.0
 */
void
sio_client_set_header (SioClient  *self,
                       const char *name,
                       const char *value)
{
  g_return_if_fail (SIO_IS_CLIENT (self));
  g_return_if_fail (name != NULL && name[0] != '\0');
  set_pair (self->headers, name, value, TRUE);
}

/**
 * sio_client_close:
 * @self: a #SioClient
 *
 * Leaves every namespace and closes the connection at once: no timer,
 * request or reconnection is left behind. Pending acknowledgements fail
 * with %SIO_ERROR_DISCONNECTED. Opening a socket again reconnects.
 *
 * Since: 1.0
 */
void
sio_client_close (SioClient *self)
{
  g_autoptr(GPtrArray) sockets = NULL;

  g_return_if_fail (SIO_IS_CLIENT (self));

  g_object_ref (self);
  sockets = all_sockets (self);
  for (guint i = 0; i < sockets->len; i++)
    _sio_socket_abandon (g_ptr_array_index (sockets, i), TRUE);
  clear_reconnect_timer (self);
  drop_engine (self);
  self->attempt = 0;
  _sio_backoff_reset (&self->backoff);
  set_state (self, SIO_CLIENT_STATE_CLOSED);
  g_object_unref (self);
}
