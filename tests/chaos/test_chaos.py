"""Nothing lost, nothing early, nothing twice, under faults (issue 12): whole lifecycles over HTTP
and through a bot on Kafka, with two of each service and of the projector, while processes are
SIGKILLed, the broker is killed and PostgreSQL restarts fast and crashes; then every topic, store
and read model is held to the architecture's invariants. The figures are printed (pytest -s)."""

from __future__ import annotations

import asyncio
import os
import uuid

import pytest

from tests.chaos.bot import Bot
from tests.chaos.checker import check, figures
from tests.chaos.faults import FaultInjector
from tests.chaos.fleet import Fleet
from tests.chaos.http_driver import HttpDriver
from tests.chaos.ledger import Ledger
from tests.chaos.load import STEP_S, Load
from tests.chaos.receiver import flaky_receiver
from tests.integration.delivery_support import Mailbox

pytestmark = pytest.mark.integration
MINUTES = float(os.environ.get("PRESSROOM_CHAOS_MINUTES") or 2.0)


async def _lasting(seconds: float, stop: asyncio.Event) -> None:
    """The run's length, not a synchronisation: the load and the faults go on meanwhile."""
    try:
        await asyncio.wait_for(stop.wait(), seconds)
    except TimeoutError:
        stop.set()


@pytest.mark.timeout(int(MINUTES * 60 + 1800))
async def test_nothing_lost_nothing_early_nothing_twice_under_faults(
    fleet: Fleet, mailbox: Mailbox, chaos_seed: int, chaos_minutes: float
) -> None:
    ledger = Ledger(topic=f"chaos-{chaos_seed}-{uuid.uuid4().hex[:6]}")
    bootstrap = fleet.settings.kafka_bootstrap
    base_url = f"http://{fleet.settings.gateway_host}:{fleet.settings.gateway_port}"
    bot, http = Bot(bootstrap, ledger), HttpDriver(base_url, ledger)
    faults = FaultInjector(fleet, chaos_seed)
    async with flaky_receiver(chaos_seed) as receiver:
        await bot.start()
        try:
            load = Load(bot, http, ledger, chaos_seed)
            await load.subscribe(receiver)
            stop = asyncio.Event()
            loading = asyncio.create_task(load.run(stop))
            await asyncio.gather(faults.run(stop), _lasting(chaos_minutes * 60, stop))
            await faults.revive(by_itself=True)
            await asyncio.wait_for(loading, STEP_S * 12)  # a lifecycle's remaining steps
            world, verdicts = await check(fleet.settings, ledger, receiver, mailbox)
        finally:
            await bot.stop()
            await http.close()
    print(figures(chaos_seed, ledger, faults, world, verdicts))
    assert len(ledger.lifecycles) > 0 and sum(ledger.lifecycles.values()) > 0
    assert [v.violations for v in verdicts if v.violations] == []
