"""How deep a realtime reply may nest before it is refused unparsed."""

from __future__ import annotations

import json

from appstore_sandbox.realtime.response_check import MAX_JSON_DEPTH, decode_realtime_body

MESSAGE = {"message": {"messageIdentifier": "6a5e1c3e-3ab4-4d1d-9a8a-3b1f3f6c2c10"}}
TOO_DEEP = f"body is JSON nested more than {MAX_JSON_DEPTH} levels deep"


def _nested(depth: int) -> bytes:
    """A RealtimeResponseBody whose extra field nests arrays to ``depth`` levels in all."""
    extra = "[" * (depth - 1) + "]" * (depth - 1)
    return json.dumps(MESSAGE)[:-1].encode() + b', "extra": ' + extra.encode() + b"}"


def test_a_reply_at_the_depth_limit_is_decoded() -> None:
    document, problem = decode_realtime_body(_nested(MAX_JSON_DEPTH))
    assert problem is None and document is not None


def test_one_level_more_is_refused() -> None:
    assert decode_realtime_body(_nested(MAX_JSON_DEPTH + 1)) == (None, TOO_DEEP)


def test_brackets_inside_strings_do_not_count() -> None:
    body = json.dumps({**MESSAGE, "note": "[" * 10_000}).encode()
    document, problem = decode_realtime_body(body)
    assert problem is None and document is not None


def test_nesting_past_pythons_own_parser_is_refused() -> None:
    assert decode_realtime_body(b"[" * 900_000) == (None, TOO_DEEP)
    assert decode_realtime_body(b'{"a":' * 100_000) == (None, TOO_DEEP)
