"""The pure parts of issue 15's bench: targets met or not, ratios to the target, the summary as
markdown and JSON, the floor and the CPU per command, and the process-tree bookkeeping."""

from __future__ import annotations

import json
import math
import os
from datetime import UTC, datetime

import pytest

from dev_tools.bench.busy_storm import LoadResult
from dev_tools.bench.cpu_use import CpuUse
from dev_tools.bench.drafting import HttpResult
from dev_tools.bench.embargo_storm import StormResults
from dev_tools.bench.figures import RawResults
from dev_tools.bench.http_steps import POLL_S
from dev_tools.bench.lifecycle import LifecycleResult
from dev_tools.bench.pipeline_figures import Results, WarmUp, all_figures, last_lift_ms, targets
from dev_tools.bench.raw import Latencies, Rate
from dev_tools.bench.rebuild import RebuildResults
from dev_tools.bench.report import Report
from dev_tools.bench.stack_procs import Memory, children, largest, private_mb, rss_mb
from dev_tools.bench.targets import Target, report_json, summary_markdown

NAN = float("nan")


@pytest.mark.parametrize(
    ("measured", "target", "goal", "met"),
    [
        (600.0, 200.0, "at least", True),
        (200.0, 200.0, "at least", True),
        (199.9, 200.0, "at least", False),
        (9.0, 10.0, "at most", True),
        (10.1, 10.0, "at most", False),
        (NAN, 10.0, "at most", None),
    ],
)
def test_a_target_is_met_on_the_right_side_of_its_goal(
    measured: float, target: float, goal: str, met: bool | None
) -> None:
    assert Target("x", measured, "ms", target, goal).met is met  # type: ignore[arg-type]


def test_a_target_row_shows_the_goal_the_ratio_to_it_and_the_verdict() -> None:
    rate = Target("Lifecycle", 50.0, "rel/s", 200.0).cells()
    assert rate == ("Lifecycle", "50 rel/s", "≥ 200 rel/s", "0.25x", "NOT met")
    latency = Target("p99", 30.0, "ms", 40.0, "at most").cells()
    assert latency == ("p99", "30.0 ms", "≤ 40.0 ms", "0.75x", "met")


def test_an_unmeasured_target_has_no_verdict() -> None:
    assert Target("Storm", NAN, "ms", 1000.0, "at most").cells()[1:] == (
        "—",
        "≤ 1,000.0 ms",
        "—",
        "—",
    )


def test_the_summary_markdown_has_one_row_per_target() -> None:
    text = summary_markdown([Target("a", 1.0, "ms", 2.0, "at most"), Target("b", 3.0, "/s", 1.0)])
    rows = [line for line in text.splitlines() if line.startswith("| ")]
    assert rows[1:] == [
        "| a | 1.00 ms | ≤ 2.00 ms | 0.50x | met |",
        "| b | 3 /s | ≥ 1 /s | 3.0x | met |",
    ]


def test_the_json_has_every_figure_and_target_with_nan_as_null() -> None:
    report = Report("run", {"nproc": "2"}, {"M": "10"}, all_figures(_results(), 50.0, 300.0))
    data = json.loads(json.dumps(report_json(report, targets(_results(), 50.0, 300.0), ["x"])))
    assert data["machine"] == {"nproc": "2"} and data["failures"] == ["x"]
    assert len(data["figures"]) == len(report.figures)
    pipeline = next(t for t in data["targets"] if t["name"].startswith("Pipeline"))
    assert pipeline["target"] == pytest.approx(300.0)  # 3 x the peer's 100/s
    assert pipeline["met"] is False and pipeline["measured"] == pytest.approx(50.0)
    storm = next(t for t in data["targets"] if t["name"].startswith("Storm"))
    assert storm["measured"] is None and storm["met"] is None  # one release never lifted


def test_the_floor_is_a_kafka_round_trip_plus_a_commit_at_the_same_percentile() -> None:
    r = _results()
    assert r.floor_ms(0) == pytest.approx(4.0 + 2.0)
    assert r.floor_ms(50) == pytest.approx(7.0 + 3.5)
    assert r.floor_ms(100) == pytest.approx(10.0 + 5.0)


def test_the_sustained_lifecycle_rate_counts_the_arrivals_after_the_first() -> None:
    life = LifecycleResult(5, 3.0, Latencies([1.0] * 5), [], public_span_s=2.0)
    assert life.sustained == pytest.approx(2.0) and life.per_second == pytest.approx(5 / 3)
    assert math.isnan(LifecycleResult(1, 1.0, Latencies([1.0]), []).sustained)


def test_releases_seen_public_in_one_poll_give_a_sustained_rate_of_at_least_one_poll() -> None:
    """Three releases lifted together are seen in the same poll of the feed (a CI run of the
    quick bench over SASL_SSL, 2026-12-06: "sustained" was missing, span 0)."""
    together = LifecycleResult(3, 20.2, Latencies([20_000.0] * 3), [], public_span_s=0.0)
    assert together.sustained == pytest.approx(2 / POLL_S)


def test_a_kafka_driven_release_shows_each_process_cpu_per_release_and_the_whole_stack() -> None:
    rows = {f.name: f.value for f in all_figures(_results(), 50.0, 300.0)}
    assert rows["CPU per release over Kafka: drafting"] == pytest.approx(0.02 / 4 * 1000)
    assert rows["CPU per release over Kafka: whole stack"] == pytest.approx(5.0)
    assert rows["Whole releases over Kafka → public feed, sustained"] == pytest.approx(3 / 0.5)
    assert not any(name.startswith("CPU per release over HTTP") for name in rows)  # not measured


def test_the_warm_up_is_printed_apart_and_is_no_target() -> None:
    """The CreateDrafts sent first (the broker's JIT compiles meanwhile) are figures of their
    own; the pipeline's figures and targets are the measured run's."""
    rows = {f.name: f.value for f in all_figures(_results(), 50.0, 300.0)}
    warm = "CreateDraft → read model, the warm-up before (not a target)"
    assert rows[warm] == pytest.approx(50.0)
    cost = "CPU per command, the warm-up before (not a target)"
    assert rows[f"{cost}: whole stack"] == pytest.approx(0.15 / 50 * 1000)
    assert rows[f"{cost}: kafka broker (JVM)"] == pytest.approx(0.05 / 50 * 1000)
    assert rows["CreateDraft → read model"] == pytest.approx(50.0)  # the measured: 100 in 2 s
    assert not any("warm-up" in t.name for t in targets(_results(), 50.0, 300.0))


def test_cpu_per_command_adds_every_stack_process() -> None:
    assert _results().cpu_ms_per_command == pytest.approx((1.0 + 0.5 + 0.5) / 100 * 1000)


def test_every_section_and_every_issue_target_is_reported() -> None:
    sections = {figure.section for figure in all_figures(_results(), 50.0, 300.0)}
    assert sections == {
        "Raw limits", "Peer", "Pipeline", "Latency", "Lifecycle", "Cost", "Memory", "Storm",
        "Rebuild from offset 0",
    }  # fmt: skip
    names = [t.name for t in targets(_results(), 50.0, 300.0)]
    assert names[:7] == [
        "Pipeline: CreateDraft → read model", "Lifecycle over HTTP: whole releases → public feed",
        "Lifecycle over Kafka: whole releases → public feed",
        "Latency at 50/s, p50", "Latency at 50/s, p99", "Latency at 300/s, p99",
        "Cost: CPU per CreateDraft, whole stack",
    ]  # fmt: skip
    assert names[-3].startswith("Storm") and "RSS kafka broker (JVM)" in names
    assert names[-2:] == ["Rebuild from offset 0", "Rebuild: Python CPU per event"]


def test_the_rebuild_targets_are_40_percent_of_the_slower_raw_rate_and_30_us_of_python() -> None:
    rebuild, python = targets(_results(), 50.0, 300.0)[-2:]
    assert (rebuild.measured, rebuild.target, rebuild.met) == (4_000.0, 4_000.0, True)
    assert python.measured == pytest.approx(50.0) and python.met is False


def test_a_storm_that_failed_or_missed_a_release_has_no_last_lift() -> None:
    assert math.isnan(last_lift_ms(None))
    assert math.isnan(last_lift_ms(_storm(lifted=[10.0], releases=2)))
    assert last_lift_ms(_storm(lifted=[10.0, 30.0], releases=2)) == 30.0


def test_children_are_found_at_every_depth_and_no_others() -> None:
    table = {10: 1, 11: 10, 12: 11, 13: 10, 20: 1}
    assert sorted(children(10, table)) == [11, 12, 13]
    assert children(20, table) == []


def test_a_process_memory_less_shared_is_at_most_its_rss() -> None:
    own, rss = private_mb(os.getpid()), rss_mb(os.getpid())
    assert own is not None and rss is not None and 0 < own <= rss
    assert private_mb(2**22 + 1) is None  # no such process


def test_largest_keeps_each_process_at_its_peak() -> None:
    first = [Memory("drafting", 90.0), Memory("kafka", 300.0)]
    second = [Memory("drafting", 120.0), Memory("kafka", 250.0), Memory("gateway", 80.0)]
    assert largest(first, second) == [
        Memory("drafting", 120.0), Memory("kafka", 300.0), Memory("gateway", 80.0),
    ]  # fmt: skip


def _storm(lifted: list[float], releases: int) -> StormResults:
    empty = Latencies([])
    return StormResults(releases, datetime(2026, 12, 5, tzinfo=UTC), Latencies(lifted), empty,
                        empty, 0, 0)  # fmt: skip


def _results() -> Results:
    raw = RawResults(Rate(1000, 1.0), Latencies([4.0, 10.0]), Rate(10_000, 1.0), Rate(500, 1.0),
                     Latencies([2.0, 5.0]))  # fmt: skip
    http = HttpResult(Latencies([20.0, 30.0]), 49.0, [])
    life = LifecycleResult(2, 1.0, Latencies([1500.0, 1600.0]), [], 0.5)
    cpu = {"drafting": 1.0, "postgresql (all backends)": 0.5, "kafka broker (JVM)": 0.5}
    memory = [Memory("drafting", 100.0), Memory("kafka broker (JVM)", 330.0)]
    storm = _storm(lifted=[100.0], releases=2)
    load = LoadResult(sent=10, done=10, seconds=1.0)
    rebuild = RebuildResults(1_000, Rate(20_000, 1.0), Rate(10_000, 1.0), Rate(2_000, 0.5),
                             CpuUse(python=0.05, postgres=0.02, kafka=0.0), 2)  # fmt: skip
    by_kafka = LifecycleResult(4, 1.0, Latencies([900.0] * 4), [], 0.5, {"drafting": 0.02})
    warm_up = WarmUp(Rate(50, 1.0), {"drafting": 0.1, "kafka broker (JVM)": 0.05})
    return Results(raw, Rate(100, 1.0), Rate(100, 2.0), cpu, 0.1, http, http, life, memory,
                   storm, load, rebuild, by_kafka, warm_up)  # fmt: skip
