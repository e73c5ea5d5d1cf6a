"""The job handed to the engine process survives its trip as a JSON line, outbound rules too."""

from __future__ import annotations

import dataclasses
import json

from appstore_sandbox.outbound.policy import OutboundPolicy
from appstore_sandbox.perftest.engine_process import EngineJob
from appstore_sandbox.realtime.payloads import Subscriber

JOB = EngineJob(
    request_id="r-1",
    url="https://example.com/retention",
    total=10,
    concurrency=2,
    timeout_ms=700,
    requests_per_second=None,
    subscriber=Subscriber("2000000000000001", 1234, "com.example.monthly"),
    environment="Sandbox",
    clock_offset_ms=0,
    app_state={"bundle_id": "com.example.app", "mode": "warn"},
    ca_dir="/tmp/ca",
)


def _through_the_pipe(job: EngineJob) -> EngineJob:
    line = job.to_line()
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    return EngineJob.from_json(json.loads(line))


def test_the_policy_and_reply_cap_reach_the_engine() -> None:
    policy = OutboundPolicy(strict=True, allowed_hosts=("example.com", "api.example.com"))
    job = dataclasses.replace(JOB, policy=policy, max_response_bytes=4096)
    assert _through_the_pipe(job) == job


def test_by_default_the_engine_has_the_default_policy_and_cap() -> None:
    job = _through_the_pipe(JOB)
    assert job.policy == OutboundPolicy()
    assert job.max_response_bytes == 1_048_576
