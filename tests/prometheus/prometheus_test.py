"""Prometheus for real: Debian's `prometheus` scrapes a 3-node cluster
through deploy/prometheus/troupe.yml while a workload runs, then every
query of every panel of deploy/grafana/troupe.json runs against its HTTP
API and must return data (Grafana itself is neither in Debian nor on npm,
so its part, the template variables, is substituted as Grafana would).

Needs `prometheus` (scripts/deps.sh installs it). Without it the test
fails, unless TROUPE_SKIP_PROMETHEUS=1 asks to skip it (exit code 77).
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))
from polling import free_port, wait_for  # noqa: E402
from processes import Processes  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
SKIP = 77


def http_json(url: str, timeout=5.0):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return json.load(r)


class Cluster:
    def __init__(self, troupe: str, procs: Processes, tmp: Path):
        self.troupe, self.procs, self.tmp = troupe, procs, tmp
        self.clients, self.metrics = [], []
        # A process skill whose workers are replaced every 20 jobs, so that
        # worker-process restarts are real.
        self.config = tmp / "node.conf"
        self.config.write_text(f"""
[skills.upper]
kind = "process"
command = "/usr/bin/python3"
args = ["-u", "{ROOT / 'examples/skills/text_worker.py'}"]
env = {{ PYTHONPATH = "{ROOT / 'python'}" }}
min-workers = 1
max-workers = 2
idempotent = true
recycle-after = 20
""")

    def start_node(self, name: str, join: str = ""):
        # A metrics port picked free may be taken before the node binds it:
        # the node then stops at once saying so, and gets another.
        for attempt in range(5):
            port_file = self.tmp / f"{name}.ports"
            port_file.unlink(missing_ok=True)
            metrics = free_port()
            args = [self.troupe, "node", "--name", name, "--port", "0",
                    "--port-file", str(port_file), "--test-skills",
                    "--config", str(self.config),
                    "--metrics-port", str(metrics), "--log-level", "warn"]
            if join:
                args += ["--join", join]
            log = self.tmp / f"{name}.{attempt}.log"
            p = self.procs.start(args, log)

            def ready():
                if p.poll() is not None:
                    return "exited"
                lines = port_file.read_text().split() if port_file.exists() else []
                return lines if len(lines) >= 2 else None

            got = wait_for(f"node {name}", ready)
            if got == "exited":
                if "cannot serve metrics" in log.read_text():
                    continue
                raise AssertionError(f"node {name} exited:\n{log.read_text()}")
            self.clients.append(f"127.0.0.1:{got[0]}")
            self.metrics.append(f"127.0.0.1:{metrics}")
            return f"127.0.0.1:{got[1]}"
        raise AssertionError(f"node {name}: no free metrics port in 5 tries")

    def run(self, *args, check=True):
        r = subprocess.run([self.troupe, *args], capture_output=True,
                           text=True, timeout=120)
        if check and r.returncode != 0:
            raise AssertionError(f"troupe {' '.join(args)}: {r.stderr}")
        return r

    def members_up(self, node: str) -> int:
        r = self.run("status", "--node", node, "--json", check=False)
        if r.returncode != 0:
            return 0
        members = json.loads(r.stdout).get("members", [])
        return sum(1 for m in members if m.get("status") == "up")


def grafana_queries(dashboard: dict, rate_interval: str):
    """Every panel's queries, as Grafana would send them with all nodes
    selected: (panel title, query)."""
    for panel in dashboard["panels"]:
        for target in panel["targets"]:
            expr = target["expr"]
            expr = expr.replace("$__rate_interval", rate_interval)
            expr = expr.replace("$instance", ".+")
            assert "$" not in expr, f"{panel['title']}: unknown variable in {expr}"
            yield panel["title"], expr


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--troupe", required=True)
    opts = ap.parse_args()
    prometheus = shutil.which("prometheus")
    if prometheus is None:
        if os.environ.get("TROUPE_SKIP_PROMETHEUS") == "1":
            print("skipped: TROUPE_SKIP_PROMETHEUS=1 and no prometheus")
            return SKIP
        print("prometheus is not installed: run scripts/deps.sh (or set "
              "TROUPE_SKIP_PROMETHEUS=1 to skip this test)", file=sys.stderr)
        return 1

    dashboard = json.loads((ROOT / "deploy/grafana/troupe.json").read_text())
    ids = [p["id"] for p in dashboard["panels"]]
    assert len(ids) == len(set(ids)), "panel ids repeat"
    scrape = (ROOT / "deploy/prometheus/troupe.yml").read_text()
    subprocess.run(["promtool", "check", "config",
                    str(ROOT / "deploy/prometheus/troupe.yml")], check=True,
                   capture_output=True)

    procs = Processes()
    tmp = Path(tempfile.mkdtemp(prefix="troupe-prom-"))
    try:
        cluster = Cluster(opts.troupe, procs, tmp)
        seed = cluster.start_node("alpha")
        cluster.start_node("beta", seed)
        cluster.start_node("gamma", seed)
        for node in cluster.clients:
            wait_for(f"3 members up at {node}",
                     lambda: cluster.members_up(node) == 3, seconds=60,
                     step=0.25)

        # The shipped scrape config, pointed at this cluster, scraping
        # every second so that the test is quick.
        targets = ", ".join(f'"{m}"' for m in cluster.metrics)
        config, n = re.subn(r"targets: \[.*\]", f"targets: [{targets}]", scrape)
        assert n == 1, "deploy/prometheus/troupe.yml: no targets line"
        config = config.replace("scrape_interval: 5s", "scrape_interval: 1s")
        (tmp / "prometheus.yml").write_text(config)
        web = f"127.0.0.1:{free_port()}"
        procs.start([prometheus, f"--config.file={tmp / 'prometheus.yml'}",
                     f"--storage.tsdb.path={tmp / 'data'}",
                     f"--web.listen-address={web}"], tmp / "prometheus.log")
        api = f"http://{web}/api/v1/query"

        def query(expr):
            url = api + "?" + urllib.parse.urlencode({"query": expr})
            try:
                body = http_json(url)
            except OSError:
                return None
            assert body["status"] == "success", body
            return body["data"]["result"]

        wait_for("prometheus scraping all 3 nodes", lambda: len(
            [r for r in (query('up{job="troupe"} == 1') or [])]) == 3,
            seconds=60, step=0.5)

        # The workload: jobs on every node, failures, cache hits (sha256 is
        # cached: one input again and again), and jobs one node places on
        # another (echo is offered by all, so placement spreads them).
        jobs = 0
        for node in cluster.clients:
            cluster.run("bench", "--node", node, "--skill", "echo", "--input",
                        "x", "--jobs", "3000", "--concurrency", "16")
            cluster.run("bench", "--node", node, "--skill", "sha256",
                        "--input", "same", "--jobs", "500", "--concurrency",
                        "4")
            cluster.run("bench", "--node", node, "--skill", "upper",
                        "--input", "x", "--jobs", "100", "--concurrency", "2")
            jobs += 3000
            for i in range(5):
                cluster.run("submit", "--node", node, "--skill", "fail",
                            "--input", f"no {i}", check=False)

        def scraped_all():
            got = query('sum(troupe_jobs_total{skill="echo",status="OK"})')
            return got and float(got[0]["value"][1]) >= jobs
        wait_for("a scrape after the workload", scraped_all, seconds=30,
                 step=0.5)

        empty = []
        count = 0
        for title, expr in grafana_queries(dashboard, "1m"):
            count += 1
            result = query(expr)
            if not result:
                empty.append(f"{title}: {expr}")
        assert not empty, "panels without data:\n  " + "\n  ".join(empty)

        # What the workload must show, not just that there are series.
        def values(expr):
            return {json.dumps(r["metric"], sort_keys=True): float(r["value"][1])
                    for r in query(expr)}
        echo = values('sum by (skill) (rate(troupe_jobs_total{skill="echo"}[1m]))')
        assert list(echo.values())[0] > 0, echo
        failed = values('sum by (skill, status) (rate(troupe_jobs_total{status!="OK"}[1m])) > 0')
        assert any('"fail"' in k and "SKILL_ERROR" in k for k in failed), failed
        up = values('sum by (instance) (troupe_cluster_members{status="up"})')
        assert sorted(up.values()) == [3, 3, 3], up
        hits = values('sum(rate(troupe_cache_requests_total{result="hit"}[1m])) / '
                      'sum(rate(troupe_cache_requests_total{result=~"hit|miss|coalesced"}[1m]))')
        assert 0.5 < list(hits.values())[0] <= 1, hits
        recycled = values('sum(troupe_process_restarts_total{skill="upper",reason="recycled"})')
        assert list(recycled.values())[0] >= 3, recycled
        info = query("troupe_build_info")
        assert len(info) == 3 and all(
            r["metric"].get("version") for r in info), info
        rss = values("process_resident_memory_bytes")
        assert len(rss) == 3 and min(rss.values()) > 1e6, rss
        print(f"ok: {count} queries of {len(dashboard['panels'])} panels "
              f"returned data from a 3-node cluster")
        return 0
    finally:
        procs.stop_all()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
