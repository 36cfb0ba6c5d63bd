"""The records of one poll in ONE transaction, each command with every promise of its own: deduped
by id, decided in order on its stream's history as the batch left it (so two commands of one
stream are decided as if one after the other), its own outcome and reply. What is refused or
unreadable leaves its dead letter in the same transaction.

The common case is one transaction for the whole batch: one read, then one write that is its own
transaction when nothing follows from the batch's events (docs/decisions.md 47), or a few
statements between BEGIN and COMMIT when something does. A concurrent writer of one of its
streams rolls it back, and it is read and decided again whole (twice at most). If anything else
in it fails for a reason of its own (a bug in one command), or the writer keeps winning, the batch
runs again with each command in a savepoint of its own, as the scheduler does
(services/kit/scheduler.py): the one at fault is dead-lettered or retried, the others committed.
Offsets move only past a committed batch (services/kit/faust_app.py)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import structlog

from events.envelope import Envelope
from events.kafka import KafkaRecord
from events.replies import CommandOutcome
from services.kit import pending
from services.kit.db import Connection
from services.kit.dlq import RecordOrigin
from services.kit.eventstore import OutboxRow
from services.kit.handler import (
    AGAIN_TOGETHER,
    CONCURRENT_WRITE,
    MAX_CONCURRENCY_RETRIES,
    CommandHandler,
    Decision,
    Known,
)
from services.kit.inbound import Inbound, set_aside_rows
from services.kit.process_metrics import COMMANDS_HANDLED
from services.kit.tracing import current_if_alone, end_spans, start_command_spans
from services.kit.transient import StreamContended, is_transient, until_done

log = structlog.get_logger()
# One record on the path of one transaction per record (the batch's last resort).
Alone = Callable[[KafkaRecord, RecordOrigin], Awaitable[object]]
Record = tuple[KafkaRecord, RecordOrigin]


@dataclass
class CommandBatch:
    """Handles a batch of read records (services/kit/inbound.py) through `handler`. `reply=False`
    for a policy's commands: nobody waits for their outcome, and its dead letters get no reply;
    `reason_prefix` names the policy in them."""

    handler: CommandHandler
    alone: Alone
    reply: bool = True
    reason_prefix: str = ""
    outcomes: list[CommandOutcome] = field(default_factory=list)

    async def handle(self, items: Sequence[Inbound]) -> None:
        """Never raises but for cancellation: PostgreSQL away, the whole batch waits and runs
        again (nothing of it committed); a failure even command by command, record by record."""
        items = [item for item in items if item.command is not None or item.set_aside]
        if not items:
            return
        items, spans = _traced(self.handler.service, items)
        try:
            with current_if_alone(spans):
                await self._handle(items)
        finally:
            end_spans(spans)

    async def _handle(self, items: list[Inbound]) -> None:
        failure = await _until_committed(lambda: self._together(items))
        for _ in range(AGAIN_TOGETHER):
            if not isinstance(failure, CONCURRENT_WRITE):
                break
            # The other writer has committed by now (PostgreSQL raised once it had): read again
            # and decide the batch whole, rather than one savepoint a command (docs/benchmarks.md).
            log.info("command_batch_again", records=len(items), error=repr(failure),
                     key=getattr(failure, "detail", None))  # fmt: skip
            failure = await _until_committed(lambda: self._together(items))
        if failure is not None:
            log.info("command_batch_split", records=len(items), error=repr(failure))
            failure = await _until_committed(lambda: self._one_by_one(items))
        if failure is not None:
            log.error("command_batch_failed", records=len(items), error=repr(failure))
            self.outcomes = []
            for item in items:  # each counts its own outcome
                await self.alone(item.record, item.origin)
        for outcome in self.outcomes:  # counted once committed
            COMMANDS_HANDLED.labels(self.handler.service, outcome.status.value).inc()

    async def _together(self, items: list[Inbound]) -> None:
        self.outcomes = []
        commands = [item.command for item in items if item.command is not None]
        async with self.handler.pool.acquire() as conn:
            if self.handler.writes_in_one_statement:
                await self._in_one_statement(conn, items, commands)
                return
            async with conn.transaction():
                await self._set_aside(conn, [item for item in items if item.set_aside])
                self.outcomes = await decide_in_order(conn, self.handler, commands, self.reply)

    async def _in_one_statement(
        self, conn: Connection, items: list[Inbound], commands: list[Envelope[Any]]
    ) -> None:
        """One read, decide, one write that commits alone: no BEGIN and COMMIT round trips
        (issue 15: 0.8 ms of a 3.2 ms batch at 50 writes/s). Nothing is lost by reading outside
        a transaction: at READ COMMITTED each statement of one saw its own snapshot anyway, and
        a writer that came in between still fails the write on the unique keys (stream and
        version, command id), rolling it back whole, as it did the transaction."""
        decisions = await decide_run(conn, self.handler, commands) if commands else []
        rows = self._set_aside_rows([item for item in items if item.set_aside])
        await self.handler.record(conn, decisions, self.reply, set_aside=rows)
        self.outcomes = [d.outcome for d in decisions if not d.pending]

    async def _one_by_one(self, items: list[Inbound]) -> None:
        self.outcomes = []
        async with self.handler.pool.acquire() as conn, conn.transaction():
            await self._set_aside(conn, [item for item in items if item.set_aside])
            for item in items:
                if item.command is not None:
                    await self._in_savepoint(conn, item, item.command)

    async def _in_savepoint(self, conn: Connection, item: Inbound, command: Envelope[Any]) -> None:
        """As the one-record path does it: a writer took the stream's version, decide again (the
        savepoint sees its commit); a failure of its own, dead-letter it and go on. A writer that
        keeps winning raises StreamContended: the batch rolls back, letting go of what the other
        writer may wait on, and runs again after a backoff (services/kit/transient.py)."""
        for _ in range(MAX_CONCURRENCY_RETRIES):
            try:
                async with conn.transaction():
                    outcome = await self.handler.decide_and_record(conn, command, self.reply)
            except CONCURRENT_WRITE:
                log.info("concurrent_write_retry", command_id=command.id, stream=command.subject)
                continue
            except Exception as error:
                if is_transient(error):
                    raise
                log.exception("message_failed", command_id=command.id)
                reason = f"internal error: {error!r}"
                await self._set_aside(conn, [replace(item, unreadable=reason)])
                return
            self.outcomes.append(outcome)
            return
        raise StreamContended(f"stream {command.subject} kept changing under command {command.id}")

    async def _set_aside(self, conn: Connection, items: list[Inbound]) -> None:
        rows = self._set_aside_rows(items)
        if rows:
            await self.handler.store.rows_to_outbox(conn, rows)

    def _set_aside_rows(self, items: list[Inbound]) -> list[OutboxRow]:
        now, service = self.handler.clock(), self.handler.service
        named = [replace(i, unreadable=f"{self.reason_prefix}{i.unreadable}") if i.unreadable
                 else i for i in items]  # fmt: skip
        return [row for item in named for row in set_aside_rows(item, service, now, self.reply)]


async def _until_committed(work: Callable[[], Awaitable[None]]) -> Exception | None:
    """Runs `work` until it commits, waiting while PostgreSQL is away (services/kit/transient.py);
    returns the failure of its own that rolled it back, if one did."""
    failures: list[Exception] = []

    async def attempt() -> None:
        try:
            await work()
        except CONCURRENT_WRITE as error:  # a writer of one stream: theirs to retry alone
            failures.append(error)
        except Exception as error:
            if is_transient(error):
                raise
            failures.append(error)

    await until_done(attempt)
    return failures[0] if failures else None


async def decide_in_order(
    conn: Connection, handler: CommandHandler, commands: list[Envelope[Any]], reply: bool
) -> list[CommandOutcome]:
    """Reads what the commands need in one or two statements, decides them in order, records
    them with one statement per kind of row. A command that brings a word pending commands wait
    for (`Decider.answers`) ends a run: they are decided on what the stream then holds."""
    outcomes: list[CommandOutcome] = []
    for run in runs(commands, handler.decider.answers):
        decisions = await decide_run(conn, handler, run)
        await handler.record(conn, decisions, reply)
        outcomes += [d.outcome for d in decisions if not d.pending]
        last = decisions[-1] if decisions else None
        if last is not None and not last.repeat and handler.decider.answers(last.command.data):
            await handler.answer_pending(conn, last.command.subject)
    return outcomes


def runs(
    commands: list[Envelope[Any]], answers: Callable[[Any], bool]
) -> list[list[Envelope[Any]]]:
    """The commands cut after each one that answers pending ones (pure)."""
    cut: list[list[Envelope[Any]]] = [[]]
    for command in commands:
        cut[-1].append(command)
        if answers(command.data):
            cut.append([])
    return [run for run in cut if run]


async def decide_run(
    conn: Connection, handler: CommandHandler, commands: list[Envelope[Any]]
) -> list[Decision]:
    """Each command decided on its stream as the commands before it in the run left it."""
    store = handler.store
    streams = list({c.subject: 0 for c in commands})
    priors, histories = await store.known_many(conn, [c.id for c in commands], streams)
    fresh = [c for c in commands if c.id not in priors]
    asked: set[str] = set()
    if fresh and handler.decider.can_ask:
        asked = await pending.pending_among(conn, store.schema, [c.id for c in fresh])
    return decide_all(handler, commands, priors, histories, asked)


def decide_all(
    handler: CommandHandler,
    commands: Sequence[Envelope[Any]],
    priors: dict[str, CommandOutcome],
    histories: dict[str, list[Any]],
    asked: set[str],
) -> list[Decision]:
    """No I/O. A command id seen before (stored, or earlier in the batch) is a repeat; one still
    pending (asked of another service) comes to nothing new."""
    decided: dict[str, Decision] = {}
    decisions: list[Decision] = []
    for command in commands:
        earlier = decided.get(command.id)
        if command.id in asked or (earlier is not None and earlier.pending):
            log.info("command_still_pending", command_id=command.id)
            continue
        prior = priors.get(command.id) or (earlier.outcome if earlier is not None else None)
        history = histories.setdefault(command.subject, [])
        decision = handler.decide(command, Known(prior, history))
        history.extend(event.data for event in decision.events)
        decided.setdefault(command.id, decision)
        decisions.append(decision)
    return decisions


async def handle_records(handler: CommandHandler, records: Sequence[Record]) -> None:
    """A commands topic's batch: read every record, then all of them in one transaction."""
    items = [handler.read(record, origin) for record, origin in records]
    await CommandBatch(handler, alone=handler.handle_safely).handle(items)


def _traced(service: str, items: list[Inbound]) -> tuple[list[Inbound], list[Any]]:
    """The items with their commands in spans of their own when tracing is on (else as given)."""
    commands = [item.command for item in items if item.command is not None]
    traced, spans = start_command_spans(service, commands)
    if not spans:
        return items, []
    carried = iter(traced)
    return [replace(i, command=next(carried)) if i.command is not None else i for i in items], spans
