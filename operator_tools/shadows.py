"""The registry of shadow rebuilds in `ops.shadows`: what was built, from which window, and
where it stands (building, built, verified, swapped, dropped)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from asyncpg import Record

from operator_tools.errors import OpsError
from operator_tools.fold import Window
from services.kit.db import Connection

SHADOW_PREFIX = "projections_shadow_"
OLD_PREFIX = "projections_old_"
SWAPPABLE = ("built", "verified")


@dataclass(frozen=True)
class Shadow:
    schema: str
    number: int
    projection: str
    window: Window
    state: str
    records: int
    old_schema: str | None
    created_at: datetime

    @property
    def old_name(self) -> str:
        return f"{OLD_PREFIX}{self.number}"


async def new_shadow(conn: Connection, projection: str, window: Window) -> Shadow:
    number = int(await conn.fetchval("SELECT nextval('ops.shadow_numbers')"))
    row = await conn.fetchrow(
        "INSERT INTO ops.shadows (schema_name, number, projection, since, until, state)"
        " VALUES ($1, $2, $3, $4, $5, 'building') RETURNING *",
        f"{SHADOW_PREFIX}{number}",
        number,
        projection,
        window.since,
        window.until,
    )
    assert row is not None
    return _shadow(row)


async def set_state(conn: Connection, schema: str, state: str, records: int | None = None) -> None:
    await conn.execute(
        "UPDATE ops.shadows SET state = $2, records = coalesce($3, records), updated_at = now()"
        " WHERE schema_name = $1",
        schema,
        state,
        records,
    )


async def mark_swapped(conn: Connection, shadow: Shadow) -> None:
    await conn.execute(
        "UPDATE ops.shadows SET state = 'swapped', old_schema = $2, updated_at = now()"
        " WHERE schema_name = $1",
        shadow.schema,
        shadow.old_name,
    )


async def find_shadow(conn: Connection, schema: str | None, states: tuple[str, ...]) -> Shadow:
    """The named shadow, or the newest one in one of `states`."""
    if schema is not None:
        row = await conn.fetchrow("SELECT * FROM ops.shadows WHERE schema_name = $1", schema)
        if row is None:
            raise OpsError(f"no shadow {schema!r}; `pressroom projections status` lists them")
        return _shadow(row)
    row = await conn.fetchrow(
        "SELECT * FROM ops.shadows WHERE state = ANY($1::text[]) ORDER BY number DESC LIMIT 1",
        list(states),
    )
    if row is None:
        raise OpsError(f"no shadow is {' or '.join(states)}; build one: pressroom replay --shadow")
    return _shadow(row)


async def all_shadows(conn: Connection) -> list[Shadow]:
    rows = await conn.fetch("SELECT * FROM ops.shadows ORDER BY number")
    return [_shadow(row) for row in rows]


def _shadow(row: Record) -> Shadow:
    return Shadow(
        schema=row["schema_name"],
        number=row["number"],
        projection=row["projection"],
        window=Window(row["since"], row["until"]),
        state=row["state"],
        records=row["records"],
        old_schema=row["old_schema"],
        created_at=row["created_at"],
    )
