"""The test stack's variant on a SASL_SSL broker (SCRAM-SHA-512 over TLS; certificates and
credentials made at test time): the sample release goes through, and a client without TLS or
with a wrong password is turned away."""

from __future__ import annotations

import contextlib
import secrets
import shutil
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx
import pytest
import pytest_asyncio
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError

import dev_tools.infra.kafka as local_kafka
from dev_tools.stack.processes import app_processes, local_stack_env
from services.kit.kafka_clients import client_kwargs
from services.kit.settings import Settings
from tests.e2e.stack_fixture import Stack, assert_all_alive, gateway_ready, own_key
from tests.e2e.test_approval_http import draft_and_submit, sample_body, until_approval
from tests.support import eventually

pytestmark = pytest.mark.integration
PORT_OFFSET = 50  # beside the slot's plaintext stack, never on its ports
DATABASE = "pressroom_sasl_ssl"
PROCESSES = ("drafting", "approval", "projector", "gateway")


def variant_env(infra: Settings) -> dict[str, str]:
    data_dir = infra.data_dir / "sasl-ssl"
    return {
        "PRESSROOM_DATA_DIR": str(data_dir),
        "PRESSROOM_KAFKA_PORT": str(infra.kafka_port + PORT_OFFSET),
        "PRESSROOM_KAFKA_CONTROLLER_PORT": str(infra.kafka_controller_port + PORT_OFFSET),
        "PRESSROOM_GATEWAY_PORT": str(infra.gateway_port + PORT_OFFSET),
        "PRESSROOM_PG_DATABASE": DATABASE,
        "PRESSROOM_KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
        "PRESSROOM_KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
        "PRESSROOM_KAFKA_USERNAME": "pressroom",
        "PRESSROOM_KAFKA_PASSWORD": secrets.token_urlsafe(24),
        "PRESSROOM_KAFKA_SSL_CAFILE": str(data_dir / "kafka" / "tls" / "ca.pem"),
    }


def settings_of(env: dict[str, str], infra: Settings) -> Settings:
    fields: dict[str, Any] = {k.removeprefix("PRESSROOM_").lower(): v for k, v in env.items()}
    return infra.model_copy(update=Settings(**fields).model_dump(include=set(fields)))


async def fresh_database(infra: Settings) -> None:
    conn = await asyncpg.connect(infra.pg_dsn)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{DATABASE}"')
    finally:
        await conn.close()


@pytest_asyncio.fixture(scope="module")
async def sasl_stack(infra: Settings) -> AsyncIterator[Stack]:
    env = variant_env(infra)
    settings = settings_of(env, infra)
    shutil.rmtree(settings.data_dir, ignore_errors=True)  # new certificates, a new password
    await fresh_database(infra)
    local_kafka.up(settings)
    processes = {p.name: p for p in app_processes(settings) if p.name in PROCESSES}
    for process in processes.values():
        # As the test stack: the demo tokens, the session's command keys.
        process.start({**env, **local_stack_env(settings), **own_key(infra, process.name)})
    stack = Stack(settings=settings, processes=processes)
    try:
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

        await eventually(visible, 180, "the first release over SASL_SSL in the read model")


async def test_the_sample_release_is_drafted_submitted_and_read_over_sasl_ssl(
    sasl_stack: Stack,
) -> None:
    async with sasl_stack.client() as alice:
        release_id = await draft_and_submit(alice)
        # Drafting's event reached approval's policy and the projector, all over SASL_SSL.
        release = await until_approval(alice, release_id, "pending")
    assert release["status"] == "submitted"


async def refused(settings: Settings, **overrides: Any) -> bool:
    admin = AIOKafkaAdminClient(**{**client_kwargs(settings=settings), **overrides})
    try:
        await admin.start()
        await admin.list_topics()
    except KafkaError:
        return True
    finally:
        with contextlib.suppress(Exception):  # closing what never started
            await admin.close()
    return False


async def test_a_plaintext_client_is_refused(sasl_stack: Stack) -> None:
    plaintext = {"security_protocol": "PLAINTEXT", "request_timeout_ms": 5000}
    assert await refused(sasl_stack.settings, **plaintext)


async def test_a_client_with_a_wrong_password_is_refused(sasl_stack: Stack) -> None:
    assert await refused(sasl_stack.settings, sasl_plain_password="not-the-password")


async def test_the_broker_s_own_clients_authenticate(sasl_stack: Stack) -> None:
    assert not await refused(sasl_stack.settings)
    async with httpx.AsyncClient() as http:
        ready = await http.get(f"{sasl_stack.base_url}/readyz")
    assert ready.status_code == 200, ready.text
