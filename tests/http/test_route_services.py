"""Every route names the services it uses, never the composition root; the app provides each
one a route names."""

from __future__ import annotations

import typing
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from appstore_sandbox.sandbox import Sandbox
from appstore_sandbox.service_registry import ServiceRegistry, provided_type
from tests.in_process import InProcess, in_process


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcess]:
    with in_process(tmp_path_factory.mktemp("data")) as running:
        yield running


def _routes(running: InProcess) -> list[APIRoute]:
    """Every route of the app, as its router declared it (FastAPI from 0.16x keeps an included
    router whole, behind ``original_router``; before, it copied its routes into the app's)."""
    routes: list[APIRoute] = []

    def collect(candidates: list[Any]) -> None:
        for route in candidates:
            if isinstance(route, APIRoute):
                routes.append(route)
            elif (included := getattr(route, "original_router", None)) is not None:
                collect(list(included.routes))

    collect(list(running.app.routes))
    return routes


def _calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    if dependant.call is not None:
        yield dependant.call
    for inner in dependant.dependencies:
        yield from _calls(inner)


def test_the_routes_found_are_the_apps(running: InProcess) -> None:
    paths = [route.path_format for route in _routes(running)]
    assert "/_sandbox/v1/apps" in paths
    assert any(path.endswith("/inApps/v1/messaging/realtime/url") for path in paths)
    assert len(paths) > 60


def test_no_route_or_dependency_takes_the_composition_root(running: InProcess) -> None:
    takers = [
        f"{route.path_format}: {call.__qualname__}"
        for route in _routes(running)
        for call in _calls(route.dependant)
        if Sandbox in typing.get_type_hints(call).values()
    ]
    assert takers == []


def test_the_app_provides_every_service_a_route_names(running: InProcess) -> None:
    registry: ServiceRegistry = running.app.state.services
    named = {
        kind
        for route in _routes(running)
        for call in _calls(route.dependant)
        if (kind := provided_type(call)) is not None
    }
    assert len(named) > 10
    for kind in named:
        assert isinstance(registry.get(kind), kind)
