# SPDX-License-Identifier: LGPL-2.1-or-later
"""sio-glib from PyGObject against real Socket.IO servers.

Every test runs against node4 (socket.io 4.x, Engine.IO v4), node2
(socket.io 2.x, Engine.IO v3) and python (python-socketio 5.7) unless
the protocol lacks the feature; see tests/servers/node-server.js for
what the servers answer.
"""

import json

import pytest

from conftest import (GLib, Gio, Json, Loop, Recorder, Sio, array_to_py,
                      json_array, json_node, open_and_wait, start_server)


def is_v3(server):
    return server.eio == 3


def sio_error(err, code):
    return isinstance(err, GLib.Error) and \
        err.matches(Sio.error_quark(), code)


# ---- connection -------------------------------------------------------------

def test_connect(server, client, loop):
    c, rec = client
    assert c.props.state == Sio.ClientState.CLOSED
    assert c.props.connected is False
    assert c.props.id is None

    open_and_wait(loop, c, rec)
    assert c.props.state == Sio.ClientState.OPEN
    assert c.get_state() == Sio.ClientState.OPEN
    assert c.props.connected is True
    assert c.props.recovered is False
    sid = c.props.id
    assert sid and c.get_id() == sid
    assert c.props.engine_id and c.get_engine_id() == c.props.engine_id
    assert c.props.transport == c.get_transport() == 'websocket'
    if is_v3(server):
        # Socket.IO v4 protocol: the main namespace's id is the engine id
        assert sid == c.props.engine_id

    welcome = rec.wait_event(loop, 'welcome')
    assert welcome.get_name() == 'welcome'
    assert welcome.get_namespace() == '/'
    assert json.loads(welcome.get_args_json()) == [{'nsp': '/', 'id': sid}]
    assert welcome.get_args_json() == \
        '[{"nsp":"/","id":"%s"}]' % sid
    assert welcome.wants_ack() is False
    assert welcome.get_n_attachments() == 0
    assert list(welcome.get_attachments()) == []

    c.open()  # no-op when open
    loop.drain()
    assert rec.connected == 1

    c.close()
    assert c.props.state == Sio.ClientState.CLOSED
    assert rec.disconnected == [Sio.DisconnectReason.CLIENT]
    assert c.props.id is None
    assert c.props.connected is False
    assert c.props.transport is None


def test_notify_state(client, loop):
    c, rec = client
    transports = []
    c.connect('notify::transport',
              lambda obj, pspec: transports.append(obj.props.transport))
    open_and_wait(loop, c, rec)
    assert rec.states == [Sio.ClientState.OPENING, Sio.ClientState.OPEN]
    assert transports[-1] == 'websocket'
    c.close()
    assert rec.states[-1] == Sio.ClientState.CLOSED
    assert rec.states.count(Sio.ClientState.CLOSED) == 1


def test_open_async(server, client, loop):
    c, rec = client
    source, result, user_data = loop.call(
        lambda cb: c.open_async(None, cb, 42))
    assert source == c and user_data == (42,)
    assert c.open_finish(result) is True
    assert c.props.connected
    assert rec.connected == 1

    # already connected: completes at once, successfully
    source, result, _ = loop.call(lambda cb: c.open_async(None, cb, None))
    assert c.open_finish(result) is True

    # a namespace the server refuses
    nope = c.socket('/nope')
    source, result, _ = loop.call(lambda cb: nope.open_async(None, cb, None))
    assert source == nope
    with pytest.raises(GLib.Error) as info:
        nope.open_finish(result)
    assert sio_error(info.value, Sio.Error.CONNECT_REFUSED)


def test_open_async_cancelled(client, loop):
    c, rec = client
    cancellable = Gio.Cancellable.new()
    box = []
    c.open_async(cancellable, lambda s, r, d: box.append(r), None)
    cancellable.cancel()
    loop.run_until(lambda: box, what='open_async callback')
    with pytest.raises(GLib.Error) as info:
        c.open_finish(box[0])
    assert info.value.matches(Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED)


# ---- events -------------------------------------------------------------------

ECHO_JSON = ('["h\u00e9llo \U0001F600",42,-7,0.1,1e+21,1.5e-7,true,false,null,'
             '{"a":[1,{"b":"c\\n\\"q\\""}],"e":{}},[]]')


def test_echo_detailed_signal(client, loop):
    c, rec = client
    echoes = []
    others = []
    c.connect('event::echo', lambda sock, event: echoes.append(event))
    c.connect('event::no-such-event', lambda sock, event: others.append(event))
    open_and_wait(loop, c, rec)

    assert c.emit_json('echo', ECHO_JSON) is True
    assert c.emit_json('echo', None) is True
    loop.run_until(lambda: len(echoes) >= 2, what='two echoes')

    first = echoes[0]
    assert isinstance(first, Sio.Event)
    assert first.get_name() == 'echo'
    assert first.get_namespace() == '/'
    assert first.wants_ack() is False
    assert first.get_args_json() == ECHO_JSON
    assert json.loads(first.get_args_json()) == json.loads(ECHO_JSON)

    args = first.get_args()
    assert isinstance(args, Json.Array)
    assert args.get_length() == 11
    assert args.get_string_element(0) == 'h\u00e9llo \U0001F600'
    assert args.get_int_element(1) == 42
    assert args.get_int_element(2) == -7
    assert args.get_double_element(3) == 0.1
    assert args.get_double_element(4) == 1e21
    assert args.get_boolean_element(6) is True
    assert args.get_boolean_element(7) is False
    assert args.get_null_element(8) is True
    obj = args.get_object_element(9)
    assert obj.get_array_member('a').get_length() == 2
    assert obj.get_array_member('a').get_object_element(1) \
        .get_string_member('b') == 'c\n"q"'
    assert args.get_array_element(10).get_length() == 0
    assert array_to_py(args) == json.loads(ECHO_JSON)

    assert echoes[1].get_args_json() == '[]'
    assert echoes[1].get_args().get_length() == 0
    # the generic handler saw them too, and the detail filtered
    assert len(rec.named('echo')) == 2
    assert others == []


def test_detail_with_any_event_name(client, loop):
    """"event::<name>" works for names with colons, spaces, non-ASCII."""
    c, rec = client
    names = ['chat:message', 'h\u00e9llo w\u00f6rld', 'a-b.c/d', 'x::y']
    got = {}
    for name in names:
        c.connect('event::' + name,
                  lambda sock, event, n=name: got.setdefault(n, []).append(
                      event.get_name()))
    open_and_wait(loop, c, rec)
    for name in names:
        # the server emits <name> back (asking for an ack)
        c.emit_json('ask', json.dumps([name]))
    loop.run_until(lambda: len(got) == len(names) and
                   all(len(v) >= 1 for v in got.values()),
                   what='one event per name')
    assert got == {n: [n] for n in names}


def test_emit_json_array(client, loop):
    """socket.emit(name, Json.Array): Sio's emit, not GObject's."""
    c, rec = client
    open_and_wait(loop, c, rec)

    built = Json.Array.new()
    built.add_string_element('text')
    built.add_int_element(7)
    built.add_double_element(2.5)
    built.add_boolean_element(True)
    built.add_null_element()
    inner = Json.Object.new()
    inner.set_string_member('k', 'v')
    built.add_object_element(inner)

    c.emit('echo', built)
    c.emit('echo', json_array([{'from': 'python'}, [1, 2]]))
    c.emit('echo', None)
    rec.wait_event(loop, 'echo', 3)
    assert rec.args('echo') == [
        ['text', 7, 2.5, True, None, {'k': 'v'}],
        [{'from': 'python'}, [1, 2]],
        [],
    ]


def test_emit_with_ack(client, loop):
    c, rec = client
    open_and_wait(loop, c, rec)

    source, result, user_data = loop.call(
        lambda cb: c.emit_with_ack('ack', json_array([1, 'two']), None, cb,
                                   'my-data'))
    assert source == c and user_data == ('my-data',)
    reply = c.emit_with_ack_finish(result)
    assert isinstance(reply, Json.Array)
    assert reply.get_length() == 2
    assert reply.get_int_element(0) == 1
    assert reply.get_string_element(1) == 'two'

    # no user_data, no args: the server acks with nothing
    source, result, user_data = loop.call(
        lambda cb: c.emit_with_ack('ack', None, None, cb))
    assert array_to_py(c.emit_with_ack_finish(result)) == []

    # the echo handler acks with the args and emits them as well
    source, result, _ = loop.call(
        lambda cb: c.emit_with_ack('echo', json_array([{'x': [True]}]), None,
                                   cb, None))
    assert array_to_py(c.emit_with_ack_finish(result)) == [{'x': [True]}]
    assert rec.args('echo') == [[{'x': [True]}]]
    # an emit_with_ack'ed event got no ack callback on the receiving side
    assert rec.named('echo')[0].wants_ack() is False


def test_emit_with_ack_before_open(client, loop):
    """Emits made while offline are sent once connected, acks included."""
    c, rec = client
    box = []
    c.emit_with_ack('ack', json_array(['queued']), None,
                    lambda s, r, d: box.append(s.emit_with_ack_finish(r)),
                    None)
    c.open()
    loop.run_until(lambda: box, what='ack of a buffered emit')
    assert array_to_py(box[0]) == ['queued']


def test_buffered_before_open(client, loop):
    c, rec = client
    c.emit_json('clear-records', None)
    for i in range(5):
        c.emit_json('record', '[%d]' % i)
    # volatile emits are dropped while offline
    c.emit_full('record', json_array([99]), None, Sio.EmitFlags.VOLATILE, 0,
                None, None, None)
    open_and_wait(loop, c, rec)
    source, result, _ = loop.call(
        lambda cb: c.emit_with_ack('get-records', None, None, cb, None))
    assert array_to_py(c.emit_with_ack_finish(result)) == [[0, 1, 2, 3, 4]]


def test_ack_timeout_cancel_disconnect(client, loop):
    c, rec = client
    open_and_wait(loop, c, rec)
    results = {}

    def collect(key):
        def callback(source, result, *user_data):
            try:
                results[key] = source.emit_full_finish(result)
            except GLib.Error as err:
                results[key] = err
        return callback

    cancellable = Gio.Cancellable.new()
    start = GLib.get_monotonic_time()
    # the server never acks an event it has no handler for
    c.emit_full('no-such-handler', None, None, Sio.EmitFlags.NONE, 200,
                None, collect('timeout'), None)
    c.emit_full('no-such-handler', None, None, Sio.EmitFlags.NONE, 0,
                cancellable, collect('cancelled'), None)
    c.emit_full('no-such-handler', None, None, Sio.EmitFlags.NONE, 0,
                None, collect('disconnected'), None)

    loop.run_until(lambda: 'timeout' in results, what='ack timeout')
    assert sio_error(results['timeout'], Sio.Error.TIMEOUT)
    assert GLib.get_monotonic_time() - start >= 190 * 1000

    cancellable.cancel()
    loop.run_until(lambda: 'cancelled' in results, what='ack cancelled')
    assert results['cancelled'].matches(Gio.io_error_quark(),
                                        Gio.IOErrorEnum.CANCELLED)

    assert 'disconnected' not in results
    c.close()
    loop.run_until(lambda: 'disconnected' in results,
                   what='ack failed by close')
    assert sio_error(results['disconnected'], Sio.Error.DISCONNECTED)


def test_ack_timeout_property(client, loop):
    """emit_with_ack uses the socket's ack-timeout; timeout -1 too."""
    c, rec = client
    c.props.ack_timeout = 200
    open_and_wait(loop, c, rec)

    source, result, _ = loop.call(
        lambda cb: c.emit_with_ack('no-such-handler', None, None, cb, None))
    with pytest.raises(GLib.Error) as info:
        c.emit_with_ack_finish(result)
    assert sio_error(info.value, Sio.Error.TIMEOUT)

    source, result, _ = loop.call(
        lambda cb: c.emit_full('no-such-handler', None, None,
                               Sio.EmitFlags.NONE, -1, None, cb, None))
    with pytest.raises(GLib.Error) as info:
        c.emit_full_finish(result)
    assert sio_error(info.value, Sio.Error.TIMEOUT)

    # a handled event is acked in time
    source, result, _ = loop.call(
        lambda cb: c.emit_with_ack('ack', json_array([3]), None, cb, None))
    assert array_to_py(c.emit_with_ack_finish(result)) == [3]


def test_retries(client, loop):
    c, rec = client
    c.props.retries = 2
    c.props.ack_timeout = 2000
    assert c.get_retries() == 2
    open_and_wait(loop, c, rec)
    c.emit_json('clear-records', None)
    replies = []
    for i in range(3):
        c.emit_with_ack('record', json_array(['r%d' % i]), None,
                        lambda s, r, d: replies.append(
                            array_to_py(s.emit_with_ack_finish(r))), None)
    loop.run_until(lambda: len(replies) == 3, what='three acks')
    assert replies == [['r0'], ['r1'], ['r2']]
    source, result, _ = loop.call(
        lambda cb: c.emit_with_ack('get-records', None, None, cb, None))
    # sent once each, in order
    assert array_to_py(c.emit_with_ack_finish(result)) == [['r0', 'r1', 'r2']]


# ---- the server asks for acks -----------------------------------------------

def test_server_asks_ack(client, loop, glib_log):
    c, rec = client
    kept = []

    def on_question(sock, event):
        assert event.wants_ack()
        assert event.ack_json('["x"]') is True
        assert event.wants_ack() is False
        kept.append(event)
    c.connect('event::question', on_question)
    open_and_wait(loop, c, rec)

    # answered at once, from the handler
    c.emit_json('ask', '["question","q1"]')
    rec.wait_event(loop, 'answer')
    assert json.loads(kept[0].get_args_json()) == ['q1']
    assert rec.args('answer') == [['x']]

    # a second ack is a programming error: FALSE and a critical
    glib_log.expect('already')
    assert kept[0].ack(json_array(['again'])) is False
    assert glib_log.take('already')

    # answered later, from an idle callback, after keeping the event
    c.emit_json('ask', '["later-question", {"n": 1}]')
    later = rec.wait_event(loop, 'later-question')
    assert later.wants_ack()
    assert json.loads(later.get_args_json()) == [{'n': 1}]
    done = []

    def ack_later(event):
        done.append(event.ack_json('["later",2]'))
        return GLib.SOURCE_REMOVE
    GLib.idle_add(ack_later, later)
    del later
    rec.wait_event(loop, 'answer', 2)
    assert done == [True]
    assert rec.args('answer')[1] == ['later', 2]

    # ack() with a Json.Array, and with no args at all
    c.emit_json('ask', '["third"]')
    third = rec.wait_event(loop, 'third')
    assert third.ack(json_array([{'deep': [1, None]}])) is True
    rec.wait_event(loop, 'answer', 3)
    assert rec.args('answer')[2] == [{'deep': [1, None]}]

    c.emit_json('ask', '["fourth"]')
    assert rec.wait_event(loop, 'fourth').ack(None) is True
    rec.wait_event(loop, 'answer', 4)
    assert rec.args('answer')[3] == []

    # bad JSON is an error, and the event can still be acked
    c.emit_json('ask', '["fifth"]')
    fifth = rec.wait_event(loop, 'fifth')
    with pytest.raises(GLib.Error) as info:
        fifth.ack_json('{not json')
    assert sio_error(info.value, Sio.Error.INVALID_ARGUMENT)
    assert fifth.wants_ack()
    assert fifth.ack_json('[5]')
    rec.wait_event(loop, 'answer', 5)
    assert rec.args('answer')[4] == [5]

    # an event without an ack request says so
    c.emit_json('echo', '[1]')
    assert rec.wait_event(loop, 'echo').wants_ack() is False


def test_server_asks_ack_binary(client, loop):
    c, rec = client
    open_and_wait(loop, c, rec)
    c.emit_json('ask', '["bin-question"]')
    question = rec.wait_event(loop, 'bin-question')
    payload = bytes(range(256)) * 3
    assert question.ack_full(
        json_array(['with bytes', {'_placeholder': True, 'num': 0},
                    {'_placeholder': True, 'num': 1}]),
        [GLib.Bytes.new(payload), GLib.Bytes.new(b'\x00')]) is True
    answer = rec.wait_event(loop, 'answer')
    assert answer.get_n_attachments() == 2
    assert answer.get_attachment(0).get_data() == payload
    assert answer.get_attachment(1).get_data() == b'\x00'
    assert json.loads(answer.get_args_json()) == [
        'with bytes', {'_placeholder': True, 'num': 0},
        {'_placeholder': True, 'num': 1}]


# ---- binary -------------------------------------------------------------------

PLACEHOLDER_ARGS = ['x', {'nested': [{'_placeholder': True, 'num': 0}]},
                    {'_placeholder': True, 'num': 1},
                    {'_placeholder': True, 'num': 2}]


def test_binary(client, loop):
    c, rec = client
    a = GLib.Bytes.new(b'\x00\x01\x02\xff')
    b = GLib.Bytes.new(b'')
    big = bytes((i * 7) % 256 for i in range(70000))
    cbytes = GLib.Bytes.new(big)
    open_and_wait(loop, c, rec)

    # a Python list of GLib.Bytes for the (array length=n_attachments) arg
    c.emit_full('echo', json_array(PLACEHOLDER_ARGS), [a, b, cbytes],
                Sio.EmitFlags.NONE, 0, None, None, None)
    echo = rec.wait_event(loop, 'echo')
    assert echo.get_n_attachments() == 3
    assert echo.get_attachment(0).get_data() == b'\x00\x01\x02\xff'
    assert echo.get_attachment(1).get_size() == 0
    assert echo.get_attachment(2).get_data() == big
    assert echo.get_attachment(2).equal(cbytes)
    assert echo.get_attachment(3) is None
    attachments = echo.get_attachments()
    assert [x.get_data() for x in attachments] == \
        [b'\x00\x01\x02\xff', b'', big]
    assert all(isinstance(x, GLib.Bytes) for x in attachments)
    # placeholders are kept in the args
    assert json.loads(echo.get_args_json()) == PLACEHOLDER_ARGS
    assert array_to_py(echo.get_args()) == PLACEHOLDER_ARGS
    # the lists are owned by the event: reading them again is safe
    del attachments
    assert [x.get_size() for x in echo.get_attachments()] == [4, 0, 70000]

    # binary in the ack reply, callback style
    source, result, user_data = loop.call(
        lambda cb: c.emit_full('ack', json_array(PLACEHOLDER_ARGS),
                               [a, b, cbytes], Sio.EmitFlags.NONE, 5000,
                               None, cb, 'ud'))
    assert user_data == ('ud',)
    reply = c.emit_full_finish(result)
    assert isinstance(reply, Sio.Event)
    assert reply.get_name() is None
    assert reply.wants_ack() is False
    assert reply.get_n_attachments() == 3
    assert reply.get_attachment(2).get_data() == big
    assert json.loads(reply.get_args_json()) == PLACEHOLDER_ARGS

    # binary from the server
    c.emit_json('binary', '[1000]')
    binary = rec.wait_event(loop, 'binary')
    data = binary.get_attachment(0).get_data()
    assert data == bytes(i % 256 for i in range(1000))
    assert json.loads(binary.get_args_json()) == [
        {'size': 1000, 'data': {'_placeholder': True, 'num': 0}}]


def test_binary_no_attachments(client, loop):
    """None and [] both mean "no attachments"."""
    c, rec = client
    open_and_wait(loop, c, rec)
    c.emit_full('echo', json_array(['none']), None, Sio.EmitFlags.NONE, 0,
                None, None, None)
    c.emit_full('echo', json_array(['empty']), [], Sio.EmitFlags.NONE, 0,
                None, None, None)
    rec.wait_event(loop, 'echo', 2)
    assert rec.args('echo') == [['none'], ['empty']]
    assert [e.get_n_attachments() for e in rec.named('echo')] == [0, 0]


def test_large_payloads(client, loop):
    """Messages close to the servers' 1 MB maxPayload pass both ways."""
    c, rec = client
    size = 900000
    payload = bytes((i * 13) % 256 for i in range(size))
    text = 'y' * size
    open_and_wait(loop, c, rec)

    c.emit_json('binary', '[%d]' % size)
    binary = rec.wait_event(loop, 'binary', timeout=20)
    assert binary.get_attachment(0).get_data() == \
        bytes(i % 256 for i in range(size))

    c.emit_full('echo', json_array([{'_placeholder': True, 'num': 0}]),
                [GLib.Bytes.new(payload)], Sio.EmitFlags.NONE, 0, None, None,
                None)
    echo = rec.wait_event(loop, 'echo', timeout=20)
    assert echo.get_attachment(0).get_data() == payload

    c.emit('echo', json_array([text]))
    echo = rec.wait_event(loop, 'echo', 2, timeout=20)
    assert echo.get_args().get_string_element(0) == text
    assert c.props.connected


def test_payload_too_large(loop):
    """Only Socket.IO 4 servers announce maxPayload."""
    with start_server('node4', '--max-payload', '2000') as server:
        c = Sio.Client.new(server.url())
        rec = Recorder()
        rec.watch(c)
        try:
            open_and_wait(loop, c, rec)
            source, result, _ = loop.call(
                lambda cb: c.emit_with_ack('ack', json_array(['z' * 5000]),
                                           None, cb, None))
            with pytest.raises(GLib.Error) as info:
                c.emit_with_ack_finish(result)
            assert sio_error(info.value, Sio.Error.PAYLOAD_TOO_LARGE)
            # the connection is unharmed
            source, result, _ = loop.call(
                lambda cb: c.emit_with_ack('ack', json_array(['small']),
                                           None, cb, None))
            assert array_to_py(c.emit_with_ack_finish(result)) == ['small']
        finally:
            c.close()
            rec.unwatch()


# ---- namespaces ---------------------------------------------------------------

def test_namespaces(server, client, loop):
    c, rec = client
    admin = c.socket('/admin')
    assert c.socket('/admin') == admin
    assert c.socket('/') == c
    assert isinstance(admin, Sio.Socket) and not isinstance(admin, Sio.Client)
    assert admin.props.namespace == admin.get_namespace() == '/admin'
    assert admin.props.client == c
    rec.watch(admin)

    open_and_wait(loop, c, rec)
    admin.open()
    rec.wait_connected(loop, 2)
    assert admin.props.connected
    assert admin.props.id
    if is_v3(server):
        assert admin.props.id == '/admin#%s' % c.props.engine_id
    welcome = rec.wait_event(loop, 'welcome', namespace='/admin')
    assert json.loads(welcome.get_args_json()) == \
        [{'nsp': '/admin', 'id': admin.props.id}]

    admin.emit_json('echo', '["from admin"]')
    c.emit_json('echo', '["from main"]')
    rec.wait_event(loop, 'echo', 2)
    assert rec.args('echo', '/admin') == [['from admin']]
    assert rec.args('echo', '/') == [['from main']]

    # leaving one namespace keeps the other
    admin.close()
    assert admin.props.connected is False
    assert admin.props.id is None
    assert rec.disconnected == [Sio.DisconnectReason.CLIENT]
    assert c.props.state == Sio.ClientState.OPEN
    c.emit_json('echo', '["still here"]')
    rec.wait_event(loop, 'echo', 3)
    assert rec.args('echo', '/')[-1] == ['still here']

    # and it can be joined again
    admin.open()
    rec.wait_connected(loop, 3)
    assert admin.props.connected


def test_client_for_namespace_uri(server, make_client, loop):
    c, rec = make_client('/admin')
    assert c.props.namespace == '/admin'
    open_and_wait(loop, c, rec)
    welcome = rec.wait_event(loop, 'welcome')
    assert welcome.get_namespace() == '/admin'
    assert json.loads(welcome.get_args_json())[0]['nsp'] == '/admin'


def test_broadcast(make_client, loop):
    a, rec_a = make_client()
    b, rec_b = make_client()
    open_and_wait(loop, a, rec_a)
    open_and_wait(loop, b, rec_b)
    a.emit_json('broadcast', '[{"to":"all"}]')
    rec_a.wait_event(loop, 'broadcast')
    rec_b.wait_event(loop, 'broadcast')
    assert rec_a.args('broadcast') == rec_b.args('broadcast') == \
        [[{'to': 'all'}]]


def test_auth_refused(server, client, loop):
    c, rec = client
    auth = c.socket('/auth')
    rec.watch(auth)
    open_and_wait(loop, c, rec)
    auth.open()
    loop.run_until(lambda: rec.connect_errors, what='connect-error')
    error, data = rec.connect_errors[0]
    assert isinstance(error, GLib.Error)
    assert error.matches(Sio.error_quark(), Sio.Error.CONNECT_REFUSED)
    assert error.domain == 'sio-error-quark'
    assert error.code == Sio.Error.CONNECT_REFUSED
    assert error.message == 'Not authorized'
    if is_v3(server):
        assert data is None
    else:
        assert data == {'code': 401}
    assert auth.props.connected is False
    # the main namespace is unaffected
    assert c.props.connected

    # the async form reports the same error
    source, result, _ = loop.call(lambda cb: auth.open_async(None, cb, None))
    with pytest.raises(GLib.Error) as info:
        auth.open_finish(result)
    assert sio_error(info.value, Sio.Error.CONNECT_REFUSED)
    assert info.value.message == 'Not authorized'


def test_auth_accepted(server, client, loop):
    c, rec = client
    if is_v3(server):
        # no CONNECT payload in the v4 protocol: credentials in the query
        c.set_query_param('token', 'secret')
    auth = c.socket('/auth')
    assert auth.set_auth_json('{"token":"secret"}') is True
    assert Json.to_string(auth.props.auth, False) == '{"token":"secret"}'
    with pytest.raises(GLib.Error) as info:
        auth.set_auth_json('[1]')
    assert sio_error(info.value, Sio.Error.INVALID_ARGUMENT)
    rec.watch(auth)

    auth.open()
    c.open()
    rec.wait_connected(loop, 2)
    assert auth.props.connected
    assert rec.connect_errors == []
    assert rec.wait_event(loop, 'welcome', namespace='/auth')


def test_auth_set_auth_node(server, client, loop):
    """set_auth() with a Json.Node; read again on each connection."""
    c, rec = client
    if is_v3(server):
        c.set_query_param('token', 'secret')
    auth = c.socket('/auth')
    auth.set_auth(json_node({'token': 'wrong'}))
    rec.watch(auth)
    auth.open()
    loop.run_until(lambda: rec.connect_errors or rec.connected,
                   what='first answer')
    if is_v3(server):
        # auth is ignored on Engine.IO v3: the query parameter lets us in
        assert rec.connected == 1
        return
    assert sio_error(rec.connect_errors[0][0], Sio.Error.CONNECT_REFUSED)
    auth.props.auth = json_node({'token': 'secret'})
    source, result, _ = loop.call(lambda cb: auth.open_async(None, cb, None))
    assert auth.open_finish(result) is True
    assert auth.props.connected


def test_unknown_namespace(server, client, loop):
    c, rec = client
    nope = c.socket('/nope')
    rec.watch(nope)
    open_and_wait(loop, c, rec)
    nope.open()
    loop.run_until(lambda: rec.connect_errors, what='connect-error')
    error, _data = rec.connect_errors[0]
    assert error.matches(Sio.error_quark(), Sio.Error.CONNECT_REFUSED)
    if server.kind == 'python':
        assert error.message == 'Unable to connect'
    else:
        assert error.message == 'Invalid namespace'
    assert c.props.state == Sio.ClientState.OPEN


def test_query_and_headers(server, client, loop):
    c, rec = client
    c.set_query_param('color', 'blue')
    c.set_header('X-Sio-Test', 'python')
    open_and_wait(loop, c, rec)
    source, result, _ = loop.call(
        lambda cb: c.emit_with_ack('socket-info', None, None, cb, None))
    info = array_to_py(c.emit_with_ack_finish(result))[0]
    assert info['nsp'] == '/'
    assert info['id'] == c.props.id
    assert info['engine_id'] == c.props.engine_id
    assert info['query'].get('color') == 'blue'
    assert info['headers'].get('x-sio-test') == 'python'


def test_server_info(server, client, loop):
    c, rec = client
    open_and_wait(loop, c, rec)
    source, result, _ = loop.call(
        lambda cb: c.emit_with_ack('server-info', None, None, cb, None))
    info = array_to_py(c.emit_with_ack_finish(result))[0]
    assert info['eio'] == server.eio


# ---- disconnections -------------------------------------------------------------

def test_reserved_names(client, loop):
    c, rec = client
    for name in ('connect', 'connect_error', 'disconnect', 'disconnecting',
                 'newListener', 'removeListener'):
        with pytest.raises(GLib.Error) as info:
            c.emit_json(name, '[]')
        assert sio_error(info.value, Sio.Error.INVALID_ARGUMENT), name
    with pytest.raises(GLib.Error) as info:
        c.emit_json('ok', '{bad json')
    assert sio_error(info.value, Sio.Error.INVALID_ARGUMENT)
    with pytest.raises(GLib.Error) as info:
        c.emit_json('ok', '{"not":"array"}')
    assert sio_error(info.value, Sio.Error.INVALID_ARGUMENT)
    # nothing was buffered for them
    open_and_wait(loop, c, rec)
    with pytest.raises(GLib.Error) as info:
        c.emit_json('disconnect', None)
    assert sio_error(info.value, Sio.Error.INVALID_ARGUMENT)
    c.emit_json('echo', '["after"]')
    rec.wait_event(loop, 'echo')
    assert rec.args('echo') == [['after']]
    assert c.props.connected


def test_server_disconnect(client, loop):
    c, rec = client
    open_and_wait(loop, c, rec)
    c.emit_json('disconnect-me', None)
    loop.run_until(lambda: rec.disconnected, what='disconnected')
    assert rec.disconnected == [Sio.DisconnectReason.SERVER]
    assert c.props.connected is False
    # the last namespace is gone: the client closes and stays closed
    assert c.props.state == Sio.ClientState.CLOSED
    loop.spin(0.4)
    assert rec.reconnect_attempts == []
    assert rec.connected == 1
    assert c.props.state == Sio.ClientState.CLOSED


def test_server_disconnects_one_namespace(client, loop):
    c, rec = client
    admin = rec.watch(c.socket('/admin'))
    open_and_wait(loop, c, rec)
    admin.open()
    rec.wait_connected(loop, 2)
    admin.emit_json('disconnect-me', None)
    loop.run_until(lambda: rec.disconnected, what='disconnected')
    assert rec.disconnected == [Sio.DisconnectReason.SERVER]
    assert admin.props.connected is False
    assert c.props.connected
    assert c.props.state == Sio.ClientState.OPEN


def test_close_engine(client, loop):
    c, rec = client
    admin = rec.watch(c.socket('/admin'))
    open_and_wait(loop, c, rec)
    admin.open()
    rec.wait_connected(loop, 2)
    c.emit_json('close-engine', None)
    loop.run_until(lambda: len(rec.disconnected) == 2, what='two disconnects')
    assert rec.disconnected == [Sio.DisconnectReason.SERVER] * 2
    loop.run_until(lambda: c.props.state == Sio.ClientState.CLOSED,
                   what='state CLOSED')
    loop.spin(0.3)
    assert rec.reconnect_attempts == []


def test_close_transport_reconnects(client, loop):
    c, rec = client
    open_and_wait(loop, c, rec)
    first_engine = c.props.engine_id
    c.emit_json('close-transport', None)
    loop.run_until(lambda: rec.disconnected, what='disconnected')
    assert rec.disconnected[0] in (Sio.DisconnectReason.TRANSPORT_CLOSE,
                                   Sio.DisconnectReason.TRANSPORT_ERROR)
    rec.wait_connected(loop, 2)
    assert rec.reconnect_attempts[0] == 1
    loop.run_until(lambda: rec.reconnected, what='reconnected')
    assert rec.reconnected[0] >= 1
    assert Sio.ClientState.RECONNECTING in rec.states
    assert c.props.state == Sio.ClientState.OPEN
    assert c.props.engine_id != first_engine
    c.emit_json('echo', '["back"]')
    rec.wait_event(loop, 'echo')
    assert rec.args('echo') == [['back']]


def test_server_restart(server, loop):
    with start_server(server.kind) as own:
        c = Sio.Client.new(own.url())
        c.props.engine_io_version = own.eio
        c.props.reconnection_delay = 100
        c.props.reconnection_delay_max = 300
        rec = Recorder()
        rec.watch(c)
        try:
            open_and_wait(loop, c, rec)
            own.kill()
            loop.run_until(lambda: rec.disconnected, what='disconnected')
            assert rec.disconnected == [Sio.DisconnectReason.TRANSPORT_CLOSE]
            assert c.props.state == Sio.ClientState.RECONNECTING
            own.restart()
            rec.wait_connected(loop, 2, timeout=20)
            c.emit_json('echo', '["back"]')
            rec.wait_event(loop, 'echo')
            assert rec.reconnected
        finally:
            c.close()
            rec.unwatch()


def test_wrong_path(server, loop):
    c = Sio.Client.new(server.url())
    c.props.engine_io_version = server.eio
    c.props.path = '/not-socket.io/'
    c.props.reconnection = False
    rec = Recorder()
    rec.watch(c)
    c.open()
    loop.run_until(lambda: rec.connect_errors, what='connect-error')
    assert sio_error(rec.connect_errors[0][0], Sio.Error.TRANSPORT)
    assert c.props.state == Sio.ClientState.CLOSED
    rec.unwatch()


# ---- transports -------------------------------------------------------------------

def test_polling_only(server, client, loop):
    c, rec = client
    c.props.transports = ['polling']
    c.props.upgrade = False
    open_and_wait(loop, c, rec)
    assert c.props.transport == 'polling'
    c.emit_full('echo', json_array(['poll', {'_placeholder': True, 'num': 0}]),
                [GLib.Bytes.new(b'\x01\x02')], Sio.EmitFlags.NONE, 0, None,
                None, None)
    echo = rec.wait_event(loop, 'echo')
    assert echo.get_attachment(0).get_data() == b'\x01\x02'
    source, result, _ = loop.call(
        lambda cb: c.emit_with_ack('ack', json_array(['p']), None, cb, None))
    assert array_to_py(c.emit_with_ack_finish(result)) == ['p']
    loop.spin(0.2)
    assert c.props.transport == 'polling'


def test_polling_upgrades(server, client, loop):
    c, rec = client
    transports = []
    c.connect('notify::transport',
              lambda obj, pspec: transports.append(obj.props.transport))
    c.set_transports(['polling', 'websocket'])
    c.set_upgrade(True)
    open_and_wait(loop, c, rec)
    # the connection starts with polling ...
    assert transports[0] == 'polling', transports
    # ... and upgrades soon after (the probe is one round trip)
    loop.run_until(lambda: c.props.transport == 'websocket', 5,
                   what='the upgrade to websocket')
    assert rec.disconnected == []
    c.emit_json('echo', '["upgraded"]')
    rec.wait_event(loop, 'echo')
    assert rec.args('echo') == [['upgraded']]


def test_polling_no_upgrade(server, client, loop):
    """With upgrade FALSE the polling transport is kept."""
    c, rec = client
    c.set_transports(['polling', 'websocket'])
    c.set_upgrade(False)
    open_and_wait(loop, c, rec)
    assert c.props.transport == 'polling'
    source, result, _ = loop.call(
        lambda cb: c.emit_with_ack('ack', json_array(['kept']), None, cb,
                                   None))
    assert array_to_py(c.emit_with_ack_finish(result)) == ['kept']
    assert c.props.transport == 'polling'


def test_websocket_fallback_order(client, loop):
    """The first transport of the list that opens is used."""
    c, rec = client
    c.props.transports = ['websocket']
    open_and_wait(loop, c, rec)
    assert c.props.transport == 'websocket'


# ---- threading / contexts ------------------------------------------------------------

def test_thread_default_context(server):
    """Objects belong to the thread-default context current at creation:
    their signals are delivered by iterating that context only."""
    ctx = GLib.MainContext.new()
    ctx.push_thread_default()
    try:
        own_loop = Loop(ctx)
        c = Sio.Client.new(server.url())
        c.props.engine_io_version = server.eio
        rec = Recorder()
        rec.watch(c)
        try:
            c.open()
            rec.wait_connected(own_loop)
            source, result, _ = own_loop.call(
                lambda cb: c.emit_with_ack('ack', json_array(['ctx']), None,
                                           cb, None))
            assert array_to_py(c.emit_with_ack_finish(result)) == ['ctx']
            c.emit_json('echo', '[1]')
            rec.wait_event(own_loop, 'echo')
        finally:
            c.close()
            rec.unwatch()
            own_loop.drain()
    finally:
        ctx.pop_thread_default()


def test_client_finalized_after_use(server, loop):
    """Once closed and dropped, a client that was connected (namespaces,
    pending ack done) is finalized: nothing keeps a reference behind."""
    import gc
    c = Sio.Client.new(server.url())
    c.props.engine_io_version = server.eio
    finalized = []
    c.weak_ref(lambda: finalized.append(True))
    admin = c.socket('/admin')
    c.open()
    admin.open()
    loop.run_until(lambda: c.props.connected and admin.props.connected,
                   what='both namespaces')
    done = []
    c.emit_with_ack('ack', None, None, lambda s, r, d: done.append(True), None)
    loop.run_until(lambda: done, what='the ack')
    c.close()
    c = admin = None
    gc.collect()
    loop.run_until(lambda: finalized, what='the client finalized')


def test_heartbeat_ping_timeout(server, loop):
    """A frozen server is declared dead (PING_TIMEOUT); the client
    reconnects once it is back."""
    with start_server(server.kind, '--ping-interval', '300',
                      '--ping-timeout', '200') as own:
        c = Sio.Client.new(own.url())
        c.props.engine_io_version = own.eio
        c.props.reconnection_delay = 100
        c.props.reconnection_delay_max = 300
        rec = Recorder()
        rec.watch(c)
        try:
            open_and_wait(loop, c, rec)
            # several ping intervals: the heartbeat keeps us connected
            loop.spin(1.0)
            assert rec.disconnected == []
            own.freeze()
            start = GLib.get_monotonic_time()
            loop.run_until(lambda: rec.disconnected, what='ping timeout')
            elapsed_ms = (GLib.get_monotonic_time() - start) / 1000
            assert rec.disconnected == [Sio.DisconnectReason.PING_TIMEOUT]
            assert elapsed_ms <= 300 + 200 + 1000
            assert c.props.state == Sio.ClientState.RECONNECTING
            own.thaw()
            rec.wait_connected(loop, 2, timeout=20)
            assert c.props.state == Sio.ClientState.OPEN
        finally:
            own.thaw()
            c.close()
            rec.unwatch()
