// SPDX-License-Identifier: LGPL-2.1-or-later
//
// bindings/gjs/sio.js (JS values, binary as Uint8Array, return-value acks,
// promises) against the real servers: socket.io 4, socket.io 2 and
// python-socketio.
//
//   GI_TYPELIB_PATH=_build/sio-glib LD_LIBRARY_PATH=_build/sio-glib \
//     gjs -m tests/gjs/test-sio-js.js
//
// Prints TAP; exit status 0 when every test passed.

import GLib from 'gi://GLib';
import Gio from 'gi://Gio';
import Sio from 'gi://Sio?version=1.0';

import * as SioJs from '../../bindings/gjs/sio.js';
import {assert, assertEqual, guard, rejection, run, sioError, sleep, until}
    from './harness.js';

function bytes(...values) {
    return Uint8Array.from(values);
}

async function connected(t, nsp = '/') {
    const client = t.client(nsp);
    await SioJs.open(client);
    return client;
}

// Values with binary anywhere, and what comes back.
function sentValues() {
    const buffer = new ArrayBuffer(3);
    new Uint8Array(buffer).set([7, 8, 9]);
    return ['h\u00e9llo \u{1F600}', 42, -7, 2.5, true, false, null,
        {n: 1, deep: [{blob: bytes(0, 1, 255)}, [1, 'two']]},
        new Uint8Array(0), buffer, new DataView(buffer, 1, 2),
        new Uint16Array([0x0201]), new GLib.Bytes(bytes(3, 4)), [], {}];
}
const RECEIVED = ['h\u00e9llo \u{1F600}', 42, -7, 2.5, true, false, null,
    {n: 1, deep: [{blob: bytes(0, 1, 255)}, [1, 'two']]},
    bytes(), bytes(7, 8, 9), bytes(8, 9), bytes(1, 2), bytes(3, 4), [], {}];

const plainTests = [];
const serverTests = [];
function serverTest(name, fn) {
    serverTests.push({name, fn});
}

plainTests.push({
    name: 'encode(): placeholders in order, JSON.stringify semantics',
    fn: () => {
        const {json, attachments} = SioJs.encode(['a',
            {x: bytes(1), y: [new GLib.Bytes(bytes(2))]}, undefined,
            bytes(3)]);
        assertEqual(JSON.parse(json), ['a',
            {x: {_placeholder: true, num: 0},
                y: [{_placeholder: true, num: 1}]}, null,
            {_placeholder: true, num: 2}], 'json');
        assertEqual(attachments.map(b => Array.from(b.toArray())),
            [[1], [2], [3]], 'attachments');
        assert(attachments.every(b => b instanceof GLib.Bytes), 'GLib.Bytes');
        const client = Sio.Client.new('http://127.0.0.1:1');
        for (const name of ['connect', 'disconnect', 'removeListener']) {
            let error = null;
            try {
                SioJs.emit(client, name, bytes(1));
            } catch (e) {
                error = e;
            }
            assert(sioError(error, Sio.Error.INVALID_ARGUMENT), `${name}: ${error}`);
        }
        client.close();
    },
});

serverTest('emit and on: JS values and binary both ways', async t => {
    const client = t.client();
    const got = [];
    const id = SioJs.on(client, 'echo', guard((...values) => got.push(values)));
    assert(typeof id === 'number' && id > 0, 'handler id');
    const raw = [];
    client.connect('event::echo', (_s, event) => raw.push(event));
    await SioJs.open(client);
    SioJs.emit(client, 'echo', ...sentValues());
    SioJs.emit(client, 'echo');
    SioJs.emit(client, 'echo', null);
    await until(() => got.length >= 3, 'three echoes');
    assertEqual(got[0], RECEIVED, 'values');
    assert(got[0][9] instanceof Uint8Array, 'binary is a Uint8Array');
    assertEqual(got.slice(1), [[], [null]], 'no value, null');
    assertEqual(raw[0].get_n_attachments(), 6, 'attachments');
    assertEqual(SioJs.valuesOf(raw[0]), RECEIVED, 'valuesOf');

    SioJs.off(client, id);
    SioJs.emit(client, 'echo', 'after off');
    await until(() => raw.length >= 4, 'echo after off');
    await sleep(20);
    assertEqual(got.length, 3, 'off() removed the handler');

    SioJs.emit(client, 'binary', 1000);
    const [fromServer] = await new Promise(resolve =>
        SioJs.once(client, 'binary', (...values) => resolve(values)));
    assertEqual(fromServer.size, 1000, 'size');
    assert(fromServer.data instanceof Uint8Array, 'server binary');
    assertEqual(Array.from(fromServer.data),
        Array.from({length: 1000}, (_, i) => i % 256), 'server bytes');
});

serverTest('once and onAny', async t => {
    const client = t.client();
    const seen = [];
    SioJs.once(client, 'echo', guard((...v) => seen.push(['once', ...v])));
    const anyId = SioJs.onAny(client, guard((name, ...v) => {
        if (name === 'echo')
            seen.push(['any', ...v]);
    }));
    await SioJs.open(client);
    SioJs.emit(client, 'echo', 1);
    SioJs.emit(client, 'echo', 2);
    await until(() => seen.length >= 3, 'three calls');
    await sleep(20);
    assertEqual(seen, [['once', 1], ['any', 1], ['any', 2]], 'calls');
    SioJs.off(client, anyId);
});

serverTest('handler return values answer acknowledgements', async t => {
    const client = t.client();
    SioJs.on(client, 'one', () => 'yes');
    SioJs.on(client, 'none', () => undefined);
    SioJs.on(client, 'null', () => null);
    SioJs.on(client, 'many', q => SioJs.args(q, 2, bytes(7, 8)));
    SioJs.on(client, 'array', q => [q, {bin: bytes(0)}]);
    SioJs.on(client, 'later', async q => {
        await sleep(30);
        return SioJs.args(`thought about ${q}`, bytes(42));
    });
    const answers = [];
    SioJs.on(client, 'answer', guard((...values) => answers.push(values)));
    await SioJs.open(client);
    const names = ['one', 'none', 'null', 'many', 'array', 'later'];
    for (const name of names) {
        SioJs.emit(client, 'ask', name, `q-${name}`);
        // eslint-disable-next-line no-await-in-loop
        await until(() => answers.length === names.indexOf(name) + 1,
            `answer to ${name}`);
    }
    assertEqual(answers, [['yes'], [], [null], ['q-many', 2, bytes(7, 8)],
        [['q-array', {bin: bytes(0)}]], ['thought about q-later', bytes(42)]],
    'answers');
});

serverTest('ack() on a raw Sio.Event', async t => {
    const client = t.client();
    const kept = [];
    client.connect('event::question', (_s, event) => kept.push(event));
    const answers = [];
    SioJs.on(client, 'answer', guard((...values) => answers.push(values)));
    await SioJs.open(client);
    SioJs.emit(client, 'ask', 'question', 'q', bytes(1));
    await until(() => kept.length, 'question');
    assertEqual(SioJs.valuesOf(kept[0]), ['q', bytes(1)], 'question values');
    assert(SioJs.ack(kept[0], 'fine', {data: bytes(254, 255)}), 'ack sent');
    await until(() => answers.length, 'answer');
    assertEqual(answers[0], ['fine', {data: bytes(254, 255)}], 'answer');
});

serverTest('emitWithAck, request, timeout', async t => {
    const client = await connected(t);
    assertEqual(await SioJs.emitWithAck(client, 'ack', 'first', 'second'),
        'first', 'emitWithAck gives the first value');
    assertEqual(await SioJs.emitWithAck(client, 'ack'), undefined,
        'no value');
    assertEqual(await SioJs.request(client, 'ack', [1, bytes(5, 6), {b: bytes()}]),
        [1, bytes(5, 6), {b: bytes()}], 'request gives every value');
    assertEqual(await SioJs.timeout(client, 5000).emitWithAck('ack', bytes(9)),
        bytes(9), 'timeout().emitWithAck');
    const both = await Promise.all([SioJs.emitWithAck(client, 'ack', 'a'),
        SioJs.emitWithAck(client, 'ack', 'b')]);
    assertEqual(both, ['a', 'b'], 'concurrent');

    const start = GLib.get_monotonic_time();
    const late = await rejection(
        SioJs.timeout(client, 200).emitWithAck('no-such-handler'), 'timeout');
    assert(sioError(late, Sio.Error.TIMEOUT), `TIMEOUT: ${late}`);
    assert(GLib.get_monotonic_time() - start >= 190000, 'waited the timeout');

    const cancellable = new Gio.Cancellable();
    const pending = SioJs.request(client, 'no-such-handler', [], {cancellable});
    GLib.timeout_add(GLib.PRIORITY_DEFAULT, 30, () => {
        cancellable.cancel();
        return GLib.SOURCE_REMOVE;
    });
    const cancelled = await rejection(pending, 'cancelled');
    assert(cancelled.matches(Gio.IOErrorEnum, Gio.IOErrorEnum.CANCELLED),
        `CANCELLED: ${cancelled}`);

    const reserved = await rejection(SioJs.emitWithAck(client, 'connect'),
        'reserved');
    assert(sioError(reserved, Sio.Error.INVALID_ARGUMENT), `${reserved}`);

    const dropped = SioJs.emitWithAck(client, 'no-such-handler');
    await sleep(20);
    client.close();
    const gone = await rejection(dropped, 'disconnected');
    assert(sioError(gone, Sio.Error.DISCONNECTED), `DISCONNECTED: ${gone}`);
});

serverTest('open resolves, refused namespace rejects', async t => {
    const client = t.client();
    assertEqual(await SioJs.open(client), undefined, 'open');
    assert(client.connected, 'connected');
    const refused = await rejection(SioJs.open(client.socket('/nope')), '/nope');
    assert(sioError(refused, Sio.Error.CONNECT_REFUSED), `${refused}`);
});

run(plainTests, serverTests);
