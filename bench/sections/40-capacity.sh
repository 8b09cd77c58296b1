#!/usr/bin/env bash
# Idle node memory, and 100,000 jobs in flight against one node.
set -euo pipefail
source "$(dirname "$0")/../section_lib.sh"
"$BIN"/troupe node --port 0 --port-file "$dir/port" --log-level warn >/dev/null 2>&1 &
pid=$!
pids+=("$pid")
wait_ports "$dir/port"
node="127.0.0.1:$(client_port "$dir/port")"
# Let start-up settle before reading the resident set.
"$BIN"/troupe status --node "$node" >/dev/null
sleep 1
idle_kib=$(awk '/VmRSS/ {print $2}' /proc/$pid/status)
threads=$(awk '/Threads/ {print $2}' /proc/$pid/status)
result=$("$BIN"/troupe bench --node "$node" --skill echo --jobs 300000 \
  --concurrency 100000 --json)
peak_kib=$(awk '/VmHWM/ {print $2}' /proc/$pid/status)
python3 - "$idle_kib" "$threads" "$peak_kib" "$result" <<'PY'
import json, sys
idle, threads, peak, r = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), json.loads(sys.argv[4])
print("## Capacity and memory of one node")
print()
print("| figure | value | target |")
print("| --- | ---: | --- |")
print(f"| idle node RSS (default skills, {threads} threads) | {idle / 1024:.1f} MiB | ≤ 40 MiB |")
answered = r["jobs"] - r["failed"]
print(f"| 300,000 echo jobs with 100,000 in flight: answered OK | {answered:,} of {r['jobs']:,} | all answered |")
print(f"| ... throughput | {r['jobs_per_second']:.0f} jobs/s | |")
print(f"| ... peak node RSS | {peak / 1024:.1f} MiB | bounded |")
print()
print("Commands: `troupe node --port 0`, then `troupe bench --skill echo --jobs 300000")
print("--concurrency 100000`; RSS from /proc/PID/status (VmRSS idle, VmHWM peak).")
PY
