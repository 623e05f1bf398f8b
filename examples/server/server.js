#!/usr/bin/env node
// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Demo Socket.IO 4.x server for the sio-glib examples and README.
//
//   node examples/server/server.js [--port N] [--exit-on-stdin-eof]
//
// The port comes from --port, else from the PORT environment variable, else
// 3000; 0 picks a free port.  It listens on 127.0.0.1 only and prints
//   PORT <n>
//   Demo server listening on http://127.0.0.1:<n>
// on stdout.
//
// On "/" and "/admin":
//   on connection  emits "welcome" {nsp, id, message}
//   every second   emits "tick" {n, time} to every client
//   "chat" text    relays "chat" {from: <socket id>, text} to every client
//                  (and acks {delivered: true, at} when asked)
//   "ping" ...args acks with ("pong", ...args)
//
// It uses socket.io from the node_modules of the source tree root
// (`npm ci` there).

'use strict';

const http = require('http');
const { Server } = require('socket.io');

function usage (msg) {
  if (msg)
    console.error(`server.js: ${msg}`);
  console.error('usage: node server.js [--port N] [--exit-on-stdin-eof]');
  process.exit(2);
}

let port = process.env.PORT !== undefined && process.env.PORT !== '' ? process.env.PORT : '3000';
let exitOnStdinEof = false;
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const arg = argv[i];
  if (arg === '--port') {
    if (i + 1 >= argv.length)
      usage('--port needs a value');
    port = argv[++i];
  } else if (arg.startsWith('--port=')) {
    port = arg.slice('--port='.length);
  } else if (arg === '--exit-on-stdin-eof') {
    exitOnStdinEof = true;
  } else if (arg === '--help' || arg === '-h') {
    usage();
  } else {
    usage(`unknown argument ${arg}`);
  }
}
if (!/^\d+$/.test(String(port)) || Number(port) > 65535)
  usage(`bad port ${port}`);
port = Number(port);

const httpServer = http.createServer((req, res) => {
  res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
  res.end('sio-glib demo server: connect a Socket.IO client to this URL ' +
          '(namespaces "/" and "/admin")\n');
});
const io = new Server(httpServer, { serveClient: false });

let tick = 0;
const namespaces = ['/', '/admin'].map((name) => {
  const nsp = io.of(name);
  nsp.on('connection', (socket) => {
    console.error(`[${name}] ${socket.id} connected (${socket.conn.transport.name})`);
    socket.emit('welcome', {
      nsp: name,
      id: socket.id,
      message: `Welcome to the sio-glib demo server (${name})`,
    });

    socket.on('chat', (text, ...rest) => {
      const ack = typeof rest[rest.length - 1] === 'function' ? rest.pop() : null;
      nsp.emit('chat', { from: socket.id, text: String(text) });
      if (ack)
        ack({ delivered: true, at: new Date().toISOString() });
    });

    socket.on('ping', (...args) => {
      const ack = typeof args[args.length - 1] === 'function' ? args.pop() : null;
      if (ack)
        ack('pong', ...args);
    });

    socket.on('disconnect', (reason) => {
      console.error(`[${name}] ${socket.id} disconnected: ${reason}`);
    });
  });
  return nsp;
});

const timer = setInterval(() => {
  tick++;
  const payload = { n: tick, time: new Date().toISOString() };
  for (const nsp of namespaces)
    nsp.emit('tick', payload);
}, 1000);

let exiting = false;
function shutdown (why) {
  if (exiting)
    return;
  exiting = true;
  console.error(`Demo server exiting (${why})`);
  clearInterval(timer);
  setTimeout(() => process.exit(0), 300).unref();
  io.close(() => process.exit(0));
}
for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'])
  process.on(sig, () => shutdown(sig));

if (exitOnStdinEof) {
  process.stdin.on('data', () => {});
  process.stdin.on('end', () => shutdown('stdin EOF'));
  process.stdin.on('error', () => shutdown('stdin error'));
  process.stdin.resume();
}

httpServer.on('error', (err) => {
  console.error(`Cannot listen on 127.0.0.1:${port}: ${err.message}`);
  process.exit(1);
});
httpServer.listen(port, '127.0.0.1', () => {
  const actual = httpServer.address().port;
  process.stdout.write(`PORT ${actual}\nDemo server listening on http://127.0.0.1:${actual}\n`);
});
