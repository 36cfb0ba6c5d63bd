"""The release read model: the pure projection `evolve_release(row | None, envelope)`."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from events.approval import ApprovalEvent, ApprovalEvents
from events.base import Event, Message
from events.content import ReleaseContent
from events.drafting import (
    DraftCreated,
    DraftDiscarded,
    DraftReopened,
    DraftRevised,
    DraftSubmitted,
)
from events.embargo import EmbargoEvent, EmbargoEvents
from events.envelope import Envelope
from events.publication import ReleasePublished, ReleaseUnpublished, ReleaseWithdrawn
from services.projector.approvals import apply_approval
from services.projector.embargoes import apply_embargo
from services.projector.publications import apply_publication
from services.projector.release_row import (
    ApprovalStatus,
    ReleaseRow,
    ReleaseStatus,
    StageState,
    board_status,
    changed,
)

__all__ = ["ApprovalStatus", "ReleaseRow", "ReleaseStatus", "StageState", "evolve_release"]


def evolve_release(row: ReleaseRow | None, envelope: Envelope[Message]) -> ReleaseRow | None:
    """The row after one event; an already-applied or unknown event returns `row` unchanged."""
    event = envelope.data
    if not isinstance(event, Event) or _already_applied(row, envelope):
        return row
    evolved = _apply(row, envelope)
    if evolved is None or evolved is row:
        return row
    return _stamped(evolved, envelope)


def _apply(row: ReleaseRow | None, envelope: Envelope[Message]) -> ReleaseRow | None:
    match envelope.data:
        case DraftCreated() as created:
            return _created(row, created, envelope.time)
        case DraftRevised() as revised if row is not None and row.drafted:
            return _revised(row, revised)
        case DraftSubmitted() as submitted if row is not None and row.drafted:
            return changed(
                row,
                drafting_status=ReleaseStatus.SUBMITTED,
                revision=submitted.revision,
                content_hash=submitted.content_hash,
                submitted_at=envelope.time,
                submitted_by=submitted.submitted_by,
            )
        case DraftReopened() if row is not None and row.drafted:
            return changed(row, drafting_status=ReleaseStatus.DRAFT)
        case DraftDiscarded() if row is not None and row.drafted:
            return changed(row, drafting_status=ReleaseStatus.DISCARDED)
        case ApprovalEvent() as approval:
            # Approval's stream may be read before drafting's (a rebuild, a lagging partition):
            # keep what it says on a placeholder row until DraftCreated fills in the rest.
            current = row if row is not None else _placeholder(approval.release_id, envelope.time)
            # The contract's union lists every approval event type, so the cast only names it.
            return apply_approval(current, cast(ApprovalEvents, approval), envelope.time)
        case EmbargoEvent() as embargo:
            # Embargo's stream, too, may be read before drafting's: the same placeholder.
            current = row if row is not None else _placeholder(embargo.release_id, envelope.time)
            return apply_embargo(current, cast(EmbargoEvents, embargo))
        case ReleasePublished() | ReleaseWithdrawn() | ReleaseUnpublished() as public:
            # And publication's: its columns wait on the same placeholder for drafting's.
            current = row if row is not None else _placeholder(public.release_id, envelope.time)
            return apply_publication(current, public)
        case _:
            # Other services' events flow through the same consumer; unknown ones change nothing.
            return row


def _created(row: ReleaseRow | None, created: DraftCreated, at: datetime) -> ReleaseRow:
    # Keep what other services already told us, should their events have arrived first.
    base = row if row is not None else _placeholder(created.release_id, at)
    return changed(
        base,
        **_content_columns(created.content),
        collaborators=tuple(created.collaborators),
        drafting_status=ReleaseStatus.DRAFT,
        revision=created.revision,
        content_hash=created.content_hash,
        created_by=created.created_by,
        created_at=at,
    )


def _revised(row: ReleaseRow, revised: DraftRevised) -> ReleaseRow:
    # Drafting takes a revised submission back to draft: approvals bind one revision.
    status = row.drafting_status
    if status == ReleaseStatus.SUBMITTED:
        status = ReleaseStatus.DRAFT
    return changed(
        row,
        **_content_columns(revised.content),
        drafting_status=status,
        revision=revised.revision,
        content_hash=revised.content_hash,
    )


def _placeholder(release_id: str, at: datetime) -> ReleaseRow:
    """A row nobody may read yet: no organisation, no creator, no content. Copied from one
    made once (the 40-field `__init__` of a frozen row was a fifth of folding a DraftCreated),
    with mutable columns of its own."""
    return changed(
        _PLACEHOLDER,
        release_id=release_id,
        created_at=at,
        updated_at=at,
        content={},
        versions={},
        approval_stages=[],
    )


_PLACEHOLDER = ReleaseRow(
    release_id="",
    title="",
    summary="",
    body="",
    lead_organisation="",
    organisations=(),
    collaborators=(),
    status=ReleaseStatus.DRAFT,
    revision=0,
    content_hash="",
    content={},
    created_by="",
    created_at=datetime.min,
    updated_at=datetime.min,
)


def _content_columns(content: ReleaseContent) -> dict[str, Any]:
    return {
        "title": content.title,
        "summary": content.summary,
        "body": content.body,
        "lead_organisation": content.lead_organisation,
        "organisations": tuple(content.organisations),
        "content": content.model_dump(mode="json"),
    }


def _already_applied(row: ReleaseRow | None, envelope: Envelope[Message]) -> bool:
    """Dedup on (release, service, stream version): a replayed event must not change the row."""
    if row is None or envelope.sequence is None:
        return False
    return envelope.sequence <= row.versions.get(envelope.data.service, 0)


def _stamped(made: ReleaseRow, envelope: Envelope[Message]) -> ReleaseRow:
    """The board status, the stream version applied and the latest event. Latest by time, not
    by arrival: the services' topics are not ordered among each other, and a fresh fold must
    agree. `made` is the row `_apply` made for this event (every branch returns the row it was
    given or a new copy, and the given one never reaches here), held by nobody else yet: it
    is stamped in place instead of copied a second time (a tenth of folding an event). The
    status reads none of the columns stamped with it."""
    versions = dict(made.versions)
    if envelope.sequence is not None:
        versions[envelope.data.service] = envelope.sequence
    stamps: dict[str, Any] = {"status": board_status(made), "versions": versions}
    if (envelope.time, envelope.id) >= (made.updated_at, made.last_event_id):
        stamps |= {"last_event_id": envelope.id, "updated_at": envelope.time}
    made.__dict__.update(stamps)
    return made
