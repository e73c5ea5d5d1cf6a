"""At start-up the sandbox removes what a crash left half-written and reports what doesn't match."""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from appstore_sandbox.config import Settings
from appstore_sandbox.defaults import DEFAULT_BUNDLE_ID
from appstore_sandbox.environments import Environment
from appstore_sandbox.sandbox import Sandbox, open_sandbox
from tests import pngs


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[Sandbox]:
    opened = open_sandbox(Settings(data_dir=tmp_path))
    yield opened
    opened.close()


def _upload(sandbox: Sandbox) -> Path:
    app = sandbox.control.app(DEFAULT_BUNDLE_ID)
    identifier = str(uuid.uuid4())
    sandbox.images.upload(app, Environment.SANDBOX, identifier, None, pngs.full_size())
    (path,) = sandbox.settings.images_dir.glob(f"*/sandbox/{identifier}.png")
    return path


def test_a_clean_data_dir_has_no_problems(sandbox: Sandbox) -> None:
    _upload(sandbox)
    assert sandbox.images.check_files() == ()


def test_temporary_files_of_dead_writers_are_removed(
    sandbox: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    directory = _upload(sandbox).parent
    dead = directory / f".{uuid.uuid4()}.png.{2**22 + 12345}.abc123.part"  # no such pid
    alive = directory / f".{uuid.uuid4()}.png.{os.getppid()}.abc123.part"
    for path in (dead, alive):
        path.write_bytes(b"half a png")
    with caplog.at_level(logging.WARNING):
        problems = sandbox.images.check_files()
    assert problems == (f"removed {dead}, an image upload a crash interrupted",)
    assert caplog.messages == list(problems)
    assert not dead.exists() and alive.exists()


def test_files_without_rows_and_rows_without_files_are_reported(sandbox: Sandbox) -> None:
    lost = _upload(sandbox)
    lost.unlink()
    stray = lost.parent / f"{uuid.uuid4()}.png"
    stray.write_bytes(pngs.full_size())
    problems = sandbox.images.check_files()
    assert len(problems) == 2
    assert problems[0].startswith(f"image file {stray} has no image in the database")
    assert f"has no file at {lost}" in problems[1]
    assert stray.exists(), "a file that may be another process's upload in flight is kept"
