"""The one-transaction command handler: idempotency, fold, decide, append, outbox, outcome."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import Any

import asyncpg
import structlog

from events.base import Event
from events.envelope import Envelope
from events.kafka import KafkaRecord, encode
from events.replies import CommandOutcome, Rejection
from events.topics import REPLIES, events_topic
from services.kit import outcomes, pending
from services.kit.command_auth import CommandVerifier, RefuseEveryCommand
from services.kit.db import Connection, Pool
from services.kit.decider import Decider, wrap_events
from services.kit.dlq import RecordOrigin
from services.kit.eventstore import EventStore, OutboxRow
from services.kit.inbound import Inbound, read_command, set_aside_rows
from services.kit.limits import refuse_oversized
from services.kit.process_metrics import COMMANDS_HANDLED
from services.kit.tracing import traced_handle
from services.kit.transient import StreamContended, until_done

log = structlog.get_logger()
# A concurrent writer of the same stream (another agent's policy) took our version: fold again.
MAX_CONCURRENCY_RETRIES = 5
# Worth a fresh transaction at once: a writer took our stream version, or PostgreSQL broke a
# lock cycle (a command and the deadline scheduler touching the same stream and deadline row).
CONCURRENT_WRITE = (asyncpg.UniqueViolationError, asyncpg.DeadlockDetectedError)
# A batch (of commands, or of deadline firings) that met a concurrent writer of one of its streams
# is read and decided again whole this many times before it splits into a savepoint each (which
# then retries each on its own): the other writer has committed by the time PostgreSQL raises.
AGAIN_TOGETHER = 2
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
    # Its events as Kafka records, encoded once at decide time (the size check needs them).
    records: list[KafkaRecord] = field(default_factory=list)


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

    @property
    def writes_in_one_statement(self) -> bool:
        """A batch's writes are one statement (`record`): nothing follows from its events or
        commands (`after_append`, `after_accept`), and no command waits or answers (pending)."""
        hooks = (self.after_append, self.after_accept)
        return hooks == (None, None) and self.decider.never_pending

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
        item = self.read(record, origin)
        if item.command is None:
            await self.set_aside(item)
            return None
        outcome = await traced_handle(self.service, item.command, self.handle)
        COMMANDS_HANDLED.labels(self.service, outcome.status.value).inc()
        return outcome

    def read(self, record: KafkaRecord, origin: RecordOrigin) -> Inbound:
        """The record's command, or why it is refused or unreadable (services/kit/inbound.py)."""
        return read_command(record, origin, self.service, self.store.registry, self.verifier)

    async def handle(self, command: Envelope[Any], reply: bool = True) -> CommandOutcome:
        """`reply=False` for commands a policy sends itself: nobody waits for their outcome."""
        for _ in range(MAX_CONCURRENCY_RETRIES):
            try:
                async with self.pool.acquire() as conn, conn.transaction():
                    return await self.decide_and_record(conn, command, reply)
            except CONCURRENT_WRITE:
                log.info("concurrent_write_retry", command_id=command.id, stream=command.subject)
        # Waited out by the caller (retry_transient), never dead-lettered: see StreamContended.
        raise StreamContended(f"stream {command.subject} kept changing under command {command.id}")

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
        """What deciding each command needs, in one statement however many commands there are.
        Meant for commands of distinct streams (a batch of deadlines): two of one stream would be
        decided on the same history, and the second would conflict at append."""
        streams = [c.subject for c in commands]
        priors, histories = await self.store.known_many(conn, [c.id for c in commands], streams)
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
            # What Kafka would refuse is refused here, not stuck later.
            records = refuse_oversized(envelopes)
        except Rejection as rejection:
            return Decision(command, outcomes.rejected(command, version, rejection))
        outcome = outcomes.accepted(command, version + len(envelopes), envelopes)
        asks = bool(new_events) and self.decider.asks(new_events)
        return Decision(command, outcome, envelopes, pending=asks, records=records)

    async def record(
        self,
        conn: Connection,
        decisions: Sequence[Decision],
        reply: bool,
        log_batch: bool = True,
        set_aside: Sequence[OutboxRow] = (),
    ) -> None:
        """Every decision's writes in the caller's transaction: its events, outbox rows and
        outcomes in one statement (UniqueViolationError when a concurrent writer took a
        version), then what the events imply (`after_append`, `after_accept`). A repeat writes
        only its reply, if asked for. `log_batch=False` when the caller logs them itself.
        `set_aside`: dead letters (and their replies) of the same batch, in the same statement,
        first. The outbox's trigger wakes the relay at commit."""
        fresh = [d for d in decisions if not d.repeat]
        events = [e for d in fresh for e in d.events]
        outbox = [row for d in decisions for row in self._outbox_rows(d, reply and not d.pending)]
        outbox = [*set_aside, *outbox]
        decided = [d.outcome for d in fresh if not d.pending]
        data = _encoded_data(fresh) if events else None
        await self.store.write(conn, events, outbox, decided, data)
        if events:
            if self.after_append is not None:
                await self.after_append(conn, events)
            if self.after_accept is not None:
                await self.after_accept(conn, [d.command for d in fresh if d.events])
        waiting = [d.command for d in fresh if d.pending]
        if waiting:
            await pending.keep_pending(conn, self.store.schema, waiting)
        if log_batch and fresh:
            _log_handled(fresh)

    def _outbox_rows(self, decision: Decision, reply: bool) -> list[OutboxRow]:
        """The new events, then the reply: a client that hears the outcome can read the events."""
        records = decision.records if _encoded(decision) else map(encode, decision.events)
        rows = [(events_topic(self.service), record) for record in records]
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
        await self.set_aside(Inbound(record, origin, unreadable=reason), reply)

    async def set_aside(self, item: Inbound, reply: bool = True) -> None:
        """A refused or unreadable record's dead letter and reply, in a transaction of its own."""
        rows = set_aside_rows(item, self.service, self.clock(), reply)
        async with self.pool.acquire() as conn, conn.transaction():
            await self.store.rows_to_outbox(conn, rows)


def _encoded(decision: Decision) -> bool:
    return len(decision.records) == len(decision.events)


def _encoded_data(decisions: Sequence[Decision]) -> list[str] | None:
    """The events' data as the JSON their records carry, when every one was encoded at decide."""
    if not all(_encoded(d) for d in decisions):
        return None
    return [(record.value or b"").decode() for d in decisions for record in d.records]


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


def _log_handled(fresh: Sequence[Decision]) -> None:
    """One line for a batch, every command id in it under its status, so that grepping the log
    for a command id still finds what became of it. A line per command was 6% of drafting's CPU
    when batches are hundreds of commands (docs/benchmarks.md, "Keys in the order they are
    made")."""
    by_status: defaultdict[str, list[str]] = defaultdict(list)
    for d in fresh:
        by_status["pending" if d.pending else d.outcome.status.value].append(d.command.id)
    types = Counter(d.command.type for d in fresh)
    log.info("commands_handled", count=len(fresh), types=dict(types), **by_status)
