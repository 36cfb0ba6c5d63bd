"""Drafting's rules, one test each: given past events, when a command, then events or a refusal."""

from __future__ import annotations

from typing import Any

import pytest

from events.actor import Actor
from events.content import ContentChanges, ReleaseContent, content_hash
from events.drafting import (
    CreateDraft,
    DiscardDraft,
    DraftCreated,
    DraftDiscarded,
    DraftReopened,
    DraftRevised,
    DraftSubmitted,
    ReopenDraft,
    ReviseDraft,
    SubmitDraft,
)
from events.replies import OutcomeStatus, Rejection
from events.rules import NotAllowed
from services.drafting.decider import DRAFTING
from services.drafting.domain import (
    AlreadyExists,
    DraftNotFound,
    InvalidContent,
    StaleVersion,
    Status,
    WrongStatus,
)
from tests.unit.given_when_then import specification

given = specification(DRAFTING)

RELEASE = "uk-japan-2016"
ALICE = Actor(id="alice", roles=["writer"], organisation="acme")  # writer of the lead organisation
BOB = Actor(id="bob", roles=["writer"], organisation="globex")  # named collaborator, partner org
ERIN = Actor(id="erin", roles=["writer"], organisation="globex")  # partner org, not a collaborator
CAROL = Actor(id="carol", roles=["press-officer"], organisation="acme")  # no writer role
NOBODY = Actor(id="nobody", roles=["writer"])  # a writer with no organisation

CONTENT = ReleaseContent(
    title="UK and Japan agree to deepen trade ties",
    summary="Ministers met in Tokyo.",
    organisations=["acme", "globex"],
)
SECOND = CONTENT.model_copy(update={"summary": "Ministers met in Tokyo on Tuesday."})
THIRD = SECOND.model_copy(update={"title": "UK and Japan sign a trade agreement"})


def created(content: ReleaseContent = CONTENT) -> DraftCreated:
    return DraftCreated(
        release_id=RELEASE,
        revision=1,
        content=content,
        content_hash=content_hash(content),
        created_by="alice",
        organisation="acme",
        collaborators=["bob"],
    )


def revised(
    revision: int, content: ReleaseContent, fields: list[str], by: str = "alice"
) -> DraftRevised:
    return DraftRevised(
        release_id=RELEASE,
        revision=revision,
        content=content,
        content_hash=content_hash(content),
        changed_fields=fields,
        revised_by=by,
    )


def submitted(
    revision: int, content: ReleaseContent, by: str = "alice", authors: tuple[str, ...] = ("alice",)
) -> DraftSubmitted:
    return DraftSubmitted(
        release_id=RELEASE,
        revision=revision,
        content_hash=content_hash(content),
        submitted_by=by,
        organisation="acme",
        authors=list(authors),
    )


def discarded(reason: str = "") -> DraftDiscarded:
    return DraftDiscarded(release_id=RELEASE, discarded_by="alice", reason=reason)


def create(actor: Actor = ALICE, content: ReleaseContent = CONTENT) -> CreateDraft:
    return CreateDraft(release_id=RELEASE, actor=actor, content=content, collaborators=["bob"])


def revise(expected_version: int, actor: Actor = ALICE, **changes: Any) -> ReviseDraft:
    return ReviseDraft(
        release_id=RELEASE,
        actor=actor,
        expected_version=expected_version,
        changes=ContentChanges(**changes),
    )


def submit(expected_version: int | None = None, actor: Actor = ALICE) -> SubmitDraft:
    return SubmitDraft(release_id=RELEASE, actor=actor, expected_version=expected_version)


def discard(
    expected_version: int | None = None, actor: Actor = ALICE, reason: str = ""
) -> DiscardDraft:
    return DiscardDraft(
        release_id=RELEASE, actor=actor, expected_version=expected_version, reason=reason
    )


# --- create ---------------------------------------------------------------------------------


def test_writer_of_the_lead_organisation_creates_the_draft_at_revision_one() -> None:
    given([]).when(create()).then([created()])


def test_creating_a_release_that_already_exists_is_refused() -> None:
    given([created()]).when(create()).then_rejects(AlreadyExists)


def test_the_id_of_a_discarded_release_cannot_be_created_again() -> None:
    given([created(), discarded()]).when(create()).then_rejects(AlreadyExists)


def test_creation_without_the_writer_role_is_forbidden() -> None:
    given([]).when(create(actor=CAROL)).then_rejects(NotAllowed)


def test_writer_of_a_partner_organisation_may_not_create_the_lead_organisations_draft() -> None:
    given([]).when(create(actor=BOB)).then_rejects(NotAllowed)


def test_writer_without_an_organisation_may_not_create_a_draft() -> None:
    given([]).when(create(actor=NOBODY)).then_rejects(NotAllowed)


# --- revise ---------------------------------------------------------------------------------


def test_revision_emits_the_next_revision_with_its_content_hash_and_changed_fields() -> None:
    given([created()]).when(revise(1, summary=SECOND.summary)).then(
        [revised(2, SECOND, ["summary"])]
    )


def test_each_revision_is_numbered_one_more_than_the_last() -> None:
    given([created(), revised(2, SECOND, ["summary"])]).when(revise(2, title=THIRD.title)).then(
        [revised(3, THIRD, ["title"])]
    )


def test_changed_fields_name_only_the_fields_whose_value_changed() -> None:
    given([created()]).when(revise(1, title=CONTENT.title, summary=SECOND.summary)).then(
        [revised(2, SECOND, ["summary"])]
    )


def test_revision_that_changes_nothing_emits_nothing() -> None:
    given([created()]).when(revise(1, title=CONTENT.title, summary=CONTENT.summary)).then([])


def test_revision_equal_after_whitespace_is_stripped_emits_nothing() -> None:
    given([created()]).when(revise(1, title=f"  {CONTENT.title}  ")).then([])


def test_revision_with_null_fields_leaves_them_unchanged() -> None:
    given([created()]).when(revise(1, title=None, summary=SECOND.summary)).then(
        [revised(2, SECOND, ["summary"])]
    )


def test_revision_emptying_the_title_is_refused_as_invalid_content() -> None:
    changes = ContentChanges.model_construct(title="   ")
    command = ReviseDraft(release_id=RELEASE, actor=ALICE, expected_version=1, changes=changes)
    refused = given([created()]).when(command).then_rejects(InvalidContent)
    assert refused.status is OutcomeStatus.INVALID


def test_revision_whose_merged_content_is_invalid_is_refused_as_invalid_content() -> None:
    # A change that skipped its own validation: the merged content is still checked.
    changes = ContentChanges.model_construct(title="")
    command = ReviseDraft(release_id=RELEASE, actor=ALICE, expected_version=1, changes=changes)
    given([created()]).when(command).then_rejects(InvalidContent)


def test_revision_with_stale_expected_version_is_refused_as_conflict() -> None:
    history = [created(), revised(2, SECOND, ["summary"])]
    refused = given(history).when(revise(1, title=THIRD.title)).then_rejects(StaleVersion)
    assert refused.status is OutcomeStatus.CONFLICT


def test_revision_may_not_change_the_lead_organisation() -> None:
    refused = (
        given([created()])
        .when(revise(1, actor=BOB, organisations=["globex", "acme"]))
        .then_rejects(InvalidContent)
    )
    assert "lead organisation" in refused.detail


def test_revision_may_add_partner_organisations_after_the_lead() -> None:
    partners = CONTENT.model_copy(update={"organisations": ["acme", "globex", "initech"]})
    given([created()]).when(revise(1, organisations=["acme", "globex", "initech"])).then(
        [revised(2, partners, ["organisations"])]
    )


def test_collaborator_from_another_organisation_may_revise() -> None:
    given([created()]).when(revise(1, actor=BOB, summary=SECOND.summary)).then(
        [revised(2, SECOND, ["summary"], by="bob")]
    )


def test_writer_of_another_organisation_who_is_no_collaborator_may_not_revise() -> None:
    refused = (
        given([created()])
        .when(revise(1, actor=ERIN, summary=SECOND.summary))
        .then_rejects(NotAllowed)
    )
    assert refused.status is OutcomeStatus.FORBIDDEN


def test_member_of_the_organisation_without_the_writer_role_may_not_revise() -> None:
    given([created()]).when(revise(1, actor=CAROL, summary=SECOND.summary)).then_rejects(NotAllowed)


def test_revising_a_discarded_draft_is_refused_as_wrong_status() -> None:
    given([created(), discarded()]).when(revise(2, summary=SECOND.summary)).then_rejects(
        WrongStatus
    )


def test_revising_an_unknown_release_is_refused_as_not_found() -> None:
    refused = given([]).when(revise(0, summary=SECOND.summary)).then_rejects(DraftNotFound)
    assert refused.status is OutcomeStatus.NOT_FOUND


# --- submit ---------------------------------------------------------------------------------


def test_submission_carries_the_current_revision_and_content_hash() -> None:
    given([created(), revised(2, SECOND, ["summary"])]).when(submit(2)).then([submitted(2, SECOND)])


def test_submitting_twice_is_refused_as_wrong_status() -> None:
    given([created(), submitted(1, CONTENT)]).when(submit()).then_rejects(WrongStatus)


def test_submission_with_stale_expected_version_is_refused_as_conflict() -> None:
    given([created(), revised(2, SECOND, ["summary"])]).when(submit(1)).then_rejects(StaleVersion)


def test_submitting_an_unknown_release_is_refused_as_not_found() -> None:
    given([]).when(submit()).then_rejects(DraftNotFound)


def test_submitting_a_discarded_draft_is_refused_as_wrong_status() -> None:
    given([created(), discarded()]).when(submit()).then_rejects(WrongStatus)


def test_submission_without_the_writer_role_is_forbidden() -> None:
    given([created()]).when(submit(actor=CAROL)).then_rejects(NotAllowed)


def test_revising_a_submitted_draft_emits_the_next_revision() -> None:
    given([created(), submitted(1, CONTENT)]).when(revise(2, summary=SECOND.summary)).then(
        [revised(2, SECOND, ["summary"])]
    )


def test_a_revision_after_submission_takes_the_draft_back_to_draft() -> None:
    state = given([created(), submitted(1, CONTENT), revised(2, SECOND, ["summary"])]).state
    assert (state.status, state.revision, state.hash) == (Status.DRAFT, 2, content_hash(SECOND))


def test_a_draft_revised_after_submission_is_submitted_again_with_the_new_hash() -> None:
    history = [created(), submitted(1, CONTENT), revised(2, SECOND, ["summary"])]
    [event] = given(history).when(submit(3)).then([submitted(2, SECOND)])
    assert isinstance(event, DraftSubmitted)
    assert event.content_hash != content_hash(CONTENT)


# --- discard --------------------------------------------------------------------------------


def test_writer_discards_a_draft_with_a_reason() -> None:
    given([created()]).when(discard(1, reason="Superseded by the joint statement")).then(
        [discarded("Superseded by the joint statement")]
    )


def test_a_submitted_draft_may_be_discarded() -> None:
    given([created(), submitted(1, CONTENT)]).when(discard()).then([discarded()])


def test_discarding_twice_is_refused_as_wrong_status() -> None:
    given([created(), discarded()]).when(discard()).then_rejects(WrongStatus)


def test_discard_with_stale_expected_version_is_refused_as_conflict() -> None:
    given([created(), revised(2, SECOND, ["summary"])]).when(discard(1)).then_rejects(StaleVersion)


def test_discarding_an_unknown_release_is_refused_as_not_found() -> None:
    given([]).when(discard()).then_rejects(DraftNotFound)


def test_writer_of_another_organisation_who_is_no_collaborator_may_not_discard() -> None:
    given([created()]).when(discard(actor=ERIN)).then_rejects(NotAllowed)


# --- evolve ---------------------------------------------------------------------------------


def test_a_release_without_events_has_no_draft_at_version_zero() -> None:
    state = given([]).state
    assert (state.status, state.version, state.revision, state.content) == (Status.NONE, 0, 0, None)


def test_version_counts_every_event_of_the_release() -> None:
    history = [
        created(),
        submitted(1, CONTENT),
        revised(2, SECOND, ["summary"]),
        revised(3, THIRD, ["title"]),
        submitted(3, THIRD),
        discarded(),
    ]
    for count in range(len(history) + 1):
        assert given(history[:count]).state.version == count


def test_created_draft_holds_its_content_hash_organisation_and_collaborators() -> None:
    state = given([created()]).state
    assert state.status is Status.DRAFT
    assert (state.revision, state.content, state.hash) == (1, CONTENT, content_hash(CONTENT))
    assert (state.organisation, state.collaborators) == ("acme", ("bob",))


def test_submission_changes_neither_revision_nor_content() -> None:
    before = given([created(), revised(2, SECOND, ["summary"])]).state
    after = given([created(), revised(2, SECOND, ["summary"]), submitted(2, SECOND)]).state
    assert after.status is Status.SUBMITTED
    assert (after.revision, after.content, after.hash) == (
        before.revision,
        before.content,
        before.hash,
    )


@pytest.mark.parametrize(
    ("rejection", "status"),
    [
        (DraftNotFound, OutcomeStatus.NOT_FOUND),
        (NotAllowed, OutcomeStatus.FORBIDDEN),
        (InvalidContent, OutcomeStatus.INVALID),
        (AlreadyExists, OutcomeStatus.CONFLICT),
        (StaleVersion, OutcomeStatus.CONFLICT),
        (WrongStatus, OutcomeStatus.CONFLICT),
    ],
)
def test_each_refusal_maps_to_its_outcome_status_and_problem_type(
    rejection: type[Rejection], status: OutcomeStatus
) -> None:
    problem = rejection("why").problem()
    assert rejection.status is status
    assert problem.type.startswith("urn:pressroom:problem:")
    assert problem.detail == "why"


# --- authors and reopening -------------------------------------------------------------------

SYSTEM = Actor(id="pressroom-drafting-policy", roles=["system"])


def reopen(revision: int) -> ReopenDraft:
    return ReopenDraft(
        release_id=RELEASE, actor=SYSTEM, revision=revision, stage="legal",
        reason="Needs clearance.", rejected_by="frank",
    )  # fmt: skip


def test_submission_names_every_author_of_the_content_for_four_eyes() -> None:
    history = [created(), revised(2, SECOND, ["summary"], by="bob")]
    given(history).when(submit(actor=ALICE)).then([submitted(2, SECOND, authors=("alice", "bob"))])


def test_a_rejection_reopens_the_submitted_revision() -> None:
    given([created(), submitted(1, CONTENT)]).when(reopen(1)).then(
        [DraftReopened(release_id=RELEASE, revision=1, stage="legal",
                       reason="Needs clearance.", rejected_by="frank")]
    )  # fmt: skip


def test_a_rejection_of_an_older_revision_changes_nothing() -> None:
    history = [created(), submitted(1, CONTENT), revised(2, SECOND, ["summary"])]
    given(history).when(reopen(1)).then([])


def test_a_reopened_draft_can_be_revised_and_submitted_again() -> None:
    reopened = DraftReopened(
        release_id=RELEASE, revision=1, stage="legal", reason="x", rejected_by="frank"
    )
    state = given([created(), submitted(1, CONTENT), reopened]).state
    assert state.status is Status.DRAFT


# --- not yours answers as not there -----------------------------------------------------------

OUTSIDER = Actor(id="oscar", roles=["writer"], organisation="initech")
OUTSIDER_WITHOUT_ROLE = Actor(id="olive", roles=["press-officer"], organisation="initech")


@pytest.mark.parametrize("actor", [OUTSIDER, OUTSIDER_WITHOUT_ROLE, NOBODY], ids=lambda a: a.id)
@pytest.mark.parametrize(
    "command",
    [
        lambda actor: revise(1, actor=actor, summary=SECOND.summary),
        lambda actor: submit(actor=actor),
        lambda actor: discard(actor=actor),
    ],
    ids=["revise", "submit", "discard"],
)
def test_someone_else_s_release_is_refused_exactly_as_a_missing_one(
    actor: Actor, command: Any
) -> None:
    not_yours = given([created()]).when(command(actor)).then_rejects(DraftNotFound)
    not_there = given([]).when(command(actor)).then_rejects(DraftNotFound)
    assert not_yours.problem() == not_there.problem()
