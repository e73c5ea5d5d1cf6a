"""The dependency every Apple-surface route starts with: environment, caller, rate limit."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request

from appstore_sandbox.auth import Caller, TokenVerifier
from appstore_sandbox.environments import Environment
from appstore_sandbox.errors import (
    AppleError,
    GeneralBadRequest,
    GeneralInternal,
    RateLimitExceeded,
    Unauthorized,
)
from appstore_sandbox.faults import Call, DropConnection, Fault, Faults
from appstore_sandbox.ratelimit import RateLimiter
from appstore_sandbox.service_registry import provider
from appstore_sandbox.store import App

logger = logging.getLogger(__name__)

# Where the app's gate leaves the caller it authenticated from the headers (request.state).
CALLER_STATE = "caller"
_BODY_ERROR = "apple_body_error"
_Endpoint = TypeVar("_Endpoint", bound=Callable[..., Any])


def body_error(error: type[AppleError]) -> Callable[[_Endpoint], _Endpoint]:
    """Marks an endpoint whose body Apple refuses with an error of its own rather than
    GeneralBadRequest (Configure Realtime URL's ``{}`` is 4000215, not 4000000)."""

    def mark(endpoint: _Endpoint) -> _Endpoint:
        setattr(endpoint, _BODY_ERROR, error)
        return endpoint

    return mark


def body_error_of(request: Request) -> type[AppleError]:
    """The error for a body the endpoint that ``request`` reached could not validate."""
    error: type[AppleError] = getattr(request.scope.get("endpoint"), _BODY_ERROR, GeneralBadRequest)
    return error


@dataclass(frozen=True)
class AppleRequest:
    """An authenticated request on Apple's surface: which app, which environment."""

    app: App
    environment: Environment


# Dependencies that do no I/O are coroutines: FastAPI runs plain functions on a worker thread,
# and that hop costs more than the work itself.

_Tokens = Annotated[TokenVerifier, Depends(provider(TokenVerifier))]
_Faults = Annotated[Faults, Depends(provider(Faults))]
_RateLimits = Annotated[RateLimiter, Depends(provider(RateLimiter))]


def environment_prefix(environment: Environment) -> Callable[[Request], Awaitable[None]]:
    """A router dependency recording which base URL (/sandbox or /production) was called."""

    async def record(request: Request) -> None:
        request.state.environment = environment

    return record


# Every operation on Apple's surface, named as Apple's Python client names its method; each
# route's ``apple_request`` adds its own.
OPERATIONS: set[str] = set()


def apple_request(endpoint: str) -> Callable[..., Awaitable[AppleRequest]]:
    """Authenticate the bearer token, then count the call against the app's rate limit."""
    OPERATIONS.add(endpoint)

    # This runs on the event loop, not on a worker thread as a plain function would: the token's
    # signature check is cached and what remains is two reads by key, which cost less than the
    # hop to a thread and back (under a burst of requests the hop cost as much as the rest of
    # the request; benchmarks/notifications.py).
    async def dependency(
        request: Request, tokens: _Tokens, faults: _Faults, rate_limits: _RateLimits
    ) -> AppleRequest:
        caller = _caller(request, tokens)
        environment: Environment = request.state.environment
        if faults.active:  # with no fault set, this test is all faults cost
            fault = faults.take(_call(request, caller, environment))
            if fault is not None:
                await act(faults, fault, f"{request.method} {request.url.path}")
        rate_limits.hit(caller.app.id, endpoint, environment.value)
        return AppleRequest(app=caller.app, environment=environment)

    return dependency


def _call(request: Request, caller: Caller, environment: Environment) -> Call:
    route = request.scope.get("route")
    names = (getattr(route, "name", ""), getattr(route, "summary", None) or "")
    path = request.url.path.removeprefix(f"/{environment.value}")
    return Call("api", caller.app.bundle_id, environment.value, request.method, path, names)


async def act(faults: Faults, fault: Fault, what: str) -> None:
    """Do what ``fault`` says to a call on Apple's surface (``delay`` then lets it through)."""
    spec = fault.spec
    note = f"fault {fault.fault_id} injected by the sandbox"
    logger.warning("%s: %s on %s", note, spec.kind, what)
    if spec.kind == "delay":
        await faults.hold(fault)
    elif spec.kind == "429":
        retry_at_ms = int((time.time() + spec.retry_after_s) * 1000)
        raise RateLimitExceeded(retry_at_ms, f"Rate limit exceeded ({note}).")
    elif spec.kind == "500":
        raise GeneralInternal(f"An unknown error occurred ({note}).")
    elif spec.kind == "401":
        raise Unauthorized(note)
    else:
        raise DropConnection(fault.fault_id)


def _caller(request: Request, tokens: TokenVerifier) -> Caller:
    """The caller the gate authenticated, or (a route mounted without the gate) the token's."""
    caller: Caller | None = getattr(request.state, CALLER_STATE, None)
    return caller or tokens.verify(request.headers.get("authorization"))
