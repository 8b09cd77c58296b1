"""troupe: run jobs on a troupe node, and write process skills for one.

    import troupe

    with troupe.Client("127.0.0.1:4710") as client:
        print(client.submit("upper", "hello").output)            # HELLO
        for result in client.map("echo", ["a", "b", "c"]):      # in order
            print(result.index, result.output)
        jobs = [troupe.Job("sleep", "20", tag="slow"), ("echo", "fast")]
        for result in client.as_completed(jobs, check=False):   # as they end
            print(result.tag or result.index, result.status.name)

`troupe.aio.Client` has the same calls as coroutines and async iterators.
A job that does not end OK raises its `JobError` subclass (`SkillError`,
`JobTimeout`, `Overloaded`, `BreakerOpen`, ...) unless `check=False`; a
failed call raises an `RpcError` subclass (`Unreachable`,
`Unauthenticated`, ...). `troupe.worker` serves a process skill.

The client needs Debian's python3-grpcio and python3-protobuf; the worker
SDK only python3-protobuf (the client is imported on first use).
"""

from ._version import __version__
from ._types import BreakerAction, CacheMode, Input, Job, Result, Status
from .errors import (BadInput, BreakerOpen, Cancelled, DeadlineExceeded,
                     FailedPrecondition, InternalError, InvalidArgument,
                     JobError, JobTimeout, NodeLost, NotFound, Overloaded,
                     PermissionDenied, ResourceExhausted, RpcError, SkillError,
                     TroupeError, Unauthenticated, Unimplemented,
                     UnknownSkill, Unreachable)

__all__ = [
    "__version__", "Client", "JobStream", "Job", "Result", "Status",
    "CacheMode", "BreakerAction", "Input", "TroupeError", "JobError",
    "SkillError", "JobTimeout", "Overloaded", "BreakerOpen", "UnknownSkill",
    "BadInput", "NodeLost", "Cancelled", "InternalError", "RpcError",
    "Unreachable", "Unauthenticated", "PermissionDenied", "ResourceExhausted",
    "DeadlineExceeded", "InvalidArgument", "NotFound", "FailedPrecondition",
    "Unimplemented",
]


def __getattr__(name):
    # The client needs grpc; worker processes import this package without.
    if name in ("Client", "JobStream"):
        from . import _client
        return getattr(_client, name)
    raise AttributeError(f"module 'troupe' has no attribute {name!r}")
