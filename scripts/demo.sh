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

# As a user should run a cluster: a cluster CA, a certificate per member
# (for members among themselves and for clients), and a token.
pki=$workdir/pki
step troupe certs init pki "  # the cluster's CA"
"$troupe" certs init "$pki"
for name in alpha beta gamma; do
  "$troupe" certs issue "$pki" "$name" --host 127.0.0.1 >/dev/null 2>&1
done
echo "troupe certs issue pki alpha|beta|gamma --host 127.0.0.1   # a member certificate each"
step troupe tokens add demo --role admin --file tokens
TROUPE_TOKEN=$("$troupe" tokens add demo --role admin --file "$workdir/tokens")
export TROUPE_TOKEN
echo "(TROUPE_TOKEN holds it; every client command sends it, with --tls-ca pki/ca.pem)"
client_opts=(--tls-ca "$pki/ca.pem")
# Every client command of the demo: TLS with the cluster CA, the token from
# the environment.
troupe_cli() { "$troupe" "$@" "${client_opts[@]}"; }
# A member serves clients and members with its certificate and takes
# only members of the cluster CA: secure NAME sets $secure_opts.
secure() {
  secure_opts=(--tls-cert "$pki/$1.pem" --tls-key "$pki/$1.key"
    --tokens "$workdir/tokens" --cluster-cert "$pki/$1.pem"
    --cluster-key "$pki/$1.key" --cluster-ca "$pki/ca.pem")
}

step troupe node --name alpha --tls-cert pki/alpha.pem --tls-key pki/alpha.key --tokens tokens \
  --cluster-cert pki/alpha.pem --cluster-key pki/alpha.key --cluster-ca pki/ca.pem "  # and beta, gamma"
secure alpha
start_node alpha "${secure_opts[@]}"
a=$addr_alpha
secure beta
start_node beta --join "$seed_alpha" "${secure_opts[@]}"
# Only gamma offers the fault-injection skills (fail, flaky, slow, crash).
secure gamma
start_node gamma --join "$seed_alpha" --test-skills "${secure_opts[@]}"
g=$addr_gamma
# Wait until alpha sees gamma's skills (they travel with the heartbeats).
wait_for "$a" '"name":"slow"'

step troupe skills --node "$a"
troupe_cli skills --node "$a"

step troupe submit --node "$a" --skill sha256 --input abc
troupe_cli submit --node "$a" --skill sha256 --input abc; echo

step troupe submit --node "$a" --skill wordcount --input "to be or not to be"
troupe_cli submit --node "$a" --skill wordcount --input "to be or not to be"; echo

step troupe submit --node "$a" --skill flaky --input 0 --json "  # runs on gamma, the only node with it"
troupe_cli submit --node "$a" --skill flaky --input 0 --json

step troupe submit --node "$a" --skill nope --input x "  # exit code 1"
troupe_cli submit --node "$a" --skill nope --input x || echo "(exit code $?)"

step troupe submit --node "$a" --skill slow --input 2000 --timeout 100ms "  # exit code 4"
troupe_cli submit --node "$a" --skill slow --input 2000 --timeout 100ms || echo "(exit code $?)"

step troupe submit --node "$g" --skill crash "  # the worker dies; the pool replaces it"
troupe_cli submit --node "$g" --skill crash || echo "(exit code $?)"

printf '%s\n' \
  '{"skill": "sha256", "input": "abc"}' \
  '{"skill": "slow", "input": "20", "priority": 2}' \
  '{"skill": "wordcount", "input": "a b a"}' \
  '{"skill": "echo", "input": 42}' \
  '{"skill": "fail", "input": "on purpose"}' >"$workdir/jobs.jsonl"
step troupe submit --node "$a" --jobs jobs.jsonl "  # one bad line, one failing job"
cat "$workdir/jobs.jsonl"
troupe_cli submit --node "$a" --jobs "$workdir/jobs.jsonl" || echo "(exit code $?)"

step troupe bench --node "$a" --skill echo --jobs 50000 --concurrency 256
troupe_cli bench --node "$a" --skill echo --jobs 50000 --concurrency 256

step troupe bench --node "$a" --skill slow --input 1 --jobs 2000 --concurrency 32 "  # all on gamma, across the network"
troupe_cli bench --node "$a" --skill slow --input 1 --jobs 2000 --concurrency 32

step troupe status --node "$g"
troupe_cli status --node "$g"

echo
echo "killing beta (kill -9): the cluster notices and keeps serving"
kill -KILL "${pids[1]}"
wait "${pids[1]}" 2>/dev/null || true
wait_for "$a" '"name":"beta","address":"[^"]*","status":"down"'
step troupe status --node "$a"
troupe_cli status --node "$a" | sed -n '/^cluster/,$p'
step troupe submit --node "$a" --skill sha256 --input abc
troupe_cli submit --node "$a" --skill sha256 --input abc; echo

echo
echo "stopping the cluster"
