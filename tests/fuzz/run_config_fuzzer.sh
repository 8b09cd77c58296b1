#!/usr/bin/env bash
# Builds the config fuzzer with clang in build-fuzz/ and runs it for SECONDS
# (default 300) on a corpus seeded with the shipped config files. Needs
# Debian's clang package (it brings libFuzzer); it is not in scripts/deps.sh
# since only this optional target uses it.
# Findings are written to build-fuzz/findings/; add each as a unit test case
# (tests/unit/config_file_test.cpp) when you fix it.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-300}
cmake -S . -B build-fuzz -DCMAKE_CXX_COMPILER=clang++ \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTROUPE_ENABLE_FUZZ=ON \
  -DTROUPE_ENABLE_TESTS=OFF -DTROUPE_ENABLE_BENCH=OFF \
  -DTROUPE_ENABLE_EXAMPLES=OFF >/dev/null
cmake --build build-fuzz -j"${TROUPE_JOBS:-2}" --target troupe_config_fuzzer
corpus=build-fuzz/corpus/config
mkdir -p "$corpus" build-fuzz/findings
cp config/troupe.conf.example examples/skills/skills.conf "$corpus"/
build-fuzz/bin/troupe_config_fuzzer -max_total_time="$seconds" \
  -max_len=4096 -timeout=10 -artifact_prefix=build-fuzz/findings/ "$corpus"
