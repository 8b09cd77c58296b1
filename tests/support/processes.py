"""Processes an integration test starts, stopped by PID at the end
whatever happens."""

import signal
import subprocess
from pathlib import Path


class Processes:
    """What the test started; `stop_all` ends each by PID (SIGTERM, then
    SIGKILL after 20 s)."""

    def __init__(self):
        self.procs = []

    def start(self, args, log: Path, **kw):
        out = open(log, "wb")
        p = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT,
                             stdin=subprocess.DEVNULL, **kw)
        out.close()
        self.procs.append(p)
        return p

    def stop_all(self):
        for p in self.procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in self.procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(timeout=10)
