"""Shared fixtures of the troupe package's tests.

Run with Debian's python3 (it has grpcio, protobuf and pytest):
    /usr/bin/python3 -m pytest python/tests          # or one of its folders
unit/ needs no node (tests/fake_node.py stands in); node/ starts real nodes
(the troupe binary: $TROUPE_BINARY, default build/bin/troupe; skipped when
neither is there); install/ installs the package (pip into a venv, and
cmake --install with $TROUPE_BUILD_DIR, default build/).
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

PYTHON_DIR = Path(__file__).resolve().parents[1]
ROOT = PYTHON_DIR.parent
# The package of this checkout, not one installed elsewhere.
sys.path.insert(0, str(PYTHON_DIR))

from fake_node import FakeNode  # noqa: E402


def wait_for(predicate, timeout=20.0, what="condition"):
    """Polls `predicate` until it returns something true; fails after
    `timeout` seconds."""
    deadline = time.monotonic() + timeout
    delay = 0.005
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for "
                                 f"{what}")
        time.sleep(delay)
        delay = min(delay * 2, 0.1)


@pytest.fixture
def fake():
    node = FakeNode()
    yield node
    node.stop()


def troupe_binary():
    """The troupe executable, or None when there is none to test with."""
    path = os.environ.get("TROUPE_BINARY")
    if path:
        return Path(path)  # set by ctest: it must be there
    path = ROOT / "build" / "bin" / "troupe"
    return path if path.is_file() else None


class Node:
    """A `troupe node` process on free ports, stopped by `stop()`."""

    def __init__(self, workdir: Path, *args: str):
        binary = troupe_binary()
        if binary is None:
            pytest.skip("no troupe binary (set TROUPE_BINARY or build "
                        "build/bin/troupe)")
        workdir.mkdir(parents=True, exist_ok=True)
        self.port_file = workdir / "ports"
        self.log_path = workdir / "node.log"
        cmd = [str(binary), "node", "--host", "127.0.0.1", "--port", "0",
               "--port-file", str(self.port_file), *args]
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(cmd, stdout=log,
                                         stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL)
        # Line 1 of the port file: the client port (line 2: the cluster's).
        try:
            port = wait_for(self._port, 20.0, "the node's port file")
        except AssertionError:
            self.stop()
            raise AssertionError(f"the node did not start:\n{self.log()}")
        self.address = f"127.0.0.1:{port}"

    def _port(self):
        if self.proc.poll() is not None:
            raise AssertionError(f"the node exited with "
                                 f"{self.proc.returncode}:\n{self.log()}")
        try:
            first = self.port_file.read_text().splitlines()[0]
        except (OSError, IndexError):
            return None
        return int(first) if first.strip().isdigit() else None

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        return self.proc.returncode


@pytest.fixture(scope="module")
def node(tmp_path_factory):
    """A node with the test skills, shared by a module's tests."""
    n = Node(tmp_path_factory.mktemp("node"), "--test-skills")
    yield n
    n.stop()


@pytest.fixture
def fresh_node(tmp_path):
    """A node of one's own (for tests that drain or break it)."""
    started = []

    def start(*args):
        n = Node(tmp_path / f"node{len(started)}", *args)
        started.append(n)
        return n
    yield start
    for n in started:
        n.stop()
