"""Write troupe process skills in Python.

A process skill's worker is a long-lived child process of the node. It reads
WorkerRequest frames on stdin and answers each with a WorkerResponse frame on
stdout; a frame is a 4-byte big-endian length followed by that many bytes of
protobuf (messages/wire/troupe.proto, docs/skills.md). This module does the
framing, answers the node's health pings and turns exceptions into job
errors, so a skill is one function:

    import troupe_worker

    def shout(data: bytes, job: troupe_worker.Job) -> bytes:
        return data.upper()

    troupe_worker.serve(shout)

Raise `BadInput` for input the skill cannot take (the job ends BAD_INPUT);
any other exception fails the job with SKILL_ERROR and its message, and the
worker carries on. Print to stderr for the node's log; stdout belongs to the
protocol. The worker exits when its stdin closes (the node stopping it).

It needs Debian's python3-protobuf (run it with /usr/bin/python3) and
troupe_pb2.py, which the build generates in build/python (the install puts
both files in share/troupe/python). If troupe_pb2 is not on the import path,
this module looks in $TROUPE_PYTHON_PATH, then in the build/python directory
of the source tree it sits in.
"""

import os
import struct
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable


def _import_troupe_pb2():
    try:
        import troupe_pb2
        return troupe_pb2
    except ImportError:
        pass
    candidates = []
    if os.environ.get("TROUPE_PYTHON_PATH"):
        candidates.append(Path(os.environ["TROUPE_PYTHON_PATH"]))
    candidates.append(Path(__file__).resolve().parents[2] / "build" / "python")
    for path in candidates:
        if (path / "troupe_pb2.py").is_file():
            sys.path.insert(0, str(path))
            import troupe_pb2
            return troupe_pb2
    raise ImportError(
        "troupe_pb2 not found: build troupe (it generates build/python/"
        "troupe_pb2.py) or set TROUPE_PYTHON_PATH to its directory")


pb = _import_troupe_pb2()


class BadInput(Exception):
    """The job's input is invalid: the job ends BAD_INPUT with this message."""


@dataclass
class Job:
    """What a skill learns about the job it runs, besides its input."""
    skill: str       # the skill's name in the node's config
    version: str     # the skill's version from the node's config
    timeout_ms: int  # time left before the job's deadline
    attempt: int     # 1 for the first run; 2 when retried after a crash


def _read_exact(stream, n):
    data = b""
    while len(data) < n:
        chunk = stream.read(n - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def _write_frame(stream, message):
    payload = message.SerializeToString()
    stream.write(struct.pack(">I", len(payload)) + payload)
    stream.flush()


def _answer(request, skill):
    response = pb.WorkerResponse(id=request.id)
    kind = request.WhichOneof("kind")
    if kind == "ping":
        response.pong.SetInParent()
        return response
    if kind != "job":
        response.error.message = "unknown request"
        return response
    job = request.job
    try:
        output = skill(job.input, Job(job.skill, job.version, job.timeout_ms,
                                      job.attempt))
        if isinstance(output, str):
            output = output.encode()
        response.output = bytes(output)
    except BadInput as e:
        response.error.message = str(e)
        response.error.bad_input = True
    except Exception as e:  # the job fails, the worker lives on
        response.error.message = f"{type(e).__name__}: {e}"
    return response


def serve(skill: Callable[[bytes, Job], bytes]) -> None:
    """Answers the node's requests with `skill` until stdin closes."""
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    # Stray prints must not corrupt the protocol: they go to the log.
    sys.stdout = sys.stderr
    while True:
        prefix = _read_exact(stdin, 4)
        if prefix is None:
            return
        (length,) = struct.unpack(">I", prefix)
        payload = _read_exact(stdin, length)
        if payload is None:
            return
        request = pb.WorkerRequest()
        request.ParseFromString(payload)
        _write_frame(stdout, _answer(request, skill))
