"""Before measuring: the local stack answers, and one release goes all the way through."""

from __future__ import annotations

import aiohttp
import asyncpg
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError

from dev_tools.bench.drafting import BenchFailed, write_then_read
from dev_tools.bench.http_client import HttpError, gateway_base
from services.kit.kafka_clients import client_kwargs
from services.kit.settings import Settings

WARM_UP_S = 30.0


class StackDown(RuntimeError):
    """A part of the local stack does not answer."""


async def check_postgres(settings: Settings) -> None:
    try:
        await (await asyncpg.connect(settings.pg_dsn, timeout=5)).close()
    except (OSError, TimeoutError, asyncpg.PostgresError) as error:
        raise StackDown(f"PostgreSQL at {settings.pg_host}:{settings.pg_port}: {error}") from error


async def check_kafka(settings: Settings) -> None:
    admin = AIOKafkaAdminClient(**client_kwargs(settings=settings))
    try:
        await admin.start()
    except (OSError, KafkaError) as error:
        raise StackDown(f"Kafka at {settings.kafka_bootstrap}: {error}") from error
    finally:
        await admin.close()


async def check_gateway(settings: Settings, client: aiohttp.ClientSession) -> None:
    """Ready, then one POST-then-GET: it also warms up connections and code paths."""
    try:
        async with client.get("/readyz") as ready:
            ready.raise_for_status()
    except HttpError as error:
        raise StackDown(f"gateway at {gateway_base(settings)}: {error!r}") from error
    try:
        await write_then_read(client, 0, timeout=WARM_UP_S)
    except (HttpError, BenchFailed, TimeoutError) as error:
        raise StackDown(
            f"a release did not go from POST to GET 200 within {WARM_UP_S:.0f} s ({error!r}):"
            " are drafting and the projector running (`pressroom ps`)?"
        ) from error


async def check_stack(settings: Settings, client: aiohttp.ClientSession) -> None:
    """PostgreSQL, Kafka, then the gateway with drafting and the projector behind it."""
    await check_postgres(settings)
    await check_kafka(settings)
    await check_gateway(settings, client)
