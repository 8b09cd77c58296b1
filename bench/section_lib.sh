# Shared by the section scripts (sourced, not run): a scratch directory and
# the processes a section starts, both cleaned up on exit. Processes go in
# `pids`, or, when started in a subshell such as $(...), whose changes to
# `pids` are lost, in a file "$dir/NAME.pid".
dir=$(mktemp -d)
pids=()
cleanup() {
  for f in "$dir"/*.pid; do [ -e "$f" ] && pids+=("$(cat "$f")"); done
  for p in "${pids[@]}"; do kill -"${stop_signal:-TERM}" "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT
# wait_file FILE: polls (at most 15 s) until FILE exists and is not empty.
wait_file() {
  for _ in $(seq 150); do [ -s "$1" ] && return 0; sleep 0.1; done
  echo "bench: $1 never appeared" >&2
  exit 1
}
# A node's --port-file has two lines: its client (gRPC) port, then its
# cluster port (what --join names).
# wait_ports FILE: polls (at most 15 s) until FILE holds both.
wait_ports() {
  for _ in $(seq 150); do [ -n "$(sed -n 2p "$1" 2>/dev/null)" ] && return 0; sleep 0.1; done
  echo "bench: $1 never listed both ports" >&2
  exit 1
}
client_port() { sed -n 1p "$1"; }
cluster_port() { sed -n 2p "$1"; }
