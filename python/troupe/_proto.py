"""The generated protobuf modules, imported with a useful error when the
protobuf runtime is missing or too old."""

try:
    from .v1 import troupe_pb2 as api  # noqa: F401 (the client API)
    from .wire import troupe_pb2 as wire  # noqa: F401 (the worker protocol)
except ImportError as e:  # pragma: no cover - depends on the system
    raise ImportError(
        f"troupe needs protobuf 3.20 or later: {e}. On Debian: apt install "
        f"python3-protobuf, and run Debian's /usr/bin/python3 (another "
        f"python3 on PATH may not see it)") from e
