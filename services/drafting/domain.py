"""Drafting's pure domain: the state of a draft, decide and evolve. No I/O, time passed in."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import assert_never

from pydantic import ValidationError

from events.actor import Actor
from events.content import ReleaseContent, content_hash
from events.drafting import (
    CorrectionStarted,
    CreateDraft,
    DiscardDraft,
    DraftCreated,
    DraftDiscarded,
    DraftingCommands,
    DraftingEvents,
    DraftReopened,
    DraftRevised,
    DraftSubmitted,
    NotePublished,
    PublicationNoted,
    ReopenDraft,
    ReviseDraft,
    StartCorrection,
    SubmitDraft,
)
from events.replies import OutcomeStatus, Rejection

WRITER = "writer"
CORRECTORS = (WRITER, "press-officer")


class Status(StrEnum):
    NONE = "none"
    DRAFT = "draft"
    SUBMITTED = "submitted"
    DISCARDED = "discarded"
    PUBLISHED = "published"  # the current revision is public: a correction reopens it


@dataclass(frozen=True)
class Draft:
    status: Status = Status.NONE
    version: int = 0  # stream version: how many events this release has
    revision: int = 0
    content: ReleaseContent | None = None
    hash: str = ""
    organisation: str = ""
    collaborators: tuple[str, ...] = field(default=())
    # Everyone who wrote this content, creator included: none of them may approve it.
    authors: tuple[str, ...] = field(default=())
    published_edition: int = 0  # the newest edition publication reported, 0 if never


class DraftNotFound(Rejection):
    status = OutcomeStatus.NOT_FOUND
    problem_type = "urn:pressroom:problem:release-not-found"
    title = "No such release"


class AlreadyExists(Rejection):
    problem_type = "urn:pressroom:problem:release-exists"
    title = "A release with this id already exists"


class StaleVersion(Rejection):
    problem_type = "urn:pressroom:problem:stale-version"
    title = "The release changed since you read it"


class WrongStatus(Rejection):
    problem_type = "urn:pressroom:problem:wrong-status"
    title = "The release is not in a state that allows this"


class NotAllowed(Rejection):
    status = OutcomeStatus.FORBIDDEN
    problem_type = "urn:pressroom:problem:forbidden"
    title = "You may not do this"


class InvalidContent(Rejection):
    status = OutcomeStatus.INVALID
    problem_type = "urn:pressroom:problem:invalid-content"
    title = "The content breaks a rule"


def initial_state() -> Draft:
    return Draft()


def decide(command: DraftingCommands, state: Draft, now: datetime) -> Sequence[DraftingEvents]:
    """The events a command causes, or a Rejection saying why not. `now` is unused so far."""
    match command:
        case CreateDraft():
            return _create(command, state)
        case ReviseDraft():
            return _revise(command, state)
        case SubmitDraft():
            return _submit(command, state)
        case DiscardDraft():
            return _discard(command, state)
        case ReopenDraft():
            return _reopen(command, state)
        case StartCorrection():
            return _start_correction(command, state)
        case NotePublished():
            return _note_published(command, state)
        case _:
            assert_never(command)


def evolve(state: Draft, event: DraftingEvents) -> Draft:
    state = replace(state, version=state.version + 1)
    match event:
        case DraftCreated():
            return replace(
                state,
                status=Status.DRAFT,
                revision=event.revision,
                content=event.content,
                hash=event.content_hash,
                organisation=event.organisation,
                collaborators=tuple(event.collaborators),
                authors=(event.created_by,),
            )
        case DraftRevised():
            # A revision of a submitted draft takes it back to draft: approvals bind one revision.
            return replace(
                state,
                status=Status.DRAFT,
                revision=event.revision,
                content=event.content,
                hash=event.content_hash,
                authors=_with(state.authors, event.revised_by),
            )
        case DraftSubmitted():
            return replace(state, status=Status.SUBMITTED)
        case DraftReopened():
            return replace(state, status=Status.DRAFT)
        case DraftDiscarded():
            return replace(state, status=Status.DISCARDED)
        case CorrectionStarted():
            return replace(state, status=Status.DRAFT)
        case PublicationNoted():
            # A newer revision already being written is the next edition's draft: it stays open.
            current = event.revision == state.revision and state.status is not Status.DISCARDED
            status = Status.PUBLISHED if current else state.status
            return replace(state, status=status, published_edition=event.edition)
        case _:
            assert_never(event)


def _create(command: CreateDraft, state: Draft) -> list[DraftingEvents]:
    if state.status is not Status.NONE:
        raise AlreadyExists(f"release {command.release_id} already exists")
    _require_writer(command.actor)
    organisation = command.content.lead_organisation
    if command.actor.organisation != organisation:
        raise NotAllowed(
            f"{command.actor.id} writes for {command.actor.organisation}, not {organisation}"
        )
    return [
        DraftCreated(
            release_id=command.release_id,
            revision=1,
            content=command.content,
            content_hash=content_hash(command.content),
            created_by=command.actor.id,
            organisation=organisation,
            collaborators=command.collaborators,
        )
    ]


def _revise(command: ReviseDraft, state: Draft) -> list[DraftingEvents]:
    current = _editable(state, command.actor, command.expected_version)
    try:
        content = command.changes.apply_to(current)
    except ValidationError as error:
        raise InvalidContent(str(error.errors()[0]["msg"])) from error
    if content.lead_organisation != state.organisation:
        # Approval policies, access and the press office all hang on the lead organisation.
        raise InvalidContent(
            f"the lead organisation stays {state.organisation}; list partners after it"
        )
    changed = [
        name
        for name in command.changes.present()
        if getattr(current, name) != getattr(content, name)
    ]
    if not changed:
        return []  # nothing to revise: no new revision, nothing for approvers to re-read
    return [
        DraftRevised(
            release_id=command.release_id,
            revision=state.revision + 1,
            content=content,
            content_hash=content_hash(content),
            changed_fields=changed,
            revised_by=command.actor.id,
        )
    ]


def _submit(command: SubmitDraft, state: Draft) -> list[DraftingEvents]:
    _editable(state, command.actor, command.expected_version)
    if state.status is Status.SUBMITTED:
        raise WrongStatus(f"revision {state.revision} is already submitted")
    return [
        DraftSubmitted(
            release_id=command.release_id,
            revision=state.revision,
            content_hash=state.hash,
            submitted_by=command.actor.id,
            organisation=state.organisation,
            authors=list(state.authors),
        )
    ]


def _reopen(command: ReopenDraft, state: Draft) -> list[DraftingEvents]:
    """Approval rejected it: the revision is editable again. A stale rejection changes nothing."""
    if state.status is not Status.SUBMITTED or command.revision != state.revision:
        return []
    return [
        DraftReopened(
            release_id=command.release_id,
            revision=command.revision,
            stage=command.stage,
            reason=command.reason,
            rejected_by=command.rejected_by,
        )
    ]


def _with(names: tuple[str, ...], name: str) -> tuple[str, ...]:
    return names if name in names else (*names, name)


def _discard(command: DiscardDraft, state: Draft) -> list[DraftingEvents]:
    _editable(state, command.actor, command.expected_version)
    if state.published_edition:
        raise WrongStatus("a published release is withdrawn or unpublished, not discarded")
    return [
        DraftDiscarded(
            release_id=command.release_id, discarded_by=command.actor.id, reason=command.reason
        )
    ]


def _editable(state: Draft, actor: Actor, expected_version: int | None) -> ReleaseContent:
    if state.status is Status.NONE or state.content is None:
        raise DraftNotFound("no draft with this id")
    _require_writer(actor)
    if actor.organisation != state.organisation and actor.id not in state.collaborators:
        raise NotAllowed(f"{actor.id} is neither in {state.organisation} nor a collaborator")
    if state.status is Status.DISCARDED:
        raise WrongStatus("the draft was discarded")
    if state.status is Status.PUBLISHED:
        raise WrongStatus(f"edition {state.published_edition} is public: start a correction")
    if expected_version is not None and expected_version != state.version:
        raise StaleVersion(
            f"you sent version {expected_version}; the release is at {state.version}"
        )
    return state.content


def _require_writer(actor: Actor) -> None:
    if not actor.has_role(WRITER):
        raise NotAllowed(f"{actor.id} lacks the role '{WRITER}'")


def _start_correction(command: StartCorrection, state: Draft) -> list[DraftingEvents]:
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


def _note_published(command: NotePublished, state: Draft) -> list[DraftingEvents]:
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
