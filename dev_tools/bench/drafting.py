"""Drafting measured end to end: commands into the read model, and HTTP write-then-read latency."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import aiohttp
import asyncpg
from aiokafka import AIOKafkaProducer
from rich.progress import Progress, TaskID

from dev_tools.bench.http_client import HttpError
from dev_tools.bench.raw import Latencies, Rate
from events.actor import Actor
from events.base import Message
from events.content import ReleaseContent
from events.drafting import CreateDraft
from events.envelope import Envelope, source_of
from events.kafka import KafkaRecord, encode
from events.topics import DRAFTING_COMMANDS
from services.kit.command_auth import signed, signer_from_settings
from services.kit.ids import new_id
from services.kit.settings import load_settings

# Its own organisation, so the thousands of bench drafts stay off the demo users' boards.
BENCH_ACTOR = Actor(id="bench", roles=["writer"], organisation="bench")
STALL_S = 60.0  # no new projected row for this long: something is down, not slow
POLL_S = 0.1
FULL_CHECK_S = 1.0
REQUEST_TIMEOUT_S = 60.0
# Asked of the releases not seen yet only: the bench's own polling is not the stack's work (it
# counted all of them every poll, a quarter of PostgreSQL's CPU in the pipeline; its backend's
# CPU is also left out of the stack's figure: run.py).
PROJECTED_SQL = (
    "SELECT release_id FROM projections.releases"
    " WHERE release_id = ANY($1::text[]) AND versions ? 'drafting'"
)


class BenchFailed(RuntimeError):
    """The stack answered, but not the way the benchmark needs."""


def content(i: int, organisation: str) -> ReleaseContent:
    """A small but realistic release."""
    return ReleaseContent(
        title=f"Benchmark release {i}",
        summary="Written by `pressroom bench`.",
        body="A paragraph of body text for the benchmark. " * 6,
        organisations=[organisation],
    )


def create_record(release_id: str, i: int) -> KafkaRecord:
    """A CreateDraft as the gateway would send it, encoded as a CloudEvent."""
    command = CreateDraft(release_id=release_id, actor=BENCH_ACTOR, content=content(i, "bench"))
    command_id = new_id()
    envelope = Envelope[Message](
        id=command_id, source=source_of("bench"), time=datetime.now(UTC), subject=release_id,
        data=command, correlation_id=command_id, actor=BENCH_ACTOR.id,
    )  # fmt: skip
    return encode(envelope)


async def commands_to_projection(
    producer: AIOKafkaProducer, conn: asyncpg.Connection, n: int, progress: Progress
) -> Rate:
    """From the first send until every release row is in projections.releases."""
    ids = [new_id() for _ in range(n)]  # as the gateway makes them for a POST without a key
    signer = signer_from_settings(load_settings())  # services take signed commands only
    records = [signed(signer, create_record(release_id, i)) for i, release_id in enumerate(ids)]
    task = progress.add_task("Drafting commands → projection", total=n)
    start = time.perf_counter()
    acks = [
        await producer.send(DRAFTING_COMMANDS, r.value, key=r.key, headers=r.headers)
        for r in records
    ]
    sent = await asyncio.gather(*acks)
    await _wait_projected(conn, ids, _last_of_each_partition(ids, sent), progress, task)
    return Rate(n, time.perf_counter() - start)


def _last_of_each_partition(ids: list[str], sent: list[Any]) -> list[str]:
    """The release sent last to each partition: drafting and the projector keep a partition's
    order, so once these are projected the rest of theirs should be."""
    last: dict[int, tuple[int, str]] = {}
    for release_id, metadata in zip(ids, sent, strict=True):
        if metadata.offset >= last.get(metadata.partition, (-1, ""))[0]:
            last[metadata.partition] = (metadata.offset, release_id)
    return [release_id for _, release_id in last.values()]


async def _wait_projected(
    conn: asyncpg.Connection, ids: list[str], sentinels: list[str], progress: Progress,
    task: TaskID,
) -> None:  # fmt: skip
    """Until every release is projected. Every POLL_S the bench asks after the last release of
    each partition only, and after all those not seen yet once a second or when those last ones
    are in: asking after thousands every tenth of a second was the bench's own CPU, taken from
    the stack it measures (a sixth of what it spent a command, docs/benchmarks.md)."""
    waiting, changed, full_check_at = set(ids), time.monotonic(), 0.0
    while waiting:
        await asyncio.sleep(POLL_S)
        now = time.monotonic()
        sentinels = [r for r in sentinels if r in waiting]
        if sentinels and now < full_check_at:
            seen = await _projected(conn, sentinels)
            if len(seen) < len(sentinels):
                continue
        full_check_at = now + FULL_CHECK_S
        arrived = await _projected(conn, list(waiting))
        if arrived:
            waiting -= arrived
            progress.update(task, completed=len(ids) - len(waiting))
            changed = time.monotonic()
        elif time.monotonic() - changed > STALL_S:
            raise BenchFailed(
                f"{len(ids) - len(waiting)} of {len(ids)} releases reached projections.releases,"
                " none in the last "
                f"{STALL_S:.0f} s: are drafting and the projector running (`pressroom ps`)?"
            )


async def _projected(conn: asyncpg.Connection, release_ids: list[str]) -> set[str]:
    return {row["release_id"] for row in await conn.fetch(PROJECTED_SQL, release_ids)}


async def write_then_read(
    client: aiohttp.ClientSession, i: int, timeout: float = REQUEST_TIMEOUT_S
) -> float:
    """POST /v1/releases, then GET it with min_version=1 until 200; milliseconds in all."""
    start = time.perf_counter()
    body = {"content": content(i, "fco").model_dump(mode="json")}
    async with asyncio.timeout(timeout):
        async with client.post("/v1/releases", json=body) as posted:
            if posted.status not in (201, 202):
                raise BenchFailed(
                    f"POST /v1/releases answered {posted.status}: {(await posted.text())[:300]}"
                )
            path = f"/v1/releases/{(await posted.json())['release_id']}"
        # The gateway itself waits (≤ 5 s) for the read model; 404 means it gave up: ask again.
        while True:
            async with client.get(path, params={"min_version": "1"}) as got:
                text = await got.text()
            if got.status == 200:
                break
            if got.status != 404:
                raise BenchFailed(f"GET {path} answered {got.status}: {text[:300]}")
    return (time.perf_counter() - start) * 1000


@dataclass(frozen=True)
class HttpResult:
    """Latencies of the requests that succeeded, the rate they completed at, and the failures."""

    latencies: Latencies
    achieved_rate: float
    failures: list[str]


async def http_at_fixed_rate(
    client: aiohttp.ClientSession, n: int, rate: float, progress: Progress
) -> HttpResult:
    """Open loop: request i starts at i / rate whatever the earlier ones are doing."""
    task = progress.add_task(f"HTTP POST → GET at {rate:g}/s", total=n)
    loop = asyncio.get_running_loop()
    start = loop.time()

    async def one(i: int) -> tuple[float, float] | str:
        try:
            latency = await write_then_read(client, i)
        except (BenchFailed, HttpError, TimeoutError) as error:
            return f"{type(error).__name__}: {error}"
        finally:
            progress.advance(task)
        return latency, loop.time()

    pending: list[asyncio.Task[tuple[float, float] | str]] = []
    for i in range(n):
        await asyncio.sleep(max(0.0, start + i / rate - loop.time()))
        pending.append(asyncio.create_task(one(i)))
    results = await asyncio.gather(*pending)
    done = [r for r in results if not isinstance(r, str)]
    span = max((finished for _, finished in done), default=start) - start
    return HttpResult(
        latencies=Latencies([latency for latency, _ in done]),
        achieved_rate=len(done) / span if span > 0 else float("nan"),
        failures=[r for r in results if isinstance(r, str)],
    )
