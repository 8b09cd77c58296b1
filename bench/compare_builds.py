#!/usr/bin/env python3
"""Runs the job-path benchmarks of two builds side by side and prints, per
row, the median rate of each and their ratio.

    python3 bench/compare_builds.py OLD_BIN_DIR NEW_BIN_DIR [--rounds N]

Both directories hold a build's executables (build/bin of two checkouts).
Runs alternate between the builds, round after round, so that a machine
that gets busier or quieter during the comparison weighs on both alike.
Rows: the in-process benchmarks (`troupe-bench-local`, `-breaker`,
`-cache-path`: each row's troupe rate) and `troupe bench` over loopback
against a node of the same build (echo, 256 in flight).
"""
import argparse
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time

IN_PROCESS = [
    ("troupe-bench-local", ["--jobs", "100000", "--inflight", "10,1000", "--runs", "1"]),
    ("troupe-bench-breaker", ["--jobs", "50000", "--inflight", "10,1000", "--runs", "1"]),
    ("troupe-bench-cache-path", ["--jobs", "50000", "--inflight", "10,1000", "--runs", "1"]),
]

# "inflight  label ...  rate  ratio" rows, and the local bench's
# "inflight raw troupe ratio" rows.
ROW = re.compile(r"^(\d+)\s+(.*?)\s+(\d+)\s+(\d+\.\d+)$")
LOCAL_ROW = re.compile(r"^(\d+)\s+(\d+)\s+(\d+)\s+(\d+\.\d+)$")


def rows_of(name, out):
    rows = {}
    for line in out.splitlines():
        line = line.strip()
        m = LOCAL_ROW.match(line)
        if m and name == "troupe-bench-local":
            rows[f"{name}: node path, {m.group(1)} in flight"] = float(m.group(3))
            continue
        m = ROW.match(line)
        if m and name != "troupe-bench-local":
            rows[f"{name}: {m.group(2)}, {m.group(1)} in flight"] = float(m.group(3))
    return rows


def run_in_process(bin_dir, name, args):
    out = subprocess.run([os.path.join(bin_dir, name)] + args, capture_output=True,
                         text=True, timeout=600, check=True).stdout
    return rows_of(name, out)


def start_node(bin_dir, tmp):
    port_file = os.path.join(tmp, f"port-{abs(hash(bin_dir))}")
    if os.path.exists(port_file):
        os.remove(port_file)
    node = subprocess.Popen([os.path.join(bin_dir, "troupe"), "node", "--port", "0",
                             "--port-file", port_file],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(200):
        if os.path.exists(port_file) and open(port_file).read().strip():
            line = open(port_file).read().split()[0]
            return node, line if ":" in line else f"127.0.0.1:{line}"
        time.sleep(0.05)
    node.kill()
    raise RuntimeError(f"the node of {bin_dir} did not start")


def run_cli(bin_dir, address):
    out = subprocess.run([os.path.join(bin_dir, "troupe"), "bench", "--node", address,
                          "--skill", "echo", "--jobs", "100000", "--concurrency", "256",
                          "--json"], capture_output=True, text=True, timeout=600,
                         check=True).stdout
    m = re.search(r'"jobs_per_second"\s*:\s*([0-9.]+)', out)
    if not m:
        raise RuntimeError(f"no rate in: {out}")
    return {"troupe bench over loopback: echo, 256 in flight": float(m.group(1))}


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("old")
    p.add_argument("new")
    p.add_argument("--rounds", type=int, default=5)
    a = p.parse_args()
    builds = {"old": a.old, "new": a.new}
    rates = {"old": {}, "new": {}}
    with tempfile.TemporaryDirectory() as tmp:
        nodes = {k: start_node(v, tmp) for k, v in builds.items()}
        try:
            for r in range(a.rounds):
                for which, bin_dir in builds.items():
                    got = {}
                    for name, args in IN_PROCESS:
                        got.update(run_in_process(bin_dir, name, args))
                    got.update(run_cli(bin_dir, nodes[which][1]))
                    for k, v in got.items():
                        rates[which].setdefault(k, []).append(v)
                print(f"round {r + 1} of {a.rounds} done", file=sys.stderr)
        finally:
            for node, _ in nodes.values():
                node.send_signal(signal.SIGTERM)
                try:
                    node.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    node.kill()
    print(f"`nproc` = {os.cpu_count()}; median of {a.rounds} alternating rounds "
          "(jobs/s).\n")
    print("| benchmark row | before | after | after / before |")
    print("| --- | ---: | ---: | ---: |")
    for row, old in rates["old"].items():
        new = rates["new"].get(row)
        if not new:
            continue
        mo, mn = statistics.median(old), statistics.median(new)
        print(f"| {row} | {mo:.0f} | {mn:.0f} | {mn / mo:.2f} |")


if __name__ == "__main__":
    main()
