#!/usr/bin/env node
// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Reference Socket.IO test server for the sio-glib test suites.
//
// One script for both server generations:
//   --version 4   socket.io 4.8.x  (Socket.IO protocol v5, Engine.IO v4)
//   --version 2   socket.io 2.5.1  (Socket.IO protocol v4, Engine.IO v3),
//                 installed as the npm alias "socket.io-v2"
//
// Usage:
//   node tests/servers/node-server.js [--version 4|2] [--port N]
//        [--ping-interval MS] [--ping-timeout MS]
//        [--transports websocket,polling] [--max-payload BYTES]
//        [--recovery] [--connect-timeout MS] [--allow-eio3]
//        [--records-file PATH] [--verbose]
//        [--tls-cert FILE --tls-key FILE] [--request-log FILE]
//        [--set-cookie NAME=VALUE] [--node-name NAME] [--redis-url URL]
//
// It listens on 127.0.0.1 only, prints exactly one line "PORT <n>" on stdout
// once it accepts connections, and logs to stderr only afterwards.  It exits
// on SIGTERM / SIGINT / SIGHUP, and when its stdin reaches end-of-file if
// stdin is a pipe, a socket or a terminal (so a server orphaned by a crashed
// test dies with it; a server started with stdin on /dev/null keeps running).
//
// With --recovery (v4 only) every event the server emits without an ack
// (welcome included) carries the recovery offset as an extra last argument,
// and "welcome" is emitted again on a recovered connection.
//
// With --records-file PATH every "record" value is also appended to PATH,
// synchronously and before the ack, as one JSON line
// {"pid": <server pid>, "nsp": <namespace>, "value": <value>}.  The file is
// never truncated, so a test that kills and restarts the server (same
// arguments) reads what each process received, in arrival order.
//
// Deployment options (v4 only, except --tls-* and --request-log; used by
// tests/python/test_deploy*.py and tests/cluster/):
//   --tls-cert FILE --tls-key FILE  serve HTTPS / WSS with this PEM
//                     certificate chain and key (both or neither)
//   --request-log FILE  append one JSON line per HTTP request and WebSocket
//                     handshake reaching the server, synchronously, before
//                     it is answered: {"kind": "http"|"upgrade", "method",
//                     "url", "headers"} (headers as Node lower-cases them)
//   --set-cookie NAME=VALUE  the Engine.IO handshake response (first polling
//                     GET or WebSocket handshake) sets this cookie (Path=/)
//   --node-name NAME  "welcome" carries {nsp, id, node: NAME}, and
//                     "server-info" acks {version, eio, node}
//   --redis-url URL   use @socket.io/redis-adapter with the "redis" client on
//                     URL (redis://127.0.0.1:PORT): broadcasts reach the
//                     clients of every server sharing that Redis; "PORT" is
//                     printed once both Redis connections are up
//
// Behaviour, identical on the namespaces "/", "/admin" and "/auth" (the
// last one refuses clients without the right credentials); any other
// namespace is refused by the server ("Invalid namespace"):
//
//   on connection     emit "welcome" {nsp, id}
//   echo ...args      emit "echo" ...args to the sender (ack, if asked, with
//                     the same args)
//   ack ...args       ack with the same args
//   ask name ...rest  emit <name> ...rest to the sender asking for an ack;
//                     the ack's args come back as event "answer" (the "ask"
//                     itself is acked with no args if an ack was asked)
//   broadcast ...args emit "broadcast" ...args to the whole namespace
//   disconnect-me     socket.disconnect()      (namespace left, "io server
//                                               disconnect")
//   close-engine      socket.disconnect(true)  (DISCONNECT for every
//                                               namespace, then the whole
//                                               connection is closed)
//   close-transport   socket.conn.close()      (connection closed without
//                                               DISCONNECT: "transport close")
//   record value      append value to the namespace's list (server-wide,
//                     survives reconnections); acked with [value]
//   flaky value n     append value to the list like "record", but ack
//                     ([value]) only from its n-th receipt on
//   get-records       ack [list]
//   clear-records     empty the list; acked with no args
//   binary n          emit "binary" {size: n, data: <n bytes, byte i = i % 256>}
//   server-info       ack {version, eio}
//   socket-info       ack {nsp, id, recovered, transport, engine_id, query,
//                          auth, headers}       (extra, for debugging)
//
// /auth: v4 requires handshake auth {token: "secret"} and refuses with an
// Error "Not authorized" carrying data {code: 401}; v2 requires the query
// parameter token=secret (connection or namespace query) and refuses with
// the plain error "Not authorized" (Socket.IO v4 protocol has no error data).

'use strict';

const http = require('http');
const fs = require('fs');

function usage (msg) {
  if (msg)
    process.stderr.write(`node-server: ${msg}\n`);
  process.stderr.write(
    'usage: node node-server.js [--version 4|2] [--port N] [--ping-interval MS]\n' +
    '       [--ping-timeout MS] [--transports websocket,polling]\n' +
    '       [--max-payload BYTES] [--recovery] [--connect-timeout MS]\n' +
    '       [--allow-eio3] [--records-file PATH] [--verbose]\n' +
    '       [--tls-cert FILE --tls-key FILE] [--request-log FILE]\n' +
    '       [--set-cookie NAME=VALUE] [--node-name NAME] [--redis-url URL]\n');
  process.exit(2);
}

function parseArgs (argv) {
  const opts = {
    version: 4,
    port: 0,
    pingInterval: undefined,
    pingTimeout: undefined,
    transports: undefined,
    maxPayload: undefined,
    recovery: false,
    connectTimeout: undefined,
    allowEIO3: false,
    recordsFile: undefined,
    tlsCert: undefined,
    tlsKey: undefined,
    requestLog: undefined,
    setCookie: undefined,
    nodeName: undefined,
    redisUrl: undefined,
    verbose: !!process.env.SIO_SERVER_VERBOSE,
  };

  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i];
    let value;
    const eq = arg.indexOf('=');
    if (arg.startsWith('--') && eq > 0) {
      value = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
    }
    const takeValue = () => {
      if (value !== undefined)
        return value;
      if (i + 1 >= argv.length)
        usage(`${arg} needs a value`);
      return argv[++i];
    };
    const takeInt = () => {
      const v = takeValue();
      if (!/^\d+$/.test(v))
        usage(`${arg}: not a non-negative integer: ${v}`);
      return parseInt(v, 10);
    };

    switch (arg) {
      case '--version':
        opts.version = takeInt();
        if (opts.version !== 4 && opts.version !== 2)
          usage('--version must be 4 or 2');
        break;
      case '--port':
        opts.port = takeInt();
        if (opts.port > 65535)
          usage('--port out of range');
        break;
      case '--ping-interval':
        opts.pingInterval = takeInt();
        break;
      case '--ping-timeout':
        opts.pingTimeout = takeInt();
        break;
      case '--transports':
        opts.transports = takeValue().split(',').map((s) => s.trim()).filter((s) => s);
        for (const t of opts.transports)
          if (t !== 'websocket' && t !== 'polling')
            usage(`unknown transport ${t}`);
        if (opts.transports.length === 0)
          usage('--transports is empty');
        break;
      case '--max-payload':
        opts.maxPayload = takeInt();
        break;
      case '--recovery':
        opts.recovery = true;
        break;
      case '--connect-timeout':
        opts.connectTimeout = takeInt();
        break;
      case '--allow-eio3':
        opts.allowEIO3 = true;
        break;
      case '--records-file':
        opts.recordsFile = takeValue();
        if (opts.recordsFile === '')
          usage('--records-file is empty');
        break;
      case '--verbose':
        opts.verbose = true;
        break;
      case '--tls-cert':
        opts.tlsCert = takeValue();
        break;
      case '--tls-key':
        opts.tlsKey = takeValue();
        break;
      case '--request-log':
        opts.requestLog = takeValue();
        break;
      case '--set-cookie':
        opts.setCookie = takeValue();
        if (!/^[A-Za-z0-9_.-]+=[A-Za-z0-9_.-]*$/.test(opts.setCookie))
          usage(`--set-cookie: expected NAME=VALUE: ${opts.setCookie}`);
        break;
      case '--node-name':
        opts.nodeName = takeValue();
        break;
      case '--redis-url':
        opts.redisUrl = takeValue();
        break;
      case '--help':
      case '-h':
        usage();
        break;
      default:
        usage(`unknown argument ${arg}`);
    }
  }
  if ((opts.tlsCert === undefined) !== (opts.tlsKey === undefined))
    usage('--tls-cert and --tls-key go together');
  return opts;
}

const opts = parseArgs(process.argv.slice(2));
const V2 = opts.version === 2;
const NAMESPACES = ['/', '/admin', '/auth'];

function log (...args) {
  process.stderr.write(`[node-server v${opts.version} pid ${process.pid}] ${args.join(' ')}\n`);
}
function debug (...args) {
  if (opts.verbose)
    log(...args);
}

let pkgVersion;
let io;

function notFound (req, res) {
  // Only reached for paths outside /socket.io/ (engine.io forwards them).
  res.writeHead(404, { 'Content-Type': 'text/plain' });
  res.end('not found\n');
}

const httpServer = opts.tlsCert !== undefined
  ? require('https').createServer({ cert: fs.readFileSync(opts.tlsCert),
                                    key: fs.readFileSync(opts.tlsKey) }, notFound)
  : http.createServer(notFound);

if (V2 && (opts.setCookie !== undefined || opts.redisUrl !== undefined))
  usage('--set-cookie and --redis-url need --version 4');

// Resolved when the server may listen (after Redis, with --redis-url).
let ready = Promise.resolve();

function redisAdapter () {
  const { createClient } = require('redis');
  const { createAdapter } = require('@socket.io/redis-adapter');
  const pubClient = createClient({ url: opts.redisUrl });
  const subClient = pubClient.duplicate();
  for (const client of [pubClient, subClient])
    client.on('error', (err) => debug(`redis: ${err.message}`));
  ready = Promise.all([pubClient.connect(), subClient.connect()]);
  return createAdapter(pubClient, subClient);
}

if (V2) {
  const ioFactory = require('socket.io-v2');
  pkgVersion = require('socket.io-v2/package.json').version;
  if (opts.recovery)
    log('warning: --recovery is not supported by socket.io 2.x; ignored');
  if (opts.connectTimeout !== undefined)
    log('warning: --connect-timeout is not supported by socket.io 2.x; ignored');
  if (opts.allowEIO3)
    log('note: --allow-eio3 is implicit with socket.io 2.x');
  const options = { serveClient: false };
  if (opts.pingInterval !== undefined)
    options.pingInterval = opts.pingInterval;
  if (opts.pingTimeout !== undefined)
    options.pingTimeout = opts.pingTimeout;
  if (opts.transports !== undefined)
    options.transports = opts.transports;
  if (opts.maxPayload !== undefined)
    options.maxHttpBufferSize = opts.maxPayload;
  io = ioFactory(httpServer, options);
} else {
  const { Server } = require('socket.io');
  pkgVersion = require('socket.io/package.json').version;
  const options = { serveClient: false };
  if (opts.pingInterval !== undefined)
    options.pingInterval = opts.pingInterval;
  if (opts.pingTimeout !== undefined)
    options.pingTimeout = opts.pingTimeout;
  if (opts.transports !== undefined)
    options.transports = opts.transports;
  if (opts.maxPayload !== undefined)
    options.maxHttpBufferSize = opts.maxPayload;
  if (opts.connectTimeout !== undefined)
    options.connectTimeout = opts.connectTimeout;
  if (opts.allowEIO3)
    options.allowEIO3 = true;
  if (opts.recovery) {
    // socket.io's defaults: 2 min, middlewares skipped on recovery.
    options.connectionStateRecovery = {
      maxDisconnectionDuration: 2 * 60 * 1000,
      skipMiddlewares: true,
    };
  }
  if (opts.redisUrl !== undefined)
    options.adapter = redisAdapter();
  io = new Server(httpServer, options);
  io.engine.on('connection_error', (err) => {
    debug(`engine connection error: ${err.code} ${err.message}`);
  });
  if (opts.setCookie !== undefined) {
    io.engine.on('initial_headers', (headers) => {
      headers['set-cookie'] = `${opts.setCookie}; Path=/`;
    });
  }
}

if (opts.requestLog !== undefined) {
  // Prepended: runs before engine.io looks at the request.
  const record = (kind, req) => {
    fs.appendFileSync(opts.requestLog, JSON.stringify({
      kind, method: req.method, url: req.url, headers: req.headers,
    }) + '\n');
  };
  httpServer.prependListener('request', (req) => record('http', req));
  httpServer.prependListener('upgrade', (req) => record('upgrade', req));
}

// Server-level, per-namespace record lists (they outlive sockets).
const records = Object.create(null);
for (const name of NAMESPACES)
  records[name] = [];

function binaryPayload (n) {
  const buf = Buffer.alloc(n);
  for (let i = 0; i < n; i++)
    buf[i] = i % 256;
  return buf;
}

// Splits the handler arguments into [args, ackFunction-or-null].
function splitAck (args) {
  if (args.length > 0 && typeof args[args.length - 1] === 'function')
    return [args.slice(0, -1), args[args.length - 1]];
  return [args, null];
}

function setupNamespace (name) {
  const nsp = io.of(name);

  if (name === '/auth') {
    nsp.use((socket, next) => {
      if (V2) {
        const q = socket.handshake.query || {};
        if (q.token === 'secret')
          return next();
        debug(`refusing ${socket.id} on /auth (query token ${JSON.stringify(q.token)})`);
        // No .data: socket.io 2.x would send err.data instead of the message.
        return next(new Error('Not authorized'));
      }
      const auth = socket.handshake.auth || {};
      if (auth.token === 'secret')
        return next();
      debug(`refusing ${socket.id} on /auth (auth ${JSON.stringify(auth)})`);
      const err = new Error('Not authorized');
      err.data = { code: 401 };
      return next(err);
    });
  }

  nsp.on('connection', (socket) => {
    debug(`connect ${name} ${socket.id}${socket.recovered ? ' (recovered)' : ''}`);

    socket.on('disconnect', (reason) => {
      debug(`disconnect ${name} ${socket.id}: ${reason}`);
    });

    socket.on('echo', (...raw) => {
      const [args, ack] = splitAck(raw);
      socket.emit('echo', ...args);
      if (ack)
        ack(...args);
    });

    socket.on('ack', (...raw) => {
      const [args, ack] = splitAck(raw);
      if (ack)
        ack(...args);
    });

    socket.on('ask', (...raw) => {
      const [args, ack] = splitAck(raw);
      const [event, ...rest] = args;
      if (typeof event === 'string' && event.length > 0) {
        socket.emit(event, ...rest, (...answer) => {
          debug(`answer on ${name} from ${socket.id}`);
          socket.emit('answer', ...answer);
        });
      } else {
        log(`ask: bad event name ${JSON.stringify(event)}`);
      }
      if (ack)
        ack();
    });

    socket.on('broadcast', (...raw) => {
      const [args, ack] = splitAck(raw);
      nsp.emit('broadcast', ...args);
      if (ack)
        ack();
    });

    socket.on('disconnect-me', () => {
      socket.disconnect();
    });

    socket.on('close-engine', () => {
      socket.disconnect(true);
    });

    socket.on('close-transport', () => {
      // Engine.IO close without Socket.IO DISCONNECT: the client sees a
      // transport close and reconnects (and may recover its session).
      socket.conn.close();
    });

    socket.on('record', (...raw) => {
      const [args, ack] = splitAck(raw);
      const value = args.length > 0 ? args[0] : null;
      records[name].push(value);
      if (opts.recordsFile !== undefined)
        fs.appendFileSync(opts.recordsFile,
                          JSON.stringify({ pid: process.pid, nsp: name, value }) + '\n');
      if (ack)
        ack(value);
    });

    socket.on('flaky', (...raw) => {
      // Records every receipt, and acks only from the n-th receipt of the
      // same value on (the "retries" policy re-sends until acked).
      const [args, ack] = splitAck(raw);
      const value = args.length > 0 ? args[0] : null;
      const n = Number(args[1]) || 1;
      records[name].push(value);
      const seen = records[name].filter((v) => JSON.stringify(v) === JSON.stringify(value)).length;
      if (ack && seen >= n)
        ack(value);
    });

    socket.on('get-records', (...raw) => {
      const [, ack] = splitAck(raw);
      if (ack)
        ack(records[name].slice());
    });

    socket.on('clear-records', (...raw) => {
      const [, ack] = splitAck(raw);
      records[name].length = 0;
      if (ack)
        ack();
    });

    socket.on('binary', (...raw) => {
      const [args, ack] = splitAck(raw);
      let n = Number(args[0]);
      if (!Number.isInteger(n) || n < 0) {
        log(`binary: bad size ${JSON.stringify(args[0])}`);
        n = 0;
      }
      socket.emit('binary', { size: n, data: binaryPayload(n) });
      if (ack)
        ack();
    });

    socket.on('server-info', (...raw) => {
      const [, ack] = splitAck(raw);
      if (ack)
        ack(opts.nodeName !== undefined
          ? { version: pkgVersion, eio: V2 ? 3 : 4, node: opts.nodeName }
          : { version: pkgVersion, eio: V2 ? 3 : 4 });
    });

    socket.on('socket-info', (...raw) => {
      const [, ack] = splitAck(raw);
      if (!ack)
        return;
      const conn = socket.conn;
      ack({
        nsp: name,
        id: socket.id,
        recovered: !!socket.recovered,
        transport: conn && conn.transport ? conn.transport.name : null,
        engine_id: conn ? conn.id : null,
        query: socket.handshake.query || {},
        auth: V2 ? null : (socket.handshake.auth || {}),
        headers: socket.handshake.headers || {},
      });
    });

    socket.emit('welcome', opts.nodeName !== undefined
      ? { nsp: name, id: socket.id, node: opts.nodeName }
      : { nsp: name, id: socket.id });
  });
}

for (const name of NAMESPACES)
  setupNamespace(name);

// ---- lifetime ---------------------------------------------------------------

let exiting = false;
function shutdown (why, code = 0) {
  if (exiting)
    return;
  exiting = true;
  debug(`exiting: ${why}`);
  // Never wait long for close(): tests expect a prompt exit.
  setTimeout(() => process.exit(code), 300).unref();
  try {
    io.close();
  } catch (e) {
    // ignore
  }
  try {
    httpServer.close(() => process.exit(code));
  } catch (e) {
    process.exit(code);
  }
}

for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'])
  process.on(sig, () => shutdown(sig));

function stdinIsWatchable () {
  try {
    const st = fs.fstatSync(0);
    return st.isFIFO() || st.isSocket() || process.stdin.isTTY === true;
  } catch (e) {
    return false;
  }
}

if (stdinIsWatchable()) {
  process.stdin.on('data', () => {});
  process.stdin.on('end', () => shutdown('stdin EOF'));
  process.stdin.on('close', () => shutdown('stdin closed'));
  process.stdin.on('error', () => shutdown('stdin error'));
  process.stdin.resume();
}

httpServer.on('error', (err) => {
  log(`cannot listen on 127.0.0.1:${opts.port}: ${err.message}`);
  process.exit(1);
});

// With --redis-url: every namespace's adapter must be subscribed before a
// client may connect, or a broadcast could miss this server.
async function waitReady () {
  await ready;
  if (opts.redisUrl === undefined)
    return;
  const deadline = Date.now() + 10000;
  for (const name of NAMESPACES) {
    while (await io.of(name).adapter.serverCount() < 1) {
      if (Date.now() > deadline)
        throw new Error(`the Redis adapter of ${name} is not subscribed`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

waitReady().then(() => {
  httpServer.listen(opts.port, '127.0.0.1', () => {
    const port = httpServer.address().port;
    const scheme = opts.tlsCert !== undefined ? 'https' : 'http';
    process.stdout.write(`PORT ${port}\n`, () => {
      log(`socket.io ${pkgVersion} (EIO ${V2 ? 3 : 4}) listening on ${scheme}://127.0.0.1:${port}` +
          (opts.recovery && !V2 ? ' with connection state recovery' : '') +
          (opts.nodeName !== undefined ? ` as node ${opts.nodeName}` : '') +
          (opts.redisUrl !== undefined ? ` with Redis ${opts.redisUrl}` : ''));
    });
  });
}, (err) => {
  log(`cannot start: ${err.message}`);
  process.exit(1);
});
