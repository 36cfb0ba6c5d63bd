"""Embargo times shown to people in the press office's zone, and wall-clock times made instants."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from events.times import (
    PRESS_OFFICE_ZONE,
    AmbiguousLocalTime,
    NaiveTime,
    NonexistentLocalTime,
    embargo_notice,
    in_zone,
    instant_of,
    isoformat_in_zone,
    show,
)

# 2025: clocks go forward at 01:00 GMT on 30 March and back at 02:00 BST on 26 October.
SPRING_FORWARD = datetime(2025, 3, 30, 1, 0, tzinfo=UTC)
FALL_BACK = datetime(2025, 10, 26, 1, 0, tzinfo=UTC)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_the_press_office_zone_is_london_by_default() -> None:
    assert PRESS_OFFICE_ZONE == "Europe/London"
    assert show(utc(2016, 1, 9, 0, 1)) == "2016-01-09 00:01 GMT"


@pytest.mark.parametrize(
    ("instant", "shown"),
    [
        (SPRING_FORWARD - timedelta(minutes=1), "2025-03-30 00:59 GMT"),
        (SPRING_FORWARD, "2025-03-30 02:00 BST"),
        (FALL_BACK - timedelta(minutes=1), "2025-10-26 01:59 BST"),
        (FALL_BACK, "2025-10-26 01:00 GMT"),
    ],
    ids=["before-spring-forward", "at-spring-forward", "before-fall-back", "at-fall-back"],
)
def test_a_utc_instant_is_shown_with_london_time_and_its_abbreviation_across_changes(
    instant: datetime, shown: str
) -> None:
    assert show(instant) == shown


@pytest.mark.parametrize(
    ("wall", "instant"),
    [
        (datetime(2025, 3, 30, 0, 1), utc(2025, 3, 30, 0, 1)),  # still GMT: the change is at 01:00
        (datetime(2025, 3, 31, 0, 1), utc(2025, 3, 30, 23, 1)),  # the first BST night
        (datetime(2025, 10, 26, 0, 1), utc(2025, 10, 25, 23, 1)),  # still BST: back at 02:00
        (datetime(2025, 10, 27, 0, 1), utc(2025, 10, 27, 0, 1)),  # the first GMT night
    ],
    ids=["spring-forward-night", "first-bst-night", "fall-back-night", "first-gmt-night"],
)
def test_0001_london_time_around_a_clock_change_is_one_utc_instant_and_shows_as_0001(
    wall: datetime, instant: datetime
) -> None:
    assert instant_of(wall) == instant
    assert instant_of(wall).tzinfo is UTC
    assert show(instant).split(" ")[1] == "00:01"


def test_a_wall_clock_time_the_clocks_skip_is_refused() -> None:
    with pytest.raises(NonexistentLocalTime, match="does not exist in Europe/London"):
        instant_of(datetime(2025, 3, 30, 1, 30))


def test_a_wall_clock_time_the_clocks_show_twice_is_refused_naming_both_offsets() -> None:
    with pytest.raises(AmbiguousLocalTime, match=r"\+01:00 or \+00:00"):
        instant_of(datetime(2025, 10, 26, 1, 30))


def test_a_wall_clock_time_that_already_has_an_offset_is_refused() -> None:
    with pytest.raises(ValueError, match="already has an offset"):
        instant_of(utc(2025, 3, 30, 0, 1))


def test_wall_clock_times_of_another_zone_become_its_instants() -> None:
    assert instant_of(datetime(2016, 1, 9, 9, 1), "Asia/Tokyo") == utc(2016, 1, 9, 0, 1)


def test_a_time_without_an_offset_is_never_shown_as_if_it_had_one() -> None:
    with pytest.raises(NaiveTime, match="no offset"):
        show(datetime(2025, 3, 30, 0, 1))


def test_an_instant_given_in_any_offset_is_shown_the_same() -> None:
    tokyo = timezone(timedelta(hours=9))
    instant = utc(2025, 6, 1, 11, 0)
    assert show(instant.astimezone(tokyo)) == show(instant) == "2025-06-01 12:00 BST"


def test_in_zone_keeps_the_instant() -> None:
    instant = utc(2025, 6, 1, 11, 0)
    local = in_zone(instant)
    assert local == instant and local.utcoffset() == timedelta(hours=1)


def test_isoformat_in_zone_carries_that_days_offset() -> None:
    assert isoformat_in_zone(utc(2025, 3, 30, 23, 1)) == "2025-03-31T00:01:00+01:00"
    assert isoformat_in_zone(utc(2025, 1, 9, 0, 1)) == "2025-01-09T00:01:00+00:00"


def test_the_embargo_notice_reads_as_press_offices_write_it() -> None:
    assert embargo_notice(utc(2016, 1, 9, 0, 1)) == (
        "Embargoed until 00:01 GMT on Saturday 9 January 2016"
    )
    assert embargo_notice(utc(2025, 10, 25, 23, 1)) == (
        "Embargoed until 00:01 BST on Sunday 26 October 2025"
    )


def test_an_unknown_zone_is_an_error_not_a_silent_utc() -> None:
    with pytest.raises(LookupError):
        show(utc(2025, 1, 1), "Europe/Atlantis")
