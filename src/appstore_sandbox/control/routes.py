"""The /_sandbox/v1 control surface, the sandbox's own API (not Apple's): its health, the root
certificate, apps and their keys. Each Apple surface keeps its own control routes beside it
(``perftest.control_routes``, ...); the app puts them all behind the admin token."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Response
from fastapi.routing import APIRoute

from appstore_sandbox.control.dependencies import Certificates, Control, SandboxSettings
from appstore_sandbox.control.models import (
    AddKeyRequest,
    AppList,
    AppOut,
    CreateAppRequest,
    CreateKeyRequest,
    Health,
    KeyList,
    KeyOut,
    NewKeyOut,
    PerformanceTestPassedRequest,
)
from appstore_sandbox.control.service import ControlService, NewKey
from appstore_sandbox.declared_errors import declared
from appstore_sandbox.errors import InternalError
from appstore_sandbox.keyfiles import key_file, write_private_key
from appstore_sandbox.service_registry import provider
from appstore_sandbox.store import App
from appstore_sandbox.version import __version__

public = APIRouter(prefix="/_sandbox/v1", tags=["Sandbox control"])
router = APIRouter(prefix="/_sandbox/v1", tags=["Sandbox control"])


@dataclass(frozen=True)
class AppLeftovers:
    """What else goes with a deleted app, beyond its rows and key files: the retention images'
    files. The app names the removers; control may not import the surfaces."""

    removers: tuple[Callable[[App], None], ...] = ()

    def remove(self, app: App) -> None:
        for remove in self.removers:
            remove(app)


Leftovers = Annotated[AppLeftovers, Depends(provider(AppLeftovers))]


@public.get("/health")
def health() -> Health:
    return Health(status="ok", version=__version__)


@public.get(
    "/certificates/root",
    response_class=Response,
    responses={200: {"content": {"application/pkix-cert": {}}}},
)
def root_certificate(chain: Certificates) -> Response:
    """The root certificate (DER) to give Apple's SignedDataVerifier."""
    return Response(
        chain.root_der(),
        media_type="application/pkix-cert",
        headers={"Content-Disposition": 'attachment; filename="AppStoreSandboxRootCA.cer"'},
    )


@router.get("/apps")
def list_apps(control: Control) -> AppList:
    return AppList(apps=[AppOut.of(app, control.products(app)) for app in control.apps()])


@router.post("/apps", status_code=201, responses=declared(409))
def create_app(body: CreateAppRequest, control: Control) -> AppOut:
    app = control.create_app(body.bundle_id, body.app_apple_id)
    return AppOut.of(app, control.products(app))


@router.get("/apps/{bundle_id}")
def get_app(bundle_id: str, control: Control) -> AppOut:
    app = control.app(bundle_id)
    return AppOut.of(app, control.products(app))


@router.delete("/apps/{bundle_id}", status_code=204, responses=declared(409))
def delete_app(
    bundle_id: str, control: Control, leftovers: Leftovers, settings: SandboxSettings
) -> None:
    """Delete the app and everything it owns, with its image files and key files."""
    app, keys = control.delete_app(bundle_id)
    leftovers.remove(app)
    for key in keys:
        key_file(settings.keys_dir, key.key_id).unlink(missing_ok=True)


@router.put("/apps/{bundle_id}/performance-test-passed")
def set_performance_test_passed(
    bundle_id: str, body: PerformanceTestPassedRequest, control: Control
) -> AppOut:
    """Open (or close) the production realtime URL gate without running a performance test."""
    app = control.set_performance_test_passed(bundle_id, body.passed)
    return AppOut.of(app, control.products(app))


@router.get("/apps/{bundle_id}/keys")
def list_keys(bundle_id: str, control: Control) -> KeyList:
    return KeyList(keys=[KeyOut.of(key, bundle_id) for key in control.keys(bundle_id)])


@router.post("/apps/{bundle_id}/keys", status_code=201, responses=declared(409))
def create_key(
    bundle_id: str,
    control: Control,
    settings: SandboxSettings,
    body: CreateKeyRequest | None = None,
) -> NewKeyOut:
    """Generate an In-App Purchase key; the private key is in the response (and the database),
    and with ``writeKeyFile`` in a .p8 in the sandbox's data dir. It signs for every app of the
    sandbox's team unless ``onlyOwnApp``."""
    only_own_app = body.only_own_app if body is not None else False
    new = control.create_key(bundle_id, only_own_app)
    write = body is not None and body.write_key_file
    written = _write_key_file(control, settings.keys_dir, new) if write else None
    return NewKeyOut(
        **KeyOut.of(new.key, bundle_id).model_dump(),
        private_key=new.private_key_pem,
        private_key_file=str(written) if written else None,
    )


def _write_key_file(control: ControlService, keys_dir: Path, new: NewKey) -> Path:
    """The new key's .p8 in the data dir; a key whose file can't be written is not kept."""
    path = key_file(keys_dir, new.key.key_id)
    try:
        write_private_key(path, new.private_key_pem)
    except OSError as error:
        control.delete_key(new.bundle_id, new.key.key_id)
        raise InternalError(
            f"could not write {path}: {error.strerror or error}; the key was not kept"
        ) from error
    return path.resolve()


@router.put("/apps/{bundle_id}/keys/{key_id}", status_code=201, responses=declared(409))
def add_key(bundle_id: str, key_id: str, body: AddKeyRequest, control: Control) -> KeyOut:
    """Register a key made elsewhere (for example a real App Store Connect key)."""
    key = control.add_key(bundle_id, body.issuer_id, key_id, body.public_key, body.only_own_app)
    return KeyOut.of(key, bundle_id)


@router.delete("/apps/{bundle_id}/keys/{key_id}", status_code=204)
def delete_key(bundle_id: str, key_id: str, control: Control, settings: SandboxSettings) -> None:
    """Tokens the key signs are refused (401) from now on; a .p8 the sandbox wrote goes too."""
    control.delete_key(bundle_id, key_id)
    key_file(settings.keys_dir, key_id).unlink(missing_ok=True)


# Open whatever the admin token: the gate (appstore_sandbox.http.gate) lets these through.
PUBLIC_PATHS = frozenset(route.path for route in public.routes if isinstance(route, APIRoute))
