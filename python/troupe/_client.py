"""The synchronous client: `troupe.Client`."""

from __future__ import annotations

import atexit
import functools
import threading
import time
import weakref
from collections import deque
from typing import Iterable, Iterator, List, Optional, Union

from . import _run
from ._base import ClientBase, run_call
from ._config import FAILED, READY, grpc
from ._proto import api
from ._run import MAX_BATCH_JOBS, JobsSource, MapSource, RunState
from ._types import (BreakerAction, CacheMode, Input, Job, Result,
                     breaker_action, job_timeout)
from .v1 import troupe_pb2_grpc

__all__ = ["Client", "JobStream"]

#: Clients not closed yet: closed at exit, while gRPC's threads still run
#: (a channel left to the interpreter's teardown can hang it).
_OPEN: "weakref.WeakSet[Client]" = weakref.WeakSet()


@atexit.register
def _close_open_clients() -> None:
    for client in list(_OPEN):
        client.close()


#: Longest wait for results before checking for signals (Ctrl-C).
_POLL = 0.5

#: Jobs a stream keeps in flight by default: enough to keep a node's
#: workers and the wire busy, far below a node's default queue (10,000).
DEFAULT_CONCURRENCY = 2048


class Client(ClientBase):
    __doc__ = """A connection to one troupe node's client port (troupe.v1).

    Client(address="127.0.0.1:4710", *, token=None, tls=None, tls_ca=None,
           tls_cert=None, tls_key=None, connect_timeout=5.0,
           call_timeout=30.0, default_timeout=60.0, options=None)

    """ + ClientBase.__doc__ + """

    Nothing connects until the first call. The client is thread-safe; use
    it as a context manager or call `close()`, which cancels its streams.
    """

    def _setup(self) -> None:
        self._channel = self._cfg.channel(grpc)
        self._stub = troupe_pb2_grpc.TroupeStub(self._channel)
        self._run_call = run_call(self._channel)
        self._unsubscribed = 0.0
        self._streams: "weakref.WeakSet[_Engine]" = weakref.WeakSet()
        _OPEN.add(self)

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Cancels the client's streams (their jobs in flight end
        CANCELLED on the node) and closes the connection."""
        if self._closed:
            return
        self._closed = True
        for engine in list(self._streams):
            engine.close()
        # gRPC's thread that watched the connection for `wait_ready` polls
        # for up to 0.2 s more, and fails if the channel closes under it.
        linger = self._unsubscribed + 0.25 - time.monotonic()
        if linger > 0:
            time.sleep(linger)
        self._channel.close()

    # -- connecting -----------------------------------------------------

    def wait_ready(self, timeout: Optional[float] = None) -> None:
        """Connects now; raises `Unreachable` when no node answers within
        `timeout` (default: connect_timeout) or the connection fails."""
        if self._closed:
            raise ValueError("the client is closed")
        timeout = self._cfg.connect_timeout if timeout is None else timeout
        done = threading.Event()
        seen = []

        def on_change(state):
            seen.append(state)
            if state == READY or state in FAILED:
                done.set()

        self._channel.subscribe(on_change, try_to_connect=True)
        try:
            done.wait(timeout)
        finally:
            self._channel.unsubscribe(on_change)
            self._unsubscribed = time.monotonic()
        if seen and seen[-1] == READY:
            self._ready = True
            return
        if seen and seen[-1] in FAILED:
            raise self._cfg.unreachable("the connection or its handshake "
                                        "failed")
        raise self._cfg.unreachable(f"no handshake within {timeout:g} s")

    def _connect(self) -> None:
        if not self._ready:
            self.wait_ready()

    def _call(self, method, request, timeout="default"):
        self._connect()
        if timeout == "default":
            timeout = self._cfg.call_timeout
        try:
            return method(request, timeout=timeout,
                          metadata=self._cfg.metadata)
        except grpc.RpcError as e:
            raise self._failed(e) from None

    # -- jobs -----------------------------------------------------------

    def submit(self, skill: str, input: Input = b"", *, tag: str = "",
               timeout: Optional[float] = None, priority: int = 0,
               cache: Union[CacheMode, str] = CacheMode.DEFAULT,
               max_attempts: int = 0, trace: int = 0,
               idempotency_key: str = "", check: bool = True) -> Result:
        """Runs one job and returns its `Result`.

        With `check` (the default) a job that did not end OK raises its
        `JobError` subclass (`SkillError`, `JobTimeout`, ...), which holds
        the result; `check=False` returns every result. Interrupting the
        call (Ctrl-C) cancels the job. See `Job` for the options. A retry
        with the same `idempotency_key` (after a lost answer, NODE_LOST)
        gets the first job's result instead of running it again.
        """
        msg = self._job(skill, input, tag, timeout, priority, cache,
                        max_attempts, trace, idempotency_key)
        self._connect()
        wait = job_timeout(timeout, self._cfg.default_timeout)
        future = self._stub.Submit.future(
            msg, timeout=_run.result_deadline(wait),
            metadata=self._cfg.metadata)
        try:
            result = Result(future.result())
        except grpc.RpcError as e:
            result = self._job_failed(e, skill, tag)
        except BaseException:
            future.cancel()
            raise
        return result.raise_for_status() if check else result

    def submit_detached(self, skill: str, input: Input = b"", *,
                        tag: str = "", timeout: Optional[float] = None,
                        priority: int = 0,
                        cache: Union[CacheMode, str] = CacheMode.DEFAULT,
                        max_attempts: int = 0, trace: int = 0,
                        idempotency_key: str = "") -> "api.JobTicket":
        """Starts a job that outlives the call (and this client) and
        returns its ticket at once: `id`, `tag`, and `existing` (the
        idempotency key named a job submitted before: this is its id).
        `result(id)` fetches the result, from any client with the same
        token, within the node's result retention (10 min by default)."""
        return self._call(self._stub.SubmitDetached, self._job(
            skill, input, tag, timeout, priority, cache, max_attempts, trace,
            idempotency_key))

    def result(self, job_id: str, *, wait: Optional[float] = None,
               check: bool = True) -> Optional[Result]:
        """A detached job's `Result`, waiting until it ends (`wait` None)
        or at most `wait` seconds (0: not at all), then None if it has not
        ended. `check` as in `submit`; an unknown or expired id raises
        `NotFound`."""
        for request, timeout in self._result_waits(job_id, wait):
            result = self._done(self._call(self._stub.GetResult, request,
                                           timeout), check)
            if result is not None:
                return result
        return None

    def cancel(self, job_ids: Union[str, Iterable[str]]) -> int:
        """Cancels detached jobs by id; answers how many had not ended
        (each ends CANCELLED unless it ends first)."""
        return self._call(self._stub.Cancel,
                          self._cancel_request(job_ids)).cancelled

    def map(self, skill: str, inputs: Iterable[Input], *,
            timeout: Optional[float] = None, priority: int = 0,
            cache: Union[CacheMode, str] = CacheMode.DEFAULT,
            max_attempts: int = 0, trace: int = 0,
            concurrency: int = DEFAULT_CONCURRENCY,
            batch: int = MAX_BATCH_JOBS, check: bool = True) -> "JobStream":
        """Runs `skill` on each of `inputs` and yields the `Result`s in the
        order of the inputs (`result.index` is the position).

        Jobs go out on one stream, `batch` per message, with at most
        `concurrency` sent and not yet yielded; inputs are read as the
        window allows, so `inputs` may be a long generator. With `check`
        (the default) the first job that did not end OK raises its
        `JobError` and cancels the rest; `check=False` yields every result.
        Leaving the loop early, `close()` or Ctrl-C cancel the jobs in
        flight.
        """
        source = MapSource(inputs, skill, timeout, priority, cache,
                           max_attempts, trace,
                           job_timeout(timeout, self._cfg.default_timeout))
        return JobStream(self, source, True, concurrency, batch, check)

    def as_completed(self, jobs: Iterable[Union[Job, tuple]], *,
                     concurrency: int = DEFAULT_CONCURRENCY,
                     batch: int = MAX_BATCH_JOBS,
                     check: bool = True) -> "JobStream":
        """Runs `jobs` (`Job`s, or (skill, input) tuples) and yields their
        `Result`s as they finish; `result.index` is the job's position in
        `jobs`, `result.tag` its tag. Otherwise as `map`."""
        source = JobsSource(jobs, self._cfg.default_timeout)
        return JobStream(self, source, False, concurrency, batch, check)

    # -- the node -------------------------------------------------------

    def skills(self) -> List["api.SkillInfo"]:
        """The node's skills (troupe.v1.SkillInfo messages)."""
        return list(self._call(self._stub.ListSkills,
                               api.ListSkillsRequest()).skills)

    def status(self) -> "api.NodeStatus":
        """The node's status (a troupe.v1.NodeStatus message)."""
        return self._call(self._stub.GetStatus, api.GetStatusRequest())

    def watch_status(self, interval: float = 1.0
                     ) -> Iterator["api.NodeStatus"]:
        """Yields the node's status now and again whenever it changes, at
        most once per `interval` seconds; closing the iterator ends the
        call."""
        request = api.WatchStatusRequest(interval_ms=max(1, round(
            interval * 1000)))
        return _Watch(self, request)

    def breaker(self, skill: str,
                action: Union[BreakerAction, str] = BreakerAction.SHOW
                ) -> "api.BreakerStatus":
        """Shows or commands a skill's circuit breaker ("show",
        "force_open", "force_close", "reset"); returns its status after."""
        request = api.BreakerRequest(skill=skill,
                                     action=int(breaker_action(action)))
        return self._call(self._stub.Breaker, request)

    def drain(self) -> "api.DrainReply":
        """Makes the node drain: it leaves its cluster, refuses new jobs,
        lets those in flight finish and exits."""
        return self._call(self._stub.Drain, api.DrainRequest())

    def crash(self, target: str) -> "api.CrashReply":
        """Test hook of nodes started with --test-skills: crashes the actor
        at `target` (e.g. "router", "skills/echo")."""
        return self._call(self._stub.Crash, api.CrashRequest(target=target))


class _Watch:
    """The iterator of `Client.watch_status`."""

    def __init__(self, client: Client, request):
        self._client = client
        self._request = request
        self._call = None

    def __iter__(self):
        return self

    def __next__(self) -> "api.NodeStatus":
        if self._call is None:
            self._client._connect()
            self._call = self._client._stub.WatchStatus(
                self._request, metadata=self._client._cfg.metadata)
        try:
            return next(self._call)
        except grpc.RpcError as e:
            if e.code() == grpc.StatusCode.CANCELLED and \
                    self._call.cancelled():
                raise StopIteration from None
            raise self._client._failed(e) from None
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        if self._call is not None:
            self._call.cancel()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        self.close()


class JobStream:
    """The results of `Client.map` or `Client.as_completed`: an iterator
    of `Result`s over one Run stream, whose jobs start at once.

    `cancel(index)` cancels one job (its result, CANCELLED unless it
    finished first, still comes); `cancel()` cancels every job in flight
    and the jobs not sent yet, whose results then come CANCELLED.
    `close()` ends the stream at once: the node cancels the jobs in flight
    and no more results come. Leaving a `with` block or dropping the
    iterator closes it.
    """

    def __init__(self, client: Client, source, ordered: bool,
                 concurrency: int, batch: int, check: bool):
        state = RunState(source, address=client.address, ordered=ordered,
                         concurrency=concurrency, batch=batch)
        self._engine = _Engine(client, state)
        self._buf: deque = deque()
        self._check = check
        self._engine.start()

    def __iter__(self) -> "JobStream":
        return self

    def __next__(self) -> Result:
        if self._buf:
            r = self._buf.popleft()
        else:
            results = self._engine.fetch()
            r = results[0]
            self._buf.extend(results[1:])
        if self._check and r.proto.status != 1:
            self.close()
            raise r.exception()
        return r

    def cancel(self, index: Optional[int] = None) -> None:
        """Cancels the job at `index` of the inputs, or every job."""
        self._engine.cancel(None if index is None else index + 1)

    def close(self) -> None:
        self._engine.close()

    @property
    def sent(self) -> int:
        """Jobs taken from the inputs so far."""
        return self._engine.state.taken

    @property
    def in_flight(self) -> int:
        """Jobs sent whose results have not come."""
        return len(self._engine.state.flights)

    def __enter__(self) -> "JobStream":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self):
        engine = getattr(self, "_engine", None)
        if engine is not None:
            engine.close()


class _Engine:
    """The threads of one stream: gRPC's request thread sends (`requests`),
    a reader thread takes results in, and the caller's thread takes them
    out (`fetch`); all under one condition. Holds no reference to the
    `JobStream`, so that dropping it closes the stream."""

    def __init__(self, client: Client, state: RunState):
        self.client = client
        self.state = state
        self.cond = threading.Condition()
        self.source_lock = threading.Lock()
        self.call = None
        self.closed = False
        self.sender_waiting = False

    def start(self) -> None:
        self.client._connect()
        self.client._streams.add(self)
        self.call = self.client._run_call(
            self.requests(), metadata=self.client._cfg.metadata)
        threading.Thread(target=self.read, name="troupe-results",
                         daemon=True).start()

    # -- the caller's thread --------------------------------------------

    def fetch(self) -> List[Result]:
        """The next results (at least one); raises StopIteration at the
        end, the stream's error if it failed."""
        try:
            if self.closed:
                raise StopIteration
            while True:
                out = self._wait()
                if out is not None:
                    return out
                with self.source_lock, self.cond:
                    if self.state.needs_drain():
                        out = self.state.drain()
                        if out:
                            return out
        except BaseException:
            self.close()
            raise

    def _wait(self) -> Optional[List[Result]]:
        """Results once there are some; None when the jobs not sent are
        due (`drain`)."""
        st, cond, clock = self.state, self.cond, self.state.clock
        with cond:
            while True:
                deadline = st.next_deadline()
                if deadline is not None and deadline <= clock():
                    self._cancel_calls(st.expire(clock()))
                    cond.notify_all()
                out = st.pop_ready()
                if out:
                    if self.sender_waiting and st.plan():
                        cond.notify_all()
                    return out
                if st.error is not None:
                    raise st.error
                if st.finished() or self.closed:
                    raise StopIteration
                if st.needs_drain():
                    return None
                # Waking up now and then lets Ctrl-C through, whichever
                # thread the signal reached.
                deadline = st.next_deadline()
                cond.wait(_POLL if deadline is None else
                          min(_POLL, max(0.0, deadline - clock())))

    def cancel(self, ref: Optional[int]) -> None:
        with self.cond:
            calls = self.state.cancel(ref)
            self.cond.notify_all()
        self._cancel_calls(calls)

    def close(self) -> None:
        with self.cond:
            if self.closed:
                return
            self.closed = True
            # A stream whose jobs all ended finishes by itself.
            done = self.state.all_answered()
            calls = list(self.state.unary.values())
            self.cond.notify_all()
        if self.call is not None and not done:
            self.call.cancel()
        self._cancel_calls(calls)

    @staticmethod
    def _cancel_calls(calls) -> None:
        for call in calls:
            call.cancel()

    # -- gRPC's request thread ------------------------------------------

    def requests(self):
        """The stream's messages: jobs as the window allows, and
        cancellations. Ends (half-closes the stream) once every job sent
        has its result and no more are to come."""
        st, cond = self.state, self.cond
        while True:
            with cond:
                while True:
                    if self.closed or st.stream_over or st.error is not None:
                        return
                    n = st.plan()
                    if n or st.cancels:
                        break
                    if st.all_answered():
                        return
                    self.sender_waiting = True
                    cond.wait()
                    self.sender_waiting = False
                cancels = st.take_cancels()
            jobs, large, taken = b"", (), None
            if n:
                try:
                    with self.source_lock:
                        jobs, large, taken = st.build(n)
                except BaseException as e:  # the caller's inputs failed
                    with cond:
                        if st.error is None:
                            st.error = e
                        cond.notify_all()
                    return
            with cond:
                if taken is not None and \
                        not st.commit(taken, time.monotonic()):
                    jobs, large = b"", ()
                for ref, msg, info in large:
                    self._submit_alone(ref, msg, info)
                cond.notify_all()
            if jobs or cancels:
                yield jobs + cancels  # a JobBatch, encoded

    def _submit_alone(self, ref: int, msg, info) -> None:
        """A job too large for the stream's messages, in its own call."""
        timeout = info[2]
        future = self.client._stub.Submit.future(
            msg, timeout=_run.result_deadline(timeout),
            metadata=self.client._cfg.metadata)
        self.state.unary[ref] = future
        future.add_done_callback(functools.partial(self._alone_done, ref))

    def _alone_done(self, ref: int, future) -> None:
        with self.cond:
            try:
                self.state.accept_unary(ref, future.result())
            except grpc.FutureCancelledError:
                self.state.fail_unary(ref, grpc.StatusCode.CANCELLED, "")
            except grpc.RpcError as e:
                self.state.fail_unary(ref, e.code(), e.details() or "")
            self.cond.notify_all()

    # -- the reader thread ----------------------------------------------

    def read(self) -> None:
        st, cond = self.state, self.cond
        code, details, metadata = None, "", ()
        try:
            for batch in self.call:
                with cond:
                    st.accept(batch.results)
                    cond.notify_all()
        except grpc.RpcError as e:
            code, details = e.code(), e.details() or ""
            metadata = e.trailing_metadata() or ()
            if code == grpc.StatusCode.UNAVAILABLE:
                self.client._ready = False
        except BaseException as e:  # pragma: no cover - a bug
            code, details = grpc.StatusCode.UNKNOWN, repr(e)
        with cond:
            if self.closed:
                st.stream_over = True
            else:
                st.end_stream(code, details, metadata)
            cond.notify_all()
