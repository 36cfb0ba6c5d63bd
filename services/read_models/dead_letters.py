"""Dead letters the projector parked (projections.dead_letters) and what operators re-drove
(ops.redriven). Both tables may not exist yet: then there are none."""

from __future__ import annotations

from services.kit.db import Db
from services.kit.dlq import DeadLetter, from_projector


async def projector_dead_letters(db: Db) -> list[DeadLetter]:
    """Records the projector could not fold, parked with their reason."""
    if await db.fetchval("SELECT to_regclass('projections.dead_letters')") is None:
        return []
    rows = await db.fetch(
        'SELECT topic, partition, "offset", key, value, headers::text AS headers, reason,'
        ' failed_at FROM projections.dead_letters ORDER BY topic, partition, "offset"'
    )
    return [from_projector(row) for row in rows]


async def redriven_results(db: Db) -> dict[tuple[str, int, int], str]:
    """The result of each re-drive, by where the dead letter sits; the operators' tools create
    the table (the `ops` schema is theirs), the read side only reads it."""
    if await db.fetchval("SELECT to_regclass('ops.redriven')") is None:
        return {}
    rows = await db.fetch('SELECT topic, partition, "offset", result FROM ops.redriven')
    return {(r["topic"], r["partition"], r["offset"]): r["result"] for r in rows}
