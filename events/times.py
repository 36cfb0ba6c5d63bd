"""Times for people: UTC instants shown in the press office's zone (what the gateway and the
history show), and wall-clock times turned into instants without guessing across a clock change.
Pure; zone rules from zoneinfo."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

PRESS_OFFICE_ZONE = "Europe/London"
# Spelled out rather than strftime's %A/%B, which follow the process locale.
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


class NaiveTime(ValueError):
    """A time without an offset names no instant (invariant 10)."""


class NonexistentLocalTime(ValueError):
    """The clocks skip this wall-clock time (spring forward): it never happens in the zone."""


class AmbiguousLocalTime(ValueError):
    """The clocks show this wall-clock time twice (fall back): an offset must say which."""


def in_zone(instant: datetime, zone: str = PRESS_OFFICE_ZONE) -> datetime:
    """The same instant as the zone's clocks show it; unconverted when the zone's date would fall
    outside what datetime can hold (a stored 9999-12-31T23:59:59Z in Asia/Tokyo): the instant
    as it is, its offset saying so, rather than no answer at all."""
    _require_offset(instant)
    try:
        return instant.astimezone(ZoneInfo(zone))
    except OverflowError:
        return instant


def show(instant: datetime, zone: str = PRESS_OFFICE_ZONE) -> str:
    """'2016-01-09 00:01 GMT': the zone's date, time and abbreviation (GMT or BST in London)."""
    local = in_zone(instant, zone)
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()}"


def isoformat_in_zone(instant: datetime, zone: str = PRESS_OFFICE_ZONE) -> str:
    """ISO 8601 with the zone's offset that day, e.g. '2025-03-31T00:01:00+01:00'."""
    return in_zone(instant, zone).isoformat()


def embargo_notice(lift_at: datetime, zone: str = PRESS_OFFICE_ZONE) -> str:
    """The line on an embargoed copy, in the words press offices use."""
    local = in_zone(lift_at, zone)
    day, month = DAYS[local.weekday()], MONTHS[local.month - 1]
    when = f"{local:%H:%M} {local.tzname()} on {day} {local.day} {month} {local.year}"
    return f"Embargoed until {when}"


def instant_of(wall: datetime, zone: str = PRESS_OFFICE_ZONE) -> datetime:
    """The UTC instant a naive wall-clock time names in the zone; refuses the times a clock
    change skips or repeats rather than guess (00:01 is never one of them in London)."""
    if wall.tzinfo is not None:
        raise ValueError(f"{wall.isoformat()} already has an offset; use it as it is")
    rules = ZoneInfo(zone)
    earlier, later = wall.replace(tzinfo=rules, fold=0), wall.replace(tzinfo=rules, fold=1)
    if earlier.astimezone(UTC).astimezone(rules).replace(tzinfo=None) != wall:
        raise NonexistentLocalTime(f"{wall:%Y-%m-%d %H:%M} does not exist in {zone}")
    if earlier.utcoffset() != later.utcoffset():
        raise AmbiguousLocalTime(
            f"{wall:%Y-%m-%d %H:%M} happens twice in {zone}: give the offset "
            f"({_offset(earlier)} or {_offset(later)})"
        )
    return earlier.astimezone(UTC)


def _offset(moment: datetime) -> str:
    return moment.isoformat()[-6:]


def _require_offset(instant: datetime) -> None:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise NaiveTime(f"{instant.isoformat()} has no offset: it names no instant")
