# SPDX-License-Identifier: LGPL-2.1-or-later
"""sio-cli against real servers: what a user typing at it would see."""

import json
import os
import socket
import subprocess
import sys

import pytest

ROOT = os.environ.get("SIO_SOURCE_ROOT", os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "servers"))
from harness import start_server  # noqa: E402

CLI = os.environ.get("SIO_CLI", os.path.join(ROOT, "_build", "tools", "sio-cli"))


def run_cli(*args, stdin="", timeout=30):
    return subprocess.run([CLI, *args], input=stdin, capture_output=True,
                          text=True, timeout=timeout)


def lines(out):
    return [json.loads(line) for line in out.splitlines() if line.strip()]


@pytest.fixture(params=["node4", "node2", "python"])
def server(request):
    with start_server(request.param) as srv:
        yield srv


def eio_args(srv):
    return ["-E", str(srv.eio)]


def test_echo_event_printed_as_json_line(server):
    r = run_cli(*eio_args(server), "-e", "echo", "-c", "1", server.url(),
                stdin='echo "hi" {"n": 1, "x": 0.1}\n')
    assert r.returncode == 0, r.stderr
    assert lines(r.stdout) == [{"event": "echo", "namespace": "/",
                                "args": ["hi", {"n": 1, "x": 0.1}]}]


def test_ack_reply_printed(server):
    r = run_cli(*eio_args(server), "--ack", "-e", "none", server.url(),
                stdin='ack 1 "two" [3]\n')
    assert r.returncode == 0, r.stderr
    assert lines(r.stdout) == [{"ack": "ack", "args": [1, "two", [3]]}]


def test_namespace_from_url(server):
    r = run_cli(*eio_args(server), "-e", "welcome", "-c", "1", server.url("/admin"),
                stdin="")
    assert r.returncode == 0, r.stderr
    (event,) = lines(r.stdout)
    assert event["namespace"] == "/admin"
    assert event["args"][0]["nsp"] == "/admin"


def test_refused_namespace_exits_2(server):
    r = run_cli(*eio_args(server), "--no-reconnect", server.url("/auth"), stdin="")
    assert r.returncode == 2
    assert "Not authorized" in r.stderr


def test_server_disconnect_exits_3(server):
    r = run_cli(*eio_args(server), "--stay", server.url(), stdin="disconnect-me\n")
    assert r.returncode == 3


def test_no_server_exits_2():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    r = run_cli("--no-reconnect", f"http://127.0.0.1:{port}", stdin="")
    assert r.returncode == 2
    assert r.stderr.strip()


def test_bad_json_line_is_reported_and_skipped():
    with start_server("node4") as srv:
        r = run_cli("-e", "echo", "-c", "1", srv.url(),
                    stdin='echo {bad\necho "good"\n')
    assert r.returncode == 0, r.stderr
    assert "line 1" in r.stderr
    assert lines(r.stdout) == [{"event": "echo", "namespace": "/", "args": ["good"]}]


def test_usage_errors_exit_1():
    assert run_cli("--auth", "[1]", "http://127.0.0.1:1").returncode == 1
    assert run_cli().returncode == 1
    r = run_cli("--help")
    assert r.returncode == 0
    assert "--namespace" in r.stdout


def test_debug_log_traces_packets(server):
    """G_MESSAGES_DEBUG=sio-glib traces the packets on stderr (sio-glib log
    domain); stdout stays plain JSON lines."""
    env = dict(os.environ, G_MESSAGES_DEBUG="sio-glib")
    r = subprocess.run([CLI, *eio_args(server), "-e", "echo", "-c", "1", server.url()],
                       input='echo "traced"\n', capture_output=True, text=True,
                       timeout=30, env=env)
    assert r.returncode == 0, r.stderr
    assert lines(r.stdout) == [{"event": "echo", "namespace": "/", "args": ["traced"]}]
    debug = [line for line in r.stderr.splitlines() if "sio-glib-DEBUG" in line]
    assert any("engine: open sid=" in line for line in debug), r.stderr
    assert any('recv 2["echo","traced"]' in line for line in debug), r.stderr
    # and nothing without it
    env.pop("G_MESSAGES_DEBUG")
    quiet = subprocess.run([CLI, *eio_args(server), "-e", "echo", "-c", "1", server.url()],
                           input='echo "quiet"\n', capture_output=True, text=True,
                           timeout=30, env=env)
    assert quiet.returncode == 0, quiet.stderr
    assert "sio-glib-DEBUG" not in quiet.stderr
