"""deploy/systemd: the unit passes `systemd-analyze verify` without a
warning, its stop timeout covers the node's drain, and a node started with
the shipped config drains a job in flight on SIGTERM and exits 0 within
that timeout (what systemd's stop does to it).

Needs systemd-analyze (package systemd; scripts/deps.sh installs it).
"""

import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
UNIT = ROOT / "deploy/systemd/troupe.service"
CONF = ROOT / "deploy/systemd/troupe.conf"
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))
from polling import free_port  # noqa: E402

TROUPE = ""


def seconds(text: str) -> float:
    m = re.fullmatch(r"(\d+)(ms|s|min)?", text.strip())
    assert m, f"not a duration: {text}"
    return int(m.group(1)) * {"ms": 0.001, "s": 1, "min": 60, None: 1}[m.group(2)]


class SystemdUnit(unittest.TestCase):
    def test_verifies_without_a_warning(self):
        analyze = shutil.which("systemd-analyze")
        self.assertIsNotNone(analyze, "systemd-analyze missing: run scripts/deps.sh")
        with tempfile.TemporaryDirectory() as tmp:
            # The unit as installed, with this build's executable.
            unit = Path(tmp) / "troupe.service"
            unit.write_text(UNIT.read_text().replace("/usr/local/bin/troupe", TROUPE))
            r = subprocess.run([analyze, "verify", str(unit)],
                               capture_output=True, text=True, timeout=60)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(r.stderr.strip(), "")

    def test_stop_timeout_covers_the_drain(self):
        stop = seconds(re.search(r"^TimeoutStopSec=(\S+)", UNIT.read_text(),
                                 re.M).group(1))
        drain = seconds(re.search(r"^drain-timeout = (\S+)", CONF.read_text(),
                                  re.M).group(1))
        self.assertGreaterEqual(stop, drain + 10)
        self.assertIn("KillSignal=SIGTERM", UNIT.read_text())

    def test_the_config_drains_a_job_on_sigterm_in_time(self):
        stop = seconds(re.search(r"^TimeoutStopSec=(\S+)", UNIT.read_text(),
                                 re.M).group(1))
        with tempfile.TemporaryDirectory() as tmp:
            ports = Path(tmp) / "ports"
            log = open(Path(tmp) / "node.log", "wb")
            node = subprocess.Popen(
                [TROUPE, "node", "--config", str(CONF), "--port", "0",
                 "--metrics-port", str(free_port()), "--port-file", str(ports),
                 "--test-skills"], stdout=log, stderr=subprocess.STDOUT)
            job = None
            try:
                deadline = time.monotonic() + 30
                while not (ports.exists() and ports.read_text().count("\n") >= 2):
                    self.assertIsNone(node.poll(), "the node exited")
                    self.assertLess(time.monotonic(), deadline, "node not ready")
                    time.sleep(0.05)
                address = "127.0.0.1:" + ports.read_text().split()[0]
                job = subprocess.Popen(
                    [TROUPE, "submit", "--node", address, "--skill", "sleep",
                     "--input", "1500"], stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE, text=True)
                # Stop once the job runs, as systemctl stop would.
                deadline = time.monotonic() + 30
                while True:
                    st = subprocess.run([TROUPE, "status", "--node", address,
                                         "--json"], capture_output=True,
                                        text=True, timeout=30)
                    if '"busy":1' in st.stdout:
                        break
                    self.assertLess(time.monotonic(), deadline, st.stdout)
                    time.sleep(0.05)
                node.send_signal(signal.SIGTERM)
                self.assertEqual(node.wait(timeout=stop), 0)
                out, err = job.communicate(timeout=30)
                self.assertEqual(job.returncode, 0, err)
            finally:
                for p in (node, job):
                    if p is not None and p.poll() is None:
                        p.kill()
                        p.wait()
                log.close()


if __name__ == "__main__":
    TROUPE = sys.argv.pop(1)
    unittest.main()
