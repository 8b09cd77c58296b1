"""Results, jobs, statuses and exceptions: no node, no network."""

import re
import subprocess
import sys

import grpc
import pytest

import troupe
from conftest import PYTHON_DIR, ROOT
from troupe import errors
from troupe.v1 import troupe_pb2 as api


def test_enums_match_the_proto():
    assert {s.name: s.value for s in troupe.Status} == {
        v.name: v.number for v in api.JobStatus.DESCRIPTOR.values
        if v.number != 0}
    assert {c.name: c.value for c in troupe.CacheMode} == {
        v.name[len("CACHE_"):]: v.number
        for v in api.CacheMode.DESCRIPTOR.values}
    assert {a.name: a.value for a in troupe.BreakerAction} == {
        v.name: v.number for v in api.BreakerRequest.Action.DESCRIPTOR.values}


def test_every_failed_status_has_its_exception():
    for status in troupe.Status:
        if status is troupe.Status.OK:
            continue
        cls = errors.job_error_class(status.name)
        assert cls is not troupe.JobError and issubclass(cls, troupe.JobError)
        assert cls.status_name == status.name
        assert getattr(troupe, cls.__name__) is cls


def test_the_version_is_troupes():
    cmake = (ROOT / "CMakeLists.txt").read_text()
    version = re.search(r"project\(troupe VERSION ([0-9.]+)", cmake).group(1)
    assert troupe.__version__ == version


def result(**fields):
    return troupe.Result(api.JobResult(**fields))


def test_result_output_keeps_text_and_bytes_apart():
    assert result(status=1, output="héllo").output == "héllo"
    assert result(status=1, output_bytes=b"\xff").output == b"\xff"
    assert result(status=1, output="").output == ""
    assert result(status=2, error="x").output is None


def test_result_status_and_raise_for_status():
    ok = result(status=1, output="x", skill="echo")
    assert ok.ok and ok.status is troupe.Status.OK
    assert ok.raise_for_status() is ok and ok.exception() is None
    failed = result(status=5, error="open", skill="flaky", retry_after_ms=1500)
    assert not failed.ok and failed.status is troupe.Status.BREAKER_OPEN
    with pytest.raises(troupe.BreakerOpen) as info:
        failed.raise_for_status()
    assert info.value.result is failed
    assert info.value.retry_after == 1.5
    assert info.value.status is troupe.Status.BREAKER_OPEN
    assert "flaky: BREAKER_OPEN: open" in str(info.value)
    assert isinstance(info.value, troupe.TroupeError)
    assert failed.to_dict()["status"] == "BREAKER_OPEN"


def test_job_sends_text_as_input_and_anything_else_as_bytes():
    assert troupe.Job("echo", "hé").to_proto().input == "hé"
    for data in (b"\x00\xff", bytearray(b"\x00\xff"), memoryview(b"\x00\xff")):
        msg = troupe.Job("echo", data).to_proto()
        assert msg.WhichOneof("payload") == "input_bytes"
        assert msg.input_bytes == b"\x00\xff"
    with pytest.raises(TypeError, match="str or bytes, not int"):
        troupe.Job("echo", 42).to_proto()


def test_job_options():
    msg = troupe.Job("echo", "x", tag="t", timeout=1.5, priority=3,
                     cache="bypass", max_attempts=2, trace=7).to_proto(ref=9)
    assert (msg.tag, msg.timeout_ms, msg.priority, msg.cache,
            msg.max_attempts, msg.trace, msg.ref) == ("t", 1500, 3, 1, 2, 7, 9)
    assert troupe.Job("echo", "x", cache=troupe.CacheMode.REFRESH
                      ).to_proto().cache == 2
    with pytest.raises(ValueError, match="cache must be one of"):
        troupe.Job("echo", "x", cache="sometimes").to_proto()
    with pytest.raises(ValueError, match="timeout must be positive"):
        troupe.Job("echo", "x", timeout=0).to_proto()


@pytest.mark.parametrize("code, cls", [
    (grpc.StatusCode.UNAVAILABLE, troupe.Unreachable),
    (grpc.StatusCode.UNAUTHENTICATED, troupe.Unauthenticated),
    (grpc.StatusCode.PERMISSION_DENIED, troupe.PermissionDenied),
    (grpc.StatusCode.RESOURCE_EXHAUSTED, troupe.ResourceExhausted),
    (grpc.StatusCode.DEADLINE_EXCEEDED, troupe.DeadlineExceeded),
    (grpc.StatusCode.NOT_FOUND, troupe.NotFound),
    (grpc.StatusCode.FAILED_PRECONDITION, troupe.FailedPrecondition),
    (grpc.StatusCode.UNIMPLEMENTED, troupe.Unimplemented),
    (grpc.StatusCode.INTERNAL, troupe.RpcError),
])
def test_failed_calls_raise_their_class(code, cls):
    e = errors.rpc_error(code, "why", "h:1")
    assert type(e) is cls and e.code is code and e.details == "why"
    assert "h:1" in str(e)


def test_resource_exhausted_says_when_to_retry():
    e = errors.rpc_error(grpc.StatusCode.RESOURCE_EXHAUSTED,
                         "64 jobs in flight, the token's limit is 64; "
                         "retry in 100ms", "h:1")
    assert e.retry_after == pytest.approx(0.1)
    e = errors.rpc_error(grpc.StatusCode.RESOURCE_EXHAUSTED, "no",
                         "h:1", (("retry-after-ms", "2500"),))
    assert e.retry_after == 2.5
    assert errors.rpc_error(grpc.StatusCode.RESOURCE_EXHAUSTED, "batch too "
                            "large", "h:1").retry_after is None


def test_importing_troupe_needs_no_grpc():
    # Worker processes import the package with protobuf only.
    code = ("import sys; sys.modules['grpc'] = None; import troupe, "
            "troupe.worker; print(troupe.Status.OK.name)")
    out = subprocess.run([sys.executable, "-c", code], cwd=PYTHON_DIR,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "OK"


def test_the_client_without_grpc_says_what_to_install():
    code = ("import sys; sys.modules['grpc'] = None; import troupe; "
            "troupe.Client")
    out = subprocess.run([sys.executable, "-c", code], cwd=PYTHON_DIR,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode != 0
    assert "the troupe client needs grpcio" in out.stderr
    assert "python3-grpcio" in out.stderr
