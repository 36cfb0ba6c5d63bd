"""`python -m dev_tools.bench.row_writes` measures a release row's writes in a schema of its own
on the real PostgreSQL, and leaves nothing behind."""

from __future__ import annotations

import asyncpg
import pytest

from dev_tools.bench.row_writes import row_writes
from services.kit.settings import Settings

pytestmark = pytest.mark.integration


async def test_a_row_s_writes_are_measured_in_a_schema_removed_afterwards(infra: Settings) -> None:
    conn = await asyncpg.connect(infra.pg_dsn)
    try:
        measured = await row_writes(conn, 20, 500)
        left = await conn.fetchval(
            "SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'bench_rows_%'"
        )
    finally:
        await conn.close()
    assert measured.body_chars == 500
    assert min(measured.insert_us, measured.update_us, measured.upsert_us) > 0
    assert left == 0
