#!/usr/bin/env bash
# Process skills: jobs/s over a trivial echo worker, and what a job costs in
# a worker process compared with a native (blocking) skill, side by side on
# one node.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
dir=$(mktemp -d)
pid=""
cleanup() {
  [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT
cat >"$dir/node.conf" <<EOF
[skills.sleep]
workers = 4

[skills.echo-proc]
kind = "process"
command = "$BIN/troupe-test-worker"
workers = 4

[skills.upper]
kind = "process"
command = "/usr/bin/python3"
args = ["-u", "text_worker.py"]
workdir = "$root/examples/skills"
env = { PYTHONPATH = "$root/python" }
workers = 4
EOF
"$BIN"/troupe node --port 0 --port-file "$dir/port" --config "$dir/node.conf" \
  --log-level warn >/dev/null 2>"$dir/log" &
pid=$!
wait_ports "$dir/port"
node="127.0.0.1:$(client_port "$dir/port")"
# Wait until every worker process answered its first ping.
for _ in $(seq 100); do
  "$BIN"/troupe status --node "$node" --json | python3 -c '
import json, sys
s = {x["name"]: x for x in json.load(sys.stdin)["skills"]}
sys.exit(0 if all(s[k]["idle"] == 4 for k in ("echo-proc", "upper")) else 1)' && break
  sleep 0.1
done
runs=3
echo "## Process skills"
echo
echo "One node, four workers per skill: \`sleep\` with input 0 (a native"
echo "blocking skill that does nothing: its worker threads are the node's"
echo "own), \`echo-proc\` (troupe's C++ test worker echoing its input, a"
echo "trivial process skill) and \`upper\` (the Python example in"
echo "examples/skills, /usr/bin/python3). Jobs go through \`troupe bench\`"
echo "over loopback; each row is the median of $runs runs (by jobs/s), the"
echo "skills' runs interleaved."
echo
python3 - "$BIN" "$node" "$runs" <<'PY'
import json, statistics, subprocess, sys
bin_dir, node, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
skills = [("sleep", "0", "native, blocking"), ("echo-proc", "hello", "process, C++"),
          ("upper", "hello", "process, Python")]
loads = [(1, 3000), (256, 40000)]

def bench(skill, inp, conc, jobs):
    out = subprocess.run([f"{bin_dir}/troupe", "bench", "--node", node, "--skill", skill,
                          "--input", inp, "--jobs", str(jobs), "--concurrency", str(conc),
                          "--json"], check=True, capture_output=True, text=True).stdout
    return json.loads(out)

results = {}
for _ in range(runs):
    for conc, jobs in loads:
        for skill, inp, _kind in skills:
            results.setdefault((skill, conc), []).append(bench(skill, inp, conc, jobs))

def median(rs):
    return sorted(rs, key=lambda r: r["jobs_per_second"])[len(rs) // 2]

print("| skill | runs in | concurrency | jobs | jobs/s | p50 µs | p99 µs | failed |")
print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
med = {}
for conc, jobs in loads:
    for skill, _inp, kind in skills:
        r = median(results[(skill, conc)])
        med[(skill, conc)] = r
        print(f"| {skill} | {kind} | {conc} | {r['jobs']} | {r['jobs_per_second']:.0f} "
              f"| {r['p50_us']:.0f} | {r['p99_us']:.0f} | {r['failed']} |")
print()
native1, proc1, py1 = (med[(s, 1)] for s in ("sleep", "echo-proc", "upper"))
native, proc, py = (med[(s, 256)] for s in ("sleep", "echo-proc", "upper"))
print("| figure | value |")
print("| --- | ---: |")
print(f"| process (C++ echo) jobs/s at concurrency 256 | {proc['jobs_per_second']:.0f} |")
print(f"| ... vs the native skill's jobs/s | {proc['jobs_per_second'] / native['jobs_per_second']:.2f}× |")
print(f"| process (Python) jobs/s at concurrency 256 | {py['jobs_per_second']:.0f} |")
print(f"| ... vs the native skill's jobs/s | {py['jobs_per_second'] / native['jobs_per_second']:.2f}× |")
print(f"| extra latency of a process job, one at a time (p50, C++ / Python) | "
      f"{proc1['p50_us'] - native1['p50_us']:.0f} / {py1['p50_us'] - native1['p50_us']:.0f} µs |")
PY
echo
echo "Command: \`troupe bench --node H:P --skill S --input I --jobs N --concurrency C\`"
echo "against \`troupe node --config\` with the three skills above."
