"""What a fault set aside instead of losing: outbox rows Kafka refused for good, and deadlines
whose own command failed. Each service schema keeps them (docs/reliability.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from services.kit.db import Connection

SERVICE_SCHEMAS = ("drafting", "approval", "embargo", "publication")


@dataclass(frozen=True)
class Stuck:
    schema: str
    kind: str  # "outbox row" or "deadline"
    ref: str  # the row id, or stream/kind/key
    at: datetime
    reason: str


async def stuck(conn: Connection) -> list[Stuck]:
    """Everything set aside, oldest first, in the schemas that exist."""
    found: list[Stuck] = []
    for schema in SERVICE_SCHEMAS:
        if await conn.fetchval("SELECT to_regclass($1) IS NOT NULL", f"{schema}.outbox"):
            found += await _of(conn, schema)
    return sorted(found, key=lambda s: s.at)


async def _of(conn: Connection, schema: str) -> list[Stuck]:
    rows = await conn.fetch(
        f"SELECT 'outbox row' AS kind, id::text || ' → ' || topic AS ref, set_aside_at AS at,"
        f" set_aside_reason AS reason FROM {schema}.outbox WHERE set_aside_at IS NOT NULL"
        " UNION ALL"
        f" SELECT 'deadline', stream_id || ' ' || kind || ' ' || key, failed_at, failure"
        f" FROM {schema}.deadlines WHERE failed_at IS NOT NULL"
    )
    return [Stuck(schema, r["kind"], r["ref"], r["at"], r["reason"] or "") for r in rows]
