#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Installs what sio-glib needs to build, test and run its demo on Debian 12,
# and only what is missing: Debian packages (apt-get) and the pinned Node.js
# test servers (npm ci). Safe to run again; needs root (or sudo) only when a
# package is missing. Runs without a terminal (CI).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$here"

packages=(
  # build
  gcc pkg-config meson ninja-build
  libglib2.0-dev libsoup-3.0-dev libjson-glib-dev
  gobject-introspection libgirepository1.0-dev gir1.2-soup-3.0 gir1.2-json-1.0
  valac gi-docgen gettext
  # tests: bindings, servers, checkers
  python3-gi python3-pytest python3-socketio python3-aiohttp gjs
  valgrind clang
  # the fuzz stage: libFuzzer and clang's sanitizer runtimes (only recommended by clang)
  libclang-rt-dev
  # tests: deployment (TLS certificates, load-balanced cluster; the tests
  # run their own nginx and redis-server, never the system services)
  openssl nginx redis-server
  # examples: GTK 4 chat windows (C, Python); tests/examples runs them on
  # Xvfb and screenshots them with xwd (x11-apps); xvfb-run needs xauth
  libgtk-4-dev gir1.2-gtk-4.0 xvfb xauth x11-apps
)
command -v node >/dev/null 2>&1 || packages+=(nodejs)
command -v npm >/dev/null 2>&1 || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "==> Installing Debian packages: ${missing[*]}"
  sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -q
  "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null
else
  echo "==> Debian packages: all present"
fi

# The Node.js servers the tests and the demo run (socket.io 4.x and 2.x),
# pinned in package-lock.json.
stamp=node_modules/.sio-glib-lock
if [ ! -f "$stamp" ] || ! cmp -s package-lock.json "$stamp"; then
  echo "==> npm ci"
  npm ci --no-audit --no-fund --loglevel=error </dev/null
  cp package-lock.json "$stamp"
else
  echo "==> node_modules: up to date"
fi
