"""The public read model, pure: what publication's own events put before the public, and only
those (an edition, a withdrawal, an unpublishing), as rows or patches of `public_feed`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from events.base import Message
from events.envelope import Envelope
from events.publication import ReleasePublished, ReleaseUnpublished, ReleaseWithdrawn
from events.slugs import permanent_slug


@dataclass(frozen=True)
class PublicEdition:
    """A whole public row, from one ReleasePublished: every edition carries all of it."""

    release_id: str
    slug: str
    slug_if_taken: str  # another release already holds `slug`: this one is not hidden by it
    edition: int
    title: str
    summary: str
    body: str
    organisations: list[str]
    first_published_at: datetime
    public_updated_at: datetime
    change_history: list[dict[str, Any]]
    state_changed_at: datetime
    stream_version: int
    language: str = "en"
    people: list[str] = field(default_factory=list)
    locations: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class PublicState:
    """A withdrawal or an unpublishing: the row stays, its state and notice change."""

    release_id: str
    state: str
    withdrawal_explanation: str | None
    redirect_url: str | None
    state_changed_at: datetime
    stream_version: int


PublicChange = PublicEdition | PublicState


def public_change(envelope: Envelope[Message]) -> PublicChange | None:
    """The change one event makes to the public row; None for everything else."""
    version = envelope.sequence or 0
    match envelope.data:
        case ReleasePublished() as published:
            return _edition(published, version)
        case ReleaseWithdrawn() as withdrawn:
            return PublicState(
                withdrawn.release_id, "withdrawn", withdrawn.explanation, None,
                withdrawn.withdrawn_at, version,
            )  # fmt: skip
        case ReleaseUnpublished() as unpublished:
            return PublicState(
                unpublished.release_id, unpublished.unpublish_type, None,
                unpublished.redirect_url, unpublished.unpublished_at, version,
            )  # fmt: skip
        case _:
            return None


def _edition(published: ReleasePublished, version: int) -> PublicEdition:
    content = published.content
    return PublicEdition(
        release_id=published.release_id,
        slug=published.slug,
        slug_if_taken=permanent_slug(published.slug, published.release_id),
        edition=published.edition,
        title=content.title,
        summary=content.summary,
        body=content.body,
        organisations=list(content.organisations),
        first_published_at=published.first_published_at,
        public_updated_at=published.public_updated_at,
        change_history=[note.model_dump(mode="json") for note in published.change_history],
        state_changed_at=published.public_updated_at,
        stream_version=version,
        language=content.language,
        people=list(content.people),
        locations=list(content.locations),
        topics=list(content.topics),
    )
