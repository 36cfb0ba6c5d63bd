"""Prometheus metrics of a service process, served on its health port's /metrics."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Protocol

from prometheus_client import Counter, Gauge, Histogram

from services.kit.db import Pool

# Counted after the transaction committed: a rolled-back attempt is not an outcome.
COMMANDS_HANDLED = Counter(
    "pressroom_commands_handled",
    "Commands from Kafka this process decided, by service and outcome status.",
    ["service", "status"],
)

# What a fault set aside instead of losing (docs/reliability.md; `pressroom stuck` lists them).
SET_ASIDE = Gauge(
    "pressroom_set_aside",
    "Outbox rows Kafka refused for good and deadlines whose own command failed, by service.",
    ["service", "kind"],
)
# What the relay has still to send: a growing backlog is a relay or a Kafka in trouble.
OUTBOX_BACKLOG = Gauge(
    "pressroom_outbox_backlog",
    "Outbox rows committed and not yet on Kafka (set-aside rows excluded), by service.",
    ["service"],
)
OUTBOX_OLDEST = Gauge(
    "pressroom_outbox_oldest_pending_age_seconds",
    "Age of the oldest outbox row not yet on Kafka (0 when none), by service.",
    ["service"],
)
# Every attempt to a subscriber, counted when made: its failures are the dashboard's delivery
# failures as they happen (the gateway's pressroom_failed_deliveries counts those given up).
DELIVERY_ATTEMPTS = Counter(
    "pressroom_delivery_attempts",
    "Delivery attempts to subscribers (webhook, email), by channel and result.",
    ["channel", "result"],
)
# How late a deadline's command was decided after its due time: an embargo's lift is kind "lift".
DEADLINE_LATENESS = Histogram(
    "pressroom_deadline_lateness_seconds",
    "Time from a deadline's due time to its command being recorded, by service and kind.",
    ["service", "kind"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0),
)
# The pending rows by the relay's own partial index (outbox_pending): a backlog costs its size.
_SERVICE_SQL = """
SELECT (SELECT count(*) FROM {schema}.outbox WHERE set_aside_at IS NOT NULL) AS outbox_rows,
       (SELECT count(*) FROM {schema}.deadlines WHERE failed_at IS NOT NULL) AS deadlines,
       (SELECT count(*) FROM {schema}.outbox
         WHERE published_at IS NULL AND set_aside_at IS NULL) AS backlog,
       (SELECT coalesce(extract(epoch FROM now() - min(created_at)), 0) FROM {schema}.outbox
         WHERE published_at IS NULL AND set_aside_at IS NULL) AS oldest_s
"""


async def refresh_set_aside(pool: Pool, schema: str) -> None:
    """Counts this service's set-aside rows and outbox backlog into the gauges (its own schema
    only)."""
    row = await pool.fetchrow(_SERVICE_SQL.format(schema=schema))
    if row is not None:
        SET_ASIDE.labels(schema, "outbox_row").set(row["outbox_rows"])
        SET_ASIDE.labels(schema, "deadline").set(row["deadlines"])
        OUTBOX_BACKLOG.labels(schema).set(row["backlog"])
        OUTBOX_OLDEST.labels(schema).set(float(row["oldest_s"]))


class Due(Protocol):
    """A deadline as the scheduler fires it (services/kit/deadlines.py)."""

    @property
    def command_id(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def due_at(self) -> datetime: ...


def observe_lateness(
    service: str, taken: Iterable[Due], recorded_ids: Iterable[str], at: datetime
) -> None:
    """The deadlines taken at `at` whose command was recorded: how late each one was."""
    recorded = set(recorded_ids)
    for deadline in taken:
        if deadline.command_id in recorded:
            late = max(0.0, (at - deadline.due_at).total_seconds())
            DEADLINE_LATENESS.labels(service, deadline.kind).observe(late)
