#!/usr/bin/env bash
# A real node process loaded through the CLI client over loopback.
set -euo pipefail
source "$(dirname "$0")/../section_lib.sh"
"$BIN"/troupe node --port 0 --port-file "$dir/port" --log-level warn >/dev/null 2>"$dir/log" &
pid=$!
pids+=("$pid")
wait_ports "$dir/port"
node="127.0.0.1:$(client_port "$dir/port")"
echo "## One node over loopback, driven by \`troupe bench\`"
echo
echo "The CLI's client pipelines jobs to a node process (128 jobs and about"
echo "256 KiB per submit message at most), keeping the given number in flight."
echo
echo "| skill | input | concurrency | jobs | jobs/s | p50 µs | p90 µs | p99 µs |"
echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"
run() {
  local skill=$1 input=$2 label=$3 conc=$4 jobs=$5
  "$BIN"/troupe bench --node "$node" --skill "$skill" --input "$input" \
    --jobs "$jobs" --concurrency "$conc" --json |
    python3 -c 'import json,sys; r=json.load(sys.stdin); print("| %s | %s | %d | %d | %.0f | %.0f | %.0f | %.0f |" % ("'"$skill"'", "'"$label"'", r["concurrency"], r["jobs"], r["jobs_per_second"], r["p50_us"], r["p90_us"], r["p99_us"]))'
}
run echo "" "empty" 1 5000
run echo "" "empty" 16 50000
run echo "" "empty" 256 100000
run sha256 "$(head -c 1024 /dev/zero | tr '\0' x)" "1 KiB" 64 20000
echo
echo "Command: \`troupe bench --node H:P --skill S --input I --jobs N --concurrency C\`"
