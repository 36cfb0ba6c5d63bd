"""A database of its own on the test PostgreSQL, for a test whose tables must start empty."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg

from services.kit.settings import Settings


@asynccontextmanager
async def database_of_its_own(infra: Settings, prefix: str) -> AsyncIterator[str]:
    """A new database's DSN; dropped afterwards, with any connection still open to it."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(infra.pg_dsn)
    try:
        await admin.execute(f"CREATE DATABASE {name}")
        try:
            yield infra.pg_dsn.rsplit("/", 1)[0] + f"/{name}"
        finally:
            await admin.execute(f"DROP DATABASE {name} WITH (FORCE)")
    finally:
        await admin.close()
