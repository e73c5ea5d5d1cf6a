"""Persistence: schema, migrations and the one repository services talk to."""

from appstore_sandbox.store.database import migrate, open_engine
from appstore_sandbox.store.records import ApiKey, App, Product, Purchase
from appstore_sandbox.store.repository import Store

__all__ = ["ApiKey", "App", "Product", "Purchase", "Store", "migrate", "open_engine"]
