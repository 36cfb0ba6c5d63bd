"""Publication's reactions to approval's, embargo's and drafting's events: pure functions from an
upstream event to publication's own command (docs/publication.md, "What publication hears")."""

from __future__ import annotations

from collections.abc import Mapping

from events.approval import ApprovalInvalidated, ReleaseApproved, ReleaseForceApproved
from events.base import Message
from events.content import ReleaseContent
from events.drafting import DraftSubmitted
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
from services.kit.policy import CannotReact, Reaction
from services.publication.revision_contents import ContentKey
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


def reaction_to_drafting(kept: Mapping[ContentKey, ReleaseContent | None]) -> Reaction:
    """A submitted revision's content, from what publication kept of drafting's events
    (services/publication/revision_contents.py): only a submitted revision can be approved and
    go public, so only its content is noted, once per submission, not once per revision. None
    kept: noted as an event already, before contents were kept in a table."""

    def react(event: Envelope[Message]) -> Message | None:
        match event.data:
            case DraftSubmitted() as submitted:
                key = (submitted.release_id, submitted.revision, submitted.content_hash)
                if key not in kept:
                    raise CannotReact(content_not_kept(*key))
                content = kept[key]
                if content is None:
                    return None
                return NoteRevisionContent(
                    release_id=submitted.release_id, actor=SYSTEM_ACTOR,
                    revision=submitted.revision, content_hash=submitted.content_hash,
                    content=content,
                )  # fmt: skip
            case _:
                return None

    return react


def content_not_kept(release_id: str, revision: int, content_hash: str) -> str:
    return (
        f"publication holds no content for revision {revision} of {release_id} (hash"
        f" {content_hash}): the DraftCreated or DraftRevised that wrote it never reached"
        " publication. Re-drive that event from publication's dead letters, then this one"
    )
