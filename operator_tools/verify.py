"""`pressroom projections verify`: a read model against a fresh fold of the log up to the same
positions, table by table (row counts, a checksum, and the keys that differ)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import asyncpg
from aiokafka import TopicPartition

from operator_tools.checksums import TableComparison, compare, table_digest
from operator_tools.errors import OpsError
from operator_tools.fold import FoldTarget, Window
from operator_tools.kafka_io import log_ranges
from operator_tools.progress import SILENT, ProgressSink
from operator_tools.replay import fold_ranges
from operator_tools.schemas import (
    LIVE,
    create_projection_schema,
    drop_schema,
    ensure_ops,
    resolve_projection,
    schema_exists,
)
from operator_tools.shadows import SWAPPABLE, find_shadow, set_state
from services.kit.consumer_groups import PROJECTED_TOPICS
from services.kit.db import Connection, Pool
from services.kit.settings import Settings
from services.projector.consumer import GROUP_ID
from services.projector.store import ProjectionStore


@dataclass(frozen=True)
class VerifyResult:
    schema: str
    records: int  # folded afresh: the target's position summed over every partition
    tables: list[TableComparison]

    @property
    def equal(self) -> bool:
        return all(table.equal for table in self.tables)


async def verify(
    settings: Settings,
    pool: Pool,
    schema: str | None = None,
    progress: ProgressSink = SILENT,
) -> VerifyResult:
    """`schema`: a shadow or `projections`; None: the newest built shadow, else `projections`."""
    async with pool.acquire() as conn:
        await ensure_ops(conn)
        schema, projection, window = await _target(conn, schema)
        tables = await resolve_projection(conn, projection, schema)
    result = await _in_one_snapshot(settings, pool, schema, tables, window, progress)
    await _record(pool, schema, result.equal)
    return result


async def _in_one_snapshot(
    settings: Settings, pool: Pool, schema: str, tables: list[str], window: Window,
    progress: ProgressSink,
) -> VerifyResult:  # fmt: skip
    """The target is read in one snapshot, so a live projector moving on changes nothing here."""
    target = await asyncpg.connect(settings.dsn_for("projector"))
    try:
        async with target.transaction(isolation="repeatable_read", readonly=True):
            store = ProjectionStore(schema)
            positions = await store.load_offsets(target, GROUP_ID, PROJECTED_TOPICS)
            fresh, records = await _fresh_fold(settings, pool, positions, window, progress)
            try:
                return VerifyResult(
                    schema, records, await _compare_all(target, pool, schema, fresh, tables)
                )
            finally:
                async with pool.acquire() as conn:
                    await drop_schema(conn, fresh)
    finally:
        await target.close()


async def _target(conn: Connection, schema: str | None) -> tuple[str, str, Window]:
    """The schema to check, the projection it holds and the window it was built from."""
    if schema != LIVE:
        try:
            shadow = await find_shadow(conn, schema, SWAPPABLE)
        except OpsError:
            if schema is not None:
                raise
        else:
            if shadow.state not in SWAPPABLE:
                raise OpsError(f"{shadow.schema} is {shadow.state}; verify {LIVE} instead")
            return shadow.schema, shadow.projection, shadow.window
    if not await schema_exists(conn, LIVE):
        raise OpsError("there are no read models yet: start the projector (pressroom up)")
    return LIVE, "all", Window()


async def _fresh_fold(
    settings: Settings,
    pool: Pool,
    positions: dict[tuple[str, int], int],
    window: Window,
    progress: ProgressSink,
) -> tuple[str, int]:
    stop_at = {TopicPartition(t, p): offset for (t, p), offset in positions.items()}
    ranges = await log_ranges(settings.kafka_bootstrap, PROJECTED_TOPICS, window.since, stop_at)
    fresh = f"projections_verify_{uuid.uuid4().hex[:8]}"
    async with pool.acquire() as conn:
        await create_projection_schema(conn, fresh)
    try:
        stats = await fold_ranges(settings, pool, ranges, FoldTarget(fresh), window, progress)
    except BaseException:
        async with pool.acquire() as conn:
            await drop_schema(conn, fresh)
        raise
    return fresh, stats.read


async def _compare_all(
    target: Connection, pool: Pool, schema: str, fresh: str, tables: list[str]
) -> list[TableComparison]:
    compared = []
    async with pool.acquire() as conn:
        for table in tables:
            theirs = await table_digest(target, schema, table)
            compared.append(compare(table, theirs, await table_digest(conn, fresh, table)))
    return compared


async def _record(pool: Pool, schema: str, equal: bool) -> None:
    if schema != LIVE and equal:
        async with pool.acquire() as conn:
            await set_state(conn, schema, "verified")
