# SPDX-License-Identifier: LGPL-2.1-or-later
"""A load-balanced socket.io cluster on loopback, for the cluster tests
(tests/python/test_deploy_cluster.py).

    with Cluster(tmpdir) as cluster:
        client = Sio.Client.new(cluster.url())
        ...
        cluster.kill_node('a')

What runs, every process started here and stopped by pid, all on free
ports of 127.0.0.1, every file in @tmpdir:

  * Debian's `redis-server` (no persistence);
  * two socket.io 4.8.4 nodes, "a" and "b" (tests/servers/node-server.js
    started through the harness with --node-name, --set-cookie
    sio_node=<name> and --redis-url: @socket.io/redis-adapter with the
    `redis` client, so a broadcast on one node reaches the clients of the
    other);
  * Debian's `nginx` as one foreground process (`master_process off`) with
    tests/cluster/nginx.conf.in: sticky sessions by the sio_node cookie,
    round-robin without it, the other node as backup, WebSocket proxying.

Startup is bounded (each part 20 s at most); a missing program raises
RuntimeError naming scripts/install-deps.sh.
"""

import os
import secrets
import socket
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(_HERE, '..', 'servers'))

from deploy import Daemon, require_program  # noqa: E402
from harness import start_server  # noqa: E402

__all__ = ['Cluster', 'NODES']

NODES = ('a', 'b')
COOKIE = 'sio_node'


def _exchange(port, data, until, limit=65536):
    """Sends @data to 127.0.0.1:@port, reads until @until(bytes) or EOF."""
    with socket.create_connection(('127.0.0.1', port), timeout=2) as s:
        s.sendall(data)
        got = b''
        while not until(got) and len(got) < limit:
            chunk = s.recv(4096)
            if not chunk:
                break
            got += chunk
        return got


class Cluster:
    def __init__(self, directory):
        self.directory = str(directory)
        self.redis = None
        self.nodes = {}
        self.nginx = None
        try:
            self._start()
        except BaseException:
            self.stop()
            raise

    # -- startup -------------------------------------------------------------

    def _start(self):
        redis_server = require_program('redis-server')
        nginx = require_program('nginx')

        def redis_argv(port):
            return [redis_server, '--port', str(port), '--bind', '127.0.0.1',
                    '--save', '', '--appendonly', 'no',
                    '--dir', self.directory, '--daemonize', 'no']

        def redis_probe(port, pid):
            # INFO names the process: make sure it is ours on that port.
            reply = _exchange(port, b'*2\r\n$4\r\nINFO\r\n$6\r\nserver\r\n',
                              lambda got: b'tcp_port:' in got)
            return ('process_id:%d\r\n' % pid).encode() in reply

        self.redis = Daemon('redis-server', redis_argv, redis_probe,
                            os.path.join(self.directory, 'redis.log'))

        redis_url = 'redis://127.0.0.1:%d' % self.redis.port
        for name in NODES:
            self.nodes[name] = start_server(
                'node4', '--node-name', name,
                '--set-cookie', '%s=%s' % (COOKIE, name),
                '--redis-url', redis_url)

        token = 'sio-glib-balancer-' + secrets.token_hex(8)
        template = os.path.join(_HERE, 'nginx.conf.in')
        with open(template) as f:
            conf_template = f.read()
        conf_path = os.path.join(self.directory, 'nginx.conf')

        def nginx_argv(port):
            conf = (conf_template
                    .replace('@DIR@', self.directory)
                    .replace('@PORT@', str(port))
                    .replace('@PORT_A@', str(self.nodes['a'].port))
                    .replace('@PORT_B@', str(self.nodes['b'].port))
                    .replace('@TOKEN@', token))
            with open(conf_path, 'w') as f:
                f.write(conf)
            return [nginx, '-p', self.directory + '/', '-c', conf_path,
                    '-e', os.path.join(self.directory, 'error.log'),
                    '-g', 'daemon off; pid %s;'
                    % os.path.join(self.directory, 'nginx.pid')]

        def nginx_probe(port, pid):
            reply = _exchange(port, b'GET /__balancer HTTP/1.0\r\n'
                              b'Host: 127.0.0.1\r\n\r\n', lambda got: False)
            return token.encode() in reply

        self.nginx = Daemon('nginx', nginx_argv, nginx_probe,
                            os.path.join(self.directory, 'nginx.out'))

    # -- use -----------------------------------------------------------------

    @property
    def port(self):
        return self.nginx.port

    def url(self, nsp='/'):
        """The balancer's URL."""
        return 'http://127.0.0.1:%d%s' % (self.nginx.port, nsp or '')

    def kill_node(self, name):
        """SIGKILL (by pid) and reap node @name."""
        self.nodes[name].kill()

    def logs(self):
        """The tail of nginx's access and error logs (for failure
        messages)."""
        text = []
        for name in ('access.log', 'error.log'):
            path = os.path.join(self.directory, name)
            try:
                with open(path, 'rb') as f:
                    lines = f.read().decode('utf-8', 'replace').splitlines()
            except OSError:
                continue
            text.append('--- %s ---\n%s' % (name, '\n'.join(lines[-40:])))
        return '\n'.join(text)

    def stop(self):
        """Stops everything started (nginx, the nodes, Redis), by pid.
        Idempotent."""
        if self.nginx is not None:
            self.nginx.stop()
        for node in self.nodes.values():
            node.stop()
        if self.redis is not None:
            self.redis.stop()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
        return False
