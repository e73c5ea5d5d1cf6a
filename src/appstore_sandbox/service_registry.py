"""The services the app hands its routes, one object per type, and the FastAPI dependency that
hands a route the one it names.

Each slice names what its routes use, beside them (``perftest/dependencies.py``)::

    PerformanceTests = Annotated[PerformanceTestService, Depends(provider(PerformanceTestService))]

and the app (``appstore_sandbox.http.app``) puts the composition root's objects in the registry
on ``app.state``. A route sees the services it names and nothing else; and as nothing here knows
any service, a slice names its own without importing anything above it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar, cast

from fastapi import FastAPI, Request

T = TypeVar("T")
Provider = Callable[[Request], Awaitable[T]]

_PROVIDERS: dict[type[Any], Provider[Any]] = {}


class ServiceRegistry:
    """One object per type: the type is how a route asks for it."""

    def __init__(self, *services: object) -> None:
        self._services: dict[type[Any], object] = {}
        for service in services:
            kind = type(service)
            if kind in self._services:
                raise ValueError(f"two services of type {kind.__qualname__}")
            self._services[kind] = service

    def get(self, kind: type[T]) -> T:
        try:
            return cast(T, self._services[kind])
        except KeyError:
            raise LookupError(f"the app was given no {kind.__qualname__}") from None

    def install(self, app: FastAPI) -> None:
        app.state.services = self


def provider(kind: type[T]) -> Provider[T]:
    """The dependency that hands a route the app's ``kind``: one function per type, so that
    FastAPI looks it up once per request however many of a route's dependencies name it."""
    if kind not in _PROVIDERS:
        # A coroutine: FastAPI would run a plain function on a worker thread, and the hop costs
        # more than the lookup.
        async def provide(request: Request) -> object:
            registry: ServiceRegistry = request.app.state.services
            return registry.get(kind)

        provide.__name__ = provide.__qualname__ = f"provide_{kind.__name__}"
        _PROVIDERS[kind] = provide
    return cast(Provider[T], _PROVIDERS[kind])


def provided_type(dependency: object) -> type[Any] | None:
    """The type ``dependency`` hands a route, if it is a :func:`provider`."""
    return next((kind for kind, known in _PROVIDERS.items() if known is dependency), None)
