"""What only the whole sandbox can do, for the few routes that need it: reset everything, and
say the default app's credentials. Those routes name this, never the composition root."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import Depends

from appstore_sandbox.defaults import DEFAULT_BUNDLE_ID
from appstore_sandbox.reset import ResetSummary, reset_sandbox
from appstore_sandbox.sandbox import DefaultCredentials, Sandbox, default_credentials, default_key
from appstore_sandbox.service_registry import provider
from appstore_sandbox.store import ApiKey


class SandboxWideOperations:
    def __init__(self, sandbox: Sandbox) -> None:
        self._sandbox = sandbox

    def reset(self, keep_keys: bool, force: bool) -> ResetSummary:
        """See ``appstore_sandbox.reset``."""
        return reset_sandbox(self._sandbox, keep_keys=keep_keys, force=force)

    def default_credentials(self) -> DefaultCredentials | None:
        """What a client needs (what the banner prints), the key file written if missing."""
        return default_credentials(self._sandbox)

    def default_key(self) -> ApiKey | None:
        """The default app's key as it is now (``None`` once the app or the key was deleted),
        read without writing the key file as :meth:`default_credentials` does."""
        store = self._sandbox.store
        key = default_key(self._sandbox)
        stored = store.key_by_id(key.key_id) if key else None
        if stored is None or store.app_by_bundle_id(DEFAULT_BUNDLE_ID) is None:
            return None
        return stored

    @property
    def root_certificate_file(self) -> Path:
        return self._sandbox.root_certificate_file


SandboxWide = Annotated[SandboxWideOperations, Depends(provider(SandboxWideOperations))]
