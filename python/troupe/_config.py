"""How a client reaches its node: address, token, TLS and channel options.
Shared by the sync and asyncio clients; imports grpc."""

from __future__ import annotations

import os
from pathlib import Path
from typing import List, Optional, Tuple, Union

try:
    import grpc
except ImportError as e:  # pragma: no cover - depends on the system
    raise ImportError(
        f"the troupe client needs grpcio: {e}. On Debian: apt install "
        f"python3-grpcio, and run Debian's /usr/bin/python3 (another python3 "
        f"on PATH may not see it). Worker processes (troupe.worker) need "
        f"only protobuf.") from e

from .errors import Unreachable

DEFAULT_ADDRESS = "127.0.0.1:4710"

PathOrBytes = Union[str, os.PathLike, bytes, None]

# Messages a node may send: results up to its max-job-bytes (16 MiB by
# default) plus their batch; gRPC's default of 4 MiB would refuse them.
_MAX_RECEIVE = 256 * 1024 * 1024
_OPTIONS = [
    ("grpc.max_receive_message_length", _MAX_RECEIVE),
    ("grpc.max_send_message_length", -1),
    # A node that vanishes without closing the connection is noticed
    # within ~40 s even while a stream waits for a long job (nodes accept
    # a ping every 10 s at most).
    ("grpc.keepalive_time_ms", 30_000),
    ("grpc.keepalive_timeout_ms", 10_000),
    ("grpc.http2.max_pings_without_data", 0),
    ("grpc.keepalive_permit_without_calls", 1),
    # One connection per client, not shared with other clients of the
    # same process, so that closing one cancels only its calls.
    ("grpc.use_local_subchannel_pool", 1),
]


def _read(what: str, value: PathOrBytes) -> Optional[bytes]:
    if value is None or isinstance(value, bytes):
        return value
    try:
        return Path(value).read_bytes()
    except OSError as e:
        raise ValueError(f"cannot read {what} {value}: {e.strerror}") from e


class Config:
    """A client's settings, checked once."""

    def __init__(self, address: Optional[str], token: Optional[str],
                 tls: Optional[bool], tls_ca: PathOrBytes,
                 tls_cert: PathOrBytes, tls_key: PathOrBytes,
                 connect_timeout: float, call_timeout: Optional[float],
                 default_timeout: Optional[float], options):
        self.address = address or DEFAULT_ADDRESS
        host, sep, port = self.address.rpartition(":")
        if not sep or not host or not port.isdigit() or \
                not 0 < int(port) < 65536:
            raise ValueError(f"address must be HOST:PORT with a port in "
                             f"1..65535, got {self.address!r}")
        if token is None:
            token = os.environ.get("TROUPE_TOKEN") or None
        self.metadata: Tuple[Tuple[str, str], ...] = \
            (("authorization", f"Bearer {token}"),) if token else ()
        if (tls_cert is None) != (tls_key is None):
            raise ValueError("tls_cert and tls_key go together")
        if tls is None:
            tls = tls_ca is not None or tls_cert is not None
        self.credentials = None
        if tls:
            self.credentials = grpc.ssl_channel_credentials(
                root_certificates=_read("tls_ca", tls_ca),
                private_key=_read("tls_key", tls_key),
                certificate_chain=_read("tls_cert", tls_cert))
        if connect_timeout <= 0:
            raise ValueError("connect_timeout must be positive")
        self.connect_timeout = connect_timeout
        self.call_timeout = call_timeout
        self.default_timeout = default_timeout
        self.options: List[Tuple[str, object]] = list(_OPTIONS)
        self.options += list(options or [])

    def channel(self, module):
        """A channel of `module` (grpc or grpc.aio)."""
        if self.credentials is None:
            return module.insecure_channel(self.address, options=self.options)
        return module.secure_channel(self.address, self.credentials,
                                     options=self.options)

    def unreachable(self, why: str) -> Unreachable:
        tls = "TLS" if self.credentials is not None else "plaintext"
        return Unreachable(
            f"cannot reach node {self.address} ({why}: is a troupe node "
            f"listening there, speaking {tls}?)")


#: Connectivity states that end a wait for the channel to be ready.
READY = grpc.ChannelConnectivity.READY
FAILED = (grpc.ChannelConnectivity.TRANSIENT_FAILURE,
          grpc.ChannelConnectivity.SHUTDOWN)
