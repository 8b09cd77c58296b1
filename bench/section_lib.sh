# Shared by the section scripts (sourced, not run): a scratch directory and
# the processes a section starts, both cleaned up on exit. Processes go in
# `pids`, or, when started in a subshell such as $(...), whose changes to
# `pids` are lost, in a file "$dir/NAME.pid".
dir=$(mktemp -d)
pids=()
cleanup() {
  for f in "$dir"/*.pid; do [ -e "$f" ] && pids+=("$(cat "$f")"); done
  for p in "${pids[@]}"; do kill -"${stop_signal:-TERM}" "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT
# wait_file FILE: polls (at most 15 s) until FILE exists and is not empty.
wait_file() {
  for _ in $(seq 150); do [ -s "$1" ] && return 0; sleep 0.1; done
  echo "bench: $1 never appeared" >&2
  exit 1
}
# A node's --port-file has two lines: its client (gRPC) port, then its
# cluster port (what --join names).
# wait_ports FILE: polls (at most 15 s) until FILE holds both.
wait_ports() {
  for _ in $(seq 150); do [ -n "$(sed -n 2p "$1" 2>/dev/null)" ] && return 0; sleep 0.1; done
  echo "bench: $1 never listed both ports" >&2
  exit 1
}
client_port() { sed -n 1p "$1"; }
cluster_port() { sed -n 2p "$1"; }
# free_port: a port free on 127.0.0.1 right now.
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# start_celery PEERS_DIR: Redis (broker and backend) and 2 prefork Celery
# workers of bench/peers/celery_noop.py; sets celery_url.
start_celery() {
  local redis_port
  redis_port=$(free_port)
  redis-server --port "$redis_port" --save "" --appendonly no --bind 127.0.0.1 >/dev/null 2>&1 &
  pids+=($!)
  celery_url="redis://127.0.0.1:$redis_port/0"
  for _ in $(seq 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
  (cd "$1" && exec /usr/bin/python3 celery_noop.py worker "$celery_url") >/dev/null 2>&1 &
  pids+=($!)
}
