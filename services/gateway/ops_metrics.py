"""Consumer lag and dead letters as Prometheus gauges, for the gateway's /metrics.

The gateway creates one `OpsMetrics` at start, on its own read model's pool, and awaits `refresh()`
before rendering /metrics; refresh reads Kafka and PostgreSQL at most every `min_interval_s`
seconds, creates nothing (a table not there yet counts as empty) and never raises (a scrape must
not fail because Kafka is briefly away)."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import structlog
from prometheus_client import CollectorRegistry, Gauge

from events.topics import DLQ_TOPICS
from services.kit.db import Db
from services.kit.dlq import KAFKA, PROJECTOR, DeadLetter, from_kafka
from services.kit.log_reader import read_records
from services.read_models.dead_letters import projector_dead_letters, redriven_results
from services.read_models.deliveries import count_failed_deliveries
from services.read_models.lag import consumer_lag
from services.read_models.postgres import PostgresReadModel

log = structlog.get_logger()


class OpsMetrics:
    """pressroom_consumer_lag{group,topic,partition}, pressroom_dead_letters{store} (not yet
    re-driven), pressroom_oldest_dead_letter_age_seconds and pressroom_failed_deliveries."""

    def __init__(
        self,
        registry: CollectorRegistry,
        bootstrap: str,
        reads: PostgresReadModel,
        min_interval_s: float = 15.0,
    ) -> None:
        self.bootstrap = bootstrap
        self.reads = reads  # its pool, started and stopped with the gateway: none of our own
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
            async with self.reads.pool.acquire() as conn:
                await self._read(conn)
        except Exception as error:  # stale gauges beat a failed scrape
            log.warning("ops_metrics_unavailable", error=repr(error))

    async def _read(self, db: Db) -> None:
        rows, _ = await consumer_lag(self.bootstrap, db)
        letters = await self._pending_dead_letters(db)
        failed_deliveries = await count_failed_deliveries(db)
        for row in rows:
            self.lag.labels(row.group, row.topic, str(row.partition)).set(row.lag)
        for store in (KAFKA, PROJECTOR):
            self.dead_letters.labels(store).set(sum(1 for x in letters if x.store == store))
        failed = [x.failed_at for x in letters if x.failed_at is not None]
        self.oldest.set((datetime.now(UTC) - min(failed)).total_seconds() if failed else 0.0)
        self.failed_deliveries.set(failed_deliveries)

    async def _pending_dead_letters(self, db: Db) -> list[DeadLetter]:
        """Both stores' dead letters that nobody has re-driven yet."""
        in_kafka = [from_kafka(r) for r in await read_records(self.bootstrap, DLQ_TOPICS)]
        letters = [*in_kafka, *await projector_dead_letters(db)]
        done = await redriven_results(db)
        return [x for x in letters if (x.topic, x.partition, x.offset) not in done]
