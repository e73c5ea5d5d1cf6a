"""The errors a route declares beside the ones every operation of its kind can meet
(``responses=declared(403, 409)``), each with the description the OpenAPI document gives it
(``appstore_sandbox.http.openapi_errors`` adds the rest and their bodies)."""

from __future__ import annotations

from typing import Any

DESCRIPTIONS = {
    400: "Invalid request.",
    401: "Missing or invalid credentials.",
    403: "Not allowed in the current state, or from a web page of another origin (Origin).",
    404: "Not found.",
    409: "Conflicts with the current state (already exists, in use, or running).",
    413: "The request body is over the sandbox's size limit.",
    415: "The request body is not application/json.",
    421: "The Host header names no address the sandbox answers to (setting allowed_hosts).",
    429: "Rate limit exceeded; Retry-After is when to retry, in UNIX milliseconds.",
    500: "Unexpected error; the details are in the server log.",
}


def declared(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route that can also answer ``statuses``."""
    return {status: {"description": DESCRIPTIONS[status]} for status in statuses}
