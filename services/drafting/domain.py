"""Drafting's pure domain: the state of a draft, decide and evolve. No I/O, time passed in."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
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
from events.rules import NotAllowed
from services.drafting.corrections import note_published, start_correction
from services.drafting.rules import (
    CORRECTORS,
    WRITER,
    AlreadyExists,
    Draft,
    DraftNotFound,
    InvalidContent,
    StaleVersion,
    Status,
    WrongStatus,
)

__all__ = [
    "CORRECTORS",
    "WRITER",
    "AlreadyExists",
    "Draft",
    "DraftNotFound",
    "InvalidContent",
    "NotAllowed",
    "StaleVersion",
    "Status",
    "WrongStatus",
    "decide",
    "evolve",
    "initial_state",
]


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
            return start_correction(command, state)
        case NotePublished():
            return note_published(command, state)
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
    content = state.content
    if state.status is Status.NONE or content is None:
        raise DraftNotFound("no draft with this id")
    if actor.organisation != state.organisation and actor.id not in state.collaborators:
        if actor.organisation not in content.organisations:
            # Not yours and not there get the same answer: release ids cannot be probed.
            raise DraftNotFound("no draft with this id")
        raise NotAllowed(
            f"{actor.id}'s {actor.organisation} is a partner; {state.organisation} leads"
        )
    _require_writer(actor)
    if state.status is Status.DISCARDED:
        raise WrongStatus("the draft was discarded")
    if state.status is Status.PUBLISHED:
        raise WrongStatus(f"edition {state.published_edition} is public: start a correction")
    if expected_version is not None and expected_version != state.version:
        raise StaleVersion(
            f"you sent version {expected_version}; the release is at {state.version}"
        )
    return content


def _require_writer(actor: Actor) -> None:
    if not actor.has_role(WRITER):
        raise NotAllowed(f"{actor.id} lacks the role '{WRITER}'")
