"""Approval's invariants over random command sequences, decided and folded like the handler does."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Literal

from hypothesis import event as label
from hypothesis import given, settings
from hypothesis import strategies as st

from events.actor import Actor
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
    StagePlan,
)
from events.replies import Rejection
from services.approval.decider import APPROVAL
from services.approval.domain import decide, evolve, initial_state
from services.approval.rules import Approval
from tests.unit.given_when_then import NOW

RELEASE = "uk-japan-2016"
SYSTEM = Actor(id="pressroom-approval", roles=["system"])
# Writers who also hold approving roles, so four eyes is what stops them, not a missing role.
PEOPLE = [
    Actor(
        id="alice",
        roles=["writer", "approver:policy", "approver:legal", "managing-editor"],
        organisation="fco",
    ),
    Actor(id="bob", roles=["writer", "approver:policy", "managing-editor"], organisation="fco"),
    Actor(id="erin", roles=["approver:policy"], organisation="fco"),
    Actor(id="frank", roles=["approver:legal"], organisation="fco"),
    Actor(
        id="grace",
        roles=["approver:policy", "approver:legal", "approver:minister"],
        organisation="fco",
    ),
    Actor(id="dave", roles=["managing-editor", "approver:minister"], organisation="fco"),
    Actor(id="maya", roles=["managing-editor", "approver:legal"], organisation="fco"),
]
NAMES = [person.id for person in PEOPLE]
POLICY = StagePlan(name="policy", roles=["approver:policy"], step=0, deadline_at=NOW - timedelta(1))
LEGAL = StagePlan(name="legal", roles=["approver:legal"], step=1, deadline_at=NOW + timedelta(1))
MINISTER = StagePlan(name="minister", roles=["approver:minister"], step=2)
PLANS = [[POLICY, LEGAL], [POLICY, LEGAL.model_copy(update={"step": 0})], [POLICY, LEGAL, MINISTER]]

Kind = Literal["revise", "submit", "invalidate", "approve", "reject", "force", "retro", "overdue"]
Which = Literal["requested", "latest", "older", "none"]
# The revision's true hash, another one, or the requested revision's (whatever revision is named).
Content = Literal["true", "tampered", "requested"]


def hash_of(revision: int, tampered: bool = False) -> str:
    return "sha256:" + hashlib.sha256(f"{revision}{'x' * tampered}".encode()).hexdigest()


@dataclass(frozen=True)
class Step:
    """One random move: the draft changes, is (re)submitted, or someone acts on the approval."""

    kind: Kind
    person: int
    suited: bool  # the actor holds a role of the stage (an approver doing their job)
    stage: str  # a stage name, or "next": the first stage this request still waits for
    which: Which
    content: Content
    authors: list[str]
    submitter: str
    plan: int
    several: bool

    def command(self, run: Run) -> ApprovalCommands:
        # Drafting submits its latest revision; the other choices play stale or broken senders.
        which = "latest" if self.kind == "submit" and self.which == "requested" else self.which
        revision = run.revision(which)
        content = run.content(revision or 1, self.content)
        stage = run.stage(self.stage)
        role = "managing-editor" if self.kind in ("force", "retro") else f"approver:{stage}"
        actor, release = run.actor(self.person, role if self.suited else None), RELEASE
        match self.kind:
            case "revise":
                run.draft_revision += 1  # drafting's DraftRevised, as approval's policy sees it
                latest = run.draft_revision
                return InvalidateApproval(
                    release_id=release, actor=SYSTEM, new_revision=latest,
                    new_content_hash=hash_of(latest),
                )  # fmt: skip
            case "submit":
                return RequestApproval(
                    release_id=release, actor=SYSTEM, revision=revision or 1, content_hash=content,
                    organisation="fco", submitted_by=self.submitter, authors=self.authors,
                    stages=PLANS[self.plan], policy="fco@1",
                    one_person_may_fill_several_stages=self.several,
                )  # fmt: skip
            case "invalidate":
                return InvalidateApproval(
                    release_id=release, actor=SYSTEM, new_revision=revision or 1,
                    new_content_hash=content,
                )  # fmt: skip
            case "approve":
                return ApproveStage(
                    release_id=release, actor=actor, stage=stage, revision=revision or 1,
                    content_hash=content,
                )  # fmt: skip
            case "reject":
                return RejectRelease(
                    release_id=release,
                    actor=actor,
                    stage=stage,
                    reason="No.",
                    revision=revision,
                )
            case "force":
                return ForceApprove(
                    release_id=release, actor=actor, reason="Now.", revision=revision
                )
            case "retro":
                return RetrospectivelyApprove(release_id=release, actor=actor)
            case "overdue":
                return MarkOverdue(
                    release_id=release, actor=SYSTEM, stage=stage, revision=revision or 1
                )


KINDS: list[Kind] = ["revise", "submit", "invalidate", "approve", "reject", "force", "retro"]
steps = st.builds(
    Step,
    # Approvals are most of the traffic; everything else interrupts them now and then.
    kind=st.sampled_from([*KINDS, "overdue", "submit", *["approve"] * 7]),
    person=st.integers(0, len(PEOPLE) - 1),
    suited=st.sampled_from([True, True, False]),
    stage=st.sampled_from(["policy", "legal", "minister", "next", "next"]),
    which=st.sampled_from(["requested"] * 5 + ["latest", "older", "none"]),
    content=st.sampled_from(["true"] * 5 + ["tampered", "requested", "requested"]),
    # Mostly the writers; now and then an approver or an editor wrote or submitted it too.
    authors=st.lists(
        st.sampled_from(["alice", "alice", "bob", "grace", "dave"]),
        min_size=1,
        max_size=2,
        unique=True,
    ),
    submitter=st.sampled_from(["alice", "bob", "bob", "bob", *NAMES[2:]]),
    plan=st.integers(0, len(PLANS) - 1),
    several=st.booleans(),
)


@dataclass
class Run:
    """One release's approval stream, with what the log itself says about the latest request."""

    draft_revision: int = 1
    state: Approval = field(default_factory=initial_state)
    log: list[ApprovalEvents] = field(default_factory=list)
    request: ApprovalRequested | None = None
    open: bool = False  # neither rejected nor invalidated since the request
    signed: dict[str, str] = field(default_factory=dict)  # stage -> approver, this request
    released: bool = False
    forced_by: str | None = None
    overdue: set[str] = field(default_factory=set)

    def revision(self, which: Which) -> int | None:
        requested = self.request.revision if self.request else 1
        choices = {"requested": requested, "latest": self.draft_revision, "older": requested - 1}
        return choices.get(which) or None

    def content(self, revision: int, choice: Content) -> str:
        if choice == "requested" and self.request is not None:
            return self.request.content_hash
        return hash_of(revision, tampered=choice == "tampered")

    def stage(self, choice: str) -> str:
        if choice != "next" or self.request is None:
            return "policy" if choice == "next" else choice
        waiting = [stage for stage in self.request.stages if stage.name not in self.signed]
        return min(waiting, key=lambda stage: stage.step).name if waiting else "policy"

    def actor(self, person: int, role: str | None) -> Actor:
        """Anyone, or someone holding `role` (author or not: four eyes must tell)."""
        suited = [actor for actor in PEOPLE if role is None or actor.has_role(role)]
        return suited[person % len(suited)]

    def handle(self, command: ApprovalCommands) -> list[ApprovalEvents] | Rejection:
        try:
            events = list(decide(command, self.state, NOW))
        except Rejection as refused:
            return refused
        for event in events:
            self.check(event)
            self.state = evolve(self.state, event)
            self.log.append(event)
        return events

    def check(self, event: ApprovalEvents) -> None:
        """What the log alone says must hold, checked before the event is applied."""
        if isinstance(event, ApprovalRequested):
            self.request, self.open, self.released, self.forced_by = event, True, False, None
            self.signed, self.overdue = {}, set()
            return
        assert self.request is not None, f"{event.type} before any request"
        assert self.open, f"{event.type} after the request was rejected or invalidated"
        match event:
            case StageApproved() | ReleaseApproved() | ReleaseForceApproved() | ReleaseRejected():
                self.check_decision(event, self.request)
            case ReleaseRetrospectivelyApproved():
                self.check_binds(event, self.request)
                barred = {*self.barred(), self.forced_by}
                assert self.forced_by is not None and event.approved_by not in barred
                self.forced_by = None
            case ApprovalInvalidated():
                assert event.revision == self.request.revision < event.new_revision
                self.open = False
            case ApprovalOverdue():
                assert not self.released and event.stage not in {*self.overdue, *self.signed}
                assert event.deadline_at <= NOW
                self.overdue.add(event.stage)

    def barred(self) -> set[str]:
        assert self.request is not None
        return {*self.request.authors, self.request.submitted_by}

    def check_binds(
        self, event: StageApproved | ReleaseApproved | ReleaseForceApproved | ReleaseRejected
        | ReleaseRetrospectivelyApproved, request: ApprovalRequested,
    ) -> None:  # fmt: skip
        assert (event.revision, event.content_hash) == (request.revision, request.content_hash)

    def check_decision(
        self, event: StageApproved | ReleaseApproved | ReleaseForceApproved | ReleaseRejected,
        request: ApprovalRequested,
    ) -> None:  # fmt: skip
        self.check_binds(event, request)
        assert not self.released, f"{event.type} after the release was approved"
        match event:
            case StageApproved():
                self.check_stage(event, request)
            case ReleaseApproved():
                assert set(self.signed) == {stage.name for stage in request.stages}
                approvers = dict.fromkeys(self.signed[stage.name] for stage in request.stages)
                assert event.approvers == list(approvers)
                self.released = True
            case ReleaseForceApproved():
                assert event.forced_by not in self.barred()
                self.released, self.forced_by = True, event.forced_by
            case ReleaseRejected():
                self.open = False

    def check_stage(self, event: StageApproved, request: ApprovalRequested) -> None:
        assert event.approver not in self.barred(), f"{event.approver} approved their own revision"
        assert event.stage not in self.signed, f"{event.stage} approved twice in one request"
        if not request.one_person_may_fill_several_stages:
            assert event.approver not in self.signed.values()
        step = next(stage.step for stage in request.stages if stage.name == event.stage)
        earlier = {stage.name for stage in request.stages if stage.step < step}
        assert earlier <= set(self.signed), f"{event.stage} approved before {earlier}"
        self.signed[event.stage] = event.approver


def _script(first: Step, starts_with_a_request: bool, rest: list[Step]) -> list[Step]:
    return [replace(first, kind="submit", which="latest"), *rest] if starts_with_a_request else rest


scripts = st.builds(
    _script,
    steps,
    st.sampled_from([True, True, True, False]),
    st.lists(steps, min_size=5, max_size=40),
)


@settings(max_examples=600, deadline=None)
@given(scripts, st.integers(1, 3))
def test_random_command_sequences_keep_approval_invariants(script: list[Step], first: int) -> None:
    run = Run(draft_revision=first)  # past revision 1, "older" and "none" name real revisions
    for step in script:
        before = (run.state, len(run.log))
        command = step.command(run)
        outcome = run.handle(command)
        label(f"{command.type}: {_outcome_name(outcome)}")
        if isinstance(outcome, Rejection):
            # A refusal appends nothing and leaves the state as it was; deciding again agrees.
            assert (run.state, len(run.log)) == before
            assert type(run.handle(command)) is type(outcome)
        elif isinstance(command, ApproveStage) and outcome:
            _assert_the_approver_saw_the_requested_content(command, outcome)
    label(f"steps: {len(script) // 10 * 10}+")
    label(f"releases approved: {min(sum(isinstance(e, ReleaseApproved) for e in run.log), 2)}")
    assert run.state == APPROVAL.fold(run.log)


def _assert_the_approver_saw_the_requested_content(
    command: ApproveStage, events: list[ApprovalEvents]
) -> None:
    signed = events[0]
    assert isinstance(signed, StageApproved)
    seen = (command.revision, command.content_hash)
    assert seen == (signed.revision, signed.content_hash), f"approved {seen} for {signed}"


def _outcome_name(outcome: list[ApprovalEvents] | Rejection) -> str:
    if isinstance(outcome, Rejection):
        return type(outcome).__name__
    return "+".join(event.type for event in outcome) or "nothing"


HONEST = {"policy": PEOPLE[2], "legal": PEOPLE[3], "minister": PEOPLE[5]}  # erin, frank, dave


@settings(max_examples=100, deadline=None)
@given(st.integers(0, len(PLANS) - 1), st.permutations(["policy", "legal", "minister"]))
def test_honest_approvers_in_any_order_approve_the_release_exactly_once(
    plan: int, order: list[str]
) -> None:
    run = Run()
    run.handle(
        RequestApproval(
            release_id=RELEASE, actor=SYSTEM, revision=1, content_hash=hash_of(1),
            organisation="fco", submitted_by="bob", authors=["alice"], stages=PLANS[plan],
            policy="fco@1",
        )
    )  # fmt: skip
    names = [stage.name for stage in PLANS[plan]]
    waiting = [name for name in order if name in names]
    for _ in names:  # an approver whose stage is not open yet simply tries again later
        for name in list(waiting):
            command = ApproveStage(
                release_id=RELEASE, actor=HONEST[name], stage=name, revision=1,
                content_hash=hash_of(1),
            )  # fmt: skip
            if not isinstance(run.handle(command), Rejection):
                waiting.remove(name)
    releases = [event for event in run.log if isinstance(event, ReleaseApproved)]
    assert not waiting and releases == [run.log[-1]]
    assert releases[0].approvers == [HONEST[name].id for name in names]
