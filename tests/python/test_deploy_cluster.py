# SPDX-License-Identifier: LGPL-2.1-or-later
"""sio-glib against a load-balanced socket.io cluster: nginx in front of two
socket.io 4.8.4 nodes sharing a Redis adapter (tests/cluster/cluster.py,
which starts and stops every process by pid, on free loopback ports).

Meson runs this file in the "deploy" suite.  By hand:

    GI_TYPELIB_PATH=_build/sio-glib LD_LIBRARY_PATH=_build/sio-glib \\
        /usr/bin/python3 -m pytest -q -p no:cacheprovider \\
        tests/python/test_deploy_cluster.py

It needs Debian's nginx and redis-server and the npm packages; see
scripts/install-deps.sh.  Tests marked "[upgrade]" need the polling ->
WebSocket upgrade.
"""

import json
import os
import sys

import pytest

from conftest import (SOURCE_ROOT, Recorder, Sio, array_to_py, json_array,
                      open_and_wait)

sys.path.insert(0, os.path.join(SOURCE_ROOT, 'tests', 'cluster'))
from cluster import NODES, Cluster  # noqa: E402

# Bound of a reconnection through the balancer after a node died.
FAILOVER_WAIT = 20.0


@pytest.fixture
def cluster(tmp_path):
    """A fresh cluster per test: a test may kill one of its nodes."""
    with Cluster(tmp_path) as c:
        yield c
        # shown by pytest when the test failed
        sys.stderr.write(c.logs() + '\n')


@pytest.fixture
def clients(loop):
    """new(uri, transports) -> (client, recorder): a private session each
    (so a cookie jar each, like separate users); closed at teardown."""
    made = []

    class Factory:
        @staticmethod
        def new(uri, transports):
            client = Sio.Client.new(uri)
            client.set_transports(transports)
            client.set_reconnection_delay(100)
            client.set_reconnection_delay_max(500)
            rec = Recorder()
            rec.watch(client)
            made.append((client, rec))
            return client, rec

        @staticmethod
        def close(client):
            for c, rec in made:
                if c is client:
                    c.close()
                    rec.unwatch()

    yield Factory
    for client, rec in made:
        client.close()
        rec.unwatch()
    loop.drain()


def ack(loop, client, event, args, timeout=10.0):
    _source, result, _ = loop.call(
        lambda cb: client.emit_with_ack(event, json_array(args), None, cb,
                                        None), timeout, 'ack of %r' % event)
    return array_to_py(client.emit_with_ack_finish(result))


def welcome_node(loop, rec, count=1):
    """The node named by the @count-th "welcome"."""
    welcome = rec.wait_event(loop, 'welcome', count)
    node = json.loads(welcome.get_args_json())[0]['node']
    assert node in NODES
    return node


def node_of(loop, client):
    """The node the server side of @client runs on (asked through it)."""
    return ack(loop, client, 'server-info', [])[0]['node']


def round_trips(loop, client, rec, node, n, tag):
    """@n acks and echo events, each answered by @node."""
    for i in range(n):
        assert ack(loop, client, 'ack', [tag, i]) == [tag, i]
        assert node_of(loop, client) == node
        before = len(rec.named('echo'))
        client.emit_json('echo', json.dumps([tag, i]))
        echo = rec.wait_event(loop, 'echo', before + 1)
        assert json.loads(echo.get_args_json()) == [tag, i]


def one_per_node(cluster, clients, loop, transports, limit=8):
    """Connects new clients until one is on each node (bounded);
    returns {node: (client, recorder)}."""
    found = {}
    for _ in range(limit):
        c, rec = clients.new(cluster.url(), transports)
        open_and_wait(loop, c, rec)
        node = welcome_node(loop, rec)
        if node in found:
            clients.close(c)
            continue
        found[node] = (c, rec)
        if len(found) == len(NODES):
            break
    assert sorted(found) == sorted(NODES), \
        'round-robin never reached every node in %d clients' % limit
    return found


@pytest.mark.parametrize('transports', [['websocket'], ['polling']],
                         ids=['websocket', 'polling'])
def test_broadcast_across_nodes(cluster, clients, loop, transports):
    """A broadcast emitted through a client on one node reaches a client
    attached to the other node (Redis adapter), and the other way."""
    found = one_per_node(cluster, clients, loop, transports)
    for node, (c, _rec) in found.items():
        assert node_of(loop, c) == node
    for sender in NODES:
        c, _ = found[sender]
        payload = {'from': sender, 'transports': transports}
        assert ack(loop, c, 'broadcast', [payload]) == []
        for node, (_c, rec) in found.items():
            got = rec.wait_event(loop, 'broadcast',
                                 NODES.index(sender) + 1)
            assert json.loads(got.get_args_json()) == [payload], node


@pytest.mark.parametrize('transports', [['polling'], ['polling', 'websocket']],
                         ids=['polling', 'polling-websocket'])
def test_sticky_polling(cluster, clients, loop, transports):
    """Long-polling through a round-robin balancer works only if every
    request of an Engine.IO session reaches the same node: the node's
    cookie in the client's jar routes them there.  Events and acks flow
    and the session is never lost."""
    c, rec = clients.new(cluster.url(), transports)
    open_and_wait(loop, c, rec)
    node = welcome_node(loop, rec)
    round_trips(loop, c, rec, node, 8, 'sticky')
    assert rec.connected == 1
    assert rec.disconnected == [] and rec.reconnect_attempts == []


def test_upgrade_through_balancer(cluster, clients, loop):
    """[upgrade] Polling first, then the WebSocket upgrade through nginx
    (to the same node, by cookie); events and acks flow on the WebSocket."""
    c, rec = clients.new(cluster.url(), ['polling', 'websocket'])
    open_and_wait(loop, c, rec)
    node = welcome_node(loop, rec)
    engine_id = c.props.engine_id
    loop.run_until(lambda: c.props.transport == 'websocket', 5.0,
                   'the upgrade to websocket')
    round_trips(loop, c, rec, node, 3, 'upgraded')
    info = ack(loop, c, 'socket-info', [])[0]
    assert info['transport'] == 'websocket'
    assert c.props.engine_id == engine_id == info['engine_id']
    assert rec.connected == 1 and rec.reconnect_attempts == []


@pytest.mark.parametrize('transports', [['websocket'], ['polling']],
                         ids=['websocket', 'polling'])
def test_failover_when_node_dies(cluster, clients, loop, transports):
    """SIGKILL of the node holding a client: the client reconnects through
    the balancer to the other node ("reconnected" fires) and carries on;
    the surviving client is not disturbed."""
    found = one_per_node(cluster, clients, loop, transports)
    victim = NODES[0]
    survivor = NODES[1]
    c, rec = found[victim]
    other, other_rec = found[survivor]
    queued_before = ack(loop, c, 'ack', ['before'])
    assert queued_before == ['before']

    cluster.kill_node(victim)
    loop.run_until(lambda: rec.reconnected, FAILOVER_WAIT,
                   'reconnection after the node died')
    assert rec.reconnected[0] >= 1
    assert rec.disconnected[:1] in ([Sio.DisconnectReason.TRANSPORT_CLOSE],
                                    [Sio.DisconnectReason.TRANSPORT_ERROR]), \
        rec.disconnected
    assert c.props.state == Sio.ClientState.OPEN
    assert welcome_node(loop, rec, 2) == survivor
    round_trips(loop, c, rec, survivor, 3, 'failover')

    # the two clients now share a node; broadcasts still reach both
    assert ack(loop, c, 'broadcast', ['after']) == []
    for r in (rec, other_rec):
        got = r.wait_event(loop, 'broadcast')
        assert json.loads(got.get_args_json()) == ['after']
    assert other_rec.disconnected == [] and other_rec.connected == 1
