#!/bin/bash
# Runs one conformance program under Wine against a fresh bits-server.
#   run_test.sh <bin dir> <prefix> <program.exe> <run dir>
# The program gets the server URL, a scratch directory (Windows path) and
# the server root (Windows path); its exit status is the test's.
set -uo pipefail
bin=$1 prefix=$2 exe=$3 run=$4
. "$(dirname "$0")/common.sh"

name=${exe%.exe}
root=$run/root
scratch_rel=winetest/$name
scratch=$prefix/drive_c/$scratch_rel
trap stop_bits_server EXIT

rm -rf "$run" "$scratch"
mkdir -p "$root" "$scratch"
start_bits_server "$bin" "$root" "$run"

echo "== $exe $server_url C:\\${scratch_rel//\//\\} $(winpath_z "$root")"
WINEPREFIX=$prefix timeout 900 wine "$bin/$exe" "$server_url" \
    "C:\\${scratch_rel//\//\\}" "$(winpath_z "$root")" | tr -d '\r'
rc=${PIPESTATUS[0]}
stop_bits_server
if [ "$rc" -ne 0 ]; then
    echo "== $exe exited with $rc; bits-server log: $run/server.log," \
         "bitsd log: $prefix/bitsd/bitsd.log"
    tail -n 20 "$prefix/bitsd/bitsd.log" 2>/dev/null
fi
exit "$rc"
