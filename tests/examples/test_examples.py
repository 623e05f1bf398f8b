# SPDX-License-Identifier: LGPL-2.1-or-later
"""The examples, run the way a user runs them, against the demo server.

Both GTK chat windows (C and Python) run on an Xvfb display this module
starts: each window sends a message through its entry and Send button
(--send), a second client (sio-cli) sends one through the server, and the
test checks that the window listed the server's message and that sio-cli
received the window's.  What the window lists comes from its --print
lines, which it reads back from its row widgets.  A screenshot of each
window (xwd, converted to PNG here) is saved in
<build>/meson-logs/screenshots/ and must not be blank.  The GJS extension
and the Vala program run too.

    meson test -C _build --suite examples --print-errorlogs

Every process is started here, signalled by pid only, and killed at the
end, also on failure; every wait is bounded.  Nothing is skipped: a missing
program fails with what to install (scripts/install-deps.sh).
"""

import ctypes
import json
import os
import queue
import select
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zlib

import pytest

ROOT = os.environ.get("SIO_SOURCE_ROOT",
                      os.path.normpath(os.path.join(os.path.dirname(__file__), "..", "..")))
BUILD = os.environ.get("SIO_BUILD_ROOT", os.path.join(ROOT, "_build"))
SCREENSHOT_DIR = os.environ.get("SIO_SCREENSHOT_DIR",
                                os.path.join(BUILD, "meson-logs", "screenshots"))

WAIT = 10.0        # any single wait
EXIT_WAIT = 10.0   # a process ending after SIGTERM or end of input
WINDOW_TITLE = "Socket.IO Chat"


def need(path_or_name, what, hint):
    """The program, or a failure that says what to install."""
    if path_or_name and os.path.sep in path_or_name and os.access(path_or_name, os.X_OK):
        return path_or_name
    found = shutil.which(path_or_name) if path_or_name else None
    if found is None:
        pytest.fail(f"{what} is missing ({path_or_name or 'not built'}): {hint}")
    return found


# -- processes -----------------------------------------------------------------

_libc = ctypes.CDLL(None, use_errno=True)


def _die_with_parent():
    # in the child, before exec: SIGKILL when this test process dies
    _libc.prctl(1, int(signal.SIGKILL), 0, 0, 0)  # PR_SET_PDEATHSIG


class Proc:
    """A child process whose stdout and stderr lines are collected."""

    def __init__(self, argv, env=None, stdin=False, name=None):
        self.name = name or os.path.basename(argv[0])
        self.popen = subprocess.Popen(
            argv, env=env, cwd=ROOT,
            stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            preexec_fn=_die_with_parent)
        self.stdout = []
        self.stderr = []
        self._lines = queue.Queue()
        self._threads = [
            threading.Thread(target=self._pump, args=(self.popen.stdout, self.stdout, "out"),
                             daemon=True),
            threading.Thread(target=self._pump, args=(self.popen.stderr, self.stderr, "err"),
                             daemon=True),
        ]
        for t in self._threads:
            t.start()

    def _pump(self, stream, lines, kind):
        for raw in iter(stream.readline, b""):
            line = raw.decode("utf-8", "replace").rstrip("\n")
            lines.append(line)
            self._lines.put((kind, line))
        stream.close()

    def wait_line(self, predicate, what, kind="out", timeout=WAIT):
        """The first new line of stdout (or stderr) for which predicate holds."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            try:
                got_kind, line = self._lines.get(timeout=min(remaining, 0.2))
            except queue.Empty:
                if self.popen.poll() is not None and self._lines.empty() and \
                        not any(t.is_alive() for t in self._threads):
                    break
                continue
            if got_kind == kind and predicate(line):
                return line
        pytest.fail(f"{self.name}: no {what} within {timeout:.0f} s "
                    f"(exit status {self.popen.poll()})\n{self.transcript()}")

    def write(self, text):
        self.popen.stdin.write(text.encode())
        self.popen.stdin.flush()

    def close_stdin(self):
        if self.popen.stdin is not None and not self.popen.stdin.closed:
            self.popen.stdin.close()

    def signal(self, signum):
        if self.popen.poll() is None:
            os.kill(self.popen.pid, signum)

    def wait(self, timeout=EXIT_WAIT):
        try:
            status = self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pytest.fail(f"{self.name} did not exit within {timeout:.0f} s\n{self.transcript()}")
        for t in self._threads:
            t.join(timeout=2)
        return status

    def kill(self):
        """Stops the process by pid: SIGTERM, then SIGKILL."""
        if self.popen.poll() is None:
            os.kill(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout=3)
            except subprocess.TimeoutExpired:
                os.kill(self.popen.pid, signal.SIGKILL)
                self.popen.wait(timeout=3)
        self.close_stdin()

    def transcript(self):
        return (f"--- {self.name} stdout\n" + "\n".join(self.stdout) +
                f"\n--- {self.name} stderr\n" + "\n".join(self.stderr))


@pytest.fixture
def procs():
    """Processes a test starts; all are killed at its end."""
    started = []
    yield started
    for p in reversed(started):
        p.kill()


@pytest.fixture(scope="module")
def server():
    """The demo server on a free port of 127.0.0.1; yields its URL."""
    node = need("node", "Node.js", "run scripts/install-deps.sh")
    if not os.path.isfile(os.path.join(ROOT, "node_modules", "socket.io", "package.json")):
        pytest.fail("the demo server needs socket.io: run `npm ci` in " + ROOT)
    proc = Proc([node, os.path.join(ROOT, "examples", "server", "server.js"),
                 "--port", "0", "--exit-on-stdin-eof"], stdin=True, name="server.js")
    try:
        line = proc.wait_line(lambda l: l.startswith("PORT "), "PORT line")
        yield f"http://127.0.0.1:{int(line.split()[1])}"
    finally:
        proc.kill()
        sys.stderr.write(proc.transcript() + "\n")


@pytest.fixture(scope="module")
def display():
    """An Xvfb display; yields its name (":N")."""
    xvfb = need("Xvfb", "Xvfb", "install the xvfb package (scripts/install-deps.sh)")
    log = tempfile.TemporaryFile()
    read_fd, write_fd = os.pipe()
    # -displayfd: Xvfb picks a free display and writes its number when ready
    proc = subprocess.Popen([xvfb, "-displayfd", str(write_fd), "-screen", "0", "1024x768x24",
                             "-nolisten", "tcp", "-noreset"],
                            pass_fds=(write_fd,), stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=log,
                            preexec_fn=_die_with_parent)
    os.close(write_fd)
    try:
        number = b""
        deadline = time.monotonic() + WAIT
        while not number.endswith(b"\n") and time.monotonic() < deadline:
            ready, _, _ = select.select([read_fd], [], [], 0.2)
            if ready:
                chunk = os.read(read_fd, 16)
                if not chunk:
                    break
                number += chunk
        if not number.strip().isdigit():
            proc.kill()
            proc.wait(timeout=3)
            log.seek(0)
            pytest.fail("Xvfb did not start: " + log.read().decode(errors="replace"))
        yield ":" + number.strip().decode()
    finally:
        os.close(read_fd)
        log.close()
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=3)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=3)


def gi_env(**extra):
    env = dict(os.environ)
    typelibs = os.path.join(BUILD, "sio-glib")
    env.setdefault("GI_TYPELIB_PATH", typelibs)
    env.setdefault("LD_LIBRARY_PATH", typelibs)
    env.update(extra)
    return env


@pytest.fixture
def window_env(display, tmp_path):
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    env = gi_env(DISPLAY=display, GDK_BACKEND="x11",
                 # a software X server: the cairo renderer, no GL
                 GSK_RENDERER="cairo",
                 # no accessibility bus on a bare display
                 GTK_A11Y="none", NO_AT_BRIDGE="1",
                 XDG_RUNTIME_DIR=str(runtime),
                 G_DEBUG="fatal-criticals")
    env.pop("WAYLAND_DISPLAY", None)
    return env


# -- screenshots ---------------------------------------------------------------

def xwd_to_rgb(data):
    """Width, height and RGB bytes of a 24/32-bit TrueColor XWD image."""
    fields = struct.unpack(">25I", data[:100])
    header_size, pixmap_format = fields[0], fields[2]
    width, height, byte_order = fields[4], fields[5], fields[7]
    bits_per_pixel, bytes_per_line = fields[11], fields[12]
    masks = fields[14:17]
    ncolors = fields[19]
    if pixmap_format != 2 or bits_per_pixel != 32:
        raise ValueError(f"unsupported XWD image (format {pixmap_format}, {bits_per_pixel} bpp)")
    offset = header_size + 12 * ncolors
    order = "<" if byte_order == 0 else ">"
    shifts = [(m & -m).bit_length() - 1 for m in masks]
    rgb = bytearray()
    for y in range(height):
        row = data[offset + y * bytes_per_line: offset + y * bytes_per_line + 4 * width]
        if masks == (0xFF0000, 0xFF00, 0xFF) and order == "<":
            # the usual layout, B G R x in memory
            line = bytearray(3 * width)
            line[0::3], line[1::3], line[2::3] = row[2::4], row[1::4], row[0::4]
        else:
            line = bytearray()
            for (pixel,) in struct.iter_unpack(order + "I", row):
                line += bytes(((pixel & m) >> s) & 0xFF for m, s in zip(masks, shifts))
        rgb += line
    return width, height, bytes(rgb)


def write_png(path, width, height, rgb):
    def chunk(kind, body):
        return (struct.pack(">I", len(body)) + kind + body +
                struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))
    stride = 3 * width
    raw = b"".join(b"\0" + rgb[y * stride:(y + 1) * stride] for y in range(height))
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)))
        f.write(chunk(b"IDAT", zlib.compress(raw, 6)))
        f.write(chunk(b"IEND", b""))


def screenshot(display, png_path):
    """Saves the window titled WINDOW_TITLE as a PNG, as the X server shows it."""
    xwd = need("xwd", "xwd", "install the x11-apps package (scripts/install-deps.sh)")
    r = subprocess.run([xwd, "-silent", "-display", display, "-name", WINDOW_TITLE],
                       capture_output=True, timeout=WAIT)
    assert r.returncode == 0, r.stderr.decode(errors="replace")
    width, height, rgb = xwd_to_rgb(r.stdout)
    os.makedirs(os.path.dirname(png_path), exist_ok=True)
    write_png(png_path, width, height, rgb)


def check_png(path):
    """The PNG decodes (GdkPixbuf) and is not a blank, single-colour image."""
    import gi
    gi.require_version("GdkPixbuf", "2.0")
    from gi.repository import GdkPixbuf

    assert os.path.getsize(path) > 0
    pixbuf = GdkPixbuf.Pixbuf.new_from_file(path)
    width, height = pixbuf.get_width(), pixbuf.get_height()
    assert width >= 300 and height >= 300, (width, height)
    n, stride = pixbuf.get_n_channels(), pixbuf.get_rowstride()
    pixels = pixbuf.get_pixels()
    counts = {}
    for y in range(0, height, 2):
        for x in range(0, width, 2):
            i = y * stride + x * n
            colour = pixels[i:i + 3]
            counts[colour] = counts.get(colour, 0) + 1
    total = sum(counts.values())
    # text, borders and a coloured Send button make many colours
    assert len(counts) >= 16, f"{path}: only {len(counts)} colours"
    assert max(counts.values()) < 0.95 * total, f"{path}: mostly one colour"


# -- the GTK chat windows ------------------------------------------------------

def rows(proc):
    return [json.loads(l) for l in proc.stdout if l.startswith("{") and '"row"' in l]


def run_chat_window(argv, name, server, display, window_env, procs):
    sio_cli = need(os.environ.get("SIO_CLI", os.path.join(BUILD, "tools", "sio-cli")),
                   "sio-cli", "build the project (ninja -C <build>)")
    window_text = f"hello from the {name} window"
    server_text = f"hello from sio-cli to the {name} window"

    # the server side: a second client, which receives every relayed "chat"
    cli = Proc([sio_cli, "--json", "-e", "chat", server], stdin=True, name="sio-cli")
    procs.append(cli)
    cli.wait_line(lambda l: "connected to namespace" in l, "connection", kind="err")

    window = Proc(argv + ["--print", "--send", window_text, server], env=window_env, name=name)
    procs.append(window)

    # the window typed and sent its message; the server acked it
    def delivered(line):
        row = json.loads(line) if line.startswith("{") else {}
        return (row.get("sender") == "You" and row.get("text") == window_text and
                row.get("status", "").startswith("✓ Delivered"))
    window.wait_line(delivered, "delivered row for its message")

    # ... and the server relayed it to the other client
    def relayed(text):
        def match(line):
            event = json.loads(line) if line.startswith("{") else {}
            args = event.get("args") or [{}]
            return event.get("event") == "chat" and args[0].get("text") == text
        return match
    relay = json.loads(cli.wait_line(relayed(window_text), "relay of the window's message"))

    # the server side speaks; the window lists it
    cli.write("chat " + json.dumps(server_text) + "\n")
    cli_id = json.loads(cli.wait_line(relayed(server_text), "relay of its own message"))["args"][0]["from"]
    window.wait_line(lambda l: l.startswith("{") and json.loads(l).get("text") == server_text,
                     "row for the server's message")
    assert relay["args"][0]["from"] != cli_id

    # let the last rows reach the screen, then take the screenshot
    time.sleep(0.5)
    png = os.path.join(SCREENSHOT_DIR, f"{name}.png")
    screenshot(window_env["DISPLAY"], png)

    # closing: SIGTERM closes the window as its close button does
    window.signal(signal.SIGTERM)
    assert window.wait() == 0, window.transcript()
    cli.close_stdin()
    assert cli.wait() == 0, cli.transcript()

    final = [r for r in rows(window) if r.get("final")]
    assert [(r["sender"], r["text"]) for r in final] == [
        ("Server", "Welcome to the sio-glib demo server (/)"),
        ("You", window_text),
        (cli_id, server_text),
    ], window.transcript()
    assert final[1]["status"].startswith("✓ Delivered"), final[1]
    assert json.loads(window.stdout[-1]) == {"state": "Disconnected"}
    assert {"state": "Connected"} in [json.loads(l) for l in window.stdout if '"state"' in l]
    problems = [l for l in window.stderr if "CRITICAL" in l or "WARNING" in l]
    assert not problems, window.transcript()

    check_png(png)


def test_gtk_chat_c(server, display, window_env, procs):
    exe = os.environ.get("SIO_GTK_CHAT")
    if not exe:
        pytest.fail("examples/gtk-chat was not built: GTK 4 was not found when configuring "
                    "(install libgtk-4-dev with scripts/install-deps.sh, then reconfigure)")
    run_chat_window([exe], "gtk-chat-c", server, display, window_env, procs)


def test_gtk_chat_python(server, display, window_env, procs):
    import gi
    try:
        gi.require_version("Gtk", "4.0")
    except ValueError:
        pytest.fail("no Gtk 4 typelib: install gir1.2-gtk-4.0 (scripts/install-deps.sh)")
    script = os.path.join(ROOT, "examples", "gtk-chat", "gtk-chat.py")
    run_chat_window(["/usr/bin/python3", script], "gtk-chat-py", server, display, window_env,
                    procs)


# -- GJS and Vala --------------------------------------------------------------

def test_gjs_extension(server, procs):
    gjs = need("gjs", "gjs", "install the gjs package (scripts/install-deps.sh)")
    proc = Proc([gjs, "-m", os.path.join(ROOT, "examples", "gjs-extension", "run.js"), server],
                env=gi_env(), name="run.js")
    procs.append(proc)
    assert proc.wait(timeout=WAIT) == 0, proc.transcript()
    out = proc.stdout
    assert "state open" in out, proc.transcript()
    assert "welcome Welcome to the sio-glib demo server (/)" in out, proc.transcript()
    assert "chat me: hello from GJS" in out, proc.transcript()
    (ack,) = [l for l in out if l.startswith("ack ")]
    reply = json.loads(ack[len("ack "):])
    assert reply[0]["delivered"] is True
    assert any(l.startswith("ping ") and l.endswith(" ms") for l in out), proc.transcript()
    # disable(): the client closed, and nothing printed after it
    assert out[-1] == "disabled (client closed)", proc.transcript()


def test_vala_simple(server, procs):
    exe = os.environ.get("SIO_VALA_SIMPLE")
    if not exe:
        pytest.fail("examples/vala was not built: valac or the vapi was missing when "
                    "configuring (install valac with scripts/install-deps.sh, then reconfigure)")
    proc = Proc([exe, server], name="simple-vala")
    procs.append(proc)
    assert proc.wait(timeout=WAIT) == 0, proc.transcript()
    out = proc.stdout
    (connected,) = [l for l in out if l.startswith("connected as ")]
    my_id = connected.split()[-1]
    assert "welcome: Welcome to the sio-glib demo server (/)" in out, proc.transcript()
    chat = [l for l in out if l.startswith("event chat ")]
    assert [json.loads(l[len("event chat "):]) for l in chat] == [
        [{"from": my_id, "text": "hello from Vala"}]], proc.transcript()
    (ack,) = [l for l in out if l.startswith("ack ")]
    assert json.loads(ack[len("ack "):])[0]["delivered"] is True
    assert out[-1] == "disconnected (SIO_DISCONNECT_REASON_CLIENT)", proc.transcript()
