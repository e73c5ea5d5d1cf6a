"""The sandbox's JWS must pass Apple's own SignedDataVerifier, strict X.509 checks included."""

from __future__ import annotations

import base64
import json
import stat
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest
from appstoreserverlibrary.models.Environment import Environment
from appstoreserverlibrary.models.NotificationTypeV2 import NotificationTypeV2
from appstoreserverlibrary.signed_data_verifier import (
    SignedDataVerifier,
    VerificationException,
    VerificationStatus,
)
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from appstore_sandbox.signing import (
    CHAIN_FILES,
    INTERMEDIATE_MARKER_OID,
    LEAF_KEY_FILE,
    LEAF_MARKER_OID,
    ROOT_FILE,
    CertificateChain,
    ChainError,
    JwsSigner,
    create_chain,
    load_chain,
    load_or_create_chain,
    save_chain,
)

BUNDLE_ID = "com.example.app"
APP_APPLE_ID = 1234567890


@pytest.fixture(scope="module")
def chain() -> CertificateChain:
    return create_chain(datetime.now(UTC))


@pytest.fixture(scope="module")
def signer(chain: CertificateChain) -> JwsSigner:
    return JwsSigner(chain)


def _verifier(chain: CertificateChain) -> SignedDataVerifier:
    return SignedDataVerifier([chain.root_der()], False, Environment.SANDBOX, BUNDLE_ID, None)


def _now_ms() -> int:
    return int(datetime.now(UTC).timestamp() * 1000)


def _realtime_payload(signed_date: int | None = None) -> dict[str, Any]:
    return {
        "originalTransactionId": "2000000000000001",
        "appAppleId": APP_APPLE_ID,
        "productId": "com.example.app.monthly",
        "userLocale": "en-US",
        "requestIdentifier": str(uuid.uuid4()),
        "environment": "Sandbox",
        "signedDate": _now_ms() if signed_date is None else signed_date,
    }


def test_realtime_request_is_accepted_and_decodes(
    chain: CertificateChain, signer: JwsSigner
) -> None:
    payload = _realtime_payload()

    decoded = _verifier(chain).verify_and_decode_realtime_request(signer.sign(payload))

    assert decoded.originalTransactionId == payload["originalTransactionId"]
    assert decoded.appAppleId == payload["appAppleId"]
    assert decoded.productId == payload["productId"]
    assert decoded.userLocale == payload["userLocale"]
    assert str(decoded.requestIdentifier) == payload["requestIdentifier"]
    assert decoded.environment == Environment.SANDBOX
    assert decoded.signedDate == payload["signedDate"]


def test_jws_shape(chain: CertificateChain, signer: JwsSigner) -> None:
    token = signer.sign({"b": 1, "a": [1, 2]})
    header_segment, payload_segment, signature_segment = token.split(".")

    assert "=" not in token
    assert json.loads(base64.urlsafe_b64decode(header_segment + "==")) == {
        "alg": "ES256",
        "typ": "JWT",
        "x5c": chain.x5c,
    }
    assert base64.urlsafe_b64decode(payload_segment + "==") == b'{"b":1,"a":[1,2]}'
    assert len(base64.urlsafe_b64decode(signature_segment + "==")) == 64


def test_x5c_is_padded_standard_base64_der_leaf_first(chain: CertificateChain) -> None:
    certs = [x509.load_der_x509_certificate(base64.b64decode(c, validate=True)) for c in chain.x5c]

    assert certs == [chain.leaf, chain.intermediate, chain.root]


def test_signature_from_another_chain_is_rejected(chain: CertificateChain) -> None:
    stranger = JwsSigner(create_chain(datetime.now(UTC)))

    with pytest.raises(VerificationException) as caught:
        _verifier(chain).verify_and_decode_realtime_request(stranger.sign(_realtime_payload()))

    # The library wraps OpenSSL's "unable to get issuer certificate" as a generic failure.
    assert caught.value.status == VerificationStatus.VERIFICATION_FAILURE


def test_tampered_payload_is_rejected(chain: CertificateChain, signer: JwsSigner) -> None:
    header, _, signature = signer.sign(_realtime_payload()).split(".")
    forged = _realtime_payload()
    forged["productId"] = "com.example.app.free"
    forged_segment = base64.urlsafe_b64encode(json.dumps(forged).encode()).rstrip(b"=").decode()

    with pytest.raises(VerificationException) as caught:
        _verifier(chain).verify_and_decode_realtime_request(
            f"{header}.{forged_segment}.{signature}"
        )

    assert caught.value.status == VerificationStatus.VERIFICATION_FAILURE


def test_chain_is_checked_at_signed_date_so_advanced_clock_still_verifies() -> None:
    now = datetime.now(UTC)
    chain = create_chain(now)
    later = int((now + timedelta(days=365 * 5)).timestamp() * 1000)

    decoded = _verifier(chain).verify_and_decode_realtime_request(
        JwsSigner(chain).sign(_realtime_payload(signed_date=later))
    )

    assert decoded.signedDate == later


def test_save_and_load_round_trip(chain: CertificateChain, tmp_path: Path) -> None:
    directory = tmp_path / "chain"
    save_chain(chain, directory)

    loaded = load_chain(directory)
    token = JwsSigner(loaded).sign(_realtime_payload())

    assert loaded.x5c == chain.x5c
    assert _verifier(chain).verify_and_decode_realtime_request(token).productId
    assert (directory / ROOT_FILE).read_bytes() == chain.root_der()
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    assert stat.S_IMODE((directory / LEAF_KEY_FILE).stat().st_mode) == 0o600


def test_load_or_create_reuses_existing_chain(chain: CertificateChain, tmp_path: Path) -> None:
    save_chain(chain, tmp_path)

    loaded = load_or_create_chain(tmp_path, datetime.now(UTC))

    assert loaded.root_der() == chain.root_der()


def test_load_or_create_creates_files_in_empty_directory(tmp_path: Path) -> None:
    directory = tmp_path / "fresh"

    created = load_or_create_chain(directory, datetime.now(UTC))

    assert sorted(p.name for p in directory.iterdir()) == sorted(CHAIN_FILES)
    assert load_chain(directory).root_der() == created.root_der()


def test_missing_file_raises_chain_error_naming_it(chain: CertificateChain, tmp_path: Path) -> None:
    save_chain(chain, tmp_path)
    (tmp_path / "intermediate.pem").unlink()

    with pytest.raises(ChainError, match=r"intermediate\.pem"):
        load_chain(tmp_path)


def test_corrupt_key_raises_chain_error_naming_it(chain: CertificateChain, tmp_path: Path) -> None:
    save_chain(chain, tmp_path)
    (tmp_path / LEAF_KEY_FILE).write_bytes(b"not a key")

    with pytest.raises(ChainError, match=r"leaf-key\.pem"):
        load_or_create_chain(tmp_path, datetime.now(UTC))


def test_certificates_carry_apple_markers(chain: CertificateChain) -> None:
    leaf_marker = chain.leaf.extensions.get_extension_for_oid(LEAF_MARKER_OID)
    intermediate_marker = chain.intermediate.extensions.get_extension_for_oid(
        INTERMEDIATE_MARKER_OID
    )

    assert LEAF_MARKER_OID.dotted_string == "1.2.840.113635.100.6.11.1"
    assert INTERMEDIATE_MARKER_OID.dotted_string == "1.2.840.113635.100.6.2.1"
    for marker in (leaf_marker, intermediate_marker):
        assert not marker.critical
        assert isinstance(marker.value, x509.UnrecognizedExtension)
        assert marker.value.value == b"\x05\x00"
    assert isinstance(chain.leaf_key.curve, ec.SECP256R1)
    intermediate_key = chain.intermediate.public_key()
    assert isinstance(intermediate_key, ec.EllipticCurvePublicKey)
    assert isinstance(intermediate_key.curve, ec.SECP384R1)


def test_notification_is_accepted(chain: CertificateChain, signer: JwsSigner) -> None:
    notification_uuid = str(uuid.uuid4())
    payload = {
        "notificationType": "TEST",
        "notificationUUID": notification_uuid,
        "version": "2.0",
        "signedDate": _now_ms(),
        "data": {"bundleId": BUNDLE_ID, "appAppleId": APP_APPLE_ID, "environment": "Sandbox"},
    }

    decoded = _verifier(chain).verify_and_decode_notification(signer.sign(payload))

    assert decoded.notificationType == NotificationTypeV2.TEST
    assert decoded.notificationUUID == notification_uuid
    assert decoded.data is not None
    assert decoded.data.bundleId == BUNDLE_ID
    assert decoded.data.environment == Environment.SANDBOX


def test_pyjwt_accepts_our_jws(chain: CertificateChain, signer: JwsSigner) -> None:
    payload = _realtime_payload()

    leaf_key = chain.leaf.public_key()
    assert isinstance(leaf_key, ec.EllipticCurvePublicKey)
    decoded = jwt.decode(signer.sign(payload), leaf_key, algorithms=["ES256"])

    assert decoded == payload
