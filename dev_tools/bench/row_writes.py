"""What PostgreSQL spends on one write of a release's row that leaves its text alone, by the
length of the text: as an UPDATE and as an upsert, in a schema of its own (removed afterwards)
with the read models' migrations. Behind docs/decisions.md 55 (the search vector computed only
when the text changes).

    python -m dev_tools.bench.row_writes [ROWS]
"""

from __future__ import annotations

import asyncio
import sys
import time
import uuid
from dataclasses import dataclass

import asyncpg

from operator_tools.schemas import create_projection_schema, drop_schema
from services.kit.settings import load_settings

BODY_SENTENCE = "The minister met her counterpart today to discuss security and trade. "
BODY_LENGTHS = (132, 3_300)  # characters: a short text; a real press release's 2 to 6 KB
ROUNDS = 5
COLUMNS = (
    "release_id, title, summary, body, lead_organisation, status, revision, content_hash,"
    " content, created_by, created_at, updated_at, last_event_id"
)


@dataclass(frozen=True)
class RowWrites:
    body_chars: int
    insert_us: float
    update_us: float
    upsert_us: float


async def row_writes(conn: asyncpg.Connection, rows: int, body_chars: int) -> RowWrites:
    """µs of one row's INSERT, UPDATE and upsert (each statement writing `rows` rows)."""
    schema = f"bench_rows_{uuid.uuid4().hex[:8]}"
    await create_projection_schema(conn, schema)
    body = (BODY_SENTENCE * (body_chars // len(BODY_SENTENCE) + 1))[:body_chars]
    rows_sql = (
        "SELECT 'r' || i, 'Title ' || i, 'A summary', $1, 'org', $3, 1, 'h', '{}'::jsonb,"
        " 'u', now(), now(), 'e' FROM generate_series(1, $2) AS i"
    )
    try:
        inserted = await _timed(
            conn, 1, f"INSERT INTO {schema}.releases ({COLUMNS}) {rows_sql}", body, rows, "draft"
        )
        updated = await _timed(
            conn, ROUNDS, f"UPDATE {schema}.releases SET title = title, summary = summary,"
            " body = body, status = $1, updated_at = now()", "s",
        )  # fmt: skip
        upserted = await _timed(
            conn, ROUNDS, f"INSERT INTO {schema}.releases ({COLUMNS}) {rows_sql}"
            " ON CONFLICT (release_id) DO UPDATE SET title = EXCLUDED.title,"
            " body = EXCLUDED.body, status = EXCLUDED.status, updated_at = EXCLUDED.updated_at",
            body, rows, "u",
        )  # fmt: skip
    finally:
        await drop_schema(conn, schema)
    per_row = 1e6 / rows
    return RowWrites(body_chars, inserted * per_row, updated * per_row, upserted * per_row)


async def _timed(conn: asyncpg.Connection, rounds: int, sql: str, *args: object) -> float:
    """Seconds a round, the mean of `rounds`."""
    started = time.perf_counter()
    for _ in range(rounds):
        await conn.execute(sql, *args)
    return (time.perf_counter() - started) / rounds


async def main(rows: int) -> list[RowWrites]:
    conn = await asyncpg.connect(load_settings().pg_dsn)
    try:
        return [await row_writes(conn, rows, length) for length in BODY_LENGTHS]
    finally:
        await conn.close()


if __name__ == "__main__":
    for w in asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 2_000)):
        print(
            f"body {w.body_chars:>5} characters: insert {w.insert_us:6.1f} µs a row,"
            f" update {w.update_us:6.1f}, upsert {w.upsert_us:6.1f}"
        )
