"""The error responses of every operation in the OpenAPI document, in its surface's own shape.

Routes declare the errors particular to them (``responses=declared(403, 409)``, from
``appstore_sandbox.declared_errors``); :func:`document_errors` adds those any operation of its
kind can meet, gives every error its body, and drops FastAPI's 422, which this app never sends
(invalid input is a 400).
"""

from __future__ import annotations

from typing import Any

from appstore_sandbox.declared_errors import DESCRIPTIONS

APPLE_ERROR = "AppleError"
CONTROL_ERROR = "ControlError"
_SCHEMAS: dict[str, dict[str, Any]] = {
    APPLE_ERROR: {
        "title": APPLE_ERROR,
        "description": "Apple's error body; the status is the first three digits of the code.",
        "type": "object",
        "required": ["errorCode", "errorMessage"],
        "properties": {
            "errorCode": {"type": "integer", "title": "Errorcode"},
            "errorMessage": {"type": "string", "title": "Errormessage"},
        },
    },
    CONTROL_ERROR: {
        "title": CONTROL_ERROR,
        "type": "object",
        "required": ["error"],
        "properties": {"error": {"type": "string", "title": "Error"}},
    },
}
# Apple documents no body for a path it does not serve; the control surface answers its own shape.
_APPLE_NOT_FOUND = "Not found (plain text when no route matches the path)."
_FASTAPI_VALIDATION = ("HTTPValidationError", "ValidationError")


def document_errors(document: dict[str, Any], public_paths: frozenset[str]) -> dict[str, Any]:
    """Add the error responses to ``document`` (FastAPI's OpenAPI dict), in place."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for name in _FASTAPI_VALIDATION:
        schemas.pop(name, None)
    schemas.update(_SCHEMAS)
    for path, operations in document["paths"].items():
        apple = path.startswith(("/sandbox/", "/production/"))
        if not apple and not path.startswith("/_sandbox/"):
            continue
        for operation in operations.values():
            _document_operation(operation, apple, public=path in public_paths)
    return document


def _document_operation(operation: dict[str, Any], apple: bool, public: bool) -> None:
    responses: dict[str, Any] = operation["responses"]
    responses.pop("422", None)
    for status in sorted(_statuses(operation, apple, public)):
        responses.setdefault(str(status), {"description": DESCRIPTIONS[status]})
    for code, response in responses.items():
        if code[0] in "45":
            _set_content(response, int(code), apple)


def _statuses(operation: dict[str, Any], apple: bool, public: bool) -> set[int]:
    """The errors any operation like this one can meet, whatever its route does."""
    parameters = operation.get("parameters", [])
    statuses = {403, 421, 500}  # 403, 421: the gate's answers to web pages (gate.py)
    if parameters or "requestBody" in operation:
        statuses.add(400)
    if "requestBody" in operation:
        statuses.add(413)
    if "requestBody" in operation and not apple:
        statuses.add(415)
    if any(parameter["in"] == "path" for parameter in parameters):
        statuses.add(404)  # an unknown identifier, or a value that matches no route
    if apple or not public:
        statuses.add(401)
    if apple:
        statuses.add(429)
    return statuses


def _set_content(response: dict[str, Any], status: int, apple: bool) -> None:
    if apple and status == 401:
        # Apple answers a bad token with no body; the reason is in WWW-Authenticate.
        response.pop("content", None)
        return
    schema = {"$ref": f"#/components/schemas/{APPLE_ERROR if apple else CONTROL_ERROR}"}
    content: dict[str, Any] = {"application/json": {"schema": schema}}
    if apple and status == 404:
        content["text/plain"] = {"schema": {"type": "string"}}
        if response.get("description") == DESCRIPTIONS[404]:
            response["description"] = _APPLE_NOT_FOUND
    response["content"] = content


_SECURITY_SCHEMES = {
    "appleToken": {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "An ES256 token signed with an In-App Purchase key the sandbox knows "
        "(Apple's claims: iss, iat, exp, aud appstoreconnect-v1, bid; header kid).",
    },
    "adminToken": {
        "type": "http",
        "scheme": "bearer",
        "description": "The token `serve --admin-token` was started with; needed only when the "
        "control surface is locked.",
    },
}


def document_security(document: dict[str, Any], public_paths: frozenset[str]) -> dict[str, Any]:
    """Declare the bearer schemes, so "Try it out" in /docs can send a token."""
    document.setdefault("components", {})["securitySchemes"] = _SECURITY_SCHEMES
    for path, operations in document["paths"].items():
        if path.startswith(("/sandbox/", "/production/")):
            requirement: list[dict[str, list[str]]] = [{"appleToken": []}]
        elif path.startswith("/_sandbox/") and path not in public_paths:
            requirement = [{"adminToken": []}, {}]  # {}: an unlocked surface needs none
        else:
            continue
        for operation in operations.values():
            operation["security"] = requirement
    return document
