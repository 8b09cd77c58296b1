#!/usr/bin/env bash
# troupe next to Dask, Celery and Erlang/OTP, each doing the same work on
# this machine in the same run. Installs the peers from Debian's apt.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bash "$here/../scripts/deps.sh" --peers >/dev/null
py=/usr/bin/python3 # Debian's interpreter, where the peers' packages live
source "$(dirname "$0")/../section_lib.sh"

# troupe: one node, a client process.
"$BIN"/troupe node --port 0 --port-file "$dir/node" --log-level warn >/dev/null 2>&1 &
pids+=($!)
wait_ports "$dir/node"
node="127.0.0.1:$(client_port "$dir/node")"
tr_pipe=$("$BIN"/troupe bench --node "$node" --skill echo --jobs 200000 --concurrency 256 --json)
tr_seq=$("$BIN"/troupe bench --node "$node" --skill echo --jobs 5000 --concurrency 1 --json)

# Dask distributed: scheduler and 2 worker processes.
dask=$(cd "$dir" && $py "$here/peers/dask_noop.py" 10000 2>/dev/null | tail -1)

# Celery: Redis broker and backend, 2 prefork workers.
start_celery "$here/peers"
url=$celery_url
celery=$(cd "$here/peers" && timeout 300 $py celery_noop.py run "$url" 5000 | tail -1)

# Erlang/OTP: two distributed nodes on loopback.
erlc -o "$dir" "$here/peers/erlang/troupe_peer_bench.erl" "$here/peers/erlang/troupe_peer_bench_sup.erl"
host=$(hostname -s)
srv="tpb_srv_$$"
erl -sname "$srv" -setcookie "troupe_bench_$$" -noshell -pa "$dir" -eval 'troupe_peer_bench:server()' >/dev/null 2>&1 &
pids+=($!)
sleep 1
erlang=$(erl -sname "tpb_cli_$$" -setcookie "troupe_bench_$$" -noshell -pa "$dir" \
  -eval "troupe_peer_bench:client('$srv@$host', 20000, 200000, 256, 2000), init:stop()." 2>/dev/null)

$py - "$tr_pipe" "$tr_seq" "$dask" "$celery" "$erlang" <<'PY'
import json, sys
tr_pipe, tr_seq, dask, celery = (json.loads(x) for x in sys.argv[1:5])
erl = {j["figure"]: j for j in (json.loads(l) for l in sys.argv[5].splitlines() if l.startswith("{"))}
print("## troupe next to Dask, Celery and Erlang/OTP")
print()
print("The same work on this machine in one run (`bash scripts/bench.sh peers`).")
print("troupe: a node and a client process on loopback, echo skill, empty input.")
print("Dask: `LocalCluster` with 2 worker processes, `client.map` of a no-op.")
print("Celery: Redis broker and backend, 2 prefork workers, a group of no-op tasks.")
print("Erlang/OTP: two distributed nodes on loopback (`bench/peers/erlang/`).")
print()
print("| workload | peer | peer figure | troupe | troupe / peer |")
print("| --- | --- | ---: | ---: | ---: |")
t = tr_pipe["jobs_per_second"]
print(f"| no-op tasks/s, many in flight | Dask | {dask['per_second']:.0f} | {t:.0f} | {t / dask['per_second']:.0f}× |")
print(f"| no-op tasks/s, many in flight | Celery + Redis | {celery['per_second']:.0f} | {t:.0f} | {t / celery['per_second']:.0f}× |")
p = erl["pipelined_messages"]["per_second"]
print(f"| request/reply across processes, 256 in flight (/s) | Erlang | {p:.0f} | {t:.0f} | {t / p:.2f}× |")
s = erl["sequential_call"]
print(f"| sequential call across processes (/s) | Erlang gen_server:call | {s['per_second']:.0f} | {tr_seq['jobs_per_second']:.0f} | {tr_seq['jobs_per_second'] / s['per_second']:.2f}× |")
print(f"| ... p50 latency (µs, lower is better) | Erlang gen_server:call | {s['p50_us']} | {tr_seq['p50_us']:.0f} | {tr_seq['p50_us'] / s['p50_us']:.2f}× |")
r = erl["restart_to_serving"]
print()
print(f"Erlang's one_for_one supervisor restarted a killed child and served a call")
print(f"in p50 {r['p50_us']} µs, p99 {r['p99_us']} µs over {r['count']} crashes.")
PY
