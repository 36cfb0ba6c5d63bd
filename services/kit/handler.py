"""The one-transaction command handler: idempotency, fold, decide, append, outbox, outcome."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import Any, Protocol, cast

import asyncpg
import structlog

from events.base import Event, Message
from events.envelope import Envelope
from events.kafka import KafkaRecord, UndecodableMessage, decode, encode
from events.replies import CommandOutcome, Rejection
from events.topics import REPLIES, dlq_topic, events_topic
from services.kit import outcomes, pending
from services.kit.command_auth import (
    CommandVerifier,
    Refusal,
    RefuseEveryCommand,
    record_refusal,
)
from services.kit.db import Connection, Pool
from services.kit.decider import Decider, wrap_events
from services.kit.dlq import RecordOrigin, dead_letter
from services.kit.eventstore import EventStore, OutboxRow
from services.kit.limits import refuse_oversized
from services.kit.process_metrics import COMMANDS_HANDLED
from services.kit.record_checks import answerable_id, misplaced
from services.kit.transient import until_done

log = structlog.get_logger()
# A concurrent writer of the same stream (another agent's policy) took our version: fold again.
MAX_CONCURRENCY_RETRIES = 5
# Worth a fresh transaction at once: a writer took our stream version, or PostgreSQL broke a
# lock cycle (a command and the deadline scheduler touching the same stream and deadline row).
CONCURRENT_WRITE = (asyncpg.UniqueViolationError, asyncpg.DeadlockDetectedError)
# Writes that follow from the new events in the same transaction (e.g. the deadlines they imply).
# It gets the new events of one command or, from a batch, of several, in order: each event must
# be taken on its own (its subject is its stream), never as "the" command's events.
AfterAppend = Callable[[Connection, list[Envelope[Event]]], Awaitable[None]]
# Writes that follow from accepted commands themselves, in their transaction: what no event may
# carry (a webhook's secret). Called with the commands that appended events.
AfterAccept = Callable[[Connection, list[Envelope[Any]]], Awaitable[None]]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Known:
    """What deciding a command needs read first: the stored outcome of its id, else its stream."""

    prior: CommandOutcome | None
    history: list[Event]


@dataclass(frozen=True)
class Decision:
    """What one command comes to: its outcome, and the new events to record (none if refused).
    A repeat (the command id was handled before) carries the stored outcome and writes nothing."""

    command: Envelope[Any]
    outcome: CommandOutcome
    events: list[Envelope[Event]] = field(default_factory=list)
    repeat: bool = False
    # Its events ask another service first: kept pending, its outcome is decided on the answer.
    pending: bool = False


@dataclass
class CommandHandler:
    """Handles one consumed record of a service's commands topic, start to finish."""

    pool: Pool
    store: EventStore
    decider: Decider[Any, Any, Any]
    clock: Callable[[], datetime] = utc_now
    after_append: AfterAppend | None = None
    after_accept: AfterAccept | None = None
    # Who may send commands over Kafka (services/kit/command_auth.py); nobody unless configured.
    verifier: CommandVerifier = field(default_factory=RefuseEveryCommand)

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
        """Never raises for bad input: it becomes a dead letter plus an `undecodable` reply, or
        an `unauthenticated`/`forbidden` one when its signature or its sender's scope fails."""
        if await self.refused(record, origin, self.verifier.check(record)):
            return None
        try:
            envelope = decode(record, self.store.registry)
            _own_command(envelope.data, self.service)
        except UndecodableMessage as error:
            await self.dead_letter(record, origin, str(error))
            return None
        why = misplaced(origin.topic, record, envelope)  # its key and subject: its stream's
        if why is not None:
            await self.dead_letter(record, origin, why)
            return None
        if await self.refused(record, origin, self.verifier.check_actor(record, envelope.data)):
            return None
        outcome = await self.handle(envelope)
        COMMANDS_HANDLED.labels(self.service, outcome.status.value).inc()
        return outcome

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
        """In the caller's transaction: read, decide, record; answer what waited for this."""
        prior = await self.store.processed(conn, command.id)
        asked = prior is None and self.decider.can_ask
        if asked and await pending.is_pending(conn, self.store.schema, command.id):
            log.info("command_still_pending", command_id=command.id)
            return outcomes.accepted(command, 0, [])  # asked already: nothing new to send
        history = [] if prior is not None else await self.store.load(conn, command.subject)
        decision = self.decide(command, Known(prior, history))
        await self.record(conn, [decision], reply)
        if not decision.repeat and self.decider.answers(command.data):
            await self.answer_pending(conn, command.subject)
        return decision.outcome

    async def answer_pending(self, conn: Connection, stream_id: str) -> None:
        """The word a pending command waited for is in the stream: decide it again, and reply."""
        registry = self.store.registry
        for waiting in await pending.take_pending(conn, self.store.schema, stream_id, registry):
            history = await self.store.load(conn, stream_id)
            await self.record(conn, [self.decide(waiting, Known(None, history))], reply=True)

    async def read_known(self, conn: Connection, commands: Sequence[Envelope[Any]]) -> list[Known]:
        """What deciding each command needs, in two statements however many commands there are.
        Meant for commands of distinct streams (a batch of deadlines): two of one stream would be
        decided on the same history, and the second would conflict at append."""
        priors = await self.store.processed_many(conn, [c.id for c in commands])
        to_fold = [c.subject for c in commands if c.id not in priors]
        histories = await self.store.load_many(conn, to_fold) if to_fold else {}
        return [Known(priors.get(c.id), histories.get(c.subject, [])) for c in commands]

    def decide(self, command: Envelope[Any], known: Known) -> Decision:
        """No I/O: fold, decide at the handler's clock, wrap the new events. A Rejection is an
        outcome; any other exception is the caller's (a bug in this command or the domain)."""
        if known.prior is not None:
            return Decision(command, known.prior, repeat=True)
        version, now = len(known.history), self.clock()
        state = self.decider.fold(known.history)
        try:
            new_events = self.decider.decide(command.data, state, now)
            envelopes = wrap_events(command, new_events, version, now)
            refuse_oversized(envelopes)  # what Kafka would refuse is refused here, not stuck later
        except Rejection as rejection:
            return Decision(command, outcomes.rejected(command, version, rejection))
        outcome = outcomes.accepted(command, version + len(envelopes), envelopes)
        asks = bool(new_events) and self.decider.asks(new_events)
        return Decision(command, outcome, envelopes, pending=asks)

    async def record(
        self,
        conn: Connection,
        decisions: Sequence[Decision],
        reply: bool,
        notify_relay: bool = True,
        log_each: bool = True,
    ) -> None:
        """Every decision's writes in the caller's transaction, one statement per kind of row:
        events (UniqueViolationError when a concurrent writer took a version), what they imply
        (`after_append`), outbox rows, outcomes. A repeat writes only its reply, if asked for.
        `notify_relay=False` when the caller wakes the relay once for many calls, `log_each=False`
        when it logs them in one line."""
        fresh = [d for d in decisions if not d.repeat]
        events = [e for d in fresh for e in d.events]
        if events:
            await self.store.append(conn, events)
            if self.after_append is not None:
                await self.after_append(conn, events)
            if self.after_accept is not None:
                await self.after_accept(conn, [d.command for d in fresh if d.events])
        outbox = [row for d in decisions for row in self._outbox_rows(d, reply and not d.pending)]
        if outbox:
            await self.store.rows_to_outbox(conn, outbox)
            if notify_relay:
                await self.store.notify_relay(conn)
        decided = [d.outcome for d in fresh if not d.pending]
        if decided:
            await self.store.record_outcomes(conn, decided)
        waiting = [d.command for d in fresh if d.pending]
        if waiting:
            await pending.keep_pending(conn, self.store.schema, waiting)
        if log_each:
            for d in fresh:
                log.info(
                    "command_handled",
                    command_id=d.command.id,
                    type=d.command.type,
                    status="pending" if d.pending else d.outcome.status.value,
                )

    def _outbox_rows(self, decision: Decision, reply: bool) -> list[OutboxRow]:
        """The new events, then the reply: a client that hears the outcome can read the events."""
        rows = [(events_topic(self.service), encode(e)) for e in decision.events]
        if reply:
            command = decision.command
            answer = outcomes.reply_envelope(
                decision.outcome, self.service, self.clock(), command.correlation_id, command.actor
            )
            rows.append((REPLIES, encode(answer)))
        return rows

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
            command_id = answerable_id(record)
            if reply and command_id:  # a bot that sent garbage still hears why
                outcome = outcomes.undecodable(
                    command_id, record.header("ce_type"), record.header("ce_subject"), reason
                )
                answer = outcomes.reply_envelope(
                    outcome, self.service, now, command_id, record.header("ce_actor") or "unknown"
                )
                await self.store.envelopes_to_outbox(conn, REPLIES, [answer])

    async def refused(
        self, record: KafkaRecord, origin: RecordOrigin, refusal: Refusal | None
    ) -> bool:
        """A refused command goes to the DLQ with the reason, and its sender hears why."""
        if refusal is None:
            return False
        async with self.pool.acquire() as conn, conn.transaction():
            await record_refusal(
                conn, self.store, self.service, self.clock(), record, origin, refusal
            )
        return True


async def retry_transient(
    work: Callable[[], Awaitable[object]], on_bug: Callable[[Exception], Awaitable[None]]
) -> None:
    """Retries while PostgreSQL or the network is away (services/kit/transient.py); any other
    error is this message's bug, set aside by `on_bug`, itself retried the same way."""
    try:
        await until_done(work)
    except Exception as error:  # a bug must not stop every later message
        log.exception("message_failed")
        await until_done(partial(on_bug, error))


class StreamCommand(Protocol):
    """A command of any stream: a release's (`Command`) or another's (a subscriber's)."""

    def stream_id(self) -> str: ...


def _own_command(message: Message, service: str) -> StreamCommand:
    if message.kind != "command" or message.service != service or not hasattr(message, "stream_id"):
        raise UndecodableMessage(f"{message.ce_type()} is not a {service} command")
    return cast(StreamCommand, message)
