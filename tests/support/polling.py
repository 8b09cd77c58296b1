"""What the Python integration tests share: bounded polling and free
ports on loopback."""

import socket
import time


def wait_for(what, check, seconds=30.0, step=0.05):
    """Polls `check` until it returns something true, for at most `seconds`;
    returns what it returned."""
    deadline = time.monotonic() + seconds
    while True:
        got = check()
        if got:
            return got
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(step)


def free_port() -> int:
    """A port free on 127.0.0.1 now (another process may take it before it
    is bound: callers that bind it later retry)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
