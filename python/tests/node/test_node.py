"""The package against real nodes (`troupe node --test-skills`)."""

import asyncio
import os
import signal
import subprocess
import sys

import pytest

import troupe
import troupe.aio
from conftest import ROOT, troupe_binary, wait_for


@pytest.fixture(scope="module")
def client(node):
    with troupe.Client(node.address) as c:
        yield c


def idle(client):
    return client.status().in_flight == 0


def test_submit_text_bytes_and_failures(client):
    assert client.submit("echo", "héllo").output == "héllo"
    r = client.submit("echo", b"\xff\x00", tag="b")
    assert (r.output, r.tag, r.ok) == (b"\xff\x00", "b", True)
    assert r.node and r.skill == "echo" and r.attempts >= 1
    assert client.submit("sha256", "abc").output.startswith("ba7816bf")
    with pytest.raises(troupe.SkillError, match="it broke") as info:
        client.submit("fail", "it broke")
    assert info.value.result.status is troupe.Status.SKILL_ERROR
    with pytest.raises(troupe.UnknownSkill):
        client.submit("no-such-skill", "x")
    with pytest.raises(troupe.BadInput):
        client.submit("sleep", "a while")
    with pytest.raises(troupe.JobTimeout):
        client.submit("sleep", "5000", timeout=0.2)
    late = client.submit("sleep", "5000", timeout=0.2, check=False)
    assert late.status is troupe.Status.TIMEOUT


def test_map_keeps_the_input_order(client):
    # Bytes in; out as text when they are UTF-8 (the node decides).
    inputs = [f"job {i}" if i % 2 else f"job {i}".encode()
              for i in range(5000)]
    inputs[10] = b"\xff job 10"
    out = list(client.map("echo", inputs))
    assert [r.output for r in out] == [
        x.decode() if isinstance(x, bytes) and i != 10 else x
        for i, x in enumerate(inputs)]
    assert [r.index for r in out] == list(range(5000))


def test_map_raises_the_first_failure(client):
    with pytest.raises(troupe.BadInput):
        for _ in client.map("sleep", ["1", "2", "x", "3"]):
            pass
    out = list(client.map("sleep", ["1", "x"], check=False))
    assert [r.status for r in out] == [troupe.Status.OK,
                                       troupe.Status.BAD_INPUT]


def test_as_completed_in_the_order_jobs_end(client):
    jobs = [troupe.Job("sleep", "600", tag="slow"),
            troupe.Job("echo", "fast", tag="fast")]
    out = list(client.as_completed(jobs))
    assert [r.tag for r in out] == ["fast", "slow"]
    assert [r.index for r in out] == [1, 0]


def test_a_large_input_goes_alone(client):
    big = "x" * (1 << 20)
    out = list(client.map("echo", ["a", big, "b"]))
    assert [r.output for r in out] == ["a", big, "b"]


def test_cancel_one_job_and_close(client):
    stream = client.as_completed([("sleep", "30000"), ("echo", "x")],
                                 check=False)
    assert next(stream).index == 1
    stream.cancel(0)
    r = next(stream)
    assert (r.index, r.status) == (0, troupe.Status.CANCELLED)
    with client.map("sleep", ["30000"] * 50) as stream:
        wait_for(lambda: client.status().in_flight >= 1,
                 what="jobs in flight")
    wait_for(lambda: idle(client), what="the closed stream's jobs to end")


def test_status_watch_and_skills(client, node):
    names = {s.name for s in client.skills()}
    assert {"echo", "sleep", "fail", "flaky"} <= names
    status = client.status()
    assert status.address == node.address and status.health_score > 0
    with client.watch_status(interval=0.1) as watch:
        assert next(watch).name == status.name


def test_breaker_commands(client):
    shown = client.breaker("flaky")
    assert shown.skill == "flaky" and shown.enabled
    forced = client.breaker("flaky", "force_open")
    assert forced.state == troupe.v1.troupe_pb2.FORCED_OPEN
    try:
        with pytest.raises(troupe.BreakerOpen):
            client.submit("flaky", "0")
    finally:
        assert client.breaker("flaky", troupe.BreakerAction.RESET).state == \
            troupe.v1.troupe_pb2.CLOSED
    with pytest.raises(troupe.FailedPrecondition):
        client.breaker("echo", "force_open")


def test_crash_hook(client):
    client.crash("skills/echo")
    assert wait_for(lambda: client.submit("echo", "back", check=False).ok,
                    what="echo after its crash")


def test_detached_jobs_and_idempotency_keys(client):
    ticket = client.submit_detached("sleep", "200", tag="d")
    assert "@" in ticket.id and ticket.tag == "d"
    result = client.result(ticket.id)
    assert result.ok and result.id == ticket.id
    first = client.submit_detached("sha256", "k", idempotency_key="key-1")
    again = client.submit_detached("sha256", "k", idempotency_key="key-1")
    assert again.existing and again.id == first.id
    slow = client.submit_detached("sleep", "30000")
    assert client.result(slow.id, wait=0) is None
    assert client.cancel(slow.id) == 1
    assert client.result(slow.id, check=False).status is \
        troupe.Status.CANCELLED
    with pytest.raises(troupe.NotFound):
        client.result("1@nowhere")
    r1 = client.submit("sha256", "once", idempotency_key="key-2")
    r2 = client.submit("sha256", "once", idempotency_key="key-2")
    assert r1.output == r2.output


def test_asyncio_client(node):
    async def main():
        async with troupe.aio.Client(node.address) as client:
            assert (await client.submit("echo", "a")).output == "a"
            out = [r.output async for r in client.map(
                "echo", [str(i) for i in range(2000)])]
            assert out == [str(i) for i in range(2000)]
            tags = [r.tag async for r in client.as_completed(
                [troupe.Job("sleep", "300", tag="s"),
                 troupe.Job("echo", "e", tag="e")])]
            assert tags == ["e", "s"]
            assert (await client.status()).in_flight >= 0
    asyncio.run(asyncio.wait_for(main(), 120))


def test_drain_stops_the_node(fresh_node):
    node = fresh_node()
    with troupe.Client(node.address) as client:
        client.drain()
        wait_for(lambda: node.proc.poll() is not None, 30,
                 "the drained node to exit")
        assert node.proc.returncode == 0
        with pytest.raises(troupe.Unreachable):
            client.submit("echo", "x")


def test_a_lost_node_ends_every_job_once(fresh_node):
    node = fresh_node()
    with troupe.Client(node.address) as client:
        stream = client.map("sleep", ["30000"] * 300, concurrency=100,
                            check=False)
        wait_for(lambda: client.status().in_flight >= 50, what="jobs")
        node.proc.send_signal(signal.SIGKILL)
        out = list(stream)
    assert [r.index for r in out] == list(range(300))
    assert all(r.status is troupe.Status.NODE_LOST for r in out)
    assert any("may have run" in r.error for r in out)
    assert any("before the job was sent" in r.error for r in out)


def test_tokens(fresh_node, tmp_path):
    tokens = tmp_path / "tokens"

    def add(name, role):
        return subprocess.run(
            [str(troupe_binary()), "tokens", "add", name, "--role", role,
             "--file", str(tokens)], capture_output=True, text=True,
            check=True, timeout=60).stdout.strip()
    submitter, admin = add("ci", "submit"), add("ops", "admin")
    node = fresh_node("--tokens", str(tokens))
    with troupe.Client(node.address, token="") as client:
        with pytest.raises(troupe.Unauthenticated):
            client.submit("echo", "x")
        with pytest.raises(troupe.Unauthenticated):
            list(client.map("echo", ["x"]))
    with troupe.Client(node.address, token=submitter) as client:
        assert client.submit("echo", "x").output == "x"
        assert [r.output for r in client.map("echo", ["a", "b"])] == \
            ["a", "b"]
        with pytest.raises(troupe.PermissionDenied):
            client.drain()
    os.environ["TROUPE_TOKEN"] = admin
    try:
        with troupe.Client(node.address) as client:
            assert client.status().name
    finally:
        del os.environ["TROUPE_TOKEN"]


def make_certificates(d):
    """A CA and a server certificate for 127.0.0.1, signed by it."""
    def openssl(*args):
        subprocess.run(["openssl", *args], check=True, capture_output=True,
                       timeout=60)
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-subj", "/CN=test ca", "-keyout", str(d / "ca.key"),
            "-out", str(d / "ca.pem"))
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=node",
            "-keyout", str(d / "node.key"), "-out", str(d / "node.csr"))
    (d / "ext").write_text("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    openssl("x509", "-req", "-in", str(d / "node.csr"), "-CA",
            str(d / "ca.pem"), "-CAkey", str(d / "ca.key"),
            "-CAcreateserial", "-days", "2", "-extfile", str(d / "ext"),
            "-out", str(d / "node.pem"))


def test_tls(fresh_node, tmp_path):
    make_certificates(tmp_path)
    node = fresh_node("--tls-cert", str(tmp_path / "node.pem"),
                      "--tls-key", str(tmp_path / "node.key"))
    with troupe.Client(node.address, tls_ca=tmp_path / "ca.pem") as client:
        assert client.submit("echo", "secret").output == "secret"
        assert [r.output for r in client.map("echo", ["a"])] == ["a"]
    with troupe.Client(node.address, connect_timeout=3) as plain:
        with pytest.raises(troupe.Unreachable):
            plain.submit("echo", "x")


def test_python_process_skills_use_the_package(fresh_node):
    node = fresh_node("--config",
                      str(ROOT / "examples" / "skills" / "skills.conf"))
    with troupe.Client(node.address) as client:
        assert client.submit("upper", "hello, wörld").output == \
            "HELLO, WÖRLD"
        stats = client.submit("textstats", "to be or not to be").output
        assert '"words": 6' in stats
        with pytest.raises(troupe.BadInput, match="not UTF-8"):
            client.submit("upper", b"\xff\xfe")
    assert "text_worker ready" in node.log()


def run_example(name, node):
    out = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "python_client" / name),
         "--node", node.address], capture_output=True, text=True,
        timeout=120, env=dict(os.environ, PYTHONPATH=str(ROOT / "python")))
    assert out.returncode == 0, out.stderr
    return out.stdout.splitlines()


def test_the_client_examples_run(node):
    lines = run_example("client.py", node)
    assert lines[0] == 'wordcount: {"be":2,"not":1,"or":1,"to":2}'
    assert lines[1:3] == ["map: 1000 results in order, the last 'item 999'",
                          "first to end: fast"]
    assert lines[3].startswith("then: slow after ")
    assert lines[4] == "fail: SkillError: fail: SKILL_ERROR: on purpose"
    sha = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert run_example("async_client.py", node) == [
        f"sha256: {sha}", "map: 500 results, in order", "detached: OK"]
