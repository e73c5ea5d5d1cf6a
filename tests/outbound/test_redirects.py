"""Redirects are followed as aiohttp followed them: 307/308 post again, 301/302/303 GET."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from appstore_sandbox.outbound.results import SendAttemptResult
from tests.outbound.sending import BODY, post
from tests.outbound.servers import Peer, raw_server, response


def _redirecting(status: str, location: str = "/final") -> Callable[[Peer], None]:
    """Every request but one to /final is redirected to ``location`` with ``status``."""

    def serve(peer: Peer) -> None:
        while (request := peer.request()) is not None:
            if request.path == "/final":
                peer.send(response(b'{"final":true}'))
            else:
                peer.send(response(b"", status, (f"Location: {location}",)))

    return serve


@pytest.mark.parametrize("status", ["307 Temporary Redirect", "308 Permanent Redirect"])
def test_a_temporary_or_permanent_redirect_posts_the_body_again(
    loop_name: str, status: str
) -> None:
    with raw_server(_redirecting(status)) as server:
        exchange = post(loop_name, server.url("/start?x=1"))
    assert exchange.reply is not None and exchange.reply.body == b'{"final":true}'
    sent = [(request.method, request.path, request.body) for request in server.requests]
    assert sent == [("POST", "/start?x=1", BODY), ("POST", "/final", BODY)]


@pytest.mark.parametrize("status", ["301 Moved Permanently", "302 Found", "303 See Other"])
def test_other_redirects_are_followed_with_a_get(loop_name: str, status: str) -> None:
    with raw_server(_redirecting(status)) as server:
        exchange = post(loop_name, server.url("/start"))
    assert exchange.reply is not None and exchange.reply.status == 200
    final = server.requests[-1]
    assert (final.method, final.path, final.body) == ("GET", "/final", b"")
    assert "content-length" not in final.headers


def test_a_redirect_loop_is_a_circular_redirect(loop_name: str) -> None:
    with raw_server(_redirecting("307 Temporary Redirect", "/again")) as server:
        exchange = post(loop_name, server.url("/start"))
    assert exchange.failure is SendAttemptResult.CIRCULAR_REDIRECT
    assert exchange.explanation == "more than 10 redirects"
    assert len(server.requests) == 11


def test_a_redirect_to_another_scheme_is_an_invalid_url(loop_name: str) -> None:
    with raw_server(_redirecting("302 Found", "ftp://127.0.0.1/file")) as server:
        exchange = post(loop_name, server.url("/start"))
    assert exchange.failure is SendAttemptResult.OTHER
    assert exchange.explanation == "invalid URL: ftp://127.0.0.1/file"
