#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A small HTTP proxy for the sio-glib deployment tests.

    /usr/bin/python3 tests/servers/http-proxy.py [--port N] [--refuse] [--no-websocket]
                                                 [--verbose]

It listens on 127.0.0.1 only and prints exactly one line "PORT <n>" on
stdout once it accepts connections (the protocol of tests/servers/harness.py),
then logs on stderr (one line per request with --verbose).  It exits on SIGTERM and
when its stdin (a pipe) reaches end-of-file.

What it relays, one request per client connection:

  * CONNECT host:port  -> "200 Connection established", then a raw tunnel
                          (TLS to an https:// server);
  * an absolute-URI request (GET http://host:port/path HTTP/1.1, POST ...;
    also ws://, which libsoup 3.2 sends for a WebSocket handshake through
    an HTTP proxy: it tunnels only https and wss)
                       -> the same request in origin form to host:port, with
                          "Connection: close" (or the client's Upgrade, for a
                          WebSocket handshake), then both directions are
                          copied until one side closes: the server's answer
                          says "Connection: close", so the client opens a new
                          connection for its next request.

Only loopback targets are accepted (403 otherwise).  With --refuse every
request is answered "403 Forbidden" instead; with --no-websocket only the
requests asking for an Upgrade are (a corporate proxy that blocks
WebSocket).

A request in origin form for /__stats (not a proxied request) is answered
with the counters as JSON: {"connect": n, "forward": n, "upgrade": n,
"refused": n} -- "forward" counts the plain requests, "upgrade" the
forwarded WebSocket handshakes.

Standard library only; meant for /usr/bin/python3.
"""

import argparse
import asyncio
import json
import os
import signal
import sys
import urllib.parse

LOOPBACK = ('127.0.0.1', 'localhost', '::1')
HEAD_LIMIT = 64 * 1024
HOP_BY_HOP = ('connection', 'proxy-connection', 'keep-alive',
              'proxy-authorization', 'te', 'trailer')

stats = {'connect': 0, 'forward': 0, 'upgrade': 0, 'refused': 0}


VERBOSE = False


def debug(message):
    if VERBOSE:
        log(message)


def log(message):
    sys.stderr.write('[http-proxy pid %d] %s\n' % (os.getpid(), message))
    sys.stderr.flush()


async def answer(writer, status, body):
    data = body.encode()
    writer.write(('HTTP/1.1 %s\r\nContent-Type: text/plain\r\n'
                  'Content-Length: %d\r\nConnection: close\r\n\r\n'
                  % (status, len(data))).encode() + data)
    try:
        await writer.drain()
    finally:
        writer.close()


async def copy(reader, writer):
    try:
        while True:
            chunk = await reader.read(65536)
            if not chunk:
                break
            writer.write(chunk)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        writer.close()


async def splice(client_reader, client_writer, upstream_reader,
                 upstream_writer):
    """Copies both ways; when either direction ends, both are closed."""
    tasks = [asyncio.ensure_future(copy(client_reader, upstream_writer)),
             asyncio.ensure_future(copy(upstream_reader, client_writer))]
    await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    client_writer.close()
    upstream_writer.close()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


def split_host_port(authority, default_port):
    """'host:port' or '[v6]:port' -> (host, port); ValueError if bad."""
    if authority.startswith('['):
        host, _, rest = authority[1:].partition(']')
        return host, int(rest[1:]) if rest.startswith(':') else default_port
    host, sep, port = authority.rpartition(':')
    return (host, int(port)) if sep else (authority, default_port)


async def handle(reader, writer, refuse, no_websocket=False):
    try:
        head = await reader.readuntil(b'\r\n\r\n')
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError,
            ConnectionError):
        writer.close()
        return
    lines = head.decode('latin-1').split('\r\n')
    try:
        method, target, version = lines[0].split(' ')
    except ValueError:
        await answer(writer, '400 Bad Request', 'bad request line\n')
        return
    headers = []
    for line in lines[1:]:
        if line:
            name, _, value = line.partition(':')
            headers.append((name.strip(), value.strip()))

    if method == 'GET' and target == '/__stats':
        await answer(writer, '200 OK', json.dumps(stats))
        return
    if refuse:
        stats['refused'] += 1
        debug('refused %s %s' % (method, target))
        await answer(writer, '403 Forbidden', 'this proxy refuses\n')
        return
    if no_websocket and any(n.lower() == 'upgrade' for n, _ in headers):
        stats['refused'] += 1
        debug('refused WebSocket %s %s' % (method, target))
        await answer(writer, '403 Forbidden', 'no WebSocket through this proxy\n')
        return

    try:
        if method == 'CONNECT':
            host, port = split_host_port(target, 443)
            path = None
        else:
            url = urllib.parse.urlsplit(target)
            if url.scheme not in ('http', 'ws') or not url.hostname:
                raise ValueError(target)
            host = url.hostname
            port = url.port or 80
            path = url.path or '/'
            if url.query:
                path += '?' + url.query
    except ValueError:
        await answer(writer, '400 Bad Request', 'not a proxy request\n')
        return
    if host not in LOOPBACK:
        stats['refused'] += 1
        await answer(writer, '403 Forbidden', 'loopback targets only\n')
        return

    try:
        up_reader, up_writer = await asyncio.open_connection(
            host.strip('[]'), port)
    except OSError as exc:
        await answer(writer, '502 Bad Gateway', '%s\n' % exc)
        return

    if method == 'CONNECT':
        stats['connect'] += 1
        debug('CONNECT %s:%d' % (host, port))
        writer.write(b'HTTP/1.1 200 Connection established\r\n\r\n')
        await writer.drain()
    else:
        upgrade = any(n.lower() == 'upgrade' for n, _ in headers)
        stats['upgrade' if upgrade else 'forward'] += 1
        debug('%s %s%s' % (method, target, ' (upgrade)' if upgrade else ''))
        out = ['%s %s %s' % (method, path, version)]
        out += ['%s: %s' % (n, v) for n, v in headers
                if n.lower() not in HOP_BY_HOP]
        out.append('Connection: %s' % ('Upgrade' if upgrade else 'close'))
        up_writer.write(('\r\n'.join(out) + '\r\n\r\n').encode('latin-1'))
        await up_writer.drain()
    await splice(reader, writer, up_reader, up_writer)


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--port', type=int, default=0)
    parser.add_argument('--refuse', action='store_true')
    parser.add_argument('--no-websocket', action='store_true')
    parser.add_argument('--verbose', action='store_true')
    args = parser.parse_args()
    global VERBOSE
    VERBOSE = args.verbose or bool(os.environ.get('SIO_SERVER_VERBOSE'))

    server = await asyncio.start_server(
        lambda r, w: handle(r, w, args.refuse, args.no_websocket), '127.0.0.1', args.port,
        limit=HEAD_LIMIT)
    port = server.sockets[0].getsockname()[1]
    sys.stdout.write('PORT %d\n' % port)
    sys.stdout.flush()
    log('listening on 127.0.0.1:%d%s' % (port, ' (refusing)' if args.refuse
                                          else ''))

    loop = asyncio.get_running_loop()
    done = loop.create_future()
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        loop.add_signal_handler(sig, lambda: done.done() or
                                done.set_result(None))
    if not sys.stdin.isatty():
        def on_stdin():
            if not os.read(sys.stdin.fileno(), 4096):
                loop.remove_reader(sys.stdin.fileno())
                if not done.done():
                    done.set_result(None)
        try:
            loop.add_reader(sys.stdin.fileno(), on_stdin)
        except (ValueError, OSError, PermissionError):
            pass  # /dev/null or a regular file: no end-of-file watch
    await done
    server.close()


if __name__ == '__main__':
    asyncio.run(main())
