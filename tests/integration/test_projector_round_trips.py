"""A live batch of the projector costs few round trips (issue 15), on the real PostgreSQL: a
release new to the table has no inbox or calendar rows to delete first, and the NOTIFY that
wakes read-your-writes waiters rides in the statement that stores the offsets. A release the
table held still has its derived rows rewritten."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any, cast

import asyncpg
import pytest
import pytest_asyncio

from events.approval import ApprovalRequested
from events.base import Event, Message
from events.envelope import Envelope
from events.kafka import encode
from events.schemas.examples import RELEASE_ID, examples
from services.kit.migrations import apply_migrations
from services.kit.settings import Settings
from services.projector import fencing
from services.projector.batch import Consumed, plan_batch, route
from services.projector.batch_io import notice
from services.projector.bootstrap import MIGRATIONS, SCHEMA
from services.projector.store import NOTIFY_CHANNEL, ProjectionStore
from tests.integration.own_database import database_of_its_own
from tests.integration.statements import Recording

pytestmark = pytest.mark.integration
WAIT_S = 10.0


@pytest_asyncio.fixture
async def dsn(infra: Settings) -> AsyncIterator[str]:
    """A database of its own, for the projector's tables."""
    async with database_of_its_own(infra, "round_trips") as own:
        yield own


@pytest_asyncio.fixture
async def conn(dsn: str) -> AsyncIterator[asyncpg.Connection[Any]]:
    connection = await asyncpg.connect(dsn)
    try:
        await apply_migrations(connection, SCHEMA, MIGRATIONS)
        yield connection
    finally:
        await connection.close()


def the_release_s_story() -> list[Envelope[Message]]:
    every = sorted(examples().values(), key=lambda envelope: envelope.time)
    return [e for e in every if isinstance(e.data, Event) and e.data.release_id == RELEASE_ID]


async def project_live(
    conn: asyncpg.Connection[Any], envelopes: list[Envelope[Message]], first_offset: int
) -> list[str]:
    """As Projector._write does it (lock, plan, write with `stored` and `notice`); the SQL sent."""
    batch = []
    for offset, envelope in enumerate(envelopes, start=first_offset):
        record = encode(envelope)
        consumed = Consumed("live", 0, offset, record.key, record.value, tuple(record.headers))
        batch.append((consumed, route(consumed)))
    recording = Recording(conn)
    store = ProjectionStore()
    async with conn.transaction():
        stored = await store.lock_releases(recording, {RELEASE_ID})
        plan = plan_batch(batch, stored)
        woken = notice("live", {RELEASE_ID}, plan)
        await store.write_batch(recording, "live", plan, stored=stored.keys(), notice=woken)
    return recording.sql


async def test_a_new_release_costs_no_deletes_and_its_notice_rides_with_the_offsets(
    conn: asyncpg.Connection[Any], dsn: str
) -> None:
    heard: asyncio.Queue[str] = asyncio.Queue()
    listener = await asyncpg.connect(dsn)
    try:
        await listener.add_listener(NOTIFY_CHANNEL, lambda *args: heard.put_nowait(args[3]))
        sql = await project_live(conn, the_release_s_story()[:1], first_offset=0)
        payload = json.loads(await asyncio.wait_for(heard.get(), WAIT_S))
    finally:
        await listener.close()
    assert not [s for s in sql if s.lstrip().upper().startswith("DELETE")], sql
    notifying = [s for s in sql if "pg_notify" in s]
    assert len(notifying) == 1 and "consumer_offsets" in notifying[0], sql
    assert payload["releases"] == [RELEASE_ID] and payload["consumer"] == "live"
    stored = await conn.fetchval(
        "SELECT next_offset FROM projections.consumer_offsets WHERE consumer = 'live'"
    )
    assert stored == 1
    assert await conn.fetchval("SELECT count(*) FROM projections.releases") == 1


async def test_whole_rows_ride_in_the_statement_that_stores_the_offsets(
    conn: asyncpg.Connection[Any],
) -> None:
    """Issue 15: a release's row, its revision, a timeline row and a command's outcome were a
    round trip each per batch. A release new to the table is the exception: its row is claimed
    before anything else of the batch is written (services/projector/new_releases.py)."""
    created, revised = the_release_s_story()[:2]
    outcome = examples()["pressroom.replies.CommandOutcome.v1"]
    # Each twice in the batch, as a redelivery brings them: one row of each all the same.
    sql = await project_live(conn, [created, outcome, created, outcome], first_offset=0)

    tables = ("releases", "release_revisions", "release_history", "command_outcomes")
    writes = [s for s in sql if any(f"INTO projections.{table} " in s for table in tables)]
    assert len(writes) == 2, sql
    claim, tail = writes
    assert claim == sql[1] and "INTO projections.releases " in claim and "DO NOTHING" in claim
    assert all(f"INTO projections.{table} " in tail for table in tables[1:])
    assert "consumer_offsets" in tail and "pg_notify" in tail
    history = await conn.fetch("SELECT event_id, data FROM projections.release_history")
    assert [(row["event_id"], json.loads(row["data"])) for row in history] == [
        (created.id, created.data.model_dump(mode="json"))
    ]
    outcomes = await conn.fetch("SELECT command_id, status FROM projections.command_outcomes")
    assert [tuple(row) for row in outcomes] == [
        (outcome.data.command_id, outcome.data.status.value)  # type: ignore[attr-defined]
    ]
    stored = await conn.fetchval(
        "SELECT next_offset FROM projections.consumer_offsets WHERE consumer = 'live'"
    )
    assert stored == 4
    release = cast(
        asyncpg.Record,
        await conn.fetchrow(
            "SELECT title, organisations, revision FROM projections.releases WHERE release_id = $1",
            RELEASE_ID,
        ),
    )
    content = created.data.content  # type: ignore[attr-defined]
    assert tuple(release) == (content.title, content.organisations, 1)
    assert await conn.fetchval("SELECT count(*) FROM projections.release_revisions") == 1
    # A release the table held rides with the offsets like the rest: an UPDATE, not an upsert,
    # whose INSERT half would cost the row's search vector once more (docs/decisions.md 55).
    held = await project_live(conn, [revised], first_offset=4)
    writing = [s for s in held if "projections.releases " in s and "FOR UPDATE" not in s]
    assert len(writing) == 1 and "consumer_offsets" in writing[0], held
    assert "UPDATE projections.releases AS t SET" in writing[0], held
    assert "INTO projections.releases " not in writing[0], held


async def test_a_release_the_table_held_has_its_derived_rows_rewritten(
    conn: asyncpg.Connection[Any],
) -> None:
    story = the_release_s_story()
    asked = next(n for n, e in enumerate(story) if isinstance(e.data, ApprovalRequested)) + 1
    await project_live(conn, story[:1], first_offset=0)
    sql = await project_live(conn, story[1:asked], first_offset=1)
    deletes = [s for s in sql if s.lstrip().upper().startswith("DELETE")]
    assert any("approval_inbox" in s for s in deletes), sql
    inbox = await conn.fetchval(
        "SELECT count(*) FROM projections.approval_inbox WHERE release_id = $1", RELEASE_ID
    )
    assert inbox > 0


async def test_the_fence_is_checked_in_the_statement_that_locks_the_rows_and_first(
    conn: asyncpg.Connection[Any], dsn: str
) -> None:
    """Issue 15: the fence's check and the release rows' lock were two round trips per batch.
    In one statement the check still comes first: a refused writer locks no release row."""
    await project_live(conn, the_release_s_story()[:1], first_offset=0)
    partition = ("live", 0)
    await fencing.claim(conn, SCHEMA, "live", "stalled", [partition])  # epoch 1
    await fencing.claim(conn, SCHEMA, "live", "successor", [partition])  # epoch 2
    other = await asyncpg.connect(dsn)
    try:
        for epoch, refused in ((1, True), (2, False)):
            recording = Recording(conn)
            async with conn.transaction():
                try:
                    stored = await ProjectionStore().lock_releases_held(
                        recording, "live", {partition: epoch}, {RELEASE_ID}
                    )
                except fencing.PartitionsFenced as fenced:
                    assert refused and fenced.partitions == {partition}
                else:
                    assert not refused and list(stored) == [RELEASE_ID]
                assert await _locked_elsewhere(other, RELEASE_ID) is not refused
            assert len(recording.sql) == 1 and "partition_epochs" in recording.sql[0]
    finally:
        await other.close()


async def _locked_elsewhere(other: asyncpg.Connection[Any], release_id: str) -> bool:
    """Whether another session finds the release's row locked (it does not wait for it)."""
    try:
        async with other.transaction():
            await other.execute(
                "SELECT 1 FROM projections.releases WHERE release_id = $1 FOR UPDATE NOWAIT",
                release_id,
            )
    except asyncpg.LockNotAvailableError:
        return True
    return False
