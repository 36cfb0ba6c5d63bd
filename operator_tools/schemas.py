"""Schemas and tables of the read models: which projections exist, names checked before use."""

from __future__ import annotations

import re

from operator_tools.errors import OpsError
from services.kit.db import Connection
from services.kit.migrations import apply_migrations
from services.projector.bootstrap import MIGRATIONS, SCHEMA

LIVE = SCHEMA
OPS = "ops"
OPS_MIGRATIONS = "operator_tools.migrations"
ALL = "all"
# Bookkeeping, not read models: positions belong to a consumer, migrations to a schema.
NOT_PROJECTIONS = frozenset({"consumer_offsets", "partition_epochs", "schema_migrations"})
# Table and schema names go into SQL text, so they must be plain identifiers.
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def identifier(name: str) -> str:
    if not _IDENTIFIER.match(name):
        raise OpsError(f"{name!r} is not a plain lowercase SQL name")
    return name


async def ensure_ops(conn: Connection) -> None:
    """The `ops` tables, and the live projections (a fresh database has neither yet)."""
    await apply_migrations(conn, OPS, OPS_MIGRATIONS)
    await apply_migrations(conn, LIVE, MIGRATIONS)


async def create_projection_schema(conn: Connection, schema: str) -> None:
    """Every projector table in a new schema, by the projector's own migrations."""
    await apply_migrations(conn, identifier(schema), MIGRATIONS)


async def schema_exists(conn: Connection, schema: str) -> bool:
    found = await conn.fetchval("SELECT 1 FROM pg_namespace WHERE nspname = $1", schema)
    return found is not None


async def tables_of(conn: Connection, schema: str) -> list[str]:
    """The read-model tables of a schema, `releases` first: the projector locks it first too."""
    rows = await conn.fetch(
        "SELECT tablename FROM pg_tables WHERE schemaname = $1 ORDER BY tablename", schema
    )
    names = [r["tablename"] for r in rows if r["tablename"] not in NOT_PROJECTIONS]
    return sorted(names, key=lambda name: (name != "releases", name))


async def resolve_projection(conn: Connection, projection: str, schema: str = LIVE) -> list[str]:
    """The tables a projection name stands for: one table, or every one for `all`."""
    tables = await tables_of(conn, schema)
    if projection == ALL:
        return tables
    if projection not in tables:
        known = ", ".join([ALL, *tables])
        raise OpsError(f"no projection {projection!r}; known: {known}")
    return [projection]


async def drop_schema(conn: Connection, schema: str) -> None:
    await conn.execute(f"DROP SCHEMA IF EXISTS {identifier(schema)} CASCADE")
