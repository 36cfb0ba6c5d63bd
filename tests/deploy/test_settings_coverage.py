"""Every setting a deployed process reads is set by compose's env file and by the chart."""

from __future__ import annotations

from services.kit.settings import REPO_ROOT, Settings
from tests.deploy.deploy_files import (
    DEPLOY,
    DEV_ONLY,
    compose,
    deployed_settings,
    env_file_keys,
    env_name,
    image_env,
    render,
)


def test_the_dev_only_allow_list_names_real_settings() -> None:
    assert set(DEV_ONLY) <= set(Settings.model_fields)


def test_compose_sets_every_setting_the_processes_need() -> None:
    given = set(env_file_keys(DEPLOY / "compose.env.example")) | image_env()
    for service in compose()["services"].values():
        given |= set(service.get("environment") or {})
    assert sorted(deployed_settings() - given) == []


def test_the_chart_sets_every_setting_the_processes_need() -> None:
    given = set(image_env())
    for manifest in render():
        if manifest["kind"] == "ConfigMap":
            given |= set(manifest["data"])
        if manifest["kind"] == "Secret":
            given |= set(manifest.get("stringData") or {})
    assert sorted(deployed_settings() - given) == []


def test_the_secret_holds_the_credentials_and_the_configmap_none() -> None:
    manifests = render()
    [config] = [m for m in manifests if m["kind"] == "ConfigMap"]
    assert not [key for key in config["data"] if "DATABASE_URL" in key or "PASSWORD" in key]
    secret_keys = {k for m in manifests if m["kind"] == "Secret" for k in m.get("stringData", {})}
    assert "PRESSROOM_DATABASE_URL" in secret_keys


def test_docs_deployment_lists_every_setting_in_its_table() -> None:
    docs = (REPO_ROOT / "docs" / "deployment.md").read_text()
    missing = [env_name(f) for f in Settings.model_fields if f"`{env_name(f)}`" not in docs]
    assert missing == []
