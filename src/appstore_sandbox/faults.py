"""Faults on demand: Apple's API failing on purpose, so a backend's retry and error handling can
be tested.

A fault matches calls on Apple's surface (by app, environment, operation and method) or
notification deliveries (by app and environment), and acts on the next ``count`` matching calls,
or on a ``fraction`` of them (drawn from ``seed`` when given, so a run can be repeated), or on
every one. Kinds: ``429`` (Apple's 4290000 with Retry-After), ``500`` (5000000), ``401``,
``delay`` (``delayMs`` before the call is handled as usual) and ``drop`` (the connection closes
before a complete response); a notification delivery knows ``delay`` and ``drop`` (the receiver
sees nothing; the attempt fails as a network failure would).

Faults are test-time settings: they live in the memory of the ``serve`` process that was told
them, are gone when it restarts or is reset, and behind several processes on one database each
process has its own. A call held in a ``delay`` is let go at once when its fault is removed, the
faults are cleared or the process stops, rather than sleeping on.
"""

from __future__ import annotations

import asyncio
import contextlib
import fnmatch
import random
import re
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Literal

from appstore_sandbox.errors import BadInput

Kind = Literal["429", "500", "401", "delay", "drop"]
Target = Literal["api", "notifications"]
API_KINDS: frozenset[str] = frozenset({"429", "500", "401", "delay", "drop"})
NOTIFICATION_KINDS: frozenset[str] = frozenset({"delay", "drop"})
ENVIRONMENTS = frozenset({"sandbox", "production"})
BOTH = "both"  # an environment: the same as leaving it out
_ARTICLES = frozenset({"a", "an", "the"})  # "Request a Test Notification"


# The ASGI scope extension under which ``serve``'s HTTP protocol offers ``{"close": function}``,
# closing the request's connection at once: a ``drop`` without any response (ASGI has none).
CLOSE_CONNECTION = "appstore_sandbox.close_connection"


class DropConnection(Exception):
    """Raised on Apple's surface for a ``drop`` fault; the gate closes the connection."""


@dataclass(frozen=True)
class FaultSpec:
    """What a caller asks for; ``operation`` is an Apple operation name ("Request a Test
    Notification", ``requestTestNotification``), the Apple Python client's method name
    (``request_test_notification``), or a path pattern after the environment prefix
    (``/inApps/v1/messaging/image/*``)."""

    kind: str
    target: str = "api"
    bundle_id: str | None = None
    environment: str | None = None
    operation: str | None = None
    method: str | None = None
    count: int | None = None
    fraction: float | None = None
    seed: int | None = None
    delay_ms: int = 1000
    retry_after_s: int = 60

    def check(self) -> None:
        kinds = NOTIFICATION_KINDS if self.target == "notifications" else API_KINDS
        if self.target not in ("api", "notifications"):
            raise BadInput("target must be 'api' or 'notifications'.")
        if self.kind not in kinds:
            raise BadInput(f"kind must be one of {', '.join(sorted(kinds))} for {self.target}.")
        if self.environment is not None and self.environment not in ENVIRONMENTS | {BOTH}:
            raise BadInput("environment must be 'sandbox', 'production' or 'both' (the default).")
        if self.count is not None and self.fraction is not None:
            raise BadInput("give count or fraction, not both.")
        if self.count is not None and not 0 < self.count <= 1_000_000:
            raise BadInput("count must be from 1 to 1000000.")
        if self.fraction is not None and not 0 < self.fraction <= 1:
            raise BadInput("fraction must be more than 0 and at most 1.")
        if not 0 <= self.delay_ms <= 600_000:
            raise BadInput("delayMs must be from 0 to 600000.")
        if not 0 <= self.retry_after_s <= 86_400:
            raise BadInput("retryAfterS must be from 0 to 86400.")
        if self.target == "notifications" and (self.operation or self.method):
            raise BadInput("operation and method apply to target 'api' only.")


@dataclass
class Fault:
    fault_id: str
    spec: FaultSpec
    hits: int = 0
    _random: random.Random = field(default_factory=random.Random, repr=False)
    # A delay's calls: how many were taken and not yet let go, a way to wake each one waiting
    # (from any thread), and whether the fault was removed, which lets them all go.
    _taken: int = field(default=0, repr=False, compare=False)
    _wakers: set[Callable[[], None]] = field(default_factory=set, repr=False, compare=False)
    _released: bool = field(default=False, repr=False, compare=False)

    @property
    def remaining(self) -> int | None:
        return None if self.spec.count is None else self.spec.count - self.hits

    def _matches(self, call: Call) -> bool:
        spec = self.spec
        if spec.target != call.target:
            return False
        if spec.bundle_id is not None and spec.bundle_id != call.bundle_id:
            return False
        if spec.environment not in (None, BOTH) and spec.environment != call.environment:
            return False
        if spec.method is not None and spec.method.upper() != call.method:
            return False
        return spec.operation is None or _names_operation(spec.operation, call)

    def _fires(self) -> bool:
        """Whether this matching call is one the fault acts on (and counts it if so)."""
        if self.spec.fraction is not None and self._random.random() >= self.spec.fraction:
            return False
        self.hits += 1
        return True


@dataclass(frozen=True)
class Call:
    """A call a fault may act on."""

    target: Target
    bundle_id: str
    environment: str
    method: str = ""
    path: str = ""  # after the environment prefix
    names: tuple[str, ...] = ()  # the operation's names: route name, Apple's title


def _names_operation(operation: str, call: Call) -> bool:
    if operation.startswith("/"):
        return fnmatch.fnmatchcase(call.path, operation)
    wanted = operation_key(operation)
    return any(operation_key(name) == wanted for name in call.names)


def operation_key(name: str) -> str:
    """One spelling of an operation's name for comparing: ``requestTestNotification``,
    ``request_test_notification`` and "Request a Test Notification" are the same operation."""
    words = re.findall(r"[a-z0-9]+", name.casefold())
    return "".join(word for word in words if word not in _ARTICLES)


def operation_problem(operation: str, names: Iterable[str]) -> str | None:
    """Why ``operation`` names none of ``names`` (Apple's operations), or ``None`` if it does
    (or is a path pattern, which may match nothing yet)."""
    if operation.startswith("/"):
        if operation.startswith(("/sandbox/", "/production/")):
            return (
                f"operation {operation!r}: give the path after the environment prefix "
                "(/inApps/...) and the environment separately."
            )
        return None
    known = sorted({_camel(name) for name in names if "_" in name})
    if any(operation_key(name) == operation_key(operation) for name in names):
        return None
    return (
        f"operation {operation!r} is not one of Apple's operations: {', '.join(known)} "
        "(or a path pattern such as /inApps/v1/messaging/image/*)."
    )


def _camel(name: str) -> str:
    first, *rest = name.split("_")
    return first + "".join(part.capitalize() for part in rest)


class Faults:
    """The faults this process was told; safe to use from any thread."""

    def __init__(self, max_faults: int = 1000) -> None:
        self._faults: list[Fault] = []
        # Delay faults with calls taken and not yet let go, listed or not (a count used up).
        self._holding: dict[str, Fault] = {}
        self._max_faults = max_faults
        self._closed = False
        self._lock = threading.Lock()

    @property
    def active(self) -> bool:
        return bool(self._faults)

    def add(self, spec: FaultSpec) -> Fault:
        spec.check()
        fault = Fault(uuid.uuid4().hex[:12], spec)
        if spec.seed is not None:
            fault._random.seed(spec.seed)
        with self._lock:
            if len(self._faults) >= self._max_faults:
                raise BadInput(
                    f"{len(self._faults)} faults are set, the most max_faults "
                    f"({self._max_faults}) allows: remove some (appstore-sandbox faults clear) "
                    "or start serve with a larger --max-faults."
                )
            self._faults.append(fault)
        return fault

    def all(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def remove(self, fault_id: str) -> bool:
        """Remove a fault and let go the calls it holds; whether there was such a fault."""
        with self._lock:
            removed = [fault for fault in self._faults if fault.fault_id == fault_id]
            self._faults = [fault for fault in self._faults if fault.fault_id != fault_id]
            holding = self._holding.get(fault_id)
            removed += [holding] if holding is not None else []
            self._release(removed)
        return bool(removed)

    def clear(self) -> None:
        """Remove every fault and let go every call held in a delay."""
        with self._lock:
            self._release([*self._faults, *self._holding.values()])
            self._faults = []

    def reset(self) -> None:
        """No faults, as at the first start (see :meth:`clear`)."""
        self.clear()

    def close(self) -> None:
        """Let go every held call and hold none from now on: the process is stopping."""
        with self._lock:
            self._closed = True
        self.clear()

    def _release(self, faults: list[Fault]) -> None:
        for fault in faults:
            fault._released = True
            for wake in fault._wakers:
                wake()

    def take(self, call: Call) -> Fault | None:
        """The first fault that acts on ``call``; a fault whose count is used up goes."""
        if not self._faults:  # the usual case costs one attribute read
            return None
        with self._lock:
            for fault in self._faults:
                if fault._matches(call) and fault._fires():
                    if fault.remaining == 0:
                        self._faults.remove(fault)
                    if fault.spec.kind == "delay":  # to be held: see hold()
                        fault._taken += 1
                        self._holding[fault.fault_id] = fault
                    return fault
        return None

    async def hold(self, fault: Fault) -> None:
        """Wait out the delay of ``fault``, taken for this call, or less: removing the fault,
        clearing the faults or closing lets the call go at once."""
        loop = asyncio.get_running_loop()
        released = asyncio.Event()

        def wake() -> None:
            with contextlib.suppress(RuntimeError):  # the call's loop has closed
                loop.call_soon_threadsafe(released.set)

        with self._lock:
            waits = not (fault._released or self._closed)
            if waits:
                fault._wakers.add(wake)
        try:
            if waits:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(released.wait(), fault.spec.delay_ms / 1000)
        finally:
            with self._lock:
                fault._wakers.discard(wake)
                fault._taken -= 1
                if fault._taken <= 0:
                    self._holding.pop(fault.fault_id, None)
