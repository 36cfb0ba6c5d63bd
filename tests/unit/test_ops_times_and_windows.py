"""TIME arguments and replay windows: offsets required, naive times refused, bounds half-open."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from operator_tools.errors import OpsError
from operator_tools.fold import Window
from operator_tools.times import from_millis, parse_time, to_millis

NOON = datetime(2016, 7, 21, 12, 0, tzinfo=UTC)


def test_reads_an_offset_and_stores_utc() -> None:
    assert parse_time("2016-07-21T13:00:00+01:00") == NOON
    assert parse_time("2016-07-21T12:00:00Z") == NOON
    assert parse_time("2016-07-21T12:00:00Z").tzinfo is UTC


@pytest.mark.parametrize("naive", ["2016-07-21T12:00:00", "2016-07-21", "2016-07-21 12:00"])
def test_refuses_a_naive_time_with_a_clear_message(naive: str) -> None:
    with pytest.raises(OpsError, match="has no offset"):
        parse_time(naive, "--at")


@pytest.mark.parametrize(
    "garbage", ["yesterday", "", "21/07/2016 12:00 +01:00", "2016-13-40T00:00Z"]
)
def test_refuses_what_is_not_iso_8601(garbage: str) -> None:
    with pytest.raises(OpsError, match="not an ISO 8601 time"):
        parse_time(garbage, "--since")


def test_kafka_milliseconds_round_trip() -> None:
    assert from_millis(to_millis(NOON)) == NOON


def test_a_window_holds_its_start_but_not_its_end() -> None:
    window = Window(NOON, NOON + timedelta(seconds=2))
    assert not window.holds(to_millis(NOON) - 1)
    assert window.holds(to_millis(NOON))
    assert window.holds(to_millis(NOON) + 1999)
    assert not window.holds(to_millis(NOON) + 2000)


def test_an_open_side_is_unbounded() -> None:
    assert Window(since=NOON).holds(to_millis(NOON) + 10**9)
    assert Window(until=NOON).holds(0)
    assert Window().whole and not Window(since=NOON).whole
