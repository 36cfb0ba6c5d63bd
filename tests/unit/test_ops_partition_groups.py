"""How a rebuild splits the log between processes: whole partition numbers (every topic's
partition n in one group), records spread evenly, the biggest group kept by the caller."""

from __future__ import annotations

import subprocess
import sys

import pytest
from aiokafka import TopicPartition
from hypothesis import given
from hypothesis import strategies as st

from dev_tools.bench.cpu_use import CpuUse, ceiling
from operator_tools.fold import Window
from operator_tools.fold_job import FoldJob, WorkerReport
from operator_tools.kafka_io import OffsetRange, Ranges
from operator_tools.parallel import WORKER_MODULE, partition_groups
from services.kit.settings import REPO_ROOT

TOPICS = ("pressroom.drafting.events", "pressroom.approval.events")


def log(*counts: int) -> Ranges:
    """Partition n of every topic holds counts[n] records (split over the topics)."""
    return {
        TopicPartition(topic, n): OffsetRange(0, count // len(TOPICS))
        for n, count in enumerate(counts)
        for topic in TOPICS
    }


def numbers(group: Ranges) -> set[int]:
    return {tp.partition for tp in group}


def records(group: Ranges) -> int:
    return sum(r.count for r in group.values())


def test_every_topic_of_a_partition_number_goes_to_one_group() -> None:
    groups = partition_groups(log(100, 100, 100, 100), 2)

    assert [sorted(numbers(g)) for g in groups] in ([[0, 2], [1, 3]], [[0, 3], [1, 2]])
    for group in groups:
        assert {tp.topic for tp in group} == set(TOPICS)


def test_records_are_spread_evenly_and_the_biggest_group_comes_first() -> None:
    groups = partition_groups(log(800, 200, 200, 200, 200), 2)

    assert [records(g) for g in groups] == [800, 800]
    assert {frozenset(numbers(g)) for g in groups} == {frozenset({0}), frozenset({1, 2, 3, 4})}


def test_no_more_groups_than_partition_numbers_and_no_empty_group() -> None:
    assert len(partition_groups(log(10, 10), 8)) == 2
    assert partition_groups({}, 4) == []
    assert len(partition_groups(log(10, 10, 10), 1)) == 1
    # Partition numbers without records start no process.
    assert [numbers(g) for g in partition_groups(log(10, 0, 0, 0), 2)] == [{0}]


@given(st.lists(st.integers(0, 10_000), max_size=12), st.integers(1, 6))
def test_each_range_is_in_exactly_one_group(counts: list[int], wanted: int) -> None:
    ranges = log(*counts)

    groups = partition_groups(ranges, wanted)

    assert len(groups) <= wanted
    with_records = [tp for tp, offsets in ranges.items() if offsets.count > 0]
    assert sorted(tp for g in groups for tp in g) == sorted(with_records)
    assert sum(len(numbers(g)) for g in groups) == len({tp.partition for tp in with_records})
    assert [records(g) for g in groups] == sorted((records(g) for g in groups), reverse=True)


def test_a_job_travels_as_json_and_comes_back_the_same() -> None:
    job = FoldJob.of("127.0.0.1:1", "postgresql://x", ("shadow_1", None), Window(), log(4, 6))

    again = FoldJob.model_validate_json(job.model_dump_json())

    assert again == job
    assert again.offset_ranges() == log(4, 6)
    assert again.window == Window()


def test_a_worker_report_line_is_read_back() -> None:
    line = WorkerReport(read=5_000).model_dump_json(exclude_none=True)

    assert line == '{"read":5000}'
    assert WorkerReport.model_validate_json(line).done is None


def test_a_worker_given_a_bad_job_says_so_and_exits_2() -> None:
    worker = subprocess.run(
        [sys.executable, "-m", WORKER_MODULE],
        input=b'{"kafka_bootstrap": ""}',
        capture_output=True,
        cwd=REPO_ROOT,
        timeout=60,
    )

    assert worker.returncode == 2
    assert b"the job on standard input is not valid" in worker.stderr
    assert worker.stdout == b""


def test_the_cpu_ceiling_is_the_cpus_over_the_cpu_one_event_takes() -> None:
    used = CpuUse(python=9.0, postgres=3.0, kafka=None) - CpuUse(3.0, 1.0, None)

    assert (used.python, used.postgres, used.kafka, used.total) == (6.0, 2.0, None, 8.0)
    assert ceiling(2, used.total / 100_000) == pytest.approx(25_000)
