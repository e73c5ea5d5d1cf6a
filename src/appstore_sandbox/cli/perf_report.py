"""Rendering a finished performance test report: text (rich markup), JSON, JUnit XML.

The input is the control surface's report (``perftest.report.PerformanceTestReport``): Apple's
result object under ``result`` plus the sandbox's extras (examples, histogram, note, progress).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any

from rich.markup import escape
from rich.text import Text

PASS = "PASS"
BAR_WIDTH = 40
TIMED_OUT_LABEL = "timed out"
EXAMPLES_SHOWN = 3
JUNIT_SUITE = "appstore-sandbox performance test"
JUNIT_CLASS = "appstore-sandbox.perf-test"
JSON_KEYS = (
    "requestId",
    "result",
    "examples",
    "histogram",
    "note",
    "done",
    "elapsedMs",
    "catalogProblems",
    "responseTimesUs",
    "engine",
)
CLOCKS = {
    "kernel": "kernel receive timestamps",
    "user": "the engine's own clock (no kernel timestamps on this system)",
}

REASON_HINTS = {
    "TIMED_OUT": "Answer within {threshold} ms; the budget includes your signature verification "
    "and any database or network work.",
    "UNSUCCESSFUL_HTTP_RESPONSE_CODE": "Only HTTP 200 counts; your server's log has the error "
    "behind this status.",
    "INVALID_RESPONSE": "The body must be a RealtimeResponseBody with exactly one of message, "
    "alternateProduct, promotionalOffer, advancedCommerceInfo (with strict response checks, "
    "one that fits the app's catalog too).",
    "NO_RESPONSE": "Nothing is listening at the URL: is your server running on that host and port?",
    "PREMATURE_CLOSE": "Your server closed the connection before finishing the response "
    "(a crash, a killed worker, a wrong Content-Length?).",
    "TLS_ISSUE": "The TLS handshake failed: check the certificate chain, host name and expiry.",
    "SOCKET_ISSUE": "The connection failed below HTTP (DNS, unreachable host, reset): check the "
    "host name, port and firewall.",
    "CIRCULAR_REDIRECT": "The URL redirects in a loop; configure the final URL itself.",
    "UNSUPPORTED_CHARSET": "Reply in UTF-8 (Content-Type: application/json; charset=utf-8).",
    "OTHER": "An unexpected failure; the explanations below say what the sandbox saw.",
}

_EIGHTHS = " ▏▎▍▌▋▊▉"
# Characters XML 1.0 cannot carry; explanations may quote arbitrary bytes of a reply.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def json_report(report: dict[str, Any]) -> dict[str, Any]:
    return {key: report.get(key) for key in JSON_KEYS}


def text_lines(report: dict[str, Any]) -> list[str]:
    """The whole report as lines of rich markup."""
    result = report["result"]
    threshold = result["config"]["responseTimeThreshold"]
    return [
        *headline_lines(report),
        "",
        *apple_numbers_lines(report),
        "",
        *histogram_lines(report["histogram"], threshold, _timed_out(report)),
        *_blank_before(failure_lines(report)),
        *_blank_before(catalog_lines(report)),
        "",
        _next_step(result["result"] == PASS),
    ]


def plain(lines: list[str]) -> str:
    return "\n".join(Text.from_markup(line).plain for line in lines)


def headline_lines(report: dict[str, Any]) -> list[str]:
    result = report["result"]
    style = "bold green" if result["result"] == PASS else "bold red"
    total = result["config"]["totalRequests"]
    lines = [
        f"[{style}]{result['result']}[/]  {success_rate_summary(result)} required  "
        f"({report['successes']} of {total} requests succeeded)",
        f"  target     {escape(result['target'])}",
        f"  app        {escape(report['bundleId'])}  "
        f"originalTransactionId {report['originalTransactionId']}",
        f"  requestId  {report['requestId']}",
        f"  elapsed    {_duration(report['elapsedMs'])}",
    ]
    if report.get("note"):
        lines.append(f"  [yellow]note       {escape(report['note'])}[/]")
    if report.get("recordsPruned"):
        lines.append(
            f"  [dim]records    {report['recordsPruned']} per-request records were pruned "
            "(appstore-sandbox prune); the numbers are kept[/]"
        )
    return lines


def success_rate_summary(result: dict[str, Any]) -> str:
    rate, needed = result["successRate"], result["config"]["successRateThreshold"]
    return f"successRate {rate}% {'≥' if rate >= needed else '<'} {needed}%"


def apple_numbers_lines(report: dict[str, Any]) -> list[str]:
    result = report["result"]
    config, times = result["config"], result["responseTimes"]
    failed = report["done"] - report["successes"]
    return [
        "[bold]Apple's result[/]",
        f"  requests        {config['totalRequests']} total · {report['successes']} succeeded · "
        f"{failed} failed · {result['numPending']} pending",
        f"  response times  average {times['average']} ms · "
        + " · ".join(f"{name} {times[name]} ms" for name in ("p50", "p90", "p95", "p99")),
        f"  config          {config['maxConcurrentRequests']} concurrent · "
        f"{config['totalRequests']} requests in {_duration(config['totalDuration'])} · "
        f"threshold {config['responseTimeThreshold']} ms · "
        f"{config['successRateThreshold']}% must succeed · pacing {report.get('rate', 'even')}",
        *measurement_lines(report.get("engine") or {}),
    ]


def measurement_lines(engine: dict[str, Any]) -> list[str]:
    """Which clock measured, and how far the generator fell behind its schedule (send lag)."""
    if "clock" not in engine:
        return []
    lag = engine["sendLagMs"]
    return [
        f"  measured by     engine process {engine['pid']} with {CLOCKS[engine['clock']]}",
        f"  send lag        p50 {lag['p50']:.2f} ms · p99 {lag['p99']:.2f} ms · "
        f"max {lag['max']:.2f} ms (how late requests left against the schedule)",
    ]


def histogram_lines(
    buckets: list[dict[str, int]], threshold_ms: int, timed_out: int = 0, width: int = BAR_WIDTH
) -> list[str]:
    """Horizontal bars per latency bucket of the answers, scaled to the largest, threshold
    bucket marked; time-outs (no answer to measure) in a row of their own."""
    counts = [bucket["count"] for bucket in buckets]
    used = [index for index, count in enumerate(counts) if count]
    if not used and not timed_out:
        return ["[bold]Latency[/]  no response times recorded (no request reached the server)"]
    peak = max([*counts, timed_out])
    marked = _threshold_bucket(buckets, threshold_ms)
    # Time-outs come right after the threshold: its bucket is shown, even empty, above them.
    ends = [*used, marked] if timed_out else used
    shown = range(min(ends), max(ends) + 1)
    labels = [_bucket_label(buckets, index) for index in shown]
    label_width = max(len(label) for label in [*labels, TIMED_OUT_LABEL if timed_out else ""])
    count_width = len(str(peak))
    lines = ["[bold]Latency[/] (every answer read; time-outs apart)"]
    for index, label in zip(shown, labels, strict=True):
        bar = _bar_markup(buckets, index, threshold_ms, width, peak, marked=index == marked)
        count = str(counts[index]).rjust(count_width)
        lines.append(f"  {label.ljust(label_width)}  {count}  {bar}".rstrip())
    if timed_out:
        bar = _bar(timed_out, peak, width)
        lines.append(
            f"  {TIMED_OUT_LABEL.ljust(label_width)}  {str(timed_out).rjust(count_width)}  "
            f"[red]{bar}[/]{' ' * (width - len(bar))} no complete answer within {threshold_ms} ms"
        )
    if marked not in shown:
        lines.append(f"  threshold {threshold_ms} ms: {_threshold_side(marked, used)}")
    return lines


def _bar_markup(
    buckets: list[dict[str, int]],
    index: int,
    threshold_ms: int,
    width: int,
    peak: int,
    marked: bool,
) -> str:
    bar = _bar(buckets[index]["count"], peak, width)
    markup = f"[{_bucket_style(buckets, index, threshold_ms)}]{bar}[/]" if bar else ""
    if marked:
        markup += f"{' ' * (width - len(bar))} ◀ threshold {threshold_ms} ms"
    return markup


def failure_lines(report: dict[str, Any]) -> list[str]:
    failures: dict[str, int] = report["result"]["failures"]
    if not failures:
        return []
    threshold = report["result"]["config"]["responseTimeThreshold"]
    lines = ["[bold]Failures[/] (sendAttemptResult: count)"]
    for reason, count in sorted(failures.items(), key=lambda item: (-item[1], item[0])):
        hint = REASON_HINTS.get(reason, REASON_HINTS["OTHER"]).format(threshold=threshold)
        lines += [f"  [red]{reason}[/]  {count}", f"    [dim]{escape(hint)}[/]"]
        for example in report["examples"].get(reason, [])[:EXAMPLES_SHOWN]:
            lines += _example_lines(example)
    return lines


def catalog_lines(report: dict[str, Any]) -> list[str]:
    """Replies that don't fit the app's catalog (missing or unapproved message, bad offer...)."""
    catalog = report.get("catalogProblems") or {}
    if not catalog.get("count"):
        return []
    strict = catalog.get("mode") == "strict"
    effect = "counted as INVALID_RESPONSE" if strict else "not counted as failures"
    lines = [
        f"[bold]Catalog problems[/]  {catalog['count']} ({catalog.get('mode')} mode: {effect})"
    ]
    for example in catalog.get("examples", [])[:EXAMPLES_SHOWN]:
        lines += [
            f"    · request #{example['sequence']} · {escape(example['problem'])}",
            f"      [dim]requestIdentifier {example['requestIdentifier']}[/]",
        ]
    if not strict:
        lines.append(
            "    [dim]Apple shows the default message instead of such a reply; make them fail "
            "the test with: appstore-sandbox apps set-response-checks --mode strict[/]"
        )
    return lines


def junit_xml(report: dict[str, Any]) -> bytes:
    """One suite, one test case; a ``<failure>`` when the test did not pass."""
    result = report["result"]
    failed = result["result"] != PASS
    seconds = f"{report['elapsedMs'] / 1000:.3f}"
    suite = ET.Element(
        "testsuite",
        {"name": JUNIT_SUITE, "tests": "1", "failures": str(int(failed))}
        | {"errors": "0", "skipped": "0", "time": seconds},
    )
    name = _xml_safe(f"{report['bundleId']} {result['target']}")
    case = ET.SubElement(suite, "testcase", classname=JUNIT_CLASS, name=name, time=seconds)
    if failed:
        failure = ET.SubElement(case, "failure", message=_failure_message(report), type="FAIL")
        failure.text = _xml_safe(plain(failure_lines(report) or ["no failed requests"]))
    summary = [*headline_lines(report), *apple_numbers_lines(report)]
    threshold = result["config"]["responseTimeThreshold"]
    histogram = histogram_lines(report["histogram"], threshold, _timed_out(report))
    ET.SubElement(case, "system-out").text = _xml_safe(plain([*summary, *histogram]))
    xml: bytes = ET.tostring(suite, encoding="utf-8", xml_declaration=True)
    return xml


def _failure_message(report: dict[str, Any]) -> str:
    note = report.get("note")
    message = success_rate_summary(report["result"]) + (f" ({note})" if note else "")
    return _xml_safe(message)


def _example_lines(example: dict[str, Any]) -> list[str]:
    if example.get("sequence") is None:  # stands for the requests a closed run never finished
        return [f"    · {escape(example['explanation'])}"]
    status = f"HTTP {example['httpStatus']}" if example.get("httpStatus") else "no HTTP status"
    latency = "" if example.get("latencyMs") is None else f" · {example['latencyMs']} ms"
    return [
        f"    · request #{example['sequence']} · {status}{latency} · "
        f"{escape(example['explanation'] or '(no explanation)')}",
        f"      [dim]requestIdentifier {example['requestIdentifier']}[/]",
    ]


def _timed_out(report: dict[str, Any]) -> int:
    return int(report["result"]["failures"].get("TIMED_OUT", 0))


def _bucket_label(buckets: list[dict[str, int]], index: int) -> str:
    edge = buckets[index]["upToMs"]
    if edge == -1:
        return f"> {buckets[index - 1]['upToMs']} ms" if index else "all"
    return f"≤ {edge} ms"


def _bucket_bounds(buckets: list[dict[str, int]], index: int) -> tuple[int, float]:
    low = buckets[index - 1]["upToMs"] if index else 0
    edge = buckets[index]["upToMs"]
    return low, float("inf") if edge == -1 else edge


def _threshold_bucket(buckets: list[dict[str, int]], threshold_ms: int) -> int:
    return next(
        index for index in range(len(buckets)) if threshold_ms <= _bucket_bounds(buckets, index)[1]
    )


def _bucket_style(buckets: list[dict[str, int]], index: int, threshold_ms: int) -> str:
    low, high = _bucket_bounds(buckets, index)
    if high <= threshold_ms:
        return "green"
    return "yellow" if low < threshold_ms else "red"


def _threshold_side(marked: int, used: list[int]) -> str:
    if marked > used[-1]:
        return "every measured response was well below it"
    return "every measured response was above it"


def _bar(count: int, peak: int, width: int) -> str:
    eighths = round(count * width * 8 / peak) if peak else 0
    if count and not eighths:
        eighths = 1
    full, rest = divmod(eighths, 8)
    return "█" * full + (_EIGHTHS[rest] if rest else "")


def _blank_before(lines: list[str]) -> list[str]:
    return ["", *lines] if lines else []


def _next_step(passed: bool) -> str:
    if passed:
        return (
            "[green]Next:[/] the production realtime URL can now be configured "
            "(Configure Realtime URL on the production host)."
        )
    return (
        "[red]Next:[/] fix the failures above and run the test again. A failed test closes "
        "nothing: the production realtime URL opens once a test passes, and stays open."
    )


def _duration(milliseconds: int) -> str:
    return f"{milliseconds} ms" if milliseconds < 1000 else f"{milliseconds / 1000:.1f} s"


def _xml_safe(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)
