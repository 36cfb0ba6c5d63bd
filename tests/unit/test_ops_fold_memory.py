"""A fresh target folds from memory: batch after batch through its cache is one fold of the whole
log, and it knows exactly which of a batch's keys earlier batches wrote (and nothing once it
has forgotten)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from dev_tools.bench.rebuild_events import lifecycle_records
from events.kafka import Headers, KafkaRecord
from operator_tools import fold
from operator_tools.fold import WHOLE_LOG, FoldTarget, plan_from_memory, route_records
from services.projector.batch import plan_batch


@dataclass(frozen=True)
class Record:
    """What the fold reads of an aiokafka record."""

    topic: str
    partition: int
    offset: int
    timestamp: int
    key: bytes | None
    value: bytes | None
    headers: Headers


def log(events: int) -> list[Record]:
    records = lifecycle_records(events, datetime(2016, 1, 8, tzinfo=UTC))
    return [_record(i, r) for i, r in enumerate(records)]


def _record(offset: int, record: KafkaRecord) -> Record:
    return Record("drafting", 0, offset, offset, record.key, record.value, record.headers)


def test_folding_batch_after_batch_from_the_cache_is_one_fold_of_the_whole_log() -> None:
    records = log(20)  # five releases, four events each
    whole = plan_batch(route_records(records, WHOLE_LOG), {})
    target = FoldTarget("fresh")
    plans = [plan_from_memory(target, records[i : i + 3], WHOLE_LOG).plan for i in range(0, 20, 3)]
    assert target.rows == whole.releases
    assert [row for plan in plans for row in plan.history] == whole.history
    assert [row for plan in plans for row in plan.revisions] == whole.revisions
    assert plans[-1].next_offsets == {("drafting", 0): 20}


def test_a_batch_knows_which_of_its_keys_earlier_batches_wrote() -> None:
    records = log(8)  # two releases: r0 events 0-3, r1 events 4-7
    target = FoldTarget("fresh")
    first = plan_from_memory(target, records[:3], WHOLE_LOG)
    second = plan_from_memory(target, [*records[2:3], *records[3:6]], WHOLE_LOG)  # 2 again
    assert first.existing is not None and first.existing.releases == frozenset()
    assert second.existing is not None
    r0 = next(iter(first.plan.releases))
    assert second.existing.releases == {r0}
    assert second.existing.history == {(r0, "drafting", 3)}  # the repeated record only
    assert second.existing.revisions == {(r0, 3)}


def test_past_its_bound_a_target_forgets_its_keys_and_upserts_everything(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(fold, "MAX_WRITTEN_KEYS", 5)
    target = FoldTarget("fresh")
    plan_from_memory(target, log(8), WHOLE_LOG)
    assert not target.written.complete and target.written.size == 0
    assert plan_from_memory(target, log(4), WHOLE_LOG).existing is None


def test_a_target_that_may_hold_rows_it_never_saw_knows_no_keys() -> None:
    for target in (FoldTarget("live", sole_writer=False), FoldTarget("x", cache_complete=False)):
        assert not target.written.complete
        assert target.existing(plan_batch([], {})) is None
        assert not target.fresh
