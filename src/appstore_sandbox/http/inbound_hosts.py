"""Which ``Host`` and ``Origin`` headers the sandbox answers: its defence against web pages.

An unlocked sandbox (no admin token) would otherwise obey any web page its user opens: a form
posted to ``/_sandbox/v1/reset`` needs no permission from the browser, and a page on
``evil.example`` whose name is re-pointed at 127.0.0.1 (DNS rebinding) could read the answers,
private keys included. A browser always sends the page's name in ``Host`` and, on a cross-site
request that changes anything, the page's origin in ``Origin``; clients that are not browsers
(curl, httpx, Apple's libraries) send no ``Origin`` and the name they were given in ``Host``.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from appstore_sandbox.config import Settings

_WILDCARD_HOSTS = frozenset(("0.0.0.0", "::", ""))
_LOOPBACK_NAMES = frozenset(("localhost", "127.0.0.1", "::1"))
_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class InboundHosts:
    """The names the sandbox answers to, and the web origins allowed to call it.

    Listening on loopback, the sandbox answers ``localhost`` and loopback addresses; on a given
    address or name, that one. Listening on every interface (``0.0.0.0``, ``::``) it is reached
    under names it cannot know (a container's, a load balancer's), so it answers the local
    names, this machine's hostname and any address, the way Jupyter and Vite do: an address
    cannot be re-pointed by DNS, so it is never a rebinding page's name. Any other name is
    ``--allowed-hosts`` (``*`` for all, behind a proxy that checks names itself).
    """

    names: frozenset[str]
    any_address: bool
    any_name: bool
    origins: frozenset[str]

    @classmethod
    def from_settings(cls, settings: Settings) -> InboundHosts:
        extra = [_host_name(value) or value for value in _split(settings.allowed_hosts)]
        listen = _bare(settings.host)
        names = {listen, *extra}
        wildcard = listen in _WILDCARD_HOSTS
        if wildcard or _is_loopback(listen):
            names |= _LOOPBACK_NAMES
        if wildcard:
            names.add(socket.gethostname().lower())
        origins = frozenset(filter(None, map(_origin, _split(settings.allowed_origins))))
        return cls(frozenset(names), wildcard, "*" in extra, origins)

    def host_problem(self, host: str | None) -> str | None:
        """Why a request with this ``Host`` header is not answered, or ``None``."""
        if host is None or self.any_name:
            return None  # HTTP/1.0 may omit it; no browser does
        name = _host_name(host)
        if name is not None and (name in self.names or self._is_allowed_address(name)):
            return None
        return (
            f"Host {host!r} is not a name this sandbox answers to (DNS rebinding protection); "
            "add it to the allowed_hosts setting (--allowed-hosts, APPSTORE_SANDBOX_ALLOWED_HOSTS)."
        )

    def origin_problem(self, origin: str | None, scheme: str, host: str | None) -> str | None:
        """Why a request from a web page of ``origin`` is refused, or ``None``."""
        if origin is None:
            return None
        normal = _origin(origin)
        own = _origin(f"{scheme}://{host}") if host else None
        if normal is not None and (normal == own or normal in self.origins):
            return None
        return (
            f"Origin {origin!r} is not this sandbox's own origin: web pages of other sites may "
            "not call it. Add the origin to the allowed_origins setting (--allowed-origins, "
            "APPSTORE_SANDBOX_ALLOWED_ORIGINS)."
        )

    def _is_allowed_address(self, name: str) -> bool:
        try:
            address = ipaddress.ip_address(name)
        except ValueError:
            return False
        return self.any_address or (address.is_loopback and "localhost" in self.names)


def _split(value: str | None) -> list[str]:
    return [part.strip().lower() for part in (value or "").split(",") if part.strip()]


def _bare(host: str) -> str:
    return host.strip().lower().removeprefix("[").removesuffix("]").rstrip(".")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _host_name(host: str) -> str | None:
    """The name in a ``Host`` header (``name``, ``name:port``, ``[v6]:port``), or ``None`` when
    the header is malformed."""
    try:
        parts = urlsplit(f"//{host}")
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        return None
    if not parts.hostname or parts.netloc != host or "@" in host:
        return None
    return parts.hostname.rstrip(".")


def _origin(value: str) -> str | None:
    """``scheme://host:port`` with its default port spelled out, or ``None`` (``null``, junk)."""
    try:
        parts = urlsplit(value.strip().lower())
        port = parts.port or _DEFAULT_PORTS.get(parts.scheme)
    except ValueError:
        return None
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname or parts.path not in ("", "/"):
        return None
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return f"{parts.scheme}://{host.rstrip('.')}:{port}"
