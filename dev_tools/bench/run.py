"""Runs every measurement in turn against the local stack and assembles the report."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg
import httpx
from rich.progress import Progress

from dev_tools.bench import raw
from dev_tools.bench.drafting import HttpResult, commands_to_projection, http_at_fixed_rate
from dev_tools.bench.figures import RawResults, figures
from dev_tools.bench.machine import conditions, cpu_times, load_average, machine, postgres_settings
from dev_tools.bench.preflight import check_stack
from dev_tools.bench.report import Report
from services.kit.settings import Settings


@dataclass(frozen=True)
class BenchConfig:
    """How much of each measurement to do."""

    messages: int = 20_000  # N: Kafka loop records, also the COPY rows
    commands: int = 2_000  # M: CreateDraft commands
    requests: int = 500  # K: HTTP POST-then-GET requests
    rate: float = 50.0  # HTTP requests started per second
    round_trips: int = 200  # single-record Kafka round trips
    commits: int = 2_000  # single-row PostgreSQL commits

    def with_overrides(self, **overrides: Any) -> BenchConfig:
        """This config with every option the user gave (not None) replacing its default."""
        return dataclasses.replace(self, **{k: v for k, v in overrides.items() if v is not None})

    def describe(self, settings: Settings) -> dict[str, str]:
        """The settings section of the report."""
        return {
            "N (Kafka loop records, COPY rows)": f"{self.messages:,} x {raw.VALUE_BYTES} B",
            "M (CreateDraft commands)": f"{self.commands:,}",
            "K (HTTP requests)": f"{self.requests:,} at {self.rate:g}/s",
            "Kafka round trips / PostgreSQL single-row commits": (
                f"{self.round_trips:,} / {self.commits:,}"
            ),
            "partitions": str(settings.topic_partitions),
        }


QUICK = BenchConfig(messages=2_000, commands=200, requests=50, round_trips=50, commits=200)


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


async def measure_drafting(
    settings: Settings, config: BenchConfig, conn: asyncpg.Connection,
    client: httpx.AsyncClient, progress: Progress,
) -> tuple[raw.Rate, HttpResult]:  # fmt: skip
    """Command throughput into the read model, then HTTP write-then-read latency."""
    producer = raw.kafka_producer(settings.kafka_bootstrap)
    await producer.start()
    try:
        commands = await commands_to_projection(producer, conn, config.commands, progress)
    finally:
        await producer.stop()
    http = await http_at_fixed_rate(client, config.requests, config.rate, progress)
    return commands, http


def gateway_client(settings: Settings) -> httpx.AsyncClient:
    """As alice, the demo writer."""
    return httpx.AsyncClient(
        base_url=f"http://{settings.gateway_host}:{settings.gateway_port}",
        headers={"Authorization": "Bearer dev-alice"},
        timeout=30.0,
    )


async def run_bench(settings: Settings, config: BenchConfig, progress: Progress) -> Report:
    """Everything, in order; the machine's load is read before and after."""
    load_before, cpu_before = load_average(), cpu_times()
    async with gateway_client(settings) as client:
        await check_stack(settings, client)
        conn = await asyncpg.connect(settings.pg_dsn)
        try:
            pg = await postgres_settings(conn)
            raw_results = await measure_raw(settings, config, conn, progress)
            commands, http = await measure_drafting(settings, config, conn, client, progress)
        finally:
            await conn.close()
    return Report(
        title=f"pressroom bench, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        machine=machine(settings, pg) | conditions(load_before, cpu_before),
        settings=config.describe(settings),
        figures=figures(raw_results, commands, http, config.rate),
    )
