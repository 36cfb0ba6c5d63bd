"""Prometheus metrics of a service process, served on its health port's /metrics."""

from __future__ import annotations

from prometheus_client import Counter

# Counted after the transaction committed: a rolled-back attempt is not an outcome.
COMMANDS_HANDLED = Counter(
    "pressroom_commands_handled",
    "Commands from Kafka this process decided, by service and outcome status.",
    ["service", "status"],
)
