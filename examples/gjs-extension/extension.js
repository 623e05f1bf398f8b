// SPDX-License-Identifier: LGPL-2.1-or-later
//
// A GNOME Shell-style extension on sio-glib: enable() connects to a
// Socket.IO server and follows its "chat" and "tick" events, send() emits
// "chat" and awaits the server's acknowledgement, disable() undoes all of
// it (signal handlers disconnected, pending acks cancelled, the timer
// removed, the client closed).
//
// GNOME Shell loads extensions as ES modules and calls enable() and
// disable(); run.js plays that part here, under a plain GLib main loop:
//
//   GI_TYPELIB_PATH=_build/sio-glib LD_LIBRARY_PATH=_build/sio-glib \
//     gjs -m examples/gjs-extension/run.js http://127.0.0.1:3000
//
// Note: on Sio objects `emit` is Socket.IO's emit; it hides GObject's
// signal-emitting emit().

import GLib from 'gi://GLib';
import Gio from 'gi://Gio';
import Json from 'gi://Json?version=1.0';
import Sio from 'gi://Sio?version=1.0';

// The async pairs become promise-returning methods: `await socket.open_async()`.
Gio._promisify(Sio.Socket.prototype, 'open_async', 'open_finish');
Gio._promisify(Sio.Socket.prototype, 'emit_with_ack', 'emit_with_ack_finish');

const PING_INTERVAL_SECONDS = 5;

const STATE_NAMES = {
    [Sio.ClientState.CLOSED]: 'closed',
    [Sio.ClientState.OPENING]: 'opening',
    [Sio.ClientState.OPEN]: 'open',
    [Sio.ClientState.RECONNECTING]: 'reconnecting',
};

function toJsonArray(values) {
    return Json.from_string(JSON.stringify(values)).get_array();
}

function fromJsonArray(array) {
    return JSON.parse(Json.to_string(Json.Node.alloc().init_array(array), false));
}

export default class SioChatExtension {
    // metadata: as GNOME Shell passes it (uuid, name...), plus `uri`;
    // log: where status lines go (a panel label in a real extension).
    constructor(metadata, {log = console.log} = {}) {
        this.metadata = metadata;
        this._uri = metadata.uri ?? 'http://127.0.0.1:3000';
        this._log = log;
        this._client = null;
        this._cancellable = null;
        this._handlerIds = [];
        this._pingSourceId = 0;
        this.latencyMs = null;
        this.lastTick = null;
    }

    // Resolves once the namespace is joined; rejects if the connection
    // fails or disable() comes first.
    enable() {
        this._client = Sio.Client.new(this._uri);
        this._cancellable = new Gio.Cancellable();

        const client = this._client;
        this._handlerIds = [
            client.connect('notify::state', () =>
                this._log(`state ${STATE_NAMES[client.state] ?? client.state}`)),
            client.connect('connected', () =>
                this._log(`connected as ${client.id}`)),
            client.connect('event::welcome', (_socket, event) => {
                const [welcome] = JSON.parse(event.get_args_json());
                this._log(`welcome ${welcome.message}`);
            }),
            client.connect('event::chat', (_socket, event) => {
                const [{from, text}] = JSON.parse(event.get_args_json());
                this._log(`chat ${from === client.id ? 'me' : from}: ${text}`);
            }),
            client.connect('event::tick', (_socket, event) => {
                [this.lastTick] = JSON.parse(event.get_args_json());
            }),
        ];

        // measure the round trip now and then, as a panel indicator would
        this._pingSourceId = GLib.timeout_add_seconds(GLib.PRIORITY_DEFAULT,
            PING_INTERVAL_SECONDS, () => {
                this.ping().catch(e => this._log(`ping failed: ${e.message}`));
                return GLib.SOURCE_CONTINUE;
            });

        return client.open_async(this._cancellable);
    }

    disable() {
        if (this._client === null)
            return;

        if (this._pingSourceId !== 0) {
            GLib.source_remove(this._pingSourceId);
            this._pingSourceId = 0;
        }
        // pending acks end with G_IO_ERROR_CANCELLED
        this._cancellable.cancel();
        for (const id of this._handlerIds)
            this._client.disconnect(id);
        this._handlerIds = [];
        this._client.close();
        this._log(`disabled (client ${STATE_NAMES[this._client.state]})`);

        this._client = null;
        this._cancellable = null;
    }

    // Emits "chat" and resolves with the server's ack, e.g.
    // [{delivered: true, at: "2024-01-01T00:00:00.000Z"}].
    async send(text) {
        const reply = await this._client.emit_with_ack('chat',
            toJsonArray([text]), this._cancellable);
        return fromJsonArray(reply);
    }

    // The demo server acks "ping" with "pong"; resolves with the round trip in ms.
    async ping() {
        const start = GLib.get_monotonic_time();
        const [pong] = fromJsonArray(await this._client.emit_with_ack('ping',
            null, this._cancellable));
        if (pong !== 'pong')
            throw new Error(`unexpected ping reply ${JSON.stringify(pong)}`);
        this.latencyMs = (GLib.get_monotonic_time() - start) / 1000;
        return this.latencyMs;
    }
}
