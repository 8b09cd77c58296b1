#!/usr/bin/env bash
# Installs dependencies, builds troupe and runs the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
bash scripts/build.sh
cd build
ctest --output-on-failure -j"${TROUPE_TEST_JOBS:-2}" --timeout 300
