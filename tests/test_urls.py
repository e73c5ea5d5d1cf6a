"""Which callback URLs (realtime URL, notification URLs) the sandbox accepts."""

from __future__ import annotations

import pytest

from appstore_sandbox.urls import MAX_URL_LENGTH, callback_url_problem, is_loopback_host

HTTPS_256 = "https://example.com/" + "a" * 236


@pytest.mark.parametrize("strict", [False, True])
@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/retention",
        "https://example.com:8443/retention?x=1",
        "https://localhost/retention",
        "https://[2001:db8::1]/retention",
        HTTPS_256,
    ],
)
def test_https_is_accepted(url: str, strict: bool) -> None:
    assert callback_url_problem(url, strict=strict) is None


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost:8000/retention",
        "http://LOCALHOST/retention",
        "http://127.0.0.1:8000/retention",
        "http://127.1.2.3/retention",
        "http://[::1]:8000/retention",
    ],
)
def test_http_loopback_is_accepted_only_outside_strict_mode(url: str) -> None:
    assert callback_url_problem(url, strict=False) is None
    assert callback_url_problem(url, strict=True) == "the URL must start with https://"


@pytest.mark.parametrize("strict", [False, True])
@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/retention",
        "http://127.example.com/retention",
        "http://10.0.0.1/retention",
        "http://127.0.0.1@example.com/retention",  # the host is example.com
    ],
)
def test_http_to_other_hosts_is_rejected(url: str, strict: bool) -> None:
    problem = callback_url_problem(url, strict=strict)
    assert problem is not None
    if not strict:
        assert "loopback" in problem


def test_length_limit_is_256_characters() -> None:
    assert len(HTTPS_256) == MAX_URL_LENGTH == 256
    assert callback_url_problem(HTTPS_256, strict=True) is None
    too_long = HTTPS_256 + "a"
    assert callback_url_problem(too_long, strict=False) == (
        "the URL is 257 characters long; at most 256 are allowed"
    )


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("/retention", "must be absolute"),
        ("retention", "must be absolute"),
        ("example.com/retention", "must be absolute"),
        ("", "must be absolute"),
        ("https://", "must be absolute"),
        ("https://example.com:99999/retention", "malformed"),
        ("https://example.com:http/retention", "malformed"),
        ("https://[::1/retention", "malformed"),
        ("ftp://example.com/retention", "must start with https://"),
        ("//example.com/retention", "must start with https://"),
        ("https://exa mple.com/retention", "spaces or control characters"),
        ("https://example.com/re\ntention", "spaces or control characters"),
        ("https://exa\tmple.com/retention", "spaces or control characters"),
    ],
)
def test_malformed_urls_are_rejected(url: str, expected: str) -> None:
    for strict in (False, True):
        problem = callback_url_problem(url, strict=strict)
        assert problem is not None
        assert expected in problem


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("localhost", True),
        ("LocalHost", True),
        ("127.0.0.1", True),
        ("127.1.2.3", True),
        ("::1", True),
        ("127.example.com", False),
        ("localhost.example.com", False),
        ("128.0.0.1", False),
        ("0.0.0.0", False),
        ("example.com", False),
    ],
)
def test_is_loopback_host(host: str, loopback: bool) -> None:
    assert is_loopback_host(host) is loopback
