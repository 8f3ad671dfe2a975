#!/bin/bash
# ctest fixture: one Wine prefix for the whole run.
#   prefix_setup.sh <build dir> <bin dir>
# build/wineprefix-base is made once with wineboot -i and kept across runs;
# build/wineprefix-test is a fresh copy with winebits installed.
set -euo pipefail
build=$1 bin=$2
. "$(dirname "$0")/common.sh"

base=$build/wineprefix-base
test=$build/wineprefix-test

# A base made before wine32 was installed has an empty syswow64, and with
# wine32 present Wine starts every program through the 32-bit loader, which
# then fails ("could not load kernel32.dll"): make such a base again.
if [ -x /usr/lib/wine/wine ] && [ -f "$base/.winebits-base-ready" ] &&
   [ ! -f "$base/drive_c/windows/syswow64/kernel32.dll" ]; then
    echo "$base predates wine32: making it again"
    rm -f "$base/.winebits-base-ready"
fi

if [ ! -f "$base/.winebits-base-ready" ]; then
    echo "creating $base with wineboot -i (once per build tree)"
    rm -rf "$base"
    WINEPREFIX=$base wineboot -i
    # The hives are written when the prefix's wineserver exits.
    WINEPREFIX=$base wineserver -w
    touch "$base/.winebits-base-ready"
fi

# Leftovers of an interrupted run: its bitsd and wineserver.
if [ -d "$test" ]; then
    "$bin/winebits" stop --prefix "$test" || true
    stop_wineserver "$test"
fi
rm -rf "$test"
cp -a "$base" "$test"
rm -f "$test/.winebits-base-ready"
"$bin/winebits" install --prefix "$test"
"$bin/winebits" status --prefix "$test" || test $? -eq 3
