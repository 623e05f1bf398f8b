#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The README's second command: installs what is missing, builds, and runs the
# whole test suite (codecs, engine, real-server interop, Python, GJS, docs).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$here"

bash scripts/install-deps.sh
bash scripts/build.sh -Dwerror=false
meson test -C "${SIO_BUILDDIR:-_build}" --print-errorlogs --num-processes 2 "$@"
