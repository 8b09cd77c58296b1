"""troupe.aio.Client against a stand-in node (tests/fake_node.py)."""

import asyncio
import gc
import socket

import pytest

import troupe
import troupe.aio
from conftest import wait_for
from troupe import _run


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 60))


def test_submit(fake):
    async def main():
        async with troupe.aio.Client(fake.address) as client:
            assert (await client.submit("upper", "abc")).output == "ABC"
            assert (await client.submit("echo", b"\x01")).output == b"\x01"
            with pytest.raises(troupe.SkillError, match="boom"):
                await client.submit("fail", "boom")
            r = await client.submit("breaker", "x", check=False)
            assert r.status is troupe.Status.BREAKER_OPEN
    run(main())


def test_map_in_order_from_sync_and_async_inputs(fake):
    async def inputs(n):
        for i in range(n):
            yield str(i)

    async def main():
        async with troupe.aio.Client(fake.address) as client:
            out = [r.output async for r in client.map(
                "echo", [str(i) for i in range(700)])]
            assert out == [str(i) for i in range(700)]
            out = [r.index async for r in client.map("echo", inputs(300),
                                                      batch=64)]
            assert out == list(range(300))
    run(main())
    assert max(fake.batches) == 128


def test_as_completed_and_check(fake):
    async def main():
        async with troupe.aio.Client(fake.address) as client:
            out = [r async for r in client.as_completed(
                [troupe.Job("sleep", "300", tag="slow"), ("echo", "x")])]
            assert [r.tag or r.output for r in out] == ["x", "slow"]
            with pytest.raises(troupe.UnknownSkill):
                async for _ in client.as_completed([("nope", "x")]):
                    pass
    run(main())


def test_cancelling_the_task_cancels_the_stream(fake):
    async def consume(client):
        async for _ in client.map("hang", ["x"] * 10):
            pass

    async def main():
        async with troupe.aio.Client(fake.address) as client:
            task = asyncio.create_task(consume(client))
            await asyncio.sleep(0.3)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
    run(main())
    wait_for(lambda: fake.streams_open == 0, what="the stream to close")


def test_cancel_one_job_and_timeouts(fake, monkeypatch):
    monkeypatch.setattr(_run, "RESULT_GRACE", 0.2)

    async def main():
        async with troupe.aio.Client(fake.address) as client:
            stream = client.as_completed(
                [("hang", "x"), ("sleep", "1"),
                 troupe.Job("hang", "y", timeout=0.2)], check=False)
            seen = {}
            async for r in stream:
                seen[r.index] = r.status
                if r.index == 1:  # job 0 is in flight by now
                    stream.cancel(0)
            assert seen == {0: troupe.Status.CANCELLED, 1: troupe.Status.OK,
                            2: troupe.Status.TIMEOUT}
    run(main())


def test_detached_jobs(fake):
    async def main():
        async with troupe.aio.Client(fake.address) as client:
            ticket = await client.submit_detached("hang", "x")
            assert await client.result(ticket.id, wait=0.1) is None
            assert await client.cancel([ticket.id]) == 1
            result = await client.result(ticket.id, check=False)
            assert result.status is troupe.Status.CANCELLED
            with pytest.raises(troupe.NotFound):
                await client.result("nope")
    run(main())


def test_a_broken_stream_ends_every_job_once(fake):
    fake.break_after = 200

    async def main():
        async with troupe.aio.Client(fake.address) as client:
            out = [r async for r in client.map(
                "sleep", ["20"] * 600, concurrency=256, check=False)]
            assert [r.index for r in out] == list(range(600))
            assert any(r.status is troupe.Status.NODE_LOST for r in out)
    run(main())


def test_errors_of_the_call(fake):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    fake.token = "t"

    async def main():
        async with troupe.aio.Client(f"127.0.0.1:{port}") as client:
            with pytest.raises(troupe.Unreachable):
                await client.status()
        async with troupe.aio.Client(fake.address) as client:
            with pytest.raises(troupe.Unauthenticated):
                await client.submit("echo", "x")
            with pytest.raises(troupe.Unauthenticated):
                async for _ in client.map("echo", ["x"]):
                    pass
        async with troupe.aio.Client(fake.address, token="t") as client:
            assert (await client.status()).name == "fake"
            assert [s.name for s in await client.skills()][0] == "breaker"
            assert (await client.breaker("breaker", "reset")).state == 1
            with pytest.raises(troupe.FailedPrecondition):
                await client.crash("router")
            seen = []
            async for status in client.watch_status(0.1):
                seen.append(status.uptime_ms)
                if len(seen) == 2:
                    break
            assert seen == [0, 1]
    run(main())


def test_leaving_the_loop_early_closes_the_stream(fake):
    async def main():
        async with troupe.aio.Client(fake.address) as client:
            async for _ in client.map("sleep", ["1"] + ["60000"] * 20):
                break
            gc.collect()
            for _ in range(200):
                if fake.streams_open == 0:
                    return
                await asyncio.sleep(0.05)
            raise AssertionError("the stream stayed open")
    run(main())
