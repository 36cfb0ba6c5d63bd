"""The public read model, pure: only publication's editions, withdrawals and unpublishings
change it; nothing drafted, approved or embargoed reaches it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from events.approval import ReleaseApproved
from events.base import Message
from events.content import ReleaseContent, content_hash
from events.drafting import DraftCreated
from events.embargo import EmbargoedCopyIssued, EmbargoSet
from events.envelope import Envelope, source_of
from events.kafka import encode
from events.publication import (
    ChangeNote,
    EmbargoLiftNoted,
    ReleasePublished,
    ReleaseUnpublished,
    ReleaseWithdrawn,
)
from events.topics import PUBLICATION_EVENTS
from services.projector.batch import Consumed, plan_batch, route
from services.projector.history import history_entry, summarise
from services.projector.public_feed import PublicEdition, PublicState, public_change
from services.projector.releases import evolve_release

RELEASE = "uk-japan-2016"
AT = datetime(2026, 1, 9, 0, 1, tzinfo=UTC)
CONTENT = ReleaseContent(
    title="UK and Japan agree", summary="Defence.", body="# Talks", organisations=["fco", "mod"]
)
HASH = content_hash(CONTENT)


def env(event: Message, sequence: int) -> Envelope[Message]:
    return Envelope[Message](
        id=f"e{sequence}", source=source_of(event.service), time=AT, subject=RELEASE,
        data=event, sequence=sequence, correlation_id="c", actor="pressroom-publication",
    )  # fmt: skip


def published(edition: int = 1, updated: datetime = AT) -> ReleasePublished:
    history = [ChangeNote(edition=1, note="First published.", public_timestamp=AT)]
    return ReleasePublished(
        release_id=RELEASE, edition=edition, update_type="major", change_note="First published.",
        slug="uk-and-japan-agree", revision=1, content_hash=HASH, content=CONTENT,
        first_published_at=AT, public_updated_at=updated, change_history=history,
        published_by="pressroom-publication",
    )  # fmt: skip


def test_an_edition_is_a_whole_public_row_with_its_slug_and_history() -> None:
    change = public_change(env(published(), 5))
    assert isinstance(change, PublicEdition)
    assert (change.slug, change.edition, change.title, change.body) == (
        "uk-and-japan-agree", 1, "UK and Japan agree", "# Talks"
    )  # fmt: skip
    assert change.organisations == ["fco", "mod"] and change.stream_version == 5
    assert change.first_published_at == change.public_updated_at == AT
    assert change.change_history == [
        {"edition": 1, "note": "First published.", "public_timestamp": "2026-01-09T00:01:00Z"}
    ]
    # Another release already holding the slug: this one gets its id appended, not hidden.
    assert change.slug_if_taken == "uk-and-japan-agree-uk-japan-2016"


def test_a_withdrawal_keeps_the_row_with_its_explanation() -> None:
    withdrawn = ReleaseWithdrawn(
        release_id=RELEASE, edition=1, explanation="Superseded.", withdrawn_at=AT,
        withdrawn_by="paul",
    )  # fmt: skip
    assert public_change(env(withdrawn, 6)) == PublicState(
        RELEASE, "withdrawn", "Superseded.", None, AT, 6
    )


def test_unpublishing_says_how_gone_redirected_or_vanished() -> None:
    changes = [
        public_change(env(ReleaseUnpublished(
            release_id=RELEASE, edition=1, unpublish_type=kind, redirect_url=url,
            unpublished_at=AT, unpublished_by="dave",
        ), 7))
        for kind, url in (("gone", None), ("redirect", "https://gov.uk/x"), ("vanish", None))
    ]  # fmt: skip
    assert [(c.state, c.redirect_url) for c in changes if isinstance(c, PublicState)] == [
        ("gone", None), ("redirect", "https://gov.uk/x"), ("vanish", None)
    ]  # fmt: skip


def test_nothing_unpublished_reaches_the_public_row() -> None:
    upstream: list[Message] = [
        DraftCreated(release_id=RELEASE, revision=1, content=CONTENT, content_hash=HASH,
                     created_by="alice", organisation="fco"),
        ReleaseApproved(release_id=RELEASE, revision=1, content_hash=HASH, approvers=["e"]),
        EmbargoSet(release_id=RELEASE, lift_at=AT, recipients=["rita"], pre_release_at=None,
                   set_by="carol"),
        EmbargoedCopyIssued(release_id=RELEASE, recipient="rita", revision=1, content_hash=HASH,
                            lift_at=AT),
        EmbargoLiftNoted(release_id=RELEASE, revision=1, content_hash=HASH, lifted_at=AT),
    ]  # fmt: skip
    assert [public_change(env(event, n)) for n, event in enumerate(upstream, 1)] == [None] * 5


def test_a_batch_plans_public_changes_in_log_order() -> None:
    later = AT + timedelta(hours=1)
    events = [env(published(), 4), env(published(2, later), 5)]
    batch = []
    for offset, record in enumerate(map(encode, events)):
        consumed = Consumed(PUBLICATION_EVENTS, 0, offset, record.key, record.value,
                            tuple(record.headers))  # fmt: skip
        batch.append((consumed, route(consumed)))
    editions = [c for c in plan_batch(batch, {}).public if isinstance(c, PublicEdition)]
    assert [(c.edition, c.public_updated_at) for c in editions] == [(1, AT), (2, later)]


def created() -> DraftCreated:
    return DraftCreated(
        release_id=RELEASE, revision=1, content=CONTENT, content_hash=HASH, created_by="alice",
        organisation="fco",
    )  # fmt: skip


def test_the_board_row_says_published_with_edition_slug_and_times() -> None:
    row = evolve_release(evolve_release(None, env(created(), 1)), env(published(), 4))
    assert row is not None and row.status == "published"
    assert (row.publication_status, row.public_edition, row.public_slug) == (
        "published", 1, "uk-and-japan-agree"
    )  # fmt: skip
    assert row.first_published_at == row.public_updated_at == AT
    assert row.versions == {"drafting": 1, "publication": 4}


def test_the_board_row_says_withdrawn_then_unpublished() -> None:
    row = evolve_release(evolve_release(None, env(created(), 1)), env(published(), 4))
    withdrawn = ReleaseWithdrawn(
        release_id=RELEASE, edition=1, explanation="Superseded.", withdrawn_at=AT,
        withdrawn_by="paul",
    )  # fmt: skip
    row = evolve_release(row, env(withdrawn, 5))
    assert row is not None and (row.status, row.publication_status) == ("withdrawn", "withdrawn")
    gone = ReleaseUnpublished(
        release_id=RELEASE, edition=1, unpublish_type="gone", redirect_url=None,
        unpublished_at=AT, unpublished_by="dave",
    )  # fmt: skip
    row = evolve_release(row, env(gone, 6))
    assert row is not None and (row.status, row.publication_status) == ("unpublished", "gone")
    assert evolve_release(row, env(gone, 6)) is row  # a replay changes nothing


def test_the_timeline_says_who_published_which_edition_and_why() -> None:
    assert summarise(published()) == (
        "Edition 1 published as /uk-and-japan-agree by pressroom-publication (major update):"
        " First published."
    )
    withdrawn = ReleaseWithdrawn(
        release_id=RELEASE, edition=1, explanation="Superseded.", withdrawn_at=AT,
        withdrawn_by="paul",
    )  # fmt: skip
    assert summarise(withdrawn) == "Edition 1 withdrawn by paul: Superseded."
    # Publication's notes echo events already on the timeline: they get no line of their own.
    noted = EmbargoLiftNoted(release_id=RELEASE, revision=1, content_hash=HASH, lifted_at=AT)
    assert history_entry(env(noted, 3)) is None
    assert history_entry(env(withdrawn, 4)) is not None
