#!/usr/bin/env bash
# The gRPC front door's figures in one run: troupe's CLI client against raw
# CAF remote request/response and Erlang's gen_server:call, TLS and tokens
# on vs off, the Python package against Celery. With BEFORE_BIN set to the
# bin/ of a build from before the gRPC door, its BASP client runs beside.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bash "$here/../scripts/deps.sh" --peers >/dev/null
py=/usr/bin/python3 # Debian's interpreter, where grpcio and the peers live
source "$(dirname "$0")/../section_lib.sh"

# A CA and a node certificate for 127.0.0.1.
(
  cd "$dir"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 1 -subj /CN=bench-ca
  openssl req -newkey rsa:2048 -nodes -keyout node.key -out node.csr -subj /CN=node
  printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >node.ext
  openssl x509 -req -in node.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out node.pem -days 1 -extfile node.ext
) >/dev/null 2>&1
token=$("$BIN"/troupe tokens add bench --role submit --file "$dir/tokens")

start_node() { # NAME ARGS...: a node on free ports
  local name=$1
  shift
  "$BIN"/troupe node --port 0 --port-file "$dir/$name" --log-level warn "$@" >/dev/null 2>&1 &
  pids+=($!)
}
start_node plain
start_node tls --tls-cert "$dir/node.pem" --tls-key "$dir/node.key"
start_node tokens --tokens "$dir/tokens"
"$BIN"/troupe-bench-remote-raw server --port-file "$dir/raw" &
pids+=($!)
"$BIN"/troupe-bench-grpc-floor --port-file "$dir/floor" &
pids+=($!)
if [ -n "${BEFORE_BIN:-}" ]; then
  "$BEFORE_BIN"/troupe node --port 0 --port-file "$dir/before" --log-level warn >/dev/null 2>&1 &
  pids+=($!)
  wait_file "$dir/before"
fi
for n in plain tls tokens; do wait_ports "$dir/$n"; done
wait_file "$dir/raw"
wait_file "$dir/floor"

# Erlang/OTP: two distributed nodes on loopback.
erlc -o "$dir" "$here/peers/erlang/troupe_peer_bench.erl" "$here/peers/erlang/troupe_peer_bench_sup.erl"
host=$(hostname -s)
srv="tpb_fd_$$"
erl -sname "$srv" -setcookie "troupe_fd_$$" -noshell -pa "$dir" -eval 'troupe_peer_bench:server()' >/dev/null 2>&1 &
pids+=($!)
# Celery: Redis broker and backend, 2 prefork workers.
start_celery "$here/peers"
url=$celery_url
for _ in $(seq 100); do
  erl -sname "tpb_probe_$$" -setcookie "troupe_fd_$$" -noshell \
    -eval "case net_adm:ping('$srv@$host') of pong -> halt(0); _ -> halt(1) end." 2>/dev/null && break
  sleep 0.1
done

$py - "$BIN" "$dir" "$token" "$srv@$host" "troupe_fd_$$" "$url" "${BEFORE_BIN:-}" "$here" <<'PY'
import json, os, statistics, subprocess, sys
bin_dir, d, token, erl_srv, cookie, celery_url, before, here = sys.argv[1:9]
port = lambda name: open(f"{d}/{name}").read().split()[0]
nodes = {n: f"127.0.0.1:{port(n)}" for n in ("plain", "tls", "tokens")}
floor = f"127.0.0.1:{port('floor')}"
raw = open(f"{d}/raw").read().strip()
extra = {"plain": [], "tls": ["--tls-ca", f"{d}/ca.pem"], "tokens": ["--token", token]}

def run(args, cwd=None):
    out = subprocess.run(args, check=True, capture_output=True, text=True, cwd=cwd).stdout
    return json.loads(out.strip().splitlines()[-1])

def bench(binary, node, conc, jobs, more=()):
    return run([binary, "bench", "--node", node, "--skill", "echo", "--jobs", str(jobs),
                "--concurrency", str(conc), "--json", *more])

def erlang():
    out = subprocess.run(["erl", "-sname", f"tpb_fdc_{os.getpid()}", "-setcookie", cookie, "-noshell",
                          "-pa", d, "-eval", f"troupe_peer_bench:client('{erl_srv}', 20000, 200000, 256, 10), init:stop()."],
                         check=True, capture_output=True, text=True).stdout
    return {j["figure"]: j for j in (json.loads(l) for l in out.splitlines() if l.startswith("{"))}

runs = 3
r = {k: [] for k in ("raw_seq", "raw_pipe", "erl", "celery", "python", "before_seq", "before_pipe",
                     "floor_seq", "floor_pipe")}
for n in nodes:
    r[n + "_seq"], r[n + "_pipe"] = [], []
for _ in range(runs):  # interleaved, so that noise hits every side alike
    r["raw_seq"].append(run([f"{bin_dir}/troupe-bench-remote-raw", "sequential", "--port", raw, "--count", "5000"]))
    r["erl"].append(erlang())
    for n in nodes:
        r[n + "_seq"].append(bench(f"{bin_dir}/troupe", nodes[n], 1, 5000, extra[n]))
    r["floor_seq"].append(bench(f"{bin_dir}/troupe", floor, 1, 5000))
    if before:
        r["before_seq"].append(bench(f"{before}/troupe", f"127.0.0.1:{port('before')}", 1, 5000))
    r["raw_pipe"].append(run([f"{bin_dir}/troupe-bench-remote-raw", "pipelined", "--port", raw, "--count", "200000", "--inflight", "256"]))
    for n in nodes:
        r[n + "_pipe"].append(bench(f"{bin_dir}/troupe", nodes[n], 256, 200000, extra[n]))
    r["floor_pipe"].append(bench(f"{bin_dir}/troupe", floor, 256, 200000))
    if before:
        r["before_pipe"].append(bench(f"{before}/troupe", f"127.0.0.1:{port('before')}", 256, 200000))
    r["python"].append(run(["/usr/bin/python3", f"{here}/python_client_bench.py", "--node", nodes["plain"],
                            "--jobs", "200000", "--rounds", "1", "--api", "map", "--json"]))
    r["celery"].append(run(["timeout", "300", "/usr/bin/python3", "celery_noop.py", "run", celery_url, "5000"],
                           cwd=f"{here}/peers"))

med = lambda xs, k: statistics.median(x[k] for x in xs)
p50 = {n: med(r[n + "_seq"], "p50_us") for n in nodes}
pipe = {n: med(r[n + "_pipe"], "jobs_per_second") for n in nodes}
raw_p50, raw_pipe = med(r["raw_seq"], "p50_us"), med(r["raw_pipe"], "per_second")
erl_p50 = statistics.median(x["sequential_call"]["p50_us"] for x in r["erl"])
py_rate, celery = med(r["python"], "map"), med(r["celery"], "per_second")
floor_p50, floor_pipe = med(r["floor_seq"], "p50_us"), med(r["floor_pipe"], "jobs_per_second")
print("## The gRPC front door")
print()
print("Every figure of one run (`bash scripts/bench.sh front-door`), medians of")
print(f"{runs} interleaved rounds. troupe: nodes on loopback, driven by `troupe bench`")
print("(echo skill, empty input: one job in flight on an open `Run` stream for")
print("the sequential figures, 256 for the pipelined ones). Raw CAF: two processes")
print("doing remote request/response with an echo actor (`troupe-bench-remote-raw`).")
print("Erlang/OTP: `gen_server:call` between two distributed nodes")
print("(`bench/peers/erlang/`). Python: one `/usr/bin/python3` process,")
print("`troupe.Client.map` over 200,000 echo jobs (`bench/python_client_bench.py`).")
print("Celery: Redis broker and backend, 2 prefork workers, a group of 5,000 no-op tasks.")
print("gRPC alone: `troupe-bench-grpc-floor`, a troupe.v1 `Run` server on gRPC's callback API that answers each")
print("batch at once on gRPC's thread (no actors), driven by the same `troupe bench`.")
print()
print("| figure | troupe | compared with | theirs | ratio | target |")
print("| --- | ---: | --- | ---: | ---: | --- |")
print(f"| sequential job p50 (µs) | {p50['plain']:.0f} | Erlang gen_server:call, 2 nodes | {erl_p50:.0f} | {p50['plain'] / erl_p50:.2f} | ≤ 1.0 |")
print(f"| sequential job p50 (µs) | {p50['plain']:.0f} | raw CAF remote request/response | {raw_p50:.0f} | {p50['plain'] / raw_p50:.2f} | ≤ 1.2 |")
print(f"| 256 in flight (jobs/s) | {pipe['plain']:.0f} | raw CAF, 256 requests in flight | {raw_pipe:.0f} | {pipe['plain'] / raw_pipe:.2f} | ≥ 3 |")
if before:
    bp, bs = med(r["before_pipe"], "jobs_per_second"), med(r["before_seq"], "p50_us")
    print(f"| 256 in flight (jobs/s) | {pipe['plain']:.0f} | the BASP client before the door | {bp:.0f} | {pipe['plain'] / bp:.2f} | ≥ 1 |")
    print(f"| sequential job p50 (µs) | {p50['plain']:.0f} | the BASP client before the door | {bs:.0f} | {p50['plain'] / bs:.2f} | |")
print(f"| sequential job p50 (µs) | {p50['plain']:.0f} | gRPC alone: the same client, jobs answered on gRPC's thread | {floor_p50:.0f} | {p50['plain'] / floor_p50:.2f} | |")
print(f"| 256 in flight (jobs/s) | {pipe['plain']:.0f} | gRPC alone: the same client, jobs answered on gRPC's thread | {floor_pipe:.0f} | {pipe['plain'] / floor_pipe:.2f} | |")
print(f"| Python, one process (jobs/s) | {py_rate:.0f} | Celery + Redis (tasks/s) | {celery:.0f} | {py_rate / celery:.0f}× | ≥ 80,000 and ≥ 100× |")
print()
print("TLS and tokens on vs off (the plain node's figures above are \"off\"):")
print()
print("| node | sequential p50 (µs) | vs off | 256 in flight (jobs/s) | vs off |")
print("| --- | ---: | ---: | ---: | ---: |")
for n, label in (("plain", "plaintext, no tokens"), ("tls", "TLS (`--tls-cert/--tls-key`)"), ("tokens", "bearer tokens (`--tokens`)")):
    print(f"| {label} | {p50[n]:.0f} | {p50[n] / p50['plain']:.2f} | {pipe[n]:.0f} | {pipe[n] / pipe['plain']:.2f} |")
print()
print("Commands: `troupe bench --node H:P --skill echo --jobs N --concurrency 1|256 --json`")
print("(with `--tls-ca` or `--token` for those nodes), `troupe-bench-remote-raw sequential|pipelined`,")
print("`troupe-bench-grpc-floor`, `troupe_peer_bench:client/5`, `python_client_bench.py --node H:P --api map --rounds 1 --json`,")
print("`celery_noop.py run URL 5000`; the BASP row: `BEFORE_BIN=<old build>/bin bash scripts/bench.sh front-door`.")
print(f"{os.cpu_count()} CPUs, shared by every process of the run.")
PY
