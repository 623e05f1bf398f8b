# SPDX-License-Identifier: LGPL-2.1-or-later
"""sio-glib as deployed: TLS, an HTTP proxy, extra headers, query
parameters and cookies, against socket.io 4.x (tests/servers/node-server.js).

Meson runs this file in the "deploy" suite, not with the other binding
tests.  By hand:

    GI_TYPELIB_PATH=_build/sio-glib LD_LIBRARY_PATH=_build/sio-glib \\
        /usr/bin/python3 -m pytest -q -p no:cacheprovider \\
        tests/python/test_deploy.py

It needs `openssl` (certificates are made at test time) and the npm
packages (`npm ci`); scripts/install-deps.sh installs both.

Tests marked "[upgrade]" below need the polling -> WebSocket upgrade.
"""

import json
import os

import gi
import pytest

from conftest import (GLib, Gio, Recorder, Sio, array_to_py,
                      json_array, open_and_wait, start_server)
from deploy import make_certificates, proxy_stats, start_proxy

gi.require_version('Soup', '3.0')
from gi.repository import Soup  # noqa: E402

COOKIE = 'sio_test=c00kie-1'
HEADER = ('X-Sio-Deploy', 'header value 1')
QUERY = ('deploy', 'q-value-1')

TRANSPORTS = {
    'websocket': ['websocket'],
    'polling': ['polling'],
}


def is_sio_error(err, code):
    return isinstance(err, GLib.Error) and \
        err.matches(Sio.error_quark(), code)


# ---- fixtures ------------------------------------------------------------------

@pytest.fixture(scope='module')
def certs(tmp_path_factory):
    return make_certificates(tmp_path_factory.mktemp('tls'))


@pytest.fixture(scope='module')
def tls_server(certs):
    with start_server('node4', '--tls-cert', certs.cert,
                      '--tls-key', certs.key) as server:
        yield server


@pytest.fixture(scope='module')
def plain_server():
    with start_server('node4') as server:
        yield server


@pytest.fixture(scope='module')
def proxy():
    with start_proxy() as p:
        yield p


@pytest.fixture(scope='module')
def refusing_proxy():
    with start_proxy('--refuse') as p:
        yield p


@pytest.fixture
def clients(loop):
    """new(uri, transports, session=None) -> (client, recorder); every
    client is closed at teardown."""
    made = []

    class Factory:
        @staticmethod
        def new(uri, transports, session=None):
            if session is None:
                client = Sio.Client.new(uri)
            else:
                client = Sio.Client.new_with_session(uri, session)
            client.set_transports(transports)
            client.set_reconnection_delay(100)
            client.set_reconnection_delay_max(500)
            rec = Recorder()
            rec.watch(client)
            made.append((client, rec))
            return client, rec

    yield Factory
    for client, rec in made:
        client.close()
        rec.unwatch()
    loop.drain()


def trusting_session(certs, proxy_port=None):
    """A SoupSession that trusts the test CA (and goes through the proxy
    on @proxy_port, if given)."""
    props = {'tls_database': Gio.TlsFileDatabase.new(certs.ca)}
    if proxy_port is not None:
        props['proxy_resolver'] = Gio.SimpleProxyResolver.new(
            'http://127.0.0.1:%d' % proxy_port, None)
    return Soup.Session(**props)


def ack(loop, client, event, args):
    """emit_with_ack and wait: the ack's args as Python values."""
    _source, result, _ = loop.call(
        lambda cb: client.emit_with_ack(event, json_array(args), None, cb,
                                        None), what='ack of %r' % event)
    return array_to_py(client.emit_with_ack_finish(result))


def wait_failure(loop, rec):
    loop.run_until(lambda: rec.connect_errors or rec.connected,
                   what='connect-error')
    assert rec.connected == 0
    assert len(rec.connect_errors) == 1
    return rec.connect_errors[0][0]


def exchange(loop, client, rec, tag):
    """Events and acks flow: an ack round trip, an echo event, and the
    server's view of the transport.  Returns socket-info."""
    assert ack(loop, client, 'ack', [tag, {'n': 1}]) == [tag, {'n': 1}]
    n = len(rec.named('echo'))
    client.emit_json('echo', json.dumps([tag, 2]))
    assert rec.wait_event(loop, 'echo', n + 1).get_args_json() == \
        json.dumps([tag, 2], separators=(',', ':'))
    info = ack(loop, client, 'socket-info', [])[0]
    assert info['id'] == client.props.id
    assert info['transport'] == client.props.transport
    return info


# ---- TLS -----------------------------------------------------------------------

@pytest.mark.parametrize('transports', ['websocket', 'polling', 'default'])
def test_tls_untrusted_certificate_refused(tls_server, clients, loop,
                                           transports):
    """A private session trusts the system CAs only: the test CA's
    certificate is refused with a transport error naming the certificate,
    and nothing is left behind."""
    url = 'https://127.0.0.1:%d/' % tls_server.port
    c, rec = clients.new(url, TRANSPORTS.get(transports,
                                             ['websocket', 'polling']))
    c.set_reconnection(False)
    c.open()
    err = wait_failure(loop, rec)
    assert is_sio_error(err, Sio.Error.TRANSPORT), err
    assert 'certificate' in err.message.lower(), err.message
    assert c.props.state == Sio.ClientState.CLOSED
    assert c.props.connected is False
    assert rec.reconnect_attempts == []
    # no retry happens later either
    loop.spin(0.3)
    assert rec.reconnect_attempts == [] and rec.connected == 0


@pytest.mark.parametrize('scheme', ['https', 'wss'])
@pytest.mark.parametrize('transports', ['websocket', 'polling'])
def test_tls_trusted_ca(certs, tls_server, clients, loop, transports,
                        scheme):
    """A session whose tls-database trusts the test CA connects; events and
    acks flow."""
    url = '%s://127.0.0.1:%d/' % (scheme, tls_server.port)
    c, rec = clients.new(url, TRANSPORTS[transports], trusting_session(certs))
    open_and_wait(loop, c, rec)
    assert c.props.transport == transports
    welcome = rec.wait_event(loop, 'welcome')
    assert json.loads(welcome.get_args_json()) == \
        [{'nsp': '/', 'id': c.props.id}]
    info = exchange(loop, c, rec, 'tls')
    assert info['transport'] == transports


# ---- proxy ---------------------------------------------------------------------

def relayed(stats):
    return stats['connect'] + stats['forward'] + stats['upgrade']


@pytest.mark.parametrize('scheme', ['http', 'https'])
@pytest.mark.parametrize('transports', ['websocket', 'polling'])
def test_proxy(certs, plain_server, tls_server, proxy, clients, loop,
               transports, scheme):
    """Through an HTTP proxy (https: CONNECT tunnels; http: absolute-URI
    requests): the proxy relays every request, events and acks flow."""
    server = tls_server if scheme == 'https' else plain_server
    url = '%s://127.0.0.1:%d/' % (scheme, server.port)
    before = proxy_stats(proxy)
    c, rec = clients.new(url, TRANSPORTS[transports],
                         trusting_session(certs, proxy.port))
    open_and_wait(loop, c, rec)
    assert c.props.transport == transports
    exchange(loop, c, rec, 'proxy')
    after = proxy_stats(proxy)
    if scheme == 'https':
        assert after['connect'] > before['connect'], (before, after)
    elif transports == 'websocket':
        assert after['upgrade'] > before['upgrade'], (before, after)
    else:
        # handshake GET, CONNECT POST, at least one poll, the emits' POSTs
        assert after['forward'] - before['forward'] >= 4, (before, after)
    assert after['refused'] == before['refused']


@pytest.mark.parametrize('scheme', ['http', 'https'])
@pytest.mark.parametrize('transports', ['websocket', 'polling', 'default'])
def test_proxy_refuses(certs, plain_server, tls_server, refusing_proxy,
                       clients, loop, transports, scheme):
    """A proxy answering 403 gives a transport error saying so."""
    server = tls_server if scheme == 'https' else plain_server
    url = '%s://127.0.0.1:%d/' % (scheme, server.port)
    before = proxy_stats(refusing_proxy)
    c, rec = clients.new(url, TRANSPORTS.get(transports,
                                             ['websocket', 'polling']),
                         trusting_session(certs, refusing_proxy.port))
    c.set_reconnection(False)
    c.open()
    err = wait_failure(loop, rec)
    assert is_sio_error(err, Sio.Error.TRANSPORT), err
    assert '403' in err.message, err.message
    assert c.props.state == Sio.ClientState.CLOSED
    assert proxy_stats(refusing_proxy)['refused'] > before['refused']


@pytest.fixture(scope='module')
def no_websocket_proxy():
    with start_proxy('--no-websocket') as p:
        yield p


def test_proxy_blocks_websocket_upgrade(certs, plain_server, no_websocket_proxy,
                                        clients, loop):
    """A proxy that lets polling through but refuses WebSocket: the client
    starts on polling, its upgrade probe is refused, and it stays on
    polling without losing the session."""
    url = 'http://127.0.0.1:%d/' % plain_server.port
    before = proxy_stats(no_websocket_proxy)
    c, rec = clients.new(url, ['polling', 'websocket'],
                         trusting_session(certs, no_websocket_proxy.port))
    open_and_wait(loop, c, rec)
    loop.run_until(lambda: proxy_stats(no_websocket_proxy)['refused'] > before['refused'],
                   what='the refused upgrade probe')
    info = exchange(loop, c, rec, 'no-ws')
    assert info['transport'] == 'polling'
    assert c.props.transport == 'polling'
    assert rec.disconnected == []
    # one probe per connection
    loop.spin(0.5)
    assert proxy_stats(no_websocket_proxy)['refused'] == before['refused'] + 1


def test_proxy_blocks_websocket_fallback(certs, plain_server, no_websocket_proxy,
                                         clients, loop):
    """WebSocket first (the default order) through that proxy: the refused
    WebSocket falls back to polling, which is not upgraded again."""
    url = 'http://127.0.0.1:%d/' % plain_server.port
    before = proxy_stats(no_websocket_proxy)
    c, rec = clients.new(url, ['websocket', 'polling'],
                         trusting_session(certs, no_websocket_proxy.port))
    open_and_wait(loop, c, rec)
    assert c.props.transport == 'polling'
    exchange(loop, c, rec, 'fallback')
    loop.spin(0.5)
    assert proxy_stats(no_websocket_proxy)['refused'] == before['refused'] + 1
    assert rec.disconnected == []


# ---- headers, query parameters, cookies ---------------------------------------------

@pytest.fixture
def logged_server(tmp_path):
    """A server logging every request it gets, setting COOKIE on each
    Engine.IO handshake.  Yields (server, read_log)."""
    path = os.path.join(str(tmp_path), 'requests.log')
    with start_server('node4', '--request-log', path,
                      '--set-cookie', COOKIE) as server:
        def read_log():
            if not os.path.exists(path):
                return []
            with open(path) as f:
                return [json.loads(line) for line in f if line.strip()]
        yield server, read_log


def customized(clients, server, transports):
    c, rec = clients.new(server.url(), transports)
    c.set_header(*HEADER)
    c.set_query_param(*QUERY)
    return c, rec


def query_of(entry):
    from urllib.parse import parse_qs, urlsplit
    return parse_qs(urlsplit(entry['url']).query)


def check_custom(entry):
    """The extra header and query parameter are on this request."""
    assert entry['headers'].get(HEADER[0].lower()) == HEADER[1], entry
    assert query_of(entry).get(QUERY[0]) == [QUERY[1]], entry


def has_cookie(entry):
    cookies = [c.strip() for c in entry['headers'].get('cookie', '').split(';')]
    return COOKIE in cookies


def handshakes(entries):
    """Requests that open an Engine.IO session (no sid)."""
    return [e for e in entries if 'sid' not in query_of(e)]


def test_headers_query_cookie_polling(logged_server, clients, loop):
    """Polling: the header and the query parameter are on every GET and
    POST; the cookie the handshake set comes back on every later request,
    also after a reconnection."""
    server, read_log = logged_server
    c, rec = customized(clients, server, ['polling'])
    open_and_wait(loop, c, rec)
    for i in range(3):
        exchange(loop, c, rec, 'poll-%d' % i)
    # a new Engine.IO session: the jar still has the cookie
    c.emit_json('close-transport', None)
    loop.run_until(lambda: rec.reconnected, what='reconnected')
    exchange(loop, c, rec, 'after')
    c.close()
    loop.drain()

    entries = read_log()
    assert all(e['kind'] == 'http' for e in entries), entries
    methods = [e['method'] for e in entries]
    assert methods.count('POST') >= 6 and methods.count('GET') >= 6, methods
    for e in entries:
        check_custom(e)
    opening = handshakes(entries)
    assert len(opening) == 2, opening
    assert entries[0] is opening[0] and not has_cookie(entries[0])
    later = [e for e in entries if e is not entries[0]]
    missing = [e for e in later if not has_cookie(e)]
    assert not missing, missing


def test_headers_query_cookie_websocket(logged_server, clients, loop):
    """WebSocket: the header and the query parameter are on every
    handshake; the cookie set on the first handshake comes back on the
    next one (after a reconnection)."""
    server, read_log = logged_server
    c, rec = customized(clients, server, ['websocket'])
    open_and_wait(loop, c, rec)
    info = exchange(loop, c, rec, 'ws')
    # the server sees them too (socket.handshake)
    assert info['headers'].get(HEADER[0].lower()) == HEADER[1]
    assert info['query'].get(QUERY[0]) == QUERY[1]
    c.emit_json('close-transport', None)
    loop.run_until(lambda: rec.reconnected, what='reconnected')
    info = exchange(loop, c, rec, 'ws-again')
    assert COOKIE in info['headers'].get('cookie', '')
    c.close()
    loop.drain()

    entries = read_log()
    assert [e['kind'] for e in entries] == ['upgrade', 'upgrade'], entries
    for e in entries:
        check_custom(e)
    assert not has_cookie(entries[0])
    assert has_cookie(entries[1]), entries[1]


def test_headers_query_cookie_upgrade(logged_server, clients, loop):
    """[upgrade] Polling then WebSocket: the upgrade's WebSocket handshake
    carries the header, the query parameter and the cookie that the
    polling handshake set."""
    server, read_log = logged_server
    c, rec = customized(clients, server, ['polling', 'websocket'])
    open_and_wait(loop, c, rec)
    loop.run_until(lambda: c.props.transport == 'websocket',
                   what='the upgrade to websocket')
    info = exchange(loop, c, rec, 'upgraded')
    assert info['transport'] == 'websocket'
    engine_id = c.props.engine_id
    assert rec.connected == 1 and rec.reconnect_attempts == []
    c.close()
    loop.drain()

    entries = read_log()
    for e in entries:
        check_custom(e)
    assert entries[0]['kind'] == 'http' and not has_cookie(entries[0])
    upgrades = [e for e in entries if e['kind'] == 'upgrade']
    assert len(upgrades) == 1, entries
    assert query_of(upgrades[0]).get('sid') == [engine_id], upgrades[0]
    missing = [e for e in entries[1:] if not has_cookie(e)]
    assert not missing, missing
