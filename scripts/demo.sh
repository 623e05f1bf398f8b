#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The README's first command: installs what is missing, builds, starts the
# bundled example server (examples/server/) on a free port of 127.0.0.1 and
# shows sio-cli exchanging events with it. Stops the server when done.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$here"

bash scripts/install-deps.sh
bash scripts/build.sh

server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
}
trap cleanup EXIT

echo "==> Starting the example server"
portfile=$(mktemp)
fifo=$(mktemp -u)
mkfifo "$fifo"
# the server's stdin is a pipe held open by this script: it exits with us
node examples/server/server.js --port 0 --exit-on-stdin-eof <"$fifo" >"$portfile" &
server_pid=$!
exec 3>"$fifo"
rm -f "$fifo"
for _ in $(seq 100); do
  grep -q '^PORT ' "$portfile" 2>/dev/null && break
  sleep 0.1
done
port=$(sed -n 's/^PORT //p' "$portfile" | head -1)
rm -f "$portfile"
if [ -z "$port" ]; then
  echo "The example server did not start" >&2
  exit 1
fi
url="http://127.0.0.1:$port"
status=0
echo "==> sio-cli $url  (typing events on its standard input)"
echo

{
  sleep 1
  echo 'chat "hello from sio-cli"'
  sleep 0.5
  echo 'ping {"n": 1}'
  sleep 0.5
  echo 'chat "binary-free, JSON all the way" {"emoji": "😀"}'
  sleep 2
} | timeout 20 "$PWD/_build/tools/sio-cli" --ack --ack-timeout 3000 "$url" || status=$?
echo
echo "==> sio-cli exited with status $status"
exit $status
