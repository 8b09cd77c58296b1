"""The hand-encoded JobBatch of a stream parses as the generated classes
build it."""

import pytest

from troupe import Job, _wire
from troupe.v1 import troupe_pb2 as api


@pytest.mark.parametrize("job, ref", [
    (Job("echo", "x"), 1),
    (Job("echo", "héllo wörld ✓"), 127),
    (Job("echo", b"\x00\xff" * 300), 128),
    (Job("s", bytearray(b"ab"), tag="t", timeout=1.5, priority=-3,
         cache="refresh", max_attempts=2, trace=2 ** 63 + 5), 2 ** 40),
    (Job("echo", ""), 300),
    (Job("ü" * 200, memoryview(b"m"), priority=7), 16384),
])
def test_a_job_parses_as_its_message(job, ref):
    key, data = _wire.payload(job.input)
    entry = _wire.job_entry(job.wire_fields(), key, data, ref)
    batch = api.JobBatch.FromString(entry * 2 + _wire.cancels([5, 300]))
    assert list(batch.jobs) == [job.to_proto(ref)] * 2
    assert list(batch.cancel) == [5, 300]


def test_varints():
    for n in (0, 1, 127, 128, 300, 2 ** 32, 2 ** 64 - 1):
        batch = api.JobBatch.FromString(_wire.cancels([n]))
        assert list(batch.cancel) == [n]
    assert _wire.cancels([]) == b""


def test_inputs_are_text_or_bytes():
    with pytest.raises(TypeError, match="str or bytes, not list"):
        _wire.payload([1])
