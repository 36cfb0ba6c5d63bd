"""Rebuilds fold a release's events across topics in time order, each partition in offset order."""

from __future__ import annotations

from dataclasses import dataclass

from services.ops.merge import TimeOrderedMerge


@dataclass(frozen=True)
class R:
    topic: str
    partition: int
    offset: int
    timestamp: int


A, B = ("drafting", 0), ("approval", 0)


def test_merges_partitions_by_timestamp() -> None:
    merge = TimeOrderedMerge([A, B])
    merge.add(A, [R("drafting", 0, 0, 10), R("drafting", 0, 1, 30)])
    merge.add(B, [R("approval", 0, 0, 20), R("approval", 0, 1, 40)])
    merge.close(A)
    merge.close(B)
    assert [r.timestamp for r in merge.take(10)] == [10, 20, 30, 40]
    assert merge.done


def test_keeps_offset_order_within_a_partition_even_when_clocks_disagree() -> None:
    merge = TimeOrderedMerge([A])
    merge.add(A, [R("drafting", 0, 0, 50), R("drafting", 0, 1, 10)])
    merge.close(A)
    assert [r.offset for r in merge.take(10)] == [0, 1]


def test_an_open_partition_with_nothing_buffered_holds_the_merge_back() -> None:
    merge = TimeOrderedMerge([A, B])
    merge.add(A, [R("drafting", 0, 0, 10)])
    assert merge.take(10) == []  # B's next record may be earlier than 10
    merge.add(B, [R("approval", 0, 0, 5)])
    assert [r.timestamp for r in merge.take(10)] == [5]
    merge.close(B)
    assert [r.timestamp for r in merge.take(10)] == [10]


def test_ties_break_by_topic_then_partition() -> None:
    merge = TimeOrderedMerge([A, B])
    merge.add(A, [R("drafting", 0, 0, 10)])
    merge.add(B, [R("approval", 0, 0, 10)])
    merge.close(A)
    merge.close(B)
    assert [r.topic for r in merge.take(1)] == ["approval"]
    assert [r.topic for r in merge.take(1)] == ["drafting"]
