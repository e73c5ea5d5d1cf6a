"""The soak test's checks (nothing acknowledged lost, nothing left PENDING, no 5xx) and tables."""

from __future__ import annotations

import sys
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

import httpx
from _soak_world import CLIENT, DOWN, OK, SERVER, Soak
from appstoreserverlibrary.api_client import APIException, AppStoreServerAPIClient

SETTLE_S = 15  # for in-flight work to finish; what a kill left claimed may stay PENDING longer
RECORDING_WINDOW_S = 5  # generous: an attempt is recorded within milliseconds of its answer


@dataclass
class Check:
    name: str
    expected: int
    found: int
    note: str = ""

    @property
    def ok(self) -> bool:
        return self.expected == self.found


def check_images(soak: Soak, client: AppStoreServerAPIClient) -> Check:
    acknowledged = {i: d for i, d in soak.ledger.images.items() if i not in soak.ledger.unsure}
    listed = {item.imageIdentifier for item in client.get_image_list().imageIdentifiers or []}
    intact = 0
    for identifier, data in acknowledged.items():
        files = list(soak.serve.data_dir.glob(f"images/*/sandbox/{identifier}.png"))
        same = len(files) == 1 and files[0].read_bytes() == data
        intact += identifier in listed and same
    return Check("images (2xx): listed, file intact", len(acknowledged), intact)


def check_messages(soak: Soak, client: AppStoreServerAPIClient) -> Check:
    acknowledged = soak.ledger.messages - soak.ledger.unsure
    listed = {item.messageIdentifier for item in client.get_message_list().messageIdentifiers or []}
    return Check("messages (2xx): listed", len(acknowledged), len(acknowledged & listed))


def check_defaults(soak: Soak, client: AppStoreServerAPIClient) -> Check:
    settled = {
        locale: value
        for locale, value in soak.ledger.defaults.items()
        if ("default", locale) not in soak.ledger.unsure
    }
    found = 0
    for locale, value in settled.items():
        try:
            current = client.get_default_message(soak.product_id, locale).messageIdentifier
        except APIException:
            current = None
        found += str(current) == value if value is not None else current is None
    return Check("default messages: last 2xx holds", len(settled), found)


def check_notifications(soak: Soak) -> list[Check]:
    app = f"{soak.serve.base}/_sandbox/v1/apps/{soak.credentials.bundle_id}"
    deadline = time.monotonic() + SETTLE_S
    with httpx.Client(base_url=app, timeout=30) as client:
        records = _notification_records(client, soak.ledger.tokens)
        pending = [token for token, record in records.items() if record["status"] == "PENDING"]
        while pending and time.monotonic() < deadline:
            time.sleep(0.5)
            records.update(_notification_records(client, pending))
            pending = [token for token in pending if records[token]["status"] == "PENDING"]
    counts = Counter(_delivery_verdict(soak, record) for record in records.values())
    requested = len(soak.ledger.tokens)
    return [
        Check(
            "test notifications: delivered once, pending or resent*",
            requested,
            counts["once"] + counts["pending"] + counts["resent"],
            f"{counts['once']} / {counts['pending']} / {counts['resent']}",
        ),
        Check("test notifications: other duplicates", 0, counts["duplicate"]),
        Check("test notifications: lost or failed", 0, counts["lost"] + requested - len(records)),
    ]


def _notification_records(client: httpx.Client, tokens: list[str]) -> dict[str, Any]:
    found = {}
    for token in tokens:
        response = client.get(f"/notifications/{token}")
        if response.status_code == 200:
            found[token] = response.json()
    return found


def _delivery_verdict(soak: Soak, record: dict[str, Any]) -> str:
    notification_uuid = record["notificationUUID"]
    delivered = soak.receiver.delivered(notification_uuid)
    if delivered > 1:
        # At least once, as Apple: a process killed after the receiver's 200 but before it
        # recorded the attempt sends again once its claim lapses (receivers dedupe by UUID).
        first = soak.receiver.first_delivered[notification_uuid]
        killed_in_flight = any(first <= kill <= first + RECORDING_WINDOW_S for kill in soak.kills)
        return "resent" if killed_in_flight and delivered == 2 else "duplicate"
    if record["status"] == "PENDING":
        return "pending"  # delivered once but not yet recorded counts here too: at most once so far
    return "once" if record["status"] == "DELIVERED" and delivered == 1 else "lost"


def check_runs(soak: Soak, client: AppStoreServerAPIClient) -> list[Check]:
    deadline = time.monotonic() + SETTLE_S
    results = _run_results(client, soak.ledger.runs)
    while "PENDING" in results.values() and time.monotonic() < deadline:
        time.sleep(0.5)
        results = _run_results(client, soak.ledger.runs)
    verdicts = Counter(results.values())
    failed = [run for run, result in results.items() if result == "FAIL"]
    interrupted = sum(_interrupted(soak, run) for run in failed)
    return [
        Check(
            "performance tests: PASS or FAIL (none PENDING)",
            len(soak.ledger.runs),
            verdicts["PASS"] + verdicts["FAIL"],
            f"{verdicts['PASS']} / {verdicts['FAIL']} ({interrupted} cut by a kill)",
        )
    ]


def _interrupted(soak: Soak, run: str) -> bool:
    path = f"/_sandbox/v1/apps/{soak.credentials.bundle_id}/performance-tests/{run}"
    note = httpx.get(soak.serve.base + path, timeout=30).json().get("note") or ""
    return bool(note.startswith("interrupted"))


def _run_results(client: AppStoreServerAPIClient, runs: list[str]) -> dict[str, str]:
    return {run: str(client.get_performance_test_results(run).rawResult) for run in runs}


def checks(soak: Soak) -> list[Check]:
    client = soak.apple_client()
    server_errors = sum(counts[SERVER] for counts in soak.ledger.outcomes.values())
    log = soak.serve.log.read_text(errors="replace")
    return [
        check_images(soak, client),
        check_messages(soak, client),
        check_defaults(soak, client),
        *check_notifications(soak),
        *check_runs(soak, client),
        Check("5xx answers", 0, server_errors, "; ".join(soak.ledger.errors[:3])),
        Check("tracebacks in the server log", 0, log.count("Traceback")),
    ]


def print_tables(soak: Soak, seconds: float, found: list[Check]) -> None:
    print(
        f"\nSoak: {seconds:g} s, seed {soak.seed}, {soak.workers} client threads, "
        f"{len(soak.kills)} kill -9 + restart of serve (at {_seconds(soak)} s; down "
        f"{soak.down_s:.1f} s in all)\n"
    )
    rows = [
        [op, *(str(counts[kind]) for kind in (OK, CLIENT, SERVER, DOWN))]
        for op, counts in sorted(soak.ledger.outcomes.items())
    ]
    totals = [sum(int(row[i]) for row in rows) for i in range(1, 5)]
    rows.append(["all", *map(str, totals)])
    for operation, message in sorted(soak.ledger.refusals.items()):
        print(f"first 4xx of {operation}: {message}", file=sys.stderr)
    _table(["operation", "2xx", "4xx", "5xx", "no answer (killed)"], rows)
    print()
    _table(
        ["check", "expected", "found", "ok", "detail"],
        [[c.name, str(c.expected), str(c.found), "yes" if c.ok else "NO", c.note] for c in found],
    )
    print(
        "detail: notifications once / pending / resent, runs PASS / FAIL. *resent: sent again "
        "after a kill between the receiver's 200 and the sandbox recording it (at least once, "
        "as Apple; receivers dedupe by notificationUUID)"
    )


def _table(headers: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(row[i]) for row in [headers, *rows]) for i in range(len(headers))]
    for row in [headers, ["-" * w for w in widths], *rows]:
        cells = [row[0].ljust(widths[0])] + [
            c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)
        ]
        print("  ".join(cells))


def _seconds(soak: Soak) -> list[float]:
    return [round(kill - soak.started, 1) for kill in soak.kills]
