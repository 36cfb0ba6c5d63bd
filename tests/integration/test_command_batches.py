"""A batch of consumed records in one transaction, on real PostgreSQL: every command keeps its own
promises (deduped by id, decided in order on its stream, its own outcome and reply), bad records
are set aside in the same transaction, and a command failing midway or meeting a concurrent
writer costs the rest of its batch nothing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from typing import Any, cast

import pytest
from structlog.testing import capture_logs

from events.actor import Actor
from events.approval import MarkOverdue
from events.base import Event, Message
from events.catalog import REGISTRY
from events.content import ContentChanges, ReleaseContent
from events.drafting import CreateDraft, ReviseDraft
from events.envelope import Envelope
from events.kafka import KafkaRecord, decode, encode
from events.replies import CommandOutcome, OutcomeStatus
from events.topics import DRAFTING_COMMANDS, REPLIES, dlq_topic
from services.drafting.decider import DRAFTING
from services.kit.batches import CommandBatch, handle_records
from services.kit.command_auth import verifier_from_settings
from services.kit.db import Connection, Pool
from services.kit.decider import Decider
from services.kit.dlq import REASON, RecordOrigin
from services.kit.eventstore import EventStore
from services.kit.handler import MAX_CONCURRENCY_RETRIES, AfterAppend, CommandHandler
from services.kit.inbound import Inbound
from services.kit.settings import Settings
from tests.integration.pg_faults import scratch_schema
from tests.integration.test_postgres_restarts import failing_with
from tests.integration.test_scheduler import RECORDER, SYSTEM
from tests.support import command_envelope, eventually, signed_record

pytestmark = pytest.mark.integration
ALICE = Actor(id="alice", roles=["writer"], organisation="fco")
Record = tuple[KafkaRecord, RecordOrigin]
# What PostgreSQL answers an append when another writer took the stream's version first.
TAKEN = "23505"


def create(release_id: str) -> CreateDraft:
    content = ReleaseContent(title=f"Release {release_id}", organisations=["fco"])
    return CreateDraft(release_id=release_id, actor=ALICE, content=content)


def revise(release_id: str, expected_version: int) -> ReviseDraft:
    changes = ContentChanges(title=f"Revised {release_id}")
    return ReviseDraft(
        release_id=release_id, actor=ALICE, expected_version=expected_version, changes=changes
    )


def records(*envelopes: Envelope[Message] | KafkaRecord) -> list[Record]:
    """Signed as the session's sender signs, at consecutive offsets of one partition."""
    signed = [
        signed_record(e) if isinstance(e, KafkaRecord) else signed_record(encode(e))
        for e in envelopes
    ]
    return [(r, RecordOrigin(DRAFTING_COMMANDS, 0, n)) for n, r in enumerate(signed)]


@dataclass
class Store:
    """What a batch left in one scratch schema."""

    pool: Pool
    schema: str

    def handler(self, decider: Decider[Any, Any, Any] = DRAFTING, **hooks: Any) -> CommandHandler:
        store = EventStore(self.schema, REGISTRY)
        verifier = verifier_from_settings(Settings())  # the session's keys (infra_fixture)
        return CommandHandler(self.pool, store, decider, verifier=verifier, **hooks)

    async def versions(self, stream: str) -> list[int]:
        rows = await self.pool.fetch(
            f"SELECT version FROM {self.schema}.events WHERE stream_id = $1 ORDER BY version",
            stream,
        )
        return [row["version"] for row in rows]

    async def outcomes(self) -> dict[str, str]:
        rows = await self.pool.fetch(
            f"SELECT command_id, status FROM {self.schema}.processed_commands"
        )
        return {row["command_id"]: row["status"] for row in rows}

    async def transactions(self) -> int:
        """How many transactions wrote the outcomes (rows of one share its xmin)."""
        sql = f"SELECT count(DISTINCT xmin::text) FROM {self.schema}.processed_commands"
        return int(await self.pool.fetchval(sql))

    async def outbox(self, topic: str) -> list[KafkaRecord]:
        rows = await self.pool.fetch(
            f"SELECT key, value, header_keys, header_values FROM {self.schema}.outbox"
            " WHERE topic = $1 ORDER BY id",
            topic,
        )
        return [
            KafkaRecord(
                r["key"], r["value"], list(zip(r["header_keys"], r["header_values"], strict=True))
            )
            for r in rows
        ]

    async def replies(self) -> list[CommandOutcome]:
        return [decode(r, REGISTRY).data for r in await self.outbox(REPLIES)]  # type: ignore[misc]

    async def dead_letters(self) -> list[str]:
        return [r.header(REASON) or "" for r in await self.outbox(dlq_topic("drafting"))]


@asynccontextmanager
async def scratch(infra: Settings) -> AsyncIterator[Store]:
    async with scratch_schema(infra, "batch_test") as (pool, schema):
        yield Store(pool, schema)


async def test_a_batch_decides_each_command_in_order_once_with_its_own_outcome_and_reply(
    infra: Settings,
) -> None:
    async with scratch(infra) as s:
        created = command_envelope(create("rel-a"))
        batch = [
            created,
            command_envelope(revise("rel-a", expected_version=1)),  # sees the create before it
            created,  # delivered twice in the batch: one outcome, replayed
            command_envelope(create("rel-b")),
            command_envelope(revise("rel-a", expected_version=1)),  # stale by now: refused
        ]
        await handle_records(s.handler(), records(*batch))

        assert await s.versions("rel-a") == [1, 2] and await s.versions("rel-b") == [1]
        replies = await s.replies()
        assert [r.command_id for r in replies] == [e.id for e in batch]
        assert [(r.status, r.stream_version) for r in replies] == [
            (OutcomeStatus.ACCEPTED, 1),
            (OutcomeStatus.ACCEPTED, 2),
            (OutcomeStatus.ACCEPTED, 1),
            (OutcomeStatus.ACCEPTED, 1),
            (OutcomeStatus.CONFLICT, 2),
        ]
        assert replies[2] == replies[0]  # the repeat hears the first delivery's outcome
        assert len(await s.outcomes()) == 4 and await s.transactions() == 1

        await handle_records(s.handler(), records(*batch))  # the whole batch delivered again
        assert await s.versions("rel-a") == [1, 2] and await s.versions("rel-b") == [1]
        assert (await s.replies())[5:] == replies  # the same outcomes, nothing new written


async def test_a_batch_logs_one_line_naming_every_command_it_decided_under_its_status(
    infra: Settings,
) -> None:
    async with scratch(infra) as s:
        batch = [
            command_envelope(create("rel-a")),
            command_envelope(create("rel-b")),
            command_envelope(revise("rel-a", expected_version=9)),  # stale: a conflict
        ]
        with capture_logs() as logs:
            await handle_records(s.handler(), records(*batch))

        [line] = [entry for entry in logs if "handled" in entry["event"]]
        assert line["event"] == "commands_handled" and line["count"] == 3
        assert line["accepted"] == [batch[0].id, batch[1].id]
        assert line["conflict"] == [batch[2].id]
        assert line["types"] == {batch[0].type: 2, batch[2].type: 1}


async def test_poison_forged_and_misaddressed_records_are_set_aside_and_the_rest_commits(
    infra: Settings,
) -> None:
    async with scratch(infra) as s:
        good, later = command_envelope(create("rel-a")), command_envelope(create("rel-c"))
        poison = KafkaRecord(b"rel-x", b"{not json", [("ce_id", b"poison-1")])
        forged = encode(command_envelope(create("rel-b")))  # not signed below
        misaddressed = encode(command_envelope(create("rel-d")))
        misaddressed.headers[:] = [
            (k, b"rel-other" if k == "ce_subject" else v) for k, v in misaddressed.headers
        ]
        batch = [*records(good, poison, misaddressed, later)]
        batch.insert(2, (forged, RecordOrigin(DRAFTING_COMMANDS, 0, 99)))
        await handle_records(s.handler(), batch)

        assert await s.versions("rel-a") == [1] and await s.versions("rel-c") == [1]
        assert await s.versions("rel-b") == [] and await s.versions("rel-d") == []
        reasons = await s.dead_letters()
        assert len(reasons) == 3
        assert "not signed" in reasons[1] and "ce_subject differs" in reasons[2]
        statuses = {r.command_id: r.status for r in await s.replies()}
        assert statuses["poison-1"] is OutcomeStatus.UNDECODABLE
        assert statuses[decode(forged, REGISTRY).id] is OutcomeStatus.FORBIDDEN
        assert statuses[good.id] is statuses[later.id] is OutcomeStatus.ACCEPTED
        assert len(statuses) == 5 and await s.transactions() == 1


@dataclass
class StatementsSeen:
    """The real pool, every statement on `schema` sent through a connection it lends written
    down (its first two words), and every BEGIN and COMMIT: not asyncpg's own look-ups of types
    on a new connection."""

    pool: Pool
    schema: str
    seen: list[str] = field(default_factory=list)

    @asynccontextmanager
    async def acquire(self) -> AsyncIterator[Connection]:
        async with self.pool.acquire() as conn:
            conn.add_query_logger(self._note)
            try:
                yield conn
            finally:
                conn.remove_query_logger(self._note)

    def _note(self, logged: Any) -> None:
        words = logged.query.split()
        if f"{self.schema}." in logged.query or words[0].upper() in ("BEGIN;", "COMMIT;"):
            self.seen.append(" ".join(words[:2]).upper())


async def test_a_batch_with_nothing_to_write_after_its_events_is_one_read_and_one_write(
    infra: Settings,
) -> None:
    """Issue 15: the batch was BEGIN, a write of its dead letters, two reads, the write of its
    commands, COMMIT: six round trips where two carry the same promises (the write is one
    statement, atomic on its own; a concurrent writer still fails it on the unique keys, as in
    the test below)."""
    async with scratch(infra) as s:
        watched = StatementsSeen(s.pool, s.schema)
        handler = replace(s.handler(), pool=cast(Pool, watched))
        poison = KafkaRecord(b"rel-x", b"{not json", [("ce_id", b"poison-1")])
        created = [command_envelope(create(f"rel-{n}")) for n in "ab"]
        batch = [*records(created[0], poison, created[1], created[0])]
        await handle_records(handler, batch)

        assert watched.seen == ["SELECT 0", "WITH W0"]
        assert await s.versions("rel-a") == [1] and await s.versions("rel-b") == [1]
        assert len(await s.dead_letters()) == 1
        statuses = [(r.command_id, r.status) for r in await s.replies()]
        assert statuses == [
            ("poison-1", OutcomeStatus.UNDECODABLE),
            (created[0].id, OutcomeStatus.ACCEPTED),
            (created[1].id, OutcomeStatus.ACCEPTED),
            (created[0].id, OutcomeStatus.ACCEPTED),
        ]

        watched.seen.clear()
        with_hook = replace(s.handler(after_append=failing_for("none")), pool=cast(Pool, watched))
        await handle_records(with_hook, records(command_envelope(create("rel-c"))))
        assert watched.seen[0] == "BEGIN;" and watched.seen[-1] == "COMMIT;"
        assert await s.versions("rel-c") == [1]


def failing_for(stream: str) -> AfterAppend:
    async def hook(conn: Connection, events: list[Envelope[Event]]) -> None:
        if any(envelope.subject == stream for envelope in events):
            raise ValueError(f"a bug writing what {stream}'s events imply")

    return hook


async def test_a_command_failing_midway_is_dead_lettered_alone_and_the_rest_commits_once(
    infra: Settings,
) -> None:
    async with scratch(infra) as s:
        batch = [
            command_envelope(create("rel-a")),
            command_envelope(create("rel-b")),  # its write fails: the batch rolls back
            command_envelope(revise("rel-a", expected_version=1)),
            command_envelope(create("rel-c")),
        ]
        with capture_logs() as logs:
            await handle_records(s.handler(after_append=failing_for("rel-b")), records(*batch))

        assert any(line["event"] == "command_batch_split" for line in logs)
        assert await s.versions("rel-a") == [1, 2] and await s.versions("rel-c") == [1]
        assert await s.versions("rel-b") == []
        [reason] = await s.dead_letters()
        assert "internal error" in reason and "rel-b" in reason
        replies = await s.replies()
        assert sorted(r.command_id for r in replies) == sorted(e.id for e in batch)
        assert {r.command_id: r.status for r in replies}[batch[1].id] is OutcomeStatus.UNDECODABLE
        assert set(await s.outcomes()) == {batch[0].id, batch[2].id, batch[3].id}


async def test_a_writer_that_keeps_winning_a_stream_delays_its_command_never_dead_letters_it(
    infra: Settings,
) -> None:
    """Issue 12, `make chaos`: past the immediate retries the command was dead-lettered with an
    `undecodable` reply, and a later delivery of it accepted: two outcomes for one command."""
    async with scratch(infra) as s:
        batch = [command_envelope(create(f"rel-{n}")) for n in "abc"]
        # More than the immediate retries of the batch's savepoint: the batch rolls back, waits.
        handler = s.handler(after_append=failing_with(TAKEN, MAX_CONCURRENCY_RETRIES + 2, "rel-b"))
        await handle_records(handler, records(*batch))

        assert await s.outcomes() == {e.id: "accepted" for e in batch}
        assert await s.dead_letters() == []
        replies = await s.replies()
        assert sorted(r.command_id for r in replies) == sorted(e.id for e in batch)
        assert {r.status for r in replies} == {OutcomeStatus.ACCEPTED}
        assert await s.versions("rel-b") == [1]


async def test_one_record_whose_stream_keeps_changing_is_retried_until_it_goes_through(
    infra: Settings,
) -> None:
    async with scratch(infra) as s:
        [(record, origin)] = records(command_envelope(create("rel-a")))
        handler = s.handler(after_append=failing_with(TAKEN, MAX_CONCURRENCY_RETRIES + 1, "rel-a"))
        await handler.handle_safely(record, origin)

        assert list((await s.outcomes()).values()) == ["accepted"]
        assert await s.dead_letters() == []
        assert [r.status for r in await s.replies()] == [OutcomeStatus.ACCEPTED]


def mark(stream: str) -> Inbound:
    envelope = command_envelope(
        MarkOverdue(release_id=stream, actor=SYSTEM, stage="policy", revision=1), actor=SYSTEM.id
    )
    return Inbound(encode(envelope), RecordOrigin("test", 0, 0), command=envelope)


async def someone_waits_on_a_lock(pool: Pool, schema: str) -> bool:
    waiting = await pool.fetchval(
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE $1",
        f"%{schema}.events%",
    )
    return bool(waiting)


async def test_a_batch_meeting_a_concurrent_writer_of_one_stream_is_decided_again_whole(
    infra: Settings,
) -> None:
    async with scratch(infra) as s:
        appended = asyncio.Event()

        async def hold_until_the_other_waits(conn: Connection, _: Sequence[Any]) -> None:
            appended.set()  # rel-a version 1 is ours, uncommitted: the other batch will wait
            await eventually(lambda: someone_waits_on_a_lock(s.pool, s.schema), what="a waiter")

        first = s.handler(RECORDER, after_append=hold_until_the_other_waits)
        second = s.handler(RECORDER)

        async def unused(*_: Any) -> None:
            raise AssertionError("the batch should not fall back to one record at a time")

        first_batch = [mark("rel-a")]
        second_batch = [mark("rel-b"), mark("rel-a"), mark("rel-c")]
        with capture_logs() as logs:
            held = asyncio.create_task(CommandBatch(first, unused, reply=False).handle(first_batch))
            await asyncio.wait_for(appended.wait(), timeout=60)
            await CommandBatch(second, unused, reply=False).handle(second_batch)
            await held

        # The second batch met the first's uncommitted rel-a, then its commit: read and decided
        # again as a batch, not split into a savepoint a command (70 of them in a lifecycle run).
        events = [line["event"] for line in logs]
        assert events.count("command_batch_again") == 1 and "command_batch_split" not in events
        assert await s.versions("rel-a") == [1, 2]
        assert await s.versions("rel-b") == [1] and await s.versions("rel-c") == [1]
        handled = {item.command.id for item in [*first_batch, *second_batch] if item.command}
        assert set(await s.outcomes()) == handled


async def test_a_batch_meeting_postgres_away_waits_and_commits_whole_not_dead_lettered(
    infra: Settings,
) -> None:
    async with scratch(infra) as s:
        batch = [command_envelope(create(f"rel-{n}")) for n in range(5)]
        # The first two attempts fail as a server shutting down would (57P01), midway.
        handler = s.handler(after_append=failing_with("57P01", times=2))
        await handle_records(handler, records(*batch))

        assert await s.outcomes() == {e.id: "accepted" for e in batch}
        assert await s.dead_letters() == [] and len(await s.replies()) == len(batch)
        assert await s.transactions() == 1
