"""The broker stops and starts again under load: every process (a service with its relay, the
projector, the gateway) recovers without a restart, nothing is lost, and each /readyz says not
ready while Kafka is away and ready after."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest

from dev_tools.infra import kafka
from dev_tools.stack import keys as stack_keys
from events.replies import OutcomeStatus
from services.kit.settings import Settings
from tests.integration.serve_support import Served, free_port, serve
from tests.integration.test_serve import create, ready, replies_to, send_steadily
from tests.support import command_envelope, eventually

pytestmark = pytest.mark.integration
COMMANDS = 120
WAIT_S = 240.0


@pytest.fixture
def processes(infra: Settings, tmp_path: Path) -> Iterator[dict[str, Served]]:
    port = free_port()
    gateway_env = {"PRESSROOM_GATEWAY_PORT": str(port), "PRESSROOM_DEMO_TOKENS": "true",
                   **stack_keys.signing_env(infra, stack_keys.GATEWAY)}  # fmt: skip
    started = {
        "drafting": serve("drafting", tmp_path / "drafting.log"),
        "projector": serve("projector", tmp_path / "projector.log"),
        "gateway": serve("gateway", tmp_path / "gateway.log", **gateway_env),
    }
    started["gateway"].health_port = port  # its /readyz is on its own HTTP port
    try:
        yield started
    finally:
        for served in started.values():
            served.stop()
        kafka.up(infra)  # whatever happened, the stack is left running


def ready_now(served: Served) -> bool:
    return served.get("/readyz")[0] == 200


async def all_ready(processes: dict[str, Served], want: bool) -> bool:
    states = [await asyncio.to_thread(ready_now, served) for served in processes.values()]
    return all(state is want for state in states)


async def projected(pool: asyncpg.Pool, releases: list[str]) -> bool:
    found = await pool.fetchval(
        "SELECT count(*) FROM projections.releases WHERE release_id = ANY($1)", releases
    )
    return int(found) == len(releases)


@pytest.mark.timeout(1200)
async def test_every_process_recovers_from_a_kafka_restart_under_load_and_says_so(
    infra: Settings, processes: dict[str, Served]
) -> None:
    for served in processes.values():
        await ready(served)
    releases = [str(uuid.uuid4()) for _ in range(COMMANDS)]
    envelopes = [command_envelope(create(release)) for release in releases]
    before, after = envelopes[: COMMANDS // 2], envelopes[COMMANDS // 2 :]
    await send_steadily(infra.kafka_bootstrap, before)
    await eventually(lambda: replies_to(infra, {e.id for e in before[:10]}), WAIT_S, "replies")
    await asyncio.to_thread(kafka.down, infra)  # the rest of `before` is in hand
    await eventually(lambda: all_ready(processes, False), WAIT_S, "every /readyz to say no")
    await asyncio.to_thread(kafka.up, infra)
    await eventually(lambda: all_ready(processes, True), WAIT_S, "every /readyz to say ready")
    await send_steadily(infra.kafka_bootstrap, after)
    outcomes = await eventually(
        lambda: replies_to(infra, {e.id for e in envelopes}), WAIT_S, "every reply"
    )
    assert {o.status for o in outcomes.values()} == {OutcomeStatus.ACCEPTED}
    async with asyncpg.create_pool(infra.pg_dsn, min_size=1, max_size=2) as pool:
        await eventually(lambda: projected(pool, releases), WAIT_S, "every release projected")
    for name, served in processes.items():
        assert served.process.poll() is None, f"{name} exited:\n{served.log.read_text()[-2000:]}"
