#!/bin/bash
# SetNotifyCmdLine after the creating program exited, under real Wine.
#   notify_cmdline.sh <bin dir> <prefix> <run dir> [kill-wineserver]
# notifycmd_test.exe creates a slowed download job whose command line runs
# notify_helper.exe and exits at once.  With "kill-wineserver" the prefix's
# wineserver (and svchost with it) is stopped before the job transfers, so
# bitsd alone must start `wine` in the prefix.  The helper writes a marker
# with its command line and completes the job; the script checks the
# arguments (as given, %windir% not expanded), Complete's result, the
# downloaded file and that the job is ACKNOWLEDGED.
set -uo pipefail
bin=$1 prefix=$2 run=$3 mode=${4:-}
. "$(dirname "$0")/common.sh"

fail() { echo "FAIL: $*"; tail -n 30 "$prefix/bitsd/bitsd.log" 2>/dev/null; exit 1; }

scratch_rel=winetest/notifycmd${mode:+-$mode}
scratch=$prefix/drive_c/$scratch_rel
scratch_win="C:\\${scratch_rel//\//\\}"
root=$run/root
trap stop_bits_server EXIT
rm -rf "$run" "$scratch"
mkdir -p "$root" "$scratch"
start_bits_server "$bin" "$root" "$run"

marker_win="$scratch_win\\marker.txt"
marker=$scratch/marker.txt
helper_win=$(winpath_z "$bin/notify_helper.exe")

out=$(WINEPREFIX=$prefix timeout 300 wine "$bin/notifycmd_test.exe" "$server_url" "$scratch_win" \
      "$(winpath_z "$root")" "$helper_win" "$marker_win" | tr -d '\r')
rc=$?
echo "$out"
[ "$rc" -eq 0 ] || fail "notifycmd_test.exe exited with $rc"
job=$(printf '%s\n' "$out" | sed -n 's/^job \({[0-9A-Fa-f-]*}\)$/\1/p')
[ -n "$job" ] || fail "no job id printed"
[ -e "$marker" ] && fail "the command line ran before the job transferred"

if [ "$mode" = kill-wineserver ]; then
    stop_wineserver "$prefix"
    echo "wineserver of $prefix stopped; job $job still transferring"
fi
# the creator is gone and the job still runs; then let it finish quickly
sleep 2
[ -e "$marker" ] && fail "the command line ran before the job transferred"
curl -s "$server_url/_control?throttle_kbps=0" >/dev/null || fail "bits-server control"

for _ in $(seq 1 240); do
    [ -e "$marker" ] && break
    sleep 0.5
done
[ -e "$marker" ] || fail "the notification command line never ran"
cat "$marker"
# wine rebuilds the command line from the arguments bitsd split off, so
# compare arguments: quotes only group, %windir% stays as written
line1=$(sed -n 1p "$marker" | tr -d '\r"')
expect="$helper_win $job $marker_win %windir%"
[ "$line1" = "$expect" ] || fail "command line '$line1', expected '$expect'"
grep -q '^complete 0x00000000' "$marker" || fail "Complete from the helper failed"
cmp -s "$root/files/notify.bin" "$scratch/notify/notify.bin" || fail "the completed file differs"

state=$("$bin/bitsctl" --prefix "$prefix" info "$job" | sed -n 's/^ *[Ss]tate:* *//p' | head -n 1)
case "$state" in
ACKNOWLEDGED*) ;;
*) fail "job state '$state', expected ACKNOWLEDGED" ;;
esac
grep -q "notify" "$prefix/bitsd/bitsd.log" || fail "the launch was not logged"
echo "notify command line ran after the creator exited (${mode:-svchost alive}): ok"
