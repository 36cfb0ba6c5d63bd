"""The pieces of the bulk writes: what COPY is given is what the upserts would have left, JSON
text stores the same jsonb values as `json.dumps`, and a release row copied with `changed` is the
row `dataclasses.replace` makes."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from events.drafting import DraftCreated
from events.schemas.examples import examples
from services.projector.bulk import encoder, first_of_each, json_text, last_of_each, row_values
from services.projector.release_row import RELEASE_FIELDS, ReleaseRow, changed

Row = tuple[str, int]  # (key, value)

rows = st.lists(st.tuples(st.sampled_from("abcde"), st.integers(0, 9)), max_size=30)
held_keys = st.frozensets(st.sampled_from("abcde"))


def _key(row: Row) -> str:
    return row[0]


def do_nothing_one_by_one(rows: list[Row], held: frozenset[str]) -> dict[str, int]:
    """`INSERT … ON CONFLICT DO NOTHING` row after row: the first row of a key stays."""
    table: dict[str, int] = {}
    for key, value in rows:
        if key not in held and key not in table:
            table[key] = value
    return table


@given(rows, held_keys)
def test_first_of_each_adds_what_do_nothing_inserts_add(
    rows: list[Row], held: frozenset[str]
) -> None:
    assert dict(first_of_each(rows, _key, held)) == do_nothing_one_by_one(rows, held)


@given(rows)
def test_last_of_each_leaves_what_upserts_one_by_one_leave(rows: list[Row]) -> None:
    table: dict[str, int] = {}
    for key, value in rows:
        table[key] = value  # ON CONFLICT DO UPDATE: the later row wins
    kept = last_of_each(rows, _key)
    assert dict(kept) == table
    assert len(kept) == len(table)  # one row per key: COPY would refuse a repeated key


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4)
    ),
    max_leaves=20,
)


@given(json_values)
def test_json_text_reads_back_as_the_value_json_dumps_writes(value: Any) -> None:
    assert json.loads(json_text(value)) == json.loads(json.dumps(value))


def test_json_text_writes_nan_for_postgresql_to_refuse_as_json_dumps_does() -> None:
    assert json_text({"x": float("nan")}) == '{"x":NaN}'


def test_row_values_are_the_fields_in_order_not_copies() -> None:
    row = _row()
    values = row_values(row)
    assert values == tuple(getattr(row, f.name) for f in dataclasses.fields(row))
    assert values[RELEASE_ORDER.index("content")] is row.content


def test_the_encoder_turns_only_json_columns_into_text() -> None:
    encode = encoder(("release_id", "content", "problem"))
    assert encode(("r1", {"a": [1]}, None)) == ("r1", '{"a":[1]}', None)


RELEASE_ORDER = [f.name for f in dataclasses.fields(ReleaseRow)]
changes = st.dictionaries(
    st.sampled_from(["title", "revision", "status", "versions", "approval_stages"]),
    st.integers() | st.text(max_size=5) | st.dictionaries(st.text(max_size=3), st.integers()),
    max_size=3,
)


@given(changes)
def test_changed_makes_the_row_replace_makes(update: dict[str, Any]) -> None:
    row = _row()
    copy = changed(row, **update)
    assert copy == dataclasses.replace(row, **update)
    assert row == _row()  # the original is untouched
    assert copy is not row


def test_changed_refuses_a_field_the_row_has_not() -> None:
    with pytest.raises(TypeError, match="no field titel"):
        changed(_row(), titel="x")


def test_a_changed_row_is_frozen_like_any_other() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        changed(_row(), title="x").title = "y"  # type: ignore[misc]


def test_every_field_is_known_to_changed() -> None:
    assert set(RELEASE_ORDER) == RELEASE_FIELDS


def _row() -> ReleaseRow:
    at = datetime(2016, 1, 8, tzinfo=UTC)
    return ReleaseRow(
        release_id="r1", title="t", summary="s", body="b", lead_organisation="fco",
        organisations=("fco",), collaborators=(), status="draft", revision=1, content_hash="h",
        content={"title": "t"}, created_by="alice", created_at=at, updated_at=at,
        versions={"drafting": 1},
    )  # fmt: skip


def test_a_contract_model_is_written_as_the_json_of_its_data() -> None:
    for envelope in examples().values():
        event = envelope.data

        assert json.loads(json_text(event)) == json.loads(json.dumps(event.data()))
    content = next(e.data.content for e in examples().values() if isinstance(e.data, DraftCreated))
    assert json.loads(json_text(content)) == content.model_dump(mode="json")
