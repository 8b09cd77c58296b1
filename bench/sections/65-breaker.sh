#!/usr/bin/env bash
# What a circuit breaker costs on the job path: the same no-op skill with and
# without a breaker in front of its pool.
set -euo pipefail
cmd="troupe-bench-breaker --jobs 200000 --inflight 10,1000 --runs 5 --markdown"
echo "## Circuit breakers on the job path"
echo
echo "An in-process client keeps no-op jobs (\`in_pool\` skills) in flight"
echo "through the router, as in the first section, for four skills of one node:"
echo "without a breaker (the default for every built-in skill), with a closed"
echo "breaker (router → breaker → pool → breaker → client: two more messages"
echo "per job), with a breaker and retries armed (the breaker also keeps a copy"
echo "of each job for its next attempt), and with a breaker forced open (every"
echo "job answered BREAKER_OPEN by the breaker without reaching the pool); the"
echo "last two rows repeat the comparison with 1 KiB inputs. Median of 5 runs"
echo "of 200,000 jobs each, interleaved; ratios against the skill without a"
echo "breaker and the same input."
echo
echo "\`\`\`"
echo "$cmd"
echo "\`\`\`"
echo
"$BIN"/$cmd
