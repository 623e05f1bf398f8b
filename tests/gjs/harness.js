// SPDX-License-Identifier: LGPL-2.1-or-later
//
// A small TAP harness for GJS tests against the real servers
// (tests/servers/node-server.js for socket.io 4 and 2, python-server.py).
//
// Servers are started with Gio.Subprocess and print "PORT <n>" once they
// listen; their stdin is a pipe we hold, so they exit with us.  They are
// stopped by pid (force_exit).  Every wait is bounded, each test has a time
// limit and a watchdog ends the whole run.  run() prints TAP on stdout and
// exits 0 only when every test passed.

import GLib from 'gi://GLib';
import Gio from 'gi://Gio';
import Sio from 'gi://Sio?version=1.0';
import System from 'system';

export const WAIT_MS = 10000;          // any single wait
const TEST_MS = 30000;                 // one test
const SERVER_START_MS = 20000;         // a server's PORT line

export const SOURCE_ROOT = GLib.getenv('SIO_SOURCE_ROOT') ??
    GLib.path_get_dirname(GLib.path_get_dirname(GLib.path_get_dirname(
        GLib.filename_from_uri(import.meta.url)[0])));

Gio._promisify(Gio.DataInputStream.prototype, 'read_line_async',
    'read_line_finish_utf8');
Gio._promisify(Gio.Subprocess.prototype, 'wait_async', 'wait_finish');

export const KINDS = ['node4', 'node2', 'python'];

// ---- assertions ------------------------------------------------------------------

export class AssertionError extends Error {
    constructor(message) {
        super(message);
        this.name = 'AssertionError';
    }
}

export function assert(cond, message = 'assertion failed') {
    if (!cond)
        throw new AssertionError(message);
}

// JSON text of a value, Uint8Array shown as {"bytes": [...]}
export function show(value) {
    return JSON.stringify(value, (_k, v) =>
        v instanceof Uint8Array ? {bytes: Array.from(v)} : v);
}

export function assertEqual(actual, expected, what = 'value') {
    if (show(actual) !== show(expected)) {
        throw new AssertionError(`${what}: got ${show(actual)}, ` +
            `expected ${show(expected)}`);
    }
}

export function sioError(err, code) {
    return err instanceof GLib.Error && err.matches(Sio.error_quark(), code);
}

export async function rejection(promise, what) {
    try {
        await promise;
    } catch (e) {
        return e;
    }
    throw new AssertionError(`${what}: did not fail`);
}

export function withTimeout(promise, ms, what) {
    let id = 0;
    const timer = new Promise((_resolve, reject) => {
        id = GLib.timeout_add(GLib.PRIORITY_DEFAULT, ms, () => {
            id = 0;
            reject(new AssertionError(`timed out after ${ms} ms: ${what}`));
            return GLib.SOURCE_REMOVE;
        });
    });
    return Promise.race([promise, timer]).finally(() => {
        if (id !== 0)
            GLib.source_remove(id);
    });
}

export function sleep(ms) {
    return new Promise(resolve => {
        GLib.timeout_add(GLib.PRIORITY_DEFAULT, ms, () => {
            resolve();
            return GLib.SOURCE_REMOVE;
        });
    });
}

// Resolves once cond() holds (checked every 5 ms), at most WAIT_MS.
export async function until(cond, what, ms = WAIT_MS) {
    const deadline = GLib.get_monotonic_time() + ms * 1000;
    for (;;) {
        const value = cond();
        if (value)
            return value;
        if (GLib.get_monotonic_time() > deadline)
            throw new AssertionError(`timed out after ${ms} ms: ${what}`);
        // eslint-disable-next-line no-await-in-loop
        await sleep(5);
    }
}

// Errors thrown inside GLib callbacks are only logged by GJS: collect them.
export const callbackErrors = [];
export function guard(fn) {
    return (...args) => {
        try {
            return fn(...args);
        } catch (e) {
            callbackErrors.push(e);
            printerr(`error in a callback: ${e}\n${e.stack ?? ''}`);
            return undefined;
        }
    };
}

// ---- servers ---------------------------------------------------------------------

export class Server {
    constructor(kind, extraArgs = []) {
        this.kind = kind;
        this.extraArgs = extraArgs;
        this.eio = kind === 'node2' ? 3 : 4;
        this.port = 0;
        this.proc = null;
    }

    argv() {
        const dir = GLib.build_filenamev([SOURCE_ROOT, 'tests', 'servers']);
        if (this.kind === 'python') {
            return ['/usr/bin/python3',
                GLib.build_filenamev([dir, 'python-server.py']), '--port', '0',
                ...this.extraArgs];
        }
        const node = GLib.find_program_in_path('node');
        if (node === null)
            throw new Error('node is not in PATH');
        return [node, GLib.build_filenamev([dir, 'node-server.js']),
            '--version', this.kind === 'node2' ? '2' : '4', '--port', '0',
            ...this.extraArgs];
    }

    async start() {
        this.proc = Gio.Subprocess.new(this.argv(),
            Gio.SubprocessFlags.STDIN_PIPE | Gio.SubprocessFlags.STDOUT_PIPE);
        const stdout = new Gio.DataInputStream({
            base_stream: this.proc.get_stdout_pipe(),
            close_base_stream: true,
        });
        this.stdout = stdout;
        const cancellable = new Gio.Cancellable();
        const timer = GLib.timeout_add(GLib.PRIORITY_DEFAULT, SERVER_START_MS,
            () => {
                cancellable.cancel();
                return GLib.SOURCE_REMOVE;
            });
        try {
            for (;;) {
                // eslint-disable-next-line no-await-in-loop
                const [line] = await stdout.read_line_async(
                    GLib.PRIORITY_DEFAULT, cancellable);
                if (line === null)
                    throw new Error(`the ${this.kind} server exited before it was ready`);
                const m = /^PORT (\d+)$/.exec(line.trim());
                if (m) {
                    this.port = parseInt(m[1], 10);
                    return this;
                }
                printerr(`unexpected server output: ${line}`);
            }
        } catch (e) {
            this.stop();
            if (e instanceof GLib.Error &&
                e.matches(Gio.IOErrorEnum, Gio.IOErrorEnum.CANCELLED))
                throw new Error(`the ${this.kind} server did not print its port in ${SERVER_START_MS} ms`);
            throw e;
        } finally {
            if (!cancellable.is_cancelled())
                GLib.source_remove(timer);
        }
    }

    url(nsp = '/') {
        return `http://127.0.0.1:${this.port}${nsp}`;
    }

    // Kills by pid (SIGKILL through force_exit); idempotent.
    stop() {
        if (this.proc === null)
            return Promise.resolve();
        const proc = this.proc;
        this.proc = null;
        if (proc.get_identifier() !== null)
            proc.force_exit();
        return withTimeout(proc.wait_async(null), 5000,
            `${this.kind} server exit`).catch(e => printerr(`${e}`));
    }
}

// Clients of one test, closed at its end.
export class Context {
    constructor(server) {
        this.server = server;
        this.clients = [];
    }

    client(nsp = '/') {
        const client = Sio.Client.new(this.server.url(nsp));
        client.engine_io_version = this.server.eio;
        client.reconnection_delay = 100;
        client.reconnection_delay_max = 500;
        this.clients.push(client);
        return client;
    }

    teardown() {
        for (const client of this.clients)
            client.close();
        this.clients = [];
    }
}

// ---- runner ----------------------------------------------------------------------

/**
 * Runs the tests and exits: plainTests [{name, fn()}], serverTests
 * [{name, fn(context)}] once per server kind.
 *
 * @param {Array} plainTests - tests without a server
 * @param {Array} serverTests - tests run against each server kind
 * @param {Function} makeContext - the per-test context of a server
 * @param {number} watchdogMs - bound of the whole run
 */
export function run(plainTests, serverTests,
    makeContext = server => new Context(server), watchdogMs = 270000) {
    let failures = 0;
    let testNumber = 0;
    const servers = new Set();

    function report(ok, name, error = null) {
        testNumber++;
        print(`${ok ? 'ok' : 'not ok'} ${testNumber} - ${name}`);
        if (!ok) {
            failures++;
            const text = `${error}\n${error?.stack ?? ''}`.trim();
            for (const line of text.split('\n'))
                print(`# ${line}`);
        }
    }

    async function runOne(name, fn) {
        const before = callbackErrors.length;
        try {
            await withTimeout(Promise.resolve().then(fn), TEST_MS, name);
            if (callbackErrors.length > before)
                throw callbackErrors[callbackErrors.length - 1];
            report(true, name);
        } catch (e) {
            report(false, name, e);
        }
    }

    async function main() {
        print(`1..${plainTests.length + KINDS.length * serverTests.length}`);
        for (const test of plainTests)
            // eslint-disable-next-line no-await-in-loop
            await runOne(test.name, test.fn);
        for (const kind of KINDS) {
            const server = new Server(kind);
            let startError = null;
            try {
                servers.add(server);
                // eslint-disable-next-line no-await-in-loop
                await server.start();
            } catch (e) {
                startError = e;
            }
            for (const test of serverTests) {
                const name = `${kind}: ${test.name}`;
                if (startError !== null) {
                    report(false, name, startError);
                    continue;
                }
                const t = makeContext(server);
                // eslint-disable-next-line no-await-in-loop
                await runOne(name, async () => {
                    try {
                        await test.fn(t);
                    } finally {
                        t.teardown();
                    }
                });
            }
            // eslint-disable-next-line no-await-in-loop
            await server.stop();
            servers.delete(server);
        }
    }

    function stopAll() {
        for (const server of servers)
            server.stop();
        servers.clear();
    }

    const loop = new GLib.MainLoop(null, false);
    let exitCode = 1;
    GLib.timeout_add(GLib.PRIORITY_HIGH, watchdogMs, () => {
        print(`Bail out! watchdog: the run took more than ${watchdogMs} ms`);
        stopAll();
        System.exit(1);
        return GLib.SOURCE_REMOVE;
    });
    main().then(() => {
        exitCode = failures === 0 ? 0 : 1;
    }, e => {
        print(`Bail out! ${e}`);
        for (const line of `${e?.stack ?? ''}`.split('\n'))
            print(`# ${line}`);
        exitCode = 1;
    }).finally(() => {
        stopAll();
        loop.quit();
    });
    loop.run();
    System.exit(exitCode);
}
