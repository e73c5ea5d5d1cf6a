"""https: certificates are verified, and kernel timestamps still time the reply."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from appstore_sandbox.outbound.results import SendAttemptResult
from appstore_sandbox.outbound.sender import Sender
from tests.outbound.sending import BODY, USER_AGENT, post
from tests.outbound.servers import (
    Certificate,
    answering,
    raw_server,
    response,
    run_on,
    self_signed_certificate,
)


@pytest.fixture(scope="module")
def certificate() -> Certificate:
    return self_signed_certificate()


def test_an_untrusted_certificate_is_a_tls_issue(
    loop_name: str, certificate: Certificate, tmp_path: Path
) -> None:
    with raw_server(answering(response()), certificate.server_context(tmp_path)) as server:
        exchange = post(loop_name, server.url())
    assert exchange.failure is SendAttemptResult.TLS_ISSUE
    assert exchange.explanation.startswith("TLS failed: certificate verify failed")
    assert exchange.latency_us is None


def test_a_trusted_certificate_carries_requests_over_one_connection(
    loop_name: str, certificate: Certificate, tmp_path: Path
) -> None:
    async def two_posts(url: str) -> list[bytes | None]:
        sender = Sender(1, USER_AGENT, ssl_context=certificate.client_context())
        try:
            exchanges = [await sender.post(url, BODY, 5) for _ in range(2)]
        finally:
            await sender.close()
        if sys.platform == "linux":
            assert all(exchange.clock == "kernel" for exchange in exchanges)
        return [exchange.reply.body if exchange.reply else None for exchange in exchanges]

    with raw_server(
        answering(response(b'{"ok":1}')), certificate.server_context(tmp_path)
    ) as server:
        bodies = run_on(loop_name, two_posts(server.url()))
        assert server.connections == 1
    assert bodies == [b'{"ok":1}', b'{"ok":1}']
    assert [request.body for request in server.requests] == [BODY, BODY]
