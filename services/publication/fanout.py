"""Who hears about a public change, and what they are sent: pure, from publication's events.

A new edition goes to every active subscriber whose filters match it, and to everyone who had an
earlier edition of the release (a correction reaches all who had the error). A withdrawal or an
unpublishing goes only to those who had an edition. Email is for people: it skips minor editions
(GOV.UK's rule: only major changes, with their change note); webhooks get every edition."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from events.base import Message
from events.content import ReleaseContent
from events.envelope import Envelope, deterministic_id
from events.publication import Notice, ReleasePublished, ReleaseUnpublished, ReleaseWithdrawn
from events.slugs import permanent_slug
from events.subscribers import SubscriberFilters

Payload = dict[str, Any]


@dataclass(frozen=True)
class ActiveSubscriber:
    subscriber_id: str
    channel: str  # webhook | email
    filters: SubscriberFilters


@dataclass(frozen=True)
class PlannedDelivery:
    delivery_id: str
    subscriber_id: str
    release_id: str
    edition: int
    notice: Notice
    payload: Payload


def delivery_id(subscriber_id: str, release_id: str, edition: int, notice: str) -> str:
    """Stable across attempts, restarts and redeliveries: the receiver's deduplication key."""
    return deterministic_id("delivery", subscriber_id, release_id, str(edition), notice)


def wants(filters: SubscriberFilters, content: ReleaseContent) -> bool:
    """Empty filters take everything; otherwise one shared organisation and one shared topic."""
    organisations_match = not filters.organisations or bool(
        set(filters.organisations) & set(content.organisations)
    )
    topics_match = not filters.topics or bool(set(filters.topics) & set(content.topics))
    return organisations_match and topics_match


def plan_deliveries(
    envelope: Envelope[Message],
    subscribers: Sequence[ActiveSubscriber],
    had_an_edition: Collection[str],
    last_published: Mapping[str, Any] | None,
    public_base_url: str,
) -> list[PlannedDelivery]:
    """The deliveries one publication event causes, in subscriber order (ids sorted)."""
    event = envelope.data
    match event:
        case ReleasePublished():
            payload = published_payload(envelope, event, public_base_url)
            chosen = [s for s in subscribers if _gets_edition(s, event, had_an_edition)]
            return _deliveries(chosen, event.release_id, event.edition, "published", payload)
        case ReleaseWithdrawn() | ReleaseUnpublished() if last_published is not None:
            payload = ended_payload(envelope, event, last_published)
            notice: Notice = "withdrawn" if isinstance(event, ReleaseWithdrawn) else "unpublished"
            chosen = [s for s in subscribers if s.subscriber_id in had_an_edition]
            return _deliveries(chosen, event.release_id, event.edition, notice, payload)
        case _:
            return []


def _gets_edition(
    subscriber: ActiveSubscriber, event: ReleasePublished, had_an_edition: Collection[str]
) -> bool:
    if subscriber.channel == "email" and event.edition > 1 and event.update_type == "minor":
        return False
    return subscriber.subscriber_id in had_an_edition or wants(subscriber.filters, event.content)


def _deliveries(
    chosen: Sequence[ActiveSubscriber], release_id: str, edition: int, notice: Notice,
    payload: Payload,
) -> list[PlannedDelivery]:  # fmt: skip
    planned = []
    for subscriber in sorted(chosen, key=lambda s: s.subscriber_id):
        ident = delivery_id(subscriber.subscriber_id, release_id, edition, notice)
        body = {**payload, "delivery_id": ident, "subscriber_id": subscriber.subscriber_id}
        planned.append(
            PlannedDelivery(ident, subscriber.subscriber_id, release_id, edition, notice, body)
        )
    return planned


def published_payload(
    envelope: Envelope[Message], event: ReleasePublished, public_base_url: str
) -> Payload:
    """What a receiver needs to show the edition without calling back: content and addresses."""
    content = event.content
    # The permanent address: the plain slug may belong to an earlier release of that title.
    address = permanent_slug(event.slug, event.release_id)
    return {
        "notice": "published",
        "event_id": envelope.id,
        "release_id": event.release_id,
        "edition": event.edition,
        "update_type": event.update_type,
        "change_note": event.change_note,
        "slug": event.slug,
        "url": f"{public_base_url.rstrip('/')}/v1/public/{address}",
        "title": content.title,
        "summary": content.summary,
        "body": content.body,
        "organisations": content.organisations,
        "topics": content.topics,
        "language": content.language,
        "content_hash": event.content_hash,
        "first_published_at": event.first_published_at.isoformat(),
        "public_updated_at": event.public_updated_at.isoformat(),
        "change_history": [note.model_dump(mode="json") for note in event.change_history],
    }


def ended_payload(
    envelope: Envelope[Message],
    event: ReleaseWithdrawn | ReleaseUnpublished,
    last_published: Mapping[str, Any],
) -> Payload:
    """A withdrawal or unpublishing names the release as the receivers last had it."""
    named = {key: last_published[key] for key in ("slug", "url", "title")}
    common = {"event_id": envelope.id, "release_id": event.release_id, "edition": event.edition}
    if isinstance(event, ReleaseWithdrawn):
        return {
            "notice": "withdrawn", **common, **named, "explanation": event.explanation,
            "withdrawn_at": event.withdrawn_at.isoformat(),
        }  # fmt: skip
    return {
        "notice": "unpublished", **common, **named, "unpublish_type": event.unpublish_type,
        "redirect_url": event.redirect_url, "unpublished_at": event.unpublished_at.isoformat(),
    }  # fmt: skip
