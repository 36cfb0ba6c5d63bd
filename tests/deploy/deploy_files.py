"""The deployment files as data: Dockerfile, compose, its env file, the chart Helm renders."""

from __future__ import annotations

import os
import re
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from dockerfile_parse import DockerfileParser  # type: ignore[import-untyped]

from services.kit.settings import REPO_ROOT, Settings

DEPLOY = REPO_ROOT / "deploy"
CHART = DEPLOY / "helm" / "pressroom"
PROCESSES = ("drafting", "approval", "embargo", "publication", "projector", "gateway")
# Settings no deployed process reads from its environment (docs/deployment.md, "Settings"):
# the local stack's launcher and the tests' knobs, and the operators' rebuild workers.
DEV_ONLY = {
    "cache_dir": "the local stack's jar cache",
    "kafka_host": "the local stack's broker (clusters: kafka_bootstrap_servers)",
    "kafka_port": "the local stack's broker (clusters: kafka_bootstrap_servers)",
    "kafka_controller_port": "the local stack's controller",
    "kafka_version": "the Kafka the local stack downloads",
    "pg_host": "the local stack's PostgreSQL (deployed: database_url)",
    "pg_port": "the local stack's PostgreSQL (deployed: database_url)",
    "pg_user": "the local stack's PostgreSQL (deployed: database_url)",
    "pg_password": "the local stack's PostgreSQL (deployed: database_url)",
    "pg_database": "the local stack's PostgreSQL (deployed: database_url)",
    "pg_bin_dir": "the local stack's PostgreSQL binaries",
    "pg_fast_unsafe": "tests only: fsync off",
    "demo_tokens": "the local and test stacks' public demo tokens: never in a deployment",
    "insecure_unsigned_commands": "unsigned commands: never in a deployment",
    "rebuild_workers": "`pressroom replay` only, an operator's command",
    "approval_policies": "optional: the built-in policy file unless you mount your own",
}


def env_name(field: str) -> str:
    return f"PRESSROOM_{field.upper()}"


def deployed_settings() -> set[str]:
    """PRESSROOM_* of every setting a deployed process may need."""
    return {env_name(f) for f in Settings.model_fields if f not in DEV_ONLY}


@cache
def dockerfile() -> DockerfileParser:
    parser = DockerfileParser(path=str(DEPLOY / "Dockerfile"))
    return parser


def image_env() -> set[str]:
    """ENV keys the final stage of the image sets."""
    keys: set[str] = set()
    for instruction in final_stage():
        if instruction["instruction"] == "ENV":
            keys |= set(re.findall(r"(PRESSROOM_[A-Z_]+)=", instruction["value"]))
    return keys


def stages() -> list[list[dict[str, Any]]]:
    found: list[list[dict[str, Any]]] = []
    for instruction in dockerfile().structure:
        if instruction["instruction"] == "FROM":
            found.append([])
        if found:
            found[-1].append(instruction)
    return found


def final_stage() -> list[dict[str, Any]]:
    return stages()[-1]


def build_args() -> dict[str, str]:
    """Default values of the ARGs before the first FROM."""
    args: dict[str, str] = {}
    for instruction in dockerfile().structure:
        if instruction["instruction"] == "FROM":
            break
        if instruction["instruction"] == "ARG" and "=" in instruction["value"]:
            name, value = instruction["value"].split("=", 1)
            args[name.strip()] = value.strip()
    return args


@cache
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    return loaded


def env_file_keys(path: Path) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
    return {k.strip(): v for k, v in pairs if not k.lstrip().startswith("#")}


@cache
def helm() -> str:
    """The Helm that `make helm` built (once per machine); a failed build fails the test."""
    if os.environ.get("PRESSROOM_HELM"):
        return os.environ["PRESSROOM_HELM"]
    done = subprocess.run(
        ["make", "-s", "helm"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=3600,
        check=False,
    )  # fmt: skip
    if done.returncode != 0:
        pytest.fail(f"`make helm` could not build helm:\n{done.stderr[-4000:]}")
    return done.stdout.strip().splitlines()[-1]


# A Helm built by `go install` carries no version stamp and assumes Kubernetes 1.20: say which.
KUBERNETES = "1.30.0"


def render(*values: str, kube_version: str = KUBERNETES) -> list[dict[str, Any]]:
    """`helm template` of the chart with `--set` values; every manifest as a dict."""
    sets = [arg for value in values for arg in ("--set", value)]
    done = subprocess.run(
        [helm(), "template", "press", str(CHART), "--kube-version", kube_version, *sets],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return [doc for doc in yaml.safe_load_all(done.stdout) if doc]
