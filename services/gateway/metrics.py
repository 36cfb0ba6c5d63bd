"""Prometheus metrics of the gateway, in a registry per app (so tests can build many apps)."""

from __future__ import annotations

from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Histogram

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


@dataclass
class GatewayMetrics:
    """Requests by route and status, command outcomes by status, and how long replies took."""

    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        self.requests = Counter(
            "pressroom_gateway_requests_total",
            "HTTP requests answered, by route template and status code.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "pressroom_gateway_request_duration_seconds",
            "Time to answer an HTTP request, by route template.",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.outcomes = Counter(
            "pressroom_gateway_command_outcomes_total",
            "Commands sent, by type and outcome (accepted, conflict, …, timeout, not_sent).",
            ["command_type", "status"],
            registry=self.registry,
        )
        self.reply_wait = Histogram(
            "pressroom_gateway_reply_wait_seconds",
            "Time from sending a command to receiving its outcome (or giving up).",
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )

    def request(self, method: str, route: str, status: int, seconds: float) -> None:
        """Records one answered request."""
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route).observe(seconds)

    def command(self, command_type: str, status: str, seconds: float) -> None:
        """Records one command's outcome (or `timeout`) and how long the gateway waited."""
        self.outcomes.labels(command_type, status).inc()
        self.reply_wait.observe(seconds)
