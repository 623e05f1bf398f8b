# SPDX-License-Identifier: LGPL-2.1-or-later
"""Helpers of the deployment tests (tests/python/test_deploy*.py).

  * `Helper`: any process that speaks the harness protocol (prints
    "PORT <n>" on stdout when ready; see harness.py), started, watched and
    stopped by pid exactly like the test servers -- used for
    tests/servers/http-proxy.py;
  * `start_proxy(*args)`: the loopback HTTP proxy, and `proxy_stats()`;
  * `make_certificates(directory)`: a throwaway CA and a server
    certificate for 127.0.0.1 / localhost, made with `openssl`;
  * `Daemon`: a process that cannot tell its port (nginx, redis-server):
    started on a port the OS just gave out, retried on another one when it
    cannot bind, ready when `probe(port, pid)` says so, stopped by pid;
  * `free_port()`.

Standard library only; meant for /usr/bin/python3.
"""

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

from harness import SOURCE_ROOT, Server, _make_preexec

__all__ = ['Helper', 'start_proxy', 'proxy_stats', 'make_certificates',
           'Certificates', 'Daemon', 'free_port', 'require_program']

_SERVERS_DIR = os.path.join(SOURCE_ROOT, 'tests', 'servers')


def require_program(name):
    """The path of @name, or a RuntimeError saying how to install it (the
    deployment tests fail loudly rather than skip)."""
    path = shutil.which(name) or next(
        (p for p in ('/usr/sbin/' + name, '/usr/bin/' + name)
         if os.access(p, os.X_OK)), None)
    if path is None:
        raise RuntimeError('`%s` is missing: run scripts/install-deps.sh '
                           '(Debian package list)' % name)
    return path


class Helper(Server):
    """A process speaking the harness protocol, started like a test server:
    @argv gets "--port N" appended.  `kind` is @label once started."""

    def __init__(self, label, argv):
        self._helper_argv = [str(a) for a in argv]
        super().__init__('node4')
        self.kind = label

    def _argv(self, port):
        return self._helper_argv + ['--port', str(port)]


def start_proxy(*args):
    """tests/servers/http-proxy.py on a free loopback port (--refuse: a
    proxy answering 403 to everything)."""
    script = os.path.join(_SERVERS_DIR, 'http-proxy.py')
    return Helper('http-proxy', ['/usr/bin/python3', script] + list(args))


def proxy_stats(proxy):
    """The proxy's counters: {"connect", "forward", "upgrade", "refused"}."""
    conn = http.client.HTTPConnection('127.0.0.1', proxy.port, timeout=5)
    try:
        conn.request('GET', '/__stats')
        response = conn.getresponse()
        assert response.status == 200, response.status
        return json.loads(response.read())
    finally:
        conn.close()


# ---- certificates -------------------------------------------------------------

class Certificates:
    """Paths of the PEM files made by make_certificates()."""

    def __init__(self, directory):
        self.directory = str(directory)
        self.ca = os.path.join(self.directory, 'ca.pem')
        self.ca_key = os.path.join(self.directory, 'ca-key.pem')
        self.cert = os.path.join(self.directory, 'server.pem')
        self.key = os.path.join(self.directory, 'server-key.pem')


def _openssl(directory, *args):
    openssl = require_program('openssl')
    proc = subprocess.run([openssl] + list(args), cwd=str(directory),
                          stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=30)
    if proc.returncode != 0:
        raise RuntimeError('openssl %s failed (%d): %s'
                           % (args[0], proc.returncode,
                              proc.stderr.decode('utf-8', 'replace')))


def make_certificates(directory):
    """A throwaway CA (ca.pem) and a certificate it signed for 127.0.0.1 and
    localhost (server.pem, server-key.pem), valid for two days, in
    @directory.  Returns a Certificates."""
    certs = Certificates(directory)
    key = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1',
           '-nodes']
    _openssl(directory, 'req', '-x509', *key, '-keyout', certs.ca_key,
             '-out', certs.ca, '-days', '2', '-subj', '/CN=sio-glib test CA',
             '-addext', 'basicConstraints=critical,CA:TRUE',
             '-addext', 'keyUsage=critical,keyCertSign,cRLSign')
    csr = os.path.join(certs.directory, 'server.csr')
    _openssl(directory, 'req', *key, '-keyout', certs.key, '-out', csr,
             '-subj', '/CN=127.0.0.1')
    ext = os.path.join(certs.directory, 'server.ext')
    with open(ext, 'w') as f:
        f.write('basicConstraints = CA:FALSE\n'
                'keyUsage = digitalSignature, keyEncipherment\n'
                'extendedKeyUsage = serverAuth\n'
                'subjectAltName = IP:127.0.0.1, DNS:localhost\n')
    _openssl(directory, 'x509', '-req', '-in', csr, '-CA', certs.ca,
             '-CAkey', certs.ca_key, '-set_serial',
             str(int.from_bytes(os.urandom(8), 'big')), '-days', '2',
             '-extfile', ext, '-out', certs.cert)
    return certs


# ---- processes that cannot tell their port -------------------------------------

def free_port():
    """A TCP port of 127.0.0.1 that the OS just gave out (free a moment
    ago: Daemon retries on another one when the process cannot bind it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


class Daemon:
    """A foreground process listening on a port it is told.

    @argv_for(port) gives the command line; @probe(port, pid) returns True
    once the process answers as expected on that port (it must recognise
    this very process, not just any listener).  Start is bounded (20 s in all);
    a process that exits before it is ready is started again on another
    port (up to 5 times).  Output goes to @log_path.  The process gets
    SIGKILL if this one dies (as with the harness), and stop() / kill()
    signal it by pid only."""

    START_TIMEOUT = 20.0
    ATTEMPTS = 5

    def __init__(self, label, argv_for, probe, log_path):
        self.label = label
        self.port = None
        self.process = None
        self._log_path = log_path
        self._start(argv_for, probe)

    def _start(self, argv_for, probe):
        deadline = time.monotonic() + self.START_TIMEOUT
        for _attempt in range(self.ATTEMPTS):
            port = free_port()
            argv = argv_for(port)
            with open(self._log_path, 'ab') as log:
                self.process = subprocess.Popen(
                    argv, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                    close_fds=True, preexec_fn=_make_preexec())
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    break               # could not bind, most likely: retry
                try:
                    if probe(port, self.process.pid):
                        self.port = port
                        return
                except OSError:
                    pass
                time.sleep(0.05)
            else:
                self.kill()
                raise RuntimeError('%s not ready within %.0f s: %s\n%s'
                                   % (self.label, self.START_TIMEOUT,
                                      ' '.join(argv), self.log_tail()))
            self.process = None
        raise RuntimeError('%s exited before it was ready (%d attempts): '
                           '%s\n%s' % (self.label, self.ATTEMPTS,
                                       ' '.join(argv), self.log_tail()))

    def log_tail(self, lines=30):
        try:
            with open(self._log_path, 'rb') as f:
                text = f.read().decode('utf-8', 'replace')
        except OSError:
            return ''
        return ''.join(text.splitlines(True)[-lines:])

    @property
    def pid(self):
        return self.process.pid if self.process is not None else None

    def _signal_and_reap(self, sig, wait):
        proc = self.process
        if proc is None:
            return True
        if proc.poll() is None:
            try:
                os.kill(proc.pid, sig)
            except ProcessLookupError:
                pass
        try:
            proc.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            return False
        self.process = None
        return True

    def kill(self):
        """SIGKILL and reap."""
        if not self._signal_and_reap(signal.SIGKILL, 5.0):
            sys.stderr.write('deploy: %s (pid %d) did not die after '
                             'SIGKILL\n' % (self.label, self.process.pid))

    def stop(self):
        """SIGTERM, SIGKILL after 2 s, reap.  Idempotent."""
        if not self._signal_and_reap(signal.SIGTERM, 2.0):
            self.kill()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    def __repr__(self):
        return '<Daemon %s port=%s pid=%s>' % (self.label, self.port,
                                               self.pid)
