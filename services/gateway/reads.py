"""Queries over the projections, and read-your-writes: wait until a release has caught up."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, Protocol

import asyncpg
import structlog

from services.gateway.problems import ProblemError
from services.projector import delivery_queries, embargo_queries, public_queries, queries

log = structlog.get_logger()
CHANNEL = "projections_advanced"  # the projector NOTIFYs it after each committed batch
POLL_S = 0.25  # fallback when a notification is missed (listener reconnecting)
RECONNECT_S = 2.0


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
    async def caught_up(
        self, release_id: str, version: int, wait_s: float, service: str = "drafting"
    ) -> bool: ...


@contextlib.asynccontextmanager
async def _database() -> AsyncIterator[None]:
    # A read the database cannot answer is a 503 the client may retry, not a 500.
    try:
        yield
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
        log.warning("read_model_unavailable", error=str(error) or type(error).__name__)
        raise ProblemError(
            503, "The read model is unavailable; retry shortly.", slug="read-model-unavailable"
        ) from error


class PostgresReadModel:
    """asyncpg pool for queries, plus one connection LISTENing for projection progress."""

    def __init__(self, dsn: str) -> None:
        self.dsn = dsn
        self._pool: asyncpg.Pool | None = None
        self._advanced = asyncio.Event()
        self._listener: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Creates the pool lazily (no connection yet) and starts the listener."""
        self._pool = await asyncpg.create_pool(self.dsn, min_size=0, max_size=10, timeout=5)
        self._listener = asyncio.create_task(self._listen(), name="gateway-listen")

    async def stop(self) -> None:
        """Closes the listener and the pool."""
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
        if self._pool is not None:
            await self._pool.close()

    @property
    def pool(self) -> asyncpg.Pool:
        assert self._pool is not None, "start() first"
        return self._pool

    async def ping(self) -> bool:
        """True when PostgreSQL answers within two seconds."""
        try:
            async with asyncio.timeout(2):
                return bool(await self.pool.fetchval("SELECT 1"))
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError):
            return False

    async def release(self, release_id: str) -> dict[str, Any] | None:
        async with _database():
            return await queries.get_release(self.pool, release_id)

    async def releases(self, where: ReleaseFilter) -> list[dict[str, Any]]:
        async with _database():
            return await queries.list_releases(
                self.pool, where.status, where.q, where.org, where.limit, where.offset
            )

    async def history(self, release_id: str) -> list[dict[str, Any]]:
        async with _database():
            return await queries.release_history(self.pool, release_id)

    async def approval_inbox(self, where: InboxFilter) -> list[dict[str, Any]]:
        async with _database():
            return await queries.approval_inbox(
                self.pool, where.roles, where.organisation, where.stage, where.limit, where.offset
            )

    async def embargo_calendar(
        self, organisation: str, status: str | None, limit: int, offset: int
    ) -> list[dict[str, Any]]:
        async with _database():
            return await embargo_queries.embargo_calendar(
                self.pool, organisation, status, limit, offset
            )

    async def embargoed_copy(self, release_id: str, recipient: str) -> dict[str, Any] | None:
        async with _database():
            return await embargo_queries.embargoed_copy(self.pool, release_id, recipient)

    async def command_outcome(self, command_id: str) -> dict[str, Any] | None:
        async with _database():
            return await queries.command_outcome(self.pool, command_id)

    async def public_feed(self, limit: int, offset: int) -> list[dict[str, Any]]:
        async with _database():
            return await public_queries.public_feed(self.pool, limit, offset)

    async def public_release(self, slug: str) -> dict[str, Any] | None:
        async with _database():
            return await public_queries.public_release(self.pool, slug)

    async def subscribers(
        self, limit: int, offset: int, organisation: str | None = None
    ) -> list[dict[str, Any]]:
        async with _database():
            return await delivery_queries.subscribers(self.pool, limit, offset, organisation)

    async def subscriber(self, subscriber_id: str) -> dict[str, Any] | None:
        async with _database():
            return await delivery_queries.subscriber(self.pool, subscriber_id)

    async def release_deliveries(self, release_id: str) -> list[dict[str, Any]]:
        async with _database():
            return await delivery_queries.release_deliveries(self.pool, release_id)

    async def subscriber_deliveries(self, subscriber_id: str, limit: int) -> list[dict[str, Any]]:
        async with _database():
            return await delivery_queries.subscriber_deliveries(self.pool, subscriber_id, limit)

    async def caught_up(
        self, release_id: str, version: int, wait_s: float, service: str = "drafting"
    ) -> bool:
        """Waits until `service`'s version of `release_id` is ≥ `version`; False after `wait_s`."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait_s
        while True:
            advanced = self._advanced  # taken before the check, so no NOTIFY slips between
            async with _database():
                current = await queries.release_version(self.pool, release_id, service)
            remaining = deadline - loop.time()
            if (current is not None and current >= version) or remaining <= 0:
                return current is not None and current >= version
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(advanced.wait(), min(POLL_S, remaining))

    def _notified(self, *_: object) -> None:
        self._advanced.set()
        self._advanced = asyncio.Event()

    async def _listen(self) -> None:
        while True:
            try:
                await self._listen_once()
            except Exception as error:  # the poll covers the gap; never die silently
                log.warning(
                    "listen_failed", channel=CHANNEL, error=str(error) or type(error).__name__
                )
            await asyncio.sleep(RECONNECT_S)

    async def _listen_once(self) -> None:
        closed = asyncio.Event()
        connection = await asyncpg.connect(self.dsn, timeout=5)
        try:
            connection.add_termination_listener(lambda _: closed.set())
            await connection.add_listener(CHANNEL, self._notified)
            log.info("listening", channel=CHANNEL)
            await closed.wait()
        finally:
            with contextlib.suppress(Exception):
                await connection.close(timeout=2)
