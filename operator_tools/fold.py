"""Records of the log folded into a projections schema with the projector's own pure code
(route, plan_batch) and its own store: a replay can never disagree with the live projector.
Only tables are written: nothing here sends, delivers or calls out (no side effects in replays)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from operator_tools.registry_cache import FAST_REGISTRY
from operator_tools.times import to_millis
from services.kit.db import Connection
from services.projector.batch import BatchPlan, Consumed, Routed, plan_batch, release_ids, route
from services.projector.bulk import Existing, HistoryKey, RevisionKey, history_key, revision_key
from services.projector.consumer import GROUP_ID
from services.projector.new_releases import again_if_begun_elsewhere
from services.projector.releases import ReleaseRow
from services.projector.store import ProjectionStore

# Rows a sole writer keeps in memory; beyond that the cache restarts and rows come from the table.
MAX_CACHED_ROWS = 200_000
# Keys a sole writer remembers having written (about 200 bytes each); beyond that it forgets
# them and writes the rest of the log with the upserts, like any other writer.
MAX_WRITTEN_KEYS = 2_000_000


@dataclass(frozen=True)
class Window:
    """Records stamped (Kafka timestamp) in [since, until); None: unbounded on that side."""

    since: datetime | None = None
    until: datetime | None = None

    def holds(self, timestamp_ms: int) -> bool:
        after_start = self.since is None or timestamp_ms >= to_millis(self.since)
        return after_start and (self.until is None or timestamp_ms < to_millis(self.until))

    @property
    def whole(self) -> bool:
        return self.since is None and self.until is None


WHOLE_LOG = Window()


@dataclass
class WrittenKeys:
    """Every key a sole writer has put into tables that were empty when it began, while
    `complete`: a batch's other rows are new, so they go in by COPY (`Existing`)."""

    releases: set[str] = field(default_factory=set)
    history: set[HistoryKey] = field(default_factory=set)
    revisions: set[RevisionKey] = field(default_factory=set)
    outcomes: set[str] = field(default_factory=set)
    complete: bool = True

    def existing(self, plan: BatchPlan) -> Existing | None:
        """The plan's keys already written (by earlier batches); None once forgotten."""
        if not self.complete:
            return None
        return Existing(
            releases=frozenset(k for k in plan.releases if k in self.releases),
            history=frozenset(k for k in map(history_key, plan.history) if k in self.history),
            revisions=frozenset(
                k for k in map(revision_key, plan.revisions) if k in self.revisions
            ),
            outcomes=frozenset(
                o.command_id for o in plan.outcomes if o.command_id in self.outcomes
            ),
        )

    def note(self, plan: BatchPlan) -> None:
        """The plan is (about to be) written: its keys are held from now on."""
        if not self.complete:
            return
        self.releases.update(plan.releases)
        self.history.update(map(history_key, plan.history))
        self.revisions.update(map(revision_key, plan.revisions))
        self.outcomes.update(o.command_id for o in plan.outcomes)
        if self.size > MAX_WRITTEN_KEYS:
            self.forget()

    def forget(self) -> None:
        for keys in (self.releases, self.history, self.revisions, self.outcomes):
            keys.clear()
        self.complete = False

    @property
    def size(self) -> int:
        return len(self.releases) + len(self.history) + len(self.revisions) + len(self.outcomes)


@dataclass
class FoldTarget:
    """Where records go. A fresh schema has one writer, so its rows are cached, not locked, and
    what it wrote is remembered, so new rows go in by COPY."""

    schema: str
    consumer: str | None = GROUP_ID  # offsets stored under this name; None: never touch them
    sole_writer: bool = True
    notify: bool = False
    rows: dict[str, ReleaseRow] = field(default_factory=dict)
    cache_complete: bool = True  # every row of the table is in `rows`
    written: WrittenKeys = field(default_factory=WrittenKeys)

    def __post_init__(self) -> None:
        if not (self.sole_writer and self.cache_complete):
            self.written.forget()  # the tables may hold rows this writer never saw

    @property
    def store(self) -> ProjectionStore:
        return ProjectionStore(schema=self.schema)

    @property
    def fresh(self) -> bool:
        """Batches can be planned from memory alone: the cache holds every row of the table."""
        return self.sole_writer and self.cache_complete

    def existing(self, plan: BatchPlan) -> Existing | None:
        return self.written.existing(plan) if self.sole_writer else None

    def let_go(self) -> None:
        """Forgets the cached rows and written keys: a later fold into this target reads rows
        from its tables and upserts, like any writer."""
        self.rows.clear()
        self.cache_complete = False
        self.written.forget()


@dataclass
class FoldStats:
    read: int = 0
    folded: int = 0
    outside_window: int = 0
    dead_letters: int = 0
    processes: int = 1  # that folded the records side by side (`operator_tools.parallel`)
    started: float = field(default_factory=time.monotonic)
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        return self.read / self.seconds if self.seconds > 0 else 0.0

    def add(self, read: int, folded: int, dead_letters: int) -> None:
        self.read += read
        self.folded += folded
        self.outside_window += read - folded
        self.dead_letters += dead_letters
        self.seconds = time.monotonic() - self.started


def consumed(record: Any) -> Consumed:
    # aiokafka hands headers over as (str, bytes) pairs already.
    headers = tuple(record.headers or ())
    return Consumed(
        record.topic, record.partition, record.offset, record.key, record.value, headers
    )


async def fold_records(
    conn: Connection, target: FoldTarget, records: Sequence[Any], window: Window = WHOLE_LOG
) -> BatchPlan:
    """One transaction (a savepoint inside the caller's): the window's records folded, and the
    target's offsets moved past every record read, inside the window or not."""
    routed = route_records(records, window)
    touched = release_ids(r for _, r in routed)

    async def fold_and_write() -> BatchPlan:
        async with conn.transaction():
            current = await _current_rows(conn, target, touched)
            plan = plan_batch(routed, current)
            plan.next_offsets = _next_offsets(records) if target.consumer else {}
            existing = target.existing(plan)
            # Beside other writers (the live projector), new releases are claimed first.
            stored = None if target.sole_writer else current.keys()
            await target.store.write_batch(
                conn, target.consumer or "", plan, existing, stored=stored
            )
            if target.notify:
                await target.store.notify_advanced(conn, _notice(touched))
        return plan

    plan = await again_if_begun_elsewhere(fold_and_write, "fold")
    if target.sole_writer:
        _remember(target, plan)
    return plan


@dataclass(frozen=True)
class PlannedBatch:
    """A batch folded from memory, to be written in order by whoever writes the batches."""

    plan: BatchPlan
    existing: Existing | None
    read: int
    inside: int


def plan_from_memory(target: FoldTarget, records: Sequence[Any], window: Window) -> PlannedBatch:
    """What `fold_records` writes, planned without the database: only for a fresh target, whose
    cache holds every row. The target remembers the plan at once, so the next batch folds on
    it before this one is written."""
    assert target.fresh, "a target whose rows are not all cached must read them from the table"
    routed = route_records(records, window)
    touched = release_ids(r for _, r in routed)
    plan = plan_batch(routed, {key: target.rows[key] for key in touched if key in target.rows})
    plan.next_offsets = _next_offsets(records) if target.consumer else {}
    existing = target.existing(plan)
    _remember(target, plan)
    return PlannedBatch(plan, existing, len(records), len(routed))


async def write_planned(conn: Connection, target: FoldTarget, planned: PlannedBatch) -> None:
    """One planned batch in one transaction."""
    async with conn.transaction():
        await target.store.write_batch(conn, target.consumer or "", planned.plan, planned.existing)


def route_records(records: Sequence[Any], window: Window) -> list[tuple[Consumed, Routed]]:
    """The window's records, decoded (or turned into dead letters) with the projector's code."""
    inside = (consumed(r) for r in records if window.holds(r.timestamp))
    return [(record, route(record, FAST_REGISTRY)) for record in inside]


async def _current_rows(
    conn: Connection, target: FoldTarget, touched: set[str]
) -> dict[str, ReleaseRow]:
    if not target.sole_writer:
        return await target.store.lock_releases(conn, touched)
    rows = {key: target.rows[key] for key in touched if key in target.rows}
    missing = touched - rows.keys()
    if missing and not target.cache_complete:
        rows |= await target.store.lock_releases(conn, missing)
    return rows


def _remember(target: FoldTarget, plan: BatchPlan) -> None:
    target.written.note(plan)
    if len(target.rows) > MAX_CACHED_ROWS:
        target.rows.clear()
        target.cache_complete = False
    target.rows.update(plan.releases)


def _next_offsets(records: Sequence[Any]) -> dict[tuple[str, int], int]:
    offsets: dict[tuple[str, int], int] = {}
    for record in records:
        key = (record.topic, record.partition)
        offsets[key] = max(offsets.get(key, 0), record.offset + 1)
    return offsets


def _notice(touched: set[str]) -> dict[str, Any]:
    # Read-your-writes waiters re-check their release; the payload must stay under 8000 bytes.
    releases = sorted(touched)
    return {"consumer": "replay", "releases": releases[:50], "commands": [], "truncated": True}
