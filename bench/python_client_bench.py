#!/usr/bin/python3
"""No-op (echo) jobs per second through the Python package's streaming API,
from one Python process: the median of a few rounds, after a warm-up.

    /usr/bin/python3 bench/python_client_bench.py        # starts a node
    /usr/bin/python3 bench/python_client_bench.py --node 127.0.0.1:4710
    /usr/bin/python3 bench/python_client_bench.py --jobs 500000 --rounds 7 \\
        --api map,as_completed,aio --batch 128 --concurrency 2048

Without --node it starts `troupe node` (--troupe, default build/bin/troupe)
on free ports with its defaults and stops it at the end. Prints one line
per API for docs/benchmarks.md.
"""

import argparse
import asyncio
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "python"))

import grpc  # noqa: E402

import troupe  # noqa: E402
import troupe.aio  # noqa: E402


def start_node(binary: Path, workdir: Path):
    port_file = workdir / "ports"
    proc = subprocess.Popen(
        [str(binary), "node", "--host", "127.0.0.1", "--port", "0",
         "--port-file", str(port_file), "--log-level", "warn"],
        stdout=subprocess.DEVNULL, stderr=open(workdir / "node.log", "wb"))
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"the node exited ({proc.returncode}); see "
                     f"{workdir / 'node.log'}")
        try:
            port = port_file.read_text().splitlines()[0].strip()
            if port.isdigit():
                return proc, f"127.0.0.1:{port}"
        except (OSError, IndexError):
            pass
        time.sleep(0.05)
    proc.kill()
    sys.exit("the node did not write its port file within 20 s")


def run_map(client, inputs, args):
    n = 0
    for _ in client.map("echo", inputs, batch=args.batch,
                        concurrency=args.concurrency):
        n += 1
    return n


def run_as_completed(client, inputs, args):
    jobs = (("echo", x) for x in inputs)
    n = 0
    for _ in client.as_completed(jobs, batch=args.batch,
                                 concurrency=args.concurrency):
        n += 1
    return n


def run_aio(address, inputs, args):
    async def main():
        async with troupe.aio.Client(address) as client:
            n = 0
            async for _ in client.map("echo", inputs, batch=args.batch,
                                      concurrency=args.concurrency):
                n += 1
            return n
    # One event loop for every round: grpc.aio stays with the loop it
    # started in.
    return LOOP.run_until_complete(main())


LOOP = asyncio.new_event_loop()


def measure(api, address, client, inputs, args):
    start = time.perf_counter()
    if api == "map":
        n = run_map(client, inputs, args)
    elif api == "as_completed":
        n = run_as_completed(client, inputs, args)
    else:
        n = run_aio(address, inputs, args)
    elapsed = time.perf_counter() - start
    assert n == len(inputs), f"{api}: {n} results for {len(inputs)} jobs"
    return n / elapsed


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--node", help="HOST:PORT of a running node")
    ap.add_argument("--troupe", default=str(ROOT / "build" / "bin" / "troupe"))
    ap.add_argument("--jobs", type=int, default=200_000)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--concurrency", type=int, default=2048)
    ap.add_argument("--input-bytes", type=int, default=8)
    ap.add_argument("--api", default="map,as_completed,aio",
                    help="comma-separated: map, as_completed, aio")
    ap.add_argument("--json", action="store_true",
                    help="print one JSON object: each API's median jobs/s")
    args = ap.parse_args()
    apis = [a for a in args.api.split(",") if a]
    inputs = [f"{i:0{args.input_bytes}d}"[-args.input_bytes:]
              for i in range(args.jobs)]
    node = None
    with tempfile.TemporaryDirectory(prefix="troupe-pybench-") as tmp:
        address = args.node
        if address is None:
            node, address = start_node(Path(args.troupe), Path(tmp))
        try:
            with troupe.Client(address) as client:
                client.wait_ready()
                rates = {api: [] for api in apis}
                warm = inputs[: max(1, len(inputs) // 10)]
                for api in apis:
                    measure(api, address, client, warm, args)
                # Rounds interleave the APIs, so that drift hits all alike.
                for _ in range(args.rounds):
                    for api in apis:
                        rates[api].append(
                            measure(api, address, client, inputs, args))
        finally:
            if node is not None:
                node.send_signal(signal.SIGTERM)
                try:
                    node.wait(30)
                except subprocess.TimeoutExpired:
                    node.kill()
    if args.json:
        print(json.dumps({api: statistics.median(rates[api]) for api in apis}))
        return 0
    for api in apis:
        r = rates[api]
        label = {"map": "Client.map", "as_completed": "Client.as_completed",
                 "aio": "aio.Client.map"}[api]
        print(f"python client, {label}, echo: {statistics.median(r):,.0f} "
              f"jobs/s (median of {len(r)} rounds of {args.jobs:,} jobs, "
              f"min {min(r):,.0f}, max {max(r):,.0f}; batch {args.batch}, "
              f"{args.concurrency:,} in flight, {args.input_bytes}-byte "
              f"inputs; one process, Python {platform.python_version()}, "
              f"grpcio {grpc.__version__}, {os.cpu_count()} CPUs shared "
              f"with the node)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
