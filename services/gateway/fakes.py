"""In-memory stand-ins for the gateway's ports, for unit tests and local experiments."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from events.envelope import Envelope
from events.replies import CommandOutcome
from services.gateway.command_bus import CommandNotSent
from services.gateway.reads import InboxFilter, ReleaseFilter

Responder = Callable[[Envelope[Any]], CommandOutcome | None]


@dataclass
class FakeCommandBus:
    """Answers each command with `respond(envelope)`; None plays a reply that never came."""

    respond: Responder
    sent: list[Envelope[Any]] = field(default_factory=list)
    ready: bool = True

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    def readiness(self) -> dict[str, bool]:
        return {"kafka_producer": self.ready, "replies_listener": self.ready}

    async def dispatch(self, envelope: Envelope[Any], wait_s: float) -> CommandOutcome | None:
        if not self.ready:
            raise CommandNotSent("the gateway is not connected to Kafka yet")
        self.sent.append(envelope)
        return self.respond(envelope)


@dataclass
class FakeReadModel:
    """Projections as dicts; `caught_up` answers from the releases' stream versions at once."""

    releases_by_id: dict[str, dict[str, Any]] = field(default_factory=dict)
    history_by_id: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    outcomes: dict[str, dict[str, Any]] = field(default_factory=dict)
    inbox: list[dict[str, Any]] = field(default_factory=list)
    calendar: list[dict[str, Any]] = field(default_factory=list)
    # (release_id, recipient) → the copy with its content, as embargoed_copy would return it.
    copies: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    public: list[dict[str, Any]] = field(default_factory=list)  # public_feed rows, newest first
    subscriber_rows: list[dict[str, Any]] = field(default_factory=list)
    deliveries: list[dict[str, Any]] = field(default_factory=list)
    healthy: bool = True
    filters: list[ReleaseFilter] = field(default_factory=list)
    inbox_filters: list[InboxFilter] = field(default_factory=list)
    waits: list[tuple[str, int, str]] = field(default_factory=list)
    wait_seconds: list[float] = field(default_factory=list)  # how long each wait may have taken

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def ping(self) -> bool:
        return self.healthy

    async def release(self, release_id: str) -> dict[str, Any] | None:
        return self.releases_by_id.get(release_id)

    async def releases(self, where: ReleaseFilter) -> list[dict[str, Any]]:
        self.filters.append(where)
        rows = list(self.releases_by_id.values())
        return rows[where.offset : where.offset + where.limit]

    async def history(self, release_id: str) -> list[dict[str, Any]]:
        return self.history_by_id.get(release_id, [])

    async def approval_inbox(self, where: InboxFilter) -> list[dict[str, Any]]:
        """Filters like the SQL: same organisation, a shared role, the stage if one is asked."""
        self.inbox_filters.append(where)
        return [
            row
            for row in self.inbox
            if row["lead_organisation"] == where.organisation
            and set(row["roles"]) & set(where.roles)
            and where.stage in (None, row["stage"])
        ][where.offset : where.offset + where.limit]

    async def embargo_calendar(
        self, organisation: str, status: str | None, limit: int, offset: int
    ) -> list[dict[str, Any]]:
        rows = [
            row
            for row in self.calendar
            if row["lead_organisation"] == organisation and status in (None, row["status"])
        ]
        return rows[offset : offset + limit]

    async def embargoed_copy(self, release_id: str, recipient: str) -> dict[str, Any] | None:
        return self.copies.get((release_id, recipient))

    async def command_outcome(self, command_id: str) -> dict[str, Any] | None:
        return self.outcomes.get(command_id)

    async def public_feed(self, limit: int, offset: int) -> list[dict[str, Any]]:
        listed = [row for row in self.public if row["state"] in ("published", "withdrawn")]
        return listed[offset : offset + limit]

    async def public_release(self, slug: str) -> dict[str, Any] | None:
        matches = (row for row in self.public if slug in (row["slug"], row.get("slug_if_taken")))
        return next(matches, None)

    async def subscribers(self, limit: int, offset: int) -> list[dict[str, Any]]:
        return self.subscriber_rows[offset : offset + limit]

    async def subscriber(self, subscriber_id: str) -> dict[str, Any] | None:
        rows = self.subscriber_rows
        return next((row for row in rows if row["subscriber_id"] == subscriber_id), None)

    async def release_deliveries(self, release_id: str) -> list[dict[str, Any]]:
        return [row for row in self.deliveries if row["release_id"] == release_id]

    async def subscriber_deliveries(self, subscriber_id: str, limit: int) -> list[dict[str, Any]]:
        return [row for row in self.deliveries if row["subscriber_id"] == subscriber_id][:limit]

    async def caught_up(
        self, release_id: str, version: int, wait_s: float, service: str = "drafting"
    ) -> bool:
        self.waits.append((release_id, version, service))
        self.wait_seconds.append(wait_s)
        release = self.releases_by_id.get(release_id)
        return release is not None and int(release.get("versions", {}).get(service, 0)) >= version
