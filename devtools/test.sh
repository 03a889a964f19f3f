#!/usr/bin/env bash
# README command 2: run every test. Installs dependencies, builds twice — a
# release build and a debug build with AddressSanitizer and UBSan — and runs
# the unit and system suites of each with `meson test`; then builds the
# libFuzzer targets with clang (build-fuzz) and runs each fuzzer for 60 s on
# a scratch copy of its corpus (suite fuzz, see fuzz/run.sh). Run as root (the
# system tests create network namespaces and use hugepages).
# Ends with one line: "N passed, N failed" over every meson test run.
set -uo pipefail
cd "$(dirname "$0")/.."

devtools/install-deps.sh || exit 1
pktgen-tests/testbed.sh hugepages || exit 1

declare -A setup=(
    [build]="-Dbuildtype=release"
    [build-asan]="-Dbuildtype=debug -Db_sanitize=address,undefined -Db_lundef=false"
)
# The system suites again on the offloading ports: vnet (our code) in both
# builds, net_tap (DPDK's PMD doing the offloads) in the release build only.
declare -A port_suites=(
    [build]="--suite system-vnet --suite system-tap"
    [build-asan]="--suite system-vnet"
)
# Sanitizer failures (and LeakSanitizer's leak report at exit) make the
# process exit non-zero, which fails its test.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:halt_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

status=0
for dir in build build-asan; do
    if [[ ! -d $dir ]]; then
        # shellcheck disable=SC2086
        meson setup "$dir" ${setup[$dir]} || { status=1; continue; }
    fi
    ninja -C "$dir" || { status=1; continue; }
    echo "=== $dir: meson test (unit, system, ${port_suites[$dir]//--suite /})"
    # shellcheck disable=SC2086
    meson test -C "$dir" --suite unit --suite system ${port_suites[$dir]} \
        --print-errorlogs || status=1
done

# The fuzzers: clang, coverage instrumentation, ASan + UBSan.
if [[ ! -d build-fuzz ]]; then
    CC=clang meson setup build-fuzz -Dfuzz=true -Db_sanitize=address,undefined \
        -Db_lundef=false -Dbuildtype=debug || status=1
fi
if [[ -d build-fuzz ]]; then
    if ninja -C build-fuzz; then
        echo "=== build-fuzz: meson test (fuzz)"
        meson test -C build-fuzz --suite fuzz --print-errorlogs || status=1
    else
        status=1
    fi
fi

/usr/bin/python3 - build build-asan build-fuzz <<'PY'
import json, os, sys
passed = failed = skipped = 0
for d in sys.argv[1:]:
    log = os.path.join(d, "meson-logs", "testlog.json")
    if not os.path.exists(log):
        failed += 1
        print(f"{d}: no test log")
        continue
    for line in open(log):
        r = json.loads(line)
        res = r["result"]
        if res in ("OK", "EXPECTEDFAIL"):
            passed += 1
        elif res == "SKIP":
            skipped += 1
        else:
            failed += 1
            print(f"FAILED {d}: {r['name']} ({res})")
print(f"{passed} passed, {failed} failed, {skipped} skipped")
PY
exit $status
