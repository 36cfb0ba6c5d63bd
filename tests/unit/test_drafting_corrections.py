"""Drafting's corrections: a published release is reopened only by StartCorrection."""

from __future__ import annotations

import pytest

from events.actor import Actor
from events.content import ContentChanges, ReleaseContent, content_hash
from events.drafting import (
    CorrectionStarted,
    DiscardDraft,
    DraftCreated,
    DraftingEvents,
    DraftRevised,
    DraftSubmitted,
    NotePublished,
    PublicationNoted,
    ReviseDraft,
    StartCorrection,
)
from events.rules import NotAllowed
from services.drafting.decider import DRAFTING
from services.drafting.domain import DraftNotFound, StaleVersion, Status, WrongStatus
from tests.unit.given_when_then import specification

given = specification(DRAFTING)
RELEASE = "uk-japan-2016"
ALICE = Actor(id="alice", roles=["writer"], organisation="fco")
PAUL = Actor(id="paul", roles=["press-officer"], organisation="fco")
OTHER = Actor(id="olga", roles=["press-officer"], organisation="mod")
DAVE = Actor(id="dave", roles=["managing-editor"], organisation="fco")
SYSTEM = Actor(id="pressroom-drafting", roles=["system"])
CONTENT = ReleaseContent(title="UK and Japan", organisations=["fco"])
HASH = content_hash(CONTENT)

CREATED = DraftCreated(
    release_id=RELEASE, revision=1, content=CONTENT, content_hash=HASH, created_by="alice",
    organisation="fco",
)  # fmt: skip
SUBMITTED = DraftSubmitted(
    release_id=RELEASE, revision=1, content_hash=HASH, submitted_by="alice", organisation="fco",
    authors=["alice"],
)  # fmt: skip
NOTED = PublicationNoted(release_id=RELEASE, edition=1, revision=1)
PUBLISHED: list[DraftingEvents] = [CREATED, SUBMITTED, NOTED]


def note(edition: int = 1, revision: int = 1, actor: Actor = SYSTEM) -> NotePublished:
    return NotePublished(release_id=RELEASE, actor=actor, edition=edition, revision=revision)


def start(actor: Actor = ALICE, expected: int | None = None) -> StartCorrection:
    return StartCorrection(release_id=RELEASE, actor=actor, expected_version=expected)


def started(by: str = "alice") -> CorrectionStarted:
    return CorrectionStarted(
        release_id=RELEASE, edition_being_corrected=1, revision=1, started_by=by
    )


def revise(expected: int) -> ReviseDraft:
    return ReviseDraft(
        release_id=RELEASE, actor=ALICE, expected_version=expected,
        changes=ContentChanges(summary="Corrected."),
    )  # fmt: skip


def test_drafting_notes_that_its_current_revision_was_published() -> None:
    given([CREATED, SUBMITTED]).when(note()).then([NOTED])
    assert given(PUBLISHED).state.status is Status.PUBLISHED


def test_a_replayed_or_older_publication_note_changes_nothing() -> None:
    given(PUBLISHED).when(note()).then([])
    given([]).when(note()).then([])


def test_only_drafting_itself_notes_a_publication() -> None:
    given([CREATED, SUBMITTED]).when(note(actor=PAUL)).then_rejects(NotAllowed)


def test_a_published_release_is_not_revised_without_a_correction() -> None:
    given(PUBLISHED).when(revise(3)).then_rejects(WrongStatus)


def test_a_published_release_is_not_discarded() -> None:
    discard = DiscardDraft(release_id=RELEASE, actor=ALICE)
    given([*PUBLISHED, started()]).when(discard).then_rejects(WrongStatus)


@pytest.mark.parametrize("actor", [ALICE, PAUL], ids=["writer", "press-officer"])
def test_a_writer_or_a_press_officer_starts_a_correction(actor: Actor) -> None:
    given(PUBLISHED).when(start(actor)).then([started(actor.id)])


def test_a_correction_reopens_the_release_for_the_next_edition() -> None:
    history = [*PUBLISHED, started()]
    assert given(history).state.status is Status.DRAFT
    [event] = given(history).when(revise(4)).decide()
    assert isinstance(event, DraftRevised) and event.revision == 2


def test_only_a_published_release_is_corrected() -> None:
    given([CREATED, SUBMITTED]).when(start()).then_rejects(WrongStatus)
    given([*PUBLISHED, started()]).when(start()).then_rejects(WrongStatus)
    given([]).when(start()).then_rejects(DraftNotFound)


def test_others_may_not_start_a_correction() -> None:
    given(PUBLISHED).when(start(DAVE)).then_rejects(NotAllowed)
    given(PUBLISHED).when(start(OTHER)).then_rejects(NotAllowed)


def test_a_stale_expected_version_is_refused() -> None:
    given(PUBLISHED).when(start(expected=1)).then_rejects(StaleVersion)
    given(PUBLISHED).when(start(expected=3)).then([started()])


def test_a_later_edition_is_noted_after_a_correction() -> None:
    revised = DraftRevised(
        release_id=RELEASE, revision=2, content=CONTENT, content_hash=HASH, changed_fields=[],
        revised_by="alice",
    )  # fmt: skip
    history = [*PUBLISHED, started(), revised]
    given(history).when(note(edition=2, revision=2)).then(
        [PublicationNoted(release_id=RELEASE, edition=2, revision=2)]
    )


def test_an_edition_of_an_older_revision_leaves_the_newer_draft_open() -> None:
    revised = DraftRevised(
        release_id=RELEASE, revision=2, content=CONTENT, content_hash=HASH, changed_fields=[],
        revised_by="alice",
    )  # fmt: skip
    state = given([CREATED, SUBMITTED, revised, NOTED]).state
    assert state.status is Status.DRAFT and state.published_edition == 1
