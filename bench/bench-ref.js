#!/usr/bin/env node
// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Reference client for the sio-glib benchmark suite: socket.io-client 4.x
// on Node, doing exactly what bench-sio.c does (see bench/README.md).
//
//   node bench/bench-ref.js --url http://127.0.0.1:PORT [--events N] [--acks N]
//        [--bin N] [--connects N] [--idle N] [--timeout S] [--only up,down,...]
//
// CPU time is process.cpuUsage() (getrusage RUSAGE_SELF: user + system of
// this process, all threads).  Run with --expose-gc for the idle-memory
// figure to collect garbage before each RSS reading.

'use strict';

const fs = require('fs');
const path = require('path');
const { io } = require(path.resolve(__dirname, '..', 'node_modules', 'socket.io-client'));

const PAYLOAD = 'payload-xxxxxxxx';
const BIN_SIZE = 64 * 1024;

const opts = {
  url: null, name: 'socket.io-client-js', events: 100000, acks: 5000, bin: 2000,
  connects: 50, idle: 1000, timeout: 120, only: null,
};
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i];
  const v = process.argv[i + 1];
  switch (a) {
    case '--url': opts.url = v; i++; break;
    case '--name': opts.name = v; i++; break;
    case '--events': case '-n': opts.events = parseInt(v, 10); i++; break;
    case '--acks': opts.acks = parseInt(v, 10); i++; break;
    case '--bin': opts.bin = parseInt(v, 10); i++; break;
    case '--connects': opts.connects = parseInt(v, 10); i++; break;
    case '--idle': opts.idle = parseInt(v, 10); i++; break;
    case '--timeout': opts.timeout = parseInt(v, 10); i++; break;
    case '--only': opts.only = v.split(','); i++; break;
    default:
      process.stderr.write(`bench-ref: unknown argument ${a}\n`);
      process.exit(2);
  }
}
if (!opts.url) {
  process.stderr.write('bench-ref: --url is required\n');
  process.exit(2);
}

function enabled (phase) {
  return opts.only === null || opts.only.includes(phase);
}

function nowUs () {
  return Number(process.hrtime.bigint() / 1000n);
}

function cpuUs () {
  const u = process.cpuUsage();
  return u.user + u.system;
}

function rssKib () {
  const m = /VmRSS:\s+(\d+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  return m ? parseInt(m[1], 10) : -1;
}

function print (figure, value, unit, extra) {
  const o = { client: opts.name, figure, value: Number(value.toPrecision(6)), unit };
  Object.assign(o, extra || {});
  process.stdout.write(JSON.stringify(o) + '\n');
}

function printError (figure, unit, msg) {
  process.stdout.write(JSON.stringify({ client: opts.name, figure, value: null, unit, error: String(msg) }) + '\n');
}

function withTimeout (promise, what) {
  let t;
  const timer = new Promise((resolve, reject) => {
    t = setTimeout(() => reject(new Error(`${what}: no completion within ${opts.timeout} s`)), opts.timeout * 1000);
  });
  return Promise.race([promise, timer]).finally(() => clearTimeout(t));
}

function connect () {
  const socket = io(opts.url, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
  });
  return withTimeout(new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (err) => { socket.close(); reject(err); });
  }), 'connect');
}

function settle () {
  return new Promise((resolve) => setTimeout(resolve, 20));
}

async function drop (socket) {
  socket.close();
  await settle();
}

async function pair (figRate, unitRate, figCpu, body) {
  try {
    const r = await body();
    print(figRate, r.rate, unitRate);
    print(figCpu, r.cpu, 'us/event');
  } catch (e) {
    printError(figRate, unitRate, e.message);
    printError(figCpu, 'us/event', e.message);
  }
}

async function phaseUp () {
  const n = opts.events;
  await pair('up_throughput', 'events/s', 'up_cpu_per_event', async () => {
    const s = await connect();
    const t0 = nowUs();
    const c0 = cpuUs();
    for (let i = 0; i < n; i++)
      s.emit('up', i, PAYLOAD);
    const count = await withTimeout(new Promise((resolve) => s.emit('up-done', resolve)), 'up-done');
    const t1 = nowUs();
    const c1 = cpuUs();
    await drop(s);
    if (count !== n)
      throw new Error(`server counted ${count} events, sent ${n}`);
    return { rate: n / ((t1 - t0) / 1e6), cpu: (c1 - c0) / n };
  });
}

async function phaseDown () {
  const n = opts.events;
  await pair('down_throughput', 'events/s', 'down_cpu_per_event', async () => {
    const s = await connect();
    let count = 0;
    let sum = 0;
    s.on('d', (i, p) => { sum += i; count++; });
    const t0 = nowUs();
    const c0 = cpuUs();
    const done = new Promise((resolve) => s.once('down-done', resolve));
    s.emit('down', n);
    await withTimeout(done, 'down-done');
    const t1 = nowUs();
    const c1 = cpuUs();
    await drop(s);
    if (count !== n || sum !== n * (n - 1) / 2)
      throw new Error(`received ${count} events, expected ${n}`);
    return { rate: n / ((t1 - t0) / 1e6), cpu: (c1 - c0) / n };
  });
}

async function phaseEcho () {
  const n = opts.events;
  await pair('echo_throughput', 'events/s', 'echo_cpu_per_event', async () => {
    const s = await connect();
    let count = 0;
    let resolveAll;
    const all = new Promise((resolve) => { resolveAll = resolve; });
    s.on('echo', () => { if (++count === n) resolveAll(); });
    const t0 = nowUs();
    const c0 = cpuUs();
    for (let i = 0; i < n; i++)
      s.emit('echo', i, PAYLOAD);
    if (n > 0)
      await withTimeout(all, `echo (${n})`).catch((e) => { throw new Error(`${count} of ${n} echoes: ${e.message}`); });
    const t1 = nowUs();
    const c1 = cpuUs();
    await drop(s);
    return { rate: n / ((t1 - t0) / 1e6), cpu: (c1 - c0) / n };
  });
}

async function phaseAck () {
  const n = opts.acks;
  if (n === 0)
    return;
  try {
    const s = await connect();
    const rtt = new Array(n);
    const run = (count, record) => withTimeout(new Promise((resolve, reject) => {
      let i = 0;
      const send = () => {
        const t0 = nowUs();
        s.emit('ack', i, PAYLOAD, (v, p) => {
          if (record)
            rtt[i] = nowUs() - t0;
          if (v !== i) {
            reject(new Error(`ack ${i}: wrong reply`));
            return;
          }
          if (++i === count)
            resolve();
          else
            send();
        });
      };
      send();
    }), 'acks');
    await run(Math.min(100, n), false);
    const c0 = cpuUs();
    await run(n, true);
    const c1 = cpuUs();
    await drop(s);
    rtt.sort((a, b) => a - b);
    const pct = (p) => rtt[Math.min(n, Math.max(1, Math.ceil(p / 100 * n))) - 1];
    print('ack_rtt_p50', pct(50), 'us');
    print('ack_rtt_p99', pct(99), 'us');
    print('ack_cpu_per_roundtrip', (c1 - c0) / n, 'us/ack');
  } catch (e) {
    printError('ack_rtt_p50', 'us', e.message);
    printError('ack_rtt_p99', 'us', e.message);
    printError('ack_cpu_per_roundtrip', 'us/ack', e.message);
  }
}

function blob () {
  const b = Buffer.alloc(BIN_SIZE);
  for (let i = 0; i < BIN_SIZE; i++)
    b[i] = i & 0xff;
  return b;
}

async function phaseBinUp () {
  const n = opts.bin;
  const b = blob();
  await pair('bin_up_throughput', 'MB/s', 'bin_up_cpu_per_event', async () => {
    const s = await connect();
    const t0 = nowUs();
    const c0 = cpuUs();
    for (let i = 0; i < n; i++)
      s.emit('bin', b);
    const count = await withTimeout(new Promise((resolve) => s.emit('bin-done', resolve)), 'bin-done');
    const t1 = nowUs();
    const c1 = cpuUs();
    await drop(s);
    if (count !== n)
      throw new Error(`server counted ${count} binary events, sent ${n}`);
    return { rate: n * BIN_SIZE / ((t1 - t0) / 1e6) / 1e6, cpu: (c1 - c0) / Math.max(n, 1) };
  });
}

async function phaseBinDown () {
  const n = opts.bin;
  await pair('bin_down_throughput', 'MB/s', 'bin_down_cpu_per_event', async () => {
    const s = await connect();
    let count = 0;
    let bad = 0;
    s.on('b', (data) => {
      if (!(data instanceof ArrayBuffer || Buffer.isBuffer(data)) || data.byteLength !== BIN_SIZE)
        bad++;
      count++;
    });
    const t0 = nowUs();
    const c0 = cpuUs();
    const done = new Promise((resolve) => s.once('bin-down-done', resolve));
    s.emit('bin-down', n);
    await withTimeout(done, 'bin-down-done');
    const t1 = nowUs();
    const c1 = cpuUs();
    await drop(s);
    if (count !== n || bad !== 0)
      throw new Error(`received ${count} binary events (${bad} bad), expected ${n}`);
    return { rate: n * BIN_SIZE / ((t1 - t0) / 1e6) / 1e6, cpu: (c1 - c0) / Math.max(n, 1) };
  });
}

async function phaseConnect () {
  const n = opts.connects;
  if (n === 0)
    return;
  try {
    await drop(await connect());        // warm-up
    const times = [];
    for (let i = 0; i < n; i++) {
      const t0 = nowUs();
      const s = await connect();
      times.push(nowUs() - t0);
      await drop(s);
    }
    const mean = times.reduce((a, b) => a + b, 0) / n / 1000;
    times.sort((a, b) => a - b);
    print('connect_time', mean, 'ms', { p50_ms: times[Math.ceil(n / 2) - 1] / 1000 });
  } catch (e) {
    printError('connect_time', 'ms', e.message);
  }
}

function gc () {
  if (global.gc)
    global.gc();
}

async function phaseIdle () {
  const n = opts.idle;
  if (n === 0)
    return;
  const sockets = [];
  try {
    await drop(await connect());
    await new Promise((resolve) => setTimeout(resolve, 200));
    gc();
    const rss0 = rssKib();
    const batch = 50;
    for (let i = 0; i < n; i += batch) {
      const ps = [];
      for (let k = i; k < Math.min(n, i + batch); k++)
        ps.push(connect().then((s) => sockets.push(s)));
      await Promise.all(ps);
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
    gc();
    const rss1 = rssKib();
    print('rss_per_idle_connection', (rss1 - rss0) / n, 'KiB',
      { connections: n, rss_before_kib: rss0, rss_after_kib: rss1 });
  } catch (e) {
    printError('rss_per_idle_connection', 'KiB', `${sockets.length} of ${n} connections opened: ${e.message}`);
  }
  for (const s of sockets)
    s.close();
  await new Promise((resolve) => setTimeout(resolve, 200));
}

(async () => {
  if (enabled('up')) await phaseUp();
  if (enabled('down')) await phaseDown();
  if (enabled('echo')) await phaseEcho();
  if (enabled('ack')) await phaseAck();
  if (enabled('bin-up')) await phaseBinUp();
  if (enabled('bin-down')) await phaseBinDown();
  if (enabled('connect')) await phaseConnect();
  if (enabled('idle')) await phaseIdle();
  process.exit(0);
})();
