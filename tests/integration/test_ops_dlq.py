"""`pressroom dlq` on the real Kafka and PostgreSQL: a dry run changes nothing, --limit re-drives
that many in order, a dead letter is never re-driven twice, and an event the projector parked as
v1 is re-driven as v2 through today's upcaster."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import asyncpg
import pytest
from aiokafka import AIOKafkaProducer

from events.actor import Actor
from events.base import Message
from events.content import ContentChanges, ReleaseContent, content_hash
from events.drafting import CreateDraft, DraftCreated, DraftRevisedV1, ReviseDraft, SubmitDraft
from events.envelope import Envelope, deterministic_id, source_of
from events.kafka import KafkaRecord, encode
from events.replies import OutcomeStatus
from events.topics import DRAFTING_COMMANDS, DRAFTING_DLQ, DRAFTING_EVENTS
from operator_tools.dead_letters import DeadLetterFilter, list_dead_letters
from operator_tools.redrive import redrive
from operator_tools.schemas import ensure_ops
from services.kit.dlq import RecordOrigin, dead_letter
from services.kit.kafka_clients import client_kwargs
from services.kit.settings import Settings
from services.projector.batch import Consumed, DeadLetter
from services.projector.store import ProjectionStore
from tests.e2e.stack_fixture import Stack
from tests.support import command_envelope, eventually, signed_record, wait_for_reply

pytestmark = pytest.mark.integration
WRITER = Actor(id="alice", roles=["writer"], organisation="fco")
CONTENT = ReleaseContent(title="UK and Japan", body="Defence.", organisations=["fco"])


@pytest.fixture
async def conn(infra: Settings) -> AsyncIterator[asyncpg.Connection]:
    connection = await asyncpg.connect(infra.pg_dsn)
    await ensure_ops(connection)
    yield connection
    await connection.close()


def commands(release_id: str) -> list[Envelope[Message]]:
    changes = ContentChanges(summary="Talks in Tokyo.")
    return [
        command_envelope(CreateDraft(release_id=release_id, actor=WRITER, content=CONTENT)),
        command_envelope(
            ReviseDraft(release_id=release_id, actor=WRITER, expected_version=1, changes=changes)
        ),
        command_envelope(SubmitDraft(release_id=release_id, actor=WRITER, expected_version=2)),
    ]


async def send(settings: Settings, topic: str, records: list[KafkaRecord]) -> list[tuple[int, int]]:
    """(partition, offset) of each record sent."""
    producer = AIOKafkaProducer(**client_kwargs(settings=settings), acks="all")
    await producer.start()
    try:
        sent = [
            await producer.send_and_wait(topic, r.value, key=r.key, headers=r.headers)
            for r in records
        ]
    finally:
        await producer.stop()
    return [(meta.partition, meta.offset) for meta in sent]


async def dead_letter_commands(settings: Settings, envelopes: list[Envelope[Message]]) -> None:
    """As drafting dead-letters commands whose handling hit a bug: originals plus the reason."""
    why = "internal error: RuntimeError('bug in a release of drafting')"
    letters = [
        dead_letter(
            signed_record(encode(e)),  # as it came in: signed by its sender
            RecordOrigin(DRAFTING_COMMANDS, 0, 10**6 + i),
            why,
            datetime.now(UTC),
        )
        for i, e in enumerate(envelopes)
    ]
    await send(settings, DRAFTING_DLQ, letters)


async def test_dry_run_changes_nothing_and_limit_redrives_in_order_once(
    stack: Stack, conn: asyncpg.Connection
) -> None:
    bootstrap, release_id = stack.settings.kafka_bootstrap, f"dlq-{uuid.uuid4()}"
    envelopes = commands(release_id)
    await dead_letter_commands(stack.settings, envelopes)
    mine = DeadLetterFilter(release=release_id, pending_only=True)
    letters = await list_dead_letters(bootstrap, conn, mine)
    assert [x.ce_type.split(".")[2] for x in letters] == [
        "CreateDraft",
        "ReviseDraft",
        "SubmitDraft",
    ]
    assert all("bug in a release" in x.reason for x in letters)

    dry = await redrive(bootstrap, conn, letters, dry_run=True)
    assert [o.result for o in dry] == ["would re-drive"] * 3
    remembered = [
        await conn.fetchval(
            'SELECT result FROM ops.redriven WHERE topic = $1 AND partition = $2 AND "offset" = $3',
            x.topic,
            x.partition,
            x.offset,
        )
        for x in letters
    ]
    assert remembered == [None, None, None]
    assert len(await list_dead_letters(bootstrap, conn, mine)) == 3

    (first,) = await redrive(bootstrap, conn, letters[:1])
    assert first.result == "redriven" and "to pressroom.drafting.commands" in first.detail
    created = await wait_for_reply(bootstrap, envelopes[0].id)
    assert created.status is OutcomeStatus.ACCEPTED
    pending = await list_dead_letters(bootstrap, conn, mine)
    assert [x.ce_type.split(".")[2] for x in pending] == ["ReviseDraft", "SubmitDraft"]

    again = await redrive(bootstrap, conn, letters)  # the same three, as a stale list would
    assert [o.result for o in again] == ["skipped", "redriven", "redriven"]
    submitted = await wait_for_reply(bootstrap, envelopes[2].id)
    assert (submitted.status, submitted.stream_version) == (OutcomeStatus.ACCEPTED, 3)
    assert await list_dead_letters(bootstrap, conn, mine) == []


def parked_v1_revision(release_id: str) -> tuple[KafkaRecord, KafkaRecord]:
    """DraftCreated, and a DraftRevised in its first shape (no hash, no changed fields)."""
    revised = ContentChanges(summary="Revised before v2 existed.").apply_to(CONTENT)
    events: list[Message] = [
        DraftCreated(
            release_id=release_id,
            revision=1,
            content=CONTENT,
            content_hash=content_hash(CONTENT),
            created_by="alice",
            organisation="fco",
        ),
        DraftRevisedV1(release_id=release_id, revision=2, content=revised, revised_by="alice"),
    ]
    common = {"source": source_of("drafting"), "subject": release_id, "actor": "alice"}
    created, revision = (
        encode(Envelope[Message](id=deterministic_id(release_id, str(n)), time=datetime.now(UTC),
                                 data=event, sequence=n, correlation_id=release_id, **common))
        for n, event in enumerate(events, 1)
    )  # fmt: skip
    return created, revision


async def test_a_v1_event_the_projector_parked_is_redriven_as_v2(
    stack: Stack, conn: asyncpg.Connection
) -> None:
    settings, release_id = stack.settings, f"dlq-v1-{uuid.uuid4()}"
    created, revision = parked_v1_revision(release_id)
    await send(settings, DRAFTING_EVENTS, [created])
    await eventually(lambda: _revision(conn, release_id), what="the created release's row")
    projector = stack.processes["projector"]
    projector.stop()
    try:
        ((partition, offset),) = await send(settings, DRAFTING_EVENTS, [revision])
        await _park(conn, Consumed(DRAFTING_EVENTS, partition, offset, revision.key,
                                   revision.value, tuple(revision.headers)))  # fmt: skip
    finally:
        projector.start()
    mine = DeadLetterFilter(release=release_id)
    letters = await list_dead_letters(settings.kafka_bootstrap, conn, mine)
    assert [x.ce_type for x in letters] == ["pressroom.drafting.DraftRevised.v1"]
    (outcome,) = await redrive(settings.kafka_bootstrap, conn, letters)
    assert outcome.result == "redriven"
    assert outcome.detail == "into projections as pressroom.drafting.DraftRevised.v2"
    assert await _revision(conn, release_id) == 2
    types = await conn.fetch(
        "SELECT event_type FROM projections.release_history"
        " WHERE release_id = $1 ORDER BY stream_version",
        release_id,
    )
    assert [t["event_type"] for t in types][-1] == "pressroom.drafting.DraftRevised.v2"
    assert await list_dead_letters(settings.kafka_bootstrap, conn, mine) == []


async def _revision(conn: asyncpg.Connection, release_id: str) -> int | None:
    value = await conn.fetchval(
        "SELECT revision FROM projections.releases WHERE release_id = $1", release_id
    )
    return int(value) if value is not None else None


async def _park(conn: asyncpg.Connection, record: Consumed) -> None:
    """What an older projector (one without the v1 upcaster) did: park it and move on past it."""
    store = ProjectionStore()
    letter = DeadLetter(record, "unknown type 'pressroom.drafting.DraftRevised.v1'")
    async with conn.transaction():
        await store.insert_dead_letters(conn, [letter])
        await store.store_offsets(
            conn, "pressroom-projector", {(record.topic, record.partition): record.offset + 1}
        )
