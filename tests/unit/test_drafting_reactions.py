"""Drafting's pure reaction to approval's events: a rejection reopens the draft."""

from __future__ import annotations

from typing import Any

from events.approval import ReleaseApproved, ReleaseRejected
from events.base import Message
from events.content import ReleaseContent, content_hash
from events.drafting import ReopenDraft
from events.envelope import Envelope
from services.drafting.reactions import SYSTEM_ACTOR, reaction_to_approval
from tests.unit.given_when_then import NOW

RELEASE = "uk-japan-2016"
HASH = content_hash(ReleaseContent(title="UK and Japan agree", organisations=["fco"]))


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


def test_a_rejection_reopens_that_revision_saying_who_rejected_it_where_and_why() -> None:
    rejected = ReleaseRejected(
        release_id=RELEASE,
        stage="legal",
        revision=2,
        content_hash=HASH,
        reason="The quote needs clearance.",
        rejected_by="frank",
    )
    assert reaction_to_approval(envelope(rejected)) == ReopenDraft(
        release_id=RELEASE,
        actor=SYSTEM_ACTOR,
        revision=2,
        stage="legal",
        reason="The quote needs clearance.",
        rejected_by="frank",
    )


def test_other_approval_events_leave_the_draft_alone() -> None:
    approved = ReleaseApproved(release_id=RELEASE, revision=2, content_hash=HASH, approvers=["x"])
    assert reaction_to_approval(envelope(approved)) is None
