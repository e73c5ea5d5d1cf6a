"""Builds the ASGI app: routers under both environment prefixes, and the one error handler."""

from __future__ import annotations

import asyncio
import difflib
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException

from appstore_sandbox.apple_request import body_error_of, environment_prefix
from appstore_sandbox.control import catalog_routes as control_catalog
from appstore_sandbox.control import clock_routes as control_clock
from appstore_sandbox.control import fault_routes as control_faults
from appstore_sandbox.control import routes as control_routes
from appstore_sandbox.environments import Environment
from appstore_sandbox.errors import (
    AppleError,
    BadInput,
    GeneralBadRequest,
    MethodNotAllowed,
    RouteNotFound,
    RoutingError,
    SandboxError,
    Unauthorized,
)
from appstore_sandbox.http import sandbox_routes
from appstore_sandbox.http.admin_token import require_admin_token
from appstore_sandbox.http.allowed_methods import allowed_methods
from appstore_sandbox.http.docs_assets import add_docs
from appstore_sandbox.http.gate import Gate, on_control_surface
from appstore_sandbox.http.home_page import add_home_page
from appstore_sandbox.http.openapi_errors import document_errors, document_security
from appstore_sandbox.http.route_services import route_services
from appstore_sandbox.notifications import control_routes as notification_control
from appstore_sandbox.notifications import routes as notification_routes
from appstore_sandbox.perftest import control_routes as perftest_control
from appstore_sandbox.perftest import routes as perftest_routes
from appstore_sandbox.retention import control_routes as retention_control
from appstore_sandbox.retention import routes as retention_routes
from appstore_sandbox.sandbox import Sandbox
from appstore_sandbox.subscriptions import control_routes as subscription_control
from appstore_sandbox.subscriptions import routes as subscription_routes
from appstore_sandbox.version import __version__
from appstore_sandbox.workflows import performance_test_starter, simulate_cancel


def create_app(sandbox: Sandbox) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        sandbox.performance_tests.start()
        sandbox.notifications.worker.start()
        sandbox.renewal_ticker.start()
        yield
        sandbox.faults.close()  # a delivery held in a delay fault goes out now
        await asyncio.to_thread(sandbox.renewal_ticker.stop)
        await asyncio.to_thread(sandbox.notifications.worker.stop)
        await asyncio.to_thread(sandbox.performance_tests.stop)

    app = FastAPI(
        lifespan=lifespan,
        title="appstore-sandbox",
        version=__version__,
        description="Apple's Retention Messaging API and notification testing, on your machine.",
        # /docs is served from our own files (docs_assets), not FastAPI's CDN page.
        docs_url=None,
        redoc_url=None,
        # A redirect to the path without its slash would be built from the Host header, which
        # the client controls; a 404 that says why is safer and Apple's clients never add one.
        redirect_slashes=False,
    )
    route_services(sandbox).install(app)
    _include_apple_routes(app)
    _include_control_routes(app)
    add_docs(app)
    add_home_page(app)
    app.add_exception_handler(SandboxError, _sandbox_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_middleware(
        Gate, settings=sandbox.settings, tokens=sandbox.tokens, respond=error_response
    )
    _document_errors(app)
    return app


def _include_apple_routes(app: FastAPI) -> None:
    """Apple's surfaces under each base URL; the performance test under /sandbox only."""
    for environment in Environment:
        for router in (
            retention_routes.router,
            notification_routes.router,
            subscription_routes.router,
        ):
            _include_in(app, router, environment)
    _include_in(app, perftest_routes.router, Environment.SANDBOX)
    _include_in(app, perftest_routes.production_router, Environment.PRODUCTION)


def _include_in(app: FastAPI, router: APIRouter, environment: Environment) -> None:
    app.include_router(
        router,
        prefix=f"/{environment.value}",
        dependencies=[Depends(environment_prefix(environment))],
    )


def _include_control_routes(app: FastAPI) -> None:
    """The control surface: each slice's control routes behind the admin token, but for the
    few that are open (``control.routes.public``)."""
    app.include_router(control_routes.public)
    for router in (
        perftest_control.router,
        performance_test_starter.router,
        retention_control.router,
        notification_control.router,
        control_clock.router,
        control_catalog.router,
        simulate_cancel.router,
        subscription_control.router,
        control_routes.router,
        control_faults.router,
        sandbox_routes.router,
    ):
        app.include_router(router, dependencies=[Depends(require_admin_token)])


def _document_errors(app: FastAPI) -> None:
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = document_errors(generate(), control_routes.PUBLIC_PATHS)
            app.openapi_schema = document_security(document, control_routes.PUBLIC_PATHS)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def error_response(error: SandboxError, *, control_surface: bool = False) -> Response:
    """The only place an error becomes a response; the error brings its own headers.

    On the control surface an Apple error (raised by a service both surfaces share), and the
    router's own 404 and 405, keep their status, message and headers but take the control
    surface's shape, ``{"error": message}``.
    """
    if isinstance(error, Unauthorized) and not control_surface:
        # Apple answers 401 with no body; the reason is ours, in WWW-Authenticate.
        return Response(status_code=error.status, headers=error.headers)
    if isinstance(error, AppleError) and not control_surface:
        # JSONResponse sends exactly "application/json", which Apple's Python client requires.
        return JSONResponse(
            {"errorCode": error.code, "errorMessage": error.message},
            status_code=error.status,
            headers=error.headers,
        )
    if isinstance(error, RoutingError) and not control_surface:
        return PlainTextResponse(error.message, status_code=error.status, headers=error.headers)
    return JSONResponse({"error": error.message}, status_code=error.status, headers=error.headers)


async def _sandbox_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, SandboxError)
    return error_response(error, control_surface=on_control_surface(request.url.path))


async def _validation_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, RequestValidationError)
    # JSON that parses but doesn't fit the endpoint's body gets the endpoint's own error.
    parsed = all(item.get("type") != "json_invalid" for item in error.errors())
    return await _bad_request(request, _describe_validation(error, _body_fields(request)), parsed)


async def _bad_request(request: Request, message: str, parsed: bool = False) -> Response:
    # The gate (appstore_sandbox.http.gate) has checked the credentials before the body was read.
    if on_control_surface(request.url.path):
        return error_response(BadInput(message))
    error = body_error_of(request) if parsed else GeneralBadRequest
    return error_response(error(f"Invalid request: {message}"))


def _describe_validation(error: RequestValidationError, fields: Sequence[str] = ()) -> str:
    problems = []
    for item in error.errors()[:3]:
        location = ".".join(str(part) for part in item.get("loc", ()) if part != "body")
        if item.get("type") == "extra_forbidden":
            text = _unknown_field(location, fields)
        elif item.get("type") == "json_invalid":
            text = f"request body is not valid JSON: {item.get('ctx', {}).get('error', 'invalid')}"
            text += "; send Content-Type: application/json and a JSON body"
            location = ""
        else:
            text = str(item.get("msg", "invalid"))
        problems.append(f"{location}: {text}" if location else text)
    return "; ".join(problems) or "invalid request"


def _unknown_field(name: str, fields: Sequence[str]) -> str:
    close = difflib.get_close_matches(name.rpartition(".")[2], fields, n=1)
    hint = f"did you mean {close[0]}?" if close else f"the fields are {', '.join(fields)}"
    return f"unknown field ({hint})" if fields else "unknown field"


def _body_fields(request: Request) -> list[str]:
    """The JSON names of the fields of the body the request's route takes, if it takes one."""
    body_field = getattr(request.scope.get("route"), "body_field", None)
    model = getattr(getattr(body_field, "field_info", None), "annotation", None)
    if not isinstance(model, type) or not issubclass(model, BaseModel):
        return []
    return [field.alias or name for name, field in model.model_fields.items()]


async def _http_error(request: Request, error: Exception) -> Response:
    """Starlette's and FastAPI's own refusals: no route, wrong method, a body it cannot parse."""
    assert isinstance(error, HTTPException)
    method, path = request.method, request.url.path
    control_surface = on_control_surface(path)
    if error.status_code == 404:
        return error_response(RouteNotFound(method, path), control_surface=control_surface)
    if error.status_code == 405:
        allowed = allowed_methods(request.app.routes, request.scope)
        refusal = MethodNotAllowed(method, path, allowed or (error.headers or {}).get("Allow"))
        return error_response(refusal, control_surface=control_surface)
    # 400 is FastAPI's "There was an error parsing the body" (e.g. a body that is not UTF-8);
    # neither raises any other status for the routes here.
    return await _bad_request(request, str(error.detail))
