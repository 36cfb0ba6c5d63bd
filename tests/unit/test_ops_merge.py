"""Rebuilds fold a release's events across topics in time order, each partition in offset order."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import given
from hypothesis import strategies as st

from operator_tools.merge import TimeOrderedMerge


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


class ReferenceMerge:
    """The merge as first written: look at every partition's next record for each one taken."""

    def __init__(self, partitions: list[tuple[str, int]]) -> None:
        self.buffers: dict[tuple[str, int], list[R]] = {tp: [] for tp in partitions}
        self.open = set(partitions)

    def take(self, limit: int) -> list[R]:
        taken: list[R] = []
        while len(taken) < limit:
            if any(not self.buffers[tp] for tp in self.open):
                break
            heads = [b for b in self.buffers.values() if b]
            if not heads:
                break
            first = min(heads, key=lambda b: (b[0].timestamp, b[0].topic, b[0].partition))
            taken.append(first.pop(0))
        return taken


PARTITIONS = [("drafting", 0), ("drafting", 1), ("approval", 0)]
# Steps: add some records to a partition (timestamps need not grow), close one, or take some.
steps = st.lists(
    st.one_of(
        st.tuples(
            st.just("add"), st.sampled_from(PARTITIONS), st.lists(st.integers(0, 20), max_size=4)
        ),
        st.tuples(st.just("close"), st.sampled_from(PARTITIONS), st.just([])),
        st.tuples(
            st.just("take"),
            st.sampled_from(PARTITIONS),
            st.lists(st.integers(1, 5), min_size=1, max_size=1),
        ),
    ),
    max_size=40,
)


@given(steps)
def test_takes_what_looking_at_every_partition_would_take(
    script: list[tuple[str, tuple[str, int], list[int]]],
) -> None:
    merge, reference = TimeOrderedMerge(PARTITIONS), ReferenceMerge(PARTITIONS)
    offsets = dict.fromkeys(PARTITIONS, 0)
    for action, tp, numbers in script:
        if action == "add" and tp in reference.open:
            records = [R(tp[0], tp[1], offsets[tp] + i, stamp) for i, stamp in enumerate(numbers)]
            offsets[tp] += len(records)
            merge.add(tp, records)
            reference.buffers[tp].extend(records)
        elif action == "close":
            merge.close(tp)
            reference.open.discard(tp)
        elif action == "take":
            assert merge.take(numbers[0]) == reference.take(numbers[0])
    for tp in PARTITIONS:
        merge.close(tp)
        reference.open.discard(tp)
    assert merge.take(1_000) == reference.take(1_000)
    assert merge.done
