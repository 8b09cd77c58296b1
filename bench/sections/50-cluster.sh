#!/usr/bin/env bash
# Jobs submitted to node A and run on node B over loopback, against raw CAF
# remote request/response between two processes and against jobs run on B
# itself; member links with mutual TLS vs plaintext; and node links with
# batching on vs off.
set -euo pipefail
source "$(dirname "$0")/../section_lib.sh"
node() { # name, config, extra args...
  local name=$1 conf=$2
  shift 2
  "$BIN"/troupe node --port 0 --port-file "$dir/$name.port" --name "$name" \
    --config "$conf" --log-level warn "$@" >/dev/null 2>&1 &
  echo $! >"$dir/$name.pid" # called in $(...): `pids` would not keep it
  wait_ports "$dir/$name.port"
  echo "127.0.0.1:$(client_port "$dir/$name.port")"
}
# The address members join a node at.
seed() { echo "127.0.0.1:$(cluster_port "$dir/$1.port")"; }
tls() { # the member TLS options of member NAME
  echo --cluster-cert "$dir/pki/$1.pem" --cluster-key "$dir/pki/$1.key" \
    --cluster-ca "$dir/pki/ca.pem"
}
"$BIN"/troupe certs init "$dir/pki" >/dev/null
for n in a_tls b_tls; do
  "$BIN"/troupe certs issue "$dir/pki" "$n" --host 127.0.0.1 >/dev/null
done
printf '[cluster]\n' >"$dir/on.conf"
printf '[cluster]\nlink-max-count = 1\n' >"$dir/off.conf"
# B offers the test skills, A does not: `flaky` with input 0 (an in-pool
# no-op that answers "ok") submitted to A always runs on B.
b_on=$(node b_on "$dir/on.conf" --test-skills)
a_on=$(node a_on "$dir/on.conf" --join "$(seed b_on)")
b_off=$(node b_off "$dir/off.conf" --test-skills)
a_off=$(node a_off "$dir/off.conf" --join "$(seed b_off)")
# shellcheck disable=SC2046 # paths from mktemp hold no spaces
b_tls=$(node b_tls "$dir/on.conf" --test-skills $(tls b_tls))
# shellcheck disable=SC2046
a_tls=$(node a_tls "$dir/on.conf" --join "$(seed b_tls)" $(tls a_tls))
"$BIN"/troupe-bench-remote-raw server --port-file "$dir/raw" &
pids+=($!)
wait_file "$dir/raw"
for a in "$a_on" "$a_off" "$a_tls"; do
  for _ in $(seq 100); do
    "$BIN"/troupe status --node "$a" --json | grep -q '"name":"flaky"' && break
    sleep 0.1
  done
done
python3 - "$BIN" "$(cat "$dir/raw")" "$a_on" "$a_off" "$(seed b_on)" "$b_on" "$a_tls" \
  "$(cat "$dir/a_on.pid")" "$(cat "$dir/b_on.pid")" <<'PY'
import json, os, statistics, subprocess, sys
bin_dir, raw_port, a_on, a_off, b_on, b_client, a_tls, pid_a, pid_b = sys.argv[1:10]
runs = 5
def run(args):
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])
def tr(node, conc, jobs):
    r = run([f"{bin_dir}/troupe", "bench", "--node", node, "--skill", "flaky", "--input", "0",
             "--jobs", str(jobs), "--concurrency", str(conc), "--json"])
    assert r["failed"] == 0, r
    return r
def switches(pid):
    """Context switches of every thread of process `pid` so far: each is a
    thread that went to sleep and was woken again (or was preempted)."""
    n = 0
    for t in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{t}/status") as f:
                for line in f:
                    if line.startswith(("voluntary_ctxt", "nonvoluntary_ctxt")):
                        n += int(line.split()[1])
        except OSError:
            pass  # the thread ended meanwhile
    return n
wakes = {"on1": [], "local1": []}
def counted(key, node, conc, jobs):
    before = [switches(pid_a), switches(pid_b)]
    r = tr(node, conc, jobs)
    after = [switches(pid_a), switches(pid_b)]
    wakes[key].append([(x - y) / jobs for x, y in zip(after, before)])
    return r
res = {k: [] for k in ["raw_seq", "raw_pipe", "emb", "on1", "off1", "on16", "off16", "on256", "off256",
                       "local1", "tls1", "tls256"]}
for _ in range(runs):  # interleaved so that noise hits every side alike
    res["raw_seq"].append(run([f"{bin_dir}/troupe-bench-remote-raw", "sequential", "--port", raw_port, "--count", "3000"]))
    res["raw_pipe"].append(run([f"{bin_dir}/troupe-bench-remote-raw", "pipelined", "--port", raw_port, "--count", "100000", "--inflight", "256"]))
    res["emb"].append(run([f"{bin_dir}/troupe-bench-embedded", "--join", b_on, "--skill", "flaky", "--input", "0", "--count", "3000", "--inflight", "256"]))
    res["on1"].append(counted("on1", a_on, 1, 3000))
    # Right after A → B: the member hop's ratio is taken per round, so that
    # noise moving between rounds does not land on one side of it.
    res["local1"].append(counted("local1", b_client, 1, 3000))
    res["off1"].append(tr(a_off, 1, 3000))
    for conc, jobs in [(16, 30000), (256, 100000)]:
        res[f"on{conc}"].append(tr(a_on, conc, jobs))
        res[f"off{conc}"].append(tr(a_off, conc, jobs))
    res["tls1"].append(tr(a_tls, 1, 3000))
    res["tls256"].append(tr(a_tls, 256, 100000))
med = lambda k, f: statistics.median(x[f] for x in res[k])
print("## Two nodes: jobs submitted to A, run on B")
print()
print("Three processes on loopback: a client (`troupe bench`), node A and node B.")
print("The skill (`flaky` with input 0, an in-pool no-op) exists only on B, so")
print("every job crosses client → A → B and back. The reference is raw CAF")
print("remote request/response between two processes (`troupe-bench-remote-raw`),")
print(f"same scheduler settings. Runs interleaved, medians of {runs}.")
print()
print("| figure | raw CAF | troupe A → B | ratio | target |")
print("| --- | ---: | ---: | ---: | --- |")
rp, tp = med("raw_pipe", "per_second"), med("on256", "jobs_per_second")
print(f"| 256 in flight, per second | {rp:.0f} | {tp:.0f} | {tp / rp:.2f} | ≥ 3 (batching) |")
r50, t50 = med("raw_seq", "p50_us"), med("on1", "p50_us")
print(f"| sequential p50 (µs) | {r50:.0f} | {t50:.0f} | {t50 / r50:.2f} | ≤ 1.5 |")
r99, t99 = med("raw_seq", "p99_us"), med("on1", "p99_us")
print(f"| sequential p99 (µs) | {r99:.0f} | {t99:.0f} | {t99 / r99:.2f} | |")
print()
print("Troupe's sequential figure here is a job crossing two network hops (client →")
print("A → B) against one raw round trip. The same jobs submitted in-process to a")
print("node A embedded in the benchmark (`troupe-bench-embedded --join B`), one")
print("network round trip per job like the raw reference:")
print()
print("| figure | raw CAF | troupe, embedded A → B | ratio | target |")
print("| --- | ---: | ---: | ---: | --- |")
e50, e99 = med("emb", "p50_us"), med("emb", "p99_us")
print(f"| sequential p50 (µs) | {r50:.0f} | {e50:.0f} | {e50 / r50:.2f} | ≤ 1.5 |")
print(f"| sequential p99 (µs) | {r99:.0f} | {e99:.0f} | {e99 / r99:.2f} | |")
ep = med("emb", "jobs_per_second")
print(f"| 256 in flight, per second | {rp:.0f} | {ep:.0f} | {ep / rp:.2f} | ≥ 3 (batching) |")
print()
print("### The member hop, and mutual TLS between members")
print()
print("Members talk over one gRPC stream per pair (`troupe.members.v1`). The same")
print("jobs submitted to B itself (client → B, run where they arrive) against")
print("client → A → B; and the same two-node cluster with mutual TLS between the")
print("members (`--cluster-cert/--cluster-key/--cluster-ca` from `troupe certs`).")
print()
print("| figure | reference | troupe | ratio | target |")
print("| --- | ---: | ---: | ---: | --- |")
l50 = med("local1", "p50_us")
hop = [a["p50_us"] / b["p50_us"] for a, b in zip(res["on1"], res["local1"])]
print(f"| sequential p50 µs, A → B (reference: run on B itself) | {l50:.0f} | {t50:.0f} | {statistics.median(hop):.2f} | ≤ 2 |")
l99 = med("local1", "p99_us")
print(f"| sequential p99 µs, A → B (reference: run on B itself) | {l99:.0f} | {t99:.0f} | {t99 / l99:.2f} | |")
sp = med("tls256", "jobs_per_second")
print(f"| 256 in flight per second, mutual TLS (reference: plaintext) | {tp:.0f} | {sp:.0f} | {sp / tp:.2f} | ≥ 0.8 |")
s50 = med("tls1", "p50_us")
print(f"| sequential p50 µs, mutual TLS (reference: plaintext) | {t50:.0f} | {s50:.0f} | {s50 / t50:.2f} | |")
print()
wake = lambda k, i: statistics.median(x[i] for x in wakes[k])
print("The member hop's ratio is the median of the rounds' own ratios (A → B")
print("and B itself measured back to back): " + ", ".join(f"{x:.2f}" for x in sorted(hop)) + ".")
print()
print("Thread wake-ups per sequential job: context switches of all the node's")
print("threads (`/proc/PID/task/*/status`), medians of the same runs.")
print()
print("| sequential jobs | on A | on B |")
print("| --- | ---: | ---: |")
print(f"| A → B | {wake('on1', 0):.2f} | {wake('on1', 1):.2f} |")
print(f"| run on B itself | – | {wake('local1', 1):.2f} |")
print()
print("What the member hop costs: a node serves its client port and its cluster")
print("port from one gRPC server on one thread (`troupe.grpc`), so a job crossing")
print("A → B is read, run and answered without a thread hand-off on either node;")
print("with a thread each for the door and the links, gRPC's pollers (one epoll")
print("set) handed frames between them, and this ratio was 3.67 (A woke about 5.6")
print("times per job, B about 4). On one thread it was 2.2–2.4, with a wake-up of A")
print("for the result and one of B for a flow-control window update of its own")
print("(gRPC 1.51 sends it at once when a read starts with the update owed). A member")
print("stream now starts its next read with its next write, which carries the")
print("update, or when the thread would sleep; and after sending jobs the thread")
print("polls for their results for up to `[cluster] link-reply-poll` (100 µs)")
print("instead of sleeping, yielding the core between looks.")
print()
print("### Node links with batching on vs off")
print()
print("The same two nodes with `[cluster] link-max-count = 1` (one job per")
print("message from A to B) against the default (up to 128, learned linger).")
print()
print("| concurrency | jobs/s, batching on | jobs/s, off | on / off | p50 µs on | p50 µs off |")
print("| ---: | ---: | ---: | ---: | ---: | ---: |")
for conc in [1, 16, 256]:
    on, off = med(f"on{conc}", "jobs_per_second"), med(f"off{conc}", "jobs_per_second")
    print(f"| {conc} | {on:.0f} | {off:.0f} | {on / off:.2f} | {med(f'on{conc}', 'p50_us'):.0f} | {med(f'off{conc}', 'p50_us'):.0f} |")
print()
print("Concurrency 1 is a lone job at a time: its p50 with batching on vs off")
print("shows what batching costs when there is nothing to batch.")
PY
