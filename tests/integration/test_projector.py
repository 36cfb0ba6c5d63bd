"""The projector against the real Kafka and PostgreSQL: rows appear, replays change nothing,
garbage is parked, and a SIGKILL mid-stream neither loses nor duplicates anything."""

from __future__ import annotations

import asyncio
import base64
import json
import signal
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from events.base import Message
from events.content import ContentChanges, ReleaseContent, content_hash
from events.drafting import DraftCreated, DraftRevised, DraftSubmitted
from events.envelope import Envelope, deterministic_id, source_of
from events.kafka import Headers, KafkaRecord, encode
from events.replies import CommandOutcome, OutcomeStatus
from events.topics import DRAFTING_EVENTS, REPLIES
from services.kit.consumer_groups import PROJECTED_TOPICS
from services.kit.kafka_clients import client_kwargs
from services.kit.settings import REPO_ROOT, Settings
from services.projector.bootstrap import prepare, run_projector
from services.projector.store import NOTIFY_CHANNEL
from services.read_models import releases as queries
from tests.support import eventually as wait_for

pytestmark = pytest.mark.integration
WAIT_S = 120.0
Offsets = dict[tuple[str, int], int]


@pytest.fixture
async def pool(infra: Settings) -> AsyncIterator[asyncpg.Pool]:
    await prepare(infra)
    async with asyncpg.create_pool(infra.pg_dsn, min_size=1, max_size=4) as created:
        yield created


def group() -> str:
    return f"test-projector-{uuid.uuid4().hex[:12]}"


def lifecycle(release_id: str, org: str, revisions: int = 1, word: str = "") -> list[KafkaRecord]:
    """Created, `revisions` revisions, submitted: encoded as the drafting relay would."""
    content = ReleaseContent(
        title=f"UK and Japan {word}", body="Defence.", organisations=[org, "cabinet-office"]
    )
    ids = {"release_id": release_id}
    events: list[Message] = [
        DraftCreated(**ids, revision=1, created_by="alice", organisation=org, **_hashed(content))
    ]
    for revision in range(2, revisions + 2):
        content = ContentChanges(body=f"Body {revision}").apply_to(content)
        changed = {"changed_fields": ["body"], "revised_by": "alice"}
        events.append(DraftRevised(**ids, revision=revision, **changed, **_hashed(content)))
    submitter = {"submitted_by": "bob", "organisation": org, "authors": ["alice"]}
    hashed = content_hash(content)
    events.append(DraftSubmitted(**ids, revision=revisions + 1, content_hash=hashed, **submitter))
    return [encode(_envelope(release_id, event, n)) for n, event in enumerate(events, 1)]


def _hashed(content: ReleaseContent) -> dict[str, Any]:
    return {"content": content, "content_hash": content_hash(content)}


def _envelope(subject: str, data: Message, sequence: int | None) -> Envelope[Message]:
    return Envelope[Message](
        id=deterministic_id(subject, str(sequence)),
        source=source_of(data.service),
        time=datetime.now(UTC),
        subject=subject,
        data=data,
        sequence=sequence,
        correlation_id=f"corr-{subject}",
        causation_id=f"cmd-{subject}",
        actor="alice",
    )


def reply(command_id: str, release_id: str) -> KafkaRecord:
    outcome = CommandOutcome(
        command_id=command_id,
        command_type="pressroom.drafting.CreateDraft.v1",
        release_id=release_id,
        status=OutcomeStatus.ACCEPTED,
        stream_version=1,
        events=["e1"],
    )
    return encode(_envelope(command_id, outcome, None))


async def produce(settings: Settings, topic: str, records: Sequence[KafkaRecord]) -> None:
    producer = AIOKafkaProducer(
        **client_kwargs(settings=settings), acks="all", enable_idempotence=True
    )
    await producer.start()
    try:
        sent = [await producer.send(topic, r.value, key=r.key, headers=r.headers) for r in records]
        await asyncio.gather(*sent)
    finally:
        await producer.stop()


async def end_offsets(settings: Settings) -> Offsets:
    """The current end of every projected partition that holds records."""
    # A producer fetches topic metadata on demand; an unsubscribed consumer does not.
    producer = AIOKafkaProducer(**client_kwargs(settings=settings))
    consumer = AIOKafkaConsumer(**client_kwargs(settings=settings))
    await producer.start()
    await consumer.start()
    try:
        partitions = [
            TopicPartition(topic, p)
            for topic in PROJECTED_TOPICS
            for p in await producer.partitions_for(topic)
        ]
        ends = await consumer.end_offsets(partitions)
        return {(tp.topic, tp.partition): end for tp, end in ends.items() if end > 0}
    finally:
        await consumer.stop()
        await producer.stop()


async def eventually(check: Callable[[], Awaitable[bool]], what: str) -> None:
    await wait_for(check, WAIT_S, what)


async def caught_up(settings: Settings, pool: asyncpg.Pool, consumer: str) -> None:
    """Waits until `consumer` has stored offsets at (or past) every partition's current end."""
    ends = await end_offsets(settings)

    async def check() -> bool:
        rows = await pool.fetch(
            "SELECT topic, partition, next_offset FROM"
            " projections.consumer_offsets WHERE consumer = $1",
            consumer,
        )
        stored = {(r["topic"], r["partition"]): r["next_offset"] for r in rows}
        return all(stored.get(key, 0) >= end for key, end in ends.items())

    await eventually(check, f"{consumer} to reach {ends}")


@asynccontextmanager
async def projector(settings: Settings, consumer: str) -> AsyncIterator[None]:
    stop = asyncio.Event()
    task = asyncio.create_task(run_projector(settings, stop, group_id=consumer))
    try:
        yield
    finally:
        stop.set()
        await asyncio.wait_for(task, WAIT_S)


async def snapshot(pool: asyncpg.Pool, release_id: str) -> tuple[Any, ...]:
    history = await pool.fetch(
        "SELECT * FROM projections.release_history WHERE release_id = $1 AND service = 'drafting'"
        " ORDER BY id",
        release_id,
    )
    release = await queries.get_release(pool, release_id)
    drafting_part = (
        None
        if release is None
        else {k: release[k] for k in ("title", "body", "revision", "content_hash", "created_at")}
        | {"drafting": release["versions"].get("drafting")}
    )
    return (drafting_part, [dict(r) for r in history])


async def test_projects_a_release_its_timeline_and_command_outcomes(
    infra: Settings, pool: asyncpg.Pool
) -> None:
    release_id, command_id = str(uuid.uuid4()), str(uuid.uuid4())
    org, word = f"org-{uuid.uuid4().hex[:8]}", f"kumquat{uuid.uuid4().hex[:6]}"
    await produce(infra, DRAFTING_EVENTS, lifecycle(release_id, org, revisions=1, word=word))
    await produce(infra, REPLIES, [reply(command_id, release_id)])
    consumer, notices = group(), list[str]()

    def notice(*args: Any) -> None:
        notices.append(args[3])

    async with pool.acquire() as listener, projector(infra, consumer):
        await listener.add_listener(NOTIFY_CHANNEL, notice)
        await caught_up(infra, pool, consumer)
        await eventually(lambda: _notified(notices, release_id), "a NOTIFY naming the release")
        await listener.remove_listener(NOTIFY_CHANNEL, notice)

    release = await queries.get_release(pool, release_id)
    assert release is not None
    assert (release["status"], release["revision"], release["body"]) == ("submitted", 2, "Body 2")
    assert (release["lead_organisation"], release["submitted_by"]) == (org, "bob")
    # The running approval service may already have answered the submission: drafting's part.
    assert release["versions"]["drafting"] == 3
    timeline = await queries.release_history(pool, release_id)
    assert [e["summary"] for e in timeline if e["service"] == "drafting"][1:] == [
        "Revision 2 by alice: changed body",
        "Revision 2 submitted for approval by bob",
    ]
    outcome = await queries.command_outcome(pool, command_id)
    assert outcome is not None and outcome["status"] == "accepted" and outcome["events"] == ["e1"]
    found = await queries.list_releases(pool, q=word)
    assert [r["release_id"] for r in found] == [release_id]
    board = await queries.list_releases(pool, status="submitted", org=org)
    assert [r["release_id"] for r in board] == [release_id]
    assert await queries.list_releases(pool, status="draft", org=org) == []


async def _notified(notices: list[str], release_id: str) -> bool:
    """A notice names the release, or says it names only some (a new consumer group reading a
    long backlog from offset 0 touches more releases per batch than a notice lists): waiters
    then re-check every release they wait for."""
    read = [json.loads(notice) for notice in notices]
    return any(release_id in n["releases"] or n["truncated"] for n in read)


async def test_replaying_the_log_with_a_fresh_consumer_changes_nothing(
    infra: Settings, pool: asyncpg.Pool
) -> None:
    release_id = str(uuid.uuid4())
    await produce(infra, DRAFTING_EVENTS, lifecycle(release_id, "foreign-office", revisions=3))
    first, replay = group(), group()
    async with projector(infra, first):
        await caught_up(infra, pool, first)
    before = await snapshot(pool, release_id)

    async with projector(infra, replay):
        await caught_up(infra, pool, replay)

    assert await snapshot(pool, release_id) == before
    assert len(before[1]) == 5 and before[0] is not None and before[0]["revision"] == 4


async def test_a_garbage_record_is_dead_lettered_and_later_records_still_project(
    infra: Settings, pool: asyncpg.Pool
) -> None:
    release_id = str(uuid.uuid4())
    created, *later = lifecycle(release_id, "foreign-office", revisions=1)
    headers: Headers = [
        ("ce_specversion", b"1.0"),
        ("ce_id", b"x"),
        ("ce_source", b"/pressroom/drafting"),
        ("ce_type", b"pressroom.drafting.DraftRevised.v2"),
    ]
    garbage = KafkaRecord(key=release_id.encode(), value=b"\xffnot json", headers=headers)
    await produce(infra, DRAFTING_EVENTS, [created, garbage, *later])
    consumer = group()

    async with projector(infra, consumer):
        await caught_up(infra, pool, consumer)

    letter = await pool.fetchrow(
        "SELECT * FROM projections.dead_letters WHERE key = $1", release_id.encode()
    )
    assert letter is not None and letter["value"] == b"\xffnot json"
    assert "value is not JSON" in letter["reason"] and letter["topic"] == DRAFTING_EVENTS
    stored_headers = json.loads(letter["headers"])
    assert stored_headers[3] == {
        "key": "ce_type",
        "value": base64.b64encode(b"pressroom.drafting.DraftRevised.v2").decode(),
    }
    release = await queries.get_release(pool, release_id)
    assert release is not None and release["status"] == "submitted"


def start_projector_process(consumer: str, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "services.projector", "--group", consumer],
            cwd=REPO_ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


async def history_count(pool: asyncpg.Pool, release_ids: list[str]) -> int:
    """Drafting's rows only: the running approval service answers each submission too."""
    return int(
        await pool.fetchval(
            "SELECT count(*) FROM projections.release_history"
            " WHERE release_id = ANY($1::text[]) AND service = 'drafting'",
            release_ids,
        )
    )


async def test_a_projector_killed_mid_stream_loses_nothing_and_duplicates_nothing(
    infra: Settings, pool: asyncpg.Pool, tmp_path: Path
) -> None:
    release_ids = [str(uuid.uuid4()) for _ in range(200)]
    records = [r for rid in release_ids for r in lifecycle(rid, "foreign-office", revisions=8)]
    consumer, log = group(), tmp_path / "projector.log"
    first = start_projector_process(consumer, log)
    half = len(records) // 2
    try:
        # Killed while busy with the first half; the second half arrives while it is dead.
        await produce(infra, DRAFTING_EVENTS, records[:half])
        await eventually(lambda: _at_least(pool, release_ids, 100), "the first history rows")
        first.send_signal(signal.SIGKILL)
        await produce(infra, DRAFTING_EVENTS, records[half:])
    finally:
        first.kill()
        first.wait()
    second = start_projector_process(consumer, log)
    try:
        await caught_up(infra, pool, consumer)
        assert await history_count(pool, release_ids) == len(records) == 2000
        rows = await pool.fetch(
            "SELECT revision, versions->>'drafting' AS drafting FROM projections.releases"
            " WHERE release_id = ANY($1::text[])",
            release_ids,
        )
        assert len(rows) == 200
        assert {(r["revision"], r["drafting"]) for r in rows} == {(9, "10")}
        second.send_signal(signal.SIGTERM)
        assert second.wait(timeout=WAIT_S) == 0, log.read_text()
    finally:
        second.kill()
        second.wait()


async def _at_least(pool: asyncpg.Pool, release_ids: list[str], count: int) -> bool:
    return await history_count(pool, release_ids) >= count
