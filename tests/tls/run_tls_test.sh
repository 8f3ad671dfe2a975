#!/bin/bash
# Runs tls_test.exe or certcb_test.exe under Wine against bits-server behind stunnel, with the
# prefix's bitsd trusting the test CA (BITSD_CA_FILE).
#   run_tls_test.sh <bin dir> <prefix> <program.exe> <run dir>
# Exit 77 (skipped) when stunnel is not installed.
set -uo pipefail
bin=$1 prefix=$2 exe=$3 run=$4
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../wine/common.sh"

name=$(basename "${exe%.exe}")
root=$run/root
scratch_rel=winetest/$name
scratch=$prefix/drive_c/$scratch_rel

cleanup() {
    bash "$here/tls_front.sh" stop "$run/tls"
    stop_bits_server
    # the next programs get a bitsd started on demand, as usual
    "$bin/winebits" stop --prefix "$prefix" >/dev/null 2>&1
}
trap cleanup EXIT

rm -rf "$run" "$scratch"
mkdir -p "$root/files" "$scratch"
start_bits_server "$bin" "$root" "$run"
bash "$here/tls_front.sh" start "$run/tls" "$(cat "$run/port")"
rc=$?
if [ "$rc" -eq 77 ]; then
    echo "stunnel is not installed (Debian package stunnel4): skipped"
    exit 77
fi
[ "$rc" -eq 0 ] || exit "$rc"
# tls_test needs the door that demands a client certificate; certcb_test
# the plain one, and the server's certificate to compare with.
door=clientauth
[ "$name" = certcb_test ] && door=good
port=$(awk -v door="$door" '$1 == door { print $2 }' "$run/tls/ports")
cp "$run/tls/client.p12" "$scratch/client.p12"
cp "$run/tls/server.der" "$scratch/server.der"

# bitsd reads BITSD_CA_FILE at start: restart it with the test CA.
"$bin/winebits" stop --prefix "$prefix" || exit 1
BITSD_CA_FILE=$run/tls/ca.pem "$bin/bitsd" --prefix "$prefix" || exit 1

echo "== $exe https://127.0.0.1:$port C:\\${scratch_rel//\//\\} $(winpath_z "$root")"
WINEPREFIX=$prefix timeout 900 wine "$bin/$exe" "https://127.0.0.1:$port" \
    "C:\\${scratch_rel//\//\\}" "$(winpath_z "$root")" | tr -d '\r'
rc=${PIPESTATUS[0]}
if [ "$rc" -ne 0 ]; then
    echo "== $exe exited with $rc; stunnel log: $run/tls/stunnel.log," \
         "bitsd log: $prefix/bitsd/bitsd.log"
    tail -n 20 "$prefix/bitsd/bitsd.log" 2>/dev/null
fi
exit "$rc"
