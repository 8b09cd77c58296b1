"""What the sync and asyncio clients share besides the stream's
bookkeeping: their settings, and how failed calls become exceptions or
results."""

from __future__ import annotations

import time
from typing import Iterable, Optional, Union

from ._config import Config, PathOrBytes
from ._run import job_failure, refused
from ._proto import api
from ._types import Job, Result, make_result
from .errors import RpcError, rpc_error


#: Longest wait of one GetResult call.
_WAIT_CHUNK = 60.0


def run_call(channel):
    """The Run call with JobBatches sent as bytes (troupe._wire)."""
    return channel.stream_stream(
        "/troupe.v1.Troupe/Run", request_serializer=None,
        response_deserializer=api.ResultBatch.FromString)


class ClientBase:
    """`address` is "HOST:PORT" (default 127.0.0.1:4710). `token` is sent
    as `authorization: Bearer <token>` with every call (default:
    $TROUPE_TOKEN). TLS is used when `tls_ca` (the CA certificates to
    trust, a PEM path or bytes) or `tls_cert`/`tls_key` (a client
    certificate) is given, or `tls=True` (the system's CAs).
    `connect_timeout` bounds the wait for the node when (re)connecting;
    `call_timeout` bounds status and control calls. `default_timeout` is
    what the client assumes for jobs that set no timeout (the node applies
    the skill's): a job whose result has not come 10 s after its timeout
    ends TIMEOUT, and `submit`'s call deadline (which bounds the job on the
    node too) is that long; None waits for the node. `options` are more
    gRPC channel arguments."""

    def __init__(self, address: Optional[str] = None, *,
                 token: Optional[str] = None, tls: Optional[bool] = None,
                 tls_ca: PathOrBytes = None, tls_cert: PathOrBytes = None,
                 tls_key: PathOrBytes = None, connect_timeout: float = 5.0,
                 call_timeout: Optional[float] = 30.0,
                 default_timeout: Optional[float] = 60.0,
                 options: Optional[list] = None):
        self._cfg = Config(address, token, tls, tls_ca, tls_cert, tls_key,
                           connect_timeout, call_timeout, default_timeout,
                           options)
        self._ready = False
        self._closed = False
        self._setup()

    def _setup(self) -> None:
        """Whatever the flavour needs besides the settings."""

    @property
    def address(self) -> str:
        return self._cfg.address

    def __repr__(self) -> str:
        return f"{type(self).__module__.replace('._client', '')}." \
               f"{type(self).__name__}({self.address!r})"

    def _failed(self, e) -> RpcError:
        """The exception for a failed call (a grpc.RpcError or
        grpc.aio.AioRpcError); forgets the connection when it broke."""
        if e.code().name == "UNAVAILABLE":
            self._ready = False
        return rpc_error(e.code(), e.details() or "", self.address,
                         e.trailing_metadata() or ())

    @staticmethod
    def _job(skill, input, tag, timeout, priority, cache, max_attempts,
             trace, idempotency_key) -> "api.Job":
        msg = Job(skill, input, tag=tag, timeout=timeout, priority=priority,
                  cache=cache, max_attempts=max_attempts,
                  trace=trace).to_proto()
        if idempotency_key:
            msg.idempotency_key = idempotency_key
        return msg

    def _result_waits(self, job_id: str, wait: Optional[float]):
        """GetResult requests, with the timeout of each, that together wait
        `wait` seconds (None: until the job ends)."""
        deadline = None if wait is None else time.monotonic() + wait
        while True:
            left = _WAIT_CHUNK if deadline is None else \
                max(0.0, deadline - time.monotonic())
            chunk = min(left, _WAIT_CHUNK)
            request = api.GetResultRequest(id=job_id,
                                           wait_ms=round(chunk * 1000))
            yield request, chunk + (self._cfg.call_timeout or _WAIT_CHUNK)
            if deadline is not None and time.monotonic() >= deadline:
                return

    @staticmethod
    def _done(state, check: bool) -> Optional[Result]:
        if not state.done:
            return None
        result = Result(state.result)
        return result.raise_for_status() if check else result

    @staticmethod
    def _cancel_request(job_ids: Union[str, Iterable[str]]):
        ids = [job_ids] if isinstance(job_ids, str) else list(job_ids)
        return api.CancelRequest(ids=ids)

    def _job_failed(self, e, skill: str, tag: str) -> Result:
        """The result of a job whose own call failed; raises for calls the
        node refused."""
        if refused(e.code(), e.details()):
            raise self._failed(e) from None
        self._failed(e)
        status, why = job_failure(e.code(), e.details() or "", self.address)
        return make_result(status, why, skill, self.address, tag)
