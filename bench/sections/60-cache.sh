#!/usr/bin/env bash
# The result cache: hit rates of its policy vs plain LRU, the job path with
# hits and misses vs uncached jobs, and its memory overhead per entry.
set -euo pipefail
echo "## Result cache"
echo
echo "### Hit rate: plain LRU vs troupe's policy at the same byte budget"
echo
echo "The cache's store replayed without actors: 1,000,000 requests over"
echo "100,000 keys drawn from Zipf(0.9), values of 64..1024 bytes (fixed per"
echo "key); a miss stores the result. The second trace is the same Zipf trace"
echo "with a one-pass scan of 100,000 keys never seen again in its middle."
echo "Budgets are fractions of what all 100,000 keys would take. Plain LRU is"
echo "the same store with admission off; troupe's policy admits a new entry"
echo "only if the frequency sketch rates it above each entry it would evict."
echo
echo "\`\`\`"
echo "troupe-bench-cache-policy --policy --markdown"
echo "\`\`\`"
echo
"$BIN"/troupe-bench-cache-policy --policy --markdown
echo
echo "### Cached jobs through the node vs uncached no-op jobs"
echo
echo "An in-process client keeps jobs in flight through the router (as in the"
echo "first section): a no-op skill without caching, the same no-op skill with"
echo "caching where every job has the same input (each job after the first is"
echo "a hit: key digest, shard, answer), and where every input is new (each"
echo "job a miss: digest, shard, pool, store, answer). Median of 5 runs of"
echo "200,000 jobs, interleaved. The key digest is SHA-256 over skill, version"
echo "and input (best of 5 rounds)."
echo
echo "\`\`\`"
echo "troupe-bench-cache-path --runs 5 --markdown"
echo "\`\`\`"
echo
"$BIN"/troupe-bench-cache-path --runs 5 --markdown
echo
echo "### Memory per entry beyond key and value"
echo
echo "Heap bytes the store takes per entry (slab record, index slots,"
echo "frequency sketch, the value block's allocator header and rounding),"
echo "measured with glibc's mallinfo2 after inserting every entry, minus the"
echo "32-byte key and the value. Target (design.md): ≤ 96 bytes."
echo
echo "\`\`\`"
echo "troupe-bench-cache-policy --overhead --markdown"
echo "\`\`\`"
echo
"$BIN"/troupe-bench-cache-policy --overhead --markdown
