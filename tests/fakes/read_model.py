"""The read model in memory, for the gateway's unit tests. Rows are kept as the real read model
returns them, in its order; the filters are re-implemented here and held to the real ones by
tests/integration/test_read_model_contract.py. `q` matches rows whose title, summary or body
contain every word of it (no stemming, no ranking: the contract cases use plain words)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from services.read_models.embargoes import ACTIVE as CALENDAR_ACTIVE
from services.read_models.model import InboxFilter, ReleaseFilter, ReleaseWatch, has_reached


@dataclass
class FakeReadModel:
    """Projections as dicts; a watch answers from the releases' stream versions at once."""

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
    release_reads: list[str] = field(default_factory=list)  # each `release` query, by id
    delivery_reads: list[str] = field(default_factory=list)  # each `release_deliveries` query

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def ping(self) -> bool:
        return self.healthy

    async def release(self, release_id: str) -> dict[str, Any] | None:
        self.release_reads.append(release_id)
        return self.releases_by_id.get(release_id)

    async def releases(self, where: ReleaseFilter) -> list[dict[str, Any]]:
        """Filters like the SQL: the status, any of the organisations, every word of `q`."""
        self.filters.append(where)
        rows = [
            row
            for row in self.releases_by_id.values()
            if where.status in (None, row["status"])
            and (where.org is None or where.org in row["organisations"])
            and _matches(where.q, row)
        ]
        rows.sort(key=lambda row: row["release_id"])
        rows.sort(key=lambda row: row["updated_at"], reverse=True)
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
        # Still to lift first, the next first; then the rest, the latest first (like the SQL).
        to_lift = sorted(
            (row for row in rows if row["status"] in CALENDAR_ACTIVE),
            key=lambda row: (row["lift_at"], row["release_id"]),
        )
        done = sorted(
            (row for row in rows if row["status"] not in CALENDAR_ACTIVE),
            key=lambda row: (-row["lift_at"].timestamp(), row["release_id"]),
        )
        return [*to_lift, *done][offset : offset + limit]

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

    async def subscribers(
        self, limit: int, offset: int, organisation: str | None = None
    ) -> list[dict[str, Any]]:
        rows = [
            row
            for row in self.subscriber_rows
            if organisation is None or row.get("organisation") == organisation
        ]
        return rows[offset : offset + limit]

    async def subscriber(self, subscriber_id: str) -> dict[str, Any] | None:
        rows = self.subscriber_rows
        return next((row for row in rows if row["subscriber_id"] == subscriber_id), None)

    async def release_deliveries(self, release_id: str) -> list[dict[str, Any]]:
        """In the order they were first tried (then by subscriber), like the SQL."""
        self.delivery_reads.append(release_id)
        rows = [row for row in self.deliveries if row["release_id"] == release_id]
        return sorted(rows, key=lambda row: (row["first_attempt_at"], row["subscriber_id"]))

    async def subscriber_deliveries(self, subscriber_id: str, limit: int) -> list[dict[str, Any]]:
        """The latest first, like the SQL."""
        rows = [row for row in self.deliveries if row["subscriber_id"] == subscriber_id]
        return sorted(rows, key=lambda row: row["first_attempt_at"], reverse=True)[:limit]

    @asynccontextmanager
    async def watching(self, release_id: str) -> AsyncIterator[ReleaseWatch]:
        yield _Watch(self, release_id)


@dataclass
class _Watch:
    """Never sleeps: a release behind is read again once, as after the projector's notice."""

    model: FakeReadModel
    release_id: str

    async def until(
        self, version: int, service: str, wait_s: float, current: dict[str, Any] | None
    ) -> tuple[bool, dict[str, Any] | None]:
        self.model.waits.append((self.release_id, version, service))
        self.model.wait_seconds.append(wait_s)
        if not has_reached(current, version, service):
            current = await self.model.release(self.release_id)
        return has_reached(current, version, service), current


def _matches(q: str | None, row: dict[str, Any]) -> bool:
    text = " ".join(str(row.get(name, "")) for name in ("title", "summary", "body")).lower()
    return not q or all(word in text for word in q.lower().split())
