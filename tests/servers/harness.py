# SPDX-License-Identifier: LGPL-2.1-or-later
"""Start the real Socket.IO test servers from pytest (or any Python code).

    from harness import start_server

    with start_server("node4", "--ping-interval", "300") as server:
        client = Sio.Client.new(server.url("/admin"))
        ...

Kinds: "node4" (socket.io 4.8, Engine.IO v4), "node2" (socket.io 2.5,
Engine.IO v3) and "python" (python-socketio 5.7, Engine.IO v4).

Guarantees, as in tests/sio-test-server.c: the server listens on
127.0.0.1, start is bounded (20 s, then RuntimeError with the server's
stderr), processes are signalled by pid only, and the server's stdin is a
pipe held open by this object, so the server exits when the test process
goes away.  On Linux the server also gets SIGKILL when its parent dies
(this covers a frozen server; start servers from the main thread, as
the signal follows the thread that started them).  The server's stderr is copied to this
process's stderr (so pytest shows it with the test's output) and the last
lines are kept for error messages.

Pure Python, standard library only; meant for /usr/bin/python3.
"""

import ctypes
import os
import selectors
import shutil
import signal
import subprocess
import sys
import threading
import time

__all__ = ['Server', 'start_server', 'KINDS', 'SOURCE_ROOT']

KINDS = ('node4', 'node2', 'python')

START_TIMEOUT = 20.0
PORT_RETRY_WINDOW = 8.0
PORT_RETRY_DELAY = 0.15
TERM_GRACE = 2.0
REAP_TIMEOUT = 5.0


def _source_root():
    root = os.environ.get('SIO_SOURCE_ROOT')
    if root:
        return root
    srcdir = os.environ.get('G_TEST_SRCDIR')
    if srcdir:
        return os.path.normpath(os.path.join(srcdir, '..'))
    # this file is <root>/tests/servers/harness.py
    return os.path.normpath(os.path.join(os.path.dirname(
        os.path.abspath(__file__)), '..', '..'))


SOURCE_ROOT = _source_root()
_SERVERS_DIR = os.path.join(SOURCE_ROOT, 'tests', 'servers')


def _load_prctl():
    if not sys.platform.startswith('linux'):
        return None
    try:
        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):  # pragma: no cover
        return None


# Resolved here, never in the forked child.
_PRCTL = _load_prctl()
_PR_SET_PDEATHSIG = 1


def _make_preexec():
    if _PRCTL is None:
        return None
    parent = os.getpid()

    def preexec():
        # In the child between fork and exec: SIGKILL when the forking
        # thread's process goes away, and give up if it is already gone.
        _PRCTL(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
        if os.getppid() != parent:
            os._exit(127)
    return preexec


class Server:
    """A running test server; see start_server()."""

    def __init__(self, kind, extra_args=(), port=0):
        if kind not in KINDS:
            raise ValueError('unknown server kind %r (expected one of %s)'
                             % (kind, ', '.join(KINDS)))
        self.kind = kind
        self.extra_args = [str(a) for a in extra_args]
        self.port = int(port)
        self.eio = 3 if kind == 'node2' else 4
        self.process = None
        self._stderr_thread = None
        self._stderr_tail = []
        self._stderr_lock = threading.Lock()
        self._start(self.port)

    # -- command line ------------------------------------------------------

    def _argv(self, port):
        if self.kind == 'python':
            script = os.path.join(_SERVERS_DIR, 'python-server.py')
            argv = ['/usr/bin/python3', script]
        else:
            script = os.path.join(_SERVERS_DIR, 'node-server.js')
            node = shutil.which('node')
            if node is None:
                raise RuntimeError('`node` is not in PATH; the %s server '
                                   'needs Node.js' % self.kind)
            package = 'socket.io-v2' if self.kind == 'node2' else 'socket.io'
            manifest = os.path.join(SOURCE_ROOT, 'node_modules', package,
                                    'package.json')
            if not os.path.isfile(manifest):
                raise RuntimeError('the Node.js test servers need the npm '
                                   'packages: run `npm ci` in %s (%s is '
                                   'missing)' % (SOURCE_ROOT, manifest))
            argv = [node, script, '--version',
                    '2' if self.kind == 'node2' else '4']
        if not os.path.isfile(script):
            raise RuntimeError('%s not found (set SIO_SOURCE_ROOT)' % script)
        return argv + ['--port', str(port)] + self.extra_args

    # -- process life ------------------------------------------------------

    def _pump_stderr(self, stream):
        # Copy the server's stderr to ours, keeping the last lines.
        for raw in iter(stream.readline, b''):
            line = raw.decode('utf-8', 'replace')
            with self._stderr_lock:
                self._stderr_tail.append(line)
                del self._stderr_tail[:-200]
            try:
                sys.stderr.write(line)
                sys.stderr.flush()
            except Exception:  # pragma: no cover
                pass
        stream.close()

    def stderr_tail(self):
        """The last lines the server wrote on stderr (all attempts)."""
        with self._stderr_lock:
            return ''.join(self._stderr_tail)

    def _spawn_once(self, port, deadline):
        """Returns (ok, exited_early, message)."""
        argv = self._argv(port)
        proc = subprocess.Popen(
            argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, close_fds=True,
            preexec_fn=_make_preexec())
        self.process = proc
        pump = threading.Thread(target=self._pump_stderr, args=(proc.stderr,),
                                name='sio-server-stderr-%d' % proc.pid,
                                daemon=True)
        pump.start()
        self._stderr_thread = pump

        fd = proc.stdout.fileno()
        os.set_blocking(fd, False)
        buf = b''
        with selectors.DefaultSelector() as sel:
            sel.register(fd, selectors.EVENT_READ)
            while True:
                while b'\n' in buf:
                    line, buf = buf.split(b'\n', 1)
                    text = line.decode('utf-8', 'replace').strip()
                    if text.startswith('PORT '):
                        try:
                            actual = int(text[5:])
                        except ValueError:
                            actual = 0
                        if 0 < actual < 65536:
                            if port and actual != port:
                                self._kill_and_reap()
                                return (False, False,
                                        'server listens on port %d instead '
                                        'of %d' % (actual, port))
                            self.port = actual
                            return (True, False, None)
                    sys.stderr.write('harness: unexpected server output: %s\n'
                                     % text)
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    self._kill_and_reap()
                    return (False, False, 'timed out waiting for the '
                            'server\'s PORT line')
                if not sel.select(remaining):
                    continue
                try:
                    chunk = os.read(fd, 4096)
                except BlockingIOError:
                    continue
                if not chunk:
                    try:
                        proc.wait(timeout=2.0)
                        exited = True
                    except subprocess.TimeoutExpired:
                        exited = False
                    status = proc.returncode
                    self._kill_and_reap()
                    return (False, exited,
                            'the server exited (status %r) before it was '
                            'ready' % (status,))
                buf += chunk

    def _start(self, port):
        start = time.monotonic()
        deadline = start + START_TIMEOUT
        retry_until = start + PORT_RETRY_WINDOW
        attempts = 0
        while True:
            attempts += 1
            ok, exited_early, message = self._spawn_once(port, deadline)
            if ok:
                return
            if port and exited_early and time.monotonic() < retry_until:
                time.sleep(PORT_RETRY_DELAY)
                continue
            raise RuntimeError(
                'cannot start the %s server (%d attempt%s): %s\n'
                'command: %s\n--- server stderr ---\n%s'
                % (self.kind, attempts, '' if attempts == 1 else 's', message,
                   ' '.join(self._argv(port)), self.stderr_tail()))

    def _signal(self, sig):
        proc = self.process
        if proc is not None and proc.returncode is None:
            try:
                os.kill(proc.pid, sig)
            except ProcessLookupError:  # pragma: no cover
                pass

    def _close_pipes(self):
        proc = self.process
        if proc is None:
            return
        for stream in (proc.stdin, proc.stdout):
            try:
                if stream is not None:
                    stream.close()
            except Exception:  # pragma: no cover
                pass
        if self._stderr_thread is not None:
            self._stderr_thread.join(timeout=1.0)
            self._stderr_thread = None

    def _kill_and_reap(self):
        proc = self.process
        if proc is None:
            return
        self._signal(signal.SIGKILL)
        try:
            proc.wait(timeout=REAP_TIMEOUT)
        except subprocess.TimeoutExpired:  # pragma: no cover
            sys.stderr.write('harness: %s server (pid %d) did not die after '
                             'SIGKILL\n' % (self.kind, proc.pid))
        self._close_pipes()
        self.process = None

    # -- public API --------------------------------------------------------

    @property
    def pid(self):
        return self.process.pid if self.process is not None else None

    @property
    def running(self):
        return self.process is not None and self.process.poll() is None

    def url(self, nsp='/'):
        """'http://127.0.0.1:PORT' + nsp (nsp may be None or '')."""
        return 'http://127.0.0.1:%d%s' % (self.port, nsp or '')

    def freeze(self):
        """SIGSTOP: sockets stay open, nothing is answered."""
        self._signal(signal.SIGSTOP)

    def thaw(self):
        """SIGCONT."""
        self._signal(signal.SIGCONT)

    def kill(self):
        """SIGKILL and reap; the port is kept for restart()."""
        self._kill_and_reap()

    def restart(self):
        """Start again on the same port with the same arguments (kills the
        running process first, if any)."""
        self._kill_and_reap()
        self._start(self.port)

    def stop(self):
        """SIGTERM (and stdin EOF), SIGKILL after 2 s, reap.  Idempotent."""
        proc = self.process
        if proc is None:
            return
        self._signal(signal.SIGTERM)
        self._signal(signal.SIGCONT)  # a frozen server must see SIGTERM
        try:
            if proc.stdin is not None:
                proc.stdin.close()
        except Exception:  # pragma: no cover
            pass
        try:
            proc.wait(timeout=TERM_GRACE)
        except subprocess.TimeoutExpired:
            sys.stderr.write('harness: %s server (pid %d) ignored SIGTERM, '
                             'killing it\n' % (self.kind, proc.pid))
        self._kill_and_reap()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    def __del__(self):
        try:
            self.stop()
        except Exception:
            pass

    def __repr__(self):
        return '<Server %s port=%d pid=%s>' % (self.kind, self.port, self.pid)


def start_server(kind, *extra_args, port=0):
    """Start a test server of @kind ("node4", "node2", "python") with
    @extra_args appended to its command line, on @port (0: a free port).
    Raises RuntimeError when it is not ready within 20 s."""
    return Server(kind, extra_args, port)
