"""Where the sandbox may send: the rule every URL and every redirect hop is checked against."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from appstore_sandbox.urls import outbound_url_problem


@dataclass(frozen=True, slots=True)
class OutboundPolicy:
    """The callback URL rule (``strict``: https only), and for shared deployments an optional
    list of the only hosts that may be called (empty: any host the rule allows).

    Link-local, cloud-metadata and unspecified addresses are refused whatever the policy.
    """

    strict: bool = False
    allowed_hosts: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "allowed_hosts", normalized_hosts(self.allowed_hosts))

    @classmethod
    def from_setting(cls, strict: bool, allowed_hosts: str | None) -> OutboundPolicy:
        """The policy for ``strict`` and a comma-separated host list (None or blank: no list)."""
        return cls(strict, tuple((allowed_hosts or "").split(",")))

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> OutboundPolicy:
        return cls(bool(data["strict"]), tuple(data["allowed_hosts"]))

    def problem(self, url: str, host: str) -> str | None:
        """Why ``url`` (whose host, IDNA-encoded, is ``host``) must not be called, or None."""
        problem = outbound_url_problem(url, strict=self.strict)
        if problem is None and self.allowed_hosts and normal_host(host) not in self.allowed_hosts:
            problem = f"{host} is not on the sandbox's list of allowed hosts"
        return problem


def normalized_hosts(hosts: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(normal_host(host) for host in hosts if host.strip()))


def normal_host(host: str) -> str:
    """``host`` as hosts are compared: lower case, no brackets or final dot, IDNA-encoded."""
    host = host.strip().lower().removeprefix("[").removesuffix("]").rstrip(".")
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return host


DEFAULT_POLICY = OutboundPolicy()
