#!/usr/bin/env bash
# cluster: starts three troupe nodes on this machine, runs jobs across them
# through the CLI (a skill only one node offers, the cluster-wide cache, a
# bulk submit to another node), shows the cluster and stops every node.
#
#   bash examples/cluster/run.sh [path/to/troupe]   (default build/bin/troupe)
set -euo pipefail
troupe=$(realpath "${1:-build/bin/troupe}")
source "$(dirname "$0")/local_cluster.sh"

start_node alpha
start_node beta --join "$seed_alpha"
# Only gamma offers the test skills (fail, flaky, slow, crash).
start_node gamma --join "$seed_alpha" --test-skills
wait_for "$addr_alpha" '"name":"slow"'
wait_for "$addr_beta" '"name":"slow"'

step troupe submit --node alpha --skill flaky --input 0 --json "  # runs on gamma"
"$troupe" submit --node "$addr_alpha" --skill flaky --input 0 --json

step troupe submit --node alpha --skill sha256 --input hello --json
"$troupe" submit --node "$addr_alpha" --skill sha256 --input hello --json
step troupe submit --node beta --skill sha256 --input hello --json "  # the same job on another node: a cache hit"
"$troupe" submit --node "$addr_beta" --skill sha256 --input hello --json

step "troupe submit --node beta --jobs - --concurrency 64   # 300 jobs from stdin"
for i in $(seq 100); do
  printf '{"skill": "sha256", "input": "job %d"}\n' "$i"
  printf '{"skill": "slow", "input": "5"}\n'
  printf '{"skill": "wordcount", "input": "to be or not to be %d"}\n' "$i"
done | "$troupe" submit --node "$addr_beta" --jobs - --concurrency 64

step troupe status --node gamma
"$troupe" status --node "$addr_gamma" | sed -n '/^cluster/,$p'
