"""Locust's side of the throughput benchmark: POST a pre-signed body, no waiting between tasks.

The body is read from the file named by ``BENCH_BODY_FILE`` (one body as the engine signs it, so
the same size); Locust does no signing of its own.
"""

from __future__ import annotations

import os
from pathlib import Path

from locust import FastHttpUser, constant, task

BODY = Path(os.environ["BENCH_BODY_FILE"]).read_text()  # ASCII: a JWS in JSON
HEADERS = {"Content-Type": "application/json"}


class RealtimePoster(FastHttpUser):
    wait_time = constant(0)

    @task
    def post(self) -> None:
        self.client.post("/", data=BODY, headers=HEADERS)
