#!/usr/bin/env node
// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Benchmark server for the sio-glib benchmark suite (see bench/README.md).
//
// One HTTP server on 127.0.0.1 (port 0 unless --port N) carrying:
//   * a socket.io 4.x server, WebSocket transport only, at /socket.io/;
//   * a bare WebSocket endpoint (the `ws` package) at /raw, which exchanges
//     the very same frames a Socket.IO client would, without the Socket.IO
//     and Engine.IO layers (no handshake packet, no CONNECT, no pings).
//
// Prints exactly one line "PORT <n>" on stdout once it accepts connections.
// Exits on SIGTERM / SIGINT / SIGHUP, and on end-of-file of stdin when stdin
// is a pipe, a socket or a terminal (never when it is /dev/null).
//
// Socket.IO handlers (per connection):
//   up ...args        count the event
//   up-done           ack [count] and reset the count
//   down n            emit n events "d" i "payload-xxxxxxxx" back-to-back,
//                     then "down-done" n
//   echo ...args      emit "echo" ...args back
//   ack ...args       ack with the same args
//   bin <binary>      count the event
//   bin-done          ack [count] and reset the count
//   bin-down n        emit n events "b" <64 KiB binary>, then "bin-down-done" n
//
// /raw: the same work on frames.  A text frame is decoded as a Socket.IO
// packet "4" (Engine.IO message) + "2" (EVENT) [+ ack id] + JSON array;
// "451-[...]" (BINARY_EVENT header) is ignored and the binary frame that
// follows is counted as one "bin".  Replies are byte-for-byte the frames the
// socket.io server sends: 42["d",i,"payload-xxxxxxxx"], 43<id>[count], the
// echoed frame itself, 451-["b",{"_placeholder":true,"num":0}] + binary.

'use strict';

const http = require('http');
const fs = require('fs');
const path = require('path');

function requireRoot (name) {
  // The project's node_modules, wherever the script is started from.
  const root = path.resolve(__dirname, '..', 'node_modules', name);
  return require(root);
}

const { Server } = requireRoot('socket.io');
const { WebSocketServer } = requireRoot('ws');

let port = 0;
for (let i = 2; i < process.argv.length; i++) {
  if (process.argv[i] === '--port' && i + 1 < process.argv.length)
    port = parseInt(process.argv[++i], 10);
  else {
    process.stderr.write(`bench server: unknown argument ${process.argv[i]}\n`);
    process.exit(2);
  }
}

const PAYLOAD = 'payload-xxxxxxxx';
const BIN_SIZE = 64 * 1024;
const BIN = Buffer.alloc(BIN_SIZE);
for (let i = 0; i < BIN_SIZE; i++)
  BIN[i] = i & 0xff;
const MAX_N = 10000000;

function count (n) {
  n = Number(n);
  return Number.isInteger(n) && n >= 0 && n <= MAX_N ? n : 0;
}

const httpServer = http.createServer((req, res) => {
  res.writeHead(404);
  res.end();
});

const io = new Server(httpServer, {
  transports: ['websocket'],
  serveClient: false,
  destroyUpgrade: false,        // /raw upgrades are handled below
  maxHttpBufferSize: 4 * 1024 * 1024,
  perMessageDeflate: false,
});

io.on('connection', (socket) => {
  let up = 0;
  let bin = 0;

  socket.on('up', () => { up++; });
  socket.on('up-done', (...args) => {
    const ack = args[args.length - 1];
    const n = up;
    up = 0;
    if (typeof ack === 'function')
      ack(n);
  });
  socket.on('down', (n) => {
    n = count(n);
    for (let i = 0; i < n; i++)
      socket.emit('d', i, PAYLOAD);
    socket.emit('down-done', n);
  });
  socket.on('echo', (...args) => {
    const ack = typeof args[args.length - 1] === 'function' ? args.pop() : null;
    socket.emit('echo', ...args);
    if (ack)
      ack(...args);
  });
  socket.on('ack', (...args) => {
    const ack = args.pop();
    if (typeof ack === 'function')
      ack(...args);
  });
  socket.on('bin', () => { bin++; });
  socket.on('bin-done', (...args) => {
    const ack = args[args.length - 1];
    const n = bin;
    bin = 0;
    if (typeof ack === 'function')
      ack(n);
  });
  socket.on('bin-down', (n) => {
    n = count(n);
    for (let i = 0; i < n; i++)
      socket.emit('b', BIN);
    socket.emit('bin-down-done', n);
  });
});

// ---- /raw: bare WebSocket, same frames --------------------------------

const wss = new WebSocketServer({
  noServer: true,
  perMessageDeflate: false,
  maxPayload: 4 * 1024 * 1024,
});

const BIN_HEADER = '451-["b",{"_placeholder":true,"num":0}]';

wss.on('connection', (ws) => {
  let up = 0;
  let bin = 0;

  ws.on('message', (data, isBinary) => {
    if (isBinary) {
      bin++;
      return;
    }
    const s = data.toString();
    if (s.length < 3 || s[0] !== '4')
      return;
    if (s[1] === '5')           // binary event header: the frame follows
      return;
    if (s[1] !== '2')
      return;
    let i = 2;
    while (i < s.length && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57)
      i++;
    const id = s.slice(2, i);
    let arr;
    try {
      arr = JSON.parse(s.slice(i));
    } catch (e) {
      return;
    }
    if (!Array.isArray(arr))
      return;
    switch (arr[0]) {
      case 'up':
        up++;
        break;
      case 'up-done':
        ws.send(`43${id}[${up}]`);
        up = 0;
        break;
      case 'echo':
        ws.send(s);
        break;
      case 'ack':
        ws.send(`43${id}${JSON.stringify(arr.slice(1))}`);
        break;
      case 'down': {
        const n = count(arr[1]);
        for (let k = 0; k < n; k++)
          ws.send(`42["d",${k},"${PAYLOAD}"]`);
        ws.send(`42["down-done",${n}]`);
        break;
      }
      case 'bin-done':
        ws.send(`43${id}[${bin}]`);
        bin = 0;
        break;
      case 'bin-down': {
        const n = count(arr[1]);
        for (let k = 0; k < n; k++) {
          ws.send(BIN_HEADER);
          ws.send(BIN, { binary: true });
        }
        ws.send(`42["bin-down-done",${n}]`);
        break;
      }
    }
  });
  ws.on('error', () => {});
});

httpServer.on('upgrade', (req, socket, head) => {
  if (req.url === '/raw' || req.url.startsWith('/raw?')) {
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  }
});

httpServer.on('clientError', (err, socket) => socket.destroy());

function shutdown () {
  for (const ws of wss.clients)
    ws.terminate();
  io.close();
  httpServer.close();
  process.exit(0);
}

for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'])
  process.on(sig, shutdown);

try {
  const st = fs.fstatSync(0);
  if (st.isFIFO() || st.isSocket() || process.stdin.isTTY) {
    process.stdin.on('end', shutdown);
    process.stdin.on('error', shutdown);
    process.stdin.resume();
  }
} catch (e) {
  // no stdin at all
}

httpServer.maxConnections = 100000;
httpServer.listen({ host: '127.0.0.1', port, backlog: 4096 }, () => {
  process.stdout.write(`PORT ${httpServer.address().port}\n`);
});
