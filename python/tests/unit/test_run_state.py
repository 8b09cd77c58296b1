"""The bookkeeping of a Run stream (troupe._run), driven by hand."""

import grpc

from troupe import Job, Status
from troupe._run import JobsSource, MapSource, RunState
from troupe.v1 import troupe_pb2 as api


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def map_state(inputs, timeout=None, concurrency=8, batch=4, ordered=True,
              client_timeout=None, **kw):
    clock = Clock()
    source = MapSource(iter(inputs), "echo", timeout, 0, "default", 0, 0,
                       client_timeout)
    st = RunState(source, address="h:1", ordered=ordered,
                  concurrency=concurrency, batch=batch, grace=1.0,
                  clock=clock, **kw)
    return st, clock


def send(st):
    """Plans, builds and commits one message, as a client does; returns it
    parsed, and the jobs too large for it."""
    n = st.plan()
    jobs, large, taken = st.build(n) if n else (b"", [], None)
    if taken is not None:
        assert st.commit(taken, st.clock())
    return api.JobBatch.FromString(jobs + st.take_cancels()), large


def answer(st, refs, status=1):
    return st.accept([api.JobResult(ref=r, status=status, output=str(r))
                      for r in refs])


def test_batches_fill_the_window_and_no_more():
    st, _ = map_state([str(i) for i in range(20)], concurrency=8, batch=4)
    sizes = []
    while st.plan():
        batch, _ = send(st)
        sizes.append(len(batch.jobs))
    assert sizes == [4, 4]
    assert [j.ref for j in send(st)[0].jobs] == []  # the window is full
    assert st.outstanding() == 8


def test_map_hands_results_out_in_input_order():
    st, _ = map_state([str(i) for i in range(8)], concurrency=8, batch=8)
    send(st)
    answer(st, [3, 2])
    assert st.pop_ready() == []
    answer(st, [1])
    assert [r.index for r in st.pop_ready()] == [0, 1, 2]
    answer(st, [8, 4, 5, 6, 7])
    assert [r.output for r in st.pop_ready()] == ["4", "5", "6", "7", "8"]


def test_a_result_is_taken_once():
    st, _ = map_state(["a"], ordered=False)
    send(st)
    assert answer(st, [1]) == 1
    assert answer(st, [1]) == 0   # again: ignored
    assert answer(st, [99]) == 0  # never sent: ignored
    assert [r.output for r in st.pop_ready()] == ["1"]


def test_a_message_stays_below_its_byte_budget_and_large_jobs_go_alone():
    big = "x" * 1000
    st, _ = map_state(["a", big, "b", "c"], concurrency=8, batch=8,
                      batch_bytes=600)
    batch, large = send(st)
    assert [j.input for j in batch.jobs] == ["a", "b", "c"]
    assert [(ref, msg.input) for ref, msg, _ in large] == [(2, big)]


def test_the_end_of_the_inputs_is_noticed():
    st, _ = map_state(["a", "b"], concurrency=8, batch=8)
    send(st)
    assert not st.source_done or st.flights
    send(st)  # finds the inputs exhausted
    assert st.source_done and not st.all_answered()
    answer(st, [1, 2])
    assert st.all_answered()
    st.pop_ready()
    assert st.finished()


def test_jobs_past_their_deadline_end_timeout_and_are_cancelled():
    st, clock = map_state(["a", "b"], client_timeout=2.0, ordered=False)
    send(st)
    answer(st, [1])
    clock.now += 2.5
    assert st.expire(clock()) == [] and st.pop_ready()[0].ok
    clock.now += 1.0  # past timeout + grace
    st.expire(clock())
    late = st.pop_ready()
    assert [(r.index, r.status) for r in late] == [(1, Status.TIMEOUT)]
    assert "before the deadline" in late[0].error
    assert send(st)[0].cancel == [2]
    answer(st, [2])  # its answer, too late, is dropped
    assert st.pop_ready() == []


def test_a_lost_stream_ends_every_job_once():
    st, _ = map_state([str(i) for i in range(10)], concurrency=4, batch=4)
    send(st)
    answer(st, [1])
    st.end_stream(grpc.StatusCode.UNAVAILABLE, "socket closed")
    out = st.pop_ready()
    assert [r.status for r in out] == [Status.OK] + [Status.NODE_LOST] * 3
    assert "may have run" in out[1].error and out[1].node == "h:1"
    assert st.plan() == 0 and st.needs_drain()
    rest = st.drain()
    assert [r.index for r in rest] == list(range(4, 10))
    assert all(r.status is Status.NODE_LOST and "before the job was sent"
               in r.error for r in rest)
    assert st.finished()


def test_a_refused_stream_is_an_error_not_results():
    st, _ = map_state(["a"])
    send(st)
    st.end_stream(grpc.StatusCode.UNAUTHENTICATED, "no token")
    assert type(st.error).__name__ == "Unauthenticated"
    assert st.pop_ready() == []


def test_cancelling_everything_cancels_in_flight_and_unsent_jobs():
    st, _ = map_state([str(i) for i in range(6)], concurrency=2, batch=2)
    send(st)
    st.cancel()
    assert send(st)[0].cancel == [1, 2] and st.plan() == 0
    st.accept([api.JobResult(ref=1, status=9), api.JobResult(ref=2, status=1)])
    assert [r.status for r in st.pop_ready()] == [Status.CANCELLED, Status.OK]
    rest = st.drain()
    assert [r.status for r in rest] == [Status.CANCELLED] * 4
    assert st.finished()


def test_as_completed_jobs_keep_their_options_tags_and_timeouts():
    clock = Clock()
    jobs = [Job("sleep", "5", tag="a", timeout=1.0), ("echo", b"x"),
            Job("echo", "y", tag="c")]
    st = RunState(JobsSource(iter(jobs), 30.0), address="h:1", ordered=False,
                  concurrency=8, batch=8, grace=1.0, clock=clock)
    batch, _ = send(st)
    assert [(j.skill, j.tag, j.timeout_ms) for j in batch.jobs] == [
        ("sleep", "a", 1000), ("echo", "", 0), ("echo", "c", 0)]
    clock.now += 2.5
    st.expire(clock())
    [late] = st.pop_ready()
    assert (late.index, late.tag, late.skill, late.status) == (
        0, "a", "sleep", Status.TIMEOUT)
