"""The relay's scan for pending rows must not walk the index entries of every row published since
the last VACUUM (services/kit/sql/004_outbox_vacuumed_by_count.sql): an outbox that keeps many
rows (as every version before 005 kept its published ones) has its newest dead rows on a sliver
of its pages, and PostgreSQL's VACUUM skipped index cleanup for them; the relay's scan then
walked them all, on every event. Since 005 the relay deletes rows once sent (a small table), and
the vacuum settings stay for the tables that still hold many rows."""

from __future__ import annotations

import json

import pytest

from services.kit.relay_rows import PENDING
from services.kit.settings import Settings
from tests.integration.pg_faults import scratch_schema

pytestmark = pytest.mark.integration

HISTORY = 60_000  # rows published long ago (vacuumed): the table a press office has after a while
FRESH = 600  # rows published since: fewer than 2% of the table's pages hold them


async def buffers_for_pending_scan(pool: object, schema: str) -> int:
    plan = await pool.fetchval(  # type: ignore[attr-defined]
        "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) SELECT id FROM"
        f" {schema}.outbox WHERE {PENDING} ORDER BY id LIMIT 500"
    )
    top = json.loads(plan)[0]["Plan"]
    return int(top["Shared Hit Blocks"]) + int(top["Shared Read Blocks"])


async def test_vacuum_clears_the_pending_index_of_rows_published_since(infra: Settings) -> None:
    async with scratch_schema(infra, "vacuum") as (pool, schema):
        insert = (
            f"INSERT INTO {schema}.outbox (topic, key, value, header_keys, header_values)"
            " SELECT 't', NULL, repeat('x', 900)::bytea, '{}', '{}' FROM generate_series(1, $1)"
        )
        await pool.execute(insert, HISTORY)
        await pool.execute(f"UPDATE {schema}.outbox SET published_at = now()")
        await pool.execute(f"VACUUM {schema}.outbox")
        await pool.execute(insert, FRESH)
        await pool.execute(
            f"UPDATE {schema}.outbox SET published_at = now() WHERE published_at IS NULL"
        )
        await pool.execute(f"VACUUM {schema}.outbox")  # as autovacuum runs it: the table's options

        visited = await buffers_for_pending_scan(pool, schema)

        assert visited <= 3, f"the scan for pending rows read {visited} buffers of an empty queue"
