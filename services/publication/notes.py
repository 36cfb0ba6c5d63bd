"""What publication hears from approval, drafting and embargo: each note is recorded once.

Every function returns the event that records something new, or None for what changes nothing
(a replay, a stale approval, a late copy of an old embargo)."""

from __future__ import annotations

from events.publication import (
    ApprovalWithdrawnNoted,
    ApprovedRevisionNoted,
    EmbargoCancellationNoted,
    EmbargoLiftNoted,
    EmbargoNoted,
    NoteApproval,
    NoteApprovalWithdrawn,
    NoteEmbargo,
    NoteEmbargoCancelled,
    NoteEmbargoLifted,
    NotePublicationCleared,
    NotePublicationHeld,
    NoteRevisionContent,
    PublicationClearanceNoted,
    RevisionContentNoted,
)
from services.publication.rules import (
    EMBARGO_FINAL,
    Approved,
    EmbargoStatus,
    Publication,
    Snapshot,
    require_system,
)


def approval(command: NoteApproval, state: Publication) -> ApprovedRevisionNoted | None:
    require_system(command.actor, "note an approval")
    approved = Approved(command.revision, command.content_hash)
    if approved == state.approved or command.revision < state.latest_revision:
        return None  # seen already, or approval of a revision that was superseded since
    return ApprovedRevisionNoted(
        release_id=command.release_id, revision=command.revision, content_hash=command.content_hash
    )


def withdrawal(command: NoteApprovalWithdrawn, state: Publication) -> ApprovalWithdrawnNoted | None:
    require_system(command.actor, "note a withdrawn approval")
    approved = state.approved
    if approved is None or command.new_revision <= approved.revision:
        return None  # nothing approved, or the invalidation is older than the approval
    return ApprovalWithdrawnNoted(
        release_id=command.release_id, revision=approved.revision,
        content_hash=approved.content_hash, new_revision=command.new_revision,
    )  # fmt: skip


def content(command: NoteRevisionContent, state: Publication) -> RevisionContentNoted | None:
    require_system(command.actor, "note a revision's content")
    shot = Snapshot(command.revision, command.content_hash, command.content)
    too_old = state.approved is not None and command.revision < state.approved.revision
    if too_old or state.snapshot(command.revision) == shot:
        return None  # never publishable again, or seen already
    return RevisionContentNoted(
        release_id=command.release_id, revision=command.revision,
        content_hash=command.content_hash, content=command.content,
    )  # fmt: skip


def embargo(command: NoteEmbargo | NotePublicationHeld, state: Publication) -> EmbargoNoted | None:
    require_system(command.actor, "note an embargo")
    if state.embargo in EMBARGO_FINAL:
        return None  # an embargo lifts once; a late copy of an old one holds nothing back
    if state.embargo is EmbargoStatus.ACTIVE and state.lift_at == command.lift_at:
        return None
    return EmbargoNoted(release_id=command.release_id, lift_at=command.lift_at)


def clearance(
    command: NotePublicationCleared, state: Publication
) -> PublicationClearanceNoted | None:
    """Embargo's word that no embargo holds the release; after a lift it tells nothing new."""
    require_system(command.actor, "note a cleared publication")
    if state.embargo in EMBARGO_FINAL:
        return None
    return PublicationClearanceNoted(
        release_id=command.release_id, revision=command.revision,
        content_hash=command.content_hash, cleared_at=command.cleared_at,
    )  # fmt: skip


def cancellation(
    command: NoteEmbargoCancelled, state: Publication
) -> EmbargoCancellationNoted | None:
    require_system(command.actor, "note a cancelled embargo")
    if state.embargo is not EmbargoStatus.ACTIVE:
        return None
    return EmbargoCancellationNoted(release_id=command.release_id)


def lift(command: NoteEmbargoLifted, state: Publication) -> EmbargoLiftNoted | None:
    require_system(command.actor, "note a lifted embargo")
    if state.embargo is not EmbargoStatus.ACTIVE:
        return None  # lifted already, or cancelled: a cancelled embargo is published by hand
    return EmbargoLiftNoted(
        release_id=command.release_id, revision=command.revision,
        content_hash=command.content_hash, lifted_at=command.lifted_at,
    )  # fmt: skip
