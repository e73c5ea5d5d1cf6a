"""Notification delivery: request-to-delivered latency and deliveries per second on loopback.

    python benchmarks/notifications.py          # about 30 seconds

A sandbox (pinned to core 0) and, in this process (pinned to core 1), a receiver and a client
that calls Apple's Request a Test Notification endpoint with a signed bearer token, as a
developer's server or Apple's client library would. Each figure is the median of 3 runs:

- one at a time: 200 notifications, each requested after the previous one arrived; latency runs
  from sending the request to the receiver having the notification;
- burst: 100 requested at once; deliveries per second from the first request to the last arrival.

The reference column is the floor of the same path: this process POSTing the same signed
notification straight to the same receiver with aiohttp (no sandbox in between).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp
import jwt
from _common import GENERATOR_CORE, SERVER_CORE, pinned, print_table, require, warn_if_busy
from aiohttp import web

from appstore_sandbox.serve_process import ServeProcess

SEQUENTIAL, BURST = 200, 100
TEST_PATH = "/sandbox/inApps/v1/notifications/test"


class Receiver:
    """A developer's notification endpoint: records when each notification arrived."""

    def __init__(self) -> None:
        self.arrivals: list[float] = []
        self.last_body = b""
        self._arrived = threading.Condition()
        self.url = ""

    async def _handle(self, request: web.Request) -> web.Response:
        self.last_body = await request.read()
        with self._arrived:
            self.arrivals.append(time.perf_counter())
            self._arrived.notify_all()
        return web.Response(status=200)

    def start(self) -> None:
        ready = threading.Event()

        async def serve() -> None:
            app = web.Application()
            app.router.add_post("/notifications", self._handle)
            runner = web.AppRunner(app, access_log=None)
            await runner.setup()
            await web.TCPSite(runner, "127.0.0.1", 0).start()
            self.url = f"http://127.0.0.1:{runner.addresses[0][1]}/notifications"
            ready.set()
            await asyncio.Event().wait()

        threading.Thread(target=asyncio.run, args=(serve(),), daemon=True).start()
        if not ready.wait(10):
            raise SystemExit("the receiver did not start")

    def wait_for(self, count: int, timeout_s: float = 30) -> None:
        with self._arrived:
            if not self._arrived.wait_for(lambda: len(self.arrivals) >= count, timeout_s):
                raise SystemExit(f"only {len(self.arrivals)} of {count} notifications arrived")


def start_sandbox(data_dir: str) -> tuple[ServeProcess, dict[str, str]]:
    server = ServeProcess(Path(data_dir) / "data", command_prefix=pinned(SERVER_CORE, [])).start()
    app = server.facts["defaultApp"]
    return server, {
        "base_url": server.base_url,
        "bundle_id": app["bundleId"],
        "issuer_id": app["issuerId"],
        "key_id": app["keyId"],
        "key_file": app["keyFile"],
    }


def bearer_token(sandbox: dict[str, str]) -> str:
    now = int(time.time())
    claims = {
        "iss": sandbox["issuer_id"],
        "iat": now,
        "exp": now + 1800,
        "aud": "appstoreconnect-v1",
        "bid": sandbox["bundle_id"],
    }
    key = Path(sandbox["key_file"]).read_bytes()
    return jwt.encode(claims, key, algorithm="ES256", headers={"kid": sandbox["key_id"]})


Send = Callable[[], Awaitable[None]]


async def one_at_a_time(send: Send, receiver: Receiver) -> list[float]:
    latencies = []
    for _ in range(SEQUENTIAL):
        before = len(receiver.arrivals)
        started = time.perf_counter()
        await send()
        await asyncio.to_thread(receiver.wait_for, before + 1)
        latencies.append((receiver.arrivals[before] - started) * 1000)
    return latencies


async def burst(send: Send, receiver: Receiver) -> float:
    before = len(receiver.arrivals)
    started = time.perf_counter()
    await asyncio.gather(*(send() for _ in range(BURST)))
    await asyncio.to_thread(receiver.wait_for, before + BURST)
    return BURST / (max(receiver.arrivals[before:]) - started)


async def measure(send: Send, receiver: Receiver, runs: int) -> tuple[float, float, float]:
    await one_at_a_time(send, receiver)  # warm-up: connections, caches, SQLite pages
    latency_runs = [await one_at_a_time(send, receiver) for _ in range(runs)]
    await burst(send, receiver)  # warm-up: the server's worker threads, the client's connections
    rates = [await burst(send, receiver) for _ in range(runs)]
    p50 = statistics.median(statistics.quantiles(run, n=100)[49] for run in latency_runs)
    p99 = statistics.median(statistics.quantiles(run, n=100)[98] for run in latency_runs)
    return p50, p99, statistics.median(rates)


async def main_async(receiver: Receiver, sandbox: dict[str, str], runs: int) -> list[list[str]]:
    headers = {"Authorization": f"Bearer {bearer_token(sandbox)}"}
    connector = aiohttp.TCPConnector(limit=BURST)
    async with aiohttp.ClientSession(connector=connector) as session:
        control = f"{sandbox['base_url']}/_sandbox/v1/apps/{sandbox['bundle_id']}"
        async with session.put(
            f"{control}/notification-urls/sandbox", json={"url": receiver.url}
        ) as reply:
            reply.raise_for_status()

        async def request_test() -> None:
            url = sandbox["base_url"] + TEST_PATH
            async with session.post(url, headers=headers) as reply:
                await reply.read()
                reply.raise_for_status()

        ours = await measure(request_test, receiver, runs)
        signed = receiver.last_body

        async def post_directly() -> None:
            async with session.post(receiver.url, data=signed, headers=_JSON) as reply:
                await reply.read()
                reply.raise_for_status()

        floor = await measure(post_directly, receiver, runs)
    return [
        ["request-to-delivered p50 (ms)", f"{ours[0]:.2f}", f"{floor[0]:.2f}", "-"],
        ["request-to-delivered p99 (ms)", f"{ours[1]:.2f}", f"{floor[1]:.2f}", "<= 20"],
        [
            f"delivered/s, {BURST} requested at once",
            f"{ours[2]:,.0f}",
            f"{floor[2]:,.0f}",
            ">= 500",
        ],
    ]


_JSON = {"Content-Type": "application/json"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    require("taskset")
    warn_if_busy()
    os.sched_setaffinity(0, {GENERATOR_CORE})
    receiver = Receiver()
    receiver.start()
    with tempfile.TemporaryDirectory(prefix="bench-notifications-") as data_dir:
        server, sandbox = start_sandbox(data_dir)
        try:
            rows = asyncio.run(main_async(receiver, sandbox, args.runs))
        finally:
            server.stop()
    print_table(["measure", "sandbox", "direct POST (floor)", "target"], rows)


if __name__ == "__main__":
    main()
