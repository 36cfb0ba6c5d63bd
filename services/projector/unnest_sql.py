"""Many rows of one table as ONE `INSERT … SELECT FROM unnest(…)`: one array parameter per
column, so a live batch's history and outcomes ride in the statement that stores its offsets
(services/projector/store.py) instead of a round trip each (issue 15)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from services.projector.bulk import JSON_COLUMNS


@dataclass(frozen=True)
class UnnestInsert:
    """One table's insert: `sql(first)` numbers its parameters from `first`; `params(rows)` are
    the column arrays, in column order, of rows already encoded (`bulk.encoder`)."""

    table: str
    columns: tuple[str, ...]
    # PostgreSQL's type of each column not of type text (jsonb columns travel as text).
    types: Mapping[str, str]
    conflict: str

    def sql(self, schema: str, first: int) -> str:
        arrays = ", ".join(
            f"${n}::{self._array_type(name)}[]" for n, name in enumerate(self.columns, first)
        )
        picked = ", ".join(
            f"{name}::jsonb" if name in JSON_COLUMNS else name for name in self.columns
        )
        names = ", ".join(self.columns)
        # WITH ORDINALITY … ORDER BY: rows go in in the batch's order (serial ids follow it, and
        # of two rows of one key under DO NOTHING the first stays, as row by row).
        return (
            f"INSERT INTO {schema}.{self.table} ({names}) SELECT {picked}"
            f" FROM unnest({arrays}) WITH ORDINALITY AS r({names}, n) ORDER BY n {self.conflict}"
        )

    def params(self, rows: Sequence[tuple[Any, ...]]) -> list[list[Any]]:
        return [[row[i] for row in rows] for i in range(len(self.columns))]

    def _array_type(self, name: str) -> str:
        return "text" if name in JSON_COLUMNS else self.types.get(name, "text")
