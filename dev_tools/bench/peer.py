"""The peer measured in the same run: the `eventsourcing` library (PyPI) creating and saving
aggregates, one per transaction, into the same PostgreSQL, in a schema of its own (dropped
afterwards). It does no messaging at all: Pressroom's pipeline is held to a multiple of it."""

from __future__ import annotations

import asyncio
import importlib.metadata
import time
import uuid
from collections.abc import Callable
from typing import Any
from uuid import UUID

import asyncpg
from rich.progress import Progress

from dev_tools.bench.raw import Rate
from services.kit.settings import Settings

PEER = "eventsourcing"
PEER_VERSION = "9.5.6"
INSTALL_HINT = "pip install -e '.[bench]'   (or: make bench, which installs it)"


class PeerMissing(RuntimeError):
    """The bench extra is not installed."""


def peer_version() -> str:
    """The installed version of the peer, or PeerMissing saying what to install."""
    try:
        version = importlib.metadata.version(PEER)
        importlib.import_module("psycopg")  # its PostgreSQL driver
    except (importlib.metadata.PackageNotFoundError, ImportError) as error:
        raise PeerMissing(
            f"the peer library ({PEER} {PEER_VERSION} with its PostgreSQL driver) is not"
            f" installed: {INSTALL_HINT}"
        ) from error
    return version


def peer_env(settings: Settings, schema: str) -> dict[str, str]:
    """The library's PostgreSQL persistence, configured the way its documentation shows."""
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": settings.pg_database,
        "POSTGRES_HOST": settings.pg_host,
        "POSTGRES_PORT": str(settings.pg_port),
        "POSTGRES_USER": settings.pg_user,
        "POSTGRES_PASSWORD": settings.pg_password,
        "POSTGRES_SCHEMA": schema,
        "CREATE_TABLE": "y",
    }


def create_and_save(env: dict[str, str], n: int, advance: Callable[[int], Any]) -> Rate:
    """n aggregates created and saved one at a time (each save is one transaction)."""
    from eventsourcing.application import Application

    from dev_tools.bench.peer_model import PeerRelease

    app: Application[UUID] = Application(env=env)
    try:
        app.save(PeerRelease("warm-up", "", "", ["bench"]))  # the table and the pool are ready
        body = "A paragraph of body text for the benchmark. " * 6
        start = time.perf_counter()
        for i in range(n):
            app.save(PeerRelease(f"Benchmark release {i}", "Peer.", body, ["bench"]))
            advance(1)
        return Rate(n, time.perf_counter() - start)
    finally:
        app.close()


async def measure_peer(settings: Settings, n: int, progress: Progress) -> Rate:
    """In a thread (the library is synchronous), in a schema of this run."""
    task = progress.add_task(f"Peer: {PEER} create+save", total=n)
    schema = f"bench_peer_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(settings.pg_dsn)
    try:
        await conn.execute(f"CREATE SCHEMA {schema}")
        env = peer_env(settings, schema)
        advance = lambda steps: progress.advance(task, steps)  # noqa: E731
        return await asyncio.to_thread(create_and_save, env, n, advance)
    finally:
        await conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        await conn.close()
