"""Jobs of a Run stream encoded by hand (protobuf's wire format).

A stream's throughput is decided by what each job costs in Python: building
a Job message and serializing its JobBatch costs about twice as much as
writing the few bytes a job is. A stream's JobBatch is sent as bytes made
here; the fields that are the same for many jobs (skill and options) are
encoded once. Only what troupe.v1.Job and JobBatch define is written (the
unit tests parse it back with the generated classes).
"""

from typing import Iterable, Tuple

_SMALL = [bytes((i,)) for i in range(128)]

# Field keys: (number << 3) | wire type (0 varint, 2 length-delimited).
JOBS = b"\x0a"          # JobBatch.jobs = 1
CANCEL = b"\x12"        # JobBatch.cancel = 2 (packed)
SKILL = b"\x0a"         # Job.skill = 1
INPUT = b"\x12"         # Job.input = 2 (text)
INPUT_BYTES = b"\x1a"   # Job.input_bytes = 3
REF = b"\x20"           # Job.ref = 4
TAG = b"\x2a"           # Job.tag = 5
TIMEOUT_MS = b"\x30"    # Job.timeout_ms = 6
PRIORITY = b"\x38"      # Job.priority = 7 (int32)
CACHE = b"\x40"         # Job.cache = 8
MAX_ATTEMPTS = b"\x48"  # Job.max_attempts = 9
TRACE = b"\x50"         # Job.trace = 10


def varint(n: int) -> bytes:
    """A non-negative integer as a protobuf varint."""
    if n < 128:
        return _SMALL[n]
    out = bytearray()
    while n > 0x7F:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def text(key: bytes, value: str) -> bytes:
    data = value.encode("utf-8")
    return key + varint(len(data)) + data


def job_fields(skill: str, tag: str = "", timeout_ms: int = 0,
               priority: int = 0, cache: int = 0, max_attempts: int = 0,
               trace: int = 0) -> bytes:
    """A Job's fields besides its input and ref."""
    out = [text(SKILL, skill)]
    if tag:
        out.append(text(TAG, tag))
    if timeout_ms:
        out.append(TIMEOUT_MS + varint(timeout_ms))
    if priority:
        # int32: a negative one is sign-extended to 64 bits.
        out.append(PRIORITY + varint(priority & 0xFFFFFFFFFFFFFFFF))
    if cache:
        out.append(CACHE + varint(cache))
    if max_attempts:
        out.append(MAX_ATTEMPTS + varint(max_attempts))
    if trace:
        out.append(TRACE + varint(trace))
    return b"".join(out)


def payload(data) -> Tuple[bytes, bytes]:
    """The input's field key and bytes: text for `str`, else bytes."""
    if type(data) is str:
        return INPUT, data.encode("utf-8")
    if type(data) is bytes:
        return INPUT_BYTES, data
    if isinstance(data, (bytearray, memoryview)):
        return INPUT_BYTES, bytes(data)
    raise TypeError(f"a job's input is str or bytes, not "
                    f"{type(data).__name__}")


def job_entry(fields: bytes, key: bytes, data: bytes, ref: int) -> bytes:
    """One job as an element of JobBatch.jobs."""
    body = b"".join((fields, key, varint(len(data)), data, REF, varint(ref)))
    return JOBS + varint(len(body)) + body


def cancels(refs: Iterable[int]) -> bytes:
    """JobBatch.cancel with these refs."""
    packed = b"".join(varint(r) for r in refs)
    return CANCEL + varint(len(packed)) + packed if packed else b""
