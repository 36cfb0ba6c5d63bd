"""Runs every measurement in turn against the local stack and assembles the report."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import aiohttp
import asyncpg
from rich.progress import Progress

from dev_tools.bench import raw
from dev_tools.bench.busy_storm import storm_under_load
from dev_tools.bench.drafting import commands_to_projection, http_at_fixed_rate
from dev_tools.bench.figures import RawResults
from dev_tools.bench.http_client import gateway_session
from dev_tools.bench.lifecycle import LifecycleResult, lifecycles
from dev_tools.bench.lifecycle_kafka import lifecycles_over_kafka
from dev_tools.bench.machine import conditions, cpu_times, load_average, machine, postgres_settings
from dev_tools.bench.peer import PEER, measure_peer, peer_version
from dev_tools.bench.pipeline_figures import Results, WarmUp, all_figures, failures, targets
from dev_tools.bench.preflight import check_stack
from dev_tools.bench.rebuild import measure as measure_rebuild
from dev_tools.bench.report import Report
from dev_tools.bench.stack_procs import (
    cpu_seconds,
    cpu_used,
    largest,
    memory,
    own_and_reaped_seconds,
    own_seconds,
    stack_pids,
    without_bench_backend,
)
from dev_tools.bench.targets import Target
from services.kit.settings import Settings


@dataclass(frozen=True)
class BenchConfig:
    """How much of each measurement to do."""

    messages: int = 20_000  # N: Kafka loop records, also the COPY rows
    commands: int = 2_000  # M: CreateDraft commands
    # CreateDrafts through the same path first, not counted, their figures printed apart: the
    # first commands after a start warm up connections, caches and the broker's JIT. The JIT
    # takes longer than any warm-up worth its time (docs/benchmarks.md, "A warm-up, and what a
    # broker's first minutes cost"): 10,000 were measured and saved no more than 2,000.
    warm_up_commands: int = 2_000
    requests: int = 500  # K: HTTP write-then-read requests at `rate`
    rate: float = 50.0  # HTTP requests started per second
    requests_high: int = 1_500  # HTTP requests at `rate_high`
    rate_high: float = 300.0
    round_trips: int = 200  # single-record Kafka round trips
    commits: int = 2_000  # single-row PostgreSQL commits
    peer_aggregates: int = 2_000  # the peer's create+save
    lifecycles: int = 1_000  # whole releases
    concurrency: int = 100  # whole releases in flight (create → embargo set)
    embargo_ahead_s: float = 1.0  # each release's lift_at, from its SetEmbargo
    kafka_lifecycles: int = 2_000  # whole releases driven by signed Kafka commands
    kafka_concurrency: int = 200  # of those in flight (create → embargo set)
    storm_releases: int = 1_000
    storm_lead_s: float = 30.0  # the load slows the set-up down
    load_rate: float = 50.0  # HTTP writes/s during the storm
    rebuild_events: int = 100_000  # as `pressroom bench-rebuild`

    def with_overrides(self, **overrides: Any) -> BenchConfig:
        """This config with every option the user gave (not None) replacing its default."""
        return dataclasses.replace(self, **{k: v for k, v in overrides.items() if v is not None})

    def describe(self, settings: Settings) -> dict[str, str]:
        """The settings section of the report."""
        return {
            "N (Kafka loop records, COPY rows)": f"{self.messages:,} x {raw.VALUE_BYTES} B",
            "M (CreateDraft commands, signed, straight to Kafka)": f"{self.commands:,}",
            "Warm-up (CreateDrafts first, the same way; not counted, printed apart)": (
                f"{self.warm_up_commands:,}"
            ),
            "Peer": f"{PEER} {peer_version()}: {self.peer_aggregates:,} aggregates created+saved",
            "HTTP write → read (open loop)": (
                f"{self.requests:,} at {self.rate:g}/s,"
                f" {self.requests_high:,} at {self.rate_high:g}/s"
            ),
            "Lifecycles (over HTTP)": (
                f"{self.lifecycles:,}, {self.concurrency} in flight,"
                f" embargoed {self.embargo_ahead_s:g} s ahead"
            ),
            "Lifecycles (signed commands on Kafka)": (
                f"{self.kafka_lifecycles:,}, {self.kafka_concurrency} in flight,"
                f" embargoed {self.embargo_ahead_s:g} s ahead"
            ),
            "Storm": (
                f"{self.storm_releases:,} lifts {self.storm_lead_s:g} s ahead, HTTP load at"
                f" {self.load_rate:g}/s meanwhile"
            ),
            "Rebuild (a topic and a shadow schema of its own)": f"{self.rebuild_events:,} events",
            "Kafka round trips / PostgreSQL single-row commits": (
                f"{self.round_trips:,} / {self.commits:,}"
            ),
            "partitions": str(settings.topic_partitions),
        }


QUICK = BenchConfig(
    messages=2_000, commands=200, warm_up_commands=100, requests=50, requests_high=60,
    round_trips=50, commits=200,
    peer_aggregates=100, lifecycles=5, concurrency=5, kafka_lifecycles=20, kafka_concurrency=10,
    storm_releases=50, storm_lead_s=20.0,
    rebuild_events=5_000,
)  # fmt: skip


async def measure_raw(
    settings: Settings, config: BenchConfig, conn: asyncpg.Connection, progress: Progress
) -> RawResults:
    """Kafka first (loop, then round trips on the same topic), then PostgreSQL."""
    bootstrap, partitions = settings.kafka_bootstrap, settings.topic_partitions
    producer = raw.kafka_producer(bootstrap)
    await producer.start()
    try:
        async with raw.bench_topic(bootstrap, partitions) as topic:
            consumer = await raw.topic_consumer(bootstrap, topic, partitions)
            try:
                loop = await raw.kafka_loop(producer, consumer, topic, config.messages, progress)
                trips = await raw.kafka_round_trips(
                    producer, consumer, topic, config.round_trips, progress
                )
            finally:
                await consumer.stop()
    finally:
        await producer.stop()
    async with raw.bench_table(conn) as table:
        copy = await raw.pg_copy(conn, table, config.messages, progress)
        commits, latency = await raw.pg_commits(conn, table, config.commits, progress)
    return RawResults(loop, trips, copy, commits, latency)


async def measure_pipeline(
    settings: Settings, config: BenchConfig, conn: asyncpg.Connection, progress: Progress
) -> tuple[raw.Rate, dict[str, float], float]:
    """CreateDrafts into the read model, with the CPU every stack process used meanwhile; the
    bench's own (its Python and its PostgreSQL backend, which polls the read model) apart."""
    pids = stack_pids(settings)
    backend = conn.get_server_pid()
    producer = raw.kafka_producer(settings.kafka_bootstrap)
    await producer.start()
    try:
        stack_before, own_before = cpu_seconds(pids), own_seconds()
        polled_before = own_and_reaped_seconds(backend) or 0.0
        commands = await commands_to_projection(producer, conn, config.commands, progress)
        stack_after, own_after = cpu_seconds(pids), own_seconds()
        polled = (own_and_reaped_seconds(backend) or 0.0) - polled_before
    finally:
        await producer.stop()
    used = without_bench_backend(cpu_used(stack_before, stack_after), polled)
    return commands, used, own_after - own_before + polled


async def with_stack_cpu(
    settings: Settings, conn: asyncpg.Connection, run: Awaitable[LifecycleResult]
) -> LifecycleResult:
    """Whole releases, with the CPU every stack process used meanwhile (the bench's backend,
    which polls the public feed, left out as in the pipeline)."""
    pids, backend = stack_pids(settings), conn.get_server_pid()
    before, polled_before = cpu_seconds(pids), own_and_reaped_seconds(backend) or 0.0
    life = await run
    polled = (own_and_reaped_seconds(backend) or 0.0) - polled_before
    used = without_bench_backend(cpu_used(before, cpu_seconds(pids)), polled)
    return dataclasses.replace(life, cpu=used)


async def measure(
    settings: Settings, config: BenchConfig, conn: asyncpg.Connection,
    client: aiohttp.ClientSession, progress: Progress,
) -> Results:  # fmt: skip
    """The warm-up first, then each section in turn; the storm last, with a load beside it."""
    warm_up = dataclasses.replace(config, commands=config.warm_up_commands)
    warm_commands, warm_cpu, _ = await measure_pipeline(settings, warm_up, conn, progress)
    raw_results = await measure_raw(settings, config, conn, progress)
    peer = await measure_peer(settings, config.peer_aggregates, progress)
    commands, cpu, bench_cpu = await measure_pipeline(settings, config, conn, progress)
    memory_after_commands = memory(stack_pids(settings))
    http = await http_at_fixed_rate(client, config.requests, config.rate, progress)
    high = await http_at_fixed_rate(client, config.requests_high, config.rate_high, progress)
    life = await with_stack_cpu(settings, conn, lifecycles(
        settings, conn, config.lifecycles, config.concurrency, progress, config.embargo_ahead_s,
    ))  # fmt: skip
    life_kafka = await with_stack_cpu(settings, conn, lifecycles_over_kafka(
        settings, conn, config.kafka_lifecycles, config.kafka_concurrency, progress,
        config.embargo_ahead_s,
    ))  # fmt: skip
    storm, load = await storm_under_load(
        settings.kafka_bootstrap, client, config.storm_releases, config.storm_lead_s,
        config.load_rate, progress,
    )  # fmt: skip
    rss = largest(memory_after_commands, memory(stack_pids(settings)))
    rebuilt = await measure_rebuild(settings, config.rebuild_events, progress)
    return Results(
        raw_results,
        peer,
        commands,
        cpu,
        bench_cpu,
        http,
        high,
        life,
        rss,
        storm,
        load,
        rebuilt,
        life_kafka,
        WarmUp(warm_commands, warm_cpu),
    )


async def run_bench(settings: Settings, config: BenchConfig, progress: Progress) -> BenchRun:
    """Everything, in order; the machine's load is read before and after."""
    peer_version()  # missing: says what to install before anything is measured
    load_before, cpu_before = load_average(), cpu_times()
    async with gateway_session(settings) as client:
        await check_stack(settings, client)
        conn = await asyncpg.connect(settings.pg_dsn)
        try:
            pg = await postgres_settings(conn)
            results = await measure(settings, config, conn, client, progress)
        finally:
            await conn.close()
    report = Report(
        title=f"pressroom bench, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        machine=machine(settings, pg) | conditions(load_before, cpu_before),
        settings=config.describe(settings),
        figures=all_figures(results, config.rate, config.rate_high),
    )
    return BenchRun(report, targets(results, config.rate, config.rate_high), failures(results))


@dataclass(frozen=True)
class BenchRun:
    report: Report
    targets: list[Target]
    failures: list[str]  # the first failure of each section that had any
