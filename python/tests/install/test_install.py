"""Installing the package: pip into a venv that sees Debian's packages
(offline, no build isolation), and cmake --install."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import PYTHON_DIR, ROOT, Node, troupe_binary

# Talks to the node at argv[1] with the installed package and says where
# the package came from.
CLIENT = """
import sys, troupe, troupe.aio, troupe.worker
with troupe.Client(sys.argv[1]) as client:
    print(client.submit("echo", "hi from the venv").output)
print(troupe.__file__)
"""


def run(cmd, **kw):
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=300,
                         **kw)
    assert out.returncode == 0, f"{cmd} failed:\n{out.stdout}\n{out.stderr}"
    return out.stdout


@pytest.fixture
def address(fake, tmp_path):
    """A real node when there is a troupe binary, else the stand-in."""
    if troupe_binary() is None:
        yield fake.address
        return
    node = Node(tmp_path / "node")
    yield node.address
    node.stop()


def test_pip_installs_into_a_venv_with_the_system_packages(tmp_path, address):
    # From a copy of the sources as git has them: pip builds in place.
    src = tmp_path / "src"
    shutil.copytree(PYTHON_DIR, src, ignore=shutil.ignore_patterns(
        "__pycache__", "build", "*.egg-info", "tests"))
    venv = tmp_path / "venv"
    run(["/usr/bin/python3", "-m", "venv", "--system-site-packages",
         str(venv)])
    run([str(venv / "bin" / "pip"), "install", "--no-build-isolation",
         "--no-index", "--disable-pip-version-check", str(src)])
    out = run([str(venv / "bin" / "python"), "-c", CLIENT, address],
              cwd=tmp_path)
    said, where = out.splitlines()
    assert said == "hi from the venv"
    assert Path(where).is_relative_to(venv)
    version = run([str(venv / "bin" / "pip"), "show", "troupe"])
    assert "Version: " in version and "Requires: grpcio, protobuf" in version


def test_cmake_install_puts_the_package_where_python_finds_it(tmp_path,
                                                              address):
    build = Path(os.environ.get("TROUPE_BUILD_DIR", ROOT / "build"))
    if not (build / "cmake_install.cmake").is_file():
        pytest.skip(f"no configured build in {build}")
    prefix = tmp_path / "prefix"
    run(["cmake", "--install", str(build), "--component", "python",
         "--prefix", str(prefix)])
    found = list(prefix.glob("lib/python3*/dist-packages/troupe/__init__.py"))
    assert len(found) == 1, list(prefix.rglob("*"))
    site = found[0].parent.parent
    assert (site / "troupe" / "v1" / "troupe_pb2_grpc.py").is_file()
    assert (site / "troupe" / "wire" / "troupe_pb2.py").is_file()
    out = run([sys.executable, "-c", CLIENT, address], cwd=tmp_path,
              env=dict(os.environ, PYTHONPATH=str(site)))
    said, where = out.splitlines()
    assert said == "hi from the venv"
    assert Path(where).is_relative_to(prefix)
