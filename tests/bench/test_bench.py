# SPDX-License-Identifier: LGPL-2.1-or-later
"""The benchmark suite runs and reports every figure (suite `bench`).

Runs `bash bench/run.sh --quick --repeat 1` against its own server, as a
user would, and checks what the output promises (bench/README.md): every
client reports every figure as a number, the ratio lines carry a verdict
and, for targets bounded against the reference, the limit's own ratio, the
summary names what was missed, and the callgrind figures are there.

No figure is compared with a threshold: speed is the benchmark's business,
not the test suite's (a loaded CI machine must not fail the build).
"""

import json
import os
import subprocess

import pytest

SRC = os.environ['SIO_SOURCE_ROOT']
BUILD = os.environ['SIO_BUILD_ROOT']

CLIENTS = ['sio-glib-c', 'sio-glib-py', 'socket.io-client-js', 'raw-libsoup']
FIGURES = ['up_throughput', 'up_cpu_per_event', 'down_throughput',
           'down_cpu_per_event', 'echo_throughput', 'echo_cpu_per_event',
           'ack_rtt_p50', 'ack_rtt_p99', 'ack_cpu_per_roundtrip',
           'bin_up_throughput', 'bin_up_cpu_per_event', 'bin_down_throughput',
           'bin_down_cpu_per_event', 'connect_time', 'rss_per_idle_connection']
REF_TARGETS = ['up_cpu_per_event', 'down_cpu_per_event', 'up_throughput',
               'down_throughput', 'echo_throughput', 'ack_rtt_p50',
               'bin_up_cpu_per_event', 'bin_down_cpu_per_event']


@pytest.fixture(scope='module')
def output():
    env = dict(os.environ, SIO_BUILD_DIR=BUILD, SIO_BENCH_NO_BUILD='1')
    proc = subprocess.run(
        ['bash', os.path.join(SRC, 'bench', 'run.sh'), '--quick', '--repeat', '1'],
        cwd=SRC, env=env, stdin=subprocess.DEVNULL, capture_output=True,
        text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = []
    for text in proc.stdout.splitlines():
        # everything on stdout is JSON, one object per line
        lines.append(json.loads(text))
    return lines, proc.stderr


def medians(lines):
    return {(o['client'], o['figure']): o for o in lines
            if 'client' in o and 'ratio_to_reference' not in o
            and o.get('figure') not in ('summary', 'instructions_per_event',
                                        'callgrind_top_self')}


def ratio_lines(lines):
    return {o['figure']: o for o in lines
            if o.get('client') == 'sio-glib-c' and 'ratio_to_reference' in o}


def test_machine_line(output):
    lines, _ = output
    machine = [o for o in lines if o.get('figure') == 'machine']
    assert len(machine) == 1
    assert machine[0]['mode'] == 'quick'
    assert machine[0]['nproc'] >= 1


@pytest.mark.parametrize('client', CLIENTS)
def test_every_client_reports_every_figure(output, client):
    lines, stderr = output
    got = medians(lines)
    for figure in FIGURES:
        line = got.get((client, figure))
        assert line is not None, '%s: no %s line\n%s' % (client, figure, stderr[-2000:])
        assert 'error' not in line, '%s %s: %s' % (client, figure, line['error'])
        assert isinstance(line['value'], (int, float)) and line['value'] > 0, line
        assert line['unit']


def test_ratio_lines(output):
    lines, _ = output
    got = medians(lines)
    ratios = ratio_lines(lines)
    assert set(FIGURES) <= set(ratios)
    for figure in FIGURES:
        line = ratios[figure]
        v = got[('sio-glib-c', figure)]['value']
        ref = got[('socket.io-client-js', figure)]['value']
        raw = got[('raw-libsoup', figure)]['value']
        assert line['ratio_to_reference'] == pytest.approx(v / ref, rel=1e-3, abs=1e-4)
        assert line['ratio_to_raw'] == pytest.approx(v / raw, rel=1e-3, abs=1e-4)
    for figure in REF_TARGETS:
        line = ratios[figure]
        assert line['met'] in (True, False), line
        assert line['limit_ratio_to_reference'] == pytest.approx(
            got[('raw-libsoup', figure)]['value'] / got[('socket.io-client-js', figure)]['value'],
            rel=1e-3, abs=1e-4)
        assert isinstance(line['limit_meets_reference_bound'], bool)
        if line['met'] is False:
            assert line['why']
    # 100 idle connections in quick mode: the memory target is not judged
    assert ratios['rss_per_idle_connection']['met'] is None


def test_summary_agrees_with_the_ratio_lines(output):
    lines, _ = output
    ratios = ratio_lines(lines)
    summary = [o for o in lines if o.get('figure') == 'summary']
    assert len(summary) == 1
    s = summary[0]
    missed = sorted(f for f, o in ratios.items() if o.get('met') is False)
    assert sorted(s['not_met']) == missed
    if missed:
        assert s['all_targets_met'] is False
    else:
        assert s['all_targets_met'] is (None if s['unknown'] else True)
    below = sorted(f for f in missed if ratios[f].get('limit_meets_reference_bound') is False)
    assert sorted(s['not_met_by_the_limit_either']) == below
    assert s['not_applicable'] == ['rss_per_idle_connection']


def test_instruction_counts(output):
    lines, stderr = output
    counts = {(o['client'], o['workload']): o for o in lines
              if o.get('figure') == 'instructions_per_event'}
    for client in ('sio-glib-c', 'raw-libsoup'):
        for workload in ('down', 'ack'):
            line = counts.get((client, workload))
            assert line is not None, 'no callgrind figure for %s %s\n%s' % (
                client, workload, stderr[-2000:])
            assert 'error' not in line, line
            assert line['unit'] == 'Ir/event'
            # a decoded event costs thousands of instructions: a figure far
            # below that means the collection missed the workload
            assert line['value'] > 1000, line
    hot = [o for o in lines if o.get('figure') == 'callgrind_top_self']
    for workload in ('down', 'ack'):
        ranks = [o['rank'] for o in hot if o['workload'] == workload]
        assert ranks == [1, 2, 3, 4, 5]
        assert all(o['function'] and o['ir_per_event'] > 0
                   for o in hot if o['workload'] == workload)
