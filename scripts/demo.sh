#!/bin/bash
# Demo: an unmodified Windows program uploads a file with a BITS
# upload-reply job under Wine and prints the server application's reply
# (the SHA-256 of the upload, computed by bits-server).
#
# Uses $WINEPREFIX when set, else build/wineprefix-demo (created here).
# The build tree is build/ unless $WINEBITS_BUILD_DIR names another.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

ensure_packages
build_all

build=$(cd "$BUILD" && pwd)
bin=$build/bin
own_prefix=0
if [ -n "${WINEPREFIX:-}" ]; then
    prefix=$WINEPREFIX
else
    prefix=$build/wineprefix-demo
    own_prefix=1
fi
export WINEPREFIX=$prefix

if [ ! -f "$prefix/system.reg" ]; then
    echo "== creating the Wine prefix $prefix (wineboot -i, about 15 s)"
    wineboot -i
    wineserver -w
fi

echo "== installing winebits into $prefix"
"$bin/winebits" install --prefix "$prefix"

run=$build/demo-run
rm -rf "$run"
mkdir -p "$run/root"
server_pid=
cleanup() {
    if [ -n "$server_pid" ]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
}
trap cleanup EXIT

"$bin/bits-server" --root "$run/root" --port 0 --port-file "$run/port" >"$run/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
    [ -s "$run/port" ] && break
    sleep 0.1
done
if [ ! -s "$run/port" ]; then
    echo "bits-server did not start:"; cat "$run/server.log"
    exit 1
fi
url="http://127.0.0.1:$(cat "$run/port")/reply/digest/demo.txt"

mkdir -p "$prefix/drive_c/winebits-demo"
file=$prefix/drive_c/winebits-demo/demo.txt
printf 'Hello from a Windows program under Wine, sent with BITS upload-reply.\n' >"$file"
echo "== local file C:\\winebits-demo\\demo.txt, SHA-256 $(sha256sum "$file" | cut -d' ' -f1)"
echo "== wine upload_reply_demo.exe $url C:\\winebits-demo\\demo.txt"

set +e
wine "$bin/upload_reply_demo.exe" "$url" 'C:\winebits-demo\demo.txt' | tr -d '\r'
rc=${PIPESTATUS[0]}
set -e

cleanup
server_pid=
if [ "$own_prefix" -eq 1 ]; then
    # The demo's own prefix: leave nothing running.
    "$bin/winebits" stop --prefix "$prefix" >/dev/null || true
    wineserver -k 2>/dev/null || true
else
    echo "== bitsd keeps running in $prefix; stop it with: $bin/winebits stop --prefix $prefix"
fi
echo "== upload_reply_demo.exe exited with $rc"
exit "$rc"
