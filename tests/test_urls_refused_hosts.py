"""Addresses the sandbox never calls, whether configured or reached by a redirect."""

from __future__ import annotations

import pytest

from appstore_sandbox.urls import callback_url_problem, host_problem, outbound_url_problem

NEVER = "; the sandbox never calls one"


@pytest.mark.parametrize(
    ("host", "problem"),
    [
        ("0.0.0.0", "0.0.0.0 is an unspecified address"),
        ("0", "0.0.0.0 is an unspecified address"),
        ("::", ":: is an unspecified address"),
        ("::ffff:0.0.0.0", "0.0.0.0 is an unspecified address"),
        ("169.254.169.254", "169.254.169.254 is a cloud metadata address"),
        ("2852039166", "169.254.169.254 is a cloud metadata address"),  # the same, as one number
        ("fd00:ec2::254", "fd00:ec2::254 is a cloud metadata address"),
        ("::ffff:169.254.169.254", "169.254.169.254 is a cloud metadata address"),
        ("metadata.google.internal", "metadata.google.internal is a cloud metadata host"),
        ("Metadata.Google.Internal.", "Metadata.Google.Internal. is a cloud metadata host"),
        ("169.254.0.1", "169.254.0.1 is a link-local address"),
        ("fe80::1", "fe80::1 is a link-local address"),
    ],
)
def test_refused_hosts(host: str, problem: str) -> None:
    assert host_problem(host) == problem + NEVER


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "::1", "localhost", "example.com", "10.0.0.1", "fd00::1", "metadata.io"]
)
def test_other_hosts_are_not_refused(host: str) -> None:
    assert host_problem(host) is None


@pytest.mark.parametrize("strict", [False, True])
@pytest.mark.parametrize(
    "url",
    [
        "https://169.254.169.254/latest/meta-data/",
        "https://[fe80::1]/retention",
        "https://0.0.0.0:8443/retention",
        "http://0.0.0.0:8000/retention",
        "https://metadata.google.internal/computeMetadata/v1/",
    ],
)
def test_such_a_callback_url_is_refused_in_any_mode(url: str, strict: bool) -> None:
    problem = callback_url_problem(url, strict=strict)
    assert problem is not None and problem.endswith(NEVER)


def test_a_redirect_may_be_longer_than_a_callback_url() -> None:
    long_url = "https://example.com/" + "a" * 300
    assert callback_url_problem(long_url, strict=True) is not None
    assert outbound_url_problem(long_url, strict=True) is None
