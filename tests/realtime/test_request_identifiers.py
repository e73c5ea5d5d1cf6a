"""Request identifiers are random version-4 UUIDs in their canonical form."""

from __future__ import annotations

import uuid

from appstore_sandbox.realtime.payloads import RequestIdentifiers


def test_identifiers_are_canonical_version_4_uuids_and_never_repeat() -> None:
    identifiers = RequestIdentifiers()
    drawn = [identifiers.next() for _ in range(10_000)]  # more than one batch of random bytes
    parsed = [uuid.UUID(identifier) for identifier in drawn]
    assert all(str(value) == identifier for value, identifier in zip(parsed, drawn, strict=True))
    assert {value.version for value in parsed} == {4}
    assert {value.variant for value in parsed} == {uuid.RFC_4122}
    assert len(set(drawn)) == len(drawn)
