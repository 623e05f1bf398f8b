# SPDX-License-Identifier: LGPL-2.1-or-later
"""The Sio API as PyGObject sees it, without a server (or with none
listening)."""

import pytest

from conftest import GLib, GObject, Gio, Json, Loop, Recorder, Sio, json_array

gi_soup = None
try:
    import gi
    gi.require_version('Soup', '3.0')
    from gi.repository import Soup as gi_soup
except (ImportError, ValueError):  # pragma: no cover
    gi_soup = None


# Every introspectable name of /work/shared/API.md (plus the accessors the
# properties have), as Python sees it.
API = {
    Sio: ['Client', 'Socket', 'Event', 'ClientState', 'DisconnectReason',
          'EmitFlags', 'Error', 'error_quark'],
    Sio.Socket: ['open', 'close', 'emit', 'emit_json', 'emit_full',
                 'emit_full_finish', 'emit_with_ack', 'emit_with_ack_finish',
                 'open_async', 'open_finish', 'get_namespace', 'get_client',
                 'get_id', 'get_connected', 'get_recovered', 'get_auth',
                 'set_auth', 'set_auth_json', 'get_ack_timeout',
                 'set_ack_timeout', 'get_retries', 'set_retries'],
    Sio.Client: ['new', 'new_with_session', 'socket', 'set_query_param',
                 'set_header', 'close', 'get_uri', 'get_path', 'set_path',
                 'get_engine_io_version', 'set_engine_io_version',
                 'get_transports', 'set_transports', 'get_upgrade',
                 'set_upgrade', 'get_session', 'get_reconnection',
                 'set_reconnection', 'get_reconnection_attempts',
                 'set_reconnection_attempts', 'get_reconnection_delay',
                 'set_reconnection_delay', 'get_reconnection_delay_max',
                 'set_reconnection_delay_max', 'get_randomization_factor',
                 'set_randomization_factor', 'get_timeout', 'set_timeout',
                 'get_state', 'get_engine_id', 'get_transport',
                 # inherited from Socket: a Client is its main namespace
                 'open', 'emit', 'emit_json', 'emit_full', 'open_async'],
    Sio.Event: ['get_name', 'get_namespace', 'get_args', 'get_args_json',
                'get_attachments', 'get_n_attachments', 'get_attachment',
                'wants_ack', 'ack', 'ack_json', 'ack_full'],
    Sio.ClientState: ['CLOSED', 'OPENING', 'OPEN', 'RECONNECTING'],
    Sio.DisconnectReason: ['SERVER', 'CLIENT', 'PING_TIMEOUT',
                           'TRANSPORT_CLOSE', 'TRANSPORT_ERROR',
                           'PARSE_ERROR'],
    Sio.EmitFlags: ['NONE', 'VOLATILE'],
    Sio.Error: ['FAILED', 'TRANSPORT', 'PROTOCOL', 'CONNECT_REFUSED',
                'TIMEOUT', 'DISCONNECTED', 'INVALID_ARGUMENT',
                'PAYLOAD_TOO_LARGE'],
}

PROPERTIES = {
    Sio.Socket: ['namespace', 'client', 'id', 'connected', 'recovered',
                 'auth', 'ack-timeout', 'retries'],
    Sio.Client: ['uri', 'path', 'engine-io-version', 'transports', 'upgrade',
                 'session', 'reconnection', 'reconnection-attempts',
                 'reconnection-delay', 'reconnection-delay-max',
                 'randomization-factor', 'timeout', 'state', 'engine-id',
                 'transport'],
}

SIGNALS = {
    Sio.Socket: ['connected', 'disconnected', 'connect-error', 'event'],
    Sio.Client: ['reconnect-attempt', 'reconnected', 'reconnect-failed'],
}


def test_every_api_name_is_there():
    missing = ['%s.%s' % (getattr(owner, '__name__', owner), name)
               for owner, names in API.items()
               for name in names if not hasattr(owner, name)]
    assert missing == []
    for owner, names in PROPERTIES.items():
        pspecs = {p.name for p in owner.list_properties()}
        assert [n for n in names if n not in pspecs] == []
        for n in names:
            assert hasattr(owner.props, n.replace('-', '_')), n
    for owner, names in SIGNALS.items():
        for n in names:
            assert GObject.signal_lookup(n, owner) != 0, n
    assert Sio.Socket.__gtype__.is_a(GObject.Object)
    assert Sio.Client.__gtype__.is_a(Sio.Socket)
    assert issubclass(Sio.Client, Sio.Socket)
    # "event" is detailed: one name per detail
    query = GObject.signal_query('event', Sio.Socket)
    assert query.signal_flags & GObject.SignalFlags.DETAILED
    assert list(query.param_types) == [Sio.Event.__gtype__]


def test_error_domain():
    quark = Sio.error_quark()
    assert quark == GLib.quark_from_string('sio-error-quark')
    assert GLib.quark_to_string(quark) == 'sio-error-quark'
    assert Sio.Error.quark() == quark
    # values as in sio-error.h
    assert [int(getattr(Sio.Error, n)) for n in API[Sio.Error]] == \
        list(range(8))
    err = GLib.Error.new_literal(quark, 'x', Sio.Error.TIMEOUT)
    assert err.matches(quark, Sio.Error.TIMEOUT)
    assert err.domain == 'sio-error-quark'
    assert err.code == Sio.Error.TIMEOUT


def test_enums():
    assert int(Sio.ClientState.CLOSED) == 0
    assert int(Sio.ClientState.RECONNECTING) == 3
    assert int(Sio.DisconnectReason.SERVER) == 0
    assert int(Sio.DisconnectReason.PARSE_ERROR) == 5
    assert int(Sio.EmitFlags.NONE) == 0
    assert int(Sio.EmitFlags.VOLATILE) == 1
    assert Sio.ClientState.OPEN.value_nick == 'open'
    assert Sio.DisconnectReason.PING_TIMEOUT.value_nick == 'ping-timeout'


def test_version():
    assert Sio.get_major_version() == Sio.MAJOR_VERSION == 1
    assert Sio.get_minor_version() == Sio.MINOR_VERSION
    assert Sio.get_micro_version() == Sio.MICRO_VERSION
    assert Sio.check_version(1, 0, 0)
    assert not Sio.check_version(99, 0, 0)
    assert Sio.VERSION_S.startswith('1.')


def test_uri_names_the_namespace():
    a = Sio.Client.new('http://127.0.0.1:1/admin')
    b = Sio.Client.new('wss://example.com')
    c = Sio.Client.new('ws://example.com:8080/chat?x=1')
    assert a.props.namespace == a.get_namespace() == '/admin'
    assert b.props.namespace == '/'
    assert c.props.namespace == '/chat'
    assert a.props.uri == a.get_uri() == 'http://127.0.0.1:1/admin'
    assert a.props.client == a and a.get_client() == a
    assert a.socket('/admin') == a
    other = a.socket('/')
    assert other != a and other.props.namespace == '/'
    assert other.props.client == a
    assert a.socket('/') == other


def test_defaults():
    c = Sio.Client.new('http://127.0.0.1:1')
    p = c.props
    assert p.path == '/socket.io/'
    assert p.engine_io_version == 4
    assert list(p.transports) == ['websocket', 'polling']
    assert list(c.get_transports()) == ['websocket', 'polling']
    assert p.upgrade is True
    assert p.reconnection is True
    assert p.reconnection_attempts == -1
    assert p.reconnection_delay == 1000
    assert p.reconnection_delay_max == 5000
    assert p.randomization_factor == 0.5
    assert p.timeout == 20000
    assert p.state == Sio.ClientState.CLOSED
    assert isinstance(p.state, Sio.ClientState)
    assert p.engine_id is None
    assert p.transport is None
    assert p.session is not None and c.get_session() == p.session
    # the socket side
    assert p.id is None and c.get_id() is None
    assert p.connected is False and c.get_connected() is False
    assert p.recovered is False and c.get_recovered() is False
    assert p.auth is None and c.get_auth() is None
    assert p.ack_timeout == 0 and c.get_ack_timeout() == 0
    assert p.retries == 0 and c.get_retries() == 0


def test_properties_are_writable():
    c = Sio.Client.new('http://127.0.0.1:1')
    notified = []
    c.connect('notify', lambda obj, pspec: notified.append(pspec.name))

    c.props.path = '/custom/'
    c.props.engine_io_version = 3
    c.props.transports = ['polling']
    c.props.upgrade = False
    c.props.reconnection = False
    c.props.reconnection_attempts = 3
    c.props.reconnection_delay = 10
    c.props.reconnection_delay_max = 20
    c.props.randomization_factor = 0.25
    c.props.timeout = 1234
    c.props.ack_timeout = 77
    c.props.retries = 2
    assert (c.get_path(), c.get_engine_io_version(), list(c.get_transports()),
            c.get_upgrade(), c.get_reconnection(),
            c.get_reconnection_attempts(), c.get_reconnection_delay(),
            c.get_reconnection_delay_max(), c.get_randomization_factor(),
            c.get_timeout(), c.get_ack_timeout(), c.get_retries()) == \
        ('/custom/', 3, ['polling'], False, False, 3, 10, 20, 0.25, 1234,
         77, 2)
    for name in ('path', 'engine-io-version', 'transports', 'upgrade',
                 'reconnection', 'reconnection-attempts',
                 'reconnection-delay', 'reconnection-delay-max',
                 'randomization-factor', 'timeout', 'ack-timeout',
                 'retries'):
        assert name in notified, name

    c.set_path('/socket.io/')
    c.set_engine_io_version(4)
    c.set_transports(['websocket', 'polling'])
    c.set_upgrade(True)
    c.set_reconnection(True)
    c.set_reconnection_attempts(-1)
    c.set_reconnection_delay(1000)
    c.set_reconnection_delay_max(5000)
    c.set_randomization_factor(0.5)
    c.set_timeout(20000)
    c.set_ack_timeout(0)
    c.set_retries(0)
    assert (c.props.path, c.props.engine_io_version, list(c.props.transports),
            c.props.upgrade, c.props.reconnection,
            c.props.reconnection_attempts, c.props.reconnection_delay,
            c.props.reconnection_delay_max, c.props.randomization_factor,
            c.props.timeout, c.props.ack_timeout, c.props.retries) == \
        ('/socket.io/', 4, ['websocket', 'polling'], True, True, -1, 1000,
         5000, 0.5, 20000, 0, 0)

    # extras beyond API.md
    assert c.props.max_payload >= 1024
    assert c.props.max_attachments >= 1


def test_read_only_properties():
    c = Sio.Client.new('http://127.0.0.1:1')
    for name in ('state', 'engine_id', 'transport', 'id', 'connected',
                 'recovered', 'client'):
        with pytest.raises(TypeError):
            setattr(c.props, name, None)


def test_auth_property():
    c = Sio.Client.new('http://127.0.0.1:1')
    assert c.set_auth_json('{"token":"secret","n":[1,2]}')
    assert Json.to_string(c.props.auth, False) == \
        '{"token":"secret","n":[1,2]}'
    assert Json.to_string(c.get_auth(), False) == \
        '{"token":"secret","n":[1,2]}'

    node = Json.from_string('{"user":"me"}')
    c.set_auth(node)
    assert Json.to_string(c.get_auth(), False) == '{"user":"me"}'
    c.props.auth = Json.from_string('{"x":1}')
    assert Json.to_string(c.props.auth, False) == '{"x":1}'
    c.set_auth(None)
    assert c.props.auth is None

    for bad in ('[1]', '"text"', '{broken'):
        with pytest.raises(GLib.Error) as info:
            c.set_auth_json(bad)
        assert info.value.matches(Sio.error_quark(),
                                  Sio.Error.INVALID_ARGUMENT), bad


@pytest.mark.skipif(gi_soup is None, reason='no Soup-3.0 typelib')
def test_new_with_session():
    session = gi_soup.Session.new()
    session.props.user_agent = 'sio-python-test'
    c = Sio.Client.new_with_session('http://127.0.0.1:1/x', session)
    assert c.get_session() == session
    assert c.props.session == session
    assert c.props.namespace == '/x'
    assert Sio.Client(uri='http://127.0.0.1:1', session=session).props.session \
        == session


RESERVED = ('connect', 'connect_error', 'disconnect', 'disconnecting',
            'newListener', 'removeListener')


def test_reserved_names_offline(glib_log):
    loop = Loop()
    c = Sio.Client.new('http://127.0.0.1:1')
    for name in RESERVED:
        with pytest.raises(GLib.Error) as info:
            c.emit_json(name, '[]')
        assert info.value.matches(Sio.error_quark(),
                                  Sio.Error.INVALID_ARGUMENT), name
        assert name in info.value.message
    for bad in ('{bad json', '{"not":"array"}', '1'):
        with pytest.raises(GLib.Error) as info:
            c.emit_json('ok', bad)
        assert info.value.matches(Sio.error_quark(),
                                  Sio.Error.INVALID_ARGUMENT), bad

    # the async forms report the error through the callback
    source, result, _ = loop.call(
        lambda cb: c.emit_with_ack('disconnect', None, None, cb, None))
    with pytest.raises(GLib.Error) as info:
        source.emit_with_ack_finish(result)
    assert info.value.matches(Sio.error_quark(), Sio.Error.INVALID_ARGUMENT)

    source, result, _ = loop.call(
        lambda cb: c.emit_full('connect', None, None, Sio.EmitFlags.NONE, 0,
                               None, cb, None))
    with pytest.raises(GLib.Error) as info:
        source.emit_full_finish(result)
    assert info.value.matches(Sio.error_quark(), Sio.Error.INVALID_ARGUMENT)

    # emit() has no error: a programming error, logged as critical
    glib_log.expect('reserved event name')
    c.emit('connect', json_array([]))
    assert glib_log.take('reserved event name')


def test_emit_hides_gobject_emit():
    """Socket.emit is the Sio method; GObject's emit stays reachable."""
    c = Sio.Client.new('http://127.0.0.1:1')
    assert Sio.Socket.emit is not GObject.Object.emit
    assert c.emit.__name__ == 'emit'
    failed = []
    c.connect('reconnect-failed', lambda client: failed.append(client))
    # PyGObject has no GObject.signal_emit_by_name (varargs, not
    # introspectable): the unbound GObject.Object.emit is the way.
    GObject.Object.emit(c, 'reconnect-failed')
    assert failed == [c]
    assert not hasattr(GObject, 'signal_emit_by_name')
    # buffered until connected (nothing listens here): no error
    c.emit('chat', json_array(['hi']))
    c.emit('chat', None)
    c.close()


def test_client_is_finalized():
    loop = Loop()
    finalized = []
    c = Sio.Client.new('http://127.0.0.1:1')
    admin = c.socket('/admin')
    assert admin.props.client == c
    c.weak_ref(lambda: finalized.append(True))
    del admin
    c.close()
    del c
    loop.drain()
    assert finalized == [True]


def _closed_port():
    listener = Gio.SocketListener.new()
    address = Gio.InetSocketAddress.new(
        Gio.InetAddress.new_loopback(Gio.SocketFamily.IPV4), 0)
    ok, effective = listener.add_address(address, Gio.SocketType.STREAM,
                                         Gio.SocketProtocol.TCP, None)
    assert ok
    port = effective.get_port()
    listener.close()
    return port


def test_no_server_reconnect_failed():
    loop = Loop()
    c = Sio.Client.new('http://127.0.0.1:%d' % _closed_port())
    c.set_reconnection_attempts(2)
    c.set_reconnection_delay(50)
    c.set_reconnection_delay_max(100)
    rec = Recorder()
    rec.watch(c)

    source, result, user_data = loop.call(
        lambda cb: c.open_async(None, cb, 'data'))
    assert source == c and user_data == ('data',)
    with pytest.raises(GLib.Error) as info:
        c.open_finish(result)
    assert info.value.matches(Sio.error_quark(), Sio.Error.TRANSPORT)
    assert c.props.state == Sio.ClientState.RECONNECTING

    loop.run_until(lambda: rec.reconnect_failed, what='reconnect-failed')
    assert rec.reconnect_attempts == [1, 2]
    assert len(rec.connect_errors) == 3
    assert all(e.matches(Sio.error_quark(), Sio.Error.TRANSPORT)
               for e, _ in rec.connect_errors)
    assert c.props.state == Sio.ClientState.CLOSED
    assert rec.states[0] == Sio.ClientState.OPENING
    assert rec.states[-1] == Sio.ClientState.CLOSED
    assert Sio.ClientState.RECONNECTING in rec.states
    rec.unwatch()


def test_connect_timeout():
    loop = Loop()
    listener = Gio.SocketListener.new()
    port = listener.add_any_inet_port(None)
    try:
        c = Sio.Client.new('http://127.0.0.1:%d' % port)
        c.props.reconnection = False
        c.props.timeout = 300
        rec = Recorder()
        rec.watch(c)
        start = GLib.get_monotonic_time()
        c.open()
        loop.run_until(lambda: rec.connect_errors, what='connect-error')
        error, data = rec.connect_errors[0]
        assert error.matches(Sio.error_quark(), Sio.Error.TIMEOUT)
        assert data is None
        assert GLib.get_monotonic_time() - start >= 290 * 1000
        assert c.props.state == Sio.ClientState.CLOSED
        assert rec.reconnect_attempts == []
        rec.unwatch()
    finally:
        listener.close()


def _run_isolated(code):
    """Runs @code in a fresh interpreter (the environment is inherited);
    returns (exit status, output)."""
    import subprocess
    import sys
    prologue = ('import gi\ngi.require_version("Sio", "1.0")\n'
                'from gi.repository import GLib, Sio\n')
    proc = subprocess.run([sys.executable, '-c', prologue + code],
                          stdin=subprocess.DEVNULL, capture_output=True,
                          timeout=60)
    return proc.returncode, (proc.stdout + proc.stderr).decode('utf-8',
                                                               'replace')


def test_bare_event_does_not_crash():
    """Bindings can always call the GObject constructor: Sio.Event() must
    not crash whatever is called on it (run in a child process)."""
    status, output = _run_isolated(
        'e = Sio.Event()\n'
        'e.get_name(); e.get_namespace(); e.get_args(); e.get_args_json()\n'
        'e.get_attachments(); e.get_n_attachments(); e.get_attachment(0)\n'
        'e.wants_ack()\n')
    assert status == 0, output


def test_socket_without_client():
    """Sio.Socket() made directly (no client) fails cleanly."""
    loop = Loop()
    s = Sio.Socket(namespace='/x')
    assert s.props.client is None
    source, result, _ = loop.call(lambda cb: s.open_async(None, cb, None))
    with pytest.raises(GLib.Error) as info:
        s.open_finish(result)
    assert info.value.domain == 'sio-error-quark'
