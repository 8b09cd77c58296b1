#!/usr/bin/env bash
# A node killed under load: the time until every job it held has its
# terminal result (retried on another node, or failed).
set -euo pipefail
stop_signal=KILL # stopped (SIGSTOP) nodes ignore SIGTERM
source "$(dirname "$0")/../section_lib.sh"
node() { # name, extra args...
  local name=$1
  shift
  "$BIN"/troupe node --port 0 --port-file "$dir/$name.port" --name "$name" \
    --log-level error "$@" >/dev/null 2>&1 &
  last_pid=$!
  pids+=("$last_pid")
  disown "$last_pid" # killed on purpose: no job-control notices
  wait_ports "$dir/$name.port"
  echo "127.0.0.1:$(client_port "$dir/$name.port")" >"$dir/$name.addr"
}
runs=5
results=()
for run in $(seq $((runs * 2))); do
  signal=kill
  [ "$run" -gt "$runs" ] && signal=stop
  node "a$run"
  a=$(cat "$dir/a$run.addr")
  seed_a="127.0.0.1:$(cluster_port "$dir/a$run.port")"
  node "b$run" --join "$seed_a" --test-skills
  b_pid=$last_pid
  node "c$run" --join "$seed_a" --test-skills
  for _ in $(seq 100); do
    st=$("$BIN"/troupe status --node "$a" --json)
    if grep -q "\"name\":\"b$run\"" <<<"$st" && grep -q "\"name\":\"c$run\"" <<<"$st" \
       && [ "$(grep -o '"name":"slow"' <<<"$st" | wc -l)" -ge 2 ]; then
      break
    fi
    sleep 0.1
  done
  results+=("$("$BIN"/troupe-bench-failover --node "$a" --kill-pid "$b_pid" \
    --skill slow --input 50 --jobs 1500 --inflight 8 --kill-after 500 --signal "$signal")")
  for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
  pids=()
done
printf '%s\n' "${results[@]}" >"$dir/results"
python3 - "$dir/results" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
half = len(rows) // 2
print("## A node killed under load")
print()
print("Three nodes on loopback with the default failure detection; a client keeps")
print("8 jobs of `slow` (50 ms, idempotent, offered by B and C only) in flight")
print("through A; after 500 results B is killed with SIGKILL. Recovery is the")
print("time from the kill until every job in flight at that moment has its")
print("terminal result. B and C have 4 workers each, so C alone can take every")
print("job in flight at once: the figure is detection plus retry, not queueing.")
print("Design target: at most 2 s, none lost.")
print()
print("B either dies (SIGKILL: its connections break, so peers notice at once)")
print("or hangs (SIGSTOP: its connections stay open, and only the failure")
print("detector notices, after `down-after`, 1.5 s by default).")
for title, rs in (("B killed", rows[:half]), ("B hung", rows[half:])):
    ms = sorted(r["recovery_ms"] for r in rs)
    print()
    print(f"### {title}")
    print()
    print("| run | jobs | answered exactly once | in flight at the signal | recovery | statuses |")
    print("| ---: | ---: | ---: | ---: | ---: | --- |")
    for i, r in enumerate(rs, 1):
        st = ", ".join(f"{k} {v}" for k, v in sorted(r["status"].items()))
        print(f"| {i} | {r['jobs']} | {r['answered_once']} | {r['in_flight_at_kill']} "
              f"| {r['recovery_ms']:.0f} ms | {st} |")
    print()
    print(f"Median recovery {statistics.median(ms):.0f} ms, worst {ms[-1]:.0f} ms "
          f"over {len(rs)} runs.")
print()
print("Command: `troupe-bench-failover --node A --kill-pid PID_OF_B --skill slow "
      "--input 50 --jobs 1500 --inflight 8 --kill-after 500 --signal kill|stop`")
PY
