"""The engine process as the sandbox starts it: a job line in (outbound rules and the app's
catalog with it), frames out."""

from __future__ import annotations

import dataclasses
import json
import os
import socket
import subprocess
import sys
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

from appstore_sandbox.outbound.policy import OutboundPolicy
from appstore_sandbox.perftest.engine_process import EngineJob
from appstore_sandbox.perftest.frames import Batch, Done, Frame, Hello, read_frame
from appstore_sandbox.realtime.payloads import Subscriber
from appstore_sandbox.signing import create_chain, save_chain
from appstore_sandbox.store.records import MessageBullet, RetentionMessage
from tests.json_targets import json_target

MESSAGES = 2000  # Apple's limit per app and environment
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


def _silent_listener() -> socket.socket:
    """Takes connections (the kernel completes them) and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    return listener


def _catalog_at_apples_limits() -> dict[str, object]:
    bullets = tuple(MessageBullet(f"point {i}", f"img-{i}", "alt") for i in range(3))
    messages = [
        asdict(
            RetentionMessage(
                f"m-{i}", "APPROVED", "Stay", "x" * 150, "ABOVE_BODY", None, None, bullets, 1, 2
            )
        )
        for i in range(MESSAGES)
    ]
    return {
        "bundle_id": "com.example.app",
        "environment": "sandbox",
        "messages": messages,
        "image_states": {f"img-{i}": "APPROVED" for i in range(3)},
        "products": [],
        "offers": {},
        "keys": [],
        "mode": "warn",
    }


def _run_engine(job: EngineJob) -> list[Frame]:
    read_fd, write_fd = os.pipe()
    engine = subprocess.Popen(
        [sys.executable, "-m", "appstore_sandbox.perftest.engine_process", str(write_fd)],
        stdin=subprocess.PIPE,
        pass_fds=(write_fd,),
    )
    os.close(write_fd)
    assert engine.stdin is not None
    engine.stdin.write(job.to_line())
    engine.stdin.flush()
    frames = []
    with os.fdopen(read_fd, "rb") as records:
        while (frame := read_frame(records)) is not None:
            frames.append(frame)
    engine.stdin.close()
    assert engine.wait(30) == 0
    return frames


def test_a_catalog_at_apples_limits_reaches_the_engine_whole(tmp_path: Path) -> None:
    save_chain(create_chain(datetime.now(UTC)), tmp_path / "ca")
    listener = _silent_listener()
    job = dataclasses.replace(
        JOB,
        url=f"http://127.0.0.1:{listener.getsockname()[1]}/retention",
        total=3,
        concurrency=3,
        timeout_ms=200,
        app_state=_catalog_at_apples_limits(),
        ca_dir=str(tmp_path / "ca"),
    )
    assert len(job.to_line()) > 1_000_000  # more than a pipe holds at once
    with listener:
        frames = _run_engine(job)
    assert isinstance(frames[0], Hello)
    assert isinstance(frames[-1], Done) and frames[-1].error is None
    records = [record for frame in frames if isinstance(frame, Batch) for record in frame.records]
    assert sorted(record[0] for record in records) == [0, 1, 2]
    assert {record[2] for record in records} == {"TIMED_OUT"}


def test_a_reply_nested_past_any_parser_is_one_invalid_response_each(tmp_path: Path) -> None:
    # 900 KB of "[" fits under the 1 MB reply cap; parsed recursively it would end the run.
    save_chain(create_chain(datetime.now(UTC)), tmp_path / "ca")
    with json_target(b"[" * 900_000) as endpoint:
        job = dataclasses.replace(
            JOB,
            url=endpoint.url,
            total=4,
            concurrency=2,
            app_state={**_catalog_at_apples_limits(), "messages": []},
            ca_dir=str(tmp_path / "ca"),
        )
        frames = _run_engine(job)
    assert isinstance(frames[-1], Done) and frames[-1].error is None
    records = [record for frame in frames if isinstance(frame, Batch) for record in frame.records]
    assert sorted(record[0] for record in records) == [0, 1, 2, 3]
    assert {(record[2], record[3]) for record in records} == {("INVALID_RESPONSE", 200)}
    assert {record[5] for record in records} == {"body is JSON nested more than 100 levels deep"}


def test_the_engine_process_starts_without_the_database_layer() -> None:
    # It gets the app's catalog in its job; SQLAlchemy would add a fifth of a second to every
    # run's start, on the core that generates the load.
    probe = (
        "import sys, appstore_sandbox.perftest.engine_process; print('sqlalchemy' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def _through_the_pipe(job: EngineJob) -> EngineJob:
    line = job.to_line()
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    return EngineJob.from_json(json.loads(line))


def test_the_policy_and_reply_cap_reach_the_engine() -> None:
    policy = OutboundPolicy(
        strict=True,
        allowed_hosts=("example.com", "api.example.com"),
        own_address=("0.0.0.0", 8080),
    )
    job = dataclasses.replace(JOB, policy=policy, max_response_bytes=4096)
    assert _through_the_pipe(job) == job


def test_by_default_the_engine_has_the_default_policy_and_cap() -> None:
    job = _through_the_pipe(JOB)
    assert job.policy == OutboundPolicy()
    assert job.max_response_bytes == 1_048_576
