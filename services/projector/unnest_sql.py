"""Many rows of one table as ONE `INSERT … SELECT FROM unnest(…)`: one array parameter per
column, so a live batch's rows ride as CTEs in the statement that stores its offsets
(services/projector/store.py) instead of a round trip per table (issue 15)."""

from __future__ import annotations

import types
import typing
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from services.kit.eventstore import text_array_literal
from services.projector.bulk import JSON_COLUMNS, row_fields

# A table's rows and the statement that writes them (`ProjectionStore.store_offsets`).
Rows = tuple["UnnestInsert | UnnestUpdate", list[tuple[Any, ...]]]
# What a row dataclass's field type is in PostgreSQL, when not text (jsonb: see JSON_COLUMNS).
_PG_TYPES: tuple[tuple[type, str], ...] = (
    (bool, "boolean"),  # before int: a bool is an int
    (int, "bigint"),  # an int column takes it; a bigint one needs it
    (datetime, "timestamptz"),
    (tuple, "text[]"),  # tuples of str: organisations, collaborators
)


@dataclass(frozen=True)
class UnnestInsert:
    """One table's insert from rows of `row_type`: `sql(schema, first)` numbers its parameters
    from `first`; `params(rows)` are the column arrays of rows already encoded (`bulk.encoder`)."""

    table: str
    row_type: type
    conflict: str

    def sql(self, schema: str, first: int) -> str:
        return _sql(self, schema, first)

    def params(self, rows: Sequence[tuple[Any, ...]]) -> list[list[Any]]:
        return column_arrays(self.row_type, rows)


@dataclass(frozen=True)
class UnnestUpdate:
    """One table's UPDATE of rows it holds, from rows of `row_type` keyed by `key`: the same
    parameters as UnnestInsert's. For rows known to be there, where an upsert would cost more:
    PostgreSQL runs an INSERT's BEFORE INSERT triggers (and builds the proposed row) before it
    finds the conflict (docs/decisions.md 55)."""

    table: str
    row_type: type
    key: str

    def sql(self, schema: str, first: int) -> str:
        return _update_sql(self, schema, first)

    def params(self, rows: Sequence[tuple[Any, ...]]) -> list[list[Any]]:
        return column_arrays(self.row_type, rows)


def column_arrays(row_type: type, rows: Sequence[tuple[Any, ...]]) -> list[list[Any]]:
    """One array a column, as `unnest` takes them: text[] columns as array literals."""
    kinds = _pg_types(row_type)
    return [
        [_literal(row[i]) for row in rows] if kind == "text[]" else [row[i] for row in rows]
        for i, kind in enumerate(kinds.values())
    ]


@cache  # a few shapes only (which tables a batch writes); built on every batch otherwise
def _sql(insert: UnnestInsert, schema: str, first: int) -> str:
    names, arrays, picked = _unnested(insert.row_type, first)
    # WITH ORDINALITY … ORDER BY: rows go in in the batch's order (serial ids follow it, and
    # of two rows of one key under DO NOTHING the first stays, as row by row).
    return (
        f"INSERT INTO {schema}.{insert.table} ({names}) SELECT {picked}"
        f" FROM unnest({arrays}) WITH ORDINALITY AS r({names}, n) ORDER BY n {insert.conflict}"
    )


@cache
def _update_sql(update: UnnestUpdate, schema: str, first: int) -> str:
    names, arrays, picked = _unnested(update.row_type, first)
    columns = _pg_types(update.row_type)
    sets = ", ".join(f"{name} = r.{name}" for name in columns if name != update.key)
    return (
        f"UPDATE {schema}.{update.table} AS t SET {sets}"
        f" FROM (SELECT {picked} FROM unnest({arrays}) AS r({names})) AS r"
        f" WHERE t.{update.key} = r.{update.key}"
    )


def _unnested(row_type: type, first: int) -> tuple[str, str, str]:
    """(column names, the unnest's array parameters from `first`, the columns picked, cast)."""
    kinds = _pg_types(row_type)
    # jsonb and text[] values travel as their text, cast where they are picked.
    travels_as_text = [name in JSON_COLUMNS or kinds[name] == "text[]" for name in kinds]
    arrays = ", ".join(
        f"${n}::{'text' if as_text else kinds[name]}[]"
        for n, (name, as_text) in enumerate(zip(kinds, travels_as_text, strict=True), first)
    )
    picked = ", ".join(
        f"{name}::{'jsonb' if name in JSON_COLUMNS else kinds[name]}" if as_text else name
        for name, as_text in zip(kinds, travels_as_text, strict=True)
    )
    return ", ".join(kinds), arrays, picked


def _literal(value: Sequence[str] | None) -> str | None:
    return None if value is None else text_array_literal(value)


@cache
def _pg_types(row_type: type) -> dict[str, str]:
    """Each field's PostgreSQL type, in field order (text unless its Python type says else)."""
    hints = typing.get_type_hints(row_type)
    return {name: _pg_type(hints[name]) for name in row_fields(row_type)}


def _pg_type(hint: Any) -> str:
    union = typing.get_origin(hint) in (typing.Union, types.UnionType)
    options = typing.get_args(hint) if union else (hint,)
    present = [o for o in options if o is not type(None)]
    origin = typing.get_origin(present[0]) or present[0]
    for python, postgres in _PG_TYPES:
        if isinstance(origin, type) and issubclass(origin, python):
            return postgres
    return "text"
