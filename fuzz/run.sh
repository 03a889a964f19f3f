#!/usr/bin/env bash
# Run a libFuzzer target of fuzz/ on a scratch copy of its committed corpus,
# so that runs (CI included) never write into the source tree.
#
#   fuzz/run.sh FUZZER NAME [libFuzzer options...]
#       e.g. fuzz/run.sh build-fuzz/fuzz/fuzz_tcp tcp -max_total_time=600
#   fuzz/run.sh --update FUZZER NAME [libFuzzer options...]
#       the same, then merge the inputs that add coverage into
#       fuzz/corpus/NAME (libFuzzer -merge=1); review and commit them.
#
# NAME is the corpus: fuzz/corpus/NAME. Defaults (later options override):
# -max_total_time=60 -timeout=10 -rss_limit_mb=4096 -print_final_stats=1
# -error_exitcode=1 (libFuzzer's default, 77, would read as "skipped" to meson).
# Crash, leak and timeout reproducers are written to $SL_FUZZ_ARTIFACTS
# (default ./fuzz-artifacts) as NAME-crash-<sha1> etc.; replay one with
# `FUZZER FILE`. Exits with the fuzzer's status.
set -uo pipefail

update=0
if [[ ${1:-} == --update ]]; then
    update=1
    shift
fi
if [[ $# -lt 2 ]]; then
    sed -n '2,16p' "$0" >&2
    exit 2
fi
fuzzer=$1
name=$2
shift 2

here=$(cd "$(dirname "$0")" && pwd)
corpus=$here/corpus/$name
if [[ ! -x $fuzzer || ! -d $corpus ]]; then
    echo "run.sh: need an executable fuzzer ($fuzzer) and a corpus ($corpus)" >&2
    exit 2
fi
artifacts=${SL_FUZZ_ARTIFACTS:-$PWD/fuzz-artifacts}
mkdir -p "$artifacts" || exit 2

# Known findings, not yet fixed (see the file).
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}suppressions=$here/ubsan.supp"

scratch=$(mktemp -d "${TMPDIR:-/tmp}/sl-fuzz-$name.XXXXXX") || exit 2
trap 'rm -rf "$scratch"' EXIT
cp -r "$corpus/." "$scratch/"
echo "run.sh: $fuzzer on a copy of $corpus ($(find "$scratch" -type f | wc -l) inputs)," \
    "artifacts in $artifacts"

"$fuzzer" -max_total_time=60 -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 -error_exitcode=1 \
    -artifact_prefix="$artifacts/$name-" "$@" "$scratch"
status=$?
if [[ $status -ne 0 ]]; then
    echo "run.sh: $fuzzer exited with $status; reproducers:" >&2
    ls -1t "$artifacts" 2>/dev/null | grep "^$name-" | head -5 | sed "s|^|  $artifacts/|" >&2
    exit $status
fi

if [[ $update -eq 1 ]]; then
    before=$(find "$corpus" -type f | wc -l)
    "$fuzzer" -merge=1 -timeout=10 -rss_limit_mb=4096 "$corpus" "$scratch" || exit $?
    echo "run.sh: $corpus: $before -> $(find "$corpus" -type f | wc -l) inputs"
fi
exit 0
