"""Subscribers, and who was told what: for the gateway and `pressroom dlq`."""

from __future__ import annotations

from typing import Any

from services.kit.db import Db

_SUBSCRIBER_COLUMNS = (
    "subscriber_id, name, channel, url, email, organisations, topics, secret_fingerprint,"
    " status, registered_at, registered_by, changed_at, organisation"
)
_DELIVERY_COLUMNS = (
    "delivery_id, release_id, subscriber_id, edition, notice, status, attempts, last_detail,"
    " failure_reason, first_attempt_at, last_attempt_at"
)


async def subscribers(
    db: Db, limit: int, offset: int, organisation: str | None = None
) -> list[dict[str, Any]]:
    """Every subscriber, or (with `organisation`) that organisation's only."""
    rows = await db.fetch(
        f"SELECT {_SUBSCRIBER_COLUMNS} FROM projections.subscribers"
        " WHERE $3::text IS NULL OR organisation = $3"
        " ORDER BY registered_at, subscriber_id LIMIT $1 OFFSET $2",
        limit,
        offset,
        organisation,
    )
    return [dict(row) for row in rows]


async def subscriber(db: Db, subscriber_id: str) -> dict[str, Any] | None:
    row = await db.fetchrow(
        f"SELECT {_SUBSCRIBER_COLUMNS} FROM projections.subscribers WHERE subscriber_id = $1",
        subscriber_id,
    )
    return dict(row) if row is not None else None


async def release_deliveries(db: Db, release_id: str) -> list[dict[str, Any]]:
    """Every notice of one release to every subscriber, in the order they were first tried."""
    rows = await db.fetch(
        f"SELECT {_DELIVERY_COLUMNS} FROM projections.deliveries WHERE release_id = $1"
        " ORDER BY first_attempt_at, subscriber_id",
        release_id,
    )
    return [dict(row) for row in rows]


async def subscriber_deliveries(db: Db, subscriber_id: str, limit: int) -> list[dict[str, Any]]:
    """A subscriber's latest notices first."""
    rows = await db.fetch(
        f"SELECT {_DELIVERY_COLUMNS} FROM projections.deliveries WHERE subscriber_id = $1"
        " ORDER BY first_attempt_at DESC LIMIT $2",
        subscriber_id,
        limit,
    )
    return [dict(row) for row in rows]


async def failed_deliveries(db: Db, limit: int) -> list[dict[str, Any]]:
    """What `pressroom dlq list` shows beside dead letters: deliveries that gave up."""
    rows = await db.fetch(
        f"SELECT {_DELIVERY_COLUMNS} FROM projections.deliveries WHERE status = 'failed'"
        " ORDER BY last_attempt_at LIMIT $1",
        limit,
    )
    return [dict(row) for row in rows]


async def count_failed_deliveries(db: Db) -> int:
    """For /metrics; 0 before the projector has created the table."""
    exists = await db.fetchval("SELECT to_regclass('projections.deliveries') IS NOT NULL")
    if not exists:
        return 0
    return int(
        await db.fetchval("SELECT count(*) FROM projections.deliveries WHERE status = 'failed'")
    )
