"""A stand-in for a troupe node's client port, for the client's unit tests:
a gRPC server (Python) of troupe.v1 with a few skills and hooks to fail.

Skills: echo, upper, fail (SKILL_ERROR, the input as error), sleep (<input>
ms, then OK; cancellable), hang (never answers unless cancelled), breaker
(BREAKER_OPEN, retry after 1.5 s); any other name is UNKNOWN_SKILL.
sleep's input that is not a number is BAD_INPUT.
"""

import queue
import threading
from concurrent import futures

import grpc

from troupe.v1 import troupe_pb2 as api
from troupe.v1 import troupe_pb2_grpc

OK, SKILL_ERROR, BREAKER_OPEN, UNKNOWN_SKILL, BAD_INPUT, CANCELLED = \
    1, 2, 5, 6, 7, 9
_END = object()
_GONE = object()  # the call ended (cancelled by the client)


class FakeNode(troupe_pb2_grpc.TroupeServicer):
    def __init__(self, token=None):
        self.token = token
        self.lock = threading.Lock()
        self.batches = []        # jobs per JobBatch received
        self.cancels = []        # refs cancelled by clients in a JobBatch
        self.stopped = []        # refs of jobs cancelled either way
        self.metadata = []       # each call's metadata
        self.break_after = None  # abort Run streams after this many jobs
        self.hold = threading.Event()  # set: the skill "hang" answers
        self.streams_open = 0
        self.detached = {}       # id -> [result or None, cancel Event, done]
        self.keys = {}           # idempotency key -> id
        self.server = grpc.server(
            futures.ThreadPoolExecutor(max_workers=16),
            options=[("grpc.max_receive_message_length", 64 << 20)])
        troupe_pb2_grpc.add_TroupeServicer_to_server(self, self.server)
        self.port = self.server.add_insecure_port("127.0.0.1:0")
        self.server.start()

    @property
    def address(self):
        return f"127.0.0.1:{self.port}"

    def stop(self):
        self.server.stop(0).wait()

    # -- helpers --------------------------------------------------------

    def _check(self, context):
        md = dict(context.invocation_metadata())
        with self.lock:
            self.metadata.append(md)
        if self.token and md.get("authorization") != f"Bearer {self.token}":
            context.abort(grpc.StatusCode.UNAUTHENTICATED,
                          "the node wants a bearer token")

    @staticmethod
    def _result(job, status, output=None, error=""):
        r = api.JobResult(ref=job.ref, tag=job.tag, status=status,
                          error=error, skill=job.skill, node="fake")
        if output is not None:
            if isinstance(output, str):
                r.output = output
            else:
                r.output_bytes = output
        if status == BREAKER_OPEN:
            r.retry_after_ms = 1500
        return r

    def _run(self, job, answer, cancelled):
        """Runs `job`; `answer(result)` once, now or later. `cancelled`
        is an Event that ends a waiting job CANCELLED."""
        data = job.input if job.WhichOneof("payload") == "input" else \
            job.input_bytes
        skill = job.skill
        if skill == "echo":
            return answer(self._result(job, OK, data))
        if skill == "upper":
            return answer(self._result(job, OK, data.upper()))
        if skill == "fail":
            return answer(self._result(job, SKILL_ERROR, error=str(data)))
        if skill == "breaker":
            return answer(self._result(job, BREAKER_OPEN,
                                       error="the breaker is open"))
        if skill == "sleep" and not str(data).isdigit():
            return answer(self._result(job, BAD_INPUT,
                                       error=f"{data!r} is not a number"))
        if skill in ("sleep", "hang"):
            ms = int(data) if skill == "sleep" else None

            def wait():
                done = cancelled.wait(None if ms is None else ms / 1000)
                if skill == "hang" and self.hold.is_set():
                    done = False
                answer(self._result(job, CANCELLED, error="cancelled")
                       if done else self._result(job, OK, str(data)))
            threading.Thread(target=wait, daemon=True).start()
            return None
        return answer(self._result(job, UNKNOWN_SKILL,
                                   error=f"unknown skill '{skill}'"))

    # -- the service ----------------------------------------------------

    def Submit(self, request, context):
        self._check(context)
        box = queue.Queue()
        cancelled = threading.Event()
        context.add_callback(cancelled.set)
        self._run(request, box.put, cancelled)
        return box.get()

    def Run(self, request_iterator, context):
        self._check(context)
        out = queue.Queue()
        events = {}   # ref -> cancel Event of a waiting job
        state = {"reading": True, "jobs": 0, "abort": False}
        lock = threading.Lock()
        with self.lock:
            self.streams_open += 1

        def answer(result):
            with lock:
                events.pop(result.ref, None)
            out.put(result)

        def read():
            try:
                for batch in request_iterator:
                    with self.lock:
                        self.batches.append(len(batch.jobs))
                        self.cancels.extend(batch.cancel)
                    for job in batch.jobs:
                        ev = threading.Event()
                        with lock:
                            events[job.ref] = ev
                            state["jobs"] += 1
                            if self.break_after is not None and \
                                    state["jobs"] > self.break_after:
                                state["abort"] = True
                        self._run(job, answer, ev)
                    for ref in batch.cancel:
                        with lock:
                            ev = events.get(ref)
                        if ev is not None:
                            self.stopped.append(ref)
                            ev.set()
            except Exception:
                pass
            state["reading"] = False
            out.put(_END)

        threading.Thread(target=read, daemon=True).start()
        context.add_callback(lambda: out.put(_GONE))
        try:
            while True:
                if state["abort"]:
                    context.abort(grpc.StatusCode.UNAVAILABLE,
                                  "the fake node broke the stream")
                item = out.get()
                items = [item]
                while len(items) < 128:
                    try:
                        items.append(out.get_nowait())
                    except queue.Empty:
                        break
                if _GONE in items:
                    return
                results = [r for r in items if r is not _END]
                if results and not state["abort"]:
                    yield api.ResultBatch(results=results)
                with lock:
                    idle = not events
                if not state["reading"] and idle and out.empty():
                    return
        finally:
            with lock:
                for ref, ev in events.items():
                    self.stopped.append(ref)
                    ev.set()
            with self.lock:
                self.streams_open -= 1

    def SubmitDetached(self, request, context):
        self._check(context)
        with self.lock:
            if request.idempotency_key in self.keys:
                return api.JobTicket(id=self.keys[request.idempotency_key],
                                     tag=request.tag, existing=True)
            job_id = f"{len(self.detached) + 1}@fake"
            entry = [None, threading.Event(), threading.Event()]
            self.detached[job_id] = entry
            if request.idempotency_key:
                self.keys[request.idempotency_key] = job_id

        def answer(result):
            result.id = job_id
            entry[0] = result
            entry[2].set()
        self._run(request, answer, entry[1])
        return api.JobTicket(id=job_id, tag=request.tag)

    def GetResult(self, request, context):
        self._check(context)
        entry = self.detached.get(request.id)
        if entry is None:
            context.abort(grpc.StatusCode.NOT_FOUND,
                          f"no detached job {request.id}")
        entry[2].wait(request.wait_ms / 1000)
        if entry[0] is None:
            return api.JobState(id=request.id, done=False)
        return api.JobState(id=request.id, done=True, result=entry[0])

    def Cancel(self, request, context):
        self._check(context)
        n = 0
        for job_id in request.ids:
            entry = self.detached.get(job_id)
            if entry is not None and entry[0] is None:
                entry[1].set()
                n += 1
        return api.CancelReply(cancelled=n)

    def ListSkills(self, request, context):
        self._check(context)
        names = ["breaker", "echo", "fail", "hang", "sleep", "upper"]
        return api.SkillList(skills=[api.SkillInfo(name=n, kind="in_pool")
                                     for n in names])

    def GetStatus(self, request, context):
        self._check(context)
        return api.NodeStatus(name="fake", address=self.address,
                              version="0.0.0")

    def WatchStatus(self, request, context):
        self._check(context)
        for i in range(3):
            yield api.NodeStatus(name="fake", uptime_ms=i)
        # Nothing changes any more: wait until the call ends (a thread left
        # waiting would hold up the interpreter's exit).
        ended = threading.Event()
        context.add_callback(ended.set)
        ended.wait(60)

    def Breaker(self, request, context):
        self._check(context)
        if request.skill != "breaker":
            context.abort(grpc.StatusCode.NOT_FOUND,
                          f"no skill '{request.skill}' has a breaker")
        state = {0: 1, 1: 4, 2: 5, 3: 1}[request.action]
        return api.BreakerStatus(skill=request.skill, enabled=True,
                                 state=state)

    def Drain(self, request, context):
        self._check(context)
        return api.DrainReply(in_flight=0, message="draining")

    def Crash(self, request, context):
        self._check(context)
        context.abort(grpc.StatusCode.FAILED_PRECONDITION,
                      "crash is a test hook: start the node with "
                      "--test-skills")
