"""What one batch does to `release_revisions` and `embargoed_copies`: pure, folded in order."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import NamedTuple

from events.base import Message
from events.content import ReleaseContent
from events.drafting import DraftCreated, DraftRevised
from events.embargo import EmbargoCancelled, EmbargoChanged, EmbargoedCopyIssued, EmbargoSet
from events.envelope import Envelope


class RevisionRow(NamedTuple):
    """One row of `projections.release_revisions`: what drafting wrote as that revision (a
    named tuple, made for most drafting events, like `HistoryRow`)."""

    release_id: str
    revision: int
    content_hash: str
    content: ReleaseContent  # stored as its JSON, written straight from the model


@dataclass(frozen=True)
class CopyRow:
    """One row of `projections.embargoed_copies`: the copy a recipient holds now."""

    release_id: str
    recipient: str
    revision: int
    content_hash: str
    lift_at: datetime
    issued_at: datetime


@dataclass(frozen=True)
class CopyChanges:
    """A batch's net effect on one release's copies: drop all, or keep only the listed
    recipients, then write the copies issued since."""

    clear: bool = False
    keep_only: frozenset[str] | None = None
    issued: dict[str, CopyRow] = field(default_factory=dict)


def revision_row(envelope: Envelope[Message]) -> RevisionRow | None:
    """The revision a drafting event wrote, or None for any other message."""
    event = envelope.data
    if not isinstance(event, DraftCreated | DraftRevised):
        return None
    return RevisionRow(event.release_id, event.revision, event.content_hash, event.content)


def note_copies(changes: CopyChanges | None, envelope: Envelope[Message]) -> CopyChanges | None:
    """`changes` after one more event; None while nothing touched the copies."""
    match envelope.data:
        case EmbargoSet() | EmbargoCancelled():
            # A new embargo starts with no copies; a cancelled one voids them.
            return CopyChanges(clear=True)
        case EmbargoChanged() as changed:
            return _keep_only(changes or CopyChanges(), frozenset(changed.recipients))
        case EmbargoedCopyIssued() as issued:
            current = changes or CopyChanges()
            copy = _copy(issued, envelope.time)
            return replace(current, issued={**current.issued, issued.recipient: copy})
        case _:
            return changes


def _keep_only(changes: CopyChanges, recipients: frozenset[str]) -> CopyChanges:
    # Recipients taken off the list may no longer read the copies they were sent.
    kept = {r: copy for r, copy in changes.issued.items() if r in recipients}
    narrowed = recipients if changes.keep_only is None else changes.keep_only & recipients
    return replace(changes, keep_only=None if changes.clear else narrowed, issued=kept)


def _copy(issued: EmbargoedCopyIssued, at: datetime) -> CopyRow:
    return CopyRow(
        release_id=issued.release_id,
        recipient=issued.recipient,
        revision=issued.revision,
        content_hash=issued.content_hash,
        lift_at=issued.lift_at,
        issued_at=at,
    )
