"""The measurements as report rows, each drafting figure next to the raw figure it is bounded by."""

from __future__ import annotations

from dataclasses import dataclass

from dev_tools.bench.drafting import HttpResult
from dev_tools.bench.raw import Latencies, Rate
from dev_tools.bench.report import Figure

RAW = "Raw limits"
DRAFTING = "Drafting"


@dataclass(frozen=True)
class RawResults:
    """This machine's raw limits."""

    kafka_loop: Rate
    kafka_round_trip: Latencies
    copy: Rate
    commits: Rate
    commit_latency: Latencies


def raw_figures(r: RawResults) -> list[Figure]:
    """The raw limits themselves: no counterpart."""
    trip, commit = r.kafka_round_trip, r.commit_latency
    return [
        Figure(RAW, "Kafka produce→consume loop (acks=all)", r.kafka_loop.per_second, "msg/s"),
        Figure(RAW, "Kafka 1-record round trip p50", trip.p(50), "ms"),
        Figure(RAW, "Kafka 1-record round trip p99", trip.p(99), "ms"),
        Figure(RAW, "PostgreSQL COPY", r.copy.per_second, "rows/s"),
        Figure(RAW, "PostgreSQL 1-row INSERT+COMMIT", r.commits.per_second, "commits/s"),
        Figure(RAW, "PostgreSQL 1-row commit p50", commit.p(50), "ms"),
        Figure(RAW, "PostgreSQL 1-row commit p99", commit.p(99), "ms"),
    ]


def command_figures(r: RawResults, commands: Rate) -> list[Figure]:
    """Commands/s into the read model against the Kafka loop and against one commit each."""
    name, rate = "Drafting: CreateDraft → projection row", commands.per_second
    return [
        Figure(DRAFTING, name, rate, "cmd/s", "Kafka loop", r.kafka_loop.per_second, "msg/s"),
        Figure(DRAFTING, name, rate, "cmd/s", "1-row commits", r.commits.per_second, "commits/s"),
    ]


def http_figures(r: RawResults, http: HttpResult, target_rate: float) -> list[Figure]:
    """Each latency percentile against the same percentile of a Kafka trip and of a commit."""
    out: list[Figure] = []
    for label, q in (("p50", 50.0), ("p99", 99.0), ("max", 100.0)):
        name, value = f"HTTP POST → GET 200, {label}", http.latencies.p(q)
        trip, commit = r.kafka_round_trip.p(q), r.commit_latency.p(q)
        out.append(Figure(DRAFTING, name, value, "ms", f"Kafka trip {label}", trip, "ms"))
        out.append(Figure(DRAFTING, name, value, "ms", f"1-row commit {label}", commit, "ms"))
    achieved, failed = http.achieved_rate, len(http.failures)
    sent = len(http.latencies.samples_ms) + failed
    out.append(
        Figure(DRAFTING, "HTTP achieved rate", achieved, "req/s", "target", target_rate, "req/s")
    )
    out.append(Figure(DRAFTING, "HTTP failed requests", failed, "", "requests sent", sent, ""))
    return out


def figures(r: RawResults, commands: Rate, http: HttpResult, target_rate: float) -> list[Figure]:
    """Every row of the results table, raw limits first."""
    return [*raw_figures(r), *command_figures(r, commands), *http_figures(r, http, target_rate)]
