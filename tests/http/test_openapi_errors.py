"""The OpenAPI document declares every error an operation answers, in its surface's own shape,
and none of FastAPI's 422s (invalid input is a 400 here)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from appstore_sandbox.control.routes import PUBLIC_PATHS
from appstore_sandbox.declared_errors import declared
from appstore_sandbox.http.openapi_errors import APPLE_ERROR, CONTROL_ERROR, document_errors
from tests.in_process import in_process

APPLE = "#/components/schemas/" + APPLE_ERROR
CONTROL = "#/components/schemas/" + CONTROL_ERROR


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    with in_process(tmp_path_factory.mktemp("openapi")) as sandbox:
        response = sandbox.client.get("/openapi.json")
        assert response.status_code == 200
        yield response.json()


def _operations(document: dict[str, Any], *prefixes: str) -> list[tuple[str, str, Any]]:
    return [
        (method, path, operation)
        for path, operations in document["paths"].items()
        if path.startswith(prefixes)
        for method, operation in operations.items()
    ]


def _schema_ref(response: dict[str, Any]) -> str:
    ref: str = response["content"]["application/json"]["schema"]["$ref"]
    return ref


def test_no_422_and_no_validation_error_schemas(document: dict[str, Any]) -> None:
    text = json.dumps(document)
    assert '"422"' not in text
    assert "HTTPValidationError" not in text and '"ValidationError"' not in text


def test_every_apple_operation_declares_apples_errors(document: dict[str, Any]) -> None:
    operations = _operations(document, "/sandbox/", "/production/")
    assert len(operations) > 20
    for method, path, operation in operations:
        responses = operation["responses"]
        assert {"401", "429", "500"} <= set(responses), (method, path)
        assert "content" not in responses["401"], "Apple's 401 has no body"
        for status, response in responses.items():
            if status[0] in "45" and status != "401":
                assert _schema_ref(response) == APPLE, (method, path, status)


def test_every_control_operation_declares_its_errors(document: dict[str, Any]) -> None:
    operations = _operations(document, "/_sandbox/")
    assert len(operations) > 20
    for method, path, operation in operations:
        responses = operation["responses"]
        assert "500" in responses
        assert ("401" in responses) == (path not in PUBLIC_PATHS), (method, path)
        for status, response in responses.items():
            if status[0] in "45":
                assert _schema_ref(response) == CONTROL, (method, path, status)


def test_input_body_and_path_errors_are_declared_where_they_apply(
    document: dict[str, Any],
) -> None:
    for method, path, operation in _operations(document, "/sandbox/", "/_sandbox/"):
        responses = set(operation["responses"])
        parameters = operation.get("parameters", [])
        has_body = "requestBody" in operation
        assert ("400" in responses) == bool(parameters or has_body), (method, path)
        assert ("413" in responses) == has_body, (method, path)
        assert ("415" in responses) == (has_body and path.startswith("/_sandbox/")), (method, path)
        assert {"403", "421"} <= responses, (method, path)
        if any(p["in"] == "path" for p in parameters):
            assert "404" in responses, (method, path)


def test_a_404_is_plain_text_only_on_apples_surface_when_no_route_matches(
    document: dict[str, Any],
) -> None:
    not_found = [
        (path, operation["responses"]["404"])
        for _, path, operation in _operations(document, "/sandbox/", "/_sandbox/")
        if "404" in operation["responses"]
    ]
    assert {path.startswith("/_sandbox/") for path, _ in not_found} == {True, False}
    for path, response in not_found:
        if path.startswith("/_sandbox/"):
            assert set(response["content"]) == {"application/json"}, path
            assert "plain text" not in response["description"], path
        else:
            assert response["content"]["text/plain"]["schema"] == {"type": "string"}, path
            assert "plain text" in response["description"], path


@pytest.mark.parametrize(
    ("method", "path", "statuses"),
    [
        ("put", "/production/inApps/v1/messaging/realtime/url", {"403"}),
        ("get", "/sandbox/inApps/v1/messaging/realtime/url", {"404"}),
        ("put", "/sandbox/inApps/v1/messaging/image/{imageIdentifier}", {"403", "409", "413"}),
        ("put", "/sandbox/inApps/v1/messaging/message/{messageIdentifier}", {"403", "409"}),
        ("post", "/sandbox/inApps/v1/notifications/history", {"404", "413"}),
        ("post", "/_sandbox/v1/apps", {"409", "413"}),
    ],
)
def test_route_specific_errors(
    document: dict[str, Any], method: str, path: str, statuses: set[str]
) -> None:
    assert statuses <= set(document["paths"][path][method]["responses"])


def test_the_error_schemas(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    assert schemas[APPLE_ERROR]["required"] == ["errorCode", "errorMessage"]
    assert schemas[CONTROL_ERROR]["required"] == ["error"]


def test_document_errors_leaves_other_paths_alone() -> None:
    other = {"get": {"responses": {"200": {"description": "ok"}, "422": {"description": "x"}}}}
    document = {"paths": {"/docs": other}}
    assert document_errors(document, frozenset())["paths"]["/docs"] == other
    assert declared(409)[409]["description"].startswith("Conflicts with the current state")
