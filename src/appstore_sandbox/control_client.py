"""The one client of the control surface (``/_sandbox/v1``): the CLI, ``Sandbox``, the tests and
the benchmarks all call a running sandbox through it.

It knows where the sandbox is, sends the admin token, and turns what can go wrong into two
errors that carry a one-line message: :class:`ControlUnreachable` (nothing answered) and
:class:`ControlRefused` (an error status, with the sandbox's own message). Callers that check
statuses themselves use :attr:`ControlClient.http`. ``transport`` lets a test drive an app in
its own process (``httpx.ASGITransport``, ``starlette.testclient``'s transport).
"""

from __future__ import annotations

from types import TracebackType
from typing import Any, Self

import httpx


class ControlError(RuntimeError):
    """A control call that did not succeed; ``str()`` is a one-line message."""


class ControlUnreachable(ControlError):
    """Nothing answered at the sandbox's URL, or the connection broke."""


class ControlRefused(ControlError):
    """The sandbox answered with an error status."""

    def __init__(self, response: httpx.Response) -> None:
        super().__init__(error_text(response))
        self.response = response

    @property
    def status_code(self) -> int:
        return self.response.status_code


class ControlClient:
    def __init__(
        self,
        base_url: str,
        admin_token: str | None = None,
        timeout: float = 30,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        # "localhost:8080", as people type it, means the sandbox's own http URL.
        if "://" not in base_url:
            base_url = f"http://{base_url}"
        self.base_url = base_url.rstrip("/")
        headers = {"Authorization": f"Bearer {admin_token}"} if admin_token else {}
        try:
            self.http = httpx.Client(
                base_url=self.base_url, headers=headers, timeout=timeout, transport=transport
            )
        except httpx.InvalidURL as error:
            raise ControlError(f"{base_url!r} is not a URL: {error}") from error

    def request(self, method: str, path: str, json: Any = None) -> httpx.Response:
        try:
            response = self.http.request(method, path, json=json)
        except httpx.ConnectError as error:
            raise ControlUnreachable(f"no sandbox answers at {self.base_url}") from error
        except httpx.TransportError as error:
            raise ControlUnreachable(f"request to {self.base_url} failed: {error}") from error
        except (httpx.HTTPError, httpx.InvalidURL) as error:
            raise ControlError(f"request to {self.base_url} failed: {error}") from error
        if response.is_error:
            raise ControlRefused(response)
        return response

    def json(self, method: str, path: str, body: Any = None) -> Any:
        return self.request(method, path, json=body).json()

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def error_text(response: httpx.Response) -> str:
    """The sandbox's message for an error answer (control surface or Apple's), in one line."""
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code}: {response.text.strip()[:200]}"
    if isinstance(body, dict):
        message = body.get("error") or body.get("errorMessage")
        if message:
            return str(message)
    return f"HTTP {response.status_code}"
