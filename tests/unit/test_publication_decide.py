"""Publication's rules, one test each: given past events, when a command, then events or refusal."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from pydantic import ValidationError

from events.actor import Actor
from events.content import ReleaseContent, content_hash
from events.publication import (
    ApprovalWithdrawnNoted,
    ApprovedRevisionNoted,
    ChangeNote,
    EmbargoCancellationNoted,
    EmbargoLiftNoted,
    EmbargoNoted,
    NoteApproval,
    NoteEmbargoLifted,
    NotePublicationCleared,
    NotePublicationHeld,
    NoteRevisionContent,
    PublicationClearanceNoted,
    PublicationEvents,
    PublicationRequested,
    PublishOnLift,
    PublishRelease,
    ReleasePublished,
    ReleaseUnpublished,
    ReleaseWithdrawn,
    RevisionContentNoted,
    UnpublishRelease,
    UpdateType,
    WithdrawRelease,
)
from events.replies import OutcomeStatus, Rejection
from events.rules import NotAllowed
from services.publication.decider import PUBLICATION, asks_embargo, embargo_answered
from services.publication.rules import (
    AlreadyPublished,
    ContentMismatch,
    ContentUnknown,
    InvalidPublication,
    NoLongerPublic,
    NotApproved,
    NotPublished,
    StaleVersion,
    UnderEmbargo,
)
from tests.unit.given_when_then import NOW, specification

given = specification(PUBLICATION)
RELEASE = "uk-japan-2016"
LIFT = NOW - timedelta(hours=2)
EARLIER = NOW - timedelta(days=1)
SYSTEM = Actor(id="pressroom-publication", roles=["system"])
PAUL = Actor(id="paul", roles=["press-officer"], organisation="fco")
DAVE = Actor(id="dave", roles=["managing-editor"], organisation="fco")
ALICE = Actor(id="alice", roles=["writer"], organisation="fco")
TITLE = "Foreign Secretary visits Japan"
SLUG = "foreign-secretary-visits-japan"
CONTENTS = {
    n: ReleaseContent(title=TITLE, body=f"Body {n}.", organisations=["fco"]) for n in (1, 2)
}
HASHES = {n: content_hash(content) for n, content in CONTENTS.items()}
FIRST_NOTE = "First published."
FIRST = ChangeNote(edition=1, note=FIRST_NOTE, public_timestamp=EARLIER)


def content(revision: int = 1, hash_: str | None = None) -> RevisionContentNoted:
    return RevisionContentNoted(
        release_id=RELEASE, revision=revision, content_hash=hash_ or HASHES[revision],
        content=CONTENTS[revision],
    )  # fmt: skip


def approved(revision: int = 1) -> ApprovedRevisionNoted:
    return ApprovedRevisionNoted(
        release_id=RELEASE, revision=revision, content_hash=HASHES[revision]
    )


def publish(
    update: UpdateType | None = None, note: str = "", actor: Actor = PAUL
) -> PublishRelease:
    return PublishRelease(release_id=RELEASE, actor=actor, update_type=update, change_note=note)


def published(
    edition: int = 1, revision: int = 1, update: UpdateType = "major", note: str = FIRST_NOTE,
    history: tuple[ChangeNote, ...] = (), at: datetime = NOW, updated: datetime | None = None,
    by: str = "paul", first: datetime | None = None,
) -> ReleasePublished:  # fmt: skip
    return ReleasePublished(
        release_id=RELEASE, edition=edition, update_type=update, change_note=note, slug=SLUG,
        revision=revision, content_hash=HASHES[revision], content=CONTENTS[revision],
        first_published_at=first or at, public_updated_at=updated or at,
        change_history=list(history) or [ChangeNote(edition=1, note=note, public_timestamp=at)],
        published_by=by,
    )  # fmt: skip


def lift_note() -> NoteEmbargoLifted:
    return NoteEmbargoLifted(
        release_id=RELEASE, actor=SYSTEM, revision=1, content_hash=HASHES[1], lifted_at=LIFT
    )


def lift_noted() -> EmbargoLiftNoted:
    return EmbargoLiftNoted(release_id=RELEASE, revision=1, content_hash=HASHES[1], lifted_at=LIFT)


def requested(revision: int = 1, by: str = "paul") -> PublicationRequested:
    return PublicationRequested(
        release_id=RELEASE, revision=revision, content_hash=HASHES[revision], requested_by=by
    )


def clearance_note() -> NotePublicationCleared:
    return NotePublicationCleared(
        release_id=RELEASE, actor=SYSTEM, revision=1, content_hash=HASHES[1], cleared_at=NOW
    )


EMBARGOED = EmbargoNoted(release_id=RELEASE, lift_at=LIFT)
CANCELLED = EmbargoCancellationNoted(release_id=RELEASE)
CLEARED = PublicationClearanceNoted(
    release_id=RELEASE, revision=1, content_hash=HASHES[1], cleared_at=NOW
)
READY: list[PublicationEvents] = [content(1), approved(1)]
# Approved, its content known, and embargo's word that nothing holds it: it may go public now.
CLEARED_READY: list[PublicationEvents] = [*READY, CLEARED]
EDITION_1 = published(at=EARLIER)
# Edition 1 is public; revision 2, its correction, is approved and its content known.
CORRECTED: list[PublicationEvents] = [
    *READY, EDITION_1, ApprovalWithdrawnNoted(
        release_id=RELEASE, revision=1, content_hash=HASHES[1], new_revision=2
    ), content(2), approved(2),
]  # fmt: skip


def test_a_press_officer_publishes_the_approved_revision_as_edition_one() -> None:
    given(CLEARED_READY).when(publish()).then([published()])


def test_a_first_edition_without_embargos_word_asks_embargo_and_publishes_nothing_yet() -> None:
    [asked] = given(READY).when(publish()).then([requested()])
    assert asks_embargo([asked]), "the kit keeps this PublishRelease pending until the answer"


def test_a_first_edition_is_checked_before_embargo_is_asked() -> None:
    given([content(1)]).when(publish()).then_rejects(NotApproved)
    given(READY).when(publish("minor")).then_rejects(InvalidPublication)
    given(READY).when(publish(actor=ALICE)).then_rejects(NotAllowed)


def test_embargos_clearance_is_noted_once_and_answers_the_pending_publish() -> None:
    command = clearance_note()
    given([*READY, requested()]).when(command).then([CLEARED])
    given(CLEARED_READY).when(command).then([])
    assert embargo_answered(command)


def test_a_pending_publish_decided_again_on_the_clearance_publishes_edition_one() -> None:
    given([*READY, requested(), CLEARED]).when(publish()).then([published()])


def test_embargos_hold_is_its_embargo_and_the_pending_publish_is_refused() -> None:
    held = NotePublicationHeld(release_id=RELEASE, actor=SYSTEM, lift_at=LIFT)
    given([*READY, requested()]).when(held).then([EMBARGOED])
    given([*READY, requested(), EMBARGOED]).when(held).then([])
    assert embargo_answered(held)
    given([*READY, requested(), EMBARGOED]).when(publish()).then_rejects(UnderEmbargo)


def test_a_lift_is_embargos_word_too_so_a_publish_after_it_asks_nothing() -> None:
    lifted = [content(1), EMBARGOED, lift_noted(), approved(1)]
    given(lifted).when(publish()).then([published()])


def test_a_correction_never_asks_embargo_the_release_is_public_already() -> None:
    assert not asks_embargo(given(CORRECTED).when(publish("major", "Fixed.")).decide())


def test_a_publish_sent_with_a_version_keeps_it_while_embargo_answers() -> None:
    """Asked at version 2; the answer moved the stream on, but what goes public is what was
    asked for, so the version holds. Anything else approved since is a stale version."""
    versioned = PublishRelease(release_id=RELEASE, actor=PAUL, expected_version=2)
    given([*READY, requested(), CLEARED]).when(versioned).then([published()])
    moved_on = [
        *READY, requested(),
        ApprovalWithdrawnNoted(
            release_id=RELEASE, revision=1, content_hash=HASHES[1], new_revision=2
        ), content(2), approved(2), CLEARED,
    ]  # fmt: skip
    given(moved_on).when(versioned).then_rejects(StaleVersion)
    given([*READY, requested(), CLEARED]).when(
        PublishRelease(release_id=RELEASE, actor=PAUL, expected_version=1)
    ).then_rejects(StaleVersion)


def test_publication_is_refused_before_approval() -> None:
    refused = given([content(1)]).when(publish()).then_rejects(NotApproved)
    assert refused.problem().type == "urn:pressroom:problem:not-approved"


def test_publication_is_refused_under_embargo() -> None:
    refused = given([*READY, EMBARGOED]).when(publish()).then_rejects(UnderEmbargo)
    assert refused.problem().type == "urn:pressroom:problem:under-embargo"


def test_an_embargoed_release_is_published_automatically_when_its_embargo_lifts() -> None:
    given([*READY, EMBARGOED]).when(lift_note()).then(
        [lift_noted(), published(by="pressroom-publication")]
    )


def test_a_lift_before_approval_publishes_when_the_approval_arrives() -> None:
    note = NoteApproval(release_id=RELEASE, actor=SYSTEM, revision=1, content_hash=HASHES[1])
    history = [content(1), EMBARGOED, lift_noted()]
    given(history).when(note).then([approved(1), published(by="pressroom-publication")])


def test_a_lift_before_the_content_arrives_publishes_when_it_does() -> None:
    note = NoteRevisionContent(
        release_id=RELEASE, actor=SYSTEM, revision=1, content_hash=HASHES[1], content=CONTENTS[1]
    )
    history = [approved(1), EMBARGOED, lift_noted()]
    given(history).when(note).then([content(1), published(by="pressroom-publication")])


def test_publish_on_lift_says_why_it_still_cannot_publish() -> None:
    command = PublishOnLift(release_id=RELEASE, actor=SYSTEM)
    given([approved(1), EMBARGOED, lift_noted()]).when(command).then_rejects(ContentUnknown)
    given(READY).when(command).then([])  # nothing waits for a lift


def test_a_cancelled_embargo_publishes_nothing_automatically_but_by_hand() -> None:
    given([*READY, EMBARGOED, CANCELLED]).when(lift_note()).then([])
    # Another embargo may still be set: publishing by hand asks embargo again.
    given([*READY, EMBARGOED, CANCELLED]).when(publish()).then([requested()])
    given([*READY, EMBARGOED, CANCELLED, CLEARED]).when(publish()).then([published()])


def test_a_writer_may_not_publish() -> None:
    given(READY).when(publish(actor=ALICE)).then_rejects(NotAllowed)


def test_a_content_snapshot_whose_hash_differs_from_the_approved_one_is_refused() -> None:
    forged = RevisionContentNoted(
        release_id=RELEASE, revision=1, content_hash=HASHES[1], content=CONTENTS[2]
    )
    given([forged, approved(1)]).when(publish()).then_rejects(ContentMismatch)


def test_the_approved_revision_is_published_once() -> None:
    given([*READY, EDITION_1]).when(publish("minor")).then_rejects(AlreadyPublished)


def test_the_first_edition_is_major() -> None:
    given(READY).when(publish("minor")).then_rejects(InvalidPublication)


def test_a_correction_publishes_the_next_edition_with_its_change_note() -> None:
    note = "Corrected the date."
    history = (FIRST, ChangeNote(edition=2, note=note, public_timestamp=NOW))
    given(CORRECTED).when(publish("major", note)).then(
        [published(2, 2, "major", note, history, updated=NOW, first=EARLIER)]
    )


def test_a_major_update_needs_a_change_note() -> None:
    refused = given(CORRECTED).when(publish("major")).then_rejects(InvalidPublication)
    assert refused.status is OutcomeStatus.INVALID


def test_a_minor_update_keeps_public_updated_at_and_the_change_history() -> None:
    given(CORRECTED).when(publish("minor")).then(
        [published(2, 2, "minor", "", (FIRST,), first=EARLIER, updated=EARLIER)]
    )


def test_a_minor_update_is_silent_and_a_correction_names_its_update_type() -> None:
    given(CORRECTED).when(publish("minor", "Typo.")).then_rejects(InvalidPublication)
    given(CORRECTED).when(publish()).then_rejects(InvalidPublication)


def test_the_slug_stays_when_a_correction_changes_the_title() -> None:
    retitled = CONTENTS[2].model_copy(update={"title": "Another title"})
    shot = content(2).model_copy(
        update={"content": retitled, "content_hash": content_hash(retitled)}
    )
    approval = approved(2).model_copy(update={"content_hash": content_hash(retitled)})
    [event] = given([*CORRECTED[:-2], shot, approval]).when(publish("minor")).decide()
    assert isinstance(event, ReleasePublished) and event.slug == SLUG


def withdraw(actor: Actor = PAUL) -> WithdrawRelease:
    return WithdrawRelease(release_id=RELEASE, actor=actor, explanation="Superseded.")


WITHDRAWN = ReleaseWithdrawn(
    release_id=RELEASE, edition=1, explanation="Superseded.", withdrawn_at=NOW, withdrawn_by="paul"
)


def test_a_press_officer_withdraws_a_published_release_with_an_explanation() -> None:
    given([*READY, EDITION_1]).when(withdraw()).then([WITHDRAWN])


def test_a_withdrawal_needs_an_explanation() -> None:
    with pytest.raises(ValidationError):
        WithdrawRelease(release_id=RELEASE, actor=PAUL, explanation="  ")


def test_nothing_unpublished_is_withdrawn_and_a_withdrawn_release_is_not_republished() -> None:
    given(READY).when(withdraw()).then_rejects(NotPublished)
    given([*CORRECTED[:3], WITHDRAWN, *CORRECTED[3:]]).when(publish("minor")).then_rejects(
        NoLongerPublic
    )


def unpublish(how: str = "gone", url: str | None = None, actor: Actor = DAVE) -> UnpublishRelease:
    return UnpublishRelease.model_validate(
        {"release_id": RELEASE, "actor": actor.model_dump(), "unpublish_type": how,
         "redirect_url": url}
    )  # fmt: skip


def unpublished(how: str = "gone", url: str | None = None) -> ReleaseUnpublished:
    return ReleaseUnpublished.model_validate(
        {"release_id": RELEASE, "edition": 1, "unpublish_type": how, "redirect_url": url,
         "unpublished_at": NOW, "unpublished_by": "dave"}
    )  # fmt: skip


def test_a_managing_editor_unpublishes_even_a_withdrawn_release() -> None:
    given([*READY, EDITION_1, WITHDRAWN]).when(unpublish("vanish")).then([unpublished("vanish")])


def test_only_a_managing_editor_unpublishes() -> None:
    given([*READY, EDITION_1]).when(unpublish(actor=PAUL)).then_rejects(NotAllowed)


def test_a_redirect_needs_an_https_url() -> None:
    url = "https://www.gov.uk/government/news/uk-japan"
    given([*READY, EDITION_1]).when(unpublish("redirect", url)).then([unpublished("redirect", url)])
    for bad in (None, "http://www.gov.uk/x", "javascript:alert(1)", "https://"):
        given([*READY, EDITION_1]).when(unpublish("redirect", bad)).then_rejects(InvalidPublication)
    given([*READY, EDITION_1]).when(unpublish("gone", url)).then_rejects(InvalidPublication)


def test_an_unpublished_release_is_final() -> None:
    history = [*READY, EDITION_1, unpublished()]
    given(history).when(withdraw()).then_rejects(NoLongerPublic)
    given(history).when(unpublish()).then_rejects(NoLongerPublic)


def test_only_publication_itself_notes_what_other_services_did() -> None:
    given([]).when(lift_note().model_copy(update={"actor": PAUL})).then_rejects(NotAllowed)


def test_replayed_notes_change_nothing() -> None:
    note = NoteApproval(release_id=RELEASE, actor=SYSTEM, revision=1, content_hash=HASHES[1])
    given(READY).when(note).then([])
    given([*READY, EMBARGOED, lift_noted()]).when(lift_note()).then([])


def test_a_stale_expected_version_is_refused() -> None:
    command = publish().model_copy(update={"expected_version": 1})
    given(READY).when(command).then_rejects(StaleVersion)


@pytest.mark.parametrize(
    "rejection",
    [NotApproved, UnderEmbargo, ContentUnknown, ContentMismatch, AlreadyPublished, NotPublished,
     NoLongerPublic, StaleVersion, InvalidPublication, NotAllowed],
)  # fmt: skip
def test_each_refusal_has_a_pressroom_problem_type(rejection: type[Rejection]) -> None:
    assert rejection("why").problem().type.startswith("urn:pressroom:problem:")


def test_version_counts_every_event() -> None:
    assert given(CORRECTED).state.version == len(CORRECTED)


# --- who: the lead organisation's press office only ------------------------------------------

# A partner organisation's press people, and a collaborator without an organisation.
PARTNER_OFFICER = Actor(id="pete", roles=["press-officer", "managing-editor"], organisation="dit")
COLLABORATOR_EDITOR = Actor(id="cole", roles=["managing-editor"])
OUTSIDERS = [PARTNER_OFFICER, COLLABORATOR_EDITOR]


@pytest.mark.parametrize("actor", OUTSIDERS, ids=lambda a: a.id)
def test_only_the_lead_organisation_publishes(actor: Actor) -> None:
    given(READY).when(publish(actor=actor)).then_rejects(NotAllowed)


@pytest.mark.parametrize("actor", OUTSIDERS, ids=lambda a: a.id)
def test_only_the_lead_organisation_withdraws(actor: Actor) -> None:
    given([*READY, EDITION_1]).when(withdraw(actor)).then_rejects(NotAllowed)


@pytest.mark.parametrize("actor", OUTSIDERS, ids=lambda a: a.id)
def test_only_the_lead_organisation_unpublishes(actor: Actor) -> None:
    given([*READY, EDITION_1]).when(unpublish(actor=actor)).then_rejects(NotAllowed)


def test_the_newest_revision_names_the_lead_organisation() -> None:
    handed_over = ReleaseContent(title=TITLE, body="Body 2.", organisations=["dit", "fco"])
    second = RevisionContentNoted(
        release_id=RELEASE, revision=2, content_hash=content_hash(handed_over),
        content=handed_over,
    )  # fmt: skip
    state = given([content(1), second]).state
    assert state.lead_organisation == "dit"
    assert given([second, content(1)]).state.lead_organisation == "dit"
