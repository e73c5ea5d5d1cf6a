"""A URL taken apart once: where to connect, and the request heads to send there."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from appstore_sandbox.outbound.errors import InvalidUrl

DEFAULT_PORTS = {"http": 80, "https": 443}
_PATH_SAFE = "/%:@!$&'()*+,;=-._~"
_QUERY_SAFE = _PATH_SAFE + "?"


@dataclass(frozen=True, slots=True)
class Origin:
    """Where connections go; connections are pooled per origin."""

    scheme: str
    host: str
    port: int


@dataclass(frozen=True, slots=True)
class Target:
    url: str
    origin: Origin
    post_head: bytes  # ends with "Content-Length: ", the body's length goes next
    get_head: bytes

    def post(self, body: bytes) -> bytes:
        return b"%b%d\r\n\r\n%b" % (self.post_head, len(body), body)


def parse_target(url: str, user_agent: str) -> Target:
    """Split ``url``; raises InvalidUrl unless it is an absolute http(s) URL."""
    try:
        parts = urlsplit(url)
        port = parts.port
        host = (parts.hostname or "").encode("idna").decode("ascii")
    except (ValueError, UnicodeError):
        raise InvalidUrl(url) from None
    if parts.scheme not in DEFAULT_PORTS or not host:
        raise InvalidUrl(url)
    origin = Origin(parts.scheme, host, port or DEFAULT_PORTS[parts.scheme])
    path = quote(parts.path or "/", safe=_PATH_SAFE)
    if parts.query:
        path += "?" + quote(parts.query, safe=_QUERY_SAFE)
    common = f"HTTP/1.1\r\nHost: {_host_header(origin)}\r\nUser-Agent: {user_agent}\r\n"
    return Target(
        url,
        origin,
        (f"POST {path} {common}Content-Type: application/json\r\nContent-Length: ").encode(
            "latin-1"
        ),
        f"GET {path} {common}\r\n".encode("latin-1"),
    )


def _host_header(origin: Origin) -> str:
    host = f"[{origin.host}]" if ":" in origin.host else origin.host
    if origin.port == DEFAULT_PORTS[origin.scheme]:
        return host
    return f"{host}:{origin.port}"
