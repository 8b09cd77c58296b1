"""Jobs, results and their enums: what the sync and asyncio clients share."""

from __future__ import annotations

import enum
from typing import Any, Dict, Optional, Union

from . import _wire
from ._proto import api
from .errors import JobError, job_error_class

__all__ = ["Status", "CacheMode", "BreakerAction", "Job", "Result", "Input"]

#: A job's input: text (`str`, sent as `input`) or anything else (`bytes`,
#: sent as `input_bytes`).
Input = Union[str, bytes]


class Status(enum.IntEnum):
    """A job's terminal status (troupe.v1.JobStatus)."""
    OK = 1
    SKILL_ERROR = 2
    TIMEOUT = 3
    OVERLOADED = 4
    BREAKER_OPEN = 5
    UNKNOWN_SKILL = 6
    BAD_INPUT = 7
    NODE_LOST = 8
    CANCELLED = 9
    INTERNAL = 10


class CacheMode(enum.IntEnum):
    """How a job uses the result cache (troupe.v1.CacheMode)."""
    DEFAULT = 0  # the skill's cache policy
    BYPASS = 1   # neither read nor write the cache
    REFRESH = 2  # recompute and replace the cached entry


class BreakerAction(enum.IntEnum):
    """An operator's command for a skill's circuit breaker."""
    SHOW = 0
    FORCE_OPEN = 1   # reject every job until reset
    FORCE_CLOSE = 2  # let every job through, never trip, until reset
    RESET = 3        # closed, with an empty window


def _enum(cls, value, what: str):
    if isinstance(value, str):
        try:
            return cls[value.upper().replace("-", "_")]
        except KeyError:
            pass
    else:
        try:
            return cls(value)
        except ValueError:
            pass
    names = ", ".join(m.name.lower() for m in cls)
    raise ValueError(f"{what} must be one of {names}, got {value!r}")


def _millis(seconds: Optional[float], what: str) -> int:
    if seconds is None:
        return 0
    if seconds <= 0:
        raise ValueError(f"{what} must be positive, got {seconds!r}")
    return max(1, round(seconds * 1000))


class Job:
    """A job to run: a skill, its input and options.

    `input` is `str` (text) or `bytes`-like; `timeout` is in seconds (None:
    the skill's timeout, else the node's default); `tag` comes back in the
    job's result; higher `priority` runs first; `cache` is a `CacheMode`
    (or "default", "bypass", "refresh"); `max_attempts` counts the first
    (0: the skill's); `trace` is the job's correlation id on every log line
    about it (0: the node picks one).
    """

    __slots__ = ("skill", "input", "tag", "timeout", "priority", "cache",
                 "max_attempts", "trace")

    def __init__(self, skill: str, input: Input = b"", *, tag: str = "",
                 timeout: Optional[float] = None, priority: int = 0,
                 cache: Union[CacheMode, str, int] = CacheMode.DEFAULT,
                 max_attempts: int = 0, trace: int = 0):
        self.skill = skill
        self.input = input
        self.tag = tag
        self.timeout = timeout
        self.priority = priority
        self.cache = cache
        self.max_attempts = max_attempts
        self.trace = trace

    def __repr__(self) -> str:
        return f"Job({self.skill!r}, {self.input!r}, tag={self.tag!r})"

    def wire_fields(self) -> bytes:
        """The job's fields besides input and ref, encoded (a stream's)."""
        return _wire.job_fields(
            self.skill, self.tag,
            0 if self.timeout is None else _millis(self.timeout, "timeout"),
            self.priority, int(_enum(CacheMode, self.cache, "cache")),
            self.max_attempts, self.trace)

    def to_proto(self, ref: int = 0) -> "api.Job":
        """The troupe.v1.Job message (what goes on the wire)."""
        msg = api.Job(skill=self.skill, ref=ref, tag=self.tag)
        set_input(msg, self.input)
        set_options(msg, self.timeout, self.priority, self.cache,
                    self.max_attempts, self.trace)
        return msg


def set_input(msg, data: Input) -> None:
    """Puts `data` in a Job message: text as `input`, else `input_bytes`."""
    if type(data) is str:
        msg.input = data
    elif isinstance(data, (bytes, bytearray, memoryview)):
        msg.input_bytes = bytes(data)
    else:
        raise TypeError(f"a job's input is str or bytes, not "
                        f"{type(data).__name__}")


def set_options(msg, timeout, priority, cache, max_attempts, trace) -> None:
    """Sets a Job message's options that differ from their defaults."""
    if timeout is not None:
        msg.timeout_ms = _millis(timeout, "timeout")
    if priority:
        msg.priority = priority
    if cache:
        msg.cache = int(_enum(CacheMode, cache, "cache"))
    if max_attempts:
        msg.max_attempts = max_attempts
    if trace:
        msg.trace = trace


def breaker_action(action: Union[BreakerAction, str, int]) -> BreakerAction:
    return _enum(BreakerAction, action, "a breaker action")


def job_timeout(timeout: Optional[float], default: Optional[float]):
    """The timeout (seconds) the client's own timer uses for a job."""
    return timeout if timeout is not None else default


_STATUS = {int(s): s for s in Status}


class Result:
    """A job's terminal result.

    `status` is a `Status`; `ok` is True for OK. `output` is `str` when the
    skill's output is text and `bytes` otherwise (None when there is none,
    e.g. a failed job); `error` says what went wrong. `index` is the job's
    position in the inputs of `map` or `as_completed` (None for `submit`).
    Results made by the client itself (the connection broke, no answer by
    the deadline) name the node's address in `node`.

    The underlying troupe.v1.JobResult message is `proto`.
    """

    __slots__ = ("proto", "index")

    def __init__(self, proto: "api.JobResult", index: Optional[int] = None):
        self.proto = proto
        self.index = index

    @property
    def id(self) -> str:
        """A detached job's id ("<number>-<run>@<member>"); empty otherwise."""
        return self.proto.id

    @property
    def status(self) -> Status:
        return _STATUS.get(self.proto.status) or Status.INTERNAL

    @property
    def ok(self) -> bool:
        return self.proto.status == 1

    @property
    def output(self) -> Optional[Input]:
        kind = self.proto.WhichOneof("payload")
        if kind is None:
            return None
        return getattr(self.proto, kind)

    @property
    def error(self) -> str:
        return self.proto.error

    @property
    def skill(self) -> str:
        return self.proto.skill

    @property
    def node(self) -> str:
        return self.proto.node

    @property
    def tag(self) -> str:
        return self.proto.tag

    @property
    def queue_us(self) -> int:
        return self.proto.queue_us

    @property
    def run_us(self) -> int:
        return self.proto.run_us

    @property
    def cache_hit(self) -> bool:
        return self.proto.cache_hit

    @property
    def attempts(self) -> int:
        return self.proto.attempts

    @property
    def fallback(self) -> str:
        return self.proto.fallback

    @property
    def retry_after(self) -> Optional[float]:
        """With BREAKER_OPEN: seconds until the breaker lets trial calls
        through; None when unknown."""
        ms = self.proto.retry_after_ms
        return ms / 1000.0 if ms else None

    def exception(self) -> Optional[JobError]:
        """The exception this result stands for; None when it is OK."""
        if self.proto.status == 1:
            return None
        status = self.status
        cls = job_error_class(status.name)
        what = f"{self.skill}: " if self.skill else ""
        return cls(f"{what}{status.name}: {self.error}", self)

    def raise_for_status(self) -> "Result":
        """Raises the `JobError` subclass of the status unless it is OK;
        returns the result itself, for chaining."""
        if self.proto.status != 1:
            raise self.exception()
        return self

    def to_dict(self) -> Dict[str, Any]:
        """The result as the CLI's `submit --json` shows it."""
        out = self.output
        return {"id": self.id, "status": self.status.name,
                "skill": self.skill,
                "output": out, "error": self.error, "node": self.node,
                "tag": self.tag, "queue_us": self.queue_us,
                "run_us": self.run_us, "cache_hit": self.cache_hit,
                "attempts": self.attempts, "fallback": self.fallback,
                "retry_after_ms": self.proto.retry_after_ms,
                "index": self.index}

    def __repr__(self) -> str:
        if self.ok:
            return f"<Result OK {self.skill} {self.output!r}>"
        return f"<Result {self.status.name} {self.skill} {self.error!r}>"


def make_result(status: Status, error: str, skill: str, node: str,
                tag: str = "", ref: int = 0,
                index: Optional[int] = None) -> Result:
    """A result made by the client (no node answered for the job)."""
    return Result(api.JobResult(status=int(status), error=error, skill=skill,
                                node=node, tag=tag, ref=ref), index)
