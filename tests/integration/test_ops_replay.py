"""Replays on the real Kafka and PostgreSQL: a time window replays exactly its events; a shadow
rebuilt while commands flow verifies, swaps in without a failed read, and equals a fresh fold."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaProducer

from dev_tools.bench.rebuild_events import lifecycle_records
from events.kafka import KafkaRecord
from events.topics import DRAFTING_EVENTS
from operator_tools.cleanup import drop_old
from operator_tools.errors import OpsError
from operator_tools.fold import Window
from operator_tools.replay import ReplayRequest, replay
from operator_tools.status import projection_status
from operator_tools.swap import swap
from operator_tools.times import to_millis
from operator_tools.verify import verify
from services.kit.kafka_clients import client_kwargs
from services.kit.settings import Settings
from tests.e2e.stack_fixture import Stack
from tests.e2e.test_drafting_http import sample_body
from tests.support import eventually

pytestmark = pytest.mark.integration


@pytest.fixture
async def pool(infra: Settings) -> AsyncIterator[asyncpg.Pool]:
    async with asyncpg.create_pool(infra.pg_dsn, min_size=1, max_size=4) as created:
        yield created


async def produce_at(settings: Settings, stamped: list[tuple[datetime, KafkaRecord]]) -> None:
    """Records with the Kafka timestamps given (producers may set them)."""
    producer = AIOKafkaProducer(**client_kwargs(settings=settings), acks="all")
    await producer.start()
    try:
        for moment, r in stamped:
            await producer.send_and_wait(
                DRAFTING_EVENTS,
                r.value,
                key=r.key,
                headers=r.headers,
                timestamp_ms=to_millis(moment),
            )
    finally:
        await producer.stop()


async def test_since_until_replays_exactly_the_events_stamped_in_the_window(
    stack: Stack, pool: asyncpg.Pool
) -> None:
    # A day of its own in the past, so no other test's record falls into the window.
    start = datetime(2001, 1, 1, tzinfo=UTC) + timedelta(days=random.randrange(3000))
    records = lifecycle_records(8, start)  # two releases, four events each
    stamped = [(start + timedelta(seconds=i), record) for i, record in enumerate(records)]
    await produce_at(stack.settings, stamped)
    window = Window(start + timedelta(seconds=2), start + timedelta(seconds=6))  # events 2..5
    result = await replay(stack.settings, pool, ReplayRequest("all", window, shadow=True))
    assert result.shadow is not None
    try:
        rows = await pool.fetch(
            f"SELECT release_id, stream_version FROM {result.target}.release_history"
            " ORDER BY release_id, stream_version"
        )
        expected = sorted(
            (str(r.header("ce_subject")), i % 4 + 1) for i, r in enumerate(records) if 2 <= i < 6
        )
        assert [(r["release_id"], r["stream_version"]) for r in rows] == expected
        assert result.stats.folded == 4
        with pytest.raises(OpsError, match="time window"):
            await swap(stack.settings, pool, result.target)
        ids = sorted({str(r.header("ce_subject")) for r in records})
        count = "SELECT count(*) FROM projections.release_history WHERE release_id = ANY($1)"
        await _projector_caught_up(stack.settings, pool)  # the live rows are all there first
        live_rows = await pool.fetchval(count, ids)
        again = await replay(stack.settings, pool, ReplayRequest("all", window))  # in place
        assert (again.target, again.stats.folded) == ("projections", 4)
        assert await pool.fetchval(count, ids) == live_rows  # already applied: nothing changes
    finally:
        async with pool.acquire() as conn:
            await drop_old(conn, result.target)


@dataclass
class Traffic:
    """Commands and reads against the gateway until stopped; every answer is counted."""

    release_ids: list[str]
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    reads: int = 0
    writes: int = 0
    failures: list[str] = field(default_factory=list)

    async def read(self, http: httpx.AsyncClient) -> None:
        while not self.stop.is_set():
            for path in (f"/v1/releases/{random.choice(self.release_ids)}", "/v1/releases"):
                response = await http.get(path)
                self.reads += 1
                if response.status_code != 200:
                    self.failures.append(f"GET {path}: {response.status_code} {response.text}")

    async def write(self, http: httpx.AsyncClient) -> None:
        while not self.stop.is_set():
            response = await http.post("/v1/releases", json=sample_body(f" {uuid.uuid4().hex[:6]}"))
            self.writes += 1
            if response.status_code != 201:
                self.failures.append(f"POST: {response.status_code} {response.text}")


async def seed(http: httpx.AsyncClient, count: int) -> list[str]:
    created = [await http.post("/v1/releases", json=sample_body()) for _ in range(count)]
    ids = [c.json()["release_id"] for c in created]
    for release_id in ids:  # readable before the traffic starts reading them
        got = await http.get(f"/v1/releases/{release_id}", params={"min_version": 1})
        assert got.status_code == 200, got.text
    return ids


async def test_a_shadow_rebuilt_under_load_verifies_swaps_and_equals_a_fresh_fold(
    stack: Stack, pool: asyncpg.Pool
) -> None:
    async with stack.client() as http:
        traffic = Traffic(await seed(http, 5))
        tasks = [asyncio.create_task(traffic.write(http)), asyncio.create_task(traffic.write(http))]
        tasks += [asyncio.create_task(traffic.read(http)) for _ in range(4)]
        built = await replay(stack.settings, pool, ReplayRequest("all", shadow=True))
        checked = await verify(stack.settings, pool, built.target)
        reads_before_swap = traffic.reads
        swapped = await swap(stack.settings, pool, built.target)
        reads_at_swap = traffic.reads

        async def read_on() -> bool:
            return traffic.reads >= reads_at_swap + 20

        await eventually(read_on, what="readers going on against the swapped tables")
        traffic.stop.set()
        await asyncio.gather(*tasks)
    assert checked.equal, [t for t in checked.tables if not t.equal]
    assert traffic.failures == [] and traffic.writes > 0 and traffic.reads > reads_before_swap
    assert swapped.caught_up > 0  # commands kept flowing while the shadow was built
    await _projector_caught_up(stack.settings, pool)
    after = await verify(stack.settings, pool, "projections")
    assert after.equal, [(t.table, t.missing, t.unexpected, t.changed) for t in after.tables]
    old = await pool.fetchval(
        "SELECT count(*) FROM pg_tables WHERE schemaname = $1", swapped.shadow.old_name
    )
    assert old == len(swapped.tables)  # the replaced tables are kept until drop-old
    async with pool.acquire() as conn:
        assert swapped.shadow.old_name in await drop_old(conn, swapped.shadow.old_name)


async def _projector_caught_up(settings: Settings, pool: asyncpg.Pool) -> None:
    """The live projector has applied everything on the log (the traffic has stopped)."""

    async def probe() -> bool:
        status = await projection_status(settings, pool)
        return all(p.lag == 0 for p in status.partitions if p.schema == "projections")

    await eventually(probe, what="the live projector to catch up after the swap")
