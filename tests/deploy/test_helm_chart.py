"""The chart, rendered by a real Helm and validated against Kubernetes' schemas offline."""

from __future__ import annotations

import subprocess
from typing import Any

import kubernetes_validate  # type: ignore[import-untyped]
import pytest

from tests.deploy.deploy_files import CHART, PROCESSES, helm, render

# The oldest Kubernetes the chart supports (Chart.yaml's kubeVersion) and the newest known.
KUBERNETES = ("1.27.0", kubernetes_validate.latest_version())
# Custom resources (KEDA) carry no schema in the validator: checked field by field below.
CUSTOM_KINDS = {"ScaledObject"}


def built_in(manifests: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [m for m in manifests if m["kind"] not in CUSTOM_KINDS]


def test_helm_lint_passes() -> None:
    done = subprocess.run(
        [helm(), "lint", "--strict", "--kube-version", KUBERNETES[-1], str(CHART)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("version", KUBERNETES)
@pytest.mark.parametrize("values", [(), ("keda.enabled=true", "ingress.enabled=false")])
def test_every_rendered_manifest_is_valid_for_kubernetes(
    version: str, values: tuple[str, ...]
) -> None:
    for manifest in built_in(render(*values, kube_version=version)):
        kubernetes_validate.validate(manifest, version, strict=True)


def test_a_deployment_per_process_probed_on_its_health_routes_as_non_root() -> None:
    deployments = {m["metadata"]["labels"]["app.kubernetes.io/component"]: m for m in render()
                   if m["kind"] == "Deployment"}  # fmt: skip
    assert sorted(deployments) == sorted(PROCESSES)
    for name, deployment in deployments.items():
        pod = deployment["spec"]["template"]["spec"]
        [container] = pod["containers"]
        assert container["args"] == [name]
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
        assert container["resources"]["requests"] and container["resources"]["limits"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert container["securityContext"]["allowPrivilegeEscalation"] is False
        assert pod["terminationGracePeriodSeconds"] > 30


def test_each_process_has_a_disruption_budget_and_the_gateway_a_service_and_ingress() -> None:
    manifests = render()
    budgets = [m for m in manifests if m["kind"] == "PodDisruptionBudget"]
    assert len(budgets) == len(PROCESSES)
    [service] = [m for m in manifests if m["kind"] == "Service"]
    assert service["spec"]["selector"]["app.kubernetes.io/component"] == "gateway"
    [ingress] = [m for m in manifests if m["kind"] == "Ingress"]
    backend = ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    assert backend["name"] == service["metadata"]["name"]


def test_the_keda_example_scales_each_service_on_its_groups_lag() -> None:
    scaled = [m for m in render("keda.enabled=true") if m["kind"] == "ScaledObject"]
    assert scaled and all(m["apiVersion"] == "keda.sh/v1alpha1" for m in scaled)
    deployments = {m["metadata"]["name"] for m in render() if m["kind"] == "Deployment"}
    for m in scaled:
        assert m["spec"]["scaleTargetRef"]["name"] in deployments
        [trigger] = m["spec"]["triggers"]
        service = m["metadata"]["labels"]["app.kubernetes.io/component"]
        assert trigger["type"] == "kafka"
        assert trigger["metadata"]["consumerGroup"] == f"pressroom-{service}"
        assert trigger["metadata"]["topic"] == f"pressroom.{service}.commands"


def test_the_topics_job_runs_after_the_settings_it_reads_exist() -> None:
    manifests = render()
    [job] = [m for m in manifests if m["kind"] == "Job"]
    hooks = set(job["metadata"]["annotations"]["helm.sh/hook"].split(","))
    assert hooks == {"post-install", "post-upgrade"}  # pre-install would find no ConfigMap yet
    [container] = job["spec"]["template"]["spec"]["containers"]
    assert container["command"] == ["pressroom", "topics", "apply"]
    sources = {next(iter(ref.values()))["name"] for ref in container["envFrom"]}
    rendered = {m["metadata"]["name"] for m in manifests if m["kind"] in {"ConfigMap", "Secret"}}
    assert sources <= rendered
