"""Posting JSON to a developer's URL with aiohttp, timing it, and naming what went wrong.

aiohttp is used because the load engine must not become the bottleneck it is measuring: in our
survey it did several times httpx's requests per second on this machine at equal concurrency.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import Callable
from types import SimpleNamespace

import aiohttp

from appstore_sandbox.outbound.results import Attempt, HttpReply, SendAttemptResult

MAX_REDIRECTS = 10
Judge = Callable[[HttpReply], Attempt]
_JSON = {"Content-Type": "application/json"}


class Sender:
    """One connection pool to one developer server; ``post`` never raises for network trouble."""

    def __init__(self, max_connections: int, user_agent: str) -> None:
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=max_connections, limit_per_host=max_connections),
            headers={"User-Agent": user_agent, **_JSON},
            timeout=aiohttp.ClientTimeout(total=None),
            skip_auto_headers=("Accept-Encoding",),
            trace_configs=[_SENT_AT],
        )

    async def close(self) -> None:
        await self._session.close()

    async def post(self, url: str, body: bytes, timeout_s: float, judge: Judge) -> Attempt:
        """Send ``body``; the clock starts once it is written, as wrk's does.

        Until then (or when sending fails) it runs from this call, made after the caller has
        built and signed the body.
        """
        started = time.perf_counter()
        sent = _SentAt()
        try:
            async with asyncio.timeout(timeout_s):
                reply = await self._exchange(url, body, sent)
        except TimeoutError:
            return Attempt(
                SendAttemptResult.TIMED_OUT,
                _elapsed_us(started),
                explanation=f"no complete response within {timeout_s * 1000:.0f} ms",
            )
        except Exception as error:  # every transport failure becomes a sendAttemptResult
            result, explanation = classify_error(error)
            return Attempt(result, _elapsed_us(started), explanation=explanation)
        # Judging (catalog rules, offer signatures) is our work, not the server's: not timed.
        latency_us = _elapsed_us(sent.at or started)
        # Replies that arrived together wake their coroutines one after another; yielding here
        # lets the others stop their clocks before this one judges and sends its next request.
        await asyncio.sleep(0)
        attempt = judge(reply)
        return Attempt(
            attempt.result,
            latency_us,
            reply.status,
            attempt.explanation,
            attempt.catalog_problem,
        )

    async def _exchange(self, url: str, body: bytes, sent: _SentAt) -> HttpReply:
        post = self._session.post(
            url, data=body, max_redirects=MAX_REDIRECTS, trace_request_ctx=sent
        )
        async with post as response:
            content = await response.read()
            return HttpReply(response.status, response.headers.get("Content-Type", ""), content)


class _SentAt:
    """When the request body was first written; redirected requests are timed from there."""

    at: float = 0.0


async def _body_written(
    _session: aiohttp.ClientSession, context: SimpleNamespace, _params: object
) -> None:
    sent: _SentAt = context.trace_request_ctx
    if not sent.at:
        sent.at = time.perf_counter()


_SENT_AT = aiohttp.TraceConfig()
_SENT_AT.on_request_chunk_sent.append(_body_written)
_SENT_AT.freeze()


def _elapsed_us(started: float) -> int:
    return int((time.perf_counter() - started) * 1_000_000)


def classify_error(error: BaseException) -> tuple[SendAttemptResult, str]:
    """Map an exception raised while talking to a server to Apple's result and a short reason."""
    if isinstance(error, aiohttp.TooManyRedirects):
        return SendAttemptResult.CIRCULAR_REDIRECT, f"more than {MAX_REDIRECTS} redirects"
    if isinstance(error, aiohttp.ClientConnectorCertificateError | aiohttp.ClientSSLError):
        return SendAttemptResult.TLS_ISSUE, f"TLS failed: {_reason(error)}"
    if isinstance(error, ssl.SSLError):
        return SendAttemptResult.TLS_ISSUE, f"TLS failed: {_reason(error)}"
    if isinstance(error, aiohttp.ClientConnectorError):
        if isinstance(error.os_error, ConnectionRefusedError):
            return SendAttemptResult.NO_RESPONSE, "connection refused"
        return SendAttemptResult.SOCKET_ISSUE, f"cannot connect: {_reason(error.os_error)}"
    if isinstance(error, aiohttp.ServerDisconnectedError):
        return SendAttemptResult.PREMATURE_CLOSE, "server closed the connection before answering"
    if isinstance(error, aiohttp.ClientPayloadError):
        return SendAttemptResult.PREMATURE_CLOSE, "connection closed in the middle of the response"
    if isinstance(error, aiohttp.ClientResponseError):
        return SendAttemptResult.INVALID_RESPONSE, f"malformed HTTP response: {error.message}"
    if isinstance(error, aiohttp.InvalidURL):
        return SendAttemptResult.OTHER, f"invalid URL: {error}"
    if isinstance(error, aiohttp.ClientOSError | OSError):
        return SendAttemptResult.SOCKET_ISSUE, f"network error: {_reason(error)}"
    return SendAttemptResult.OTHER, f"{type(error).__name__}: {_reason(error)}"


def _reason(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0][:200]
