"""The CLI's HTTP client for a running sandbox; translates transport errors into one-line errors."""

from __future__ import annotations

from typing import Any

import httpx

from appstore_sandbox.cli.errors import CliError

DEFAULT_SERVER = "http://127.0.0.1:8080"


class SandboxUnreachable(CliError):
    """No answer from the sandbox: nothing listens there, or the connection broke."""


class SandboxClient:
    def __init__(self, server: str, admin_token: str | None = None, timeout: float = 30) -> None:
        # "localhost:8080", as people type it, means the sandbox's own http URL.
        if "://" not in server:
            server = f"http://{server}"
        self.server = server.rstrip("/")
        headers = {"Authorization": f"Bearer {admin_token}"} if admin_token else {}
        try:
            self._http = httpx.Client(base_url=self.server, headers=headers, timeout=timeout)
        except httpx.InvalidURL as error:
            raise CliError(f"--server {server!r} is not a URL: {error}") from error

    def request(self, method: str, path: str, json: Any = None) -> httpx.Response:
        try:
            response = self._http.request(method, path, json=json)
        except httpx.ConnectError as error:
            raise SandboxUnreachable(
                f"no sandbox server at {self.server} (start one with: appstore-sandbox serve)"
            ) from error
        except httpx.TransportError as error:
            raise SandboxUnreachable(f"request to {self.server} failed: {error}") from error
        except (httpx.HTTPError, httpx.InvalidURL) as error:
            raise CliError(f"request to {self.server} failed: {error}") from error
        if response.status_code >= 400:
            raise CliError(_error_text(response))
        return response

    def json(self, method: str, path: str, body: Any = None) -> Any:
        return self.request(method, path, json=body).json()


def _error_text(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code}: {response.text.strip()[:200]}"
    if isinstance(body, dict):
        message = body.get("error") or body.get("errorMessage")
        if message:
            return str(message)
    return f"HTTP {response.status_code}"
