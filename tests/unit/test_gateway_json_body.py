"""Read-model rows become response bodies without FastAPI's `jsonable_encoder`
(services/gateway/views.py::json_ready): the same body, value for value, at a third of the cost."""

from __future__ import annotations

import enum
import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from fastapi.encoders import jsonable_encoder
from hypothesis import given
from hypothesis import strategies as st

from services.gateway.views import board_item, json_ready, release_detail


class Colour(enum.Enum):
    RED = "red"


json_leaves = st.none() | st.booleans() | st.integers() | st.text(max_size=20)
json_values = st.recursive(
    json_leaves,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
moments = st.datetimes(timezones=st.sampled_from([UTC, timezone(timedelta(hours=-5))]))
row_values = json_values | moments | st.dates() | st.tuples(moments, st.integers())


@given(st.dictionaries(st.text(max_size=12), row_values, max_size=12))
def test_any_row_of_json_and_datetimes_reads_as_fastapi_would_write_it(row: dict[str, Any]) -> None:
    assert json_ready(row) == jsonable_encoder(row)


def test_what_a_row_never_holds_still_goes_through_fastapis_encoder() -> None:
    row = {"amount": Decimal("1.5"), "colour": Colour.RED, "id": uuid.UUID(int=7)}
    assert (
        json_ready(row)
        == jsonable_encoder(row)
        == {"amount": 1.5, "colour": "red", "id": "00000000-0000-0000-0000-000000000007"}
    )


def test_a_release_detail_and_board_line_are_what_they_were() -> None:
    at = datetime(2026, 12, 6, 9, 30, 0, 123456, tzinfo=UTC)
    release = {
        "release_id": "r-1", "title": "UK and Japan talks", "organisations": ["fco"],
        "content": {"title": "UK and Japan talks", "quotes": [{"text": "Yes", "attribution": "A"}]},
        "created_at": at, "updated_at": at, "submitted_at": None, "revision": 2,
        "versions": {"drafting": 3, "approval": 1}, "search": "'japan':3", "last_event_id": "e",
        "approval_status": "pending", "approval_stages": [{"name": "policy", "state": "pending"}],
        "approval_requested_at": at, "force_approved_flag": False, "embargo_status": None,
        "embargo_lift_at": None, "embargo_recipient_count": None, "published_on": date(2026, 12, 6),
    }  # fmt: skip
    detail, line = release_detail(release), board_item(release)
    assert detail["created_at"] == "2026-12-06T09:30:00.123456+00:00"
    assert detail["approval"]["requested_at"] == "2026-12-06T09:30:00.123456+00:00"
    assert detail["published_on"] == "2026-12-06" and detail["version"] == 3
    assert "search" not in detail and "content" not in line
    assert detail == jsonable_encoder(detail) and line == jsonable_encoder(line)
