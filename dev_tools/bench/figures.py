"""This machine's raw limits as report rows (the rest of the bench compares with them)."""

from __future__ import annotations

from dataclasses import dataclass

from dev_tools.bench.raw import Latencies, Rate
from dev_tools.bench.report import Figure

RAW = "Raw limits"


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
