# Shell functions for running a local troupe cluster, sourced by
# examples/cluster/run.sh and scripts/demo.sh. Set $troupe to the troupe
# executable before calling them. Every node started is stopped on exit.

workdir=$(mktemp -d /tmp/troupe-cluster-XXXXXX)
pids=()

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

# start_node NAME [OPTIONS...]: starts a node on a free port of 127.0.0.1
# and waits until it listens; its address is then in $addr_NAME.
start_node() {
  local name=$1
  shift
  "$troupe" node --port 0 --port-file "$workdir/$name.port" --name "$name" \
    --log-level warn "$@" >"$workdir/$name.log" 2>&1 &
  pids+=($!)
  local pid=$!
  for _ in $(seq 100); do
    [ -s "$workdir/$name.port" ] && break
    kill -0 "$pid" 2>/dev/null || { cat "$workdir/$name.log"; exit 1; }
    sleep 0.1
  done
  [ -s "$workdir/$name.port" ] || { echo "node $name did not start"; exit 1; }
  printf -v "addr_$name" '127.0.0.1:%s' "$(cat "$workdir/$name.port")"
  echo "node $name at 127.0.0.1:$(cat "$workdir/$name.port") (pid $pid)"
}

# wait_for ADDRESS PATTERN: polls (at most 10 s) until `troupe status
# --json` of the node at ADDRESS matches PATTERN (skills and member states
# travel with the heartbeats).
wait_for() {
  for _ in $(seq 100); do
    "$troupe" status --node "$1" --json | grep -q "$2" && return 0
    sleep 0.1
  done
  echo "timed out waiting for $2 at $1"
  return 1
}

step() { printf '\n$ %s\n' "$*"; }
