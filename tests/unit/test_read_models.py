"""The read side names the columns the projector writes: the two stay the same."""

from __future__ import annotations

from dataclasses import fields

from services.projector.embargoes import CalendarRow
from services.projector.inbox import InboxRow
from services.projector.release_row import ReleaseRow
from services.read_models import tables


def names(row_type: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(row_type))


def test_the_read_side_returns_every_column_the_projector_writes() -> None:
    assert names(ReleaseRow) == tables.RELEASES
    assert names(InboxRow) == tables.APPROVAL_INBOX
    assert names(CalendarRow) == tables.EMBARGO_CALENDAR
