"""Publication's reactions to approval's, embargo's and drafting's events: pure functions from an
upstream event to publication's own command (docs/publication.md, "What publication hears")."""

from __future__ import annotations

from events.approval import ApprovalInvalidated, ReleaseApproved, ReleaseForceApproved
from events.base import Message
from events.drafting import DraftCreated, DraftRevised
from events.embargo import (
    EmbargoCancelled,
    EmbargoChanged,
    EmbargoLifted,
    EmbargoLiftedEarly,
    EmbargoSet,
    PublicationCleared,
    PublicationHeld,
)
from events.envelope import Envelope
from events.publication import (
    NoteApproval,
    NoteApprovalWithdrawn,
    NoteEmbargo,
    NoteEmbargoCancelled,
    NoteEmbargoLifted,
    NotePublicationCleared,
    NotePublicationHeld,
    NoteRevisionContent,
)
from services.publication.rules import SYSTEM_ACTOR


def reaction_to_approval(event: Envelope[Message]) -> Message | None:
    """Forced or not, an approval may go public; a retrospective one changes nothing public."""
    match event.data:
        case ReleaseApproved() | ReleaseForceApproved() as approved:
            return NoteApproval(
                release_id=approved.release_id, actor=SYSTEM_ACTOR,
                revision=approved.revision, content_hash=approved.content_hash,
            )  # fmt: skip
        case ApprovalInvalidated() as invalidated:
            # Sent even for a pending request: decide records nothing when nothing was approved.
            return NoteApprovalWithdrawn(
                release_id=invalidated.release_id, actor=SYSTEM_ACTOR,
                revision=invalidated.revision, content_hash=invalidated.content_hash,
                new_revision=invalidated.new_revision,
            )  # fmt: skip
        case _:
            return None


def reaction_to_embargo(event: Envelope[Message]) -> Message | None:
    """Copies and deferrals are embargo's business; the public only waits for the lift."""
    match event.data:
        case EmbargoSet() | EmbargoChanged() as held:
            return NoteEmbargo(release_id=held.release_id, actor=SYSTEM_ACTOR, lift_at=held.lift_at)
        case EmbargoCancelled() as cancelled:
            return NoteEmbargoCancelled(release_id=cancelled.release_id, actor=SYSTEM_ACTOR)
        case EmbargoLifted() | EmbargoLiftedEarly() as lifted:
            return NoteEmbargoLifted(
                release_id=lifted.release_id, actor=SYSTEM_ACTOR, revision=lifted.revision,
                content_hash=lifted.content_hash, lifted_at=lifted.lifted_at,
            )  # fmt: skip
        case _:
            return _embargo_answer(event)


def _embargo_answer(event: Envelope[Message]) -> Message | None:
    """Embargo's answer to a first edition publication asked for (services/embargo/clearance.py)."""
    match event.data:
        case PublicationCleared() as cleared:
            return NotePublicationCleared(
                release_id=cleared.release_id, actor=SYSTEM_ACTOR, revision=cleared.revision,
                content_hash=cleared.content_hash, cleared_at=cleared.cleared_at,
            )  # fmt: skip
        case PublicationHeld() as held:
            return NotePublicationHeld(
                release_id=held.release_id, actor=SYSTEM_ACTOR, lift_at=held.lift_at
            )
        case _:
            return None


def reaction_to_drafting(event: Envelope[Message]) -> Message | None:
    """Every revision's content, so the approved one is at hand when it may go public."""
    match event.data:
        case DraftCreated() | DraftRevised() as written:
            return NoteRevisionContent(
                release_id=written.release_id, actor=SYSTEM_ACTOR, revision=written.revision,
                content_hash=written.content_hash, content=written.content,
            )  # fmt: skip
        case _:
            return None
