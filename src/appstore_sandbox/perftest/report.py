"""The sandbox's full report of a run: Apple's result plus what Apple doesn't tell (progress,
failure examples, a latency histogram, catalog problems, how the engine measured)."""

from __future__ import annotations

from typing import Any, Self

from pydantic import BaseModel, Field

from appstore_sandbox.perftest.models import (
    PerformanceTestResponseTimes,
    PerformanceTestResultResponse,
)
from appstore_sandbox.perftest.service import RequestPage
from appstore_sandbox.perftest.stats import FailureExample
from appstore_sandbox.perftest.view import UNFINISHED, RunView
from appstore_sandbox.store import RequestRecord


def _absent(value: Any) -> bool:
    return value is None


class RequestResult(BaseModel):
    """One request of a run: how it was answered and why that counts as it does."""

    sequence: int | None = Field(
        description="The request's number in the run; null for the example standing for the "
        "requests a closed run never sent or never got an answer to."
    )
    requestIdentifier: str
    sendAttemptResult: str
    httpStatus: int | None
    latencyMs: float | None
    explanation: str

    @classmethod
    def from_example(cls, example: FailureExample) -> Self:
        return cls(
            sequence=example.sequence,
            requestIdentifier=example.request_identifier,
            sendAttemptResult=example.result,
            httpStatus=example.http_status,
            latencyMs=example.latency_ms,
            explanation=example.explanation,
        )

    @classmethod
    def from_record(cls, record: RequestRecord) -> Self:
        latency_ms = None if record.latency_us is None else record.latency_us / 1000
        return cls(
            sequence=record.sequence,
            requestIdentifier=record.request_identifier,
            sendAttemptResult=record.result,
            httpStatus=record.http_status,
            latencyMs=latency_ms,
            explanation=record.explanation,
        )


def _unfinished_example(view: RunView) -> RequestResult:
    return RequestResult(
        sequence=None,
        requestIdentifier="",
        sendAttemptResult=UNFINISHED,
        httpStatus=None,
        latencyMs=None,
        explanation=view.unfinished_explanation(),
    )


def _examples(view: RunView) -> dict[str, list[RequestResult]]:
    examples = {
        reason: [RequestResult.from_example(example) for example in found]
        for reason, found in view.stats.examples.items()
    }
    if view.unfinished:
        examples.setdefault(UNFINISHED, []).insert(0, _unfinished_example(view))
    return dict(sorted(examples.items()))


class RequestResults(BaseModel):
    total: int = Field(description="How many requests match, over all pages.")
    requests: list[RequestResult]

    @classmethod
    def from_domain(cls, page: RequestPage) -> Self:
        return cls(total=page.total, requests=[RequestResult.from_record(r) for r in page.records])


class HistogramBucket(BaseModel):
    upToMs: int = Field(description="Upper edge in ms (inclusive); -1 for the open last bucket.")
    count: int


class CatalogProblemExample(BaseModel):
    sequence: int
    requestIdentifier: str
    problem: str


class CatalogProblems(BaseModel):
    mode: str = Field(description="warn or strict: whether a problem failed the request.")
    count: int
    examples: list[CatalogProblemExample]


class SendLag(BaseModel):
    """How late requests left against the even schedule, in ms."""

    p50: float
    p99: float
    max: float


class EngineFacts(BaseModel):
    """What the engine process said about itself; each fact is absent until it said it."""

    pid: int | None = Field(default=None, exclude_if=_absent)
    clock: str | None = Field(
        default=None, exclude_if=_absent, description="Which clock timed the requests."
    )
    peakRssKb: int | None = Field(default=None, exclude_if=_absent)
    sendLagMs: SendLag


class PerformanceTestReport(BaseModel):
    requestId: str
    bundleId: str
    originalTransactionId: str
    result: PerformanceTestResultResponse = Field(description="What Apple would answer.")
    rate: str | float
    done: int
    successes: int
    createdDate: int
    finishedDate: int | None
    elapsedMs: int
    note: str | None = Field(description="Why the run ended early, if it did.")
    examples: dict[str, list[RequestResult]] = Field(
        description="The first few failed requests per sendAttemptResult (under OTHER first, "
        "once the run is over, one standing for the requests it never finished)."
    )
    recordsPruned: int = Field(
        description="Per-request records deleted by pruning (the numbers above are kept)."
    )
    histogram: list[HistogramBucket]
    catalogProblems: CatalogProblems
    responseTimesUs: PerformanceTestResponseTimes = Field(description="Microseconds.")
    engine: EngineFacts

    @classmethod
    def from_domain(cls, view: RunView) -> Self:
        stats = view.stats
        return cls(
            requestId=view.run.request_id,
            bundleId=view.bundle_id,
            originalTransactionId=view.run.original_transaction_id,
            result=PerformanceTestResultResponse.from_domain(view),
            rate=view.config.rate,
            done=stats.done,
            successes=stats.successes,
            createdDate=view.run.created_ms,
            finishedDate=view.run.finished_ms,
            elapsedMs=view.elapsed_ms,
            note=view.run.note,
            examples=_examples(view),
            recordsPruned=view.run.records_pruned,
            histogram=[
                HistogramBucket(**bucket)
                for bucket in stats.histogram_buckets(view.histogram_edges())
            ],
            catalogProblems=CatalogProblems(**stats.catalog_problems()),
            responseTimesUs=PerformanceTestResponseTimes(**stats.response_times_us()),
            engine=EngineFacts(**stats.engine, sendLagMs=SendLag(**stats.send_lag_ms())),
        )
