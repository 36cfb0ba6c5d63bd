"""Consumer lag and dead letters as Prometheus gauges, for the gateway's /metrics.

The gateway creates one `OpsMetrics(registry, settings)` at start and awaits `refresh()` before
rendering /metrics; refresh reads Kafka and PostgreSQL at most every `min_interval_s` seconds and
never raises (a scrape must not fail because Kafka is briefly away)."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import asyncpg
import structlog
from prometheus_client import CollectorRegistry, Gauge

from operator_tools.dead_letters import list_dead_letters
from operator_tools.lag import consumer_lag
from operator_tools.schemas import ensure_ops
from operator_tools.stuck import SERVICE_SCHEMAS, stuck
from services.kit.settings import Settings
from services.projector.delivery_queries import count_failed_deliveries

log = structlog.get_logger()


class OpsMetrics:
    """pressroom_consumer_lag{group,topic,partition}, pressroom_dead_letters{store} (not yet
    re-driven), pressroom_oldest_dead_letter_age_seconds, pressroom_failed_deliveries and
    pressroom_set_aside{service,kind}."""

    def __init__(
        self, registry: CollectorRegistry, settings: Settings, min_interval_s: float = 15.0
    ) -> None:
        self.settings = settings
        self.min_interval_s = min_interval_s
        self._refreshed = float("-inf")
        self.lag = Gauge(
            "pressroom_consumer_lag",
            "Records not yet consumed, per group and partition.",
            ["group", "topic", "partition"],
            registry=registry,
        )
        self.dead_letters = Gauge(
            "pressroom_dead_letters",
            "Dead letters not re-driven yet.",
            ["store"],
            registry=registry,
        )
        self.oldest = Gauge(
            "pressroom_oldest_dead_letter_age_seconds",
            "Age of the oldest dead letter not re-driven yet (0 when none).",
            registry=registry,
        )
        self.set_aside = Gauge(
            "pressroom_set_aside",
            "What a fault set aside instead of losing (`pressroom stuck`): outbox rows Kafka"
            " refused for good, deadlines whose own command failed.",
            ["service", "kind"],
            registry=registry,
        )
        self.failed_deliveries = Gauge(
            "pressroom_failed_deliveries",
            "Deliveries to subscribers that gave up and were not redelivered yet.",
            registry=registry,
        )

    async def refresh(self) -> None:
        if time.monotonic() - self._refreshed < self.min_interval_s:
            return
        self._refreshed = time.monotonic()
        try:
            await self._read()
        except Exception as error:  # stale gauges beat a failed scrape
            log.warning("ops_metrics_unavailable", error=repr(error))

    async def _read(self) -> None:
        pool = await asyncpg.create_pool(self.settings.dsn_for("projector"), min_size=1, max_size=1)
        try:
            rows, _ = await consumer_lag(self.settings, pool)
            async with pool.acquire() as conn:
                await ensure_ops(conn)
                letters = await list_dead_letters(self.settings.kafka_bootstrap, conn)
                failed_deliveries = await count_failed_deliveries(conn)
                set_aside = await stuck(conn)
        finally:
            await pool.close()
        for row in rows:
            self.lag.labels(row.group, row.topic, str(row.partition)).set(row.lag)
        pending = [x for x in letters if x.redriven is None]
        for store in ("kafka", "projector"):
            self.dead_letters.labels(store).set(sum(1 for x in pending if x.store == store))
        failed = [x.failed_at for x in pending if x.failed_at is not None]
        self.oldest.set((datetime.now(UTC) - min(failed)).total_seconds() if failed else 0.0)
        self.failed_deliveries.set(failed_deliveries)
        for service in SERVICE_SCHEMAS:
            for kind in ("outbox row", "deadline"):
                count = sum(1 for x in set_aside if (x.schema, x.kind) == (service, kind))
                self.set_aside.labels(service, kind.replace(" ", "_")).set(count)
