#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""python-socketio test server for the sio-glib test suites.

Same behaviour and command line as tests/servers/node-server.js, built on
Debian 12's python-socketio 5.7 / python-engineio 4.3 AsyncServer with
aiohttp (Socket.IO protocol v5, Engine.IO v4).  Run it with /usr/bin/python3:

  /usr/bin/python3 tests/servers/python-server.py [--port N]
      [--ping-interval MS] [--ping-timeout MS]
      [--transports websocket,polling] [--max-payload BYTES]
      [--records-file PATH] [--verbose]

(--version 4 is accepted for symmetry; --recovery is accepted and ignored
with a warning: python-socketio 5.7 has no connection state recovery.)

It listens on 127.0.0.1 only, prints exactly one line "PORT <n>" on stdout
once it accepts connections, then logs to stderr only.  It exits on
SIGTERM / SIGINT / SIGHUP, and at end-of-file on stdin when stdin is a pipe,
a socket or a terminal.

Differences from the Node servers, inherent to python-socketio 5.7:
  * an unknown namespace is refused with CONNECT_ERROR whose payload is the
    plain string "Unable to connect" (not {"message": "Invalid namespace"});
  * the open packet has no "maxPayload" field;
  * ping interval/timeout are seconds in python-engineio (converted here
    from milliseconds, fractions allowed);
  * ack ids it allocates start at 1, not 0.
"""

import argparse
import asyncio
import json
import logging
import os
import signal
import stat
import sys

import socketio
from aiohttp import web
from engineio.async_drivers import aiohttp as engineio_aiohttp
from socketio.exceptions import ConnectionRefusedError as Refused


# python-engineio 4.3.4 under aiohttp reads the body of a polling POST with
# one StreamReader.read(length), which returns what has arrived so far: a
# body that comes in several TCP segments is cut short ("Incorrect padding",
# lost packets) depending on timing. The test server reads it whole, so the
# tests see the client, not that race.
class _WholeBody:
    def __init__(self, stream):
        self._stream = stream

    async def read(self, n=-1):
        if n is None or n < 0:
            return await self._stream.read()
        return await self._stream.readexactly(n)


_translate_request = engineio_aiohttp._async['translate_request']


def _translate_request_whole_body(request):
    environ = _translate_request(request)
    environ['wsgi.input'] = _WholeBody(environ['wsgi.input'])
    return environ


engineio_aiohttp._async['translate_request'] = _translate_request_whole_body

NAMESPACES = ('/', '/admin', '/auth')

log = logging.getLogger('python-server')


def parse_args(argv):
    def non_negative_int(text):
        try:
            value = int(text, 10)
        except ValueError:
            raise argparse.ArgumentTypeError('not an integer: %r' % text)
        if value < 0:
            raise argparse.ArgumentTypeError('must not be negative: %r' % text)
        return value

    def transport_list(text):
        items = [t.strip() for t in text.split(',') if t.strip()]
        if not items:
            raise argparse.ArgumentTypeError('empty transport list')
        for t in items:
            if t not in ('websocket', 'polling'):
                raise argparse.ArgumentTypeError('unknown transport %r' % t)
        return items

    p = argparse.ArgumentParser(prog='python-server.py',
                                description='python-socketio test server')
    p.add_argument('--version', type=int, choices=(4,), default=4,
                   help='server generation (only 4: Engine.IO v4)')
    p.add_argument('--port', type=non_negative_int, default=0)
    p.add_argument('--ping-interval', type=non_negative_int, metavar='MS')
    p.add_argument('--ping-timeout', type=non_negative_int, metavar='MS')
    p.add_argument('--transports', type=transport_list)
    p.add_argument('--max-payload', type=non_negative_int, metavar='BYTES')
    p.add_argument('--records-file', metavar='PATH',
                   help='also append every "record" value to PATH, one JSON line '
                        '{"pid", "nsp", "value"}, before acking it')
    p.add_argument('--recovery', action='store_true',
                   help='not supported by python-socketio 5.7 (ignored)')
    p.add_argument('--verbose', action='store_true',
                   default=bool(os.environ.get('SIO_SERVER_VERBOSE')))
    args = p.parse_args(argv)
    if args.port > 65535:
        p.error('--port out of range')
    return args


class TestServer(socketio.AsyncServer):
    """AsyncServer that emits "welcome" right after the CONNECT reply.

    Emitting from the connect handler would put the event on the wire
    before the CONNECT packet, so the emission is done once the base class
    has sent its reply (or refusal).
    """

    async def _handle_connect(self, eio_sid, namespace, data):
        await super()._handle_connect(eio_sid, namespace, data)
        namespace = namespace or '/'
        if namespace not in NAMESPACES:
            return
        sid = self.manager.sid_from_eio_sid(eio_sid, namespace)
        if sid is not None and self.manager.is_connected(sid, namespace):
            await self.emit('welcome', {'nsp': namespace, 'id': sid},
                            to=sid, namespace=namespace)


def binary_payload(n):
    return bytes(i % 256 for i in range(n))


def build_server(args):
    kwargs = {
        'async_mode': 'aiohttp',
        'cors_allowed_origins': '*',
        # Handle the Socket.IO packets of a connection in order.
        'async_handlers': False,
        'logger': False,
        'engineio_logger': False,
    }
    if args.ping_interval is not None:
        kwargs['ping_interval'] = args.ping_interval / 1000.0
    if args.ping_timeout is not None:
        kwargs['ping_timeout'] = args.ping_timeout / 1000.0
    if args.transports is not None:
        kwargs['transports'] = args.transports
    if args.max_payload is not None:
        kwargs['max_http_buffer_size'] = args.max_payload

    sio = TestServer(**kwargs)
    records = {name: [] for name in NAMESPACES}
    args_records_file = args.records_file

    def setup_namespace(name):
        def on(event):
            def decorator(func):
                sio.on(event, func, namespace=name)
                return func
            return decorator

        @on('connect')
        async def connect(sid, environ, auth=None):
            if name == '/auth':
                token = auth.get('token') if isinstance(auth, dict) else None
                if token != 'secret':
                    log.debug('refusing %s on /auth (auth %r)', sid, auth)
                    raise Refused('Not authorized', {'code': 401})
            log.debug('connect %s %s', name, sid)
            return True

        @on('disconnect')
        async def disconnect(sid):
            log.debug('disconnect %s %s', name, sid)

        @on('echo')
        async def echo(sid, *args):
            await sio.emit('echo', data=tuple(args), to=sid, namespace=name)
            return tuple(args)

        @on('ack')
        async def ack(sid, *args):
            return tuple(args)

        @on('ask')
        async def ask(sid, *args):
            if not args or not isinstance(args[0], str) or not args[0]:
                log.warning('ask: bad event name %r', args[0] if args else None)
                return None

            async def answered(*answer):
                log.debug('answer on %s from %s', name, sid)
                await sio.emit('answer', data=tuple(answer), to=sid,
                               namespace=name)

            await sio.emit(args[0], data=tuple(args[1:]), to=sid,
                           namespace=name, callback=answered)
            return None

        @on('broadcast')
        async def broadcast(sid, *args):
            await sio.emit('broadcast', data=tuple(args), namespace=name)
            return None

        @on('disconnect-me')
        async def disconnect_me(sid, *args):
            await sio.disconnect(sid, namespace=name)

        @on('close-engine')
        async def close_engine(sid, *args):
            # Like socket.disconnect(true) in Node: DISCONNECT every
            # namespace of the connection, then close it.
            eio_sid = sio.manager.eio_sid_from_sid(sid, name)
            if eio_sid is None:
                return
            for ns in list(sio.manager.get_namespaces()):
                ns_sid = sio.manager.sid_from_eio_sid(eio_sid, ns)
                if ns_sid is not None and sio.manager.is_connected(ns_sid, ns):
                    await sio.disconnect(ns_sid, namespace=ns)
            # Engine.IO close waits for its queue to drain: not in the
            # packet handler.
            sio.start_background_task(sio.eio.disconnect, eio_sid)

        @on('close-transport')
        async def close_transport(sid, *args):
            # Close the Engine.IO session without any Socket.IO DISCONNECT.
            eio_sid = sio.manager.eio_sid_from_sid(sid, name)
            if eio_sid is not None:
                sio.start_background_task(sio.eio.disconnect, eio_sid)

        @on('record')
        async def record(sid, *args):
            value = args[0] if args else None
            records[name].append(value)
            if args_records_file is not None:
                with open(args_records_file, 'a') as f:
                    f.write(json.dumps({'pid': os.getpid(), 'nsp': name,
                                        'value': value}) + '\n')
            return (value,)

        @on('get-records')
        async def get_records(sid, *args):
            return (list(records[name]),)

        @on('clear-records')
        async def clear_records(sid, *args):
            records[name].clear()
            return None

        @on('binary')
        async def binary(sid, *args):
            n = args[0] if args else 0
            if isinstance(n, float) and n.is_integer():
                n = int(n)
            if not isinstance(n, int) or isinstance(n, bool) or n < 0:
                log.warning('binary: bad size %r', n)
                n = 0
            await sio.emit('binary', {'size': n, 'data': binary_payload(n)},
                           to=sid, namespace=name)
            return None

        @on('server-info')
        async def server_info(sid, *args):
            return ({'version': 'python-socketio ' + socketio_version(),
                     'eio': 4},)

        @on('socket-info')
        async def socket_info(sid, *args):
            eio_sid = sio.manager.eio_sid_from_sid(sid, name)
            environ = sio.environ.get(eio_sid, {})
            transport = None
            eio_socket = sio.eio.sockets.get(eio_sid)
            if eio_socket is not None:
                transport = 'websocket' if eio_socket.upgraded else 'polling'
            request = environ.get('aiohttp.request')
            return ({'nsp': name, 'id': sid, 'recovered': False,
                     'transport': transport, 'engine_id': eio_sid,
                     'query': dict(request.query) if request is not None
                     else {},
                     'auth': None,
                     'headers': {k.lower(): v for k, v in
                                 request.headers.items()}
                     if request is not None else {}},)

    for ns in NAMESPACES:
        setup_namespace(ns)
    return sio


def socketio_version():
    try:
        from importlib.metadata import version
        return version('python-socketio')
    except Exception:  # pragma: no cover
        return 'unknown'


def stdin_is_watchable():
    try:
        mode = os.fstat(0).st_mode
    except OSError:
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode) or os.isatty(0)


async def main(args):
    if args.recovery:
        log.warning('--recovery is not supported by python-socketio 5.7; '
                    'ignored')
    sio = build_server(args)
    app = web.Application()

    sio.attach(app)

    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, '127.0.0.1', args.port, reuse_address=True)
    try:
        await site.start()
    except OSError as exc:
        log.error('cannot listen on 127.0.0.1:%d: %s', args.port, exc)
        await runner.cleanup()
        return 1

    loop = asyncio.get_running_loop()
    stop = asyncio.Event()

    def request_stop(why):
        if not stop.is_set():
            log.debug('exiting: %s', why)
            stop.set()

    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        loop.add_signal_handler(sig, request_stop, sig.name)

    if stdin_is_watchable():
        def on_stdin():
            try:
                data = os.read(0, 4096)
            except OSError:
                data = b''
            if not data:
                loop.remove_reader(0)
                request_stop('stdin EOF')
        loop.add_reader(0, on_stdin)

    # Only now: whoever reads this line may signal us right away.
    port = runner.addresses[0][1]
    sys.stdout.write('PORT %d\n' % port)
    sys.stdout.flush()
    log.info('python-socketio %s (EIO 4) listening on http://127.0.0.1:%d',
             socketio_version(), port)

    await stop.wait()
    try:
        await asyncio.wait_for(runner.cleanup(), timeout=1.0)
    except (asyncio.TimeoutError, Exception):  # noqa: B014
        pass
    return 0


if __name__ == '__main__':
    arguments = parse_args(sys.argv[1:])
    logging.basicConfig(
        stream=sys.stderr,
        level=logging.DEBUG if arguments.verbose else logging.INFO,
        format='[python-server pid %d] %%(message)s' % os.getpid())
    if not arguments.verbose:
        # aiohttp / engineio chatter only with --verbose
        logging.getLogger('aiohttp').setLevel(logging.WARNING)
        logging.getLogger('engineio').setLevel(logging.WARNING)
        logging.getLogger('socketio').setLevel(logging.WARNING)
    sys.exit(asyncio.run(main(arguments)) or 0)
