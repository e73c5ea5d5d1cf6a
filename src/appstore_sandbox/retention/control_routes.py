"""Control surface for retention: review (approve or reject uploaded images and messages), and
when a simulated cancellation calls the realtime URL.

Under ``serve --review manual`` new content stays PENDING until it is decided here, as Apple's
App Review would; under the default ``--review auto`` it is APPROVED at upload.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import Field

from appstore_sandbox.control.dependencies import Control
from appstore_sandbox.control.models import CamelModel
from appstore_sandbox.environments import Environment
from appstore_sandbox.retention.dependencies import CancelSimulations, Review
from appstore_sandbox.retention.review import ReviewedItem

router = APIRouter(prefix="/_sandbox/v1/apps/{bundle_id}", tags=["Sandbox control"])


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


@router.get("/review/{environment}")
def list_items(
    bundle_id: str, environment: Environment, control: Control, review: Review
) -> ReviewList:
    """The app's images and messages in this environment, with their review state."""
    app = control.app(bundle_id)
    queue = review.items(app, environment)
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
    return ReviewList(mode=review.mode, items=items)


@router.post("/review/{environment}/{identifier}/approve")
def approve(
    bundle_id: str, environment: Environment, identifier: str, control: Control, review: Review
) -> ReviewItemOut:
    """Approve an image or a message (by its identifier)."""
    app = control.app(bundle_id)
    return _out(review.approve(app, environment, identifier), environment, bundle_id)


@router.post("/review/{environment}/{identifier}/reject")
def reject(
    bundle_id: str, environment: Environment, identifier: str, control: Control, review: Review
) -> ReviewItemOut:
    """Reject an image or a message; it stays listed, as REJECTED."""
    app = control.app(bundle_id)
    return _out(review.reject(app, environment, identifier), environment, bundle_id)


class RealtimeCalls(CamelModel):
    realtime_calls: Literal["always", "defaultMessage"] = Field(
        description="When a cancellation calls the realtime URL: always, or only when a default "
        "message exists for the product and locale (RevenueCat's observation of Apple; "
        "unconfirmed by Apple's docs)."
    )


@router.get("/realtime-calls")
def get_realtime_calls(
    bundle_id: str, control: Control, cancel_simulator: CancelSimulations
) -> RealtimeCalls:
    app = control.app(bundle_id)
    return RealtimeCalls(realtime_calls=cancel_simulator.realtime_calls(app))


@router.put("/realtime-calls")
def set_realtime_calls(
    bundle_id: str, body: RealtimeCalls, control: Control, cancel_simulator: CancelSimulations
) -> RealtimeCalls:
    app = control.app(bundle_id)
    when = cancel_simulator.set_realtime_calls(app, body.realtime_calls)
    return RealtimeCalls(realtime_calls=when)
