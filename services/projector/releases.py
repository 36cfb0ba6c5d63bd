"""The release read model: the pure projection `evolve_release(row | None, envelope)`."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from events.base import Event, Message
from events.content import ReleaseContent
from events.drafting import DraftCreated, DraftDiscarded, DraftRevised, DraftSubmitted
from events.envelope import Envelope


class ReleaseStatus(StrEnum):
    """The values of `projections.releases.status`; later services add theirs here."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    DISCARDED = "discarded"


@dataclass(frozen=True)
class ReleaseRow:
    """One row of `projections.releases` (the generated `search` column aside)."""

    release_id: str
    title: str
    summary: str
    body: str
    lead_organisation: str
    organisations: tuple[str, ...]
    collaborators: tuple[str, ...]
    status: str
    revision: int
    content_hash: str
    content: dict[str, Any]
    created_by: str
    created_at: datetime
    updated_at: datetime
    submitted_at: datetime | None = None
    submitted_by: str | None = None
    # The last stream version applied, per service: the drafting one is the release's ETag.
    versions: dict[str, int] = field(default_factory=dict)
    last_event_id: str = ""


def evolve_release(row: ReleaseRow | None, envelope: Envelope[Message]) -> ReleaseRow | None:
    """The row after one event; an already-applied or unknown event returns `row` unchanged."""
    event = envelope.data
    if not isinstance(event, Event) or _already_applied(row, envelope):
        return row
    evolved = _apply(row, envelope)
    if evolved is None or evolved is row:
        return row
    return _stamp(evolved, envelope)


def _apply(row: ReleaseRow | None, envelope: Envelope[Message]) -> ReleaseRow | None:
    match envelope.data:
        case DraftCreated() as created:
            return _created(row, created, envelope.time)
        case DraftRevised() as revised if row is not None:
            revised_row = _with_content(row, revised.content)
            return replace(
                revised_row, revision=revised.revision, content_hash=revised.content_hash
            )
        case DraftSubmitted() as submitted if row is not None:
            return replace(
                row,
                status=ReleaseStatus.SUBMITTED,
                revision=submitted.revision,
                content_hash=submitted.content_hash,
                submitted_at=envelope.time,
                submitted_by=submitted.submitted_by,
            )
        case DraftDiscarded() if row is not None:
            return replace(row, status=ReleaseStatus.DISCARDED)
        case _:
            # Other services' events flow through the same consumer; unknown ones change nothing.
            return row


def _created(row: ReleaseRow | None, created: DraftCreated, at: datetime) -> ReleaseRow:
    blank = ReleaseRow(
        release_id=created.release_id,
        title="",
        summary="",
        body="",
        lead_organisation="",
        organisations=(),
        collaborators=tuple(created.collaborators),
        status=ReleaseStatus.DRAFT,
        revision=created.revision,
        content_hash=created.content_hash,
        content={},
        created_by=created.created_by,
        created_at=at,
        updated_at=at,
        # Keep what other services already told us, should their events have arrived first.
        versions=dict(row.versions) if row is not None else {},
    )
    return _with_content(blank, created.content)


def _with_content(row: ReleaseRow, content: ReleaseContent) -> ReleaseRow:
    return replace(
        row,
        title=content.title,
        summary=content.summary,
        body=content.body,
        lead_organisation=content.lead_organisation,
        organisations=tuple(content.organisations),
        content=content.model_dump(mode="json"),
    )


def _already_applied(row: ReleaseRow | None, envelope: Envelope[Message]) -> bool:
    """Dedup on (release, service, stream version): a replayed event must not change the row."""
    if row is None or envelope.sequence is None:
        return False
    return envelope.sequence <= row.versions.get(envelope.data.service, 0)


def _stamp(row: ReleaseRow, envelope: Envelope[Message]) -> ReleaseRow:
    versions = dict(row.versions)
    if envelope.sequence is not None:
        versions[envelope.data.service] = envelope.sequence
    return replace(row, versions=versions, last_event_id=envelope.id, updated_at=envelope.time)
