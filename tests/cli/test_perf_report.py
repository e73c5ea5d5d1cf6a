"""The text histogram of a performance test report, in process."""

from __future__ import annotations

from appstore_sandbox.cli.perf_report import histogram_lines, plain


def _buckets(*counts: int) -> list[dict[str, int]]:
    edges = (100, 150, 200, -1)
    return [{"upToMs": edge, "count": count} for edge, count in zip(edges, counts, strict=True)]


def test_time_outs_get_a_row_of_their_own_below_the_answers() -> None:
    lines = plain(histogram_lines(_buckets(3, 1, 0, 0), 150, timed_out=2, width=8)).splitlines()
    assert lines == [
        "Latency (every answer read; time-outs apart)",
        "  ≤ 100 ms   3  ████████",
        "  ≤ 150 ms   1  ██▋      ◀ threshold 150 ms",
        "  timed out  2  █████▍   no complete answer within 150 ms",
    ]


def test_a_run_where_everything_timed_out_shows_the_threshold_above_the_time_outs() -> None:
    lines = plain(histogram_lines(_buckets(0, 0, 0, 0), 150, timed_out=5, width=4)).splitlines()
    assert lines == [
        "Latency (every answer read; time-outs apart)",
        "  ≤ 150 ms   0       ◀ threshold 150 ms",
        "  timed out  5  ████ no complete answer within 150 ms",
    ]


def test_fast_answers_and_time_outs_show_the_buckets_up_to_the_threshold() -> None:
    lines = plain(histogram_lines(_buckets(4, 0, 0, 0), 150, timed_out=4, width=4)).splitlines()
    assert lines == [
        "Latency (every answer read; time-outs apart)",
        "  ≤ 100 ms   4  ████",
        "  ≤ 150 ms   0       ◀ threshold 150 ms",
        "  timed out  4  ████ no complete answer within 150 ms",
    ]


def test_no_answers_and_no_time_outs_say_nothing_reached_the_server() -> None:
    lines = plain(histogram_lines(_buckets(0, 0, 0, 0), 150)).splitlines()
    assert lines == ["Latency  no response times recorded (no request reached the server)"]
