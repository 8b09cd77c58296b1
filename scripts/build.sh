#!/usr/bin/env bash
# Configures and builds troupe into build/ (-j2). Optional arguments name the
# targets to build (default: everything, including tests and benchmarks).
set -euo pipefail
cd "$(dirname "$0")/.."
build_type=${TROUPE_BUILD_TYPE:-RelWithDebInfo}
cmake -S . -B build -DCMAKE_BUILD_TYPE="$build_type" >/dev/null
if [ $# -gt 0 ]; then
  for target in "$@"; do
    cmake --build build -j"${TROUPE_JOBS:-2}" --target "$target"
  done
else
  cmake --build build -j"${TROUPE_JOBS:-2}"
fi
