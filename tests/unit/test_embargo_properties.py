"""Embargo's invariants over random command sequences and clock steps, decided and folded like the
handler does, with the deadlines the events arm fired like the scheduler fires them."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Literal

from hypothesis import event as label
from hypothesis import given, settings
from hypothesis import strategies as st

from events.actor import Actor
from events.base import Event
from events.embargo import (
    ApprovalWithdrawnNoted,
    ApprovedRevisionNoted,
    CancelEmbargo,
    ChangeEmbargo,
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
    SetEmbargo,
)
from events.envelope import Envelope
from events.replies import Rejection
from services.embargo.deadlines import deadline_changes, to_command
from services.embargo.decider import EMBARGO
from services.embargo.domain import decide, evolve, initial_state
from services.embargo.rules import Embargo
from services.kit.deadlines import Deadline, Schedule
from tests.unit.given_when_then import NOW

RELEASE = "uk-japan-2016"
SYSTEM = Actor(id="pressroom-embargo", roles=["system"])
PEOPLE = [
    Actor(id="paul", roles=["press-officer"]),
    Actor(id="dave", roles=["managing-editor"]),
    Actor(id="alice", roles=["writer"]),
]
POOL = ["reuters", "nhk", "ap", "bbc"]
OFFSETS = [UTC, timezone(timedelta(hours=1)), timezone(timedelta(hours=9)),
           timezone(timedelta(hours=-5))]  # fmt: skip
# From now: in the past, now, soon, later; times are sent in any of OFFSETS.
SPANS = [timedelta(hours=-1), timedelta(0), timedelta(minutes=1), timedelta(hours=1),
         timedelta(hours=6), timedelta(days=1)]  # fmt: skip
TICKS = [timedelta(seconds=1), timedelta(minutes=1), timedelta(minutes=30), timedelta(hours=6),
         timedelta(days=1)]  # fmt: skip

Kind = Literal[
    "set", "change", "cancel", "early", "approve", "replay-approval", "revise", "lift", "issue",
    "tick", "fire", "sleep",
]  # fmt: skip


def hash_of(revision: int) -> str:
    return "sha256:" + hashlib.sha256(str(revision).encode()).hexdigest()


@dataclass(frozen=True)
class Step:
    kind: Kind
    person: int
    lift: int  # index into SPANS
    pre: int | None  # index into SPANS, or no pre-release time
    recipients: frozenset[str]
    offset: int  # index into OFFSETS: the zone the sender writes times in
    tick: int  # index into TICKS
    pick: int  # which earlier time a rogue scheduler command names


@dataclass
class Run:
    """One release: the embargo stream, the approval world it hears about, and the deadlines."""

    now: datetime = NOW
    state: Embargo = field(default_factory=initial_state)
    log: list[EmbargoEvents] = field(default_factory=list)
    draft_revision: int = 1
    approved: int | None = None  # the approval world: the revision approved right now
    ever_approved: list[int] = field(default_factory=list)
    deadlines: dict[str, Schedule] = field(default_factory=dict)
    times: list[datetime] = field(default_factory=lambda: [NOW])  # every time named so far
    # What the log itself says about the current embargo (never read from the domain's state).
    terms: EmbargoSet | EmbargoChanged | None = None
    issued: set[tuple[str, int, datetime]] = field(default_factory=set)
    lifts: int = 0

    def command(self, step: Step) -> EmbargoCommands | None:
        zone = OFFSETS[step.offset]
        lift_at = (self.now + SPANS[step.lift]).astimezone(zone)
        pre = None if step.pre is None else (self.now + SPANS[step.pre]).astimezone(zone)
        named = self.times[step.pick % len(self.times)]
        actor, release = PEOPLE[step.person % len(PEOPLE)], RELEASE
        match step.kind:
            case "set" | "change":
                model = SetEmbargo if step.kind == "set" else ChangeEmbargo
                self.times.append(lift_at)
                return model(
                    release_id=release, actor=actor, lift_at=lift_at, pre_release_at=pre,
                    recipients=sorted(step.recipients),
                )  # fmt: skip
            case "cancel":
                return CancelEmbargo(release_id=release, actor=actor)
            case "early":
                return LiftEmbargoEarly(release_id=release, actor=actor, reason="Announced.")
            case "approve":
                self.approved = self.draft_revision
                self.ever_approved.append(self.draft_revision)
                return self.note(self.draft_revision)
            case "replay-approval":  # an old ReleaseApproved delivered again
                return (
                    self.note(self.ever_approved[step.pick % len(self.ever_approved)])
                    if self.ever_approved
                    else None
                )
            case "revise":
                self.draft_revision, self.approved = self.draft_revision + 1, None
                return NoteApprovalWithdrawn(
                    release_id=release, actor=SYSTEM, revision=self.draft_revision - 1,
                    content_hash=hash_of(self.draft_revision - 1), new_revision=self.draft_revision,
                )  # fmt: skip
            case "lift":  # a scheduler command for any time named so far, due or not
                return LiftEmbargo(release_id=release, actor=SYSTEM, scheduled_lift_at=named)
            case "issue":
                return IssueEmbargoedCopies(
                    release_id=release, actor=SYSTEM, scheduled_pre_release_at=named
                )
            case "tick":
                self.now += TICKS[step.tick]
                return None
            case "fire":
                return self.fire_due()
            case "sleep":  # the exact scheduler: wakes at the earliest due time, then fires it
                dues = [armed.due_at for armed in self.deadlines.values()]
                self.now = max(self.now, min(dues, default=self.now))
                return self.fire_due()

    def note(self, revision: int) -> NoteApproval:
        return NoteApproval(
            release_id=RELEASE, actor=SYSTEM, revision=revision, content_hash=hash_of(revision)
        )

    def fire_due(self) -> EmbargoCommands | None:
        """The earliest due deadline, taken before its command runs, like the scheduler does."""
        due = [armed for armed in self.deadlines.values() if armed.due_at <= self.now]
        if not due:
            return None
        first = min(due, key=lambda armed: armed.due_at)
        del self.deadlines[first.kind]
        return to_command(Deadline(RELEASE, first.kind, first.key, first.due_at, first.payload))

    def handle(self, command: EmbargoCommands) -> list[EmbargoEvents] | Rejection:
        try:
            events = list(decide(command, self.state, self.now))
        except Rejection as refused:
            return refused
        for event in events:
            self.check(event)
            self.state = evolve(self.state, event)
            self.log.append(event)
        self.arm([Envelope[Event](
            id=f"e{len(self.log)}", source="/pressroom/embargo", time=self.now, subject=RELEASE,
            data=event, correlation_id="c", actor="test",
        ) for event in events])  # fmt: skip
        return events

    def arm(self, envelopes: list[Envelope[Event]]) -> None:
        for change in deadline_changes(envelopes):
            if isinstance(change, Schedule):
                self.deadlines[change.kind] = change
            else:
                self.deadlines.pop(change.kind, None)

    def check(self, event: EmbargoEvents) -> None:
        match event:
            case EmbargoSet():
                assert self.lifts == 0 and self.terms is None, "a second embargo at once"
                self.terms, self.issued = event, set()
            case EmbargoChanged():
                assert self.lifts == 0 and self.terms is not None
                self.terms = event
            case EmbargoCancelled():
                assert self.lifts == 0 and self.terms is not None
                self.terms = None
            case EmbargoedCopyIssued():
                self.check_copy(event)
            case EmbargoLiftDeferred():
                assert self.terms is not None and self.approved is None
                assert self.terms.lift_at == event.lift_at <= self.now
            case EmbargoLifted():
                self.check_lift(event.revision, event.content_hash)
                assert self.terms is not None and event.lift_at == self.terms.lift_at
                assert event.lift_at <= event.lifted_at == self.now, "lifted before its time"
                assert event.lateness_ms == (self.now - event.lift_at) // timedelta(milliseconds=1)
            case EmbargoLiftedEarly():
                self.check_lift(event.revision, event.content_hash)
                assert self.terms is not None and event.lifted_at == self.now < self.terms.lift_at
            case ApprovedRevisionNoted():
                assert event.revision == self.approved, f"noted {event.revision}, not the latest"
            case ApprovalWithdrawnNoted():
                assert self.approved is None

    def check_copy(self, event: EmbargoedCopyIssued) -> None:
        terms = self.terms
        assert self.lifts == 0 and terms is not None, "a copy outside an embargo"
        assert event.recipient in terms.recipients, f"a copy to {event.recipient}, no recipient"
        assert event.revision == self.approved, f"a copy of {event.revision}, not the approved one"
        assert event.content_hash == hash_of(event.revision)
        assert event.lift_at == terms.lift_at and self.now < terms.lift_at
        assert terms.pre_release_at is None or terms.pre_release_at <= self.now, (
            "before pre-release"
        )
        key = (event.recipient, event.revision, event.lift_at)
        assert key not in self.issued, f"{key} issued twice"
        self.issued.add(key)

    def check_lift(self, revision: int, content_hash: str) -> None:
        assert self.lifts == 0, "lifted twice"
        assert self.terms is not None, "lifted without an embargo"
        assert revision == self.approved and content_hash == hash_of(revision), "lifted unapproved"
        self.lifts += 1


KINDS: list[Kind] = ["set", "change", "cancel", "early", "approve", "replay-approval", "revise",
                     "lift", "issue"]  # fmt: skip
steps = st.builds(
    Step,
    # The clock and the scheduler move most; everything else interrupts them.
    kind=st.sampled_from([*KINDS, "set", "approve", *["tick"] * 3, *["fire"] * 2, *["sleep"] * 3]),
    person=st.sampled_from([0, 0, 0, 1, 2]),
    # Mostly valid embargoes: a lift to come, a pre-release before it or none.
    lift=st.sampled_from([0, 1, 2, 3, 3, 4, 4, 5]),
    pre=st.sampled_from([None, None, 0, 2, 3]),
    recipients=st.frozensets(st.sampled_from(POOL), max_size=3),
    offset=st.integers(0, len(OFFSETS) - 1),
    tick=st.integers(0, len(TICKS) - 1),
    pick=st.integers(0, 20),
)


def _script(starts_with_an_embargo: bool, rest: list[Step]) -> list[Step]:
    valid = Step("set", 0, 4, 3, frozenset(POOL[:2]), 1, 0, 0)  # lift in 6 h, copies in 1 h
    return [valid, *rest] if starts_with_an_embargo else rest


scripts = st.builds(
    _script, st.booleans() | st.just(True), st.lists(steps, min_size=10, max_size=50)
)


@settings(max_examples=600, deadline=None)
@given(scripts)
def test_random_command_sequences_and_clock_steps_keep_embargo_invariants(
    script: list[Step],
) -> None:
    run = Run()
    for step in script:
        command = run.command(step)
        if command is None:
            continue
        before = (run.state, len(run.log))
        outcome = run.handle(command)
        label(f"{command.type}: {_outcome_name(outcome)}")
        if isinstance(outcome, Rejection):
            # A refusal appends nothing and leaves the state as it was; deciding again agrees.
            assert (run.state, len(run.log)) == before
            assert type(run.handle(command)) is type(outcome)
    copies = sum(isinstance(event, EmbargoedCopyIssued) for event in run.log)
    label(f"lifted: {run.lifts}, copies: {min(copies, 3)}")
    assert run.state == EMBARGO.fold(run.log)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["approve", "revise", "tick", "fire", "fire"]), max_size=30))
def test_an_embargo_lifts_exactly_once_and_never_early_whatever_approval_does_meanwhile(
    moves: list[Kind],
) -> None:
    run = Run()
    run.handle(SetEmbargo(
        release_id=RELEASE, actor=PEOPLE[0], lift_at=NOW + timedelta(hours=6),
        recipients=["reuters"], pre_release_at=NOW + timedelta(hours=1),
    ))  # fmt: skip
    for move in [*moves, "approve", "tick", "tick", "fire", "fire"]:
        command = run.command(Step(move, 0, 0, None, frozenset(), 0, 3, 0))
        if command is not None:
            run.handle(command)
    lifts = [event for event in run.log if isinstance(event, EmbargoLifted)]
    assert len(lifts) == 1 and lifts[0].lifted_at >= lifts[0].lift_at == NOW + timedelta(hours=6)
    label(f"late: {lifts[0].lateness_ms > 0}")


def _outcome_name(outcome: list[EmbargoEvents] | Rejection) -> str:
    if isinstance(outcome, Rejection):
        return type(outcome).__name__
    return "+".join(sorted({event.type for event in outcome})) or "nothing"
