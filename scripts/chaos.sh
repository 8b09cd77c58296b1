#!/usr/bin/env bash
# Builds what the chaos test needs and runs it (tests/chaos/chaos.py): a
# cluster of real nodes under mixed load and seeded faults, then the checker;
# prints the table of faults and jobs and the verdict (docs/reliability.md).
#   bash scripts/chaos.sh --minutes 30 --seed 7
#   bash scripts/chaos.sh --seconds 90 --seed 1 --nodes 5 --fault-gap 1.5
# Partitions and packet loss need root (network namespaces, iptables);
# without it they are skipped, saying so. Exit code 0 only if every check
# passed; on failure the run directory with the node logs is kept.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh >/dev/null
bash scripts/build.sh troupe_cli troupe-test-worker >/dev/null
exec /usr/bin/python3 tests/chaos/chaos.py "$@"
