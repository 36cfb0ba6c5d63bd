"""What a service process owns in faust's event loop: the pool, the command handler, the relay."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import structlog

from events.catalog import REGISTRY
from services.kit.command_auth import CommandVerifier, verifier_from_settings
from services.kit.db import Pool
from services.kit.decider import Decider
from services.kit.eventstore import EventStore
from services.kit.handler import CommandHandler
from services.kit.migrations import apply_service_migrations
from services.kit.relay import OutboxRelay
from services.kit.settings import Settings
from services.kit.topics_admin import ensure_topics

log = structlog.get_logger()


@dataclass
class ServiceRuntime:
    """Resources are created on first use inside the running loop, never at import."""

    settings: Settings
    decider: Decider[Any, Any, Any]
    migrations: str
    _pool: Pool | None = None
    _verifier: CommandVerifier | None = None
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    @property
    def schema(self) -> str:
        return self.decider.service

    @property
    def store(self) -> EventStore:
        return EventStore(schema=self.schema, registry=REGISTRY)

    async def pool(self) -> Pool:
        async with self._lock:
            if self._pool is None:
                self._pool = await asyncpg.create_pool(self.settings.pg_dsn, min_size=1, max_size=8)
            return self._pool

    @property
    def verifier(self) -> CommandVerifier:
        """Built once; raises CommandKeysMissing or KeysFileError (refuse to start) if unusable."""
        if self._verifier is None:
            self._verifier = verifier_from_settings(self.settings)
        return self._verifier

    async def handler(self) -> CommandHandler:
        return CommandHandler(
            pool=await self.pool(), store=self.store, decider=self.decider, verifier=self.verifier
        )

    async def run_relay(self) -> None:
        if self.settings.fault == "relay-off":
            return
        delay = 1.0
        while True:  # Kafka or PostgreSQL away: start over (reconciling first), never give up
            relay = OutboxRelay(
                pool=await self.pool(),
                schema=self.schema,
                bootstrap=self.settings.kafka_bootstrap,
                notify_channel=self.store.notify_channel,
                fault=self.settings.fault,
            )
            try:
                await relay.run(asyncio.Event())
            except Exception as error:
                log.warning("relay_restarting", error=repr(error), delay=delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30.0)

    async def prepare(self) -> list[str]:
        """Before faust starts: the command keys load, tables and topics exist, so no agent
        meets a missing one."""
        log.info("command_verifier", kind=type(self.verifier).__name__)
        conn = await asyncpg.connect(self.settings.pg_dsn)
        try:
            applied = await apply_service_migrations(conn, self.schema, self.migrations)
        finally:
            await conn.close()
        await ensure_topics(self.settings.kafka_bootstrap, self.settings.topic_partitions)
        return applied

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
