"""The CLI's side of the one control client: its errors become the CLI's one-line errors."""

from __future__ import annotations

from typing import Any

import httpx

from appstore_sandbox.cli.errors import CliError
from appstore_sandbox.control_client import ControlClient, ControlError, ControlUnreachable

DEFAULT_SERVER = "http://127.0.0.1:8080"


class SandboxUnreachable(CliError):
    """No answer from the sandbox: nothing listens there, or the connection broke."""


class SandboxClient:
    def __init__(
        self,
        server: str,
        admin_token: str | None = None,
        timeout: float = 30,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        try:
            self._control = ControlClient(server, admin_token, timeout, transport)
        except ControlError as error:
            raise CliError(f"--server {error}") from error
        self.server = self._control.base_url

    def request(self, method: str, path: str, json: Any = None) -> httpx.Response:
        try:
            return self._control.request(method, path, json)
        except ControlUnreachable as error:
            if isinstance(error.__cause__, httpx.ConnectError):
                raise SandboxUnreachable(
                    f"no sandbox server at {self.server} (start one with: appstore-sandbox serve)"
                ) from error
            raise SandboxUnreachable(str(error)) from error
        except ControlError as error:
            raise CliError(str(error)) from error

    def json(self, method: str, path: str, body: Any = None) -> Any:
        return self.request(method, path, json=body).json()
