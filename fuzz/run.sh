#!/bin/sh
# Runs one fuzzer as a ctest: a fixed number of inputs from a fixed seed,
# starting from the committed corpus.  New inputs go to a scratch
# directory (the committed corpus is never written); crashes, leaks and
# hangs are kept in ARTIFACTS and fail the test.
#
# run.sh FUZZER CORPUS ARTIFACTS RUNS USABLE
fuzzer=$1 corpus=$2 artifacts=$3 runs=$4 usable=$5

if [ "$usable" != "ON" ]; then
    echo "SKIP: clang with libFuzzer was not found at configure time (Debian: clang)"
    exit 77
fi
if [ ! -x "$fuzzer" ]; then
    echo "FAIL: $fuzzer was not built"
    exit 1
fi
mkdir -p "$artifacts" || exit 1
scratch=$(mktemp -d "${TMPDIR:-/tmp}/winebits-fuzz-XXXXXX") || exit 1
trap 'rm -rf "$scratch"' EXIT INT TERM

"$fuzzer" -runs="$runs" -seed=1 -timeout=25 -rss_limit_mb=2048 -max_len=65536 \
    -print_final_stats=1 -artifact_prefix="$artifacts/$(basename "$fuzzer")-" \
    "$scratch" "$corpus"
