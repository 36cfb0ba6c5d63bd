"""The running processes survive PostgreSQL restarting under them, none restarted by hand: the
projector goes on projecting, and the relays LISTEN again, so an event reaches Kafka without
waiting for the relay's 5 s fallback poll (docs/reliability.md)."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid

import asyncpg
import pytest
from aiokafka import AIOKafkaConsumer

from events.actor import Actor
from events.content import ReleaseContent
from events.drafting import CreateDraft
from events.kafka import encode
from events.topics import DRAFTING_COMMANDS, DRAFTING_EVENTS
from services.kit.kafka_meta import topic_partitions
from services.kit.relay import IDLE_POLL_S
from services.kit.settings import Settings
from tests.e2e.stack_fixture import Stack, drafting_answers
from tests.integration.pg_faults import restart_postgres, restart_while_running
from tests.support import command_envelope, eventually, send_command, send_record

pytestmark = pytest.mark.integration
ALICE = Actor(id="alice", roles=["writer"], organisation="fco")
# Well under the 5 s fallback poll: an event that waited for it would be late.
PROMPT_S = IDLE_POLL_S / 2
TRIES = 5


def create(release_id: str) -> CreateDraft:
    content = ReleaseContent(title="UK and Japan talks", organisations=["fco"])
    return CreateDraft(release_id=release_id, actor=ALICE, content=content)


async def _projected(settings: Settings, release_id: str) -> bool:
    conn = await asyncpg.connect(settings.pg_dsn)
    try:
        found = await conn.fetchval(
            "SELECT count(*) FROM projections.releases WHERE release_id = $1", release_id
        )
        return bool(found)
    finally:
        await conn.close()


async def test_the_projector_survives_a_postgres_restart_in_the_middle_of_a_batch(
    stack: Stack,
) -> None:
    settings, projector = stack.settings, stack.processes["projector"]
    pid, release = projector.pid(), str(uuid.uuid4())
    blocker = await asyncpg.connect(settings.pg_dsn)
    try:  # the projector's next batch waits on this lock until PostgreSQL goes
        await blocker.execute("BEGIN; LOCK TABLE projections.releases IN ACCESS EXCLUSIVE MODE")
        await send_command(settings.kafka_bootstrap, DRAFTING_COMMANDS, create(release))
        # The batch's first statement checks its fence and locks its releases (the lock it
        # waits on); pg_stat_activity keeps only the first 1,024 bytes of it, the fence's part.
        await restart_while_running(settings, "WITH fence AS %FROM projections.partition_epochs%")
    finally:
        with contextlib.suppress(Exception):
            await blocker.close(timeout=2)
    await eventually(lambda: _projected(settings, release), 120, "the release projected")
    assert projector.pid() == pid, "the projector was restarted, not resumed"


class EventTap:
    """Reads the drafting events topic from its end: when did a release's first event arrive?"""

    def __init__(self, bootstrap: str) -> None:
        self.bootstrap = bootstrap
        self.consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)

    async def __aenter__(self) -> EventTap:
        await self.consumer.start()
        assigned = await topic_partitions(self.bootstrap, DRAFTING_EVENTS)
        assert assigned, "the drafting events topic has no partitions"
        self.consumer.assign(assigned)
        await self.consumer.seek_to_end(*assigned)
        for tp in assigned:
            await self.consumer.position(tp)
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.consumer.stop()

    async def seconds_to_event(self) -> float:
        release = str(uuid.uuid4())
        started = time.monotonic()
        envelope = command_envelope(create(release))
        await send_record(self.bootstrap, DRAFTING_COMMANDS, encode(envelope))
        async with asyncio.timeout(60):
            while True:
                batches = await self.consumer.getmany(timeout_ms=200)
                if any(r.key == release.encode() for rs in batches.values() for r in rs):
                    return time.monotonic() - started


async def _load(bootstrap: str, sent: list[str], stop: asyncio.Event) -> None:
    while not stop.is_set():
        release = str(uuid.uuid4())
        await send_record(bootstrap, DRAFTING_COMMANDS, encode(command_envelope(create(release))))
        sent.append(release)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 0.1)


async def test_after_a_postgres_restart_under_load_events_reach_kafka_promptly_again(
    stack: Stack,
) -> None:
    settings = stack.settings
    pids = {name: process.pid() for name, process in stack.processes.items()}
    sent: list[str] = []
    stop = asyncio.Event()
    load = asyncio.create_task(_load(settings.kafka_bootstrap, sent, stop))
    await eventually(lambda: asyncio.sleep(0, len(sent) >= 10), what="load before the restart")
    await restart_postgres(settings)
    await eventually(lambda: asyncio.sleep(0, len(sent) >= 30), what="load after the restart")
    stop.set()
    await load
    await drafting_answers(settings)  # the service is back: commands in, outcomes out
    async with EventTap(settings.kafka_bootstrap) as tap:
        # Each sent as the one before arrived: a relay without its LISTEN sleeps its 5 s then.
        seconds = [await tap.seconds_to_event() for _ in range(TRIES)]
    assert max(seconds) < PROMPT_S, f"command to event, s: {[round(s, 2) for s in seconds]}"
    assert {name: process.pid() for name, process in stack.processes.items()} == pids
