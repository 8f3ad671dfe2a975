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
server_pid=

stop_server() {
    if [ -n "$server_pid" ]; then
        kill "$server_pid" 2>/dev/null
        wait "$server_pid" 2>/dev/null
        server_pid=
    fi
}
trap stop_server EXIT

rm -rf "$run" "$scratch"
mkdir -p "$root" "$scratch"

"$bin/bits-server" --root "$root" --port 0 --port-file "$run/port" >"$run/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
    [ -s "$run/port" ] && break
    if ! kill -0 "$server_pid" 2>/dev/null; then
        echo "bits-server exited at start:"; cat "$run/server.log"
        exit 1
    fi
    sleep 0.1
done
if [ ! -s "$run/port" ]; then
    echo "bits-server wrote no port file"; cat "$run/server.log"
    exit 1
fi
port=$(cat "$run/port")

echo "== $exe http://127.0.0.1:$port C:\\${scratch_rel//\//\\} $(winpath_z "$root")"
WINEPREFIX=$prefix timeout 900 wine "$bin/$exe" "http://127.0.0.1:$port" \
    "C:\\${scratch_rel//\//\\}" "$(winpath_z "$root")" | tr -d '\r'
rc=${PIPESTATUS[0]}
stop_server
if [ "$rc" -ne 0 ]; then
    echo "== $exe exited with $rc; bits-server log: $run/server.log," \
         "bitsd log: $prefix/bitsd/bitsd.log"
    tail -n 20 "$prefix/bitsd/bitsd.log" 2>/dev/null
fi
exit "$rc"
