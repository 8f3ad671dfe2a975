#!/bin/bash
# The installation must survive `wineboot -u` (Wine updating the prefix).
#   wineboot_update.sh <bin dir> <prefix>
set -euo pipefail
bin=$1 prefix=$2
. "$(dirname "$0")/common.sh"

WINEPREFIX=$prefix wineboot -u
WINEPREFIX=$prefix wineserver -w
if ! cmp -s "$bin/qmgr.dll" "$prefix/drive_c/windows/system32/qmgr.dll"; then
    echo "FAIL: wineboot -u replaced qmgr.dll"
    exit 1
fi
# 0 = installed and bitsd running, 3 = installed, bitsd not running.
rc=0
"$bin/winebits" status --prefix "$prefix" || rc=$?
if [ $rc -ne 0 ] && [ $rc -ne 3 ]; then
    echo "FAIL: winebits status says $rc after wineboot -u"
    exit 1
fi
echo "installation intact after wineboot -u"
