"""Durable deadlines as values: what a service's rule arms (Schedule) or disarms (Cancel), what
the scheduler hands back when one is due (Deadline), and the hook that writes them in the
transaction of the events that imply them. The scheduler (scheduler.py) fires them."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import groupby
from typing import Any, TypeAlias

from events.base import Event
from events.envelope import Envelope, deterministic_id
from services.kit.db import Connection
from services.kit.deadline_sql import CANCEL, CHANNEL, UPSERT
from services.kit.handler import AfterAppend

Changes: TypeAlias = "Sequence[Schedule | Cancel]"  # what a service's deadline rule returns


@dataclass(frozen=True)
class Schedule:
    """Arms, moves or re-arms a deadline; the command takes payload correlation_id/causation_id."""

    stream_id: str
    kind: str
    key: str
    due_at: datetime
    payload: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.due_at.tzinfo is None:
            raise ValueError("a deadline needs a time with an offset")


@dataclass(frozen=True)
class Cancel:
    """Disarms the deadline (stream, kind, key), or every pending one of that kind if no key."""

    stream_id: str
    kind: str
    key: str | None = None


@dataclass(frozen=True)
class Deadline:
    """A due deadline, as a service's `to_command` sees it."""

    stream_id: str
    kind: str
    key: str
    due_at: datetime
    payload: dict[str, Any]

    @classmethod
    def from_row(cls, row: Any) -> Deadline:
        payload = json.loads(row["payload"])
        return cls(row["stream_id"], row["kind"], row["key"], row["due_at"], payload)

    @property
    def command_id(self) -> str:
        """One deadline at one time is one command, however often it is taken."""
        due = self.due_at.astimezone(UTC).isoformat()
        return deterministic_id(self.stream_id, self.kind, self.key, due)


def deadline_writer(schema: str, rule: Callable[[list[Envelope[Event]]], Changes]) -> AfterAppend:
    """The CommandHandler hook that writes a service's deadlines in the same transaction."""
    return lambda conn, envelopes: apply_changes(conn, schema, rule(envelopes))


async def apply_changes(conn: Connection, schema: str, changes: Changes) -> None:
    """In order, so a cancel-all followed by a schedule leaves the new deadline armed; each run of
    schedules or of cancels is one `executemany` (one round trip, its rows in order)."""
    for schedules, run in groupby(changes, key=lambda change: isinstance(change, Schedule)):
        if schedules:
            upserts = [_upsert_args(change) for change in run if isinstance(change, Schedule)]
            await conn.executemany(UPSERT.format(schema=schema), upserts)
        else:
            cancels = [(change.stream_id, change.kind, change.key) for change in run]
            await conn.executemany(CANCEL.format(schema=schema), cancels)
    if any(isinstance(change, Schedule) for change in changes):
        # Transactional: the scheduler wakes at commit and sleeps until the new earliest due_at.
        await conn.execute(f"NOTIFY {CHANNEL.format(schema=schema)}")


def _upsert_args(change: Schedule) -> tuple[Any, ...]:
    payload = json.dumps(change.payload)
    return (change.stream_id, change.kind, change.key, change.due_at, payload)
