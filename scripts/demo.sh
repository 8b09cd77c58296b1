#!/usr/bin/env bash
# Installs dependencies, builds troupe, starts a local 3-node cluster, runs a
# sample workload through the CLI, shows the results and stops every node.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
bash scripts/build.sh troupe_cli
troupe=$(realpath build/bin/troupe)

source examples/cluster/local_cluster.sh
# The demo prints its commands in bold.
step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

start_node alpha
a=$addr_alpha
start_node beta --join "$seed_alpha"
# Only gamma offers the fault-injection skills (fail, flaky, slow, crash).
start_node gamma --join "$seed_alpha" --test-skills
g=$addr_gamma
# Wait until alpha sees gamma's skills (they travel with the heartbeats).
wait_for "$a" '"name":"slow"'

step troupe skills --node "$a"
"$troupe" skills --node "$a"

step troupe submit --node "$a" --skill sha256 --input abc
"$troupe" submit --node "$a" --skill sha256 --input abc; echo

step troupe submit --node "$a" --skill wordcount --input "to be or not to be"
"$troupe" submit --node "$a" --skill wordcount --input "to be or not to be"; echo

step troupe submit --node "$a" --skill flaky --input 0 --json "  # runs on gamma, the only node with it"
"$troupe" submit --node "$a" --skill flaky --input 0 --json

step troupe submit --node "$a" --skill nope --input x "  # exit code 1"
"$troupe" submit --node "$a" --skill nope --input x || echo "(exit code $?)"

step troupe submit --node "$a" --skill slow --input 2000 --timeout 100ms "  # exit code 4"
"$troupe" submit --node "$a" --skill slow --input 2000 --timeout 100ms || echo "(exit code $?)"

step troupe submit --node "$g" --skill crash "  # the worker dies; the pool replaces it"
"$troupe" submit --node "$g" --skill crash || echo "(exit code $?)"

printf '%s\n' \
  '{"skill": "sha256", "input": "abc"}' \
  '{"skill": "slow", "input": "20", "priority": 2}' \
  '{"skill": "wordcount", "input": "a b a"}' \
  '{"skill": "echo", "input": 42}' \
  '{"skill": "fail", "input": "on purpose"}' >"$workdir/jobs.jsonl"
step troupe submit --node "$a" --jobs jobs.jsonl "  # one bad line, one failing job"
cat "$workdir/jobs.jsonl"
"$troupe" submit --node "$a" --jobs "$workdir/jobs.jsonl" || echo "(exit code $?)"

step troupe bench --node "$a" --skill echo --jobs 50000 --concurrency 256
"$troupe" bench --node "$a" --skill echo --jobs 50000 --concurrency 256

step troupe bench --node "$a" --skill slow --input 1 --jobs 2000 --concurrency 32 "  # all on gamma, across the network"
"$troupe" bench --node "$a" --skill slow --input 1 --jobs 2000 --concurrency 32

step troupe status --node "$g"
"$troupe" status --node "$g"

echo
echo "killing beta (kill -9): the cluster notices and keeps serving"
kill -KILL "${pids[1]}"
wait "${pids[1]}" 2>/dev/null || true
wait_for "$a" '"name":"beta","address":"[^"]*","status":"down"'
step troupe status --node "$a"
"$troupe" status --node "$a" | sed -n '/^cluster/,$p'
step troupe submit --node "$a" --skill sha256 --input abc
"$troupe" submit --node "$a" --skill sha256 --input abc; echo

echo
echo "stopping the cluster"
