"""Durable deadlines: written with the events that imply them, fired once as commands when due."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, TypeAlias

import structlog

from events.base import Event, Message
from events.envelope import Envelope, deterministic_id, source_of
from events.replies import CommandOutcome
from services.kit.db import Connection
from services.kit.deadline_sql import CANCEL, CHANNEL, NEXT_DUE, NOTE_FAILURE, TAKE_DUE, UPSERT
from services.kit.handler import CONCURRENT_WRITE, TRANSIENT, AfterAppend, CommandHandler

log = structlog.get_logger()
MAX_SLEEP_S = 30.0  # look anyway this often: a NOTIFY lost while reconnecting, a clock jump
HELD_ELSEWHERE_S = 0.05  # the earliest is due yet not ours to take: another instance fires it
RECONNECT_S = 2.0
Changes: TypeAlias = "Sequence[Schedule | Cancel]"  # what a service's deadline rule returns
# Refused as "not due yet" (embargo, approval): rolled back whole, so the deadline stays armed.
NOT_DUE = ("urn:pressroom:problem:embargo-not-due", "urn:pressroom:problem:deadline-not-reached")


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


def seconds_until(next_due: datetime | None, now: datetime) -> float:
    """How long to sleep before looking for due deadlines again."""
    if next_due is None:
        return MAX_SLEEP_S
    if next_due <= now:
        return HELD_ELSEWHERE_S
    return min((next_due - now).total_seconds(), MAX_SLEEP_S)


def refused_as_not_due(outcome: CommandOutcome) -> bool:
    return outcome.problem is not None and outcome.problem.type in NOT_DUE


class FiredTooEarly(Exception):
    """Raised inside the firing's transaction to roll it back: the deadline stays armed."""


def deadline_writer(schema: str, rule: Callable[[list[Envelope[Event]]], Changes]) -> AfterAppend:
    """The CommandHandler hook that writes a service's deadlines in the same transaction."""
    return lambda conn, envelopes: apply_changes(conn, schema, rule(envelopes))


async def apply_changes(conn: Connection, schema: str, changes: Changes) -> None:
    """In order, so a cancel-all followed by a schedule leaves the new deadline armed."""
    for change in changes:
        where = (change.stream_id, change.kind, change.key)
        if isinstance(change, Schedule):
            payload = json.dumps(change.payload)
            await conn.execute(UPSERT.format(schema=schema), *where, change.due_at, payload)
        else:
            await conn.execute(CANCEL.format(schema=schema), *where)
    if any(isinstance(change, Schedule) for change in changes):
        # Transactional: the scheduler wakes at commit and sleeps until the new earliest due_at.
        await conn.execute(f"NOTIFY {CHANNEL.format(schema=schema)}")


@dataclass
class DeadlineScheduler:
    """Fires each due deadline once, as a command through the service's CommandHandler."""

    handler: CommandHandler
    to_command: Callable[[Deadline], Message]
    actor: str = "scheduler"
    wake: asyncio.Event = field(default_factory=asyncio.Event)

    def _sql(self, template: str) -> str:
        return template.format(schema=self.handler.store.schema)

    async def run(self, stop: asyncio.Event) -> None:
        """Until `stop`: fire what is due, then sleep until the next due_at or a NOTIFY."""
        while not stop.is_set():
            try:
                async with self.handler.pool.acquire() as conn:
                    await conn.add_listener(self._sql(CHANNEL), self._woken)
                    try:
                        await self._fire_and_sleep(conn, stop)
                    finally:
                        await conn.remove_listener(self._sql(CHANNEL), self._woken)
            except Exception:  # PostgreSQL away, most often: the rows wait, nothing is lost
                log.exception("scheduler_restarting")
                await _wait_any(self.wake, stop, RECONNECT_S)

    def _woken(self, *_: object) -> None:
        self.wake.set()

    async def _fire_and_sleep(self, conn: Connection, stop: asyncio.Event) -> None:
        while not stop.is_set():
            self.wake.clear()  # before looking: a NOTIFY during the look still counts
            while await self._fire_next():  # all that is due by our own clock, not only SQL's
                pass
            next_due = await conn.fetchval(self._sql(NEXT_DUE))
            await _wait_any(self.wake, stop, seconds_until(next_due, self.handler.clock()))

    async def _fire_next(self) -> bool:
        """Claims the earliest due row (SKIP LOCKED), fires it in that transaction: all or none."""
        now = self.handler.clock()  # one instant for the claim and for decide: they cannot disagree
        try:
            async with self.handler.pool.acquire() as conn, conn.transaction():
                row = await conn.fetchrow(self._sql(TAKE_DUE), now)
                if row is None:
                    return False
                await self._handle(conn, row, now)
        except CONCURRENT_WRITE:  # a command on the same stream won the race: take it again
            log.info("deadline_retry")
            await asyncio.sleep(HELD_ELSEWHERE_S)
        except FiredTooEarly as early:  # rolled back, still armed: look again after a short sleep
            log.warning("deadline_not_due_yet", detail=str(early))
            return False
        return True

    async def _handle(self, conn: Connection, row: Any, now: datetime) -> None:
        deadline, at_claim = Deadline.from_row(row), replace(self.handler, clock=lambda: now)
        try:
            async with conn.transaction():  # a savepoint: one broken deadline must not jam the rest
                command = self.envelope(deadline, now)
                outcome = await at_claim.decide_and_record(conn, command, reply=False)
                if refused_as_not_due(outcome):
                    raise FiredTooEarly(f"{deadline.stream_id} {deadline.kind} {deadline.due_at}")
        except (*CONCURRENT_WRITE, *TRANSIENT, FiredTooEarly):  # the caller's to retry
            raise
        except Exception as error:  # a bug: keep it visible on the row and in the log, go on
            log.exception("deadline_failed", stream=deadline.stream_id, key=deadline.key)
            await conn.execute(
                self._sql(NOTE_FAILURE), row["id"], json.dumps({"error": repr(error)})
            )

    def envelope(self, deadline: Deadline, now: datetime | None = None) -> Envelope[Message]:
        return Envelope[Message](
            id=deadline.command_id,
            source=source_of(self.handler.service),
            time=now or self.handler.clock(),
            subject=deadline.stream_id,
            data=self.to_command(deadline),
            correlation_id=deadline.payload.get("correlation_id") or deadline.command_id,
            causation_id=deadline.payload.get("causation_id"),
            actor=self.actor,
        )


async def _wait_any(event: asyncio.Event, stop: asyncio.Event, timeout: float) -> None:
    waiters = [asyncio.ensure_future(e.wait()) for e in (event, stop)]
    await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    for waiter in waiters:
        waiter.cancel()
