"""Certificate chain and JWS signing: the one place that signs what the sandbox sends."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, utils
from cryptography.x509.oid import NameOID

from appstore_sandbox.keyfiles import (
    PRIVATE_DIR_MODE,
    PRIVATE_FILE_MODE,
    sync_directory,
    write_atomically,
)

ORGANIZATION = "appstore-sandbox"
ROOT_CN = "AppStore Sandbox Root CA - G3"
INTERMEDIATE_CN = "AppStore Sandbox Worldwide Developer Relations CA"
INTERMEDIATE_OU = "G6"
LEAF_CN = "AppStore Sandbox Receipt Signing"

# Apple's marker extensions; SignedDataVerifier requires both to be present.
INTERMEDIATE_MARKER_OID = x509.ObjectIdentifier("1.2.840.113635.100.6.2.1")
LEAF_MARKER_OID = x509.ObjectIdentifier("1.2.840.113635.100.6.11.1")
_DER_NULL = b"\x05\x00"

ROOT_FILE = "root.cer"
ROOT_PEM_FILE = "root.pem"
INTERMEDIATE_FILE = "intermediate.pem"
LEAF_FILE = "leaf.pem"
LEAF_KEY_FILE = "leaf-key.pem"
CHAIN_FILES = (ROOT_FILE, ROOT_PEM_FILE, INTERMEDIATE_FILE, LEAF_FILE, LEAF_KEY_FILE)

_BACKDATE = timedelta(days=1)
_CA_LIFETIME = timedelta(days=round(365.25 * 25))
_LEAF_LIFETIME = timedelta(days=round(365.25 * 10))
_CERT_HASH = hashes.SHA384()
_P256_COORDINATE_BYTES = 32
# Built once: constructing the algorithm object costs as much as a third of a signature.
_ES256_PREHASHED = ec.ECDSA(utils.Prehashed(hashes.SHA256()))


class ChainError(Exception):
    """The stored certificate chain is missing, unreadable or inconsistent."""


@dataclass(frozen=True)
class CertificateChain:
    """Apple-shaped chain: the leaf key signs, the root is what verifiers trust."""

    leaf_key: ec.EllipticCurvePrivateKey
    leaf: x509.Certificate
    intermediate: x509.Certificate
    root: x509.Certificate

    @property
    def x5c(self) -> list[str]:
        """The JWS ``x5c`` header: standard base64 DER, leaf first."""
        certs = (self.leaf, self.intermediate, self.root)
        return [
            base64.b64encode(c.public_bytes(serialization.Encoding.DER)).decode() for c in certs
        ]

    def root_der(self) -> bytes:
        return self.root.public_bytes(serialization.Encoding.DER)


# --- creation ---------------------------------------------------------------


def _name(common_name: str, unit: str | None = None) -> x509.Name:
    attributes = [x509.NameAttribute(NameOID.COMMON_NAME, common_name)]
    if unit is not None:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, unit))
    attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANIZATION))
    return x509.Name(attributes)


def _key_usage(*, signing: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=signing,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=not signing,
        crl_sign=not signing,
        encipher_only=False,
        decipher_only=False,
    )


def _builder(
    subject: x509.Name,
    issuer: x509.Name,
    public_key: ec.EllipticCurvePublicKey,
    now: datetime,
    lifetime: timedelta,
) -> x509.CertificateBuilder:
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _BACKDATE)
        .not_valid_after(now + lifetime)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
    )


def _authority_key_id(issuer: x509.Certificate) -> x509.AuthorityKeyIdentifier:
    ski = issuer.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    return x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski)


def _marker(oid: x509.ObjectIdentifier) -> x509.UnrecognizedExtension:
    return x509.UnrecognizedExtension(oid, _DER_NULL)


def _create_root(key: ec.EllipticCurvePrivateKey, now: datetime) -> x509.Certificate:
    name = _name(ROOT_CN)
    return (
        _builder(name, name, key.public_key(), now, _CA_LIFETIME)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(_key_usage(signing=False), critical=True)
        .sign(key, _CERT_HASH)
    )


def _create_intermediate(
    key: ec.EllipticCurvePrivateKey,
    root: x509.Certificate,
    root_key: ec.EllipticCurvePrivateKey,
    now: datetime,
) -> x509.Certificate:
    subject = _name(INTERMEDIATE_CN, INTERMEDIATE_OU)
    return (
        _builder(subject, root.subject, key.public_key(), now, _CA_LIFETIME)
        .add_extension(_authority_key_id(root), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(signing=False), critical=True)
        .add_extension(_marker(INTERMEDIATE_MARKER_OID), critical=False)
        .sign(root_key, _CERT_HASH)
    )


def _create_leaf(
    key: ec.EllipticCurvePrivateKey,
    intermediate: x509.Certificate,
    intermediate_key: ec.EllipticCurvePrivateKey,
    now: datetime,
) -> x509.Certificate:
    return (
        _builder(_name(LEAF_CN), intermediate.subject, key.public_key(), now, _LEAF_LIFETIME)
        .add_extension(_authority_key_id(intermediate), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(signing=True), critical=True)
        .add_extension(_marker(LEAF_MARKER_OID), critical=False)
        .sign(intermediate_key, _CERT_HASH)
    )


def create_chain(now: datetime) -> CertificateChain:
    """A fresh root → intermediate → leaf chain, valid from a day before ``now``."""
    root_key = ec.generate_private_key(ec.SECP384R1())
    intermediate_key = ec.generate_private_key(ec.SECP384R1())
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    root = _create_root(root_key, now)
    intermediate = _create_intermediate(intermediate_key, root, root_key, now)
    leaf = _create_leaf(leaf_key, intermediate, intermediate_key, now)
    return CertificateChain(leaf_key=leaf_key, leaf=leaf, intermediate=intermediate, root=root)


# --- storage ----------------------------------------------------------------


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def save_chain(chain: CertificateChain, directory: Path) -> None:
    """Write the chain to ``directory``; ``root.cer`` is the file users download.

    The files are written into a staging directory that then takes ``directory``'s place, so a
    crash never leaves part of a chain (which ``load_or_create_chain`` would refuse).
    """
    directory.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=directory.parent, prefix=f".{directory.name}."))
    try:
        _write_chain_files(chain, staging)
        _move_into(staging, directory)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _write_chain_files(chain: CertificateChain, directory: Path) -> None:
    write_atomically(directory / LEAF_KEY_FILE, _key_pem(chain.leaf_key), PRIVATE_FILE_MODE)
    write_atomically(directory / LEAF_FILE, _pem(chain.leaf))
    write_atomically(directory / INTERMEDIATE_FILE, _pem(chain.intermediate))
    write_atomically(directory / ROOT_PEM_FILE, _pem(chain.root))
    write_atomically(directory / ROOT_FILE, chain.root_der())


def _move_into(staging: Path, directory: Path) -> None:
    with contextlib.suppress(FileNotFoundError, OSError):
        directory.rmdir()  # only if empty: the rename below needs the name free
    if not directory.exists():
        os.replace(staging, directory)
    else:  # the directory holds files of the user's: move ours in one by one, the root last
        for name in (LEAF_KEY_FILE, LEAF_FILE, INTERMEDIATE_FILE, ROOT_PEM_FILE, ROOT_FILE):
            os.replace(staging / name, directory / name)
    directory.chmod(PRIVATE_DIR_MODE)
    sync_directory(directory.parent)


def _read(directory: Path, filename: str) -> bytes:
    try:
        return (directory / filename).read_bytes()
    except OSError as exc:
        raise ChainError(f"cannot read {directory / filename}: {exc.strerror}") from exc


def _load_pem_cert(directory: Path, filename: str) -> x509.Certificate:
    try:
        return x509.load_pem_x509_certificate(_read(directory, filename))
    except ValueError as exc:
        raise ChainError(f"{directory / filename} is not a PEM certificate") from exc


def _load_leaf_key(directory: Path) -> ec.EllipticCurvePrivateKey:
    path = directory / LEAF_KEY_FILE
    try:
        key = serialization.load_pem_private_key(_read(directory, LEAF_KEY_FILE), password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise ChainError(f"{path} is not an unencrypted PEM private key") from exc
    if not isinstance(key, ec.EllipticCurvePrivateKey) or not isinstance(key.curve, ec.SECP256R1):
        raise ChainError(f"{path} is not a P-256 EC private key")
    return key


def _check_root_der(directory: Path, root: x509.Certificate) -> None:
    # root.cer is what users install; it must be the root we actually chain to.
    if _read(directory, ROOT_FILE) != root.public_bytes(serialization.Encoding.DER):
        raise ChainError(f"{directory / ROOT_FILE} does not match {directory / ROOT_PEM_FILE}")


def _check_leaf_key(
    directory: Path, leaf_key: ec.EllipticCurvePrivateKey, leaf: x509.Certificate
) -> None:
    if leaf_key.public_key() != leaf.public_key():
        raise ChainError(f"{directory / LEAF_KEY_FILE} does not match {directory / LEAF_FILE}")


def load_chain(directory: Path) -> CertificateChain:
    """Read a chain written by ``save_chain``; raises ``ChainError`` naming the bad file."""
    root = _load_pem_cert(directory, ROOT_PEM_FILE)
    _check_root_der(directory, root)
    intermediate = _load_pem_cert(directory, INTERMEDIATE_FILE)
    leaf = _load_pem_cert(directory, LEAF_FILE)
    leaf_key = _load_leaf_key(directory)
    _check_leaf_key(directory, leaf_key, leaf)
    return CertificateChain(leaf_key=leaf_key, leaf=leaf, intermediate=intermediate, root=root)


@dataclass(frozen=True)
class ChainPems:
    """A chain as text, the way the database keeps it (the leaf key as unencrypted PKCS#8)."""

    root: str
    intermediate: str
    leaf: str
    leaf_key: str

    @classmethod
    def of(cls, chain: CertificateChain) -> ChainPems:
        return cls(
            root=_pem(chain.root).decode(),
            intermediate=_pem(chain.intermediate).decode(),
            leaf=_pem(chain.leaf).decode(),
            leaf_key=_key_pem(chain.leaf_key).decode(),
        )

    def same_certificates(self, other: ChainPems) -> bool:
        return (self.root, self.intermediate, self.leaf) == (
            other.root,
            other.intermediate,
            other.leaf,
        )

    def chain(self, where: str) -> CertificateChain:
        """The chain these PEMs spell; ``ChainError`` naming ``where`` if they don't."""
        try:
            key = serialization.load_pem_private_key(self.leaf_key.encode(), password=None)
            root, intermediate, leaf = (
                x509.load_pem_x509_certificate(pem.encode())
                for pem in (self.root, self.intermediate, self.leaf)
            )
        except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
            raise ChainError(f"the certificate chain in {where} is unreadable") from exc
        if not isinstance(key, ec.EllipticCurvePrivateKey) or key.public_key() != leaf.public_key():
            raise ChainError(f"the leaf key in {where} does not match its leaf certificate")
        return CertificateChain(leaf_key=key, leaf=leaf, intermediate=intermediate, root=root)


class SharedChain(Protocol):
    """Where every process on one database finds the chain (the store implements it)."""

    @property
    def where(self) -> str:
        """Named in errors, e.g. the database URL without its password."""
        ...

    def stored(self) -> ChainPems | None: ...

    def store_first(self, pems: ChainPems) -> ChainPems:
        """Keep ``pems`` unless a chain is already kept; return the one kept."""
        ...


def open_chain(directory: Path, now: datetime, shared: SharedChain) -> CertificateChain:
    """The chain every process on the shared database signs with, also written to ``directory``.

    Verifiers trust one root, so processes sharing a database must sign with one chain. A data
    dir without a chain adopts the database's (a fresh data dir for a second process just
    works); the first process to start keeps its chain in the database. A data dir that has a
    chain of its own that differs is refused, not overwritten: clients already trust its root.
    """
    on_disk = load_chain(directory) if _has_chain_files(directory) else None
    if on_disk is None:
        kept = shared.stored() or shared.store_first(ChainPems.of(create_chain(now)))
        chain = kept.chain(shared.where)
        save_chain(chain, directory)
        return chain
    mine = ChainPems.of(on_disk)
    kept = shared.stored() or shared.store_first(mine)
    if not kept.same_certificates(mine):
        raise ChainError(
            f"the certificate chain in {directory} (root {_fingerprint(mine.root)}) differs from "
            f"the one in {shared.where} (root {_fingerprint(kept.root)}); processes sharing a "
            f"database sign with one chain: remove {directory} to adopt the database's chain, "
            "or use another database"
        )
    return on_disk


def _has_chain_files(directory: Path) -> bool:
    return any((directory / name).exists() for name in CHAIN_FILES)


def _fingerprint(pem: str) -> str:
    certificate = x509.load_pem_x509_certificate(pem.encode())
    return "SHA-256 " + certificate.fingerprint(hashes.SHA256()).hex()[:16]


def load_or_create_chain(directory: Path, now: datetime) -> CertificateChain:
    """Load the chain in ``directory``, creating it only if none of its files exist.

    A partial chain raises ``ChainError`` rather than being overwritten: replacing the
    root would silently break every client that already trusts the old one.
    """
    if not _has_chain_files(directory):
        chain = create_chain(now)
        save_chain(chain, directory)
        return chain
    return load_chain(directory)


# --- signing ----------------------------------------------------------------


def _b64url(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


class JwsSigner:
    """Signs payloads as ES256 JWS (compact serialization) with the chain's leaf key."""

    def __init__(self, chain: CertificateChain) -> None:
        if not isinstance(chain.leaf_key.curve, ec.SECP256R1):
            raise ValueError("ES256 needs a P-256 leaf key")
        self._key = chain.leaf_key
        header = {"alg": "ES256", "typ": "JWT", "x5c": chain.x5c}
        self._header_segment = _b64url(json.dumps(header, separators=(",", ":")).encode())
        # The header (3 KB with the chain) opens every signing input: hash it once.
        self._header_digest = hashlib.sha256(self._header_segment + b".")

    def sign(self, payload: Mapping[str, Any]) -> str:
        # json.dumps accepts dicts only, not arbitrary Mappings.
        document = payload if isinstance(payload, dict) else dict(payload)
        body = json.dumps(document, separators=(",", ":")).encode()
        return self.sign_json(body).decode("ascii")

    def sign_json(self, body: bytes) -> bytes:
        """The compact JWS of an already serialized JSON payload (the engine's hot path)."""
        payload_segment = _b64url(body)
        digest = self._header_digest.copy()
        digest.update(payload_segment)
        der = self._key.sign(digest.digest(), _ES256_PREHASHED)
        r, s = utils.decode_dss_signature(der)
        raw = r.to_bytes(_P256_COORDINATE_BYTES, "big") + s.to_bytes(_P256_COORDINATE_BYTES, "big")
        return self._header_segment + b"." + payload_segment + b"." + _b64url(raw)
