"""A process skill for the chaos test that records every execution.

Like the native test skill `record` (actors/skills/builtin_skills.cpp): each job
appends one line to the journal file named by $TROUPE_TEST_JOURNAL, with one
write() on an O_APPEND descriptor (lines of concurrent workers never
interleave, and the kernel keeps them if the worker or its node is killed
right after), then answers "<sha256 hex of the input> <execution id>". The
execution id is "<pid>.<µs when this process started>.<counter>", unique
across processes. An input ending in "@<N>ms" takes N ms more after the
journal line is written. Without the variable, the job fails saying so.

Run by a node as a process skill (tests/chaos/chaos.py writes the config):
    command = "/usr/bin/python3"
    args = ["-u", "<this file>"]
"""

import hashlib
import itertools
import json
import os
import re
import sys
import time
from pathlib import Path

# The troupe package of this checkout (python/).
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "python"))
from troupe import worker  # noqa: E402

JOURNAL_ENV = "TROUPE_TEST_JOURNAL"
_STARTED_US = time.time_ns() // 1000
_COUNTER = itertools.count(1)
_PAUSE = re.compile(rb"@([0-9]+)ms$")
MAX_PAUSE_MS = 3_600_000


def _text(data: bytes) -> str:
    # The native skill writes bytes that are not UTF-8 as \u00XX escapes of
    # the byte value: latin-1 decoding gives the same JSON.
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def record(data: bytes, job: worker.JobInfo) -> str:
    path = os.environ.get(JOURNAL_ENV, "")
    if not path:
        raise RuntimeError(f"{job.skill} needs the environment variable "
                           f"{JOURNAL_ENV} to name its journal file on the node")
    exec_id = f"{os.getpid()}.{_STARTED_US}.{next(_COUNTER)}"
    line = json.dumps({"skill": job.skill, "input": _text(data),
                       "exec": exec_id, "us": time.time_ns() // 1000},
                      separators=(",", ":"), ensure_ascii=False) + "\n"
    payload = line.encode("utf-8")
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC,
                 0o644)
    try:
        if os.write(fd, payload) != len(payload):
            raise RuntimeError(f"short write to the journal {path}")
    finally:
        os.close(fd)
    pause = _PAUSE.search(data)
    if pause and int(pause.group(1)) <= MAX_PAUSE_MS:
        time.sleep(int(pause.group(1)) / 1000)
    return hashlib.sha256(data).hexdigest() + " " + exec_id


if __name__ == "__main__":
    worker.serve(record)
