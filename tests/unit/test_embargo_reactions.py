"""Embargo's pure reactions to approval's events: approvals and withdrawals noted, the rest not."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from events.approval import (
    ApprovalInvalidated,
    ApprovalRequested,
    ReleaseApproved,
    ReleaseForceApproved,
    ReleaseRejected,
    ReleaseRetrospectivelyApproved,
)
from events.base import Message
from events.embargo import (
    ApprovalWithdrawnNoted,
    ApprovedRevisionNoted,
    EmbargoLifted,
    EmbargoSet,
    NoteApproval,
    NoteApprovalWithdrawn,
)
from events.envelope import Envelope
from services.embargo.decider import EMBARGO
from services.embargo.reactions import reaction_to_approval
from services.embargo.rules import SYSTEM_ACTOR
from tests.unit.given_when_then import NOW

RELEASE = "uk-japan-2016"
HASH_1, HASH_2 = "sha256:" + "1" * 64, "sha256:" + "2" * 64
APPROVED = ReleaseApproved(
    release_id=RELEASE, revision=1, content_hash=HASH_1, approvers=["erin", "frank"]
)
FORCED = ReleaseForceApproved(
    release_id=RELEASE, revision=2, content_hash=HASH_2, reason="Minister's call.", forced_by="max"
)
INVALIDATED = ApprovalInvalidated(
    release_id=RELEASE, revision=1, content_hash=HASH_1, new_revision=2, was_approved=True
)


def envelope(message: Message) -> Envelope[Any]:
    return Envelope[Message](
        id="evt-1",
        source="/pressroom/approval",
        time=NOW,
        subject=RELEASE,
        data=message,
        sequence=3,
        correlation_id="corr-1",
        actor="frank",
    )


def test_an_approval_is_noted_with_its_revision_and_hash_by_the_system() -> None:
    assert reaction_to_approval(envelope(APPROVED)) == NoteApproval(
        release_id=RELEASE, actor=SYSTEM_ACTOR, revision=1, content_hash=HASH_1
    )


def test_a_forced_approval_is_noted_like_any_other() -> None:
    assert reaction_to_approval(envelope(FORCED)) == NoteApproval(
        release_id=RELEASE, actor=SYSTEM_ACTOR, revision=2, content_hash=HASH_2
    )


def test_an_invalidated_approval_is_noted_as_withdrawn_with_the_newer_revision() -> None:
    assert reaction_to_approval(envelope(INVALIDATED)) == NoteApprovalWithdrawn(
        release_id=RELEASE, actor=SYSTEM_ACTOR, revision=1, content_hash=HASH_1, new_revision=2
    )


def test_requests_rejections_and_retrospective_approvals_change_nothing_embargo_holds() -> None:
    others = [
        ApprovalRequested(
            release_id=RELEASE, revision=1, content_hash=HASH_1, organisation="fco",
            submitted_by="alice", authors=["alice"], stages=[], policy="fco@1",
            one_person_may_fill_several_stages=False,
        ),
        ReleaseRejected(
            release_id=RELEASE, stage="legal", revision=1, content_hash=HASH_1,
            reason="Not yet.", rejected_by="frank",
        ),
        ReleaseRetrospectivelyApproved(
            release_id=RELEASE, revision=2, content_hash=HASH_2, approved_by="ed"
        ),
    ]  # fmt: skip
    assert [reaction_to_approval(envelope(event)) for event in others] == [None, None, None]


def test_the_noted_approval_is_accepted_by_embargo_and_lifts_a_due_embargo() -> None:
    lift_at = NOW - timedelta(minutes=1)
    embargoed = EmbargoSet(
        release_id=RELEASE, lift_at=lift_at, recipients=[], pre_release_at=None, set_by="paula"
    )
    state = EMBARGO.fold([embargoed])
    command = reaction_to_approval(envelope(APPROVED))
    noted, lifted = EMBARGO.decide(command, state, NOW)
    assert noted == ApprovedRevisionNoted(release_id=RELEASE, revision=1, content_hash=HASH_1)
    assert isinstance(lifted, EmbargoLifted) and lifted.lateness_ms == 60_000


def test_the_noted_withdrawal_takes_back_what_was_approved() -> None:
    state = EMBARGO.fold(
        [ApprovedRevisionNoted(release_id=RELEASE, revision=1, content_hash=HASH_1)]
    )
    [withdrawn] = EMBARGO.decide(reaction_to_approval(envelope(INVALIDATED)), state, NOW)
    assert withdrawn == ApprovalWithdrawnNoted(
        release_id=RELEASE, revision=1, content_hash=HASH_1, new_revision=2
    )
