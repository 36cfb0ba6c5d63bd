"""What a service process owns in faust's event loop: the pool, the command handler, the relay."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import structlog
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError

from events.catalog import REGISTRY
from services.kit.command_auth import CommandVerifier, verifier_from_settings
from services.kit.crash_points import NO_CRASHES, CrashPoints
from services.kit.db import Pool, reset_if_session_state, write_path_pool
from services.kit.decider import Decider
from services.kit.eventstore import EventStore
from services.kit.handler import CommandHandler
from services.kit.health import POSTGRES_AWAY, Readiness, kafka_answers, postgres_answers
from services.kit.kafka_clients import client_kwargs
from services.kit.migrations import apply_service_migrations
from services.kit.process_metrics import refresh_set_aside
from services.kit.relay import OutboxRelay
from services.kit.settings import Settings
from services.kit.topic_specs import topic_specs
from services.kit.topics_admin import ensure_topics_once_kafka_answers
from services.kit.transient import until_done, worth_waiting_at_start

log = structlog.get_logger()
RELAY_RETRY_S = 0.5
RELAY_MAX_RETRY_S = 10.0
# How often the readiness checks are refreshed (and the loop proves it is alive).
READINESS_EVERY_S = 2.0


@dataclass
class ServiceRuntime:
    """Resources are created on first use inside the running loop, never at import."""

    settings: Settings
    decider: Decider[Any, Any, Any]
    migrations: str
    # The test seam (services/kit/crash_points.py); production keeps NO_CRASHES.
    crash_points: CrashPoints = NO_CRASHES
    _pool: Pool | None = None
    _verifier: CommandVerifier | None = None
    _relay: OutboxRelay | None = None  # the relay running now, or the last one that failed
    _admin: AIOKafkaAdminClient | None = None  # asks a broker for metadata, for /readyz
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    @property
    def schema(self) -> str:
        return self.decider.service

    @property
    def dsn(self) -> str:
        return self.settings.dsn_for(self.schema)

    @property
    def store(self) -> EventStore:
        return EventStore(schema=self.schema, registry=REGISTRY)

    async def pool(self) -> Pool:
        async with self._lock:
            if self._pool is None:
                # min_size defaults to 0: connections are made on acquire only. asyncpg's
                # background refill of a minimum (0.30+) can hand out a connection it was still
                # making while PostgreSQL shut down ("another operation is in progress",
                # asyncpg#784).
                self._pool = await write_path_pool(
                    self.dsn,
                    min_size=self.settings.pg_pool_min_size,
                    max_size=self.settings.pg_pool_max_size,
                    reset=reset_if_session_state,
                )
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
        """Forever: PostgreSQL or Kafka away, the relay starts over (lock, LISTEN, reconcile)."""
        await self.crash_points.before_relay()
        delay = RELAY_RETRY_S
        while True:
            relay = OutboxRelay(
                pool=await self.pool(),
                schema=self.schema,
                bootstrap=self.settings.kafka_bootstrap,
                notify_channel=self.store.notify_channel,
                crash_points=self.crash_points,
            )
            self._relay = relay
            try:
                await relay.run(asyncio.Event())
            except Exception as error:
                # It ran as leader: a fresh failure, retried soon. Else the wait grows.
                delay = RELAY_RETRY_S if relay.led else min(delay * 2, RELAY_MAX_RETRY_S)
                log.warning("relay_restarting", schema=self.schema, error=repr(error),
                            retry_in_s=delay)  # fmt: skip
                await asyncio.sleep(delay)

    def relay_ready(self) -> bool:
        """Leading with its lock and LISTEN, or a standby: not lost, not waiting to start over."""
        relay = self._relay
        return relay is not None and relay.ready.is_set() and not relay.lost.is_set()

    async def prepare(self) -> list[str]:
        """Before faust starts: the command keys load, tables and topics exist, so no agent
        meets a missing one."""
        log.info("command_verifier", kind=type(self.verifier).__name__)
        applied: list[str] = []

        async def migrate() -> None:  # PostgreSQL not up yet: wait for it, logged, not exit
            conn = await asyncpg.connect(self.dsn)
            try:
                applied[:] = await apply_service_migrations(conn, self.schema, self.migrations)
            finally:
                await conn.close()

        await until_done(migrate, "postgres", worth_waiting_at_start)
        await ensure_topics_once_kafka_answers(
            self.settings.kafka_bootstrap, topic_specs(self.settings)
        )
        return applied

    async def watch_readiness(self, readiness: Readiness, consuming: Callable[[], bool]) -> None:
        """Ready: PostgreSQL answers, the consumer is in its group with an assignment, and the
        relay is not degraded (it holds its lock and LISTEN again after a PostgreSQL restart)."""
        while True:
            try:
                pool = await self.pool()
            except POSTGRES_AWAY as error:
                log.warning("postgres_unavailable", error=repr(error))
                readiness.set("postgres", False)
            else:
                answers = await postgres_answers(pool, READINESS_EVERY_S)
                readiness.set("postgres", answers)
                if answers:
                    await self._count_set_aside(pool)
            readiness.set("kafka", consuming() and await self.kafka_answers())
            readiness.set("relay", self.relay_ready())
            readiness.beat()
            await asyncio.sleep(READINESS_EVERY_S)

    async def kafka_answers(self) -> bool:
        """A broker answers a metadata request (its own admin client, not the consumer's)."""
        if self._admin is None:
            admin = AIOKafkaAdminClient(**client_kwargs(settings=self.settings))
            try:
                await admin.start()
            except (KafkaError, OSError):
                await admin.close()
                return False
            self._admin = admin
        return await kafka_answers(self._admin.describe_cluster, READINESS_EVERY_S)

    async def _count_set_aside(self, pool: Pool) -> None:
        try:
            await refresh_set_aside(pool, self.schema)
        except POSTGRES_AWAY as error:
            log.warning("set_aside_uncounted", error=repr(error))  # the next round tries again

    async def close(self) -> None:
        if self._admin is not None:
            await self._admin.close()
        if self._pool is not None:
            await self._pool.close()
