"""The registry the app hands its routes: one object per type, asked for by type."""

from __future__ import annotations

from typing import Annotated

import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient

from appstore_sandbox.service_registry import ServiceRegistry, provided_type, provider


class Greeter:
    def greet(self) -> str:
        return "hello"


class Counter:
    pass


def test_a_route_gets_the_object_of_the_type_it_names() -> None:
    app = FastAPI()
    ServiceRegistry(Greeter(), Counter()).install(app)

    @app.get("/")
    async def greet(greeter: Annotated[Greeter, Depends(provider(Greeter))]) -> str:
        return greeter.greet()

    assert TestClient(app).get("/").json() == "hello"


def test_two_objects_of_one_type_are_refused() -> None:
    with pytest.raises(ValueError, match="two services of type Greeter"):
        ServiceRegistry(Greeter(), Greeter())


def test_a_type_the_app_was_not_given_is_named() -> None:
    with pytest.raises(LookupError, match="the app was given no Counter"):
        ServiceRegistry(Greeter()).get(Counter)


def test_one_provider_per_type_and_it_says_its_type() -> None:
    assert provider(Greeter) is provider(Greeter)
    assert provided_type(provider(Greeter)) is Greeter
    assert provided_type(test_one_provider_per_type_and_it_says_its_type) is None
