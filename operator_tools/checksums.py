"""A table's rows as (natural key → hash), its row count and one checksum, so two schemas can be
compared without moving rows. Storage artefacts (serial ids, `now()` stamps) are left out."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from operator_tools.schemas import identifier
from services.kit.db import Connection

# Examples kept per kind of difference; the counts are always complete.
EXAMPLES = 10
_COLUMNS = (
    "SELECT column_name, coalesce(column_default, '') AS dflt FROM information_schema.columns"
    " WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position"
)
_UNIQUE_KEYS = (
    "SELECT array_agg(a.attname::text ORDER BY k.ord) AS columns"
    " FROM pg_index i"
    " JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord) ON true"
    " JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum"
    " WHERE i.indrelid = to_regclass($1) AND i.indisunique"
    " GROUP BY i.indexrelid, i.indisprimary ORDER BY i.indisprimary DESC, i.indexrelid"
)


@dataclass(frozen=True)
class TableDigest:
    rows: dict[str, str]  # natural key → md5 of the row's folded values

    @property
    def count(self) -> int:
        return len(self.rows)

    @property
    def checksum(self) -> str:
        lines = "\n".join(f"{k}\t{v}" for k, v in sorted(self.rows.items()))
        return hashlib.sha256(lines.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Differences:
    count: int
    examples: list[str]  # the first few keys, sorted


@dataclass(frozen=True)
class TableComparison:
    table: str
    target: TableDigest
    fresh: TableDigest
    missing: Differences  # in the fresh fold, not in the target
    unexpected: Differences  # in the target only
    changed: Differences  # same key, other values

    @property
    def equal(self) -> bool:
        return self.target.checksum == self.fresh.checksum


async def table_digest(conn: Connection, schema: str, table: str) -> TableDigest:
    excluded, key = await _shape(conn, identifier(schema), identifier(table))
    key_sql = "concat_ws(' / ', " + ", ".join(f"{_quoted(c)}::text" for c in key) + ")"
    rows = await conn.fetch(
        f"SELECT {key_sql} AS key, md5((to_jsonb(t) - $1::text[])::text) AS hash"
        f" FROM {schema}.{table} t",
        excluded,
    )
    return TableDigest({row["key"]: row["hash"] for row in rows})


async def _shape(conn: Connection, schema: str, table: str) -> tuple[list[str], list[str]]:
    """Columns to leave out, and the first unique key made only of columns kept."""
    columns = await conn.fetch(_COLUMNS, schema, table)
    excluded = [c["column_name"] for c in columns if _artefact(c["dflt"])]
    kept = [c["column_name"] for c in columns if c["column_name"] not in excluded]
    for row in await conn.fetch(_UNIQUE_KEYS, f"{schema}.{table}"):
        if not set(row["columns"]) & set(excluded):
            return excluded, list(row["columns"])
    return excluded, kept  # no usable key: a row is known by all its values


def _quoted(column: str) -> str:
    # Column names come from the catalog, but "offset" and the like are reserved words.
    return '"' + column.replace('"', '""') + '"'


def _artefact(default: str) -> bool:
    return default.startswith("nextval(") or default in ("now()", "CURRENT_TIMESTAMP")


def compare(table: str, target: TableDigest, fresh: TableDigest) -> TableComparison:
    t, f = target.rows, fresh.rows
    return TableComparison(
        table,
        target,
        fresh,
        missing=_differences(f.keys() - t.keys()),
        unexpected=_differences(t.keys() - f.keys()),
        changed=_differences(k for k in t.keys() & f.keys() if t[k] != f[k]),
    )


def _differences(keys: Iterable[str]) -> Differences:
    ordered = sorted(keys)
    return Differences(len(ordered), ordered[:EXAMPLES])
