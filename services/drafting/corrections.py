"""Drafting after publication: publication's note that an edition is public, and corrections."""

from __future__ import annotations

from events.drafting import (
    CorrectionStarted,
    DraftingEvents,
    NotePublished,
    PublicationNoted,
    StartCorrection,
)
from events.rules import NotAllowed
from services.drafting.rules import (
    CORRECTORS,
    Draft,
    DraftNotFound,
    StaleVersion,
    Status,
    WrongStatus,
)


def start_correction(command: StartCorrection, state: Draft) -> list[DraftingEvents]:
    if state.status is Status.NONE:
        raise DraftNotFound("no draft with this id")
    actor = command.actor
    if not any(actor.has_role(role) for role in CORRECTORS):
        raise NotAllowed(
            f"{actor.id} may not correct a release: it takes a writer or press officer"
        )
    if actor.organisation != state.organisation and actor.id not in state.collaborators:
        raise NotAllowed(f"{actor.id} is neither in {state.organisation} nor a collaborator")
    if state.status is not Status.PUBLISHED:
        raise WrongStatus(f"only a published release is corrected; this one is {state.status}")
    if command.expected_version is not None and command.expected_version != state.version:
        raise StaleVersion(f"you sent version {command.expected_version}; it is at {state.version}")
    return [
        CorrectionStarted(
            release_id=command.release_id, edition_being_corrected=state.published_edition,
            revision=state.revision, started_by=actor.id,
        )
    ]  # fmt: skip


def note_published(command: NotePublished, state: Draft) -> list[DraftingEvents]:
    """Publication's word that an edition is public; a replayed or older edition changes nothing."""
    if not command.actor.has_role("system"):
        raise NotAllowed(f"{command.actor.id} may not report a publication")
    if state.status is Status.NONE or command.edition <= state.published_edition:
        return []
    return [
        PublicationNoted(
            release_id=command.release_id, edition=command.edition, revision=command.revision
        )
    ]
