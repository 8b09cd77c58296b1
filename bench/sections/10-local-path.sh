#!/usr/bin/env bash
# In-process no-op jobs through the node path vs raw CAF request/response.
set -euo pipefail
cmd="troupe-bench-local --jobs 200000 --inflight 10,1000 --runs 5 --markdown"
echo "## In-process job path vs raw CAF request/response"
echo
echo "A no-op skill (\`in_pool\` mode) driven by an in-process client through the"
echo "router, the skill's pool and back (metrics included), against two raw CAF"
echo "actors doing pipelined request/response, in the same actor system"
echo "(scheduler \`sharing\`, 1 thread), runs interleaved. Median of 5 runs of"
echo "200,000 round trips each. Target (design.md): best troupe rate / best raw"
echo "rate ≥ 0.35."
echo
echo "\`\`\`"
echo "$cmd"
echo "\`\`\`"
echo
"$BIN"/$cmd
