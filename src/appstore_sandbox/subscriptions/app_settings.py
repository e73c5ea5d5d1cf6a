"""An app's subscription settings: how long periods run, and the bundle version notifications
carry."""

from __future__ import annotations

import re

from appstore_sandbox.errors import BadInput
from appstore_sandbox.store import App, Store
from appstore_sandbox.subscriptions.periods import DURATIONS, DURATIONS_SETTING, Durations

_BUNDLE_VERSION = re.compile(r"^[0-9]{1,9}(\.[0-9]{1,9}){0,2}$")
BUNDLE_VERSION_SETTING = "bundle_version"
DEFAULT_BUNDLE_VERSION = "1.0"


class AppSettings:
    def __init__(self, store: Store) -> None:
        self._catalog = store.catalog

    def durations(self, app: App) -> Durations:
        stored = self._catalog.setting(app.id, DURATIONS_SETTING)
        return "real" if stored == "real" else "sandbox"

    def set_durations(self, app: App, durations: str) -> Durations:
        if durations not in DURATIONS:
            raise BadInput(f"renewalDurations must be one of {', '.join(DURATIONS)}.")
        self._catalog.set_setting(app.id, DURATIONS_SETTING, durations)
        return self.durations(app)

    def bundle_version(self, app: App) -> str:
        """The app's CFBundleVersion, as notifications' ``data.bundleVersion`` carries it."""
        return self._catalog.setting(app.id, BUNDLE_VERSION_SETTING) or DEFAULT_BUNDLE_VERSION

    def set_bundle_version(self, app: App, version: str) -> str:
        if not _BUNDLE_VERSION.match(version):
            raise BadInput(
                "bundleVersion is a CFBundleVersion: one to three integers separated by "
                "periods, e.g. 1.0 or 42 or 2.3.1."
            )
        self._catalog.set_setting(app.id, BUNDLE_VERSION_SETTING, version)
        return version
