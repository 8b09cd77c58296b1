#!/usr/bin/env bash
# The Python package's streaming client: no-op jobs/s from one Python
# process (bench/python_client_bench.py starts its own node).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
rounds=5
jobs=200000
echo "## Python client"
echo
echo "One /usr/bin/python3 process streams $jobs no-op \`echo\` jobs to one"
echo "node (its defaults) over loopback with the troupe package"
echo "(docs/python.md): \`Client.map\` (results in input order),"
echo "\`Client.as_completed\` and \`troupe.aio.Client.map\`, 128 jobs per"
echo "message, 2,048 in flight. Each figure is the median of $rounds rounds,"
echo "the APIs' rounds interleaved; client and node share the machine's CPUs."
echo
/usr/bin/python3 "$root/bench/python_client_bench.py" --troupe "$BIN/troupe" \
  --jobs "$jobs" --rounds "$rounds" | sed 's/^/- /'
