"""Rules for URLs the sandbox will call (realtime URL, notification URLs, redirects to follow)."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

MAX_URL_LENGTH = 256
IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Cloud instance metadata services: they hand out credentials to whoever asks from the machine.
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(address)
    for address in ("169.254.169.254", "fd00:ec2::254", "100.100.100.200")
)
METADATA_HOSTS = frozenset(
    ("metadata.google.internal", "metadata.goog", "metadata", "instance-data.ec2.internal")
)
_NEVER = "the sandbox never calls one"


def callback_url_problem(url: str, *, strict: bool) -> str | None:
    """Why ``url`` can't be a callback URL, or ``None`` when it can.

    Apple accepts only ``https://`` URLs of at most 256 characters. A developer's server on their
    own machine speaks plain http, so outside ``strict`` mode ``http://`` is accepted for loopback
    hosts only. Link-local, cloud-metadata and unspecified addresses are never accepted.
    """
    if len(url) > MAX_URL_LENGTH:
        return f"the URL is {len(url)} characters long; at most {MAX_URL_LENGTH} are allowed"
    return outbound_url_problem(url, strict=strict)


def outbound_url_problem(url: str, *, strict: bool) -> str | None:
    """Why the sandbox must not call ``url``, or ``None`` when it may: the callback URL rule
    without its length limit, which is Apple's limit on configuration, not on redirects."""
    if any(char.isspace() or not char.isprintable() for char in url):
        # urlsplit silently drops tabs and newlines, so it would judge a different URL.
        return "the URL must not contain spaces or control characters"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        return "the URL is malformed"
    if not parts.hostname:
        return "the URL must be absolute, like https://example.com/retention"
    if problem := host_problem(parts.hostname):
        return problem
    if parts.scheme == "https":
        return None
    if parts.scheme == "http" and not strict and is_loopback_host(parts.hostname):
        return None
    if parts.scheme == "http" and not strict:
        return "http:// is accepted only for loopback hosts (localhost, 127.0.0.0/8, ::1)"
    if strict:
        return "the URL must start with https://"
    return "the URL must start with https:// (or http:// to a loopback host)"


def host_problem(host: str) -> str | None:
    """Why the sandbox never calls ``host`` (a name or an address literal), or ``None``."""
    if host.lower().rstrip(".") in METADATA_HOSTS:
        return f"{host} is a cloud metadata host; {_NEVER}"
    address = _address_literal(host)
    return None if address is None else address_problem(address)


def address_problem(address: IpAddress) -> str | None:
    """Why the sandbox never connects to ``address``, or ``None``."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address in METADATA_ADDRESSES:
        return f"{address} is a cloud metadata address; {_NEVER}"
    if address.is_link_local:
        return f"{address} is a link-local address; {_NEVER}"
    if address.is_unspecified:
        # Connecting to it reaches this machine, under a name that is not a loopback name.
        return f"{address} is an unspecified address; {_NEVER}"
    return None


def own_address_problem(host: str, port: int, listening: tuple[str, int]) -> str | None:
    """Why calling ``host`` (a name or an address) on ``port`` would reach this sandbox, which
    listens on ``listening`` (host, port), or ``None``.

    Loopback names and addresses reach a sandbox listening on loopback or on every interface
    (0.0.0.0, ::); with every interface, so does any address of this machine. Other names are
    judged by the addresses they resolve to, when the connection is made.
    """
    listening_host, listening_port = listening
    if port != listening_port or not _reaches(_bare(host), _bare(listening_host)):
        return None
    return (
        f"{_host_port(host, port)} is this sandbox's own address (it listens on "
        f"{_host_port(listening_host, listening_port)}); the sandbox never calls itself"
    )


def _reaches(host: str, listening_host: str) -> bool:
    if host == listening_host:
        return True
    address, bound = _address_literal(host), _address_literal(listening_host)
    if _is_loopback(host, address):
        return _is_loopback(listening_host, bound) or (bound is not None and bound.is_unspecified)
    if address is None or bound is None:
        return False
    return _is_local(address) if bound.is_unspecified else address == bound


def _is_loopback(host: str, address: IpAddress | None) -> bool:
    if address is not None:
        return address.is_loopback
    return host == "localhost" or host.endswith(".localhost")  # RFC 6761: always loopback


def _is_local(address: IpAddress) -> bool:
    """Whether ``address`` belongs to this machine: only then can a socket be bound to it."""
    if address.is_loopback or address.is_unspecified:
        return True
    family = socket.AF_INET6 if address.version == 6 else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as probe:
        try:
            probe.bind((str(address), 0))
        except OSError:
            return False
    return True


def _bare(host: str) -> str:
    return host.strip().lower().removeprefix("[").removesuffix("]").rstrip(".")


def _host_port(host: str, port: int) -> str:
    host = _bare(host)
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def is_loopback_host(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _address_literal(host: str) -> IpAddress | None:
    """The address ``host`` spells, in any form the resolver takes literally (``0``, ``127.1``);
    an IPv4-mapped IPv6 address as its IPv4 address."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address
