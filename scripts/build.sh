#!/usr/bin/env bash
# Configures and builds troupe into build/ (Release with debug info, -j2).
set -euo pipefail
cd "$(dirname "$0")/.."
build_type=${TROUPE_BUILD_TYPE:-RelWithDebInfo}
cmake -S . -B build -DCMAKE_BUILD_TYPE="$build_type" >/dev/null
cmake --build build -j"${TROUPE_JOBS:-2}"
