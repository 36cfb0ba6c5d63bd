"""A read-your-writes GET through the real read model: a release still behind the version asked
for is read, waited for until the projector's notice names it, and read once more; that second
read is the answer. Two queries (issue 15: it was the read, a version check before the wait,
another after it, and the read again)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any, cast

import asyncpg
import pytest

from services.kit.db import keep_session
from services.kit.migrations import apply_migrations
from services.kit.settings import Settings
from services.projector.bootstrap import MIGRATIONS, SCHEMA
from services.read_models.postgres import PostgresReadModel
from services.read_models.tables import ADVANCED_CHANNEL
from tests.fakes.gateway import gateway_client
from tests.fakes.read_model import FakeReadModel
from tests.integration.own_database import database_of_its_own
from tests.integration.test_read_model_contract import OPEN, project, story
from tests.support import eventually

pytestmark = pytest.mark.integration
ALICE = {"Authorization": "Bearer dev-alice"}


@pytest.fixture
async def database(infra: Settings) -> AsyncIterator[str]:
    async with database_of_its_own(infra, "ryw") as dsn:
        conn = await asyncpg.connect(dsn)
        try:
            await apply_migrations(conn, SCHEMA, MIGRATIONS)
            await project(conn, story())
        finally:
            await conn.close()
        yield dsn


async def test_a_get_that_waits_once_reads_the_release_twice_and_nothing_else(
    database: str,
) -> None:
    queries: list[str] = []

    async def logged(conn: asyncpg.Connection[Any]) -> None:
        conn.add_query_logger(lambda q: queries.append(" ".join(q.query.split()[:3])))

    reads = PostgresReadModel(database)
    await reads.start()
    await reads.pool.close()
    # The read model's own pool, every query on it written down (the LISTEN has its own).
    reads._pool = await asyncpg.create_pool(
        database, min_size=0, max_size=2, init=logged, reset=keep_session
    )
    writer = await asyncpg.connect(database)
    try:
        await eventually(reads.ping, 30, "the read model listening")
        queries.clear()
        version = await writer.fetchval(
            "SELECT (versions->>'drafting')::int FROM projections.releases WHERE release_id = $1",
            OPEN,
        )
        async with gateway_client(cast(FakeReadModel, reads)) as http:
            asked = asyncio.create_task(
                http.get(f"/v1/releases/{OPEN}", params={"min_version": version + 1}, headers=ALICE)
            )
            await eventually(lambda: _read_once(queries), 30, "the first read")
            await _advance(writer, version + 1)  # what the projector's next batch does
            answer = await asyncio.wait_for(asked, 30)
    finally:
        await writer.close()
        await reads.stop()
    assert answer.status_code == 200, answer.text
    assert "Pressroom-Stale" not in answer.headers
    assert answer.json()["versions"]["drafting"] == version + 1
    assert queries == ["SELECT release_id, title,"] * 2


async def _read_once(queries: list[str]) -> bool:
    return len(queries) >= 1


async def _advance(conn: asyncpg.Connection[Any], version: int) -> None:
    async with conn.transaction():
        await conn.execute(
            "UPDATE projections.releases SET versions = jsonb_set(versions, '{drafting}',"
            " to_jsonb($2::int)) WHERE release_id = $1",
            OPEN,
            version,
        )
        notice = {"consumer": "test", "releases": [OPEN], "commands": [], "truncated": False}
        await conn.execute("SELECT pg_notify($1, $2)", ADVANCED_CHANNEL, json.dumps(notice))
