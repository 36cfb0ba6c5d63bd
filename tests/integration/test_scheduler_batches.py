"""The scheduler fires due deadlines in batches, on real PostgreSQL: each exactly once across
instances, a failing or refused firing handled alone while the rest of its batch commits, a
concurrent writer retried, deadlines not due untouched, a batch cut off leaving nothing."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import partial
from typing import Any

import asyncpg
import pytest
from structlog.testing import capture_logs

from events.approval import ApprovalOverdue, MarkOverdue
from events.base import Event
from events.envelope import Envelope
from services.approval.rules import NotDueYet
from services.kit.db import Connection
from services.kit.deadlines import Cancel, Deadline, Schedule, deadline_writer
from services.kit.decider import Decider
from services.kit.settings import Settings
from tests.integration.test_scheduler import (
    KIND,
    MARKER,
    RECORDER,
    SYSTEM,
    Harness,
    harness,
    now,
    schedule,
)
from tests.support import eventually

pytestmark = pytest.mark.integration
LONG_AGO = timedelta(minutes=5)
PENDING_ROWS = "SELECT count(*) FROM {schema}.deadlines WHERE fired_at IS NULL"


def streams(count: int, prefix: str = "rel") -> list[str]:
    return [f"{prefix}-{n}" for n in range(count)]


def due_now(*names: str, key: str = "1:policy") -> list[Schedule]:
    return [schedule(name, now() - LONG_AGO, key) for name in names]


def failing_on(stream: str, then: Decider[Any, Any, Any] = RECORDER) -> Decider[Any, Any, Any]:
    """RECORDER, but deciding a command of `stream` raises: a bug in the domain."""

    def decide(command: MarkOverdue, fired: int, at: datetime) -> Sequence[ApprovalOverdue]:
        if command.release_id == stream:
            raise RuntimeError(f"a bug deciding {stream}")
        return then.decide(command, fired, at)

    return Decider("approval", RECORDER.initial_state, RECORDER.evolve, decide)


def refusing_twice_on(stream: str) -> Decider[Any, Any, Any]:
    """RECORDER, but the first two firings of `stream` are refused as not due yet."""
    refusals = iter(range(2))

    def decide(command: MarkOverdue, fired: int, at: datetime) -> Sequence[ApprovalOverdue]:
        if command.release_id == stream and next(refusals, None) is not None:
            raise NotDueYet("not yet")
        return RECORDER.decide(command, fired, at)

    return Decider("approval", RECORDER.initial_state, RECORDER.evolve, decide)


async def count(h: Harness, sql: str, *args: Any) -> int:
    return int(await h.pool.fetchval(sql.format(schema=h.schema), *args))


async def all_fired(h: Harness, names: list[str], each: int = 1) -> bool:
    counts = await h.pool.fetch(
        f"SELECT stream_id, count(*) AS n FROM {h.schema}.events GROUP BY stream_id"
    )
    fired = {row["stream_id"]: row["n"] for row in counts}
    return all(fired.get(name, 0) >= each for name in names)


async def test_three_schedulers_fire_a_storm_of_due_deadlines_in_batches_each_exactly_once(
    infra: Settings,
) -> None:
    async with harness(infra) as h:
        names = streams(300)
        await h.write(*due_now(*names, key="0:late"), *due_now(*names))  # two per stream
        for _ in range(3):
            h.start_scheduler(batch_size=16)
        await eventually(lambda: all_fired(h, names, each=2), what="every deadline to fire")
        # Two firings each, then each stream's marker: a firing twice would come before it.
        assert await h.passed_all(names, now()) == [3] * len(names)
        assert await count(h, "SELECT count(*) FROM {schema}.processed_commands") == 900
        assert await count(h, f"{PENDING_ROWS} AND due_at < now()") == 0
        # A batch's deadlines are marked at its one instant: many share it, none shares another.
        largest_batch = await count(
            h, "SELECT max(n) FROM (SELECT count(*) n FROM {schema}.deadlines GROUP BY fired_at) b"
        )
        assert largest_batch > 1


async def test_a_failing_firing_rolls_back_alone_and_the_rest_of_its_batch_commits(
    infra: Settings,
) -> None:
    async def cannot_write_rel_6(conn: Connection, envelopes: list[Envelope[Event]]) -> None:
        if any(envelope.subject == "rel-6" for envelope in envelopes):
            raise ValueError("a bug writing what rel-6's events imply")

    async with harness(infra, after_append=cannot_write_rel_6) as h:
        h.decider = failing_on("rel-3")  # a bug at decide; rel-6's is at write, in the savepoint
        names = streams(10)
        await h.write(*due_now(*names))
        h.start_scheduler()
        sound = [name for name in names if name not in ("rel-3", "rel-6")]
        await eventually(lambda: all_fired(h, sound), what="the sound firings")
        for broken, error in (("rel-3", "RuntimeError"), ("rel-6", "ValueError")):
            row = await eventually(partial(_spent, h, broken), what=f"{broken} set aside")
            assert error in row["failure"] and row["failed_at"] is not None
            assert await h.fired(broken) == []
        assert [len(await h.fired(name)) for name in sound] == [1] * len(sound)
        handled = await h.pool.fetch(f"SELECT stream_id FROM {h.schema}.processed_commands")
        assert sorted(row["stream_id"] for row in handled) == sorted(sound)
        await h.write(*due_now("rel-10"))  # and the scheduler goes on
        await eventually(lambda: h.fired("rel-10"), what="a later deadline")


async def test_a_firing_beaten_by_a_concurrent_writer_fires_on_top_of_its_event(
    infra: Settings,
) -> None:
    async with harness(infra) as h:
        names = streams(5)
        await h.write(*due_now(*names))
        with capture_logs() as logs:
            async with h.pool.acquire() as writer:
                concurrent = writer.transaction()
                await concurrent.start()
                command = _overdue("rel-2", "writer")
                await h.handler().decide_and_record(writer, command, reply=False)
                h.start_scheduler()  # its batch appends rel-2's version 1 too, and waits for ours
                await eventually(lambda: _waiting_on_a_lock(h), what="the batch to wait")
                await concurrent.commit()
            handled = "SELECT count(*) FROM {schema}.processed_commands"
            await eventually(lambda: _reached(count(h, handled), 6), what="writer and 5 firings")
        # The batch was read and decided again whole, not split into a savepoint a firing.
        events = [line["event"] for line in logs]
        assert "deadline_batch_again" in events and "deadline_batch_split" not in events
        assert await h.passed_all(names, now()) == [2, 2, 3, 2, 2]  # each marker's included
        versions = await h.pool.fetch(
            f"SELECT version, causation_id FROM {h.schema}.events WHERE stream_id = 'rel-2'"
            " AND version < 3 ORDER BY version"
        )
        deadline = Deadline.from_row(await h.row("rel-2", "1:policy"))
        assert [(r["version"], r["causation_id"]) for r in versions] == [
            (1, "writer"),
            (2, deadline.command_id),
        ]


async def test_a_firing_refused_as_not_due_stays_armed_while_the_rest_of_its_batch_commits(
    infra: Settings,
) -> None:
    async with harness(infra) as h:
        h.decider = refusing_twice_on("rel-1")
        names = streams(6)
        await h.write(*due_now(*names))
        h.start_scheduler()
        await eventually(lambda: all_fired(h, names), what="every deadline, rel-1 at last")
        assert await h.passed_all(names, now()) == [2] * len(names)  # one firing, one marker
        statuses = await h.pool.fetch(f"SELECT status FROM {h.schema}.processed_commands")
        # Every firing and every marker accepted: the refusals left nothing.
        assert [row["status"] for row in statuses] == ["accepted"] * 2 * len(names)


async def test_deadlines_not_due_are_left_untouched_by_the_batches_around_them(
    infra: Settings,
) -> None:
    async with harness(infra) as h:
        due, later = streams(40, "due"), streams(40, "later")
        in_an_hour = now() + timedelta(hours=1)
        await h.write(
            *due_now(*due),
            *(schedule(name, in_an_hour) for name in later),
            schedule("due-0", in_an_hour, "2:legal"),  # a due stream's later deadline too
        )
        h.start_scheduler(batch_size=8)
        await eventually(lambda: all_fired(h, due), what="the due deadlines")
        assert await h.passed_all(due, now()) == [2] * len(due)  # one firing, one marker
        assert [await h.fired(name) for name in later] == [[]] * len(later)
        untouched = await h.pool.fetch(
            f"SELECT fired_at, cancelled_at, due_at FROM {h.schema}.deadlines"
            " WHERE stream_id LIKE 'later-%' OR key = '2:legal'"
        )
        assert len(untouched) == len(later) + 1
        assert all(r["fired_at"] is None and r["cancelled_at"] is None for r in untouched)
        assert all(r["due_at"] == in_an_hour for r in untouched)


async def test_a_firing_that_cancels_its_streams_next_due_deadline_keeps_it_from_firing(
    infra: Settings,
) -> None:
    """Both due at once: the later one waits for a batch after the first, which cancels it."""

    def policy_cancels_legal(envelopes: list[Envelope[Event]]) -> list[Schedule | Cancel]:
        return [
            Cancel(e.subject, KIND, "1:legal")
            for e in envelopes
            if isinstance(e.data, ApprovalOverdue) and e.data.stage == "policy"
        ]

    async with harness(infra) as h:
        h.after_append = deadline_writer(h.schema, policy_cancels_legal)
        names = streams(20)
        legal_due, legal_payload = now() - timedelta(minutes=1), {"revision": 1, "stage": "legal"}
        legal = [Schedule(name, KIND, "1:legal", legal_due, legal_payload) for name in names]
        await h.write(*due_now(*names, key="1:policy"), *legal)
        h.start_scheduler()
        await eventually(lambda: all_fired(h, names), what="the policy deadlines")
        assert await h.passed_all(names, now()) == [2] * len(names)  # policy's, the marker
        rows = [await h.row(name, "1:legal") for name in names]
        assert all(r["fired_at"] is None and r["cancelled_at"] is not None for r in rows)


async def test_a_batch_cut_off_midway_leaves_nothing_and_fires_whole_after_a_restart(
    infra: Settings,
) -> None:
    entered, never = asyncio.Event(), asyncio.Event()

    async def stuck(conn: Connection, envelopes: list[Envelope[Event]]) -> None:
        entered.set()  # the batch's events are appended, uncommitted
        await never.wait()

    async with harness(infra, after_append=stuck) as h:
        names = streams(20)
        await h.write(*due_now(*names))
        crashed = h.start_scheduler()
        await asyncio.wait_for(entered.wait(), timeout=60)
        crashed.cancel()  # as a crash would: the connection's transaction is rolled back
        await asyncio.gather(crashed, return_exceptions=True)
        h.tasks.remove(crashed)
        assert await count(h, "SELECT count(*) FROM {schema}.events") == 0
        assert await count(h, PENDING_ROWS) == 20
        h.after_append = None
        h.start_scheduler()
        await eventually(lambda: all_fired(h, names), what="the firings after the restart")
        assert await h.passed_all(names, now()) == [2] * len(names)  # one firing, one marker
        handled = await h.pool.fetch(f"SELECT command_id FROM {h.schema}.processed_commands")
        rows = [await h.row(name, key) for name in names for key in ("1:policy", MARKER)]
        expected = {Deadline.from_row(row).command_id for row in rows}
        assert {row["command_id"] for row in handled} == expected  # the same ids as ever


def _overdue(stream: str, command_id: str) -> Envelope[MarkOverdue]:
    command = MarkOverdue(release_id=stream, actor=SYSTEM, stage="policy", revision=1)
    return Envelope[MarkOverdue](
        id=command_id, source="/tests", time=now(), subject=stream, data=command,
        correlation_id=command_id, actor="writer",
    )  # fmt: skip


async def _reached(probe: Any, at_least: int) -> bool:
    return bool(await probe >= at_least)


async def _spent(h: Harness, stream: str) -> asyncpg.Record | None:
    row = await h.row(stream, "1:policy")
    return row if row["fired_at"] is not None and row["failure"] is not None else None


async def _waiting_on_a_lock(h: Harness) -> bool:
    waiting = await h.pool.fetchval(
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE $1",
        f"%{h.schema}.events%",
    )
    return bool(waiting)


async def test_a_storm_of_a_thousand_fires_in_five_transactions_growing_fourfold(
    infra: Settings,
) -> None:
    async with harness(infra) as h:
        names = streams(1000, prefix="storm")
        await h.write(*due_now(*names))
        h.start_scheduler()
        await eventually(lambda: all_fired(h, names), what="every deadline to fire")
        # A batch marks its deadlines with its one instant: one size per transaction, in order.
        sizes = await h.pool.fetch(
            f"SELECT count(*) AS n FROM {h.schema}.deadlines GROUP BY fired_at ORDER BY fired_at"
        )
        # The first few commit within milliseconds; few commits after (was 8: doubling to 250).
        assert [row["n"] for row in sizes] == [10, 40, 160, 640, 150]
