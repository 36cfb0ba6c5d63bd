"""A rebuild into a fresh schema (pipelined, rows from its cache, new rows by COPY) writes exactly
what the live projector's way (one batch at a time, rows locked and read, upserts) writes, on a
log with every kind of event, repeated records, a repeated command id and a record nobody can
read; so do the fallbacks a very long log takes (cache restarted, written keys forgotten)."""

from __future__ import annotations

import asyncio
import socket
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from itertools import zip_longest

import asyncpg
import pytest
from aiokafka import AIOKafkaProducer

from dev_tools.bench import raw
from events import approval, embargo, publication
from events.base import Message
from events.envelope import Envelope, deterministic_id, source_of
from events.kafka import KafkaRecord, encode
from events.schemas.examples_approval import APPROVAL_STORY
from events.schemas.examples_drafting import DRAFTING_STORY as _STORY
from events.schemas.examples_embargo import EMBARGO_STORY
from events.schemas.examples_publication import PUBLICATION_STORY
from events.schemas.examples_story import START
from operator_tools import fold, pipeline
from operator_tools.checksums import table_digest
from operator_tools.errors import OpsError
from operator_tools.fold import WHOLE_LOG, FoldTarget
from operator_tools.kafka_io import Ranges, log_ranges
from operator_tools.parallel import partition_groups
from operator_tools.progress import SILENT
from operator_tools.replay import fold_ranges
from operator_tools.schemas import create_projection_schema, drop_schema, tables_of
from services.kit.kafka_clients import client_kwargs
from services.kit.record_checks import stream_of
from services.kit.settings import Settings
from services.projector.consumer import GROUP_ID
from services.projector.store import ProjectionStore

pytestmark = pytest.mark.integration
CLONES = 4
SMALL_BATCH = 7
BIG_BATCH = 5_000


@pytest.fixture
async def pool(infra: Settings) -> AsyncIterator[asyncpg.Pool]:
    async with asyncpg.create_pool(infra.pg_dsn, min_size=1, max_size=4) as created:
        yield created


@pytest.fixture
async def log(infra: Settings) -> AsyncIterator[Ranges]:
    """A topic of its own holding the example story, told for CLONES releases at once."""
    async with raw.bench_topic(infra.kafka_bootstrap, 3) as topic:
        await _produce(infra, topic, story_records())
        yield await log_ranges(infra.kafka_bootstrap, (topic,))


@pytest.fixture(params=[SMALL_BATCH, BIG_BATCH], ids=["small batches", "one batch"])
def batches(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> int:
    """Small batches end inside stories; one batch holds every repeat of a key at once."""
    size: int = request.param
    monkeypatch.setattr(pipeline, "FRESH_BATCH", size)
    monkeypatch.setattr(pipeline, "IN_TURN_BATCH", size)
    return size


def story_records() -> list[KafkaRecord]:
    """The events and replies of the example story, told for CLONES releases at once (clone 0
    tells all of it; the others stop while approval is pending, under an embargo, after the
    first edition), then the records of clones 0 and 1 again (a relay publishing twice; the
    repeated reply of clone 1 is the last word on its command id) and a record that is not
    JSON."""
    told = [
        [_encoded(message, command, sequence, clone, n) for n, (message, command, sequence)
         in enumerate(_STORY_STEPS[:length]) if message.kind != "command"]
        for clone, length in enumerate(_story_lengths())
    ]  # fmt: skip
    interleaved = [r for step in zip_longest(*told) for r in step if r is not None]
    first = told[0][0]
    garbage = KafkaRecord(first.key, b"not json", first.headers)
    return [*interleaved, *told[0], *told[1], garbage]


def _story_lengths() -> list[int]:
    """All of it, then up to the first approval request, embargo and edition."""
    stops = (approval.ApprovalRequested, embargo.EmbargoSet, publication.ReleasePublished)
    firsts = [
        next(n for n, (m, _, _) in enumerate(_STORY_STEPS) if isinstance(m, t)) for t in stops
    ]
    return [len(_STORY_STEPS), *(n + 1 for n in firsts)][:CLONES]


_STORY_STEPS = [*_STORY, *APPROVAL_STORY, *EMBARGO_STORY, *PUBLICATION_STORY]


def _encoded(
    message: Message, command: str, sequence: int | None, clone: int, n: int
) -> KafkaRecord:
    release_id = getattr(message, "release_id", None)
    if release_id is not None:
        message = message.model_copy(update={"release_id": f"{release_id}-{clone}"})
    is_reply = message.kind == "reply"
    # Replies keep the story's command ids: every clone repeats them, the last one stays.
    # An event's subject is its stream, as the services write it (a subscriber's: its id).
    subject = command if is_reply else stream_of(message) or command
    envelope = Envelope[Message](
        id=f"{command}:outcome" if is_reply else deterministic_id(command, str(clone), str(n)),
        source=source_of(getattr(message, "service", "drafting")),
        time=START + timedelta(minutes=n, seconds=clone),
        subject=subject,
        data=message,
        sequence=sequence,
        correlation_id=command,
        causation_id=command,
        actor="tests",
    )
    return encode(envelope)


async def _produce(settings: Settings, topic: str, records: list[KafkaRecord]) -> None:
    producer = AIOKafkaProducer(**client_kwargs(settings=settings), acks="all")
    await producer.start()
    try:
        stamp = int(datetime.now(UTC).timestamp() * 1000)
        sent = [
            await producer.send(
                topic, r.value, key=r.key, headers=r.headers, timestamp_ms=stamp + i
            )
            for i, r in enumerate(records)
        ]
        await asyncio.gather(*sent)
    finally:
        await producer.stop()


async def _rebuilt(
    settings: Settings,
    pool: asyncpg.Pool,
    ranges: Ranges,
    sole_writer: bool = True,
    workers: int = 1,
) -> dict[str, object]:
    """Every table's digest, the stored offsets and the counts after folding the log into a new
    schema (with `workers` processes if it is fresh)."""
    schema = f"test_paths_{uuid.uuid4().hex[:8]}"
    async with pool.acquire() as conn:
        await create_projection_schema(conn, schema)
    try:
        stats = await fold_ranges(
            settings.model_copy(update={"rebuild_workers": workers}),
            pool,
            ranges,
            FoldTarget(schema, sole_writer=sole_writer),
            WHOLE_LOG,
            SILENT,
        )
        async with pool.acquire() as conn:
            digests: dict[str, object] = {
                table: (await table_digest(conn, schema, table)).rows
                for table in await tables_of(conn, schema)
            }
            offsets = await ProjectionStore(schema).load_offsets(
                conn, GROUP_ID, {tp.topic for tp in ranges}
            )
        digests["consumer_offsets"] = offsets
        digests["counts"] = (stats.read, stats.folded, stats.dead_letters)
        digests["processes"] = stats.processes
        return digests
    finally:
        async with pool.acquire() as conn:
            await drop_schema(conn, schema)


async def test_a_fresh_rebuild_writes_what_the_live_projectors_way_writes(
    infra: Settings, pool: asyncpg.Pool, log: Ranges, batches: int
) -> None:
    live_way = await _rebuilt(infra, pool, log, sole_writer=False)
    fresh = await _rebuilt(infra, pool, log)
    assert fresh == live_way
    assert len(live_way["releases"]) >= CLONES  # type: ignore[arg-type]
    assert live_way["dead_letters"]  # the record that is not JSON, at least
    for table in ("release_history", "release_revisions", "approval_inbox", "embargo_calendar",
                  "embargoed_copies", "public_feed", "command_outcomes"):  # fmt: skip
        assert live_way[table], f"the story leaves {table} empty: it tests nothing there"


async def test_a_rebuild_past_its_memory_bounds_still_writes_the_same(
    infra: Settings, pool: asyncpg.Pool, log: Ranges, batches: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    live_way = await _rebuilt(infra, pool, log, sole_writer=False)
    monkeypatch.setattr(fold, "MAX_CACHED_ROWS", 3)  # then rows come from the tables
    monkeypatch.setattr(fold, "MAX_WRITTEN_KEYS", 40)  # then the upserts write everything
    assert await _rebuilt(infra, pool, log) == live_way


async def test_a_rebuild_split_over_worker_processes_writes_what_one_process_writes(
    infra: Settings, pool: asyncpg.Pool, log: Ranges
) -> None:
    assert len(partition_groups(log, 3)) == 3, "the story must reach every partition"
    live_way = await _rebuilt(infra, pool, log, sole_writer=False)

    in_three = await _rebuilt(infra, pool, log, workers=3)

    assert in_three.pop("processes") == 3 and live_way.pop("processes") == 1
    assert in_three == live_way
    assert in_three["counts"] == (len(story_records()), len(story_records()), 1)


async def test_a_failing_worker_process_stops_the_rebuild_and_says_which_partitions(
    infra: Settings, pool: asyncpg.Pool, log: Ranges
) -> None:
    # The workers connect with the settings' DSN, this process with the pool: only they fail.
    nobody_listens = infra.model_copy(update={"pg_port": _unused_port()})

    with pytest.raises(OpsError, match=r"rebuild worker for partitions \d.*\(exit status 1\)"):
        await _rebuilt(nobody_listens, pool, log, workers=3)


def _unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port
