from __future__ import annotations

import socket
import sys
import time
from collections.abc import Iterator

import pytest

from appstore_sandbox.outbound import timestamps
from tests.outbound.servers import LOOPS

STAMPS_ON_TIMEOUT_S = 5


@pytest.fixture(params=sorted(LOOPS))
def loop_name(request: pytest.FixtureRequest) -> str:
    """Every sender test runs on both event loops the sandbox uses: uvloop and asyncio's."""
    return str(request.param)


@pytest.fixture(scope="session", autouse=True)
def kernel_timestamps_on() -> Iterator[None]:
    """Linux turns receive timestamping on for the whole system when the first socket asks for
    it, but later, from a work queue, and off again when the last one closes: on a busy machine
    a test's first reply can arrive before it is on and be timed by the user clock. Keep one
    stamped socket open for the session, and wait until its bytes come stamped."""
    if sys.platform != "linux":
        yield
        return
    with (
        socket.create_server(("127.0.0.1", 0)) as server,
        socket.create_connection(server.getsockname()) as keeper,
    ):
        timestamps.enable(keeper)
        sender, _ = server.accept()
        with sender:
            deadline = time.monotonic() + STAMPS_ON_TIMEOUT_S
            while time.monotonic() < deadline:
                sender.sendall(b"x")
                _, ancillary, _, _ = keeper.recvmsg(1, timestamps.ANCILLARY_SIZE)
                if timestamps.received_ns(ancillary):
                    break
                time.sleep(0.01)
            yield
