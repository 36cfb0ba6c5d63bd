"""Properties of who is told what, over random subscribers and random public histories (pure:
`plan_deliveries` fed the record of earlier deliveries, as the publication service feeds it)."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from events.base import Message
from events.content import ReleaseContent, content_hash
from events.envelope import Envelope
from events.publication import ChangeNote, ReleasePublished, ReleaseUnpublished, ReleaseWithdrawn
from events.subscribers import SubscriberFilters
from services.publication.fanout import ActiveSubscriber, PlannedDelivery, plan_deliveries
from tests.unit.given_when_then import NOW

RELEASE = "r-1"
ORGS, TOPICS = ["fco", "mod", "dfe"], ["defence", "trade"]
subscribers = st.lists(
    st.builds(
        ActiveSubscriber,
        subscriber_id=st.sampled_from([f"s{n}" for n in range(8)]),
        channel=st.sampled_from(["webhook", "email"]),
        filters=st.builds(
            SubscriberFilters,
            organisations=st.lists(st.sampled_from(ORGS), max_size=2, unique=True),
            topics=st.lists(st.sampled_from(TOPICS), max_size=2, unique=True),
        ),
    ),
    max_size=6,
    unique_by=lambda s: s.subscriber_id,
)
# Editions 2… are major or minor; the history may end withdrawn or unpublished.
histories = st.tuples(
    st.lists(st.sampled_from(["major", "minor"]), max_size=4),
    st.sampled_from([None, "withdrawn", "unpublished"]),
)
contents = st.builds(
    ReleaseContent,
    title=st.just("Visit"),
    organisations=st.lists(st.sampled_from(ORGS), min_size=1, max_size=2, unique=True),
    topics=st.lists(st.sampled_from(TOPICS), max_size=2, unique=True),
)


def envelope(event: Message, version: int) -> Envelope[Message]:
    return Envelope[Message](
        id=f"e{version}", source="/pressroom/publication", time=NOW, subject=RELEASE,
        data=event, sequence=version, correlation_id="c", actor="paul",
    )  # fmt: skip


def edition(number: int, update: str, content: ReleaseContent) -> ReleasePublished:
    return ReleasePublished(
        release_id=RELEASE, edition=number, update_type=update, change_note="Changed.",
        slug="visit", revision=number, content_hash=content_hash(content), content=content,
        first_published_at=NOW, public_updated_at=NOW,
        change_history=[ChangeNote(edition=1, note="First published.", public_timestamp=NOW)],
        published_by="paul",
    )  # fmt: skip


def ending(kind: str, last: int) -> Message:
    if kind == "withdrawn":
        return ReleaseWithdrawn(
            release_id=RELEASE, edition=last, explanation="Superseded.", withdrawn_at=NOW,
            withdrawn_by="paul",
        )  # fmt: skip
    return ReleaseUnpublished(
        release_id=RELEASE, edition=last, unpublish_type="gone", redirect_url=None,
        unpublished_at=NOW, unpublished_by="dave",
    )  # fmt: skip


def told(
    everyone: list[ActiveSubscriber], history: tuple[list[str], str | None], content: ReleaseContent
) -> list[PlannedDelivery]:
    """Every delivery the history causes, with `had an edition` fed back as the service does."""
    updates, end = history
    events: list[Message] = [edition(1, "major", content)]
    events += [edition(n, update, content) for n, update in enumerate(updates, start=2)]
    if end is not None:
        events.append(ending(end, len(updates) + 1))
    planned: list[PlannedDelivery] = []
    last_payload: dict[str, Any] | None = None
    for version, event in enumerate(events, start=1):
        had = {p.subscriber_id for p in planned if p.notice == "published"}
        new = plan_deliveries(envelope(event, version), everyone, had, last_payload, "https://p")
        planned += new
        published = [p.payload for p in new if p.notice == "published"]
        last_payload = published[-1] if published else last_payload
    return planned


@settings(max_examples=300, deadline=None)
@given(subscribers, histories, contents)
def test_corrections_and_endings_reach_everyone_who_had_an_edition(
    everyone: list[ActiveSubscriber], history: tuple[list[str], str | None], content: ReleaseContent
) -> None:
    planned = told(everyone, history, content)
    assert len({p.delivery_id for p in planned}) == len(planned), "one delivery id per notice"
    by_subscriber: dict[str, list[PlannedDelivery]] = {}
    for p in planned:
        by_subscriber.setdefault(p.subscriber_id, []).append(p)
    channel = {s.subscriber_id: s.channel for s in everyone}
    for subscriber_id, deliveries in by_subscriber.items():
        editions = [p.edition for p in deliveries if p.notice == "published"]
        assert editions[0] == 1 and editions == sorted(editions), "from the first, in order"
        updates, end = history
        expected = [1] + [
            n for n, update in enumerate(updates, start=2)
            if channel[subscriber_id] == "webhook" or update == "major"
        ]  # fmt: skip
        assert editions == expected, "webhooks get every edition, email every major one"
        endings = [p.notice for p in deliveries if p.notice != "published"]
        assert endings == ([end] if end else []), "told of the end once, after the editions"


@settings(max_examples=300, deadline=None)
@given(subscribers, histories, contents)
def test_only_subscribers_whose_filters_match_hear_of_a_release(
    everyone: list[ActiveSubscriber], history: tuple[list[str], str | None], content: ReleaseContent
) -> None:
    heard = {p.subscriber_id for p in told(everyone, history, content)}
    for subscriber in everyone:
        filters = subscriber.filters
        matches = (
            not filters.organisations
            or bool(set(filters.organisations) & set(content.organisations))
        ) and (not filters.topics or bool(set(filters.topics) & set(content.topics)))
        assert (subscriber.subscriber_id in heard) == matches
