"""Notification delivery: request-to-delivered latency and deliveries per second on loopback.

    python benchmarks/notifications.py

Starts a sandbox and a receiver on 127.0.0.1, then (median of 3 runs):
- one at a time: 200 TEST notifications, each requested after the previous one arrived; latency
  runs from sending the request to the receiver getting the notification;
- burst: 100 requested at once; deliveries per second from the first request to the last arrival.
"""

from __future__ import annotations

import asyncio
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
from _common import print_table
from aiohttp import web

APP = "/_sandbox/v1/apps/com.example.app"
SEQUENTIAL, BURST, RUNS = 200, 100, 3


class Receiver:
    """Records the wall-clock arrival time of every notification."""

    def __init__(self) -> None:
        self.arrivals: list[float] = []
        self.arrived = threading.Condition()
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        await request.read()
        with self.arrived:
            self.arrivals.append(time.time())
            self.arrived.notify_all()
        return web.Response(status=200)

    def start(self) -> None:
        ready = threading.Event()

        async def serve() -> None:
            app = web.Application()
            app.router.add_post("/notifications", self.handle)
            runner = web.AppRunner(app, access_log=None)
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            port = runner.addresses[0][1]
            self.url = f"http://127.0.0.1:{port}/notifications"
            ready.set()
            await asyncio.Event().wait()

        threading.Thread(target=asyncio.run, args=(serve(),), daemon=True).start()
        ready.wait(10)

    def wait_for(self, count: int, timeout_s: float = 30) -> None:
        with self.arrived:
            if not self.arrived.wait_for(lambda: len(self.arrivals) >= count, timeout_s):
                raise SystemExit(f"only {len(self.arrivals)} of {count} notifications arrived")


def start_sandbox(data_dir: str) -> tuple[subprocess.Popen[str], str]:
    command = [sys.executable, "-m", "appstore_sandbox", "serve", "--port", "0"]
    process = subprocess.Popen(
        [*command, "--data-dir", data_dir], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith("Ready on "):
            threading.Thread(target=process.stdout.read, daemon=True).start()
            return process, line.removeprefix("Ready on ").split(". Press")[0]
    raise SystemExit("the sandbox did not start")


def one_at_a_time(client: httpx.Client, receiver: Receiver) -> list[float]:
    latencies = []
    for _ in range(SEQUENTIAL):
        before = len(receiver.arrivals)
        started = time.time()
        client.post(f"{APP}/notifications/test", json={}).raise_for_status()
        receiver.wait_for(before + 1)
        latencies.append((receiver.arrivals[before] - started) * 1000)
    return latencies


def burst(client: httpx.Client, receiver: Receiver) -> float:
    before = len(receiver.arrivals)
    started = time.time()
    with ThreadPoolExecutor(BURST) as pool:
        for response in pool.map(
            lambda _: client.post(f"{APP}/notifications/test", json={}), range(BURST)
        ):
            response.raise_for_status()
    receiver.wait_for(before + BURST)
    return BURST / (max(receiver.arrivals[before:]) - started)


def main() -> None:
    receiver = Receiver()
    receiver.start()
    with tempfile.TemporaryDirectory() as data_dir:
        process, base = start_sandbox(data_dir)
        try:
            limits = httpx.Limits(max_connections=BURST)
            with httpx.Client(base_url=base, timeout=30, limits=limits) as client:
                url = f"{APP}/notification-urls/sandbox"
                client.put(url, json={"url": receiver.url}).raise_for_status()
                one_at_a_time(client, receiver)  # warm-up
                runs = [one_at_a_time(client, receiver) for _ in range(RUNS)]
                rates = [burst(client, receiver) for _ in range(RUNS)]
        finally:
            process.terminate()
            process.wait(10)
    p50 = statistics.median(statistics.quantiles(run, n=100)[49] for run in runs)
    p99 = statistics.median(statistics.quantiles(run, n=100)[98] for run in runs)
    print_table(
        ["measure", "sandbox", "target"],
        [
            ["request-to-delivered p50 (ms)", f"{p50:.2f}", "-"],
            ["request-to-delivered p99 (ms)", f"{p99:.2f}", "<= 20"],
            [
                f"delivered/s, {BURST} requested at once",
                f"{statistics.median(rates):,.0f}",
                ">= 500",
            ],
        ],
    )


if __name__ == "__main__":
    main()
