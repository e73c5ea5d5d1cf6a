"""Posting from a test: a fresh Sender per call, on the event loop the test names."""

from __future__ import annotations

from typing import Any

from appstore_sandbox.outbound.results import Exchange
from appstore_sandbox.outbound.sender import Sender
from tests.outbound.servers import run_on

BODY = b'{"signedPayload":"x"}'
USER_AGENT = "appstore-sandbox tests"


async def post_once(url: str, timeout_s: float = 5, **options: Any) -> Exchange:
    sender = Sender(4, USER_AGENT, **options)
    try:
        return await sender.post(url, BODY, timeout_s)
    finally:
        await sender.close()


def post(loop_name: str, url: str, timeout_s: float = 5, **options: Any) -> Exchange:
    return run_on(loop_name, post_once(url, timeout_s, **options))
