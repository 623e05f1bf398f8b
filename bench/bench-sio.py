#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""sio-glib benchmark client in Python (PyGObject through Sio-1.0.typelib).

Does exactly what bench-sio.c does (see bench/README.md):

    GI_TYPELIB_PATH=_build/sio-glib LD_LIBRARY_PATH=_build/sio-glib \\
        /usr/bin/python3 bench/bench-sio.py --url http://127.0.0.1:PORT \\
        [--events N] [--acks N] [--bin N] [--connects N] [--idle N] \\
        [--timeout S] [--only up,down,...]

CPU time is resource.getrusage(RUSAGE_SELF): user + system of this process.
"""

import argparse
import json
import resource
import sys
import time

import gi

gi.require_version('Sio', '1.0')
gi.require_version('Json', '1.0')
from gi.repository import GLib, Json, Sio  # noqa: E402

PAYLOAD = 'payload-xxxxxxxx'
BIN_SIZE = 64 * 1024

opts = None


def now_us():
    return time.monotonic_ns() // 1000


def cpu_us():
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return int((ru.ru_utime + ru.ru_stime) * 1e6)


def rss_kib():
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith('VmRSS:'):
                return int(line.split()[1])
    return -1


def emit_line(figure, value, unit, **extra):
    o = {'client': opts.name, 'figure': figure,
         'value': float('%.6g' % value), 'unit': unit}
    o.update(extra)
    print(json.dumps(o, separators=(',', ':')), flush=True)


def emit_error(figure, unit, msg):
    print(json.dumps({'client': opts.name, 'figure': figure, 'value': None,
                      'unit': unit, 'error': str(msg)}, separators=(',', ':')),
          flush=True)


class Failure(Exception):
    pass


def wait(cond, timeout_s=None):
    """Iterates the default main context until cond() or the timeout."""
    if timeout_s is None:
        timeout_s = opts.timeout
    ctx = GLib.MainContext.default()
    timed_out = [False]

    def on_timeout():
        timed_out[0] = True
        return GLib.SOURCE_REMOVE

    if cond():
        return True
    tid = GLib.timeout_add(int(timeout_s * 1000), on_timeout)
    while not cond() and not timed_out[0]:
        ctx.iteration(True)
    if not timed_out[0]:
        GLib.source_remove(tid)
    return cond()


def spin(ms):
    done = [False]

    def on_timeout():
        done[0] = True
        return GLib.SOURCE_REMOVE

    GLib.timeout_add(ms, on_timeout)
    ctx = GLib.MainContext.default()
    while not done[0]:
        ctx.iteration(True)


def new_client(session=None):
    client = Sio.Client.new_with_session(opts.url, session) if session else Sio.Client.new(opts.url)
    client.set_transports(['websocket'])
    client.set_reconnection(False)
    return client


def connect():
    client = new_client()
    st = {}

    def on_open(source, result):
        try:
            st['ok'] = source.open_finish(result)
        except GLib.Error as e:
            st['error'] = e.message
        st['done'] = True

    client.open_async(None, on_open)
    if not wait(lambda: 'done' in st):
        client.close()
        raise Failure('connect timed out')
    if 'error' in st:
        raise Failure('connect failed: ' + st['error'])
    return client


def drop(client):
    client.close()
    spin(20)


def args_array(*values):
    a = Json.Array.sized_new(len(values))
    for v in values:
        if isinstance(v, int):
            a.add_int_element(v)
        else:
            a.add_string_element(v)
    return a


def count_ack(client, event):
    st = {}

    def on_reply(source, result):
        try:
            args = source.emit_with_ack_finish(result)
            st['count'] = args.get_int_element(0) if args and args.get_length() else -1
        except GLib.Error as e:
            st['error'] = e.message
        st['done'] = True

    client.emit_with_ack(event, None, None, on_reply)
    return st


def pair(fig_rate, unit_rate, fig_cpu, body):
    try:
        rate, cpu = body()
        emit_line(fig_rate, rate, unit_rate)
        emit_line(fig_cpu, cpu, 'us/event')
    except Failure as e:
        emit_error(fig_rate, unit_rate, e)
        emit_error(fig_cpu, 'us/event', e)


def phase_up():
    n = opts.events

    def body():
        c = connect()
        t0, c0 = now_us(), cpu_us()
        for i in range(n):
            c.emit('up', args_array(i, PAYLOAD))
        st = count_ack(c, 'up-done')
        wait(lambda: 'done' in st)
        t1, c1 = now_us(), cpu_us()
        drop(c)
        if 'done' not in st:
            raise Failure('no up-done ack within %d s' % opts.timeout)
        if 'error' in st:
            raise Failure(st['error'])
        if st['count'] != n:
            raise Failure('server counted %d events, sent %d' % (st['count'], n))
        return n / ((t1 - t0) / 1e6), (c1 - c0) / n

    pair('up_throughput', 'events/s', 'up_cpu_per_event', body)


def phase_down():
    n = opts.events

    def body():
        c = connect()
        st = {'count': 0, 'sum': 0, 'done': False}

        def on_d(sock, event):
            st['sum'] += event.get_args().get_int_element(0)
            st['count'] += 1

        def on_done(sock, event):
            st['done'] = True

        c.connect('event::d', on_d)
        c.connect('event::down-done', on_done)
        t0, c0 = now_us(), cpu_us()
        c.emit('down', args_array(n))
        wait(lambda: st['done'])
        t1, c1 = now_us(), cpu_us()
        drop(c)
        if not st['done']:
            raise Failure('no down-done within %d s (%d of %d events)' % (opts.timeout, st['count'], n))
        if st['count'] != n or st['sum'] != n * (n - 1) // 2:
            raise Failure('received %d events, expected %d' % (st['count'], n))
        return n / ((t1 - t0) / 1e6), (c1 - c0) / n

    pair('down_throughput', 'events/s', 'down_cpu_per_event', body)


def phase_echo():
    n = opts.events

    def body():
        c = connect()
        st = {'count': 0}

        def on_echo(sock, event):
            st['count'] += 1

        c.connect('event::echo', on_echo)
        t0, c0 = now_us(), cpu_us()
        for i in range(n):
            c.emit('echo', args_array(i, PAYLOAD))
        wait(lambda: st['count'] >= n)
        t1, c1 = now_us(), cpu_us()
        drop(c)
        if st['count'] < n:
            raise Failure('%d of %d echoes within %d s' % (st['count'], n, opts.timeout))
        return n / ((t1 - t0) / 1e6), (c1 - c0) / n

    pair('echo_throughput', 'events/s', 'echo_cpu_per_event', body)


def phase_ack():
    n = opts.acks
    if n == 0:
        return
    try:
        c = connect()
        rtt = [0] * n

        def run(count, record):
            st = {'i': 0, 'done': False, 'error': None, 't0': 0}

            def send():
                st['t0'] = now_us()
                c.emit_with_ack('ack', args_array(st['i'], PAYLOAD), None, on_reply)

            def on_reply(source, result):
                try:
                    args = source.emit_with_ack_finish(result)
                except GLib.Error as e:
                    st['error'] = e.message
                    st['done'] = True
                    return
                if record:
                    rtt[st['i']] = now_us() - st['t0']
                if args is None or args.get_int_element(0) != st['i']:
                    st['error'] = 'ack %d: wrong reply' % st['i']
                    st['done'] = True
                    return
                st['i'] += 1
                if st['i'] == count:
                    st['done'] = True
                else:
                    send()

            send()
            wait(lambda: st['done'])
            if st['error']:
                raise Failure(st['error'])
            if not st['done']:
                raise Failure('%d of %d acks within %d s' % (st['i'], count, opts.timeout))

        run(min(100, n), False)
        c0 = cpu_us()
        run(n, True)
        c1 = cpu_us()
        drop(c)
        rtt.sort()

        def pct(p):
            return rtt[min(n, max(1, -(-p * n // 100))) - 1]

        emit_line('ack_rtt_p50', pct(50), 'us')
        emit_line('ack_rtt_p99', pct(99), 'us')
        emit_line('ack_cpu_per_roundtrip', (c1 - c0) / n, 'us/ack')
    except Failure as e:
        emit_error('ack_rtt_p50', 'us', e)
        emit_error('ack_rtt_p99', 'us', e)
        emit_error('ack_cpu_per_roundtrip', 'us/ack', e)


def phase_bin_up():
    n = opts.bin
    blob = GLib.Bytes.new(bytes(i & 0xff for i in range(BIN_SIZE)))
    placeholder = Json.from_string('[{"_placeholder":true,"num":0}]').get_array()

    def body():
        c = connect()
        t0, c0 = now_us(), cpu_us()
        for _ in range(n):
            c.emit_full('bin', placeholder, [blob], Sio.EmitFlags.NONE, -1, None, None)
        st = count_ack(c, 'bin-done')
        wait(lambda: 'done' in st)
        t1, c1 = now_us(), cpu_us()
        drop(c)
        if 'done' not in st:
            raise Failure('no bin-done ack within %d s' % opts.timeout)
        if 'error' in st:
            raise Failure(st['error'])
        if st['count'] != n:
            raise Failure('server counted %d binary events, sent %d' % (st['count'], n))
        return n * BIN_SIZE / ((t1 - t0) / 1e6) / 1e6, (c1 - c0) / max(n, 1)

    pair('bin_up_throughput', 'MB/s', 'bin_up_cpu_per_event', body)


def phase_bin_down():
    n = opts.bin

    def body():
        c = connect()
        st = {'count': 0, 'bad': 0, 'done': False}

        def on_b(sock, event):
            b = event.get_attachment(0)
            if b is None or b.get_size() != BIN_SIZE:
                st['bad'] += 1
            st['count'] += 1

        def on_done(sock, event):
            st['done'] = True

        c.connect('event::b', on_b)
        c.connect('event::bin-down-done', on_done)
        t0, c0 = now_us(), cpu_us()
        c.emit('bin-down', args_array(n))
        wait(lambda: st['done'])
        t1, c1 = now_us(), cpu_us()
        drop(c)
        if not st['done']:
            raise Failure('no bin-down-done within %d s (%d of %d)' % (opts.timeout, st['count'], n))
        if st['count'] != n or st['bad']:
            raise Failure('received %d binary events (%d bad), expected %d' % (st['count'], st['bad'], n))
        return n * BIN_SIZE / ((t1 - t0) / 1e6) / 1e6, (c1 - c0) / max(n, 1)

    pair('bin_down_throughput', 'MB/s', 'bin_down_cpu_per_event', body)


def phase_connect():
    n = opts.connects
    if n == 0:
        return
    try:
        drop(connect())
        times = []
        for _ in range(n):
            t0 = now_us()
            c = connect()
            times.append(now_us() - t0)
            drop(c)
        times.sort()
        emit_line('connect_time', sum(times) / n / 1000, 'ms', p50_ms=times[(n + 1) // 2 - 1] / 1000)
    except Failure as e:
        emit_error('connect_time', 'ms', e)


def phase_idle():
    n = opts.idle
    if n == 0:
        return
    clients = []
    try:
        drop(connect())
        spin(200)
        rss0 = rss_kib()
        st = {'finished': 0, 'failed': 0, 'first_error': None}

        def on_open(source, result):
            try:
                source.open_finish(result)
            except GLib.Error as e:
                st['failed'] += 1
                st['first_error'] = st['first_error'] or e.message
            st['finished'] += 1

        batch = 50
        for i in range(0, n, batch):
            end = min(n, i + batch)
            for _ in range(i, end):
                c = new_client()
                clients.append(c)
                c.open_async(None, on_open)
            if not wait(lambda: st['finished'] >= end):
                break
        if st['finished'] < n or st['failed']:
            raise Failure('%d of %d connections opened, %d failed (%s)'
                          % (st['finished'] - st['failed'], n, st['failed'], st['first_error']))
        spin(1000)
        rss1 = rss_kib()
        emit_line('rss_per_idle_connection', (rss1 - rss0) / n, 'KiB',
                  connections=n, rss_before_kib=rss0, rss_after_kib=rss1)
    except Failure as e:
        emit_error('rss_per_idle_connection', 'KiB', e)
    for c in clients:
        c.close()
    spin(200)


def main():
    global opts
    p = argparse.ArgumentParser(description='sio-glib benchmark client (PyGObject)')
    p.add_argument('--url', required=True)
    p.add_argument('--name', default='sio-glib-py')
    p.add_argument('--events', '-n', type=int, default=100000)
    p.add_argument('--acks', type=int, default=5000)
    p.add_argument('--bin', type=int, default=2000)
    p.add_argument('--connects', type=int, default=50)
    p.add_argument('--idle', type=int, default=1000)
    p.add_argument('--timeout', type=int, default=120)
    p.add_argument('--only', default=None)
    opts = p.parse_args()
    only = opts.only.split(',') if opts.only else None

    phases = [('up', phase_up), ('down', phase_down), ('echo', phase_echo),
              ('ack', phase_ack), ('bin-up', phase_bin_up), ('bin-down', phase_bin_down),
              ('connect', phase_connect), ('idle', phase_idle)]
    for name, fn in phases:
        if only is None or name in only:
            fn()
    return 0


if __name__ == '__main__':
    sys.exit(main())
