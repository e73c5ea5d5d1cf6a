"""The OpenAPI document the real app serves describes Apple's surface and the control surface,
each response with its schema; on Apple's surface, exactly the fields of Apple's own models."""

from __future__ import annotations

import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest
from appstoreserverlibrary.models.CheckTestNotificationResponse import (
    CheckTestNotificationResponse,
)
from appstoreserverlibrary.models.DefaultConfigurationResponse import (
    DefaultConfigurationResponse,
)
from appstoreserverlibrary.models.GetImageListResponse import GetImageListResponse
from appstoreserverlibrary.models.GetMessageListResponse import GetMessageListResponse
from appstoreserverlibrary.models.HistoryResponse import HistoryResponse
from appstoreserverlibrary.models.LibraryUtility import metadata_type_key
from appstoreserverlibrary.models.NotificationHistoryResponse import NotificationHistoryResponse
from appstoreserverlibrary.models.PerformanceTestResponse import PerformanceTestResponse
from appstoreserverlibrary.models.PerformanceTestResultResponse import (
    PerformanceTestResultResponse,
)
from appstoreserverlibrary.models.RealtimeUrlResponse import RealtimeUrlResponse
from appstoreserverlibrary.models.SendTestNotificationResponse import (
    SendTestNotificationResponse,
)
from appstoreserverlibrary.models.StatusResponse import StatusResponse
from appstoreserverlibrary.models.TransactionInfoResponse import TransactionInfoResponse
from fastapi.testclient import TestClient

from appstore_sandbox.config import Settings
from appstore_sandbox.http.app import create_app
from appstore_sandbox.sandbox import open_sandbox
from tests.in_process import LOCAL_URL


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    sandbox = open_sandbox(Settings(data_dir=tmp_path))
    try:
        with TestClient(create_app(sandbox), base_url=LOCAL_URL) as client:
            yield client
    finally:
        sandbox.close()


def test_openapi_lists_both_environments_and_the_control_surface(client: TestClient) -> None:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    paths = document["paths"]

    for environment in ("sandbox", "production"):
        operations = paths[f"/{environment}/inApps/v1/messaging/realtime/url"]
        assert {"get", "put", "delete"} <= set(operations)
    assert {"get", "post"} <= set(paths["/_sandbox/v1/apps"])
    assert "get" in paths["/_sandbox/v1/health"]


# Apple's surface: every response schema has exactly the fields of Apple's own Python model.

_RETENTION = "/inApps/v1/messaging"
_NOTIFICATIONS = "/inApps/v1/notifications"
APPLE_RESPONSES: dict[tuple[str, str], type[Any]] = {
    ("get", f"{_RETENTION}/realtime/url"): RealtimeUrlResponse,
    ("get", f"{_RETENTION}/image/list"): GetImageListResponse,
    ("get", f"{_RETENTION}/message/list"): GetMessageListResponse,
    ("get", f"{_RETENTION}/default/{{productId}}/{{locale}}"): DefaultConfigurationResponse,
    ("post", f"{_RETENTION}/performanceTest"): PerformanceTestResponse,
    ("get", f"{_RETENTION}/performanceTest/result/{{requestId}}"): PerformanceTestResultResponse,
    ("post", f"{_NOTIFICATIONS}/test"): SendTestNotificationResponse,
    ("get", f"{_NOTIFICATIONS}/test/{{testNotificationToken}}"): CheckTestNotificationResponse,
    ("post", f"{_NOTIFICATIONS}/history"): NotificationHistoryResponse,
    ("get", "/inApps/v1/subscriptions/{transactionId}"): StatusResponse,
    ("get", "/inApps/v1/transactions/{transactionId}"): TransactionInfoResponse,
    ("get", "/inApps/v1/history/{transactionId}"): HistoryResponse,
    ("get", "/inApps/v2/history/{transactionId}"): HistoryResponse,
}
# Apple answers these with 200 and an empty body.
APPLE_EMPTY_RESPONSES = {
    ("put", f"{_RETENTION}/realtime/url"),
    ("delete", f"{_RETENTION}/realtime/url"),
    ("put", f"{_RETENTION}/image/{{imageIdentifier}}"),
    ("delete", f"{_RETENTION}/image/{{imageIdentifier}}"),
    ("put", f"{_RETENTION}/message/{{messageIdentifier}}"),
    ("delete", f"{_RETENTION}/message/{{messageIdentifier}}"),
    ("put", f"{_RETENTION}/default/{{productId}}/{{locale}}"),
    ("delete", f"{_RETENTION}/default/{{productId}}/{{locale}}"),
}
# Fields we send that Apple's Python model lacks, each with its reason. firstSendAttemptResult:
# Apple documents it (deprecated, "use sendAttempts") in both responses; its library dropped it.
JUSTIFIED_EXTRAS = {
    "CheckTestNotificationResponse": {"firstSendAttemptResult"},
    "NotificationHistoryResponseItem": {"firstSendAttemptResult"},
}


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    sandbox = open_sandbox(Settings(data_dir=tmp_path_factory.mktemp("openapi")))
    try:
        openapi: dict[str, Any] = create_app(sandbox).openapi()
        return openapi
    finally:
        sandbox.close()


def _apple_operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(method, path without the environment prefix, operation) of every Apple route."""
    found = []
    for path, operations in document["paths"].items():
        for prefix in ("/sandbox", "/production"):
            if path.startswith(prefix + "/inApps/"):
                found += [(m, path.removeprefix(prefix), op) for m, op in operations.items()]
    return found


def _success(operation: dict[str, Any]) -> dict[str, Any]:
    return next(r for status, r in operation["responses"].items() if status.startswith("2"))


def _json_schema(operation: dict[str, Any]) -> dict[str, Any]:
    schema: dict[str, Any] = _success(operation)["content"]["application/json"]["schema"]
    return schema


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    name = schema["$ref"].removeprefix("#/components/schemas/")
    resolved: dict[str, Any] = document["components"]["schemas"][name]
    return resolved


def _refs(schema: Any) -> list[dict[str, Any]]:
    """Every {"$ref": ...} inside a property's schema (direct, array items, anyOf)."""
    if isinstance(schema, dict):
        own = [schema] if "$ref" in schema else []
        return own + [ref for value in schema.values() for ref in _refs(value)]
    if isinstance(schema, list):
        return [ref for item in schema for ref in _refs(item)]
    return []


def _apple_fields(model: type[Any]) -> dict[str, attrs.Attribute[Any]]:
    """JSON name -> field. A ``rawX`` field is the raw string of ``X`` and goes out as ``X``."""
    return {
        field.name: field
        for field in attrs.fields(model)
        if field.metadata.get(metadata_type_key) != "raw"
    }


def _nested_model(field: attrs.Attribute[Any]) -> type[Any] | None:
    """The attrs class inside Optional[...] / List[...], if any."""
    pending = [field.type]
    while pending:
        kind = pending.pop()
        if isinstance(kind, type) and attrs.has(kind):
            return kind
        pending += typing.get_args(kind)
    return None


def _mismatches(document: dict[str, Any], schema: dict[str, Any], model: type[Any]) -> list[str]:
    """How the schema's properties differ from the model's fields, at every nesting level."""
    schema = _resolve(document, schema) if "$ref" in schema else schema
    ours = set(schema.get("properties", {}))
    apple = _apple_fields(model)
    extras = JUSTIFIED_EXTRAS.get(model.__name__, set())
    problems = [f"{model.__name__} lacks {name}" for name in sorted(set(apple) - ours)]
    problems += [
        f"{model.__name__} has {name}, Apple's model doesn't"
        for name in sorted(ours - set(apple) - extras)
    ]
    for name, field in apple.items():
        nested = _nested_model(field)
        if nested is None or name not in ours:
            continue
        refs = _refs(schema["properties"][name])
        if not refs:
            problems.append(f"{model.__name__}.{name} is not an object like Apple's {nested}")
        for ref in refs:
            problems += _mismatches(document, ref, nested)
    return problems


def test_every_apple_route_is_checked(document: dict[str, Any]) -> None:
    operations = {(method, path) for method, path, _ in _apple_operations(document)}
    assert operations == set(APPLE_RESPONSES) | APPLE_EMPTY_RESPONSES


@pytest.mark.parametrize(("method", "path"), sorted(APPLE_RESPONSES), ids=lambda p: str(p))
def test_apple_response_schema_has_the_fields_of_apples_model(
    document: dict[str, Any], method: str, path: str
) -> None:
    operations = [op for m, p, op in _apple_operations(document) if (m, p) == (method, path)]
    assert operations
    for operation in operations:
        schema = _json_schema(operation)
        assert "$ref" in schema
        assert _mismatches(document, schema, APPLE_RESPONSES[(method, path)]) == []


def test_empty_apple_responses_document_no_body(document: dict[str, Any]) -> None:
    for method, path, operation in _apple_operations(document):
        if (method, path) in APPLE_EMPTY_RESPONSES:
            assert "content" not in _success(operation), (method, path)


def test_the_check_sees_a_missing_and_an_unknown_field(document: dict[str, Any]) -> None:
    schema: dict[str, Any] = {"properties": {"realtimeURL": {}, "url": {}}}
    assert _mismatches(document, schema, RealtimeUrlResponse) == [
        "RealtimeUrlResponse has url, Apple's model doesn't"
    ]
    assert _mismatches(document, {"properties": {}}, RealtimeUrlResponse) == [
        "RealtimeUrlResponse lacks realtimeURL"
    ]


def test_every_control_route_has_a_response_schema(document: dict[str, Any]) -> None:
    for path, operations in document["paths"].items():
        if not path.startswith("/_sandbox/") or path == "/_sandbox/v1/certificates/root":
            continue
        for method, operation in operations.items():
            if method == "delete" and "204" in operation["responses"]:
                assert "content" not in operation["responses"]["204"], (method, path)
                continue
            assert "$ref" in _json_schema(operation), (method, path)


def test_the_bearer_schemes_are_declared_so_try_it_out_can_send_a_token(
    document: dict[str, Any],
) -> None:
    schemes = document["components"]["securitySchemes"]
    assert schemes["appleToken"] | {"description": ""} == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "",
    }
    assert (schemes["adminToken"]["type"], schemes["adminToken"]["scheme"]) == ("http", "bearer")
    paths = document["paths"]
    assert paths["/sandbox/inApps/v1/notifications/test"]["post"]["security"] == [
        {"appleToken": []}
    ]
    assert paths["/_sandbox/v1/apps"]["get"]["security"] == [{"adminToken": []}, {}]
    assert "security" not in paths["/_sandbox/v1/health"]["get"]
