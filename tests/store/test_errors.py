"""The store raises its own errors (no HTTP status); the services turn them into 409s."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from appstore_sandbox.catalog.products import AUTO_RENEWABLE
from appstore_sandbox.catalog.service import CatalogService
from appstore_sandbox.clock import Clock, SharedClock
from appstore_sandbox.control.service import ControlService
from appstore_sandbox.errors import Conflict, SandboxError
from appstore_sandbox.store import AlreadyExists, App, Product, Store, migrate, open_engine
from appstore_sandbox.store.catalog import PromotionalOffer

NOW_MS = 1_900_000_000_000


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    engine = open_engine(f"sqlite:///{tmp_path / 'sandbox.db'}")
    migrate(engine)
    try:
        yield Store(engine)
    finally:
        engine.dispose()


@pytest.fixture
def app(store: Store) -> App:
    return store.add_app("com.example.errors", 1234567890, NOW_MS)


def test_a_duplicate_row_is_already_exists_not_an_api_error(store: Store, app: App) -> None:
    product = Product(app.id, "p.one", AUTO_RENEWABLE, "group")
    store.add_product(product)
    with pytest.raises(AlreadyExists) as raised:
        store.add_product(product)
    assert not isinstance(raised.value, SandboxError)
    assert str(raised.value) == "Product p.one already exists."


def test_a_duplicate_offer_is_already_exists(store: Store, app: App) -> None:
    store.add_product(Product(app.id, "p.one", AUTO_RENEWABLE, "group"))
    offer = PromotionalOffer("p.one", "offer", NOW_MS)
    store.catalog.add_offer(app.id, offer)
    with pytest.raises(AlreadyExists) as raised:
        store.catalog.add_offer(app.id, offer)
    assert str(raised.value) == "Offer offer of p.one already exists."


def test_catalog_service_answers_a_duplicate_with_conflict(store: Store, app: App) -> None:
    catalog = CatalogService(store, Clock())
    catalog.create_product(app, "p.two", "group")
    with pytest.raises(Conflict) as product:
        catalog.create_product(app, "p.two", "group")
    assert product.value.message == "Product p.two already exists."
    catalog.create_offer(app, "p.two", "offer")
    with pytest.raises(Conflict) as offer:
        catalog.create_offer(app, "p.two", "offer")
    assert offer.value.message == "Offer offer of p.two already exists."


def test_control_service_answers_a_lost_race_with_conflict(
    store: Store, app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Clock()
    control = ControlService(store, clock, SharedClock(store.clock, clock))
    key = control.create_key(app.bundle_id).key
    pem = key.public_key_pem
    # Another process adds the same key between the service's check and its insert.
    monkeypatch.setattr(store, "key_by_id", lambda key_id: None)
    with pytest.raises(Conflict) as raised:
        control.add_key(app.bundle_id, key.issuer_id, key.key_id, pem)
    assert raised.value.message == f"Key {key.key_id} already exists."
