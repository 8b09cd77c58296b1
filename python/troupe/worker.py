"""Write troupe process skills in Python.

A process skill's worker is a long-lived child process of the node. It reads
WorkerRequest frames on stdin and answers each with a WorkerResponse frame on
stdout; a frame is a 4-byte big-endian length followed by that many bytes of
protobuf (messages/wire/troupe.proto, docs/skills.md). `serve` does the
framing, answers the node's health pings and turns exceptions into job
errors, so a skill is one function:

    from troupe import worker

    def shout(data: bytes, job: worker.JobInfo) -> bytes:
        if not data:
            raise worker.BadInput("empty input")   # the job ends BAD_INPUT
        return data.upper()                        # OK, with this output

    worker.serve(shout)

One worker may serve several skills (the node names the skill in each job):
`worker.serve({"upper": upper, "stats": stats}, text=True)`. With
`text=True` the input is decoded as UTF-8 (input that is not ends
BAD_INPUT) and a `str` output is encoded. A skill function takes the input,
and the `JobInfo` when it has a second parameter; it returns `bytes` or
`str`. Any exception other than `BadInput` fails the job with SKILL_ERROR
and its message, and the worker carries on. Print to stderr for the node's
log: stdout belongs to the protocol (`serve` sends stray prints to stderr).
The worker exits when its stdin closes (the node stopping it).

It needs only protobuf (Debian's python3-protobuf; run /usr/bin/python3),
not grpc.
"""

from __future__ import annotations

import inspect
import struct
import sys
from dataclasses import dataclass
from typing import BinaryIO, Callable, Mapping, Optional, Union

from ._proto import wire as pb
from .errors import BadInput

__all__ = ["serve", "JobInfo", "BadInput", "Skill"]


@dataclass(frozen=True)
class JobInfo:
    """What a skill learns about the job it runs, besides its input."""
    skill: str       # the skill's name in the node's config
    version: str     # the skill's version from the node's config
    timeout_ms: int  # time left before the job's deadline
    attempt: int     # 1 for the first run; 2 when retried after a crash


#: A skill function: (input) or (input, JobInfo) -> output.
Skill = Callable[..., Union[bytes, str]]

_LENGTH = struct.Struct(">I")


def _takes_job(fn: Callable) -> bool:
    """Whether `fn` takes the JobInfo as a second argument."""
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return True
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY,
                                                   p.POSITIONAL_OR_KEYWORD)]
    return len(positional) >= 2 or any(p.kind == p.VAR_POSITIONAL
                                       for p in params)


class _Dispatch:
    """Calls the right skill function with the right arguments."""

    def __init__(self, skills: Union[Skill, Mapping[str, Skill]], text: bool):
        if callable(skills):
            self.single = (skills, _takes_job(skills))
            self.table = None
        else:
            self.single = None
            self.table = {name: (fn, _takes_job(fn))
                          for name, fn in skills.items()}
        self.text = text

    def __call__(self, job) -> bytes:
        if self.single is not None:
            fn, takes_job = self.single
        else:
            entry = self.table.get(job.skill)
            if entry is None:
                raise LookupError(f"this worker does not know skill "
                                  f"'{job.skill}' (it serves "
                                  f"{', '.join(sorted(self.table))})")
            fn, takes_job = entry
        data = job.input
        if self.text:
            try:
                data = data.decode("utf-8")
            except UnicodeDecodeError as e:
                raise BadInput(f"input is not UTF-8 text ({e.reason} at byte "
                               f"{e.start})") from None
        if takes_job:
            output = fn(data, JobInfo(job.skill, job.version, job.timeout_ms,
                                      job.attempt))
        else:
            output = fn(data)
        if isinstance(output, str):
            return output.encode("utf-8")
        return bytes(output)


def answer(request, skill: Callable) -> "pb.WorkerResponse":
    """The response to one request (`skill` takes the WorkerJob)."""
    response = pb.WorkerResponse(id=request.id)
    kind = request.WhichOneof("kind")
    if kind == "ping":
        response.pong.SetInParent()
    elif kind != "job":
        response.error.message = "unknown request"
    else:
        try:
            response.output = skill(request.job)
        except BadInput as e:
            response.error.message = str(e)
            response.error.bad_input = True
        except Exception as e:  # the job fails, the worker lives on
            response.error.message = f"{type(e).__name__}: {e}"
    return response


def _read_exact(stream: BinaryIO, n: int) -> Optional[bytes]:
    data = stream.read(n)
    while data is not None and len(data) < n:
        more = stream.read(n - len(data))
        if not more:
            return None
        data += more
    return data if data else None


def serve(skills: Union[Skill, Mapping[str, Skill]], *, text: bool = False,
          stdin: Optional[BinaryIO] = None,
          stdout: Optional[BinaryIO] = None) -> None:
    """Answers the node's requests with `skills` (one function, or a dict
    of skill name to function) until stdin closes."""
    skill = _Dispatch(skills, text)
    if stdin is None:
        stdin = sys.stdin.buffer
    if stdout is None:
        stdout = sys.stdout.buffer
        # Stray prints must not corrupt the protocol: they go to the log.
        sys.stdout = sys.stderr
    request = pb.WorkerRequest()
    while True:
        prefix = _read_exact(stdin, 4)
        if prefix is None:
            return
        (length,) = _LENGTH.unpack(prefix)
        payload = _read_exact(stdin, length) if length else b""
        if payload is None:
            return
        request.Clear()
        request.ParseFromString(payload)
        out = answer(request, skill).SerializeToString()
        stdout.write(_LENGTH.pack(len(out)) + out)
        stdout.flush()
