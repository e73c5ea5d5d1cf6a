"""What the control routes name (``control: Control``); the app provides each."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from appstore_sandbox.catalog.service import CatalogService
from appstore_sandbox.clock import SharedClock
from appstore_sandbox.config import Settings
from appstore_sandbox.control.service import ControlService
from appstore_sandbox.faults import Faults
from appstore_sandbox.service_registry import provider
from appstore_sandbox.signing import CertificateChain

Control = Annotated[ControlService, Depends(provider(ControlService))]
SandboxClock = Annotated[SharedClock, Depends(provider(SharedClock))]
Catalog = Annotated[CatalogService, Depends(provider(CatalogService))]
SandboxSettings = Annotated[Settings, Depends(provider(Settings))]
ActiveFaults = Annotated[Faults, Depends(provider(Faults))]
Certificates = Annotated[CertificateChain, Depends(provider(CertificateChain))]
