#!/usr/bin/env bash
# Installs troupe's build and test dependencies from Debian's apt, skipping
# what is already there. Safe to run any number of times; needs root for apt.
#   bash scripts/deps.sh           # build and test dependencies
#   bash scripts/deps.sh --peers   # also the systems the peer benchmark runs
#                                  # side by side (Erlang/OTP, Dask, Celery)
#   bash scripts/deps.sh --fuzz    # also clang and libFuzzer (scripts/fuzz.sh)
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  libcaf-dev
  libprotobuf-dev protobuf-compiler
  libgrpc++-dev protobuf-compiler-grpc   # the client door (gRPC)
  libspdlog-dev
  prometheus-cpp-dev
  libcivetweb-dev     # the HTTP/JSON API (also under prometheus-cpp's exposer)
  zlib1g-dev          # gzip of HTTP responses
  nlohmann-json3-dev  # the dashboard's state and its JSON Patch deltas
  curl                # the HTTP examples of docs/api.md, run by a test
  wrk                 # the HTTP benchmark (bench/sections/37-http.sh)
  libcli11-dev
  libgtest-dev libgmock-dev
  libbenchmark-dev
  libgoogle-perftools-dev
  libssl-dev openssl   # openssl: test certificates
  python3 python3-protobuf python3-grpcio
  python3-pytest python3-venv python3-setuptools python3-wheel  # python/
  iproute2 iptables   # the chaos test: network namespaces, partitions, loss
  prometheus          # the Grafana panels' test: a real server scrapes a cluster
  chromium            # the web dashboard's test, in a real headless browser
  python3-websocket   # the dashboard tests' WebSocket and DevTools client
  systemd             # systemd-analyze: the service unit's test
)
case "${1:-}" in
  --peers)
    packages+=(erlang-base python3-distributed python3-dask python3-celery
               python3-redis redis-server) ;;
  --fuzz)
    # libFuzzer is in libclang-rt-14-dev, only a Recommends of clang.
    packages+=(clang libclang-rt-14-dev) ;;
esac

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "deps: installing ${missing[*]}"
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    sudo_cmd=(sudo)
  else
    echo "deps: missing packages and not root (no sudo): ${missing[*]}" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
