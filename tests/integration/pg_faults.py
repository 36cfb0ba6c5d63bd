"""Faults done to the test stack's real PostgreSQL: a restart, a backup and its restore."""

from __future__ import annotations

import asyncio
import os
import subprocess
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg

from dev_tools.infra import postgres
from dev_tools.infra.pg_cluster import binary
from events.kafka import KafkaRecord
from services.kit.db import Pool
from services.kit.eventstore import EventStore
from services.kit.migrations import KIT_SQL, apply_migrations
from services.kit.settings import Settings
from tests.support import eventually


async def restart_postgres(settings: Settings, mode: str = "fast") -> None:
    """`pg_ctl restart -m fast`: every client is disconnected, statements in flight abort."""
    await asyncio.to_thread(postgres.restart, settings, mode)


async def running_statements(settings: Settings, like: str) -> int:
    conn = await asyncpg.connect(settings.pg_dsn)
    try:
        return int(
            await conn.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE query LIKE $1"
                " AND pid <> pg_backend_pid()",
                like,
            )
        )
    finally:
        await conn.close()


async def restart_while_running(settings: Settings, like: str) -> None:
    """Waits until a statement matching `like` runs, then restarts PostgreSQL under it."""
    await eventually(lambda: running_statements(settings, like), what=f"a statement {like}")
    await restart_postgres(settings)


@asynccontextmanager
async def scratch_schema(settings: Settings, prefix: str) -> AsyncIterator[tuple[Pool, str]]:
    """A fresh event store schema (the kit's tables), dropped afterwards."""
    schema = f"{prefix}_{uuid.uuid4().hex[:10]}"
    async with asyncpg.create_pool(settings.pg_dsn, min_size=0, max_size=6) as pool:
        async with pool.acquire() as conn:
            await apply_migrations(conn, schema, KIT_SQL)
        try:
            yield pool, schema
        finally:
            await pool.execute(f"DROP SCHEMA {schema} CASCADE")


async def write_numbered_rows(pool: Pool, store: EventStore, topic: str, numbers: range) -> None:
    """Outbox rows for `topic` in one committed transaction, each with its number in header `n`."""
    rows = [(topic, KafkaRecord(b"k", str(n).encode(), [("n", str(n).encode())])) for n in numbers]
    async with pool.acquire() as conn, conn.transaction():
        await store.rows_to_outbox(conn, rows)


def _client_env(settings: Settings) -> dict[str, str]:
    return {**os.environ, "PGPASSWORD": settings.pg_password}


def _client_args(settings: Settings) -> list[str]:
    return ["-h", settings.pg_host, "-p", str(settings.pg_port), "-U", settings.pg_user,
            "-d", settings.pg_database]  # fmt: skip


async def dump_schema(settings: Settings, schema: str, to: Path) -> None:
    """pg_dump of one schema, as plain SQL that drops and recreates it on restore."""
    cmd = [binary(settings, "pg_dump"), *_client_args(settings), "-n", schema, "--clean",
           "--if-exists", "-f", str(to)]  # fmt: skip
    await asyncio.to_thread(subprocess.run, cmd, env=_client_env(settings), check=True)


async def restore_schema(settings: Settings, dump: Path) -> None:
    cmd = [binary(settings, "psql"), *_client_args(settings), "-q", "-v", "ON_ERROR_STOP=1",
           "-f", str(dump)]  # fmt: skip
    await asyncio.to_thread(
        subprocess.run, cmd, env=_client_env(settings), check=True, capture_output=True
    )
