/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A GTK 4 chat window on sio-glib.
 *
 *   node examples/server/server.js --port 3000 &
 *   _build/examples/gtk-chat/gtk-chat http://127.0.0.1:3000
 *
 * It shows the connection state in the header bar (a property binding on
 * SioClient:state), lists the "chat" messages the server relays, and sends
 * the entry's text as "chat" with an acknowledgement: the message reads
 * "Sending…" until the server's ack arrives, then "✓ Delivered".  Closing the
 * window closes the client.
 *
 * For scripted runs (tests), see --help: --send types a message into the
 * entry and presses Send once connected, and --print writes what the window
 * shows as JSON lines on standard output.  SIGINT and SIGTERM close the
 * window the way its close button does.
 */
#include <glib-unix.h>
#include <gtk/gtk.h>
#include <sio-glib/sio-glib.h>

/* Command-line options, filled by GApplication's option parser. */
static char **opt_uris;
static char *opt_send;
static gboolean opt_print;

#define DEFAULT_URI "http://127.0.0.1:3000"

/* Prints one JSON object on stdout (--print). */
static void
print_json_line (JsonNode *node)
{
  g_autofree char *line = json_to_string (node, FALSE);

  g_print ("%s\n", line);
}

/* Replaces *dest by a copy of value; TRUE when it changed. */
static gboolean
replace_string (char       **dest,
                const char  *value)
{
  if (g_strcmp0 (*dest, value) == 0)
    return FALSE;
  g_free (*dest);
  *dest = g_strdup (value);
  return TRUE;
}

/* ------------------------------------------------------------------------ */
/* ChatMessage: one line of the conversation, the model of the list.        */
/* ------------------------------------------------------------------------ */

#define CHAT_TYPE_MESSAGE (chat_message_get_type ())
G_DECLARE_FINAL_TYPE (ChatMessage, chat_message, CHAT, MESSAGE, GObject)

struct _ChatMessage
{
  GObject parent_instance;

  char *sender;   /* "You", "Server", or the sender's socket id */
  char *text;     /* what was said */
  char *status;   /* delivery state of our own messages; "" for others */
};

enum {
  MESSAGE_PROP_0,
  MESSAGE_PROP_SENDER,
  MESSAGE_PROP_TEXT,
  MESSAGE_PROP_STATUS,
  MESSAGE_N_PROPS
};

static GParamSpec *message_properties[MESSAGE_N_PROPS];

G_DEFINE_FINAL_TYPE (ChatMessage, chat_message, G_TYPE_OBJECT)

static void
chat_message_set_status (ChatMessage *self,
                         const char  *status)
{
  if (replace_string (&self->status, status))
    g_object_notify_by_pspec (G_OBJECT (self), message_properties[MESSAGE_PROP_STATUS]);
}

static void
chat_message_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  ChatMessage *self = CHAT_MESSAGE (object);

  switch (prop_id)
    {
    case MESSAGE_PROP_SENDER:
      g_value_set_string (value, self->sender);
      break;
    case MESSAGE_PROP_TEXT:
      g_value_set_string (value, self->text);
      break;
    case MESSAGE_PROP_STATUS:
      g_value_set_string (value, self->status);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chat_message_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  ChatMessage *self = CHAT_MESSAGE (object);

  switch (prop_id)
    {
    case MESSAGE_PROP_SENDER:
      replace_string (&self->sender, g_value_get_string (value));
      break;
    case MESSAGE_PROP_TEXT:
      replace_string (&self->text, g_value_get_string (value));
      break;
    case MESSAGE_PROP_STATUS:
      chat_message_set_status (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chat_message_finalize (GObject *object)
{
  ChatMessage *self = CHAT_MESSAGE (object);

  g_clear_pointer (&self->sender, g_free);
  g_clear_pointer (&self->text, g_free);
  g_clear_pointer (&self->status, g_free);

  G_OBJECT_CLASS (chat_message_parent_class)->finalize (object);
}

static void
chat_message_class_init (ChatMessageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = chat_message_get_property;
  object_class->set_property = chat_message_set_property;
  object_class->finalize = chat_message_finalize;

  message_properties[MESSAGE_PROP_SENDER] =
    g_param_spec_string ("sender", NULL, NULL, "",
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  message_properties[MESSAGE_PROP_TEXT] =
    g_param_spec_string ("text", NULL, NULL, "",
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  message_properties[MESSAGE_PROP_STATUS] =
    g_param_spec_string ("status", NULL, NULL, "",
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, MESSAGE_N_PROPS, message_properties);
}

static void
chat_message_init (ChatMessage *self)
{
  self->status = g_strdup ("");
}

static ChatMessage *
chat_message_new (const char *sender,
                  const char *text,
                  const char *status)
{
  return g_object_new (CHAT_TYPE_MESSAGE,
                       "sender", sender,
                       "text", text,
                       "status", status,
                       NULL);
}

/* ------------------------------------------------------------------------ */
/* ChatRow: how one ChatMessage looks in the list.                          */
/* ------------------------------------------------------------------------ */

#define CHAT_TYPE_ROW (chat_row_get_type ())
G_DECLARE_FINAL_TYPE (ChatRow, chat_row, CHAT, ROW, GtkListBoxRow)

struct _ChatRow
{
  GtkListBoxRow parent_instance;

  GtkLabel *sender_label;  /* bold, top left */
  GtkLabel *status_label;  /* dimmed, top right, bound to ChatMessage:status */
  GtkLabel *text_label;    /* the message, wrapped */
};

G_DEFINE_FINAL_TYPE (ChatRow, chat_row, GTK_TYPE_LIST_BOX_ROW)

static void
chat_row_class_init (ChatRowClass *klass)
{
}

static void
chat_row_init (ChatRow *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *top = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);

  self->sender_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (self->sender_label, 0);
  gtk_label_set_ellipsize (self->sender_label, PANGO_ELLIPSIZE_END);
  gtk_widget_set_hexpand (GTK_WIDGET (self->sender_label), TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (self->sender_label), "heading");

  self->status_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_widget_add_css_class (GTK_WIDGET (self->status_label), "dim-label");
  gtk_widget_add_css_class (GTK_WIDGET (self->status_label), "caption");

  self->text_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (self->text_label, 0);
  gtk_label_set_wrap (self->text_label, TRUE);
  gtk_label_set_wrap_mode (self->text_label, PANGO_WRAP_WORD_CHAR);
  gtk_label_set_selectable (self->text_label, TRUE);

  gtk_box_append (GTK_BOX (top), GTK_WIDGET (self->sender_label));
  gtk_box_append (GTK_BOX (top), GTK_WIDGET (self->status_label));
  gtk_box_append (GTK_BOX (box), top);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->text_label));
  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);
  gtk_widget_set_margin_top (box, 8);
  gtk_widget_set_margin_bottom (box, 8);

  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (self), box);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (self), FALSE);
}

static GtkWidget *
chat_row_new (ChatMessage *message)
{
  ChatRow *self = g_object_new (CHAT_TYPE_ROW, NULL);

  gtk_label_set_text (self->sender_label, message->sender);
  gtk_label_set_text (self->text_label, message->text);
  g_object_bind_property (message, "status", self->status_label, "label",
                          G_BINDING_SYNC_CREATE);

  return GTK_WIDGET (self);
}

/* What the row displays, read back from its labels. */
static JsonNode *
chat_row_describe (ChatRow *self)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "row");
  json_builder_add_int_value (builder, gtk_list_box_row_get_index (GTK_LIST_BOX_ROW (self)));
  json_builder_set_member_name (builder, "sender");
  json_builder_add_string_value (builder, gtk_label_get_text (self->sender_label));
  json_builder_set_member_name (builder, "text");
  json_builder_add_string_value (builder, gtk_label_get_text (self->text_label));
  json_builder_set_member_name (builder, "status");
  json_builder_add_string_value (builder, gtk_label_get_text (self->status_label));
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

static void
chat_row_print (ChatRow *self)
{
  g_autoptr(JsonNode) node = chat_row_describe (self);

  print_json_line (node);
}

/* ------------------------------------------------------------------------ */
/* ChatWindow                                                               */
/* ------------------------------------------------------------------------ */

#define CHAT_TYPE_WINDOW (chat_window_get_type ())
G_DECLARE_FINAL_TYPE (ChatWindow, chat_window, CHAT, WINDOW, GtkApplicationWindow)

struct _ChatWindow
{
  GtkApplicationWindow parent_instance;

  SioClient *client;          /* the connection; closed with the window */
  GCancellable *cancellable;  /* cancels pending acks when the window closes */
  GListStore *messages;       /* ChatMessage items shown by the list */

  GtkLabel *state_label;      /* header bar subtitle, bound to SioClient:state */
  GtkListBox *list;
  GtkScrolledWindow *scroller;
  GtkEntry *entry;
  GtkButton *send_button;     /* sensitive while SioSocket:connected */

  char *pending_send;         /* --send text, typed once connected */
  guint send_idle_id;         /* presses Send for --send */
};

enum {
  WINDOW_PROP_0,
  WINDOW_PROP_CLIENT,
  WINDOW_N_PROPS
};

static GParamSpec *window_properties[WINDOW_N_PROPS];

G_DEFINE_FINAL_TYPE (ChatWindow, chat_window, GTK_TYPE_APPLICATION_WINDOW)

static gboolean
state_to_label (GBinding     *binding,
                const GValue *from_value,
                GValue       *to_value,
                gpointer      user_data)
{
  switch ((SioClientState) g_value_get_enum (from_value))
    {
    case SIO_CLIENT_STATE_CLOSED:
      g_value_set_string (to_value, "Disconnected");
      break;
    case SIO_CLIENT_STATE_OPENING:
      g_value_set_string (to_value, "Connecting…");
      break;
    case SIO_CLIENT_STATE_OPEN:
      g_value_set_string (to_value, "Connected");
      break;
    case SIO_CLIENT_STATE_RECONNECTING:
      g_value_set_string (to_value, "Reconnecting…");
      break;
    default:
      return FALSE;
    }
  return TRUE;
}

static void
chat_window_add (ChatWindow  *self,
                 ChatMessage *message)
{
  g_list_store_append (self->messages, message);
}

static void
on_chat (SioSocket  *socket,
         SioEvent   *event,
         ChatWindow *self)
{
  JsonArray *args = sio_event_get_args (event);
  JsonObject *chat;
  const char *from;
  const char *text;
  g_autoptr(ChatMessage) message = NULL;

  /* the demo server relays {from, text} */
  if (json_array_get_length (args) < 1 ||
      !JSON_NODE_HOLDS_OBJECT (json_array_get_element (args, 0)))
    return;
  chat = json_array_get_object_element (args, 0);
  from = json_object_get_string_member_with_default (chat, "from", "?");
  text = json_object_get_string_member_with_default (chat, "text", "");

  /* our own messages come back too: they are listed already */
  if (g_strcmp0 (from, sio_socket_get_id (socket)) == 0)
    return;

  message = chat_message_new (from, text, "");
  chat_window_add (self, message);
}

static void
on_welcome (SioSocket  *socket,
            SioEvent   *event,
            ChatWindow *self)
{
  JsonArray *args = sio_event_get_args (event);
  g_autoptr(ChatMessage) message = NULL;

  if (json_array_get_length (args) < 1 ||
      !JSON_NODE_HOLDS_OBJECT (json_array_get_element (args, 0)))
    return;

  message = chat_message_new ("Server",
                              json_object_get_string_member_with_default (
                                json_array_get_object_element (args, 0), "message", ""),
                              "");
  chat_window_add (self, message);
}

static void
on_chat_acked (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(ChatMessage) message = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonArray) reply = NULL;
  g_autoptr(GDateTime) at = NULL;
  g_autofree char *status = NULL;
  JsonObject *ack;

  reply = sio_socket_emit_with_ack_finish (SIO_SOCKET (source), result, &error);
  if (reply == NULL)
    {
      /* cancelled: the window is closing */
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          status = g_strdup_printf ("Not delivered: %s", error->message);
          chat_message_set_status (message, status);
        }
      return;
    }

  /* the demo server answers {delivered: true, at: ISO 8601 time} */
  if (json_array_get_length (reply) < 1 ||
      !JSON_NODE_HOLDS_OBJECT (json_array_get_element (reply, 0)))
    {
      chat_message_set_status (message, "Not delivered: unexpected reply");
      return;
    }
  ack = json_array_get_object_element (reply, 0);
  if (!json_object_get_boolean_member_with_default (ack, "delivered", FALSE))
    {
      chat_message_set_status (message, "Not delivered");
      return;
    }

  at = g_date_time_new_from_iso8601 (json_object_get_string_member_with_default (ack, "at", ""), NULL);
  if (at != NULL)
    {
      g_autoptr(GDateTime) local = g_date_time_to_local (at);
      g_autofree char *time = g_date_time_format (local, "%H:%M:%S");

      status = g_strdup_printf ("✓ Delivered %s", time);
    }
  chat_message_set_status (message, status != NULL ? status : "✓ Delivered");
}

static void
on_send_clicked (ChatWindow *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->entry));
  g_autoptr(JsonArray) args = NULL;
  g_autoptr(ChatMessage) message = NULL;

  if (text[0] == '\0')
    return;

  message = chat_message_new ("You", text, "Sending…");
  chat_window_add (self, message);

  args = json_array_new ();
  json_array_add_string_element (args, text);
  sio_socket_emit_with_ack (SIO_SOCKET (self->client), "chat", args,
                            self->cancellable, on_chat_acked,
                            g_object_ref (message));

  gtk_editable_set_text (GTK_EDITABLE (self->entry), "");
  gtk_widget_grab_focus (GTK_WIDGET (self->entry));
}

/* --send: type the text and press Send, as a user would. */
static gboolean
send_pending (gpointer user_data)
{
  ChatWindow *self = user_data;
  g_autofree char *text = g_steal_pointer (&self->pending_send);

  self->send_idle_id = 0;
  gtk_editable_set_text (GTK_EDITABLE (self->entry), text);
  gtk_widget_activate (GTK_WIDGET (self->send_button));

  return G_SOURCE_REMOVE;
}

static void
on_connected_changed (SioSocket  *socket,
                      GParamSpec *pspec,
                      ChatWindow *self)
{
  /* from an idle, once the binding has made the button sensitive */
  if (sio_socket_get_connected (socket) && self->pending_send != NULL &&
      self->send_idle_id == 0)
    self->send_idle_id = g_idle_add (send_pending, self);
}

static GtkWidget *
create_row (gpointer item,
            gpointer user_data)
{
  GtkWidget *row = chat_row_new (CHAT_MESSAGE (item));

  if (opt_print)
    {
      ChatRow *chat_row = CHAT_ROW (row);

      /* what the row shows, now and whenever its status changes */
      g_signal_connect_object (chat_row->status_label, "notify::label",
                               G_CALLBACK (chat_row_print), row, G_CONNECT_SWAPPED);
      g_signal_connect (row, "map", G_CALLBACK (chat_row_print), NULL);
    }

  return row;
}

static void
on_state_label_changed (GtkLabel *label)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) node = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "state");
  json_builder_add_string_value (builder, gtk_label_get_text (label));
  json_builder_end_object (builder);
  node = json_builder_get_root (builder);
  print_json_line (node);
}

/* Follow the conversation: stay at the bottom while new rows arrive. */
static void
on_upper_changed (GtkAdjustment *adjustment)
{
  gtk_adjustment_set_value (adjustment,
                            gtk_adjustment_get_upper (adjustment) -
                            gtk_adjustment_get_page_size (adjustment));
}

static gboolean
chat_window_close_request (GtkWindow *window)
{
  ChatWindow *self = CHAT_WINDOW (window);

  if (opt_print)
    {
      /* the final list, read back from the rows */
      for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->list));
           child != NULL;
           child = gtk_widget_get_next_sibling (child))
        if (CHAT_IS_ROW (child))
          {
            g_autoptr(JsonNode) node = chat_row_describe (CHAT_ROW (child));
            JsonObject *object = json_node_get_object (node);

            json_object_set_boolean_member (object, "final", TRUE);
            print_json_line (node);
          }
    }

  g_cancellable_cancel (self->cancellable);
  sio_client_close (self->client);

  if (GTK_WINDOW_CLASS (chat_window_parent_class)->close_request != NULL)
    return GTK_WINDOW_CLASS (chat_window_parent_class)->close_request (window);
  return FALSE;
}

static void
chat_window_constructed (GObject *object)
{
  ChatWindow *self = CHAT_WINDOW (object);
  SioSocket *socket = SIO_SOCKET (self->client);
  g_autofree char *subtitle = NULL;

  G_OBJECT_CLASS (chat_window_parent_class)->constructed (object);

  g_object_bind_property_full (self->client, "state", self->state_label, "label",
                               G_BINDING_SYNC_CREATE, state_to_label, NULL, NULL, NULL);
  g_object_bind_property (self->client, "connected", self->send_button, "sensitive",
                          G_BINDING_SYNC_CREATE);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->state_label), sio_client_get_uri (self->client));

  g_signal_connect_object (socket, "event::chat", G_CALLBACK (on_chat), self, 0);
  g_signal_connect_object (socket, "event::welcome", G_CALLBACK (on_welcome), self, 0);
  g_signal_connect_object (socket, "notify::connected", G_CALLBACK (on_connected_changed), self, 0);

  if (opt_print)
    {
      g_signal_connect (self->state_label, "notify::label", G_CALLBACK (on_state_label_changed), NULL);
      on_state_label_changed (self->state_label);
    }

  self->pending_send = g_strdup (opt_send);
  sio_socket_open (socket);
}

static void
chat_window_dispose (GObject *object)
{
  ChatWindow *self = CHAT_WINDOW (object);

  g_clear_handle_id (&self->send_idle_id, g_source_remove);
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  if (self->client != NULL)
    sio_client_close (self->client);
  g_clear_object (&self->client);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->messages);
  g_clear_pointer (&self->pending_send, g_free);

  G_OBJECT_CLASS (chat_window_parent_class)->dispose (object);
}

static void
chat_window_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  ChatWindow *self = CHAT_WINDOW (object);

  switch (prop_id)
    {
    case WINDOW_PROP_CLIENT:
      self->client = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chat_window_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  ChatWindow *self = CHAT_WINDOW (object);

  switch (prop_id)
    {
    case WINDOW_PROP_CLIENT:
      g_value_set_object (value, self->client);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chat_window_class_init (ChatWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->constructed = chat_window_constructed;
  object_class->dispose = chat_window_dispose;
  object_class->set_property = chat_window_set_property;
  object_class->get_property = chat_window_get_property;
  window_class->close_request = chat_window_close_request;

  window_properties[WINDOW_PROP_CLIENT] =
    g_param_spec_object ("client", NULL, NULL, SIO_TYPE_CLIENT,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, WINDOW_N_PROPS, window_properties);
}

static void
chat_window_init (ChatWindow *self)
{
  GtkWidget *header = gtk_header_bar_new ();
  GtkWidget *title_box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *title = gtk_label_new ("Socket.IO Chat");
  GtkWidget *content = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *bottom = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *placeholder = gtk_label_new ("No messages yet");
  GtkAdjustment *vadjustment;

  self->cancellable = g_cancellable_new ();
  self->messages = g_list_store_new (CHAT_TYPE_MESSAGE);

  gtk_window_set_title (GTK_WINDOW (self), "Socket.IO Chat");
  gtk_window_set_default_size (GTK_WINDOW (self), 460, 560);

  /* header: title and connection state */
  gtk_widget_add_css_class (title, "title");
  self->state_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_widget_add_css_class (GTK_WIDGET (self->state_label), "subtitle");
  gtk_widget_set_valign (title_box, GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (title_box), title);
  gtk_box_append (GTK_BOX (title_box), GTK_WIDGET (self->state_label));
  gtk_header_bar_set_title_widget (GTK_HEADER_BAR (header), title_box);
  gtk_window_set_titlebar (GTK_WINDOW (self), header);

  /* the conversation */
  self->list = GTK_LIST_BOX (gtk_list_box_new ());
  gtk_list_box_set_selection_mode (self->list, GTK_SELECTION_NONE);
  gtk_list_box_set_show_separators (self->list, TRUE);
  gtk_widget_add_css_class (placeholder, "dim-label");
  gtk_list_box_set_placeholder (self->list, placeholder);
  gtk_list_box_bind_model (self->list, G_LIST_MODEL (self->messages), create_row, NULL, NULL);

  self->scroller = GTK_SCROLLED_WINDOW (gtk_scrolled_window_new ());
  gtk_scrolled_window_set_policy (self->scroller, GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_child (self->scroller, GTK_WIDGET (self->list));
  gtk_widget_set_vexpand (GTK_WIDGET (self->scroller), TRUE);
  vadjustment = gtk_scrolled_window_get_vadjustment (self->scroller);
  g_signal_connect (vadjustment, "notify::upper", G_CALLBACK (on_upper_changed), NULL);

  /* the entry: Enter presses Send */
  self->entry = GTK_ENTRY (gtk_entry_new ());
  gtk_entry_set_placeholder_text (self->entry, "Message");
  gtk_widget_set_hexpand (GTK_WIDGET (self->entry), TRUE);
  self->send_button = GTK_BUTTON (gtk_button_new_with_mnemonic ("_Send"));
  gtk_widget_add_css_class (GTK_WIDGET (self->send_button), "suggested-action");
  g_signal_connect_swapped (self->send_button, "clicked", G_CALLBACK (on_send_clicked), self);
  g_signal_connect_swapped (self->entry, "activate", G_CALLBACK (gtk_widget_activate), self->send_button);

  gtk_widget_set_margin_start (bottom, 6);
  gtk_widget_set_margin_end (bottom, 6);
  gtk_widget_set_margin_top (bottom, 6);
  gtk_widget_set_margin_bottom (bottom, 6);
  gtk_box_append (GTK_BOX (bottom), GTK_WIDGET (self->entry));
  gtk_box_append (GTK_BOX (bottom), GTK_WIDGET (self->send_button));

  gtk_box_append (GTK_BOX (content), GTK_WIDGET (self->scroller));
  gtk_box_append (GTK_BOX (content), gtk_separator_new (GTK_ORIENTATION_HORIZONTAL));
  gtk_box_append (GTK_BOX (content), bottom);
  gtk_window_set_child (GTK_WINDOW (self), content);
  gtk_window_set_focus (GTK_WINDOW (self), GTK_WIDGET (self->entry));
}

static GtkWidget *
chat_window_new (GtkApplication *app,
                 SioClient      *client)
{
  return g_object_new (CHAT_TYPE_WINDOW,
                       "application", app,
                       "client", client,
                       NULL);
}

/* ------------------------------------------------------------------------ */
/* The application                                                          */
/* ------------------------------------------------------------------------ */

static void
on_activate (GtkApplication *app)
{
  const char *uri = opt_uris != NULL && opt_uris[0] != NULL ? opt_uris[0] : DEFAULT_URI;
  g_autoptr(SioClient) client = sio_client_new (uri);

  gtk_window_present (GTK_WINDOW (chat_window_new (app, client)));
}

static int
on_handle_local_options (GApplication *app,
                         GVariantDict *options)
{
  if (opt_uris != NULL && g_strv_length (opt_uris) > 1)
    {
      g_printerr ("gtk-chat: only one URI, please\n");
      return 1;
    }
  return -1;  /* go on */
}

/* SIGINT, SIGTERM: close the windows, as their close button does */
static gboolean
on_quit_signal (gpointer user_data)
{
  GtkApplication *app = user_data;
  g_autoptr(GList) windows = g_list_copy (gtk_application_get_windows (app));

  for (GList *l = windows; l != NULL; l = l->next)
    gtk_window_close (l->data);

  return G_SOURCE_CONTINUE;
}

static const GOptionEntry entries[] = {
  { "send", 0, 0, G_OPTION_ARG_STRING, &opt_send,
    "Once connected, type TEXT into the entry and press Send", "TEXT" },
  { "print", 0, 0, G_OPTION_ARG_NONE, &opt_print,
    "Print what the window shows (state, rows) as JSON lines on standard output", NULL },
  { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &opt_uris, NULL, "[URI]" },
  { NULL }
};

int
main (int    argc,
      char **argv)
{
  g_autoptr(GtkApplication) app = NULL;
  guint sigint_id, sigterm_id;
  int status;

  app = gtk_application_new ("org.sioglib.Example.GtkChat", G_APPLICATION_NON_UNIQUE);
  g_application_add_main_option_entries (G_APPLICATION (app), entries);
  g_application_set_option_context_summary (G_APPLICATION (app),
    "A Socket.IO chat window. URI defaults to " DEFAULT_URI
    " (start the demo server with `node examples/server/server.js`).");
  g_application_set_option_context_description (G_APPLICATION (app),
    "The window lists the \"chat\" messages the server relays and sends the\n"
    "entry's text as \"chat\" with an acknowledgement. SIGINT and SIGTERM close\n"
    "the window like its close button.\n"
    "\n"
    "--print writes one JSON object per line, read back from the widgets:\n"
    "  {\"state\":\"Connected\"}  the header bar's connection state\n"
    "  {\"row\":0,\"sender\":\"…\",\"text\":\"…\",\"status\":\"…\"}  a row shown or changed\n"
    "  {…,\"final\":true}  each row of the list when the window closes");
  g_signal_connect (app, "handle-local-options", G_CALLBACK (on_handle_local_options), NULL);
  g_signal_connect (app, "activate", G_CALLBACK (on_activate), NULL);

  sigint_id = g_unix_signal_add (SIGINT, on_quit_signal, app);
  sigterm_id = g_unix_signal_add (SIGTERM, on_quit_signal, app);

  status = g_application_run (G_APPLICATION (app), argc, argv);

  g_source_remove (sigint_id);
  g_source_remove (sigterm_id);
  g_clear_pointer (&opt_uris, g_strfreev);
  g_clear_pointer (&opt_send, g_free);

  return status;
}
