"""Opening a sandbox: the store, the certificate chain, the services, and first-start defaults."""

from __future__ import annotations

import dataclasses
import logging
import os
import socket
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from appstore_sandbox.auth import TokenVerifier
from appstore_sandbox.catalog.service import CatalogService
from appstore_sandbox.clock import Clock, SharedClock
from appstore_sandbox.config import Settings
from appstore_sandbox.control.service import ControlService
from appstore_sandbox.defaults import DEFAULT_BUNDLE_ID
from appstore_sandbox.errors import BadInput
from appstore_sandbox.faults import Faults
from appstore_sandbox.keyfiles import key_file, private_directory, write_private_key
from appstore_sandbox.notifications.delivery import DeliveryWorker
from appstore_sandbox.notifications.schedule import RetrySchedule
from appstore_sandbox.notifications.service import NotificationService
from appstore_sandbox.outbound.policy import OutboundPolicy
from appstore_sandbox.outbound.transport import SenderTransports, Transports
from appstore_sandbox.perftest.config import PerformanceTestLimits
from appstore_sandbox.perftest.pruning import DAY_MS, RecordsPolicy
from appstore_sandbox.perftest.service import EngineSetup, LeaseTiming, PerformanceTestService
from appstore_sandbox.ratelimit import RateLimiter
from appstore_sandbox.resettable import Resettable
from appstore_sandbox.retention.cancel_simulation import CancelSimulator
from appstore_sandbox.retention.default_messages import DefaultMessageService
from appstore_sandbox.retention.images import ImageService
from appstore_sandbox.retention.messages import MessageService
from appstore_sandbox.retention.realtime_url import RealtimeUrlService
from appstore_sandbox.retention.review import ReviewService
from appstore_sandbox.signing import CertificateChain, JwsSigner, open_chain
from appstore_sandbox.store import ApiKey, Store, migrate, open_engine
from appstore_sandbox.store.image_files import ImageFiles
from appstore_sandbox.subscriptions.service import SubscriptionService
from appstore_sandbox.ticker import Ticker

_DEFAULT_KEY_META = "default_key_id"
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DefaultCredentials:
    """What the banner prints: everything a client needs to talk to the default app."""

    bundle_id: str
    app_apple_id: int
    issuer_id: str
    key_id: str
    key_file: Path
    original_transaction_id: str


@dataclass
class Sandbox:
    settings: Settings
    clock: Clock
    store: Store
    chain: CertificateChain
    signer: JwsSigner
    tokens: TokenVerifier
    rate_limiter: RateLimiter
    control: ControlService
    realtime_urls: RealtimeUrlService
    performance_tests: PerformanceTestService
    notifications: NotificationService
    review: ReviewService
    images: ImageService
    messages: MessageService
    default_messages: DefaultMessageService
    catalog: CatalogService
    cancel_simulator: CancelSimulator
    faults: Faults
    subscriptions: SubscriptionService
    renewal_ticker: Ticker

    @property
    def resettables(self) -> list[Resettable]:
        """What a reset puts back, in this order, once the apps and all they own are gone (see
        ``reset.reset_sandbox``): the image files, the clock of every process, the rate-limit
        windows and the faults."""
        return [self.images, self.control.clock, self.rate_limiter, self.faults]

    @property
    def root_certificate_file(self) -> Path:
        return self.settings.ca_dir / "root.cer"

    def close(self) -> None:
        self.store.engine.dispose()


def open_sandbox(
    settings: Settings, clock: Clock | None = None, listening: tuple[str, int] | None = None
) -> Sandbox:
    """Migrate the database and, on first start, create the CA, default app, key and purchase.

    ``listening`` is the address ``serve`` bound (its port is the real one under ``--port 0``);
    without it, ``settings.host`` and ``settings.port``. The sandbox never calls that address.
    """
    clock = clock or Clock()
    _private_directories(settings)
    engine = open_engine(settings.effective_database_url)
    migrate(engine)
    store = Store(engine)
    chain = open_chain(settings.ca_dir, clock.now(), store.chain)
    signer = JwsSigner(chain)
    policy = OutboundPolicy.from_setting(
        settings.strict, settings.outbound_allowed_hosts, listening or _listening(settings)
    )
    transports = SenderTransports(policy, settings.realtime_max_response_bytes)
    review = ReviewService(store, clock, settings.review)
    faults = Faults(settings.max_faults)
    shared_clock = SharedClock(store.clock, clock)
    control = ControlService(store, clock, shared_clock)
    delivery = _delivery_worker(settings, store, clock, transports, faults)
    notifications = NotificationService(store, clock, signer, delivery, policy)
    # The notifications service is the outbox subscriptions announce their notifications to.
    subscriptions = SubscriptionService(store, clock, signer, outbox=notifications)
    sandbox = Sandbox(
        settings=settings,
        clock=clock,
        store=store,
        chain=chain,
        signer=signer,
        tokens=TokenVerifier(
            store,
            leeway_s=settings.token_clock_leeway_s,
            team_issuer=lambda: control.issuer_id,
        ),
        rate_limiter=RateLimiter(enabled=settings.rate_limits_enabled),
        control=control,
        realtime_urls=RealtimeUrlService(store, clock, policy),
        performance_tests=PerformanceTestService(
            store,
            clock,
            EngineSetup(settings.ca_dir, policy, settings.realtime_max_response_bytes),
            LeaseTiming(settings.performance_test_heartbeat_ms, settings.performance_test_lease_ms),
            _performance_test_limits(settings),
            _records_policy(settings),
        ),
        review=review,
        images=ImageService(store, ImageFiles(settings.images_dir), clock, review),
        messages=MessageService(store, clock, review),
        default_messages=DefaultMessageService(store, clock),
        catalog=CatalogService(store, clock),
        cancel_simulator=CancelSimulator(store, clock, signer, transports),
        faults=faults,
        subscriptions=subscriptions,
        notifications=notifications,
        renewal_ticker=_renewal_ticker(settings, shared_clock, subscriptions, delivery.wake),
    )
    # What a moved clock made due goes out now: renewals, and notification retries.
    shared_clock.on_move(sandbox.renewal_ticker.wake)
    shared_clock.on_move(delivery.wake)
    shared_clock.sync()
    _create_defaults(sandbox)
    _adopt_default_key_file(sandbox)
    write_default_key_file(sandbox)
    sandbox.images.check_files()
    return sandbox


def _listening(settings: Settings) -> tuple[str, int] | None:
    return (settings.host, settings.port) if settings.port else None


def _private_directories(settings: Settings) -> None:
    """The data dir and the keys dir are owner-only: they hold private keys and the database."""
    for directory in (settings.data_dir, settings.keys_dir):
        try:
            loose = private_directory(directory)
        except PermissionError as error:  # someone else's directory: say so, and go on
            logger.warning("cannot make %s owner-only: %s", directory, error.strerror)
            continue
        if loose is not None:
            logger.warning("%s was mode %o; made it 700 (owner only)", directory, loose)


def _performance_test_limits(settings: Settings) -> PerformanceTestLimits:
    return PerformanceTestLimits(
        max_running=settings.performance_test_max_running,
        max_total_requests=settings.performance_test_max_total_requests,
        max_concurrent_requests=settings.performance_test_max_concurrent_requests,
    )


def _records_policy(settings: Settings) -> RecordsPolicy:
    return RecordsPolicy(
        max_rows=settings.performance_test_records_max_rows,
        max_age_ms=settings.performance_test_records_max_age_days * DAY_MS,
    )


def _delivery_worker(
    settings: Settings, store: Store, clock: Clock, transports: Transports, faults: Faults
) -> DeliveryWorker:
    owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    return DeliveryWorker(
        store.notifications,
        clock,
        RetrySchedule(fast=settings.retry_schedule == "fast"),
        settings.delivery_timeout_ms / 1000,
        owner,
        transports,
        poll_s=settings.notification_poll_ms / 1000,
        faults=faults,
        bundle_id_of=lambda app_id: app.bundle_id if (app := store.app_by_id(app_id)) else None,
        lease_ms=settings.notification_lease_ms,
    )


def _renewal_ticker(
    settings: Settings,
    shared_clock: SharedClock,
    subscriptions: SubscriptionService,
    deliver_now: Callable[[], None],
) -> Ticker:
    """Subscriptions renew (and their notifications become due) as the sandbox clock runs, at
    the delivery worker's pace; first the clock adopts the offset every process shares."""

    def tick() -> None:
        shared_clock.sync()
        if subscriptions.catch_up():
            deliver_now()  # the renewals' notifications, without waiting for the next poll

    return Ticker("subscription-renewals", tick, settings.notification_poll_ms / 1000)


def _create_defaults(sandbox: Sandbox) -> None:
    """On an empty database; several processes starting on it at once make them once."""
    with sandbox.store.defaults_lock():
        if sandbox.store.app_by_bundle_id(DEFAULT_BUNDLE_ID) is None and not sandbox.store.apps():
            create_defaults(sandbox)


def create_defaults(
    sandbox: Sandbox, app_apple_id: int | None = None, keys: Sequence[ApiKey] = ()
) -> None:
    """The first-start app, key and purchase; ``keys`` (with ``app_apple_id``) are kept, and a
    new default key is made only if they don't hold the default key (see ``default_key``)."""
    app = sandbox.control.create_app(DEFAULT_BUNDLE_ID, app_apple_id)
    for key in keys:
        sandbox.store.add_key(dataclasses.replace(key, app_id=app.id))
    if sandbox.store.meta_value(_DEFAULT_KEY_META) not in {key.key_id for key in keys}:
        _new_default_key(sandbox)
    write_default_key_file(sandbox)
    sandbox.subscriptions.buy(app)


def _new_default_key(sandbox: Sandbox) -> None:
    store = sandbox.store
    old_key_id = store.meta_value(_DEFAULT_KEY_META)
    new_key = sandbox.control.create_key(DEFAULT_BUNDLE_ID)
    # The private key first: the id names it, so a crash between the two leaves the old pair.
    store.set_meta_value(_default_key_pem_meta(new_key.key.key_id), new_key.private_key_pem)
    store.set_meta_value(_DEFAULT_KEY_META, new_key.key.key_id)
    if old_key_id:
        store.delete_meta_value(_default_key_pem_meta(old_key_id))


def _default_key_pem_meta(key_id: str) -> str:
    return f"default_key_pem.{key_id}"


def default_key(sandbox: Sandbox) -> ApiKey | None:
    """The default key as the sandbox made it (same id, same private key), of no app, also
    after it was deleted: kept in the database so that a reset brings it back. ``None`` for
    a database from before migration 0008 whose default key was deleted before its file was
    adopted."""
    key_id = sandbox.store.meta_value(_DEFAULT_KEY_META)
    pem = sandbox.store.meta_value(_default_key_pem_meta(key_id)) if key_id else None
    if key_id is None or pem is None:
        return None
    return sandbox.control.generated_key(key_id, pem)


def write_default_key_file(sandbox: Sandbox) -> Path | None:
    """Write the default key's .p8 into the data dir if it is missing there (another process
    on the database made the key, or the file was deleted); where it is, if the key exists."""
    key = default_key(sandbox)
    if key is None or sandbox.store.key_by_id(key.key_id) is None:  # deleted until a reset
        return None
    path = key_file(sandbox.settings.keys_dir, key.key_id)
    if not path.exists():
        assert key.private_key_pem is not None
        write_private_key(path, key.private_key_pem)
    return path


def _adopt_default_key_file(sandbox: Sandbox) -> None:
    """A database from before the private keys were kept in it: take the default key's from its
    .p8 in the data dir, if that file holds the key the database knows."""
    store = sandbox.store
    key_id = store.meta_value(_DEFAULT_KEY_META)
    key = store.key_by_id(key_id) if key_id else None
    if key is None or key.private_key_pem is not None:
        return
    path = key_file(sandbox.settings.keys_dir, key.key_id)
    try:
        pem = path.read_text()
        adopted = sandbox.control.generated_key(key.key_id, pem)
    except (OSError, UnicodeDecodeError, BadInput):
        return
    if adopted.public_key_pem == key.public_key_pem:
        store.set_meta_value(_default_key_pem_meta(key.key_id), pem)
        store.set_private_key(key.key_id, pem)


def default_credentials(sandbox: Sandbox) -> DefaultCredentials | None:
    """The default app's credentials (its key file written if missing), or ``None`` if the app
    or its default key is gone."""
    app = sandbox.store.app_by_bundle_id(DEFAULT_BUNDLE_ID)
    key_id = sandbox.store.meta_value(_DEFAULT_KEY_META)
    key = sandbox.store.key_by_id(key_id) if key_id else None
    if app is None or key is None:
        return None
    write_default_key_file(sandbox)
    purchase = sandbox.store.default_purchase(app.id)
    return DefaultCredentials(
        bundle_id=app.bundle_id,
        app_apple_id=app.app_apple_id,
        issuer_id=key.issuer_id,
        key_id=key.key_id,
        key_file=key_file(sandbox.settings.keys_dir, key.key_id).resolve(),
        original_transaction_id=purchase.original_transaction_id if purchase else "",
    )
