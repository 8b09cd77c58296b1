#!/usr/bin/env bash
# Builds troupe's libFuzzer targets with clang (in build-fuzz/) and runs
# each for a while on its corpus.
#
#   bash scripts/fuzz.sh [--seconds N] [--merge] [TARGET...]
#
# --seconds N  how long each target runs (default 60)
# --merge      fold the inputs that found new coverage into the corpus in
#              the repository (tests/fuzz/corpus/TARGET), minimized
# TARGET       api member link worker json tokens config http (default: all)
#
# Targets run one after another, each with the sanitizers (address,
# undefined). An input that fails is kept in build-fuzz/findings/TARGET/;
# once fixed, copy it to tests/fuzz/crashes/TARGET/, where every build's
# tests replay it (FuzzReplay.TARGET). The exit status is 1 when any
# target failed. Needs Debian's clang and libclang-rt-14-dev (scripts/deps.sh
# --fuzz installs them).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=60
merge=0
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds=$2; shift 2 ;;
    --merge) merge=1; shift ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    -*) echo "fuzz.sh: unknown option $1" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
all=(api member link worker json tokens config http)
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")
for t in "${targets[@]}"; do
  [ -d "tests/fuzz/corpus/$t" ] || { echo "fuzz.sh: no target $t (have: ${all[*]})" >&2; exit 2; }
done
bash scripts/deps.sh --fuzz
cmake -S . -B build-fuzz -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTROUPE_ENABLE_FUZZ=ON \
  -DTROUPE_ENABLE_TESTS=OFF -DTROUPE_ENABLE_BENCH=OFF \
  -DTROUPE_ENABLE_EXAMPLES=OFF >/dev/null
cmake --build build-fuzz -j"${TROUPE_JOBS:-2}" \
  --target $(printf 'troupe_%s_fuzzer ' "${targets[@]}")
failed=()
for t in "${targets[@]}"; do
  work=build-fuzz/corpus/$t
  findings=build-fuzz/findings/$t
  mkdir -p "$work" "$findings"
  echo "fuzz.sh: $t for ${seconds}s"
  # New inputs go to the work corpus; the repository's is read only.
  if ! build-fuzz/bin/troupe_${t}_fuzzer -max_total_time="$seconds" \
      -max_len=65536 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$findings/" "$work" "tests/fuzz/corpus/$t" \
      2>"build-fuzz/$t.log"; then
    failed+=("$t")
  fi
  grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "build-fuzz/$t.log" \
    | sed "s/^/fuzz.sh: $t /" || true
  if [ "$merge" = 1 ]; then
    build-fuzz/bin/troupe_${t}_fuzzer -merge=1 -max_len=65536 \
      "tests/fuzz/corpus/$t" "$work" 2>>"build-fuzz/$t.log"
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz.sh: failed: ${failed[*]} (inputs in build-fuzz/findings/, logs in build-fuzz/*.log)" >&2
  exit 1
fi
echo "fuzz.sh: no failures"
