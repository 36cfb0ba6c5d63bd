"""Embargo's rules, one test each: given past events, when a command, then events or a refusal."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from pydantic import ValidationError

from events.actor import Actor
from events.base import Event
from events.embargo import (
    ApprovalWithdrawnNoted,
    ApprovedRevisionNoted,
    CancelEmbargo,
    ChangeEmbargo,
    EmbargoCancelled,
    EmbargoChanged,
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
from events.replies import OutcomeStatus, Rejection
from events.rules import NotAllowed
from events.times import instant_of
from services.embargo.deadlines import CURRENT, PRE_RELEASE, deadline_changes, to_command
from services.embargo.deadlines import LIFT as LIFT_KIND
from services.embargo.decider import EMBARGO
from services.embargo.rules import (
    AlreadyLifted,
    Embargo,
    EmbargoExists,
    EmbargoNotFound,
    InvalidEmbargo,
    NotApproved,
    NotDueYet,
    StaleVersion,
    Status,
)
from services.kit.deadlines import Cancel, Deadline, Schedule
from tests.unit.given_when_then import NOW, Given, specification

given = specification(EMBARGO)

RELEASE = "uk-japan-2016"
HASH_1 = "sha256:" + "1" * 64
HASH_2 = "sha256:" + "2" * 64
PRE = NOW + timedelta(hours=12)
LIFT = NOW + timedelta(days=1)
LATER = LIFT + timedelta(days=1)
TOKYO = timezone(timedelta(hours=9))

SYSTEM = Actor(id="pressroom-embargo", roles=["system"])
PAUL = Actor(id="paul", roles=["press-officer"], organisation="fco")
DAVE = Actor(id="dave", roles=["managing-editor"], organisation="fco")
ALICE = Actor(id="alice", roles=["writer"], organisation="fco")
REUTERS, NHK, AP = "j.smith-reuters", "a.tanaka-nhk", "m.jones-ap"


def at(now: datetime) -> Callable[[Sequence[EmbargoEvents]], Given[Any, Any, Embargo]]:
    """Decide at another instant than NOW."""
    return specification(EMBARGO, now)


def set_(
    lift: datetime = LIFT,
    recipients: tuple[str, ...] = (REUTERS, NHK),
    pre: datetime | None = PRE,
    actor: Actor = PAUL,
    expected: int | None = None,
) -> SetEmbargo:
    return SetEmbargo(
        release_id=RELEASE, actor=actor, lift_at=lift, recipients=list(recipients),
        pre_release_at=pre, expected_version=expected,
    )  # fmt: skip


def embargo_set(
    lift: datetime = LIFT, recipients: tuple[str, ...] = (REUTERS, NHK), pre: datetime | None = PRE
) -> EmbargoSet:
    return EmbargoSet(
        release_id=RELEASE, lift_at=lift, recipients=list(recipients), pre_release_at=pre,
        set_by="paul",
    )  # fmt: skip


def change(
    lift: datetime = LIFT,
    recipients: tuple[str, ...] = (REUTERS, NHK),
    pre: datetime | None = PRE,
    actor: Actor = PAUL,
) -> ChangeEmbargo:
    return ChangeEmbargo(
        release_id=RELEASE, actor=actor, lift_at=lift, recipients=list(recipients),
        pre_release_at=pre,
    )  # fmt: skip


def changed(
    lift: datetime = LIFT,
    recipients: tuple[str, ...] = (REUTERS, NHK),
    pre: datetime | None = PRE,
    previous: datetime = LIFT,
) -> EmbargoChanged:
    return EmbargoChanged(
        release_id=RELEASE, lift_at=lift, recipients=list(recipients), pre_release_at=pre,
        previous_lift_at=previous, changed_by="paul",
    )  # fmt: skip


def cancel(actor: Actor = PAUL) -> CancelEmbargo:
    return CancelEmbargo(release_id=RELEASE, actor=actor, reason="Visit postponed.")


def cancelled(lift: datetime = LIFT) -> EmbargoCancelled:
    return EmbargoCancelled(
        release_id=RELEASE, lift_at=lift, cancelled_by="paul", reason="Visit postponed."
    )


def note(revision: int = 1, content_hash: str = HASH_1, actor: Actor = SYSTEM) -> NoteApproval:
    return NoteApproval(
        release_id=RELEASE, actor=actor, revision=revision, content_hash=content_hash
    )


def noted(revision: int = 1, content_hash: str = HASH_1) -> ApprovedRevisionNoted:
    return ApprovedRevisionNoted(release_id=RELEASE, revision=revision, content_hash=content_hash)


def withdraw(new_revision: int = 2) -> NoteApprovalWithdrawn:
    return NoteApprovalWithdrawn(
        release_id=RELEASE, actor=SYSTEM, revision=1, content_hash=HASH_1,
        new_revision=new_revision,
    )  # fmt: skip


def withdrawn(new_revision: int = 2) -> ApprovalWithdrawnNoted:
    return ApprovalWithdrawnNoted(
        release_id=RELEASE, revision=1, content_hash=HASH_1, new_revision=new_revision
    )


def copy(
    recipient: str, revision: int = 1, content_hash: str = HASH_1, lift: datetime = LIFT
) -> EmbargoedCopyIssued:
    return EmbargoedCopyIssued(
        release_id=RELEASE, recipient=recipient, revision=revision, content_hash=content_hash,
        lift_at=lift,
    )  # fmt: skip


def issue(scheduled: datetime = PRE) -> IssueEmbargoedCopies:
    return IssueEmbargoedCopies(
        release_id=RELEASE, actor=SYSTEM, scheduled_pre_release_at=scheduled
    )


def lift(scheduled: datetime = LIFT) -> LiftEmbargo:
    return LiftEmbargo(release_id=RELEASE, actor=SYSTEM, scheduled_lift_at=scheduled)


def lifted(
    now: datetime, lift_at: datetime = LIFT, revision: int = 1, content_hash: str = HASH_1
) -> EmbargoLifted:
    return EmbargoLifted(
        release_id=RELEASE, lift_at=lift_at, lifted_at=now,
        lateness_ms=(now - lift_at) // timedelta(milliseconds=1), revision=revision,
        content_hash=content_hash,
    )  # fmt: skip


def deferred(now: datetime = LIFT) -> EmbargoLiftDeferred:
    return EmbargoLiftDeferred(release_id=RELEASE, lift_at=LIFT, deferred_at=now)


def lift_early(actor: Actor = DAVE) -> LiftEmbargoEarly:
    return LiftEmbargoEarly(release_id=RELEASE, actor=actor, reason="Announced in Tokyo.")


def lifted_early() -> EmbargoLiftedEarly:
    return EmbargoLiftedEarly(
        release_id=RELEASE, lift_at=LIFT, reason="Announced in Tokyo.", lifted_by="dave",
        lifted_at=NOW, revision=1, content_hash=HASH_1,
    )  # fmt: skip


COPIES = [copy(REUTERS), copy(NHK)]
APPROVED_AND_SET: list[EmbargoEvents] = [noted(), embargo_set()]


# --- set ------------------------------------------------------------------------------------


def test_a_press_officer_sets_an_embargo_with_its_lift_time_recipients_and_pre_release() -> None:
    given([]).when(set_()).then([embargo_set()])


def test_a_managing_editor_may_set_an_embargo_too() -> None:
    [event] = (
        given([]).when(set_(actor=DAVE)).then([embargo_set().model_copy(update={"set_by": "dave"})])
    )
    assert isinstance(event, EmbargoSet)


def test_a_writer_may_not_set_an_embargo() -> None:
    refused = given([]).when(set_(actor=ALICE)).then_rejects(NotAllowed)
    assert refused.status is OutcomeStatus.FORBIDDEN


def test_a_lift_time_sent_with_any_offset_is_kept_as_the_same_instant_in_utc() -> None:
    [event] = given([]).when(set_(lift=LIFT.astimezone(TOKYO))).then([embargo_set()])
    assert isinstance(event, EmbargoSet)
    assert event.lift_at.tzinfo is UTC and event.lift_at == LIFT


def test_a_lift_time_without_an_offset_is_refused_by_the_contract() -> None:
    with pytest.raises(ValidationError, match="timezone"):
        SetEmbargo(release_id=RELEASE, actor=PAUL, lift_at=datetime(2025, 3, 15, 0, 1))


def test_a_pre_release_time_without_an_offset_is_refused_by_the_contract() -> None:
    with pytest.raises(ValidationError, match="timezone"):
        SetEmbargo.model_validate(set_().data() | {"pre_release_at": "2025-03-14T18:00:00"})


@pytest.mark.parametrize("when", [NOW, NOW - timedelta(minutes=1)], ids=["now", "past"])
def test_a_lift_time_not_in_the_future_is_refused_as_invalid(when: datetime) -> None:
    refused = given([]).when(set_(lift=when, pre=None)).then_rejects(InvalidEmbargo)
    assert refused.status is OutcomeStatus.INVALID


def test_a_pre_release_at_or_after_the_lift_time_is_refused() -> None:
    given([]).when(set_(pre=LIFT)).then_rejects(InvalidEmbargo)


def test_a_pre_release_time_without_recipients_is_refused() -> None:
    given([]).when(set_(recipients=())).then_rejects(InvalidEmbargo)


def test_a_schedule_is_an_embargo_without_recipients() -> None:
    given([noted()]).when(set_(recipients=(), pre=None)).then(
        [embargo_set(recipients=(), pre=None)]
    )


def test_each_recipient_is_named_once_in_the_order_given() -> None:
    given([]).when(set_(recipients=(REUTERS, NHK, REUTERS))).then([embargo_set()])


def test_more_than_500_recipients_are_refused_by_the_contract() -> None:
    with pytest.raises(ValidationError, match="at most 500"):
        set_(recipients=tuple(f"journalist-{n}" for n in range(501)))


def test_setting_the_same_embargo_again_changes_nothing() -> None:
    given([embargo_set()]).when(set_(lift=LIFT.astimezone(TOKYO))).then([])


def test_setting_another_embargo_over_an_active_one_is_refused() -> None:
    given([embargo_set()]).when(set_(lift=LATER)).then_rejects(EmbargoExists)


def test_a_new_embargo_may_be_set_after_a_cancelled_one() -> None:
    given([embargo_set(), cancelled()]).when(set_(lift=LATER)).then([embargo_set(lift=LATER)])


def test_a_lifted_release_is_public_and_cannot_be_embargoed_again() -> None:
    history = [*APPROVED_AND_SET, lifted(LIFT)]
    at(LIFT)(history).when(set_(lift=LATER, pre=None)).then_rejects(AlreadyLifted)


def test_a_stale_expected_version_is_refused_as_a_conflict() -> None:
    refused = given([noted()]).when(set_(expected=0)).then_rejects(StaleVersion)
    assert refused.status is OutcomeStatus.CONFLICT


def test_set_before_any_approval_issues_no_copies() -> None:
    given([]).when(set_(pre=None)).then([embargo_set(pre=None)])


def test_set_after_approval_without_pre_release_time_issues_copies_at_once() -> None:
    given([noted()]).when(set_(pre=None)).then([embargo_set(pre=None), *COPIES])


def test_set_after_approval_with_a_pre_release_time_to_come_issues_nothing_yet() -> None:
    given([noted()]).when(set_()).then([embargo_set()])


def test_set_after_approval_with_a_pre_release_time_passed_issues_copies_at_once() -> None:
    past = NOW - timedelta(hours=1)
    given([noted()]).when(set_(pre=past)).then([embargo_set(pre=past), *COPIES])


# --- change ---------------------------------------------------------------------------------


def test_a_change_moves_the_lift_time_and_names_the_one_it_replaced() -> None:
    given([embargo_set()]).when(change(lift=LATER)).then([changed(lift=LATER)])


def test_a_change_that_changes_nothing_emits_nothing() -> None:
    given([embargo_set()]).when(change()).then([])


def test_changing_without_an_embargo_is_refused_as_not_found() -> None:
    refused = given([noted()]).when(change()).then_rejects(EmbargoNotFound)
    assert refused.status is OutcomeStatus.NOT_FOUND


def test_changing_a_cancelled_embargo_is_refused_as_not_found() -> None:
    given([embargo_set(), cancelled()]).when(change()).then_rejects(EmbargoNotFound)


def test_changing_a_lifted_embargo_is_refused() -> None:
    at(LIFT)([*APPROVED_AND_SET, lifted(LIFT)]).when(change(lift=LATER)).then_rejects(AlreadyLifted)


def test_a_change_may_not_move_the_lift_into_the_past() -> None:
    given([embargo_set()]).when(change(lift=NOW - timedelta(hours=1), pre=None)).then_rejects(
        InvalidEmbargo
    )


def test_a_writer_may_not_change_an_embargo() -> None:
    given([embargo_set()]).when(change(lift=LATER, actor=ALICE)).then_rejects(NotAllowed)


def test_a_recipient_added_after_copies_went_out_gets_one_and_nobody_else_again() -> None:
    history = [*APPROVED_AND_SET, *COPIES]
    at(PRE)(history).when(change(recipients=(REUTERS, NHK, AP))).then(
        [changed(recipients=(REUTERS, NHK, AP)), copy(AP)]
    )


def test_a_moved_lift_time_is_reissued_to_every_recipient_with_the_new_time() -> None:
    history = [*APPROVED_AND_SET, *COPIES]
    at(PRE)(history).when(change(lift=LATER)).then(
        [changed(lift=LATER), copy(REUTERS, lift=LATER), copy(NHK, lift=LATER)]
    )


def test_a_recipient_removed_gets_nothing_more() -> None:
    history = [*APPROVED_AND_SET, *COPIES]
    at(PRE)(history).when(change(lift=LATER, recipients=(NHK,))).then(
        [changed(lift=LATER, recipients=(NHK,)), copy(NHK, lift=LATER)]
    )


# --- cancel ---------------------------------------------------------------------------------


def test_a_press_officer_cancels_an_embargo_naming_its_lift_time() -> None:
    given([embargo_set()]).when(cancel()).then([cancelled()])


def test_cancelling_without_an_embargo_is_refused_as_not_found() -> None:
    given([]).when(cancel()).then_rejects(EmbargoNotFound)


def test_cancelling_a_lifted_embargo_is_refused() -> None:
    at(LIFT)([*APPROVED_AND_SET, lifted(LIFT)]).when(cancel()).then_rejects(AlreadyLifted)


def test_a_writer_may_not_cancel_an_embargo() -> None:
    given([embargo_set()]).when(cancel(actor=ALICE)).then_rejects(NotAllowed)


# --- lift early -----------------------------------------------------------------------------


def test_a_managing_editor_lifts_an_approved_release_early_with_a_reason() -> None:
    given(APPROVED_AND_SET).when(lift_early()).then([lifted_early()])


def test_a_press_officer_may_lift_early_too() -> None:
    [event] = (
        given(APPROVED_AND_SET)
        .when(lift_early(actor=PAUL))
        .then([lifted_early().model_copy(update={"lifted_by": "paul"})])
    )
    assert isinstance(event, EmbargoLiftedEarly)


def test_nothing_unapproved_is_lifted_early() -> None:
    given([embargo_set()]).when(lift_early()).then_rejects(NotApproved)


def test_an_early_lift_after_the_lift_time_is_a_late_lift_with_its_lateness() -> None:
    late = LIFT + timedelta(minutes=3)
    at(late)(APPROVED_AND_SET).when(lift_early()).then([lifted(late)])


def test_lifting_early_without_an_embargo_is_refused_as_not_found() -> None:
    given([noted()]).when(lift_early()).then_rejects(EmbargoNotFound)


def test_a_writer_may_not_lift_early() -> None:
    given(APPROVED_AND_SET).when(lift_early(actor=ALICE)).then_rejects(NotAllowed)


def test_an_early_lift_without_a_reason_is_refused_by_the_contract() -> None:
    with pytest.raises(ValidationError):
        LiftEmbargoEarly(release_id=RELEASE, actor=DAVE, reason="  ")


# --- approvals ------------------------------------------------------------------------------


def test_an_approval_is_noted_even_without_an_embargo() -> None:
    given([]).when(note()).then([noted()])


def test_an_approval_under_embargo_after_pre_release_issues_a_copy_to_each_recipient() -> None:
    at(PRE)([embargo_set()]).when(note()).then([noted(), *COPIES])


def test_an_approval_before_the_pre_release_time_issues_nothing_yet() -> None:
    given([embargo_set()]).when(note()).then([noted()])


def test_the_same_approval_noted_again_changes_nothing() -> None:
    at(PRE)([embargo_set(), noted(), *COPIES]).when(note()).then([])


def test_an_approval_of_a_superseded_revision_is_ignored() -> None:
    given([noted(), withdrawn(new_revision=2)]).when(note(revision=1)).then([])


def test_a_new_revision_approved_under_embargo_is_reissued_to_the_same_recipients() -> None:
    history = [*APPROVED_AND_SET, *COPIES, withdrawn()]
    at(PRE)(history).when(note(2, HASH_2)).then(
        [noted(2, HASH_2), copy(REUTERS, 2, HASH_2), copy(NHK, 2, HASH_2)]
    )


def test_an_approval_after_a_deferred_lift_lifts_at_once_with_its_lateness() -> None:
    late = LIFT + timedelta(hours=2)
    at(late)([embargo_set(), deferred()]).when(note()).then([noted(), lifted(late)])


def test_an_approval_after_the_lift_time_lifts_even_before_the_scheduler_has_fired() -> None:
    late = LIFT + timedelta(seconds=1)
    at(late)([embargo_set()]).when(note()).then([noted(), lifted(late)])


def test_an_approval_after_the_lift_only_notes_it() -> None:
    at(LATER)([*APPROVED_AND_SET, lifted(LIFT), withdrawn()]).when(note(2, HASH_2)).then(
        [noted(2, HASH_2)]
    )


def test_only_embargo_itself_notes_approvals() -> None:
    given([]).when(note(actor=PAUL)).then_rejects(NotAllowed)


def test_a_withdrawn_approval_is_noted() -> None:
    given([noted()]).when(withdraw()).then([withdrawn()])


def test_a_withdrawal_with_nothing_approved_changes_nothing() -> None:
    given([]).when(withdraw()).then([])


def test_a_withdrawal_older_than_the_approval_changes_nothing() -> None:
    given([noted(2, HASH_2)]).when(withdraw(new_revision=2)).then([])


def test_after_a_withdrawal_the_lift_is_deferred_not_made() -> None:
    at(LIFT)([*APPROVED_AND_SET, withdrawn()]).when(lift()).then([deferred()])


# --- pre-release ----------------------------------------------------------------------------


def test_at_the_pre_release_time_each_recipient_gets_a_copy_of_the_approved_revision() -> None:
    at(PRE)(APPROVED_AND_SET).when(issue()).then(COPIES)


def test_at_the_pre_release_time_nothing_unapproved_is_issued() -> None:
    at(PRE)([embargo_set()]).when(issue()).then([])


def test_copies_are_not_issued_before_the_pre_release_time() -> None:
    at(PRE - timedelta(microseconds=1))(APPROVED_AND_SET).when(issue()).then_rejects(NotDueYet)


def test_a_pre_release_scheduled_for_a_time_since_changed_is_ignored() -> None:
    history = [*APPROVED_AND_SET, changed(pre=PRE + timedelta(hours=1))]
    at(PRE)(history).when(issue()).then([])


def test_each_recipient_gets_each_copy_once() -> None:
    at(PRE)([*APPROVED_AND_SET, *COPIES]).when(issue()).then([])


def test_a_pre_release_after_a_cancel_issues_nothing() -> None:
    at(PRE)([*APPROVED_AND_SET, cancelled()]).when(issue()).then([])


def test_no_copies_once_the_lift_is_due() -> None:
    at(LIFT)(APPROVED_AND_SET).when(issue()).then([])


# --- lift -----------------------------------------------------------------------------------


def test_at_the_lift_time_an_approved_release_lifts_on_time() -> None:
    [event] = at(LIFT)(APPROVED_AND_SET).when(lift()).then([lifted(LIFT)])
    assert isinstance(event, EmbargoLifted) and event.lateness_ms == 0


def test_a_late_lift_records_its_lateness_in_milliseconds() -> None:
    late = LIFT + timedelta(seconds=90, microseconds=1500)
    [event] = at(late)(APPROVED_AND_SET).when(lift()).then([lifted(late)])
    assert isinstance(event, EmbargoLifted) and event.lateness_ms == 90_001


def test_nothing_lifts_before_its_lift_time() -> None:
    almost = LIFT - timedelta(microseconds=1)
    at(almost)(APPROVED_AND_SET).when(lift()).then_rejects(NotDueYet)


def test_a_lift_scheduled_for_a_time_since_changed_is_ignored() -> None:
    history = [*APPROVED_AND_SET, changed(lift=LATER)]
    at(LATER)(history).when(lift(LIFT)).then([])


def test_a_lift_after_a_cancel_is_ignored() -> None:
    at(LIFT)([*APPROVED_AND_SET, cancelled()]).when(lift()).then([])


def test_an_embargo_lifts_once() -> None:
    at(LATER)([*APPROVED_AND_SET, lifted(LIFT)]).when(lift()).then([])


def test_a_lift_after_an_early_lift_is_ignored() -> None:
    at(LIFT)([*APPROVED_AND_SET, lifted_early()]).when(lift()).then([])


def test_a_lift_time_reached_unapproved_is_deferred_once() -> None:
    at(LIFT)([embargo_set()]).when(lift()).then([deferred()])
    at(LATER)([embargo_set(), deferred()]).when(lift()).then([])


def test_a_lift_command_naming_the_instant_in_another_offset_is_not_stale() -> None:
    at(LIFT)(APPROVED_AND_SET).when(lift(LIFT.astimezone(TOKYO))).then([lifted(LIFT)])


def test_only_embargo_itself_lifts_on_schedule() -> None:
    command = LiftEmbargo(release_id=RELEASE, actor=PAUL, scheduled_lift_at=LIFT)
    at(LIFT)(APPROVED_AND_SET).when(command).then_rejects(NotAllowed)


# --- clock changes (Europe/London) -----------------------------------------------------------

# 00:01 London time on the nights around the 2025 changes, as a press officer's tool sends it.
BST_CASES = [
    ("2025-03-30T00:01:00+00:00", datetime(2025, 3, 30, 0, 1), datetime(2025, 3, 30, 0, 1)),
    ("2025-03-31T00:01:00+01:00", datetime(2025, 3, 31, 0, 1), datetime(2025, 3, 30, 23, 1)),
    ("2025-10-26T00:01:00+01:00", datetime(2025, 10, 26, 0, 1), datetime(2025, 10, 25, 23, 1)),
    ("2025-10-27T00:01:00+00:00", datetime(2025, 10, 27, 0, 1), datetime(2025, 10, 27, 0, 1)),
]
BST_IDS = ["spring-forward-night", "first-bst-night", "fall-back-night", "first-gmt-night"]


@pytest.mark.parametrize(("sent", "wall", "utc"), BST_CASES, ids=BST_IDS)
def test_a_0001_london_embargo_around_a_clock_change_is_stored_as_the_right_utc_instant(
    sent: str, wall: datetime, utc: datetime
) -> None:
    command = SetEmbargo.model_validate(set_(pre=None).data() | {"lift_at": sent})
    [event] = given([]).when(command).then([embargo_set(lift=utc.replace(tzinfo=UTC), pre=None)])
    assert isinstance(event, EmbargoSet) and event.lift_at.tzinfo is UTC
    assert instant_of(wall, "Europe/London") == event.lift_at


@pytest.mark.parametrize(("sent", "wall", "utc"), BST_CASES, ids=BST_IDS)
def test_a_0001_london_embargo_around_a_clock_change_lifts_at_that_instant_not_before(
    sent: str, wall: datetime, utc: datetime
) -> None:
    instant = datetime.fromisoformat(sent)
    history: list[EmbargoEvents] = [noted(), embargo_set(lift=instant, pre=None)]
    one_hour_early = instant - timedelta(hours=1)  # 00:01 read in the wrong half of the year
    at(one_hour_early)(history).when(lift(instant)).then_rejects(NotDueYet)
    at(utc.replace(tzinfo=UTC))(history).when(lift(instant)).then([lifted(instant, instant)])


# --- evolve and refusals ---------------------------------------------------------------------


def test_a_release_without_events_is_not_under_embargo_at_version_zero() -> None:
    state = given([]).state
    assert (state.status, state.version, state.terms, state.approved) == (
        Status.NONE,
        0,
        None,
        None,
    )


def test_version_counts_every_event_of_the_release() -> None:
    history = [*APPROVED_AND_SET, *COPIES, withdrawn(), deferred()]
    assert given(history).state.version == len(history)


def test_a_deferred_lift_is_cleared_by_a_change() -> None:
    state = given([embargo_set(), deferred(), changed(lift=LATER)]).state
    assert state.status is Status.ACTIVE and not state.deferred


@pytest.mark.parametrize(
    ("rejection", "status"),
    [
        (EmbargoNotFound, OutcomeStatus.NOT_FOUND),
        (NotAllowed, OutcomeStatus.FORBIDDEN),
        (InvalidEmbargo, OutcomeStatus.INVALID),
        (EmbargoExists, OutcomeStatus.CONFLICT),
        (AlreadyLifted, OutcomeStatus.CONFLICT),
        (NotApproved, OutcomeStatus.CONFLICT),
        (NotDueYet, OutcomeStatus.CONFLICT),
        (StaleVersion, OutcomeStatus.CONFLICT),
    ],
)
def test_each_refusal_maps_to_its_outcome_status_and_problem_type(
    rejection: type[Rejection], status: OutcomeStatus
) -> None:
    problem = rejection("why").problem()
    assert rejection.status is status
    assert problem.type.startswith("urn:pressroom:problem:")
    assert problem.detail == "why"


# --- deadlines ------------------------------------------------------------------------------


def _envelope(event: EmbargoEvents) -> Envelope[Event]:
    return Envelope[Event](
        id="event-1", source="/pressroom/embargo", time=NOW, subject=RELEASE, data=event,
        sequence=1, correlation_id="corr-1", causation_id="cmd-1", actor="paul",
    )  # fmt: skip


def _changes(*events: EmbargoEvents) -> list[Schedule | Cancel]:
    return deadline_changes([_envelope(event) for event in events])


PAYLOAD = {"correlation_id": "corr-1", "causation_id": "event-1"}


def test_an_embargo_arms_its_lift_and_its_pre_release() -> None:
    assert _changes(embargo_set()) == [
        Schedule(RELEASE, LIFT_KIND, CURRENT, LIFT, PAYLOAD),
        Schedule(RELEASE, PRE_RELEASE, CURRENT, PRE, PAYLOAD),
    ]


def test_an_embargo_without_pre_release_time_arms_only_its_lift() -> None:
    assert _changes(embargo_set(pre=None)) == [
        Schedule(RELEASE, LIFT_KIND, CURRENT, LIFT, PAYLOAD),
        Cancel(RELEASE, PRE_RELEASE),
    ]


def test_a_change_moves_both_deadlines_under_the_same_keys() -> None:
    later_pre = PRE + timedelta(hours=1)
    assert _changes(changed(lift=LATER, pre=later_pre)) == [
        Schedule(RELEASE, LIFT_KIND, CURRENT, LATER, PAYLOAD),
        Schedule(RELEASE, PRE_RELEASE, CURRENT, later_pre, PAYLOAD),
    ]


@pytest.mark.parametrize(
    "event", [cancelled(), lifted(LIFT), lifted_early()], ids=["cancelled", "lifted", "early"]
)
def test_a_cancel_or_a_lift_disarms_both_deadlines(event: EmbargoEvents) -> None:
    assert _changes(event) == [Cancel(RELEASE, LIFT_KIND), Cancel(RELEASE, PRE_RELEASE)]


def test_other_events_touch_no_deadline() -> None:
    assert _changes(noted(), withdrawn(), copy(REUTERS), deferred()) == []


def test_a_due_lift_becomes_a_lift_command_naming_its_time() -> None:
    command = to_command(Deadline(RELEASE, LIFT_KIND, CURRENT, LIFT, PAYLOAD))
    assert command == lift()


def test_a_due_pre_release_becomes_an_issue_command_naming_its_time() -> None:
    command = to_command(Deadline(RELEASE, PRE_RELEASE, CURRENT, PRE, PAYLOAD))
    assert command == issue()


def test_a_deadline_of_an_unknown_kind_is_an_error() -> None:
    with pytest.raises(ValueError, match="kind"):
        to_command(Deadline(RELEASE, "overdue", CURRENT, LIFT, {}))


def test_the_lift_an_embargo_arms_lifts_it_when_due() -> None:
    [armed, _] = _changes(embargo_set())
    assert isinstance(armed, Schedule)
    command = to_command(Deadline(RELEASE, armed.kind, armed.key, armed.due_at, armed.payload))
    at(armed.due_at)(APPROVED_AND_SET).when(command).then([lifted(LIFT)])
