# SPDX-License-Identifier: LGPL-2.1-or-later
"""The PyGObject overrides (bindings/python/gi/overrides/Sio.py) against
the real servers: Python values in and out, bytes as binary attachments,
return-value acknowledgements, awaitable acknowledgements on Sio.run().

The overrides load only when <source>/bindings/python is on PYTHONPATH
before the interpreter starts (tests/python/meson.build sets it).
"""

import asyncio
import math
import select
import signal
import subprocess
import time

import pytest

from conftest import (GLib, GObject, Gio, Sio, WAIT, json_array,
                      open_and_wait)

def test_overrides_are_loaded():
    assert hasattr(Sio, 'run'), (
        'the Sio overrides are not loaded: put <source>/bindings/python on '
        'PYTHONPATH before starting Python')
    assert Sio.Socket.__module__ == 'gi.overrides.Sio'
    assert Sio.Event.__module__ == 'gi.overrides.Sio'
    assert issubclass(Sio.Client, Sio.Socket)
    c = Sio.Client.new('http://127.0.0.1:1')
    assert c.emit.__func__ is Sio.Socket.emit
    assert Sio.Socket.emit is not GObject.Object.emit
    c.close()


def sio_error(err, code):
    return isinstance(err, GLib.Error) and \
        err.matches(Sio.error_quark(), code)


def cancelled_error(err):
    return isinstance(err, GLib.Error) and \
        err.matches(Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED)


async def until(cond, what, timeout=WAIT):
    """Waits on the running Sio.EventLoop until cond() is true."""
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError('timed out waiting for %s' % what)
        await asyncio.sleep(0.005)
    return cond()


# Values with binary anywhere in the nesting, and what comes back.
VALUES = ('h\u00e9llo \U0001F600', 42, -7, 2.5, True, False, None,
          {'n': 1, 'deep': [{'blob': b'\x00\x01\xff'}, (1, 'two')]},
          b'', bytearray(b'ba'), memoryview(b'mv'),
          GLib.Bytes.new(b'gb'), [], {})
RECEIVED = ['h\u00e9llo \U0001F600', 42, -7, 2.5, True, False, None,
            {'n': 1, 'deep': [{'blob': b'\x00\x01\xff'}, [1, 'two']]},
            b'', b'ba', b'mv', b'gb', [], {}]
PLACEHOLDERS = [{'_placeholder': True, 'num': i} for i in range(5)]


# ---- without a server --------------------------------------------------------

def test_values_that_cannot_be_sent():
    c = Sio.Client.new('http://127.0.0.1:1')
    c.set_reconnection(False)
    with pytest.raises(TypeError):
        c.emit('x', {1, 2})
    with pytest.raises(TypeError):
        c.emit('x', object())
    with pytest.raises(ValueError):
        c.emit('x', float('nan'))
    with pytest.raises(ValueError):
        c.emit('x', 1, callback=print, timeout=0)
    with pytest.raises(TypeError):
        c.emit('x', error_callback=print)
    for name in ('connect', 'disconnect', 'newListener'):
        with pytest.raises(GLib.Error) as info:
            c.emit(name, 1, b'x')
        assert sio_error(info.value, Sio.Error.INVALID_ARGUMENT)
    with pytest.raises(GLib.Error) as info:
        c.emit('connect')
    assert sio_error(info.value, Sio.Error.INVALID_ARGUMENT)
    c.close()


# ---- Python values both ways -------------------------------------------------

def test_emit_and_on(server, make_client, loop):
    c, rec = make_client()
    got = []
    handler_id = c.on('echo', lambda *values: got.append(values))
    assert isinstance(handler_id, int) and handler_id > 0
    open_and_wait(loop, c, rec)

    c.emit('echo', *VALUES)
    c.emit('echo')
    c.emit('echo', None)                       # GI form: no argument
    c.emit('echo', json_array(['raw', 1]))     # GI form: the list itself
    c.emit('echo', [None])
    c.emit('echo', 'volatile', volatile=True)
    loop.run_until(lambda: len(got) >= 6, what='six echoes')
    assert got[0] == tuple(RECEIVED)
    assert [type(v) for v in got[0][8:12]] == [bytes] * 4
    assert got[1:] == [(), (), ('raw', 1), ([None],), ('volatile',)]

    # the raw signal still gives Sio.Event, with the Python helpers
    events = rec.named('echo')
    assert isinstance(events[0], Sio.Event)
    assert events[0].args == RECEIVED
    assert events[0].get_n_attachments() == 5
    # placeholders in the order of the values, as the JavaScript client
    raw = events[0].get_args_json()
    assert '{"blob":{"_placeholder":true,"num":0}}' in raw
    assert raw.endswith('{"_placeholder":true,"num":1},{"_placeholder":true,'
                        '"num":2},{"_placeholder":true,"num":3},'
                        '{"_placeholder":true,"num":4},[],{}]')

    # off(): the handler is gone, other handlers stay
    c.off(handler_id)
    c.emit('echo', 'after off')
    rec.wait_event(loop, 'echo', 7)
    loop.drain()
    assert len(got) == 6


def test_binary_from_the_server(server, make_client, loop):
    c, rec = make_client()
    got = []
    c.on('binary', lambda *values: got.append(values))
    open_and_wait(loop, c, rec)
    c.emit('binary', 1000)
    loop.run_until(lambda: got, what='binary')
    assert got == [({'size': 1000,
                     'data': bytes(i % 256 for i in range(1000))},)]


def test_decorator_once_on_any(server, make_client, loop):
    c, rec = make_client()
    seen = []

    @c.on('echo')
    def on_echo(*values):
        seen.append(('on', values))

    assert callable(on_echo)
    c.once('echo', lambda *values: seen.append(('once', values)))
    any_id = c.on_any(lambda name, *values: seen.append(('any', name,
                                                         values)))
    open_and_wait(loop, c, rec)
    c.emit('echo', 1)
    c.emit('echo', 2)
    rec.wait_event(loop, 'echo', 2)
    loop.drain()
    echoes = [s for s in seen if s[0] != 'any' or s[1] == 'echo']
    assert echoes == [('on', (1,)), ('once', (1,)), ('any', 'echo', (1,)),
                      ('on', (2,)), ('any', 'echo', (2,))]
    assert ('any', 'welcome', ({'nsp': '/', 'id': c.props.id},)) in seen
    c.off(any_id)


def test_handler_return_value_answers(server, make_client, loop):
    c, rec = make_client()
    answers = {
        'one': lambda q: 'yes',
        'none': lambda q: None,
        'many': lambda q: (q, 2, b'\x07\x08'),
        'list': lambda q: [q, {'bin': b'\x00'}],
        'tuple-in-tuple': lambda q: ((1, 2),),
    }
    for name, fn in answers.items():
        c.on(name, fn)
    open_and_wait(loop, c, rec)
    for name in answers:
        c.emit('ask', name, 'q-' + name)
        rec.wait_event(loop, 'answer', len(rec.named('answer')) + 1)
    got = [e.args for e in rec.named('answer')]
    assert got == [['yes'], [], ['q-many', 2, b'\x07\x08'],
                   [['q-list', {'bin': b'\x00'}]], [[1, 2]]]

    # an event that asks for nothing: the return value is dropped
    c.on('echo', lambda *values: 'ignored')
    c.emit('echo', 'x')
    rec.wait_event(loop, 'echo')
    assert rec.named('echo')[0].wants_ack() is False


def test_event_ack_python_values(server, make_client, loop):
    c, rec = make_client()
    kept = []
    c.connect('event::later', lambda socket, event: kept.append(event))
    open_and_wait(loop, c, rec)

    c.emit('ask', 'later', 'question', b'\x01')
    loop.run_until(lambda: kept, what='later')
    event = kept[0]
    assert event.args == ['question', b'\x01']
    assert event.wants_ack()
    assert event.ack('fine', {'data': b'\xfe\xff'}, [b'', 3]) is True
    answer = rec.wait_event(loop, 'answer')
    assert answer.args == ['fine', {'data': b'\xfe\xff'}, [b'', 3]]
    assert answer.get_n_attachments() == 2

    c.emit('ask', 'later')
    loop.run_until(lambda: len(kept) == 2, what='second later')
    assert kept[1].ack() is True                      # no argument
    assert rec.wait_event(loop, 'answer', 2).args == []


# ---- asyncio --------------------------------------------------------------------

def test_emit_async(server, make_client, loop):
    c, rec = make_client()

    async def main():
        assert await c.open_async() is True
        assert c.props.connected
        one = await c.emit_async('ack', 'single', timeout=WAIT)
        many = await c.emit_async('ack', 1, b'x', {'b': b'yz'})
        none = await c.emit_async('ack')
        gi_form = await c.emit_async('ack', json_array([{'k': [1]}]))
        both = await asyncio.gather(c.emit_async('ack', 'a'),
                                    c.emit_async('ack', 'b'))
        return one, many, none, gi_form, both

    one, many, none, gi_form, both = Sio.run(main())
    assert one == 'single'
    assert many == (1, b'x', {'b': b'yz'})
    assert none is None
    assert gi_form == {'k': [1]}
    assert both == ['a', 'b']


def test_emit_async_errors(server, make_client, loop):
    c, rec = make_client()

    async def main():
        await c.open_async()
        errors = {}

        start = time.monotonic()
        try:
            await c.emit_async('no-such-handler', timeout=0.2)
        except GLib.Error as e:
            errors['timeout'] = (e, time.monotonic() - start)

        # the given Gio.Cancellable
        cancellable = Gio.Cancellable()
        pending = c.emit_async('no-such-handler', cancellable=cancellable)
        GLib.timeout_add(50, lambda: cancellable.cancel() and False)
        try:
            await pending
        except GLib.Error as e:
            errors['cancellable'] = e

        # cancelling the awaiting task cancels the acknowledgement
        call = c.emit_async('no-such-handler')
        task = asyncio.ensure_future(call)
        await asyncio.sleep(0.05)
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            errors['task'] = True
        await until(call.done, 'the cancelled call to end')
        try:
            call.result()
        except GLib.Error as e:
            errors['task-call'] = e

        # asyncio.wait_for
        try:
            await asyncio.wait_for(c.emit_async('no-such-handler'), 0.1)
        except asyncio.TimeoutError:
            errors['wait_for'] = True

        try:
            await c.emit_async('disconnect', 1)
        except GLib.Error as e:
            errors['reserved'] = e

        dropped = c.emit_async('no-such-handler')
        await asyncio.sleep(0.02)
        c.close()
        try:
            await dropped
        except GLib.Error as e:
            errors['disconnected'] = e
        return errors

    errors = Sio.run(main())
    error, elapsed = errors['timeout']
    assert sio_error(error, Sio.Error.TIMEOUT)
    assert 0.19 <= elapsed < 5
    assert cancelled_error(errors['cancellable'])
    assert errors['task'] is True
    assert cancelled_error(errors['task-call'])
    assert errors['wait_for'] is True
    assert sio_error(errors['reserved'], Sio.Error.INVALID_ARGUMENT)
    assert sio_error(errors['disconnected'], Sio.Error.DISCONNECTED)


def test_open_async_refused(server, make_client, loop):
    c, rec = make_client()

    async def main():
        await c.open_async()
        nope = c.socket('/nope')
        try:
            await nope.open_async()
        except GLib.Error as e:
            return e
    error = Sio.run(main())
    assert sio_error(error, Sio.Error.CONNECT_REFUSED)


def test_emit_callback(server, make_client, loop):
    c, rec = make_client()
    replies, errors = [], []
    open_and_wait(loop, c, rec)
    c.emit('ack', 'cb', b'\x05', callback=lambda *a: replies.append(a))
    c.emit('no-such-handler', callback=lambda *a: replies.append(a),
           error_callback=errors.append, timeout=0.1)
    c.emit('no-such-handler', callback=lambda *a: replies.append(a),
           timeout=0.1)   # no error_callback: the failure is dropped
    loop.run_until(lambda: replies and errors, what='reply and error')
    loop.spin(0.2)
    assert replies == [('cb', b'\x05')]
    assert len(errors) == 1 and sio_error(errors[0], Sio.Error.TIMEOUT)


def test_coroutine_handler(server, make_client, loop):
    c, rec = make_client()

    async def slow_answer(question):
        await asyncio.sleep(0.05)
        return 'thought about ' + question, b'\x2a'

    c.on('question', slow_answer)

    async def main():
        await c.open_async()
        c.emit('ask', 'question', 'life')
        await until(lambda: rec.named('answer'), 'the answer')
        return rec.named('answer')[0].args
    assert Sio.run(main()) == ['thought about life', b'\x2a']


def test_coroutine_handler_needs_the_loop(server, make_client, loop,
                                          callback_exceptions):
    """A coroutine handler on a plain GLib loop fails loudly."""
    c, rec = make_client()

    async def handler(*values):
        return 1
    c.on('echo', handler)
    open_and_wait(loop, c, rec)
    c.emit('echo', 1)
    rec.wait_event(loop, 'echo')
    loop.drain()
    assert len(callback_exceptions) == 1
    assert isinstance(callback_exceptions[0], RuntimeError)
    assert 'Sio.run' in str(callback_exceptions[0])
    callback_exceptions.clear()


def test_event_loop_really_waits(server, make_client, loop):
    """No busy loop: sleeping costs no CPU, and asyncio keeps working
    (executor, subprocess, sockets) while GLib is dispatched."""
    c, rec = make_client()

    async def main():
        await c.open_async()
        cpu = time.process_time()
        wall = time.monotonic()
        await asyncio.sleep(0.5)
        idle = (time.process_time() - cpu, time.monotonic() - wall)

        running = asyncio.get_running_loop()
        assert isinstance(running, Sio.EventLoop)
        in_thread = await running.run_in_executor(None, sum, [1, 2, 3])
        proc = await asyncio.create_subprocess_exec(
            '/bin/echo', 'out', stdout=asyncio.subprocess.PIPE)
        out, _ = await asyncio.wait_for(proc.communicate(), WAIT)
        # a plain asyncio socket to the server, while sio-glib works
        reader, writer = await asyncio.open_connection('127.0.0.1',
                                                       server.port)
        writer.write(b'GET / HTTP/1.0\r\n\r\n')
        head = await asyncio.wait_for(reader.read(12), WAIT)
        writer.close()
        reply = await c.emit_async('ack', 'still here')
        return idle, in_thread, out, head, reply

    (cpu, wall), in_thread, out, head, reply = Sio.run(main())
    assert wall >= 0.49
    assert cpu < 0.2, 'the loop spun while sleeping (%.2f s CPU)' % cpu
    assert in_thread == 6
    assert out == b'out\n'
    assert head.startswith(b'HTTP/1.')
    assert reply == 'still here'


def test_event_loop_policy(server, make_client, loop):
    c, rec = make_client()
    previous = asyncio.get_event_loop_policy()
    asyncio.set_event_loop_policy(Sio.EventLoopPolicy())
    try:
        async def main():
            assert isinstance(asyncio.get_running_loop(), Sio.EventLoop)
            await c.open_async()
            return await c.emit_async('ack', 'policy', timeout=math.inf)
        assert asyncio.run(main()) == 'policy'
    finally:
        asyncio.set_event_loop_policy(previous)


CTRL_C_PROGRAM = r'''
import asyncio
import signal
import sys

import gi
gi.require_version('Sio', '1.0')
from gi.repository import Sio

# a shell may start us with SIGINT ignored; asyncio.Runner then keeps out
signal.signal(signal.SIGINT, signal.default_int_handler)


async def main():
    client = Sio.Client.new(sys.argv[1])   # GIO threads are running
    client.open()
    print('ready', flush=True)
    await asyncio.sleep(60)

try:
    Sio.run(main())
except KeyboardInterrupt:
    print('interrupted', flush=True)
'''


def test_ctrl_c_interrupts_sio_run(server, tmp_path):
    """SIGINT ends Sio.run() at once, although the loop waits in GLib's
    poll() (a GLib-based loop that misses it would wait out the sleep)."""
    script = tmp_path / 'ctrl_c.py'
    script.write_text(CTRL_C_PROGRAM)
    proc = subprocess.Popen(['/usr/bin/python3', str(script), server.url()],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        ready, _, _ = select.select([proc.stdout], [], [], WAIT)
        assert ready, 'the program did not start'
        assert proc.stdout.readline() == 'ready\n'
        time.sleep(0.3)
        start = time.monotonic()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=WAIT)
        elapsed = time.monotonic() - start
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert out == 'interrupted\n', err
    assert proc.returncode == 0, err
    assert elapsed < 5
