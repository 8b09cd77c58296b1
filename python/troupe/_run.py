"""The bookkeeping of one Run stream, shared by the sync and asyncio clients.

No I/O and no locking here: the clients call these methods under their own
lock (sync) or from one event loop (asyncio). Refs are the jobs' positions
in the caller's inputs plus one, so a result finds its job without a table
of the caller's objects.

What a stream promises (as troupe's C++ client does): every job taken from
the inputs gets exactly one result. The node answers the jobs it got; a
job whose answer does not come `grace` seconds after its timeout ends
TIMEOUT here (and is cancelled on the node); when the stream breaks, the
jobs in flight end as `job_failure` says (NODE_LOST for a lost connection)
and the jobs not sent yet end likewise, without being sent.
"""

from __future__ import annotations

import heapq
import time
from collections import deque
from itertools import count, repeat
from typing import Callable, Deque, Dict, List, Optional, Tuple

from . import _wire
from ._types import Job, Result, Status, job_timeout, make_result
from .errors import rpc_error

#: Seconds past a job's deadline before the client ends it TIMEOUT itself:
#: longer than a node's own grace, so that no client depends on its timer
#: while its node lives (messages/job.hpp, client_result_grace).
RESULT_GRACE = 10.0


def result_deadline(timeout: Optional[float]) -> Optional[float]:
    """The gRPC timeout of a job's own call: its timeout plus grace (None:
    none)."""
    return None if timeout is None else timeout + RESULT_GRACE


#: Most jobs per message, and about this many bytes per message: far below
#: the smallest message limit a node can have. A larger job travels alone,
#: in a Submit call, so that a node refusing it fails that job only.
MAX_BATCH_JOBS = 128
MAX_BATCH_BYTES = 256 * 1024
_JOB_OVERHEAD = 24  # bytes of a Job message besides its skill and input

#: gRPC codes that refuse the call itself: raised, not turned into results.
REFUSALS = ("UNAUTHENTICATED", "PERMISSION_DENIED", "UNIMPLEMENTED")


def refused(code, details: str) -> bool:
    """Whether a failed call never reached a node that would run its jobs:
    the node refused it, or gRPC found no connection to make it on (the
    node went away since; a new call reports Unreachable)."""
    name = getattr(code, "name", "")
    return name in REFUSALS or (name == "UNAVAILABLE" and
                                "failed to connect" in (details or ""))


def job_failure(code, details: str, address: str,
                sent: bool = True) -> Tuple[Status, str]:
    """The status and error of a job whose call (its stream, or its own
    Submit) ended with gRPC status `code` before the job's result came."""
    name = getattr(code, "name", "UNKNOWN")
    reason = f"{name}: {details}" if details else name
    if name == "CANCELLED":
        return Status.CANCELLED, "cancelled by its client"
    if name == "DEADLINE_EXCEEDED":
        return Status.TIMEOUT, (f"no answer from node {address} before the "
                                f"deadline")
    if name == "RESOURCE_EXHAUSTED":
        if "larger than max" in (details or ""):
            return Status.BAD_INPUT, (f"node {address} refused the job: its "
                                      f"message exceeds the node's limit "
                                      f"({details})")
        return Status.OVERLOADED, f"node {address} refused the job: {reason}"
    if name in ("INVALID_ARGUMENT", "FAILED_PRECONDITION", "OUT_OF_RANGE"):
        return Status.BAD_INPUT, f"node {address} refused the job: {reason}"
    if not sent:
        return Status.NODE_LOST, (f"lost the connection to node {address} "
                                  f"({reason}) before the job was sent")
    return Status.NODE_LOST, (f"lost the connection to node {address} "
                              f"({reason}); the job was sent and may have "
                              f"run: resubmit it if running it twice is safe")


class Source:
    """Turns the caller's items into jobs, pulled on demand."""

    def __init__(self, items):
        self.items = iter(items)

    def fill(self, out: List[bytes], first: int, max_jobs: int,
             max_bytes: int, large: List):
        """Appends up to `max_jobs` jobs (about `max_bytes`) from the items
        to `out`, encoded as JobBatch.jobs elements, with refs from `first`
        on; a job larger than `max_bytes` goes to `large` as (ref, Job
        message, info) instead. Returns how many it took (-1: none, the
        items are exhausted) and their infos, (skill, tag, client timeout):
        one for all, or a list of (ref, info)."""
        raise NotImplementedError

    def failed(self, ref: int, status: Status, why: str,
               address: str) -> Optional[Result]:
        """The result of the next item, which is not sent: None when there
        are no more items."""
        raise NotImplementedError


class MapSource(Source):
    """`map`: the items are inputs of one skill, with shared options."""

    def __init__(self, items, skill: str, timeout, priority, cache,
                 max_attempts, trace, client_timeout):
        super().__init__(items)
        self.skill = skill
        template = Job(skill, "", timeout=timeout, priority=priority,
                       cache=cache, max_attempts=max_attempts, trace=trace)
        self.fields = template.wire_fields()  # validates the options
        self.template = template
        self.info = (skill, "", client_timeout)

    def fill(self, out, first, max_jobs, max_bytes, large):
        fields, payload, entry = self.fields, _wire.payload, _wire.job_entry
        append = out.append
        n = size = 0
        for ref, x in enumerate(self.items, first):
            n += 1
            key, data = payload(x)
            if len(data) > max_bytes:
                self.template.input = x
                large.append((ref, self.template.to_proto(ref), self.info))
            else:
                job = entry(fields, key, data, ref)
                append(job)
                size += len(job)
            if n >= max_jobs or size >= max_bytes:
                break
        return (n or -1), self.info

    def failed(self, ref, status, why, address):
        for _ in self.items:
            return make_result(status, why, self.skill, address, "", ref,
                               ref - 1)
        return None


def _as_job(item) -> Job:
    if isinstance(item, Job):
        return item
    if isinstance(item, tuple) and 1 <= len(item) <= 2:
        return Job(*item)
    raise TypeError(f"as_completed takes troupe.Job objects or (skill, input) "
                    f"tuples, not {type(item).__name__}")


class JobsSource(Source):
    """`as_completed`: the items are `Job`s or (skill, input) tuples."""

    def __init__(self, items, default_timeout):
        super().__init__(items)
        self.default_timeout = default_timeout
        # (skill) -> (encoded fields, info) of a job with no tag or options:
        # most jobs of a stream name one of a few skills.
        self.plain = {}

    def fields(self, job: Job):
        if job.tag or job.timeout is not None or job.priority or \
                job.cache or job.max_attempts or job.trace:
            return job.wire_fields(), (
                job.skill, job.tag,
                job_timeout(job.timeout, self.default_timeout))
        return self.plain_fields(job.skill)

    def plain_fields(self, skill: str):
        known = self.plain.get(skill)
        if known is None:
            known = self.plain[skill] = (_wire.job_fields(skill), (
                skill, "", self.default_timeout))
        return known

    def fill(self, out, first, max_jobs, max_bytes, large):
        infos = []
        n = size = 0
        for ref, item in enumerate(self.items, first):
            n += 1
            if type(item) is tuple and len(item) == 2:
                skill, x = item
                fields, info = self.plain_fields(skill)
            else:
                job = _as_job(item)
                x = job.input
                fields, info = self.fields(job)
            infos.append((ref, info))
            key, data = _wire.payload(x)
            if len(data) > max_bytes:
                large.append((ref, _as_job(item).to_proto(ref), info))
            else:
                entry = _wire.job_entry(fields, key, data, ref)
                out.append(entry)
                size += len(entry)
            if n >= max_jobs or size >= max_bytes:
                break
        return (n or -1), infos

    def failed(self, ref, status, why, address):
        for item in self.items:
            job = _as_job(item)
            return make_result(status, why, job.skill, address, job.tag, ref,
                               ref - 1)
        return None


class RunState:
    """One stream's jobs: in flight, answered and not yet taken, and their
    client-side deadlines."""

    def __init__(self, source: Source, *, address: str, ordered: bool,
                 concurrency: int, batch: int,
                 grace: Optional[float] = None,
                 batch_bytes: int = MAX_BATCH_BYTES,
                 clock: Callable[[], float] = time.monotonic):
        if concurrency < 1:
            raise ValueError(f"concurrency must be at least 1, got "
                             f"{concurrency}")
        if batch < 1:
            raise ValueError(f"batch must be at least 1, got {batch}")
        self.source = source
        self.address = address
        self.ordered = ordered
        self.concurrency = concurrency
        self.batch = batch
        self.batch_bytes = batch_bytes
        self.grace = RESULT_GRACE if grace is None else grace
        self.clock = clock
        # Send when this many slots are free (or nothing is in flight), so
        # that messages stay full while the window is.
        self.threshold = max(1, min(batch, concurrency // 2))
        self.taken = 0              # jobs taken from the source
        self.flights: Dict[int, tuple] = {}  # ref -> (skill, tag, timeout)
        self.unary: Dict[int, object] = {}   # ref -> its Submit call
        # Answered, not taken: in the order the caller gets them (for map:
        # input order), and (map) those that came before a job ahead of
        # them, by ref.
        self.ready: Deque[Result] = deque()
        self.done: Dict[int, Result] = {}
        self.next_ready = 1                  # map: the ref due next
        self.deadlines: List[tuple] = []     # heap of (when, seq, refs)
        self.seq = count()
        self.cancels: List[int] = []         # refs to cancel on the stream
        self.source_done = False
        self.lost: Optional[Tuple[Status, str]] = None  # for jobs not sent
        self.error: Optional[BaseException] = None  # to raise to the caller
        self.stream_over = False

    # -- sending --------------------------------------------------------

    def outstanding(self) -> int:
        return len(self.flights) + len(self.ready) + len(self.done)

    def plan(self) -> int:
        """How many jobs to send now (0: none, but maybe cancels)."""
        if self.source_done or self.lost or self.error or self.stream_over:
            return 0
        free = self.concurrency - self.outstanding()
        if free >= self.threshold or (free > 0 and not self.flights):
            return min(free, self.batch)
        return 0

    def wants_send(self) -> bool:
        return bool(self.cancels) or self.plan() > 0

    def all_answered(self) -> bool:
        """Nothing more to send: the stream may be half-closed."""
        return (self.source_done or self.lost is not None) and \
            not self.flights and not self.cancels

    def build(self, n: int):
        """Up to `n` jobs from the source: a JobBatch's jobs, encoded, the
        jobs too large for it, and what `commit` needs. Pulls the caller's
        items: call it with nothing else pulling them."""
        out: List[bytes] = []
        large: List = []
        first = self.taken + 1
        taken, infos = self.source.fill(out, first, n, self.batch_bytes,
                                        large)
        if taken < 0:
            self.source_done = True
            taken = 0
        self.taken += taken
        return b"".join(out), large, (first, taken, infos)

    def commit(self, taken, now: float) -> bool:
        """Records the jobs of a `build` as in flight; False when they must
        not be sent after all (the stream ended meanwhile: they ended as
        the jobs not sent do)."""
        first, n, infos = taken
        if n == 0:
            return True
        refs = range(first, first + n)
        if isinstance(infos, tuple):  # one info for all (map)
            self.flights.update(zip(refs, repeat(infos)))
            if infos[2] is not None:
                self._add_deadline(now + infos[2] + self.grace, refs)
        else:
            by_timeout: Dict[Optional[float], List[int]] = {}
            for ref, info in infos:
                self.flights[ref] = info
                by_timeout.setdefault(info[2], []).append(ref)
            for timeout, group in by_timeout.items():
                if timeout is not None:
                    self._add_deadline(now + timeout + self.grace, group)
        if self.stream_over or self.lost is not None:
            status, why = self.lost or (Status.NODE_LOST, "stream over")
            for ref in refs:
                self.fail(ref, status, why)
            return False
        return True

    def _add_deadline(self, when: float, refs) -> None:
        heapq.heappush(self.deadlines, (when, next(self.seq), refs))

    def take_cancels(self) -> bytes:
        """The refs to cancel, as a JobBatch's cancel field."""
        cancels, self.cancels = self.cancels, []
        return _wire.cancels(cancels)

    # -- results --------------------------------------------------------

    def accept(self, results) -> int:
        """Results from the node (JobResult messages); ignores any for a
        job already answered (e.g. timed out here)."""
        flights, ready, n = self.flights, self.ready, 0
        if self.ordered:
            done, due = self.done, self.next_ready
            for pb in results:
                ref = pb.ref
                if flights.pop(ref, None) is not None:
                    n += 1
                    if ref == due:  # mostly: jobs end in the order sent
                        ready.append(Result(pb, ref - 1))
                        due += 1
                        while done and due in done:
                            ready.append(done.pop(due))
                            due += 1
                    else:
                        done[ref] = Result(pb, ref - 1)
            self.next_ready = due
        else:
            for pb in results:
                ref = pb.ref
                if flights.pop(ref, None) is not None:
                    ready.append(Result(pb, ref - 1))
                    n += 1
        return n

    def accept_unary(self, ref: int, pb) -> None:
        """The reply of a job sent in its own Submit call."""
        self.unary.pop(ref, None)
        pb.ref = ref
        self.accept((pb,))

    def fail(self, ref: int, status: Status, why: str) -> None:
        """Ends a job in flight with a result made here."""
        info = self.flights.pop(ref, None)
        if info is None:
            return
        self.unary.pop(ref, None)
        r = make_result(status, why, info[0], self.address, info[1], ref,
                        ref - 1)
        if self.ordered and ref != self.next_ready:
            self.done[ref] = r
            return
        self.ready.append(r)
        if self.ordered:
            due = ref + 1
            while due in self.done:
                self.ready.append(self.done.pop(due))
                due += 1
            self.next_ready = due

    def fail_unary(self, ref: int, code, details: str) -> None:
        if refused(code, details):
            self.unary.pop(ref, None)
            self.flights.pop(ref, None)
            self.error = rpc_error(code, details, self.address)
            return
        status, why = job_failure(code, details, self.address)
        self.fail(ref, status, why)

    def end_stream(self, code, details: str, metadata=()) -> None:
        """The stream ended (`code` None or OK: the node finished it)."""
        self.stream_over = True
        name = getattr(code, "name", "OK")
        if refused(code, details):
            if self.error is None:
                self.error = rpc_error(code, details, self.address, metadata)
            return
        if name == "OK":
            code, details = None, "the node ended the stream before answering"
        status, why = job_failure(code, details, self.address)
        for ref in [r for r in self.flights if r not in self.unary]:
            self.fail(ref, status, why)
        if self.lost is None and not self.source_done:
            self.lost = job_failure(code, details, self.address, sent=False)

    def cancel(self, ref: Optional[int] = None) -> List[object]:
        """Cancels one job in flight (by ref) or all, and the jobs not sent
        yet. Returns the Submit calls to cancel."""
        refs = list(self.flights) if ref is None else \
            ([ref] if ref in self.flights else [])
        calls = [self.unary[r] for r in refs if r in self.unary]
        self.cancels.extend(r for r in refs if r not in self.unary)
        if ref is None and self.lost is None:
            self.lost = (Status.CANCELLED, "cancelled before it was sent")
        return calls

    def next_deadline(self) -> Optional[float]:
        return self.deadlines[0][0] if self.deadlines else None

    def expire(self, now: float) -> List[object]:
        """Ends the jobs past their deadline plus grace TIMEOUT and queues
        their cancellation. Returns the Submit calls to cancel."""
        calls = []
        why = f"no answer from node {self.address} before the deadline"
        while self.deadlines and self.deadlines[0][0] <= now:
            _, _, refs = heapq.heappop(self.deadlines)
            for ref in refs:
                if ref not in self.flights:
                    continue
                if ref in self.unary:
                    calls.append(self.unary[ref])
                elif not self.stream_over:
                    self.cancels.append(ref)
                self.fail(ref, Status.TIMEOUT, why)
        return calls

    def pop_ready(self, limit: int = MAX_BATCH_JOBS) -> List[Result]:
        """Up to `limit` results the caller may take now, in input order
        for `map`."""
        ready = self.ready
        if len(ready) <= limit:
            out = list(ready)
            ready.clear()
            return out
        return [ready.popleft() for _ in range(limit)]

    def needs_drain(self) -> bool:
        """Jobs not sent (the stream ended or was cancelled) are due."""
        return self.lost is not None and not self.source_done and \
            not self.flights and not self.ready and not self.done

    def drain(self, limit: int = MAX_BATCH_JOBS) -> List[Result]:
        """Results for up to `limit` items that are not sent."""
        status, why = self.lost
        out = []
        while len(out) < limit:
            ref = self.taken + 1
            r = self.source.failed(ref, status, why, self.address)
            if r is None:
                self.source_done = True
                break
            self.taken += 1
            out.append(r)
        if self.ordered:
            self.next_ready = self.taken + 1
        return out

    def finished(self) -> bool:
        return self.source_done and not self.flights and not self.ready \
            and not self.done
