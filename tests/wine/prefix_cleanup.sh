#!/bin/bash
# ctest fixture cleanup: stop the test prefix's bitsd and wineserver.
#   prefix_cleanup.sh <bin dir> <prefix>
set -uo pipefail
bin=$1 prefix=$2
. "$(dirname "$0")/common.sh"

[ -d "$prefix" ] || exit 0
rc=0
"$bin/winebits" stop --prefix "$prefix" || rc=1
stop_wineserver "$prefix"
exit $rc
