"""The asyncio client: `troupe.aio.Client`, with the calls of
`troupe.Client` as coroutines and async iterators (grpc.aio).

    import asyncio, troupe.aio

    async def main():
        async with troupe.aio.Client("127.0.0.1:4710") as client:
            print((await client.submit("upper", "hello")).output)
            async for result in client.map("echo", ["a", "b", "c"]):
                print(result.index, result.output)

    asyncio.run(main())

`map` and `as_completed` take sync or async iterables. Cancelling the task
that awaits a call or iterates a stream cancels its jobs.
"""

from __future__ import annotations

import asyncio
import weakref
from typing import (AsyncIterable, AsyncIterator, Iterable, List, Optional,
                    Union)

from ._client import DEFAULT_CONCURRENCY
from . import _run
from ._base import ClientBase, run_call
from ._config import FAILED, READY, grpc
from ._proto import api
from ._run import MAX_BATCH_JOBS, JobsSource, MapSource, RunState
from ._types import (BreakerAction, CacheMode, Input, Result,
                     breaker_action, job_timeout)
from .v1 import troupe_pb2_grpc

__all__ = ["Client", "JobStream"]


class Client(ClientBase):
    """The asyncio twin of `troupe.Client` (same arguments). Create it
    anywhere; it connects on its first call, in the running event loop,
    and belongs to that loop. Close it with `await client.close()` or
    `async with`."""

    def _setup(self) -> None:
        self._channel = None
        self._stub = None
        self._streams: "weakref.WeakSet[_Engine]" = weakref.WeakSet()

    async def __aenter__(self) -> "Client":
        return self

    async def __aexit__(self, *exc) -> None:
        await self.close()

    async def close(self) -> None:
        """Cancels the client's streams and closes the connection."""
        if self._closed:
            return
        self._closed = True
        for stream in list(self._streams):
            stream.close()
        if self._channel is not None:
            await self._channel.close()

    # -- connecting -----------------------------------------------------

    async def wait_ready(self, timeout: Optional[float] = None) -> None:
        """Connects now; raises `Unreachable` when no node answers within
        `timeout` (default: connect_timeout) or the connection fails."""
        if self._closed:
            raise ValueError("the client is closed")
        if self._channel is None:
            self._channel = self._cfg.channel(grpc.aio)
            self._stub = troupe_pb2_grpc.TroupeStub(self._channel)
            self._run_call = run_call(self._channel)
        timeout = self._cfg.connect_timeout if timeout is None else timeout
        channel = self._channel

        async def ready():
            state = channel.get_state(try_to_connect=True)
            while state != READY and state not in FAILED:
                await channel.wait_for_state_change(state)
                state = channel.get_state(try_to_connect=True)
            return state

        try:
            state = await asyncio.wait_for(ready(), timeout)
        except asyncio.TimeoutError:
            raise self._cfg.unreachable(
                f"no handshake within {timeout:g} s") from None
        if state != READY:
            raise self._cfg.unreachable("the connection or its handshake "
                                        "failed")
        self._ready = True

    async def _connect(self) -> None:
        if not self._ready:
            await self.wait_ready()

    async def _call(self, name: str, request, timeout="default"):
        await self._connect()
        if timeout == "default":
            timeout = self._cfg.call_timeout
        try:
            return await getattr(self._stub, name)(
                request, timeout=timeout, metadata=self._cfg.metadata)
        except grpc.aio.AioRpcError as e:
            raise self._failed(e) from None

    # -- jobs -----------------------------------------------------------

    async def submit(self, skill: str, input: Input = b"", *, tag: str = "",
                     timeout: Optional[float] = None, priority: int = 0,
                     cache: Union[CacheMode, str] = CacheMode.DEFAULT,
                     max_attempts: int = 0, trace: int = 0,
                     idempotency_key: str = "", check: bool = True) -> Result:
        """As `troupe.Client.submit`; cancelling the awaiting task cancels
        the job."""
        msg = self._job(skill, input, tag, timeout, priority, cache,
                        max_attempts, trace, idempotency_key)
        await self._connect()
        wait = job_timeout(timeout, self._cfg.default_timeout)
        try:
            result = Result(await self._stub.Submit(
                msg, timeout=_run.result_deadline(wait),
                metadata=self._cfg.metadata))
        except grpc.aio.AioRpcError as e:
            result = self._job_failed(e, skill, tag)
        return result.raise_for_status() if check else result

    async def submit_detached(self, skill: str, input: Input = b"", *,
                              tag: str = "", timeout: Optional[float] = None,
                              priority: int = 0,
                              cache: Union[CacheMode, str] = CacheMode.DEFAULT,
                              max_attempts: int = 0, trace: int = 0,
                              idempotency_key: str = "") -> "api.JobTicket":
        """As `troupe.Client.submit_detached`."""
        return await self._call("SubmitDetached", self._job(
            skill, input, tag, timeout, priority, cache, max_attempts, trace,
            idempotency_key))

    async def result(self, job_id: str, *, wait: Optional[float] = None,
                     check: bool = True) -> Optional[Result]:
        """As `troupe.Client.result`."""
        for request, timeout in self._result_waits(job_id, wait):
            result = self._done(await self._call("GetResult", request,
                                                 timeout), check)
            if result is not None:
                return result
        return None

    async def cancel(self, job_ids: Union[str, Iterable[str]]) -> int:
        """As `troupe.Client.cancel`."""
        return (await self._call("Cancel",
                                 self._cancel_request(job_ids))).cancelled

    def map(self, skill: str,
            inputs: Union[Iterable[Input], AsyncIterable[Input]], *,
            timeout: Optional[float] = None, priority: int = 0,
            cache: Union[CacheMode, str] = CacheMode.DEFAULT,
            max_attempts: int = 0, trace: int = 0,
            concurrency: int = DEFAULT_CONCURRENCY,
            batch: int = MAX_BATCH_JOBS, check: bool = True) -> "JobStream":
        """As `troupe.Client.map`, iterated with `async for`."""
        items, pull = _items(inputs)
        source = MapSource(items, skill, timeout, priority, cache,
                           max_attempts, trace,
                           job_timeout(timeout, self._cfg.default_timeout))
        return JobStream(self, source, pull, True, concurrency, batch, check)

    def as_completed(self, jobs: Union[Iterable, AsyncIterable], *,
                     concurrency: int = DEFAULT_CONCURRENCY,
                     batch: int = MAX_BATCH_JOBS,
                     check: bool = True) -> "JobStream":
        """As `troupe.Client.as_completed`, iterated with `async for`."""
        items, pull = _items(jobs)
        source = JobsSource(items, self._cfg.default_timeout)
        return JobStream(self, source, pull, False, concurrency, batch, check)

    # -- the node -------------------------------------------------------

    async def skills(self) -> List["api.SkillInfo"]:
        return list((await self._call("ListSkills",
                                      api.ListSkillsRequest())).skills)

    async def status(self) -> "api.NodeStatus":
        return await self._call("GetStatus", api.GetStatusRequest())

    async def watch_status(self, interval: float = 1.0
                           ) -> AsyncIterator["api.NodeStatus"]:
        """Yields the node's status now and whenever it changes, at most
        once per `interval` seconds."""
        await self._connect()
        call = self._stub.WatchStatus(
            api.WatchStatusRequest(interval_ms=max(1, round(interval * 1000))),
            metadata=self._cfg.metadata)
        try:
            async for status in call:
                yield status
        except grpc.aio.AioRpcError as e:
            raise self._failed(e) from None
        finally:
            call.cancel()

    async def breaker(self, skill: str,
                      action: Union[BreakerAction, str] = BreakerAction.SHOW
                      ) -> "api.BreakerStatus":
        request = api.BreakerRequest(skill=skill,
                                     action=int(breaker_action(action)))
        return await self._call("Breaker", request)

    async def drain(self) -> "api.DrainReply":
        return await self._call("Drain", api.DrainRequest())

    async def crash(self, target: str) -> "api.CrashReply":
        return await self._call("Crash", api.CrashRequest(target=target))


def _items(inputs):
    """(sync iterator, None) or (an empty iterator, the async iterator to
    pull chunks from)."""
    if hasattr(inputs, "__aiter__"):
        return iter(()), inputs.__aiter__()
    return inputs, None


class JobStream:
    """The results of `Client.map` or `Client.as_completed`, an async
    iterator over one Run stream; as `troupe.JobStream` otherwise
    (`cancel`, `close`, `async with`; dropping it closes it). Its jobs start
    at once when an event loop runs, else on the first `__anext__`."""

    def __init__(self, client: Client, source, pull, ordered: bool,
                 concurrency: int, batch: int, check: bool):
        state = RunState(source, address=client.address, ordered=ordered,
                         concurrency=concurrency, batch=batch)
        self._engine = _Engine(client, state, pull)
        self._check = check
        self._buf: List[Result] = []
        self._pos = 0
        self._engine.start_soon()

    def __aiter__(self) -> "JobStream":
        return self

    async def __anext__(self) -> Result:
        if self._pos < len(self._buf):
            r = self._buf[self._pos]
            self._pos += 1
        else:
            try:
                out = await self._engine.fetch()
            except BaseException:
                self._engine.close()
                raise
            if out is None:
                self._engine.close()
                raise StopAsyncIteration
            self._buf, r, self._pos = out, out[0], 1
        if self._check and r.proto.status != 1:
            self._engine.close()
            raise r.exception()
        return r

    def cancel(self, index: Optional[int] = None) -> None:
        """Cancels the job at `index` of the inputs, or every job."""
        self._engine.cancel(None if index is None else index + 1)

    def close(self) -> None:
        """Ends the stream at once; the node cancels its jobs in flight."""
        self._engine.close()

    async def aclose(self) -> None:
        self._engine.close()

    @property
    def sent(self) -> int:
        return self._engine.state.taken

    @property
    def in_flight(self) -> int:
        return len(self._engine.state.flights)

    async def __aenter__(self) -> "JobStream":
        return self

    async def __aexit__(self, *exc) -> None:
        self._engine.close()

    def __del__(self):
        engine = getattr(self, "_engine", None)
        if engine is not None:
            try:
                engine.close()
            except RuntimeError:  # the event loop is gone
                pass


class _Engine:
    """The tasks of one stream: a writer sends (`_write`), a reader takes
    results in (`_read`), and the caller takes them out (`fetch`). Holds no
    reference to the `JobStream`, so that dropping it closes the stream."""

    def __init__(self, client: Client, state: RunState, pull):
        self._client = client
        self.state = state
        self._pull = pull            # async iterator of the inputs, if any
        self._call = None
        self._tasks: List[asyncio.Task] = []
        self._results = asyncio.Event()  # the reader took results in
        self._wake = asyncio.Event()     # the writer may have work
        self._starting: Optional[asyncio.Task] = None
        self._closed = False

    def cancel(self, ref: Optional[int]) -> None:
        for task in self.state.cancel(ref):
            task.cancel()
        self._wake.set()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._client._streams.discard(self)
        self._results.set()
        self._wake.set()
        if self.state.all_answered() and self.state.error is None:
            return  # the stream finishes by itself
        if self._starting is not None:
            self._starting.cancel()
        if self._call is not None:
            self._call.cancel()
        for task in self._tasks + list(self.state.unary.values()):
            task.cancel()

    def start_soon(self) -> None:
        """Starts the stream in the running event loop, if there is one."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        self._starting = loop.create_task(self._start())
        # A stream dropped before it started must not leave an unread
        # error behind (fetch raises it otherwise).
        self._starting.add_done_callback(
            lambda t: t.cancelled() or t.exception())

    async def _start(self) -> None:
        await self._client._connect()
        self._client._streams.add(self)
        self._call = self._client._run_call(
            metadata=self._client._cfg.metadata)
        loop = asyncio.get_running_loop()
        self._tasks = [loop.create_task(self._write()),
                       loop.create_task(self._read())]

    async def fetch(self) -> Optional[List[Result]]:
        """The next results (at least one); None at the end."""
        st = self.state
        if self._closed:
            return None
        if self._starting is None:
            self._starting = asyncio.get_running_loop().create_task(
                self._start())
        if not self._starting.done():
            await self._starting
        self._starting.result()  # raises why it did not start
        while True:
            now = st.clock()
            deadline = st.next_deadline()
            if deadline is not None and deadline <= now:
                for task in st.expire(now):
                    task.cancel()
                self._wake.set()
            out = st.pop_ready()
            if out:
                self._wake.set()
                return out
            if st.error is not None:
                raise st.error
            if st.finished() or self._closed:
                return None
            if st.needs_drain():
                await self._prefetch(MAX_BATCH_JOBS)
                out = st.drain()
                if out:
                    return out
                continue
            self._results.clear()
            deadline = st.next_deadline()
            try:
                await asyncio.wait_for(
                    self._results.wait(),
                    None if deadline is None else max(0.0, deadline - now))
            except asyncio.TimeoutError:
                pass

    async def _prefetch(self, n: int) -> None:
        """Pulls up to `n` items of an async input into the source."""
        if self._pull is None:
            return
        chunk = []
        try:
            while len(chunk) < n:
                chunk.append(await self._pull.__anext__())
        except StopAsyncIteration:
            pass
        self.state.source.items = iter(chunk)

    async def _write(self) -> None:
        st, call = self.state, self._call
        try:
            while True:
                # (close() cancels this task unless every job ended.)
                if st.stream_over or st.error is not None:
                    return
                n = st.plan()
                if not n and not st.cancels:
                    if st.all_answered():
                        await call.done_writing()
                        return
                    self._wake.clear()
                    await self._wake.wait()
                    continue
                cancels = st.take_cancels()
                jobs, large, taken = b"", (), None
                if n:
                    await self._prefetch(n)
                    jobs, large, taken = st.build(n)
                    if not st.commit(taken, st.clock()):
                        jobs, large = b"", ()
                    for ref, msg, info in large:
                        st.unary[ref] = asyncio.get_running_loop().create_task(
                            self._submit_alone(ref, msg, info[2]))
                    self._results.set()  # the source may be done
                if jobs or cancels:
                    await call.write(jobs + cancels)  # a JobBatch, encoded
        except asyncio.CancelledError:
            raise
        except grpc.aio.AioRpcError:
            return  # the reader learns why
        except BaseException as e:  # the caller's inputs failed
            if st.error is None:
                st.error = e
            self._results.set()

    async def _submit_alone(self, ref: int, msg, timeout) -> None:
        st = self.state
        try:
            reply = await self._client._stub.Submit(
                msg, timeout=_run.result_deadline(timeout),
                metadata=self._client._cfg.metadata)
            st.accept_unary(ref, reply)
        except asyncio.CancelledError:
            st.fail_unary(ref, grpc.StatusCode.CANCELLED, "")
        except grpc.aio.AioRpcError as e:
            st.fail_unary(ref, e.code(), e.details() or "")
        self._results.set()
        self._wake.set()

    async def _read(self) -> None:
        st = self.state
        code, details, metadata = None, "", ()
        try:
            async for batch in self._call:
                st.accept(batch.results)
                self._results.set()
                self._wake.set()
        except grpc.aio.AioRpcError as e:
            code, details = e.code(), e.details() or ""
            metadata = e.trailing_metadata() or ()
            if code == grpc.StatusCode.UNAVAILABLE:
                self._client._ready = False
        except asyncio.CancelledError:
            code = grpc.StatusCode.CANCELLED
        if self._closed:
            st.stream_over = True
        else:
            st.end_stream(code, details, metadata)
        self._results.set()
        self._wake.set()
