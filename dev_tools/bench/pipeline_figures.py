"""Issue 15's figures as report rows, each beside the raw limit or the peer it is bounded by, and
as targets (measured against the goal)."""

from __future__ import annotations

from dataclasses import dataclass

from dev_tools.bench.busy_storm import LoadResult
from dev_tools.bench.drafting import HttpResult
from dev_tools.bench.embargo_storm import TARGET_MS, StormResults
from dev_tools.bench.figures import RawResults, raw_figures
from dev_tools.bench.lifecycle import LifecycleResult
from dev_tools.bench.peer import PEER
from dev_tools.bench.raw import Rate
from dev_tools.bench.rebuild import TARGET_SHARE, RebuildResults
from dev_tools.bench.rebuild import figures as rebuild_figures
from dev_tools.bench.report import Figure
from dev_tools.bench.stack_procs import KAFKA, Memory
from dev_tools.bench.storm_report import storm_figures
from dev_tools.bench.targets import Target

PEER_SECTION, PIPELINE, LATENCY = "Peer", "Pipeline", "Latency"
LIFECYCLE, COST, MEMORY, STORM = "Lifecycle", "Cost", "Memory", "Storm"
PEER_MULTIPLE = 3.0
LIFECYCLE_TARGET = 200.0
RSS_TARGET_MB = 150.0
CPU_TARGET_MS = 1.0
REBUILD_PYTHON_US = 30.0
# The two ways the lifecycle is driven: people's HTTP requests, tools' signed Kafka commands.
OVER_HTTP, OVER_KAFKA = "over HTTP", "over Kafka"
PERCENTILES = (("p50", 50.0), ("p99", 99.0), ("max", 100.0))


def ms_per_command(cpu_seconds: float, commands: Rate) -> float:
    """CPU seconds spread over the commands of a run, in ms a command (0 for a run of none)."""
    return cpu_seconds / commands.count * 1000 if commands.count else 0.0


@dataclass(frozen=True)
class WarmUp:
    """The CreateDrafts sent before anything is measured, and the CPU they took: the first
    commands after the stack starts cost the broker its JIT's compiling."""

    commands: Rate
    cpu: dict[str, float]

    @property
    def cpu_ms_per_command(self) -> float:
        return ms_per_command(sum(self.cpu.values()), self.commands)


@dataclass(frozen=True)
class Results:
    """Everything one `pressroom bench` run measured."""

    raw: RawResults
    peer: Rate
    commands: Rate
    cpu: dict[str, float]  # CPU seconds per stack process while the commands ran
    bench_cpu: float  # its own CPU meanwhile, its PostgreSQL backend too (not the stack's)
    http: HttpResult
    http_high: HttpResult
    lifecycle: LifecycleResult  # over HTTP
    memory: list[Memory]
    storm: StormResults | None  # None: it could not be set up (load.storm_failed says why)
    load: LoadResult
    rebuild: RebuildResults
    lifecycle_kafka: LifecycleResult  # the same steps as signed commands on Kafka
    warm_up: WarmUp

    def floor_ms(self, q: float) -> float:
        """One Kafka round trip plus one PostgreSQL commit, at the same percentile."""
        return self.raw.kafka_round_trip.p(q) + self.raw.commit_latency.p(q)

    @property
    def cpu_ms_per_command(self) -> float:
        return ms_per_command(sum(self.cpu.values()), self.commands)


def pipeline_figures(r: Results) -> list[Figure]:
    name, rate = "CreateDraft → read model", r.commands.per_second
    peer = r.peer.per_second
    return [
        Figure(PEER_SECTION, f"{PEER}: create+save (1 per transaction)", peer, "agg/s"),
        Figure(PIPELINE, name, rate, "cmd/s", f"peer ({PEER})", peer, "agg/s"),
        Figure(PIPELINE, name, rate, "cmd/s", "Kafka loop", r.raw.kafka_loop.per_second, "msg/s"),
        Figure(PIPELINE, name, rate, "cmd/s", "1-row commits", r.raw.commits.per_second, "/s"),
        Figure(PIPELINE, f"{name}, the warm-up before (not a target)",
               r.warm_up.commands.per_second, "cmd/s"),
    ]  # fmt: skip


def latency_figures(http: HttpResult, rate: float, r: Results) -> list[Figure]:
    """Each percentile beside the floor (a Kafka round trip + a commit) at that percentile."""
    out = []
    for label, q in PERCENTILES:
        name, value = f"HTTP write → read model at {rate:g}/s, {label}", http.latencies.p(q)
        out.append(Figure(LATENCY, name, value, "ms", f"floor {label}", r.floor_ms(q), "ms"))
    sent = len(http.latencies.samples_ms) + len(http.failures)
    achieved = f"HTTP achieved rate (asked {rate:g}/s)"
    out.append(Figure(LATENCY, achieved, http.achieved_rate, "req/s", "asked", rate, "req/s"))
    out.append(Figure(LATENCY, "HTTP failed requests", len(http.failures), "", "sent", sent, ""))
    return out


def lifecycle_figures(life: LifecycleResult, how: str) -> list[Figure]:
    name = f"Whole releases {how} → public feed, sustained"
    out = [Figure(LIFECYCLE, name, life.sustained, "rel/s", "target", LIFECYCLE_TARGET, "rel/s")]
    whole = f"Whole releases {how}, first create → last public"
    out.append(Figure(LIFECYCLE, whole, life.per_second, "rel/s"))
    for label, q in PERCENTILES[:2]:
        one = f"One release {how}, create → public, {label}"
        out.append(Figure(LIFECYCLE, one, life.to_public.p(q), "ms"))
    failed = len(life.failures)
    out.append(Figure(LIFECYCLE, f"Failed releases {how}", failed, "", "run", life.releases, ""))
    per_release = life.cpu_ms_per_release()
    for process, ms in per_release.items():
        out.append(Figure(LIFECYCLE, f"CPU per release {how}: {process}", ms, "ms"))
    if per_release:
        total = f"CPU per release {how}: whole stack"
        out.append(Figure(LIFECYCLE, total, sum(per_release.values()), "ms"))
    return out


def cost_figures(r: Results) -> list[Figure]:
    out = [Figure(COST, f"CPU per command: {name}", ms_per_command(sec, r.commands), "ms")
           for name, sec in r.cpu.items()]  # fmt: skip
    out.append(Figure(COST, "CPU per command: whole stack", r.cpu_ms_per_command, "ms",
                      "target", CPU_TARGET_MS, "ms"))  # fmt: skip
    warm = "CPU per command, the warm-up before (not a target): whole stack"
    out.append(Figure(COST, warm, r.warm_up.cpu_ms_per_command, "ms"))
    warm_broker = r.warm_up.cpu.get(KAFKA)
    if warm_broker is not None:
        broker = f"CPU per command, the warm-up before (not a target): {KAFKA}"
        out.append(Figure(COST, broker, ms_per_command(warm_broker, r.warm_up.commands), "ms"))
    bench = "CPU per command: the bench itself, its PostgreSQL backend too (not counted)"
    out.append(Figure(COST, bench, ms_per_command(r.bench_cpu, r.commands), "ms"))
    return out


def memory_figures(memory: list[Memory]) -> list[Figure]:
    return [
        Figure(MEMORY, f"RSS {m.name}", m.rss_mb, "MB", "target", RSS_TARGET_MB, "MB")
        for m in memory
    ]


def busy_storm_figures(storm: StormResults | None, load: LoadResult) -> list[Figure]:
    if storm is None:
        return [Figure(STORM, f"Storm failed: {load.storm_failed}", float("nan"), "")]
    rows = [Figure(STORM, f.name, f.value, f.unit, f.counterpart, f.raw, f.raw_unit)
            for f in storm_figures(storm)]  # fmt: skip
    rows.append(Figure(STORM, "Load meanwhile: HTTP write → read", load.per_second, "req/s"))
    rows.append(Figure(STORM, "Load meanwhile: failed", load.failures, "", "sent", load.sent, ""))
    return rows


def last_lift_ms(storm: StormResults | None) -> float:
    """NaN (not measured) when the storm failed or some release never lifted."""
    if storm is None or len(storm.on_topic.samples_ms) < storm.releases:
        return float("nan")
    return storm.on_topic.p(100)


def all_figures(r: Results, rate: float, rate_high: float) -> list[Figure]:
    return [
        *raw_figures(r.raw), *pipeline_figures(r), *latency_figures(r.http, rate, r),
        *latency_figures(r.http_high, rate_high, r), *lifecycle_figures(r.lifecycle, OVER_HTTP),
        *lifecycle_figures(r.lifecycle_kafka, OVER_KAFKA),
        *cost_figures(r), *memory_figures(r.memory), *busy_storm_figures(r.storm, r.load),
        *rebuild_figures(r.rebuild),
    ]  # fmt: skip


def targets(r: Results, rate: float, rate_high: float) -> list[Target]:
    """The issue's targets, in its order."""
    low, high = r.http.latencies, r.http_high.latencies
    return [
        Target("Pipeline: CreateDraft → read model", r.commands.per_second, "cmd/s",
               PEER_MULTIPLE * r.peer.per_second),
        Target(f"Lifecycle {OVER_HTTP}: whole releases → public feed", r.lifecycle.sustained,
               "rel/s", LIFECYCLE_TARGET),
        Target(f"Lifecycle {OVER_KAFKA}: whole releases → public feed",
               r.lifecycle_kafka.sustained, "rel/s", LIFECYCLE_TARGET),
        Target(f"Latency at {rate:g}/s, p50", low.p(50), "ms", 10.0, "at most"),
        Target(f"Latency at {rate:g}/s, p99", low.p(99), "ms", 40.0, "at most"),
        Target(f"Latency at {rate_high:g}/s, p99", high.p(99), "ms", 100.0, "at most"),
        Target("Cost: CPU per CreateDraft, whole stack", r.cpu_ms_per_command, "ms",
               CPU_TARGET_MS, "at most"),
        *(Target(f"RSS {m.name}", m.rss_mb, "MB", RSS_TARGET_MB, "at most") for m in r.memory),
        Target("Storm under load: last lift after lift_at", last_lift_ms(r.storm), "ms",
               TARGET_MS, "at most"),
        Target("Rebuild from offset 0", r.rebuild.rebuild.per_second, "events/s",
               TARGET_SHARE * r.rebuild.slower_raw),
        Target("Rebuild: Python CPU per event", r.rebuild.cpu.python / r.rebuild.events * 1e6,
               "µs", REBUILD_PYTHON_US, "at most"),
    ]  # fmt: skip


def failures(r: Results) -> list[str]:
    """Why figures are missing or counted failures: the first reason of each section."""
    firsts = {
        "HTTP at the low rate": r.http.failures[:1],
        "HTTP at the high rate": r.http_high.failures[:1],
        f"{LIFECYCLE} {OVER_HTTP} ({len(r.lifecycle.failures)} failed)": r.lifecycle.failures[:1],
        f"{LIFECYCLE} {OVER_KAFKA} ({len(r.lifecycle_kafka.failures)} failed)": (
            r.lifecycle_kafka.failures[:1]
        ),
        STORM: [r.load.storm_failed] if r.load.storm_failed else [],
    }
    return [f"{section}: {first[0]}" for section, first in firsts.items() if first]
