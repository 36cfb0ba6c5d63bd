"""The Pressroom processes (drafting, projector, gateway) as real subprocesses on the test infra."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass, replace

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


async def every_process_ready(stack: Stack, timeout: float = 120) -> None:
    async def alive() -> None:
        assert_all_alive(stack)  # a process that died will not become ready

    await until_ready(stack.settings, stack.processes, timeout, alive)


async def until_ready(
    settings: Settings,
    names: Iterable[str],
    timeout: float,
    each_round: Callable[[], Awaitable[None]],
) -> None:
    """Until every one of `names` answers /readyz with 200, `each_round` first in every round (a
    check that fails at once, or what starts an ended process again); on timing out, says which
    were still not ready."""
    names = tuple(names)
    waiting: list[str] = []

    async def all_ready() -> bool:
        await each_round()
        waiting[:] = await not_ready(settings, names)
        return not waiting

    try:
        await eventually(all_ready, timeout, "every process's /readyz")
    except AssertionError as error:
        raise AssertionError(f"{error}: not ready: {', '.join(waiting)}") from None


def assert_all_alive(stack: Stack) -> None:
    """A process that died at start fails the run at once, with the end of its log."""
    for process in stack.processes.values():
        if process.pid() is None:
            raise AssertionError(f"{process.name} is not running:\n{tail(process.log_file)}")


def own_key(settings: Settings, name: str) -> dict[str, str]:
    """The gateway signs with its own key; the rest inherit the session's (infra_fixture)."""
    return stack_keys.signing_env(settings, stack_keys.GATEWAY) if name == "gateway" else {}


# Every process but the gateway (its /readyz is on its own port) serves its health routes on a
# port of its own: a test can tell a process that runs from one that works. The second instances
# are the chaos suite's (tests/chaos/fleet.py). The ports lie HEALTH_PORT_OFFSET past the slot's
# gateway port: beyond the ports other tests take beside it (test_gateway_start.py's gateway at
# +1 and +2, which answered a health port in CI; the variant stacks' at +30 to +50).
HEALTH_PORTED = ("drafting", "approval", "embargo", "publication", "projector")
_HEALTH_PORT_ORDER = (*HEALTH_PORTED, *(f"{name}-2" for name in HEALTH_PORTED))
HEALTH_PORT_OFFSET = 70


def health_port(settings: Settings, name: str) -> int:
    if name == "gateway":
        return settings.gateway_port
    return settings.gateway_port + HEALTH_PORT_OFFSET + _HEALTH_PORT_ORDER.index(name)


def process_env(settings: Settings, name: str) -> dict[str, str]:
    """What a test stack's process starts with besides the session's PRESSROOM_*."""
    env = {**local_stack_env(settings), **own_key(settings, name)}
    if name != "gateway":
        env["PRESSROOM_HEALTH_PORT"] = str(health_port(settings, name))
    return env


async def not_ready(settings: Settings, names: Iterable[str]) -> list[str]:
    return [name for name in names if not await process_ready(settings, name)]


async def process_ready(settings: Settings, name: str) -> bool:
    """Its /readyz answers 200: its database answers and its consumer is in its group."""
    url = f"http://{settings.health_host}:{health_port(settings, name)}/readyz"
    try:
        async with httpx.AsyncClient(timeout=5) as client:
            return (await client.get(url)).status_code == 200
    except httpx.TransportError:
        return False


@pytest_asyncio.fixture(scope="session")
async def stack(infra: Settings) -> AsyncIterator[Stack]:
    # The test stack asks for the demo tokens, the gateway signs with its own key, and each
    # process keeps its health port whichever test starts it again.
    processes = {
        p.name: replace(p, env=tuple(process_env(infra, p.name).items()))
        for p in app_processes(infra)
    }
    for process in processes.values():
        process.stop()  # a leftover from an interrupted run would hold old code
        process.start()
    running = Stack(settings=infra, processes=processes)
    # Ready means answering (the gateway, and a command through Kafka) and every process's
    # /readyz; then every process must still be alive, or the run fails with the end of its log.
    await gateway_ready(running)
    await drafting_answers(infra)
    await every_process_ready(running)
    assert_all_alive(running)
    yield running
    for process in reversed(processes.values()):
        process.stop()
