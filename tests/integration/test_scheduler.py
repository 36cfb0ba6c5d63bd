"""The deadline scheduler on real PostgreSQL: on time and never early, once across instances,
moved and cancelled deadlines, catch-up after downtime, deadlines written with their events."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any, cast

import asyncpg
import pytest

from events.actor import Actor
from events.approval import ApprovalOverdue, MarkOverdue
from events.base import Event
from events.catalog import REGISTRY
from events.envelope import Envelope
from services.kit.db import Pool
from services.kit.deadlines import Cancel, Deadline, Schedule, apply_changes, deadline_writer
from services.kit.decider import Decider
from services.kit.eventstore import EventStore
from services.kit.handler import AfterAppend, CommandHandler
from services.kit.migrations import KIT_SQL, apply_migrations
from services.kit.scheduler import BATCH_SIZE, DeadlineScheduler
from services.kit.settings import Settings
from tests.support import eventually

pytestmark = pytest.mark.integration
SYSTEM = Actor(id="pressroom-test", roles=["system"])
KIND = "overdue"
MARKER = "marker"  # the key of a positive marker: "everything before it was handled"


def decide(command: MarkOverdue, fired: int, now: datetime) -> list[ApprovalOverdue]:
    """Every firing is an event stamped with the handler's clock: what the tests inspect."""
    return [
        ApprovalOverdue(
            release_id=command.release_id,
            stage=command.stage,
            revision=command.revision,
            deadline_at=now,
        )
    ]


RECORDER: Decider[Any, Any, int] = Decider(
    service="approval", initial_state=lambda: 0, evolve=lambda n, _: n + 1, decide=decide
)


def to_command(deadline: Deadline) -> MarkOverdue:
    return MarkOverdue(
        release_id=deadline.stream_id,
        actor=SYSTEM,
        stage=deadline.payload.get("stage", "policy"),
        revision=deadline.payload["revision"],
    )


def now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Harness:
    """One throwaway schema with the kit's tables, and schedulers running on it."""

    pool: Pool
    schema: str
    after_append: AfterAppend | None = None
    decider: Decider[Any, Any, Any] = RECORDER
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    stop: asyncio.Event = field(default_factory=asyncio.Event)

    def handler(self) -> CommandHandler:
        store = EventStore(self.schema, REGISTRY)
        return CommandHandler(self.pool, store, self.decider, after_append=self.after_append)

    def start_scheduler(self, batch_size: int = BATCH_SIZE) -> asyncio.Task[None]:
        scheduler = DeadlineScheduler(
            self.handler(), to_command, actor=SYSTEM.id, batch_size=batch_size
        )
        task = asyncio.create_task(scheduler.run(self.stop))
        self.tasks.append(task)
        return task

    async def write(self, *changes: Schedule | Cancel) -> None:
        async with self.pool.acquire() as conn, conn.transaction():
            await apply_changes(conn, self.schema, changes)

    async def fired(self, stream: str) -> list[datetime]:
        """When each firing's command was handled, by the handler's clock, in stream order."""
        rows = await self.pool.fetch(
            f"SELECT data->>'deadline_at' AS at FROM {self.schema}.events"
            " WHERE stream_id = $1 ORDER BY version",
            stream,
        )
        return [datetime.fromisoformat(row["at"]) for row in rows]

    async def row(self, stream: str, key: str) -> asyncpg.Record:
        return cast(
            asyncpg.Record,
            await self.pool.fetchrow(
                f"SELECT * FROM {self.schema}.deadlines WHERE stream_id = $1 AND key = $2",
                stream,
                key,
            ),
        )

    async def passed_all(self, streams: Sequence[str], due_at: datetime) -> list[int]:
        """`passed` for many streams at once: how many firings each has, its marker's included."""
        await self.write(*(schedule(stream, due_at, MARKER) for stream in streams))
        waiting = (
            f"SELECT count(*) FROM {self.schema}.deadlines"
            " WHERE key = $1 AND fired_at IS NULL AND stream_id = ANY($2::text[])"
        )

        async def markers_fired() -> bool:
            return bool(await self.pool.fetchval(waiting, MARKER, list(streams)) == 0)

        await eventually(markers_fired, what=f"the markers on {len(streams)} streams")
        rows = await self.pool.fetch(
            f"SELECT stream_id, count(*) AS n FROM {self.schema}.events"
            " WHERE stream_id = ANY($1::text[]) GROUP BY stream_id",
            list(streams),
        )
        counts = {row["stream_id"]: row["n"] for row in rows}
        return [counts.get(stream, 0) for stream in streams]

    async def passed(self, stream: str, due_at: datetime) -> list[datetime]:
        """A marker deadline on `stream` due at `due_at`, waited for until it fired: the scheduler
        takes each stream's due rows oldest first, so anything due earlier on that stream that
        was going to fire has fired, and a row it fires again would come before the marker.
        Returns every firing of the stream, the marker's last."""
        await self.write(schedule(stream, due_at, MARKER))

        async def marker_fired() -> bool:
            row = await self.row(stream, MARKER)
            return row is not None and row["fired_at"] is not None

        await eventually(marker_fired, what=f"the marker on {stream}")
        return await self.fired(stream)


@asynccontextmanager
async def harness(
    settings: Settings, after_append: AfterAppend | None = None
) -> AsyncIterator[Harness]:
    schema = f"scheduler_test_{uuid.uuid4().hex[:10]}"
    async with asyncpg.create_pool(settings.pg_dsn, min_size=1, max_size=10) as pool:
        async with pool.acquire() as conn:
            await apply_migrations(conn, schema, KIT_SQL)
        running = Harness(pool, schema, after_append)
        try:
            yield running
        finally:
            running.stop.set()
            await asyncio.wait_for(asyncio.gather(*running.tasks), timeout=10)
            await pool.execute(f"DROP SCHEMA {schema} CASCADE")


def schedule(stream: str, due_at: datetime, key: str = "1:policy") -> Schedule:
    return Schedule(stream, KIND, key, due_at, {"revision": 1})


async def test_a_deadline_fires_once_right_after_it_is_due_and_never_before(
    infra: Settings,
) -> None:
    async with harness(infra) as h:
        due = now() + timedelta(seconds=2)
        await h.write(schedule("rel-1", due))
        h.start_scheduler()
        [fired_at] = await eventually(lambda: h.fired("rel-1"), what="the firing")
        # Never before due, by the handler's own clock at the firing; no 30 s poll either.
        assert due <= fired_at < due + timedelta(seconds=2)
        row = await h.row("rel-1", "1:policy")
        assert row["fired_at"] >= due and row["cancelled_at"] is None
        assert len(await h.passed("rel-1", now())) == 2  # the firing, then only the marker


async def test_two_schedulers_on_one_schema_fire_each_deadline_exactly_once(
    infra: Settings,
) -> None:
    async with harness(infra) as h:
        due = now() + timedelta(seconds=1.5)
        streams = [f"rel-{n}" for n in range(40)]
        await h.write(*(schedule(stream, due) for stream in streams))
        await h.write(
            *(schedule(stream, now() - timedelta(minutes=5), "0:late") for stream in streams)
        )
        h.start_scheduler()
        h.start_scheduler()

        async def all_fired() -> bool:
            return all([len(await h.fired(stream)) >= 2 for stream in streams])

        await eventually(all_fired, what="every deadline to fire")
        # Two firings each, then only each stream's marker: nothing fired twice.
        assert [len(await h.passed(stream, now())) for stream in streams] == [3] * len(streams)
        handled = await h.pool.fetchval(f"SELECT count(*) FROM {h.schema}.processed_commands")
        assert handled == 3 * len(streams)


async def test_a_rescheduled_deadline_fires_at_its_new_time_only(infra: Settings) -> None:
    async with harness(infra) as h:
        h.start_scheduler()
        first = now() + timedelta(seconds=1.5)
        await h.write(schedule("rel-1", first))
        await h.passed("rel-0", now())  # a round after the write: asleep until `first` now
        moved = max(now(), first) + timedelta(seconds=2)
        await h.write(schedule("rel-1", moved))
        [fired_at] = await eventually(lambda: h.fired("rel-1"), what="the moved firing")
        # One firing, at the new time: the first time passed without one (a firing then would
        # have marked the row, and the moved time would never have come).
        assert fired_at >= moved
        assert len(await h.passed("rel-1", now())) == 2  # the moved firing, then the marker


async def test_a_deadline_moved_earlier_wakes_the_sleeping_scheduler(infra: Settings) -> None:
    async with harness(infra) as h:
        await h.write(schedule("rel-1", now() + timedelta(hours=1)))
        h.start_scheduler()
        await h.passed("rel-0", now())  # asleep now, until the hour passes or a NOTIFY comes
        earlier = now() + timedelta(seconds=1)
        await h.write(schedule("rel-1", earlier))
        [fired_at] = await eventually(lambda: h.fired("rel-1"), timeout=10, what="the firing")
        assert earlier <= fired_at < earlier + timedelta(seconds=2)


async def test_a_cancelled_deadline_never_fires(infra: Settings) -> None:
    async with harness(infra) as h:
        h.start_scheduler()
        due = now() + timedelta(seconds=1)
        await h.write(schedule("rel-1", due), schedule("rel-1", due, "1:legal"))
        await h.write(Cancel("rel-1", KIND, "1:policy"))
        await eventually(lambda: h.fired("rel-1"), what="legal's firing")
        assert len(await h.passed("rel-1", due + timedelta(seconds=0.5))) == 2  # legal's, marker
        row = await h.row("rel-1", "1:policy")
        assert row["fired_at"] is None and row["cancelled_at"] is not None
        await h.write(Cancel("rel-1", KIND))  # cancelling all spares what already fired
        assert (await h.row("rel-1", "1:legal"))["cancelled_at"] is None


async def test_deadlines_that_passed_while_nothing_ran_fire_at_start_oldest_first(
    infra: Settings,
) -> None:
    async with harness(infra) as h:
        long_ago, recently = now() - timedelta(hours=3), now() - timedelta(seconds=30)
        await h.write(schedule("rel-1", recently, "1:legal"), schedule("rel-1", long_ago))
        started = now()
        h.start_scheduler()
        fired = await eventually(
            lambda: _at_least(h.fired("rel-1"), 2), timeout=10, what="the catch-up"
        )
        assert all(started <= at < started + timedelta(seconds=5) for at in fired)
        older, newer = await h.row("rel-1", "1:policy"), await h.row("rel-1", "1:legal")
        assert older["fired_at"] < newer["fired_at"]


async def test_deadlines_are_written_in_the_transaction_of_the_events_that_imply_them(
    infra: Settings,
) -> None:
    def follow_up(envelopes: list[Envelope[Event]]) -> Sequence[Schedule | Cancel]:
        return [
            Schedule(e.subject, "follow-up", e.data.stage, e.time + timedelta(hours=1), {})
            for e in envelopes
            if isinstance(e.data, ApprovalOverdue)
        ]

    async with harness(infra) as h:
        h.after_append = deadline_writer(h.schema, follow_up)
        command = MarkOverdue(release_id="rel-1", actor=SYSTEM, stage="legal", revision=1)
        envelope = Envelope[MarkOverdue](
            id=str(uuid.uuid4()), source="/tests", time=now(), subject="rel-1", data=command,
            correlation_id="c", actor="t",
        )  # fmt: skip
        outcome = await h.handler().handle(envelope, reply=False)
        [event_id] = outcome.events
        row = await h.row("rel-1", "legal")
        occurred = await h.pool.fetchval(
            f"SELECT occurred_at FROM {h.schema}.events WHERE event_id = $1", event_id
        )
        assert row["kind"] == "follow-up" and row["due_at"] == occurred + timedelta(hours=1)


async def test_a_fired_command_may_re_arm_its_own_deadline(infra: Settings) -> None:
    """The reminder pattern: the firing's events move the same deadline on, in its transaction."""

    def remind_again(envelopes: list[Envelope[Event]]) -> Sequence[Schedule | Cancel]:
        return [
            Schedule(e.subject, KIND, "1:policy", e.time + timedelta(seconds=1), {"revision": 1})
            for e in envelopes
            if e.sequence is not None and e.sequence < 3
        ]

    async with harness(infra) as h:
        h.after_append = deadline_writer(h.schema, remind_again)
        await h.write(schedule("rel-1", now()))
        h.start_scheduler()
        fired = await eventually(lambda: _at_least(h.fired("rel-1"), 3), what="three reminders")
        assert all(later - earlier >= timedelta(seconds=1) for earlier, later in pairwise(fired))
        # A fourth reminder would be due a second after the third: the marker comes after it.
        marker_due = fired[-1] + timedelta(seconds=1.5)
        assert len(await h.passed("rel-1", marker_due)) == 4  # three reminders, then the marker
        assert (await h.row("rel-1", "1:policy"))["fired_at"] is not None


async def test_a_deadline_whose_command_cannot_be_built_is_set_aside_and_the_rest_fire(
    infra: Settings,
) -> None:
    async with harness(infra) as h:
        broken = Schedule("rel-1", KIND, "1:policy", now(), {"no": "revision"})
        await h.write(broken, schedule("rel-2", now()))
        h.start_scheduler()
        await eventually(lambda: h.fired("rel-2"), timeout=10, what="the sound deadline")
        row = await eventually(
            lambda: _fired_row(h, "rel-1"), timeout=10, what="the broken one set aside"
        )
        assert "KeyError" in (row["failure"] or "") and await h.fired("rel-1") == []


async def _at_least(probe: Any, count: int) -> list[datetime] | None:
    found: list[datetime] = await probe
    return found if len(found) >= count else None


async def _fired_row(h: Harness, stream: str) -> asyncpg.Record | None:
    row = await h.row(stream, "1:policy")
    return row if row is not None and row["fired_at"] is not None else None
