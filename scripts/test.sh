#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine: installs system packages if missing, builds,
# and runs every test (unit and end-to-end). `.ci/run` calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-system-packages.sh
. scripts/env.sh

echo "==> building (debug, with tests)"
swift build --build-tests
echo "==> running the test suite"
swift test --skip-build
