"""A fired deadline refused as "not due yet" is not spent: it stays armed and fires again, and a
wall clock stepping back between the claim and decide never makes an embargo's lift disappear."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest

from events.actor import Actor
from events.approval import ApprovalOverdue, MarkOverdue
from events.catalog import REGISTRY
from events.embargo import NoteApproval, SetEmbargo
from events.envelope import Envelope
from services.approval.rules import NotDueYet
from services.embargo import deadlines as embargo_deadlines
from services.embargo.decider import EMBARGO
from services.embargo.rules import SYSTEM_ACTOR
from services.kit.db import Pool
from services.kit.deadlines import Deadline, Schedule, apply_changes, deadline_writer
from services.kit.decider import Decider
from services.kit.eventstore import EventStore
from services.kit.handler import CommandHandler
from services.kit.scheduler import DeadlineScheduler
from services.kit.settings import Settings
from tests.integration.pg_faults import scratch_schema
from tests.support import eventually

pytestmark = pytest.mark.integration
PAULA = Actor(id="paula", roles=["press-officer"], organisation="fco")
HASH = "sha256:" + "a" * 64
Clock = Callable[[], datetime]


def real_now() -> datetime:
    return datetime.now(UTC)


@asynccontextmanager
async def scheduling(handler: CommandHandler, to_command: Any) -> AsyncIterator[None]:
    stop = asyncio.Event()
    scheduler = DeadlineScheduler(handler, to_command, actor="pressroom-test")
    task = asyncio.create_task(scheduler.run(stop))
    try:
        yield
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=10)


def refusing_twice() -> Decider[Any, Any, int]:
    """Refuses the first two firings as too early (approval's refusal), then records one."""
    calls = iter(range(1_000))

    def decide(command: MarkOverdue, fired: int, now: datetime) -> list[ApprovalOverdue]:
        if next(calls) < 2:
            raise NotDueYet("not yet")
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


async def test_a_firing_refused_as_not_due_stays_armed_and_fires_again(infra: Settings) -> None:
    async with scratch_schema(infra, "not_due_test") as (pool, schema):
        handler = CommandHandler(pool, EventStore(schema, REGISTRY), refusing_twice())
        async with pool.acquire() as conn:
            due = Schedule("rel-1", "overdue", "1:policy", real_now(), {})
            await apply_changes(conn, schema, [due])
        async with scheduling(handler, overdue):
            await eventually(lambda: _count(pool, schema, "events"), 20, "the third firing")
            # A positive marker: a deadline due later on the same stream fires after anything
            # due before it (oldest first); a firing twice would have come first.
            await apply_marker(pool, schema)
            await eventually(lambda: _marker_fired(pool, schema), 20, "the marker")
        assert await _count(pool, schema, "events") == 2  # the firing, then the marker
        statuses = await pool.fetch(f"SELECT status FROM {schema}.processed_commands")
        # The firing's and the marker's: the refusals left nothing.
        assert [row["status"] for row in statuses] == ["accepted", "accepted"]
        fired = await pool.fetchval(
            f"SELECT fired_at FROM {schema}.deadlines WHERE key = '1:policy'"
        )
        assert fired is not None


async def apply_marker(pool: asyncpg.Pool, schema: str) -> None:
    async with pool.acquire() as conn:
        marker = Schedule("rel-1", "overdue", "marker", real_now(), {})
        await apply_changes(conn, schema, [marker])


async def _marker_fired(pool: asyncpg.Pool, schema: str) -> bool:
    fired = await pool.fetchval(f"SELECT fired_at FROM {schema}.deadlines WHERE key = 'marker'")
    return fired is not None


def stepping_back(after: datetime, by: timedelta) -> Clock:
    """The wall clock as NTP may step it: once it has read `after` or later, every later reading
    is `by` behind, so a claim made at or past the lift time meets an earlier "now" next."""
    stepped = False

    def clock() -> datetime:
        nonlocal stepped
        now = real_now()
        if stepped:
            return now - by
        stepped = now >= after
        return now

    return clock


async def test_a_clock_stepping_back_after_the_claim_never_loses_the_lift(
    infra: Settings,
) -> None:
    async with scratch_schema(infra, "not_due_test") as (pool, schema):
        handler = CommandHandler(
            pool,
            EventStore(schema, REGISTRY),
            EMBARGO,
            after_append=deadline_writer(schema, embargo_deadlines.deadline_changes),
        )
        lift_at = real_now() + timedelta(seconds=1.5)
        await _send(handler, "rel-1", SetEmbargo(release_id="rel-1", actor=PAULA, lift_at=lift_at))
        note = NoteApproval(release_id="rel-1", actor=SYSTEM_ACTOR, revision=1, content_hash=HASH)
        await _send(handler, "rel-1", note)
        shaky = CommandHandler(
            pool, handler.store, EMBARGO, clock=stepping_back(lift_at, timedelta(seconds=2))
        )
        async with scheduling(shaky, embargo_deadlines.to_command):
            lifted = await eventually(lambda: _lifted(pool, schema), 20, "the lift")
        assert datetime.fromisoformat(lifted["lift_at"]) == lift_at
        assert datetime.fromisoformat(lifted["lifted_at"]) >= lift_at  # the claim's instant


async def _send(handler: CommandHandler, stream: str, command: Any) -> None:
    envelope = Envelope[Any](
        id=str(uuid.uuid4()), source="/tests", time=real_now(), subject=stream, data=command,
        correlation_id="c", actor="test",
    )  # fmt: skip
    outcome = await handler.handle(envelope, reply=False)
    assert outcome.status == "accepted", outcome


async def _count(pool: Pool, schema: str, table: str) -> int:
    return int(await pool.fetchval(f"SELECT count(*) FROM {schema}.{table}"))


async def _lifted(pool: Pool, schema: str) -> dict[str, Any] | None:
    data = await pool.fetchval(
        f"SELECT data FROM {schema}.events WHERE event_type LIKE '%EmbargoLifted%'"
    )
    return None if data is None else dict(json.loads(data))
