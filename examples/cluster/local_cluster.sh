# Shell functions for running a local troupe cluster, sourced by
# examples/cluster/run.sh and scripts/demo.sh. Set $troupe to the troupe
# executable before calling them. Every node started is stopped on exit.

workdir=$(mktemp -d /tmp/troupe-cluster-XXXXXX)
pids=()
# Options every client command of the cluster needs (e.g. --tls-ca).
client_opts=()

stop_all() {
  for pid in "${pids[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    for _ in $(seq 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
  done
  rm -rf "$workdir"
}
trap stop_all EXIT

# start_node NAME [OPTIONS...]: starts a node on free ports of 127.0.0.1
# and waits until it listens; its client address (for --node) is then in
# $addr_NAME and its cluster address (for --join) in $seed_NAME. Its port
# file lists the client port, then the cluster port.
start_node() {
  local name=$1
  shift
  "$troupe" node --port 0 --port-file "$workdir/$name.port" --name "$name" \
    --log-level warn "$@" >"$workdir/$name.log" 2>&1 &
  pids+=($!)
  local pid=$!
  local ports=$workdir/$name.port
  for _ in $(seq 100); do
    [ -n "$(sed -n 2p "$ports" 2>/dev/null)" ] && break
    kill -0 "$pid" 2>/dev/null || { cat "$workdir/$name.log"; exit 1; }
    sleep 0.1
  done
  [ -n "$(sed -n 2p "$ports" 2>/dev/null)" ] || { echo "node $name did not start"; exit 1; }
  printf -v "addr_$name" '127.0.0.1:%s' "$(sed -n 1p "$ports")"
  printf -v "seed_$name" '127.0.0.1:%s' "$(sed -n 2p "$ports")"
  echo "node $name at 127.0.0.1:$(sed -n 1p "$ports") (pid $pid)"
}

# wait_for ADDRESS PATTERN: polls (at most 10 s) until `troupe status
# --json` of the node at ADDRESS matches PATTERN (skills and member states
# travel with the heartbeats).
wait_for() {
  for _ in $(seq 100); do
    "$troupe" status --node "$1" --json "${client_opts[@]}" | grep -q "$2" && return 0
    sleep 0.1
  done
  echo "timed out waiting for $2 at $1"
  return 1
}

step() { printf '\n$ %s\n' "$*"; }
