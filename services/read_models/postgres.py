"""The read model in PostgreSQL: a pool for the queries, and read-your-writes (wait until a
release has caught up, woken by the projector's NOTIFY after each batch)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import asyncpg
import structlog

from services.kit.db import Pool, keep_session
from services.kit.health import POSTGRES_AWAY
from services.kit.transient import is_transient
from services.read_models import deliveries as delivery_queries
from services.read_models import embargoes as embargo_queries
from services.read_models import public as public_queries
from services.read_models import releases as release_queries
from services.read_models.model import (
    InboxFilter,
    ReadModelUnavailable,
    ReleaseFilter,
    ReleaseWatch,
    has_reached,
)
from services.read_models.signals import ReleaseSignals
from services.read_models.tables import ADVANCED_CHANNEL as CHANNEL

log = structlog.get_logger()
POLL_S = 0.25  # fallback when a notification is missed (listener reconnecting)
RECONNECT_S = 2.0


def unavailable(error: BaseException) -> bool:
    """PostgreSQL away, restarting, out of connections or cancelling a query that ran too long:
    the same read may well succeed soon (503, Retry-After). Anything else PostgreSQL refuses (a
    missing table, a malformed statement) is a bug or a broken deployment: a 500 with its
    traceback in the log, not an answer that sends every client into retries (decisions 58)."""
    return is_transient(error) or isinstance(error, asyncpg.QueryCanceledError)


@contextlib.asynccontextmanager
async def _database() -> AsyncIterator[None]:
    try:
        yield
    except Exception as error:
        if not unavailable(error):
            raise
        log.warning("read_model_unavailable", error=str(error) or type(error).__name__)
        raise ReadModelUnavailable(str(error) or type(error).__name__) from error


class PostgresReadModel:
    """asyncpg pool for queries, plus one connection LISTENing for projection progress."""

    def __init__(self, dsn: str, *, listen_dsn: str | None = None, max_size: int = 10) -> None:
        self.dsn = dsn
        # NOTIFY is not replicated: with queries on a read replica, LISTEN on the primary.
        self.listen_dsn = listen_dsn or dsn
        self.max_size = max_size
        self._pool: Pool | None = None
        self._signals = ReleaseSignals()
        self._listener: asyncio.Task[None] | None = None
        self._listening = False

    async def start(self) -> None:
        """Creates the pool lazily (no connection yet) and starts the listener. The queries
        change no session state (the LISTEN has a connection of its own): no reset round trip
        after each of them."""
        self._pool = await asyncpg.create_pool(
            self.dsn, min_size=0, max_size=self.max_size, timeout=5, reset=keep_session
        )
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
    def pool(self) -> Pool:
        """The queries' pool; the gateway's /metrics borrows it too (no pool of its own)."""
        assert self._pool is not None, "start() first"
        return self._pool

    async def ping(self) -> bool:
        """True when PostgreSQL answers within two seconds and the LISTEN read-your-writes
        waits on is in place (after a restart, reads would otherwise wait for the poll)."""
        if not self._listening:
            return False
        try:
            async with asyncio.timeout(2):
                return bool(await self.pool.fetchval("SELECT 1"))
        except POSTGRES_AWAY:
            return False

    async def release(self, release_id: str) -> dict[str, Any] | None:
        async with _database():
            return await release_queries.get_release(self.pool, release_id)

    async def releases(self, where: ReleaseFilter) -> list[dict[str, Any]]:
        async with _database():
            return await release_queries.list_releases(
                self.pool, where.status, where.q, where.org, where.limit, where.offset
            )

    async def history(self, release_id: str) -> list[dict[str, Any]]:
        async with _database():
            return await release_queries.release_history(self.pool, release_id)

    async def approval_inbox(self, where: InboxFilter) -> list[dict[str, Any]]:
        async with _database():
            return await release_queries.approval_inbox(
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
            return await release_queries.command_outcome(self.pool, command_id)

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

    @contextlib.asynccontextmanager
    async def watching(self, release_id: str) -> AsyncIterator[ReleaseWatch]:
        """Notices about `release_id` heard from now on: enter before reading it the first time,
        so the read, the wait and each read after a notice are all a read-your-writes GET costs
        (issue 15: it was a read, two version checks and a read)."""
        self._signals.enter(release_id)
        try:
            yield _Watch(self, self._signals, release_id, self._signals.watch(release_id))
        finally:
            self._signals.leave(release_id)

    def _notified(
        self,
        _connection: asyncpg.Connection[Any] | object,
        _pid: int,
        _channel: str,
        payload: object,
    ) -> None:
        self._signals.notify(payload if isinstance(payload, str) else None)

    async def _listen(self) -> None:
        while True:
            try:
                await self._listen_once()
            except Exception as error:  # the poll covers the gap; never die silently
                log.warning(
                    "listen_failed_retrying", channel=CHANNEL, retry_in_s=RECONNECT_S,
                    error=str(error) or type(error).__name__,
                )  # fmt: skip
            await asyncio.sleep(RECONNECT_S)

    async def _listen_once(self) -> None:
        closed = asyncio.Event()
        connection = await asyncpg.connect(self.listen_dsn, timeout=5)
        try:
            connection.add_termination_listener(lambda _: closed.set())
            await connection.add_listener(CHANNEL, self._notified)
            log.info("listening", channel=CHANNEL)
            self._listening = True
            self._signals.wake_all()  # whatever advanced while nobody listened
            await closed.wait()
        finally:
            self._listening = False
            with contextlib.suppress(Exception):
                await connection.close(timeout=2)


@dataclass
class _Watch:
    """One waiter's read-your-writes on one release (PostgresReadModel.watching)."""

    model: PostgresReadModel
    signals: ReleaseSignals
    release_id: str
    advanced: asyncio.Event  # set by the next notice naming the release

    async def until(
        self, version: int, service: str, wait_s: float, current: dict[str, Any] | None
    ) -> tuple[bool, dict[str, Any] | None]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait_s
        while not has_reached(current, version, service):
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False, current
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.advanced.wait(), min(POLL_S, remaining))
            self.advanced = self.signals.watch(self.release_id)  # before the read
            current = await self.model.release(self.release_id)
        return True, current
