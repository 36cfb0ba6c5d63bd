"""`pressroom projections swap`: the shadow's tables replace the live ones in one transaction.

Why table moves under ACCESS EXCLUSIVE locks rather than a search_path or views: every reader
(the gateway's queries, psql users, the projector) names `projections.<table>` directly, so a
move changes nothing for them, needs no new role or connection setting, and keeps indexes and
the projector's upserts as they are. A query blocked by the locks re-resolves the name once the
swap commits (PostgreSQL re-checks a relation name after waiting for its lock and re-plans
cached statements), so readers wait a moment instead of failing. The replaced tables move to
`projections_old_<n>` and stay there until `pressroom projections drop-old`."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

from aiokafka import TopicPartition

from operator_tools.errors import OpsError
from operator_tools.fold import FoldTarget, fold_records
from operator_tools.kafka_io import OffsetRange, read_ranges
from operator_tools.schemas import LIVE, ensure_ops, resolve_projection, tables_of
from operator_tools.shadows import SWAPPABLE, Shadow, find_shadow, mark_swapped
from services.kit.consumer_groups import PROJECTED_TOPICS
from services.kit.db import Connection, Pool
from services.kit.settings import Settings
from services.projector.consumer import GROUP_ID
from services.projector.store import NOTIFY_CHANNEL, ProjectionStore

# The projector holds its locks for one batch; longer than this means something is stuck.
LOCK_TIMEOUT = "20s"


@dataclass(frozen=True)
class SwapResult:
    shadow: Shadow
    tables: list[str]
    caught_up: int  # records the shadow folded to reach the live projector's position
    seconds_locked: float


async def swap(settings: Settings, pool: Pool, schema: str | None = None) -> SwapResult:
    """Catches the shadow up to the live projector, then moves the tables under its locks."""
    async with pool.acquire() as conn:
        await ensure_ops(conn)
        shadow = await _swappable(conn, schema)
        tables = await resolve_projection(conn, shadow.projection, shadow.schema)
        # Most of the gap is closed while readers and the projector go on undisturbed.
        caught_up = await catch_up(settings, conn, shadow.schema)
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
        live_tables = await _lock_live(conn)
        locked_at = time.monotonic()
        caught_up += await catch_up(settings, conn, shadow.schema)
        await _move(conn, shadow, tables, live_tables)
        await mark_swapped(conn, shadow)
        await conn.execute("SELECT pg_notify($1, $2)", NOTIFY_CHANNEL, json.dumps(_notice()))
        locked = time.monotonic() - locked_at
    return SwapResult(shadow, tables, caught_up, locked)


async def _swappable(conn: Connection, schema: str | None) -> Shadow:
    shadow = await find_shadow(conn, schema, SWAPPABLE)
    if shadow.state not in SWAPPABLE:
        raise OpsError(f"{shadow.schema} is {shadow.state}; only a built shadow can be swapped")
    if not shadow.window.whole:
        raise OpsError(
            f"{shadow.schema} holds only the events of a time window; it is for inspection"
            " and would replace the live read models with a part of them"
        )
    return shadow


async def _lock_live(conn: Connection) -> list[str]:
    """Waits for the projector's batch in flight, then holds every later one (and readers)."""
    tables = [*await tables_of(conn, LIVE), "consumer_offsets"]
    # `releases` first: the projector locks it first too, so the two never deadlock.
    names = ", ".join(f"{LIVE}.{table}" for table in tables)
    await conn.execute(f"LOCK TABLE {names} IN ACCESS EXCLUSIVE MODE")
    return tables


async def catch_up(settings: Settings, conn: Connection, schema: str) -> int:
    """Folds into the shadow what the live projector has applied beyond the shadow's position."""
    live = await ProjectionStore(LIVE).load_offsets(conn, GROUP_ID, PROJECTED_TOPICS)
    mine = await ProjectionStore(schema).load_offsets(conn, GROUP_ID, PROJECTED_TOPICS)
    ranges = {
        TopicPartition(topic, partition): OffsetRange(mine.get((topic, partition), 0), end)
        for (topic, partition), end in live.items()
    }
    target = FoldTarget(schema, sole_writer=False)
    folded = 0
    async for records in read_ranges(settings.kafka_bootstrap, ranges):
        await fold_records(conn, target, records)
        folded += len(records)
    return folded


async def _move(conn: Connection, shadow: Shadow, tables: list[str], live: list[str]) -> None:
    await conn.execute(f"CREATE SCHEMA {shadow.old_name}")
    for table in tables:
        if table in live:
            await conn.execute(f"ALTER TABLE {LIVE}.{table} SET SCHEMA {shadow.old_name}")
        await conn.execute(f"ALTER TABLE {shadow.schema}.{table} SET SCHEMA {LIVE}")


def _notice() -> dict[str, object]:
    # Read-your-writes waiters re-check: their release may be further along in the new tables.
    return {"consumer": "swap", "releases": [], "commands": [], "truncated": True}
