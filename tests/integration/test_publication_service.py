"""The publication service as a real process on real Kafka and PostgreSQL, with drafting, approval
and embargo: an approved release embargoed by a press officer goes public once, at the lift, with
exactly the approved content (invariants 1 and 2), in the public feed, its Atom and its public
page only then; a publication before approval is refused."""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from functools import partial
from typing import Any

import asyncpg
import httpx
import pytest
import pytest_asyncio

from events.actor import Actor
from events.approval import ApprovalRequested
from events.catalog import REGISTRY
from events.content import ContentChanges, ReleaseContent, content_hash
from events.drafting import CreateDraft, DraftSubmitted, ReviseDraft, SubmitDraft
from events.embargo import SetEmbargo
from events.envelope import ENVELOPE_OF_MESSAGE
from events.kafka import KafkaRecord, decode, encode
from events.publication import PublishRelease, ReleasePublished, WithdrawRelease
from events.replies import OutcomeStatus
from events.topics import (
    DRAFTING_COMMANDS,
    DRAFTING_EVENTS,
    EMBARGO_COMMANDS,
    EMBARGO_EVENTS,
    PUBLICATION_COMMANDS,
    PUBLICATION_EVENTS,
    dlq_topic,
)
from services.kit.dlq import REASON
from services.publication.rules import SYSTEM_ACTOR
from tests.e2e.stack_fixture import Stack
from tests.integration.delivery_support import approve
from tests.integration.embargo_support import ALICE, approved_by_people, whole_seconds_from_now
from tests.support import eventually, read_topic, send_command, send_record

pytestmark = pytest.mark.integration
ATOM = "{http://www.w3.org/2005/Atom}"
CAROL = Actor(id="carol", roles=["press-officer"], organisation="fco")


@pytest_asyncio.fixture(scope="module")
async def bootstrap(stack: Stack) -> str:
    """The stack's publication process answers commands (withdrawing nothing is refused)."""
    probe = WithdrawRelease(release_id=new_release(), actor=CAROL, explanation="Probe.")
    outcome = await send_command(stack.settings.kafka_bootstrap, PUBLICATION_COMMANDS, probe, 120)
    assert outcome.status is OutcomeStatus.CONFLICT
    return stack.settings.kafka_bootstrap


def new_release() -> str:
    return f"publication-test-{uuid.uuid4()}"


async def events_on(bootstrap: str, topic: str, release_id: str, kind: str) -> list[Any]:
    records = await read_topic(bootstrap, topic, lambda r: r.key == release_id.encode())
    return [e.data for e in (decode(r, REGISTRY) for r in records) if e.data.type == kind]


async def published(bootstrap: str, release_id: str) -> list[ReleasePublished]:
    return await events_on(bootstrap, PUBLICATION_EVENTS, release_id, "ReleasePublished")


async def events_on_logged(bootstrap: str, topic: str, release_id: str, kind: str) -> list[Any]:
    """The envelopes (with their ce_time) of one kind of the release's events on `topic`."""
    records = await read_topic(bootstrap, topic, lambda r: r.key == release_id.encode())
    return [e for e in (decode(r, REGISTRY) for r in records) if e.data.type == kind]


async def handled_after(bootstrap: str, release_id: str) -> None:
    """A positive marker: a later publish of the release (refused: published, or not
    publishable) and its outcome, decided and relayed after everything its stream had before."""
    marker = PublishRelease(release_id=release_id, actor=CAROL, update_type="minor")
    outcome = await send_command(bootstrap, PUBLICATION_COMMANDS, marker)
    assert outcome.status is not OutcomeStatus.ACCEPTED, outcome


async def feed_item(public: httpx.AsyncClient, release_id: str) -> dict[str, Any] | None:
    """The release's item in the JSON feed (no token), if it is there."""
    items = (await public.get("/v1/feed", params={"limit": 100})).json()["items"]
    return next((item for item in items if item["release_id"] == release_id), None)


async def test_an_embargoed_approved_release_is_published_once_at_the_lift_as_approved(
    bootstrap: str, stack: Stack
) -> None:
    request = await approved_by_people(bootstrap)
    release_id, lift_at = request.release_id, whole_seconds_from_now(6)
    embargo = SetEmbargo(release_id=release_id, actor=CAROL, lift_at=lift_at)
    assert (await send_command(bootstrap, EMBARGO_COMMANDS, embargo)).status == "accepted"
    async with httpx.AsyncClient(base_url=stack.base_url, timeout=30) as public:
        # Nothing public before the lift: checked now, and for the whole wait by the edition's
        # own times (published_at_the_lift: first_published_at and ce_time at or after lift_at).
        assert await feed_item(public, release_id) is None
        assert await published(bootstrap, release_id) == [] and datetime.now(UTC) < lift_at
        edition = await published_at_the_lift(bootstrap, request, lift_at)
        await public_after_the_lift(public, edition, lift_at)
    # Drafting hears it through its policy: the draft is published, held until a correction.
    noted = partial(events_on, bootstrap, DRAFTING_EVENTS, release_id, "PublicationNoted")
    [note] = await eventually(noted, what="drafting's PublicationNoted")
    assert (note.edition, note.revision) == (1, request.revision)


async def published_at_the_lift(
    bootstrap: str, request: ApprovalRequested, lift_at: datetime
) -> ReleasePublished:
    """Exactly one edition 1, by the system, after the lift, of exactly the approved content."""
    release_id = request.release_id
    [edition] = await eventually(lambda: published(bootstrap, release_id), what="the edition")
    assert edition.edition == 1 and edition.published_by == SYSTEM_ACTOR.id
    assert edition.first_published_at >= lift_at
    # Invariant 1: the public content is exactly the approved revision's.
    assert edition.content_hash == request.content_hash == content_hash(edition.content)
    assert edition.revision == request.revision
    [logged] = await events_on_logged(bootstrap, PUBLICATION_EVENTS, release_id, "ReleasePublished")
    assert logged.time >= lift_at  # decided at or after the lift, not only stamped so
    await handled_after(bootstrap, release_id)
    assert len(await published(bootstrap, release_id)) == 1
    return edition


async def public_after_the_lift(
    public: httpx.AsyncClient, edition: ReleasePublished, lift_at: datetime
) -> None:
    """The feed, its Atom and the public page show the edition, with no token."""
    release_id = edition.release_id
    item = await eventually(lambda: feed_item(public, release_id), what="the feed item")
    assert (item["title"], item["body"]) == (edition.content.title, edition.content.body)
    assert datetime.fromisoformat(item["first_published_at"]) >= lift_at
    assert item["slug"].startswith(edition.slug)  # suffixed when an earlier release holds it
    page = await public.get(f"/v1/public/{item['slug']}")
    assert page.status_code == 200 and page.json()["release_id"] == release_id
    atom = await public.get("/v1/feed.atom", params={"limit": 100})
    assert atom.headers["content-type"].startswith("application/atom+xml")
    ids = [e.findtext(f"{ATOM}id") for e in ET.fromstring(atom.content).iter(f"{ATOM}entry")]
    assert f"urn:pressroom:release:{release_id}" in ids


async def test_publishing_before_approval_is_refused_and_nothing_goes_public(
    bootstrap: str,
) -> None:
    release_id = new_release()
    content = ReleaseContent(title="Not yet approved", body="Draft.", organisations=["fco"])
    for command in (
        CreateDraft(release_id=release_id, actor=ALICE, content=content),
        SubmitDraft(release_id=release_id, actor=ALICE),
    ):
        assert (await send_command(bootstrap, DRAFTING_COMMANDS, command)).status == "accepted"
    noted = partial(events_on, bootstrap, PUBLICATION_EVENTS, release_id, "RevisionContentNoted")
    await eventually(noted, what="publication noting the content")
    publish = PublishRelease(release_id=release_id, actor=CAROL)
    outcome = await send_command(bootstrap, PUBLICATION_COMMANDS, publish)
    assert outcome.status in (OutcomeStatus.CONFLICT, OutcomeStatus.INVALID)
    assert outcome.problem is not None
    assert outcome.problem.type == "urn:pressroom:problem:not-approved"
    await handled_after(bootstrap, release_id)
    assert await published(bootstrap, release_id) == []


async def test_only_a_submitted_revision_is_noted_with_the_content_it_was_submitted_with(
    bootstrap: str,
) -> None:
    """Issue 15: publication keeps each revision's content in a table and notes it as an event
    only for the revision submitted (a note per revision was a third of an HTTP create's CPU)."""
    release_id = new_release()
    content = ReleaseContent(title="First words", body="Draft.", organisations=["fco"])
    for command in (
        CreateDraft(release_id=release_id, actor=ALICE, content=content),
        ReviseDraft(
            release_id=release_id,
            actor=ALICE,
            expected_version=1,
            changes=ContentChanges(body="Final."),
        ),
        SubmitDraft(release_id=release_id, actor=ALICE),
    ):
        assert (await send_command(bootstrap, DRAFTING_COMMANDS, command)).status == "accepted"
    noted = partial(events_on, bootstrap, PUBLICATION_EVENTS, release_id, "RevisionContentNoted")
    # Notes of one stream are relayed in order: once revision 2's is there, any earlier one is.
    [note] = await eventually(noted, what="the submitted revision's content noted")
    final = content.model_copy(update={"body": "Final."})
    assert (note.revision, note.content, note.content_hash) == (2, final, content_hash(final))


async def test_a_submission_whose_content_publication_never_kept_is_dead_lettered_with_why(
    bootstrap: str,
) -> None:
    release_id, content = await created(bootstrap, "Kept")
    unknown = content_hash(content.model_copy(update={"body": "Never written."}))
    await send_record(bootstrap, DRAFTING_EVENTS, forged_submission(release_id, 2, unknown))
    [letter] = await eventually(partial(dead_letters, bootstrap, release_id), what="the letter")
    assert f"publication holds no content for revision 1 of {release_id}" in (
        letter.header(REASON) or ""
    )


async def test_a_submission_noted_as_an_event_before_contents_were_kept_is_not_noted_again(
    bootstrap: str, stack: Stack
) -> None:
    """An upgrade: the content was noted as an event when it was written, so publication's table
    never kept it. A submission of it is neither noted again nor dead-lettered."""
    release_id, content = await created(bootstrap, "Noted before")
    submit = SubmitDraft(release_id=release_id, actor=ALICE)
    assert (await send_command(bootstrap, DRAFTING_COMMANDS, submit)).status == "accepted"
    noted = partial(events_on, bootstrap, PUBLICATION_EVENTS, release_id, "RevisionContentNoted")
    await eventually(noted, what="the content noted at the submission")
    conn = await asyncpg.connect(stack.settings.pg_dsn)
    try:
        forgotten = "DELETE FROM publication.revision_contents WHERE release_id = $1"
        assert await conn.execute(forgotten, release_id) == "DELETE 1"
    finally:
        await conn.close()
    await send_record(
        bootstrap, DRAFTING_EVENTS, forged_submission(release_id, 3, content_hash(content))
    )
    # The marker: a later submission of unknown content, dead-lettered once the first is handled.
    await send_record(bootstrap, DRAFTING_EVENTS, forged_submission(release_id, 4, "sha256:0"))
    [letter] = await eventually(partial(dead_letters, bootstrap, release_id), what="the marker")
    assert "(hash sha256:0)" in (letter.header(REASON) or "")
    assert len(await noted()) == 1


async def created(bootstrap: str, title: str) -> tuple[str, ReleaseContent]:
    release_id = new_release()
    content = ReleaseContent(title=title, body="Draft.", organisations=["fco"])
    create = CreateDraft(release_id=release_id, actor=ALICE, content=content)
    assert (await send_command(bootstrap, DRAFTING_COMMANDS, create)).status == "accepted"
    return release_id, content


def forged_submission(release_id: str, sequence: int, hash_: str) -> KafkaRecord:
    """A DraftSubmitted of revision 1 as drafting's relay would write it, but by the test."""
    submitted = DraftSubmitted(
        release_id=release_id, revision=1, content_hash=hash_, submitted_by="alice",
        organisation="fco", authors=["alice"],
    )  # fmt: skip
    envelope = ENVELOPE_OF_MESSAGE(
        id=str(uuid.uuid4()), source="/pressroom/drafting", time=datetime.now(UTC),
        subject=release_id, sequence=sequence, correlation_id=str(uuid.uuid4()), actor="alice",
        data=submitted,
    )  # fmt: skip
    return encode(envelope)


async def dead_letters(bootstrap: str, release_id: str) -> list[KafkaRecord]:
    return await read_topic(
        bootstrap, dlq_topic("publication"), lambda r: r.key == release_id.encode()
    )


async def test_a_revision_slipped_in_between_approval_and_lift_is_never_published(
    bootstrap: str,
) -> None:
    """Invariant 1 under attack: the writer revises after approval, before the lift. Publishing
    early is refused; at the lift nothing goes public (the approval no longer binds); once the new
    revision is approved, exactly its hash is published."""
    request = await approved_by_people(bootstrap)
    release_id, lift_at = request.release_id, whole_seconds_from_now(8)
    embargo = SetEmbargo(release_id=release_id, actor=CAROL, lift_at=lift_at)
    assert (await send_command(bootstrap, EMBARGO_COMMANDS, embargo)).status == "accepted"
    early = await send_command(
        bootstrap, PUBLICATION_COMMANDS, PublishRelease(release_id=release_id, actor=CAROL)
    )
    assert early.problem is not None and early.problem.type.endswith(":under-embargo")

    slipped = ReviseDraft(
        release_id=release_id, actor=ALICE, expected_version=2,
        changes=ContentChanges(body="Talks. (And a line nobody approved.)"),
    )  # fmt: skip
    revised = await send_command(bootstrap, DRAFTING_COMMANDS, slipped)
    assert revised.status is OutcomeStatus.ACCEPTED, revised
    withdrawn = partial(
        events_on, bootstrap, PUBLICATION_EVENTS, release_id, "ApprovalWithdrawnNoted"
    )
    await eventually(withdrawn, what="publication hearing the approval no longer binds")
    # The lift time comes with nothing approved: embargo defers the lift instead of lifting.
    deferred = partial(events_on, bootstrap, EMBARGO_EVENTS, release_id, "EmbargoLiftDeferred")
    await eventually(deferred, what="the lift deferred")
    assert await events_on(bootstrap, EMBARGO_EVENTS, release_id, "EmbargoLifted") == []
    await handled_after(bootstrap, release_id)
    assert await published(bootstrap, release_id) == [], "nothing public at the lift"

    submit = SubmitDraft(release_id=release_id, actor=ALICE)
    assert (await send_command(bootstrap, DRAFTING_COMMANDS, submit)).status == "accepted"
    approved = await approve(bootstrap, release_id, revision=2)
    [edition] = await eventually(lambda: published(bootstrap, release_id), what="the edition")
    assert edition.revision == 2 and edition.content_hash == approved
    assert (
        "nobody approved" in edition.content.body and edition.content_hash != request.content_hash
    )
