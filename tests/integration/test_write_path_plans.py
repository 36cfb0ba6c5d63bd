"""The write path's statements are planned once per connection, not on every execution (issue
15): under PostgreSQL's default plan cache mode the projector's fence-and-lock and a command
batch's read were planned afresh each time (with the relay's delete, 0.57 ms of PostgreSQL's CPU
per HTTP write at 50/s). On the real PostgreSQL, through the pools the services and the projector
use, counting each prepared statement's plans in `pg_prepared_statements`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from services.drafting.decider import DRAFTING
from services.kit.migrations import apply_migrations, apply_service_migrations
from services.kit.runtime import ServiceRuntime
from services.kit.settings import Settings
from services.projector import fencing
from services.projector.bootstrap import MIGRATIONS, SCHEMA, projector_pool
from services.projector.store import ProjectionStore
from tests.integration.own_database import database_of_its_own

pytestmark = pytest.mark.integration
# PostgreSQL's default tries custom plans for a statement's first five executions at least.
RUNS = 8


@pytest_asyncio.fixture
async def projector_settings(infra: Settings) -> AsyncIterator[Settings]:
    """The projector's tables in a database of their own."""
    async with database_of_its_own(infra, "plans") as dsn:
        yield infra.model_copy(update={"projector_database_url": dsn})


async def _plans(conn: Any, statement_start: str) -> tuple[int, int]:
    """(generic, custom) plans made so far for this session's statement beginning so."""
    row = await conn.fetchrow(
        "SELECT generic_plans, custom_plans FROM pg_prepared_statements"
        " WHERE statement LIKE $1 || '%'",
        statement_start,
    )
    assert row is not None, f"no prepared statement starts with {statement_start!r}"
    return row["generic_plans"], row["custom_plans"]


async def test_the_projector_plans_its_fence_and_lock_once(projector_settings: Settings) -> None:
    pool = await projector_pool(projector_settings)
    try:
        async with pool.acquire() as conn:
            await apply_migrations(conn, SCHEMA, MIGRATIONS)
            partition = ("pressroom.drafting.events", 0)
            epochs = await fencing.claim(conn, SCHEMA, "live", "me", [partition])
            for n in range(RUNS):
                async with conn.transaction():
                    await ProjectionStore().lock_releases_held(
                        conn, "live", epochs, {f"release-{n}"}
                    )
            plans = await _plans(conn, "WITH fence AS")
    finally:
        await pool.close()
    assert plans == (RUNS, 0)


async def test_a_service_plans_its_batch_read_once(infra: Settings) -> None:
    settings = infra.model_copy(update={"pg_pool_min_size": 0, "pg_pool_max_size": 1})
    runtime = ServiceRuntime(settings, DRAFTING, migrations="services.drafting.migrations")
    pool = await runtime.pool()
    try:
        async with pool.acquire() as conn:
            await apply_service_migrations(conn, runtime.schema, runtime.migrations)
            for n in range(RUNS):
                await runtime.store.known_many(conn, [f"command-{n}"], [f"stream-{n}"])
            plans = await _plans(conn, "SELECT 0 AS part")
    finally:
        await pool.close()
    assert plans == (RUNS, 0)
