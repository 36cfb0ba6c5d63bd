"""The gateway's lag and dead-letter gauges: read on the gateway's own pool, from the real Kafka
and PostgreSQL; a refresh creates no schema or table (the projector and the operators' tools own
them) and counts a table not there yet as empty."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest
import pytest_asyncio
from prometheus_client import CollectorRegistry, generate_latest

from services.gateway.ops_metrics import OpsMetrics
from services.kit.settings import Settings
from services.read_models.postgres import PostgresReadModel
from tests.e2e.stack_fixture import Stack
from tests.e2e.test_drafting_http import sample_body
from tests.integration.own_database import database_of_its_own
from tests.support import eventually

pytestmark = pytest.mark.integration


async def gauges(bootstrap: str, dsn: str) -> str:
    reads = PostgresReadModel(dsn)
    await reads.start()
    try:
        registry = CollectorRegistry()
        await OpsMetrics(registry, bootstrap, reads, min_interval_s=0).refresh()
    finally:
        await reads.stop()
    return generate_latest(registry).decode()


@pytest_asyncio.fixture
async def empty_database(infra: Settings) -> AsyncIterator[str]:
    """A database of its own on the test PostgreSQL, with neither `projections` nor `ops`."""
    async with database_of_its_own(infra, "empty") as dsn:
        yield dsn


async def test_lag_and_dead_letters_are_gauges_the_gateway_exports(stack: Stack) -> None:
    async with stack.client() as http:
        created = await http.post("/v1/releases", json=sample_body())
    assert created.status_code == 201, created.text
    projector = 'pressroom_consumer_lag{group="pressroom-projector",'

    async def projected() -> str | None:
        text = await gauges(stack.settings.kafka_bootstrap, stack.settings.pg_dsn)
        return text if projector in text else None

    text = await eventually(projected, what="the projector's stored positions as gauges")
    assert 'pressroom_consumer_lag{group="pressroom-drafting",' in text
    assert 'pressroom_dead_letters{store="kafka"}' in text
    assert "pressroom_oldest_dead_letter_age_seconds " in text
    assert "pressroom_failed_deliveries " in text


async def test_a_refresh_creates_nothing_and_counts_missing_tables_as_empty(
    infra: Settings, empty_database: str
) -> None:
    text = await gauges(infra.kafka_bootstrap, empty_database)
    assert 'pressroom_dead_letters{store="projector"} 0.0' in text
    assert "pressroom_failed_deliveries 0.0" in text
    conn = await asyncpg.connect(empty_database)
    try:
        created = await conn.fetch(
            "SELECT nspname FROM pg_namespace WHERE nspname IN ('projections', 'ops')"
        )
    finally:
        await conn.close()
    assert [row["nspname"] for row in created] == []
