"""Approval's state, its refusals and the guards that decide who may act on which stage."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from events.actor import Actor
from events.approval import ApproveStage, StagePlan
from events.replies import OutcomeStatus, Rejection
from events.rules import NotAllowed, require_role

MANAGING_EDITOR = "managing-editor"
# Requests, invalidations and overdue marks come from approval's own policies and scheduler.
SYSTEM = "system"


class Status(StrEnum):
    NONE = "none"  # no approval was ever requested
    PENDING = "pending"
    APPROVED = "approved"
    FORCED = "forced"  # approved by a managing editor, flagged until another one confirms it
    RETROSPECTIVELY_APPROVED = "retrospectively-approved"
    REJECTED = "rejected"  # closed: the draft went back to drafting
    INVALIDATED = "invalidated"  # closed: a later revision exists


DECIDED = (Status.APPROVED, Status.FORCED, Status.RETROSPECTIVELY_APPROVED)
LIVE = (Status.PENDING, *DECIDED)  # a request that still binds its revision


@dataclass(frozen=True)
class Approval:
    """The latest request of one release: one revision, its stages and who signed which."""

    status: Status = Status.NONE
    revision: int = 0
    hash: str = ""
    # The newest revision known to exist: requests for anything older are stale.
    latest_revision: int = 0
    submitted_by: str = ""
    organisation: str = ""  # the lead organisation: only its people act on the request
    authors: tuple[str, ...] = field(default=())
    stages: tuple[StagePlan, ...] = field(default=())
    one_person_may_fill_several_stages: bool = False
    approved: tuple[tuple[str, str], ...] = field(default=())  # (stage, approver)
    overdue: tuple[str, ...] = field(default=())
    forced_by: str = ""

    def stage(self, name: str) -> StagePlan | None:
        return next((stage for stage in self.stages if stage.name == name), None)

    def approver_of(self, stage: str) -> str | None:
        return dict(self.approved).get(stage)

    def approvers(self) -> list[str]:
        """Who approved, in the order of the plan, each named once."""
        names = (self.approver_of(stage.name) for stage in self.stages)
        return list(dict.fromkeys(name for name in names if name is not None))

    def all_approved_with(self, stage: str) -> bool:
        return all(plan.name == stage or self.approver_of(plan.name) for plan in self.stages)


class ApprovalNotFound(Rejection):
    status = OutcomeStatus.NOT_FOUND
    problem_type = "urn:pressroom:problem:approval-not-found"
    title = "No approval was ever requested for this release"


class NothingPending(Rejection):
    problem_type = "urn:pressroom:problem:approval-not-pending"
    title = "No approval is pending for this release"


class WrongRevision(Rejection):
    problem_type = "urn:pressroom:problem:revision-mismatch"
    title = "The approval is for another revision or content"


class StageNotOpen(Rejection):
    problem_type = "urn:pressroom:problem:stage-not-open"
    title = "An earlier stage is still pending"


class StageAlreadyApproved(Rejection):
    problem_type = "urn:pressroom:problem:stage-already-approved"
    title = "This stage is already approved"


class NotDueYet(Rejection):
    problem_type = "urn:pressroom:problem:deadline-not-reached"
    title = "The stage's deadline has not passed"


class UnknownStage(Rejection):
    status = OutcomeStatus.INVALID
    problem_type = "urn:pressroom:problem:unknown-stage"
    title = "The request has no such stage"


class InvalidRequest(Rejection):
    status = OutcomeStatus.INVALID
    problem_type = "urn:pressroom:problem:invalid-approval-command"
    title = "The command breaks a rule"


class FourEyes(Rejection):
    status = OutcomeStatus.FORBIDDEN
    problem_type = "urn:pressroom:problem:four-eyes"
    title = "Four eyes: someone else must approve this"


def require_request(state: Approval) -> None:
    if state.status is Status.NONE:
        raise ApprovalNotFound("no approval was ever requested for this release")


def require_pending(state: Approval) -> None:
    require_request(state)
    if state.status is not Status.PENDING:
        raise NothingPending(f"the request for revision {state.revision} is {state.status}")


def require_revision(state: Approval, revision: int | None, content_hash: str | None) -> None:
    """What the actor saw must be exactly the requested revision and content."""
    if revision is not None and revision != state.revision:
        raise WrongRevision(f"you saw revision {revision}; revision {state.revision} awaits")
    if content_hash is not None and content_hash != state.hash:
        raise WrongRevision(f"the content of revision {state.revision} is {state.hash}")


def require_latest(state: Approval, revision: int, content_hash: str) -> None:
    """A request never goes back to an older revision, nor gives a revision other content."""
    if revision < state.latest_revision:
        raise WrongRevision(f"revision {revision} was superseded by {state.latest_revision}")
    if revision == state.revision and content_hash != state.hash:
        raise WrongRevision(f"revision {state.revision} has the content {state.hash}")


def require_system(actor: Actor, doing: str) -> None:
    require_role(actor, (SYSTEM,), doing)


def require_distinct_stages(stages: list[StagePlan]) -> None:
    names = [stage.name for stage in stages]
    if len(set(names)) != len(names):
        raise InvalidRequest(f"stage names must differ: {', '.join(names)}")


def require_reason(reason: str, what: str) -> None:
    # The contract already refuses a blank reason; this guards commands built without validation.
    if not reason.strip():
        raise InvalidRequest(f"{what} needs a reason")


def known_stage(state: Approval, name: str) -> StagePlan:
    stage = state.stage(name)
    if stage is None:
        valid = ", ".join(plan.name for plan in state.stages)
        raise UnknownStage(f"revision {state.revision} has no stage '{name}'; its stages: {valid}")
    return stage


def require_fresh_eyes(state: Approval, actor: Actor) -> None:
    """Invariant 3: nobody approves a revision they wrote or submitted."""
    if actor.id in state.authors:
        raise FourEyes(f"{actor.id} wrote revision {state.revision}")
    if actor.id == state.submitted_by:
        raise FourEyes(f"{actor.id} submitted revision {state.revision}")


def require_lead_organisation(state: Approval, actor: Actor, doing: str) -> None:
    """Only the lead organisation's people approve, reject or force its releases: a partner's
    (or a collaborator's) approving role counts for nothing here."""
    if actor.organisation != state.organisation:
        raise NotAllowed(
            f"{actor.id} may not {doing}: only the lead organisation ({state.organisation}) may"
        )


def require_open(state: Approval, stage: StagePlan) -> None:
    waiting = [
        plan.name
        for plan in state.stages
        if plan.step < stage.step and state.approver_of(plan.name) is None
    ]
    if waiting:
        raise StageNotOpen(f"stage '{stage.name}' opens after {', '.join(waiting)}")


def require_undecided(state: Approval, stage: StagePlan) -> None:
    approver = state.approver_of(stage.name)
    if approver is not None:
        raise StageAlreadyApproved(f"{approver} approved '{stage.name}' of this revision")


def require_one_stage_each(state: Approval, actor: Actor) -> None:
    if state.one_person_may_fill_several_stages:
        return
    filled = [stage for stage, approver in state.approved if approver == actor.id]
    if filled:
        raise FourEyes(f"{actor.id} already approved '{filled[0]}' of this revision")


def signable_stage(state: Approval, command: ApproveStage) -> StagePlan:
    """The stage this actor may approve now, or the Rejection saying why not."""
    require_request(state)
    stage = known_stage(state, command.stage)
    require_role(command.actor, stage.roles, f"approve stage '{stage.name}'")
    require_lead_organisation(state, command.actor, f"approve stage '{stage.name}'")
    require_fresh_eyes(state, command.actor)
    require_pending(state)
    require_revision(state, command.revision, command.content_hash)
    require_open(state, stage)
    require_undecided(state, stage)
    require_one_stage_each(state, command.actor)
    return stage
