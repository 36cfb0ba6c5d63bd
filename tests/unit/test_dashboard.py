"""The Grafana dashboard (deploy/grafana/pressroom.json) shows the metrics that matter, and every
PromQL expression in it names only metrics the processes register."""

from __future__ import annotations

import json
import re
from typing import Any, cast

import prometheus_client
import pytest
from prometheus_client import CollectorRegistry

import services.kit.process_metrics  # noqa: F401  (registers the services' metrics)
from services.gateway.metrics import GatewayMetrics
from services.gateway.ops_metrics import OpsMetrics
from services.kit.settings import REPO_ROOT

DASHBOARD = REPO_ROOT / "deploy" / "grafana" / "pressroom.json"
PANELS = (
    "Command rate",
    "Command outcomes",
    "Consumer lag per group",
    "Outbox backlog",
    "DLQ size",
    "DLQ oldest age",
    "Embargo lift lateness",
    "Delivery failures",
)
PROMQL_WORDS = {
    "sum", "max", "min", "avg", "count", "rate", "irate", "increase", "histogram_quantile",
    "by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless",
    "offset", "bool", "clamp_min", "topk",
}  # fmt: skip
SAMPLES = {
    "counter": ("_total", "_created"),
    "gauge": ("",),
    "histogram": ("_bucket", "_count", "_sum", "_created"),
    "summary": ("_count", "_sum", "_created"),
}


def dashboard() -> dict[str, Any]:
    return cast(dict[str, Any], json.loads(DASHBOARD.read_text()))


def expressions() -> list[str]:
    return [t["expr"] for p in dashboard()["panels"] for t in p.get("targets", [])]


def registered_samples() -> set[str]:
    """The series names of every metric the services, the gateway and its ops gauges register."""
    gateway = GatewayMetrics()
    OpsMetrics(gateway.registry, "unused:9092", reads=cast(Any, None))
    names: set[str] = set()
    registries: list[CollectorRegistry] = [prometheus_client.REGISTRY, gateway.registry]
    for registry in registries:
        for family in registry.collect():
            names |= {family.name + suffix for suffix in SAMPLES.get(family.type, ("",))}
    return names


def metric_names(expr: str) -> set[str]:
    """The series an expression selects: its identifiers without label matchers, ranges,
    strings, grouping labels, functions and keywords."""
    bare = re.sub(r'"[^"]*"', "", expr)
    bare = re.sub(r"\{[^}]*\}|\[[^\]]*\]", "", bare)
    bare = re.sub(r"\b(by|without|on|ignoring)\s*\([^)]*\)", "", bare)
    words = set(re.findall(r"[A-Za-z_:][A-Za-z0-9_:]*", bare))
    return words - PROMQL_WORDS


def test_every_listed_panel_is_on_the_dashboard() -> None:
    titles = {p["title"] for p in dashboard()["panels"]}
    assert [p for p in PANELS if p not in titles] == []


@pytest.mark.parametrize("expr", expressions())
def test_each_expression_names_only_registered_metrics(expr: str) -> None:
    names = metric_names(expr)
    assert names, f"no metric in {expr!r}"
    assert sorted(names - registered_samples()) == []


def test_the_reader_of_expressions_finds_an_unknown_metric() -> None:
    assert metric_names('sum by (le) (rate(pressroom_nope_bucket{kind="lift"}[5m]))') == {
        "pressroom_nope_bucket"
    }
    assert "pressroom_nope_bucket" not in registered_samples()


def test_every_panel_reads_the_chosen_prometheus() -> None:
    for panel in dashboard()["panels"]:
        assert panel["datasource"]["uid"] == "${datasource}", panel["title"]
