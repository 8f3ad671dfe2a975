#!/bin/bash
# The notification CLSID after the creating program exited, under real Wine.
#   notify_clsid.sh <bin dir> <prefix> <run dir> [kill-wineserver]
# notifyclsid_test.exe registers itself as the local server of a test CLSID,
# creates a slowed download job and a job whose URL answers 404, both naming
# the CLSID (no callback interface), and exits.  With "kill-wineserver" the
# prefix's wineserver (and svchost with it) is stopped before the job
# transfers, so bitsd alone must start bitsnotify.exe in the prefix.  The
# server COM starts writes markers per job; the script checks them:
# JobTransferred with the right job, after FileTransferred and at least one
# JobModification, whose Complete worked (the file is there, the job
# ACKNOWLEDGED, and its notify command line never ran);
# JobError with BG_E_HTTP_ERROR_404, answered E_FAIL once and so called a
# second time after MinimumRetryDelay, then the job cancelled.
set -uo pipefail
bin=$1 prefix=$2 run=$3 mode=${4:-}
. "$(dirname "$0")/common.sh"

fail() { echo "FAIL: $*"; tail -n 30 "$prefix/bitsd/bitsd.log" 2>/dev/null; exit 1; }
# marker_has <file> <line>: the Windows program wrote CRLF lines
marker_has() { tr -d '\r' < "$1" | grep -qxF -- "$2"; }

scratch_rel=winetest/notifyclsid${mode:+-$mode}
scratch=$prefix/drive_c/$scratch_rel
scratch_win="C:\\${scratch_rel//\//\\}"
markers=$scratch/markers
root=$run/root
trap stop_bits_server EXIT
rm -rf "$run" "$scratch"
mkdir -p "$root" "$markers"
start_bits_server "$bin" "$root" "$run"

out=$(WINEPREFIX=$prefix timeout 300 wine "$bin/notifyclsid_test.exe" "$server_url" "$scratch_win" \
      "$(winpath_z "$root")" "$scratch_win\\markers" "$(winpath_z "$bin/notify_helper.exe")" \
      | tr -d '\r')
rc=$?
echo "$out"
[ "$rc" -eq 0 ] || fail "notifyclsid_test.exe exited with $rc"
job=$(printf '%s\n' "$out" | sed -n 's/^job \({[0-9A-Fa-f-]*}\)$/\1/p')
errjob=$(printf '%s\n' "$out" | sed -n 's/^errjob \({[0-9A-Fa-f-]*}\)$/\1/p')
[ -n "$job" ] && [ -n "$errjob" ] || fail "no job ids printed"
[ -e "$markers/$job.txt" ] && fail "JobTransferred came before the job transferred"

if [ "$mode" = kill-wineserver ]; then
    stop_wineserver "$prefix"
    echo "wineserver of $prefix stopped; job $job still transferring"
fi
sleep 2
[ -e "$markers/$job.txt" ] && fail "JobTransferred came before the job transferred"
curl -s "$server_url/_control?throttle_kbps=0" >/dev/null || fail "bits-server control"

for _ in $(seq 1 300); do
    [ -e "$markers/$job.txt" ] && [ -e "$markers/$errjob.txt" ] && break
    [ -e "$markers/cmdline.txt" ] && fail "the notify command line ran: the CLSID did not take the event"
    sleep 0.5
done
[ -e "$markers/$job.txt" ] || fail "the notification CLSID never got JobTransferred"
[ -e "$markers/$errjob.txt" ] || fail "the notification CLSID never took JobError"
cat "$markers/$job.txt" "$markers/$errjob.txt"

marker_has "$markers/$job.txt" "transferred $job" || fail "JobTransferred for another job"
marker_has "$markers/$job.txt" 'complete 0x00000000' || fail "Complete from the callback failed"
marker_has "$markers/$job.txt" 'attempt 1' || fail "JobTransferred needed more than one call"
# IBackgroundCopyCallback2::FileTransferred for the one file, before JobTransferred
marker_has "$markers/$job.txt" 'file first 1' || fail "JobTransferred came before FileTransferred"
marker_has "$markers/$job.file" "file $scratch_win\\clsid\\clsid.bin" ||
    fail "FileTransferred with the wrong file: $(cat "$markers/$job.file" 2>/dev/null)"
[ -s "$markers/$job.mods" ] || fail "no JobModification reached the notification CLSID"
cmp -s "$root/files/clsid.bin" "$scratch/clsid/clsid.bin" || fail "the completed file differs"
[ -e "$markers/cmdline.txt" ] && fail "the notify command line ran although the CLSID took the event"
grep -q "job notification clsid: running notify command line" "$prefix/bitsd/bitsd.log" &&
    fail "the notify command line was started although the CLSID took the event"

marker_has "$markers/$errjob.txt" "error $errjob" || fail "JobError for another job"
# BG_ERROR_CONTEXT_REMOTE_FILE, BG_E_HTTP_ERROR_404
marker_has "$markers/$errjob.txt" 'context 5 code 0x80190194' || fail "wrong error in JobError"
marker_has "$markers/$errjob.txt" 'cancel 0x00000000' || fail "Cancel from the callback failed"
marker_has "$markers/$errjob.txt" 'attempt 2' || fail "JobError was not called again after failing"

state=$("$bin/bitsctl" --prefix "$prefix" info "$job" | sed -n 's/^ *[Ss]tate:* *//p' | head -n 1)
case "$state" in
ACKNOWLEDGED*) ;;
*) fail "job state '$state', expected ACKNOWLEDGED" ;;
esac
grep -q "activating notification CLSID" "$prefix/bitsd/bitsd.log" || fail "the activation was not logged"
grep -q "notification CLSID failed" "$prefix/bitsd/bitsd.log" || fail "the failed JobError was not logged"
echo "notification CLSID called after the creator exited (${mode:-svchost alive}): ok"
