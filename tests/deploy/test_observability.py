"""Compose's `observability` profile: Prometheus scrapes every process's /metrics where it is
served, Grafana is provisioned with that Prometheus and the dashboard, Jaeger takes OTLP."""

from __future__ import annotations

from typing import Any

import yaml

from tests.deploy.deploy_files import DEPLOY, PROCESSES, compose, env_file_keys


def mounted(service: dict[str, Any]) -> dict[str, str]:
    """Container path -> the file or folder of the checkout mounted there."""
    pairs = (volume.split(":")[:2] for volume in service.get("volumes", []))
    return {target: source for source, target in pairs}


def test_prometheus_scrapes_every_process_on_its_metrics_port() -> None:
    services = compose()["services"]
    config = yaml.safe_load((DEPLOY / "prometheus.yml").read_text())
    targets = {
        t for job in config["scrape_configs"] for c in job["static_configs"] for t in c["targets"]
    }
    health_port = env_file_keys(DEPLOY / "compose.env.example")["PRESSROOM_HEALTH_PORT"]
    expected = {f"{name}:{health_port}" for name in PROCESSES if name != "gateway"}
    assert expected | {"gateway:8080"} == targets
    assert mounted(services["prometheus"])["/etc/prometheus/prometheus.yml"] == "./prometheus.yml"


def test_grafana_gets_the_dashboard_and_the_prometheus_it_reads() -> None:
    grafana = mounted(compose()["services"]["grafana"])
    provisioning = DEPLOY / grafana["/etc/grafana/provisioning"]
    [source] = yaml.safe_load((provisioning / "datasources" / "prometheus.yaml").read_text())[
        "datasources"
    ]
    assert source["type"] == "prometheus" and source["url"] == "http://prometheus:9090"
    [provider] = yaml.safe_load((provisioning / "dashboards" / "pressroom.yaml").read_text())[
        "providers"
    ]
    folder = provider["options"]["path"]
    assert (DEPLOY / grafana[f"{folder}/pressroom.json"]).resolve() == (
        DEPLOY / "grafana" / "pressroom.json"
    )


def test_the_observability_services_run_only_in_their_profile_and_tracing_is_off_by_default() -> (
    None
):
    services = compose()["services"]
    for name in ("prometheus", "grafana", "jaeger"):
        assert services[name]["profiles"] == ["observability"]
    assert "OTEL_EXPORTER_OTLP_ENDPOINT" in env_file_keys(DEPLOY / "compose.env.example")
