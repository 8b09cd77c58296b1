#!/usr/bin/env bash
# Crash recovery: how long a crashed worker takes to be replaced and serve
# again, and how long a supervisor takes to restart a crashed child actor.
set -euo pipefail
cmd="troupe-bench-restart --crashes 2000 --worker \$BIN/troupe-test-worker --markdown"
echo "## Crash recovery: worker crash → replacement serving"
echo
echo "A pool with one worker gets a job that kills its worker and, right"
echo "behind it, a job the replacement serves; this repeats for every crash."
echo "For native skills the skill code timestamps the crash and the start of"
echo "the next job on the replacement (a new worker actor, or a new thread of"
echo "the pool's own). A process skill's worker (troupe's C++ test worker,"
echo "job \`exit:1\`) ends its process, which the pool notices, replaces with"
echo "a freshly forked and started process (it must answer a ping first) and"
echo "hands the waiting job; that row is timed from the client, from sending"
echo "the crashing job to the replacement's answer (1,000 crashes). The last"
echo "row crashes an actor under a \`one_for_one\` supervisor and times until"
echo "its new incarnation, learned through the supervisor's watch, answers a"
echo "request: the pattern of Erlang/OTP's restart figure in design.md (~10 µs,"
echo "p99 ~80 µs). design.md's target: p99 ≤ 1 ms native, ≤ 50 ms process."
echo
echo "\`\`\`"
echo "$cmd"
echo "\`\`\`"
echo
"$BIN"/troupe-bench-restart --crashes 2000 --worker "$BIN"/troupe-test-worker --markdown
