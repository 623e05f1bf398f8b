/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A minimal sio-glib program in Vala: connects, prints the events it
 * receives, sends "chat" with an acknowledgement, and exits.
 *
 *   node examples/server/server.js --port 3000 &
 *   _build/examples/vala/simple-vala http://127.0.0.1:3000
 *
 * The vapi is sio-glib-1.0. Vala cannot have a signal and a property with
 * the same name, so the `connected` signal is `joined` there; the
 * `connected` property keeps its name.
 *
 * Exit status: 0 once the ack arrived, 1 on a connection error, an ack
 * error, or no ack within 10 seconds.
 */

int main (string[] args) {
    var uri = args.length > 1 ? args[1] : "http://127.0.0.1:3000";
    var loop = new MainLoop ();
    var client = new Sio.Client (uri);
    int status = 1;
    uint timeout_id = 0;

    client.joined.connect (() => {
        print ("connected as %s\n", client.id);
    });
    client.disconnected.connect ((reason) => {
        print ("disconnected (%s)\n", reason.to_string ());
    });
    client.connect_error.connect ((error, data) => {
        printerr ("cannot connect to %s: %s\n", uri, error.message);
        loop.quit ();
    });
    // "event" is detailed by the event name; without a detail it is every event
    client.event.connect ((event) => {
        print ("event %s %s\n", event.get_name (), event.get_args_json ());
    });
    client.event["welcome"].connect ((event) => {
        unowned Json.Object welcome = event.get_args ().get_object_element (0);
        print ("welcome: %s\n", welcome.get_string_member ("message"));
    });

    // emits made before the connection are kept and sent once connected
    client.open ();

    var chat = new Json.Array ();
    chat.add_string_element ("hello from Vala");
    client.emit_with_ack.begin ("chat", chat, null, (obj, res) => {
        try {
            Json.Array reply = client.emit_with_ack.end (res);
            var node = new Json.Node (Json.NodeType.ARRAY);
            node.set_array (reply);
            print ("ack %s\n", Json.to_string (node, false));
            status = 0;
        } catch (Error e) {
            printerr ("no ack: %s\n", e.message);
        }
        // leave a moment for the relayed "chat" to come back
        Timeout.add (300, () => {
            loop.quit ();
            return Source.REMOVE;
        });
    });

    timeout_id = Timeout.add_seconds (10, () => {
        printerr ("no ack within 10 seconds from %s\n", uri);
        timeout_id = 0;
        loop.quit ();
        return Source.REMOVE;
    });

    loop.run ();

    if (timeout_id != 0)
        Source.remove (timeout_id);
    client.close ();
    return status;
}
