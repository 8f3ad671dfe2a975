#!/bin/bash
# Builds everything and runs every test (native CMocka tests and the
# conformance programs under Wine).  ctest's summary is the last output.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

ensure_packages
ensure_wine32
build_all
exec ctest --test-dir "$BUILD" --output-on-failure
