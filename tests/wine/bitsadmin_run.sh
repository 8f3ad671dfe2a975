#!/bin/bash
# bitsadmin.exe against the whole chain: a scripted session of switches whose
# output is checked with grep, and whose transfers are checked byte for byte.
#   bitsadmin_run.sh <bin dir> <prefix> <run dir>
# Needs a prefix with winebits installed (ctest fixture "wineprefix").
set -uo pipefail
bin=$1 prefix=$2 run=$3
. "$(dirname "$0")/common.sh"

root=$run/root
scratch=$prefix/drive_c/bitsadmin-test
win='C:\bitsadmin-test'
failures=0
checks=0
trap stop_bits_server EXIT

# ba <args...>: runs bitsadmin; output in $out (no CRs), status in $rc.
ba() {
    out=$(WINEPREFIX=$prefix timeout 300 wine "$bin/bitsadmin.exe" "$@" | tr -d '\r')
    rc=${PIPESTATUS[0]}
    printf '$ bitsadmin %s\n%s\n[rc=%s]\n' "$*" "$out" "$rc" >>"$run/session.log"
}

fail() {
    failures=$((failures + 1))
    echo "FAIL: $*"
    printf '%s\n' "$out" | sed 's/^/    | /'
}

# expect <status> <extended regexp> <what>: checks the last ba call.
expect() {
    checks=$((checks + 1))
    if [ "$rc" -ne "$1" ]; then
        fail "$3: exit status $rc, expected $1"
    elif ! grep -Eq -- "$2" <<<"$out"; then
        fail "$3: output does not match /$2/"
    fi
}

# expect_fail <extended regexp> <what>: any non-zero status.
expect_fail() {
    checks=$((checks + 1))
    if [ "$rc" -eq 0 ]; then
        fail "$2: succeeded, expected a failure"
    elif ! grep -Eq -- "$1" <<<"$out"; then
        fail "$2: output does not match /$1/"
    fi
}

check_file() {
    checks=$((checks + 1))
    cmp -s "$1" "$2" || fail "$3: $2 differs from $1"
}

# Polls the state until it is one of the final ones; the limit only guards
# against hangs, it is not what the test checks.
wait_transferred() {
    local state
    for _ in $(seq 1 600); do
        ba /rawreturn /getstate "$1"
        state=$out
        case $state in
            TRANSFERRED|ERROR|ACKNOWLEDGED|CANCELLED) break ;;
        esac
        sleep 0.2
    done
    out=$state rc=0
    expect 0 '^TRANSFERRED$' "job $1 reaches TRANSFERRED"
}

job_guid() {
    grep -Eo '\{[0-9A-F-]{36}\}' <<<"$out" | head -n 1
}

rm -rf "$run" "$scratch"
mkdir -p "$root/files" "$scratch"
: >"$run/session.log"
head -c 300000 /dev/urandom >"$root/files/down.bin"
head -c 100000 /dev/urandom >"$scratch/up.bin"
head -c 5000 /dev/urandom >"$root/files/small.bin"
start_bits_server "$bin" "$root" "$run"
url=$server_url

# ---- command line ----
ba /help
expect 0 'BITSADMIN version' "banner"
expect 0 '/setnotifycmdline <job>' "help lists the switches"
ba /NoSuchSwitch
expect_fail 'Unknown switch' "unknown switch"
ba /create
expect_fail 'Invalid number of arguments' "missing argument"
ba /setpriority somejob URGENT
expect_fail 'Invalid argument: URGENT' "bad priority"
ba /rawreturn /help
checks=$((checks + 1))
grep -q 'BITSADMIN version' <<<"$out" && fail "/rawreturn prints no banner"

# ---- a clean queue ----
ba /reset
expect 0 'out of [0-9]+ jobs canceled' "reset"
ba /list
expect 0 'Listed 0 job\(s\)' "empty list"

# ---- create, addfile, set/get pairs ----
ba /create /download dljob
expect 0 'Created job \{[0-9A-F-]{36}\}\.' "create download job"
dl=$(job_guid)
ba /addfile dljob "$url/files/down.bin" "$win\\down.bin"
expect 0 'Added .*down.bin' "addfile"
ba /gettype dljob
expect 0 '^DOWNLOAD$' "gettype"
ba /getstate "$dl"
expect 0 '^SUSPENDED$' "getstate by GUID"
ba /getfilestotal dljob
expect 0 '^1$' "getfilestotal"
ba /getdisplayname "$dl"
expect 0 '^dljob$' "getdisplayname"
ba /setdescription dljob "fetches down.bin"
expect 0 'Description set' "setdescription"
ba /getdescription dljob
expect 0 '^fetches down.bin$' "getdescription"
ba /setpriority dljob high
expect 0 'Priority set to HIGH' "setpriority"
ba /getpriority dljob
expect 0 '^HIGH$' "getpriority"
ba /setminretrydelay dljob 60
expect 0 'set to 60' "setminretrydelay"
ba /getminretrydelay dljob
expect 0 '^60$' "getminretrydelay"
ba /setnoprogresstimeout dljob 3600
expect 0 'set to 3600' "setnoprogresstimeout"
ba /getnoprogresstimeout dljob
expect 0 '^3600$' "getnoprogresstimeout"
ba /setnotifyflags dljob 1
expect 0 'set to 1' "setnotifyflags"
ba /getnotifyflags dljob
expect 0 '^1$' "getnotifyflags"
ba /setnotifyflags dljob 0x40
expect_fail 'Unable to set notify flags - 0x80004001' "unknown notify flag"
ba /setnotifycmdline dljob 'C:\windows\system32\cmd.exe' 'cmd.exe /c exit 0'
expect 0 'Notification command line set' "setnotifycmdline"
ba /getnotifycmdline dljob
expect 0 "^'C:\\\\windows\\\\system32\\\\cmd.exe' 'cmd.exe /c exit 0'$" "getnotifycmdline"
ba /setnotifycmdline dljob NULL NULL
expect 0 'removed' "setnotifycmdline NULL"
ba /getnotifycmdline dljob
expect 0 '^NULL$' "getnotifycmdline after removal"
ba /setproxy dljob OVERRIDE 'proxy.invalid:8080' '<local>'
expect 0 'Proxy usage set to OVERRIDE' "setproxy OVERRIDE"
ba /getproxylist dljob
expect 0 'proxy.invalid:8080' "getproxylist"
ba /getproxybypasslist dljob
expect 0 '<local>' "getproxybypasslist"
ba /setproxy dljob NO_PROXY
expect 0 'Proxy usage set to NO_PROXY' "setproxy NO_PROXY"
ba /getproxyusage dljob
expect 0 '^NO_PROXY$' "getproxyusage"
ba /setcredentials dljob SERVER BASIC user secret
expect 0 'Credentials set' "setcredentials"
ba /removecredentials dljob server basic
expect 0 'Credentials removed' "removecredentials"
ba /setcredentials dljob SERVER KERBEROS user secret
expect_fail 'Invalid argument: KERBEROS' "bad auth scheme"
ba /geterrorcount dljob
expect 0 '^0$' "geterrorcount"
ba /geterror dljob
expect_fail '0x8020000f' "geterror without an error"
ba /getowner dljob
expect 0 '.' "getowner"
ba /getcreationtime dljob
expect 0 '[0-9]+.[0-9]+.[0-9]+ [0-9]+:[0-9]+' "getcreationtime"
ba /getcompletiontime dljob
expect 0 '^UNKNOWN$' "getcompletiontime before the transfer"
ba /getreplydata dljob
expect_fail 'Unable to get reply data - 0x80004001' "getreplydata on a download job"

# ---- job names ----
ba /getstate nosuchjob
expect_fail "Unable to find job named 'nosuchjob'" "unknown name"
ba /create twin
ba /create twin
ba /getstate twin
expect_fail '2 jobs have this name' "ambiguous name"
ba /getstate '{00000000-0000-0000-0000-000000000001}'
expect_fail '0x80200001' "unknown GUID"

# ---- resume, wait, complete ----
ba /resume dljob
expect 0 'Job resumed' "resume"
wait_transferred dljob
ba /getbytestransferred dljob
expect 0 '^300000$' "getbytestransferred"
ba /getbytestotal dljob
expect 0 '^300000$' "getbytestotal"
ba /getfilestransferred dljob
expect 0 '^1$' "getfilestransferred"
ba /getcompletiontime dljob
expect 0 '[0-9]+.[0-9]+.[0-9]+ [0-9]+:[0-9]+' "getcompletiontime"
ba /info dljob /verbose
expect 0 'STATE: TRANSFERRED' "info /verbose"
expect 0 'COMPLETED .*files/down.bin -> ' "info lists the file"
ba /complete dljob
expect 0 'Job completed' "complete"
check_file "$root/files/down.bin" "$scratch/down.bin" "download"
ba /addfile dljob "$url/files/small.bin" "$win\\late.bin"
expect_fail 'Unable to find job|0x80200002' "addfile after complete"

# ---- upload-reply with the switches ----
ba /create /upload-reply urjob
expect 0 'Created job' "create upload-reply job"
ba /gettype urjob
expect 0 '^UPLOAD-REPLY$' "gettype upload-reply"
ba /addfile urjob "$url/reply/digest/ur.bin" "$win\\up.bin"
expect 0 'Added' "addfile upload-reply"
ba /setreplyfilename urjob "$win\\reply.txt"
expect 0 'Reply file name set' "setreplyfilename"
ba /getreplyfilename urjob
expect 0 'reply.txt$' "getreplyfilename"
ba /getreplydata urjob
expect_fail '0x80200002' "getreplydata before the transfer"
ba /resume urjob
expect 0 'Job resumed' "resume upload-reply"
wait_transferred urjob
digest=$(sha256sum "$scratch/up.bin" | cut -c1-64)
ba /getreplyprogress urjob
expect 0 '^64 / 64$' "getreplyprogress"
ba /getreplydata urjob
expect 0 'Reply data \(64 bytes\)' "getreplydata size"
expect 0 "^0000: .*  ${digest:0:16}$" "getreplydata hex dump"
expect 0 "^0030: .*  ${digest:48:16}$" "getreplydata last line"
ba /complete urjob
expect 0 'Job completed' "complete upload-reply"
checks=$((checks + 1))
[ "$(cat "$scratch/reply.txt" 2>/dev/null)" = "$digest" ] || fail "reply file holds the digest"
check_file "$scratch/up.bin" "$root/uploads/ur.bin" "upload-reply upload"

# ---- /transfer ----
ba /transfer tdown /priority FOREGROUND "$url/files/down.bin" "$win\\down2.bin"
expect 0 'Transfer complete\.' "transfer download"
expect 0 "DISPLAY: 'tdown' TYPE: DOWNLOAD" "transfer progress"
check_file "$root/files/down.bin" "$scratch/down2.bin" "transfer download"
ba /transfer tup /UPLOAD "$url/upload/tup.bin" "$win\\up.bin"
expect 0 'Transfer complete\.' "transfer upload"
check_file "$scratch/up.bin" "$root/uploads/tup.bin" "transfer upload"
ba /transfer treply /upload-reply "$url/reply/digest/treply.bin" "$win\\up.bin"
expect 0 'Transfer complete\.' "transfer upload-reply"
expect 0 'Reply file: ' "transfer upload-reply names the reply file"
check_file "$scratch/up.bin" "$root/uploads/treply.bin" "transfer upload-reply"
reply_win=$(sed -n 's/^Reply file: //p' <<<"$out")
reply_unix=$prefix/drive_c/$(printf '%s' "${reply_win#?:\\}" | tr '\\' '/')
checks=$((checks + 1))
[ "$(cat "$reply_unix" 2>/dev/null)" = "$digest" ] || fail "transfer reply file $reply_unix holds the digest"
ba /transfer tmissing "$url/files/missing.bin" "$win\\missing.bin"
expect_fail 'ERROR CODE: +0x80190194 - .' "transfer of a missing file"
expect_fail 'ERROR CONTEXT: 0x00000005 - .' "transfer error context"
ba /getstate tmissing
expect_fail "Unable to find job named 'tmissing'" "failed transfer leaves no job"
ba /transfer '{00000000-0000-0000-0000-000000000002}' "$url/files/small.bin" "$win\\x.bin"
expect_fail 'cannot be a GUID' "transfer name must not be a GUID"

# ---- addfileset, suspend, cancel, takeownership ----
ba /create setjob
printf '# files for setjob\n%s %s\n"%s" "%s"\n' "$url/files/small.bin" "$win\\s1.bin" \
    "$url/files/small.bin" "$win\\s 2.bin" >"$scratch/set.txt"
ba /addfileset setjob "$win\\set.txt"
expect 0 'Added 2 file\(s\)' "addfileset"
ba /getfilestotal setjob
expect 0 '^2$' "getfilestotal after addfileset"
ba /takeownership setjob
expect 0 'Took ownership' "takeownership"
ba /suspend setjob
expect 0 'Job suspended' "suspend"
ba /create cjob
ba /cancel cjob
expect 0 'Job canceled' "cancel"
ba /getstate cjob
expect_fail "Unable to find job named 'cjob'" "canceled job is gone"
ba /create /upload upjob
ba /addfile upjob "$url/upload/a.bin" "$win\\up.bin"
ba /addfile upjob "$url/upload/b.bin" "$win\\up.bin"
expect_fail '0x8020001c' "second file of an upload job"

# ---- list, info, monitor ----
ba /list
expect 0 "'setjob' SUSPENDED 0 / 2 0 / " "list line"
expect 0 "'upjob' SUSPENDED 0 / 1 " "list upload job"
expect 0 'Listed 4 job\(s\)' "list count"
ba /list /verbose
expect 0 "GUID: \\{[0-9A-F-]{36}\\} DISPLAY: 'setjob'" "list /verbose"
ba /info setjob
expect 0 "^\\{[0-9A-F-]{36}\\} 'setjob' SUSPENDED" "info"
ba /setdisplayname setjob renamed
expect 0 'Display name set' "setdisplayname"
ba /info renamed /verbose
expect 0 "DISPLAY: 'renamed'" "info after setdisplayname"
ba /monitor /refresh 1 /count 2
checks=$((checks + 1))
[ "$rc" -eq 0 ] && [ "$(grep -c 'MONITORING BACKGROUND COPY MANAGER' <<<"$out")" -eq 2 ] ||
    fail "monitor shows two screens"
expect 0 "'renamed' SUSPENDED" "monitor lists the jobs"

ba /reset
expect 0 '4 out of 4 jobs canceled' "reset"
ba /list
expect 0 'Listed 0 job\(s\)' "list after reset"

stop_bits_server
echo "bitsadmin: $checks checks, $failures failures (session: $run/session.log)"
if [ "$failures" -ne 0 ]; then
    tail -n 20 "$prefix/bitsd/bitsd.log" 2>/dev/null
    exit 1
fi
exit 0
