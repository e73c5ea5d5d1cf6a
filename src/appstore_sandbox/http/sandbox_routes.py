"""Control routes that need the whole sandbox: ``POST /_sandbox/v1/reset`` (see ``reset``) and
``GET /_sandbox/v1/env``, what a client needs (what the banner prints)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import Field

from appstore_sandbox.control.dependencies import SandboxSettings
from appstore_sandbox.control.models import CamelModel
from appstore_sandbox.declared_errors import declared
from appstore_sandbox.errors import NotFound
from appstore_sandbox.http.sandbox_wide import SandboxWide

router = APIRouter(prefix="/_sandbox/v1", tags=["Sandbox control"])


class ResetRequest(CamelModel):
    keep_keys: bool = Field(
        True, description="Keep the default app's appAppleId and keys (same key ids and files)."
    )
    force: bool = Field(False, description="Stop running performance tests (they end FAIL).")


class ResetOut(CamelModel):
    apps_removed: int
    runs_interrupted: int
    keys_kept: bool


@router.post("/reset", responses=declared(409))
def reset(sandbox_wide: SandboxWide, body: ResetRequest | None = None) -> ResetOut:
    """Every app and what it owns, the clock offset and rate limits gone; the defaults back."""
    request = body or ResetRequest.model_validate({})
    summary = sandbox_wide.reset(keep_keys=request.keep_keys, force=request.force)
    return ResetOut(
        apps_removed=summary.apps_removed,
        runs_interrupted=summary.runs_interrupted,
        keys_kept=summary.keys_kept,
    )


class EnvOut(CamelModel):
    sandbox_url: str = Field(description="Base URL for Apple's clients, Sandbox environment.")
    production_url: str
    control_url: str
    bundle_id: str
    app_apple_id: int
    issuer_id: str
    key_id: str
    key_file: str = Field(description="The default key's .p8, on the sandbox's machine.")
    original_transaction_id: str
    root_certificate_file: str = Field(description="DER, on the sandbox's machine.")


@router.get("/env", responses=declared(404))
def env(sandbox_wide: SandboxWide, settings: SandboxSettings) -> EnvOut:
    """Base URLs and the default app's credentials: what a client or a script needs."""
    credentials = sandbox_wide.default_credentials()
    if credentials is None:
        raise NotFound("The default app or its key was removed; reset brings them back.")
    base = settings.base_url
    return EnvOut(
        sandbox_url=f"{base}/sandbox",
        production_url=f"{base}/production",
        control_url=f"{base}/_sandbox/v1",
        bundle_id=credentials.bundle_id,
        app_apple_id=credentials.app_apple_id,
        issuer_id=credentials.issuer_id,
        key_id=credentials.key_id,
        key_file=str(credentials.key_file),
        original_transaction_id=credentials.original_transaction_id,
        root_certificate_file=str(sandbox_wide.root_certificate_file.resolve()),
    )
