#!/usr/bin/env bash
# A burst submitted to one node of three: how much of the cluster's capacity
# it gets, and how evenly the members share it.
set -euo pipefail
source "$(dirname "$0")/../section_lib.sh"
node() { # name, extra args...
  local name=$1
  shift
  "$BIN"/troupe node --port 0 --port-file "$dir/$name.port" --name "$name" \
    --workers 4 --log-level warn "$@" >/dev/null 2>&1 &
  echo $! >"$dir/$name.pid" # called in $(...): `pids` would not keep it
  wait_ports "$dir/$name.port"
  echo "127.0.0.1:$(client_port "$dir/$name.port")"
}
a=$(node a)
seed_a="127.0.0.1:$(cluster_port "$dir/a.port")"
node b --join "$seed_a" >/dev/null
node c --join "$seed_a" >/dev/null
for _ in $(seq 100); do
  n=$("$BIN"/troupe status --node "$a" --json | grep -o '"status":"up"' | wc -l)
  [ "$n" -ge 3 ] && break
  sleep 0.1
done
python3 - "$BIN" "$a" <<'PY'
import json, statistics, subprocess, sys
bin_dir, a = sys.argv[1:3]
runs, jobs, ideal = 5, 1200, 3 * 4 * 1000 / 20
cmd = [f"{bin_dir}/troupe", "bench", "--node", a, "--skill", "sleep", "--input", "20",
       "--jobs", str(jobs), "--concurrency", "12", "--json"]
rates, tops, shares = [], [], []
for _ in range(runs):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    r = json.loads(out.strip().splitlines()[-1])
    assert r["failed"] == 0, r
    rates.append(r["jobs_per_second"])
    ran = r["ran_on"]
    shares.append(" / ".join(f"{ran.get(n, 0) * 100 / jobs:.0f}" for n in ("a", "b", "c")))
    tops.append(max(ran.values()) * 100 / jobs)
rate = statistics.median(rates)
print("## A burst across three members")
print()
print("Three nodes on loopback, 4 workers each; 1,200 `sleep` jobs of 20 ms")
print("submitted to node a at concurrency 12 (the cluster's 12 workers could")
print(f"run {ideal:.0f} jobs/s). Placement counts jobs in flight fresh (the node's")
print("own pools', and what it sent to each member and has not had answered), so")
print(f"the burst spreads at once. Medians of {runs} runs:")
print()
print("```")
print(" ".join(cmd[0:1]).replace(bin_dir + "/", "") + " " + " ".join(cmd[1:3]) + " A " + " ".join(cmd[4:]))
print("```")
print()
print("| figure | measured | target |")
print("| --- | ---: | --- |")
print(f"| jobs/s | {rate:.0f} | |")
print(f"| of the ideal {ideal:.0f} jobs/s | {rate * 100 / ideal:.0f} % | ≥ 85 % |")
print(f"| most jobs on one node | {statistics.median(tops):.0f} % | ≤ 40 % |")
print()
print("Share of the jobs run on a / b / c (%), per run: " + "; ".join(shares) + ".")
print()
PY
