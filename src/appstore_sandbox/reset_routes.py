"""``POST /_sandbox/v1/reset``: the sandbox back to its first-start state (see ``reset``)."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from pydantic import Field

from appstore_sandbox.apple_request import SandboxDep
from appstore_sandbox.control.models import CamelModel
from appstore_sandbox.control.routes import require_admin_token
from appstore_sandbox.openapi_errors import declared
from appstore_sandbox.reset import reset_sandbox

router = APIRouter(
    prefix="/_sandbox/v1", tags=["Sandbox control"], dependencies=[Depends(require_admin_token)]
)


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
def reset(sandbox: SandboxDep, body: ResetRequest | None = None) -> ResetOut:
    """Every app and what it owns, the clock offset and rate limits gone; the defaults back."""
    request = body or ResetRequest.model_validate({})
    summary = reset_sandbox(sandbox, keep_keys=request.keep_keys, force=request.force)
    return ResetOut(
        apps_removed=summary.apps_removed,
        runs_interrupted=summary.runs_interrupted,
        keys_kept=summary.keys_kept,
    )
