"""The embargo columns of a release row (`apply_embargo`) and the embargo calendar derived
from them (`calendar_rows`): pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import assert_never

from events.embargo import (
    ApprovalWithdrawnNoted,
    ApprovedRevisionNoted,
    EmbargoCancelled,
    EmbargoChanged,
    EmbargoedCopyIssued,
    EmbargoEvents,
    EmbargoLiftDeferred,
    EmbargoLifted,
    EmbargoLiftedEarly,
    EmbargoSet,
    PublicationCleared,
    PublicationHeld,
)
from services.projector.release_row import EmbargoStatus, ReleaseRow, changed


@dataclass(frozen=True)
class CalendarRow:
    """One row of `projections.embargo_calendar`, unique on release_id."""

    release_id: str
    lift_at: datetime
    pre_release_at: datetime | None
    title: str
    lead_organisation: str
    status: str
    has_recipients: bool


def apply_embargo(row: ReleaseRow, event: EmbargoEvents) -> ReleaseRow:
    """The row after one embargo event. Always a new row, so that its version is stamped even
    when nothing on the board changes (read-your-writes waits on that version)."""
    match event:
        case EmbargoSet() | EmbargoChanged():
            return _terms(row, event.lift_at, event.pre_release_at, len(event.recipients))
        case EmbargoCancelled():
            return changed(row, embargo_status=EmbargoStatus.CANCELLED)
        case EmbargoLiftDeferred():
            return changed(row, embargo_status=EmbargoStatus.DEFERRED)
        case EmbargoLifted():
            return _lifted(row, event.lift_at, event.lifted_at, event.lateness_ms)
        case EmbargoLiftedEarly():
            return _lifted(row, event.lift_at, event.lifted_at, None)
        case PublicationCleared() | PublicationHeld():
            # The board's embargo columns stay: cleared means none was in force, held that one is.
            return changed(row)
        case ApprovedRevisionNoted() | ApprovalWithdrawnNoted() | EmbargoedCopyIssued():
            # Approval's own columns say what is approved; the copies have their own table.
            return changed(row)
        case _:
            assert_never(event)


def _terms(
    row: ReleaseRow, lift_at: datetime, pre_release_at: datetime | None, recipients: int
) -> ReleaseRow:
    return changed(
        row,
        embargo_status=EmbargoStatus.SCHEDULED,
        embargo_lift_at=lift_at,
        embargo_pre_release_at=pre_release_at,
        embargo_recipient_count=recipients,
        embargo_lifted_at=None,
        embargo_lateness_ms=None,
    )


def _lifted(
    row: ReleaseRow, lift_at: datetime, lifted_at: datetime, lateness_ms: int | None
) -> ReleaseRow:
    return changed(
        row,
        embargo_status=EmbargoStatus.LIFTED,
        embargo_lift_at=lift_at,
        embargo_lifted_at=lifted_at,
        embargo_lateness_ms=lateness_ms,
    )


def calendar_rows(release: ReleaseRow) -> list[CalendarRow]:
    """The release's calendar entry: none before an embargo, or while drafting is unseen (no
    organisation yet, so nobody could be shown it)."""
    if (
        not release.drafted
        or release.embargo_status == EmbargoStatus.NONE
        or release.embargo_lift_at is None
    ):
        return []
    return [
        CalendarRow(
            release_id=release.release_id,
            lift_at=release.embargo_lift_at,
            pre_release_at=release.embargo_pre_release_at,
            title=release.title,
            lead_organisation=release.lead_organisation,
            status=release.embargo_status,
            has_recipients=release.embargo_recipient_count > 0,
        )
    ]
