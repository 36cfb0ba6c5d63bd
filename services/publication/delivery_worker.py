"""Sends due deliveries: claim a subscriber's next notice, send it, record the attempt — all in one
transaction, so a crash mid-send leaves the row waiting and it is sent again with the same
delivery id (at least once; receivers deduplicate on it). Several workers, several instances:
SKIP LOCKED hands each subscriber's head to one of them, so each subscriber's order holds."""

from __future__ import annotations

import asyncio
import contextlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import structlog

from events.envelope import ENVELOPE_OF_ANY, Envelope, deterministic_id, source_of
from events.publication import RecordDeliveryAttempt
from events.replies import OutcomeStatus
from services.kit.db import (
    Connection,
    forget_termination_listener,
    stop_listening,
    takes_session_state,
)
from services.kit.handler import CONCURRENT_WRITE, MAX_CONCURRENCY_RETRIES, CommandHandler
from services.kit.process_metrics import DELIVERY_ATTEMPTS
from services.kit.tracing import delivery_span
from services.kit.transient import StreamContended, is_transient
from services.publication import delivery_sql as sql
from services.publication.delivery_tables import RetryPolicy
from services.publication.rules import SYSTEM_ACTOR
from services.publication.senders import AttemptResult, Senders

log = structlog.get_logger()
MAX_SLEEP_S = 30.0  # look anyway this often: a NOTIFY lost while reconnecting
# A due notice another worker holds (its receiver may take up to the timeout to answer): look
# again after this, not in a tight loop. New work wakes the workers at once (NOTIFY).
HELD_ELSEWHERE_S = 0.25
RECONNECT_S = 2.0


def log_loop_failure(error: Exception, part: str = "worker") -> None:
    """PostgreSQL away (restarting, failing over) is expected and waited out: one warning line
    per worker or listener. Anything else is a bug worth its traceback. Before, every worker
    logged each PostgreSQL restart as an error with a traceback (328 of them in one `make
    chaos`, burying what an operator looks for), and the listener logged a bug as PostgreSQL
    away, without one."""
    if is_transient(error):
        log.warning(f"delivery_{part}_waiting_for_postgres", error=repr(error),
                    retry_in_s=RECONNECT_S)  # fmt: skip
    else:
        log.error(f"delivery_{part}_restarting", exc_info=error, retry_in_s=RECONNECT_S)


@dataclass
class DeliveryWorker:
    handler: CommandHandler  # publication's release handler, with the deliveries writer
    senders: Senders
    retry: RetryPolicy
    workers: int = 4
    _wakes: list[asyncio.Event] = field(default_factory=list)

    def _sql(self, template: str) -> str:
        return template.format(schema=self.handler.store.schema)

    async def run(self) -> None:
        """Forever: one LISTEN connection wakes every worker loop at each commit that matters."""
        self._wakes = [asyncio.Event() for _ in range(self.workers)]
        loops = [asyncio.create_task(self._loop(wake)) for wake in self._wakes]
        try:
            await self._listen()
        finally:
            for loop in loops:
                loop.cancel()

    async def _listen(self) -> None:
        while True:
            try:
                await self._listen_once()
            except Exception as error:  # the notices wait in their table, nothing is lost
                log_loop_failure(error, "listener")
                await asyncio.sleep(RECONNECT_S)

    async def _listen_once(self) -> None:
        """Until the connection ends (PostgreSQL restarted): then LISTEN again at once."""
        closed = asyncio.Event()

        def on_close(_: object) -> None:
            closed.set()

        async with self.handler.pool.acquire() as conn:
            takes_session_state(conn)  # its LISTEN goes with the reset on release
            conn.add_termination_listener(on_close)
            try:
                await conn.add_listener(self._sql(sql.CHANNEL), self._woken)
                self._woken()  # anything committed while we were not listening
                while not closed.is_set():
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(closed.wait(), MAX_SLEEP_S)
                    self._woken()
            finally:
                await stop_listening(conn, self._sql(sql.CHANNEL), self._woken)
                forget_termination_listener(conn, on_close)

    def _woken(self, *_: object) -> None:
        for wake in self._wakes:
            wake.set()

    async def _loop(self, wake: asyncio.Event) -> None:
        while True:
            try:
                wake.clear()  # before looking: a NOTIFY during the look still counts
                while await self.deliver_next():
                    pass
                await _wait(wake, await self._seconds_to_next())
            except Exception as error:  # the rows wait, nothing is lost
                log_loop_failure(error)
                await _wait(wake, RECONNECT_S)

    async def _seconds_to_next(self) -> float:
        async with self.handler.pool.acquire() as conn:
            next_due: datetime | None = await conn.fetchval(self._sql(sql.NEXT_DUE))
        if next_due is None:
            return MAX_SLEEP_S
        seconds = (next_due - self.handler.clock()).total_seconds()
        return min(max(seconds, HELD_ELSEWHERE_S), MAX_SLEEP_S)

    async def deliver_next(self) -> bool:
        """One delivery attempt, if one is due: False when nothing is."""
        async with self.handler.pool.acquire() as conn, conn.transaction():
            due = await conn.fetchrow(self._sql(sql.TAKE_DUE), self.handler.clock())
            if due is None:
                return False
            with delivery_span(due):
                await self._attempt(conn, due)
        return True

    async def _attempt(self, conn: Connection, due: Any) -> None:
        result = await self.senders.send(due)
        log.info(
            "delivery_attempted", delivery_id=due["delivery_id"],
            subscriber_id=due["subscriber_id"], succeeded=result.succeeded, detail=result.detail,
        )  # fmt: skip
        DELIVERY_ATTEMPTS.labels(due["channel"], "ok" if result.succeeded else "failed").inc()
        await self._record(conn, due, result)

    async def _record(self, conn: Connection, due: Any, result: AttemptResult) -> None:
        envelope = self.attempt_envelope(due, result)
        for _ in range(MAX_CONCURRENCY_RETRIES):
            try:
                async with conn.transaction():  # a savepoint: a racing writer costs a re-fold only
                    outcome = await self.handler.decide_and_record(conn, envelope, reply=False)
            except CONCURRENT_WRITE:
                continue
            if outcome.status is not OutcomeStatus.ACCEPTED:  # a bug: stop, visibly, not loop
                log.error("delivery_not_recorded", delivery_id=due["delivery_id"], outcome=outcome)
                await conn.execute(self._sql(sql.FAILED), due["delivery_id"])
            return
        # The whole attempt rolls back and is taken again after a pause (_loop).
        raise StreamContended(f"release {due['release_id']} kept changing under a delivery record")

    def attempt_envelope(self, due: Any, result: AttemptResult) -> Envelope[Any]:
        attempt = due["attempts"] + 1
        command = RecordDeliveryAttempt(
            release_id=due["release_id"], actor=SYSTEM_ACTOR, subscriber_id=due["subscriber_id"],
            edition=due["edition"], notice=due["notice"], delivery_id=due["delivery_id"],
            attempt=attempt, round_attempt=due["round_attempts"] + 1,
            max_attempts=self.retry.max_attempts, succeeded=result.succeeded,
            detail=result.detail,
        )  # fmt: skip
        command_id = deterministic_id(due["delivery_id"], "attempt", str(attempt))
        cause = json.loads(due["payload"]).get("event_id")  # the edition, withdrawal… told
        return ENVELOPE_OF_ANY(
            id=command_id, source=source_of("publication"), time=self.handler.clock(),
            subject=due["release_id"], data=command, correlation_id=cause or command_id,
            causation_id=cause, actor=SYSTEM_ACTOR.id,
        )  # fmt: skip


async def _wait(wake: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):  # the timeout is the normal way to wake
        await asyncio.wait_for(wake.wait(), timeout=seconds)
