"""Control surface for review: approve or reject uploaded images and messages.

Under ``serve --review manual`` new content stays PENDING until it is decided here, as Apple's
App Review would; under the default ``--review auto`` it is APPROVED at upload.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends

from appstore_sandbox.apple_request import SandboxDep
from appstore_sandbox.control.models import CamelModel
from appstore_sandbox.control.routes import require_admin_token
from appstore_sandbox.environments import Environment
from appstore_sandbox.retention.review import ReviewedItem

router = APIRouter(
    prefix="/_sandbox/v1/apps/{bundle_id}/review/{environment}",
    tags=["Sandbox control"],
    dependencies=[Depends(require_admin_token)],
)


class ReviewItemOut(CamelModel):
    kind: str
    identifier: str
    state: str
    environment: str
    bundle_id: str


class ReviewList(CamelModel):
    mode: str
    items: list[ReviewItemOut]


def _out(item: ReviewedItem, environment: Environment, bundle_id: str) -> ReviewItemOut:
    return ReviewItemOut(
        kind=item.kind,
        identifier=item.identifier,
        state=item.state.value,
        environment=environment.value,
        bundle_id=bundle_id,
    )


@router.get("")
def list_items(bundle_id: str, environment: Environment, sandbox: SandboxDep) -> ReviewList:
    """The app's images and messages in this environment, with their review state."""
    app = sandbox.control.app(bundle_id)
    queue = sandbox.review.items(app, environment)
    items = [
        ReviewItemOut(
            kind="image",
            identifier=image.image_identifier,
            state=image.state,
            environment=environment.value,
            bundle_id=bundle_id,
        )
        for image in queue.images
    ] + [
        ReviewItemOut(
            kind="message",
            identifier=message.message_identifier,
            state=message.state,
            environment=environment.value,
            bundle_id=bundle_id,
        )
        for message in queue.messages
    ]
    return ReviewList(mode=sandbox.review.mode, items=items)


@router.post("/{identifier}/approve")
def approve(
    bundle_id: str, environment: Environment, identifier: str, sandbox: SandboxDep
) -> ReviewItemOut:
    """Approve an image or a message (by its identifier)."""
    app = sandbox.control.app(bundle_id)
    return _out(sandbox.review.approve(app, environment, identifier), environment, bundle_id)


@router.post("/{identifier}/reject")
def reject(
    bundle_id: str, environment: Environment, identifier: str, sandbox: SandboxDep
) -> ReviewItemOut:
    """Reject an image or a message; it stays listed, as REJECTED."""
    app = sandbox.control.app(bundle_id)
    return _out(sandbox.review.reject(app, environment, identifier), environment, bundle_id)
