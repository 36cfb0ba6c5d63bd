"""deploy/Dockerfile, checked statically (Docker cannot run here): what a review would check."""

from __future__ import annotations

import json
import re

from services.kit.settings import REPO_ROOT
from tests.deploy.deploy_files import build_args, final_stage, stages

# An exact version (python:3.11.14-slim-bookworm, apache/kafka:4.1.1) or a digest; never latest.
PINNED = re.compile(r"^[\w./-]+(:[\w.-]*\d+\.\d+\.\d+[\w.-]*)?(@sha256:[0-9a-f]{64})?$")


def resolved_from(value: str) -> str:
    image = value.split()[0]
    for name, default in build_args().items():
        image = image.replace(f"${{{name}}}", default).replace(f"${name}", default)
    return image


def test_the_image_is_built_in_stages_from_pinned_bases() -> None:
    assert len(stages()) >= 2
    for stage in stages():
        image = resolved_from(stage[0]["value"])
        assert PINNED.match(image) and (":" in image or "@sha256:" in image), image


def test_the_final_stage_runs_as_a_numeric_non_root_user() -> None:
    [user] = [i["value"] for i in final_stage() if i["instruction"] == "USER"]
    uid = user.split(":")[0]
    assert uid.isdigit() and int(uid) != 0


def test_the_final_stage_installs_no_build_tools_and_copies_the_built_venv() -> None:
    runs = " ".join(i["value"] for i in final_stage() if i["instruction"] == "RUN")
    for tool in ("build-essential", "gcc", "apt-get install", "pip install"):
        assert tool not in runs
    copies = [i["value"] for i in final_stage() if i["instruction"] == "COPY"]
    assert any(c.startswith("--from=build") for c in copies)


def test_the_entry_point_is_pressroom_serve_with_a_healthcheck() -> None:
    by_name = {i["instruction"]: i["value"] for i in final_stage()}
    assert json.loads(by_name["ENTRYPOINT"]) == ["pressroom", "serve"]
    assert json.loads(by_name["CMD"]) == ["gateway"]
    assert "services.healthcheck" in by_name["HEALTHCHECK"]


def test_the_build_context_leaves_out_local_state_and_secrets() -> None:
    ignore = (REPO_ROOT / ".dockerignore").read_text().splitlines()
    assert ignore[ignore.index("**") if "**" in ignore else -1] == "**"  # deny all, then allow
    allowed = {line[1:] for line in ignore if line.startswith("!")}
    assert not any(a.startswith((".venv", ".pressroom", ".git", "tests")) for a in allowed)
