"""Listening sockets for the servers the CLI starts (bound before the banner is printed)."""

from __future__ import annotations

import socket

from appstore_sandbox.cli.errors import CliError


def listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((host, port))
    except OSError as error:
        listener.close()
        raise CliError(f"cannot listen on {host}:{port}: {error.strerror}") from error
    listener.listen(2048)
    return listener
