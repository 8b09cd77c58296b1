#!/usr/bin/env bash
# A remote client against one node vs raw CAF remote request/response
# between two processes: sequential latency and pipelined throughput.
set -euo pipefail
source "$(dirname "$0")/../section_lib.sh"
"$BIN"/troupe-bench-remote-raw server --port-file "$dir/raw" &
pids+=($!)
"$BIN"/troupe node --port 0 --port-file "$dir/node" --log-level warn >/dev/null 2>&1 &
pids+=($!)
wait_file "$dir/raw"
wait_ports "$dir/node"
raw=$(cat "$dir/raw")
node="127.0.0.1:$(client_port "$dir/node")"
runs=3
python3 - "$BIN" "$raw" "$node" "$runs" <<'PY'
import json, statistics, subprocess, sys
bin_dir, raw_port, node, runs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
def run(args):
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])
seq_raw, seq_tr, pipe_raw, pipe_tr, pipe_hit = [], [], [], [], []
for _ in range(runs):  # interleaved so that noise hits both sides alike
    seq_raw.append(run([f"{bin_dir}/troupe-bench-remote-raw", "sequential", "--port", raw_port, "--count", "5000"]))
    seq_tr.append(run([f"{bin_dir}/troupe", "bench", "--node", node, "--skill", "echo", "--jobs", "5000", "--concurrency", "1", "--json"]))
    pipe_raw.append(run([f"{bin_dir}/troupe-bench-remote-raw", "pipelined", "--port", raw_port, "--count", "200000", "--inflight", "256"]))
    pipe_tr.append(run([f"{bin_dir}/troupe", "bench", "--node", node, "--skill", "echo", "--jobs", "200000", "--concurrency", "256", "--json"]))
    # sha256 caches its results: every job after the first is a cache hit.
    pipe_hit.append(run([f"{bin_dir}/troupe", "bench", "--node", node, "--skill", "sha256", "--input", "abc", "--jobs", "200000", "--concurrency", "256", "--json"]))
med = lambda xs, k: statistics.median(x[k] for x in xs)
print("## Remote client vs raw CAF remote request/response")
print()
print("A client process and a node process on loopback (`troupe bench`, echo")
print("skill, empty input) against two processes doing raw CAF remote")
print("request/response with an echo actor (`troupe-bench-remote-raw`), same")
print(f"scheduler settings (sharing, 1 thread), runs interleaved, medians of {runs}.")
print()
print("| pattern | raw CAF | troupe | ratio | target |")
print("| --- | ---: | ---: | ---: | --- |")
r50, t50 = med(seq_raw, "p50_us"), med(seq_tr, "p50_us")
print(f"| sequential round trip p50 (µs) | {r50:.0f} | {t50:.0f} | {t50 / r50:.2f} | ≤ 1.5 |")
r99, t99 = med(seq_raw, "p99_us"), med(seq_tr, "p99_us")
print(f"| sequential round trip p99 (µs) | {r99:.0f} | {t99:.0f} | {t99 / r99:.2f} | |")
rp, tp = med(pipe_raw, "per_second"), med(pipe_tr, "jobs_per_second")
print(f"| 256 in flight (round trips or jobs/s) | {rp:.0f} | {tp:.0f} | {tp / rp:.2f} | ≥ 3 (batching) |")
th = med(pipe_hit, "jobs_per_second")
print(f"| 256 in flight, cached jobs (sha256 of one input: cache hits) | {rp:.0f} | {th:.0f} | {th / rp:.2f} | ≥ 3 (batching) |")
print()
print("Commands: `troupe-bench-remote-raw sequential|pipelined --port P ...`,")
print("`troupe bench --node H:P --skill echo|sha256 [--input abc] --jobs N --concurrency C --json`.")
print("CAF's own sequential remote round trip on this machine is the floor: its")
print("middleman and scheduler threads hand every message over several times.")
PY
