"""Prometheus metrics of a service process, served on its health port's /metrics."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

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
_SET_ASIDE_SQL = """
SELECT (SELECT count(*) FROM {schema}.outbox WHERE set_aside_at IS NOT NULL) AS outbox_rows,
       (SELECT count(*) FROM {schema}.deadlines WHERE failed_at IS NOT NULL) AS deadlines
"""


async def refresh_set_aside(pool: Pool, schema: str) -> None:
    """Counts this service's set-aside rows into the gauge (its own schema only)."""
    row = await pool.fetchrow(_SET_ASIDE_SQL.format(schema=schema))
    if row is not None:
        SET_ASIDE.labels(schema, "outbox_row").set(row["outbox_rows"])
        SET_ASIDE.labels(schema, "deadline").set(row["deadlines"])
