"""Ordered, idempotent SQL migrations, applied at start under an advisory lock."""

from __future__ import annotations

import zlib
from importlib import resources

from services.kit.db import Connection

SCHEMA_PLACEHOLDER = "__SCHEMA__"
KIT_SQL = "services.kit.sql"


async def apply_migrations(conn: Connection, schema: str, package: str) -> list[str]:
    """Applies the package's *.sql files in name order that `schema` has not seen; returns them."""
    scripts = sorted(
        (f.name, f.read_text("utf-8"))
        for f in resources.files(package).iterdir()
        if f.name.endswith(".sql")
    )
    # One lock per schema: two instances starting together must not race on DDL.
    lock = zlib.crc32(f"migrations:{schema}".encode())
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", lock)
        await conn.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        await conn.execute(
            f"CREATE TABLE IF NOT EXISTS {schema}.schema_migrations "
            "(name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
        )
        done = {r["name"] for r in await conn.fetch(f"SELECT name FROM {schema}.schema_migrations")}
        applied = []
        for name, sql in scripts:
            if f"{package}:{name}" in done:
                continue
            await conn.execute(sql.replace(SCHEMA_PLACEHOLDER, schema))
            await conn.execute(
                f"INSERT INTO {schema}.schema_migrations (name) VALUES ($1)", f"{package}:{name}"
            )
            applied.append(name)
    return applied


async def apply_service_migrations(conn: Connection, schema: str, package: str) -> list[str]:
    """The kit's event store first, then the service's own tables."""
    return [
        *await apply_migrations(conn, schema, KIT_SQL),
        *await apply_migrations(conn, schema, package),
    ]
