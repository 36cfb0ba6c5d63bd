"""The one-transaction command handler: idempotency, fold, decide, append, outbox, outcome."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg
import structlog

from events.base import Command, Event, Message
from events.envelope import Envelope
from events.kafka import KafkaRecord, UndecodableMessage, decode
from events.replies import CommandOutcome, Rejection
from events.topics import REPLIES, dlq_topic, events_topic
from services.kit import outcomes
from services.kit.db import Connection, Pool
from services.kit.decider import Decider, wrap_events
from services.kit.dlq import RecordOrigin, dead_letter
from services.kit.eventstore import EventStore

log = structlog.get_logger()
# Worth waiting out (database restarting, network blip); anything else is this message's fault.
TRANSIENT = (
    OSError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.CannotConnectNowError,
    asyncpg.TooManyConnectionsError,
)
# A concurrent writer of the same stream (another agent's policy) took our version: fold again.
MAX_CONCURRENCY_RETRIES = 5
# Worth a fresh transaction at once: a writer took our stream version, or PostgreSQL broke a
# lock cycle (a command and the deadline scheduler touching the same stream and deadline row).
CONCURRENT_WRITE = (asyncpg.UniqueViolationError, asyncpg.DeadlockDetectedError)
# Writes that follow from the new events in the same transaction (e.g. the deadlines they imply).
AfterAppend = Callable[[Connection, list[Envelope[Event]]], Awaitable[None]]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class CommandHandler:
    """Handles one consumed record of a service's commands topic, start to finish."""

    pool: Pool
    store: EventStore
    decider: Decider[Any, Any, Any]
    clock: Callable[[], datetime] = utc_now
    after_append: AfterAppend | None = None

    @property
    def service(self) -> str:
        return self.decider.service

    async def handle_safely(self, record: KafkaRecord, origin: RecordOrigin) -> None:
        """For agents: transient failures are retried; a bug in one message dead-letters it."""

        async def dead_letter(error: Exception) -> None:
            await self.dead_letter(record, origin, f"internal error: {error!r}")

        await retry_transient(lambda: self.handle_record(record, origin), dead_letter)

    async def handle_record(
        self, record: KafkaRecord, origin: RecordOrigin
    ) -> CommandOutcome | None:
        """Never raises for bad input: it becomes a dead letter plus an `undecodable` reply."""
        try:
            envelope = decode(record, self.store.registry)
            command = _own_command(envelope.data, self.service)
        except UndecodableMessage as error:
            await self.dead_letter(record, origin, str(error))
            return None
        if command.release_id != envelope.subject:
            await self.dead_letter(record, origin, "ce_subject differs from data.release_id")
            return None
        return await self.handle(envelope)

    async def handle(self, command: Envelope[Any], reply: bool = True) -> CommandOutcome:
        """`reply=False` for commands a policy sends itself: nobody waits for their outcome."""
        for _ in range(MAX_CONCURRENCY_RETRIES):
            try:
                async with self.pool.acquire() as conn, conn.transaction():
                    return await self.decide_and_record(conn, command, reply)
            except CONCURRENT_WRITE:
                log.info("concurrent_write_retry", command_id=command.id, stream=command.subject)
        raise RuntimeError(f"stream {command.subject} kept changing under command {command.id}")

    async def decide_and_record(
        self, conn: Connection, command: Envelope[Any], reply: bool
    ) -> CommandOutcome:
        """In the caller's transaction: the deadline scheduler claims its row in the same one."""
        prior = await self.store.processed(conn, command.id)
        if prior is not None:
            if reply:
                await self._reply(conn, prior, command)  # the same answer, nothing new written
            return prior
        history = await self.store.load(conn, command.subject)
        state, now = self.decider.fold(history), self.clock()
        try:
            new_events = self.decider.decide(command.data, state, now)
        except Rejection as rejection:
            outcome = outcomes.rejected(command, len(history), rejection)
        else:
            envelopes = wrap_events(command, new_events, len(history), now)
            await self.store.append(conn, envelopes)
            if self.after_append is not None:
                await self.after_append(conn, envelopes)
            await self.store.envelopes_to_outbox(conn, events_topic(self.service), envelopes)
            outcome = outcomes.accepted(command, len(history) + len(envelopes), envelopes)
        await self.store.record_outcome(conn, outcome)
        if reply:
            await self._reply(conn, outcome, command)
        log.info(
            "command_handled", command_id=command.id, type=command.type, status=outcome.status.value
        )
        return outcome

    async def _reply(
        self, conn: Connection, outcome: CommandOutcome, command: Envelope[Any]
    ) -> None:
        reply = outcomes.reply_envelope(
            outcome, self.service, self.clock(), command.correlation_id, command.actor
        )
        await self.store.envelopes_to_outbox(conn, REPLIES, [reply])

    async def dead_letter(
        self, record: KafkaRecord, origin: RecordOrigin, reason: str, reply: bool = True
    ) -> None:
        """The record, untouched, to this service's DLQ with the reason (and a reply if asked)."""
        now = self.clock()
        log.warning("dead_letter", topic=origin.topic, offset=origin.offset, reason=reason)
        async with self.pool.acquire() as conn, conn.transaction():
            await self.store.to_outbox(
                conn, dlq_topic(self.service), dead_letter(record, origin, reason, now)
            )
            command_id = record.header("ce_id")
            if reply and command_id:  # a bot that sent garbage still hears why
                outcome = outcomes.undecodable(
                    command_id, record.header("ce_type"), record.header("ce_subject"), reason
                )
                answer = outcomes.reply_envelope(
                    outcome, self.service, now, command_id, record.header("ce_actor") or "unknown"
                )
                await self.store.envelopes_to_outbox(conn, REPLIES, [answer])


async def retry_transient(
    work: Callable[[], Awaitable[object]], on_bug: Callable[[Exception], Awaitable[None]]
) -> None:
    """Retries while PostgreSQL or the network is away; any other error is this message's bug."""
    delay = 0.5
    while True:
        try:
            await work()
            return
        except TRANSIENT as error:
            log.warning("transient_failure_retrying", error=repr(error), delay=delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 30.0)
        except Exception as error:  # a bug must not stop every later message
            log.exception("message_failed")
            await on_bug(error)
            return


def _own_command(message: Message, service: str) -> Command:
    if not isinstance(message, Command) or message.service != service:
        raise UndecodableMessage(f"{message.ce_type()} is not a {service} command")
    return message
