"""The deadline scheduler's pure parts: deadlines and their command ids, sleeps, the writes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any, cast

import pytest

from events.actor import Actor
from events.approval import MarkOverdue
from events.catalog import REGISTRY
from events.envelope import deterministic_id
from services.approval.decider import APPROVAL
from services.kit.db import Connection
from services.kit.deadlines import Cancel, Deadline, Schedule, apply_changes
from services.kit.eventstore import EventStore
from services.kit.handler import CommandHandler
from services.kit.scheduler import (
    HELD_ELSEWHERE_S,
    MAX_SLEEP_S,
    DeadlineScheduler,
    first_of_each_stream,
    seconds_until,
)
from tests.unit.given_when_then import NOW

DUE = NOW + timedelta(hours=8)
DEADLINE = Deadline("rel-1", "overdue", "2:legal", DUE, {"stage": "legal", "revision": 2})


def test_the_same_deadline_at_the_same_instant_is_the_same_command_in_any_offset() -> None:
    tokyo = timezone(timedelta(hours=9))
    same_instant = Deadline("rel-1", "overdue", "2:legal", DUE.astimezone(tokyo), {})
    assert same_instant.command_id == DEADLINE.command_id
    assert DEADLINE.command_id == deterministic_id("rel-1", "overdue", "2:legal", DUE.isoformat())


def test_a_moved_deadline_is_another_command() -> None:
    moved = Deadline("rel-1", "overdue", "2:legal", DUE + timedelta(seconds=1), {})
    other_key = Deadline("rel-1", "overdue", "2:policy", DUE, {})
    assert len({DEADLINE.command_id, moved.command_id, other_key.command_id}) == 3


def test_a_schedule_refuses_a_time_without_an_offset() -> None:
    with pytest.raises(ValueError, match="offset"):
        Schedule("rel-1", "overdue", "2:legal", datetime(2025, 3, 14, 9, 30))


def test_a_deadline_reads_its_row_and_its_json_payload() -> None:
    row = {"id": 7, "stream_id": "rel-1", "kind": "overdue", "key": "2:legal", "due_at": DUE}
    assert Deadline.from_row({**row, "payload": '{"stage": "legal", "revision": 2}'}) == DEADLINE


@pytest.mark.parametrize(
    ("next_due", "expected"),
    [
        (None, MAX_SLEEP_S),
        (NOW + timedelta(seconds=2.5), 2.5),
        (NOW + timedelta(days=3), MAX_SLEEP_S),
        (NOW, HELD_ELSEWHERE_S),
        (NOW - timedelta(minutes=1), HELD_ELSEWHERE_S),
    ],
    ids=["nothing-pending", "soon", "far-off", "due-now", "overdue-held-elsewhere"],
)
def test_the_scheduler_sleeps_until_the_next_deadline_within_bounds(
    next_due: datetime | None, expected: float
) -> None:
    assert seconds_until(next_due, NOW) == pytest.approx(expected)


def test_a_batch_fires_the_earliest_claimed_deadline_of_each_stream_in_due_order() -> None:
    def row(row_id: int, stream: str, key: str, minutes: int) -> dict[str, Any]:
        due = DUE + timedelta(minutes=minutes)
        return {"id": row_id, "stream_id": stream, "kind": "overdue", "key": key, "due_at": due,
                "payload": "{}"}  # fmt: skip

    claimed = [row(4, "rel-2", "1:policy", 0), row(2, "rel-1", "1:policy", 1),
               row(9, "rel-2", "1:legal", 2), row(3, "rel-3", "1:policy", 3),
               row(1, "rel-1", "1:legal", 4)]  # fmt: skip
    firings = first_of_each_stream(claimed)
    assert [(f.row_id, f.deadline.stream_id, f.deadline.key) for f in firings] == [
        (4, "rel-2", "1:policy"),
        (2, "rel-1", "1:policy"),
        (3, "rel-3", "1:policy"),
    ]
    assert first_of_each_stream([]) == []


class RecordingConnection:
    """Stands in for asyncpg: keeps the statements in order, one entry per round trip."""

    def __init__(self) -> None:
        self.statements: list[tuple[str, list[tuple[Any, ...]]]] = []

    async def execute(self, sql: str, *args: Any) -> None:
        self.statements.append((sql, [args]))

    async def executemany(self, sql: str, args: list[tuple[Any, ...]]) -> None:
        self.statements.append((sql, list(args)))


async def test_changes_are_written_in_order_and_a_schedule_wakes_the_scheduler() -> None:
    conn = RecordingConnection()
    changes: list[Schedule | Cancel] = [
        Cancel("rel-1", "overdue"),
        Schedule("rel-1", "overdue", "3:legal", DUE, {"a": 1}),
    ]
    await apply_changes(cast(Connection, conn), "approval", changes)
    [cancel, upsert, notify] = conn.statements
    assert cancel[0].startswith("UPDATE approval.deadlines SET cancelled_at")
    assert cancel[1] == [("rel-1", "overdue", None)]
    assert upsert[0].startswith("INSERT INTO approval.deadlines")
    assert upsert[1] == [("rel-1", "overdue", "3:legal", DUE, '{"a": 1}')]
    assert notify == ("NOTIFY approval_deadlines", [()])


async def test_each_run_of_cancels_or_schedules_is_one_round_trip_in_order() -> None:
    conn = RecordingConnection()
    changes: list[Schedule | Cancel] = [
        Cancel("rel-1", "lift"),
        Cancel("rel-1", "pre-release"),
        Cancel("rel-2", "lift"),
        Schedule("rel-3", "lift", "current", DUE),
        Schedule("rel-4", "lift", "current", DUE),
        Cancel("rel-3", "pre-release"),
    ]
    await apply_changes(cast(Connection, conn), "embargo", changes)
    trips = [(sql.split()[0], [args[:2] for args in rows]) for sql, rows in conn.statements]
    assert trips == [
        ("UPDATE", [("rel-1", "lift"), ("rel-1", "pre-release"), ("rel-2", "lift")]),
        ("INSERT", [("rel-3", "lift"), ("rel-4", "lift")]),
        ("UPDATE", [("rel-3", "pre-release")]),
        ("NOTIFY", [()]),
    ]


async def test_cancelling_alone_wakes_nobody() -> None:
    conn = RecordingConnection()
    await apply_changes(cast(Connection, conn), "approval", [Cancel("rel-1", "overdue", "3:legal")])
    assert [sql.split()[0] for sql, _ in conn.statements] == ["UPDATE"]
    await apply_changes(cast(Connection, conn), "approval", [])
    assert len(conn.statements) == 1


def test_a_fired_deadline_is_a_command_with_its_deterministic_id_and_the_causing_event() -> None:
    system = Actor(id="pressroom-approval", roles=["system"])

    def to_command(deadline: Deadline) -> MarkOverdue:
        payload = deadline.payload
        return MarkOverdue(
            release_id=deadline.stream_id,
            actor=system,
            stage=payload["stage"],
            revision=payload["revision"],
        )

    handler = CommandHandler(
        pool=cast(Any, None),
        store=EventStore("approval", REGISTRY),
        decider=APPROVAL,
        clock=lambda: DUE + timedelta(milliseconds=3),
    )
    scheduler = DeadlineScheduler(handler, to_command, actor="pressroom-approval")
    payload = {**DEADLINE.payload, "correlation_id": "corr-1", "causation_id": "evt-9"}
    envelope = scheduler.envelope(Deadline("rel-1", "overdue", "2:legal", DUE, payload))
    assert envelope.id == DEADLINE.command_id and envelope.subject == "rel-1"
    assert (envelope.correlation_id, envelope.causation_id) == ("corr-1", "evt-9")
    assert envelope.data == to_command(DEADLINE) and envelope.actor == "pressroom-approval"
    assert envelope.source == "/pressroom/approval" and envelope.time.tzinfo is UTC
    without_origin = scheduler.envelope(DEADLINE)
    assert without_origin.correlation_id == DEADLINE.command_id
    assert without_origin.causation_id is None
