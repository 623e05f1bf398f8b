# SPDX-License-Identifier: LGPL-2.1-or-later
"""PyGObject overrides for sio-glib (GI namespace Sio 1.0).

Loaded by PyGObject itself on `from gi.repository import Sio` when this file
is in a `gi/overrides/` directory of sys.path (installed next to PyGObject's
own overrides; for a build tree, put `<source>/bindings/python` on
PYTHONPATH).  Everything of the plain GI API keeps working; this adds:

Python values
    `socket.emit('chat', 'hi', {'n': 1}, b'\\x00\\x01')`: str, int, float,
    bool, None, list, tuple, dict, and bytes / bytearray / memoryview /
    GLib.Bytes anywhere in the nesting (sent as binary attachments, like the
    JavaScript client sends a Buffer).  A lone `None` or `Json.Array` is the
    GI form, the whole argument list: `emit('x', None)` sends no argument,
    as python-socketio's `emit('x', None)` does.

Handlers
    `socket.on('chat', handler)` calls `handler(*values)` with Python values
    (bytes where the server sent binary).  When the server asked for an
    acknowledgement, what the handler returns is the answer, with
    python-socketio's convention: None answers with no argument, a tuple
    with its items, anything else with that one value.  A coroutine function
    may be a handler under `Sio.run()`: the answer is sent when it returns.
    `on()` returns the GObject handler id (`socket.off(id)`); with no handler
    it is a decorator.  `connect('event::chat', ...)` still gives Sio.Event
    objects, which gain `event.args` (Python values) and
    `event.ack(*values)`.

Acknowledgements
    `reply = await socket.emit_async('ping', 1, b'x', timeout=5)` gives the
    server's answer with the same convention (None, one value, or a tuple);
    it raises GLib.Error in the Sio domain (`Sio.Error.TIMEOUT`,
    `DISCONNECTED`, `INVALID_ARGUMENT`) or `Gio.IOErrorEnum.CANCELLED` when
    the given Gio.Cancellable is cancelled; cancelling the awaiting task
    cancels the acknowledgement.  In callback style:
    `socket.emit('ping', 1, callback=on_reply, error_callback=on_error)`.
    `await socket.open_async()` (no callback) joins the namespace.

asyncio
    PyGObject 3.42 has no asyncio integration, so this module brings one:
    `Sio.run(main())` runs a coroutine like `asyncio.run()` on an asyncio
    event loop that also dispatches the GLib main context (the
    thread-default one), which is where sio-glib delivers its events and
    acknowledgements.  `Sio.EventLoop` is that loop and `Sio.EventLoopPolicy`
    a policy for `asyncio.set_event_loop_policy()`.  Every asyncio feature
    (tasks, timers, sockets, subprocesses, executors) works on it; awaiting
    sio-glib on another asyncio loop would hang, as nothing would dispatch
    GLib.
"""

import asyncio
import inspect
import json
import math
import selectors
import signal
import threading

from gi.repository import GLib, GObject, Gio, Json

from ..module import get_introspection_module
from ..overrides import override

Sio = get_introspection_module('Sio')

__all__ = []

# The event names Socket.IO reserves (sio-glib refuses to emit them).
_RESERVED = frozenset(('connect', 'connect_error', 'disconnect',
                       'disconnecting', 'newListener', 'removeListener'))

# int32 milliseconds: the C API's timeout type.
_MAX_TIMEOUT_MS = 2 ** 31 - 1


# ---- values <-> JSON + attachments ----------------------------------------

def _invalid_argument(message):
    return GLib.Error.new_literal(Sio.error_quark(), message,
                                  int(Sio.Error.INVALID_ARGUMENT))


# Values without binary data (nearly all of them) take one encoder built
# once: json.dumps() with keyword arguments builds a new encoder per call,
# which doubles the cost of encoding a small event.
_PLAIN_ENCODER = json.JSONEncoder(allow_nan=False, ensure_ascii=False,
                                  separators=(',', ':'))


def _encode(values):
    """(JSON array text, [GLib.Bytes]) for a sequence of Python values.

    Binary values become {"_placeholder": true, "num": N} objects numbered
    in the order json.dumps meets them (depth first, dict order), which is
    the order of the JavaScript client."""
    try:
        return _PLAIN_ENCODER.encode(list(values)), []
    except TypeError:
        pass  # binary data, or a value JSON cannot carry: said below

    attachments = []

    def binary(obj):
        if isinstance(obj, GLib.Bytes):
            blob = obj
        elif isinstance(obj, (bytes, bytearray, memoryview)):
            blob = GLib.Bytes.new(bytes(obj))
        else:
            raise TypeError('Object of type %s cannot be sent: use str, int, '
                            'float, bool, None, list, tuple, dict or bytes'
                            % type(obj).__name__)
        attachments.append(blob)
        return {'_placeholder': True, 'num': len(attachments) - 1}

    text = json.dumps(list(values), default=binary, allow_nan=False,
                      ensure_ascii=False, separators=(',', ':'))
    return text, attachments


def _gi_args(values):
    """The GI form: a lone None or Json.Array is the whole argument list."""
    return len(values) == 1 and (values[0] is None or
                                 isinstance(values[0], Json.Array))


def _to_array(values):
    """(Json.Array or None, [GLib.Bytes]) for emit_full / ack_full."""
    if _gi_args(values):
        return values[0], []
    text, attachments = _encode(values)
    return Json.from_string(text).get_array(), attachments


def _bytes_of(gbytes):
    if gbytes is None:
        return None
    return gbytes.get_data() or b''


def _substitute(value, blobs):
    if isinstance(value, list):
        return [_substitute(v, blobs) for v in value]
    if isinstance(value, dict):
        num = value.get('num')
        if (value.get('_placeholder') is True and type(num) is int and
                0 <= num < len(blobs)):
            return blobs[num]
        return {k: _substitute(v, blobs) for k, v in value.items()}
    return value


def _values(event):
    """The arguments of a Sio.Event as a list of Python values, with bytes
    in place of the placeholders."""
    values = json.loads(Sio.Event.get_args_json(event))
    count = Sio.Event.get_n_attachments(event)
    if count:
        blobs = [_bytes_of(Sio.Event.get_attachment(event, i))
                 for i in range(count)]
        values = _substitute(values, blobs)
    return values


def _reply(values):
    """python-socketio's convention: no value -> None, one -> it, more ->
    a tuple."""
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return tuple(values)


def _answer_values(result):
    """The acknowledgement arguments a handler's return value stands for."""
    if result is None:
        return ()
    if isinstance(result, tuple):
        return result
    return (result,)


def _timeout_ms(timeout):
    """Seconds (Python style) to the C API's milliseconds: None is the
    socket's ack-timeout (-1), math.inf no timeout (0)."""
    if timeout is None:
        return -1
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
        raise TypeError('timeout must be a number of seconds or None')
    if math.isnan(timeout) or timeout <= 0:
        raise ValueError('timeout must be positive (seconds); None uses the '
                         'socket\'s ack-timeout, math.inf waits forever')
    if math.isinf(timeout):
        return 0
    return min(_MAX_TIMEOUT_MS, max(1, int(math.ceil(timeout * 1000))))


def _flags(volatile):
    return Sio.EmitFlags.VOLATILE if volatile else Sio.EmitFlags.NONE


# ---- awaitable GIO calls ---------------------------------------------------

class AsyncCall:
    """One started GIO call, awaitable on a Sio.EventLoop.

    The call starts when the object is made (the event is sent at once, as
    with the JavaScript client); awaiting it gives the result or raises the
    GLib.Error.  Cancelling the task that awaits it cancels the call (its
    own Gio.Cancellable, chained to the one the caller gave)."""

    def __init__(self, finish, convert, cancellable=None):
        self._finish = finish
        self._convert = convert
        self._outcome = None          # (value, error) once finished
        self._future = None           # the asyncio future of an await
        self.cancellable = Gio.Cancellable.new()
        self._chained = None
        if cancellable is not None:
            if cancellable.is_cancelled():
                self.cancellable.cancel()
            else:
                own = self.cancellable
                # GObject's connect: Gio.Cancellable.connect is
                # g_cancellable_connect there
                self._chained = (cancellable, GObject.Object.connect(
                    cancellable, 'cancelled', lambda _c: own.cancel()))

    def _callback(self, source, result, *_user_data):
        try:
            outcome = (self._convert(self._finish(source, result)), None)
        except GLib.Error as error:
            outcome = (None, error)
        self._outcome = outcome
        if self._chained is not None:
            cancellable, handler = self._chained
            self._chained = None
            GObject.Object.disconnect(cancellable, handler)
        future = self._future
        if future is not None and not future.done():
            value, error = outcome
            if error is not None:
                future.set_exception(error)
            else:
                future.set_result(value)

    def done(self):
        return self._outcome is not None

    def cancel(self):
        """Cancels the call; an await then raises GLib.Error CANCELLED."""
        self.cancellable.cancel()

    def result(self):
        """The value, or raises the error; only once done()."""
        if self._outcome is None:
            raise asyncio.InvalidStateError('the call has not finished')
        value, error = self._outcome
        if error is not None:
            raise error
        return value

    def __await__(self):
        if self._outcome is not None:
            return self.result()
        if self._future is None:
            self._future = asyncio.get_running_loop().create_future()
        try:
            return (yield from self._future.__await__())
        except asyncio.CancelledError:
            self.cancellable.cancel()
            raise


# ---- the asyncio event loop ----------------------------------------------------

def _condition(events):
    condition = GLib.IOCondition(0)
    if events & selectors.EVENT_READ:
        condition |= GLib.IOCondition.IN | GLib.IOCondition.PRI
    if events & selectors.EVENT_WRITE:
        condition |= GLib.IOCondition.OUT
    return condition


_READ_CONDITIONS = (GLib.IOCondition.IN | GLib.IOCondition.PRI |
                    GLib.IOCondition.HUP | GLib.IOCondition.ERR |
                    GLib.IOCondition.NVAL)
_WRITE_CONDITIONS = (GLib.IOCondition.OUT | GLib.IOCondition.HUP |
                     GLib.IOCondition.ERR | GLib.IOCondition.NVAL)


class _FdSource(GLib.Source):
    """The GSource polling the file descriptors asyncio waits for, with
    the timeout of the current select()."""

    def __init__(self):
        super().__init__()
        self.tags = {}                # fd -> tag of add_unix_fd
        self.keys = {}                # fd -> selector key
        self.ready = []               # (selector key, selectors mask)
        self.selecting = False        # only select() collects readiness
        self.deadline = None          # monotonic µs, or None

    def prepare(self):
        if not self.selecting or self.deadline is None:
            return False, -1
        left = self.deadline - GLib.get_monotonic_time()
        if left <= 0:
            return True, 0
        return False, (left + 999) // 1000

    def check(self):
        if not self.selecting:
            return False
        for fd, tag in self.tags.items():
            revents = self.query_unix_fd(tag)
            if not revents:
                continue
            key = self.keys[fd]
            mask = 0
            if revents & _READ_CONDITIONS:
                mask |= selectors.EVENT_READ
            if revents & _WRITE_CONDITIONS:
                mask |= selectors.EVENT_WRITE
            mask &= key.events
            if mask:
                self.ready.append((key, mask))
        return bool(self.ready) or (
            self.deadline is not None and
            GLib.get_monotonic_time() >= self.deadline)

    def dispatch(self, callback, args):
        return GLib.SOURCE_CONTINUE


class _GLibSelector(selectors._BaseSelectorImpl):
    """A selector whose select() iterates a GLib main context.

    While the loop runs, one source attached to the context polls the
    registered descriptors; select() gives it the timeout asyncio asks for
    and runs one iteration of the context, so every GLib source (sio-glib's
    sockets and timers) is dispatched while asyncio waits.  It returns
    after any dispatch, since a GLib callback may have made asyncio work
    ready (a future's result).  The source lives from run_forever() to its
    end: attaching a source (or adding a descriptor to it) wakes the
    context up, so doing it at each select() would spin."""

    def __init__(self, context):
        super().__init__()
        self._context = context
        self._source = None

    def attach(self):
        if self._source is not None:
            return
        source = _FdSource()
        for key in self._fd_to_key.values():
            source.keys[key.fd] = key
            source.tags[key.fd] = source.add_unix_fd(key.fd,
                                                     _condition(key.events))
        source.attach(self._context)
        self._source = source

    def detach(self):
        if self._source is not None:
            self._source.destroy()
            self._source = None

    def register(self, fileobj, events, data=None):
        key = super().register(fileobj, events, data)
        source = self._source
        if source is not None:
            source.keys[key.fd] = key
            source.tags[key.fd] = source.add_unix_fd(key.fd,
                                                     _condition(events))
        return key

    def unregister(self, fileobj):
        key = super().unregister(fileobj)
        source = self._source
        if source is not None and key.fd in source.tags:
            source.remove_unix_fd(source.tags.pop(key.fd))
            del source.keys[key.fd]
        return key

    def modify(self, fileobj, events, data=None):
        key = super().modify(fileobj, events, data)
        source = self._source
        if source is not None and key.fd in source.tags:
            # modify() may keep the fd and change data only: new key
            source.keys[key.fd] = key
        return key

    def select(self, timeout=None):
        self.attach()
        source = self._source
        source.ready = []
        source.deadline = None
        if timeout is not None and timeout > 0:
            source.deadline = GLib.get_monotonic_time() + \
                int(math.ceil(timeout * 1e6))
        source.selecting = True
        try:
            self._context.iteration(timeout is None or timeout > 0)
        finally:
            source.selecting = False
        ready, source.ready = source.ready, []
        return ready

    def close(self):
        self.detach()
        super().close()


class EventLoop(asyncio.SelectorEventLoop):
    """An asyncio event loop that dispatches a GLib main context while it
    waits (by default the thread-default context of the thread that makes
    it, where sio-glib objects made there deliver their signals)."""

    def __init__(self, context=None):
        self.glib_context = context if context is not None else \
            GLib.MainContext.ref_thread_default()
        super().__init__(_GLibSelector(self.glib_context))

    def run_forever(self):
        self._selector.attach()
        # GLib and GIO run threads of their own, and a signal may be
        # delivered to one of them, leaving the main thread in poll():
        # the wakeup fd makes every signal wake the loop up, so that
        # Python runs its handler (Ctrl-C) at once.
        previous_wakeup = None
        if threading.current_thread() is threading.main_thread():
            try:
                previous_wakeup = signal.set_wakeup_fd(
                    self._csock.fileno(), warn_on_full_buffer=False)
            except (AttributeError, OSError, ValueError):
                previous_wakeup = None
        try:
            super().run_forever()
        finally:
            if previous_wakeup is not None:
                try:
                    signal.set_wakeup_fd(previous_wakeup)
                except (OSError, ValueError):
                    pass
            if self._selector is not None:
                self._selector.detach()


class EventLoopPolicy(asyncio.DefaultEventLoopPolicy):
    """`asyncio.set_event_loop_policy(Sio.EventLoopPolicy())` makes
    asyncio.run() and asyncio.new_event_loop() use Sio.EventLoop."""
    _loop_factory = EventLoop


def new_event_loop():
    """A new Sio.EventLoop on the thread-default GLib main context."""
    return EventLoop()


def run(main, *, debug=None):
    """Runs coroutine @main on a new Sio.EventLoop, like asyncio.run(), and
    returns its result; the loop is closed afterwards."""
    if hasattr(asyncio, 'Runner'):
        with asyncio.Runner(debug=debug, loop_factory=EventLoop) as runner:
            return runner.run(main)
    loop = EventLoop()  # pragma: no cover (Python < 3.11)
    try:
        asyncio.set_event_loop(loop)
        if debug is not None:
            loop.set_debug(debug)
        return loop.run_until_complete(main)
    finally:
        try:
            tasks = asyncio.all_tasks(loop)
            for task in tasks:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*tasks,
                                                   return_exceptions=True))
            loop.run_until_complete(loop.shutdown_asyncgens())
        finally:
            asyncio.set_event_loop(None)
            loop.close()


__all__ += ['AsyncCall', 'EventLoop', 'EventLoopPolicy', 'new_event_loop',
            'run']


# ---- handlers ------------------------------------------------------------------

def _acknowledge(event, result):
    """Sends a handler's result as the answer, ignoring a socket that went
    away meanwhile (as the JavaScript client drops such answers)."""
    if not Sio.Event.wants_ack(event):
        return
    try:
        event.ack(*_answer_values(result))
    except GLib.Error as error:
        if not error.matches(Sio.error_quark(), Sio.Error.DISCONNECTED):
            raise


def _deliver(event, result):
    if not inspect.isawaitable(result):
        _acknowledge(event, result)
        return
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        if inspect.iscoroutine(result):
            result.close()
        raise RuntimeError(
            'a coroutine handler needs a running Sio.EventLoop: run the '
            'program with Sio.run(main())') from None
    task = asyncio.ensure_future(result, loop=loop)

    def finished(task):
        if task.cancelled():
            return
        error = task.exception()
        if error is not None:
            loop.call_exception_handler({
                'message': 'exception in the handler of Socket.IO event %r'
                           % Sio.Event.get_name(event),
                'exception': error,
                'task': task,
            })
            return
        _acknowledge(event, task.result())
    task.add_done_callback(finished)


# ---- Sio.Socket ------------------------------------------------------------------

class Socket(Sio.Socket):
    """Sio.Socket with Python values; see the module documentation."""

    def emit(self, event, *values, callback=None, error_callback=None,
             timeout=None, volatile=False):
        """Sends @event with Python @values (the Socket.IO emit; GObject's
        emit() stays reachable as GObject.Object.emit(socket, ...)).

        With @callback, asks for an acknowledgement and calls
        callback(*answer_values) with it; a failure (timeout in seconds,
        disconnection) goes to error_callback(GLib.Error) when given.
        Raises GLib.Error INVALID_ARGUMENT for a reserved event name, and
        TypeError / ValueError for values JSON cannot carry."""
        if error_callback is not None and callback is None:
            raise TypeError('error_callback needs a callback')
        timeout_ms = _timeout_ms(timeout)
        if callback is None:
            if _gi_args(values) and not volatile:
                return Sio.Socket.emit(self, event, values[0])
            if event in _RESERVED:
                raise _invalid_argument(
                    '"%s" is a reserved event name' % event)
            if not volatile:
                text, attachments = _encode(values)
                if not attachments:
                    Sio.Socket.emit_json(self, event, text)
                    return None
            array, attachments = _to_array(values)
            Sio.Socket.emit_full(self, event, array, attachments or None,
                                 _flags(volatile), timeout_ms, None, None)
            return None

        def answered(socket, result, *_user_data):
            try:
                reply = Sio.Socket.emit_full_finish(socket, result)
            except GLib.Error as error:
                if error_callback is not None:
                    error_callback(error)
                return
            callback(*_values(reply))

        array, attachments = _to_array(values)
        Sio.Socket.emit_full(self, event, array, attachments or None,
                             _flags(volatile), timeout_ms, None, answered)
        return None

    def emit_async(self, event, *values, timeout=None, cancellable=None,
                   volatile=False):
        """Sends @event asking for an acknowledgement; returns an awaitable
        (Sio.AsyncCall) giving the answer: None, one value, or a tuple.

        @timeout is in seconds (None: the socket's ack-timeout property,
        math.inf: none).  Raises GLib.Error (Sio.Error.TIMEOUT,
        DISCONNECTED, INVALID_ARGUMENT, or Gio.IOErrorEnum.CANCELLED)."""
        timeout_ms = _timeout_ms(timeout)
        array, attachments = _to_array(values)
        call = AsyncCall(Sio.Socket.emit_full_finish,
                         lambda reply: _reply(_values(reply)), cancellable)
        Sio.Socket.emit_full(self, event, array, attachments or None,
                             _flags(volatile), timeout_ms, call.cancellable,
                             call._callback)
        return call

    def open_async(self, cancellable=None, callback=None, *user_data):
        """With a callback, the GI call.  Without one, returns an awaitable
        (Sio.AsyncCall) that gives True once the namespace is joined and
        raises GLib.Error (CONNECT_REFUSED, ...) otherwise."""
        if callback is not None:
            return Sio.Socket.open_async(self, cancellable, callback,
                                         *user_data)
        call = AsyncCall(Sio.Socket.open_finish, bool, cancellable)
        Sio.Socket.open_async(self, call.cancellable, call._callback)
        return call

    def on(self, event, handler=None):
        """Calls handler(*values) for each event named @event; its return
        value answers an acknowledgement request.  Returns the handler id
        (for off()); without @handler, a decorator returning the handler."""
        if handler is None:
            def decorator(func):
                self.on(event, func)
                return func
            return decorator
        if not callable(handler):
            raise TypeError('handler must be callable')

        def trampoline(_socket, ev):
            _deliver(ev, handler(*_values(ev)))
        return self.connect('event::' + event, trampoline)

    def once(self, event, handler):
        """Like on(), for the next event named @event only."""
        box = []

        def trampoline(_socket, ev):
            if box:
                self.disconnect(box.pop())
            _deliver(ev, handler(*_values(ev)))
        box.append(self.connect('event::' + event, trampoline))
        return box[0]

    def on_any(self, handler):
        """Calls handler(name, *values) for every event; the return value
        answers as with on()."""
        def trampoline(_socket, ev):
            _deliver(ev, handler(Sio.Event.get_name(ev), *_values(ev)))
        return self.connect('event', trampoline)

    def off(self, handler_id):
        """Disconnects a handler that on(), once() or on_any() returned."""
        self.disconnect(handler_id)


Socket = override(Socket)
__all__.append('Socket')


# ---- Sio.Event -------------------------------------------------------------------

class Event(Sio.Event):
    """Sio.Event with Python values."""

    @property
    def args(self):
        """The arguments as a list of Python values (bytes for binary)."""
        return _values(self)

    def ack(self, *values):
        """Answers the server's acknowledgement request with Python values
        (bytes anywhere).  A lone None or Json.Array is the GI form.
        Returns True when the answer was sent; raises GLib.Error when the
        socket is disconnected."""
        if _gi_args(values):
            return Sio.Event.ack(self, values[0])
        text, attachments = _encode(values)
        if not attachments:
            return Sio.Event.ack_json(self, text)
        array = Json.from_string(text).get_array()
        return Sio.Event.ack_full(self, array, attachments)


Event = override(Event)
__all__.append('Event')
