"""Fires durable deadlines (services/kit/deadlines.py) once each, as commands, when due: in
batches, SKIP LOCKED, asleep until the next one or a NOTIFY."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import structlog

from events.base import Message
from events.envelope import ENVELOPE_OF_MESSAGE, Envelope, source_of
from events.replies import CommandOutcome
from services.kit.db import (
    Connection,
    forget_termination_listener,
    stop_listening,
    takes_session_state,
)
from services.kit.deadline_sql import (
    CHANNEL,
    CLAIM_DUE,
    MARK_FIRED,
    NEXT_DUE,
    NOTE_FAILURE,
    REARM,
)
from services.kit.deadlines import Deadline
from services.kit.handler import AGAIN_TOGETHER, CONCURRENT_WRITE, CommandHandler, Decision
from services.kit.process_metrics import observe_lateness
from services.kit.tracing import end_spans, start_command_spans
from services.kit.transient import is_transient

log = structlog.get_logger()
MAX_SLEEP_S = 30.0  # look anyway this often: a NOTIFY lost while reconnecting, a clock jump
HELD_ELSEWHERE_S = 0.05  # the earliest is due yet not ours to take: another instance fires it
RECONNECT_S = 2.0
# Deadlines taken per transaction: one commit, one NOTIFY and a dozen round trips for them all.
# A round starts at FIRST_BATCH_SIZE and grows fourfold up to BATCH_SIZE, so the first lifts of a
# storm are committed (and on their way to Kafka) within milliseconds, and 1,000 lifts take 5
# transactions (10, 40, 160, 640, 150). On a busy machine every round trip waits for a CPU twice
# (ours, PostgreSQL's), so fewer transactions drain a storm sooner: with the 50/s load beside it,
# the last of 1,000 lifts came 110-286 ms sooner than with 8 (doubling up to 250) in each of five
# pairs of runs (docs/benchmarks.md, "Fewer, bigger batches of lifts"); 250 had beaten 100 so.
BATCH_SIZE = 1000
FIRST_BATCH_SIZE = 10
GROWTH = 4
# Refused as "not due yet" (embargo, approval): nothing of it is recorded, the deadline stays armed.
NOT_DUE = ("urn:pressroom:problem:embargo-not-due", "urn:pressroom:problem:deadline-not-reached")


def seconds_until(next_due: datetime | None, now: datetime) -> float:
    """How long to sleep before looking for due deadlines again."""
    if next_due is None:
        return MAX_SLEEP_S
    if next_due <= now:
        return HELD_ELSEWHERE_S
    return min((next_due - now).total_seconds(), MAX_SLEEP_S)


def refused_as_not_due(outcome: CommandOutcome) -> bool:
    return outcome.problem is not None and outcome.problem.type in NOT_DUE


@dataclass(frozen=True)
class Firing:
    """One taken deadline: its row, and what its command is made from."""

    row_id: int
    deadline: Deadline


def first_of_each_stream(claimed: Sequence[Any]) -> list[Firing]:
    """The earliest claimed row of each stream, in due order. Its events may cancel or move the
    stream's later deadlines, which stay pending (and locked) for the next batch to see as they
    are then; and a batch's streams are distinct, so their histories are read in one statement
    and its firings never conflict with each other."""
    firings: dict[str, Firing] = {}
    for row in claimed:
        if row["stream_id"] not in firings:
            firings[row["stream_id"]] = Firing(row["id"], Deadline.from_row(row))
    return list(firings.values())


@dataclass
class Batch:
    """What became of one transaction's firings."""

    taken: int
    recorded: list[Decision] = field(default_factory=list)  # outcome, events, outbox rows
    armed_again: list[Firing] = field(default_factory=list)  # not due yet, or a writer won
    failed: list[tuple[Firing, Exception]] = field(default_factory=list)  # bugs: set aside

    @property
    def ends_round(self) -> bool:
        """Nothing was due, or something due must wait a moment: sleep before looking again."""
        return self.taken == 0 or bool(self.armed_again)


@dataclass
class DeadlineScheduler:
    """Fires due deadlines once each, as commands through the service's CommandHandler, in
    batches: up to `batch_size` taken in one transaction, one commit and one NOTIFY for all."""

    handler: CommandHandler
    to_command: Callable[[Deadline], Message]
    actor: str = "scheduler"
    batch_size: int = BATCH_SIZE
    wake: asyncio.Event = field(default_factory=asyncio.Event)

    def _sql(self, template: str) -> str:
        return template.format(schema=self.handler.store.schema)

    async def run(self, stop: asyncio.Event) -> None:
        """Until `stop`: fire what is due, then sleep until the next due_at or a NOTIFY."""
        while not stop.is_set():
            try:
                async with self.handler.pool.acquire() as conn:
                    takes_session_state(conn)  # its LISTEN goes with the reset on release
                    # A lost connection is a lost LISTEN: wake at once, fail on it, listen again.
                    conn.add_termination_listener(self._woken)
                    await conn.add_listener(self._sql(CHANNEL), self._woken)
                    try:
                        await self._fire_and_sleep(conn, stop)
                    finally:
                        await stop_listening(conn, self._sql(CHANNEL), self._woken)
                        forget_termination_listener(conn, self._woken)
            except Exception as error:  # PostgreSQL away, most often: the rows wait, nothing lost
                if not is_transient(error):
                    log.exception("scheduler_restarting")
                else:
                    log.warning("scheduler_waiting_for_postgres", error=repr(error))
                await _wait_any(self.wake, stop, RECONNECT_S)

    def _woken(self, *_: object) -> None:
        self.wake.set()

    async def _fire_and_sleep(self, conn: Connection, stop: asyncio.Event) -> None:
        while not stop.is_set():
            self.wake.clear()  # before looking: a NOTIFY during the look still counts
            await self._fire_all_due()
            # Still due (armed again, or held by another instance): HELD_ELSEWHERE_S, then again.
            next_due = await conn.fetchval(self._sql(NEXT_DUE))
            await _wait_any(self.wake, stop, seconds_until(next_due, self.handler.clock()))

    async def _fire_all_due(self) -> None:
        """Batch after batch until nothing is due by our own clock (not only SQL's). The first
        batches are small, so the first lifts of a storm are committed, and on their way to
        Kafka, within milliseconds; later ones grow to `batch_size`, where commits are few."""
        size = min(FIRST_BATCH_SIZE, self.batch_size)
        while not (await self._fire_batch(size)).ends_round:
            size = min(GROWTH * size, self.batch_size)

    async def _fire_batch(self, size: int) -> Batch:
        """Takes up to `size` due rows (SKIP LOCKED) and fires them in that transaction."""
        now = self.handler.clock()  # one instant for the take and every decide: never apart
        at_take = replace(self.handler, clock=lambda: now)
        try:
            async with self.handler.pool.acquire() as conn, conn.transaction():
                claimed = await conn.fetch(self._sql(CLAIM_DUE), now, size)
                firings = first_of_each_stream(claimed)
                batch = Batch(taken=len(firings))
                if firings:
                    await conn.execute(self._sql(MARK_FIRED), [f.row_id for f in firings], now)
                    await self._fire(conn, at_take, firings, batch)
        except CONCURRENT_WRITE:  # PostgreSQL broke a lock cycle outside any savepoint: again
            log.info("deadline_retry")
            return Batch(taken=0)
        if batch.recorded:  # committed
            _log_fired(batch.recorded)
            fired = (d.command.id for d in batch.recorded)
            observe_lateness(self.handler.service, [f.deadline for f in firings], fired, now)
        return batch

    async def _fire(
        self, conn: Connection, handler: CommandHandler, firings: list[Firing], batch: Batch
    ) -> None:
        """All together in one savepoint, the common case. If anything in it fails, each firing
        in a savepoint of its own, as when each had a transaction: only the one at fault rolls
        back, and the others are recorded all the same."""
        try:
            fired = await self._together_again_if_beaten(conn, handler, firings)
        except Exception as error:
            if is_transient(error):  # not theirs: the whole batch rolls back and waits
                raise
            # One of them, most likely: find it.
            log.info("deadline_batch_split", firings=len(firings), error=repr(error))
            for firing in firings:
                await self._fire_alone(conn, handler, firing, batch)
        else:
            self._done(*fired, batch)
        await self._set_aside(conn, batch)

    async def _together_again_if_beaten(
        self, conn: Connection, handler: CommandHandler, firings: list[Firing]
    ) -> tuple[list[Decision], list[Firing]]:
        """All together in one savepoint; beaten by a concurrent writer of one stream (a command
        of the same release), read and decided again whole, as command batches are."""
        for attempt in range(AGAIN_TOGETHER + 1):
            try:
                async with conn.transaction():
                    return await self._fire_together(conn, handler, firings)
            except CONCURRENT_WRITE as error:
                if attempt == AGAIN_TOGETHER:
                    raise
                log.info("deadline_batch_again", firings=len(firings), error=repr(error),
                         key=getattr(error, "detail", None))  # fmt: skip
        raise AssertionError("unreachable: the last attempt returns or raises")

    async def _fire_alone(
        self, conn: Connection, handler: CommandHandler, firing: Firing, batch: Batch
    ) -> None:
        try:
            async with conn.transaction():
                fired = await self._fire_together(conn, handler, [firing])
        except CONCURRENT_WRITE:  # a command on the same stream won the race: take it again
            log.info("deadline_retry", stream=firing.deadline.stream_id)
            batch.armed_again.append(firing)
        except Exception as error:
            if is_transient(error):  # PostgreSQL away: never spends a deadline
                raise
            # Its own failure (a bug): kept visible on its row and in the log, go on.
            deadline = firing.deadline
            log.exception("deadline_failed", stream=deadline.stream_id, key=deadline.key)
            batch.failed.append((firing, error))
        else:
            self._done(*fired, batch)

    async def _fire_together(
        self, conn: Connection, handler: CommandHandler, firings: list[Firing]
    ) -> tuple[list[Decision], list[Firing]]:
        """Reads, decides and records these firings, one statement per kind of row for them all.
        Returns what was recorded, and the firings refused as not due yet (nothing recorded)."""
        made = [self.envelope(f.deadline, handler.clock()) for f in firings]
        # A firing is where its work begins, as an HTTP request is: when tracing, each command
        # starts a trace of its own, which its events carry on (publication, the projector, the
        # deliveries). Untraced, the commands are as made.
        commands, spans = start_command_spans(handler.service, made)
        try:
            known = await handler.read_known(conn, commands)
            decisions = [handler.decide(c, k) for c, k in zip(commands, known, strict=True)]
            early = [refused_as_not_due(d.outcome) for d in decisions]
            to_record = [d for d, not_due in zip(decisions, early, strict=True) if not not_due]
            # One log line for the batch (below), not one a command: a storm logs 10, not 1,000.
            await handler.record(conn, to_record, reply=False, log_batch=False)
        except BaseException as error:
            end_spans(spans, error)
            raise
        end_spans(spans)
        return to_record, [f for f, not_due in zip(firings, early, strict=True) if not_due]

    def _done(self, recorded: list[Decision], not_due: list[Firing], batch: Batch) -> None:
        for firing in not_due:
            log.warning("deadline_not_due_yet", stream=firing.deadline.stream_id)
        batch.armed_again.extend(not_due)
        batch.recorded.extend(recorded)

    async def _set_aside(self, conn: Connection, batch: Batch) -> None:
        """A failed firing stays spent, its error on its row; one armed again is pending anew."""
        if batch.failed:
            notes = [(f.row_id, repr(e)[:4000]) for f, e in batch.failed]
            await conn.executemany(self._sql(NOTE_FAILURE), notes)
        if batch.armed_again:
            await conn.execute(self._sql(REARM), [f.row_id for f in batch.armed_again])

    def envelope(self, deadline: Deadline, now: datetime | None = None) -> Envelope[Message]:
        return ENVELOPE_OF_MESSAGE(
            id=deadline.command_id,
            source=source_of(self.handler.service),
            time=now or self.handler.clock(),
            subject=deadline.stream_id,
            data=self.to_command(deadline),
            correlation_id=deadline.payload.get("correlation_id") or deadline.command_id,
            causation_id=deadline.payload.get("causation_id"),
            actor=self.actor,
        )


def _log_fired(recorded: list[Decision]) -> None:
    statuses = Counter(d.outcome.status.value for d in recorded)
    streams = [d.command.subject for d in recorded]
    log.info("deadlines_fired", count=len(recorded), statuses=dict(statuses), streams=streams)


async def _wait_any(event: asyncio.Event, stop: asyncio.Event, timeout: float) -> None:
    waiters = [asyncio.ensure_future(e.wait()) for e in (event, stop)]
    await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    for waiter in waiters:
        waiter.cancel()
