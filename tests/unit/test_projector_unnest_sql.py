"""The projector's one-statement inserts (services/projector/unnest_sql.py): each column's array
parameter and cast follow the row dataclass's field types (no I/O; the statements themselves run
on the real PostgreSQL in tests/integration/test_projector_round_trips.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from services.projector.release_row import ReleaseRow
from services.projector.unnest_sql import UnnestInsert


@dataclass(frozen=True)
class Row:
    name: str
    count: int
    flag: bool
    at: datetime | None
    tags: tuple[str, ...]
    data: dict[str, Any]  # a JSON column by its name (bulk.JSON_COLUMNS)


INSERT = UnnestInsert("rows", Row, "ON CONFLICT (name) DO NOTHING")


def test_each_column_travels_as_its_type_and_json_and_arrays_as_text() -> None:
    sql = INSERT.sql("s", first=7)
    assert (
        "FROM unnest($7::text[], $8::bigint[], $9::boolean[], $10::timestamptz[], $11::text[],"
        " $12::text[]) WITH ORDINALITY AS r(name, count, flag, at, tags, data, n) ORDER BY n"
    ) in sql
    assert "SELECT name, count, flag, at, tags::text[], data::jsonb FROM" in sql
    assert sql.startswith("INSERT INTO s.rows (name, count, flag, at, tags, data)")
    assert sql.endswith("ON CONFLICT (name) DO NOTHING")


def test_params_are_columns_with_tuples_as_array_literals() -> None:
    at = datetime(2026, 12, 6, tzinfo=UTC)
    rows = [("a", 1, True, at, ("fco", 'say "hi"'), "{}"), ("b", 2, False, None, (), "[]")]
    assert INSERT.params(rows) == [
        ["a", "b"],
        [1, 2],
        [True, False],
        [at, None],
        ['{"fco","say \\"hi\\""}', "{}"],
        ["{}", "[]"],
    ]


def test_the_release_row_maps_every_column() -> None:
    sql = UnnestInsert("releases", ReleaseRow, "").sql("projections", first=1)
    assert "organisations::text[], collaborators::text[]" in sql
    assert "content::jsonb" in sql and "versions::jsonb" in sql
    assert "$13::timestamptz[]" in sql  # created_at, the 13th field
    assert "force_approved_flag" in sql and "::boolean[]" in sql
