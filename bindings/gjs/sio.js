// SPDX-License-Identifier: LGPL-2.1-or-later
//
// sio.js: sio-glib with plain JavaScript values, for GJS (ES module).
//
// Installed as $datadir/sio-glib-1.0/gjs/sio.js; import it by URL:
//
//   import * as SioJs from 'file:///usr/share/sio-glib-1.0/gjs/sio.js';
//
// (or a path relative to your own module: './sio.js').  It works on the
// objects of the GI API, so both can be mixed:
//
//   const client = Sio.Client.new('http://127.0.0.1:3000');
//   SioJs.on(client, 'chat', (text, extra) => print(text));
//   await SioJs.open(client);
//   SioJs.emit(client, 'chat', 'hello', {n: 1}, new Uint8Array([0, 1]));
//   const reply = await SioJs.emitWithAck(client, 'ping', 1);
//   const late = await SioJs.timeout(client, 2000).emitWithAck('ping');
//
// Values are what JSON.stringify() writes (as with socket.io-client), with
// binary anywhere in the nesting: Uint8Array or any typed array, DataView,
// ArrayBuffer or GLib.Bytes are sent as attachments.  Received binary is a
// Uint8Array.  A handler's return value answers an acknowledgement request
// (undefined: no argument; SioJs.args(a, b): several; anything else: that
// one value); a handler returning a Promise answers when it resolves.
// Errors are GLib.Error in the Sio.Error domain.
//
// Importing it promisifies Sio.Socket's open_async and emit_full with
// Gio._promisify (as the guides do).

import GLib from 'gi://GLib';
import Gio from 'gi://Gio';
import Json from 'gi://Json?version=1.0';
import Sio from 'gi://Sio?version=1.0';

Gio._promisify(Sio.Socket.prototype, 'open_async', 'open_finish');
Gio._promisify(Sio.Socket.prototype, 'emit_full', 'emit_full_finish');

// The event names Socket.IO reserves (sio-glib refuses to emit them).
const RESERVED = new Set(['connect', 'connect_error', 'disconnect',
    'disconnecting', 'newListener', 'removeListener']);

// ---- values <-> JSON + attachments ------------------------------------------

function binaryOf(value) {
    if (value instanceof GLib.Bytes)
        return value;
    if (value instanceof ArrayBuffer)
        return new GLib.Bytes(new Uint8Array(value));
    if (ArrayBuffer.isView(value)) {
        return new GLib.Bytes(new Uint8Array(value.buffer, value.byteOffset,
            value.byteLength));
    }
    return null;
}

/**
 * Encodes JS values as Socket.IO arguments.
 *
 * @param {Array} values - the arguments
 * @returns {{json: string, attachments: GLib.Bytes[]}} the JSON array text,
 *   with {"_placeholder": true, "num": N} for attachment N
 */
export function encode(values) {
    const attachments = [];
    const json = JSON.stringify(values, (_key, value) => {
        const bytes = binaryOf(value);
        if (bytes === null)
            return value;
        attachments.push(bytes);
        return {_placeholder: true, num: attachments.length - 1};
    });
    return {json, attachments};
}

function substitute(value, blobs) {
    if (Array.isArray(value))
        return value.map(v => substitute(v, blobs));
    if (value !== null && typeof value === 'object') {
        if (value._placeholder === true && Number.isInteger(value.num) &&
            value.num >= 0 && value.num < blobs.length)
            return blobs[value.num];
        const copy = {};
        for (const [k, v] of Object.entries(value))
            copy[k] = substitute(v, blobs);
        return copy;
    }
    return value;
}

/**
 * The arguments of a Sio.Event as JS values, with a Uint8Array in place of
 * each placeholder.
 *
 * @param {Sio.Event} event - an incoming event or an acknowledgement reply
 * @returns {Array} the values
 */
export function valuesOf(event) {
    const values = JSON.parse(event.get_args_json());
    const n = event.get_n_attachments();
    if (n === 0)
        return values;
    const blobs = [];
    for (let i = 0; i < n; i++)
        blobs.push(event.get_attachment(i).toArray());
    return substitute(values, blobs);
}

function argsArray(json) {
    return Json.from_string(json).get_array();
}

function invalidArgument(message) {
    return new GLib.Error(Sio.error_quark(), Sio.Error.INVALID_ARGUMENT,
        message);
}

// ---- acknowledgements --------------------------------------------------------

class Args {
    constructor(values) {
        this.values = values;
        Object.freeze(this);
    }
}

/**
 * Several values for a handler to return as its answer:
 * `return SioJs.args('ok', 42);`
 *
 * @param {...*} values - the answer's arguments
 * @returns {object} a marker handlers return
 */
export function args(...values) {
    return new Args(values);
}

function answerValues(result) {
    if (result === undefined)
        return [];
    if (result instanceof Args)
        return result.values;
    return [result];
}

/**
 * Answers the server's acknowledgement request with JS values.
 *
 * @param {Sio.Event} event - an event that wants an acknowledgement
 * @param {...*} values - the answer's arguments
 * @returns {boolean} true when the answer was sent
 */
export function ack(event, ...values) {
    const {json, attachments} = encode(values);
    if (attachments.length === 0)
        return event.ack_json(json);
    return event.ack_full(argsArray(json), attachments);
}

function answer(event, result) {
    if (!event.wants_ack())
        return;
    try {
        ack(event, ...answerValues(result));
    } catch (e) {
        // the socket went away meanwhile: dropped, as socket.io-client does
        if (!(e instanceof GLib.Error &&
              e.matches(Sio.error_quark(), Sio.Error.DISCONNECTED)))
            throw e;
    }
}

function deliver(event, result) {
    if (result !== null && typeof result?.then === 'function') {
        result.then(value => answer(event, value), error => {
            logError(error,
                `handler of the Socket.IO event "${event.get_name()}"`);
        });
        return;
    }
    answer(event, result);
}

// ---- handlers ------------------------------------------------------------------

/**
 * Calls handler(...values) for every event named `event`; its return value
 * answers an acknowledgement request.
 *
 * @param {Sio.Socket} socket - the socket
 * @param {string} event - the event name
 * @param {Function} handler - called with the event's values
 * @returns {number} the GObject handler id, for off()
 */
export function on(socket, event, handler) {
    return socket.connect(`event::${event}`, (_socket, ev) => {
        deliver(ev, handler(...valuesOf(ev)));
    });
}

/**
 * Like on(), for the next event named `event` only.
 *
 * @param {Sio.Socket} socket - the socket
 * @param {string} event - the event name
 * @param {Function} handler - called with the event's values
 * @returns {number} the GObject handler id, for off()
 */
export function once(socket, event, handler) {
    const id = socket.connect(`event::${event}`, (_socket, ev) => {
        socket.disconnect(id);
        deliver(ev, handler(...valuesOf(ev)));
    });
    return id;
}

/**
 * Calls handler(name, ...values) for every event.
 *
 * @param {Sio.Socket} socket - the socket
 * @param {Function} handler - called with the name and the values
 * @returns {number} the GObject handler id, for off()
 */
export function onAny(socket, handler) {
    return socket.connect('event', (_socket, ev) => {
        deliver(ev, handler(ev.get_name(), ...valuesOf(ev)));
    });
}

/**
 * Removes a handler that on(), once() or onAny() added.
 *
 * @param {Sio.Socket} socket - the socket
 * @param {number} id - what on(), once() or onAny() returned
 */
export function off(socket, id) {
    socket.disconnect(id);
}

// ---- sending -------------------------------------------------------------------

function flagsOf(options) {
    return options.volatile ? Sio.EmitFlags.VOLATILE : Sio.EmitFlags.NONE;
}

/**
 * Sends an event with JS values, without asking for an acknowledgement.
 * Throws a GLib.Error (Sio.Error.INVALID_ARGUMENT) for a reserved name.
 *
 * @param {Sio.Socket} socket - the socket
 * @param {string} event - the event name
 * @param {...*} values - the arguments
 */
export function emit(socket, event, ...values) {
    if (RESERVED.has(event))
        throw invalidArgument(`"${event}" is a reserved event name`);
    const {json, attachments} = encode(values);
    if (attachments.length === 0) {
        socket.emit_json(event, json);
        return;
    }
    // no callback (7 arguments: the promisified method calls through)
    socket.emit_full(event, argsArray(json), attachments, Sio.EmitFlags.NONE,
        -1, null, null);
}

/**
 * Sends an event asking for an acknowledgement: the complete form.
 *
 * @param {Sio.Socket} socket - the socket
 * @param {string} event - the event name
 * @param {Array} values - the arguments
 * @param {object} [options] - {timeout: ms (default: the socket's
 *   ack-timeout; 0: none), cancellable: Gio.Cancellable, volatile: boolean}
 * @returns {Promise<Array>} every value of the answer; rejects with a
 *   GLib.Error: Sio.Error.TIMEOUT, DISCONNECTED, INVALID_ARGUMENT or
 *   Gio.IOErrorEnum.CANCELLED
 */
export async function request(socket, event, values, options = {}) {
    const {json, attachments} = encode(values);
    const timeoutMs = options.timeout ?? -1;
    if (!Number.isInteger(timeoutMs))
        throw new TypeError('timeout must be an integer number of ms');
    const reply = await socket.emit_full(event, argsArray(json), attachments,
        flagsOf(options), timeoutMs, options.cancellable ?? null);
    return valuesOf(reply);
}

/**
 * Sends an event and resolves with the first value of the answer, like
 * socket.io-client's emitWithAck(); the timeout is the socket's
 * ack-timeout.
 *
 * @param {Sio.Socket} socket - the socket
 * @param {string} event - the event name
 * @param {...*} values - the arguments
 * @returns {Promise<*>} the answer's first value
 */
export async function emitWithAck(socket, event, ...values) {
    const reply = await request(socket, event, values);
    return reply[0];
}

/**
 * socket.io-client's socket.timeout(ms): emitWithAck() with a timeout.
 *
 * @param {Sio.Socket} socket - the socket
 * @param {number} ms - the timeout in milliseconds
 * @returns {{emitWithAck: Function}} emitWithAck(event, ...values)
 */
export function timeout(socket, ms) {
    return {
        async emitWithAck(event, ...values) {
            const reply = await request(socket, event, values, {timeout: ms});
            return reply[0];
        },
    };
}

/**
 * Joins the socket's namespace (opening the connection if needed).
 *
 * @param {Sio.Socket} socket - the socket
 * @param {Gio.Cancellable} [cancellable] - to give up
 * @returns {Promise<void>} rejects with a GLib.Error
 *   (Sio.Error.CONNECT_REFUSED, ...)
 */
export async function open(socket, cancellable = null) {
    await socket.open_async(cancellable);
}
