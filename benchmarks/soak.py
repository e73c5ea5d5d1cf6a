"""Soak: mixed traffic on every Apple and control endpoint while ``serve`` is killed (SIGKILL) and
restarted at random moments; then checks that nothing acknowledged was lost.

    python benchmarks/soak.py [--seconds 60] [--seed 1] [--workers 6]

Everything runs on loopback: the sandbox (a fresh data dir, one fixed port across restarts) and
a receiver that answers the performance tests' realtime requests and counts notification
deliveries by notificationUUID. Apple's endpoints are called through Apple's official Python
client. Checked at the end: every image, message and default message answered 2xx is there
(images byte for byte, on disk); every test notification requested is delivered exactly once
or still pending; every performance test is PASS or FAIL (none PENDING once leases lapse); no
5xx. Exit status 0 when all hold. Writes whose answer was lost to a kill are neither promised
nor checked.
"""

from __future__ import annotations

import argparse
import io
import random
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from _soak_checks import checks, print_tables
from _soak_world import Receiver, Serve, Soak, control, credentials
from appstoreserverlibrary.models.DefaultConfigurationRequest import DefaultConfigurationRequest
from appstoreserverlibrary.models.ImageSize import ImageSize
from appstoreserverlibrary.models.NotificationHistoryRequest import NotificationHistoryRequest
from appstoreserverlibrary.models.PerformanceTestRequest import PerformanceTestRequest
from appstoreserverlibrary.models.RealtimeUrlRequest import RealtimeUrlRequest
from appstoreserverlibrary.models.UploadMessageImage import UploadMessageImage
from appstoreserverlibrary.models.UploadMessageRequestBody import UploadMessageRequestBody
from PIL import Image

LOCALES = ("en-US", "en-GB", "fr-FR", "de-DE", "ja", "es-ES", "it", "pt-BR", "nl-NL")
RUN_CONFIG = {"totalRequests": 40, "totalDuration": 2_000, "maxConcurrentRequests": 5}
REPLY_MESSAGE = str(uuid.uuid4())


# --- traffic ---------------------------------------------------------------------


def pngs(seed: int) -> list[tuple[ImageSize, bytes]]:
    rng = random.Random(seed)
    made = []
    for number in range(12):
        size = ImageSize.FULL_SIZE if number % 2 else ImageSize.BULLET_POINT
        dimensions = (3840, 160 + number) if size == ImageSize.FULL_SIZE else (1024, 1024)
        buffer = io.BytesIO()
        color = tuple(rng.randrange(256) for _ in range(3))
        Image.new("RGB", dimensions, color).save(buffer, "PNG")
        made.append((size, buffer.getvalue()))
    return made


class Worker:
    """One client thread: a random mix of operations, each on content it owns."""

    def __init__(self, number: int, context: Soak) -> None:
        self.rng = random.Random(context.seed * 1000 + number)
        self.soak = context
        self.ledger = context.ledger
        self.client = context.apple_client()
        self.locales = LOCALES[number % len(LOCALES) :: context.workers][:2] or LOCALES[:1]
        self.deletable_images: list[uuid.UUID] = []
        self.full_images: list[uuid.UUID] = []
        self.deletable_messages: list[uuid.UUID] = []
        self.default_messages: list[uuid.UUID] = []

    def run(self, deadline: float) -> None:
        operations = [
            (self.upload_image, 20), (self.delete_image, 4), (self.list_images, 4),
            (self.upload_message, 14), (self.delete_message, 4), (self.list_messages, 3),
            (self.configure_default, 8), (self.delete_default, 2), (self.get_default, 3),
            (self.realtime_url, 4), (self.test_notification, 6), (self.notification_status, 3),
            (self.history, 2), (self.performance_test, 2), (self.performance_result, 3),
            (self.control_reads, 6),
        ]  # fmt: skip
        actions, weights = zip(*operations, strict=True)
        while time.monotonic() < deadline:
            self.rng.choices(actions, weights)[0]()

    def upload_image(self) -> None:
        size, data = self.rng.choice(self.soak.images)
        identifier = uuid.uuid4()
        upload = self.client.upload_image
        if not self.ledger.write("upload image", upload, identifier, data, size, unsure=identifier):
            return
        with self.ledger.lock:
            self.ledger.images[identifier] = data
        pool = self.full_images if size == ImageSize.FULL_SIZE else self.deletable_images
        pool.append(identifier)

    def delete_image(self) -> None:
        if self.deletable_images:
            identifier = self.deletable_images.pop(self.rng.randrange(len(self.deletable_images)))
            delete = self.client.delete_image
            if self.ledger.write("delete image", delete, identifier, unsure=identifier):
                with self.ledger.lock:
                    self.ledger.images.pop(identifier)

    def list_images(self) -> None:
        self.ledger.call("list images", self.client.get_image_list)

    def list_messages(self) -> None:
        self.ledger.call("list messages", self.client.get_message_list)

    def upload_message(self) -> None:
        identifier, for_defaults = uuid.uuid4(), self.rng.random() < 0.3
        image = None
        if self.full_images and not for_defaults and self.rng.random() < 0.3:
            image = UploadMessageImage(self.rng.choice(self.full_images), "A plan")
        body = UploadMessageRequestBody("Before you go", "Your plan keeps offline maps.", image)
        upload = self.client.upload_message
        if not self.ledger.write("upload message", upload, identifier, body, unsure=identifier):
            return
        with self.ledger.lock:
            self.ledger.messages.add(identifier)
        (self.default_messages if for_defaults else self.deletable_messages).append(identifier)

    def delete_message(self) -> None:
        if self.deletable_messages:
            pool = self.deletable_messages
            identifier = pool.pop(self.rng.randrange(len(pool)))
            delete = self.client.delete_message
            if self.ledger.write("delete message", delete, identifier, unsure=identifier):
                with self.ledger.lock:
                    self.ledger.messages.discard(identifier)

    def configure_default(self) -> None:
        if self.default_messages:
            locale, message = self.rng.choice(self.locales), self.rng.choice(self.default_messages)
            request = DefaultConfigurationRequest(messageIdentifier=message)
            args = (self.soak.product_id, locale, request)
            put = self.client.configure_default_message
            self._default_written("configure default", put, args, locale, str(message))

    def delete_default(self) -> None:
        locale = self.rng.choice(self.locales)
        delete, args = self.client.delete_default_message, (self.soak.product_id, locale)
        self._default_written("delete default", delete, args, locale, None)

    def _default_written(
        self,
        operation: str,
        action: Callable[..., Any],
        args: tuple[Any, ...],
        locale: str,
        value: str | None,
    ) -> None:
        # One worker owns each locale and sends one write at a time, so the locale's last 2xx
        # write is what must hold, even after a write whose answer a kill swallowed.
        if self.ledger.write(operation, action, *args, unsure=("default", locale)):
            with self.ledger.lock:
                self.ledger.defaults[locale] = value
                self.ledger.unsure.discard(("default", locale))

    def get_default(self) -> None:
        get = self.client.get_default_message
        self.ledger.call("get default", get, self.soak.product_id, self.rng.choice(self.locales))

    def realtime_url(self) -> None:
        if self.rng.random() < 0.5:
            request = RealtimeUrlRequest(realtimeURL=self.soak.realtime_url)
            self.ledger.call("configure realtime URL", self.client.configure_realtime_url, request)
        else:
            self.ledger.call("get realtime URL", self.client.get_realtime_url)

    def test_notification(self) -> None:
        sent = self.ledger.call("request test notification", self.client.request_test_notification)
        if sent is not None and sent.testNotificationToken:
            with self.ledger.lock:
                self.ledger.tokens.append(sent.testNotificationToken)

    def notification_status(self) -> None:
        if self.ledger.tokens:
            status = self.client.get_test_notification_status
            self.ledger.call(
                "test notification status", status, self.rng.choice(self.ledger.tokens)
            )

    def history(self) -> None:
        now = int(time.time() * 1000)
        request = NotificationHistoryRequest(startDate=now - 3_600_000, endDate=now + 60_000)
        self.ledger.call(
            "notification history", self.client.get_notification_history, None, request
        )

    def performance_test(self) -> None:
        otid = self.soak.credentials.original_transaction_id
        initiate = self.client.initiate_performance_test
        started = self.ledger.call(
            "initiate performance test", initiate, PerformanceTestRequest(otid)
        )
        if started is not None and started.requestId:
            with self.ledger.lock:
                self.ledger.runs.append(started.requestId)

    def performance_result(self) -> None:
        if self.ledger.runs:
            result = self.client.get_performance_test_results
            self.ledger.call("performance test result", result, self.rng.choice(self.ledger.runs))

    def control_reads(self) -> None:
        serve, app = self.soak.serve, f"/apps/{self.soak.credentials.bundle_id}"
        choice = self.rng.randrange(5)
        if choice == 0:
            control(self.ledger, serve, "control: health", "GET", "/health")
        elif choice == 1:
            control(self.ledger, serve, "control: apps", "GET", "/apps")
        elif choice == 2 and self.ledger.runs:
            run = self.rng.choice(self.ledger.runs)
            control(self.ledger, serve, "control: report", "GET", f"{app}/performance-tests/{run}")
        elif choice == 3 and self.ledger.tokens:
            token = self.rng.choice(self.ledger.tokens)
            control(
                self.ledger, serve, "control: notification", "GET", f"{app}/notifications/{token}"
            )
        else:
            control(self.ledger, serve, "control: prune", "POST", "/performance-tests/prune")


# --- the run ---------------------------------------------------------------------


def prepare(
    serve: Serve, receiver: Receiver, facts: dict[str, Any], seed: int, workers: int
) -> Soak:
    """The default app, pointed at the receiver, with a message its realtime replies name."""
    creds = credentials(facts)
    app = f"{serve.base}/_sandbox/v1/apps/{creds.bundle_id}"
    httpx.put(f"{app}/performance-test-config", json=RUN_CONFIG).raise_for_status()
    httpx.put(
        f"{app}/notification-urls/sandbox", json={"url": f"{receiver.base}/notifications"}
    ).raise_for_status()
    product_id = httpx.get(app).raise_for_status().json()["products"][0]["productId"]
    soak = Soak(seed, workers, serve, receiver, creds, product_id, pngs(seed))
    client = soak.apple_client()
    client.upload_message(uuid.UUID(REPLY_MESSAGE), UploadMessageRequestBody("Stay", "Please."))
    client.configure_realtime_url(RealtimeUrlRequest(realtimeURL=soak.realtime_url))
    return soak


def kill_and_restart(soak: Soak, deadline: float) -> None:
    """SIGKILL serve at random (seeded) moments, restarting it after a random pause."""
    rng = random.Random(soak.seed)
    moment = time.monotonic() + rng.uniform(4, 8)
    while moment < deadline - 6:
        time.sleep(max(0.0, moment - time.monotonic()))
        soak.serve.kill()
        soak.kills.append(time.monotonic())
        time.sleep(rng.uniform(0.05, 0.6))
        soak.serve.start()
        soak.down_s += time.monotonic() - soak.kills[-1]
        moment = time.monotonic() + rng.uniform(6, 14)


def traffic(soak: Soak, seconds: float) -> None:
    soak.started = time.monotonic()
    deadline = soak.started + seconds
    threads = [
        threading.Thread(target=Worker(number, soak).run, args=(deadline,), daemon=True)
        for number in range(soak.workers)
    ]
    killer = threading.Thread(target=kill_and_restart, args=(soak, deadline))
    for thread in [*threads, killer]:
        thread.start()
    for thread in [*threads, killer]:
        thread.join(seconds + 120)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60, help="How long traffic runs.")
    parser.add_argument("--seed", type=int, default=1, help="Seeds the mix and the kill moments.")
    parser.add_argument("--workers", type=int, default=6, choices=range(1, len(LOCALES) + 1))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="soak-") as tmp, Receiver(REPLY_MESSAGE) as receiver:
        serve = Serve(Path(tmp) / "data")
        began = time.monotonic()
        try:
            soak = prepare(serve, receiver, serve.start(), args.seed, args.workers)
            traffic(soak, args.seconds)
            settled = time.monotonic()
            found = checks(soak)
        finally:
            serve.stop()
    print_tables(soak, args.seconds, found)
    done = time.monotonic()
    print(f"\n{done - began:.0f} s in all, of which {done - settled:.0f} s settling and checking")
    return 0 if all(check.ok for check in found) else 1


if __name__ == "__main__":
    sys.exit(main())
