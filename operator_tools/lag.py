"""`pressroom lag`: how far behind each consumer group is, per partition. The reading is the read
side's (services.read_models.lag), shared with the gateway's /metrics."""

from __future__ import annotations

from services.kit.db import Pool
from services.kit.settings import Settings
from services.read_models.lag import PartitionLag
from services.read_models.lag import consumer_lag as read_lag

__all__ = ["PartitionLag", "consumer_lag"]


async def consumer_lag(settings: Settings, pool: Pool) -> tuple[list[PartitionLag], list[str]]:
    """Lag per group and partition, and the groups that have committed nothing (yet)."""
    async with pool.acquire() as conn:
        return await read_lag(settings.kafka_bootstrap, conn)
