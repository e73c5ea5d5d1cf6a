"""Requests generated from /openapi.json for every operation, in process: no 5xx, no traceback,
and every response (status, content type, body) as the document declares it.

Valid requests (by the document) and invalid ones, a few derandomized examples per operation,
no deadline: a few seconds in all. Apple's operations are called with a valid token, so that the
requests get past authentication.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.in_process import InProcess, in_process

EXAMPLES_PER_OPERATION = 4
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# What a leaked internal error looks like.
INTERNALS = ("Traceback", 'File "', "sqlalchemy", "OverflowError", "Exception")
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcess]:
    # Outbound calls (realtime URLs, notification URLs) may go only to a host that can't exist.
    data_dir = tmp_path_factory.mktemp("fuzz")
    # Schemathesis calls the app as Starlette's TestClient does, by the name "testserver".
    with in_process(
        data_dir, outbound_allowed_hosts="fuzz.invalid", allowed_hosts="testserver"
    ) as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def operations(fuzzed: InProcess) -> list[Any]:
    schema = schemathesis.openapi.from_asgi("/openapi.json", fuzzed.app)
    results = list(schema.get_all_operations())
    assert all(isinstance(result, Ok) for result in results), results  # the document is valid
    return [result.ok() for result in results if isinstance(result, Ok)]


def _check(fuzzed: InProcess, case: Any) -> None:
    apple = case.path.startswith(("/sandbox/", "/production/"))
    headers = fuzzed.apple_headers() if apple else {}
    response = case.call(headers=headers)
    # A fuzzed POST /_sandbox/v1/faults may set a fault on every call: it would fail the cases
    # after it (a 500 on purpose, a delay of minutes).
    fuzzed.sandbox.faults.clear()
    case.validate_response(response, checks=CHECKS, headers=headers)
    leaked = [marker for marker in INTERNALS if marker.encode() in response.content]
    assert not leaked, (case.method, case.formatted_path, response.content[:500])


def _fuzz(fuzzed: InProcess, operation: Any, mode: GenerationMode) -> None:
    @FUZZ_SETTINGS
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        _check(fuzzed, case)

    run()


def _negatable(fuzzed: InProcess, operation: Any) -> bool:
    """Whether the operation takes input that can be made invalid: a body with a schema, or a
    query parameter (any string is a valid path parameter)."""
    spec = fuzzed.app.openapi()["paths"][operation.path][operation.method.lower()]
    body = spec.get("requestBody", {}).get("content", {})
    typed_body = any(media.get("schema") for media in body.values())
    return typed_body or any(p["in"] != "path" for p in spec.get("parameters", []))


def _failures(fuzzed: InProcess, operations: list[Any], mode: GenerationMode) -> list[str]:
    failures = []
    for operation in operations:
        try:
            _fuzz(fuzzed, operation, mode)
        except Exception as error:  # every operation is fuzzed; all failures are reported
            failures.append(f"{operation.label}: {type(error).__name__}: {error}")
    return failures


def test_valid_requests(fuzzed: InProcess, operations: list[Any]) -> None:
    assert len(operations) > 40
    failures = _failures(fuzzed, operations, GenerationMode.POSITIVE)
    assert not failures, "\n\n".join(failures)


def test_invalid_requests(fuzzed: InProcess, operations: list[Any]) -> None:
    negatable = [operation for operation in operations if _negatable(fuzzed, operation)]
    assert len(negatable) > 20
    failures = _failures(fuzzed, negatable, GenerationMode.NEGATIVE)
    assert not failures, "\n\n".join(failures)
