#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Instructions per event under callgrind (see bench/README.md).
#
#   bash bench/callgrind.sh [--workload LIST] [--client sio|raw|both]
#                           [--events N] [--acks N] [--bin N] [--keep DIR]
#
# For each client and workload, runs the C bench client (bench-sio, or the
# bare libsoup bench-raw) under `valgrind --tool=callgrind` twice, with 0 and
# N events, collecting only inside the workload function (run_down: emit
# "down" n and dispatch the n incoming "d" events until "down-done"; run_up:
# n emits of "up" then the "up-done" ack; run_ack: n sequential acks;
# run_bin_up / run_bin_down: n 64 KiB binary events one way), and prints
#   {"figure":"instructions_per_event","client":...,"workload":...,"value":(Ir_N - Ir_0)/N,...}
# then, for the N-event run (callgrind_annotate), as JSON lines: the top 10
# functions by self cost, the top 10 by inclusive cost (without main loop and
# bench wrappers) and the top 10 sio-glib functions by inclusive cost.
# LIST: comma-separated down, up, ack, bin-up, bin-down, or all (default
# down,up).  N: --events for down and up (10000), --acks (2000), --bin for
# the binary workloads (200).  --keep DIR keeps the callgrind.out files.

set -u

EVENTS=10000
ACKS=2000
BIN=200
WORKLOAD=down,up
CLIENT=sio
KEEP=
usage="usage: bash bench/callgrind.sh [--workload LIST] [--client sio|raw|both] [--events N] [--acks N] [--bin N] [--keep DIR]"
while [ $# -gt 0 ]; do
  case "$1" in
    --events) EVENTS=${2:-}; shift 2 ;;
    --acks) ACKS=${2:-}; shift 2 ;;
    --bin) BIN=${2:-}; shift 2 ;;
    --workload) WORKLOAD=${2:-}; shift 2 ;;
    --client) CLIENT=${2:-}; shift 2 ;;
    --keep) KEEP=${2:-}; shift 2 ;;
    -h|--help) sed -n '3,21p' "$0"; exit 0 ;;
    *) echo "$usage" >&2; exit 2 ;;
  esac
done
case "$WORKLOAD" in
  all) WORKLOAD=down,up,ack,bin-up,bin-down ;;
  both) WORKLOAD=down,up ;;    # the former spelling
esac
IFS=, read -r -a WORKLOADS <<<"$WORKLOAD"
for w in "${WORKLOADS[@]}"; do
  case "$w" in
    down|up|ack|bin-up|bin-down) ;;
    *) echo "bench: unknown workload '$w' (down, up, ack, bin-up, bin-down or all)" >&2; exit 2 ;;
  esac
done
case "$CLIENT" in
  sio) CLIENTS=(sio) ;;
  raw) CLIENTS=(raw) ;;
  both) CLIENTS=(sio raw) ;;
  *) echo "bench: --client is sio, raw or both" >&2; exit 2 ;;
esac
for n in "$EVENTS" "$ACKS" "$BIN"; do
  case "$n" in ''|*[!0-9]*|0) echo "bench: counts must be positive numbers" >&2; exit 2 ;; esac
done

SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${SIO_BUILD_DIR:-$SRC/_build}
PYTHON=/usr/bin/python3
cd "$SRC" || exit 1

command -v valgrind >/dev/null || { echo "bench: valgrind is not installed" >&2; exit 1; }
if [ "${SIO_BENCH_NO_BUILD:-0}" != 1 ]; then
  if [ ! -f "$BUILD/build.ninja" ]; then
    timeout 600 meson setup "$BUILD" >&2 || exit 1
  fi
  timeout 900 meson compile -C "$BUILD" >&2 || { echo "bench: build failed" >&2; exit 1; }
fi

TMP=$(mktemp -d /tmp/sio-callgrind.XXXXXX)
SERVER_PID=
cleanup () {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null
    for _ in 1 2 3 4 5 6 7 8 9 10; do
      kill -0 "$SERVER_PID" 2>/dev/null || break
      sleep 0.2
    done
    kill -KILL "$SERVER_PID" 2>/dev/null
  fi
  exec 9>&- 2>/dev/null
  if [ -n "$KEEP" ]; then
    mkdir -p "$KEEP" && cp "$TMP"/callgrind.*[0-9] "$KEEP"/ 2>/dev/null
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

mkfifo "$TMP/server-stdin"
exec 9<>"$TMP/server-stdin"
timeout --kill-after=10 1200 node bench/server.js <"$TMP/server-stdin" >"$TMP/server.out" 2>"$TMP/server.err" 9>&- &
SERVER_PID=$!
PORT=
for _ in $(seq 1 100); do
  PORT=$(awk '/^PORT /{print $2; exit}' "$TMP/server.out" 2>/dev/null)
  [ -n "$PORT" ] && break
  kill -0 "$SERVER_PID" 2>/dev/null || break
  sleep 0.1
done
[ -n "$PORT" ] || { echo "bench: the server did not start" >&2; cat "$TMP/server.err" >&2; exit 1; }

run_cg () {   # client workload count outfile
  local fn=run_${2//-/_} bin opt
  case "$1" in
    sio) bin=$BUILD/bench/bench-sio ;;
    *) bin=$BUILD/bench/bench-raw ;;
  esac
  case "$2" in
    down|up) opt=--events ;;
    ack) opt=--acks ;;
    *) opt=--bin ;;
  esac
  timeout --kill-after=10 600 valgrind --tool=callgrind --quiet \
    --callgrind-out-file="$4" --toggle-collect="$fn" \
    "$bin" --url "http://127.0.0.1:$PORT" --only "$2" \
    "$opt" "$3" --timeout 300 >"$4.stdout" 2>"$4.stderr" 9>&-
}

status=0
for c in "${CLIENTS[@]}"; do
  if [ "$c" = sio ]; then name=sio-glib-c; else name=raw-libsoup; fi
  for w in "${WORKLOADS[@]}"; do
    case "$w" in
      down|up) n=$EVENTS ;;
      ack) n=$ACKS ;;
      *) n=$BIN ;;
    esac
    out=$TMP/callgrind.$c.$w
    if ! run_cg "$c" "$w" 0 "$out.0" || ! run_cg "$c" "$w" "$n" "$out.$n"; then
      echo "{\"figure\":\"instructions_per_event\",\"client\":\"$name\",\"workload\":\"$w\",\"value\":null,\"error\":\"valgrind run failed\"}"
      tail -20 "$out".*.stderr >&2
      status=1
      continue
    fi
    if grep -q '"value":null' "$out.$n.stdout"; then
      echo "{\"figure\":\"instructions_per_event\",\"client\":\"$name\",\"workload\":\"$w\",\"value\":null,\"error\":\"the workload failed under valgrind\"}"
      cat "$out.$n.stdout" >&2
      status=1
      continue
    fi
    callgrind_annotate "$out.$n" >"$out.self.txt" 2>/dev/null
    callgrind_annotate --inclusive=yes "$out.$n" >"$out.incl.txt" 2>/dev/null
    "$PYTHON" - "$name" "$w" "$n" "$out.0" "$out.$n" "$out.self.txt" "$out.incl.txt" <<'EOF'
import json, os, re, sys

client, workload, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
f0, fn, self_txt, incl_txt = sys.argv[4:8]
entry = 'run_' + workload.replace('-', '_')

def total_ir(path):
    # no totals line: nothing was collected (the 0-event ack run never
    # enters run_ack)
    with open(path, errors='replace') as f:
        for line in f:
            if line.startswith('totals:') or line.startswith('summary:'):
                return int(line.split()[1])
    return 0

ir0, irn = total_ir(f0), total_ir(fn)
print(json.dumps({'figure': 'instructions_per_event', 'client': client, 'workload': workload,
                  'value': round((irn - ir0) / n, 1), 'unit': 'Ir/event',
                  'events': n, 'ir_0_events': ir0, 'ir_n_events': irn,
                  'collected_in': entry}, separators=(',', ':')))

row = re.compile(r'^\s*([\d,]+)\s+\(\s*([\d.]+)%\)\s+(\S.*)$')

def entries(path):
    # (ir, percent, short name, object) per function, deduplicated by name:
    # callgrind_annotate lists some functions twice, with and without the
    # object file
    rows, objs = [], {}
    with open(path, errors='replace') as f:
        for line in f:
            m = row.match(line)
            if not m:
                continue
            full = m.group(3).strip()
            if full.startswith('PROGRAM TOTALS'):
                continue
            obj = ''
            if full.endswith(']') and ' [' in full:
                full, obj = full.rsplit(' [', 1)
                obj = obj[:-1]
            src, name = full.split(':', 1) if ':' in full else ('', full)
            if not obj and '/sio-glib/' in src:
                obj = 'libsio-glib-1.0.so'
            if obj:
                objs.setdefault(name, obj)
            rows.append((int(m.group(1).replace(',', '')), float(m.group(2)), name))
    seen = set()
    for ir, pct, name in rows:
        if name in seen:
            continue
        seen.add(name)
        yield ir, pct, name, objs.get(name, '')

WRAPPERS = ('main', entry, 'bench_wait_flag', 'bench_wait_count',
            'g_main_context_iteration', 'g_main_context_dispatch')

def top(path, kind, keep):
    rank = 0
    for ir, pct, name, obj in entries(path):
        if not keep(ir, name, obj):
            continue
        rank += 1
        print(json.dumps({'figure': 'callgrind_top_' + kind, 'client': client,
                          'workload': workload, 'rank': rank, 'ir': ir,
                          'ir_per_event': round(ir / n, 1), 'percent': pct,
                          'function': name,
                          'object': os.path.basename(obj) if obj else None},
                         separators=(',', ':')))
        if rank == 10:
            break

# self cost, everything
top(self_txt, 'self', lambda ir, name, obj: True)
# inclusive cost, without the entry points that merely contain the workload
top(incl_txt, 'inclusive', lambda ir, name, obj: ir < 0.98 * irn and name not in WRAPPERS
    and '(below main)' not in name and not name.startswith('0x') and 'ld-linux' not in obj)
# inclusive cost of sio-glib's own functions
if client == 'sio-glib-c':
    top(incl_txt, 'inclusive_sio_glib', lambda ir, name, obj: 'libsio-glib' in obj)
EOF
  done
done
exit $status
