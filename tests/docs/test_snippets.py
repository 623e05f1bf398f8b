# SPDX-License-Identifier: LGPL-2.1-or-later
"""Runs the Python and JavaScript code blocks of the guides (doc/*.md).

Conventions of the markdown (gi-docgen renders all of them):

  ```python / ```js          a complete program.  It is run as is with
                             /usr/bin/python3 or `gjs -m`, against
                             tests/servers/node-server.js --version 4 on a
                             free port of 127.0.0.1, and must exit 0 within
                             SNIPPET_TIMEOUT seconds with nothing on stderr.
                             In its text, http://127.0.0.1:3000 is replaced
                             by the server's URL, and the URL
                             file:///<anything>/sio-glib-1.0/gjs/sio.js by
                             the source tree's bindings/gjs/sio.js.
  ```{.text .output}         what the runnable block just before it prints
                             on stdout, exactly.  A runnable block without
                             one must print nothing.
  ```{.python .fragment}     deliberately not runnable (it needs context).
  ```{.js .fragment}         Not run, but it must still parse: Python with
                             compile(), JavaScript with `node --check`.

Any other info string on a Python or JavaScript block fails the test (so a
block is always run or explicitly marked, and counted).  C blocks that
include a header are checked with `cc -fsyntax-only` against the build's
uninstalled pkg-config file; other C blocks are counted as not compiled.

Environment (tests/docs/meson.build sets it): GI_TYPELIB_PATH and
LD_LIBRARY_PATH to <build>/sio-glib, SIO_SOURCE_ROOT, SIO_BUILD_ROOT.  The
snippets get PYTHONPATH=<source>/bindings/python for the overrides.

By hand:
    GI_TYPELIB_PATH=_build/sio-glib LD_LIBRARY_PATH=_build/sio-glib \\
      SIO_BUILD_ROOT=_build /usr/bin/python3 -m pytest -q tests/docs
"""

import glob
import os
import re
import shutil
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_ROOT = os.environ.get('SIO_SOURCE_ROOT') or os.path.normpath(
    os.path.join(HERE, '..', '..'))
BUILD_ROOT = os.environ.get('SIO_BUILD_ROOT') or os.path.join(SOURCE_ROOT,
                                                               '_build')
DOC_DIR = os.path.join(SOURCE_ROOT, 'doc')
SIO_JS = os.path.join(SOURCE_ROOT, 'bindings', 'gjs', 'sio.js')
sys.path.insert(0, os.path.join(SOURCE_ROOT, 'tests', 'servers'))

from harness import start_server  # noqa: E402

SNIPPET_TIMEOUT = 20.0
PLACEHOLDER_URL = 'http://127.0.0.1:3000'
SIO_JS_URL = re.compile(r"file:///[^'\"\s]*/sio-glib-1\.0/gjs/sio\.js")

LANGUAGES = {'python': 'python', 'py': 'python', 'python3': 'python',
             'js': 'js', 'javascript': 'js', 'mjs': 'js'}
FENCE = re.compile(r'^(`{3,}|~{3,})[ \t]*(.*?)[ \t]*$')


class Block:
    def __init__(self, page, line, info, text):
        self.page = page              # file name in doc/
        self.line = line              # line of the opening fence
        self.info = info
        self.text = text
        self.lang, self.classes, self.extra = self._parse(info)
        self.output = None            # the {.text .output} block after it

    @staticmethod
    def _parse(info):
        if info.startswith('{'):
            classes = re.findall(r'\.([\w-]+)', info)
            rest = re.sub(r'\.[\w-]+|[{}\s]', '', info)
            lang = classes[0].lower() if classes else ''
            return lang, classes[1:], [rest] if rest else []
        words = info.split()
        lang = words[0].lower() if words else ''
        return lang, [], words[1:]

    @property
    def language(self):
        return LANGUAGES.get(self.lang)

    @property
    def kind(self):
        """'run', 'fragment', 'output', 'other', or 'invalid'."""
        if self.language is not None:
            if not self.classes and not self.extra:
                return 'run'
            if self.classes == ['fragment'] and not self.extra:
                return 'fragment'
            return 'invalid'
        if self.lang == 'text' and self.classes == ['output']:
            return 'output'
        return 'other'

    @property
    def name(self):
        return '%s:%d' % (self.page, self.line)


def parse_page(path):
    page = os.path.basename(path)
    blocks = []
    with open(path, encoding='utf-8') as f:
        lines = f.read().split('\n')
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        fence, info = m.group(1), m.group(2)
        body = []
        j = i + 1
        while j < len(lines) and not (lines[j].startswith(fence[0] * len(fence))
                                      and lines[j].strip(fence[0] + ' \t') == ''):
            body.append(lines[j])
            j += 1
        if j >= len(lines):
            raise AssertionError('%s:%d: unterminated code block'
                                 % (page, i + 1))
        blocks.append(Block(page, i + 1, info, '\n'.join(body) + '\n'))
        i = j + 1
    return blocks


def collect():
    pages = sorted(glob.glob(os.path.join(DOC_DIR, '*.md')))
    blocks = []
    problems = []
    for path in pages:
        previous_run = None
        for block in parse_page(path):
            kind = block.kind
            if kind == 'invalid':
                problems.append('%s: ```%s: a Python or JavaScript block is '
                                'either runnable (```%s) or marked '
                                '```{.%s .fragment}'
                                % (block.name, block.info, block.lang,
                                   block.lang))
            elif kind == 'output':
                if previous_run is None or previous_run.output is not None:
                    problems.append('%s: an output block follows no '
                                    'runnable block' % block.name)
                else:
                    previous_run.output = block.text
                previous_run = None
                continue
            if kind == 'run':
                previous_run = block
            elif kind != 'other':
                previous_run = None
            blocks.append(block)
    return pages, blocks, problems


PAGES, BLOCKS, PROBLEMS = collect()
RUNNABLE = [b for b in BLOCKS if b.kind == 'run']
FRAGMENTS = [b for b in BLOCKS if b.kind == 'fragment']
C_BLOCKS = [b for b in BLOCKS if b.lang == 'c']


# ---- the markdown itself ----------------------------------------------------------

def test_every_block_is_runnable_or_marked():
    assert PAGES, 'no doc/*.md found under %s' % DOC_DIR
    assert PROBLEMS == []


def test_counts():
    """The guides keep real programs; the counts go to the log."""
    by_page = {}
    for b in BLOCKS:
        if b.language is not None:
            by_page.setdefault(b.page, [0, 0])[0 if b.kind == 'run' else 1] += 1
    for page, (run, fragments) in sorted(by_page.items()):
        sys.stderr.write('%s: %d runnable, %d fragment(s)\n'
                         % (page, run, fragments))
    sys.stderr.write('total: %d runnable, %d fragment(s), %d C block(s)\n'
                     % (len(RUNNABLE), len(FRAGMENTS), len(C_BLOCKS)))
    for page in ('getting-started-python.md', 'getting-started-js.md',
                 'binary.md'):
        assert by_page.get(page, [0, 0])[0] >= 1, \
            '%s has no runnable Python or JavaScript block' % page


# ---- running ---------------------------------------------------------------------

@pytest.fixture(scope='module')
def server():
    srv = start_server('node4')
    yield srv
    srv.stop()


def snippet_env():
    env = dict(os.environ)
    lib = os.path.join(BUILD_ROOT, 'sio-glib')
    env.setdefault('GI_TYPELIB_PATH', lib)
    env.setdefault('LD_LIBRARY_PATH', lib)
    python_path = os.path.join(SOURCE_ROOT, 'bindings', 'python')
    env['PYTHONPATH'] = os.pathsep.join(
        [python_path] + [p for p in env.get('PYTHONPATH', '').split(os.pathsep)
                         if p])
    env['PYTHONDONTWRITEBYTECODE'] = '1'
    env.pop('G_MESSAGES_DEBUG', None)
    return env


def run_bounded(argv, cwd, timeout=SNIPPET_TIMEOUT, env=None):
    """(returncode, stdout, stderr); kills the process (by pid) on timeout."""
    proc = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        raise AssertionError('timed out after %.0f s\n--- stdout ---\n%s\n'
                             '--- stderr ---\n%s'
                             % (timeout, out.decode('utf-8', 'replace'),
                                err.decode('utf-8', 'replace')))
    finally:
        if proc.poll() is None:  # pragma: no cover
            proc.kill()
            proc.wait()
    return (proc.returncode, out.decode('utf-8', 'replace'),
            err.decode('utf-8', 'replace'))


def prepare(block, server):
    text = block.text.replace(PLACEHOLDER_URL, server.url(''))
    if block.language == 'js':
        text = SIO_JS_URL.sub('file://' + SIO_JS, text)
    return text


@pytest.mark.parametrize('block', RUNNABLE, ids=[b.name for b in RUNNABLE])
def test_runnable(block, server, tmp_path):
    text = prepare(block, server)
    if block.language == 'python':
        path = tmp_path / 'snippet.py'
        argv = ['/usr/bin/python3', str(path)]
    else:
        gjs = shutil.which('gjs')
        assert gjs, 'gjs is not installed (scripts/install-deps.sh)'
        path = tmp_path / 'snippet.js'
        argv = [gjs, '-m', str(path)]
    path.write_text(text, encoding='utf-8')
    code, out, err = run_bounded(argv, str(tmp_path), env=snippet_env())
    assert code == 0, '%s exited with %d\n--- stdout ---\n%s\n--- stderr ' \
        '---\n%s' % (block.name, code, out, err)
    assert err == '', '%s wrote on stderr:\n%s' % (block.name, err)
    assert out == (block.output or ''), \
        '%s printed something else than its output block' % block.name


@pytest.mark.parametrize('block', FRAGMENTS, ids=[b.name for b in FRAGMENTS])
def test_fragment_parses(block, tmp_path):
    if block.language == 'python':
        compile(block.text, block.name, 'exec')
        return
    node = shutil.which('node')
    assert node, 'node is not installed (scripts/install-deps.sh)'
    path = tmp_path / 'fragment.mjs'
    path.write_text(block.text, encoding='utf-8')
    code, out, err = run_bounded([node, '--check', str(path)], str(tmp_path))
    assert code == 0, '%s does not parse:\n%s' % (block.name, err)


COMPILED_C = [b for b in C_BLOCKS if '#include' in b.text]


@pytest.mark.parametrize('block', COMPILED_C, ids=[b.name for b in COMPILED_C])
def test_c_compiles(block, tmp_path):
    cc = shutil.which(os.environ.get('CC', 'cc')) or shutil.which('gcc')
    assert cc, 'no C compiler'
    env = dict(os.environ)
    env['PKG_CONFIG_PATH'] = os.pathsep.join(
        [os.path.join(BUILD_ROOT, 'meson-uninstalled'),
         env.get('PKG_CONFIG_PATH', '')])
    flags = subprocess.run(['pkg-config', '--cflags', 'sio-glib-1.0'],
                           env=env, capture_output=True, text=True,
                           timeout=30)
    assert flags.returncode == 0, flags.stderr
    path = tmp_path / 'snippet.c'
    path.write_text(block.text, encoding='utf-8')
    code, out, err = run_bounded(
        [cc, '-fsyntax-only', '-Wall', '-Werror=implicit-function-declaration']
        + flags.stdout.split() + [str(path)], str(tmp_path),
        timeout=60)
    assert code == 0, '%s does not compile:\n%s' % (block.name, err)
