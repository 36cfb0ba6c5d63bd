"""The storm run from end to end: the stack checked, the storm measured, the figures reported."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import asyncpg
from rich.progress import Progress

from dev_tools.bench.embargo_storm import (
    PRESS_OFFICER,
    TARGET_MS,
    StormResults,
    produce,
    run_storm,
    storm_envelope,
)
from dev_tools.bench.machine import conditions, cpu_times, load_average, machine, postgres_settings
from dev_tools.bench.preflight import StackDown, check_kafka, check_postgres
from dev_tools.bench.report import Figure, Report
from dev_tools.bench.storm_tap import Tap
from events.embargo import CancelEmbargo
from services.kit.settings import Settings

SECTION = "Embargo storm"
EMBARGO_ANSWERS_S = 60.0


async def check_embargo(bootstrap: str) -> None:
    """The embargo service answers a command (a cancel of nothing is refused)."""
    probe = CancelEmbargo(release_id=f"storm-probe-{uuid.uuid4()}", actor=PRESS_OFFICER)
    envelope = storm_envelope(probe)
    async with Tap.running(bootstrap, set()) as tap:
        await produce(bootstrap, [envelope])
        try:
            await asyncio.wait_for(tap.answered(envelope.id), EMBARGO_ANSWERS_S)
        except TimeoutError as error:
            raise StackDown(
                f"the embargo service did not answer within {EMBARGO_ANSWERS_S:.0f} s:"
                " is it running (`pressroom ps`)?"
            ) from error


def storm_figures(r: StormResults) -> list[Figure]:
    """Each lateness percentile beside the bare asyncio timer's; then counts and the target."""
    out: list[Figure] = []
    for what, latencies in (("on the topic", r.on_topic), ("decided (lateness_ms)", r.decided)):
        for label, q in (("first", 0.0), ("p50", 50.0), ("p99", 99.0), ("max", 100.0)):
            out.append(
                Figure(SECTION, f"Lift {what}, {label}", latencies.p(q), "ms",
                       f"asyncio timer {label}", r.timers.p(q), "ms")
            )  # fmt: skip
    lifted = len(r.on_topic.samples_ms)
    out.append(Figure(SECTION, "Releases lifted", lifted, "", "embargoed", r.releases, ""))
    out.append(Figure(SECTION, "Lifted early", r.early, ""))
    out.append(Figure(SECTION, "Lifted twice", r.duplicates, ""))
    last = r.on_topic.p(100)
    out.append(Figure(SECTION, "Last lift on the topic", last, "ms", "target", TARGET_MS, "ms"))
    return out


def verdict(r: StormResults) -> str:
    lifted, last = len(r.on_topic.samples_ms), r.on_topic.p(100)
    summary = (
        f"{lifted:,} of {r.releases:,} lifted, {r.early} early, {r.duplicates} twice,"
        f" the last {last:,.0f} ms after lift_at"
    )
    held = "HELD" if r.held else "NOT HELD"
    return f"Target (all within {TARGET_MS:,.0f} ms, none early): {held} — {summary}"


async def run_storm_bench(
    settings: Settings, releases: int, lead_s: float, progress: Progress
) -> tuple[Report, StormResults]:
    load_before, cpu_before = load_average(), cpu_times()
    await check_postgres(settings)
    await check_kafka(settings)
    await check_embargo(settings.kafka_bootstrap)
    conn = await asyncpg.connect(settings.pg_dsn)
    try:
        pg = await postgres_settings(conn)
    finally:
        await conn.close()
    results = await run_storm(settings.kafka_bootstrap, releases, lead_s, progress)
    report = Report(
        title=f"pressroom bench storm, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        machine=machine(settings, pg) | conditions(load_before, cpu_before),
        settings={
            "releases embargoed to one instant": f"{releases:,} (approval noted first)",
            "lift_at": f"{results.lift_at.isoformat()} ({lead_s:g} s after the start)",
            "bare timers": f"{releases:,} loop.call_at for the same instant, in a process apart",
            "partitions": str(settings.topic_partitions),
        },
        figures=storm_figures(results),
    )
    return report, results
