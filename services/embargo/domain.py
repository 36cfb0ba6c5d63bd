"""Embargo's pure domain: decide and evolve for one release. No I/O; time is passed in."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import assert_never

from events.embargo import (
    ApprovalWithdrawnNoted,
    ApprovedRevisionNoted,
    CancelEmbargo,
    ChangeEmbargo,
    ClearPublication,
    EmbargoCancelled,
    EmbargoChanged,
    EmbargoCommands,
    EmbargoedCopyIssued,
    EmbargoEvents,
    EmbargoLiftDeferred,
    EmbargoLifted,
    EmbargoLiftedEarly,
    EmbargoSet,
    IssueEmbargoedCopies,
    LiftEmbargo,
    LiftEmbargoEarly,
    NoteApproval,
    NoteApprovalWithdrawn,
    PublicationCleared,
    PublicationHeld,
    SetEmbargo,
)
from services.embargo.clearance import clearance
from services.embargo.rules import (
    Approved,
    Embargo,
    EmbargoExists,
    NotDueYet,
    Status,
    Terms,
    copy_of,
    lifted,
    require_active,
    require_approved,
    require_not_lifted,
    require_press_office,
    require_system,
    require_valid_terms,
    require_version,
)


def initial_state() -> Embargo:
    return Embargo()


def decide(command: EmbargoCommands, state: Embargo, now: datetime) -> Sequence[EmbargoEvents]:
    """The events a command causes, or a Rejection saying why not."""
    match command:
        case SetEmbargo():
            return _set(command, state, now)
        case ChangeEmbargo():
            return _change(command, state, now)
        case CancelEmbargo():
            return _cancel(command, state)
        case LiftEmbargoEarly():
            return _lift_early(command, state, now)
        case NoteApproval():
            return _note_approval(command, state, now)
        case NoteApprovalWithdrawn():
            return _note_withdrawn(command, state)
        case IssueEmbargoedCopies():
            return _issue(command, state, now)
        case LiftEmbargo():
            return _lift(command, state, now)
        case ClearPublication():
            return [clearance(command, state, now)]
        case _:
            assert_never(command)


def evolve(state: Embargo, event: EmbargoEvents) -> Embargo:
    state = replace(state, version=state.version + 1)
    match event:
        case EmbargoSet():
            # A new embargo: copies sent under a cancelled one do not count for it.
            terms = Terms.of(event.lift_at, event.recipients, event.pre_release_at)
            return replace(
                state, status=Status.ACTIVE, terms=terms, deferred=False, issued=frozenset()
            )
        case EmbargoChanged():
            terms = Terms.of(event.lift_at, event.recipients, event.pre_release_at)
            return replace(state, terms=terms, deferred=False)
        case EmbargoCancelled():
            return replace(state, status=Status.CANCELLED, terms=None, deferred=False)
        case ApprovedRevisionNoted():
            approved = Approved(event.revision, event.content_hash)
            latest = max(state.latest_revision, event.revision)
            return replace(state, approved=approved, latest_revision=latest)
        case ApprovalWithdrawnNoted():
            latest = max(state.latest_revision, event.new_revision)
            return replace(state, approved=None, latest_revision=latest)
        case EmbargoedCopyIssued():
            return replace(state, issued=state.issued | {copy_of(event)})
        case EmbargoLiftDeferred():
            return replace(state, deferred=True)
        case EmbargoLifted() | EmbargoLiftedEarly():
            return replace(state, status=Status.LIFTED, deferred=False)
        case PublicationCleared():
            # Public from now on: lifted stays lifted, anything else can never be embargoed.
            lifted_already = state.status is Status.LIFTED
            return replace(state, status=Status.LIFTED if lifted_already else Status.CLEARED)
        case PublicationHeld():
            return state  # an answer, not a change: the embargo holds as it did
        case _:
            assert_never(event)


def _set(command: SetEmbargo, state: Embargo, now: datetime) -> list[EmbargoEvents]:
    require_press_office(command.actor, "set an embargo")
    require_not_lifted(state)
    require_version(state, command.expected_version)
    terms = Terms.of(command.lift_at, command.recipients, command.pre_release_at)
    if state.status is Status.ACTIVE:
        if terms == state.terms:
            return []  # the same embargo sent again: it stands
        raise EmbargoExists("the release is already under embargo: send ChangeEmbargo")
    require_valid_terms(terms, now)
    embargo_set = EmbargoSet(
        release_id=command.release_id,
        lift_at=terms.lift_at,
        recipients=list(terms.recipients),
        pre_release_at=terms.pre_release_at,
        set_by=command.actor.id,
    )
    return _with_consequences(state, embargo_set, now)


def _change(command: ChangeEmbargo, state: Embargo, now: datetime) -> list[EmbargoEvents]:
    require_press_office(command.actor, "change an embargo")
    current = require_active(state)
    require_version(state, command.expected_version)
    terms = Terms.of(command.lift_at, command.recipients, command.pre_release_at)
    if terms == current:
        return []
    require_valid_terms(terms, now)
    changed = EmbargoChanged(
        release_id=command.release_id,
        lift_at=terms.lift_at,
        recipients=list(terms.recipients),
        pre_release_at=terms.pre_release_at,
        previous_lift_at=current.lift_at,
        changed_by=command.actor.id,
    )
    return _with_consequences(state, changed, now)


def _cancel(command: CancelEmbargo, state: Embargo) -> list[EmbargoEvents]:
    require_press_office(command.actor, "cancel an embargo")
    current = require_active(state)
    require_version(state, command.expected_version)
    return [
        EmbargoCancelled(
            release_id=command.release_id,
            lift_at=current.lift_at,
            cancelled_by=command.actor.id,
            reason=command.reason,
        )
    ]


def _lift_early(command: LiftEmbargoEarly, state: Embargo, now: datetime) -> list[EmbargoEvents]:
    require_press_office(command.actor, "lift an embargo early")
    current = require_active(state)
    require_version(state, command.expected_version)
    approved = require_approved(state)
    if state.lift_due(now):
        return [lifted(command.release_id, current, approved, now)]  # not early: just late
    return [
        EmbargoLiftedEarly(
            release_id=command.release_id,
            lift_at=current.lift_at,
            reason=command.reason,
            lifted_by=command.actor.id,
            lifted_at=now,
            revision=approved.revision,
            content_hash=approved.content_hash,
        )
    ]


def _note_approval(command: NoteApproval, state: Embargo, now: datetime) -> list[EmbargoEvents]:
    require_system(command.actor, "note an approval")
    approved = Approved(command.revision, command.content_hash)
    if approved == state.approved or command.revision < state.latest_revision:
        return []  # seen already, or approval of a revision that was superseded since
    noted = ApprovedRevisionNoted(
        release_id=command.release_id,
        revision=command.revision,
        content_hash=command.content_hash,
    )
    return _with_consequences(state, noted, now)


def _note_withdrawn(command: NoteApprovalWithdrawn, state: Embargo) -> list[EmbargoEvents]:
    require_system(command.actor, "note a withdrawn approval")
    approved = state.approved
    if approved is None or command.new_revision <= approved.revision:
        return []  # nothing approved, or the invalidation is older than the approval
    return [
        ApprovalWithdrawnNoted(
            release_id=command.release_id,
            revision=approved.revision,
            content_hash=approved.content_hash,
            new_revision=command.new_revision,
        )
    ]


def _issue(command: IssueEmbargoedCopies, state: Embargo, now: datetime) -> list[EmbargoEvents]:
    require_system(command.actor, "issue embargoed copies")
    scheduled = command.scheduled_pre_release_at
    if state.status is not Status.ACTIVE or state.terms is None:
        return []  # cancelled or lifted since it was scheduled
    if scheduled != state.terms.pre_release_at:
        return []  # a pre-release time that was changed since: its own deadline fires
    if now < scheduled:
        raise NotDueYet(f"copies go out at {scheduled.isoformat()}")
    return [*state.copies_due(command.release_id, now)]


def _lift(command: LiftEmbargo, state: Embargo, now: datetime) -> list[EmbargoEvents]:
    require_system(command.actor, "lift an embargo")
    scheduled = command.scheduled_lift_at
    if state.status is not Status.ACTIVE or state.terms is None:
        return []  # cancelled or lifted since it was scheduled
    if scheduled != state.terms.lift_at:
        return []  # a stale lift: the embargo was changed after this was scheduled
    if now < scheduled:
        raise NotDueYet(f"the embargo lifts at {scheduled.isoformat()}")  # never early
    if state.approved is None:  # nothing is lifted unapproved: it lifts at the next approval
        deferred = EmbargoLiftDeferred(
            release_id=command.release_id, lift_at=scheduled, deferred_at=now
        )
        return [] if state.deferred else [deferred]
    return [lifted(command.release_id, state.terms, state.approved, now)]


def _with_consequences(state: Embargo, event: EmbargoEvents, now: datetime) -> list[EmbargoEvents]:
    """After `event`: lift if the lift is due and a revision approved, else send the copies due."""
    after = evolve(state, event)
    if after.lift_due(now) and after.approved is not None and after.terms is not None:
        return [event, lifted(event.release_id, after.terms, after.approved, now)]
    return [event, *after.copies_due(event.release_id, now)]
