"""The read model's port: what the gateway reads, with the query strings it passes. The real one is
`services.read_models.postgres.PostgresReadModel`; tests hold their fake to it."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any, Protocol


class ReadModelUnavailable(Exception):
    """The database did not answer a read: the gateway makes it a 503 the client may retry."""


@dataclass(frozen=True)
class ReleaseFilter:
    """The status board's query string."""

    status: str | None = None
    q: str | None = None
    org: str | None = None
    limit: int = 50
    offset: int = 0


@dataclass(frozen=True)
class InboxFilter:
    """Whose approval inbox: the caller's roles in the caller's organisation, maybe one stage."""

    roles: tuple[str, ...]
    organisation: str | None
    stage: str | None = None
    limit: int = 100
    offset: int = 0


def has_reached(release: dict[str, Any] | None, version: int, service: str) -> bool:
    """Whether the read model has applied `service`'s stream of the release up to `version`."""
    versions = (release or {}).get("versions") or {}
    return release is not None and int(versions.get(service) or 0) >= version


class ReleaseWatch(Protocol):
    """Read-your-writes on one release, taken before its first read: no notice is missed."""

    async def until(
        self, version: int, service: str, wait_s: float, current: dict[str, Any] | None
    ) -> tuple[bool, dict[str, Any] | None]:
        """Waits (≤ wait_s) until the release `current` was read as reaches `version`: whether
        it did, and the release as last read (read again after each notice, nothing else)."""
        ...


class ReadModel(Protocol):
    """Port: the projections the gateway reads."""

    async def start(self) -> None: ...
    async def stop(self) -> None: ...
    async def ping(self) -> bool: ...
    async def release(self, release_id: str) -> dict[str, Any] | None: ...
    async def releases(self, where: ReleaseFilter) -> list[dict[str, Any]]: ...
    async def history(self, release_id: str) -> list[dict[str, Any]]: ...
    async def approval_inbox(self, where: InboxFilter) -> list[dict[str, Any]]: ...
    async def embargo_calendar(
        self, organisation: str, status: str | None, limit: int, offset: int
    ) -> list[dict[str, Any]]: ...
    async def embargoed_copy(self, release_id: str, recipient: str) -> dict[str, Any] | None: ...
    async def command_outcome(self, command_id: str) -> dict[str, Any] | None: ...
    async def public_feed(self, limit: int, offset: int) -> list[dict[str, Any]]: ...
    async def public_release(self, slug: str) -> dict[str, Any] | None: ...
    async def subscribers(
        self, limit: int, offset: int, organisation: str | None = None
    ) -> list[dict[str, Any]]: ...
    async def subscriber(self, subscriber_id: str) -> dict[str, Any] | None: ...
    async def release_deliveries(self, release_id: str) -> list[dict[str, Any]]: ...
    async def subscriber_deliveries(
        self, subscriber_id: str, limit: int
    ) -> list[dict[str, Any]]: ...
    def watching(self, release_id: str) -> AbstractAsyncContextManager[ReleaseWatch]: ...
