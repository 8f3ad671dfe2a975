#!/bin/sh
# Runs qmgr_smoke.exe under Wine against a private prefix: qmgr.dll installed
# as the BITS service DLL, bitsd started on demand by qmgr.dll, bits-server
# as the HTTP peer.  Exit status 0 only when every scenario passes.
#
#   run_smoke.sh BIN_DIR [PREFIX_TEMPLATE]
#
# BIN_DIR holds qmgr.dll, qmgr_smoke.exe, bitsd and bits-server.  When it
# also holds qmgrprxy.dll (the project's proxy/stub DLL), that replaces
# Wine's, every scenario runs with --own-proxy, qmgrprxy_test.exe (if
# present) checks the registration, and after `wineboot -u` the error
# scenario and the registration are checked again.
# PREFIX_TEMPLATE (optional) is a ready prefix copied instead of running
# wineboot (about 10 s saved).  Only processes started here are stopped,
# by PID; Wine is stopped with `wineserver -k` for this prefix only.
set -u

bin=$(cd "${1:?usage: run_smoke.sh BIN_DIR [PREFIX_TEMPLATE]}" && pwd)
template=${2:-}
work=$(mktemp -d /tmp/pe-smoke-XXXXXX)
prefix=$work/prefix
server_pid=
failed=0

export WINEPREFIX="$prefix" WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="

cleanup() {
    wineserver -k 2>/dev/null
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null
    # bitsd of this prefix (started by qmgr.dll): its command line ends
    # with "--prefix <this prefix>".
    for pid in $(pgrep -f -- "bitsd --prefix $prefix\$"); do kill "$pid" 2>/dev/null; done
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

if [ -n "$template" ]; then
    cp -a "$template" "$prefix"
else
    wineboot -i >/dev/null 2>&1 || { echo "wineboot failed"; exit 1; }
fi
cp "$bin/qmgr.dll" "$prefix/drive_c/windows/system32/qmgr.dll"
cp "$bin/qmgr.dll" "$bin/qmgr_smoke.exe" "$prefix/drive_c/"
wine reg add 'HKCU\Software\Wine\DllOverrides' /v qmgr /d native /f >/dev/null 2>&1

proxy_flag=
if [ -f "$bin/qmgrprxy.dll" ]; then
    cp "$bin/qmgrprxy.dll" "$prefix/drive_c/windows/system32/qmgrprxy.dll"
    wine reg add 'HKCU\Software\Wine\DllOverrides' /v qmgrprxy /d native /f >/dev/null 2>&1
    wine regsvr32 /s qmgrprxy.dll || { echo "regsvr32 qmgrprxy.dll failed"; exit 1; }
    proxy_flag=--own-proxy
fi

run() {
    echo "== qmgr_smoke $proxy_flag $*"
    if ! wine 'C:\qmgr_smoke.exe' $proxy_flag "$@"; then
        failed=$((failed + 1))
    fi
}

run_proxy_test() {
    [ -n "$proxy_flag" ] && [ -f "$bin/qmgrprxy_test.exe" ] || return 0
    cp "$bin/qmgrprxy_test.exe" "$prefix/drive_c/"
    echo "== qmgrprxy_test"
    if ! wine 'C:\qmgrprxy_test.exe'; then
        failed=$((failed + 1))
    fi
}

run_proxy_test

# 1. No bitsd installed: clean, quick failure.
run --no-daemon
run --no-daemon --inproc 'C:\qmgr.dll'

# 2. With bitsd (started by qmgr.dll) and the test server.
mkdir -p -m 700 "$prefix/bitsd"
echo "$bin/bitsd" > "$prefix/bitsd/daemon"
mkdir -p "$work/root/files"
head -c 300000 /dev/urandom > "$work/root/files/data.bin"
head -c 100000 /dev/urandom > "$prefix/drive_c/up.bin"
"$bin/bits-server" --root "$work/root" --port 0 --port-file "$work/port" >"$work/server.log" 2>&1 &
server_pid=$!
for i in $(seq 50); do [ -s "$work/port" ] && break; sleep 0.1; done
port=$(cat "$work/port")
base=http://127.0.0.1:$port

run
run --inproc 'C:\qmgr.dll'
run --transfer download "$base/files/data.bin" 'C:\data.bin'
cmp -s "$work/root/files/data.bin" "$prefix/drive_c/data.bin" || { echo "download differs"; failed=$((failed + 1)); }
run --transfer download "$base/files/missing.bin" 'C:\missing.bin' --expect-error
run --transfer upload "$base/upload/up.bin" 'C:\up.bin'
cmp -s "$work/root/uploads/up.bin" "$prefix/drive_c/up.bin" || { echo "upload differs"; failed=$((failed + 1)); }
run --transfer upload-reply "$base/reply/echo/up2.bin" 'C:\up.bin'
run --transfer upload-reply "$base/reply/bytes/2000000/up3.bin" 'C:\up.bin'

# Wine re-registers its own proxies on `wineboot -u`; ours must survive.
if [ -n "$proxy_flag" ]; then
    echo "== wineboot -u"
    wineboot -u >/dev/null 2>&1 || { echo "wineboot -u failed"; failed=$((failed + 1)); }
    wineserver -w
    run_proxy_test
    run --transfer download "$base/files/missing.bin" 'C:\missing2.bin' --expect-error
fi

echo "run_smoke: $failed failed scenario(s)"
[ "$failed" -eq 0 ]
