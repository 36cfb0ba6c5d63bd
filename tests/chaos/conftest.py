"""The chaos suite's fixtures: its seed and length, durable commits, and the doubled fleet.

PRESSROOM_CHAOS_SEED replays a run (the schedule of faults, the lifecycles' plans, the webhook
receiver's answers; the machine's timing still differs). PRESSROOM_CHAOS_MINUTES is how long the
load and the faults last: 2 in `make test`, 20 in `make chaos`."""

from __future__ import annotations

import asyncio
import os
import random
from collections.abc import AsyncIterator

import asyncpg
import pytest
import pytest_asyncio

from dev_tools.infra import kafka, postgres
from services.kit.settings import Settings
from tests.chaos.faults import BROKER_START_S
from tests.chaos.fleet import Fleet
from tests.e2e.stack_fixture import Stack, assert_all_alive, drafting_answers

SHORT_MINUTES = 2.0
# A consumer that lost its group ends a minute after it did (PRESSROOM_GROUP_LOST_AFTER_S), its
# stop may take 40 s more; then it starts and joins. Generous: the machine is slow and shared.
WHOLE_AGAIN_S = 600.0


@pytest.fixture
def chaos_seed() -> int:
    seed = int(os.environ.get("PRESSROOM_CHAOS_SEED") or random.SystemRandom().randrange(10**9))
    print(f"\nchaos seed {seed}")
    return seed


@pytest.fixture
def chaos_minutes() -> float:
    return float(os.environ.get("PRESSROOM_CHAOS_MINUTES") or SHORT_MINUTES)


@pytest_asyncio.fixture
async def durable_commits(infra: Settings) -> AsyncIterator[None]:
    """The test stack runs PostgreSQL with synchronous_commit off for speed: a crash then loses
    the last commits, which Pressroom relies on PostgreSQL never to do (docs/reliability.md).
    The chaos run crashes PostgreSQL, so its database commits durably until the run ends."""
    await _set_synchronous_commit(infra, "SET synchronous_commit = on")
    postgres.restart(infra, "fast")  # every session starts again with the setting
    try:
        yield
    finally:
        await _set_synchronous_commit(infra, "RESET synchronous_commit")


async def _set_synchronous_commit(settings: Settings, change: str) -> None:
    conn = await asyncpg.connect(settings.pg_dsn)
    try:
        await conn.execute(f'ALTER DATABASE "{settings.pg_database}" {change}')
    finally:
        await conn.close()


@pytest_asyncio.fixture
async def fleet(stack: Stack, durable_commits: None) -> AsyncIterator[Fleet]:
    """Two of each service and of the projector, and the gateway; afterwards the second ones
    stop and the session's stack is whole again for the tests after this one."""
    running = Fleet.around(stack)
    running.start_all()
    try:
        yield running
    finally:
        # if a fault stopped the broker, it runs again for the next test
        await asyncio.to_thread(kafka.up, stack.settings, None, BROKER_START_S)
        running.stop_seconds()
        restarted = await running.whole_again(stack.processes, WHOLE_AGAIN_S)
        print(f"\nstarted again after the run: {', '.join(restarted) or 'none'}")
        await drafting_answers(stack.settings)
        assert_all_alive(stack)
