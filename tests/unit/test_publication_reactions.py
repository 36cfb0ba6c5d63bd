"""Publication's pure reactions to approval, embargo and drafting: each upstream event the
public waits for becomes publication's own note, sent by the system; the rest is ignored."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from events.approval import (
    ApprovalInvalidated,
    ReleaseApproved,
    ReleaseForceApproved,
    ReleaseRejected,
    ReleaseRetrospectivelyApproved,
)
from events.base import Message
from events.content import ReleaseContent, content_hash
from events.drafting import DraftCreated, DraftRevised, DraftSubmitted, NotePublished
from events.embargo import (
    EmbargoCancelled,
    EmbargoChanged,
    EmbargoedCopyIssued,
    EmbargoLifted,
    EmbargoLiftedEarly,
    EmbargoSet,
)
from events.envelope import Envelope
from events.publication import (
    NoteApproval,
    NoteApprovalWithdrawn,
    NoteEmbargo,
    NoteEmbargoCancelled,
    NoteEmbargoLifted,
    NoteRevisionContent,
    ReleasePublished,
)
from services.drafting.reactions import SYSTEM_ACTOR as DRAFTING_SYSTEM
from services.drafting.reactions import reaction_to_publication
from services.kit.policy import CannotReact
from services.publication.decider import PUBLICATION
from services.publication.reactions import (
    reaction_to_approval,
    reaction_to_drafting,
    reaction_to_embargo,
)
from services.publication.revision_contents import contents_written
from services.publication.rules import SYSTEM_ACTOR
from tests.unit.given_when_then import NOW

RELEASE = "uk-japan-2016"
CONTENT = ReleaseContent(title="UK and Japan agree", body="Talks.", organisations=["fco"])
HASH = content_hash(CONTENT)
LIFT = NOW - timedelta(minutes=1)


def envelope(message: Message) -> Envelope[Any]:
    return Envelope[Message](
        id="evt-1", source="/pressroom/upstream", time=NOW, subject=RELEASE, data=message,
        sequence=3, correlation_id="corr-1", actor="frank",
    )  # fmt: skip


def test_an_approval_forced_or_not_is_noted_with_its_revision_and_hash() -> None:
    approved = ReleaseApproved(release_id=RELEASE, revision=1, content_hash=HASH, approvers=["e"])
    forced = ReleaseForceApproved(
        release_id=RELEASE, revision=1, content_hash=HASH, reason="Minister's call.", forced_by="m"
    )
    expected = NoteApproval(release_id=RELEASE, actor=SYSTEM_ACTOR, revision=1, content_hash=HASH)
    assert reaction_to_approval(envelope(approved)) == expected
    assert reaction_to_approval(envelope(forced)) == expected


def test_an_invalidated_approval_is_noted_as_withdrawn_with_the_newer_revision() -> None:
    invalidated = ApprovalInvalidated(
        release_id=RELEASE, revision=1, content_hash=HASH, new_revision=2, was_approved=True
    )
    assert reaction_to_approval(envelope(invalidated)) == NoteApprovalWithdrawn(
        release_id=RELEASE, actor=SYSTEM_ACTOR, revision=1, content_hash=HASH, new_revision=2
    )


def test_rejections_and_retrospective_approvals_change_nothing_public() -> None:
    rejected = ReleaseRejected(
        release_id=RELEASE, stage="legal", revision=1, content_hash=HASH,
        reason="Not yet.", rejected_by="frank",
    )  # fmt: skip
    later = ReleaseRetrospectivelyApproved(
        release_id=RELEASE, revision=1, content_hash=HASH, approved_by="ed"
    )
    assert [reaction_to_approval(envelope(e)) for e in (rejected, later)] == [None, None]


def test_a_set_or_moved_embargo_is_noted_with_its_lift_time() -> None:
    held = EmbargoSet(release_id=RELEASE, lift_at=LIFT, recipients=[], pre_release_at=None,
                      set_by="paula")  # fmt: skip
    moved = EmbargoChanged(
        release_id=RELEASE, lift_at=LIFT, recipients=[], pre_release_at=None,
        previous_lift_at=NOW, changed_by="paula",
    )  # fmt: skip
    expected = NoteEmbargo(release_id=RELEASE, actor=SYSTEM_ACTOR, lift_at=LIFT)
    assert [reaction_to_embargo(envelope(e)) for e in (held, moved)] == [expected, expected]


def test_a_cancelled_embargo_is_noted_and_a_copy_for_a_journalist_is_not() -> None:
    cancelled = EmbargoCancelled(release_id=RELEASE, lift_at=LIFT, cancelled_by="paula")
    copy = EmbargoedCopyIssued(
        release_id=RELEASE, recipient="jo-bbc", revision=1, content_hash=HASH, lift_at=LIFT
    )
    assert reaction_to_embargo(envelope(cancelled)) == NoteEmbargoCancelled(
        release_id=RELEASE, actor=SYSTEM_ACTOR
    )
    assert reaction_to_embargo(envelope(copy)) is None


def test_a_lift_on_time_or_early_is_noted_with_the_revision_it_lifted() -> None:
    on_time = EmbargoLifted(
        release_id=RELEASE, lift_at=LIFT, lifted_at=NOW, lateness_ms=60_000, revision=1,
        content_hash=HASH,
    )  # fmt: skip
    early = EmbargoLiftedEarly(
        release_id=RELEASE, lift_at=NOW, reason="Leaked.", lifted_by="dave", lifted_at=NOW,
        revision=1, content_hash=HASH,
    )  # fmt: skip
    expected = NoteEmbargoLifted(
        release_id=RELEASE, actor=SYSTEM_ACTOR, revision=1, content_hash=HASH, lifted_at=NOW
    )
    assert [reaction_to_embargo(envelope(e)) for e in (on_time, early)] == [expected, expected]


CREATED = DraftCreated(
    release_id=RELEASE, revision=1, content=CONTENT, content_hash=HASH, created_by="alice",
    organisation="fco",
)  # fmt: skip
SUBMITTED = DraftSubmitted(
    release_id=RELEASE, revision=2, content_hash=HASH, submitted_by="alice", organisation="fco",
    authors=["alice"],
)  # fmt: skip


def test_only_a_submission_is_noted_with_the_content_kept_for_its_revision() -> None:
    """Issue 15: a note per revision written was a third of an HTTP create's CPU; only a
    submitted revision can be approved and go public."""
    revised = DraftRevised(
        release_id=RELEASE, revision=2, content=CONTENT, content_hash=HASH,
        changed_fields=["body"], revised_by="alice",
    )  # fmt: skip
    react = reaction_to_drafting(dict(contents_written([envelope(CREATED), envelope(revised)])))
    notes = [react(envelope(e)) for e in (CREATED, revised, SUBMITTED)]
    assert notes == [None, None, NoteRevisionContent(
        release_id=RELEASE, actor=SYSTEM_ACTOR, revision=2, content_hash=HASH, content=CONTENT,
    )]  # fmt: skip


def test_a_submission_whose_content_was_never_kept_cannot_be_noted_and_says_why() -> None:
    other_hash = content_hash(CONTENT.model_copy(update={"body": "Other."}))
    react = reaction_to_drafting(dict([((RELEASE, 2, other_hash), CONTENT)]))
    with pytest.raises(CannotReact, match="no content for revision 2 of uk-japan-2016"):
        react(envelope(SUBMITTED))


def test_a_submission_noted_as_an_event_before_contents_were_kept_calls_for_nothing() -> None:
    assert reaction_to_drafting({(RELEASE, 2, HASH): None})(envelope(SUBMITTED)) is None


def test_the_notes_in_any_order_publish_edition_one_at_the_lift() -> None:
    upstream: list[Message] = [
        EmbargoSet(release_id=RELEASE, lift_at=LIFT, recipients=[], pre_release_at=None,
                   set_by="paula"),
        SUBMITTED,
        ReleaseApproved(release_id=RELEASE, revision=2, content_hash=HASH, approvers=["e"]),
        EmbargoLifted(release_id=RELEASE, lift_at=LIFT, lifted_at=NOW, lateness_ms=0,
                      revision=2, content_hash=HASH),
    ]  # fmt: skip
    kept = {(RELEASE, 2, HASH): CONTENT}  # as publication kept it from DraftRevised
    reactions = (reaction_to_approval, reaction_to_embargo, reaction_to_drafting(kept))
    history: list[Any] = []
    for event in upstream:
        [command] = [c for react in reactions if (c := react(envelope(event))) is not None]
        history += PUBLICATION.decide(command, PUBLICATION.fold(history), NOW)
    published = [e for e in history if isinstance(e, ReleasePublished)]
    [edition] = published
    assert (edition.edition, edition.content_hash, edition.content) == (1, HASH, CONTENT)


def test_drafting_notes_each_published_edition_with_its_revision() -> None:
    published = ReleasePublished(
        release_id=RELEASE, edition=2, update_type="minor", change_note="", slug="uk",
        revision=3, content_hash=HASH, content=CONTENT, first_published_at=LIFT,
        public_updated_at=LIFT, change_history=[], published_by="paul",
    )  # fmt: skip
    assert reaction_to_publication(envelope(published)) == NotePublished(
        release_id=RELEASE, actor=DRAFTING_SYSTEM, edition=2, revision=3
    )
    held = EmbargoSet(release_id=RELEASE, lift_at=LIFT, recipients=[], pre_release_at=None,
                      set_by="paula")  # fmt: skip
    assert reaction_to_publication(envelope(held)) is None
