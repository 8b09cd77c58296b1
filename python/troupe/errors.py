"""The exceptions of the troupe package.

Two families under `TroupeError`:

- `JobError`: a job ended with a status other than OK. There is one class
  per status (`SkillError` for SKILL_ERROR, `JobTimeout` for TIMEOUT, ...);
  each carries the job's `Result` (`.result`), whose `error` says what went
  wrong. `Client.submit` and the streams raise them unless called with
  `check=False`; `Result.raise_for_status()` raises them on demand.
- `RpcError`: the call itself failed (`Unreachable`, `Unauthenticated`,
  `PermissionDenied`, `ResourceExhausted`, ...), with the gRPC status code in
  `.code`. These say nothing about a job's outcome and are always raised.

Skill code in a worker process raises `BadInput` for input it cannot take
(`troupe.worker`); the client raises the same class for a BAD_INPUT result.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Dict, Optional, Type

if TYPE_CHECKING:  # pragma: no cover
    from ._types import Result

__all__ = [
    "TroupeError", "JobError", "SkillError", "JobTimeout", "Overloaded",
    "BreakerOpen", "UnknownSkill", "BadInput", "NodeLost", "Cancelled",
    "InternalError", "RpcError", "Unreachable", "Unauthenticated",
    "PermissionDenied", "ResourceExhausted", "DeadlineExceeded",
    "InvalidArgument", "NotFound", "FailedPrecondition", "Unimplemented",
]


class TroupeError(Exception):
    """Base of every exception the troupe package raises on purpose."""

    #: Seconds after which a retry may succeed, when the node said so.
    retry_after: Optional[float] = None


# -- a job's status -------------------------------------------------------


class JobError(TroupeError):
    """A job ended with a status other than OK; `.result` is its result
    (None only when skill code raised the exception itself)."""

    #: The `troupe.Status` name this class stands for.
    status_name = ""

    def __init__(self, message: str = "", result: Optional["Result"] = None):
        super().__init__(message)
        self.result = result
        if result is not None:
            self.retry_after = result.retry_after

    @property
    def status(self):
        """The job's `troupe.Status`."""
        from ._types import Status
        return Status[self.status_name]


class SkillError(JobError):
    """SKILL_ERROR: the skill ran and failed (or its worker died under it,
    or a process skill could not start a worker)."""
    status_name = "SKILL_ERROR"


class JobTimeout(JobError):
    """TIMEOUT: the job's deadline passed (it may have run)."""
    status_name = "TIMEOUT"


class Overloaded(JobError):
    """OVERLOADED: the node could not take the job now; it did not run.
    Retry later or elsewhere."""
    status_name = "OVERLOADED"


class BreakerOpen(JobError):
    """BREAKER_OPEN: the skill's circuit breaker is open; the job did not
    run. `retry_after` is the time (seconds) until it lets trial calls
    through, None when unknown."""
    status_name = "BREAKER_OPEN"


class UnknownSkill(JobError):
    """UNKNOWN_SKILL: no member of the cluster offers the skill."""
    status_name = "UNKNOWN_SKILL"


class BadInput(JobError):
    """BAD_INPUT: the node or the skill refused the job's input.

    Raised by skill code in a worker process (`troupe.worker`) to end the
    job BAD_INPUT with this message."""
    status_name = "BAD_INPUT"


class NodeLost(JobError):
    """NODE_LOST: the member running the job, or the connection to the
    node, was lost while the job was in flight; it may have run."""
    status_name = "NODE_LOST"


class Cancelled(JobError):
    """CANCELLED: the job was cancelled (by its client, or the node
    stopped) while queued or running; it may have run."""
    status_name = "CANCELLED"


class InternalError(JobError):
    """INTERNAL: an actor on the job's path ended and could not hand it
    on; it may have run."""
    status_name = "INTERNAL"


_JOB_ERRORS: Dict[str, Type[JobError]] = {
    cls.status_name: cls
    for cls in (SkillError, JobTimeout, Overloaded, BreakerOpen, UnknownSkill,
                BadInput, NodeLost, Cancelled, InternalError)
}


def job_error_class(status_name: str) -> Type[JobError]:
    """The exception class for a job status name (JobError if unknown)."""
    return _JOB_ERRORS.get(status_name, JobError)


# -- the call -------------------------------------------------------------


class RpcError(TroupeError):
    """A call to the node failed; `.code` is the grpc.StatusCode (None when
    the client gave up before the call was made), `.details` the node's or
    gRPC's text."""

    def __init__(self, message: str, code=None, details: str = "",
                 retry_after: Optional[float] = None):
        super().__init__(message)
        self.code = code
        self.details = details
        self.retry_after = retry_after


class Unreachable(RpcError):
    """No node answers at the address (nothing listens, the handshake
    failed, or no answer within the connect timeout), or the connection
    broke."""


class Unauthenticated(RpcError):
    """The node wants a valid bearer token (`token=` or $TROUPE_TOKEN)."""


class PermissionDenied(RpcError):
    """The token's role may not make this call."""


class ResourceExhausted(RpcError):
    """The node refused the call for now (e.g. the token is over one of its
    limits, or a message is over the node's size limit); `retry_after` says
    when a retry may succeed, None when it never will as such."""


class DeadlineExceeded(RpcError):
    """The node did not answer the call before its deadline."""


class InvalidArgument(RpcError):
    """The node refused the request as malformed."""


class NotFound(RpcError):
    """The node does not know what the request names (e.g. a skill)."""


class FailedPrecondition(RpcError):
    """The node cannot do this now or at all (e.g. `crash` on a node
    without --test-skills)."""


class Unimplemented(RpcError):
    """The node does not offer this call (an older node, or not troupe)."""


_RPC_ERRORS = {
    "UNAVAILABLE": Unreachable,
    "UNAUTHENTICATED": Unauthenticated,
    "PERMISSION_DENIED": PermissionDenied,
    "RESOURCE_EXHAUSTED": ResourceExhausted,
    "DEADLINE_EXCEEDED": DeadlineExceeded,
    "INVALID_ARGUMENT": InvalidArgument,
    "NOT_FOUND": NotFound,
    "FAILED_PRECONDITION": FailedPrecondition,
    "UNIMPLEMENTED": Unimplemented,
}

_RETRY_IN = re.compile(r"retry in ([0-9]+(?:\.[0-9]+)?) ?(us|µs|ms|s|min)\b")
_UNITS = {"us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "min": 60.0}


def retry_after_of(details: str, metadata=()) -> Optional[float]:
    """When a refusal says a retry may succeed: the `retry-after-ms`
    trailing metadata if the node sent it, else "retry in 100ms" in its
    text; None when neither."""
    for key, value in metadata or ():
        if key == "retry-after-ms":
            try:
                return int(value) / 1000.0
            except (TypeError, ValueError):
                break
    m = _RETRY_IN.search(details or "")
    if m:
        return float(m.group(1)) * _UNITS[m.group(2)]
    return None


def rpc_error(code, details: str, address: str, metadata=()) -> RpcError:
    """The exception for a failed call to the node at `address`; `code` is
    a grpc.StatusCode (or None)."""
    name = getattr(code, "name", None) or "UNKNOWN"
    cls = _RPC_ERRORS.get(name, RpcError)
    retry = retry_after_of(details, metadata) if cls is ResourceExhausted \
        else None
    if cls is Unreachable:
        message = f"cannot reach node {address} ({details or name})"
    elif cls is Unimplemented:
        message = (f"the service at {address} does not offer this call of "
                   f"troupe.v1 ({details or name})")
    else:
        message = f"node {address} refused the call: {name}" + \
            (f": {details}" if details else "")
    return cls(message, code=code, details=details, retry_after=retry)
