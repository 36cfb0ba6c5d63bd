"""A service's /readyz says when its relay runs degraded: PostgreSQL gone, the relay's lock and
LISTEN went with it, and the service is not ready until the relay holds both again."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from dev_tools.infra import postgres
from events.replies import OutcomeStatus
from events.topics import DRAFTING_COMMANDS
from services.kit.settings import Settings
from tests.integration.serve_support import Served, serve
from tests.integration.test_serve import create, ready
from tests.support import eventually, send_command

pytestmark = pytest.mark.integration
WAIT_S = 120.0


@pytest.fixture
def drafting(infra: Settings, tmp_path: Path) -> Iterator[Served]:
    served = serve("drafting", tmp_path / "drafting.log")
    try:
        yield served
    finally:
        served.stop()
        postgres.up(infra)  # whatever the test did, the stack is left running


async def checks(served: Served) -> dict[str, bool]:
    status, _, body = await asyncio.to_thread(served.get, "/readyz")
    return dict(json.loads(body).get("checks", {})) if status in (200, 503) else {}


async def test_readyz_reports_the_relay_degraded_while_postgres_is_away_and_ready_after(
    infra: Settings, drafting: Served
) -> None:
    assert (await ready(drafting))["checks"] == {"postgres": True, "kafka": True, "relay": True}
    await asyncio.to_thread(postgres.down, infra)

    async def relay_down() -> bool:
        return (await checks(drafting)).get("relay") is False

    await eventually(relay_down, WAIT_S, "/readyz to report the relay degraded")
    await asyncio.to_thread(postgres.up, infra)
    await ready(drafting)
    assert (await checks(drafting))["relay"] is True
    # Ready again means publishing again: a command's outcome comes back through the relay.
    outcome = await send_command(
        infra.kafka_bootstrap, DRAFTING_COMMANDS, create(str(uuid.uuid4())), timeout=WAIT_S
    )
    assert outcome.status is OutcomeStatus.ACCEPTED
    assert drafting.process.poll() is None
