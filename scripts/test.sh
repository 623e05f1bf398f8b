#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The README's second command: installs what is missing, builds, and runs the
# whole test suite (codecs, engine, real-server interop, faults, Python, GJS,
# docs, the benchmark's output). Arguments go to that `meson test`.
#
# Then three bounded extra stages, each timed, any failure failing the script:
#   asan      a second build (_build-asan, gcc, AddressSanitizer + UBSan, leak
#             detection) runs the unit, integration, interop and faults suites
#   valgrind  memcheck (`meson test --setup=valgrind`) on the first build: the
#             unit and integration suites, and the interop C programs'
#             tests against socket.io 4
#   fuzz      the libFuzzer targets (_build-fuzz, clang), each for
#             SIO_FUZZ_SECONDS (default 25) from its seed corpus
# SIO_CI_QUICK=1 skips the extra stages; SIO_CI_STAGES="asan fuzz" picks some.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$here"

builddir=${SIO_BUILDDIR:-_build}
asan_dir=_build-asan
fuzz_dir=_build-fuzz
fuzz_seconds=${SIO_FUZZ_SECONDS:-25}

# ---- stage timing ------------------------------------------------------
summary=()
stage=""
stage_start=0

begin () {
  stage=$1
  stage_start=$SECONDS
  echo "==> [$stage] $2"
}

end () {
  summary+=("$(printf '  %-12s %4d s  ok' "$stage" $((SECONDS - stage_start)))")
  echo "==> [$stage] done in $((SECONDS - stage_start)) s"
  stage=""
}

report () {
  local rc=$?

  if [ -n "$stage" ]; then
    summary+=("$(printf '  %-12s %4d s  FAILED' "$stage" $((SECONDS - stage_start)))")
  fi
  if [ ${#summary[@]} -gt 0 ]; then
    echo "==> stages (total ${SECONDS} s):"
    printf '%s\n' "${summary[@]}"
  fi
  exit $rc
}
trap report EXIT

wanted () {
  [ "${SIO_CI_QUICK:-0}" != 1 ] || return 1
  [ -z "${SIO_CI_STAGES:-}" ] && return 0
  [[ " $SIO_CI_STAGES " == *" $1 "* ]]
}

# Configures $1 with the options after it: once, then only re-applies them.
configure () {
  local dir=$1
  shift
  if [ -f "$dir/build.ninja" ]; then
    meson configure "$dir" "$@" >/dev/null
  else
    meson setup "$dir" "$@"
  fi
}

# ---- the suite ---------------------------------------------------------
begin deps "install what is missing"
bash scripts/install-deps.sh
end

begin build "build $builddir"
bash scripts/build.sh -Dwerror=false
end

begin test "meson test"
meson test -C "$builddir" --print-errorlogs --num-processes 2 "$@"
end

# ---- AddressSanitizer + UBSan -------------------------------------------
# Only the C test programs (and sio-cli, driven by the cli test): the
# Python and GJS tests would need libasan preloaded into python3 and gjs,
# so the build has no introspection and the bindings suite does not exist.
if wanted asan; then
  begin asan-build "build $asan_dir (AddressSanitizer, UBSan)"
  configure "$asan_dir" -Dwerror=false -Db_sanitize=address,undefined -Db_lundef=false \
    -Dintrospection=disabled -Dvapi=disabled -Ddocumentation=false -Dexamples=false
  meson compile -C "$asan_dir"
  end

  begin asan "unit, integration, interop, faults under ASan + UBSan"
  asan_common=halt_on_error=1:abort_on_error=1:detect_leaks=1:print_stacktrace=1
  export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
  export LSAN_OPTIONS=suppressions="$here/tests/lsan.supp"
  export G_SLICE=always-malloc
  # GLib has no frame pointers: the fast unwinder stops allocation stacks at
  # g_malloc. Leaks are still found; for whole stacks run again with
  # ASAN_OPTIONS=fast_unwind_on_malloc=0 (15 times slower on test-json).
  ASAN_OPTIONS=$asan_common \
    meson test -C "$asan_dir" --no-rebuild --print-errorlogs --num-processes 2 \
      --suite unit --suite interop --suite faults
  # The integration suite runs libsoup's SoupServer, whose known leaks
  # tests/lsan.supp suppresses by a frame deep in the stack: whole stacks.
  ASAN_OPTIONS=$asan_common:fast_unwind_on_malloc=0 \
    meson test -C "$asan_dir" --no-rebuild --print-errorlogs --num-processes 2 \
      --suite integration
  unset UBSAN_OPTIONS LSAN_OPTIONS G_SLICE
  end
fi

# ---- valgrind ------------------------------------------------------------
if wanted valgrind; then
  begin valgrind "memcheck: unit, integration, interop against socket.io 4"
  # Only the C programs of the build (not python3, gjs or sh running a
  # script): all of unit and integration, and the socket.io 4 part of
  # interop (mostly waits on a server; all three servers would double the
  # time for little). Interop runs once per test-path prefix ending in
  # "/node4" (-r PREFIX): a program given several -p or -r prints one TAP
  # plan per path.
  mapfile -t vg < <(meson introspect "$builddir" --tests | /usr/bin/python3 -c '
import json, os, subprocess, sys
build = os.path.realpath(sys.argv[1])
plain, prefixes = [], {}
for t in json.load(sys.stdin):
    exe = os.path.realpath(t["cmd"][0])
    if not exe.startswith(build + os.sep):
        continue
    kinds = {s.split(":")[-1] for s in t["suite"]}
    if kinds & {"unit", "integration"}:
        plain.append(t["name"])
    elif "interop" in kinds:
        listed = subprocess.run([exe, "-l"], capture_output=True, text=True, check=True).stdout
        for path in listed.splitlines():
            if path.startswith("/") and "/node4/" in path:
                prefix = path[:path.index("/node4/") + len("/node4")]
                prefixes.setdefault(prefix, set()).add(t["name"])
print(" ".join(plain))
for prefix, names in sorted(prefixes.items()):
    print(prefix, " ".join(sorted(names)))' "$builddir")
  read -r -a vg_plain <<<"${vg[0]:-}"
  if [ ${#vg_plain[@]} -eq 0 ] || [ ${#vg[@]} -lt 2 ]; then
    echo "valgrind: no C test program found in $builddir" >&2
    exit 1
  fi
  meson test -C "$builddir" --setup=valgrind --no-rebuild --print-errorlogs --num-processes 2 \
    "${vg_plain[@]}"
  for line in "${vg[@]:1}"; do
    read -r prefix names <<<"$line"
    echo "--> $prefix"
    # shellcheck disable=SC2086 # names: one word per test
    meson test -C "$builddir" --setup=valgrind --no-rebuild --print-errorlogs --num-processes 2 \
      --test-args "-r $prefix" $names
  done
  end
fi

# ---- fuzzing -------------------------------------------------------------
if wanted fuzz; then
  begin fuzz-build "build $fuzz_dir (clang, libFuzzer)"
  targets=()
  for src in fuzz/fuzz-*.c; do
    targets+=("$(basename "$src" .c)")
  done
  if [ ! -f "$fuzz_dir/build.ninja" ]; then
    CC=clang meson setup "$fuzz_dir" -Dwerror=false -Dfuzzing=true \
      -Db_sanitize=address,undefined -Db_lundef=false -Dintrospection=disabled \
      -Dvapi=disabled -Ddocumentation=false -Dtests=false -Dexamples=false
  fi
  ninja -C "$fuzz_dir" "${targets[@]/#/fuzz/}"
  end

  begin fuzz "${#targets[@]} targets, ${fuzz_seconds} s each"
  mkdir -p "$fuzz_dir/artifacts"
  for t in "${targets[@]}"; do
    seeds=fuzz/corpus/$t
    [ -d "$seeds" ] || seeds=fuzz/corpus/${t#fuzz-}
    [ -d "$seeds" ] || { echo "no seed corpus for $t" >&2; exit 1; }
    # new inputs go to a scratch directory, never into the committed seeds
    work=$(mktemp -d)
    echo "--> $t ($seeds)"
    rc=0
    ASAN_OPTIONS=halt_on_error=1:detect_leaks=1:print_stacktrace=1 \
    UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
      timeout --kill-after=10 $((fuzz_seconds + 60)) \
        "$fuzz_dir/fuzz/$t" -max_total_time="$fuzz_seconds" -timeout=10 \
          -rss_limit_mb=2048 -print_final_stats=1 \
          -artifact_prefix="$fuzz_dir/artifacts/$t-" "$work" "$seeds" \
          >"$fuzz_dir/$t.log" 2>&1 || rc=$?
    rm -rf "$work"
    grep -E '^stat::(number_of_executed_units|peak_rss_mb)|^#[0-9]+ +DONE' "$fuzz_dir/$t.log" || true
    if [ $rc -ne 0 ]; then
      tail -n 60 "$fuzz_dir/$t.log"
      echo "$t failed (exit $rc); reproducer under $fuzz_dir/artifacts/, log $fuzz_dir/$t.log" >&2
      exit 1
    fi
  done
  end
fi
