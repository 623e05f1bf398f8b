# SPDX-License-Identifier: LGPL-2.1-or-later
"""pytest configuration for the PyGObject tests of sio-glib.

Run with Debian's interpreter (it has python3-gi and python3-pytest):

    GI_TYPELIB_PATH=_build/sio-glib LD_LIBRARY_PATH=_build/sio-glib \\
        /usr/bin/python3 -m pytest -q tests/python

(`meson test -C _build --suite bindings` sets both variables itself.)
The variables must be in the environment before the interpreter starts:
the dynamic loader reads LD_LIBRARY_PATH once.  When they are missing this
file falls back to SIO_BUILD_ROOT (or <source>/_build) through
GIRepository, which is enough for the typelib and usually for the library.

What this file provides:

  * `Sio`, `Json`, `GLib`, `Gio`, `GObject` imported once (import them from
    here in the test modules: `from conftest import Sio, ...`);
  * `Loop`: spins a GLib.MainContext until a condition holds, bounded by a
    timeout (never sleeps, never hangs) -- fixture `loop`;
  * `server`: a real Socket.IO server, parametrized over "node4", "node2"
    and "python" (one process per kind for the whole session, started with
    tests/servers/harness.py);
  * `make_client` / `client`: a Sio.Client for that server with short
    reconnection delays, watched by a `Recorder`, closed at teardown;
  * autouse checks: an exception raised inside a GLib callback (signal
    handler, async callback, idle) fails the test, and so does a warning or
    critical logged by sio-glib that the test did not announce with
    `glib_log.expect(...)`.
"""

import json
import os
import sys

import pytest

_HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_ROOT = os.environ.get('SIO_SOURCE_ROOT') or os.path.normpath(
    os.path.join(_HERE, '..', '..'))
sys.path.insert(0, os.path.join(SOURCE_ROOT, 'tests', 'servers'))

import gi  # noqa: E402

gi.require_version('GLib', '2.0')
gi.require_version('GObject', '2.0')
gi.require_version('Gio', '2.0')
gi.require_version('Json', '1.0')
gi.require_version('GIRepository', '2.0')

from gi.repository import GIRepository  # noqa: E402


def _find_sio_typelib():
    """Makes Sio-1.0 loadable when the environment does not say where it is."""
    repo = GIRepository.Repository.get_default()
    if repo.enumerate_versions('Sio'):
        return
    candidates = []
    if os.environ.get('SIO_BUILD_ROOT'):
        candidates.append(os.path.join(os.environ['SIO_BUILD_ROOT'], 'sio-glib'))
    candidates.append(os.path.join(SOURCE_ROOT, '_build', 'sio-glib'))
    for directory in candidates:
        if os.path.isfile(os.path.join(directory, 'Sio-1.0.typelib')):
            GIRepository.Repository.prepend_search_path(directory)
            GIRepository.Repository.prepend_library_path(directory)
            return


_find_sio_typelib()
try:
    gi.require_version('Sio', '1.0')
except ValueError as exc:  # pragma: no cover
    raise RuntimeError(
        'Sio-1.0.typelib not found: set GI_TYPELIB_PATH and LD_LIBRARY_PATH '
        'to <builddir>/sio-glib before starting Python (%s)' % exc)

from gi.repository import GLib, GObject, Gio, Json, Sio  # noqa: E402,F401

from harness import KINDS, start_server  # noqa: E402

__all__ = ['Sio', 'GLib', 'GObject', 'Gio', 'Json', 'Loop', 'Recorder',
           'json_array', 'json_node', 'node_to_py', 'array_to_py',
           'KINDS', 'start_server', 'SOURCE_ROOT', 'WAIT']

# Every wait of the suite is bounded by this (seconds).
WAIT = 10.0


# ---- JSON helpers -----------------------------------------------------------

def json_node(value):
    """A Json.Node for a Python value."""
    return Json.from_string(json.dumps(value))


def json_array(values):
    """A Json.Array for a Python list."""
    return json_node(list(values)).get_array()


def node_to_py(node):
    """A Python value for a Json.Node, walking it with the json-glib API.

    (Not through Json.to_string: json-glib 1.6 writes doubles such as 1e21
    as "1e+21.0", which is not JSON.)"""
    if node is None:
        return None
    kind = node.get_node_type()
    if kind == Json.NodeType.NULL:
        return None
    if kind == Json.NodeType.ARRAY:
        return array_to_py(node.get_array())
    if kind == Json.NodeType.OBJECT:
        obj = node.get_object()
        return {name: node_to_py(obj.get_member(name))
                for name in obj.get_members()}
    value_type = node.get_value_type()
    if value_type == GObject.TYPE_INT64:
        return node.get_int()
    if value_type == GObject.TYPE_DOUBLE:
        return node.get_double()
    if value_type == GObject.TYPE_BOOLEAN:
        return node.get_boolean()
    if value_type == GObject.TYPE_STRING:
        return node.get_string()
    raise AssertionError('unexpected JSON value type %r' % value_type)


def array_to_py(array):
    return [node_to_py(array.get_element(i))
            for i in range(array.get_length())]


# ---- main loop --------------------------------------------------------------

class WaitTimeout(AssertionError):
    pass


class Loop:
    """Spins one GLib.MainContext (the thread-default one by default)."""

    def __init__(self, context=None):
        self.context = context if context is not None else \
            GLib.MainContext.default()

    def _deadline_source(self, seconds, flag):
        source = GLib.timeout_source_new(max(1, int(seconds * 1000)))

        def expired(*_args):
            flag.append(True)
            return GLib.SOURCE_REMOVE
        source.set_callback(expired)
        source.attach(self.context)
        return source

    def run_until(self, cond, timeout=WAIT, what=None):
        """Iterates the context until cond() is true; raises WaitTimeout
        after @timeout seconds.  Returns cond()'s value."""
        value = cond()
        if value:
            return value
        expired = []
        source = self._deadline_source(timeout, expired)
        try:
            while True:
                value = cond()
                if value:
                    return value
                if expired:
                    raise WaitTimeout('timed out after %.1f s waiting for %s'
                                      % (timeout, what or getattr(
                                          cond, '__name__', 'a condition')))
                self.context.iteration(True)
        finally:
            source.destroy()

    def spin(self, seconds):
        """Lets the context run for @seconds (for checking that something
        does NOT happen)."""
        expired = []
        source = self._deadline_source(seconds, expired)
        try:
            while not expired:
                self.context.iteration(True)
        finally:
            source.destroy()

    def drain(self, limit=1000):
        """Dispatches what is ready now (bounded)."""
        for _ in range(limit):
            if not self.context.iteration(False):
                break

    def call(self, start, timeout=WAIT, what=None):
        """Runs an async call in callback style and waits for it.

        @start(callback) must start the operation with @callback as its
        GAsyncReadyCallback (called as callback(source, result, *user_data)).
        Returns (source, result) once the callback ran."""
        box = []

        def callback(source, result, *user_data):
            box.append((source, result, user_data))
        start(callback)
        self.run_until(lambda: box, timeout, what or 'an async callback')
        return box[0]


# ---- recorder ---------------------------------------------------------------

class Recorder:
    """Collects what a socket (and a client) signals."""

    def __init__(self):
        self.events = []            # Sio.Event, in order
        self.connected = 0
        self.disconnected = []      # Sio.DisconnectReason
        self.connect_errors = []    # (GLib.Error, python value of data)
        self.reconnect_attempts = []
        self.reconnected = []
        self.reconnect_failed = 0
        self.states = []            # Sio.ClientState on notify::state
        self._handlers = []

    def watch(self, socket):
        ids = [
            socket.connect('event', self._on_event),
            socket.connect('connected', self._on_connected),
            socket.connect('disconnected', self._on_disconnected),
            socket.connect('connect-error', self._on_connect_error),
        ]
        if isinstance(socket, Sio.Client):
            ids += [
                socket.connect('reconnect-attempt', self._on_attempt),
                socket.connect('reconnected', self._on_reconnected),
                socket.connect('reconnect-failed', self._on_failed),
                socket.connect('notify::state', self._on_state),
            ]
        self._handlers.append((socket, ids))
        return socket

    def unwatch(self):
        for socket, ids in self._handlers:
            for i in ids:
                if socket.handler_is_connected(i):
                    socket.disconnect(i)
        self._handlers = []

    def _on_event(self, socket, event):
        self.events.append(event)

    def _on_connected(self, socket):
        self.connected += 1

    def _on_disconnected(self, socket, reason):
        self.disconnected.append(reason)

    def _on_connect_error(self, socket, error, data):
        self.connect_errors.append((error, node_to_py(data)))

    def _on_attempt(self, client, attempt):
        self.reconnect_attempts.append(attempt)

    def _on_reconnected(self, client, attempts):
        self.reconnected.append(attempts)

    def _on_failed(self, client):
        self.reconnect_failed += 1

    def _on_state(self, client, pspec):
        self.states.append(client.props.state)

    # queries

    def named(self, name, namespace=None):
        return [e for e in self.events if e.get_name() == name and
                (namespace is None or e.get_namespace() == namespace)]

    def args(self, name, namespace=None):
        """Python values of the args of every event @name, in order."""
        return [json.loads(e.get_args_json())
                for e in self.named(name, namespace)]

    def wait_event(self, loop, name, count=1, namespace=None, timeout=WAIT):
        loop.run_until(lambda: len(self.named(name, namespace)) >= count,
                       timeout, 'event %r #%d' % (name, count))
        return self.named(name, namespace)[count - 1]

    def wait_connected(self, loop, count=1, timeout=WAIT):
        loop.run_until(lambda: self.connected >= count, timeout,
                       '%d connected signal(s)' % count)


# ---- fixtures ---------------------------------------------------------------

@pytest.fixture
def loop():
    return Loop()


@pytest.fixture(scope='session', params=KINDS)
def server(request):
    """One server process per kind for the whole session."""
    srv = start_server(request.param)
    yield srv
    srv.stop()


@pytest.fixture
def make_client(server, loop):
    """make_client(nsp='/') -> (client, recorder); closed at teardown."""
    made = []

    def make(nsp='/', watch=True):
        client = Sio.Client.new(server.url(nsp))
        client.set_engine_io_version(server.eio)
        client.set_reconnection_delay(100)
        client.set_reconnection_delay_max(500)
        rec = Recorder()
        if watch:
            rec.watch(client)
        made.append((client, rec))
        return client, rec

    yield make
    for client, rec in made:
        client.close()
        rec.unwatch()
    # closing handshakes and deferred frees
    loop.drain()


@pytest.fixture
def client(make_client):
    return make_client()


def open_and_wait(loop, client, rec):
    client.open()
    rec.wait_connected(loop)


# ---- failure detectors --------------------------------------------------------

class GLibLogCapture:
    """Captures warnings and criticals of the sio-glib (and Json) log domains."""

    DOMAINS = ('sio-glib', 'Json')
    LEVELS = (GLib.LogLevelFlags.LEVEL_WARNING |
              GLib.LogLevelFlags.LEVEL_CRITICAL |
              GLib.LogLevelFlags.FLAG_FATAL |
              GLib.LogLevelFlags.FLAG_RECURSION)

    def __init__(self):
        self.messages = []
        self.expected = []
        self._ids = []

    def install(self):
        for domain in self.DOMAINS:
            self._ids.append((domain, GLib.log_set_handler(
                domain, self.LEVELS, self._handler, None)))

    def uninstall(self):
        for domain, hid in self._ids:
            GLib.log_remove_handler(domain, hid)
        self._ids = []

    def _handler(self, domain, level, message, *_user_data):
        self.messages.append((domain, level, message))

    def expect(self, substring):
        """Announces one message containing @substring."""
        self.expected.append(substring)

    def take(self, substring):
        """Removes and returns the messages containing @substring."""
        taken = [m for m in self.messages if substring in m[2]]
        self.messages = [m for m in self.messages if substring not in m[2]]
        return taken

    def unexpected(self):
        left = list(self.messages)
        for substring in self.expected:
            for m in left:
                if substring in m[2]:
                    left.remove(m)
                    break
        return left


@pytest.fixture(autouse=True)
def glib_log():
    capture = GLibLogCapture()
    capture.install()
    yield capture
    capture.uninstall()
    bad = capture.unexpected()
    if bad:
        pytest.fail('unexpected GLib log messages: %r' % (bad,))


@pytest.fixture(autouse=True)
def callback_exceptions():
    """PyGObject prints exceptions raised in callbacks through
    sys.excepthook and goes on; make them fail the test."""
    caught = []
    previous = sys.excepthook

    def hook(exc_type, exc, tb):
        caught.append(exc)
        previous(exc_type, exc, tb)
    sys.excepthook = hook
    yield caught
    sys.excepthook = previous
    if caught:
        pytest.fail('exception(s) raised in GLib callbacks: %r' % (caught,))
