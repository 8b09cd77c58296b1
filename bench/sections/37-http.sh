#!/usr/bin/env bash
# The HTTP/JSON API in one run: wrk (64 keep-alive connections, 2 threads)
# POSTs {"skill":"echo","input":"x"} to a node's /v1/jobs and the same to
# troupe-bench-http-floor, the same HTTP server answering a constant body.
set -euo pipefail
source "$(dirname "$0")/../section_lib.sh"

"$BIN"/troupe node --port 0 --port-file "$dir/node" --http-port 0 --log-level warn >/dev/null 2>&1 &
pids+=($!)
"$BIN"/troupe-bench-http-floor --port-file "$dir/floor" &
pids+=($!)
for _ in $(seq 150); do [ -n "$(sed -n 3p "$dir/node" 2>/dev/null)" ] && break; sleep 0.1; done
wait_file "$dir/floor"
node_http=$(sed -n 3p "$dir/node")
floor_http=$(cat "$dir/floor")
cat >"$dir/post.lua" <<'LUA'
wrk.method = "POST"
wrk.body = '{"skill":"echo","input":"x"}'
wrk.headers["Content-Type"] = "application/json"
LUA

/usr/bin/python3 - "$dir" "$node_http" "$floor_http" <<'PY'
import re, statistics, subprocess, sys
d, node, floor = sys.argv[1], sys.argv[2], sys.argv[3]
ROUNDS, SECONDS = 3, 5

def ms(text):
    v, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(v) * {"us": 0.001, "ms": 1, "s": 1000}[unit]

def wrk(port):
    out = subprocess.run(
        ["wrk", "-t2", "-c64", f"-d{SECONDS}s", "--latency", "-s", f"{d}/post.lua",
         f"http://127.0.0.1:{port}/v1/jobs"], capture_output=True, text=True,
        check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = ms(re.search(r"\n\s+50%\s+(\S+)", out).group(1))
    p99 = ms(re.search(r"\n\s+99%\s+(\S+)", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        sys.exit(f"bench: {errors.group(1)} failed requests on port {port}")
    return rate, p50, p99

# Warm both, then alternate so that the machine's noise falls on both.
wrk(node), wrk(floor)
runs = {"node": [], "floor": []}
for _ in range(ROUNDS):
    runs["node"].append(wrk(node))
    runs["floor"].append(wrk(floor))
med = {k: [statistics.median(x[i] for x in v) for i in range(3)]
       for k, v in runs.items()}
print("## HTTP/JSON API\n")
print("`POST /v1/jobs` with `{\"skill\":\"echo\",\"input\":\"x\"}`, measured with "
      "`wrk -t2 -c64 --latency` (64 keep-alive connections) for "
      f"{SECONDS} s, {ROUNDS} rounds alternating with the reference: "
      "`troupe-bench-http-floor`, troupe's HTTP server (civetweb, the same "
      "options) answering every request with a constant result of the same "
      "size. Medians of the rounds.\n")
print("| server | requests/s | p50 | p99 |")
print("| --- | ---: | ---: | ---: |")
for name, label in [("floor", "HTTP server, constant body"),
                    ("node", "troupe node, echo job")]:
    r, p50, p99 = med[name]
    print(f"| {label} | {r:,.0f} | {p50:.2f} ms | {p99:.2f} ms |")
print(f"\nRatio node / HTTP server alone: **{med['node'][0] / med['floor'][0]:.3f}×** "
      "of the requests per second (target ≥ 0.5×). Each request of the node "
      "is a job: JSON parsed into the API's `Job`, the `Submit` call on the "
      "node's gRPC server through an in-process channel, the gateway, the "
      "router, the echo skill's pool, and the result back as JSON.\n")
print("Run: `bash scripts/bench.sh http`.")
PY
