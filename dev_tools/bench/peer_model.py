"""The peer's aggregate: a release as the `eventsourcing` library models one (imported only when
the `bench` extra is installed)."""

from __future__ import annotations

from eventsourcing.domain import Aggregate, event


class PeerRelease(Aggregate):
    """Created with the same content fields as the bench's CreateDraft."""

    @event("Created")
    def __init__(self, title: str, summary: str, body: str, organisations: list[str]) -> None:
        self.title = title
        self.summary = summary
        self.body = body
        self.organisations = organisations
