"""The approval part of the example story: the revised UK-Japan release through two stages,
then a second revision rejected, a force-approval and its retrospective approval."""

from __future__ import annotations

from datetime import UTC, datetime

from events import approval, drafting
from events.actor import Actor
from events.base import Message
from events.content import content_hash
from events.envelope import deterministic_id
from events.schemas.examples_story import RELEASE_ID, REVISED, SUBMIT, WRITER

HASH = content_hash(REVISED)
POLICY_LEAD = Actor(id="m.okafor", roles=["approver:policy"], organisation="fco")
LEGAL = Actor(id="r.singh", roles=["approver:legal"], organisation="fco")
EDITOR = Actor(id="k.ahmed", roles=["managing-editor"], organisation="fco")
EDITOR_2 = Actor(id="l.brown", roles=["managing-editor"], organisation="fco")
SYSTEM = Actor(id="pressroom-approval", roles=["system"])
STAGES = [
    approval.StagePlan(
        name="policy",
        roles=["approver:policy"],
        step=0,
        deadline_at=datetime(2016, 1, 8, 12, 0, tzinfo=UTC),
    ),
    approval.StagePlan(name="legal", roles=["approver:legal"], step=1),
]
REQUEST, APPROVE_1, APPROVE_2, REJECT, FORCE, RETRO, OVERDUE, INVALIDATE, REOPEN = (
    deterministic_id("example-approval", str(n)) for n in range(1, 10)
)

APPROVAL_STORY: list[tuple[Message, str, int | None]] = [
    (
        approval.RequestApproval(
            release_id=RELEASE_ID,
            actor=SYSTEM,
            revision=2,
            content_hash=HASH,
            organisation="fco",
            submitted_by=WRITER.id,
            authors=[WRITER.id],
            stages=STAGES,
            policy="fco@3",
        ),
        REQUEST,
        None,
    ),
    (
        approval.ApprovalRequested(
            release_id=RELEASE_ID,
            revision=2,
            content_hash=HASH,
            organisation="fco",
            submitted_by=WRITER.id,
            authors=[WRITER.id],
            stages=STAGES,
            policy="fco@3",
            one_person_may_fill_several_stages=False,
        ),
        REQUEST,
        1,
    ),
    (
        approval.ApproveStage(
            release_id=RELEASE_ID,
            actor=POLICY_LEAD,
            stage="policy",
            revision=2,
            content_hash=HASH,
            comment="Agreed with the Japan desk.",
        ),
        APPROVE_1,
        None,
    ),
    (
        approval.StageApproved(
            release_id=RELEASE_ID,
            stage="policy",
            revision=2,
            content_hash=HASH,
            approver=POLICY_LEAD.id,
            comment="Agreed with the Japan desk.",
        ),
        APPROVE_1,
        2,
    ),
    (
        approval.MarkOverdue(release_id=RELEASE_ID, actor=SYSTEM, stage="policy", revision=2),
        OVERDUE,
        None,
    ),
    (
        approval.ApprovalOverdue(
            release_id=RELEASE_ID, stage="policy", revision=2, deadline_at=STAGES[0].deadline_at
        ),
        OVERDUE,
        3,
    ),
    (
        approval.ApproveStage(
            release_id=RELEASE_ID, actor=LEGAL, stage="legal", revision=2, content_hash=HASH
        ),
        APPROVE_2,
        None,
    ),
    (
        approval.StageApproved(
            release_id=RELEASE_ID, stage="legal", revision=2, content_hash=HASH, approver=LEGAL.id
        ),
        APPROVE_2,
        4,
    ),
    (
        approval.ReleaseApproved(
            release_id=RELEASE_ID,
            revision=2,
            content_hash=HASH,
            approvers=[POLICY_LEAD.id, LEGAL.id],
        ),
        APPROVE_2,
        5,
    ),
    (
        approval.InvalidateApproval(
            release_id=RELEASE_ID, actor=SYSTEM, new_revision=3, new_content_hash=HASH
        ),
        INVALIDATE,
        None,
    ),
    (
        approval.ApprovalInvalidated(
            release_id=RELEASE_ID, revision=2, content_hash=HASH, new_revision=3, was_approved=True
        ),
        INVALIDATE,
        6,
    ),
    (
        approval.RejectRelease(
            release_id=RELEASE_ID,
            actor=LEGAL,
            stage="legal",
            reason="The second paragraph needs the MoD's clearance.",
        ),
        REJECT,
        None,
    ),
    (
        approval.ReleaseRejected(
            release_id=RELEASE_ID,
            stage="legal",
            revision=2,
            content_hash=HASH,
            reason="The second paragraph needs the MoD's clearance.",
            rejected_by=LEGAL.id,
        ),
        REJECT,
        7,
    ),
    (
        drafting.ReopenDraft(
            release_id=RELEASE_ID,
            actor=SYSTEM,
            revision=2,
            stage="legal",
            reason="The second paragraph needs the MoD's clearance.",
            rejected_by=LEGAL.id,
        ),
        REOPEN,
        None,
    ),
    (
        drafting.DraftReopened(
            release_id=RELEASE_ID,
            revision=2,
            stage="legal",
            reason="The second paragraph needs the MoD's clearance.",
            rejected_by=LEGAL.id,
        ),
        REOPEN,
        4,
    ),
    (
        approval.ForceApprove(
            release_id=RELEASE_ID,
            actor=EDITOR,
            reason="Embargo at 00:01; legal on leave, cleared by phone.",
        ),
        FORCE,
        None,
    ),
    (
        approval.ReleaseForceApproved(
            release_id=RELEASE_ID,
            revision=2,
            content_hash=HASH,
            reason="Embargo at 00:01; legal on leave, cleared by phone.",
            forced_by=EDITOR.id,
        ),
        FORCE,
        8,
    ),
    (
        approval.RetrospectivelyApprove(
            release_id=RELEASE_ID, actor=EDITOR_2, comment="Checked the next morning."
        ),
        RETRO,
        None,
    ),
    (
        approval.ReleaseRetrospectivelyApproved(
            release_id=RELEASE_ID,
            revision=2,
            content_hash=HASH,
            approved_by=EDITOR_2.id,
            comment="Checked the next morning.",
        ),
        RETRO,
        9,
    ),
]

__all__ = ["APPROVAL_STORY", "SUBMIT"]
