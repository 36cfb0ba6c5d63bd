"""PostgreSQL restarting under the kit's handler and scheduler, on the real server: work in
flight is retried once it is back, never dead-lettered, and no deadline is spent by a failure
that is not its own (SQLSTATE 57P01, 53xxx: docs/reliability.md)."""

from __future__ import annotations

import asyncio
import itertools
import uuid
from datetime import UTC, datetime
from typing import Any, cast

import asyncpg
import pytest

from events.actor import Actor
from events.approval import ApprovalOverdue, MarkOverdue
from events.base import Event
from events.catalog import REGISTRY
from events.content import ReleaseContent
from events.drafting import CreateDraft
from events.envelope import Envelope
from events.kafka import encode
from events.topics import DRAFTING_COMMANDS, dlq_topic
from services.drafting.decider import DRAFTING
from services.embargo.rules import SYSTEM_ACTOR
from services.kit.command_auth import AcceptUnsignedCommands
from services.kit.db import Connection, Pool
from services.kit.deadlines import Deadline, Schedule, apply_changes
from services.kit.decider import Decider
from services.kit.dlq import RecordOrigin
from services.kit.eventstore import EventStore
from services.kit.handler import CommandHandler
from services.kit.scheduler import DeadlineScheduler
from services.kit.settings import Settings
from services.kit.transient import is_transient
from tests.integration.pg_faults import restart_while_running, scratch_schema
from tests.support import command_envelope, eventually

pytestmark = pytest.mark.integration
ALICE = Actor(id="alice", roles=["writer"], organisation="fco")
SLEEP = "SELECT pg_sleep(60) -- in flight"
# These tests are about PostgreSQL going away, not about signatures (tested on their own).
UNSIGNED_OK = AcceptUnsignedCommands()


def sleeping_once() -> Any:
    """An after-append hook whose first call is a statement still running when PostgreSQL goes."""
    calls = itertools.count()

    async def hook(conn: Connection, _events: list[Envelope[Event]]) -> None:
        if next(calls) == 0:
            await conn.execute(SLEEP)

    return hook


def failing_with(sqlstate: str, times: int, stream: str | None = None) -> Any:
    """An after-append hook PostgreSQL itself fails `times` times with `sqlstate`; with `stream`,
    only the writes that include that stream's events."""
    calls = itertools.count()

    async def hook(conn: Connection, events: list[Envelope[Event]]) -> None:
        if stream is not None and all(e.subject != stream for e in events):
            return
        if next(calls) < times:
            await conn.execute(
                f"DO $$ BEGIN RAISE EXCEPTION 'injected' USING ERRCODE = '{sqlstate}'; END $$"
            )

    return hook


async def test_a_command_in_flight_when_postgres_restarts_is_retried_not_dead_lettered(
    infra: Settings,
) -> None:
    async with scratch_schema(infra, "restart_test") as (pool, schema):
        handler = CommandHandler(
            pool, EventStore(schema, REGISTRY), DRAFTING, after_append=sleeping_once(),
            verifier=UNSIGNED_OK,
        )  # fmt: skip
        release = str(uuid.uuid4())
        content = ReleaseContent(title="UK and Japan talks", organisations=["fco"])
        envelope = command_envelope(CreateDraft(release_id=release, actor=ALICE, content=content))
        origin = RecordOrigin(DRAFTING_COMMANDS, 0, 0)
        handling = asyncio.create_task(handler.handle_safely(encode(envelope), origin))
        await restart_while_running(infra, f"{SLEEP}%")
        await asyncio.wait_for(handling, 120)
        statuses = await pool.fetch(f"SELECT status FROM {schema}.processed_commands")
        assert [row["status"] for row in statuses] == ["accepted"]
        letters = await pool.fetchval(
            f"SELECT count(*) FROM {schema}.outbox WHERE topic = $1", dlq_topic("drafting")
        )
        assert letters == 0


@pytest.mark.parametrize(
    "sqlstate",
    ["57P01", "53300", "40001"],
    ids=["shutdown", "too-many-connections", "serialization"],
)
async def test_a_command_meeting_a_transient_sqlstate_is_retried_not_dead_lettered(
    infra: Settings, sqlstate: str
) -> None:
    """The connection survives here (PostgreSQL raised the error, the rollback works), so the
    error itself reaches the handler: as the statement in flight of a restart sometimes does."""
    async with scratch_schema(infra, "transient_test") as (pool, schema):
        hook = failing_with(sqlstate, times=2)
        handler = CommandHandler(
            pool, EventStore(schema, REGISTRY), DRAFTING, after_append=hook, verifier=UNSIGNED_OK
        )
        content = ReleaseContent(title="UK and Japan talks", organisations=["fco"])
        command = CreateDraft(release_id=str(uuid.uuid4()), actor=ALICE, content=content)
        origin = RecordOrigin(DRAFTING_COMMANDS, 0, 0)
        await asyncio.wait_for(handler.handle_safely(encode(command_envelope(command)), origin), 60)
        statuses = await pool.fetch(f"SELECT status FROM {schema}.processed_commands")
        assert [row["status"] for row in statuses] == ["accepted"]
        letters = await pool.fetchval(
            f"SELECT count(*) FROM {schema}.outbox WHERE topic = $1", dlq_topic("drafting")
        )
        assert letters == 0


def overdue_decider() -> Decider[Any, Any, int]:
    def decide(command: MarkOverdue, _fired: int, now: datetime) -> list[ApprovalOverdue]:
        return [
            ApprovalOverdue(
                release_id=command.release_id, stage="policy", revision=1, deadline_at=now
            )
        ]

    return Decider("approval", lambda: 0, lambda n, _: n + 1, decide)


def overdue(deadline: Deadline) -> MarkOverdue:
    return MarkOverdue(
        release_id=deadline.stream_id, actor=SYSTEM_ACTOR, stage="policy", revision=1
    )


async def _events(pool: Pool, schema: str) -> int | None:
    """How many events, or None while PostgreSQL restarts under this probe too."""
    try:
        return int(await pool.fetchval(f"SELECT count(*) FROM {schema}.events"))
    except Exception as error:
        if is_transient(error):
            return None
        raise


async def _fires_once(handler: CommandHandler, pool: Pool, schema: str) -> None:
    async with pool.acquire() as conn:
        due = Schedule("rel-1", "overdue", "1:policy", datetime.now(UTC), {})
        await apply_changes(conn, schema, [due])
    stop = asyncio.Event()
    scheduler = DeadlineScheduler(handler, overdue, actor="pressroom-test")
    task = asyncio.create_task(scheduler.run(stop))
    try:
        await eventually(lambda: _events(pool, schema), 120, "the deadline's event")
    finally:
        stop.set()
        scheduler.wake.set()
        await asyncio.wait_for(task, 30)
    row = cast(
        asyncpg.Record,
        await pool.fetchrow(f"SELECT fired_at, failed_at, failure FROM {schema}.deadlines"),
    )
    assert row["fired_at"] is not None and (row["failed_at"], row["failure"]) == (None, None)
    assert await pool.fetchval(f"SELECT count(*) FROM {schema}.events") == 1


@pytest.mark.parametrize(
    "sqlstate", ["53200", "40001", "57P01"], ids=["out-of-memory", "serialization", "shutdown"]
)
async def test_a_deadline_meeting_a_transient_error_is_not_spent_and_fires_later(
    infra: Settings, sqlstate: str
) -> None:
    async with scratch_schema(infra, "transient_test") as (pool, schema):
        # Three times: the batch, then the firing alone, then once more on the next round.
        hook = failing_with(sqlstate, times=3)
        handler = CommandHandler(
            pool, EventStore(schema, REGISTRY), overdue_decider(), after_append=hook
        )
        await _fires_once(handler, pool, schema)


async def test_a_deadline_in_flight_when_postgres_restarts_fires_after_it(
    infra: Settings,
) -> None:
    async with scratch_schema(infra, "restart_test") as (pool, schema):
        handler = CommandHandler(
            pool, EventStore(schema, REGISTRY), overdue_decider(), after_append=sleeping_once()
        )
        firing = asyncio.create_task(_fires_once(handler, pool, schema))
        await restart_while_running(infra, f"{SLEEP}%")
        await asyncio.wait_for(firing, 180)
