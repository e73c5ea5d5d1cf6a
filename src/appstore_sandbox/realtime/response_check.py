"""Is a reply a valid ``RealtimeResponseBody``? (spec: realtime-endpoint.md, "Response")

Structure and types only; whether the named message exists and is approved, the product and
offer are the app's, and the offer signature verifies is judged against the app's catalog by
``retention/response_rules.py`` (see ``perftest/catalog_judge.py``).
"""

from __future__ import annotations

import codecs
import json
import uuid
from collections.abc import Callable
from typing import Any

from appstore_sandbox.outbound.results import Attempt, HttpReply, SendAttemptResult

RESPONSE_FIELDS = ("message", "alternateProduct", "promotionalOffer", "advancedCommerceInfo")
# A RealtimeResponseBody is 3 levels deep. Deeper replies are refused before anything walks them:
# Python's parser and any code recursing into a document stop at about 1,000 levels, and a
# 1 MB reply can open 1,000,000.
MAX_JSON_DEPTH = 100
BILLING_PLAN_TYPES = ("BILLED_UPFRONT", "MONTHLY")
_UTF8 = codecs.lookup("utf-8").name


def judge_realtime_reply(reply: HttpReply) -> Attempt:
    """SUCCESS only for HTTP 200 with a well-formed RealtimeResponseBody."""
    return judge_realtime_document(reply)[0]


def judge_realtime_document(reply: HttpReply) -> tuple[Attempt, dict[str, Any] | None]:
    """The judgement, and the decoded body when it is a well-formed RealtimeResponseBody."""
    if reply.status != 200:
        return Attempt(
            SendAttemptResult.UNSUCCESSFUL_HTTP_RESPONSE_CODE,
            None,
            reply.status,
            f"HTTP {reply.status}, expected 200{_body_hint(reply.body)}",
        ), None
    charset = _charset(reply.content_type)
    if charset is not None and charset != _UTF8:
        return Attempt(
            SendAttemptResult.UNSUPPORTED_CHARSET,
            None,
            reply.status,
            f"Content-Type declares charset {charset}; send UTF-8 JSON",
        ), None
    document, problem = decode_realtime_body(reply.body)
    if problem:
        return Attempt(SendAttemptResult.INVALID_RESPONSE, None, reply.status, problem), None
    return Attempt(SendAttemptResult.SUCCESS, None, reply.status), document


def decode_realtime_body(body: bytes) -> tuple[dict[str, Any] | None, str | None]:
    """``(document, None)`` for a RealtimeResponseBody, else ``(None, why it is not one)``."""
    try:
        document = _bounded_loads(body)
    except _TooDeep:
        return None, f"body is JSON nested more than {MAX_JSON_DEPTH} levels deep"
    except UnicodeDecodeError:
        return None, "body is not UTF-8 text"
    except ValueError:
        return None, f"body is not JSON: {_snippet(body)}"
    problem = _document_problem(document)
    return (None, problem) if problem else (document, None)


class _TooDeep(Exception):
    """A reply nested deeper than MAX_JSON_DEPTH."""


def _bounded_loads(body: bytes) -> Any:
    """``json.loads``, raising _TooDeep for arrays and objects nested past MAX_JSON_DEPTH."""
    if body.count(b"[") + body.count(b"{") <= MAX_JSON_DEPTH:  # the usual reply: no walk
        return json.loads(body)
    try:
        document = json.loads(body)
    except RecursionError:
        raise _TooDeep from None
    if _deeper_than(document, MAX_JSON_DEPTH):
        raise _TooDeep
    return document


def _deeper_than(document: Any, limit: int) -> bool:
    """Whether arrays and objects nest more than ``limit`` levels, walked without recursion."""
    stack: list[tuple[Any, int]] = [(document, 1)] if isinstance(document, dict | list) else []
    while stack:
        value, depth = stack.pop()
        children = value.values() if isinstance(value, dict) else value
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def _document_problem(document: Any) -> str | None:
    if not isinstance(document, dict):
        return f"body must be a JSON object, got {_json_type(document)}"
    present = [name for name in RESPONSE_FIELDS if name in document]
    if len(present) != 1:
        found = ", ".join(present) if present else "none"
        return f"body must have exactly one of {', '.join(RESPONSE_FIELDS)} (found {found})"
    name = present[0]
    value = document[name]
    if not isinstance(value, dict):
        return f"{name} must be an object, got {_json_type(value)}"
    return _CHECKS[name](name, value)


def _check_message(name: str, value: dict[str, Any]) -> str | None:
    return _uuid_problem(name, value, "messageIdentifier")


def _check_alternate_product(name: str, value: dict[str, Any]) -> str | None:
    problem = _uuid_problem(name, value, "messageIdentifier") or _string_problem(
        name, value, "productId"
    )
    if problem:
        return problem
    plan = value.get("billingPlanType")
    if plan is not None and plan not in BILLING_PLAN_TYPES:
        return f"{name}.billingPlanType must be one of {', '.join(BILLING_PLAN_TYPES)}"
    return None


def _check_promotional_offer(name: str, value: dict[str, Any]) -> str | None:
    problem = _uuid_problem(name, value, "messageIdentifier")
    if problem:
        return problem
    v1, v2 = value.get("promotionalOfferSignatureV1"), value.get("promotionalOfferSignatureV2")
    if (v1 is None) == (v2 is None):
        return f"{name} needs exactly one of promotionalOfferSignatureV1 and V2"
    if v2 is not None:
        if not isinstance(v2, str) or v2.count(".") != 2:
            return f"{name}.promotionalOfferSignatureV2 must be a compact JWS string"
        return None
    return _signature_v1_problem(f"{name}.promotionalOfferSignatureV1", v1)


def _signature_v1_problem(name: str, value: Any) -> str | None:
    if not isinstance(value, dict):
        return f"{name} must be an object"
    for field in ("encodedSignature", "productId", "keyId", "offerIdentifier"):
        if problem := _string_problem(name, value, field):
            return problem
    if problem := _uuid_problem(name, value, "nonce"):
        return problem
    timestamp = value.get("timestamp")
    if not isinstance(timestamp, int) or isinstance(timestamp, bool):
        return f"{name}.timestamp must be an integer (UNIX ms)"
    if value.get("appAccountToken") is not None:
        return _uuid_problem(name, value, "appAccountToken")
    return None


def _check_advanced_commerce(name: str, value: dict[str, Any]) -> str | None:
    return _uuid_problem(name, value, "messageIdentifier") or _string_problem(
        name, value, "advancedCommerceData"
    )


_CHECKS: dict[str, Callable[[str, dict[str, Any]], str | None]] = {
    "message": _check_message,
    "alternateProduct": _check_alternate_product,
    "promotionalOffer": _check_promotional_offer,
    "advancedCommerceInfo": _check_advanced_commerce,
}


def _uuid_problem(parent: str, value: dict[str, Any], field: str) -> str | None:
    text = value.get(field)
    if not isinstance(text, str):
        return f"{parent}.{field} must be a UUID string"
    try:
        uuid.UUID(text)
    except ValueError:
        return f"{parent}.{field} must be a UUID string, got {text[:60]!r}"
    return None


def _string_problem(parent: str, value: dict[str, Any], field: str) -> str | None:
    text = value.get(field)
    if not isinstance(text, str) or not text:
        return f"{parent}.{field} must be a non-empty string"
    return None


def _charset(content_type: str) -> str | None:
    for parameter in content_type.split(";")[1:]:
        key, _, raw = parameter.partition("=")
        if key.strip().lower() == "charset":
            label = raw.strip().strip('"')
            try:
                return codecs.lookup(label).name
            except LookupError:
                return label.lower()
    return None


def _json_type(value: Any) -> str:
    return {dict: "object", list: "array", str: "string", bool: "boolean"}.get(
        type(value), "number" if isinstance(value, int | float) else "null"
    )


def _snippet(body: bytes, limit: int = 60) -> str:
    text = body.decode("utf-8", "replace").strip().replace("\n", " ")
    return (text[:limit] + "…") if len(text) > limit else text or "(empty)"


def _body_hint(body: bytes) -> str:
    return f": {_snippet(body)}" if body.strip() else ""
