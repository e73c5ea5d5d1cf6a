"""Every URL and redirect hop is checked like a callback URL; a refused one is never called."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest

from appstore_sandbox.outbound import connection
from appstore_sandbox.outbound.policy import OutboundPolicy
from appstore_sandbox.outbound.results import Exchange, SendAttemptResult
from appstore_sandbox.outbound.sender import Sender
from appstore_sandbox.outbound.transport import SenderTransports, TransportOptions
from tests.outbound.sending import BODY, USER_AGENT, post
from tests.outbound.servers import (
    answering,
    raw_server,
    redirecting,
    response,
    run_on,
    self_signed_certificate,
    untouched_listener,
)

UNSPECIFIED = "0.0.0.0 is an unspecified address; the sandbox never calls one"


def test_connecting_to_the_unspecified_address_reaches_a_loopback_listener() -> None:
    """Why 0.0.0.0 is refused: on Linux it is this machine under a name that is not loopback."""
    with untouched_listener() as listener:
        try:
            socket.create_connection(("0.0.0.0", listener.port), timeout=2).close()
        except OSError:
            pytest.skip("connecting to 0.0.0.0 does not reach this machine here")
        assert listener.touched()


@pytest.mark.parametrize(
    ("location", "problem"),
    [
        ("http://0.0.0.0:{port}/", UNSPECIFIED),
        ("https://0.0.0.0:{port}/", UNSPECIFIED),
        ("https://0:{port}/", UNSPECIFIED),  # the resolver reads "0" as 0.0.0.0
        ("http://[::]:{port}/", ":: is an unspecified address; the sandbox never calls one"),
        ("http://[::ffff:0.0.0.0]:{port}/", UNSPECIFIED),  # IPv4-mapped
    ],
)
def test_a_redirect_to_an_unspecified_address_is_refused_unconnected(
    loop_name: str, location: str, problem: str
) -> None:
    with untouched_listener() as listener:
        hop = location.format(port=listener.port)
        with raw_server(redirecting(hop)) as server:
            exchange = post(loop_name, server.url("/notifications"))
        assert not listener.touched()
    assert exchange.failure is SendAttemptResult.OTHER
    assert exchange.explanation == f"redirect to {hop} refused: {problem}"
    assert len(server.requests) == 1


@pytest.mark.parametrize(
    ("location", "problem"),
    [
        (
            "http://169.254.169.254/latest/meta-data/",
            "169.254.169.254 is a cloud metadata address",
        ),
        (
            "https://169.254.169.254/latest/meta-data/",
            "169.254.169.254 is a cloud metadata address",
        ),
        ("https://[fd00:ec2::254]/latest/", "fd00:ec2::254 is a cloud metadata address"),
        ("https://[::ffff:169.254.169.254]/", "169.254.169.254 is a cloud metadata address"),
        (
            "http://metadata.google.internal/v1/",
            "metadata.google.internal is a cloud metadata host",
        ),
        ("https://169.254.10.20/", "169.254.10.20 is a link-local address"),
        ("https://[fe80::1]:8443/", "fe80::1 is a link-local address"),
    ],
)
def test_a_redirect_to_link_local_or_metadata_is_refused(
    loop_name: str, location: str, problem: str
) -> None:
    with raw_server(redirecting(location, "302 Found")) as server:
        exchange = post(loop_name, server.url("/start"), timeout_s=2)
    assert exchange.failure is SendAttemptResult.OTHER
    assert exchange.explanation == f"redirect to {location} refused: {problem}; " + (
        "the sandbox never calls one"
    )


def test_a_redirect_to_http_on_another_host_is_refused(loop_name: str) -> None:
    with raw_server(redirecting("http://10.1.2.3:9/collect")) as server:
        exchange = post(loop_name, server.url(), timeout_s=2)
    assert exchange.failure is SendAttemptResult.OTHER
    assert exchange.explanation == (
        "redirect to http://10.1.2.3:9/collect refused: "
        "http:// is accepted only for loopback hosts (localhost, 127.0.0.0/8, ::1)"
    )


def test_a_redirect_to_an_allowed_loopback_url_is_followed(loop_name: str) -> None:
    with raw_server(answering(response(b'{"final":true}'))) as final:
        with raw_server(redirecting(f"http://localhost:{final.port}/final")) as first:
            exchange = post(loop_name, first.url("/start"))
        assert [request.body for request in final.requests] == [BODY]
    assert exchange.reply is not None and exchange.reply.body == b'{"final":true}'


def test_strict_mode_refuses_a_downgrade_from_https_to_http(loop_name: str, tmp_path: Path) -> None:
    certificate = self_signed_certificate()
    options: dict[str, Any] = {
        "ssl_context": certificate.client_context(),
        "policy": OutboundPolicy(strict=True),
    }
    with untouched_listener() as listener:
        hop = f"http://127.0.0.1:{listener.port}/"
        tls = certificate.server_context(tmp_path)
        with raw_server(redirecting(hop), tls=tls) as server:
            exchange = post(loop_name, server.url(), **options)
        assert not listener.touched()
    assert exchange.failure is SendAttemptResult.OTHER
    assert exchange.explanation == f"redirect to {hop} refused: the URL must start with https://"
    assert len(server.requests) == 1  # the https server itself was called


def test_strict_mode_refuses_an_http_url(loop_name: str) -> None:
    with untouched_listener() as listener:
        url = f"http://127.0.0.1:{listener.port}/"
        exchange = post(loop_name, url, policy=OutboundPolicy(strict=True))
        assert not listener.touched()
    assert exchange.failure is SendAttemptResult.OTHER
    assert exchange.latency_us is None
    assert exchange.explanation == f"{url} refused: the URL must start with https://"


def test_with_an_allow_list_a_host_not_on_it_is_refused(loop_name: str) -> None:
    policy = OutboundPolicy(allowed_hosts=("127.0.0.1",))
    with untouched_listener() as listener:
        hop = f"http://localhost:{listener.port}/"
        with raw_server(redirecting(hop)) as server:
            redirected = post(loop_name, server.url(), policy=policy)
            direct = post(loop_name, hop, policy=policy)
        assert not listener.touched()
    assert redirected.failure is SendAttemptResult.OTHER
    assert redirected.explanation == (
        f"redirect to {hop} refused: localhost is not on the sandbox's list of allowed hosts"
    )
    assert direct.explanation == (
        f"{hop} refused: localhost is not on the sandbox's list of allowed hosts"
    )
    assert len(server.requests) == 1  # 127.0.0.1 is on the list


def test_a_circular_redirect_is_still_one(loop_name: str) -> None:
    policy = OutboundPolicy(allowed_hosts=("127.0.0.1",))
    with raw_server(redirecting("/again")) as server:
        exchange = post(loop_name, server.url("/start"), policy=policy)
    assert exchange.failure is SendAttemptResult.CIRCULAR_REDIRECT
    assert len(server.requests) == 11


def test_a_name_resolving_to_a_refused_address_is_not_connected(
    loop_name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A name can resolve to any address (DNS rebinding): each address is checked too."""
    with untouched_listener() as listener:

        async def rebinding(
            loop: Any, host: str, port: int
        ) -> list[tuple[socket.AddressFamily, tuple[str, int]]]:
            return [(socket.AF_INET, ("0.0.0.0", port))]

        monkeypatch.setattr(connection, "_addresses", rebinding)
        exchange = post(loop_name, f"https://rebound.example:{listener.port}/")
        assert not listener.touched()
    assert exchange.failure is SendAttemptResult.OTHER
    assert exchange.explanation == f"connection to rebound.example refused: {UNSPECIFIED}"


def test_a_name_resolving_to_the_sandbox_itself_is_not_connected(
    loop_name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A name that passed as a URL can resolve to the sandbox's own address at send time."""
    with untouched_listener() as listener:
        policy = OutboundPolicy(own_address=("0.0.0.0", listener.port))

        async def rebinding(
            loop: Any, host: str, port: int
        ) -> list[tuple[socket.AddressFamily, tuple[str, int]]]:
            return [(socket.AF_INET, ("127.0.0.1", port))]

        monkeypatch.setattr(connection, "_addresses", rebinding)
        exchange = post(loop_name, f"https://rebound.example:{listener.port}/", policy=policy)
        assert not listener.touched()
    assert exchange.failure is SendAttemptResult.OTHER
    assert exchange.explanation == (
        f"connection to rebound.example refused: 127.0.0.1:{listener.port} is this sandbox's "
        f"own address (it listens on 0.0.0.0:{listener.port}); the sandbox never calls itself"
    )


def test_a_redirect_to_the_sandbox_itself_is_refused_unconnected(loop_name: str) -> None:
    with untouched_listener() as listener:
        policy = OutboundPolicy(own_address=("127.0.0.1", listener.port))
        hop = f"http://localhost:{listener.port}/_sandbox/v1/apps/com.example.app/keys"
        with raw_server(redirecting(hop)) as server:
            exchange = post(loop_name, server.url("/retention"), policy=policy)
        assert not listener.touched()
    assert exchange.failure is SendAttemptResult.OTHER
    assert exchange.explanation == (
        f"redirect to {hop} refused: localhost:{listener.port} is this sandbox's own address "
        f"(it listens on 127.0.0.1:{listener.port}); the sandbox never calls itself"
    )
    assert len(server.requests) == 1


class _CountingPolicy(OutboundPolicy):
    __slots__ = ()
    checked: list[str] = []  # noqa: RUF012 - one test's record

    def problem(self, url: str, host: str, port: int) -> str | None:
        self.checked.append(url)
        return super().problem(url, host, port)


def test_the_policy_is_checked_once_per_new_url(loop_name: str) -> None:
    policy = _CountingPolicy()
    policy.checked.clear()

    async def five_posts(first: str) -> list[Exchange]:
        sender = Sender(2, USER_AGENT, policy=policy)
        try:
            return [await sender.post(first, BODY, 5) for _ in range(5)]
        finally:
            await sender.close()

    with raw_server(answering(response())) as final:
        final_url = f"http://127.0.0.1:{final.port}/final"
        with raw_server(redirecting(final_url)) as first:
            exchanges = run_on(loop_name, five_posts(first.url("/start")))
    assert all(exchange.reply is not None for exchange in exchanges)
    assert policy.checked == [first.url("/start"), final_url]


def test_the_opener_gives_every_sender_its_policy(loop_name: str) -> None:
    transports = SenderTransports(OutboundPolicy(strict=True))

    async def post_once(url: str) -> Exchange:
        transport = transports.open(TransportOptions(1, USER_AGENT))
        try:
            return await transport.post(url, BODY, 5)
        finally:
            await transport.close()

    with untouched_listener() as listener:
        exchange = run_on(loop_name, post_once(f"http://127.0.0.1:{listener.port}/"))
        assert not listener.touched()
    assert exchange.explanation.endswith("refused: the URL must start with https://")


@pytest.mark.parametrize(
    ("setting", "hosts"),
    [
        (None, ()),
        ("", ()),
        (" , ", ()),
        ("Example.COM", ("example.com",)),
        (" a.example , [::1],127.0.0.1., a.example", ("a.example", "::1", "127.0.0.1")),
        ("bücher.example", ("xn--bcher-kva.example",)),
    ],
)
def test_the_allow_list_setting_is_a_comma_separated_list(
    setting: str | None, hosts: tuple[str, ...]
) -> None:
    policy = OutboundPolicy.from_setting(False, setting)
    assert policy.allowed_hosts == hosts
    assert OutboundPolicy.from_json({"strict": False, "allowed_hosts": list(hosts)}) == policy


def test_allowed_hosts_are_matched_as_normalized() -> None:
    policy = OutboundPolicy.from_setting(False, "LOCALHOST,::1")
    assert policy.problem("http://localhost:8000/", "localhost", 8000) is None
    assert policy.problem("http://[::1]:8000/", "::1", 8000) is None
    assert policy.problem("https://example.com/", "example.com", 443) == (
        "example.com is not on the sandbox's list of allowed hosts"
    )
    assert policy.problem("https://169.254.169.254/", "169.254.169.254", 443) == (
        "169.254.169.254 is a cloud metadata address; the sandbox never calls one"
    )
