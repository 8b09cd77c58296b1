"""troupe.Client against a stand-in node (tests/fake_node.py)."""

import gc
import signal
import socket
import threading

import pytest

import troupe
from conftest import wait_for
from troupe import _run


def test_submit_returns_results_and_raises_per_status(fake):
    with troupe.Client(fake.address) as client:
        r = client.submit("upper", "héllo", tag="t1")
        assert (r.output, r.tag, r.status, r.index) == (
            "HÉLLO", "t1", troupe.Status.OK, None)
        assert client.submit("echo", b"\x00\xff").output == b"\x00\xff"
        with pytest.raises(troupe.SkillError, match="boom") as info:
            client.submit("fail", "boom")
        assert info.value.result.skill == "fail"
        with pytest.raises(troupe.UnknownSkill):
            client.submit("nope", "x")
        with pytest.raises(troupe.BreakerOpen) as info:
            client.submit("breaker", "x")
        assert info.value.retry_after == 1.5
        failed = client.submit("fail", "boom", check=False)
        assert failed.status is troupe.Status.SKILL_ERROR and \
            failed.error == "boom"


def test_map_yields_in_input_order_in_full_batches(fake):
    inputs = [str(i) if i % 3 else str(i).encode() for i in range(1000)]
    with troupe.Client(fake.address) as client:
        results = list(client.map("echo", inputs, concurrency=512))
    assert [r.output for r in results] == inputs
    assert [r.index for r in results] == list(range(1000))
    assert max(fake.batches) == 128
    assert sum(fake.batches) == 1000
    assert sum(1 for n in fake.batches if n == 128) >= 6


def test_map_raises_the_first_failure_and_cancels_the_rest(fake):
    inputs = ["1", "2", "fail-me"] + ["60000"] * 50
    with troupe.Client(fake.address) as client:
        results = client.map("sleep", inputs, check=True)
        assert next(results).output == "1"
        assert next(results).output == "2"
        with pytest.raises(troupe.BadInput, match="not a number"):
            next(results)
        # The stream is closed: the sleeping jobs do not hold it open.
        wait_for(lambda: fake.streams_open == 0, what="the stream to close")
        with pytest.raises(StopIteration):
            next(results)


def test_map_check_false_yields_every_result(fake):
    with troupe.Client(fake.address) as client:
        out = list(client.map("fail", ["a", "b"], check=False))
    assert [(r.status, r.error) for r in out] == [
        (troupe.Status.SKILL_ERROR, "a"), (troupe.Status.SKILL_ERROR, "b")]


def test_as_completed_yields_as_jobs_end(fake):
    jobs = [troupe.Job("sleep", "400", tag="slow"), ("echo", "fast"),
            troupe.Job("upper", "x", tag="u")]
    with troupe.Client(fake.address) as client:
        out = list(client.as_completed(jobs))
    assert out[-1].tag == "slow" and out[-1].index == 0
    assert {(r.index, r.output) for r in out} == {
        (0, "400"), (1, "fast"), (2, "X")}


def test_a_token_goes_with_every_call(fake, monkeypatch):
    fake.token = "s3cret"
    with troupe.Client(fake.address, token="s3cret") as client:
        client.submit("echo", "x")
        list(client.map("echo", ["a", "b"]))
        client.status()
    assert all(md.get("authorization") == "Bearer s3cret"
               for md in fake.metadata)
    monkeypatch.setenv("TROUPE_TOKEN", "s3cret")
    with troupe.Client(fake.address) as client:
        assert client.submit("echo", "y").output == "y"


def test_a_missing_token_raises_unauthenticated(fake):
    fake.token = "s3cret"
    with troupe.Client(fake.address) as client:
        with pytest.raises(troupe.Unauthenticated, match="bearer token"):
            client.submit("echo", "x")
        with pytest.raises(troupe.Unauthenticated):
            list(client.map("echo", ["a"]))
        with pytest.raises(troupe.Unauthenticated):
            client.skills()


def test_nothing_listening_is_unreachable_at_once():
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with troupe.Client(f"127.0.0.1:{port}", connect_timeout=30) as client:
        with pytest.raises(troupe.Unreachable, match="cannot reach node"):
            client.submit("echo", "x")
        with pytest.raises(troupe.Unreachable):
            list(client.map("echo", ["x"]))


def test_a_broken_stream_ends_every_job_once(fake):
    fake.break_after = 300
    with troupe.Client(fake.address) as client:
        out = list(client.map("sleep", ["50"] * 1000, concurrency=256,
                              check=False))
    assert [r.index for r in out] == list(range(1000))
    lost = [r for r in out if r.status is troupe.Status.NODE_LOST]
    assert lost and all(r.node == fake.address for r in lost)
    assert any("before the job was sent" in r.error for r in lost)
    assert any("may have run" in r.error for r in lost)
    with troupe.Client(fake.address) as client:
        with pytest.raises(troupe.NodeLost):
            list(client.map("sleep", ["50"] * 1000, concurrency=256))


def test_a_job_without_an_answer_ends_timeout_and_is_cancelled(
        fake, monkeypatch):
    monkeypatch.setattr(_run, "RESULT_GRACE", 0.2)
    with troupe.Client(fake.address) as client:
        out = list(client.as_completed(
            [troupe.Job("hang", "x", timeout=0.2), ("echo", "ok")],
            check=False))
    assert [(r.index, r.status) for r in out] == [
        (1, troupe.Status.OK), (0, troupe.Status.TIMEOUT)]
    wait_for(lambda: 1 in fake.stopped, what="the cancel of job 0")


def test_cancel_one_job(fake):
    with troupe.Client(fake.address) as client:
        stream = client.as_completed([("hang", "x"), ("sleep", "1")],
                                     check=False)
        first = next(stream)
        assert first.index == 1
        stream.cancel(0)
        second = next(stream)
        assert (second.index, second.status) == (0, troupe.Status.CANCELLED)
        with pytest.raises(StopIteration):
            next(stream)


def test_cancel_all_cancels_sent_and_unsent_jobs(fake):
    with troupe.Client(fake.address) as client:
        stream = client.map("hang", ["x"] * 10, concurrency=4, check=False)
        with stream:
            stream.cancel()
            out = list(stream)
    assert [r.index for r in out] == list(range(10))
    assert all(r.status is troupe.Status.CANCELLED for r in out)


def test_leaving_the_loop_early_closes_the_stream(fake):
    with troupe.Client(fake.address) as client:
        for r in client.map("sleep", ["1"] + ["60000"] * 20):
            break
        gc.collect()
        wait_for(lambda: fake.streams_open == 0, what="the stream to close")


def test_ctrl_c_cancels_the_stream(fake):
    main = threading.main_thread().ident
    with troupe.Client(fake.address) as client:
        timer = threading.Timer(
            0.3, lambda: signal.pthread_kill(main, signal.SIGINT))
        timer.start()
        with pytest.raises(KeyboardInterrupt):
            for _ in client.map("hang", ["x"] * 10):
                pass
        timer.join()
        wait_for(lambda: fake.streams_open == 0, what="the stream to close")


def test_failing_inputs_raise_to_the_caller(fake):
    def inputs():
        yield "a"
        raise ValueError("no more inputs")

    with troupe.Client(fake.address) as client:
        with pytest.raises(ValueError, match="no more inputs"):
            list(client.map("echo", inputs()))
        with pytest.raises(TypeError, match="str or bytes"):
            list(client.map("echo", [1]))


def test_a_large_input_travels_in_a_call_of_its_own(fake):
    big = "x" * (_run.MAX_BATCH_BYTES + 1)
    with troupe.Client(fake.address) as client:
        out = list(client.map("echo", ["a", big, "b"]))
    assert [r.output for r in out] == ["a", big, "b"]
    assert sum(fake.batches) == 2


def test_detached_jobs(fake):
    with troupe.Client(fake.address) as client:
        ticket = client.submit_detached("upper", "later", tag="t")
        assert ticket.id and ticket.tag == "t" and not ticket.existing
        result = client.result(ticket.id)
        assert (result.output, result.id) == ("LATER", ticket.id)
        slow = client.submit_detached("hang", "x", idempotency_key="k1")
        again = client.submit_detached("hang", "x", idempotency_key="k1")
        assert again.existing and again.id == slow.id
        assert client.result(slow.id, wait=0) is None
        assert client.result(slow.id, wait=0.2) is None
        assert client.cancel(slow.id) == 1
        with pytest.raises(troupe.Cancelled):
            client.result(slow.id)
        assert client.result(slow.id, check=False).status is \
            troupe.Status.CANCELLED
        assert client.cancel([slow.id, ticket.id]) == 0
        with pytest.raises(troupe.NotFound):
            client.result("404@fake")


def test_node_calls(fake):
    with troupe.Client(fake.address) as client:
        assert "echo" in [s.name for s in client.skills()]
        assert client.status().name == "fake"
        assert client.breaker("breaker", "force_open").state == 4
        with pytest.raises(troupe.NotFound):
            client.breaker("echo", troupe.BreakerAction.RESET)
        with pytest.raises(ValueError, match="breaker action"):
            client.breaker("breaker", "explode")
        assert client.drain().message == "draining"
        with pytest.raises(troupe.FailedPrecondition, match="test-skills"):
            client.crash("router")
        with client.watch_status(interval=0.1) as watch:
            assert [next(watch).uptime_ms for _ in range(3)] == [0, 1, 2]


def test_closing_the_client_cancels_its_streams(fake):
    client = troupe.Client(fake.address)
    stream = client.map("hang", ["x"] * 5)
    started = threading.Event()

    def consume():
        started.set()
        try:
            list(stream)
        except troupe.TroupeError:
            pass

    t = threading.Thread(target=consume)
    t.start()
    started.wait()
    wait_for(lambda: fake.streams_open == 1, what="the stream to open")
    client.close()
    t.join(10)
    assert not t.is_alive()
    wait_for(lambda: fake.streams_open == 0, what="the stream to close")
