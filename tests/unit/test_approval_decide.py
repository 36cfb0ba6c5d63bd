"""Approval's rules, one test each: given past events, when a command, then events or a refusal."""

from __future__ import annotations

from datetime import timedelta

import pytest

from events.actor import Actor
from events.approval import (
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
    StagePlan,
)
from events.replies import OutcomeStatus, Rejection
from events.rules import NotAllowed
from services.approval.decider import APPROVAL
from services.approval.rules import (
    ApprovalNotFound,
    FourEyes,
    InvalidRequest,
    NotDueYet,
    NothingPending,
    StageAlreadyApproved,
    StageNotOpen,
    Status,
    UnknownStage,
    WrongRevision,
)
from tests.unit.given_when_then import NOW, specification

given = specification(APPROVAL)

RELEASE = "uk-japan-2016"
HASH_1 = "sha256:" + "1" * 64
HASH_2 = "sha256:" + "2" * 64
OTHER_HASH = "sha256:" + "f" * 64

SYSTEM = Actor(id="pressroom-approval", roles=["system"])
ALICE = Actor(id="alice", roles=["writer"], organisation="fco")  # wrote revision 1
BOB = Actor(id="bob", roles=["writer"], organisation="fco")  # submitted it
ERIN = Actor(id="erin", roles=["approver:policy"], organisation="fco")
FRANK = Actor(id="frank", roles=["approver:legal"], organisation="fco")
GRACE = Actor(id="grace", roles=["approver:policy", "approver:legal"], organisation="fco")
PAUL = Actor(id="paul", roles=["press-officer"], organisation="fco")
DAVE = Actor(id="dave", roles=["managing-editor"], organisation="fco")
MAYA = Actor(id="maya", roles=["managing-editor"], organisation="fco")
NINA = Actor(id="nina", roles=["managing-editor"], organisation="fco")
# An author who also holds every approving role: four eyes must still stop them.
WRITER_APPROVER = Actor(
    id="alice",
    roles=["writer", "approver:policy", "approver:legal", "managing-editor"],
    organisation="fco",
)
# A partner organisation's people, and a collaborator without an organisation: whatever role
# they hold, the lead organisation's approval is not theirs to give, refuse or force.
PARTNER_APPROVER = Actor(id="pia", roles=["approver:policy"], organisation="dit")
PARTNER_EDITOR = Actor(id="pete", roles=["managing-editor"], organisation="dit")
COLLABORATOR_EDITOR = Actor(id="cole", roles=["managing-editor", "approver:policy"])
SUBMITTER_APPROVER = WRITER_APPROVER.model_copy(update={"id": "bob"})

POLICY = StagePlan(name="policy", roles=["approver:policy"], step=0)
LEGAL = StagePlan(name="legal", roles=["approver:legal"], step=1)
ORDERED = [POLICY, LEGAL]
PARALLEL = [POLICY, LEGAL.model_copy(update={"step": 0})]
PRESS_OFFICE = StagePlan(
    name="press-office", roles=["approver:press-office", "press-officer"], step=0
)
LATE = [POLICY.model_copy(update={"deadline_at": NOW - timedelta(hours=1)}), LEGAL]
NOT_YET_DUE = [POLICY.model_copy(update={"deadline_at": NOW + timedelta(hours=1)}), LEGAL]


def request(
    revision: int = 1,
    content_hash: str = HASH_1,
    stages: list[StagePlan] = ORDERED,
    several: bool = False,
    authors: tuple[str, ...] = ("alice",),
) -> RequestApproval:
    return RequestApproval(
        release_id=RELEASE, actor=SYSTEM, revision=revision, content_hash=content_hash,
        organisation="fco", submitted_by="bob", authors=list(authors), stages=stages,
        policy="fco@1", one_person_may_fill_several_stages=several,
    )  # fmt: skip


def requested(
    revision: int = 1,
    content_hash: str = HASH_1,
    stages: list[StagePlan] = ORDERED,
    several: bool = False,
    authors: tuple[str, ...] = ("alice",),
) -> ApprovalRequested:
    return ApprovalRequested(
        release_id=RELEASE, revision=revision, content_hash=content_hash, organisation="fco",
        submitted_by="bob", authors=list(authors), stages=stages, policy="fco@1",
        one_person_may_fill_several_stages=several,
    )  # fmt: skip


def approve(
    actor: Actor, stage: str, revision: int = 1, content_hash: str = HASH_1
) -> ApproveStage:
    return ApproveStage(
        release_id=RELEASE, actor=actor, stage=stage, revision=revision, content_hash=content_hash
    )


def approved(stage: str, by: str, revision: int = 1, content_hash: str = HASH_1) -> StageApproved:
    return StageApproved(
        release_id=RELEASE, stage=stage, revision=revision, content_hash=content_hash, approver=by
    )


def released(
    approvers: list[str], revision: int = 1, content_hash: str = HASH_1
) -> ReleaseApproved:
    return ReleaseApproved(
        release_id=RELEASE, revision=revision, content_hash=content_hash, approvers=approvers
    )


def reject(actor: Actor, stage: str, revision: int | None = None) -> RejectRelease:
    return RejectRelease(
        release_id=RELEASE, actor=actor, stage=stage, reason="Needs clearance.", revision=revision
    )


def rejected(stage: str, by: str) -> ReleaseRejected:
    return ReleaseRejected(
        release_id=RELEASE, stage=stage, revision=1, content_hash=HASH_1,
        reason="Needs clearance.", rejected_by=by,
    )  # fmt: skip


def invalidate(new_revision: int = 2) -> InvalidateApproval:
    return InvalidateApproval(
        release_id=RELEASE, actor=SYSTEM, new_revision=new_revision, new_content_hash=HASH_2
    )


def invalidated(was_approved: bool = False, new_revision: int = 2) -> ApprovalInvalidated:
    return ApprovalInvalidated(
        release_id=RELEASE, revision=1, content_hash=HASH_1, new_revision=new_revision,
        was_approved=was_approved,
    )  # fmt: skip


def force(actor: Actor = DAVE, revision: int | None = None) -> ForceApprove:
    return ForceApprove(
        release_id=RELEASE, actor=actor, reason="Embargo at 00:01.", revision=revision
    )


def forced(by: str = "dave") -> ReleaseForceApproved:
    return ReleaseForceApproved(
        release_id=RELEASE,
        revision=1,
        content_hash=HASH_1,
        reason="Embargo at 00:01.",
        forced_by=by,
    )


def confirm(actor: Actor = MAYA) -> RetrospectivelyApprove:
    return RetrospectivelyApprove(release_id=RELEASE, actor=actor, comment="Checked.")


def confirmed(by: str = "maya") -> ReleaseRetrospectivelyApproved:
    return ReleaseRetrospectivelyApproved(
        release_id=RELEASE, revision=1, content_hash=HASH_1, approved_by=by, comment="Checked."
    )


def mark_overdue(stage: str = "policy", revision: int = 1) -> MarkOverdue:
    return MarkOverdue(release_id=RELEASE, actor=SYSTEM, stage=stage, revision=revision)


def overdue(stage: str = "policy") -> ApprovalOverdue:
    deadline = NOW - timedelta(hours=1)
    return ApprovalOverdue(release_id=RELEASE, stage=stage, revision=1, deadline_at=deadline)


FULLY_APPROVED: list[ApprovalEvents] = [
    requested(), approved("policy", "erin"), approved("legal", "frank"), released(["erin", "frank"])
]  # fmt: skip


# --- request ---------------------------------------------------------------------------------


def test_a_request_opens_the_approval_of_the_submitted_revision_with_its_stages() -> None:
    given([]).when(request()).then([requested()])


def test_the_same_request_again_emits_nothing() -> None:
    given([requested()]).when(request()).then([])


def test_the_same_request_after_approval_emits_nothing() -> None:
    given(FULLY_APPROVED).when(request()).then([])


def test_a_request_for_a_newer_revision_supersedes_the_pending_one() -> None:
    given([requested()]).when(request(2, HASH_2)).then([invalidated(), requested(2, HASH_2)])


def test_a_request_after_a_rejection_starts_afresh_for_the_same_revision() -> None:
    given([requested(), rejected("policy", "erin")]).when(request()).then([requested()])


def test_a_request_after_an_invalidation_starts_afresh_for_the_new_revision() -> None:
    given([requested(), invalidated()]).when(request(2, HASH_2)).then([requested(2, HASH_2)])


def test_a_request_for_a_superseded_revision_is_a_conflict() -> None:
    given([requested(), invalidated()]).when(request()).then_rejects(WrongRevision)


def test_a_request_giving_a_revision_other_content_is_a_conflict() -> None:
    given([requested()]).when(request(content_hash=OTHER_HASH)).then_rejects(WrongRevision)


def test_a_request_with_two_stages_of_the_same_name_is_invalid() -> None:
    given([]).when(request(stages=[POLICY, POLICY])).then_rejects(InvalidRequest)


@pytest.mark.parametrize(
    "command",
    [
        request().model_copy(update={"actor": ERIN}),
        invalidate().model_copy(update={"actor": DAVE}),
        mark_overdue().model_copy(update={"actor": ERIN}),
    ],
    ids=["request", "invalidate", "mark-overdue"],
)
def test_only_approvals_own_policies_may_request_invalidate_or_mark_overdue(
    command: RequestApproval | InvalidateApproval | MarkOverdue,
) -> None:
    given([requested(stages=LATE)]).when(command).then_rejects(NotAllowed)


# --- approve ---------------------------------------------------------------------------------


def test_approving_a_stage_emits_the_stage_approved_for_the_revision_and_hash() -> None:
    given([requested()]).when(approve(ERIN, "policy")).then([approved("policy", "erin")])


def test_approving_the_last_stage_approves_the_release_naming_every_approver() -> None:
    given([requested(), approved("policy", "erin")]).when(approve(FRANK, "legal")).then(
        [approved("legal", "frank"), released(["erin", "frank"])]
    )


def test_parallel_stages_may_be_approved_in_any_order() -> None:
    given([requested(stages=PARALLEL)]).when(approve(FRANK, "legal")).then(
        [approved("legal", "frank")]
    )
    given([requested(stages=PARALLEL), approved("legal", "frank")]).when(
        approve(ERIN, "policy")
    ).then([approved("policy", "erin"), released(["erin", "frank"])])


def test_a_stage_is_not_open_while_an_earlier_step_is_pending() -> None:
    refused = given([requested()]).when(approve(FRANK, "legal")).then_rejects(StageNotOpen)
    assert refused.status is OutcomeStatus.CONFLICT
    assert "policy" in refused.detail


def test_an_approval_for_another_revision_is_a_conflict() -> None:
    refused = (
        given([requested()]).when(approve(ERIN, "policy", revision=2)).then_rejects(WrongRevision)
    )
    assert refused.status is OutcomeStatus.CONFLICT


def test_an_approval_for_other_content_of_the_revision_is_a_conflict() -> None:
    command = approve(ERIN, "policy", content_hash=OTHER_HASH)
    given([requested()]).when(command).then_rejects(WrongRevision)


def test_approving_an_already_approved_stage_is_a_conflict() -> None:
    history = [requested(stages=PARALLEL), approved("policy", "erin")]
    given(history).when(approve(GRACE, "policy")).then_rejects(StageAlreadyApproved)


def test_an_unknown_stage_is_invalid_and_the_message_names_the_valid_stages() -> None:
    refused = given([requested()]).when(approve(ERIN, "minister")).then_rejects(UnknownStage)
    assert refused.status is OutcomeStatus.INVALID
    assert "minister" in refused.detail and "policy, legal" in refused.detail


def test_an_approver_without_one_of_the_stages_roles_is_forbidden() -> None:
    refused = given([requested()]).when(approve(FRANK, "policy")).then_rejects(NotAllowed)
    assert refused.status is OutcomeStatus.FORBIDDEN


def test_any_one_of_the_stages_roles_suffices_to_approve_it() -> None:
    given([requested(stages=[PRESS_OFFICE])]).when(approve(PAUL, "press-office")).then(
        [approved("press-office", "paul"), released(["paul"])]
    )


@pytest.mark.parametrize("stage", ["policy", "legal"])
def test_the_author_may_not_approve_any_stage(stage: str) -> None:
    refused = (
        given([requested(stages=PARALLEL)])
        .when(approve(WRITER_APPROVER, stage))
        .then_rejects(FourEyes)
    )
    assert refused.status is OutcomeStatus.FORBIDDEN


def test_every_author_of_the_revision_is_barred_not_only_its_creator() -> None:
    grace_wrote_too = requested(authors=("alice", "grace"))
    given([grace_wrote_too]).when(approve(GRACE, "policy")).then_rejects(FourEyes)


def test_the_submitter_may_not_approve_any_stage() -> None:
    given([requested()]).when(approve(SUBMITTER_APPROVER, "policy")).then_rejects(FourEyes)


def test_one_person_may_not_fill_two_stages_of_the_same_revision() -> None:
    history = [requested(), approved("policy", "grace")]
    refused = given(history).when(approve(GRACE, "legal")).then_rejects(FourEyes)
    assert refused.status is OutcomeStatus.FORBIDDEN


def test_one_person_may_fill_several_stages_when_the_request_allows_it() -> None:
    history = [requested(several=True), approved("policy", "grace")]
    given(history).when(approve(GRACE, "legal")).then(
        [approved("legal", "grace"), released(["grace"])]
    )


def test_approving_when_no_approval_was_ever_requested_is_not_found() -> None:
    refused = given([]).when(approve(ERIN, "policy")).then_rejects(ApprovalNotFound)
    assert refused.status is OutcomeStatus.NOT_FOUND


def test_approving_an_approved_release_is_a_conflict() -> None:
    given(FULLY_APPROVED).when(approve(GRACE, "legal")).then_rejects(NothingPending)


def test_approving_after_a_rejection_is_a_conflict() -> None:
    history = [requested(), rejected("policy", "erin")]
    given(history).when(approve(ERIN, "policy")).then_rejects(NothingPending)


def test_approving_an_invalidated_revision_is_a_conflict() -> None:
    given([requested(), invalidated()]).when(approve(ERIN, "policy")).then_rejects(NothingPending)


def test_approvals_never_carry_over_to_a_new_revision() -> None:
    history = [requested(), approved("policy", "erin"), invalidated(), requested(2, HASH_2)]
    given(history).when(approve(FRANK, "legal", 2, HASH_2)).then_rejects(StageNotOpen)
    given(history).when(approve(ERIN, "policy", 2, HASH_2)).then(
        [approved("policy", "erin", 2, HASH_2)]
    )


# --- reject ----------------------------------------------------------------------------------


def test_a_rejection_at_an_open_stage_rejects_the_release() -> None:
    given([requested()]).when(reject(ERIN, "policy")).then([rejected("policy", "erin")])


def test_a_rejection_needs_a_reason() -> None:
    command = RejectRelease.model_construct(
        release_id=RELEASE, actor=ERIN, stage="policy", reason="  ", revision=None
    )
    refused = given([requested()]).when(command).then_rejects(InvalidRequest)
    assert refused.status is OutcomeStatus.INVALID


def test_a_rejection_without_one_of_the_stages_roles_is_forbidden() -> None:
    given([requested()]).when(reject(FRANK, "policy")).then_rejects(NotAllowed)


def test_a_rejection_at_an_unknown_stage_is_invalid() -> None:
    given([requested()]).when(reject(ERIN, "minister")).then_rejects(UnknownStage)


def test_a_rejection_at_a_stage_not_yet_open_is_a_conflict() -> None:
    given([requested()]).when(reject(FRANK, "legal")).then_rejects(StageNotOpen)


def test_a_rejection_naming_another_revision_is_a_conflict() -> None:
    given([requested()]).when(reject(ERIN, "policy", revision=2)).then_rejects(WrongRevision)


def test_a_rejection_when_the_release_is_already_approved_is_a_conflict() -> None:
    given(FULLY_APPROVED).when(reject(FRANK, "legal")).then_rejects(NothingPending)


def test_a_rejection_when_no_approval_was_ever_requested_is_not_found() -> None:
    given([]).when(reject(ERIN, "policy")).then_rejects(ApprovalNotFound)


# --- invalidate ------------------------------------------------------------------------------


def test_a_newer_revision_invalidates_a_pending_request() -> None:
    given([requested(), approved("policy", "erin")]).when(invalidate()).then([invalidated()])


def test_a_newer_revision_invalidates_an_approved_release_and_says_it_was_approved() -> None:
    given(FULLY_APPROVED).when(invalidate()).then([invalidated(was_approved=True)])


def test_a_newer_revision_invalidates_a_forced_approval() -> None:
    given([requested(), forced()]).when(invalidate(3)).then(
        [invalidated(was_approved=True, new_revision=3)]
    )


def test_an_invalidation_for_a_revision_not_newer_than_the_requested_one_emits_nothing() -> None:
    given([requested(2, HASH_2)]).when(invalidate(2)).then([])


def test_an_invalidation_after_a_rejection_emits_nothing() -> None:
    given([requested(), rejected("policy", "erin")]).when(invalidate()).then([])


def test_an_invalidation_with_no_request_emits_nothing() -> None:
    given([]).when(invalidate()).then([])


def test_a_second_invalidation_emits_nothing() -> None:
    given([requested(), invalidated()]).when(invalidate(3)).then([])


# --- force -----------------------------------------------------------------------------------


def test_a_managing_editor_forces_the_approval_with_a_reason() -> None:
    given([requested()]).when(force()).then([forced()])


def test_a_forced_approval_may_follow_some_approved_stages() -> None:
    given([requested(), approved("policy", "erin")]).when(force(revision=1)).then([forced()])


def test_force_approval_without_the_managing_editor_role_is_forbidden() -> None:
    given([requested()]).when(force(PAUL)).then_rejects(NotAllowed)


def test_force_approval_by_an_author_is_forbidden() -> None:
    given([requested()]).when(force(WRITER_APPROVER)).then_rejects(FourEyes)


def test_force_approval_by_the_submitter_is_forbidden() -> None:
    given([requested()]).when(force(SUBMITTER_APPROVER)).then_rejects(FourEyes)


def test_force_approval_needs_a_reason() -> None:
    command = ForceApprove.model_construct(release_id=RELEASE, actor=DAVE, reason="", revision=None)
    given([requested()]).when(command).then_rejects(InvalidRequest)


def test_force_approval_naming_another_revision_is_a_conflict() -> None:
    given([requested()]).when(force(revision=2)).then_rejects(WrongRevision)


def test_force_approval_of_an_approved_release_is_a_conflict() -> None:
    given(FULLY_APPROVED).when(force()).then_rejects(NothingPending)


def test_force_approval_after_a_rejection_is_a_conflict() -> None:
    given([requested(), rejected("policy", "erin")]).when(force()).then_rejects(NothingPending)


def test_force_approval_when_no_approval_was_ever_requested_is_not_found() -> None:
    given([]).when(force()).then_rejects(ApprovalNotFound)


# --- retrospective approval ------------------------------------------------------------------


def test_another_managing_editor_approves_a_forced_approval_retrospectively() -> None:
    given([requested(), forced()]).when(confirm()).then([confirmed()])


def test_retrospective_approval_by_the_forcing_editor_is_forbidden() -> None:
    given([requested(), forced()]).when(confirm(DAVE)).then_rejects(FourEyes)


def test_retrospective_approval_by_an_author_is_forbidden() -> None:
    given([requested(), forced()]).when(confirm(WRITER_APPROVER)).then_rejects(FourEyes)


def test_retrospective_approval_by_the_submitter_is_forbidden() -> None:
    given([requested(), forced()]).when(confirm(SUBMITTER_APPROVER)).then_rejects(FourEyes)


def test_retrospective_approval_without_the_managing_editor_role_is_forbidden() -> None:
    given([requested(), forced()]).when(confirm(ERIN)).then_rejects(NotAllowed)


def test_retrospective_approval_of_a_release_that_was_not_forced_is_a_conflict() -> None:
    given(FULLY_APPROVED).when(confirm()).then_rejects(NothingPending)


def test_a_second_retrospective_approval_is_a_conflict() -> None:
    given([requested(), forced(), confirmed()]).when(confirm(NINA)).then_rejects(NothingPending)


def test_retrospective_approval_after_an_invalidation_is_a_conflict() -> None:
    history = [requested(), forced(), invalidated(was_approved=True)]
    given(history).when(confirm()).then_rejects(NothingPending)


# --- overdue ---------------------------------------------------------------------------------


def test_a_stage_past_its_deadline_is_marked_overdue() -> None:
    given([requested(stages=LATE)]).when(mark_overdue()).then([overdue()])


def test_overdue_is_emitted_once_per_stage() -> None:
    given([requested(stages=LATE), overdue()]).when(mark_overdue()).then([])


def test_an_approved_stage_is_never_overdue() -> None:
    history = [requested(stages=LATE), approved("policy", "erin")]
    given(history).when(mark_overdue()).then([])


def test_a_stage_of_an_old_revision_is_never_overdue() -> None:
    history = [requested(stages=LATE), invalidated(), requested(2, HASH_2, stages=LATE)]
    given(history).when(mark_overdue(revision=1)).then([])


def test_a_stage_of_a_decided_release_is_never_overdue() -> None:
    given([requested(stages=LATE), forced()]).when(mark_overdue()).then([])


def test_a_stage_without_a_deadline_is_never_overdue() -> None:
    given([requested(stages=LATE)]).when(mark_overdue("legal")).then([])


def test_marking_a_stage_overdue_before_its_deadline_is_a_conflict() -> None:
    given([requested(stages=NOT_YET_DUE)]).when(mark_overdue()).then_rejects(NotDueYet)


def test_marking_an_unknown_stage_overdue_is_invalid() -> None:
    given([requested(stages=LATE)]).when(mark_overdue("minister")).then_rejects(UnknownStage)


def test_marking_overdue_when_no_approval_was_ever_requested_is_not_found() -> None:
    given([]).when(mark_overdue()).then_rejects(ApprovalNotFound)


# --- evolve ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("history", "status"),
    [
        ([], Status.NONE),
        ([requested()], Status.PENDING),
        ([requested(), approved("policy", "erin")], Status.PENDING),
        (FULLY_APPROVED, Status.APPROVED),
        ([requested(), rejected("policy", "erin")], Status.REJECTED),
        ([requested(), invalidated()], Status.INVALIDATED),
        ([requested(), forced()], Status.FORCED),
        ([requested(), forced(), confirmed()], Status.RETROSPECTIVELY_APPROVED),
    ],
)
def test_the_status_follows_the_history(history: list[ApprovalEvents], status: Status) -> None:
    assert given(history).state.status is status


def test_a_fresh_request_forgets_the_approvals_of_the_previous_one() -> None:
    state = given(
        [requested(), approved("policy", "erin"), invalidated(), requested(2, HASH_2)]
    ).state
    assert (state.revision, state.hash, state.approved, state.overdue) == (2, HASH_2, (), ())


@pytest.mark.parametrize(
    ("rejection", "status"),
    [
        (ApprovalNotFound, OutcomeStatus.NOT_FOUND),
        (NothingPending, OutcomeStatus.CONFLICT),
        (WrongRevision, OutcomeStatus.CONFLICT),
        (StageNotOpen, OutcomeStatus.CONFLICT),
        (StageAlreadyApproved, OutcomeStatus.CONFLICT),
        (NotDueYet, OutcomeStatus.CONFLICT),
        (UnknownStage, OutcomeStatus.INVALID),
        (InvalidRequest, OutcomeStatus.INVALID),
        (NotAllowed, OutcomeStatus.FORBIDDEN),
        (FourEyes, OutcomeStatus.FORBIDDEN),
    ],
)
def test_each_refusal_maps_to_its_outcome_status_and_problem_type(
    rejection: type[Rejection], status: OutcomeStatus
) -> None:
    problem = rejection("why").problem()
    assert rejection.status is status
    assert problem.type.startswith("urn:pressroom:problem:")
    assert problem.detail == "why"


# --- who: the lead organisation only --------------------------------------------------------


@pytest.mark.parametrize("actor", [PARTNER_APPROVER, COLLABORATOR_EDITOR], ids=lambda a: a.id)
def test_only_the_lead_organisation_approves_a_stage(actor: Actor) -> None:
    given([requested()]).when(approve(actor, "policy")).then_rejects(NotAllowed)


@pytest.mark.parametrize("actor", [PARTNER_APPROVER, COLLABORATOR_EDITOR], ids=lambda a: a.id)
def test_only_the_lead_organisation_rejects(actor: Actor) -> None:
    given([requested()]).when(reject(actor, "policy")).then_rejects(NotAllowed)


@pytest.mark.parametrize("actor", [PARTNER_EDITOR, COLLABORATOR_EDITOR], ids=lambda a: a.id)
def test_only_the_lead_organisation_forces_an_approval(actor: Actor) -> None:
    given([requested()]).when(force(actor)).then_rejects(NotAllowed)


@pytest.mark.parametrize("actor", [PARTNER_EDITOR, COLLABORATOR_EDITOR], ids=lambda a: a.id)
def test_only_the_lead_organisation_confirms_a_forced_approval(actor: Actor) -> None:
    given([requested(), forced()]).when(confirm(actor)).then_rejects(NotAllowed)
