"""A variant of the test stack beside the slot's own (its own ports, data folder and database):
a broker configured otherwise (SASL_SSL, mutual TLS, an authorizer), and some of the Pressroom
processes on it, each with the settings the variant gives it."""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import asyncpg
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError

import dev_tools.infra.kafka as local_kafka
from dev_tools.stack.processes import app_processes, local_stack_env
from services.kit.kafka_clients import client_kwargs
from services.kit.settings import Settings
from tests.e2e.stack_fixture import Stack, assert_all_alive, gateway_ready, own_key
from tests.e2e.test_approval_http import sample_body
from tests.support import eventually

PROCESSES = ("drafting", "approval", "projector", "gateway")
Prepare = Callable[[Settings], Awaitable[None]]


def shifted_env(infra: Settings, name: str, offset: int) -> dict[str, str]:
    """The variant's own data folder (`name` under the slot's), ports and database."""
    return {
        "PRESSROOM_DATA_DIR": str(infra.data_dir / name),
        "PRESSROOM_KAFKA_PORT": str(infra.kafka_port + offset),
        "PRESSROOM_KAFKA_CONTROLLER_PORT": str(infra.kafka_controller_port + offset),
        "PRESSROOM_GATEWAY_PORT": str(infra.gateway_port + offset),
        "PRESSROOM_PG_DATABASE": f"pressroom_{name.replace('-', '_')}",
    }


def settings_of(env: dict[str, str], infra: Settings) -> Settings:
    fields: dict[str, Any] = {k.removeprefix("PRESSROOM_").lower(): v for k, v in env.items()}
    return infra.model_copy(update=Settings(**fields).model_dump(include=set(fields)))


async def fresh_database(infra: Settings, database: str) -> None:
    conn = await asyncpg.connect(infra.pg_dsn)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{database}"')
    finally:
        await conn.close()


@contextlib.asynccontextmanager
async def variant_stack(
    infra: Settings,
    env: dict[str, str],
    broker: dict[str, str] | None = None,
    prepare: Prepare | None = None,
    process_env: Callable[[str], dict[str, str]] = lambda _: {},
    names: tuple[str, ...] = PROCESSES,
) -> AsyncIterator[Stack]:
    """A fresh broker (new certificates, credentials) with `broker` properties; `prepare` runs
    once it is up, before the processes `names` start, each with `env` and its `process_env`."""
    settings = settings_of(env, infra)
    shutil.rmtree(settings.data_dir, ignore_errors=True)
    await fresh_database(infra, settings.pg_database)
    local_kafka.up(settings, broker)
    processes = {p.name: p for p in app_processes(settings) if p.name in names}
    try:
        if prepare is not None:
            await prepare(settings)
        for name, process in processes.items():
            # As the test stack: the demo tokens, the session's command keys.
            extra = {**local_stack_env(settings), **own_key(infra, name), **process_env(name)}
            process.start({**env, **extra})
        stack = Stack(settings=settings, processes=processes)
        assert_all_alive(stack)
        await gateway_ready(stack)
        await commands_go_through(stack)
        yield stack
    finally:
        for process in reversed(processes.values()):
            process.stop()
        local_kafka.down(settings)


async def commands_go_through(stack: Stack) -> None:
    """Ready means a first release makes it to the read model (faust's groups have formed)."""
    async with stack.client() as alice:
        created = await alice.post("/v1/releases", json=sample_body(" (warm-up)"))
        assert created.status_code in (201, 202), created.text  # 202: queued, still coming

        async def visible() -> bool:
            url = f"/v1/releases/{created.json()['release_id']}"
            return (await alice.get(url)).status_code == 200

        await eventually(visible, 180, "the first release of the variant in the read model")


async def refused(settings: Settings, **overrides: Any) -> bool:
    """True when an admin client with these settings (and `overrides`) cannot list topics."""
    admin = AIOKafkaAdminClient(
        **{**client_kwargs(settings=settings), "request_timeout_ms": 10000, **overrides}
    )
    try:
        await admin.start()
        await admin.list_topics()
    except KafkaError:
        return True
    finally:
        with contextlib.suppress(Exception):  # closing what never started
            await admin.close()
    return False
