"""Approval's pure reactions to drafting's events, and the deadlines its own events imply."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from events.approval import (
    ApprovalInvalidated,
    ApprovalOverdue,
    ApprovalRequested,
    InvalidateApproval,
    MarkOverdue,
    ReleaseApproved,
    ReleaseForceApproved,
    ReleaseRejected,
    RequestApproval,
    StageApproved,
    StagePlan,
)
from events.base import Event, Message
from events.content import ReleaseContent, content_hash
from events.drafting import DraftCreated, DraftRevised, DraftSubmitted
from events.envelope import Envelope
from services.approval.deadlines import OVERDUE, deadline_changes, to_command
from services.approval.policies import parse_policies
from services.approval.reactions import SYSTEM_ACTOR, reaction_to_drafting
from services.kit.deadlines import Cancel, Deadline, Schedule
from tests.unit.given_when_then import NOW

RELEASE = "uk-japan-2016"
CONTENT = ReleaseContent(title="UK and Japan agree", organisations=["fco"])
HASH = content_hash(CONTENT)
POLICIES = parse_policies(
    {
        "version": 4,
        "default": {"stages": [{"name": "policy", "roles": ["approver:policy"]}]},
        "organisations": {
            "fco": {
                "mode": "ordered",
                "stages": [
                    {"name": "policy", "roles": ["approver:policy"], "deadline": "PT8H"},
                    {"name": "legal", "roles": ["approver:legal"]},
                ],
            }
        },
    },
    "test",
)
SUBMITTED = DraftSubmitted(
    release_id=RELEASE,
    revision=2,
    content_hash=HASH,
    submitted_by="alice",
    organisation="fco",
    authors=["alice", "bob"],
)
REVISED = DraftRevised(
    release_id=RELEASE,
    revision=3,
    content=CONTENT,
    content_hash=HASH,
    changed_fields=["title"],
    revised_by="bob",
)
STAGES = [
    StagePlan(
        name="policy", roles=["approver:policy"], step=0, deadline_at=NOW + timedelta(hours=8)
    ),
    StagePlan(name="legal", roles=["approver:legal"], step=1),
]
REQUESTED = ApprovalRequested(
    release_id=RELEASE,
    revision=2,
    content_hash=HASH,
    organisation="fco",
    submitted_by="alice",
    authors=["alice"],
    stages=STAGES,
    policy="fco@4",
    one_person_may_fill_several_stages=False,
)


def envelope(message: Message, at: datetime = NOW, event_id: str = "evt-1") -> Envelope[Any]:
    return Envelope[Message](
        id=event_id,
        source="/pressroom/drafting",
        time=at,
        subject=RELEASE,
        data=message,
        sequence=4,
        correlation_id="corr-1",
        actor="alice",
    )


def test_a_submission_asks_for_the_lead_organisations_stages_with_deadlines_from_then() -> None:
    later = NOW + timedelta(days=2)  # read long after: the deadlines still count from submission
    command = reaction_to_drafting(POLICIES)(envelope(SUBMITTED, at=NOW))
    assert command == RequestApproval(
        release_id=RELEASE,
        actor=SYSTEM_ACTOR,
        revision=2,
        content_hash=HASH,
        organisation="fco",
        submitted_by="alice",
        authors=["alice", "bob"],
        stages=STAGES,
        policy="fco@4",
    )
    assert command == reaction_to_drafting(POLICIES)(envelope(SUBMITTED, at=NOW))
    assert command != reaction_to_drafting(POLICIES)(envelope(SUBMITTED, at=later))


def test_an_organisation_without_a_policy_gets_the_default() -> None:
    other = SUBMITTED.model_copy(update={"organisation": "dfid"})
    command = reaction_to_drafting(POLICIES)(envelope(other))
    assert isinstance(command, RequestApproval) and command.policy == "default@4"
    assert [stage.name for stage in command.stages] == ["policy"]


def test_a_revision_invalidates_the_approval_of_earlier_ones() -> None:
    assert reaction_to_drafting(POLICIES)(envelope(REVISED)) == InvalidateApproval(
        release_id=RELEASE, actor=SYSTEM_ACTOR, new_revision=3, new_content_hash=HASH
    )


def test_other_drafting_events_need_no_approval_command() -> None:
    created = DraftCreated(
        release_id=RELEASE,
        revision=1,
        content=CONTENT,
        content_hash=HASH,
        created_by="alice",
        organisation="fco",
    )
    assert reaction_to_drafting(POLICIES)(envelope(created)) is None


def test_a_request_arms_one_overdue_deadline_per_stage_that_has_one() -> None:
    assert deadline_changes([envelope(REQUESTED, event_id="evt-7")]) == [
        Schedule(
            stream_id=RELEASE,
            kind=OVERDUE,
            key="2:policy",
            due_at=NOW + timedelta(hours=8),
            payload={
                "stage": "policy",
                "revision": 2,
                "correlation_id": "corr-1",
                "causation_id": "evt-7",
            },
        )
    ]


def test_an_approved_stage_disarms_its_own_deadline_only() -> None:
    approved = StageApproved(
        release_id=RELEASE, stage="policy", revision=2, content_hash=HASH, approver="erin"
    )
    assert deadline_changes([envelope(approved)]) == [Cancel(RELEASE, OVERDUE, "2:policy")]


def test_a_decided_or_superseded_request_disarms_all_its_deadlines() -> None:
    closing: list[Event] = [
        ReleaseApproved(release_id=RELEASE, revision=2, content_hash=HASH, approvers=["erin"]),
        ReleaseRejected(
            release_id=RELEASE, stage="legal", revision=2, content_hash=HASH, reason="no",
            rejected_by="frank",
        ),
        ApprovalInvalidated(
            release_id=RELEASE, revision=2, content_hash=HASH, new_revision=3, was_approved=False
        ),
        ReleaseForceApproved(
            release_id=RELEASE, revision=2, content_hash=HASH, reason="urgent", forced_by="kim"
        ),
    ]  # fmt: skip
    for event in closing:
        assert deadline_changes([envelope(event)]) == [Cancel(RELEASE, OVERDUE)]


def test_a_superseding_request_disarms_the_old_deadlines_before_arming_its_own() -> None:
    invalidated = ApprovalInvalidated(
        release_id=RELEASE, revision=1, content_hash=HASH, new_revision=2, was_approved=False
    )
    changes = deadline_changes([envelope(invalidated), envelope(REQUESTED)])
    assert [type(change) for change in changes] == [Cancel, Schedule]


def test_an_overdue_mark_changes_no_deadline() -> None:
    overdue = ApprovalOverdue(release_id=RELEASE, stage="policy", revision=2, deadline_at=NOW)
    assert deadline_changes([envelope(overdue)]) == []


def test_a_due_deadline_becomes_a_system_overdue_mark_for_its_stage_and_revision() -> None:
    due = Deadline(RELEASE, OVERDUE, "2:policy", NOW, {"stage": "policy", "revision": 2})
    assert to_command(due) == MarkOverdue(
        release_id=RELEASE, actor=SYSTEM_ACTOR, stage="policy", revision=2
    )
