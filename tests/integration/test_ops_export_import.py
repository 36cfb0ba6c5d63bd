"""`pressroom export` then `pressroom import` into a second, empty Kafka: the same records (keys,
headers, timestamps, partitions, offsets), and a rebuild from each gives identical read models."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest
from aiokafka import TopicPartition

from dev_tools.infra import kafka
from operator_tools.checksums import table_digest
from operator_tools.errors import OpsError
from operator_tools.export import EXPORTED_TOPICS, export_log
from operator_tools.fold import WHOLE_LOG, FoldTarget
from operator_tools.kafka_io import log_ranges, read_ranges
from operator_tools.progress import SILENT
from operator_tools.replay import fold_ranges
from operator_tools.restore import import_log
from operator_tools.schemas import create_projection_schema, drop_schema, tables_of
from services.kit.settings import Settings
from tests.e2e.stack_fixture import Stack
from tests.e2e.test_drafting_http import sample_body

pytestmark = pytest.mark.integration
# A second broker beside the slot's own: ports no test slot uses (slots use …92 and …93).
RESTORE_PORT_OFFSET = 10


@pytest.fixture
def empty_kafka(infra: Settings) -> Iterator[Settings]:
    """A fresh single-broker cluster, stopped and wiped afterwards."""
    data = infra.data_dir.parent / f"{infra.data_dir.name}-restore"
    shutil.rmtree(data, ignore_errors=True)
    settings = infra.model_copy(update={
        "data_dir": data,
        "kafka_port": infra.kafka_port + RESTORE_PORT_OFFSET,
        "kafka_controller_port": infra.kafka_controller_port + RESTORE_PORT_OFFSET,
    })  # fmt: skip
    kafka.preflight(settings)
    kafka.up(settings)
    try:
        yield settings
    finally:
        kafka.down(settings)
        shutil.rmtree(data, ignore_errors=True)


@pytest.fixture
async def pool(infra: Settings) -> AsyncIterator[asyncpg.Pool]:
    async with asyncpg.create_pool(infra.pg_dsn, min_size=1, max_size=4) as created:
        yield created


async def records_of(
    bootstrap: str, stop_at: dict[TopicPartition, int]
) -> list[tuple[object, ...]]:
    ranges = await log_ranges(bootstrap, EXPORTED_TOPICS, stop_at=stop_at)
    return sorted(
        (r.topic, r.partition, r.offset, r.timestamp, r.key, r.value, tuple(r.headers))
        for batch in [b async for b in read_ranges(bootstrap, ranges)]
        for r in batch
    )


async def rebuilt_digests(
    settings: Settings, pool: asyncpg.Pool, schema: str, stop_at: dict[TopicPartition, int]
) -> dict[str, str]:
    ranges = await log_ranges(settings.kafka_bootstrap, EXPORTED_TOPICS, stop_at=stop_at)
    async with pool.acquire() as conn:
        await create_projection_schema(conn, schema)
    try:
        await fold_ranges(settings, pool, ranges, FoldTarget(schema), WHOLE_LOG, SILENT)
        async with pool.acquire() as conn:
            return {
                t: (await table_digest(conn, schema, t)).checksum
                for t in await tables_of(conn, schema)
            }
    finally:
        async with pool.acquire() as conn:
            await drop_schema(conn, schema)


async def test_an_export_imported_into_an_empty_cluster_rebuilds_identical_read_models(
    stack: Stack, empty_kafka: Settings, pool: asyncpg.Pool, tmp_path: Path
) -> None:
    async with stack.client() as http:
        created = await http.post("/v1/releases", json=sample_body(" export"))
        assert created.status_code == 201, created.text
    path = tmp_path / "log.jsonl"
    exported = await export_log(stack.settings.kafka_bootstrap, path)
    assert exported.records > 0 and exported.records == len(path.read_text().splitlines())
    imported = await import_log(empty_kafka, path)
    assert (imported.records, imported.moved) == (exported.records, 0)

    ends = {TopicPartition(t, p): end for (t, p), end in exported.ends.items()}
    original = await records_of(stack.settings.kafka_bootstrap, ends)
    assert await records_of(empty_kafka.kafka_bootstrap, ends) == original

    source = await rebuilt_digests(stack.settings, pool, "export_check_source", ends)
    restored = await rebuilt_digests(empty_kafka, pool, "export_check_restored", ends)
    assert source == restored and "releases" in source

    with pytest.raises(OpsError, match="empty cluster"):
        await import_log(empty_kafka, path)
