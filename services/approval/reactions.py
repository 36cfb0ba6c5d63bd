"""Approval's reactions to drafting's events: pure functions from an event to approval's command."""

from __future__ import annotations

from datetime import datetime

from events.actor import Actor
from events.approval import InvalidateApproval, RequestApproval
from events.base import Message
from events.drafting import DraftRevised, DraftSubmitted
from events.envelope import Envelope
from services.approval.policies import PolicyFile, plan_for
from services.kit.policy import Reaction

# Who requests, invalidates and marks overdue: approval itself, never a person.
SYSTEM_ACTOR = Actor(id="pressroom-approval", roles=["system"])


def request_approval(
    submitted: DraftSubmitted, policies: PolicyFile, submitted_at: datetime
) -> RequestApproval:
    """The stages come from the lead organisation's policy as it stands now, fixed from then on."""
    plan = plan_for(policies, submitted.organisation, submitted_at)
    return RequestApproval(
        release_id=submitted.release_id,
        actor=SYSTEM_ACTOR,
        revision=submitted.revision,
        content_hash=submitted.content_hash,
        organisation=submitted.organisation,
        submitted_by=submitted.submitted_by,
        authors=submitted.authors,
        stages=plan.stages,
        policy=plan.policy,
        one_person_may_fill_several_stages=plan.one_person_may_fill_several_stages,
    )


def invalidate_approval(revised: DraftRevised) -> InvalidateApproval:
    """Approvals bind one revision: any later one invalidates what is pending or granted."""
    return InvalidateApproval(
        release_id=revised.release_id,
        actor=SYSTEM_ACTOR,
        new_revision=revised.revision,
        new_content_hash=revised.content_hash,
    )


def reaction_to_drafting(policies: PolicyFile) -> Reaction:
    """The policy agent's reaction: submissions ask for approval, revisions invalidate it."""

    def react(event: Envelope[Message]) -> Message | None:
        match event.data:
            case DraftSubmitted() as submitted:
                # Deadlines count from the submission, not from when we read it: a replay or a
                # restart after downtime plans the same stages with the same deadlines.
                return request_approval(submitted, policies, event.time)
            case DraftRevised() as revised:
                return invalidate_approval(revised)
            case _:
                return None

    return react
