"""Many rows of one table as ONE `INSERT … SELECT FROM unnest(…)`: one array parameter per
column, so a live batch's rows ride as CTEs in the statement that stores its offsets
(services/projector/store.py) instead of a round trip per table (issue 15)."""

from __future__ import annotations

import types
import typing
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from functools import cache
from typing import Any

from services.kit.eventstore import text_array_literal
from services.projector.bulk import JSON_COLUMNS

# A table's rows and the insert that writes them (`ProjectionStore.store_offsets`).
Rows = tuple["UnnestInsert", list[tuple[Any, ...]]]
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
        kinds = _pg_types(self.row_type)
        return [
            [_literal(row[i]) for row in rows] if kind == "text[]" else [row[i] for row in rows]
            for i, kind in enumerate(kinds.values())
        ]


@cache  # a few shapes only (which tables a batch writes); built on every batch otherwise
def _sql(insert: UnnestInsert, schema: str, first: int) -> str:
    kinds = _pg_types(insert.row_type)
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
    names = ", ".join(kinds)
    # WITH ORDINALITY … ORDER BY: rows go in in the batch's order (serial ids follow it, and
    # of two rows of one key under DO NOTHING the first stays, as row by row).
    return (
        f"INSERT INTO {schema}.{insert.table} ({names}) SELECT {picked}"
        f" FROM unnest({arrays}) WITH ORDINALITY AS r({names}, n) ORDER BY n {insert.conflict}"
    )


def _literal(value: Sequence[str] | None) -> str | None:
    return None if value is None else text_array_literal(value)


@cache
def _pg_types(row_type: type) -> dict[str, str]:
    """Each field's PostgreSQL type, in field order (text unless its Python type says else)."""
    hints = typing.get_type_hints(row_type)
    return {f.name: _pg_type(hints[f.name]) for f in fields(row_type)}


def _pg_type(hint: Any) -> str:
    union = typing.get_origin(hint) in (typing.Union, types.UnionType)
    options = typing.get_args(hint) if union else (hint,)
    present = [o for o in options if o is not type(None)]
    origin = typing.get_origin(present[0]) or present[0]
    for python, postgres in _PG_TYPES:
        if isinstance(origin, type) and issubclass(origin, python):
            return postgres
    return "text"
