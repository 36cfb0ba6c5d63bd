"""What the stores share to write many rows at once: JSON text for jsonb columns, rows as value
tuples, and COPY for the rows a table cannot hold yet.

A sole writer that began on empty tables (a rebuild into a fresh shadow schema) knows which of a
batch's keys its tables already hold: `Existing`. Every other row is new, so it cannot conflict
and goes in by COPY; the rows with existing keys take the usual upserts. The result is the one
the upserts alone give, row for row:

- `ON CONFLICT DO NOTHING` tables keep the first row of a key: `first_of_each` drops a key the
  table holds and every later row of a key the batch repeats;
- `ON CONFLICT DO UPDATE` tables end with the last row of a key: `last_of_each` keeps only that.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, fields
from operator import attrgetter
from typing import Any, Protocol, TypeVar

import pydantic_core
from pydantic import BaseModel

from services.kit.db import Db
from services.projector.embargo_copies import RevisionRow
from services.projector.history import HistoryRow

T = TypeVar("T")
HistoryKey = tuple[str, str, int]  # release_id, service, stream_version
RevisionKey = tuple[str, int]  # release_id, revision
JSON_COLUMNS = frozenset({"content", "versions", "approval_stages", "data", "events", "problem"})


class BulkDb(Db, Protocol):
    """A connection that can COPY too (an asyncpg connection, pooled or not)."""

    async def copy_records_to_table(
        self,
        table_name: str,
        *,
        records: Iterable[Sequence[object]],
        columns: Iterable[str] | None = ...,
        schema_name: str | None = ...,
    ) -> str: ...


@dataclass(frozen=True)
class Existing:
    """The keys of one batch's rows that its tables held before the batch, as known to a sole
    writer that began on empty tables; None instead of this: nobody knows, upsert everything."""

    releases: frozenset[str] = frozenset()
    history: frozenset[HistoryKey] = frozenset()
    revisions: frozenset[RevisionKey] = frozenset()
    outcomes: frozenset[str] = frozenset()


def history_key(row: HistoryRow) -> HistoryKey:
    return row.release_id, row.service, row.stream_version


def revision_key(row: RevisionRow) -> RevisionKey:
    return row.release_id, row.revision


def json_text(value: Any) -> str:
    """The JSON text of a jsonb column's value. jsonb keeps values, not text, so any valid JSON
    of the value stores the same; pydantic-core's encoder does it at a quarter of the cost of
    `json.dumps` (NaN written as NaN like `json.dumps`, for PostgreSQL to refuse alike). A
    contract model is written as its `model_dump(mode="json")` would be, straight from the
    model: a row can hold the event itself, not a copy of it as a dict (no model has a float
    field, so no NaN can hide in one)."""
    if isinstance(value, BaseModel):
        return value.model_dump_json()
    return pydantic_core.to_json(value, inf_nan_mode="constants").decode()


def row_fields(row_type: type[Any]) -> tuple[str, ...]:
    """A row type's field names in order: a named tuple's or a dataclass's."""
    named: tuple[str, ...] | None = getattr(row_type, "_fields", None)
    return named if named is not None else tuple(f.name for f in fields(row_type))


def row_values(row: Any) -> tuple[Any, ...]:
    """A row's values in field order, shallow: `dataclasses.astuple` deep-copies every nested
    dict and list, and the values are only serialised afterwards. A named tuple row is its
    values already."""
    getter = _GETTERS.get(type(row))
    if getter is None:
        getter = _GETTERS[type(row)] = _getter(type(row))
    return getter(row)


_GETTERS: dict[type, Callable[[Any], tuple[Any, ...]]] = {}


def _getter(row_type: type) -> Callable[[Any], tuple[Any, ...]]:
    if issubclass(row_type, tuple):
        return _itself
    names = row_fields(row_type)
    if len(names) == 1:  # attrgetter of one name returns the value, not a tuple
        return lambda row: (getattr(row, names[0]),)
    getter: Callable[[Any], tuple[Any, ...]] = attrgetter(*names)
    return getter


def _itself(row: tuple[Any, ...]) -> tuple[Any, ...]:
    return row


def encoder(columns: tuple[str, ...]) -> Callable[[tuple[Any, ...]], tuple[Any, ...]]:
    """Row values → parameters: jsonb columns travel as JSON text (no json codec is assumed
    on the connection; the upserts cast the text in SQL, COPY parses it)."""
    at = [i for i, name in enumerate(columns) if name in JSON_COLUMNS]

    def encode(values: tuple[Any, ...]) -> tuple[Any, ...]:
        if not at:
            return values
        params = list(values)
        for i in at:
            if params[i] is not None:
                params[i] = json_text(params[i])
        return tuple(params)

    return encode


def first_of_each(rows: Iterable[T], key: Callable[[T], Hashable], held: frozenset[Any]) -> list[T]:
    """What `INSERT … ON CONFLICT DO NOTHING` row by row adds to a table holding `held`."""
    seen = set(held)
    kept = []
    for row in rows:
        k = key(row)
        if k not in seen:
            seen.add(k)
            kept.append(row)
    return kept


def last_of_each(rows: Iterable[T], key: Callable[[T], Hashable]) -> list[T]:
    """The rows an upsert row by row leaves: the last of each key (in first-seen key order)."""
    return list({key(row): row for row in rows}.values())


async def execute_each(db: Db, command: str, params: Sequence[Sequence[object]]) -> None:
    """`executemany`, skipped when there is nothing to execute: even an empty one costs a
    round trip, and a batch has a dozen writes, most of them empty."""
    if params:
        await db.executemany(command, params)


async def copy_rows(
    db: BulkDb, schema: str, table: str, columns: tuple[str, ...], params: list[tuple[Any, ...]]
) -> None:
    """COPY rows that cannot conflict (new keys) into a table."""
    if params:
        await db.copy_records_to_table(table, records=params, columns=columns, schema_name=schema)
