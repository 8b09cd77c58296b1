#!/usr/bin/env bash
# Installs dependencies, builds troupe, starts a local node, runs a sample
# workload through the CLI, shows the results and stops the node.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
bash scripts/build.sh troupe_cli
troupe=build/bin/troupe

workdir=$(mktemp -d /tmp/troupe-demo-XXXXXX)
node_pid=""
cleanup() {
  if [ -n "$node_pid" ] && kill -0 "$node_pid" 2>/dev/null; then
    kill -TERM "$node_pid" 2>/dev/null || true
    for _ in $(seq 50); do
      kill -0 "$node_pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$node_pid" 2>/dev/null || true
  fi
  rm -rf "$workdir"
}
trap cleanup EXIT

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

"$troupe" node --port 0 --port-file "$workdir/port" --test-skills \
  --log-level warn >"$workdir/node.log" 2>&1 &
node_pid=$!
for _ in $(seq 100); do
  [ -s "$workdir/port" ] && break
  kill -0 "$node_pid" 2>/dev/null || { cat "$workdir/node.log"; exit 1; }
  sleep 0.1
done
[ -s "$workdir/port" ] || { echo "node did not start"; cat "$workdir/node.log"; exit 1; }
node="127.0.0.1:$(cat "$workdir/port")"
echo "troupe node running at $node (pid $node_pid)"

step troupe skills --node "$node"
"$troupe" skills --node "$node"

step troupe submit --node "$node" --skill sha256 --input abc
"$troupe" submit --node "$node" --skill sha256 --input abc; echo

step troupe submit --node "$node" --skill wordcount --input "to be or not to be"
"$troupe" submit --node "$node" --skill wordcount --input "to be or not to be"; echo

step troupe submit --node "$node" --skill echo --input hello --json
"$troupe" submit --node "$node" --skill echo --input hello --json

step troupe submit --node "$node" --skill nope --input x "  # exit code 1"
"$troupe" submit --node "$node" --skill nope --input x || echo "(exit code $?)"

step troupe submit --node "$node" --skill slow --input 2000 --timeout 100ms "  # exit code 4"
"$troupe" submit --node "$node" --skill slow --input 2000 --timeout 100ms || echo "(exit code $?)"

step troupe submit --node "$node" --skill crash "  # the worker dies; the pool replaces it"
"$troupe" submit --node "$node" --skill crash || echo "(exit code $?)"

step troupe bench --node "$node" --skill echo --jobs 50000 --concurrency 256
"$troupe" bench --node "$node" --skill echo --jobs 50000 --concurrency 256

step troupe bench --node "$node" --skill sha256 --jobs 20000 --concurrency 64 --input "<1 KiB of x>"
"$troupe" bench --node "$node" --skill sha256 --jobs 20000 --concurrency 64 \
  --input "$(head -c 1024 /dev/zero | tr '\0' x)"

step troupe status --node "$node"
"$troupe" status --node "$node"

echo
echo "stopping the node"
