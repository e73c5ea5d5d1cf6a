"""Where the sandbox may send: the rule every URL and every redirect hop is checked against."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from appstore_sandbox.outbound.target import DEFAULT_PORTS
from appstore_sandbox.urls import (
    IpAddress,
    address_problem,
    callback_url_problem,
    outbound_url_problem,
    own_address_problem,
)


@dataclass(frozen=True, slots=True)
class OutboundPolicy:
    """The callback URL rule (``strict``: https only), and for shared deployments an optional
    list of the only hosts that may be called (empty: any host the rule allows).

    Link-local, cloud-metadata and unspecified addresses are refused whatever the policy, and so
    is ``own_address``, the (host, port) the sandbox listens on: called, its control surface
    would obey whoever set the URL, and its test notifications would feed themselves.
    """

    strict: bool = False
    allowed_hosts: tuple[str, ...] = ()
    own_address: tuple[str, int] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "allowed_hosts", normalized_hosts(self.allowed_hosts))

    @classmethod
    def from_setting(
        cls, strict: bool, allowed_hosts: str | None, own_address: tuple[str, int] | None = None
    ) -> OutboundPolicy:
        """The policy for ``strict`` and a comma-separated host list (None or blank: no list)."""
        return cls(strict, tuple((allowed_hosts or "").split(",")), own_address)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> OutboundPolicy:
        own = data.get("own_address")
        own_address = None if own is None else (str(own[0]), int(own[1]))
        return cls(bool(data["strict"]), tuple(data["allowed_hosts"]), own_address)

    def problem(self, url: str, host: str, port: int) -> str | None:
        """Why ``url`` (whose host, IDNA-encoded, is ``host``) must not be called, or None."""
        problem = outbound_url_problem(url, strict=self.strict) or self._own(host, port)
        if problem is None and self.allowed_hosts and normal_host(host) not in self.allowed_hosts:
            problem = f"{host} is not on the sandbox's list of allowed hosts"
        return problem

    def callback_problem(self, url: str) -> str | None:
        """Why ``url`` can't be configured as a realtime or notification URL, or None."""
        problem = callback_url_problem(url, strict=self.strict)
        if problem is None:
            parts = urlsplit(url)
            port = parts.port or DEFAULT_PORTS.get(parts.scheme, 0)
            problem = self._own(parts.hostname or "", port)
        return problem

    def address_problem(self, address: IpAddress, port: int) -> str | None:
        """Why a connection to ``address`` on ``port`` (a name resolved) must not be made."""
        return address_problem(address) or self._own(str(address), port)

    def _own(self, host: str, port: int) -> str | None:
        if self.own_address is None:
            return None
        return own_address_problem(host, port, self.own_address)


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
