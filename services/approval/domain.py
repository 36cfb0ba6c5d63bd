"""Approval's pure domain: decide and evolve for one release. No I/O; time is passed in."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import assert_never

from events.approval import (
    ApprovalCommands,
    ApprovalEvents,
    ApprovalInvalidated,
    ApprovalOverdue,
    ApprovalRequested,
    ApproveStage,
    ForceApprove,
    InvalidateApproval,
    MarkOverdue,
    RejectRelease,
    ReleaseApproved,
    ReleaseForceApproved,
    ReleaseRejected,
    ReleaseRetrospectivelyApproved,
    RequestApproval,
    RetrospectivelyApprove,
    StageApproved,
)
from events.rules import require_role
from services.approval.rules import (
    DECIDED,
    LIVE,
    MANAGING_EDITOR,
    Approval,
    FourEyes,
    NotDueYet,
    NothingPending,
    Status,
    known_stage,
    require_distinct_stages,
    require_fresh_eyes,
    require_latest,
    require_lead_organisation,
    require_open,
    require_pending,
    require_reason,
    require_request,
    require_revision,
    require_system,
    require_undecided,
    signable_stage,
)


def initial_state() -> Approval:
    return Approval()


def decide(command: ApprovalCommands, state: Approval, now: datetime) -> Sequence[ApprovalEvents]:
    """The events a command causes, or a Rejection saying why not."""
    match command:
        case RequestApproval():
            return _request(command, state)
        case InvalidateApproval():
            return _invalidate(command, state)
        case ApproveStage():
            return _approve(command, state)
        case RejectRelease():
            return _reject(command, state)
        case ForceApprove():
            return _force(command, state)
        case RetrospectivelyApprove():
            return _confirm_forced(command, state)
        case MarkOverdue():
            return _mark_overdue(command, state, now)
        case _:
            assert_never(command)


def evolve(state: Approval, event: ApprovalEvents) -> Approval:
    match event:
        case ApprovalRequested():
            # A fresh request: nothing signed for an earlier revision or request carries over.
            return Approval(
                status=Status.PENDING,
                revision=event.revision,
                hash=event.content_hash,
                latest_revision=max(state.latest_revision, event.revision),
                submitted_by=event.submitted_by,
                organisation=event.organisation,
                authors=tuple(event.authors),
                stages=tuple(event.stages),
                one_person_may_fill_several_stages=event.one_person_may_fill_several_stages,
            )
        case StageApproved():
            return replace(state, approved=(*state.approved, (event.stage, event.approver)))
        case ReleaseApproved():
            return replace(state, status=Status.APPROVED)
        case ReleaseRejected():
            return replace(state, status=Status.REJECTED)
        case ApprovalInvalidated():
            latest = max(state.latest_revision, event.new_revision)
            return replace(state, status=Status.INVALIDATED, latest_revision=latest)
        case ReleaseForceApproved():
            return replace(state, status=Status.FORCED, forced_by=event.forced_by)
        case ReleaseRetrospectivelyApproved():
            return replace(state, status=Status.RETROSPECTIVELY_APPROVED)
        case ApprovalOverdue():
            return replace(state, overdue=(*state.overdue, event.stage))
        case _:
            assert_never(event)


def _request(command: RequestApproval, state: Approval) -> list[ApprovalEvents]:
    require_system(command.actor, "request an approval")
    require_distinct_stages(command.stages)
    same = (command.revision, command.content_hash) == (state.revision, state.hash)
    if same and state.status in LIVE:
        return []  # the same submission seen again: the request stands
    require_latest(state, command.revision, command.content_hash)
    # Normally InvalidateApproval came first; if not, the newer submission still supersedes.
    superseded = (
        _invalidated(command.release_id, state, command.revision) if state.status in LIVE else []
    )
    return [*superseded, _requested(command)]


def _requested(command: RequestApproval) -> ApprovalRequested:
    return ApprovalRequested(
        release_id=command.release_id,
        revision=command.revision,
        content_hash=command.content_hash,
        organisation=command.organisation,
        submitted_by=command.submitted_by,
        authors=command.authors,
        stages=command.stages,
        policy=command.policy,
        one_person_may_fill_several_stages=command.one_person_may_fill_several_stages,
    )


def _invalidate(command: InvalidateApproval, state: Approval) -> list[ApprovalEvents]:
    require_system(command.actor, "invalidate an approval")
    if state.status not in LIVE or command.new_revision <= state.revision:
        return []  # nothing binds an older revision any more
    return _invalidated(command.release_id, state, command.new_revision)


def _invalidated(release_id: str, state: Approval, new_revision: int) -> list[ApprovalEvents]:
    return [
        ApprovalInvalidated(
            release_id=release_id,
            revision=state.revision,
            content_hash=state.hash,
            new_revision=new_revision,
            was_approved=state.status in DECIDED,
        )
    ]


def _approve(command: ApproveStage, state: Approval) -> list[ApprovalEvents]:
    stage = signable_stage(state, command)
    approved = StageApproved(
        release_id=command.release_id,
        stage=stage.name,
        revision=state.revision,
        content_hash=state.hash,
        approver=command.actor.id,
        comment=command.comment,
    )
    if not state.all_approved_with(stage.name):
        return [approved]
    signed = evolve(state, approved)
    release = ReleaseApproved(
        release_id=command.release_id,
        revision=signed.revision,
        content_hash=signed.hash,
        approvers=signed.approvers(),
    )
    return [approved, release]


def _reject(command: RejectRelease, state: Approval) -> list[ApprovalEvents]:
    require_request(state)
    stage = known_stage(state, command.stage)
    require_role(command.actor, stage.roles, f"reject at stage '{stage.name}'")
    require_lead_organisation(state, command.actor, f"reject at stage '{stage.name}'")
    require_reason(command.reason, "a rejection")
    require_pending(state)
    require_revision(state, command.revision, None)
    require_open(state, stage)
    require_undecided(state, stage)
    return [
        ReleaseRejected(
            release_id=command.release_id,
            stage=stage.name,
            revision=state.revision,
            content_hash=state.hash,
            reason=command.reason,
            rejected_by=command.actor.id,
        )
    ]


def _force(command: ForceApprove, state: Approval) -> list[ApprovalEvents]:
    require_request(state)
    require_role(command.actor, (MANAGING_EDITOR,), "force an approval")
    require_lead_organisation(state, command.actor, "force an approval")
    require_reason(command.reason, "a forced approval")
    require_fresh_eyes(state, command.actor)
    require_pending(state)
    require_revision(state, command.revision, None)
    return [
        ReleaseForceApproved(
            release_id=command.release_id,
            revision=state.revision,
            content_hash=state.hash,
            reason=command.reason,
            forced_by=command.actor.id,
        )
    ]


def _confirm_forced(command: RetrospectivelyApprove, state: Approval) -> list[ApprovalEvents]:
    require_request(state)
    require_role(command.actor, (MANAGING_EDITOR,), "approve retrospectively")
    require_lead_organisation(state, command.actor, "approve retrospectively")
    require_fresh_eyes(state, command.actor)
    if state.status is not Status.FORCED:
        raise NothingPending(f"revision {state.revision} is {state.status}, not force-approved")
    if command.actor.id == state.forced_by:
        raise FourEyes(f"{command.actor.id} forced this approval; another editor must confirm it")
    confirmed = ReleaseRetrospectivelyApproved(
        release_id=command.release_id,
        revision=state.revision,
        content_hash=state.hash,
        approved_by=command.actor.id,
        comment=command.comment,
    )
    return [confirmed]


def _mark_overdue(command: MarkOverdue, state: Approval, now: datetime) -> list[ApprovalEvents]:
    require_system(command.actor, "mark a stage overdue")
    require_request(state)
    if command.revision != state.revision or state.status is not Status.PENDING:
        return []  # a decided or superseded request is late for nobody
    stage = known_stage(state, command.stage)
    signed = state.approver_of(stage.name) is not None
    if signed or stage.name in state.overdue or stage.deadline_at is None:
        return []
    if now < stage.deadline_at:
        raise NotDueYet(f"stage '{stage.name}' is due at {stage.deadline_at.isoformat()}")
    return [
        ApprovalOverdue(
            release_id=command.release_id,
            stage=stage.name,
            revision=state.revision,
            deadline_at=stage.deadline_at,
        )
    ]
