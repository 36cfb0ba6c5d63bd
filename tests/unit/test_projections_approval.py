"""The pure projections of approval: release row, board status, inbox and history."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from events.approval import (
    ApprovalInvalidated,
    ApprovalOverdue,
    ApprovalRequested,
    ReleaseApproved,
    ReleaseForceApproved,
    ReleaseRejected,
    ReleaseRetrospectivelyApproved,
    StageApproved,
    StagePlan,
)
from events.base import Message
from events.content import ContentChanges, ReleaseContent, content_hash
from events.drafting import DraftCreated, DraftReopened, DraftRevised, DraftSubmitted
from events.envelope import Envelope, source_of
from events.kafka import encode
from services.projector.batch import Consumed, plan_batch, route
from services.projector.history import history_entry
from services.projector.inbox import inbox_rows
from services.projector.releases import ReleaseRow, evolve_release

T0 = datetime(2016, 5, 4, 9, 0, tzinfo=UTC)
DEADLINE = datetime(2016, 5, 5, 17, 0, tzinfo=UTC)
RELEASE = "rel-1"
CONTENT = ReleaseContent(title="UK and Japan", body="Defence.", organisations=["fco", "mod"])
V2 = ContentChanges(body="Defence and security.").apply_to(CONTENT)
HASH1, HASH2 = content_hash(CONTENT), content_hash(V2)
TWO_STAGES = [
    StagePlan(name="policy", roles=["approver:policy"], step=0, deadline_at=DEADLINE),
    StagePlan(name="legal", roles=["approver:legal", "managing-editor"], step=1),
]


def env(event: Message, sequence: int, minute: int, actor: str = "alice") -> Envelope[Message]:
    return Envelope[Message](
        id=f"{event.service}-{sequence}",
        source=source_of(event.service),
        time=T0 + timedelta(minutes=minute),
        subject=RELEASE,
        data=event,
        sequence=sequence,
        correlation_id="corr-1",
        causation_id=f"cmd-{event.service}-{sequence}",
        actor=actor,
    )


def created(minute: int = 0) -> Envelope[Message]:
    event = DraftCreated(
        release_id=RELEASE,
        revision=1,
        content=CONTENT,
        content_hash=HASH1,
        created_by="alice",
        organisation="fco",
    )
    return env(event, 1, minute)


def submitted(sequence: int = 2, minute: int = 1, revision: int = 1) -> Envelope[Message]:
    hashed = HASH1 if revision == 1 else HASH2
    event = DraftSubmitted(
        release_id=RELEASE,
        revision=revision,
        content_hash=hashed,
        submitted_by="alice",
        organisation="fco",
        authors=["alice"],
    )
    return env(event, sequence, minute)


def revised(sequence: int = 3, minute: int = 5) -> Envelope[Message]:
    event = DraftRevised(
        release_id=RELEASE,
        revision=2,
        content=V2,
        content_hash=HASH2,
        changed_fields=["body"],
        revised_by="alice",
    )
    return env(event, sequence, minute)


def requested(
    sequence: int = 1, minute: int = 2, revision: int = 1, stages: Sequence[StagePlan] = TWO_STAGES
) -> Envelope[Message]:
    event = ApprovalRequested(
        release_id=RELEASE,
        revision=revision,
        content_hash=HASH1 if revision == 1 else HASH2,
        organisation="fco",
        submitted_by="alice",
        authors=["alice"],
        stages=list(stages),
        policy="fco-two-stage",
        one_person_may_fill_several_stages=False,
    )
    return env(event, sequence, minute, actor="approval")


def approved_stage(stage: str, approver: str, sequence: int, minute: int) -> Envelope[Message]:
    event = StageApproved(
        release_id=RELEASE,
        stage=stage,
        revision=1,
        content_hash=HASH1,
        approver=approver,
        comment="Fine" if stage == "legal" else "",
    )
    return env(event, sequence, minute, actor=approver)


def approved(sequence: int = 4, minute: int = 4) -> Envelope[Message]:
    event = ReleaseApproved(
        release_id=RELEASE, revision=1, content_hash=HASH1, approvers=["erin", "frank"]
    )
    return env(event, sequence, minute, actor="frank")


def rejected(sequence: int = 2, minute: int = 3) -> Envelope[Message]:
    event = ReleaseRejected(
        release_id=RELEASE,
        stage="legal",
        revision=1,
        content_hash=HASH1,
        reason="Libel risk",
        rejected_by="frank",
    )
    return env(event, sequence, minute, actor="frank")


def full_approval() -> list[Envelope[Message]]:
    return [
        requested(),
        approved_stage("policy", "erin", 2, 3),
        approved_stage("legal", "frank", 3, 4),
        approved(4, 4),
    ]


def fold(*envelopes: Envelope[Message]) -> ReleaseRow:
    row: ReleaseRow | None = None
    for item in envelopes:
        row = evolve_release(row, item)
    assert row is not None
    return row


def test_a_request_is_pending_with_every_stage_waiting() -> None:
    row = fold(created(), submitted(), requested())

    assert (row.status, row.approval_status) == ("submitted", "pending")
    assert (row.approval_revision, row.approval_hash) == (1, HASH1)
    assert row.approval_requested_at == T0 + timedelta(minutes=2)
    assert [(s["name"], s["state"], s["step"]) for s in row.approval_stages] == [
        ("policy", "pending", 0),
        ("legal", "pending", 1),
    ]
    assert row.approval_stages[0]["deadline_at"] == DEADLINE.isoformat()
    assert row.versions == {"drafting": 2, "approval": 1}


def test_the_last_stage_approves_the_release_and_records_who_approved_each_stage() -> None:
    row = fold(created(), submitted(), *full_approval())

    assert (row.status, row.approval_status, row.drafting_status) == (
        "approved",
        "approved",
        "submitted",
    )
    legal = row.approval_stages[1]
    assert (legal["state"], legal["approver"], legal["comment"]) == ("approved", "frank", "Fine")
    assert legal["approved_at"] == (T0 + timedelta(minutes=4)).isoformat()
    assert row.versions == {"drafting": 2, "approval": 4}


def test_a_rejection_takes_the_board_back_to_draft_before_drafting_reopens_it() -> None:
    rejected_row = fold(created(), submitted(), requested(), rejected())
    reopened = evolve_release(rejected_row, reopened_envelope())

    assert (rejected_row.status, rejected_row.approval_status) == ("draft", "rejected")
    assert reopened is not None and (reopened.status, reopened.drafting_status) == (
        "draft",
        "draft",
    )


def reopened_envelope() -> Envelope[Message]:
    event = DraftReopened(
        release_id=RELEASE, revision=1, stage="legal", reason="Libel risk", rejected_by="frank"
    )
    return env(event, 3, 4, actor="drafting")


def test_the_same_revision_submitted_again_after_a_rejection_is_submitted() -> None:
    row = fold(created(), submitted(), requested(), rejected(), reopened_envelope())

    again = evolve_release(row, submitted(sequence=4, minute=6))

    assert again is not None and (again.status, again.approval_status) == ("submitted", "rejected")


def test_a_revision_during_approval_invalidates_it_and_the_status_follows_drafting() -> None:
    row = fold(created(), submitted(), requested(), approved_stage("policy", "erin", 2, 3))
    revised_row = evolve_release(row, revised())
    invalidation = ApprovalInvalidated(
        release_id=RELEASE, revision=1, content_hash=HASH1, new_revision=2, was_approved=False
    )
    invalidated = evolve_release(revised_row, env(invalidation, 3, 6, actor="approval"))

    assert revised_row is not None and revised_row.status == "draft"
    assert invalidated is not None
    assert (invalidated.status, invalidated.approval_status) == ("draft", "invalidated")
    assert inbox_rows(invalidated) == []


def test_force_approval_is_flagged_until_approved_retrospectively() -> None:
    force = ReleaseForceApproved(
        release_id=RELEASE, revision=1, content_hash=HASH1, reason="Minister", forced_by="dave"
    )
    retro = ReleaseRetrospectivelyApproved(
        release_id=RELEASE, revision=1, content_hash=HASH1, approved_by="gina"
    )
    forced = fold(created(), submitted(), requested(), env(force, 2, 3, "dave"))
    confirmed = evolve_release(forced, env(retro, 3, 9, "gina"))

    assert (forced.status, forced.approval_status, forced.force_approved_flag) == (
        "approved",
        "force_approved",
        True,
    )
    assert confirmed is not None and not confirmed.force_approved_flag
    assert confirmed.status == "approved"


def test_an_overdue_stage_stays_in_the_inbox_marked_overdue() -> None:
    overdue = ApprovalOverdue(release_id=RELEASE, stage="policy", revision=1, deadline_at=DEADLINE)
    row = fold(created(), submitted(), requested(), env(overdue, 2, 2000, "approval"))

    policy = next(r for r in inbox_rows(row) if r.stage == "policy")
    assert row.approval_stages[0]["state"] == "overdue"
    assert (policy.overdue, policy.deadline_at, policy.opened) == (True, DEADLINE, True)


def test_the_inbox_opens_a_step_once_every_earlier_step_is_approved() -> None:
    waiting = fold(created(), submitted(), requested())
    half = evolve_release(waiting, approved_stage("policy", "erin", 2, 3))

    assert [(r.stage, r.opened) for r in inbox_rows(waiting)] == [
        ("policy", True),
        ("legal", False),
    ]
    assert half is not None and [(r.stage, r.opened) for r in inbox_rows(half)] == [("legal", True)]
    legal = inbox_rows(half)[0]
    assert (legal.roles, legal.revision, legal.content_hash) == (
        ("approver:legal", "managing-editor"),
        1,
        HASH1,
    )
    assert (legal.title, legal.lead_organisation, legal.requested_at) == (
        "UK and Japan",
        "fco",
        T0 + timedelta(minutes=2),
    )
    assert inbox_rows(fold(created(), submitted(), *full_approval())) == []


def test_parallel_stages_open_together() -> None:
    parallel = [replace_step(stage, 0) for stage in TWO_STAGES]
    row = fold(created(), submitted(), requested(stages=parallel))

    assert [(r.stage, r.opened) for r in inbox_rows(row)] == [("policy", True), ("legal", True)]


def replace_step(stage: StagePlan, step: int) -> StagePlan:
    return stage.model_copy(update={"step": step})


def test_replayed_approval_events_change_nothing() -> None:
    row = fold(created(), submitted(), *full_approval())

    for replayed in full_approval():
        assert evolve_release(row, replayed) is row


def test_a_stage_approval_of_an_earlier_request_changes_no_stage() -> None:
    row = fold(created(), submitted(), requested(), revised(), requested(2, 7, revision=2))
    late = evolve_release(row, approved_stage("policy", "erin", 3, 8))

    assert late is not None and late.approval_stages == row.approval_stages


def test_approval_read_before_drafting_waits_invisibly_on_a_placeholder() -> None:
    early = fold(requested())

    assert not early.drafted and early.organisations == () and inbox_rows(early) == []
    assert (early.approval_status, early.versions) == ("pending", {"approval": 1})


def test_any_interleaving_of_the_two_streams_ends_in_the_same_row() -> None:
    drafting = [created(), submitted()]
    approval = full_approval()
    endings = {_comparable(fold(*merged)) for merged in interleavings(drafting, approval)}

    assert len(endings) == 1
    assert next(iter(endings))[:2] == ("approved", "approved")


def interleavings(
    first: list[Envelope[Message]], second: list[Envelope[Message]]
) -> list[list[Envelope[Message]]]:
    """Every merge of two streams that keeps each stream's own order."""
    size = len(first) + len(second)
    merges = []
    for slots in itertools.combinations(range(size), len(first)):
        a, b = iter(first), iter(second)
        merges.append([next(a) if i in slots else next(b) for i in range(size)])
    return merges


def _comparable(row: ReleaseRow) -> tuple[str, str, str]:
    # updated_at and last_event_id say which event came last; everything else must agree.
    same = replace(
        row, updated_at=T0, last_event_id="", versions=dict(sorted(row.versions.items()))
    )
    return (row.status, row.approval_status, repr(same))


def test_history_says_who_did_what_at_each_approval_step() -> None:
    force = ReleaseForceApproved(
        release_id=RELEASE, revision=1, content_hash=HASH1, reason="Minister", forced_by="dave"
    )
    envelopes = [*full_approval(), rejected(5, 5), env(force, 6, 6, "dave"), reopened_envelope()]
    entries = [history_entry(e) for e in envelopes]

    assert [e.summary for e in entries if e is not None] == [
        "Approval of revision 1 requested (fco-two-stage): policy, then legal",
        "Stage policy approved by erin",
        "Stage legal approved by frank: Fine",
        "Revision 1 approved by erin, frank",
        "Rejected at legal by frank: Libel risk",
        "Force-approved by dave: Minister",
        "Revision 1 reopened for editing after rejection at legal by frank: Libel risk",
    ]
    stage = entries[2]
    assert stage is not None and (stage.service, stage.stream_version, stage.actor) == (
        "approval",
        3,
        "frank",
    )
    assert stage.event_type == "pressroom.approval.StageApproved.v1"


def test_a_batch_over_both_topics_plans_rows_and_history() -> None:
    records = [
        consumed("pressroom.drafting.events", created(), 0),
        consumed("pressroom.approval.events", requested(), 0),
        consumed("pressroom.drafting.events", submitted(), 1),
    ]

    plan = plan_batch([(r, route(r)) for r in records], {})

    row = plan.releases[RELEASE]
    assert (row.status, row.approval_status, row.versions) == (
        "submitted",
        "pending",
        {"drafting": 2, "approval": 1},
    )
    assert [h.service for h in plan.history] == ["drafting", "approval", "drafting"]
    assert plan.dead_letters == []


def consumed(topic: str, item: Envelope[Message], offset: int) -> Consumed:
    record = encode(item)
    return Consumed(topic, 0, offset, record.key, record.value, tuple(record.headers))
