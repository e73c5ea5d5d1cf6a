"""Reset: the sandbox back to its first-start state, with its certificate chain and, unless
asked otherwise, its default key.

Everything an app owns (products, offers, keys, purchases, messages, images and their files,
default messages, realtime and notification URLs, notifications and their attempts,
performance-test settings, runs and records) goes with the apps; then the clock's offset, the
rate-limit windows and the faults set. The default app comes back with a new purchase; with
``keep_keys`` it also keeps its appAppleId and keys (same key ids, same .p8 files), and its
default key comes back even if it was deleted (the database keeps it), so a client made before
the reset still authenticates.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass

from appstore_sandbox.defaults import DEFAULT_BUNDLE_ID
from appstore_sandbox.errors import Conflict
from appstore_sandbox.keyfiles import key_file
from appstore_sandbox.sandbox import Sandbox, create_defaults, default_key
from appstore_sandbox.store import ApiKey, App

INTERRUPTED = "interrupted: the sandbox was reset while the test was running"


@dataclass(frozen=True)
class ResetSummary:
    apps_removed: int
    runs_interrupted: int
    keys_kept: bool


def reset_sandbox(sandbox: Sandbox, keep_keys: bool = True, force: bool = False) -> ResetSummary:
    """Refused (409) while a performance test runs, unless ``force`` stops this process's runs.

    Resets run one at a time, across the processes sharing the database: interleaved, one
    re-made the default app while another deleted it or made it too (409, or a 500).
    """
    with sandbox.store.defaults_lock():
        return _reset(sandbox, keep_keys, force)


def _reset(sandbox: Sandbox, keep_keys: bool, force: bool) -> ResetSummary:
    running = sandbox.performance_tests.running()
    if running and not force:
        raise Conflict(
            f"{running} performance test(s) running; wait for them to finish, or reset with "
            "force (they end FAIL)."
        )
    interrupted = sandbox.performance_tests.interrupt_all(INTERRUPTED) if running else 0
    default_app = sandbox.store.app_by_bundle_id(DEFAULT_BUNDLE_ID)
    keys = _kept_keys(sandbox, default_app) if keep_keys else []
    removed = sandbox.store.delete_apps()
    _remove_files(sandbox, kept_key_ids={key.key_id for key in keys})
    sandbox.control.clock.reset()  # for every process on the database
    sandbox.rate_limiter.clear()
    sandbox.faults.clear()
    create_defaults(sandbox, default_app.app_apple_id if keys and default_app else None, keys)
    return ResetSummary(removed, interrupted, bool(keys))


def _kept_keys(sandbox: Sandbox, default_app: App | None) -> list[ApiKey]:
    """The default app's keys, with its default key even if it was deleted since."""
    keys = sandbox.store.keys(default_app.id) if default_app else []
    default = default_key(sandbox)
    if default is not None and default.key_id not in {key.key_id for key in keys}:
        keys.append(default)
    return keys


def _remove_files(sandbox: Sandbox, kept_key_ids: set[str]) -> None:
    settings = sandbox.settings
    shutil.rmtree(settings.images_dir, ignore_errors=True)
    kept = {key_file(settings.keys_dir, key_id) for key_id in kept_key_ids}
    for path in settings.keys_dir.glob("*.p8"):
        if path not in kept:
            path.unlink(missing_ok=True)
