"""The retention services a route names (``images: Images``); the app provides them."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from appstore_sandbox.retention.cancel_simulation import CancelSimulator
from appstore_sandbox.retention.default_messages import DefaultMessageService
from appstore_sandbox.retention.images import ImageService
from appstore_sandbox.retention.messages import MessageService
from appstore_sandbox.retention.realtime_url import RealtimeUrlService
from appstore_sandbox.retention.review import ReviewService
from appstore_sandbox.service_registry import provider

RealtimeUrls = Annotated[RealtimeUrlService, Depends(provider(RealtimeUrlService))]
Images = Annotated[ImageService, Depends(provider(ImageService))]
Messages = Annotated[MessageService, Depends(provider(MessageService))]
DefaultMessages = Annotated[DefaultMessageService, Depends(provider(DefaultMessageService))]
Review = Annotated[ReviewService, Depends(provider(ReviewService))]
CancelSimulations = Annotated[CancelSimulator, Depends(provider(CancelSimulator))]
