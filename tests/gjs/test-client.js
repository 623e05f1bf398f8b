// SPDX-License-Identifier: LGPL-2.1-or-later
//
// sio-glib from GJS (ES module) against real Socket.IO servers.
//
//   GI_TYPELIB_PATH=_build/sio-glib LD_LIBRARY_PATH=_build/sio-glib \
//     gjs -m tests/gjs/test-client.js
//
// (`meson test -C _build --suite bindings` sets both.)  Prints TAP on
// stdout, server logs go to stderr.  Servers are started by harness.js with
// Gio.Subprocess: `node tests/servers/node-server.js` (socket.io 4 and 2)
// and `/usr/bin/python3 tests/servers/python-server.py`; each prints
// "PORT <n>" once it listens, and exits when its stdin (a pipe we hold)
// closes, so a crashed run leaves no server behind.  Every wait is bounded,
// each test has a time limit, and a watchdog fails the whole run.
//
// Exit status: 0 when every test passed, 1 otherwise.

import GLib from 'gi://GLib';
import Gio from 'gi://Gio';
import GObject from 'gi://GObject';
import Json from 'gi://Json?version=1.0';
import Sio from 'gi://Sio?version=1.0';

import {Context as HarnessContext, WAIT_MS, assert, assertEqual, guard, run,
    sioError, sleep, withTimeout} from './harness.js';

Gio._promisify(Sio.Socket.prototype, 'emit_with_ack', 'emit_with_ack_finish');
Gio._promisify(Sio.Socket.prototype, 'emit_full', 'emit_full_finish');
Gio._promisify(Sio.Socket.prototype, 'open_async', 'open_finish');

// ---- small helpers ----------------------------------------------------------

function assertSioError(err, code, what = 'error') {
    assert(sioError(err, code),
        `${what}: expected Sio.Error ${code}, got ${err}`);
}

async function assertRejects(promise, check, what) {
    let error = null;
    try {
        await promise;
    } catch (e) {
        error = e;
    }
    assert(error !== null, `${what}: did not fail`);
    check(error);
    return error;
}

function jsonArray(value) {
    return Json.from_string(JSON.stringify(value)).get_array();
}

function argsOf(event) {
    return JSON.parse(event.get_args_json());
}

function bytesOf(values) {
    return new GLib.Bytes(Uint8Array.from(values));
}

function arrayOf(bytes) {
    return Array.from(bytes.toArray());
}

function pattern(n, mul = 1) {
    const a = new Uint8Array(n);
    for (let i = 0; i < n; i++)
        a[i] = (i * mul) % 256;
    return a;
}

// ---- recorder: what sockets signal; waits are event-driven -----------------

class Recorder {
    constructor() {
        this.events = [];
        this.connected = 0;
        this.disconnected = [];
        this.connectErrors = [];   // [GLib.Error, data (JS value or null)]
        this.reconnectAttempts = [];
        this.states = [];
        this._handlers = [];
        this._waiters = [];
    }

    watch(socket) {
        const ids = [
            socket.connect('event', guard((_s, event) => {
                this.events.push(event);
                this._changed();
            })),
            socket.connect('connected', guard(() => {
                this.connected++;
                this._changed();
            })),
            socket.connect('disconnected', guard((_s, reason) => {
                this.disconnected.push(reason);
                this._changed();
            })),
            socket.connect('connect-error', guard((_s, error, data) => {
                this.connectErrors.push([error,
                    data ? JSON.parse(Json.to_string(data, false)) : null]);
                this._changed();
            })),
        ];
        if (socket instanceof Sio.Client) {
            ids.push(socket.connect('reconnect-attempt', guard((_c, n) => {
                this.reconnectAttempts.push(n);
                this._changed();
            })));
            ids.push(socket.connect('notify::state', guard(c => {
                this.states.push(c.state);
                this._changed();
            })));
        }
        this._handlers.push([socket, ids]);
        return socket;
    }

    unwatch() {
        for (const [socket, ids] of this._handlers) {
            for (const id of ids)
                socket.disconnect(id);
        }
        this._handlers = [];
    }

    _changed() {
        for (const w of [...this._waiters]) {
            let ok = false;
            try {
                ok = w.cond();
            } catch (e) {
                w.reject(e);
                continue;
            }
            if (ok)
                w.resolve(ok);
        }
    }

    // Resolves once cond() holds; checked whenever a watched signal comes.
    async until(cond, what, ms = WAIT_MS) {
        const now = cond();
        if (now)
            return now;
        let waiter;
        const promise = new Promise((resolve, reject) => {
            waiter = {cond, resolve, reject};
            this._waiters.push(waiter);
        });
        try {
            return await withTimeout(promise, ms, what);
        } finally {
            this._waiters = this._waiters.filter(w => w !== waiter);
        }
    }

    named(name, nsp = null) {
        return this.events.filter(e => e.get_name() === name &&
            (nsp === null || e.get_namespace() === nsp));
    }

    args(name, nsp = null) {
        return this.named(name, nsp).map(argsOf);
    }

    async event(name, count = 1, nsp = null) {
        await this.until(() => this.named(name, nsp).length >= count,
            `event ${name} #${count}`);
        return this.named(name, nsp)[count - 1];
    }

    connectedCount(n) {
        return this.until(() => this.connected >= n, `${n} connected`);
    }
}

// ---- servers --------------------------------------------------------------------

// ---- tests ---------------------------------------------------------------------

// The harness's clients, each with a Recorder.
class Context extends HarnessContext {
    constructor(server) {
        super(server);
        this.recorders = [];
    }

    client(nsp = '/') {
        const client = super.client(nsp);
        const rec = new Recorder();
        rec.watch(client);
        this.recorders.push(rec);
        return [client, rec];
    }

    async connected(nsp = '/') {
        const [client, rec] = this.client(nsp);
        client.open();
        await rec.connectedCount(1);
        return [client, rec];
    }

    teardown() {
        super.teardown();
        for (const rec of this.recorders)
            rec.unwatch();
        this.recorders = [];
    }
}

const serverTests = [];
function serverTest(name, fn) {
    serverTests.push({name, fn});
}

serverTest('connect', async t => {
    const [c, rec] = t.client();
    assertEqual(c.state, Sio.ClientState.CLOSED, 'state before');
    assert(c.connected === false && c.id === null, 'not connected yet');
    c.open();
    await rec.connectedCount(1);
    assertEqual(c.state, Sio.ClientState.OPEN, 'state');
    assertEqual(c.get_state(), Sio.ClientState.OPEN, 'get_state()');
    assert(c.connected, 'connected property');
    assert(typeof c.id === 'string' && c.id.length > 0, 'id');
    assert(typeof c.engine_id === 'string' && c.engine_id.length > 0, 'engine_id');
    assertEqual(c.engineId, c.engine_id, 'camelCase property');
    assertEqual(c.transport, 'websocket', 'transport');
    assert(c.client === c, 'client property');
    if (t.server.eio === 3)
        assertEqual(c.id, c.engine_id, 'v3 id');
    assertEqual(rec.states, [Sio.ClientState.OPENING, Sio.ClientState.OPEN],
        'notify::state');
    const welcome = await rec.event('welcome');
    assertEqual(argsOf(welcome), [{nsp: '/', id: c.id}], 'welcome');
    assertEqual(welcome.get_namespace(), '/', 'namespace');
    assert(!welcome.wants_ack(), 'welcome wants no ack');
    c.close();
    assertEqual(c.state, Sio.ClientState.CLOSED, 'state after close');
    assertEqual(rec.disconnected, [Sio.DisconnectReason.CLIENT], 'reason');
    assert(c.id === null, 'id after close');
});

serverTest('echo (event::echo, emit, emit_json)', async t => {
    const [c, rec] = await t.connected();
    const echoes = [];
    c.connect('event::echo', guard((_s, e) => echoes.push(e)));
    const text = '["h\u00e9llo \u{1F600}",42,-7,0.5,true,false,null,' +
        '{"a":[1,{"b":"c\\n\\"q\\""}],"e":{}},[]]';
    assert(c.emit_json('echo', text) === true, 'emit_json result');
    // Sio's emit (hides GObject's emit) with a Json.Array
    const built = new Json.Array();
    built.add_string_element('built');
    built.add_int_element(7);
    c.emit('echo', built);
    c.emit('echo', jsonArray([{from: 'gjs'}]));
    c.emit('echo', null);
    await rec.event('echo', 4);
    assertEqual(echoes.length, 4, 'detailed handler calls');
    assertEqual(echoes[0].get_args_json(), text, 'args json');
    const args = echoes[0].get_args();
    assert(args instanceof Json.Array, 'get_args() is a Json.Array');
    assertEqual(args.get_length(), 9, 'length');
    assertEqual(args.get_string_element(0), 'h\u00e9llo \u{1F600}', 'string');
    assertEqual(args.get_int_element(1), 42, 'int');
    assertEqual(args.get_object_element(7).get_array_member('a')
        .get_object_element(1).get_string_member('b'), 'c\n"q"', 'nested');
    assertEqual(rec.args('echo').slice(1),
        [['built', 7], [{from: 'gjs'}], []], 'echoes');
    // GObject's own emit is still reachable
    let failed = 0;
    const id = c.connect('reconnect-failed', () => failed++);
    GObject.signal_emit_by_name(c, 'reconnect-failed');
    GObject.Object.prototype.emit.call(c, 'reconnect-failed');
    c.disconnect(id);
    assertEqual(failed, 2, 'GObject emit');
});

serverTest('emit_with_ack awaited (Gio._promisify)', async t => {
    const [c] = await t.connected();
    const reply = await c.emit_with_ack('ack', jsonArray([1, 'two', {x: null}]), null);
    assert(reply instanceof Json.Array, 'reply is a Json.Array');
    assertEqual(reply.get_length(), 3, 'reply length');
    assertEqual(reply.get_int_element(0), 1, 'reply[0]');
    assertEqual(reply.get_string_element(1), 'two', 'reply[1]');
    const empty = await c.emit_with_ack('ack', null, null);
    assertEqual(empty.get_length(), 0, 'empty reply');
    // callback style still works on the promisified method
    const viaCallback = await new Promise((resolve, reject) => {
        c.emit_with_ack('ack', jsonArray(['cb']), null, (s, res) => {
            try {
                resolve(s.emit_with_ack_finish(res));
            } catch (e) {
                reject(e);
            }
        });
    });
    assertEqual(viaCallback.get_string_element(0), 'cb', 'callback reply');
});

serverTest('open_async awaited', async t => {
    const [c, rec] = t.client();
    const ok = await c.open_async(null);
    assertEqual(ok, true, 'open_finish');
    assert(c.connected, 'connected');
    assertEqual(rec.connected, 1, 'connected signals');
    const nope = c.socket('/nope');
    await assertRejects(nope.open_async(null),
        e => assertSioError(e, Sio.Error.CONNECT_REFUSED), 'open /nope');
    const cancellable = new Gio.Cancellable();
    const admin = c.socket('/admin');
    const pending = admin.open_async(cancellable);
    cancellable.cancel();
    await assertRejects(pending,
        e => assert(e.matches(Gio.IOErrorEnum, Gio.IOErrorEnum.CANCELLED),
            `expected CANCELLED, got ${e}`), 'cancelled open');
});

serverTest('server asks for an ack', async t => {
    const [c, rec] = await t.connected();
    c.connect('event::question', guard((_s, event) => {
        assert(event.wants_ack(), 'question wants an ack');
        assert(event.ack_json('["x"]'), 'ack_json');
        assert(!event.wants_ack(), 'acked');
    }));
    c.emit_json('ask', '["question","q1"]');
    await rec.event('answer');
    assertEqual(rec.args('question'), [['q1']], 'question');
    assertEqual(rec.args('answer'), [['x']], 'answer');

    // kept, and answered later from an idle callback
    c.emit_json('ask', '["later-question"]');
    const later = await rec.event('later-question');
    assert(later.wants_ack(), 'later wants an ack');
    GLib.idle_add(GLib.PRIORITY_DEFAULT, guard(() => {
        assert(later.ack(jsonArray(['later', 2])), 'ack later');
        return GLib.SOURCE_REMOVE;
    }));
    await rec.event('answer', 2);
    assertEqual(rec.args('answer')[1], ['later', 2], 'later answer');

    // with binary attachments
    c.emit_json('ask', '["bin-question"]');
    const bin = await rec.event('bin-question');
    assert(bin.ack_full(jsonArray([{_placeholder: true, num: 0}]),
        [bytesOf([9, 8, 7, 0, 255])]), 'ack_full');
    const answer = await rec.event('answer', 3);
    assertEqual(answer.get_n_attachments(), 1, 'answer attachments');
    assertEqual(arrayOf(answer.get_attachment(0)), [9, 8, 7, 0, 255],
        'answer bytes');
});

serverTest('binary: send an array of GLib.Bytes, receive GLib.Bytes', async t => {
    const [c, rec] = await t.connected();
    const a = bytesOf([0, 1, 2, 255]);
    const b = new GLib.Bytes(new Uint8Array(0));
    const big = pattern(70000, 7);
    const cBytes = new GLib.Bytes(big);
    const args = ['x', {nested: [{_placeholder: true, num: 0}]},
        {_placeholder: true, num: 1}, {_placeholder: true, num: 2}];

    // fire and forget: the callback is null (7 arguments: not promisified)
    c.emit_full('echo', jsonArray(args), [a, b, cBytes], Sio.EmitFlags.NONE,
        0, null, null);
    const echo = await rec.event('echo');
    assertEqual(echo.get_n_attachments(), 3, 'n_attachments');
    const got = echo.get_attachment(0);
    assert(got instanceof GLib.Bytes, 'get_attachment gives GLib.Bytes');
    assertEqual(arrayOf(got), [0, 1, 2, 255], 'attachment 0');
    assertEqual(echo.get_attachment(1).get_size(), 0, 'attachment 1');
    assert(echo.get_attachment(2).equal(cBytes), 'attachment 2');
    assert(echo.get_attachment(3) === null, 'no attachment 3');
    const all = echo.get_attachments();
    assertEqual(all.length, 3, 'get_attachments length');
    assert(all.every(x => x instanceof GLib.Bytes), 'all GLib.Bytes');
    assertEqual(all.map(x => x.get_size()), [4, 0, 70000], 'sizes');
    assertEqual(argsOf(echo), args, 'placeholders kept');

    // awaited: the ack's reply is a Sio.Event with its attachments
    const reply = await c.emit_full('ack', jsonArray(args), [a, b, cBytes],
        Sio.EmitFlags.NONE, 5000, null);
    assert(reply instanceof Sio.Event, 'emit_full_finish gives a Sio.Event');
    assert(reply.get_name() === null, 'reply has no name');
    assertEqual(reply.get_n_attachments(), 3, 'reply attachments');
    assertEqual(arrayOf(reply.get_attachment(0)), [0, 1, 2, 255], 'reply bytes');
    assert(reply.get_attachment(2).equal(cBytes), 'reply big');

    // empty list and null: no attachments
    c.emit_full('echo', jsonArray(['none']), null, Sio.EmitFlags.NONE, 0, null, null);
    c.emit_full('echo', jsonArray(['empty']), [], Sio.EmitFlags.NONE, 0, null, null);
    await rec.event('echo', 3);
    assertEqual(rec.args('echo').slice(1), [['none'], ['empty']], 'no attachments');

    // from the server
    c.emit_json('binary', '[1000]');
    const fromServer = await rec.event('binary');
    assertEqual(arrayOf(fromServer.get_attachment(0)), Array.from(pattern(1000)),
        'server bytes');
    assertEqual(argsOf(fromServer),
        [{size: 1000, data: {_placeholder: true, num: 0}}], 'server args');
});

serverTest('namespaces', async t => {
    const [c, rec] = await t.connected();
    const admin = c.socket('/admin');
    assert(c.socket('/admin') === admin, 'same socket object');
    assert(c.socket('/') === c, 'main namespace is the client');
    assertEqual(admin.namespace, '/admin', 'namespace');
    rec.watch(admin);
    admin.open();
    await rec.connectedCount(2);
    if (t.server.eio === 3)
        assertEqual(admin.id, `/admin#${c.engine_id}`, 'v3 namespace id');
    admin.emit_json('echo', '["from admin"]');
    c.emit_json('echo', '["from main"]');
    await rec.event('echo', 2);
    assertEqual(rec.args('echo', '/admin'), [['from admin']], '/admin echo');
    assertEqual(rec.args('echo', '/'), [['from main']], '/ echo');
    admin.close();
    assert(!admin.connected, 'admin closed');
    assertEqual(c.state, Sio.ClientState.OPEN, 'client still open');
});

serverTest('connect-error (auth refused) and auth accepted', async t => {
    const [c, rec] = await t.connected();
    const auth = c.socket('/auth');
    rec.watch(auth);
    auth.open();
    await rec.until(() => rec.connectErrors.length > 0, 'connect-error');
    const [error, data] = rec.connectErrors[0];
    assert(error instanceof GLib.Error, `a GLib.Error: ${error}`);
    assert(error.matches(Sio.error_quark(), Sio.Error.CONNECT_REFUSED),
        'matches(error_quark(), CONNECT_REFUSED)');
    assertSioError(error, Sio.Error.CONNECT_REFUSED, 'connect-error');
    assertEqual(error.message, 'Not authorized', 'message');
    assertEqual(data, t.server.eio === 3 ? null : {code: 401}, 'data');
    assert(!auth.connected && c.connected, 'only /auth refused');

    // accepted: auth payload (v4 protocol) or query parameter (v3)
    const [c2, rec2] = t.client();
    if (t.server.eio === 3)
        c2.set_query_param('token', 'secret');
    const auth2 = c2.socket('/auth');
    assert(auth2.set_auth_json('{"token":"secret"}'), 'set_auth_json');
    assertEqual(Json.to_string(auth2.auth, false), '{"token":"secret"}', 'auth');
    rec2.watch(auth2);
    assertEqual(await auth2.open_async(null), true, 'auth accepted');
    assert(auth2.connected, 'auth connected');
    assertEqual(rec2.connectErrors.length, 0, 'no connect-error');
});

serverTest('reserved names and bad JSON throw', async t => {
    const [c, rec] = await t.connected();
    for (const name of ['connect', 'connect_error', 'disconnect',
        'disconnecting', 'newListener', 'removeListener']) {
        let error = null;
        try {
            c.emit_json(name, '[]');
        } catch (e) {
            error = e;
        }
        assertSioError(error, Sio.Error.INVALID_ARGUMENT, name);
    }
    for (const bad of ['{bad json', '{"not":"array"}']) {
        let error = null;
        try {
            c.emit_json('ok', bad);
        } catch (e) {
            error = e;
        }
        assertSioError(error, Sio.Error.INVALID_ARGUMENT, bad);
    }
    await assertRejects(c.emit_with_ack('disconnect', null, null),
        e => assertSioError(e, Sio.Error.INVALID_ARGUMENT), 'emit_with_ack');
    c.emit_json('echo', '["after"]');
    await rec.event('echo');
    assertEqual(rec.args('echo'), [['after']], 'nothing else was sent');
});

serverTest('ack timeout, cancellation, disconnection', async t => {
    const [c] = await t.connected();
    const start = GLib.get_monotonic_time();
    await assertRejects(
        c.emit_full('no-such-handler', null, null, Sio.EmitFlags.NONE, 200, null),
        e => assertSioError(e, Sio.Error.TIMEOUT), 'ack timeout');
    assert(GLib.get_monotonic_time() - start >= 190000, 'waited the timeout');

    const cancellable = new Gio.Cancellable();
    const cancelled = c.emit_with_ack('no-such-handler', null, cancellable);
    cancellable.cancel();
    await assertRejects(cancelled,
        e => assert(e.matches(Gio.IOErrorEnum, Gio.IOErrorEnum.CANCELLED),
            `expected CANCELLED, got ${e}`), 'cancelled ack');

    const dropped = c.emit_with_ack('no-such-handler', null, null);
    c.close();
    await assertRejects(dropped,
        e => assertSioError(e, Sio.Error.DISCONNECTED), 'ack ended by close');
});

serverTest('server disconnect', async t => {
    const [c, rec] = await t.connected();
    c.emit_json('disconnect-me', null);
    await rec.until(() => rec.disconnected.length > 0, 'disconnected');
    assertEqual(rec.disconnected, [Sio.DisconnectReason.SERVER], 'reason');
    assert(!c.connected, 'not connected');
    assertEqual(c.state, Sio.ClientState.CLOSED, 'state');
    await sleep(300);
    assertEqual(rec.reconnectAttempts, [], 'no reconnection');
});

// ---- tests without a server ---------------------------------------------------

const plainTests = [];

plainTests.push({
    name: 'API names, properties and defaults',
    fn: () => {
        const names = {
            Sio: ['Client', 'Socket', 'Event', 'ClientState', 'DisconnectReason',
                'EmitFlags', 'Error', 'error_quark'],
            'Sio.Socket.prototype': ['open', 'close', 'emit', 'emit_json',
                'emit_full', 'emit_full_finish', 'emit_with_ack',
                'emit_with_ack_finish', 'open_async', 'open_finish',
                'set_auth', 'set_auth_json', 'get_auth'],
            'Sio.Client.prototype': ['socket', 'set_query_param', 'set_header',
                'close'],
            'Sio.Event.prototype': ['get_name', 'get_namespace', 'get_args',
                'get_args_json', 'get_attachments', 'get_n_attachments',
                'get_attachment', 'wants_ack', 'ack', 'ack_json', 'ack_full'],
        };
        const owners = {
            Sio,
            'Sio.Socket.prototype': Sio.Socket.prototype,
            'Sio.Client.prototype': Sio.Client.prototype,
            'Sio.Event.prototype': Sio.Event.prototype,
        };
        const missing = [];
        for (const [owner, list] of Object.entries(names)) {
            for (const n of list) {
                if (owners[owner][n] === undefined)
                    missing.push(`${owner}.${n}`);
            }
        }
        assertEqual(missing, [], 'missing names');
        for (const sig of ['connected', 'disconnected', 'connect-error', 'event'])
            assert(GObject.signal_lookup(sig, Sio.Socket) !== 0, sig);
        for (const sig of ['reconnect-attempt', 'reconnected', 'reconnect-failed'])
            assert(GObject.signal_lookup(sig, Sio.Client) !== 0, sig);

        const c = Sio.Client.new('http://127.0.0.1:1/admin');
        assertEqual(c.uri, 'http://127.0.0.1:1/admin', 'uri');
        assertEqual(c.namespace, '/admin', 'namespace');
        assertEqual(c.path, '/socket.io/', 'path');
        assertEqual(c.engine_io_version, 4, 'engine-io-version');
        assertEqual(c.transports, ['websocket', 'polling'], 'transports');
        assertEqual(c.upgrade, true, 'upgrade');
        assertEqual(c.reconnection, true, 'reconnection');
        assertEqual(c.reconnection_attempts, -1, 'reconnection-attempts');
        assertEqual(c.reconnection_delay, 1000, 'reconnection-delay');
        assertEqual(c.reconnection_delay_max, 5000, 'reconnection-delay-max');
        assertEqual(c.randomization_factor, 0.5, 'randomization-factor');
        assertEqual(c.timeout, 20000, 'timeout');
        assertEqual(c.state, Sio.ClientState.CLOSED, 'state');
        assertEqual(c.ack_timeout, 0, 'ack-timeout');
        assertEqual(c.retries, 0, 'retries');
        assert(c.session !== null, 'session');
        assert(c.engine_id === null && c.transport === null && c.id === null,
            'not connected');
        c.transports = ['polling'];
        assertEqual(c.get_transports(), ['polling'], 'set transports');
        c.ackTimeout = 250;
        assertEqual(c.get_ack_timeout(), 250, 'camelCase setter');
        assertEqual(Sio.error_quark(), GLib.quark_from_string('sio-error-quark'),
            'error quark');
        assert(Sio.check_version(1, 0, 0) && !Sio.check_version(99, 0, 0),
            'check_version');
    },
});

// ---- runner --------------------------------------------------------------------

run(plainTests, serverTests, server => new Context(server));
