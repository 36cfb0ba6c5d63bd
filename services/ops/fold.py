"""Records of the log folded into a projections schema with the projector's own pure code
(route, plan_batch) and its own store: a replay can never disagree with the live projector.
Only tables are written: nothing here sends, delivers or calls out (no side effects in replays)."""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from services.kit.db import Connection
from services.ops.registry_cache import FAST_REGISTRY
from services.ops.times import to_millis
from services.projector.batch import BatchPlan, Consumed, plan_batch, release_ids, route
from services.projector.consumer import GROUP_ID
from services.projector.releases import ReleaseRow
from services.projector.store import ProjectionStore

# Rows a sole writer keeps in memory; beyond that the cache restarts and rows come from the table.
MAX_CACHED_ROWS = 200_000


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
class FoldTarget:
    """Where records go. A fresh schema has one writer, so its rows are cached, not locked."""

    schema: str
    consumer: str | None = GROUP_ID  # offsets stored under this name; None: never touch them
    sole_writer: bool = True
    notify: bool = False
    rows: dict[str, ReleaseRow] = field(default_factory=dict)
    cache_complete: bool = True  # every row of the table is in `rows`

    @property
    def store(self) -> ProjectionStore:
        return ProjectionStore(schema=self.schema)


@dataclass
class FoldStats:
    read: int = 0
    folded: int = 0
    outside_window: int = 0
    dead_letters: int = 0
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
    inside = [consumed(r) for r in records if window.holds(r.timestamp)]
    routed = [(record, route(record, FAST_REGISTRY)) for record in inside]
    touched = release_ids(r for _, r in routed)
    async with conn.transaction():
        plan = plan_batch(routed, await _current_rows(conn, target, touched))
        plan.next_offsets = _next_offsets(records) if target.consumer else {}
        await target.store.write_batch(conn, target.consumer or "", plan)
        if target.notify:
            await target.store.notify_advanced(conn, _notice(touched))
    if target.sole_writer:
        _remember(target, plan.releases.values())
    return plan


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


def _remember(target: FoldTarget, rows: Iterable[ReleaseRow]) -> None:
    if len(target.rows) > MAX_CACHED_ROWS:
        target.rows.clear()
        target.cache_complete = False
    target.rows.update((row.release_id, row) for row in rows)


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
