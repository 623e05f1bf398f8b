#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A GTK 4 chat window on sio-glib, in Python (PyGObject).

    node examples/server/server.js --port 3000 &
    GI_TYPELIB_PATH=_build/sio-glib LD_LIBRARY_PATH=_build/sio-glib \\
        /usr/bin/python3 examples/gtk-chat/gtk-chat.py http://127.0.0.1:3000

The twin of gtk-chat.c: the header bar shows the connection state (a
property binding on Sio.Client:state), the list shows the "chat" messages
the server relays, and Send emits the entry's text as "chat" with an
acknowledgement: the message reads "Sending…" until the server's ack
arrives, then "✓ Delivered".  Closing the window closes the client.

For scripted runs, see --help: --send and --print work as in the C
version.  SIGINT and SIGTERM close the window like its close button.

Note: on Sio objects `emit` is Socket.IO's emit (it hides GObject's
signal-emitting emit()).
"""

import json
import signal
import sys

import gi

gi.require_version("Gtk", "4.0")
gi.require_version("Json", "1.0")
gi.require_version("Pango", "1.0")
gi.require_version("Sio", "1.0")
from gi.repository import Gio, GLib, GObject, Gtk, Json, Pango, Sio  # noqa: E402

DEFAULT_URI = "http://127.0.0.1:3000"

STATE_LABELS = {
    Sio.ClientState.CLOSED: "Disconnected",
    Sio.ClientState.OPENING: "Connecting…",
    Sio.ClientState.OPEN: "Connected",
    Sio.ClientState.RECONNECTING: "Reconnecting…",
}


def print_json_line(obj):
    print(json.dumps(obj, ensure_ascii=False, separators=(",", ":")), flush=True)


class ChatMessage(GObject.Object):
    """One line of the conversation, the model of the list."""

    sender = GObject.Property(type=str, default="", flags=GObject.ParamFlags.READWRITE
                              | GObject.ParamFlags.CONSTRUCT_ONLY)
    text = GObject.Property(type=str, default="", flags=GObject.ParamFlags.READWRITE
                            | GObject.ParamFlags.CONSTRUCT_ONLY)
    # delivery state of our own messages; "" for others
    status = GObject.Property(type=str, default="")


class ChatRow(Gtk.ListBoxRow):
    """How one ChatMessage looks in the list."""

    def __init__(self, message):
        super().__init__(activatable=False)
        self.sender_label = Gtk.Label(label=message.sender, xalign=0, hexpand=True,
                                      ellipsize=Pango.EllipsizeMode.END)
        self.sender_label.add_css_class("heading")
        self.status_label = Gtk.Label()
        self.status_label.add_css_class("dim-label")
        self.status_label.add_css_class("caption")
        self.text_label = Gtk.Label(label=message.text, xalign=0, wrap=True,
                                    wrap_mode=Pango.WrapMode.WORD_CHAR, selectable=True)
        message.bind_property("status", self.status_label, "label",
                              GObject.BindingFlags.SYNC_CREATE)

        top = Gtk.Box(orientation=Gtk.Orientation.HORIZONTAL, spacing=12)
        top.append(self.sender_label)
        top.append(self.status_label)
        box = Gtk.Box(orientation=Gtk.Orientation.VERTICAL, spacing=2,
                      margin_start=12, margin_end=12, margin_top=8, margin_bottom=8)
        box.append(top)
        box.append(self.text_label)
        self.set_child(box)

    def describe(self):
        """What the row displays, read back from its labels."""
        return {"row": self.get_index(),
                "sender": self.sender_label.get_text(),
                "text": self.text_label.get_text(),
                "status": self.status_label.get_text()}


class ChatWindow(Gtk.ApplicationWindow):
    def __init__(self, application, client, options):
        super().__init__(application=application, title="Socket.IO Chat",
                         default_width=460, default_height=560)
        self.client = client                    # closed with the window
        self.options = options
        self.cancellable = Gio.Cancellable()    # cancels pending acks on close
        self.messages = Gio.ListStore(item_type=ChatMessage)
        self.pending_send = options.get("send")  # --send, typed once connected
        self.send_idle_id = 0

        # header: title and connection state
        title = Gtk.Label(label="Socket.IO Chat")
        title.add_css_class("title")
        self.state_label = Gtk.Label(tooltip_text=client.get_uri())
        self.state_label.add_css_class("subtitle")
        title_box = Gtk.Box(orientation=Gtk.Orientation.VERTICAL, valign=Gtk.Align.CENTER)
        title_box.append(title)
        title_box.append(self.state_label)
        header = Gtk.HeaderBar(title_widget=title_box)
        self.set_titlebar(header)

        # the conversation
        self.list = Gtk.ListBox(selection_mode=Gtk.SelectionMode.NONE, show_separators=True)
        placeholder = Gtk.Label(label="No messages yet")
        placeholder.add_css_class("dim-label")
        self.list.set_placeholder(placeholder)
        self.list.bind_model(self.messages, self.create_row)
        scroller = Gtk.ScrolledWindow(hscrollbar_policy=Gtk.PolicyType.NEVER, vexpand=True,
                                      child=self.list)
        # follow the conversation: stay at the bottom while rows arrive
        scroller.get_vadjustment().connect(
            "notify::upper", lambda adj, _: adj.set_value(adj.get_upper() - adj.get_page_size()))

        # the entry: Enter presses Send
        self.entry = Gtk.Entry(placeholder_text="Message", hexpand=True)
        self.send_button = Gtk.Button.new_with_mnemonic("_Send")
        self.send_button.add_css_class("suggested-action")
        self.send_button.connect("clicked", self.on_send_clicked)
        self.entry.connect("activate", lambda _: self.send_button.activate())
        bottom = Gtk.Box(orientation=Gtk.Orientation.HORIZONTAL, spacing=6, margin_start=6,
                         margin_end=6, margin_top=6, margin_bottom=6)
        bottom.append(self.entry)
        bottom.append(self.send_button)

        content = Gtk.Box(orientation=Gtk.Orientation.VERTICAL)
        content.append(scroller)
        content.append(Gtk.Separator(orientation=Gtk.Orientation.HORIZONTAL))
        content.append(bottom)
        self.set_child(content)
        self.set_focus(self.entry)

        # the client: state in the header, Send usable while connected
        client.bind_property("state", self.state_label, "label",
                             GObject.BindingFlags.SYNC_CREATE,
                             lambda _, state: STATE_LABELS.get(state, str(state)))
        client.bind_property("connected", self.send_button, "sensitive",
                             GObject.BindingFlags.SYNC_CREATE)
        self.handlers = [
            client.connect("event::chat", self.on_chat),
            client.connect("event::welcome", self.on_welcome),
            client.connect("notify::connected", self.on_connected_changed),
        ]
        if options.get("print"):
            self.state_label.connect("notify::label", self.print_state)
            self.print_state(self.state_label)

        self.connect("close-request", self.on_close_request)
        client.open()

    # -- the list ----------------------------------------------------------

    def create_row(self, message):
        row = ChatRow(message)
        if self.options.get("print"):
            # what the row shows, now and whenever its status changes
            row.status_label.connect("notify::label", lambda *_: print_json_line(row.describe()))
            row.connect("map", lambda r: print_json_line(r.describe()))
        return row

    def print_state(self, label, *_):
        print_json_line({"state": label.get_text()})

    # -- the client --------------------------------------------------------

    def on_chat(self, socket, event):
        args = event.get_args()
        if args.get_length() < 1 or args.get_element(0).get_node_type() != Json.NodeType.OBJECT:
            return
        chat = args.get_object_element(0)
        sender = chat.get_string_member_with_default("from", "?")
        # our own messages come back too: they are listed already
        if sender == socket.get_id():
            return
        self.messages.append(ChatMessage(sender=sender,
                                         text=chat.get_string_member_with_default("text", "")))

    def on_welcome(self, socket, event):
        args = event.get_args()
        if args.get_length() < 1 or args.get_element(0).get_node_type() != Json.NodeType.OBJECT:
            return
        welcome = args.get_object_element(0)
        self.messages.append(ChatMessage(
            sender="Server", text=welcome.get_string_member_with_default("message", "")))

    def on_connected_changed(self, socket, _pspec):
        # from an idle, once the binding has made the button sensitive
        if socket.props.connected and self.pending_send is not None and self.send_idle_id == 0:
            self.send_idle_id = GLib.idle_add(self.send_pending)

    def send_pending(self):
        """--send: type the text and press Send, as a user would."""
        self.send_idle_id = 0
        text, self.pending_send = self.pending_send, None
        self.entry.set_text(text)
        self.send_button.activate()
        return GLib.SOURCE_REMOVE

    def on_send_clicked(self, _button):
        text = self.entry.get_text()
        if not text:
            return
        message = ChatMessage(sender="You", text=text, status="Sending…")
        self.messages.append(message)

        args = Json.Array.new()
        args.add_string_element(text)
        self.client.emit_with_ack("chat", args, self.cancellable, self.on_chat_acked, message)

        self.entry.set_text("")
        self.entry.grab_focus()

    @staticmethod
    def on_chat_acked(socket, result, message):
        try:
            reply = socket.emit_with_ack_finish(result)
        except GLib.Error as error:
            # cancelled: the window is closing
            if not error.matches(Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED):
                message.status = "Not delivered: " + error.message
            return

        # the demo server answers {delivered: true, at: ISO 8601 time}
        if reply.get_length() < 1 or reply.get_element(0).get_node_type() != Json.NodeType.OBJECT:
            message.status = "Not delivered: unexpected reply"
            return
        ack = reply.get_object_element(0)
        if not ack.get_boolean_member_with_default("delivered", False):
            message.status = "Not delivered"
            return
        at = GLib.DateTime.new_from_iso8601(ack.get_string_member_with_default("at", ""), None)
        if at is not None:
            message.status = "✓ Delivered " + at.to_local().format("%H:%M:%S")
        else:
            message.status = "✓ Delivered"

    # -- closing -----------------------------------------------------------

    def on_close_request(self, _window):
        if self.options.get("print"):
            # the final list, read back from the rows
            child = self.list.get_first_child()
            while child is not None:
                if isinstance(child, ChatRow):
                    print_json_line(dict(child.describe(), final=True))
                child = child.get_next_sibling()

        if self.send_idle_id:
            GLib.source_remove(self.send_idle_id)
            self.send_idle_id = 0
        self.cancellable.cancel()
        for handler in self.handlers:
            self.client.disconnect(handler)
        self.handlers = []
        self.client.close()
        return False  # go on closing


class ChatApplication(Gtk.Application):
    def __init__(self):
        super().__init__(application_id="org.sioglib.Example.GtkChatPy",
                         flags=Gio.ApplicationFlags.NON_UNIQUE)
        self.options = {}
        self.add_main_option("send", 0, GLib.OptionFlags.NONE, GLib.OptionArg.STRING,
                             "Once connected, type TEXT into the entry and press Send", "TEXT")
        self.add_main_option("print", 0, GLib.OptionFlags.NONE, GLib.OptionArg.NONE,
                             "Print what the window shows (state, rows) as JSON lines on "
                             "standard output", None)
        self.add_main_option(GLib.OPTION_REMAINING, 0, GLib.OptionFlags.NONE,
                             GLib.OptionArg.STRING_ARRAY, "", "[URI]")
        self.set_option_context_summary(
            "A Socket.IO chat window. URI defaults to " + DEFAULT_URI +
            " (start the demo server with `node examples/server/server.js`).")
        self.set_option_context_description(
            "The window lists the \"chat\" messages the server relays and sends the\n"
            "entry's text as \"chat\" with an acknowledgement. SIGINT and SIGTERM close\n"
            "the window like its close button.\n"
            "\n"
            "--print writes one JSON object per line, read back from the widgets:\n"
            "  {\"state\":\"Connected\"}  the header bar's connection state\n"
            "  {\"row\":0,\"sender\":\"…\",\"text\":\"…\",\"status\":\"…\"}  a row shown or changed\n"
            "  {…,\"final\":true}  each row of the list when the window closes")
        self.uri = DEFAULT_URI
        for signum in (signal.SIGINT, signal.SIGTERM):
            GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signum, self.on_quit_signal)

    def do_handle_local_options(self, options):
        options = options.end().unpack()
        uris = options.pop(GLib.OPTION_REMAINING, [])
        if len(uris) > 1:
            print("gtk-chat.py: only one URI, please", file=sys.stderr)
            return 1
        if uris:
            self.uri = uris[0]
        self.options = options
        return -1  # go on

    def do_activate(self):
        ChatWindow(self, Sio.Client.new(self.uri), self.options).present()

    def on_quit_signal(self):
        # close the windows, as their close button does
        for window in list(self.get_windows()):
            window.close()
        return GLib.SOURCE_CONTINUE


if __name__ == "__main__":
    sys.exit(ChatApplication().run(sys.argv))
