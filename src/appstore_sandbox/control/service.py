"""The sandbox's own state management: apps, API keys, sandbox purchases, the production gate."""

from __future__ import annotations

import dataclasses
import re
import secrets
import string
import uuid
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from appstore_sandbox.catalog.products import AUTO_RENEWABLE, DEFAULT_SUBSCRIPTION_GROUP
from appstore_sandbox.catalog.service import conflict_if_exists
from appstore_sandbox.clock import Clock, SharedClock
from appstore_sandbox.errors import BadInput, Conflict, NotFound
from appstore_sandbox.store import ApiKey, App, Product, Purchase, Store

ISSUER_ID_META_KEY = "issuer_id"
_BUNDLE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.\-]{0,154}$")
_KEY_ID = re.compile(r"^[A-Za-z0-9]{1,64}$")
_KEY_ID_ALPHABET = string.ascii_uppercase + string.digits


@dataclass(frozen=True)
class NewKey:
    """A freshly generated API key; the private half exists only in this object and the .p8."""

    key: ApiKey
    bundle_id: str
    private_key_pem: str


class ControlService:
    """One method per control-surface operation; no HTTP here."""

    def __init__(self, store: Store, clock: Clock, shared_clock: SharedClock) -> None:
        self._store = store
        self._clock = clock
        self.clock = shared_clock  # the clock's routes move it for every process

    @property
    def issuer_id(self) -> str:
        """The team's issuer id, created once and shared by every key the sandbox generates."""
        issuer_id = self._store.meta_value(ISSUER_ID_META_KEY)
        if issuer_id is None:  # the first of several processes starting at once sets it
            issuer_id = self._store.first_meta_value(ISSUER_ID_META_KEY, str(uuid.uuid4()))
        return issuer_id

    # apps

    def create_app(self, bundle_id: str, app_apple_id: int | None = None) -> App:
        if not _BUNDLE_ID.match(bundle_id):
            raise BadInput(f"{bundle_id!r} is not a bundle id (letters, digits, '.' and '-').")
        if app_apple_id is not None and not 0 < app_apple_id < 2**63:
            raise BadInput("appAppleId must be a positive 64-bit integer.")
        if self._store.app_by_bundle_id(bundle_id) is not None:
            raise Conflict(f"An app with bundle id {bundle_id} already exists.")
        with conflict_if_exists():
            app = self._store.add_app(
                bundle_id, app_apple_id or _random_app_apple_id(), self._clock.now_ms()
            )
            self._store.add_product(
                Product(app.id, f"{bundle_id}.monthly", AUTO_RENEWABLE, DEFAULT_SUBSCRIPTION_GROUP)
            )
        return app

    def apps(self) -> list[App]:
        return self._store.apps()

    def app(self, bundle_id: str) -> App:
        app = self._store.app_by_bundle_id(bundle_id)
        if app is None:
            raise NotFound(f"No app with bundle id {bundle_id}.")
        return app

    def products(self, app: App) -> list[Product]:
        return self._store.products(app.id)

    def delete_app(self, bundle_id: str) -> tuple[App, list[ApiKey]]:
        """Delete the app and all it owns; the app and its keys, whose files the caller removes.

        Refused while one of its performance tests runs (the run would lose its rows).
        """
        app = self.app(bundle_id)
        if self._store.performance_tests.pending_run_id(app.id) is not None:
            raise Conflict(
                f"A performance test of {bundle_id} is running; wait for it to finish, then "
                "delete the app."
            )
        keys = self._store.keys(app.id)
        self._store.delete_app(app.id)
        return app, keys

    def delete_apps(self) -> int:
        """Every app and all it owns, running performance tests' rows too; how many apps."""
        return self._store.delete_apps()

    def set_performance_test_passed(self, bundle_id: str, passed: bool) -> App:
        app = self.app(bundle_id)
        self._store.set_performance_test_passed(app.id, self._clock.now_ms() if passed else None)
        return self.app(bundle_id)

    # keys

    def create_key(self, bundle_id: str, only_own_app: bool = False) -> NewKey:
        """A key of the sandbox's team: it signs for every app unless ``only_own_app``."""
        app = self.app(bundle_id)
        private_pem = (
            ec.generate_private_key(ec.SECP256R1())
            .private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            .decode()
        )
        key_id = "".join(secrets.choice(_KEY_ID_ALPHABET) for _ in range(10))
        with conflict_if_exists():
            key = self._store.add_key(
                dataclasses.replace(
                    self.generated_key(key_id, private_pem),
                    app_id=app.id,
                    only_own_app=only_own_app,
                )
            )
        return NewKey(key=key, bundle_id=bundle_id, private_key_pem=private_pem)

    def generated_key(self, key_id: str, private_key_pem: str) -> ApiKey:
        """A key the sandbox generates (or generated before), not stored and of no app yet."""
        return ApiKey(
            key_id=key_id,
            issuer_id=self.issuer_id,
            app_id=0,
            public_key_pem=_public_pem(_p256_public_key(private_key_pem)),
            created_ms=self._clock.now_ms(),
            private_key_pem=private_key_pem,
        )

    def add_key(
        self,
        bundle_id: str,
        issuer_id: str,
        key_id: str,
        key_pem: str,
        only_own_app: bool = False,
    ) -> ApiKey:
        """Register a key made elsewhere; ``key_pem`` may be the public key or the .p8 itself.
        It signs for the apps of its issuer (those holding one of its keys), or ``only_own_app``."""
        app = self.app(bundle_id)
        if not _KEY_ID.match(key_id):
            raise BadInput("keyId must be 1-64 letters and digits.")
        if not issuer_id.strip():
            raise BadInput("issuerId must not be empty.")
        public_key = _p256_public_key(key_pem)
        if (existing := self._store.key_by_id(key_id)) is not None:
            raise Conflict(
                f"Key {key_id} already exists; it signs for every app of its issuer "
                f"{existing.issuer_id} already (the token's bid picks the app)."
            )
        with conflict_if_exists():
            return self._store.add_key(
                ApiKey(
                    key_id,
                    issuer_id,
                    app.id,
                    _public_pem(public_key),
                    self._clock.now_ms(),
                    only_own_app=only_own_app,
                )
            )

    def keys(self, bundle_id: str) -> list[ApiKey]:
        return self._store.keys(self.app(bundle_id).id)

    def delete_key(self, bundle_id: str, key_id: str) -> ApiKey:
        """Tokens signed with the key are refused from now on (401)."""
        key = self._store.key_by_id(key_id)
        if key is None or key.app_id != self.app(bundle_id).id:
            raise NotFound(f"{bundle_id} has no key {key_id}.")
        self._store.delete_key(key_id)
        return key

    # purchases

    def delete_purchase(self, bundle_id: str, original_transaction_id: str) -> Purchase:
        purchase = self._purchase(bundle_id, original_transaction_id)
        self._store.delete_purchase(purchase.app_id, original_transaction_id)
        return purchase

    def _purchase(self, bundle_id: str, original_transaction_id: str) -> Purchase:
        for purchase in self.purchases(bundle_id):
            if purchase.original_transaction_id == original_transaction_id:
                return purchase
        raise NotFound(f"{bundle_id} has no purchase {original_transaction_id}.")

    def default_purchase(self, app: App) -> Purchase | None:
        """The purchase commands use when none is named (``Store.default_purchase``)."""
        return self._store.default_purchase(app.id)

    def purchases(self, bundle_id: str) -> list[Purchase]:
        return self._store.purchases(self.app(bundle_id).id)


def _random_app_apple_id() -> int:
    return secrets.randbelow(9_000_000_000) + 1_000_000_000


def _public_pem(key: ec.EllipticCurvePublicKey) -> str:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def _p256_public_key(pem: str) -> ec.EllipticCurvePublicKey:
    data = pem.encode()
    try:
        loaded = (
            serialization.load_pem_private_key(data, password=None).public_key()
            if b"PRIVATE KEY" in data
            else serialization.load_pem_public_key(data)
        )
    except (ValueError, TypeError) as error:
        raise BadInput("The key is not a PEM-encoded EC key.") from error
    if not isinstance(loaded, ec.EllipticCurvePublicKey) or loaded.curve.name != "secp256r1":
        raise BadInput("The key must be an EC P-256 (ES256) key.")
    return loaded
