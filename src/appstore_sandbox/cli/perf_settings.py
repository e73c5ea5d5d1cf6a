"""The performance test's settings as command-line options, shared by ``perf-test`` (one run)
and ``apps performance-test-config`` (every later run of the app)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])

# option name -> the setting's name in the API
SETTING_NAMES = {
    "concurrency": "maxConcurrentRequests",
    "total": "totalRequests",
    "duration": "totalDuration",
    "threshold_ms": "responseTimeThreshold",
    "success_rate": "successRateThreshold",
    "rate": "rate",
}


class RateParam(click.ParamType):  # type: ignore[type-arg,unused-ignore]
    """'even', 'max', or requests per second (a float)."""

    name = "even|max|NUMBER"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, float) or value in ("even", "max"):
            return value
        try:
            number = float(value)
        except ValueError:
            number = math.nan
        if not math.isfinite(number) or number <= 0:
            self.fail(f"{value!r} is not 'even', 'max' or a positive number", param, ctx)
        return number


def settings_options(func: F) -> F:
    """The six settings as options, each ``None`` when not given."""
    options = [
        click.option(
            "--concurrency", type=int, default=None, metavar="N", help="maxConcurrentRequests."
        ),
        click.option("--total", type=int, default=None, metavar="N", help="totalRequests."),
        click.option(
            "--duration", type=int, default=None, metavar="MS", help="totalDuration in ms."
        ),
        click.option(
            "--threshold-ms",
            type=int,
            default=None,
            metavar="MS",
            help="responseTimeThreshold in ms.",
        ),
        click.option(
            "--success-rate", type=int, default=None, metavar="PCT", help="Percent to pass."
        ),
        click.option(
            "--rate", type=RateParam(), default=None, help="Pacing: even, max or requests/s."
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def settings_body(options: dict[str, Any]) -> dict[str, Any]:
    """The settings given, by their API names (unset options are left out)."""
    return {
        api_name: options[name]
        for name, api_name in SETTING_NAMES.items()
        if options.get(name) is not None
    }
