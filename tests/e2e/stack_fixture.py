"""The Pressroom processes (drafting, projector, gateway) as real subprocesses on the test infra."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest_asyncio

from dev_tools.infra.processes import tail
from dev_tools.stack import keys as stack_keys
from dev_tools.stack.processes import AppProcess, app_processes, local_stack_env
from events.actor import Actor
from events.drafting import SubmitDraft
from events.replies import OutcomeStatus
from events.topics import DRAFTING_COMMANDS
from services.kit.settings import Settings
from tests.support import WAIT_S, eventually, send_command


@dataclass
class Stack:
    settings: Settings
    processes: dict[str, AppProcess]

    @property
    def base_url(self) -> str:
        return f"http://{self.settings.gateway_host}:{self.settings.gateway_port}"

    def client(self, token: str = "dev-alice") -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=self.base_url, timeout=WAIT_S, headers={"Authorization": f"Bearer {token}"}
        )


async def drafting_answers(settings: Settings) -> None:
    """Ready means a command goes in and its outcome comes back, through Kafka and the relay."""
    probe = SubmitDraft(
        release_id=f"probe-{uuid.uuid4()}",
        actor=Actor(id="probe", roles=["writer"], organisation="probe"),
    )
    outcome = await send_command(settings.kafka_bootstrap, DRAFTING_COMMANDS, probe, timeout=120)
    assert outcome.status is OutcomeStatus.NOT_FOUND


async def gateway_ready(stack: Stack) -> None:
    async def probe() -> bool:
        try:
            async with httpx.AsyncClient() as client:
                return (await client.get(f"{stack.base_url}/readyz")).status_code == 200
        except httpx.TransportError:
            return False

    await eventually(probe, 120, "the gateway's /readyz")


def assert_all_alive(stack: Stack) -> None:
    """A process that died at start fails the run at once, with the end of its log."""
    for process in stack.processes.values():
        if process.pid() is None:
            raise AssertionError(f"{process.name} is not running:\n{tail(process.log_file)}")


def own_key(settings: Settings, name: str) -> dict[str, str]:
    """The gateway signs with its own key; the rest inherit the session's (infra_fixture)."""
    return stack_keys.signing_env(settings, stack_keys.GATEWAY) if name == "gateway" else {}


@pytest_asyncio.fixture(scope="session")
async def stack(infra: Settings) -> AsyncIterator[Stack]:
    processes = {p.name: p for p in app_processes(infra)}
    for process in processes.values():
        process.stop()  # a leftover from an interrupted run would hold old code
        # the test stack asks for the demo tokens; the gateway signs with its own key
        process.start({**local_stack_env(infra), **own_key(infra, process.name)})
    running = Stack(settings=infra, processes=processes)
    # Ready means answering (the gateway, and a command through Kafka); then every process must
    # still be alive, or the run fails with the end of its log.
    await gateway_ready(running)
    await drafting_answers(infra)
    assert_all_alive(running)
    yield running
    for process in reversed(processes.values()):
        process.stop()
