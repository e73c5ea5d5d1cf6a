"""The gate in front of every route: who is calling, from the headers alone; then a body of
bounded size, counted as it arrives; and the one place an unexpected failure becomes a 500.

FastAPI reads and parses a JSON body before a route's dependencies run, so credentials checked
only in a dependency were checked with the body already in memory: a caller without a token could
make the server read 100 MB, and a malformed body got 400 where a missing token gets 401.

Unexpected exceptions stop here rather than in Starlette's ServerErrorMiddleware, which answers
and then raises again: uvicorn would log the traceback a second time and close the keep-alive
connection without having said ``Connection: close``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass

from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from appstore_sandbox.apple_request import CALLER_STATE
from appstore_sandbox.auth import TokenVerifier
from appstore_sandbox.config import Settings
from appstore_sandbox.control.routes import PUBLIC_PATHS
from appstore_sandbox.errors import (
    BodyTimedOut,
    ContentTooLarge,
    CrossOriginRefused,
    GeneralInternal,
    HostNotAllowed,
    InternalError,
    MisdirectedRequest,
    OriginNotAllowed,
    PayloadTooLarge,
    RequestTimedOut,
    SandboxError,
    UnsupportedMediaType,
)
from appstore_sandbox.faults import CLOSE_CONNECTION, DropConnection
from appstore_sandbox.http.admin_token import check_admin_token
from appstore_sandbox.http.inbound_hosts import InboundHosts

_CONTROL_PREFIX = "/_sandbox/"
_APPLE_API = re.compile(r"/(?:sandbox|production)/inApps/")
_IMAGE_UPLOAD = re.compile(r"/(?:sandbox|production)/inApps/v1/messaging/image/[^/]+")

logger = logging.getLogger("appstore_sandbox")
_Respond = Callable[[SandboxError], Response]
_DISCONNECT_WAIT_S = 5.0


@dataclass(frozen=True)
class _Limit:
    max_bytes: int
    setting: str


def on_control_surface(path: str) -> bool:
    return path.startswith(_CONTROL_PREFIX)


class Gate:
    """ASGI middleware: refuse web pages (``inbound_hosts``), authenticate from the headers, then
    pass on a body of bounded size.

    A body declared (Content-Length) over the limit is refused before any of it is read; an
    undeclared one as soon as it passes the limit.
    """

    def __init__(
        self, app: ASGIApp, settings: Settings, tokens: TokenVerifier, respond: _Respond
    ) -> None:
        self.app = app
        self._settings = settings
        self._tokens = tokens
        self._respond = respond
        self._hosts = InboundHosts.from_settings(settings)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        answered = _Answered(send)
        try:
            await self._gate(scope, receive, answered)
        except Exception:
            logger.exception("unexpected error on %s %s", scope["method"], scope["path"])
            if answered.started:
                # Half a response is out: only closing the connection can end it.
                if CLOSE_CONNECTION in scope.get("extensions", {}):
                    await _drop(scope, receive, send)
            else:
                await self._refuse(_unexpected(scope), scope, send, has_body=True)

    async def _gate(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = Headers(scope=scope)
        limit = self._body_limit(scope)
        try:
            self._refuse_web_pages(scope, headers)
            self._authenticate(scope, headers)
            _require_json_on_control(scope, headers)
            declared = headers.get("content-length", "")
            if declared.isdigit() and int(declared) > limit.max_bytes:
                raise _too_large(scope, limit)
        except SandboxError as error:
            await self._refuse(error, scope, send, has_body=_has_body(headers))
            return
        settings = self._settings
        body = _BoundedBody(limit.max_bytes, settings.body_timeout_s, settings.body_deadline_s)
        try:
            over = await body.run(self.app, scope, receive, send)
        except DropConnection:
            await _drop(scope, receive, send)
            return
        if over:
            refusal = _too_slow(scope, body.lateness) if body.lateness else _too_large(scope, limit)
            await self._refuse(refusal, scope, send, has_body=True)

    def _refuse_web_pages(self, scope: Scope, headers: Headers) -> None:
        control = on_control_surface(scope["path"])
        host = headers.get("host")
        if problem := self._hosts.host_problem(host):
            raise HostNotAllowed(problem) if control else MisdirectedRequest(problem)
        if problem := self._hosts.origin_problem(
            headers.get("origin"), scope.get("scheme", "http"), host
        ):
            raise OriginNotAllowed(problem) if control else CrossOriginRefused(problem)

    def _authenticate(self, scope: Scope, headers: Headers) -> None:
        path: str = scope["path"]
        if _APPLE_API.match(path):
            caller = self._tokens.verify(headers.get("authorization"))
            scope.setdefault("state", {})[CALLER_STATE] = caller
        elif on_control_surface(path) and path not in PUBLIC_PATHS:
            check_admin_token(headers.get("authorization"), self._settings.admin_token)

    def _body_limit(self, scope: Scope) -> _Limit:
        settings = self._settings
        if scope["method"] == "PUT" and _IMAGE_UPLOAD.fullmatch(scope["path"]):
            return _Limit(settings.max_image_bytes, "max_image_bytes")
        return _Limit(settings.max_body_bytes, "max_body_bytes")

    async def _refuse(self, error: SandboxError, scope: Scope, send: Send, has_body: bool) -> None:
        response = self._respond(error)
        if has_body:
            # The rest of the body is never read: closing spares the server draining it.
            response.headers["connection"] = "close"
        await response(scope, _no_body, send)


def _require_json_on_control(scope: Scope, headers: Headers) -> None:
    """A control-surface body must be JSON: a web page may send text/plain, a form or multipart
    to any site without the browser asking it first (CORS "simple" requests), never JSON."""
    if not on_control_surface(scope["path"]) or not _has_body(headers):
        return
    content_type = headers.get("content-type", "")
    if content_type.partition(";")[0].strip().lower() != "application/json":
        given = repr(content_type) if content_type else "a body without Content-Type"
        raise UnsupportedMediaType(
            f"The control surface takes request bodies as application/json, not {given}."
        )


def _too_large(scope: Scope, limit: _Limit) -> SandboxError:
    message = (
        f"The request body is over the sandbox's limit of {limit.max_bytes} bytes "
        f"(setting {limit.setting})."
    )
    if on_control_surface(scope["path"]):
        return ContentTooLarge(message)
    return PayloadTooLarge(message)


def _unexpected(scope: Scope) -> SandboxError:
    return InternalError() if on_control_surface(scope["path"]) else GeneralInternal()


class _Answered:
    """``send``, noting whether a response has begun."""

    def __init__(self, send: Send) -> None:
        self._send = send
        self.started = False

    async def __call__(self, message: Message) -> None:
        self.started = self.started or message["type"] == "http.response.start"
        await self._send(message)


def _too_slow(scope: Scope, lateness: str) -> SandboxError:
    message = f"The request body {lateness}; the connection is closed."
    if on_control_surface(scope["path"]):
        return RequestTimedOut(message)
    return BodyTimedOut(message)


class _BodyTooLarge(Exception):
    """Raised into the app when the body passes the limit, or stops arriving, so that it reads
    no more."""


class _BoundedBody:
    """One request's body, counted as the app reads it. Past the limit the app's own answer (it
    may have turned the interruption into a 400) is dropped, for the gate's 413. Likewise when
    the body pauses longer than ``pause_s``, or is still incomplete ``deadline_s`` after the
    headers: the gate's 408, ``lateness`` saying which.
    (Once the body is complete, a read waits for the client to disconnect, and may wait.)"""

    def __init__(self, limit: int, pause_s: float, deadline_s: float) -> None:
        self._limit = limit
        self._pause_s = pause_s
        self._deadline_s = deadline_s
        self._deadline = asyncio.get_running_loop().time() + deadline_s
        self._received = 0
        self._complete = False
        self._over = False
        self.lateness = ""
        self._started = False

    async def _next(self, receive: Receive) -> Message:
        left_s = self._deadline - asyncio.get_running_loop().time()
        try:
            return await asyncio.wait_for(receive(), max(0.0, min(self._pause_s, left_s)))
        except TimeoutError:
            self._over = True
            if left_s <= self._pause_s:
                self.lateness = (
                    f"took more than {self._deadline_s:g} s in all (setting body_deadline_s)"
                )
            else:
                self.lateness = f"paused for more than {self._pause_s:g} s (setting body_timeout_s)"
            raise _BodyTooLarge from None

    async def run(self, app: ASGIApp, scope: Scope, receive: Receive, send: Send) -> bool:
        """Run the app; True when the body was over the limit and no answer has gone out."""

        async def counted() -> Message:
            if self._complete:
                return await receive()
            message = await self._next(receive)
            self._complete = message["type"] != "http.request" or not message.get("more_body")
            if message["type"] == "http.request":
                self._received += len(message.get("body", b""))
                if self._received > self._limit:
                    self._over = True
                    raise _BodyTooLarge
            return message

        async def guarded(message: Message) -> None:
            if self._over:
                return
            self._started = self._started or message["type"] == "http.response.start"
            await send(message)

        try:
            await app(scope, counted, guarded)
        except Exception:
            if not self._over:
                raise
        return self._over and not self._started


async def _drop(scope: Scope, receive: Receive, send: Send) -> None:
    """Close the connection without a response, where the server offers to (``serve`` does:
    ``CLOSE_CONNECTION``), then wait until it has noticed, so that it sends no 500 of its own.

    Elsewhere (another server, a test client), promise a body and end without it: the server
    closes the connection mid-response, which a client sees as a dropped connection too.
    """
    extension = scope.get("extensions", {}).get(CLOSE_CONNECTION, {})
    close: Callable[[], None] | None = extension.get("close")
    if close is None:
        headers = [(b"content-type", b"application/json"), (b"content-length", b"64")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        return
    close()
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(_DISCONNECT_WAIT_S):
            while (await receive())["type"] != "http.disconnect":
                pass


async def _no_body() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}


def _has_body(headers: Headers) -> bool:
    return headers.get("content-length", "0") != "0" or "transfer-encoding" in headers
